//! Daemon sockets that are missing, stale, hung or not Docker, and settings that are broken:
//! real sockets made by the test, no root needed.
#![cfg(unix)] // uses Unix sockets, FIFOs or file modes

mod common;

use common::*;
use std::io::{Read, Write};
use std::os::unix::net::UnixListener;
use std::process::Command;
use std::time::Duration;

/// A socket that accepts and holds every connection without a byte of answer.
fn hung_socket(dir: &std::path::Path) -> std::path::PathBuf {
    let sock = dir.join("hung.sock");
    let listener = UnixListener::bind(&sock).unwrap();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for conn in listener.incoming().flatten() {
            held.push(conn);
        }
    });
    sock
}

#[test]
fn missing_socket_is_an_error_that_names_the_path() {
    let tmp = tempfile::tempdir().unwrap();
    let sock = tmp.path().join("nothing.sock");
    let host = format!("unix://{}", sock.display());
    let run = capture(doctor(
        tmp.path(),
        &[("DOCKER_HOST", &host)],
        &["--format", "json", "--only", "daemon"],
    ));
    assert_eq!(run.code, 2, "{}", run.stdout);
    let r = run.json();
    let f = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == "daemon.not-running" || f["id"] == "daemon.not-installed")
        .expect("a missing-socket finding");
    assert!(f["summary"].as_str().unwrap().contains(&host), "{f}");
}

#[test]
fn stale_socket_is_told_apart_from_missing() {
    let tmp = tempfile::tempdir().unwrap();
    let sock = tmp.path().join("stale.sock");
    drop(UnixListener::bind(&sock).unwrap()); // the file stays, nobody listens
    let host = format!("unix://{}", sock.display());
    let run = capture(doctor(
        tmp.path(),
        &[("DOCKER_HOST", &host)],
        &["--format", "json", "--only", "daemon"],
    ));
    let r = run.json();
    let f = finding(&r, "daemon.socket-stale");
    assert!(
        f["summary"].as_str().unwrap().contains("nothing listens"),
        "{f}"
    );
    assert_eq!(run.code, 2);
}

#[test]
fn a_socket_that_never_answers_finishes_within_the_timeout() {
    let tmp = tempfile::tempdir().unwrap();
    let sock = hung_socket(tmp.path());
    let host = format!("unix://{}", sock.display());
    let run = capture(doctor(
        tmp.path(),
        &[("DOCKER_HOST", &host)],
        &["--format", "json", "--timeout", "2"],
    ));
    assert!(
        run.elapsed < Duration::from_millis(2500),
        "took {:?} with --timeout 2",
        run.elapsed
    );
    let r = run.json();
    let f = finding(&r, "daemon.no-answer");
    assert!(
        f["summary"].as_str().unwrap().contains("gave no answer"),
        "{f}"
    );
    assert_eq!(run.code, 2);
}

#[test]
fn something_that_is_not_docker_is_named_as_such() {
    let tmp = tempfile::tempdir().unwrap();
    let sock = tmp.path().join("web.sock");
    let listener = UnixListener::bind(&sock).unwrap();
    std::thread::spawn(move || {
        for mut conn in listener.incoming().flatten() {
            let mut buf = [0u8; 4096];
            let _ = conn.read(&mut buf);
            let _ = conn.write_all(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 15\r\n\r\n<html>hi</html>");
        }
    });
    let host = format!("unix://{}", sock.display());
    let run = capture(doctor(
        tmp.path(),
        &[("DOCKER_HOST", &host)],
        &["--format", "json", "--only", "daemon"],
    ));
    let r = run.json();
    let f = finding(&r, "daemon.not-docker");
    assert!(f["summary"].as_str().unwrap().contains(&host), "{f}");
}

#[test]
fn unknown_docker_host_scheme_is_a_finding_naming_the_value() {
    let tmp = tempfile::tempdir().unwrap();
    let run = capture(doctor(
        tmp.path(),
        &[("DOCKER_HOST", "htp://10.0.0.1:2375")],
        &["--format", "json"],
    ));
    let r = run.json();
    let f = finding(&r, "endpoint.invalid-host");
    assert!(
        f["summary"]
            .as_str()
            .unwrap()
            .contains("htp://10.0.0.1:2375"),
        "{f}"
    );
    assert!(commands(f).contains("unset DOCKER_HOST"));
    // The daemon probe does not guess an address; it points at the endpoint problem.
    assert_eq!(
        finding(&r, "daemon.unchecked")["caused_by"],
        "endpoint.invalid-host"
    );
    assert_eq!(run.code, 2);
}

#[test]
fn malformed_config_json_names_file_line_and_column() {
    let tmp = tempfile::tempdir().unwrap();
    let cfg = tmp.path().join("cfg");
    std::fs::create_dir(&cfg).unwrap();
    std::fs::write(
        cfg.join("config.json"),
        "{\n  \"currentContext\": \"x\",\n}\n",
    )
    .unwrap();
    let run = capture(doctor(
        tmp.path(),
        &[("DOCKER_CONFIG", cfg.to_str().unwrap())],
        &["--format", "json", "--only", "endpoint"],
    ));
    let r = run.json();
    let f = finding(&r, "endpoint.config-invalid");
    assert!(
        f["summary"].as_str().unwrap().contains("config.json"),
        "{f}"
    );
    assert_eq!(evidence(f, "line"), Some("3"));
    assert_eq!(evidence(f, "column"), Some("1"));
}

#[test]
fn malformed_context_metadata_names_the_file() {
    let tmp = tempfile::tempdir().unwrap();
    let cfg = tmp.path().join("cfg");
    // sha256("broken")
    let digest = {
        let out = std::process::Command::new("sh")
            .args(["-c", "printf broken | sha256sum | cut -d' ' -f1"])
            .output()
            .unwrap();
        String::from_utf8(out.stdout).unwrap().trim().to_string()
    };
    let dir = cfg.join("contexts/meta").join(&digest);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("meta.json"), "{\"Name\":\"broken\",\"Endpoints\":").unwrap();
    let run = capture(doctor(
        tmp.path(),
        &[
            ("DOCKER_CONFIG", cfg.to_str().unwrap()),
            ("DOCKER_CONTEXT", "broken"),
        ],
        &["--format", "json"],
    ));
    let r = run.json();
    let f = finding(&r, "endpoint.context-invalid");
    assert!(f["summary"].as_str().unwrap().contains(&digest), "{f}");
    assert_eq!(run.code, 2);
}

#[test]
fn missing_context_is_named() {
    let tmp = tempfile::tempdir().unwrap();
    let run = capture(doctor(
        tmp.path(),
        &[("DOCKER_CONTEXT", "desktop-linux")],
        &["--format", "json"],
    ));
    let r = run.json();
    let f = finding(&r, "endpoint.context-not-found");
    // DOCKER_CONTEXT overrides `docker context use`: the fix is to unset it.
    assert!(commands(f).contains("unset DOCKER_CONTEXT"), "{f}");
    assert!(!commands(f).contains("docker context use"), "{f}");
    // Without the variable, the selected context comes from config.json: switch it.
    std::fs::create_dir_all(tmp.path().join(".docker")).unwrap();
    std::fs::write(
        tmp.path().join(".docker/config.json"),
        r#"{"currentContext": "desktop-linux"}"#,
    )
    .unwrap();
    let r = capture(doctor(tmp.path(), &[], &["--format", "json"])).json();
    let f = finding(&r, "endpoint.context-not-found");
    assert!(commands(f).contains("docker context use default"), "{f}");
}

#[test]
fn unknown_probe_is_a_usage_error() {
    let tmp = tempfile::tempdir().unwrap();
    let run = capture(doctor(tmp.path(), &[], &["--only", "nosuch"]));
    assert_eq!(run.code, 64);
    assert!(run.stderr.contains("nosuch"));
    let run = capture(doctor(tmp.path(), &[], &["--format", "yaml"]));
    assert_eq!(run.code, 64);
}

#[test]
fn colour_only_when_asked_or_on_a_terminal() {
    let tmp = tempfile::tempdir().unwrap();
    let piped = capture(doctor(tmp.path(), &[], &["--only", "endpoint"]));
    assert!(
        !piped.stdout.contains('\u{1b}'),
        "escape codes in piped output"
    );
    let forced = capture(doctor(
        tmp.path(),
        &[],
        &["--only", "endpoint", "--color", "always"],
    ));
    assert!(forced.stdout.contains('\u{1b}'));
    let never = capture(doctor(
        tmp.path(),
        &[("NO_COLOR", "1")],
        &["--only", "endpoint", "--color", "auto"],
    ));
    assert!(!never.stdout.contains('\u{1b}'));
}

#[test]
fn json_output_is_the_document_and_nothing_else() {
    let tmp = tempfile::tempdir().unwrap();
    let run = capture(doctor(
        tmp.path(),
        &[("DOCKER_HOST", "unix:///nonexistent/docker.sock")],
        &["--format", "json"],
    ));
    let r = run.json();
    assert_eq!(r["schema_version"], 1);
    assert_eq!(r["tool"]["name"], "docker-doctor");
    for p in r["probes"].as_array().unwrap() {
        assert!(p["duration_ms"].is_u64());
    }
    for f in r["findings"].as_array().unwrap() {
        assert!(["ok", "info", "warn", "error"].contains(&f["severity"].as_str().unwrap()));
        assert_eq!(
            f["probe"].as_str().unwrap(),
            f["id"].as_str().unwrap().split('.').next().unwrap()
        );
    }
}

#[test]
fn a_fifo_for_config_json_and_a_hanging_cli_do_not_hang_the_run() {
    let tmp = tempfile::tempdir().unwrap();
    let cfg = tmp.path().join("cfg");
    std::fs::create_dir(&cfg).unwrap();
    // Opening a FIFO for reading blocks until a writer comes: none will.
    let fifo = cfg.join("config.json");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    // A docker CLI that never answers `--version`.
    let bin_dir = tmp.path().join("bin");
    std::fs::create_dir(&bin_dir).unwrap();
    let fake = bin_dir.join("docker");
    std::fs::write(&fake, "#!/bin/sh\nexec sleep 30\n").unwrap();
    std::process::Command::new("chmod")
        .arg("+x")
        .arg(&fake)
        .status()
        .unwrap();
    let path = format!("{}:/usr/bin:/bin", bin_dir.display());
    let run = capture(doctor(
        tmp.path(),
        &[("DOCKER_CONFIG", cfg.to_str().unwrap()), ("PATH", &path)],
        &["--format", "json", "--timeout", "2"],
    ));
    assert!(
        run.elapsed < Duration::from_millis(2500),
        "took {:?}",
        run.elapsed
    );
    let r = run.json();
    let f = finding(&r, "endpoint.config-unreadable");
    assert!(
        f["summary"]
            .as_str()
            .unwrap()
            .contains("not a regular file"),
        "{f}"
    );
    let f = finding(&r, "cli.version-failed");
    assert!(
        f["summary"].as_str().unwrap().contains("gave no answer"),
        "{f}"
    );
}

#[test]
fn offline_skips_the_network_probes_and_bad_registries_are_usage_errors() {
    let tmp = tempfile::tempdir().unwrap();
    let run = capture(doctor(
        tmp.path(),
        &[("DOCKER_HOST", "unix:///nonexistent/docker.sock")],
        &["--format", "json", "--offline"],
    ));
    let r = run.json();
    for id in ["registry", "ca"] {
        let p = r["probes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["id"] == id)
            .unwrap();
        assert_eq!(p["status"], "skipped", "{p}");
        assert_eq!(p["skipped_because"], "--offline");
    }
    let bad = capture(doctor(tmp.path(), &[], &["--registry", "not a host"]));
    assert_eq!(bad.code, 64);
    assert!(bad.stderr.contains("not HOST[:PORT]"), "{}", bad.stderr);
}

#[test]
fn a_terminal_sees_which_probes_are_still_running() {
    // `script` (util-linux) gives the binary a terminal.
    if Command::new("script").arg("--version").output().is_err() {
        eprintln!("skipped: no `script` (util-linux) here");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let sock = hung_socket(tmp.path());
    let typescript = tmp.path().join("typescript");
    let cmd = format!("{} --only daemon --timeout 1.5", bin().display());
    let status = Command::new("script")
        .args(["-qec", &cmd])
        .arg(&typescript)
        .env("DOCKER_HOST", format!("unix://{}", sock.display()))
        .env("HOME", tmp.path())
        .stdout(std::process::Stdio::null())
        .status()
        .unwrap();
    assert_eq!(status.code(), Some(2));
    let seen = std::fs::read_to_string(&typescript).unwrap();
    assert!(seen.contains("checking: daemon"), "{seen}");
    // The line is cleared before the report, which follows it whole.
    let cleared = seen.rfind("\r\x1b[2K").unwrap();
    let report = seen.find("Problems, root cause first").unwrap();
    assert!(cleared < report, "{seen:?}");
    assert!(seen[report..].contains("daemon.no-answer"), "{seen}");
}
