//! `daemon`: does the daemon answer, and if not, exactly why: missing socket (not installed
//! or not started), stale socket, permission, hung daemon, API version out of range, a
//! daemon.json that keeps it from starting. When it answers: what it is and what it warns.

use super::Probe;
use super::daemon_forwarding as forwarding;
use super::daemon_remote as remote;
use super::daemon_start as start;
use crate::argv;
use crate::context::{Context, DaemonState};
use crate::facts::api_version::ApiVersion;
use crate::facts::daemon_config::{DaemonConfig, KeyFinding};
use crate::facts::daemon_keys::KeySupport;
use crate::facts::endpoint::{Endpoint, EndpointKind, Source};
use crate::facts::json_file::JsonFile;
use crate::facts::options_file;
use crate::facts::processes;
use crate::facts::profile::{HostProfile, ServiceManager};
use crate::host::ApiError;
use crate::model::{Finding, FindingKind, Fix, ServiceAction, Severity};
use crate::recipes::daemon_json::validated;
use crate::recipes::shell_env;
use async_trait::async_trait;
use bollard::models::{SystemInfo, SystemVersion};
use std::path::Path;

const OK: FindingKind = FindingKind::new("daemon.ok", Severity::Ok, "the daemon answers");
const NOT_INSTALLED: FindingKind = FindingKind::new(
    "daemon.not-installed",
    Severity::Error,
    "no daemon socket, and no Docker Engine installed",
);
const NOT_RUNNING: FindingKind = FindingKind::new(
    "daemon.not-running",
    Severity::Error,
    "Docker Engine is installed but not running (no socket)",
);
const SOCKET_STALE: FindingKind = FindingKind::new(
    "daemon.socket-stale",
    Severity::Error,
    "the socket file exists but nothing accepts connections on it",
);
const PERMISSION_DENIED: FindingKind = FindingKind::new(
    "daemon.permission-denied",
    Severity::Error,
    "permission denied on the daemon socket",
);
const NO_ANSWER: FindingKind = FindingKind::new(
    "daemon.no-answer",
    Severity::Error,
    "the daemon accepted the connection but did not answer in time (hung)",
);
const API_VERSION_PINNED: FindingKind = FindingKind::new(
    "daemon.api-version-pinned",
    Severity::Error,
    "DOCKER_API_VERSION asks for an API version the daemon does not support",
);
pub(super) const NOT_DOCKER: FindingKind = FindingKind::new(
    "daemon.not-docker",
    Severity::Error,
    "something answers at the endpoint, but not as a Docker daemon",
);
const ERROR_ANSWER: FindingKind = FindingKind::new(
    "daemon.error",
    Severity::Error,
    "the daemon answered with an error",
);
const UNCHECKED: FindingKind = FindingKind::new(
    "daemon.unchecked",
    Severity::Info,
    "this kind of endpoint is not checked by docker-doctor",
);
const INFO_FAILED: FindingKind = FindingKind::new(
    "daemon.info-failed",
    Severity::Warn,
    "the daemon answered `version` but not `info`",
);
const WARNINGS: FindingKind = FindingKind::new(
    "daemon.warnings",
    Severity::Warn,
    "the daemon reports warnings in `docker info`",
);
const CONFIG_INVALID: FindingKind = FindingKind::new(
    "daemon.config-invalid",
    Severity::Error,
    "daemon.json is not valid JSON (dockerd refuses to start)",
);
const CONFIG_UNREADABLE: FindingKind = FindingKind::new(
    "daemon.config-unreadable",
    Severity::Info,
    "daemon.json cannot be read by this user",
);
const CONFIG_UNKNOWN_KEY: FindingKind = FindingKind::new(
    "daemon.config-unknown-key",
    Severity::Warn,
    "daemon.json has a key dockerd does not know (it refuses to start)",
);
const CONFIG_CONFLICT: FindingKind = FindingKind::new(
    "daemon.config-conflict",
    Severity::Error,
    "a directive is set both in daemon.json and as a dockerd flag (dockerd refuses to start)",
);
const OPTIONS_INVALID: FindingKind = FindingKind::new(
    "daemon.options-invalid",
    Severity::Error,
    "the init script's options file is not valid shell (the script fails before dockerd starts)",
);

const KINDS: &[FindingKind] = &[
    OK,
    NOT_INSTALLED,
    NOT_RUNNING,
    SOCKET_STALE,
    PERMISSION_DENIED,
    NO_ANSWER,
    API_VERSION_PINNED,
    NOT_DOCKER,
    ERROR_ANSWER,
    UNCHECKED,
    INFO_FAILED,
    WARNINGS,
    CONFIG_INVALID,
    CONFIG_UNREADABLE,
    CONFIG_UNKNOWN_KEY,
    CONFIG_CONFLICT,
    OPTIONS_INVALID,
    remote::TLS_REQUIRED,
    remote::TLS_NOT_SPOKEN,
    remote::TLS_UNTRUSTED,
    remote::TLS_WRONG_NAME,
    remote::TLS_SERVER_VALIDITY,
    remote::TLS_CLIENT_REJECTED,
    remote::TLS_FAILED,
    remote::REMOTE_REFUSED,
    remote::REMOTE_UNRESOLVED,
    remote::SSH_UNREACHABLE,
    remote::SSH_KEY_REFUSED,
    remote::SSH_HOST_KEY,
    remote::SSH_REMOTE_DOCKER_MISSING,
    remote::SSH_REMOTE_DENIED,
    remote::SSH_REMOTE_DOWN,
    remote::SSH_FAILED,
    start::START_FAILED,
    forwarding::IP_FORWARD_OFF,
];

pub struct Daemon;

#[async_trait]
impl Probe for Daemon {
    fn id(&self) -> &'static str {
        "daemon"
    }
    fn title(&self) -> &'static str {
        "Docker daemon"
    }
    fn emits(&self) -> &'static [FindingKind] {
        KINDS
    }

    async fn run(&self, ctx: &Context) -> Vec<Finding> {
        let Some(state) = ctx.daemon().await else {
            // The endpoint probe names what is wrong with the setting.
            return vec![
                UNCHECKED
                    .finding("no usable daemon address to check")
                    .severity(Severity::Error)
                    .caused_by("endpoint"),
            ];
        };
        let up = state.answered();
        let profile = ctx.profile().await;
        let mut config = config_findings(ctx.daemon_config(), up, profile);
        config.extend(options_file_finding(ctx, up, profile));
        // A config that keeps dockerd from starting is the cause of "not running".
        let blocker = config
            .iter()
            .find(|f| f.severity == Severity::Error)
            .map(|f| f.id.clone());
        let mut findings = match &state.version {
            Ok(version) => healthy(ctx, state, version),
            Err(e) => {
                let mut f = unreachable(ctx, state, e, blocker.clone());
                let mut out = Vec::new();
                // Down, or its socket left behind: if the last start failed, why it did
                // is the cause, and "start it" again no fix.
                if blocker.is_none()
                    && matches!(e, ApiError::NotFound | ApiError::Refused)
                    && !state.endpoint.is_remote()
                    && crate::facts::engine::Engine::by_socket(&state.endpoint).is_none()
                    && let Some(cause) = start::finding(ctx).await
                {
                    // When this user's own daemon answers elsewhere, the system daemon's
                    // failed start is second to telling the CLI where that one is.
                    let cause = match f.caused_by.take() {
                        Some(c) => {
                            f.caused_by = Some(format!("{c}|{}", start::START_FAILED.id));
                            cause.caused_by(c)
                        }
                        None => {
                            f.caused_by = Some(start::START_FAILED.id.to_string());
                            cause
                        }
                    };
                    out.push(cause);
                }
                out.insert(0, f);
                out
            }
        };
        findings.append(&mut config);
        findings
    }
}

fn healthy(ctx: &Context, state: &DaemonState, v: &SystemVersion) -> Vec<Finding> {
    let mut out = Vec::new();
    let engine = crate::facts::engine::Engine::of(v, &state.endpoint);
    let server = engine.version(v).unwrap_or_else(|| "?".into());
    let api = v.api_version.clone().unwrap_or_else(|| "?".into());
    let mut ok = OK
        .finding(format!(
            "{} {server} ({}API {api}) answers at {}",
            engine.name(),
            if engine.is_moby() { "" } else { "Docker " },
            state.endpoint.url
        ))
        .evidence("endpoint", &state.endpoint.url)
        .evidence("engine", engine.name())
        .evidence("server_version", &server)
        .evidence("api_version", &api);
    if let Some(p) = v.platform.as_ref().filter(|p| !p.name.is_empty()) {
        ok = ok.evidence("platform", &p.name);
    }
    if let Some(min) = &v.min_api_version {
        ok = ok.evidence("min_api_version", min);
    }
    if let Some(os) = &v.os {
        ok = ok.evidence("os", format!("{os}/{}", v.arch.as_deref().unwrap_or("?")));
    }
    ok = ok.evidence("response_ms", state.elapsed.as_millis());

    if let Some(pinned) = pinned_api_problem(ctx, v) {
        out.push(pinned);
    }
    match &state.info {
        Some(Ok(info)) => {
            ok = describe(ok, info);
            out.insert(0, ok);
            let forwarding = forwarding::finding(ctx, state, engine, info);
            let warnings: Vec<String> = info
                .warnings
                .iter()
                .flatten()
                .filter(|w| forwarding.is_none() || !forwarding::is_its_warning(w))
                .cloned()
                .collect();
            out.extend(forwarding);
            if !warnings.is_empty() {
                let mut w =
                    WARNINGS.finding(format!("the daemon reports {} warning(s)", warnings.len()));
                for (i, text) in warnings.iter().enumerate() {
                    w = w.evidence(
                        format!("warning {}", i + 1),
                        text.trim_start_matches("WARNING: "),
                    );
                }
                out.push(w.fix(
                    Fix::new("Read each warning in the daemon's docs; most name the setting to change")
                        .run("docker info --format '{{range .Warnings}}{{println .}}{{end}}'")
                        .docs("https://docs.docker.com/engine/daemon/troubleshoot/"),
                ));
            }
        }
        Some(Err(e)) => {
            out.insert(0, ok);
            out.push(
                INFO_FAILED
                    .finding(format!(
                        "`info` failed at {}: {}",
                        state.endpoint.url,
                        describe_error(e)
                    ))
                    .evidence("endpoint", &state.endpoint.url),
            );
        }
        None => out.insert(0, ok),
    }
    out
}

fn describe(mut ok: Finding, info: &SystemInfo) -> Finding {
    let facts: [(&str, Option<String>); 8] = [
        ("operating_system", info.operating_system.clone()),
        ("kernel", info.kernel_version.clone()),
        ("storage_driver", info.driver.clone()),
        ("cgroup_version", info.cgroup_version.map(|c| c.to_string())),
        ("cgroup_driver", info.cgroup_driver.map(|c| c.to_string())),
        ("docker_root_dir", info.docker_root_dir.clone()),
        ("containers", info.containers.map(|c| c.to_string())),
        ("images", info.images.map(|c| c.to_string())),
    ];
    for (k, v) in facts {
        if let Some(v) = v.filter(|v| !v.is_empty()) {
            ok = ok.evidence(k, v);
        }
    }
    ok.evidence("rootless", crate::context::info_says_rootless(info))
}

/// `DOCKER_API_VERSION` makes the CLI and SDKs skip negotiation; out of the daemon's range
/// every command fails with "client version X is too new".
fn pinned_api_problem(ctx: &Context, v: &SystemVersion) -> Option<Finding> {
    let raw = ctx.host().env_nonempty("DOCKER_API_VERSION")?;
    let pinned = ApiVersion::parse(&raw)?;
    let max = v.api_version.as_deref().and_then(ApiVersion::parse)?;
    let min = v.min_api_version.as_deref().and_then(ApiVersion::parse);
    let (summary, export) = if pinned > max {
        (
            format!("DOCKER_API_VERSION={raw} but the daemon supports at most {max}"),
            max,
        )
    } else if let Some(min) = min.filter(|m| pinned < *m) {
        (
            format!("DOCKER_API_VERSION={raw} but the daemon needs at least {min}"),
            min,
        )
    } else {
        return None;
    };
    Some(
        API_VERSION_PINNED
            .finding(summary)
            .evidence("DOCKER_API_VERSION", &raw)
            .evidence("daemon_max", max)
            .detail("The docker CLI negotiates the API version by itself; a pinned DOCKER_API_VERSION turns that off for the CLI and for SDK-based tools.")
            .fix(
                shell_env::unset(Fix::new("Let the client negotiate"), &ctx.platform().os, &["DOCKER_API_VERSION"])
                    .manual("Remove the export from your shell profile or the tool's environment."),
            )
            .fix(shell_env::set(Fix::new("Pin a version the daemon supports"), &ctx.platform().os, "DOCKER_API_VERSION", &export.to_string())),
    )
}

fn unreachable(
    ctx: &Context,
    state: &DaemonState,
    e: &ApiError,
    blocker: Option<String>,
) -> Finding {
    let ep = &state.endpoint;
    let url = &ep.url;
    let r = ctx.endpoint();
    // A daemon over tcp is not this host's service to start or restart.
    if let Some(f) = remote::unreachable(ctx, state, e) {
        return f;
    }
    let f = match e {
        ApiError::NotFound => missing(ctx, ep, blocker),
        ApiError::Refused => {
            let f = SOCKET_STALE
                .finding(match &ep.kind {
                    EndpointKind::Unix(p) => format!("{} exists but nothing listens on it", p.display()),
                    _ => format!("connection to {url} refused"),
                })
                .evidence("endpoint", url)
                .detail("The daemon died or was killed and left its socket behind, or it is still starting up.");
            with_start_fix(ctx, f, true)
        }
        ApiError::PermissionDenied if matches!(state.endpoint.kind, EndpointKind::Npipe(_)) => {
            pipe_denied(ctx, url)
        }
        ApiError::PermissionDenied => PERMISSION_DENIED
            .finding(format!("permission denied connecting to {url}"))
            .evidence("endpoint", url)
            .evidence("user", &ctx.identity().user)
            .caused_by("socket"),
        ApiError::TimedOut => NO_ANSWER
            .finding(format!(
                "{url} accepted the connection but gave no answer within {} ms",
                state.elapsed.as_millis()
            ))
            .evidence("endpoint", url)
            .evidence("waited_ms", state.elapsed.as_millis())
            .detail("A hung daemon (deadlock, a stuck storage or network driver, an overloaded machine), or something that is not dockerd holding the socket.")
            .fix(
                Fix::new("Look at what the daemon is doing, then restart it")
                    .service(ServiceAction::Logs)
                    .run_root("pkill -USR1 -x dockerd")
                    .why("writes a goroutine dump to the daemon log")
                    .service(ServiceAction::Restart),
            ),
        ApiError::Server { status, message } => {
            if let Some(pinned) = ctx.host().env_nonempty("DOCKER_API_VERSION") {
                API_VERSION_PINNED
                    .finding(format!("the daemon refuses DOCKER_API_VERSION={pinned}: {message}"))
                    .evidence("DOCKER_API_VERSION", pinned)
                    .fix(shell_env::unset(Fix::new("Let the client negotiate"), &ctx.platform().os, &["DOCKER_API_VERSION"]))
            } else {
                ERROR_ANSWER
                    .finding(format!("{url} answered {status}: {message}"))
                    .evidence("endpoint", url)
                    .evidence("status", status)
                    .fix(Fix::new("Read the daemon log").service(ServiceAction::Logs))
            }
        }
        ApiError::Garbage(detail) => NOT_DOCKER
            .finding(format!("{url} answers, but not as the Docker API: {detail}"))
            .evidence("endpoint", url)
            .detail("Another service holds this address (a proxy, a web server, a different container engine build).")
            .fix(Fix::new("Check what listens there").run(match &ep.kind {
                EndpointKind::Unix(p) => argv!["curl", "-s", "--unix-socket", p.display(), "http://localhost/_ping"],
                EndpointKind::Tcp { address, .. } => argv!["curl", "-s", format!("http://{address}/_ping")],
                _ => argv!["docker", "context", "ls"],
            })),
        ApiError::Unsupported(what) => UNCHECKED
            .finding(format!("{what} is not checked directly; the CLI reaches it its own way"))
            .evidence("endpoint", url)
            .fix(Fix::new("Ask the CLI itself").run("docker info")),
        ApiError::Tls(t) => ERROR_ANSWER
            .finding(format!("TLS with {url} failed: {t:?}"))
            .evidence("endpoint", url),
        ApiError::NameNotResolved(m) => ERROR_ANSWER
            .finding(format!("{url} does not resolve: {m}"))
            .evidence("endpoint", url),
        ApiError::Ssh(s) => ERROR_ANSWER
            .finding(format!("ssh to {url} failed: {}", s.line))
            .evidence("endpoint", url),
        ApiError::Other(m) => ERROR_ANSWER
            .finding(format!("cannot talk to {url}: {m}"))
            .evidence("endpoint", url),
    };
    // A hand-set address is a likely cause: let the endpoint probe speak to it.
    if r.source != Source::Default
        && f.caused_by.is_none()
        && !matches!(e, ApiError::PermissionDenied)
    {
        f.caused_by("endpoint")
    } else if r.source == Source::Default
        && f.caused_by.is_none()
        && matches!(e, ApiError::NotFound | ApiError::Refused)
    {
        // This user's own daemon answers elsewhere: telling the CLI is the fix, not
        // starting the system's (the endpoint probe says so, or nothing is dropped).
        f.caused_by("endpoint.elsewhere")
    } else {
        f
    }
}

/// Windows: Docker Desktop opens its engine's pipe to the local group `docker-users`
/// (and to administrators). A member added since this sign-in has it only after the next.
fn pipe_denied(ctx: &Context, url: &str) -> Finding {
    let id = ctx.identity();
    let user = id.user.clone();
    let known = !id.account_groups.is_empty();
    let member = id
        .account_groups
        .iter()
        .any(|g| g.name.eq_ignore_ascii_case("docker-users"));
    let why = if known && !member {
        format!(": {user} is not in the docker-users group")
    } else if member {
        format!(
            ": {user} is in docker-users, so this sign-in predates it (or the pipe belongs to an engine started elevated)"
        )
    } else {
        String::new()
    };
    let groups: Vec<&str> = id.account_groups.iter().map(|g| g.name.as_str()).collect();
    let f = PERMISSION_DENIED
        .finding(format!("permission denied on {url}{why}"))
        .evidence("endpoint", url)
        .evidence("user", &user)
        .evidence("groups", groups.join(", "));
    let sign_in_again = "Sign out of Windows and sign in again (or restart): a new group applies to new sign-ins only.";
    let add =
        |title: String| {
            Fix::new(title)
            .powershell(
                argv!["Add-LocalGroupMember", "-Group", "docker-users", "-Member", &user],
                true,
            )
            .manual(sign_in_again)
            .docs("https://docs.docker.com/desktop/setup/install/windows-permission-requirements/")
        };
    if member {
        f.fix(Fix::new("Sign in again").manual(sign_in_again))
    } else if known {
        f.fix(add(format!(
            "Add {user} to docker-users (elevated PowerShell), then sign in again"
        )))
    } else {
        f.fix(add("Be in docker-users, then sign in again".into()))
    }
}

/// `docker desktop <verb>` (Docker Desktop 4.37+), in PowerShell on Windows.
fn desktop_cli(mut fix: Fix, os: &str, verbs: &[&str]) -> Fix {
    for verb in verbs {
        let argv = argv!["docker", "desktop", *verb];
        fix = if os == "windows" {
            fix.powershell(argv, false)
        } else {
            fix.run(argv)
        };
    }
    fix
}

/// No socket: tell "not installed" from "not started", and a config that stops it starting.
fn missing(ctx: &Context, ep: &Endpoint, blocker: Option<String>) -> Finding {
    let host = ctx.host();
    let platform = ctx.platform();
    let url = &ep.url;
    // On macOS /var/run/docker.sock is Docker Desktop's link to its own socket.
    let linked_to_desktop = ep
        .socket_path()
        .and_then(|p| host.read_link(p))
        .filter(|target| Endpoint::unix(target).is_docker_desktop());
    let desktop_endpoint = matches!(ep.kind, EndpointKind::Npipe(_))
        || ep.is_docker_desktop()
        || linked_to_desktop.is_some();
    if desktop_endpoint {
        let linked;
        let url = match (&linked_to_desktop, ep.socket_path()) {
            (Some(target), Some(link)) => {
                linked = format!("{} (linked from {})", target.display(), link.display());
                &linked
            }
            _ => url,
        };
        let what = if matches!(ep.kind, EndpointKind::Npipe(_)) {
            "named pipe"
        } else {
            "socket"
        };
        let desktop = processes::list(host).map(|p| processes::desktop(&p));
        let mut f = match &desktop {
            Some(d) if d.running() => NOT_RUNNING
                .finding(format!(
                    "Docker Desktop is running (pid {}), but its engine is not: the {what} {url} does not exist",
                    d.app.or(d.backend).unwrap_or(0)
                ))
                .detail("The app starts the engine in its own VM; while it starts, or when the VM failed (WSL 2 or the Virtual Machine Platform on Windows, disk or memory), the engine's endpoint is missing.")
                .fix(
                    desktop_cli(Fix::new("Wait for \"Engine running\", or restart Docker Desktop"), &platform.os, &["status", "restart"])
                        .manual("Without the desktop command (before Docker Desktop 4.37): Docker Desktop's menu, Troubleshoot, Restart.")
                        .docs("https://docs.docker.com/desktop/troubleshoot-and-support/troubleshoot/"),
                ),
            _ => NOT_RUNNING
                .finding(match desktop {
                    Some(_) => format!("Docker Desktop is not running: no Docker Desktop process, and its {what} {url} does not exist"),
                    None if what == "socket" => format!("Docker Desktop is not running: its socket {url} does not exist"),
                    None => format!("{url} does not exist: Docker Desktop (or the engine service) is not running"),
                })
                .fix(
                    desktop_cli(Fix::new("Start Docker Desktop"), &platform.os, &["start"])
                        .manual(if platform.os == "windows" {
                            "Before Docker Desktop 4.37 (no desktop command): start Docker Desktop from the Start menu and wait until it says Engine running."
                        } else {
                            "Before Docker Desktop 4.37 (no desktop command): open Docker Desktop (macOS: Applications; Linux: systemctl --user start docker-desktop) and wait until it says Engine running."
                        })
                        .docs("https://docs.docker.com/desktop/"),
                ),
        };
        f = f.evidence("endpoint", url);
        if let Some(d) = &desktop {
            f = f
                .evidence(
                    "desktop_app_pid",
                    d.app.map_or("none".to_string(), |p| p.to_string()),
                )
                .evidence(
                    "desktop_backend_pid",
                    d.backend.map_or("none".to_string(), |p| p.to_string()),
                );
        }
        // When WSL says why (the engine's distro stopped, WSL missing), that comes first.
        if what == "named pipe" {
            f = f.caused_by("wsl.desktop-distro-stopped|wsl.vm-platform-missing|wsl.not-installed");
        }
        return f;
    }
    // Podman's socket, or a VM app's: started with that engine's own command.
    if let Some(engine) = crate::facts::engine::Engine::by_socket(ep)
        && engine != crate::facts::engine::Engine::DockerDesktop
    {
        return NOT_RUNNING
            .finding(format!(
                "{}'s socket {url} does not exist: its API service is not running",
                engine.name()
            ))
            .evidence("endpoint", url)
            .evidence("engine", engine.name())
            .fix(
                Fix::new(format!("Start {}'s API socket", engine.name()))
                    .service(ServiceAction::Start)
                    .service(ServiceAction::Status),
            );
    }
    if ctx.is_rootless_endpoint() {
        let f = NOT_RUNNING
            .finding(format!("the rootless daemon's socket {url} does not exist"))
            .evidence("endpoint", url)
            .fix(
                Fix::new("Start the rootless daemon")
                    .service(ServiceAction::Start)
                    .run_root(argv!["loginctl", "enable-linger", ctx.identity().user])
                    .why("keep it running without a login session")
                    .docs("https://docs.docker.com/engine/security/rootless/"),
            );
        return match blocker {
            Some(b) => f.caused_by(b),
            None => f,
        };
    }
    let installed = ["dockerd", "docker-init"]
        .iter()
        .any(|p| host.which(p).is_some())
        || [
            "/usr/bin/dockerd",
            "/usr/sbin/dockerd",
            "/usr/local/bin/dockerd",
        ]
        .iter()
        .any(|p| host.exists(Path::new(p)))
        || ctx.daemon_config().service.exists();
    if !installed {
        return NOT_INSTALLED
            .finding(format!("{url} does not exist and Docker Engine (dockerd) is not installed"))
            .evidence("endpoint", url)
            .detail("The docker CLI alone is only a client; it needs a daemon (Docker Engine, Docker Desktop, or a remote host).")
            // In WSL the socket comes from Docker Desktop's integration.
            .caused_by("wsl.desktop-integration-off|cli")
            .fix(
                Fix::new("Install Docker Engine")
                    .manual("Install the engine for your distribution (see the cli probe's install steps, or the docs).")
                    .docs("https://docs.docker.com/engine/install/"),
            );
    }
    let f = NOT_RUNNING
        .finding(format!(
            "Docker Engine is installed but not running: {url} does not exist"
        ))
        .evidence("endpoint", url)
        .evidence(
            "init",
            if platform.systemd {
                "systemd"
            } else {
                "no systemd"
            },
        );
    let f = with_start_fix(ctx, f, false);
    match blocker {
        Some(b) => f.caused_by(b),
        None => f,
    }
}

fn with_start_fix(ctx: &Context, f: Finding, restart: bool) -> Finding {
    let platform = ctx.platform();
    let fix = Fix::new(if restart {
        "Restart the daemon and read why it stopped"
    } else {
        "Start the daemon"
    })
    .service(if restart {
        ServiceAction::Restart
    } else {
        ServiceAction::Start
    })
    .service(ServiceAction::Status)
    .service(ServiceAction::Logs);
    let fix = if platform.wsl && !platform.systemd {
        fix.note("Under WSL without systemd, `systemctl` cannot start services; use `service`, or enable systemd in /etc/wsl.conf.")
    } else {
        fix
    };
    f.fix(fix.docs("https://docs.docker.com/engine/daemon/start/"))
}

fn describe_error(e: &ApiError) -> String {
    match e {
        ApiError::NotFound => "no such socket".into(),
        ApiError::PermissionDenied => "permission denied".into(),
        ApiError::Refused => "connection refused".into(),
        ApiError::TimedOut => "no answer in time".into(),
        ApiError::Server { status, message } => format!("{status}: {message}"),
        ApiError::Garbage(d) => format!("unexpected answer: {d}"),
        ApiError::Unsupported(w) => format!("not checked: {w}"),
        ApiError::Tls(t) => format!("TLS failed: {t:?}"),
        ApiError::NameNotResolved(m) => m.clone(),
        ApiError::Ssh(s) => s.line.clone(),
        ApiError::Other(m) => m.clone(),
    }
}

/// Findings about daemon.json. Severity follows reality: a daemon that is up proves the file
/// did not stop it (yet); it will at the next restart.
/// Why dockerd refuses a key, in a few words.
fn key_reason(k: &KeyFinding, engine: Option<(u32, u32)>) -> String {
    let this = engine
        .map(|v| format!("this Engine is {}.{}", v.0, v.1))
        .unwrap_or_else(|| "this Engine".into());
    match k.support {
        KeySupport::NotYet { since } => {
            format!(
                "\"{}\" (Engine {}.{} and later; {this})",
                k.key, since.0, since.1
            )
        }
        KeySupport::Removed { in_version } => format!(
            "\"{}\" (removed in Engine {}.{}; {this})",
            k.key, in_version.0, in_version.1
        ),
        _ => format!("\"{}\" (no Engine release knows it)", k.key),
    }
}

/// The init script sources its options file with `.`: a quote left open there ends the
/// script with a syntax error, so dockerd is never started (and `DOCKER_OPTS` never read).
fn options_file_finding(ctx: &Context, daemon_up: bool, profile: &HostProfile) -> Option<Finding> {
    let path = profile.options_file()?;
    let text = ctx.host().read_text(Path::new(path)).ok()?;
    let line = options_file::parse(&text).unterminated_quote?;
    let mut f = OPTIONS_INVALID
        .finding(format!(
            "{path} line {line}: a quote opened here is never closed; sh stops at this file, so the init script fails before dockerd starts"
        ))
        .evidence("file", path)
        .evidence("line", line)
        .detail("The init script reads the file with `.`; sh reports \"Syntax error: Unterminated quoted string\" and the script exits, so `service docker start` starts nothing.")
        .fix(
            Fix::new(format!("Close the quote on line {line} of {path}, then check the file"))
                .manual(format!("Edit line {line} of {path}: every \" and ' needs its closing one."))
                .run(argv!["sh", "-n", path])
                .service(if daemon_up { ServiceAction::Restart } else { ServiceAction::Start }),
        );
    if daemon_up {
        f = f
            .severity(Severity::Warn)
            .detail("The running daemon started before this change; the next restart will fail.");
    }
    Some(f)
}

fn config_findings(c: &DaemonConfig, daemon_up: bool, profile: &HostProfile) -> Vec<Finding> {
    let engine = profile.engine;
    let path = c.path.display().to_string();
    let later = |f: Finding| {
        if daemon_up {
            f.severity(Severity::Warn)
                .detail("The running daemon started before this change; it will refuse to start at its next restart.")
        } else {
            f
        }
    };
    let validate = |fix: Fix| validated(fix, engine, &path);
    let mut out = Vec::new();
    match &c.file {
        JsonFile::Invalid(e) => out.push(later(
            CONFIG_INVALID
                .finding(format!("{path} is not valid JSON: line {}, column {}: {}", e.line, e.column, e.message))
                .evidence("file", &path)
                .evidence("line", e.line)
                .evidence("column", e.column)
                .fix(
                    validate(Fix::new(format!("Repair {path} at line {}", e.line))
                        .run(argv!["python3", "-m", "json.tool", &path])
                        .manual("Fix the reported position (a trailing comma, an empty file: write {}, HTML saved instead of JSON)."))
                        .service(ServiceAction::Restart),
                ),
        )),
        JsonFile::Unreadable { error } => out.push(
            CONFIG_UNREADABLE
                .finding(format!("{path} cannot be read ({error}); its settings are not checked"))
                .evidence("file", &path)
                .fix(Fix::new("Check it as root").run_root(argv!["python3", "-m", "json.tool", &path])),
        ),
        JsonFile::Missing | JsonFile::Loaded(_) => {}
    }
    let wrong_types = c.type_errors();
    if !wrong_types.is_empty() {
        out.push(later(
            CONFIG_INVALID
                .finding(format!("{path}: {}", wrong_types.join("; ")))
                .evidence("file", &path)
                .detail("The file is valid JSON, but dockerd decodes each key into a fixed type and refuses to start on the first that does not fit (\"json: cannot unmarshal … into Go struct field Config\").")
                .fix(
                    validate(Fix::new("Give each key its type")
                        .manual(format!("In {path}: {}.", wrong_types.join("; "))))
                        .service(ServiceAction::Restart)
                        .docs("https://docs.docker.com/reference/cli/dockerd/#daemon-configuration-file"),
                ),
        ));
    }
    let keys = c.key_findings(engine);
    let stopping: Vec<&KeyFinding> = keys.iter().filter(|k| k.support.stops_dockerd()).collect();
    if !stopping.is_empty() {
        let names: Vec<&str> = stopping.iter().map(|k| k.key.as_str()).collect();
        let why: Vec<String> = stopping.iter().map(|k| key_reason(k, engine)).collect();
        let mut f = CONFIG_UNKNOWN_KEY
            .finding(format!(
                "{path} has key(s) this dockerd does not accept: {}",
                why.join("; ")
            ))
            .severity(if daemon_up { Severity::Warn } else { Severity::Error })
            .evidence("file", &path)
            .evidence("keys", names.join(", "))
            .detail("dockerd refuses to start with \"the following directives don't match any configuration option\" (or, for a removed option, names it). Keys are checked against the Engine release that reads the file.")
            .fix(
                validate(Fix::new("Remove or correct the key, then validate")
                    .manual(format!("Remove or correct {} in {path}.", names.join(", "))))
                    .service(ServiceAction::Restart)
                    .docs("https://docs.docker.com/reference/cli/dockerd/#daemon-configuration-file"),
            );
        if let Some(v) = engine {
            f = f.evidence("engine", format!("{}.{}", v.0, v.1));
        }
        out.push(f);
    }
    for k in keys
        .iter()
        .filter(|k| matches!(k.support, KeySupport::FlagOnly { .. }))
    {
        let KeySupport::FlagOnly { file_key } = k.support else {
            continue;
        };
        out.push(
            CONFIG_UNKNOWN_KEY
                .finding(match file_key {
                    Some(fk) => format!("{path}: \"{}\" is a dockerd flag's name, not a configuration key: dockerd ignores it; write \"{fk}\"", k.key),
                    None => format!("{path}: \"{}\" is a dockerd flag's name, not a configuration key: dockerd ignores it", k.key),
                })
                .severity(Severity::Warn)
                .evidence("file", &path)
                .evidence("key", &k.key)
                .fix(
                    validate(Fix::new(match file_key {
                        Some(fk) => format!("Rename \"{}\" to \"{fk}\"", k.key),
                        None => format!("Remove \"{}\" and set it as a flag instead", k.key),
                    }).manual(format!("Edit {path}.")))
                    .service(ServiceAction::Restart),
                ),
        );
    }
    for conflict in &c.conflicts {
        let from = if c.flags_from.is_empty() {
            "the daemon's command line".to_string()
        } else {
            c.flags_from.clone()
        };
        let mut f = CONFIG_CONFLICT
            .finding(format!(
                "{} is set in {path} and as {} {} in {from}",
                conflict.key, conflict.flag, conflict.flag_value
            ))
            .evidence("file", &path)
            .evidence("key", &conflict.key)
            .evidence("file_value", &conflict.file_value)
            .evidence("flag", format!("{} {}", conflict.flag, conflict.flag_value))
            .evidence("flags_from", &from)
            .detail("dockerd refuses to start: \"the following directives are specified both as a flag and in the configuration file\".");
        match &profile.service_manager {
            ServiceManager::Systemd => {
                if let Some(exec) = &c.service.exec_start {
                    let kept = without_flag(exec, &conflict.flag);
                    f = f.fix(
                        Fix::new(format!(
                            "Drop {} from the service so daemon.json decides",
                            conflict.flag
                        ))
                        .write_file(
                            "/etc/systemd/system/docker.service.d/override.conf",
                            format!("[Service]\nExecStart=\nExecStart={}\n", kept.join(" ")),
                        )
                        .service(ServiceAction::ReloadAndRestart),
                    );
                }
            }
            ServiceManager::InitScript { options_file, .. } => {
                f = f.fix(
                    Fix::new(format!(
                        "Drop {} from DOCKER_OPTS so daemon.json decides",
                        conflict.flag
                    ))
                    .manual(format!(
                        "Edit DOCKER_OPTS in {options_file}: remove {} {}.",
                        conflict.flag, conflict.flag_value
                    ))
                    .service(ServiceAction::Restart),
                );
            }
            _ => {}
        }
        f = f.fix(
            Fix::new(format!(
                "Remove \"{}\" from {path} and keep the flag",
                conflict.key
            ))
            .manual(format!("Remove \"{}\" from {path}.", conflict.key))
            .service(ServiceAction::Restart),
        );
        out.push(if daemon_up {
            f.severity(Severity::Warn)
        } else {
            f
        });
    }
    out
}

/// The command line without one flag and its value.
fn without_flag(args: &[String], flag: &str) -> Vec<String> {
    let short = match flag {
        "--host" => Some("-H"),
        _ => None,
    };
    let mut out = Vec::new();
    let mut skip = false;
    for a in args {
        if skip {
            skip = false;
            continue;
        }
        let is = |f: &str| {
            a == f
                || a.starts_with(&format!("{f}="))
                || (f.len() == 2 && a.starts_with(f) && a.len() > 2)
        };
        if is(flag) || short.is_some_and(is) {
            skip = !a.contains('=') && (a == flag || Some(a.as_str()) == short);
            continue;
        }
        out.push(a.clone());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::systemd::split_command;

    #[test]
    fn removes_a_flag_in_all_its_spellings() {
        let args =
            split_command("/usr/bin/dockerd -H fd:// --host=tcp://x --containerd=/run/c.sock");
        assert_eq!(
            without_flag(&args, "--host"),
            vec!["/usr/bin/dockerd", "--containerd=/run/c.sock"]
        );
    }
}
