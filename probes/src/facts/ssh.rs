//! `ssh://` endpoints, reached as the docker CLI reaches them (docker/cli
//! `connhelper/ssh`): `ssh [-l user] [-p port] -- host docker system dial-stdio`, the API
//! spoken over that process's stdin and stdout. The doctor adds what a diagnosis needs and
//! a person would not: `BatchMode=yes` (never a password or host-key prompt: a prompt with
//! no one to answer would hang the run) and a `ConnectTimeout` within `--timeout`.
//!
//! When the stream fails, ssh's own words (its stderr) and exit status say why; they are
//! told apart here, with no machine needed.

use serde::Serialize;

/// `ssh://[user@]host[:port]`, parsed as the CLI does (a path after the host is refused).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SshTarget {
    pub user: Option<String>,
    pub host: String,
    pub port: Option<u16>,
}

impl SshTarget {
    pub fn parse(rest: &str) -> Result<SshTarget, String> {
        let rest = rest.trim_end_matches('/');
        if rest.contains('/') {
            return Err("ssh:// takes no path after the host (the CLI refuses one)".into());
        }
        let (user, hostport) = match rest.rsplit_once('@') {
            Some((u, h)) => (Some(u.to_string()), h),
            None => (None, rest),
        };
        let (host, port) = if let Some(v6) = hostport.strip_prefix('[') {
            let (h, after) = v6
                .split_once(']')
                .ok_or_else(|| format!("{hostport}: an IPv6 address needs its closing ]"))?;
            (h.to_string(), after.strip_prefix(':'))
        } else {
            match hostport.rsplit_once(':') {
                Some((h, p)) => (h.to_string(), Some(p)),
                None => (hostport.to_string(), None),
            }
        };
        if host.is_empty() {
            return Err("ssh:// needs a host, as in ssh://user@host".into());
        }
        if host.starts_with('-') || user.as_deref().is_some_and(|u| u.starts_with('-')) {
            return Err("a host or user that starts with - would be read as an ssh option".into());
        }
        let port = match port {
            Some(p) => Some(
                p.parse::<u16>()
                    .map_err(|_| format!("{p} is not a port number"))?,
            ),
            None => None,
        };
        Ok(SshTarget { user, host, port })
    }

    /// `host`, `user@host`, `user@host:port` as people write it.
    pub fn label(&self) -> String {
        let mut s = match &self.user {
            Some(u) => format!("{u}@{}", self.host),
            None => self.host.clone(),
        };
        if let Some(p) = self.port {
            s.push_str(&format!(":{p}"));
        }
        s
    }

    /// What runs: the CLI's command, never interactive, bounded by `connect_secs`.
    pub fn argv(&self, connect_secs: u64) -> Vec<String> {
        let mut a: Vec<String> = vec![
            "ssh".into(),
            "-o".into(),
            "BatchMode=yes".into(),
            "-o".into(),
            format!("ConnectTimeout={}", connect_secs.max(1)),
            "-T".into(),
        ];
        if let Some(u) = &self.user {
            a.extend(["-l".into(), u.clone()]);
        }
        if let Some(p) = self.port {
            a.extend(["-p".into(), p.to_string()]);
        }
        a.extend([
            "--".into(),
            self.host.clone(),
            "docker".into(),
            "system".into(),
            "dial-stdio".into(),
        ]);
        a
    }
}

impl SshTarget {
    /// The same connection, asked only for the host key it is offered: verbose, with no
    /// known host (so ssh stops right after the key exchange, before any login), through
    /// the user's own ssh config (aliases, `ProxyJump`, ports), as the CLI's ssh goes.
    pub fn host_key_argv(&self, connect_secs: u64) -> Vec<String> {
        let mut a: Vec<String> = vec!["ssh".into(), "-v".into()];
        for o in [
            "BatchMode=yes".to_string(),
            format!("ConnectTimeout={}", connect_secs.max(1)),
            "StrictHostKeyChecking=yes".into(),
            "UserKnownHostsFile=/dev/null".into(),
            "GlobalKnownHostsFile=/dev/null".into(),
        ] {
            a.extend(["-o".into(), o]);
        }
        a.push("-T".into());
        if let Some(u) = &self.user {
            a.extend(["-l".into(), u.clone()]);
        }
        if let Some(p) = self.port {
            a.extend(["-p".into(), p.to_string()]);
        }
        a.extend(["--".into(), self.host.clone(), "true".into()]);
        a
    }
}

/// The host key a server offered, from `ssh -v`'s `Server host key: <type> <fingerprint>`,
/// as `<fingerprint> (<type>)`.
pub fn offered_host_key(verbose_stderr: &str) -> Option<String> {
    verbose_stderr.lines().find_map(|l| {
        let rest = l.split_once("Server host key:")?.1;
        let mut words = rest.split_whitespace();
        let (kind, fp) = (words.next()?, words.next()?);
        let printable = |s: &str| s.chars().all(|c| c.is_ascii_graphic());
        (printable(kind) && printable(fp) && fp.contains(':')).then(|| format!("{fp} ({kind})"))
    })
}

/// Why the ssh stream failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SshFailureKind {
    Refused,
    Unresolved,
    TimedOut,
    /// The server did not accept any of our keys (or wanted a password: BatchMode).
    KeyRefused,
    /// The server's host key is not in known_hosts.
    HostKeyUnknown,
    /// The server's host key differs from the one in known_hosts.
    HostKeyChanged,
    /// `docker` is not on the remote user's PATH (exit status 127).
    RemoteDockerMissing,
    /// The remote user cannot open the remote daemon's socket.
    RemoteSocketDenied,
    /// The remote daemon does not answer on the remote machine.
    RemoteDaemonDown,
    Other,
}

/// What ssh said, told apart: the kind, and the line that says it.
pub fn classify(stderr: &str, status: Option<i32>) -> (SshFailureKind, String) {
    let lines: Vec<&str> = stderr
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let find = |needle: &str| {
        lines
            .iter()
            .find(|l| l.to_ascii_lowercase().contains(needle))
            .map(|l| l.to_string())
    };
    use SshFailureKind::*;
    let checks: [(&str, SshFailureKind); 14] = [
        ("remote host identification has changed", HostKeyChanged),
        ("host key verification failed", HostKeyUnknown),
        ("no ed25519 host key is known", HostKeyUnknown),
        ("could not resolve hostname", Unresolved),
        ("connection refused", Refused),
        ("connection timed out", TimedOut),
        ("operation timed out", TimedOut),
        ("permission denied (", KeyRefused),
        ("too many authentication failures", KeyRefused),
        ("docker: command not found", RemoteDockerMissing),
        ("docker: not found", RemoteDockerMissing),
        (
            "permission denied while trying to connect to the docker",
            RemoteSocketDenied,
        ),
        ("cannot connect to the docker daemon", RemoteDaemonDown),
        // Go's ssh client (tools that dial the socket themselves): every key refused.
        ("ssh: unable to authenticate", KeyRefused),
    ];
    for (needle, kind) in checks {
        if let Some(line) = find(needle) {
            return (kind, line);
        }
    }
    if status == Some(127) {
        return (
            RemoteDockerMissing,
            lines
                .last()
                .map(|l| l.to_string())
                .unwrap_or_else(|| "exit status 127".into()),
        );
    }
    // The remote docker's own dial error (`failed to open the raw stream connection:
    // dial unix /var/run/docker.sock: connect: ...`): its cause says which.
    if let Some(l) = find("dial unix").or_else(|| find("connect: no such file")) {
        let kind = if l.to_ascii_lowercase().contains("permission denied") {
            RemoteSocketDenied
        } else {
            RemoteDaemonDown
        };
        return (kind, l);
    }
    (
        Other,
        lines
            .last()
            .map(|l| l.to_string())
            .unwrap_or_else(|| match status {
                Some(s) => format!("ssh exited with status {s}"),
                None => "ssh ended".into(),
            }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_parse_as_the_cli_reads_them() {
        let t = SshTarget::parse("alice@build.example:2222").unwrap();
        assert_eq!(
            t.argv(5),
            [
                "ssh",
                "-o",
                "BatchMode=yes",
                "-o",
                "ConnectTimeout=5",
                "-T",
                "-l",
                "alice",
                "-p",
                "2222",
                "--",
                "build.example",
                "docker",
                "system",
                "dial-stdio"
            ]
        );
        assert_eq!(SshTarget::parse("h").unwrap().user, None);
        assert_eq!(SshTarget::parse("[::1]:22").unwrap().host, "::1");
        assert!(SshTarget::parse("h/var/run/docker.sock").is_err());
        assert!(SshTarget::parse("-oProxyCommand=x").is_err());
        assert!(SshTarget::parse("u@h:port").is_err());
    }

    #[test]
    fn the_offered_host_key_is_read_from_ssh_v() {
        let t = SshTarget::parse("alice@build.example:2222").unwrap();
        let a = t.host_key_argv(3);
        assert!(a.ends_with(&["--".into(), "build.example".into(), "true".into()]));
        assert!(a.contains(&"UserKnownHostsFile=/dev/null".into()));
        // OpenSSH 9.2 and 7.4 (`-v` of an unknown host).
        let said = "debug1: Connecting to 127.0.0.1 [127.0.0.1] port 2222.\r\ndebug1: SSH2_MSG_KEX_ECDH_REPLY received\r\ndebug1: Server host key: ssh-ed25519 SHA256:p7N2xQ5Mc/8TO+lTousquUksLwVm0qTxOtD9YYJgWb8\r\nNo ED25519 host key is known for [127.0.0.1]:2222 and you have requested strict checking.\r\nHost key verification failed.\r\n";
        assert_eq!(
            offered_host_key(said).as_deref(),
            Some("SHA256:p7N2xQ5Mc/8TO+lTousquUksLwVm0qTxOtD9YYJgWb8 (ssh-ed25519)")
        );
        assert_eq!(
            offered_host_key("debug1: Server host key: ecdsa-sha2-nistp256 SHA256:abc+/def")
                .as_deref(),
            Some("SHA256:abc+/def (ecdsa-sha2-nistp256)")
        );
        assert_eq!(offered_host_key("Host key verification failed."), None);
        assert_eq!(offered_host_key("debug1: Server host key: \x1b[31m"), None);
    }

    /// ssh's and the remote docker's own words (OpenSSH 9.2, docker CLI 20-28).
    #[test]
    fn ssh_failures_are_told_apart() {
        let cases: [(&str, Option<i32>, SshFailureKind); 12] = [
            (
                "failed to open the raw stream connection: dial unix /var/run/docker.sock: connect: permission denied",
                Some(1),
                SshFailureKind::RemoteSocketDenied,
            ),
            (
                "failed to open the raw stream connection: dial unix /nonexistent/docker.sock: connect: no such file or directory",
                Some(1),
                SshFailureKind::RemoteDaemonDown,
            ),
            (
                "ssh: connect to host 127.0.0.1 port 2999: Connection refused",
                Some(255),
                SshFailureKind::Refused,
            ),
            (
                "ssh: Could not resolve hostname nohost.invalid: Name or service not known",
                Some(255),
                SshFailureKind::Unresolved,
            ),
            (
                "ssh: connect to host 10.9.9.9 port 22: Connection timed out",
                Some(255),
                SshFailureKind::TimedOut,
            ),
            (
                "alice@127.0.0.1: Permission denied (publickey).",
                Some(255),
                SshFailureKind::KeyRefused,
            ),
            (
                "No ED25519 host key is known for [127.0.0.1]:2222 and you have requested strict checking.\nHost key verification failed.",
                Some(255),
                SshFailureKind::HostKeyUnknown,
            ),
            (
                "@@@@@@\n@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @\n@@@@@@\nHost key verification failed.",
                Some(255),
                SshFailureKind::HostKeyChanged,
            ),
            (
                "bash: line 1: docker: command not found",
                Some(127),
                SshFailureKind::RemoteDockerMissing,
            ),
            ("", Some(127), SshFailureKind::RemoteDockerMissing),
            (
                "permission denied while trying to connect to the Docker daemon socket at unix:///var/run/docker.sock: Get \"http://%2Fvar%2Frun%2Fdocker.sock/_ping\": dial unix /var/run/docker.sock: connect: permission denied",
                Some(1),
                SshFailureKind::RemoteSocketDenied,
            ),
            (
                "Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?",
                Some(1),
                SshFailureKind::RemoteDaemonDown,
            ),
        ];
        for (text, status, kind) in cases {
            assert_eq!(classify(text, status).0, kind, "{text}");
        }
    }
}
