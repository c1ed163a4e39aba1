//! `docker-doctor explain`: every corpus entry (real errors users hit) is replayed and must
//! be explained by the failure mode that lists it; variations it has never seen (other
//! paths, addresses, ports, versions, names) still match; the probes confirm on this
//! machine what is true here.

mod common;

use common::*;
use serde_json::Value;
use std::path::Path;

/// Every finding id the probes declare, as `docker-doctor list` prints them.
fn declared_ids() -> Vec<String> {
    let tmp = tempfile::tempdir().unwrap();
    let list = capture(doctor(tmp.path(), &[], &["list", "--format", "json"])).json();
    list.as_array()
        .unwrap()
        .iter()
        .flat_map(|p| p["findings"].as_array().unwrap().iter())
        .map(|f| f["id"].as_str().unwrap().to_string())
        .collect()
}

/// src/explain/signatures.toml, parsed.
fn signatures_doc() -> toml::Table {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("src/explain/signatures.toml"),
    )
    .unwrap();
    toml::from_str(&text).unwrap()
}

fn corpus() -> Vec<Value> {
    jsonl("known-failures.jsonl")
}

/// The error text of one known-failures entry.
#[cfg(target_os = "linux")]
fn corpus_text(id: &str) -> String {
    corpus().into_iter().find(|e| e["id"] == id).unwrap()["error_text"]
        .as_str()
        .unwrap()
        .to_string()
}

fn jsonl(name: &str) -> Vec<Value> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/corpus")
        .join(name);
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// The text goes in on standard input, as a pasted log does: a command line has a
/// system's length and quoting limits (Windows), standard input has none.
fn explain(text: &str, extra: &[&str]) -> Value {
    let tmp = tempfile::tempdir().unwrap();
    let mut args = vec!["explain", "--format", "json"];
    args.extend_from_slice(extra);
    let run = capture_with_input(doctor(tmp.path(), &[], &args), text.as_bytes());
    run.json()
}

fn best(text: &str) -> (String, Vec<String>) {
    best_of(&explain(text, &["--no-probe"]))
}

/// The best match's finding id and the corpus entries its failure mode cites.
fn best_of(r: &Value) -> (String, Vec<String>) {
    // A name that does not exist is said apart: it is the best there is when no
    // environment failure matched.
    let m = match &r["matches"][0] {
        Value::Null => &r["not_environment"][0],
        m => m,
    };
    let examples = m["examples"]
        .as_array()
        .map(|a| a.iter().map(|e| e.as_str().unwrap().to_string()).collect())
        .unwrap_or_default();
    (
        m["id"].as_str().unwrap_or("(no match)").to_string(),
        examples,
    )
}

/// Entries whose text another cause writes word for word (a registry that times out, with
/// or without a proxy in the way: for-linux#1024 is A4-01's text, fixed by a nameserver).
/// They are replayed on a machine staged in the entry's state, where the probes decide.
const STAGED: &[(&str, &[(&str, &str)])] = &[
    // The shell has the proxy, the daemon has none (`state.observed`/`inferred`).
    ("A4-01", &[("HTTPS_PROXY", "http://127.0.0.1:3128")]),
    ("A4-13", &[("HTTPS_PROXY", "http://127.0.0.1:3128")]),
    // A name a container could not resolve reads as its nameserver's failure; with the
    // shell's proxy not given to containers, it is the proxy's (the probe confirms it).
    ("R-286", &[("HTTPS_PROXY", "http://127.0.0.1:3128")]),
];

/// Entries whose state is a running daemon's (its proxy, its registries): replayed on a
/// real dockerd by `a_5xx_with_a_daemon_proxy_that_lacks_the_registry_is_the_proxys`.
const STAGED_ON_A_DAEMON: &[&str] = &["A4-04"];

/// The entry's best match on a machine in its state, or None where none can be staged.
fn best_on_staged_machine(text: &str, env: &[(&str, &str)]) -> Option<(String, Vec<String>)> {
    explain_on_staged_machine(text, env).map(|r| best_of(&r))
}

/// The text explained on a machine in the entry's state: no daemon answers (its proxy
/// comes from the configuration on disk, which has none), and no network but loopback
/// (`unshare --net`, Linux, as root: scripts/test.sh), so the probes' checks go nowhere.
/// None where no network namespace can be made (plain `cargo test` as a user).
#[cfg(target_os = "linux")]
fn explain_on_staged_machine(text: &str, env: &[(&str, &str)]) -> Option<Value> {
    let can = std::process::Command::new("unshare")
        .args(["--net", "true"])
        .status()
        .is_ok_and(|s| s.success());
    if !can {
        eprintln!("note: no network namespace here (not root): the staged replay is skipped");
        return None;
    }
    let tmp = tempfile::tempdir().unwrap();
    let mut env = env.to_vec();
    if !env.iter().any(|(k, _)| *k == "DOCKER_HOST") {
        env.push(("DOCKER_HOST", "unix:///nonexistent/dd-staged.sock"));
    }
    let mut launcher = std::process::Command::new("unshare");
    launcher.arg("--net");
    let run = capture_with_input(
        doctor_through(
            launcher,
            tmp.path(),
            &env,
            &["explain", "--format", "json", "--timeout", "5"],
        ),
        text.as_bytes(),
    );
    Some(run.json())
}

#[cfg(not(target_os = "linux"))]
fn explain_on_staged_machine(_text: &str, _env: &[(&str, &str)]) -> Option<Value> {
    None
}

#[test]
fn every_corpus_entry_is_explained_by_its_failure_mode() {
    let mut failures = Vec::new();
    for entry in corpus() {
        let id = entry["id"].as_str().unwrap();
        let text = entry["error_text"].as_str().unwrap();
        let staged = STAGED.iter().find(|(s, _)| *s == id);
        let on_a_daemon = STAGED_ON_A_DAEMON.contains(&id);
        let best = match staged {
            Some((_, env)) => best_on_staged_machine(text, env),
            None if on_a_daemon => None,
            None => Some(best(text)),
        };
        if let Some((got, examples)) = best
            && !examples.iter().any(|e| e == id)
        {
            failures.push(format!("{id}: best match {got} does not list it"));
        }
        // From the text alone, a staged entry's cause is still named beside the other.
        if staged.is_some() || on_a_daemon {
            let listed = explain(text, &["--no-probe"])["matches"]
                .as_array()
                .unwrap()
                .iter()
                .any(|m| m["examples"].as_array().unwrap().iter().any(|e| e == id));
            if !listed {
                failures.push(format!("{id}: not among the text-only matches"));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// A4-04 on a machine in its state: a real dockerd whose proxy (HTTPS_PROXY in its
/// environment, as a drop-in gives it) does not list its insecure registry in NO_PROXY.
/// The proxy probe sees that, and the proxy's reading ranks above the registry's outage.
#[cfg(target_os = "linux")]
#[test]
#[ignore = "needs root and dockerd; run through scripts/test.sh"]
fn a_5xx_with_a_daemon_proxy_that_lacks_the_registry_is_the_proxys() {
    let daemon = common::dockerd::Dockerd::start_with(
        None,
        &[
            ("HTTPS_PROXY", "http://127.0.0.1:3128"),
            ("HTTP_PROXY", "http://127.0.0.1:3128"),
            ("NO_PROXY", "localhost,127.0.0.1"),
        ],
        &[
            "--insecure-registry".to_string(),
            "registry.corp.example:5000".to_string(),
        ],
    );
    let text = corpus_text("A4-04");
    let host = daemon.host();
    let r = explain_on_staged_machine(&text, &[("DOCKER_HOST", host.as_str())])
        .expect("root can make a network namespace");
    let m = &r["matches"][0];
    assert_eq!(m["mode"], "proxy.no-proxy-missing", "{r}");
    assert_eq!(m["confirmation"]["status"], "confirmed", "{r}");
    assert!(
        m["examples"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e == "A4-04"),
        "{r}"
    );
}

/// The other side of a staged entry: the same text on a machine without a proxy anywhere
/// reads as the registry's timeout, confirmed by the proxy probe's "direct connections".
#[cfg(target_os = "linux")]
#[test]
#[ignore = "needs root (unshare --net); run through scripts/test.sh"]
fn a_registry_timeout_without_a_proxy_anywhere_stays_the_registrys() {
    let text = corpus_text("A4-01");
    let r = explain_on_staged_machine(&text, &[]).unwrap();
    let m = &r["matches"][0];
    assert_eq!(m["mode"], "registry.connect-timeout", "{r}");
    assert_eq!(m["confirmation"]["status"], "confirmed", "{r}");
}

/// A registry's connection cut mid-exchange (R-301: a private registry across two VMs) on
/// a machine without a proxy anywhere: the registry's reading, confirmed by the proxy
/// probe's "direct connections"; the proxy's stays listed below it.
#[cfg(target_os = "linux")]
#[test]
#[ignore = "needs root (unshare --net); run through scripts/test.sh"]
fn a_cut_registry_connection_without_a_proxy_stays_the_registrys() {
    let entry = jsonl("real-world.jsonl")
        .into_iter()
        .find(|e| e["id"] == "R-301")
        .unwrap();
    let r = explain_on_staged_machine(entry["error_text"].as_str().unwrap(), &[]).unwrap();
    let m = &r["matches"][0];
    assert_eq!(m["mode"], "registry.connection-cut", "{r}");
    assert_eq!(m["confirmation"]["status"], "confirmed", "{r}");
    assert!(
        r["matches"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["mode"] == "registry.proxy-failed"),
        "{r}"
    );
}

#[test]
fn unseen_wording_of_the_same_failures_still_matches() {
    let cases = [
        (
            "error: unable to resolve docker endpoint: parse \"tcp://my host:2375\": invalid character \" \" in host name",
            "endpoint.invalid-host",
        ),
        (
            "msg: [Errno 2] No such file or directory: b'docker'",
            "cli.missing",
        ),
        (
            "C:\\> docker is not recognized as internal or external command",
            "cli.missing",
        ),
        (
            "StartHost failed: creating host: create: precreate: Hyper-V PowerShell Module is not available",
            "wsl.vm-platform-missing",
        ),
        (
            "ERROR: The Compose file './docker-compose.yml' is invalid because:\nUnsupported config option for services.api: 'pids_limit'",
            "cli.plugin-missing",
        ),
        (
            "Error: Credentials store docker-credential-osxkeychain exited with \"User interaction is not allowed.\".",
            "auth.helper-failed",
        ),
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
            "Error response from daemon: Get \"https://harbor.acme.internal/v2/\": tls: failed to verify certificate: x509: certificate signed by unknown authority",
            "ca.untrusted",
        ),
        (
            "Error response from daemon: client version 1.47 is too new. Maximum supported API version is 1.43",
            "daemon.api-version-pinned",
        ),
        // Go's exec error from a program that runs the CLI, and a tool's own sentence.
        (
            "failed to run build: exec: \"docker\": executable file not found in $PATH",
            "cli.missing",
        ),
        ("Error: docker binary not found in PATH", "cli.missing"),
        // Structural families met in unseen splits (w, x, y), in other words than theirs
        // (finding ids: a driver's failure is reported as storage.low-space's finding):
        // a Java client's unix URL, a daemon named with a quoted address, devicemapper's
        // ioctl, nginx's page for HTTP on its TLS port, a registry's own code after a path
        // without /v2/, Compose v1 refusing a specification key, a tool's floor for
        // Compose's version, a permission to run Docker, a rootless store, a disk watermark.
        (
            "Caused by: java.io.IOException: request to {}->unix://localhost:80 failed: Permission denied",
            "socket.not-in-group",
        ),
        (
            "Connection to the Docker daemon at 'localhost' failed with error \"[2] No such file or directory\"; ensure the Docker daemon is running and accessible",
            "daemon.not-running",
        ),
        (
            "Error response from daemon: devicemapper: Error running DeleteDevice dm_task_run failed",
            "storage.low-space",
        ),
        (
            "Error response from daemon: Get \"http://registry.lan:5000/v2/\": 400 Bad Request\n<html><head><title>400 The plain HTTP request was sent to HTTPS port</title></head>",
            "registry.tls-failed",
        ),
        (
            "Get https://registry.gitlab.example.com/team/api: denied: access forbidden",
            "smoke.pull-failed",
        ),
        (
            "ERROR: The Compose file './compose.yaml' is invalid because:\nUnsupported config option for services.worker: 'profiles'",
            "cli.plugin-missing",
        ),
        (
            "Error: Docker Compose v2.20 or later is required",
            "cli.plugin-missing",
        ),
        (
            "You do not have permission to run docker. Add your user to the docker group.",
            "socket.not-in-group",
        ),
        (
            "error mounting /home/ci/.local/share/docker/overlay2/3f2a/merged: operation not permitted",
            "storage.low-space",
        ),
        (
            "[WARN ][o.o.c.r.a.DiskThresholdMonitor] flood stage disk watermark [95%] exceeded on [node-1]",
            "storage.low-space",
        ),
        // The engines' VMs said to be down, a context whose metadata is gone, a Compose
        // version a tool refuses.
        ("FATA[0000] colima is not running", "daemon.not-running"),
        // A kernel that lacks a cgroup feature or mount option, in a tool's words.
        (
            "FATA: cgroup support missing pids features in running kernel",
            "storage.cgroup-controllers-missing",
        ),
        // A socket said unreadable in words; SELinux keeping a container from it (the
        // finding is the socket's, the mode SELinux's).
        (
            "The Docker socket is not readable by the jenkins user; aborting.",
            "socket.not-in-group",
        ),
        (
            "Failed to initialize: unable to resolve docker endpoint: open /home/dev/.docker/contexts/meta/0f3c/meta.json: no such file or directory",
            "endpoint.context-not-found",
        ),
        (
            "ERROR: docker-compose version 1.25.0 is not supported, please upgrade",
            "cli.plugin-missing",
        ),
        (
            "Error: Virtualization is disabled in the BIOS",
            "wsl.vm-platform-missing",
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
        // A daemon reached over tcp: other hosts, ports, API versions and Go's newer
        // wording than the corpus has.
        (
            "error during connect: Get \"https://build-host.corp.example:2376/v1.47/containers/json\": tls: failed to verify certificate: x509: certificate signed by unknown authority",
            "daemon.tls-untrusted",
        ),
        (
            "error during connect: Head \"https://10.20.0.5:2376/_ping\": tls: failed to verify certificate: x509: certificate is valid for dockerhost.lan, not 10.20.0.5",
            "daemon.tls-wrong-name",
        ),
        (
            "error during connect: Get \"https://swarm1:2376/v1.43/version\": remote error: tls: certificate required",
            "daemon.tls-client-rejected",
        ),
        (
            "error during connect: Get \"https://10.1.4.7:2375/v1.44/info\": http: server gave HTTP response to HTTPS client",
            "daemon.tls-not-spoken",
        ),
        (
            "error during connect: Get \"http://10.1.4.7:2375/v1.44/info\": dial tcp 10.1.4.7:2375: connect: connection refused",
            "daemon.remote-refused",
        ),
        (
            "error during connect: Get \"http://buildbox.internal:2375/v1.45/version\": dial tcp: lookup buildbox.internal on 10.0.0.2:53: no such host",
            "daemon.remote-unresolved",
        ),
        (
            "could not read CA certificate \"/home/u/.docker/ca.pem\": open /home/u/.docker/ca.pem: no such file or directory",
            "endpoint.tls-material",
        ),
        (
            "Could not load X509 key pair: tls: private key does not match public key",
            "endpoint.tls-material",
        ),
        // A tool's health check of the runtime, and a service module that finds no unit.
        (
            "Unhandled exception: Container runtime 'podman' is installed but appears to be unhealthy.",
            "daemon.not-running",
        ),
        (
            "fatal: [web01]: FAILED! => {\"changed\": false, \"msg\": \"Could not find the requested service containerd: host\"}",
            "daemon.not-running",
        ),
        // snap's and Docker Desktop's units are the daemon's too.
        (
            "Dec 01 09:12:44 nas systemd[1]: snap.docker.dockerd.service: Main process exited, code=exited, status=1/FAILURE",
            "daemon.start-failed",
        ),
        (
            "docker-desktop.service: Failed with result 'exit-code'.",
            "daemon.start-failed",
        ),
        // A bare 400 from the Engine API on a versioned path, in an SDK's words.
        (
            "requests.exceptions.HTTPError: 400 Client Error: Bad Request for url: http+docker://localunixsocket/v1.41/info",
            "daemon.api-version-pinned",
        ),
        (
            "Docker API call to 'docker://localhost/v1.43/containers/create' failed with status code 400 \"Bad Request\"",
            "daemon.api-version-pinned",
        ),
        // overlay's lower directory gone: the store lost a layer (mode storage.store-corrupt).
        (
            "Error response from daemon: error creating overlay mount to /volume1/@docker/overlay2/0f3c/merged: no such file or directory",
            "storage.low-space",
        ),
        // The CLI prompting for the login a push needs.
        (
            "Pulling repository registry.acme.lan/team/api\nPlease login prior to pull:\nUsername: ^C",
            "smoke.pull-failed",
        ),
        // A script's check for Compose, in its own words.
        (
            "setup.sh: this tool requires docker-compose but it is not installed. Aborting.",
            "cli.plugin-missing",
        ),
        // Something else where the daemon's socket belongs.
        (
            "stat /run/user/1000/docker.sock: /run/user/1000/docker.sock is not a socket",
            "daemon.not-running",
        ),
        // The daemon refusing what an older API allowed.
        (
            "Error response from daemon: linking containers by name was deprecated since v1.18 and removed in v1.25",
            "daemon.api-version-pinned",
        ),
        // A registry (or its front) giving up on the request: a timeout, not an answer.
        (
            "Error response from daemon: Head \"https://harbor.example.org/v2/team/app/manifests/1.4\": 408 Request Timeout",
            "registry.connect-failed",
        ),
        // An HTML 404 page for the pulled name: the registry has no such name.
        (
            "Error response from daemon: error parsing HTTP 404 response body: invalid character '<' looking for beginning of value: \"<html><head><title>404 Not Found</title></head></html>\"",
            "smoke.pull-failed",
        ),
        // WSL's own words for a distro whose file systems do not mount.
        (
            "Ubuntu-22.04: An error occurred mounting one of your file systems. Please run 'dmesg' for more details.",
            "wsl.desktop-distro-stopped",
        ),
    ];
    for (text, want) in cases {
        assert_eq!(best(text).0, want, "{text}");
    }
    // Failure modes that share a finding id with others, told apart by the mode.
    for (text, want) in [
        (
            "zsh: /opt/bin/docker-compose: permission denied",
            "cli.compose-not-runnable",
        ),
        (
            "-bash: /usr/local/bin/docker-compose: cannot execute binary file: Exec format error",
            "cli.compose-not-runnable",
        ),
        (
            "Starting docker:27-dind service ... mount: permission denied (are you root?)\nCould not mount /sys/kernel/security.\nAppArmor detection and --privileged mode might break.",
            "daemon.dind-unprivileged",
        ),
        (
            "Error response from daemon: pull access denied for ghcr.io/acme/tool, repository does not exist or may require 'docker login': denied: permission_denied: The token provided does not match expected scopes.",
            "registry.access-denied",
        ),
        (
            "/usr/local/bin/docker-compose: error while loading shared libraries: libz.so.1: failed to map segment from shared object: Operation not permitted",
            "cli.compose-not-runnable",
        ),
        (
            "WARN DOCKER_HOST tcp://192.168.1.5:2375 is not listening",
            "endpoint.stale-tcp",
        ),
        (
            "Rancher Desktop: Requires WSL with kernel 5.15 or newer (have 5.10.16)",
            "wsl.kernel-update-required",
        ),
        (
            "Installing the WSL kernel: Windows Subsystem for Linux Update Setup Wizard ended prematurely",
            "wsl.kernel-update-required",
        ),
        (
            "Error response from daemon: Head \"https://ghcr.io/v2/acme/app/manifests/1.0\": denied (after a docker login too)",
            "registry.access-denied",
        ),
        (
            "Filesystem      Size  Used Avail Use% Mounted on\n/dev/vda1        40G   40G     0 100% /",
            "storage.low-space",
        ),
        // Read after ap: the same failures in other tools' words.
        (
            "WARNING: Retrying (Retry(total=2, connect=None, read=None, redirect=None, status=None)) after connection broken by 'SSLError(SSLCertVerificationError(1, '[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: unable to get local issuer certificate (_ssl.c:1006)'))': /api/v2/packages/foo",
            "ca.untrusted-in-build",
        ),
        (
            " => ERROR [3/6] RUN wget -q https://downloads.example.com/a.zip\nERROR: failed to solve: process \"/bin/sh -c wget -q https://downloads.example.com/a.zip\" did not complete successfully: exit code: 5",
            "ca.untrusted-in-build",
        ),
        (
            "Error response from daemon: rpc error: code = InvalidArgument desc = port '8443' is already in use by service 'proxy' (k2x9) as an ingress port",
            "ports.in-use-process",
        ),
        (
            "WARNING: Host is already in use by another container\nERROR: for web  Cannot start service web",
            "ports.in-use-process",
        ),
        (
            "\"--platform\" requires API version 1.32, but the Docker daemon API version is 1.24",
            "daemon.api-version-pinned",
        ),
        (
            "Unexpected API error for db (HTTP code 502)\nResponse body:\nBad response from Docker engine",
            "daemon.desktop-engine-error",
        ),
        (
            "Get https://registry-1.docker.io/v2/: 502 Parent proxy unreachable",
            "proxy.unreachable",
        ),
        (
            "Error response from daemon: Please run 'docker login' to sign in before pulling images",
            "registry.auth-missing",
        ),
        (
            "+ echo \"$REG_PASS\" | docker login -u \"\" --password-stdin\nMust provide --username with --password-stdin",
            "registry.auth-missing",
        ),
        (
            "An error occurred (ExpiredTokenException) when calling the GetAuthorizationToken operation: The security token included in the request is expired",
            "registry.auth-missing",
        ),
        (
            "{\"detail\":\"Incorrect authentication credentials.\"}",
            "registry.auth-failed",
        ),
        (
            "#9 ERROR: denied: the repository acme/app is archived and read-only",
            "registry.access-denied",
        ),
        (
            "make[1]: docker-compose: No such file or directory",
            "cli.plugin-missing",
        ),
        // Read after aq.
        (
            "Error response from daemon: Get \"https://registry-1.docker.io/v2/\": rejecting registry-1.docker.io:443 because traffic from evaluating PAC file: getting PAC interpreter: ReferenceError: FindProxyForURL is not defined",
            "proxy.malformed",
        ),
        (
            "> [port 8080 is not available, use --port flag to provide another one] Failed to start services\n> Stopping docker compose",
            "ports.in-use-process",
        ),
        (
            "> [exit status 125\nunknown shorthand flag: 'p' in -p",
            "cli.plugin-missing",
        ),
        (
            "$ podman images\nERRO[0000] [graphdriver] prior storage driver overlay failed: kernel does not support overlay fs: 'overlay' is not supported over nfs at \"/home/u/.local/share/containers/storage/overlay\": backing file system is unsupported for this graph driver",
            "storage.driver-failed",
        ),
        (
            "FATAL: Unable to pull docker://registry.example.org/team/app: unable to retrieve auth token: invalid username/password: unauthorized: authentication failed",
            "registry.auth-failed",
        ),
        (
            "Checking requirements: WSL version must be at least 2.0.0",
            "wsl.kernel-update-required",
        ),
        (
            "Error: failed to connect: dial tcp 127.0.0.1:60123: connect: connection refused",
            "endpoint.stale",
        ),
        (
            "Failure Get http://dockerhost.example.com:2376/_ping: net/http: request canceled while waiting for connection (Client.Timeout exceeded while awaiting headers)",
            "daemon.no-answer",
        ),
        (
            "##[error]Unable to locate executable file: 'docker'. Please verify either the file path exists or the file can be found within a directory specified by the PATH environment variable.",
            "cli.missing",
        ),
        (
            "fatal: could not find the docker CLI binary; is Docker installed?",
            "cli.missing",
        ),
        (
            "Error: unable to query the engine - please ensure docker is installed and on your PATH",
            "cli.missing",
        ),
        (
            "Unable to create: The running command stopped because the preference variable \"ErrorActionPreference\" or common parameter is set to Stop: Failed to create the virtual switch DockerNAT",
            "daemon.desktop-engine-failed",
        ),
        (
            "Traceback (most recent call last):\n  File \"/usr/bin/docker-compose\", line 33, in <module>\n    sys.exit(load_entry_point('docker-compose==1.29.2', 'console_scripts', 'docker-compose')())\nImportError: cannot import name 'load_entry_point'",
            "cli.compose-not-runnable",
        ),
        // Read after ar.
        (
            "Error response from daemon: Get https://quay.io/v2/: http: error connecting to proxy http://corpnet/jdoe:pw@gate:3128: dial tcp: lookup corpnet on 10.1.1.1:53: no such host",
            "proxy.unreachable",
        ),
        (
            "$ curl -v https://10.20.0.5:2376/_ping\ncurl: (56) Received HTTP code 403 from proxy after CONNECT",
            "registry.tunnel-refused",
        ),
        (
            "Step 5/9 : RUN go mod download\ngo: example.com/m@v1.2.0: Get \"https://goproxy.io/example.com/m/@v/v1.2.0.mod\": dial tcp: lookup goproxy.io on 10.0.0.1:53: read udp 172.17.0.4:5353->10.0.0.1:53: read: no route to host",
            "registry.dns-in-build",
        ),
        (
            "ERROR: for db  Cannot start service db: mkdir /var/lib/docker/overlay2/4f1c/merged: bad message",
            "storage.driver-failed",
        ),
        (
            "Error: Could not initialize runtime: Invalid URL \"unix:///run/docker.sock\": Socket file could not be found",
            "daemon.not-running",
        ),
        (
            "env: 'docker-compose': No such file or directory",
            "cli.plugin-missing",
        ),
        ("sudo: docker: No such file or directory", "cli.missing"),
        (
            "timeout: failed to run command 'docker': No such file or directory",
            "cli.missing",
        ),
        (
            "The program 'docker' this task needs was not found in the PATH. Install it first.",
            "cli.missing",
        ),
        (
            "Bringing machine 'web' up with 'docker' provider...\nThe forwarded port to 3000 is already in use on the host machine.",
            "ports.in-use-process",
        ),
        (
            "ERROR: The Compose file './docker-compose.yml' is invalid because:\nvolumes.pgdata value Additional properties are not allowed ('name' was unexpected)",
            "cli.compose-file-newer",
        ),
        (
            "ERROR: Invalid interpolation format for \"image\" option in service \"api\": \"registry.local/api:${TAG:?set TAG}\"",
            "cli.compose-too-old",
        ),
        (
            "denied: unauthenticated: User cannot be authenticated with the token provided.",
            "registry.auth-failed",
        ),
        (
            "Activez la fonctionnalité Plateforme de machine virtuelle de Windows et assurez-vous que la virtualisation est activée dans le BIOS.",
            "wsl.vm-platform-missing",
        ),
        // Read after as.
        (
            "Docker engine is unresponsive; cannot build locally.",
            "daemon.not-running",
        ),
        (
            "error: the docker binary is not found; install it first",
            "cli.missing",
        ),
        ("$ which docker\ndocker not found", "cli.missing"),
        (
            "The term 'dockerd.exe' is not recognized as the name of a cmdlet, function, script file, or operable program.",
            "cli.missing",
        ),
        (
            "Error: pull failed: dial tcp: lookup registry.example.org: Try again",
            "registry.dns-servfail",
        ),
        (
            "Get http://docker.sock/v1.41/info: dial tcp: lookup docker.sock on 127.0.0.53:53: no such host",
            "daemon.remote-unresolved",
        ),
        (
            "Error response from daemon: unauthorized: access to the requested resource is not authorized",
            "registry.access-denied",
        ),
        (
            "podman push: dial tcp: lookup reg.internal.example: no such host",
            "registry.dns-nxdomain",
        ),
        (
            "error building stage: failed to get filesystem from image: read tcp 10.0.0.2:5000->1.2.3.4:443: read: connection reset by peer",
            "registry.connection-cut",
        ),
        (
            "WARN[0000] The storage 'driver' option must be set in /etc/containers/storage.conf, guarantee proper operation.",
            "storage.driver-failed",
        ),
        (
            "services.ml.deploy.resources.reservations value Additional properties are not allowed ('devices' was unexpected)",
            "cli.compose-file-newer",
        ),
        // Read after at.
        (
            "Error response from daemon: Head \"https://registry-1.docker.io/v2/library/alpine/manifests/latest\": dial tcp: lookup registry-1.docker.io: getaddrinfow: A non-recoverable error occurred during a database lookup.",
            "registry.dns-servfail",
        ),
        (
            "tls: failed to verify certificate: x509: certificate signed by unknown authority; GET http://10.1.2.3:5000/v2/: unexpected status code 400 Bad Request: Client sent an HTTP request to an HTTPS server.",
            "ca.untrusted",
        ),
        (
            "error parsing HTTP 408 response body: invalid character '<' looking for beginning of value: \"<html><body><h1>408 Request Time-out</h1>\"",
            "registry.connect-timeout",
        ),
        (
            "#12 ERROR: server message: insufficient_scope: authorization failed",
            "registry.access-denied",
        ),
        (
            "exec: \"docker-credential-osxkeychain\": fork/exec /usr/local/bin/docker-credential-osxkeychain: bad CPU type in executable",
            "auth.helper-failed",
        ),
        (
            "docker: Error response from daemon: container abc encountered an error during CreateContainer: failure in a Windows system call: No hypervisor is present on this system. (0xc0351000)",
            "wsl.vm-platform-missing",
        ),
        (
            "Error: An attempt was made to access a socket in a way forbidden by its access permissions.",
            "ports.excluded-range",
        ),
        (
            "pywintypes.error: (2, 'CreateFile', 'The system cannot find the file specified.')",
            "daemon.desktop-not-running",
        ),
        (
            "pywintypes.error: (5, 'CreateFile', 'Access is denied.')",
            "daemon.pipe-access-denied",
        ),
        (
            "Error: running with the rootless provider requires setting systemd property \"Delegate=yes\"",
            "storage.cgroup-controllers-missing",
        ),
        (
            "The com.docker.service service terminated unexpectedly.  It has done this 1 time(s).",
            "daemon.desktop-engine-failed",
        ),
        (
            "StartAll failed: cannot start /Applications/Docker.app/Contents/MacOS/com.docker.vpnkit: fork/exec /Applications/Docker.app/Contents/MacOS/com.docker.vpnkit: bad CPU type in executable",
            "daemon.desktop-engine-failed",
        ),
        (
            "PS> docker ps\nError response from daemon: EOF",
            "daemon.desktop-engine-error",
        ),
        (
            "ERROR: failed to solve: cache export feature is currently not supported for docker driver. Please switch to a different driver (eg. \"docker buildx create --use\")",
            "cli.buildx-docker-driver",
        ),
        (
            "oci-registry: GET https://production.cloudflare.docker.com/registry-v2/docker/registry/v2/blobs/sha256/ab/abcd/data?expires=1: unexpected status code 500 Internal Server Error",
            "registry.server-error",
        ),
        // Read after au.
        (
            "Error response from daemon: driver failed programming external connectivity on endpoint web (0a1b): (iptables failed: iptables --wait -t nat -A DOCKER -p tcp -d 0/0 --dport 8080 -j DNAT --to-destination 172.17.0.2:80 ! -i docker0: iptables: No chain/target/match by that name.\n (exit status 1))",
            "daemon.firewall-rules-failed",
        ),
        (
            "Error response from daemon: Failed to program NAT chain: ZONE_CONFLICT: 'docker0' already bound to 'public'",
            "daemon.firewall-rules-failed",
        ),
        (
            "time=\"2024-05-01T10:00:00Z\" level=error msg=\"exec: \\\"fuse-overlayfs\\\": executable file not found in $PATH\" storage-driver=fuse-overlayfs",
            "daemon.start-failed",
        ),
        (
            "E! [inputs.docker] Error in plugin: Error response from daemon: client is newer than server (client API version: 1.24, server API version: 1.21",
            "daemon.api-version-pinned",
        ),
        (
            "Execution failed for task ':app:dockerBuild'.\n> A problem occurred starting process 'command 'docker''",
            "cli.missing",
        ),
        (
            "java.lang.IllegalStateException: No container runtime was found. Make sure you have either Docker or Podman installed in your environment.",
            "cli.missing",
        ),
        (
            "java.lang.RuntimeException: java.io.IOException: com.sun.jna.LastErrorException: [2] No such file or directory\n\tat com.github.dockerjava.httpclient5.ApacheDockerHttpClientImpl.execute(ApacheDockerHttpClientImpl.java:187)",
            "daemon.not-running",
        ),
        // A warning in the daemon's log is not why it stopped: the error after it is.
        (
            "dockerd[812]: time=\"2024-05-01T10:00:00Z\" level=warning msg=\"could not change group /var/run/docker.sock to docker: group docker not found\"\ndockerd[812]: failed to start daemon: error initializing graphdriver: driver not supported",
            "daemon.start-failed",
        ),
        // Read after av.
        // The request to a tcp daemon went to another port: the shell's proxy was dialled.
        (
            "docker.exe: error during connect: Post http://0.0.0.0:2375/v1.39/containers/create?name=web: read tcp 10.0.0.5:55022->10.1.1.1:8080: wsarecv: A connection attempt failed because the connected party did not properly respond after a period of time.",
            "proxy.daemon-via-proxy",
        ),
        (
            "An error occurred trying to connect: Get https://192.168.99.100:2376/v1.23/version: Service Unavailable",
            "proxy.daemon-via-proxy",
        ),
        (
            "\"--platform\" is only supported on a Docker daemon with experimental features enabled",
            "cli.engine-too-old",
        ),
        (
            "latest: Pulling from vaultwarden/server\nmediaType in manifest should be 'application/vnd.docker.distribution.manifest.v2+json' not 'application/vnd.oci.image.manifest.v1+json'",
            "cli.engine-too-old",
        ),
        (
            "ERROR: The Compose file './docker-compose.yml' is invalid because:\nservices.app.healthcheck value 'start_interval' does not match any of the regexes: '^x-'",
            "cli.compose-file-newer",
        ),
        (
            "Error response from daemon: failed to create endpoint db on network nat: HNS failed with error : The process cannot access the file because it is being used by another process.",
            "ports.in-use-process",
        ),
        (
            "curl error 56 'Failure when receiving data from the peer': CONNECT tunnel failed, response 403",
            "registry.tunnel-refused",
        ),
        (
            "Unable to send Start: Failed to register Docker daemon Windows service",
            "daemon.desktop-engine-failed",
        ),
        (
            "Visual Studio Container Tools requires Docker to be running before building, debugging or running a containerized project.",
            "daemon.not-running",
        ),
        (
            "read tcp 192.168.1.20:2897->204.79.197.219:443: wsarecv: An existing connection was forcibly closed by the remote host.",
            "registry.connection-cut",
        ),
        (
            "Build Failed: docker push: pushing image \"docker.io/library/myapp\": denied: requested access to the resource is denied",
            "registry.access-denied",
        ),
        // Read after aw.
        (
            "Error: spawn /Applications/Docker.app/Contents/Resources/bin/docker-compose EACCES",
            "cli.compose-not-runnable",
        ),
        (
            "FATA[0007] The following required ports are already in use on your host - 12385, 443, 2376.",
            "ports.in-use-process",
        ),
        // A full disk is the node's in a Kubernetes event too.
        (
            "Error: ErrImagePull\nFailed to pull image \"mcr.microsoft.com/playwright:v1.57.0\": failed to extract layer sha256:ba31: write /var/lib/containerd/io.containerd.snapshotter.v1.overlayfs/snapshots/604/fs/usr/lib/libLLVM.so.20.1: no space left on device: unknown",
            "storage.low-space",
        ),
        // A proxy shown in the shell, and the daemon dialled the registry itself.
        (
            "$ export HTTPS_PROXY=http://proxy.corp:3128\n$ docker pull nginx\nError response from daemon: Get \"https://registry-1.docker.io/v2/\": dial tcp 52.1.2.3:443: i/o timeout",
            "proxy.daemon-missing",
        ),
        // Read after ax.
        (
            "docker: Error response from daemon: Ports are not available: /forwards/expose/port returned unexpected status: 500.",
            "ports.in-use-process",
        ),
        (
            "Error response from daemon: Get \"https://10.0.0.7:5000/v2/\": x509: cannot validate certificate for 10.0.0.7 because it doesn't contain any IP SANs",
            "ca.ip-not-in-certificate",
        ),
        (
            "Mar 02 09:00:01 node1 dockerd[2211]: time=\"2024-03-02T09:00:01Z\" level=fatal msg=\"Error creating cluster component: swarm component could not be started: context deadline exceeded\"",
            "daemon.start-failed",
        ),
        (
            "Mar 02 09:00:01 node1 dockerd[2211]: panic: runtime error: invalid memory address or nil pointer dereference",
            "daemon.start-failed",
        ),
        (
            "invalid mirror: query or fragment at end of the URI \"https://mirror.example/?x=1\"",
            "daemon.start-failed",
        ),
        (
            "Error: Couldn't get a valid docker connection: no DOCKER_HOST and no socket found",
            "daemon.not-running",
        ),
        (
            "Could not access docker daemon on device 10.0.0.9.",
            "daemon.not-running",
        ),
        (
            "ERRO[0002] Couldn't run auplink before unmount /var/lib/docker/aufs/mnt/abc: exec: \"auplink\": executable file not found in $PATH",
            "storage.driver-failed",
        ),
        (
            "java.lang.IllegalArgumentException: Certificates are required for https connection.",
            "endpoint.tls-material",
        ),
        (
            "WARNING: The free space of /build/tmp (/dev/sda1) is running low (0.5GB left)",
            "storage.low-space",
        ),
        (
            "image registry.example.com/team/api:1.4 could not be accessed on a registry to record\nits digest. Each node will access registry.example.com/team/api:1.4 independently,",
            "registry.auth-missing",
        ),
        (
            "unknown: <html>\n<head><title>413 Request Entity Too Large</title></head>\n<body>",
            "registry.unexpected-answer",
        ),
        // Read after ay.
        ("unknown flag: --watch", "cli.engine-too-old"),
        (
            "ERROR: The Compose file './docker-compose.yml' is invalid because:\nservices.api.depends_on contains an invalid type, it should be an array",
            "cli.compose-file-newer",
        ),
        (
            "ERROR: failed to find driver \"cloud\"",
            "cli.buildx-driver-missing",
        ),
        (
            "WARNING: Plugin \"/home/u/.docker/cli-plugins/docker-compose\" is not valid: failed to fetch metadata: fork/exec /home/u/.docker/cli-plugins/docker-compose: permission denied",
            "cli.compose-not-runnable",
        ),
        (
            "java.lang.IllegalStateException: DOCKER_HOST unix:///var/run/docker.sock is not listening",
            "daemon.not-running",
        ),
        (
            "  File \"/usr/lib/python3/dist-packages/docker/api/client.py\", line 197, in __init__\n    self._version = self._retrieve_server_version()\n  File \"/usr/lib/python3/dist-packages/docker/api/client.py\", line 221, in _retrieve_server_version",
            "daemon.not-running",
        ),
        (
            "  File \"/usr/lib/python3/dist-packages/docker/transport/unixconn.py\", line 27, in connect\n    sock.connect(self.unix_socket)\nPermissionError: [Errno 13] Permission denied",
            "socket.not-in-group",
        ),
        (
            "  File \"/usr/local/lib/python3.9/site-packages/podman/api/uds.py\", line 43, in connect\n    super().connect(netloc)\nPermissionError: [Errno 13] Permission denied",
            "socket.podman-not-yours",
        ),
        // Read after az.
        (
            "level=fatal msg=\"Error starting daemon: error initializing graphdriver: driver not supported\"",
            "daemon.start-failed",
        ),
        (
            "level=fatal msg=\"Error starting daemon: layer does not exist\"",
            "daemon.start-failed",
        ),
        (
            "Jan 03 10:00:00 board dockerd[812]: time=\"2025-01-03T10:00:00Z\" level=info msg=\"unable to detect if iptables supports xlock: 'iptables --wait -L -n': `iptables v1.8.9 (nf_tables): Could not fetch rule set generation id: Invalid argument`\" error=\"exit status 4\"",
            "daemon.firewall-rules-failed",
        ),
        (
            "level=warning msg=\"error authorizing context: basic authentication challenge for realm \\\"registry\\\": invalid authorization credential\"",
            "registry.auth-failed",
        ),
        (
            "error getting credentials - err: The name org.freedesktop.secrets was not provided by any .service files",
            "auth.helper-failed",
        ),
        (
            "$ docker-compose -f ci.yml config\nNo such command: config\n\nCommands:\n  build    Build or rebuild services",
            "cli.compose-too-old",
        ),
        (
            "docker: Error response from daemon: error while creating mount source path '/srv/app/data': mkdir /srv/app: read-only file system.",
            "storage.read-only-mount-source",
        ),
        (
            "2025-02-01T08:00:00Z ERROR creating tun device: unix opening TUN device file: operation not permitted",
            "storage.device-not-allowed",
        ),
        (
            "root@4f1c:/# nvidia-smi\nFailed to initialize NVML: Unknown Error",
            "storage.device-not-allowed",
        ),
        (
            "Error saving credentials: getting credential helper update: You must be a member of the [acme] organization. Log in with a different account, or contact your organization owner to add your account.",
            "auth.desktop-org-required",
        ),
        (
            "docker: Error response from daemon: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: error during container init: error running hook #0: error running hook: exit status 1, stdout: , stderr: Auto-detected mode as 'legacy'\nnvidia-container-cli: initialization error: WSL environment detected but no adapters were found: unknown.",
            "wsl.gpu-unavailable",
        ),
        (
            "[+] Building 0.0s (0/0)\nERROR: http: invalid Host header",
            "cli.engine-too-old",
        ),
        // Read after ba.
        (
            "Error message: 'StartAll failed: cannot start vpnkit: bad CPU type in executable'",
            "daemon.desktop-engine-failed",
        ),
        (
            "Setting up backend: checking compatibility: required compatibility check: Incompatible CPU detected",
            "daemon.desktop-engine-failed",
        ),
        (
            "“com.docker.vmnetd” was not opened because it contains malware. This action did not harm your Mac.",
            "daemon.desktop-engine-failed",
        ),
        (
            "Docker.Core.DockerException: Unable to start Docker Desktop service: 2",
            "daemon.desktop-engine-failed",
        ),
        (
            "[10:02:11.120][Linux][Error] Failed to start: Unable to start: Le processus a été arrêté",
            "daemon.desktop-engine-failed",
        ),
        (
            "2024/01/02 10:00:00 error checking if default wsl distro is running: exec: \"wsl.exe\": executable file not found in %PATH%",
            "wsl.not-installed",
        ),
        (
            "[WslIntegrationAgent-Ubuntu][Warning] Failed to setup docker group in distro, disabling integration",
            "wsl.desktop-integration-off",
        ),
        (
            "You need to log out of Windows\nThen your \"docker-users\" membership will be taken into account",
            "daemon.pipe-access-denied",
        ),
        (
            "[ERROR] Docker Connection - Cannot ping Daemon. Is it running?",
            "daemon.not-running",
        ),
        (
            "error: Docker native provider returned an unexpected error from Configure: failed to connect to any docker daemon",
            "daemon.not-running",
        ),
        (
            "ERROR: listing workers for Build: failed to list workers: Unavailable: connection error: desc = \"error reading server preface: EOF\"",
            "daemon.builder-unreachable",
        ),
        (
            "Error saving credentials: The user name or passphrase you entered is not correct.",
            "auth.helper-failed",
        ),
        (
            "The 'docker-compose.exe' command could not be located in 'C:\\Tools'",
            "cli.plugin-missing",
        ),
        (
            "E: Package 'docker-ce' has no installation candidate",
            "cli.missing",
        ),
        (
            "ERROR: In file './docker-compose.yml' service 'version' doesn't have any configuration options.",
            "cli.compose-too-old",
        ),
        // Read after bb.
        (
            "FATA[0012] error starting vm: error at 'starting': exit status 1",
            "daemon.vm-start-failed",
        ),
        (
            "Error: qemu exited unexpectedly with exit code 1, stderr: qemu-system-aarch64: -accel hvf: Error: HV_UNSUPPORTED",
            "daemon.vm-start-failed",
        ),
        (
            "docker.errors.DockerException: Invalid bind address format: ssh//deploy@build-host",
            "endpoint.invalid-host",
        ),
        (
            "The following packages have unmet dependencies:\n docker-ce : Depends: containerd.io (>= 1.6.4) but it is not going to be installed",
            "cli.install-dependency",
        ),
        (
            " Problem: cannot install the best candidate for the job\n  - nothing provides container-selinux >= 2:2.74 needed by docker-ce-3:24.0.7-1.el8.x86_64",
            "cli.install-dependency",
        ),
        (
            "[ERROR] Missing system requirements. Run the following commands to\n[ERROR] install the requirements and run this tool again.",
            "daemon.rootless-prerequisites",
        ),
        (
            "Error response from daemon: failed to mount local volume: mount :/export/data:/var/lib/docker/volumes/data/_data, data: addr=10.0.0.5,nfsvers=4: connection refused",
            "storage.volume-mount-failed",
        ),
        (
            "Error: writing blob: adding layer with blob \"sha256:0f1e\": processing tar file(potentially insufficient UIDs or GIDs available in user namespace (requested 1000:1000 for /home/app): Check /etc/subuid and /etc/subgid if configured locally and run \"podman system migrate\": lchown /home/app: invalid argument): exit status 1",
            "storage.subordinate-ids-short",
        ),
        (
            "Error: failed to get credentials: invoking docker-credential-gcloud: exit status 1; output: ERROR: (gcloud.auth.docker-helper) You do not currently have an active account selected.",
            "auth.helper-failed",
        ),
        (
            "paramiko.ssh_exception.SSHException: Server '[10.0.0.2]:2222' not found in known_hosts",
            "daemon.ssh-host-key",
        ),
        (
            "< RateLimit-Limit: 100;w=21600\n< RateLimit-Remaining: 0;w=21600",
            "registry.rate-limited",
        ),
        // Read after bc.
        (
            "E0301 09:12:44.100200 1201 server.go:302] \"Failed to run kubelet\" err=\"failed to run Kubelet: failed to get docker version: Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?\"",
            "daemon.not-running",
        ),
        (
            "initializing backend: invalid admin configuration: reading admin settings file: parsing JSON: unexpected end of JSON input",
            "daemon.desktop-engine-failed",
        ),
        (
            "Error: failed to connect to the docker API: unsupported scheme \"ssh\" in DOCKER_HOST",
            "endpoint.invalid-host",
        ),
        (
            " > exporting cache to registry:\n------\nERROR: failed to solve: error writing manifest blob: failed commit on ref \"sha256:9b1d\": unexpected status from PUT request to https://123456789012.dkr.ecr.eu-west-1.amazonaws.com/v2/app/manifests/cache: 400 Bad Request",
            "registry.cache-export-refused",
        ),
        (
            "java.lang.IllegalStateException: Could not find docker-compose.exe, looked in: C:\\Windows\\system32;C:\\Program Files\\Git\\cmd",
            "cli.plugin-missing",
        ),
        (
            "You must be a member of the organization. Log in with a different account, or contact your organization owner to add your account.",
            "auth.desktop-org-required",
        ),
        // Read after bd.
        (
            "fetch failed: Get \"https://proxy.golang.org/github.com/spf13/cobra/@v/list\": dial tcp: lookup proxy.golang.org on 10.20.0.1:53: read udp 172.18.0.4:39822->10.20.0.1:53: i/o timeout",
            "registry.dns-in-build",
        ),
        (
            "error getting credentials - docker-credential-pass: error while loading shared libraries: libgpgme.so.11: cannot open shared object file: No such file or directory",
            "auth.helper-failed",
        ),
        (
            "Error: Process 'docker-credential-gcr list' exited with status 2",
            "auth.helper-failed",
        ),
        (
            "  File \"/usr/lib/python3.11/subprocess.py\", line 1950, in _execute_child\n    raise child_exception_type(errno_num, err_msg, err_filename)\nFileNotFoundError: [Errno 2] No such file or directory: 'nerdctl'",
            "cli.missing",
        ),
        (
            "docker.errors.TLSParameterError: Path to a certificate and key files must be provided through the client_config param. TLS configurations should map the Docker CLI client configurations.",
            "endpoint.tls-material",
        ),
        (
            "A WSL distro that Docker Desktop relies on has exited unexpectedly.\nerror during connect: Get \"http://%2F%2F.%2Fpipe%2FdockerDesktopLinuxEngine/v1.47/containers/json\": open //./pipe/dockerDesktopLinuxEngine: The system cannot find the file specified.",
            "wsl.desktop-distro-stopped",
        ),
        (
            "open \\\\wsl$\\docker-desktop\\etc\\wsl_bootstrap_version: The network name cannot be found.",
            "wsl.desktop-distro-stopped",
        ),
        (
            "Step 4/6 : RUN rm -rf /usr/share/doc/perl\n ---> Running in 0b2c61d8e7f1\nrm: cannot remove '/usr/share/doc/perl/html': Directory not empty\nThe command '/bin/sh -c rm -rf /usr/share/doc/perl' returned a non-zero code: 1",
            "storage.driver-failed",
        ),
        (
            "Mar 02 10:11:12 board dockerd[911]: modprobe: FATAL: Module br_netfilter not found in directory /lib/modules/5.10.160-vendor",
            "daemon.start-failed",
        ),
        // Read after be.
        (
            "E: Release file for http://security.ubuntu.com/ubuntu/dists/jammy-security/InRelease is not valid yet (invalid for another 2h 11min 5s). Updates for this repository will not be applied.",
            "ca.clock-skew",
        ),
        (
            "#7 3.214 fatal: unable to access 'https://github.com/acme/tools.git/': SSL certificate problem: certificate is not yet valid",
            "ca.clock-skew",
        ),
        (
            "dpkg: dependency problems prevent configuration of docker-ce-cli:\n docker-ce-cli depends on docker-buildx-plugin; however:\n  Package docker-buildx-plugin is not installed.",
            "cli.install-dependency",
        ),
        (
            "Step 1/7 : FROM golang:1.12 AS builder\nError parsing reference: \"golang:1.12 AS builder\" is not a valid repository/tag: invalid reference format",
            "cli.engine-too-old",
        ),
        (
            "Server:\nInvalid Plugins:\n  compose     failed to fetch metadata: exit status 132",
            "cli.compose-not-runnable",
        ),
        (
            "ERROR: TLS configuration is invalid - make sure your DOCKER_TLS_VERIFY and DOCKER_CERT_PATH are set correctly.\nYou might need to run `eval \"$(docker-machine env default)\"`",
            "endpoint.tls-material",
        ),
        (
            "error during connect: Get https://10.0.0.5:2376/v1.24/containers/json: Proxy Error ( The ISA Server denied the specified Uniform Resource Locator (URL).  )",
            "proxy.daemon-via-proxy",
        ),
        (
            "Error response from daemon: Get \"https://quay.io/v2/\": dial tcp: lookup quay.io on 10.1.0.2:53: lame referral",
            "registry.dns-servfail",
        ),
        (
            "/opt/scripts/start.sh: line 12: podman: not found",
            "cli.missing",
        ),
        // Read after bf.
        (
            "$ docker image save -o app.tar app:1.4\nError response from daemon: unable to create manifests file: NotFound: content digest sha256:0b1f5a4e4c0e9cf0a3b0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f708192a3b4c: not found",
            "storage.image-content-missing",
        ),
        (
            "[rootlesskit:parent] error: failed to start the child: fork/exec /proc/self/exe: permission denied; this error might have happened because /proc/sys/kernel/apparmor_restrict_unprivileged_userns is set to 1",
            "daemon.rootless-prerequisites",
        ),
        (
            "$ docker-compose -H tcp://10.1.2.3:2376 --tlsverify up -d\nERROR: SSL error: [SSL: TLSV1_ALERT_PROTOCOL_VERSION] tlsv1 alert protocol version (_ssl.c:852)",
            "daemon.tls-failed",
        ),
        (
            "denied: Permission \"artifactregistry.repositories.uploadArtifacts\" denied on resource \"projects/acme/locations/us-central1/repositories/apps\" (or it may not exist)",
            "registry.access-denied",
        ),
        (
            "Error while setting up kubernetes: cannot expose the external port: listen tcp 127.0.0.1:6443: bind: An attempt was made to access a socket in a way forbidden by its access permissions.",
            "ports.excluded-range",
        ),
        // Read after bg.
        (
            "PS C:\\> docker run --rm mcr.microsoft.com/windows/servercore:ltsc2022 ping www.bing.com\nPing request could not find host www.bing.com. Please check the name and try again.",
            "registry.dns-in-build",
        ),
        (
            "$ docker exec -it api wget -qO- https://api.github.com\nwget: bad address 'api.github.com'",
            "registry.dns-in-build",
        ),
        (
            "$ docker compose exec web curl -sS https://api.stripe.com/v1/charges\ncurl: (6) Could not resolve host: api.stripe.com",
            "registry.dns-in-build",
        ),
        (
            "Error pulling image configuration: unknown blob\nmake: *** [pull] Error 1",
            "registry.blob-unknown",
        ),
        (
            "ERROR: failed to solve: failed to push registry.gitlab.com/acme/app:2.1: unknown: blob unknown to registry",
            "registry.blob-unknown",
        ),
        (
            "System.InvalidOperationException: docker-desktop distro has stopped unexpectedly\n   at Docker.Engines.WSL2.LinuxWSL2Engine.<DoStartAsync>d__28.MoveNext()",
            "wsl.desktop-distro-stopped",
        ),
        (
            "ERROR: failed to solve: node:20-alpine: failed to resolve source metadata for docker.io/library/node:20-alpine: error getting credentials -",
            "auth.helper-failed",
        ),
        (
            "$ docker-machine env dev\nError checking TLS connection: ssh command error:\ncommand : ip addr show\nerr     : exit status 255",
            "daemon.not-running",
        ),
        (
            "Jan 09 11:02:51 web01 firewalld[912]: ERROR: COMMAND_FAILED: '/usr/sbin/iptables -w10 -t filter -n -L DOCKER-USER' failed: iptables: No chain/target/match by that name.",
            "daemon.firewall-rules-failed",
        ),
        (
            "Step 4/9 : RUN rm -rf /usr/src/app/node_modules\n ---> Running in 2c4d1e0f9a7b\nrm: can't remove '/usr/src/app/node_modules/.bin': Directory not empty",
            "storage.driver-failed",
        ),
        (
            "web_1  | Fetching source index from https://rubygems.org/\nweb_1  | Retrying fetcher due to error (3/4): Bundler::Fetcher::CertificateFailureError Could not verify the SSL certificate for https://rubygems.org/.\nStep 6/9 : RUN bundle install",
            "ca.untrusted-in-build",
        ),
        // Read after bh.
        (
            "$ docker run --rm -v /:/rootfs:ro,rslave prom/node-exporter\ndocker: Error response from daemon: path /rootfs is mounted on / but it is not a shared or slave mount.",
            "storage.mount-propagation",
        ),
        (
            "Error: \"/home/u/.local/share/containers/storage/btrfs\" is not on a btrfs filesystem: prerequisites for driver not satisfied (wrong filesystem?)",
            "storage.driver-failed",
        ),
        (
            "$ docker compose version\nexec: \"com.docker.cli\": executable file not found in $PATH",
            "cli.missing",
        ),
        (
            "[WARN] [io.quarkus.deployment.util.ContainerRuntimeUtil] No Podman binary found\n[ERROR] Unable to build container image",
            "cli.missing",
        ),
        (
            "$ docker push nexus.corp.example:8082/team/api:3.2\nThe push refers to repository [nexus.corp.example:8082/team/api]\nunknown: Authentication is required",
            "registry.auth-failed",
        ),
        (
            "Error response from daemon: Login: <html><head><title>502 Bad Gateway</title></head><body>",
            "registry.unexpected-answer",
        ),
        (
            "Error response from daemon: missing or empty Content-Type header",
            "registry.unexpected-answer",
        ),
        (
            "FATA[0042] Error pushing to registry: Server error: 502 trying to push acme/web blob - sha256:0c5b",
            "registry.server-error",
        ),
        (
            "Docker API call to '/run/user/1000/podman/podman.sock/v1.24/images/create' failed with status code 500 \"/run/user/1000/podman/podman.sock: No such host is known\"\n/run/user/1000/podman/podman.sock: no such host",
            "endpoint.invalid-host",
        ),
        (
            "app_1  | The disk hosting /srv/app/cache is full, this may be the cause of the following exception",
            "storage.low-space",
        ),
        // Read from the misses left over all the read splits.
        (
            "$ eval $(docker-machine env default)\nbash: docker-machine: command not found",
            "cli.missing",
        ),
        (
            "nerdctl.exe: The term 'nerdctl.exe' is not recognized as a name of a cmdlet, function, script file, or executable program.",
            "cli.missing",
        ),
        (
            "$ func deploy\nError: cannot create docker client: docker API is unavailable",
            "daemon.not-running",
        ),
        (
            "$ podman pull registry.access.redhat.com/rhel9/redis-7\nError: initializing source: unsupported: This repo requires terms acceptance and is only available on registry.redhat.io",
            "registry.auth-missing",
        ),
        (
            "[ERROR] Failed to execute goal com.spotify:docker-maven-plugin:1.2.2:build (default-cli): Exception caught: Incomplete Docker registry authorization credentials. Please provide all of username, password, and email or none.",
            "registry.auth-missing",
        ),
        (
            "Error: fetch manifest failed: getting https://quay.io/v2/acme/tool/manifests/2.1 failed: auth error",
            "registry.auth-failed",
        ),
        (
            "$ uname -r\n4.4.0-22621-Microsoft\n$ sudo service docker start\n * Starting Docker: docker    [fail]",
            "wsl.version-1",
        ),
        (
            "web-1  | 2024/03/02 10:11:12 [emerg] 1#1: bind() to 0.0.0.0:443 failed (13: Permission denied)",
            "ports.privileged-in-container",
        ),
        (
            "proxy-1  | level=fatal msg=\"listen tcp [::]:25: bind: permission denied\"",
            "ports.privileged-in-container",
        ),
        // Read after bj.
        (
            "$ docker pull alpine\nError : Get https://registry-1.docker.io/v2/ : x509 : certificate signed by unknown authority",
            "ca.untrusted",
        ),
        (
            "  Warning  Failed  12s  kubelet  Failed to pull image \"quay.io/acme/worker:4\": rpc error: code = Unknown desc = context deadline exceeded\n  Warning  Failed  12s  kubelet  Error: ErrImagePull",
            "registry.connect-timeout",
        ),
        (
            "[120 ms] Start: Run: docker info\n{\"outcome\":\"error\",\"message\":\"Command failed: docker info --format {{json .}}\",\"description\":\"An error occurred setting up the container.\"}",
            "daemon.not-running",
        ),
        (
            "[3001 ms] Error: Command failed: docker buildx version\n    at Xz (/home/u/.vscode-server/extensions/ms-vscode-remote.remote-containers/dist/spec-node/devContainersSpecCLI.js:1:2)",
            "cli.plugin-missing",
        ),
        (
            "phpstorm: docker-compose process failed. /usr/bin/docker-compose:1:Not: not found",
            "cli.plugin-missing",
        ),
        (
            "$ sudo -iu builder\n$ systemctl --user restart docker\nFailed to connect to bus: No such file or directory",
            "daemon.rootless-prerequisites",
        ),
        // Read after bk.
        (
            "W: Failed to fetch http://archive.ubuntu.com/ubuntu/dists/jammy/InRelease\n  Temporary failure resolving 'archive.ubuntu.com'",
            "registry.dns-in-build",
        ),
        (
            "fetch https://dl-cdn.alpinelinux.org/alpine/v3.19/community/x86_64/APKINDEX.tar.gz\nWARNING: fetching https://dl-cdn.alpinelinux.org/alpine/v3.19/community: Permission denied",
            "proxy.build-unreachable",
        ),
        (
            "PS C:\\dev> docker ps\nerror during connect: In the default daemon configuration on Windows, the docker client must be run with elevated privileges to connect.",
            "daemon.desktop-not-running",
        ),
        (
            "make: docker compose -f deploy/compose.yml up\nunknown shorthand flag: 'f' in -f (is docker compose installed?)",
            "cli.plugin-missing",
        ),
        (
            "$ set \"HTTPS_PROXY=http://proxy.corp:3128\"\n$ docker pull alpine\nError response from daemon: Get \"https://registry-1.docker.io/v2/\": net/http: request canceled while waiting for connection (Client.Timeout exceeded while awaiting headers)",
            "proxy.daemon-missing",
        ),
        (
            "$ docker --version\nDocker version 26.1.4, build 5650f9b\n$ act -j build\nError: docker binary not found in PATH\nCannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?",
            "daemon.not-running",
        ),
        (
            "zsh: /usr/local/bin/docker-compose: bad CPU type in executable",
            "cli.compose-not-runnable",
        ),
        (
            "$ df -h\nFilesystem      Size  Used Avail Use% Mounted on\n/dev/sda1        98G   93G  112M 100% /",
            "storage.low-space",
        ),
        (
            "The push refers to repository [registry.example.com/team/api]\n3b1f2c4d5e6f: Pushing  12.3MB/80.1MB\n3b1f2c4d5e6f: Retrying in 3 seconds",
            "registry.connection-cut",
        ),
        (
            "The push refers to repository [10.0.0.9:5000/app]\n9a8b7c6d5e4f: Pushing 3.1 kB\nblob upload unknown",
            "registry.blob-unknown",
        ),
        // Read after bl.
        (
            "Error: unable to pull image nginx:1.27: command [ssh -l deploy -- 10.0.0.4 docker system dial-stdio] has exited with signal: killed, please make sure the URL is valid",
            "daemon.ssh-failed",
        ),
        (
            "> podman machine init --provider hyperv\nError: HyperV namespace not found, is HyperV enabled?",
            "wsl.vm-platform-missing",
        ),
        (
            "$ kind get clusters\nERROR: could not list clusters: failed to list nodes: exit status 1",
            "daemon.not-running",
        ),
        (
            "Run docker/login-action@v3\n  with:\n    registry: ghcr.io\nError: Username and password required",
            "registry.auth-missing",
        ),
        (
            "ERROR: failed to solve: failed to mount /tmp/containerd-mount123: mount source: \"overlay\", target: \"/tmp/containerd-mount123\", fstype: overlay, flags: 0, data: \"workdir=/x,upperdir=/y,lowerdir=/z,index=off\": invalid argument",
            "storage.driver-failed",
        ),
        (
            "$ env | grep -i proxy\nhttps_proxy=http://proxy.corp:8080/\n$ DOCKER_HOST=tcp://10.1.2.3:2375 docker info\nError response from daemon: 404 page not found",
            "proxy.daemon-via-proxy",
        ),
        // Read after bm.
        (
            "Docker Desktop - Unexpected WSL error\nensuring data disk is available: exit code: 4294967295: running WSL command wsl.exe C:\\WINDOWS\\System32\\wsl.exe --mount --bare --vhd C:\\x\\docker_data.vhdx: Invalid command line option: --mount\nerror during connect: Get \"http://%2F%2F.%2Fpipe%2FdockerDesktopLinuxEngine/v1.47/version\": open //./pipe/dockerDesktopLinuxEngine: The system cannot find the file specified.",
            "wsl.not-installed",
        ),
        (
            "System.UnauthorizedAccessException: Access to the path '\\\\.\\pipe\\dockerBackendApiServer' is denied.",
            "daemon.pipe-access-denied",
        ),
        // Read after bn.
        (
            "PS C:\\> docker run --rm mcr.microsoft.com/windows/nanoserver:ltsc2022 cmd\ndocker: Error response from daemon: hcsshim::CreateComputeSystem 5f1c0e2a9b7d: The request is not supported.",
            "wsl.vm-platform-missing",
        ),
        (
            "Error response from daemon: failed to create endpoint web_1 on network nat: hnsCall failed in Win32: The specified port already exists. (0x803b0013)",
            "ports.in-use-process",
        ),
        (
            "Error response from daemon: Ports are not available: unable to list exposed ports: Get \"http://unix/forwards/list\": EOF",
            "daemon.desktop-engine-error",
        ),
        (
            "$ eval $(aws ecr get-login --region eu-west-1)\nunknown shorthand flag: 'e' in -e\nSee 'docker login --help'.",
            "registry.auth-missing",
        ),
        (
            "Error: initializing source docker://quay.io/podman/hello:latest: pinging container registry quay.io: Get \"https://quay.io/v2/\": local error: tls: bad record mac",
            "registry.tls-failed",
        ),
        (
            "root@3f9a1c2b7e4d:/src# pip install requests\ncurl: (6) Could not resolve host: pypi.org",
            "registry.dns-in-build",
        ),
        (
            "Step 4/9 : RUN apt-get update\n ---> Running in 5d2c1e0f9a8b\nW: Failed to fetch http://deb.debian.org/debian/dists/bookworm/InRelease  Could not resolve 'deb.debian.org'",
            "registry.dns-in-build",
        ),
        (
            "ERROR: could not create a builder instance with TLS data loaded from environment. Please use `docker context create <context-name>` to create a context for current environment",
            "endpoint.buildx-tls-from-env",
        ),
        // Read after bo.
        (
            "Cannot launch container because the following port(s) are already in use: 51234",
            "ports.in-use-process",
        ),
        (
            "failed to solve: alpine:3.19: failed to do request: Head \"https://registry-1.docker.io/v2/library/alpine/manifests/3.19\": proxyconnect tcp: dial tcp: lookup proxy.corp.local on 192.168.65.7:53",
            "proxy.unreachable",
        ),
        (
            "unable to build: compose build requires buildx 0.17.0 or later",
            "cli.plugin-missing",
        ),
        (
            "System.ComponentModel.Win32Exception (2): An error occurred trying to start process 'docker' with working directory '/src/AppHost'. No such file or directory",
            "cli.missing",
        ),
        (
            "[podman] Could not find the socket at /run/user/1001/podman/podman.sock after 5s.",
            "endpoint.stale",
        ),
        (
            "$ docker run -it --rm node:20 bash\nroot@4c1d2e3f5a6b:/# npm install\nnpm ERR! code UNABLE_TO_GET_ISSUER_CERT_LOCALLY\nnpm ERR! request to https://registry.npmjs.org/express failed, reason: unable to get local issuer certificate",
            "ca.untrusted-in-build",
        ),
        (
            "$ docker logs monitor\nError: queryAAAA ETIMEOUT smtp.example.org",
            "registry.dns-in-build",
        ),
        // Read after bp.
        (
            "$ docker-compose --env-file ./app.env up -d\nDefine and run multi-container applications with Docker.\n\nUsage:\n  docker-compose [-f <arg>...] [options] [COMMAND] [ARGS...]",
            "cli.compose-too-old",
        ),
        (
            "错误：Docker Compose 未安装，请先安装",
            "cli.plugin-missing",
        ),
        // Read after bq.
        (
            "Error response from daemon: driver failed programming external connectivity on endpoint web: unable to create NAT rule: Chain 'MASQUERADE' does not exist",
            "daemon.firewall-rules-failed",
        ),
        (
            "Error: netavark: code: 4, msg: iptables v1.8.9 (nf_tables): Chain 'NETAVARK-1D8721804F16F' does not exist",
            "daemon.firewall-rules-failed",
        ),
        (
            "Error saving credentials: error storing credentials - err: exit status 1, out: `Cannot autolaunch D-Bus without X11 $DISPLAY`",
            "auth.helper-failed",
        ),
        (
            "Login failed: this account requires two-factor authentication, use a token to log in",
            "registry.auth-failed",
        ),
        (
            "root@build:/# curl -sS https://deb.nodesource.com/setup_20.x\ncurl: (6) Could not resolve host: deb.nodesource.com",
            "registry.dns-in-build",
        ),
        (
            "$ wget https://github.com/cli/cli/releases/download/v2.40.0/gh.tar.gz\nResolving github.com (github.com)... failed: Temporary failure in name resolution.\nwget: unable to resolve host address 'github.com'",
            "registry.dns-in-build",
        ),
        // Read after br.
        (
            "ERROR: An HTTP request took too long to complete. Retry with --verbose to obtain debug information.",
            "daemon.no-answer",
        ),
        (
            "docker: Error response from daemon: can't access specified distro mount service: stat /run/guest-services/distro-services/ubuntu-22-04.sock: no such file or directory.",
            "wsl.desktop-distro-stopped",
        ),
        (
            "FATA[0000] no buildkit host is available, tried 1 candidates: failed to ping to host unix:///run/user/1000/buildkit/buildkitd.sock: exit status 1",
            "daemon.builder-unreachable",
        ),
        (
            "docker.errors.DockerException: Credentials store error: StoreError('Credentials store docker-credential-desktop exited with \"error getting credentials\".')",
            "auth.helper-failed",
        ),
        (
            "$ docker exec web nslookup deb.debian.org\n;; connection timed out; no servers could be reached",
            "registry.dns-in-build",
        ),
        (
            " > [3/6] RUN yarn install --frozen-lockfile:\n#8 61.2 info There appears to be trouble with your network connection. Retrying...",
            "registry.dns-in-build",
        ),
        (
            "web-1  | [nltk_data] Error loading punkt: <urlopen error [Errno -3] Temporary failure in name resolution>\nweb-1  | requests.exceptions.ConnectionError: HTTPSConnectionPool(host='raw.githubusercontent.com', port=443): Max retries exceeded (Caused by NameResolutionError(\"Failed to resolve 'raw.githubusercontent.com' ([Errno -3] Temporary failure in name resolution)\"))",
            "registry.dns-in-build",
        ),
        // Read after bs.
        (
            "Starting Docker: /etc/init.d/docker:64: ulimit: cannot modify limit: Operation not permitted",
            "daemon.start-failed",
        ),
        (
            "Failed to start docker.service: Unit docker.service has a bad unit file setting.\ndocker.service has more than one ExecStart= setting, which is only allowed for Type=oneshot services. Refusing.",
            "daemon.start-failed",
        ),
        (
            "$ systemctl show --property=Environment docker\nEnvironment=\n$ docker pull alpine",
            "proxy.daemon-missing",
        ),
        (
            "Gem::RemoteFetcher::FetchError: SSL_connect SYSCALL returned=5 errno=0 state=SSLv3 read server hello A (https://rubygems.org/gems/rack-2.2.8.gem)",
            "registry.dns-in-build",
        ),
        (
            "I ran `docker run --rm -it node:20 node fetch.js` and got\nError: getaddrinfo EAI_AGAIN",
            "registry.dns-in-build",
        ),
        // Read after bt.
        (
            "failed to copy: httpReadSeeker: failed open: failed to do request: Get \"https://docker-images-prod.0123456789abcdef0123456789abcdef.r2.cloudflarestorage.com/registry-v2/docker/registry/v2/blobs/sha256/aa/aabb/data\": dial tcp 172.64.66.1:443: i/o timeout",
            "registry.connect-timeout",
        ),
        // Read after bu.
        (
            "$ docker -H ssh://deploy@build-01 ps\nerror during connect: Get http://docker/v1.41/containers/json: net/http: HTTP/1.x transport connection broken: malformed HTTP status code \"Welcome\"",
            "daemon.ssh-failed",
        ),
        (
            "Error: Client(Init(SocketNotFoundError(\"/run/user/1000/docker.sock\")))",
            "daemon.not-running",
        ),
        (
            "docker run --rm alpine true\nWARNING: IPv4 forwarding is disabled. Networking will not work.",
            "daemon.ip-forwarding-off",
        ),
        // Read after bv.
        (
            "docker: Error response from daemon: create media: error looking up volume plugin netshare: plugin \"netshare\" not found",
            "storage.volume-mount-failed",
        ),
        (
            "docker: Error response from daemon: VolumeDriver.Mount: mount.nfs: access denied by server while mounting 10.0.0.5:/exports/media",
            "storage.volume-mount-failed",
        ),
        (
            "$ docker-compose up -d\nTraceback (most recent call last):\nModuleNotFoundError: No module named 'distutils'",
            "cli.python-client-broken",
        ),
        (
            "docker.errors.DockerException: Error while fetching server API version: HTTPConnection.request() got an unexpected keyword argument 'chunked'",
            "cli.python-client-broken",
        ),
        (
            "Error response from daemon: error parsing HTTP 403 response body: invalid character '<' looking for beginning of value: \"<html><body><h1>403 Forbidden</h1>\\nSince Docker is a US company, we must comply with US export control regulations.",
            "registry.geo-blocked",
        ),
        (
            "Error response from daemon: failed to find iptables: exec: \"iptables\": executable file not found in $PATH",
            "daemon.firewall-rules-failed",
        ),
        (
            "docker: unknown command: docker scout\n\nRun 'docker --help' for more information",
            "cli.plugin-missing",
        ),
        // Read after bw.
        (
            "#7 1.204 Err:1 http://deb.debian.org/debian bookworm InRelease\n#7 1.205   Unable to connect to 127.0.0.1:3128:",
            "proxy.unreachable",
        ),
        (
            "$ docker pull nginx\nError response from daemon: Get \"https://registry-1.docker.io/v2/\": Request blocked by Privoxy",
            "registry.tunnel-refused",
        ),
        (
            "dockerd[812]: time=\"2024-05-02T10:11:12Z\" level=error msg=\"'overlay2' not found as a supported filesystem on this host. Please ensure kernel is new enough and has overlay support loaded.\" storage-driver=overlay2",
            "daemon.start-failed",
        ),
        // Read after by.
        (
            "starting WSL engine: error spotted in wslbootstrap log: \"[2026-01-02T10:00:00.1Z][wsl-bootstrap][F] mounting data disk: exit status 32\"",
            "wsl.desktop-distro-stopped",
        ),
        (
            "PS C:\\> docker ps\nError response from daemon: Docker Desktop is unable to start",
            "daemon.desktop-engine-failed",
        ),
        (
            "com.docker.hyperkit: process terminated unexpectedly: exit status 2",
            "daemon.vm-start-failed",
        ),
        (
            "[rootlesskit] starting: exec: \"newuidmap\": executable file not found in $PATH",
            "daemon.start-failed",
        ),
        (
            "app-1  | error: Failed to download `https://files.pythonhosted.org/packages/x.whl`\napp-1  |   Caused by: error sending request\napp-1  |   Caused by: dns error: failed to lookup address information: Temporary failure in name resolution",
            "registry.dns-in-build",
        ),
        // Read after bz.
        (
            "$ docker-compose -H tcp://10.0.0.5:2376 --tlsverify ps\nERROR: SSL error: hostname '10.0.0.5' doesn't match 'docker-host.local'",
            "daemon.tls-wrong-name",
        ),
        (
            "Fatal Error\ncom.docker.driver.amd64-linux failed to start\nExit code 1",
            "daemon.vm-start-failed",
        ),
        (
            "[ 12.345] overlayfs: upper fs needs to support d_type.\ndocker: Error response from daemon: error creating overlay mount to /var/lib/docker/overlay2/abc/merged: invalid argument.",
            "storage.driver-failed",
        ),
        (
            "failed to pull and unpack image \"docker.io/library/nginx:latest\": failed to unpack image on snapshotter overlayfs: unexpected media type text/html for sha256:0123456789abcdef: not found",
            "registry.unexpected-answer",
        ),
        // Read after cb.
        (
            "running engine: waiting for the VM setup to be ready: starting WSL engine: bootstrapping in the main distro: starting wsl-bootstrap: exit status 1",
            "wsl.desktop-distro-stopped",
        ),
        (
            "An unexpected error was encountered while executing a WSL command. Please try shutting WSL down (wsl --shutdown) and/or rebooting your computer.",
            "wsl.desktop-distro-stopped",
        ),
        (
            "checking if isocache exists: CreateFile \\\\wsl.localhost\\docker-desktop-data\\isocache\\: The network name cannot be found.",
            "wsl.desktop-distro-stopped",
        ),
        (
            "Docker Desktop is unable to detect a Hypervisor.\nHardware-assisted virtualization and data execution protection must be enabled in the BIOS.",
            "wsl.vm-platform-missing",
        ),
        (
            "request returned Bad Request for API route and version http://%2Fvar%2Frun%2Fdocker.sock/v1.41/containers/create, check if the server supports the requested API version",
            "daemon.api-version-pinned",
        ),
        (
            "modprobe: FATAL: Module xt_bpf not found in directory /lib/modules/6.6.36.6-microsoft-standard-WSL2",
            "wsl.kernel-update-required",
        ),
        (
            "Error looking up credentials for ghcr.io in credential helper desktop: credentials not found in native keychain",
            "auth.helper-failed",
        ),
        (
            "aardvark-dns[812]: 4410 dns request failed: request timed out",
            "registry.dns-in-build",
        ),
        (
            "Error response from daemon: Get https://registry.corp/v2/: x509 certificate signed by unknown authority",
            "ca.untrusted",
        ),
        (
            "FATA[0000] Get http:///var/run/docker.sock/v1.18/version: dial unix /var/run/docker.sock: Une adresse incompatible avec le protocole demandé a été utilisée.. Are you trying to connect to a TLS-enabled daemon without TLS?",
            "daemon.not-running",
        ),
        (
            "cannot fetch image\nError response from daemon: unable to create manifests file: NotFound: content digest",
            "storage.image-content-missing",
        ),
        // Read after cc.
        (
            "FATA[0000] failed to create compose manager: docker-compose binary not found",
            "cli.plugin-missing",
        ),
        (
            "Error Summary\n-------------\nDisk Requirements:\n   At least 312MB more space needed on the / filesystem.",
            "storage.low-space",
        ),
        (
            "+ echo XDG_RUNTIME_DIR needs to be set and writable\nXDG_RUNTIME_DIR needs to be set and writable",
            "daemon.rootless-prerequisites",
        ),
        (
            "$ podman run -d --name agent -v /run/user/1000/podman/podman.sock:/var/run/docker.sock:Z agent:1\nError: OCI runtime error: crun: **mountpoint for pids not found**",
            "storage.cgroup-controllers-missing",
        ),
        (
            "WARNING: No swap limit support\n$ docker logs che\nThis Linux user is not in 'docker' group.",
            "socket.not-in-group",
        ),
        // Read after cd.
        (
            "C:/opscode/chef-workstation/embedded/lib/ruby/gems/3.1.0/gems/docker-api-2.2.0/lib/docker/connection.rb:91:in `rescue in request': connect_read timeout reached (Docker::Error::TimeoutError)",
            "daemon.no-answer",
        ),
        (
            "/opt/chef/embedded/lib/ruby/gems/3.1.0/gems/excon-0.99.0/lib/excon/unix_socket.rb:14:in `connect_nonblock': No such file or directory - connect(2) for /var/run/docker.sock (Errno::ENOENT) (Excon::Error::Socket)",
            "daemon.not-running",
        ),
        (
            "undefined method `sockaddr_un' for Socket:Class (NoMethodError)",
            "daemon.not-running",
        ),
        // Read after ce.
        (
            "Step 3/4 : RUN ansible-galaxy collection install -r requirements.yml\n ---> Running in 0c1d2e3f4a5b\nERROR! Unknown error when attempting to call Galaxy at 'https://galaxy.ansible.com/api/': <urlopen error [Errno -2] Name or service not known>",
            "registry.dns-in-build",
        ),
        (
            "Step 2/2 : RUN bin/plugin install analysis-kuromoji\n ---> Running in 9a8b7c6d5e4f\nException in thread \"main\" java.net.UnknownHostException: download.example.org",
            "registry.dns-in-build",
        ),
        (
            "ERROR: error pulling image configuration: Get https://cdn.example.net/blobs/sha256/ab/data: dial tcp: lookup cdn.example.net on 10.0.2.3:53: read udp",
            "registry.dns-servfail",
        ),
        (
            "Error: Cannot start container 0f1e2d3c: port has already been allocated",
            "ports.in-use-container",
        ),
        (
            "ERROR:  could not extend file \"base/16384/2619\": wrote only 4096 of 8192 bytes at block 77\nHINT:  Check free disk space.",
            "storage.low-space",
        ),
        (
            "Step 1/9 : ARG VERSION\nPlease provide a source image with `from` prior to commit",
            "cli.engine-too-old",
        ),
        (
            "please add `--insecure-registry 10.0.0.5:5000` to the daemon's arguments. If this private registry supports only HTTP or HTTPS with an unknown CA certificate, please add`--insecure-registry 10.0.0.5:5000`to the daemon's arguments.",
            "registry.http-only",
        ),
        (
            "[ERROR]: The specified container engine could not be found:'podman', set by 'default configuration value'",
            "cli.missing",
        ),
        (
            "fatal: [web1]: FAILED! => {\"changed\": false, \"msg\": \"Unable to load docker-compose. Try `pip install docker-compose`. Error: No module named compose\"}",
            "cli.python-client-broken",
        ),
        // Read after cf.
        (
            "$ finch vm start\nINFO[0000] Starting existing Finch virtual machine...\nERRO[0012] Finch virtual machine failed to start, debug logs: time=\"2024-05-01T10:00:00Z\" level=fatal",
            "daemon.vm-start-failed",
        ),
        (
            "FATA[0000] the instance \"finch\" does not exist, run `finch vm init` to create a new instance",
            "daemon.vm-start-failed",
        ),
        (
            "error: failed to solve: failed to prepare extraction snapshot: failed to create snapshot: missing parent \"default/12/sha256:0a1b2c\" bucket: not found",
            "storage.store-corrupt",
        ),
        (
            "Error response from daemon: unauthorized to access repository: team/api, action: pull",
            "registry.auth-failed",
        ),
        (
            "Error: cannot reach registry.example.test:5000: error trying to connect: error:0A0000C6:SSL routines:tls_get_more_records:packet length too long",
            "registry.tls-failed",
        ),
        (
            "Step 4/9 : RUN apk add --no-cache git\n ---> Running in 4d5e6f7a8b9c\nfetch https://dl-cdn.alpinelinux.org/alpine/v3.18/main/x86_64/APKINDEX.tar.gz\nWARNING: Ignoring https://dl-cdn.alpinelinux.org/alpine/v3.18/main: network error (check Internet connection and firewall)",
            "registry.dns-in-build",
        ),
        (
            "Error: Cannot find docker, please make sure docker is installed and on your PATH",
            "cli.missing",
        ),
        (
            "ERROR: failed to create cluster: could not find a log line that matches \"Reached target .*Multi-User System.*|detected cgroup v1\"",
            "storage.cgroup-controllers-missing",
        ),
        // Read after cg.
        (
            "Your Docker setup does not support the codeclimate wrapper script:\n\n  > /var/run/docker.sock must exist as a Unix domain socket",
            "daemon.not-running",
        ),
        (
            "We encountered a problem with your Docker setup:\n  > invalid DOCKER_HOST=tcp://192.168.99.100:2376, must be unset or unix:///var/run/docker.sock",
            "endpoint.invalid-host",
        ),
        // Read again from the misses left over all the read splits.
        (
            "entrypoint.sh: sed: can't move '/etc/passwd' to '/etc/passwd.orig': Invalid argument",
            "storage.driver-failed",
        ),
        (
            "(default) Starting the VM...\nThis computer doesn't have VT-X/AMD-v enabled. Enabling it in the BIOS is mandatory",
            "wsl.vm-platform-missing",
        ),
    ] {
        let r = explain(text, &["--no-probe"]);
        assert_eq!(r["matches"][0]["mode"], want, "{text}");
    }
    // A bind mount's propagation names the mount to make shared, and polkit's "Authentication
    // is required to ..." is not a registry's refusal.
    let r = explain(
        "Error response from daemon: path /sys is mounted on /sys but it is not a shared or slave mount",
        &["--no-probe"],
    );
    assert!(
        r["matches"][0]["fix"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f.as_str().unwrap().contains("mount --make-rshared /sys")),
        "{r}"
    );
    let r = explain(
        "==== AUTHENTICATING FOR org.freedesktop.systemd1.manage-units ===\nAuthentication is required to start 'docker.service'.",
        &["--no-probe"],
    );
    assert_ne!(r["matches"][0]["mode"], "registry.auth-failed", "{r}");
    // A program's own bind in Python's words, runc mounting Docker's resolv.conf onto a
    // read-only place the user mounted over /etc, and a resolver handed a URL for a name
    // (a proxy setting the program parsed wrong): the program's and the container's, not a
    // host port, the daemon's store or a nameserver.
    for text in [
        "$ docker compose logs app\nFetchError: request to https://api.example.com/v1 failed, reason: getaddrinfo EAI_AGAIN http://127.0.0.1",
        "Traceback (most recent call last):\n  File \"/app/serve.py\", line 40, in main\n    self.socket.bind(self.address)\nOSError: [Errno 98] Address already in use",
        "docker: Error response from daemon: failed to create task for container: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: error during container init: error mounting \"/var/lib/docker/containers/4f2a/hosts\" to rootfs at \"/etc/hosts\": open /var/lib/docker/overlay2/9c1e/merged/etc/hosts: read-only file system: unknown.",
    ] {
        let r = explain(text, &["--no-probe"]);
        assert!(r["matches"].as_array().unwrap().is_empty(), "{text}: {r}");
    }
    // A Kubernetes API server's own expired certificate is the cluster's to renew: named
    // at the floor with the program's reading, never confidently as Docker's trust.
    for text in [
        "Unable to connect to the server: Get \"https://10.0.0.5:6443/api/v1/nodes\": x509: certificate has expired or is not yet valid: current time 2025-02-01T10:00:00Z is after 2025-01-30T08:12:44Z",
        "E0203 11:20:01.000001 1 reflector.go:138] failed to list *v1.Pod: Get https://127.0.0.1:6444/apis/apps/v1/deployments: x509: certificate has expired or is not yet valid",
    ] {
        let r = explain(text, &["--no-probe"]);
        let c = r["matches"][0]["confidence"].as_f64().unwrap_or(0.0);
        assert!(c <= 0.5, "{text}: {r}");
    }
    // A port above 1023 refused is not a privileged port's; rootless Docker publishing one
    // keeps its own reading.
    let r = explain(
        "api-1  | listen tcp :8080: bind: permission denied",
        &["--no-probe"],
    );
    assert_ne!(
        r["matches"][0]["mode"], "ports.privileged-in-container",
        "{r}"
    );
    let r = explain(
        "docker: Error response from daemon: driver failed programming external connectivity on endpoint web: Error starting userland proxy: error while calling PortManager.AddPort(): cannot expose privileged port 80, you can add 'net.ipv4.ip_unprivileged_port_start=80' to /etc/sysctl.conf",
        &["--no-probe"],
    );
    assert_eq!(r["matches"][0]["mode"], "ports.privileged-rootless", "{r}");
    // WSL 2's kernel release is not WSL 1's.
    let r = explain(
        "$ uname -r\n5.15.153.1-microsoft-standard-WSL2\n$ sudo service docker start\n * Starting Docker: docker    [fail]",
        &["--no-probe"],
    );
    assert_ne!(r["matches"][0]["mode"], "wsl.version-1", "{r}");
    // A name a command in a container cannot resolve that is a bare name (a Compose
    // service's, not the Internet's) is the program's configuration, not the containers'
    // nameserver.
    let r = explain(
        "$ docker compose exec web curl http://api:8080/health\ncurl: (6) Could not resolve host: api",
        &["--no-probe"],
    );
    assert_ne!(r["matches"][0]["mode"], "registry.dns-in-build", "{r}");
    // Another engine's CLI not on PATH is named as itself, not as docker.
    let r = explain(
        "Error: exec: \"nerdctl\": executable file not found in $PATH",
        &["--no-probe"],
    );
    assert_eq!(r["matches"][0]["mode"], "cli.missing", "{r}");
    let said = r["matches"][0]["explanation"].as_str().unwrap_or_default();
    assert!(said.contains("no nerdctl program"), "{said}");
    // A compose service's name that Docker's embedded DNS does not know is the program's
    // configuration (its network, the name's spelling), not the containers' DNS failing.
    let r = explain(
        "Error: dial tcp: lookup postgres on 127.0.0.11:53: no such host",
        &["--no-probe"],
    );
    assert_ne!(r["matches"][0]["mode"], "registry.dns-in-build", "{r}");
    // dockerd logging a storage driver it could not mount, then going on to start on
    // another: the start did not fail, the driver did.
    let r = explain(
        "ERRO[2024-05-02T08:00:01.000000000Z] failed to mount overlay: invalid argument     storage-driver=overlay2\nINFO[2024-05-02T08:00:02.000000000Z] Loading containers: done.\nINFO[2024-05-02T08:00:02.500000000Z] Daemon has completed initialization\nINFO[2024-05-02T08:00:02.600000000Z] API listen on /var/run/docker.sock",
        &["--no-probe"],
    );
    assert_eq!(r["matches"][0]["mode"], "storage.driver-failed", "{r}");
    // NSS's words for an untrusted issuer (yum and curl on RHEL 7): a certificate's trust.
    for text in [
        "curl#60 - \"Peer's Certificate issuer is not recognized.\"",
        "Peer's certificate issuer has been marked as not trusted by the user.",
    ] {
        assert_eq!(top(text).expect(text).1, "proxy_ca", "{text}");
    }
    // Desktop prints the allowed organizations in brackets: the explanation names them
    // without.
    let r = explain(
        "You must be a member of the [acme] organization. Log in with a different account, or contact your organization owner to add your account.",
        &["--no-probe"],
    );
    let said = r["matches"][0]["explanation"].as_str().unwrap_or_default();
    assert!(said.contains("(acme)"), "{said}");
    // A tool's "Docker is not available" after the daemon itself refused the request: the
    // daemon answered, so it is not read as down.
    let r = explain(
        "Error response from daemon: manifest for tools/x:latest not found\nDocker is not available for this tool, try --no-container",
        &["--no-probe"],
    );
    assert_ne!(r["matches"][0]["mode"], "daemon.not-running", "{r}");
    // The request to a tcp daemon that went through the proxy: the fix puts the daemon's
    // host (from its URL) in NO_PROXY; a host a shell would read as syntax is left out.
    for (text, host) in [
        (
            "error during connect: Post http://192.168.99.100:2375/v1.39/containers/create: read tcp 10.0.0.5:55022->10.1.1.1:8080: i/o timeout",
            "192.168.99.100",
        ),
        (
            "error during connect: Post http://dock$(id).lan:2375/v1.39/containers/create: read tcp 10.0.0.5:55022->10.1.1.1:8080: i/o timeout",
            "<daemon-host>",
        ),
    ] {
        let r = explain(text, &["--no-probe"]);
        assert_eq!(r["matches"][0]["mode"], "proxy.daemon-via-proxy", "{r}");
        let fix = r["matches"][0]["fix"][1].as_str().unwrap_or_default();
        assert!(
            fix.starts_with(&format!(
                "export NO_PROXY=\"${{NO_PROXY:+$NO_PROXY,}}{host}\" "
            )),
            "{fix}"
        );
    }
    // The swarm's digest warning names the registry the login is for.
    let r = explain(
        "image registry.example.com/team/api:1.4 could not be accessed on a registry to record its digest.",
        &["--no-probe"],
    );
    assert!(
        r["matches"][0]["fix"][0]
            .as_str()
            .is_some_and(|f| f.starts_with("docker login registry.example.com ")),
        "{r}"
    );
    // A file a tool opened that is not there is that file's, beside Docker's words; a key
    // no Compose knows (a service indented under `networks`) is the file's own mistake.
    for text in [
        "open /home/u/.local/bin/docker-compose.yml: no such file or directory\n[-] Error from `docker`: exit status 14",
        "networks.backend value Additional properties are not allowed ('api' was unexpected)",
        // A URL where an image reference was: its scheme taken for a registry's host.
        "Get \"https://https/v2/\": dial tcp: lookup https on 10.0.0.10:53: no such host",
        // The daemon's own 500 in a client library's words: its message is the cause.
        "com.github.dockerjava.api.exception.InternalServerErrorException: Status 500: Cannot locate specified Dockerfile: Dockerfile.dev",
        // A managed plugin's socket missing is that plugin's (it did not start), not the
        // daemon's.
        "Error response from daemon: dial unix /run/docker/plugins/4f2a9c/loki.sock: connect: no such file or directory",
        // The daemon refusing a Dockerfile outside the context is no HTTP 403.
        "Error response from daemon: Forbidden path outside the build context: ../other/Dockerfile ()",
        // A scanner's own server refusing, after the image it was given: that server's.
        "push image https://registry-1.docker.io/v2/library/postgres:latest to Clair failed: Post http://localhost:6060/v1/layers: dial tcp 127.0.0.1:6060: connect: connection refused",
    ] {
        let r = explain(text, &["--no-probe"]);
        assert!(
            r["matches"].as_array().unwrap().is_empty(),
            "{text}: {}",
            r["matches"]
        );
    }
    // The same errors without the daemon's tcp context are not the daemon connection's:
    // a registry's (/v2/), an application's own API, dockerd's own TLS files.
    for text in [
        "Error response from daemon: Get \"https://registry.corp:5000/v2/\": dial tcp 10.0.0.9:5000: connect: connection refused",
        "Error response from daemon: Get \"https://registry.corp:5000/v2/\": remote error: tls: bad certificate",
        "Get \"https://api.example.com/v1.2/items\": x509: certificate signed by unknown authority",
        "dockerd[812]: failed to load listeners: could not read CA certificate \"/etc/docker/ca.pem\": open /etc/docker/ca.pem: no such file or directory",
        // A 400 from an application's API, or one that names the parameter it refuses.
        "requests.exceptions.HTTPError: 400 Client Error: Bad Request for url: https://api.example.com/v1.20/items",
        "docker.errors.APIError: 400 Client Error: Bad Request for url: http+docker://localhost/v1.41/containers/create (\"invalid reference format\")",
    ] {
        let modes = all_modes(text);
        assert!(
            !modes.iter().any(|m| m.starts_with("daemon.tls-")
                || m.starts_with("daemon.remote-")
                || m == "endpoint.tls-material"
                || m == "daemon.api-version-pinned"),
            "{text}: {modes:?}"
        );
    }
    // A daemon dialled on its own port is no proxy's, whatever failed there; a program's
    // HTTPS call in its own traceback is not a registry's.
    for text in [
        "error during connect: Get http://192.168.1.10:2375/v1.41/info: dial tcp 192.168.1.10:2375: i/o timeout",
        "error during connect: Get https://[::1]:2376/v1.41/info: read tcp [::1]:50122->[::1]:2376: read: connection reset by peer",
        "Traceback (most recent call last):\n  File \"/app/main.py\", line 3, in <module>\n    fetch()\nConnectionError: read tcp 10.0.0.2:41234->93.184.216.34:443: read: connection reset by peer (https://api.example.com/v1/items)",
    ] {
        let modes = all_modes(text);
        assert!(
            !modes
                .iter()
                .any(|m| m == "proxy.daemon-via-proxy" || m == "registry.connection-cut"),
            "{text}: {modes:?}"
        );
    }
    // A bare EOF on a pull may be the registry's: not the engine's alone.
    assert!(
        !all_modes("$ docker pull quay.io/org/app:1\nError response from daemon: EOF")
            .contains(&"daemon.desktop-engine-error".to_string())
    );
    // A short flag a subcommand that exists does not know is its own usage error.
    assert!(
        !all_modes("unknown shorthand flag: 'f' in -f\nSee 'docker stack deploy --help'.")
            .contains(&"cli.plugin-missing".to_string())
    );
    let none = explain("the weather is nice today", &["--no-probe"]);
    assert_eq!(none["matches"].as_array().unwrap().len(), 0);
}

/// Docker Hub's official images are all public: a refusal for one of their names (Hub's
/// stock denial, its anonymous challenge) says the name does not exist, and is said apart
/// from the machine's failures. Credentials the registry names as wrong stay a login's.
#[test]
fn a_refused_official_name_is_a_name_that_does_not_exist() {
    for text in [
        "Trying to pull docker.io/library/myapp:dev...\nError: initializing source docker://myapp:dev: reading manifest dev in docker.io/library/myapp: errors:\ndenied: requested access to the resource is denied\nunauthorized: authentication required",
        "Error failed to fetch an image or build from source: Authentication required to access image \"docker.io/library/webapp:latest\"",
        // Hub's API path, and the challenge in the JSON body a library quotes.
        "FATAL error in image scan: failed to extract files: Get https://registry-1.docker.io/v2/library/scanme/manifests/latest: http: non-successful response (status=401 body=\"{\\\"errors\\\":[{\\\"code\\\":\\\"UNAUTHORIZED\\\",\\\"message\\\":\\\"authentication required\\\"}]}\")",
        "error: GET https://index.docker.io/v2/library/builder/manifests/latest: UNAUTHORIZED: authentication required; [map[Action:pull Class: Name:library/builder Type:repository]]",
    ] {
        let r = explain(text, &["--no-probe"]);
        assert!(
            r["matches"].as_array().unwrap().is_empty(),
            "{text}: {}",
            r["matches"]
        );
        assert_eq!(
            r["not_environment"][0]["mode"], "registry.not-found",
            "{text}"
        );
        // The answer quotes the refusal it stands on.
        let evidence = r["not_environment"][0]["evidence"].as_str().unwrap_or("");
        assert!(
            evidence.contains("denied") || evidence.contains("authentication required"),
            "{r}"
        );
    }
    let stale = explain(
        "Trying to pull docker.io/library/nginx:latest...\nunauthorized: incorrect username or password",
        &["--no-probe"],
    );
    assert_eq!(stale["matches"][0]["area"], "registry_auth", "{stale}");
    // A name under an account's namespace may be private: the login's reading stays.
    let private = explain(
        "Trying to pull docker.io/acme/tool:1.0...\nError: initializing source docker://acme/tool:1.0: reading manifest 1.0 in docker.io/acme/tool: errors:\ndenied: requested access to the resource is denied\nunauthorized: authentication required",
        &["--no-probe"],
    );
    assert_eq!(private["matches"][0]["area"], "registry_auth", "{private}");
    // A push to an official name is refused for the namespace: the account's reading.
    let push = explain(
        "The push refers to repository [docker.io/library/myimage]\n5f70bf18a086: Preparing\ndenied: requested access to the resource is denied",
        &["--no-probe"],
    );
    assert_eq!(
        push["matches"][0]["mode"], "registry.access-denied",
        "{push}"
    );
}

/// The best match the probes confirmed on this machine.
fn first_confirmed(r: &Value) -> &Value {
    r["matches"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["confirmation"]["status"] == "confirmed")
        .unwrap_or_else(|| panic!("nothing confirmed: {r}"))
}

// A unix socket path in DOCKER_HOST: Unix only.
#[cfg(unix)]
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
    let m = first_confirmed(&r);
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

/// Confirmed on the machine, a match shows the probes' fix with the machine's values (the
/// shell's proxy, its password masked) in place of the text's generic `<proxy URL>`.
#[test]
fn a_confirmed_match_shows_the_fix_for_this_machine() {
    let tmp = tempfile::tempdir().unwrap();
    let text = "#7 [2/3] RUN apk add --no-cache curl\n#7 1.204 WARNING: fetching https://dl-cdn.alpinelinux.org/alpine/v3.20/main: could not connect to server (check repositories file)\n#7 1.210 ERROR: unable to select packages:\n#7 ERROR: process \"/bin/sh -c apk add --no-cache curl\" did not complete successfully: exit code: 1";
    let proxy = "http://build-bot:Hunter2pass@proxy.intra.example:8080";
    let env = [("HTTPS_PROXY", proxy), ("HTTP_PROXY", proxy)];
    let run = |format: &str| {
        capture_with_input(
            doctor(
                tmp.path(),
                &env,
                &["explain", "--timeout", "5", "--format", format],
            ),
            text.as_bytes(),
        )
    };
    let r = run("json").json();
    let m = first_confirmed(&r);
    assert_eq!(m["id"], "proxy.client-missing", "{r}");
    let fixes = m["confirmation"]["fixes"].to_string();
    assert!(fixes.contains("proxy.intra.example:8080"), "{fixes}");
    let human = run("human").stdout;
    assert!(
        human.contains("For this machine, from the probes:"),
        "{human}"
    );
    assert!(human.contains("proxy.intra.example:8080"), "{human}");
    assert!(!human.contains("<proxy URL>"), "{human}");
    for out in [&human, &r.to_string(), &run("markdown").stdout] {
        assert!(!out.contains("Hunter2pass"), "{out}");
    }
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
    let declared = declared_ids();
    let doc = signatures_doc();
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
    let tmp = tempfile::tempdir().unwrap();
    let run = capture_with_input(
        doctor(tmp.path(), &[], &["explain", "--no-probe", "--format", "json"]),
        b"docker: Error response from daemon: driver failed programming external connectivity on endpoint x: Error starting userland proxy: error while calling RootlessKit PortManager.AddPort(): cannot expose privileged port 443, you can add 'net.ipv4.ip_unprivileged_port_start=443'",
    );
    assert_eq!(run.json()["matches"][0]["id"], "ports.privileged-rootless");
}

/// The best match's (mode, area), or None when explain abstained (and then exit 1).
fn top(text: &str) -> Option<(String, String, f64)> {
    let tmp = tempfile::tempdir().unwrap();
    let run = capture_with_input(
        doctor(
            tmp.path(),
            &[],
            &["explain", "--no-probe", "--format", "json"],
        ),
        text.as_bytes(),
    );
    let r = run.json();
    let m = &r["matches"][0];
    if m.is_null() {
        assert_eq!(run.code, 1, "no match must exit 1: {text}");
        return None;
    }
    assert_eq!(run.code, 0, "{text}");
    Some((
        m["mode"].as_str().unwrap().to_string(),
        m["area"].as_str().unwrap().to_string(),
        m["confidence"].as_f64().unwrap(),
    ))
}

fn all_modes(text: &str) -> Vec<String> {
    let r = explain(text, &["--no-probe"]);
    ["matches", "not_environment"]
        .iter()
        .flat_map(|k| r[*k].as_array().unwrap().clone())
        .map(|m| m["mode"].as_str().unwrap().to_string())
        .collect()
}

/// The failure modes of what was asked rather than of the environment (a name or tag
/// that does not exist): `environment = false` in signatures.toml.
fn not_environment_modes() -> Vec<String> {
    signatures_doc()["failure"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f.get("environment").and_then(|e| e.as_bool()) == Some(false))
        .map(|f| {
            f.get("mode")
                .or(f.get("id"))
                .and_then(|m| m.as_str())
                .unwrap()
                .to_string()
        })
        .collect()
}

/// Real errors from public issue trackers (tests/corpus/real-world.jsonl, each with its
/// source): the top match names the area and the failure mode, for all but the few whose
/// wording two causes share (Compose v1 says the same for "not running" and "permission
/// denied"); those must still list it among the candidates.
#[test]
fn real_world_errors_name_their_area_and_failure_mode() {
    let mut wrong_area = Vec::new();
    let mut wrong_mode = Vec::new();
    let mut total = 0;
    let asked = not_environment_modes();
    for e in jsonl("real-world.jsonl") {
        let Some(want) = e["mode"].as_str() else {
            continue;
        };
        total += 1;
        let text = e["error_text"].as_str().unwrap();
        let id = e["id"].as_str().unwrap();
        // A name that does not exist is said apart, and is no environment failure.
        if asked.iter().any(|a| a == want) {
            let r = explain(text, &["--no-probe"]);
            let said = r["not_environment"][0]["mode"]
                .as_str()
                .unwrap_or("nothing");
            if said != want || !r["matches"][0].is_null() {
                wrong_mode.push(format!(
                    "{id}: said apart {said}, answered {}, want {want} apart",
                    r["matches"][0]["mode"]
                ));
            }
            continue;
        }
        let got = top(text);
        match &got {
            Some((mode, area, _)) => {
                if area != e["area"].as_str().unwrap() {
                    wrong_area.push(format!("{id}: {area} ({mode}), want {want}"));
                }
                if mode != want {
                    wrong_mode.push(format!("{id}: {mode}, want {want}"));
                    assert!(
                        all_modes(text).iter().any(|m| m == want),
                        "{id}: {want} is not even a candidate"
                    );
                }
            }
            None => wrong_area.push(format!("{id}: no match, want {want}")),
        }
    }
    assert!(
        wrong_area.len() * 50 <= total,
        "more than 2% wrong areas:\n{}",
        wrong_area.join("\n")
    );
    assert!(
        wrong_mode.len() * 50 <= total,
        "more than 2% wrong failure modes:\n{}",
        wrong_mode.join("\n")
    );
}

/// Real errors that are not Docker environment failures: an application's own DNS error
/// or traceback, a Compose service name inside its network (127.0.0.11), a Dockerfile
/// syntax error, a script with CRLF line ends, another Windows program that may not bind a
/// port. None gets a confident answer. A paste that is nothing but a bare cause (R-113, an
/// application's `x509: certificate signed by unknown authority` with no call around it)
/// cannot be told from the same cause in a build log: it gets the moderate floor, naming
/// the trust store the daemon, the image or the tool lacks, and only one such may. (A
/// program's x509 on a call to a named server is the collectors' proxy_ca, "certificate
/// trust of any kind, also inside a container": `ca.untrusted-by-program`.)
#[test]
fn out_of_scope_real_errors_get_no_confident_match() {
    let (mut confident, mut moderate) = (Vec::new(), Vec::new());
    for e in jsonl("real-world.jsonl") {
        if !e["mode"].is_null() {
            continue;
        }
        if let Some((mode, _, c)) = top(e["error_text"].as_str().unwrap()) {
            let line = format!("{}: {mode} {c}", e["id"]);
            if c > 0.5 {
                confident.push(line)
            } else {
                moderate.push(line)
            }
        }
    }
    assert!(confident.is_empty(), "{}", confident.join("\n"));
    assert!(moderate.len() <= 1, "{}", moderate.join("\n"));
}

/// Every signature is a finding the probes declare, cites real examples (each replayed by
/// the tests above), and every real example is cited by the signature of its mode. Every
/// finding with an error text of its own has a signature.
#[test]
fn signatures_cite_real_examples_and_cover_the_declared_findings() {
    let declared = declared_ids();
    let doc = signatures_doc();
    let real = jsonl("real-world.jsonl");
    let known: Vec<String> = corpus()
        .iter()
        .map(|e| e["id"].as_str().unwrap().to_string())
        .collect();
    let mut modes = Vec::new();
    let mut ids = Vec::new();
    for f in doc["failure"].as_array().unwrap() {
        let id = f["id"].as_str().unwrap();
        let mode = f.get("mode").and_then(|m| m.as_str()).unwrap_or(id);
        assert!(
            declared.iter().any(|d| d == id),
            "{mode}: {id} is not declared"
        );
        assert!(!modes.contains(&mode), "{mode} twice");
        modes.push(mode);
        ids.push(id.to_string());
        let cited: Vec<&str> = f["corpus"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c.as_str().unwrap())
            .collect();
        assert!(!cited.is_empty(), "{mode} cites no real example");
        for c in &cited {
            if c.starts_with("R-") {
                let e = real
                    .iter()
                    .find(|e| e["id"] == *c)
                    .unwrap_or_else(|| panic!("{mode}: {c} is not in real-world.jsonl"));
                assert_eq!(e["mode"], mode, "{mode} cites {c}");
                assert!(e["source"][0].as_str().unwrap().starts_with("https://"));
            } else {
                assert!(known.iter().any(|k| k == c), "{mode}: {c} unknown");
            }
        }
    }
    for e in &real {
        if let Some(mode) = e["mode"].as_str() {
            let sig = doc["failure"]
                .as_array()
                .unwrap()
                .iter()
                .find(|f| f.get("mode").or(f.get("id")).and_then(|m| m.as_str()) == Some(mode))
                .unwrap_or_else(|| panic!("{}: no signature for {mode}", e["id"]));
            assert!(
                sig["corpus"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|c| c.as_str() == e["id"].as_str()),
                "{} is not cited by {mode}",
                e["id"]
            );
        }
    }
    // Every finding a probe can report owns its words: a signature (above), or here the
    // reason no error text names it apart from another finding's.
    let no_error_text: &[(&str, &str)] = &[
        (
            "auth.hub-limit",
            "Docker Hub's allowance as measured; a used-up limit prints toomanyrequests, registry.rate-limited's signature, which these confirm",
        ),
        (
            "auth.hub-limit-low",
            "Docker Hub's allowance as measured; a used-up limit prints toomanyrequests, registry.rate-limited's signature, which these confirm",
        ),
        (
            "auth.hub-limit-reached",
            "Docker Hub's allowance as measured; a used-up limit prints toomanyrequests, registry.rate-limited's signature, which these confirm",
        ),
        (
            "auth.not-checked",
            "what the doctor could not check (a cap, no daemon, no answer): its own note, no Docker error",
        ),
        (
            "auth.ok",
            "a state the probes measure and report as fine: no error has it",
        ),
        (
            "baseline.ca",
            "an organisation's own expectation (--expect): a deviation from it is no Docker error, and Docker prints nothing for it",
        ),
        (
            "baseline.insecure",
            "an organisation's own expectation (--expect): a deviation from it is no Docker error, and Docker prints nothing for it",
        ),
        (
            "baseline.met",
            "an organisation's own expectation (--expect): a deviation from it is no Docker error, and Docker prints nothing for it",
        ),
        (
            "baseline.mirror",
            "an organisation's own expectation (--expect): a deviation from it is no Docker error, and Docker prints nothing for it",
        ),
        (
            "baseline.no-proxy",
            "an organisation's own expectation (--expect): a deviation from it is no Docker error, and Docker prints nothing for it",
        ),
        (
            "baseline.plugin",
            "an organisation's own expectation (--expect): a deviation from it is no Docker error, and Docker prints nothing for it",
        ),
        (
            "baseline.port",
            "an organisation's own expectation (--expect): a deviation from it is no Docker error, and Docker prints nothing for it",
        ),
        (
            "baseline.proxy",
            "an organisation's own expectation (--expect): a deviation from it is no Docker error, and Docker prints nothing for it",
        ),
        (
            "baseline.unchecked",
            "an organisation's own expectation (--expect): a deviation from it is no Docker error, and Docker prints nothing for it",
        ),
        (
            "ca.chain-saved",
            "a trust store's state or a saved chain; the error it causes is ca.untrusted's or ca.clock-skew's wording",
        ),
        (
            "ca.invalid",
            "the real reports quote the client's \"could not read CA certificate\" (a DOCKER_CERT_PATH problem: endpoint.tls-material's), and dockerd skips a bad certs.d file silently: the probe finds that one, no pasted text names it",
        ),
        (
            "ca.not-yet-valid",
            "a trust store's state or a saved chain; the error it causes is ca.untrusted's or ca.clock-skew's wording",
        ),
        (
            "ca.private-trusted",
            "a state the probes measure and report as fine: no error has it",
        ),
        (
            "ca.public",
            "a state the probes measure and report as fine: no error has it",
        ),
        (
            "ca.store-incomplete",
            "a trust store's state or a saved chain; the error it causes is ca.untrusted's or ca.clock-skew's wording",
        ),
        (
            "cli.found",
            "a state the probes measure and report as fine: no error has it",
        ),
        (
            "cli.not-on-path",
            "\"docker: command not found\" is cli.missing's text; that docker is installed off PATH is a fact of the machine",
        ),
        (
            "cli.version-failed",
            "the CLI's own crash (a wrong architecture's \"exec format error\", a broken install) is not Docker's wording; the probe runs docker --version and quotes it",
        ),
        (
            "daemon.config-unreadable",
            "the CLI's error for these is daemon.not-running's or daemon.error's words; what differs (no dockerd installed, another API answering, an unreadable daemon.json) is a fact of the machine",
        ),
        (
            "daemon.info-failed",
            "the CLI's error for these is daemon.not-running's or daemon.error's words; what differs (no dockerd installed, another API answering, an unreadable daemon.json) is a fact of the machine",
        ),
        (
            "daemon.not-docker",
            "the CLI's error for these is daemon.not-running's or daemon.error's words; what differs (no dockerd installed, another API answering, an unreadable daemon.json) is a fact of the machine",
        ),
        (
            "daemon.not-installed",
            "the CLI's error for these is daemon.not-running's or daemon.error's words; what differs (no dockerd installed, another API answering, an unreadable daemon.json) is a fact of the machine",
        ),
        (
            "daemon.ok",
            "a state the probes measure and report as fine: no error has it",
        ),
        (
            "daemon.options-invalid",
            "sh's \"Syntax error: Unterminated quoted string\" from the init script's options file names no Docker word (searched: the systemd EnvironmentFile cousin, \"Ignoring invalid environment\", is another failure); the probe parses the file",
        ),
        (
            "daemon.ssh-remote-daemon-down",
            "the remote dial-stdio's \"failed to open the raw stream connection: dial unix ...: no such file or directory\": no public report quotes it over ssh (searched issues for the phrase with ssh contexts; every hit is permission denied or exit status 127); the probe classifies ssh's stderr on the live connection (facts::ssh)",
        ),
        (
            "daemon.unchecked",
            "what the doctor could not check (a cap, no daemon, no answer): its own note, no Docker error",
        ),
        (
            "daemon.warnings",
            "the CLI's error for these is daemon.not-running's or daemon.error's words; what differs (no dockerd installed, another API answering, an unreadable daemon.json) is a fact of the machine",
        ),
        (
            "endpoint.api-version-invalid",
            "a DOCKER_API_VERSION that is not MAJOR.MINOR (a CRLF .env's \"1.41\\r\"): searched issues and pages, every report quotes \"client version X is too new/old\", daemon.api-version-pinned's text; the probe reads the variable",
        ),
        (
            "endpoint.config-invalid",
            "a setting of the CLI (DOCKER_HOST, a context's meta.json, config.json) read by the probe from the file; the CLI's own words for it name the file, which the probe names too",
        ),
        (
            "endpoint.context-invalid",
            "a setting of the CLI (DOCKER_HOST, a context's meta.json, config.json) read by the probe from the file; the CLI's own words for it name the file, which the probe names too",
        ),
        (
            "endpoint.elsewhere",
            "the CLI's own error is \"Cannot connect ... unix:///var/run/docker.sock\" (daemon.not-running's words); that this user's rootless or Podman daemon answers elsewhere is a fact of the machine, which no pasted text says",
        ),
        (
            "endpoint.host-overrides-context",
            "a setting of the CLI (DOCKER_HOST, a context's meta.json, config.json) read by the probe from the file; the CLI's own words for it name the file, which the probe names too",
        ),
        (
            "endpoint.resolved",
            "a state the probes measure and report as fine: no error has it",
        ),
        (
            "ports.bad-spec",
            "who holds a port, or a Compose file's ports as read by the probe; the error a run prints is ports.in-use-process's or ports.in-use-container's",
        ),
        (
            "ports.compose-invalid",
            "who holds a port, or a Compose file's ports as read by the probe; the error a run prints is ports.in-use-process's or ports.in-use-container's",
        ),
        (
            "ports.duplicate",
            "who holds a port, or a Compose file's ports as read by the probe; the error a run prints is ports.in-use-process's or ports.in-use-container's",
        ),
        (
            "ports.free",
            "a state the probes measure and report as fine: no error has it",
        ),
        (
            "ports.in-use-uid",
            "who holds a port, or a Compose file's ports as read by the probe; the error a run prints is ports.in-use-process's or ports.in-use-container's",
        ),
        (
            "ports.not-checked",
            "what the doctor could not check (a cap, no daemon, no answer): its own note, no Docker error",
        ),
        (
            "ports.published",
            "a state the probes measure and report as fine: no error has it",
        ),
        (
            "ports.stale-allocation",
            "who holds a port, or a Compose file's ports as read by the probe; the error a run prints is ports.in-use-process's or ports.in-use-container's",
        ),
        (
            "proxy.client",
            "a proxy setting read from the shell, the unit or config.json; a failing pull prints the registry's or the proxy's error (proxy.unreachable, registry.*), not the setting's",
        ),
        (
            "proxy.dropin-invalid",
            "a proxy setting read from the shell, the unit or config.json; a failing pull prints the registry's or the proxy's error (proxy.unreachable, registry.*), not the setting's",
        ),
        (
            "proxy.no-proxy-loopback",
            "a proxy setting read from the shell, the unit or config.json; a failing pull prints the registry's or the proxy's error (proxy.unreachable, registry.*), not the setting's",
        ),
        (
            "proxy.ok",
            "a state the probes measure and report as fine: no error has it",
        ),
        (
            "registry.dns-disagree",
            "a difference between resolvers or a daemon.json list: found by comparing answers, printed by no error",
        ),
        (
            "registry.insecure",
            "a difference between resolvers or a daemon.json list: found by comparing answers, printed by no error",
        ),
        (
            "registry.not-checked",
            "what the doctor could not check (a cap, no daemon, no answer): its own note, no Docker error",
        ),
        (
            "registry.ok",
            "a state the probes measure and report as fine: no error has it",
        ),
        (
            "smoke.create-failed",
            "the doctor's own test container: it quotes the daemon's answer, which is another finding's text",
        ),
        (
            "smoke.exit-nonzero",
            "the doctor's own test container: it quotes the daemon's answer, which is another finding's text",
        ),
        (
            "smoke.failed",
            "the doctor's own test container: it quotes the daemon's answer, which is another finding's text",
        ),
        (
            "smoke.no-daemon",
            "what the doctor could not check (a cap, no daemon, no answer): its own note, no Docker error",
        ),
        (
            "smoke.not-removed",
            "the doctor's own test container: it quotes the daemon's answer, which is another finding's text",
        ),
        (
            "smoke.ok",
            "a state the probes measure and report as fine: no error has it",
        ),
        (
            "smoke.start-failed",
            "the doctor's own test container: it quotes the daemon's answer, which is another finding's text",
        ),
        (
            "smoke.timed-out",
            "the doctor's own test container: it quotes the daemon's answer, which is another finding's text",
        ),
        (
            "socket.absent",
            "the socket's state on disk, read by the probe; the CLI's words are daemon.not-running's (absent) or socket.not-in-group's (denied)",
        ),
        (
            "socket.dir-denied",
            "the socket's state on disk, read by the probe; the CLI's words are daemon.not-running's (absent) or socket.not-in-group's (denied)",
        ),
        (
            "socket.group-not-active",
            "the same \"permission denied ... docker.sock\" as socket.not-in-group: which group is missing or not active is a fact of the session the probe reads",
        ),
        (
            "socket.no-group-access",
            "the same \"permission denied ... docker.sock\" as socket.not-in-group: which group is missing or not active is a fact of the session the probe reads",
        ),
        (
            "socket.not-a-socket",
            "the socket's state on disk, read by the probe; the CLI's words are daemon.not-running's (absent) or socket.not-in-group's (denied)",
        ),
        (
            "socket.ok",
            "a state the probes measure and report as fine: no error has it",
        ),
        (
            "socket.symlink",
            "the socket's state on disk, read by the probe; the CLI's words are daemon.not-running's (absent) or socket.not-in-group's (denied)",
        ),
        (
            "socket.world-writable",
            "the socket's state on disk, read by the probe; the CLI's words are daemon.not-running's (absent) or socket.not-in-group's (denied)",
        ),
        (
            "socket.wrong-group",
            "the same \"permission denied ... docker.sock\" as socket.not-in-group: which group is missing or not active is a fact of the session the probe reads",
        ),
        (
            "storage.low-inodes",
            "inodes run out with the same \"no space left on device\" as storage.low-space; reclaimable space is a measure",
        ),
        (
            "storage.ok",
            "a state the probes measure and report as fine: no error has it",
        ),
        (
            "storage.reclaimable",
            "inodes run out with the same \"no space left on device\" as storage.low-space; reclaimable space is a measure",
        ),
        (
            "storage.unknown",
            "what the doctor could not check (a cap, no daemon, no answer): its own note, no Docker error",
        ),
        (
            "wsl.desktop-and-native",
            "a WSL configuration the probe reads (two engines, .wslconfig, a distro's version); no error names it apart from wsl.version-1's or the engine's",
        ),
        (
            "wsl.distro-version-1",
            "a WSL configuration the probe reads (two engines, .wslconfig, a distro's version); no error names it apart from wsl.version-1's or the engine's",
        ),
        (
            "wsl.ok",
            "a state the probes measure and report as fine: no error has it",
        ),
        (
            "wsl.wslconfig",
            "a WSL configuration the probe reads (two engines, .wslconfig, a distro's version); no error names it apart from wsl.version-1's or the engine's",
        ),
    ];
    for (id, why) in no_error_text {
        assert!(
            declared.iter().any(|d| d == id),
            "{id} is listed without a signature but is not declared"
        );
        assert!(
            !ids.iter().any(|i| i == id),
            "{id} has a signature now: take it off the list"
        );
        assert!(why.len() > 30, "{id}: say why no error text names it");
    }
    // Each of these was listed and now has its signature: it must stay covered.
    for id in [
        "daemon.config-unknown-key",
        "daemon.no-answer",
        "registry.unexpected-answer",
        "storage.cgroup-controllers-missing",
        "endpoint.tls-material",
        "daemon.tls-required",
        "daemon.tls-not-spoken",
        "daemon.tls-untrusted",
        "daemon.tls-wrong-name",
        "daemon.tls-server-expired",
        "daemon.tls-client-rejected",
        "daemon.tls-failed",
        "daemon.remote-refused",
        "daemon.remote-unresolved",
        "cli.plugin-missing",
        "socket.podman-not-yours",
        "daemon.start-failed",
        "daemon.ssh-unreachable",
        "daemon.ssh-key-refused",
        "daemon.ssh-host-key",
        "daemon.ssh-remote-docker-missing",
        "daemon.ssh-remote-permission-denied",
        "daemon.ssh-failed",
        "auth.helper-failed",
        "proxy.client-missing",
        "endpoint.invalid-host",
    ] {
        assert!(ids.iter().any(|i| i == id), "{id} lost its signature");
    }
    let uncovered: Vec<&String> = declared
        .iter()
        .filter(|d| !ids.contains(d) && !no_error_text.iter().any(|(id, _)| id == d))
        .collect();
    assert!(
        uncovered.is_empty(),
        "findings with neither a signature nor a reason no error text names them: {uncovered:?}"
    );
}

/// Values read from the text end up in the explanation and the fix.
#[test]
fn values_from_the_text_fill_explanation_and_fix() {
    let r = explain(
        "Error response from daemon: Get \"https://registry-1.docker.io/v2/\": proxyconnect tcp: dial tcp 10.20.30.40:3128: connect: connection refused",
        &["--no-probe"],
    );
    let m = &r["matches"][0];
    assert_eq!(m["mode"], "proxy.unreachable", "{r}");
    assert_eq!(m["values"]["proxy"], "10.20.30.40:3128");
    assert!(
        m["explanation"]
            .as_str()
            .unwrap()
            .contains("10.20.30.40:3128")
    );
    assert!(m["fix"].to_string().contains("10.20.30.40:3128"));
    let r = explain(
        "Error response from daemon: Get https://registry-1.docker.io/v2/: x509: certificate is valid for *.corp.example, not registry-1.docker.io",
        &["--no-probe"],
    );
    let m = &r["matches"][0];
    assert_eq!(m["mode"], "ca.wrong-host", "{r}");
    assert!(
        m["explanation"]
            .as_str()
            .unwrap()
            .contains("*.corp.example")
    );
    assert!(m["fix"].to_string().contains("registry-1.docker.io"));
    assert!(!m["fix"].to_string().contains("{host}"));
}

/// A pattern matches within a line or a window of three; registry context ten lines away
/// from an x509 error does not make it Docker's: it stays the program's own call (its
/// trust store, at the floor), not the daemon's.
#[test]
fn patterns_do_not_span_a_whole_paste() {
    let mut text =
        String::from("Pulling from library/alpine: Get https://registry-1.docker.io/v2/ ok\n");
    for i in 0..10 {
        text.push_str(&format!("app log line {i}\n"));
    }
    text.push_str(
        "Post \"https://api.example.com/hook\": x509: certificate signed by unknown authority\n",
    );
    let (mode, _, c) = top(&text).unwrap();
    assert_eq!(mode, "ca.untrusted-by-program");
    assert!(c <= 0.5, "{c}");
    // The same two lines next to each other are one failure.
    let near = "Pulling from library/alpine: Get https://registry-1.docker.io/v2/\nx509: certificate signed by unknown authority";
    assert_eq!(top(near).unwrap().0, "ca.untrusted");
}

/// Windows text in other languages: the pipe name and the HRESULT carry the meaning.
#[test]
fn localized_windows_errors_match_on_what_does_not_translate() {
    let cases = [
        (
            "error during connect: Get \"http://%2F%2F.%2Fpipe%2FdockerDesktopLinuxEngine/v1.47/version\": open //./pipe/dockerDesktopLinuxEngine: Le fichier spécifié est introuvable.",
            "daemon.desktop-not-running",
        ),
        (
            "error during connect: Get \"http://%2F%2F.%2Fpipe%2Fdocker_engine/v1.46/version\": open //./pipe/docker_engine: 拒绝访问。",
            "daemon.pipe-access-denied",
        ),
        (
            "WslRegisterDistribution failed with error: 0x80370102\nError: 0x80370102 Der virtuelle Computer konnte nicht gestartet werden, da ein erforderliches Feature nicht installiert ist.",
            "wsl.vm-platform-missing",
        ),
        (
            "WSL 2 のカーネル コンポーネントを更新する必要があります。詳細については https://aka.ms/wsl2kernel を参照してください",
            "wsl.kernel-update-required",
        ),
    ];
    for (text, want) in cases {
        assert_eq!(top(text).map(|t| t.0).as_deref(), Some(want), "{text}");
    }
}

/// Generic wording gets a modest confidence and the other plausible causes come along.
#[test]
fn generic_wording_ranks_several_causes() {
    let modes = all_modes(
        "ERROR: Couldn't connect to Docker daemon at http+docker://localhost - is it running?",
    );
    // Compose v1's words for a denied socket and a refused one: the group first, barely.
    assert_eq!(modes[..2], ["socket.not-in-group", "daemon.not-running"]);
    let (_, _, c) =
        top("ERROR: Couldn't connect to Docker daemon at http+docker://localhost - is it running?")
            .unwrap();
    assert!(c < 0.6, "{c}");
    // Run with sudo, no group is missing.
    let modes = all_modes(
        "$ sudo docker-compose up -d\nERROR: Couldn't connect to Docker daemon at http+docker://localhost - is it running?",
    );
    assert_eq!(modes[0], "daemon.not-running");
    assert!(
        !modes.contains(&"socket.not-in-group".to_string()),
        "{modes:?}"
    );
    let (_, _, c) = top("Is the docker daemon running?").unwrap();
    assert!(c < 0.7, "{c}");
}

/// The held-out check: real errors collected with the others but kept out of the signature
/// work (tests/corpus/held-out.jsonl). Prints the figures; fails below the targets.
#[test]
fn held_out_real_errors_are_explained() {
    let (mut total, mut area, mut exact, mut oos, mut oos_confident) = (0, 0, 0, 0, 0);
    for e in jsonl("held-out.jsonl") {
        let got = top(e["error_text"].as_str().unwrap());
        match e["mode"].as_str() {
            None => {
                oos += 1;
                if got.is_some() {
                    oos_confident += 1;
                    eprintln!("out of scope matched: {} {got:?}", e["id"]);
                }
            }
            Some(want) => {
                total += 1;
                if let Some((mode, a, _)) = &got {
                    area += usize::from(a == e["area"].as_str().unwrap());
                    exact += usize::from(mode == want);
                }
                if got.as_ref().map(|g| g.0.as_str()) != Some(want) {
                    eprintln!("held-out miss: {} want {want}, got {got:?}", e["id"]);
                }
            }
        }
    }
    eprintln!(
        "held-out: area {area}/{total}, failure mode {exact}/{total}, out of scope confident {oos_confident}/{oos}"
    );
    assert!(area * 10 >= total * 9, "area {area}/{total}");
    assert!(exact * 4 >= total * 3, "failure mode {exact}/{total}");
    assert_eq!(oos_confident, 0);
}

/// Area accuracy of `explain` on a split of real errors (top match's area; out of scope:
/// no match at all), printed, as (right, total, out-of-scope matched, out of scope).
fn area_accuracy(name: &str) -> (usize, usize, usize, usize) {
    let (mut right, mut total, mut oos_matched, mut oos) = (0, 0, 0, 0);
    for e in jsonl(name) {
        let got = top(e["error_text"].as_str().unwrap());
        if e["area"] == "out_of_scope" {
            oos += 1;
            oos_matched += usize::from(got.is_some());
        } else {
            total += 1;
            right += usize::from(got.is_some_and(|g| g.1 == e["area"].as_str().unwrap()));
        }
    }
    eprintln!("{name}: area {right}/{total}, out of scope matched {oos_matched}/{oos}");
    (right, total, oos_matched, oos)
}

/// The splits gathered for the structural layer (tests/corpus/README.md): the
/// development split it was built from, and the held-out splits, each measured clean once
/// before it was read (README.md's table lists each measure), all read since. They are
/// regression guards now, held near their present level, not the measure of unseen
/// errors: that is a split gathered after the change and never tuned on.
#[test]
fn collected_splits_hold_their_accuracy() {
    if under_wine(
        "runs the binary once per collected error (about 900); Wine's process creation fails partway (error 1359), and the matching is the same code on every system",
    ) {
        return;
    }
    // (file, what it is, lowest right-area percentage, most out-of-scope errors matched)
    // Since a name or tag that does not exist is said apart (`not_environment`), the older
    // splits that labelled it registry_dns_tls count it wrong, and the out-of-scope ones
    // that labelled it so are no longer answered: their guards moved both ways.
    let guards = [
        // cg: two collectors apart, each held to 35 look-ups as the session's search
        // budget ran out (code-quality CLIs that run analysers in Docker; service-mesh,
        // proxy and tracing stacks on Compose), launched after cf's reading (36, 15 of them
        // out of scope): measured once, 86% (18 of 21), none of 15 out of scope answered, on
        // the program of their launch. Then read: 95% (20 of 21), 0.
        (
            "held-out-2026-12-cg.jsonl",
            "eighty-fifth held-out split",
            95,
            0,
        ),
        // cf: eight collectors apart, each held to 55 look-ups (test helpers that start
        // containers; AWS's Finch, Lambda images and CLIs; Kubernetes dev-loop tools and
        // Helm's OCI registries; workflow engines; Wasm and sandboxed runtimes; API and
        // load-testing tools; PaaS CLIs; operator development), launched after ce's reading
        // (190, 50 of them out of scope): measured once, 73% (102 of 140), 4 of 50 out of
        // scope answered, on the program of their launch. Then read: 81% (114 of 140), 4.
        (
            "held-out-2026-12-cf.jsonl",
            "eighty-fourth held-out split",
            81,
            4,
        ),
        // ce: eight collectors apart, each held to 90 look-ups (Ansible's container tooling;
        // OpenStack and telecom stacks on Docker; linters and bots run through Docker;
        // terminal and web dashboards; ready-made Compose distributions of business
        // software; hardware-design and course toolchains; maps and geospatial servers;
        // less common languages' build tools), launched after cd's reading (201, 52 of them
        // out of scope): measured once, 72% (108 of 149), 4 of 52 out of scope answered,
        // on the program of their launch. Then read: 79% (117 of 149), 4.
        (
            "held-out-2026-12-ce.jsonl",
            "eighty-third held-out split",
            78,
            4,
        ),
        // cd: two collectors apart, each held to 70 look-ups (Molecule, Test Kitchen,
        // InSpec and dgoss; Kubernetes nodes on Docker), launched after cc's reading (48,
        // 12 of them out of scope): measured once, 61% (22 of 36), 1 of 12 out of scope
        // answered, on the program of their launch. Then read: 72% (26 of 36), 1.
        (
            "held-out-2026-12-cd.jsonl",
            "eighty-second held-out split",
            72,
            1,
        ),
        // cc: five collectors apart, each held to 75 look-ups (function frameworks that
        // build through Docker; Portainer's trackers; get.docker.com and the rootless
        // setup; Python packaging in containers; Coder, Gitpod, Che and DevPod), launched
        // after cb's reading (127, 33 of them out of scope): measured once, 77% (72 of 94),
        // 5 of 33 out of scope answered, on the program of their launch. Then read: 82%
        // (77 of 94), 5.
        (
            "held-out-2026-12-cc.jsonl",
            "eighty-first held-out split",
            81,
            5,
        ),
        // cb: eight collectors apart, each held to 90 look-ups (microsoft/WSL's tracker;
        // containers/podman 2020-24; docker/for-win 2023-24; moby 2013-15; image scanners
        // (Trivy, Grype, Dive, Snyk); Nomad, Packer, Vagrant, the ECS agent and Mesos;
        // nektos/act 2019-24; Airflow, Prefect, Dagster and Airbyte), launched after ca
        // (208, 38 of them out of scope): measured once, 66% (112 of 170), 5 of 38 out of
        // scope answered, on the program of their launch. Then read: 75% (127 of 170), 5.
        (
            "held-out-2026-12-cb.jsonl",
            "eightieth held-out split",
            74,
            5,
        ),
        // ca: six collectors apart, each held to 35 look-ups until the session's search
        // budget ran out (Toolbox, docker-machine and early Docker for Windows; the docs
        // repository and for-linux 2017-20; moby 2021-23; docker/cli 2017-22; buildkit and
        // buildx 2019-23; the registry, Hub feedback and Harbor), launched after bz's
        // reading (75, 11 of them out of scope): measured once, 80% (51 of 64), 3 of 11
        // out of scope answered, on the program of their launch. Read: each miss is a
        // single case or a label dispute (proxy or network for the same timeout), so no
        // rule changed.
        (
            "held-out-2026-12-ca.jsonl",
            "seventy-ninth held-out split",
            79,
            3,
        ),
        // bz: eight collectors apart, each held to 55 look-ups, on older trackers
        // (docker/for-win 2018-22, docker/for-mac 2017-22, moby 2015-20, Compose 2016-22,
        // for-linux and the packaging repositories, docker-library's images, minikube/kind/
        // k3d, CI runners), launched after by's reading (190, 34 of them out of scope):
        // measured once, 75% (117 of 156), 1 of 34 out of scope answered, on the program of
        // their launch. Then read: 81% (126 of 156), 1 of 34.
        (
            "held-out-2026-12-bz.jsonl",
            "seventy-eighth held-out split",
            80,
            1,
        ),
        // by: eight collectors apart, each held to 55 look-ups (moby issues of 2024-26;
        // Desktop on Windows, macOS and Linux hosts' trackers; Compose, buildx and the
        // credential helpers; Podman's trackers; AI apps and agents; tools that need a
        // daemon; self-hosted servers on VPSes; all 2023-2026), launched on the previous
        // session's last program (122, 29 of them out of scope): measured once, 70% (65 of
        // 93), 5 of 29 out of scope answered, on the program of their launch. Then read:
        // 76% (71 of 93), 5 of 29.
        (
            "held-out-2026-12-by.jsonl",
            "seventy-seventh held-out split",
            76,
            5,
        ),
        // bx: two collectors apart as the session's search budget ran out (local
        // development tools wrapping Docker; issues of 2025-26 in self-hosted projects; a
        // third for Stack Overflow found nothing), launched after bw's reading (29, 8 of them
        // out of scope): measured once, 81% (17 of 21), 1 of 8 out of scope answered, on
        // the program of their launch. Then read: 86% (18 of 21), 1 of 8. Small: a guard.
        (
            "held-out-2026-12-bx.jsonl",
            "seventy-sixth held-out split",
            85,
            1,
        ),
        // bw: five collectors apart, each held to 40 look-ups (named proxy software; small
        // VPS and container-based hosts; Docker Desktop for Linux; dockerd failing to start
        // in systemctl's and journalctl's words; BuildKit and buildx builders), launched
        // after bv's reading (117, 24 of them out of scope): measured once, 70% (65 of 93),
        // 4 of 24 out of scope answered, on the program of their launch. Then read: 80%
        // (74 of 93), 4 of 24.
        (
            "held-out-2026-12-bw.jsonl",
            "seventy-fifth held-out split",
            79,
            4,
        ),
        // bv: eight collectors apart, each held to 55 look-ups (Swarm clusters; logging
        // drivers; NFS, CIFS and plugin volumes; Desktop in companies; Docker run from cron,
        // systemd and sudo; Compose v1 and docker-py in 2022-2026; Docker Hub's policies;
        // issues of 2026), launched after bu's first reading (212, 49 of them out of scope):
        // measured once, 51% (83 of 163), 5 of 49 out of scope answered, on the program of
        // their launch. Then read: 69% (113 of 163), 5 of 49.
        (
            "held-out-2026-12-bv.jsonl",
            "seventy-fourth held-out split",
            69,
            5,
        ),
        // bu: eight collectors apart, each allowed 100 look-ups (Testcontainers; Docker-in-
        // Docker and mounted sockets; remote daemons, docker-machine and Toolbox; macOS;
        // home automation; PaaS and hosting panels; first installs on current Linux;
        // security hardening), launched on the previous session's last program (226, 45
        // of them out of scope): measured once, 70% (127 of 181), 3 of 45 out of scope
        // answered, on the program of their launch. Then read: 71.8% (130 of 181), 3 of 45.
        (
            "held-out-2026-12-bu.jsonl",
            "seventy-third held-out split",
            71,
            3,
        ),
        // bt: three collectors apart, each held to 35 look-ups as the session's search
        // budget ran out (machine-learning and data-science images; Docker Desktop's WSL 2
        // disks and distros; registry mirrors, pull-through caches and Docker Hub's rate
        // limits), launched after bs's reading (74, 16 of them out of scope): measured
        // once, 79% (46 of 58), 2 of 16 out of scope answered, on the program of their
        // launch. Then read: 81% (47 of 58), 2 of 16. Small: a guard.
        (
            "held-out-2026-12-bt.jsonl",
            "seventy-second held-out split",
            81,
            2,
        ),
        // bs: six collectors apart, each held to 50 look-ups (containers that cannot reach
        // the Internet or each other; Dockerfile builds failing on the network or trust
        // store while installing packages; monitoring agents reading the Docker socket;
        // NAS and appliance Docker; PHP and WordPress development environments; Docker
        // under init systems), launched after the session's structural rules (170, 40 of
        // them out of scope): measured once, 65% (84 of 130), 7 of 40 out of scope
        // answered, on the program of their launch. Then read: 73% (95 of 130), 7 of 40.
        (
            "held-out-2026-12-bs.jsonl",
            "seventy-first held-out split",
            73,
            7,
        ),
        // br: eight collectors apart, each held to 55 look-ups, on GitHub trackers (the
        // docker/cli and docker/compose repositories, which gave eight each: the search
        // cannot filter by repository; containerd, nerdctl, BuildKit and buildx; Rancher
        // Desktop, OrbStack, Colima and Lima; Docker SDKs and their users; VS Code's
        // Docker and remote extensions; registry tools beside Docker; self-hosted apps),
        // launched after bq's first reading (181, 38 of them out of scope): measured once,
        // 75% (107 of 143), 6 of 38 out of scope answered, on the program of their launch.
        // Then read: 81% (116 of 143), 6 of 38.
        (
            "held-out-2026-12-br.jsonl",
            "seventieth held-out split",
            81,
            6,
        ),
        // bq: eight collectors apart, each held to 55 look-ups, two of whom found nothing
        // (the Docker forums and Stack Exchange sites are not in the search store; host
        // firewalls and kernel networking; docker login and credential helpers; clocks,
        // certificate expiry and trust stores; Engine and Desktop releases of 2025 and
        // 2026; Windows shells driving Docker; research and teaching servers), launched
        // after bp's reading (169, 38 of them out of scope): measured once, 73% (96 of
        // 131), 7 of 38 out of scope answered, on the program of their launch. Then read:
        // 77% (101 of 131), 7 of 38.
        (
            "held-out-2026-12-bq.jsonl",
            "sixty-ninth held-out split",
            77,
            7,
        ),
        // bp: five collectors apart, each held to 40 look-ups as the session's search
        // budget ran low (threads in Chinese; Docker on cloud VMs; game servers;
        // self-hosting platforms and app stores; threads in Dutch, Swedish, Czech and other
        // languages, which gave five), launched after bo's reading (85, 25 of them out of
        // scope): measured once, 77% (46 of 60), 5 of 25 out of scope answered, on the
        // program of their launch. Then read: 80% (48 of 60), 4 of 25. Small: a guard.
        (
            "held-out-2026-12-bp.jsonl",
            "sixty-eighth held-out split",
            80,
            4,
        ),
        // bo: eight collectors apart, each held to 55 look-ups (IDEs driving Docker;
        // security and pentest labs; homelab utilities; JavaScript front-end builds; Python
        // and Ruby web apps; data platforms; installing Docker with package managers and on
        // less common hosts; compiled-language toolchains), launched after bn's reading
        // (201, 49 of them out of scope): measured once, 71% (108 of 152), 2 of 49 out of
        // scope answered, on the program of their launch. Then read: 79% (120 of 152).
        (
            "held-out-2026-12-bo.jsonl",
            "sixty-seventh held-out split",
            78,
            2,
        ),
        // bn: eight collectors apart, each held to 55 look-ups (corporate TLS inspection
        // and endpoint security by name; immutable and gaming desktops; blockchain nodes;
        // local AI tools; CI services other than GitHub's; build tools that drive Docker;
        // home network appliances; Windows containers and Windows Server), launched at the
        // start of a session on the last session's program (206, 49 of them out of
        // scope): measured once, 69% (109 of 157), 6 of 49 out of scope answered, on the
        // program of their launch. Then read: 78% (122 of 157), 6 of 49.
        (
            "held-out-2026-12-bn.jsonl",
            "sixty-sixth held-out split",
            77,
            6,
        ),
        // bm: three collectors apart, cut short when the session's search budget ran out
        // (Docker Desktop after an upgrade, 2024 to 2026; scientific workflow engines;
        // Jenkins, Bamboo and TeamCity pipelines), launched after bl's reading (17, 5 of
        // them out of scope): measured once, 75% (9 of 12), none of 5 out of scope
        // answered, on the program of their launch. Then read: 92% (11 of 12). A guard only.
        (
            "held-out-2026-12-bm.jsonl",
            "sixty-fifth held-out split",
            91,
            0,
        ),
        // bl: five collectors apart, each held to 35 look-ups as the session's search
        // budget ran low (infrastructure as code driving Docker; Podman Desktop and podman
        // machine; kind, k3d and minikube; GitHub's Docker actions; Raspberry Pi and ARM
        // boards), launched after bk's reading (84, 20 of them out of scope): measured once,
        // 84% (54 of 64), 1 of 20 out of scope answered, on the program of their launch.
        // Then read: 92% (59 of 64), 1 of 20. Small: a guard, not a measure.
        (
            "held-out-2026-12-bl.jsonl",
            "sixty-fourth held-out split",
            92,
            1,
        ),
        // bk: eight collectors apart, each held to 55 look-ups (threads in Turkish,
        // Indonesian, Vietnamese, Polish or Ukrainian; databases; message brokers; cloud
        // CLIs and local emulators; self-hosted chat and mail; game and desktop app builds;
        // Apple silicon; monitoring stacks), launched after bj's reading (171, 45 of them
        // out of scope): measured once after all eight delivered, 76% (96 of 126), 3 of 45
        // out of scope answered, on the program of their launch. Then read: 83% (104 of
        // 126), 3 of 45.
        (
            "held-out-2026-12-bk.jsonl",
            "sixty-third held-out split",
            82,
            3,
        ),
        // bj: eight collectors apart, each held to 55 look-ups (beginners on courses;
        // threads in Japanese or Korean, and in Spanish, French, German, Italian or
        // Russian; Docker in Proxmox LXC, TrueNAS SCALE, Unraid and nested hypervisors;
        // media servers; ERP and e-commerce; browser automation; dev containers), launched
        // at a session's start on bi's program (162, 48 of them out of scope): measured once
        // after all eight delivered, 76% (87 of 114), 5 of 48 out of scope answered, on the
        // program of their launch. Then read: 82% (93 of 114), 3 of 48. Since a public
        // name not resolved is the resolver's at the floor (0.5), a CDN's name that was
        // down for an hour (BJ8-012, labelled an outage) is answered too: 4 of 48.
        (
            "held-out-2026-12-bj.jsonl",
            "sixty-second held-out split",
            81,
            4,
        ),
        // bi: three collectors apart, each held to 25 look-ups, the session's search
        // budget nearly spent (low-code and automation platforms; self-hosted developer
        // platforms, Sentry's installer first; GitHub issues written in Chinese), launched
        // after bh's reading (38, 11 of them out of scope): measured once, 85% (23 of 27),
        // 1 of 11 out of scope answered, on the program of their launch. Not read: its
        // four misses are label calls the text cannot settle. Small: a guard, not a measure.
        (
            "held-out-2026-12-bi.jsonl",
            "sixty-first held-out split",
            85,
            1,
        ),
        // bh: eight collectors apart, each held to 55 look-ups (backend-as-a-service
        // platforms; identity and password servers; self-hosted Git forges and their
        // runners; people running their own registry or mirror; containers built by .NET,
        // Jib and buildpacks; headless CMS and e-commerce stacks; search and vector
        // databases; rolling-release Linux desktops), launched after bg's reading (190, 48
        // of them out of scope): measured once after all eight delivered, 70% (100 of
        // 142), 5 of 48 out of scope answered, on the program of their launch. Then read:
        // 80% (114 of 142), 5 of 48.
        (
            "held-out-2026-12-bh.jsonl",
            "sixtieth held-out split",
            80,
            5,
        ),
        // bg: eight collectors apart (VPN clients and MTU; documentation toolchains in
        // Docker; long-lived enterprise Linux servers; embedded and mobile build
        // containers; package managers installing Docker on Windows and macOS; JetBrains
        // and Eclipse IDEs; data and messaging stacks on Compose; Q&A in Portuguese and
        // Persian, the other languages giving nothing), launched at a session's start on
        // bf's reading (196, 46 of them out of scope): measured once after all eight
        // delivered, 66% (99 of 150), 1 of 46 out of scope answered, on the program of
        // their launch. Then read: 76% (114 of 150), 1 of 46.
        (
            "held-out-2026-12-bg.jsonl",
            "fifty-ninth held-out split",
            76,
            1,
        ),
        // Since am, an address in use outside Docker's words is answered at the floor
        // (0.5, the host's process first, a container second), no longer only named: the
        // collectors label a program's own listen that fails so port_conflicts about as
        // often as out of scope (14 and 16 over the read splits, 4 and 1 in am). The splits
        // that labelled it out of scope count one or two more (ad, ag, e, h, s, t, u, v).
        // A program's x509 on a call to a named server is read as its trust store's
        // (`ca.untrusted-by-program`, 0.5), as the collectors' brief defines proxy_ca; the
        // older splits that labelled it out of scope (dev, the first, b, c, t: 8 texts)
        // count those moderate answers against them. A Kubernetes event carrying Docker
        // Hub's `toomanyrequests` keeps its area at the floor (0.5): dev labelled one out
        // of scope (D-085), which counts one more against it.
        // Since ba's reading, a self-signed root in the chain inside a program's traceback is
        // a proxy's at the floor (29 of 31 such texts are labelled proxy_ca): D-132, a
        // program's own call, is answered so (0.5).
        // A program refused a port below 1024 in its container (a non-root image) is
        // answered at the floor (`ports.privileged-in-container`, 0.5): the splits label it
        // port_conflicts 14 times and out of scope 4 (one each in ae, bb, m and the first,
        // which count it against them).
        ("dev-2026-12.jsonl", "dev split", 87, 3),
        // bf: eight collectors apart, six cut short when the search budget ran out
        // (container-optimized OSes; Ubuntu and Debian upgrades; cloud providers'
        // registries; BuildKit's frontends and drivers; FIPS and crypto policies; the
        // containerd image store; Desktop's Kubernetes; cloud shells), launched after be's
        // reading (166, 34 of them out of scope): measured once after all eight delivered,
        // 58% (76 of 132), 6 of 34 out of scope answered, on the program of their launch.
        // Then read: 68% (90 of 132), 6 of 34.
        (
            "held-out-2026-12-bf.jsonl",
            "fifty-eighth held-out split",
            68,
            6,
        ),
        // be: eight collectors apart (Red Hat's registries and OpenShift Local; air-gapped
        // installs; certificates failing because of time; s390x, ppc64le, RISC-V, ARMv6;
        // Windows shells around the CLI; serverless platforms and buildpacks; phones and
        // routers; minimal and hardened images), launched after bd's reading (233, 60 of
        // them out of scope): measured once after all eight delivered, 69% (119 of 173),
        // 10 of 60 out of scope answered, on the program of their launch. Then read: 76%
        // (131 of 173), 10 of 60.
        (
            "held-out-2026-12-be.jsonl",
            "fifty-seventh held-out split",
            75,
            10,
        ),
        // bd: eight collectors apart (storage drivers and disks; containers using the
        // Docker socket; Compose itself; DNS; the forums, through docker/for-linux and
        // docker/docs, cut short; credential stores and config.json; minimal Linux systems
        // and custom kernels; Stack Exchange, through docker/for-* issues, cut short),
        // launched at a session's start after bc's reading (188, 37 of them out of scope):
        // measured once after all eight delivered, 74% (111 of 151), 5 of 37 out of scope
        // answered, on the program of their launch. Then read: 81% (123 of 151), 5 of 37.
        (
            "held-out-2026-12-bd.jsonl",
            "fifty-sixth held-out split",
            81,
            5,
        ),
        // bc: eight collectors apart (Kubernetes nodes on Docker; Desktop managed by
        // companies; AI agents' sandboxes; self-hosted PaaS; VPN and tunnel containers;
        // BuildKit caches and exporters; database images with platform requirements;
        // GitLab CI's dind), launched after bb's reading, five cut short when the search
        // budget ran out (193, 54 of them out of scope): measured once after all eight
        // delivered, 64% (89 of 139), 7 of 54 out of scope answered, on the program of
        // their launch. Then read: 75% (104 of 139), 7 of 54.
        (
            "held-out-2026-12-bc.jsonl",
            "fifty-fifth held-out split",
            74,
            7,
        ),
        // bb: eight collectors apart (Docker Desktop for Linux; macOS without Desktop; NAS
        // appliances; contexts and remote engines; logging and volume drivers and plugins;
        // Docker's own trackers in 2025-2026; RHEL and domain users; .NET Aspire, Dapr and
        // Skaffold), launched at a session's start after ba's reading (202, 43 of them out
        // of scope): measured once after all eight delivered, 51% (81 of 159), 0 of 43 out
        // of scope answered, on the program of their launch. Then read: 75% (119 of 159), 1
        // of 43 (an NFS export refusing the host, 0.5).
        (
            "held-out-2026-12-bb.jsonl",
            "fifty-fourth held-out split",
            74,
            2,
        ),
        // ba: eight collectors apart (Docker Desktop on macOS; Docker Desktop on Windows;
        // JavaScript tooling; data orchestration CLIs; security scanners; self-hosting app
        // stores; infrastructure as code; beginners' tutorials and courses), launched after
        // az's reading, two cut short at 14 and 15 (196, 53 of them out of scope):
        // measured once after all eight delivered, 70% (100 of 143), 4 of 53 out of scope
        // answered (0.55, 0.6, 0.65, 0.7), on the program of their launch. Then read: 87%
        // (124 of 143), 4 of 53.
        (
            "held-out-2026-12-ba.jsonl",
            "fifty-third held-out split",
            86,
            4,
        ),
        // az: eight collectors apart (cloud VMs and managed hosts; snaps, LXC and Proxmox;
        // Jenkins, TeamCity and Buildkite agents; Docker Hub and public registries; media
        // servers; GPU containers; single-board computers; Docker's own upgrades), launched
        // at a session's start after ay's reading (217, 46 of them out of scope): measured
        // once after all eight delivered, 78% (133 of 171), 2 of 46 out of scope answered
        // (0.6, 0.8), on the program of their launch. Then read: 87% (148 of 171), 3 of 46
        // (Container-Optimized OS's read-only root, as a mount source the daemon cannot
        // create).
        // Since a public name not resolved is the resolver's at the floor (0.5), out of
        // scope texts that are a Home Assistant add-on's first run that could not resolve plex.tv (AZ5-018) are answered too.
        (
            "held-out-2026-12-az.jsonl",
            "fifty-second held-out split",
            86,
            4,
        ),
        // ay: eight collectors apart (Podman in Docker's place; Docker's newer products
        // such as Build Cloud, Scout and Model Runner; Python packaging and test tooling;
        // Rust and Go cross-build wrappers; infrastructure testing; Linux distributions'
        // trackers; message brokers; VPN clients), launched after ax's reading, most cut
        // short when the search budget ran out (180, 52 of them out of scope): measured
        // once after all eight delivered, 69% (88 of 128), 4 of 52 out of scope answered
        // (0.5, 0.5, 0.55, 0.55), on the program of their launch. Then read: 73% (94 of
        // 128).
        (
            "held-out-2026-12-ay.jsonl",
            "fifty-first held-out split",
            73,
            4,
        ),
        // ax: eight collectors apart (network emulation labs; local serverless and cloud
        // emulators; CI pipelines run locally or on own agents; Swarm mode; cloud
        // development environments; bioinformatics workflow managers; embedded and
        // mobile build containers; self-hosted registries and mirrors), launched at a
        // session's start after aw's reading (194, 51 of them out of scope): measured once
        // after all eight delivered, 71% (101 of 143), 6 of 51 out of scope answered (0.5,
        // 0.55, 0.6, 0.65, 0.75, 0.9), on the program of their launch. Then read: 80%;
        // 81% after ay's reading (a bare "unknown flag: --detach").
        (
            "held-out-2026-12-ax.jsonl",
            "fiftieth held-out split",
            81,
            5,
        ),
        // aw: six collectors apart that delivered (PHP development stacks; Rails, Phoenix,
        // Django and Node developers on Compose; robotics and simulation; the Docker
        // Enterprise era; mail servers; telephony and conferencing), launched after av's
        // reading, when the session's search budget ran out (the network-lab and
        // game-server collectors found none; 139, 45 of them out of scope): measured once
        // after they stopped, 77% (72 of 94), 3 of 45 out of scope answered (0.5, 0.55,
        // 0.65), on the program of their launch. Then read two of its misses: 79%.
        (
            "held-out-2026-12-aw.jsonl",
            "forty-ninth held-out split",
            78,
            3,
        ),
        // av: eight collectors apart (Windows containers and Visual Studio's tools;
        // sandboxed and GPU runtimes; build orchestrators driving BuildKit; browser and
        // load-test stacks; the Toolbox and docker-machine era; Q&A in German, Polish and
        // other languages, which gave 5; security and identity stacks; backend-as-a-service
        // platforms), launched at a session's start after au's reading (189, 53 of them
        // out of scope): measured once after all eight delivered, 67% (91 of 136), none of
        // the 53 out of scope answered, on the program of their launch. Then read: 76%.
        (
            "held-out-2026-12-av.jsonl",
            "forty-eighth held-out split",
            76,
            0,
        ),
        // au: eight collectors apart (rootless Docker and host hardening; host firewalls
        // and networks; remote development environments; JVM build tools; monitoring
        // agents on the socket; reverse proxies and certificates; threads in Turkish,
        // Persian and Indonesian; data platforms), launched after at's reading, several cut
        // short when the search budget ran out (200, 55 of them out of scope): measured
        // once after all eight delivered, 65% (94 of 145), 4 of 55 out of scope answered
        // (0.55, 0.6, 0.8, 0.8), on the program of their launch. Then read: 73%.
        (
            "held-out-2026-12-au.jsonl",
            "forty-seventh held-out split",
            73,
            2,
        ),
        // at: eight collectors apart (corporate TLS-inspecting gateways and endpoint
        // protection; hypervisors beside Docker and nested virtualization; Apple silicon
        // and cross-architecture builds; installing Docker through package managers; local
        // Kubernetes on Docker; image scanners, signers and registry caches; Chinese-language
        // threads; serverless emulators and cloud SDKs), launched at a session's start
        // after as's reading (226, 54 of them out of scope): measured once after all eight
        // delivered, 68% (117 of 172), 11 of 54 out of scope answered (five above 0.5:
        // 0.55, 0.6, 0.7, 0.8, 0.9), on the program of their launch. Then read: 77%.
        // Since bb's reading, containerd.io's conflict with Podman's runc is answered as a
        // package conflict (AT4-019, labelled out of scope here, cli by bb's collector): 8.
        (
            "held-out-2026-12-at.jsonl",
            "forty-sixth held-out split",
            77,
            8,
        ),
        // as: eight collectors apart (Chromebooks, the Steam Deck and immutable
        // distributions; CI building with Docker-in-Docker, Kaniko or buildah; PaaS deploy
        // CLIs; AI model-serving images; configuration management; Docker API client
        // libraries; Windows without Docker Desktop; game and media development), launched
        // after ar's reading, several cut short when the search budget ran out (200, 57 of
        // them out of scope): measured once after all eight delivered, 59% (85 of 143), 7
        // of 57 out of scope answered (six above 0.5), on the program of their launch.
        // Then read: 68%.
        (
            "held-out-2026-12-as.jsonl",
            "forty-fifth held-out split",
            68,
            2,
        ),
        // ar: eight collectors apart (blockchain node tooling; Vagrant, Packer, Multipass
        // and Proxmox LXC; security distributions; Q&A in Italian, Spanish, French and
        // Vietnamese; federated chat servers; course autograders; industrial and edge
        // devices; dependency downloads inside a build), launched at a session's start
        // after aq's reading (204, 59 of them out of scope): measured once after all eight
        // delivered, 70% (101 of 145), 4 of 59 out of scope answered (0.5, 0.55, 0.65,
        // 0.7), on the program of their launch. Then read: 80%.
        (
            "held-out-2026-12-ar.jsonl",
            "forty-fourth held-out split",
            80,
            3,
        ),
        // aq: four collectors apart (database migration and ORM tooling; HPC and lab
        // users between Docker, Singularity/Apptainer, udocker and enroot; the official
        // images' trackers; Podman Desktop, Docker Desktop extensions and Lens), launched
        // after ap's reading (97, 30 of them out of scope): measured once after all four
        // delivered, 69% (46 of 67), 3 of 30 out of scope answered (0.5, 0.6, 0.65), on
        // the program of their launch. Then read: 81%.
        // Since a public name not resolved is the resolver's at the floor (0.5), out of
        // scope texts that are a Kubernetes client's lookups of Lens's and EKS's public names (AQ4-018, AQ4-019) are answered too.
        (
            "held-out-2026-12-aq.jsonl",
            "forty-third held-out split",
            80,
            4,
        ),
        // ap: ten collectors apart (home automation and video recorders; photo, sync and
        // DNS-filter self-hosting; R, Julia, notebooks and workflow engines; IDE
        // integrations; toolchains that drive Docker; Q&A in Japanese, Korean, Portuguese
        // and Russian; mobile and embedded builds; corporate VPNs and endpoint agents; CI
        // services' Docker actions; Swarm and Nomad), launched at a session's start (249,
        // 64 of them out of scope): measured once after all ten delivered, 76% (140 of
        // 185), 7 of 64 out of scope answered (five above 0.5), on the program of their
        // launch. Then read: 83%.
        (
            "held-out-2026-12-ap.jsonl",
            "forty-second held-out split",
            83,
            6,
        ),
        // ao: four collectors apart (project-management and wiki software, chat bots,
        // tools' own trackers from Windows 10/11 users, audio and radio servers), launched
        // after an's reading, cut short when the session's search budget ran out (83, 21
        // of them out of scope): measured once after all four delivered, 68% (42 of 62), 2
        // of 21 out of scope answered (one at 0.5, one at 0.55), on the program of their
        // launch. Then read: 82%.
        (
            "held-out-2026-12-ao.jsonl",
            "forty-first held-out split",
            82,
            2,
        ),
        // an: four collectors apart (newsletter, analytics and blogging software, API
        // gateways and secrets tooling, the docker CLI on Macs outside Docker Desktop's
        // tracker, CTF and vulnerable-app labs), launched after am's first reading (the
        // commit answering an address in use at the floor), measured once after all four
        // delivered: 80% (69 of 86), 2 of 30 out of scope answered (one at 0.5, one
        // above), on the program of their launch. Then read: 85%.
        (
            "held-out-2026-12-an.jsonl",
            "fortieth held-out split",
            84,
            2,
        ),
        // am: eight collectors apart (self-hosted PaaS and Docker management UIs, local
        // LLM platforms, desktop Docker alternatives, backup tools, remote desktops and
        // OS-in-a-container images, trading bots, media automation, hardened servers),
        // launched at a session's start, measured once after all eight delivered: 70%
        // (136 of 194), 3 of 46 out of scope answered (all above 0.5), on the program of
        // their launch. Then read: 76% (75.8).
        (
            "held-out-2026-12-am.jsonl",
            "thirty-ninth held-out split",
            75,
            3,
        ),
        // al: five collectors launched after ak's reading, cut short when the session's
        // search budget ran out (48, 9 of them out of scope; Q&A of 2024-2026, cloud SDK
        // tooling, GIS platforms, cross-compilation images, education platforms):
        // measured once on the program of their launch, 74% (29 of 39), 1 of 9 out of
        // scope answered. Then read: 85%.
        (
            "held-out-2026-12-al.jsonl",
            "thirty-eighth held-out split",
            84,
            1,
        ),
        // ak: five collectors apart (documentation generators, scraping and automation
        // tools, personal finance and household apps, unusual hosts, document servers),
        // launched after aj's reading, measured once after all five delivered: 57% (67 of
        // 117), 2 of 34 out of scope answered (one above 0.5), on the program of their
        // launch. Then read: 67%.
        (
            "held-out-2026-12-ak.jsonl",
            "thirty-seventh held-out split",
            67,
            2,
        ),
        // aj: five collectors apart (installers and package channels, Q&A in Persian,
        // Indonesian, Dutch, Czech and Ukrainian, self-hosted SaaS alternatives, course
        // material, microservice demo apps), launched at a session's start, measured once
        // after all five delivered: 75% (73 of 97), 6 of 33 out of scope answered (all
        // above 0.5), on the program of their launch. Then read: 79%.
        (
            "held-out-2026-12-aj.jsonl",
            "thirty-sixth held-out split",
            79,
            6,
        ),
        // ai: six collectors apart, launched after ah's reading, cut short when the
        // session's search budget ran out (43, 28 of them out of scope): 53% (8 of 15), none
        // of 28 out of scope answered, on the program of their launch. One text read.
        (
            "held-out-2026-12-ai.jsonl",
            "thirty-fifth held-out split",
            53,
            0,
        ),
        // ah: six collectors apart (game servers, robotics and scientific images, image
        // and security tooling, PHP/Ruby/Elixir stacks, distributions' trackers, serverless
        // emulators), launched after ag's reading, measured once after all six delivered:
        // 74% (107 of 144), 3 of 36 out of scope answered, on the program of their launch.
        // Then read: 78%. apk's "temporary error (try again later)" in a build is read
        // as the build's nameserver since ak (0.5); ah labelled one out of scope (a
        // Dockerfile's mirror): one more answered against it.
        (
            "held-out-2026-12-ah.jsonl",
            "thirty-fourth held-out split",
            79,
            4,
        ),
        // ag: six collectors apart (Windows Server containers, low-code platforms, build
        // and release tooling, Toolbox-era setups, forum-style threads, hosted CI),
        // launched after af's reading, measured once after all six delivered: 67% (97 of
        // 145), 5 of 37 out of scope answered, on the program of their launch. Then read.
        (
            "held-out-2026-12-ag.jsonl",
            "thirty-third held-out split",
            74,
            4,
        ),
        // af: six collectors apart (observability agents, self-hosted identity and mail,
        // cloud VMs and distributions, Docker Desktop's trackers, Q&A in Chinese, builds
        // behind corporate networks), launched at a session's start, measured once after
        // all six delivered: 73% (112 of 154), 3 of 35 out of scope answered, on the
        // program of their launch. Then read: 81%.
        (
            "held-out-2026-12-af.jsonl",
            "thirty-second held-out split",
            81,
            1,
        ),
        // ae: five collectors apart (reverse proxies and VPNs, CMS and web-framework
        // environments, IoT and messaging, machine-learning serving, Q&A in other
        // languages), launched after ad's reading, measured once: 81% (93 of 115), 1 of 33
        // out of scope answered, on the program of their launch. Then read.
        (
            "held-out-2026-12-ae.jsonl",
            "thirty-first held-out split",
            88,
            1,
        ),
        // ad: five collectors apart (security tooling, data engineering and BI, community
        // platforms, mobile and game build tooling, notebooks and teaching), launched at a
        // session's start, measured once after all five delivered: 74% (86 of 117), 3 of 36
        // out of scope answered, on the program of their launch and on the session's
        // program then alike. Then read.
        (
            "held-out-2026-12-ad.jsonl",
            "thirtieth held-out split",
            81,
            3,
        ),
        // ac: three collectors apart (web3 node software, test and browser tooling,
        // embedded/scientific/HPC build tooling), launched at a session's start, measured
        // once after all three delivered: 74% (60 of 81), 3 of 22 out of scope answered, on
        // the program of their launch and on the session's program then alike. Then read.
        (
            "held-out-2026-12-ac.jsonl",
            "twenty-ninth held-out split",
            79,
            2,
        ),
        // ab: a collector apart (AI apps, language and framework tooling), launched with aa,
        // measured once on the program at that session's end: 79% (22 of 28), none of 5 out
        // of scope answered. Then read: 86%.
        (
            "held-out-2026-12-ab.jsonl",
            "twenty-eighth held-out split",
            86,
            0,
        ),
        // aa: a collector apart (ARM boards, NAS, appliances), launched after z was read and
        // measured once on the program at the session's end: 80% (24 of 30), none of 6 out
        // of scope answered. Then read: 87% (26 of 30). Since az's reading, A3-007 (Ubuntu
        // Core's read-only root refusing a bind mount's source, labelled out of scope) is
        // answered as storage.read-only-mount-source, whose other 5 texts are snaps.
        (
            "held-out-2026-12-aa.jsonl",
            "twenty-seventh held-out split",
            86,
            1,
        ),
        // z: three collectors apart, measured once on the binary of their launch (85%, 3 of
        // 16 out of scope answered) and on this session's (86%, 1 of 16), then read.
        (
            "held-out-2026-12-z.jsonl",
            "twenty-sixth held-out split",
            86,
            1,
        ),
        // Measured once before it was read (y, the second split an independent collector
        // gave): 79% (26 of 33), 1 of 8 out of scope answered; 85% once read.
        (
            "held-out-2026-12-y.jsonl",
            "twenty-fifth held-out split",
            84,
            0,
        ),
        // Measured once before it was read (x, gathered by an independent collector): 64%,
        // 2 of 7 out of scope answered; 75% once read.
        (
            "held-out-2026-12-x.jsonl",
            "twenty-fourth held-out split",
            75,
            1,
        ),
        // Measured once before it was read (w): 75%, 0 of 3 out of scope answered; 95%
        // once read.
        (
            "held-out-2026-12-w.jsonl",
            "twenty-third held-out split",
            95,
            0,
        ),
        // Measured once before anyone read it (v): 76%, 0 of 8 out of scope answered.
        // Read since: a tool asking whether Docker is installed, `spawn <path>\docker
        // ENOENT`, WSL's `WslRegisterDistribution failed`.
        (
            "held-out-2026-12-v.jsonl",
            "twenty-second held-out split",
            89,
            1,
        ),
        // Measured once before anyone read it (u): 86%, 2 of 12 out of scope answered.
        // Read since: its level after the changes it taught (a lost layer, systemd's
        // status, a runtime's own listen).
        (
            "held-out-2026-12-u.jsonl",
            "twenty-first held-out split",
            89,
            1,
        ),
        // Read last (s): wrappers' sentences for a missing plugin, balenaEngine's moby
        // words, the graph driver's prior driver at start, Compose v1's KeyError cut short.
        (
            "held-out-2026-12-s.jsonl",
            "nineteenth held-out split",
            83,
            2,
        ),
        // Read (t, r, q and older): their levels after the latest changes. The third
        // split's two proxy-labelled EOFs now read as the registry's first (the cut
        // connection's re-ranking), which the other splits' eleven registry EOFs gained.
        (
            "held-out-2026-12-t.jsonl",
            "twentieth held-out split",
            87,
            3,
        ),
        (
            "held-out-2026-12-r.jsonl",
            "eighteenth held-out split",
            79,
            1,
        ),
        (
            "held-out-2026-12-q.jsonl",
            "seventeenth held-out split",
            87,
            2,
        ),
        (
            "held-out-2026-12-p.jsonl",
            "sixteenth held-out split",
            92,
            0,
        ),
        (
            "held-out-2026-12-o.jsonl",
            "fifteenth held-out split",
            91,
            5,
        ),
        (
            "held-out-2026-12-n.jsonl",
            "fourteenth held-out split",
            87,
            3,
        ),
        (
            "held-out-2026-12-m.jsonl",
            "thirteenth held-out split",
            91,
            1,
        ),
        ("held-out-2026-12-l.jsonl", "twelfth held-out split", 88, 0),
        ("held-out-2026-12-k.jsonl", "eleventh held-out split", 60, 0),
        ("held-out-2026-12-j.jsonl", "tenth held-out split", 87, 0),
        ("held-out-2026-12-i.jsonl", "ninth held-out split", 91, 0),
        ("held-out-2026-12-h.jsonl", "eighth held-out split", 87, 2),
        ("held-out-2026-12-g.jsonl", "seventh held-out split", 87, 0),
        // f labelled an image without any CA bundle (curl's exit 77) out of scope; later
        // collectors, as the brief says, proxy_ca: read at the floor (0.5), one answer.
        ("held-out-2026-12-f.jsonl", "sixth held-out split", 86, 1),
        ("held-out-2026-12-e.jsonl", "fifth held-out split", 84, 1),
        ("held-out-2026-12-d.jsonl", "fourth held-out split", 93, 0),
        // c labelled a kubelet's pull cut by a reset out of scope; a node's pull that
        // failed on the network now keeps its area at the floor (0.5), one answer more.
        ("held-out-2026-12-c.jsonl", "third held-out split", 88, 4),
        ("held-out-2026-12-b.jsonl", "second held-out split", 89, 1),
        ("held-out-2026-12.jsonl", "first held-out split", 88, 4),
    ];
    for (file, what, percent, most_oos) in guards {
        let (right, total, oos_matched, _) = area_accuracy(file);
        assert!(
            right * 100 >= total * percent,
            "{what}: area {right}/{total}"
        );
        assert!(
            oos_matched <= most_oos,
            "{what}: {oos_matched} out of scope matched"
        );
    }
}

/// A veto sees the paste's lines before the match: a 5xx after `docker pull ubuntu` three
/// lines up is Docker Hub's answer, not an internal registry reached through the proxy;
/// for a push with no such lines the proxy's reading stays a candidate.
#[test]
fn a_veto_counts_from_the_lines_before() {
    let hub = "$ docker pull ubuntu:latest\nlatest: Pulling from library/ubuntu\n5c110056cd4f: Downloading\nee14847b1fad: Download complete\nreceived unexpected HTTP status: 503 Service Unavailable";
    let (mode, area, _) = top(hub).expect("an answer");
    assert_eq!(area, "registry_dns_tls", "{mode}");
    assert!(!all_modes(hub).iter().any(|m| m == "proxy.no-proxy-missing"));
    // Without those lines the proxy's reading stays beside the registry's outage (the
    // proxy probe decides between them on the machine).
    let internal = "level=error msg=\"Upload failed, retrying: received unexpected HTTP status: 503 Service Unavailable\"";
    assert!(
        all_modes(internal)
            .iter()
            .any(|m| m == "proxy.no-proxy-missing")
    );
}

/// docker-compose v1 against Engine 25+ fails on the `ContainerConfig` the API no longer
/// returns: the Compose that ran is too old, not the Compose file.
#[test]
fn compose_v1_against_a_newer_engine_is_compose_too_old() {
    let text = "ERROR: for 8a5453c02b09_manager  'ContainerConfig'\n\nERROR: for manager  'ContainerConfig'\nTraceback (most recent call last):\n  File \"/usr/bin/docker-compose\", line 33, in <module>\nKeyError: 'ContainerConfig'";
    let (mode, area, _) = top(text).expect("an answer");
    assert_eq!(
        (mode.as_str(), area.as_str()),
        ("cli.compose-too-old", "cli")
    );
}

/// `systemctl status docker`, rootful or rootless: the unit failed, or its dockerd (or
/// dockerd-rootless.sh) ExecStart exited non-zero with the Main PID line below it. A
/// stopped unit, or one whose process exited cleanly, is not a failed start.
#[test]
fn systemds_status_of_a_failed_dockerd_is_a_failed_start() {
    for text in [
        "● docker.service - Docker Application Container Engine\n   Loaded: loaded (/lib/systemd/system/docker.service; enabled; vendor preset: enabled)\n   Active: failed (Result: exit-code) since Tue 2024-01-02 10:00:00 UTC; 5s ago",
        "    Process: 812 ExecStart=/usr/bin/dockerd -H fd:// --containerd=/run/containerd/containerd.sock (code=exited, status=1/FAILURE)\n   Main PID: 812 (code=exited, status=1/FAILURE)",
        "    Process: 11696 ExecStart=/home/u/bin/dockerd-rootless.sh --iptable>\n   Main PID: 11696 (code=exited, status=127)",
    ] {
        let (mode, area, _) = top(text).expect(text);
        assert_eq!(
            (mode.as_str(), area.as_str()),
            ("daemon.start-failed", "daemon_unreachable"),
            "{text}"
        );
    }
    for text in [
        "● docker.service - Docker Application Container Engine\n   Loaded: loaded (/lib/systemd/system/docker.service; enabled)\n   Active: inactive (dead) since Tue 2024-01-02 10:00:00 UTC; 5s ago",
        "    Process: 812 ExecStart=/usr/bin/dockerd -H fd:// (code=exited, status=0/SUCCESS)\n   Main PID: 812 (code=exited, status=0/SUCCESS)",
    ] {
        assert!(
            !all_modes(text).iter().any(|m| m == "daemon.start-failed"),
            "{text}"
        );
    }
}

/// dockerd shown running in the paste beside an old client's "cannot connect" (the CLI
/// before 1.10, Compose v1 say it for a socket they may not open): the socket's
/// permission first, the daemon second. As root (`sudo docker`), beside a start that
/// failed, or with a modern CLI's own words, the daemon's reading stays first.
#[test]
fn a_daemon_shown_running_is_not_read_as_down() {
    for text in [
        "$ docker ps\nCannot connect to the Docker daemon. Is the docker daemon running on this host?\n$ service docker status\ndocker start/running, process 28966",
        "ERROR: Couldn't connect to Docker daemon at http+docker://localhost - is it running?\n$ systemctl status docker\n● docker.service - Docker Application Container Engine\n   Active: active (running) since Mon 2019-01-07 10:00:00 UTC; 2h ago",
    ] {
        let modes = all_modes(text);
        assert_eq!(
            &modes[..2],
            ["socket.not-in-group", "daemon.not-running"],
            "{text}"
        );
    }
    for text in [
        "$ sudo service docker start\ndocker start/running, process 11837\n$ sudo docker ps -a\nCannot connect to the Docker daemon. Is the docker daemon running on this host?",
        "$ docker ps\nCannot connect to the Docker daemon. Is the docker daemon running on this host?\n$ service docker status\ndocker start/running, process 11837\nFATA[0000] Error starting daemon: error initializing graphdriver",
        "$ docker ps\nCannot connect to the Docker daemon. Is the docker daemon running on this host?\n   Active: active (running) since Mon 2019-01-07 10:00:00 UTC; 2h ago",
        "Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?\n● docker.service - Docker Application Container Engine\n   Active: active (running) since Mon 2019-01-07 10:00:00 UTC; 2h ago",
    ] {
        let (mode, area, _) = top(text).expect(text);
        assert_eq!(area, "daemon_unreachable", "{text}: {mode}");
    }
}

/// Windows containers' HNS refusing a published port (a sharing violation in the
/// system's language, an endpoint that already exists), docker-machine's VM that is
/// stopped or never made, and a tool that says Compose is missing beside Compose v2
/// answering its version (the tool's own check, not the machine).
#[test]
fn windows_endpoints_machines_and_a_tools_wrong_check() {
    for text in [
        "docker: Error response from daemon: failed to create endpoint web on network nat: hnsCall failed in Win32: Der Prozess kann nicht auf die Datei zugreifen, da sie von einem anderen Prozess verwendet wird. (0x20).",
        "Error response from daemon: failed to create endpoint api_1 on network api_default: HNS failed with error : The object already exists",
    ] {
        assert_eq!(top(text).expect(text).1, "port_conflicts", "{text}");
    }
    for text in [
        "$ eval $(docker-machine env dev)\nError checking TLS connection: Host is not running",
        "Error creating machine: Error in driver during machine creation: Maximum number of retries (5) exceeded",
    ] {
        assert_eq!(top(text).expect(text).1, "daemon_unreachable", "{text}");
    }
    assert_eq!(
        top("Error: cannot create docker client: unable to parse docker host `/var/run/podman/podman.sock`")
            .unwrap()
            .0,
        "endpoint.invalid-host"
    );
    // dockerd's own log while it picks a storage driver: its start, not a pull's store.
    assert_eq!(
        top("Jan 02 10:00:01 host dockerd[811]: time=\"2024-01-02T10:00:01Z\" level=info msg=\"Starting up\"\nJan 02 10:00:01 host dockerd[811]: time=\"2024-01-02T10:00:01Z\" level=error msg=\"failed to mount overlay: permission denied\" storage-driver=overlay2").unwrap().0,
        "daemon.start-failed"
    );
    let wrong_check = "$ docker compose version\nDocker Compose version v2.29.1\n$ ./install.sh\nERROR: docker-compose is not installed";
    assert!(top(wrong_check).is_none(), "{wrong_check}");
    assert_eq!(
        top("$ ./install.sh\nERROR: docker-compose is not installed")
            .unwrap()
            .1,
        "cli"
    );
}

/// What the structure of a paste says, whatever the thread wrapped it in or cut it at:
/// Markdown's backticks; curl's help link (not the server it called); the unpack step of an
/// image without this platform (not the store); Docker publishing a port, whatever cause
/// it gives; a bound API version in another daemon's words; docker-py's traceback ending
/// in its transport's connect; spotify's docker-client refused the socket; a TLS handshake
/// to an Engine API URL (the daemon, not a registry); a mirror's 403 to apt in a build; a
/// build step's tool that cannot resolve a host; a shell that cannot run docker-compose
/// (ENOENT in another language, an HTML page saved as the program); Elasticsearch's
/// flood-stage lock; another program's unix socket (not the daemon's).
#[test]
fn structure_survives_how_the_paste_was_wrapped_or_cut() {
    let cases: &[(&str, Option<&str>)] = &[
        (
            "The job fails with `Error response from daemon: Head \"https://ghcr.io/v2/acme/app/manifests/1.2\": unauthorized`",
            Some("registry_auth"),
        ),
        (
            "curl: (60) SSL certificate problem: unable to get local issuer certificate More details here: https://curl.se/docs/sslcerts.html",
            Some("proxy_ca"),
        ),
        (
            "curl: (60) SSL certificate problem: unable to get local issuer certificate while fetching https://api.example.com/v1/items",
            Some("proxy_ca"),
        ),
        (
            "Traceback (most recent call last):\n  File \"app.py\", line 3, in <module>\nrequests.exceptions.SSLError: HTTPSConnectionPool(host='api.example.com', port=443): Max retries exceeded (Caused by SSLError(SSLCertVerificationError(1, '[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: unable to get local issuer certificate')))",
            None,
        ),
        (
            "no matching manifest for linux/arm64/v8 in the manifest list entries: failed to unpack image on snapshotter overlayfs: no match for platform in manifest sha256:0123: not found",
            None,
        ),
        (
            "ERROR: for web  Cannot start service web: driver failed programming external connectivity on endpoint app_web_1 (0123abcd): Error starting userland proxy: mkdir /port/tcp:0.0.0.0:8080:tcp:172.18.0.3:80: input/output error",
            Some("port_conflicts"),
        ),
        (
            "Error response from daemon: driver failed programming external connectivity on endpoint x (0123): Error starting userland proxy: listen tcp4 203.0.113.9:2550: bind: cannot assign requested address",
            None,
        ),
        (
            "docker.errors.APIError: 400 Client Error: Bad Request (\"b'your client is too new (API version 1.41). The newest supported API version is 1.40'\")",
            Some("daemon_unreachable"),
        ),
        (
            "Traceback (most recent call last):\n  File \"docker\\api\\client.py\", line 214, in _retrieve_server_version\n  File \"docker\\transport\\npipeconn.py\", line 32, in connect\n  File \"docker\\transport\\npipesocket.py\", line 52, in connect",
            Some("daemon_unreachable"),
        ),
        (
            "com.spotify.docker.client.exceptions.DockerException: java.util.concurrent.ExecutionException: javax.ws.rs.ProcessingException: java.io.IOException: Permission denied\n\tat com.spotify.docker.client.DefaultDockerClient.propagate(DefaultDockerClient.java:2828)",
            Some("socket_permissions"),
        ),
        (
            "ERROR: Job failed (system failure): Get https://10.0.0.5:2376/v1.24/containers/abc/json: net/http: TLS handshake timeout",
            Some("daemon_unreachable"),
        ),
        (
            " > [2/2] RUN apt-get update && apt-get install -y git:\n#5 0.541 Err:1 http://archive.ubuntu.com/ubuntu jammy InRelease\n#5 0.541   403  Forbidden [IP: 185.125.190.39 80]",
            Some("proxy_ca"),
        ),
        (
            "bash: /usr/local/bin/docker-compose: Aucun fichier ou dossier de ce type",
            Some("cli"),
        ),
        (
            "/usr/local/bin/docker-compose: line 1: syntax error near unexpected token `<'\n/usr/local/bin/docker-compose: line 1: `<!DOCTYPE html>'",
            Some("cli"),
        ),
        (
            "./deploy.sh: line 1: syntax error near unexpected token `<'",
            None,
        ),
        (
            "ImportError: 'docker-compose' is not installed. Local mode needs docker-compose.",
            Some("cli"),
        ),
        (
            "{\"error\":{\"type\":\"cluster_block_exception\",\"reason\":\"index [shop_1] blocked by: [FORBIDDEN/12/index read-only / allow delete (api)];\"}}",
            Some("storage"),
        ),
        (
            "Failed to connect to local Tailscale daemon; not running? Error: dial unix /var/run/tailscale/tailscaled.sock: connect: no such file or directory",
            None,
        ),
        (
            "Error: dial unix /home/me/.colima/default/docker.sock: connect: no such file or directory",
            Some("daemon_unreachable"),
        ),
        // A step's tool not finding a host's name, no proxy in the paste: the build's
        // nameserver first (10 of 14 such read texts); the proxy is named beside it for the
        // proxy probe to decide on the machine.
        (
            "Step 6/9 : RUN sdkmanager platform-tools\n ---> Running in 0123456789ab\nWarning: java.net.UnknownHostException: dl.example-sdk.com\nThe command '/bin/sh -c sdkmanager platform-tools' returned a non-zero code: 1",
            Some("registry_dns_tls"),
        ),
    ];
    for (text, want) in cases {
        let got = top(text).map(|(_, area, _)| area);
        assert_eq!(got.as_deref(), *want, "{text}");
    }
}

/// moby's layer store said it lost a layer, or overlay2's short link to one is gone: the
/// image store, not a full disk or a driver the filesystem refuses.
#[test]
fn a_lost_layer_is_the_image_stores() {
    for text in [
        "Error response from daemon: layer does not exist",
        "500 Server Error for http+docker://localhost/v1.43/images/a/b:1/json: Internal Server Error (\"layer does not exist\")",
        "Error response from daemon: readlink /var/lib/docker/overlay2/l/QNYES6I5622PRZBU7TXSXLHG4X: no such file or directory",
    ] {
        let (mode, area, _) = top(text).expect(text);
        assert_eq!(
            (mode.as_str(), area.as_str()),
            ("storage.store-corrupt", "storage"),
            "{text}"
        );
    }
    // The words alone, from something that is not Docker, are not Docker's store.
    assert!(top("QGIS: layer does not exist in project").is_none());
}

/// moby's words in a fork (balenaEngine) and at start (the graph driver the data root
/// already holds), and Compose v1's `KeyError` on `ContainerConfig` however it is cut.
#[test]
fn mobys_words_in_a_fork_and_at_start() {
    for (text, want) in [
        (
            "Cannot connect to the balena daemon at unix:///var/run/balena.sock. Is the balena daemon running?",
            "daemon.not-running",
        ),
        (
            "Failed to start Balena Application Container Engine",
            "daemon.not-running",
        ),
        (
            "level=error msg=\"[graphdriver] prior storage driver devicemapper failed: devicemapper: Error running deviceCreate (CreatePool) dm_task_run failed\"",
            "daemon.start-failed",
        ),
        (
            "ERROR:for app 'containerconfig'... keyerror: 'containerconfig'...",
            "cli.compose-too-old",
        ),
    ] {
        let (mode, _, _) = top(text).expect(text);
        assert_eq!(mode, want, "{text}");
    }
}

/// A name or tag that does not exist is not Docker's failure on this machine: `explain`
/// says so apart (`not_environment`), exits 1 as for no environment failure, and an
/// environment failure in the same paste still comes first.
#[test]
fn a_name_that_does_not_exist_is_said_apart() {
    for (text, mode) in [
        (
            "Error response from daemon: manifest for acme/worker:7.3 not found: manifest unknown: manifest unknown",
            "registry.tag-not-found",
        ),
        (
            "docker: Error response from daemon: pull access denied for acme-internal-tool, repository does not exist or may require 'docker login': denied: requested access to the resource is denied.",
            "registry.not-found",
        ),
    ] {
        let tmp = tempfile::tempdir().unwrap();
        let run = capture_with_input(
            doctor(
                tmp.path(),
                &[],
                &["explain", "--no-probe", "--format", "json"],
            ),
            text.as_bytes(),
        );
        assert_eq!(run.code, 1, "{text}");
        let r = run.json();
        assert!(r["matches"].as_array().unwrap().is_empty(), "{r}");
        assert_eq!(r["not_environment"][0]["mode"], mode, "{r}");
        let human = capture_with_input(
            doctor(tmp.path(), &[], &["explain", "--no-probe"]),
            text.as_bytes(),
        );
        assert!(
            human
                .stdout
                .contains("No known Docker environment failure matched")
                && human
                    .stdout
                    .contains("Not a failure of Docker on this machine"),
            "{}",
            human.stdout
        );
    }
    let both = "Error response from daemon: Get \"https://registry.acme.internal/v2/\": x509: certificate signed by unknown authority\nError response from daemon: manifest for acme/worker:7.3 not found: manifest unknown";
    let r = explain(both, &["--no-probe"]);
    assert_eq!(r["matches"][0]["mode"], "ca.untrusted", "{r}");
    assert_eq!(
        r["not_environment"][0]["mode"], "registry.tag-not-found",
        "{r}"
    );
}

/// A Kubernetes event is the node's runtime's, which no probe here checks: what only
/// resembles a failure stays a guess, while the registry's own words (`toomanyrequests`)
/// keep their area at the floor, not above it.
#[test]
fn a_kubernetes_event_keeps_only_a_registrys_own_words_at_the_floor() {
    let rate = "  Warning  Failed     41s (x3 over 114s)   kubelet            Failed to pull image \"calico/cni:v3.15.0\": rpc error: code = Unknown desc = failed to pull and unpack image \"docker.io/calico/cni:v3.15.0\": failed to copy: httpReadSeeker: failed open: unexpected status code https://registry-1.docker.io/v2/calico/cni/manifests/sha256:0534a6ec: 429 Too Many Requests - Server message: toomanyrequests: You have reached your pull rate limit.";
    let r = explain(rate, &["--no-probe"]);
    let m = &r["matches"][0];
    assert_eq!(m["mode"], "registry.rate-limited", "{r}");
    assert_eq!(m["confidence"].as_f64(), Some(0.5), "{r}");
    // Outside the event the same words are sure.
    let plain = rate.split("desc = ").nth(1).unwrap();
    let r = explain(plain, &["--no-probe"]);
    assert!(r["matches"][0]["confidence"].as_f64().unwrap() > 0.9, "{r}");
    // A runtime's failure inside an event is not answered.
    let runtime = "  Warning  Failed  23m (x4 over 24m)  kubelet  Error: failed to create containerd task: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: error during container init: error setting cgroup config for procHooks process: unable to freeze: unknown";
    let r = explain(runtime, &["--no-probe"]);
    assert!(r["matches"].as_array().is_none_or(|m| m.is_empty()), "{r}");
}

/// Docker Hub's stock refusal in a pull's other words (ECS, Swarm pinning a digest) is as
/// often a name that does not exist as an account's: the account's reading stays at the
/// floor. A program's own lookup of its own server ("Failed to resolve 'host'") is not a
/// registry's.
#[test]
fn a_pulls_stock_refusal_and_a_programs_lookup_are_not_said_surely() {
    for text in [
        "CannotPullContainerError: Error response from daemon: errors:\ndenied: requested access to the resource is denied",
        "unable to pin image acme-local-build to digest: errors:\ndenied: requested access to the resource is denied",
    ] {
        let got = top(text);
        assert!(got.as_ref().is_none_or(|g| g.2 <= 0.5), "{text}: {got:?}");
    }
    // A push keeps it: the account may not write there.
    let push = top(
        "The push refers to repository [docker.io/someone/app]\ndenied: requested access to the resource is denied",
    );
    assert_eq!(
        push.map(|g| g.0),
        Some("registry.access-denied".to_string())
    );
    // Its nameserver failing outright (EAI_AGAIN) is the resolver's of the container or
    // machine it ran on, at the floor, never a registry's.
    let lookup = "requests.exceptions.ConnectionError: HTTPSConnectionPool(host='models.example.net', port=443): Max retries exceeded (Caused by NameResolutionError(\"<urllib3.connection.HTTPSConnection object at 0x7f>: Failed to resolve 'models.example.net' ([Errno -3] Temporary failure in name resolution)\"))";
    let got = top(lookup);
    assert!(
        got.as_ref()
            .is_none_or(|g| g.0 == "registry.dns-in-build" && g.2 <= 0.5),
        "{got:?}"
    );
}

/// A lookup of an AWS name is a registry's only where the name is ECR's (or the S3 its
/// layers come from): a Kubernetes client's EKS endpoint timing out is not a pull.
#[test]
fn only_ecrs_names_among_amazons_are_a_registrys() {
    let ecr = top(
        "Error response from daemon: Get \"https://123456789012.dkr.ecr.eu-west-1.amazonaws.com/v2/\": dial tcp: lookup 123456789012.dkr.ecr.eu-west-1.amazonaws.com on 10.0.0.2:53: read udp 10.0.0.7:40001->10.0.0.2:53: i/o timeout",
    );
    assert_eq!(ecr.map(|g| g.1), Some("registry_dns_tls".to_string()));
    let eks = top(
        "E0523 proxy_server.go:147] Error while proxying request: dial tcp: lookup abc123.gr7.eu-west-1.eks.amazonaws.com on 10.0.0.2:53: read udp 10.0.0.7:40001->10.0.0.2:53: i/o timeout",
    );
    // Not a pull: at most the machine's nameserver timing out, at the floor.
    assert!(
        eks.as_ref()
            .is_none_or(|g| g.0 == "registry.dns-in-build" && g.2 <= 0.5),
        "{eks:?}"
    );
}
