//! Real unprivileged accounts for the tests, and the binary where they can run it.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

/// A real account for the test, created once, in exactly the groups given.
pub fn ensure_user(name: &str, groups: &[&str]) -> (u32, u32) {
    if Command::new("id")
        .arg(name)
        .output()
        .map(|o| !o.status.success())
        .unwrap_or(true)
    {
        let status = Command::new("useradd")
            .args([
                "--no-create-home",
                "--home-dir",
                "/nonexistent",
                "--shell",
                "/bin/sh",
                name,
            ])
            .status()
            .unwrap();
        assert!(status.success(), "useradd {name}");
    }
    let list = groups.join(",");
    // -G sets the supplementary groups to exactly this list (empty removes all).
    let status = Command::new("usermod")
        .args(["-G", &list, name])
        .status()
        .unwrap();
    assert!(status.success(), "usermod -G {list} {name}");
    ensure_user_ids(name)
}

/// The binary, copied where any user can execute it (the checkout may be under /root).
pub fn shared_binary(dir: &Path) -> PathBuf {
    let dest = dir.join("docker-doctor");
    if !dest.exists() {
        std::fs::copy(super::bin(), &dest).unwrap();
        std::fs::set_permissions(&dest, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    dest
}

pub fn ensure_user_ids(user: &str) -> (u32, u32) {
    let id = |flag: &str| -> u32 {
        let o = Command::new("id").args([flag, user]).output().unwrap();
        String::from_utf8(o.stdout).unwrap().trim().parse().unwrap()
    };
    (id("-u"), id("-g"))
}
