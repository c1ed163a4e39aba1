//! This machine, on every platform: what differs per OS goes through the thin shim
//! `host::os` (unix.rs, windows.rs); processes, memory and disks come from sysinfo.

use super::os;
use super::*;
use crate::shared::EndpointKind;
use bollard::{ClientVersion, Docker};
use std::collections::HashMap;
use std::error::Error as StdError;
use std::fs;
use std::process::Stdio;
use std::sync::{Arc, Mutex};

/// The machine this process runs on, seen as this process sees it (no root needed).
#[derive(Debug, Default, Clone)]
pub struct RealHost {
    /// Files read during this run, by path: several probes read the same unit file,
    /// daemon.json or client config, and a file is one fact for the length of a run.
    /// Kernel tables (/proc, /sys) change while we look and are never kept, nor are files
    /// over [`KEEP_CAP`] (read again, and counted again, if asked again).
    read: Arc<Mutex<HashMap<PathBuf, KeptRead>>>,
    /// Bytes read from files this run (kernel tables aside): at most [`READ_BUDGET`].
    spent: Arc<std::sync::atomic::AtomicU64>,
    /// Links followed or refused, budget notes: for the report.
    notes: Arc<Mutex<AccessNotes>>,
}

/// One budget for all the files a run reads, the kept ones included: far above what a
/// real machine's configuration holds (a CA bundle is 200 KiB), far below what hurts when
/// a user's folders hold thousands of files of the per-file cap.
pub const READ_BUDGET: u64 = 64 << 20;

/// Larger files are not kept for the run: memory stays bounded by what is being parsed.
const KEEP_CAP: usize = 1 << 20;

/// A file's bytes, or the kind and text of the error reading it gave.
type KeptRead = Result<Vec<u8>, (io::ErrorKind, String)>;

impl RealHost {
    pub fn new() -> Self {
        RealHost::default()
    }

    /// A read under the run's rules: the path's place allows it (`host::confine`: links
    /// out of a user's place or to a credential store are refused, root reads a user's
    /// place with that user's rights), and the run's read budget is not spent.
    fn confined(
        &self,
        path: &Path,
        read: impl FnOnce(&Path, Option<(u32, u32)>) -> io::Result<Vec<u8>>,
    ) -> io::Result<Vec<u8>> {
        use std::sync::atomic::Ordering;
        let access = match super::confine::check(path, self.identity_uid()) {
            Ok(a) => a,
            Err(e) => {
                if e.kind() == io::ErrorKind::PermissionDenied {
                    self.note(true, format!("{}: {e}", path.display()));
                }
                return Err(e);
            }
        };
        if let Some(n) = &access.note {
            self.note(false, n.clone());
        }
        let spent = self.spent.load(Ordering::Relaxed);
        if spent >= READ_BUDGET {
            let why = format!(
                "not read: this run already read {} of files (its budget)",
                crate::bounded::human_size(READ_BUDGET)
            );
            self.note(true, format!("{}: {why}", path.display()));
            return Err(io::Error::new(io::ErrorKind::FileTooLarge, why));
        }
        let bytes = read(&access.open, access.read_as)?;
        self.spent.fetch_add(bytes.len() as u64, Ordering::Relaxed);
        Ok(bytes)
    }

    /// Keeps a note, at most 64 of each kind (a folder of 50k planted links is one
    /// problem, not 50k lines).
    fn note(&self, refused: bool, text: String) {
        if let Ok(mut n) = self.notes.lock() {
            let list = if refused {
                &mut n.refused
            } else {
                &mut n.links
            };
            if list.len() < 64 && !list.contains(&text) {
                list.push(text);
            }
        }
    }

    fn identity_uid(&self) -> u32 {
        #[cfg(unix)]
        {
            nix::unistd::geteuid().as_raw()
        }
        #[cfg(not(unix))]
        {
            0
        }
    }
}

#[async_trait]
impl Host for RealHost {
    fn os(&self) -> HostOs {
        let os = std::env::consts::OS;
        // Windows and macOS from the OS itself (Windows' registry, macOS' SystemVersion
        // plist through sysinfo); Linux's own words are in os-release.
        let own = |f: fn() -> Result<String, sysinfo::Error>| {
            (os != "linux")
                .then(f)
                .and_then(Result::ok)
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
        };
        HostOs {
            os: os.to_string(),
            arch: std::env::consts::ARCH.to_string(),
            name: own(sysinfo::System::long_os_version),
            // sysinfo spells Windows' as "MAJOR (BUILD)"; a registry without the major
            // (Windows 7, Wine) gives "0 (7601)", which is no version.
            version: own(sysinfo::System::os_version).filter(|v| !v.starts_with("0 (")),
            kernel: own(sysinfo::System::kernel_version),
            hostname: own(sysinfo::System::host_name),
        }
    }

    fn read_file(&self, path: &Path) -> io::Result<Vec<u8>> {
        if path.starts_with("/proc") || path.starts_with("/sys") {
            return crate::bounded::read_file(path, crate::bounded::FILE_CAP);
        }
        if let Some(kept) = self.read.lock().ok().and_then(|m| m.get(path).cloned()) {
            return kept.map_err(|(kind, text)| io::Error::new(kind, text));
        }
        let result = self.confined(path, |open, read_as| {
            crate::bounded::read_file_as(open, crate::bounded::FILE_CAP, read_as)
        });
        let kept = match &result {
            Ok(bytes) if bytes.len() > KEEP_CAP => return result,
            Ok(bytes) => Ok(bytes.clone()),
            Err(e) => Err((e.kind(), e.to_string())),
        };
        if let Ok(mut m) = self.read.lock() {
            m.insert(path.to_path_buf(), kept);
        }
        result
    }

    fn read_tail(&self, path: &Path, cap: u64) -> io::Result<Vec<u8>> {
        self.confined(path, |open, read_as| {
            crate::bounded::read_tail_as(open, cap, read_as).map(|(b, _)| b)
        })
    }

    fn access_notes(&self) -> AccessNotes {
        self.notes.lock().map(|n| n.clone()).unwrap_or_default()
    }

    fn stat(&self, path: &Path) -> io::Result<FileStat> {
        os::stat(path)
    }

    fn read_link(&self, path: &Path) -> Option<PathBuf> {
        let m = fs::symlink_metadata(path).ok()?;
        if m.file_type().is_symlink() {
            fs::read_link(path).ok()
        } else {
            None
        }
    }

    fn list_dir(&self, path: &Path) -> io::Result<Vec<String>> {
        sorted_entries(path)
    }

    fn env(&self, name: &str) -> Option<String> {
        // A value that is not UTF-8 is still set (the CLI would use its bytes): it arrives
        // with U+FFFD where the bad bytes were, for the probes to call it what it is.
        std::env::var_os(name).map(|v| v.to_string_lossy().into_owned())
    }

    fn identity(&self) -> Identity {
        os::identity()
    }

    fn group_by_name(&self, name: &str) -> Option<Group> {
        os::group_by_name(name)
    }

    fn group_name(&self, gid: u32) -> Option<String> {
        os::group_name(gid)
    }

    fn user_name(&self, uid: u32) -> Option<String> {
        os::user_name(uid)
    }

    fn processes(&self, detailed: &[&str]) -> Option<Vec<ProcessInfo>> {
        use sysinfo::{ProcessRefreshKind, ProcessesToUpdate, System, UpdateKind, Users};
        let mut system = System::new().ok()?;
        // Names and parents of all (what a process table costs), then the command line and
        // owner of the few asked about: a laptop runs hundreds of processes.
        system.refresh_processes_specifics(
            ProcessesToUpdate::All,
            true,
            ProcessRefreshKind::nothing(),
        );
        let base = |n: &std::ffi::OsStr| {
            let n = n.to_string_lossy();
            crate::facts::processes::base_name(&n).to_string()
        };
        let wanted: Vec<sysinfo::Pid> = system
            .processes()
            .values()
            .filter(|p| detailed.contains(&base(p.name()).as_str()))
            .map(|p| p.pid())
            .collect();
        if !wanted.is_empty() {
            system.refresh_processes_specifics(
                ProcessesToUpdate::Some(&wanted),
                false,
                ProcessRefreshKind::nothing()
                    .with_cmd(UpdateKind::Always)
                    .with_user(UpdateKind::Always),
            );
        }
        // Process owners by name on Unix only: on Windows sysinfo's user list reads the
        // user database, which can abort the run where it answers oddly (Wine).
        let users = (cfg!(unix) && !wanted.is_empty())
            .then(|| Users::new_with_refreshed_list().ok())
            .flatten();
        let mut out: Vec<ProcessInfo> = system
            .processes()
            .values()
            // Threads are listed as processes on Linux: keep the processes.
            .filter(|p| p.thread_kind().is_none())
            .map(|p| ProcessInfo {
                pid: p.pid().as_u32(),
                ppid: p.parent().map_or(0, |pp| pp.as_u32()),
                name: p.name().to_string_lossy().into_owned(),
                cmd: p
                    .cmd()
                    .iter()
                    .map(|w| w.to_string_lossy().into_owned())
                    .collect(),
                user: p
                    .user_id()
                    .and_then(|id| users.as_ref()?.get_user_by_id(id))
                    .map(|u| u.name().to_string()),
            })
            .collect();
        out.sort_by_key(|p| p.pid);
        Some(out)
    }

    fn memory(&self) -> Option<Memory> {
        let mut system = sysinfo::System::new().ok()?;
        system.refresh_memory();
        (system.total_memory() > 0).then(|| Memory {
            total_bytes: system.total_memory(),
            available_bytes: system.available_memory(),
        })
    }

    fn native_roots(&self) -> Option<(String, Vec<rustls::pki_types::CertificateDer<'static>>)> {
        os::native_roots()
    }

    fn native_listeners(&self) -> Option<Vec<crate::shared::Listener>> {
        os::native_listeners()
    }

    fn which(&self, program: &str) -> Option<PathBuf> {
        which::which(program).ok()
    }

    fn now(&self) -> SystemTime {
        SystemTime::now()
    }

    async fn run(
        &self,
        program: &Path,
        args: &[&str],
        timeout: Duration,
    ) -> Result<CommandOutput, RunError> {
        run_program(program, args, None, timeout).await
    }

    async fn run_with_input(
        &self,
        program: &Path,
        args: &[&str],
        input: &[u8],
        timeout: Duration,
    ) -> Result<CommandOutput, RunError> {
        run_program(program, args, Some(input), timeout).await
    }

    async fn http(&self, request: &HttpRequest) -> Result<HttpAnswer, HttpError> {
        super::http::request(request).await
    }

    fn linked_value(&self, program: &Path, symbol: &str) -> Option<String> {
        crate::facts::go_buildinfo::linked_value(program, symbol)
    }

    fn cwd(&self) -> Option<PathBuf> {
        std::env::current_dir().ok()
    }

    fn fs_stats(&self, path: &Path) -> io::Result<FsStats> {
        os::fs_stats(path)
    }

    async fn trace(&self, request: &TraceRequest) -> Option<Trace> {
        Some(super::trace::run(request).await)
    }

    async fn docker_api(
        &self,
        endpoint: &Endpoint,
        api_version: (usize, usize),
        request: ApiRequest,
    ) -> Result<ApiAnswer, ApiError> {
        let (docker, tls, ssh) = self.capped_client(endpoint, api_version)?;
        let classify = |e: bollard::errors::Error| {
            let mut a = classify(&e, endpoint.socket_path());
            if let (ApiError::Tls(TlsFailure::Other(_)), Some((judge, asked, sent))) = (&a, &tls)
                && let Some(r) = rustls_error(&e)
            {
                a = ApiError::Tls(crate::facts::docker_tls::failure_of(
                    r,
                    &judge.chain(),
                    asked,
                    *sent,
                ));
            }
            a
        };
        let answer = match request {
            ApiRequest::Version => docker
                .version()
                .await
                .map(|v| ApiAnswer::Version(Box::new(v)))
                .map_err(classify),
            ApiRequest::Info => docker
                .info()
                .await
                .map(|i| ApiAnswer::Info(Box::new(i)))
                .map_err(classify),
            ApiRequest::Containers => docker
                .list_containers(None)
                .await
                .map(ApiAnswer::Containers)
                .map_err(classify),
        };
        match (answer, ssh) {
            // Over ssh, the stream only broke: ssh's own words say why.
            (Err(e), Some((target, end))) if !matches!(e, ApiError::Server { .. }) => {
                Err(self.ssh_failure(&target, &end).await.unwrap_or(e))
            }
            (a, _) => a,
        }
    }

    async fn smoke(
        &self,
        endpoint: &Endpoint,
        api_version: (usize, usize),
        image: &str,
        budget: Duration,
    ) -> Option<SmokeTrace> {
        let mut trace = SmokeTrace {
            image: image.to_string(),
            ..SmokeTrace::default()
        };
        match client(endpoint, api_version) {
            Ok(docker) => Some(super::smoke::run(&docker, image, budget).await),
            Err(e) => {
                trace.phases.push(super::smoke::Phase {
                    name: "connect".into(),
                    ms: 0,
                    ok: false,
                    error: Some(format!("{e:?}")),
                    timed_out: false,
                });
                Some(trace)
            }
        }
    }
}

/// Runs a program with its output capped and a deadline; `input`, when given, is written
/// to its stdin (then closed).
async fn run_program(
    program: &Path,
    args: &[&str],
    input: Option<&[u8]>,
    timeout: Duration,
) -> Result<CommandOutput, RunError> {
    let mut child = tokio::process::Command::new(program)
        .args(args)
        .stdin(if input.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| match e.kind() {
            io::ErrorKind::NotFound => RunError::NotFound,
            _ => RunError::Failed(e.to_string()),
        })?;
    let pid = child.id();
    if let (Some(input), Some(mut stdin)) = (input, child.stdin.take()) {
        use tokio::io::AsyncWriteExt;
        let input = input.to_vec();
        // Written beside the reads: a program that answers before reading all of it
        // must not hold us. Dropping stdin closes it.
        tokio::spawn(async move {
            let _ = stdin.write_all(&input).await;
        });
    }
    let (Some(out), Some(err)) = (child.stdout.take(), child.stderr.take()) else {
        return Err(RunError::Failed("no pipes to the program".into()));
    };
    // Each stream is kept up to the cap; a program that writes on past it is stopped,
    // since nothing more it says will be read.
    let capped = |r| async move {
        let res = read_capped(r).await;
        if res.as_ref().is_ok_and(|(_, more)| *more)
            && let Some(pid) = pid
        {
            os::kill(pid);
        }
        res
    };
    let work = async {
        let (out, err) = tokio::join!(capped(Box::new(out) as Box<_>), capped(Box::new(err)));
        let status = child.wait().await?;
        io::Result::Ok((status, out?.0, err?.0))
    };
    match tokio::time::timeout(timeout, work).await {
        Err(_) => Err(RunError::TimedOut(timeout)),
        Ok(Err(e)) => Err(RunError::Failed(e.to_string())),
        Ok(Ok((status, stdout, stderr))) => Ok(CommandOutput {
            status: status.code(),
            // Windows tools (wsl.exe) may write UTF-16LE.
            stdout: crate::facts::wsl::decode_output(&stdout),
            stderr: crate::facts::wsl::decode_output(&stderr),
        }),
    }
}

/// At most [`crate::bounded::STREAM_CAP`] bytes of a program's stream, and whether it
/// wrote more.
async fn read_capped(
    r: Box<dyn tokio::io::AsyncRead + Unpin + Send>,
) -> io::Result<(Vec<u8>, bool)> {
    use tokio::io::AsyncReadExt;
    let cap = crate::bounded::STREAM_CAP;
    let mut buf = Vec::new();
    r.take(cap as u64 + 1).read_to_end(&mut buf).await?;
    let more = buf.len() > cap;
    buf.truncate(cap);
    Ok((buf, more))
}

/// What a TLS call needs to explain its failure: the judge that saw the server's chain,
/// the name asked for, and whether a client certificate was sent.
type TlsWitness = Option<(Arc<crate::facts::docker_tls::Judge>, String, bool)>;

/// What an ssh call needs to explain its failure: the target and how its process ended.
type SshWitness = Option<(
    crate::facts::ssh::SshTarget,
    Arc<Mutex<Option<super::api_client::SshEnd>>>,
)>;

/// How long an ssh connection may take to be set up (the run's deadline bounds it too).
const SSH_CONNECT_SECS: u64 = 5;

impl RealHost {
    /// Why the ssh stream failed, from ssh's stderr and status (waited for at most 3 s);
    /// for an unknown or changed host key, the fingerprints the server offers now.
    async fn ssh_failure(
        &self,
        target: &crate::facts::ssh::SshTarget,
        end: &Arc<Mutex<Option<super::api_client::SshEnd>>>,
    ) -> Option<ApiError> {
        use crate::facts::ssh::{SshFailureKind, classify};
        let deadline = tokio::time::Instant::now() + Duration::from_secs(3);
        let ended = loop {
            if let Some(e) = end.lock().ok().and_then(|e| e.clone()) {
                break e;
            }
            if tokio::time::Instant::now() >= deadline {
                return Some(ApiError::TimedOut);
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        };
        let (kind, line) = classify(&ended.stderr, ended.status);
        let fingerprints = if matches!(
            kind,
            SshFailureKind::HostKeyUnknown | SshFailureKind::HostKeyChanged
        ) {
            self.offered_host_keys(target).await
        } else {
            Vec::new()
        };
        Some(ApiError::Ssh(SshFailure {
            kind,
            line,
            status: ended.status,
            fingerprints,
        }))
    }

    /// The host keys `target` offers now: first as the CLI's own ssh sees it (`ssh -v`,
    /// through the user's ssh config, stopping before any login), else every key type
    /// `ssh-keyscan` gets (which knows nothing of ssh config aliases).
    async fn offered_host_keys(&self, target: &crate::facts::ssh::SshTarget) -> Vec<String> {
        let argv = target.host_key_argv(3);
        // Found as the stream's own ssh is found: by the PATH, when spawned.
        let ssh = self
            .which(&argv[0])
            .unwrap_or_else(|| PathBuf::from(&argv[0]));
        let args: Vec<&str> = argv[1..].iter().map(String::as_str).collect();
        if let Ok(out) = self.run(&ssh, &args, Duration::from_secs(4)).await
            && let Some(key) = crate::facts::ssh::offered_host_key(&out.stderr)
        {
            return vec![key];
        }
        let (Some(keyscan), Some(keygen)) = (self.which("ssh-keyscan"), self.which("ssh-keygen"))
        else {
            return Vec::new();
        };
        let port = target.port.unwrap_or(22).to_string();
        let Ok(scan) = self
            .run(
                &keyscan,
                &["-T", "3", "-p", &port, "--", &target.host],
                Duration::from_secs(4),
            )
            .await
        else {
            return Vec::new();
        };
        match self
            .run_with_input(
                &keygen,
                &["-lf", "-"],
                scan.stdout.as_bytes(),
                Duration::from_secs(2),
            )
            .await
        {
            Ok(out) => out
                .stdout
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(str::to_string)
                .collect(),
            Err(_) => Vec::new(),
        }
    }

    /// The client the probes ask with: the daemon's answers are read through a byte cap;
    /// TLS with exactly the client's material (read under this run's rules).
    fn capped_client(
        &self,
        endpoint: &Endpoint,
        api_version: (usize, usize),
    ) -> Result<(Docker, TlsWitness, SshWitness), ApiError> {
        let version = ClientVersion {
            major_version: api_version.0,
            minor_version: api_version.1,
        };
        let mut witness = None;
        let mut ssh = None;
        let target = match &endpoint.kind {
            EndpointKind::Unix(path) => super::api_client::Target::Unix(path.clone()),
            EndpointKind::Tcp {
                tls: false,
                address,
            } => super::api_client::Target::Tcp(address.clone()),
            EndpointKind::Tcp { tls: true, address } => {
                let files = endpoint
                    .tls
                    .clone()
                    .unwrap_or_else(|| crate::shared::TlsFiles {
                        verify: false,
                        dir: PathBuf::from("/nonexistent"),
                        from: "no TLS folder".into(),
                    });
                let material =
                    match crate::facts::docker_tls::load(self, &files, self.now()) {
                        Ok(m) => m,
                        Err(crate::facts::docker_tls::MaterialProblem::FolderMissing {
                            ..
                        }) if endpoint.tls.is_none() => crate::facts::docker_tls::Material {
                            roots: None,
                            client: None,
                            client_info: None,
                        },
                        Err(p) => return Err(ApiError::Tls(TlsFailure::Material(p.to_string()))),
                    };
                let sent = material.client.is_some();
                let (config, judge) = crate::facts::docker_tls::client_config(material)
                    .map_err(|e| ApiError::Tls(TlsFailure::Material(e)))?;
                let host = address
                    .rsplit_once(':')
                    .map_or(address.as_str(), |(h, _)| h)
                    .trim_start_matches('[')
                    .trim_end_matches(']')
                    .to_string();
                let server_name = rustls::pki_types::ServerName::try_from(host.clone())
                    .map_err(|_| ApiError::Other(format!("{host} is not a valid server name")))?;
                witness = Some((judge, host, sent));
                super::api_client::Target::Tls {
                    address: address.clone(),
                    server_name,
                    config,
                }
            }
            EndpointKind::Ssh(rest) => {
                let target = crate::facts::ssh::SshTarget::parse(rest).map_err(ApiError::Other)?;
                let end = Arc::new(Mutex::new(None));
                ssh = Some((target.clone(), end.clone()));
                super::api_client::Target::Ssh {
                    argv: Arc::new(target.argv(SSH_CONNECT_SECS)),
                    end,
                }
            }
            _ => return client(endpoint, api_version).map(|d| (d, None, None)),
        };
        Ok((
            super::api_client::docker(target, &version, BACKSTOP_SECS),
            witness,
            ssh,
        ))
    }
}

/// The rustls error at the bottom of a failed call, if TLS failed.
fn rustls_error(e: &bollard::errors::Error) -> Option<&rustls::Error> {
    let mut source: Option<&(dyn StdError + 'static)> = match e {
        bollard::errors::Error::IOError { err } => Some(err),
        bollard::errors::Error::HyperResponseError { err } => Some(err),
        _ => Some(e),
    };
    while let Some(err) = source {
        if let Some(r) = err.downcast_ref::<rustls::Error>() {
            return Some(r);
        }
        if let Some(r) = err
            .downcast_ref::<io::Error>()
            .and_then(|io| io.get_ref())
            .and_then(|i| i.downcast_ref::<rustls::Error>())
        {
            return Some(r);
        }
        source = err.source();
    }
    None
}

/// bollard's own timeout counts whole seconds and only to the response headers; the
/// caller bounds the call with tokio instead, so this one is only a backstop.
const BACKSTOP_SECS: u64 = 120;

/// A bollard client for this endpoint at this API version.
fn client(endpoint: &Endpoint, api_version: (usize, usize)) -> Result<Docker, ApiError> {
    let version = ClientVersion {
        major_version: api_version.0,
        minor_version: api_version.1,
    };
    let docker = match &endpoint.kind {
        EndpointKind::Unix(path) => {
            os::unix_client(&path.to_string_lossy(), BACKSTOP_SECS, &version)
                .map_err(|e| classify(&e, Some(path)))?
        }
        EndpointKind::Tcp { tls: true, address } => {
            return Err(ApiError::Unsupported(format!(
                "TLS endpoint tcp://{address} (checked with `docker --tlsverify info`)"
            )));
        }
        EndpointKind::Tcp { address, .. } => {
            Docker::connect_with_http(address, BACKSTOP_SECS, &version)
                .map_err(|e| classify(&e, None))?
        }
        EndpointKind::Npipe(_) if !cfg!(windows) => {
            return Err(ApiError::Unsupported(
                "named pipes exist only on Windows".into(),
            ));
        }
        EndpointKind::Npipe(_) => os::named_pipe_client(&endpoint.url, BACKSTOP_SECS, &version)
            .map_err(|e| classify(&e, None))?,
        EndpointKind::Ssh(_) => {
            return Err(ApiError::Unsupported(
                "ssh:// endpoints (the docker CLI tunnels them through ssh)".into(),
            ));
        }
    };
    Ok(docker)
}

/// Reads a bollard error down to what happened: the `io::Error` kind at the bottom of the
/// chain, the daemon's status and message, or an answer that was not what the API promises.
fn classify(e: &bollard::errors::Error, socket: Option<&Path>) -> ApiError {
    use bollard::errors::Error as B;
    match e {
        B::DockerResponseServerError {
            status_code,
            message,
        } => {
            return ApiError::Server {
                status: *status_code,
                message: message.clone(),
            };
        }
        B::SocketNotFoundError(_) => {
            // bollard checks `exists()`, which also fails when a parent directory is not
            // searchable: tell that apart.
            if let Some(p) = socket
                && let Err(err) = fs::metadata(p)
                && err.kind() == io::ErrorKind::PermissionDenied
            {
                return ApiError::PermissionDenied;
            }
            return ApiError::NotFound;
        }
        B::JsonDataError { message, .. } => return ApiError::Garbage(message.clone()),
        B::JsonSerdeError { err } => return ApiError::Garbage(err.to_string()),
        B::RequestTimeoutError => return ApiError::TimedOut,
        _ => {}
    }
    // bollard's variants are `transparent`: their `source()` skips the wrapped error itself,
    // so the chain starts at it.
    let mut source: Option<&(dyn StdError + 'static)> = match e {
        B::IOError { err } => Some(err),
        B::HyperResponseError { err } => Some(err),
        _ => Some(e),
    };
    while let Some(err) = source {
        if let Some(big) = err.downcast_ref::<super::api_client::AnswerTooLarge>() {
            return ApiError::Garbage(big.to_string());
        }
        if err.downcast_ref::<rustls::Error>().is_some()
            || err
                .downcast_ref::<io::Error>()
                .and_then(|io| io.get_ref())
                .is_some_and(|i| i.downcast_ref::<rustls::Error>().is_some())
        {
            // Told apart by the caller, which saw the server's chain.
            return ApiError::Tls(TlsFailure::Other(err.to_string()));
        }
        if let Some(io) = err.downcast_ref::<io::Error>() {
            if let Some(big) = io
                .get_ref()
                .and_then(|i| i.downcast_ref::<super::api_client::AnswerTooLarge>())
            {
                return ApiError::Garbage(big.to_string());
            }
            // getaddrinfo's failure arrives as an untyped io error naming the lookup.
            let text = io.to_string();
            if text.contains("failed to lookup address")
                || text.contains("Name or service not known")
                || text.contains("nodename nor servname")
            {
                return ApiError::NameNotResolved(text);
            }
            return match io.kind() {
                io::ErrorKind::NotFound => ApiError::NotFound,
                io::ErrorKind::PermissionDenied => ApiError::PermissionDenied,
                io::ErrorKind::ConnectionRefused => ApiError::Refused,
                io::ErrorKind::TimedOut => ApiError::TimedOut,
                _ => ApiError::Other(io.to_string()),
            };
        }
        if let Some(h) = err.downcast_ref::<hyper::Error>()
            && h.is_parse()
        {
            return ApiError::Garbage(h.to_string());
        }
        source = err.source();
    }
    ApiError::Other(e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// sysinfo's view of this very process and of the machine's memory.
    #[test]
    fn sysinfo_sees_this_process_and_the_memory() {
        let host = RealHost::new();
        let me = std::process::id();
        // First the table (names only), then this process asked about by its name.
        let names = host.processes(&[]).expect("sysinfo lists processes here");
        let name = names.iter().find(|p| p.pid == me).unwrap().name.clone();
        assert!(names.iter().all(|p| p.cmd.is_empty()), "no details unasked");
        let all = host.processes(&[name.as_str()]).unwrap();
        let this = all.iter().find(|p| p.pid == me).expect("this test process");
        assert!(!this.name.is_empty());
        if crate::under_wine("Wine gives no process its command line through sysinfo") {
            return;
        }
        assert!(!this.cmd.is_empty(), "{this:?}");
        assert!(this.ppid > 0 || me == 1);
        let m = host.memory().expect("memory");
        assert!(
            m.total_bytes > 0 && m.available_bytes <= m.total_bytes,
            "{m:?}"
        );
    }

    /// What macOS and Windows use for port owners, run here: a socket this process
    /// listens on is found with its pid.
    #[test]
    fn the_os_names_the_owner_of_a_listening_socket() {
        if crate::under_wine("Wine's GetExtendedTcpTable lists no owning processes") {
            return;
        }
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        let found =
            super::super::native::listeners_from_os().expect("the listeners crate reads this OS");
        let mine = found
            .iter()
            .find(|s| s.port == port)
            .unwrap_or_else(|| panic!("port {port} not among {found:?}"));
        assert_eq!(mine.owner.as_ref().unwrap().pid, std::process::id());
    }

    /// What macOS and Windows use for their trust store, run here: it finds the system's
    /// public roots.
    #[test]
    fn the_os_trust_store_is_read() {
        assert!(!super::super::native::os_trust_store().is_empty());
    }

    /// A helper reads its input on stdin, as docker-credential-* does.
    #[cfg(unix)]
    #[tokio::test]
    async fn a_program_gets_its_input_on_stdin() {
        let host = RealHost::new();
        let out = host
            .run_with_input(
                Path::new("/bin/sh"),
                &["-c", "read x; echo \"got $x\""],
                b"registry.lab.test\n",
                Duration::from_secs(5),
            )
            .await
            .unwrap();
        assert_eq!(out.stdout.trim(), "got registry.lab.test");
    }
}
