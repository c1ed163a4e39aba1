//! Why the daemon's last start failed, from what the start left behind: the daemon's own
//! log (its last start attempt, from "Starting up" on) and, for what no log can show, the
//! init script itself (`ulimit -n 1048576` under `set -e` stops the script before dockerd
//! runs when this session's hard limit is lower and root lacks CAP_SYS_RESOURCE, as in a
//! container or LXC). Text in, causes out: no machine needed to test it.

/// A cause of a failed start, with the line that says it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StartFailure {
    /// An init script's `ulimit` above what this session may raise to.
    Ulimit {
        script: String,
        line_no: usize,
        line: String,
        wanted: String,
        hard: String,
    },
    /// dockerd's pid file names a live process that is not this dockerd.
    PidFile {
        line: String,
        path: String,
        pid: Option<u32>,
    },
    /// The storage driver cannot run on this filesystem or kernel.
    StorageDriver { line: String, driver: String },
    /// A listener of `-H`/`hosts` is taken by another process.
    ListenerInUse { line: String, address: String },
    /// dockerd said why it stopped, in words not told apart here.
    Other { line: String },
}

impl StartFailure {
    /// The line the log (or the script) says it with.
    pub fn line(&self) -> &str {
        match self {
            StartFailure::Ulimit { line, .. }
            | StartFailure::PidFile { line, .. }
            | StartFailure::StorageDriver { line, .. }
            | StartFailure::ListenerInUse { line, .. }
            | StartFailure::Other { line } => line,
        }
    }
}

/// One resource limit of this process, as /proc/self/limits shows it: soft, hard.
pub fn limit(limits: &str, name: &str) -> Option<(String, String)> {
    let line = limits.lines().find(|l| l.starts_with(name))?;
    let mut fields = line[name.len()..].split_whitespace();
    Some((fields.next()?.to_string(), fields.next()?.to_string()))
}

/// Whether CapEff of /proc/self/status holds `bit` (CAP_SYS_RESOURCE is 24).
pub fn has_capability(status: &str, bit: u32) -> bool {
    status
        .lines()
        .find_map(|l| l.strip_prefix("CapEff:"))
        .and_then(|hex| u64::from_str_radix(hex.trim(), 16).ok())
        .is_some_and(|caps| caps & (1 << bit) != 0)
}

fn exceeds(wanted: &str, hard: &str) -> bool {
    match (wanted, hard) {
        (_, "unlimited") => false,
        ("unlimited", _) => true,
        (w, h) => match (w.parse::<u64>(), h.parse::<u64>()) {
            (Ok(w), Ok(h)) => w > h,
            _ => false,
        },
    }
}

/// The first `ulimit` of the script's start that this session cannot grant: its value is
/// above the hard limit and there is no CAP_SYS_RESOURCE to raise it. `limits` is
/// /proc/self/limits, `status` /proc/self/status.
pub fn ulimit_blocks(
    script_path: &str,
    script: &str,
    limits: &str,
    status: &str,
) -> Option<StartFailure> {
    if has_capability(status, 24) {
        return None;
    }
    for (i, raw) in script.lines().enumerate() {
        let line = raw.trim();
        let Some(rest) = line.strip_prefix("ulimit ") else {
            continue;
        };
        // A line that already tolerates failure does not stop the script.
        if rest.contains("||") || rest.contains("2>") {
            continue;
        }
        let words: Vec<&str> = rest.split_whitespace().collect();
        let (flag, value) = match words.as_slice() {
            [flag, value] => (*flag, *value),
            _ => continue,
        };
        let name = match flag {
            "-n" => "Max open files",
            "-u" | "-p" => "Max processes",
            "-l" => "Max locked memory",
            "-c" => "Max core file size",
            _ => continue,
        };
        if let Some((_, hard)) = limit(limits, name)
            && exceeds(value, &hard)
        {
            return Some(StartFailure::Ulimit {
                script: script_path.to_string(),
                line_no: i + 1,
                line: line.to_string(),
                wanted: value.to_string(),
                hard,
            });
        }
    }
    None
}

/// The cause of the last start attempt's failure in a daemon log, or None when the last
/// attempt came up (or the log says nothing about one).
pub fn from_log(log: &str) -> Option<StartFailure> {
    let lines: Vec<&str> = log.lines().collect();
    // The last attempt: from its "Starting up" on (older attempts are history).
    let start = lines
        .iter()
        .rposition(|l| l.contains("Starting up"))
        .unwrap_or(0);
    let attempt = &lines[start..];
    if attempt.iter().any(|l| l.contains("API listen on")) {
        return None;
    }
    // dockerd's last words: a fatal log line, or the error it prints plainly on its way
    // out (`failed to load listeners: ...` carries no level).
    let fatal = attempt.iter().skip(1).rev().find(|l| {
        let l = l.to_ascii_lowercase();
        l.contains("level=fatal")
            || l.contains("failed to start daemon")
            || l.contains("error starting daemon")
            || l.contains("pid file found")
            || (!l.trim().is_empty() && !l.contains("level=") && !l.starts_with("time="))
    })?;
    let line = fatal.trim().to_string();
    let lower = line.to_ascii_lowercase();
    if lower.contains("pid file found") {
        let path = lower
            .split_whitespace()
            .find(|w| w.ends_with(".pid") || w.ends_with(".pid\""))
            .map(|w| w.trim_matches(|c| c == '"' || c == '\'').to_string())
            .unwrap_or_else(|| "/var/run/docker.pid".into());
        return Some(StartFailure::PidFile {
            line,
            path,
            pid: None,
        });
    }
    if let Some(i) = lower.find("address already in use") {
        // "... listen tcp 127.0.0.1:2375: bind: address already in use"
        let before = &line[..i];
        let address = before
            .rfind("listen tcp ")
            .map(|at| &before[at + "listen tcp ".len()..])
            .and_then(|rest| rest.split(": bind").next())
            .unwrap_or_default()
            .trim()
            .to_string();
        return Some(StartFailure::ListenerInUse { line, address });
    }
    if lower.contains("graphdriver")
        || lower.contains("storage-driver")
        || lower.contains("storage driver")
    {
        // The driver is named on the fatal line, or on the attempt's earlier lines.
        const DRIVERS: [&str; 7] = [
            "overlay2",
            "fuse-overlayfs",
            "btrfs",
            "zfs",
            "devicemapper",
            "aufs",
            "vfs",
        ];
        let attempt_text = attempt.join("\n").to_ascii_lowercase();
        let driver = DRIVERS
            .iter()
            .find(|d| lower.contains(*d))
            .or_else(|| DRIVERS.iter().find(|d| attempt_text.contains(*d)))
            .map(|d| d.to_string())
            .unwrap_or_default();
        return Some(StartFailure::StorageDriver { line, driver });
    }
    Some(StartFailure::Other { line })
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMITS: &str = "Limit                     Soft Limit           Hard Limit           Units     \nMax processes             96362                96362                processes \nMax open files            20000                20000                files     \n";

    #[test]
    fn an_init_script_ulimit_above_the_hard_limit_is_named() {
        let script = "#!/bin/sh\nset -e\ncase \"$1\" in\n\tstart)\n\t\tulimit -n 1048576\n\t\tulimit -p unlimited\n";
        let no_cap = "Name:\tx\nCapEff:\t000001fffeffffff\n";
        let f = ulimit_blocks("/etc/init.d/docker", script, LIMITS, no_cap).unwrap();
        assert!(
            matches!(
                &f,
                StartFailure::Ulimit { line_no: 5, wanted, hard, .. } if wanted == "1048576" && hard == "20000"
            ),
            "{f:?}"
        );
        let with_cap = "CapEff:\t000001ffffffffff\n";
        assert_eq!(ulimit_blocks("s", script, LIMITS, with_cap), None);
        let tolerant = "ulimit -n 1048576 2>/dev/null || true\n";
        assert_eq!(ulimit_blocks("s", tolerant, LIMITS, no_cap), None);
    }

    /// dockerd 20.10's own words (Debian's docker.io, as the init script logs them).
    #[test]
    fn a_failed_start_is_read_from_its_last_attempt() {
        let pid = "time=\"2026-12-04T01:00:00Z\" level=info msg=\"Starting up\"\nfailed to start daemon: pid file found, ensure docker is not running or delete /var/run/docker.pid\n";
        assert!(
            matches!(from_log(pid), Some(StartFailure::PidFile { path, .. }) if path == "/var/run/docker.pid")
        );
        let bind = "level=info msg=\"Starting up\"\nfailed to load listeners: listen tcp 127.0.0.1:2375: bind: address already in use\nlevel=fatal msg=\"failed to start daemon: failed to load listeners: listen tcp 127.0.0.1:2375: bind: address already in use\"\n";
        assert!(
            matches!(from_log(bind), Some(StartFailure::ListenerInUse { address, .. }) if address == "127.0.0.1:2375"),
            "{:?}",
            from_log(bind)
        );
        let driver = "msg=\"Starting up\"\nlevel=error msg=\"failed to mount overlay: invalid argument\" storage-driver=overlay2\nfailed to start daemon: error initializing graphdriver: driver not supported\n";
        assert!(
            matches!(from_log(driver), Some(StartFailure::StorageDriver { driver, .. }) if driver == "overlay2"),
            "{:?}",
            from_log(driver)
        );
        // An earlier failure followed by a start that came up: nothing to say.
        let fine = format!(
            "{pid}level=info msg=\"Starting up\"\nlevel=info msg=\"API listen on /var/run/docker.sock\"\n"
        );
        assert_eq!(from_log(&fine), None);
        assert_eq!(from_log(""), None);
    }
}
