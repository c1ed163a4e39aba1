//! `docker-doctor explain`: match a pasted Docker error against the registry of known
//! failure signatures (signatures.toml), best match first, and, run on the user's machine,
//! say whether the probes confirm it.
//!
//! Matching is on structure: the text is lower-cased, its whitespace collapsed, and a copy
//! with spaced-out letters joined (UTF-16 read as UTF-8); each signature's patterns avoid
//! paths, versions, addresses, ports and names, so new wording of the same failure matches.

use crate::engine::{self, Selection};
use probes::host::RealHost;
use regex::Regex;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

const SIGNATURES: &str = include_str!("signatures.toml");

#[derive(Debug, Deserialize)]
struct File {
    failure: Vec<SignatureSpec>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SignatureSpec {
    id: String,
    title: String,
    #[serde(rename = "match")]
    patterns: Vec<PatternSpec>,
    explanation: String,
    fix: Vec<String>,
    confirm: Vec<String>,
    corpus: Vec<String>,
    sources: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PatternSpec {
    re: String,
    confidence: f64,
}

/// One failure mode.
pub struct Signature {
    pub id: String,
    pub title: String,
    patterns: Vec<(Regex, f64)>,
    pub explanation: String,
    pub fix: Vec<String>,
    pub confirm: Vec<String>,
    pub corpus: Vec<String>,
    pub sources: Vec<String>,
}

/// The registry, parsed once. A bad entry is a bug caught by the tests.
pub fn registry() -> Vec<Signature> {
    let file: File = toml::from_str(SIGNATURES).expect("signatures.toml parses");
    file.failure
        .into_iter()
        .map(|s| Signature {
            patterns: s
                .patterns
                .iter()
                .map(|p| {
                    (
                        Regex::new(&p.re).unwrap_or_else(|e| panic!("{}: {e}", s.id)),
                        p.confidence,
                    )
                })
                .collect(),
            id: s.id,
            title: s.title,
            explanation: s.explanation,
            fix: s.fix,
            confirm: s.confirm,
            corpus: s.corpus,
            sources: s.sources,
        })
        .collect()
}

/// The forms of the text the patterns run on.
fn normalise(text: &str) -> Vec<String> {
    let plain: String = text
        .replace(['\0', '\r'], "")
        .to_lowercase()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    // "W i n d o w s   S u b s y s t e m": one space between letters, more between words.
    let cleaned = text.replace(['\0', '\r'], "").to_lowercase();
    let chars: Vec<char> = cleaned.chars().collect();
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
    let joined = joined.split_whitespace().collect::<Vec<_>>().join(" ");
    vec![plain, joined]
}

#[derive(Debug, Clone, Serialize)]
pub struct Match {
    pub id: String,
    pub title: String,
    pub confidence: f64,
    pub explanation: String,
    pub fix: Vec<String>,
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

/// Every signature the text matches, best first (ties: the more specific, i.e. the one
/// whose best pattern is longer).
pub fn find(registry: &[Signature], text: &str) -> Vec<Match> {
    let forms = normalise(text);
    let mut scored: Vec<(f64, usize, &Signature)> = registry
        .iter()
        .filter_map(|s| {
            s.patterns
                .iter()
                .filter(|(re, _)| forms.iter().any(|f| re.is_match(f)))
                .map(|(re, c)| (*c, re.as_str().len()))
                .max_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)))
                .map(|(c, len)| (c, len, s))
        })
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(b.1.cmp(&a.1)));
    scored
        .into_iter()
        .map(|(confidence, _, s)| Match {
            id: s.id.clone(),
            title: s.title.clone(),
            confidence,
            explanation: s.explanation.clone(),
            fix: s.fix.clone(),
            sources: s.sources.clone(),
            examples: s.corpus.clone(),
            confirmation: Confirmation {
                status: Status::NotChecked,
                findings: Vec::new(),
            },
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
                .find(|s| s.id == m.id)
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
        return "No known failure matches this text. Run `docker-doctor` to check this machine.\n"
            .into();
    }
    let mut out = String::new();
    for (i, m) in matches.iter().enumerate() {
        out.push_str(&format!(
            "{}. {}  {} (confidence {:.2})\n",
            i + 1,
            m.id,
            m.title,
            m.confidence
        ));
        out.push_str(&format!("   {}\n", m.explanation));
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
        out.push_str("No known failure matches this text.\n");
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
        let mut ids: Vec<&str> = r.iter().map(|s| s.id.as_str()).collect();
        ids.sort();
        let n = ids.len();
        ids.dedup();
        assert_eq!(ids.len(), n, "duplicate signature ids");
        for s in &r {
            assert!(s.id.contains('.'), "{} is not <probe>.<condition>", s.id);
            assert!(!s.fix.is_empty() && !s.sources.is_empty(), "{}", s.id);
        }
    }

    #[test]
    fn spaced_out_utf16_text_is_joined() {
        let forms = normalise("W i n d o w s   S u b s y s t e m   f o r   L i n u x");
        assert_eq!(forms[1], "windows subsystem for linux");
    }
}
