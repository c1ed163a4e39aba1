//! A private dockerd for the tests: its own socket, data and exec root.

use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A private dockerd: its own socket, data, exec root and pidfile in a temp dir; stopped
/// (SIGTERM, then SIGKILL) when dropped.
pub struct Dockerd {
    pub dir: tempfile::TempDir,
    exec_root: PathBuf,
    child: Child,
}

impl Dockerd {
    pub fn start() -> Dockerd {
        Dockerd::start_in(None, &[])
    }

    /// A dockerd in a network namespace, with extra environment (its
    /// proxy variables, as a systemd drop-in would give them).
    pub fn start_in(netns: Option<&str>, env: &[(&str, &str)]) -> Dockerd {
        Dockerd::start_with(netns, env, &[])
    }

    /// A dockerd with extra flags (more `-H` listeners, `--tlsverify` and its files).
    pub fn start_with(netns: Option<&str>, env: &[(&str, &str)], extra: &[String]) -> Dockerd {
        ensure_group("docker");
        let dir = tempfile::Builder::new()
            .prefix("dd-daemon-")
            .tempdir()
            .unwrap();
        // Unprivileged test users must reach the socket through this directory.
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
        let p = dir.path();
        // The exec root holds containerd's socket and must stay short (sun_path limit).
        let exec_root = PathBuf::from(format!(
            "/run/dd-{}",
            p.file_name().unwrap().to_string_lossy()
        ));
        let mut cmd = match netns {
            Some(ns) => {
                // nsenter, not `ip netns exec`: the latter remounts /sys, hiding the cgroup
                // mounts dockerd needs.
                let mut c = Command::new("nsenter");
                c.arg(format!("--net=/run/netns/{ns}")).arg("env");
                for (k, v) in env {
                    c.arg(format!("{k}={v}"));
                }
                c.arg("dockerd");
                c
            }
            None => {
                let mut c = Command::new("dockerd");
                c.envs(env.iter().copied());
                c
            }
        };
        let child = cmd
            .arg("-H")
            .arg(format!("unix://{}", p.join("docker.sock").display()))
            .args([
                "--iptables=false",
                "--ip6tables=false",
                "--bridge=none",
                "--storage-driver=vfs",
                "--group",
                "docker",
            ])
            .arg("--data-root")
            .arg(p.join("data"))
            .arg("--exec-root")
            .arg(&exec_root)
            .arg("--pidfile")
            .arg(p.join("docker.pid"))
            .args(extra)
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(p.join("dockerd.log")).unwrap())
            .spawn()
            .expect("dockerd starts (apt-get install docker.io)");
        let d = Dockerd {
            dir,
            exec_root,
            child,
        };
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            let ok = Command::new("docker")
                .arg("-H")
                .arg(d.host())
                .args(["version", "--format", "{{.Server.Version}}"])
                .output()
                .is_ok_and(|o| o.status.success());
            if ok {
                return d;
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        panic!(
            "dockerd did not come up:\n{}",
            std::fs::read_to_string(d.dir.path().join("dockerd.log")).unwrap_or_default()
        );
    }

    pub fn socket(&self) -> PathBuf {
        self.dir.path().join("docker.sock")
    }

    pub fn host(&self) -> String {
        format!("unix://{}", self.socket().display())
    }

    /// What `docker version` says the server is, to compare with our report.
    pub fn server_version(&self) -> String {
        let out = Command::new("docker")
            .arg("-H")
            .arg(self.host())
            .args(["version", "--format", "{{.Server.Version}}"])
            .output()
            .unwrap();
        String::from_utf8(out.stdout).unwrap().trim().to_string()
    }
}

impl Drop for Dockerd {
    fn drop(&mut self) {
        let pid = self.child.id().to_string();
        let _ = Command::new("kill").args(["-TERM", &pid]).status();
        let deadline = Instant::now() + Duration::from_secs(15);
        while Instant::now() < deadline && !matches!(self.child.try_wait(), Ok(Some(_))) {
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.exec_root);
    }
}

pub fn ensure_group(name: &str) {
    let _ = Command::new("groupadd").args(["-f", name]).status();
}
