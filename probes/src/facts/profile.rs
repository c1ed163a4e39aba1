//! The host profile: what a fix must know to be true on this machine. Which service manager
//! runs the daemon (so "restart the daemon" and "where its proxy goes" are this host's
//! commands), how root steps are run here (root, sudo, doas, su), which Engine version is
//! meant (daemon.json keys, `--validate`), and where the daemon's log is.
//!
//! Found once per run through [`Host`], so captured machines describe it too (their
//! `root/proc/<pid>/` files and `/run/systemd/system`).

use crate::facts::endpoint::Endpoint;
use crate::host::Host;
use crate::model::{Argv, Fix, ServiceAction, Step};
use crate::shell::{self, Prefix};
use serde::Serialize;
use std::path::{Path, PathBuf};

/// The sockets dockerd listens on when no `-H` is given (and `fd://` under systemd).
const DEFAULT_SOCKETS: &[&str] = &["/var/run/docker.sock", "/run/docker.sock"];

/// What starts, stops and configures the daemon meant by this run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ServiceManager {
    /// systemd (PID 1) runs `docker.service`.
    Systemd,
    /// A rootless daemon under the user's systemd (`systemctl --user`).
    SystemdUser,
    /// A SysV or OpenRC init script (Debian's docker.io ships /etc/init.d/docker reading
    /// /etc/default/docker; Alpine's OpenRC reads /etc/conf.d/docker).
    InitScript {
        script: String,
        /// The file the script reads its options and environment from.
        options_file: String,
        openrc: bool,
        /// Whether a runlevel starts it at boot (OpenRC's /etc/runlevels, SysV's
        /// /etc/rc?.d links); None when neither is there to tell.
        #[serde(skip_serializing_if = "Option::is_none")]
        enabled: Option<bool>,
    },
    Runit,
    Snap,
    DockerDesktop,
    /// dockerd started by hand (or by a program that is not a service manager).
    Manual {
        pid: u32,
        command_line: Vec<String>,
    },
    /// A rootless dockerd where the user has no systemd: `dockerd-rootless.sh`.
    RootlessScript,
    /// Podman's Docker-compatible socket: started by `podman.socket` (systemd, rootless
    /// with `--user`) or `podman system service`; on macOS by `podman machine`.
    Podman {
        socket: String,
        rootless: bool,
        systemd: bool,
    },
    /// Colima, OrbStack, Rancher Desktop: a VM app with its own command.
    VmApp {
        engine: super::engine::Engine,
    },
    /// A daemon on another machine (tcp://, ssh://): nothing here starts it.
    Remote {
        address: String,
    },
    /// Nothing tells: no running dockerd and no service definition found.
    Unknown,
}

/// How a root step is run here.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Privilege {
    Root,
    Sudo,
    Doas,
    /// No sudo or doas: `su -c`.
    Su,
    /// Windows: root steps need an elevated PowerShell.
    Elevated,
}

/// A running dockerd.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DaemonProcess {
    pub pid: u32,
    pub ppid: u32,
    pub command_line: Vec<String>,
    pub cgroup: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HostProfile {
    pub service_manager: ServiceManager,
    pub privilege: Privilege,
    /// `major.minor` of the Engine meant: the daemon's answer, else `dockerd --version`.
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "ser_version"
    )]
    pub engine: Option<(u32, u32)>,
    /// Where the daemon's log is, in words (a file, the journal, Desktop's log folder).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub daemon_log: Option<String>,
    /// The daemon's log file when it is one (the init script's, a hand-started dockerd's
    /// redirected output).
    #[serde(skip)]
    log_file: Option<String>,
    #[serde(skip)]
    os: String,
}

fn ser_version<S: serde::Serializer>(v: &Option<(u32, u32)>, s: S) -> Result<S::Ok, S::Error> {
    match v {
        Some((a, b)) => s.serialize_str(&format!("{a}.{b}")),
        None => s.serialize_none(),
    }
}

/// `major.minor` from a version string (`20.10.24+dfsg1`, `Docker version 27.5.1, build x`).
pub fn parse_version(text: &str) -> Option<(u32, u32)> {
    let start = text.find(|c: char| c.is_ascii_digit())?;
    let mut parts = text[start..].split(|c: char| !c.is_ascii_digit());
    let major = parts.next()?.parse().ok()?;
    let minor = parts.next()?.parse().ok()?;
    Some((major, minor))
}

/// What runs the daemon meant, and its process when it runs here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DaemonService {
    pub manager: ServiceManager,
    pub process: Option<DaemonProcess>,
}

impl DaemonService {
    /// `endpoint` is the daemon meant (None: not resolvable); `rootless` when it is a
    /// rootless daemon's socket.
    pub fn detect(host: &dyn Host, endpoint: Option<&Endpoint>, rootless: bool) -> DaemonService {
        use super::engine::Engine;
        let os = host.os().os;
        let by_socket = endpoint.and_then(Engine::by_socket);
        // The engine the socket's place names comes first: Podman's socket is never
        // started with `service docker`, a remote daemon never with a local command.
        if let Some(e) = endpoint {
            if e.is_remote() {
                let address = match &e.kind {
                    super::endpoint::EndpointKind::Tcp { address, .. } => address.clone(),
                    super::endpoint::EndpointKind::Ssh(a) => a.clone(),
                    _ => e.url.clone(),
                };
                return DaemonService {
                    manager: ServiceManager::Remote { address },
                    process: None,
                };
            }
            match by_socket {
                Some(Engine::Podman) => {
                    let socket = e
                        .socket_path()
                        .map(|p| p.display().to_string())
                        .unwrap_or_default();
                    // Root's socket is the rootful Podman's, wherever it is.
                    let rootless = match host.stat(Path::new(&socket)) {
                        Ok(st) => st.uid != 0,
                        Err(_) => {
                            !socket.starts_with("/run/podman/")
                                && !socket.starts_with("/var/run/podman/")
                        }
                    };
                    return DaemonService {
                        manager: ServiceManager::Podman {
                            socket,
                            rootless,
                            systemd: super::systemd::is_systemd(host),
                        },
                        process: None,
                    };
                }
                Some(engine @ (Engine::Colima | Engine::OrbStack | Engine::RancherDesktop)) => {
                    return DaemonService {
                        manager: ServiceManager::VmApp { engine },
                        process: None,
                    };
                }
                _ => {}
            }
        }
        let desktop = endpoint.is_some_and(|e| e.is_docker_desktop())
            || (os != "linux" && endpoint.is_some());
        let process = endpoint
            .filter(|_| !desktop && !rootless)
            .and_then(|e| find_dockerd(host, e));
        let manager = if desktop {
            ServiceManager::DockerDesktop
        } else if rootless {
            if super::systemd::is_systemd(host) {
                ServiceManager::SystemdUser
            } else {
                ServiceManager::RootlessScript
            }
        } else {
            service_manager(host, process.as_ref())
        };
        DaemonService { manager, process }
    }

    /// The daemon's command line: the running process's, else what its service manager
    /// would start (the systemd unit's ExecStart with $DOCKER_OPTS from its environment
    /// file, the init script's DOCKER_OPTS), and where it was read.
    pub fn command_line(&self, host: &dyn Host) -> Option<(Vec<String>, String)> {
        if let Some(p) = &self.process {
            return Some((
                p.command_line.clone(),
                format!("the running dockerd (pid {})", p.pid),
            ));
        }
        match &self.manager {
            ServiceManager::Systemd => {
                let unit = super::systemd::load_unit(host, "docker.service");
                let exec = unit.exec_start?;
                let opts = option_value(host, "/etc/default/docker", "DOCKER_OPTS")
                    .or_else(|| option_value(host, "/etc/sysconfig/docker", "OPTIONS"))
                    .unwrap_or_default();
                let mut args = Vec::new();
                for a in exec {
                    if matches!(
                        a.as_str(),
                        "$DOCKER_OPTS" | "${DOCKER_OPTS}" | "$OPTIONS" | "${OPTIONS}"
                    ) {
                        args.extend(super::systemd::split_command(&opts));
                    } else {
                        args.push(a);
                    }
                }
                let from = unit
                    .files
                    .first()
                    .map(|p| p.display().to_string())
                    .unwrap_or_else(|| "docker.service".into());
                Some((args, from))
            }
            ServiceManager::InitScript { options_file, .. } => {
                let opts = option_value(host, options_file, "DOCKER_OPTS")?;
                let mut args = vec!["dockerd".to_string()];
                args.extend(super::systemd::split_command(&opts));
                Some((args, format!("DOCKER_OPTS in {options_file}")))
            }
            _ => None,
        }
    }
}

/// Waits (at most 30 s) until the restarted daemon answers.
const WAIT_FOR_DAEMON: &str =
    "timeout 30 sh -c 'until docker info >/dev/null 2>&1; do sleep 1; done'";

impl HostProfile {
    /// Finds the profile from what runs the daemon and the Engine version meant.
    pub fn detect(
        host: &dyn Host,
        service: &DaemonService,
        engine: Option<(u32, u32)>,
    ) -> HostProfile {
        let os = host.os().os;
        let identity = host.identity();
        let privilege = privilege(host, &os, &identity);
        let service_manager = service.manager.clone();
        let log_file = match &service_manager {
            ServiceManager::InitScript { options_file, .. } => Some(
                option_value(host, options_file, "DOCKER_LOGFILE")
                    .unwrap_or_else(|| "/var/log/docker.log".into()),
            ),
            ServiceManager::Manual { pid, .. } => output_file(host, *pid),
            _ => None,
        };
        let home = identity.home.as_ref().map(|h| h.display().to_string());
        let daemon_log = match &service_manager {
            ServiceManager::Systemd => Some("journalctl -u docker.service".into()),
            ServiceManager::SystemdUser => Some("journalctl --user -u docker.service".into()),
            ServiceManager::InitScript { .. } | ServiceManager::Manual { .. } => log_file
                .clone()
                .or_else(|| Some("wherever the output of the dockerd you started goes".into())),
            ServiceManager::Snap => Some("snap logs docker".into()),
            ServiceManager::DockerDesktop => Some(desktop_log(&os, home.as_deref())),
            ServiceManager::Runit => Some("the log service of /etc/sv/docker".into()),
            ServiceManager::RootlessScript => {
                Some("~/.docker-rootless.log (where dockerd-rootless.sh's output was sent)".into())
            }
            ServiceManager::Podman {
                rootless: true,
                systemd: true,
                ..
            } => Some("journalctl --user -u podman.service".into()),
            ServiceManager::Podman { systemd: true, .. } => {
                Some("journalctl -u podman.service".into())
            }
            ServiceManager::Podman { .. } => {
                Some("the output of `podman system service`, where it was started".into())
            }
            ServiceManager::VmApp { .. } => None,
            ServiceManager::Remote { address } => Some(format!("the daemon's log on {address}")),
            ServiceManager::Unknown => None,
        };
        HostProfile {
            service_manager,
            privilege,
            engine,
            daemon_log,
            log_file,
            os,
        }
    }

    /// The prefix root steps get here.
    pub fn prefix(&self) -> Prefix {
        match self.privilege {
            Privilege::Root | Privilege::Elevated => Prefix::None,
            Privilege::Sudo => Prefix::Sudo,
            Privilege::Doas => Prefix::Doas,
            Privilege::Su => Prefix::Su,
        }
    }

    /// The Engine meant is at least `major.minor` (false when unknown).
    pub fn engine_at_least(&self, major: u32, minor: u32) -> bool {
        self.engine.is_some_and(|v| v >= (major, minor))
    }

    /// The file the daemon takes its proxy and options from under this service manager,
    /// when that is a plain shell file (the init script's defaults).
    pub fn options_file(&self) -> Option<&str> {
        match &self.service_manager {
            ServiceManager::InitScript { options_file, .. } => Some(options_file),
            _ => None,
        }
    }

    /// The daemon's log when it is a file this process may read: the init script's or a
    /// hand-started dockerd's redirected output, or Docker Desktop's engine log.
    pub fn log_path(&self) -> Option<String> {
        self.log_file.clone().or_else(|| {
            (self.service_manager == ServiceManager::DockerDesktop)
                .then(|| self.daemon_log.clone())
                .flatten()
        })
    }

    /// The steps that do `action` on this host.
    pub fn service_steps(&self, action: ServiceAction) -> Vec<Step> {
        use ServiceAction::*;
        let fix = Fix::new("");
        let root = |f: Fix, a: Argv| f.run_root(a);
        let fix = match (&self.service_manager, action) {
            (ServiceManager::Systemd, Start) => {
                root(fix, "systemctl enable --now docker".into())
            }
            (ServiceManager::Systemd, Restart) => root(fix, "systemctl restart docker".into()),
            (ServiceManager::Systemd, ReloadAndRestart) => root(
                root(fix, "systemctl daemon-reload".into()),
                "systemctl restart docker".into(),
            ),
            (ServiceManager::Systemd, Status) => {
                root(fix, "systemctl status docker --no-pager".into())
            }
            (ServiceManager::Systemd, Logs) => root(
                fix,
                "journalctl -u docker.service -b --no-pager -n 50".into(),
            ),
            (ServiceManager::SystemdUser, Start) => fix.run("systemctl --user enable --now docker"),
            (ServiceManager::SystemdUser, Restart) => fix.run("systemctl --user restart docker"),
            (ServiceManager::SystemdUser, ReloadAndRestart) => fix
                .run("systemctl --user daemon-reload")
                .run("systemctl --user restart docker"),
            (ServiceManager::SystemdUser, Status) => {
                fix.run("systemctl --user status docker --no-pager")
            }
            (ServiceManager::SystemdUser, Logs) => {
                fix.run("journalctl --user -u docker.service --no-pager -n 50")
            }
            (ServiceManager::InitScript {
                openrc, enabled, ..
            }, a) => {
                let tool = if *openrc { "rc-service" } else { "service" };
                match a {
                    // Like systemd's `enable --now`: started now and after the next boot.
                    Start if *enabled == Some(false) => {
                        let enable = if *openrc {
                            crate::argv!["rc-update", "add", "docker", "default"]
                        } else {
                            crate::argv!["update-rc.d", "docker", "defaults"]
                        };
                        root(root(fix, enable), crate::argv![tool, "docker", "start"])
                    }
                    Start => root(fix, crate::argv![tool, "docker", "start"]),
                    // The script returns before dockerd listens: what follows a restart
                    // (`docker info` to check it) would fail once. Wait for it, bounded.
                    Restart | ReloadAndRestart => root(
                        root(fix, crate::argv![tool, "docker", "restart"]),
                        WAIT_FOR_DAEMON.into(),
                    ),
                    Status => root(fix, crate::argv![tool, "docker", "status"]),
                    Logs => self.log_tail(fix),
                }
            }
            (ServiceManager::Snap, Start) => root(fix, "snap start docker".into()),
            (ServiceManager::Snap, Restart | ReloadAndRestart) => {
                root(fix, "snap restart docker".into())
            }
            (ServiceManager::Snap, Status) => fix.run("snap services docker"),
            (ServiceManager::Snap, Logs) => root(fix, "snap logs docker -n 50".into()),
            (ServiceManager::Runit, Start) => root(fix, "sv start docker".into()),
            (ServiceManager::Runit, Restart | ReloadAndRestart) => {
                root(fix, "sv restart docker".into())
            }
            (ServiceManager::Runit, Status) => root(fix, "sv status docker".into()),
            (ServiceManager::DockerDesktop, Logs) => fix.manual(format!(
                "Read Docker Desktop's engine log: {}",
                self.daemon_log.as_deref().unwrap_or("its log folder")
            )),
            (ServiceManager::DockerDesktop, Status) => fix.run("docker desktop status"),
            (ServiceManager::DockerDesktop, _) => fix.manual(
                "Restart Docker Desktop (its menu: Restart, or Quit and start it again) and wait until it says Engine running.",
            ),
            (ServiceManager::Manual { .. }, Logs) => self.log_tail(fix),
            (ServiceManager::Manual { pid, command_line }, Status) => {
                fix.run(crate::argv!["ps", "-o", "pid,user,etime,args", "-p", pid])
                    .why(format!("dockerd started by hand: {}", shell::join(command_line, "sh")))
            }
            (ServiceManager::Manual { pid, command_line }, _) => fix.manual(format!(
                "dockerd was started by hand (pid {pid}), not by a service manager: stop it (`{}`) and start it again the way it was started:\n{}",
                shell::as_root(&format!("kill {pid}"), self.prefix()),
                shell::as_root(&shell::join(command_line, "sh"), self.prefix())
            )),
            (ServiceManager::RootlessScript, Start | Restart | ReloadAndRestart) => fix
                .manual("Without a user systemd, the rootless daemon is started by hand, as you (not root), and keeps running in the background:")
                .run("nohup dockerd-rootless.sh > \"$HOME/.docker-rootless.log\" 2>&1 &")
                .why("stop an old one first if it hangs: pkill -u \"$USER\" -x rootlesskit"),
            (ServiceManager::RootlessScript, Status) => fix.run("docker info"),
            (ServiceManager::RootlessScript, Logs) => fix.run("tail -n 50 \"$HOME/.docker-rootless.log\""),
            (
                ServiceManager::Podman {
                    rootless, systemd: true, ..
                },
                a,
            ) => {
                let user = if *rootless { vec!["--user"] } else { vec![] };
                let systemctl = |verb: &[&str], unit: &str| {
                    let mut v: Vec<String> = vec!["systemctl".into()];
                    v.extend(user.iter().map(|s| s.to_string()));
                    v.extend(verb.iter().map(|s| s.to_string()));
                    v.push(unit.into());
                    Argv::Words(v)
                };
                let step = |f: Fix, a: Argv| if *rootless { f.run(a) } else { f.run_root(a) };
                match a {
                    Start => step(fix, systemctl(&["enable", "--now"], "podman.socket")),
                    Restart | ReloadAndRestart => {
                        step(fix, systemctl(&["restart"], "podman.socket"))
                    }
                    Status => step(fix, systemctl(&["status", "--no-pager"], "podman.socket")),
                    Logs => {
                        let mut v: Vec<String> = vec!["journalctl".into()];
                        v.extend(user.iter().map(|s| s.to_string()));
                        v.extend(["-u", "podman.service", "--no-pager", "-n", "50"].map(String::from));
                        step(fix, Argv::Words(v))
                    }
                }
            }
            (ServiceManager::Podman { socket, rootless, .. }, a) => {
                let serve = crate::argv![
                    "podman",
                    "system",
                    "service",
                    "--time=0",
                    format!("unix://{socket}")
                ];
                let step = |f: Fix, a: Argv| if *rootless { f.run(a) } else { f.run_root(a) };
                match a {
                    Start | Restart | ReloadAndRestart => step(
                        fix.manual(format!(
                            "Without systemd, Podman's API socket is served by `podman system service`: keep it running (another terminal, or in the background) and it answers at {socket}. For a restart, stop the old one first."
                        )),
                        serve,
                    ),
                    Status => step(fix, "podman info".into()),
                    Logs => fix.manual(
                        "`podman system service` prints its log where it was started (add --log-level=debug for more).",
                    ),
                }
            }
            (ServiceManager::VmApp { engine }, a) => {
                use super::engine::Engine;
                let (start, restart, status) = match engine {
                    Engine::Colima => ("colima start", "colima restart", "colima status"),
                    Engine::RancherDesktop => (
                        "rdctl start",
                        "rdctl shutdown && rdctl start",
                        "rdctl info",
                    ),
                    _ => ("orb start", "orb restart", "orb status"),
                };
                match a {
                    Start => fix.run(start),
                    Restart | ReloadAndRestart => fix.run(restart),
                    Status | Logs => fix.run(status),
                }
            }
            (ServiceManager::Remote { address }, _) => fix.manual(format!(
                "The daemon runs on another machine ({address}): start, restart or read its log there, not here."
            )),
            (ServiceManager::Runit | ServiceManager::Unknown, Logs) => fix.manual(
                "Read the daemon's log (where your system keeps the output of dockerd).",
            ),
            (ServiceManager::Unknown, Status) => fix.run("docker info"),
            (ServiceManager::Unknown, _) => fix.manual(
                "Start (or restart) dockerd the way this machine runs it: no service manager for it was found.",
            ),
        };
        fix.steps
    }

    fn log_tail(&self, fix: Fix) -> Fix {
        match &self.log_file {
            Some(f) => fix.run_root(crate::argv!["tail", "-n", "50", f]),
            None => fix.manual(format!(
                "Read the daemon's log: {}.",
                self.daemon_log
                    .as_deref()
                    .unwrap_or("where dockerd's output goes")
            )),
        }
    }

    /// Makes every step of `fix` true for this host: service actions become this host's
    /// commands, root steps get this host's prefix (none when root), files are written
    /// with a quoted path and here-document.
    pub fn resolve(&self, fix: &mut Fix) {
        let prefix = self.prefix();
        let mut out = Vec::with_capacity(fix.steps.len());
        for step in std::mem::take(&mut fix.steps) {
            match step {
                Step::Service { action } => {
                    for s in self.service_steps(action) {
                        out.push(self.render(s, prefix));
                    }
                }
                s => out.push(self.render(s, prefix)),
            }
        }
        fix.steps = out;
    }

    fn render(&self, step: Step, prefix: Prefix) -> Step {
        match step {
            Step::Command {
                command,
                argv,
                root,
                shell,
                note,
            } => {
                let line = if argv.is_empty() {
                    command
                } else {
                    shell::join(&argv, shell)
                };
                let command = match (root, shell, argv.is_empty()) {
                    (true, "sh", false) => shell::as_root(&line, prefix),
                    (true, "sh", true) => shell::script_as_root(&line, prefix),
                    _ => line,
                };
                Step::Command {
                    command,
                    argv,
                    root,
                    shell,
                    note: note.map(|n| shell::comment_safe(&n)),
                }
            }
            Step::WriteFile {
                path,
                contents,
                root,
                ..
            } => Step::WriteFile {
                command: shell::write_file(
                    &path,
                    &contents,
                    if root { prefix } else { Prefix::None },
                ),
                path,
                contents,
                root,
            },
            s => s,
        }
    }

    /// A one-line description for the report header.
    pub fn describe(&self) -> String {
        let manager = match &self.service_manager {
            ServiceManager::Systemd => "systemd (docker.service)".to_string(),
            ServiceManager::SystemdUser => "systemd --user (rootless)".to_string(),
            ServiceManager::InitScript { script, openrc, .. } => {
                format!(
                    "{} script {script}",
                    if *openrc { "OpenRC" } else { "init" }
                )
            }
            ServiceManager::Runit => "runit".to_string(),
            ServiceManager::Snap => "snap".to_string(),
            ServiceManager::DockerDesktop => "Docker Desktop".to_string(),
            ServiceManager::Manual { pid, .. } => format!("started by hand (pid {pid})"),
            ServiceManager::RootlessScript => {
                "dockerd-rootless.sh (rootless, no user systemd)".to_string()
            }
            ServiceManager::Podman {
                socket,
                rootless,
                systemd,
            } => format!(
                "Podman ({}, {}; socket {socket})",
                if *rootless { "rootless" } else { "rootful" },
                if *systemd {
                    "podman.socket"
                } else {
                    "podman system service"
                }
            ),
            ServiceManager::VmApp { engine } => engine.name().to_string(),
            ServiceManager::Remote { address } => format!("another machine ({address})"),
            ServiceManager::Unknown => "unknown".to_string(),
        };
        let mut s = format!("daemon managed by {manager}");
        if let Some(l) = &self.daemon_log {
            s.push_str(&format!("; log: {l}"));
        }
        s
    }

    #[cfg(test)]
    pub(crate) fn for_test(service_manager: ServiceManager, privilege: Privilege) -> HostProfile {
        HostProfile {
            service_manager,
            privilege,
            engine: None,
            daemon_log: None,
            log_file: Some("/var/log/docker.log".into()),
            os: "linux".into(),
        }
    }
}

fn privilege(host: &dyn Host, os: &str, id: &crate::host::Identity) -> Privilege {
    if os == "windows" {
        return Privilege::Elevated;
    }
    if id.uid == 0 {
        return Privilege::Root;
    }
    let admin = id
        .account_groups
        .iter()
        .any(|g| matches!(g.name.as_str(), "sudo" | "wheel" | "admin"));
    let sudo = host.which("sudo").is_some();
    let doas = host.which("doas").is_some() && host.exists(Path::new("/etc/doas.conf"));
    if sudo && (admin || !doas) {
        Privilege::Sudo
    } else if doas {
        Privilege::Doas
    } else {
        Privilege::Su
    }
}

/// Docker Desktop's engine log, per OS (Desktop 4.x).
fn desktop_log(os: &str, home: Option<&str>) -> String {
    let home = home.unwrap_or("~");
    match os {
        "macos" => format!("{home}/Library/Containers/com.docker.docker/Data/log/vm/dockerd.log"),
        "windows" => "%LOCALAPPDATA%\\Docker\\log\\vm\\dockerd.log".into(),
        _ => format!("{home}/.docker/desktop/log/vm/dockerd.log"),
    }
}

/// The dockerd processes of this machine (with their cgroup, from /proc, on Linux).
pub fn dockerd_processes(host: &dyn Host) -> Vec<DaemonProcess> {
    dockerds(host).into_iter().map(|(d, _)| d).collect()
}

/// The dockerd processes, each with the user it runs as (when the OS says).
fn dockerds(host: &dyn Host) -> Vec<(DaemonProcess, Option<String>)> {
    super::processes::list(host)
        .unwrap_or_default()
        .into_iter()
        .filter(|p| super::processes::base_name(&p.name) == "dockerd")
        .map(|p| {
            (
                DaemonProcess {
                    cgroup: host
                        .read_text(&PathBuf::from(format!("/proc/{}/cgroup", p.pid)))
                        .unwrap_or_default(),
                    pid: p.pid,
                    ppid: p.ppid,
                    command_line: p.cmd,
                },
                p.user,
            )
        })
        .collect()
}

/// The sockets a dockerd command line listens on (`-H`/`--host`; the default when none).
fn listens_on(args: &[String]) -> Vec<String> {
    let mut hosts = Vec::new();
    let mut it = args.iter().skip(1);
    while let Some(a) = it.next() {
        if a == "-H" || a == "--host" {
            if let Some(v) = it.next() {
                hosts.push(v.clone());
            }
        } else if let Some(v) = a.strip_prefix("--host=").or_else(|| a.strip_prefix("-H=")) {
            hosts.push(v.to_string());
        } else if let Some(v) = a.strip_prefix("-H").filter(|v| !v.is_empty()) {
            hosts.push(v.to_string());
        }
    }
    if hosts.is_empty() || hosts.iter().any(|h| h.starts_with("fd://")) {
        hosts.extend(DEFAULT_SOCKETS.iter().map(|s| format!("unix://{s}")));
    }
    hosts
}

/// The running dockerd that serves `endpoint`.
pub fn find_dockerd(host: &dyn Host, endpoint: &Endpoint) -> Option<DaemonProcess> {
    let socket = endpoint.socket_path()?.display().to_string();
    let wanted = |h: &str| {
        let h = h.strip_prefix("unix://").unwrap_or(h);
        h == socket || (DEFAULT_SOCKETS.contains(&h) && DEFAULT_SOCKETS.contains(&socket.as_str()))
    };
    // A socket path names a file in a mount namespace: a dockerd in another one (a
    // container's, a test's private root) may listen on its own file of the same name.
    // Seen through /proc/PID/root, its socket must be this very file. An exiting dockerd
    // has an empty command line and serves nothing.
    // The socket itself decides, never "a dockerd without -H": a rootless dockerd (its
    // own mount namespace under rootlesskit, its socket in the user's runtime folder) has
    // no -H either, and is not the system's.
    let Ok(here) = host.stat(Path::new(&socket)) else {
        // Nothing at that path here: no dockerd serves it.
        return None;
    };
    let ours = here.identity;
    let same_socket = |pid: u32, user: &Option<String>| {
        let theirs = host
            .stat(&PathBuf::from(format!("/proc/{pid}/root{socket}")))
            .ok()
            .and_then(|s| s.identity);
        match (ours, theirs) {
            (Some(a), Some(b)) => a == b,
            // Its socket exists where it runs, and not here: not ours.
            (None, Some(_)) => false,
            // Not allowed to look (another user's dockerd): the system socket is served by
            // root's dockerd, and only root's (or one whose user cannot be told).
            _ => user.as_deref().is_none_or(|u| u == "root") || here.uid != 0,
        }
    };
    dockerds(host)
        .into_iter()
        .find(|(p, user)| {
            !p.command_line.is_empty()
                && listens_on(&p.command_line).iter().any(|h| wanted(h))
                && same_socket(p.pid, user)
        })
        .map(|(p, _)| p)
}

fn init_script(host: &dyn Host) -> Option<ServiceManager> {
    let script = "/etc/init.d/docker";
    let text = host.read_text(Path::new(script)).ok()?;
    let openrc = text.starts_with("#!/sbin/openrc-run") || text.contains("openrc-run");
    let enabled = if openrc {
        let levels = host.list_dir(Path::new("/etc/runlevels")).ok();
        levels.map(|levels| {
            levels
                .iter()
                .any(|l| host.exists(&Path::new("/etc/runlevels").join(l).join("docker")))
        })
    } else {
        let mut seen = false;
        let mut started = false;
        for level in ["rc2.d", "rc3.d", "rc4.d", "rc5.d"] {
            if let Ok(links) = host.list_dir(&Path::new("/etc").join(level)) {
                seen = true;
                started |= links.iter().any(|l| {
                    l.starts_with('S')
                        && l.trim_start_matches(|c: char| c == 'S' || c.is_ascii_digit())
                            == "docker"
                });
            }
        }
        seen.then_some(started)
    };
    Some(ServiceManager::InitScript {
        script: script.into(),
        options_file: if openrc {
            "/etc/conf.d/docker".into()
        } else {
            "/etc/default/docker".into()
        },
        openrc,
        enabled,
    })
}

fn service_manager(host: &dyn Host, process: Option<&DaemonProcess>) -> ServiceManager {
    let systemd = super::systemd::is_systemd(host);
    let has_unit = !super::systemd::unit_files(host, "docker.service").is_empty();
    if let Some(p) = process {
        if p.cgroup.contains("docker.service") && systemd {
            return ServiceManager::Systemd;
        }
        if p.command_line
            .first()
            .is_some_and(|c| c.starts_with("/snap/"))
        {
            return ServiceManager::Snap;
        }
        let parent = host
            .read_text(&PathBuf::from(format!("/proc/{}/comm", p.ppid)))
            .unwrap_or_default();
        if parent.trim() == "runsv" {
            return ServiceManager::Runit;
        }
        // start-stop-daemon --background leaves the daemon to PID 1, and the init script's
        // pid file names it.
        let ssd_pid = host
            .read_text(Path::new("/var/run/docker-ssd.pid"))
            .ok()
            .and_then(|t| t.trim().parse::<u32>().ok());
        if (ssd_pid == Some(p.pid) || (p.ppid == 1 && !systemd))
            && let Some(s) = init_script(host)
        {
            return s;
        }
        if p.ppid == 1 && systemd && has_unit {
            return ServiceManager::Systemd;
        }
        return ServiceManager::Manual {
            pid: p.pid,
            command_line: p.command_line.clone(),
        };
    }
    if systemd && has_unit {
        return ServiceManager::Systemd;
    }
    if let Some(s) = init_script(host) {
        return s;
    }
    if host.exists(Path::new("/etc/sv/docker")) {
        return ServiceManager::Runit;
    }
    if host.exists(Path::new("/snap/bin/docker")) {
        return ServiceManager::Snap;
    }
    if systemd {
        return ServiceManager::Systemd;
    }
    ServiceManager::Unknown
}

/// A `KEY=value` (or `export KEY=value`) set in a shell options file.
pub fn option_value(host: &dyn Host, file: &str, key: &str) -> Option<String> {
    let text = host.read_text(Path::new(file)).ok()?;
    super::options_file::parse(&text)
        .get(key)
        .map(|a| a.value.clone())
        .filter(|v| !v.is_empty())
}

/// Where a process's stderr goes, when that is a regular file (a log).
fn output_file(host: &dyn Host, pid: u32) -> Option<String> {
    let target = host.read_link(&PathBuf::from(format!("/proc/{pid}/fd/2")))?;
    let t = target.display().to_string();
    (t.starts_with('/') && !t.starts_with("/dev/") && !t.contains(" (deleted)")).then_some(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &str) -> Vec<String> {
        s.split_whitespace().map(str::to_string).collect()
    }

    #[test]
    fn versions() {
        assert_eq!(parse_version("20.10.24+dfsg1"), Some((20, 10)));
        assert_eq!(
            parse_version("Docker version 27.5.1, build 9f9e405"),
            Some((27, 5))
        );
        assert_eq!(parse_version("dev"), None);
    }

    #[test]
    fn sockets_of_a_command_line() {
        assert!(
            listens_on(&args("/usr/sbin/dockerd -H fd:// --containerd=/x"))
                .contains(&"unix:///var/run/docker.sock".to_string())
        );
        assert_eq!(
            listens_on(&args("dockerd --host=unix:///tmp/d.sock")),
            vec!["unix:///tmp/d.sock"]
        );
        assert_eq!(
            listens_on(&args("dockerd -H unix:///tmp/d.sock -H tcp://0.0.0.0:2375")),
            vec!["unix:///tmp/d.sock", "tcp://0.0.0.0:2375"]
        );
    }

    #[test]
    fn service_actions_follow_the_service_manager() {
        let text = |p: &HostProfile, a| {
            let mut f = Fix::new("t").service(a);
            p.resolve(&mut f);
            f.steps
                .iter()
                .map(|s| match s {
                    Step::Command { command, .. } => command.clone(),
                    Step::Manual { text } => format!("manual: {text}"),
                    _ => String::new(),
                })
                .collect::<Vec<_>>()
        };
        let init = ServiceManager::InitScript {
            script: "/etc/init.d/docker".into(),
            options_file: "/etc/default/docker".into(),
            openrc: false,
            enabled: Some(true),
        };
        let root = HostProfile::for_test(init.clone(), Privilege::Root);
        assert_eq!(text(&root, ServiceAction::Start), ["service docker start"]);
        // An OpenRC service in no runlevel is added to one, as `systemctl enable --now`.
        let alpine = ServiceManager::InitScript {
            script: "/etc/init.d/docker".into(),
            options_file: "/etc/conf.d/docker".into(),
            openrc: true,
            enabled: Some(false),
        };
        let doas = HostProfile::for_test(alpine, Privilege::Doas);
        assert_eq!(
            text(&doas, ServiceAction::Start),
            [
                "doas rc-update add docker default",
                "doas rc-service docker start"
            ]
        );
        assert_eq!(
            text(&root, ServiceAction::Logs),
            ["tail -n 50 /var/log/docker.log"]
        );
        let sudo = HostProfile::for_test(ServiceManager::Systemd, Privilege::Sudo);
        assert_eq!(
            text(&sudo, ServiceAction::ReloadAndRestart),
            [
                "sudo systemctl daemon-reload",
                "sudo systemctl restart docker"
            ]
        );
        let su = HostProfile::for_test(init, Privilege::Su);
        // The init script returns before dockerd listens: the restart waits for it.
        assert_eq!(
            text(&su, ServiceAction::Restart),
            [
                "su -c 'service docker restart'",
                r"su -c 'timeout 30 sh -c '\''until docker info >/dev/null 2>&1; do sleep 1; done'\'''"
            ]
        );
        let manual = HostProfile::for_test(
            ServiceManager::Manual {
                pid: 42,
                command_line: args("dockerd -H unix:///tmp/x.sock"),
            },
            Privilege::Root,
        );
        let t = text(&manual, ServiceAction::Restart);
        assert!(
            t[0].starts_with("manual: dockerd was started by hand (pid 42)"),
            "{t:?}"
        );
        assert!(t[0].contains("kill 42"));
    }
}
