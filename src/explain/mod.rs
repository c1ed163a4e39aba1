//! `docker-doctor explain`: match a pasted Docker error against the registry of known
//! failure signatures (signatures.toml), best match first, and, run on the user's machine,
//! say whether the probes confirm it.
//!
//! Matching is on structure and within bounds: the text is cut into lines (lower-cased,
//! whitespace collapsed, spaced-out UTF-16 letters joined), and each pattern runs on a
//! window of at most three consecutive lines, never on the whole paste, so two unrelated
//! lines of a long log cannot make a match. Patterns anchor on what survives versions and
//! translation (socket paths, pipe names, URLs with /v2/, status codes, HRESULTs, the
//! wording of Go's errors) and capture values (socket, host, registry, proxy, ...) that are
//! put into the explanation and the fix. Text that only looks like a Docker error (an
//! application's own x509 or DNS error, a Compose service name that does not resolve inside
//! its network) gets no confident match: below [`ABSTAIN`] the answer is "nothing known".

use crate::engine::{self, Selection};
use probes::host::RealHost;
use regex::{Regex, RegexSet};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::Arc;

const SIGNATURES: &str = include_str!("signatures.toml");

/// Below this confidence a candidate is a guess, not an answer: when the best candidate is
/// below it, nothing is reported (and `explain` exits 1).
pub const ABSTAIN: f64 = 0.5;
/// Candidates kept next to a confident best one (other plausible causes, ranked).
const ALTERNATIVE: f64 = 0.3;
/// Lines a pattern may span.
const WINDOW: usize = 3;
/// What a pattern loses when it only matches across lines rather than within one.
const SPAN_PENALTY: f64 = 0.05;

/// Context that says a line is about a registry pull or push by Docker, written into
/// patterns as `%REG%`: the /v2/ API right after a host, the v1 API, Docker's own wording
/// around pulls. A Go program's own TLS or DNS error has none of it.
const REGISTRY_CONTEXT: &str = r#"(?:https?://[^/\s"']+/v2/|/v1/repositories|/v1/_ping|registry|docker\.io|error response from daemon|error pulling|while pulling|pulling (?:from|repository|fs layer)|download failed|upload failed|failed to (?:copy|resolve|authorize|do request|fetch|pull)|/manifests/|/blobs/|\bdocker(?:-compose)? (?:pull|push|login|build|run)\b|dkr\.ecr|ghcr\.io|quay\.io|gcr\.io|mcr\.microsoft\.com)"#;

#[derive(Debug, Deserialize)]
struct File {
    failure: Vec<SignatureSpec>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SignatureSpec {
    id: String,
    #[serde(default)]
    mode: Option<String>,
    area: String,
    title: String,
    #[serde(rename = "match")]
    patterns: Vec<PatternSpec>,
    explanation: String,
    fix: Vec<String>,
    #[serde(default)]
    defaults: BTreeMap<String, String>,
    confirm: Vec<String>,
    corpus: Vec<String>,
    sources: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PatternSpec {
    re: String,
    confidence: f64,
    /// The pattern does not count when this also matches in the same window.
    #[serde(default)]
    reject: Option<String>,
}

struct Pattern {
    re: Regex,
    confidence: f64,
    reject: Option<Regex>,
}

/// One failure mode.
pub struct Signature {
    /// The finding (`<probe>.<condition>`) the probes report for this failure mode.
    pub id: String,
    /// The failure mode itself; several modes can share one finding id.
    pub mode: String,
    /// The area of the problem (daemon_unreachable, socket_permissions, wsl2, proxy_ca,
    /// registry_dns_tls, registry_auth, storage, port_conflicts).
    pub area: String,
    pub title: String,
    patterns: Vec<Pattern>,
    pub explanation: String,
    pub fix: Vec<String>,
    pub defaults: BTreeMap<String, String>,
    pub confirm: Vec<String>,
    pub corpus: Vec<String>,
    pub sources: Vec<String>,
}

fn compile(re: &str, id: &str) -> Regex {
    Regex::new(&re.replace("%REG%", REGISTRY_CONTEXT)).unwrap_or_else(|e| panic!("{id}: {e}"))
}

/// The registry, parsed once. A bad entry is a bug caught by the tests.
pub fn registry() -> Vec<Signature> {
    let file: File = toml::from_str(SIGNATURES).expect("signatures.toml parses");
    file.failure
        .into_iter()
        .map(|s| {
            let mode = s.mode.clone().unwrap_or_else(|| s.id.clone());
            Signature {
                patterns: s
                    .patterns
                    .iter()
                    .map(|p| Pattern {
                        re: compile(&p.re, &mode),
                        confidence: p.confidence,
                        reject: p.reject.as_deref().map(|r| compile(r, &mode)),
                    })
                    .collect(),
                mode,
                id: s.id,
                area: s.area,
                title: s.title,
                explanation: s.explanation,
                fix: s.fix,
                defaults: s.defaults,
                confirm: s.confirm,
                corpus: s.corpus,
                sources: s.sources,
            }
        })
        .collect()
}

/// One line as the patterns see it: lower-cased, whitespace collapsed.
fn plain_line(line: &str) -> String {
    line.to_lowercase()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// "W i n d o w s   S u b s y s t e m" (UTF-16 read as UTF-8, NULs gone): one space between
/// letters, more between words.
fn joined_line(line: &str) -> String {
    let chars: Vec<char> = line.to_lowercase().chars().collect();
    let mut joined = String::new();
    for (i, c) in chars.iter().enumerate() {
        let single_gap = *c == ' '
            && i > 0
            && i + 1 < chars.len()
            && !chars[i - 1].is_whitespace()
            && !chars[i + 1].is_whitespace();
        if !single_gap {
            joined.push(*c);
        }
    }
    joined.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The text as lines, in each form the patterns run on (plain, and joined when different).
fn normalise(text: &str) -> Vec<Vec<String>> {
    let cleaned = text.replace(['\0', '\r'], "");
    let raw: Vec<&str> = cleaned
        .split('\n')
        .filter(|l| !l.trim().is_empty())
        .collect();
    let plain: Vec<String> = raw.iter().map(|l| plain_line(l)).collect();
    let joined: Vec<String> = raw.iter().map(|l| joined_line(l)).collect();
    if joined == plain {
        vec![plain]
    } else {
        vec![plain, joined]
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Match {
    /// The finding id the probes use for this failure.
    pub id: String,
    /// The failure mode (several modes can share a finding id).
    pub mode: String,
    pub area: String,
    pub title: String,
    /// Confidence after the probes ran (the text's, raised when the probes confirm it and
    /// lowered when they do not see it).
    pub confidence: f64,
    /// What the text alone says.
    pub text_confidence: f64,
    pub explanation: String,
    pub fix: Vec<String>,
    /// Values read from the text (socket, host, registry, proxy, pipe, ...).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub values: BTreeMap<String, String>,
    /// The lines that matched (secrets masked).
    pub evidence: String,
    pub sources: Vec<String>,
    /// Corpus entries of the same failure mode.
    pub examples: Vec<String>,
    pub confirmation: Confirmation,
}
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// The probes found this on this machine.
    Confirmed,
    /// The probes ran and did not find it here (the error came from elsewhere, or it was
    /// fixed since).
    NotSeen,
    /// `--no-probe`.
    NotChecked,
    /// No probe can check this failure mode.
    NoProbe,
}

#[derive(Debug, Clone, Serialize)]
pub struct Confirmation {
    pub status: Status,
    /// The findings that confirm it: id and summary.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub findings: Vec<(String, String)>,
}

/// The best hit of one signature: confidence, the pattern's length (ties go to the more
/// specific), the window's text and the values it captured.
struct Hit {
    confidence: f64,
    specificity: usize,
    evidence: String,
    values: BTreeMap<String, String>,
}

/// Characters a captured value does not end with (sentence punctuation, quotes).
fn tidy(value: &str) -> String {
    value
        .trim_end_matches(['.', ',', ';', ':', ')', '"', '\'', '`', ']'])
        .trim_start_matches(['"', '\'', '`', '('])
        .to_string()
}

/// `{name}` in a template replaced by the value read from the text, else by the
/// signature's default, else `<name>`.
fn fill(
    template: &str,
    values: &BTreeMap<String, String>,
    defaults: &BTreeMap<String, String>,
) -> String {
    let mut out = String::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}') else {
            break;
        };
        let name = &rest[open + 1..open + close];
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            out.push_str(&rest[..open + close + 1]);
            rest = &rest[open + close + 1..];
            continue;
        }
        out.push_str(&rest[..open]);
        match values.get(name).or_else(|| defaults.get(name)) {
            Some(v) => out.push_str(v),
            None => out.push_str(&format!("<{name}>")),
        }
        rest = &rest[open + close + 1..];
    }
    out.push_str(rest);
    out
}

fn capture(re: &Regex, text: &str) -> Option<BTreeMap<String, String>> {
    let caps = re.captures(text)?;
    Some(
        re.capture_names()
            .flatten()
            .filter_map(|n| {
                caps.name(n)
                    .map(|m| (n.to_string(), tidy(m.as_str())))
                    .filter(|(_, v)| !v.is_empty())
            })
            .collect(),
    )
}

/// Every signature the text matches, best first (ties: the more specific, i.e. the one
/// whose best pattern is longer). Empty when the best is below [`ABSTAIN`]; otherwise the
/// best and the other plausible causes down to [`ALTERNATIVE`].
pub fn find(registry: &[Signature], text: &str) -> Vec<Match> {
    let forms = normalise(text);
    let all: Vec<(usize, usize)> = registry
        .iter()
        .enumerate()
        .flat_map(|(s, sig)| (0..sig.patterns.len()).map(move |p| (s, p)))
        .collect();
    let set = RegexSet::new(
        all.iter()
            .map(|(s, p)| registry[*s].patterns[*p].re.as_str()),
    )
    .expect("patterns compile as a set");
    let mut hits: BTreeMap<usize, Hit> = BTreeMap::new();
    for lines in &forms {
        for start in 0..lines.len() {
            let end = (start + WINDOW).min(lines.len());
            let window = lines[start..end].join(" ");
            for k in set.matches(&window).iter() {
                let (s, p) = all[k];
                let pattern = &registry[s].patterns[p];
                if pattern.reject.as_ref().is_some_and(|r| r.is_match(&window)) {
                    continue;
                }
                // Within one line when it can; across lines it counts a little less.
                let single = lines[start..end].iter().find(|l| pattern.re.is_match(l));
                let (confidence, evidence) = match single {
                    Some(l) => (pattern.confidence, l.clone()),
                    None => (pattern.confidence - SPAN_PENALTY, window.clone()),
                };
                let values = capture(&pattern.re, &evidence).unwrap_or_default();
                let specificity = pattern.re.as_str().len();
                let better = hits.get(&s).is_none_or(|h| {
                    confidence > h.confidence
                        || (confidence == h.confidence && specificity > h.specificity)
                });
                if better {
                    hits.insert(
                        s,
                        Hit {
                            confidence,
                            specificity,
                            evidence,
                            values,
                        },
                    );
                }
            }
        }
    }
    let mut scored: Vec<(usize, Hit)> = hits.into_iter().collect();
    scored.sort_by(|a, b| {
        b.1.confidence
            .total_cmp(&a.1.confidence)
            .then(b.1.specificity.cmp(&a.1.specificity))
    });
    if scored.first().is_none_or(|(_, h)| h.confidence < ABSTAIN) {
        return Vec::new();
    }
    scored
        .into_iter()
        .filter(|(_, h)| h.confidence >= ALTERNATIVE)
        .map(|(s, h)| {
            let sig = &registry[s];
            let confidence = (h.confidence * 100.0).round() / 100.0;
            Match {
                id: sig.id.clone(),
                mode: sig.mode.clone(),
                area: sig.area.clone(),
                title: sig.title.clone(),
                confidence,
                text_confidence: confidence,
                explanation: fill(&sig.explanation, &h.values, &sig.defaults),
                fix: sig
                    .fix
                    .iter()
                    .map(|f| fill(f, &h.values, &sig.defaults))
                    .collect(),
                evidence: probes::secret::redact_url(
                    &h.evidence.chars().take(300).collect::<String>(),
                ),
                values: h.values,
                sources: sig.sources.clone(),
                examples: sig.corpus.clone(),
                confirmation: Confirmation {
                    status: Status::NotChecked,
                    findings: Vec::new(),
                },
            }
        })
        .collect()
}

/// Runs the probes that can confirm the matches and records what they found.
pub fn confirm(matches: &mut [Match], registry: &[Signature], timeout: std::time::Duration) {
    let wanted: Vec<(usize, Vec<String>)> = matches
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let confirm = registry
                .iter()
                .find(|s| s.mode == m.mode)
                .map(|s| s.confirm.clone())
                .unwrap_or_default();
            (i, confirm)
        })
        .collect();
    let mut probes: Vec<String> = wanted
        .iter()
        .flat_map(|(_, ids)| {
            ids.iter()
                .map(|id| id.split('.').next().unwrap_or("").to_string())
        })
        .collect();
    probes.sort();
    probes.dedup();
    for (i, ids) in &wanted {
        if ids.is_empty() {
            matches[*i].confirmation.status = Status::NoProbe;
        }
    }
    if probes.is_empty() {
        return;
    }
    let selection = Selection {
        only: probes,
        skip: Vec::new(),
        offline: false,
        timeout,
        registries: Vec::new(),
        save_chain: None,
        record_traces: None,
        ports: Vec::new(),
        compose: None,
        smoke: None,
        ignore: Vec::new(),
        warnings: Vec::new(),
        redact: false,
        progress: None,
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(_) => return,
    };
    let report = runtime.block_on(engine::run(Arc::new(RealHost::new()), &selection));
    runtime.shutdown_background();
    for (i, ids) in wanted {
        if ids.is_empty() {
            continue;
        }
        let found: Vec<(String, String)> = report
            .findings
            .iter()
            .filter(|f| ids.contains(&f.id))
            .map(|f| (f.id.clone(), f.summary.clone()))
            .collect();
        matches[i].confirmation = Confirmation {
            status: if found.is_empty() {
                Status::NotSeen
            } else {
                Status::Confirmed
            },
            findings: found,
        };
    }
    calibrate(matches);
}

/// What the probes saw moves the ranking: a cause they confirm here gains, one they looked
/// for and did not see loses (the error may come from another machine, or be fixed since).
/// `text_confidence` keeps what the text alone said.
fn calibrate(matches: &mut [Match]) {
    for m in matches.iter_mut() {
        let c = match m.confirmation.status {
            Status::Confirmed => (m.text_confidence + 0.1).min(0.99),
            Status::NotSeen => m.text_confidence * 0.8,
            Status::NotChecked | Status::NoProbe => m.text_confidence,
        };
        m.confidence = (c * 100.0).round() / 100.0;
    }
    matches.sort_by(|a, b| b.confidence.total_cmp(&a.confidence));
}

/// The JSON answer: the input's first line (secrets masked) and the matches, best first.
pub fn render_json(text: &str, matches: &[Match]) -> String {
    let first = text
        .lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("")
        .chars()
        .take(300)
        .collect::<String>();
    let doc = serde_json::json!({
        "tool": { "name": env!("CARGO_PKG_NAME"), "version": env!("CARGO_PKG_VERSION") },
        "input": probes::secret::redact_url(first.trim()),
        "matches": matches,
    });
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
    s.push('\n');
    s
}

fn status_text(c: &Confirmation) -> String {
    match c.status {
        Status::Confirmed => format!(
            "confirmed on this machine: {}",
            c.findings
                .iter()
                .map(|(id, summary)| format!("{id} ({summary})"))
                .collect::<Vec<_>>()
                .join("; ")
        ),
        Status::NotSeen => "not seen on this machine: the probes found no such problem here".into(),
        Status::NotChecked => "not checked (--no-probe)".into(),
        Status::NoProbe => "no probe checks this on a machine".into(),
    }
}

pub fn render_human(matches: &[Match]) -> String {
    if matches.is_empty() {
        return "No known Docker environment failure matched this text. Run `docker-doctor` to check this machine.\n"
            .into();
    }
    let mut out = String::new();
    for (i, m) in matches.iter().enumerate() {
        let name = if m.mode == m.id {
            m.id.clone()
        } else {
            format!("{} [{}]", m.id, m.mode)
        };
        out.push_str(&format!(
            "{}. {}  {} (confidence {:.2})\n",
            i + 1,
            name,
            m.title,
            m.confidence
        ));
        out.push_str(&format!("   {}\n", m.explanation));
        out.push_str(&format!("   Matched: {}\n", m.evidence));
        out.push_str("   Fix:\n");
        for f in &m.fix {
            out.push_str(&format!("     $ {f}\n"));
        }
        out.push_str(&format!(
            "   On this machine: {}\n",
            status_text(&m.confirmation)
        ));
        out.push_str(&format!("   Sources: {}\n\n", m.sources.join(", ")));
    }
    out
}

pub fn render_markdown(matches: &[Match]) -> String {
    let mut out = String::from("# docker-doctor explain\n\n");
    if matches.is_empty() {
        out.push_str("No known Docker environment failure matched this text.\n");
        return out;
    }
    for m in matches {
        out.push_str(&format!(
            "## `{}` {} (confidence {:.2})\n\n{}\n\n```sh\n{}\n```\n\n**On this machine:** {}\n\nSources: {}\n\n",
            m.id,
            m.title,
            m.confidence,
            m.explanation,
            m.fix.join("\n"),
            status_text(&m.confirmation),
            m.sources
                .iter()
                .map(|s| format!("<{s}>"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_registry_parses_and_ids_are_unique() {
        let r = registry();
        let mut ids: Vec<&str> = r.iter().map(|s| s.mode.as_str()).collect();
        ids.sort();
        let n = ids.len();
        ids.dedup();
        assert_eq!(ids.len(), n, "duplicate failure modes");
        for s in &r {
            assert!(s.id.contains('.'), "{} is not <probe>.<condition>", s.id);
            assert!(!s.area.is_empty(), "{}", s.mode);
            assert!(!s.fix.is_empty() && !s.sources.is_empty(), "{}", s.id);
        }
    }

    #[test]
    fn spaced_out_utf16_text_is_joined() {
        let forms = normalise("W i n d o w s   S u b s y s t e m   f o r   L i n u x");
        assert_eq!(forms[1], vec!["windows subsystem for linux"]);
    }

    #[test]
    fn templates_take_values_then_defaults() {
        let values = BTreeMap::from([("host".to_string(), "reg.example".to_string())]);
        let defaults = BTreeMap::from([("port".to_string(), "443".to_string())]);
        assert_eq!(
            fill("{host}:{port} {ns} {{.Server}} {}", &values, &defaults),
            "reg.example:443 <ns> {{.Server}} {}"
        );
        assert_eq!(
            tidy("unix:///var/run/docker.sock."),
            "unix:///var/run/docker.sock"
        );
    }

    #[test]
    fn a_pattern_sees_at_most_three_lines() {
        let r = registry();
        let near = "dial unix /var/run/docker.sock:\nconnect: permission denied";
        assert_eq!(find(&r, near)[0].mode, "socket.not-in-group");
        assert!(
            find(&r, near)[0].confidence < 0.95,
            "across lines counts a little less"
        );
        let far = "Get https://registry-1.docker.io/v2/\na\nb\nc\nx509: certificate signed by unknown authority";
        assert!(find(&r, far).is_empty());
    }

    /// Unique modes are checked by `the_registry_parses_and_ids_are_unique`.
    #[test]
    fn every_pattern_compiles_with_a_confidence_below_one() {
        let r = registry();
        for s in &r {
            assert!(
                s.patterns
                    .iter()
                    .all(|p| p.confidence > 0.0 && p.confidence < 1.0),
                "{}",
                s.mode
            );
        }
    }

    #[test]
    fn what_the_probes_see_reorders_the_causes() {
        let r = registry();
        let mut m = find(
            &r,
            "Couldn't connect to Docker daemon at http+docker://localhost - is it running?",
        );
        assert_eq!(m[0].mode, "daemon.not-running");
        m[0].confirmation.status = Status::NotSeen;
        m[1].confirmation.status = Status::Confirmed;
        calibrate(&mut m);
        assert_eq!(m[0].mode, "socket.not-in-group");
        assert!(m[0].confidence > m[0].text_confidence);
    }
}
