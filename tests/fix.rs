//! `docker-doctor fix`: the script is valid sh with the user's values and root steps marked,
//! and steps that need a person stay comments; `--apply` asks (refuses without a terminal
//! unless --yes), never applies a captured machine's fixes, runs the fix and re-checks.

mod common;

use common::*;
use std::process::Command;

fn sh_syntax_ok(script: &str) -> bool {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("fix.sh");
    std::fs::write(&path, script).unwrap();
    Command::new("sh")
        .arg("-n")
        .arg(&path)
        .status()
        .unwrap()
        .success()
}

#[test]
fn the_script_carries_the_users_values_and_marks_root_steps() {
    let tmp = tempfile::tempdir().unwrap();
    let run = capture(doctor(
        tmp.path(),
        &[],
        &[
            "fix",
            "--script",
            "--fixture",
            &fixture_arg("linux-not-in-group"),
        ],
    ));
    assert_eq!(run.code, 0);
    let s = &run.stdout;
    assert!(s.starts_with("#!/bin/sh\n"));
    assert!(
        s.contains("\nsudo usermod -aG docker alice  # [root]\n"),
        "{s}"
    );
    assert!(s.contains("# TODO (by hand): Log out"), "{s}");
    assert!(s.contains("# --- socket.not-in-group (error)"));
    assert!(sh_syntax_ok(s), "{s}");
}

#[test]
fn files_are_written_with_a_heredoc_and_placeholders_stay_comments() {
    let tmp = tempfile::tempdir().unwrap();
    let env = [(
        "HTTPS_PROXY",
        "http://bob:CANARY-fix-9@proxy.corp.example:3128",
    )];
    // This machine's shell has a proxy with a password; no daemon has one.
    let env = [env[0], ("DOCKER_HOST", "unix:///nonexistent/dd-fix.sock")];
    let s = capture(doctor(
        tmp.path(),
        &env,
        &["fix", "--only", "proxy", "--offline"],
    ))
    .stdout;
    assert!(
        !s.contains("CANARY"),
        "the password must not reach the script"
    );
    // Where the file goes depends on this host's service manager (a systemd drop-in, the
    // init script's /etc/default/docker); either way it stays commented.
    assert!(
        s.lines().any(|l| l.starts_with("# ")
            && l.contains("tee ")
            && l.contains(">/dev/null <<'DOCKER_DOCTOR_EOF'")),
        "a file with <password> to fill in stays commented:\n{s}"
    );
    assert!(s.contains("bob:<password>@proxy.corp.example:3128"), "{s}");
    assert!(sh_syntax_ok(&s), "{s}");
    let dir = fixture_arg("linux-daemon-json-hosts-conflict");
    let s = capture(doctor(tmp.path(), &[], &["fix", "--fixture", &dir])).stdout;
    assert!(s.contains("<<'DOCKER_DOCTOR_EOF'\n[Service]"), "{s}");
    assert!(sh_syntax_ok(&s), "{s}");
}

#[test]
fn apply_refuses_without_a_terminal_or_on_a_captured_machine() {
    let tmp = tempfile::tempdir().unwrap();
    let run = capture(doctor(
        tmp.path(),
        &[],
        &["fix", "--apply", "--only", "endpoint"],
    ));
    assert_eq!(run.code, 64);
    assert!(run.stderr.contains("--yes"), "{}", run.stderr);
    let run = capture(doctor(
        tmp.path(),
        &[],
        &[
            "fix",
            "--apply",
            "--yes",
            "--fixture",
            &fixture_arg("linux-not-in-group"),
        ],
    ));
    assert_eq!(run.code, 64);
    assert!(run.stderr.contains("captured machine"), "{}", run.stderr);
}

#[test]
fn apply_runs_the_fix_and_checks_again() {
    let tmp = tempfile::tempdir().unwrap();
    let run = capture(doctor(
        tmp.path(),
        &[
            ("HTTPS_PROXY", "http://proxy-a.example:3128"),
            ("https_proxy", "http://proxy-b.example:3128"),
            ("DOCKER_HOST", "unix:///nonexistent/dd-fix.sock"),
        ],
        &[
            "fix",
            "--apply",
            "--yes",
            "--only",
            "proxy",
            "--offline",
            // Writing a drop-in into this machine's /etc is not for a test.
            "--ignore",
            "proxy.daemon-missing",
        ],
    ));
    let out = &run.stdout;
    assert!(out.contains("proxy.case-mismatch"), "{out}");
    assert!(
        out.contains("$ export https_proxy=\"$HTTPS_PROXY\""),
        "{out}"
    );
    // The doctor's own environment is what it checks again: still there.
    assert!(out.contains("still reported"), "{out}");
    assert_eq!(run.code, 0, "{out}\n{}", run.stderr);
}
