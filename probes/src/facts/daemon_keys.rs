//! Which Docker Engine release accepts which top-level daemon.json key.
//!
//! dockerd checks the top-level keys of its configuration file before it decodes it
//! (`findConfigurationConflicts` in moby's daemon/config/config.go) and refuses to start with
//! "the following directives don't match any configuration option: KEY" for a name it does not
//! know. What it knows is *not* the list of `json:"..."` tags of its `Config` struct but:
//!
//! * the long names of the flags registered on dockerd's flag set,
//! * the `Name()` of flag values that are a NamedOption (`--label` fills `"labels"`),
//! * `skipValidateOptions` (`features`, `builder`, later `deprecated-key-path`, ...),
//! * and for an object value whose key is not in `flatOptions`, its members instead of the
//!   key itself (that is how `"proxies": {"http-proxy": ...}` passes on Engine 23+).
//!
//! [`DAEMON_KEYS`] holds the configuration keys: a `json` tag of the config structs that this
//! check also lets through. [`FLAG_NAMES`] holds the flag names that pass the check but are no
//! configuration key: dockerd starts, and ignores the value (`"insecure-registry"` instead of
//! `"insecure-registries"`); boolean flags are the exception, dockerd sets the flag from the
//! file, so `"validate": true` makes dockerd 23+ print "configuration OK" and exit.
//!
//! # How the tables were produced (redo this for a new Engine release)
//!
//! From a clone of github.com/moby/moby (snapshot of master at b985e2313a), for every release
//! line 18.09 .. 29.7 the first GA tag (`v18.09.0` .. `v28.5.0`; `v27.0.1` because 27.0.0 was
//! never tagged; `docker-v29.0.0` onwards, the tag prefix changed with 29.0) and the last patch
//! tag of the line (`v20.10.27`, `docker-v29.7.2`, ...). Read with `git show TAG:PATH`; Linux
//! files only (skip `*_windows.go`, `*_freebsd.go`, `*_test.go`):
//!
//! 1. `json` tags reachable from `type Config struct` in daemon/config/config.go,
//!    config_linux.go (config_unix.go and config_common_unix.go before 23.0), following
//!    anonymous embedded structs that have no json name (CommonConfig, CommonUnixConfig,
//!    BridgeConfig, commonBridgeConfig, NetworkConfig, DNSConfig, LogConfig, CommonTLSOptions,
//!    registry.ServiceOptions from registry/config.go, daemon/pkg/registry/config.go in 29.x);
//!    tags `"-"` are not keys, an embedded struct *with* a json name (`Proxies` →
//!    `"proxies"`) is one nested key.
//! 2. The names the check accepts: `flags.*Var*(…, "NAME", …)`, `flags.Bool*("NAME", …)` in
//!    cmd/dockerd/{docker,options,config,config_unix,config_common_unix}.go (daemon/command/
//!    from 29.0), the first argument of `opts.NewNamed*("NAME", …)`, `Name()` of `PoolsOpt`
//!    and `NRIOpts`, `skipValidateOptions`; plus `help` from `SetupRootCommand` (cli/cobra.go,
//!    daemon/command/cobra.go).
//! 3. A key is accepted in a release when 1 and 2 hold. `until` is the first release that
//!    refuses it: the key is gone from 2, or a check after decoding refuses a set value with
//!    "... has been removed" (`checkDeprecatedOptions`, `Validate`, `ValidatePlatformConfig`;
//!    grep the release for `errors.New(.*removed|deprecated`). Such rows carry a comment.
//! 4. Flag names from 2 that are no key from 1 go to [`FLAG_NAMES`], with the key the flag's
//!    NamedOption fills.
//! 5. Compare the first and the last tag of each line: only 19.03 differed (see
//!    `containerd-namespace`). Versions are (major, minor): a key that arrived in a patch
//!    release is recorded at its minor line, so we never call it too new for a patch that has it.
//!
//! A `since` of [`OLDEST_TRACKED`] means "in 18.09 and probably earlier": older engines were
//! not read. Engines newer than [`NEWEST_TRACKED`] are answered with the newest data.

/// An Engine release line, (major, minor): `(20, 10)` for 20.10.24.
pub type EngineVersion = (u32, u32);

/// The oldest and newest release lines the tables were read from.
pub const OLDEST_TRACKED: EngineVersion = (18, 9);
pub const NEWEST_TRACKED: EngineVersion = (29, 7);

/// `dockerd --validate`: `flags.BoolVar(&o.Validate, "validate", …)` first in
/// cmd/dockerd/options.go of v23.0.0 (22.06 had it only as a beta; 20.10.27 has no such flag).
pub const VALIDATE_FLAG_SINCE: EngineVersion = (23, 0);

/// daemon.json `"proxies"`: ``Proxies `json:"proxies"` `` in daemon/config/config.go and
/// `--http-proxy`/`--https-proxy`/`--no-proxy` in cmd/dockerd/config.go, both first in
/// v23.0.0. On 20.10 dockerd flattens the object and refuses its members as unknown.
pub const PROXIES_KEY_SINCE: EngineVersion = (23, 0);

/// (key, first release that accepts it, first release that refuses it).
/// Sorted by key (byte order) and without duplicates; the tests check both.
pub const DAEMON_KEYS: &[(&str, EngineVersion, Option<EngineVersion>)] = &[
    ("allow-direct-routing", (28, 2), None),
    // Ignored with a deprecation warning from 28.0; in skipValidateOptions from 28.1.
    ("allow-nondistributable-artifacts", (18, 9), None),
    // A set value is refused by Validate in v28.0.0 ("... have been removed"); flag gone in 29.0.
    ("api-cors-header", (18, 9), Some((28, 0))),
    ("authorization-plugins", (18, 9), None),
    ("bip", (18, 9), None),
    ("bip6", (28, 0), None),
    ("bridge", (18, 9), None),
    ("bridge-accept-fwmark", (29, 0), None),
    ("builder", (18, 9), None),
    ("cdi-spec-dirs", (25, 0), None),
    ("cgroup-parent", (18, 9), None),
    // A set value is refused by checkDeprecatedOptions (cmd/dockerd/daemon.go) in v23.0.0;
    // flags gone in 24.0. Same for cluster-store and cluster-store-opts.
    ("cluster-advertise", (18, 9), Some((23, 0))),
    ("cluster-store", (18, 9), Some((23, 0))),
    ("cluster-store-opts", (18, 9), Some((23, 0))),
    ("containerd", (18, 9), None),
    // Arrived in 19.03.3 (absent from v19.03.0 .. v19.03.2).
    ("containerd-namespace", (19, 3), None),
    ("cpu-rt-period", (18, 9), None),
    ("cpu-rt-runtime", (18, 9), None),
    ("cri-containerd", (18, 9), None),
    ("data-root", (18, 9), None),
    ("debug", (18, 9), None),
    ("default-address-pools", (18, 9), None),
    ("default-cgroupns-mode", (20, 10), None),
    ("default-gateway", (18, 9), None),
    ("default-gateway-v6", (18, 9), None),
    ("default-ipc-mode", (18, 9), None),
    ("default-network-opts", (24, 0), None),
    ("default-runtime", (18, 9), None),
    ("default-shm-size", (18, 9), None),
    ("default-stop-timeout", (29, 7), None),
    ("default-ulimits", (18, 9), None),
    ("deprecated-key-path", (18, 9), None),
    // 18.09 accepts only `true` (cmd/dockerd/daemon.go refuses `false`); gone in 19.03.
    ("disable-legacy-registry", (18, 9), Some((19, 3))),
    ("dns", (18, 9), None),
    ("dns-opts", (18, 9), None),
    ("dns-search", (18, 9), None),
    ("exec-opts", (18, 9), None),
    ("exec-root", (18, 9), None),
    ("experimental", (18, 9), None),
    ("features", (18, 9), None),
    ("firewall-backend", (29, 0), None),
    ("fixed-cidr", (18, 9), None),
    ("fixed-cidr-v6", (18, 9), None),
    // A set value is refused by Validate (daemon/config/config.go) in v23.0.0; flag gone in 24.0.
    ("graph", (18, 9), Some((23, 0))),
    ("group", (18, 9), None),
    // Still accepted after 28.0, migrated to host-gateway-ips.
    ("host-gateway-ip", (20, 10), None),
    ("host-gateway-ips", (28, 0), None),
    ("hosts", (18, 9), None),
    ("icc", (18, 9), None),
    ("init", (18, 9), None),
    ("init-path", (18, 9), None),
    ("insecure-registries", (18, 9), None),
    ("ip", (18, 9), None),
    ("ip-forward", (18, 9), None),
    ("ip-forward-no-drop", (28, 0), None),
    ("ip-masq", (18, 9), None),
    ("ip6tables", (20, 10), None),
    ("iptables", (18, 9), None),
    ("ipv6", (18, 9), None),
    ("labels", (18, 9), None),
    ("live-restore", (18, 9), None),
    ("log-driver", (18, 9), None),
    ("log-format", (25, 0), None),
    ("log-level", (18, 9), None),
    ("log-opts", (18, 9), None),
    ("max-concurrent-downloads", (18, 9), None),
    ("max-concurrent-uploads", (18, 9), None),
    ("max-download-attempts", (20, 10), None),
    ("metrics-addr", (18, 9), None),
    ("min-api-version", (29, 0), None),
    ("mtu", (18, 9), None),
    ("network-control-plane-mtu", (18, 9), None),
    ("network-diagnostic-port", (18, 9), None),
    ("no-new-privileges", (18, 9), None),
    ("node-generic-resources", (18, 9), None),
    ("nri-opts", (29, 2), None),
    // A set value is refused by ValidatePlatformConfig (daemon/config/config_linux.go) in
    // v25.0.0; flag gone in 26.0.
    ("oom-score-adjust", (18, 9), Some((25, 0))),
    ("pidfile", (18, 9), None),
    ("proxies", PROXIES_KEY_SINCE, None),
    ("raw-logs", (18, 9), None),
    ("registry-mirrors", (18, 9), None),
    ("rootless", (19, 3), None),
    ("runtimes", (18, 9), None),
    ("seccomp-profile", (18, 9), None),
    ("selinux-enabled", (18, 9), None),
    ("shutdown-timeout", (18, 9), None),
    ("storage-driver", (18, 9), None),
    ("storage-opts", (18, 9), None),
    ("swarm-default-advertise-addr", (18, 9), None),
    ("tls", (18, 9), None),
    ("tlscacert", (18, 9), None),
    ("tlscert", (18, 9), None),
    ("tlskey", (18, 9), None),
    ("tlsverify", (18, 9), None),
    ("userland-proxy", (18, 9), None),
    ("userland-proxy-path", (18, 9), None),
    ("userns-remap", (18, 9), None),
];

/// `json` tags of dockerd's config structs that its own check refuses in every release read
/// (no flag, no NamedOption, not skipped): dockerd stops with "don't match any configuration
/// option". Not in [`DAEMON_KEYS`] on purpose; listed so nobody adds them back.
/// `containerd-plugin-namespace` (19.03.3+) is the tag, the flag is `--containerd-plugins-namespace`.
pub const REFUSED_JSON_TAGS: &[&str] = &[
    "containerd-plugin-namespace",
    "default-init",
    "resolv-conf",
    "swarm-raft-election-tick",
    "swarm-raft-heartbeat-tick",
];

/// (flag name, first release, first release without it, the daemon.json key that flag
/// fills): names dockerd's check lets through in daemon.json although they set nothing there.
/// Sorted by name, without duplicates.
pub const FLAG_NAMES: &[(&str, EngineVersion, Option<EngineVersion>, Option<&str>)] = &[
    ("add-runtime", (18, 9), None, Some("runtimes")),
    (
        "authorization-plugin",
        (18, 9),
        None,
        Some("authorization-plugins"),
    ),
    ("cdi-spec-dir", (25, 0), None, Some("cdi-spec-dirs")),
    (
        "cluster-store-opt",
        (18, 9),
        Some((24, 0)),
        Some("cluster-store-opts"),
    ),
    ("config-file", (18, 9), None, None),
    // Since 19.03.3; the json tag "containerd-plugin-namespace" is refused, so the plugin
    // namespace cannot be set from daemon.json at all.
    ("containerd-plugins-namespace", (19, 3), None, None),
    (
        "default-address-pool",
        (18, 9),
        None,
        Some("default-address-pools"),
    ),
    (
        "default-network-opt",
        (24, 0),
        None,
        Some("default-network-opts"),
    ),
    ("default-ulimit", (18, 9), None, Some("default-ulimits")),
    ("dns-opt", (18, 9), None, Some("dns-opts")),
    ("exec-opt", (18, 9), None, Some("exec-opts")),
    ("feature", (27, 3), None, Some("features")),
    ("help", (18, 9), None, None),
    ("host", (18, 9), None, Some("hosts")),
    ("http-proxy", (23, 0), None, Some("proxies")),
    ("https-proxy", (23, 0), None, Some("proxies")),
    (
        "insecure-registry",
        (18, 9),
        None,
        Some("insecure-registries"),
    ),
    ("label", (18, 9), None, Some("labels")),
    ("log-opt", (18, 9), None, Some("log-opts")),
    ("no-proxy", (23, 0), None, Some("proxies")),
    (
        "node-generic-resource",
        (18, 9),
        None,
        Some("node-generic-resources"),
    ),
    ("registry-mirror", (18, 9), None, Some("registry-mirrors")),
    ("restart", (18, 9), None, None),
    ("storage-opt", (18, 9), None, Some("storage-opts")),
    ("validate", VALIDATE_FLAG_SINCE, None, None),
    ("version", (18, 9), None, None),
];

/// What an Engine makes of a top-level daemon.json key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeySupport {
    /// A configuration key of this engine.
    Known,
    /// A configuration key of later engines: this one refuses to start.
    NotYet { since: EngineVersion },
    /// No longer accepted from `in_version` on: this engine refuses to start (for the
    /// tombstoned keys, only when the value is set).
    Removed { in_version: EngineVersion },
    /// A command-line flag's name: dockerd starts but ignores the value (a boolean flag
    /// takes it). `file_key` is what to write instead, if the file can set it at all.
    FlagOnly { file_key: Option<&'static str> },
    /// No release we read knows it: dockerd refuses to start.
    Unknown,
}

impl KeySupport {
    /// dockerd refuses to start with this key in daemon.json.
    pub fn stops_dockerd(&self) -> bool {
        matches!(
            self,
            KeySupport::NotYet { .. } | KeySupport::Removed { .. } | KeySupport::Unknown
        )
    }
}

fn config_key(key: &str) -> Option<(EngineVersion, Option<EngineVersion>)> {
    DAEMON_KEYS
        .binary_search_by(|(k, _, _)| (*k).cmp(key))
        .ok()
        .map(|i| (DAEMON_KEYS[i].1, DAEMON_KEYS[i].2))
}

fn flag_name(key: &str) -> Option<(EngineVersion, Option<EngineVersion>, Option<&'static str>)> {
    FLAG_NAMES
        .binary_search_by(|(k, ..)| (*k).cmp(key))
        .ok()
        .map(|i| (FLAG_NAMES[i].1, FLAG_NAMES[i].2, FLAG_NAMES[i].3))
}

/// What Engine `engine` makes of `key`. Engines older than [`OLDEST_TRACKED`] are given the
/// benefit of the doubt for keys already present in 18.09.
pub fn key_support(key: &str, engine: EngineVersion) -> KeySupport {
    let arrived = |since: EngineVersion| engine >= since || since <= OLDEST_TRACKED;
    if let Some((since, until)) = config_key(key) {
        return match until {
            Some(gone) if engine >= gone => KeySupport::Removed { in_version: gone },
            _ if !arrived(since) => KeySupport::NotYet { since },
            _ => KeySupport::Known,
        };
    }
    match flag_name(key) {
        Some((since, until, file_key)) if arrived(since) && until.is_none_or(|u| engine < u) => {
            KeySupport::FlagOnly { file_key }
        }
        _ => KeySupport::Unknown,
    }
}

/// Without an engine version: a key of any release is [`KeySupport::Known`].
pub fn key_support_any_release(key: &str) -> KeySupport {
    if config_key(key).is_some() {
        KeySupport::Known
    } else if let Some((_, _, file_key)) = flag_name(key) {
        KeySupport::FlagOnly { file_key }
    } else {
        KeySupport::Unknown
    }
}

/// [`key_support`] when the engine is known, else [`key_support_any_release`].
pub fn key_support_for(key: &str, engine: Option<EngineVersion>) -> KeySupport {
    match engine {
        Some(e) => key_support(key, e),
        None => key_support_any_release(key),
    }
}

/// `dockerd --validate` exists on this engine.
pub fn supports_validate_flag(engine: EngineVersion) -> bool {
    engine >= VALIDATE_FLAG_SINCE
}

/// The release line of an Engine version string as the API reports it: "20.10.24+dfsg1",
/// "29.1.0", "v23.0.0-rc.1", "18.09.1-ce", "17.06.0-ce" → (17, 6).
pub fn parse_engine_version(s: &str) -> Option<EngineVersion> {
    let mut parts = s.trim().trim_start_matches('v').split('.');
    let digits = |p: &str| -> Option<u32> {
        let d: &str = &p[..p.find(|c: char| !c.is_ascii_digit()).unwrap_or(p.len())];
        d.parse().ok()
    };
    let major = parts.next().and_then(|p| p.parse().ok())?;
    let minor = parts.next().and_then(digits)?;
    Some((major, minor))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proxies_arrived_in_23() {
        assert_eq!(
            key_support("proxies", (20, 10)),
            KeySupport::NotYet { since: (23, 0) }
        );
        assert!(key_support("proxies", (20, 10)).stops_dockerd());
        assert_eq!(key_support("proxies", (23, 0)), KeySupport::Known);
        assert_eq!(key_support("proxies", (29, 7)), KeySupport::Known);
        assert_eq!(PROXIES_KEY_SINCE, (23, 0));
    }

    #[test]
    fn cluster_store_is_refused_from_23() {
        assert_eq!(key_support("cluster-store", (20, 10)), KeySupport::Known);
        assert_eq!(
            key_support("cluster-store", (23, 0)),
            KeySupport::Removed {
                in_version: (23, 0)
            }
        );
        assert_eq!(
            key_support("graph", (27, 5)),
            KeySupport::Removed {
                in_version: (23, 0)
            }
        );
        assert_eq!(
            key_support("disable-legacy-registry", (19, 3)),
            KeySupport::Removed {
                in_version: (19, 3)
            }
        );
        // Union of all releases: a removed key is not unknown.
        assert_eq!(key_support_any_release("cluster-store"), KeySupport::Known);
    }

    #[test]
    fn keys_of_every_release() {
        for key in [
            "debug",
            "data-root",
            "registry-mirrors",
            "log-opts",
            "hosts",
        ] {
            for engine in [(17, 6), (18, 9), (20, 10), (23, 0), (29, 7), (31, 0)] {
                assert_eq!(
                    key_support(key, engine),
                    KeySupport::Known,
                    "{key} {engine:?}"
                );
            }
        }
    }

    #[test]
    fn engines_older_than_the_tables_keep_old_keys() {
        assert_eq!(key_support("storage-driver", (17, 6)), KeySupport::Known);
        assert_eq!(
            key_support("rootless", (18, 9)),
            KeySupport::NotYet { since: (19, 3) }
        );
    }

    #[test]
    fn flag_names_pass_but_set_nothing() {
        assert_eq!(
            key_support("insecure-registry", (20, 10)),
            KeySupport::FlagOnly {
                file_key: Some("insecure-registries")
            }
        );
        assert!(!key_support("insecure-registry", (20, 10)).stops_dockerd());
        // A flag that does not exist yet is an unknown key for that engine.
        assert_eq!(key_support("validate", (20, 10)), KeySupport::Unknown);
        assert_eq!(key_support("http-proxy", (20, 10)), KeySupport::Unknown);
        assert_eq!(
            key_support("validate", (23, 0)),
            KeySupport::FlagOnly { file_key: None }
        );
    }

    #[test]
    fn refused_json_tags_are_unknown_everywhere() {
        for key in REFUSED_JSON_TAGS {
            assert_eq!(key_support_any_release(key), KeySupport::Unknown, "{key}");
            assert_eq!(key_support(key, (25, 0)), KeySupport::Unknown, "{key}");
        }
        assert_eq!(key_support("nonsense", (25, 0)), KeySupport::Unknown);
    }

    #[test]
    fn validate_flag_from_23() {
        assert!(!supports_validate_flag((20, 10)));
        assert!(supports_validate_flag((23, 0)));
        assert!(supports_validate_flag((29, 1)));
    }

    #[test]
    fn tables_are_sorted() {
        let keys: Vec<&str> = DAEMON_KEYS.iter().map(|(k, ..)| *k).collect();
        let mut sorted = keys.clone();
        sorted.sort_unstable();
        assert_eq!(keys, sorted);
        let flags: Vec<&str> = FLAG_NAMES.iter().map(|(k, ..)| *k).collect();
        let mut sorted = flags.clone();
        sorted.sort_unstable();
        assert_eq!(flags, sorted);
    }

    #[test]
    fn tables_have_no_duplicates_and_sane_ranges() {
        let mut seen = std::collections::BTreeSet::new();
        for (key, since, until) in DAEMON_KEYS {
            assert!(seen.insert(*key), "{key} twice");
            assert!(
                *since >= OLDEST_TRACKED && *since <= NEWEST_TRACKED,
                "{key}"
            );
            assert!(until.is_none_or(|u| u > *since), "{key}");
        }
        for (name, since, until, file_key) in FLAG_NAMES {
            assert!(seen.insert(*name), "{name} is in both tables or twice");
            assert!(until.is_none_or(|u| u > *since), "{name}");
            if let Some(k) = file_key {
                assert!(
                    config_key(k).is_some(),
                    "{name} fills {k}, not in DAEMON_KEYS"
                );
            }
        }
        for key in REFUSED_JSON_TAGS {
            assert!(!seen.contains(key), "{key}");
        }
    }

    #[test]
    fn engine_versions_parse() {
        assert_eq!(parse_engine_version("20.10.24+dfsg1"), Some((20, 10)));
        assert_eq!(parse_engine_version("29.1.0"), Some((29, 1)));
        assert_eq!(parse_engine_version("v23.0.0-rc.1"), Some((23, 0)));
        assert_eq!(parse_engine_version("18.09.1-ce"), Some((18, 9)));
        assert_eq!(parse_engine_version("27.0"), Some((27, 0)));
        assert_eq!(parse_engine_version("dev"), None);
        assert_eq!(parse_engine_version(""), None);
    }
}
