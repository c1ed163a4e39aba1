//! The Linux and macOS shim: what std has no portable call for (owners and modes of files,
//! the user and group databases, statvfs, signals). Nothing here parses.

use super::{FileKind, FileStat, FsStats, Group, Identity};
use crate::facts::listeners::Listener;
use nix::unistd::{self, Gid, Uid};
use rustls::pki_types::CertificateDer;
use std::fs;
use std::io;
use std::os::unix::fs::{FileTypeExt, MetadataExt, OpenOptionsExt};
use std::path::Path;

pub fn stat(path: &Path) -> io::Result<FileStat> {
    let m = fs::metadata(path)?;
    let t = m.file_type();
    let kind = if t.is_socket() {
        FileKind::Socket
    } else if t.is_dir() {
        FileKind::Dir
    } else if t.is_file() {
        FileKind::File
    } else {
        FileKind::Other
    };
    Ok(FileStat {
        kind,
        uid: m.uid(),
        gid: m.gid(),
        mode: m.mode() & 0o7777,
        identity: Some((m.dev(), m.ino())),
    })
}

fn group(gid: Gid) -> Group {
    let name = unistd::Group::from_gid(gid)
        .ok()
        .flatten()
        .map(|g| g.name)
        .unwrap_or_else(|| gid.as_raw().to_string());
    Group {
        gid: gid.as_raw(),
        name,
    }
}

/// This process's user, and its groups as the process has them and as the account has
/// them in the group database (they differ until the next login after `usermod`).
pub fn identity() -> Identity {
    let uid = Uid::current();
    let gid = Gid::current();
    let account = unistd::User::from_uid(uid).ok().flatten();
    let user = account
        .as_ref()
        .map(|u| u.name.clone())
        .or_else(|| std::env::var("USER").ok())
        .unwrap_or_else(|| uid.as_raw().to_string());
    let (process_groups, account_groups) = match &account {
        Some(u) => groups_of(u),
        None => (Vec::new(), Vec::new()),
    };
    Identity {
        uid: uid.as_raw(),
        gid: gid.as_raw(),
        user,
        home: account.map(|u| u.dir),
        process_groups,
        account_groups,
    }
}

/// The groups of this process (`getgroups`) and of the account in the group database
/// (`getgrouplist`).
#[cfg(not(target_vendor = "apple"))]
fn groups_of(u: &unistd::User) -> (Vec<Group>, Vec<Group>) {
    use std::ffi::CString;
    let process = unistd::getgroups()
        .unwrap_or_default()
        .into_iter()
        .map(group)
        .collect();
    let account = CString::new(u.name.as_str())
        .ok()
        .and_then(|name| unistd::getgrouplist(&name, u.gid).ok())
        .unwrap_or_default()
        .into_iter()
        .map(group)
        .collect();
    (process, account)
}

/// nix has neither `getgroups` nor `getgrouplist` on Apple platforms: the account's
/// groups as sysinfo reads them stand for both (macOS applies a new group at once for
/// new processes; nothing like Linux's stale login session to tell apart).
#[cfg(target_vendor = "apple")]
fn groups_of(u: &unistd::User) -> (Vec<Group>, Vec<Group>) {
    let groups = super::native::account_groups(&u.name);
    (groups.clone(), groups)
}

pub fn group_by_name(name: &str) -> Option<Group> {
    unistd::Group::from_name(name)
        .ok()
        .flatten()
        .map(|g| Group {
            gid: g.gid.as_raw(),
            name: g.name,
        })
}

pub fn group_name(gid: u32) -> Option<String> {
    unistd::Group::from_gid(Gid::from_raw(gid))
        .ok()
        .flatten()
        .map(|g| g.name)
}

pub fn user_name(uid: u32) -> Option<String> {
    unistd::User::from_uid(Uid::from_raw(uid))
        .ok()
        .flatten()
        .map(|u| u.name)
}

pub fn fs_stats(path: &Path) -> io::Result<FsStats> {
    let s = nix::sys::statvfs::statvfs(path).map_err(io::Error::from)?;
    let frag = s.fragment_size() as u64;
    Ok(FsStats {
        total_bytes: s.blocks() as u64 * frag,
        avail_bytes: s.blocks_available() as u64 * frag,
        total_inodes: s.files() as u64,
        avail_inodes: s.files_available() as u64,
    })
}

/// Stops a program at once (it wrote past the cap; nothing more it says is read).
pub fn kill(pid: u32) {
    let _ = nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(pid as i32),
        nix::sys::signal::Signal::SIGKILL,
    );
}

/// Opens without blocking (a FIFO would wait for a writer) and without taking a terminal.
pub fn open_nonblocking(path: &Path) -> io::Result<fs::File> {
    fs::OpenOptions::new()
        .read(true)
        .custom_flags(nix::libc::O_NONBLOCK | nix::libc::O_NOCTTY)
        .open(path)
}

/// The keychains on macOS; Linux's store is the bundle file Go reads (facts::trust).
pub fn native_roots() -> Option<(String, Vec<CertificateDer<'static>>)> {
    cfg!(target_os = "macos").then(|| {
        (
            "the macOS keychains".to_string(),
            super::native::os_trust_store(),
        )
    })
}

/// macOS lists sockets with their owners; Linux's procfs says more (facts::listeners).
pub fn native_listeners() -> Option<Vec<Listener>> {
    if cfg!(target_os = "linux") {
        None
    } else {
        super::native::listeners_from_os()
    }
}

/// A connection to the daemon's Unix socket.
pub async fn connect_unix(path: &Path) -> std::io::Result<tokio::net::UnixStream> {
    tokio::net::UnixStream::connect(path).await
}

pub fn unix_client(
    path: &str,
    timeout_secs: u64,
    version: &bollard::ClientVersion,
) -> Result<bollard::Docker, bollard::errors::Error> {
    bollard::Docker::connect_with_unix(path, timeout_secs, version)
}

pub fn named_pipe_client(
    _url: &str,
    _timeout_secs: u64,
    _version: &bollard::ClientVersion,
) -> Result<bollard::Docker, bollard::errors::Error> {
    Err(bollard::errors::Error::UnsupportedURISchemeError {
        uri: "npipe:// (named pipes exist only on Windows)".into(),
    })
}

/// What kind of file a non-regular file is, to name it when refusing it.
pub fn special_kind(t: &fs::FileType) -> &'static str {
    if t.is_fifo() {
        "FIFO"
    } else if t.is_char_device() || t.is_block_device() {
        "device"
    } else if t.is_socket() {
        "socket"
    } else if t.is_dir() {
        "directory"
    } else {
        "special file"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The Apple path, run here: sysinfo's account groups agree with the group database.
    #[test]
    fn account_groups_agree_with_the_group_database() {
        let me = unistd::User::from_uid(Uid::current()).unwrap().unwrap();
        let (_, from_db) = groups_of(&me);
        let from_sysinfo = super::super::native::account_groups(&me.name);
        for g in &from_sysinfo {
            assert!(
                from_db.iter().any(|d| d.gid == g.gid),
                "{g:?} not in {from_db:?}"
            );
        }
        assert!(from_sysinfo.iter().any(|g| g.gid == me.gid.as_raw()) || from_sysinfo.is_empty());
    }
}
