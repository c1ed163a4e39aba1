//! Where a variable such as `DOCKER_HOST` is set for new shells: the shell start-up files
//! and /etc/environment, so a fix can name the line to remove instead of "your profile".

use crate::host::Host;
use std::path::{Path, PathBuf};

/// A line that sets the variable: `path:line`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Setting {
    pub path: PathBuf,
    pub line: usize,
}

impl std::fmt::Display for Setting {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.path.display(), self.line)
    }
}

/// The files a login or interactive shell reads, user's first.
fn candidates(host: &dyn Host) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Some(home) = super::json_file::home_dir(host) {
        for f in [
            ".bashrc",
            ".bash_profile",
            ".bash_login",
            ".profile",
            ".zshrc",
            ".zprofile",
            ".zshenv",
            ".config/fish/config.fish",
        ] {
            out.push(home.join(f));
        }
    }
    for f in [
        "/etc/environment",
        "/etc/profile",
        "/etc/bash.bashrc",
        "/etc/zsh/zshenv",
    ] {
        out.push(PathBuf::from(f));
    }
    let dir = Path::new("/etc/profile.d");
    for name in host.list_dir(dir).unwrap_or_default() {
        if name.ends_with(".sh") {
            out.push(dir.join(name));
        }
    }
    out
}

/// Whether `line` assigns `var` (`export VAR=`, `VAR=`, `set -gx VAR`, `setenv VAR`).
fn assigns(line: &str, var: &str) -> bool {
    let l = line.trim_start();
    if l.starts_with('#') {
        return false;
    }
    let l = l
        .strip_prefix("export ")
        .or_else(|| l.strip_prefix("declare -x "))
        .unwrap_or(l)
        .trim_start();
    l.strip_prefix(var).is_some_and(|r| r.starts_with('='))
        || ["set -gx ", "set -Ux ", "set -x ", "setenv "]
            .iter()
            .any(|p| {
                l.strip_prefix(p)
                    .is_some_and(|r| r.split_whitespace().next() == Some(var))
            })
}

/// Every line of the shell start-up files that sets `var`.
pub fn where_set(host: &dyn Host, var: &str) -> Vec<Setting> {
    let mut out = Vec::new();
    for path in candidates(host) {
        let Ok(text) = host.read_text(&path) else {
            continue;
        };
        for (i, line) in text.lines().enumerate() {
            if assigns(line, var) {
                out.push(Setting {
                    path: path.clone(),
                    line: i + 1,
                });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::assigns;

    #[test]
    fn recognises_assignments_in_the_usual_shells() {
        assert!(assigns("export DOCKER_HOST=tcp://x:2375", "DOCKER_HOST"));
        assert!(assigns("  DOCKER_HOST=\"unix:///x\"", "DOCKER_HOST"));
        assert!(assigns("set -gx DOCKER_CONTEXT gone", "DOCKER_CONTEXT"));
        assert!(!assigns("# export DOCKER_HOST=x", "DOCKER_HOST"));
        assert!(!assigns("export DOCKER_HOSTNAME=x", "DOCKER_HOST"));
        assert!(!assigns("echo $DOCKER_HOST", "DOCKER_HOST"));
    }
}
