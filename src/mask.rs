//! The masking layer: everything that leaves the process (reports in every format, `fix`
//! scripts and prompts, `explain`, errors on stderr, saved files) goes through
//! [`text`]. Secrets are a type that cannot print itself (`probes::secret::Secret`); this is
//! the second wall, for what reaches text anyway: an error message quoting a URL, a pasted
//! log, a value in a form the probes did not expect.
//!
//! Two kinds of masking, both always on:
//! - by shape: credentials in URLs with or without a scheme (`http://u:p@h`, `u:p@h:3128`),
//!   `Authorization` headers and bearer tokens, `"auth"`/`"password"`/token fields,
//!   token-like query parameters, `…PASSWORD=`/`…TOKEN=` assignments;
//! - by value: the secrets this machine holds (passwords in proxy variables and
//!   `DOCKER_HOST`, variables named like secrets, `auths` and tokens in the client config),
//!   in every form a user writes them: as is, percent-encoded, percent-decoded,
//!   JSON-escaped, and `user:password` in base64.
//!
//! Control characters are replaced as well (an `ESC[2J` in a proxy variable must not clear
//! the reader's terminal); only the colour sequences of our own renderer survive, and only
//! when colour is on.

use probes::facts::proxy::percent_decode;
use probes::secret::MASK;
use regex::{Captures, Regex};
use std::io::Write;
use std::sync::{LazyLock, OnceLock};

/// The secret values of this run: learned into a set (a config.json with 20k logins is
/// learned in linear time), then found in one pass over each text by an Aho-Corasick
/// automaton built once, leftmost-longest (a secret that contains another is masked
/// whole).
#[derive(Debug, Default)]
pub struct Masker {
    values: std::collections::HashSet<String>,
    finder: OnceLock<Option<aho_corasick::AhoCorasick>>,
}

static MASKER: OnceLock<Masker> = OnceLock::new();

/// Learns this machine's secrets (environment, client config). Called once, first thing.
pub fn init() {
    let _ = MASKER.set(Masker::from_this_machine());
}

/// The text with every secret masked and every control character replaced.
pub fn text(s: &str) -> String {
    masker().mask(s, false)
}

/// As [`text`], keeping the colour sequences (`ESC[…m`) a renderer with colour added.
pub fn colored_text(s: &str) -> String {
    masker().mask(s, true)
}

fn masker() -> &'static Masker {
    MASKER.get_or_init(Masker::default)
}

/// Writes masked text to stdout (the only way this program writes there).
pub fn out(s: &str) {
    let _ = std::io::stdout().lock().write_all(text(s).as_bytes());
}

/// Writes masked text to stdout, keeping our colour sequences.
pub fn out_colored(s: &str) {
    let _ = std::io::stdout()
        .lock()
        .write_all(colored_text(s).as_bytes());
}

/// Writes a JSON document to stdout with every string in it masked: the document stays
/// valid JSON whatever the masks replace.
pub fn out_json(doc: &str) {
    let _ = std::io::stdout()
        .lock()
        .write_all(json_text(doc).as_bytes());
}

/// A JSON document with every string in it masked (pretty-printed, one trailing newline);
/// what is not JSON is masked as text.
pub fn json_text(doc: &str) -> String {
    match serde_json::from_str::<serde_json::Value>(doc) {
        Ok(mut v) => {
            mask_strings(&mut v, masker());
            let mut s = serde_json::to_string_pretty(&v).unwrap_or_default();
            s.push('\n');
            s
        }
        Err(_) => text(doc),
    }
}

/// Writes an XML document to stdout with every text and attribute value in it masked: the
/// document stays well-formed whatever the masks (`<redacted>`) replace.
pub fn out_xml(doc: &str) {
    let _ = std::io::stdout().lock().write_all(xml_text(doc).as_bytes());
}

/// An XML document with every text node and attribute value masked, then escaped again
/// (the masks hold `<` and `>`); what does not parse is masked as text and its markup
/// escaped, so it can never end up as markup.
pub fn xml_text(doc: &str) -> String {
    match mask_xml(doc, masker()) {
        Ok(s) => s,
        Err(_) => quick_xml::escape::escape(text(doc)).into_owned(),
    }
}

fn mask_xml(doc: &str, m: &Masker) -> Result<String, quick_xml::Error> {
    use quick_xml::events::{BytesText, Event};
    let mut reader = quick_xml::Reader::from_str(doc);
    let mut writer = quick_xml::Writer::new(Vec::new());
    // Text arrives in pieces around entity references (`a &amp; b`): masked whole, so a
    // secret with a `&` in it is still found.
    let mut text = String::new();
    let io = |e: std::io::Error| quick_xml::Error::Io(e.into());
    loop {
        let event = reader.read_event()?;
        match event {
            Event::Text(t) => {
                text.push_str(&t.xml10_content());
                continue;
            }
            Event::GeneralRef(r) => {
                match r.resolve_char_ref()? {
                    Some(c) => text.push(c),
                    None => match quick_xml::escape::resolve_predefined_entity(&r) {
                        Some(v) => text.push_str(v),
                        // An entity we did not write: left as text, visibly.
                        None => {
                            text.push('&');
                            text.push_str(&r);
                            text.push(';');
                        }
                    },
                }
                continue;
            }
            _ => {}
        }
        if !text.is_empty() {
            let masked = m.mask(&text, false);
            writer
                .write_event(Event::Text(BytesText::new(&masked)))
                .map_err(io)?;
            text.clear();
        }
        match event {
            Event::Eof => break,
            Event::Start(e) => writer
                .write_event(Event::Start(masked_tag(&e, m)?))
                .map_err(io)?,
            Event::Empty(e) => writer
                .write_event(Event::Empty(masked_tag(&e, m)?))
                .map_err(io)?,
            Event::Comment(c) => {
                // A comment cannot hold `--`: masked, and its dashes spaced out.
                let masked = m.mask(&c.xml10_content(), false).replace("--", "- -");
                writer
                    .write_event(Event::Comment(BytesText::from_escaped(masked)))
                    .map_err(io)?;
            }
            other => writer.write_event(other).map_err(io)?,
        }
    }
    Ok(String::from_utf8_lossy(&writer.into_inner()).into_owned())
}

/// A start tag with each attribute value masked (escaped again when written).
fn masked_tag(
    e: &quick_xml::events::BytesStart,
    m: &Masker,
) -> Result<quick_xml::events::BytesStart<'static>, quick_xml::Error> {
    let name = e.name().as_ref().to_string();
    let mut out = quick_xml::events::BytesStart::new(name);
    for a in e.attributes() {
        let a = a.map_err(quick_xml::Error::InvalidAttr)?;
        let value = a.normalized_value(quick_xml::XmlVersion::Implicit1_0)?;
        let key = a.key.as_ref().to_string();
        out.push_attribute((key.as_str(), m.mask(&value, false).as_str()));
    }
    Ok(out)
}

fn mask_strings(v: &mut serde_json::Value, m: &Masker) {
    match v {
        serde_json::Value::String(s) => *s = m.mask(s, false),
        serde_json::Value::Array(a) => a.iter_mut().for_each(|x| mask_strings(x, m)),
        serde_json::Value::Object(o) => o.values_mut().for_each(|x| mask_strings(x, m)),
        _ => {}
    }
}

/// Writes masked text to stderr (the only way this program writes there).
pub fn err(s: &str) {
    let _ = std::io::stderr().lock().write_all(text(s).as_bytes());
}

/// `println!` through the masking layer.
macro_rules! outln {
    () => { $crate::mask::out("\n") };
    ($($t:tt)*) => { $crate::mask::out(&format!("{}\n", format_args!($($t)*))) };
}

/// `print!` through the masking layer.
macro_rules! out {
    ($($t:tt)*) => { $crate::mask::out(&format!($($t)*)) };
}

/// `eprintln!` through the masking layer.
macro_rules! errln {
    ($($t:tt)*) => { $crate::mask::err(&format!("{}\n", format_args!($($t)*))) };
}

/// A pattern with the meaning it was written for (regex-lite's, which this module used
/// before): `\s`, `\w`, `\d` and `\b` are ASCII's. The `regex` crate reads them as
/// Unicode's; its DFA masks a large output in a fraction of regex-lite's time. `(?i)`
/// stays Unicode's case folding, which only adds matches (a Kelvin sign for `k`).
fn lite(re: &str) -> Regex {
    Regex::new(&ascii_classes(re, true)).unwrap_or_else(|e| panic!("mask pattern {re}: {e}"))
}

/// `re` with `\b` and `\B` as ASCII word boundaries and `\w`, `\d` as ASCII classes (in a
/// class `[...]` too, where `\b` is a backspace and stays); with `spaces`, `\s` (and `\S`
/// outside a class) as ASCII whitespace too. explain's signatures and the masking layer
/// both write their patterns for ASCII words.
pub(crate) fn ascii_classes(re: &str, spaces: bool) -> String {
    const SPACE: &str = "\\t\\n\\x0B\\x0C\\r ";
    let mut out = String::with_capacity(re.len() + 32);
    let mut chars = re.chars();
    let mut in_class = false;
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some(b @ ('b' | 'B')) if !in_class => out.push_str(&format!("(?-u:\\{b})")),
                Some('s') if spaces && in_class => out.push_str(SPACE),
                Some('s') if spaces => out.push_str(&format!("[{SPACE}]")),
                Some('S') if spaces && !in_class => out.push_str(&format!("[^{SPACE}]")),
                Some('w') if in_class => out.push_str("0-9A-Za-z_"),
                Some('w') => out.push_str("[0-9A-Za-z_]"),
                Some('d') if in_class => out.push_str("0-9"),
                Some('d') => out.push_str("[0-9]"),
                Some(next) => {
                    out.push('\\');
                    out.push(next);
                }
                None => out.push('\\'),
            },
            '[' => {
                in_class = true;
                out.push(c);
            }
            ']' => {
                in_class = false;
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    out
}

/// Variable names whose whole value is a secret.
static SECRET_NAME: LazyLock<Regex> = LazyLock::new(|| {
    lite(r"(?i)(PASSWORD|PASSWD|TOKEN|SECRET|API_?KEY|ACCESS_?KEY|CREDENTIAL|AUTH)")
});

/// `scheme://authority` (the authority ends at the path, query, fragment, space or quote).
static URL_AUTHORITY: LazyLock<Regex> =
    LazyLock::new(|| lite(r#"(?i)\b[a-z][a-z0-9+.\-]{0,15}://[^\s/?#"'<>`\\]+"#));

/// `scheme://` and the rest of the word (up to a space or a quote): where a raw password
/// holding `/`, `?` or `#` is (a URL parser ends the authority there, and
/// [`URL_AUTHORITY`] with it); [`probes::secret::redact_raw_login`] reads it.
static URL_WORD: LazyLock<Regex> =
    LazyLock::new(|| lite(r#"(?i)\b[a-z][a-z0-9+.\-]{0,15}://[^\s"'<>`\\]+"#));

/// `user:password@host[:port]` without a scheme (what Go's proxy parsing accepts).
static BARE_USERINFO: LazyLock<Regex> = LazyLock::new(|| {
    lite(
        r#"(?i)(?P<user>[a-z0-9._~!$&*+\-%]+):(?P<pass>[^\s/"'<>`]*[^\s/"'<>`@])@(?P<host>[a-z0-9\-]+(?:\.[a-z0-9\-]+)*|\[[0-9a-f:.]+\])"#,
    )
});

/// Header, field and parameter shapes that carry a secret as their value.
static SECRET_FIELDS: LazyLock<Vec<Regex>> = LazyLock::new(|| {
    [
        // Authorization: Basic …, Bearer …; "Proxy-Authorization" too.
        r#"(?i)(?P<keep>authorization:?\s*(?:basic|bearer|token|digest)\s+)(?P<secret>[^\s,;"'\\]+)"#,
        // The same headers as a JSON, YAML or TOML key, with or without a scheme word:
        // "Authorization": "Basic …", proxy-authorization: …, X-Registry-Auth = "…".
        r#"(?i)(?P<keep>\b(?:proxy-)?(?:authorization|x-registry-auth|x-api-key|x-auth-token|private-token|cookie)["']?\s*[:=]\s*["']?(?:(?:basic|bearer|token|digest|negotiate|ntlm)\s+)?)(?P<secret>[^\s,;"'\\]{4,})"#,
        r"(?i)(?P<keep>\bbearer\s+)(?P<secret>[a-z0-9\-._~+/]{8,}=*)",
        // JSON/TOML/YAML fields: "auth": "…", password = "…", identitytoken: …
        // The value is quoted on one line: `token:"` ending a sentence is not a field.
        r#"(?i)(?P<keep>["']?\b(?:auth|password|passwd|secret|identitytoken|registrytoken|token|access_token|refresh_token|client_secret)["']?\s*[:=]\s*["'])(?P<secret>[^"'\n]+)(?P<end>["'])"#,
        // Go's url.Parse quoting what follows a host's `:` (`invalid port ":p4ss" after
        // host`): in a proxy value with a raw `/`, `?` or `#` in its password, that is the
        // password's start.
        r#"(?P<keep>invalid port ":)(?P<secret>[^"\s]+)(?P<end>" after host)"#,
        // Query parameters: ?token=…&X-Amz-Signature=…
        r#"(?i)(?P<keep>[?&](?:token|access_token|password|passwd|sig|signature|x-amz-signature|x-amz-credential|x-amz-security-token|client_secret|code)=)(?P<secret>[^&\s#"'<>\\]+)"#,
        // Assignments: HTTPS_PROXY_PASSWORD=…, --password=…, --password …
        r#"(?P<keep>\b[A-Za-z0-9_]*(?i:password|passwd|token|secret|api_?key)[A-Za-z0-9_]*=)(?P<secret>[^\s"'\\]+)"#,
        r#"(?i)(?P<keep>--(?:password|token|secret)[= ])(?P<secret>[^\s"'\\]+)"#,
    ]
    .iter()
    .map(|r| lite(r))
    .collect()
});

/// Our renderer's colour sequences.
static SGR: LazyLock<Regex> = LazyLock::new(|| lite(r"\x1b\[[0-9;]*m"));

/// Schemes a proxy, daemon or registry URL is written with: a word before `://` that is
/// none of them may be a user name whose password starts with `//`.
const URL_SCHEMES: &[&str] = &[
    "http", "https", "socks", "socks4", "socks4a", "socks5", "socks5h", "tcp", "ssh", "unix",
    "npipe", "fd", "ftp", "ws", "wss", "git",
];

impl Masker {
    /// The secrets of this process's environment and the client config it would use.
    pub fn from_this_machine() -> Masker {
        let mut m = Masker::default();
        for (k, v) in std::env::vars_os() {
            let (k, v) = (k.to_string_lossy(), v.to_string_lossy());
            m.learn_variable(&k, &v);
        }
        let config = std::env::var_os("DOCKER_CONFIG")
            .map(std::path::PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| std::path::Path::new(&h).join(".docker")))
            .map(|d| d.join("config.json"));
        if let Some(path) = config
            && let Ok(bytes) = probes::bounded::read_file(&path, probes::bounded::FILE_CAP)
        {
            m.learn_docker_config(&String::from_utf8_lossy(&bytes));
        }
        m
    }

    /// A variable's secrets: the password of any URL in it, or the whole value when the
    /// name says it is one.
    pub fn learn_variable(&mut self, name: &str, value: &str) {
        if SECRET_NAME.is_match(name) && !name.to_ascii_uppercase().contains("PROXY") {
            self.add(value);
        }
        self.learn_urls(value);
    }

    /// The passwords of every URL (with or without scheme) in `text`.
    pub fn learn_urls(&mut self, text: &str) {
        for m in URL_AUTHORITY.find_iter(text) {
            let authority = &m.as_str()[m.as_str().find("://").unwrap_or(0) + 3..];
            if let Some(at) = authority.rfind('@')
                && (!is_ssh(m.as_str()) || authority[..at].contains(':'))
            {
                self.add_userinfo(&authority[..at]);
            }
        }
        // The whole value as one URL, with or without scheme. People write passwords raw:
        // a space, `/`, `?` or `#` in one is still before the last `@` that a host follows.
        let t = text.trim();
        // A `://` inside a password (`user:~://x@host`) is no scheme: a scheme is a word.
        let scheme = t.split_once("://").filter(|(s, _)| {
            s.starts_with(|c: char| c.is_ascii_alphabetic())
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "+.-".contains(c))
        });
        let rest = scheme.map_or(t, |(_, r)| r);
        let ssh_login = scheme.is_some_and(|(s, _)| s.eq_ignore_ascii_case("ssh"));
        if let Some(at) = rest.rfind('@')
            && (!ssh_login || rest[..at].contains(':'))
            && rest[at + 1..].starts_with(|c: char| c.is_ascii_alphanumeric() || c == '[')
            && (scheme.is_some() || rest[..at].contains(':'))
        {
            self.add_userinfo(&rest[..at]);
            // A word before `://` that no URL uses as a scheme (`aaa://#:x@host`) reads as
            // well as a user whose password starts with `//` (`aaa:` + `//#:x`): both
            // readings are learned.
            if scheme.is_some_and(|(s, _)| !URL_SCHEMES.contains(&s.to_ascii_lowercase().as_str()))
            {
                self.add_userinfo(&t[..t.len() - rest.len() + at]);
            }
        }
        for c in BARE_USERINFO.captures_iter(text) {
            self.add_userinfo(&format!("{}:{}", &c["user"], &c["pass"]));
        }
    }

    fn add_userinfo(&mut self, userinfo: &str) {
        match userinfo.split_once(':') {
            Some((user, pass)) => {
                self.add(pass);
                let decoded = percent_decode(user);
                let pass_decoded = percent_decode(pass);
                self.add_plain(&base64(&format!("{decoded}:{pass_decoded}")));
            }
            // A lone token in the user part.
            None => self.add(userinfo),
        }
    }

    /// `auths` (base64 `user:password`, `password`, tokens) and proxy URLs of a client
    /// config.json.
    pub fn learn_docker_config(&mut self, text: &str) {
        let Ok(v) = serde_json::from_str::<serde_json::Value>(text) else {
            // Malformed: still take the shapes it holds.
            self.learn_urls(text);
            return;
        };
        if let Some(auths) = v.get("auths").and_then(|a| a.as_object()) {
            for entry in auths.values() {
                // `"host": "base64(user:pass)"` is a login too.
                if let Some(s) = entry.as_str() {
                    self.add_auth(s);
                }
                for key in ["auth", "password", "identitytoken", "registrytoken"] {
                    if let Some(s) = entry.get(key).and_then(|s| s.as_str()) {
                        if key == "auth" {
                            self.add_auth(s);
                        } else {
                            self.add(s);
                        }
                    }
                }
            }
        }
        // Headers the CLI sends on every request: any of them may carry a credential.
        if let Some(headers) = v
            .as_object()
            .and_then(|o| {
                o.iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case("HttpHeaders"))
            })
            .and_then(|(_, h)| h.as_object())
        {
            for value in headers.values().filter_map(|h| h.as_str()) {
                self.add(value);
                if let Some((_, token)) = value.trim().split_once(char::is_whitespace) {
                    self.add(token);
                    if let Some(pair) = unbase64(token.trim())
                        && let Some((_, pass)) = pair.split_once(':')
                    {
                        self.add(pass);
                    }
                }
            }
        }
        // Each value on its own, so a raw password holding `/` or `?` in a proxy URL is
        // learned whole (the last `@` of that value, not of the document, ends it).
        let mut stack = vec![&v];
        while let Some(v) = stack.pop() {
            match v {
                serde_json::Value::String(s) => self.learn_urls(s),
                serde_json::Value::Array(a) => stack.extend(a.iter()),
                serde_json::Value::Object(o) => stack.extend(o.values()),
                _ => {}
            }
        }
        self.learn_urls(text);
    }

    /// An `auth` value: base64 of `user:password`, and the password inside it.
    fn add_auth(&mut self, s: &str) {
        self.add(s);
        if let Some(pair) = unbase64(s)
            && let Some((_, pass)) = pair.split_once(':')
        {
            self.add(pass);
        }
    }

    /// A secret in every form it may be written in.
    pub fn add(&mut self, secret: &str) {
        let secret = secret.trim();
        let decoded = percent_decode(secret);
        for form in [secret, decoded.as_str()] {
            self.add_plain(form);
            self.add_plain(&percent_encode(form));
            let json = serde_json::to_string(form).unwrap_or_default();
            self.add_plain(&json[1..json.len().saturating_sub(1).max(1)]);
        }
    }

    fn add_plain(&mut self, value: &str) {
        // Too short to be a secret without masking ordinary words.
        if value.chars().count() < 4 || value == MASK {
            return;
        }
        if self.values.insert(value.to_string()) {
            self.finder = OnceLock::new();
        }
    }

    /// The automaton over every learned value, built on first use.
    fn finder(&self) -> Option<&aho_corasick::AhoCorasick> {
        self.finder
            .get_or_init(|| {
                (!self.values.is_empty())
                    .then(|| {
                        aho_corasick::AhoCorasick::builder()
                            .match_kind(aho_corasick::MatchKind::LeftmostLongest)
                            .build(&self.values)
                            .ok()
                    })
                    .flatten()
            })
            .as_ref()
    }

    /// The text masked; `keep_color` keeps `ESC[…m` sequences.
    pub fn mask(&self, s: &str, keep_color: bool) -> String {
        let mut out = match self.finder() {
            Some(f) => {
                let mut masked = String::with_capacity(s.len());
                f.replace_all_with(s, &mut masked, |_, _, dst| {
                    dst.push_str(MASK);
                    true
                });
                masked
            }
            None => s.to_string(),
        };
        out = URL_WORD
            .replace_all(&out, |c: &Captures| {
                probes::secret::redact_raw_login(&c[0]).unwrap_or_else(|| c[0].to_string())
            })
            .into_owned();
        out = URL_AUTHORITY
            .replace_all(&out, |c: &Captures| mask_authority(&c[0]))
            .into_owned();
        out = BARE_USERINFO
            .replace_all(&out, |c: &Captures| {
                if &c["pass"] == MASK {
                    c[0].to_string()
                } else {
                    format!("{}:{MASK}@{}", &c["user"], &c["host"])
                }
            })
            .into_owned();
        for re in SECRET_FIELDS.iter() {
            out = re
                .replace_all(&out, |c: &Captures| {
                    if c["secret"].starts_with(MASK) {
                        c[0].to_string()
                    } else {
                        let end = c.name("end").map_or("", |m| m.as_str());
                        format!("{}{MASK}{end}", &c["keep"])
                    }
                })
                .into_owned();
        }
        controls(&out, keep_color)
    }
}

/// `scheme://user:password@host` with the password masked (a lone user part is a token).
fn is_ssh(url: &str) -> bool {
    url.get(..6)
        .is_some_and(|s| s.eq_ignore_ascii_case("ssh://"))
}

fn mask_authority(url: &str) -> String {
    let start = url.find("://").map(|i| i + 3).unwrap_or(0);
    let authority = &url[start..];
    let Some(at) = authority.rfind('@') else {
        return url.to_string();
    };
    let userinfo = &authority[..at];
    let masked = match userinfo.split_once(':') {
        Some((_, pass)) if pass == MASK => return url.to_string(),
        Some((user, _)) => format!("{user}:{MASK}"),
        None if userinfo == MASK => return url.to_string(),
        // ssh:// names a login, not a token (ssh never takes a password in the URL).
        None if is_ssh(url) => return url.to_string(),
        None => MASK.to_string(),
    };
    format!("{}{masked}@{}", &url[..start], &authority[at + 1..])
}

/// Control characters replaced by a visible form (`^[` for ESC, `\u{7f}` …); newlines and
/// tabs stay, a CR before a newline goes.
fn controls(s: &str, keep_color: bool) -> String {
    if !s.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while !rest.is_empty() {
        if keep_color
            && rest.starts_with('\x1b')
            && let Some(m) = SGR.find(rest)
            && m.start() == 0
        {
            out.push_str(m.as_str());
            rest = &rest[m.end()..];
            continue;
        }
        let c = rest.chars().next().unwrap_or('\0');
        rest = &rest[c.len_utf8()..];
        match c {
            '\n' | '\t' => out.push(c),
            '\r' if rest.starts_with('\n') => {}
            '\x1b' => out.push_str("^["),
            c if c.is_control() && (c as u32) < 0x20 => {
                out.push('^');
                out.push(char::from_u32(c as u32 + 0x40).unwrap_or('?'));
            }
            c if c.is_control() => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

/// Percent-encoding of everything a URL's userinfo cannot hold as is.
fn percent_encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn base64(s: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(s)
}

fn unbase64(s: &str) -> Option<String> {
    use base64::Engine;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(s.trim())
        .ok()?;
    String::from_utf8(bytes).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn masker(env: &[(&str, &str)]) -> Masker {
        let mut m = Masker::default();
        for (k, v) in env {
            m.learn_variable(k, v);
        }
        m
    }

    /// The patterns keep the ASCII meaning they were written with: a non-ASCII letter
    /// next to a word is a boundary, a no-break space is part of a value, not its end.
    #[test]
    fn patterns_keep_their_ascii_classes() {
        assert!(lite(r"\btoken\b").is_match("ätoken"));
        assert!(!lite(r"a\sb").is_match("a\u{a0}b"));
        assert!(lite(r"[^\s]+x").is_match("\u{a0}x"));
        let m = masker(&[]);
        let out = m.mask("--password=ab\u{a0}cd and ätoken=\"s3cr3t\"", false);
        assert!(!out.contains("cd") && !out.contains("s3cr3t"), "{out}");
    }

    #[test]
    fn xml_is_masked_in_text_and_attributes_and_stays_well_formed() {
        let m = masker(&[("API_TOKEN", "s3cr&t")]);
        let doc = "<?xml version=\"1.0\"?>\n<a k=\"http://u:pw@h\">x s3cr&amp;t &lt;y&gt;<b/></a>";
        let out = mask_xml(doc, &m).unwrap();
        assert!(!out.contains("pw@") && !out.contains("s3cr"), "{out}");
        assert!(
            out.contains("&lt;redacted&gt;") && out.contains("&lt;y&gt;"),
            "{out}"
        );
        // Well-formed: it reads back.
        assert!(mask_xml(&out, &m).is_ok());
        // What does not parse is escaped whole, never passed on as markup.
        assert!(!xml_text("<a><b></a>").contains('<'));
    }

    /// A raw password holding `/`, `?` or `#` ends a URL parser's authority early: masked
    /// up to the last `@` a host follows, however short it is (the by-value layer leaves
    /// values under 4 characters alone).
    #[test]
    fn a_raw_password_holding_url_delimiters_is_masked_by_shape() {
        let m = Masker::default();
        for (input, want) in [
            (
                "uses the proxy http://u:1/w@proxy.corp:3128, but",
                "uses the proxy http://u:<redacted>@proxy.corp:3128, but",
            ),
            (
                "HTTPS_PROXY=http://bob:a#b?c@10.0.0.1:3128/",
                "HTTPS_PROXY=http://bob:<redacted>@10.0.0.1:3128/",
            ),
        ] {
            assert_eq!(m.mask(input, false), want);
        }
        // Go's refusal quotes the password's start as a port.
        assert_eq!(
            m.mask(r#"parse "x": invalid port ":p" after host"#, false),
            r#"parse "x": invalid port ":<redacted>" after host"#
        );
        // A digest after a path is no password; a path without a login keeps its `@`.
        for kept in [
            "pull https://registry:5000/v2/foo@sha256:abc failed",
            "see https://github.com/o/r@v1 and http://proxy/a@b",
        ] {
            assert_eq!(m.mask(kept, false), kept);
        }
    }

    #[test]
    fn urls_with_and_without_scheme_keep_user_and_host() {
        let m = Masker::default();
        for (input, want) in [
            (
                "proxyconnect tcp: http://alice:s3cret@proxy:3128 failed",
                "proxyconnect tcp: http://alice:<redacted>@proxy:3128 failed",
            ),
            (
                "HTTPS_PROXY=bob:Pa:ss@word@10.0.0.1:9",
                "HTTPS_PROXY=bob:<redacted>@10.0.0.1:9",
            ),
            (
                "tcp://ci:t0k3n@docker.corp:2376",
                "tcp://ci:<redacted>@docker.corp:2376",
            ),
            (
                "https://ghp_abcdefgh@github.com/x",
                "https://<redacted>@github.com/x",
            ),
            (
                "a http://u:p1@h and http://v:p2@k",
                "a http://u:<redacted>@h and http://v:<redacted>@k",
            ),
            ("git@github.com:org/repo.git", "git@github.com:org/repo.git"),
            ("http://proxy.corp:3128", "http://proxy.corp:3128"),
        ] {
            assert_eq!(m.mask(input, false), want, "{input}");
        }
    }

    /// `user:` + a password starting with `//` reads as a scheme (`aaa://:#~a@host`): the
    /// password is learned in both readings, and a real scheme's URL keeps its user.
    #[test]
    fn a_password_that_makes_the_user_look_like_a_scheme() {
        for pass in ["//:#~a", "//#:~a"] {
            let value = format!("aaa:{pass}@proxy.corp:3128");
            let mut m = Masker::default();
            m.learn_variable("HTTPS_PROXY", &value);
            for form in [pass, value.as_str()] {
                let out = m.mask(&format!("report: {form} (end)"), false);
                assert!(!out.contains(pass), "{form} -> {out}");
            }
        }
        let mut m = Masker::default();
        m.learn_variable("HTTPS_PROXY", "http://alice:s3cret@proxy:3128");
        assert_eq!(
            m.mask("http://alice:s3cret@proxy:3128", false),
            "http://alice:<redacted>@proxy:3128"
        );
    }

    #[test]
    fn json_around_a_sentence_ending_in_token_stays_json() {
        let json = "{\n  \"input\": \"failed to fetch anonymous token:\",\n  \"matches\": []\n}";
        let out = Masker::default().mask(json, false);
        assert_eq!(out, json);
        assert!(serde_json::from_str::<serde_json::Value>(&out).is_ok());
    }

    #[test]
    fn headers_fields_and_parameters() {
        let m = Masker::default();
        for (input, hidden) in [
            (
                "Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.e30.sig",
                "eyJhbGci",
            ),
            ("Proxy-Authorization: Basic YWxpY2U6czNjcmV0", "YWxpY2U6"),
            (r#"{"auths":{"r":{"auth":"YWxpY2U6czNjcmV0"}}}"#, "YWxpY2U6"),
            ("identitytoken = \"abcd-efgh\"", "abcd-efgh"),
            ("GET /v2/token?scope=x&token=s3cretvalue&y=1", "s3cretvalue"),
            ("REGISTRY_PASSWORD=hunter22 docker login", "hunter22"),
            ("docker login --password hunter22", "hunter22"),
        ] {
            let out = m.mask(input, false);
            assert!(!out.contains(hidden), "{input} -> {out}");
            assert!(out.contains(MASK), "{input} -> {out}");
        }
    }

    #[test]
    fn known_secrets_in_every_form() {
        let m = masker(&[
            ("HTTPS_PROXY", "http://alice:Winter%402026 x@proxy:3128"),
            ("http_proxy", "bob:Hook-Canary-9@127.0.0.1:9"),
            ("GITHUB_TOKEN", "ghp_0123456789"),
        ]);
        for leak in [
            "Winter%402026 x",
            "Winter@2026 x",
            "Winter%402026%20x",
            "Hook-Canary-9",
            "ghp_0123456789",
            &base64("alice:Winter@2026 x"),
            &base64("bob:Hook-Canary-9"),
        ] {
            let out = m.mask(&format!("seen: {leak} ."), false);
            assert!(!out.contains(leak), "{leak} -> {out}");
        }
        // A proxy's host and user are not secrets.
        assert_eq!(m.mask("proxy:3128 alice", false), "proxy:3128 alice");
    }

    #[test]
    fn docker_config_auths() {
        let mut m = Masker::default();
        m.learn_docker_config(
            r#"{"auths":{"r.corp":{"auth":"dXNlcjpjMG1wbGV4UGFzcw=="}},"proxies":{"default":{"httpsProxy":"http://u:Pr0xyPw@p:1"}}}"#,
        );
        for leak in ["c0mplexPass", "Pr0xyPw", "dXNlcjpjMG1wbGV4UGFzcw=="] {
            assert!(!m.mask(leak, false).contains(leak), "{leak}");
        }
    }

    #[test]
    fn control_characters_are_made_visible() {
        let m = Masker::default();
        assert_eq!(
            m.mask("a\x1b[2Jb\r\nc\x07\u{9b}d", false),
            "a^[[2Jb\nc^G\\u{9b}d"
        );
        // Our own colour survives only when asked; any other sequence never does.
        assert_eq!(
            m.mask("\x1b[1mx\x1b[0m\x1b[2J", true),
            "\x1b[1mx\x1b[0m^[[2J"
        );
        assert_eq!(m.mask("\x1b[1mx", false), "^[[1mx");
    }
}

#[cfg(test)]
mod properties {
    use super::*;
    use proptest::prelude::*;

    /// Passwords as people write them: letters, digits and the characters that need
    /// care in a URL (`@`, `:`, `%`, space, `/`, `#`, `?`), at least 6 long.
    fn password() -> impl Strategy<Value = String> {
        proptest::string::string_regex("[A-Za-z0-9@:%/#? !$&*+=._~-]{6,24}")
            .unwrap()
            .prop_filter("not only spaces", |p| p.trim().len() >= 6)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(400))]

        /// A password given in a proxy variable (with or without scheme, raw or
        /// percent-encoded) survives no rendering of it: as set, decoded, encoded, in
        /// base64 with its user, JSON-escaped.
        #[test]
        fn no_proxy_password_survives(
            user in "[a-z]{3,8}",
            pass in password(),
            scheme in proptest::option::of(Just("http://")),
            encode in any::<bool>(),
        ) {
            let written = if encode { percent_encode(&pass) } else { pass.clone() };
            let value = format!("{}{user}:{written}@proxy.corp:3128", scheme.unwrap_or(""));
            let mut m = Masker::default();
            m.learn_variable("HTTPS_PROXY", &value);
            let forms = [
                value.clone(),
                pass.clone(),
                percent_encode(&pass),
                base64(&format!("{user}:{pass}")),
                serde_json::to_string(&pass).unwrap(),
            ];
            for form in forms {
                let text = format!("report: {form} (end)");
                let out = m.mask(&text, false);
                prop_assert!(!out.contains(pass.trim()), "{text} -> {out}");
            }
        }

        /// Whatever the text, masking never panics and leaves no control character but
        /// newline and tab.
        #[test]
        fn any_text_is_safe_to_print(text in any::<String>()) {
            let out = Masker::default().mask(&text, false);
            prop_assert!(!out.chars().any(|c| c.is_control() && c != '\n' && c != '\t'));
        }
    }
}
