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

/// Pseudo-random bytes (xorshift64), the same on every run.
fn random_bytes(len: usize) -> Vec<u8> {
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut out = Vec::with_capacity(len + 8);
    while out.len() < len {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        out.extend_from_slice(&x.to_le_bytes());
    }
    out.truncate(len);
    out
}

/// About `len` bytes of a dockerd log in Russian (every line an error), ending with one
/// line that says why the daemon cannot be reached: found only if the whole log is read.
fn cyrillic_log(len: usize) -> Vec<u8> {
    let words = [
        "Ошибка",
        "при",
        "запуске",
        "не",
        "удалось",
        "подключиться",
        "к",
        "демону",
        "контейнера",
        "сети",
        "тома",
        "слоя",
        "образа",
        "загрузки",
        "отказано",
        "в",
        "доступе",
    ];
    let mut out = String::new();
    let mut i = 0usize;
    while out.len() < len {
        i += 1;
        let msg: Vec<&str> = (0..12)
            .map(|k| words[(i * 7 + k * 13) % words.len()])
            .collect();
        out.push_str(&format!(
            "time=\"2026-03-{:02}T10:{:02}:{:02}.{:09}Z\" level=error msg=\"{}: {}\"\n",
            i % 28 + 1,
            i % 60,
            (i * 7) % 60,
            i * 7919 % 1_000_000_000,
            msg[..4].join(" "),
            msg[4..].join(" ")
        ));
    }
    out.push_str("time=\"2026-03-29T10:00:00.000000000Z\" level=error msg=\"Ошибка: dial unix /var/run/docker.sock: connect: permission denied\"\n");
    out.into_bytes()
}

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
