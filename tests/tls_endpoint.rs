//! A daemon over tcp, checked the way the CLI reaches it: a real dockerd with `--tlsverify`
//! and a test CA (rcgen) on 127.0.0.1 and 127.0.0.2, its certificate naming 127.0.0.1
//! only; python's http.server as "not Docker" and as a plain port; a closed port. Each case
//! is named with a fix in this user's terms, and no fix starts or restarts a local service.
#![cfg(target_os = "linux")] // needs Linux (a real dockerd)

mod common;

use common::dockerd::Dockerd;
use common::*;
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
use serde_json::Value;
use std::path::Path;
use std::process::{Child, Command, Stdio};

struct Ca {
    params: CertificateParams,
    key: KeyPair,
    pem: String,
}

fn ca(name: &str) -> Ca {
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params.distinguished_name.push(DnType::CommonName, name);
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let key = KeyPair::generate().unwrap();
    let pem = params.self_signed(&key).unwrap().pem();
    Ca { params, key, pem }
}

/// A certificate and key from `ca` for `names`; expired when asked.
fn leaf(ca: &Ca, cn: &str, names: &[&str], expired: bool) -> (String, String) {
    let mut params =
        CertificateParams::new(names.iter().map(|s| s.to_string()).collect::<Vec<_>>()).unwrap();
    params.distinguished_name.push(DnType::CommonName, cn);
    if expired {
        params.not_before = rcgen::date_time_ymd(2020, 1, 1);
        params.not_after = rcgen::date_time_ymd(2021, 1, 1);
    }
    let key = KeyPair::generate().unwrap();
    let issuer = Issuer::new(ca.params.clone(), &ca.key);
    let cert = params.signed_by(&key, &issuer).unwrap();
    (cert.pem(), key.serialize_pem())
}

/// A folder as DOCKER_CERT_PATH expects it.
fn cert_dir(root: &Path, name: &str, ca_pem: &str, client: Option<&(String, String)>) -> String {
    let d = root.join(name);
    std::fs::create_dir_all(&d).unwrap();
    std::fs::write(d.join("ca.pem"), ca_pem).unwrap();
    if let Some((c, k)) = client {
        std::fs::write(d.join("cert.pem"), c).unwrap();
        std::fs::write(d.join("key.pem"), k).unwrap();
    }
    d.display().to_string()
}

fn check(home: &Path, env: &[(&str, &str)]) -> Value {
    let run = capture(doctor(
        home,
        env,
        &[
            "--format",
            "json",
            "--offline",
            "--only",
            "endpoint,daemon",
            "--timeout",
            "5",
        ],
    ));
    assert!(
        run.elapsed < std::time::Duration::from_secs(6),
        "took {:?}",
        run.elapsed
    );
    run.json()
}

/// No fix of any finding starts, restarts or reads a local service.
fn no_local_service(report: &Value) {
    for f in report["findings"].as_array().unwrap() {
        let all = commands(f);
        for local in [
            "service docker",
            "systemctl",
            "journalctl",
            "dockerd-rootless",
        ] {
            assert!(!all.contains(local), "{}: {all}", f["id"]);
        }
    }
}

struct HttpServer(Child);

impl Drop for HttpServer {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// python's http.server on 127.0.0.1:PORT: a web server that is not Docker.
fn http_server(dir: &Path, port: u16) -> HttpServer {
    let child = Command::new("python3")
        .args([
            "-m",
            "http.server",
            "--bind",
            "127.0.0.1",
            &port.to_string(),
        ])
        .current_dir(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    for _ in 0..100 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    HttpServer(child)
}

#[test]
#[ignore = "needs root and Debian's docker.io; run through scripts/test.sh"]
fn tls_daemons_are_checked_the_way_the_cli_reaches_them() {
    let daemon_ca = ca("Daemon Test CA");
    let other_ca = ca("Other Test CA");
    let (server_cert, server_key) = leaf(&daemon_ca, "dockerd", &["127.0.0.1"], false);
    let client = leaf(&daemon_ca, "client", &[], false);
    let foreign_client = leaf(&other_ca, "client", &[], false);
    let expired_client = leaf(&daemon_ca, "client", &[], true);

    let pki = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| {
        let p = pki.path().join(name);
        std::fs::write(&p, text).unwrap();
        p.display().to_string()
    };
    let ca_file = write("ca.pem", &daemon_ca.pem);
    let cert_file = write("server.pem", &server_cert);
    let key_file = write("server-key.pem", &server_key);
    let port = free_port();
    let d = Dockerd::start_with(
        None,
        &[],
        &[
            "-H".into(),
            format!("tcp://127.0.0.1:{port}"),
            "-H".into(),
            format!("tcp://127.0.0.2:{port}"),
            "--tlsverify".into(),
            format!("--tlscacert={ca_file}"),
            format!("--tlscert={cert_file}"),
            format!("--tlskey={key_file}"),
        ],
    );
    let version = d.server_version();
    let home = tempfile::tempdir().unwrap();
    let good = cert_dir(pki.path(), "good", &daemon_ca.pem, Some(&client));
    let host = format!("tcp://127.0.0.1:{port}");

    // Healthy, verified: the engine and its version, the endpoint named as tls.
    let env = [
        ("DOCKER_HOST", host.as_str()),
        ("DOCKER_TLS_VERIFY", "1"),
        ("DOCKER_CERT_PATH", good.as_str()),
    ];
    let r = check(home.path(), &env);
    let ok = finding(&r, "daemon.ok");
    assert!(ok["summary"].as_str().unwrap().contains(&version), "{ok}");
    let resolved = finding(&r, "endpoint.resolved");
    assert_eq!(evidence(resolved, "kind"), Some("tls"), "{resolved}");
    assert_eq!(
        evidence(resolved, "tls_files_from"),
        Some("DOCKER_CERT_PATH")
    );

    // DOCKER_TLS=1 without verification, good certificates: works, as for the CLI.
    let r = check(
        home.path(),
        &[
            ("DOCKER_HOST", host.as_str()),
            ("DOCKER_TLS", "1"),
            ("DOCKER_CERT_PATH", good.as_str()),
        ],
    );
    finding(&r, "daemon.ok");

    // The certificate folder does not exist: named without any connection.
    let r = check(
        home.path(),
        &[
            ("DOCKER_HOST", host.as_str()),
            ("DOCKER_TLS_VERIFY", "1"),
            ("DOCKER_CERT_PATH", "/nonexistent/dd-certs"),
        ],
    );
    let f = finding(&r, "endpoint.tls-material");
    assert!(
        f["summary"]
            .as_str()
            .unwrap()
            .contains("/nonexistent/dd-certs"),
        "{f}"
    );
    assert!(findings(&r, "daemon.ok").is_empty());
    no_local_service(&r);

    // An expired client certificate: read locally.
    let expired = cert_dir(pki.path(), "expired", &daemon_ca.pem, Some(&expired_client));
    let r = check(
        home.path(),
        &[
            ("DOCKER_HOST", host.as_str()),
            ("DOCKER_TLS_VERIFY", "1"),
            ("DOCKER_CERT_PATH", expired.as_str()),
        ],
    );
    let f = finding(&r, "endpoint.tls-material");
    assert!(f["summary"].as_str().unwrap().contains("expired"), "{f}");

    // A key that is not the certificate's.
    let mixed = cert_dir(
        pki.path(),
        "mixed",
        &daemon_ca.pem,
        Some(&(client.0.clone(), foreign_client.1.clone())),
    );
    let r = check(
        home.path(),
        &[
            ("DOCKER_HOST", host.as_str()),
            ("DOCKER_TLS_VERIFY", "1"),
            ("DOCKER_CERT_PATH", mixed.as_str()),
        ],
    );
    let f = finding(&r, "endpoint.tls-material");
    assert!(
        f["summary"]
            .as_str()
            .unwrap()
            .contains("not the private key"),
        "{f}"
    );

    // A client certificate from another CA: the daemon refuses it.
    let foreign = cert_dir(pki.path(), "foreign", &daemon_ca.pem, Some(&foreign_client));
    let r = check(
        home.path(),
        &[
            ("DOCKER_HOST", host.as_str()),
            ("DOCKER_TLS_VERIFY", "1"),
            ("DOCKER_CERT_PATH", foreign.as_str()),
        ],
    );
    finding(&r, "daemon.tls-client-rejected");
    no_local_service(&r);

    // The server's chain is not from the CA the client trusts.
    let untrusting = cert_dir(pki.path(), "untrusting", &other_ca.pem, Some(&client));
    let r = check(
        home.path(),
        &[
            ("DOCKER_HOST", host.as_str()),
            ("DOCKER_TLS_VERIFY", "1"),
            ("DOCKER_CERT_PATH", untrusting.as_str()),
        ],
    );
    let f = finding(&r, "daemon.tls-untrusted");
    assert!(
        f["summary"].as_str().unwrap().contains("Daemon Test CA"),
        "{f}"
    );

    // 127.0.0.2 is not among the certificate's names: they are listed, and the fix that
    // connects by one of them, applied, works.
    let wrong = format!("tcp://127.0.0.2:{port}");
    let r = check(
        home.path(),
        &[
            ("DOCKER_HOST", wrong.as_str()),
            ("DOCKER_TLS_VERIFY", "1"),
            ("DOCKER_CERT_PATH", good.as_str()),
        ],
    );
    let f = finding(&r, "daemon.tls-wrong-name");
    assert!(f["summary"].as_str().unwrap().contains("127.0.0.1"), "{f}");
    let fix = commands(f);
    let export = format!("export DOCKER_HOST=tcp://127.0.0.1:{port}");
    assert!(fix.contains(&export), "{fix}");
    let r = check(
        home.path(),
        &[
            ("DOCKER_HOST", host.as_str()),
            ("DOCKER_TLS_VERIFY", "1"),
            ("DOCKER_CERT_PATH", good.as_str()),
        ],
    );
    finding(&r, "daemon.ok");

    // A TLS context made by the real CLI: its own TLS folder is used, and named.
    for (name, ca, ok) in [
        ("tlsctx", good.clone(), true),
        ("wrongca", untrusting.clone(), false),
    ] {
        let made = Command::new("docker")
            .env("HOME", home.path())
            .env_remove("DOCKER_CONFIG")
            .args(["context", "create", name, "--docker"])
            .arg(format!(
                "host={host},ca={ca}/ca.pem,cert={good}/cert.pem,key={good}/key.pem"
            ))
            .output()
            .unwrap();
        assert!(made.status.success(), "{made:?}");
        let r = check(home.path(), &[("DOCKER_CONTEXT", name)]);
        let resolved = finding(&r, "endpoint.resolved");
        assert_eq!(
            evidence(resolved, "tls_files_from"),
            Some(format!("context {name}").as_str()),
            "{resolved}"
        );
        if ok {
            finding(&r, "daemon.ok");
        } else {
            let f = finding(&r, "daemon.tls-untrusted");
            assert!(
                commands(f).contains(&format!("docker context update {name}")),
                "{f}"
            );
        }
    }

    // Plain HTTP to the TLS port: the fix turns TLS on, and applied, works.
    let r = check(home.path(), &[("DOCKER_HOST", host.as_str())]);
    let f = finding(&r, "daemon.tls-required");
    assert!(commands(f).contains("export DOCKER_TLS_VERIFY=1"), "{f}");
    no_local_service(&r);
    let r = check(
        home.path(),
        &[
            ("DOCKER_HOST", host.as_str()),
            ("DOCKER_TLS_VERIFY", "1"),
            ("DOCKER_CERT_PATH", good.as_str()),
        ],
    );
    finding(&r, "daemon.ok");

    // API version read byte for byte: a CRLF .env file's "1.41\r".
    let r = check(
        home.path(),
        &[
            ("DOCKER_HOST", host.as_str()),
            ("DOCKER_TLS_VERIFY", "1"),
            ("DOCKER_CERT_PATH", good.as_str()),
            ("DOCKER_API_VERSION", "1.41\r"),
        ],
    );
    let f = finding(&r, "endpoint.api-version-invalid");
    assert!(f["summary"].as_str().unwrap().contains("\\r"), "{f}");
    for v in ["41", "auto"] {
        let r = check(home.path(), &[("DOCKER_API_VERSION", v)]);
        finding(&r, "endpoint.api-version-invalid");
    }

    // buildx's "TLS data loaded from environment", explained: the answer's first fix, run by
    // the real CLI in that environment, makes a context that reaches the daemon with no TLS
    // variable left set. (buildx itself is not in Debian 12's archive; the builder is made
    // on that context.)
    let refusal = "ERROR: could not create a builder instance with TLS data loaded from \
                   environment. Please use `docker context create <context-name>` to create a \
                   context for current environment and then create a builder instance with \
                   context set to <context-name>";
    let answer = capture_with_input(
        doctor(
            home.path(),
            &[],
            &["explain", "--format", "json", "--no-probe"],
        ),
        refusal.as_bytes(),
    )
    .json();
    let first = &answer["matches"][0];
    assert_eq!(first["mode"], "endpoint.buildx-tls-from-env", "{answer}");
    let create = first["fix"][0].as_str().unwrap();
    let create = create.split("    #").next().unwrap().trim();
    assert_eq!(create, "docker context create tls-env");
    let made = Command::new("sh")
        .args(["-c", create])
        .env("HOME", home.path())
        .env("DOCKER_HOST", &host)
        .env("DOCKER_TLS_VERIFY", "1")
        .env("DOCKER_CERT_PATH", &good)
        .output()
        .unwrap();
    assert!(made.status.success(), "{made:?}");
    let r = check(home.path(), &[("DOCKER_CONTEXT", "tls-env")]);
    finding(&r, "daemon.ok");
}

#[test]
#[ignore = "needs python3 (installed by scripts/test.sh)"]
fn a_tcp_address_that_is_not_a_daemon_gets_no_local_service_fix() {
    let home = tempfile::tempdir().unwrap();
    let www = tempfile::tempdir().unwrap();
    std::fs::write(
        www.path().join("index.html"),
        "<html><body>".to_string() + &"x".repeat(5000) + "</body></html>",
    )
    .unwrap();
    let port = free_port();
    let _server = http_server(www.path(), port);
    let web = format!("tcp://127.0.0.1:{port}");

    // A web server: named as not Docker, briefly, and the fix is about DOCKER_HOST.
    let r = check(home.path(), &[("DOCKER_HOST", web.as_str())]);
    let f = finding(&r, "daemon.not-docker");
    let summary = f["summary"].as_str().unwrap();
    assert!(
        summary.len() < 250 && !summary.contains("<html"),
        "{summary}"
    );
    assert!(commands(f).contains("DOCKER_HOST"), "{f}");
    no_local_service(&r);

    // TLS spoken to that plain port.
    let r = check(
        home.path(),
        &[("DOCKER_HOST", web.as_str()), ("DOCKER_TLS", "1")],
    );
    finding(&r, "daemon.tls-not-spoken");
    no_local_service(&r);

    // Nothing listens: no "socket left behind, restart the service".
    let closed = format!("tcp://127.0.0.1:{}", free_port());
    let r = check(home.path(), &[("DOCKER_HOST", closed.as_str())]);
    let f = finding(&r, "daemon.remote-refused");
    assert!(
        f["summary"].as_str().unwrap().contains("DOCKER_HOST"),
        "{f}"
    );
    assert!(findings(&r, "daemon.socket-stale").is_empty());
    no_local_service(&r);

    // A name that does not resolve (.invalid never does).
    let r = check(
        home.path(),
        &[("DOCKER_HOST", "tcp://no-such-host.invalid:2376")],
    );
    let f = finding(&r, "daemon.remote-unresolved");
    assert!(
        commands(f).contains("getent hosts no-such-host.invalid"),
        "{f}"
    );
    no_local_service(&r);
}
