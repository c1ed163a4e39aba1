//! Hostile and broken input is the normal input of a support tool. Every case here must end
//! within `--timeout` + 1 s with exit 0-2, stay under 150 MiB, print no raw escape byte
//! without colour, and let no canary secret out in any form. No root needed.
#![cfg(target_os = "linux")] // needs Linux (namespaces, procfs, a real dockerd, or getrusage in KiB)

mod common;

use common::*;
use std::io::{Read, Write};
use std::os::unix::net::UnixListener;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

const TIMEOUT: &str = "3";
const LIMIT: Duration = Duration::from_secs(4);
const PEAK_MIB: i64 = 150;

/// The run ended in time, with a report's exit code, under the memory bound.
fn bounded(what: &str, run: &Run) {
    assert!(
        run.elapsed < LIMIT,
        "{what}: took {:?}\n{}",
        run.elapsed,
        run.stderr
    );
    assert!(
        (0..=2).contains(&run.code),
        "{what}: exit {}\n{}",
        run.code,
        run.stderr
    );
    let peak = children_peak_mib();
    assert!(peak < PEAK_MIB, "{what}: a run peaked at {peak} MiB");
    for (name, text) in [("stdout", &run.stdout), ("stderr", &run.stderr)] {
        assert!(!text.contains('\x1b'), "{what}: raw ESC on {name}");
    }
}

fn check(home: &Path, env: &[(&str, &str)], extra: &[&str]) -> Run {
    let mut args = vec!["--offline", "--timeout", TIMEOUT, "--color", "never"];
    args.extend_from_slice(extra);
    capture(doctor(home, env, &args))
}

fn mkfifo(path: &Path) {
    let ok = Command::new("mkfifo").arg(path).status().unwrap();
    assert!(ok.success());
}

#[test]
fn a_fifo_wherever_a_file_is_expected_does_not_block() {
    let home = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(home.path().join(".docker")).unwrap();
    std::fs::create_dir_all(home.path().join(".config/docker-doctor")).unwrap();
    mkfifo(&home.path().join(".docker/config.json"));
    mkfifo(&home.path().join(".config/docker-doctor/config.toml"));
    let named = home.path().join("named.toml");
    mkfifo(&named);
    let run = check(home.path(), &[], &["--format", "json"]);
    bounded("FIFO config.json and config.toml", &run);
    let r = run.json();
    assert!(r.to_string().contains("FIFO"), "{r}");
    let run = check(home.path(), &[], &["--config", named.to_str().unwrap()]);
    bounded("--config FIFO", &run);
    let compose = home.path().join("compose.yaml");
    mkfifo(&compose);
    let run = check(home.path(), &[], &["--compose", compose.to_str().unwrap()]);
    bounded("--compose FIFO", &run);
    let run = capture({
        let mut c = doctor(home.path(), &[], &["explain", "--no-probe", "--file"]);
        c.arg(&named);
        c
    });
    assert!(
        run.elapsed < LIMIT,
        "explain --file FIFO took {:?}",
        run.elapsed
    );
    assert!(run.stderr.contains("FIFO"), "{}", run.stderr);
}

#[test]
fn huge_files_are_refused_at_the_cap() {
    let home = tempfile::tempdir().unwrap();
    let docker = home.path().join(".docker");
    std::fs::create_dir_all(&docker).unwrap();
    // Sparse: 2 GiB on paper, nothing on disk.
    let big = std::fs::File::create(docker.join("config.json")).unwrap();
    big.set_len(2 << 30).unwrap();
    let run = check(home.path(), &[], &["--format", "json"]);
    bounded("2 GiB config.json", &run);
    assert!(run.stdout.contains("larger than"), "{}", run.stdout);
    // A 200 MB log ending with the error: explain reads its tail.
    let log = home.path().join("build.log");
    let mut f = std::fs::File::create(&log).unwrap();
    let line = "step 3/9 : RUN make -j8 all\n".repeat(1000);
    for _ in 0..7000 {
        f.write_all(line.as_bytes()).unwrap();
    }
    f.write_all(b"permission denied while trying to connect to the Docker daemon socket at unix:///var/run/docker.sock\n")
        .unwrap();
    drop(f);
    let run = capture(doctor(
        home.path(),
        &[],
        &["explain", "--no-probe", "--file", log.to_str().unwrap()],
    ));
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout
            .contains("Permission denied on the daemon's socket"),
        "{}",
        run.stdout
    );
    let peak = children_peak_mib();
    assert!(
        peak < PEAK_MIB,
        "explain of a 200 MB file peaked at {peak} MiB"
    );
}

/// A socket that answers every request with an endless body.
fn endless_daemon(dir: &Path) -> String {
    let path = dir.join("endless.sock");
    let listener = UnixListener::bind(&path).unwrap();
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(mut conn) = conn else { break };
            std::thread::spawn(move || {
                let mut req = [0u8; 4096];
                let _ = conn.read(&mut req);
                let _ = conn.write_all(
                    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nApi-Version: 1.41\r\nTransfer-Encoding: chunked\r\n\r\n",
                );
                let chunk = format!("10000\r\n{}\r\n", "x".repeat(0x10000));
                while conn.write_all(chunk.as_bytes()).is_ok() {}
            });
        }
    });
    format!("unix://{}", path.display())
}

#[test]
fn an_endless_daemon_answer_is_cut_not_held() {
    let home = tempfile::tempdir().unwrap();
    let host = endless_daemon(home.path());
    let run = check(
        home.path(),
        &[("DOCKER_HOST", &host)],
        &["--format", "json"],
    );
    bounded("endless /_ping and /version", &run);
    let r = run.json();
    let daemon: Vec<String> = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["probe"] == "daemon")
        .map(|f| f["summary"].as_str().unwrap_or("").to_string())
        .collect();
    assert!(!daemon.is_empty(), "{r}");
}

#[test]
fn endless_cli_output_is_cut() {
    let home = tempfile::tempdir().unwrap();
    let bin = home.path().join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let docker = bin.join("docker");
    std::fs::write(
        &docker,
        "#!/bin/sh\nexec yes 'Docker version 99.0.0, build x'\n",
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&docker, std::fs::Permissions::from_mode(0o755)).unwrap();
    let path = format!("{}:/usr/bin:/bin", bin.display());
    let run = capture({
        let mut c = doctor(
            home.path(),
            &[],
            &[
                "--offline",
                "--timeout",
                TIMEOUT,
                "--color",
                "never",
                "--only",
                "cli",
            ],
        );
        c.env("PATH", path);
        c
    });
    bounded("endless docker --version", &run);
}

#[test]
fn hostile_nesting_and_unusable_home() {
    let home = tempfile::tempdir().unwrap();
    let compose = home.path().join("compose.yaml");
    std::fs::write(
        &compose,
        format!(
            "services:\n  a:\n    ports: {}{}\n",
            "[".repeat(50_000),
            "]".repeat(50_000)
        ),
    )
    .unwrap();
    let run = check(home.path(), &[], &["--compose", compose.to_str().unwrap()]);
    bounded("deeply nested compose", &run);
    for home in ["/etc/passwd", "/nonexistent/home", ""] {
        let run = check(Path::new(home), &[], &[]);
        bounded(&format!("HOME={home:?}"), &run);
    }
}

/// Every form a secret may take in the environment and the client config, and every way
/// out of the process.
#[test]
fn canary_secrets_leave_in_no_output() {
    let home = tempfile::tempdir().unwrap();
    let docker = home.path().join(".docker");
    std::fs::create_dir_all(&docker).unwrap();
    // user:Canary-Cfg-77 and a token; a proxy with a password for containers.
    std::fs::write(
        docker.join("config.json"),
        r#"{"auths":{"registry.corp:5000":{"auth":"dXNlcjpDYW5hcnktQ2ZnLTc3"},"r2.corp":{"identitytoken":"Canary-Tok-55"}},
            "proxies":{"default":{"httpsProxy":"http://cli:Canary-Cli-33@proxy.corp:3128"}}}"#,
    )
    .unwrap();
    let env = [
        ("HTTPS_PROXY", "alice:Canary-Bare-11@127.0.0.1:9"),
        ("http_proxy", "http://bob:Canary%40Pct 22@127.0.0.1:9"),
        ("DOCKER_HOST", "tcp://ci:Canary-Host-44@127.0.0.1:1"),
        ("REGISTRY_TOKEN", "Canary-Env-66"),
        ("NO_PROXY", "localhost"),
    ];
    let canaries = [
        "Canary-Bare-11",
        "Canary%40Pct 22",
        "Canary@Pct 22",
        "Canary%40Pct%2022",
        "Canary-Host-44",
        "Canary-Env-66",
        "Canary-Cfg-77",
        "dXNlcjpDYW5hcnktQ2ZnLTc3",
        "Canary-Tok-55",
        "Canary-Cli-33",
    ];
    let pasted = "Get https://u1:Canary-Paste-1@r.corp/v2/: proxyconnect tcp: dial tcp: lookup x\n\
                  then http://u2:Canary-Paste-2@p.corp:3128 and u3:Canary-Paste-3@10.1.2.3:3128\n\
                  Authorization: Bearer Canary-Paste-4-abcdefgh\n";
    let mut outputs: Vec<(String, Run)> = Vec::new();
    for format in ["human", "json", "markdown"] {
        for extra in [&[][..], &["--redact"][..]] {
            let mut args = vec!["--format", format];
            args.extend_from_slice(extra);
            outputs.push((format!("check {args:?}"), check(home.path(), &env, &args)));
        }
    }
    outputs.push((
        "check --color always".into(),
        capture(doctor(
            home.path(),
            &env,
            &["--offline", "--timeout", TIMEOUT, "--color", "always"],
        )),
    ));
    outputs.push((
        "fix --script".into(),
        capture(doctor(
            home.path(),
            &env,
            &["fix", "--script", "--offline", "--timeout", TIMEOUT],
        )),
    ));
    for format in ["human", "json", "markdown"] {
        outputs.push((
            format!("explain {format}"),
            capture(doctor(
                home.path(),
                &env,
                &["explain", "--no-probe", "--format", format, pasted],
            )),
        ));
    }
    // A bad command line quotes the value it refuses.
    outputs.push((
        "usage error".into(),
        capture(doctor(
            home.path(),
            &env,
            &["--registry", "http://u:Canary-Arg-5@r.corp/x"],
        )),
    ));
    let mut all_canaries: Vec<&str> = canaries.to_vec();
    all_canaries.extend([
        "Canary-Paste-1",
        "Canary-Paste-2",
        "Canary-Paste-3",
        "Canary-Paste-4",
        "Canary-Arg-5",
    ]);
    for (what, run) in &outputs {
        for c in &all_canaries {
            for (name, text) in [("stdout", &run.stdout), ("stderr", &run.stderr)] {
                assert!(!text.contains(c), "{what}: {c} on {name}:\n{text}");
            }
        }
        assert!(!run.stdout.is_empty() || !run.stderr.is_empty(), "{what}");
    }
    // The piped stdin of explain is masked the same way.
    let run = capture_with_input(
        doctor(
            home.path(),
            &env,
            &["explain", "--no-probe", "--format", "json"],
        ),
        pasted.as_bytes(),
    );
    let text = run.stdout;
    assert!(!text.contains("Canary-Paste"), "{text}");
}

#[test]
fn escapes_from_values_never_reach_the_terminal() {
    let home = tempfile::tempdir().unwrap();
    let env = [
        ("HTTPS_PROXY", "http://\x1b[2J\x1b]0;owned\x07proxy:3128"),
        ("DOCKER_CONTEXT", "ctx\x1b[31m\r\x08"),
    ];
    for format in ["human", "json", "markdown"] {
        let run = check(home.path(), &env, &["--format", format]);
        bounded(&format!("escapes in {format}"), &run);
    }
    let run = capture(doctor(
        home.path(),
        &env,
        &["fix", "--script", "--offline", "--timeout", TIMEOUT],
    ));
    assert!(!run.stdout.contains('\x1b'), "{}", run.stdout);
    let run = capture(doctor(
        home.path(),
        &[],
        &[
            "explain",
            "--no-probe",
            "dial unix /var/run/docker.sock: connect: permission denied \x1b[2J",
        ],
    ));
    assert!(!run.stdout.contains('\x1b'), "{}", run.stdout);
}

#[test]
fn a_non_utf8_docker_host_is_a_finding() {
    use std::os::unix::ffi::OsStrExt;
    let home = tempfile::tempdir().unwrap();
    let mut cmd = doctor(
        home.path(),
        &[],
        &["--offline", "--format", "json", "--only", "endpoint"],
    );
    cmd.env(
        "DOCKER_HOST",
        std::ffi::OsStr::from_bytes(b"unix:///tmp/\xff\xfe.sock"),
    );
    let run = capture(cmd);
    let r = run.json();
    let f = finding(&r, "endpoint.invalid-host");
    assert!(f["summary"].as_str().unwrap().contains("UTF-8"), "{f}");
}

/// A context whose meta.json has a wrong type is named by its key, not reported as a
/// context without an endpoint (the CLI refuses it: "unable to load context").
#[test]
fn a_wrongly_typed_context_names_the_key() {
    let home = tempfile::tempdir().unwrap();
    let docker = home.path().join(".docker");
    let meta_json = probes::facts::endpoint::context_meta_path(&docker, "remote");
    std::fs::create_dir_all(meta_json.parent().unwrap()).unwrap();
    std::fs::write(
        &meta_json,
        r#"{"Name":"remote","Endpoints":{"docker":{"Host":2375,"SkipTLSVerify":false}}}"#,
    )
    .unwrap();
    std::fs::write(docker.join("config.json"), r#"{"currentContext":"remote"}"#).unwrap();
    let run = capture(doctor(
        home.path(),
        &[],
        &["--offline", "--format", "json", "--only", "endpoint"],
    ));
    bounded("wrongly typed context", &run);
    let r = run.json();
    let f = finding(&r, "endpoint.context-invalid");
    let summary = f["summary"].as_str().unwrap();
    assert!(
        summary.contains("\"Endpoints.docker.Host\" is a number"),
        "{summary}"
    );
}
