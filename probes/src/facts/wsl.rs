//! WSL and Windows facts: which WSL a Linux runs in, what `wsl.exe` says of the distros, the
//! TCP port ranges Windows reserves (Hyper-V / WinNAT), and `/etc/wsl.conf`.
//!
//! `wsl.exe` writes UTF-16LE unless `WSL_UTF8=1`, with `\r\r\n` line ends, and its labels
//! are translated: parse numbers and column positions, never English words.

use crate::host::Host;
use std::path::Path;

/// Command output as text: UTF-16LE when it looks like it (a BOM, or NUL in the odd bytes
/// of ASCII text, as `wsl.exe` writes), else UTF-8. `\r` and NUL are dropped.
pub fn decode_output(bytes: &[u8]) -> String {
    let has_bom = bytes.starts_with(&[0xFF, 0xFE]);
    let odd_nuls = bytes.len() >= 4
        && bytes
            .chunks(2)
            .take(64)
            .filter(|c| c.len() == 2 && c[1] == 0)
            .count()
            * 2
            >= bytes.len().min(128) / 2;
    let text = if has_bom || odd_nuls {
        let start = if has_bom { 2 } else { 0 };
        let units: Vec<u16> = bytes[start..]
            .chunks_exact(2)
            .map(|c| u16::from_le_bytes([c[0], c[1]]))
            .collect();
        String::from_utf16_lossy(&units)
    } else {
        String::from_utf8_lossy(bytes).into_owned()
    };
    text.replace(['\r', '\0'], "")
}

/// Which WSL this Linux runs in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WslVersion {
    /// A translation layer without a Linux kernel: Docker cannot run.
    Wsl1,
    Wsl2,
}

/// From the kernel release: `4.4.0-19041-Microsoft` (WSL 1), `5.15.153.1-microsoft-standard-WSL2`.
pub fn version_from_kernel(release: &str) -> Option<WslVersion> {
    let lower = release.to_ascii_lowercase();
    if !lower.contains("microsoft") {
        return None;
    }
    if lower.contains("wsl2") || lower.contains("microsoft-standard") {
        Some(WslVersion::Wsl2)
    } else {
        Some(WslVersion::Wsl1)
    }
}

/// One line of `wsl -l -v`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Distro {
    pub name: String,
    /// As printed (translated: `Running`, `Stopped`, `Wird ausgeführt`...).
    pub state: String,
    pub version: u8,
    pub default: bool,
}

/// `wsl -l -v`: a header, then `[*] NAME STATE VERSION`, the version the last column.
pub fn parse_list(text: &str) -> Vec<Distro> {
    text.lines()
        .skip(1)
        .filter_map(|line| {
            let trimmed = line.trim();
            let default = trimmed.starts_with('*');
            let words: Vec<&str> = trimmed.trim_start_matches('*').split_whitespace().collect();
            let version: u8 = words.last()?.parse().ok()?;
            if words.len() < 3 {
                return None;
            }
            Some(Distro {
                name: words[0].to_string(),
                state: words[1..words.len() - 1].join(" "),
                version,
                default,
            })
        })
        .collect()
}

/// `netsh interface ipv4 show excludedportrange protocol=tcp`: lines of two numbers.
pub fn parse_excluded_ranges(text: &str) -> Vec<(u16, u16)> {
    text.lines()
        .filter_map(|l| {
            let nums: Vec<u16> = l
                .split_whitespace()
                .filter_map(|w| w.parse().ok())
                .collect();
            match nums.as_slice() {
                [a, b] if a <= b => Some((*a, *b)),
                _ => None,
            }
        })
        .collect()
}

/// A `key = value` of one section of an INI file such as /etc/wsl.conf or .wslconfig.
pub fn ini_value(text: &str, section: &str, key: &str) -> Option<String> {
    let mut in_section = false;
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if line.starts_with('[') && line.ends_with(']') {
            in_section = line[1..line.len() - 1].trim().eq_ignore_ascii_case(section);
            continue;
        }
        if in_section
            && let Some((k, v)) = line.split_once('=')
            && k.trim().eq_ignore_ascii_case(key)
        {
            return Some(v.trim().trim_matches('"').to_string());
        }
    }
    None
}

/// Whether `/etc/wsl.conf` turns systemd on.
pub fn systemd_enabled(host: &dyn Host) -> bool {
    host.read_text(Path::new("/etc/wsl.conf"))
        .ok()
        .and_then(|t| ini_value(&t, "boot", "systemd"))
        .is_some_and(|v| v.eq_ignore_ascii_case("true"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utf16(s: &str) -> Vec<u8> {
        s.encode_utf16().flat_map(|u| u.to_le_bytes()).collect()
    }

    #[test]
    fn decodes_wsl_exe_utf16_with_crcrlf() {
        let raw =
            utf16("  NAME      STATE           VERSION\r\r\n* Ubuntu    Running         2\r\r\n");
        let text = decode_output(&raw);
        assert_eq!(
            text,
            "  NAME      STATE           VERSION\n* Ubuntu    Running         2\n"
        );
        assert_eq!(decode_output(b"plain\r\n"), "plain\n");
    }

    #[test]
    fn parses_translated_lists_by_column() {
        let de = "  NAME              STATUS              VERSION\n* Ubuntu            Wird ausgeführt     2\n  docker-desktop    Beendet             2\n  Legacy            Beendet             1\n";
        let l = parse_list(de);
        assert_eq!(l.len(), 3);
        assert!(l[0].default && l[0].version == 2 && l[0].state == "Wird ausgeführt");
        assert_eq!((l[2].name.as_str(), l[2].version), ("Legacy", 1));
    }

    #[test]
    fn kernel_release_tells_wsl_versions() {
        assert_eq!(
            version_from_kernel("4.4.0-19041-Microsoft"),
            Some(WslVersion::Wsl1)
        );
        assert_eq!(
            version_from_kernel("5.15.153.1-microsoft-standard-WSL2"),
            Some(WslVersion::Wsl2)
        );
        assert_eq!(version_from_kernel("6.1.0-18-amd64"), None);
    }

    #[test]
    fn excluded_ranges_and_ini() {
        let netsh = "\nProtocol tcp Port Exclusion Ranges\n\nStart Port    End Port\n----------    --------\n      1080        1080\n     50000       50059     *\n\n* - Administered port exclusions.\n";
        assert_eq!(
            parse_excluded_ranges(netsh),
            vec![(1080, 1080), (50000, 50059)]
        );
        assert_eq!(
            ini_value("[boot]\nsystemd = true\n[network]\nx=1", "boot", "systemd").as_deref(),
            Some("true")
        );
    }
}
