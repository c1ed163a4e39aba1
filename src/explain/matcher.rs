//! The matcher of `explain`: signatures (signatures.toml) run over bounded line windows of
//! a pasted text. Nothing here touches the machine or the rest of the program, so it can be
//! fuzzed on its own (fuzz/fuzz_targets/explain.rs).

use aho_corasick::{AhoCorasick, MatchKind};
use regex::Regex;
use regex_syntax::hir::literal::{ExtractKind, Extractor};
use regex_syntax::hir::{Hir, HirKind};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::OnceLock;
use std::time::Instant;

pub(crate) const SIGNATURES: &str = include_str!("signatures.toml");

/// Below this confidence a candidate is a guess, not an answer: when the best candidate is
/// below it, nothing is reported (and `explain` exits 1).
pub const ABSTAIN: f64 = 0.5;
/// How sure a signature must be of a registry's refusal (its account's words) for its
/// area to stand (at [`ABSTAIN`]) inside a Kubernetes event: a node refused an image is
/// as often one that does not exist or is private to another cluster.
const KUBERNETES_KEEPS: f64 = 0.9;
/// The same for the network's own failures (a timeout, a reset, a lookup, an x509 chain):
/// a node's pull that timed out is the registry's reach whichever runtime pulled.
const KUBERNETES_KEEPS_NETWORK: f64 = 0.55;
/// Candidates kept next to a confident best one (other plausible causes, ranked).
pub(crate) const ALTERNATIVE: f64 = 0.3;
/// Lines a pattern may span.
pub(crate) const WINDOW: usize = 3;
/// Lines before and after a line whose Docker context (a build step, a pull) lets the
/// structural layer read a cause without a target on it.
pub(crate) const CONTEXT_LINES: usize = 3;
/// What a pattern loses when it only matches across lines rather than within one.
pub(crate) const SPAN_PENALTY: f64 = 0.05;
/// The most of one line a window holds: a longer line is cut into pieces of at most this
/// many bytes (at a space when there is one near the end), each matched as a line of its
/// own, so one window costs the same whatever the paste holds and a deadline is checked
/// often.
pub(crate) const LINE_PIECE: usize = 4096;

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
    /// `false`: a failure of what was asked (an image name or tag that does not exist),
    /// not of the machine's Docker. Reported apart, never as an environment failure.
    #[serde(default = "yes")]
    pub(crate) environment: bool,
}

fn yes() -> bool {
    true
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
    pub(crate) re: LazyRegex,
    pub(crate) confidence: f64,
    pub(crate) reject: Option<LazyRegex>,
    /// Length of the pattern as written (with `%REG%` put in): ties between signatures go
    /// to the more specific.
    pub(crate) specificity: usize,
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
    /// Whether this is a failure of the Docker environment (see [`SignatureSpec`]).
    pub environment: bool,
}

/// A Kubernetes API server's address, written into patterns as `%KUBEAPI%`: the
/// apiserver's :6443, k3s's :6444, or an `/api/v1/` or `/apis/` path after a host. Its
/// certificates are the cluster's, not anything Docker trusts.
pub(crate) const KUBE_API: &str =
    r#"(?:https://[^/\s"]+:644[34]/|https://[^\s"]+/apis?/(?:v1/|[a-z0-9.-]+\.k8s\.io/))"#;

/// A pattern as written, with `%REG%`, `%DAEMON%` and `%KUBEAPI%` put in.
pub(crate) fn expand(re: &str) -> String {
    re.replace("%REG%", REGISTRY_CONTEXT)
        .replace("%DAEMON%", DAEMON_CONTEXT)
        .replace("%KUBEAPI%", KUBE_API)
}

/// A signature's pattern, compiled the first time a window asks for it: the prefilter
/// leaves most patterns out of any one paste, and compiling all of them on every run was
/// most of a short paste's time. The tests compile each
/// (`every_pattern_compiles_with_a_confidence_below_one`).
pub(crate) struct LazyRegex {
    /// The source as compiled (`%REG%` put in, ASCII classes).
    source: String,
    /// The failure mode it belongs to, named if it does not compile.
    owner: String,
    compiled: OnceLock<Regex>,
}

impl LazyRegex {
    pub(crate) fn new(re: &str, owner: &str) -> LazyRegex {
        LazyRegex {
            source: ascii_boundaries(&expand(re)),
            owner: owner.to_string(),
            compiled: OnceLock::new(),
        }
    }

    pub(crate) fn get(&self) -> &Regex {
        self.compiled.get_or_init(|| {
            Regex::new(&self.source).unwrap_or_else(|e| panic!("{}: {e}", self.owner))
        })
    }

    pub(crate) fn is_match(&self, text: &str) -> bool {
        self.get().is_match(text)
    }

    pub(crate) fn as_str(&self) -> &str {
        &self.source
    }
}

/// `\b` as an ASCII word boundary, `\w` and `\d` as ASCII classes. Every pattern anchors
/// on ASCII words (paths, Go's wording, codes, host names), and a Unicode boundary makes
/// the regex crate leave its DFA for a slow engine on any non-ASCII byte: a Cyrillic log
/// was matched at tens of KB/s. Unicode's `\w` and `\d` cost a fifth of the patterns'
/// compile time on every run, for names that are ASCII anyway. The only difference: a
/// non-ASCII letter right next to an ASCII word is now a boundary, and is not a `\w`.
pub(crate) fn ascii_boundaries(re: &str) -> String {
    crate::mask::ascii_classes(re, false)
}

/// Every signature, with a prefilter over all their patterns that finds the candidates of
/// a window in one pass.
///
/// Not a `RegexSet`: the lazy DFA of ~170 patterns full of `.*` blows its cache on a window
/// that matches and the set falls back to the PikeVM (tens of KB/s on a real log). Instead
/// one Aho-Corasick automaton holds literals one of which every match of a pattern holds
/// (its possible beginnings or endings); a window runs only the patterns whose literals it
/// holds, each with its own DFA.
pub struct Registry {
    signatures: Vec<Signature>,
    /// `(signature, pattern)` of each pattern, in order.
    members: Vec<(usize, usize)>,
    /// The members' literals, numbered as `members`.
    prefilter: Gate,
    /// Each failure mode's signature, for the structural layer's readings.
    by_mode: BTreeMap<String, usize>,
}

impl Registry {
    /// The prefilter over every pattern, in the members' order.
    #[cfg(test)]
    pub(crate) fn prefilter(&self) -> &Gate {
        &self.prefilter
    }

    /// Marks in `candidate` (one flag per pattern, in the members' order) the patterns that
    /// can match `window`: those whose literals it holds, and those without literals.
    /// False when none can.
    #[cfg(test)]
    pub(crate) fn candidates(&self, window: &str, candidate: &mut [bool]) -> bool {
        self.prefilter.mark(window, candidate)
    }

    /// Every pattern, in the members' order.
    #[cfg(test)]
    pub(crate) fn patterns(&self) -> impl Iterator<Item = &Pattern> {
        self.members
            .iter()
            .map(|&(s, p)| &self.signatures[s].patterns[p])
    }
}

impl std::ops::Deref for Registry {
    type Target = [Signature];
    fn deref(&self) -> &[Signature] {
        &self.signatures
    }
}

/// Which of a list of patterns can match a text, in one pass: an Aho-Corasick automaton over
/// literals one of which every match of a pattern holds ([`required_literals`]). The
/// signatures' windows and the structural layer's lines run only the patterns it lets
/// through, each on its own DFA.
pub(crate) struct Gate {
    literals: AhoCorasick,
    /// The patterns each literal stands for.
    owners: Vec<Vec<usize>>,
    /// Patterns with no such literals: run on every text.
    always: Vec<usize>,
    len: usize,
}

impl Gate {
    pub(crate) fn new<'a>(patterns: impl IntoIterator<Item = &'a str>) -> Gate {
        let mut by_literal: BTreeMap<Vec<u8>, Vec<usize>> = BTreeMap::new();
        let mut always = Vec::new();
        let mut len = 0;
        for (i, re) in patterns.into_iter().enumerate() {
            len = i + 1;
            match required_literals(re) {
                Some(found) => {
                    for literal in found {
                        let owners = by_literal.entry(literal).or_default();
                        if owners.last() != Some(&i) {
                            owners.push(i);
                        }
                    }
                }
                None => always.push(i),
            }
        }
        let (keys, owners): (Vec<Vec<u8>>, Vec<Vec<usize>>) = by_literal.into_iter().unzip();
        let literals = AhoCorasick::builder()
            .match_kind(MatchKind::Standard)
            // Aho-Corasick's own choice, a contiguous NFA for this many literals: its DFA
            // took longer to build than a paste of some hundred KB takes to read.
            .kind(None)
            .build(&keys)
            .expect("the prefilter's literals build an automaton");
        Gate {
            literals,
            owners,
            always,
            len,
        }
    }

    /// Marks in `may` (one flag per pattern) the patterns that can match `text`: those whose
    /// literals it holds, and those without literals. False when none can.
    pub(crate) fn mark(&self, text: &str, may: &mut [bool]) -> bool {
        may.fill(false);
        let mut any = false;
        for &i in &self.always {
            may[i] = true;
            any = true;
        }
        for m in self.literals.find_overlapping_iter(text) {
            for &i in &self.owners[m.pattern().as_usize()] {
                may[i] = true;
                any = true;
            }
        }
        any
    }

    /// Every literal in `text`: `(start, end, literal)`, in the order of their ends. A
    /// text of many windows is scanned once; [`Gate::mark_within`] then marks one window's.
    pub(crate) fn spans(&self, text: &str) -> Vec<(usize, usize, u32)> {
        self.literals
            .find_overlapping_iter(text)
            .map(|m| (m.start(), m.end(), m.pattern().as_u32()))
            .collect()
    }

    /// The patterns some slice of a text with these [`Gate::spans`] can mark: those whose
    /// literals it holds anywhere, and those without literals; ascending.
    pub(crate) fn owned(&self, spans: &[Vec<(usize, usize, u32)>]) -> Vec<usize> {
        let mut may = vec![false; self.len];
        for &i in &self.always {
            may[i] = true;
        }
        for &(_, _, literal) in spans.iter().flatten() {
            for &i in &self.owners[literal as usize] {
                may[i] = true;
            }
        }
        (0..self.len).filter(|&i| may[i]).collect()
    }

    /// [`Gate::mark`] on `text[from..to]`, from the [`Gate::spans`] of `text`: the same flags,
    /// since a literal is in that slice exactly when its span is. `first` is the index of
    /// the first span that ends after `from`; windows that move forward move it forward.
    pub(crate) fn mark_within(
        &self,
        spans: &[(usize, usize, u32)],
        first: &mut usize,
        (from, to): (usize, usize),
        may: &mut [bool],
    ) -> bool {
        may.fill(false);
        let mut any = false;
        for &i in &self.always {
            may[i] = true;
            any = true;
        }
        while *first < spans.len() && spans[*first].1 <= from {
            *first += 1;
        }
        for &(start, end, literal) in &spans[*first..] {
            if end > to {
                break;
            }
            if start >= from {
                for &i in &self.owners[literal as usize] {
                    may[i] = true;
                    any = true;
                }
            }
        }
        any
    }

    /// [`Gate::mark`] into a new list of flags.
    pub(crate) fn open(&self, text: &str) -> Vec<bool> {
        let mut may = vec![false; self.len];
        self.mark(text, &mut may);
        may
    }
}

/// The shortest literal worth a place in the prefilter: shorter ones hold in most windows.
const MIN_LITERAL: usize = 3;

/// Literals one of which every match of `re` holds, or `None` when it has no such list of
/// literals of at least [`MIN_LITERAL`] bytes. Tried: all its possible beginnings, all its
/// possible endings, and all possible beginnings of each tail of it when it is a
/// concatenation (`x\s?509: certificate ...` holds one beginning of `509: certificate
/// ...`); the list whose shortest literal is longest wins.
pub(crate) fn required_literals(re: &str) -> Option<Vec<Vec<u8>>> {
    let hir = regex_syntax::Parser::new().parse(re).ok()?;
    let mut candidates = vec![(ExtractKind::Prefix, hir.clone())];
    candidates.push((ExtractKind::Suffix, hir.clone()));
    let mut whole = &hir;
    while let HirKind::Capture(group) = whole.kind() {
        whole = &group.sub;
    }
    if let HirKind::Concat(items) = whole.kind() {
        for i in 1..items.len() {
            candidates.push((ExtractKind::Prefix, Hir::concat(items[i..].to_vec())));
        }
    }
    candidates
        .into_iter()
        .filter_map(|(kind, hir)| {
            let seq = Extractor::new().kind(kind).extract(&hir);
            // None when the list is infinite (any text can begin a match).
            let literals = seq.literals()?;
            let shortest = literals.iter().map(|l| l.as_bytes().len()).min()?;
            (shortest >= MIN_LITERAL).then(|| {
                let bytes: Vec<Vec<u8>> = literals.iter().map(|l| l.as_bytes().to_vec()).collect();
                (shortest, bytes)
            })
        })
        .max_by_key(|(shortest, _)| *shortest)
        .map(|(_, bytes)| bytes)
}

/// The registry, parsed once. A bad entry is a bug caught by the tests.
pub fn registry() -> Registry {
    let file: File = toml::from_str(SIGNATURES).expect("signatures.toml parses");
    // The prefilter's literals (read from each pattern's source) are found on every run;
    // a pattern is compiled only when a window holds its literals.
    let signatures = signatures(file.failure);
    let prefilter = Gate::new(
        signatures
            .iter()
            .flat_map(|s| s.patterns.iter().map(|p| p.re.as_str())),
    );
    let members: Vec<(usize, usize)> = signatures
        .iter()
        .enumerate()
        .flat_map(|(s, sig)| (0..sig.patterns.len()).map(move |p| (s, p)))
        .collect();
    let by_mode = signatures
        .iter()
        .enumerate()
        .map(|(i, s)| (s.mode.clone(), i))
        .collect();
    Registry {
        signatures,
        members,
        prefilter,
        by_mode,
    }
}

fn signatures(specs: Vec<SignatureSpec>) -> Vec<Signature> {
    specs
        .into_iter()
        .map(|s| {
            let mode = s.mode.clone().unwrap_or_else(|| s.id.clone());
            Signature {
                patterns: s
                    .patterns
                    .iter()
                    .map(|p| Pattern {
                        re: LazyRegex::new(&p.re, &mode),
                        confidence: p.confidence,
                        reject: p.reject.as_deref().map(|r| LazyRegex::new(r, &mode)),
                        specificity: expand(&p.re).len(),
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
                environment: s.environment,
            }
        })
        .collect()
}

/// The reading `s` raised to at least `confidence`; when the text did not give it, it
/// enters with the evidence (and place) of the reading the paste showed to be another's.
fn raise(
    hits: &mut BTreeMap<usize, Hit>,
    s: usize,
    confidence: f64,
    evidence: String,
    order: (usize, usize, usize),
) -> &mut Hit {
    let h = hits.entry(s).or_insert(Hit {
        confidence: 0.0,
        specificity: 0,
        evidence,
        values: BTreeMap::new(),
        order,
        structure: None,
    });
    h.confidence = h.confidence.max(confidence);
    h
}

/// One line as the patterns see it: lower-cased, whitespace collapsed.
pub(crate) fn plain_line(line: &str) -> String {
    let lower = line.to_lowercase();
    // Typographic quotes a forum or a word processor put in (`Get “https://...”`) are
    // the plain ones the error was printed with.
    let lower = if lower.is_ascii() {
        lower
    } else {
        lower
            .replace(['\u{201c}', '\u{201d}', '\u{201e}'], "\"")
            .replace(['\u{2018}', '\u{2019}'], "'")
    };
    // Markdown's inline code (`` `Error response from daemon: ...` ``) is the thread's
    // formatting, not the error's.
    let lower = if lower.contains('`') {
        lower.replace('`', "")
    } else {
        lower
    };
    // So is its bold (`runc create failed: **mountpoint for devices not found**`).
    let lower = if lower.contains("**") {
        lower.replace("**", "")
    } else {
        lower
    };
    let joined = lower.split_whitespace().collect::<Vec<_>>().join(" ");
    // A space before a chain's colon (`Get https://host/v2/ : x509 : certificate ...`,
    // French typography, a hand-copied error) is the writer's: the chain reads as Go
    // printed it. The legacy builder's `Step 1/4 : RUN` is read in either spelling.
    if joined.contains(" : ") {
        joined.replace(" : ", ": ")
    } else {
        joined
    }
}

/// "W i n d o w s   S u b s y s t e m" (UTF-16 read as UTF-8, NULs gone): one space between
/// letters, more between words. Only for a line [`spaced_out`] so: gluing the words of any
/// other line reads nothing new.
pub(crate) fn joined_line(line: &str) -> String {
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

/// Whether a line holds four characters in a row each alone between single spaces
/// ("W i n d"), as UTF-16 read as UTF-8 shows every word.
fn spaced_out(line: &str) -> bool {
    let mut run = 0;
    let mut chars = line.chars().peekable();
    let mut before_space = true;
    while let Some(c) = chars.next() {
        if c.is_whitespace() {
            before_space = true;
            continue;
        }
        let alone = before_space && chars.peek().is_none_or(|n| n.is_whitespace());
        before_space = false;
        if !alone {
            run = 0;
            continue;
        }
        run += 1;
        if run >= 4 {
            return true;
        }
        // The run goes on only over one space.
        let mut spaces = 0;
        while chars.peek().is_some_and(|n| n.is_whitespace()) {
            chars.next();
            spaces += 1;
        }
        before_space = true;
        if spaces != 1 {
            run = 0;
        }
    }
    false
}

/// The non-blank lines of the text (NULs and carriage returns gone), a line longer than
/// [`LINE_PIECE`] cut into pieces, each with the byte offset in `text` where it ends.
pub(crate) fn raw_lines(text: &str) -> Vec<(String, usize)> {
    let mut lines: Vec<(String, usize)> = Vec::new();
    let mut start = 0;
    // Parentheses a Python exception's repr left open at the end of the last line, and how
    // many more lines may close them.
    let mut open = (0i64, 0usize);
    for line in text.split('\n') {
        let end = start + line.len();
        let from = start;
        start = end + 1;
        if line.trim().is_empty() {
            continue;
        }
        let line = if line.contains(['\0', '\r']) {
            std::borrow::Cow::Owned(line.replace(['\0', '\r'], ""))
        } else {
            std::borrow::Cow::Borrowed(line)
        };
        if line.trim().is_empty() {
            continue;
        }
        // A JSON or logfmt log line's payload, colours gone; its `\n`s are lines.
        for line in super::structure::unwrap_line(&line) {
            // A chain printed one cause per line (`Caused by: …`: Rust's anyhow and uv,
            // Java, Gradle) reads as one chain: the target on the first line and the cause
            // on the last belong to the same error.
            if let Some(cause) = caused_by(&line)
                && let Some(last) = lines.last_mut()
                && last.0.len() + cause.len() + 2 <= LINE_PIECE
            {
                last.0 = format!("{}: {cause}", last.0.trim_end());
                last.1 = end;
                continue;
            }
            // A Python exception's repr (`HTTPSConnectionPool(host=…): Max retries exceeded
            // … (Caused by SSLError(…)))`) wrapped over lines by a terminal or the reporter
            // is one line again: joined until its parentheses close.
            if open.0 > 0
                && open.1 > 0
                && let Some(last) = lines.last_mut()
                && last.0.len() + line.len() < LINE_PIECE
            {
                last.0 = format!("{} {}", last.0.trim_end(), line.trim());
                last.1 = end;
                open = (open.0 + paren_balance(&line), open.1 - 1);
                continue;
            }
            open = match PYTHON_CALL.is_match(&line) {
                true => (paren_balance(&line), 8),
                false => (0, 0),
            };
            // Offsets within `line` map back to `text` only roughly once NULs, CRs and
            // escapes are gone; a piece's end is counted in `text` as at most the line's
            // end.
            let mut rest = line.as_str();
            let mut at = from;
            while rest.len() > LINE_PIECE {
                let cut = piece_end(rest);
                at = (at + cut).min(end);
                lines.push((rest[..cut].to_string(), at));
                rest = &rest[cut..];
            }
            lines.push((rest.to_string(), end));
        }
    }
    lines
}

/// A Python exception or connection pool constructed in a repr: the parentheses it opens
/// close on a later line when the text was wrapped.
static PYTHON_CALL: std::sync::LazyLock<Regex> = std::sync::LazyLock::new(|| {
    Regex::new(r"(?:Error|Exception|ConnectionPool|Connection)\(").expect("python call")
});

/// `(` minus `)` on a line.
fn paren_balance(line: &str) -> i64 {
    line.bytes().fold(0, |n, b| match b {
        b'(' => n + 1,
        b')' => n - 1,
        _ => n,
    })
}

/// The cause of a `Caused by: …` line (a compose service's `name  | ` prefix allowed).
fn caused_by(line: &str) -> Option<&str> {
    let mut rest = line.trim_start();
    if let Some((prefix, after)) = rest.split_once('|')
        && !prefix.trim().is_empty()
        && prefix
            .trim()
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c))
    {
        rest = after.trim_start();
    }
    let head = rest.get(..10)?;
    let cause = rest[10..].trim();
    (head.eq_ignore_ascii_case("caused by:") && !cause.is_empty()).then_some(cause)
}

/// Where the first piece of an over-long line ends: after the last whitespace in the
/// piece's last quarter (rejoined with a space, the pieces read as the line did), else
/// at the last character boundary within [`LINE_PIECE`].
fn piece_end(line: &str) -> usize {
    let cut = line.floor_char_boundary(LINE_PIECE);
    let from = line.floor_char_boundary(LINE_PIECE * 3 / 4);
    line[from..cut]
        .char_indices()
        .rev()
        .find(|(_, c)| c.is_whitespace())
        .map_or(cut, |(i, c)| from + i + c.len_utf8())
}

/// The text as lines, in each form the patterns run on (plain, and joined when different).
#[cfg(test)]
pub(crate) fn normalise(text: &str) -> Vec<Vec<String>> {
    forms(&raw_lines(text))
}

fn forms(raw: &[(String, usize)]) -> Vec<Vec<String>> {
    let plain: Vec<String> = raw.iter().map(|(l, _)| plain_line(l)).collect();
    // A text with no spaced-out line is matched in one form, not twice.
    let joined: Vec<String> = raw
        .iter()
        .zip(&plain)
        .map(|((l, _), p)| match spaced_out(l) {
            true => joined_line(l),
            false => p.clone(),
        })
        .collect();
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
    /// What the error's structure says ("target: cause"), when the structural layer read
    /// it (see `structure.rs`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub structure: Option<String>,
    pub sources: Vec<String>,
    /// Corpus entries of the same failure mode.
    pub examples: Vec<String>,
    /// `false`: not a failure of the Docker environment but of what was asked (an image
    /// name or tag that does not exist); listed apart from the environment's matches.
    #[serde(skip)]
    pub environment: bool,
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
    /// Their fixes, as the probes wrote them for this machine: its values (user, proxy,
    /// registry), its service manager, each value quoted. They replace the text's generic
    /// fix, whose placeholders (`<proxy URL>`) only the machine can fill.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fixes: Vec<probes::Fix>,
}

/// The best hit of one signature: confidence, the pattern's length (ties go to the more
/// specific), the window's text and the values it captured.
pub(crate) struct Hit {
    pub(crate) confidence: f64,
    pub(crate) specificity: usize,
    pub(crate) evidence: String,
    pub(crate) values: BTreeMap<String, String>,
    /// Where it was found: form, first line of the window, pattern (in the members' order).
    pub(crate) order: (usize, usize, usize),
    /// What the structural layer read ("target: cause"), when it gave this hit.
    pub(crate) structure: Option<String>,
}

/// Characters a captured value does not end with (sentence punctuation, quotes).
pub(crate) fn tidy(value: &str) -> String {
    value
        .trim_end_matches(['.', ',', ';', ':', ')', '"', '\'', '`', ']'])
        .trim_start_matches(['"', '\'', '`', '('])
        .to_string()
}

/// Whether a value read from a pasted text may stand in a command the user copies: host
/// names, addresses, ports, paths, image names and versions, nothing a shell reads as
/// syntax (`$`, backquotes, quotes, `;`, `|`, `&`, parentheses, redirections, spaces,
/// globs, braces, `#`, `!`, backslashes).
pub(crate) fn safe_in_command(value: &str) -> bool {
    !value.is_empty()
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-:/@[]+=,~%".contains(c))
}

/// [`fill`] for a fix's command line: a value the text gave that a shell would read as
/// syntax is not put in (the text is hostile input); its default, or `<name>`, stands in.
/// The explanation, prose, still names it.
pub(crate) fn fill_command(
    template: &str,
    values: &BTreeMap<String, String>,
    defaults: &BTreeMap<String, String>,
) -> String {
    let safe: BTreeMap<String, String> = values
        .iter()
        .filter(|(_, v)| safe_in_command(v))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    fill(template, &safe, defaults)
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
        // Not a name (JSON's `{"key": [...]}`, a Go template's `{{.Server}}`): the brace is
        // text, and a name may still follow inside it.
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            out.push_str(&rest[..open + 1]);
            rest = &rest[open + 1..];
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
// The tests' and the fuzz target's entry; the program itself runs `find_within`.
#[allow(dead_code)]
pub fn find(registry: &Registry, text: &str) -> Vec<Match> {
    find_within(registry, text, None).0
}

/// How much of a text [`find_within`] matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Coverage {
    /// Bytes from the start of the text every window of which was matched.
    pub read: usize,
    /// The text's length in bytes.
    pub total: usize,
}

impl Coverage {
    /// The whole text was matched (the deadline, if any, was not reached).
    pub fn complete(&self) -> bool {
        self.read >= self.total
    }
}

/// [`find`], stopping at `deadline`: the matches of the windows matched by then, and how
/// much of the text that was. Time is linear in the text: every window is at most
/// [`WINDOW`] lines of at most [`LINE_PIECE`] bytes, the prefilter reads it once, and only
/// the patterns it names run on it.
pub fn find_within(
    registry: &Registry,
    text: &str,
    deadline: Option<Instant>,
) -> (Vec<Match>, Coverage) {
    let raw = raw_lines(text);
    let forms = forms(&raw);
    // The signatures' windows and the structure's lines are read apart, on two threads
    // when a second one can be had: neither needs the other until their answers are ranked.
    let (structure, windows) = beside_structure(&forms[0], deadline, || {
        match_windows(registry, &raw, &forms, text.len(), deadline)
    });
    rank(registry, &raw, &forms, structure, windows)
}

/// [`find_within`] with the registry built while the structure is read: the program's
/// entry. Building the prefilter (the literals of every pattern) is most of a short
/// paste's time and needs nothing from the text, and the structural layer needs nothing
/// from the signatures, so the two overlap. The same answer as [`find_within`] on
/// [`registry`]'s result, which it returns for what follows.
pub fn build_and_find_within(
    text: &str,
    deadline: Option<Instant>,
) -> (Registry, Vec<Match>, Coverage) {
    let raw = raw_lines(text);
    let forms = forms(&raw);
    let (structure, (built, windows)) = beside_structure(&forms[0], deadline, || {
        let built = registry();
        let windows = match_windows(&built, &raw, &forms, text.len(), deadline);
        (built, windows)
    });
    let (matches, coverage) = rank(&built, &raw, &forms, structure, windows);
    (built, matches, coverage)
}

/// What the structural layer read on a text's lines, and how many lines it read.
type StructureRead = (Vec<(usize, Vec<super::structure::Reading>, String)>, usize);

/// Runs `work` while the structural layer reads `plain` on a second thread; this one then
/// reads what is left of it (all of it, when no second thread can be had).
fn beside_structure<T: Send>(
    plain: &[String],
    deadline: Option<Instant>,
    work: impl FnOnce() -> T,
) -> (StructureRead, T) {
    let job = StructureJob::new(plain, deadline);
    let done = std::thread::scope(|scope| {
        let other = std::thread::Builder::new().spawn_scoped(scope, || job.work());
        let done = work();
        // This thread reads what the other has not taken yet (all of it when no second
        // thread could be had).
        job.work();
        if let Ok(thread) = other {
            thread
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        }
        done
    });
    (job.finish(), done)
}

/// Puts `key`'s value into each hit that `needs` it and read none, from `found`: a scan of
/// the paste that runs once, and only when some hit needs it.
fn fill_from_paste(
    hits: &mut BTreeMap<usize, Hit>,
    key: &str,
    needs: impl Fn(usize) -> bool,
    found: impl FnOnce() -> Option<String>,
) {
    let mut found = Some(found);
    let mut value: Option<Option<String>> = None;
    for (&s, h) in hits.iter_mut() {
        if h.values.contains_key(key) || !needs(s) {
            continue;
        }
        if let Some(v) = value.get_or_insert_with(|| found.take().and_then(|f| f())) {
            h.values.insert(key.to_string(), v.clone());
        }
    }
}

/// The signatures' hits and the structure's readings, ranked into the answer.
fn rank(
    registry: &Registry,
    raw: &[(String, usize)],
    forms: &[Vec<String>],
    (structure, structure_read): StructureRead,
    (mut hits, mut coverage): (BTreeMap<usize, Hit>, Coverage),
) -> (Vec<Match>, Coverage) {
    // What the structure read counts only as far as both halves got before the deadline.
    if structure_read < raw.len() {
        let read = if structure_read == 0 {
            0
        } else {
            raw[structure_read - 1].1
        };
        coverage.read = coverage.read.min(read);
    }
    let lines_read = raw
        .iter()
        .position(|(_, end)| *end > coverage.read)
        .unwrap_or(raw.len());
    for (start, readings, evidence) in structure {
        if start >= lines_read {
            break;
        }
        for reading in readings {
            let Some(&s) = registry.by_mode.get(reading.mode) else {
                continue;
            };
            let order = (0, start, usize::MAX);
            let better = hits.get(&s).is_none_or(|h| {
                reading.confidence > h.confidence
                    || (reading.confidence == h.confidence
                        && h.structure.is_some()
                        && order < h.order)
            });
            if let Some(h) = hits.get_mut(&s)
                && !better
                && h.structure.is_none()
            {
                // The signature's answer, with what the structure read beside it: its
                // values too (the registry a `%REG%` pattern matched without naming it).
                h.structure = Some(reading.basis.clone());
                for (k, v) in reading.values {
                    h.values.entry(k).or_insert(v);
                }
                continue;
            }
            if better {
                hits.insert(
                    s,
                    Hit {
                        confidence: reading.confidence,
                        specificity: 0,
                        evidence: evidence.clone(),
                        values: reading.values,
                        order,
                        structure: Some(reading.basis),
                    },
                );
            }
        }
    }
    let plain = &forms[0][..lines_read];
    // dockerd shown running beside an old client's "cannot connect": the paste itself
    // contradicts "not running", and those clients said it for a socket they may not open.
    // The paste is scanned only when a generic "not running" was read.
    if let (Some(&down), Some(&denied)) = (
        registry.by_mode.get("daemon.not-running"),
        registry.by_mode.get("socket.not-in-group"),
    ) && let Some(d) = hits.get_mut(&down)
        && d.confidence <= 0.6
        && super::structure::up_but_unreachable_by_old_client(plain)
    {
        d.confidence = 0.45;
        let (evidence, order) = (d.evidence.clone(), d.order);
        let h = raise(&mut hits, denied, 0.6, evidence, order);
        h.structure = Some("the daemon shown running: the client may not open its socket".into());
    }
    // A tool's wrapper saying Docker is not available after a command the daemon itself
    // refused ("Error response from daemon: manifest ... not found"): the daemon answered,
    // so the generic reading of that claim is not given. Its socket's or a start's own
    // words (higher) still are.
    if let Some(&down) = registry.by_mode.get("daemon.not-running")
        && let Some(d) = hits.get_mut(&down)
        && d.confidence <= 0.55
        && d.structure.is_some()
        && super::structure::daemon_answered(plain)
    {
        d.confidence = ABSTAIN - 0.05;
    }
    // dockerd's log going on to "Daemon has completed initialization" after the line a
    // failed start was read from: the start did not fail (a storage driver it fell back
    // from, an error it logged and got past). What that line says of its own cause (the
    // driver's) stays read.
    if let Some(&start) = registry.by_mode.get("daemon.start-failed")
        && let Some(h) = hits.get_mut(&start)
        && h.confidence >= ABSTAIN
        && plain
            .iter()
            .skip(h.order.1 + 1)
            .any(|l| l.contains("daemon has completed initialization"))
    {
        h.confidence = ABSTAIN - 0.05;
    }
    // Compose v2 answering its version in the same paste: a tool that says Compose is not
    // installed checked wrongly (its own bug), and the machine is not at fault. What the
    // CLI or a shell says itself ("'compose' is not a docker command", a docker-compose
    // that is not a program) still is.
    if let Some(&plugin) = registry.by_mode.get("cli.plugin-missing")
        && let Some(h) = hits.get_mut(&plugin)
        && h.evidence.contains("installed")
        && plain.iter().any(|l| super::structure::compose_v2_shown(l))
    {
        h.confidence = h.confidence.min(ABSTAIN - 0.05);
    }
    // The docker CLI answering its version in the same paste: a tool that says it found no
    // docker binary checked wrongly (its check ran `docker version`, and the daemon behind
    // it did not answer). The shell's own "command not found" still is the CLI missing.
    if let Some(&missing) = registry.by_mode.get("cli.missing")
        && let Some(h) = hits.get_mut(&missing)
        && ![
            "command not found",
            "not recognized",
            "no such file",
            "enoent",
            "not found in $path",
        ]
        .iter()
        .any(|w| h.evidence.contains(w))
        && plain.iter().any(|l| super::structure::docker_cli_shown(l))
    {
        h.confidence = h.confidence.min(ABSTAIN - 0.05);
    }
    // A log's warning (or note) did not stop the program: when the paste also gives a
    // reading from a line that is neither (dockerd's "Error starting daemon"), a reading
    // that stands on a warning (its socket's group not found) ranks below that one.
    let failure = hits
        .values()
        .filter(|h| h.confidence >= ABSTAIN && !super::structure::log_warning(&h.evidence))
        .map(|h| h.confidence)
        .fold(f64::NEG_INFINITY, f64::max);
    if failure >= ABSTAIN {
        for h in hits.values_mut() {
            if h.confidence >= failure && super::structure::log_warning(&h.evidence) {
                h.confidence = failure - 0.05;
            }
        }
    }
    // The paste shows a proxy in the shell, and the structure read a direct dial to the
    // registry as the daemon's missing proxy: a signature's "the registry timed out" or
    // "refused" (which cannot see the shell) yields to it, as the structure's own does.
    if let Some(&missing) = registry.by_mode.get("proxy.daemon-missing")
        && let Some(lead) = hits
            .get(&missing)
            .filter(|h| h.structure.is_some() && h.confidence >= ABSTAIN)
            .map(|h| h.confidence)
        && plain.iter().any(|l| super::structure::shell_proxy(l))
    {
        for mode in ["registry.connect-timeout", "registry.connect-failed"] {
            if let Some(&s) = registry.by_mode.get(mode)
                && let Some(h) = hits.get_mut(&s)
            {
                h.confidence = h.confidence.min(lead - 0.05);
            }
        }
    }
    // A Kubernetes event is the node's runtime's (containerd, CRI-O), which the probes
    // cannot check: what it resembles stays a guess, and so does the runtime's own
    // failure (a cgroup, a storage driver: the node's configuration). A registry's or the
    // network's own words (`toomanyrequests`, an x509 chain, a lookup on the nameserver)
    // read the same from a node: their area then, at the floor; so does a full disk
    // (ENOSPC is the node's disk whichever runtime wrote to it). A node whose runtime is
    // Docker says so in the chain (dockershim's `Error response from daemon`, cri-dockerd,
    // the kubelet's "Cannot connect to the Docker daemon at unix://..."): its failure is
    // Docker's, read as it is.
    if plain.iter().any(|l| super::structure::kubernetes_event(l))
        && !plain.iter().any(|l| super::structure::docker_runtime(l))
    {
        for (&s, h) in hits.iter_mut() {
            let keeps = match registry[s].area.as_str() {
                "registry_auth" => Some(KUBERNETES_KEEPS),
                "registry_dns_tls" | "proxy_ca" => Some(KUBERNETES_KEEPS_NETWORK),
                _ if registry[s].mode == "storage.low-space" => Some(KUBERNETES_KEEPS_NETWORK),
                _ => None,
            };
            h.confidence = if keeps.is_some_and(|k| h.confidence >= k) {
                ABSTAIN
            } else {
                h.confidence.min(ABSTAIN - 0.05)
            };
        }
    }
    // Docker Desktop's pipe missing beside Desktop's own failure to run a WSL command (its
    // "Unexpected WSL error", a `wsl.exe` exit code): the engine is not running because
    // that failed, so the WSL reading leads and the pipe's is its consequence.
    if let Some(&down) = registry.by_mode.get("daemon.desktop-not-running")
        && hits.contains_key(&down)
        && let Some(wsl) = hits
            .iter()
            .filter(|(s, h)| {
                registry[**s].area == "wsl2"
                    && h.confidence >= ABSTAIN
                    && h.evidence.contains("wsl")
            })
            .map(|(_, h)| h.confidence)
            .reduce(f64::max)
        && let Some(h) = hits.get_mut(&down)
    {
        h.confidence = h.confidence.min(wsl - 0.05);
    }
    // Go's default "404 page not found" in the daemon's place, with a proxy set in the
    // shell: the proxy answered the CLI's request (an old client sends even a unix
    // socket's requests through HTTP_PROXY; a tcp daemon's go there unless NO_PROXY lists
    // it). No daemon answers a path it serves with that body.
    if let Some(&via) = registry.by_mode.get("proxy.daemon-via-proxy")
        && let Some(at) = plain
            .iter()
            .position(|l| l.contains("error response from daemon: 404 page not found"))
        && plain.iter().any(|l| super::structure::shell_proxy(l))
    {
        let h = raise(&mut hits, via, 0.75, plain[at].clone(), (0, at, 0));
        h.structure = Some("the daemon's address: 404 page not found, a proxy in the shell".into());
    }
    // Hub refusing an official image's name (all of them are public): the name does not
    // exist, whatever the refusal's words suggest about a login. The paste is scanned only
    // when an account's reading was made.
    let account_read = hits.keys().any(|&s| registry[s].area == "registry_auth");
    if account_read
        && let Some(&missing) = registry.by_mode.get("registry.not-found")
        && let Some(name) = super::structure::refused_official_name(plain)
    {
        // The evidence is the strongest account reading's line, whatever its confidence,
        // so the answer always quotes the refusal it stands on.
        let mut evidence = String::new();
        let mut order = (0, 0, 0);
        let mut strongest = f64::NEG_INFINITY;
        for (&s, h) in hits.iter_mut() {
            if registry[s].area != "registry_auth" {
                continue;
            }
            if h.confidence > strongest {
                strongest = h.confidence;
                evidence = h.evidence.clone();
                order = h.order;
            }
            if h.confidence >= ABSTAIN {
                h.confidence = ABSTAIN - 0.05;
            }
        }
        let h = raise(&mut hits, missing, 0.7, evidence, order);
        h.values
            .insert("repo".into(), format!("docker.io/library/{name}"));
        h.structure =
            Some("an official image's name refused: official images are all public".into());
    }
    // A fix that names a registry, read without one (a structure reading, a pattern that
    // captures none): the registry the paste pulls from, when it names exactly one,
    // rather than the signature's default (Docker Hub). The paste is scanned only when
    // such a fix was read.
    fill_from_paste(
        &mut hits,
        "registry",
        |s| {
            registry[s].explanation.contains("{registry}")
                || registry[s].fix.iter().any(|f| f.contains("{registry}"))
        },
        || super::structure::pulled_registry(plain),
    );
    // Likewise a fix that names an image: the one the paste's commands act on.
    fill_from_paste(
        &mut hits,
        "image",
        |s| registry[s].fix.iter().any(|f| f.contains("{image}")),
        || super::structure::acted_image(plain),
    );
    let mut scored: Vec<(usize, Hit)> = hits.into_iter().collect();
    scored.sort_by(|a, b| {
        b.1.confidence
            .total_cmp(&a.1.confidence)
            .then(b.1.specificity.cmp(&a.1.specificity))
    });
    // Environment failures first, each tier answered only when its best reaches ABSTAIN:
    // a name that does not exist is said apart, never as a cause on the machine.
    let (environment, asked): (Vec<_>, Vec<_>) = scored
        .into_iter()
        .partition(|(s, _)| registry[*s].environment);
    let answered = |tier: Vec<(usize, Hit)>| {
        if tier.first().is_none_or(|(_, h)| h.confidence < ABSTAIN) {
            Vec::new()
        } else {
            tier
        }
    };
    let matches = answered(environment)
        .into_iter()
        .chain(answered(asked))
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
                    .map(|f| fill_command(f, &h.values, &sig.defaults))
                    .collect(),
                evidence: probes::secret::redact_url(
                    &h.evidence.chars().take(300).collect::<String>(),
                ),
                values: h.values,
                // What was read names hosts the text holds: masked like the evidence.
                structure: h.structure.map(|b| probes::secret::redact_url(&b)),
                sources: sig.sources.clone(),
                examples: sig.corpus.clone(),
                environment: sig.environment,
                confirmation: Confirmation {
                    status: Status::NotChecked,
                    findings: Vec::new(),
                    fixes: Vec::new(),
                },
            }
        })
        .collect();
    (matches, coverage)
}

/// How many patterns a text's windows may run before half of them are compiled ahead on a
/// second thread: a short paste's few are compiled faster than a thread starts.
const PRECOMPILE: usize = 64;

/// The signatures over every window of at most [`WINDOW`] lines, in each form of the
/// lines: the best hit of each signature, and how much of the text was read by `deadline`.
fn match_windows(
    registry: &Registry,
    raw: &[(String, usize)],
    forms: &[Vec<String>],
    total: usize,
    deadline: Option<Instant>,
) -> (BTreeMap<usize, Hit>, Coverage) {
    let mut coverage = Coverage { read: total, total };
    let all = &registry.members;
    let mut candidate = vec![false; all.len()];
    let mut hits: BTreeMap<usize, Hit> = BTreeMap::new();
    // Each form's lines joined as its windows are, with where each line begins: a window
    // is a slice of it, and the prefilter reads the whole once.
    let texts: Vec<(String, Vec<usize>)> = forms
        .iter()
        .map(|lines| {
            let mut starts = Vec::with_capacity(lines.len());
            let mut at = 0;
            for line in lines {
                starts.push(at);
                at += line.len() + 1;
            }
            (lines.join(" "), starts)
        })
        .collect();
    let spans: Vec<Vec<(usize, usize, u32)>> = texts
        .iter()
        .map(|(text, _)| registry.prefilter.spans(text))
        .collect();
    let mut first = vec![0; forms.len()];
    // Where a later form's line is the first form's: a window (and the lines its veto
    // reads) all such finds nothing the first form did not find first.
    let same: Vec<Vec<bool>> = forms
        .iter()
        .map(|lines| lines.iter().zip(&forms[0]).map(|(a, b)| a == b).collect())
        .collect();
    // The patterns some window of this text may run are compiled as windows ask for them;
    // when there are many (a long log, the corpus), a second thread compiles half of them
    // (from the last) meanwhile, as the registry's compilation once did for all of them.
    let needed = registry.prefilter.owned(&spans);
    std::thread::scope(|scope| {
        if needed.len() >= PRECOMPILE {
            let ahead = || {
                for &k in needed.iter().rev().take(needed.len() / 2) {
                    if deadline.is_some_and(|d| Instant::now() >= d) {
                        break;
                    }
                    let (s, p) = all[k];
                    let pattern = &registry[s].patterns[p];
                    pattern.re.get();
                    if let Some(r) = &pattern.reject {
                        r.get();
                    }
                }
            };
            // Without a second thread, this one compiles each as it is asked.
            let _ = std::thread::Builder::new().spawn_scoped(scope, ahead);
        }
        for start in 0..raw.len() {
            if deadline.is_some_and(|d| Instant::now() >= d) {
                coverage.read = if start == 0 { 0 } else { raw[start - 1].1 };
                break;
            }
            let end = (start + WINDOW).min(raw.len());
            for (form, lines) in forms.iter().enumerate() {
                if form > 0
                    && same[form][start.saturating_sub(WINDOW)..end]
                        .iter()
                        .all(|s| *s)
                {
                    continue;
                }
                let (text, starts) = &texts[form];
                let bounds = (starts[start], starts[end - 1] + lines[end - 1].len());
                let window = &text[bounds.0..bounds.1];
                if !registry.prefilter.mark_within(
                    &spans[form],
                    &mut first[form],
                    bounds,
                    &mut candidate,
                ) {
                    continue;
                }
                // In the members' order: ties are broken as they always were.
                for (k, &(s, p)) in all.iter().enumerate() {
                    if !candidate[k] {
                        continue;
                    }
                    let pattern = &registry[s].patterns[p];
                    if !pattern.re.is_match(window) {
                        continue;
                    }
                    // A veto counts from the lines before too: the paste's own `docker pull
                    // alpine` two lines up says whose the answer is.
                    if pattern.reject.as_ref().is_some_and(|r| {
                        r.is_match(window)
                            || (start > 0
                                && r.is_match(
                                    &text[starts[start.saturating_sub(WINDOW)]..bounds.1],
                                ))
                    }) {
                        continue;
                    }
                    // Within one line when it can; across lines it counts a little less.
                    let single = lines[start..end].iter().find(|l| pattern.re.is_match(l));
                    let confidence = match single {
                        Some(_) => pattern.confidence,
                        None => pattern.confidence - SPAN_PENALTY,
                    };
                    let specificity = pattern.specificity;
                    // Equal hits: the first in the text's first form wins, as when each form
                    // was matched in turn.
                    let order = (form, start, k);
                    let better = hits.get(&s).is_none_or(|h| {
                        confidence > h.confidence
                            || (confidence == h.confidence
                                && (specificity > h.specificity
                                    || (specificity == h.specificity && order < h.order)))
                    });
                    if better {
                        let evidence = single.cloned().unwrap_or_else(|| window.to_string());
                        let values = capture(pattern.re.get(), &evidence).unwrap_or_default();
                        hits.insert(
                            s,
                            Hit {
                                confidence,
                                specificity,
                                evidence,
                                values,
                                order,
                                structure: None,
                            },
                        );
                    }
                }
            }
        }
    });
    // The structural layer, on each line the signatures were matched on: a reading
    // counts where no signature says more.
    (hits, coverage)
}

/// Lines the structural layer reads as one piece of work: a thread that is done with its
/// own takes the next piece, so the two halves of a long text end together.
const STRUCTURE_CHUNK: usize = 128;

/// What one piece of the structural layer's work read: its first line, the lines it
/// read before the deadline, and its readings.
type StructurePiece = (
    usize,
    usize,
    Vec<(usize, Vec<super::structure::Reading>, String)>,
);

/// The structural layer's reading of a text, shared by the threads that read it: the
/// paste-wide context once, then pieces of lines taken in turn. What it reads on each line
/// (or, for half a chain, with the lines around it), with the evidence it read it from;
/// and how many lines it read by the deadline.
struct StructureJob<'a> {
    plain: &'a [String],
    deadline: Option<Instant>,
    context: std::sync::OnceLock<(Vec<bool>, super::structure::Around)>,
    next: std::sync::atomic::AtomicUsize,
    pieces: std::sync::Mutex<Vec<StructurePiece>>,
}

impl<'a> StructureJob<'a> {
    fn new(plain: &'a [String], deadline: Option<Instant>) -> Self {
        StructureJob {
            plain,
            deadline,
            context: std::sync::OnceLock::new(),
            next: std::sync::atomic::AtomicUsize::new(0),
            pieces: std::sync::Mutex::new(Vec::new()),
        }
    }

    /// Which lines have Docker's words, and what the whole paste says of itself.
    fn context(&self) -> &(Vec<bool>, super::structure::Around) {
        self.context.get_or_init(|| {
            let plain = self.plain;
            let context: Vec<bool> = plain
                .iter()
                .map(|l| super::structure::docker_context(l))
                .collect();
            let paste = super::structure::Around {
                docker: false,
                application: plain
                    .iter()
                    .any(|l| super::structure::application_exception(l)),
                build: plain.iter().any(|l| super::structure::build_step(l)),
                pull: plain.iter().any(|l| super::structure::pull_progress(l)),
                shell_proxy: plain.iter().any(|l| super::structure::shell_proxy(l)),
                docker_client: plain
                    .iter()
                    .any(|l| super::structure::docker_client_frame(l)),
                container_command: plain.iter().any(|l| super::structure::container_command(l)),
            };
            (context, paste)
        })
    }

    /// Reads pieces until none is left (or the deadline passes).
    fn work(&self) {
        let plain = self.plain;
        let (context, paste) = self.context();
        loop {
            let piece = self.next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let from = piece.saturating_mul(STRUCTURE_CHUNK);
            if from >= plain.len() {
                return;
            }
            let to = (from + STRUCTURE_CHUNK).min(plain.len());
            let mut out = Vec::new();
            let mut read = to;
            for start in from..to {
                if self.deadline.is_some_and(|d| Instant::now() >= d) {
                    read = start;
                    break;
                }
                let near = super::structure::Around {
                    docker: context[start.saturating_sub(CONTEXT_LINES)
                        ..(start + CONTEXT_LINES + 1).min(plain.len())]
                        .iter()
                        .any(|c| *c),
                    ..*paste
                };
                let line = &plain[start];
                let (mut readings, half) = super::structure::read_line(line, near);
                let mut evidence = None;
                // Half a chain (`Get "...":` then `x509: ...`; a traceback naming Docker's
                // socket with its errno two lines down; `401 Unauthorized` above `Cannot
                // ping registry`): read with the line before and the two after, a little
                // less sure.
                if readings.is_empty() && (half || line.ends_with(':')) && plain.len() > 1 {
                    let joined =
                        plain[start.saturating_sub(1)..(start + 3).min(plain.len())].join(" ");
                    readings = super::structure::read(&joined, near);
                    for r in &mut readings {
                        r.confidence -= SPAN_PENALTY;
                    }
                    evidence = Some(joined);
                }
                if !readings.is_empty() {
                    out.push((start, readings, evidence.unwrap_or_else(|| line.clone())));
                }
            }
            self.pieces
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .push((from, read, out));
            if read < to {
                return;
            }
        }
    }

    /// The readings in the text's order, and how many lines were read from its start
    /// before the first piece the deadline cut (or that no thread took).
    fn finish(self) -> StructureRead {
        let mut pieces = self.pieces.into_inner().unwrap_or_else(|p| p.into_inner());
        pieces.sort_by_key(|(from, _, _)| *from);
        let mut out = Vec::new();
        let mut read = 0;
        for (from, upto, readings) in pieces {
            if from != read {
                break;
            }
            out.extend(readings);
            read = upto;
            if upto < (from + STRUCTURE_CHUNK).min(self.plain.len()) {
                break;
            }
        }
        (out, read.min(self.plain.len()))
    }
}
