//! Fixes are prescriptions: each test here creates the fault on a real dockerd, takes the
//! fix the doctor prints for this host, applies it exactly as printed, and runs the doctor
//! again to see the finding gone. Needs root and Debian's docker.io (scripts/test.sh).

mod common;

use common::dockerd::Dockerd;
use common::*;
use serde_json::Value;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

/// The command lines of a finding's first fix, in order.
fn first_fix_commands(f: &Value) -> Vec<String> {
    f["fixes"][0]["steps"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["command"].as_str().map(str::to_string))
        .collect()
}

/// Runs `commands` in one shell with the given environment, then the doctor in that same
/// shell: what the user would do by typing the fix and running the doctor again.
fn apply_then_diagnose(home: &Path, env: &[(&str, &str)], commands: &[String]) -> Value {
    // What the fix's commands print goes to stderr: stdout holds the report.
    let script = format!(
        "{{\n{}\n}} >&2\nexec \"$DD_BIN\" --format json --offline",
        commands.join("\n")
    );
    let mut cmd = Command::new("sh");
    cmd.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", home)
        .env("DD_BIN", bin())
        .arg("-c")
        .arg(&script);
    for (k, v) in env {
        cmd.env(k, v);
    }
    capture(cmd).json()
}

fn diagnose(home: &Path, env: &[(&str, &str)]) -> Value {
    capture(doctor(home, env, &["--format", "json", "--offline"])).json()
}

/// A Docker context named `name` for `host`, made by the real docker CLI.
fn write_context(home: &Path, name: &str, host: &str) {
    let ok = Command::new("docker")
        .env("HOME", home)
        .env_remove("DOCKER_CONFIG")
        .args([
            "context",
            "create",
            name,
            "--docker",
            &format!("host={host}"),
        ])
        .output()
        .unwrap();
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
}

fn problems(r: &Value) -> Vec<String> {
    r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["severity"] == "error" || f["severity"] == "warn")
        .map(|f| f["id"].as_str().unwrap().to_string())
        .collect()
}

#[test]
#[ignore = "needs root and Debian's docker.io; run through scripts/test.sh"]
fn stale_docker_host_fix_clears_it() {
    let d = Dockerd::start();
    let home = tempfile::tempdir().unwrap();
    let dead = format!("unix://{}/gone/docker.sock", home.path().display());
    let runtime = d.socket().parent().unwrap().display().to_string();
    let env = [
        ("DOCKER_HOST", dead.as_str()),
        ("XDG_RUNTIME_DIR", &runtime),
    ];
    let before = diagnose(home.path(), &env);
    let stale = finding(&before, "endpoint.stale");
    // One root problem: what it causes carries no fix that would start a daemon.
    for f in before["findings"].as_array().unwrap() {
        if f["caused_by"] == "endpoint.stale" {
            assert_eq!(f["fixes"], serde_json::json!([]), "{f}");
        }
    }
    let fix = first_fix_commands(stale);
    assert_eq!(fix[0], "unset DOCKER_HOST", "{fix:?}");
    let after = apply_then_diagnose(home.path(), &env, &fix);
    assert!(problems(&after).is_empty(), "{:?}", problems(&after));
    finding(&after, "daemon.ok");
}

#[test]
#[ignore = "needs root and Debian's docker.io; run through scripts/test.sh"]
fn docker_context_variable_is_unset_not_overridden() {
    let d = Dockerd::start();
    let home = tempfile::tempdir().unwrap();
    write_context(home.path(), "live", &d.host());
    std::fs::write(
        home.path().join(".docker/config.json"),
        r#"{"currentContext": "live"}"#,
    )
    .unwrap();
    // A shell profile exports the variable: the fix names the line.
    std::fs::write(home.path().join(".profile"), "export DOCKER_CONTEXT=gone\n").unwrap();
    let env = [("DOCKER_CONTEXT", "gone")];
    let before = diagnose(home.path(), &env);
    let f = finding(&before, "endpoint.context-not-found");
    let all = commands(f);
    assert!(all.contains("unset DOCKER_CONTEXT"), "{all}");
    assert!(
        !all.contains("docker context use"),
        "overridden by the variable: {all}"
    );
    let text = f["fixes"][0].to_string();
    assert!(text.contains(".profile:1"), "{text}");
    let after = apply_then_diagnose(home.path(), &env, &first_fix_commands(f));
    assert!(problems(&after).is_empty(), "{:?}", problems(&after));
    finding(&after, "daemon.ok");
}

#[test]
#[ignore = "needs root and Debian's docker.io; run through scripts/test.sh"]
fn stale_current_context_fix_switches_the_cli() {
    let d = Dockerd::start();
    let home = tempfile::tempdir().unwrap();
    let dead = format!("unix://{}/gone/docker.sock", home.path().display());
    write_context(home.path(), "old", &dead);
    std::fs::write(
        home.path().join(".docker/config.json"),
        r#"{"currentContext": "old"}"#,
    )
    .unwrap();
    let runtime = d.socket().parent().unwrap().display().to_string();
    let env = [("XDG_RUNTIME_DIR", runtime.as_str())];
    let before = diagnose(home.path(), &env);
    let stale = finding(&before, "endpoint.stale");
    for f in before["findings"].as_array().unwrap() {
        if f["caused_by"] == "endpoint.stale" {
            assert!(
                !commands(f).contains("start"),
                "a consequence must not start a daemon: {f}"
            );
        }
    }
    let fix = first_fix_commands(stale);
    assert!(
        fix.iter().any(|c| c.starts_with("docker context create")),
        "{fix:?}"
    );
    // The real docker CLI applies it (it writes the context into $HOME/.docker).
    let after = apply_then_diagnose(home.path(), &env, &fix);
    assert!(problems(&after).is_empty(), "{:?}", problems(&after));
    finding(&after, "daemon.ok");
}

#[test]
#[ignore = "needs root and Debian's docker.io; run through scripts/test.sh"]
fn hand_started_daemon_gets_its_proxy_on_its_own_command_line() {
    let d = Dockerd::start();
    let home = tempfile::tempdir().unwrap();
    let proxy = "http://proxy.invalid:3128";
    let env = [
        ("DOCKER_HOST", d.host()),
        ("HTTPS_PROXY", proxy.to_string()),
    ];
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let before = diagnose(home.path(), &env);
    assert_eq!(
        before["host"]["service_manager"]["kind"], "manual",
        "{}",
        before["host"]
    );
    let f = finding(&before, "proxy.daemon-missing");
    let text = f["fixes"][0]["steps"][0]["text"]
        .as_str()
        .unwrap()
        .to_string();
    // No systemd, no init script here: the restart line keeps the daemon's own flags.
    assert!(!text.contains("systemctl"), "{text}");
    let line = text
        .lines()
        .find(|l| l.starts_with("env "))
        .unwrap_or_else(|| panic!("{text}"))
        .to_string();
    assert!(line.contains(&d.host()), "{line}");
    let kill = text
        .split('`')
        .nth(1)
        .filter(|k| k.starts_with("kill "))
        .unwrap_or_else(|| panic!("{text}"))
        .to_string();
    // Apply: stop the daemon as told, start it again with the printed line.
    assert!(
        Command::new("sh")
            .arg("-c")
            .arg(&kill)
            .status()
            .unwrap()
            .success()
    );
    // dockerd removes its pid file last, when it has shut down.
    let deadline = Instant::now() + Duration::from_secs(20);
    while d.dir.path().join("docker.pid").exists() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
    }
    let log = d.dir.path().join("restarted.log");
    let started = Command::new("sh")
        .arg("-c")
        .arg(format!("{line} >{} 2>&1 &", log.display()))
        .status()
        .unwrap();
    assert!(started.success());
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut up = false;
    while Instant::now() < deadline && !up {
        up = Command::new("docker")
            .args(["-H", &d.host(), "version"])
            .output()
            .is_ok_and(|o| o.status.success());
        std::thread::sleep(Duration::from_millis(200));
    }
    assert!(up, "{}", std::fs::read_to_string(&log).unwrap_or_default());
    let after = diagnose(home.path(), &env);
    // The restarted daemon (not ours to stop through `d`) goes before the checks can fail.
    let pid = std::fs::read_to_string(d.dir.path().join("docker.pid")).unwrap_or_default();
    let _ = Command::new("kill").arg(pid.trim()).status();
    assert!(
        findings(&after, "proxy.daemon-missing").is_empty(),
        "{:?}",
        problems(&after)
    );
    assert!(after["findings"].to_string().contains("proxy.invalid:3128"));
}
