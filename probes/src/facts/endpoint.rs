//! Which daemon the Docker CLI means, and why, resolved the way the CLI does it.
//!
//! Order (docker/cli): `DOCKER_HOST`, then `DOCKER_CONTEXT`, then `currentContext` in
//! config.json, then the `default` context. bollard has no context support, so this is ours.

use super::json_file::{JsonFile, JsonSyntaxError, docker_config_dir, read_json};
use crate::host::Host;
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::fmt;
use std::path::{Path, PathBuf};

pub use crate::shared::{DEFAULT_NPIPE, DEFAULT_UNIX_SOCKET, Endpoint, EndpointKind};

/// Why this endpoint was chosen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// `DOCKER_HOST` is set.
    DockerHost,
    /// `DOCKER_CONTEXT` is set.
    DockerContext,
    /// `currentContext` in config.json.
    ConfigFile,
    /// Nothing set: the built-in default.
    Default,
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Source::DockerHost => "the DOCKER_HOST environment variable",
            Source::DockerContext => "the DOCKER_CONTEXT environment variable",
            Source::ConfigFile => "currentContext in the CLI's config.json",
            Source::Default => "the default; nothing else is set",
        })
    }
}

/// Something in the user's setup that is broken or surprising while resolving the endpoint.
#[derive(Debug, Clone, PartialEq)]
pub enum Problem {
    ConfigUnreadable {
        path: PathBuf,
        error: String,
    },
    ConfigInvalid {
        path: PathBuf,
        error: JsonSyntaxError,
    },
    /// Valid JSON, but a known key has a type the CLI cannot decode.
    ConfigWrongType {
        path: PathBuf,
        error: String,
    },
    ContextNotFound {
        name: String,
        meta_path: PathBuf,
    },
    ContextMetaInvalid {
        name: String,
        path: PathBuf,
        error: String,
    },
    /// `DOCKER_HOST` (or a context) holds something the CLI cannot use.
    InvalidHost {
        value: String,
        origin: String,
        reason: String,
    },
    /// `DOCKER_HOST` wins over a context that is also set, which surprises people.
    HostOverridesContext {
        context: String,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Resolution {
    /// `None` when the setting is broken (see `problems`).
    pub endpoint: Option<Endpoint>,
    pub source: Source,
    /// The context in use (`default` when none is set); `None` with `DOCKER_HOST`.
    pub context: Option<String>,
    pub config_path: Option<PathBuf>,
    pub problems: Vec<Problem>,
}

/// The default daemon address for this OS.
pub fn default_endpoint(os: &str) -> Endpoint {
    if os == "windows" {
        Endpoint {
            url: DEFAULT_NPIPE.into(),
            kind: EndpointKind::Npipe("//./pipe/docker_engine".into()),
            tls: None,
        }
    } else {
        Endpoint::unix(DEFAULT_UNIX_SOCKET)
    }
}

/// The directory holding a context's meta.json: the CLI names it by the SHA-256 of the name.
pub fn context_meta_path(config_dir: &Path, name: &str) -> PathBuf {
    let digest = Sha256::digest(name.as_bytes());
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    config_dir
        .join("contexts")
        .join("meta")
        .join(hex)
        .join("meta.json")
}

pub fn resolve(host: &dyn Host) -> Resolution {
    let os = host.os().os;
    // The CLI: DOCKER_TLS_VERIFY turns on TLS and verification, DOCKER_TLS only TLS.
    let verify = host.env_nonempty("DOCKER_TLS_VERIFY").is_some();
    let tls = verify || host.env_nonempty("DOCKER_TLS").is_some();
    let config_dir = docker_config_dir(host);
    let config_path = config_dir.as_ref().map(|d| d.join("config.json"));
    let mut problems = Vec::new();

    let config = match &config_path {
        Some(p) => read_json(host, p),
        None => JsonFile::Missing,
    };
    match (&config, &config_path) {
        (JsonFile::Unreadable { error }, Some(path)) => problems.push(Problem::ConfigUnreadable {
            path: path.clone(),
            error: error.clone(),
        }),
        (JsonFile::Invalid(error), Some(path)) => problems.push(Problem::ConfigInvalid {
            path: path.clone(),
            error: error.clone(),
        }),
        (JsonFile::Loaded(v), Some(path)) => {
            if let Some(error) = super::client_config::type_error(v) {
                problems.push(Problem::ConfigWrongType {
                    path: path.clone(),
                    error,
                });
            }
        }
        _ => {}
    }
    let current_context = match &config {
        JsonFile::Loaded(v) => v
            .get("currentContext")
            .and_then(|c| c.as_str())
            .filter(|c| !c.is_empty())
            .map(str::to_string),
        _ => None,
    };
    let env_context = host.env_nonempty("DOCKER_CONTEXT");

    if let Some(value) = host.env_nonempty("DOCKER_HOST") {
        if let Some(context) = env_context.clone().or(current_context.clone())
            && context != "default"
        {
            problems.push(Problem::HostOverridesContext { context });
        }
        let parsed = if value.contains('\u{FFFD}') {
            Err("it is not valid UTF-8: set it again from a UTF-8 terminal".to_string())
        } else {
            Endpoint::parse(&value, tls)
        };
        let endpoint = match parsed {
            Ok(mut e) => {
                if matches!(e.kind, EndpointKind::Tcp { tls: true, .. }) {
                    let (dir, from) = match host.env_nonempty("DOCKER_CERT_PATH") {
                        Some(d) => (PathBuf::from(d), "DOCKER_CERT_PATH".to_string()),
                        None => (
                            config_dir
                                .clone()
                                .unwrap_or_else(|| PathBuf::from(".docker")),
                            "the CLI's config folder (DOCKER_CERT_PATH is unset)".to_string(),
                        ),
                    };
                    e.tls = Some(super::docker_tls::TlsFiles { verify, dir, from });
                }
                Some(e)
            }
            Err(reason) => {
                problems.push(Problem::InvalidHost {
                    value,
                    origin: "DOCKER_HOST".into(),
                    reason,
                });
                None
            }
        };
        return Resolution {
            endpoint,
            source: Source::DockerHost,
            context: None,
            config_path,
            problems,
        };
    }

    let (name, source) = match (env_context, current_context) {
        (Some(c), _) => (c, Source::DockerContext),
        (None, Some(c)) => (c, Source::ConfigFile),
        (None, None) => ("default".to_string(), Source::Default),
    };
    let endpoint = if name == "default" {
        Some(default_endpoint(&os))
    } else {
        match &config_dir {
            Some(dir) => context_endpoint(host, dir, &name, tls, &mut problems),
            None => None,
        }
    };
    Resolution {
        endpoint,
        source,
        context: Some(name),
        config_path,
        problems,
    }
}

fn context_endpoint(
    host: &dyn Host,
    config_dir: &Path,
    name: &str,
    tls: bool,
    problems: &mut Vec<Problem>,
) -> Option<Endpoint> {
    let path = context_meta_path(config_dir, name);
    let invalid = |error: String| Problem::ContextMetaInvalid {
        name: name.to_string(),
        path: path.clone(),
        error,
    };
    let meta = match read_json(host, &path) {
        JsonFile::Loaded(v) => v,
        JsonFile::Missing => {
            problems.push(Problem::ContextNotFound {
                name: name.to_string(),
                meta_path: path,
            });
            return None;
        }
        JsonFile::Unreadable { error } => {
            problems.push(invalid(error));
            return None;
        }
        JsonFile::Invalid(e) => {
            problems.push(invalid(e.to_string()));
            return None;
        }
    };
    if let Some(error) = super::context_meta::type_error(&meta) {
        problems.push(invalid(error));
        return None;
    }
    let docker = meta.pointer("/Endpoints/docker");
    let Some(value) = docker.and_then(|d| d.get("Host")).and_then(|h| h.as_str()) else {
        problems.push(invalid("it has no Endpoints.docker.Host".into()));
        return None;
    };
    // A context that carries TLS material talks TLS to its tcp:// endpoint.
    let tls_dir = path
        .parent()
        .and_then(|meta| meta.file_name())
        .map(|hash| config_dir.join("contexts/tls").join(hash).join("docker"));
    let has_tls = tls_dir.as_ref().is_some_and(|d| host.exists(d));
    let skip_verify = docker
        .and_then(|d| d.get("SkipTLSVerify"))
        .and_then(|v| v.as_bool())
        .unwrap_or(false);
    match Endpoint::parse(value, tls || has_tls) {
        Ok(mut e) => {
            if matches!(e.kind, EndpointKind::Tcp { tls: true, .. })
                && let Some(dir) = tls_dir.filter(|_| has_tls)
            {
                e.tls = Some(super::docker_tls::TlsFiles {
                    verify: !skip_verify,
                    dir,
                    from: format!("context {name}"),
                });
            }
            Some(e)
        }
        Err(reason) => {
            problems.push(Problem::InvalidHost {
                value: value.to_string(),
                origin: format!("context {name} ({})", path.display()),
                reason,
            });
            None
        }
    }
}

/// The other places a daemon commonly listens on this OS, to suggest when the chosen one
/// does not answer: the system socket, rootless, Docker Desktop (Linux and macOS), Rancher
/// Desktop, Podman.
pub fn well_known_sockets(host: &dyn Host) -> Vec<(&'static str, Endpoint)> {
    let mut out = Vec::new();
    if host.os().os == "windows" {
        out.push((
            "Docker Engine / Docker Desktop",
            default_endpoint("windows"),
        ));
        return out;
    }
    out.push(("system Docker Engine", Endpoint::unix(DEFAULT_UNIX_SOCKET)));
    if let Some(runtime) = host.env_nonempty("XDG_RUNTIME_DIR") {
        let runtime = PathBuf::from(runtime);
        out.push((
            "rootless Docker",
            Endpoint::unix(runtime.join("docker.sock")),
        ));
        out.push((
            "Podman (rootless)",
            Endpoint::unix(runtime.join("podman/podman.sock")),
        ));
    }
    if let Some(home) = super::json_file::home_dir(host) {
        out.push((
            "Docker Desktop for Linux",
            Endpoint::unix(home.join(".docker/desktop/docker.sock")),
        ));
        out.push((
            "Docker Desktop (macOS)",
            Endpoint::unix(home.join(".docker/run/docker.sock")),
        ));
        out.push((
            "Rancher Desktop",
            Endpoint::unix(home.join(".rd/docker.sock")),
        ));
        out.push((
            "Colima",
            Endpoint::unix(home.join(".colima/default/docker.sock")),
        ));
        out.push((
            "OrbStack",
            Endpoint::unix(home.join(".orbstack/run/docker.sock")),
        ));
        // Podman machine on macOS: Podman 4 (QEMU) under the home, Podman 5 under $TMPDIR.
        out.push((
            "Podman machine",
            Endpoint::unix(home.join(".local/share/containers/podman/machine/qemu/podman.sock")),
        ));
    }
    if host.os().os == "macos"
        && let Some(tmp) = host.env_nonempty("TMPDIR")
    {
        out.push((
            "Podman machine",
            Endpoint::unix(PathBuf::from(tmp).join("podman/podman-machine-default-api.sock")),
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_schemes_the_cli_accepts() {
        let e = Endpoint::parse("unix:///run/user/1000/docker.sock", false).unwrap();
        assert_eq!(
            e.socket_path(),
            Some(Path::new("/run/user/1000/docker.sock"))
        );
        let e = Endpoint::parse("tcp://10.0.0.5", true).unwrap();
        assert_eq!(
            e.kind,
            EndpointKind::Tcp {
                address: "10.0.0.5:2376".into(),
                tls: true
            }
        );
        let e = Endpoint::parse("localhost:2375", false).unwrap();
        assert!(matches!(e.kind, EndpointKind::Tcp { .. }));
        assert!(matches!(
            Endpoint::parse("ssh://me@box", false).unwrap().kind,
            EndpointKind::Ssh(_)
        ));
        assert_eq!(
            Endpoint::parse("unix://", false).unwrap().socket_path(),
            Some(Path::new(DEFAULT_UNIX_SOCKET))
        );
    }

    #[test]
    fn rejects_what_the_cli_rejects_with_a_reason() {
        assert!(
            Endpoint::parse("htp://x", false)
                .unwrap_err()
                .contains("htp://")
        );
        assert!(
            Endpoint::parse("/var/run/docker.sock", false)
                .unwrap_err()
                .contains("unix:///var/run/docker.sock")
        );
        assert!(Endpoint::parse("fd://", false).is_err());
        assert!(Endpoint::parse("unix://relative.sock", false).is_err());
    }

    #[test]
    fn context_meta_dir_is_sha256_of_the_name() {
        // The CLI's own digest for "desktop-linux" (docker context inspect shows it).
        let p = context_meta_path(Path::new("/h/.docker"), "desktop-linux");
        assert_eq!(
            p,
            Path::new(
                "/h/.docker/contexts/meta/fe9c6bd7a66301f49ca9b6a70b217107cd1284598bfc254700c989b916da791e/meta.json"
            )
        );
    }
}
