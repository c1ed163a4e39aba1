//! `socket`: may this user open the daemon's unix socket, and if not, which of the classic
//! reasons it is: not in the group; in the group on paper but not in this session; no
//! `docker` group at all; a socket that is not group-owned by `docker`.
//!
//! Groups come from two places that disagree after `usermod -aG`: the group database (what
//! the next login gets) and `getgroups()` (what this process has). Never `chmod 666`.

use super::Probe;
use crate::argv;
use crate::context::Context;
use crate::facts::endpoint::EndpointKind;
use crate::facts::profile::ServiceManager;
use crate::host::{FileKind, FileStat};
use crate::model::{Finding, FindingKind, Fix, ServiceAction, Severity};
use async_trait::async_trait;
use std::io;
use std::path::Path;

const OK: FindingKind = FindingKind::new(
    "socket.ok",
    Severity::Ok,
    "this user may use the daemon socket",
);
const ABSENT: FindingKind = FindingKind::new(
    "socket.absent",
    Severity::Info,
    "there is no socket to check (see the daemon probe)",
);
const NOT_A_SOCKET: FindingKind = FindingKind::new(
    "socket.not-a-socket",
    Severity::Error,
    "the socket path is not a socket",
);
const DIR_DENIED: FindingKind = FindingKind::new(
    "socket.dir-denied",
    Severity::Error,
    "a directory on the way to the socket is not searchable by this user",
);
const PODMAN_NOT_YOURS: FindingKind = FindingKind::new(
    "socket.podman-not-yours",
    Severity::Error,
    "the Podman socket belongs to another user (root's rootful Podman): no group grants it",
);
const NOT_IN_GROUP: FindingKind = FindingKind::new(
    "socket.not-in-group",
    Severity::Error,
    "this user is not in the socket's group",
);
const GROUP_NOT_ACTIVE: FindingKind = FindingKind::new(
    "socket.group-not-active",
    Severity::Error,
    "the user is in the group, but this session started before that (log in again)",
);
const NO_DOCKER_GROUP: FindingKind = FindingKind::new(
    "socket.no-docker-group",
    Severity::Error,
    "the socket belongs to group root and no docker group exists",
);
const WRONG_GROUP: FindingKind = FindingKind::new(
    "socket.wrong-group",
    Severity::Error,
    "the socket is not group-owned by docker, so docker group membership cannot help",
);
const NO_GROUP_ACCESS: FindingKind = FindingKind::new(
    "socket.no-group-access",
    Severity::Error,
    "the socket's mode gives its group no read/write access",
);
const WORLD_WRITABLE: FindingKind = FindingKind::new(
    "socket.world-writable",
    Severity::Warn,
    "the socket is writable by every local user (root for anyone)",
);
const SYMLINK: FindingKind = FindingKind::new(
    "socket.symlink",
    Severity::Info,
    "the socket path is a symlink to another socket",
);

const KINDS: &[FindingKind] = &[
    OK,
    ABSENT,
    PODMAN_NOT_YOURS,
    NOT_A_SOCKET,
    DIR_DENIED,
    NOT_IN_GROUP,
    GROUP_NOT_ACTIVE,
    NO_DOCKER_GROUP,
    WRONG_GROUP,
    NO_GROUP_ACCESS,
    WORLD_WRITABLE,
    SYMLINK,
];

const ROOT_EQUIVALENT: &str = "Members of the docker group can start a container that mounts / and become root on this machine: grant it only to people who may be root. Rootless Docker runs the daemon as your own user instead.";
const ROOTLESS_DOCS: &str = "https://docs.docker.com/engine/security/rootless/";
const GROUP_DOCS: &str = "https://docs.docker.com/engine/install/linux-postinstall/";

pub struct Socket;

#[async_trait]
impl Probe for Socket {
    fn id(&self) -> &'static str {
        "socket"
    }
    fn title(&self) -> &'static str {
        "Socket permissions"
    }
    fn emits(&self) -> &'static [FindingKind] {
        KINDS
    }
    fn applicable(&self, ctx: &Context) -> bool {
        ctx.platform().os != "windows"
            && ctx
                .endpoint()
                .endpoint
                .as_ref()
                .is_some_and(|e| matches!(e.kind, EndpointKind::Unix(_)))
    }

    async fn run(&self, ctx: &Context) -> Vec<Finding> {
        let Some(path) = ctx
            .endpoint()
            .endpoint
            .as_ref()
            .and_then(|e| e.socket_path())
        else {
            return Vec::new();
        };
        let host = ctx.host();
        let mut out = Vec::new();
        if let Some(target) = host.read_link(path) {
            out.push(
                SYMLINK
                    .finding(format!("{} points to {}", path.display(), target.display()))
                    .evidence("socket", path.display())
                    .evidence("target", target.display())
                    .detail("podman-docker, Rancher Desktop and Docker Desktop create such links; the permissions that count are the target's."),
            );
        }
        let stat = match host.stat(path) {
            Ok(s) => s,
            Err(e) if e.kind() == io::ErrorKind::PermissionDenied => {
                out.push(
                    DIR_DENIED
                        .finding(format!("cannot reach {}: a parent directory is not searchable by {}", path.display(), ctx.identity().user))
                        .evidence("socket", path.display())
                        .detail("Another user's runtime directory (/run/user/UID) is private to that user: a rootless daemon serves only its owner.")
                        .fix(Fix::new("Use a daemon of your own, or the system daemon").run("docker context use default").docs(ROOTLESS_DOCS)),
                );
                return out;
            }
            Err(_) => {
                out.push(
                    ABSENT
                        .finding(format!("{} does not exist", path.display()))
                        .evidence("socket", path.display()),
                );
                return out;
            }
        };
        if stat.kind != FileKind::Socket {
            out.push(
                NOT_A_SOCKET
                    .finding(format!("{} exists but is not a socket ({:?})", path.display(), stat.kind))
                    .evidence("path", path.display())
                    .detail("A directory or file at the socket path (created by a bind mount of a missing socket, or by a typo) keeps dockerd from creating its socket.")
                    .fix(Fix::new("Move it aside and restart the daemon").run_root(argv!["mv", path.display(), format!("{}.bak", path.display())]).service(ServiceAction::Restart)),
            );
            return out;
        }
        let engine = ctx
            .endpoint()
            .endpoint
            .as_ref()
            .and_then(crate::facts::engine::Engine::by_socket);
        if engine == Some(crate::facts::engine::Engine::Podman) {
            out.extend(podman_access(ctx, path, &stat));
            return out;
        }
        let systemd = ctx.profile().await.service_manager == ServiceManager::Systemd;
        out.extend(access(ctx, path, &stat, systemd));
        if stat.mode & 0o002 != 0 {
            out.push(
                WORLD_WRITABLE
                    .finding(format!("{} has mode {:04o}: every local user can control Docker, and so become root", path.display(), stat.mode))
                    .evidence("socket", path.display())
                    .evidence("mode", format!("{:04o}", stat.mode))
                    .detail("Usually left by `chmod 666` as a quick fix. It is reset when the socket is recreated, and until then any process on the machine is root.")
                    .fix(
                        Fix::new("Recreate the socket with its normal mode, and use the docker group instead")
                            .service(ServiceAction::Restart)
                            .run(argv!["stat", "-c", "%U:%G %a", path.display()])
                            .why("expect root:docker 660")
                            .docs(GROUP_DOCS),
                    ),
            );
        }
        out
    }
}

/// Podman's socket has no docker group: the rootful one (`/run/podman/podman.sock`) is
/// root's alone, a rootless one its user's. Someone else uses their own rootless Podman.
fn podman_access(ctx: &Context, path: &Path, stat: &FileStat) -> Vec<Finding> {
    let id = ctx.identity();
    let sock = path.display().to_string();
    if id.uid == 0 || id.uid == stat.uid {
        return vec![
            OK.finding(format!(
                "{} may use {sock} (Podman's socket, its own)",
                id.user
            ))
            .evidence("socket", &sock),
        ];
    }
    let owner = ctx
        .host()
        .user_name(stat.uid)
        .unwrap_or_else(|| stat.uid.to_string());
    let runtime = ctx
        .host()
        .env_nonempty("XDG_RUNTIME_DIR")
        .unwrap_or_else(|| format!("/run/user/{}", id.uid));
    let own = format!("{runtime}/podman/podman.sock");
    let start = if ctx.platform().systemd {
        Fix::new("Use your own rootless Podman socket")
            .run("systemctl --user enable --now podman.socket")
            .run(argv!["export", format!("DOCKER_HOST=unix://{own}")])
    } else {
        Fix::new("Use your own rootless Podman socket")
            .manual("Without a user systemd, keep `podman system service` running (another terminal, or in the background):")
            .run(argv!["podman", "system", "service", "--time=0", format!("unix://{own}")])
            .run(argv!["export", format!("DOCKER_HOST=unix://{own}")])
    };
    vec![
        PODMAN_NOT_YOURS
            .finding(format!(
                "{sock} is Podman's socket of {owner} (mode {:04o}): {} cannot use it, and no group grants it",
                stat.mode, id.user
            ))
            .evidence("socket", &sock)
            .evidence("owner", &owner)
            .detail("Podman has no docker group: its rootful socket is root's only, and each user runs a rootless Podman of their own.")
            .fix(start.docs("https://docs.podman.io/en/latest/markdown/podman-system-service.1.html")),
    ]
}

/// `systemd`: docker.socket creates the socket (its `SocketGroup` decides the group);
/// otherwise dockerd does, with `--group` (default `docker`).
fn access(ctx: &Context, path: &Path, stat: &FileStat, systemd: bool) -> Vec<Finding> {
    let host = ctx.host();
    let id = ctx.identity();
    let owner = host
        .user_name(stat.uid)
        .unwrap_or_else(|| stat.uid.to_string());
    let group = host
        .group_name(stat.gid)
        .unwrap_or_else(|| stat.gid.to_string());
    let sock = path.display().to_string();
    let user = &id.user;
    let evidence = |f: Finding| {
        f.evidence("socket", &sock)
            .evidence("owner", format!("{owner}:{group}"))
            .evidence("mode", format!("{:04o}", stat.mode))
            .evidence("user", format!("{user} (uid {})", id.uid))
            .evidence("process_groups", names(&id.process_groups))
            .evidence("account_groups", names(&id.account_groups))
    };
    let rootless = Fix::new("Run Docker rootless, without the docker group")
        .run("dockerd-rootless-setuptool.sh install")
        .run("docker context use rootless")
        .docs(ROOTLESS_DOCS);

    if id.uid == 0 {
        return vec![evidence(
            OK.finding(format!("running as root: {sock} is accessible")),
        )];
    }
    if stat.uid == id.uid {
        return vec![evidence(OK.finding(format!(
            "{user} owns {sock} (a rootless or per-user daemon)"
        )))];
    }
    if stat.gid == 0 {
        // Group root is never the answer: the socket must be handed to the docker group.
        let docker = host.group_by_name("docker");
        let f = match docker {
            None => evidence(NO_DOCKER_GROUP.finding(format!("{sock} is {owner}:{group} and there is no docker group to grant access with")))
                .detail("dockerd (or docker.socket) gives the socket to the docker group only if that group exists when it creates the socket.")
                .fix(
                    Fix::new(format!("Create the docker group, add {user}, recreate the socket"))
                        .run_root("groupadd docker")
                        .run_root(argv!["usermod", "-aG", "docker", user])
                        .service(ServiceAction::Restart)
                        .manual("Log out completely and back in (or reboot), then check with `id -nG`.")
                        .note(ROOT_EQUIVALENT)
                        .docs(GROUP_DOCS),
                ),
            Some(g) => {
                let fix = Fix::new("Hand the socket to the docker group");
                let fix = if systemd {
                    fix.write_file("/etc/systemd/system/docker.socket.d/override.conf", "[Socket]\nSocketGroup=docker\nSocketMode=0660\n")
                        .run_root("systemctl daemon-reload")
                        .run_root("systemctl restart docker.socket docker.service")
                } else {
                    // dockerd gives its socket to `--group` (docker by default) when it starts.
                    fix.manual("Make sure no -G/--group option names another group in the daemon's options, then restart it.")
                        .service(ServiceAction::Restart)
                };
                evidence(WRONG_GROUP.finding(format!("{sock} is {owner}:{group}, not group-owned by docker (gid {})", g.gid)))
                .detail("The socket was created before the docker group existed, or a SocketGroup/--group setting names another group.")
                .fix(
                    fix.run(argv!["stat", "-c", "%U:%G %a", &sock])
                        .why("expect root:docker 660")
                        .note(ROOT_EQUIVALENT)
                        .docs(GROUP_DOCS),
                )
            }
        };
        return vec![f.fix(rootless)];
    }
    if stat.mode & 0o060 != 0o060 {
        let fix = if systemd {
            Fix::new("Give the group read/write through the socket unit")
                .write_file(
                    "/etc/systemd/system/docker.socket.d/override.conf",
                    format!("[Socket]\nSocketGroup={group}\nSocketMode=0660\n"),
                )
                .run_root("systemctl daemon-reload")
                .run_root("systemctl restart docker.socket docker.service")
        } else {
            // dockerd creates its socket 0660 when it starts.
            Fix::new("Restart the daemon so it recreates its socket with mode 0660")
                .service(ServiceAction::Restart)
        };
        return vec![
            evidence(NO_GROUP_ACCESS.finding(format!(
                "{sock} has mode {:04o}: its group {group} cannot read and write it",
                stat.mode
            )))
            .fix(fix.note(ROOT_EQUIVALENT)),
        ];
    }
    if id.process_has(stat.gid) {
        return vec![
            evidence(OK.finding(format!("{user} is in group {group}, which may use {sock}")))
                .detail(ROOT_EQUIVALENT),
        ];
    }
    if id.account_has(stat.gid) {
        return vec![evidence(GROUP_NOT_ACTIVE.finding(format!(
            "{user} is in group {group}, but this session does not have it yet"
        )))
        .detail("Groups are fixed when a login session starts: shells (and on a desktop, the whole session) opened before `usermod -aG` keep the old list. Adding the user again changes nothing.")
        .fix(
            Fix::new("Start a session that has the group")
                .manual("Log out of every session (desktop logout, close SSH connections) and log in again; a reboot also does it.")
                .run(argv!["newgrp", group])
                .why("only this shell, meanwhile")
                .run("id -nG")
                .why(format!("must now list {group}"))
                .docs(GROUP_DOCS),
        )];
    }
    vec![
        evidence(
            NOT_IN_GROUP.finding(format!("{user} is not in group {group}, which owns {sock}")),
        )
        .fix(
            Fix::new(format!("Add {user} to the {group} group"))
                .run_root(argv!["usermod", "-aG", &group, user])
                .manual("Log out completely and back in (or reboot) so the session gets the group.")
                .run(argv!["newgrp", &group])
                .why("only this shell, meanwhile")
                .note(ROOT_EQUIVALENT)
                .docs(GROUP_DOCS),
        )
        .fix(rootless),
    ]
}

fn names(groups: &[crate::host::Group]) -> String {
    groups
        .iter()
        .map(|g| g.name.as_str())
        .collect::<Vec<_>>()
        .join(" ")
}
