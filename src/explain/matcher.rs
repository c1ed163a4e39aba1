//! The matcher of `explain`: signatures (signatures.toml) run over bounded line windows of
//! a pasted text. Nothing here touches the machine or the rest of the program, so it can be
//! fuzzed on its own (fuzz/fuzz_targets/explain.rs).

use regex::{Regex, RegexSet};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub(crate) const SIGNATURES: &str = include_str!("signatures.toml");

/// Below this confidence a candidate is a guess, not an answer: when the best candidate is
/// below it, nothing is reported (and `explain` exits 1).
pub const ABSTAIN: f64 = 0.5;
/// Candidates kept next to a confident best one (other plausible causes, ranked).
pub(crate) const ALTERNATIVE: f64 = 0.3;
/// Lines a pattern may span.
pub(crate) const WINDOW: usize = 3;
/// What a pattern loses when it only matches across lines rather than within one.
pub(crate) const SPAN_PENALTY: f64 = 0.05;

/// Context that says a line is about a registry pull or push by Docker, written into
/// patterns as `%REG%`: the /v2/ API right after a host, the v1 API, Docker's own wording
/// around pulls. A Go program's own TLS or DNS error has none of it.
pub(crate) const REGISTRY_CONTEXT: &str = r#"(?:https?://[^/\s"']+/v2/|/v1/repositories|/v1/_ping|registry|docker\.io|error response from daemon|error pulling|while pulling|pulling (?:from|repository|fs layer)|download failed|upload failed|failed to (?:copy|resolve|authorize|do request|fetch|pull)|/manifests/|/blobs/|\bdocker(?:-compose)? (?:pull|push|login|build|run)\b|dkr\.ecr|ghcr\.io|quay\.io|gcr\.io|mcr\.microsoft\.com)"#;

/// Context that says a line is about the client's own connection to a daemon over tcp,
/// written into patterns as `%DAEMON%`: the Engine API's versioned path (/v1.12/ to
/// /v1.99/) or /_ping right after a host, a URL on the daemon's ports (2375, 2376), the
/// CLI's and docker-machine's wording around that connection. A registry (/v2/, /v1/_ping)
/// or an application's own TLS or DNS error (an API's /v1.2/) has none of it.
pub(crate) const DAEMON_CONTEXT: &str = r#"(?:(?:https?|tcp)://[^/\s"']+/(?:v1\.(?:1[2-9]|[2-9]\d)/|_ping\b)|(?:https?|tcp)://[^/\s"']+:237[56]\b|error during connect|an error occurr?ed trying to connect|error validating certificates for host|unable to query docker version)"#;

#[derive(Debug, Deserialize)]
pub(crate) struct File {
    pub(crate) failure: Vec<SignatureSpec>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SignatureSpec {
    pub(crate) id: String,
    #[serde(default)]
    pub(crate) mode: Option<String>,
    pub(crate) area: String,
    pub(crate) title: String,
    #[serde(rename = "match")]
    pub(crate) patterns: Vec<PatternSpec>,
    pub(crate) explanation: String,
    pub(crate) fix: Vec<String>,
    #[serde(default)]
    pub(crate) defaults: BTreeMap<String, String>,
    pub(crate) confirm: Vec<String>,
    pub(crate) corpus: Vec<String>,
    pub(crate) sources: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PatternSpec {
    pub(crate) re: String,
    pub(crate) confidence: f64,
    /// The pattern does not count when this also matches in the same window.
    #[serde(default)]
    pub(crate) reject: Option<String>,
}

pub(crate) struct Pattern {
    pub(crate) re: Regex,
    pub(crate) confidence: f64,
    pub(crate) reject: Option<Regex>,
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
    pub(crate) patterns: Vec<Pattern>,
    pub explanation: String,
    pub fix: Vec<String>,
    pub defaults: BTreeMap<String, String>,
    pub confirm: Vec<String>,
    pub corpus: Vec<String>,
    pub sources: Vec<String>,
}

pub(crate) fn compile(re: &str, id: &str) -> Regex {
    Regex::new(&pattern_text(re)).unwrap_or_else(|e| panic!("{id}: {e}"))
}

/// A signature's pattern as it is compiled: `%REG%` and `%DAEMON%` expanded, and word boundaries made
/// ASCII (`(?-u:\b)`). Docker's words are ASCII; a Unicode `\b` makes the regex engine
/// leave its DFA for a slow NFA on any non-ASCII text (a Russian log, random bytes), which
/// made matching run at 16 KB/s.
pub(crate) fn pattern_text(re: &str) -> String {
    let re = re
        .replace("%REG%", REGISTRY_CONTEXT)
        .replace("%DAEMON%", DAEMON_CONTEXT);
    let mut out = String::with_capacity(re.len() + 16);
    let mut chars = re.chars().peekable();
    let mut in_class = false;
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some(b @ ('b' | 'B')) if !in_class => out.push_str(&format!("(?-u:\\{b})")),
                Some(n) => {
                    out.push('\\');
                    out.push(n);
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

/// Every signature, with all their patterns compiled once into one set that finds the
/// candidates of a window in one pass.
pub struct Registry {
    signatures: Vec<Signature>,
    set: RegexSet,
    /// `(signature, pattern)` of each member of `set`, in order.
    members: Vec<(usize, usize)>,
}

impl std::ops::Deref for Registry {
    type Target = [Signature];
    fn deref(&self) -> &[Signature] {
        &self.signatures
    }
}

/// The registry, parsed once. A bad entry is a bug caught by the tests.
pub fn registry() -> Registry {
    let signatures = signatures();
    let members: Vec<(usize, usize)> = signatures
        .iter()
        .enumerate()
        .flat_map(|(s, sig)| (0..sig.patterns.len()).map(move |p| (s, p)))
        .collect();
    let set = RegexSet::new(
        members
            .iter()
            .map(|(s, p)| signatures[*s].patterns[*p].re.as_str()),
    )
    .expect("patterns compile as a set");
    Registry {
        signatures,
        set,
        members,
    }
}

fn signatures() -> Vec<Signature> {
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

/// One line as the patterns see it: lower-cased, whitespace collapsed, at most
/// [`LINE_CAP`] bytes.
pub(crate) fn plain_line(line: &str) -> String {
    capped(line)
        .to_lowercase()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// "W i n d o w s   S u b s y s t e m" (UTF-16 read as UTF-8, NULs gone): one space between
/// letters, more between words.
pub(crate) fn joined_line(line: &str) -> String {
    let chars: Vec<char> = capped(line).to_lowercase().chars().collect();
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

/// The start of a line, at most [`LINE_CAP`] bytes, cut on a character boundary.
fn capped(line: &str) -> &str {
    if line.len() <= LINE_CAP {
        return line;
    }
    let mut end = LINE_CAP;
    while !line.is_char_boundary(end) {
        end -= 1;
    }
    &line[..end]
}

/// The text as lines, in each form the patterns run on (plain, and joined when different).
pub(crate) fn normalise(text: &str) -> Vec<Vec<String>> {
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
pub(crate) struct Hit {
    pub(crate) confidence: f64,
    pub(crate) specificity: usize,
    pub(crate) evidence: String,
    pub(crate) values: BTreeMap<String, String>,
}

/// Characters a captured value does not end with (sentence punctuation, quotes).
pub(crate) fn tidy(value: &str) -> String {
    value
        .trim_end_matches(['.', ',', ';', ':', ')', '"', '\'', '`', ']'])
        .trim_start_matches(['"', '\'', '`', '('])
        .to_string()
}

/// `{name}` in a template replaced by the value read from the text, else by the
/// signature's default, else `<name>`.
pub(crate) fn fill(
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

pub(crate) fn capture(re: &Regex, text: &str) -> Option<BTreeMap<String, String>> {
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
#[allow(dead_code)] // the binary uses find_within; the tests and the fuzz target use this
pub fn find(registry: &Registry, text: &str) -> Vec<Match> {
    find_within(registry, text, MATCH_DEADLINE).0
}

/// How long matching may take: a backstop, since matching is linear (ASCII word
/// boundaries keep the regex engine on its DFA) and runs at several MB/s on any text.
pub const MATCH_DEADLINE: std::time::Duration = std::time::Duration::from_secs(8);

/// The most of one line the patterns see: an error is a few hundred characters; a
/// megabyte on one line (a minified file, random bytes) is matched on its start.
const LINE_CAP: usize = 4096;

/// [`find`], giving up at `deadline` with what matched so far; the second value is the
/// share of lines looked at when the deadline cut it short (`None`: all of them).
pub fn find_within(
    registry: &Registry,
    text: &str,
    deadline: std::time::Duration,
) -> (Vec<Match>, Option<f64>) {
    let started = std::time::Instant::now();
    let forms = normalise(text);
    let (set, all) = (&registry.set, &registry.members);
    let mut hits: BTreeMap<usize, Hit> = BTreeMap::new();
    let mut cut = None;
    'forms: for lines in &forms {
        for start in 0..lines.len() {
            if start % 256 == 0 && started.elapsed() > deadline {
                cut = Some(start as f64 / lines.len().max(1) as f64);
                break 'forms;
            }
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
        return (Vec::new(), cut);
    }
    let matches = scored
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
        .collect();
    (matches, cut)
}
