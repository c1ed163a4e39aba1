use super::*;

/// Each line's first reading is the mode beside it.
fn first_modes_are(cases: &[(&str, &str)]) {
    for (line, want) in cases {
        assert_eq!(modes(line).first().copied(), Some(*want), "{line}");
    }
}

fn modes(line: &str) -> Vec<&'static str> {
    read(&line.to_lowercase(), Around::default())
        .iter()
        .map(|r| r.mode)
        .collect()
}

/// A certificate no store trusts, in a build's step, is the image's store's; the same
/// words on a registry (the build's `FROM`) or outside a build stay the daemon's.
#[test]
fn a_build_steps_untrusted_certificate_is_the_images() {
    let build = Around {
        docker: true,
        build: true,
        ..Around::default()
    };
    let pip = "#7 3.1 warning: retrying after connection broken by 'sslerror(sslcertverificationerror(1, '[ssl: certificate_verify_failed] certificate verify failed: unable to get local issuer certificate (_ssl.c:1006)'))': /simple/requests/";
    let read_in = |line: &str, around| read(line, around);
    let got = read_in(pip, build);
    assert_eq!(got[0].mode, "ca.untrusted-in-build");
    assert_eq!(got[1].mode, "ca.untrusted");
    let go = "go: example.com/m@v1.0.0: get \"https://proxy.golang.org/example.com/m/@v/v1.0.0.mod\": x509: certificate signed by unknown authority";
    let got = read_in(go, build);
    assert_eq!(got[0].mode, "ca.untrusted-in-build");
    assert_eq!(got[0].values["host"], "proxy.golang.org");
    // Not a build: the daemon's (or the host's) store, as before.
    let outside = Around {
        build: false,
        ..build
    };
    let bare = "#7 3.1 error: certificate verify failed: unable to get local issuer certificate";
    assert_eq!(read_in(bare, outside)[0].mode, "ca.untrusted");
    // Named as a package download (pip's `/simple/` index path, its index's host), it
    // is the tool's own store, build or not (a container's pip).
    assert_eq!(read_in(pip, outside)[0].mode, "ca.untrusted-in-build");
    let index = "could not fetch url https://pypi.org/simple/pip/: there was a problem confirming the ssl certificate";
    assert_eq!(read_in(index, outside)[0].mode, "ca.untrusted-in-build");
    // A registry's URL inside the step's own command is the step's tool's call.
    let step = "the command '/bin/sh -c curl -ss https://registry.lab.test/v2/ -o /dev/null' returned a non-zero code: 60";
    assert_eq!(read_in(step, build)[0].mode, "ca.untrusted-in-build");
    // The build's base image, pulled by the daemon: its store, build or not.
    let from = "error: failed to do request: head \"https://registry-1.docker.io/v2/library/node/manifests/18\": x509: certificate signed by unknown authority";
    assert_eq!(read_in(from, build)[0].mode, "ca.untrusted");
}

/// The same cause in every spelling, on the same target, reads the same.
#[test]
fn a_cause_reads_the_same_in_every_spelling() {
    for cause in [
        "permission denied",
        "EACCES",
        "Access is denied.",
        "Zugriff verweigert",
        "拒绝访问。",
        "operation not permitted",
    ] {
        assert_eq!(
            modes(&format!("dial unix /var/run/docker.sock: connect: {cause}")),
            ["socket.not-in-group"],
            "{cause}"
        );
    }
    for cause in [
        "bind: address already in use",
        "EADDRINUSE",
        "Only one usage of each socket address (protocol/network address/port) is normally permitted.",
    ] {
        assert_eq!(
            modes(&format!(
                "Error starting userland proxy: listen tcp4 0.0.0.0:8080: {cause}"
            ))[0],
            "ports.in-use-process",
            "{cause}"
        );
    }
}

/// The target decides what one cause means.
#[test]
fn the_target_decides_the_reading() {
    let cases = [
        (
            "Get \"http://%2Fvar%2Frun%2Fdocker.sock/v1.24/version\": dial unix /var/run/docker.sock: connect: no such file or directory",
            "daemon.not-running",
        ),
        (
            "open //./pipe/docker_engine: Access is denied.",
            "daemon.pipe-access-denied",
        ),
        (
            "open //./pipe/dockerDesktopLinuxEngine: The system cannot find the file specified.",
            "daemon.desktop-not-running",
        ),
        (
            "error during connect: Get \"https://10.0.0.5:2376/v1.41/info\": x509: certificate is valid for 10.0.0.4, not 10.0.0.5",
            "daemon.tls-wrong-name",
        ),
        (
            "Get \"https://registry.corp.example/v2/\": x509: certificate is valid for *.other.example, not registry.corp.example",
            "ca.wrong-host",
        ),
        (
            "Error response from daemon: Get \"https://registry-1.docker.io/v2/\": proxyconnect tcp: dial tcp 10.0.0.9:3128: connect: connection refused",
            "proxy.unreachable",
        ),
        (
            "Error response from daemon: Head \"https://registry.gitlab.example/v2/grp/img/manifests/1.0\": no basic auth credentials",
            "registry.auth-missing",
        ),
        (
            "docker: 'compose' is not a docker command.",
            "cli.plugin-missing",
        ),
        (
            "/bin/sh: 1: docker-compose: not found",
            "cli.plugin-missing",
        ),
        (
            "ERROR: BuildKit is enabled but the buildx component is missing or broken.",
            "cli.plugin-missing",
        ),
        (
            "cgroups: cannot find cgroup mount destination: unknown",
            "storage.cgroup-controllers-missing",
        ),
        (
            "error during connect: Get \"http://docker.example/v1.41/_ping\": command [ssh -l deploy -- docker.example docker system dial-stdio] has exited with exit status 127, please make sure the URL is valid, and Docker 18.09 or later is installed on the remote host: stderr=bash: docker: command not found",
            "daemon.ssh-remote-docker-missing",
        ),
        (
            "dial unix /run/user/1000/podman/podman.sock: connect: permission denied",
            "socket.podman-not-yours",
        ),
    ];
    first_modes_are(&cases);
}

/// A cause without a target counts only with Docker's context around it.
#[test]
fn a_bare_cause_needs_dockers_context() {
    assert_eq!(
        modes(
            "#8 12.3 npm ERR! request to https://registry.npmjs.org/x failed, reason: unable to get local issuer certificate ... failed to solve"
        )[0],
        "ca.untrusted-in-build"
    );
    // A program's own call is its trust store's, at the floor, never the daemon's.
    let program = read(
        "post \"https://api.example.com/hook\": x509: certificate signed by unknown authority",
        Around::default(),
    );
    assert_eq!(
        program.iter().map(|r| r.mode).collect::<Vec<_>>(),
        ["ca.untrusted-by-program", "ca.untrusted"]
    );
    assert_eq!(program[0].confidence, 0.5);
    assert_eq!(program[0].values["host"], "api.example.com");
    let with_credentials = read(
        "get \"https://bob:s3cr3t@api.example.com/x\": x509: certificate signed by unknown authority",
        Around::default(),
    );
    assert_eq!(with_credentials[0].values["host"], "api.example.com");
    assert!(modes("Traceback (most recent call last): PermissionError: [Errno 13] Permission denied: '/data/x'").is_empty());
    assert!(
        modes("java.io.FileNotFoundException: /etc/app.conf (No such file or directory)")
            .is_empty()
    );
}

/// A certificate no store knows, alone on its line in any tool's words, is the CA
/// reading at the floor, naming the other reading; an application's exception around
/// it keeps it the application's.
#[test]
fn a_bare_certificate_cause_is_a_moderate_ca_reading() {
    for line in [
        "x509: certificate signed by unknown authority",
        "Error: self signed certificate in certificate chain",
        "fatal: unable to access: server certificate verification failed. CAfile: none CRLfile: none",
        "PKIX path building failed: unable to find valid certification path to requested target",
        "The remote certificate is invalid: the certificate chain was issued by an authority that is not trusted",
    ] {
        let r = read(&line.to_lowercase(), Around::default());
        assert_eq!(
            r.iter().map(|r| r.mode).collect::<Vec<_>>(),
            ["ca.untrusted"],
            "{line}"
        );
        assert_eq!(r[0].confidence, 0.5, "{line}");
        assert!(r[0].basis.contains("the program's"), "{line}");
    }
    let app = Around {
        application: true,
        ..Around::default()
    };
    assert!(
        read(
            "certificate verify failed: unable to get local issuer certificate",
            app
        )
        .is_empty()
    );
    // A self-signed root inside the chain is a proxy's re-signing, whoever called.
    let proxy = read(
        "httpsconnectionpool(host='semgrep.dev', port=443): max retries exceeded with url: /c/auto (caused by sslerror(sslcertverificationerror(1, '[ssl: certificate_verify_failed] certificate verify failed: self-signed certificate in certificate chain (_ssl.c:1002)')))",
        app,
    );
    assert_eq!(proxy[0].mode, "ca.untrusted-by-program");
    assert_eq!(proxy[0].confidence, 0.5);
    assert_eq!(
        modes(
            "Cannot connect to host api.example.com:443 ssl:True [SSL: CERTIFICATE_VERIFY_FAILED]"
        )[0],
        "ca.untrusted-by-program"
    );
}

/// A package manager's download (pip, apt, apk, curl, go) runs in the build's or the
/// container's network with the image's trust store: its untrusted chain is the
/// image's, its DNS or connection failure the build's network or proxy. The same cause
/// on an application's own server, in its exception, stays unanswered.
#[test]
fn package_downloads_are_the_builds() {
    let build = Around {
        docker: true,
        build: true,
        ..Around::default()
    };
    let app = Around {
        application: true,
        ..Around::default()
    };
    let read_as = |line: &str, around| {
        read(&line.to_lowercase(), around)
            .iter()
            .map(|r| r.mode)
            .collect::<Vec<_>>()
    };
    // The host is the distribution's, also behind the tool's words for the fetch.
    let apt = "w: failed to fetch http://deb.debian.org/debian/dists/bookworm/inrelease could not connect to proxy.corp:3128, connection timed out";
    assert_eq!(read(apt, build)[0].values["host"], "deb.debian.org");
    for (line, around, want) in [
        (
            "pip._vendor.requests.exceptions.SSLError: HTTPSConnectionPool(host='files.pythonhosted.org', port=443): Max retries exceeded (Caused by SSLError(SSLCertVerificationError(1, '[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: unable to get local issuer certificate')))",
            app,
            "ca.untrusted-in-build",
        ),
        (
            "Failed to download pkg (curl error 60 while downloading https://repo.packagist.org/p2/a.json: SSL certificate problem: unable to get local issuer certificate)",
            Around::default(),
            "ca.untrusted-in-build",
        ),
        (
            "W: Failed to fetch http://deb.debian.org/debian/dists/bookworm/InRelease  Temporary failure resolving 'deb.debian.org'",
            build,
            "registry.dns-in-build",
        ),
        (
            "#7 0.161 WARNING: Ignoring https://dl-cdn.alpinelinux.org/alpine/v3.16/main: could not connect to server (check repositories file)",
            build,
            "proxy.build-unreachable",
        ),
        (
            "curl: (7) Failed to connect to deb.debian.org port 80 after 0 ms: Couldn't connect to server",
            build,
            "proxy.build-unreachable",
        ),
        (
            "#7 1.2 W: Failed to fetch http://deb.debian.org/debian/dists/bookworm/InRelease  Could not connect to proxy.corp:3128 (10.0.0.1), connection timed out",
            build,
            "proxy.build-unreachable",
        ),
        (
            "The command '/bin/sh -c curl -fsSL https://example.net/tool.tgz -o /tmp/t.tgz' returned a non-zero code: 60",
            build,
            "ca.untrusted-in-build",
        ),
    ] {
        assert_eq!(read_as(line, around).first().copied(), Some(want), "{line}");
    }
    // An application's own API, whatever its host, is the application's.
    for line in [
        "requests.exceptions.SSLError: HTTPSConnectionPool(host='api.example.com', port=443): Max retries exceeded (Caused by SSLError(SSLCertVerificationError(1, '[SSL: CERTIFICATE_VERIFY_FAILED]')))",
        "error=Get \"https://gitlab.com/api/v4/projects/a%2Fb\": x509: certificate signed by unknown authority",
    ] {
        assert!(read_as(line, app).is_empty(), "{line}");
    }
    // A registry's API on a host that also serves packages stays the registry's.
    assert_eq!(
        modes(
            "Get https://docker.pkg.github.com/v2/: x509: certificate signed by unknown authority"
        ),
        ["ca.untrusted"]
    );
}

/// A tool that asks whether Docker is installed, `spawn` of a docker found by its full
/// path, and WSL's own distribution registration: the same causes in more words.
#[test]
fn a_missing_docker_and_wsls_registration_in_more_words() {
    first_modes_are(&[
        (
            "Error: Running AWS SAM projects locally requires Docker. Have you got it installed?",
            "daemon.not-running",
        ),
        (
            "spawn C:\\Users\\me\\AppData\\Local\\Programs\\Microsoft VS Code\\docker ENOENT",
            "cli.missing",
        ),
        (
            "spawn /usr/local/bin/docker-compose ENOENT",
            "cli.plugin-missing",
        ),
    ]);
    for line in [
        "WslRegisterDistribution failed with error: 0x80041002",
        "Installing, this may take a few minutes... WslRegisterDistribution failed with error: 0x800706be",
    ] {
        let got = modes(&line.to_lowercase());
        assert!(
            got.first().is_some_and(|m| m.starts_with("wsl.")),
            "{line}: {got:?}"
        );
    }
}

/// A plugin or the CLI missing, and Docker Desktop down, in wrappers' own sentences.
#[test]
fn a_missing_plugin_in_wrappers_sentences() {
    first_modes_are(&[
        (
            "Docker CLI /usr/bin/docker does not have the compose plugin installed",
            "cli.plugin-missing",
        ),
        (
            "Vagrant was unable to locate the `docker-compose` executable.",
            "cli.plugin-missing",
        ),
        (
            "This script requires \"docker-compose\" to be installed",
            "cli.plugin-missing",
        ),
        (
            "Docker Desktop appears not to be running, please check it and ensure that it is running correctly.",
            "daemon.not-running",
        ),
    ]);
}

/// Go dials the daemon's own port for a tcp daemon's URL; another port in the chain is
/// the proxy it was sent to, and that is what the cause is read as.
#[test]
fn a_daemon_request_dialled_elsewhere_went_through_a_proxy() {
    let line = "error during connect: post http://0.0.0.0:2375/v1.39/containers/create: read tcp 10.0.0.5:5502->10.1.1.1:8080: i/o timeout";
    assert_eq!(
        daemon_dialled_elsewhere(line),
        Some((
            line.find("read tcp").unwrap(),
            "10.1.1.1:8080".to_string(),
            "0.0.0.0".to_string()
        ))
    );
    assert_eq!(
        modes(
            "error during connect: Get http://localhost:2375/v1.40/version: dial tcp 10.9.8.7:3128: connect: connection refused"
        ),
        ["proxy.daemon-via-proxy"]
    );
    for same in [
        "error during connect: get http://10.0.0.4:2375/v1.39/info: dial tcp 10.0.0.4:2375: i/o timeout",
        "error during connect: get https://[::1]:2376/v1.39/info: read tcp [::1]:4000->[::1]:2376: read: connection reset by peer",
        // No port in the URL: nothing to compare.
        "get http://docker/v1.39/info: dial tcp 172.17.0.2:2375: i/o timeout",
        // A registry's URL is not a daemon's.
        "get https://registry.corp:5000/v2/: dial tcp 10.0.0.9:443: i/o timeout",
    ] {
        assert_eq!(daemon_dialled_elsewhere(same), None, "{same}");
    }
}

/// The daemon's own refusal of a request says it runs; Desktop's proxy answering for
/// an engine that is not there, or a daemon not reached, does not.
#[test]
fn a_daemon_that_refused_a_request_answered() {
    let answered = |l: &str| daemon_answered(&[l.to_string()]);
    assert!(answered(
        "error response from daemon: manifest for biocontainers/x:latest not found"
    ));
    assert!(answered(
        "error response from daemon: conflict: the container name \"/web\" is already in use"
    ));
    for not in [
        "error response from daemon: dial unix docker.raw.sock: connect: connection refused",
        "error response from daemon: open \\\\.\\pipe\\docker_engine_linux: the system cannot find the file specified.",
        "error response from daemon: bad gateway",
        "cannot connect to the docker daemon at unix:///var/run/docker.sock. is the docker daemon running?",
    ] {
        assert!(!answered(not), "{not}");
    }
}

/// The call nearest a cause owns it: another web server after the registry's URL,
/// not an image reference, the Engine API's path or a token endpoint; a multi-byte
/// character before the scheme is no boundary problem.
#[test]
fn the_call_nearest_a_cause_owns_it() {
    let owned = |line: &str| {
        let at = line.find("connection refused").expect("a cause");
        other_call_before(line, at, "registry-1.docker.io")
    };
    assert!(owned(
        "push image https://registry-1.docker.io/v2/library/pg:1 failed: post http://localhost:6060/v1/layers: dial tcp 127.0.0.1:6060: connect: connection refused"
    ));
    assert!(owned(
        "pull registry-1.docker.io/x failed: →https://scanner.local/api/scan: connection refused"
    ));
    for line in [
        "docker://ncbi/pgap:1 uri: get https://registry-1.docker.io/v2/: connection refused",
        "500 server error for http+docker://localhost/v1.40/images/create: registry-1.docker.io connection refused",
        "get https://auth.docker.io/token?scope=x: registry-1.docker.io connection refused",
        "get https://registry-1.docker.io/v2/library/x/manifests/1: connection refused",
    ] {
        assert!(!owned(line), "{line}");
    }
    assert!(log_warning(
        "time=\"x\" level=warning msg=\"could not change group\""
    ));
    assert!(!log_warning(
        "time=\"x\" level=error msg=\"failed to start daemon\""
    ));
}

/// A runtime's exception that says its listen failed (Poco's `Net Exception`, Java's
/// `BindException`) is the program's own port inside its container, even with
/// Docker's words around it; Docker's own words for a host port still read as one.
#[test]
fn a_runtimes_own_listen_is_not_a_host_port() {
    let docker = Around {
        docker: true,
        ..Around::default()
    };
    for line in [
        "<warning> application: listen [0.0.0.0]:8123 failed: poco::exception. code: 1000, e.code() = 98, net exception: address already in use: 0.0.0.0:8123",
        "java.net.bindexception: address already in use",
        "error> application: net exception: address already in use: 127.0.0.1:8123",
    ] {
        assert!(read(line, docker).is_empty(), "{line}");
        assert!(read(line, Around::default()).is_empty(), "{line}");
    }
    assert_eq!(
        read("error response from daemon: driver failed programming external connectivity on endpoint web (1f2e): error starting userland proxy: listen tcp4 0.0.0.0:8080: bind: address already in use", docker)[0].mode,
        "ports.in-use-process"
    );
}

/// Docker's own ports, a port a tool says is taken, a driver's EIO and EINVAL, a full
/// disk and Docker needed by a wrapper, in the words the corpus did not have.
#[test]
fn more_shapes_of_the_same_causes() {
    first_modes_are(&[
        (
            "connect ECONNREFUSED 127.0.0.1:2375",
            "daemon.remote-refused",
        ),
        (
            "Failed to start web: Unable to listen on required ports, port 443 is already in use,",
            "ports.in-use-process",
        ),
        (
            "Bind to port 22 on 0.0.0.0 failed: Address in use.",
            "ports.in-use-process",
        ),
        (
            "Error starting userland proxy: listen: tcp 0.0.0.0.:443: bind: adress already in use",
            "ports.in-use-process",
        ),
        (
            "Error response from daemon: Bind for 0.0.0.0:2375 failed: port is already allocated",
            "ports.in-use-container",
        ),
        (
            "failed to write digest data: sync /var/lib/docker/image/btrfs/imagedb/content/sha256/.tmp-ff: input/output error",
            "storage.driver-failed",
        ),
        (
            "Error response from daemon: error creating aufs mount to /var/lib/docker/aufs/mnt/6f2e-init: invalid argument",
            "storage.driver-failed",
        ),
        (
            "[supervisor.docker.manager] No space left on disk",
            "storage.low-space",
        ),
        (
            "Error: Running AWS SAM projects locally requires Docker. Have you got it installed and running?",
            "daemon.not-running",
        ),
        (
            "curl: (28) Failed to connect to ghcr.io port 443 after 130437 ms: Could not connect to server",
            "registry.connect-timeout",
        ),
        (
            "ERROR: Docker does not appear to be running. Please start Docker.",
            "daemon.not-running",
        ),
        (
            "com.github.dockerjava.api.exception.DockerClientException: Could not pull image: unauthorized: authentication required",
            "registry.auth-failed",
        ),
        (
            "subprocess.CalledProcessError: Command '['C:\\\\Program Files\\\\Docker\\\\Docker\\\\resources\\\\bin\\\\docker-credential-desktop.EXE', 'list']' returned non-zero exit status 1.",
            "auth.helper-failed",
        ),
        (
            "ERROR: WSL2 not detected - exit code: error. WSL2 does not seem to be installed.",
            "wsl.not-installed",
        ),
        (
            "243.7 E: Failed to fetch http://archive.ubuntu.com/ubuntu/pool/a.deb  403  connecting to archive.ubuntu.com:80: dial tcp 91.189.91.82:80: connectex: A connection attempt failed because the connected party did not properly respond after a period of time",
            "proxy.build-unreachable",
        ),
    ]);
    // EINVAL elsewhere (a platform string, a socket option) is not the store's.
    assert!(
        modes("failed to parse platform : \"\" is an invalid component: invalid argument")
            .is_empty()
    );
}

/// Docker's words without a path or URL still name the target: the daemon's socket in
/// words, systemd's unit, WSL's error codes, the registry's error codes.
#[test]
fn targets_named_in_words() {
    let cases = [
        (
            "Exiting due to PROVIDER_DOCKER_NEWGRP: exit status 1: permission denied while trying to connect to the Docker daemon socket",
            "socket.not-in-group",
        ),
        (
            "Failed to start docker.service: Unit docker.service is masked.",
            "daemon.start-failed",
        ),
        (
            "Failed to start docker.service: Unit docker.service not found.",
            "daemon.not-running",
        ),
        (
            "Error: 0x80370114 The operation could not be started because a required feature is not installed.",
            "wsl.vm-platform-missing",
        ),
        (
            "Docker Desktop requires a newer WSL kernel version. Update the WSL kernel by running \"wsl --update\"",
            "wsl.kernel-update-required",
        ),
        (
            "ERROR: denied: permission_denied: write_package",
            "registry.access-denied",
        ),
        (
            "unauthorized: authentication required make: *** [push] Error 1",
            "registry.auth-failed",
        ),
        (
            "failed to bind host port for 0.0.0.0:53:172.24.0.2:53/tcp: address already in use",
            "ports.in-use-process",
        ),
        (
            "'docker-compose' is not recognized as an internal or external command",
            "cli.plugin-missing",
        ),
        (
            "Docker Compose requires buildx plugin to be installed",
            "cli.plugin-missing",
        ),
        (
            "Your kernel does not support cgroup memory limit",
            "storage.cgroup-controllers-missing",
        ),
        (
            "Unable to find a Docker daemon: Docker is either not running or not installed",
            "daemon.not-running",
        ),
        (
            "Error response from daemon: write /var/lib/docker/overlay2/abc/merged/x: read-only file system",
            "storage.driver-failed",
        ),
        (
            "failed to register layer: open /var/lib/docker/overlay2/abc/committed: no such file or directory",
            "storage.driver-failed",
        ),
        (
            "Error: rootlessport listen tcp 0.0.0.0:80: bind: permission denied",
            "ports.privileged-rootless",
        ),
        (
            "Error: error logging into \"quay.io\": invalid username/password",
            "registry.auth-failed",
        ),
        (
            "Docker Desktop - Unexpected WSL error. An unexpected error was encountered while executing a WSL command.",
            "wsl.not-installed",
        ),
        (
            "Error response from daemon: devmapper: Error running deviceCreate (CreateSnapDeviceRaw) dm_task_run failed",
            "storage.driver-failed",
        ),
        ("thin pool has insufficient free space", "storage.low-space"),
        (
            "mkdir /var/lib/docker/overlay2/abc-init: no space left on device",
            "storage.low-space",
        ),
        (
            "ERROR: Error processing tar file(exit status 1): unexpected EOF",
            "storage.driver-failed",
        ),
        (
            "WARNING: The buildx plugin is not installed. Falling back to the legacy builder",
            "cli.plugin-missing",
        ),
        // A program that runs docker, told by its OS that there is none.
        (
            "java.io.IOException: Cannot run program \"docker\": error=2, No such file or directory",
            "cli.missing",
        ),
        ("Error: spawn docker ENOENT", "cli.missing"),
        (
            "FileNotFoundError: [Errno 2] No such file or directory: 'docker-compose'",
            "cli.plugin-missing",
        ),
        (
            "The aufs storage-driver is no longer supported.",
            "storage.driver-failed",
        ),
    ];
    for (line, mode) in cases {
        assert_eq!(modes(line).first().copied(), Some(mode), "{line}");
    }
    // A file missing from a build's context is the build's, not the store's.
    assert!(
        !modes(
            "COPY failed: stat /var/lib/docker/tmp/docker-builder1/src: no such file or directory"
        )
        .contains(&"storage.driver-failed")
    );
    // A proxy is named by its host, never by the user of its URL.
    let r = read(
        "proxyconnect tcp: dial tcp: lookup user:pw@proxy.corp.example on 127.0.0.53:53: no such host",
        Around::default(),
    );
    assert!(
        r[0].basis.contains("proxy.corp.example") && !r[0].basis.contains("user"),
        "{}",
        r[0].basis
    );
    // A unit's name inside a cgroup path is not the unit failing.
    assert!(!modes("stat /sys/fs/cgroup/systemd/system.slice/early-containerd.service/x: no such file or directory").contains(&"daemon.not-running"));
    // Nor is a program's own "unauthorized:" a registry's without Docker around it.
    assert!(modes("api call failed: unauthorized: token expired").is_empty());
}

/// Python's and Winsock's errno numbers, registry error codes, a runtime's "not
/// supported", WSL's exit codes are causes too.
#[test]
fn causes_in_other_spellings() {
    let cases = [
        (
            "Error while fetching server API version: ('Connection aborted.', PermissionError(13, 'Permission denied'))",
            Some("socket.not-in-group"),
        ),
        (
            "docker.errors.DockerException: Error while fetching server API version: ('Connection aborted.', FileNotFoundError(2, 'No such file or directory'))",
            Some("daemon.not-running"),
        ),
        (
            "Error response from daemon: manifest for registry.example.com/team/app:9.9 not found: manifest unknown: manifest unknown",
            Some("registry.not-found"),
        ),
        (
            "failed to push ghcr.io/acme/tool:1.2: denied: permission_denied: write_package",
            Some("registry.access-denied"),
        ),
        (
            "OCI runtime create failed: runc create failed: cgroup controller memory is not available: unknown",
            Some("storage.cgroup-controllers-missing"),
        ),
        (
            "running WSL command wsl.exe C:\\Windows\\System32\\wsl.exe --update: exit code: 4294967295",
            Some("wsl.kernel-update-required"),
        ),
        // A tool's check of the WSL kernel, in "not <feature> capable" words.
        (
            "usbipd: error: WSL kernel is not USBIP capable; update with 'wsl --update'",
            Some("wsl.kernel-update-required"),
        ),
        // The CLI's trailing hint is not the cause: the permission error before it is.
        (
            "Get http:///var/run/docker.sock/v1.20/info: dial unix /var/run/docker.sock: permission denied. Are you trying to connect to a TLS-enabled daemon without TLS?",
            Some("socket.not-in-group"),
        ),
        // Another Windows program's reserved port is its own.
        (
            "listen tcp 0.0.0.0:8443: bind: An attempt was made to access a socket in a way forbidden by its access permissions.",
            None,
        ),
        // An application's own listen, in its own container.
        ("server: listen tcp :80: bind: permission denied", None),
    ];
    for (line, want) in cases {
        assert_eq!(modes(line).first().copied(), want, "{line}");
    }
    assert_eq!(
        unwrap_line("Error response from daemon: **client version 1.45** is too new"),
        ["Error response from daemon: client version 1.45 is too new"]
    );
}

/// The registry API answers its ping with JSON: a bare status text after the ping's
/// URL is something between's, and the reading says so; the same status in the
/// registry's own words stays the registry's.
#[test]
fn a_ping_answered_by_a_bare_status_is_not_the_registrys() {
    let cases = [
        (
            "Get \"https://registry-1.docker.io/v2/\": Bad Request",
            "registry.proxy-failed",
        ),
        (
            "docker: Error response from daemon: Get \"https://registry-1.docker.io/v2/\": Service Unavailable.",
            "registry.proxy-failed",
        ),
        (
            "Error response from daemon: Get https://reg.example.com:5000/v1/_ping: Bad Gateway",
            "registry.proxy-failed",
        ),
        (
            "Error response from daemon: Get https://reg.example.com/v2/: Forbidden",
            "registry.tunnel-refused",
        ),
        // The registry's own error code, not a bare status.
        (
            "Error response from daemon: Head \"https://ghcr.io/v2/acme/app/manifests/1\": denied: denied",
            "registry.access-denied",
        ),
    ];
    first_modes_are(&cases);
}

/// Docker named as the thing that could not be reached, or that is not running, in a
/// tool's own words; a container that is not running is not Docker.
#[test]
fn docker_down_in_a_tools_words() {
    for line in [
        "Connection to the Docker daemon at 'localhost' failed with error \"[2] No such file or directory\"; ensure the Docker daemon is running and accessible",
        "Could not connect to a Docker provider. Please start or install a Docker provider.",
        "Error: Socket not found: /var/run/docker.sock",
        "localstack.utils.container_utils.container_client.ContainerException: Docker not available",
        // Unreachable, not found, not detected: the same state in other verbs.
        "The Docker daemon is unreachable",
        "Docker API is not reachable",
        "Couldn't find a running Docker daemon",
        "No Docker daemon found",
        "Failed to reach Docker. Is it running?",
        "Error: could not find docker socket",
    ] {
        let around = Around {
            docker: true,
            ..Around::default()
        };
        let r = read(&line.to_lowercase(), around);
        assert_eq!(
            r.first().map(|r| r.mode),
            Some("daemon.not-running"),
            "{line}"
        );
    }
    // Named only in words, the socket has no path to claim: the explanation's default
    // ("the configured address") stands, not /var/run/docker.sock.
    let r = read(
        "could not connect to a docker provider. please start or install a docker provider.",
        Around::default(),
    );
    assert!(r[0].values.is_empty(), "{:?}", r[0].values);
    assert!(r[0].basis.contains("no path printed"), "{}", r[0].basis);
    let around = Around {
        docker: true,
        ..Around::default()
    };
    for line in [
        "docker: Error response from daemon: Container 4c1e3b is not running.",
        "app_1 | Error: Could not connect to Redis at redis:6379: Connection refused",
        "Error: failed to connect to the database: dial tcp 127.0.0.1:5432: connect: connection refused",
        // Docker's files and objects are not Docker.
        "unable to find docker image myorg/app",
        "Could not find docker-compose.yml in this directory",
        "The service is unreachable",
    ] {
        assert!(read(&line.to_lowercase(), around).is_empty(), "{line}");
    }
}

/// A tool's own verbs for causes already read: a registry's name that does not
/// resolve, a rate limit "reached", a full disk image, a Compose that is "required".
/// The same verbs on an application's host or file stay unanswered.
#[test]
fn more_verbs_for_the_same_causes() {
    first_modes_are(&[
        (
            "Error: could not resolve registry-1.docker.io",
            "registry.dns-nxdomain",
        ),
        (
            "Error: unable to resolve host ghcr.io",
            "registry.dns-nxdomain",
        ),
        (
            "Failed to pull image \"nginx\": DNS lookup failed for registry-1.docker.io",
            "registry.dns-nxdomain",
        ),
        (
            "ERROR: Docker Hub rate limit reached. Please log in or wait.",
            "registry.rate-limited",
        ),
        (
            "The Docker disk image is full. Free up space or increase the disk image size.",
            "storage.low-space",
        ),
        ("Error: Docker Compose v2 is required", "cli.plugin-missing"),
        (
            "Error: 'docker compose' is not available. Please install the Compose plugin",
            "cli.plugin-missing",
        ),
    ]);
    for line in [
        "Error: unable to resolve api.example.com",
        "The API rate limit exceeded for user",
        "Error: config file is missing",
    ] {
        assert!(modes(line).is_empty(), "{line}");
    }
    // An image reference is not a name being resolved, and a build step's own API
    // limit is not the registry's.
    let build = Around {
        docker: true,
        build: true,
        ..Around::default()
    };
    for (line, not) in [
        (
            "error: failed to resolve docker.io/library/node:18: not found",
            "registry.dns-nxdomain",
        ),
        (
            "#8 0.912 curl: API rate limit exceeded for 203.0.113.7",
            "registry.rate-limited",
        ),
    ] {
        let r = read(line, build);
        assert!(
            r.iter().all(|r| r.mode != not),
            "{line}: {:?}",
            r.first().map(|r| r.mode)
        );
    }
}

/// A registry's connection cut mid-exchange reads as the registry's first, with the
/// proxy's reading beside it for the probe to decide; a proxy named on the line stays
/// the proxy's.
#[test]
fn a_cut_registry_connection_is_the_registrys_with_the_proxy_beside() {
    for line in [
        "error response from daemon: get https://quay.io/v2/: eof",
        "error response from daemon: get \"https://ghcr.io/v2/\": read tcp 10.0.0.2:33012->20.207.73.86:443: read: connection reset by peer",
        "failed to authorize: failed to fetch oauth token: post \"https://auth.docker.io/token\": read: connection reset by peer",
    ] {
        let r = read(line, Around::default());
        let modes: Vec<&str> = r.iter().map(|r| r.mode).collect();
        assert_eq!(
            modes,
            ["registry.connection-cut", "registry.proxy-failed"],
            "{line}"
        );
    }
    let proxied =
        "get https://registry-1.docker.io/v2/: proxyconnect tcp: read: connection reset by peer";
    assert_eq!(modes(proxied).first(), Some(&"registry.proxy-failed"));
    // A single-label name Go looked up is the proxy's (a URL it misread).
    let looked_up = "get https://registry-1.docker.io/v2/: proxyconnect tcp: dial tcp: lookup usrname on 10.0.0.1:53: server misbehaving";
    assert!(
        read(looked_up, Around::default())[0]
            .basis
            .starts_with("the proxy usrname: ")
    );
    // No proxy named: "the proxy", not the cause's first word.
    let basis = &read(proxied, Around::default())[0].basis;
    assert!(basis.starts_with("the proxy: connection reset"), "{basis}");
}

/// A sandbox's own cgroups (a judge, an isolate) that the container or the kernel does
/// not give: the cgroup reading at the moderate floor, without Docker's words; other
/// files' absence is not the hierarchy's.
#[test]
fn a_sandboxs_cgroups_are_the_hierarchys() {
    for line in [
        "failed to create control group /sys/fs/cgroup/memory/box-29/: no such file or directory",
        "mkdir: cannot create directory '/sys/fs/cgroup/cpuset/domjudge': read-only file system",
        "failed to create /init.scope control group: no such file or directory",
    ] {
        let r = read(line, Around::default());
        assert_eq!(
            r.first().map(|r| (r.mode, r.confidence)),
            Some(("storage.cgroup-controllers-missing", 0.5)),
            "{line}"
        );
    }
    assert!(modes("chown: cannot access '/box': no such file or directory").is_empty());
}

/// "Command not found" in a shell's or Windows' own language names the command.
#[test]
fn a_missing_command_in_other_languages() {
    first_modes_are(&[
        (
            "./jmsctl.sh:行81: docker-compose: 未找到命令",
            "cli.plugin-missing",
        ),
        (
            "bash: docker-compose: befehl nicht gefunden",
            "cli.plugin-missing",
        ),
        ("bash: docker: commande introuvable", "cli.missing"),
        (
            "'docker' не является внутренней или внешней командой",
            "cli.missing",
        ),
        ("-bash: docker: команда не найдена", "cli.missing"),
    ]);
    assert!(modes("bash: kubectl: befehl nicht gefunden").is_empty());
}

/// A push's verbs and the registry's own error messages name the registry.
#[test]
fn a_push_and_the_registrys_error_messages_name_the_registry() {
    first_modes_are(&[
        (
            "error: build failed: cannot push workspace image: dial tcp_ lookup *.mysubdomain.example.com: no such host",
            "registry.dns-nxdomain",
        ),
        (
            "failed: error: push failed: {\"message\":\"unauthorized: authentication required\"}",
            "registry.auth-failed",
        ),
    ]);
    // git's own push is not a registry's.
    assert!(
        !modes(
            "error: failed to push some refs to 'git@example.com:a/b.git': connection reset by peer"
        )
        .iter()
        .any(|m| m.starts_with("registry."))
    );
}

/// Go's ssh client, as a panel or RKE uses it to reach the socket, in its own words.
#[test]
fn a_tools_own_ssh_to_the_socket() {
    first_modes_are(&[
        (
            "error during connect: get \"http://%2fvar%2frun%2fdocker.sock/v1.48/info\": ssh: rejected: connect failed (open failed)",
            "daemon.ssh-failed",
        ),
        (
            "cannot connect to docker: ssh: handshake failed: ssh: unable to authenticate, attempted methods [none publickey], no supported methods remain",
            "daemon.ssh-key-refused",
        ),
    ]);
    // The same words from a Go tool's git over ssh are not a daemon's.
    assert!(modes("failed to clone: ssh: handshake failed: knownhosts: key mismatch").is_empty());
}

/// A registry's words without its host on a line that names the registry are that
/// registry's: "Read as" and the fix name ghcr.io, not "the registry".
#[test]
fn a_registry_named_on_the_line_names_its_hostless_words() {
    let line = "error response from daemon: head \"https://ghcr.io/v2/org/app/manifests/1.0\": received unexpected http status: 503 service unavailable";
    let r = read(line, Around::default());
    assert_eq!(r[0].mode, "registry.server-error");
    assert!(
        r[0].basis.starts_with("the registry ghcr.io"),
        "{}",
        r[0].basis
    );
    assert_eq!(r[0].values["registry"], "ghcr.io");
}

/// A denied socket in a tool's own words: the socket by its file name or as "the
/// Docker daemon", the group named as what is missing. Instructions about the group
/// (an install guide's usermod line) are not a failure.
#[test]
fn socket_permission_in_a_tools_words() {
    for line in [
        "docker.sock: permission denied",
        "You don't have permission to access the Docker daemon",
        "current user is not in the docker group",
        "Error: user is not a member of the 'docker' group",
        "Access to the Docker daemon was denied",
        // Java's name for EACCES, on the socket's path.
        "Root cause AccessDeniedException (/var/run/docker.sock)",
    ] {
        let r = read(&line.to_lowercase(), Around::default());
        assert_eq!(
            r.first().map(|r| r.mode),
            Some("socket.not-in-group"),
            "{line}"
        );
    }
    for line in [
        "sudo usermod -aG docker $USER",
        "Added user to the docker group. Log out and back in.",
        "The docker group grants root-level privileges to the user.",
    ] {
        assert!(
            read(&line.to_lowercase(), Around::default()).is_empty(),
            "{line}"
        );
    }
    // apk's words for an untrusted chain, in a build step.
    let build = Around {
        build: true,
        ..Around::default()
    };
    let apk = "error: https://dl-cdn.alpinelinux.org/alpine/v3.19/main: tls: server certificate not trusted";
    assert_eq!(
        read(apk, build).first().map(|r| r.mode),
        Some("ca.untrusted-in-build")
    );
}

/// More tools' words for a certificate no store knows, and for one issued to another
/// name; a forum's typographic quotes are read as the plain ones.
#[test]
fn certificate_causes_in_more_tools_words() {
    for line in [
        "ERROR: The certificate of 'www.python.org' is not trusted.",
        "ERROR: The certificate of 'www.python.org' doesn't have a known issuer.",
        "201DE99EFFFF0000:error:0A000086:SSL routines:tls_post_process_server_certificate:certificate verify failed:ssl/statem/statem_clnt.c:2091:",
        "E: Certificate verification failed: The certificate is NOT trusted. The certificate issuer is unknown.",
    ] {
        assert_eq!(modes(line), ["ca.untrusted"], "{line}");
    }
    let plain = super::super::matcher::plain_line(
        "Error response from daemon: Get \u{201c}https://registry-1.docker.io/v2/\u{201d}: certificate is valid for a.example, *.example, not registry-1.docker.io",
    );
    assert!(
        plain.contains("\"https://registry-1.docker.io/v2/\""),
        "{plain}"
    );
    assert_eq!(read(&plain, Around::default())[0].mode, "ca.wrong-host");
    // Docker's build words make a remote context's certificate Docker's.
    assert_eq!(
        modes(
            "unable to prepare context: unable to download remote context https://git.example.com/a.tar: Get https://git.example.com/a.tar: x509: certificate signed by unknown authority"
        )[0],
        "ca.untrusted"
    );
}

/// A lookup through a named nameserver whose UDP exchange failed is the nameserver's,
/// whatever the paste kept of the last words; WSL's own error codes read as WSL.
#[test]
fn dns_and_wsl_causes_without_their_last_words() {
    assert_eq!(
        modes(
            "Error response from daemon: Get https://docker.elastic.co/v2/: dial tcp: lookup docker.elastic.co on [::1]:53: read udp [::1]:51036->[::1]:53: read: connection ref"
        )[0],
        "registry.dns-servfail"
    );
    assert_eq!(
        modes("Error code: Wsl/Service/CreateInstance/CreateVm/HCS/HCS_E_HYPERV_NOT_INSTALLED"),
        ["wsl.vm-platform-missing"]
    );
    assert_eq!(
        modes("Error code: Wsl/Service/0x8007273d")[0],
        "wsl.not-installed"
    );
}

/// A package registry's URL (npm's, a Go proxy's) is not an image registry: its 404 is
/// a package that does not exist, and a read-only bind-mount source is the user's.
#[test]
fn other_registries_and_foreign_paths_are_not_dockers() {
    let around = Around {
        docker: true,
        ..Around::default()
    };
    for line in [
        "#12 5.2 npm ERR! 404 Not Found - GET https://registry.npmjs.org/@scope%2fpkg - Not found",
        "Error response from daemon: error while creating mount source path '/mnt/data': mkdir /mnt/data: read-only file system",
    ] {
        assert!(read(&line.to_lowercase(), around).is_empty(), "{line}");
    }
    assert_eq!(
        read("error: failed to update builder: open /home/u/.docker/buildx/activity/x: read-only file system", around)[0].mode,
        "storage.driver-failed"
    );
    assert_eq!(
        modes(
            "Error response from daemon: Get https://registry.example.com:5000/v2/: x509: certificate signed by unknown authority"
        )[0],
        "ca.untrusted"
    );
}

/// A registry's certs.d, a URL scheme looked up as a host, a tool's "command was not
/// found", a plugin's unknown flag, a login refused in the registry's words.
#[test]
fn more_targets_and_causes_from_other_tools() {
    let cases = [
        (
            "error pulling image: Error initializing source docker://docker-registry.default.svc:5000/app: open /etc/docker/certs.d/docker-registry.default.svc:5000/link.crt: no such file or directory",
            "ca.untrusted",
        ),
        (
            "Error: `podman compose up` ends up with `dial tcp: lookup unix on 127.0.0.53:53: server misbehaving`",
            "daemon.remote-unresolved",
        ),
        (
            "I get the error `The 'docker' command was not found. Make sure Docker is installed.`",
            "cli.missing",
        ),
        (
            "Exiting due to PROVIDER_DOCKER_NOT_FOUND: The 'docker' provider was not found: exec: \"docker\": cannot run executable found relative to current directory",
            "cli.missing",
        ),
        (
            "Error: looking up compose provider failed: exec: \"docker-compose\": executable file not found in %PATH%",
            "cli.plugin-missing",
        ),
        (
            "Gitlab registry creation failed. HTTP Basic: Access denied. The provided password or token is incorrect",
            "registry.auth-failed",
        ),
        (
            "/usr/local/bin/docker-credential-rancher-desktop: source: line 5: can't open '/etc/rancher/desktop/credfwd': No such file or directory",
            "registry.credential-helper-missing",
        ),
    ];
    first_modes_are(&cases);
    // A registry's word at a sentence's end or before a bracket; Ruby's ENOENT; a
    // tcp daemon that closes the connection mid-request.
    let cases = [
        (
            "docker: Error response from daemon: Head \"https://ghcr.io/v2/acme/app/manifests/latest\": unauthorized.",
            "registry.auth-failed",
        ),
        (
            "Requesting bear token: invalid status code from registry 403 (Forbidden)",
            "registry.access-denied",
        ),
        (
            "ERROR (Errno::ENOENT): No such file or directory - docker",
            "cli.missing",
        ),
        ("Error: docker not found! Please install it.", "cli.missing"),
        (
            "CalledProcessError: command: ('docker', 'system', 'info') return code: 1 stdout: Executable `docker` not found",
            "cli.missing",
        ),
        (
            "error: no container engine found; install docker or podman",
            "cli.missing",
        ),
        (
            "Could not push image: Error pushing to registry: Authentication is required.",
            "registry.auth-failed",
        ),
        (
            "{\"errors\":[{\"code\":\"DENIED\",\"message\":\"Permission \\\"artifactregistry.repositories.downloadArtifacts\\\" denied on resource\"}]}",
            "registry.access-denied",
        ),
        (
            "Build to Docker daemon failed, perhaps you should make sure that the registry you configured exists: Unknown host gcr.io",
            "registry.dns-nxdomain",
        ),
        (
            "error from Docker daemon: error trying to connect: Permission denied (os error 13)",
            "socket.not-in-group",
        ),
        (
            "docker build: error during connect: Post \"https://127.0.0.1:32769/v1.24/build?rm=0\": EOF",
            "daemon.no-answer",
        ),
    ];
    first_modes_are(&cases);
    let around = Around {
        docker: true,
        ..Around::default()
    };
    assert_eq!(
        read("unknown flag: --ignore-buildable", around)[0].mode,
        "cli.plugin-missing"
    );
    assert_eq!(
        read(
            "error: unknown flag: --driver see 'podman buildx --help'",
            Around::default()
        )[0]
        .mode,
        "cli.plugin-missing"
    );
}

#[test]
fn log_lines_are_unwrapped() {
    let json = r#"{"level":"error","msg":"error during connect: Get \"http://%2F%2F.%2Fpipe%2Fdocker_engine/v1.47/version\": open //./pipe/docker_engine: The system cannot find the file specified.\nretrying"}"#;
    let lines = unwrap_line(json);
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(lines[0].contains("\"http://%2F%2F"));
    assert_eq!(
        unwrap_line("\x1b[31mERROR\x1b[0m: permission denied"),
        ["ERROR: permission denied"]
    );
    assert_eq!(unwrap_line(r"C:\new\path"), [r"C:\new\path"]);
    // A percent-encoded message is read decoded; a URL in a sentence keeps its escapes.
    assert_eq!(
        unwrap_line("error:%20failed%20to%20write:%20input/output%20error"),
        ["error: failed to write: input/output error"]
    );
    let url = "pull https://example.com/a%20b%20c failed";
    assert_eq!(unwrap_line(url), [url]);
}

/// A nameserver that fails or stays silent for a build's download is the containers'
/// DNS, not a proxy; so is a name not found there, unless the paste shows a proxy.
#[test]
fn a_silent_nameserver_in_a_build_is_the_containers_dns() {
    let build = Around {
        docker: true,
        build: true,
        ..Around::default()
    };
    for line in [
        "w: failed to fetch http://dl.rockylinux.org/pub/repodata/repomd.xml  temporary failure resolving 'dl.rockylinux.org'",
        "pip._vendor.urllib3: failed to establish a new connection: [errno -3] temporary failure in name resolution (pypi.org)",
        "npm err! request to https://registry.npmjs.org/left-pad failed, reason: getaddrinfo eai_again registry.npmjs.org",
        "get \"https://proxy.golang.org/golang.org/x/net/@v/list\": dial tcp: lookup proxy.golang.org on 10.1.2.3:53: read udp 172.17.0.2:40000->10.1.2.3:53: i/o timeout",
    ] {
        let r = read(line, build);
        assert_eq!(r[0].mode, "registry.dns-in-build", "{line}: {r:?}");
    }
    // The fix asks the containers' DNS for the host the resolver was asked for.
    for (line, host) in [
        (
            "  temporary failure resolving 'dl-cdn.alpinelinux.org'",
            "dl-cdn.alpinelinux.org",
        ),
        (
            "npm err! request to https://registry.npmjs.org/x failed, reason: getaddrinfo eai_again registry.npmjs.org",
            "registry.npmjs.org",
        ),
        (
            "dial tcp: lookup goproxy.io on 10.1.2.3:53: read udp 172.17.0.2:40000->10.1.2.3:53: i/o timeout",
            "goproxy.io",
        ),
    ] {
        let r = read(line, build);
        assert_eq!(r[0].mode, "registry.dns-in-build", "{line}");
        assert_eq!(r[0].values["host"], host, "{line}");
    }
    let not_found = "e: failed to fetch http://deb.debian.org/debian/dists/x  could not resolve 'deb.debian.org'";
    let got: Vec<_> = read(not_found, build).iter().map(|r| r.mode).collect();
    assert_eq!(
        got[..2],
        ["registry.dns-in-build", "proxy.build-unreachable"]
    );
    let proxied = Around {
        shell_proxy: true,
        ..build
    };
    assert_eq!(read(not_found, proxied)[0].mode, "proxy.build-unreachable");
    // A registry's nameserver failing stays the registry's.
    assert_eq!(
        modes(
            "error response from daemon: get \"https://quay.io/v2/\": dial tcp: lookup quay.io: temporary failure in name resolution"
        )[0],
        "registry.dns-servfail"
    );
}

/// A bind mount's source in runc's words (a file where a directory is mounted) is the
/// user's path, whatever store the container's rootfs lies in.
#[test]
fn a_bind_mounts_source_is_not_the_store() {
    let docker = Around {
        docker: true,
        ..Around::default()
    };
    for line in [
        r#"oci runtime create failed: container_linux.go:380: starting container process caused: process_linux.go:545: container init caused: rootfs_linux.go:76: mounting "/srv/site/app.ini" to rootfs at "/var/lib/docker/overlay2/ab12/merged/etc/app.ini" caused: not a directory: unknown"#,
        "error response from daemon: failed to create task: mount /var/lib/docker/volumes/x onto a path: are you trying to mount a directory onto a file (or vice-versa)? check if the specified host path exists",
    ] {
        assert!(read(&line.to_lowercase(), docker).is_empty(), "{line}");
    }
    assert_eq!(
        read("error: failed to register layer: open /var/lib/docker/overlay2/ab12/diff/x: input/output error", docker)[0].mode,
        "storage.driver-failed"
    );
}

/// A layer-progress paste cut short by a bare EOF is the pull's connection; a connect
/// that found no socket file, said of Docker, is its socket missing; a cgroup v1
/// lookup of a subsystem is the hierarchy's.
#[test]
fn bare_causes_read_from_what_surrounds_them() {
    let pull = Around {
        pull: true,
        shell_proxy: false,
        docker_client: false,
        ..Around::default()
    };
    assert_eq!(
        read("error: unexpected eof", pull)[0].mode,
        "registry.connection-cut"
    );
    assert!(read("error: unexpected eof", Around::default()).is_empty());
    let in_build = Around {
        build: true,
        ..pull
    };
    assert!(read("error: unexpected eof", in_build).is_empty());
    assert_eq!(
        modes(
            "ERROR docker_events: failed to list containers: error trying to connect: No such file or directory (os error 2)"
        )[0],
        "daemon.not-running"
    );
    assert!(modes("redis: error trying to connect: no such file or directory").is_empty());
    assert_eq!(
        modes("F1202 main.go:88] failed to start manager: mountpoint for memory not found")[0],
        "storage.cgroup-controllers-missing"
    );
    assert_eq!(
        modes(
            "> ERROR: error parsing HTTP 503 response body: invalid character '<' looking for beginning of value, pulling from library/redis"
        )[0],
        "registry.server-error"
    );
}

/// The CLI's stand-in host for an ssh connection, a tool saying Docker is down while
/// it fetched an image, a body Docker could not read as the registry's JSON, a shell
/// that was asked to run the socket, and a daemon that answered: each read by what it
/// is, not by the words it shares with another failure.
#[test]
fn what_answered_and_who_was_asked() {
    assert!(
        modes("Cannot connect to the Docker daemon at http://docker.example.com. Is the docker daemon running?")[0]
            .starts_with("daemon.ssh")
    );
    assert_eq!(
        modes("error: failed to pull the base image: the docker engine is unavailable")[0],
        "daemon.not-running"
    );
    let docker = Around {
        docker: true,
        ..Around::default()
    };
    assert_eq!(
        read(
            "error parsing http 403 response body: unexpected end of json input: \"\"",
            docker
        )[0]
        .mode,
        "registry.unexpected-answer"
    );
    assert_eq!(
        read("error parsing http 403 response body: invalid character 'y': \"your authorization token has expired\"", docker)[0].mode,
        "registry.auth-failed"
    );
    // A trust store the step's tool cannot load at all (no ca-certificates in the
    // image): curl's exit 77, wget's words.
    let build = Around {
        docker: true,
        build: true,
        ..Around::default()
    };
    for line in [
        "curl: (77) error setting certificate verify locations:  cafile: /etc/ssl/certs/ca-certificates.crt",
        "error: cannot verify dl.example.org's certificate, issued by 'cn=r3,o=let's encrypt,c=us':",
    ] {
        assert_eq!(read(line, build)[0].mode, "ca.untrusted-in-build", "{line}");
    }
    assert!(!modes("-bash: /run/docker.sock: Permission denied").contains(&"socket.not-in-group"));
    assert_eq!(
        modes("dial unix /run/docker.sock: connect: permission denied")[0],
        "socket.not-in-group"
    );
    assert!(
        modes("# docker run -v $(which docker):/docker -v /var/run/docker.sock:/docker.sock img /docker: error while loading shared libraries: libltdl.so.7: cannot open shared object file: No such file or directory")
            .is_empty()
    );
    assert!(
        modes("docker run -v /var/run/docker.sock:/var/run/docker.sock app: Error response from daemon: error while creating mount source path '/srv/x': mkdir /srv/x: no such file or directory")
            .is_empty()
    );
}

/// The trust family in other runtimes' words (Haskell's `tls`, Erlang's alerts,
/// Node's bare self-signed error, Ansible's get_url) and for another name or an
/// expired chain, without Docker's context: answered at the floor, never silent.
#[test]
fn trust_failures_in_other_runtimes_words() {
    for line in [
        "message: \"InternalException (HandshakeFailed (Error_Protocol (\"certificate has unknown CA\",True,UnknownCa)))\"",
        "msg: Failed to validate the SSL certificate for get.example.com:443. Make sure your managed systems have a valid CA certificate installed.",
        "ERR Error during authentication | error=self-signed certificate",
    ] {
        let got = modes(line);
        assert!(got[0].starts_with("ca.untrusted"), "{line}: {got:?}");
    }
    // The words of a setup that makes one are not a failure.
    assert!(modes("Generate a self-signed certificate for nginx").is_empty());
    assert_eq!(
        modes("[error] SSL: :certify: ssl_handshake.erl:1511:Fatal error: certificate expired"),
        vec!["ca.expired", "ca.clock-skew"]
    );
    let curl = "curl: (60) SSL: no alternative certificate subject name matches target host name 'dl.example.org'";
    let got = read(&curl.to_lowercase(), Around::default());
    assert_eq!(got[0].mode, "ca.wrong-host");
    // The fix checks the certificate of the host curl called.
    assert_eq!(got[0].values["host"], "dl.example.org");
    // An expired chain inside a runtime's traceback is the program's, as an unknown
    // authority there is.
    let traceback = Around {
        application: true,
        ..Around::default()
    };
    assert!(
        read(
            "requests.exceptions.sslerror: [ssl: certificate_verify_failed] certificate verify failed: certificate has expired",
            traceback
        )
        .is_empty()
    );
    // A certificate for another IP address is a daemon's TLS endpoint.
    assert_eq!(
        modes("x509: certificate is valid for 127.0.0.1, 10.0.2.15, not 192.168.59.103")[0],
        "daemon.tls-wrong-name"
    );
}

/// Causes in a wrapper's or another OS's words, each read as its family: curl's exit
/// codes reported by the program that ran it, Windows' revocation check, Go with no
/// trust store, a socket a tool was blocked from, a daemon that does not answer, a
/// port a program could not bind (at the floor: it may be the program's own).
#[test]
fn causes_in_a_wrappers_words() {
    first_modes_are(&[
        (
            r#"fatal: error fetching image: error running [curl -fsSL https://example.org/img.qcow2], output: "", err: \"exit status 60\""#,
            "ca.untrusted-by-program",
        ),
        (
            "curl: (35) schannel: next InitializeSecurityContext failed: CRYPT_E_NO_REVOCATION_CHECK (0x80092012) - The revocation function was unable to check revocation for the certificate.",
            "ca.untrusted",
        ),
        (
            "Get https://api.example.com/v1: x509: failed to load system roots and no roots provided",
            "ca.untrusted-by-program",
        ),
        (
            "[error] docker was blocked from accessing /var/run/docker.sock, check the group id",
            "socket.not-in-group",
        ),
        (
            "Docker socket found at /run/docker.sock but the daemon is not responding",
            "daemon.not-running",
        ),
        (
            "2024-01-02 ERROR: Failed binding socket to port 5353: address already in use",
            "ports.in-use-process",
        ),
    ]);
    let bind = read(
        "error: listen udp 0.0.0.0:5353: bind: address already in use",
        Around::default(),
    );
    assert_eq!(
        bind[0].confidence, 0.5,
        "the floor: a program's own listen too"
    );
    assert_eq!(bind[1].mode, "ports.in-use-container");
    // curl's own exit code, not another number that begins the same.
    assert!(
        modes("error running [curl -fsSL https://example.org/x], err: exit status 600").is_empty()
    );
}

/// The image the paste's commands act on, when they name one image, and never a run's
/// argument (its flags cannot be told from its image).
#[test]
fn the_image_acted_on_is_the_one_the_commands_name() {
    let one = |text: &str| acted_image(&text.lines().map(|l| l.to_lowercase()).collect::<Vec<_>>());
    for (text, want) in [
        ("% docker save nginx -o nginx.tar", Some("nginx")),
        (
            "$ docker save -o app.tar acme/app:1.4",
            Some("acme/app:1.4"),
        ),
        (
            "$ docker pull -q ghcr.io/acme/app:2",
            Some("ghcr.io/acme/app:2"),
        ),
        (
            "The push refers to repository [docker.io/acme/nifi]\nmissing content",
            Some("docker.io/acme/nifi"),
        ),
        // The same repository twice, with and without its tag: the longer form.
        (
            "$ docker pull nginx\n$ docker save -o n.tar nginx:latest",
            Some("nginx:latest"),
        ),
        // Two images: none is said.
        ("$ docker pull nginx\n$ docker push acme/app", None),
        // A run's flags cannot be told from its image: not read.
        ("$ docker run --rm -it ubuntu bash", None),
    ] {
        assert_eq!(one(text).as_deref(), want, "{text}");
    }
}

/// The registry of what the paste pulls, in each of Docker's ways of naming it.
#[test]
fn the_pulled_registry_is_the_references_host() {
    let one = |lines: &[&str]| {
        pulled_registry(&lines.iter().map(|l| l.to_lowercase()).collect::<Vec<_>>())
    };
    for (line, want) in [
        ("latest: Pulling from ghcr.io/acme/app", Some("ghcr.io")),
        (
            "Unable to find image 'r.example.com:5000/x:1' locally",
            Some("r.example.com:5000"),
        ),
        (
            "#3 [internal] load metadata for quay.io/org/base:3.19",
            Some("quay.io"),
        ),
        (
            "#5 [1/4] FROM registry.gitlab.com/g/p@sha256:abc",
            Some("registry.gitlab.com"),
        ),
        (
            "$ docker pull --platform linux/amd64 localhost:5000/app",
            Some("localhost:5000"),
        ),
        (
            "Pulling web (mcr.microsoft.com/dotnet/sdk:8.0)...",
            Some("mcr.microsoft.com"),
        ),
        (
            "Pulling from docker.io/library/nginx",
            Some("registry-1.docker.io"),
        ),
        // Docker Hub's short names name no host; nor do a path or a URL.
        ("latest: Pulling from library/nginx", None),
        ("Get \"https://ghcr.io/v2/\": EOF", None),
    ] {
        assert_eq!(one(&[line]).as_deref(), want, "{line}");
    }
    assert_eq!(
        one(&["docker pull quay.io/a/b", "Pulling from ghcr.io/c/d"]),
        None
    );
}

/// A registry's API answering a blob with 400, a tags list rate-limited: the
/// registry's answers, read from the request they answered.
#[test]
fn registry_answers_to_its_own_requests() {
    assert_eq!(
        modes(
            "docker: failed to copy: httpReadSeeker: failed open: unexpected status code https://cr.example.com/v2/a/b/blobs/sha256:6040b61b: 400 Bad Request."
        )[0],
        "registry.unexpected-answer"
    );
    assert_eq!(
        modes(
            "msg=\"Error determining repository tags: Invalid status code returned when fetching tags list 429 (Too Many Requests)\""
        )[0],
        "registry.rate-limited"
    );
    // A login's 400 stays the login's.
    assert_eq!(
        modes(
            "Error response from daemon: login attempt to https://r.example.com/v2/ failed with status: 400 Bad Request"
        )[0],
        "registry.auth-failed"
    );
}

/// The shell's proxy shown in the paste, and the registry's own address dialled and
/// refused or silent: the pull went around the proxy.
#[test]
fn a_registry_dialled_around_the_shells_proxy() {
    let line = "error pinging docker registry registry-1.docker.io: get https://registry-1.docker.io/v2/: dial tcp 52.1.2.3:443: i/o timeout";
    assert_eq!(
        read(line, Around::default())[0].mode,
        "registry.connect-timeout"
    );
    let proxied = Around {
        shell_proxy: true,
        ..Around::default()
    };
    let got: Vec<_> = read(line, proxied).iter().map(|r| r.mode).collect();
    assert_eq!(got, vec!["proxy.daemon-missing", "registry.connect-failed"]);
    assert!(shell_proxy("https_proxy=http://proxy.example.com:3128"));
    assert!(shell_proxy("echo $http_proxy && echo $https_proxy"));
    assert!(!shell_proxy("unset http_proxy"));
    // A command run in a container: after a zsh theme's prompt, or in a shell whose
    // prompt names the container's short id.
    assert!(container_command("❯ docker run -it alpine sh"));
    assert!(container_command("root@21ac871bc457:/app# cabal update"));
    assert!(container_command("21ac871bc457:/# cabal update"));
    assert!(!container_command("user@laptop:~$ cabal update"));
    assert!(shell_proxy("$ export http_proxy=\"http://10.0.0.1:8080\""));
    assert!(shell_proxy(
        "https_proxy=http://p:8080 http_proxy=http://p:8080 skopeo inspect docker://docker.io/fedora"
    ));
    assert!(!shell_proxy("the http_proxy variable is not set"));
    assert!(!shell_proxy("no_proxy=localhost"));
}

/// Pull progress as a front end renders it (the verb first), and a runtime's
/// unsupported controller, named for the fix.
#[test]
fn pull_progress_verb_first_and_a_named_controller() {
    assert!(pull_progress(
        "2025/12/29 00:25:31 downloading 2e4fafc9c573 [========>     ]  8.907mb/51.6mb"
    ));
    assert!(!pull_progress("downloading 12 packages"));
    let got = read(
        "cgroups: memory cgroup not supported on this system: unknown",
        Around::default(),
    );
    assert_eq!(got[0].mode, "storage.cgroup-controllers-missing");
    assert_eq!(got[0].values["controller"], "memory");
    // cgroup v2 names the controller by its interface file.
    assert_eq!(
        controller(
            "openat2 /sys/fs/cgroup/system.slice/docker-1c87.scope/io.weight: no such file or directory"
        )["controller"],
        "io"
    );
}

/// EAI_AGAIN in musl's, Ruby's, busybox's and apk's words is the nameserver's, in a
/// build and beside a container Docker just started alike.
#[test]
fn a_silent_nameserver_in_other_libcs_words() {
    let build = Around {
        docker: true,
        build: true,
        ..Around::default()
    };
    for line in [
        "warning: retrying (retry(total=4)) after connection broken by 'newconnectionerror('<pip._vendor.urllib3.connection.httpsconnection object at 0x7f8>: failed to establish a new connection: [errno -3] try again')': /simple/mkdocs/",
        "warning: ignoring http://dl-cdn.alpinelinux.org/alpine/v3.11/main/x86_64/apkindex.tar.gz: temporary error (try again later)",
    ] {
        assert_eq!(read(line, build)[0].mode, "registry.dns-in-build", "{line}");
    }
    let container = Around {
        docker: true,
        ..Around::default()
    };
    let ruby = "retrying fetcher due to error (2/6): bundler::httperror could not fetch specs from https://rubygems.org/ due to underlying error <socketerror: failed to open tcp connection to rubygems.org:443 (getaddrinfo: try again) (https://rubygems.org/specs.4.8.gz)>";
    let got = read(ruby, container);
    assert_eq!(got[0].mode, "registry.dns-in-build");
    assert_eq!(got[0].values["host"], "rubygems.org");
    assert_eq!(
        read("ping: bad address 'index.rubygems.org'", container)[0].mode,
        "registry.dns-in-build"
    );
    // Without Docker's words, a program's own lookup of its own server stays its own.
    assert!(
        read(
            "socketerror: failed to open tcp connection to api.example.com:443 (getaddrinfo: try again)",
            Around::default()
        )
        .is_empty()
    );
    // A kernel's EFAULT is not an address lookup.
    assert!(
        !modes("failed to copy files: copy file range failed: bad address")
            .contains(&"registry.dns-in-build")
    );
}

/// A Docker client library's socket call failing in its runtime's words (docker-java's
/// `SocketException`), and the daemon's own helpers that are not the CLI's plugins.
#[test]
fn a_client_librarys_socket_errno_and_the_daemons_own_helpers() {
    let java = Around {
        application: true,
        docker_client: true,
        ..Around::default()
    };
    assert_eq!(
        read(
            "java.lang.runtimeexception: java.net.socketexception: no such file or directory",
            java
        )[0]
        .mode,
        "daemon.not-running"
    );
    assert_eq!(
        read(
            "java.lang.runtimeexception: java.net.bindexception: permission denied",
            java
        )[0]
        .mode,
        "socket.not-in-group"
    );
    // The same exception in an application's own frames stays the application's.
    let app = Around {
        application: true,
        ..Around::default()
    };
    assert!(read("java.net.socketexception: no such file or directory", app).is_empty());
    assert!(docker_client_frame(
        "\tat com.github.dockerjava.httpclient5.apachedockerhttpclientimpl.execute(apachedockerhttpclientimpl.java:193)"
    ));
    assert!(
        modes(
            "Error response from daemon: exec: \"docker-init\": executable file not found in $PATH"
        )
        .is_empty()
    );
    assert_eq!(
        modes("exec: \"docker-compose\": executable file not found in $PATH")[0],
        "cli.plugin-missing"
    );
}

/// A corporate filter's page where Docker wanted the registry's JSON is the proxy's
/// refusal; a `docker login` a tool ran that only exited is the login's failure;
/// hcsshim failing on a layer of `windowsfilter` is the Windows store's.
#[test]
fn a_filters_page_a_login_that_only_exited_and_the_windows_layer_store() {
    let docker = Around {
        docker: true,
        ..Around::default()
    };
    let got = read(
        "error parsing http 403 response body: invalid character 'a' looking for beginning of value: \"access is blocked according to the corporate security policy. for more information please contact the service desk.\"",
        docker,
    );
    assert_eq!(got[0].mode, "registry.tunnel-refused");
    // Without a filter's words it stays whatever answered instead of the registry.
    assert_eq!(
        read(
            "error parsing http 403 response body: unexpected end of json input: \"\"",
            docker
        )[0]
        .mode,
        "registry.unexpected-answer"
    );
    assert_eq!(
        modes("hcsshim::ProcessBaseLayer  \\\\?\\D:\\docker\\windowsfilter\\0a1b2c: access denied")
            [0],
        "storage.driver-failed"
    );
    assert!(modes("Error response from daemon: hcsshim::CreateComputeSystem b54b8c: The request is not supported.").is_empty());
    assert_eq!(
        modes(
            "fail: docker login --username AWS --password-stdin https://123456789012.dkr.ecr.eu-central-1.amazonaws.com exited with error code 2"
        )[0],
        "registry.auth-failed"
    );
}

/// A public name (its last label a real top-level domain) that a program could not
/// resolve, with nothing else in sight, is the resolver's failure (the container's, the
/// machine's), its proxy beside it; a private name (a Compose service's, `db.local`), a
/// word that only looks like one (Maven's coordinates) or a retired mirror stays unread.
#[test]
fn a_public_name_not_resolved_is_the_resolvers() {
    for line in [
        "curl: (6) Could not resolve host: ifconfig.me",
        "ping: google.com: Temporary failure in name resolution",
        "Error getaddrinfo EAI_AGAIN api.github.com",
        "Invoke-WebRequest : The remote name could not be resolved: 'nginx.org'",
        "java.net.UnknownHostException: repo.maven.apache.org",
        "ping: unknown host www.docker.com",
        "[mc-image-helper] ERROR : 'get' command failed: launchermeta.mojang.com: Temporary failure in name resolution",
        "fatal: Unable to look up github.com (port 9418) (Temporary failure in name resolution)",
    ] {
        let got = modes(line);
        assert_eq!(
            got,
            ["registry.dns-in-build", "proxy.build-unreachable"],
            "{line}"
        );
    }
    // A proxy the paste shows turns the readings round.
    let proxied = Around {
        shell_proxy: true,
        ..Around::default()
    };
    let got = read("curl: (6) could not resolve host: github.com", proxied);
    assert_eq!(got[0].mode, "proxy.build-unreachable");
    assert_eq!(got[0].values["host"], "github.com");
    for line in [
        "getaddrinfo ENOTFOUND db",
        "curl: (6) Could not resolve host: minio.local",
        "lookup db.enzi on 127.0.0.11:53: no such host",
        "> Could not resolve org.ow2.asm:asm:6.0.",
        "curl: (6) Could not resolve host: host.docker.internal",
        "Could not resolve host: mirrorlist.centos.org; Unknown error",
    ] {
        assert!(modes(line).is_empty(), "{line}: {:?}", modes(line));
    }
    // An application's own exception stays the program's.
    let app = Around {
        application: true,
        ..Around::default()
    };
    assert!(read("getaddrinfo enotfound api.openai.com", app).is_empty());
    // A nameserver that failed outright is the resolver's, traceback or not.
    let failed = "urllib3.exceptions.maxretryerror: httpsconnectionpool(host='acme-v02.api.letsencrypt.org', port=443): max retries exceeded (caused by newconnectionerror('failed to establish a new connection: [errno -3] temporary failure in name resolution'))";
    let got = read(failed, app);
    assert_eq!(got[0].mode, "registry.dns-in-build");
    assert_eq!(got[0].values["host"], "acme-v02.api.letsencrypt.org");
}

/// A package manager's own words for downloads it could not make, with no reason given,
/// are the network it ran in: the containers' DNS or route first, the proxy beside it;
/// the proxy first when the paste shows one.
#[test]
fn a_package_managers_failed_downloads_are_its_networks() {
    for line in [
        "info There appears to be trouble with your network connection. Retrying...",
        "Retrying fetcher due to error (2/4): Bundler::HTTPError Could not fetch specs from https://rubygems.org/",
        "/src/app.csproj : error NU1301: Unable to load the service index for source https://api.nuget.org/v3/index.json.",
        "npm ERR! network timeout at: https://registry.npmjs.org/react/-/react-18.2.0.tgz",
    ] {
        assert_eq!(
            modes(line),
            ["registry.dns-in-build", "proxy.build-unreachable"],
            "{line}"
        );
    }
    let proxied = Around {
        shell_proxy: true,
        ..Around::default()
    };
    let got = read(
        "npm err! network timeout at: https://registry.npmjs.org/react/-/react-18.2.0.tgz",
        proxied,
    );
    assert_eq!(got[0].mode, "proxy.build-unreachable");
    assert_eq!(got[0].values["host"], "registry.npmjs.org");
}

/// A name not resolved below a command run in a container names the proxy first when the
/// paste shows one, as for a build or a program: one reading of the network it ran in.
#[test]
fn a_containers_lookup_behind_a_shown_proxy_names_the_proxy_first() {
    let shown = Around {
        docker: true,
        container_command: true,
        shell_proxy: true,
        ..Around::default()
    };
    for line in [
        "curl: (6) could not resolve host: status.acme-shop.de",
        "urllib.error.urlerror: <urlopen error [errno -3] temporary failure in name resolution>",
    ] {
        let got = read(line, shown);
        assert_eq!(got[0].mode, "proxy.build-unreachable", "{line}: {got:?}");
        assert_eq!(got[1].mode, "registry.dns-in-build", "{line}: {got:?}");
        let hidden = Around {
            shell_proxy: false,
            ..shown
        };
        assert_eq!(
            read(line, hidden)[0].mode,
            "registry.dns-in-build",
            "{line}"
        );
    }
}

/// The CLI's connection helper speaks HTTP to `http://docker` (18.09 to 20.10): an ssh://
/// daemon's stream, even when what broke it is only garbage in place of a status line; a
/// Rust client's socket that is not there (`SocketNotFoundError`), and hyper's bare
/// "client error (Connect)" below a Docker client crate's frames.
#[test]
fn an_ssh_helpers_host_and_rust_clients_without_a_daemon() {
    assert_eq!(
        modes(
            "error during connect: Get http://docker/v1.40/containers/json: net/http: HTTP/1.x transport connection broken: malformed HTTP status code \"pid\""
        )[0],
        "daemon.ssh-failed"
    );
    assert_eq!(
        modes("error: unable to connect to docker: SocketNotFoundError(\"/var/run/docker.sock\")")
            [0],
        "daemon.not-running"
    );
    let rust = Around {
        docker_client: true,
        ..Around::default()
    };
    assert_eq!(
        read(
            "error in the hyper legacy client: client error (connect)",
            rust
        )[0]
        .mode,
        "daemon.not-running"
    );
    // Without a Docker client's frames it is any program's own HTTP call.
    assert!(modes("error in the hyper legacy client: client error (connect)").is_empty());
    assert!(docker_client_frame(
        "thread 'db::tests::t' panicked at /home/u/.cargo/registry/src/index.crates.io-6f17d22bba15001f/testcontainers-0.16.7/src/runners/async_runner.rs:204:29:"
    ));
}

/// The CLI's "unknown command: docker X" names a command a plugin provides (sandbox,
/// scout, compose): that plugin is missing. A command line with `docker` written twice is
/// the caller's mistake, not a plugin named docker.
#[test]
fn an_unknown_docker_subcommand_is_its_plugin() {
    let r = read("docker: unknown command: docker sandbox", Around::default());
    assert_eq!(r[0].mode, "cli.plugin-missing");
    assert_eq!(
        r[0].values.get("plugin").map(String::as_str),
        Some("sandbox")
    );
    assert!(modes("exit status 1: docker: unknown command: docker docker").is_empty());
}

/// A download that connects to this host's loopback or Docker's bridge gateway on a proxy
/// program's default port (apt's "Unable to connect to 127.0.0.1:3128", wget's
/// "Connecting to 172.17.0.1:7890... failed") reached the proxy it was given, not its
/// server; the same address on a registry's port stays the registry's.
#[test]
fn a_connection_to_a_local_proxy_port_is_the_proxys() {
    for line in [
        "  Unable to connect to 127.0.0.1:3128:",
        "  Could not connect to 172.17.0.1:3142 (172.17.0.1), connection timed out",
        "Connecting to 172.17.0.1:7890... failed: Connection refused.",
    ] {
        assert_eq!(modes(line)[0], "proxy.unreachable", "{line}");
    }
    assert!(
        !modes("Get \"https://127.0.0.1:5000/v2/\": dial tcp 127.0.0.1:5000: connect: connection refused")
            .contains(&"proxy.unreachable")
    );
}

/// A tool that found no free port among those it tries (Lando's proxy, Jupyter) says the
/// same as "address already in use" for each of them: a process holds them.
#[test]
fn no_free_port_found_is_ports_held() {
    for line in [
        "ERROR ==> Lando could not detect an open port amongst: 80, 8000, 8080",
        "ERROR: the notebook server could not be started because no available port could be found.",
    ] {
        assert_eq!(modes(line)[0], "ports.in-use-process", "{line}");
    }
}

/// A chain printed one cause per line (`Caused by: …`) is read as one line: the URL on the
/// first and the failed lookup on the last belong to the same error. A compose service's
/// prefix may stand before each; a line that only mentions the words is its own.
#[test]
fn caused_by_lines_join_the_error_they_explain() {
    let lines = crate::explain::matcher::raw_lines(
        "web-1  | error: Failed to fetch: `https://pypi.org/simple/x/`\nweb-1  |   Caused by: client error (Connect)\nweb-1  |   Caused by: dns error: Temporary failure in name resolution\nnext line",
    );
    let texts: Vec<&str> = lines.iter().map(|(l, _)| l.as_str()).collect();
    assert_eq!(
        texts,
        [
            "web-1  | error: Failed to fetch: `https://pypi.org/simple/x/`: client error (Connect): dns error: Temporary failure in name resolution",
            "next line",
        ]
    );
    let alone = crate::explain::matcher::raw_lines("caused by: nothing before");
    assert_eq!(alone[0].0, "caused by: nothing before");
    let prose = crate::explain::matcher::raw_lines("first\nit was caused by: a typo");
    assert_eq!(prose.len(), 2);
}

/// A Python exception's repr wrapped over lines (a terminal's width, a reporter's paste)
/// is joined until its parentheses close; a line that opens none is left alone.
#[test]
fn a_wrapped_python_exception_repr_is_one_line_again() {
    let lines = crate::explain::matcher::raw_lines(
        "ERROR: Could not install packages due to an OSError:\nHTTPSConnectionPool(host='files.pythonhosted.org', port=443):\nMax retries exceeded with url: /x.whl\n(Caused by SSLError(SSLCertVerificationError(1,\n'[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed:\nunable to get local issuer certificate (_ssl.c:1032)')))\nnext (unrelated\nline",
    );
    let texts: Vec<&str> = lines.iter().map(|(l, _)| l.as_str()).collect();
    assert_eq!(
        texts,
        [
            "ERROR: Could not install packages due to an OSError:",
            "HTTPSConnectionPool(host='files.pythonhosted.org', port=443):",
            "Max retries exceeded with url: /x.whl",
            "(Caused by SSLError(SSLCertVerificationError(1, '[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: unable to get local issuer certificate (_ssl.c:1032)')))",
            "next (unrelated",
            "line",
        ]
    );
}

/// A manifest asked of a host with no dot and no port is a name misread (Docker Hub's
/// namespace taken for a registry by a tool outside Docker's reference grammar): nothing
/// on the machine failed. A registry's real name, or a short one with its port, still
/// reads as its resolver's answer.
#[test]
fn a_namespace_taken_for_a_registry_host_is_not_read() {
    let misread = "failed to do request: head \"https://vhosakot/v2/nginx-operator-bundle/manifests/v0.0.1\": dial tcp: lookup vhosakot: no such host";
    assert!(modes(misread).is_empty(), "{:?}", modes(misread));
    for line in [
        "failed to do request: head \"https://registry.corp.example/v2/app/manifests/1\": dial tcp: lookup registry.corp.example: no such host",
        "get https://mybox1:5000/v2/app/manifests/1: dial tcp: lookup mybox1: no such host",
        "error response from daemon: get https://myprivateregistry/v2/: dial tcp: lookup myprivateregistry on 192.168.65.1:53: no such host",
    ] {
        assert_eq!(
            modes(line).first().copied(),
            Some("registry.dns-nxdomain"),
            "{line}"
        );
    }
}
