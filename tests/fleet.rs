//! Fleets (issue 23): `--format prometheus` and `--format junit` on reports of real runs
//! (captured machines that are healthy, whose user cannot reach the daemon, that break a
//! baseline, and this machine with no daemon), checked by the tools that read them
//! (`promtool check metrics`, `xmllint --schema` with Jenkins' junit-10.xsd); `--output`;
//! `summarize` over those reports; and no secret in any of these outputs. The Ansible
//! playbook runs in tests/ansible.rs.
#![cfg(unix)] // uses symlinks, FIFOs and file modes (the safe writer's refusals)

mod common;

use common::*;
use std::path::{Path, PathBuf};
use std::process::Command;

/// A baseline that linux-port-conflicts breaks three ways (engine, plugin, port) and
/// linux-healthy meets in part.
const BASELINE: &str =
    "[minimum]\nengine = \"24.0\"\n\n[cli]\nplugins = [\"sbom\"]\n\n[ports]\nfree = [8080]\n";

/// A run of the binary on a captured machine, with extra arguments.
fn on_fixture(fixture: &str, args: &[&str]) -> Run {
    let mut cmd = Command::new(bin());
    cmd.env_clear()
        .arg("--fixture")
        .arg(fixture_dir(fixture))
        .args(["--offline"])
        .args(args);
    capture(cmd)
}

/// A run on this machine (no daemon in the test environment unless one was started), with
/// a private HOME and the environment given.
fn on_this_machine(home: &Path, env: &[(&str, &str)], args: &[&str]) -> Run {
    let mut all = vec![
        "--offline",
        "--only",
        "cli,endpoint,daemon,socket,proxy,baseline",
    ];
    all.extend_from_slice(args);
    capture(doctor(home, env, &all))
}

struct Machines {
    _dir: tempfile::TempDir,
    baseline: PathBuf,
    home: PathBuf,
}

fn machines() -> Machines {
    let dir = tempfile::tempdir().unwrap();
    let baseline = dir.path().join("corp.toml");
    std::fs::write(&baseline, BASELINE).unwrap();
    let home = dir.path().join("home");
    std::fs::create_dir(&home).unwrap();
    Machines {
        baseline,
        home,
        _dir: dir,
    }
}

/// The same report of each kind of machine in one format: (name, run).
fn every_kind(m: &Machines, format: &str) -> Vec<(&'static str, Run)> {
    let expect = m.baseline.display().to_string();
    vec![
        (
            "healthy",
            on_fixture("linux-healthy", &["--format", format]),
        ),
        (
            "not-in-group",
            on_fixture("linux-not-in-group", &["--format", format]),
        ),
        (
            "baseline",
            on_fixture(
                "linux-port-conflicts",
                &["--format", format, "--expect", &expect],
            ),
        ),
        (
            "this-machine",
            on_this_machine(&m.home, &[], &["--format", format, "--expect", &expect]),
        ),
    ]
}

fn tool(name: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {name}")])
        .output()
        .is_ok_and(|o| o.status.success())
}

/// One `name{labels} value` line: (name, labels, value).
type Sample = (String, Vec<(String, String)>, String);

/// Every sample of a metrics text.
fn samples(text: &str) -> Vec<Sample> {
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .map(|l| {
            let (series, value) = l.rsplit_once(' ').unwrap();
            let (name, labels) = match series.split_once('{') {
                Some((n, rest)) => (n, rest.trim_end_matches('}')),
                None => (series, ""),
            };
            let labels = labels
                .split("\",")
                .filter(|p| !p.is_empty())
                .map(|p| {
                    let (k, v) = p.split_once("=\"").unwrap();
                    (k.to_string(), v.trim_end_matches('"').to_string())
                })
                .collect();
            (name.to_string(), labels, value.to_string())
        })
        .collect()
}

fn value(text: &str, name: &str, label: Option<(&str, &str)>) -> Option<String> {
    samples(text)
        .into_iter()
        .find(|(n, l, _)| {
            n == name && label.is_none_or(|(k, v)| l.iter().any(|(lk, lv)| lk == k && lv == v))
        })
        .map(|(_, _, v)| v)
}

#[test]
fn prometheus_metrics_name_each_finding_with_bounded_labels() {
    let m = machines();
    for (name, run) in every_kind(&m, "prometheus") {
        assert!((0..=2).contains(&run.code), "{name}: {}", run.stderr);
        let text = &run.stdout;
        assert_eq!(
            value(text, "docker_doctor_exit_code", None).as_deref(),
            Some(run.code.to_string().as_str()),
            "{name}:\n{text}"
        );
        for (metric, labels, v) in samples(text) {
            assert!(metric.starts_with("docker_doctor_"), "{name}: {metric}");
            assert!(v.parse::<f64>().is_ok(), "{name}: {metric} {v}");
            for (k, v) in labels {
                // Ids, probes, severities, rules, engine names and versions: one token,
                // never a path, a URL or a sentence.
                assert!(
                    v.len() <= 64
                        && v.chars().all(|c| c.is_ascii_alphanumeric()
                            || matches!(c, '.' | '-' | '_' | '+' | '~' | ' ')),
                    "{name}: label {k}={v:?}"
                );
            }
        }
        for s in ["ok", "info", "warn", "error"] {
            assert!(
                value(text, "docker_doctor_findings", Some(("severity", s))).is_some(),
                "{name}: no count for {s}"
            );
        }
    }
    let runs = every_kind(&m, "prometheus");
    let get = |n: &str| &runs.iter().find(|(k, _)| *k == n).unwrap().1.stdout;
    // The user outside the docker group: the finding and that containers cannot run.
    let denied = get("not-in-group");
    assert_eq!(
        value(
            denied,
            "docker_doctor_finding",
            Some(("id", "socket.not-in-group"))
        )
        .as_deref(),
        Some("1")
    );
    assert!(denied.contains(
        "docker_doctor_finding{id=\"socket.not-in-group\",probe=\"socket\",severity=\"error\"} 1"
    ));
    assert_eq!(
        value(denied, "docker_doctor_cannot_run_containers", None).as_deref(),
        Some("1")
    );
    // The healthy machine: its engine and version as an info metric.
    let healthy = get("healthy");
    assert!(
        healthy.contains("docker_doctor_engine_info{engine=\"Docker Engine\",version=\""),
        "{healthy}"
    );
    assert_eq!(
        value(healthy, "docker_doctor_cannot_run_containers", None).as_deref(),
        Some("0")
    );
    // The baseline: deviations per rule, every rule present (0 when met).
    let baseline = get("baseline");
    for (rule, n) in [
        ("version", "1"),
        ("plugin", "1"),
        ("port", "1"),
        ("ca", "0"),
    ] {
        assert_eq!(
            value(
                baseline,
                "docker_doctor_baseline_deviations",
                Some(("rule", rule))
            )
            .as_deref(),
            Some(n),
            "rule {rule}:\n{baseline}"
        );
    }
    assert!(!healthy.contains("docker_doctor_baseline_deviations"));
    // No daemon here: no engine info sample, and the timestamp is now.
    let here = get("this-machine");
    assert!(!here.contains("docker_doctor_engine_info{"), "{here}");
    let ts: u64 = value(here, "docker_doctor_last_run_timestamp_seconds", None)
        .unwrap()
        .parse()
        .unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    assert!(now.abs_diff(ts) < 120, "{ts} vs {now}");
}

#[test]
#[ignore = "needs promtool (prometheus package); run through scripts/test.sh"]
fn prometheus_metrics_pass_promtool() {
    assert!(tool("promtool"), "promtool is not installed");
    let m = machines();
    for (name, run) in every_kind(&m, "prometheus") {
        let mut check = Command::new("promtool");
        check.args(["check", "metrics"]);
        let out = capture_with_input(check, run.stdout.as_bytes());
        assert_eq!(
            out.code, 0,
            "{name}: promtool says:\n{}{}\n{}",
            out.stdout, out.stderr, run.stdout
        );
    }
}

#[test]
fn output_writes_the_prom_file_atomically_and_readable_by_node_exporter() {
    let dir = tempfile::tempdir().unwrap();
    let prom = dir.path().join("docker_doctor.prom");
    let p = prom.display().to_string();
    let run = on_fixture(
        "linux-not-in-group",
        &["--format", "prometheus", "--output", &p],
    );
    // The verdict stays the exit code; nothing on stdout.
    assert_eq!((run.code, run.stdout.as_str()), (2, ""), "{}", run.stderr);
    let text = std::fs::read_to_string(&prom).unwrap();
    assert!(text.contains("docker_doctor_exit_code 2"), "{text}");
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&prom).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o644);
    // No temporary file is left beside it.
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);

    // Other formats stay private.
    let xml = dir.path().join("report.xml");
    let run = on_fixture(
        "linux-healthy",
        &["--format", "junit", "-o", &xml.display().to_string()],
    );
    assert!(run.stdout.is_empty());
    let mode = std::fs::metadata(&xml).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);

    // A link at the target is refused, and what it points to left alone.
    let decoy = dir.path().join("decoy");
    std::fs::write(&decoy, "precious").unwrap();
    let link = dir.path().join("link.prom");
    std::os::unix::fs::symlink(&decoy, &link).unwrap();
    let run = on_fixture(
        "linux-healthy",
        &[
            "--format",
            "prometheus",
            "--output",
            &link.display().to_string(),
        ],
    );
    assert_eq!(run.code, 73, "{}", run.stderr);
    assert!(run.stderr.contains("symbolic link"), "{}", run.stderr);
    assert_eq!(std::fs::read_to_string(&decoy).unwrap(), "precious");
}

/// (testcase, failure) counts and the failure types of a JUnit document.
fn junit_shape(xml: &str) -> (usize, usize, Vec<String>) {
    use quick_xml::events::Event;
    let mut r = quick_xml::Reader::from_str(xml);
    let (mut cases, mut fails, mut types) = (0, 0, Vec::new());
    loop {
        match r.read_event().expect("well-formed XML") {
            Event::Start(e) | Event::Empty(e) => match e.name().as_ref() {
                "testcase" => cases += 1,
                "failure" => {
                    fails += 1;
                    let t = e.try_get_attribute("type").unwrap().unwrap();
                    types.push(t.value.to_string());
                }
                _ => {}
            },
            Event::Eof => break,
            _ => {}
        }
    }
    (cases, fails, types)
}

#[test]
fn junit_has_a_testcase_per_probe_and_a_failure_per_error_with_its_fix() {
    let m = machines();
    let probes = probes_count();
    for (name, run) in every_kind(&m, "junit") {
        let (cases, _, types) = junit_shape(&run.stdout);
        let json = match name {
            "healthy" => on_fixture("linux-healthy", &["--format", "json"]),
            "not-in-group" => on_fixture("linux-not-in-group", &["--format", "json"]),
            "baseline" => on_fixture(
                "linux-port-conflicts",
                &[
                    "--format",
                    "json",
                    "--expect",
                    &m.baseline.display().to_string(),
                ],
            ),
            _ => on_this_machine(
                &m.home,
                &[],
                &[
                    "--format",
                    "json",
                    "--expect",
                    &m.baseline.display().to_string(),
                ],
            ),
        }
        .json();
        let probes_run = json["probes"].as_array().unwrap().len();
        assert!(probes_run <= probes);
        assert_eq!(cases, probes_run, "{name}:\n{}", run.stdout);
        let mut errors: Vec<String> = json["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["severity"] == "error" && f["muted"] != true)
            .map(|f| f["id"].as_str().unwrap().to_string())
            .collect();
        let mut types = types;
        errors.sort();
        types.sort();
        assert_eq!(types, errors, "{name}");
    }
    let run = on_fixture("linux-not-in-group", &["--format", "junit"]);
    // The failure's body holds the fix, ready to type.
    assert!(
        run.stdout.contains("$ sudo usermod -aG docker alice"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("<skipped message=\""), "{}", run.stdout);
}

fn probes_count() -> usize {
    let out = capture({
        let mut c = Command::new(bin());
        c.args(["list", "--format", "json"]);
        c
    });
    serde_json::from_str::<serde_json::Value>(&out.stdout)
        .unwrap()
        .as_array()
        .unwrap()
        .len()
}

#[test]
#[ignore = "needs xmllint (libxml2-utils); run through scripts/test.sh"]
fn junit_reports_validate_against_jenkins_junit_10_xsd() {
    assert!(tool("xmllint"), "xmllint is not installed");
    let xsd = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/schemas/junit-10.xsd");
    let m = machines();
    let mut runs = every_kind(&m, "junit");
    // Text that is markup, and a DOCKER_HOST full of it, quoted in findings.
    runs.push((
        "hostile",
        on_this_machine(
            &m.home,
            &[("DOCKER_HOST", "tcp://a<b>&c\"]]>'--:2375/<x>")],
            &["--format", "junit"],
        ),
    ));
    for (name, run) in runs {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("report.xml");
        std::fs::write(&file, &run.stdout).unwrap();
        let out = capture({
            let mut c = Command::new("xmllint");
            c.args(["--noout", "--schema"]).arg(&xsd).arg(&file);
            c
        });
        assert_eq!(
            out.code, 0,
            "{name}: xmllint says:\n{}\n{}",
            out.stderr, run.stdout
        );
    }
}

#[test]
fn junit_escapes_markup_in_what_it_quotes() {
    let m = machines();
    let run = on_this_machine(
        &m.home,
        &[("DOCKER_HOST", "tcp://a<b>&c\"]]>'--:2375/<x>")],
        &["--format", "junit"],
    );
    // Parses (junit_shape panics otherwise), and the value is there, escaped.
    let (cases, _, _) = junit_shape(&run.stdout);
    assert!(cases > 0);
    assert!(run.stdout.contains("a&lt;b&gt;&amp;c"), "{}", run.stdout);
}

/// A folder of JSON reports from real runs: the machines of [`every_kind`], plus files
/// that are not reports.
fn report_folder(m: &Machines) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, run) in every_kind(m, "json") {
        std::fs::write(dir.path().join(format!("{name}.json")), &run.stdout).unwrap();
    }
    std::fs::write(dir.path().join("notes.json"), "not json at all").unwrap();
    std::fs::write(
        dir.path().join("other.json"),
        r#"{"name": "some other tool"}"#,
    )
    .unwrap();
    std::fs::write(
        dir.path().join("future.json"),
        r#"{"schema_version": 99, "findings": []}"#,
    )
    .unwrap();
    std::fs::write(dir.path().join("README.txt"), "not a .json file: not read").unwrap();
    dir
}

fn summarize(args: &[&str]) -> Run {
    let mut c = Command::new(bin());
    c.env_clear().arg("summarize").args(args);
    capture(c)
}

#[test]
fn summarize_counts_machines_per_finding_rule_and_engine() {
    let m = machines();
    let dir = report_folder(&m);
    let d = dir.path().display().to_string();
    let run = summarize(&["--format", "json", &d]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let s = run.json();
    assert_eq!(s["machines"], 4, "{s:#}");
    // Each file that is not a report is named, with why.
    let skipped: Vec<&str> = s["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["file"].as_str().unwrap())
        .collect();
    assert_eq!(skipped.len(), 3, "{s:#}");
    for f in ["notes.json", "other.json", "future.json"] {
        assert!(skipped.iter().any(|k| k.ends_with(f)), "{f} in {skipped:?}");
    }
    let why = |f: &str| {
        s["skipped"]
            .as_array()
            .unwrap()
            .iter()
            .find(|k| k["file"].as_str().unwrap().ends_with(f))
            .unwrap()["why"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert!(why("future.json").contains("schema_version 99"));
    assert!(why("other.json").contains("not a docker-doctor report"));
    // The finding of the user outside the docker group, on that machine only.
    let row = |list: &str, id: &str| {
        s[list]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"] == id)
            .cloned()
            .unwrap_or_else(|| panic!("no {id} in {list}: {s:#}"))
    };
    let r = row("findings", "socket.not-in-group");
    assert_eq!(r["machines"], 1);
    assert_eq!(r["names"], serde_json::json!(["not-in-group"]));
    // Baseline rules: the port conflicts machine breaks the plugin rule; this machine too
    // (no sbom plugin here).
    let plugin = row("baseline", "baseline.plugin");
    assert!(
        plugin["names"]
            .as_array()
            .unwrap()
            .contains(&serde_json::json!("baseline")),
        "{plugin}"
    );
    // Who cannot run containers: the user without the group (cause: the group), and this
    // machine when no daemon answers here.
    let blocked: Vec<(String, String)> = s["cannot_run_containers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            (
                b["machine"].as_str().unwrap().to_string(),
                b["cause"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert!(
        blocked.contains(&("not-in-group".into(), "socket.not-in-group".into())),
        "{blocked:?}"
    );
    assert!(
        !blocked
            .iter()
            .any(|(m, _)| m == "healthy" || m == "baseline")
    );
    let here: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("this-machine.json")).unwrap(),
    )
    .unwrap();
    let daemon_here = here["findings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["id"] == "daemon.ok");
    assert_eq!(
        blocked.iter().any(|(m, _)| m == "this-machine"),
        !daemon_here,
        "{blocked:?}"
    );
    // Engines: the captured machines' daemons answered.
    let engines = s["engines"].as_array().unwrap();
    assert!(
        engines
            .iter()
            .any(|e| e["engine"] == "Docker Engine" && e["machines"].as_u64().unwrap() >= 2),
        "{engines:?}"
    );

    // The same in words and in Markdown.
    let human = summarize(&[&d]);
    assert!(human.stdout.contains("4 machine(s)"), "{}", human.stdout);
    assert!(human.stdout.contains("socket.not-in-group"));
    assert!(
        human.stdout.contains("notes.json: not JSON"),
        "{}",
        human.stdout
    );
    let md = summarize(&["--format", "markdown", &d]);
    assert!(
        md.stdout
            .contains("| `socket.not-in-group` | error | 1 | not-in-group |"),
        "{}",
        md.stdout
    );
    assert!(md.stdout.contains("## Baseline rules most violated"));
}

#[test]
fn summarize_never_fails_on_what_is_not_a_report() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("fifo.json");
    nix::unistd::mkfifo(&fifo, nix::sys::stat::Mode::S_IRWXU).unwrap();
    let big = dir.path().join("big.json");
    std::fs::write(&big, vec![b' '; 9 << 20]).unwrap();
    let start = std::time::Instant::now();
    let run = summarize(&[
        &dir.path().display().to_string(),
        "/nonexistent/report.json",
    ]);
    assert!(start.elapsed() < std::time::Duration::from_secs(10));
    // Nothing read: the (empty) table, every file named, exit 1.
    assert_eq!(run.code, 1, "{}", run.stderr);
    for f in ["fifo.json", "big.json", "/nonexistent/report.json"] {
        assert!(run.stdout.contains(f), "{f}: {}", run.stdout);
    }
    // list, explain and summarize refuse a check's formats, and their help does not
    // offer them.
    let run = summarize(&["--format", "prometheus", "/tmp"]);
    assert_eq!(run.code, 64);
    for sub in ["summarize", "list", "explain"] {
        let mut c = Command::new(bin());
        c.env_clear().args([sub, "--help"]);
        let help = capture(c);
        assert_eq!(help.code, 0, "{}", help.stderr);
        assert!(
            help.stdout.contains("human, json, markdown"),
            "{sub}: {}",
            help.stdout
        );
        for check_only in ["prometheus", "junit"] {
            assert!(!help.stdout.contains(check_only), "{sub}: {}", help.stdout);
        }
    }
}

#[test]
fn summarize_reads_at_most_ten_thousand_files() {
    let dir = tempfile::tempdir().unwrap();
    for i in 0..10_003 {
        std::fs::write(dir.path().join(format!("m{i:05}.json")), "{}").unwrap();
    }
    let run = summarize(&["--format", "json", &dir.path().display().to_string()]);
    let s = run.json();
    assert_eq!(s["skipped"].as_array().unwrap().len(), 10_000);
    assert!(
        s["notes"][0].as_str().unwrap().contains("and 3 more"),
        "{}",
        s["notes"]
    );
}

#[test]
fn no_secret_reaches_prometheus_junit_or_summarize() {
    const CANARY: &str = "CANARY7f3a";
    let proxy = format!("http://bob:{CANARY}@proxy.invalid:3128");
    let m = machines();
    let env = [
        ("HTTPS_PROXY", proxy.as_str()),
        ("HTTP_PROXY", proxy.as_str()),
        ("https_proxy", "http://proxy.invalid:3128"),
    ];
    let expect = m.baseline.display().to_string();
    let reports = tempfile::tempdir().unwrap();
    let mut outputs = Vec::new();
    for format in ["prometheus", "junit", "json"] {
        let run = on_this_machine(&m.home, &env, &["--format", format, "--expect", &expect]);
        // The proxy is in the report (so the test means something), its password is not.
        if format != "prometheus" {
            assert!(
                run.stdout.contains("proxy.invalid"),
                "{format}: {}",
                run.stdout
            );
        }
        outputs.push((format.to_string(), run.stdout.clone()));
        if format == "json" {
            std::fs::write(reports.path().join("leaky.json"), &run.stdout).unwrap();
        }
        // Written to a file too.
        let file = reports.path().join(format!("out.{format}"));
        let run = on_this_machine(
            &m.home,
            &env,
            &["--format", format, "--output", &file.display().to_string()],
        );
        assert!((0..=2).contains(&run.code), "{}", run.stderr);
        outputs.push((
            format!("{format} --output"),
            std::fs::read_to_string(&file).unwrap(),
        ));
        std::fs::remove_file(&file).unwrap();
    }
    // A report from elsewhere that carries the secret in a finding (an old doctor, a
    // hand-edited file): summarize masks what it prints all the same.
    let leaky = serde_json::json!({
        "schema_version": 1,
        "summary": {"exit_code": 2},
        "findings": [{
            "id": "proxy.unreachable",
            "probe": "proxy",
            "severity": "error",
            "summary": format!("proxy {proxy}"),
            "evidence": [{"key": "server_version", "value": proxy}],
        }, {
            "id": "daemon.ok", "probe": "daemon", "severity": "ok", "summary": "",
            "evidence": [{"key": "server_version", "value": proxy}],
        }],
    });
    std::fs::write(
        reports.path().join(format!("bob:{CANARY}@host.json")),
        leaky.to_string(),
    )
    .unwrap();
    // The control node knows no secret of the machines: masked by shape alone.
    for format in ["human", "markdown", "json"] {
        let mut c = Command::new(bin());
        c.env_clear()
            .args(["summarize", "--format", format])
            .arg(reports.path());
        let run = capture(c);
        outputs.push((format!("summarize {format}"), run.stdout + &run.stderr));
    }
    for (what, text) in &outputs {
        assert!(!text.contains(CANARY), "{what} leaks the canary:\n{text}");
    }
}
