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

/// Docker (or Podman) that a tool could not find or reach, in its own verbs: a "not
/// running" cause, and one whose subject is Docker, so both [`CAUSES`] and [`DOCKER_DOWN`]
/// read it.
const DOCKER_NOT_FOUND: &str = r"(?:could not|couldn't|unable to|failed to|cannot|can't) (?:find|reach|contact|detect|locate) (?:a |the |any )?(?:running |valid |working )?(?:docker|podman)(?: daemon| engine| desktop| api| environment| host| socket| service)?(?:[.,;:!?)]|$| (?:on|at|in|from|or|and|is|was|please|process|instance|running|installed)(?-u:\b))|no (?:running )?(?:docker|podman)(?: daemon| engine| environment)? (?:found|detected|available|running)|(?:docker|podman) socket (?:\S+ )?(?:not found|does not exist|is missing)";

/// A shell's or Windows' "command not found" in the languages its messages are translated
/// to (bash's and cmd.exe's own catalogues), lower-cased as the lines are.
const COMMAND_NOT_FOUND_TRANSLATED: &str = r"befehl nicht gefunden|commande introuvable|orden no encontrada|no se encontró la orden|comando não encontrado|comando non trovato|команда не найдена|未找到命令|找不到命令|找不到指令|コマンドが見つかりません|명령을 찾을 수 없습니다|명령이 없습니다|명령어를 찾을 수 없습니다|komut bulunamadı|nie znaleziono polecenia|opdracht niet gevonden|不是内部或外部命令|内部コマンドまたは外部コマンド|не является внутренней или внешней|n'est pas reconnu en tant que commande|no se reconoce como un comando|não é reconhecido como um comando|ist entweder falsch geschrieben";
/// ENOENT's text as glibc's translations print it (a shell that cannot run a program file).
const NO_SUCH_FILE_TRANSLATED: &str = r"no existe el archivo o el directorio|aucun fichier ou dossier de ce type|datei oder verzeichnis nicht gefunden|arquivo ou diretório inexistente|arquivo ou diretório não encontrado|file o directory non esistente|нет такого файла или каталога|没有那个文件或目录|そのようなファイルやディレクトリはありません|그런 파일이나 디렉터리가 없습니다|böyle bir dosya ya da dizin yok|nie ma takiego pliku ani katalogu|bestand of map bestaat niet";

/// Cause families, each with the spellings of every OS and language it is met in. Order
/// matters only for ties at the same position (the more specific first).
static CAUSES: LazyLock<Vec<(Regex, CauseKind)>> = LazyLock::new(|| {
    use CauseKind::*;
    // Docker not found by a tool is its own row: one alternation of both gave the
    // prefilter only four-byte pieces of their words, which open it on most log lines.
    let not_running = String::from(
        r"(?:is|are|was) (?:either )?not running|isn't running|(?:docker|podman)(?: daemon| engine| desktop| api)? (?:is )?(?:not available|unavailable)(?-u:\b)|(?-u:\b)(?:containerd|dockerd|docker) not running|(?-u:\b)(?:engine|daemon) stopped(?-u:\b)|not running or not installed|(?:does not|doesn't) (?:seem|appear) to be running|(?:seems|appears) not to be running|installed and running\?|(?:have you got|do you have|is) (?:it|docker) installed\?|requires running the docker daemon|(?-u:\b)(?:is|has) stopped(?-u:\b)|(?:docker|podman)(?: daemon| engine| desktop| api| service)? (?:is )?(?:unreachable|not reachable|not responding|not responsive|unresponsive)|(?-u:\b)the (?:docker )?daemon (?:is )?not responding|requires (?:docker|podman)(?: desktop| engine| daemon)? to be (?:running|started)|(?:docker|podman)(?: desktop| engine| daemon)? (?:must|needs to|has to) be (?:running|started)",
    );
    let command_not_found = format!(
        "{}|{COMMAND_NOT_FOUND_TRANSLATED}",
        r"command not found|command '[^']+' not found|cannot run program \x22[^\x22]+\x22: (?:createprocess )?error=2(?-u:\b)|spawn (?:[^\n]{0,200}?[\\/])?docker[a-z0-9-]*(?:\.exe)? enoent|\[errno 2\] no such file or directory: b?'docker|/docker[a-z-]* [0-9]+: \S+: [^ :]+: not found|/docker[a-z-]*:[0-9]+: ?[^ :]+: not found|(?:file|executable|program) not found:? '?docker|exec format error|docker[- ](?:compose|buildx)['\x22]?(?: (?:cli )?plugin| v2| component)?\)? (?:is |was )?(?:required but )?not (?:installed|found)|(?:^|[^a-z0-9._-])docker\)? (?:is |was )?(?:required but )?not installed|: line 1: syntax error near unexpected token|unknown flag: --[a-z]|(?-u:\b)(?:sh|bash|dash|zsh|ash)(?:: line [0-9]+)?: (?:[0-9]+: )?[^ :]+: not found|(?:^|\s)\S+: line [0-9]+: [^ :]+: not found|is not (?:recognized as|a) (?:an? )?internal or external command|is not recognized as (?:the|a) name of a cmdlet|executable file not found in (?:\$path|%path%)|not found in (?:\$path|%path%|the path(?-u:\b))|cannot run executable found relative to current directory|'(?:docker[a-z0-9-]*)' (?:command|executable|binary|provider) (?:was |is |could )?not (?:be )?found|unrecognized command|executable .?docker[a-z0-9-]*.? not found|no container engine found|no such file or directory - docker|(?-u:\b)docker(?:-compose|-buildx)?(?:\.exe)? (?:was |is )?not found!|is not a docker command|unknown command:? .?docker|component is missing or broken|unknown shorthand flag: '[a-z]' in -[a-z]|'?docker[- ](?:compose|buildx)'?(?: (?:cli )?plugin| v2| component)? (?:is |was )?(?:not available|missing|required)(?-u:\b)|(?:does not|doesn't) have the (?:compose|buildx) plugin installed|(?:unable to|could not|couldn't|cannot|can't) (?:locate|find) (?:the )?[`'\x22]?docker(?:-compose|-buildx)?[`'\x22]? (?:executable|binary)|requires [`'\x22]?(?:docker-compose|docker compose|docker-buildx)[`'\x22]? (?:to be installed|but (?:it'?s|it is) not installed)|which: no (?:docker(?:-compose|-buildx)?|podman(?:-compose)?) in \(|^(?:docker|docker-compose|docker-buildx) not found$|(?:^|[^a-z0-9._-])docker (?:command|cli|binary|executable) (?:is |was )?not found|docker[- ](?:compose|buildx)\W{0,2} (?:has|have) not been installed",
    );
    let not_found = String::from(
        r"no such file or directory|(?-u:\b)enoent(?-u:\b)|the system cannot find the (?:file|path) specified|the network name cannot be found|le fichier spécifié est introuvable|das system kann die angegebene datei nicht finden|el sistema no puede encontrar el archivo|系统找不到指定的文件|指定されたファイルが見つかりません|не удается найти указанный файл|cannot find the file specified|cgroup mount destination|socket (?:file )?(?:was |could )?not (?:be )?found|socket (?:file )?does not exist|unit [a-z0-9@_.-]+ not found|unit [a-z0-9@_.-]+ could not be found|(?-u:\b)missing(?-u:\b)|(?-u:\b)find (?:the )?(?:[a-z]+ )?cgroups?(?-u:\b)|mountpoint for [a-z_,]+ not found",
    ) + "|"
        + NO_SUCH_FILE_TRANSLATED;
    let table: &[(&str, CauseKind)] = &[
        (
            r"x509: certificate signed by unknown authority|peer.s certificate issuer (?:is not recognized|has been marked as not trusted)|peer.s certificate has an invalid signature|the ssl certificate is invalid; class=ssl|curl: \(77\)|curl error 77(?-u:\b)|error setting certificate verify locations|problem with the ssl ca cert|cannot verify [^ ]+.s certificate, issued by|x509: certificate is not trusted|unable to get local issuer certificate|self[- ]signed certificate in certificate chain|certificate_verify_failed|unknownissuer|unknown certificate authority|unable to verify the first certificate|server certificate verification failed|ssl certificate problem: (?:unable|self)|pkix path building failed|unable to find valid certification path|issued by an authority that is not trusted|sec_e_untrusted_root|self_signed_cert_in_chain|unable_to_get_issuer_cert_locally|unable_to_verify_leaf_signature|problem confirming the ssl certificate|unable to locally verify the issuer's authority|self-signed certificate encountered|certificate of [^ ]+ (?:is not trusted|doesn't have a known issuer|hasn't got a known issuer)|certificate is not trusted|certificate issuer is unknown|ssl routines:[a-z_]*:certificate verify failed|remote certificate is invalid|untrustedroot|curl: \(60\)|curl error 60(?-u:\b)|curl[^|]*(?:returned a non-zero code|exit (?:status|code)):? \\?\x22?60(?-u:\b)|wget[^|]*(?:returned a non-zero code|exit (?:status|code)):? \\?\x22?5(?-u:\b)|(?:^|[^a-z])certificate not trusted|could not verify the ssl certificate|certificatefailureerror|certificate has unknown ca|(?-u:\b)unknownca(?-u:\b)|client alert: fatal - unknown ca|failed to validate the ssl certificate|(?:error|err|reason)[:=] ?self[- ]signed certificate|depth_zero_self_signed_cert|net::err_cert_authority_invalid|sec_error_unknown_issuer|peer certificate cannot be authenticated with given ca certificates|failed to load system roots|unable to check revocation for the certificate|crypt_e_no_revocation_check|crypt_e_revocation_offline|revocation server was offline",
            Fixed(Cause::X509UnknownAuthority),
        ),
        (
            r"x509: certificate has expired|certificate has expired|certificate expired|invalid peer certificate: (?:certificate )?expired|certpathvalidatorexception: validity check failed",
            Fixed(Cause::X509Expired),
        ),
        (
            r"x509: certificate is not yet valid|certificate is not yet valid",
            Fixed(Cause::X509NotYetValid),
        ),
        (
            r"certificate is valid for .+, not [^ ]+|x509: certificate is not valid for any names|certificate is not valid for|hostname mismatch|doesn't match any of the subject alternative names|no alternative certificate subject name matches",
            Fixed(Cause::X509WrongName),
        ),
        (r"x509: ", Fixed(Cause::X509Other)),
        (
            r"first record does not look like a tls handshake|tls: oversized record received|wrong version number",
            Fixed(Cause::NotTls),
        ),
        (
            r"client sent an http request to an https server|the plain http request was sent to https port|are you trying to connect to a tls-enabled daemon without tls|malformed http response .\\x15\\x03",
            Fixed(Cause::TlsRequired),
        ),
        (
            r"server gave http response to https client",
            Fixed(Cause::HttpAnswer),
        ),
        (r"no basic auth credentials", Fixed(Cause::NoCredentials)),
        (
            r"(?-u:\b)(400|401|403|404|407|408|429|50[0234]) *:? *(?:bad request|unauthorized|forbidden|not found|proxy authentication required|request time-?out|too many requests|internal server error|bad gateway|service unavailable|gateway time-?out)|(?:status(?: code)?|response code|http status|http code)(?: from registry)? *[:=]? *(400|401|403|404|407|408|429|50[0234])(?-u:\b)|error parsing http (400|401|403|404|407|408|429|50[0234]) response body",
            StatusCode,
        ),
        (
            r#"(?-u:\b)(unauthorized)(?:[:". ]|$)|(forbidden)(?:[:".)]|$| [^p])|(requested access to the resource is denied)|(proxy authentication required)|(toomanyrequests)|(too many requests)|((?:pull|docker hub|dockerhub|registry) rate limit (?:reached|exceeded|hit))|(bad gateway)|(service unavailable)|(bad request)|(gateway time-?out)|(manifest unknown)|(name unknown)|(unauthenticated)|(permission_denied)|(invalid username/password)|(invalid username or password)|(incorrect username or password)|(invalid credentials)|(bad credentials)|(http basic: access denied)|(authentication (?:is )?required)|"code": ?"(denied|unauthorized|toomanyrequests|manifest_unknown|name_unknown)"|(?:password|token|credentials?)(?: or (?:token|password))? (?:is |are |was )?(incorrect|invalid|wrong)(?-u:\b)|(is not authorized to perform)|(?:^|: )(denied)(?:[:.]|\s+\(|$)|(insufficient_scope)(?-u:\b)"#,
            StatusWord,
        ),
        (
            r"no space left on (?:device|disk)|free (?:data|metadata) blocks which is less than minimum required|(?-u:\b)enospc(?-u:\b)|not enough space on the disk|disk quota exceeded|(?:nearly |running )?out of (?:free )?disk space|the disk hosting \S+ is full|(?:insufficient|not enough|low) (?:free )?(?:disk )?space|(?:n't|not) have enough (?:free )?(?:disk )?space|disk (?:image )?(?:is )?full(?-u:\b)|(?:high|flood[- ]stage) disk watermark|low on resource: (?:ephemeral-storage|inodes|imagefs|nodefs)",
            Fixed(Cause::NoSpace),
        ),
        (
            r"address already in use|adress already in use|(?-u:\b)address in use(?-u:\b)|port(?: to)? '?[0-9]{1,5}'? is (?:already )?(?:in use|being used|taken|not available)|(?-u:\b)port (?:is )?already in use|(?-u:\b)eaddrinuse(?-u:\b)|port is already allocated|only one usage of each socket address|ports are not available|(?-u:\b)ports (?:are )?already in use",
            Fixed(Cause::AddressInUse),
        ),
        (
            r"an attempt was made to access a socket in a way forbidden by its access permissions|(?-u:\b)wsaeacces(?-u:\b)|socketexception \(10013\)",
            Fixed(Cause::PortForbidden),
        ),
        (
            r"connection refused|(?-u:\b)econnrefused(?-u:\b)|actively refused|no connection could be made",
            Fixed(Cause::Refused),
        ),
        (
            r"no route to host|network is unreachable|host is unreachable|(?-u:\b)e(?:host|net)unreach(?-u:\b)",
            Fixed(Cause::Unreachable),
        ),
        (
            r"oci runtime (?:create |start |exec )?(?:failed|error)|runc (?:create |run )?failed|error during container init|(?:starting container process|container init) caused",
            Fixed(Cause::RuntimeFailed),
        ),
        (&not_running, Fixed(Cause::NotRunning)),
        (DOCKER_NOT_FOUND, Fixed(Cause::NotRunning)),
        (
            r"read-only file ?system|(?-u:\b)erofs(?-u:\b)",
            Fixed(Cause::ReadOnly),
        ),
        (
            r"input/output error|(?-u:\b)eio(?-u:\b)|: bad message(?::|$)|structure needs cleaning|(?-u:\b)e(?:badmsg|uclean)(?-u:\b)",
            Fixed(Cause::IoError),
        ),
        (
            r"invalid argument|(?-u:\b)einval(?-u:\b)",
            Fixed(Cause::InvalidArgument),
        ),
        (
            r"no such host|name or service not known|(?-u:\b)unknown ?host(?:exception)?(?-u:\b)|nodename nor servname provided|(?-u:\b)enotfound(?-u:\b)|could not resolve host|could not resolve '[a-z0-9.-]+'|curl: \(6\)|curl[^|]*(?:returned a non-zero code|exit (?:status|code)):? \\?\x22?6(?-u:\b)|getaddrinfo failed|no address associated with hostname|could not resolve hostname|(?:could not|couldn't|unable to|failed to|cannot) resolve (?:the )?(?:host(?:name)? )?['\x22]?[a-z0-9-]+(?:\.[a-z0-9-]+)+(?:['\x22\s:,;)]|$)|dns (?:lookup|resolution) (?:failed|error)|name resolution (?:failed|error)|ping request could not find host|name resolution of [a-z0-9-]+(?:\.[a-z0-9-]+)+ failed",
            Fixed(Cause::NoSuchHost),
        ),
        (
            // A nameserver that fails or does not answer: SERVFAIL, glibc's EAI_AGAIN
            // ("Temporary failure in name resolution", apt's "Temporary failure
            // resolving"), Go's query to it that timed out or was refused; musl's and
            // Ruby's spelling of EAI_AGAIN ("[Errno -3] Try again", "getaddrinfo: Try
            // again"), busybox's "bad address 'host'", apk's "temporary error";
            // Winsock's WSANO_RECOVERY and WSATRY_AGAIN (Go's `getaddrinfow: ...`);
            // Node's resolver whose query timed out (`queryA ETIMEOUT host`).
            r"(?-u:\b)query(?:a|aaaa|srv|mx|txt|cname|ns|any)? etimeout(?-u:\b)|server misbehaving|lame referral|(?-u:\b)servfail(?-u:\b)|lookup [^ ]+ on [^ ]+:53: (?:read|write) udp |temporary failure resolving|temporary failure in name resolution|(?-u:\b)eai_again(?-u:\b)|\[errno -3\] try again|getaddrinfo: try again|lookup [^ ]+: try again|bad address '[a-z0-9_.-]+(?:'|$)|temporary error \(try again later\)|a non-recoverable error occurred during a database lookup|this is usually a temporary error during hostname resolution",
            Fixed(Cause::DnsServerFailure),
        ),
        (
            r"i/o timeout|timed out|did not properly respond after a period of time|connected host has failed to respond|curl: \(28\)|curl error 28(?-u:\b)|curl[^|]*(?:returned a non-zero code|exit (?:status|code)):? \\?\x22?28(?-u:\b)|(?-u:\b)etimedout(?-u:\b)|deadline exceeded|timeout exceeded|request canceled while waiting for connection|tls handshake timeout|tlshandshaketimeout",
            Fixed(Cause::TimedOut),
        ),
        (
            r"connection reset by peer|(?-u:\b)econnreset(?-u:\b)|forcibly closed by the remote host|unexpected eof|: eof(?:$|[^a-z])|remote error: tls: handshake failure",
            Fixed(Cause::Reset),
        ),
        (
            r"permission denied|(?-u:\b)eacces(?-u:\b)|access is denied|access denied|accessdeniedexception|operation not permitted|(?-u:\b)eperm(?-u:\b)|zugriff verweigert|accès refusé|acceso denegado|accesso negato|acesso negado|拒绝访问|存取被拒|アクセスが拒否|액세스가 거부|отказано в доступе|docker-users.? group|not (?:in|a member of|part of) (?:the )?['\x22]?docker['\x22]? group|(?:no|don't have|do not have) permission to (?:access|use|connect to) (?:the )?(?:docker|podman)|access to the (?:docker|podman) (?:daemon|engine|socket) (?:was |is )?denied",
            Fixed(Cause::PermissionDenied),
        ),
        // More permission words, apart so that each pattern keeps literals the prefilter
        // can use: a permission to run Docker, a socket not readable by a user, SELinux.
        (
            r"(?:not have|n't have|lacks?) (?:the )?permissions? to (?:access|use|run|connect to) (?:the )?['\x22]?(?:docker|podman)|(?-u:\b)not (?:readable|writable|accessible) by(?-u:\b)|selinux is preventing|avc:  denied|avc: denied|(?-u:\b)blocked from accessing(?-u:\b)",
            Fixed(Cause::PermissionDenied),
        ),
        (&not_found, Fixed(Cause::NotFound)),
        (&command_not_found, Fixed(Cause::CommandNotFound)),
        (
            r"doesn't work on|does not work on|not supported|unsupported|unknown (?:mount )?option|does not exist|is not available|does(?: not|n't) support|requires a newer|requires wsl ?2|no longer supported",
            Fixed(Cause::Unsupported),
        ),
        (
            r"is not installed|not installed|isn't installed|(?:does not|doesn't) (?:seem|appear) to be installed|(?-u:\b)not detected(?-u:\b)|requires (?:the )?[a-z-]+ (?:cli )?(?:plugin|component) to be installed|is not enabled|not enabled|n.o est. instalad|no est. instalad|n'est pas install|(?:aucune|keine|ninguna|nenhuma) distribu|ist nicht installiert|non . installat|未安装|インストールされていません",
            Fixed(Cause::NotInstalled),
        ),
        (
            r"(?-u:\b)(?:failed|invalid command line option|is required|unexpectedly stopped|is masked|start request repeated too quickly|has terminated|exited unexpectedly|is incomplete|unexpected [a-z0-9 ]{0,20}error|(?:is )?unable to start|could not start|catastrophic failure|error occurr?ed (?:mounting|starting))(?-u:\b)|(?-u:\b)error code: |(?-u:\b)wsl_e_[a-z_]+|main process exited, code=[a-z]+, status=[1-9]",
            Fixed(Cause::Failed),
        ),
        (
            r"(?:could not|couldn't|cannot|can't|unable to|failed to) (?:connect|reach|ping|talk)(?-u:\b)|error (?:connecting|pinging)(?-u:\b)|connection to [^ ]+(?: [^ ]+){0,4} failed|connection to (?:the )?(?:docker|podman)(?: daemon| engine)? at '[^']{0,200}' failed|error (?:initializing|initialising|creating) (?:the )?(?:docker|podman) client|(?-u:\b)connect(?:ion)? failed(?-u:\b)",
            Fixed(Cause::ConnectFailed),
        ),
        (
            r"exit (?:status|code):? (-?[0-9]{1,10}|0x[0-9a-f]{1,8})|exited with (?:exit |error )?(?:status|code) (-?[0-9]{1,10}|0x[0-9a-f]{1,8})",
            ExitCode,
        ),
    ];
    table
        .iter()
        .map(|(re, kind)| (Regex::new(re).expect("cause pattern"), *kind))
        .collect()
});

static CAUSE_GATE: LazyLock<Gate> =
    LazyLock::new(|| Gate::new(CAUSES.iter().map(|(re, _)| re.as_str())));

#[derive(Debug, Clone, Copy)]
enum CauseKind {
    Fixed(Cause),
    StatusCode,
    StatusWord,
    ExitCode,
}

/// Every cause a line names, with where its match starts (innermost last).
fn causes(line: &str) -> Vec<(usize, Cause)> {
    let mut found = Vec::new();
    // Each pattern on its own DFA (one RegexSet of them all ran at a third of the speed),
    // and only the patterns whose literals the line holds.
    let may = CAUSE_GATE.open(line);
    for ((re, kind), _) in CAUSES.iter().zip(&may).filter(|(_, m)| **m) {
        // A fixed family needs only where it matched: no capture groups to resolve.
        if let CauseKind::Fixed(c) = kind {
            found.extend(re.find_iter(line).map(|m| (m.start(), *c)));
            continue;
        }
        for caps in re.captures_iter(line) {
            let at = caps.get(0).map_or(0, |m| m.start());
            let cause = match kind {
                CauseKind::Fixed(c) => *c,
                CauseKind::StatusCode => match (1..caps.len())
                    .find_map(|i| caps.get(i))
                    .and_then(|m| m.as_str().parse().ok())
                {
                    Some(s) => Cause::Status(s),
                    None => continue,
                },
                CauseKind::StatusWord => {
                    let word = (1..caps.len())
                        .find_map(|i| caps.get(i))
                        .map(|m| m.as_str())
                        .unwrap_or("unauthorized");
                    Cause::Status(match word {
                        "forbidden"
                        | "requested access to the resource is denied"
                        | "permission_denied"
                        | "insufficient_scope"
                        | "denied" => 403,
                        "manifest unknown" | "name unknown" | "manifest_unknown"
                        | "name_unknown" => 404,
                        "proxy authentication required" => 407,
                        "toomanyrequests" | "too many requests" => 429,
                        w if w.contains("rate limit") => 429,
                        "bad request" => 400,
                        "bad gateway" => 502,
                        "service unavailable" => 503,
                        w if w.starts_with("gateway") => 504,
                        _ => 401,
                    })
                }
                CauseKind::ExitCode => {
                    // -1 and 4294967295 are the same status, as Windows prints it.
                    match (1..caps.len()).find_map(|i| caps.get(i)).and_then(|m| {
                        let n = m.as_str();
                        match n.strip_prefix("0x") {
                            Some(hex) => i64::from_str_radix(hex, 16).ok(),
                            None => n.parse::<i64>().ok(),
                        }
                    }) {
                        Some(s) => Cause::ExitStatus(s as u32),
                        None => continue,
                    }
                }
            };
            found.push((at, cause));
        }
    }
    // "x509: " is the family's fallback: a named x509 cause at the same place wins.
    let named: Vec<usize> = found
        .iter()
        .filter(|(_, c)| {
            matches!(
                c,
                Cause::X509UnknownAuthority
                    | Cause::X509Expired
                    | Cause::X509NotYetValid
                    | Cause::X509WrongName
            )
        })
        .map(|(at, _)| *at)
        .collect();
    found.retain(|(at, c)| *c != Cause::X509Other || !named.contains(at));
    found.sort_by_key(|(at, _)| *at);
    found
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
        r"(?://\./pipe/|\\\\\.\\pipe\\|%2f%2f\.%2fpipe%2f)(docker[a-z_]*|[a-z_]*docker[a-z_]*)|windows named pipe error",
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

static PROXY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"proxyconnect tcp: dial tcp:? lookup ([a-z0-9-]+) on |proxyconnect tcp: (?:dial tcp:? |tls: )?(?:lookup )?(?:[^@ /"]+@)?((?:[a-z0-9-]+(?:\.[a-z0-9-]+)+|\[[0-9a-f:]+\]|localhost)(?::[0-9]+)?)?|(?:https?_proxy|proxy)[= ]+"?(?:https?://)?(?:[^@ /"]+@)?([a-z0-9.\-]+:[0-9]+)|(?:squid|zscaler|bluecoat|forcepoint|fortigate|netskope)|pac file|pac interpreter|proxy auto-?config|wpad"#).expect("proxy")
});
static REGISTRY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r#"\{"errors":\[\{"code":"|https?://([^/ "'`]+)/v2/|lookup ((?:[a-z0-9-]+\.)*(?:docker\.io|docker\.com|ghcr\.io|quay\.io|gcr\.io|pkg\.dev|(?:dkr\.ecr|ecr|s3)(?:[.-][a-z0-9-]+)*\.amazonaws\.com|azurecr\.io|mcr\.microsoft\.com|cloudflare\.docker\.com|[a-z0-9-]*registry[a-z0-9.-]*|[a-z0-9-]*harbor[a-z0-9.-]*|[a-z0-9-]*nexus[a-z0-9.-]*|[a-z0-9-]*artifactory[a-z0-9.-]*))(?-u:\b)|/v1/repositories|/v1/_ping|/v1/users/|cloudflare\.docker\.com|/manifests/|/blobs/|/tags/list|fetching tags list|pulling (?:from|repository|fs layer)|error pulling|while pulling|pull access denied|failed to (?:resolve (?:source|reference|image|digest|[^ '"]*/)|fetch|authorize|do request|pull|copy|get filesystem from image)|(?:buildah|podman|skopeo|nerdctl|crane) (?:pull|push):|(?:could not|couldn't|unable to|cannot) (?:pull|push)(?-u:\b)|unauthorized: authentication required|insufficient_scope|requested access to the resource is denied|download failed|upload failed|the push refers to|registry|dkr\.ecr|ecr:getauthorizationtoken|ghcr\.io|quay\.io|gcr\.io|mcr\.microsoft\.com|docker\.io"#,
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
    Regex::new(&format!(r"{}|(?:^|[ /:'\x22(])(docker-compose|docker-buildx|docker compose|docker)(?:\.exe)?'?:? ?(?:{COMMAND_NOT_FOUND_TRANSLATED})|(?:bash|sh|zsh|dash|ash): (?:\S*/)?(docker-compose|docker-buildx|docker): (?:no such file or directory|{NO_SUCH_FILE_TRANSLATED})|(?:^|\s)[a-z0-9_.-]+: '?(docker-compose|docker-buildx|docker)'?: (?:no such file or directory|{NO_SUCH_FILE_TRANSLATED})$|failed to run command .?(docker-compose|docker-buildx|docker).?: (?:no such file or directory|{NO_SUCH_FILE_TRANSLATED})", r"'?([a-z0-9-]+)'? is not a docker command|/(docker-credential-[a-z0-9-]+)(?:\.exe)?: |the term '(docker[a-z0-9-]*|podman(?:-compose)?|nerdctl)(?:\.exe)?' is not recognized|/(docker-compose|docker-buildx|docker|podman):? ?(?:line )?[0-9]+: ?|(?:file|executable|program) not found:? '?(docker(?:-compose|-buildx)?)(?-u:\b)|cli-plugins/(docker-[a-z0-9-]+)|command not found: (docker(?:-compose|-buildx)?|podman(?:-compose)?|nerdctl)(?-u:\b)|fork/exec (?:\S*/)?(docker(?:-compose|-buildx)?|podman|nerdctl)(?:\.exe)?: |command '(docker[a-z0-9-]*)' not found|(?:^|[^a-z0-9._-])(docker[- ]compose|docker[- ]buildx|docker)['\x22]?(?: (?:cli )?plugin| v2| component| command| cli| binary| executable)?\)? (?:is |was )?(?:required but )?not (?:installed|found)|unknown command:? .?docker (compose|buildx)|(?:^|[ /:'\x22(])(docker-compose|docker-buildx|docker-machine|docker-credential-[a-z0-9-]+|docker compose|docker|podman-compose|podman|nerdctl)(?:\.exe)?'?(?::| ) ?(?:command not found|not found|is not recognized|executable file not found|not installed)|(buildx) component is missing|(?:the )?(buildx|compose)(?: cli)?(?: plugin| component)? (?:is not|isn't|was not) (?:installed|found|available)|requires (?:the )?(buildx|compose) (?:cli )?(?:plugin|component) to be installed|exec: \x22?([a-z0-9-]+)\x22?: (?:executable file not found|cannot run executable found relative to current directory)|(?:the )?'(docker[a-z0-9-]*)' (?:command|executable|binary|provider) (?:was |is |could )?not (?:be )?found|(?:executable|program|binary|command) ['\x22](docker[a-z0-9-]*)['\x22][^.]{0,60}? not found in the path|/(docker-credential-[a-z0-9-]+):|[\\/](docker-credential-[a-z0-9-]+)(?:\.exe)?['\x22]|docker[\\/](credentials)[\\/]store\.py|error (?:storing|getting|retrieving|erasing|listing) (credentials)|cannot run program \x22(docker[a-z0-9-]*)(?:\.exe)?\x22|spawn (?:[^\n]{0,200}?[\\/])?(docker[a-z0-9-]*)(?:\.exe)? enoent|no such file or directory: b?'(docker[a-z0-9-]*|podman(?:-compose)?|nerdctl)'|no such file or directory - (docker[a-z0-9-]*)|(?:^|[ :])(docker) not found!|executable .?(docker[a-z0-9-]*).? not found|no container engine found; install (docker)|'?(docker[- ]compose|docker[- ]buildx)'?(?: (?:cli )?plugin| v2| component)? (?:is |was )?(?:not available|missing|required)(?-u:\b)|have the (compose|buildx) plugin installed|(?:locate|find) (?:the )?[`'\x22]?(docker(?:-compose|-buildx)?)[`'\x22]? (?:executable|binary)|requires [`'\x22]?(docker-compose|docker compose|docker-buildx)[`'\x22]? (?:to be installed|but (?:it'?s|it is) not installed)|which: no (docker(?:-compose|-buildx)?|podman(?:-compose)?) in \(|(docker[- ]compose|docker[- ]buildx)\W{0,2} (?:has|have) not been installed|(?:^|[\s'\x22(\[])(docker-credential-[a-z0-9-]+)(?:\.exe)?(?:[\s'\x22:)\]]|$)")).expect("command")
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
static SSH: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"ssh://|command \[ssh |dial-stdio|commandconn|ssh: rejected: |ssh: handshake failed|http://docker\.example\.com",
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
    Regex::new(r"(?:^|[$#>%❯➜] )(?:sudo )?(?:docker|podman|nerdctl)(?: container| compose|-compose)? (?:run|exec) |^(?:[a-z_][a-z0-9_-]*@)?[0-9a-f]{12}:\S*[#$] ").expect("container command")
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
    Regex::new(r"com\.github\.dockerjava\.|com\.spotify\.docker\.client\.|/docker/(?:api|transport)/[a-z_]+\.py|node_modules/(?:docker-modem|dockerode)/").expect("docker client")
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
/// next /16s up to 172.31, Podman's 10.88.0.0/16) or to Docker's embedded DNS (127.0.0.11).
static CONTAINER_RESOLVER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:read|write) udp (?:172\.(?:1[7-9]|2[0-9]|3[01])|10\.88)\.[0-9]+\.[0-9]+:[0-9]+->\S+:53: |lookup \S+ on 127\.0\.0\.11:53: ")
        .expect("container resolver")
});

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
    cause == Cause::DnsServerFailure || DNS_QUERY.is_match(line)
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
        Regex::new(r"(?:temporary failure resolving|could not resolve(?: host)?:?|could not find host|bad address) '?([a-z0-9-]+(?:\.[a-z0-9-]+)+)|lookup ([a-z0-9-]+(?:\.[a-z0-9-]+)+) on |(?:eai_again|enotfound|etimeout) ([a-z0-9-]+(?:\.[a-z0-9-]+)+)|name resolution of ([a-z0-9-]+(?:\.[a-z0-9-]+)+) failed").expect("asked host")
    });
    ASKED
        .captures(line)
        .and_then(|c| (1..c.len()).find_map(|i| c.get(i)))
        .map_or_else(BTreeMap::new, |h| value("host", h.as_str()))
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

/// (target kind, cause family) → failure modes. Confidences stay in the moderate band
/// (0.5 to 0.75): a signature that knows the exact wording outranks the structure.
/// A resolver handed a URL for a name (`getaddrinfo EAI_AGAIN http://127.0.0.1`): the
/// program parsed its own setting wrong (a proxy or endpoint value); no nameserver failed.
static URL_AS_NAME: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:eai_again|enotfound|lookup|resolve host:?) '?[a-z][a-z0-9+.-]*://")
        .expect("url as name")
});

fn rule(target: Option<&Target>, cause: Cause, docker: bool, around: Around, line: &str) -> Out {
    use Cause::*;
    let application = around.application;
    let none = BTreeMap::new;
    let one = |m, c, v| vec![(m, c, v)];
    if matches!(cause, DnsServerFailure | NoSuchHost) && URL_AS_NAME.is_match(line) {
        return Vec::new();
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
                    if line.contains("docker.sock:/") && !line.contains("dial unix") =>
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
                Refused | Unreachable | NoSuchHost | DnsServerFailure | TimedOut => {
                    one("proxy.unreachable", 0.65, v())
                }
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
        Some(Target::Registry(reg)) => {
            let v = || {
                let mut v = value("registry", reg);
                let host = super::matcher::tidy(reg);
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
                AddressInUse if line.contains("port is already allocated") => {
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
                v.insert("host".into(), super::matcher::tidy(host));
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
            let host = asked_host(line);
            vec![
                ("registry.dns-in-build", 0.5, host.clone()),
                ("proxy.build-unreachable", 0.4, host),
            ]
        }
        // A chain a command run in a container could not verify, far below the command
        // (`docker run -it python ...` then a traceback, a shell at the container's
        // prompt): the image's own trust store, which lacks the root (an old bundle, a
        // corporate CA the host trusts and the image does not). 21 of 21 read texts.
        None if !docker && cause == X509UnknownAuthority && around.container_command => vec![
            ("ca.untrusted-in-build", 0.5, called_host(line)),
            ("ca.untrusted", 0.4, none()),
        ],
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

/// A log line's payload, unwrapped: JSON and logfmt escapes undone (`\"`, `\n` as a line
/// break, `\t`, `\u001b`), ANSI colour sequences gone. A line without escapes is as it was.
pub(crate) fn unwrap_line(line: &str) -> Vec<String> {
    // Markdown bold around part of a pasted error (`**client version 1.40**`) is the
    // reporter's, not the error's.
    let line = strip_ansi(line);
    let line = if line.contains("**") {
        Cow::Owned(line.replace("**", ""))
    } else {
        line
    };
    // So is a markdown link a forum turned a word of it into (`API [version](url)`).
    static LINK: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"\[([^\[\]]*)\]\([^()\s]*(?:\([^()\s]*\))?[^()\s]*\)").expect("link")
    });
    let line = if line.contains("](") {
        Cow::Owned(LINK.replace_all(&line, "$1").into_owned())
    } else {
        line
    };
    // A whole message percent-encoded (a query parameter, a URL-safe log field): its
    // words only once decoded. A URL inside a plain sentence keeps its escapes.
    let line = if !line.contains(' ') && line.matches("%20").count() >= 2 {
        Cow::Owned(
            percent_encoding::percent_decode_str(&line)
                .decode_utf8_lossy()
                .into_owned(),
        )
    } else {
        line
    };
    let escaped = line.contains("\\\"") || line.contains("\\n") || line.contains("\\u00");
    let looks_logged = line.trim_start().starts_with('{')
        || line.contains("msg=")
        || line.contains("error=")
        || line.contains("err=")
        || line.contains("\\\"");
    if !(escaped && looks_logged) {
        return vec![line.into_owned()];
    }
    let mut out = String::with_capacity(line.len());
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') | Some('r') => out.push(' '),
            Some('"') => out.push('"'),
            Some('\\') => out.push('\\'),
            Some('u') => {
                let hex: String = chars.by_ref().take(4).collect();
                match u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32) {
                    Some(ch) if !ch.is_control() => out.push(ch),
                    Some(_) => out.push(' '),
                    None => {
                        out.push_str("\\u");
                        out.push_str(&hex);
                    }
                }
            }
            Some(other) => {
                out.push('\\');
                out.push(other);
            }
            None => out.push('\\'),
        }
    }
    strip_ansi(&out)
        .split('\n')
        .filter(|l| !l.trim().is_empty())
        .map(str::to_string)
        .collect()
}

/// `\x1b[...m` and other CSI sequences removed (a coloured terminal or CI log).
fn strip_ansi(line: &str) -> Cow<'_, str> {
    if !line.contains('\x1b') {
        return Cow::Borrowed(line);
    }
    let mut out = String::with_capacity(line.len());
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\x1b' {
            out.push(c);
            continue;
        }
        if chars.peek() == Some(&'[') {
            chars.next();
            // Parameters and intermediates, then one final byte in @..~.
            for n in chars.by_ref() {
                if ('@'..='~').contains(&n) {
                    break;
                }
            }
        } else {
            chars.next();
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
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
        let bare =
            "#7 3.1 error: certificate verify failed: unable to get local issuer certificate";
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
        assert!(!modes("COPY failed: stat /var/lib/docker/tmp/docker-builder1/src: no such file or directory").contains(&"storage.driver-failed"));
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
        let proxied = "get https://registry-1.docker.io/v2/: proxyconnect tcp: read: connection reset by peer";
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
            !modes("error: failed to push some refs to 'git@example.com:a/b.git': connection reset by peer")
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
        assert!(
            modes("failed to clone: ssh: handshake failed: knownhosts: key mismatch").is_empty()
        );
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
        assert!(
            !modes("-bash: /run/docker.sock: Permission denied").contains(&"socket.not-in-group")
        );
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
            modes("error running [curl -fsSL https://example.org/x], err: exit status 600")
                .is_empty()
        );
    }

    /// The image the paste's commands act on, when they name one image, and never a run's
    /// argument (its flags cannot be told from its image).
    #[test]
    fn the_image_acted_on_is_the_one_the_commands_name() {
        let one =
            |text: &str| acted_image(&text.lines().map(|l| l.to_lowercase()).collect::<Vec<_>>());
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
            modes("Error response from daemon: exec: \"docker-init\": executable file not found in $PATH")
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
            modes(
                "hcsshim::ProcessBaseLayer  \\\\?\\D:\\docker\\windowsfilter\\0a1b2c: access denied"
            )[0],
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
}
