//! The ports probe against real listeners opened by the test: the holder is named by pid
//! and process name, the suggested port is really free; as an unprivileged user (root
//! test), a root listener is named by its uid only.
#![cfg(target_os = "linux")] // needs Linux (namespaces, procfs, a real dockerd, or getrusage in KiB)

mod common;

use common::*;
use std::net::TcpListener;
use std::os::unix::fs::PermissionsExt;
use std::process::Command;

fn own_comm() -> String {
    std::fs::read_to_string("/proc/self/comm")
        .unwrap()
        .trim()
        .to_string()
}

fn about<'a>(r: &'a serde_json::Value, id: &str, port: u16) -> &'a serde_json::Value {
    findings(r, id)
        .into_iter()
        .find(|f| f["subject"].as_str() == Some(port.to_string().as_str()))
        .unwrap_or_else(|| panic!("no {id} for {port}: {}", r["findings"]))
}

#[test]
fn a_taken_port_names_this_process_and_a_really_free_port() {
    let held = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = held.local_addr().unwrap().port();
    // The port right above is taken too: the suggestion must skip it.
    let next = TcpListener::bind(("127.0.0.1", port + 1)).ok();
    let tmp = tempfile::tempdir().unwrap();
    let run = capture(doctor(
        tmp.path(),
        &[],
        &[
            "--only",
            "ports",
            "--format",
            "json",
            "--port",
            &format!("{port}:80"),
        ],
    ));
    let r = run.json();
    let f = about(&r, "ports.in-use-process", port);
    assert_eq!(
        evidence(f, "pid"),
        Some(std::process::id().to_string().as_str())
    );
    assert_eq!(evidence(f, "process"), Some(own_comm().as_str()));
    let free: u16 = evidence(f, "nearest free port").unwrap().parse().unwrap();
    assert!(free > port);
    if next.is_some() {
        assert_ne!(free, port + 1, "{port}+1 is held by this test");
    }
    assert!(
        TcpListener::bind(("0.0.0.0", free)).is_ok(),
        "the suggested port {free} is not free"
    );
    assert!(commands(f).contains(&format!("docker run -p {free}:80")));
    assert_eq!(run.code, 2);
}

#[test]
fn a_compose_file_is_read_with_its_duplicates() {
    let held = TcpListener::bind("0.0.0.0:0").unwrap();
    let taken = held.local_addr().unwrap().port();
    let free = TcpListener::bind("0.0.0.0:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let tmp = tempfile::tempdir().unwrap();
    let project = tmp.path().join("shop");
    std::fs::create_dir(&project).unwrap();
    std::fs::write(
        project.join("compose.yaml"),
        format!(
            "services:\n  web:\n    ports:\n      - \"{taken}:80\"\n  a:\n    ports:\n      - \"{free}:1\"\n  b:\n    ports:\n      - target: 2\n        published: {free}\n"
        ),
    )
    .unwrap();
    let mut cmd = doctor(tmp.path(), &[], &["--only", "ports", "--format", "json"]);
    cmd.current_dir(&project);
    let r = capture(cmd).json();
    about(&r, "ports.in-use-process", taken);
    let dup = about(&r, "ports.duplicate", free);
    assert!(
        dup["summary"]
            .as_str()
            .unwrap()
            .contains("services a and b")
    );
    let fix = &about(&r, "ports.in-use-process", taken)["fixes"][0]["steps"][0]["text"];
    assert!(fix.as_str().unwrap().contains("service web"), "{fix}");
}

#[test]
fn bad_port_values_are_named() {
    let tmp = tempfile::tempdir().unwrap();
    let r = capture(doctor(
        tmp.path(),
        &[],
        &["--only", "ports", "--format", "json", "--port", "http"],
    ))
    .json();
    assert!(ids(&r).contains(&"ports.bad-spec".to_string()));
}

#[test]
#[ignore = "needs root (runs the binary as nobody); run through scripts/test.sh"]
fn another_users_listener_is_named_by_uid() {
    let held = TcpListener::bind("0.0.0.0:0").unwrap();
    let port = held.local_addr().unwrap().port();
    let dir = tempfile::tempdir().unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let exe = dir.path().join("docker-doctor");
    std::fs::copy(bin(), &exe).unwrap();
    let mut cmd = Command::new("setpriv");
    cmd.args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
        .arg(&exe)
        .args([
            "--only",
            "ports",
            "--format",
            "json",
            "--port",
            &port.to_string(),
        ])
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("HOME", dir.path());
    let r = capture(cmd).json();
    let f = about(&r, "ports.in-use-uid", port);
    assert_eq!(evidence(f, "uid"), Some("0"));
    // nobody has neither sudo rights nor (here) sudo: the prefix is this host's.
    assert!(
        commands(f).contains("ss -ltnp") && commands(f).contains(&format!("sport = :{port}")),
        "{}",
        commands(f)
    );
    assert_ne!(r["host"]["privilege"], "root");
}
