//! The readable report: one line per probe, then the problems, root cause first, each with
//! its evidence and fixes ready to copy.

use crate::report::{ProbeStatus, Report, ReportFinding};
use owo_colors::{OwoColorize, Style};
use probes::{Severity, Step};
use std::fmt::Write;

pub struct Human {
    pub color: bool,
    pub verbose: bool,
}

impl Human {
    fn paint(&self, text: &str, style: Style) -> String {
        if self.color {
            text.style(style).to_string()
        } else {
            text.to_string()
        }
    }

    fn badge(&self, s: Severity) -> String {
        let (text, style) = match s {
            Severity::Ok => ("✔ ok", Style::new().green()),
            Severity::Info => ("ℹ info", Style::new().cyan()),
            Severity::Warn => ("! warn", Style::new().yellow().bold()),
            Severity::Error => ("✘ error", Style::new().red().bold()),
        };
        self.paint(text, style)
    }

    fn status_mark(&self, s: ProbeStatus) -> String {
        let (text, style) = match s {
            ProbeStatus::Ok => ("✔", Style::new().green()),
            ProbeStatus::Info => ("ℹ", Style::new().cyan()),
            ProbeStatus::Warn => ("!", Style::new().yellow().bold()),
            ProbeStatus::Error | ProbeStatus::Failed => ("✘", Style::new().red().bold()),
            ProbeStatus::TimedOut => ("⏱", Style::new().yellow().bold()),
            ProbeStatus::Skipped => ("-", Style::new().dimmed()),
        };
        self.paint(text, style)
    }

    pub fn render(&self, r: &Report) -> String {
        let mut out = String::new();
        let platform = r
            .platform
            .distro
            .clone()
            .unwrap_or_else(|| r.platform.os.clone());
        let _ = writeln!(
            out,
            "{} {} · {} · {}/{}\n",
            self.paint("docker-doctor", Style::new().bold()),
            r.tool.version,
            platform,
            r.platform.os,
            r.platform.arch
        );
        if let Some(h) = &r.host {
            let _ = writeln!(
                out,
                "{}\n",
                self.paint(&h.describe(), Style::new().dimmed())
            );
        }
        for w in &r.warnings {
            let _ = writeln!(out, "{} {w}\n", self.paint("!", Style::new().yellow()));
        }
        let width = r.probes.iter().map(|p| p.id.len()).max().unwrap_or(8);
        for p in &r.probes {
            let line = match p.status {
                ProbeStatus::Skipped => {
                    format!("skipped ({})", p.skipped_because.as_deref().unwrap_or(""))
                }
                _ => probe_line(r, p.id),
            };
            let timing = if self.verbose && p.status != ProbeStatus::Skipped {
                self.paint(&format!("  ({} ms)", p.duration_ms), Style::new().dimmed())
            } else {
                String::new()
            };
            let _ = writeln!(
                out,
                "  {} {:width$}  {line}{timing}",
                self.status_mark(p.status),
                p.id
            );
        }

        let problems: Vec<&ReportFinding> = r
            .findings
            .iter()
            .filter(|f| !f.muted && f.severity >= Severity::Warn)
            .collect();
        if let Some((f, step)) = r.first_step() {
            let _ = writeln!(
                out,
                "\n{} {}\n  {}",
                self.paint("Most likely cause:", Style::new().bold()),
                f.summary,
                self.paint(&step.replace('\n', "\n    "), Style::new().bold())
            );
        }
        if !problems.is_empty() {
            let _ = writeln!(
                out,
                "\n{}\n",
                self.paint(
                    "Problems, root cause first",
                    Style::new().bold().underline()
                )
            );
            for f in &problems {
                self.finding(&mut out, f, r);
            }
        }
        let notes: Vec<&ReportFinding> = r
            .findings
            .iter()
            .filter(|f| {
                !f.muted
                    && (f.severity == Severity::Info
                        || (self.verbose && f.severity == Severity::Ok))
            })
            .collect();
        if !notes.is_empty() {
            let _ = writeln!(
                out,
                "\n{}\n",
                self.paint("Notes", Style::new().bold().underline())
            );
            for f in &notes {
                self.finding(&mut out, f, r);
            }
        }
        let muted: Vec<&ReportFinding> = r.findings.iter().filter(|f| f.muted).collect();
        if !muted.is_empty() {
            let _ = writeln!(
                out,
                "\n{}\n",
                self.paint("Muted (--ignore or config file)", Style::new().dimmed())
            );
            for f in &muted {
                let _ = writeln!(
                    out,
                    "  {} {}  {}",
                    self.badge(f.severity),
                    f.id,
                    self.paint(&f.summary, Style::new().dimmed())
                );
            }
            out.push('\n');
        }
        let s = &r.summary;
        let style = match s.status {
            Severity::Error => Style::new().red().bold(),
            Severity::Warn => Style::new().yellow().bold(),
            _ => Style::new().green().bold(),
        };
        let verdict = self.paint(&r.verdict(), style);
        let _ = writeln!(
            out,
            "{verdict} {} error(s), {} warning(s), {} note(s){}; exit {}.",
            s.errors,
            s.warnings,
            s.infos,
            if s.muted > 0 {
                format!(", {} muted", s.muted)
            } else {
                String::new()
            },
            s.exit_code
        );
        out
    }

    /// One finding as the report shows it: summary, evidence, each fix with its steps (the
    /// body of a JUnit failure).
    pub fn finding_text(&self, f: &ReportFinding, r: &Report) -> String {
        let mut out = String::new();
        self.finding(&mut out, f, r);
        out
    }

    /// The fixes, each titled, its steps ready to copy (also under a match of `explain`
    /// that the probes confirmed).
    pub fn fixes(&self, out: &mut String, pad: &str, fixes: &[probes::Fix]) {
        for (i, fix) in fixes.iter().enumerate() {
            let label = if i == 0 { "Fix:" } else { "Or:" };
            let _ = writeln!(
                out,
                "{pad}{} {}",
                self.paint(label, Style::new().green().bold()),
                fix.title
            );
            for step in &fix.steps {
                match step {
                    Step::Command { command, note, .. } => {
                        let note = note
                            .as_deref()
                            .map(|n| format!("   # {n}"))
                            .unwrap_or_default();
                        let _ = writeln!(
                            out,
                            "{pad}  {} {}{}",
                            self.paint("$", Style::new().dimmed()),
                            self.paint(
                                &command.replace('\n', &format!("\n{pad}    ")),
                                Style::new().bold()
                            ),
                            self.paint(&note, Style::new().dimmed())
                        );
                    }
                    Step::WriteFile { path, contents, .. } => {
                        let _ = writeln!(out, "{pad}  write {path}:");
                        for line in contents.lines() {
                            let _ = writeln!(out, "{pad}  │ {line}");
                        }
                    }
                    Step::Service { action } => {
                        let _ = writeln!(out, "{pad}  • {action:?} the Docker daemon");
                    }
                    Step::Manual { text } => {
                        // Continuation lines (a JSON snippet) keep the step's indent.
                        let text = text.replace('\n', &format!("\n{pad}    "));
                        let _ = writeln!(out, "{pad}  • {text}");
                    }
                }
            }
            if let Some(n) = &fix.note {
                let n = n.replace('\n', &format!("\n{pad}        "));
                let _ = writeln!(
                    out,
                    "{pad}  {} {n}",
                    self.paint("Note:", Style::new().yellow())
                );
            }
            if let Some(d) = &fix.docs {
                let _ = writeln!(
                    out,
                    "{pad}  {} {d}",
                    self.paint("Docs:", Style::new().dimmed())
                );
            }
        }
    }

    fn finding(&self, out: &mut String, f: &ReportFinding, r: &Report) {
        let depth = cause_depth(f, r);
        let pad = "    ".repeat(depth);
        let arrow = if depth > 0 { "└─ " } else { "" };
        let _ = writeln!(
            out,
            "{pad}{arrow}{} {}  {}",
            self.badge(f.severity),
            self.paint(&f.id, Style::new().bold()),
            f.summary
        );
        let pad = format!("{pad}   ");
        if let Some(c) = &f.caused_by {
            let _ = writeln!(
                out,
                "{pad}{}",
                self.paint(&format!("caused by {c}"), Style::new().dimmed())
            );
        }
        if let Some(d) = &f.detail {
            let _ = writeln!(out, "{pad}{d}");
        }
        for e in &f.evidence {
            // A value of several lines (a program's output) stays under its key.
            let value = e.value.trim_end().replace('\n', &format!("\n{pad}  "));
            let _ = writeln!(
                out,
                "{pad}{} {value}",
                self.paint(&format!("{}:", e.key), Style::new().dimmed()),
            );
        }
        self.fixes(out, &pad, &f.fixes);
        out.push('\n');
    }
}

/// The worst problem of a probe, or when it has none, its first finding and how many notes
/// follow.
fn probe_line(r: &Report, probe: &str) -> String {
    let mine: Vec<&ReportFinding> = r.findings.iter().filter(|f| f.probe == probe).collect();
    let worst = mine.iter().max_by_key(|f| f.severity);
    match worst {
        None => "nothing to report".into(),
        Some(w) if w.severity >= Severity::Warn => w.summary.clone(),
        Some(w) => {
            let first = mine
                .iter()
                .find(|f| f.severity == Severity::Ok)
                .unwrap_or(w);
            let notes = mine.iter().filter(|f| f.severity == Severity::Info).count();
            match notes {
                0 => first.summary.clone(),
                n if first.severity == Severity::Ok => format!("{} (+{n} note(s))", first.summary),
                _ => first.summary.clone(),
            }
        }
    }
}

fn cause_depth(f: &ReportFinding, r: &Report) -> usize {
    let mut depth = 0;
    let mut cur = f.caused_by.clone();
    while let Some(c) = cur {
        depth += 1;
        if depth > 8 {
            break;
        }
        cur = r
            .findings
            .iter()
            .find(|g| g.id == c)
            .and_then(|g| g.caused_by.clone());
    }
    depth
}
