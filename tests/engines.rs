//! The engine that is there, named and fixed as itself: Debian's Podman serving its
//! Docker-compatible API (`podman system service`), and a rootless dockerd run by an
//! unprivileged user through rootlesskit (host network: /dev/net/tun is not open to users
//! here). Podman is never called Docker Engine nor given `service docker` or docker-group
//! fixes; a user's rootless daemon is never taken for the system's (no `kill PID`).
#![cfg(target_os = "linux")] // needs Linux (podman, rootlesskit, setpriv)

mod common;

use common::*;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Fixes that belong to a system Docker Engine, wrong for Podman and for rootless.
fn no_docker_engine_service(report: &Value) {
    for f in report["findings"].as_array().unwrap() {
        let all = commands(f);
        for wrong in [
            "service docker",
            "systemctl enable --now docker",
            "systemctl restart docker",
            "usermod",
            "dockerd-rootless-setuptool",
            "kill ",
        ] {
            assert!(!all.contains(wrong), "{}: {wrong} in {all}", f["id"]);
        }
    }
}

struct Podman {
    dir: tempfile::TempDir,
    child: Option<Child>,
}

impl Podman {
    fn socket(&self) -> PathBuf {
        self.dir.path().join("podman.sock")
    }

    fn host(&self) -> String {
        format!("unix://{}", self.socket().display())
    }

    /// `podman system service` as root, on a private storage, in the foreground.
    fn start() -> Podman {
        let dir = tempfile::Builder::new()
            .prefix("dd-podman-")
            .tempdir()
            .unwrap();
        let mut p = Podman { dir, child: None };
        p.serve();
        p
    }

    fn serve(&mut self) {
        let d = self.dir.path();
        let child = Command::new("podman")
            .args([
                "--storage-driver=vfs",
                "--cgroup-manager=cgroupfs",
                "--events-backend=file",
            ])
            .arg("--root")
            .arg(d.join("storage"))
            .arg("--runroot")
            .arg(d.join("run"))
            .args(["system", "service", "--time=0"])
            .arg(self.host())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("podman runs (apt-get install podman)");
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if std::os::unix::net::UnixStream::connect(self.socket()).is_ok() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("podman system service did not come up");
    }

    /// Killed hard: its socket stays behind, as after a crash.
    fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

impl Drop for Podman {
    fn drop(&mut self) {
        self.kill();
    }
}

fn check(home: &Path, env: &[(&str, &str)]) -> Value {
    capture(doctor(
        home,
        env,
        &["--format", "json", "--offline", "--timeout", "8"],
    ))
    .json()
}

/// The doctor run as `user` through setpriv, with this environment.
fn as_user(user: &str, home: &Path, env: &[(&str, &str)], bin: &Path) -> Value {
    let (uid, gid) = users::ensure_user_ids(user);
    let mut cmd = Command::new("setpriv");
    cmd.arg(format!("--reuid={uid}"))
        .arg(format!("--regid={gid}"))
        .arg("--init-groups")
        .args(["--", "env", "-i", "PATH=/usr/local/bin:/usr/bin:/bin"])
        .arg(format!("HOME={}", home.display()))
        .arg(format!("USER={user}"));
    for (k, v) in env {
        cmd.arg(format!("{k}={v}"));
    }
    cmd.arg(bin)
        .args(["--format", "json", "--offline", "--timeout", "8"]);
    capture(cmd).json()
}

#[test]
#[ignore = "needs root and Debian's podman; run through scripts/test.sh"]
fn podman_is_named_and_fixed_as_podman() {
    let mut podman = Podman::start();
    let home = tempfile::tempdir().unwrap();
    let host = podman.host();
    let env = [("DOCKER_HOST", host.as_str())];

    // Healthy: Podman and its own version, not "Docker Engine 4.3"; no Engine key table.
    let r = check(home.path(), &env);
    let ok = finding(&r, "daemon.ok");
    let summary = ok["summary"].as_str().unwrap();
    assert!(summary.starts_with("Podman 4."), "{summary}");
    assert!(!summary.contains("Docker Engine"), "{summary}");
    assert_eq!(evidence(ok, "engine"), Some("Podman"));
    assert_eq!(r["host"]["engine"], Value::Null, "{}", r["host"]);
    assert_eq!(
        r["host"]["service_manager"]["kind"], "podman",
        "{}",
        r["host"]
    );

    // Root's socket, asked by another user: no docker group, no service docker.
    users::ensure_user("dd-outsider", &[]);
    let shared = tempfile::Builder::new()
        .prefix("dd-bin-")
        .tempdir()
        .unwrap();
    std::fs::set_permissions(
        shared.path(),
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();
    std::fs::set_permissions(
        podman.dir.path(),
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();
    let bin = users::shared_binary(shared.path());
    let user_home = tempfile::tempdir().unwrap();
    std::fs::set_permissions(
        user_home.path(),
        std::os::unix::fs::PermissionsExt::from_mode(0o777),
    )
    .unwrap();
    let r = as_user("dd-outsider", user_home.path(), &env, &bin);
    let f = finding(&r, "socket.podman-not-yours");
    assert!(commands(f).contains("podman"), "{f}");
    no_docker_engine_service(&r);

    // Killed: the socket is left behind; restarted with podman, not service docker.
    podman.kill();
    let r = check(home.path(), &env);
    let f = finding(&r, "daemon.socket-stale");
    assert!(commands(f).contains("podman system service"), "{f}");
    no_docker_engine_service(&r);

    // Gone: started with podman.
    std::fs::remove_file(podman.socket()).unwrap();
    let r = check(home.path(), &env);
    let f = finding(&r, "daemon.not-running");
    assert!(f["summary"].as_str().unwrap().contains("Podman"), "{f}");
    assert!(commands(f).contains("podman system service"), "{f}");
    no_docker_engine_service(&r);

    // The printed start, applied, brings it back.
    podman.serve();
    let r = check(home.path(), &env);
    finding(&r, "daemon.ok");
}

/// A rootless dockerd of `user`, through Debian's dockerd-rootless.sh on rootlesskit's
/// host network; stopped with the test.
struct Rootless {
    child: Child,
    runtime: PathBuf,
}

impl Drop for Rootless {
    fn drop(&mut self) {
        let _ = Command::new("pkill")
            .args(["-TERM", "-P", &self.child.id().to_string()])
            .status();
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = Command::new("pkill")
            .args(["-KILL", "-u", "dd-rootless"])
            .status();
    }
}

fn start_rootless(user: &str, home: &Path) -> Rootless {
    let (uid, gid) = users::ensure_user(user, &[]);
    // rootlesskit maps the user's subordinate ids.
    for db in ["/etc/subuid", "/etc/subgid"] {
        let text = std::fs::read_to_string(db).unwrap_or_default();
        if !text.lines().any(|l| l.starts_with(&format!("{user}:"))) {
            let mut f = std::fs::OpenOptions::new().append(true).open(db).unwrap();
            std::io::Write::write_all(&mut f, format!("{user}:300000:65536\n").as_bytes()).unwrap();
        }
    }
    let runtime = PathBuf::from(format!("/run/user/{uid}"));
    std::fs::create_dir_all(&runtime).unwrap();
    let own = |p: &Path| {
        let ok = Command::new("chown")
            .arg(format!("{uid}:{gid}"))
            .arg(p)
            .status()
            .unwrap();
        assert!(ok.success());
    };
    own(&runtime);
    std::fs::set_permissions(
        &runtime,
        std::os::unix::fs::PermissionsExt::from_mode(0o700),
    )
    .unwrap();
    own(home);
    let child = Command::new("setpriv")
        .arg(format!("--reuid={uid}"))
        .arg(format!("--regid={gid}"))
        .arg("--init-groups")
        .args(["--", "env", "-i", "PATH=/usr/sbin:/usr/bin:/sbin:/bin"])
        .arg(format!("HOME={}", home.display()))
        .arg(format!("XDG_RUNTIME_DIR={}", runtime.display()))
        .arg("DOCKERD_ROOTLESS_ROOTLESSKIT_NET=host")
        .arg("DOCKERD_ROOTLESS_ROOTLESSKIT_PORT_DRIVER=none")
        .args([
            "/usr/share/docker.io/contrib/dockerd-rootless.sh",
            "--iptables=false",
            "--ip6tables=false",
            "--bridge=none",
            "--storage-driver=vfs",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("dockerd-rootless.sh (docker.io) and rootlesskit run");
    let r = Rootless { child, runtime };
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        if std::os::unix::net::UnixStream::connect(r.runtime.join("docker.sock")).is_ok() {
            return r;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    panic!("the rootless dockerd did not come up");
}

#[test]
#[ignore = "needs root, rootlesskit and uidmap; run through scripts/test.sh"]
fn a_users_rootless_daemon_is_found_and_never_taken_for_the_system_one() {
    let home = tempfile::Builder::new()
        .prefix("dd-rl-home-")
        .tempdir()
        .unwrap();
    let rootless = start_rootless("dd-rootless", home.path());
    let shared = tempfile::Builder::new()
        .prefix("dd-bin-")
        .tempdir()
        .unwrap();
    std::fs::set_permissions(
        shared.path(),
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();
    let bin = users::shared_binary(shared.path());
    let runtime = rootless.runtime.display().to_string();

    // DOCKER_HOST unset, no system daemon: the user's rootless daemon is named, with
    // the export that uses it; nothing prescribes killing it.
    let env = [("XDG_RUNTIME_DIR", runtime.as_str())];
    let r = as_user("dd-rootless", home.path(), &env, &bin);
    let f = finding(&r, "endpoint.elsewhere");
    let socket = format!("unix://{runtime}/docker.sock");
    let export = format!("export DOCKER_HOST={socket}");
    assert!(commands(f).contains(&export), "{f}");
    no_docker_engine_service(&r);
    assert_ne!(
        r["host"]["service_manager"]["kind"], "manual",
        "{}",
        r["host"]
    );

    // The fix, applied: the rootless daemon answers, and says it is rootless.
    let env = [
        ("XDG_RUNTIME_DIR", runtime.as_str()),
        ("DOCKER_HOST", socket.as_str()),
    ];
    let r = as_user("dd-rootless", home.path(), &env, &bin);
    let ok = finding(&r, "daemon.ok");
    assert_eq!(evidence(ok, "rootless"), Some("true"), "{ok}");
    no_docker_engine_service(&r);

    // Root looking at the system socket while the rootless daemon runs: not "started by
    // hand, kill it".
    let root_home = tempfile::tempdir().unwrap();
    let r = check(root_home.path(), &[]);
    for f in r["findings"].as_array().unwrap() {
        assert!(!commands(f).contains("kill "), "{f}");
    }
    assert_ne!(
        r["host"]["service_manager"]["kind"], "manual",
        "{}",
        r["host"]
    );
}
