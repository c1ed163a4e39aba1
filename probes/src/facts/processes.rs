//! The processes of this machine: listed by the host (sysinfo), or read from a captured
//! machine's /proc. And what they say about Docker Desktop, whose engine may be down while
//! the app runs (starting, or stuck) or the app may not run at all: different fixes.

use crate::host::{Host, ProcessInfo};
use std::path::{Path, PathBuf};

/// The processes whose command line and owner the probes read: the daemon and Docker
/// Desktop's app and backend.
const DETAILED: &[&str] = &["dockerd", "Docker Desktop", "com.docker.backend"];

/// Every process (the command line and owner only of [`DETAILED`] ones, on a real host),
/// or `None` when this host cannot list them.
pub fn list(host: &dyn Host) -> Option<Vec<ProcessInfo>> {
    if let Some(listed) = host.processes(DETAILED) {
        return Some(listed);
    }
    let pids = host.list_dir(Path::new("/proc")).ok()?;
    let mut out = Vec::new();
    for name in pids {
        let Ok(pid) = name.parse::<u32>() else {
            continue;
        };
        let dir = PathBuf::from("/proc").join(&name);
        let comm = host.read_text(&dir.join("comm")).unwrap_or_default();
        let cmd: Vec<String> = host
            .read_file(&dir.join("cmdline"))
            .unwrap_or_default()
            .split(|b| *b == 0)
            .filter(|w| !w.is_empty())
            .map(|w| String::from_utf8_lossy(w).into_owned())
            .collect();
        let stat = host.read_text(&dir.join("stat")).unwrap_or_default();
        out.push(ProcessInfo {
            pid,
            ppid: parent_of_stat(&stat).unwrap_or(0),
            name: comm.trim().to_string(),
            cmd,
            user: None,
        });
    }
    Some(out)
}

/// `pid (comm) state ppid ...`: the comm may hold spaces and parentheses.
pub fn parent_of_stat(stat: &str) -> Option<u32> {
    stat.rsplit_once(')')
        .and_then(|(_, rest)| rest.split_whitespace().nth(1))
        .and_then(|p| p.parse().ok())
}

/// A process's name without a Windows `.exe`.
pub fn base_name(name: &str) -> &str {
    name.strip_suffix(".exe")
        .or_else(|| name.strip_suffix(".EXE"))
        .unwrap_or(name)
}

/// Docker Desktop's processes, as far as they run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Desktop {
    /// The app (`Docker Desktop.exe`, macOS's `Docker Desktop`), by pid.
    pub app: Option<u32>,
    /// Its backend, which starts and watches the engine's VM (`com.docker.backend`).
    pub backend: Option<u32>,
}

impl Desktop {
    pub fn running(&self) -> bool {
        self.app.is_some() || self.backend.is_some()
    }
}

/// What of Docker Desktop runs (the same names on Windows, macOS and Linux).
pub fn desktop(processes: &[ProcessInfo]) -> Desktop {
    let find = |want: &dyn Fn(&str) -> bool| {
        processes
            .iter()
            .find(|p| want(base_name(&p.name)))
            .map(|p| p.pid)
    };
    Desktop {
        app: find(&|n| n == "Docker Desktop"),
        backend: find(&|n| n.starts_with("com.docker.backend")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(pid: u32, name: &str) -> ProcessInfo {
        ProcessInfo {
            pid,
            name: name.into(),
            ..ProcessInfo::default()
        }
    }

    #[test]
    fn desktop_is_named_on_each_platform() {
        // Windows (Task Manager's names), macOS (Activity Monitor's), Linux.
        let win = [
            p(4, "System"),
            p(8120, "Docker Desktop.exe"),
            p(8300, "com.docker.backend.exe"),
        ];
        assert_eq!(
            desktop(&win),
            Desktop {
                app: Some(8120),
                backend: Some(8300)
            }
        );
        let mac = [p(612, "Docker Desktop"), p(640, "com.docker.backend")];
        assert!(desktop(&mac).running());
        let stuck = [p(612, "Docker Desktop")];
        assert_eq!(desktop(&stuck).backend, None);
        let none = [p(1, "launchd"), p(99, "Docker Desktop Installer.exe")];
        assert!(!desktop(&none).running());
    }

    #[test]
    fn parent_survives_odd_names() {
        assert_eq!(parent_of_stat("42 (a) b) S 7 42 42 0"), Some(7));
        assert_eq!(parent_of_stat("garbage"), None);
    }
}
