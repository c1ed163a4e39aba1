//! The shape of a context's `meta.json` as docker/cli decodes it (`store.Metadata`, with the
//! docker endpoint as `docker.EndpointMeta`). A wrong type makes the CLI refuse the context
//! ("unable to load context"): named here by its key path, where a lookup that ignored the
//! type would report the endpoint as missing. Keys match case-insensitively, as in Go.

use serde_json::Value;

use super::json_shape::{Shape, kind, mismatch};

/// The first key of `meta` the CLI cannot decode, as "`Endpoints.docker.Host` is a number,
/// not a string"; `None` when the file decodes.
pub fn type_error(meta: &Value) -> Option<String> {
    let Some(top) = meta.as_object() else {
        return Some(format!(
            "the file holds {}, where the CLI reads an object",
            kind(meta)
        ));
    };
    let get = |map: &serde_json::Map<String, Value>, key: &str| {
        map.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(k, v)| (k.clone(), v.clone()))
    };
    if let Some((k, v)) = get(top, "Name")
        && let Some(e) = mismatch(&v, Shape::Str, &k)
    {
        return Some(e);
    }
    let (ek, endpoints) = get(top, "Endpoints")?;
    if let Some(e) = mismatch(&endpoints, Shape::Object, &ek) {
        return Some(e);
    }
    let (dk, docker) = get(endpoints.as_object()?, "docker")?;
    let at = format!("{ek}.{dk}");
    if let Some(e) = mismatch(&docker, Shape::Object, &at) {
        return Some(e);
    }
    let docker = docker.as_object()?;
    for (key, shape) in [("Host", Shape::Str), ("SkipTLSVerify", Shape::Bool)] {
        if let Some((k, v)) = get(docker, key)
            && let Some(e) = mismatch(&v, shape, &format!("{at}.{k}"))
        {
            return Some(e);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn wrong_types_name_the_key() {
        let cases = [
            (json!({"Name": 1}), "\"Name\" is a number"),
            (json!({"Endpoints": []}), "\"Endpoints\" is a list"),
            (
                json!({"Endpoints": {"docker": "x"}}),
                "\"Endpoints.docker\" is a string",
            ),
            (
                json!({"Endpoints": {"docker": {"Host": 2375}}}),
                "\"Endpoints.docker.Host\" is a number",
            ),
            (
                json!({"endpoints": {"Docker": {"SkipTLSVerify": "yes"}}}),
                "\"endpoints.Docker.SkipTLSVerify\" is a string",
            ),
            (json!("x"), "the file holds a string"),
        ];
        for (v, want) in cases {
            let got = type_error(&v).unwrap_or_default();
            assert!(got.starts_with(want), "{v}: {got}");
        }
    }

    #[test]
    fn what_the_cli_writes_passes() {
        // `docker context create` output (docker/cli 27), and a minimal hand-written one.
        for v in [
            json!({"Name":"remote","Metadata":{"Description":"x"},"Endpoints":{"docker":{"Host":"ssh://u@h","SkipTLSVerify":false}}}),
            json!({"Name":"n","Metadata":null,"Endpoints":{"docker":{"Host":"unix:///s"}}}),
            json!({"Name":"n"}),
        ] {
            assert_eq!(type_error(&v), None, "{v}");
        }
    }
}
