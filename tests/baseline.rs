//! `--expect FILE` on captured machines: a baseline that passes, one that fails on each
//! kind of expectation (each finding naming its baseline line and carrying the fix with
//! the baseline's values), and baselines that do not parse. The real daemon's side is in
//! tests/fixes_applied.rs (the proxy fix applied, then the baseline met).

mod common;

use common::*;
use serde_json::Value;
use std::path::Path;
use std::process::Command;

fn check(fixture: &str, baseline: &str, extra: &[&str]) -> (Run, Value) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("corp.toml");
    std::fs::write(&file, baseline).unwrap();
    let mut cmd = Command::new(bin());
    cmd.env_clear()
        .arg("--fixture")
        .arg(fixture_dir(fixture))
        .args(["--format", "json", "--expect"])
        .arg(&file)
        .args(extra);
    let run = capture(cmd);
    let json = if run.code == 64 {
        Value::Null
    } else {
        run.json()
    };
    (run, json)
}

/// The line of `needle` in `text`, 1-based.
fn line_of(text: &str, needle: &str) -> usize {
    text.lines().position(|l| l.contains(needle)).unwrap() + 1
}

fn baseline_line(f: &Value) -> String {
    evidence(f, "baseline line").unwrap_or_default().to_string()
}

#[test]
fn a_machine_that_meets_the_baseline_says_so() {
    let baseline = "[minimum]\nengine = \"20.10\"\n\n[registries]\nnot_insecure = [\"registry.corp.example\"]\n\n[ports]\nfree = [8081]\n";
    let (run, r) = check("linux-healthy", baseline, &["--only", "baseline"]);
    let met = finding(&r, "baseline.met");
    assert!(
        met["summary"].as_str().unwrap().contains("3 expectations"),
        "{met}"
    );
    assert_eq!(run.code, 0);
}

#[test]
fn each_kind_of_deviation_names_its_line_and_its_fix() {
    let baseline = r#"# corp baseline
[proxy]
https = "http://proxy.corp.example:3128"
no_proxy = ["localhost", "127.0.0.1", ".corp.example"]

[[ca]]
name = "Corp Root"
sha256 = "00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF"
pem_file = "/usr/share/corp/root.crt"

[registries]
mirrors = ["https://mirror.corp.example"]

[minimum]
engine = "24.0"

[cli]
plugins = ["compose", "sbom"]

[ports]
free = [8080]
"#;
    let (run, r) = check("linux-port-conflicts", baseline, &["--only", "baseline"]);
    assert_eq!(run.code, 2, "{}", run.stdout);
    let name = |needle: &str| format!("corp.toml:{}", line_of(baseline, needle));

    let proxy = finding(&r, "baseline.proxy");
    assert!(baseline_line(proxy).ends_with(&name("https =")), "{proxy}");
    assert_eq!(
        evidence(proxy, "expected HTTPS_PROXY"),
        Some("http://proxy.corp.example:3128")
    );
    // The fix gives the daemon the baseline's proxy and NO_PROXY, for this host.
    let fix = serde_json::to_string(&proxy["fixes"][0]).unwrap();
    assert!(
        fix.contains("proxy.corp.example:3128") && fix.contains(".corp.example"),
        "{fix}"
    );

    let ca = finding(&r, "baseline.ca");
    assert!(baseline_line(ca).ends_with(&name("sha256 =")), "{ca}");
    assert!(
        commands(ca).contains("/usr/share/corp/root.crt"),
        "{}",
        commands(ca)
    );

    let mirror = finding(&r, "baseline.mirror");
    assert!(baseline_line(mirror).ends_with(&name("mirrors =")));
    assert!(
        serde_json::to_string(&mirror["fixes"])
            .unwrap()
            .contains("registry-mirrors"),
        "{mirror}"
    );

    let version = finding(&r, "baseline.version");
    assert!(baseline_line(version).ends_with(&name("engine =")));
    assert!(
        version["summary"].as_str().unwrap().contains("20.10"),
        "{version}"
    );

    // compose is there; sbom is not.
    let plugin = finding(&r, "baseline.plugin");
    assert!(baseline_line(plugin).ends_with(&name("plugins =")));
    assert_eq!(evidence(plugin, "plugin"), Some("sbom"));

    let port = finding(&r, "baseline.port");
    assert!(baseline_line(port).ends_with(&name("free =")));
    assert!(port["summary"].as_str().unwrap().contains("8080"), "{port}");
    // Held by a uid this user cannot see: the fix names the process first.
    assert!(
        commands(port).contains("ss -ltnp 'sport = :8080'"),
        "{}",
        commands(port)
    );
    assert!(findings(&r, "baseline.met").is_empty());
}

#[test]
fn a_baseline_that_does_not_parse_is_a_usage_error_naming_the_line() {
    for (text, line) in [
        (
            "[proxy]\nhttps = \"http://p:3128\"\nhtps = \"x\"\n",
            "line 3",
        ),
        ("[minimum]\nengine = 24\n", "line 2"),
        ("[[ca]]\nsha256 = \"not a fingerprint\"\n", "line 2"),
        ("[ports\n", "line 1"),
    ] {
        let (run, _) = check("linux-healthy", text, &[]);
        assert_eq!(run.code, 64, "{text:?}: {}", run.stdout);
        assert!(
            run.stderr.contains("corp.toml") && run.stderr.contains(line),
            "{text:?}: {}",
            run.stderr
        );
    }
    // A missing file too.
    let mut cmd = Command::new(bin());
    cmd.env_clear()
        .arg("--fixture")
        .arg(fixture_dir("linux-healthy"))
        .args(["--expect", "/nonexistent/corp.toml"]);
    let run = capture(cmd);
    assert_eq!(run.code, 64);
    assert!(
        run.stderr.contains("/nonexistent/corp.toml"),
        "{}",
        run.stderr
    );
}

#[test]
fn the_example_in_the_repository_parses() {
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("baseline.example.toml");
    let mut cmd = Command::new(bin());
    cmd.env_clear()
        .arg("--fixture")
        .arg(fixture_dir("linux-healthy"))
        .args(["--format", "json", "--only", "baseline", "--expect"])
        .arg(&example);
    let run = capture(cmd);
    let r = run.json();
    // The example's corporate values are not this captured machine's: it deviates.
    assert!(!findings(&r, "baseline.proxy").is_empty(), "{}", run.stdout);
}
