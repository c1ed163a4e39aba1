//! The registries a pull on this machine will talk to: Docker Hub's three hosts, every
//! `registry-mirrors` and `insecure-registries` entry of the daemon's configuration (file
//! and running daemon), and every registry the user named with `--registry`.

use super::json_file::JsonFile;
use super::proxy::{cidr_contains, split_host_port};
use serde_json::Value;
use std::net::IpAddr;

/// Docker Hub: the registry, its token service, and the CDN that serves the layers.
pub const HUB_HOSTS: &[&str] = &[
    "registry-1.docker.io",
    "auth.docker.io",
    "production.cloudflare.docker.com",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Role {
    Hub,
    Mirror,
    Insecure,
    Asked,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Hub => "Docker Hub",
            Role::Mirror => "registry mirror",
            Role::Insecure => "insecure registry",
            Role::Asked => "registry",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registry {
    /// `host[:port]` as an image reference names it (and as `certs.d` spells the folder).
    pub name: String,
    pub host: String,
    pub port: u16,
    pub role: Role,
    /// dockerd skips TLS verification and falls back to HTTP.
    pub insecure: bool,
}

impl Registry {
    pub fn is_hub(&self) -> bool {
        self.role == Role::Hub
    }

    /// `registry-1.docker.io (Docker Hub)`: how findings name it.
    pub fn label(&self) -> String {
        format!("{} ({})", self.name, self.role.as_str())
    }
}

/// `host[:port]` of a registry given as a URL or a name, or `None` for nonsense.
pub fn parse_name(text: &str) -> Option<(String, String, u16)> {
    let t = text.trim();
    let t = t
        .strip_prefix("https://")
        .or_else(|| t.strip_prefix("http://"))
        .unwrap_or(t);
    let authority = t.split('/').next()?.trim();
    if authority.is_empty() || authority.contains(char::is_whitespace) {
        return None;
    }
    let (host, port) = split_host_port(authority);
    let port = match port {
        Some(p) => p.parse().ok()?,
        None => 443,
    };
    if host.is_empty() {
        return None;
    }
    Some((authority.to_string(), host.to_ascii_lowercase(), port))
}

/// Configured mirrors and insecure registries: from daemon.json, and from the running
/// daemon when it answered (it may have been configured by flags).
#[derive(Debug, Clone, Default)]
pub struct Configured {
    pub mirrors: Vec<String>,
    pub insecure: Vec<String>,
}

impl Configured {
    pub fn from_daemon_json(file: &JsonFile) -> Configured {
        let JsonFile::Loaded(Value::Object(map)) = file else {
            return Configured::default();
        };
        let strings = |k: &str| -> Vec<String> {
            map.get(k)
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(Value::as_str)
                        .map(str::to_string)
                        .collect()
                })
                .unwrap_or_default()
        };
        Configured {
            mirrors: strings("registry-mirrors"),
            insecure: strings("insecure-registries"),
        }
    }

    pub fn merge(&mut self, other: Configured) {
        // Through sets: a daemon.json may list thousands.
        let mut seen: std::collections::HashSet<String> = self.mirrors.iter().cloned().collect();
        for m in other.mirrors {
            if seen.insert(m.clone()) {
                self.mirrors.push(m);
            }
        }
        let mut seen: std::collections::HashSet<String> = self.insecure.iter().cloned().collect();
        for i in other.insecure {
            if seen.insert(i.clone()) {
                self.insecure.push(i);
            }
        }
    }

    /// Whether dockerd treats `host:port` as insecure: listed by name, inside a listed
    /// CIDR, or on loopback (dockerd's built-in `127.0.0.0/8`).
    pub fn is_insecure(&self, name: &str, host: &str) -> bool {
        let ip = host.parse::<IpAddr>().ok();
        if ip.is_some_and(|ip| ip.is_loopback()) {
            return true;
        }
        self.insecure.iter().any(|entry| {
            let e = entry
                .trim_start_matches("http://")
                .trim_start_matches("https://");
            if let (Some((net, bits)), Some(ip)) = (e.split_once('/'), ip) {
                return cidr(net, bits, ip);
            }
            e.eq_ignore_ascii_case(name) || e.eq_ignore_ascii_case(host)
        })
    }
}

fn cidr(net: &str, bits: &str, ip: IpAddr) -> bool {
    match (net.parse::<IpAddr>(), bits.parse::<u8>()) {
        (Ok(net), Ok(bits)) => cidr_contains(net, bits, ip),
        _ => false,
    }
}

/// The most mirrors and insecure registries of the daemon's configuration one run
/// checks over the network: far above a real daemon.json, far below one with thousands
/// (each is a DNS, TCP and TLS exchange, with its trust store and chain in memory).
pub const CONFIGURED_CAP: usize = 16;

/// How many of the configured mirrors and insecure registries [`list`] leaves out.
pub fn not_listed(configured: &Configured) -> usize {
    let candidates = configured.mirrors.len()
        + configured
            .insecure
            .iter()
            .filter(|i| !i.contains('/') || i.contains("://"))
            .count();
    candidates.saturating_sub(CONFIGURED_CAP)
}

/// Every registry to check, each once, Docker Hub first; of the configuration's mirrors
/// and insecure registries the first [`CONFIGURED_CAP`] (those asked with `--registry`
/// always).
pub fn list(configured: &Configured, asked: &[String]) -> Vec<Registry> {
    let mut out: Vec<Registry> = HUB_HOSTS
        .iter()
        .map(|h| Registry {
            name: h.to_string(),
            host: h.to_string(),
            port: 443,
            role: Role::Hub,
            insecure: false,
        })
        .collect();
    let mut seen: std::collections::HashSet<(String, u16)> =
        out.iter().map(|r| (r.host.clone(), r.port)).collect();
    let mut configured_left = CONFIGURED_CAP;
    let mut add = |text: &str, role: Role| {
        if role != Role::Asked {
            if configured_left == 0 {
                return;
            }
            configured_left -= 1;
        }
        let Some((name, host, port)) = parse_name(text) else {
            return;
        };
        if name.contains('/') || !seen.insert((host.clone(), port)) {
            return;
        }
        let insecure = role == Role::Insecure || configured.is_insecure(&name, &host);
        out.push(Registry {
            name,
            host,
            port,
            role,
            insecure,
        });
    };
    for m in &configured.mirrors {
        add(m, Role::Mirror);
    }
    for i in &configured.insecure {
        // A CIDR names networks, not a registry to try.
        if !i.contains('/') || i.contains("://") {
            add(i, Role::Insecure);
        }
    }
    for a in asked {
        add(a, Role::Asked);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_hub_mirrors_insecure_and_asked_once_each() {
        let c = Configured {
            mirrors: vec!["https://mirror.corp:5000/".into()],
            insecure: vec!["10.0.0.0/8".into(), "legacy.corp:5000".into()],
        };
        let l = list(
            &c,
            &[
                "registry.corp".into(),
                "mirror.corp:5000".into(),
                "10.1.2.3:5000".into(),
            ],
        );
        let names: Vec<&str> = l.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "registry-1.docker.io",
                "auth.docker.io",
                "production.cloudflare.docker.com",
                "mirror.corp:5000",
                "legacy.corp:5000",
                "registry.corp",
                "10.1.2.3:5000"
            ]
        );
        assert!(
            l[4].insecure && !l[5].insecure && l[6].insecure,
            "CIDR 10/8 covers 10.1.2.3"
        );
        assert_eq!(l[5].port, 443);
        assert!(parse_name("not a host").is_none());
    }
}
