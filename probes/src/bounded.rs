//! One bounded way in. The doctor runs on broken machines: any path it reads may be a FIFO
//! or a device (opening or reading it blocks forever), a huge file (a 1 GiB config.json),
//! or on a dead network mount (the read blocks in the kernel). Every file, pipe and
//! subprocess output goes through here with a size cap, a type check and a deadline, and
//! each limit is an error that names what happened, never a hang or an abort.

use std::fmt;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

/// The most a configuration file may hold: far above any real daemon.json, config.json,
/// drop-in or CA bundle (Debian's is 200 KiB), far below what hurts.
pub const FILE_CAP: u64 = 8 << 20;

/// How long one read may take before it is given up (a dead NFS or SMB mount).
pub const READ_DEADLINE: Duration = Duration::from_secs(3);

/// The most the doctor keeps of one subprocess stream or one API answer.
pub const STREAM_CAP: usize = 4 << 20;

/// Why a bounded read stopped; carried inside `io::Error` so callers keep their types.
#[derive(Debug)]
pub enum Refused {
    /// A FIFO, device or socket where a file was expected.
    NotRegular(&'static str),
    TooLarge {
        cap: u64,
    },
    TimedOut(Duration),
}

impl fmt::Display for Refused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refused::NotRegular(kind) => {
                write!(
                    f,
                    "not a regular file but a {kind}: not read (it could block)"
                )
            }
            Refused::TooLarge { cap } => {
                write!(f, "larger than {}: not read", human_size(*cap))
            }
            Refused::TimedOut(d) => write!(f, "nothing within {} s: given up", d.as_secs_f32()),
        }
    }
}

impl std::error::Error for Refused {}

impl From<Refused> for io::Error {
    fn from(r: Refused) -> io::Error {
        let kind = match r {
            Refused::NotRegular(_) => io::ErrorKind::InvalidInput,
            Refused::TooLarge { .. } => io::ErrorKind::FileTooLarge,
            Refused::TimedOut(_) => io::ErrorKind::TimedOut,
        };
        io::Error::new(kind, r)
    }
}

/// "8 MiB", "512 KiB", "12 bytes".
pub fn human_size(n: u64) -> String {
    if n >= 1 << 20 && n.is_multiple_of(1 << 20) {
        format!("{} MiB", n >> 20)
    } else if n >= 1 << 10 && n.is_multiple_of(1 << 10) {
        format!("{} KiB", n >> 10)
    } else {
        format!("{n} bytes")
    }
}

/// A whole regular file of at most `cap` bytes, within [`READ_DEADLINE`].
pub fn read_file(path: &Path, cap: u64) -> io::Result<Vec<u8>> {
    read_file_as(path, cap, None)
}

/// [`read_file`] with the file-system rights of `(uid, gid)` when given: root reading a
/// user's place reads it as that user would (see `host::confine`).
pub fn read_file_as(path: &Path, cap: u64, read_as: Option<(u32, u32)>) -> io::Result<Vec<u8>> {
    if is_kernel_table(path) && read_as.is_none() {
        // procfs and sysfs are answered by the kernel itself: no thread needed.
        return read_now(path, cap);
    }
    within(READ_DEADLINE, path.to_path_buf(), move |p| {
        as_user(read_as)?;
        let (f, len) = open_regular(&p)?;
        owned_by(&f, read_as)?;
        read_open(f, len, cap)
    })
}

/// The reading thread takes `(uid, gid)`'s file-system rights. The thread reads one file
/// and ends: nothing else runs with them.
fn as_user(read_as: Option<(u32, u32)>) -> io::Result<()> {
    match read_as {
        Some((uid, gid)) => crate::host::os::assume_file_rights(uid, gid),
        None => Ok(()),
    }
}

/// Where a thread cannot take a user's rights (not Linux), only that user's own files.
fn owned_by(f: &std::fs::File, read_as: Option<(u32, u32)>) -> io::Result<()> {
    match read_as {
        Some((uid, _)) if !crate::host::os::FILE_RIGHTS_PER_THREAD => {
            crate::host::os::owned_by(f, uid)
        }
        _ => Ok(()),
    }
}

/// `len` bytes of a regular file from `offset` (fewer at its end), within the deadline.
pub fn read_at(path: &Path, offset: u64, len: u64) -> io::Result<Vec<u8>> {
    if len > FILE_CAP {
        return Err(Refused::TooLarge { cap: FILE_CAP }.into());
    }
    within(READ_DEADLINE, path.to_path_buf(), move |p| {
        let mut f = open_regular(&p)?.0;
        f.seek(SeekFrom::Start(offset))?;
        let mut buf = Vec::with_capacity(len as usize);
        f.take(len).read_to_end(&mut buf)?;
        Ok(buf)
    })
}

/// The last `cap` bytes of a regular file (a log whose newest lines matter), and whether
/// earlier bytes were left out.
pub fn read_tail(path: &Path, cap: u64) -> io::Result<(Vec<u8>, bool)> {
    read_tail_as(path, cap, None)
}

/// [`read_tail`] with `(uid, gid)`'s file-system rights when given.
pub fn read_tail_as(
    path: &Path,
    cap: u64,
    read_as: Option<(u32, u32)>,
) -> io::Result<(Vec<u8>, bool)> {
    within(READ_DEADLINE, path.to_path_buf(), move |p| {
        as_user(read_as)?;
        let (mut f, len) = open_regular(&p)?;
        owned_by(&f, read_as)?;
        let cut = len > cap;
        if cut {
            f.seek(SeekFrom::Start(len - cap))?;
        }
        let mut buf = Vec::with_capacity(len.min(cap) as usize);
        f.take(cap).read_to_end(&mut buf)?;
        Ok((buf, cut))
    })
}

/// What arrived of a stream (stdin) within `deadline`, at most `cap` bytes, and whether it
/// was cut (more followed, or the writer was still going at the deadline). The reader
/// thread is abandoned at the deadline: a pipe that never closes does not hold the run.
pub fn read_stream<R: Read + Send + 'static>(
    mut r: R,
    cap: usize,
    deadline: Duration,
) -> io::Result<(Vec<u8>, bool)> {
    let (tx, rx) = mpsc::channel::<io::Result<Vec<u8>>>();
    std::thread::Builder::new()
        .name("bounded-stream".into())
        .spawn(move || {
            let mut chunk = vec![0u8; 64 << 10];
            loop {
                match r.read(&mut chunk) {
                    Ok(0) => break,
                    Ok(n) => {
                        if tx.send(Ok(chunk[..n].to_vec())).is_err() {
                            break;
                        }
                    }
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(e) => {
                        let _ = tx.send(Err(e));
                        break;
                    }
                }
            }
        })?;
    let end = std::time::Instant::now() + deadline;
    let mut buf = Vec::new();
    loop {
        let left = end.saturating_duration_since(std::time::Instant::now());
        match rx.recv_timeout(left) {
            Ok(Ok(chunk)) => {
                buf.extend_from_slice(&chunk);
                if buf.len() > cap {
                    buf.truncate(cap);
                    return Ok((buf, true));
                }
            }
            Ok(Err(e)) if buf.is_empty() => return Err(e),
            Ok(Err(_)) | Err(mpsc::RecvTimeoutError::Disconnected) => return Ok((buf, false)),
            Err(mpsc::RecvTimeoutError::Timeout) if buf.is_empty() => {
                return Err(Refused::TimedOut(deadline).into());
            }
            Err(mpsc::RecvTimeoutError::Timeout) => return Ok((buf, true)),
        }
    }
}

/// Runs `f` on a thread and waits at most `deadline`: a read stuck in the kernel is left
/// behind (the process exits without waiting for it).
fn within<T: Send + 'static>(
    deadline: Duration,
    path: PathBuf,
    f: impl FnOnce(PathBuf) -> io::Result<T> + Send + 'static,
) -> io::Result<T> {
    let (tx, rx) = mpsc::channel();
    std::thread::Builder::new()
        .name("bounded-read".into())
        .spawn(move || {
            let _ = tx.send(f(path));
        })?;
    rx.recv_timeout(deadline)
        .unwrap_or_else(|_| Err(Refused::TimedOut(deadline).into()))
}

fn is_kernel_table(path: &Path) -> bool {
    path.starts_with("/proc/") || path.starts_with("/sys/")
}

/// The file opened for reading if it is a regular file, with its size. O_NONBLOCK: opening
/// a FIFO returns at once instead of waiting for a writer; O_NOCTTY: a terminal never
/// becomes ours. Regular files ignore both.
fn open_regular(path: &Path) -> io::Result<(std::fs::File, u64)> {
    let f = crate::host::os::open_nonblocking(path)?;
    let meta = f.metadata()?;
    let t = meta.file_type();
    if !t.is_file() {
        return Err(Refused::NotRegular(crate::host::os::special_kind(&t)).into());
    }
    Ok((f, meta.len()))
}

fn read_now(path: &Path, cap: u64) -> io::Result<Vec<u8>> {
    let (f, len) = open_regular(path)?;
    read_open(f, len, cap)
}

fn read_open(f: std::fs::File, len: u64, cap: u64) -> io::Result<Vec<u8>> {
    if len > cap {
        return Err(Refused::TooLarge { cap }.into());
    }
    // procfs reports size 0: the cap, not the size, bounds the read.
    let mut buf = Vec::with_capacity(len.min(cap) as usize);
    f.take(cap + 1).read_to_end(&mut buf)?;
    if buf.len() as u64 > cap {
        return Err(Refused::TooLarge { cap }.into());
    }
    Ok(buf)
}

/// How deep a configuration file may nest: real ones stay under ten levels. Deeper is
/// refused before a parser sees it (YAML and TOML parsers spend seconds and hundreds of
/// MiB on a hostile file before their own recursion limits stop them).
pub const MAX_NESTING: usize = 64;

/// The line where flow (`[`, `{`) or block (indentation) nesting passes [`MAX_NESTING`],
/// for YAML and TOML alike (quotes and comments skipped).
pub fn nested_too_deep(text: &str) -> Option<usize> {
    let mut flow = 0usize;
    for (n, line) in text.lines().enumerate() {
        let indent = line.len() - line.trim_start_matches([' ', '-']).len();
        if indent / 2 > MAX_NESTING {
            return Some(n + 1);
        }
        let mut quote: Option<char> = None;
        for c in line.chars() {
            match (quote, c) {
                (Some(q), c) if c == q => quote = None,
                (Some(_), _) => {}
                (None, '\'' | '"') => quote = Some(c),
                (None, '#') => break,
                (None, '[' | '{') => {
                    flow += 1;
                    if flow > MAX_NESTING {
                        return Some(n + 1);
                    }
                }
                (None, ']' | '}') => flow = flow.saturating_sub(1),
                _ => {}
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nesting_past_the_limit_is_found_on_its_line() {
        assert_eq!(nested_too_deep("a = 1\n[s]\nb = [[1], {x = 2}]\n"), None);
        let deep = format!("a = 1\nb = {}\n", "[".repeat(8 << 10));
        assert_eq!(nested_too_deep(&deep), Some(2));
        assert_eq!(
            nested_too_deep(
                "s = \"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\""
            ),
            None
        );
    }

    /// A regular file on a dead network mount (NFS, SMB, sshfs) passes every type check
    /// and then blocks in `read(2)`: the read is left behind at the deadline.
    #[test]
    fn a_read_stuck_in_the_kernel_is_abandoned_at_the_deadline() {
        let start = std::time::Instant::now();
        let e = within(
            Duration::from_millis(200),
            PathBuf::from("/mnt/nfs/daemon.json"),
            |_| {
                std::thread::sleep(Duration::from_secs(30));
                Ok(Vec::<u8>::new())
            },
        )
        .unwrap_err();
        assert!(
            start.elapsed() < Duration::from_secs(2),
            "{:?}",
            start.elapsed()
        );
        assert_eq!(e.kind(), io::ErrorKind::TimedOut, "{e}");
    }

    #[test]
    #[cfg(unix)]
    fn a_fifo_is_refused_without_blocking() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("config.json");
        nix::unistd::mkfifo(&fifo, nix::sys::stat::Mode::S_IRWXU).unwrap();
        let e = read_file(&fifo, FILE_CAP).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::InvalidInput);
        assert!(e.to_string().contains("FIFO"), "{e}");
    }

    #[test]
    #[cfg(unix)]
    fn a_device_is_refused() {
        let e = read_file(Path::new("/dev/zero"), FILE_CAP).unwrap_err();
        assert!(e.to_string().contains("device"), "{e}");
    }

    #[test]
    fn over_the_cap_is_refused_and_the_tail_is_kept() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("big");
        std::fs::write(&f, b"0123456789").unwrap();
        let e = read_file(&f, 4).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::FileTooLarge);
        assert!(e.to_string().contains("larger than 4 bytes"), "{e}");
        assert_eq!(read_file(&f, 10).unwrap(), b"0123456789");
        assert_eq!(read_tail(&f, 4).unwrap(), (b"6789".to_vec(), true));
        assert_eq!(read_tail(&f, 64).unwrap(), (b"0123456789".to_vec(), false));
    }

    #[test]
    #[cfg(target_os = "linux")]
    fn procfs_is_read_up_to_the_cap() {
        let status = read_file(Path::new("/proc/self/status"), FILE_CAP).unwrap();
        assert!(String::from_utf8_lossy(&status).contains("VmRSS"));
        assert!(read_file(Path::new("/proc/self/status"), 8).is_err());
    }

    #[test]
    #[cfg(unix)]
    fn a_stream_that_never_ends_is_cut_at_the_cap_and_the_deadline() {
        let (buf, more) = read_stream(io::repeat(b'x'), 1000, Duration::from_secs(5)).unwrap();
        assert_eq!((buf.len(), more), (1000, true));
        // A pipe that never closes: read end of a pipe whose writer stays open.
        let (r, w) = nix::unistd::pipe().unwrap();
        let e = read_stream(std::fs::File::from(r), 1000, Duration::from_millis(200)).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::TimedOut);
        // What arrived before the deadline is kept.
        let (r2, w2) = nix::unistd::pipe().unwrap();
        nix::unistd::write(&w2, b"error line\n").unwrap();
        let (buf, cut) =
            read_stream(std::fs::File::from(r2), 1000, Duration::from_millis(200)).unwrap();
        assert_eq!((buf.as_slice(), cut), (&b"error line\n"[..], true));
        drop((w, w2));
    }
}
