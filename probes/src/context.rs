//! `Context`: facts several probes need, computed once on demand and shared, so probes stay
//! independent without repeating work (one `docker info` for the whole run).

use crate::facts::api_version::{ApiVersion, VersionRefusal, parse_refusal};
use crate::facts::daemon_config::{self, DaemonConfig};
use crate::facts::endpoint::{self, Endpoint, Resolution};
use crate::facts::platform::Platform;
use crate::host::{ApiAnswer, ApiError, ApiRequest, Host, Identity};
use bollard::models::{SystemInfo, SystemVersion};
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
        self.daemon_config
            .get_or_init(|| daemon_config::load(self.host(), self.is_rootless_endpoint()))
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
        let mut version = self.call(endpoint, api, ApiRequest::Version).await;
        if let Err(ApiError::Server { message, .. }) = &version {
            let retry = match parse_refusal(message) {
                Some(VersionRefusal::TooNew { max, .. }) => Some(max),
                Some(VersionRefusal::TooOld { min, .. }) => Some(min),
                None => None,
            };
            if let Some(v) = retry {
                api = v;
                version = self.call(endpoint, api, ApiRequest::Version).await;
            }
        }
        let version = version.and_then(|a| match a {
            ApiAnswer::Version(v) => Ok(*v),
            ApiAnswer::Info(_) => Err(ApiError::Garbage("info where version was asked".into())),
        });
        // `info` is asked at the version `version` was answered at.
        let info = if with_info && version.is_ok() {
            Some(
                self.call(endpoint, api, ApiRequest::Info)
                    .await
                    .and_then(|a| match a {
                        ApiAnswer::Info(i) => Ok(*i),
                        ApiAnswer::Version(_) => {
                            Err(ApiError::Garbage("version where info was asked".into()))
                        }
                    }),
            )
        } else {
            None
        };
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
