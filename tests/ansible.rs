//! The fleet playbook (contrib/ansible/docker-doctor.yml) run for real with Debian's
//! ansible-core against two machines: this one over the local connection (as root), and a
//! second reached over ssh as an unprivileged test user (an sshd started by the test on a
//! loopback port, with a generated host key and client key). The second machine is asked
//! to check a port that is taken (sshd's own), so the summary must name it, and only it,
//! for that finding; the baseline's rule about that port names both.

#![cfg(target_os = "linux")]

mod common;

use common::*;
use std::path::Path;
use std::process::{Child, Command};

const USER: &str = "dd-fleet";

struct Sshd(Child);

impl Drop for Sshd {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn run(cmd: &mut Command) {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{cmd:?}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The test user, with a home (ansible's temporary files, the binary) and an account
/// sshd accepts (a locked password would refuse even a key).
fn ensure_fleet_user(pubkey: &str) -> std::path::PathBuf {
    let home = Path::new("/home").join(USER);
    if !Command::new("id")
        .arg(USER)
        .output()
        .unwrap()
        .status
        .success()
    {
        run(Command::new("useradd").args([
            "--create-home",
            "--home-dir",
            &home.display().to_string(),
            "--shell",
            "/bin/sh",
            USER,
        ]));
    }
    run(Command::new("usermod").args(["-p", "*", USER]));
    let ssh = home.join(".ssh");
    std::fs::create_dir_all(&ssh).unwrap();
    std::fs::write(ssh.join("authorized_keys"), pubkey).unwrap();
    run(Command::new("chown").args(["-R", &format!("{USER}:{USER}"), &home.display().to_string()]));
    run(Command::new("chmod").args(["700", &ssh.display().to_string()]));
    home
}

fn start_sshd(dir: &Path, port: u16) -> Sshd {
    let host_key = dir.join("host_ed25519");
    run(Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-f"])
        .arg(&host_key));
    let config = dir.join("sshd_config");
    std::fs::write(
        &config,
        format!(
            "ListenAddress 127.0.0.1\nHostKey {}\nPidFile {}\nPasswordAuthentication no\n\
             KbdInteractiveAuthentication no\nPubkeyAuthentication yes\nUsePAM no\n\
             AllowUsers {USER}\nStrictModes no\nSubsystem sftp internal-sftp\n",
            host_key.display(),
            dir.join("sshd.pid").display()
        ),
    )
    .unwrap();
    std::fs::create_dir_all("/run/sshd").unwrap();
    let child = Command::new("/usr/sbin/sshd")
        .args(["-D", "-e", "-p", &port.to_string(), "-f"])
        .arg(&config)
        .stdout(std::process::Stdio::null())
        .stderr(std::fs::File::create(dir.join("sshd.log")).unwrap())
        .spawn()
        .expect("sshd starts (openssh-server)");
    let sshd = Sshd(child);
    let start = std::time::Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            start.elapsed() < std::time::Duration::from_secs(10),
            "sshd did not listen: {}",
            std::fs::read_to_string(dir.join("sshd.log")).unwrap_or_default()
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    sshd
}

#[test]
#[ignore = "needs root, sshd and ansible-core; run through scripts/test.sh"]
fn the_playbook_checks_two_hosts_and_summarizes_them() {
    assert!(
        nix::unistd::geteuid().is_root(),
        "needs root (useradd, sshd)"
    );
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let key = d.join("id_ed25519");
    run(Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-f"])
        .arg(&key));
    let pubkey = std::fs::read_to_string(d.join("id_ed25519.pub")).unwrap();
    ensure_fleet_user(&pubkey);
    let port = free_port();
    let _sshd = start_sshd(d, port);

    // The binary where the ssh user's scp can read it; the baseline wants sshd's port free.
    let shared = tempfile::Builder::new()
        .prefix("dd-fleet")
        .tempdir_in("/tmp")
        .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(shared.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let binary = users::shared_binary(shared.path());
    let baseline = d.join("corp.toml");
    std::fs::write(&baseline, format!("[ports]\nfree = [{port}]\n")).unwrap();
    let reports = d.join("reports");
    let inventory = d.join("inventory.ini");
    std::fs::write(
        &inventory,
        format!(
            "[fleet]\n\
             workstation ansible_connection=local ansible_python_interpreter=/usr/bin/python3 docker_doctor_args='[\"--offline\"]'\n\
             runner ansible_host=127.0.0.1 ansible_port={port} ansible_user={USER} ansible_ssh_private_key_file={} ansible_python_interpreter=/usr/bin/python3 docker_doctor_args='[\"--offline\", \"--port\", \"{port}\"]'\n",
            key.display()
        ),
    )
    .unwrap();
    let playbook = Path::new(env!("CARGO_MANIFEST_DIR")).join("contrib/ansible/docker-doctor.yml");
    let play = || {
        let mut c = Command::new("ansible-playbook");
        c.arg("-i")
            .arg(&inventory)
            .arg(&playbook)
            .arg("-e")
            .arg(format!("docker_doctor_binary={}", binary.display()))
            .arg("-e")
            .arg(format!("docker_doctor_baseline={}", baseline.display()))
            .arg("-e")
            .arg(format!("docker_doctor_reports={}", reports.display()))
            .arg("-e")
            .arg("docker_doctor_hosts=fleet")
            .env("ANSIBLE_HOST_KEY_CHECKING", "False")
            .env("ANSIBLE_NOCOLOR", "1")
            .env("ANSIBLE_LOCAL_TEMP", d.join("ansible-local"))
            .env(
                "ANSIBLE_SSH_ARGS",
                "-o UserKnownHostsFile=/dev/null -o ControlMaster=no",
            )
            .current_dir(d);
        capture(c)
    };
    let first = play();
    assert_eq!(first.code, 0, "{}\n{}", first.stdout, first.stderr);

    // Both reports came back, and the ssh host's check ran as the test user.
    for host in ["workstation", "runner"] {
        assert!(
            reports.join(format!("{host}.json")).exists(),
            "{}",
            first.stdout
        );
    }
    let runner: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(reports.join("runner.json")).unwrap())
            .unwrap();
    assert!(
        runner.to_string().contains(USER),
        "the runner's report is not the test user's: {runner}"
    );

    // The summary names the right machines.
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(d.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["machines"], 2, "{summary:#}");
    let names = |list: &str, pred: &dyn Fn(&serde_json::Value) -> bool| -> Vec<String> {
        summary[list]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| pred(r))
            .flat_map(|r| r["names"].as_array().unwrap().clone())
            .map(|n| n.as_str().unwrap().to_string())
            .collect()
    };
    let port_taken = names("findings", &|r| {
        r["id"].as_str().unwrap().starts_with("ports.in-use")
    });
    assert_eq!(port_taken, ["runner"], "{summary:#}");
    let mut baseline_port = names("baseline", &|r| r["id"] == "baseline.port");
    baseline_port.sort();
    assert_eq!(baseline_port, ["runner", "workstation"], "{summary:#}");
    // Without a daemon here, neither machine can run containers; with one, both can.
    let daemon_here = ["workstation", "runner"].map(|h| {
        std::fs::read_to_string(reports.join(format!("{h}.json")))
            .unwrap()
            .contains("\"daemon.ok\"")
    });
    let mut blocked: Vec<String> = summary["cannot_run_containers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["machine"].as_str().unwrap().to_string())
        .collect();
    blocked.sort();
    let expected: Vec<String> = ["runner", "workstation"]
        .iter()
        .zip([daemon_here[1], daemon_here[0]])
        .filter(|(_, up)| !up)
        .map(|(h, _)| h.to_string())
        .collect();
    assert_eq!(blocked, expected, "{summary:#}");
    let md = std::fs::read_to_string(d.join("summary.md")).unwrap();
    assert!(
        md.contains("| `baseline.port` | 2 | runner, workstation |"),
        "{md}"
    );
    assert!(
        first.stdout.contains("docker-doctor summary: 2 machine(s)"),
        "{}",
        first.stdout
    );

    // Idempotent: the second run changes nothing on the machines; only the fresh reports
    // are fetched (and the control node's summary files rewritten).
    let second = play();
    assert_eq!(second.code, 0, "{}\n{}", second.stdout, second.stderr);
    let recap = |host: &str| -> String {
        second
            .stdout
            .lines()
            .find(|l| l.starts_with(host) && l.contains("changed="))
            .unwrap_or_default()
            .to_string()
    };
    assert!(recap("runner").contains("changed=1 "), "{}", second.stdout);
    assert!(
        recap("workstation").contains("changed=1 "),
        "{}",
        second.stdout
    );
    // No root on the ssh host: the binary and the report belong to the test user.
    let meta = std::fs::metadata(format!("/home/{USER}/.docker-doctor/report.json")).unwrap();
    use std::os::unix::fs::MetadataExt;
    assert_eq!(meta.uid(), users::ensure_user_ids(USER).0);
}
