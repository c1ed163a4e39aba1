//! docker-doctor as a Docker CLI plugin: the metadata handshake, and `docker doctor` run by
//! the real docker CLI with the plugin installed in a temporary DOCKER_CONFIG.
#![cfg(unix)] // uses Unix sockets, FIFOs or file modes

mod common;

use common::*;
use std::os::unix::fs::PermissionsExt;
use std::process::Command;

#[test]
fn metadata_follows_the_plugin_protocol() {
    let tmp = tempfile::tempdir().unwrap();
    let run = capture(doctor(tmp.path(), &[], &["docker-cli-plugin-metadata"]));
    assert_eq!(run.code, 0);
    let m = run.json();
    assert_eq!(m["SchemaVersion"], "0.1.0");
    assert_eq!(m["Version"], env!("CARGO_PKG_VERSION"));
    for k in ["Vendor", "ShortDescription", "URL"] {
        assert!(m[k].as_str().is_some_and(|s| !s.is_empty()), "{k}");
    }
}

#[test]
fn the_plugin_name_as_first_argument_is_skipped() {
    let tmp = tempfile::tempdir().unwrap();
    let run = capture(doctor(
        tmp.path(),
        &[],
        &["doctor", "--only", "endpoint", "--format", "json"],
    ));
    assert_eq!(run.json()["tool"]["name"], "docker-doctor");
}

#[test]
#[ignore = "needs the docker CLI (scripts/test.sh installs docker.io)"]
fn the_real_docker_cli_runs_it_as_docker_doctor() {
    let config = tempfile::tempdir().unwrap();
    let plugins = config.path().join("cli-plugins");
    std::fs::create_dir(&plugins).unwrap();
    let exe = plugins.join("docker-doctor");
    std::fs::copy(bin(), &exe).unwrap();
    std::fs::set_permissions(&exe, std::fs::Permissions::from_mode(0o755)).unwrap();
    let docker = |args: &[&str]| {
        let mut cmd = Command::new("docker");
        cmd.env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("HOME", config.path())
            .env("DOCKER_CONFIG", config.path())
            .env("DOCKER_HOST", "unix:///nonexistent/docker.sock")
            .args(args);
        capture(cmd)
    };
    let help = docker(&["--help"]);
    assert!(
        help.stdout.contains("doctor*") && help.stdout.contains("Tell why Docker does not work"),
        "{}",
        help.stdout
    );
    let run = docker(&["doctor", "--only", "endpoint,daemon", "--format", "json"]);
    let r = run.json();
    assert_eq!(r["tool"]["name"], "docker-doctor");
    assert_eq!(
        r["summary"]["exit_code"], run.code,
        "the exit code comes through docker"
    );
    assert!(
        ids(&r).iter().any(|i| i.starts_with("daemon.")),
        "{:?}",
        ids(&r)
    );
}

#[test]
fn completion_scripts_know_the_options() {
    let tmp = tempfile::tempdir().unwrap();
    for shell in ["bash", "zsh", "fish", "powershell"] {
        let run = capture(doctor(tmp.path(), &[], &["completions", shell]));
        assert_eq!(run.code, 0, "{shell}");
        assert!(
            run.stdout.contains("registry") && run.stdout.contains("smoke-image"),
            "{shell}"
        );
    }
}
