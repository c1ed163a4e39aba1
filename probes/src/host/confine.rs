//! Reads that stay where they say. Run as root, the doctor reads paths that users control
//! (`~/.docker`, its contexts, `DOCKER_CERT_PATH`, a Compose project): a link planted there
//! to `/etc/shadow` must not carry that file into a report or a bundle. Before every read
//! of the real host, the path's place is found from the owners of its folders:
//!
//! - a **user's place** (a folder owned by a user other than root, or a world-writable one
//!   such as /tmp): a link owned by someone other than that user is never followed; run by
//!   someone else (root), a link must stay inside that place and end at a file of that
//!   user, and the file is read with that user's rights (Linux: the reading thread's
//!   fsuid/fsgid, no supplementary groups), so the kernel refuses what the user could not
//!   read. A user reading their own files follows their own links: no rights are gained.
//! - a **system place** (every folder owned by root): a link is followed only to a place
//!   that kind of file lives in (a log to /var/log, configuration to /etc, /usr, /run...),
//!   and is named in the run's notes either way.
//!
//! Anywhere, a link is never followed to a credential store (`shadow`, `sudoers`, ssh keys,
//! `/etc/ssl/private`). What is refused is an error naming the path and the reason.

use std::io;
use std::path::{Path, PathBuf};

/// How to open a path that passed: the file to open, whose rights to read it with, and a
/// note for the report when a link was followed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Access {
    pub open: PathBuf,
    /// `(uid, gid)` to read with, when root reads another user's place.
    pub read_as: Option<(u32, u32)>,
    pub note: Option<String>,
}

/// Where a path is, by the owners of its folders.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Place {
    User { base: PathBuf, owner: u32 },
    System,
}

/// Where the targets of links in system folders may be, by the kind of file.
#[cfg(unix)]
fn system_homes(path: &Path) -> &'static [&'static str] {
    if path.starts_with("/var/log") {
        &["/var/log/"]
    } else {
        &[
            "/etc/",
            "/usr/",
            "/lib/",
            "/lib64/",
            "/opt/",
            "/run/",
            "/var/run/",
            "/var/lib/",
            "/nix/store/",
            "/snap/",
            "/mnt/wsl/",
            // macOS: /etc and /var are links into /private.
            "/private/etc/",
            "/private/var/",
            "/Library/",
            "/Applications/",
        ]
    }
}

/// A file no report or bundle may ever hold, whatever link leads to it.
pub fn is_credential_store(path: &Path) -> bool {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    matches!(
        name.as_str(),
        "shadow" | "shadow-" | "gshadow" | "gshadow-" | "master.passwd" | "sudoers" | "opasswd"
    ) || (name.starts_with("ssh_host_") && name.ends_with("_key"))
        || (name.starts_with("id_") && !name.ends_with(".pub"))
        || path.starts_with("/etc/sudoers.d")
        || path.starts_with("/etc/ssl/private")
        || path.components().any(|c| c.as_os_str() == ".ssh")
        || path.components().any(|c| c.as_os_str() == ".gnupg")
}

/// The refusal, naming why (the caller names the path).
#[cfg(unix)]
fn refused(_path: &Path, why: String) -> io::Error {
    io::Error::new(io::ErrorKind::PermissionDenied, format!("{why}: not read"))
}

/// The place `path` is in: the topmost folder on its way owned by a user other than root
/// (or world-writable), else the system's.
pub fn place_of(path: &Path, owner: &dyn Fn(&Path) -> Option<(u32, u32)>) -> Place {
    let Some(parent) = path.parent() else {
        return Place::System;
    };
    let abs = std::path::absolute(parent).unwrap_or_else(|_| parent.to_path_buf());
    let mut chain: Vec<&Path> = abs.ancestors().collect();
    chain.reverse();
    for (i, dir) in chain.iter().enumerate() {
        let Some((uid, mode)) = owner(dir) else {
            break;
        };
        if uid != 0 {
            return Place::User {
                base: dir.to_path_buf(),
                owner: uid,
            };
        }
        // World-writable (/tmp): each entry inside is the place of whoever owns it. A
        // shared folder inside it (/tmp/shared, a tmpfs mounted 1777) is one more such
        // folder, not root's place: whoever owns what is below it decides.
        if mode & 0o002 != 0 {
            if chain
                .get(i + 1)
                .and_then(|d| owner(d))
                .is_some_and(|(uid, m)| uid == 0 && m & 0o002 != 0)
            {
                continue;
            }
            let (base, below) = match chain.get(i + 1) {
                Some(d) => (d.to_path_buf(), *d),
                None => (dir.to_path_buf(), path),
            };
            let uid = owner(below).map(|o| o.0).unwrap_or(0);
            return Place::User { base, owner: uid };
        }
    }
    Place::System
}

/// Decides whether `path` may be read by a process running as `euid`, and how.
#[cfg(unix)]
pub fn check(path: &Path, euid: u32) -> io::Result<Access> {
    use std::os::unix::fs::MetadataExt;
    let lmeta = std::fs::symlink_metadata(path)?;
    let owner = |p: &Path| {
        std::fs::symlink_metadata(p)
            .ok()
            .map(|m| (m.uid(), m.mode()))
    };
    let mut place = place_of(path, &owner);
    // Root's own home is root's user place: its dotfile links are its own.
    if euid == 0 && place == Place::System && path.starts_with("/root/") {
        place = Place::User {
            base: PathBuf::from("/root"),
            owner: 0,
        };
    }
    let abs = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    // A link as the file itself, or anywhere on the way (a folder that is a link).
    let canon = if lmeta.file_type().is_symlink() {
        Some(std::fs::canonicalize(path)?)
    } else {
        std::fs::canonicalize(path).ok().filter(|c| *c != abs)
    };
    let primary_gid = |uid: u32| {
        nix::unistd::User::from_uid(nix::unistd::Uid::from_raw(uid))
            .ok()
            .flatten()
            .map(|u| u.gid.as_raw())
            .unwrap_or(uid)
    };
    let read_as = match &place {
        Place::User { owner, .. } if euid == 0 && *owner != 0 => {
            Some((*owner, primary_gid(*owner)))
        }
        _ => None,
    };
    let Some(target) = canon else {
        return Ok(Access {
            open: path.to_path_buf(),
            read_as,
            note: None,
        });
    };
    if is_credential_store(&target) {
        return Err(refused(
            path,
            format!("a link to {}, which holds credentials", target.display()),
        ));
    }
    let note = format!("{} is a link to {}", path.display(), target.display());
    match &place {
        Place::User { base, owner } => {
            if lmeta.file_type().is_symlink() && lmeta.uid() != *owner && lmeta.uid() != 0 {
                return Err(refused(
                    path,
                    format!(
                        "a link owned by uid {}, not by uid {owner} who owns {}",
                        lmeta.uid(),
                        base.display()
                    ),
                ));
            }
            if euid != *owner {
                let base = std::fs::canonicalize(base).unwrap_or_else(|_| base.clone());
                let target_owner = std::fs::metadata(&target).map(|m| m.uid()).ok();
                if !target.starts_with(&base) {
                    return Err(refused(
                        path,
                        format!(
                            "a link to {}, outside {} where it was meant to be read",
                            target.display(),
                            base.display()
                        ),
                    ));
                }
                if target_owner != Some(*owner) {
                    return Err(refused(
                        path,
                        format!(
                            "a link to {}, a file not of uid {owner} who owns {}",
                            target.display(),
                            base.display()
                        ),
                    ));
                }
            }
            Ok(Access {
                open: target,
                read_as,
                note: Some(note),
            })
        }
        Place::System => {
            let homes = system_homes(&abs);
            if !homes.iter().any(|h| target.starts_with(h)) {
                return Err(refused(
                    path,
                    format!(
                        "a link to {}, outside where such a file lives ({})",
                        target.display(),
                        homes.join(", ")
                    ),
                ));
            }
            Ok(Access {
                open: target,
                read_as: None,
                note: Some(note),
            })
        }
    }
}

/// Windows has no owners to compare here: reparse points are not followed out of place
/// by the doctor's reads, which only look at Docker Desktop's and the user's own files.
#[cfg(windows)]
pub fn check(path: &Path, _euid: u32) -> io::Result<Access> {
    Ok(Access {
        open: path.to_path_buf(),
        read_as: None,
        note: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    // Unix paths, owners and modes: Windows has no such places (its shim gives no owners).
    #[cfg(unix)]
    #[test]
    fn the_place_is_the_topmost_folder_of_a_user() {
        let owners = |p: &Path| -> Option<(u32, u32)> {
            Some(match p.to_str()? {
                "/" | "/home" | "/etc" | "/etc/docker" => (0, 0o755),
                "/tmp" => (0, 0o1777),
                "/tmp/x" => (1001, 0o700),
                "/tmp/shared" => (0, 0o1777),
                "/tmp/shared/home" => (1002, 0o700),
                p if p.starts_with("/home/alice") => (1000, 0o755),
                _ => return None,
            })
        };
        assert_eq!(
            place_of(
                Path::new("/home/alice/.docker/contexts/meta/ab/meta.json"),
                &owners
            ),
            Place::User {
                base: "/home/alice".into(),
                owner: 1000
            }
        );
        assert_eq!(
            place_of(Path::new("/etc/docker/daemon.json"), &owners),
            Place::System
        );
        assert_eq!(
            place_of(Path::new("/tmp/x/config.json"), &owners),
            Place::User {
                base: "/tmp/x".into(),
                owner: 1001
            }
        );
        assert_eq!(
            place_of(Path::new("/tmp/shared/home/.docker/config.json"), &owners),
            Place::User {
                base: "/tmp/shared/home".into(),
                owner: 1002
            }
        );
    }

    #[test]
    fn credential_stores_are_named_by_path() {
        for p in [
            "/etc/shadow",
            "/etc/gshadow",
            "/etc/sudoers",
            "/etc/ssh/ssh_host_ed25519_key",
            "/home/a/.ssh/id_ed25519",
            "/home/a/.ssh/config",
            "/etc/ssl/private/site.pem",
        ] {
            assert!(is_credential_store(Path::new(p)), "{p}");
        }
        for p in [
            "/etc/docker/daemon.json",
            "/etc/passwd",
            "/etc/ssh/ssh_host_ed25519_key.pub",
        ] {
            assert!(!is_credential_store(Path::new(p)), "{p}");
        }
    }

    #[test]
    #[cfg(unix)]
    fn a_users_own_link_is_followed_for_that_user() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real.json");
        std::fs::write(&real, "{}").unwrap();
        let link = dir.path().join("config.json");
        std::os::unix::fs::symlink(&real, &link).unwrap();
        let me = nix::unistd::geteuid().as_raw();
        let a = check(&link, me).unwrap();
        assert_eq!(a.open, std::fs::canonicalize(&real).unwrap());
        assert!(a.note.unwrap().contains("is a link to"));
        // A link to a credential store never.
        let shadow = dir.path().join("shadow-link");
        std::os::unix::fs::symlink("/etc/shadow", &shadow).unwrap();
        let e = check(&shadow, me).unwrap_err();
        assert!(e.to_string().contains("holds credentials"), "{e}");
    }
}
