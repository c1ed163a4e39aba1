//! The Windows shim: what std and the OS give where Unix has owners, modes and groups.
//! Windows has no uid/gid: the fields stay 0 and the probes that need them (the socket's
//! group) do not apply there. Group membership (`docker-users`) comes from this process's
//! logon token, which is what the pipe's ACL checks: a member added since the sign-in is
//! not in it yet, as on Linux. Nothing here parses.

use super::{FileKind, FileStat, FsStats, Group, Identity};
use crate::shared::Listener;
use rustls::pki_types::CertificateDer;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

pub fn stat(path: &Path) -> io::Result<FileStat> {
    let m = fs::metadata(path)?;
    let kind = if m.is_dir() {
        FileKind::Dir
    } else if m.is_file() {
        FileKind::File
    } else {
        FileKind::Other
    };
    Ok(FileStat {
        kind,
        uid: 0,
        gid: 0,
        mode: 0,
        identity: None,
    })
}

pub fn identity() -> Identity {
    let user = std::env::var("USERNAME").unwrap_or_default();
    let groups = token_groups();
    Identity {
        uid: 0,
        gid: 0,
        home: std::env::var_os("USERPROFILE").map(PathBuf::from),
        // The token's groups are the session's; the account's own list would need the
        // user database, which is not asked (sysinfo's reading of it can abort): a member
        // added since the sign-in shows as not a member, with the sign-out fix.
        process_groups: groups.clone(),
        account_groups: groups,
        user,
    }
}

pub fn group_by_name(name: &str) -> Option<Group> {
    token_groups()
        .into_iter()
        .find(|g| g.name.eq_ignore_ascii_case(name))
}

/// The enabled groups of this process's token (see `windows_token`); the shim's Linux
/// build, for its tests, has none.
#[cfg(windows)]
fn token_groups() -> Vec<Group> {
    super::windows_token::groups()
}

#[cfg(not(windows))]
fn token_groups() -> Vec<Group> {
    Vec::new()
}

pub fn group_name(_gid: u32) -> Option<String> {
    None
}

pub fn user_name(_uid: u32) -> Option<String> {
    None
}

/// Space on the volume holding `path` (sysinfo's disks; the longest mount point that is a
/// prefix). NTFS has no inode limit: both inode counts are 0.
pub fn fs_stats(path: &Path) -> io::Result<FsStats> {
    let disks =
        sysinfo::Disks::new_with_refreshed_list().map_err(|e| io::Error::other(e.to_string()))?;
    let disk = disks
        .iter()
        .filter(|d| path.starts_with(d.mount_point()))
        .max_by_key(|d| d.mount_point().as_os_str().len())
        .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, "no volume holds it"))?;
    Ok(FsStats {
        total_bytes: disk.total_space(),
        avail_bytes: disk.available_space(),
        total_inodes: 0,
        avail_inodes: 0,
    })
}

pub fn kill(pid: u32) {
    let _ = std::process::Command::new("taskkill")
        .args(["/F", "/PID", &pid.to_string()])
        .output();
}

/// Windows never blocks opening a path that is not a named pipe.
pub fn open_nonblocking(path: &Path) -> io::Result<fs::File> {
    fs::File::open(path)
}

pub fn native_roots() -> Option<(String, Vec<CertificateDer<'static>>)> {
    Some((
        "the Windows certificate store".to_string(),
        super::native::os_trust_store(),
    ))
}

pub fn native_listeners() -> Option<Vec<Listener>> {
    super::native::listeners_from_os()
}

#[cfg(windows)]
pub use super::windows_pipe::named_pipe_client;

/// Docker on Windows listens on named pipes (or TCP), never on a Unix socket.
pub async fn connect_unix(path: &Path) -> io::Result<tokio::net::TcpStream> {
    Err(io::Error::new(
        io::ErrorKind::Unsupported,
        format!(
            "{}: Docker on Windows does not listen on Unix sockets (use npipe://)",
            path.display()
        ),
    ))
}

pub fn unix_client(
    path: &str,
    _timeout_secs: u64,
    _version: &bollard::ClientVersion,
) -> Result<bollard::Docker, bollard::errors::Error> {
    Err(bollard::errors::Error::UnsupportedURISchemeError {
        uri: format!("unix://{path} (Docker on Windows uses npipe://)"),
    })
}

/// The writing half of `safe_write` on Windows: a new temporary file beside the target
/// (`create_new`), filled, synced, renamed over the target if that is absent or a regular
/// file (a link or junction is a reparse point: refused, never followed).
pub fn replace_file(
    dir: &Path,
    name: &std::ffi::OsStr,
    target: &Path,
    _keep: crate::safe_write::Keep,
    fill: &mut dyn FnMut(&mut fs::File) -> io::Result<()>,
) -> Result<u64, crate::safe_write::WriteError> {
    use crate::safe_write::{WriteError, describe, temp_name};
    let in_the_way = || -> Option<WriteError> {
        match fs::symlink_metadata(target) {
            Ok(m) if !m.file_type().is_file() || m.file_type().is_symlink() => {
                Some(WriteError::NotAFile {
                    path: target.to_path_buf(),
                    kind: describe(&m.file_type(), target),
                })
            }
            _ => None,
        }
    };
    if let Some(e) = in_the_way() {
        return Err(e);
    }
    let tmp = dir.join(temp_name(name));
    let mut file = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&tmp)
        .map_err(|e| WriteError::io(target, e))?;
    let result = fill(&mut file)
        .and_then(|_| file.sync_all())
        .and_then(|_| file.metadata());
    drop(file);
    let size = match result {
        Ok(m) => m.len(),
        Err(e) => {
            let _ = fs::remove_file(&tmp);
            return Err(WriteError::io(target, e));
        }
    };
    if let Some(e) = in_the_way() {
        let _ = fs::remove_file(&tmp);
        return Err(e);
    }
    fs::rename(&tmp, target).map_err(|e| {
        let _ = fs::remove_file(&tmp);
        WriteError::io(target, e)
    })?;
    Ok(size)
}

pub fn create_private_dir(dir: &Path) -> io::Result<()> {
    fs::create_dir_all(dir)
}

/// Windows reads with this process's token; the doctor never reads another user's profile.
pub const FILE_RIGHTS_PER_THREAD: bool = true;

pub fn assume_file_rights(_uid: u32, _gid: u32) -> io::Result<()> {
    Ok(())
}

pub fn owned_by(_f: &fs::File, _uid: u32) -> io::Result<()> {
    Ok(())
}

pub fn special_kind(t: &fs::FileType) -> &'static str {
    if t.is_dir() {
        "directory"
    } else {
        "special file"
    }
}

/// The shim is plain std and sysinfo: it is compiled and run on Linux too (as
/// `host::windows_shim`), so what only Windows runs has little room to be wrong.
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_volume_of_a_path_is_measured() {
        if crate::under_wine("Wine 8 answers no volume query") {
            return;
        }
        let s = fs_stats(Path::new("/")).expect("a volume holds /");
        assert!(s.total_bytes > 0 && s.avail_bytes <= s.total_bytes, "{s:?}");
        assert_eq!(s.total_inodes, 0);
    }

    #[test]
    fn files_and_folders_are_told_apart() {
        assert_eq!(stat(Path::new("/")).unwrap().kind, FileKind::Dir);
        let f = std::env::current_exe().unwrap();
        assert_eq!(stat(&f).unwrap().kind, FileKind::File);
        let _ = identity();
        assert!(open_nonblocking(&f).is_ok());
    }
}
