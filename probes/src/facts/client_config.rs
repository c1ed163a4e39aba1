//! The shape of `~/.docker/config.json` as docker/cli decodes it (`configfile.ConfigFile`).
//! Go's decoder refuses the whole file when one known key has the wrong type (the CLI then
//! warns "Error loading config file" and runs with an empty config: no context, no
//! credentials, no proxies), while unknown keys are ignored. Keys match case-insensitively,
//! as in Go.

use serde_json::Value;

use super::json_shape::{Shape, kind, mismatch};

const KEYS: &[(&str, Shape)] = &[
    ("auths", Shape::MapOfStrMaps),
    ("httpheaders", Shape::StrMap),
    ("psformat", Shape::Str),
    ("imagesformat", Shape::Str),
    ("networksformat", Shape::Str),
    ("pluginsformat", Shape::Str),
    ("volumesformat", Shape::Str),
    ("statsformat", Shape::Str),
    ("detachkeys", Shape::Str),
    ("credsstore", Shape::Str),
    ("credhelpers", Shape::StrMap),
    ("serviceinspectformat", Shape::Str),
    ("servicesformat", Shape::Str),
    ("tasksformat", Shape::Str),
    ("secretformat", Shape::Str),
    ("configformat", Shape::Str),
    ("nodesformat", Shape::Str),
    ("prunefilters", Shape::StrList),
    ("proxies", Shape::MapOfStrMaps),
    ("experimental", Shape::Str),
    ("stackorchestrator", Shape::Str),
    ("currentcontext", Shape::Str),
    ("clipluginsextradirs", Shape::StrList),
    ("plugins", Shape::MapOfStrMaps),
    ("aliases", Shape::StrMap),
    ("features", Shape::StrMap),
    ("kubernetes", Shape::Object),
];

/// The first key whose value the CLI cannot decode, as "`key` is a number, where the CLI
/// reads a string"; `None` when the file decodes.
pub fn type_error(config: &Value) -> Option<String> {
    let Some(top) = config.as_object() else {
        return Some(format!(
            "the file holds {}, where the CLI reads an object",
            kind(config)
        ));
    };
    for (key, value) in top {
        let Some((_, shape)) = KEYS.iter().find(|(k, _)| key.eq_ignore_ascii_case(k)) else {
            continue;
        };
        if let Some(path) = mismatch(value, *shape, key) {
            return Some(path);
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
            (
                json!({"currentContext": 5}),
                "\"currentContext\" is a number",
            ),
            (json!({"auths": []}), "\"auths\" is a list"),
            (
                json!({"auths": {"r": {"auth": 1}}}),
                "\"auths.r.auth\" is a number",
            ),
            (
                json!({"Proxies": {"default": {"httpsProxy": true}}}),
                "\"Proxies.default.httpsProxy\" is a boolean",
            ),
            (
                json!({"cliPluginsExtraDirs": ["/a", 2]}),
                "\"cliPluginsExtraDirs[1]\" is a number",
            ),
            (json!([1]), "the file holds a list"),
        ];
        for (v, want) in cases {
            let got = type_error(&v).unwrap_or_default();
            assert!(got.starts_with(want), "{v}: {got}");
        }
    }

    #[test]
    fn what_the_cli_accepts_passes() {
        for v in [
            json!({}),
            json!({"auths": {"https://index.docker.io/v1/": {}}, "credsStore": "desktop"}),
            json!({"currentContext": null, "unknownKey": 5, "proxies": {"default": {"noProxy": "x"}}}),
        ] {
            assert_eq!(type_error(&v), None, "{v}");
        }
    }
}
