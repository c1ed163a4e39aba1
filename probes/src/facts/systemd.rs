//! Reading systemd units the way systemd merges them: the unit file (first of /etc, /run,
//! /usr/lib, /lib), then drop-ins in `<unit>.d/*.conf` in name order. Only what the probes
//! need: `ExecStart` (with `ExecStart=` resetting the list) and `Environment=` lines.

use crate::host::Host;
use std::path::{Path, PathBuf};

const UNIT_DIRS: &[&str] = &[
    "/etc/systemd/system",
    "/run/systemd/system",
    "/usr/local/lib/systemd/system",
    "/usr/lib/systemd/system",
    "/lib/systemd/system",
];

/// The unit as systemd would assemble it from files on disk (which may differ from what a
/// running manager loaded, when nobody ran `systemctl daemon-reload`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Unit {
    /// Every file that contributed, in the order systemd reads them.
    pub files: Vec<PathBuf>,
    /// The effective `ExecStart`, split into words.
    pub exec_start: Option<Vec<String>>,
}

impl Unit {
    pub fn exists(&self) -> bool {
        !self.files.is_empty()
    }
}

/// `true` when systemd is the init system (what `sd_booted()` checks).
pub fn is_systemd(host: &dyn Host) -> bool {
    host.stat(Path::new("/run/systemd/system")).is_ok()
}

/// The files systemd reads for a unit, in its order: the unit file (first found), then the
/// `<unit>.d/*.conf` drop-ins sorted by name, an earlier directory's masking a later one's.
pub fn unit_files(host: &dyn Host, name: &str) -> Vec<PathBuf> {
    let main = UNIT_DIRS
        .iter()
        .map(|d| Path::new(d).join(name))
        .find(|p| host.read_file(p).is_ok());
    let mut files: Vec<PathBuf> = main.into_iter().collect();
    let mut dropins: Vec<(String, PathBuf)> = Vec::new();
    for dir in UNIT_DIRS {
        let d = Path::new(dir).join(format!("{name}.d"));
        for entry in host.list_dir(&d).unwrap_or_default() {
            if entry.ends_with(".conf") && !dropins.iter().any(|(n, _)| *n == entry) {
                dropins.push((entry.clone(), d.join(&entry)));
            }
        }
    }
    dropins.sort();
    files.extend(dropins.into_iter().map(|(_, p)| p));
    files
}

pub fn load_unit(host: &dyn Host, name: &str) -> Unit {
    let mut unit = Unit::default();
    let files = unit_files(host, name);
    for file in &files {
        let Ok(text) = host.read_text(file) else {
            continue;
        };
        for (key, value) in directives(&text, "Service") {
            if key == "ExecStart" {
                unit.exec_start = if value.trim().is_empty() {
                    None
                } else {
                    Some(split_command(&value))
                };
            }
        }
    }
    unit.files = files;
    unit
}

/// The `key=value` lines of one section, with `\` continuations joined and comments dropped.
pub fn directives(text: &str, section: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut in_section = false;
    let mut pending = String::new();
    for raw in text.lines() {
        let line = raw.trim();
        if pending.is_empty() && (line.starts_with('#') || line.starts_with(';')) {
            continue;
        }
        if pending.is_empty() && line.starts_with('[') && line.ends_with(']') {
            in_section = &line[1..line.len() - 1] == section;
            continue;
        }
        if let Some(stripped) = line.strip_suffix('\\') {
            pending.push_str(stripped);
            pending.push(' ');
            continue;
        }
        pending.push_str(line);
        let full = std::mem::take(&mut pending);
        if !in_section {
            continue;
        }
        if let Some((k, v)) = full.split_once('=') {
            out.push((k.trim().to_string(), v.trim().to_string()));
        }
    }
    out
}

/// Splits a line into words as systemd does: whitespace separates, single or double quotes
/// group, a backslash in quotes escapes. The flag says whether every quote was closed.
pub fn split_words(line: &str) -> (Vec<String>, bool) {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut quote: Option<char> = None;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), '\\') => word.extend(chars.next()),
            (Some(_), c) => word.push(c),
            (None, '"' | '\'') => {
                quote = Some(c);
                in_word = true;
            }
            (None, c) if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            (None, c) => {
                word.push(c);
                in_word = true;
            }
        }
    }
    if in_word {
        words.push(word);
    }
    (words, quote.is_none())
}

/// Splits a command line into words (see [`split_words`]) and drops the systemd prefixes
/// (`-`, `@`, `+`, `!`, `:`) of the executable.
pub fn split_command(line: &str) -> Vec<String> {
    let (mut words, _) = split_words(line);
    if let Some(first) = words.first_mut() {
        *first = first
            .trim_start_matches(['-', '@', '+', '!', ':'])
            .to_string();
    }
    words
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_quotes_and_prefixes() {
        assert_eq!(
            split_command(r#"-/usr/bin/dockerd -H fd:// --label "a b" --x='c'"#),
            vec!["/usr/bin/dockerd", "-H", "fd://", "--label", "a b", "--x=c"]
        );
    }

    #[test]
    fn reads_one_section_with_continuations() {
        let text = "[Unit]\nExecStart=no\n[Service]\n# c\nExecStart=\nExecStart=/usr/bin/dockerd \\\n  -H fd://\nEnvironment=\"A=1\"\n";
        let d = directives(text, "Service");
        assert_eq!(d[0], ("ExecStart".into(), "".into()));
        assert_eq!(
            split_command(&d[1].1),
            vec!["/usr/bin/dockerd", "-H", "fd://"]
        );
        assert_eq!(d[2], ("Environment".into(), "\"A=1\"".into()));
    }
}
