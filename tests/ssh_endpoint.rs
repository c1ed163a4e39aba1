//! `ssh://` endpoints, checked as the CLI reaches them (`ssh ... docker system
//! dial-stdio`), against a real sshd (openssh-server, started directly: no systemd here)
//! on 127.0.0.1 and a real dockerd. Remote users differ per case (sshd `Match User`):
//! healthy, not in the remote docker group, no `docker` on the remote PATH, remote daemon
//! down. The client is a real user whose own ~/.ssh holds its key and known_hosts, as ssh
//! reads them. No run waits for a prompt.
#![cfg(target_os = "linux")] // needs Linux (sshd, setpriv, a real dockerd)

mod common;

use common::dockerd::Dockerd;
use common::*;
use serde_json::Value;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const CLIENT: &str = "dd-sshclient";

fn run(argv: &[&str]) {
    let ok = Command::new(argv[0]).args(&argv[1..]).status().unwrap();
    assert!(ok.success(), "{argv:?}");
}

fn keygen(path: &Path) -> String {
    run(&[
        "ssh-keygen",
        "-q",
        "-t",
        "ed25519",
        "-N",
        "",
        "-f",
        path.to_str().unwrap(),
    ]);
    std::fs::read_to_string(path.with_extension("pub")).unwrap()
}

struct Sshd(Child);

impl Drop for Sshd {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The doctor as the client user, whose passwd home is `home` (ssh reads ~/.ssh from
/// there, not from $HOME).
fn doctor_as_client(home: &Path, bin: &Path, host: &str) -> Value {
    let (uid, gid) = users::ensure_user_ids(CLIENT);
    let mut cmd = Command::new("setpriv");
    cmd.arg(format!("--reuid={uid}"))
        .arg(format!("--regid={gid}"))
        .arg("--init-groups")
        .args(["--", "env", "-i", "PATH=/usr/local/bin:/usr/bin:/bin"])
        .arg(format!("HOME={}", home.display()))
        .arg(format!("USER={CLIENT}"))
        .arg(format!("DOCKER_HOST={host}"))
        .arg(bin)
        .args([
            "--format",
            "json",
            "--offline",
            "--only",
            "endpoint,daemon",
            "--timeout",
            "8",
        ]);
    let run = capture(cmd);
    assert!(
        run.elapsed < Duration::from_secs(9),
        "took {:?} for {host}",
        run.elapsed
    );
    run.json()
}

#[test]
#[ignore = "needs root, openssh-server and Debian's docker.io; run through scripts/test.sh"]
fn ssh_daemons_are_checked_the_way_the_cli_reaches_them() {
    let d = Dockerd::start();
    let lab = tempfile::Builder::new()
        .prefix("dd-ssh-")
        .tempdir()
        .unwrap();
    std::fs::set_permissions(lab.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let l = lab.path();

    // Remote users, each for one case.
    users::ensure_user("dd-sshremote", &["docker"]);
    users::ensure_user("dd-sshnogroup", &[]);
    users::ensure_user("dd-sshnodocker", &[]);
    users::ensure_user("dd-sshdown", &["docker"]);
    users::ensure_user("dd-sshkeyless", &[]);
    // sshd without PAM refuses every login of an account whose password is locked ("!",
    // useradd's default): "*" is no password, and not locked.
    for user in [
        "dd-sshremote",
        "dd-sshnogroup",
        "dd-sshnodocker",
        "dd-sshdown",
        "dd-sshkeyless",
    ] {
        run(&["usermod", "-p", "*", user]);
    }
    // The client: a real home of its own.
    let home = l.join("client-home");
    std::fs::create_dir_all(home.join(".ssh")).unwrap();
    users::ensure_user(CLIENT, &[]);
    run(&["usermod", "-d", home.to_str().unwrap(), CLIENT]);
    let client_pub = keygen(&home.join(".ssh/id_ed25519"));

    let host_pub = keygen(&l.join("host_key"));
    let other_host_pub = keygen(&l.join("other_host_key"));
    for user in [
        "dd-sshremote",
        "dd-sshnogroup",
        "dd-sshnodocker",
        "dd-sshdown",
    ] {
        std::fs::write(l.join(format!("authorized_keys_{user}")), &client_pub).unwrap();
    }
    let port = free_port();
    let socket = d.socket().display().to_string();
    std::fs::create_dir_all("/run/sshd").unwrap();
    let config = format!(
        "ListenAddress 127.0.0.1
Port {port}
HostKey {hk}
PidFile none
UsePAM no
StrictModes no
PasswordAuthentication no
KbdInteractiveAuthentication no
AuthorizedKeysFile {l}/authorized_keys_%u
SetEnv PATH=/usr/local/bin:/usr/bin:/bin DOCKER_HOST=unix://{socket}
Match User dd-sshnodocker
    SetEnv PATH=/nonexistent
Match User dd-sshdown
    SetEnv PATH=/usr/local/bin:/usr/bin:/bin DOCKER_HOST=unix:///nonexistent/docker.sock
",
        hk = l.join("host_key").display(),
        l = l.display(),
    );
    std::fs::write(l.join("sshd_config"), config).unwrap();
    let sshd = Sshd(
        Command::new("/usr/sbin/sshd")
            .args(["-D", "-e", "-f"])
            .arg(l.join("sshd_config"))
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(l.join("sshd.log")).unwrap())
            .spawn()
            .expect("sshd runs (apt-get install openssh-server)"),
    );
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "sshd did not come up");
        std::thread::sleep(Duration::from_millis(100));
    }
    let known = |key: &str| {
        let key = key.split_whitespace().take(2).collect::<Vec<_>>().join(" ");
        std::fs::write(
            home.join(".ssh/known_hosts"),
            format!("[127.0.0.1]:{port} {key}\n"),
        )
        .unwrap();
    };
    run(&["chown", "-R", &format!("{CLIENT}:"), home.to_str().unwrap()]);
    let bin = users::shared_binary(l);
    let url = |user: &str| format!("ssh://{user}@127.0.0.1:{port}");

    // The host key is not known: named, with the key offered now to compare, no prompt.
    let r = doctor_as_client(&home, &bin, &url("dd-sshremote"));
    let f = finding(&r, "daemon.ssh-host-key");
    assert!(
        f["summary"]
            .as_str()
            .unwrap()
            .contains("not in known_hosts"),
        "{f}"
    );
    let fingerprint = String::from_utf8(
        Command::new("ssh-keygen")
            .args(["-lf"])
            .arg(l.join("host_key.pub"))
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    let sha = fingerprint.split_whitespace().nth(1).unwrap();
    assert!(
        f.to_string().contains(sha),
        "{sha} not offered in {f}\nsshd said:\n{}",
        std::fs::read_to_string(l.join("sshd.log")).unwrap_or_default()
    );
    assert!(!commands(f).contains("StrictHostKeyChecking=no"));

    // A changed host key.
    known(&other_host_pub);
    run(&[
        "chown",
        &format!("{CLIENT}:"),
        home.join(".ssh/known_hosts").to_str().unwrap(),
    ]);
    let r = doctor_as_client(&home, &bin, &url("dd-sshremote"));
    let f = finding(&r, "daemon.ssh-host-key");
    assert!(f["summary"].as_str().unwrap().contains("CHANGED"), "{f}");
    assert!(commands(f).contains("ssh-keygen -R"), "{f}");

    // Known: healthy, with the remote engine and version.
    known(&host_pub);
    run(&[
        "chown",
        &format!("{CLIENT}:"),
        home.join(".ssh/known_hosts").to_str().unwrap(),
    ]);
    let r = doctor_as_client(&home, &bin, &url("dd-sshremote"));
    let ok = finding(&r, "daemon.ok");
    assert!(
        ok["summary"]
            .as_str()
            .unwrap()
            .contains(&d.server_version()),
        "{ok}"
    );
    let resolved = finding(&r, "endpoint.resolved");
    assert_eq!(evidence(resolved, "kind"), Some("ssh"));

    // Each remote failure, named for the remote machine.
    for (user, id, says) in [
        (
            "dd-sshkeyless",
            "daemon.ssh-key-refused",
            "refuses the ssh keys",
        ),
        (
            "dd-sshnogroup",
            "daemon.ssh-remote-permission-denied",
            "cannot open",
        ),
        (
            "dd-sshnodocker",
            "daemon.ssh-remote-docker-missing",
            "not on",
        ),
        (
            "dd-sshdown",
            "daemon.ssh-remote-daemon-down",
            "no daemon answers",
        ),
    ] {
        let r = doctor_as_client(&home, &bin, &url(user));
        let f = finding(&r, id);
        assert!(f["summary"].as_str().unwrap().contains(says), "{user}: {f}");
        for local in ["service docker", "systemctl", "journalctl"] {
            assert!(!commands(f).contains(local), "{user}: {f}");
        }
    }
    let closed = format!("ssh://dd-sshremote@127.0.0.1:{}", free_port());
    let r = doctor_as_client(&home, &bin, &closed);
    finding(&r, "daemon.ssh-unreachable");
    drop(sshd);
}
