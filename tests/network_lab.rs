//! The proxy, registry and ca probes against real servers in a network namespace: dnsmasq,
//! docker-registry behind TLS from a test CA, tinyproxy, mitmproxy, and a real dockerd.
//! Needs root and the packages scripts/test.sh installs.
#![cfg(target_os = "linux")] // needs Linux (namespaces, procfs, a real dockerd, or getrusage in KiB)

mod common;

use common::dockerd::Dockerd;
use common::lab::*;
use common::*;
use serde_json::Value;
use std::time::Duration;

const CANARY: &str = "CANARY-s3cret-7Qx";
const NETWORK_PROBES: &str = "proxy,registry,ca";

/// The findings with this id about this registry.
fn about<'a>(report: &'a Value, id: &str, subject: &str) -> &'a Value {
    findings(report, id)
        .into_iter()
        // One finding may speak for several registries ("a, b, c": one CA on all of them).
        .find(|f| {
            f["subject"]
                .as_str()
                .is_some_and(|s| s.split(", ").any(|one| one == subject))
        })
        .unwrap_or_else(|| {
            panic!(
                "no {id} about {subject}; findings: {}",
                serde_json::to_string_pretty(&report["findings"]).unwrap()
            )
        })
}

fn all_text(f: &Value) -> String {
    serde_json::to_string(f).unwrap()
}

fn run_json(lab: &Lab, env: &[(&str, &str)], extra: &[&str]) -> (Run, Value) {
    let home = tempfile::tempdir().unwrap();
    let mut args = vec!["--only", NETWORK_PROBES, "--format", "json"];
    args.extend_from_slice(extra);
    let run = lab.doctor(home.path(), env, &args);
    let json = run.json();
    (run, json)
}

#[test]
#[ignore = "needs root, ip netns and the lab's servers; run through scripts/test.sh"]
fn healthy_registry_direct() {
    let mut lab = Lab::new("ok");
    lab.dns(Dns::Answer);
    lab.registry(Leaf::Valid);
    lab.trust_lab_ca_system_wide();
    let (run, r) = run_json(&lab, &[], &[]);
    for host in [
        "registry-1.docker.io",
        "auth.docker.io",
        "production.cloudflare.docker.com",
    ] {
        let ok = about(&r, "registry.ok", host);
        assert_eq!(evidence(ok, "status"), Some("200"), "{host}");
        assert_eq!(evidence(ok, "address"), Some("127.0.0.10:443"));
        assert!(evidence(ok, "proxy").is_none(), "direct: no proxy");
        // The lab CA is private: trusted by the system store here, not by Mozilla.
        let ca = about(&r, "ca.private-trusted", host);
        assert!(all_text(ca).contains(CA_NAME));
    }
    assert_eq!(run.code, 0, "{}", run.stdout);
}

#[test]
#[ignore = "needs root, ip netns and the lab's servers; run through scripts/test.sh"]
fn healthy_registry_through_the_daemons_proxy_with_credentials() {
    let mut lab = Lab::new("px");
    lab.dns(Dns::Answer);
    lab.registry(Leaf::Valid);
    lab.trust_lab_ca_system_wide();
    lab.tinyproxy(Some(("alice", CANARY)));
    let proxy = format!("http://alice:{CANARY}@{TINYPROXY}");
    let daemon = Dockerd::start_in(
        Some(&lab.ns),
        &[("HTTPS_PROXY", &proxy), ("NO_PROXY", "localhost,127.0.0.1")],
    );
    let env = [
        ("DOCKER_HOST", daemon.host()),
        ("HTTPS_PROXY", proxy.clone()),
        ("https_proxy", proxy.clone()),
    ];
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (run, r) = run_json(&lab, &env, &[]);
    let ok = about(&r, "registry.ok", "registry-1.docker.io");
    assert_eq!(
        evidence(ok, "proxy"),
        Some(format!("http://alice:<redacted>@{TINYPROXY}").as_str())
    );
    assert!(evidence(ok, "tunnel_ms").is_some(), "went through CONNECT");
    assert!(
        lab.log("tinyproxy").contains("registry-1.docker.io"),
        "the proxy saw the CONNECT:\n{}",
        lab.log("tinyproxy")
    );
    assert!(ids(&r).contains(&"proxy.ok".to_string()), "{:?}", ids(&r));
    assert_eq!(run.code, 0, "{}", run.stdout);

    // The password is in the shell, the daemon's environment and the proxy URL used to
    // authenticate: it must appear in no output format.
    for format in [
        &["--format", "json"][..],
        &["--format", "markdown"][..],
        &["--color", "always", "-v"][..],
        &[][..],
    ] {
        let home = tempfile::tempdir().unwrap();
        let mut args = vec!["--only", NETWORK_PROBES];
        args.extend_from_slice(format);
        let run = lab.doctor(home.path(), &env, &args);
        assert!(
            !run.stdout.contains(CANARY),
            "{format:?} leaked:\n{}",
            run.stdout
        );
        assert!(
            !run.stderr.contains(CANARY),
            "{format:?} leaked:\n{}",
            run.stderr
        );
        assert!(
            !run.stdout.contains("Q0FOQVJZ"),
            "base64 of the password leaked"
        );
    }
}

#[test]
#[ignore = "needs root, ip netns and the lab's servers; run through scripts/test.sh"]
fn nxdomain_is_named_with_the_nameserver() {
    let mut lab = Lab::new("nx");
    lab.dns(Dns::NxDomain);
    let (run, r) = run_json(&lab, &[], &[]);
    for host in ["registry-1.docker.io", "auth.docker.io"] {
        let f = about(&r, "registry.dns-nxdomain", host);
        assert_eq!(evidence(f, "nameservers"), Some(NAMESERVER));
        assert!(commands(f).contains(&format!("dig {host} @{NAMESERVER}")));
    }
    assert_eq!(run.code, 2);
}

#[test]
#[ignore = "needs root, ip netns and the lab's servers; run through scripts/test.sh"]
fn servfail_is_told_apart_from_nxdomain() {
    let mut lab = Lab::new("sf");
    lab.dns(Dns::ServFail);
    let (_, r) = run_json(&lab, &[], &[]);
    let f = about(&r, "registry.dns-servfail", "registry-1.docker.io");
    assert!(f["summary"].as_str().unwrap().contains("SERVFAIL"));
    assert!(findings(&r, "registry.dns-nxdomain").is_empty());
}

#[test]
#[ignore = "needs root, ip netns and the lab's servers; run through scripts/test.sh"]
fn a_nameserver_that_drops_queries_ends_within_the_timeout() {
    let mut lab = Lab::new("dr");
    lab.dns(Dns::Drop);
    let home = tempfile::tempdir().unwrap();
    let run = lab.doctor(
        home.path(),
        &[],
        &[
            "--only",
            NETWORK_PROBES,
            "--format",
            "json",
            "--timeout",
            "3",
        ],
    );
    assert!(
        run.elapsed < Duration::from_millis(4500),
        "took {:?}",
        run.elapsed
    );
    let r = run.json();
    let f = about(&r, "registry.dns-timeout", "registry-1.docker.io");
    assert_eq!(evidence(f, "nameservers"), Some(SILENT_NAMESERVER));
    // One nameserver that answers nothing is one problem, its names listed, not an error
    // per Docker Hub host.
    assert_eq!(
        findings(&r, "registry.dns-timeout").len(),
        1,
        "{}",
        r["findings"]
    );
    for host in ["auth.docker.io", "production.cloudflare.docker.com"] {
        about(&r, "registry.dns-timeout", host);
    }
    assert!(f["summary"].as_str().unwrap().contains("3 names"), "{f}");
}

#[test]
#[ignore = "needs root, ip netns and the lab's servers; run through scripts/test.sh"]
fn untrusted_private_ca_is_named_with_the_certs_d_fix() {
    let mut lab = Lab::new("un");
    lab.dns(Dns::Answer);
    lab.registry(Leaf::Valid);
    let saved = tempfile::tempdir().unwrap();
    let dir = saved.path().to_str().unwrap();
    let (_, r) = run_json(
        &lab,
        &[],
        &["--registry", "registry.lab.test", "--save-chain", dir],
    );
    let ca = about(&r, "ca.untrusted", "registry.lab.test");
    // The chain the registry presented, written where the user asked, to inspect.
    let pem = std::fs::read_to_string(saved.path().join("registry.lab.test.pem")).unwrap();
    assert!(pem.starts_with("-----BEGIN CERTIFICATE-----"));
    about(&r, "ca.chain-saved", "registry.lab.test");
    assert_eq!(
        evidence(ca, "issuer"),
        Some(format!("CN={CA_NAME}").as_str())
    );
    assert!(
        commands(ca).contains("/etc/docker/certs.d/registry.lab.test/ca.crt"),
        "{}",
        commands(ca)
    );
    // The registry probe names the failing step and points at this very finding.
    let tls = about(&r, "registry.tls-failed", "registry.lab.test");
    assert_eq!(tls["caused_by"], "ca.untrusted");
    // Docker Hub ignores certs.d: for it the fix is the system store.
    let hub = about(&r, "ca.untrusted", "registry-1.docker.io");
    assert!(commands(hub).contains("update-ca-certificates"));
    assert!(!commands(hub).contains("certs.d"));
}

#[test]
#[ignore = "needs root, ip netns and the lab's servers; run through scripts/test.sh"]
fn the_same_ca_in_certs_d_makes_the_registry_healthy() {
    let mut lab = Lab::new("cd");
    lab.dns(Dns::Answer);
    lab.registry(Leaf::Valid);
    lab.etc(
        "docker/certs.d/registry.lab.test/ca.crt",
        &lab.ca_pem.clone(),
    );
    let (_, r) = run_json(&lab, &[], &["--registry", "registry.lab.test"]);
    about(&r, "registry.ok", "registry.lab.test");
    let ca = about(&r, "ca.private-trusted", "registry.lab.test");
    assert!(
        evidence(ca, "trusted from")
            .unwrap()
            .contains("/etc/docker/certs.d/registry.lab.test/ca.crt")
    );
    // certs.d/<host> applies to that registry only, never to Docker Hub.
    about(&r, "ca.untrusted", "registry-1.docker.io");
}

#[test]
#[ignore = "needs root, ip netns and the lab's servers; run through scripts/test.sh"]
fn the_certs_d_fix_applied_as_printed_makes_the_registry_trusted() {
    let mut lab = Lab::new("ca");
    lab.dns(Dns::Answer);
    lab.registry(Leaf::Valid);
    // The lab's /etc/docker is its own: the fix writes there, never into the host's.
    lab.etc("docker/.lab", "");
    let (_, before) = run_json(&lab, &[], &["--registry", "registry.lab.test"]);
    let ca = about(&before, "ca.untrusted", "registry.lab.test");
    let fix: Vec<&str> = ca["fixes"][0]["steps"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["command"].as_str())
        .collect();
    assert!(!fix.is_empty(), "{}", all_text(ca));
    // registry-ca.crt is what the registry's administrators hand out: the lab CA.
    let work = tempfile::tempdir().unwrap();
    std::fs::write(work.path().join("registry-ca.crt"), &lab.ca_pem).unwrap();
    for line in &fix {
        let out = lab.sh_in(work.path(), line);
        assert!(out.status.success(), "{line}: {out:?}");
    }
    let (_, after) = run_json(&lab, &[], &["--registry", "registry.lab.test"]);
    about(&after, "registry.ok", "registry.lab.test");
    about(&after, "ca.private-trusted", "registry.lab.test");
    assert!(
        findings(&after, "ca.untrusted")
            .iter()
            .all(|f| !f["subject"]
                .as_str()
                .unwrap_or("")
                .contains("registry.lab.test")),
        "{}",
        all_text(&after["findings"])
    );
}

#[test]
#[ignore = "needs root, ip netns and the lab's servers; run through scripts/test.sh"]
fn interception_by_mitmproxy_names_its_ca() {
    let mut lab = Lab::new("mi");
    lab.dns(Dns::Answer);
    lab.registry(Leaf::Valid);
    lab.mitmproxy();
    // The daemon is not running: its proxy is read from its drop-in.
    lab.etc(
        "systemd/system/docker.service.d/http-proxy.conf",
        &format!("[Service]\nEnvironment=\"HTTPS_PROXY=http://{MITMPROXY}\"\n"),
    );
    let (run, r) = run_json(&lab, &[], &[]);
    let ca = about(&r, "ca.untrusted", "registry-1.docker.io");
    assert!(
        evidence(ca, "issuer").unwrap().contains("mitmproxy"),
        "{}",
        all_text(ca)
    );
    assert!(all_text(ca).contains("TLS-inspecting proxy"));
    assert!(commands(ca).contains("update-ca-certificates"));
    // The restart is this host's: no systemctl where systemd does not run.
    if r["platform"]["systemd"] == false {
        assert!(!commands(ca).contains("systemctl"), "{}", all_text(ca));
    }
    assert!(
        all_text(ca).contains("restart"),
        "dockerd reads the store at start: {}",
        all_text(ca)
    );
    // One CA on Docker Hub's three hosts is one problem, listing them.
    let hub: Vec<&Value> = findings(&r, "ca.untrusted")
        .into_iter()
        .filter(|f| {
            f["subject"]
                .as_str()
                .is_some_and(|s| s.contains("docker.io"))
        })
        .collect();
    assert_eq!(hub.len(), 1, "{hub:?}");
    let subject = hub[0]["subject"].as_str().unwrap();
    assert!(
        subject.contains("registry-1.docker.io") && subject.contains("auth.docker.io"),
        "{subject}"
    );
    assert_eq!(run.code, 2);
}

#[test]
#[ignore = "needs root, ip netns and the lab's servers; run through scripts/test.sh"]
fn proxy_down_is_the_root_cause() {
    let mut lab = Lab::new("pd");
    lab.dns(Dns::Answer);
    lab.etc(
        "systemd/system/docker.service.d/http-proxy.conf",
        &format!("[Service]\nEnvironment=\"HTTPS_PROXY=http://{NOTHING}\"\n"),
    );
    let (_, r) = run_json(&lab, &[], &[]);
    let down = finding(&r, "proxy.unreachable");
    assert!(
        down["summary"]
            .as_str()
            .unwrap()
            .contains("refuses connections")
    );
    let failed = about(&r, "registry.proxy-failed", "registry-1.docker.io");
    assert_eq!(failed["caused_by"], "proxy.unreachable");
}

#[test]
#[ignore = "needs root, ip netns and the lab's servers; run through scripts/test.sh"]
fn shell_proxy_but_a_real_daemon_without_one_gets_the_drop_in() {
    let lab = Lab::new("dm");
    let daemon = Dockerd::start_in(Some(&lab.ns), &[]);
    let proxy = format!("http://alice:{CANARY}@{TINYPROXY}");
    let home = tempfile::tempdir().unwrap();
    let env = [
        ("DOCKER_HOST", daemon.host()),
        ("HTTPS_PROXY", proxy.clone()),
        ("HTTP_PROXY", proxy.clone()),
        ("NO_PROXY", "registry.lab.test".to_string()),
    ];
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let run = lab.doctor(home.path(), &env, &["--only", "proxy", "--format", "json"]);
    let r = run.json();
    let f = finding(&r, "proxy.daemon-missing");
    // This dockerd was started by hand (by the test): no drop-in or init script reaches
    // it, so the fix is to start it again with the proxy in its environment.
    assert_eq!(
        r["host"]["service_manager"]["kind"], "manual",
        "{}",
        r["host"]
    );
    let text = f["fixes"][0]["steps"][0]["text"].as_str().unwrap();
    assert!(
        text.contains(&format!("HTTPS_PROXY=http://alice:<password>@{TINYPROXY}")),
        "{text}"
    );
    assert!(
        text.contains("NO_PROXY=localhost,127.0.0.1,registry.lab.test"),
        "{text}"
    );
    assert!(
        text.contains(&daemon.host()),
        "its own flags are kept: {text}"
    );
    assert!(!commands(f).contains("systemctl"), "{f}");
    assert!(!run.stdout.contains(CANARY) && !run.stderr.contains(CANARY));
    let human = lab.doctor(home.path(), &env, &["--only", "proxy"]);
    assert!(!human.stdout.contains(CANARY));
    assert!(human.stdout.contains("started by hand"), "{}", human.stdout);
}

#[test]
#[ignore = "needs root, ip netns and the lab's servers; run through scripts/test.sh"]
fn expired_certificate_is_named() {
    let mut lab = Lab::new("ex");
    lab.dns(Dns::Answer);
    lab.registry(Leaf::Expired);
    lab.trust_lab_ca_system_wide();
    let (_, r) = run_json(&lab, &[], &[]);
    let f = about(&r, "ca.expired", "registry-1.docker.io");
    let summary = f["summary"].as_str().unwrap();
    assert!(summary.contains("CN=registry-1.docker.io"), "{summary}");
    assert!(summary.contains("2021-01-01"), "{summary}");
    // The clock is right (the registry's Date agrees), so this is not clock skew.
    assert!(findings(&r, "ca.clock-skew").is_empty());
}

#[test]
#[ignore = "needs root, ip netns and the lab's servers; run through scripts/test.sh"]
fn wrong_hostname_lists_the_names_the_certificate_has() {
    let mut lab = Lab::new("wh");
    lab.dns(Dns::Answer);
    lab.registry(Leaf::WrongHost);
    lab.trust_lab_ca_system_wide();
    let (_, r) = run_json(&lab, &[], &[]);
    let f = about(&r, "ca.wrong-host", "registry-1.docker.io");
    assert_eq!(evidence(f, "valid for"), Some("other.lab.test"));
}

/// The auth probe's report, run in the lab with this HOME.
fn auth_report(lab: &Lab, home: &std::path::Path, env: &[(&str, &str)]) -> (Run, Value) {
    let run = lab.doctor(home, env, &["--only", "auth", "--format", "json"]);
    let json = run.json();
    (run, json)
}

/// A HOME whose config.json holds a login for `registry` (base64 `user:password`, as
/// `docker login` writes it without a credential store).
fn home_with_login(registry: &str, user: &str, password: &str) -> tempfile::TempDir {
    use base64::Engine;
    let home = tempfile::tempdir().unwrap();
    let auth = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
    std::fs::create_dir_all(home.path().join(".docker")).unwrap();
    std::fs::write(
        home.path().join(".docker/config.json"),
        serde_json::json!({"auths": {registry: {"auth": auth}}}).to_string(),
    )
    .unwrap();
    home
}

#[test]
#[ignore = "needs root, ip netns and the lab's servers; run through scripts/test.sh"]
fn hub_pull_limit_is_read_anonymously_and_for_the_login() {
    let mut lab = Lab::new("hub");
    lab.dns(Dns::Answer);
    lab.fake_hub(&format!(
        r#"{{"users": {{"alice": "{CANARY}"}}, "anonymous": [100, 76], "user": [200, 3]}}"#
    ));
    lab.trust_lab_ca_system_wide();

    let empty = tempfile::tempdir().unwrap();
    let (_, r) = auth_report(&lab, empty.path(), &[]);
    let f = about(&r, "auth.hub-limit", "docker.io");
    assert!(
        f["summary"]
            .as_str()
            .unwrap()
            .contains("76 of 100 Docker Hub pulls left per 6 h"),
        "{f}"
    );
    assert_eq!(evidence(f, "counted against"), Some("192.0.2.1"));

    // With the account's login: the login is accepted, and its own (low) limit is read.
    let home = home_with_login("https://index.docker.io/v1/", "alice", CANARY);
    let (run, r) = auth_report(&lab, home.path(), &[]);
    about(&r, "auth.ok", "docker.io");
    let low = about(&r, "auth.hub-limit-low", "docker.io");
    assert!(all_text(low).contains("3 of 200"), "{low}");
    assert!(all_text(low).contains("the account alice"), "{low}");
    assert_eq!(run.code, 1, "a warning only");
    assert!(!run.stdout.contains(CANARY) && !run.stderr.contains(CANARY));
    // The token service saw the login (Basic), the manifest a bearer token.
    let log = lab.log("hub");
    assert!(log.contains("Basic ") && log.contains("Bearer"), "{log}");

    // A wrong password is refused by the token service: every pull would fail with it.
    let home = home_with_login("https://index.docker.io/v1/", "alice", "wrong-one");
    let (run, r) = auth_report(&lab, home.path(), &[]);
    let f = about(&r, "auth.rejected", "docker.io");
    assert!(
        all_text(f).contains("incorrect username or password"),
        "{f}"
    );
    assert!(commands(f).contains("docker login"), "{}", commands(f));
    assert_eq!(run.code, 2);
}

#[test]
#[ignore = "needs root, ip netns and the lab's servers; run through scripts/test.sh"]
fn a_used_up_pull_limit_is_an_error_with_the_login_fix() {
    let mut lab = Lab::new("hub0");
    lab.dns(Dns::Answer);
    lab.fake_hub(r#"{"anonymous": [100, 0], "user": [200, 200]}"#);
    lab.trust_lab_ca_system_wide();
    let home = tempfile::tempdir().unwrap();
    let (run, r) = auth_report(&lab, home.path(), &[]);
    let f = about(&r, "auth.hub-limit-reached", "docker.io");
    assert!(all_text(f).contains("toomanyrequests"), "{f}");
    assert!(commands(f).contains("docker login"), "{}", commands(f));
    assert_eq!(run.code, 2);
}

#[test]
#[ignore = "needs root, ip netns and the lab's servers; run through scripts/test.sh"]
fn the_pull_limit_is_asked_through_the_daemons_proxy() {
    let mut lab = Lab::new("hubpx");
    lab.dns(Dns::Answer);
    lab.fake_hub(r#"{"anonymous": [100, 50], "user": [200, 200]}"#);
    lab.trust_lab_ca_system_wide();
    lab.tinyproxy(None);
    let proxy = format!("http://{TINYPROXY}");
    let daemon = Dockerd::start_in(
        Some(&lab.ns),
        &[("HTTPS_PROXY", &proxy), ("NO_PROXY", "localhost,127.0.0.1")],
    );
    let home = tempfile::tempdir().unwrap();
    // This shell has no proxy: the daemon's is the one a pull uses.
    let (_, r) = auth_report(&lab, home.path(), &[("DOCKER_HOST", &daemon.host())]);
    about(&r, "auth.hub-limit", "docker.io");
    let log = lab.log("tinyproxy");
    assert!(
        log.contains("auth.docker.io") && log.contains("registry-1.docker.io"),
        "the proxy saw both CONNECTs:\n{log}"
    );
}

#[test]
#[ignore = "needs root, ip netns and the lab's servers; run through scripts/test.sh"]
fn a_private_registry_login_is_checked_as_docker_login_does() {
    let mut lab = Lab::new("login");
    lab.dns(Dns::Answer);
    lab.registry_with_login(Leaf::Valid, Some(("bob", CANARY)));
    lab.trust_lab_ca_system_wide();

    let home = home_with_login("registry.lab.test", "bob", CANARY);
    let (run, r) = auth_report(&lab, home.path(), &[]);
    let ok = about(&r, "auth.ok", "registry.lab.test");
    assert_eq!(evidence(ok, "user"), Some("bob"));
    assert!(!run.stdout.contains(CANARY));

    let home = home_with_login("https://registry.lab.test", "bob", "stale");
    let (run, r) = auth_report(&lab, home.path(), &[]);
    let f = about(&r, "auth.rejected", "registry.lab.test");
    let fix = commands(f);
    assert!(
        fix.contains("docker logout registry.lab.test")
            && fix.contains("docker login registry.lab.test"),
        "{fix}"
    );
    assert_eq!(run.code, 2);

    // The same login kept by a credential helper: asked as the CLI asks it (`get`, the
    // server on stdin), then checked.
    let home = tempfile::tempdir().unwrap();
    let bin = home.path().join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let helper = bin.join("docker-credential-lab");
    std::fs::write(
        &helper,
        format!(
            "#!/bin/sh\n[ \"$1\" = get ] || exit 1\nread server\ncase \"$server\" in registry.lab.test) printf '{{\"ServerURL\":\"%s\",\"Username\":\"bob\",\"Secret\":\"{CANARY}\"}}' \"$server\";; *) echo 'credentials not found in native keychain'; exit 1;; esac\n"
        ),
    )
    .unwrap();
    std::process::Command::new("chmod")
        .arg("+x")
        .arg(&helper)
        .status()
        .unwrap();
    std::fs::create_dir_all(home.path().join(".docker")).unwrap();
    std::fs::write(
        home.path().join(".docker/config.json"),
        r#"{"auths": {"registry.lab.test": {}}, "credsStore": "lab"}"#,
    )
    .unwrap();
    let path = format!("{}:/usr/local/bin:/usr/bin:/bin", bin.display());
    let (run, r) = auth_report(&lab, home.path(), &[("PATH", &path)]);
    about(&r, "auth.ok", "registry.lab.test");
    assert!(!run.stdout.contains(CANARY) && !run.stderr.contains(CANARY));
}

/// Docker Hub answering its export-control page (an address it locates in an embargoed
/// region): the registry probe names the block, not a login or a proxy, and gives no
/// `docker login`; `explain` reads the same page, pasted, as the same cause.
#[test]
#[ignore = "needs root, ip netns and the lab's servers; run through scripts/test.sh"]
fn an_export_control_block_is_named_and_not_taken_for_a_login() {
    let mut lab = Lab::new("hubgeo");
    lab.dns(Dns::Answer);
    lab.fake_hub(r#"{"blocked": true, "anonymous": [100, 100], "user": [200, 200]}"#);
    lab.trust_lab_ca_system_wide();
    let home = tempfile::tempdir().unwrap();
    let run = lab.doctor(
        home.path(),
        &[],
        &["--only", "registry", "--format", "json"],
    );
    let r = run.json();
    let f = about(&r, "registry.unexpected-answer", "registry-1.docker.io");
    let text = all_text(f);
    assert!(text.contains("export-control block"), "{f:#}");
    assert!(text.contains("hub.docker.com/support"), "{f:#}");
    assert!(!commands(f).contains("docker login"), "{f:#}");
    // The body the probe kept is what a user would paste, and explain reads it alike.
    let body = evidence(f, "body").unwrap();
    let e = capture_with_input(
        {
            let mut c = std::process::Command::new(bin());
            c.args(["explain", "--no-probe", "--format", "json"]);
            c
        },
        body.as_bytes(),
    )
    .json();
    assert_eq!(e["matches"][0]["mode"], "registry.geo-blocked", "{e:#}");
}
