//! An init script's options file (Debian's /etc/default/docker, OpenRC's /etc/conf.d/docker):
//! a shell fragment the script sources with `.`. Read the way `sh` reads it: a quote left
//! open is a syntax error that ends the init script itself (`service docker start` fails
//! before dockerd runs), and an assignment without `export` stays in the script's shell, so
//! dockerd never sees a proxy written that way.

use std::collections::HashSet;

/// One `NAME=value` of the file, with whether `NAME` is exported by the end of the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assignment {
    pub line: usize,
    pub name: String,
    /// The value after quote removal (expansions such as `$X` are kept as written).
    pub value: String,
    pub exported: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OptionsFile {
    /// Every assignment, in file order (the last one of a name wins).
    pub assignments: Vec<Assignment>,
    /// The line of a quote that is never closed: `sh` refuses the whole file there.
    pub unterminated_quote: Option<usize>,
}

impl OptionsFile {
    /// The value `name` has once the file is sourced.
    pub fn get(&self, name: &str) -> Option<&Assignment> {
        self.assignments.iter().rev().find(|a| a.name == name)
    }
}

/// One word of a command, with the line it starts on.
struct Word {
    line: usize,
    text: String,
}

pub fn parse(text: &str) -> OptionsFile {
    let mut out = OptionsFile::default();
    let mut exported: HashSet<String> = HashSet::new();
    let mut all_export = false;
    let (commands, unterminated) = commands(text);
    out.unterminated_quote = unterminated;
    for words in commands {
        let Some(first) = words.first() else { continue };
        match first.text.as_str() {
            "export" => {
                for w in &words[1..] {
                    match assignment(&w.text) {
                        Some((name, value)) => {
                            exported.insert(name.to_string());
                            out.assignments.push(Assignment {
                                line: w.line,
                                name: name.to_string(),
                                value: value.to_string(),
                                exported: true,
                            });
                        }
                        None => {
                            exported.insert(w.text.clone());
                        }
                    }
                }
            }
            "set" if words[1..].iter().any(|w| w.text == "-a") => all_export = true,
            "set" if words[1..].iter().any(|w| w.text == "+a") => all_export = false,
            // Assignments alone set variables; assignments before a command only set them
            // for that command.
            _ if words.iter().all(|w| assignment(&w.text).is_some()) => {
                for w in &words {
                    let (name, value) = assignment(&w.text).unwrap_or_default();
                    if all_export {
                        exported.insert(name.to_string());
                    }
                    out.assignments.push(Assignment {
                        line: w.line,
                        name: name.to_string(),
                        value: value.to_string(),
                        exported: false,
                    });
                }
            }
            _ => {}
        }
    }
    for a in &mut out.assignments {
        a.exported |= exported.contains(&a.name);
    }
    out
}

/// `NAME=value` with a valid shell name.
fn assignment(word: &str) -> Option<(&str, &str)> {
    let (name, value) = word.split_once('=')?;
    let mut chars = name.chars();
    let first = chars.next()?;
    ((first.is_ascii_alphabetic() || first == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_'))
    .then_some((name, value))
}

/// The simple commands of the text (split at newlines and `;` outside quotes), each as
/// words with quotes removed; and the line of a quote never closed.
fn commands(text: &str) -> (Vec<Vec<Word>>, Option<usize>) {
    let mut out: Vec<Vec<Word>> = Vec::new();
    let mut command: Vec<Word> = Vec::new();
    let mut word: Option<Word> = None;
    let mut line = 1;
    let mut chars = text.chars().peekable();
    let end_word = |word: &mut Option<Word>, command: &mut Vec<Word>| {
        if let Some(w) = word.take() {
            command.push(w);
        }
    };
    while let Some(c) = chars.next() {
        match c {
            '\n' | ';' | '&' | '|' => {
                end_word(&mut word, &mut command);
                if !command.is_empty() {
                    out.push(std::mem::take(&mut command));
                }
                if c == '\n' {
                    line += 1;
                }
            }
            ' ' | '\t' | '\r' => end_word(&mut word, &mut command),
            '#' if word.is_none() => {
                // A comment runs to the end of the line.
                while chars.peek().is_some_and(|&c| c != '\n') {
                    chars.next();
                }
            }
            '\\' => {
                match chars.next() {
                    Some('\n') => line += 1, // a line continuation
                    Some(c) => word
                        .get_or_insert_with(|| Word {
                            line,
                            text: String::new(),
                        })
                        .text
                        .push(c),
                    None => {}
                }
            }
            '\'' | '"' => {
                let open = line;
                let w = word.get_or_insert_with(|| Word {
                    line,
                    text: String::new(),
                });
                let mut closed = false;
                while let Some(q) = chars.next() {
                    if q == c {
                        closed = true;
                        break;
                    }
                    if q == '\n' {
                        line += 1;
                    }
                    if c == '"' && q == '\\' {
                        match chars.next() {
                            Some(e @ ('"' | '\\' | '$' | '`')) => w.text.push(e),
                            Some('\n') => line += 1,
                            Some(e) => {
                                w.text.push('\\');
                                w.text.push(e);
                            }
                            None => {}
                        }
                        continue;
                    }
                    w.text.push(q);
                }
                if !closed {
                    return (out, Some(open));
                }
            }
            c => word
                .get_or_insert_with(|| Word {
                    line,
                    text: String::new(),
                })
                .text
                .push(c),
        }
    }
    end_word(&mut word, &mut command);
    if !command.is_empty() {
        out.push(command);
    }
    (out, None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_assignments_as_sh_does() {
        let f = parse(
            "# comment\nDOCKER_OPTS=\"--dns 8.8.8.8 --ipv6=false\"\nexport http_proxy='http://u:p@proxy:3128'\nHTTPS_PROXY=http://proxy:3128\nNO_PROXY=localhost; export NO_PROXY\nexport A B=2\nX=1 some-command\n",
        );
        let get = |n: &str| f.get(n).map(|a| (a.line, a.value.as_str(), a.exported));
        assert_eq!(
            get("DOCKER_OPTS"),
            Some((2, "--dns 8.8.8.8 --ipv6=false", false))
        );
        assert_eq!(get("http_proxy"), Some((3, "http://u:p@proxy:3128", true)));
        assert_eq!(get("HTTPS_PROXY"), Some((4, "http://proxy:3128", false)));
        assert_eq!(get("NO_PROXY"), Some((5, "localhost", true)));
        assert_eq!(get("B"), Some((6, "2", true)));
        // An assignment before a command is for that command only.
        assert_eq!(get("X"), None);
        assert_eq!(f.unterminated_quote, None);
    }

    #[test]
    fn set_a_exports_what_follows() {
        let f = parse("A=1\nset -a\nB=2\n");
        assert!(!f.get("A").unwrap().exported);
        assert!(f.get("B").unwrap().exported);
    }

    #[test]
    fn an_open_quote_is_the_line_it_opens_on() {
        let f = parse("A=1\n\nexport http_proxy=\"http://x:3128\nB=2\n");
        assert_eq!(f.unterminated_quote, Some(3));
        assert_eq!(f.get("A").unwrap().value, "1");
        // A quoted value over two lines is fine.
        let f = parse("DOCKER_OPTS=\"-D\n --dns 1.1.1.1\"\nexport C=3\n");
        assert_eq!(f.unterminated_quote, None);
        assert_eq!(f.get("C").unwrap().line, 3);
    }

    #[test]
    fn hostile_text_never_panics() {
        for t in [
            "\\",
            "\"\\",
            "'",
            "=",
            "export",
            "export =",
            "#",
            "é=1",
            "\u{0}=\u{0}",
        ] {
            let _ = parse(t);
        }
    }
}
