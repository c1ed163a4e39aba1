//! The version a Go program was built as, read from its own file instead of running it.
//! `docker --version` costs a process spawn on every run (most of a full check's time);
//! the docker CLI is built with `-X github.com/docker/cli/cli/version.Version=…`, and Go
//! (1.18+) records those link flags in the `.go.buildinfo` section of the ELF file. Reading
//! it takes four small reads. Anything unexpected (not ELF, another architecture, no build
//! info, no such flag) is `None`, and the caller runs the program as before.

use std::path::Path;

/// The `-X <symbol>=<value>` value of a Go ELF binary built for this machine.
pub fn linked_value(path: &Path, symbol: &str) -> Option<String> {
    let header = crate::bounded::read_at(path, 0, 64).ok()?;
    if header.len() < 64 || &header[..4] != b"\x7fELF" || header[4] != 2 || header[5] != 1 {
        return None; // not a 64-bit little-endian ELF file
    }
    let machine = u16le(&header, 0x12)?;
    let native = match std::env::consts::ARCH {
        "x86_64" => 62,
        "aarch64" => 183,
        _ => return None,
    };
    if machine != native {
        return None; // the run would fail with "exec format error": let it
    }
    let shoff = u64le(&header, 0x28)?;
    let shentsize = u16le(&header, 0x3A)? as u64;
    let shnum = u16le(&header, 0x3C)? as u64;
    let shstrndx = u16le(&header, 0x3E)? as u64;
    if shentsize != 64 || shnum == 0 || shnum > 1024 || shstrndx >= shnum {
        return None;
    }
    let table = crate::bounded::read_at(path, shoff, shnum * 64).ok()?;
    let section = |i: u64| -> Option<(u32, u64, u64)> {
        let s = table.get((i * 64) as usize..(i * 64 + 64) as usize)?;
        Some((u32le(s, 0)?, u64le(s, 0x18)?, u64le(s, 0x20)?))
    };
    let (_, str_off, str_size) = section(shstrndx)?;
    let names = crate::bounded::read_at(path, str_off, str_size.min(64 << 10)).ok()?;
    let (_, off, size) = (0..shnum).filter_map(section).find(|(name, _, _)| {
        names
            .get(*name as usize..)
            .is_some_and(|n| n.starts_with(b".go.buildinfo\0"))
    })?;
    let info = crate::bounded::read_at(path, off, size.min(64 << 10)).ok()?;
    value_in_section(&info, symbol)
}

/// The `-X symbol=value` value recorded in the bytes of a `.go.buildinfo` section.
pub fn value_in_section(info: &[u8], symbol: &str) -> Option<String> {
    ldflag_value(&inline_modinfo(info)?, symbol)
}

/// The module info string of an inline-strings build info blob (Go 1.18+).
fn inline_modinfo(info: &[u8]) -> Option<String> {
    if info.len() < 32 || &info[..14] != b"\xff Go buildinf:" || info[15] & 2 == 0 {
        return None;
    }
    let mut rest = &info[32..];
    let mut next = || -> Option<Vec<u8>> {
        let (len, used) = uvarint(rest)?;
        let s = rest.get(used..used + len as usize)?.to_vec();
        rest = &rest[used + len as usize..];
        Some(s)
    };
    let _go_version = next()?;
    let modinfo = next()?;
    Some(String::from_utf8_lossy(&modinfo).into_owned())
}

/// `value` of `-X symbol=value` (quoted or not) on the `build -ldflags=` line.
fn ldflag_value(modinfo: &str, symbol: &str) -> Option<String> {
    let line = modinfo
        .lines()
        .find(|l| l.starts_with("build\t-ldflags="))?;
    let at = line.find(&format!("{symbol}="))? + symbol.len() + 1;
    let value: String = line[at..]
        .chars()
        .take_while(|c| !c.is_whitespace() && *c != '"' && *c != '\'' && *c != '\\')
        .collect();
    (!value.is_empty()).then_some(value)
}

fn uvarint(b: &[u8]) -> Option<(u64, usize)> {
    let mut x = 0u64;
    for (i, byte) in b.iter().enumerate().take(10) {
        x |= u64::from(byte & 0x7f) << (7 * i);
        if byte & 0x80 == 0 {
            return Some((x, i + 1));
        }
    }
    None
}

fn u16le(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(b.get(at..at + 2)?.try_into().ok()?))
}

fn u32le(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

fn u64le(b: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_le_bytes(b.get(at..at + 8)?.try_into().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ldflags_values_quoted_or_not() {
        let m = "path\tgithub.com/docker/cli\nbuild\t-ldflags=\" -X \\\"github.com/docker/cli/cli/version.GitCommit=e6534b4\\\" -X \\\"github.com/docker/cli/cli/version.Version=28.2.2\\\" -extldflags -static\"\n";
        assert_eq!(
            ldflag_value(m, "github.com/docker/cli/cli/version.Version").as_deref(),
            Some("28.2.2")
        );
        let bare =
            "build\t-ldflags=-X github.com/docker/cli/cli/version.Version=20.10.24+dfsg1 -w\n";
        assert_eq!(
            ldflag_value(bare, "github.com/docker/cli/cli/version.Version").as_deref(),
            Some("20.10.24+dfsg1")
        );
        assert_eq!(ldflag_value("build\tCGO_ENABLED=0\n", "x.Version"), None);
    }

    #[test]
    fn not_elf_is_none() {
        let dir = tempfile::tempdir().unwrap();
        let script = dir.path().join("docker");
        std::fs::write(&script, "#!/bin/sh\necho 'Docker version 1.0.0, build x'\n").unwrap();
        assert_eq!(linked_value(&script, "a.Version"), None);
        assert_eq!(linked_value(&dir.path().join("missing"), "a.Version"), None);
    }

    #[test]
    fn this_test_binary_has_no_docker_version() {
        // A real ELF file of this architecture, built by Rust: no Go build info.
        let me = std::env::current_exe().unwrap();
        assert_eq!(
            linked_value(&me, "github.com/docker/cli/cli/version.Version"),
            None
        );
    }
}
