//! Proxy settings, from every place Docker takes them: this process's environment, the
//! daemon's systemd drop-ins, daemon.json `"proxies"`, what the running daemon reports, and
//! the client's `~/.docker/config.json` (for containers and builds).
//!
//! Passwords never leave this module in clear: a [`ProxyUrl`] keeps its password as a
//! [`Secret`] and shows itself redacted.

use super::json_file::{JsonFile, docker_config_dir, read_json};
use super::systemd::{split_words, unit_files};
use crate::host::Host;
use crate::secret::{Secret, raw_userinfo, redact_url};
use serde_json::Value;
use std::net::IpAddr;
use std::path::{Path, PathBuf};

/// A proxy URL as written, with its password held as a secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProxyUrl {
    /// The URL as written, password included: only for use, never shown.
    raw: Secret,
    pub scheme: String,
    pub host: String,
    pub port: u16,
    pub user: Option<String>,
    pub password: Option<Secret>,
}

impl ProxyUrl {
    /// Parses the forms Go's `http.ProxyFromEnvironment` accepts, including a bare
    /// `host:port` (taken as `http://`). `None` for text that names no host.
    pub fn parse(text: &str) -> Option<ProxyUrl> {
        let text = text.trim();
        if text.is_empty() {
            return None;
        }
        let (scheme, rest) = match text.split_once("://") {
            Some((s, r)) => (s.to_ascii_lowercase(), r),
            None => ("http".to_string(), text),
        };
        let authority = &rest[..rest.find(['/', '?', '#']).unwrap_or(rest.len())];
        let (userinfo, hostport) = match authority.rsplit_once('@') {
            Some((u, h)) => (Some(u), h),
            None => (None, authority),
        };
        let (host, port) = split_host_port(hostport);
        if host.is_empty() {
            return None;
        }
        let port = match port {
            Some(p) => p.parse().ok()?,
            None => match scheme.as_str() {
                "https" => 443,
                "socks5" | "socks5h" => 1080,
                _ => 80,
            },
        };
        let (user, password) = match userinfo {
            Some(u) => match u.split_once(':') {
                Some((user, pass)) => (
                    Some(percent_decode(user)),
                    Some(Secret::new(percent_decode(pass))),
                ),
                None => (Some(percent_decode(u)), None),
            },
            None => (None, None),
        };
        Some(ProxyUrl {
            raw: Secret::new(text),
            scheme,
            host: host.to_string(),
            port,
            user,
            password,
        })
    }

    /// The URL to connect through, credentials included (a bare `host:port` gets Go's
    /// `http://`): only for use, never shown.
    pub fn for_use(&self) -> Secret {
        let raw = self.raw.expose();
        if raw.contains("://") {
            self.raw.clone()
        } else {
            Secret::new(format!("http://{raw}"))
        }
    }

    /// The URL for output: password masked.
    pub fn shown(&self) -> String {
        redact_url(self.raw.expose())
    }

    /// `host:port` of the proxy.
    pub fn address(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }

    /// The URL with a placeholder where the password was, for a fix the user completes.
    pub fn with_placeholder(&self) -> String {
        let mut s = format!("{}://", self.scheme);
        if let Some(user) = &self.user {
            s.push_str(user);
            if self.password.is_some() {
                s.push_str(":<password>");
            }
            s.push('@');
        }
        s.push_str(&self.address());
        s
    }

    /// Same proxy (scheme, host, port, user), whatever the password.
    pub fn same_proxy(&self, other: &ProxyUrl) -> bool {
        self.scheme == other.scheme
            && self.host.eq_ignore_ascii_case(&other.host)
            && self.port == other.port
    }
}

/// `host` and optional `port` of `host:port`, `[v6]:port`, `host`.
pub fn split_host_port(s: &str) -> (&str, Option<&str>) {
    if let Some(rest) = s.strip_prefix('[')
        && let Some((h, after)) = rest.split_once(']')
    {
        return (h, after.strip_prefix(':'));
    }
    match s.rsplit_once(':') {
        Some((h, p)) if !h.contains(':') => (h, Some(p)),
        _ => (s, None),
    }
}

/// `%XX` sequences decoded (invalid ones kept as they are).
pub fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let Some(b) = s
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// One proxy setting (`HTTP_PROXY`, `HTTPS_PROXY` or `NO_PROXY`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Var {
    Http,
    Https,
    NoProxy,
}

impl Var {
    pub const ALL: [Var; 3] = [Var::Http, Var::Https, Var::NoProxy];

    pub fn upper(self) -> &'static str {
        match self {
            Var::Http => "HTTP_PROXY",
            Var::Https => "HTTPS_PROXY",
            Var::NoProxy => "NO_PROXY",
        }
    }

    pub fn lower(self) -> &'static str {
        match self {
            Var::Http => "http_proxy",
            Var::Https => "https_proxy",
            Var::NoProxy => "no_proxy",
        }
    }

    /// The value a Go program takes for this variable (upper case first, an empty one is
    /// none) and the spelling it is set under.
    pub fn pick(self, get: impl Fn(&str) -> Option<String>) -> Option<(&'static str, String)> {
        get(self.upper())
            .map(|v| (self.upper(), v))
            .or_else(|| get(self.lower()).map(|v| (self.lower(), v)))
            .filter(|(_, v)| !v.is_empty())
    }
}

/// A set of proxy settings from one place.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProxySet {
    pub http: Option<ProxyUrl>,
    pub https: Option<ProxyUrl>,
    pub no_proxy: Option<String>,
}

impl ProxySet {
    pub fn is_empty(&self) -> bool {
        self.http.is_none() && self.https.is_none()
    }

    /// From `(name, value)` pairs as a Go program reads them: upper case first.
    pub fn from_vars(get: impl Fn(&str) -> Option<String>) -> ProxySet {
        let pick = |v: Var| v.pick(&get).map(|(_, value)| value);
        ProxySet {
            http: pick(Var::Http).and_then(|s| ProxyUrl::parse(&s)),
            https: pick(Var::Https).and_then(|s| ProxyUrl::parse(&s)),
            no_proxy: pick(Var::NoProxy),
        }
    }

    /// The proxy a Go program (dockerd) uses for a URL of this scheme to this host, or
    /// `None` for a direct connection.
    pub fn proxy_for(&self, https: bool, host: &str, port: u16) -> Option<&ProxyUrl> {
        let proxy = if https {
            self.https.as_ref()
        } else {
            self.http.as_ref()
        }?;
        if is_loopback_name(host) {
            // Go never proxies requests to localhost or loopback addresses.
            return None;
        }
        match &self.no_proxy {
            Some(list) if no_proxy_matches(list, host, port) => None,
            _ => Some(proxy),
        }
    }

    /// The proxy HTTPS traffic (pulls) uses: HTTPS_PROXY, else HTTP_PROXY.
    pub fn preferred(&self) -> Option<&ProxyUrl> {
        self.https.as_ref().or(self.http.as_ref())
    }

    pub fn get(&self, var: Var) -> Option<String> {
        match var {
            Var::Http => self.http.as_ref().map(|u| u.shown()),
            Var::Https => self.https.as_ref().map(|u| u.shown()),
            Var::NoProxy => self.no_proxy.clone(),
        }
    }
}

fn is_loopback_name(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// The entries of a NO_PROXY list, trimmed, empty ones dropped.
pub fn no_proxy_entries(list: &str) -> Vec<String> {
    list.split(',')
        .map(|e| e.trim().to_string())
        .filter(|e| !e.is_empty())
        .collect()
}

/// Whether `NO_PROXY` exempts `host:port`, by the rules of Go's `httpproxy`: `*` matches
/// everything; an IP or CIDR matches addresses; `example.com` matches it and its
/// subdomains; `.example.com` matches subdomains only; an entry may carry a `:port`.
pub fn no_proxy_matches(list: &str, host: &str, port: u16) -> bool {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    let ip = host.parse::<IpAddr>().ok();
    for entry in list.split(',').map(|e| e.trim().to_ascii_lowercase()) {
        if entry.is_empty() {
            continue;
        }
        if entry == "*" {
            return true;
        }
        if let Some((net, bits)) = entry.split_once('/') {
            if let (Some(ip), Ok(net), Ok(bits)) = (ip, net.parse::<IpAddr>(), bits.parse::<u8>())
                && cidr_contains(net, bits, ip)
            {
                return true;
            }
            continue;
        }
        if let Ok(entry_ip) = entry.parse::<IpAddr>() {
            if ip == Some(entry_ip) {
                return true;
            }
            continue;
        }
        let (name, entry_port) = split_host_port(&entry);
        if let Some(p) = entry_port
            && p.parse::<u16>().ok() != Some(port)
        {
            continue;
        }
        if let Ok(entry_ip) = name.trim_matches(['[', ']']).parse::<IpAddr>() {
            if ip == Some(entry_ip) {
                return true;
            }
            continue;
        }
        let name = name.trim_start_matches('*');
        if let Some(suffix) = name.strip_prefix('.') {
            if host.ends_with(&format!(".{suffix}")) {
                return true;
            }
        } else if host == name || host.ends_with(&format!(".{name}")) {
            return true;
        }
    }
    false
}

/// Whether `ip` is inside `net/bits`.
pub fn cidr_contains(net: IpAddr, bits: u8, ip: IpAddr) -> bool {
    match (net, ip) {
        (IpAddr::V4(n), IpAddr::V4(a)) if bits <= 32 => {
            let mask = if bits == 0 {
                0
            } else {
                u32::MAX << (32 - bits)
            };
            u32::from(n) & mask == u32::from(a) & mask
        }
        (IpAddr::V6(n), IpAddr::V6(a)) if bits <= 128 => {
            let mask = if bits == 0 {
                0
            } else {
                u128::MAX << (128 - bits)
            };
            u128::from(n) & mask == u128::from(a) & mask
        }
        _ => false,
    }
}

/// This process's proxy variables, and the ones whose two spellings disagree.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ShellProxy {
    pub set: ProxySet,
    /// `(var, upper value, lower value)` where both are set and differ (shown redacted).
    pub disagreements: Vec<(Var, String, String)>,
    /// Proxy values whose raw password holds a character a URL ends its host at.
    pub misread: Vec<MisreadProxy>,
}

/// A proxy value written `scheme://user:pass@host` whose password holds `/`, `?` or `#`
/// unencoded: a URL parser (Go's in dockerd and the CLI, curl's, Python's) ends the host at
/// that character, so the proxy is taken to be `user:<start of the password>` or the value
/// does not parse at all, and the programs connect elsewhere or directly.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MisreadProxy {
    /// The variable as it is set (`HTTPS_PROXY` or `https_proxy`).
    pub name: String,
    /// The value, its password masked.
    pub shown: String,
    /// The characters of the password that need percent-encoding, each once.
    pub delimiters: Vec<char>,
    /// `host:<redacted>` a URL parser takes from it (the host is the user's name, the
    /// port the password's start), `None` when it does not parse.
    pub parsed_as: Option<String>,
    /// The proxy the value means, its password percent-encoded: what the fixes and the
    /// doctor's own connections use.
    pub url: ProxyUrl,
}

impl MisreadProxy {
    /// The proxy the value means, with a placeholder for the password.
    pub fn meant(&self) -> String {
        self.url.with_placeholder()
    }
}

/// The misreading of `value` (set as `name`), if its password holds a URL delimiter.
pub fn misread(name: &str, value: &str) -> Option<MisreadProxy> {
    let value = value.trim();
    let (scheme, rest) = match value.split_once("://") {
        Some((s, r)) if !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric()) => (s, r),
        _ => ("http", value),
    };
    let (userinfo, after) = raw_userinfo(rest)?;
    let (user, pass) = userinfo.split_once(':')?;
    let parsed = ProxyUrl::parse(value);
    // `proxy.corp:3128/a@b` reads as a host and a path as well: a login is meant only when
    // what a parser takes for the host is no host name.
    if parsed
        .as_ref()
        .is_some_and(|u| u.host.contains('.') || u.host.eq_ignore_ascii_case("localhost"))
    {
        return None;
    }
    let mut delimiters: Vec<char> = Vec::new();
    for c in pass.chars().filter(|c| "/?#@".contains(*c)) {
        if !delimiters.contains(&c) {
            delimiters.push(c);
        }
    }
    let encoded: String = pass
        .chars()
        .map(|c| match c {
            '/' | '?' | '#' | '@' => format!("%{:02X}", c as u32),
            c => c.to_string(),
        })
        .collect();
    let url = ProxyUrl::parse(&format!("{scheme}://{user}:{encoded}@{after}"))?;
    Some(MisreadProxy {
        name: name.to_string(),
        shown: redact_url(value),
        delimiters,
        // The port a parser reads is the password's first characters: never shown.
        parsed_as: parsed.map(|u| format!("{}:{}", u.host, crate::secret::MASK)),
        url,
    })
}

pub fn shell(host: &dyn Host) -> ShellProxy {
    let mut set = ProxySet::from_vars(|name| host.env_nonempty(name));
    let mut disagreements = Vec::new();
    for var in Var::ALL {
        match (
            host.env_nonempty(var.upper()),
            host.env_nonempty(var.lower()),
        ) {
            (Some(u), Some(l)) if u.trim() != l.trim() => {
                disagreements.push((var, redact_url(&u), redact_url(&l)))
            }
            _ => {}
        }
    }
    let mut misreads = Vec::new();
    for var in [Var::Http, Var::Https] {
        let value = var.pick(|name| host.env_nonempty(name));
        let Some(m) = value.and_then(|(name, v)| misread(name, &v)) else {
            continue;
        };
        // The rest of the doctor (the daemon's fix, its own connections) works with the
        // proxy meant; the finding says programs read it otherwise.
        match var {
            Var::Http => set.http = Some(m.url.clone()),
            _ => set.https = Some(m.url.clone()),
        }
        misreads.push(m);
    }
    ShellProxy {
        set,
        disagreements,
        misread: misreads,
    }
}

/// A problem in a drop-in that makes systemd ignore or alter a line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DropInProblem {
    /// A `%` that is not `%%`: systemd reads a specifier and drops the assignment (or
    /// substitutes a value) - typical of URL-encoded passwords.
    Specifier { line: usize, variable: String },
    /// A proxy variable assigned without `export` in an init script's options file: it
    /// stays in the script's shell and never reaches dockerd.
    NotExported { line: usize, variable: String },
    /// `HTTP_PROXY=...` written as a directive of its own (without `Environment=`):
    /// systemd logs "Unknown key name" and ignores it.
    NotADirective { line: usize, variable: String },
    /// `Environment=` outside a `[Service]` section: systemd ignores it.
    NoServiceSection { line: usize },
    /// An unbalanced quote or an assignment without `=`: systemd ignores the line.
    BadQuoting { line: usize, text: String },
}

/// One `Environment=` assignment of a proxy variable in a unit file or drop-in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DropInSetting {
    pub file: PathBuf,
    pub line: usize,
    pub name: String,
    /// The value, as systemd would pass it.
    pub value: Secret,
}

/// The proxy configuration of `docker.service` as written on disk.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ServiceProxy {
    /// Files that set a proxy variable.
    pub files: Vec<PathBuf>,
    pub settings: Vec<DropInSetting>,
    pub problems: Vec<(PathBuf, DropInProblem)>,
    /// What the daemon would get once the unit is reloaded and restarted.
    pub set: ProxySet,
}

/// Reads the proxy variables that `docker.service` sets, in the order systemd merges them.
pub fn service(host: &dyn Host) -> ServiceProxy {
    let mut out = ServiceProxy::default();
    let files = unit_files(host, "docker.service");
    let mut values: Vec<(String, Secret)> = Vec::new();
    for file in files {
        let Ok(text) = host.read_text(&file) else {
            continue;
        };
        let before = out.settings.len();
        read_environment(&text, &file, &mut out);
        if out.settings.len() > before || out.problems.iter().any(|(f, _)| *f == file) {
            out.files.push(file.clone());
        }
        for s in &out.settings[before..] {
            values.retain(|(n, _)| *n != s.name);
            values.push((s.name.clone(), s.value.clone()));
        }
    }
    // Without systemd, an init script sources its options file (Debian's /etc/default,
    // OpenRC's /etc/conf.d); only exported variables reach dockerd.
    if !super::systemd::is_systemd(host) {
        for file in OPTIONS_FILES {
            let path = Path::new(file);
            let Ok(text) = host.read_text(path) else {
                continue;
            };
            let parsed = super::options_file::parse(&text);
            let mut mentioned = false;
            for a in parsed.assignments.iter().filter(|a| is_proxy_var(&a.name)) {
                mentioned = true;
                if !a.exported {
                    out.problems.push((
                        path.to_path_buf(),
                        DropInProblem::NotExported {
                            line: a.line,
                            variable: a.name.clone(),
                        },
                    ));
                    continue;
                }
                out.settings.push(DropInSetting {
                    file: path.to_path_buf(),
                    line: a.line,
                    name: a.name.clone(),
                    value: Secret::new(a.value.clone()),
                });
                values.retain(|(n, _)| *n != a.name);
                values.push((a.name.clone(), Secret::new(a.value.clone())));
            }
            if mentioned {
                out.files.push(path.to_path_buf());
            }
        }
    }
    out.set = ProxySet::from_vars(|name| {
        values
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.expose().to_string())
    });
    out
}

/// The options files init scripts source (Debian's and OpenRC's).
const OPTIONS_FILES: &[&str] = &["/etc/default/docker", "/etc/conf.d/docker"];

fn is_proxy_var(name: &str) -> bool {
    Var::ALL
        .iter()
        .any(|v| v.upper() == name || v.lower() == name)
}

/// The proxy assignments of `Environment=` lines, and the problems systemd would have.
fn read_environment(text: &str, file: &Path, out: &mut ServiceProxy) {
    let mut section: Option<String> = None;
    for (index, raw) in text.lines().enumerate() {
        let line_no = index + 1;
        let line = raw.trim();
        if line.starts_with('[') && line.ends_with(']') {
            section = Some(line[1..line.len() - 1].to_string());
            continue;
        }
        let Some(value) = line.strip_prefix("Environment") else {
            // `HTTP_PROXY=...` on its own line is not a directive systemd knows.
            if let Some((key, _)) = line.split_once('=')
                && is_proxy_var(key.trim())
            {
                out.problems.push((
                    file.to_path_buf(),
                    DropInProblem::NotADirective {
                        line: line_no,
                        variable: key.trim().to_string(),
                    },
                ));
            }
            continue;
        };
        let Some(value) = value.trim_start().strip_prefix('=') else {
            continue;
        };
        let words = match split_words(value) {
            (w, true) => w,
            (_, false) => {
                if mentions_proxy(value) {
                    out.problems.push((
                        file.to_path_buf(),
                        DropInProblem::BadQuoting {
                            line: line_no,
                            text: redact_assignment(value),
                        },
                    ));
                }
                continue;
            }
        };
        let proxy_words: Vec<&String> = words
            .iter()
            .filter(|w| w.split('=').next().is_some_and(is_proxy_var) || mentions_proxy(w))
            .collect();
        if proxy_words.is_empty() {
            continue;
        }
        if section.as_deref() != Some("Service") {
            out.problems.push((
                file.to_path_buf(),
                DropInProblem::NoServiceSection { line: line_no },
            ));
            continue;
        }
        if let Some(w) = proxy_words.iter().find(|w| has_bad_specifier(w)) {
            out.problems.push((
                file.to_path_buf(),
                DropInProblem::Specifier {
                    line: line_no,
                    variable: w.split('=').next().unwrap_or("").to_string(),
                },
            ));
            // systemd refuses the whole line when a specifier cannot be resolved.
            continue;
        }
        for w in proxy_words {
            match w.split_once('=') {
                Some((name, value)) if is_proxy_var(name) => out.settings.push(DropInSetting {
                    file: file.to_path_buf(),
                    line: line_no,
                    name: name.to_string(),
                    value: Secret::new(value.replace("%%", "%")),
                }),
                _ => out.problems.push((
                    file.to_path_buf(),
                    DropInProblem::BadQuoting {
                        line: line_no,
                        text: redact_assignment(w),
                    },
                )),
            }
        }
    }
}

fn mentions_proxy(s: &str) -> bool {
    s.to_ascii_lowercase().contains("_proxy")
}

/// A `%` not written as `%%` (systemd specifiers are `%` followed by one character).
fn has_bad_specifier(word: &str) -> bool {
    let mut chars = word.chars();
    while let Some(c) = chars.next() {
        if c == '%' {
            match chars.next() {
                Some('%') => continue,
                _ => return true,
            }
        }
    }
    false
}

/// The line with any URL password masked, for a finding.
fn redact_assignment(s: &str) -> String {
    s.split_whitespace()
        .map(|w| match w.split_once('=') {
            Some((k, v)) => format!("{k}={}", redact_url(v)),
            None => redact_url(w),
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// daemon.json `"proxies"` (Engine 23 and later).
pub fn daemon_json(file: &JsonFile) -> ProxySet {
    let JsonFile::Loaded(Value::Object(map)) = file else {
        return ProxySet::default();
    };
    let Some(Value::Object(p)) = map.get("proxies") else {
        return ProxySet::default();
    };
    let get = |k: &str| p.get(k).and_then(Value::as_str).map(str::to_string);
    ProxySet {
        http: get("http-proxy").and_then(|s| ProxyUrl::parse(&s)),
        https: get("https-proxy").and_then(|s| ProxyUrl::parse(&s)),
        no_proxy: get("no-proxy").filter(|s| !s.is_empty()),
    }
}

/// daemon.json `"proxies"` values whose raw password is misread (see [`misread`]): dockerd
/// reads them as Go does once it starts, whatever the file means.
pub fn daemon_json_misread(file: &JsonFile) -> Vec<MisreadProxy> {
    let JsonFile::Loaded(Value::Object(map)) = file else {
        return Vec::new();
    };
    match map.get("proxies") {
        Some(Value::Object(p)) => json_misreads(p, &["http-proxy", "https-proxy"]),
        _ => Vec::new(),
    }
}

/// The values at `keys` of a JSON object that [`misread`] names, each under its key.
fn json_misreads(obj: &serde_json::Map<String, Value>, keys: &[&str]) -> Vec<MisreadProxy> {
    keys.iter()
        .filter_map(|k| misread(k, obj.get(*k)?.as_str()?))
        .collect()
}

/// What the running daemon reports in `info` (it masks credentials itself).
pub fn running(http: Option<&str>, https: Option<&str>, no_proxy: Option<&str>) -> ProxySet {
    let url = |s: Option<&str>| s.filter(|s| !s.is_empty()).and_then(ProxyUrl::parse);
    ProxySet {
        http: url(http),
        https: url(https),
        no_proxy: no_proxy.filter(|s| !s.is_empty()).map(str::to_string),
    }
}

/// `proxies.default` of the client's config.json: what the CLI injects into containers and
/// builds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClientProxy {
    pub path: PathBuf,
    pub set: ProxySet,
    /// Values whose raw password the CLI, and curl or apt in a container, misread.
    pub misread: Vec<MisreadProxy>,
}

pub fn client(host: &dyn Host) -> Option<ClientProxy> {
    let path = docker_config_dir(host)?.join("config.json");
    let JsonFile::Loaded(Value::Object(map)) = read_json(host, &path) else {
        return None;
    };
    let p = map.get("proxies")?.get("default")?.as_object()?;
    let get = |k: &str| p.get(k).and_then(Value::as_str).map(str::to_string);
    let set = ProxySet {
        http: get("httpProxy").and_then(|s| ProxyUrl::parse(&s)),
        https: get("httpsProxy").and_then(|s| ProxyUrl::parse(&s)),
        no_proxy: get("noProxy").filter(|s| !s.is_empty()),
    };
    let misread = json_misreads(p, &["httpProxy", "httpsProxy"]);
    Some(ClientProxy { path, set, misread })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_raw_password_holding_a_url_delimiter_is_read_as_a_parser_reads_it_and_as_meant() {
        let m = misread("HTTPS_PROXY", "http://bob:12/x#y@proxy.corp:3128/").unwrap();
        assert_eq!(m.shown, "http://bob:<redacted>@proxy.corp:3128/");
        assert_eq!(m.delimiters, vec!['/', '#']);
        // Go, curl and this parser connect to the user's name and the password's digits.
        assert_eq!(m.parsed_as.as_deref(), Some("bob:<redacted>"));
        assert_eq!(m.meant(), "http://bob:<password>@proxy.corp:3128");
        // The proxy meant, for use: the password encoded, reaching the proxy as written.
        assert_eq!(m.url.address(), "proxy.corp:3128");
        assert_eq!(m.url.password.as_ref().unwrap().expose(), "12/x#y");
        assert!(
            m.url
                .for_use()
                .expose()
                .contains("bob:12%2Fx%23y@proxy.corp:3128")
        );
        assert_eq!(
            m.url.with_placeholder(),
            "http://bob:<password>@proxy.corp:3128"
        );
        let m = misread("https_proxy", "bob:a?b@10.0.0.1:8080").unwrap();
        assert_eq!(
            (m.parsed_as.clone(), m.meant().as_str()),
            (None, "http://bob:<password>@10.0.0.1:8080")
        );
        // Encoded, or without a login, or a path holding `@`: read alike by everyone.
        for fine in [
            "http://bob:12%2Fx%23y@proxy.corp:3128",
            "http://proxy.corp:3128",
            "http://proxy.corp:3128/a@b",
        ] {
            assert!(misread("HTTPS_PROXY", fine).is_none(), "{fine}");
        }
    }

    #[test]
    fn parses_proxy_urls_and_keeps_the_password_secret() {
        let u = ProxyUrl::parse("http://alice:p%40ss@proxy.corp:3128/").unwrap();
        assert_eq!((u.host.as_str(), u.port), ("proxy.corp", 3128));
        assert_eq!(u.password.as_ref().unwrap().expose(), "p@ss");
        assert_eq!(u.shown(), "http://alice:<redacted>@proxy.corp:3128/");
        assert_eq!(
            u.with_placeholder(),
            "http://alice:<password>@proxy.corp:3128"
        );
        let bare = ProxyUrl::parse("proxy:8080").unwrap();
        assert_eq!((bare.scheme.as_str(), bare.port), ("http", 8080));
        assert_eq!(ProxyUrl::parse("http://proxy").unwrap().port, 80);
        assert!(ProxyUrl::parse("").is_none());
    }

    #[test]
    fn no_proxy_follows_go_rules() {
        let list = "localhost,127.0.0.1,.corp.example,registry.lab:5000,10.0.0.0/8,example.org";
        assert!(no_proxy_matches(list, "a.corp.example", 443));
        assert!(!no_proxy_matches(list, "corp.example", 443));
        assert!(no_proxy_matches(list, "registry.lab", 5000));
        assert!(!no_proxy_matches(list, "registry.lab", 443));
        assert!(no_proxy_matches(list, "10.2.3.4", 443));
        assert!(no_proxy_matches(list, "www.example.org", 443));
        assert!(no_proxy_matches(list, "example.org", 443));
        assert!(!no_proxy_matches(list, "registry-1.docker.io", 443));
        assert!(no_proxy_matches("*", "anything", 1));
    }

    #[test]
    fn loopback_is_never_proxied() {
        let set = ProxySet::from_vars(|n| (n == "HTTPS_PROXY").then(|| "http://p:3128".into()));
        assert!(set.proxy_for(true, "127.0.0.1", 5000).is_none());
        assert!(set.proxy_for(true, "localhost", 5000).is_none());
        assert!(set.proxy_for(true, "registry-1.docker.io", 443).is_some());
        assert!(set.proxy_for(false, "registry-1.docker.io", 80).is_none());
    }

    #[test]
    fn reads_environment_lines_and_their_problems() {
        let text = "[Service]\nEnvironment=\"HTTP_PROXY=http://u:p%40ss@proxy:3128\"\nEnvironment=\"HTTPS_PROXY=http://proxy:3128\" \"NO_PROXY=localhost\"\nEnvironment=\"FOO=1\nEnvironment=\"https_proxy=http://x\n";
        let mut out = ServiceProxy::default();
        read_environment(text, Path::new("/d.conf"), &mut out);
        let names: Vec<&str> = out.settings.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["HTTPS_PROXY", "NO_PROXY"]);
        assert!(matches!(
            out.problems[0].1,
            DropInProblem::Specifier { line: 2, ref variable } if variable == "HTTP_PROXY"
        ));
        assert!(matches!(
            out.problems[1].1,
            DropInProblem::BadQuoting { line: 5, .. }
        ));
        assert_eq!(out.problems.len(), 2, "{:?}", out.problems);
    }

    #[test]
    fn environment_outside_service_is_ignored() {
        let mut out = ServiceProxy::default();
        read_environment(
            "Environment=HTTP_PROXY=http://p:1\n",
            Path::new("/x.conf"),
            &mut out,
        );
        assert!(out.settings.is_empty());
        assert_eq!(
            out.problems[0].1,
            DropInProblem::NoServiceSection { line: 1 }
        );
    }

    #[test]
    fn a_variable_without_environment_is_not_a_directive() {
        let mut out = ServiceProxy::default();
        read_environment(
            "[Service]\nHTTPS_PROXY=http://p:1\nEnvironmentFile=-/etc/x\nhttp_proxy = http://p:1\n",
            Path::new("/x.conf"),
            &mut out,
        );
        assert!(out.settings.is_empty());
        let lines: Vec<_> = out.problems.iter().map(|(_, p)| p.clone()).collect();
        assert_eq!(
            lines,
            [
                DropInProblem::NotADirective {
                    line: 2,
                    variable: "HTTPS_PROXY".into()
                },
                DropInProblem::NotADirective {
                    line: 4,
                    variable: "http_proxy".into()
                }
            ]
        );
    }

    /// A drop-in's raw password is misread; written as its fix says (percent-encoded, each
    /// `%` doubled for systemd) it reaches dockerd as one value that parses as meant.
    #[test]
    fn a_drop_ins_raw_password_is_misread_and_its_fix_reads_as_meant() {
        let read = |text: &str| {
            let mut out = ServiceProxy::default();
            read_environment(text, Path::new("/d.conf"), &mut out);
            out
        };
        let raw = read(
            "[Service]\nEnvironment=\"HTTPS_PROXY=http://alice:Sp/ring#26@proxy.corp:3128\"\n",
        );
        let s = &raw.settings[0];
        let m = misread(&s.name, s.value.expose()).unwrap();
        assert_eq!((m.parsed_as, s.line), (None, 2));
        let fixed = read(
            "[Service]\nEnvironment=\"HTTPS_PROXY=http://alice:Sp%%2Fring%%2326@proxy.corp:3128\"\n",
        );
        assert!(fixed.problems.is_empty(), "{:?}", fixed.problems);
        let s = &fixed.settings[0];
        assert!(misread(&s.name, s.value.expose()).is_none());
        let u = ProxyUrl::parse(s.value.expose()).unwrap();
        assert_eq!(u.address(), "proxy.corp:3128");
        assert_eq!(u.password.unwrap().expose(), "Sp/ring#26");
    }

    /// daemon.json's proxies are read as dockerd reads them: a raw password is named under
    /// its key; encoded, or in a key dockerd does not read as a proxy, it is not.
    #[test]
    fn daemon_json_proxies_with_a_raw_password_are_misread_under_their_key() {
        let file = |text: &str| JsonFile::Loaded(serde_json::from_str(text).unwrap());
        let raw = file(
            r#"{"proxies": {"https-proxy": "http://bob:12/x#y@proxy.corp:3128", "no-proxy": "a/b@c", "http-proxy": "http://proxy.corp:3128"}}"#,
        );
        let m = daemon_json_misread(&raw);
        assert_eq!(m.len(), 1, "{m:?}");
        assert_eq!(m[0].name, "https-proxy");
        assert_eq!(m[0].parsed_as.as_deref(), Some("bob:<redacted>"));
        assert_eq!(m[0].url.address(), "proxy.corp:3128");
        let encoded =
            file(r#"{"proxies": {"https-proxy": "http://bob:12%2Fx%23y@proxy.corp:3128"}}"#);
        assert!(daemon_json_misread(&encoded).is_empty());
        assert!(daemon_json_misread(&file(r#"{"proxies": "http://bob:1/2@p:3"}"#)).is_empty());
        assert!(daemon_json_misread(&JsonFile::Missing).is_empty());
    }

    #[test]
    fn shell_disagreement_is_redacted() {
        let s = ProxySet::from_vars(|n| match n {
            "HTTPS_PROXY" => Some("http://a:secret@p1:1".into()),
            "https_proxy" => Some("http://p2:2".into()),
            _ => None,
        });
        assert_eq!(s.https.unwrap().host, "p1", "upper case wins, as in Go");
    }
}
