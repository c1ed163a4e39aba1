//! Helpers shared by the integration tests: run the real binary, read its JSON report.
#![allow(dead_code)]

// A real dockerd, network namespaces, mount namespaces and test users: Linux only.
#[cfg(target_os = "linux")]
pub mod dockerd;
#[cfg(target_os = "linux")]
pub mod lab;
#[cfg(target_os = "linux")]
pub mod private_root;
#[cfg(target_os = "linux")]
pub mod users;

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

/// A free loopback port, found by binding it (and letting it go).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The largest resident size any child of this test process reached, in MiB. Children of
/// every test count: the bound holds for each, so it holds for their maximum.
#[cfg(target_os = "linux")]
pub fn children_peak_mib() -> i64 {
    let usage =
        nix::sys::resource::getrusage(nix::sys::resource::UsageWho::RUSAGE_CHILDREN).unwrap();
    usage.max_rss() / 1024
}

/// A captured machine's folder, `fixtures/<name>`.
pub fn fixture_dir(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(name)
}

/// The same, as a command-line argument.
pub fn fixture_arg(name: &str) -> String {
    fixture_dir(name).display().to_string()
}

pub fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_docker-doctor"))
}

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
    pub elapsed: Duration,
}

impl Run {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not JSON ({e}):\n{}\nstderr:\n{}",
                self.stdout, self.stderr
            )
        })
    }
}

/// Runs a prepared command and captures everything (its stdin is empty).
pub fn capture(cmd: Command) -> Run {
    capture_with_input(cmd, &[])
}

/// The binary with a clean environment: only PATH, HOME and what the test sets.
pub fn doctor(home: &Path, env: &[(&str, &str)], args: &[&str]) -> Command {
    let mut cmd = Command::new(bin());
    cmd.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", home)
        .args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd
}

/// The binary with a clean environment, run through a launcher (`nsenter …`, `ip netns
/// exec …`): `env -i PATH HOME <env> docker-doctor <args>` appended to it.
pub fn doctor_through(
    mut launcher: Command,
    home: &Path,
    env: &[(&str, &str)],
    args: &[&str],
) -> Command {
    launcher
        .args(["env", "-i"])
        .arg(format!(
            "PATH={}",
            std::env::var("PATH").unwrap_or_default()
        ))
        .arg(format!("HOME={}", home.display()));
    for (k, v) in env {
        launcher.arg(format!("{k}={v}"));
    }
    launcher.arg(bin()).args(args);
    launcher
}

/// Runs a prepared command with `input` on its stdin.
pub fn capture_with_input(mut cmd: Command, input: &[u8]) -> Run {
    use std::io::Write;
    let t = Instant::now();
    let mut child = cmd
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("the binary runs");
    child.stdin.take().unwrap().write_all(input).unwrap();
    let Output {
        status,
        stdout,
        stderr,
    } = child.wait_with_output().unwrap();
    Run {
        code: status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&stdout).into_owned(),
        stderr: String::from_utf8_lossy(&stderr).into_owned(),
        elapsed: t.elapsed(),
    }
}

/// Every finding with this id.
pub fn findings<'a>(report: &'a Value, id: &str) -> Vec<&'a Value> {
    report["findings"]
        .as_array()
        .expect("findings is an array")
        .iter()
        .filter(|f| f["id"] == id)
        .collect()
}

/// The one finding with this id; panics with the whole report otherwise.
pub fn finding<'a>(report: &'a Value, id: &str) -> &'a Value {
    let found = findings(report, id);
    assert!(
        !found.is_empty(),
        "no finding {id} in:\n{}",
        serde_json::to_string_pretty(&report["findings"]).unwrap()
    );
    found[0]
}

pub fn ids(report: &Value) -> Vec<String> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap().to_string())
        .collect()
}

/// The commands of all fixes of a finding, joined by newlines.
pub fn commands(finding: &Value) -> String {
    let mut out = Vec::new();
    for fix in finding["fixes"].as_array().unwrap() {
        for step in fix["steps"].as_array().unwrap() {
            if let Some(c) = step["command"].as_str() {
                out.push(c.to_string());
            }
        }
    }
    out.join("\n")
}

pub fn evidence<'a>(finding: &'a Value, key: &str) -> Option<&'a str> {
    finding["evidence"]
        .as_array()?
        .iter()
        .find(|e| e["key"] == key)
        .and_then(|e| e["value"].as_str())
}

/// Pseudo-random bytes (xorshift64), the same on every run.
pub fn random_bytes(len: usize) -> Vec<u8> {
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
pub fn cyrillic_log(len: usize) -> Vec<u8> {
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

/// Whether the tests run as Windows programs under Wine (`CROSS_RUNNER=wine`, set by
/// ../shared/cross): a test that needs what Wine lacks says so and returns.
#[allow(dead_code)]
pub fn under_wine(why: &str) -> bool {
    let wine = std::env::var("CROSS_RUNNER").as_deref() == Ok("wine");
    if wine {
        eprintln!("skipped under Wine (a real Windows runs it): {why}");
    }
    wine
}

/// Every file under `dir`, at any depth.
#[allow(dead_code)]
pub fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}
