//! The Linux and macOS shim: what std has no portable call for (owners and modes of files,
//! the user and group databases, statvfs, signals). Nothing here parses.

use super::{FileKind, FileStat, FsStats, Group, Identity};
use crate::shared::Listener;
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

#[cfg(not(target_vendor = "apple"))] // macOS takes groups from sysinfo (groups_of)
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

/// The writing half of `safe_write`: in the folder `dir` (opened once, every later step
/// relative to it), a new temporary file `O_CREAT|O_EXCL|O_NOFOLLOW` 0600, filled, synced,
/// then renamed over `name` if that is absent or a regular file.
pub fn replace_file(
    dir: &Path,
    name: &std::ffi::OsStr,
    target: &Path,
    keep: crate::safe_write::Keep,
    fill: &mut dyn FnMut(&mut fs::File) -> io::Result<()>,
) -> Result<u64, crate::safe_write::WriteError> {
    use crate::safe_write::{Keep, WriteError, describe, temp_name};
    use nix::fcntl::{AtFlags, OFlag, openat, renameat};
    use nix::sys::stat::{Mode, SFlag, fchmod, fstatat};
    let err = |e: io::Error| WriteError::io(target, e);
    let nix_err = |e: nix::Error| WriteError::io(target, io::Error::from(e));
    // A folder that is a link is followed only when this user or root made the link.
    if let Ok(m) = fs::symlink_metadata(dir)
        && m.file_type().is_symlink()
        && m.uid() != 0
        && m.uid() != unistd::geteuid().as_raw()
    {
        return Err(WriteError::UntrustedFolder {
            path: dir.to_path_buf(),
            owner: m.uid(),
        });
    }
    let dirfd = nix::fcntl::open(
        dir,
        OFlag::O_RDONLY | OFlag::O_DIRECTORY | OFlag::O_CLOEXEC,
        Mode::empty(),
    )
    .map_err(|e| WriteError::io(dir, io::Error::from(e)))?;
    // What is at the target now: nothing, or a regular file (whose mode and owner a
    // configuration file keeps).
    let in_the_way = |st: &nix::sys::stat::FileStat| -> Option<WriteError> {
        let kind = SFlag::from_bits_truncate(st.st_mode) & SFlag::S_IFMT;
        (kind != SFlag::S_IFREG).then(|| WriteError::NotAFile {
            path: target.to_path_buf(),
            kind: fs::symlink_metadata(target)
                .map(|m| describe(&m.file_type(), target))
                .unwrap_or_else(|_| "not a regular file".into()),
        })
    };
    let existing = match fstatat(&dirfd, name, AtFlags::AT_SYMLINK_NOFOLLOW) {
        Ok(st) => {
            if let Some(e) = in_the_way(&st) {
                return Err(e);
            }
            Some(st)
        }
        Err(nix::Error::ENOENT) => None,
        Err(e) => return Err(nix_err(e)),
    };
    let tmp = temp_name(name);
    let fd = openat(
        &dirfd,
        tmp.as_os_str(),
        OFlag::O_WRONLY | OFlag::O_CREAT | OFlag::O_EXCL | OFlag::O_NOFOLLOW | OFlag::O_CLOEXEC,
        Mode::from_bits_truncate(0o600),
    )
    .map_err(nix_err)?;
    let mut file = fs::File::from(fd);
    let remove_tmp = || {
        let _ = unistd::unlinkat(&dirfd, tmp.as_os_str(), unistd::UnlinkatFlags::NoRemoveDir);
    };
    let result = (|| -> io::Result<u64> {
        fchmod(&file, Mode::from_bits_truncate(0o600)).map_err(io::Error::from)?;
        fill(&mut file)?;
        file.sync_all()?;
        if keep == Keep::ExistingModeAndOwner
            && let Some(old) = &existing
        {
            if unistd::geteuid().is_root() {
                unistd::fchown(
                    &file,
                    Some(Uid::from_raw(old.st_uid)),
                    Some(Gid::from_raw(old.st_gid)),
                )
                .map_err(io::Error::from)?;
            }
            fchmod(&file, Mode::from_bits_truncate(old.st_mode & 0o7777))
                .map_err(io::Error::from)?;
        } else if keep == Keep::WorldReadable {
            // Only once the contents are complete: a reader never sees a partial file.
            fchmod(&file, Mode::from_bits_truncate(0o644)).map_err(io::Error::from)?;
        } else if keep == Keep::Private
            && let Some(old) = &existing
            && unistd::geteuid().is_root()
            && old.st_uid != 0
        {
            // Root replacing a user's own earlier file leaves it to that user, still 0600.
            unistd::fchown(&file, Some(Uid::from_raw(old.st_uid)), None)
                .map_err(io::Error::from)?;
        }
        Ok(file.metadata()?.len())
    })();
    let size = match result {
        Ok(n) => n,
        Err(e) => {
            remove_tmp();
            return Err(err(e));
        }
    };
    // Looked at again right before the rename: something put there meanwhile is refused
    // too (rename would replace a link, not follow it, but the user asked for a file).
    match fstatat(&dirfd, name, AtFlags::AT_SYMLINK_NOFOLLOW) {
        Ok(st) => {
            if let Some(e) = in_the_way(&st) {
                remove_tmp();
                return Err(e);
            }
        }
        Err(nix::Error::ENOENT) => {}
        Err(e) => {
            remove_tmp();
            return Err(nix_err(e));
        }
    }
    if let Err(e) = renameat(&dirfd, tmp.as_os_str(), &dirfd, name) {
        remove_tmp();
        return Err(nix_err(e));
    }
    let _ = nix::unistd::fsync(&dirfd);
    Ok(size)
}

/// `mkdir -p` with 0700 for the folders it creates.
pub fn create_private_dir(dir: &Path) -> io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
}

/// Whether a thread can take another user's file-system rights alone (Linux's fsuid).
pub const FILE_RIGHTS_PER_THREAD: bool = cfg!(target_os = "linux");

/// This thread reads files as `uid`/`gid` would: fsgid, fsuid and no supplementary groups,
/// set with raw system calls, which (unlike glibc's `setgroups`) change this thread only.
/// Root's file capabilities are dropped with the fsuid (see capabilities(7)).
#[cfg(target_os = "linux")]
pub fn assume_file_rights(uid: u32, gid: u32) -> io::Result<()> {
    use nix::libc;
    // SAFETY: plain system calls on this thread's credentials; no memory is passed but a
    // null list of length 0.
    unsafe {
        if libc::syscall(libc::SYS_setgroups, 0, std::ptr::null::<libc::gid_t>()) != 0 {
            return Err(io::Error::last_os_error());
        }
        libc::syscall(libc::SYS_setfsgid, gid);
        libc::syscall(libc::SYS_setfsuid, uid);
        // setfsuid answers the previous value: asked again, it must be the new one.
        let now = libc::syscall(libc::SYS_setfsuid, uid) as u32;
        if now != uid {
            return Err(io::Error::new(
                io::ErrorKind::PermissionDenied,
                format!("cannot read as uid {uid}"),
            ));
        }
    }
    Ok(())
}

/// Elsewhere a thread cannot: only the user's own files are read (see [`owned_by`]).
#[cfg(not(target_os = "linux"))]
pub fn assume_file_rights(_uid: u32, _gid: u32) -> io::Result<()> {
    Ok(())
}

/// The open file belongs to `uid`, or it is refused.
pub fn owned_by(f: &fs::File, uid: u32) -> io::Result<()> {
    let m = f.metadata()?;
    if m.uid() == uid {
        Ok(())
    } else {
        Err(io::Error::new(
            io::ErrorKind::PermissionDenied,
            format!(
                "owned by uid {}, not by uid {uid} whose folder it is in",
                m.uid()
            ),
        ))
    }
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
