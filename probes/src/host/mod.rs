//! `Host`: the only way a probe touches the machine.
//!
//! [`RealHost`] is this machine; [`FixtureHost`] is a captured machine read from a scenario
//! folder, so every probe can be tested without a machine to break.

mod api_client;
pub mod confine;
mod fixture;
mod http;
mod native;
mod real;
pub mod smoke;
// The only platform-gated code of the host: thin shims over the OS, no parsing.
#[cfg(unix)]
#[path = "unix.rs"]
pub(crate) mod os;
#[cfg(windows)]
#[path = "windows.rs"]
pub(crate) mod os;
#[cfg(windows)]
mod windows_pipe;
#[cfg(windows)]
mod windows_token;
// The Windows shim uses only std and sysinfo: built and tested here too.
pub mod trace;
#[cfg(all(test, not(windows)))]
#[path = "windows.rs"]
#[allow(dead_code)]
mod windows_shim;

pub use fixture::FixtureHost;
pub use real::RealHost;
pub use smoke::SmokeTrace;
pub use trace::{Trace, TraceRequest};

use crate::shared::Endpoint;
use async_trait::async_trait;
use bollard::models::{ContainerSummary, SystemInfo, SystemVersion};
use serde::Deserialize;
use std::io;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FileKind {
    File,
    Dir,
    Socket,
    Symlink,
    Other,
}

/// What `stat` says of a path (symlinks followed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileStat {
    pub kind: FileKind,
    pub uid: u32,
    pub gid: u32,
    /// Permission bits only (`0o660`).
    pub mode: u32,
    /// `(device, inode)`: the same pair is the same file, whatever path or mount namespace
    /// it is seen through. None where it is not known (a captured machine).
    pub identity: Option<(u64, u64)>,
}

/// A group as the group database or the kernel knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    pub gid: u32,
    pub name: String,
}

/// Who this process runs as, and the two views of its groups that matter for the socket:
/// the groups this process really has (`getgroups`), and the groups the account has in the
/// group database (what a fresh login would get).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub uid: u32,
    pub gid: u32,
    pub user: String,
    pub home: Option<PathBuf>,
    pub process_groups: Vec<Group>,
    pub account_groups: Vec<Group>,
}

impl Identity {
    pub fn process_has(&self, gid: u32) -> bool {
        self.gid == gid || self.process_groups.iter().any(|g| g.gid == gid)
    }

    pub fn account_has(&self, gid: u32) -> bool {
        self.account_groups.iter().any(|g| g.gid == gid)
    }
}

/// `rel` (written with `/`) under `base`, with the separator of `os`, the system the path
/// belongs to: a captured Mac's home is `/Users/alice/.orbstack/bin` even when a Windows
/// build reads it, where `Path::join` would put a `\` in it.
pub fn join_on(os: &str, base: &Path, rel: &str) -> PathBuf {
    if os == "windows" {
        base.join(rel.replace('/', "\\"))
    } else {
        let base = base.to_string_lossy();
        PathBuf::from(format!("{}/{rel}", base.trim_end_matches('/')))
    }
}

/// Operating system and architecture, as Rust names them (`linux`, `x86_64`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostOs {
    pub os: String,
    pub arch: String,
    /// The OS's own name and version where it has no /etc/os-release (Windows, macOS):
    /// "Windows 11 Pro", "macOS 15.1 Sequoia". Linux names itself in os-release.
    pub name: Option<String>,
    /// Its version ("10.0.26100", "15.1").
    pub version: Option<String>,
    /// The kernel's version (Windows' build, Darwin's release).
    pub kernel: Option<String>,
    /// This machine's own name, where the OS keeps it outside /etc/hostname (Windows'
    /// computer name, macOS' host name): `--redact` masks it.
    pub hostname: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandOutput {
    /// Exit code; `None` when killed by a signal.
    pub status: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RunError {
    NotFound,
    TimedOut(Duration),
    Failed(String),
}

/// A Docker Engine API call the probes make.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApiRequest {
    Version,
    Info,
    /// The running containers (`docker ps`), with their published ports.
    Containers,
}

#[derive(Debug, Clone)]
pub enum ApiAnswer {
    Version(Box<SystemVersion>),
    Info(Box<SystemInfo>),
    Containers(Vec<ContainerSummary>),
}

/// Size and free space of a filesystem (`statvfs`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub struct FsStats {
    pub total_bytes: u64,
    pub avail_bytes: u64,
    pub total_inodes: u64,
    pub avail_inodes: u64,
}

/// Why a Docker API call did not answer, classified from the error chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiError {
    /// The socket or pipe does not exist.
    NotFound,
    PermissionDenied,
    /// Something exists there but nothing accepts the connection (a stale socket, a closed port).
    Refused,
    /// Connected, but no answer before the deadline.
    TimedOut,
    /// The daemon answered with an error status.
    Server {
        status: u16,
        message: String,
    },
    /// The daemon answered, but not with what the API promises.
    Garbage(String),
    /// This endpoint kind cannot be checked by this build (e.g. `ssh://`).
    Unsupported(String),
    /// The TLS handshake with a `tcp://` daemon failed, or never could start.
    Tls(TlsFailure),
    /// The daemon's host name does not resolve.
    NameNotResolved(String),
    /// The ssh stream to the remote daemon failed: why, and ssh's line that says it.
    Ssh(SshFailure),
    Other(String),
}

/// Why an `ssh://` endpoint failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SshFailure {
    pub kind: crate::facts::ssh::SshFailureKind,
    /// ssh's (or the remote docker's) own line.
    pub line: String,
    pub status: Option<i32>,
    /// The host key fingerprints the server offers now (unknown or changed host key), to
    /// compare with the remote's own before trusting it.
    pub fingerprints: Vec<String>,
}

/// Why TLS to a daemon failed, told apart as the fix differs for each.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TlsFailure {
    /// The client's own files (see `facts::docker_tls`): reported by the endpoint probe.
    Material(String),
    /// The server's chain is not signed by the CA the client trusts.
    Untrusted {
        issuer: String,
        subject: String,
    },
    /// The server's certificate does not name the address used.
    WrongName {
        asked: String,
        names: Vec<String>,
    },
    /// The server's certificate is expired or not yet valid.
    ServerValidity {
        detail: String,
    },
    /// The server refused our certificate (or its absence): the alert it sent.
    ClientRejected {
        alert: String,
        sent_certificate: bool,
    },
    /// The other side does not speak TLS (a plain-HTTP daemon port).
    NotTls,
    Other(String),
}

/// A running process as the OS lists it (sysinfo on every platform).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProcessInfo {
    pub pid: u32,
    #[serde(default)]
    pub ppid: u32,
    /// The executable's name (`dockerd`, `Docker Desktop.exe`, `com.docker.backend`).
    pub name: String,
    #[serde(default)]
    pub cmd: Vec<String>,
    /// The owner's account name, when the OS says.
    #[serde(default)]
    pub user: Option<String>,
}

/// Physical memory of the machine (of the VM, inside one).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Memory {
    pub total_bytes: u64,
    pub available_bytes: u64,
}

/// One plain HTTP request to a registry, as the daemon would make it: through its proxy,
/// trusting what it trusts. Never follows redirects to another scheme.
#[derive(Debug, Clone)]
pub struct HttpRequest {
    /// `HEAD` or `GET`.
    pub head: bool,
    pub url: String,
    /// Basic credentials (`docker login`'s), or a bearer token.
    pub auth: Option<HttpAuth>,
    /// The proxy URL, with its credentials.
    pub proxy: Option<crate::secret::Secret>,
    /// The certificates trusted for this host (DER).
    pub roots: Vec<rustls::pki_types::CertificateDer<'static>>,
    pub timeout: Duration,
}

#[derive(Debug, Clone)]
pub enum HttpAuth {
    Basic {
        user: String,
        password: crate::secret::Secret,
    },
    Bearer(crate::secret::Secret),
}

/// The answer: status, headers (names in lower case), and at most 1 MiB of body.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct HttpAnswer {
    pub status: u16,
    #[serde(default)]
    pub headers: Vec<(String, String)>,
    #[serde(default)]
    pub body: String,
}

impl HttpAnswer {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HttpError {
    /// This host cannot make requests (a captured machine).
    Unsupported,
    TimedOut,
    /// No connection, TLS refused, the proxy failed: the registry probe says which step.
    Failed(String),
}

/// Names of a real directory's entries, sorted (both hosts list real directories).
fn sorted_entries(dir: &Path) -> io::Result<Vec<String>> {
    let mut names: Vec<String> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    Ok(names)
}

/// What a run's reads noticed (see `host::confine`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AccessNotes {
    /// Files not read, each naming the path and why: a link out of its place, a link to a
    /// credential store, the run's read budget spent.
    pub refused: Vec<String>,
    /// Files that were links, followed: "PATH is a link to TARGET".
    pub links: Vec<String>,
}

#[async_trait]
pub trait Host: Send + Sync {
    fn os(&self) -> HostOs;
    fn read_file(&self, path: &Path) -> io::Result<Vec<u8>>;
    fn stat(&self, path: &Path) -> io::Result<FileStat>;
    /// Where a symlink points, or `None` for anything that is not a symlink.
    fn read_link(&self, path: &Path) -> Option<PathBuf>;
    /// Names of the entries of a directory, sorted.
    fn list_dir(&self, path: &Path) -> io::Result<Vec<String>>;
    fn env(&self, name: &str) -> Option<String>;
    fn identity(&self) -> Identity;
    fn group_by_name(&self, name: &str) -> Option<Group>;
    fn group_name(&self, gid: u32) -> Option<String>;
    fn user_name(&self, uid: u32) -> Option<String>;
    /// A program on this process's `PATH`.
    fn which(&self, program: &str) -> Option<PathBuf>;
    fn now(&self) -> SystemTime;
    /// The working directory of this process.
    fn cwd(&self) -> Option<PathBuf>;
    /// Size and free space of the filesystem holding `path`.
    fn fs_stats(&self, path: &Path) -> io::Result<FsStats>;
    /// A Go program's `-X symbol=value` link flag as its binary records it (no process
    /// started), when it does: the docker CLI's and dockerd's versions. Captured machines
    /// answer through their recorded `--version` output instead.
    fn linked_value(&self, _program: &Path, _symbol: &str) -> Option<String> {
        None
    }
    /// Every process this user can see, with the command line and owner of those whose
    /// name (without `.exe`) is in `detailed`. `None` where the host cannot list them
    /// itself (a captured machine: its /proc files are read instead).
    fn processes(&self, _detailed: &[&str]) -> Option<Vec<ProcessInfo>> {
        None
    }
    /// Total and available memory, when the host can say.
    fn memory(&self) -> Option<Memory> {
        None
    }
    /// The certificate authorities the OS itself trusts, where they are not files Go would
    /// read (the macOS keychain, the Windows certificate store), with the store's name.
    fn native_roots(&self) -> Option<(String, Vec<rustls::pki_types::CertificateDer<'static>>)> {
        None
    }
    /// Listening TCP sockets with their owners, where the OS gives them without procfs
    /// (macOS, Windows). `None`: read /proc/net/tcp (Linux, captured machines).
    fn native_listeners(&self) -> Option<Vec<crate::shared::Listener>> {
        None
    }
    /// One HTTP request to a registry (see [`HttpRequest`]).
    async fn http(&self, _request: &HttpRequest) -> Result<HttpAnswer, HttpError> {
        Err(HttpError::Unsupported)
    }
    /// Runs a program with `input` on its stdin, killed at `timeout` (a credential helper
    /// reads the registry's address there). Captured machines answer as for [`Host::run`].
    async fn run_with_input(
        &self,
        program: &Path,
        args: &[&str],
        _input: &[u8],
        timeout: Duration,
    ) -> Result<CommandOutput, RunError> {
        self.run(program, args, timeout).await
    }
    /// Runs a program, killed at `timeout`.
    async fn run(
        &self,
        program: &Path,
        args: &[&str],
        timeout: Duration,
    ) -> Result<CommandOutput, RunError>;
    /// One Docker Engine API call at the given API version. The caller bounds it in time.
    async fn docker_api(
        &self,
        endpoint: &Endpoint,
        api_version: (usize, usize),
        request: ApiRequest,
    ) -> Result<ApiAnswer, ApiError>;
    /// Follows one registry connection step by step (see [`trace`]). Bounded by the
    /// request's own timeout. `None` when this host cannot say (a captured machine on which
    /// that registry was not recorded).
    async fn trace(&self, request: &TraceRequest) -> Option<Trace>;
    /// Whether [`Host::trace`] can say anything: a captured machine without recorded traces
    /// cannot.
    fn can_trace(&self) -> bool {
        true
    }
    /// Runs `image` once on the daemon (see [`smoke`]) within `budget`. `None` when this host
    /// cannot (a captured machine without a recorded run).
    async fn smoke(
        &self,
        endpoint: &Endpoint,
        api_version: (usize, usize),
        image: &str,
        budget: Duration,
    ) -> Option<SmokeTrace>;

    /// The last `cap` bytes of a file (a log), read under the same rules as [`Host::read_file`].
    fn read_tail(&self, path: &Path, cap: u64) -> io::Result<Vec<u8>> {
        let bytes = self.read_file(path)?;
        let start = bytes.len().saturating_sub(cap as usize);
        Ok(bytes[start..].to_vec())
    }

    /// What the reads of this run noticed and the report should say: links followed or
    /// refused, files left unread because the run's read budget was spent.
    fn access_notes(&self) -> AccessNotes {
        AccessNotes::default()
    }

    /// The file's text, or the error as a readable string naming nothing but the cause.
    fn read_text(&self, path: &Path) -> io::Result<String> {
        let bytes = self.read_file(path)?;
        String::from_utf8(bytes).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
    }

    fn exists(&self, path: &Path) -> bool {
        self.stat(path).is_ok() || self.read_link(path).is_some()
    }

    /// An environment variable that is set and not empty.
    fn env_nonempty(&self, name: &str) -> Option<String> {
        self.env(name).filter(|v| !v.is_empty())
    }
}
