//! Where the docker CLI looks for its plugins (`docker compose`, `docker buildx`), in its
//! order: config.json's `cliPluginsExtraDirs` (Docker Desktop's own folder), the user's
//! `~/.docker/cli-plugins`, then the system folders of this OS.

use super::json_file::{JsonFile, docker_config_dir, read_json};
use crate::host::Host;
use std::path::PathBuf;

/// Where the CLI looks for plugins besides the user's own directory (docker/cli).
const SYSTEM_PLUGIN_DIRS: &[&str] = &[
    "/usr/local/lib/docker/cli-plugins",
    "/usr/local/libexec/docker/cli-plugins",
    "/usr/lib/docker/cli-plugins",
    "/usr/libexec/docker/cli-plugins",
];

pub fn dirs(host: &dyn Host, os: &str) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = docker_config_dir(host)
        .map(|d| d.join("cli-plugins"))
        .into_iter()
        .collect();
    if os == "windows" {
        let program_files = host
            .env_nonempty("ProgramFiles")
            .unwrap_or_else(|| r"C:\Program Files".into());
        let program_data = host
            .env_nonempty("ProgramData")
            .unwrap_or_else(|| r"C:\ProgramData".into());
        dirs.push(PathBuf::from(format!(
            r"{program_files}\Docker\cli-plugins"
        )));
        dirs.push(PathBuf::from(format!(r"{program_data}\Docker\cli-plugins")));
    } else {
        dirs.extend(SYSTEM_PLUGIN_DIRS.iter().map(PathBuf::from));
        if os == "macos" {
            // The CLI's extra system directories on macOS (Homebrew on Apple silicon).
            dirs.push("/opt/homebrew/lib/docker/cli-plugins".into());
            dirs.push("/opt/homebrew/libexec/docker/cli-plugins".into());
        }
    }
    // Docker Desktop (macOS, Windows) keeps its plugins in its own folder and lists it in
    // config.json's "cliPluginsExtraDirs", which the CLI searches first.
    if let Some(dir) = docker_config_dir(host)
        && let JsonFile::Loaded(config) = read_json(host, &dir.join("config.json"))
        && let Some(extra) = config.get("cliPluginsExtraDirs").and_then(|v| v.as_array())
    {
        let extra: Vec<PathBuf> = extra
            .iter()
            .filter_map(|d| d.as_str())
            .map(PathBuf::from)
            .collect();
        dirs.splice(0..0, extra);
    }
    dirs
}

pub fn find(host: &dyn Host, os: &str, dirs: &[PathBuf], plugin: &str) -> Option<PathBuf> {
    let exe = if os == "windows" {
        format!("docker-{plugin}.exe")
    } else {
        format!("docker-{plugin}")
    };
    dirs.iter().map(|d| d.join(&exe)).find(|p| host.exists(p))
}
