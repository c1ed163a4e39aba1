//! `Context`: facts several probes need, computed once on demand and shared, so probes stay
//! independent without repeating work (one `docker info` for the whole run).

use crate::facts::api_version::{ApiVersion, VersionRefusal, parse_refusal};
use crate::facts::certs;
use crate::facts::daemon_config::{self, DaemonConfig};
use crate::facts::endpoint::{self, Endpoint, Resolution};
use crate::facts::platform::Platform;
use crate::facts::profile::{self, DaemonService, HostProfile};
use crate::facts::proxy::{self, ProxySet, ServiceProxy, ShellProxy};
use crate::facts::registries::{self, Configured, Registry};
use crate::facts::trust::{self, TrustStore};
use crate::host::trace::from_pem;
use crate::host::{ApiAnswer, ApiError, ApiRequest, Host, Identity, Trace, TraceRequest};
use bollard::models::{ContainerSummary, SystemInfo, SystemVersion};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};
use tokio::sync::OnceCell;

/// The longest one API call may take before we call the daemon hung.
pub const API_CALL_LIMIT: Duration = Duration::from_secs(5);
/// Kept back from the run's deadline so a probe can still report a slow daemon itself.
const REPORT_MARGIN: Duration = Duration::from_millis(250);

#[derive(Debug, Clone)]
pub struct Options {
    /// When the whole run must be over.
    pub deadline: Instant,
    /// Contact no other machine.
    pub offline: bool,
    /// Registries named with `--registry`, besides Docker Hub and the configured ones.
    pub registries: Vec<String>,
    /// Where to write the certificate chains that registries present (`--save-chain`).
    pub save_chain: Option<std::path::PathBuf>,
    /// Host ports the user wants (`--port 8080` or `--port 8080:80`).
    pub ports: Vec<String>,
    /// A Compose file whose published ports to check (`--compose`).
    pub compose: Option<std::path::PathBuf>,
    /// Run a container end to end (`--smoke`), with this image.
    pub smoke: Option<String>,
    /// An organisation's baseline to check this machine against (`--expect`).
    pub expect: Option<std::sync::Arc<crate::facts::baseline::Baseline>>,
}

impl Options {
    pub fn new(deadline: Instant) -> Options {
        Options {
            deadline,
            offline: false,
            registries: Vec::new(),
            save_chain: None,
            ports: Vec::new(),
            compose: None,
            smoke: None,
            expect: None,
        }
    }
}

/// Where the daemon's proxy settings were read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProxySource {
    /// Reported by the running daemon (`docker info`).
    Running,
    /// The daemon did not answer: read from its drop-ins and daemon.json.
    Configured,
}

/// The proxy the daemon uses for pulls.
#[derive(Debug, Clone)]
pub struct DaemonProxy {
    pub set: ProxySet,
    pub source: ProxySource,
}

/// One registry and how the connection to it went.
#[derive(Debug, Clone)]
pub struct RegistryTrace {
    pub registry: Registry,
    pub trace: Trace,
    /// The roots the daemon trusts for it, and the files they came from.
    pub trust: TrustStore,
}

/// What the daemon at one endpoint answered.
#[derive(Debug, Clone)]
pub struct DaemonState {
    pub endpoint: Endpoint,
    pub version: Result<SystemVersion, ApiError>,
    /// `None` when `version` already failed.
    pub info: Option<Result<SystemInfo, ApiError>>,
    /// The API version the calls were made at after negotiation.
    pub api_version: ApiVersion,
    pub elapsed: Duration,
}

impl DaemonState {
    pub fn answered(&self) -> bool {
        self.version.is_ok()
    }
}

pub struct Context {
    host: Arc<dyn Host>,
    options: Options,
    platform: OnceLock<Platform>,
    identity: OnceLock<Identity>,
    endpoint: OnceLock<Resolution>,
    daemon_config: OnceLock<DaemonConfig>,
    daemon: OnceCell<Option<DaemonState>>,
    shell_proxy: OnceLock<ShellProxy>,
    service_proxy: OnceLock<ServiceProxy>,
    configured_proxy: OnceLock<ProxySet>,
    daemon_proxy: OnceCell<DaemonProxy>,
    system_trust: OnceLock<TrustStore>,
    registries: OnceCell<Vec<Registry>>,
    traces: OnceCell<Vec<RegistryTrace>>,
    containers: OnceCell<Result<Vec<ContainerSummary>, ApiError>>,
    profile: OnceCell<HostProfile>,
    service: OnceLock<DaemonService>,
}

impl Context {
    pub fn new(host: Arc<dyn Host>, options: Options) -> Self {
        Context {
            host,
            options,
            platform: OnceLock::new(),
            identity: OnceLock::new(),
            endpoint: OnceLock::new(),
            daemon_config: OnceLock::new(),
            daemon: OnceCell::new(),
            shell_proxy: OnceLock::new(),
            service_proxy: OnceLock::new(),
            configured_proxy: OnceLock::new(),
            daemon_proxy: OnceCell::new(),
            system_trust: OnceLock::new(),
            registries: OnceCell::new(),
            traces: OnceCell::new(),
            containers: OnceCell::new(),
            profile: OnceCell::new(),
            service: OnceLock::new(),
        }
    }

    pub fn host(&self) -> &dyn Host {
        self.host.as_ref()
    }

    pub fn options(&self) -> &Options {
        &self.options
    }

    pub fn platform(&self) -> &Platform {
        self.platform.get_or_init(|| Platform::detect(self.host()))
    }

    pub fn identity(&self) -> &Identity {
        self.identity.get_or_init(|| self.host.identity())
    }

    /// Which daemon is meant, and why.
    pub fn endpoint(&self) -> &Resolution {
        self.endpoint.get_or_init(|| endpoint::resolve(self.host()))
    }

    /// The daemon.json of the daemon we talk to, checked against its service's flags.
    pub fn daemon_config(&self) -> &DaemonConfig {
        self.daemon_config.get_or_init(|| {
            let command_line = self.daemon_service().command_line(self.host());
            daemon_config::load(self.host(), self.is_rootless_endpoint(), command_line)
        })
    }

    /// The resolved endpoint is a rootless daemon's socket (under the user's runtime dir).
    pub fn is_rootless_endpoint(&self) -> bool {
        let Some(path) = self
            .endpoint()
            .endpoint
            .as_ref()
            .and_then(|e| e.socket_path())
        else {
            return false;
        };
        let runtime = self.host.env_nonempty("XDG_RUNTIME_DIR");
        runtime.is_some_and(|r| path.starts_with(&r) && path.ends_with("docker.sock"))
            || (path.starts_with("/run/user/") && path.ends_with("docker.sock"))
    }

    /// `version` and `info` of the resolved daemon, asked once per run. `None` when the
    /// endpoint could not be resolved.
    pub async fn daemon(&self) -> Option<&DaemonState> {
        self.daemon
            .get_or_init(|| async {
                let endpoint = self.endpoint().endpoint.clone()?;
                Some(self.query(&endpoint, true).await)
            })
            .await
            .as_ref()
    }

    /// What fixes must know about this host: service manager, privilege, Engine version,
    /// daemon log. The Engine version is the daemon's answer, or `dockerd --version` when it
    /// does not answer.
    pub async fn profile(&self) -> &HostProfile {
        self.profile
            .get_or_init(|| async {
                // Only dockerd's version is a Docker Engine version (its daemon.json keys);
                // Podman's 4.3 is not Engine 4.3.
                let state = self.daemon().await;
                let answer = state.and_then(|s| s.version.as_ref().ok().map(|v| (s, v)));
                let engine_kind = match answer {
                    Some((s, v)) => Some(crate::facts::engine::Engine::of(v, &s.endpoint)),
                    None => self
                        .endpoint()
                        .endpoint
                        .as_ref()
                        .and_then(crate::facts::engine::Engine::by_socket),
                };
                let moby = engine_kind.is_none_or(|e| e.is_moby());
                let remote = self
                    .endpoint()
                    .endpoint
                    .as_ref()
                    .is_some_and(|e| e.is_remote());
                let answered = answer
                    .filter(|_| moby)
                    .and_then(|(_, v)| v.version.as_deref())
                    .and_then(profile::parse_version);
                let engine = match answered {
                    Some(v) => Some(v),
                    // The local dockerd says nothing about Podman's or a remote daemon.
                    None if moby && !remote => self.dockerd_version().await,
                    None => None,
                };
                HostProfile::detect(self.host(), self.daemon_service(), engine)
            })
            .await
    }

    /// What runs the daemon meant (service manager, its process).
    pub fn daemon_service(&self) -> &DaemonService {
        self.service.get_or_init(|| {
            DaemonService::detect(
                self.host(),
                self.endpoint().endpoint.as_ref(),
                self.is_rootless_endpoint(),
            )
        })
    }

    /// The installed engine's version, for when the daemon does not answer: as the binary
    /// records it, else `dockerd --version`.
    async fn dockerd_version(&self) -> Option<(u32, u32)> {
        let dockerd = self.host.which("dockerd")?;
        if let Some(v) = self
            .host
            .linked_value(&dockerd, "github.com/docker/docker/dockerversion.Version")
        {
            return profile::parse_version(&format!("Docker version {v}"));
        }
        let limit = self.api_timeout().min(Duration::from_secs(2));
        let out = self.host.run(&dockerd, &["--version"], limit).await.ok()?;
        profile::parse_version(&out.stdout)
    }

    /// The proxy variables of this process.
    pub fn shell_proxy(&self) -> &ShellProxy {
        self.shell_proxy.get_or_init(|| proxy::shell(self.host()))
    }

    /// The proxy variables `docker.service` sets on disk.
    pub fn service_proxy(&self) -> &ServiceProxy {
        self.service_proxy
            .get_or_init(|| proxy::service(self.host()))
    }

    /// The daemon's `info`, when it answered.
    pub async fn daemon_info(&self) -> Option<&SystemInfo> {
        self.daemon()
            .await
            .and_then(|d| d.info.as_ref())
            .and_then(|i| i.as_ref().ok())
    }

    /// The proxy the daemon's configuration on disk gives it: daemon.json `"proxies"` over
    /// the service's environment (Engine 23+ reads both; the file wins).
    pub fn configured_proxy(&self) -> &ProxySet {
        self.configured_proxy.get_or_init(|| {
            let json = proxy::daemon_json(&self.daemon_config().file);
            let service = &self.service_proxy().set;
            ProxySet {
                http: json.http.or_else(|| service.http.clone()),
                https: json.https.or_else(|| service.https.clone()),
                no_proxy: json.no_proxy.or_else(|| service.no_proxy.clone()),
            }
        })
    }

    /// The proxy the daemon uses: what it reports when it answers (with the password taken
    /// from the configuration or the shell, since `info` masks it), else what its
    /// configuration sets.
    pub async fn daemon_proxy(&self) -> &DaemonProxy {
        self.daemon_proxy
            .get_or_init(|| async {
                let configured = self.configured_proxy().clone();
                let Some(info) = self.daemon_info().await else {
                    return DaemonProxy {
                        set: configured,
                        source: ProxySource::Configured,
                    };
                };
                let mut running = proxy::running(
                    info.http_proxy.as_deref(),
                    info.https_proxy.as_deref(),
                    info.no_proxy.as_deref(),
                );
                let shell = &self.shell_proxy().set;
                let with_secret = |shown: &mut Option<proxy::ProxyUrl>| {
                    if let Some(url) = shown.as_ref() {
                        // dockerd shows credentials as xxxxx:xxxxx: take the real ones from
                        // the configuration or the shell, for the same proxy.
                        let known = [
                            &configured.https,
                            &configured.http,
                            &shell.https,
                            &shell.http,
                        ]
                        .into_iter()
                        .flatten()
                        .find(|k| k.same_proxy(url) && k.user.is_some());
                        if let Some(k) = known.filter(|_| url.user.is_some()) {
                            *shown = Some(k.clone());
                        }
                    }
                };
                with_secret(&mut running.http);
                with_secret(&mut running.https);
                DaemonProxy {
                    set: running,
                    source: ProxySource::Running,
                }
            })
            .await
    }

    /// The system CA store as dockerd loads it.
    pub fn system_trust(&self) -> &TrustStore {
        self.system_trust.get_or_init(|| trust::system(self.host()))
    }

    /// The registries to check: Docker Hub, the configured mirrors and insecure registries,
    /// and those named with `--registry`.
    pub async fn registries(&self) -> &[Registry] {
        self.registries
            .get_or_init(|| async {
                let configured = self.registry_config().await;
                registries::list(&configured, &self.options.registries)
            })
            .await
    }

    /// Mirrors and insecure registries: from daemon.json, and from the running daemon
    /// when it answered (it may have been configured by flags).
    pub async fn registry_config(&self) -> Configured {
        let mut configured = Configured::from_daemon_json(&self.daemon_config().file);
        if let Some(rc) = self
            .daemon_info()
            .await
            .and_then(|i| i.registry_config.as_ref())
        {
            let mut running = Configured {
                mirrors: rc.mirrors.clone().unwrap_or_default(),
                insecure: Vec::new(),
            };
            for (name, index) in rc.index_configs.iter().flatten() {
                if index.secure == Some(false) && name != "docker.io" {
                    running.insecure.push(name.clone());
                }
            }
            configured.merge(running);
        }
        configured
    }

    /// Every registry's connection, followed once for the whole run, all at the same time.
    pub async fn registry_traces(&self) -> &[RegistryTrace] {
        self.traces
            .get_or_init(|| async {
                let registries = self.registries().await.to_vec();
                let proxy = self.daemon_proxy().await.set.clone();
                let timeout = self
                    .options
                    .deadline
                    .saturating_duration_since(Instant::now())
                    .saturating_sub(REPORT_MARGIN);
                let jobs = registries.into_iter().map(|registry| {
                    let mut trust = self.system_trust().clone();
                    if !registry.is_hub() {
                        trust.extend(&trust::certs_d(self.host(), &registry.name));
                    }
                    let request = TraceRequest {
                        host: registry.host.clone(),
                        port: registry.port,
                        insecure: registry.insecure,
                        proxy: proxy
                            .proxy_for(true, &registry.host, registry.port)
                            .cloned(),
                        timeout,
                    };
                    async move {
                        let mut trace = self.host.trace(&request).await?;
                        // The verdict is the daemon's: its roots, this machine's clock. Judged
                        // here, once, for a chain seen now or a recorded one alike.
                        if let Some(tls) = trace.tls.as_mut()
                            && !registry.insecure
                            && !tls.chain.is_empty()
                        {
                            tls.verdict = certs::verify(
                                &from_pem(&tls.chain),
                                &certs::store_of(&trust.certs),
                                &registry.host,
                                self.host.now(),
                            );
                        }
                        Some(RegistryTrace {
                            registry,
                            trace,
                            trust,
                        })
                    }
                });
                futures_util::future::join_all(jobs)
                    .await
                    .into_iter()
                    .flatten()
                    .collect()
            })
            .await
    }

    /// The running containers, asked once (at the API version `version` was answered at).
    pub async fn containers(&self) -> &Result<Vec<ContainerSummary>, ApiError> {
        self.containers
            .get_or_init(|| async {
                let d = self.daemon().await.ok_or(ApiError::NotFound)?;
                if !d.answered() {
                    return Err(ApiError::NotFound);
                }
                let (endpoint, api) = (d.endpoint.clone(), d.api_version);
                match self.call(&endpoint, api, ApiRequest::Containers).await? {
                    ApiAnswer::Containers(c) => Ok(c),
                    _ => Err(ApiError::Garbage(
                        "another answer where containers were asked".into(),
                    )),
                }
            })
            .await
    }

    /// Whether the resolved daemon runs rootless (its `info` says so).
    pub async fn daemon_is_rootless(&self) -> bool {
        match self.daemon_info().await {
            Some(info) => self.is_rootless(info),
            None => self.is_rootless_endpoint(),
        }
    }

    /// Whether a daemon whose `info` is this runs rootless: its info says so, or its
    /// socket is a user's own.
    pub fn is_rootless(&self, info: &SystemInfo) -> bool {
        info_says_rootless(info) || self.is_rootless_endpoint()
    }

    /// Host names this run has seen that could identify the machine or its network: its
    /// own name, proxies, and registries other than Docker Hub (for `--redact`).
    pub fn sensitive_hosts(&self) -> Vec<String> {
        let mut out = Vec::new();
        // Windows and macOS name themselves; Linux keeps it in these files (read only
        // there: under Wine they would be the Linux host's).
        if let Some(h) = self.host.os().hostname {
            out.push(h);
        }
        for f in ["/proc/sys/kernel/hostname", "/etc/hostname"] {
            if self.platform().os != "linux" {
                break;
            }
            if let Ok(h) = self.host.read_text(std::path::Path::new(f)) {
                let h = h.trim();
                if !h.is_empty() {
                    out.push(h.to_string());
                    break;
                }
            }
        }
        let proxies = [
            Some(&self.shell_proxy().set),
            Some(&self.service_proxy().set),
            self.daemon_proxy.get().map(|d| &d.set),
        ];
        for set in proxies.into_iter().flatten() {
            for url in [&set.http, &set.https].into_iter().flatten() {
                out.push(url.host.clone());
            }
            // NO_PROXY names the internal domains.
            for entry in set.no_proxy.iter().flat_map(|n| n.split(',')) {
                let name = entry.trim().trim_start_matches(['*', '.']);
                let name = name.split(':').next().unwrap_or(name);
                if name.contains('.')
                    && name.parse::<std::net::IpAddr>().is_err()
                    && !name.contains('/')
                {
                    out.push(name.to_string());
                }
            }
        }
        for r in self.registries.get().into_iter().flatten() {
            if !r.is_hub() {
                out.push(r.host.clone());
                out.push(r.name.clone());
            }
        }
        out.extend(self.options.registries.iter().cloned());
        out
    }

    /// The registry connections, if this run made them.
    pub fn recorded_traces(&self) -> Option<&[RegistryTrace]> {
        self.traces.get().map(Vec::as_slice)
    }

    /// Time left for one API call: at most [`API_CALL_LIMIT`], and never past the run's
    /// deadline less a margin to report it.
    pub fn api_timeout(&self) -> Duration {
        let left = self
            .options
            .deadline
            .saturating_duration_since(Instant::now())
            .saturating_sub(REPORT_MARGIN);
        left.min(API_CALL_LIMIT)
    }

    /// Asks one daemon for its version (negotiating the API version from its refusal) and,
    /// when `with_info`, for `info`.
    pub async fn query(&self, endpoint: &Endpoint, with_info: bool) -> DaemonState {
        let started = Instant::now();
        let mut api = ApiVersion::FIRST_TRY;
        let as_info = |a: Result<ApiAnswer, ApiError>| {
            a.and_then(|a| match a {
                ApiAnswer::Info(i) => Ok(*i),
                _ => Err(ApiError::Garbage(
                    "another answer where info was asked".into(),
                )),
            })
        };
        // Both at once: the daemon takes milliseconds for each, and the first try's API
        // version is almost always accepted.
        let first_info = async {
            if with_info {
                Some(self.call(endpoint, api, ApiRequest::Info).await)
            } else {
                None
            }
        };
        // The main daemon's running containers too (the ports probe lists them).
        let first_containers = async {
            if with_info {
                Some(self.call(endpoint, api, ApiRequest::Containers).await)
            } else {
                None
            }
        };
        let (mut version, mut info, containers) = tokio::join!(
            self.call(endpoint, api, ApiRequest::Version),
            first_info,
            first_containers
        );
        let mut negotiated = false;
        if let Err(ApiError::Server { message, .. }) = &version {
            let retry = match parse_refusal(message) {
                Some(VersionRefusal::TooNew { max, .. }) => Some(max),
                Some(VersionRefusal::TooOld { min, .. }) => Some(min),
                None => None,
            };
            if let Some(v) = retry {
                api = v;
                negotiated = true;
                version = self.call(endpoint, api, ApiRequest::Version).await;
                // `info` is asked at the version `version` was answered at.
                info = match (with_info, &version) {
                    (true, Ok(_)) => Some(self.call(endpoint, api, ApiRequest::Info).await),
                    _ => None,
                };
            }
        }
        let version = version.and_then(|a| match a {
            ApiAnswer::Version(v) => Ok(*v),
            _ => Err(ApiError::Garbage(
                "another answer where version was asked".into(),
            )),
        });
        // An answer to `info` counts only next to a version.
        let info = info.filter(|_| version.is_ok()).map(as_info);
        if let Some(Ok(ApiAnswer::Containers(c))) = containers
            && version.is_ok()
            && !negotiated
        {
            let _ = self.containers.set(Ok(c));
        }
        DaemonState {
            endpoint: endpoint.clone(),
            version,
            info,
            api_version: api,
            elapsed: started.elapsed(),
        }
    }

    async fn call(
        &self,
        endpoint: &Endpoint,
        api: ApiVersion,
        request: ApiRequest,
    ) -> Result<ApiAnswer, ApiError> {
        let timeout = self.api_timeout();
        if timeout.is_zero() {
            return Err(ApiError::TimedOut);
        }
        match tokio::time::timeout(
            timeout,
            self.host.docker_api(endpoint, (api.0, api.1), request),
        )
        .await
        {
            Ok(result) => result,
            Err(_) => Err(ApiError::TimedOut),
        }
    }
}

/// Whether a daemon's `info` lists rootless among its security options.
pub fn info_says_rootless(info: &SystemInfo) -> bool {
    info.security_options
        .iter()
        .flatten()
        .any(|o| o.contains("name=rootless"))
}
