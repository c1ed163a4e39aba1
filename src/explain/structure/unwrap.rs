//! A line as a log wraps it (JSON, logfmt, ANSI colours, percent-encoding), unwrapped to
//! the words the layers above read.

use super::*;

/// A log line's payload, unwrapped: JSON and logfmt escapes undone (`\"`, `\n` as a line
/// break, `\t`, `\u001b`), ANSI colour sequences gone. A line without escapes is as it was.
pub(crate) fn unwrap_line(line: &str) -> Vec<String> {
    // Markdown bold around part of a pasted error (`**client version 1.40**`) is the
    // reporter's, not the error's.
    let line = strip_ansi(line);
    let line = if line.contains("**") {
        Cow::Owned(line.replace("**", ""))
    } else {
        line
    };
    // So is a markdown link a forum turned a word of it into (`API [version](url)`).
    static LINK: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"\[([^\[\]]*)\]\([^()\s]*(?:\([^()\s]*\))?[^()\s]*\)").expect("link")
    });
    let line = if line.contains("](") {
        Cow::Owned(LINK.replace_all(&line, "$1").into_owned())
    } else {
        line
    };
    // A whole message percent-encoded (a query parameter, a URL-safe log field): its
    // words only once decoded. A URL inside a plain sentence keeps its escapes.
    let line = if !line.contains(' ') && line.matches("%20").count() >= 2 {
        Cow::Owned(
            percent_encoding::percent_decode_str(&line)
                .decode_utf8_lossy()
                .into_owned(),
        )
    } else {
        line
    };
    let escaped = line.contains("\\\"") || line.contains("\\n") || line.contains("\\u00");
    let looks_logged = line.trim_start().starts_with('{')
        || line.contains("msg=")
        || line.contains("error=")
        || line.contains("err=")
        || line.contains("\\\"");
    if !(escaped && looks_logged) {
        return vec![line.into_owned()];
    }
    let mut out = String::with_capacity(line.len());
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') | Some('r') => out.push(' '),
            Some('"') => out.push('"'),
            Some('\\') => out.push('\\'),
            Some('u') => {
                let hex: String = chars.by_ref().take(4).collect();
                match u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32) {
                    Some(ch) if !ch.is_control() => out.push(ch),
                    Some(_) => out.push(' '),
                    None => {
                        out.push_str("\\u");
                        out.push_str(&hex);
                    }
                }
            }
            Some(other) => {
                out.push('\\');
                out.push(other);
            }
            None => out.push('\\'),
        }
    }
    strip_ansi(&out)
        .split('\n')
        .filter(|l| !l.trim().is_empty())
        .map(str::to_string)
        .collect()
}

/// `\x1b[...m` and other CSI sequences removed (a coloured terminal or CI log).
fn strip_ansi(line: &str) -> Cow<'_, str> {
    if !line.contains('\x1b') {
        return Cow::Borrowed(line);
    }
    let mut out = String::with_capacity(line.len());
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\x1b' {
            out.push(c);
            continue;
        }
        if chars.peek() == Some(&'[') {
            chars.next();
            // Parameters and intermediates, then one final byte in @..~.
            for n in chars.by_ref() {
                if ('@'..='~').contains(&n) {
                    break;
                }
            }
        } else {
            chars.next();
        }
    }
    Cow::Owned(out)
}
