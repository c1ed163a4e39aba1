//! `docker-doctor summarize REPORT.json... | DIR`: many machines' JSON reports in, one
//! table out. Each report is read by its `schema_version` (this doctor reads 1 to
//! [`SCHEMA_VERSION`]); a file that is not a report, or one from a newer doctor, is named
//! and skipped, never fatal. Inputs are bounded: each file through the one bounded reader
//! (8 MiB, regular files only), at most [`MAX_FILES`] files, each report's findings and
//! every string taken from it capped; the tables list at most [`MAX_ROWS`] rows and
//! [`MAX_NAMES`] machine names per row ("and N more").

use crate::cli::{Format, SummarizeArgs};
use crate::report::{SCHEMA_VERSION, engine_seen, stops_docker};
use probes::Severity;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt::Write;
use std::path::{Path, PathBuf};

/// The most report files read in one run.
pub const MAX_FILES: usize = 10_000;
/// The most rows of a table in the human and Markdown output (JSON has them all).
pub const MAX_ROWS: usize = 200;
/// The most machine names shown per row in the human and Markdown output.
pub const MAX_NAMES: usize = 10;
/// The most findings taken from one report, and the longest string kept from it.
const MAX_FINDINGS: usize = 2_000;
const MAX_TEXT: usize = 200;

/// What a report says, as far as a summary needs it (schema_version 1; the version is
/// checked before this is read).
#[derive(Debug, Deserialize)]
struct ReportIn {
    summary: SummaryIn,
    findings: Vec<FindingIn>,
}

#[derive(Debug, Deserialize)]
struct SummaryIn {
    exit_code: i32,
}

#[derive(Debug, Deserialize)]
struct FindingIn {
    id: String,
    probe: String,
    severity: Severity,
    #[serde(default)]
    evidence: Vec<EvidenceIn>,
    #[serde(default)]
    caused_by: Option<String>,
    #[serde(default)]
    muted: bool,
}

#[derive(Debug, Deserialize)]
struct EvidenceIn {
    key: String,
    value: String,
}

/// The summary, as `--format json` prints it.
#[derive(Debug, Default, Serialize)]
pub struct Summary {
    pub schema_version: u32,
    /// Reports read.
    pub machines: usize,
    /// Machines per exit code of their run ("0", "1", "2").
    pub exit_codes: BTreeMap<String, usize>,
    /// Every finding that is not ok, with the machines that have it; most machines first.
    pub findings: Vec<Row>,
    /// Baseline rules broken (`baseline.*` problems), most machines first.
    pub baseline: Vec<Row>,
    /// Machines that met their baseline (`baseline.met`).
    pub baseline_met: usize,
    /// Machines where no container can run: the docker command is missing or cannot use a
    /// daemon, with the root cause.
    pub cannot_run_containers: Vec<Blocked>,
    /// Engines and versions that answered, and how many machines had none.
    pub engines: Vec<Engine>,
    pub no_engine: usize,
    /// Files that are not reports (or not ones this doctor reads), and why.
    pub skipped: Vec<Skipped>,
    /// What was not read at all (over the file cap).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct Row {
    pub id: String,
    pub probe: String,
    pub severity: Severity,
    pub machines: usize,
    pub names: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct Blocked {
    pub machine: String,
    pub cause: String,
}

#[derive(Debug, Serialize)]
pub struct Engine {
    pub engine: String,
    pub version: String,
    pub machines: usize,
}

#[derive(Debug, Serialize)]
pub struct Skipped {
    pub file: String,
    pub why: String,
}

pub fn run(args: &SummarizeArgs) -> i32 {
    let summary = summarize(&args.paths);
    match args.format {
        Format::Json => {
            let doc = serde_json::to_string_pretty(&summary).unwrap_or_default();
            crate::mask::out_json(&doc);
        }
        Format::Markdown => out!("{}", markdown(&summary)),
        Format::Human | Format::Prometheus | Format::Junit => out!("{}", human(&summary)),
    }
    // The table is printed either way; 1 tells a script that nothing could be read.
    if summary.machines == 0 { 1 } else { 0 }
}

/// The report files named: files as given, and the `*.json` files of folders (sorted), at
/// most MAX_FILES; what is over the cap is counted in a note.
fn report_files(paths: &[PathBuf], s: &mut Summary) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut over = 0usize;
    let mut add = |p: PathBuf, files: &mut Vec<PathBuf>| {
        if files.len() < MAX_FILES {
            files.push(p);
        } else {
            over += 1;
        }
    };
    for p in paths {
        match std::fs::metadata(p) {
            Ok(m) if m.is_dir() => match std::fs::read_dir(p) {
                Ok(entries) => {
                    let mut found: Vec<PathBuf> = entries
                        .filter_map(|e| e.ok())
                        .map(|e| e.path())
                        .filter(|f| f.extension().is_some_and(|x| x == "json"))
                        .collect();
                    found.sort();
                    for f in found {
                        add(f, &mut files);
                    }
                }
                Err(e) => s.skipped.push(Skipped {
                    file: p.display().to_string(),
                    why: format!("cannot list this folder: {e}"),
                }),
            },
            _ => add(p.clone(), &mut files),
        }
    }
    if over > 0 {
        s.notes.push(format!(
            "only the first {MAX_FILES} report files were read: and {over} more"
        ));
    }
    files
}

/// The machine's name: the file's name without `.json`, or its path when two files share
/// a name.
fn machine_name(path: &Path, taken: &mut BTreeSet<String>) -> String {
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string());
    let name = if taken.contains(&stem) {
        path.display().to_string()
    } else {
        stem
    };
    let name = cut(&name);
    taken.insert(name.clone());
    name
}

fn cut(s: &str) -> String {
    s.chars().take(MAX_TEXT).collect()
}

/// Reads one report, or says why it is not one this doctor reads.
fn read_report(path: &Path) -> Result<ReportIn, String> {
    let bytes = probes::bounded::read_file(path, probes::bounded::FILE_CAP)
        .map_err(|e| format!("cannot read it: {e}"))?;
    let value: serde_json::Value =
        serde_json::from_slice(&bytes).map_err(|_| "not JSON".to_string())?;
    let version = match value.get("schema_version") {
        Some(v) => v
            .as_u64()
            .ok_or("its schema_version is not a number: not a docker-doctor report")?,
        None => return Err("no schema_version: not a docker-doctor report".into()),
    };
    if version == 0 || version > u64::from(SCHEMA_VERSION) {
        return Err(format!(
            "schema_version {version}: written by another docker-doctor; this one reads 1 to {SCHEMA_VERSION}"
        ));
    }
    let mut report: ReportIn = serde_json::from_value(value)
        .map_err(|e| format!("not a docker-doctor report of schema_version {version}: {e}"))?;
    report.findings.truncate(MAX_FINDINGS);
    Ok(report)
}

pub fn summarize(paths: &[PathBuf]) -> Summary {
    let mut s = Summary {
        schema_version: 1,
        ..Summary::default()
    };
    let files = report_files(paths, &mut s);
    let mut taken = BTreeSet::new();
    // (id, probe, severity) -> machines; one machine counts once per id.
    let mut rows: HashMap<(String, String, Severity), BTreeSet<String>> = HashMap::new();
    let mut engines: BTreeMap<(String, String), usize> = BTreeMap::new();
    for path in files {
        let report = match read_report(&path) {
            Ok(r) => r,
            Err(why) => {
                s.skipped.push(Skipped {
                    file: cut(&path.display().to_string()),
                    why,
                });
                continue;
            }
        };
        let name = machine_name(&path, &mut taken);
        s.machines += 1;
        *s.exit_codes
            .entry(report.summary.exit_code.to_string())
            .or_default() += 1;
        let counted: Vec<&FindingIn> = report.findings.iter().filter(|f| !f.muted).collect();
        for f in &counted {
            if f.severity == Severity::Ok {
                if f.id == "baseline.met" {
                    s.baseline_met += 1;
                }
                continue;
            }
            rows.entry((cut(&f.id), cut(&f.probe), f.severity))
                .or_default()
                .insert(name.clone());
        }
        // The root cause of a machine that cannot run containers: the first blocking error
        // that nothing else caused (reports list root causes first).
        let blocking: Vec<&&FindingIn> = counted
            .iter()
            .filter(|f| f.severity == Severity::Error && stops_docker(&f.id, &f.probe))
            .collect();
        if let Some(first) = blocking.first() {
            // Up the `caused_by` chain (bounded: a report could hold a cycle).
            let mut root: &FindingIn = first;
            for _ in 0..16 {
                match root
                    .caused_by
                    .as_deref()
                    .and_then(|c| counted.iter().find(|g| g.id == c))
                {
                    Some(up) => root = up,
                    None => break,
                }
            }
            s.cannot_run_containers.push(Blocked {
                machine: name.clone(),
                cause: cut(&root.id),
            });
        }
        let ok = report.findings.iter().find(|f| f.id == "daemon.ok");
        match ok.and_then(|ok| {
            engine_seen(&|key| {
                ok.evidence
                    .iter()
                    .find(|e| e.key == key)
                    .map(|e| e.value.clone())
            })
        }) {
            Some((engine, version)) => {
                *engines
                    .entry((engine.to_string(), cut(&version)))
                    .or_default() += 1
            }
            None => s.no_engine += 1,
        }
    }
    let mut all: Vec<Row> = rows
        .into_iter()
        .map(|((id, probe, severity), names)| Row {
            id,
            probe,
            severity,
            machines: names.len(),
            names: names.into_iter().collect(),
        })
        .collect();
    // Most machines first; errors before warnings before notes among equals.
    all.sort_by(|a, b| (b.machines, b.severity, &a.id).cmp(&(a.machines, a.severity, &b.id)));
    let (baseline, findings): (Vec<Row>, Vec<Row>) = all
        .into_iter()
        .partition(|r| r.probe == "baseline" && r.severity >= Severity::Warn);
    s.findings = findings;
    s.baseline = baseline;
    let mut engines: Vec<Engine> = engines
        .into_iter()
        .map(|((engine, version), machines)| Engine {
            engine,
            version,
            machines,
        })
        .collect();
    engines.sort_by_key(|e| std::cmp::Reverse(e.machines));
    s.engines = engines;
    s
}

fn names(r: &Row) -> String {
    let mut shown = r
        .names
        .iter()
        .take(MAX_NAMES)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    if r.names.len() > MAX_NAMES {
        let _ = write!(shown, " and {} more", r.names.len() - MAX_NAMES);
    }
    shown
}

fn more(out: &mut String, total: usize) {
    if total > MAX_ROWS {
        let _ = writeln!(out, "  and {} more (see --format json)", total - MAX_ROWS);
    }
}

fn human(s: &Summary) -> String {
    let mut out = String::new();
    let codes = |c: &str| s.exit_codes.get(c).copied().unwrap_or(0);
    let _ = writeln!(
        out,
        "docker-doctor summary: {} machine(s): {} healthy, {} with warnings, {} with errors\n",
        s.machines,
        codes("0"),
        codes("1"),
        codes("2")
    );
    let _ = writeln!(
        out,
        "Cannot run containers: {} machine(s)",
        s.cannot_run_containers.len()
    );
    for b in s.cannot_run_containers.iter().take(MAX_ROWS) {
        let _ = writeln!(out, "  {:<24} {}", b.machine, b.cause);
    }
    more(&mut out, s.cannot_run_containers.len());
    out.push('\n');
    if !s.baseline.is_empty() || s.baseline_met > 0 {
        let _ = writeln!(
            out,
            "Baseline rules most violated ({} machine(s) meet the baseline)",
            s.baseline_met
        );
        for r in s.baseline.iter().take(MAX_ROWS) {
            let _ = writeln!(out, "  {:>5}  {:<24} {}", r.machines, r.id, names(r));
        }
        more(&mut out, s.baseline.len());
        out.push('\n');
    }
    let _ = writeln!(out, "Findings by machines");
    if s.findings.is_empty() {
        let _ = writeln!(out, "  none");
    }
    for r in s.findings.iter().take(MAX_ROWS) {
        let _ = writeln!(
            out,
            "  {:>5}  {:<5}  {:<32} {}",
            r.machines,
            r.severity.as_str(),
            r.id,
            names(r)
        );
    }
    more(&mut out, s.findings.len());
    out.push('\n');
    let _ = writeln!(out, "Engines");
    for e in s.engines.iter().take(MAX_ROWS) {
        let _ = writeln!(out, "  {:>5}  {} {}", e.machines, e.engine, e.version);
    }
    more(&mut out, s.engines.len());
    if s.no_engine > 0 {
        let _ = writeln!(out, "  {:>5}  no engine answered", s.no_engine);
    }
    if !s.skipped.is_empty() {
        let _ = writeln!(
            out,
            "\nSkipped ({} file(s) that are not reports read here)",
            s.skipped.len()
        );
        for sk in &s.skipped {
            let _ = writeln!(out, "  {}: {}", sk.file, sk.why);
        }
    }
    for n in &s.notes {
        let _ = writeln!(out, "\nnote: {n}");
    }
    out
}

/// A Markdown table cell: one line, `|` escaped.
fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace(['\n', '\r'], " ")
}

fn markdown(s: &Summary) -> String {
    let mut out = String::new();
    let codes = |c: &str| s.exit_codes.get(c).copied().unwrap_or(0);
    let _ = writeln!(out, "# docker-doctor fleet summary\n");
    let _ = writeln!(
        out,
        "**{}** machine(s): {} healthy, {} with warnings, {} with errors; **{}** cannot run containers.\n",
        s.machines,
        codes("0"),
        codes("1"),
        codes("2"),
        s.cannot_run_containers.len()
    );
    if !s.cannot_run_containers.is_empty() {
        let _ = writeln!(out, "## Cannot run containers\n");
        let _ = writeln!(out, "| machine | root cause |\n|---|---|");
        for b in s.cannot_run_containers.iter().take(MAX_ROWS) {
            let _ = writeln!(out, "| {} | `{}` |", cell(&b.machine), cell(&b.cause));
        }
        out.push('\n');
    }
    if !s.baseline.is_empty() || s.baseline_met > 0 {
        let _ = writeln!(
            out,
            "## Baseline rules most violated\n\n{} machine(s) meet the baseline.\n",
            s.baseline_met
        );
        if !s.baseline.is_empty() {
            let _ = writeln!(out, "| rule | machines | which |\n|---|---|---|");
            for r in s.baseline.iter().take(MAX_ROWS) {
                let _ = writeln!(
                    out,
                    "| `{}` | {} | {} |",
                    cell(&r.id),
                    r.machines,
                    cell(&names(r))
                );
            }
            out.push('\n');
        }
    }
    let _ = writeln!(out, "## Findings\n");
    let _ = writeln!(
        out,
        "| finding | severity | machines | which |\n|---|---|---|---|"
    );
    for r in s.findings.iter().take(MAX_ROWS) {
        let _ = writeln!(
            out,
            "| `{}` | {} | {} | {} |",
            cell(&r.id),
            r.severity.as_str(),
            r.machines,
            cell(&names(r))
        );
    }
    if s.findings.len() > MAX_ROWS {
        let _ = writeln!(out, "\nand {} more.", s.findings.len() - MAX_ROWS);
    }
    let _ = writeln!(
        out,
        "\n## Engines\n\n| engine | version | machines |\n|---|---|---|"
    );
    for e in s.engines.iter().take(MAX_ROWS) {
        let _ = writeln!(
            out,
            "| {} | {} | {} |",
            cell(&e.engine),
            cell(&e.version),
            e.machines
        );
    }
    if s.no_engine > 0 {
        let _ = writeln!(out, "| (none answered) | | {} |", s.no_engine);
    }
    if !s.skipped.is_empty() {
        let _ = writeln!(out, "\n## Skipped files\n");
        for sk in &s.skipped {
            let _ = writeln!(out, "- `{}`: {}", cell(&sk.file), cell(&sk.why));
        }
    }
    for n in &s.notes {
        let _ = writeln!(out, "\n> {}", cell(n));
    }
    out
}
