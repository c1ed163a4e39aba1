//! Types that both halves of the crate use: the host (which connects to endpoints and
//! lists listening sockets) and the facts (which resolve endpoints and parse tables). They
//! live here so neither imports the other for them.

use serde::Serialize;
use std::net::IpAddr;
use std::path::{Path, PathBuf};

pub const DEFAULT_UNIX_SOCKET: &str = "/var/run/docker.sock";
pub const DEFAULT_NPIPE: &str = "npipe:////./pipe/docker_engine";

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Endpoint {
    /// As written by the user (`unix:///var/run/docker.sock`, `tcp://host:2376`).
    pub url: String,
    #[serde(skip)]
    pub kind: EndpointKind,
    /// For a TLS `tcp://` endpoint: where the client's certificates come from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tls: Option<TlsFiles>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EndpointKind {
    Unix(PathBuf),
    /// `host:port`, and whether TLS is used.
    Tcp {
        address: String,
        tls: bool,
    },
    Npipe(String),
    Ssh(String),
}

impl Endpoint {
    pub fn unix(path: impl Into<PathBuf>) -> Self {
        let path = path.into();
        Endpoint {
            url: format!("unix://{}", path.display()),
            kind: EndpointKind::Unix(path),
            tls: None,
        }
    }

    /// The kind of connection, as the report names it: unix, npipe, tcp, tls or ssh.
    pub fn kind_name(&self) -> &'static str {
        match &self.kind {
            EndpointKind::Unix(_) => "unix",
            EndpointKind::Npipe(_) => "npipe",
            EndpointKind::Tcp { tls: true, .. } => "tls",
            EndpointKind::Tcp { .. } => "tcp",
            EndpointKind::Ssh(_) => "ssh",
        }
    }

    /// Whether the daemon is on another machine (or reached like one): its service is not
    /// this host's to start, and a local fix would be wrong.
    pub fn is_remote(&self) -> bool {
        matches!(self.kind, EndpointKind::Tcp { .. } | EndpointKind::Ssh(_))
    }

    /// Docker Desktop's per-user socket (Linux: ~/.docker/desktop, macOS: ~/.docker/run).
    pub fn is_docker_desktop(&self) -> bool {
        self.socket_path().is_some_and(|p| {
            p.ends_with(".docker/desktop/docker.sock") || p.ends_with(".docker/run/docker.sock")
        })
    }

    pub fn socket_path(&self) -> Option<&Path> {
        match &self.kind {
            EndpointKind::Unix(p) => Some(p),
            _ => None,
        }
    }

    /// Parses a host URL as the Docker CLI accepts it. `tls` is the client's TLS setting
    /// (`DOCKER_TLS_VERIFY`), used for `tcp://`.
    pub fn parse(url: &str, tls: bool) -> Result<Endpoint, String> {
        let url = url.trim();
        let Some((scheme, rest)) = url.split_once("://") else {
            if url.starts_with('/') {
                return Err(format!(
                    "a path without a scheme; the CLI needs unix://{url}"
                ));
            }
            // The CLI reads a bare `host:port` as tcp.
            return Endpoint::parse(&format!("tcp://{url}"), tls).map(|mut e| {
                e.url = url.to_string();
                e
            });
        };
        let kind = match scheme.to_ascii_lowercase().as_str() {
            "unix" => {
                if rest.is_empty() {
                    EndpointKind::Unix(PathBuf::from(DEFAULT_UNIX_SOCKET))
                } else if !rest.starts_with('/') {
                    return Err(format!(
                        "unix:// needs an absolute path, as in unix:///{rest}"
                    ));
                } else {
                    EndpointKind::Unix(PathBuf::from(rest))
                }
            }
            "tcp" | "http" | "https" => {
                let address = rest.trim_end_matches('/');
                if address.is_empty() {
                    return Err("tcp:// needs a host and port, as in tcp://HOST:2376".into());
                }
                let tls = tls || scheme.eq_ignore_ascii_case("https");
                let address = if has_port(address) {
                    address.to_string()
                } else {
                    format!("{address}:{}", if tls { 2376 } else { 2375 })
                };
                EndpointKind::Tcp { address, tls }
            }
            "npipe" => EndpointKind::Npipe(rest.to_string()),
            "ssh" => EndpointKind::Ssh(rest.to_string()),
            "fd" => {
                return Err(
                    "fd:// is for the daemon's own socket activation, not for clients".into(),
                );
            }
            other => {
                return Err(format!(
                    "unknown scheme {other}://; use unix://, tcp://, ssh:// or npipe://"
                ));
            }
        };
        Ok(Endpoint {
            url: url.to_string(),
            kind,
            tls: None,
        })
    }
}

fn has_port(address: &str) -> bool {
    match address.rsplit_once(':') {
        Some((host, port)) => {
            !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit()) && !host.ends_with(':')
        }
        None => false,
    }
}

/// A TCP socket in the LISTEN state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listener {
    pub addr: IpAddr,
    pub port: u16,
    /// The owner's uid (procfs shows it to anyone); `None` where the OS does not say.
    pub uid: Option<u32>,
    pub inode: u64,
    /// The process, when the OS named it with the socket (macOS, Windows).
    pub owner: Option<Owner>,
}

/// The process that holds a socket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Owner {
    pub pid: u32,
    pub name: String,
    pub cmdline: String,
}

/// Where the client's TLS settings come from, as the CLI would use them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TlsFiles {
    /// Whether the server's certificate is verified (`DOCKER_TLS_VERIFY`, or a context
    /// without `SkipTLSVerify`).
    pub verify: bool,
    /// The folder holding `ca.pem`, `cert.pem` and `key.pem`.
    pub dir: PathBuf,
    /// Which setting chose that folder, for people.
    pub from: String,
}

impl TlsFiles {
    pub fn ca(&self) -> PathBuf {
        self.dir.join("ca.pem")
    }
    pub fn cert(&self) -> PathBuf {
        self.dir.join("cert.pem")
    }
    pub fn key(&self) -> PathBuf {
        self.dir.join("key.pem")
    }
}
