//! The user's config file: findings to mute on a machine whose setup is non-standard on
//! purpose (`ignore = ["socket.world-writable"]`).

use crate::engine;
use probes::Probe;
use std::path::{Path, PathBuf};

/// `$XDG_CONFIG_HOME/docker-doctor/config.toml`, else `~/.config/docker-doctor/config.toml`.
pub fn default_path() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_CONFIG_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))?;
    Some(base.join("docker-doctor").join("config.toml"))
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Config {
    #[serde(default)]
    ignore: Vec<String>,
}

/// The `ignore` list of the named config file, or of the default one (which may not
/// exist), and what was wrong with the file. A file that cannot be used (unreadable, a
/// FIFO, too large, malformed, an unusable HOME) never stops the check: nothing is muted
/// and the report says why.
pub fn ignore_list(named: Option<&Path>) -> (Vec<String>, Option<String>) {
    let (path, must_exist) = match named {
        Some(p) => (p.to_path_buf(), true),
        None => match default_path() {
            Some(p) => (p, false),
            None => return (Vec::new(), None),
        },
    };
    let bytes = match probes::bounded::read_file(&path, CONFIG_CAP) {
        Ok(b) => b,
        Err(e) if !must_exist && is_absent(&e) => return (Vec::new(), None),
        Err(e) => return (Vec::new(), Some(unusable(&path, &e.to_string()))),
    };
    let Ok(text) = String::from_utf8(bytes) else {
        return (Vec::new(), Some(unusable(&path, "not UTF-8 text")));
    };
    if let Some(line) = probes::bounded::nested_too_deep(&text) {
        return (
            Vec::new(),
            Some(unusable(
                &path,
                &format!(
                    "nested deeper than {} levels at line {line}: not parsed",
                    probes::bounded::MAX_NESTING
                ),
            )),
        );
    }
    match toml::from_str::<Config>(&text) {
        Ok(c) => (c.ignore, None),
        Err(e) => (Vec::new(), Some(unusable(&path, e.message()))),
    }
}

/// A config file is small: anything bigger is not one.
const CONFIG_CAP: u64 = 1 << 20;

/// No config file here: missing, or a HOME that does not lead anywhere.
fn is_absent(e: &std::io::Error) -> bool {
    matches!(
        e.kind(),
        std::io::ErrorKind::NotFound | std::io::ErrorKind::NotADirectory
    )
}

fn unusable(path: &Path, why: &str) -> String {
    format!(
        "config file {} not used, nothing muted: {}",
        path.display(),
        why.trim()
    )
}

/// Every id a user may mute: probes, the findings they declare, and every probe's
/// timed-out and failed findings.
pub fn known_ids(probes: &[Box<dyn Probe>]) -> Vec<String> {
    let mut ids = Vec::new();
    for p in probes {
        ids.push(p.id().to_string());
        ids.extend(p.emits().iter().map(|k| k.id.to_string()));
        ids.push(format!("{}.{}", p.id(), engine::TIMED_OUT));
        ids.push(format!("{}.{}", p.id(), engine::FAILED));
    }
    ids
}
