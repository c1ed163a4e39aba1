//! An organisation's baseline (`--expect FILE`): what every machine must have, written once
//! by a platform team (see `baseline.example.toml`). Parsed strictly: an unknown key or a
//! wrong type is an error naming its line, since a baseline that silently checks less
//! than it says is worse than none. Every expectation keeps its line, so each deviation can
//! name the baseline line it breaks.

use serde::Deserialize;
use toml::Spanned;

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Baseline {
    /// The file, for the findings ("corp.toml:12").
    #[serde(skip)]
    pub path: String,
    /// Line starts of the file, to turn byte spans into line numbers.
    #[serde(skip)]
    line_starts: Vec<usize>,
    pub proxy: Option<ProxyExpect>,
    #[serde(default)]
    pub ca: Vec<CaExpect>,
    pub registries: Option<RegistriesExpect>,
    pub minimum: Option<MinimumExpect>,
    pub cli: Option<CliExpect>,
    pub ports: Option<PortsExpect>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProxyExpect {
    pub http: Option<Spanned<String>>,
    pub https: Option<Spanned<String>>,
    /// Entries NO_PROXY must contain (internal domains, the private registry, loopback).
    #[serde(default)]
    pub no_proxy: Option<Spanned<Vec<String>>>,
    /// Who must use it: `daemon` (default), `containers` (config.json), `shell`.
    #[serde(default, rename = "for")]
    pub for_: Option<Spanned<Vec<ProxyUser>>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ProxyUser {
    Daemon,
    Containers,
    Shell,
}

impl ProxyExpect {
    pub fn users(&self) -> Vec<ProxyUser> {
        self.for_
            .as_ref()
            .map(|f| f.get_ref().clone())
            .unwrap_or_else(|| vec![ProxyUser::Daemon])
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaExpect {
    /// For people: "Corp Root CA".
    pub name: Option<String>,
    /// SHA-256 of the certificate (DER), hex with or without colons.
    pub sha256: Spanned<String>,
    /// The registries the daemon must trust it for (default: Docker Hub, i.e. the system
    /// store). A private registry may also have it in certs.d.
    #[serde(default)]
    pub registries: Vec<String>,
    /// Where the certificate is on the machines (PEM), for the fix to copy it from.
    pub pem_file: Option<String>,
}

impl CaExpect {
    /// The fingerprint as upper-case hex without separators; `None` when it is not 64 hex
    /// digits.
    pub fn fingerprint(&self) -> Option<String> {
        normalize_fingerprint(self.sha256.get_ref())
    }

    pub fn label(&self) -> String {
        self.name
            .clone()
            .unwrap_or_else(|| format!("the CA {}", short(self.sha256.get_ref())))
    }

    pub fn registries(&self) -> Vec<String> {
        if self.registries.is_empty() {
            vec!["docker.io".into()]
        } else {
            self.registries.clone()
        }
    }
}

fn short(fp: &str) -> String {
    fp.chars().take(23).collect::<String>() + "…"
}

pub fn normalize_fingerprint(text: &str) -> Option<String> {
    let hex: String = text
        .chars()
        .filter(|c| !matches!(c, ':' | ' ' | '-'))
        .collect::<String>()
        .to_ascii_uppercase();
    (hex.len() == 64 && hex.chars().all(|c| c.is_ascii_hexdigit())).then_some(hex)
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegistriesExpect {
    /// Mirrors the daemon must have (`registry-mirrors`).
    #[serde(default)]
    pub mirrors: Option<Spanned<Vec<String>>>,
    /// Registries that must never be insecure (plain HTTP or unverified TLS).
    #[serde(default)]
    pub not_insecure: Option<Spanned<Vec<String>>>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MinimumExpect {
    pub engine: Option<Spanned<String>>,
    pub desktop: Option<Spanned<String>>,
    pub compose: Option<Spanned<String>>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CliExpect {
    #[serde(default)]
    pub plugins: Option<Spanned<Vec<String>>>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PortsExpect {
    #[serde(default)]
    pub free: Option<Spanned<Vec<u16>>>,
}

/// The most a baseline may hold: an organisation's is a few KiB (its NO_PROXY list,
/// fingerprints and ports); 4 MiB leaves room for a hundred thousand entries, which are
/// all compared in linear time.
pub const BASELINE_CAP: usize = 4 << 20;

impl Baseline {
    /// Parses a baseline; the error names the file, line and column and what is wrong.
    pub fn parse(path: &str, text: &str) -> Result<Baseline, String> {
        if text.len() > BASELINE_CAP {
            return Err(format!(
                "{path}: larger than {}: not a baseline (not parsed)",
                crate::bounded::human_size(BASELINE_CAP as u64)
            ));
        }
        if let Some(line) = crate::bounded::nested_too_deep(text) {
            return Err(format!(
                "{path} line {line}: nested deeper than {} levels: not parsed",
                crate::bounded::MAX_NESTING
            ));
        }
        let mut b: Baseline = toml::from_str(text).map_err(|e| {
            let at = e
                .span()
                .map(|s| {
                    let (line, col) = line_col(text, s.start);
                    format!(" line {line}, column {col}")
                })
                .unwrap_or_default();
            let message = e.message().trim().to_string();
            format!("{path}{at}: {message}")
        })?;
        for ca in &b.ca {
            if ca.fingerprint().is_none() {
                let (line, _) = line_col(text, ca.sha256.span().start);
                return Err(format!(
                    "{path} line {line}: sha256 must be the certificate's SHA-256 fingerprint, 64 hex digits (colons allowed)"
                ));
            }
        }
        for v in [
            b.minimum.as_ref().and_then(|m| m.engine.as_ref()),
            b.minimum.as_ref().and_then(|m| m.desktop.as_ref()),
            b.minimum.as_ref().and_then(|m| m.compose.as_ref()),
        ]
        .into_iter()
        .flatten()
        {
            if parse_version(v.get_ref()).is_none() {
                let (line, _) = line_col(text, v.span().start);
                return Err(format!(
                    "{path} line {line}: \"{}\" is not a version (write \"24.0\" or \"2.20.3\")",
                    v.get_ref()
                ));
            }
        }
        b.path = path.to_string();
        b.line_starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        Ok(b)
    }

    /// "corp.toml:12" for a value's span.
    pub fn at<T>(&self, v: &Spanned<T>) -> String {
        let line = self.line_starts.partition_point(|&s| s <= v.span().start);
        format!("{}:{line}", self.path)
    }

    /// How many expectations the file states, for the summary.
    pub fn count(&self) -> usize {
        let mut n = self.ca.len();
        if let Some(p) = &self.proxy {
            n += p.http.is_some() as usize
                + p.https.is_some() as usize
                + p.no_proxy.is_some() as usize;
        }
        if let Some(r) = &self.registries {
            n += r.mirrors.as_ref().map_or(0, |m| m.get_ref().len());
            n += r.not_insecure.as_ref().map_or(0, |m| m.get_ref().len());
        }
        if let Some(m) = &self.minimum {
            n += m.engine.is_some() as usize
                + m.desktop.is_some() as usize
                + m.compose.is_some() as usize;
        }
        if let Some(c) = &self.cli {
            n += c.plugins.as_ref().map_or(0, |p| p.get_ref().len());
        }
        if let Some(p) = &self.ports {
            n += p.free.as_ref().map_or(0, |f| f.get_ref().len());
        }
        n
    }
}

/// 1-based line and column of a byte offset.
fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let col = before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1;
    (line, col)
}

/// `24.0`, `v2.20.3`, `4.30.0 (149282)` → (major, minor, patch).
pub fn parse_version(text: &str) -> Option<(u64, u64, u64)> {
    let t = text.trim().trim_start_matches('v');
    let mut parts = t
        .split(|c: char| !c.is_ascii_digit())
        .take_while(|p| !p.is_empty());
    let major = parts.next()?.parse().ok()?;
    let minor = parts.next().and_then(|p| p.parse().ok()).unwrap_or(0);
    let patch = parts.next().and_then(|p| p.parse().ok()).unwrap_or(0);
    Some((major, minor, patch))
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXAMPLE: &str = include_str!("../../../baseline.example.toml");

    #[test]
    fn the_example_parses_and_keeps_its_lines() {
        let b = Baseline::parse("corp.toml", EXAMPLE).unwrap();
        let proxy = b.proxy.as_ref().unwrap();
        let https = proxy.https.as_ref().unwrap();
        let line = EXAMPLE
            .lines()
            .position(|l| l.starts_with("https ="))
            .unwrap()
            + 1;
        assert_eq!(b.at(https), format!("corp.toml:{line}"));
        assert!(b.count() >= 8, "{}", b.count());
        assert_eq!(b.ca[0].fingerprint().unwrap().len(), 64);
    }

    #[test]
    fn mistakes_name_their_line() {
        let cases = [
            ("[proxy]\nhttps = 3128\n", "line 2"),
            ("[proxy]\nhtps = \"http://p:3128\"\n", "line 2"),
            ("[[ca]]\nsha256 = \"AB:CD\"\n", "line 2"),
            ("[minimum]\nengine = \"latest\"\n", "line 2"),
            ("[ports]\nfree = [70000]\n", "line 2"),
            ("[proxy\n", "line 1"),
        ];
        for (text, want) in cases {
            let e = Baseline::parse("b.toml", text).unwrap_err();
            assert!(e.starts_with("b.toml") && e.contains(want), "{text:?}: {e}");
        }
    }

    #[test]
    fn versions_and_fingerprints() {
        assert_eq!(parse_version("24.0"), Some((24, 0, 0)));
        assert_eq!(parse_version("v2.20.3"), Some((2, 20, 3)));
        assert_eq!(parse_version("4.30.0 (149282)"), Some((4, 30, 0)));
        assert_eq!(parse_version("latest"), None);
        let fp = "e4:e8:22:eb:3f:57:a6:97:25:42:3c:cb:3f:03:ab:b1:a6:7b:c1:73:84:42:55:cc:8e:be:1a:85:fa:53:3f:22";
        assert_eq!(
            normalize_fingerprint(fp).unwrap(),
            "E4E822EB3F57A69725423CCB3F03ABB1A67BC173844255CC8EBE1A85FA533F22"
        );
    }
}
