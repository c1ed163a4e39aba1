//! Reading a JSON file that a user (or an install script) may have broken.
//!
//! Every failure keeps what a person needs to find the fault: the file, and for a syntax
//! error the line and column, as `python3 -m json.tool` would show them.

use crate::host::Host;
use serde_json::Value;
use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, PartialEq)]
pub enum JsonFile {
    Missing,
    Unreadable { error: String },
    Invalid(JsonSyntaxError),
    Loaded(Value),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonSyntaxError {
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl fmt::Display for JsonSyntaxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "line {}, column {}: {}",
            self.line, self.column, self.message
        )
    }
}

/// A file that exists but is empty is `Invalid` (dockerd says only "EOF" about it).
pub fn read_json(host: &dyn Host, path: &Path) -> JsonFile {
    match host.read_file(path) {
        Ok(bytes) => parse_json(&bytes),
        Err(e) if e.kind() == io::ErrorKind::NotFound => JsonFile::Missing,
        Err(e) => JsonFile::Unreadable {
            error: io_error_text(&e),
        },
    }
}

pub fn parse_json(bytes: &[u8]) -> JsonFile {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return JsonFile::Invalid(JsonSyntaxError {
            line: 1,
            column: 1,
            message: "the file is empty; write {} for an empty configuration".into(),
        });
    }
    match serde_json::from_slice::<Value>(bytes) {
        Ok(v) => JsonFile::Loaded(v),
        Err(e) => JsonFile::Invalid(JsonSyntaxError {
            line: e.line(),
            column: e.column(),
            message: strip_position(&e.to_string()),
        }),
    }
}

/// serde_json appends " at line L column C"; we report those as fields.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_string(),
        None => message.to_string(),
    }
}

/// An io::Error as a short cause ("permission denied"), without Rust's "(os error 13)".
pub fn io_error_text(e: &io::Error) -> String {
    match e.kind() {
        io::ErrorKind::PermissionDenied => "permission denied".into(),
        io::ErrorKind::NotFound => "no such file".into(),
        io::ErrorKind::InvalidData => "not valid UTF-8 text".into(),
        io::ErrorKind::InvalidInput => e.to_string(),
        _ => {
            let s = e.to_string();
            match s.find(" (os error") {
                Some(i) => s[..i].to_lowercase(),
                None => s,
            }
        }
    }
}

/// `$DOCKER_CONFIG`, else `~/.docker`: where the CLI keeps config.json and contexts.
pub fn docker_config_dir(host: &dyn Host) -> Option<PathBuf> {
    if let Some(dir) = host.env_nonempty("DOCKER_CONFIG") {
        return Some(PathBuf::from(dir));
    }
    home_dir(host).map(|h| h.join(".docker"))
}

/// `$HOME`, else the account's home directory.
pub fn home_dir(host: &dyn Host) -> Option<PathBuf> {
    host.env_nonempty("HOME")
        .map(PathBuf::from)
        .or_else(|| host.identity().home)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trailing_comma_names_line_and_column() {
        let JsonFile::Invalid(e) = parse_json(b"{\n  \"debug\": true,\n}\n") else {
            panic!("expected invalid")
        };
        assert_eq!((e.line, e.column), (3, 1));
        assert!(e.message.contains("trailing comma"), "{}", e.message);
    }

    #[test]
    fn empty_file_is_invalid_not_missing() {
        assert!(matches!(parse_json(b"  \n"), JsonFile::Invalid(_)));
    }

    #[test]
    fn html_instead_of_json_is_invalid_at_line_one() {
        let JsonFile::Invalid(e) = parse_json(b"<!DOCTYPE html>") else {
            panic!()
        };
        assert_eq!(e.line, 1);
    }

    #[test]
    fn valid_json_loads() {
        assert_eq!(
            parse_json(br#"{"a":1}"#),
            JsonFile::Loaded(serde_json::json!({"a":1}))
        );
    }
}
