//! What kind of machine this is: OS, distribution, kernel, WSL, init system.

use super::systemd::is_systemd;
use crate::host::Host;
use serde::Serialize;
use std::path::Path;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Platform {
    pub os: String,
    pub arch: String,
    /// `ID` of /etc/os-release (`debian`, `ubuntu`, `fedora`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub distro_id: Option<String>,
    /// `ID_LIKE` of /etc/os-release, split.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub distro_like: Vec<String>,
    /// `PRETTY_NAME` of /etc/os-release; on Windows and macOS the OS's own name
    /// ("Windows 11 Pro", "macOS 15.1 Sequoia").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub distro: Option<String>,
    /// `VERSION_ID` of /etc/os-release (`12`, `22.04`); Windows' "11 (26100)", macOS' "15.1".
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kernel: Option<String>,
    pub wsl: bool,
    pub systemd: bool,
}

impl Platform {
    pub fn detect(host: &dyn Host) -> Platform {
        let os = host.os();
        // os-release and /proc are Linux's: elsewhere (Windows maps / to a drive, where a
        // Linux file may even be found through Wine) they say nothing of this machine.
        let linux = os.os == "linux";
        let release = if linux {
            host.read_text(Path::new("/etc/os-release"))
                .or_else(|_| host.read_text(Path::new("/usr/lib/os-release")))
                .unwrap_or_default()
        } else {
            String::new()
        };
        let field = |k: &str| os_release_field(&release, k);
        let kernel = if linux {
            host.read_text(Path::new("/proc/sys/kernel/osrelease"))
                .ok()
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
        } else {
            os.kernel.clone()
        };
        let wsl = kernel
            .as_deref()
            .is_some_and(|k| k.to_ascii_lowercase().contains("microsoft"))
            || host.env_nonempty("WSL_DISTRO_NAME").is_some();
        Platform {
            distro_id: field("ID"),
            distro_like: field("ID_LIKE")
                .map(|s| s.split_whitespace().map(str::to_string).collect())
                .unwrap_or_default(),
            distro: if linux {
                field("PRETTY_NAME")
            } else {
                os.name.clone()
            },
            version_id: if linux {
                field("VERSION_ID")
            } else {
                os.version.clone()
            },
            kernel,
            wsl,
            systemd: os.os == "linux" && is_systemd(host),
            os: os.os,
            arch: os.arch,
        }
    }

    /// The distribution family for package commands: `debian`, `fedora`, `arch`, ...
    pub fn family(&self) -> Option<&str> {
        const FAMILIES: &[&str] = &[
            "debian", "ubuntu", "fedora", "rhel", "centos", "arch", "alpine", "suse", "opensuse",
        ];
        std::iter::once(self.distro_id.as_deref())
            .chain(self.distro_like.iter().map(|s| Some(s.as_str())))
            .flatten()
            .find(|id| FAMILIES.iter().any(|f| id.starts_with(f)))
    }

    /// The major release number (`12` of Debian 12, `22` of Ubuntu 22.04).
    pub fn release_major(&self) -> Option<u32> {
        self.version_id.as_deref()?.split('.').next()?.parse().ok()
    }
}

/// A field of os-release, unquoted.
pub fn os_release_field(text: &str, key: &str) -> Option<String> {
    text.lines().find_map(|line| {
        let (k, v) = line.split_once('=')?;
        (k.trim() == key).then(|| v.trim().trim_matches(['"', '\'']).to_string())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_quoted_and_bare_fields() {
        let t =
            "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nID=debian\nID_LIKE='rhel fedora'\n";
        assert_eq!(os_release_field(t, "ID").as_deref(), Some("debian"));
        assert_eq!(
            os_release_field(t, "PRETTY_NAME").as_deref(),
            Some("Debian GNU/Linux 12 (bookworm)")
        );
        assert_eq!(
            os_release_field(t, "ID_LIKE").as_deref(),
            Some("rhel fedora")
        );
        assert_eq!(os_release_field(t, "VERSION_ID"), None);
    }
}
