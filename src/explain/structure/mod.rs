//! The structural layer: what an error says, read from its shape before any signature.
//!
//! A Docker error is a Go error chain, `operation target: ...: cause`, often wrapped (a
//! JSON or logfmt log line, a CI log, a prompt). The innermost cause falls into a few
//! families that every OS and language spells its own way (EACCES, "permission denied",
//! "Access is denied", "拒绝访问"), and the target into a few kinds (the daemon's unix
//! socket, its named pipe, a daemon's tcp URL, a registry, a proxy, a host port, a CLI
//! plugin, an ssh endpoint). The pair answers most errors: a permission error on the
//! daemon's socket is the docker group, whatever the words around it. Signatures then add
//! what the structure cannot tell (Docker Desktop's own wording, WSL's codes, a cause
//! only one message names).
//!
//! A reading without a target (a bare `x509: certificate signed by unknown authority`)
//! counts only with Docker's context around it (a build log, a pull) and then at a
//! moderate confidence, with the other reading named; text without Docker's context (an
//! application's own TLS call, its own traceback) gets no reading at all.

use super::matcher::Gate;
use regex::Regex;
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::sync::LazyLock;

mod causes;
mod rule;
mod unwrap;

use causes::{COMMAND_NOT_FOUND_TRANSLATED, DOCKER_NOT_FOUND, NO_SUCH_FILE_TRANSLATED, causes};
use rule::rule;
pub(crate) use unwrap::unwrap_line;

/// The family of an error's innermost cause, however it is spelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Cause {
    PermissionDenied,
    NotFound,
    Refused,
    AddressInUse,
    /// Windows: the port lies in an excluded (reserved) range.
    PortForbidden,
    TimedOut,
    /// Connection reset, EOF in the middle of an exchange.
    Reset,
    X509UnknownAuthority,
    X509Expired,
    X509NotYetValid,
    X509WrongName,
    /// Any other x509 complaint (key usage, a bad chain, a weak signature).
    X509Other,
    /// TLS spoken to a plain-HTTP server.
    NotTls,
    /// Plain HTTP spoken to a TLS server.
    TlsRequired,
    /// A registry or daemon answered HTTPS with plain HTTP.
    HttpAnswer,
    NoSuchHost,
    DnsServerFailure,
    /// An HTTP status with its role (401, 403, 404, 407, 429, 5xx).
    Status(u16),
    /// A registry's "no basic auth credentials": nothing was sent.
    NoCredentials,
    NoSpace,
    CommandNotFound,
    /// The kernel or runtime cannot give what was asked (cgroup v2, a controller).
    Unsupported,
    /// A component is not installed, in any language.
    NotInstalled,
    /// Only "it failed": says nothing of why, but a target may (WSL's own commands).
    Failed,
    /// A process's exit status (ssh: 127 is a missing remote command, 255 ssh itself).
    ExitStatus(u32),
    /// No route to the address (EHOSTUNREACH, ENETUNREACH): a connection that never left.
    Unreachable,
    /// The OCI runtime (runc, crun) could not set the container up: the runtime's own
    /// chain, whose target (cgroups, a mount) says what the host lacks.
    RuntimeFailed,
    /// "is not running", "has stopped": the daemon or a VM that is down, said outright.
    NotRunning,
    /// A read-only filesystem (EROFS): where the daemon keeps its data, a driver's fault.
    ReadOnly,
    /// "could not connect", "error pinging": a connection failed, and nothing says why.
    ConnectFailed,
    /// EIO: the disk (or the filesystem image) under what was read or written failed.
    IoError,
    /// EINVAL: a system call refused its arguments (a mount option, a link the filesystem
    /// cannot hold): said of the daemon's store, its driver against the filesystem.
    InvalidArgument,
    /// A package manager's own words for downloads it could not make, with no reason
    /// (yarn's "trouble with your network connection", Bundler's "Could not fetch specs",
    /// NuGet's NU1301, npm's "network timeout at"): the network the tool ran in.
    PackageFetch,
}

impl Cause {
    /// How a person reads it.
    pub(crate) fn label(self) -> String {
        match self {
            Cause::PermissionDenied => "permission denied (EACCES)".into(),
            Cause::NotFound => "no such file (ENOENT)".into(),
            Cause::Refused => "connection refused (ECONNREFUSED)".into(),
            Cause::AddressInUse => "address already in use (EADDRINUSE)".into(),
            Cause::PortForbidden => "port in a reserved range (WSAEACCES)".into(),
            Cause::TimedOut => "timed out".into(),
            Cause::Reset => "connection reset or cut (ECONNRESET, EOF)".into(),
            Cause::X509UnknownAuthority => "certificate signed by an unknown authority".into(),
            Cause::X509Expired => "certificate expired".into(),
            Cause::X509NotYetValid => "certificate not valid yet".into(),
            Cause::X509WrongName => "certificate for another name".into(),
            Cause::X509Other => "a certificate the client refuses".into(),
            Cause::NotTls => "TLS spoken to a plain-HTTP server".into(),
            Cause::TlsRequired => "plain HTTP spoken to a TLS server".into(),
            Cause::HttpAnswer => "plain HTTP answer to an HTTPS request".into(),
            Cause::NoSuchHost => "no such host (NXDOMAIN)".into(),
            Cause::DnsServerFailure => {
                "the nameserver failed or did not answer (SERVFAIL, EAI_AGAIN)".into()
            }
            Cause::Status(s) => format!("HTTP {s}"),
            Cause::NoCredentials => "no credentials sent (401)".into(),
            Cause::NoSpace => "no space left on device (ENOSPC)".into(),
            Cause::CommandNotFound => "command not found".into(),
            Cause::ExitStatus(s) => format!("exit status {s}"),
            Cause::Unsupported => "not supported here".into(),
            Cause::NotInstalled => "not installed".into(),
            Cause::Failed => "failed".into(),
            Cause::Unreachable => "no route to the address (EHOSTUNREACH)".into(),
            Cause::RuntimeFailed => "the OCI runtime could not create the container".into(),
            Cause::NotRunning => "not running".into(),
            Cause::ReadOnly => "read-only file system (EROFS)".into(),
            Cause::ConnectFailed => "could not connect (no reason given)".into(),
            Cause::IoError => "input/output error (EIO)".into(),
            Cause::InvalidArgument => "invalid argument (EINVAL)".into(),
            Cause::PackageFetch => "a package download failed (no reason given)".into(),
        }
    }
}

/// What the failing operation was aimed at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Target {
    /// The daemon's unix socket (Docker's, or Podman's when `podman`); `path` is None when
    /// the text names the socket only in words, and then no path is claimed for it.
    Socket { path: Option<String>, podman: bool },
    /// A Windows named pipe of Docker's.
    Pipe(String),
    /// The client's tcp connection to a daemon.
    DaemonUrl(String),
    /// A proxy the connection goes through.
    Proxy(String),
    /// A proxy the client's request to a tcp daemon went through (the shell's
    /// HTTP_PROXY without the daemon's host in NO_PROXY): the address it dialled.
    ProxyForDaemon(String, String),
    /// A registry (pull, push, login).
    Registry(String),
    /// A port on the host a container publishes.
    HostPort(String),
    /// A docker CLI plugin or Docker's own command.
    Command(String),
    /// An `ssh://` daemon.
    Ssh,
    /// The cgroup hierarchy.
    Cgroup,
    /// WSL, as Docker Desktop runs it (`wsl.exe ...`).
    Wsl,
    /// The service manager's unit of the daemon (`docker.service`).
    Unit(String),
    /// The daemon's stores: its data root (`/var/lib/docker/overlay2/...`), or a storage
    /// driver named by its own prefix (`devmapper:`), or a layer being registered.
    DataRoot(String),
    /// The client's TLS material for a tcp daemon (DOCKER_CERT_PATH's ca.pem, cert.pem).
    TlsFile(String),
    /// A registry's trust directory (`/etc/docker/certs.d/<host:port>/`, Podman's and
    /// containerd's alike): the CAs the daemon adds for that registry.
    CertsD(String),
    /// A package or source download (pip, npm, apt, apk, go, git, curl from a project's
    /// host): run inside a build or a container, on the container's network and with the
    /// image's trust store. The host it named, when it named one.
    PackageSource(Option<String>),
}

impl Target {
    pub(crate) fn label(&self) -> String {
        match self {
            Target::Socket { path, podman } => format!(
                "{} {}",
                if *podman {
                    "Podman's socket"
                } else {
                    "the daemon's socket"
                },
                path.as_deref().unwrap_or("(named, no path printed)")
            ),
            Target::Pipe(p) => format!("the named pipe {p}"),
            Target::DaemonUrl(h) => format!("the daemon at {h}"),
            Target::Proxy(p) if p == "the proxy" => p.clone(),
            Target::Proxy(p) => format!("the proxy {p}"),
            Target::ProxyForDaemon(p, _) => format!("the daemon's request, dialled to {p}"),
            Target::Registry(r) if r == "the registry" => r.clone(),
            Target::Registry(r) => format!("the registry {r}"),
            Target::HostPort(p) => format!("the host port {p}"),
            Target::Command(c) => format!("the command {c}"),
            Target::Ssh => "an ssh:// daemon".into(),
            Target::Cgroup => "the cgroup hierarchy".into(),
            Target::Wsl => "WSL".into(),
            Target::Unit(u) => format!("the service {u}"),
            Target::DataRoot(p) => format!("the daemon's storage ({p})"),
            Target::TlsFile(f) => format!("the TLS file {f}"),
            Target::CertsD(h) => format!("the trust directory certs.d of {h}"),
            Target::PackageSource(Some(h)) => format!("the package source {h}"),
            Target::PackageSource(None) => "a package download".into(),
        }
    }
}

/// One reading of a line: the failure mode the structure points to, how sure it is, the
/// values for the mode's explanation, and what was read.
#[derive(Debug, Clone)]
pub(crate) struct Reading {
    pub(crate) mode: &'static str,
    pub(crate) confidence: f64,
    pub(crate) values: BTreeMap<String, String>,
    /// "target: cause", as read.
    pub(crate) basis: String,
}

/// Targets, each with the value it names. A registry is named by its API (/v2/, the v1
/// paths, manifests and blobs), a pull or push, or a registry's host: not by "Error
/// response from daemon", which every daemon error starts with.
static SOCKET: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?:unix://|dial unix |connect (?:enoent|eacces|econnrefused) |connect to |socket at |socket |)((?:[a-z]:)?[/\\][^ :"'`;,)]*(?:docker|podman|containerd|colima|orbstack|rancher-desktop)[^ :"'`;,)]*\.soc[k]?)"#).expect("socket")
});
/// The daemon's socket named in words, without its path (minikube, kind, scripts).
static SOCKET_NAMED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(docker|podman)(?: daemon| engine)?(?:'s)? socket(?-u:\b)|(?-u:\b)(docker|podman)\.sock(?-u:\b)|(?:access|permission)(?: to)? (?:access |use )?the (docker|podman)(?: daemon| engine)(?-u:\b)|(?-u:\b)['\x22]?(docker)['\x22]? group(?-u:\b)|(?:connect(?:ion|ing)? to|reach|ping(?:ing)?|talk to|communicate with|error from) (?:the |a |your )?(?:local )?(docker|podman)(?: daemon| engine| desktop| provider| environment| server| host| api)?(?-u:\b)").expect("named socket")
});
/// More of [`SOCKET_NAMED`], apart so that each keeps literals the prefilter can use: a
/// client that could not be made, a permission to run Docker, docker-java's
/// `unix://localhost:80`, spotify's docker-client failing a call to the daemon.
static SOCKET_NAMED_TOO: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:initializing|initialising|initialize|initialise|creating|create) (?:the |a )?(docker|podman) client|permissions? to (?:run|use) ['\x22]?(docker|podman)(?-u:\b)|(?-u:\b)unix://localhost(?-u:\b)|com\.spotify\.docker\.client\.(?:exceptions\.)?dockerexception").expect("named socket too")
});
/// OpenSSL's words for a chain whose root is self-signed and in no store (with or without
/// the hyphen OpenSSL 3 added).
static SELF_SIGNED_IN_CHAIN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"self[- ]signed certificate in certificate chain").expect("self-signed in chain")
});

/// A storage driver or the layer store, by its own prefix (`devmapper:`, `overlay2:`),
/// or a layer being registered or extracted; on Windows, the `windowsfilter` store and
/// hcsshim's layer operations (`ProcessBaseLayer`, `PrepareLayer`).
static DRIVER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:devmapper|overlay2?|aufs|btrfs|zfs|fuse-overlayfs|vfs|graphdriver|thin pool|thinpool)(?::| has | error)|(?:aufs|overlay2?|devicemapper|btrfs|zfs) storage[- ]driver|snapshotter|devicemapper(?-u:\b)|dm_task_run failed|failed to register layer|error processing tar file|applylayer|failed to (?:extract|unpack|apply) layer|(?:extraction|parent) snapshot|[\\/]windowsfilter[\\/]|hcsshim::(?:processbaselayer|preparelayer|importlayer|activatelayer|processutilityimage)").expect("driver")
});
/// An image (or its manifest list) without the platform asked for.
static PLATFORM_MISSING: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"no match(?:ing manifest)? for platform|no matching manifest for [a-z0-9/_-]+ in the manifest list").expect("platform missing")
});
/// Where the daemon (or containerd, or Podman) keeps images and layers, under /var/lib or
/// elsewhere (a rootless daemon's `~/.local/share/docker`, a data-root of its own): not
/// its `tmp/` (a build's context) nor `volumes/` (an application's data).
static DATA_ROOT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"/var/lib/desktop-containerd/|/var/lib/(?:docker|containerd|containers)/(?:overlay2?|aufs|btrfs|zfs|vfs|devicemapper|fuse-overlayfs|image|containerd|storage|io\.containerd[a-z0-9.-]*)(?-u:\b)|docker[a-z0-9_.-]*/(?:overlay2|aufs|btrfs|zfs|vfs|devicemapper|fuse-overlayfs)/").expect("data root")
});
/// WSL named in a word only: a target where nothing more precise is named.
static WSL_WORD: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?-u:\b)wsl(?: ?2)?(?-u:\b)").expect("wsl word"));
/// The service manager's unit for the daemon.
static UNIT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?:^|[\s"'(:])((?:snap\.docker\.dockerd|docker-desktop|docker|containerd|podman)\.(?:service|socket))(?-u:\b)"#)
        .expect("unit")
});
static PIPE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?://\./pipe/|\\\\\.\\pipe\\|%2f%2f\.%2fpipe%2f)(docker[a-z_]*|[a-z_]*docker[a-z_]*)|windows named pipe error|[a-z]:\\pipe\\docker_engine",
    )
    .expect("pipe")
});
static DAEMON_URL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?:https?|tcp)://([^/ "'`]+?)(?:/v1\.(?:1[2-9]|[2-9][0-9])/|/_ping(?-u:\b))|(?:https?|tcp)://([^/ "'`]+:237[56])(?-u:\b)|docker_host=tcp://([^ "'`]+)|lookup (unix|npipe|tcp|ssh|fd|[a-z0-9_.-]*\.sock)(?: on |: )|error during connect|an error occurr?ed trying to connect|unable to query docker version|error validating certificates for host"#).expect("daemon url")
});
/// Where the daemon keeps its managed plugins' sockets (a logging or volume driver it
/// runs, `/run/docker/plugins/<id>/x.sock`): such a socket is that plugin's, not the
/// daemon's, and is missing when the plugin did not start. signatures.toml's socket
/// pattern rejects the same path.
const PLUGIN_SOCKETS: &str = "/docker/plugins/";

/// A tcp daemon's API URL with its port, and the address Go dialled for a request
/// (`dial tcp R:Q`, `read tcp L->R:Q`): the dialled port is the URL's unless a proxy was
/// dialled in its place.
static DAEMON_URL_PORT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?:https?|tcp)://([^/ "'`@]+):([0-9]{1,5})/v1\.[0-9]{2}/"#)
        .expect("daemon url port")
});
static DIALLED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?:dial|read|write) tcp (?:[^\s>]+->)?(\[[0-9a-f:]+\]|[0-9a-z.-]+):([0-9]{1,5})(?-u:\b)",
    )
    .expect("dialled")
});

/// Where a request to a tcp daemon went to another port than the daemon's URL names: the
/// client's proxy (Go's HTTP client dials HTTP_PROXY for `http://host:2375/...` when
/// NO_PROXY lacks the host). Where the dialled address is in the line, that address, and
/// the daemon's host (what NO_PROXY must list; an IPv6 address without its brackets).
fn daemon_dialled_elsewhere(line: &str) -> Option<(usize, String, String)> {
    if !line.contains(" tcp ") {
        return None;
    }
    let url = DAEMON_URL_PORT.captures(line)?;
    let end = url.get(0)?.end();
    let dialled = DIALLED.captures(&line[end..])?;
    if dialled[2] == url[2] {
        return None;
    }
    Some((
        end + dialled.get(0)?.start(),
        format!("{}:{}", &dialled[1], &dialled[2]),
        url[1]
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_string(),
    ))
}

/// A proxy named as one (its variables, `proxyconnect`, its product), or reached where a
/// download's own host should be: a connection to this host's loopback or Docker's
/// bridge gateway on a proxy program's own default port (Squid's 3128, apt-cacher-ng's
/// 3142, Privoxy's 8118, Clash's 7890, SOCKS' 1080, v2ray's 10808) is the proxy the
/// tool was given, not the server it asked for.
static PROXY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"proxyconnect tcp: dial tcp:? lookup ([a-z0-9-]+) on |proxyconnect tcp: (?:dial tcp:? |tls: )?(?:lookup )?(?:[^@ /"]+@)?((?:[a-z0-9-]+(?:\.[a-z0-9-]+)+|\[[0-9a-f:]+\]|localhost)(?::[0-9]+)?)?|(?:https?_proxy|proxy)[= ]+"?(?:https?://)?(?:[^@ /"]+@)?([a-z0-9.\-]+:[0-9]+)|(?:squid|zscaler|bluecoat|forcepoint|fortigate|netskope)|pac file|pac interpreter|proxy auto-?config|wpad|(?:unable to connect to|could not connect to|connecting to|failed to connect to) ((?:127\.0\.0\.1|localhost|172\.17\.0\.1|host\.docker\.internal):(?:3128|3142|8118|7890|7891|1080|10808|10809))(?-u:\b)"#).expect("proxy")
});
static REGISTRY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r#"\{"errors":\[\{"code":"|https?://([^/ "'`]+)/v2/|lookup ((?:[a-z0-9-]+\.)*(?:docker\.io|docker\.com|ghcr\.io|quay\.io|gcr\.io|pkg\.dev|(?:dkr\.ecr|ecr|s3)(?:[.-][a-z0-9-]+)*\.amazonaws\.com|azurecr\.io|mcr\.microsoft\.com|cloudflare\.docker\.com|[a-z0-9-]*registry[a-z0-9.-]*|[a-z0-9-]*harbor[a-z0-9.-]*|[a-z0-9-]*nexus[a-z0-9.-]*|[a-z0-9-]*artifactory[a-z0-9.-]*))(?-u:\b)|/v1/repositories|/v1/_ping|/v1/users/|cloudflare\.docker\.com|docker-images-prod\.[a-z0-9]+\.r2\.cloudflarestorage\.com|/manifests/|/blobs/|/tags/list|fetching tags list|pulling (?:from|repository|fs layer)|error pulling|while pulling|pull access denied|failed to (?:resolve (?:source|reference|image|digest|[^ '"]*/)|fetch|authorize|do request|pull|copy|get filesystem from image)|(?:buildah|podman|skopeo|nerdctl|crane) (?:pull|push):|(?:could not|couldn't|unable to|cannot) (?:pull|push)(?-u:\b)|unauthorized: authentication required|insufficient_scope|requested access to the resource is denied|download failed|upload failed|the push refers to|registry|dkr\.ecr|ecr:getauthorizationtoken|ghcr\.io|quay\.io|gcr\.io|mcr\.microsoft\.com|docker\.io"#,
    )
    .expect("registry")
});
/// A host port said to be taken in a tool's own words (ddev's, sshd's, a checker's).
static PORT_IN_USE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?-u:\b)port(?: to)? ([0-9]{1,5}) is (?:already )?in use|bind to port ([0-9]{1,5}) on \S+ failed",
    )
    .expect("port in use")
});
/// Docker's tcp ports (2375 plain, 2376 TLS) on an address without a scheme.
static DAEMON_PORT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"((?:localhost|docker|[0-9]{1,3}(?:\.[0-9]{1,3}){3}|\[[0-9a-f:]+\]|[a-z0-9-]+(?:\.[a-z0-9-]+)+):237[56])(?-u:\b)").expect("daemon port")
});
static HOST_PORT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:bind for |(?:(?:userland proxy|failed to load listeners|dockerd[^ ]*):|rootlessport) listen (?:tcp|udp)[46]? |exposing port tcp |cannot expose the external port: listen (?:tcp|udp)[46]? |ports are not available: |failed to bind(?: to)?:? )(\[?[0-9a-f.:*]*\]?:?[0-9]{1,5})").expect("host port")
});
/// docker-py and Compose v1 reach the default socket through these (no path printed), and
/// Testcontainers through its unix-socket strategy.
static DOCKER_PY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"docker/transport/unixconn\.py|unixhttpconnectionpool|http\+docker://|error while fetching server api version|unixsocket(?:clientprovider)?strategy").expect("docker-py")
});
static COMMAND: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(r"{}|(?:^|[ /:'\x22(])(docker-compose|docker-buildx|docker compose|docker)(?:\.exe)?'?:? ?(?:{COMMAND_NOT_FOUND_TRANSLATED})|(?:bash|sh|zsh|dash|ash): (?:\S*/)?(docker-compose|docker-buildx|docker): (?:no such file or directory|{NO_SUCH_FILE_TRANSLATED})|(?:^|\s)[a-z0-9_.-]+: '?(docker-compose|docker-buildx|docker)'?: (?:no such file or directory|{NO_SUCH_FILE_TRANSLATED})$|failed to run command .?(docker-compose|docker-buildx|docker).?: (?:no such file or directory|{NO_SUCH_FILE_TRANSLATED})", r"'?([a-z0-9-]+)'? is not a docker command|/(docker-credential-[a-z0-9-]+)(?:\.exe)?: |the term '(docker[a-z0-9-]*|podman(?:-compose)?|nerdctl)(?:\.exe)?' is not recognized|/(docker-compose|docker-buildx|docker|podman):? ?(?:line )?[0-9]+: ?|(?:file|executable|program) not found:? '?(docker(?:-compose|-buildx)?)(?-u:\b)|cli-plugins/(docker-[a-z0-9-]+)|command not found: (docker(?:-compose|-buildx)?|podman(?:-compose)?|nerdctl)(?-u:\b)|fork/exec (?:\S*/)?(docker(?:-compose|-buildx)?|podman|nerdctl)(?:\.exe)?: |command '(docker[a-z0-9-]*)' not found|(?:^|[^a-z0-9._-])(docker[- ]compose|docker[- ]buildx|docker)['\x22]?(?: (?:cli )?plugin| v2| component| command| cli| binary| executable)?\)? (?:is |was )?(?:required but )?not (?:installed|found)|unknown command:? .?(docker [a-z][a-z0-9-]{1,30})|(?:^|[ /:'\x22(])(docker-compose|docker-buildx|docker-machine|docker-credential-[a-z0-9-]+|docker compose|docker|podman-compose|podman|nerdctl)(?:\.exe)?'?(?::| ) ?(?:command not found|not found|is not recognized|executable file not found|not installed)|(buildx) component is missing|(?:the )?(buildx|compose)(?: cli)?(?: plugin| component)? (?:is not|isn't|was not) (?:installed|found|available)|requires (?:the )?(buildx|compose) (?:cli )?(?:plugin|component) to be installed|exec: \x22?([a-z0-9-]+)\x22?: (?:executable file not found|cannot run executable found relative to current directory)|(?:the )?'(docker[a-z0-9-]*)' (?:command|executable|binary|provider) (?:was |is |could )?not (?:be )?found|(?:executable|program|binary|command) ['\x22](docker[a-z0-9-]*)['\x22][^.]{0,60}? not found in the path|/(docker-credential-[a-z0-9-]+):|[\\/](docker-credential-[a-z0-9-]+)(?:\.exe)?['\x22]|docker[\\/](credentials)[\\/]store\.py|error (?:storing|getting|retrieving|erasing|listing) (credentials)|cannot run program \x22(docker[a-z0-9-]*)(?:\.exe)?\x22|spawn (?:[^\n]{0,200}?[\\/])?(docker[a-z0-9-]*)(?:\.exe)? enoent|no such file or directory: b?'(docker[a-z0-9-]*|podman(?:-compose)?|nerdctl)'|no such file or directory - (docker[a-z0-9-]*)|(?:^|[ :])(docker) not found!|executable .?(docker[a-z0-9-]*).? not found|no container engine found; install (docker)|'?(docker[- ]compose|docker[- ]buildx)'?(?: (?:cli )?plugin| v2| component)? (?:is |was )?(?:not available|missing|required)(?-u:\b)|have the (compose|buildx) plugin installed|(?:locate|find) (?:the )?[`'\x22]?(docker(?:-compose|-buildx)?)[`'\x22]? (?:executable|binary)|requires [`'\x22]?(docker-compose|docker compose|docker-buildx)[`'\x22]? (?:to be installed|but (?:it'?s|it is) not installed)|which: no (docker(?:-compose|-buildx)?|podman(?:-compose)?) in \(|(docker[- ]compose|docker[- ]buildx)\W{0,2} (?:has|have) not been installed|(?:^|[\s'\x22(\[])(docker-credential-[a-z0-9-]+)(?:\.exe)?(?:[\s'\x22:)\]]|$)")).expect("command")
});
/// Docker (its daemon, engine, Desktop) as the subject of "is not running" or "is not
/// available", in a tool's own words.
static DOCKER_DOWN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(r"docker(?: daemon| engine| desktop)? (?:does not|doesn't) (?:seem|appear) to be running|docker(?: daemon| engine| desktop)? (?:seems|appears) not to be running|requires (?:running )?(?:the )?docker(?: daemon| engine)?(?-u:\b)|(?:ensure|make sure|check) (?:that )?(?:the )?docker(?: daemon| engine| desktop| service)? is (?:running|started|up)(?-u:\b)|(?:docker|dockerd|containerd|daemon|engine|desktop|podman|colima|lima|orbstack|rancher desktop|boot2docker|docker-machine|podman-machine)(?: (?:daemon|engine|desktop|service|server|machine|vm|api|instance))?(?:'s)? (?:(?:is|was|are|seems|appears)(?: to be)? )?(?:either )?(?:not running|isn't running|not available|unavailable|not reachable|unreachable|not responding|not responsive|unresponsive|has stopped|is stopped|stopped)(?-u:\b)|{DOCKER_NOT_FOUND}"))
    .expect("docker down")
});
/// A registry's ping (`/v2/`, the v1 `_ping` and `users`) answered by a bare status text.
static PING_BARE_STATUS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"/(?:v2|v1/_ping|v1/users)/?"?: (?:bad request|forbidden|bad gateway|service unavailable|gateway time-?out)(?:[.\s]|$)"#).expect("bare status")
});
/// The CLI's usage hint after a flag it does not know: the subcommand it was given to.
static SEE_HELP: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:see|run|try) '(?:docker|podman)(?: ([a-z]+))? --help'").expect("see help")
});
/// An ssh:// daemon, in the CLI's own words: its URL, the ssh command it runs, and the
/// placeholder host its connection helper speaks HTTP to (`http://docker.example.com`
/// since 23.0, `http://docker` from 18.09 to 20.10).
static SSH: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"ssh://|command \[ssh |dial-stdio|commandconn|ssh: rejected: |ssh: handshake failed|http://docker\.example\.com|http://docker/v1\.[0-9]",
    )
    .expect("ssh")
});
static WSL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"running wsl command|wsl(?:\.exe)? (?:--|-)[a-z]|wsl update failed|wsl ?engine|wsl-bootstrap|wsl2? distros?|deploying wsl2? distributions?|wsl exited with code|subsistema do windows para linux|subsistema de windows para linux|sous-syst.me windows pour linux|windows-subsystem f.r linux|适用于 linux 的 windows 子系统|subsystem for linux|virtual machine platform|wsl ?2? is not installed|wsl ?2? installation is incomplete|wsl integration with distro|getting wsl|wsl version|failed to set version to|wsl\.exe|distro mount service|distro-services|(?-u:\b)wsl/[a-z]|(?-u:\b)wsl_e_|wsl kernel|wslregisterdistribution failed|an error occurr?ed mounting one of your file systems|0x8037[0-9a-f]{4}|0x8007019e").expect("wsl")
});
static TLS_FILE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?:open |read |could not read ca certificate:? |load x509 key pair:? )"?([^ "]*(?:ca|cert|key)\.pem)"#).expect("tls file")
});
static CERTS_D: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"certs\.d[/\\]+([^/\\ "':]+(?::[0-9]+)?)"#).expect("certs.d"));
/// Software distributions' download hosts (package indexes, OS mirrors, module proxies).
const DISTRIBUTION_HOSTS: &str = r"(?:[a-z0-9-]+\.)*(?:pypi\.org|pythonhosted\.org|pypi\.python\.org|npmjs\.org|npmjs\.com|yarnpkg\.com|githubusercontent\.com|golang\.org|goproxy\.io|rubygems\.org|maven\.org|maven\.apache\.org|gradle\.org|crates\.io|nuget\.org|packagist\.org|packagist\.com|debian\.org|ubuntu\.com|alpinelinux\.org|centos\.org|fedoraproject\.org|rockylinux\.org|almalinux\.org|archlinux\.org|opensuse\.org|anaconda\.(?:org|com)|conda\.io|continuum\.io|cpan\.org|r-project\.org|nodejs\.org|nodesource\.com|rustup\.rs|deno\.land|jsdelivr\.net|unpkg\.com|sourceforge\.net|apache\.org|bintray\.com|dl\.google\.com|maven\.google\.com|download\.docker\.com|get\.docker\.com)";
/// A package manager's or a source fetch's download: a software distribution's host, or
/// the tool's own words for a fetch (apt's `Err:3 http://...`, apk's `fetching`, npm's
/// `request to ... failed`, pip's index URL and its `/simple/` path, urllib3's retry warning
/// (pip's and other installers' downloads), go's module proxy,
/// git's `unable to access`).
/// The host a package download names (its URL, curl's own words, pip's pool): read on its
/// own, since the tool's words before it (`W: Failed to fetch http://`) may hold its start.
static PACKAGE_HOST: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(&package_host_pattern()).expect("package host"));
/// A distribution's host in a URL, in curl's own words, or as pip's pool names it: all of
/// [`PACKAGE_HOST`], and the first half of [`PACKAGE_SOURCE`].
fn package_host_pattern() -> String {
    let hosts = DISTRIBUTION_HOSTS;
    format!(
        r#"https?://({hosts})(?:[:/"'\s]|$)|(?:connect to|resolve host:?|resolving) '?({hosts})(?: port|'|:|$)|host='((?:[a-z0-9-]+\.)*(?:pypi\.org|pythonhosted\.org))'"#
    )
}
static PACKAGE_SOURCE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r#"{}|{}"#,
        package_host_pattern(),
        r#"(?-u:\b)(?:pip[0-9.]* install|npm (?:err!|error)|yarn (?:install|add)|apt-get |apt (?:install|update)|apk (?:add|update|fetch)|gem install|go: (?:downloading|[a-z0-9./-]+@)|go (?:get|mod|install) |composer (?:install|update|require)|mvn |gradle |cargo (?:build|install|fetch)|dotnet restore|git clone|poetry (?:install|lock)|conda install)|(?-u:\b)(?:err(?::[0-9]+)?|w: failed to fetch|e: failed to fetch|failed to fetch) https?://|fatal: unable to access '|warning: fetching https?://|\(check repositories file\)|request to https?://[^ ]+ failed, reason:|could not fetch url https?://|: /simple/[a-z0-9_.-]+/|retrying \(retry\(total=[0-9]+[^)]*\)\) after connection broken by|(?:^| )[0-9]{3} +[a-z ]+\[ip: [0-9a-f.:]+ [0-9]+\]"#
    ))
    .expect("package source")
});
static CGROUP: LazyLock<Regex> = LazyLock::new(|| {
    // libcontainer's cgroup v1 lookup of a subsystem (`mountpoint for cpu not found`):
    // a v1-only runtime or monitor on a v2 host.
    Regex::new(
        r#"cgroups?(?:v?2)?(?:[: "'/\\_,)]|$)|control group|mountpoint for [a-z_,]+ not found"#,
    )
    .expect("cgroup")
});
/// What the lines around a cause say of it.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Around {
    /// Docker's own words nearby (a pull, a build, the daemon).
    pub(crate) docker: bool,
    /// The paste is an application's exception (a traceback, a stack frame, a runtime's
    /// exception type): a target-less cause is that program's own.
    pub(crate) application: bool,
    /// The paste is a build's (a `RUN` step's output): a target-less certificate failure
    /// is a tool inside the image that does not trust the chain, not the daemon.
    pub(crate) build: bool,
    /// The paste shows Docker pulling layers (`a1b2c3: Downloading [==>  ]`): a bare
    /// connection cut below them is the registry's.
    pub(crate) pull: bool,
    /// The paste shows the shell's proxy (`env | grep proxy`, `HTTPS_PROXY=... skopeo`):
    /// a registry's own address refused or silent was dialled around it.
    pub(crate) shell_proxy: bool,
    /// The paste's stack frames are a Docker client library's (docker-java, docker-py,
    /// dockerode): an errno its socket call raised is the Docker socket's.
    pub(crate) docker_client: bool,
    /// The paste runs a command in a container (`docker run ... ping example.com`,
    /// `docker exec -it web curl ...`): a name its tool cannot resolve is asked of the
    /// containers' nameserver.
    pub(crate) container_command: bool,
}

/// A command line that runs a program in a container: the engine's `run` or `exec`
/// (Docker's, Podman's, nerdctl's, Compose's), after a prompt (zsh themes' `❯` and `➜`
/// too) or at the line's start; or a shell inside one, whose prompt names the host by the
/// container's short id (`root@21ac871bc457:/app# `).
static CONTAINER_COMMAND: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:^|[$#>%❯➜] |`|: )(?:sudo )?(?:docker|podman|nerdctl)(?: container| compose|-compose)? (?:run|exec) |^(?:[a-z_][a-z0-9_-]*@)?[0-9a-f]{12}:\S*[#$] ").expect("container command")
});

/// Whether a line runs a command in a container.
pub(crate) fn container_command(line: &str) -> bool {
    CONTAINER_COMMAND.is_match(line)
}

/// Compose v2's answer to `docker compose version` ("Docker Compose version v2.26.1").
static COMPOSE_V2_SHOWN: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"docker compose version v[2-9]\.[0-9]").expect("compose v2"));

/// Whether a line shows Compose v2 installed and answering.
pub(crate) fn compose_v2_shown(line: &str) -> bool {
    COMPOSE_V2_SHOWN.is_match(line)
}

/// The docker CLI answering in the paste: `docker --version`'s "Docker version 24.0.7,
/// build ..." or `docker version`'s client block (its "API version:" row).
static DOCKER_CLI_SHOWN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^(?:\S+[$#>%] )?docker version [0-9]+\.[0-9]+\S*,? build |^api version: +[0-9]+\.[0-9]+",
    )
    .expect("cli shown")
});

/// Whether a line shows the docker CLI installed and answering.
pub(crate) fn docker_cli_shown(line: &str) -> bool {
    DOCKER_CLI_SHOWN.is_match(line)
}

/// Docker's pull progress for a layer (`a1b2c3d4e5f6: Downloading [==>   ]`, `Pull
/// complete`, `Waiting`), or a front end's rendering of it with the verb first
/// (`Downloading a1b2c3d4e5f6 [==>  ]`, 1Panel's task log).
static PULL_PROGRESS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:^|\s)[0-9a-f]{12}: (?:pulling fs layer|waiting|downloading|download complete|extracting|verifying checksum|pull complete)|(?:^|\s)(?:downloading|extracting|download complete|pull complete) [0-9a-f]{12}(?:\s|$)").expect("pull progress")
});

/// Whether a line is Docker's pull progress for a layer.
pub(crate) fn pull_progress(line: &str) -> bool {
    PULL_PROGRESS.is_match(line)
}

/// A proxy variable set in the shell's own words: an `env` listing, an `export`, a
/// variable given to one command (`HTTPS_PROXY=http://proxy:3128 skopeo ...`).
static SHELL_PROXY: LazyLock<Regex> = LazyLock::new(|| {
    // cmd's `set "HTTP_PROXY=..."` idiom quotes the whole assignment; some copy it to bash.
    // `echo $https_proxy` is the shell's value shown on the line below it.
    Regex::new(r"(?:^|\s)(?:export |set |\$env:)?['\x22]?(?:https?|all)_proxy ?= ?['\x22]?[a-z0-9]|(?:^|[\s$#>%] ?)echo \$\{?(?:https?|all)_proxy")
        .expect("shell proxy")
});

/// The registry of an image the paste pulls (`Pulling from ghcr.io/org/app`, `Unable to
/// find image 'quay.io/x:1' locally`, a build's `load metadata for` or `FROM`, `docker
/// pull r.example.com:5000/x`): the host part of its reference, when it names one.
static PULLED_REFERENCE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:pulling from |unable to find image '|load metadata for |(?:docker|podman) (?:image )?pull (?:--?[a-z-]+(?:[ =][^ -][^ ]*)? )*|\] from |^from |pulling [a-z0-9_-]+ \()((?:[a-z0-9-]+\.)+[a-z0-9-]+(?::[0-9]+)?|localhost(?::[0-9]+)?|[a-z0-9-]+:[0-9]+)/[a-z0-9]").expect("pulled reference")
});

/// The one registry the paste's pulls name, if they name exactly one (Docker Hub's own
/// names count as Docker Hub). A fix that names a registry then names this one, not the
/// signature's default.
pub(crate) fn pulled_registry(plain: &[String]) -> Option<String> {
    let mut found: Option<String> = None;
    for line in plain {
        for c in PULLED_REFERENCE.captures_iter(line) {
            let host = match &c[1] {
                "docker.io" | "index.docker.io" | "registry-1.docker.io" => "registry-1.docker.io",
                other => other,
            };
            match &found {
                Some(f) if f != host => return None,
                Some(_) => {}
                None => found = Some(host.to_string()),
            }
        }
    }
    found
}

/// An image a command of the paste acts on (`docker save -o a.tar nginx`, `docker push
/// acme/app:2`, `The push refers to repository [docker.io/acme/app]`, `Unable to find
/// image 'x:1' locally`, `kind load docker-image x`).
static ACTED_IMAGE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:(?:^|[$#>%] )(?:sudo )?(?:docker|podman|nerdctl) (?:image )?(?:pull|push|save|rmi|inspect) (?:--?[a-z-]+(?:[ =][^ -][^ ]*)? )*|the push refers to repository \[|unable to find image '|kind load docker-image )([a-z0-9][a-z0-9._/-]*(?::[a-z0-9._-]+)?(?:@sha256:[0-9a-f]{64})?)(?:[\]' ]|$)").expect("acted image")
});

/// The one image the paste's commands act on, if they name exactly one (the same
/// repository with and without its tag or Docker Hub's prefix counts once, the longer
/// form kept). A fix that names an image then names this one, not `<image>`.
pub(crate) fn acted_image(plain: &[String]) -> Option<String> {
    let short = |r: &str| -> String {
        let r = r.split('@').next().unwrap_or(r);
        let r = r
            .strip_prefix("docker.io/")
            .or_else(|| r.strip_prefix("index.docker.io/"))
            .unwrap_or(r);
        let r = r.strip_prefix("library/").unwrap_or(r);
        // The repository, without a tag (a registry's port stays).
        match r.rfind(':') {
            Some(i) if !r[i..].contains('/') => r[..i].to_string(),
            _ => r.to_string(),
        }
    };
    let mut found: Option<String> = None;
    for line in plain {
        for c in ACTED_IMAGE.captures_iter(line) {
            let image = c[1].trim_end_matches(['.', ',']);
            match &found {
                Some(f) if short(f) != short(image) => return None,
                Some(f) if f.len() >= image.len() => {}
                _ => found = Some(image.to_string()),
            }
        }
    }
    found
}

/// An official image's name on Docker Hub (`docker.io/library/x`, or Hub's API path
/// `registry-1.docker.io/v2/library/x/...`): every one of them is public.
static OFFICIAL_NAME: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?:^|[\s\x22'(/])(?:index\.|registry-1\.)?docker\.io/(?:v2/)?library/([a-z0-9][a-z0-9._-]*)",
    )
    .expect("official name")
});

/// Hub's answer for a repository it will not show: the stock denial, the anonymous
/// challenge sent beside it (in words, or in the JSON body a library quotes), or the
/// token's missing scope (BuildKit's words).
static HUB_REFUSAL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"requested access to the resource is denied|unauthorized: authentication required|authentication required to access|insufficient_scope|\\?"message\\?"\s*:\s*\\?"authentication required"#)
        .expect("hub refusal")
});

/// Credentials the registry named as wrong: a stale login refuses public images too.
static CREDENTIALS_REFUSED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"incorrect username or password|invalid username|incorrect authentication|invalid credentials|bad credentials").expect("credentials refused")
});

/// The official name a pull was refused for, when the paste refuses one: official images
/// are all public, so Hub's denial (or its anonymous challenge) for one says that no image
/// has that name (`holoiso`, a local build's name looked up remotely), not that an
/// account lacks a right. Credentials named as wrong keep the login's reading.
pub(crate) fn refused_official_name(plain: &[String]) -> Option<String> {
    // A push to an official name is refused for the namespace (tag it under your own),
    // and a paste that also names an account's repository may be refused for that one.
    static OTHER: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(
            r"the push refers to|(?:docker|podman) push[ :]|pushing image |docker\.io/(?:v2/)?([a-z0-9_-]+)/[a-z0-9]",
        )
        .expect("push or namespace")
    });
    let other = |l: &String| {
        OTHER
            .captures_iter(l)
            .any(|c| c.get(1).is_none_or(|ns| ns.as_str() != "library"))
    };
    if !plain.iter().any(|l| HUB_REFUSAL.is_match(l))
        || plain
            .iter()
            .any(|l| CREDENTIALS_REFUSED.is_match(l) || other(l))
    {
        return None;
    }
    plain
        .iter()
        .find_map(|l| OFFICIAL_NAME.captures(l).map(|c| c[1].to_string()))
}

/// A Docker client library's own frames (docker-java's, Spotify's docker-client,
/// docker-py's, dockerode's).
static DOCKER_CLIENT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"com\.github\.dockerjava\.|com\.spotify\.docker\.client\.|/docker/(?:api|transport)/[a-z_]+\.py|node_modules/(?:docker-modem|dockerode)/|/(?:bollard|testcontainers)-[0-9][0-9.]*/src/").expect("docker client")
});

/// Whether a line is a Docker client library's stack frame (see [`Around::docker_client`]).
pub(crate) fn docker_client_frame(line: &str) -> bool {
    DOCKER_CLIENT.is_match(line)
}

/// A runtime's exception for a socket call's errno (Java's `SocketException: No such file
/// or directory`, `BindException: Permission denied`, JNA's `LastErrorException: [2]`).
static SOCKET_ERRNO_EXCEPTION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?:(?:socket|bind|connect|io)exception: |lasterrorexception: \[(?:2|13)\] )(?:no such file or directory|permission denied)",
    )
    .expect("socket errno")
});

/// A log line below error level (logrus' `level=warning` or `level=info`, Podman's
/// `WARN[0000]`).
static LOG_WARNING: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"level=(?:warn(?:ing)?|info|debug|trace)(?-u:\b)|(?:^|\s)(?:warn|info)\[[0-9]+\]")
        .expect("log warning")
});

/// Whether a line is a log's warning (or note): what it reports did not stop the program.
pub(crate) fn log_warning(line: &str) -> bool {
    LOG_WARNING.is_match(line)
}

/// Whether a line shows a proxy set in the shell (see [`Around::shell_proxy`]).
pub(crate) fn shell_proxy(line: &str) -> bool {
    SHELL_PROXY.is_match(line)
}

/// A build running a step: BuildKit's `#7 [2/4] RUN ...`, the classic builder's `Step 3/5 :
/// RUN ...` and `---> Running in ...`, and the failures both print for a step.
static BUILD_STEP: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:^| )#[0-9]+ \[[^\]]*\] run |step [0-9]+/[0-9]+ ?: run |---> running in [0-9a-f]|returned a non-zero code|did not complete successfully: exit code|executor failed running \[").expect("build step")
});

/// A build step's own command line, as the builders echo it when it fails.
static STEP_COMMAND: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"/bin/sh -c |executor failed running \[|process \x22/bin/sh").expect("step command")
});

/// Whether a line shows a build running a step (see [`Around::build`]).
pub(crate) fn build_step(line: &str) -> bool {
    BUILD_STEP.is_match(line)
}

static APPLICATION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"traceback \(most recent call last\)|^\s*at [a-z0-9_.$<>]+\(|exception in thread|[a-z](?:error|exception)\(|<urlopen error|connectionpool\(host=|^\s*file .[^ ]+\.py., line [0-9]+").expect("application")
});

/// Whether a line is part of an application's exception: a traceback, a stack frame.
pub(crate) fn application_exception(line: &str) -> bool {
    APPLICATION.is_match(line)
}

/// Docker's context around a target-less cause: a pull, a build, a run, the daemon.
static DOCKER_CONTEXT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?:^|[^.a-z0-9_/-])(?:docker|dockerd|containerd|buildkit|buildx|moby|podman|dockerfile|docker-compose)(?:$|[^.a-z0-9_/-])|failed to solve|unable to prepare context|unable to download remote context|devmapper|overlay2|pulling from |pulling [a-z0-9_.-]+ \([^ )]+\)\.\.\.|the push refers to|\[\+\] (?:running|pulling|building) |executor failed running|did not complete successfully|error response from daemon|/var/lib/docker|(?:^| )#[0-9]+ \[|step [0-9]+/[0-9]+ ?:|=> error \[|failed to (?:register|extract|pull|copy|create|start) (?:layer|image|container|shim)|\{"stream":"|"errordetail":|returned a non-zero code|\[[a-z0-9_-]+ [0-9]+/[0-9]+\]|(?:^| )#[0-9]+ [0-9]+\.[0-9]{3} |(?:^| )#[0-9]+ (?:error: |done [0-9.]+s$|cached$)|(?:get|download)\.docker\.com|driver failed programming external connectivity|userland proxy|error parsing http [0-9]{3} response body|failed to bind host port|no suitable node \(|^(?:error: )?(?:denied|unauthorized|toomanyrequests|manifest unknown|name unknown|blob unknown|name invalid|tag invalid|manifest invalid): |^[0-9a-f]{12}: (?:preparing|waiting|pushing|pushed|layer already exists|mounted from|pulling fs layer|pull complete|download complete|downloading|extracting|verifying checksum|already exists)"#).expect("context")
});

/// Every target a line names, by where it starts.
/// The target patterns, in the order [`TARGET_GATE`] numbers them.
static TARGET_PATTERNS: [&LazyLock<Regex>; 23] = [
    &SOCKET,
    &PIPE,
    &DOCKER_PY,
    &PROXY,
    &DAEMON_URL,
    &REGISTRY,
    &HOST_PORT,
    &COMMAND,
    &SEE_HELP,
    &SSH,
    &TLS_FILE,
    &WSL,
    &CGROUP,
    &SOCKET_NAMED,
    &SOCKET_NAMED_TOO,
    &UNIT,
    &DATA_ROOT,
    &WSL_WORD,
    &DRIVER,
    &CERTS_D,
    &PACKAGE_SOURCE,
    &DAEMON_PORT,
    &PORT_IN_USE,
];
static TARGET_GATE: LazyLock<Gate> =
    LazyLock::new(|| Gate::new(TARGET_PATTERNS.iter().map(|re| re.as_str())));

fn targets(line: &str) -> Vec<(usize, Target)> {
    let mut found: Vec<(usize, Target)> = Vec::new();
    let may = TARGET_GATE.open(line);
    // The pattern's matches, run only when its literals are in the line.
    let caps = |re: &'static LazyLock<Regex>| {
        let i = TARGET_PATTERNS
            .iter()
            .position(|p| std::ptr::eq(*p, re))
            .expect("a target pattern");
        may[i].then(|| re.captures_iter(line)).into_iter().flatten()
    };
    // Where the pattern first matches, for the targets that need no group.
    let first = |re: &'static LazyLock<Regex>| {
        let i = TARGET_PATTERNS
            .iter()
            .position(|p| std::ptr::eq(*p, re))
            .expect("a target pattern");
        if may[i] { re.find(line) } else { None }
    };
    let first_group = |c: &regex::Captures| {
        (1..c.len())
            .find_map(|i| c.get(i))
            .map(|m| m.as_str().to_string())
    };
    for c in caps(&SOCKET) {
        let path = c[1].to_string();
        if path.contains(PLUGIN_SOCKETS) {
            continue;
        }
        let podman = path.contains("podman");
        found.push((
            c.get(0).map_or(0, |m| m.start()),
            Target::Socket {
                path: Some(path),
                podman,
            },
        ));
    }
    for c in caps(&PIPE) {
        let name = c.get(1).map_or("docker_engine", |m| m.as_str());
        found.push((
            c.get(0).map_or(0, |m| m.start()),
            Target::Pipe(format!("//./pipe/{name}")),
        ));
    }
    if let Some(m) = first(&DOCKER_PY) {
        let path = probes::shared::DEFAULT_UNIX_SOCKET.to_string();
        found.push((
            m.start(),
            Target::Socket {
                path: Some(path),
                podman: false,
            },
        ));
    }
    // A proxy before the registry it leads to: the cause is the proxy's when it is named.
    let proxy = caps(&PROXY).next();
    if let Some(c) = &proxy {
        let name = first_group(c).unwrap_or_else(|| "the proxy".into());
        found.push((c.get(0).map_or(0, |m| m.start()), Target::Proxy(name)));
    }
    for c in caps(&DAEMON_URL) {
        let host = first_group(&c).unwrap_or_else(|| "the daemon's address".into());
        found.push((c.get(0).map_or(0, |m| m.start()), Target::DaemonUrl(host)));
    }
    if let Some((at, dialled, daemon)) = daemon_dialled_elsewhere(line) {
        found.push((at, Target::ProxyForDaemon(dialled, daemon)));
    }
    for c in caps(&REGISTRY) {
        if c.get(0)
            .is_some_and(|m| m.as_str() == "registry" && other_registry(line, m.start()))
        {
            continue;
        }
        let host = first_group(&c).unwrap_or_else(|| "the registry".into());
        found.push((c.get(0).map_or(0, |m| m.start()), Target::Registry(host)));
    }
    // After the registries, so that at the same place it outranks their generic words
    // ("failed to fetch" is apt's too); a registry's own URL there (a `/v2/` on a host that
    // also serves packages) stays the registry's.
    if let Some(m) = first(&PACKAGE_SOURCE) {
        let at = m.start();
        // The tool's words come first (`go: m@v1:`), the host it fetched from after.
        let host = PACKAGE_HOST.captures(line).and_then(|c| first_group(&c));
        let registry_url = found
            .iter()
            .any(|(p, t)| *p == at && matches!(t, Target::Registry(r) if r != "the registry"));
        if !registry_url {
            // The generic words ("failed to fetch", "download failed") are the package
            // manager's here: only a registry named by its host or API stays one.
            found.retain(|(_, t)| !matches!(t, Target::Registry(r) if r == "the registry"));
            found.push((at, Target::PackageSource(host)));
        }
    }
    // A registry's words without its host (`/manifests/`, "failed to pull") on a line
    // that names it (`https://ghcr.io/v2/...`) are that registry's.
    let named = found.iter().find_map(|(_, t)| match t {
        Target::Registry(r) if r != "the registry" => Some(r.clone()),
        _ => None,
    });
    if let Some(named) = named {
        for (_, t) in &mut found {
            if matches!(t, Target::Registry(r) if r == "the registry") {
                *t = Target::Registry(named.clone());
            }
        }
    }
    for c in caps(&HOST_PORT).chain(caps(&PORT_IN_USE)) {
        if let Some(port) = first_group(&c) {
            found.push((c.get(0).map_or(0, |m| m.start()), Target::HostPort(port)));
        }
    }
    // Docker's own ports without a scheme (`connect ECONNREFUSED 127.0.0.1:2375`): the
    // daemon's, unless a port being published is what the line is about.
    if !found.iter().any(|(_, t)| matches!(t, Target::HostPort(_))) {
        for c in caps(&DAEMON_PORT) {
            found.push((
                c.get(1).map_or(0, |m| m.start()),
                Target::DaemonUrl(c[1].to_string()),
            ));
        }
    }
    for c in caps(&COMMAND) {
        // "docker compose" is the plugin docker-compose, however it is written.
        let name = first_group(&c).map_or_else(|| "docker".into(), |n| n.replace(' ', "-"));
        // `docker docker ...` is a command line written twice, not a plugin named docker.
        if name == "docker-docker" {
            continue;
        }
        found.push((c.get(0).map_or(0, |m| m.start()), Target::Command(name)));
    }
    // A flag the CLI does not know belongs to a plugin that is missing or too old: `build`
    // is buildx's since BuildKit, and a top-level hint names no subcommand.
    for c in caps(&SEE_HELP) {
        let name = match c.get(1).map(|m| m.as_str()) {
            Some("build") | Some("buildx") => "buildx".to_string(),
            Some(sub) => sub.to_string(),
            None if line.contains("build") => "buildx".to_string(),
            None => "plugin".to_string(),
        };
        found.push((c.get(0).map_or(0, |m| m.start()), Target::Command(name)));
    }
    // Go's ssh words alone are any Go tool's (a GitOps controller's git over ssh): an
    // ssh daemon's only beside Docker's.
    if let Some(m) = first(&SSH)
        && (!m.as_str().starts_with("ssh: ")
            || DOCKER_CONTEXT.is_match(line)
            || line.contains("error during connect")
            || names_docker_endpoint(line))
    {
        found.push((m.start(), Target::Ssh));
    }
    for c in caps(&TLS_FILE) {
        found.push((
            c.get(0).map_or(0, |m| m.start()),
            Target::TlsFile(c[1].to_string()),
        ));
    }
    if let Some(m) = first(&WSL) {
        found.push((m.start(), Target::Wsl));
    }
    for c in caps(&CERTS_D) {
        found.push((
            c.get(0).map_or(0, |m| m.start()),
            Target::CertsD(c[1].to_string()),
        ));
    }
    if let Some(m) = first(&CGROUP) {
        found.push((m.start(), Target::Cgroup));
    }
    // Only where no path is named: the path says more. Named in words, the socket has no
    // path to claim (Docker Desktop's, a rootless one, a remote DOCKER_HOST are as likely
    // as the default).
    if !found
        .iter()
        .any(|(_, t)| matches!(t, Target::Socket { .. }))
    {
        for c in caps(&SOCKET_NAMED).chain(caps(&SOCKET_NAMED_TOO)) {
            let podman = first_group(&c).is_some_and(|n| n == "podman");
            found.push((
                c.get(0).map_or(0, |m| m.start()),
                Target::Socket { path: None, podman },
            ));
        }
    }
    // The stores by their path, and by a driver's own words: the first of each. An image
    // without this machine's platform fails in the unpack step's words: the image's.
    let platform_missing = PLATFORM_MISSING.is_match(line);
    for re in [&DATA_ROOT, &DRIVER] {
        if platform_missing {
            break;
        }
        if let Some(m) = first(re) {
            found.push((m.start(), Target::DataRoot(m.as_str().to_string())));
        }
    }
    for c in caps(&UNIT) {
        found.push((
            c.get(0).map_or(0, |m| m.start()),
            Target::Unit(c[1].to_string()),
        ));
    }
    if found.is_empty()
        && let Some(m) = first(&WSL_WORD)
    {
        found.push((m.start(), Target::Wsl));
    }
    found.sort_by_key(|(p, _)| *p);
    found
}

/// Whether the word "registry" at `at` is part of a URL that is not a registry API's
/// (`https://registry.npmjs.org/pkg`: a package registry, not an image one).
fn other_registry(line: &str, at: usize) -> bool {
    let is_sep = |c: char| c.is_whitespace() || "\"'`()<>,;".contains(c);
    let start = line[..at].rfind(is_sep).map_or(0, |i| i + 1);
    let end = line[at..].find(is_sep).map_or(line.len(), |i| at + i);
    let token = &line[start..end];
    let host_start = token.find("://").map_or(0, |i| i + 3);
    let Some(slash) = token[host_start..].find('/') else {
        return false;
    };
    let host = &token[host_start..host_start + slash];
    let path = &token[host_start + slash..];
    host.contains("registry")
        && host.contains('.')
        && path.len() > 1
        && !path.starts_with("/v2")
        && !path.starts_with("/v1/")
        && !REGISTRY_CODE.is_match(line)
}

/// An image registry's own error codes (the distribution API's `denied`, `unauthorized`,
/// `manifest unknown`, ...) right after what it was asked: whatever the URL's path, the
/// server that answered is an image registry.
static REGISTRY_CODE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"[:>] (?:denied|unauthorized|toomanyrequests|manifest unknown|name unknown|blob unknown): ").expect("registry code")
});

/// Whether a line names a URL that is not an image registry's API (no `/v2/`, no v1
/// path): an HTTP status on it is that server's.
fn other_server(line: &str) -> bool {
    line.match_indices("://").any(|(at, _)| {
        let rest = &line[at + 3..];
        let end = rest
            .find(|c: char| c.is_whitespace() || "\"'`".contains(c))
            .unwrap_or(rest.len());
        let url = &rest[..end];
        !url.contains("/v2/") && !url.ends_with("/v2") && !url.contains("/v1/")
    })
}

/// The target of a cause at `at`: the nearest before it, else the first; a proxy or ssh
/// wins over what it carries.
fn target(found: &[(usize, Target)], at: usize, line: &str) -> Option<Target> {
    if let Some((_, t)) = found
        .iter()
        .find(|(_, t)| matches!(t, Target::Proxy(_) | Target::ProxyForDaemon(..)))
    {
        return Some(t.clone());
    }
    if let Some((_, t)) = found.iter().find(|(_, t)| matches!(t, Target::Ssh)) {
        return Some(t.clone());
    }
    // A file in a registry's certs.d before the cause is what failed, whatever registry
    // words its path holds.
    if let Some((_, t)) = found
        .iter()
        .rev()
        .find(|(p, t)| *p <= at && matches!(t, Target::CertsD(_)))
    {
        return Some(t.clone());
    }
    // "error during connect" is the CLI's own connection to the daemon: what follows is
    // that connection's chain, and a registry in the request's query is only its parameter.
    let daemon_connection = line.contains("error during connect")
        && found.iter().any(|(_, t)| matches!(t, Target::DaemonUrl(_)));
    let kept: Vec<&(usize, Target)> = found
        .iter()
        .filter(|(_, t)| !(daemon_connection && matches!(t, Target::Registry(_))))
        .collect();
    kept.iter()
        .rev()
        .find(|(p, _)| *p <= at)
        .or_else(|| kept.first())
        .map(|(_, t)| t.clone())
}

/// A certificate refused for an IP address (`valid for 127.0.0.1, not 192.168.99.100`).
static NOT_FOR_IP: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:valid for|match) .*(?:not|target host name) '?[0-9]{1,3}(?:\.[0-9]{1,3}){3}(?:$|[^0-9.])").expect("not for ip")
});

/// The cgroup controller a line names (`memory cgroup not supported`, `mountpoint for
/// cpu not found`, cgroup v2's interface file `.../io.weight`), for the fix; none when it
/// names none.
fn controller(line: &str) -> BTreeMap<String, String> {
    static CONTROLLER: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"(?-u:\b)(cpuset|cpu|memory|pids|blkio|io|hugetlb|devices|freezer)(?: cgroup| controller|,| not found)|/(cpuset|cpu|memory|pids|io|hugetlb)\.(?:max|weight|high|low|min|cpus|mems|bfq\.weight)(?-u:\b)").expect("controller")
    });
    CONTROLLER
        .captures(line)
        .and_then(|c| c.get(1).or_else(|| c.get(2)))
        .map_or_else(BTreeMap::new, |m| value("controller", m.as_str()))
}

fn value(name: &str, v: &str) -> BTreeMap<String, String> {
    BTreeMap::from([(name.to_string(), super::matcher::tidy(v))])
}

/// A Kubernetes event (kubelet's pull, a pod sandbox, the scheduler): the node's own
/// runtime, not a Docker this doctor can check.
static KUBERNETES: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:^|[\s,\[])kubelet(?:[\s,\[:]|$)|errimagepull|imagepullbackoff|failed to create pod sandbox|failedscheduling|(?-u:\b)[0-9]+/[0-9]+ nodes are available").expect("kubernetes")
});

/// Whether a line is a Kubernetes event's.
pub(crate) fn kubernetes_event(line: &str) -> bool {
    KUBERNETES.is_match(line)
}

/// Docker as a Kubernetes node's runtime, in the node's own words.
static DOCKER_RUNTIME: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"error response from daemon|cannot connect to the docker daemon|/docker\.sock(?-u:\b)|dockershim|cri-dockerd").expect("docker runtime")
});

/// Whether a line shows Docker serving as a node's runtime.
pub(crate) fn docker_runtime(line: &str) -> bool {
    DOCKER_RUNTIME.is_match(line)
}

/// The daemon shown up in the paste itself: systemd's status of Docker's unit, upstart's
/// `docker start/running, process N`, an init script's `docker is running`.
static DAEMON_SHOWN_UP: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\s*active: active \(running\)|^\S*\s*(?:docker|dockerd) start/running, process [0-9]+|^\s*(?:\* )?(?:docker|dockerd) is running\.?\s*$").expect("daemon shown up")
});

/// Docker's unit named (its status printed), so that `Active: active (running)` is dockerd's.
static DOCKER_UNIT_SHOWN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"docker\.service|docker application container engine|start/running")
        .expect("docker unit")
});

/// The clients that said "cannot connect" for a socket they could not open: the CLI before
/// 1.10 ("Is the docker daemon running on this host?") and Compose v1 (`http+docker://`).
static OLD_CLIENT_CANNOT_CONNECT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"is the docker daemon running on this host\?|couldn't connect to docker daemon at http\+docker://").expect("old client")
});

/// Whether the paste shows dockerd running while an old client could not connect to it
/// (and not as root: `sudo docker` may open any socket). What the paste shows contradicts
/// "not running"; those clients print the same words for a socket they may not open.
pub(crate) fn up_but_unreachable_by_old_client(lines: &[String]) -> bool {
    lines.iter().any(|l| DAEMON_SHOWN_UP.is_match(l))
        && lines.iter().any(|l| DOCKER_UNIT_SHOWN.is_match(l))
        && lines.iter().any(|l| OLD_CLIENT_CANNOT_CONNECT.is_match(l))
        && !lines
            .iter()
            .any(|l| l.contains("sudo docker") || DAEMON_START_FAILED.is_match(l))
}

/// The daemon's own refusal of a request ("Error response from daemon: manifest for x not
/// found"): a daemon that says that runs. What follows those words when only Desktop's API
/// proxy or a gateway answered for an engine that does not (a dial, a pipe, a socket, a
/// 5xx or EOF of its own) is left out.
static DAEMON_REFUSED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"error response from daemon: (.{0,300})").expect("daemon refused")
});
static NOT_THE_DAEMON: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"dial |connect|pipe|socket|not running|is starting|unavailable|bad gateway|(?-u:\b)eof(?-u:\b)|50[0-9] |engine|desktop|timeout|timed out|context deadline").expect("not the daemon")
});

/// Whether the paste holds the daemon's own answer to a request, so a tool's own claim
/// that Docker is not available (its wrapper's words after any failed command) is not
/// read as the daemon down.
pub(crate) fn daemon_answered(lines: &[String]) -> bool {
    lines.iter().any(|l| {
        DAEMON_REFUSED
            .captures(l)
            .and_then(|c| c.get(1))
            .is_some_and(|rest| !NOT_THE_DAEMON.is_match(rest.as_str()))
    })
}

/// Go's query to a nameserver (`lookup deb.debian.org on 10.0.0.2:53: read udp ...: i/o
/// timeout`): a timeout or a refusal after it is the nameserver's, not the host's it asked
/// for.
static DNS_QUERY: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"lookup [^ ]+ on [^ ]+:53: ").expect("dns query"));

/// A query from a container's own address (Docker's bridges take 172.17.0.0/16 and the
/// next /16s up to 172.31, Podman's 10.88.0.0/16) or to Docker's embedded DNS (127.0.0.11),
/// or the containers' own DNS server saying its forwarded query failed (Podman's
/// aardvark-dns, Docker's embedded `[resolver]`).
static CONTAINER_RESOLVER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(r"(?:read|write) udp (?:172\.(?:1[7-9]|2[0-9]|3[01])|10\.88)\.[0-9]+\.[0-9]+:[0-9]+->\S+:53: |lookup \S+ on 127\.0\.0\.11:53: |{CONTAINER_DNS_SERVER}"))
        .expect("container resolver")
});

/// The containers' DNS server's own words for a query it forwarded that failed.
const CONTAINER_DNS_SERVER: &str = r"aardvark-dns\[[0-9]+\]: (?:[0-9]+ )?dns request failed|\[resolver\] failed to query (?:external )?dns server";

/// A connect failing because the path it connects to does not exist.
static CONNECT_ENOENT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:error trying to connect|failed to connect|unable to connect|connect(?:ion)? failed|connect): no such file or directory").expect("connect enoent")
});

/// Docker's "error parsing HTTP N response body: ...: <body>", from those words on.
fn body_not_parsed(line: &str) -> Option<&str> {
    line.find("error parsing http ").map(|at| &line[at..])
}

/// Docker's "error parsing HTTP 403 response body: ...: <body>": `None` without it; else
/// whether the body gives an authentication reason (an expired token, a login).
fn unparsed_body(line: &str) -> Option<bool> {
    let body = body_not_parsed(line)?;
    Some(
        [
            "token",
            "expired",
            "unauthori",
            "authenticat",
            "credential",
            "login",
            "denied",
        ]
        .iter()
        .any(|w| body.contains(w)),
    )
}

/// `docker login` as a command line (its flags or its server follow), not Docker's advice
/// ("may require 'docker login'").
static DOCKER_LOGIN_RUN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"docker login (?:-|https?://|[a-z0-9][a-z0-9.-]*\.[a-z]{2,})")
        .expect("docker login run")
});

/// Whether the body Docker could not parse is a corporate filter's page ("Access is
/// blocked according to the Corporate security policy", a proxy's or firewall's words):
/// the network's proxy refused the registry, not the registry.
fn filtered_body(line: &str) -> bool {
    body_not_parsed(line).is_some_and(|body| {
        [
            "corporate",
            "security policy",
            "service desk",
            "blocked by",
            "proxy",
            "firewall",
            "web filter",
            "zscaler",
        ]
        .iter()
        .any(|w| body.contains(w))
    })
}

/// A shell refusing to run a file (`-sh: /var/run/docker.sock: Permission denied`).
static SHELL_EXEC_DENIED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:^|\s)-?(?:sh|bash|zsh|dash|ash)(?:: line [0-9]+)?: (?:[0-9]+: )?/\S+: permission denied").expect("shell exec")
});

/// Whether `cause` is the nameserver's: its own failure, or a timeout or refusal of the
/// query to it ([`DNS_QUERY`]).
fn nameserver_failed(cause: Cause, line: &str) -> bool {
    static DNS_SERVER: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(CONTAINER_DNS_SERVER).expect("container dns server"));
    cause == Cause::DnsServerFailure || DNS_QUERY.is_match(line) || DNS_SERVER.is_match(line)
}

/// A file operation on a path that is not a socket (`open /home/u/app/compose.yml: no such
/// file or directory`): what was not found is that file.
fn file_not_found(line: &str) -> bool {
    static FILE_OP: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"(?:open|stat|lstat|mkdir|chdir|readlink|read) ((?:[a-z]:)?[/\\][^\s:]*): no such file or directory").expect("file op")
    });
    FILE_OP
        .captures_iter(line)
        .any(|c| !c[1].ends_with(".sock") && !c[1].ends_with(".soc"))
}

/// A Docker client library's wrapper for an error the daemon answered with.
static DAEMON_ENVELOPE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"internalservererrorexception|50[0-9] server error: internal server error|\(http code 50[0-9]\)").expect("daemon envelope")
});

/// The daemon's own start failing, printed beside its status.
static DAEMON_START_FAILED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"error starting daemon|failed to start daemon|failed to start docker")
        .expect("start failed")
});

/// The host of the first https URL on a line (the server a TLS call went to), as the
/// `host` value for a fix that shows who signed what that server presented.
fn called_host(line: &str) -> BTreeMap<String, String> {
    static HOST: LazyLock<Regex> = LazyLock::new(|| {
        // Credentials in the URL (`user:pass@`) are skipped, never taken for the host.
        Regex::new(r#"https://(?:[^@/\s"']+@)?([a-z0-9.-]+\.[a-z]{2,})(?:[:/"'\s?]|$)"#)
            .expect("host")
    });
    // curl names the host it called only in its wrong-name message ("no alternative
    // certificate subject name matches target host name 'x'").
    static TARGET: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"target host name '([a-z0-9.-]+\.[a-z]{2,})'").expect("target host")
    });
    HOST.captures(line)
        .or_else(|| TARGET.captures(line))
        .map_or_else(BTreeMap::new, |c| value("host", &c[1]))
}

/// The host a resolver was asked for (apt's "Temporary failure resolving 'deb.debian.org'",
/// curl's "Could not resolve host: x", Go's "lookup x on 10.0.0.2:53", Node's "getaddrinfo
/// EAI_AGAIN x"), as the `host` value for the fix that asks the containers' DNS for it.
fn asked_host(line: &str) -> BTreeMap<String, String> {
    static ASKED: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"(?:temporary failure resolving|could not resolve(?: host)?:?|could not find host|bad address) '?([a-z0-9-]+(?:\.[a-z0-9-]+)+)|lookup ([a-z0-9-]+(?:\.[a-z0-9-]+)+) on |(?:eai_again|enotfound|etimeout) ([a-z0-9-]+(?:\.[a-z0-9-]+)+)|name resolution of ([a-z0-9-]+(?:\.[a-z0-9-]+)+) failed|(?:^|\s)ping: ([a-z0-9-]+(?:\.[a-z0-9-]+)+): |remote name could not be resolved: '([a-z0-9-]+(?:\.[a-z0-9-]+)+)'|unknownhostexception: ([a-z0-9-]+(?:\.[a-z0-9-]+)+)|(?:^|: )unknown host:? '?([a-z0-9-]+(?:\.[a-z0-9-]+)+)|unable to resolve host address .([a-z0-9-]+(?:\.[a-z0-9-]+)+)|(?:^|\s)resolving ([a-z0-9-]+(?:\.[a-z0-9-]+)+) \([^)]*\)\.\.\. failed|(?:^|[\s'\x22(])([a-z0-9-]+(?:\.[a-z0-9-]+)+): temporary failure in name resolution|unable to look up ([a-z0-9-]+(?:\.[a-z0-9-]+)+)|connectionpool\(host='([a-z0-9-]+(?:\.[a-z0-9-]+)+)'|failed to resolve '([a-z0-9-]+(?:\.[a-z0-9-]+)+)'").expect("asked host")
    });
    ASKED
        .captures(line)
        .and_then(|c| (1..c.len()).find_map(|i| c.get(i)))
        .map_or_else(BTreeMap::new, |h| value("host", h.as_str()))
}

/// Whether a name a resolver was asked for is the Internet's (`github.com`,
/// `deb.debian.org`: its last label a top-level domain IANA delegates), not one a
/// program's own network gives (a Compose service's bare name, `db.local`,
/// `host.docker.internal`) nor a word that only looks like a name (Maven's
/// `org.ow2.asm`): not finding it is the resolver's failure, not the program's setting.
/// CentOS's retired mirror names (gone since its end of life) are the image's age.
fn public_name(host: &str) -> bool {
    const RETIRED: &[&str] = &["mirrorlist.centos.org", "mirror.centos.org"];
    host.rsplit_once('.')
        .is_some_and(|(rest, top)| !rest.is_empty() && tld::exist(top))
        && !RETIRED.contains(&host)
}

/// Go's net package dialling or reading an HTTPS port (`dial tcp 1.2.3.4:443: ...`,
/// `read tcp 10.0.0.2:51234->1.2.3.4:443: ...`).
static GO_TCP_HTTPS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:dial|read|write) tcp (?:\S+->)?\S+:443: ").expect("go tcp https")
});

/// Whether a line names what was called (a URL), other than the page a tool's message
/// links to for help (curl's `More details here: https://curl.se/docs/sslcerts.html`).
fn names_a_call(line: &str) -> bool {
    line.match_indices("://").any(|(at, _)| {
        let rest = &line[at + 3..];
        !(rest.starts_with("curl.se/docs/") || rest.starts_with("curl.haxx.se/docs/"))
    })
}

/// Whether a line holds Docker's context (a build step, a pull, the daemon): a bare cause
/// on a line near one is Docker's.
pub(crate) fn docker_context(line: &str) -> bool {
    DOCKER_CONTEXT.is_match(line)
}

/// Reads one line (lower-cased, as the patterns see it): the failure modes its structure
/// points to, best first (at most two: the reading and the other one it could be).
/// `near_docker`: a line near it holds Docker's context.
pub(crate) fn read(line: &str, around: Around) -> Vec<Reading> {
    read_line(line, around).0
}

/// [`read`], and whether the line holds half a chain (a cause, or Docker's endpoint,
/// without the reading the other half would give): worth reading with its neighbours.
pub(crate) fn read_line(line: &str, around: Around) -> (Vec<Reading>, bool) {
    let found = causes(line);
    let half = !found.is_empty() || names_docker_endpoint(line);
    if found.is_empty() {
        return (Vec::new(), half);
    }
    let docker = around.docker || DOCKER_CONTEXT.is_match(line);
    // The innermost cause first (the last in the chain); a status or an exit code that
    // merely reports the failure, or a hint the CLI appends ("Are you trying to connect to
    // a TLS-enabled daemon without TLS?"), yields to a cause further out that reads.
    let mut order: Vec<&(usize, Cause)> = found
        .iter()
        .rev()
        .filter(|(_, c)| !matches!(c, Cause::ExitStatus(_)))
        .collect();
    order.extend(
        found
            .iter()
            .rev()
            .filter(|(_, c)| matches!(c, Cause::ExitStatus(_))),
    );
    // A tool that retries over plain HTTP after HTTPS failed joins the two attempts with
    // "; " (go-containerregistry: `x509: ...; GET http://host/v2/: ... an HTTP request to
    // an HTTPS server`): the retry's failure follows from the first, whose cause reads.
    if let Some(retry) = PLAIN_RETRY.find(line) {
        order.sort_by_key(|(at, _)| *at > retry.start());
    }
    // Read once, whichever cause they end up serving.
    let found_targets = if order.is_empty() {
        Vec::new()
    } else {
        targets(line)
    };
    for &&(at, cause) in &order {
        let target = target(&found_targets, at, line);
        // The call nearest the cause is another server's (a scanner's own API after the
        // image it was given): the cause is that server's, not the registry's.
        if let Some(Target::Registry(host)) = &target
            && other_call_before(line, at, host)
        {
            continue;
        }
        let readings = rule(target.as_ref(), cause, docker, around, line);
        if readings.is_empty() {
            continue;
        }
        let basis = match &target {
            Some(t) => format!("{}: {}", t.label(), cause.label()),
            None if docker => cause.label(),
            // The other reading, named: nothing says whose the cause is.
            None => format!(
                "{}, with no Docker context: Docker's, or the program's that printed it",
                cause.label()
            ),
        };
        let readings = readings
            .into_iter()
            .map(|(mode, confidence, values)| Reading {
                mode,
                confidence,
                values,
                basis: basis.clone(),
            })
            .collect();
        return (readings, false);
    }
    (Vec::new(), half)
}

/// A retry over plain HTTP joined to the HTTPS attempt it follows.
static PLAIN_RETRY: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"; (?:get|head|post|put) \x22?http://").expect("plain retry"));

/// The Engine API's versioned path.
static ENGINE_API_PATH: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^/v1\.[0-9]{1,2}/").expect("engine api path"));

/// Whether the last URL before `at` is a server other than `registry`'s that nothing
/// marks as an image registry's (its API's paths, its blob store, a registry's name) nor
/// as a login's (a token or auth endpoint).
fn other_call_before(line: &str, at: usize, registry: &str) -> bool {
    let Some(scheme) = line[..at].rfind("://") else {
        return false;
    };
    let start = line[..scheme]
        .char_indices()
        .rev()
        .find(|(_, c)| !c.is_ascii_alphabetic())
        .map_or(0, |(i, c)| i + c.len_utf8());
    let rest = &line[scheme + 3..at];
    let end = rest
        .find(|c: char| c.is_whitespace() || "\"'`".contains(c))
        .unwrap_or(rest.len());
    let url = rest[..end].trim_end_matches(':');
    let host = &url[..url.find('/').unwrap_or(url.len())];
    let whole = &line[start..scheme + 3 + end];
    let path = &url[host.len()..];
    // Only a web call is another server's: `docker://` is an image reference, and the
    // Engine API's own path (`/v1.41/images/create`) is the daemon relaying the registry.
    matches!(&line[start..scheme], "http" | "https")
        && !host.is_empty()
        && path.len() > 1
        && !ENGINE_API_PATH.is_match(path)
        && !host.contains(registry)
        && !registry.contains(host)
        && !REGISTRY.is_match(whole)
        && !["token", "auth", "login"].iter().any(|w| url.contains(w))
}

/// Whether a line is runc failing to mount a bind mount's source (a host path outside
/// Docker's own state) into the container, or Docker's hint for a file mounted on a
/// directory.
fn bind_mount_failed(line: &str) -> bool {
    static SOURCE: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r#"mounting \\*"(/[^"\\]+)\\*" to rootfs"#).expect("bind source")
    });
    line.contains("mount a directory onto a file")
        || SOURCE.captures_iter(line).any(|c| {
            !["/var/lib/docker", "containerd", "/proc", "/sys", "/dev"]
                .iter()
                .any(|own| c[1].contains(own))
        })
}

/// Whether an address in use is a program's own bind, in its runtime's words: an exception
/// (Java's `BindException`, Poco's `Net Exception`) or Python's `OSError: [Errno 98]`.
/// Docker's words for a host port it could not take have neither.
fn programs_own_bind(line: &str) -> bool {
    line.contains("exception") || line.contains("[errno 98]")
}

/// Whether a line names a path that is not Docker's own state (a bind mount's source, an
/// application's file): a cause on it is that path's, not the daemon's.
fn names_foreign_path(line: &str) -> bool {
    static PATH: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r#"(?:^|[\s'"=:(])(/[^\s'":,)]+)"#).expect("path"));
    PATH.captures_iter(line).any(|c| {
        let p = &c[1];
        !["docker", "containerd", "buildkit", "containers/storage"]
            .iter()
            .any(|own| p.contains(own))
    })
}

/// Whether a line names Docker's own endpoint (a socket, a pipe, docker-py's connection)
/// without saying what went wrong: the cause may follow on the next lines (a traceback).
pub(crate) fn names_docker_endpoint(line: &str) -> bool {
    DOCKER_PY.is_match(line) || SOCKET.is_match(line) || PIPE.is_match(line)
}

type Out = Vec<(&'static str, f64, BTreeMap<String, String>)>;

#[cfg(test)]
mod tests;
