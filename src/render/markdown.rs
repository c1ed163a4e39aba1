//! `--format markdown`: a report to paste into a GitHub issue or a ticket. A heading, a
//! summary table of the probes, each problem with its fixes in fenced code blocks, and the
//! evidence in a collapsed `<details>` section. Plain text only: no terminal escapes.

use crate::report::{ProbeStatus, Report, ReportFinding};
use probes::{Severity, Step};
use std::fmt::Write;

pub fn render(r: &Report) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# docker-doctor report\n");
    let platform = r
        .platform
        .distro
        .clone()
        .unwrap_or_else(|| r.platform.os.clone());
    let _ = writeln!(
        out,
        "**{}** · {} {}/{} · {} · {} error(s), {} warning(s), {} note(s) · exit {}\n",
        verdict(r),
        platform,
        r.platform.os,
        r.platform.arch,
        r.generated_at,
        r.summary.errors,
        r.summary.warnings,
        r.summary.infos,
        r.summary.exit_code
    );
    if let Some(h) = &r.host {
        let _ = writeln!(out, "{}\n", cell(&h.describe()));
    }
    for w in &r.warnings {
        let _ = writeln!(out, "> ⚠ {}\n", cell(w));
    }
    let _ = writeln!(out, "| probe | status | result |");
    let _ = writeln!(out, "|---|---|---|");
    for p in &r.probes {
        let result = match &p.skipped_because {
            Some(why) => cell(why),
            None => r
                .findings
                .iter()
                .filter(|f| f.probe == p.id)
                .max_by_key(|f| f.severity)
                .map(|f| cell(&f.summary))
                .unwrap_or_else(|| "nothing to report".into()),
        };
        let _ = writeln!(out, "| `{}` | {} | {} |", p.id, status(p.status), result);
    }
    out.push('\n');

    let problems: Vec<&ReportFinding> = r
        .findings
        .iter()
        .filter(|f| !f.muted && f.severity >= Severity::Warn)
        .collect();
    let notes: Vec<&ReportFinding> = r
        .findings
        .iter()
        .filter(|f| !f.muted && f.severity == Severity::Info)
        .collect();
    if !problems.is_empty() {
        let _ = writeln!(out, "## Problems, root cause first\n");
        for f in problems {
            finding(&mut out, f);
        }
    }
    if !notes.is_empty() {
        let _ = writeln!(out, "## Notes\n");
        for f in notes {
            finding(&mut out, f);
        }
    }
    let muted: Vec<&ReportFinding> = r.findings.iter().filter(|f| f.muted).collect();
    if !muted.is_empty() {
        let _ = writeln!(out, "## Muted (--ignore or config file)\n");
        for f in muted {
            let _ = writeln!(out, "- `{}` {}", f.id, f.summary);
        }
        out.push('\n');
    }
    let _ = writeln!(
        out,
        "<sub>{} {} · schema {} · {} ms</sub>",
        r.tool.name, r.tool.version, r.schema_version, r.duration_ms
    );
    out
}

fn verdict(r: &Report) -> String {
    r.verdict()
        .trim_end_matches('.')
        .replace("errors above", "errors below")
}

fn status(s: ProbeStatus) -> &'static str {
    match s {
        ProbeStatus::Ok => "✅ ok",
        ProbeStatus::Info => "ℹ️ info",
        ProbeStatus::Warn => "⚠️ warn",
        ProbeStatus::Error => "❌ error",
        ProbeStatus::Skipped => "skipped",
        ProbeStatus::TimedOut => "⏱️ timed out",
        ProbeStatus::Failed => "❌ failed",
    }
}

/// Text safe inside a table cell.
fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

fn finding(out: &mut String, f: &ReportFinding) {
    let mark = match f.severity {
        Severity::Error => "❌",
        Severity::Warn => "⚠️",
        Severity::Info => "ℹ️",
        Severity::Ok => "✅",
    };
    let _ = writeln!(out, "### {mark} `{}`\n", f.id);
    let _ = writeln!(out, "{}\n", f.summary);
    if let Some(c) = &f.caused_by {
        let _ = writeln!(out, "Caused by `{c}`.\n");
    }
    if let Some(d) = &f.detail {
        let _ = writeln!(out, "{d}\n");
    }
    for (i, fix) in f.fixes.iter().enumerate() {
        let label = if i == 0 { "Fix" } else { "Or" };
        let _ = writeln!(out, "**{label}: {}**\n", fix.title);
        let mut commands: Vec<String> = Vec::new();
        let flush = |out: &mut String, commands: &mut Vec<String>| {
            if !commands.is_empty() {
                let _ = writeln!(out, "```sh\n{}\n```\n", commands.join("\n"));
                commands.clear();
            }
        };
        for step in &fix.steps {
            match step {
                Step::Command { command, note, .. } => commands.push(match note {
                    Some(n) => format!("{command}   # {n}"),
                    None => command.clone(),
                }),
                Step::Service { action } => {
                    flush(out, &mut commands);
                    let _ = writeln!(out, "- {action:?} the Docker daemon\n");
                }
                Step::WriteFile { path, contents, .. } => {
                    flush(out, &mut commands);
                    let _ = writeln!(
                        out,
                        "Write `{path}`:\n\n```ini\n{}\n```\n",
                        contents.trim_end()
                    );
                }
                Step::Manual { text } => {
                    flush(out, &mut commands);
                    let _ = writeln!(out, "- {}\n", text.replace('\n', "\n  "));
                }
            }
        }
        flush(out, &mut commands);
        if let Some(n) = &fix.note {
            let _ = writeln!(out, "> {}\n", n.replace('\n', "\n> "));
        }
        if let Some(d) = &fix.docs {
            let _ = writeln!(out, "Docs: <{d}>\n");
        }
    }
    if !f.evidence.is_empty() {
        let _ = writeln!(out, "<details><summary>Evidence</summary>\n");
        let _ = writeln!(out, "| key | value |\n|---|---|");
        for e in &f.evidence {
            let _ = writeln!(
                out,
                "| {} | `{}` |",
                cell(&e.key),
                cell(&e.value).replace('`', "'")
            );
        }
        let _ = writeln!(out, "\n</details>\n");
    }
}
