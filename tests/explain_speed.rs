//! `explain` on pastes no one should send it (20 MB of random bytes, a 1 MB Cyrillic
//! daemon log) still ends in seconds, with its exit code and a note naming what was read.
//! The 10 s bound is a hang guard (matching used to run at tens of KB/s on such text and
//! was killed after 20 s), not a speed measurement: `scripts/bench-explain.sh` measures
//! throughput.

mod common;

use common::*;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The hang guard: `explain` must have ended by then.
const BOUND: Duration = Duration::from_secs(10);

struct Ended {
    code: i32,
    stdout: String,
    stderr: String,
    elapsed: Duration,
}

/// Runs `docker-doctor explain --no-probe <args>`, `input` on its stdin (written from a
/// thread: the doctor stops reading at its cap, and the rest is refused), and kills it if
/// it is still running well past [`BOUND`].
fn explain(home: &Path, args: &[&str], input: Vec<u8>) -> Ended {
    let mut all = vec!["explain", "--no-probe"];
    all.extend_from_slice(args);
    let mut cmd: Command = doctor(home, &[], &all);
    let started = Instant::now();
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || {
        // A broken pipe once the doctor has read what it reads is expected.
        let _ = stdin.write_all(&input);
    });
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let stdout = std::thread::spawn(move || std::io::read_to_string(&mut out).unwrap_or_default());
    let stderr = std::thread::spawn(move || std::io::read_to_string(&mut err).unwrap_or_default());
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > BOUND * 3 {
            let _ = child.kill();
            break child.wait().unwrap();
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let elapsed = started.elapsed();
    writer.join().unwrap();
    Ended {
        code: status.code().unwrap_or(-1),
        stdout: stdout.join().unwrap(),
        stderr: stderr.join().unwrap(),
        elapsed,
    }
}

fn assert_in_time(run: &Ended, what: &str) {
    assert!(
        run.elapsed < BOUND,
        "{what}: explain took {:?}\nstderr:\n{}",
        run.elapsed,
        run.stderr
    );
    assert!(
        run.code == 0 || run.code == 1,
        "{what}: exit {}\nstderr:\n{}",
        run.code,
        run.stderr
    );
}

#[test]
fn explain_on_twenty_megabytes_of_random_bytes_ends_in_time_and_says_what_was_read() {
    let tmp = tempfile::tempdir().unwrap();
    let bytes = random_bytes(20 << 20);
    let file = tmp.path().join("random.bin");
    std::fs::write(&file, &bytes).unwrap();

    let run = explain(tmp.path(), &["--file", file.to_str().unwrap()], Vec::new());
    assert_in_time(&run, "--file");
    assert!(
        run.stderr.contains(
            "is larger than 2 MiB (20 MiB): only its last 2 MiB was read, everything before it was not"
        ),
        "{}",
        run.stderr
    );

    let run = explain(tmp.path(), &[], bytes);
    assert_in_time(&run, "stdin");
    assert!(
        run.stderr.contains(
            "the input is larger than 2 MiB: only its first 2 MiB was read, the rest was not"
        ),
        "{}",
        run.stderr
    );
    // Matching stopping at its own deadline is named too (a slow machine can reach it).
    if run.stderr.contains("matching stopped") {
        assert!(
            run.stderr.contains("bytes of text read were matched"),
            "{}",
            run.stderr
        );
    }
}

#[test]
fn explain_matches_a_megabyte_of_cyrillic_daemon_log_to_its_last_line_in_time() {
    let tmp = tempfile::tempdir().unwrap();
    let log = cyrillic_log(1 << 20);
    let file = tmp.path().join("dockerd.log");
    std::fs::write(&file, &log).unwrap();

    for (how, args, input) in [
        ("--file", vec!["--file", file.to_str().unwrap()], Vec::new()),
        ("stdin", vec![], log.clone()),
    ] {
        let mut args = args;
        args.extend(["--format", "json"]);
        let run = explain(tmp.path(), &args, input);
        assert_in_time(&run, how);
        // The whole log was read and matched: no note, and its last line was explained.
        assert!(!run.stderr.contains("note:"), "{how}: {}", run.stderr);
        assert_eq!(run.code, 0, "{how}: {}", run.stderr);
        let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
        assert_eq!(json["matches"][0]["mode"], "socket.not-in-group", "{how}");
    }
}
