//! Against Debian's real dockerd on a private socket, and as real unprivileged users.
//! Needs root and the packages scripts/test.sh installs (docker.io, util-linux's setpriv).
#![cfg(target_os = "linux")] // needs Linux (namespaces, procfs, a real dockerd, or getrusage in KiB)

mod common;

use common::dockerd::Dockerd;
use common::users::*;
use common::*;
use std::os::unix::fs::PermissionsExt;

use std::process::Command;

/// Runs the doctor as `user` through setpriv; `groups` is `--init-groups` (the account's
/// groups, like a fresh login) or `--clear-groups` (a session that predates usermod).
fn run_as(user: &str, groups: &str, daemon: &Dockerd, env: &[(&str, &str)], args: &[&str]) -> Run {
    let (uid, gid) = ensure_user_ids(user);
    let home = tempfile::tempdir().unwrap();
    std::fs::set_permissions(home.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
    let exe = shared_binary(daemon.dir.path());
    let mut cmd = Command::new("setpriv");
    cmd.arg(format!("--reuid={uid}"))
        .arg(format!("--regid={gid}"))
        .arg(groups)
        .arg("--")
        .arg(exe)
        .args(args)
        .env_clear()
        .env("PATH", "/usr/local/bin:/usr/bin:/bin")
        .env("HOME", home.path())
        .env("USER", user)
        .env("DOCKER_HOST", daemon.host());
    for (k, v) in env {
        cmd.env(k, v);
    }
    capture(cmd)
}

#[test]
#[ignore = "needs root and Debian's docker.io; run through scripts/test.sh"]
fn healthy_daemon_is_reported_with_its_real_version() {
    let d = Dockerd::start();
    let tmp = tempfile::tempdir().unwrap();
    let run = capture(doctor(
        tmp.path(),
        &[("DOCKER_HOST", &d.host())],
        // Local checks only: this machine has no route to Docker Hub.
        &["--format", "json", "--offline"],
    ));
    let r = run.json();
    let ok = finding(&r, "daemon.ok");
    assert_eq!(
        evidence(ok, "server_version"),
        Some(d.server_version().as_str())
    );
    assert_eq!(evidence(ok, "storage_driver"), Some("vfs"));
    assert_eq!(evidence(ok, "rootless"), Some("false"));
    assert!(evidence(ok, "api_version").is_some());
    assert!(evidence(ok, "cgroup_version").is_some());
    assert_eq!(finding(&r, "socket.ok")["severity"], "ok");
    // The test machine's own disk may be nearly full (CI's is): that is a true finding,
    // and the only error allowed here.
    let disk = |f: &serde_json::Value| f["id"].as_str().unwrap_or("").starts_with("storage.low-");
    for f in r["findings"].as_array().unwrap() {
        if !disk(f) {
            assert_ne!(f["severity"], "error", "unexpected error: {f}");
        }
    }
    let disk_full = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| disk(f) && f["severity"] == "error");
    assert!(
        run.code == 0 || run.code == 1 || (disk_full && run.code == 2),
        "exit {}",
        run.code
    );
}

#[test]
#[ignore = "needs root and Debian's docker.io; run through scripts/test.sh"]
fn user_outside_the_group_gets_usermod_with_their_name() {
    let d = Dockerd::start();
    ensure_user("dd-outsider", &[]);
    let run = run_as(
        "dd-outsider",
        "--init-groups",
        &d,
        &[],
        &["--format", "json"],
    );
    let r = run.json();
    let denied = finding(&r, "daemon.permission-denied");
    assert_eq!(denied["caused_by"], "socket.not-in-group");
    let f = finding(&r, "socket.not-in-group");
    // The root step gets this machine's prefix: sudo where it is installed, else su -c.
    let expected = match r["host"]["privilege"].as_str() {
        Some("sudo") => "sudo usermod -aG docker dd-outsider".to_string(),
        Some("su") => "su -c 'usermod -aG docker dd-outsider'".to_string(),
        other => panic!("a user that is not root: {other:?}"),
    };
    assert!(commands(f).contains(&expected), "{f}");
    assert!(
        !commands(f).contains("chmod"),
        "never chmod the socket: {f}"
    );
    let note = f["fixes"][0]["note"].as_str().unwrap();
    assert!(
        note.contains("root"),
        "root-equivalence note missing: {note}"
    );
    assert!(
        r.to_string().contains("rootless"),
        "rootless alternative missing"
    );
    // The root cause comes before its consequence.
    let order = ids(&r);
    let pos = |id: &str| order.iter().position(|x| x == id).unwrap();
    assert!(pos("socket.not-in-group") < pos("daemon.permission-denied"));
    assert_eq!(run.code, 2);
}

#[test]
#[ignore = "needs root and Debian's docker.io; run through scripts/test.sh"]
fn member_whose_session_lacks_the_group_is_told_to_log_in_again_not_usermod() {
    let d = Dockerd::start();
    ensure_user("dd-member", &["docker"]);
    let run = run_as(
        "dd-member",
        "--clear-groups",
        &d,
        &[],
        &["--format", "json"],
    );
    let r = run.json();
    let f = finding(&r, "socket.group-not-active");
    assert!(commands(f).contains("newgrp docker"), "{f}");
    for any in r["findings"].as_array().unwrap() {
        assert!(
            !commands(any).contains("usermod"),
            "must not suggest usermod again: {any}"
        );
    }
    assert_eq!(
        finding(&r, "daemon.permission-denied")["caused_by"],
        "socket.group-not-active"
    );
    // The human report says the same.
    let human = run_as(
        "dd-member",
        "--clear-groups",
        &d,
        &[],
        &["--color", "never"],
    );
    assert!(
        human.stdout.contains("Log out of every session"),
        "{}",
        human.stdout
    );
    assert!(!human.stdout.contains("$ sudo usermod"), "{}", human.stdout);
}

#[test]
#[ignore = "needs root and Debian's docker.io; run through scripts/test.sh"]
fn member_with_a_fresh_session_may_use_the_daemon() {
    let d = Dockerd::start();
    ensure_user("dd-member", &["docker"]);
    let run = run_as("dd-member", "--init-groups", &d, &[], &["--format", "json"]);
    let r = run.json();
    assert_eq!(finding(&r, "socket.ok")["severity"], "ok");
    assert_eq!(finding(&r, "daemon.ok")["severity"], "ok");
}

#[test]
#[ignore = "needs root and Debian's docker.io; run through scripts/test.sh"]
fn pinned_api_version_beyond_the_daemon_is_named() {
    let d = Dockerd::start();
    let tmp = tempfile::tempdir().unwrap();
    let run = capture(doctor(
        tmp.path(),
        &[("DOCKER_HOST", &d.host()), ("DOCKER_API_VERSION", "1.99")],
        &["--format", "json", "--only", "daemon"],
    ));
    let r = run.json();
    let f = finding(&r, "daemon.api-version-pinned");
    assert!(f["summary"].as_str().unwrap().contains("1.99"), "{f}");
    assert!(commands(f).contains("unset DOCKER_API_VERSION"));
    assert_eq!(run.code, 2);
}

#[test]
#[ignore = "needs root and Debian's docker.io; run through scripts/test.sh"]
fn stale_docker_host_points_to_the_daemon_that_answers() {
    let d = Dockerd::start();
    let tmp = tempfile::tempdir().unwrap();
    let dead = format!("unix://{}/gone/docker.sock", tmp.path().display());
    // The live daemon's socket sits where a rootless daemon's would: $XDG_RUNTIME_DIR/docker.sock.
    let runtime = d.socket().parent().unwrap().to_str().unwrap().to_string();
    let run = capture(doctor(
        tmp.path(),
        &[("DOCKER_HOST", &dead), ("XDG_RUNTIME_DIR", &runtime)],
        &["--format", "json"],
    ));
    let r = run.json();
    let f = finding(&r, "endpoint.stale");
    assert!(f["summary"].as_str().unwrap().contains(&d.host()), "{f}");
    let cmds = commands(f);
    assert!(cmds.contains("unset DOCKER_HOST"), "{cmds}");
    assert!(
        cmds.contains(&format!("export DOCKER_HOST={}", d.host())),
        "{cmds}"
    );
    // The missing socket is reported as a consequence of the stale setting.
    let missing = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == "daemon.not-running" || f["id"] == "daemon.not-installed")
        .unwrap();
    assert_eq!(missing["caused_by"], "endpoint.stale");
}

#[test]
#[ignore = "needs root and Debian's docker.io; run through scripts/test.sh"]
fn config_json_owned_by_root_is_named_with_the_chown_fix() {
    let d = Dockerd::start();
    ensure_user("dd-member", &["docker"]);
    // What `sudo docker login` leaves behind: a config directory only root can read.
    let cfg = tempfile::tempdir().unwrap();
    std::fs::write(cfg.path().join("config.json"), "{\"auths\":{}}").unwrap();
    std::fs::set_permissions(cfg.path(), std::fs::Permissions::from_mode(0o700)).unwrap();
    let run = run_as(
        "dd-member",
        "--init-groups",
        &d,
        &[("DOCKER_CONFIG", cfg.path().to_str().unwrap())],
        &["--format", "json"],
    );
    let r = run.json();
    let f = finding(&r, "endpoint.config-unreadable");
    assert!(
        f["summary"].as_str().unwrap().contains("permission denied"),
        "{f}"
    );
    assert!(commands(f).contains("chown"), "{f}");
    // The daemon itself is fine for this user.
    assert_eq!(finding(&r, "daemon.ok")["severity"], "ok");
}
