//! Runs the selected probes concurrently, each under the run's deadline, and turns what they
//! return into a [`Report`]. A probe that runs out of time or panics becomes a finding.

use crate::redact::{Known, Redactor};
use crate::report::{self, ProbeRun, ProbeStatus, Report, Tool};
use probes::facts::platform::Platform;
use probes::host::Host;
use probes::{Context, Finding, Options, Probe, Severity};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

/// Every probe can end in one of these, whatever its own findings are.
pub const TIMED_OUT: &str = "timed-out";
pub const FAILED: &str = "failed";

#[derive(Clone)]
pub struct Selection {
    pub only: Vec<String>,
    pub skip: Vec<String>,
    pub offline: bool,
    pub timeout: Duration,
    pub registries: Vec<String>,
    pub save_chain: Option<std::path::PathBuf>,
    /// Write the registry connections as a fixture's `traces.json` (hidden flag).
    pub record_traces: Option<std::path::PathBuf>,
    pub ports: Vec<String>,
    pub compose: Option<std::path::PathBuf>,
    pub smoke: Option<String>,
    /// The organisation's baseline (`--expect`), parsed.
    pub expect: Option<Arc<probes::facts::baseline::Baseline>>,
    /// Finding or probe ids muted by `--ignore` and the config file.
    pub ignore: Vec<String>,
    /// What the run could not use (a config file that is unreadable or malformed): told in
    /// the report, never a reason to stop.
    pub warnings: Vec<String>,
    /// Mask user names, home paths, host names and IP addresses (`--redact`).
    pub redact: bool,
    /// Sent what a support bundle holds, once the probes are done (`bundle`).
    pub collect: Option<std::sync::mpsc::Sender<crate::bundle::Facts>>,
    /// Told when each probe starts and ends (the terminal's progress line).
    pub progress: Option<std::sync::mpsc::Sender<Progress>>,
}

/// What the progress line shows.
#[derive(Debug, Clone)]
pub enum Progress {
    Started(&'static str),
    Done(&'static str),
    /// The report is ready: clear the line and stop (probes abandoned at the deadline may
    /// never say Done).
    Finished,
}

/// Ids that `--only`/`--skip` name but no probe has.
pub fn unknown_probes<'a>(
    probes: &[Box<dyn Probe>],
    named: impl Iterator<Item = &'a String>,
) -> Vec<String> {
    named
        .filter(|n| !probes.iter().any(|p| p.id() == n.as_str()))
        .cloned()
        .collect()
}

pub async fn run(host: Arc<dyn Host>, selection: &Selection) -> Report {
    let started = Instant::now();
    let deadline = started + selection.timeout;
    let ctx = Arc::new(Context::new(
        host,
        Options {
            offline: selection.offline,
            registries: selection.registries.clone(),
            save_chain: selection.save_chain.clone(),
            ports: selection.ports.clone(),
            compose: selection.compose.clone(),
            smoke: selection.smoke.clone(),
            expect: selection.expect.clone(),
            ..Options::new(deadline)
        },
    ));
    let all: Vec<Arc<dyn Probe>> = probes::all().into_iter().map(Arc::from).collect();
    let order: Vec<&'static str> = all.iter().map(|p| p.id()).collect();

    let mut runs = Vec::new();
    let mut tasks = Vec::new();
    for probe in &all {
        let skipped_because =
            if !selection.only.is_empty() && !selection.only.iter().any(|o| o == probe.id()) {
                Some("not selected by --only".to_string())
            } else if selection.skip.iter().any(|s| s == probe.id()) {
                Some("--skip".to_string())
            } else if selection.offline && probe.network() {
                Some("--offline".to_string())
            } else {
                probe.not_applicable_because(&ctx)
            };
        if let Some(reason) = skipped_because {
            runs.push((probe.clone(), None, Some(reason)));
            continue;
        }
        let (p, c) = (probe.clone(), ctx.clone());
        let progress = selection.progress.clone();
        if let Some(tx) = &progress {
            let _ = tx.send(Progress::Started(p.id()));
        }
        let handle = tokio::spawn(async move {
            let t = Instant::now();
            let findings = p.run(&c).await;
            if let Some(tx) = progress {
                let _ = tx.send(Progress::Done(p.id()));
            }
            (findings, t.elapsed())
        });
        tasks.push((probe.clone(), handle));
    }

    let mut findings: Vec<Finding> = Vec::new();
    for (probe, mut handle) in tasks {
        let outcome = tokio::time::timeout_at(deadline.into(), &mut handle).await;
        let (status, took, mut got) = match outcome {
            Ok(Ok((f, took))) => (status_of(&f), took, f),
            Ok(Err(join)) => {
                let why = panic_text(join);
                (
                    ProbeStatus::Failed,
                    started.elapsed(),
                    vec![Finding::new(
                        format!("{}.{FAILED}", probe.id()),
                        Severity::Error,
                        format!("the {} probe failed: {why}", probe.id()),
                    )
                        .detail("This is a bug in docker-doctor; the other probes are unaffected. Please report it with this output.")],
                )
            }
            Err(_) => {
                handle.abort();
                (
                    ProbeStatus::TimedOut,
                    started.elapsed(),
                    vec![
                        Finding::new(
                            format!("{}.{TIMED_OUT}", probe.id()),
                            Severity::Warn,
                            format!(
                                "the {} probe did not finish within the {:.1} s timeout",
                                probe.id(),
                                selection.timeout.as_secs_f64()
                            ),
                        )
                        .evidence(
                            "timeout_s",
                            format!("{:.1}", selection.timeout.as_secs_f64()),
                        )
                        .fix(probes::Fix::new("Give it more time").run(probes::argv![
                            "docker-doctor",
                            "--only",
                            probe.id(),
                            "--timeout",
                            (selection.timeout.as_secs_f64() * 3.0).ceil()
                        ])),
                    ],
                )
            }
        };
        findings.append(&mut got);
        runs.push((probe, Some((status, took)), None));
    }
    // Keep the catalogue's order in the probe list.
    runs.sort_by_key(|(p, _, _)| order.iter().position(|o| *o == p.id()));
    let probe_runs = runs
        .into_iter()
        .map(|(p, done, skipped)| ProbeRun {
            id: p.id(),
            title: p.title(),
            status: done.map(|d| d.0).unwrap_or(ProbeStatus::Skipped),
            duration_ms: done.map(|d| d.1.as_millis() as u64).unwrap_or(0),
            skipped_because: skipped,
        })
        .collect();

    if let Some(tx) = &selection.collect {
        let _ = tx.send(crate::bundle::gather(&ctx).await);
    }
    if let Some(path) = &selection.record_traces {
        record_traces(&ctx, path);
    }
    // Fixes are made true for this host: its service manager, its privilege.
    let profile = ctx.profile().await.clone();
    for f in &mut findings {
        for fix in &mut f.fixes {
            profile.resolve(fix);
        }
    }
    let findings = report::order(findings, &order);
    let mut report = assemble(
        selection,
        ctx.platform().clone(),
        started.elapsed(),
        probe_runs,
        findings,
    );
    report.host = Some(profile);
    // What the run's reads refused (a link out of its place, the read budget spent) is a
    // warning of the run; links followed are listed for the ticket.
    let notes = ctx.host().access_notes();
    report.warnings.extend(notes.refused);
    report.links = notes.links;
    if selection.redact {
        let known = Known::of(&ctx);
        report.redacted = Some(Redactor::new(&known).apply(&mut report));
    }
    report
}

/// Writes the registry connections this run made as a fixture's `traces.json`, so a real
/// machine's network answers can be replayed in a test. Secrets are masked in them twice:
/// by the traces themselves and by the masking layer.
fn record_traces(ctx: &Context, path: &std::path::Path) {
    let Some(traces) = ctx.recorded_traces() else {
        errln!(
            "note: no registry connection was made; {} not written",
            path.display()
        );
        return;
    };
    let map: std::collections::BTreeMap<String, &probes::host::Trace> = traces
        .iter()
        .map(|t| (format!("{}:{}", t.registry.host, t.registry.port), &t.trace))
        .collect();
    // Saved files go through the masking layer like every other output.
    let text = crate::mask::json_text(&serde_json::to_string_pretty(&map).unwrap_or_default());
    if let Err(e) =
        probes::safe_write::write(path, text.as_bytes(), probes::safe_write::Keep::Private)
    {
        errln!("error: {e}");
    }
}

/// The report when the engine itself could not finish by the deadline (every worker thread
/// stuck in a call that cannot be interrupted): each selected probe is reported as timed
/// out, and nothing here touches the machine again.
pub fn abandoned(selection: &Selection, elapsed: Duration) -> Report {
    let probes = probes::all();
    let mut runs = Vec::new();
    let mut findings = Vec::new();
    for p in &probes {
        let selected = (selection.only.is_empty() || selection.only.iter().any(|o| o == p.id()))
            && !selection.skip.iter().any(|s| s == p.id())
            && !(selection.offline && p.network());
        runs.push(ProbeRun {
            id: p.id(),
            title: p.title(),
            status: if selected {
                ProbeStatus::TimedOut
            } else {
                ProbeStatus::Skipped
            },
            duration_ms: if selected {
                elapsed.as_millis() as u64
            } else {
                0
            },
            skipped_because: (!selected).then(|| "not selected".to_string()),
        });
        if selected {
            findings.push(Finding::new(
                format!("{}.{TIMED_OUT}", p.id()),
                Severity::Warn,
                format!(
                    "the {} probe was blocked in a system call and did not finish within the {:.1} s timeout",
                    p.id(),
                    selection.timeout.as_secs_f64()
                ),
            )
            .detail("A file or socket it reads did not answer (a FIFO, a hung network filesystem). Run again with --verbose and --only to find which."));
        }
    }
    let order: Vec<&str> = probes.iter().map(|p| p.id()).collect();
    let findings = report::order(findings, &order);
    // Nothing here may touch the machine again: only what the binary itself knows.
    let platform = Platform {
        os: std::env::consts::OS.into(),
        arch: std::env::consts::ARCH.into(),
        distro_id: None,
        distro_like: Vec::new(),
        distro: None,
        version_id: None,
        kernel: None,
        wsl: false,
        systemd: false,
    };
    assemble(selection, platform, elapsed, runs, findings)
}

fn assemble(
    selection: &Selection,
    platform: Platform,
    elapsed: Duration,
    probes: Vec<ProbeRun>,
    mut findings: Vec<report::ReportFinding>,
) -> Report {
    report::mute(&mut findings, &selection.ignore);
    Report {
        schema_version: report::SCHEMA_VERSION,
        tool: Tool {
            name: env!("CARGO_PKG_NAME"),
            version: env!("CARGO_PKG_VERSION"),
        },
        generated_at: humantime::format_rfc3339_seconds(SystemTime::now()).to_string(),
        platform,
        duration_ms: elapsed.as_millis() as u64,
        timeout_ms: selection.timeout.as_millis() as u64,
        offline: selection.offline,
        summary: report::summarise(&findings),
        probes,
        findings,
        host: None,
        redacted: None,
        warnings: selection.warnings.clone(),
        links: Vec::new(),
    }
}

fn status_of(findings: &[Finding]) -> ProbeStatus {
    match findings.iter().map(|f| f.severity).max() {
        Some(Severity::Error) => ProbeStatus::Error,
        Some(Severity::Warn) => ProbeStatus::Warn,
        Some(Severity::Info) => ProbeStatus::Info,
        _ => ProbeStatus::Ok,
    }
}

fn panic_text(e: tokio::task::JoinError) -> String {
    match e.try_into_panic() {
        Ok(payload) => payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "panic".into()),
        Err(e) => e.to_string(),
    }
}
