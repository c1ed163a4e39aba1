//! Safe to run as root: hostile files planted on a real filesystem. A link, FIFO or folder
//! at an output path is refused (the decoy it points to is unchanged, nothing blocks); a
//! link in a user's folder to /etc/shadow or to a file of root's is not followed into any
//! output; system files that are links are named and stay in their place; credential
//! values are removed by shape; user-sized collections and the run's read budget keep a
//! run within `--timeout` + 2 s and 150 MiB.
#![cfg(target_os = "linux")] // needs Linux (namespaces, getrusage in KiB, lchown)

mod common;

use common::*;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

const TIMEOUT: &str = "3";
const LIMIT: Duration = Duration::from_secs(5);
const PEAK_MIB: i64 = 150;
const CANARY: &str = "CANARY-h4rden-7Qx";
const DECOY: &str = "DECOY-root-only-Lm2";

fn within_bounds(what: &str, run: &Run) {
    assert!(
        run.elapsed < LIMIT,
        "{what}: took {:?}\n{}",
        run.elapsed,
        run.stderr
    );
    let peak = children_peak_mib();
    assert!(peak < PEAK_MIB, "{what}: a run peaked at {peak} MiB");
}

/// Unpacks a bundle and returns every file's text, the manifest included.
fn unpack(file: &Path) -> Vec<(String, String)> {
    let x = tempfile::tempdir().unwrap();
    let ok = Command::new("tar")
        .arg("xzf")
        .arg(file)
        .arg("-C")
        .arg(x.path())
        .status()
        .unwrap();
    assert!(ok.success());
    let mut out = Vec::new();
    let mut stack = vec![x.path().to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let name = p.strip_prefix(x.path()).unwrap().display().to_string();
                out.push((
                    name,
                    String::from_utf8_lossy(&std::fs::read(&p).unwrap()).into(),
                ));
            }
        }
    }
    out
}

/// A line shaped like /etc/shadow's (`name:$hash:days:...`).
fn shadow_line(text: &str) -> Option<String> {
    text.lines()
        .find(|l| {
            let f: Vec<&str> = l.split(':').collect();
            f.len() >= 8
                && (f[1].starts_with('$') || f[1] == "*" || f[1].starts_with('!'))
                && f[2].chars().all(|c| c.is_ascii_digit())
        })
        .map(str::to_string)
}

#[test]
fn an_output_path_that_is_a_link_fifo_or_folder_is_refused_never_followed() {
    let home = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let decoy = dir.path().join("decoy");
    std::fs::write(&decoy, "precious\n").unwrap();
    let link = dir.path().join("bundle.tar.gz");
    std::os::unix::fs::symlink(&decoy, &link).unwrap();
    let dangling = dir.path().join("dangling.tar.gz");
    std::os::unix::fs::symlink(dir.path().join("made-through-link"), &dangling).unwrap();
    let fifo = dir.path().join("fifo.tar.gz");
    assert!(
        Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    let folder = dir.path().join("folder.tar.gz");
    std::fs::create_dir(&folder).unwrap();

    for (target, says) in [
        (&link, "symbolic link to"),
        (&dangling, "symbolic link to"),
        (&fifo, "FIFO"),
        (&folder, "a folder"),
    ] {
        let run = capture(doctor(
            home.path(),
            &[],
            &[
                "bundle",
                "--offline",
                "--timeout",
                TIMEOUT,
                "-o",
                target.to_str().unwrap(),
            ],
        ));
        within_bounds("bundle -o", &run);
        assert_eq!(run.code, 73, "{}\n{}", run.stdout, run.stderr);
        assert!(run.stderr.contains(says), "{}", run.stderr);
    }
    assert_eq!(std::fs::read_to_string(&decoy).unwrap(), "precious\n");
    assert!(!dir.path().join("made-through-link").exists());
    // Nothing half-written is left beside the targets.
    let left: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".tmp"))
        .collect();
    assert!(left.is_empty(), "{left:?}");

    // A plain target is written 0600, and written again over an older one.
    let out = dir.path().join("ok.tar.gz");
    for _ in 0..2 {
        let run = capture(doctor(
            home.path(),
            &[],
            &[
                "bundle",
                "--offline",
                "--timeout",
                TIMEOUT,
                "-o",
                out.to_str().unwrap(),
            ],
        ));
        assert!((0..=2).contains(&run.code), "{}", run.stderr);
    }
    let mode = std::fs::metadata(&out).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
}

/// A real unprivileged user's home with a Docker folder planted the way an attacker would:
/// its context metadata links to /etc/shadow and to a root-only file, its config.json
/// holds logins in every shape (string `auths`, `HttpHeaders`).
fn planted_home(user: &str) -> tempfile::TempDir {
    let (uid, gid) = users::ensure_user(user, &[]);
    let home = tempfile::Builder::new()
        .prefix("dd-home-")
        .tempdir()
        .unwrap();
    let docker = home.path().join(".docker");
    let meta = docker.join("contexts/meta");
    std::fs::create_dir_all(meta.join("aaaa")).unwrap();
    std::fs::create_dir_all(meta.join("bbbb")).unwrap();
    std::os::unix::fs::symlink("/etc/shadow", meta.join("aaaa/meta.json")).unwrap();
    // A file only root may read, outside the user's home.
    let secret_dir = tempfile::Builder::new()
        .prefix("dd-rootonly-")
        .tempdir()
        .unwrap();
    let decoy = secret_dir.path().join("secret.json");
    std::fs::write(&decoy, format!("{{\"Name\":\"{DECOY}\"}}")).unwrap();
    std::fs::set_permissions(&decoy, std::fs::Permissions::from_mode(0o600)).unwrap();
    std::os::unix::fs::symlink(&decoy, meta.join("bbbb/meta.json")).unwrap();
    std::mem::forget(secret_dir);
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD.encode(format!("bob:{CANARY}"));
    std::fs::write(
        docker.join("config.json"),
        format!(
            r#"{{"auths": {{"registry.corp.example": "{b64}", "r2.example": {{"auth": "{b64}"}}}},
               "HttpHeaders": {{"Authorization": "Basic {b64}", "X-Meta-Token": "{CANARY}"}},
               "credHelpers": {{"r3.example": "pass"}}}}"#
        ),
    )
    .unwrap();
    // Everything in the home is the user's, the links too.
    let ok = Command::new("chown")
        .args(["-hR", &format!("{uid}:{gid}")])
        .arg(home.path())
        .status()
        .unwrap();
    assert!(ok.success());
    home
}

fn leaks(text: &str) -> Option<String> {
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD.encode(format!("bob:{CANARY}"));
    if text.contains(CANARY) {
        return Some("the canary".into());
    }
    if text.contains(&b64) {
        return Some("base64 of user:canary".into());
    }
    if text.contains(DECOY) {
        return Some("the root-only decoy".into());
    }
    shadow_line(text).map(|l| format!("a shadow line: {l}"))
}

#[test]
#[ignore = "needs root (a real unprivileged user owning the planted home); run through scripts/test.sh"]
fn root_never_carries_a_users_planted_link_into_a_bundle() {
    let home = planted_home("dd-planter");
    let out = tempfile::tempdir().unwrap();
    let file = out.path().join("ticket.tar.gz");
    let run = capture(doctor(
        home.path(),
        &[],
        &[
            "bundle",
            "--offline",
            "--timeout",
            TIMEOUT,
            "-o",
            file.to_str().unwrap(),
        ],
    ));
    within_bounds("bundle as root", &run);
    assert!(
        (0..=2).contains(&run.code),
        "{}\n{}",
        run.stdout,
        run.stderr
    );
    for (name, text) in [("stdout", &run.stdout), ("stderr", &run.stderr)] {
        assert_eq!(leaks(text), None, "{name}: {text}");
    }
    let files = unpack(&file);
    for (name, text) in &files {
        assert_eq!(leaks(text), None, "{name} leaks:\n{text}");
    }
    let manifest = &files
        .iter()
        .find(|(n, _)| n.ends_with("manifest.json"))
        .unwrap()
        .1;
    // The refused links are named, with why.
    assert!(
        manifest.contains("aaaa/meta.json") && manifest.contains("holds credentials"),
        "{manifest}"
    );
    assert!(
        manifest.contains("bbbb/meta.json") && manifest.contains("outside"),
        "{manifest}"
    );
    // The logins are still listed, without their values.
    let config = &files
        .iter()
        .find(|(n, _)| n.ends_with("client-config.json"))
        .expect("config.json is bundled")
        .1;
    assert!(
        config.contains("registry.corp.example") && config.contains("HttpHeaders"),
        "{config}"
    );
    // The report says what it refused.
    let report = &files
        .iter()
        .find(|(n, _)| n.ends_with("report.json"))
        .unwrap()
        .1;
    assert!(report.contains("outside"), "{report}");
}

#[test]
#[ignore = "needs root (a real unprivileged user owning the planted home); run through scripts/test.sh"]
fn root_reads_a_users_files_with_that_users_rights() {
    let (uid, gid) = users::ensure_user("dd-planter", &[]);
    let home = tempfile::Builder::new()
        .prefix("dd-home-")
        .tempdir()
        .unwrap();
    let docker = home.path().join(".docker");
    std::fs::create_dir_all(&docker).unwrap();
    // A hard link or a file the user made unreadable to themselves: root must not read
    // more than the user could. config.json is root's 0600 file inside the user's folder.
    std::fs::write(
        docker.join("config.json"),
        format!(r#"{{"HttpHeaders": {{"X-Note": "{DECOY}"}}}}"#),
    )
    .unwrap();
    std::fs::set_permissions(
        docker.join("config.json"),
        std::fs::Permissions::from_mode(0o600),
    )
    .unwrap();
    let ok = Command::new("chown")
        .arg(format!("{uid}:{gid}"))
        .arg(home.path())
        .arg(&docker)
        .status()
        .unwrap();
    assert!(ok.success());
    let out = tempfile::tempdir().unwrap();
    let file = out.path().join("b.tar.gz");
    let run = capture(doctor(
        home.path(),
        &[],
        &[
            "bundle",
            "--offline",
            "--timeout",
            TIMEOUT,
            "-o",
            file.to_str().unwrap(),
        ],
    ));
    assert!((0..=2).contains(&run.code), "{}", run.stderr);
    let files = unpack(&file);
    assert!(files.iter().all(|(_, t)| !t.contains(DECOY)));
    let manifest = &files
        .iter()
        .find(|(n, _)| n.ends_with("manifest.json"))
        .unwrap()
        .1;
    assert!(
        manifest.contains("config.json") && manifest.contains("not readable"),
        "{manifest}"
    );
}

#[test]
#[ignore = "needs root and a private mount namespace; run through scripts/test.sh"]
fn system_files_that_are_links_are_named_and_stay_in_their_place() {
    let root = common::private_root::PrivateRoot::new();
    // The daemon's log and options file, both links to /etc/shadow; daemon.json a link to
    // a file in /etc (where configuration lives: followed, and named).
    let script = "set -e
ln -sf /etc/shadow /var/log/docker.log
ln -sf /etc/shadow /etc/default/docker
mkdir -p /etc/docker /etc/dd-real
echo '{\"debug\": true}' > /etc/dd-real/daemon.json
ln -sf /etc/dd-real/daemon.json /etc/docker/daemon.json
";
    let setup = root.sh(script);
    assert!(setup.status.success(), "{setup:?}");
    let home = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let file = out.path().join("sys.tar.gz");
    let run = capture(doctor_through(
        root.launcher(),
        home.path(),
        &[],
        &[
            "bundle",
            "--offline",
            "--timeout",
            TIMEOUT,
            "-o",
            file.to_str().unwrap(),
        ],
    ));
    within_bounds("bundle with linked system files", &run);
    assert!(
        (0..=2).contains(&run.code),
        "{}\n{}",
        run.stdout,
        run.stderr
    );
    let files = unpack(&file);
    for (name, text) in &files {
        assert_eq!(shadow_line(text), None, "{name}");
    }
    let manifest = &files
        .iter()
        .find(|(n, _)| n.ends_with("manifest.json"))
        .unwrap()
        .1;
    assert!(
        manifest.contains("/etc/default/docker") && manifest.contains("holds credentials"),
        "{manifest}"
    );
    assert!(
        manifest.contains("a link to /etc/dd-real/daemon.json"),
        "{manifest}"
    );
    let report: serde_json::Value = serde_json::from_str(
        &files
            .iter()
            .find(|(n, _)| n.ends_with("report.json"))
            .unwrap()
            .1,
    )
    .unwrap();
    let links = report["links"].to_string();
    assert!(
        links.contains("/etc/docker/daemon.json is a link to"),
        "{links}"
    );
    let warnings = report["warnings"].to_string();
    assert!(warnings.contains("/etc/default/docker"), "{warnings}");
}

/// Writes `n` small contexts and `big` contexts of 8 MiB under `docker/contexts/meta`.
fn many_contexts(docker: &Path, n: usize, big: usize) {
    let meta = docker.join("contexts/meta");
    for i in 0..n {
        let d = meta.join(format!("{i:064x}"));
        std::fs::create_dir_all(&d).unwrap();
        std::fs::write(
            d.join("meta.json"),
            format!(r#"{{"Name":"c{i}","Endpoints":{{"docker":{{"Host":"unix:///x{i}"}}}}}}"#),
        )
        .unwrap();
    }
    let pad = "a".repeat((8 << 20) - 200);
    for i in 0..big {
        let d = meta.join(format!("{:064x}", n + i));
        std::fs::create_dir_all(&d).unwrap();
        std::fs::write(
            d.join("meta.json"),
            format!(r#"{{"Name":"big{i}","Endpoints":{{}},"Pad":"{pad}"}}"#),
        )
        .unwrap();
    }
}

#[test]
fn thousands_of_contexts_and_logins_stay_within_time_and_memory() {
    let home = tempfile::tempdir().unwrap();
    let docker = home.path().join(".docker");
    std::fs::create_dir_all(&docker).unwrap();
    many_contexts(&docker, 50_000, 0);
    // 20k logins in config.json.
    let mut auths = serde_json::Map::new();
    for i in 0..20_000 {
        use base64::Engine;
        let b64 = base64::engine::general_purpose::STANDARD.encode(format!("u{i}:pw{i}-{CANARY}"));
        auths.insert(format!("r{i}.example"), serde_json::json!({ "auth": b64 }));
    }
    std::fs::write(
        docker.join("config.json"),
        serde_json::json!({ "auths": auths }).to_string(),
    )
    .unwrap();

    let run = capture(doctor(home.path(), &[], &["list"]));
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.elapsed < Duration::from_secs(2),
        "list took {:?}",
        run.elapsed
    );
    // The logins are checked up to a cap, and the rest named.
    let run = capture(doctor(
        home.path(),
        &[],
        &[
            "--offline",
            "--only",
            "auth",
            "--format",
            "json",
            "--timeout",
            TIMEOUT,
        ],
    ));
    within_bounds("check with 20k logins", &run);
    let report = run.json();
    let f = finding(&report, "auth.not-checked");
    assert!(
        f["summary"]
            .as_str()
            .unwrap()
            .contains("19968 more are not"),
        "{f}"
    );
    let out = tempfile::tempdir().unwrap();
    let file = out.path().join("many.tar.gz");
    let run = capture(doctor(
        home.path(),
        &[],
        &[
            "bundle",
            "--offline",
            "--timeout",
            TIMEOUT,
            "-o",
            file.to_str().unwrap(),
        ],
    ));
    within_bounds("bundle with 50k contexts and 20k logins", &run);
    assert!((0..=2).contains(&run.code), "{}", run.stderr);
    assert!(run.stdout.contains("more are not"), "{}", run.stdout);
    for (name, text) in unpack(&file) {
        assert!(!text.contains(CANARY), "{name}");
    }
}

#[test]
fn files_at_the_cap_in_a_users_folder_are_bounded_by_the_runs_budget() {
    let home = tempfile::tempdir().unwrap();
    let docker = home.path().join(".docker");
    std::fs::create_dir_all(&docker).unwrap();
    many_contexts(&docker, 0, 30);
    let out = tempfile::tempdir().unwrap();
    let file = out.path().join("big.tar.gz");
    let run = capture(doctor(
        home.path(),
        &[],
        &[
            "bundle",
            "--offline",
            "--timeout",
            TIMEOUT,
            "-o",
            file.to_str().unwrap(),
        ],
    ));
    within_bounds("bundle with 30 context files of 8 MiB", &run);
    assert!((0..=2).contains(&run.code), "{}", run.stderr);
    // What the budget left unread is said, not silently dropped.
    assert!(run.stdout.contains("budget"), "{}", run.stdout);
}

/// `fix --apply` writes a fix's file through the safe writer: a link planted at its path
/// is refused with the file it points to unchanged; a regular file is replaced whole with
/// its mode kept, and the fix works.
#[test]
#[ignore = "needs root and Debian's docker.io; run through scripts/test.sh"]
fn fix_apply_writes_files_through_the_safe_writer() {
    use common::private_root::{TEST_DOCKER_OPTS, init_script_root};
    let root = init_script_root();
    let started = root.sh("service docker start");
    assert!(started.status.success(), "{started:?}");
    assert!(root.wait_for_daemon(Path::new("/var/run/docker.sock")));
    let home = tempfile::tempdir().unwrap();
    let env = [
        ("HTTPS_PROXY", "http://proxy.invalid:3128"),
        ("NO_PROXY", "localhost,127.0.0.1"),
    ];
    let apply = || {
        capture(doctor_through(
            root.launcher(),
            home.path(),
            &env,
            &[
                "fix",
                "--apply",
                "--yes",
                "--offline",
                "--only",
                "proxy,daemon",
            ],
        ))
    };

    // The options file is a link to a decoy in /etc (followed for reading, since
    // configuration lives there; never written through).
    let plant =
        root.sh("mv /etc/default/docker /etc/dd-decoy && ln -s /etc/dd-decoy /etc/default/docker");
    assert!(plant.status.success(), "{plant:?}");
    let before = root.read_etc("dd-decoy");
    let run = apply();
    assert_eq!(run.code, 2, "{}\n{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("symbolic link to"), "{}", run.stdout);
    assert_eq!(root.read_etc("dd-decoy"), before);
    let link = root.sh("test -L /etc/default/docker");
    assert!(link.status.success(), "the link itself is left as it was");

    // A regular file: replaced, its mode kept, the daemon restarted with the proxy.
    let restore = root.sh(
        "rm /etc/default/docker && cp /etc/dd-decoy /etc/default/docker && chmod 0644 /etc/default/docker",
    );
    assert!(restore.status.success(), "{restore:?}");
    let run = apply();
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("Confirmed"), "{}", run.stdout);
    let options = root.read_etc("default/docker");
    assert!(options.contains("proxy.invalid:3128"), "{options}");
    assert!(options.contains(TEST_DOCKER_OPTS.trim()), "{options}");
    let kept = root.sh("stat -c %a /etc/default/docker");
    assert_eq!(String::from_utf8_lossy(&kept.stdout).trim(), "644");
}

/// What `fix --apply` runs under sudo, doas or su to write a root-owned file: the same
/// safe writer, so a link at the path is refused there too.
#[test]
fn the_write_file_step_refuses_a_link_and_writes_a_file() {
    use base64::Engine;
    let dir = tempfile::tempdir().unwrap();
    let decoy = dir.path().join("decoy");
    std::fs::write(&decoy, "precious\n").unwrap();
    let link = dir.path().join("proxy.conf");
    std::os::unix::fs::symlink(&decoy, &link).unwrap();
    let b64 = base64::engine::general_purpose::STANDARD.encode("[Service]\n");
    let run = capture(doctor(
        dir.path(),
        &[],
        &["write-file", link.to_str().unwrap(), &b64],
    ));
    assert_eq!(run.code, 73, "{}", run.stderr);
    assert_eq!(std::fs::read_to_string(&decoy).unwrap(), "precious\n");
    let new = dir.path().join("d/http-proxy.conf");
    let run = capture(doctor(
        dir.path(),
        &[],
        &["write-file", new.to_str().unwrap(), &b64],
    ));
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(std::fs::read_to_string(&new).unwrap(), "[Service]\n");
}

/// `explain` is linear: 20 MB of random bytes (a file and a pipe) and a 1.5 MB dockerd log
/// in Russian end well within 10 s, each with a note saying what was read.
#[test]
fn explain_on_huge_or_non_ascii_text_ends_in_time_and_says_what_it_read() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let random = random_bytes(20 << 20);
    let rand_file = dir.path().join("random.bin");
    std::fs::write(&rand_file, &random).unwrap();
    let log = cyrillic_log(1_500_000);
    let log_file = dir.path().join("dockerd-ru.log");
    std::fs::write(&log_file, &log).unwrap();
    let home = tempfile::tempdir().unwrap();
    for file in [&rand_file, &log_file] {
        let run = capture(doctor(
            home.path(),
            &[],
            &["explain", "--no-probe", "--file", file.to_str().unwrap()],
        ));
        assert!(
            run.elapsed < Duration::from_secs(10),
            "{}: {:?}",
            file.display(),
            run.elapsed
        );
        assert!((0..=1).contains(&run.code), "{}", run.stderr);
        if file == &rand_file {
            assert!(run.stderr.contains("was read"), "{}", run.stderr);
        }
    }
    // The same random bytes through a pipe.
    let mut child = doctor(home.path(), &[], &["explain", "--no-probe"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(&random);
    });
    let out = child.wait_with_output().unwrap();
    let _ = writer.join();
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("the rest was not"), "{stderr}");
}

/// A Compose file with 20 services publishing the same 1001 ports each: one finding per
/// contested port (capped), at most 256 ports checked, the rest named.
#[test]
fn a_compose_file_with_thousands_of_ports_is_grouped_and_capped() {
    let dir = tempfile::tempdir().unwrap();
    let mut yaml = String::from("services:\n");
    for s in 0..20 {
        yaml.push_str(&format!("  svc{s}:\n    image: busybox\n    ports:\n"));
        for p in 0..1001 {
            yaml.push_str(&format!("      - \"{}:80\"\n", 20000 + p));
        }
    }
    let file = dir.path().join("compose.yaml");
    std::fs::write(&file, yaml).unwrap();
    let home = tempfile::tempdir().unwrap();
    let run = capture(doctor(
        home.path(),
        &[],
        &[
            "--offline",
            "--only",
            "ports",
            "--format",
            "json",
            "--timeout",
            TIMEOUT,
            "--compose",
            file.to_str().unwrap(),
        ],
    ));
    within_bounds("compose with 20 x 1001 ports", &run);
    let r = run.json();
    let all = r["findings"].as_array().unwrap();
    assert!(all.len() < 400, "{} findings", all.len());
    let dup = finding(&r, "ports.duplicate");
    assert!(
        dup["summary"].as_str().unwrap().contains("and 10 more"),
        "{dup}"
    );
    let notes: Vec<&str> = findings(&r, "ports.not-checked")
        .iter()
        .map(|f| f["summary"].as_str().unwrap())
        .collect();
    assert!(
        notes.iter().any(|n| n.contains("745 more are not")),
        "{notes:?}"
    );
}

/// Baselines built to hurt: 8 MiB of nested brackets is refused before parsing (exit 64,
/// naming why), and 100k NO_PROXY entries are compared in linear time.
#[test]
fn hostile_baselines_are_refused_or_compared_in_linear_time() {
    let dir = tempfile::tempdir().unwrap();
    let home = tempfile::tempdir().unwrap();
    let nested = dir.path().join("nested.toml");
    std::fs::write(&nested, format!("a = {}", "[".repeat(8 << 20))).unwrap();
    let small_nested = dir.path().join("small-nested.toml");
    std::fs::write(
        &small_nested,
        format!("[proxy]\nno_proxy = {}", "[".repeat(100_000)),
    )
    .unwrap();
    for (file, says) in [(&nested, "larger than"), (&small_nested, "nested deeper")] {
        let run = capture(doctor(
            home.path(),
            &[],
            &[
                "--offline",
                "--expect",
                file.to_str().unwrap(),
                "--timeout",
                TIMEOUT,
            ],
        ));
        within_bounds("a hostile baseline", &run);
        assert_eq!(run.code, 64, "{}", run.stderr);
        assert!(run.stderr.contains(says), "{}", run.stderr);
    }
    let entries: Vec<String> = (0..100_000).map(|i| format!("\"h{i}.corp\"")).collect();
    let many = dir.path().join("many.toml");
    std::fs::write(
        &many,
        format!(
            "[proxy]\nno_proxy = [{}]\nfor = [\"shell\"]\n",
            entries.join(",")
        ),
    )
    .unwrap();
    // The shell's own list: an environment string is at most 128 KiB, so 5k of them.
    let no_proxy: Vec<String> = (0..10_000)
        .step_by(2)
        .map(|i| format!("h{i}.corp"))
        .collect();
    let run = capture(doctor(
        home.path(),
        &[("NO_PROXY", &no_proxy.join(","))],
        &[
            "--offline",
            "--only",
            "baseline",
            "--format",
            "json",
            "--expect",
            many.to_str().unwrap(),
            "--timeout",
            TIMEOUT,
        ],
    ));
    within_bounds("100k NO_PROXY entries", &run);
    let r = run.json();
    assert!(
        findings(&r, "baseline.timed-out").is_empty(),
        "{}",
        r["findings"]
    );
}

/// A daemon.json with 1500 mirrors, and a certs.d folder of 30 files of 8 MiB, in a
/// private mount namespace: at most 16 configured registries are checked, the rest named,
/// within the deadline and 150 MiB.
#[test]
#[ignore = "needs root and a private mount namespace; run through scripts/test.sh"]
fn thousands_of_mirrors_and_huge_certs_d_stay_within_time_and_memory() {
    let root = common::private_root::PrivateRoot::new();
    let mirrors: Vec<String> = (0..1500)
        .map(|i| format!("\"https://mirror{i}.invalid\""))
        .collect();
    root.etc(
        "docker/daemon.json",
        &format!("{{\"registry-mirrors\": [{}]}}", mirrors.join(",")),
    );
    let made = root.sh(
        "mkdir -p /etc/docker/certs.d/mirror0.invalid && for i in $(seq 1 30); do head -c 8388000 /dev/zero | tr '\\0' 'A' > /etc/docker/certs.d/mirror0.invalid/ca$i.crt; done",
    );
    assert!(made.status.success(), "{made:?}");
    let home = tempfile::tempdir().unwrap();
    let run = capture(doctor_through(
        root.launcher(),
        home.path(),
        &[],
        &[
            "--format",
            "json",
            "--timeout",
            TIMEOUT,
            "--only",
            "registry,ca,daemon,proxy",
        ],
    ));
    within_bounds("1500 mirrors and a 240 MiB certs.d", &run);
    let r = run.json();
    let f = finding(&r, "registry.not-checked");
    assert!(
        f["summary"].as_str().unwrap().contains("1484 more are not"),
        "{f}"
    );
}
