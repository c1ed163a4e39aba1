//! `proxy`: does the daemon have the proxy it needs? Pulls are made by dockerd, which never
//! sees the shell's variables: it takes its proxy from its service environment (systemd
//! drop-ins), from daemon.json `"proxies"` (Engine 23+), or on Docker Desktop from Desktop's
//! own settings. A drop-in changes nothing until `daemon-reload` and a restart.

use super::Probe;
use crate::argv;
use crate::context::{Context, ProxySource};
use crate::facts::profile::{HostProfile, ServiceManager};
use crate::facts::proxy::{
    DropInProblem, MisreadProxy, ProxySet, ProxyUrl, Var, daemon_json_misread, misread,
    no_proxy_entries, no_proxy_matches,
};
use crate::facts::registries::Role;
use crate::host::trace::{ConnectOutcome, DnsOutcome, TunnelOutcome};
use crate::model::{Finding, FindingKind, Fix, ServiceAction, Severity};
use crate::recipes::daemon_proxy::{
    DOCS, SHOW_PROXY, client_config_snippet, is_loopback_host, set_daemon_proxy_fix,
};
use crate::recipes::name_lookup;
use async_trait::async_trait;
use std::path::Path;
use std::time::Duration;

const OK: FindingKind = FindingKind::new(
    "proxy.ok",
    Severity::Ok,
    "the daemon's proxy settings match what this machine needs",
);
const DAEMON_MISSING: FindingKind = FindingKind::new(
    "proxy.daemon-missing",
    Severity::Warn,
    "the shell has a proxy but the daemon has none (pulls go direct)",
);
const NOT_APPLIED: FindingKind = FindingKind::new(
    "proxy.not-applied",
    Severity::Error,
    "the proxy configured on disk is not what the running daemon uses (not reloaded or not restarted)",
);
const NO_PROXY_MISSING: FindingKind = FindingKind::new(
    "proxy.no-proxy-missing",
    Severity::Warn,
    "the daemon's NO_PROXY lacks a private registry or mirror (it is reached through the proxy)",
);
const NO_PROXY_LOOPBACK: FindingKind = FindingKind::new(
    "proxy.no-proxy-loopback",
    Severity::Info,
    "the daemon's NO_PROXY lacks localhost/127.0.0.1",
);
const UNREACHABLE: FindingKind = FindingKind::new(
    "proxy.unreachable",
    Severity::Error,
    "the daemon's proxy does not resolve or does not accept connections",
);
const AUTH_REQUIRED: FindingKind = FindingKind::new(
    "proxy.auth-required",
    Severity::Error,
    "the proxy wants credentials the daemon does not send (407)",
);
const SPECIFIER: FindingKind = FindingKind::new(
    "proxy.specifier",
    Severity::Error,
    "a `%` in a systemd drop-in: systemd drops the line",
);
const DROPIN_INVALID: FindingKind = FindingKind::new(
    "proxy.dropin-invalid",
    Severity::Error,
    "a proxy line in the daemon's service configuration that never reaches dockerd",
);
const PASSWORD_UNENCODED: FindingKind = FindingKind::new(
    "proxy.password-unencoded",
    Severity::Error,
    "a proxy password holds `/`, `?` or `#` unencoded: programs end the proxy's address there",
);
const CASE_MISMATCH: FindingKind = FindingKind::new(
    "proxy.case-mismatch",
    Severity::Warn,
    "upper- and lower-case proxy variables disagree",
);
const CLIENT: FindingKind = FindingKind::new(
    "proxy.client",
    Severity::Info,
    "the proxy that containers and builds get from ~/.docker/config.json",
);
const CLIENT_MISSING: FindingKind = FindingKind::new(
    "proxy.client-missing",
    Severity::Info,
    "the shell has a proxy, but containers and builds will not get one",
);

const KINDS: &[FindingKind] = &[
    OK,
    DAEMON_MISSING,
    NOT_APPLIED,
    NO_PROXY_MISSING,
    NO_PROXY_LOOPBACK,
    UNREACHABLE,
    AUTH_REQUIRED,
    SPECIFIER,
    DROPIN_INVALID,
    PASSWORD_UNENCODED,
    CASE_MISMATCH,
    CLIENT,
    CLIENT_MISSING,
];

/// Where a misread proxy value is written: each place has its own way to correct it.
enum Place<'a> {
    /// This shell's variable.
    Shell,
    /// A line of the daemon's systemd drop-in or init-script options file.
    Service(&'a Path, usize),
    /// A key of daemon.json's `"proxies"`: dockerd reads it at start.
    DaemonJson(&'a Path),
    /// A key of config.json's `"proxies"."default"`: the CLI passes it to containers and
    /// builds it starts.
    ClientJson(&'a Path),
}

/// A proxy whose raw password ends its address early, for every program that reads it:
/// in this shell, in the daemon's service configuration or daemon.json, or in the
/// client's config.json.
fn password_unencoded(m: &MisreadProxy, os: &str, place: Place) -> Finding {
    let chars: Vec<String> = m.delimiters.iter().map(|c| format!("`{c}`")).collect();
    let read = match &m.parsed_as {
        Some(addr) => format!(
            "programs connect to the host `{}` instead, with the password's first characters as its port",
            addr.split(':').next().unwrap_or(addr)
        ),
        None => "programs cannot parse it and connect directly".to_string(),
    };
    let codes: Vec<String> = m
        .delimiters
        .iter()
        .map(|c| format!("`{c}` as %{:02X}", *c as u32))
        .collect();
    let meant = m.meant();
    let codes = codes.join(", ");
    let (whose, fix) = match place {
        Place::Shell => (
            m.name.clone(),
            Fix::new(format!("Write the password percent-encoded in {}", m.name))
                .manual(format!(
                    "Set {} to {meant} with the password's {codes} (and `%` as %25, `@` as %40), where it is set",
                    m.name
                ))
                .note(if os == "windows" {
                    format!("{} is set under System Properties > Environment Variables (the user's or the system's list).", m.name)
                } else {
                    format!("{} is set in a shell start file: grep -s {} ~/.bashrc ~/.profile ~/.zprofile /etc/environment", m.name, m.name)
                }),
        ),
        Place::Service(path, line) => {
            // In a unit file systemd reads `%` as a specifier: each one is written `%%`.
            let unit = path.extension().is_some_and(|e| e == "conf" || e == "service");
            let percent = if unit { "%%" } else { "%" };
            let codes = codes.replace('%', percent);
            let fix = Fix::new(format!(
                "Write the password percent-encoded in {}, then restart the daemon",
                path.display()
            ))
            .manual(format!(
                "In {} line {line}, set {} to {meant} with the password's {codes} (and `%` as {percent}25, `@` as {percent}40)",
                path.display(),
                m.name
            ))
            .service(if unit {
                ServiceAction::ReloadAndRestart
            } else {
                ServiceAction::Restart
            })
            .run(SHOW_PROXY);
            (format!("{} line {line}: {}", path.display(), m.name), fix)
        }
        Place::DaemonJson(path) | Place::ClientJson(path) => {
            let daemon = matches!(place, Place::DaemonJson(_));
            let keys = if daemon {
                format!("\"proxies\" > \"{}\"", m.name)
            } else {
                format!("\"proxies\" > \"default\" > \"{}\"", m.name)
            };
            let set = format!(
                "In {}, set {keys} to \"{meant}\" with the password's {codes} (and `%` as %25, `@` as %40)",
                path.display()
            );
            let fix = if daemon {
                Fix::new(format!(
                    "Write the password percent-encoded in {}, then restart the daemon",
                    path.display()
                ))
                .manual(set)
                .service(ServiceAction::Restart)
                .run(SHOW_PROXY)
            } else {
                Fix::new(format!("Write the password percent-encoded in {}", path.display()))
                    .manual(set)
                    .note("The CLI passes the value to the containers and builds it starts afterwards; running containers keep the old one.")
            };
            (format!("{} {keys}", path.display()), fix)
        }
    };
    let f = PASSWORD_UNENCODED
        .finding(format!(
            "{whose}'s password holds {} unencoded: a URL ends the proxy's address there, so {read}",
            chars.join(" and ")
        ))
        .detail("Go (dockerd, the docker CLI, Compose), curl and Python read a URL's host up to the first `/`, `?` or `#`: a password holding one leaves them with the user's name as the host and the start of the password as the port. Percent-encoded, the password reaches the proxy as written.")
        .evidence(m.name.as_str(), &m.shown)
        .evidence("parsed_as", m.parsed_as.clone().unwrap_or_else(|| "(does not parse)".into()))
        .evidence("meant", &meant);
    let (f, docs) = match place {
        Place::Shell => (f, DOCS),
        Place::Service(path, line) => (
            f.evidence("file", path.display()).evidence("line", line),
            DOCS,
        ),
        Place::DaemonJson(path) => (f.evidence("file", path.display()), DOCS),
        Place::ClientJson(path) => (
            f.evidence("file", path.display()),
            "https://docs.docker.com/engine/cli/proxy/",
        ),
    };
    f.fix(fix.docs(docs))
}

pub struct ProxyProbe;

#[async_trait]
impl Probe for ProxyProbe {
    fn id(&self) -> &'static str {
        "proxy"
    }

    fn title(&self) -> &'static str {
        "Proxy settings of the shell, the daemon and containers"
    }

    fn emits(&self) -> &'static [FindingKind] {
        KINDS
    }

    async fn run(&self, ctx: &Context) -> Vec<Finding> {
        let mut out = Vec::new();
        let shell = ctx.shell_proxy().clone();
        let service = ctx.service_proxy().clone();
        let daemon = ctx.daemon_proxy().await.clone();
        let desktop = is_desktop(ctx).await;
        let profile = ctx.profile().await;

        for (var, upper, lower) in &shell.disagreements {
            out.push(
                CASE_MISMATCH
                    .finding(format!(
                        "{} and {} disagree in this shell",
                        var.upper(),
                        var.lower()
                    ))
                    .detail("Go programs such as dockerd and the docker CLI read the upper-case variable first; curl, wget and apt in containers read the lower-case one. Two values mean two behaviours.")
                    .evidence(var.upper(), upper)
                    .evidence(var.lower(), lower)
                    .fix(Fix::new("Give both spellings the same value").run(match var {
                        Var::Http => "export http_proxy=\"$HTTP_PROXY\"",
                        Var::Https => "export https_proxy=\"$HTTPS_PROXY\"",
                        Var::NoProxy => "export no_proxy=\"$NO_PROXY\"",
                    })),
            );
        }

        let os = &ctx.platform().os;
        for m in &shell.misread {
            out.push(password_unencoded(m, os, Place::Shell));
        }
        // The same value where the daemon takes it from: what dockerd reads once restarted.
        for s in &service.settings {
            if let Some(m) = misread(&s.name, s.value.expose()) {
                out.push(password_unencoded(&m, os, Place::Service(&s.file, s.line)));
            }
        }
        let config = ctx.daemon_config();
        for m in daemon_json_misread(&config.file) {
            out.push(password_unencoded(&m, os, Place::DaemonJson(&config.path)));
        }
        let client = crate::facts::proxy::client(ctx.host());
        if let Some(c) = &client {
            for m in &c.misread {
                out.push(password_unencoded(m, os, Place::ClientJson(&c.path)));
            }
        }

        for (file, problem) in &service.problems {
            out.push(dropin_problem(file, problem));
        }

        let shell_has = !shell.set.is_empty();
        if daemon.set.is_empty() && shell_has {
            // A proxy configured on disk but not in effect is NOT_APPLIED, below; one
            // written where it never reaches dockerd is its problem above, with its fix.
            if ctx.configured_proxy().is_empty() && service.problems.is_empty() {
                let mut f = daemon_missing(ctx, &shell.set, desktop, profile);
                if desktop && daemon.source == ProxySource::Configured {
                    // Desktop's own settings are not read, and its engine did not answer.
                    f.summary = format!(
                        "this shell uses the proxy {}, but Docker Desktop's engine takes its proxy only from Desktop's settings, and it did not answer to say which it has",
                        shell
                            .set
                            .preferred()
                            .map(ProxyUrl::shown)
                            .unwrap_or_default()
                    );
                }
                out.push(f);
            }
        }

        if daemon.source == ProxySource::Running
            && let Some(f) = not_applied(ctx, &daemon.set).await
        {
            out.push(f);
        }

        if !daemon.set.is_empty() {
            let no_proxy = daemon.set.no_proxy.clone().unwrap_or_default();
            let registries = ctx.registries().await;
            let missing: Vec<String> = registries
                .iter()
                .filter(|r| r.role != Role::Hub)
                .filter(|r| daemon.set.proxy_for(true, &r.host, r.port).is_some())
                .map(|r| r.name.clone())
                .collect();
            if !missing.is_empty() {
                let mut entries = no_proxy_entries(&no_proxy);
                for m in &missing {
                    let host = m.split(':').next().unwrap_or(m).to_string();
                    if !entries.contains(&host) {
                        entries.push(host);
                    }
                }
                out.push(
                    NO_PROXY_MISSING
                        .finding(format!(
                            "{} will be reached through the proxy: the daemon's NO_PROXY does not list {}",
                            missing.join(", "),
                            if missing.len() == 1 { "it" } else { "them" }
                        ))
                        .detail("A corporate proxy usually cannot reach internal registries and answers 503 or 403 instead. Registries inside the network belong in the daemon's NO_PROXY.")
                        .evidence("NO_PROXY", if no_proxy.is_empty() { "(unset)".to_string() } else { no_proxy.clone() })
                        .evidence("registries", missing.join(", "))
                        .fix(set_daemon_proxy_fix(
                            ctx,
                            &ProxySet {
                                no_proxy: Some(entries.join(",")),
                                ..daemon.set.clone()
                            },
                            desktop,
                            profile,
                            "Add them to the daemon's NO_PROXY",
                        )),
                );
            }
            let loopback = ["localhost", "127.0.0.1"]
                .iter()
                .all(|h| no_proxy_matches(&no_proxy, h, 80));
            if !loopback {
                out.push(
                    NO_PROXY_LOOPBACK
                        .finding("the daemon's NO_PROXY does not list localhost and 127.0.0.1")
                        .detail("dockerd itself never proxies loopback, but the value is also what many setups pass on to containers and builds, where curl and apt would send local traffic to the proxy.")
                        .evidence("NO_PROXY", if no_proxy.is_empty() { "(unset)".to_string() } else { no_proxy }),
                );
            }
            if !ctx.options().offline {
                out.extend(reachability(ctx).await);
            }
        }

        match client {
            Some(client) if !client.set.is_empty() => out.push(
                CLIENT
                    .finding(format!(
                        "containers and builds get {} from {}",
                        client.set.preferred()
                            .map(ProxyUrl::shown)
                            .unwrap_or_default(),
                        client.path.display()
                    ))
                    .detail("The docker CLI injects these as HTTP_PROXY/http_proxy (both cases) into every container it creates and every build.")
                    .evidence("httpProxy", client.set.get(Var::Http).unwrap_or_default())
                    .evidence("httpsProxy", client.set.get(Var::Https).unwrap_or_default())
                    .evidence("noProxy", client.set.get(Var::NoProxy).unwrap_or_default()),
            ),
            _ if shell_has => {
                let url = shell.set.preferred();
                // Inside a container 127.0.0.1 is the container: a loopback proxy must be
                // named by the address containers reach the host at.
                let loopback = url.is_some_and(|u| is_loopback_host(&u.host));
                let gateway = if desktop { "host.docker.internal" } else { "172.17.0.1" };
                let json = client_config_snippet(&shell.set, loopback.then_some(gateway));
                out.push(
                    CLIENT_MISSING
                        .finding("containers and builds will not get this shell's proxy")
                        .detail("The shell's variables reach neither the daemon nor the containers. `apt-get` or `curl` in a Dockerfile RUN step needs the proxy passed in; the CLI does that for you when ~/.docker/config.json has \"proxies\".")
                        .evidence("shell proxy", url.map(ProxyUrl::shown).unwrap_or_default())
                        .fix(
                            Fix::new("Let the CLI pass the proxy to containers and builds")
                                .manual(format!("Add to ~/.docker/config.json (merge with what is there):\n{json}"))
                                .docs("https://docs.docker.com/engine/cli/proxy/")
                                .note(if !loopback {
                                    String::new()
                                } else if desktop {
                                    "The shell's proxy is on loopback, which inside a container is the container itself: containers reach this machine as host.docker.internal.".to_string()
                                } else {
                                    "The shell's proxy is on loopback, which inside a container is the container itself. Containers reach the host at the default bridge's gateway (172.17.0.1; check with `ip -4 addr show docker0`), so the proxy must also listen there, not only on 127.0.0.1.".to_string()
                                }),
                        ),
                );
            }
            _ => {}
        }

        if out
            .iter()
            .all(|f| matches!(f.severity, Severity::Ok | Severity::Info))
        {
            out.insert(0, ok_finding(&shell.set, &daemon.set, daemon.source));
        }
        out
    }
}

fn ok_finding(shell: &ProxySet, daemon: &ProxySet, source: ProxySource) -> Finding {
    let summary = match daemon.preferred() {
        Some(p) => format!("the daemon uses the proxy {}", p.shown()),
        None if shell.is_empty() => {
            "no proxy in the shell or the daemon: direct connections".into()
        }
        None => "no daemon proxy".into(),
    };
    let mut f = OK.finding(summary).evidence(
        "daemon proxy from",
        match source {
            ProxySource::Running => "the running daemon (docker info)",
            ProxySource::Configured => "the daemon's configuration (it did not answer)",
        },
    );
    for var in Var::ALL {
        if let Some(v) = daemon.get(var) {
            f = f.evidence(format!("daemon {}", var.upper()), v);
        }
    }
    f
}

async fn is_desktop(ctx: &Context) -> bool {
    let endpoint_desktop = ctx
        .endpoint()
        .endpoint
        .as_ref()
        .is_some_and(|e| e.is_docker_desktop());
    let info_desktop = ctx
        .daemon_info()
        .await
        .and_then(|i| i.operating_system.as_deref())
        .is_some_and(|os| os.contains("Docker Desktop"));
    endpoint_desktop || info_desktop || matches!(ctx.platform().os.as_str(), "windows" | "macos")
}

fn daemon_missing(
    ctx: &Context,
    shell: &ProxySet,
    desktop: bool,
    profile: &HostProfile,
) -> Finding {
    let url = shell.preferred();
    let mut f = DAEMON_MISSING
        .finding(format!(
            "this shell uses the proxy {}, but the daemon has no proxy: pulls try to connect directly",
            url.map(ProxyUrl::shown).unwrap_or_default()
        ))
        .detail("Images are pulled by the daemon, a service that never sees the shell's variables (not even with `sudo -E`). Behind a proxy, the pull then times out: \"request canceled while waiting for connection\".");
    for var in Var::ALL {
        if let Some(v) = shell.get(var) {
            f = f.evidence(format!("shell {}", var.upper()), v);
        }
    }
    f.fix(set_daemon_proxy_fix(
        ctx,
        shell,
        desktop,
        profile,
        "Give the daemon the proxy",
    ))
}

/// The configuration on disk against what the running daemon reports.
async fn not_applied(ctx: &Context, running: &ProxySet) -> Option<Finding> {
    let configured = ctx.configured_proxy();
    if configured.is_empty() {
        return None;
    }
    let differs = |a: &Option<ProxyUrl>, b: &Option<ProxyUrl>| match (a, b) {
        (Some(a), Some(b)) => !a.same_proxy(b),
        (None, None) => false,
        _ => true,
    };
    let norm = |s: &Option<String>| {
        let mut v = no_proxy_entries(s.as_deref().unwrap_or(""));
        v.sort();
        v
    };
    if !differs(&configured.http, &running.http)
        && !differs(&configured.https, &running.https)
        && norm(&configured.no_proxy) == norm(&running.no_proxy)
    {
        return None;
    }
    let from_json = !crate::facts::proxy::daemon_json(&ctx.daemon_config().file).is_empty();
    let files = ctx.service_proxy().files.clone();
    // Does systemd's loaded unit already have it? Then only the restart is missing.
    let mut loaded: Option<bool> = None;
    if ctx.platform().systemd
        && !from_json
        && let Some(systemctl) = ctx.host().which("systemctl")
        && let Ok(out) = ctx
            .host()
            .run(
                &systemctl,
                &["show", "--property=Environment", "docker"],
                Duration::from_secs(2),
            )
            .await
        && out.status == Some(0)
    {
        let env = out.stdout;
        let want = configured.preferred().map(|u| u.address());
        loaded = Some(want.is_some_and(|w| env.contains(&w)));
    }
    let show = |s: &ProxySet, v: Var| s.get(v).unwrap_or_else(|| "(unset)".into());
    let mut f = NOT_APPLIED.finding(match loaded {
        Some(false) => "a proxy drop-in is on disk, but systemd has not reloaded the unit: the running daemon has none of it".to_string(),
        Some(true) => "systemd has the proxy drop-in, but the daemon was not restarted since".to_string(),
        None => "the proxy configured on disk differs from what the running daemon uses".to_string(),
    });
    f = f.detail("systemd keeps the old unit until `systemctl daemon-reload`, and a running dockerd keeps its environment until it is restarted. Writing the file alone changes nothing.");
    for file in &files {
        f = f.evidence("drop-in", file.display());
    }
    if from_json {
        f = f.evidence("daemon.json", ctx.daemon_config().path.display());
    }
    for var in [Var::Http, Var::Https, Var::NoProxy] {
        f = f
            .evidence(format!("configured {}", var.upper()), show(configured, var))
            .evidence(format!("running {}", var.upper()), show(running, var));
    }
    if let Some(l) = loaded {
        f = f.evidence("systemctl show Environment has it", l);
    }
    let systemd = ctx.profile().await.service_manager == ServiceManager::Systemd;
    let fix = if systemd {
        let fix = Fix::new(if loaded == Some(true) {
            "Restart the daemon"
        } else {
            "Reload systemd and restart the daemon"
        })
        .run("systemctl cat docker");
        if loaded == Some(true) {
            fix.service(ServiceAction::Restart)
        } else {
            fix.service(ServiceAction::ReloadAndRestart)
        }
        .run("systemctl show --property=Environment docker")
        .run(SHOW_PROXY)
    } else {
        Fix::new("Restart the daemon")
            .service(ServiceAction::Restart)
            .run(SHOW_PROXY)
    };
    Some(f.fix(fix.docs(DOCS)))
}

fn dropin_problem(file: &Path, problem: &DropInProblem) -> Finding {
    let path = file.display().to_string();
    match problem {
        DropInProblem::Specifier { line, variable } => SPECIFIER
            .finding(format!(
                "{path} line {line}: the `%` in {variable} makes systemd drop the line"
            ))
            .detail("systemd reads `%` as the start of a specifier (`%h`, `%n`...). An unknown one makes it log \"Failed to resolve specifiers\" and ignore the assignment: URL-encoded passwords (`%40` for `@`) are the usual cause.")
            .evidence("file", &path)
            .evidence("line", line)
            .fix(
                Fix::new("Write every `%` as `%%` in the drop-in, then reload")
                    // Idempotent: `%%` already written stays `%%`.
                    .run_root(argv![
                        "sed",
                        "-i",
                        format!("{line}{{s/%%/\\x01/g;s/%/%%/g;s/\\x01/%%/g}}"),
                        &path
                    ])
                    .service(ServiceAction::ReloadAndRestart)
                    .docs("https://www.freedesktop.org/software/systemd/man/latest/systemd.unit.html#Specifiers"),
            ),
        DropInProblem::NotExported { line, variable } => DROPIN_INVALID
            .finding(format!(
                "{path} line {line}: {variable} is set but not exported, so dockerd never sees it"
            ))
            .detail("The init script reads this file with `.`: a variable without `export` stays in the script's shell and is not passed to the dockerd it starts.")
            .evidence("file", &path)
            .evidence("line", line)
            .evidence("variable", variable)
            .fix(
                Fix::new(format!("Export {variable}, then restart the daemon"))
                    .run_root(argv![
                        "sed",
                        "-i",
                        format!("{line}s/^[[:space:]]*/export /"),
                        &path
                    ])
                    .service(ServiceAction::Restart)
                    .run(SHOW_PROXY),
            ),
        DropInProblem::NotADirective { line, variable } => DROPIN_INVALID
            .finding(format!(
                "{path} line {line}: {variable}= is not a systemd directive; systemd ignores the line (\"Unknown key name\")"
            ))
            .detail("In a unit file a variable is set through Environment=: Environment=\"HTTP_PROXY=http://proxy:3128\".")
            .evidence("file", &path)
            .evidence("line", line)
            .evidence("variable", variable)
            .fix(
                Fix::new("Make it an Environment= line, then reload")
                    .run_root(argv![
                        "sed",
                        "-i",
                        format!("{line}s/^[[:space:]]*/Environment=/"),
                        &path
                    ])
                    .service(ServiceAction::ReloadAndRestart)
                    .run(SHOW_PROXY),
            ),
        DropInProblem::NoServiceSection { line } => DROPIN_INVALID
            .finding(format!(
                "{path} line {line}: Environment= outside a [Service] section is ignored"
            ))
            .evidence("file", &path)
            .evidence("line", line)
            .fix(
                Fix::new("Put the Environment= lines under a [Service] header")
                    .manual(format!("Add a line `[Service]` at the top of {path}"))
                    .service(ServiceAction::ReloadAndRestart),
            ),
        DropInProblem::BadQuoting { line, text } => DROPIN_INVALID
            .finding(format!(
                "{path} line {line}: systemd cannot parse this assignment and ignores it"
            ))
            .detail("Each assignment must be NAME=value, the whole of it in double quotes when it has spaces: Environment=\"HTTP_PROXY=http://proxy:3128\".")
            .evidence("file", &path)
            .evidence("line", line)
            .evidence("text", text)
            .fix(
                Fix::new("Fix the quoting, then reload")
                    .manual(format!("Edit line {line} of {path}: Environment=\"NAME=value\""))
                    .service(ServiceAction::ReloadAndRestart),
            ),
    }
}

/// Whether the daemon's proxy answers, from the registry connections made through it.
async fn reachability(ctx: &Context) -> Vec<Finding> {
    let traces = ctx.registry_traces().await;
    let Some(rt) = traces.iter().find(|t| t.trace.proxy.is_some()) else {
        return Vec::new();
    };
    let t = &rt.trace;
    let proxy = t.proxy.clone().unwrap_or_default();
    let mut out = Vec::new();
    let dns_failed = t.dns.as_ref().filter(|d| {
        !matches!(d.resolver, DnsOutcome::Resolved { .. })
            && !matches!(d.system, Some(DnsOutcome::Resolved { .. }))
    });
    if let Some(d) = dns_failed {
        out.push(
            UNREACHABLE
                .finding(format!("the proxy host {} does not resolve", d.name))
                .detail("Every pull goes through this proxy, so none can work until its name resolves. A proxy name that only resolves on the corporate network (or VPN) fails elsewhere.")
                .evidence("proxy", &proxy)
                .evidence("dns", dns_text(&d.resolver))
                .fix(
                    name_lookup::look_up(Fix::new("Check the proxy name, or use its IP address"), &ctx.platform().os, &d.name)
                        .manual("Ask for the proxy address that works on this network, and set it where the daemon reads it (see proxy.daemon-missing for the drop-in)."),
                ),
        );
    } else if let Some(c) = &t.connect
        && !matches!(c.outcome, ConnectOutcome::Connected { .. })
    {
        let (what, addr) = match &c.outcome {
            ConnectOutcome::Refused { addr } => ("refuses connections", addr.clone()),
            ConnectOutcome::TimedOut { addr } => ("does not answer (timed out)", addr.clone()),
            ConnectOutcome::Failed { addr, message } => (message.as_str(), addr.clone()),
            ConnectOutcome::Connected { addr } => ("answered", addr.clone()),
        };
        out.push(
                UNREACHABLE
                    .finding(format!("the proxy {} {what}", c.to))
                    .evidence("proxy", &proxy)
                    .evidence("address", addr)
                    .evidence("connect_ms", c.ms)
                    .fix(
                        Fix::new("Check that the proxy is up and this is its port")
                            .run(argv!["curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}\\n", "-x", redacted_proxy_arg(&proxy), "https://registry-1.docker.io/v2/"])
                            .manual("If the proxy moved, update the daemon's HTTP_PROXY/HTTPS_PROXY and restart it."),
                    ),
            );
    }
    if let Some(tunnel) = &t.tunnel
        && let TunnelOutcome::Rejected {
            status: 407,
            reason,
        } = &tunnel.outcome
    {
        out.push(
                AUTH_REQUIRED
                    .finding(format!(
                        "the proxy answered 407 {reason}: it wants credentials"
                    ))
                    .detail("Put the user name and password in the proxy URL the daemon uses (http://user:password@proxy:port). Write a `%` in the password as `%%` in a systemd drop-in.")
                    .evidence("proxy", &proxy)
                    .fix(Fix::new("Add credentials to the daemon's proxy URL").manual(
                        "Where the daemon's proxy is set (see the proxy probe's fix for this host), use http://<user>:<password>@<proxy>:<port>, then restart the daemon."
                    ).service(ServiceAction::Restart)),
            );
    }
    out
}

fn redacted_proxy_arg(shown: &str) -> String {
    // Credentials are left out of a command that would show them.
    match shown.split_once("://") {
        Some((scheme, rest)) => format!(
            "{scheme}://{}",
            rest.rsplit_once('@').map(|(_, h)| h).unwrap_or(rest)
        ),
        None => shown.to_string(),
    }
}

pub fn dns_text(o: &DnsOutcome) -> String {
    match o {
        DnsOutcome::Resolved { addrs } => addrs.join(", "),
        DnsOutcome::NxDomain => "NXDOMAIN (no such name)".into(),
        DnsOutcome::NoRecords => "no address records".into(),
        DnsOutcome::ServFail => "SERVFAIL (server misbehaving)".into(),
        DnsOutcome::Refused => "refused".into(),
        DnsOutcome::TimedOut => "timed out".into(),
        DnsOutcome::Failed { message } => message.clone(),
    }
}
