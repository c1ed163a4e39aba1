//! `--format junit`: the report as a JUnit XML test report, for the CI systems that show
//! one (GitLab's `artifacts:reports:junit`, Jenkins' junit and xUnit steps, GitHub Actions'
//! test-report actions). It follows the Jenkins xUnit plugin's `junit-10.xsd`
//! (tests/schemas/junit-10.xsd): one `<testsuite>`, one `<testcase>` per probe, a
//! `<failure>` per error finding with the finding and its fixes as its text, `<skipped>`
//! for a probe that did not run, and warnings and notes in the testcase's `<system-out>`.
//! Every value is masked before quick-xml escapes it, and the document is masked again on
//! its way out (`mask::xml_text`).

use crate::render::human::Human;
use crate::report::{ProbeStatus, Report, ReportFinding};
use probes::Severity;
use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesText, Event};

pub fn render(r: &Report) -> String {
    let mut w = Writer::new_with_indent(Vec::new(), b' ', 2);
    // Writing into a Vec cannot fail.
    let _ = write(&mut w, r);
    let mut s = String::from_utf8_lossy(&w.into_inner()).into_owned();
    s.push('\n');
    s
}

/// The problems of a probe that fail its testcase: counted errors.
fn failures<'a>(r: &'a Report, probe: &str) -> Vec<&'a ReportFinding> {
    r.findings
        .iter()
        .filter(|f| f.probe == probe && !f.muted && f.severity == Severity::Error)
        .collect()
}

fn seconds(ms: u64) -> String {
    format!("{:.3}", ms as f64 / 1000.0)
}

fn m(s: &str) -> String {
    crate::mask::text(s)
}

fn write(w: &mut Writer<Vec<u8>>, r: &Report) -> std::io::Result<()> {
    let human = Human {
        color: false,
        verbose: false,
    };
    let tests = r.probes.len().to_string();
    let failed = r
        .probes
        .iter()
        .filter(|p| !failures(r, p.id).is_empty())
        .count()
        .to_string();
    let skipped = r
        .probes
        .iter()
        .filter(|p| p.status == ProbeStatus::Skipped)
        .count()
        .to_string();
    let time = seconds(r.duration_ms);
    w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
    w.create_element("testsuites")
        .with_attributes([
            ("name", "docker-doctor"),
            ("tests", tests.as_str()),
            ("failures", failed.as_str()),
            ("errors", "0"),
            ("time", time.as_str()),
        ])
        .write_inner_content(|w| {
            w.create_element("testsuite")
                .with_attributes([
                    ("name", "docker-doctor"),
                    ("tests", tests.as_str()),
                    ("failures", failed.as_str()),
                    ("errors", "0"),
                    ("skipped", skipped.as_str()),
                    ("time", time.as_str()),
                    ("timestamp", r.generated_at.as_str()),
                ])
                .write_inner_content(|w| {
                    properties(w, r)?;
                    for p in &r.probes {
                        testcase(w, r, p, &human)?;
                    }
                    Ok(())
                })?;
            Ok(())
        })?;
    Ok(())
}

fn properties(w: &mut Writer<Vec<u8>>, r: &Report) -> std::io::Result<()> {
    let mut props = vec![
        ("docker-doctor.version", r.tool.version.to_string()),
        ("schema_version", r.schema_version.to_string()),
        (
            "platform",
            format!(
                "{} {}/{}",
                r.platform.distro.as_deref().unwrap_or(&r.platform.os),
                r.platform.os,
                r.platform.arch
            ),
        ),
        ("exit_code", r.exit_code().to_string()),
        ("verdict", r.verdict()),
    ];
    if let Some((name, version)) = r.engine() {
        props.push(("engine", format!("{name} {version}")));
    }
    w.create_element("properties").write_inner_content(|w| {
        for (name, value) in &props {
            w.create_element("property")
                .with_attributes([("name", *name), ("value", m(value).as_str())])
                .write_empty()?;
        }
        Ok(())
    })?;
    Ok(())
}

fn testcase(
    w: &mut Writer<Vec<u8>>,
    r: &Report,
    p: &crate::report::ProbeRun,
    human: &Human,
) -> std::io::Result<()> {
    let classname = format!("docker-doctor.{}", p.id);
    let time = seconds(p.duration_ms);
    let name = format!("{}: {}", p.id, p.title);
    let failing = failures(r, p.id);
    // Warnings and notes of this probe, and its muted findings: shown, not failing.
    let others: Vec<String> = r
        .findings
        .iter()
        .filter(|f| f.probe == p.id && !failing.iter().any(|g| std::ptr::eq(*g, *f)))
        .map(|f| {
            let muted = if f.muted { " (muted)" } else { "" };
            format!("{} {}{muted}: {}", f.severity.as_str(), f.id, f.summary)
        })
        .collect();
    w.create_element("testcase")
        .with_attributes([
            ("name", m(&name).as_str()),
            ("classname", classname.as_str()),
            ("time", time.as_str()),
        ])
        .write_inner_content(|w| {
            if p.status == ProbeStatus::Skipped {
                w.create_element("skipped")
                    .with_attribute((
                        "message",
                        m(p.skipped_because.as_deref().unwrap_or("skipped")).as_str(),
                    ))
                    .write_empty()?;
            }
            for f in &failing {
                let body = human.finding_text(f, r);
                w.create_element("failure")
                    .with_attributes([
                        ("type", m(&f.id).as_str()),
                        ("message", m(&f.summary).as_str()),
                    ])
                    .write_text_content(BytesText::new(&m(body.trim_end())))?;
            }
            if !others.is_empty() {
                w.create_element("system-out")
                    .write_text_content(BytesText::new(&m(&others.join("\n"))))?;
            }
            Ok(())
        })?;
    Ok(())
}
