//! Muting: `--ignore` and the config file mark findings muted; they stay in the JSON and
//! stop counting for the summary and the exit code. Unknown ids are usage errors.
#![cfg(unix)] // uses Unix sockets, FIFOs or file modes

mod common;

use common::*;
use std::path::Path;
use std::process::Command;

fn run(home: &Path, args: &[&str]) -> Run {
    let mut cmd = Command::new(bin());
    cmd.env_clear().env("HOME", home).args(args);
    capture(cmd)
}

#[test]
fn the_config_file_mutes_a_finding_and_it_stops_counting() {
    let home = tempfile::tempdir().unwrap();
    let dir = fixture_arg("linux-disk-full");
    let before = run(home.path(), &["--fixture", &dir, "--format", "json"]);
    assert_eq!(before.code, 2);
    let cfg = home.path().join(".config/docker-doctor");
    std::fs::create_dir_all(&cfg).unwrap();
    std::fs::write(
        cfg.join("config.toml"),
        "ignore = [\"storage.low-space\"]\n",
    )
    .unwrap();
    let after = run(home.path(), &["--fixture", &dir, "--format", "json"]);
    let r = after.json();
    let f = finding(&r, "storage.low-space");
    assert_eq!(f["muted"], true, "still reported, marked muted");
    assert_eq!(r["summary"]["muted"], 1);
    assert_eq!(r["summary"]["errors"], 0);
    assert_eq!(after.code, r["summary"]["exit_code"]);
    assert!(after.code < 2, "a muted error does not fail the run");
    let human = run(home.path(), &["--fixture", &dir, "--color", "never"]);
    assert!(human.stdout.contains("Muted (--ignore or config file)"));
    assert!(human.stdout.contains("1 muted"));
}

#[test]
fn ignore_takes_probe_ids_and_refuses_unknown_ones() {
    let home = tempfile::tempdir().unwrap();
    let dir = fixture_arg("linux-port-conflicts");
    let r = run(
        home.path(),
        &["--fixture", &dir, "--format", "json", "--ignore", "ports"],
    )
    .json();
    for f in r["findings"].as_array().unwrap() {
        if f["probe"] == "ports" {
            assert_eq!(f["muted"], true, "{f}");
        } else {
            assert!(f.get("muted").is_none(), "{f}");
        }
    }
    let bad = run(home.path(), &["--ignore", "ports.no-such-thing"]);
    assert_eq!(bad.code, 64);
    assert!(bad.stderr.contains("ports.no-such-thing"));
}

/// A config file that cannot be used never stops the check: the report names the file
/// and why, and nothing is muted.
#[test]
fn an_unusable_config_file_is_reported_not_fatal() {
    let home = tempfile::tempdir().unwrap();
    let dir = fixture_arg("linux-port-conflicts");
    let bad = home.path().join("bad.toml");
    std::fs::write(&bad, "ignore = \"not a list\"\n").unwrap();
    let unknown = home.path().join("unknown.toml");
    std::fs::write(&unknown, "ignore = [\"ports\", \"no.such-id\"]\n").unwrap();
    let fifo = home.path().join("fifo.toml");
    assert!(
        std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    for (cfg, says) in [
        (&bad, "bad.toml"),
        (&fifo, "FIFO"),
        (&unknown, "no.such-id"),
    ] {
        let run = run(
            home.path(),
            &[
                "--fixture",
                &dir,
                "--format",
                "json",
                "--config",
                cfg.to_str().unwrap(),
            ],
        );
        assert!((0..=2).contains(&run.code), "{}", run.stderr);
        let r = run.json();
        let warnings = r["warnings"].to_string();
        assert!(warnings.contains(says), "{warnings}");
        let muted = r["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f.get("muted").is_some());
        // The good id of a file with one unknown id still mutes.
        assert_eq!(muted, cfg == &unknown, "{cfg:?}");
    }
}
