//! Cause families: the innermost cause of an error chain, in the spellings of every OS,
//! runtime and language it is met in.

use super::*;

/// Docker (or Podman) that a tool could not find or reach, in its own verbs: a "not
/// running" cause, and one whose subject is Docker, so both [`CAUSES`] and [`DOCKER_DOWN`]
/// read it.
pub(super) const DOCKER_NOT_FOUND: &str = r"(?:could not|couldn't|unable to|failed to|cannot|can't) (?:find|reach|contact|detect|locate) (?:a |the |any )?(?:running |valid |working )?(?:docker|podman)(?: daemon| engine| desktop| api| environment| host| socket| service)?(?:[.,;:!?)]|$| (?:on|at|in|from|or|and|is|was|please|process|instance|running|installed)(?-u:\b))|no (?:running )?(?:docker|podman)(?: daemon| engine| environment)? (?:found|detected|available|running)|(?:docker|podman) socket (?:\S+ )?(?:not found|does not exist|is missing)";

/// A shell's or Windows' "command not found" in the languages its messages are translated
/// to (bash's and cmd.exe's own catalogues), lower-cased as the lines are.
pub(super) const COMMAND_NOT_FOUND_TRANSLATED: &str = r"befehl nicht gefunden|commande introuvable|orden no encontrada|no se encontró la orden|comando não encontrado|comando non trovato|команда не найдена|未找到命令|找不到命令|找不到指令|コマンドが見つかりません|명령을 찾을 수 없습니다|명령이 없습니다|명령어를 찾을 수 없습니다|komut bulunamadı|nie znaleziono polecenia|opdracht niet gevonden|不是内部或外部命令|内部コマンドまたは外部コマンド|не является внутренней или внешней|n'est pas reconnu en tant que commande|no se reconoce como un comando|não é reconhecido como um comando|ist entweder falsch geschrieben";
/// ENOENT's text as glibc's translations print it (a shell that cannot run a program file).
pub(super) const NO_SUCH_FILE_TRANSLATED: &str = r"no existe el archivo o el directorio|aucun fichier ou dossier de ce type|datei oder verzeichnis nicht gefunden|arquivo ou diretório inexistente|arquivo ou diretório não encontrado|file o directory non esistente|нет такого файла или каталога|没有那个文件或目录|そのようなファイルやディレクトリはありません|그런 파일이나 디렉터리가 없습니다|böyle bir dosya ya da dizin yok|nie ma takiego pliku ani katalogu|bestand of map bestaat niet";

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
        r"command not found|(?-u:\b)(?:binary|executable) (?:was )?not found(?-u:\b)|command '[^']+' not found|cannot run program \x22[^\x22]+\x22: (?:createprocess )?error=2(?-u:\b)|spawn (?:[^\n]{0,200}?[\\/])?docker[a-z0-9-]*(?:\.exe)? enoent|\[errno 2\] no such file or directory: b?'docker|/docker[a-z-]* [0-9]+: \S+: [^ :]+: not found|/docker[a-z-]*:[0-9]+: ?[^ :]+: not found|(?:file|executable|program) not found:? '?docker|exec format error|docker[- ](?:compose|buildx)['\x22]?(?: (?:cli )?plugin| v2| component)?\)? (?:is |was )?(?:required but )?not (?:installed|found)|(?:^|[^a-z0-9._-])docker\)? (?:is |was )?(?:required but )?not installed|: line 1: syntax error near unexpected token|unknown flag: --[a-z]|(?-u:\b)(?:sh|bash|dash|zsh|ash)(?:: line [0-9]+)?: (?:[0-9]+: )?[^ :]+: not found|(?:^|\s)\S+: line [0-9]+: [^ :]+: not found|is not (?:recognized as|a) (?:an? )?internal or external command|is not recognized as (?:the|a) name of a cmdlet|executable file not found in (?:\$path|%path%)|not found in (?:\$path|%path%|the path(?-u:\b))|cannot run executable found relative to current directory|'(?:docker[a-z0-9-]*)' (?:command|executable|binary|provider) (?:was |is |could )?not (?:be )?found|unrecognized command|executable .?docker[a-z0-9-]*.? not found|no container engine found|no such file or directory - docker|(?-u:\b)docker(?:-compose|-buildx)?(?:\.exe)? (?:was |is )?not found!|is not a docker command|unknown command:? .?docker|component is missing or broken|unknown shorthand flag: '[a-z]' in -[a-z]|'?docker[- ](?:compose|buildx)'?(?: (?:cli )?plugin| v2| component)? (?:is |was )?(?:not available|missing|required)(?-u:\b)|(?:does not|doesn't) have the (?:compose|buildx) plugin installed|(?:unable to|could not|couldn't|cannot|can't) (?:locate|find) (?:the )?[`'\x22]?docker(?:-compose|-buildx)?[`'\x22]? (?:executable|binary|standalone)|requires [`'\x22]?(?:docker-compose|docker compose|docker-buildx)[`'\x22]? (?:to be installed|but (?:it'?s|it is) not installed)|which: no (?:docker(?:-compose|-buildx)?|podman(?:-compose)?) in \(|^(?:docker|docker-compose|docker-buildx) not found$|(?:^|[^a-z0-9._-])docker (?:command|cli|binary|executable) (?:is |was )?not found|docker[- ](?:compose|buildx)\W{0,2} (?:has|have) not been installed",
    );
    let not_found = String::from(
        r"no such file or directory|(?-u:\b)enoent(?-u:\b)|\.sock must exist(?-u:\b)|nosuchfileexception|socketnotfound(?:error|exception)|the system cannot find the (?:file|path) specified|the network name cannot be found|le fichier spécifié est introuvable|das system kann die angegebene datei nicht finden|el sistema no puede encontrar el archivo|系统找不到指定的文件|指定されたファイルが見つかりません|не удается найти указанный файл|cannot find the file specified|cgroup mount destination|socket (?:file )?(?:was |could )?not (?:be )?found|socket (?:file )?(?:/\S+ )?does not exist|unit [a-z0-9@_.-]+ not found|unit [a-z0-9@_.-]+ could not be found|(?-u:\b)missing(?-u:\b)|(?-u:\b)find (?:the )?(?:[a-z]+ )?cgroups?(?-u:\b)|mountpoint for [a-z_,]+ not found",
    ) + "|"
        + NO_SUCH_FILE_TRANSLATED;
    let table: &[(&str, CauseKind)] = &[
        (
            r"x509 ?:? certificate signed by unknown authority|peer.s certificate issuer (?:is not recognized|has been marked as not trusted)|peer.s certificate has an invalid signature|certificate signature failure|the ssl certificate is invalid; class=ssl|curl: \(77\)|curl error 77(?-u:\b)|error setting certificate verify locations|problem with the ssl ca cert|cannot verify [^ ]+.s certificate, issued by|x509: certificate is not trusted|unable to get local issuer certificate|self[- ]signed certificate in certificate chain|certificate_verify_failed|unknownissuer|unknown certificate authority|unable to verify the first certificate|server certificate verification failed|ssl certificate problem: (?:unable|self)|pkix path building failed|unable to find valid certification path|issued by an authority that is not trusted|sec_e_untrusted_root|self_signed_cert_in_chain|unable_to_get_issuer_cert_locally|unable_to_verify_leaf_signature|problem confirming the ssl certificate|unable to locally verify the issuer's authority|self-signed certificate encountered|certificate of [^ ]+ (?:is not trusted|doesn't have a known issuer|hasn't got a known issuer)|certificate is not trusted|certificate issuer is unknown|ssl routines:[a-z_]*:certificate verify failed|remote certificate is invalid|untrustedroot|curl: \(60\)|curl error 60(?-u:\b)|curl[^|]*(?:returned a non-zero code|exit (?:status|code)):? \\?\x22?60(?-u:\b)|wget[^|]*(?:returned a non-zero code|exit (?:status|code)):? \\?\x22?5(?-u:\b)|(?:^|[^a-z])certificate not trusted|could not verify the ssl certificate|certificatefailureerror|certificate has unknown ca|(?-u:\b)unknownca(?-u:\b)|client alert: fatal - unknown ca|failed to validate the ssl certificate|(?:error|err|reason)[:=] ?self[- ]signed certificate|depth_zero_self_signed_cert|net::err_cert_authority_invalid|sec_error_unknown_issuer|peer certificate cannot be authenticated with given ca certificates|failed to load system roots|unable to check revocation for the certificate|crypt_e_no_revocation_check|crypt_e_revocation_offline|revocation server was offline",
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
            r"first record does not look like a tls handshake|tls: oversized record received|wrong version number|packet length too long",
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
            r"no space left on (?:device|disk)|more space needed on the \S+ filesystem|free (?:data|metadata) blocks which is less than minimum required|(?-u:\b)enospc(?-u:\b)|not enough space on the disk|disk quota exceeded|(?:nearly |running )?out of (?:free )?disk space|the disk hosting \S+ is full|(?:insufficient|not enough|low) (?:free )?(?:disk )?space|(?:n't|not) have enough (?:free )?(?:disk )?space|disk (?:image )?(?:is )?full(?-u:\b)|(?:high|flood[- ]stage) disk watermark|low on resource: (?:ephemeral-storage|inodes|imagefs|nodefs)|hint: +check free disk space",
            Fixed(Cause::NoSpace),
        ),
        (
            r"address already in use|adress already in use|(?-u:\b)address in use(?-u:\b)|port(?: to)? '?[0-9]{1,5}'? is (?:already )?(?:in use|being used|taken|not available)|(?-u:\b)port (?:is )?already in use|(?-u:\b)eaddrinuse(?-u:\b)|port (?:is|has) already (?:been )?allocated|only one usage of each socket address|ports are not available|(?-u:\b)ports (?:are )?already in use|(?:could not|couldn't|unable to|cannot|can't) (?:detect|find) an? (?:open|free|available|unused) port|no (?:open|free|available|unused) port (?:could be |was )?found",
            Fixed(Cause::AddressInUse),
        ),
        (
            r"an attempt was made to access a socket in a way forbidden by its access permissions|(?-u:\b)wsaeacces(?-u:\b)|socketexception \(10013\)",
            Fixed(Cause::PortForbidden),
        ),
        (
            r"there appears to be trouble with your network connection|could not fetch specs from|gem::remotefetcher::fetcherror|(?-u:\b)nu1301(?-u:\b)|unable to load the service index for source|npm err! network timeout at|npm err! network request to [^ ]+ failed|: network error \(check internet connection and firewall\)",
            Fixed(Cause::PackageFetch),
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
            r"no such host|name or service not known|remote name could not be resolved|(?-u:\b)unknown ?host(?:exception)?(?-u:\b)|nodename nor servname provided|(?-u:\b)enotfound(?-u:\b)|could not resolve host|could not resolve '[a-z0-9.-]+'|curl: \(6\)|curl[^|]*(?:returned a non-zero code|exit (?:status|code)):? \\?\x22?6(?-u:\b)|getaddrinfo failed|no address associated with hostname|could not resolve hostname|(?:could not|couldn't|unable to|failed to|cannot) resolve (?:the )?(?:host(?:name)? )?['\x22]?[a-z0-9-]+(?:\.[a-z0-9-]+)+(?:['\x22\s:,;)]|$)|dns (?:lookup|resolution) (?:failed|error)|name resolution (?:failed|error)|ping request could not find host|name resolution of [a-z0-9-]+(?:\.[a-z0-9-]+)+ failed",
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
            r"(?-u:\b)query(?:a|aaaa|srv|mx|txt|cname|ns|any)? etimeout(?-u:\b)|no servers could be reached|server misbehaving|lame referral|(?-u:\b)servfail(?-u:\b)|lookup [^ ]+ on [^ ]+:53: (?:read|write) udp(?: |$)|temporary failure resolving|temporary failure in name resolution|(?-u:\b)eai_again(?-u:\b)|\[errno -3\] try again|getaddrinfo: try again|lookup [^ ]+: try again|bad address '[a-z0-9_.-]+(?:'|$)|temporary error \(try again later\)|a non-recoverable error occurred during a database lookup|this is usually a temporary error during hostname resolution",
            Fixed(Cause::DnsServerFailure),
        ),
        (
            r"i/o timeout|timed out|did not properly respond after a period of time|connected host has failed to respond|curl: \(28\)|curl error 28(?-u:\b)|curl[^|]*(?:returned a non-zero code|exit (?:status|code)):? \\?\x22?28(?-u:\b)|(?-u:\b)etimedout(?-u:\b)|deadline exceeded|timeout exceeded|request canceled while waiting for connection|tls handshake timeout|tlshandshaketimeout",
            Fixed(Cause::TimedOut),
        ),
        (
            r"connection reset by peer|(?-u:\b)econnreset(?-u:\b)|transport connection broken: malformed http status code|forcibly closed by the remote host|unexpected eof|: eof(?:$|[^a-z])|remote error: tls: handshake failure",
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
            r"doesn't work on|does not work on|not supported|unsupported|(?-u:\b)not [a-z0-9]+[- ]capable(?-u:\b)|unknown (?:mount )?option|does not exist|is not available|does(?: not|n't) support|requires a newer|requires wsl ?2|no longer supported",
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
            r"(?:could not|couldn't|cannot|can't|unable to|failed to) (?:connect|reach|ping|talk)(?-u:\b)|error (?:connecting|pinging)(?-u:\b)|connection to [^ ]+(?: [^ ]+){0,4} failed|connection to (?:the )?(?:docker|podman)(?: daemon| engine)? at '[^']{0,200}' failed|error (?:initializing|initialising|creating) (?:the )?(?:docker|podman) client|(?-u:\b)connect(?:ion)? failed(?-u:\b)|client error \(connect\)",
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
pub(super) fn causes(line: &str) -> Vec<(usize, Cause)> {
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
