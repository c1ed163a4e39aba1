//! The rules: a target kind and a cause family read on one line, and the lines around
//! it, to the failure modes they mean, each at a confidence in the moderate band.

use super::*;

/// A resolver handed a URL for a name (`getaddrinfo EAI_AGAIN http://127.0.0.1`): the
/// program parsed its own setting wrong (a proxy or endpoint value); no nameserver failed.
static URL_AS_NAME: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:eai_again|enotfound|lookup|resolve host:?) '?[a-z][a-z0-9+.-]*://")
        .expect("url as name")
});

/// A socket named in a volume flag (`-v /run/podman/podman.sock:/var/run/docker.sock:Z`):
/// mounted into a container, as its source or its destination, not connected to.
static SOCKET_VOLUME: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:^|\s)(?:-v|--volume|--mount)[ =]\S*\.sock\b").expect("socket volume")
});

/// (target kind, cause family) → failure modes. Confidences stay in the moderate band
/// (0.5 to 0.75): a signature that knows the exact wording outranks the structure.
pub(super) fn rule(
    target: Option<&Target>,
    cause: Cause,
    docker: bool,
    around: Around,
    line: &str,
) -> Out {
    use Cause::*;
    let application = around.application;
    let none = BTreeMap::new;
    let one = |m, c, v| vec![(m, c, v)];
    if matches!(cause, DnsServerFailure | NoSuchHost) && URL_AS_NAME.is_match(line) {
        return Vec::new();
    }
    // A package manager that could not download, saying no more: the network it ran in
    // (a build's or a container's). Behind a proxy the paste shows, the proxy it was not
    // given; with none in sight, the containers' DNS or route (8 of 11 read texts), the
    // proxy beside it for the probe to decide.
    if cause == PackageFetch {
        return resolver_or_proxy(around.shell_proxy, called_host(line), 0.45);
    }
    match target {
        Some(Target::Socket { path, podman }) => {
            // The signature's defaults stand in for a path the text did not print.
            let v = || match path {
                Some(path) => {
                    let mut v = value("socket", path);
                    v.insert("endpoint".into(), format!("unix://{path}"));
                    v
                }
                None => BTreeMap::new(),
            };
            match cause {
                // SELinux's own words: a confined container, whatever the socket's mode.
                PermissionDenied if line.contains("selinux") || line.contains("avc:") => {
                    one("socket.selinux-denied", 0.7, v())
                }
                // A shell asked to run the socket (`$(/var/run/docker.sock)`): its exec, not
                // a connect, is what was denied.
                PermissionDenied if SHELL_EXEC_DENIED.is_match(line) => Vec::new(),
                // The socket as a bind mount's source (`-v /var/run/docker.sock:/...` on a
                // command line): mounted, not connected to; a cause beside it is another's.
                NotFound | PermissionDenied
                    if (line.contains("docker.sock:/") || SOCKET_VOLUME.is_match(line))
                        && !line.contains("dial unix") =>
                {
                    Vec::new()
                }
                // The daemon answered ("Error response from daemon: ... mkdir ...: no such
                // file"): its socket was reached, whatever failed after.
                _ if line.contains("error response from daemon") && !line.contains("dial unix") => {
                    Vec::new()
                }
                PermissionDenied if *podman => one("socket.podman-not-yours", 0.7, v()),
                PermissionDenied => one("socket.not-in-group", 0.7, v()),
                // A file the line opened that is not there (a Compose file, a config):
                // the ENOENT is that file's, whatever Docker's words stand beside it.
                NotFound if file_not_found(line) => Vec::new(),
                NotFound => one("daemon.not-running", 0.7, v()),
                Refused => vec![
                    ("daemon.socket-stale", 0.65, v()),
                    ("daemon.not-running", 0.45, v()),
                ],
                TimedOut | Reset => one("daemon.no-answer", 0.55, v()),
                // Compose v1's "is it running?" asks, it does not say: the same words
                // follow a denied socket (its signature weighs the two).
                NotRunning | ConnectFailed if line.contains("http+docker://") => {
                    one("daemon.not-running", 0.5, v())
                }
                NotRunning => one("daemon.not-running", 0.6, v()),
                // "could not connect to the Docker daemon": down, most often; a refusal
                // or a denial would have said so.
                ConnectFailed => one("daemon.not-running", 0.55, v()),
                _ => Vec::new(),
            }
        }
        Some(Target::Pipe(pipe)) => match cause {
            NotFound | NotRunning => one("daemon.desktop-not-running", 0.7, value("pipe", pipe)),
            ConnectFailed => one("daemon.desktop-not-running", 0.55, value("pipe", pipe)),
            PermissionDenied => one("daemon.pipe-access-denied", 0.7, value("pipe", pipe)),
            _ => Vec::new(),
        },
        Some(Target::DaemonUrl(host)) => {
            let v = || value("host", host);
            match cause {
                Refused => one("daemon.remote-refused", 0.65, v()),
                ConnectFailed => one("daemon.remote-refused", 0.5, v()),
                Unreachable => one("daemon.remote-refused", 0.6, v()),
                NoSuchHost | DnsServerFailure => one("daemon.remote-unresolved", 0.65, v()),
                X509UnknownAuthority => one("daemon.tls-untrusted", 0.65, v()),
                X509WrongName => one("daemon.tls-wrong-name", 0.7, v()),
                X509Expired | X509NotYetValid => one("daemon.tls-server-expired", 0.6, v()),
                NotTls | HttpAnswer => one("daemon.tls-not-spoken", 0.65, v()),
                TlsRequired => one("daemon.tls-required", 0.65, v()),
                TimedOut => vec![
                    ("daemon.no-answer", 0.5, v()),
                    ("daemon.remote-refused", 0.4, v()),
                ],
                // The daemon closed the connection mid-request.
                Reset => one("daemon.no-answer", 0.5, v()),
                NotFound
                    if line.contains("ca.pem")
                        || line.contains("cert.pem")
                        || line.contains("key.pem") =>
                {
                    one("endpoint.tls-material", 0.65, none())
                }
                _ => Vec::new(),
            }
        }
        // Whatever failed, it failed at the proxy the request was sent to.
        Some(Target::ProxyForDaemon(proxy, daemon)) => match cause {
            Refused | ConnectFailed | Unreachable | NoSuchHost | DnsServerFailure | TimedOut
            | Reset | Status(_) => {
                let mut v = value("proxy", proxy);
                v.extend(value("daemon", daemon));
                one("proxy.daemon-via-proxy", 0.75, v)
            }
            _ => Vec::new(),
        },
        Some(Target::Proxy(proxy)) => {
            let v = || value("proxy", proxy);
            match cause {
                Refused | Unreachable | NoSuchHost | DnsServerFailure | TimedOut
                | ConnectFailed => one("proxy.unreachable", 0.65, v()),
                Status(407) => one("proxy.auth-required", 0.75, v()),
                Reset => one("registry.proxy-failed", 0.55, v()),
                X509UnknownAuthority => vec![
                    ("ca.untrusted", 0.6, none()),
                    ("registry.proxy-failed", 0.4, v()),
                ],
                Status(403) | Status(502) | Status(503) => {
                    one("registry.tunnel-refused", 0.55, v())
                }
                _ => Vec::new(),
            }
        }
        // Docker down, said by a tool that was about to pull or build ("failed to fetch an
        // image ...: docker is unavailable"): the daemon's, not the registry's.
        Some(Target::Registry(_) | Target::PackageSource(_))
            if cause == NotRunning && DOCKER_DOWN.is_match(line) =>
        {
            one("daemon.not-running", 0.55, none())
        }
        // A URL given where an image reference was (`https://github.com/x/y`): its scheme is
        // taken for the registry's host, a mistake in what was asked.
        Some(Target::Registry(reg)) if reg == "https" || reg == "http" => Vec::new(),
        // A manifest or blob asked of a host with no dot and no port (`https://vhosakot/v2/
        // app/manifests/1`, `https://localhost/v2/...` on 443): by Docker's reference grammar
        // that first part is Docker Hub's namespace (or Podman's `localhost/` for an image
        // built here), so a tool that dialled it misread the name it was given.
        Some(Target::Registry(reg)) if namespace_as_host(line, reg) => Vec::new(),
        Some(Target::Registry(reg)) => {
            let v = || {
                let mut v = value("registry", reg);
                let host = super::super::matcher::tidy(reg);
                // Where a TLS client connects: the registry's port, else HTTPS's.
                let port_given = host
                    .rsplit_once(':')
                    .is_some_and(|(_, p)| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
                let address = if port_given {
                    host.clone()
                } else {
                    format!("{host}:443")
                };
                v.insert("address".into(), address);
                v.insert("host".into(), host);
                v
            };
            match cause {
                // A registry's URL in the step's own command (`The command '/bin/sh -c
                // curl https://registry/v2/' returned a non-zero code: 60`) is the tool's
                // call in the image, not the daemon's pull.
                X509UnknownAuthority if around.build && STEP_COMMAND.is_match(line) => {
                    vec![
                        ("ca.untrusted-in-build", 0.55, value("host", reg)),
                        ("ca.untrusted", 0.4, v()),
                    ]
                }
                X509UnknownAuthority => one("ca.untrusted", 0.65, v()),
                X509WrongName => one("ca.wrong-host", 0.65, v()),
                X509Expired => vec![("ca.expired", 0.6, v()), ("ca.clock-skew", 0.35, v())],
                X509NotYetValid => one("ca.clock-skew", 0.65, v()),
                X509Other => one("ca.untrusted", 0.5, v()),
                NoSuchHost => one("registry.dns-nxdomain", 0.65, v()),
                DnsServerFailure => one("registry.dns-servfail", 0.65, v()),
                TimedOut | Unreachable if line.contains("lookup ") && line.contains(":53") => {
                    one("registry.dns-timeout", 0.65, v())
                }
                Refused if line.contains("lookup ") && line.contains(":53") => {
                    one("registry.dns-refused", 0.65, v())
                }
                // The paste shows the shell's proxy, and the registry's own address was
                // dialled: whatever pulled went around the proxy the network needs.
                Refused | Unreachable | TimedOut if around.shell_proxy => vec![
                    ("proxy.daemon-missing", 0.55, v()),
                    ("registry.connect-failed", 0.45, v()),
                ],
                Refused | Unreachable => vec![
                    ("registry.connect-failed", 0.55, v()),
                    ("proxy.daemon-missing", 0.4, v()),
                ],
                // A stalled handshake is its own mode; any other timeout reads the same
                // with or without a proxy in the way, so the proxy is the other reading.
                TimedOut if line.contains("handshake") => vec![
                    ("registry.timed-out", 0.55, v()),
                    ("proxy.daemon-missing", 0.45, v()),
                ],
                TimedOut => vec![
                    ("registry.connect-timeout", 0.55, v()),
                    ("proxy.daemon-missing", 0.45, v()),
                ],
                // A connection cut mid-exchange (EOF, reset): unseen threads put it on the
                // registry's side (an outage, a router, a VPN's MTU) about five to one; a
                // proxy that cuts what it does not allow is the other reading, and the
                // proxy probe decides between them on the machine.
                Reset => vec![
                    ("registry.connection-cut", 0.55, v()),
                    ("registry.proxy-failed", 0.45, v()),
                ],
                HttpAnswer => one("registry.http-only", 0.7, v()),
                // The other way round: plain HTTP spoken to the registry's TLS port (listed
                // as insecure, or addressed as http://), or TLS to a plain one.
                TlsRequired | NotTls => one("registry.tls-failed", 0.6, v()),
                NoCredentials => one("registry.auth-missing", 0.7, v()),
                // Docker could not read the body as the registry API's JSON: whatever
                // answered was not the registry's API, unless the body says why (an
                // expired token).
                Status(401 | 403) if unparsed_body(line) == Some(true) => {
                    one("registry.auth-failed", 0.55, v())
                }
                Status(403) if filtered_body(line) => vec![
                    ("registry.tunnel-refused", 0.55, v()),
                    ("registry.unexpected-answer", 0.4, v()),
                ],
                Status(403) if unparsed_body(line) == Some(false) => {
                    one("registry.unexpected-answer", 0.5, v())
                }
                // Quay's and Harbor's stock sentence for a 401: said for a repository that
                // does not exist as often as for a login refused, so at the floor.
                Status(401)
                    if line.contains("access to the requested resource is not authorized") =>
                {
                    vec![
                        ("registry.auth-failed", 0.5, v()),
                        ("registry.auth-missing", 0.45, v()),
                    ]
                }
                Status(401) => vec![
                    ("registry.auth-failed", 0.6, v()),
                    ("registry.auth-missing", 0.45, v()),
                ],
                // The registry API answers its ping with JSON (and 401 until a login):
                // a bare status text right after the ping's URL (Go's `Get URL:
                // Forbidden`) came from something between, a proxy or a firewall.
                Status(403) if PING_BARE_STATUS.is_match(line) => vec![
                    ("registry.tunnel-refused", 0.6, v()),
                    ("registry.access-denied", 0.4, v()),
                ],
                Status(400 | 502 | 503 | 504) if PING_BARE_STATUS.is_match(line) => vec![
                    ("registry.proxy-failed", 0.55, v()),
                    ("registry.unexpected-answer", 0.4, v()),
                ],
                // `docker login` itself failing, run by a tool that prints only its exit
                // (CDK's asset publishing): the login, whatever stopped it.
                ExitStatus(_) if DOCKER_LOGIN_RUN.is_match(line) => {
                    one("registry.auth-failed", 0.5, v())
                }
                // A login the registry cannot read (a token for another region or
                // registry, a malformed one).
                Status(400) if line.contains("login") => one("registry.auth-failed", 0.55, v()),
                // Any other 400 to the registry API's own request (a blob, a manifest):
                // whatever answered (a CDN, a mirror, a filter) did not take it as the
                // registry would.
                Status(400) => one("registry.unexpected-answer", 0.5, v()),
                // Docker's "pull access denied ... repository does not exist or may require
                // 'docker login'": the registry's answer for a name it does not have as much
                // as for a private one.
                Status(403) if line.contains("does not exist or may require") => {
                    one("registry.not-found", 0.55, v())
                }
                // Docker Hub's stock sentence alone: a push's refusal (its signature says so
                // surely) or a pull's of a name that may not exist, at the floor.
                Status(403) if line.contains("requested access to the resource is denied") => {
                    one("registry.access-denied", 0.5, v())
                }
                Status(403) => one("registry.access-denied", 0.55, v()),
                Status(404) => one("registry.not-found", 0.5, v()),
                Status(407) => one("proxy.auth-required", 0.7, v()),
                Status(429) => one("registry.rate-limited", 0.7, v()),
                // The registry (or a proxy before it) gave up waiting for the request: the
                // connection stalls on the way, as a timeout does.
                Status(408) => vec![
                    ("registry.connect-timeout", 0.6, v()),
                    ("proxy.daemon-missing", 0.45, v()),
                ],
                Status(s) if s >= 500 => one("registry.server-error", 0.55, v()),
                NoSpace => one("storage.low-space", 0.65, none()),
                _ => Vec::new(),
            }
        }
        Some(Target::HostPort(port)) => {
            let mut v = value("address", port);
            if let Some(p) = port.rsplit(':').next() {
                v.insert("port".into(), p.to_string());
            }
            match cause {
                AddressInUse
                    if line.contains("port is already allocated")
                        || line.contains("port has already been allocated") =>
                {
                    one("ports.in-use-container", 0.7, v)
                }
                // A runtime's exception: the program's own listen, not Docker's host port.
                AddressInUse if programs_own_bind(line) => Vec::new(),
                AddressInUse => vec![
                    ("ports.in-use-process", 0.65, v.clone()),
                    ("ports.in-use-container", 0.4, v),
                ],
                PortForbidden => one("ports.excluded-range", 0.7, v),
                PermissionDenied
                    if port
                        .rsplit(':')
                        .next()
                        .and_then(|p| p.parse::<u32>().ok())
                        .is_some_and(|p| p < 1024) =>
                {
                    one("ports.privileged-rootless", 0.55, v)
                }
                // Above 1024 no user is kept from a port: on Windows (the only host that
                // says "permission denied" there) it is a range Windows reserves.
                PermissionDenied => one("ports.excluded-range", 0.55, v),
                _ => Vec::new(),
            }
        }
        Some(Target::Command(name)) => match cause {
            CommandNotFound | NotFound | NotInstalled if name == "docker" => {
                one("cli.missing", 0.6, none())
            }
            // The other engines' CLIs, run by a tool or asked for in the shell.
            CommandNotFound | NotFound | NotInstalled
                if matches!(
                    name.as_str(),
                    "podman" | "podman-compose" | "nerdctl" | "docker-machine"
                ) =>
            {
                one("cli.missing", 0.6, value("program", name))
            }
            // The engine's own binary not there, or not runnable where it was typed (Go
            // refuses one found relative to the current directory): its install.
            CommandNotFound | NotFound | NotInstalled if name == "dockerd" => {
                one("cli.missing", 0.55, none())
            }
            // A helper that is there but cannot run: a library it links is not (a glibc
            // build of secretservice's in an Alpine image).
            NotFound
                if name.starts_with("docker-credential-")
                    && line.contains("error while loading shared libraries") =>
            {
                one("auth.helper-failed", 0.6, none())
            }
            // A credential helper (or the store it runs, `pass`) that is not there.
            CommandNotFound | NotFound | NotInstalled
                if name.starts_with("docker-credential-")
                    || name == "credentials"
                    || line.contains("credentials") =>
            {
                one(
                    "registry.credential-helper-missing",
                    0.65,
                    value("helper", name.trim_start_matches("docker-credential-")),
                )
            }
            // A helper that ran and failed (its own store locked, unreachable, refusing), or
            // that the system would not start (Windows' AppLocker on a WSL path).
            ExitStatus(_) | Failed | InvalidArgument | PermissionDenied
                if name == "credentials" || name.starts_with("docker-credential-") =>
            {
                one("auth.helper-failed", 0.6, none())
            }
            // The CLI execs ssh for an ssh:// daemon.
            CommandNotFound | NotFound if name == "ssh" => one("daemon.ssh-failed", 0.65, none()),
            // The daemon's own helpers (its init, its port proxy, an old runtime): the
            // engine's installation lacks them, not the CLI's plugins.
            CommandNotFound | NotFound | NotInstalled
                if matches!(
                    name.as_str(),
                    "docker-init" | "docker-proxy" | "docker-runc" | "docker-containerd"
                ) || name.starts_with("docker-containerd-") =>
            {
                Vec::new()
            }
            CommandNotFound | NotFound | NotInstalled
                if name.starts_with("docker-")
                    || ["compose", "buildx", "buildkit", "plugin"].contains(&name.as_str()) =>
            {
                one(
                    "cli.plugin-missing",
                    0.7,
                    if name == "plugin" {
                        none()
                    } else {
                        value("plugin", name.trim_start_matches("docker-"))
                    },
                )
            }
            _ => Vec::new(),
        },
        Some(Target::Ssh) => ssh_reading(line),
        // The daemon's own store: full, read-only, or missing what it wrote (a driver's
        // fault, a corrupted layer).
        Some(Target::DataRoot(_)) => match cause {
            NoSpace => one("storage.low-space", 0.65, none()),
            // runc mounting a bind mount's source into the container's rootfs (which lies
            // in the store): the source is the user's file, and Docker's own hint "Are you
            // trying to mount a directory onto a file" says which mistake.
            _ if bind_mount_failed(line) => Vec::new(),
            // runc's mount of Docker's own file (resolv.conf, hosts) landing on a read-only
            // place inside the container: a read-only bind mount the user put over /etc,
            // or a read-only rootfs. The container's configuration, not the store.
            _ if line.contains(" to rootfs at ") && line.contains("read-only file system") => {
                Vec::new()
            }
            // The filesystem under the store failing reads or writes (EIO, EBADMSG, a
            // corrupted SD card): the cause of whatever the daemon then stops answering.
            IoError => one("storage.driver-failed", 0.6, none()),
            ReadOnly | NotFound | Failed | Unsupported | Reset | InvalidArgument => {
                one("storage.driver-failed", 0.55, none())
            }
            // The daemon runs as root: a mount it may not make there is a rootless daemon's
            // (a data-root on a filesystem its user namespace cannot mount) or a sandbox's.
            PermissionDenied => one("storage.driver-failed", 0.55, none()),
            _ => Vec::new(),
        },
        // systemd's own words for the daemon's unit: not there, or there and failing.
        Some(Target::Unit(unit)) => match cause {
            // A path through the unit's cgroup is not the unit's absence.
            NotFound if line.contains("not found") || line.contains("could not be found") => {
                one("daemon.not-running", 0.6, value("unit", unit))
            }
            Failed | ExitStatus(_) | TimedOut => {
                one("daemon.start-failed", 0.6, value("unit", unit))
            }
            NotRunning => one("daemon.not-running", 0.6, value("unit", unit)),
            _ => Vec::new(),
        },
        // The runtime's chain names what it could not set up: a cgroup hierarchy or
        // controller the host does not give (v1/v2 mismatch, a missing mount, no BPF).
        Some(Target::Cgroup) => match cause {
            NotFound | PermissionDenied | Unsupported | RuntimeFailed | Failed
                if docker
                    || cause == RuntimeFailed
                    || (cause == Unsupported
                        && (line.contains("kernel") || line.contains("on this system")))
                    || line.contains("cgroup mount")
                    || line.contains("mountpoint for")
                    || line.contains("oci runtime") =>
            {
                one("storage.cgroup-controllers-missing", 0.6, controller(line))
            }
            // A sandbox of its own (a judge, a CI runner's isolate) that cannot make or
            // write its cgroups: a hierarchy the container or the kernel does not give
            // (cgroup v1 paths on a v2 host, /sys/fs/cgroup mounted read-only).
            NotFound | PermissionDenied | Unsupported | ReadOnly | Failed
                if line.contains("/sys/fs/cgroup")
                    || line.contains("control group")
                    || line.contains("kernel")
                    || line.contains("cgroup2") =>
            {
                one("storage.cgroup-controllers-missing", 0.5, controller(line))
            }
            _ => Vec::new(),
        },
        Some(Target::TlsFile(file)) => match cause {
            // dockerd's own TLS files stop its start, not the client's connection.
            NotFound | PermissionDenied
                if line.contains("dockerd")
                    || line.contains("failed to load listeners")
                    || line.contains("serveapi") =>
            {
                one("daemon.start-failed", 0.6, none())
            }
            NotFound | PermissionDenied => one("endpoint.tls-material", 0.65, value("file", file)),
            _ => Vec::new(),
        },
        // A registry's own trust directory that cannot be read, or a CA in it the chain
        // does not lead to: the registry's CA is not (really) trusted.
        Some(Target::CertsD(host)) => match cause {
            NotFound | PermissionDenied | X509UnknownAuthority | X509Other | Failed => {
                let mut v = value("registry", host);
                v.insert("host".into(), super::super::matcher::tidy(host));
                one("ca.untrusted", 0.55, v)
            }
            _ => Vec::new(),
        },
        // A download inside a build or a container: the image's trust store, the
        // container's network and DNS, and a proxy only if the build was given one.
        Some(Target::PackageSource(host)) => {
            // The host the tool named, else the one its resolver was asked for.
            let v = || {
                host.as_deref()
                    .map_or_else(|| asked_host(line), |h| value("host", h))
            };
            let sure = if docker || around.build { 0.55 } else { 0.5 };
            match cause {
                // A distribution's own host (or the tool's words) names the download:
                // its chain failing is the tool's store, with or without Docker nearby.
                X509UnknownAuthority => vec![
                    ("ca.untrusted-in-build", 0.55, v()),
                    ("ca.untrusted", 0.4, none()),
                ],
                // Its time: the machine's clock (a VM's after sleep), or a trust store in
                // the image older than the roots the host now chains to.
                X509NotYetValid => one("ca.clock-skew", 0.55, none()),
                X509Expired => one("ca.expired", 0.5, none()),
                // The containers' nameserver failing, silent or out of reach (apt's
                // "Temporary failure resolving", a lookup timing out or finding no route
                // to it): their DNS, not a proxy, is what fails.
                DnsServerFailure | TimedOut | Refused | Unreachable
                    if nameserver_failed(cause, line) =>
                {
                    vec![
                        ("registry.dns-in-build", sure, v()),
                        ("proxy.build-unreachable", 0.4, v()),
                    ]
                }
                // A name the containers' resolver did not find. Behind a proxy the paste
                // shows, the network resolves outside names only for its proxy; with none
                // in sight, the containers' nameserver (a VPN's, a loopback one, a NAS's)
                // is what failed, which the read splits say ten times in fourteen. The
                // proxy probe, finding a proxy this machine's containers do not get,
                // confirms the other reading above it.
                NoSuchHost if around.shell_proxy => vec![
                    ("proxy.build-unreachable", sure, v()),
                    ("proxy.container-dns", 0.4, none()),
                ],
                NoSuchHost => vec![
                    ("registry.dns-in-build", sure, v()),
                    ("proxy.build-unreachable", sure - 0.05, v()),
                    ("proxy.container-dns", 0.4, none()),
                ],
                Refused | TimedOut | Unreachable | ConnectFailed => {
                    one("proxy.build-unreachable", sure, v())
                }
                // EACCES for a download (apk's "Ignoring http://.../APKINDEX.tar.gz:
                // Permission denied"): a firewall refusing the connection, not a file; the
                // network's filter or the proxy it wants.
                PermissionDenied if !line.contains("_apt") => {
                    vec![
                        ("proxy.build-unreachable", 0.5, v()),
                        ("registry.dns-in-build", 0.35, v()),
                    ]
                }
                // A distribution's mirror serves its packages to anyone: a 403 for one is
                // the network's proxy or filter between, and a 407 its proxy asking.
                Status(403) => one("proxy.build-unreachable", 0.5, v()),
                Status(407) => one("proxy.auth-required", 0.6, none()),
                _ => Vec::new(),
            }
        }
        Some(Target::Wsl) => {
            let mode = if line.contains("virtual machine platform")
                || line.contains("0x8037")
                || line.contains("required feature")
                || line.contains("hyperv")
                || line.contains("hyper-v")
                || line.contains("hcs_e_")
                || line.contains("virtualization")
            {
                "wsl.vm-platform-missing"
            } else if line.contains("--update") {
                "wsl.kernel-update-required"
            } else if line.contains("deploy")
                || line.contains("distro")
                || line.contains("mount")
                || line.contains("docker-desktop")
            {
                "wsl.desktop-distro-stopped"
            } else {
                "wsl.not-installed"
            };
            one(mode, 0.55, none())
        }
        // A lookup a container made (from a Docker or Podman bridge's address, or through
        // Docker's embedded DNS) whose nameserver failed or stayed silent: the containers'
        // DNS, whichever program asked. A name that does not exist there (a service's name
        // missing from the network) is the program's configuration, not this.
        None if matches!(cause, DnsServerFailure | TimedOut | Refused | Unreachable)
            && !around.application
            && nameserver_failed(cause, line)
            && CONTAINER_RESOLVER.is_match(line) =>
        {
            one("registry.dns-in-build", 0.5, asked_host(line))
        }
        // A connect that found no file is a unix socket's that is not there (hyper's
        // "error trying to connect: No such file or directory"): Docker's, when the line
        // is about Docker (a log shipper's docker source in a container without the socket).
        None if cause == NotFound
            && line.contains("docker")
            && !line.contains(PLUGIN_SOCKETS)
            && CONNECT_ENOENT.is_match(line) =>
        {
            one("daemon.not-running", 0.5, none())
        }
        // A Docker client library's socket call failing in its own runtime's words: the
        // socket not there, or not this user's to open.
        None if around.docker_client && SOCKET_ERRNO_EXCEPTION.is_match(line) => match cause {
            NotFound => one("daemon.not-running", 0.5, none()),
            PermissionDenied => vec![
                ("socket.not-in-group", 0.5, none()),
                ("daemon.permission-denied", 0.4, none()),
            ],
            _ => Vec::new(),
        },
        // A Docker client library's connect that failed with no reason given (hyper's
        // "client error (Connect)" below testcontainers' or bollard's frames): the daemon
        // it was pointed at is not there, as its socket errno would have said.
        None if around.docker_client && cause == ConnectFailed && !around.application => {
            one("daemon.not-running", 0.5, none())
        }
        // Docker Desktop's Windows group, named without its pipe.
        None if cause == PermissionDenied && line.contains("docker-users") => {
            one("daemon.pipe-access-denied", 0.6, none())
        }
        // A bare EOF or reset below Docker's layer progress (with or without the pull's
        // command near it): the pull's connection to the registry (or its mirror) was cut,
        // as with the registry named.
        None if cause == Reset && around.pull && !around.build && !around.application => vec![
            ("registry.connection-cut", 0.5, none()),
            ("registry.proxy-failed", 0.35, none()),
        ],
        // A domain name a command run in a container could not resolve (`docker run
        // ... ping example.com`, `docker exec web curl https://...`, a shell whose prompt
        // is the container's id), however far below the command: the name is the
        // Internet's, so the containers' nameserver is what failed (a VPN that moved the
        // host's DNS, a firewall between the bridge and it), or a network that resolves
        // outside names only for its proxy (the proxy probe decides). A bare name (a
        // Compose service's) is the program's configuration, not this.
        None if cause == NoSuchHost
            && around.container_command
            && !around.application
            && asked_host(line).contains_key("host") =>
        {
            resolver_or_proxy(around.shell_proxy, asked_host(line), 0.4)
        }
        // A nameserver that failed outright (EAI_AGAIN) below a command run in a
        // container, whatever program asked and whether or not it named the host: the
        // containers' DNS.
        None if cause == DnsServerFailure && around.container_command => {
            resolver_or_proxy(around.shell_proxy, asked_host(line), 0.4)
        }
        // A chain a command run in a container could not verify, far below the command
        // (`docker run -it python ...` then a traceback, a shell at the container's
        // prompt): the image's own trust store, which lacks the root (an old bundle, a
        // corporate CA the host trusts and the image does not). 21 of 21 read texts.
        None if !docker && cause == X509UnknownAuthority && around.container_command => vec![
            ("ca.untrusted-in-build", 0.5, called_host(line)),
            ("ca.untrusted", 0.4, none()),
        ],
        // A public name (`github.com`, `nginx.org`) a program could not resolve, outside
        // a build (whose rules come below) and outside an application's exception: the
        // Internet's names do not go missing, so the resolver of the container (or of the
        // machine) it ran on failed, or its network resolves outside names only for a
        // proxy. A nameserver that failed outright (EAI_AGAIN) is the resolver's even in
        // an application's traceback. A private name (a Compose service's, `db.local`) is
        // the program's setting, and stays unanswered.
        None if matches!(cause, NoSuchHost | DnsServerFailure)
            && (!around.application || cause == DnsServerFailure)
            && !around.build
            && asked_host(line).get("host").is_some_and(|h| public_name(h)) =>
        {
            resolver_or_proxy(around.shell_proxy, asked_host(line), 0.4)
        }
        // No target: a generic cause counts only inside Docker's context.
        None if docker => match cause {
            // In a build's step: the tool the step runs (apt, pip, curl) checks against
            // the image's store, which the host's or the daemon's CA does not reach.
            X509UnknownAuthority if around.build => {
                // The server the step called, for the command that shows its issuer.
                vec![
                    ("ca.untrusted-in-build", 0.55, called_host(line)),
                    ("ca.untrusted", 0.4, none()),
                ]
            }
            X509UnknownAuthority => vec![
                ("ca.untrusted", 0.55, none()),
                ("proxy.case-mismatch", 0.35, none()),
            ],
            X509Expired => one("ca.expired", 0.5, none()),
            X509NotYetValid => one("ca.clock-skew", 0.55, none()),
            X509WrongName => one("ca.wrong-host", 0.55, called_host(line)),
            // A step's nameserver failing or silent: the containers' DNS.
            DnsServerFailure | TimedOut | Refused | Unreachable
                if around.build && !around.application && nameserver_failed(cause, line) =>
            {
                one("registry.dns-in-build", 0.5, asked_host(line))
            }
            // The same nameserver failing for a container's own download beside Docker's
            // words (an image just pulled, `docker run`): the containers' DNS.
            DnsServerFailure if !around.application => {
                one("registry.dns-in-build", 0.5, asked_host(line))
            }
            // A step's tool (an SDK manager, curl) not finding a host's name with no proxy
            // in sight: the build's nameserver, as for a package download.
            NoSuchHost if around.build && !around.application && !around.shell_proxy => {
                let host = asked_host(line);
                vec![
                    ("registry.dns-in-build", 0.5, host.clone()),
                    ("proxy.build-unreachable", 0.45, host),
                ]
            }
            // A step's program raising its own exception for a name (Java's
            // `UnknownHostException: artifacts.elastic.co`, Python's `<urlopen error
            // [Errno -2] ...>` calling `https://galaxy.ansible.com/`): an Internet name is
            // the build's nameserver all the same; a private one (a service's) stays the
            // program's (no later arm reads a name in a build with a proxy out of sight).
            NoSuchHost if around.build && !around.shell_proxy => match public_asked(line) {
                Some(host) => vec![
                    ("registry.dns-in-build", 0.5, host.clone()),
                    ("proxy.build-unreachable", 0.45, host),
                ],
                None => Vec::new(),
            },
            // A step's tool not reaching a host it names no registry for: the build's
            // network, as a package download's is.
            NoSuchHost | DnsServerFailure | Refused | TimedOut | Unreachable | ConnectFailed
                if around.build && !around.application =>
            {
                one("proxy.build-unreachable", 0.5, asked_host(line))
            }
            NoSpace => one("storage.low-space", 0.6, none()),
            // An HTTP status beside a pull, a push or a build is the registry's, unless
            // the line names the server that answered (npm's registry, a Go proxy).
            Status(_) if other_server(line) => Vec::new(),
            NoCredentials => one("registry.auth-missing", 0.6, none()),
            Status(401 | 403) if unparsed_body(line) == Some(true) => {
                one("registry.auth-failed", 0.55, none())
            }
            Status(403) if filtered_body(line) => vec![
                ("registry.tunnel-refused", 0.55, none()),
                ("registry.unexpected-answer", 0.4, none()),
            ],
            Status(403) if unparsed_body(line) == Some(false) => {
                one("registry.unexpected-answer", 0.5, none())
            }
            Status(401) => one("registry.auth-failed", 0.5, none()),
            Status(403) if line.contains("does not exist or may require") => {
                one("registry.not-found", 0.55, none())
            }
            Status(403) => one("registry.access-denied", 0.5, none()),
            Status(404) => one("registry.not-found", 0.55, none()),
            Status(429) => one("registry.rate-limited", 0.6, none()),
            Status(408) => one("registry.connect-timeout", 0.5, none()),
            // A client library's wrapper for the daemon's own 500 (docker-java's
            // InternalServerErrorException, docker-py's "500 Server Error", dockerode's
            // "(HTTP code 500)"): the daemon's message after it is the cause, not a registry.
            Status(s) if s >= 500 && DAEMON_ENVELOPE.is_match(line) => Vec::new(),
            Status(s) if s >= 500 => one("registry.server-error", 0.5, none()),
            // A runtime's exception on the line (Poco's `Net Exception`, Java's
            // `BindException`) is the program's own listen inside its container, whatever
            // Docker said around it; Docker's own words for a host port have none.
            AddressInUse if !programs_own_bind(line) => vec![
                ("ports.in-use-process", 0.55, none()),
                ("ports.in-use-container", 0.4, none()),
            ],
            PortForbidden => one("ports.excluded-range", 0.55, none()),
            // A flag Docker's CLI or a plugin does not know: the plugin is missing or older
            // than the command line (`compose pull --ignore-buildable`).
            CommandNotFound if line.contains("unknown flag") => {
                one("cli.plugin-missing", 0.5, none())
            }
            // The Docker client (Compose, docker-py) spoke TLS to a plain port.
            NotTls => one("daemon.tls-not-spoken", 0.5, none()),
            // Docker (its daemon, Desktop) said to be down, in a tool's own words.
            // Docker itself is the subject: "Container 4c1e is not running" is a container.
            NotRunning if DOCKER_DOWN.is_match(line) => one("daemon.not-running", 0.55, none()),
            // A read-only filesystem under a build or the daemon: its own state cannot be
            // written (a leaked mount, a full or remounted disk).
            ReadOnly if !names_foreign_path(line) => one("storage.driver-failed", 0.5, none()),
            _ => Vec::new(),
        },
        None => match cause {
            // A certificate no trust store knows, in any tool's words, with nothing else on
            // the line: most often a TLS-inspecting proxy's CA that the daemon, the image or
            // the tool lacks. A language runtime's exception (its traceback names the call)
            // stays unanswered.
            X509UnknownAuthority
                if !application && !names_a_call(line) && !line.contains("host") =>
            {
                one("ca.untrusted", 0.5, none())
            }
            // The same with the server it called named (a URL, a host) and no registry's or
            // daemon's: the program's own call, checked against its own store (the image's,
            // in a container: a minimal one has none; the system's on the host). Whatever
            // re-signs the traffic (a TLS-inspecting proxy) or signed the server, that store
            // lacks the CA: its area, at the moderate floor, with the daemon's beside it.
            X509UnknownAuthority if !application => {
                vec![
                    ("ca.untrusted-by-program", 0.5, called_host(line)),
                    ("ca.untrusted", 0.35, none()),
                ]
            }
            // A self-signed root inside the chain a server presented: a TLS-inspecting proxy
            // re-signing the traffic (29 of 31 texts with these words over the read splits
            // are the proxy's CA), so even inside an application's exception.
            X509UnknownAuthority if application && SELF_SIGNED_IN_CHAIN.is_match(line) => {
                one("ca.untrusted-by-program", 0.5, called_host(line))
            }
            // A certificate for another IP address, with nothing naming a registry: a
            // daemon's own TLS endpoint (docker-machine's VM after its address changed).
            X509WrongName if !application && NOT_FOR_IP.is_match(line) => {
                one("daemon.tls-wrong-name", 0.5, none())
            }
            // For another name, in curl's or a runtime's words: the trust family too (a
            // proxy re-signing for its own name, a wrong endpoint).
            X509WrongName if !application => one("ca.wrong-host", 0.5, called_host(line)),
            // An expired chain, in any tool's words (Erlang's `tls_alert`, a runtime's
            // handshake): the same trust family, with a clock that runs behind (a
            // suspended VM's) as the other reading. A runtime's traceback stays the
            // program's, as for an unknown authority.
            X509Expired if !application => {
                vec![("ca.expired", 0.5, none()), ("ca.clock-skew", 0.35, none())]
            }
            // EADDRINUSE is a host port's whatever prints it, but Node's own `listen
            // EADDRINUSE` is an application starting twice in its own container.
            // Without Docker's context it is as likely the program's own listen (a dev
            // server started twice, nginx in its container) as a host port Docker or
            // another process holds: either way a process holds the port, so its area at
            // the floor, with the container named second.
            AddressInUse if !line.contains("listen eaddrinuse") && !programs_own_bind(line) => {
                vec![
                    ("ports.in-use-process", 0.5, none()),
                    ("ports.in-use-container", 0.35, none()),
                ]
            }
            // Go's own connection to an HTTPS port with nothing else named (`read tcp
            // a->b:443: wsarecv: ... forcibly closed`): the collected splits hold that
            // shape as a registry's (48) or a proxy's (12) far more than as a program's
            // own call (1). The registry's at the floor, the proxy beside it.
            Reset | TimedOut | Refused | Unreachable | ConnectFailed
                if !application && !names_a_call(line) && GO_TCP_HTTPS.is_match(line) =>
            {
                let mode = match cause {
                    Reset => "registry.connection-cut",
                    TimedOut => "registry.connect-timeout",
                    _ => "registry.connect-failed",
                };
                vec![(mode, 0.5, none()), ("registry.proxy-failed", 0.35, none())]
            }
            // Docker needed and down, in a wrapper's words ("requires Docker. Have you got
            // it installed and running?").
            NotRunning if DOCKER_DOWN.is_match(line) => one("daemon.not-running", 0.5, none()),
            // A full disk is the daemon's store's more often than not, whoever says it
            // (a supervisor, a CI runner): named, with the space it needs.
            NoSpace => one("storage.low-space", 0.5, none()),
            // Another Windows program refused a reserved port: its own, not Docker's.
            _ => Vec::new(),
        },
    }
}

/// Whether a line fetches an image's manifest or blob from `reg` where `reg` cannot be a
/// registry in Docker's reference grammar: no dot, no port (only `localhost`, which Podman
/// names its own images by, at HTTPS's default port).
fn namespace_as_host(line: &str, reg: &str) -> bool {
    if reg.is_empty() || reg.contains(['.', ':']) {
        return false;
    }
    let url = format!("https://{reg}/v2/");
    line.match_indices(&url).any(|(at, _)| {
        let rest = &line[at + url.len()..];
        let path = rest
            .split(|c: char| c.is_whitespace() || c == '"')
            .next()
            .unwrap_or("");
        path.contains("/manifests/") || path.contains("/blobs/")
    })
}

/// The Internet name a line's resolver was asked for, else the one its URL called.
fn public_asked(line: &str) -> Option<BTreeMap<String, String>> {
    Some(asked_host(line))
        .filter(|h| !h.is_empty())
        .or_else(|| Some(called_host(line)))
        .filter(|h| h.get("host").is_some_and(|h| public_name(h)))
}

/// The network a program ran in, failing it: the proxy it was not given first when the
/// paste shows one, else the nameserver (the containers' or the machine's), each named
/// beside the other (`beside`: the second one's confidence) for the probes to decide.
fn resolver_or_proxy(shell_proxy: bool, host: BTreeMap<String, String>, beside: f64) -> Out {
    if shell_proxy {
        vec![
            ("proxy.build-unreachable", 0.5, host.clone()),
            ("registry.dns-in-build", 0.4, host),
        ]
    } else {
        vec![
            ("registry.dns-in-build", 0.5, host.clone()),
            ("proxy.build-unreachable", beside, host),
        ]
    }
}

/// An ssh endpoint's failure, told apart by ssh's own words (the probe's classifier).
fn ssh_reading(line: &str) -> Out {
    use probes::facts::ssh::{SshFailureKind as K, classify};
    static STATUS: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"exit(?:ed with)? status ([0-9]{1,3})").expect("status"));
    let status = STATUS.captures(line).and_then(|c| c[1].parse().ok());
    let (kind, _) = classify(line, status);
    let mode = match kind {
        K::Refused | K::Unresolved | K::TimedOut => "daemon.ssh-unreachable",
        K::KeyRefused => "daemon.ssh-key-refused",
        K::HostKeyUnknown | K::HostKeyChanged => "daemon.ssh-host-key",
        K::RemoteDockerMissing => "daemon.ssh-remote-docker-missing",
        K::RemoteSocketDenied => "daemon.ssh-remote-permission-denied",
        K::RemoteDaemonDown => "daemon.ssh-remote-daemon-down",
        K::Other => "daemon.ssh-failed",
    };
    vec![(
        mode,
        if kind == K::Other { 0.5 } else { 0.7 },
        BTreeMap::new(),
    )]
}
