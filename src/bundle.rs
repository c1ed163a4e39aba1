//! `docker-doctor bundle`: one file for a support ticket. The JSON and Markdown reports,
//! the daemon's and the client's configuration, `docker version` and `docker info`, the
//! end of the daemon's log from wherever this host keeps it, and the network facts behind
//! the findings (resolv.conf, proxy variables, certificate chains seen), with a manifest
//! saying why each file is there. Everything goes through the masking layer (and
//! `--redact`); credential values of config.json are removed before that, a file that
//! holds a private key is left out, and nothing from a credential store is ever asked.

use crate::redact::{Known, Redactor};
use crate::report::Report;
use probes::Context;
use probes::facts::json_file::docker_config_dir;
use probes::host::Host;
use serde::Serialize;
use serde_json::Value;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// At most this much of any one file goes in: a bundle stays a few MB.
const FILE_CAP: usize = 512 * 1024;
/// The end of the daemon's log.
const LOG_LINES: usize = 300;

/// A file of the bundle: its path in the archive, why it is there, and its text.
pub type BundleFile = (String, String, String);
/// Something looked at and left out, and why.
pub type LeftOut = (String, String);

/// What the bundle needs from the run besides the report: gathered from the context once
/// the probes are done (every fact is memoised by then).
#[derive(Debug, Default)]
pub struct Facts {
    /// `(path in the bundle, why, text)`, before masking.
    pub files: Vec<BundleFile>,
    /// Files looked at but left out, and why.
    pub excluded: Vec<LeftOut>,
    pub known: Known,
}

fn add(facts: &mut Facts, to: &str, why: &str, text: String) {
    facts.files.push((to.to_string(), why.to_string(), text));
}

/// The most contexts whose metadata goes in: a user's folder may hold thousands.
const CONTEXTS_CAP: usize = 64;

/// "(PATH)", or "(PATH, a link to TARGET)": the manifest says when a file was a link.
fn origin(host: &dyn Host, from: &Path) -> String {
    match host.read_link(from) {
        Some(to) => format!("({}, a link to {})", from.display(), to.display()),
        None => format!("({})", from.display()),
    }
}

/// Reads one file into the bundle, if it is there (bounded and confined, as every read:
/// a link out of its place is refused and named under "left out").
fn file(facts: &mut Facts, host: &dyn Host, from: &Path, to: &str, why: &str) {
    match host.read_file(from) {
        Ok(bytes) => {
            let text = String::from_utf8_lossy(&bytes[..bytes.len().min(FILE_CAP)]).into_owned();
            add(facts, to, &format!("{why} {}", origin(host, from)), text);
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => facts
            .excluded
            .push((from.display().to_string(), format!("not readable: {e}"))),
    }
}

const REMOVED: &str = "<removed>";

/// config.json without credential values, by shape rather than by the one shape expected:
/// the keys of `auths` stay (which registries have a login) and every value under them
/// goes (an object's `auth`, `password`, tokens, or a bare string), but `email` and
/// `serveraddress`; every `HttpHeaders` value goes; anywhere in the document, a key named
/// like a credential (`Authorization`, `Proxy-Authorization`, `password`, `*token*`,
/// `secret`, `auth`, `cookie`, API keys) loses its value.
pub fn without_credentials(text: &str) -> Option<String> {
    let mut v: Value = serde_json::from_str(text).ok()?;
    remove_credentials(&mut v);
    if let Some(obj) = v.as_object_mut() {
        for (k, val) in obj.iter_mut() {
            match k.to_ascii_lowercase().as_str() {
                "auths" => match val.as_object_mut() {
                    Some(auths) => {
                        for entry in auths.values_mut() {
                            match entry.as_object_mut() {
                                Some(e) => {
                                    for (k, v) in e.iter_mut() {
                                        if !matches!(
                                            k.to_ascii_lowercase().as_str(),
                                            "email" | "serveraddress"
                                        ) {
                                            *v = Value::String(REMOVED.into());
                                        }
                                    }
                                }
                                None => *entry = Value::String(REMOVED.into()),
                            }
                        }
                    }
                    None => *val = Value::String(REMOVED.into()),
                },
                "httpheaders" => match val.as_object_mut() {
                    Some(h) => h
                        .values_mut()
                        .for_each(|v| *v = Value::String(REMOVED.into())),
                    None => *val = Value::String(REMOVED.into()),
                },
                _ => {}
            }
        }
    }
    serde_json::to_string_pretty(&v).ok()
}

/// A key whose value is a credential, in any spelling.
fn is_credential_key(key: &str) -> bool {
    let k: String = key
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect::<String>()
        .to_ascii_lowercase();
    matches!(
        k.as_str(),
        "auth" | "authorization" | "proxyauthorization" | "cookie" | "password" | "passwd"
    ) || k.contains("token")
        || k.contains("secret")
        || k.contains("apikey")
        || k.contains("accesskey")
        || k.contains("password")
        || k.contains("registryauth")
}

/// Every value under a credential-named key, at any depth (iterative: a deep document
/// cannot overflow the stack; serde_json already refuses past 128 levels).
fn remove_credentials(v: &mut Value) {
    let mut stack = vec![v];
    while let Some(v) = stack.pop() {
        match v {
            Value::Object(o) => {
                for (k, val) in o.iter_mut() {
                    if is_credential_key(k) && !val.is_object() && !val.is_array() {
                        *val = Value::String(REMOVED.into());
                    } else {
                        stack.push(val);
                    }
                }
            }
            Value::Array(a) => stack.extend(a.iter_mut()),
            Value::String(s) => {
                if let Some(clean) = without_userinfo_password(s) {
                    *s = clean;
                }
            }
            _ => {}
        }
    }
}

/// A URL value (a proxy) with its password removed, however it is written: a raw `/`, `?`
/// or `#` in a password still comes before the last `@` that the host follows.
fn without_userinfo_password(s: &str) -> Option<String> {
    let (scheme, rest) = s.split_once("://")?;
    let at = rest.rfind('@')?;
    let (user, _) = rest[..at].split_once(':')?;
    Some(format!("{scheme}://{user}:{REMOVED}{}", &rest[at..]))
}

/// Text no bundle holds, whatever file it came from: a private key, or lines shaped like
/// a password database (`name:$6$...:19000:...`, `name:!:...`).
fn forbidden_content(text: &str) -> Option<&'static str> {
    if text.contains("PRIVATE KEY-----") {
        return Some("it holds a private key: never bundled");
    }
    let shadow_like = text.lines().any(|l| {
        let fields: Vec<&str> = l.split(':').collect();
        fields.len() >= 8
            && !fields[0].is_empty()
            && (fields[1].starts_with('$') || fields[1] == "*" || fields[1].starts_with('!'))
            && fields[2].chars().all(|c| c.is_ascii_digit())
    });
    shadow_like.then_some("it is shaped like a password database (shadow): never bundled")
}

/// Gathers what the bundle holds, from this run's context.
pub async fn gather(ctx: &Context) -> Facts {
    let host = ctx.host();
    let mut facts = Facts {
        known: Known::of(ctx),
        ..Facts::default()
    };

    if let Some(d) = ctx.daemon().await {
        if let Ok(v) = &d.version {
            add(
                &mut facts,
                "docker/version.json",
                &format!(
                    "the daemon's answer to `docker version`, at {}",
                    d.endpoint.url
                ),
                serde_json::to_string_pretty(v).unwrap_or_default(),
            );
        }
        if let Some(Ok(i)) = &d.info {
            add(
                &mut facts,
                "docker/info.json",
                "the daemon's answer to `docker info`",
                serde_json::to_string_pretty(i).unwrap_or_default(),
            );
        }
    }

    let daemon_json = ctx.daemon_config().path.clone();
    file(
        &mut facts,
        host,
        &daemon_json,
        "config/daemon.json",
        "the daemon's configuration file",
    );
    for options in [
        "/etc/default/docker",
        "/etc/conf.d/docker",
        "/etc/sysconfig/docker",
    ] {
        let to = format!(
            "config/{}",
            options.trim_start_matches("/etc/").replace('/', "-")
        );
        file(
            &mut facts,
            host,
            Path::new(options),
            &to,
            "the daemon's options, read by its init script or unit",
        );
    }
    for unit in ["docker.service", "docker.socket"] {
        for path in probes::facts::systemd::unit_files(host, unit) {
            let dir = path
                .parent()
                .and_then(|p| p.file_name())
                .map(|d| d.to_string_lossy().into_owned())
                .unwrap_or_default();
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let to = if dir.ends_with(".d") {
                format!("config/systemd/{dir}/{name}")
            } else {
                format!("config/systemd/{name}")
            };
            file(
                &mut facts,
                host,
                &path,
                &to,
                "how systemd starts the daemon (unit and drop-ins)",
            );
        }
    }

    if let Some(dir) = docker_config_dir(host) {
        let config = dir.join("config.json");
        match host.read_file(&config) {
            Ok(bytes) => {
                let text = String::from_utf8_lossy(&bytes).into_owned();
                match without_credentials(&text) {
                Some(clean) => add(
                    &mut facts,
                    "config/client-config.json",
                    &format!(
                        "the docker CLI's configuration, credential values removed {}",
                        origin(host, &config)
                    ),
                    clean,
                ),
                None => facts.excluded.push((
                    config.display().to_string(),
                    "not valid JSON: left out, since its credential values could not be removed"
                        .into(),
                )),
            }
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => facts
                .excluded
                .push((config.display().to_string(), format!("not readable: {e}"))),
        }
    }

    // The daemon's log, from wherever this host keeps it.
    let profile = ctx.profile().await;
    let mut log = None;
    if let Some(path) = profile.log_path() {
        match host.read_tail(Path::new(&path), FILE_CAP as u64) {
            Ok(bytes) => {
                let from = origin(host, Path::new(&path));
                log = Some((
                    last_lines(&String::from_utf8_lossy(&bytes), LOG_LINES),
                    from[1..from.len() - 1].to_string(),
                ));
            }
            Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied => facts
                .excluded
                .push((path.clone(), format!("not readable: {e}"))),
            Err(_) => {}
        }
    } else if ctx.platform().systemd
        && let Some(journalctl) = host.which("journalctl")
    {
        let unit = if profile.service_manager == probes::facts::profile::ServiceManager::SystemdUser
        {
            vec!["--user", "-u", "docker.service"]
        } else {
            vec!["-u", "docker.service"]
        };
        let lines = LOG_LINES.to_string();
        let mut args = unit.clone();
        args.extend(["-n", &lines, "--no-pager", "-o", "short-iso"]);
        if let Ok(out) = host.run(&journalctl, &args, Duration::from_secs(5)).await
            && out.status == Some(0)
        {
            log = Some((out.stdout, format!("journalctl {}", args.join(" "))));
        }
    }
    match log {
        Some((text, from)) => add(
            &mut facts,
            "logs/daemon.log",
            &format!("the last {LOG_LINES} lines of the daemon's log ({from})"),
            text,
        ),
        None => facts.excluded.push((
            profile
                .daemon_log
                .clone()
                .unwrap_or_else(|| "the daemon's log".into()),
            "not readable by this user, or not kept where this host's service manager keeps it"
                .into(),
        )),
    }

    // Network facts.
    file(
        &mut facts,
        host,
        Path::new("/etc/resolv.conf"),
        "network/resolv.conf",
        "the nameservers the daemon and the CLI use",
    );
    file(
        &mut facts,
        host,
        Path::new("/etc/os-release"),
        "system/os-release",
        "the distribution and release",
    );
    let shell = &ctx.shell_proxy().set;
    let daemon = &ctx.daemon_proxy().await.set;
    let mut proxies = String::new();
    for (who, set) in [("shell", shell), ("daemon", daemon)] {
        for var in probes::facts::proxy::Var::ALL {
            let v = set.get(var).unwrap_or_else(|| "(unset)".into());
            proxies.push_str(&format!("{who} {}={v}\n", var.upper()));
        }
    }
    add(
        &mut facts,
        "network/proxies.txt",
        "the proxy of this shell and of the daemon (passwords masked)",
        proxies,
    );
    for t in ctx.recorded_traces().unwrap_or_default() {
        if let Some(tls) = &t.trace.tls
            && !tls.chain.is_empty()
        {
            add(
                &mut facts,
                &format!("network/chains/{}_{}.pem", t.registry.host, t.registry.port),
                &format!("the certificate chain {} presented", t.registry.label()),
                tls.chain.concat(),
            );
        }
    }
    // Contexts last: a user's folder may hold many, and the run's read budget goes to
    // the system's files first.
    if let Some(dir) = docker_config_dir(host) {
        let meta = dir.join("contexts/meta");
        let contexts = host.list_dir(&meta).unwrap_or_default();
        if contexts.len() > CONTEXTS_CAP {
            facts.excluded.push((
                meta.display().to_string(),
                format!(
                    "{} contexts: the first {CONTEXTS_CAP} are bundled, and {} more are not",
                    contexts.len(),
                    contexts.len() - CONTEXTS_CAP
                ),
            ));
        }
        for hash in contexts.into_iter().take(CONTEXTS_CAP) {
            let short: String = hash.chars().take(12).collect();
            file(
                &mut facts,
                host,
                &meta.join(&hash).join("meta.json"),
                &format!("config/contexts/{short}.json"),
                "a CLI context's endpoint",
            );
        }
    }
    facts
}

fn last_lines(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let start = lines.len().saturating_sub(n);
    lines[start..].join("\n") + "\n"
}

#[derive(Serialize)]
struct ManifestEntry<'a> {
    path: &'a str,
    why: &'a str,
    bytes: usize,
}

#[derive(Serialize)]
struct Manifest<'a> {
    tool: &'a str,
    created: String,
    redacted: bool,
    files: Vec<ManifestEntry<'a>>,
    left_out: Vec<serde_json::Value>,
}

/// The bundle's files, each masked (and redacted), private keys left out.
pub fn files(report: &Report, facts: Facts, redact: bool) -> (Vec<BundleFile>, Vec<LeftOut>) {
    let mut redactor = redact.then(|| Redactor::new(&facts.known));
    let mut out: Vec<BundleFile> = vec![
        (
            "report.json".into(),
            "the report, as `--format json` prints it".into(),
            crate::mask::json_text(&crate::render::json::render(report)),
        ),
        (
            "report.md".into(),
            "the report, ready to paste into a ticket".into(),
            crate::mask::text(&crate::render::markdown::render(report)),
        ),
    ];
    let mut excluded = facts.excluded;
    for (to, why, text) in facts.files {
        if let Some(reason) = forbidden_content(&text) {
            excluded.push((to, reason.into()));
            continue;
        }
        let mut masked = crate::mask::text(&text);
        if let Some(r) = redactor.as_mut() {
            masked = r.text(&masked);
        }
        out.push((to, why, masked));
    }
    (out, excluded)
}

/// Writes the bundle as a .tar.gz: the files, then manifest.json. Returns its size.
pub fn write(
    path: &Path,
    files: &[BundleFile],
    excluded: &[LeftOut],
    redact: bool,
) -> Result<u64, probes::safe_write::WriteError> {
    let manifest = Manifest {
        tool: concat!("docker-doctor ", env!("CARGO_PKG_VERSION")),
        created: humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string(),
        redacted: redact,
        files: files
            .iter()
            .map(|(p, w, t)| ManifestEntry {
                path: p,
                why: w,
                bytes: t.len(),
            })
            .collect(),
        left_out: excluded
            .iter()
            .map(|(what, why)| serde_json::json!({"what": crate::mask::text(what), "why": why}))
            .collect(),
    };
    let manifest =
        crate::mask::json_text(&serde_json::to_string_pretty(&manifest).unwrap_or_default());
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    // Through the one safe writer: a link, FIFO or folder at `path` is refused, never
    // followed; the archive is 0600.
    probes::safe_write::write_with(path, probes::safe_write::Keep::Private, |out| {
        let gz = flate2::write::GzEncoder::new(out, flate2::Compression::default());
        let mut tar = tar::Builder::new(gz);
        let top = "docker-doctor-bundle";
        for (name, data) in files
            .iter()
            .map(|(p, _, t)| (p.as_str(), t.as_bytes()))
            .chain(std::iter::once(("manifest.json", manifest.as_bytes())))
        {
            let mut header = tar::Header::new_gnu();
            header.set_size(data.len() as u64);
            header.set_mode(0o600);
            header.set_mtime(now);
            header.set_cksum();
            tar.append_data(&mut header, format!("{top}/{name}"), data)?;
        }
        let gz = tar.into_inner()?;
        gz.finish()?.flush()
    })
}

/// Where the bundle goes by default: the current folder, named by the time (never by the
/// host name, which `--redact` would have to hide).
pub fn default_path() -> PathBuf {
    let t = humantime::format_rfc3339_seconds(std::time::SystemTime::now())
        .to_string()
        .replace(':', "");
    PathBuf::from(format!("docker-doctor-bundle-{t}.tar.gz"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credential_values_are_removed_and_the_registries_kept() {
        let clean = without_credentials(
            r#"{"auths":{"https://index.docker.io/v1/":{"auth":"YWxpY2U6cHc=","email":"a@b"},"ghcr.io":{"identitytoken":"t"},"r:5000":{}},"credsStore":"desktop"}"#,
        )
        .unwrap();
        assert!(
            !clean.contains("YWxpY2U6cHc=") && !clean.contains("\"t\""),
            "{clean}"
        );
        assert!(clean.contains("ghcr.io") && clean.contains("r:5000") && clean.contains("desktop"));
        assert!(without_credentials("{not json").is_none());
    }

    #[test]
    fn forbidden_content_is_named() {
        assert!(forbidden_content("root:$y$j9T$abc:19700:0:99999:7:::\n").is_some());
        assert!(forbidden_content("-----BEGIN RSA PRIVATE KEY-----").is_some());
        assert!(forbidden_content("root:x:0:0:root:/root:/bin/bash\n").is_none());
    }
}

/// config.json in the shapes people and tools write it, with a canary in every place a
/// credential goes: none survives the bundle's removal and the masking layer.
#[cfg(test)]
mod properties {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    const CANARY: &str = "Cnry7Zq";

    fn secret() -> impl Strategy<Value = String> {
        "[A-Za-z0-9+/=._~-]{0,12}".prop_map(|s| format!("{s}{CANARY}"))
    }

    /// An `auths` entry: a bare string, or an object with any of the credential keys.
    fn auth_entry() -> impl Strategy<Value = Value> {
        prop_oneof![
            secret().prop_map(Value::String),
            (
                proptest::sample::subsequence(
                    vec![
                        "auth",
                        "password",
                        "identitytoken",
                        "registrytoken",
                        "Token",
                        "x"
                    ],
                    1..4
                ),
                secret()
            )
                .prop_map(|(keys, s)| {
                    let mut o = serde_json::Map::new();
                    for k in keys {
                        o.insert(k.into(), Value::String(s.clone()));
                    }
                    o.insert("email".into(), json!("a@b.example"));
                    Value::Object(o)
                }),
        ]
    }

    fn header() -> impl Strategy<Value = (String, String)> {
        (
            prop_oneof![
                Just("Authorization"),
                Just("authorization"),
                Just("Proxy-Authorization"),
                Just("X-Meta-Source"),
                Just("Cookie"),
            ],
            prop_oneof![Just("Basic "), Just("Bearer "), Just("")],
            secret(),
        )
            .prop_map(|(name, scheme, s)| (name.to_string(), format!("{scheme}{s}")))
    }

    proptest! {
        #[test]
        fn no_canary_survives(
            auths in proptest::collection::vec(("[a-z]{1,8}\\.example", auth_entry()), 0..4),
            headers in proptest::collection::vec(header(), 0..4),
            proxy in secret(),
            nested in secret(),
            key in prop_oneof![Just("password"), Just("apiKey"), Just("access_token"), Just("clientSecret")],
        ) {
            let doc = json!({
                "auths": auths.into_iter().collect::<serde_json::Map<_, _>>(),
                "HttpHeaders": headers.into_iter().map(|(k, v)| (k, Value::String(v))).collect::<serde_json::Map<_, _>>(),
                "proxies": {"default": {"httpsProxy": format!("http://bob:{proxy}@proxy.example:3128")}},
                "plugins": {"x": {key: nested}},
                "credsStore": "desktop",
            });
            let text = serde_json::to_string_pretty(&doc).unwrap();
            let clean = without_credentials(&text).unwrap();
            let out = crate::mask::text(&clean);
            prop_assert!(!out.contains(CANARY), "{text}\n->\n{out}");
        }
    }
}
