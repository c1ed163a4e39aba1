//! The host ports a Compose file publishes: short (`"127.0.0.1:8080:80/tcp"`, ranges) and
//! long (`published`/`target`) syntax, with `${VAR:-default}` taken from the environment as
//! Compose does.

use crate::host::Host;
use serde_yaml_ng::Value;
use std::path::{Path, PathBuf};

/// The file names `docker compose` looks for, in its order.
pub const DEFAULT_FILES: &[&str] = &[
    "compose.yaml",
    "compose.yml",
    "docker-compose.yaml",
    "docker-compose.yml",
];

/// One host port a service publishes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Published {
    pub service: String,
    pub host_ip: Option<String>,
    pub host_port: u16,
    pub container_port: u16,
    pub protocol: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ComposeFile {
    /// No file named, none in the working directory.
    Absent,
    Unreadable {
        path: PathBuf,
        error: String,
    },
    Invalid {
        path: PathBuf,
        error: String,
    },
    Loaded {
        path: PathBuf,
        ports: Vec<Published>,
    },
}

/// The named file, or the first default one in `cwd`.
pub fn locate(host: &dyn Host, named: Option<&Path>, cwd: Option<&Path>) -> Option<PathBuf> {
    if let Some(n) = named {
        return Some(match cwd {
            Some(c) if n.is_relative() => c.join(n),
            _ => n.to_path_buf(),
        });
    }
    let cwd = cwd?;
    DEFAULT_FILES
        .iter()
        .map(|f| cwd.join(f))
        .find(|p| host.read_file(p).is_ok())
}

pub fn load(host: &dyn Host, path: Option<PathBuf>) -> ComposeFile {
    let Some(path) = path else {
        return ComposeFile::Absent;
    };
    let text = match host.read_text(&path) {
        Ok(t) => t,
        Err(e) => {
            return ComposeFile::Unreadable {
                error: super::json_file::io_error_text(&e),
                path,
            };
        }
    };
    match parse(&text, &|name| host.env(name)) {
        Ok(ports) => ComposeFile::Loaded { path, ports },
        Err(error) => ComposeFile::Invalid { path, error },
    }
}

use crate::bounded::{MAX_NESTING, nested_too_deep};

/// The document, or why it was not parsed.
fn yaml(text: &str) -> Result<Value, String> {
    if let Some(line) = nested_too_deep(text) {
        return Err(format!(
            "nested deeper than {MAX_NESTING} levels at line {line}: not parsed"
        ));
    }
    serde_yaml_ng::from_str(text).map_err(|e| e.to_string())
}

/// The published ports of every service.
pub fn parse(text: &str, env: &dyn Fn(&str) -> Option<String>) -> Result<Vec<Published>, String> {
    let doc = yaml(text)?;
    let mut out = Vec::new();
    let Some(services) = doc.get("services").and_then(Value::as_mapping) else {
        return Ok(out);
    };
    for (name, service) in services {
        let service_name = name.as_str().unwrap_or("?").to_string();
        let Some(ports) = service.get("ports").and_then(Value::as_sequence) else {
            continue;
        };
        for entry in ports {
            let parsed = match entry {
                Value::String(s) => short(&interpolate(s, env))?,
                Value::Number(n) => short(&n.to_string())?,
                Value::Mapping(_) => long(entry, env)?,
                other => {
                    return Err(format!(
                        "service {service_name}: a port entry is a {}, not a string, number or mapping",
                        yaml_type(other)
                    ));
                }
            };
            for (host_ip, host_port, container_port, protocol) in parsed {
                out.push(Published {
                    service: service_name.clone(),
                    host_ip,
                    host_port,
                    container_port,
                    protocol,
                });
            }
        }
    }
    Ok(out)
}

fn yaml_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Sequence(_) => "list",
        Value::Mapping(_) => "mapping",
        Value::Tagged(_) => "tagged value",
    }
}

/// `(service, source)` of every bind mount: short syntax `SRC:DST[:MODE]` with a path
/// source, and long syntax `type: bind`. Relative sources are resolved against `dir`.
pub fn bind_sources(text: &str, dir: &Path) -> Vec<(String, PathBuf)> {
    let Ok(doc) = yaml(text) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let Some(services) = doc.get("services").and_then(Value::as_mapping) else {
        return out;
    };
    for (name, service) in services {
        let service_name = name.as_str().unwrap_or("?").to_string();
        for v in service
            .get("volumes")
            .and_then(Value::as_sequence)
            .into_iter()
            .flatten()
        {
            let source = match v {
                Value::String(s) => s.split(':').next().map(str::to_string),
                Value::Mapping(_) if v.get("type").and_then(Value::as_str) == Some("bind") => {
                    v.get("source").and_then(Value::as_str).map(str::to_string)
                }
                _ => None,
            };
            let Some(src) = source else { continue };
            if src.starts_with('/') {
                out.push((service_name.clone(), PathBuf::from(src)));
            } else if src.starts_with('.') {
                out.push((service_name.clone(), dir.join(src)));
            }
        }
    }
    out
}

type Mapping = (Option<String>, u16, u16, String);

/// `[HOST_IP:][HOST_PORT[-END]:]CONTAINER_PORT[-END][/PROTOCOL]`; a port without a host
/// part is published on a random host port and cannot conflict.
fn short(spec: &str) -> Result<Vec<Mapping>, String> {
    let (spec, protocol) = match spec.rsplit_once('/') {
        Some((s, p)) => (s, p.to_string()),
        None => (spec, "tcp".to_string()),
    };
    // An IPv6 host address is written in brackets.
    let (host_ip, rest) = if let Some(r) = spec.strip_prefix('[') {
        let (ip, rest) = r
            .split_once("]:")
            .ok_or_else(|| format!("bad port {spec:?}"))?;
        (Some(ip.to_string()), rest)
    } else {
        let parts: Vec<&str> = spec.split(':').collect();
        match parts.len() {
            3 => (Some(parts[0].to_string()), &spec[parts[0].len() + 1..]),
            _ => (None, spec),
        }
    };
    let Some((host, container)) = rest.split_once(':') else {
        return Ok(Vec::new());
    };
    if host.is_empty() {
        return Ok(Vec::new());
    }
    let hosts = range(host)?;
    let containers = range(container)?;
    let mut out = Vec::new();
    for (i, h) in hosts.iter().enumerate() {
        let c = containers
            .get(i)
            .or(containers.first())
            .copied()
            .unwrap_or(*h);
        out.push((host_ip.clone(), *h, c, protocol.clone()));
    }
    Ok(out)
}

fn range(s: &str) -> Result<Vec<u16>, String> {
    let bad = || format!("{s:?} is not a port or port range");
    match s.split_once('-') {
        Some((a, b)) => {
            let (a, b): (u16, u16) = (a.parse().map_err(|_| bad())?, b.parse().map_err(|_| bad())?);
            if b < a || b - a > 1000 {
                return Err(bad());
            }
            Ok((a..=b).collect())
        }
        None => Ok(vec![s.parse().map_err(|_| bad())?]),
    }
}

fn long(entry: &Value, env: &dyn Fn(&str) -> Option<String>) -> Result<Vec<Mapping>, String> {
    let text = |k: &str| -> Option<String> {
        match entry.get(k)? {
            Value::String(s) => Some(interpolate(s, env)),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        }
    };
    let Some(published) = text("published") else {
        return Ok(Vec::new());
    };
    let target = text("target").ok_or("a port entry without target")?;
    let target: u16 = target
        .parse()
        .map_err(|_| format!("{target:?} is not a port"))?;
    let protocol = text("protocol").unwrap_or_else(|| "tcp".into());
    let host_ip = text("host_ip");
    Ok(range(&published)?
        .into_iter()
        .map(|h| (host_ip.clone(), h, target, protocol.clone()))
        .collect())
}

/// `${VAR}`, `${VAR:-default}`, `${VAR-default}` and `$VAR`, as Compose substitutes them.
pub fn interpolate(s: &str, env: &dyn Fn(&str) -> Option<String>) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        if let Some(stripped) = after.strip_prefix('$') {
            out.push('$');
            rest = stripped;
        } else if let Some(inner) = after.strip_prefix('{') {
            let Some(end) = inner.find('}') else {
                out.push_str(&rest[i..]);
                return out;
            };
            let expr = &inner[..end];
            let value = if let Some((name, def)) = expr.split_once(":-") {
                env(name)
                    .filter(|v| !v.is_empty())
                    .unwrap_or(def.to_string())
            } else if let Some((name, def)) = expr.split_once('-') {
                env(name).unwrap_or(def.to_string())
            } else {
                env(expr).unwrap_or_default()
            };
            out.push_str(&value);
            rest = &inner[end + 1..];
        } else {
            let len = after
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(after.len());
            out.push_str(&env(&after[..len]).unwrap_or_default());
            rest = &after[len..];
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_nesting_is_refused_before_parsing() {
        let deep = format!(
            "services:\n  a:\n    ports: {}{}\n",
            "[".repeat(5000),
            "]".repeat(5000)
        );
        let e = parse(&deep, &|_| None).unwrap_err();
        assert!(e.contains("nested deeper than 64 levels at line 3"), "{e}");
        // Brackets inside quotes and comments are text.
        let fine = "services:\n  a:\n    image: \"[[[[\" # {{{{\n    ports: [\"8080:80\"]\n";
        assert_eq!(parse(fine, &|_| None).unwrap().len(), 1);
    }

    #[test]
    fn reads_short_long_ranges_and_variables() {
        let text = r#"
services:
  web:
    image: nginx
    ports:
      - "8080:80"
      - "127.0.0.1:8443:443/tcp"
      - "9000-9001:9000-9001"
      - "3000"
      - "${WEB_PORT:-5000}:5000"
  api:
    ports:
      - target: 80
        published: "8081"
        host_ip: 0.0.0.0
      - "[::1]:6000:6000"
"#;
        let ports = parse(text, &|n| (n == "UNUSED").then(|| "x".into())).unwrap();
        let got: Vec<(&str, u16, u16)> = ports
            .iter()
            .map(|p| (p.service.as_str(), p.host_port, p.container_port))
            .collect();
        assert_eq!(
            got,
            [
                ("web", 8080, 80),
                ("web", 8443, 443),
                ("web", 9000, 9000),
                ("web", 9001, 9001),
                ("web", 5000, 5000),
                ("api", 8081, 80),
                ("api", 6000, 6000)
            ]
        );
        assert_eq!(ports[1].host_ip.as_deref(), Some("127.0.0.1"));
        assert_eq!(ports[6].host_ip.as_deref(), Some("::1"));
        assert!(parse("services: [", &|_| None).is_err());
    }

    #[test]
    fn finds_bind_sources() {
        let text = "services:\n  web:\n    volumes:\n      - ./src:/app\n      - data:/data\n      - /mnt/d/cache:/cache:ro\n      - type: bind\n        source: /srv/x\n        target: /x\n";
        let b = bind_sources(text, Path::new("/home/a/p"));
        let paths: Vec<_> = b.iter().map(|(_, p)| p.display().to_string()).collect();
        // Joined as this system joins paths (`\` on Windows).
        let src = Path::new("/home/a/p").join("./src").display().to_string();
        assert_eq!(paths, [src.as_str(), "/mnt/d/cache", "/srv/x"]);
    }

    #[test]
    fn interpolates_like_compose() {
        let env = |n: &str| match n {
            "SET" => Some("1".to_string()),
            "EMPTY" => Some(String::new()),
            _ => None,
        };
        assert_eq!(
            interpolate("${SET:-2}:${EMPTY:-3}:${EMPTY-4}:$SET:$$", &env),
            "1:3::1:$"
        );
    }
}
