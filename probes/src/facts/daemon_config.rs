//! The daemon's configuration file and how it agrees with the service's command line.
//!
//! dockerd refuses to start when daemon.json is not JSON, holds a key that matches no
//! option, or sets a directive that is also given as a flag (`-H fd://` in the distro unit
//! against `"hosts"` in the file is the classic). We check all three without the daemon.

use super::daemon_keys::{EngineVersion, KeySupport, key_support_any_release, key_support_for};
use super::json_file::{JsonFile, home_dir, read_json};
use super::json_shape::{Shape, mismatch};
use super::systemd::{Unit, load_unit};
use crate::host::Host;
use serde_json::Value;
use std::path::PathBuf;

pub const SYSTEM_DAEMON_JSON: &str = "/etc/docker/daemon.json";

#[derive(Debug, Clone, PartialEq)]
pub struct DaemonConfig {
    pub path: PathBuf,
    /// How the path was chosen (`--config-file` flag, rootless, default).
    pub origin: &'static str,
    pub file: JsonFile,
    /// Top-level keys that are a configuration key of no Engine release (see
    /// [`daemon_keys`](super::daemon_keys)), flag names such as `insecure-registry` included.
    /// Without the engine's version; [`DaemonConfig::key_findings`] tells more.
    pub unknown_keys: Vec<String>,
    /// Directives set both in the file and as a flag of the service.
    pub conflicts: Vec<Conflict>,
    /// Where the daemon's flags were read (empty when nothing tells).
    pub flags_from: String,
    pub service: Unit,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conflict {
    pub key: String,
    pub flag: String,
    pub flag_value: String,
    pub file_value: String,
}

/// Loads the daemon.json that the daemon at this endpoint reads: `--config-file` on its
/// command line, the rootless location for a rootless daemon, else /etc/docker.
/// `command_line` is the daemon's flags and where they were read (the running process, the
/// unit that starts it, the init script's DOCKER_OPTS); the conflicts are checked on them.
pub fn load(
    host: &dyn Host,
    rootless: bool,
    command_line: Option<(Vec<String>, String)>,
) -> DaemonConfig {
    let unit_name = "docker.service";
    let service = if rootless {
        // The rootless unit lives in the user's systemd directory.
        Unit::default()
    } else {
        load_unit(host, unit_name)
    };
    let (args, flags_from) = command_line.unwrap_or_default();
    let flags = parse_flags(&args);
    let (path, origin) = if let Some((_, v)) = flags.iter().find(|(k, _)| k == "config-file") {
        (PathBuf::from(v), "--config-file in the service's ExecStart")
    } else if rootless {
        let base = host
            .env_nonempty("XDG_CONFIG_HOME")
            .map(PathBuf::from)
            .or_else(|| home_dir(host).map(|h| h.join(".config")))
            .unwrap_or_else(|| PathBuf::from("~/.config"));
        (base.join("docker/daemon.json"), "rootless daemon")
    } else {
        (PathBuf::from(SYSTEM_DAEMON_JSON), "default location")
    };
    let file = read_json(host, &path);
    let (unknown_keys, conflicts) = match &file {
        JsonFile::Loaded(Value::Object(map)) => {
            let unknown = map
                .keys()
                .filter(|k| key_support_any_release(k) != KeySupport::Known)
                .cloned()
                .collect();
            (unknown, find_conflicts(map, &flags))
        }
        _ => (Vec::new(), Vec::new()),
    };
    DaemonConfig {
        path,
        origin,
        file,
        unknown_keys,
        conflicts,
        flags_from,
        service,
    }
}

/// A top-level key of daemon.json that the engine does not simply accept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyFinding {
    pub key: String,
    pub support: KeySupport,
}

impl DaemonConfig {
    /// The file's top-level keys that `engine` does not accept as configuration keys, in
    /// key order: unknown, too new or removed for it (dockerd refuses to start, see
    /// [`KeySupport::stops_dockerd`]), or a flag's name that it ignores. With `None` (version
    /// unknown) a key of any release counts as known, as in `unknown_keys`.
    pub fn key_findings(&self, engine: Option<EngineVersion>) -> Vec<KeyFinding> {
        let JsonFile::Loaded(Value::Object(map)) = &self.file else {
            return Vec::new();
        };
        map.keys()
            .filter_map(|key| match key_support_for(key, engine) {
                KeySupport::Known => None,
                support => Some(KeyFinding {
                    key: key.clone(),
                    support,
                }),
            })
            .collect()
    }
}

/// The types dockerd's `Config` decodes the common keys into (moby `daemon/config`,
/// `cmd/dockerd`): a value of another type stops dockerd at start with "json: cannot
/// unmarshal … into Go struct field Config.<key>".
const SHAPES: &[(&str, Shape)] = &[
    ("allow-direct-routing", Shape::Bool),
    ("allow-nondistributable-artifacts", Shape::StrList),
    ("api-cors-header", Shape::Str),
    ("authorization-plugins", Shape::StrList),
    ("bip", Shape::Str),
    ("bridge", Shape::Str),
    ("bridge-accept-fwmark", Shape::Str),
    ("builder", Shape::Object),
    ("cdi-spec-dirs", Shape::StrList),
    ("cgroup-parent", Shape::Str),
    ("containerd", Shape::Str),
    ("containerd-namespace", Shape::Str),
    ("containerd-plugin-namespace", Shape::Str),
    ("cpu-rt-period", Shape::Int),
    ("cpu-rt-runtime", Shape::Int),
    ("cri-containerd", Shape::Bool),
    ("data-root", Shape::Str),
    ("debug", Shape::Bool),
    ("default-address-pools", Shape::List),
    ("default-cgroupns-mode", Shape::Str),
    ("default-gateway", Shape::Str),
    ("default-ipc-mode", Shape::Str),
    ("default-network-opts", Shape::MapOfStrMaps),
    ("default-runtime", Shape::Str),
    ("default-shm-size", Shape::Str),
    ("default-ulimits", Shape::Object),
    ("dns", Shape::StrList),
    ("dns-opts", Shape::StrList),
    ("dns-search", Shape::StrList),
    ("exec-opts", Shape::StrList),
    ("exec-root", Shape::Str),
    ("experimental", Shape::Bool),
    ("features", Shape::Object),
    ("firewall-backend", Shape::Str),
    ("fixed-cidr", Shape::Str),
    ("fixed-cidr-v6", Shape::Str),
    ("group", Shape::Str),
    ("host-gateway-ip", Shape::Str),
    ("host-gateway-ips", Shape::StrList),
    ("hosts", Shape::StrList),
    ("icc", Shape::Bool),
    ("init", Shape::Bool),
    ("init-path", Shape::Str),
    ("insecure-registries", Shape::StrList),
    ("ip", Shape::Str),
    ("ip-forward", Shape::Bool),
    ("ip-forward-no-drop", Shape::Bool),
    ("ip-masq", Shape::Bool),
    ("ip6tables", Shape::Bool),
    ("iptables", Shape::Bool),
    ("ipv6", Shape::Bool),
    ("labels", Shape::StrList),
    ("live-restore", Shape::Bool),
    ("log-driver", Shape::Str),
    ("log-format", Shape::Str),
    ("log-level", Shape::Str),
    ("log-opts", Shape::StrMap),
    ("max-concurrent-downloads", Shape::Int),
    ("max-concurrent-uploads", Shape::Int),
    ("max-download-attempts", Shape::Int),
    ("metrics-addr", Shape::Str),
    ("mtu", Shape::Int),
    ("network-control-plane-mtu", Shape::Int),
    ("network-diagnostic-port", Shape::Int),
    ("no-new-privileges", Shape::Bool),
    ("node-generic-resources", Shape::StrList),
    ("oom-score-adjust", Shape::Int),
    ("pidfile", Shape::Str),
    ("proxies", Shape::StrMap),
    ("raw-logs", Shape::Bool),
    ("registry-mirrors", Shape::StrList),
    ("runtimes", Shape::Object),
    ("seccomp-profile", Shape::Str),
    ("selinux-enabled", Shape::Bool),
    ("shutdown-timeout", Shape::Int),
    ("storage-driver", Shape::Str),
    ("storage-opts", Shape::StrList),
    ("swarm-default-advertise-addr", Shape::Str),
    ("swarm-raft-election-tick", Shape::Int),
    ("swarm-raft-heartbeat-tick", Shape::Int),
    ("tls", Shape::Bool),
    ("tlscacert", Shape::Str),
    ("tlscert", Shape::Str),
    ("tlskey", Shape::Str),
    ("tlsverify", Shape::Bool),
    ("userland-proxy", Shape::Bool),
    ("userland-proxy-path", Shape::Str),
    ("userns-remap", Shape::Str),
];

impl DaemonConfig {
    /// Keys whose value dockerd cannot decode (it refuses to start), as
    /// "`debug` is a string, not true or false".
    pub fn type_errors(&self) -> Vec<String> {
        let JsonFile::Loaded(Value::Object(map)) = &self.file else {
            return Vec::new();
        };
        map.iter()
            .filter_map(|(key, value)| {
                let (_, shape) = SHAPES.iter().find(|(k, _)| k == key)?;
                mismatch(value, *shape, key)
            })
            .collect()
    }
}

/// `(config key, value)` for each flag of a dockerd command line.
pub fn parse_flags(args: &[String]) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut i = 1; // args[0] is the program
    while i < args.len() {
        let a = &args[i];
        i += 1;
        let (name, inline) = if let Some(long) = a.strip_prefix("--") {
            match long.split_once('=') {
                Some((n, v)) => (n.to_string(), Some(v.to_string())),
                None => (long.to_string(), None),
            }
        } else if let Some(short) = a.strip_prefix('-').filter(|s| !s.is_empty()) {
            // The first character, whatever its width (a flag may be mistyped as `-é`).
            let (s, rest) = short.split_at(short.chars().next().map_or(0, char::len_utf8));
            let inline = (!rest.is_empty()).then(|| rest.trim_start_matches('=').to_string());
            (short_flag(s).to_string(), inline)
        } else {
            continue;
        };
        let value = match inline {
            Some(v) => v,
            None if BOOL_FLAGS.contains(&name.as_str()) => "true".to_string(),
            None if i < args.len() => {
                i += 1;
                args[i - 1].clone()
            }
            None => String::new(),
        };
        out.push((config_key(&name).to_string(), value));
    }
    out
}

fn find_conflicts(
    map: &serde_json::Map<String, Value>,
    flags: &[(String, String)],
) -> Vec<Conflict> {
    // dockerd flattens nested option groups ("proxies") before comparing.
    let mut file_keys: Vec<(String, &Value)> = Vec::new();
    for (k, v) in map {
        match (k.as_str(), v) {
            ("proxies", Value::Object(inner)) => {
                file_keys.extend(inner.iter().map(|(k, v)| (k.clone(), v)));
            }
            _ => file_keys.push((k.clone(), v)),
        }
    }
    let mut out: Vec<Conflict> = Vec::new();
    for (key, _) in flags {
        if key == "config-file" || key == "runtimes" || out.iter().any(|c| &c.key == key) {
            continue;
        }
        if let Some((_, file_value)) = file_keys.iter().find(|(k, _)| k == key) {
            let all: Vec<&str> = flags
                .iter()
                .filter(|(k, _)| k == key)
                .map(|(_, v)| v.as_str())
                .collect();
            out.push(Conflict {
                key: key.clone(),
                flag: format!("--{}", flag_for_key(key)),
                flag_value: all.join(" "),
                file_value: file_value.to_string(),
            });
        }
    }
    out
}

fn short_flag(s: &str) -> &str {
    match s {
        "H" => "host",
        "D" => "debug",
        "l" => "log-level",
        "G" => "group",
        "p" => "pidfile",
        "s" => "storage-driver",
        "b" => "bridge",
        "g" => "graph",
        other => other,
    }
}

/// The daemon.json key a long flag sets: the flag's name, except for these.
fn config_key(flag: &str) -> &str {
    FLAG_TO_KEY
        .iter()
        .find(|(f, _)| *f == flag)
        .map(|(_, k)| *k)
        .unwrap_or(flag)
}

fn flag_for_key(key: &str) -> &str {
    FLAG_TO_KEY
        .iter()
        .find(|(_, k)| *k == key)
        .map(|(f, _)| *f)
        .unwrap_or(key)
}

const FLAG_TO_KEY: &[(&str, &str)] = &[
    ("host", "hosts"),
    ("label", "labels"),
    ("registry-mirror", "registry-mirrors"),
    ("insecure-registry", "insecure-registries"),
    ("storage-opt", "storage-opts"),
    ("exec-opt", "exec-opts"),
    ("log-opt", "log-opts"),
    ("dns-opt", "dns-opts"),
    ("default-ulimit", "default-ulimits"),
    ("authorization-plugin", "authorization-plugins"),
    ("add-runtime", "runtimes"),
    ("node-generic-resource", "node-generic-resources"),
    ("cdi-spec-dir", "cdi-spec-dirs"),
    ("default-address-pool", "default-address-pools"),
    ("cluster-store-opt", "cluster-store-opts"),
    ("host-gateway-ip", "host-gateway-ips"),
];

const BOOL_FLAGS: &[&str] = &[
    "debug",
    "experimental",
    "live-restore",
    "icc",
    "ip-forward",
    "ip-masq",
    "iptables",
    "ip6tables",
    "ipv6",
    "userland-proxy",
    "selinux-enabled",
    "no-new-privileges",
    "init",
    "raw-logs",
    "tls",
    "tlsverify",
    "rootless",
    "cri-containerd",
    "validate",
];

#[cfg(test)]
mod tests {
    use super::*;

    fn words(s: &str) -> Vec<String> {
        super::super::systemd::split_command(s)
    }

    #[test]
    fn flags_map_to_config_keys() {
        let f = parse_flags(&words(
            "/usr/bin/dockerd -H fd:// --containerd=/run/containerd/containerd.sock -D --registry-mirror https://m",
        ));
        assert_eq!(
            f,
            vec![
                ("hosts".into(), "fd://".into()),
                (
                    "containerd".into(),
                    "/run/containerd/containerd.sock".into()
                ),
                ("debug".into(), "true".into()),
                ("registry-mirrors".into(), "https://m".into()),
            ]
        );
    }

    #[test]
    fn wrong_types_stop_dockerd_and_are_named() {
        let c = config_with(
            r#"{"debug":"yes","registry-mirrors":"https://m","mtu":1500.5,"log-opts":{"max-size":10},"dns":["1.1.1.1"],"features":{"buildkit":true},"unknown":1}"#,
        );
        assert_eq!(
            c.type_errors(),
            [
                "\"debug\" is a string, not true or false",
                "\"registry-mirrors\" is a string, not a list of strings",
                "\"mtu\" is a number, not a whole number",
                "\"log-opts.max-size\" is a number, not a string",
            ]
        );
        // Rarer keys, each refused by Debian's dockerd 20.10 in the same way.
        let c = config_with(
            r#"{"default-shm-size":64,"cri-containerd":"yes","node-generic-resources":"x","network-control-plane-mtu":"1500","default-shm-size-ok":"64M"}"#,
        );
        assert_eq!(c.type_errors().len(), 4, "{:?}", c.type_errors());
    }

    #[test]
    fn a_non_ascii_short_flag_is_a_flag_not_a_panic() {
        let f = parse_flags(&words("/usr/bin/dockerd -é -Ü=x --ünïcode"));
        // An unknown flag takes the next word as its value, as dockerd's parser would.
        assert_eq!(
            f,
            vec![
                ("é".to_string(), "-Ü=x".to_string()),
                ("ünïcode".to_string(), String::new())
            ]
        );
    }

    #[test]
    fn hosts_in_file_and_flag_conflict() {
        let map = serde_json::from_str::<Value>(
            r#"{"hosts":["tcp://0.0.0.0:2376","fd://"],"debug":true}"#,
        )
        .unwrap();
        let flags = parse_flags(&words("/usr/bin/dockerd -H fd://"));
        let c = find_conflicts(map.as_object().unwrap(), &flags);
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].key, "hosts");
        assert_eq!(c[0].flag, "--host");
        assert_eq!(c[0].flag_value, "fd://");
    }

    #[test]
    fn nested_proxies_conflict_with_proxy_flags() {
        let map =
            serde_json::from_str::<Value>(r#"{"proxies":{"http-proxy":"http://p:3128"}}"#).unwrap();
        let flags = parse_flags(&words("dockerd --http-proxy=http://q:3128"));
        assert_eq!(
            find_conflicts(map.as_object().unwrap(), &flags)[0].key,
            "http-proxy"
        );
    }

    fn config_with(json: &str) -> DaemonConfig {
        DaemonConfig {
            path: PathBuf::from(SYSTEM_DAEMON_JSON),
            origin: "default location",
            file: JsonFile::Loaded(serde_json::from_str(json).unwrap()),
            unknown_keys: Vec::new(),
            conflicts: Vec::new(),
            flags_from: String::new(),
            service: Unit::default(),
        }
    }

    #[test]
    fn daemon_config_proxies_depend_on_the_engine() {
        let c = config_with(r#"{"debug":true,"proxies":{"http-proxy":"http://p:3128"}}"#);
        assert_eq!(
            c.key_findings(Some((20, 10))),
            vec![KeyFinding {
                key: "proxies".into(),
                support: KeySupport::NotYet { since: (23, 0) }
            }]
        );
        assert!(c.key_findings(Some((23, 0))).is_empty());
        assert!(c.key_findings(None).is_empty());
    }

    #[test]
    fn daemon_config_without_engine_knows_every_release() {
        let c = config_with(
            r#"{"cluster-store":"consul://x","graph":"/g","registry-mirror":["https://m"],"resolv-conf":"/r","nonsense":1}"#,
        );
        let found: Vec<(String, KeySupport)> = c
            .key_findings(None)
            .into_iter()
            .map(|f| (f.key, f.support))
            .collect();
        assert_eq!(
            found,
            // In the file's order.
            vec![
                (
                    "registry-mirror".to_string(),
                    KeySupport::FlagOnly {
                        file_key: Some("registry-mirrors")
                    }
                ),
                ("resolv-conf".to_string(), KeySupport::Unknown),
                ("nonsense".to_string(), KeySupport::Unknown),
            ]
        );
        let on_24: Vec<String> = c
            .key_findings(Some((24, 0)))
            .into_iter()
            .filter(|f| f.support.stops_dockerd())
            .map(|f| f.key)
            .collect();
        assert_eq!(on_24, ["cluster-store", "graph", "resolv-conf", "nonsense"]);
    }
}
