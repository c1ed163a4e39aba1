//! Looking a name up the way this OS's programs do (its resolver, the hosts file
//! included): `getent hosts` on Linux, `dscacheutil` on macOS, `Resolve-DnsName` in
//! PowerShell on Windows.

use crate::argv;
use crate::model::Fix;

/// `fix` with a step that resolves `name` as this OS's programs do.
pub fn look_up(fix: Fix, os: &str, name: &str) -> Fix {
    match os {
        "windows" => fix.powershell(argv!["Resolve-DnsName", name], false),
        "macos" => fix.run(argv!["dscacheutil", "-q", "host", "-a", "name", name]),
        _ => fix.run(argv!["getent", "hosts", name]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Step;

    #[test]
    fn each_os_asks_its_own_resolver() {
        let line = |os| match &look_up(Fix::new("x"), os, "reg.example").steps[0] {
            Step::Command { command, shell, .. } => (command.clone(), *shell),
            other => panic!("{other:?}"),
        };
        assert_eq!(line("linux"), ("getent hosts reg.example".into(), "sh"));
        assert_eq!(
            line("macos"),
            ("dscacheutil -q host -a name reg.example".into(), "sh")
        );
        assert_eq!(
            line("windows"),
            ("Resolve-DnsName reg.example".into(), "powershell")
        );
    }
}
