//! `docker-doctor fix`: the fixes of the current findings as a reviewable shell script
//! (`--script`), or applied one by one after asking (`--apply`), each followed by the probe
//! again to confirm. The doctor changes the machine only here, and only when asked.

use crate::report::{Report, ReportFinding};
use probes::shell::comment_safe;
use probes::{Fix, Severity, Step};
use std::io::{BufRead, IsTerminal, Write};
use std::process::Command;
use std::time::{Duration, Instant};

/// How long one step of `fix --apply` may run: long enough for a package download, a
/// service restart or a password prompt, bounded so a hung step cannot hold the doctor.
const STEP_DEADLINE: Duration = Duration::from_secs(600);

/// Runs `cmd` (the terminal's stdin, stdout and stderr, so a password prompt works) until
/// it exits or `deadline` passes; then it is killed and the error says so.
fn run_bounded(mut cmd: Command, what: &str, deadline: Duration) -> Result<(), String> {
    let mut child = cmd
        .spawn()
        .map_err(|e| format!("{what}: cannot start: {e}"))?;
    let until = Instant::now() + deadline;
    loop {
        match child.try_wait() {
            Ok(Some(status)) if status.success() => return Ok(()),
            Ok(Some(status)) => return Err(format!("{what}: {status}")),
            Ok(None) if Instant::now() >= until => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!(
                    "{what}: still running after {} s, stopped (what it started may still run)",
                    deadline.as_secs()
                ));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(50)),
            Err(e) => return Err(format!("{what}: {e}")),
        }
    }
}

/// Findings worth fixing: problems, not muted, with at least one fix.
fn problems(r: &Report) -> Vec<&ReportFinding> {
    r.findings
        .iter()
        .filter(|f| !f.muted && f.severity >= Severity::Warn && !f.fixes.is_empty())
        .collect()
}

/// A step that follows one left to a person: shown, commented, to run after it.
fn commented_after_todo(out: &mut String, text: &str) {
    for (i, line) in text.lines().enumerate() {
        let lead = if i == 0 {
            "# TODO (after the step above): "
        } else {
            "#   "
        };
        out.push_str(&format!("{lead}{line}\n"));
    }
}

/// A command for the user's own interactive shell: one that replaces or starts a shell
/// (`newgrp`, `su` without `-c`, `exec $SHELL`), which would stop a script, or one that only
/// changes the shell it runs in (`unset`, `export`), which a script cannot do for the user.
fn for_the_users_shell(command: &str) -> bool {
    let words: Vec<&str> = command.split_whitespace().collect();
    let first = words
        .iter()
        .copied()
        .find(|w| !matches!(*w, "sudo" | "doas"))
        .unwrap_or("");
    matches!(first, "newgrp" | "exec" | "bash" | "sh" | "zsh") && words.len() <= 3
        || (first == "su" && !words.contains(&"-c"))
        // These change only the shell they run in, not the user's.
        || matches!(first, "unset" | "export" | "source" | "." | "cd")
}

/// A value the user must fill in (`<password>`, `<distro>`).
fn has_placeholder(s: &str) -> bool {
    let mut rest = s;
    while let Some(i) = rest.find('<') {
        let after = &rest[i + 1..];
        match after.find('>') {
            // `<password>`, `<one of: a, b>`; not `< file >` of a redirection.
            Some(j)
                if j > 0
                    && after.starts_with(|c: char| c.is_ascii_alphanumeric())
                    && !after[..j].ends_with(' ')
                    && after[..j]
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || "-_ :.,[]".contains(c)) =>
            {
                return true;
            }
            _ => rest = after,
        }
    }
    false
}

/// The language of `fix --script`: sh, or PowerShell for a Windows machine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ScriptShell {
    Sh,
    Powershell,
}

impl ScriptShell {
    /// The shell of the machine a report is about: PowerShell for Windows.
    pub fn for_os(os: &str) -> ScriptShell {
        if os == "windows" {
            ScriptShell::Powershell
        } else {
            ScriptShell::Sh
        }
    }

    fn name(self) -> &'static str {
        match self {
            ScriptShell::Sh => "sh",
            ScriptShell::Powershell => "powershell",
        }
    }
}

/// A command step as a line of `shell`, when it can be one: a line of that shell as it
/// is, or (for PowerShell) a plain command of no shell syntax and no root, its words
/// quoted anew for PowerShell (`docker info --format …` is the same program there).
fn command_in(step: &Step, shell: &str) -> Option<String> {
    match step {
        Step::Command {
            command, shell: s, ..
        } if *s == shell => Some(command.clone()),
        Step::Command {
            argv,
            shell: "sh",
            root: false,
            ..
        } if shell == "powershell" && !argv.is_empty() => {
            Some(probes::shell::join(argv, "powershell"))
        }
        Step::Command {
            command,
            shell: "sh",
            root: false,
            ..
        } if shell == "powershell" && same_in_powershell(command) => Some(command.clone()),
        _ => None,
    }
}

/// A fixed sh line that PowerShell reads the same: plain words and single-quoted strings
/// (literal in both), nothing else of either shell's syntax outside the quotes (not even
/// a comma, which makes an array in PowerShell).
fn same_in_powershell(line: &str) -> bool {
    let parts: Vec<&str> = line.split('\'').collect();
    // An odd count of parts: every quote closed.
    parts.len() % 2 == 1
        && parts.iter().step_by(2).all(|outside| {
            outside
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || " -_./:=".contains(c))
        })
}

/// How a file step is written in `shell`.
fn write_in(path: &str, command: &str, contents: &str, shell: &str) -> String {
    if shell == "powershell" {
        probes::shell::write_file_powershell(path, contents)
    } else {
        command.to_string()
    }
}

/// The script: one commented section per problem, its first fix; steps that need editing
/// or a person are left as comments. In sh (`#!/bin/sh`, root steps with this host's
/// sudo) or PowerShell (`.ps1`: elevated steps run only in an Administrator window,
/// skipped with a warning elsewhere).
pub fn script(r: &Report, shell: ScriptShell) -> String {
    let ps = shell == ScriptShell::Powershell;
    let mut out = String::new();
    if ps {
        out.push_str(&format!(
            "# Fixes proposed by {} {} on {} ({}/{}), for PowerShell.\n",
            r.tool.name, r.tool.version, r.generated_at, r.platform.os, r.platform.arch
        ));
        out.push_str(
            "# Review every step, then: powershell -ExecutionPolicy Bypass -File .\\fix.ps1\n",
        );
        out.push_str(
            "# Steps marked [elevated] need PowerShell run as Administrator; in another\n",
        );
        out.push_str("# window they are skipped with a warning.\n");
    } else {
        out.push_str("#!/bin/sh\n");
        out.push_str(&format!(
            "# Fixes proposed by {} {} on {} ({}/{}).\n",
            r.tool.name, r.tool.version, r.generated_at, r.platform.os, r.platform.arch
        ));
        out.push_str("# Review every step before running it. Steps marked [root] use sudo.\n");
    }
    out.push_str("# Lines starting with '# TODO' need a value or a person: do them by hand.\n");
    out.push_str("# The steps are written to be safe to run again. The script does not stop at\n");
    out.push_str("# a failing step (some are checks): read what each one says.\n");
    if ps {
        out.push_str("$ErrorActionPreference = 'Continue'\n");
        out.push_str("$elevated = ([Security.Principal.WindowsPrincipal][Security.Principal.WindowsIdentity]::GetCurrent()).IsInRole([Security.Principal.WindowsBuiltInRole]::Administrator)\n");
    } else {
        out.push_str("set -u\n");
    }
    let list = problems(r);
    if list.is_empty() {
        out.push_str("\n# Nothing to fix: no problem with a fix was found.\n");
        return out;
    }
    for f in list {
        out.push_str(&format!(
            "\n# --- {} ({}): {}\n",
            f.id,
            f.severity.as_str(),
            comment_safe(&f.summary)
        ));
        let fix = &f.fixes[0];
        out.push_str(&format!("# Fix: {}\n", comment_safe(&fix.title)));
        if let Some(n) = &fix.note {
            for line in n.lines() {
                out.push_str(&format!("# Note: {}\n", comment_safe(line)));
            }
        }
        // Once a step is left to a person, the steps after it wait for it: a restart must
        // not run before the file it reloads was edited.
        let mut blocked = false;
        for step in &fix.steps {
            match step {
                Step::Command {
                    command,
                    root,
                    shell: written_for,
                    note,
                    ..
                } => {
                    let mut mark = match (*root, ps) {
                        (false, _) => String::new(),
                        (true, false) => "  # [root]".to_string(),
                        (true, true) => "  # [elevated]".to_string(),
                    };
                    if let Some(n) = note {
                        mark.push_str(&format!("  # {}", comment_safe(n)));
                    }
                    let Some(line) = command_in(step, shell.name()) else {
                        out.push_str(&format!(
                            "# TODO ({written_for}): {}\n",
                            comment_safe(command)
                        ));
                        blocked = true;
                        continue;
                    };
                    if has_placeholder(&line) {
                        out.push_str(&format!(
                            "# TODO (fill in the <...>): {}{mark}\n",
                            comment_safe(&line)
                        ));
                        blocked = true;
                    } else if !ps && for_the_users_shell(&line) {
                        out.push_str(&format!(
                            "# TODO (in your own shell): {}\n",
                            comment_safe(&line)
                        ));
                        blocked = true;
                    } else if blocked {
                        commented_after_todo(&mut out, &format!("{line}{mark}"));
                    } else if ps && *root {
                        let skipped = format!("not an Administrator window, skipped: {line}");
                        out.push_str(&format!(
                            "if ($elevated) {{ {line} }} else {{ Write-Warning {} }}{mark}\n",
                            probes::shell::powershell_string(&skipped)
                        ));
                    } else {
                        out.push_str(&format!("{line}{mark}\n"));
                    }
                }
                Step::WriteFile {
                    path,
                    contents,
                    command,
                    root,
                } => {
                    let text = write_in(path, command, contents, shell.name());
                    if has_placeholder(contents) {
                        let who = if ps { "[elevated]" } else { "[root]" };
                        out.push_str(&format!(
                            "# TODO (fill in the <...>, then remove the '# ' of these lines):  # {who}\n"
                        ));
                        for line in text.lines() {
                            out.push_str(&format!("# {line}\n"));
                        }
                        blocked = true;
                    } else if blocked {
                        commented_after_todo(&mut out, &text);
                    } else if ps && *root {
                        out.push_str(&format!(
                            "if ($elevated) {{\n{text}\n}} else {{ Write-Warning {} }}  # [elevated]\n",
                            probes::shell::powershell_string(&format!(
                                "not an Administrator window, {path} not written"
                            ))
                        ));
                    } else {
                        out.push_str(&format!("{text}\n"));
                    }
                }
                Step::Manual { text } => {
                    for (i, line) in text.lines().enumerate() {
                        let lead = if i == 0 { "# TODO (by hand): " } else { "#   " };
                        out.push_str(&format!("{lead}{}\n", comment_safe(line)));
                    }
                    blocked = true;
                }
                Step::Service { action } => {
                    out.push_str(&format!("# TODO (by hand): {action:?} the Docker daemon\n"));
                    blocked = true;
                }
            }
        }
    }
    out
}

/// The shell `--apply` runs steps with: PowerShell on Windows, sh elsewhere.
const NATIVE_SHELL: &str = if cfg!(windows) { "powershell" } else { "sh" };

/// A fix that can be applied without a person on this system.
pub fn applicable(fix: &Fix) -> bool {
    applicable_in(fix, NATIVE_SHELL)
}

/// A fix that can be applied without a person where steps run in `shell`: commands for
/// that shell and files with no value to fill in, and nothing that removes data or
/// processes. In PowerShell a root step needs an elevated window: not from here.
fn applicable_in(fix: &Fix, native: &str) -> bool {
    const DESTRUCTIVE: &[&str] = &[
        " rm ",
        "rm -",
        "prune",
        "kill ",
        "remove",
        "--reinstall",
        "winnat",
        "netsh",
        "dism",
        "bcdedit",
        "wsl ",
        "mv ",
    ];
    !fix.steps.is_empty()
        && fix.steps.iter().all(|s| match s {
            Step::Command { root, .. } => {
                let elevated = native == "powershell" && *root;
                command_in(s, native).is_some_and(|line| {
                    !elevated
                        && !has_placeholder(&line)
                        && !for_the_users_shell(&line)
                        && !DESTRUCTIVE.iter().any(|d| format!(" {line} ").contains(d))
                })
            }
            // The doctor writes files itself (the safe writer); in PowerShell, only the
            // user's own (root would need an elevated window).
            Step::WriteFile { contents, root, .. } => {
                !has_placeholder(contents) && (native == "sh" || !*root)
            }
            Step::Manual { .. } | Step::Service { .. } => false,
        })
}

/// Shows each applicable fix, asks, runs it, and re-runs `recheck` (the probe) to confirm.
/// Returns the exit code.
pub fn apply(r: &Report, yes: bool, recheck: &dyn Fn(&str) -> Option<bool>) -> i32 {
    let interactive = std::io::stdin().is_terminal();
    if !interactive && !yes {
        errln!(
            "error: fix --apply asks before each change; without a terminal, add --yes to accept them all"
        );
        return 64;
    }
    let candidates: Vec<&ReportFinding> = problems(r)
        .into_iter()
        .filter(|f| applicable(&f.fixes[0]))
        .collect();
    if candidates.is_empty() {
        outln!(
            "Nothing to apply: no problem has a fix that can run without a person (see `docker-doctor fix --script`)."
        );
        return 0;
    }
    let mut failed = 0;
    let stdin = std::io::stdin();
    for f in candidates {
        let fix = &f.fixes[0];
        outln!("\n{}: {}", f.id, f.summary);
        outln!("Fix: {}", fix.title);
        let mut steps = Vec::new();
        for step in &fix.steps {
            match step {
                Step::Command { command, .. } => steps.push(Action::Shell(
                    command_in(step, NATIVE_SHELL).unwrap_or_else(|| command.clone()),
                )),
                Step::WriteFile {
                    path,
                    contents,
                    root,
                    command,
                } => steps.push(Action::Write {
                    path: path.into(),
                    contents: contents.clone(),
                    root: *root,
                    shown: write_in(path, command, contents, NATIVE_SHELL),
                }),
                Step::Manual { .. } | Step::Service { .. } => {}
            }
        }
        for s in &steps {
            for line in s.shown().lines() {
                outln!("  $ {line}");
            }
        }
        if !yes {
            out!("Apply this fix? [y/N] ");
            let _ = std::io::stdout().flush();
            let mut answer = String::new();
            let _ = stdin.lock().read_line(&mut answer);
            if !matches!(answer.trim(), "y" | "Y" | "yes") {
                outln!("Skipped.");
                continue;
            }
        }
        let prefix = r
            .host
            .as_ref()
            .map_or(probes::shell::Prefix::None, |h| h.prefix());
        let mut ok = true;
        for s in &steps {
            if let Err(why) = s.run(prefix) {
                outln!("Failed: {why}");
                ok = false;
                break;
            }
        }
        if !ok {
            failed += 1;
            continue;
        }
        match recheck(&f.id) {
            Some(false) => outln!("Confirmed: {} is no longer reported.", f.id),
            Some(true) => {
                outln!(
                    "Applied, but {} is still reported (some fixes need a new login or a restart).",
                    f.id
                );
            }
            None => outln!("Applied; the probe could not check it again."),
        }
    }
    if failed > 0 { 2 } else { 0 }
}

/// One step of `--apply`: a command line, or a file the doctor writes itself through the
/// one safe writer (the here-document the script shows would let `tee`, run as root,
/// follow a link planted at the path).
enum Action {
    Shell(String),
    Write {
        path: std::path::PathBuf,
        contents: String,
        root: bool,
        shown: String,
    },
}

impl Action {
    fn shown(&self) -> &str {
        match self {
            Action::Shell(s) => s,
            Action::Write { shown, .. } => shown,
        }
    }

    fn run(&self, prefix: probes::shell::Prefix) -> Result<(), String> {
        use probes::shell::Prefix;
        match self {
            Action::Shell(s) => {
                let cmd = if NATIVE_SHELL == "powershell" {
                    let mut c = Command::new("powershell");
                    c.args(["-NoProfile", "-NonInteractive", "-Command"]).arg(s);
                    c
                } else {
                    let mut c = Command::new("sh");
                    c.arg("-c").arg(s);
                    c
                };
                run_bounded(cmd, s, STEP_DEADLINE)
            }
            Action::Write {
                path,
                contents,
                root,
                ..
            } if !*root || prefix == Prefix::None => write_fix_file(path, contents.as_bytes()),
            Action::Write { path, contents, .. } => {
                // Root through this host's prefix: this same program, so the write is
                // still the safe writer's, now with root's rights.
                let exe = std::env::current_exe().map_err(|e| e.to_string())?;
                let b64 = base64::Engine::encode(
                    &base64::engine::general_purpose::STANDARD,
                    contents.as_bytes(),
                );
                let argv = [
                    exe.display().to_string(),
                    "write-file".into(),
                    path.display().to_string(),
                    b64,
                ];
                let cmd = match prefix {
                    Prefix::Sudo | Prefix::Doas => {
                        let mut c = Command::new(if prefix == Prefix::Sudo {
                            "sudo"
                        } else {
                            "doas"
                        });
                        c.args(&argv);
                        c
                    }
                    _ => {
                        let mut c = Command::new("su");
                        c.arg("-c").arg(probes::shell::join(&argv, "sh"));
                        c
                    }
                };
                run_bounded(
                    cmd,
                    &format!("writing {} as root", path.display()),
                    STEP_DEADLINE,
                )
            }
        }
    }
}

/// A fix's file, its folder created if missing (as `mkdir -p` would, for /etc/systemd's
/// drop-in folders), written through the safe writer: an existing file keeps its mode and
/// owner, a link or FIFO at the path is refused.
fn write_fix_file(path: &std::path::Path, contents: &[u8]) -> Result<(), String> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty())
        && !dir.is_dir()
    {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    probes::safe_write::write(
        path,
        contents,
        probes::safe_write::Keep::ExistingModeAndOwner,
    )
    .map_err(|e| e.to_string())
}

/// `docker-doctor write-file PATH BASE64`: what `--apply` runs under sudo, doas or su.
pub fn write_file_command(path: &std::path::Path, contents_base64: &str) -> i32 {
    let Ok(contents) = base64::Engine::decode(
        &base64::engine::general_purpose::STANDARD,
        contents_base64.trim(),
    ) else {
        errln!("error: write-file: the contents are not base64");
        return 64;
    };
    match write_fix_file(path, &contents) {
        Ok(()) => 0,
        Err(e) => {
            errln!("error: {e}");
            probes::safe_write::EXIT_CANNOT_WRITE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[cfg(unix)]
    fn a_step_that_does_not_end_is_stopped_at_its_deadline() {
        let mut hung = Command::new("sh");
        hung.arg("-c").arg("exec sleep 30");
        let started = Instant::now();
        let err = run_bounded(hung, "sleep 30", Duration::from_millis(300)).unwrap_err();
        assert!(started.elapsed() < Duration::from_secs(10), "{err}");
        assert!(err.contains("still running after"), "{err}");
        let mut failing = Command::new("sh");
        failing.arg("-c").arg("exit 3");
        let err = run_bounded(failing, "exit 3", Duration::from_secs(10)).unwrap_err();
        assert!(err.ends_with("exit status: 3"), "{err}");
        let mut fine = Command::new("true");
        fine.arg("--");
        assert_eq!(run_bounded(fine, "true", Duration::from_secs(10)), Ok(()));
    }

    #[test]
    fn placeholders_and_safety() {
        assert!(has_placeholder("wsl --set-version <distro> 2"));
        assert!(has_placeholder("http://alice:<password>@proxy:3128"));
        assert!(!has_placeholder("grep x < file > out"));
        // Where steps run in sh (Linux, macOS), whatever system the test runs on.
        let sh = |f: &Fix| applicable_in(f, "sh");
        assert!(sh(
            &Fix::new("x").run_root(probes::argv!["usermod", "-aG", "docker", "alice"])
        ));
        assert!(!sh(&Fix::new("x").run("newgrp docker")));
        assert!(!sh(&Fix::new("x").run("kill 812")));
        assert!(!sh(&Fix::new("x").manual("log out")));
        assert!(!sh(&Fix::new("x").run("docker system prune")));
        // On Windows: PowerShell steps that need no elevation; never sh, never files.
        let ps = Fix::new("x").powershell("docker desktop restart", false);
        assert!(applicable_in(&ps, "powershell") && !applicable_in(&ps, "sh"));
        let elevated =
            Fix::new("x").powershell("Add-LocalGroupMember -Group docker-users -Member bob", true);
        assert!(!applicable_in(&elevated, "powershell"));
        // A plain command is the same program in PowerShell; sh syntax is not.
        assert!(applicable_in(&Fix::new("x").run("docker ps"), "powershell"));
        assert!(applicable_in(
            &Fix::new("x").run("docker info --format '{{.HTTPProxy}} {{.NoProxy}}'"),
            "powershell"
        ));
        for not_the_same in [
            "docker info --format \"{{.HTTPProxy}}\"",
            "docker ps; rm x",
            "docker ps 'open",
            "echo $HOME",
            "docker ps --filter a,b",
        ] {
            assert!(!same_in_powershell(not_the_same), "{not_the_same}");
        }
        assert!(!applicable_in(
            &Fix::new("x").run("docker ps | grep x"),
            "powershell"
        ));
        assert!(!applicable_in(
            &Fix::new("x").run_root(probes::argv!["usermod", "-aG", "docker", "bob"]),
            "powershell"
        ));
    }
}
