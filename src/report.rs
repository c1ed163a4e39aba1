//! The report: what every probe saw, ordered root cause first. This is also the JSON
//! document (schema/report.schema.json); change both together and bump SCHEMA_VERSION on
//! any incompatible change.

use probes::facts::platform::Platform;
use probes::{Evidence, Finding, Fix, Severity};
use serde::Serialize;

pub const SCHEMA_VERSION: u32 = 1;

#[derive(Debug, Serialize)]
pub struct Report {
    pub schema_version: u32,
    pub tool: Tool,
    pub generated_at: String,
    pub platform: Platform,
    pub duration_ms: u64,
    pub timeout_ms: u64,
    pub offline: bool,
    pub summary: Summary,
    pub probes: Vec<ProbeRun>,
    /// Root causes first, each followed by its consequences.
    pub findings: Vec<ReportFinding>,
    /// What the fixes were rendered for: the daemon's service manager, how root steps run,
    /// the Engine version, where the daemon's log is. Absent when the run was abandoned.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub host: Option<probes::facts::profile::HostProfile>,
    /// What the run could not use, such as a malformed config file (absent when nothing).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
    /// Files the run read that were links, and where they led (absent when none).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub links: Vec<String>,
    /// What `--redact` masked (absent without it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub redacted: Option<crate::redact::Redaction>,
}

#[derive(Debug, Serialize)]
pub struct Tool {
    pub name: &'static str,
    pub version: &'static str,
}

#[derive(Debug, Serialize)]
pub struct Summary {
    /// The worst severity found.
    pub status: Severity,
    pub exit_code: i32,
    pub errors: usize,
    pub warnings: usize,
    pub infos: usize,
    /// Findings muted by `--ignore` or the config file: reported, but not counted.
    pub muted: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ProbeStatus {
    Ok,
    Info,
    Warn,
    Error,
    Skipped,
    TimedOut,
    Failed,
}

#[derive(Debug, Serialize)]
pub struct ProbeRun {
    pub id: &'static str,
    pub title: &'static str,
    pub status: ProbeStatus,
    pub duration_ms: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub skipped_because: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ReportFinding {
    pub id: String,
    pub probe: String,
    pub severity: Severity,
    pub summary: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    pub evidence: Vec<Evidence>,
    pub fixes: Vec<Fix>,
    /// The id of the finding this one is a consequence of.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub caused_by: Option<String>,
    /// What the finding is about, when its probe reports on several things (a registry).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    /// Muted by `--ignore` or the config file: kept in the report, not counted.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub muted: bool,
}

impl Report {
    pub fn exit_code(&self) -> i32 {
        self.summary.exit_code
    }

    /// The problems that count (not muted), root cause first.
    fn counted_problems(&self) -> impl Iterator<Item = &ReportFinding> {
        self.findings
            .iter()
            .filter(|f| !f.muted && f.severity >= Severity::Warn)
    }

    /// The most likely cause and the first thing to type (or do) about it.
    pub fn first_step(&self) -> Option<(&ReportFinding, String)> {
        let f = self
            .counted_problems()
            .filter(|f| f.caused_by.is_none())
            .find(|f| !f.fixes.is_empty())?;
        let step = f.fixes[0].steps.iter().find_map(|s| match s {
            probes::Step::Command { command, .. } => Some(format!("$ {command}")),
            probes::Step::WriteFile { path, .. } => Some(format!("write {path} (see below)")),
            probes::Step::Manual { text } => Some(text.lines().next().unwrap_or("").to_string()),
            probes::Step::Service { .. } => None,
        })?;
        Some((f, step))
    }

    /// What will and will not work, from the probes whose problems are errors.
    pub fn verdict(&self) -> String {
        let errors: Vec<&ReportFinding> = self
            .counted_problems()
            .filter(|f| f.severity == Severity::Error)
            .collect();
        if errors.is_empty() {
            return match self.summary.status {
                Severity::Warn => "Docker works, with warnings.".into(),
                _ => "Docker looks healthy.".into(),
            };
        }
        let has = |probes: &[&str]| errors.iter().any(|f| probes.contains(&f.probe.as_str()));
        if errors.iter().any(|f| f.id == "cli.missing") {
            return "Docker will not work: the docker command is missing.".into();
        }
        if errors.iter().any(|f| stops_docker(&f.id, &f.probe)) {
            return "Docker will not work: the docker CLI cannot use a daemon until the errors above are fixed.".into();
        }
        let mut parts = Vec::new();
        if has(&["proxy", "registry", "ca"]) {
            parts.push("pulls (and builds that pull a base image) will fail");
        }
        if has(&["ports"]) {
            parts.push("containers that publish the ports named above will not start");
        }
        if has(&["storage"]) {
            parts.push("pulls, builds and new containers fail while the disk is short");
        }
        if has(&["smoke"]) {
            parts.push("running a container fails");
        }
        if parts.is_empty() {
            return "Some Docker commands will fail until the errors above are fixed.".into();
        }
        let mut s = format!("The daemon answers, but {}", parts.join("; "));
        s.push_str(" until the errors above are fixed.");
        s
    }
}

/// Whether an error finding (counted, not muted) means no container can run here at all:
/// the docker command is missing, or the CLI cannot use a daemon. The verdict, the
/// Prometheus gauge and `summarize` all ask this one question.
pub fn stops_docker(id: &str, probe: &str) -> bool {
    id == "cli.missing" || matches!(probe, "endpoint" | "daemon" | "socket" | "wsl")
}

/// The engine that answered, as (name, version), from the `daemon.ok` finding's evidence
/// (`evidence(key)`); None when no daemon answered.
pub fn engine_seen(evidence: &dyn Fn(&str) -> Option<String>) -> Option<(&'static str, String)> {
    let version = evidence("server_version")?;
    // The daemon probe names the engine (from /version and the socket's place); reports
    // of older versions have only the operating system to go on.
    const ENGINES: [&str; 6] = [
        "Docker Engine",
        "Docker Desktop",
        "Podman",
        "Colima (Docker Engine)",
        "OrbStack",
        "Rancher Desktop (moby)",
    ];
    let named = evidence("engine").and_then(|e| ENGINES.iter().copied().find(|n| *n == e));
    let name = named.unwrap_or(match evidence("operating_system").as_deref() {
        Some("Docker Desktop") => "Docker Desktop",
        _ => "Docker Engine",
    });
    Some((name, version))
}

impl Report {
    /// [`engine_seen`] of this run.
    pub fn engine(&self) -> Option<(&'static str, String)> {
        let ok = self.findings.iter().find(|f| f.id == "daemon.ok")?;
        engine_seen(&|key| {
            ok.evidence
                .iter()
                .find(|e| e.key == key)
                .map(|e| e.value.clone())
        })
    }

    /// Whether the counted errors mean no container can run here (see [`stops_docker`]).
    pub fn cannot_run_containers(&self) -> bool {
        self.counted_problems()
            .any(|f| f.severity == Severity::Error && stops_docker(&f.id, &f.probe))
    }
}

pub fn summarise(findings: &[ReportFinding]) -> Summary {
    let counted = || findings.iter().filter(|f| !f.muted);
    let count = |s| counted().filter(|f| f.severity == s).count();
    let status = counted().map(|f| f.severity).max().unwrap_or(Severity::Ok);
    Summary {
        status,
        exit_code: match status {
            Severity::Error => 2,
            Severity::Warn => 1,
            _ => 0,
        },
        errors: count(Severity::Error),
        warnings: count(Severity::Warn),
        infos: count(Severity::Info),
        muted: findings.iter().filter(|f| f.muted).count(),
    }
}

/// Marks the findings whose id, or whose probe, is in `ignore`.
pub fn mute(findings: &mut [ReportFinding], ignore: &[String]) {
    for f in findings {
        f.muted = ignore.iter().any(|i| *i == f.id || *i == f.probe);
    }
}

/// Resolves each `caused_by` to a concrete finding id (a probe id means that probe's worst
/// problem), drops causes that did not materialise, and orders the list root cause first.
pub fn order(findings: Vec<Finding>, probe_order: &[&str]) -> Vec<ReportFinding> {
    // Causes are resolved to positions, not ids: several findings may share an id (one per
    // registry), and each must hang under its own cause.
    let mut cause: Vec<Option<usize>> = findings
        .iter()
        .map(|f| {
            let wanted = f.caused_by.as_ref()?;
            // `a.x|a.y|b`: the first alternative that is present.
            wanted.split('|').find_map(|wanted| {
                let is_candidate = |g: &Finding| {
                    g.severity >= Severity::Warn
                        && g.id != f.id
                        && if wanted.contains('.') {
                            g.id == wanted
                        } else {
                            g.probe() == wanted
                        }
                };
                // A finding may speak for several subjects ("a, b, c": one CA on three hosts).
                let same_subject = |g: &Finding| match (&f.subject, &g.subject) {
                    (Some(mine), Some(theirs)) => theirs.split(", ").any(|t| t == mine),
                    _ => false,
                };
                let pick = |filter: &dyn Fn(&Finding) -> bool| {
                    findings
                        .iter()
                        .enumerate()
                        .filter(|(_, g)| is_candidate(g) && filter(g))
                        // The worst finding of a probe; the first of equals.
                        .max_by_key(|(i, g)| (g.severity, std::cmp::Reverse(*i)))
                        .map(|(i, _)| i)
                };
                pick(&same_subject).or_else(|| pick(&|_| true))
            })
        })
        .collect();
    // Break cycles: a cause chain that comes back to itself loses its last link.
    for i in 0..cause.len() {
        let mut seen = vec![i];
        let mut cur = cause[i];
        while let Some(c) = cur {
            if seen.contains(&c) {
                cause[i] = None;
                break;
            }
            seen.push(c);
            cur = cause[c];
        }
    }
    let out: Vec<ReportFinding> = findings
        .iter()
        .enumerate()
        .map(|(i, f)| ReportFinding {
            // One root cause, one prescription: a consequence whose cause has a fix carries
            // none of its own (no "start the daemon" under a stale context).
            fixes: match cause[i] {
                Some(c) if !findings[c].fixes.is_empty() => Vec::new(),
                _ => f.fixes.clone(),
            },
            id: f.id.clone(),
            probe: f.probe().to_string(),
            severity: f.severity,
            summary: f.summary.clone(),
            detail: f.detail.clone(),
            evidence: f.evidence.clone(),
            caused_by: cause[i].map(|c| findings[c].id.clone()),
            subject: f.subject.clone(),
            muted: false,
        })
        .collect();
    // A root cause ranks by the worst finding it causes: a warning that stops the daemon
    // comes before an unrelated error.
    let worst_below = |root: usize| {
        (0..out.len())
            .filter(|&i| {
                let mut cur = Some(i);
                let mut hops = 0;
                while let Some(c) = cur {
                    if c == root {
                        return true;
                    }
                    hops += 1;
                    if hops > out.len() {
                        break;
                    }
                    cur = cause[c];
                }
                false
            })
            .map(|i| out[i].severity)
            .max()
            .unwrap_or(out[root].severity)
    };
    let rank = |i: &usize| {
        let f = &out[*i];
        (
            std::cmp::Reverse(worst_below(*i)),
            probe_order
                .iter()
                .position(|p| *p == f.probe)
                .unwrap_or(usize::MAX),
        )
    };
    let mut roots: Vec<usize> = (0..out.len()).filter(|i| cause[*i].is_none()).collect();
    roots.sort_by_key(rank);
    let mut ordered = Vec::with_capacity(out.len());
    for root in roots {
        push_tree(root, &cause, &out, &mut ordered);
    }
    ordered
}

fn push_tree(
    at: usize,
    cause: &[Option<usize>],
    all: &[ReportFinding],
    ordered: &mut Vec<ReportFinding>,
) {
    ordered.push(all[at].clone());
    for child in (0..all.len()).filter(|c| cause[*c] == Some(at)) {
        push_tree(child, cause, all, ordered);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use probes::FindingKind;

    const A: FindingKind = FindingKind::new("socket.not-in-group", Severity::Error, "");
    const B: FindingKind = FindingKind::new("daemon.permission-denied", Severity::Error, "");
    const C: FindingKind = FindingKind::new("cli.found", Severity::Ok, "");

    #[test]
    fn probe_cause_resolves_to_that_probes_problem_and_comes_first() {
        let out = order(
            vec![
                C.finding("c"),
                B.finding("b").caused_by("socket"),
                A.finding("a"),
            ],
            &["cli", "daemon", "socket"],
        );
        let ids: Vec<_> = out.iter().map(|f| f.id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "socket.not-in-group",
                "daemon.permission-denied",
                "cli.found"
            ]
        );
        assert_eq!(out[1].caused_by.as_deref(), Some("socket.not-in-group"));
    }

    #[test]
    fn a_cause_that_did_not_happen_is_dropped() {
        let out = order(
            vec![B.finding("b").caused_by("socket"), C.finding("c")],
            &[],
        );
        assert_eq!(out[0].caused_by, None);
    }

    #[test]
    fn cycles_are_broken() {
        let out = order(
            vec![
                A.finding("a").caused_by("daemon"),
                B.finding("b").caused_by("socket"),
            ],
            &[],
        );
        assert!(out.iter().any(|f| f.caused_by.is_none()));
        assert_eq!(out.len(), 2);
    }

    #[test]
    fn exit_code_follows_the_worst_severity() {
        let f = order(vec![C.finding("c")], &[]);
        assert_eq!(summarise(&f).exit_code, 0);
        let f = order(
            vec![C.finding("c"), A.finding("a").severity(Severity::Warn)],
            &[],
        );
        assert_eq!(summarise(&f).exit_code, 1);
        let f = order(vec![A.finding("a")], &[]);
        assert_eq!(summarise(&f).exit_code, 2);
    }
}
