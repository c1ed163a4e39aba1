//! What a probe reports: findings with evidence and structured fixes.
//!
//! A probe declares every kind of finding it can emit as a [`FindingKind`] constant; a
//! [`Finding`] is made from its kind, so the id, the default severity and `docker-doctor list`
//! can never disagree.

use serde::Serialize;

/// How bad a finding is. Ordered: `Ok < Info < Warn < Error`. Read back from reports by
/// `docker-doctor summarize`.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Ok,
    Info,
    Warn,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Ok => "ok",
            Severity::Info => "info",
            Severity::Warn => "warn",
            Severity::Error => "error",
        }
    }
}

/// One kind of finding a probe can emit: a stable id `<probe>.<condition>` and what it means.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct FindingKind {
    pub id: &'static str,
    pub severity: Severity,
    /// What the condition is, in a few words (shown by `docker-doctor list`).
    pub title: &'static str,
}

impl FindingKind {
    pub const fn new(id: &'static str, severity: Severity, title: &'static str) -> Self {
        FindingKind {
            id,
            severity,
            title,
        }
    }

    /// A finding of this kind with its one-line summary.
    pub fn finding(&self, summary: impl Into<String>) -> Finding {
        Finding::new(self.id, self.severity, summary)
    }
}

/// A key/value fact a probe saw. Values are plain text and must already be free of secrets
/// (see [`crate::secret`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Evidence {
    pub key: String,
    pub value: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// Stable id, `<probe>.<condition>`.
    pub id: String,
    pub severity: Severity,
    pub summary: String,
    /// Why this happens, in a sentence or two.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    pub evidence: Vec<Evidence>,
    pub fixes: Vec<Fix>,
    /// The finding this one is a consequence of: a finding id (`socket.not-in-group`) or a
    /// probe id (`socket`), meaning "whatever problem that probe found". The report engine
    /// resolves a probe id to the concrete finding. Alternatives separated by `|` are tried
    /// in order (`proxy.not-applied|proxy`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub caused_by: Option<String>,
    /// What the finding is about when a probe reports on several things (a registry
    /// `host[:port]`). A cause with the same subject is preferred when `caused_by` resolves.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
}

/// The most of one text a finding keeps: evidence quotes what a program printed or a file
/// held, which may be megabytes; a report stays readable and fast to render.
pub const TEXT_CAP: usize = 4096;

/// `text` cut at [`TEXT_CAP`] bytes (on a character boundary), saying how much was left out.
pub fn bounded_text(mut text: String) -> String {
    if text.len() <= TEXT_CAP {
        return text;
    }
    let total = text.len();
    let mut end = TEXT_CAP;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text.truncate(end);
    text.push_str(&format!(" … ({} more bytes not shown)", total - end));
    text
}

impl Finding {
    /// A finding whose id is made at run time (the engine's `<probe>.timed-out`); probes
    /// use their [`FindingKind`] constants instead.
    pub fn new(id: impl Into<String>, severity: Severity, summary: impl Into<String>) -> Self {
        Finding {
            id: id.into(),
            severity,
            summary: bounded_text(summary.into()),
            detail: None,
            evidence: Vec::new(),
            fixes: Vec::new(),
            caused_by: None,
            subject: None,
        }
    }

    /// The probe this finding belongs to: the id up to the first dot.
    pub fn probe(&self) -> &str {
        self.id.split('.').next().unwrap_or(&self.id)
    }

    pub fn detail(mut self, text: impl Into<String>) -> Self {
        self.detail = Some(bounded_text(text.into()));
        self
    }

    pub fn evidence(mut self, key: impl Into<String>, value: impl ToString) -> Self {
        self.evidence.push(Evidence {
            key: key.into(),
            value: bounded_text(value.to_string()),
        });
        self
    }

    pub fn fix(mut self, fix: Fix) -> Self {
        self.fixes.push(fix);
        self
    }

    /// Adds the fix only when `cond` holds.
    pub fn fix_if(self, cond: bool, fix: impl FnOnce() -> Fix) -> Self {
        if cond { self.fix(fix()) } else { self }
    }

    pub fn caused_by(mut self, cause: impl Into<String>) -> Self {
        self.caused_by = Some(cause.into());
        self
    }

    pub fn subject(mut self, subject: impl Into<String>) -> Self {
        self.subject = Some(subject.into());
        self
    }

    pub fn severity(mut self, severity: Severity) -> Self {
        self.severity = severity;
        self
    }
}

/// A way out, never prose alone: ordered steps plus where to read more.
///
/// Steps are data, rendered for the host at the end of the run (see
/// [`crate::facts::profile::HostProfile::resolve`]): a command is an argv whose every word is
/// quoted for its shell, root steps get `sudo`, `doas`, `su -c` or nothing, and service
/// actions become this host's commands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Fix {
    pub title: String,
    pub steps: Vec<Step>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub docs: Option<String>,
    /// A caveat the user must read before applying it (e.g. a security consequence).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// Something the daemon's service manager does, spelled per host by the host profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ServiceAction {
    /// Start the daemon (and enable it at boot where that applies).
    Start,
    Restart,
    /// Make the service manager read changed unit files or options, then restart.
    ReloadAndRestart,
    /// Show the service's state.
    Status,
    /// Show the last lines of the daemon's log.
    Logs,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Step {
    /// A command to type, exactly as `command` shows it.
    Command {
        /// The line to type on this host: every word quoted for `shell`, with `sudo` (or
        /// `doas`, `su -c`) when it needs root and the user is not root.
        command: String,
        /// The program and its arguments, one word each. Empty for a fixed shell line
        /// (a pipeline written into docker-doctor itself, never with a value in it).
        #[serde(skip_serializing_if = "Vec::is_empty")]
        argv: Vec<String>,
        /// The command needs root.
        root: bool,
        /// The shell it is written for: `sh` (POSIX shells) or `powershell`.
        shell: &'static str,
        /// What the step is for, shown beside it.
        #[serde(skip_serializing_if = "Option::is_none")]
        note: Option<String>,
    },
    /// A file to create or replace with these exact contents.
    WriteFile {
        path: String,
        contents: String,
        root: bool,
        /// Shell text that writes it on this host (quoted path, quoted here-document).
        command: String,
    },
    /// The daemon's service manager does this; replaced by this host's commands before
    /// anything is rendered.
    Service { action: ServiceAction },
    /// Something to do by hand (a setting in a GUI, logging out), or a step with a value
    /// only the user has. Never run by `fix --script` or `--apply`.
    Manual { text: String },
}

/// The words of a command: an argv (values are quoted when rendered), or a fixed shell line
/// written into docker-doctor (`&'static str` only, so no value from the machine can be in it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Argv {
    Words(Vec<String>),
    Script(&'static str),
}

/// Characters that make a fixed command line shell syntax rather than plain words.
const SHELL_SYNTAX: &[char] = &[
    '|', '&', ';', '<', '>', '(', ')', '$', '`', '\\', '"', '\'', '*', '?', '[', '#', '~', '{',
];

impl From<&'static str> for Argv {
    fn from(s: &'static str) -> Argv {
        if s.contains(SHELL_SYNTAX) {
            Argv::Script(s)
        } else {
            Argv::Words(s.split_whitespace().map(str::to_string).collect())
        }
    }
}

impl From<Vec<String>> for Argv {
    fn from(v: Vec<String>) -> Argv {
        Argv::Words(v)
    }
}

impl<const N: usize> From<[&str; N]> for Argv {
    fn from(v: [&str; N]) -> Argv {
        Argv::Words(v.iter().map(|s| s.to_string()).collect())
    }
}

/// `argv!["docker", "stop", name]`: an argv from words of any `Display` type.
#[macro_export]
macro_rules! argv {
    ($($w:expr),* $(,)?) => {
        $crate::model::Argv::Words(vec![$($w.to_string()),*])
    };
}

impl Fix {
    pub fn new(title: impl Into<String>) -> Self {
        Fix {
            title: title.into(),
            steps: Vec::new(),
            docs: None,
            note: None,
        }
    }

    fn command(mut self, argv: Argv, root: bool, shell: &'static str) -> Self {
        let (command, argv) = match argv {
            Argv::Words(w) => (crate::shell::join(&w, shell), w),
            Argv::Script(s) => (s.to_string(), Vec::new()),
        };
        self.steps.push(Step::Command {
            command,
            argv,
            root,
            shell,
            note: None,
        });
        self
    }

    /// A command the user runs as themselves.
    pub fn run(self, argv: impl Into<Argv>) -> Self {
        self.command(argv.into(), false, "sh")
    }

    /// A command that needs root; rendered with `sudo`, `doas`, `su -c` or nothing, as the
    /// host allows.
    pub fn run_root(self, argv: impl Into<Argv>) -> Self {
        self.command(argv.into(), true, "sh")
    }

    /// A fixed shell line written into docker-doctor, each `{}` in it replaced by one value
    /// quoted as one word: for lines that need the shell (`export PATH="$PATH":{}`).
    pub fn run_line(self, template: &'static str, values: &[&str]) -> Self {
        self.line_in("sh", template, values)
    }

    /// [`Fix::run_line`] for PowerShell: each `{}` one value, quoted for PowerShell
    /// (`$env:Path += {}`).
    pub fn powershell_line(self, template: &'static str, values: &[&str]) -> Self {
        self.line_in("powershell", template, values)
    }

    fn line_in(self, shell: &'static str, template: &'static str, values: &[&str]) -> Self {
        let quote = if shell == "powershell" {
            crate::shell::powershell_string
        } else {
            crate::shell::quote
        };
        let mut line = String::new();
        let mut parts = template.split("{}");
        line.push_str(parts.next().unwrap_or(""));
        for (i, part) in parts.enumerate() {
            line.push_str(&quote(values.get(i).copied().unwrap_or("")));
            line.push_str(part);
        }
        let mut fix = self.command(Argv::Script(""), false, shell);
        if let Some(Step::Command { command, .. }) = fix.steps.last_mut() {
            *command = line;
        }
        fix
    }

    /// A PowerShell command (Windows); `root` means an elevated PowerShell.
    pub fn powershell(self, argv: impl Into<Argv>, root: bool) -> Self {
        self.command(argv.into(), root, "powershell")
    }

    /// What the last step is for, shown beside it (one line).
    pub fn why(mut self, text: impl Into<String>) -> Self {
        if let Some(Step::Command { note, .. }) = self.steps.last_mut() {
            *note = Some(text.into());
        }
        self
    }

    pub fn service(mut self, action: ServiceAction) -> Self {
        self.steps.push(Step::Service { action });
        self
    }

    /// A file written as root.
    pub fn write_file(self, path: impl Into<String>, contents: impl Into<String>) -> Self {
        self.write(path.into(), contents.into(), true)
    }

    /// A file the user writes as themselves (under their home).
    pub fn write_user_file(self, path: impl Into<String>, contents: impl Into<String>) -> Self {
        self.write(path.into(), contents.into(), false)
    }

    fn write(mut self, path: String, contents: String, root: bool) -> Self {
        let command = crate::shell::write_file(&path, &contents, crate::shell::Prefix::None);
        self.steps.push(Step::WriteFile {
            path,
            contents,
            root,
            command,
        });
        self
    }

    pub fn manual(mut self, text: impl Into<String>) -> Self {
        self.steps.push(Step::Manual { text: text.into() });
        self
    }

    pub fn docs(mut self, url: impl Into<String>) -> Self {
        self.docs = Some(url.into());
        self
    }

    /// A caveat; an empty text sets none.
    pub fn note(mut self, text: impl Into<String>) -> Self {
        let text = text.into();
        self.note = (!text.is_empty()).then_some(text);
        self
    }

    /// Whether any step asks the daemon's service manager to start or restart it.
    pub fn starts_daemon(&self) -> bool {
        self.steps.iter().any(|s| {
            matches!(
                s,
                Step::Service {
                    action: ServiceAction::Start
                        | ServiceAction::Restart
                        | ServiceAction::ReloadAndRestart
                }
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KIND: FindingKind = FindingKind::new("socket.not-in-group", Severity::Error, "t");

    #[test]
    fn finding_takes_id_and_severity_from_its_kind() {
        let f = KIND.finding("s").evidence("user", "alice");
        assert_eq!(f.id, "socket.not-in-group");
        assert_eq!(f.probe(), "socket");
        assert_eq!(f.severity, Severity::Error);
        assert_eq!(f.evidence[0].value, "alice");
    }

    /// A value in a PowerShell line is one quoted word, whatever it holds.
    #[test]
    fn powershell_lines_quote_their_values() {
        let f = Fix::new("x").powershell_line("$env:Path += {}", &[";C:\\it's $(x)"]);
        match &f.steps[0] {
            Step::Command { command, shell, .. } => {
                assert_eq!(command, "$env:Path += ';C:\\it''s $(x)'");
                assert_eq!(*shell, "powershell");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn severities_order_and_serialise_lowercase() {
        assert!(Severity::Ok < Severity::Info && Severity::Info < Severity::Warn);
        assert!(Severity::Warn < Severity::Error);
        assert_eq!(serde_json::to_string(&Severity::Warn).unwrap(), "\"warn\"");
    }

    #[test]
    fn steps_serialise_with_a_kind_tag() {
        let fix = Fix::new("t").run_root(argv!["chown", "root:docker", "/tmp/a b"]);
        let v = serde_json::to_value(&fix).unwrap();
        assert_eq!(v["steps"][0]["kind"], "command");
        assert_eq!(v["steps"][0]["root"], true);
        assert_eq!(v["steps"][0]["command"], "chown root:docker '/tmp/a b'");
        assert_eq!(v["steps"][0]["argv"][2], "/tmp/a b");
    }

    #[test]
    fn a_fixed_line_with_shell_syntax_stays_a_script() {
        assert_eq!(
            Argv::from("docker info | grep x"),
            Argv::Script("docker info | grep x")
        );
        assert_eq!(
            Argv::from("docker context ls"),
            Argv::Words(vec!["docker".into(), "context".into(), "ls".into()])
        );
    }
}
