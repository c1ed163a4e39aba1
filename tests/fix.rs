//! `docker-doctor fix`: the script is valid sh with the user's values and root steps marked,
//! and steps that need a person stay comments; `--apply` asks (refuses without a terminal
//! unless --yes), never applies a captured machine's fixes, runs the fix and re-checks.
#![cfg(unix)] // uses Unix sockets, FIFOs or file modes

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

/// The check's options belong after `fix`: given before it they were dropped without a
/// word (`docker-doctor --offline fix --apply` went online, `--only` chose nothing).
#[test]
fn the_checks_options_before_a_subcommand_are_refused_not_dropped() {
    let tmp = tempfile::tempdir().unwrap();
    for args in [
        &["--offline", "fix"][..],
        &["--only", "proxy", "fix", "--script"][..],
        &["--format", "json", "bundle"][..],
    ] {
        let run = capture(doctor(tmp.path(), &[], args));
        assert_eq!(run.code, 64, "{args:?}: {}", run.stdout);
        assert!(run.stderr.contains("cannot be used with"), "{}", run.stderr);
        assert!(
            !run.stdout.contains("#!/bin/sh"),
            "{args:?} ran: {}",
            run.stdout
        );
    }
}

#[test]
fn apply_runs_the_fix_and_checks_again() {
    let tmp = tempfile::tempdir().unwrap();
    // The CLI's current context does not exist: `docker context use default` (run by the
    // real docker CLI) clears it, and the probe then finds nothing to say.
    std::fs::create_dir_all(tmp.path().join(".docker")).unwrap();
    std::fs::write(
        tmp.path().join(".docker/config.json"),
        r#"{"currentContext": "gone"}"#,
    )
    .unwrap();
    let run = capture(doctor(
        tmp.path(),
        &[],
        &["fix", "--apply", "--yes", "--only", "endpoint", "--offline"],
    ));
    let out = &run.stdout;
    assert!(out.contains("endpoint.context-not-found"), "{out}");
    assert!(out.contains("$ docker context use default"), "{out}");
    assert!(
        out.contains("Confirmed: endpoint.context-not-found is no longer reported"),
        "{out}\n{}",
        run.stderr
    );
    assert_eq!(run.code, 0, "{out}\n{}", run.stderr);
    // Commands that only change the shell they run in are never "applied".
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
            "--ignore",
            "proxy.daemon-missing",
        ],
    ));
    assert!(!run.stdout.contains("$ export"), "{}", run.stdout);
}

/// Runs `script` with every command it might call replaced by a stub that only records its
/// name, and returns the names that ran.
fn run_with_stubs(script: &str, dir: &std::path::Path) -> String {
    let bin = dir.join("stub-bin");
    std::fs::create_dir_all(&bin).unwrap();
    let log = dir.join("ran");
    let stub = bin.join("_stub");
    std::fs::write(
        &stub,
        format!("#!/bin/sh\necho \"${{0##*/}}\" >> '{}'\n", log.display()),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&stub, std::fs::Permissions::from_mode(0o755)).unwrap();
    for c in [
        "touch",
        "sudo",
        "doas",
        "su",
        "service",
        "systemctl",
        "journalctl",
        "ls",
        "chown",
        "chmod",
        "docker",
        "dockerd",
        "id",
        "mkdir",
        "tee",
        "cp",
        "mv",
        "rm",
        "usermod",
        "groupadd",
        "newgrp",
        "update-ca-certificates",
        "apt-get",
        "kill",
        "python3",
        "curl",
        "tail",
        "stat",
        "getent",
        "cat",
        "sed",
        "grep",
        "date",
    ] {
        let _ = std::os::unix::fs::symlink("_stub", bin.join(c));
    }
    let _ = Command::new("/bin/sh")
        .arg("-c")
        .arg(script)
        .current_dir(dir)
        .env_clear()
        .env("PATH", &bin)
        .output()
        .unwrap();
    std::fs::read_to_string(&log).unwrap_or_default()
}

#[test]
fn hostile_values_stay_text_in_the_script() {
    let tmp = tempfile::tempdir().unwrap();
    let w = tmp.path();
    let marker = w.join("INJECTED");
    let m = marker.display().to_string();
    // A config directory whose path runs a command if unquoted; config.json in it is a
    // directory, so the config finding (with the path in its fix) is reported.
    let config = w.join(format!("p$(touch {m})q`touch {m}`'\"\nx"));
    std::fs::create_dir_all(config.join("config.json")).unwrap();
    let dead = format!("unix://{}/$(touch {m})/docker.sock", w.display());
    let proxy = format!("http://u:p@proxy$(touch {m}).example:3128");
    let env = [
        ("DOCKER_CONFIG", config.to_str().unwrap()),
        ("DOCKER_HOST", dead.as_str()),
        ("HTTPS_PROXY", proxy.as_str()),
        ("http_proxy", "http://`touch INJECTED`:3128"),
    ];
    let run = capture(doctor(w, &env, &["fix", "--script", "--offline"]));
    let s = run.stdout;
    assert!(s.starts_with("#!/bin/sh\n"), "{s}\n{}", run.stderr);
    assert!(
        s.contains("# ---"),
        "some problem with a fix is reported:\n{s}"
    );
    assert!(sh_syntax_ok(&s), "{s}");
    let ran = run_with_stubs(&s, w);
    assert!(!marker.exists(), "a value ran as a command:\n{s}");
    assert!(
        !w.join("INJECTED").exists(),
        "a value ran as a command:\n{s}"
    );
    assert!(
        !ran.lines().any(|l| l == "touch"),
        "touch ran from a value:\n{ran}\n{s}"
    );
}

/// A proxy password holding `/` and `#` unencoded: every URL parser ends the proxy's
/// address at the `/`, so the doctor names it (never the password, in any format), and
/// the value written as the fix says (percent-encoded) reads as the proxy meant.
#[test]
fn a_raw_password_in_a_proxy_is_named_and_its_encoded_form_is_read_as_meant() {
    let tmp = tempfile::tempdir().unwrap();
    let dead = ("DOCKER_HOST", "unix:///nonexistent/dd-fix.sock");
    let raw = "http://bob:60917/CANARY#9@proxy.corp.example:3128";
    let before = capture(doctor(
        tmp.path(),
        &[("HTTPS_PROXY", raw), dead],
        &["--format", "json", "--offline", "--only", "proxy"],
    ))
    .json();
    let f = finding(&before, "proxy.password-unencoded");
    // The port a parser reads is the password's start: masked like the rest of it.
    assert_eq!(evidence(f, "parsed_as"), Some("bob:<redacted>"), "{f:#}");
    assert_eq!(
        evidence(f, "meant"),
        Some("http://bob:<password>@proxy.corp.example:3128")
    );
    let step = f["fixes"][0]["steps"][0]["text"].as_str().unwrap();
    assert!(
        step.contains("`/` as %2F") && step.contains("`#` as %23"),
        "{step}"
    );
    for format in ["human", "json", "markdown"] {
        let out = capture(doctor(
            tmp.path(),
            &[("HTTPS_PROXY", raw), dead],
            &["--format", format, "--offline", "--only", "proxy"],
        ));
        for part in ["60917", "CANARY"] {
            assert!(!out.stdout.contains(part), "{format}: {}", out.stdout);
        }
    }
    // The daemon's fix carries the proxy meant, its password left for the person: never
    // `bob:60917` (the start of the password, read as a port).
    let script = capture(doctor(
        tmp.path(),
        &[("HTTPS_PROXY", raw), dead],
        &["fix", "--only", "proxy", "--offline"],
    ))
    .stdout;
    assert!(!script.contains("60917"), "{script}");
    assert!(!script.contains("CANARY"), "{script}");
    assert!(
        script.contains("http://bob:<password>@proxy.corp.example:3128"),
        "{script}"
    );
    // Applied: the password percent-encoded as the fix says.
    let encoded = "http://bob:60917%2FCANARY%239@proxy.corp.example:3128";
    let after = capture(doctor(
        tmp.path(),
        &[("HTTPS_PROXY", encoded), dead],
        &["--format", "json", "--offline", "--only", "proxy"],
    ))
    .json();
    assert!(findings(&after, "proxy.password-unencoded").is_empty());
    // The proxy is now the one meant: the daemon-missing finding names its host.
    let missing = finding(&after, "proxy.daemon-missing");
    assert!(
        missing["summary"]
            .as_str()
            .unwrap()
            .contains("http://bob:<redacted>@proxy.corp.example:3128"),
        "{missing:#}"
    );
    assert!(!after.to_string().contains("CANARY"), "{after}");
}
