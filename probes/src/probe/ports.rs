//! `ports`: before `docker run -p 8080:80` or `docker compose up` fails with "port is
//! already allocated" or "address already in use", say who holds each port the user wants
//! (`--port`, `--compose`, or `./compose.yaml`): a container (through the API), a process
//! (pid, name, command line, from procfs), or a uid when the process is not visible; and
//! the nearest free port, as the exact `-p` to type. On Windows and in WSL, ports inside a
//! range Windows reserves; in rootless mode, ports below the unprivileged limit.

use super::Probe;
use crate::argv;
use crate::context::Context;
use crate::facts::compose::{self, ComposeFile};
use crate::facts::listeners::{self, Listener};
use crate::facts::wsl::parse_excluded_ranges;
use crate::model::{Finding, FindingKind, Fix, ServiceAction, Severity};
use async_trait::async_trait;
use bollard::models::ContainerSummary;
use std::net::IpAddr;
use std::path::Path;
use std::time::Duration;

const FREE: FindingKind = FindingKind::new("ports.free", Severity::Ok, "the port is free");
const BY_CONTAINER: FindingKind = FindingKind::new(
    "ports.in-use-container",
    Severity::Error,
    "a running container already publishes the port (\"port is already allocated\")",
);
const BY_PROCESS: FindingKind = FindingKind::new(
    "ports.in-use-process",
    Severity::Error,
    "a process on this machine listens on the port (\"address already in use\")",
);
const BY_UID: FindingKind = FindingKind::new(
    "ports.in-use-uid",
    Severity::Error,
    "the port is taken by another user's process (run with sudo to name it)",
);
const STALE: FindingKind = FindingKind::new(
    "ports.stale-allocation",
    Severity::Error,
    "docker-proxy holds the port for a container that no longer runs",
);
const DUPLICATE: FindingKind = FindingKind::new(
    "ports.duplicate",
    Severity::Error,
    "two services of the Compose file publish the same host port",
);
const EXCLUDED: FindingKind = FindingKind::new(
    "ports.excluded-range",
    Severity::Error,
    "Windows reserves the port (Hyper-V / WinNAT excluded range)",
);
const PRIVILEGED: FindingKind = FindingKind::new(
    "ports.privileged-rootless",
    Severity::Error,
    "rootless Docker cannot publish a port below the unprivileged limit",
);
const COMPOSE_INVALID: FindingKind = FindingKind::new(
    "ports.compose-invalid",
    Severity::Warn,
    "the Compose file cannot be read as YAML",
);
const BAD_SPEC: FindingKind = FindingKind::new(
    "ports.bad-spec",
    Severity::Warn,
    "a --port value that is not PORT or HOST_PORT:CONTAINER_PORT",
);
const PUBLISHED: FindingKind = FindingKind::new(
    "ports.published",
    Severity::Info,
    "host ports that running containers publish",
);

const NOT_CHECKED: FindingKind = FindingKind::new(
    "ports.not-checked",
    Severity::Info,
    "more ports were asked for than one run checks: the rest are named, not checked",
);

/// The most distinct host ports one run checks: far above a real Compose project, far
/// below a generated file with thousands (each check scans the socket table).
const PORTS_CAP: usize = 256;
/// The most ports reported as published by several services.
const DUPLICATES_CAP: usize = 64;
/// The most services named in one finding.
const SERVICES_SHOWN: usize = 10;

const KINDS: &[FindingKind] = &[
    NOT_CHECKED,
    FREE,
    BY_CONTAINER,
    BY_PROCESS,
    BY_UID,
    STALE,
    DUPLICATE,
    EXCLUDED,
    PRIVILEGED,
    COMPOSE_INVALID,
    BAD_SPEC,
    PUBLISHED,
];

/// How far above a taken port to look for a free one.
const SEARCH: u16 = 200;

pub struct Ports;

/// A host port the user wants, and where the wish comes from.
#[derive(Debug, Clone)]
struct Wanted {
    host_port: u16,
    container_port: u16,
    host_ip: Option<IpAddr>,
    /// `--port` or `compose.yaml service web`.
    source: String,
    service: Option<String>,
    /// The Compose project (the file's folder name), to know our own containers.
    project: Option<String>,
}

#[async_trait]
impl Probe for Ports {
    fn id(&self) -> &'static str {
        "ports"
    }

    fn title(&self) -> &'static str {
        "Host ports to publish: free, or held by whom"
    }

    fn emits(&self) -> &'static [FindingKind] {
        KINDS
    }

    async fn run(&self, ctx: &Context) -> Vec<Finding> {
        let mut out = Vec::new();
        let mut wanted = Vec::new();
        for spec in &ctx.options().ports {
            match parse_spec(spec) {
                Some((h, c)) => wanted.push(Wanted {
                    host_port: h,
                    container_port: c,
                    host_ip: None,
                    source: "--port".into(),
                    service: None,
                    project: None,
                }),
                None => out.push(
                    BAD_SPEC
                        .finding(format!(
                            "--port {spec:?} is not PORT or HOST_PORT:CONTAINER_PORT"
                        ))
                        .evidence("value", spec),
                ),
            }
        }
        let cwd = ctx.host().cwd();
        let path = compose::locate(ctx.host(), ctx.options().compose.as_deref(), cwd.as_deref());
        match compose::load(ctx.host(), path) {
            ComposeFile::Loaded { path, ports } => {
                let file = path.display().to_string();
                let project = path
                    .parent()
                    .and_then(|d| d.file_name())
                    .map(|n| n.to_string_lossy().to_lowercase());
                for p in ports.into_iter().filter(|p| p.protocol == "tcp") {
                    wanted.push(Wanted {
                        host_port: p.host_port,
                        container_port: p.container_port,
                        host_ip: p.host_ip.as_deref().and_then(|s| s.parse().ok()),
                        source: format!("{file} service {}", p.service),
                        service: Some(p.service),
                        project: project.clone(),
                    });
                }
                out.extend(duplicates(&wanted, &file));
            }
            ComposeFile::Invalid { path, error } | ComposeFile::Unreadable { path, error } => {
                out.push(
                    COMPOSE_INVALID
                        .finding(format!("{} cannot be read: {error}", path.display()))
                        .evidence("file", path.display())
                        .fix(Fix::new("Let Compose say what is wrong").run(argv![
                            "docker",
                            "compose",
                            "-f",
                            path.display(),
                            "config"
                        ])),
                );
            }
            ComposeFile::Absent => {}
        }

        // The socket tables are the costly part of a run (the kernel walks its whole TCP
        // hash for /proc/net/tcp): read them only when there is a port to check.
        let checking = !wanted.is_empty();
        let listening = if checking {
            listeners::listening(ctx.host())
        } else {
            Vec::new()
        };
        let containers = match ctx.containers().await {
            Ok(c) => c.clone(),
            Err(_) => Vec::new(),
        };
        let excluded = if checking {
            excluded_ranges(ctx).await
        } else {
            Vec::new()
        };
        let unprivileged_start = if checking && ctx.daemon_is_rootless().await {
            Some(
                ctx.host()
                    .read_text(Path::new("/proc/sys/net/ipv4/ip_unprivileged_port_start"))
                    .ok()
                    .and_then(|s| s.trim().parse::<u16>().ok())
                    .unwrap_or(1024),
            )
        } else {
            None
        };
        let taken = Taken {
            listening: &listening,
            containers: &containers,
            excluded: &excluded,
            wanted: &wanted,
            unprivileged_start,
        };

        let mut seen = std::collections::HashSet::new();
        let mut skipped = 0usize;
        for w in &wanted {
            if !seen.insert((w.host_port, w.host_ip)) {
                continue;
            }
            if seen.len() > PORTS_CAP {
                skipped += 1;
                continue;
            }
            let subject = w.host_port.to_string();
            let found = check(ctx, w, &taken);
            out.extend(found.into_iter().map(|f| f.subject(subject.clone())));
        }
        if skipped > 0 {
            out.push(NOT_CHECKED.finding(format!(
                "{} host ports were asked for: the first {PORTS_CAP} are checked, and {skipped} more are not",
                PORTS_CAP + skipped
            )));
        }

        let published: Vec<String> = containers
            .iter()
            .flat_map(|c| {
                let name = container_name(c);
                c.ports.iter().flatten().filter_map(move |p| {
                    p.public_port.map(|pp| {
                        format!(
                            "{}:{pp}->{} ({name})",
                            p.ip.as_deref().unwrap_or("*"),
                            p.private_port
                        )
                    })
                })
            })
            .collect();
        if !published.is_empty() {
            let mut f = PUBLISHED.finding(format!(
                "running containers publish {} host port(s)",
                published.len()
            ));
            for p in &published {
                f = f.evidence("published", p);
            }
            out.push(f);
        }
        if wanted.is_empty() && out.is_empty() {
            out.push(
                FREE.finding("no ports to check: give --port PORT or --compose FILE (or run in a folder with compose.yaml)"),
            );
        }
        out
    }
}

/// `8080` (the same port inside) or `8080:80`.
fn parse_spec(spec: &str) -> Option<(u16, u16)> {
    match spec.split_once(':') {
        Some((h, c)) => Some((h.trim().parse().ok()?, c.trim().parse().ok()?)),
        None => {
            let p = spec.trim().parse().ok()?;
            Some((p, p))
        }
    }
    .filter(|(h, c)| *h > 0 && *c > 0)
}

/// Everything that makes a host port unusable.
struct Taken<'a> {
    listening: &'a [Listener],
    containers: &'a [ContainerSummary],
    excluded: &'a [(u16, u16)],
    wanted: &'a [Wanted],
    unprivileged_start: Option<u16>,
}

impl Taken<'_> {
    fn listeners_on(&self, port: u16, ip: Option<IpAddr>) -> Vec<&Listener> {
        self.listening
            .iter()
            .filter(|l| l.port == port)
            .filter(|l| match ip {
                // Binding a specific address conflicts with that address and the wildcard.
                Some(ip) if !ip.is_unspecified() => l.addr == ip || l.addr.is_unspecified(),
                _ => true,
            })
            .collect()
    }

    fn container_on(&self, port: u16) -> Option<&ContainerSummary> {
        self.containers.iter().find(|c| {
            c.ports
                .iter()
                .flatten()
                .any(|p| p.public_port == Some(port))
        })
    }

    fn excluded_range(&self, port: u16) -> Option<(u16, u16)> {
        self.excluded
            .iter()
            .copied()
            .find(|(a, b)| (*a..=*b).contains(&port))
    }

    fn is_free(&self, port: u16, wanted_port: u16) -> bool {
        self.listeners_on(port, None).is_empty()
            && self.container_on(port).is_none()
            && self.excluded_range(port).is_none()
            && self.unprivileged_start.is_none_or(|s| port >= s)
            && !self
                .wanted
                .iter()
                .any(|w| w.host_port == port && w.host_port != wanted_port)
    }

    /// The nearest free port above `port`.
    fn nearest_free(&self, port: u16) -> Option<u16> {
        let start = match self.unprivileged_start {
            // 80 -> 8080, 443 -> 8443: what people pick for rootless.
            Some(s) if port < s => port.saturating_add(8000),
            _ => port.saturating_add(1),
        };
        (start..=start.saturating_add(SEARCH)).find(|p| self.is_free(*p, port))
    }
}

fn check(ctx: &Context, w: &Wanted, taken: &Taken) -> Vec<Finding> {
    let port = w.host_port;
    let mut out = Vec::new();
    let suggestion = taken.nearest_free(port);
    // Another port is the least invasive way out: offered first.
    let alt = |f: Finding| -> Finding {
        match suggestion {
            Some(p) => {
                let mut f = f.evidence("nearest free port", p);
                f.fixes.insert(0, use_port_fix(w, p));
                f
            }
            None => f,
        }
    };

    if let Some(s) = taken.unprivileged_start
        && port < s
    {
        out.push(alt(PRIVILEGED
            .finding(format!(
                "rootless Docker cannot publish port {port}: ports below {s} need privileges (net.ipv4.ip_unprivileged_port_start)"
            ))
            .detail("Rootless Docker binds published ports as your user, and the kernel forbids that below net.ipv4.ip_unprivileged_port_start. This is a host setting, not a container one.")
            .evidence("source", &w.source)
            .evidence("ip_unprivileged_port_start", s)
            .fix(
                Fix::new(format!("Allow unprivileged binds from port {port}"))
                    .write_file("/etc/sysctl.d/99-rootless-ports.conf", format!("net.ipv4.ip_unprivileged_port_start={port}\n"))
                    .run_root("sysctl --system")
                    .docs("https://docs.docker.com/engine/security/rootless/troubleshoot/"),
            )));
    }

    if let Some((a, b)) = taken.excluded_range(port) {
        out.push(alt(EXCLUDED
            .finding(format!(
                "port {port} is inside the range {a}-{b} that Windows reserves: \"An attempt was made to access a socket in a way forbidden by its access permissions\""
            ))
            .detail("Hyper-V and WinNAT reserve blocks of ports at boot (they move after a reboot or an update); nothing listens there, yet nothing may bind them.")
            .evidence("excluded range", format!("{a}-{b}"))
            .evidence("source", &w.source)
            .fix(
                Fix::new("Release the reservation, and keep this port out of future ones (elevated PowerShell)")
                    .powershell("net stop winnat", true)
                    .powershell(argv!["netsh", "int", "ipv4", "add", "excludedportrange", "protocol=tcp", format!("startport={port}"), "numberofports=1"], true)
                    .powershell("net start winnat", true)
                    .note("The added exclusion is \"administered\": it reserves the port for you so WinNAT's dynamic range will not take it again."),
            )
            .fix(
                Fix::new("Move Windows' dynamic port range above the ports you use (elevated, then reboot)")
                    .powershell("netsh int ipv4 set dynamic tcp start=49152 num=16384", true),
            )));
    }

    if let Some(c) = taken.container_on(port) {
        let name = container_name(c);
        let image = c.image.clone().unwrap_or_default();
        let label = |k: &str| c.labels.as_ref().and_then(|l| l.get(k)).cloned();
        let own = w.service.is_some()
            && label("com.docker.compose.service") == w.service
            && label("com.docker.compose.project") == w.project;
        if own {
            out.push(FREE.finding(format!(
                "port {port} is published by this project's own {name} container (already up)"
            )));
        } else {
            out.push(alt(BY_CONTAINER
                .finding(format!(
                    "port {port} is already published by container {name} ({image}): \"Bind for 0.0.0.0:{port} failed: port is already allocated\""
                ))
                .evidence("container", &name)
                .evidence("image", &image)
                .evidence("source", &w.source)
                .fix(
                    Fix::new(format!("Stop {name}, or publish another port"))
                        .run(argv!["docker", "ps", "--filter", format!("publish={port}"), "--format", "table {{.Names}}\t{{.Ports}}\t{{.Label \"com.docker.compose.project\"}}"])
                        .run(argv!["docker", "stop", &name]),
                )));
        }
        return out;
    }

    let holders = taken.listeners_on(port, w.host_ip);
    if let Some(l) = holders.first() {
        match listeners::owner(ctx.host(), l) {
            Some(o) if o.name == "docker-proxy" => out.push(alt(STALE
                .finding(format!(
                    "port {port} is held by docker-proxy (pid {}), but no running container publishes it",
                    o.pid
                ))
                .detail("Docker's network store kept a port binding for a container that no longer exists, and every daemon start re-creates its proxy.")
                .evidence("pid", o.pid)
                .evidence("command", &o.cmdline)
                .fix(
                    Fix::new("Restart the daemon to drop the stale binding")
                        .run(argv!["docker", "ps", "-a", "--filter", format!("publish={port}")])
                        .service(ServiceAction::Restart),
                ))),
            Some(o) => out.push(alt(BY_PROCESS
                .finding(format!(
                    "port {port} is taken by {} (pid {}): \"bind: address already in use\"",
                    o.name, o.pid
                ))
                .evidence("pid", o.pid)
                .evidence("process", &o.name)
                .evidence("command", &o.cmdline)
                .evidence("address", format!("{}:{port}", l.addr))
                .evidence("uid", l.uid.map_or("?".to_string(), |u| u.to_string()))
                .evidence("source", &w.source)
                .fix(if ctx.platform().os == "windows" {
                    Fix::new(format!("Stop {}, if you do not need it", o.name))
                        .powershell(argv!["Get-Process", "-Id", o.pid], false)
                        .powershell(argv!["Stop-Process", "-Id", o.pid], false)
                } else {
                    Fix::new(format!("Stop {}, if you do not need it", o.name))
                        .run(argv!["ps", "-o", "pid,user,command", "-p", o.pid])
                        .run(argv!["kill", o.pid])
                }))),
            None => {
                let uid = l.uid.unwrap_or(0);
                let user = ctx
                    .host()
                    .user_name(uid)
                    .map(|u| format!("{u} (uid {uid})"))
                    .unwrap_or_else(|| format!("uid {uid}"));
                out.push(alt(BY_UID
                    .finding(format!(
                        "port {port} is taken by a process of {user}, which this user cannot see: run with sudo to name it"
                    ))
                    .evidence("address", format!("{}:{port}", l.addr))
                    .evidence("uid", uid)
                    .evidence("source", &w.source)
                    .fix(Fix::new("Name the process").run_root(argv!["ss", "-ltnp", format!("sport = :{port}")]))));
            }
        }
        return out;
    }

    if out.is_empty() {
        out.push(
            FREE.finding(format!("port {port} is free ({})", w.source))
                .evidence("source", &w.source),
        );
    }
    out
}

fn use_port_fix(w: &Wanted, free: u16) -> Fix {
    let fix = Fix::new(format!("Publish {free} instead"));
    match &w.service {
        Some(service) => fix.manual(format!(
            "In the Compose file, service {service}: ports: - \"{free}:{}\"",
            w.container_port
        )),
        None => fix.run(argv![
            "docker",
            "run",
            "-p",
            format!("{free}:{}", w.container_port),
            "<image>"
        ]),
    }
}

/// Host ports published by more than one service of the file: grouped by port (one
/// finding per contested port, its services listed), never compared pair by pair.
fn duplicates(wanted: &[Wanted], file: &str) -> Vec<Finding> {
    use std::collections::{BTreeMap, BTreeSet};
    let mut by_port: BTreeMap<u16, Vec<&Wanted>> = BTreeMap::new();
    for w in wanted.iter().filter(|w| w.service.is_some()) {
        by_port.entry(w.host_port).or_default().push(w);
    }
    let mut contested = Vec::new();
    for (port, ws) in by_port {
        // Services that bind every address clash with all; others only on the same IP.
        let any_ip: BTreeSet<&str> = ws
            .iter()
            .filter(|w| w.host_ip.is_none())
            .filter_map(|w| w.service.as_deref())
            .collect();
        let mut by_ip: BTreeMap<IpAddr, BTreeSet<&str>> = BTreeMap::new();
        for w in ws.iter() {
            if let (Some(ip), Some(s)) = (w.host_ip, w.service.as_deref()) {
                by_ip.entry(ip).or_default().insert(s);
            }
        }
        let all: BTreeSet<&str> = ws.iter().filter_map(|w| w.service.as_deref()).collect();
        let clash = if !any_ip.is_empty() {
            all.len() > 1
        } else {
            by_ip.values().any(|s| s.len() > 1)
        };
        if clash {
            contested.push((port, all));
        }
    }
    let total = contested.len();
    let mut out: Vec<Finding> = contested
        .into_iter()
        .take(DUPLICATES_CAP)
        .map(|(port, services)| {
            let mut names: Vec<&str> = services.iter().copied().take(SERVICES_SHOWN).collect();
            let more = services.len().saturating_sub(SERVICES_SHOWN);
            let listed = if names.len() == 2 && more == 0 {
                format!("services {} and {} both publish", names[0], names[1])
            } else {
                let last = names.pop().unwrap_or_default();
                let tail = if more > 0 {
                    format!("{last} and {more} more")
                } else {
                    format!("and {last}")
                };
                format!("services {}, {tail} all publish", names.join(", "))
            };
            DUPLICATE
                .finding(format!(
                    "{listed} host port {port}: the second to start fails with \"port is already allocated\""
                ))
                .subject(port.to_string())
                .evidence("file", file)
                .fix(
                    Fix::new(if services.len() == 2 {
                        "Give one of them another host port"
                    } else {
                        "Give all but one of them another host port"
                    })
                        .run_line("docker compose -f {} config | grep -n -B3 -A3 {}", &[file, &port.to_string()]),
                )
        })
        .collect();
    if total > DUPLICATES_CAP {
        out.push(
            NOT_CHECKED
                .finding(format!(
                    "{file}: {total} host ports are published by more than one service: the first {DUPLICATES_CAP} are listed, and {} more are not",
                    total - DUPLICATES_CAP
                ))
                .evidence("file", file),
        );
    }
    out
}

fn container_name(c: &ContainerSummary) -> String {
    c.names
        .as_ref()
        .and_then(|n| n.first())
        .map(|n| n.trim_start_matches('/').to_string())
        .or_else(|| c.id.as_ref().map(|i| i.chars().take(12).collect()))
        .unwrap_or_default()
}

/// Ports Windows reserves, asked of netsh on Windows or, from WSL, of netsh.exe.
async fn excluded_ranges(ctx: &Context) -> Vec<(u16, u16)> {
    let platform = ctx.platform();
    let program = if platform.os == "windows" {
        ctx.host().which("netsh")
    } else if platform.wsl {
        ctx.host().which("netsh.exe")
    } else {
        None
    };
    let Some(program) = program else {
        return Vec::new();
    };
    match ctx
        .host()
        .run(
            &program,
            &[
                "interface",
                "ipv4",
                "show",
                "excludedportrange",
                "protocol=tcp",
            ],
            Duration::from_secs(3),
        )
        .await
    {
        Ok(out) if out.status == Some(0) => parse_excluded_ranges(&out.stdout),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn port_specs() {
        assert_eq!(parse_spec("8080"), Some((8080, 8080)));
        assert_eq!(parse_spec("8080:80"), Some((8080, 80)));
        assert_eq!(parse_spec("http"), None);
        assert_eq!(parse_spec("0"), None);
    }
}
