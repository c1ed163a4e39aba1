//! `baseline`: this machine against an organisation's baseline (`--expect FILE`). Each
//! deviation is one finding that names the baseline line it breaks and carries the fix
//! with the baseline's values, rendered for this host (the drop-in or options file for the
//! expected proxy, the CA into the store the daemon reads, the daemon.json keys). A fleet
//! runs it with `--format json` and reads back, machine by machine, what failed.

use super::Probe;
use crate::argv;
use crate::context::Context;
use crate::facts::baseline::{Baseline, ProxyUser, parse_version};
use crate::facts::proxy::{ProxySet, ProxyUrl, Var, no_proxy_entries};
use crate::facts::{cli_plugins, listeners, processes, trust};
use crate::model::{Finding, FindingKind, Fix, ServiceAction, Severity};
use crate::recipes::ca_trust::{CORP_ROOT, system_store_fix};
use crate::recipes::daemon_json::validated;
use crate::recipes::daemon_proxy::{client_config_snippet, set_daemon_proxy_fix};
use async_trait::async_trait;
use sha2::{Digest, Sha256};
use std::time::Duration;
use toml::Spanned;

const MET: FindingKind = FindingKind::new(
    "baseline.met",
    Severity::Ok,
    "this machine meets the organisation's baseline",
);
const PROXY: FindingKind = FindingKind::new(
    "baseline.proxy",
    Severity::Error,
    "the daemon, containers or shell do not use the baseline's proxy",
);
const NO_PROXY: FindingKind = FindingKind::new(
    "baseline.no-proxy",
    Severity::Error,
    "NO_PROXY lacks entries the baseline requires",
);
const CA: FindingKind = FindingKind::new(
    "baseline.ca",
    Severity::Error,
    "the daemon does not trust a CA the baseline requires",
);
const MIRROR: FindingKind = FindingKind::new(
    "baseline.mirror",
    Severity::Error,
    "the daemon lacks a registry mirror the baseline requires",
);
const INSECURE: FindingKind = FindingKind::new(
    "baseline.insecure",
    Severity::Error,
    "a registry the baseline forbids to be insecure is insecure",
);
const VERSION: FindingKind = FindingKind::new(
    "baseline.version",
    Severity::Error,
    "Engine, Docker Desktop or Compose is older than the baseline's minimum",
);
const PLUGIN: FindingKind = FindingKind::new(
    "baseline.plugin",
    Severity::Error,
    "a CLI plugin the baseline requires is not installed",
);
const PORT: FindingKind = FindingKind::new(
    "baseline.port",
    Severity::Error,
    "a port the baseline needs free is taken",
);
const UNCHECKED: FindingKind = FindingKind::new(
    "baseline.unchecked",
    Severity::Warn,
    "an expectation of the baseline could not be checked here",
);

const KINDS: &[FindingKind] = &[
    MET, PROXY, NO_PROXY, CA, MIRROR, INSECURE, VERSION, PLUGIN, PORT, UNCHECKED,
];

pub struct BaselineProbe;

#[async_trait]
impl Probe for BaselineProbe {
    fn id(&self) -> &'static str {
        "baseline"
    }
    fn title(&self) -> &'static str {
        "Organisation baseline (--expect)"
    }
    fn emits(&self) -> &'static [FindingKind] {
        KINDS
    }
    fn not_applicable_because(&self, ctx: &Context) -> Option<String> {
        ctx.options()
            .expect
            .is_none()
            .then(|| "opt-in: --expect FILE".to_string())
    }

    async fn run(&self, ctx: &Context) -> Vec<Finding> {
        let Some(b) = ctx.options().expect.clone() else {
            return Vec::new();
        };
        let mut out = Vec::new();
        out.extend(proxy(ctx, &b).await);
        out.extend(cas(ctx, &b).await);
        out.extend(registries(ctx, &b).await);
        out.extend(versions(ctx, &b).await);
        out.extend(plugins(ctx, &b));
        out.extend(ports(ctx, &b));
        if out.iter().all(|f| f.severity == Severity::Ok) {
            return vec![
                MET.finding(format!(
                    "this machine meets the baseline {} ({} expectations)",
                    b.path,
                    b.count()
                ))
                .evidence("baseline", &b.path),
            ];
        }
        out
    }
}

/// A finding about one line of the baseline.
fn about<T>(kind: &FindingKind, b: &Baseline, at: &Spanned<T>, summary: String) -> Finding {
    let line = b.at(at);
    kind.finding(format!("{line}: {summary}"))
        .evidence("baseline line", line)
}

fn expected_set(b: &Baseline) -> Option<ProxySet> {
    let p = b.proxy.as_ref()?;
    let http = p.http.as_ref().and_then(|u| ProxyUrl::parse(u.get_ref()));
    let https = p.https.as_ref().and_then(|u| ProxyUrl::parse(u.get_ref()));
    Some(ProxySet {
        http: http.clone().or(https.clone()),
        https: https.or(http),
        no_proxy: p.no_proxy.as_ref().map(|n| n.get_ref().join(",")),
    })
}

/// The baseline's proxy (and NO_PROXY entries) for the daemon, containers and the shell.
async fn proxy(ctx: &Context, b: &Baseline) -> Vec<Finding> {
    let Some(p) = &b.proxy else {
        return Vec::new();
    };
    let Some(want) = expected_set(b) else {
        return Vec::new();
    };
    let at = p
        .https
        .as_ref()
        .or(p.http.as_ref())
        .map(|s| b.at(s))
        .unwrap_or_else(|| b.path.clone());
    let mut out = Vec::new();
    let profile = ctx.profile().await;
    let desktop = profile.service_manager == crate::facts::profile::ServiceManager::DockerDesktop
        || matches!(ctx.platform().os.as_str(), "macos" | "windows");
    for user in p.users() {
        let (have, who): (ProxySet, &str) = match user {
            ProxyUser::Daemon => (ctx.daemon_proxy().await.set.clone(), "the daemon"),
            ProxyUser::Containers => (
                crate::facts::proxy::client(ctx.host())
                    .map(|c| c.set)
                    .unwrap_or_default(),
                "containers and builds (~/.docker/config.json)",
            ),
            ProxyUser::Shell => (ctx.shell_proxy().set.clone(), "this shell"),
        };
        let wrong: Vec<(Var, String, String)> = [Var::Http, Var::Https]
            .into_iter()
            .filter_map(|var| {
                let w = match var {
                    Var::Http => want.http.as_ref(),
                    _ => want.https.as_ref(),
                }?;
                let h = match var {
                    Var::Http => have.http.as_ref(),
                    _ => have.https.as_ref(),
                };
                (!h.is_some_and(|h| h.same_proxy(w))).then(|| {
                    (
                        var,
                        w.shown(),
                        h.map(ProxyUrl::shown).unwrap_or_else(|| "(none)".into()),
                    )
                })
            })
            .collect();
        if !wrong.is_empty() {
            let mut f = PROXY
                .finding(format!(
                    "{at}: {who} should use the proxy {}, but {}",
                    wrong[0].1,
                    if wrong[0].2 == "(none)" {
                        "has none".to_string()
                    } else {
                        format!("uses {}", wrong[0].2)
                    }
                ))
                .evidence("baseline line", &at)
                .evidence("for", format!("{user:?}").to_lowercase());
            for (var, w, h) in &wrong {
                f = f
                    .evidence(format!("expected {}", var.upper()), w)
                    .evidence(format!("found {}", var.upper()), h);
            }
            let merged = ProxySet {
                no_proxy: merged_no_proxy(have.no_proxy.as_deref(), want.no_proxy.as_deref()),
                ..want.clone()
            };
            out.push(f.fix(proxy_fix(ctx, user, &merged, desktop, profile)));
            continue;
        }
        // NO_PROXY: every entry the baseline lists must be covered.
        if let Some(entries) = &p.no_proxy {
            let list = have.no_proxy.clone().unwrap_or_default();
            let index = NoProxyIndex::new(&list);
            let missing: Vec<&String> = entries
                .get_ref()
                .iter()
                .filter(|e| !index.covers(e))
                .collect();
            if !missing.is_empty() {
                let names: Vec<&str> = missing.iter().map(|s| s.as_str()).collect();
                let merged = ProxySet {
                    no_proxy: merged_no_proxy(Some(&list), want.no_proxy.as_deref()),
                    ..have.clone()
                };
                out.push(
                    about(
                        &NO_PROXY,
                        b,
                        entries,
                        format!("{who}'s NO_PROXY lacks {}", names.join(", ")),
                    )
                    .evidence("for", format!("{user:?}").to_lowercase())
                    .evidence(
                        "found NO_PROXY",
                        if list.is_empty() {
                            "(unset)".to_string()
                        } else {
                            list.clone()
                        },
                    )
                    .evidence("missing", names.join(", "))
                    .fix(proxy_fix(ctx, user, &merged, desktop, profile)),
                );
            }
        }
    }
    out
}

/// A NO_PROXY list, indexed: exact entries and the domains it covers, in sets, so each
/// baseline entry is checked in time of its own length (100k entries were quadratic).
struct NoProxyIndex {
    exact: std::collections::HashSet<String>,
    domains: std::collections::HashSet<String>,
}

fn bare(s: &str) -> String {
    s.trim()
        .trim_start_matches("*.")
        .trim_start_matches('.')
        .to_ascii_lowercase()
}

impl NoProxyIndex {
    fn new(list: &str) -> Self {
        let mut index = NoProxyIndex {
            exact: Default::default(),
            domains: Default::default(),
        };
        for l in list.split(',').filter(|l| !l.trim().is_empty()) {
            index.add(l);
        }
        index
    }

    fn add(&mut self, entry: &str) {
        let d = bare(entry);
        if entry.trim().starts_with(['.', '*']) {
            self.domains.insert(d.clone());
        }
        self.exact.insert(d);
    }

    /// Whether the list holds `entry`: the same entry (`.corp.example` and `corp.example`
    /// are the same domain to Go and curl), or a domain entry that covers a host entry.
    /// Loopback counts only when listed: containers' tools need it written.
    fn covers(&self, entry: &str) -> bool {
        let e = bare(entry);
        if self.exact.contains(&e) {
            return true;
        }
        e.match_indices('.')
            .any(|(i, _)| self.domains.contains(&e[i + 1..]))
    }
}

#[cfg(test)]
fn covers(list: &str, entry: &str) -> bool {
    NoProxyIndex::new(list).covers(entry)
}

fn merged_no_proxy(have: Option<&str>, want: Option<&str>) -> Option<String> {
    let mut entries = no_proxy_entries(have.unwrap_or(""));
    let mut index = NoProxyIndex::new(&entries.join(","));
    for w in no_proxy_entries(want.unwrap_or("")) {
        if !index.covers(&w) {
            index.add(&w);
            entries.push(w);
        }
    }
    (!entries.is_empty()).then(|| entries.join(","))
}

fn proxy_fix(
    ctx: &Context,
    user: ProxyUser,
    set: &ProxySet,
    desktop: bool,
    profile: &crate::facts::profile::HostProfile,
) -> Fix {
    match user {
        ProxyUser::Daemon => set_daemon_proxy_fix(
            ctx,
            set,
            desktop,
            profile,
            "Give the daemon the baseline's proxy",
        ),
        ProxyUser::Containers => Fix::new("Give containers and builds the baseline's proxy")
            .manual(format!(
                "Set \"proxies\" in ~/.docker/config.json (merge with what is there):\n{}",
                client_config_snippet(set, None)
            ))
            .docs("https://docs.docker.com/engine/cli/proxy/"),
        ProxyUser::Shell => {
            let url = set
                .preferred()
                .map(ProxyUrl::with_placeholder)
                .unwrap_or_default();
            let no = set.no_proxy.clone().unwrap_or_default();
            Fix::new("Give this shell the baseline's proxy (and new shells, in ~/.profile)")
                .run_line("export HTTPS_PROXY={} https_proxy={}", &[&url, &url])
                .run_line("export HTTP_PROXY={} http_proxy={}", &[&url, &url])
                .run_line("export NO_PROXY={} no_proxy={}", &[&no, &no])
        }
    }
}

/// SHA-256 fingerprints (upper-case hex) of a set of certificates.
fn fingerprints(certs: &[rustls::pki_types::CertificateDer<'static>]) -> Vec<String> {
    certs
        .iter()
        .map(|c| {
            Sha256::digest(c.as_ref())
                .iter()
                .map(|b| format!("{b:02X}"))
                .collect()
        })
        .collect()
}

/// Each CA the baseline requires, for each of its registries, in the trust dockerd uses
/// for that registry (the system store; plus certs.d except for Docker Hub).
async fn cas(ctx: &Context, b: &Baseline) -> Vec<Finding> {
    let mut out = Vec::new();
    let system = fingerprints(&ctx.system_trust().certs);
    let family = match ctx.platform().os.as_str() {
        os @ ("macos" | "windows") => Some(os.to_string()),
        _ => ctx.platform().family().map(str::to_string),
    };
    for ca in &b.ca {
        let Some(fp) = ca.fingerprint() else { continue };
        let missing: Vec<String> = ca
            .registries()
            .into_iter()
            .filter(|reg| {
                if system.contains(&fp) {
                    return false;
                }
                let hub = matches!(
                    reg.as_str(),
                    "docker.io" | "registry-1.docker.io" | "index.docker.io"
                );
                hub || !fingerprints(&trust::certs_d(ctx.host(), reg).certs).contains(&fp)
            })
            .collect();
        if missing.is_empty() {
            continue;
        }
        let cert = ca.pem_file.clone().unwrap_or_else(|| CORP_ROOT.to_string());
        let mut f = about(
            &CA,
            b,
            &ca.sha256,
            format!(
                "the daemon does not trust {} for {}",
                ca.label(),
                missing.join(", ")
            ),
        )
        .evidence("sha256", &fp)
        .evidence("registries", missing.join(", "))
        .evidence(
            "daemon trusts",
            ctx.system_trust()
                .files
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", "),
        )
        .fix(system_store_fix(
            family.as_deref(),
            &cert,
            &format!(
                "Trust {} for the whole machine, then restart the daemon",
                ca.label()
            ),
        ));
        let private: Vec<&String> = missing
            .iter()
            .filter(|r| {
                !matches!(
                    r.as_str(),
                    "docker.io" | "registry-1.docker.io" | "index.docker.io"
                )
            })
            .collect();
        if !private.is_empty() && !matches!(family.as_deref(), Some("macos" | "windows")) {
            let mut fix = Fix::new("Or trust it for these registries only (/etc/docker/certs.d)");
            for r in &private {
                let dir = trust::certs_d_dir(r);
                fix = fix
                    .run_root(argv!["mkdir", "-p", dir.display()])
                    .run_root(argv!["cp", &cert, dir.join("ca.crt").display()]);
            }
            f = f.fix(fix.docs("https://docs.docker.com/engine/security/certificates/"));
        }
        out.push(f);
    }
    out
}

/// Mirrors the daemon must have; registries that must not be insecure.
async fn registries(ctx: &Context, b: &Baseline) -> Vec<Finding> {
    let Some(r) = &b.registries else {
        return Vec::new();
    };
    let configured = ctx.registry_config().await;
    let path = ctx.daemon_config().path.display().to_string();
    let engine = ctx.profile().await.engine;
    let validate = |fix: Fix| validated(fix, engine, &path);
    let norm = |m: &str| m.trim().trim_end_matches('/').to_ascii_lowercase();
    let mut out = Vec::new();
    if let Some(mirrors) = &r.mirrors {
        let missing: Vec<&String> = mirrors
            .get_ref()
            .iter()
            .filter(|m| !configured.mirrors.iter().any(|c| norm(c) == norm(m)))
            .collect();
        if !missing.is_empty() {
            let mut all = configured.mirrors.clone();
            all.extend(missing.iter().map(|m| m.to_string()));
            let json = serde_json::json!({ "registry-mirrors": all });
            out.push(
                about(
                    &MIRROR,
                    b,
                    mirrors,
                    format!(
                        "the daemon does not use the mirror {}",
                        missing
                            .iter()
                            .map(|s| s.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                )
                .evidence(
                    "configured mirrors",
                    if configured.mirrors.is_empty() {
                        "(none)".to_string()
                    } else {
                        configured.mirrors.join(", ")
                    },
                )
                .fix(
                    validate(
                        Fix::new(format!("Add the mirror to {path}")).manual(format!(
                            "Set in {path} (merge with what is there):\n{}",
                            serde_json::to_string_pretty(&json).unwrap_or_default()
                        )),
                    )
                    .service(ServiceAction::Restart)
                    .run("docker info --format '{{.RegistryConfig.Mirrors}}'")
                    .docs("https://docs.docker.com/docker-hub/image-library/mirror/"),
                ),
            );
        }
    }
    if let Some(secure) = &r.not_insecure {
        for reg in secure.get_ref() {
            let (host, _) = reg.rsplit_once(':').unwrap_or((reg, ""));
            if configured.is_insecure(reg, host)
                && configured
                    .insecure
                    .iter()
                    .any(|i| norm(i).contains(&norm(host)) || i.contains('/'))
            {
                let kept: Vec<&String> = configured
                    .insecure
                    .iter()
                    .filter(|i| !norm(i).contains(&norm(host)))
                    .collect();
                out.push(
                    about(&INSECURE, b, secure, format!(
                        "{reg} is an insecure registry here (no TLS verification, or plain HTTP)"
                    ))
                    .evidence("insecure-registries", configured.insecure.join(", "))
                    .fix(
                        validate(Fix::new(format!("Remove {reg} from \"insecure-registries\"")).manual(format!(
                            "In {path}: \"insecure-registries\": {}",
                            serde_json::to_string(&kept).unwrap_or_default()
                        )))
                        .service(ServiceAction::Restart),
                    ),
                );
            }
        }
    }
    out
}

/// Minimum versions of the Engine, Docker Desktop and Compose.
async fn versions(ctx: &Context, b: &Baseline) -> Vec<Finding> {
    let Some(m) = &b.minimum else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let version = ctx.daemon().await.and_then(|d| d.version.as_ref().ok());
    let mut check = |what: &str, want: &Spanned<String>, have: Option<String>, fix: Fix| {
        let Some(w) = parse_version(want.get_ref()) else {
            return;
        };
        match have.as_deref().and_then(parse_version) {
            Some(h) if h >= w => {}
            Some(_) => out.push(
                about(
                    &VERSION,
                    b,
                    want,
                    format!(
                        "{what} is {}, older than the baseline's {}",
                        have.clone().unwrap_or_default(),
                        want.get_ref()
                    ),
                )
                .evidence("found", have.clone().unwrap_or_default())
                .evidence("minimum", want.get_ref())
                .fix(fix),
            ),
            None => out.push(about(
                &UNCHECKED,
                b,
                want,
                format!(
                    "the {what} version could not be read (minimum {})",
                    want.get_ref()
                ),
            )),
        }
    };
    let engine_fallback = ctx
        .profile()
        .await
        .engine
        .map(|(major, minor)| format!("{major}.{minor}"));
    if let Some(want) = &m.engine {
        // The daemon's answer, else the installed dockerd's own version.
        let have = version.and_then(|v| v.version.clone()).or(engine_fallback);
        check(
            "Docker Engine",
            want,
            have,
            Fix::new("Upgrade Docker Engine")
                .manual("Upgrade from the repository you installed Docker from (Docker's apt/dnf repository has current releases; distribution packages lag behind).")
                .docs("https://docs.docker.com/engine/install/"),
        );
    }
    if let Some(want) = &m.desktop {
        // `docker version`: "Server: Docker Desktop 4.30.0 (149282)".
        let platform = version
            .and_then(|v| v.platform.as_ref())
            .map(|p| p.name.clone())
            .unwrap_or_default();
        let desktop = platform.strip_prefix("Docker Desktop ").map(str::to_string);
        let running_desktop =
            processes::list(ctx.host()).is_some_and(|p| processes::desktop(&p).running());
        if desktop.is_some()
            || running_desktop
            || matches!(ctx.platform().os.as_str(), "macos" | "windows")
        {
            check(
                "Docker Desktop",
                want,
                desktop,
                Fix::new("Update Docker Desktop")
                    .manual("Docker Desktop > Settings > Software updates > Check for updates (or install the current release over it).")
                    .docs("https://docs.docker.com/desktop/release-notes/"),
            );
        }
    }
    if let Some(want) = &m.compose {
        let plugin = compose_plugin(ctx);
        let have = match &plugin {
            Some(p) => compose_version(ctx, p).await,
            None => None,
        };
        if plugin.is_none() {
            out.push(
                about(&VERSION, b, want, format!(
                    "Docker Compose is not installed; the baseline wants {} or later",
                    want.get_ref()
                ))
                .evidence("minimum", want.get_ref())
                .fix(
                    Fix::new("Install the Compose plugin")
                        .manual("Debian/Ubuntu with Docker's repository: apt-get install docker-compose-plugin; elsewhere the release binary as ~/.docker/cli-plugins/docker-compose.")
                        .docs("https://docs.docker.com/compose/install/linux/"),
                ),
            );
            return out;
        }
        check(
            "Docker Compose",
            want,
            have,
            Fix::new("Upgrade the Compose plugin")
                .manual("Install the current docker-compose-plugin from Docker's repository, or the release binary into ~/.docker/cli-plugins/docker-compose.")
                .docs("https://docs.docker.com/compose/install/linux/"),
        );
    }
    out
}

/// The compose plugin the CLI would run, if it is installed.
fn compose_plugin(ctx: &Context) -> Option<std::path::PathBuf> {
    let os = ctx.platform().os.clone();
    let dirs = cli_plugins::dirs(ctx.host(), &os);
    cli_plugins::find(ctx.host(), &os, &dirs, "compose")
}

async fn compose_version(ctx: &Context, plugin: &std::path::Path) -> Option<String> {
    let out = ctx
        .host()
        .run(
            plugin,
            &["compose", "version", "--short"],
            Duration::from_secs(3),
        )
        .await
        .ok()?;
    let v = out.stdout.trim().trim_start_matches('v').to_string();
    (out.status == Some(0) && !v.is_empty()).then_some(v)
}

fn plugins(ctx: &Context, b: &Baseline) -> Vec<Finding> {
    let Some(wanted) = b.cli.as_ref().and_then(|c| c.plugins.as_ref()) else {
        return Vec::new();
    };
    let os = ctx.platform().os.clone();
    let dirs = cli_plugins::dirs(ctx.host(), &os);
    wanted
        .get_ref()
        .iter()
        .filter(|p| cli_plugins::find(ctx.host(), &os, &dirs, p).is_none())
        .map(|p| {
            about(&PLUGIN, b, wanted, format!("the CLI plugin {p} is not installed (docker {p} will not work)"))
                .evidence("plugin", p)
                .evidence("searched", dirs.iter().map(|d| d.display().to_string()).collect::<Vec<_>>().join(", "))
                .fix(
                    Fix::new(format!("Install the {p} plugin"))
                        .manual(format!("Debian/Ubuntu with Docker's repository: apt-get install docker-{p}-plugin; elsewhere the release binary as ~/.docker/cli-plugins/docker-{p}."))
                        .docs("https://docs.docker.com/engine/install/"),
                )
        })
        .collect()
}

fn ports(ctx: &Context, b: &Baseline) -> Vec<Finding> {
    let Some(free) = b.ports.as_ref().and_then(|p| p.free.as_ref()) else {
        return Vec::new();
    };
    let listening = listeners::listening(ctx.host());
    let mut out = Vec::new();
    for port in free.get_ref() {
        let Some(l) = listening.iter().find(|l| l.port == *port) else {
            continue;
        };
        let owner = listeners::owner(ctx.host(), l);
        let who = owner
            .as_ref()
            .map(|o| format!("{} (pid {})", o.name, o.pid))
            .unwrap_or_else(|| {
                format!(
                    "a process of uid {}",
                    l.uid.map_or("?".into(), |u| u.to_string())
                )
            });
        let mut f = about(
            &PORT,
            b,
            free,
            format!("port {port} must be free, but {who} listens on it"),
        )
        .evidence("port", port)
        .evidence("address", format!("{}:{port}", l.addr));
        f =
            match &owner {
                Some(o) => f.fix(
                    Fix::new(format!("Stop {}, or move it off port {port}", o.name))
                        .run(argv!["kill", o.pid]),
                ),
                // A process of another user: root can name it.
                None => f.fix(
                    Fix::new("Name the process, then stop it or move it off the port")
                        .run_root(argv!["ss", "-ltnp", format!("sport = :{port}")]),
                ),
            };
        out.push(f);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_proxy_coverage_follows_go() {
        assert!(covers("localhost,.corp.example", "corp.example"));
        assert!(covers("localhost,corp.example", ".corp.example"));
        assert!(covers("*.corp.example", ".corp.example"));
        assert!(covers(".corp.example", "registry.corp.example"));
        assert!(!covers("localhost", "registry.corp.example"));
        assert!(!covers("", "127.0.0.1"), "loopback must be written");
        assert!(!covers("registry.corp.example", ".corp.example"));
        assert_eq!(
            merged_no_proxy(Some("localhost"), Some("localhost,.corp.example")).as_deref(),
            Some("localhost,.corp.example")
        );
    }
}
