//! What a probe reports: findings with evidence and structured fixes.
//!
//! A probe declares every kind of finding it can emit as a [`FindingKind`] constant; a
//! [`Finding`] is made from its kind, so the id, the default severity and `docker-doctor list`
//! can never disagree.

use serde::Serialize;

/// How bad a finding is. Ordered: `Ok < Info < Warn < Error`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
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

impl Finding {
    /// A finding whose id is made at run time (the engine's `<probe>.timed-out`); probes
    /// use their [`FindingKind`] constants instead.
    pub fn new(id: impl Into<String>, severity: Severity, summary: impl Into<String>) -> Self {
        Finding {
            id: id.into(),
            severity,
            summary: summary.into(),
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
        self.detail = Some(text.into());
        self
    }

    pub fn evidence(mut self, key: impl Into<String>, value: impl ToString) -> Self {
        self.evidence.push(Evidence {
            key: key.into(),
            value: value.to_string(),
        });
        self
    }

    pub fn fix(mut self, fix: Fix) -> Self {
        self.fixes.push(fix);
        self
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

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Step {
    /// A command to type, exactly as shown.
    Command {
        command: String,
        /// The command needs root (it is written with `sudo` where that applies).
        root: bool,
        /// The shell it is written for: `sh` (POSIX shells) or `powershell`.
        shell: &'static str,
    },
    /// A file to create or replace with these exact contents.
    WriteFile {
        path: String,
        contents: String,
        root: bool,
    },
    /// Something to do by hand (a setting in a GUI, logging out).
    Manual { text: String },
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

    /// A command the user runs as themselves.
    pub fn run(mut self, command: impl Into<String>) -> Self {
        self.steps.push(Step::Command {
            command: command.into(),
            root: false,
            shell: "sh",
        });
        self
    }

    /// A command that needs root; write it with `sudo`.
    pub fn run_root(mut self, command: impl Into<String>) -> Self {
        self.steps.push(Step::Command {
            command: command.into(),
            root: true,
            shell: "sh",
        });
        self
    }

    pub fn write_file(mut self, path: impl Into<String>, contents: impl Into<String>) -> Self {
        self.steps.push(Step::WriteFile {
            path: path.into(),
            contents: contents.into(),
            root: true,
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

    pub fn note(mut self, text: impl Into<String>) -> Self {
        self.note = Some(text.into());
        self
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

    #[test]
    fn severities_order_and_serialise_lowercase() {
        assert!(Severity::Ok < Severity::Info && Severity::Info < Severity::Warn);
        assert!(Severity::Warn < Severity::Error);
        assert_eq!(serde_json::to_string(&Severity::Warn).unwrap(), "\"warn\"");
    }

    #[test]
    fn steps_serialise_with_a_kind_tag() {
        let fix = Fix::new("t").run_root("sudo true");
        let v = serde_json::to_value(&fix).unwrap();
        assert_eq!(v["steps"][0]["kind"], "command");
        assert_eq!(v["steps"][0]["root"], true);
    }
}
