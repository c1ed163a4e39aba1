//! `docker-doctor explain`: every corpus entry (real errors users hit) is replayed and must
//! be explained by the failure mode that lists it; variations it has never seen (other
//! paths, addresses, ports, versions, names) still match; the probes confirm on this
//! machine what is true here.

mod common;

use common::*;
use serde_json::Value;
use std::path::Path;

fn corpus() -> Vec<Value> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus/known-failures.jsonl");
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn explain(text: &str, extra: &[&str]) -> Value {
    let tmp = tempfile::tempdir().unwrap();
    let mut args = vec!["explain", "--format", "json"];
    args.extend_from_slice(extra);
    args.push(text);
    let run = capture(doctor(tmp.path(), &[], &args));
    run.json()
}

fn best(text: &str) -> (String, Vec<String>) {
    let r = explain(text, &["--no-probe"]);
    let m = &r["matches"][0];
    let examples = m["examples"]
        .as_array()
        .map(|a| a.iter().map(|e| e.as_str().unwrap().to_string()).collect())
        .unwrap_or_default();
    (
        m["id"].as_str().unwrap_or("(no match)").to_string(),
        examples,
    )
}

#[test]
fn every_corpus_entry_is_explained_by_its_failure_mode() {
    let mut failures = Vec::new();
    for entry in corpus() {
        let id = entry["id"].as_str().unwrap();
        let text = entry["error_text"].as_str().unwrap();
        let (got, examples) = best(text);
        if !examples.iter().any(|e| e == id) {
            failures.push(format!("{id}: best match {got} does not list it"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn unseen_wording_of_the_same_failures_still_matches() {
    let cases = [
        (
            "Cannot connect to the Docker daemon at unix:///srv/custom/docker.sock. Is the docker daemon running?",
            "daemon.not-running",
        ),
        (
            "permission denied while trying to connect to the docker API at unix:///run/docker.sock: dial unix /run/docker.sock: connect: permission denied",
            "socket.not-in-group",
        ),
        (
            "Error response from daemon: Get \"https://harbor.acme.internal:8443/v2/\": dial tcp: lookup harbor.acme.internal on 10.8.0.1:53: no such host",
            "registry.dns-nxdomain",
        ),
        (
            "failed to resolve source metadata for docker.io/library/node:22: lookup registry-1.docker.io on [fd00::1]:53: server misbehaving",
            "registry.dns-servfail",
        ),
        (
            "Error response from daemon: driver failed programming external connectivity on endpoint web-7 (0123abcd): Bind for 127.0.0.1:5432 failed: port is already allocated",
            "ports.in-use-container",
        ),
        (
            "Error starting userland proxy: listen tcp6 [::]:3000: bind: address already in use",
            "ports.in-use-process",
        ),
        (
            "tls: failed to verify certificate: x509: certificate signed by unknown authority",
            "ca.untrusted",
        ),
        (
            "Error response from daemon: client version 1.47 is too new. Maximum supported API version is 1.43",
            "daemon.api-version-pinned",
        ),
        (
            "unable to configure the Docker daemon with file /etc/docker/daemon.json: invalid character ',' after object key:value pair",
            "daemon.config-invalid",
        ),
        (
            "Error response from daemon: Head \"https://registry-1.docker.io/v2/library/alpine/manifests/3.20\": toomanyrequests: You have reached your unauthenticated pull rate limit.",
            "registry.rate-limited",
        ),
        (
            "Error response from daemon: Get \"https://10.1.2.3:5000/v2/\": http: server gave HTTP response to HTTPS client",
            "registry.http-only",
        ),
        (
            "Error response from daemon: Ports are not available: exposing port TCP 0.0.0.0:8080 -> 0.0.0.0:0: listen tcp 0.0.0.0:8080: bind: An attempt was made to access a socket in a way forbidden by its access permissions.",
            "ports.excluded-range",
        ),
    ];
    for (text, want) in cases {
        assert_eq!(best(text).0, want, "{text}");
    }
    let none = explain("the weather is nice today", &["--no-probe"]);
    assert_eq!(none["matches"].as_array().unwrap().len(), 0);
}

#[test]
fn the_probes_confirm_what_is_true_on_this_machine() {
    let tmp = tempfile::tempdir().unwrap();
    let run = capture(doctor(
        tmp.path(),
        &[("DOCKER_HOST", "unix:///nonexistent/dd-explain.sock")],
        &[
            "explain",
            "--format",
            "json",
            "Cannot connect to the Docker daemon at unix:///nonexistent/dd-explain.sock. Is the docker daemon running?",
        ],
    ));
    let r = run.json();
    let m = r["matches"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["confirmation"]["status"] == "confirmed")
        .unwrap_or_else(|| panic!("nothing confirmed: {r}"));
    assert!(
        m["id"] == "daemon.not-running" || m["id"] == "endpoint.stale",
        "{m}"
    );
    assert_eq!(run.code, 0);
    // A failure this machine does not have is reported as not seen.
    let r = explain(
        "Error: client version 1.99 is too new. Maximum supported API version is 1.41",
        &["--timeout", "3"],
    );
    assert_eq!(r["matches"][0]["confirmation"]["status"], "not_seen", "{r}");
}

#[test]
fn input_comes_from_stdin_or_a_file() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("error.txt");
    // UTF-16LE, as wsl.exe writes it.
    let text: Vec<u8> = "Please enable the Virtual Machine Platform Windows feature and ensure virtualization is enabled in the BIOS.\r\r\n"
        .encode_utf16()
        .flat_map(|u| u.to_le_bytes())
        .collect();
    std::fs::write(&file, text).unwrap();
    let run = capture(doctor(
        tmp.path(),
        &[],
        &[
            "explain",
            "--no-probe",
            "--format",
            "json",
            "--file",
            file.to_str().unwrap(),
        ],
    ));
    assert_eq!(run.json()["matches"][0]["id"], "wsl.vm-platform-missing");
}

#[test]
fn confirming_findings_are_ones_the_probes_declare() {
    let tmp = tempfile::tempdir().unwrap();
    let list = capture(doctor(tmp.path(), &[], &["list", "--format", "json"])).json();
    let declared: Vec<String> = list
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|p| p["findings"].as_array().unwrap().iter())
        .map(|f| f["id"].as_str().unwrap().to_string())
        .collect();
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("src/explain/signatures.toml"),
    )
    .unwrap();
    let doc: toml::Table = toml::from_str(&text).unwrap();
    for f in doc["failure"].as_array().unwrap() {
        for c in f["confirm"].as_array().unwrap() {
            let c = c.as_str().unwrap();
            assert!(
                declared.iter().any(|d| d == c),
                "{}: {c} is not declared",
                f["id"]
            );
        }
    }
}

#[test]
fn text_can_be_piped_in() {
    use std::io::Write;
    use std::process::Stdio;
    let tmp = tempfile::tempdir().unwrap();
    let mut cmd = doctor(
        tmp.path(),
        &[],
        &["explain", "--no-probe", "--format", "json"],
    );
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"docker: Error response from daemon: driver failed programming external connectivity on endpoint x: Error starting userland proxy: error while calling RootlessKit PortManager.AddPort(): cannot expose privileged port 443, you can add 'net.ipv4.ip_unprivileged_port_start=443'")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(r["matches"][0]["id"], "ports.privileged-rootless");
}
