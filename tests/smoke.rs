//! `--smoke` against Debian's real dockerd: images made by `docker import` of a static
//! busybox, one that exits 0 and one that exits 1, and an image that is not there with no
//! way to pull it. The container is always removed. Needs root and docker.io,
//! busybox-static (scripts/test.sh).
#![cfg(target_os = "linux")] // needs Linux (namespaces, procfs, a real dockerd, or getrusage in KiB)

mod common;

use common::dockerd::Dockerd;
use common::*;
use std::process::{Command, Stdio};

/// `docker import` of a one-binary image whose command is `busybox ARGS`.
fn import(d: &Dockerd, tag: &str, args: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    let bin = dir.path().join("bin");
    std::fs::create_dir(&bin).unwrap();
    std::fs::copy("/bin/busybox", bin.join("busybox")).expect("busybox-static is installed");
    let cmd = std::iter::once("/bin/busybox")
        .chain(args.iter().copied())
        .map(|a| format!("\"{a}\""))
        .collect::<Vec<_>>()
        .join(",");
    let mut tar = Command::new("tar")
        .arg("-C")
        .arg(dir.path())
        .args(["-c", "."])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let status = Command::new("docker")
        .arg("-H")
        .arg(d.host())
        .args(["import", "--change", &format!("CMD [{cmd}]"), "-", tag])
        .stdin(tar.stdout.take().unwrap())
        .stdout(Stdio::null())
        .status()
        .unwrap();
    assert!(tar.wait().unwrap().success(), "tar");
    assert!(status.success(), "docker import {tag}");
}

fn leftovers(d: &Dockerd) -> String {
    let out = Command::new("docker")
        .arg("-H")
        .arg(d.host())
        .args(["ps", "-aq", "--filter", "label=org.docker-doctor.smoke=1"])
        .output()
        .unwrap();
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

fn smoke(d: &Dockerd, image: &str, extra: &[&str]) -> serde_json::Value {
    let home = tempfile::tempdir().unwrap();
    let mut args = vec!["--format", "json", "--smoke", "--smoke-image", image];
    args.extend_from_slice(extra);
    capture(doctor(home.path(), &[("DOCKER_HOST", &d.host())], &args)).json()
}

#[test]
#[ignore = "needs root and Debian's docker.io; run through scripts/test.sh"]
fn a_container_that_exits_0_passes_every_phase() {
    let d = Dockerd::start();
    import(&d, "dd-smoke:ok", &["echo", "hello from busybox"]);
    let r = smoke(&d, "dd-smoke:ok", &["--only", "daemon,smoke"]);
    let ok = finding(&r, "smoke.ok");
    for phase in ["image", "create", "start", "wait", "logs", "remove"] {
        assert!(
            evidence(ok, &format!("{phase}_ms")).is_some(),
            "{phase} not timed: {ok}"
        );
    }
    assert!(evidence(ok, "pull_ms").is_none(), "the image was there");
    assert_eq!(leftovers(&d), "", "the container must be removed");
}

#[test]
#[ignore = "needs root and Debian's docker.io; run through scripts/test.sh"]
fn a_non_zero_exit_is_an_error_with_the_output() {
    let d = Dockerd::start();
    import(
        &d,
        "dd-smoke:fails",
        &["sh", "-c", "echo cannot find config >&2; exit 3"],
    );
    let r = smoke(&d, "dd-smoke:fails", &["--only", "daemon,smoke"]);
    let f = finding(&r, "smoke.exit-nonzero");
    assert_eq!(evidence(f, "exit_code"), Some("3"));
    assert!(
        evidence(f, "output")
            .unwrap()
            .contains("cannot find config")
    );
    assert_eq!(f["severity"], "error");
    assert_eq!(leftovers(&d), "");
}

#[test]
#[ignore = "needs root and Debian's docker.io; run through scripts/test.sh"]
fn a_missing_image_without_network_fails_fast_at_the_pull() {
    let d = Dockerd::start();
    let home = tempfile::tempdir().unwrap();
    let run = capture(doctor(
        home.path(),
        &[("DOCKER_HOST", &d.host())],
        &[
            "--format",
            "json",
            "--smoke",
            "--smoke-image",
            "dd-not-here/nothing:1",
            "--only",
            "daemon,registry,smoke",
            "--timeout",
            "20",
        ],
    ));
    let r = run.json();
    let f = finding(&r, "smoke.pull-failed");
    assert!(evidence(f, "pull_ms").is_some());
    // The registry probe says why the daemon cannot pull here.
    assert!(
        f["caused_by"]
            .as_str()
            .is_some_and(|c| c.starts_with("registry.")),
        "{f}"
    );
    assert!(run.elapsed.as_secs() < 20, "took {:?}", run.elapsed);
    assert_eq!(leftovers(&d), "");
}
