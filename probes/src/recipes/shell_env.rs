//! A variable of the user's environment changed the way their shell spells it: `unset` and
//! `export` in sh, bash and zsh; on Windows, PowerShell for this window and the user's
//! stored value, which new windows read from the registry.

use crate::argv;
use crate::model::Fix;

/// Clears `vars` for this shell (and, on Windows, for new windows).
pub fn unset(mut fix: Fix, os: &str, vars: &[&'static str]) -> Fix {
    if os == "windows" {
        for var in vars {
            fix = fix
                .powershell_line(
                    "[Environment]::SetEnvironmentVariable({}, $null, 'Process')",
                    &[var],
                )
                .powershell_line(
                    "[Environment]::SetEnvironmentVariable({}, $null, 'User')",
                    &[var],
                );
        }
        fix
    } else {
        let mut words = vec!["unset".to_string()];
        words.extend(vars.iter().map(|v| v.to_string()));
        fix.run(words)
    }
}

/// Sets `var` to `value` for this shell.
pub fn set(fix: Fix, os: &str, var: &'static str, value: &str) -> Fix {
    if os == "windows" {
        fix.powershell_line(
            "[Environment]::SetEnvironmentVariable({}, {}, 'Process')",
            &[var, value],
        )
    } else {
        fix.run(argv!["export", format!("{var}={value}")])
    }
}

/// Where a variable that comes back in new shells is set, for a person to remove it.
pub fn where_it_is_kept(os: &str, var: &str) -> String {
    if os == "windows" {
        format!(
            "If new windows still set {var}, remove it under System Properties > Environment Variables (the user's and the system's list)."
        )
    } else {
        format!(
            "If new shells still set {var}, remove its export from the file that sets it (~/.bashrc, ~/.profile, ~/.zprofile, /etc/environment)."
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Step;

    fn lines(f: &Fix) -> Vec<(String, &'static str)> {
        f.steps
            .iter()
            .filter_map(|s| match s {
                Step::Command { command, shell, .. } => Some((command.clone(), *shell)),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn each_shell_gets_its_own_words() {
        let sh = unset(Fix::new("x"), "linux", &["DOCKER_TLS_VERIFY", "DOCKER_TLS"]);
        assert_eq!(
            lines(&sh),
            [("unset DOCKER_TLS_VERIFY DOCKER_TLS".into(), "sh")]
        );
        let ps = unset(Fix::new("x"), "windows", &["DOCKER_HOST"]);
        assert_eq!(
            lines(&ps),
            [
                (
                    "[Environment]::SetEnvironmentVariable('DOCKER_HOST', $null, 'Process')".into(),
                    "powershell"
                ),
                (
                    "[Environment]::SetEnvironmentVariable('DOCKER_HOST', $null, 'User')".into(),
                    "powershell"
                )
            ]
        );
        // A value from the machine is one quoted word in either shell.
        let v = "1.41'; rm -rf ~ #";
        assert_eq!(
            lines(&set(Fix::new("x"), "linux", "DOCKER_API_VERSION", v))[0].0,
            "export 'DOCKER_API_VERSION=1.41'\\''; rm -rf ~ #'"
        );
        assert_eq!(
            lines(&set(Fix::new("x"), "windows", "DOCKER_API_VERSION", v))[0].0,
            "[Environment]::SetEnvironmentVariable('DOCKER_API_VERSION', '1.41''; rm -rf ~ #', 'Process')"
        );
    }
}
