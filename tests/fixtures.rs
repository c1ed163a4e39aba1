//! Every captured machine in fixtures/ is diagnosed and compared with its reviewed snapshot
//! (human and JSON); every report validates against schema/report.schema.json; every
//! finding id is one that `docker-doctor list` declares.

mod common;

use common::*;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

fn scenarios() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.join("host.toml").exists())
        .collect();
    dirs.sort();
    assert!(dirs.len() >= 8, "fixtures missing from {}", root.display());
    dirs
}

/// The arguments a scenario is diagnosed with (`args` in its host.toml: `--port 8080`).
fn scenario_args(dir: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(dir.join("host.toml")).unwrap();
    let doc: toml::Table = toml::from_str(&text).unwrap();
    doc.get("args")
        .and_then(|a| a.as_array())
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

fn diagnose(dir: &Path, args: &[&str]) -> Run {
    let mut cmd = Command::new(bin());
    cmd.env_clear()
        .arg("--fixture")
        .arg(dir)
        .args(scenario_args(dir))
        .args(args);
    capture(cmd)
}

fn settings() -> insta::Settings {
    let mut s = insta::Settings::clone_current();
    s.set_snapshot_path("snapshots");
    s.set_prepend_module_to_snapshot(false);
    // Timings and the clock vary from run to run; everything else must not.
    s.add_filter(r#""generated_at": "[^"]+""#, r#""generated_at": "[time]""#);
    s.add_filter(r#""(duration_ms|timeout_ms)": \d+"#, r#""$1": "[ms]""#);
    s.add_filter(
        r#"("key": "(response_ms|waited_ms)",\s*"value": )"\d+""#,
        r#"$1"[ms]""#,
    );
    s.add_filter(r"(response_ms|waited_ms): \d+", "$1: [ms]");
    s.add_filter(r"\(\d+ ms\)", "([ms])");
    s.add_filter(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z", "[time]");
    s.add_filter(r"\d+ ms</sub>", "[ms] ms</sub>");
    s
}

#[test]
// Captured Linux machines print Unix paths; on Windows, Path::join writes `\` into them.
#[cfg_attr(windows, ignore = "the snapshots hold paths joined with /")]
fn fixture_reports_match_their_snapshots() {
    for dir in scenarios() {
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        let human = diagnose(&dir, &["--color", "never"]);
        let json = diagnose(&dir, &["--format", "json"]);
        assert_eq!(
            human.code, json.code,
            "{name}: formats disagree on the exit code"
        );
        assert_eq!(json.json()["summary"]["exit_code"], json.code, "{name}");
        settings().bind(|| {
            insta::assert_snapshot!(format!("{name}.human"), human.stdout);
            insta::assert_snapshot!(format!("{name}.json"), json.stdout);
        });
    }
}

#[test]
fn every_report_validates_against_the_schema() {
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("schema/report.schema.json"),
        )
        .unwrap(),
    )
    .unwrap();
    let validator = jsonschema::validator_for(&schema).expect("the schema compiles");
    let mut reports: Vec<(String, Value)> = scenarios()
        .iter()
        .map(|d| {
            (
                d.display().to_string(),
                diagnose(d, &["--format", "json"]).json(),
            )
        })
        .collect();
    // Redacted and muted reports follow the same schema.
    let extra = fixture_dir("linux-proxy-not-reloaded");
    reports.push((
        "redacted, muted".into(),
        diagnose(
            &extra,
            &["--format", "json", "--redact", "--ignore", "proxy"],
        )
        .json(),
    ));
    // And this real machine, whatever state it is in.
    let tmp = tempfile::tempdir().unwrap();
    reports.push((
        "this machine".into(),
        capture(doctor(tmp.path(), &[], &["--format", "json"])).json(),
    ));
    for (name, report) in reports {
        let errors: Vec<String> = validator
            .iter_errors(&report)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(
            errors.is_empty(),
            "{name} does not match the schema:\n{}",
            errors.join("\n")
        );
    }
}

#[test]
fn every_finding_id_is_declared_by_list() {
    let list = capture({
        let mut c = Command::new(bin());
        c.args(["list", "--format", "json"]);
        c
    });
    assert_eq!(list.code, 0);
    let declared: Vec<String> = list
        .json()
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|p| {
            p["findings"]
                .as_array()
                .unwrap()
                .iter()
                .map(|f| f["id"].as_str().unwrap().to_string())
        })
        .collect();
    for dir in scenarios() {
        let report = diagnose(&dir, &["--format", "json"]).json();
        for id in ids(&report) {
            assert!(
                declared.contains(&id),
                "{}: {id} is not declared by its probe",
                dir.display()
            );
        }
    }
}

#[test]
// Its snapshot is a captured Linux machine's, whose paths Windows joins with `\`.
#[cfg_attr(windows, ignore = "the snapshot holds paths joined with /")]
fn markdown_reports_hold_every_problem_and_no_terminal_escapes() {
    for dir in scenarios() {
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        let md = diagnose(&dir, &["--format", "markdown", "--color", "always"]);
        let json = diagnose(&dir, &["--format", "json"]).json();
        assert_eq!(md.code, json["summary"]["exit_code"], "{name}");
        assert!(md.stdout.starts_with("# docker-doctor report\n"), "{name}");
        assert!(
            !md.stdout.contains('\u{1b}'),
            "{name}: terminal escape in markdown"
        );
        for f in json["findings"].as_array().unwrap() {
            if f["severity"] == "error" || f["severity"] == "warn" {
                let id = f["id"].as_str().unwrap();
                assert!(
                    md.stdout.contains(&format!("`{id}`")),
                    "{name}: {id} missing"
                );
            }
        }
        // Fences are balanced: every code block is closed.
        assert_eq!(md.stdout.matches("```").count() % 2, 0, "{name}");
        if name == "linux-proxy-not-reloaded" {
            settings().bind(|| insta::assert_snapshot!(format!("{name}.markdown"), md.stdout));
        }
    }
}

#[test]
fn redact_masks_people_hosts_and_addresses_consistently() {
    let dir = fixture_dir("linux-proxy-not-reloaded");
    let plain = diagnose(&dir, &["--format", "json"]).stdout;
    assert!(plain.contains("alice") && plain.contains("proxy.corp.example"));
    for args in [
        &["--format", "json"][..],
        &["--format", "markdown"][..],
        &["--color", "never"][..],
    ] {
        let mut a = vec!["--redact"];
        a.extend_from_slice(args);
        let out = diagnose(&dir, &a).stdout;
        for secret in [
            "alice",
            "corp.example",
            "44.196.236.180",
            "/home/alice",
            "Winter",
        ] {
            assert!(!out.contains(secret), "{args:?} shows {secret}:\n{out}");
        }
        // The same proxy gets the same mask wherever it appears.
        assert!(out.matches("<host-1>:3128").count() >= 3, "{args:?}");
    }
    let r = diagnose(&dir, &["--format", "json", "--redact"]).json();
    let kinds: Vec<&str> = r["redacted"]["kinds"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k.as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["home", "host", "ip", "user"]);
    assert!(r.get("redacted").is_some());
    assert!(
        serde_json::from_str::<Value>(&plain)
            .unwrap()
            .get("redacted")
            .is_none()
    );
}

/// The commands every fix of a report gives, in order.
fn all_commands(report: &Value) -> Vec<String> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|f| commands(f).lines().map(str::to_string).collect::<Vec<_>>())
        .collect()
}

/// Each captured host gets the service commands of its own service manager and privilege:
/// the same failure reads differently under systemd, OpenRC with doas, WSL without systemd
/// and Docker Desktop.
#[test]
fn each_host_gets_its_own_service_commands() {
    struct Case {
        fixture: &'static str,
        finding: &'static str,
        starts_with: &'static [&'static str],
        never: &'static [&'static str],
    }
    let cases = [
        Case {
            fixture: "linux-proxy-not-reloaded",
            finding: "proxy.not-applied",
            starts_with: &[
                "systemctl cat docker",
                "sudo systemctl daemon-reload",
                "sudo systemctl restart docker",
            ],
            never: &["service docker", "doas "],
        },
        Case {
            fixture: "linux-openrc-daemon-stopped",
            finding: "daemon.not-running",
            starts_with: &[
                "doas rc-update add docker default",
                "doas rc-service docker start",
                "doas rc-service docker status",
            ],
            never: &["systemctl", "journalctl", "sudo "],
        },
        Case {
            fixture: "linux-wsl-no-systemd-daemon-stopped",
            finding: "daemon.not-running",
            starts_with: &["sudo service docker start", "sudo service docker status"],
            // systemd is configured in /etc/wsl.conf but is not PID 1.
            never: &[
                "systemctl start",
                "systemctl restart",
                "journalctl",
                "update-rc.d",
            ],
        },
        // Desktop's processes tell "not started" from "started, engine not up".
        Case {
            fixture: "windows-desktop-stopped",
            finding: "daemon.not-running",
            starts_with: &["docker desktop start"],
            never: &["systemctl", "service docker", "sudo "],
        },
        Case {
            fixture: "macos-desktop-stopped",
            finding: "daemon.not-running",
            starts_with: &["docker desktop start"],
            never: &["systemctl", "service docker", "sudo "],
        },
        // Desktop's VM trusts the keychain's CAs: the fix is the keychain, then a restart.
        Case {
            fixture: "macos-desktop-corporate-ca",
            finding: "ca.untrusted",
            starts_with: &[
                "sudo security add-trusted-cert -d -r trustRoot -k /Library/Keychains/System.keychain corp-root.crt",
                "docker desktop restart",
            ],
            never: &["update-ca-certificates", "/etc/docker/certs.d", "systemctl"],
        },
        Case {
            fixture: "windows-pipe-denied",
            finding: "daemon.permission-denied",
            starts_with: &["Add-LocalGroupMember -Group docker-users -Member bob"],
            never: &["usermod", "sudo ", "systemctl"],
        },
        Case {
            fixture: "windows-desktop-engine-starting",
            finding: "daemon.not-running",
            starts_with: &["docker desktop status", "docker desktop restart"],
            never: &["systemctl", "service docker", "sudo ", "desktop start"],
        },
    ];
    for case in cases {
        let run = diagnose(&fixture_dir(case.fixture), &["--format", "json"]);
        let r = run.json();
        let f = finding(&r, case.finding);
        let got: Vec<String> = commands(f).lines().map(str::to_string).collect();
        assert!(
            got.len() >= case.starts_with.len()
                && got.iter().zip(case.starts_with).all(|(g, w)| g == w),
            "{}: {got:?}",
            case.fixture
        );
        for line in all_commands(&r) {
            for bad in case.never {
                assert!(!line.contains(bad), "{}: {line}", case.fixture);
            }
        }
    }
}

/// `from` copied to `to`, files and folders.
fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap().flatten() {
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// The raw-password machine with the proxy in daemon.json instead of a drop-in: named by
/// its file and key in every format, the password and its start in none, and its fix ends
/// in a restart; written percent-encoded, the finding is gone.
#[test]
fn a_raw_proxy_password_in_daemon_json_is_named_by_its_key() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("machine");
    copy_tree(&fixture_dir("linux-proxy-dropin-raw-password"), &dir);
    std::fs::remove_dir_all(dir.join("root/etc/systemd/system/docker.service.d")).unwrap();
    let write = |url: &str| {
        std::fs::create_dir_all(dir.join("root/etc/docker")).unwrap();
        let json = serde_json::json!({"proxies": {"https-proxy": url}});
        std::fs::write(dir.join("root/etc/docker/daemon.json"), json.to_string()).unwrap();
    };
    write("http://bob:4217/CANARY#9@proxy.corp.example:3128");
    let r = diagnose(&dir, &["--format", "json"]).json();
    let f = finding(&r, "proxy.password-unencoded");
    assert_eq!(
        evidence(f, "file"),
        Some("/etc/docker/daemon.json"),
        "{f:#}"
    );
    assert!(
        f["summary"]
            .as_str()
            .unwrap()
            .contains(r#""proxies" > "https-proxy""#),
        "{f:#}"
    );
    assert_eq!(evidence(f, "parsed_as"), Some("bob:<redacted>"));
    // `fix` takes the machine after its own name.
    let fix = capture({
        let mut c = Command::new(bin());
        c.env_clear().arg("fix").arg("--fixture").arg(&dir);
        c.args(["--only", "proxy"]);
        c
    })
    .stdout;
    assert!(fix.contains("restart docker"), "{fix}");
    for out in [
        r.to_string(),
        fix,
        diagnose(&dir, &[]).stdout,
        diagnose(&dir, &["--format", "markdown"]).stdout,
    ] {
        for part in ["4217", "CANARY"] {
            assert!(!out.contains(part), "{part} shown:\n{out}");
        }
    }
    write("http://bob:4217%2FCANARY%239@proxy.corp.example:3128");
    let r = diagnose(&dir, &["--format", "json"]).json();
    assert!(findings(&r, "proxy.password-unencoded").is_empty(), "{r:#}");
}
