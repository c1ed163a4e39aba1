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

/// The `ignore` list of the named config file (which must exist), or of the default one
/// (which may not).
pub fn ignore_list(named: Option<&Path>) -> Result<Vec<String>, String> {
    let (path, must_exist) = match named {
        Some(p) => (p.to_path_buf(), true),
        None => match default_path() {
            Some(p) => (p, false),
            None => return Ok(Vec::new()),
        },
    };
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && !must_exist => {
            return Ok(Vec::new());
        }
        Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
    };
    let config: Config =
        toml::from_str(&text).map_err(|e| format!("{}: {}", path.display(), e.message()))?;
    Ok(config.ignore)
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
