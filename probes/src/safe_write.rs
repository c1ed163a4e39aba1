//! One safe way out. Every file the doctor writes (the bundle, saved chains, recorded
//! traces, the files `fix --apply` writes) goes through [`write`] or [`write_with`]. Run as
//! root, a writer that opens its target with a plain create is a confused deputy: a link
//! planted at the target overwrites whatever it points to, a FIFO blocks the run forever.
//!
//! So: a temporary file is created beside the target (`O_CREAT|O_EXCL|O_NOFOLLOW`, mode
//! 0600), written, synced, and renamed over the target, and only when the target is absent
//! or a regular file. A link, FIFO, device, socket or folder at the target is an error that
//! names it; it is never followed and never opened. The folder is opened once and every
//! step happens relative to it, so a folder swapped for a link half-way does not move the
//! write elsewhere; a folder that is itself a link owned by someone else is refused.

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

/// Exit code for "could not write the output file" (BSD sysexits' EX_CANTCREAT).
pub const EXIT_CANNOT_WRITE: i32 = 73;

/// What the new file's owner and mode are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keep {
    /// 0600, owned by this process: reports and bundles hold a machine's configuration.
    Private,
    /// A configuration file the user asked to be changed (`fix --apply`): a file that was
    /// there keeps its mode and owner (the init script must still read /etc/default/docker);
    /// a new one is 0600 like any other.
    ExistingModeAndOwner,
    /// A report another service must read (`--format prometheus --output FILE`: the
    /// node_exporter textfile collector runs as its own user): 0644, owned by this process.
    /// Nothing secret is in such a report (it holds ids and counts, masked like every
    /// output); it is still written through the same temporary file and rename.
    WorldReadable,
}

/// Why a file was not written, naming it.
#[derive(Debug)]
pub enum WriteError {
    /// Something other than a regular file is at the target.
    NotAFile {
        path: PathBuf,
        kind: String,
    },
    /// The target's folder is a link that neither this user nor root owns.
    UntrustedFolder {
        path: PathBuf,
        owner: u32,
    },
    Io {
        path: PathBuf,
        error: io::Error,
    },
}

impl fmt::Display for WriteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WriteError::NotAFile { path, kind } => write!(
                f,
                "{} is {kind}, not a regular file: not written (it is never followed or replaced)",
                path.display()
            ),
            WriteError::UntrustedFolder { path, owner } => write!(
                f,
                "the folder {} is a link owned by uid {owner}, not by this user or root: nothing written there",
                path.display()
            ),
            WriteError::Io { path, error } => write!(f, "cannot write {}: {error}", path.display()),
        }
    }
}

impl std::error::Error for WriteError {}

impl WriteError {
    pub(crate) fn io(path: &Path, error: io::Error) -> WriteError {
        WriteError::Io {
            path: path.to_path_buf(),
            error,
        }
    }
}

/// Writes `bytes` to `target` the safe way (see the module's doc).
pub fn write(target: &Path, bytes: &[u8], keep: Keep) -> Result<(), WriteError> {
    write_with(target, keep, |f| io::Write::write_all(f, bytes)).map(|_| ())
}

/// Writes `target` with what `fill` writes into the temporary file, the safe way. Returns
/// the size written.
pub fn write_with(
    target: &Path,
    keep: Keep,
    fill: impl FnOnce(&mut std::fs::File) -> io::Result<()>,
) -> Result<u64, WriteError> {
    let (dir, name) = split(target)?;
    let mut fill = Some(fill);
    crate::host::os::replace_file(&dir, &name, target, keep, &mut |f| match fill.take() {
        Some(fill) => fill(f),
        None => Ok(()),
    })
}

/// Creates `dir` (and its parents) if missing, 0700 where new; an existing link or
/// non-folder at `dir` is refused like a target would be.
pub fn create_dir(dir: &Path) -> Result<(), WriteError> {
    match std::fs::symlink_metadata(dir) {
        Ok(m) if m.file_type().is_dir() => Ok(()),
        Ok(m) => Err(WriteError::NotAFile {
            path: dir.to_path_buf(),
            kind: describe(&m.file_type(), dir),
        }),
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            crate::host::os::create_private_dir(dir).map_err(|e| WriteError::io(dir, e))
        }
        Err(e) => Err(WriteError::io(dir, e)),
    }
}

/// The target's folder (`.` for a bare name) and file name.
fn split(target: &Path) -> Result<(PathBuf, std::ffi::OsString), WriteError> {
    let name = target.file_name().ok_or_else(|| {
        WriteError::io(
            target,
            io::Error::new(io::ErrorKind::InvalidInput, "not a file name"),
        )
    })?;
    let dir = match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    Ok((dir, name.to_os_string()))
}

/// "a symbolic link to /etc/shadow", "a FIFO", "a folder": what is in the way.
pub(crate) fn describe(t: &std::fs::FileType, path: &Path) -> String {
    if t.is_symlink() {
        match std::fs::read_link(path) {
            Ok(to) => format!("a symbolic link to {}", to.display()),
            Err(_) => "a symbolic link".into(),
        }
    } else if t.is_dir() {
        "a folder".into()
    } else {
        format!("a {}", crate::host::os::special_kind(t))
    }
}

/// The temporary file's name beside the target: hidden, unique to this process and call.
pub(crate) fn temp_name(name: &std::ffi::OsStr) -> std::ffi::OsString {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    let mut t = std::ffi::OsString::from(".");
    t.push(name);
    t.push(format!(
        ".docker-doctor-{}-{}.tmp",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_file_is_written_private_and_an_old_one_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("out.txt");
        write(&f, b"one", Keep::Private).unwrap();
        assert_eq!(std::fs::read(&f).unwrap(), b"one");
        write(&f, b"two", Keep::Private).unwrap();
        assert_eq!(std::fs::read(&f).unwrap(), b"two");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&f).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
        // No temporary file is left behind.
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    #[cfg(unix)]
    fn a_link_fifo_or_folder_at_the_target_is_refused_and_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        let decoy = dir.path().join("decoy");
        std::fs::write(&decoy, b"precious").unwrap();
        let link = dir.path().join("link.tar.gz");
        std::os::unix::fs::symlink(&decoy, &link).unwrap();
        let e = write(&link, b"overwritten", Keep::Private).unwrap_err();
        assert!(e.to_string().contains("symbolic link to"), "{e}");
        assert_eq!(std::fs::read(&decoy).unwrap(), b"precious");
        // A dangling link would otherwise create the file it names.
        let dangling = dir.path().join("dangling");
        let created = dir.path().join("created-through-link");
        std::os::unix::fs::symlink(&created, &dangling).unwrap();
        assert!(write(&dangling, b"x", Keep::Private).is_err());
        assert!(!created.exists());

        let fifo = dir.path().join("fifo");
        nix::unistd::mkfifo(&fifo, nix::sys::stat::Mode::S_IRWXU).unwrap();
        let start = std::time::Instant::now();
        let e = write(&fifo, b"x", Keep::Private).unwrap_err();
        assert!(e.to_string().contains("FIFO"), "{e}");
        assert!(start.elapsed() < std::time::Duration::from_secs(2));

        let sub = dir.path().join("sub");
        std::fs::create_dir(&sub).unwrap();
        let e = write(&sub, b"x", Keep::Private).unwrap_err();
        assert!(e.to_string().contains("a folder"), "{e}");
        let e = write(Path::new("/dev/null"), b"x", Keep::Private).unwrap_err();
        assert!(e.to_string().contains("device"), "{e}");
    }

    #[test]
    #[cfg(unix)]
    fn a_replaced_config_keeps_its_mode_a_new_one_is_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("docker");
        std::fs::write(&f, b"old").unwrap();
        std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o644)).unwrap();
        write(&f, b"new", Keep::ExistingModeAndOwner).unwrap();
        let mode = std::fs::metadata(&f).unwrap().permissions().mode() & 0o777;
        assert_eq!((std::fs::read(&f).unwrap(), mode), (b"new".to_vec(), 0o644));
        let g = dir.path().join("new.conf");
        write(&g, b"x", Keep::ExistingModeAndOwner).unwrap();
        let mode = std::fs::metadata(&g).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }

    #[test]
    #[cfg(unix)]
    fn a_world_readable_report_is_0644_even_over_a_private_file() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("docker_doctor.prom");
        write(&f, b"old", Keep::Private).unwrap();
        write(&f, b"new", Keep::WorldReadable).unwrap();
        let mode = std::fs::metadata(&f).unwrap().permissions().mode() & 0o777;
        assert_eq!((std::fs::read(&f).unwrap(), mode), (b"new".to_vec(), 0o644));
        // A link at the target is refused all the same.
        let link = dir.path().join("link.prom");
        std::os::unix::fs::symlink(&f, &link).unwrap();
        assert!(write(&link, b"x", Keep::WorldReadable).is_err());
        assert_eq!(std::fs::read(&f).unwrap(), b"new");
    }

    #[test]
    #[cfg(unix)]
    fn a_saved_folder_that_is_a_link_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real");
        std::fs::create_dir(&real).unwrap();
        let link = dir.path().join("chains");
        std::os::unix::fs::symlink(&real, &link).unwrap();
        assert!(create_dir(&link).is_err());
        let new = dir.path().join("a/b");
        create_dir(&new).unwrap();
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&new).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o700);
    }
}
