//! `--format prometheus`: the report as metrics for node_exporter's textfile collector
//! (the Prometheus text exposition format, without timestamps, which the collector
//! refuses). Every label value is bounded: finding ids, probe ids and severities come from
//! the probes' catalogue, baseline rules from the baseline probe's, the engine's name from
//! a fixed list and its version is cut to a version's characters. No summary, evidence,
//! path, user or host name ever becomes a label, so a fleet's series count stays small and
//! nothing secret or personal reaches the metrics store.

use crate::report::Report;
use probes::Severity;
use std::collections::BTreeMap;
use std::fmt::Write;

/// The longest label value taken from the run (an engine version).
const MAX_LABEL: usize = 64;

pub fn render(r: &Report) -> String {
    let mut out = String::new();

    // One series per finding id (several findings may share one: one per registry).
    let mut per_finding: BTreeMap<(&str, &str, &str), usize> = BTreeMap::new();
    for f in r.findings.iter().filter(|f| !f.muted) {
        *per_finding
            .entry((&f.id, &f.probe, f.severity.as_str()))
            .or_default() += 1;
    }
    family(
        &mut out,
        "docker_doctor_finding",
        "Findings of the last run by id (how many; muted findings are left out).",
    );
    for ((id, probe, severity), n) in &per_finding {
        let _ = writeln!(
            out,
            "docker_doctor_finding{{id=\"{}\",probe=\"{}\",severity=\"{}\"}} {n}",
            label(id),
            label(probe),
            label(severity)
        );
    }

    family(
        &mut out,
        "docker_doctor_findings",
        "Findings of the last run per severity (muted findings are not counted).",
    );
    for s in [
        Severity::Ok,
        Severity::Info,
        Severity::Warn,
        Severity::Error,
    ] {
        let n = r
            .findings
            .iter()
            .filter(|f| !f.muted && f.severity == s)
            .count();
        let _ = writeln!(
            out,
            "docker_doctor_findings{{severity=\"{}\"}} {n}",
            s.as_str()
        );
    }
    family(
        &mut out,
        "docker_doctor_findings_muted",
        "Findings muted by --ignore or the config file.",
    );
    let _ = writeln!(out, "docker_doctor_findings_muted {}", r.summary.muted);

    // Every rule of the baseline, 0 when met: a rule that starts failing is a change of
    // value, not a new series.
    if r.probes
        .iter()
        .any(|p| p.id == "baseline" && p.skipped_because.is_none())
    {
        family(
            &mut out,
            "docker_doctor_baseline_deviations",
            "Deviations from the organisation's baseline (--expect) per rule.",
        );
        let rules = probes::all()
            .iter()
            .find(|p| p.id() == "baseline")
            .map(|p| p.emits().iter().map(|k| k.id).collect::<Vec<_>>())
            .unwrap_or_default();
        for rule in rules.iter().filter(|id| **id != "baseline.met") {
            let n = r
                .findings
                .iter()
                .filter(|f| !f.muted && f.id == *rule && f.severity >= Severity::Warn)
                .count();
            let rule = rule.trim_start_matches("baseline.");
            let _ = writeln!(
                out,
                "docker_doctor_baseline_deviations{{rule=\"{}\"}} {n}",
                label(rule)
            );
        }
    }

    gauge(
        &mut out,
        "docker_doctor_cannot_run_containers",
        "1 when no container can run here: the docker command is missing or cannot use a daemon.",
        u8::from(r.cannot_run_containers()),
    );
    gauge(
        &mut out,
        "docker_doctor_exit_code",
        "Exit code of the last run: 0 nothing wrong, 1 warnings, 2 errors.",
        r.exit_code(),
    );
    gauge(
        &mut out,
        "docker_doctor_run_duration_seconds",
        "How long the last run took.",
        format!("{:.3}", r.duration_ms as f64 / 1000.0),
    );
    let ts = humantime::parse_rfc3339(&r.generated_at)
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_secs());
    gauge(
        &mut out,
        "docker_doctor_last_run_timestamp_seconds",
        "When the last run ended, in seconds since the Unix epoch.",
        ts,
    );

    family(
        &mut out,
        "docker_doctor_engine_info",
        "The engine that answered (absent when none did).",
    );
    if let Some((name, version)) = r.engine() {
        let _ = writeln!(
            out,
            "docker_doctor_engine_info{{engine=\"{}\",version=\"{}\"}} 1",
            label(name),
            label(&version)
        );
    }
    family(
        &mut out,
        "docker_doctor_info",
        "The docker-doctor that wrote these metrics.",
    );
    let _ = writeln!(
        out,
        "docker_doctor_info{{version=\"{}\",schema_version=\"{}\"}} 1",
        label(r.tool.version),
        r.schema_version
    );
    out
}

fn family(out: &mut String, name: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} gauge");
}

fn gauge(out: &mut String, name: &str, help: &str, value: impl std::fmt::Display) {
    family(out, name, help);
    let _ = writeln!(out, "{name} {value}");
}

/// A label value: masked, cut to a version's or an id's characters and length, so whatever
/// a daemon answers stays one short token.
fn label(v: &str) -> String {
    crate::mask::text(v)
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '+' | '~' | ' '))
        .take(MAX_LABEL)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_label_is_one_short_token() {
        assert_eq!(label("20.10.24+dfsg1"), "20.10.24+dfsg1");
        assert_eq!(label("1\"} 9\nevil{x=\"y"), "1 9evilxy");
        assert_eq!(label(&"9".repeat(500)).len(), MAX_LABEL);
    }
}
