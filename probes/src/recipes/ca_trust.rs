//! Trusting a CA for the whole machine, where the daemon reads it: the system store of this
//! distribution family (then a daemon restart, since dockerd reads it at start), or on
//! macOS and Windows the OS's store that Docker Desktop copies into its VM at start.
//! Shared by the ca probe (an untrusted chain) and the baseline (a CA that must be there).

use crate::argv;
use crate::model::{Fix, ServiceAction};

/// The name the fixes give a CA the user has to obtain first.
pub const CORP_ROOT: &str = "corp-root.crt";

/// Installs `cert` (a PEM file) into the store the daemon trusts on this host family
/// (`debian`, `fedora`, ... or `macos`, `windows`).
pub fn system_store_fix(family: Option<&str>, cert: &str, title: &str) -> Fix {
    let fix = Fix::new(title);
    let name = std::path::Path::new(cert)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".crt"))
        .unwrap_or_else(|| CORP_ROOT.to_string());
    let about = if cert == CORP_ROOT {
        "corp-root.crt is your organisation's root CA in PEM form: get it from IT, or compare the fingerprint of the top certificate (top sha256, in the evidence) with theirs before trusting it. "
    } else {
        ""
    };
    let desktop_note = format!(
        "{about}Docker Desktop copies the host's trusted CAs into its VM when it starts, hence the restart."
    );
    let fix = match family {
        Some("macos") => {
            return fix
                .run_root(argv![
                    "security",
                    "add-trusted-cert",
                    "-d",
                    "-r",
                    "trustRoot",
                    "-k",
                    "/Library/Keychains/System.keychain",
                    cert
                ])
                .run("docker desktop restart")
                .note(desktop_note)
                .docs("https://docs.docker.com/desktop/troubleshoot-and-support/faqs/macfaqs/#how-do-i-add-tls-certificates");
        }
        Some("windows") => {
            return fix
                .powershell(
                    argv![
                        "Import-Certificate",
                        "-FilePath",
                        cert,
                        "-CertStoreLocation",
                        "Cert:\\LocalMachine\\Root"
                    ],
                    true,
                )
                .powershell("docker desktop restart", false)
                .note(desktop_note)
                .docs("https://docs.docker.com/desktop/troubleshoot-and-support/faqs/windowsfaqs/#how-do-i-add-custom-ca-certificates");
        }
        Some("fedora" | "rhel" | "centos") => fix
            .run_root(argv![
                "cp",
                cert,
                format!("/etc/pki/ca-trust/source/anchors/{name}")
            ])
            .run_root("update-ca-trust"),
        Some("debian" | "ubuntu") | None => fix
            .run_root(argv![
                "cp",
                cert,
                format!("/usr/local/share/ca-certificates/{name}")
            ])
            .run_root("update-ca-certificates"),
        Some(_) => fix
            .manual(format!("Debian/Ubuntu: copy {cert} to /usr/local/share/ca-certificates/ and run update-ca-certificates"))
            .manual(format!("RHEL/Fedora: copy {cert} to /etc/pki/ca-trust/source/anchors/ and run update-ca-trust")),
    };
    fix.service(ServiceAction::Restart).note(format!(
        "{about}dockerd reads the store only at start, hence the restart."
    ))
}
