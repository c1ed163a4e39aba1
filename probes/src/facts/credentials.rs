//! The login the docker CLI sends for a registry, found as the CLI finds it
//! (docker/cli `configfile.GetAuthConfig`): the registry's entry in `credHelpers`, else
//! `credsStore`, else the `auths` entry of config.json itself. A helper is the program
//! `docker-credential-<name>`, asked with `get` and the server address on stdin.

use crate::host::{Host, RunError};
use crate::secret::Secret;
use base64::Engine;
use serde_json::Value;
use std::time::Duration;

/// The key under which the CLI stores Docker Hub's login.
pub const HUB_KEY: &str = "https://index.docker.io/v1/";

/// The hostname of an `auths` key (`https://reg:5000/v1/` → `reg:5000`), as the CLI's
/// `ConvertToHostname`; Docker Hub's names all become [`HUB_KEY`]'s host.
pub fn hostname(key: &str) -> String {
    let rest = key
        .strip_prefix("https://")
        .or_else(|| key.strip_prefix("http://"))
        .unwrap_or(key);
    let host = rest.split('/').next().unwrap_or(rest).to_ascii_lowercase();
    match host.as_str() {
        "docker.io" | "index.docker.io" | "registry-1.docker.io" | "registry.hub.docker.com" => {
            "index.docker.io".into()
        }
        _ => host,
    }
}

pub fn is_hub(key: &str) -> bool {
    hostname(key) == "index.docker.io"
}

/// A stored login.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credential {
    pub user: String,
    pub secret: Secret,
    /// An OAuth identity token (Docker Desktop's sign-in), not a password: it is exchanged
    /// differently and not checked here.
    pub identity_token: bool,
}

/// Where the CLI keeps the login of one registry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Store {
    /// `docker-credential-<name>`, from credHelpers or credsStore.
    Helper {
        name: String,
        from: &'static str,
    },
    File,
}

/// The registries config.json has a login for (`auths` keys, including the empty markers
/// the CLI writes for logins kept by a credsStore, and `credHelpers` keys), by config key.
pub fn configured(config: &Value) -> Vec<String> {
    let mut keys: Vec<String> = Vec::new();
    // By host name, through a set: a config.json with thousands of logins is one pass.
    let mut seen = std::collections::HashSet::new();
    for section in ["auths", "credHelpers"] {
        if let Some(map) = config.get(section).and_then(Value::as_object) {
            for k in map.keys() {
                if seen.insert(hostname(k)) {
                    keys.push(k.clone());
                }
            }
        }
    }
    keys
}

pub fn store_for(config: &Value, key: &str) -> Store {
    let host = hostname(key);
    if let Some(name) = config
        .get("credHelpers")
        .and_then(Value::as_object)
        .and_then(|m| m.iter().find(|(k, _)| hostname(k) == host))
        .and_then(|(_, v)| v.as_str())
        .filter(|n| !n.is_empty())
    {
        return Store::Helper {
            name: name.to_string(),
            from: "credHelpers",
        };
    }
    match config.get("credsStore").and_then(Value::as_str) {
        Some(name) if !name.is_empty() => Store::Helper {
            name: name.to_string(),
            from: "credsStore",
        },
        _ => Store::File,
    }
}

/// The login in config.json's own `auths` entry (base64 `user:password` in `auth`, or the
/// separate fields), if there is one.
pub fn from_auths(config: &Value, key: &str) -> Option<Credential> {
    let host = hostname(key);
    let entry = config
        .get("auths")?
        .as_object()?
        .iter()
        .find(|(k, _)| hostname(k) == host)?
        .1;
    if let Some(token) = entry.get("identitytoken").and_then(Value::as_str)
        && !token.is_empty()
    {
        return Some(Credential {
            user: String::new(),
            secret: Secret::new(token),
            identity_token: true,
        });
    }
    if let Some(auth) = entry.get("auth").and_then(Value::as_str)
        && !auth.is_empty()
    {
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(auth.trim())
            .ok()?;
        let text = String::from_utf8(decoded).ok()?;
        let (user, password) = text.split_once(':')?;
        return Some(Credential {
            user: user.to_string(),
            secret: Secret::new(password),
            identity_token: false,
        });
    }
    let user = entry.get("username").and_then(Value::as_str)?;
    let password = entry.get("password").and_then(Value::as_str)?;
    Some(Credential {
        user: user.to_string(),
        secret: Secret::new(password),
        identity_token: false,
    })
}

/// A helper's answer to `get`: `{"ServerURL", "Username", "Secret"}`; the user name
/// `<token>` marks an identity token.
pub fn parse_helper_output(stdout: &str) -> Option<Credential> {
    let v: Value = serde_json::from_str(stdout.trim()).ok()?;
    let user = v.get("Username").and_then(Value::as_str).unwrap_or("");
    let secret = v.get("Secret").and_then(Value::as_str)?;
    if secret.is_empty() {
        return None;
    }
    Some(Credential {
        user: user.to_string(),
        secret: Secret::new(secret),
        identity_token: user == "<token>",
    })
}

/// What asking for a registry's login gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lookup {
    Found(Credential),
    /// Nothing stored for it.
    None,
    /// The helper program is not on PATH.
    HelperMissing {
        program: String,
    },
    HelperFailed {
        program: String,
        message: String,
    },
}

/// The program name of a helper, as the CLI runs it.
pub fn helper_program(name: &str) -> String {
    format!("docker-credential-{name}")
}

/// Asks for the login of `key` where the CLI would.
pub async fn lookup(host: &dyn Host, config: &Value, key: &str, timeout: Duration) -> Lookup {
    let Store::Helper { name, .. } = store_for(config, key) else {
        return from_auths(config, key).map_or(Lookup::None, Lookup::Found);
    };
    let program = helper_program(&name);
    let Some(path) = host.which(&program) else {
        return Lookup::HelperMissing { program };
    };
    // The CLI asks with the key as written in config.json (Docker Hub: its v1 URL).
    let server = if is_hub(key) { HUB_KEY } else { key };
    match host
        .run_with_input(&path, &["get"], server.as_bytes(), timeout)
        .await
    {
        Ok(out) if out.status == Some(0) => {
            parse_helper_output(&out.stdout).map_or(Lookup::None, Lookup::Found)
        }
        // "credentials not found in native keychain": nothing stored, not a failure.
        Ok(out) if out.stdout.contains("not found") || out.stderr.contains("not found") => {
            Lookup::None
        }
        Ok(out) => Lookup::HelperFailed {
            program,
            message: first_line(&out.stderr)
                .or_else(|| said_not_sent(&out.stdout))
                .unwrap_or_else(|| format!("exit status {:?}", out.status)),
        },
        Err(RunError::TimedOut(_)) => Lookup::HelperFailed {
            program,
            message: "it did not answer in time (a keychain or pass prompt waiting?)".into(),
        },
        Err(e) => Lookup::HelperFailed {
            program,
            message: format!("{e:?}"),
        },
    }
}

/// What a failed helper printed on stdout, only when it is a message: a helper's answer
/// (`{"Secret": ...}`) or a lone word (a bare token) is a credential, never quoted.
fn said_not_sent(stdout: &str) -> Option<String> {
    if parse_helper_output(stdout).is_some() || stdout.contains("\"Secret\"") {
        return None;
    }
    first_line(stdout).filter(|l| l.contains(char::is_whitespace))
}

fn first_line(s: &str) -> Option<String> {
    s.lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .map(|l| l.chars().take(300).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn hostnames_as_the_cli_converts_them() {
        assert_eq!(hostname("https://index.docker.io/v1/"), "index.docker.io");
        assert_eq!(hostname("docker.io"), "index.docker.io");
        assert_eq!(hostname("https://Reg.example:5000/v2/"), "reg.example:5000");
        assert_eq!(hostname("ghcr.io"), "ghcr.io");
    }

    #[test]
    fn where_the_login_is_kept() {
        let c = json!({"credsStore": "desktop", "credHelpers": {"123.dkr.ecr.eu-west-1.amazonaws.com": "ecr-login"}});
        assert_eq!(
            store_for(&c, "123.dkr.ecr.eu-west-1.amazonaws.com"),
            Store::Helper {
                name: "ecr-login".into(),
                from: "credHelpers"
            }
        );
        assert_eq!(
            store_for(&c, HUB_KEY),
            Store::Helper {
                name: "desktop".into(),
                from: "credsStore"
            }
        );
        assert_eq!(store_for(&json!({"credsStore": ""}), HUB_KEY), Store::File);
    }

    #[test]
    fn logins_in_the_file() {
        // "alice:s3cr:et" - a password may hold a colon.
        let c = json!({"auths": {
            "https://index.docker.io/v1/": {"auth": "YWxpY2U6czNjcjpldA=="},
            "reg.lab:5000": {"username": "bob", "password": "pw"},
            "ghcr.io": {"identitytoken": "tok"},
            "empty.lab": {}
        }});
        let hub = from_auths(&c, "docker.io").unwrap();
        assert_eq!(
            (hub.user.as_str(), hub.secret.expose()),
            ("alice", "s3cr:et")
        );
        assert_eq!(from_auths(&c, "https://reg.lab:5000").unwrap().user, "bob");
        assert!(from_auths(&c, "ghcr.io").unwrap().identity_token);
        assert_eq!(from_auths(&c, "empty.lab"), None);
        assert_eq!(configured(&c).len(), 4);
    }

    #[test]
    fn helper_answers() {
        let c = parse_helper_output(
            r#"{"ServerURL":"https://index.docker.io/v1/","Username":"alice","Secret":"pw"}"#,
        )
        .unwrap();
        assert_eq!(c.user, "alice");
        assert!(
            parse_helper_output(r#"{"Username":"<token>","Secret":"eyJ"}"#)
                .unwrap()
                .identity_token
        );
        assert_eq!(
            parse_helper_output("credentials not found in native keychain"),
            None
        );
    }

    #[test]
    fn a_failed_helpers_token_is_never_its_message() {
        assert_eq!(
            said_not_sent(r#"{"ServerURL":"x","Username":"a","Secret":"tok-123"}"#),
            None
        );
        assert_eq!(said_not_sent("ghp_abcdefghijklmnop\n"), None);
        assert_eq!(
            said_not_sent("error getting credentials: exit 1\n").as_deref(),
            Some("error getting credentials: exit 1")
        );
    }
}
