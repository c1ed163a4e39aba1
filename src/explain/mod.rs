//! `docker-doctor explain`: match a pasted Docker error against the registry of known
//! failure signatures (signatures.toml), best match first, and, run on the user's machine,
//! say whether the probes confirm it.
//!
//! Matching is on structure and within bounds: the text is cut into lines (lower-cased,
//! whitespace collapsed, spaced-out UTF-16 letters joined), and each pattern runs on a
//! window of at most three consecutive lines, never on the whole paste, so two unrelated
//! lines of a long log cannot make a match. Patterns anchor on what survives versions and
//! translation (socket paths, pipe names, URLs with /v2/, status codes, HRESULTs, the
//! wording of Go's errors) and capture values (socket, host, registry, proxy, ...) that are
//! put into the explanation and the fix. Text that only looks like a Docker error (an
//! application's own x509 or DNS error, a Compose service name that does not resolve inside
//! its network) gets no confident match: below [`ABSTAIN`] the answer is "nothing known".

use crate::engine::{self, Selection};
use probes::host::RealHost;
use std::sync::Arc;

mod matcher;
mod structure;
pub use matcher::*;

/// Runs the probes that can confirm the matches and records what they found.
pub fn confirm(matches: &mut [Match], registry: &[Signature], timeout: std::time::Duration) {
    let wanted: Vec<(usize, Vec<String>)> = matches
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let confirm = registry
                .iter()
                .find(|s| s.mode == m.mode)
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
        expect: None,
        ignore: Vec::new(),
        warnings: Vec::new(),
        redact: false,
        collect: None,
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
        let confirming: Vec<_> = report
            .findings
            .iter()
            .filter(|f| ids.contains(&f.id))
            .collect();
        let found: Vec<(String, String)> = confirming
            .iter()
            .map(|f| (f.id.clone(), f.summary.clone()))
            .collect();
        // The same fix for several subjects (one per registry name) is shown once.
        let mut fixes: Vec<probes::Fix> = Vec::new();
        for fix in confirming.iter().flat_map(|f| f.fixes.iter()) {
            if fixes.len() < MAX_MACHINE_FIXES && !fixes.contains(fix) {
                fixes.push(fix.clone());
            }
        }
        matches[i].confirmation = Confirmation {
            status: if found.is_empty() {
                Status::NotSeen
            } else {
                Status::Confirmed
            },
            findings: found,
            fixes,
        };
    }
    calibrate(matches);
}

/// The most fixes a confirmed match carries from its findings: the first is the one to
/// apply, the rest alternatives.
const MAX_MACHINE_FIXES: usize = 3;

/// What the probes saw moves the ranking: a cause they confirm here gains, one they looked
/// for and did not see loses (the error may come from another machine, or be fixed since).
/// `text_confidence` keeps what the text alone said.
fn calibrate(matches: &mut [Match]) {
    for m in matches.iter_mut() {
        let c = match m.confirmation.status {
            Status::Confirmed => (m.text_confidence + 0.1).min(0.99),
            Status::NotSeen => m.text_confidence * 0.8,
            Status::NotChecked | Status::NoProbe => m.text_confidence,
        };
        m.confidence = (c * 100.0).round() / 100.0;
    }
    // The environment's failures stay ahead of a name that does not exist.
    matches.sort_by(|a, b| {
        b.environment
            .cmp(&a.environment)
            .then(b.confidence.total_cmp(&a.confidence))
    });
}

/// Whether a match is an environment failure: what `explain` answers (and exits 0 for).
/// The others are failures of what was asked, said apart.
pub fn answers(matches: &[Match]) -> bool {
    matches.iter().any(|m| m.environment)
}

/// The JSON answer: the input's first line (secrets masked) and the matches, best first;
/// `not_environment` holds what reads as a failure of what was asked (an image name or
/// tag that does not exist), which is not an answer about the environment.
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
        "matches": matches.iter().filter(|m| m.environment).collect::<Vec<_>>(),
        "not_environment": matches.iter().filter(|m| !m.environment).collect::<Vec<_>>(),
    });
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
    s.push('\n');
    s
}

fn status_text(c: &Confirmation) -> String {
    match c.status {
        Status::Confirmed => format!(
            "confirmed: {}",
            c.findings
                .iter()
                .map(|(id, summary)| format!("{id} ({summary})"))
                .collect::<Vec<_>>()
                .join("; ")
        ),
        Status::NotSeen => "not seen: the probes found no such problem here".into(),
        Status::NotChecked => "not checked (--no-probe)".into(),
        Status::NoProbe => "no probe checks this on a machine".into(),
    }
}

pub fn render_human(matches: &[Match]) -> String {
    let mut out = String::new();
    if !answers(matches) {
        out.push_str("No known Docker environment failure matched this text. Run `docker-doctor` to check this machine.\n");
    }
    for (i, m) in matches.iter().enumerate() {
        if !m.environment && (i == 0 || matches[i - 1].environment) {
            out.push_str(
                "\nNot a failure of Docker on this machine: the text reads as a problem with what was asked.\n",
            );
        }
        let name = if m.mode == m.id {
            m.id.clone()
        } else {
            format!("{} [{}]", m.id, m.mode)
        };
        out.push_str(&format!(
            "{}. {}  {} (confidence {:.2})\n",
            i + 1,
            name,
            m.title,
            m.confidence
        ));
        out.push_str(&format!("   {}\n", m.explanation));
        out.push_str(&format!("   Matched: {}\n", m.evidence));
        if let Some(read) = &m.structure {
            out.push_str(&format!("   Read as: {read}\n"));
        }
        if m.confirmation.fixes.is_empty() {
            out.push_str("   Fix:\n");
            for f in &m.fix {
                out.push_str(&format!("     $ {f}\n"));
            }
        }
        out.push_str(&format!(
            "   On this machine: {}\n",
            status_text(&m.confirmation)
        ));
        if !m.confirmation.fixes.is_empty() {
            out.push_str("   For this machine, from the probes:\n");
            let plain = crate::render::human::Human {
                color: false,
                verbose: false,
            };
            plain.fixes(&mut out, "     ", &m.confirmation.fixes);
        }
        out.push_str(&format!("   Sources: {}\n\n", m.sources.join(", ")));
    }
    out
}

pub fn render_markdown(matches: &[Match]) -> String {
    let mut out = String::from("# docker-doctor explain\n\n");
    if !answers(matches) {
        out.push_str("No known Docker environment failure matched this text.\n\n");
    }
    for (i, m) in matches.iter().enumerate() {
        if !m.environment && (i == 0 || matches[i - 1].environment) {
            out.push_str("Not a failure of Docker on this machine: the text reads as a problem with what was asked.\n\n");
        }
        let read = m
            .structure
            .as_ref()
            .map(|r| format!("\n\n**Read as:** {r}"))
            .unwrap_or_default();
        // Confirmed, the probes' fixes for this machine replace the text's generic one.
        let fix = if m.confirmation.fixes.is_empty() {
            format!("```sh\n{}\n```", m.fix.join("\n"))
        } else {
            let plain = crate::render::human::Human {
                color: false,
                verbose: false,
            };
            let mut text = String::new();
            plain.fixes(&mut text, "", &m.confirmation.fixes);
            format!("For this machine, from the probes:\n\n```text\n{}```", text)
        };
        out.push_str(&format!(
            "## `{}` {} (confidence {:.2})\n\n{}{read}\n\n{fix}\n\n**On this machine:** {}\n\nSources: {}\n\n",
            m.id,
            m.title,
            m.confidence,
            m.explanation,
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
    use std::collections::BTreeMap;
    use std::time::{Duration, Instant};

    /// Every text of the corpus files (errors, states, fixes), one by one and each with the
    /// next one after it.
    fn corpus_texts() -> Vec<String> {
        let mut texts = Vec::new();
        for name in ["known-failures", "real-world", "held-out"] {
            let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/corpus")
                .join(format!("{name}.jsonl"));
            for line in std::fs::read_to_string(path).unwrap().lines() {
                if line.trim().is_empty() {
                    continue;
                }
                let entry: serde_json::Value = serde_json::from_str(line).unwrap();
                for value in entry.as_object().unwrap().values() {
                    match value.as_str() {
                        Some(s) => texts.push(s.to_string()),
                        None => texts.push(value.to_string()),
                    }
                }
            }
        }
        let pairs: Vec<String> = texts.windows(2).map(|w| w.join("\n")).collect();
        texts.extend(pairs);
        texts
    }

    #[test]
    fn the_prefilter_keeps_every_pattern_that_can_match() {
        let r = registry();
        let patterns: Vec<&Pattern> = r.patterns().collect();
        let mut candidate = vec![false; patterns.len()];
        let mut matched = 0;
        for text in corpus_texts() {
            for lines in normalise(&text) {
                for start in 0..lines.len() {
                    let window = lines[start..(start + WINDOW).min(lines.len())].join(" ");
                    r.candidates(&window, &mut candidate);
                    for (k, p) in patterns.iter().enumerate() {
                        if p.re.is_match(&window) {
                            matched += 1;
                            assert!(
                                candidate[k],
                                "{} matches {window:?} but the prefilter left it out",
                                p.re.as_str()
                            );
                        }
                    }
                }
            }
        }
        assert!(
            matched > 1000,
            "the corpus exercises the patterns: {matched}"
        );
    }

    /// The prefilter reads a paste once and marks each window from what it found there:
    /// the same flags as reading the window itself, literals across a line's end included.
    #[test]
    fn marking_a_window_from_the_whole_paste_is_marking_the_window() {
        let r = registry();
        let gate = r.prefilter();
        let n = r.patterns().count();
        let (mut alone, mut within) = (vec![false; n], vec![false; n]);
        let mut windows = 0;
        for text in corpus_texts() {
            for lines in normalise(&text) {
                let whole = lines.join(" ");
                let spans = gate.spans(&whole);
                let mut first = 0;
                let mut at = 0;
                let starts: Vec<usize> = lines
                    .iter()
                    .map(|l| {
                        at += l.len() + 1;
                        at - l.len() - 1
                    })
                    .collect();
                for start in 0..lines.len() {
                    let end = (start + WINDOW).min(lines.len());
                    let window = lines[start..end].join(" ");
                    let bounds = (starts[start], starts[end - 1] + lines[end - 1].len());
                    assert_eq!(&whole[bounds.0..bounds.1], window);
                    let a = gate.mark(&window, &mut alone);
                    let b = gate.mark_within(&spans, &mut first, bounds, &mut within);
                    assert_eq!((a, &alone), (b, &within), "{window:?}");
                    windows += 1;
                }
            }
        }
        assert!(windows > 5000, "the corpus has windows: {windows}");
    }

    /// A pattern without literals runs on every window of every paste.
    #[test]
    fn nearly_every_pattern_has_literals_for_the_prefilter() {
        let r = registry();
        let without: Vec<&str> = r
            .patterns()
            .filter(|p| required_literals(p.re.as_str()).is_none())
            .map(|p| p.re.as_str())
            .collect();
        // The spaced-out text's (UTF-16 read as UTF-8), `\w` compiled as ASCII.
        assert_eq!(
            without,
            [r"([0-9A-Za-z_] [0-9A-Za-z_] [0-9A-Za-z_] [0-9A-Za-z_] [0-9A-Za-z_] [0-9A-Za-z_])"]
        );
        // Inner literals count: `x\s?509` begins with no literal of 3 bytes.
        assert!(
            required_literals(r"x\s?509: certificate has expired (?P<now>\S+)")
                .unwrap()
                .contains(&b"509: certificate has expired ".to_vec())
        );
    }

    #[test]
    fn word_boundaries_and_classes_are_ascii() {
        assert_eq!(
            ascii_boundaries(r"\bdocker\b \\b \d [\w.-]+ \\d \s"),
            r"(?-u:\b)docker(?-u:\b) \\b [0-9] [0-9A-Za-z_.-]+ \\d \s"
        );
        let re = LazyRegex::new(r"\bdocker\b", "test");
        assert!(re.is_match("ошибка docker."));
        assert!(!re.is_match("dockerd"));
    }

    /// Not a speed test (scripts/bench-explain.sh measures MB/s): 4 times the text takes
    /// about 4 times as long, far from the 16 of a quadratic step.
    #[test]
    fn matching_time_grows_linearly_on_non_ascii_text() {
        let r = registry();
        let words = [
            "Ошибка",
            "при",
            "запуске",
            "не",
            "удалось",
            "подключиться",
            "к",
            "демону",
        ];
        let mut small = String::new();
        let mut i = 0;
        while small.len() < 128 << 10 {
            i += 1;
            let msg: Vec<&str> = (0..10)
                .map(|k| words[(i * 3 + k * 5) % words.len()])
                .collect();
            small.push_str(&format!(
                "time=\"2026-03-01T10:{:02}:{:02}Z\" level=error msg=\"{}\"\n",
                i % 60,
                i * 7 % 60,
                msg.join(" ")
            ));
        }
        let large = small.repeat(4);
        let time = |text: &str| {
            (0..3)
                .map(|_| {
                    let t = Instant::now();
                    find(&r, text);
                    t.elapsed()
                })
                .min()
                .unwrap()
        };
        let (a, b) = (time(&small), time(&large));
        assert!(
            b < a * 8,
            "4 times the text took {b:?} against {a:?}: matching is not linear"
        );
    }

    #[test]
    fn a_deadline_stops_matching_and_says_how_far_it_got() {
        let r = registry();
        let text = "Got permission denied while trying to connect to the Docker daemon socket at unix:///var/run/docker.sock\n\nnothing\n".repeat(3);
        let (all, c) = find_within(&r, &text, None);
        assert!(c.complete() && c.read == text.len() && !all.is_empty());
        let (none, c) = find_within(&r, &text, Some(Instant::now()));
        assert!(none.is_empty());
        assert_eq!((c.read, c.total, c.complete()), (0, text.len(), false));
        let later = Instant::now() + Duration::from_secs(3600);
        let (same, c) = find_within(&r, &text, Some(later));
        assert!(c.complete());
        assert_eq!(
            serde_json::to_string(&same).unwrap(),
            serde_json::to_string(&all).unwrap()
        );
    }

    #[test]
    fn an_over_long_line_is_matched_in_pieces() {
        let r = registry();
        let line = format!(
            "{}dial unix /var/run/docker.sock: connect: permission denied",
            "word ".repeat(3000)
        );
        assert_eq!(find(&r, &line)[0].mode, "socket.not-in-group");
        let pieces = raw_lines(&line);
        assert!(pieces.len() > 1);
        assert!(pieces.iter().all(|(p, _)| p.len() <= LINE_PIECE));
        assert!(
            pieces[..pieces.len() - 1]
                .iter()
                .all(|(p, _)| p.ends_with(' '))
        );
        assert_eq!(
            pieces.iter().map(|(p, _)| p.as_str()).collect::<String>(),
            line
        );
        assert_eq!(pieces.last().unwrap().1, line.len());
        // No space to cut at: at a character boundary.
        let cyrillic = "я".repeat(5000);
        let pieces = raw_lines(&cyrillic);
        assert!(pieces.iter().all(|(p, _)| p.len() <= LINE_PIECE));
        assert_eq!(
            pieces.iter().map(|(p, _)| p.as_str()).collect::<String>(),
            cyrillic
        );
    }

    #[test]
    fn the_registry_parses_and_ids_are_unique() {
        let r = registry();
        let mut ids: Vec<&str> = r.iter().map(|s| s.mode.as_str()).collect();
        ids.sort();
        let n = ids.len();
        ids.dedup();
        assert_eq!(ids.len(), n, "duplicate failure modes");
        for s in r.iter() {
            assert!(s.id.contains('.'), "{} is not <probe>.<condition>", s.id);
            assert!(!s.area.is_empty(), "{}", s.mode);
            assert!(!s.fix.is_empty() && !s.sources.is_empty(), "{}", s.id);
        }
    }

    #[test]
    fn spaced_out_utf16_text_is_joined() {
        let forms = normalise("W i n d o w s   S u b s y s t e m   f o r   L i n u x");
        assert_eq!(forms[1], vec!["windows subsystem for linux"]);
        // Only the spaced-out line is glued; the others read as they are.
        let forms = normalise("wsl: error\nT h e   W i n d o w s   S u b s y s t e m");
        assert_eq!(forms[1], vec!["wsl: error", "the windows subsystem"]);
        // Words are not glued, and a text without such a line is matched in one form.
        assert_eq!(normalise("permission denied: a b c").len(), 1);
        assert_eq!(normalise("exit status 1 a b c d").len(), 2);
    }

    /// A pasted text is hostile input: a value a shell would read as syntax never reaches a
    /// fix's command line (the default or `<name>` stands in), only the prose.
    #[test]
    fn a_hostile_value_stays_out_of_the_commands() {
        let r = registry();
        for text in [
            "Error response from daemon: Get \"https://reg$(touch${IFS}/tmp/x).lan/v2/\": dial tcp: lookup reg$(touch${IFS}/tmp/x).lan on 127.0.0.53:53: no such host",
            "Error response from daemon: Get \"https://reg`id`.lan/v2/\": dial tcp: lookup reg`id`.lan on 127.0.0.53:53: no such host",
            "Error response from daemon: Get \"https://a;reboot;.lan/v2/\": dial tcp: lookup a;reboot;.lan on 127.0.0.53:53: no such host",
        ] {
            let m = find(&r, text);
            assert!(!m.is_empty(), "{text}");
            for m in &m {
                for f in &m.fix {
                    assert!(
                        !f.contains("$(touch") && !f.contains("`id`") && !f.contains(";reboot;"),
                        "{f}"
                    );
                }
            }
            assert!(m[0].explanation.contains("reg") || m[0].explanation.contains("reboot"));
        }
        assert!(safe_in_command("registry.lan:5000"));
        assert!(safe_in_command("[fd00::1]:53"));
        assert!(safe_in_command("/run/user/1000/docker.sock"));
        for bad in [
            "a b", "$(x)", "a;b", "a|b", "a&b", "`x`", "'x'", "a>b", "a*b", "a\\b", "{a}", "",
        ] {
            assert!(!safe_in_command(bad), "{bad}");
        }
    }

    #[test]
    fn templates_take_values_then_defaults() {
        let values = BTreeMap::from([("host".to_string(), "reg.example".to_string())]);
        let defaults = BTreeMap::from([("port".to_string(), "443".to_string())]);
        assert_eq!(
            fill("{host}:{port} {ns} {{.Server}} {}", &values, &defaults),
            "reg.example:443 <ns> {{.Server}} {}"
        );
        assert_eq!(
            fill(r#"{"insecure-registries": ["{host}"]}"#, &values, &defaults),
            r#"{"insecure-registries": ["reg.example"]}"#
        );
        assert_eq!(
            tidy("unix:///var/run/docker.sock."),
            "unix:///var/run/docker.sock"
        );
    }

    /// A fix that names an image names the one the paste's commands act on; two images,
    /// or none, leave `<image>`.
    #[test]
    fn a_fix_names_the_image_the_paste_acts_on() {
        let r = registry();
        let save = "% docker save nginx -o nginx.tar\nError response from daemon: content digest sha256:a603fa5e3b4127f210503aaa6189abf6286ee5a73deeaab460f8f33ebc6b64e2: not found";
        let got = find(&r, save);
        assert_eq!(got[0].mode, "storage.image-content-missing", "{got:?}");
        assert!(
            got[0]
                .fix
                .iter()
                .any(|f| f.contains("docker rmi nginx && docker pull nginx")),
            "{:?}",
            got[0].fix
        );
        let two = format!("$ docker pull redis\n{save}");
        let got = find(&r, &two);
        assert!(got[0].fix.iter().any(|f| f.contains("docker rmi <image>")));
        // A hostile name never reaches the command line.
        let hostile = save.replace("save nginx", "save ngi$(id)nx");
        let got = find(&r, &hostile);
        assert!(
            got[0].fix.iter().all(|f| !f.contains("$(id)")),
            "{:?}",
            got[0].fix
        );
    }

    /// A reading that names no registry takes the one the paste pulls from, never Docker
    /// Hub's default when the pull was another registry's; two registries leave it unsaid.
    #[test]
    fn a_fix_names_the_registry_the_paste_pulls_from() {
        let r = registry();
        let cut = "Unable to find image 'ghcr.io/acme/app:1.2' locally\n1.2: Pulling from acme/app\n4f4fb700ef54: Downloading [=====>      ]\nunexpected EOF";
        let got = find(&r, cut);
        assert_eq!(got[0].mode, "registry.connection-cut", "{got:?}");
        assert_eq!(got[0].values["registry"], "ghcr.io");
        assert!(got[0].fix.iter().any(|f| f.contains("https://ghcr.io/v2/")));
        assert!(
            got[0]
                .fix
                .iter()
                .all(|f| !f.contains("registry-1.docker.io"))
        );
        // Docker Hub's own reference keeps the Hub's API host.
        let hub = cut.replace("ghcr.io/acme/app", "docker.io/acme/app");
        assert_eq!(find(&r, &hub)[0].values["registry"], "registry-1.docker.io");
        // A registry named by the error itself wins over the pull's.
        let named = "Pulling from ghcr.io/acme/app\nGet \"https://quay.io/v2/\": net/http: request canceled while waiting for connection (Client.Timeout exceeded while awaiting headers)";
        assert_eq!(find(&r, named)[0].values["registry"], "quay.io");
        // Two registries pulled: the paste does not say which one failed.
        let two = format!("docker pull quay.io/x/y\n{cut}");
        assert!(!find(&r, &two)[0].values.contains_key("registry"));
    }

    #[test]
    fn a_pattern_sees_at_most_three_lines() {
        let r = registry();
        let near = "dial unix /var/run/docker.sock:\nconnect: permission denied";
        assert_eq!(find(&r, near)[0].mode, "socket.not-in-group");
        assert!(
            find(&r, near)[0].confidence < 0.95,
            "across lines counts a little less"
        );
        // Four lines apart, the registry is not the certificate's: what is left is the bare
        // cause, at the floor and with no registry.
        let far = "Get https://registry-1.docker.io/v2/\na\nb\nc\nx509: certificate signed by unknown authority";
        assert!(
            find(&r, far)
                .iter()
                .all(|m| m.confidence <= 0.5 && !m.values.contains_key("registry"))
        );
    }

    /// Unique modes are checked by `the_registry_parses_and_ids_are_unique`. Patterns are
    /// compiled when a paste first needs them: here each is, and every veto too.
    #[test]
    fn every_pattern_compiles_with_a_confidence_below_one() {
        let r = registry();
        for p in r.patterns() {
            p.re.get();
            if let Some(reject) = &p.reject {
                reject.get();
            }
        }
        for s in r.iter() {
            assert!(
                s.patterns
                    .iter()
                    .all(|p| p.confidence > 0.0 && p.confidence < 1.0),
                "{}",
                s.mode
            );
        }
    }

    #[test]
    fn what_the_probes_see_reorders_the_causes() {
        let r = registry();
        let mut m = find(
            &r,
            "Couldn't connect to Docker daemon at http+docker://localhost - is it running?",
        );
        // Compose v1's words for a denied socket and a refused one alike: the text ranks
        // the group first, barely; the probes decide.
        assert_eq!(m[0].mode, "socket.not-in-group");
        assert_eq!(m[1].mode, "daemon.not-running");
        m[0].confirmation.status = Status::NotSeen;
        m[1].confirmation.status = Status::Confirmed;
        calibrate(&mut m);
        assert_eq!(m[0].mode, "daemon.not-running");
        assert!(m[0].confidence > m[0].text_confidence);
    }
}
