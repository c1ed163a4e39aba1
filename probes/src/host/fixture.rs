//! A captured machine, read from a scenario folder:
//!
//! ```text
//! fixtures/<scenario>/host.toml   identity, env, groups, sockets, commands, daemon answers
//! fixtures/<scenario>/root/...    files, at their absolute paths under root/
//! fixtures/<scenario>/*.json      Docker API answers named by host.toml
//! ```

use super::*;
use crate::facts::api_version::ApiVersion;
use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Spec {
    /// What machine state this scenario captures, and where it comes from.
    #[allow(dead_code)]
    description: String,
    #[serde(default = "linux")]
    os: String,
    #[serde(default = "x86_64")]
    arch: String,
    /// Windows' and macOS' own name, version and kernel (what `HostOs` reads there).
    #[serde(default)]
    os_name: Option<String>,
    #[serde(default)]
    os_version: Option<String>,
    #[serde(default)]
    kernel: Option<String>,
    #[serde(default)]
    hostname: Option<String>,
    /// Seconds since the Unix epoch.
    #[serde(default)]
    now: u64,
    #[serde(default)]
    env: BTreeMap<String, String>,
    identity: IdentitySpec,
    #[serde(default)]
    groups: Vec<GroupSpec>,
    #[serde(default)]
    users: Vec<UserSpec>,
    #[serde(default)]
    which: BTreeMap<String, String>,
    #[serde(default)]
    stat: Vec<StatSpec>,
    #[serde(default)]
    symlink: Vec<SymlinkSpec>,
    /// Paths that exist but cannot be read by this user.
    #[serde(default)]
    unreadable: Vec<String>,
    #[serde(default)]
    command: Vec<CommandSpec>,
    #[serde(default)]
    daemon: Vec<DaemonSpec>,
    /// The working directory.
    cwd: Option<String>,
    /// Filesystem sizes (`statvfs`), matched by the longest path prefix.
    #[serde(default)]
    fs: Vec<FsSpec>,
    /// The processes running (sysinfo's view: Docker Desktop's app and backend on Windows
    /// and macOS); without them a Linux scenario's root/proc is read.
    #[serde(default)]
    process: Vec<ProcessInfo>,
    /// Total and available memory.
    memory: Option<Memory>,
    /// Command-line arguments the fixture test passes (`--port 8080`); not read here.
    #[serde(default)]
    #[allow(dead_code)]
    args: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FsSpec {
    path: String,
    total_bytes: u64,
    avail_bytes: u64,
    total_inodes: u64,
    avail_inodes: u64,
}

fn linux() -> String {
    "linux".into()
}
fn x86_64() -> String {
    "x86_64".into()
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct IdentitySpec {
    uid: u32,
    gid: u32,
    user: String,
    home: Option<String>,
    process_groups: Vec<u32>,
    account_groups: Vec<u32>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct GroupSpec {
    gid: u32,
    name: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct UserSpec {
    uid: u32,
    name: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct StatSpec {
    path: String,
    kind: FileKind,
    uid: u32,
    gid: u32,
    /// Octal, as `ls` shows it: "660".
    mode: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SymlinkSpec {
    path: String,
    target: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CommandSpec {
    argv: Vec<String>,
    #[serde(default)]
    stdout: String,
    /// A file in the scenario folder with the raw bytes the command wrote (UTF-16LE from
    /// wsl.exe, say); decoded as the real host decodes them.
    stdout_file: Option<String>,
    #[serde(default)]
    stderr: String,
    #[serde(default)]
    status: i32,
    #[serde(default)]
    timeout: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DaemonSpec {
    endpoint: String,
    /// not-found, permission-denied, refused, timeout, or garbage.
    error: Option<String>,
    /// File names in the scenario folder holding the captured API answers.
    version: Option<String>,
    info: Option<String>,
    /// `docker ps` answer (running containers); none running when absent.
    containers: Option<String>,
    /// A recorded smoke run (SmokeTrace JSON).
    smoke: Option<String>,
}

/// A machine captured in `fixtures/<scenario>/`.
#[derive(Debug)]
pub struct FixtureHost {
    dir: PathBuf,
    spec: Spec,
    /// Recorded registry traces (`traces.json`), by `host:port`.
    traces: Option<BTreeMap<String, Trace>>,
}

impl FixtureHost {
    pub fn load(dir: impl Into<PathBuf>) -> Result<Self, String> {
        let dir = dir.into();
        let path = dir.join("host.toml");
        let text =
            std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        let spec: Spec = toml::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
        let traces_path = dir.join("traces.json");
        let traces = match std::fs::read_to_string(&traces_path) {
            Ok(text) => Some(
                serde_json::from_str(&text)
                    .map_err(|e| format!("{}: {e}", traces_path.display()))?,
            ),
            Err(_) => None,
        };
        Ok(FixtureHost { dir, spec, traces })
    }

    /// Where a captured path lives: under root/, whatever system the tests run on (a
    /// drive prefix or root dropped, never a path of the machine running the test).
    fn on_disk(&self, path: &Path) -> PathBuf {
        let rel: PathBuf = path
            .components()
            .filter(|c| matches!(c, std::path::Component::Normal(_)))
            .collect();
        self.dir.join("root").join(rel)
    }

    fn denied(&self, path: &Path) -> bool {
        self.spec.unreadable.iter().any(|p| Path::new(p) == path)
    }

    fn group(&self, gid: u32) -> Group {
        Group {
            gid,
            name: self.group_name(gid).unwrap_or_else(|| gid.to_string()),
        }
    }

    fn answer<T: serde::de::DeserializeOwned>(&self, file: &str) -> Result<T, ApiError> {
        let text = std::fs::read_to_string(self.dir.join(file))
            .map_err(|e| ApiError::Other(format!("fixture {file}: {e}")))?;
        serde_json::from_str(&text).map_err(|e| ApiError::Garbage(e.to_string()))
    }
}

#[async_trait]
impl Host for FixtureHost {
    fn os(&self) -> HostOs {
        HostOs {
            os: self.spec.os.clone(),
            arch: self.spec.arch.clone(),
            name: self.spec.os_name.clone(),
            version: self.spec.os_version.clone(),
            kernel: self.spec.kernel.clone(),
            hostname: self.spec.hostname.clone(),
        }
    }

    fn read_file(&self, path: &Path) -> io::Result<Vec<u8>> {
        if self.denied(path) {
            return Err(io::ErrorKind::PermissionDenied.into());
        }
        std::fs::read(self.on_disk(path))
    }

    fn stat(&self, path: &Path) -> io::Result<FileStat> {
        let path = match self.read_link(path) {
            Some(target) => target,
            None => path.to_path_buf(),
        };
        if let Some(s) = self.spec.stat.iter().find(|s| Path::new(&s.path) == path) {
            return Ok(FileStat {
                kind: s.kind,
                uid: s.uid,
                gid: s.gid,
                mode: u32::from_str_radix(&s.mode, 8).unwrap_or(0),
                identity: None,
            });
        }
        let m = std::fs::metadata(self.on_disk(&path))?;
        Ok(FileStat {
            kind: if m.is_dir() {
                FileKind::Dir
            } else {
                FileKind::File
            },
            uid: 0,
            gid: 0,
            mode: if m.is_dir() { 0o755 } else { 0o644 },
            identity: None,
        })
    }

    fn read_link(&self, path: &Path) -> Option<PathBuf> {
        self.spec
            .symlink
            .iter()
            .find(|l| Path::new(&l.path) == path)
            .map(|l| PathBuf::from(&l.target))
    }

    fn list_dir(&self, path: &Path) -> io::Result<Vec<String>> {
        sorted_entries(&self.on_disk(path))
    }

    fn env(&self, name: &str) -> Option<String> {
        self.spec.env.get(name).cloned()
    }

    fn identity(&self) -> Identity {
        let i = &self.spec.identity;
        Identity {
            uid: i.uid,
            gid: i.gid,
            user: i.user.clone(),
            home: i.home.as_ref().map(PathBuf::from),
            process_groups: i.process_groups.iter().map(|g| self.group(*g)).collect(),
            account_groups: i.account_groups.iter().map(|g| self.group(*g)).collect(),
        }
    }

    fn group_by_name(&self, name: &str) -> Option<Group> {
        self.spec
            .groups
            .iter()
            .find(|g| g.name == name)
            .map(|g| Group {
                gid: g.gid,
                name: g.name.clone(),
            })
    }

    fn group_name(&self, gid: u32) -> Option<String> {
        self.spec
            .groups
            .iter()
            .find(|g| g.gid == gid)
            .map(|g| g.name.clone())
    }

    fn user_name(&self, uid: u32) -> Option<String> {
        if uid == self.spec.identity.uid {
            return Some(self.spec.identity.user.clone());
        }
        self.spec
            .users
            .iter()
            .find(|u| u.uid == uid)
            .map(|u| u.name.clone())
            .or_else(|| (uid == 0).then(|| "root".to_string()))
    }

    fn which(&self, program: &str) -> Option<PathBuf> {
        self.spec.which.get(program).map(PathBuf::from)
    }

    fn now(&self) -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_secs(self.spec.now)
    }

    async fn run(
        &self,
        program: &Path,
        args: &[&str],
        timeout: Duration,
    ) -> Result<CommandOutput, RunError> {
        let argv: Vec<String> = std::iter::once(program.to_string_lossy().into_owned())
            .chain(args.iter().map(|a| a.to_string()))
            .collect();
        let Some(c) = self.spec.command.iter().find(|c| c.argv == argv) else {
            return Err(RunError::NotFound);
        };
        if c.timeout {
            return Err(RunError::TimedOut(timeout));
        }
        Ok(CommandOutput {
            status: Some(c.status),
            stdout: match &c.stdout_file {
                Some(f) => std::fs::read(self.dir.join(f))
                    .map(|b| crate::facts::wsl::decode_output(&b))
                    .unwrap_or_default(),
                None => c.stdout.clone(),
            },
            stderr: c.stderr.clone(),
        })
    }

    async fn trace(&self, request: &TraceRequest) -> Option<Trace> {
        let key = format!("{}:{}", request.host, request.port);
        self.traces.as_ref()?.get(&key).cloned()
    }

    fn can_trace(&self) -> bool {
        self.traces.is_some()
    }

    async fn smoke(
        &self,
        endpoint: &Endpoint,
        _api_version: (usize, usize),
        _image: &str,
        _budget: Duration,
    ) -> Option<SmokeTrace> {
        let d = self
            .spec
            .daemon
            .iter()
            .find(|d| d.endpoint == endpoint.url)?;
        self.answer(d.smoke.as_deref()?).ok()
    }

    fn cwd(&self) -> Option<PathBuf> {
        self.spec.cwd.as_ref().map(PathBuf::from)
    }

    fn processes(&self, _detailed: &[&str]) -> Option<Vec<ProcessInfo>> {
        (!self.spec.process.is_empty()).then(|| self.spec.process.clone())
    }

    fn memory(&self) -> Option<Memory> {
        self.spec.memory
    }

    fn fs_stats(&self, path: &Path) -> io::Result<FsStats> {
        self.spec
            .fs
            .iter()
            .filter(|f| path.starts_with(&f.path))
            .max_by_key(|f| f.path.len())
            .map(|f| FsStats {
                total_bytes: f.total_bytes,
                avail_bytes: f.avail_bytes,
                total_inodes: f.total_inodes,
                avail_inodes: f.avail_inodes,
            })
            // A captured machine without sizes cannot be measured: not the same as a path
            // that does not exist.
            .ok_or_else(|| io::ErrorKind::Unsupported.into())
    }

    async fn docker_api(
        &self,
        endpoint: &Endpoint,
        api_version: (usize, usize),
        request: ApiRequest,
    ) -> Result<ApiAnswer, ApiError> {
        let Some(d) = self.spec.daemon.iter().find(|d| d.endpoint == endpoint.url) else {
            // Nothing captured here: a socket file with no daemon is stale, no file is missing.
            return match endpoint.socket_path().map(|p| self.stat(p)) {
                Some(Ok(_)) => Err(ApiError::Refused),
                _ => Err(ApiError::NotFound),
            };
        };
        match d.error.as_deref() {
            Some("not-found") => return Err(ApiError::NotFound),
            Some("permission-denied") => return Err(ApiError::PermissionDenied),
            Some("refused") => return Err(ApiError::Refused),
            Some("timeout") => return Err(ApiError::TimedOut),
            Some("garbage") => {
                return Err(ApiError::Garbage(
                    "expected value at line 1 column 1".into(),
                ));
            }
            Some(other) => return Err(ApiError::Other(format!("fixture error {other}"))),
            None => {}
        }
        let version: SystemVersion = self.answer(d.version.as_deref().unwrap_or("version.json"))?;
        // Refuse versions out of range in the daemon's own words.
        let asked = ApiVersion(api_version.0, api_version.1);
        let max = version.api_version.as_deref().and_then(ApiVersion::parse);
        let min = version
            .min_api_version
            .as_deref()
            .and_then(ApiVersion::parse);
        if let Some(max) = max.filter(|m| asked > *m) {
            return Err(ApiError::Server {
                status: 400,
                message: format!(
                    "client version {asked} is too new. Maximum supported API version is {max}"
                ),
            });
        }
        if let Some(min) = min.filter(|m| asked < *m) {
            return Err(ApiError::Server {
                status: 400,
                message: format!(
                    "client version {asked} is too old. Minimum supported API version is {min}, please upgrade your client to a newer version"
                ),
            });
        }
        match request {
            ApiRequest::Version => Ok(ApiAnswer::Version(Box::new(version))),
            ApiRequest::Info => {
                let info = self.answer(d.info.as_deref().unwrap_or("info.json"))?;
                Ok(ApiAnswer::Info(Box::new(info)))
            }
            ApiRequest::Containers => match d.containers.as_deref() {
                Some(file) => Ok(ApiAnswer::Containers(self.answer(file)?)),
                None => Ok(ApiAnswer::Containers(Vec::new())),
            },
        }
    }
}
