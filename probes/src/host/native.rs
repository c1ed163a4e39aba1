//! What the OS itself says, through cross-platform crates: the sockets that listen and
//! their processes (`listeners`), the trust store when it is not a file
//! (`rustls-native-certs`), and an account's groups where nix cannot ask (`sysinfo`). Built and tested on every platform; the platform shims decide
//! where it is used (macOS and Windows, where procfs and CA bundle files are not).
#![cfg_attr(target_os = "linux", allow(dead_code))]

/// Listening TCP sockets with their processes, as the OS lists them (the `listeners`
/// crate). Used where there is no procfs; on Linux /proc gives more (the uid of a socket
/// whose process this user may not see).
pub fn listeners_from_os() -> Option<Vec<crate::shared::Listener>> {
    let all = listeners::get_all().ok()?;
    Some(crate::facts::listeners::from_native(
        all.into_iter().filter_map(|l| {
            (l.protocol == listeners::Protocol::TCP && l.state == listeners::SocketState::Listen)
                .then_some((l.socket, l.process.pid, l.process.name, l.process.path))
        }),
    ))
}

/// The OS's trust store through rustls-native-certs (built everywhere, used where the
/// store is not a file: macOS, Windows).
pub fn os_trust_store() -> Vec<rustls::pki_types::CertificateDer<'static>> {
    rustls_native_certs::load_native_certs().certs
}

/// The groups of an account as sysinfo reads them (macOS's directory). Names match
/// exactly, else ignoring case. Not on Windows: there the token says it (windows_token),
/// and sysinfo's reading of the user database can abort.
#[cfg(unix)]
pub fn account_groups(user: &str) -> Vec<super::Group> {
    let Ok(users) = sysinfo::Users::new_with_refreshed_list() else {
        return Vec::new();
    };
    users
        .iter()
        .find(|u| u.name() == user)
        .or_else(|| users.iter().find(|u| u.name().eq_ignore_ascii_case(user)))
        .map(|u| {
            u.groups()
                .iter()
                .map(|g| super::Group {
                    gid: **g.id(),
                    name: g.name().to_string(),
                })
                .collect()
        })
        .unwrap_or_default()
}
