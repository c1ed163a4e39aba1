//! Fixes in the shell of the machine they are for: `fix --script` for a Windows machine is
//! PowerShell (elevated steps guarded by an Administrator check, values quoted for
//! PowerShell, its typographic quotes too), environment fixes are PowerShell there, and a
//! macOS user's PATH fix names the file their shell reads. Runs from captured machines
//! (edited copies of fixtures/), so on every system.

mod common;

use common::*;

fn script(fixture: &std::path::Path, extra: &[&str]) -> Run {
    let tmp = tempfile::tempdir().unwrap();
    let dir = fixture.display().to_string();
    let mut args = vec!["fix", "--script", "--fixture", &dir];
    args.extend_from_slice(extra);
    capture(doctor(tmp.path(), &[], &args))
}

#[test]
fn a_windows_machine_gets_a_powershell_script_with_elevated_steps_guarded() {
    let run = script(&fixture_dir("windows-pipe-denied"), &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let s = &run.stdout;
    assert!(!s.starts_with("#!"), "{s}");
    assert!(!s.contains("sudo") && !s.contains("set -u"), "{s}");
    assert!(s.contains("$elevated = ("), "{s}");
    assert!(
        s.contains(
            "\nif ($elevated) { Add-LocalGroupMember -Group docker-users -Member bob } else { Write-Warning 'not an Administrator window, skipped: Add-LocalGroupMember -Group docker-users -Member bob' }  # [elevated]\n"
        ),
        "{s}"
    );
    assert!(s.contains("# TODO (by hand): Sign out of Windows"), "{s}");
    // Asked for, the same fixes as sh: PowerShell's own steps stay TODO there.
    let sh = script(&fixture_dir("windows-pipe-denied"), &["--shell", "sh"]).stdout;
    assert!(sh.starts_with("#!/bin/sh\n"), "{sh}");
    assert!(
        sh.contains("# TODO (powershell): Add-LocalGroupMember"),
        "{sh}"
    );
    // A Linux machine keeps sh.
    let linux = script(&fixture_dir("linux-not-in-group"), &[]).stdout;
    assert!(linux.starts_with("#!/bin/sh\n"), "{linux}");
}

/// A user name with PowerShell's quotes (the typographic ones end a '…' string too) and a
/// command after them stays one quoted word, in the step and in its warning.
#[test]
fn a_hostile_name_stays_one_powershell_word() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("windows-pipe-denied");
    std::fs::create_dir_all(&dir).unwrap();
    let toml = std::fs::read_to_string(fixture_dir("windows-pipe-denied").join("host.toml"))
        .unwrap()
        .replace(
            "user = \"bob\"",
            "user = \"bo\u{2019}b'; Remove-Item -Recurse C:\\\\ #\"",
        );
    std::fs::write(dir.join("host.toml"), toml).unwrap();
    let s = script(&dir, &[]).stdout;
    let quoted = "'bo\u{2019}\u{2019}b''; Remove-Item -Recurse C:\\ #'";
    let line = s
        .lines()
        .find(|l| l.starts_with("if ($elevated) { Add-LocalGroupMember"))
        .unwrap_or_else(|| panic!("{s}"));
    assert!(
        line.starts_with(&format!(
            "if ($elevated) {{ Add-LocalGroupMember -Group docker-users -Member {quoted} }} else {{ Write-Warning '"
        )),
        "{line}"
    );
    // Inside the warning the quoted name is quoted again: every quote doubled once more.
    assert!(
        line.contains(
            "-Member ''bo\u{2019}\u{2019}\u{2019}\u{2019}b''''; Remove-Item -Recurse C:\\ #''' }"
        ),
        "{line}"
    );
}

/// A copy of a fixture with its host.toml edited by `edit`.
fn edited(name: &str, edit: impl Fn(String) -> String) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    let from = fixture_dir(name);
    for entry in walk(&from) {
        let rel = entry.strip_prefix(&from).unwrap();
        let to = tmp.path().join(rel);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(&entry, &to).unwrap();
    }
    let toml = tmp.path().join("host.toml");
    let text = std::fs::read_to_string(&toml).unwrap();
    std::fs::write(&toml, edit(text)).unwrap();
    tmp
}

fn fix_lines(report: &serde_json::Value, id: &str) -> Vec<(String, String)> {
    let f = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == id)
        .unwrap_or_else(|| panic!("no {id} in {report}"));
    f["fixes"][0]["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["command"]
                    .as_str()
                    .or(s["text"].as_str())
                    .unwrap_or("")
                    .to_string(),
                s["shell"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

fn report(fixture: &std::path::Path) -> serde_json::Value {
    let tmp = tempfile::tempdir().unwrap();
    let dir = fixture.display().to_string();
    capture(doctor(
        tmp.path(),
        &[],
        &["--fixture", &dir, "--format", "json"],
    ))
    .json()
}

/// A variable to clear on Windows is cleared for this window and for new ones, in
/// PowerShell; never `unset`.
#[test]
fn environment_fixes_on_windows_are_powershell() {
    let fx = edited("windows-wsl-distros", |t| {
        t.replacen("[env]\n", "[env]\nDOCKER_CONTEXT = \"gone\"\n", 1)
    });
    let r = report(fx.path());
    let lines = fix_lines(&r, "endpoint.context-not-found");
    assert_eq!(
        lines[..2],
        [
            (
                "[Environment]::SetEnvironmentVariable('DOCKER_CONTEXT', $null, 'Process')".into(),
                "powershell".into()
            ),
            (
                "[Environment]::SetEnvironmentVariable('DOCKER_CONTEXT', $null, 'User')".into(),
                "powershell".into()
            )
        ],
        "{lines:?}"
    );
    assert!(lines.iter().all(|(c, _)| !c.contains("unset")), "{lines:?}");
    // The same on macOS is sh.
    let fx = edited("macos-desktop-corporate-ca", |t| {
        t.replacen("[env]\n", "[env]\nDOCKER_CONTEXT = \"gone\"\n", 1)
    });
    let lines = fix_lines(&report(fx.path()), "endpoint.context-not-found");
    assert_eq!(lines[0], ("unset DOCKER_CONTEXT".into(), "sh".into()));
}

/// Docker Desktop's CLI off PATH on a Mac: the line for this shell, and the login file
/// zsh (macOS' default shell) reads.
#[test]
fn a_mac_users_path_fix_names_the_file_their_shell_reads() {
    let fx = edited("macos-desktop-stopped", |t| {
        // Desktop's link in /usr/local/bin is there; this shell's PATH lacks the folder.
        t.replace("docker = \"/usr/local/bin/docker\"\n", "")
            .replace(
                "PATH = \"/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin\"",
                "PATH = \"/usr/bin:/bin:/usr/sbin:/sbin\"\nSHELL = \"/bin/zsh\"",
            )
    });
    let lines = fix_lines(&report(fx.path()), "cli.not-on-path");
    assert_eq!(
        lines[0].0, "export PATH=\"$PATH\":/usr/local/bin",
        "{lines:?}"
    );
    assert!(lines[1].0.contains("~/.zprofile"), "{lines:?}");
}

/// A registry name that does not resolve on Windows: asked with Windows' own tools in
/// PowerShell (Docker Desktop's VM resolves through Windows), not /etc/resolv.conf.
#[test]
fn a_dns_failure_on_windows_is_checked_with_windows_tools() {
    let fx = edited("macos-desktop-corporate-ca", |t| {
        t.replace("os = \"macos\"", "os = \"windows\"")
    });
    // Docker Hub's names do not exist for this machine's nameserver.
    let traces = fx.path().join("traces.json");
    let mut t: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&traces).unwrap()).unwrap();
    for (_, trace) in t.as_object_mut().unwrap() {
        trace["dns"]["resolver"] = serde_json::json!({"outcome": "nx-domain"});
        trace["dns"]["system"] = serde_json::json!({"outcome": "nx-domain"});
        trace["dns"]["nameservers"] = serde_json::json!(["10.1.2.3"]);
    }
    std::fs::write(&traces, t.to_string()).unwrap();
    let r = report(fx.path());
    let lines = fix_lines(&r, "registry.dns-nxdomain");
    assert!(
        lines
            .iter()
            .all(|(c, shell)| shell == "powershell" || c.is_empty()),
        "{lines:?}"
    );
    assert!(
        lines
            .iter()
            .any(|(c, _)| c.starts_with("Resolve-DnsName ") && c.ends_with(" -Server 10.1.2.3")),
        "{lines:?}"
    );
    assert!(!r.to_string().contains("getent"), "{r}");
}

/// `--redact` masks the machine's own name on Windows too, where it is the computer name
/// (not /etc/hostname), in whatever case a setting spells it.
#[test]
fn a_windows_computer_name_is_masked_by_redact() {
    let fx = edited("windows-desktop-proxy", |t| {
        t.replacen(
            "os = \"windows\"\n",
            "os = \"windows\"\nhostname = \"DESKTOP-7Q2LM4K\"\n",
            1,
        )
        .replace(
            "NO_PROXY = 'localhost,127.0.0.1,.corp.example'",
            "NO_PROXY = 'localhost,127.0.0.1,.corp.example,desktop-7q2lm4k'",
        )
    });
    let tmp = tempfile::tempdir().unwrap();
    let dir = fx.path().display().to_string();
    let plain = capture(doctor(
        tmp.path(),
        &[],
        &["--fixture", &dir, "--format", "json"],
    ))
    .stdout;
    assert!(
        plain.contains("desktop-7q2lm4k"),
        "the name is in the report: {plain}"
    );
    let masked = capture(doctor(
        tmp.path(),
        &[],
        &["--fixture", &dir, "--format", "json", "--redact"],
    ))
    .stdout;
    assert!(
        !masked.to_ascii_lowercase().contains("desktop-7q2lm4k"),
        "{masked}"
    );
}

/// A CLI that OrbStack (or Desktop's per-user install) keeps under the home folder is
/// found there when PATH lacks it.
#[test]
fn a_cli_under_the_home_folder_is_found_off_path() {
    let fx = edited("macos-desktop-stopped", |t| {
        t.replace("docker = \"/usr/local/bin/docker\"\n", "")
            .replace(
                "PATH = \"/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin\"",
                "PATH = \"/usr/bin:/bin:/usr/sbin:/sbin\"\nSHELL = \"/bin/bash\"",
            )
            // No Desktop link in /usr/local/bin on this Mac.
            .replace(
                "path = \"/usr/local/bin/docker\"",
                "path = \"/usr/local/bin/docker-gone\"",
            )
    });
    let bin = fx.path().join("root/Users/alice/.orbstack/bin");
    std::fs::create_dir_all(&bin).unwrap();
    std::fs::write(bin.join("docker"), "").unwrap();
    let lines = fix_lines(&report(fx.path()), "cli.not-on-path");
    assert_eq!(
        lines[0].0, "export PATH=\"$PATH\":/Users/alice/.orbstack/bin",
        "{lines:?}"
    );
    // bash on macOS reads ~/.bash_profile at login.
    assert!(lines[1].0.contains("~/.bash_profile"), "{lines:?}");
}
