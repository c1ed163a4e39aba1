//! A private mount namespace where a fix that writes the system can really be applied: a
//! writable copy of /etc and empty /run, /var/log and /var/lib/docker, all gone with it.

use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

pub struct PrivateRoot {
    pub dir: tempfile::TempDir,
    holder: Child,
}

/// Sets up the mounts, then holds the namespace open until dropped.
// Another test adding a user writes /etc/passwd+ and its locks beside the copy: a file
// gone between cp's listing and its read fails the copy, which is then taken again.
const SETUP: &str = r#"set -e
n=0
until cp -a /etc "$1/etc"; do
    n=$((n + 1))
    [ "$n" -lt 5 ] || exit 1
    rm -rf "$1/etc"
    sleep 0.2
done
mount --bind "$1/etc" /etc
mount -t tmpfs dd-run /run
mkdir -p /var/lib/docker /var/log
mount -t tmpfs dd-lib /var/lib/docker
mount -t tmpfs dd-log /var/log
touch "$1/ready"
exec sleep 3600
"#;

impl PrivateRoot {
    pub fn new() -> PrivateRoot {
        let dir = tempfile::Builder::new()
            .prefix("dd-root-")
            .tempdir()
            .unwrap();
        let holder = Command::new("unshare")
            .args([
                "--mount",
                "--propagation",
                "private",
                "sh",
                "-c",
                SETUP,
                "sh",
            ])
            .arg(dir.path())
            .stdin(Stdio::null())
            .spawn()
            .expect("unshare (util-linux) runs");
        let mut root = PrivateRoot { dir, holder };
        let deadline = Instant::now() + Duration::from_secs(30);
        while !root.dir.path().join("ready").exists() {
            // The setup stopped at a failing step (its message is on stderr above).
            if let Ok(Some(status)) = root.holder.try_wait() {
                panic!("the private root's setup failed: {status}");
            }
            assert!(Instant::now() < deadline, "the private root was not set up");
            std::thread::sleep(Duration::from_millis(50));
        }
        root
    }

    /// `program` run inside the namespace.
    pub fn command(&self, program: impl AsRef<std::ffi::OsStr>) -> Command {
        let mut cmd = self.launcher();
        cmd.arg(program);
        cmd
    }

    /// `nsenter` into the namespace, waiting for the program to run.
    pub fn launcher(&self) -> Command {
        let mut cmd = Command::new("nsenter");
        cmd.arg(format!("--target={}", self.holder.id()))
            .arg("--mount")
            .arg("--");
        cmd
    }

    /// A shell line run inside the namespace as root; its output.
    pub fn sh(&self, line: &str) -> Output {
        self.command("sh").arg("-c").arg(line).output().unwrap()
    }

    /// A shell line run inside the namespace as root, in the network namespace `netns`
    /// too (a sysctl of the net tree is the caller's namespace's).
    pub fn sh_in_net(&self, netns: &str, line: &str) -> Output {
        // Into the network namespace first: /run/netns is this one's, not the root's.
        let inner = self.launcher();
        Command::new("nsenter")
            .arg(format!("--net=/run/netns/{netns}"))
            .arg("--")
            .arg(inner.get_program())
            .args(inner.get_args())
            .args(["sh", "-c", line])
            .output()
            .unwrap()
    }

    /// Writes `/etc/<rel>` as the namespace sees it.
    pub fn etc(&self, rel: &str, contents: &str) {
        let path = self.dir.path().join("etc").join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, contents).unwrap();
    }

    /// `/etc/<rel>` as the namespace sees it.
    pub fn read_etc(&self, rel: &str) -> String {
        std::fs::read_to_string(self.dir.path().join("etc").join(rel)).unwrap_or_default()
    }

    /// Whether a daemon answers on the default socket within 3 s.
    pub fn wait_for_daemon_briefly(&self) -> bool {
        let deadline = Instant::now() + Duration::from_secs(3);
        while Instant::now() < deadline {
            if self
                .command("docker")
                .args(["-H", "unix:///var/run/docker.sock", "version"])
                .output()
                .is_ok_and(|o| o.status.success())
            {
                return true;
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        false
    }

    /// Waits until a daemon answers on `socket` inside the namespace.
    pub fn wait_for_daemon(&self, socket: &Path) -> bool {
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            let up = self
                .command("docker")
                .arg("-H")
                .arg(format!("unix://{}", socket.display()))
                .arg("version")
                .output()
                .is_ok_and(|o| o.status.success());
            if up {
                return true;
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        false
    }
}

impl Drop for PrivateRoot {
    fn drop(&mut self) {
        // A daemon started by the init script inside keeps the namespace alive: stop it.
        let _ = self.sh(
            "[ -f /run/docker-ssd.pid ] && /etc/init.d/docker stop >/dev/null 2>&1; \
             [ -f /run/docker-ssd.pid ] && kill -9 $(cat /run/docker-ssd.pid) 2>/dev/null; true",
        );
        let _ = self.holder.kill();
        let _ = self.holder.wait();
    }
}

/// What /etc/default/docker holds on a test machine: the init script's daemon must not touch
/// the host's network or need a storage driver beyond vfs.
pub const TEST_DOCKER_OPTS: &str =
    "DOCKER_OPTS=\"--iptables=false --ip6tables=false --bridge=none --storage-driver=vfs\"\n";

/// A private root whose daemon is Debian's init script with TEST_DOCKER_OPTS.
pub fn init_script_root() -> PrivateRoot {
    super::dockerd::ensure_group("docker");
    let root = PrivateRoot::new();
    root.etc(
        "default/docker",
        &format!("# options of this machine's daemon\n{TEST_DOCKER_OPTS}"),
    );
    // In a container without CAP_SYS_RESOURCE the script's `ulimit -n 1048576` (and -p/-u
    // unlimited) fail and, under `set -e`, stop it. Only there, the copy lets them fail:
    // the sandbox's limits, not what these tests are about.
    let raise = Command::new("sh")
        .args(["-c", "ulimit -n 1048576"])
        .output()
        .unwrap();
    if !raise.status.success() {
        let script: String = root
            .read_etc("init.d/docker")
            .lines()
            .map(|l| match l.trim_start().starts_with("ulimit ") {
                true => format!("{l} 2>/dev/null || true\n"),
                false => format!("{l}\n"),
            })
            .collect();
        root.etc("init.d/docker", &script);
    }
    root
}
