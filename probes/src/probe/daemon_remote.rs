//! The daemon probe's findings for a daemon reached over tcp (with or without TLS): its
//! service is another machine's, or at least not this host's service manager's, so no fix
//! here starts, restarts or reads the log of a local service. Each names the setting that
//! chose the address (`DOCKER_HOST` or the context) and says what to do, and where.

use crate::argv;
use crate::context::{Context, DaemonState};
use crate::facts::endpoint::{Endpoint, EndpointKind, Source};
use crate::host::{ApiError, TlsFailure};
use crate::model::{Finding, FindingKind, Fix, Severity};
use crate::recipes::{name_lookup, shell_env};

pub(super) const TLS_REQUIRED: FindingKind = FindingKind::new(
    "daemon.tls-required",
    Severity::Error,
    "the daemon at a tcp:// address speaks TLS, but the client sends plain HTTP",
);
pub(super) const TLS_NOT_SPOKEN: FindingKind = FindingKind::new(
    "daemon.tls-not-spoken",
    Severity::Error,
    "the client speaks TLS to a tcp:// address that answers in plain HTTP",
);
pub(super) const TLS_UNTRUSTED: FindingKind = FindingKind::new(
    "daemon.tls-untrusted",
    Severity::Error,
    "the daemon's certificate is not signed by the CA the client trusts (ca.pem)",
);
pub(super) const TLS_WRONG_NAME: FindingKind = FindingKind::new(
    "daemon.tls-wrong-name",
    Severity::Error,
    "the daemon's certificate does not name the address the client uses",
);
pub(super) const TLS_SERVER_VALIDITY: FindingKind = FindingKind::new(
    "daemon.tls-server-expired",
    Severity::Error,
    "the daemon's certificate is expired or not yet valid",
);
pub(super) const TLS_CLIENT_REJECTED: FindingKind = FindingKind::new(
    "daemon.tls-client-rejected",
    Severity::Error,
    "the daemon refuses the client's certificate (or its absence)",
);
pub(super) const TLS_FAILED: FindingKind = FindingKind::new(
    "daemon.tls-failed",
    Severity::Error,
    "the TLS handshake with the daemon failed for another reason",
);
pub(super) const SSH_UNREACHABLE: FindingKind = FindingKind::new(
    "daemon.ssh-unreachable",
    Severity::Error,
    "ssh cannot reach the daemon's machine (refused, unresolvable, timed out)",
);
pub(super) const SSH_KEY_REFUSED: FindingKind = FindingKind::new(
    "daemon.ssh-key-refused",
    Severity::Error,
    "the daemon's machine refuses this user's ssh keys (the CLI cannot ask for a password)",
);
pub(super) const SSH_HOST_KEY: FindingKind = FindingKind::new(
    "daemon.ssh-host-key",
    Severity::Error,
    "the daemon's machine's ssh host key is unknown here, or changed",
);
pub(super) const SSH_REMOTE_DOCKER_MISSING: FindingKind = FindingKind::new(
    "daemon.ssh-remote-docker-missing",
    Severity::Error,
    "`docker` is not on the remote user's PATH (exit status 127)",
);
pub(super) const SSH_REMOTE_DENIED: FindingKind = FindingKind::new(
    "daemon.ssh-remote-permission-denied",
    Severity::Error,
    "the remote user cannot open the remote daemon's socket",
);
pub(super) const SSH_REMOTE_DOWN: FindingKind = FindingKind::new(
    "daemon.ssh-remote-daemon-down",
    Severity::Error,
    "ssh works, but no daemon answers on the remote machine",
);
pub(super) const SSH_FAILED: FindingKind = FindingKind::new(
    "daemon.ssh-failed",
    Severity::Error,
    "the ssh connection to the daemon failed for another reason",
);
pub(super) const REMOTE_REFUSED: FindingKind = FindingKind::new(
    "daemon.remote-refused",
    Severity::Error,
    "nothing accepts connections at the daemon's tcp:// address",
);
pub(super) const REMOTE_UNRESOLVED: FindingKind = FindingKind::new(
    "daemon.remote-unresolved",
    Severity::Error,
    "the host name of the daemon's tcp:// address does not resolve",
);

/// "DOCKER_HOST", "context corp", or "the default".
fn setting(ctx: &Context) -> String {
    let r = ctx.endpoint();
    match (&r.source, &r.context) {
        (Source::DockerHost, _) => "DOCKER_HOST".into(),
        (_, Some(c)) if c != "default" => format!("the context {c}"),
        _ => "the default".into(),
    }
}

/// The context being used, when the address comes from one.
fn context_name(ctx: &Context) -> Option<String> {
    let r = ctx.endpoint();
    (r.source != Source::DockerHost)
        .then(|| r.context.clone())
        .flatten()
        .filter(|c| c != "default")
}

/// `host` and `port` of a tcp address.
fn split(address: &str) -> (String, String) {
    match address.rsplit_once(':') {
        Some((h, p)) => (
            h.trim_start_matches('[').trim_end_matches(']').to_string(),
            p.to_string(),
        ),
        None => (address.to_string(), String::new()),
    }
}

fn is_loopback(host: &str) -> bool {
    host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// A fix that points the CLI at another address, in this user's terms.
fn point_elsewhere(ctx: &Context, title: &str, url: &str) -> Fix {
    match context_name(ctx) {
        Some(c) => Fix::new(title.to_string()).run(argv![
            "docker",
            "context",
            "update",
            c,
            "--docker",
            format!("host={url}")
        ]),
        None => Fix::new(title.to_string()).run(argv!["export", format!("DOCKER_HOST={url}")]),
    }
}

/// The finding for a tcp daemon that did not answer, or `None` when the error is not
/// about reaching it (the daemon's own answers are judged by the daemon probe).
pub(super) fn unreachable(ctx: &Context, state: &DaemonState, e: &ApiError) -> Option<Finding> {
    let ep = &state.endpoint;
    if let EndpointKind::Ssh(rest) = &ep.kind {
        return Some(ssh_finding(ctx, ep, rest, e));
    }
    let EndpointKind::Tcp { address, tls } = &ep.kind else {
        return None;
    };
    let (host, port) = split(address);
    let url = &ep.url;
    let from = setting(ctx);
    let f = match e {
        ApiError::Refused => {
            let here = is_loopback(&host);
            let mut f = REMOTE_REFUSED
                .finding(format!("nothing accepts connections at {address} (the address {from} gives)"))
                .evidence("endpoint", url)
                .evidence("source", &from)
                .detail(if here {
                    "This machine has no daemon listening on that tcp port: dockerd listens on tcp only when its -H flags or the \"hosts\" key of daemon.json say so."
                } else {
                    "The daemon's machine is down, dockerd there does not listen on this port, or a firewall rejects the connection."
                });
            f = f.fix(
                Fix::new(format!("Check the address {from} gives"))
                    .run(if from == "DOCKER_HOST" {
                        argv!["printenv", "DOCKER_HOST"]
                    } else {
                        argv!["docker", "context", "inspect", "--format", "{{.Endpoints.docker.Host}}"]
                    })
                    .manual(if from == "DOCKER_HOST" {
                        "If this machine's own daemon is meant, `unset DOCKER_HOST` (the CLI then uses the local socket)."
                    } else {
                        "If this machine's own daemon is meant, `docker context use default`."
                    }),
            );
            if here {
                f.fix(Fix::new(format!("Or make dockerd listen on {address}")).manual(format!(
                    "Add \"tcp://{address}\" to \"hosts\" in /etc/docker/daemon.json (with TLS: tlsverify, tlscacert, tlscert, tlskey), or -H tcp://{address} to dockerd's flags, then restart dockerd. A plain tcp listener without TLS gives root to anyone who can reach the port."
                )))
            } else {
                f.fix(
                    Fix::new(format!("On {host}: check that dockerd runs and listens on port {port}"))
                        .manual(format!(
                            "On {host} (not here): `sudo ss -ltnp 'sport = :{port}'` shows whether dockerd listens; its -H flags or daemon.json \"hosts\" set the port; a firewall must allow it from this machine."
                        )),
                )
            }
        }
        ApiError::NameNotResolved(detail) => REMOTE_UNRESOLVED
            .finding(format!("{host} (from {from}) does not resolve: {detail}"))
            .evidence("endpoint", url)
            .evidence("source", &from)
            .fix(
                name_lookup::look_up(Fix::new(format!("Check the name {from} gives")), &ctx.platform().os, &host)
                    .manual("A typo, a VPN that is not connected, or a name only another network's DNS knows."),
            ),
        ApiError::Server { status: 400, message }
            if message.to_ascii_lowercase().contains("https server") =>
        {
            let fix = match context_name(ctx) {
                Some(c) => Fix::new("Give the context the daemon's CA and your client certificate")
                    .run(argv![
                        "docker",
                        "context",
                        "update",
                        c,
                        "--docker",
                        format!("host={url},ca=<ca.pem>,cert=<cert.pem>,key=<key.pem>")
                    ]),
                None => Fix::new("Talk TLS to it, as the daemon expects")
                    .run(argv!["export", "DOCKER_TLS_VERIFY=1"])
                    .run(argv!["export", "DOCKER_CERT_PATH=<folder with ca.pem, cert.pem and key.pem>"]),
            };
            TLS_REQUIRED
                .finding(format!(
                    "{address} speaks TLS, but the client sends plain HTTP (DOCKER_TLS_VERIFY is not set)"
                ))
                .evidence("endpoint", url)
                .evidence("source", &from)
                .evidence("answer", format!("{status} {message}", status = 400))
                .fix(fix.docs("https://docs.docker.com/engine/security/protect-access/"))
        }
        ApiError::Tls(t) => tls_finding(ctx, ep, t, &host, &port),
        ApiError::Server { status, message } => super::daemon::NOT_DOCKER
            .finding(format!(
                "{address} answers HTTP {status}, not as the Docker API: {}",
                excerpt(message)
            ))
            .evidence("endpoint", url)
            .evidence("source", &from)
            .evidence("status", status)
            .detail("Another service (a web server, a proxy, an app) holds this address; the daemon is elsewhere, or on another port.")
            .fix(point_elsewhere(ctx, &format!("Point {from} at the daemon's real address"), "tcp://<daemon-host>:2376"))
            .fix(Fix::new("See what answers there").run(argv![
                "curl",
                "-s",
                "-i",
                format!("http{}://{address}/_ping", if *tls { "s" } else { "" })
            ])),
        _ => return None,
    };
    Some(f)
}

/// The first line of an answer, without markup, at most 120 characters: a web server's
/// whole page is no summary.
fn excerpt(message: &str) -> String {
    let mut plain = String::new();
    let mut in_tag = false;
    for c in message.chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                plain.push(' ');
            }
            _ if !in_tag => plain.push(c),
            _ => {}
        }
    }
    let words: Vec<&str> = plain.split_whitespace().collect();
    let mut line = words.join(" ");
    if line.chars().count() > 120 {
        line = line.chars().take(117).collect::<String>() + "...";
    }
    line
}

fn tls_finding(ctx: &Context, ep: &Endpoint, t: &TlsFailure, host: &str, port: &str) -> Finding {
    let url = &ep.url;
    let from = setting(ctx);
    let ca = ep
        .tls
        .as_ref()
        .map(|t| t.ca().display().to_string())
        .unwrap_or_else(|| "ca.pem".into());
    let cert = ep
        .tls
        .as_ref()
        .map(|t| t.cert().display().to_string())
        .unwrap_or_else(|| "cert.pem".into());
    let address = format!("{host}:{port}");
    let base = |kind: FindingKind, summary: String| {
        kind.finding(summary)
            .evidence("endpoint", url)
            .evidence("source", &from)
    };
    let show_chain = Fix::new("See the certificate the daemon presents").run(argv![
        "openssl",
        "s_client",
        "-connect",
        &address,
        "-showcerts"
    ]);
    match t {
        TlsFailure::Material(m) => crate::model::Finding::new(
            "daemon.unchecked",
            Severity::Error,
            format!("{url} was not contacted: {m}"),
        )
        .evidence("endpoint", url)
        .caused_by("endpoint"),
        TlsFailure::NotTls => base(
            TLS_NOT_SPOKEN,
            format!("{address} answers in plain HTTP, but the client speaks TLS to it"),
        )
        .detail("Port 2375 is the daemon's plain port by convention and 2376 its TLS port; with DOCKER_TLS_VERIFY or DOCKER_TLS set the CLI speaks TLS whatever the port.")
        .fix(if from == "DOCKER_HOST" {
            shell_env::unset(
                Fix::new("Speak plain HTTP to this port, if that is what the daemon offers"),
                &ctx.platform().os,
                &["DOCKER_TLS_VERIFY", "DOCKER_TLS"],
            )
                .note("A daemon on plain tcp gives root to anyone who can reach the port; prefer its TLS port.")
        } else {
            point_elsewhere(ctx, "Use the daemon's TLS port", &format!("tcp://{host}:2376"))
        }),
        TlsFailure::Untrusted { issuer, subject } => base(
            TLS_UNTRUSTED,
            format!("the certificate of {address} ({subject}) is issued by {issuer}, which {ca} does not hold"),
        )
        .evidence("issuer", issuer)
        .evidence("ca_file", &ca)
        .detail("The CLI trusts only the CA in ca.pem for a TLS daemon, not the system's store.")
        .fix(match context_name(ctx) {
            Some(c) => Fix::new(format!("Give the context {c} the CA that signed the daemon's certificate"))
                .manual("On the daemon's machine, the file its --tlscacert (or daemon.json \"tlscacert\") names is that CA: copy it here first.")
                .run(argv![
                    "docker",
                    "context",
                    "update",
                    c,
                    "--docker",
                    format!("host={url},ca=<the daemon's ca.pem>,cert={cert},key=<key.pem>")
                ]),
            None => Fix::new(format!("Put the CA that signed the daemon's certificate into {ca}"))
                .manual(format!(
                    "On the daemon's machine, the file its --tlscacert (or daemon.json \"tlscacert\") names is that CA: copy it to {ca}."
                )),
        })
        .fix(show_chain),
        TlsFailure::WrongName { asked, names } => {
            let list = if names.is_empty() {
                "no names".to_string()
            } else {
                names.join(", ")
            };
            let mut f = base(
                TLS_WRONG_NAME,
                format!("the certificate of {address} is valid for {list}, not {asked}"),
            )
            .evidence("asked", asked)
            .evidence("names", &list);
            if let Some(name) = names.iter().find(|n| !n.starts_with('*')) {
                let host_part = if name.contains(':') {
                    format!("[{name}]")
                } else {
                    name.clone()
                };
                f = f.fix(point_elsewhere(
                    ctx,
                    &format!("Connect by a name the certificate holds ({name})"),
                    &format!("tcp://{host_part}:{port}"),
                ));
            }
            f.fix(
                Fix::new(format!("Or, on the daemon's machine, add {asked} to its certificate"))
                    .manual(format!(
                        "Issue the daemon's server certificate again with subjectAltName = {}:{asked} (and its other names), signed by the same CA, then restart dockerd there.",
                        if asked.parse::<std::net::IpAddr>().is_ok() { "IP" } else { "DNS" }
                    )),
            )
        }
        TlsFailure::ServerValidity { detail } => base(
            TLS_SERVER_VALIDITY,
            format!("the certificate of {address} is not valid now ({detail})"),
        )
        .fix(
            Fix::new("Check this machine's clock, then renew the daemon's certificate on its machine")
                .run("date -u")
                .manual("On the daemon's machine: issue a new server certificate from its CA and restart dockerd there."),
        ),
        TlsFailure::ClientRejected {
            alert,
            sent_certificate,
        } => {
            let summary = if *sent_certificate {
                format!("{address} refused the client certificate {cert} ({alert})")
            } else {
                format!("{address} wants a client certificate, and none was sent ({alert})")
            };
            base(TLS_CLIENT_REJECTED, summary)
                .evidence("alert", alert)
                .detail("A daemon started with --tlsverify accepts only client certificates signed by its own CA (its --tlscacert).")
                .fix(
                    Fix::new("Use a client certificate signed by the daemon's CA")
                        .manual(format!(
                            "Ask whoever runs the daemon for a client certificate and key signed by the CA its --tlscacert names, and put them in {} as cert.pem and key.pem.",
                            ep.tls.as_ref().map(|t| t.dir.display().to_string()).unwrap_or_else(|| "DOCKER_CERT_PATH".into())
                        ))
                        .run(argv!["openssl", "x509", "-noout", "-issuer", "-subject", "-in", &cert])
                        .why("the issuer must be the daemon's CA"),
                )
        }
        TlsFailure::Other(m) => base(
            TLS_FAILED,
            format!("TLS with {address} failed: {m}"),
        )
        .fix(show_chain),
    }
}

/// An `ssh://` daemon that did not answer: ssh's own failure, or the remote docker's.
fn ssh_finding(ctx: &Context, ep: &Endpoint, rest: &str, e: &ApiError) -> Finding {
    use crate::facts::ssh::{SshFailureKind as K, SshTarget};
    let url = &ep.url;
    let from = setting(ctx);
    let target = SshTarget::parse(rest).ok();
    let label = target.as_ref().map_or(rest.to_string(), |t| t.label());
    let host = target.as_ref().map_or(rest.to_string(), |t| t.host.clone());
    let port = target
        .as_ref()
        .and_then(|t| t.port)
        .unwrap_or(22)
        .to_string();
    let remote_user = target
        .as_ref()
        .and_then(|t| t.user.clone())
        .unwrap_or_else(|| ctx.identity().user.clone());
    let login = target.as_ref().map_or(rest.to_string(), |t| match &t.user {
        Some(u) => format!("{u}@{}", t.host),
        None => t.host.clone(),
    });
    // `ssh [-p PORT] LOGIN WORDS...` as a person types it.
    let ssh_cmd = |program: &str, words: &[&str]| {
        let mut a = vec![program.to_string()];
        if port != "22" {
            a.extend(["-p".into(), port.clone()]);
        }
        a.push(login.clone());
        a.extend(words.iter().map(|w| w.to_string()));
        crate::model::Argv::Words(a)
    };
    let ssh_try = ssh_cmd("ssh", &["docker", "version"]);
    let base = |kind: FindingKind, summary: String| {
        kind.finding(summary)
            .evidence("endpoint", url)
            .evidence("source", &from)
    };
    let Some(ApiError::Ssh(f)) = Some(e).filter(|e| matches!(e, ApiError::Ssh(_))) else {
        return match e {
            ApiError::TimedOut => base(
                SSH_FAILED,
                format!("no answer from {label} over ssh in time"),
            )
            .fix(Fix::new("Try what the CLI runs, by hand").run(ssh_try)),
            ApiError::Other(m) => base(SSH_FAILED, format!("{url} cannot be used: {m}")),
            other => base(
                SSH_FAILED,
                format!("the daemon at {label} (over ssh) did not answer: {other:?}"),
            ),
        };
    };
    let said = f.line.clone();
    match f.kind {
        K::Refused | K::Unresolved | K::TimedOut => base(
            SSH_UNREACHABLE,
            format!("ssh cannot reach {label}: {said}"),
        )
        .evidence("ssh_says", &said)
        .fix(
            name_lookup::look_up(
                Fix::new(format!("Check the address {from} gives, and that sshd runs on {host}")),
                &ctx.platform().os,
                &host,
            )
                .manual(format!(
                    "On {host} (not here): sshd must run and listen on port {port}, and a firewall must let this machine in."
                )),
        ),
        K::KeyRefused => base(
            SSH_KEY_REFUSED,
            format!("{host} refuses the ssh keys of this user as {remote_user}: {said}"),
        )
        .evidence("ssh_says", &said)
        .detail("The docker CLI runs ssh without a terminal: only a key (or an ssh agent) can log in, never a password.")
        .fix(
            Fix::new(format!("Authorise your key for {remote_user} on {host}"))
                .run(ssh_cmd("ssh-copy-id", &[]))
                .run(ssh_try.clone())
                .why("must print the remote versions without asking anything"),
        ),
        K::HostKeyUnknown | K::HostKeyChanged => {
            let changed = f.kind == K::HostKeyChanged;
            let mut finding = base(
                SSH_HOST_KEY,
                if changed {
                    format!("the ssh host key of {host} CHANGED since it was saved in known_hosts: {said}")
                } else {
                    format!("the ssh host key of {host} is not in known_hosts, and the CLI cannot ask: {said}")
                },
            )
            .evidence("ssh_says", &said);
            for (i, fp) in f.fingerprints.iter().enumerate() {
                finding = finding.evidence(format!("offered key {}", i + 1), fp);
            }
            let mut save = Fix::new(format!("Compare the offered key with {host}'s own, then save it"))
                .manual(format!(
                    "On {host} (not here), print its real fingerprints: for f in /etc/ssh/ssh_host_*_key.pub; do ssh-keygen -lf \"$f\"; done. They must equal the offered keys listed above."
                ));
            if changed {
                save = save.run(argv![
                    "ssh-keygen",
                    "-R",
                    if port == "22" { host.clone() } else { format!("[{host}]:{port}") }
                ]);
            }
            finding
                .detail(if changed {
                    "Either the machine was reinstalled (its keys are new) or something sits between you and it. Never accept the new key before checking it."
                } else {
                    "A first ssh connection asks to confirm the machine's key; the CLI runs ssh without a terminal, so nobody can answer. Compare the key it offers with the machine's own, then save it."
                })
                .fix(
                    save.run(ssh_cmd("ssh", &["true"]))
                        .why("answer yes only when the fingerprint matches"),
                )
        }
        K::RemoteDockerMissing => base(
            SSH_REMOTE_DOCKER_MISSING,
            format!("ssh to {label} works, but `docker` is not on {remote_user}'s PATH there (exit status {})", f.status.map_or("127".into(), |s| s.to_string())),
        )
        .evidence("ssh_says", &said)
        .detail("The CLI runs `docker system dial-stdio` on the remote machine, in a non-interactive shell: the docker CLI must be installed there and on the PATH such a shell gets (not only the one ~/.bashrc sets for interactive logins).")
        .fix(
            Fix::new(format!("On {host}: install the docker CLI, or put it on the non-interactive PATH"))
                .run(ssh_cmd("ssh", &["command -v docker; echo $PATH"]))
                .manual(format!("On {host} (not here): install Docker there, or link the docker binary into /usr/local/bin or /usr/bin.")),
        ),
        K::RemoteSocketDenied => base(
            SSH_REMOTE_DENIED,
            format!("on {host}, {remote_user} cannot open the daemon's socket: {said}"),
        )
        .evidence("ssh_says", &said)
        .evidence("remote_user", &remote_user)
        .fix(
            Fix::new(format!("On {host}: add {remote_user} to its docker group"))
                .manual(format!(
                    "On {host} (not here): sudo usermod -aG docker {remote_user}; the next ssh login has the group. The docker group there is root-equivalent on {host}."
                ))
                .run(ssh_try.clone()),
        ),
        K::RemoteDaemonDown => base(
            SSH_REMOTE_DOWN,
            format!("ssh to {label} works, but no daemon answers there: {said}"),
        )
        .evidence("ssh_says", &said)
        .fix(
            Fix::new(format!("On {host}: start the daemon"))
                .manual(format!(
                    "On {host} (not here): start Docker the way that machine runs it (systemctl start docker, or service docker start), then check with `docker info` there."
                ))
                .run(ssh_try.clone()),
        ),
        K::Other => base(SSH_FAILED, format!("ssh to {label} failed: {said}"))
            .evidence("ssh_says", &said)
            .fix(Fix::new("Try what the CLI runs, by hand").run(ssh_try)),
    }
}
