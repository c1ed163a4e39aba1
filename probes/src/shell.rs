//! Turning fix steps into text a shell runs as written: every value quoted, root steps given
//! the prefix this host has. Values here are hostile input (paths, user names, environment
//! values): nothing from them may become shell syntax, and a comment never gets a line break.

/// How a root step is run on this host.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Prefix {
    /// Already root (or the step does not need it): no prefix.
    None,
    Sudo,
    Doas,
    /// Neither sudo nor doas: `su -c '…'` (asks for root's password).
    Su,
}

/// One word for a POSIX shell: bare when it is made only of characters no shell treats
/// specially, otherwise in single quotes (a `'` inside becomes `'\''`).
pub fn quote(word: &str) -> String {
    if is_placeholder(word) {
        // `<image>`: a value for a person to fill in, shown as such; a script keeps any
        // line with one as a comment.
        return word.to_string();
    }
    bare_or(word, "-_./:=@%+,", |w| {
        format!("'{}'", w.replace('\'', "'\\''"))
    })
}

/// The word as it is when every character is one of `safe` or alphanumeric, else `wrap`ped.
fn bare_or(word: &str, safe: &str, wrap: impl Fn(&str) -> String) -> String {
    let plain = !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || safe.contains(c));
    if plain { word.to_string() } else { wrap(word) }
}

/// A whole word that is a placeholder: `<image>`, `<password>`.
pub fn is_placeholder(word: &str) -> bool {
    word.len() > 2
        && word.starts_with('<')
        && word.ends_with('>')
        && word[1..word.len() - 1]
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_ ".contains(c))
        && word[1..].starts_with(|c: char| c.is_ascii_alphanumeric())
}

/// The characters PowerShell ends a single-quoted string at: `'` and the typographic
/// single quotes (‘ ’ ‚ ‛), which it takes for the same quote.
const POWERSHELL_QUOTES: &[char] = &['\'', '\u{2018}', '\u{2019}', '\u{201A}', '\u{201B}'];

/// One word for PowerShell: bare when plain, else in single quotes with every quote
/// character inside doubled. A word that starts with `-` is bare only as a parameter name
/// (`-Group`, `--shutdown`): anything else there (`-Member:x`) is quoted, so a value can
/// never bind a parameter of its own.
pub fn quote_powershell(word: &str) -> String {
    if let Some(rest) = word.strip_prefix('-') {
        let name = rest.strip_prefix('-').unwrap_or(rest);
        let parameter = name.starts_with(|c: char| c.is_ascii_alphabetic())
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
        return if parameter {
            word.to_string()
        } else {
            powershell_string(word)
        };
    }
    bare_or(word, "-_./:=\\", powershell_string)
}

/// `'…'`, every quote character inside doubled: a string in PowerShell's expression mode
/// (method arguments, assignments) and one literal word in command mode, never a
/// parameter. Values in PowerShell lines are always written so.
pub fn powershell_string(w: &str) -> String {
    let mut out = String::with_capacity(w.len() + 2);
    out.push('\'');
    for c in w.chars() {
        out.push(c);
        if POWERSHELL_QUOTES.contains(&c) {
            out.push(c);
        }
    }
    out.push('\'');
    out
}

/// An argv as one command line for `shell` (`sh` or `powershell`).
pub fn join(argv: &[String], shell: &str) -> String {
    let q = if shell == "powershell" {
        quote_powershell
    } else {
        quote
    };
    argv.iter().map(|w| q(w)).collect::<Vec<_>>().join(" ")
}

/// A command line (already quoted) run as root with `prefix`.
pub fn as_root(line: &str, prefix: Prefix) -> String {
    match prefix {
        Prefix::None => line.to_string(),
        Prefix::Sudo => format!("sudo {line}"),
        Prefix::Doas => format!("doas {line}"),
        Prefix::Su => format!("su -c {}", quote(line)),
    }
}

/// A fixed shell line (a pipeline) run as root: the prefix applies to the whole line.
pub fn script_as_root(script: &str, prefix: Prefix) -> String {
    match prefix {
        Prefix::None => script.to_string(),
        Prefix::Sudo => format!("sudo sh -c {}", quote(script)),
        Prefix::Doas => format!("doas sh -c {}", quote(script)),
        Prefix::Su => format!("su -c {}", quote(script)),
    }
}

/// Shell text that writes `contents` to `path` as root, creating its directory: a quoted
/// here-document, so nothing in the contents is expanded.
pub fn write_file(path: &str, contents: &str, prefix: Prefix) -> String {
    let dir = std::path::Path::new(path)
        .parent()
        .map(|p| p.display().to_string())
        .filter(|d| !d.is_empty())
        .unwrap_or_else(|| "/".into());
    let mut delim = String::from("DOCKER_DOCTOR_EOF");
    while contents.lines().any(|l| l == delim) {
        delim.push('_');
    }
    let body = contents.trim_end_matches('\n');
    let mkdir = join(&["mkdir".into(), "-p".into(), dir], "sh");
    let tee = format!("{} >/dev/null", join(&["tee".into(), path.into()], "sh"));
    match prefix {
        Prefix::Su => {
            let inner = format!("{mkdir} && {tee} <<'{delim}'\n{body}\n{delim}");
            format!("su -c {}", quote(&inner))
        }
        p => format!(
            "{}\n{} <<'{delim}'\n{body}\n{delim}",
            as_root(&mkdir, p),
            as_root(&tee, p)
        ),
    }
}

/// PowerShell lines that write `contents` to `path` as UTF-8 without a byte-order mark
/// (Go's JSON reader refuses one), creating the folder first. The contents go in a literal
/// here-string (`@'…'@`, nothing expanded) unless a line of them would close it; then they
/// are joined from quoted lines. Split on either separator: the path is Windows' even
/// when the script is written elsewhere.
pub fn write_file_powershell(path: &str, contents: &str) -> String {
    let dir = path
        .rfind(['\\', '/'])
        .map(|i| &path[..i])
        .filter(|d| !d.is_empty() && !d.ends_with(':'));
    let body = contents.strip_suffix('\n').unwrap_or(contents);
    let newline = if body.len() < contents.len() {
        " + \"`n\""
    } else {
        ""
    };
    // A line opening with a quote (PowerShell's typographic ones too) and `@` would end the
    // here-string.
    let closes = |l: &str| {
        let mut c = l.chars();
        c.next().is_some_and(|q| POWERSHELL_QUOTES.contains(&q)) && c.next() == Some('@')
    };
    let value = if body.lines().any(closes) || body.contains('\r') {
        let lines: Vec<String> = body.split('\n').map(powershell_string).collect();
        format!("$text = (@({}) -join \"`n\"){newline}", lines.join(", "))
    } else {
        format!("$text = @'\n{body}\n'@{newline}")
    };
    let mut out = String::new();
    if let Some(dir) = dir {
        out.push_str(&format!(
            "New-Item -ItemType Directory -Force -Path {} | Out-Null\n",
            powershell_string(dir)
        ));
    }
    out.push_str(&value);
    out.push_str(&format!(
        "\n[System.IO.File]::WriteAllText({}, $text)",
        powershell_string(path)
    ));
    out
}

/// Text for a one-line comment: control characters (line breaks, escapes) become spaces.
pub fn comment_safe(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::Command;

    /// PowerShell ends a single-quoted string at typographic quotes too; a value never
    /// becomes a parameter.
    #[test]
    fn powershell_words_stay_one_word() {
        assert_eq!(quote_powershell("docker-users"), "docker-users");
        assert_eq!(quote_powershell("-Group"), "-Group");
        assert_eq!(quote_powershell("--set-version"), "--set-version");
        assert_eq!(quote_powershell("-Member:x"), "'-Member:x'");
        assert_eq!(quote_powershell("it's"), "'it''s'");
        assert_eq!(
            quote_powershell("a\u{2019}; Remove-Item C:\\ -Recurse #"),
            "'a\u{2019}\u{2019}; Remove-Item C:\\ -Recurse #'"
        );
        assert_eq!(
            quote_powershell("x\u{2018}y\u{201B}"),
            "'x\u{2018}\u{2018}y\u{201B}\u{201B}'"
        );
        assert_eq!(powershell_string("-Force"), "'-Force'");
        assert_eq!(powershell_string("bob"), "'bob'");
    }

    /// A file written from PowerShell: its folder made, its text literal; a line that
    /// would end the here-string makes it a list of quoted lines instead.
    #[test]
    fn powershell_writes_a_file_literally() {
        let w = write_file_powershell(r"C:\Users\o'b\.docker\config.json", "{\"a\": \"$(x)\"}\n");
        assert_eq!(
            w,
            "New-Item -ItemType Directory -Force -Path 'C:\\Users\\o''b\\.docker' | Out-Null\n$text = @'\n{\"a\": \"$(x)\"}\n'@ + \"`n\"\n[System.IO.File]::WriteAllText('C:\\Users\\o''b\\.docker\\config.json', $text)"
        );
        let w = write_file_powershell(r"C:\x.txt", "a\n'@\nRemove-Item C:\\");
        assert!(
            w.contains("$text = (@('a', '''@', 'Remove-Item C:\\') -join \"`n\")"),
            "{w}"
        );
        assert!(!w.contains("New-Item"), "{w}");
        // A typographic quote closes it as well.
        let w = write_file_powershell(r"C:\x.txt", "\u{2019}@\nRemove-Item C:\\");
        assert!(w.contains("$text = (@("), "{w}");
    }

    /// Whether an sh runs here (not on Windows without Git's): the sh-quoting tests run
    /// the quoted words through a real sh.
    fn no_sh() -> bool {
        let none = Command::new("sh").arg("-c").arg("true").status().is_err();
        if none {
            eprintln!("skipped: no sh on this system to run the quoted words through");
        }
        none
    }

    /// Runs `line` with sh and returns what `printf '%s\n'` printed for each argument.
    fn words_sh_sees(argv: &[&str]) -> Vec<String> {
        let mut all = vec!["printf".to_string(), "%s\\n".to_string()];
        all.extend(argv.iter().map(|s| s.to_string()));
        let line = join(&all, "sh");
        let out = Command::new("sh").arg("-c").arg(&line).output().unwrap();
        String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .map(str::to_string)
            .collect()
    }

    #[test]
    fn hostile_words_reach_the_program_unchanged() {
        if no_sh() {
            return;
        }
        let hostile = [
            "/tmp/a$(touch x)b",
            "`id`",
            "it's",
            "a b",
            "x;rm -rf /",
            "$HOME",
            "\"q\"",
            "*",
            "~",
            "-n",
        ];
        assert_eq!(words_sh_sees(&hostile), hostile);
    }

    #[test]
    fn plain_words_stay_bare() {
        assert_eq!(quote("/var/run/docker.sock"), "/var/run/docker.sock");
        assert_eq!(quote("alice"), "alice");
        assert_eq!(quote(""), "''");
        assert_eq!(quote("a b"), "'a b'");
        assert_eq!(quote("it's"), "'it'\\''s'");
    }

    #[test]
    fn root_prefixes() {
        assert_eq!(
            as_root("service docker start", Prefix::Sudo),
            "sudo service docker start"
        );
        assert_eq!(
            as_root("service docker start", Prefix::None),
            "service docker start"
        );
        assert_eq!(
            as_root("usermod -aG docker 'a b'", Prefix::Su),
            "su -c 'usermod -aG docker '\\''a b'\\'''"
        );
    }

    #[test]
    fn written_files_are_not_expanded() {
        if no_sh() {
            return;
        }
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub dir/$(touch pwned).conf");
        let contents =
            "[Service]\nEnvironment=\"HTTP_PROXY=http://$(id)`id`@p:3128\"\nDOCKER_DOCTOR_EOF\n";
        let text = write_file(path.to_str().unwrap(), contents, Prefix::None);
        let st = Command::new("sh")
            .arg("-c")
            .arg(&text)
            .current_dir(dir.path())
            .status()
            .unwrap();
        assert!(st.success());
        assert_eq!(std::fs::read_to_string(&path).unwrap(), contents);
        assert!(!dir.path().join("pwned").exists());
    }

    #[test]
    fn comments_keep_to_one_line() {
        assert_eq!(comment_safe("a\nb\x1b[2Jc"), "a b [2Jc");
    }
}
