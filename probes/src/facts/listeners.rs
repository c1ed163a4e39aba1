//! Who listens on which TCP port. On Linux from procfs: `/proc/net/tcp{,6}` shows every
//! listening socket with its owner's uid and inode to any user (more than a cross-platform
//! crate gives a non-root user); the process holding the inode is found through
//! `/proc/<pid>/fd`, which is only readable for one's own processes (or as root). Elsewhere
//! the host lists sockets with their owners (the `listeners` crate), turned into the same
//! shape here.

use crate::host::Host;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::path::Path;

pub use crate::shared::{Listener, Owner};

const LISTEN: &str = "0A";

/// Every listening TCP socket (IPv4 and IPv6) this machine shows.
pub fn listening(host: &dyn Host) -> Vec<Listener> {
    if let Some(native) = host.native_listeners() {
        return native;
    }
    let mut out = Vec::new();
    for (file, v6) in [("/proc/net/tcp", false), ("/proc/net/tcp6", true)] {
        let Ok(text) = host.read_text(Path::new(file)) else {
            continue;
        };
        out.extend(text.lines().skip(1).filter_map(|l| parse_line(l, v6)));
    }
    out
}

/// One line of /proc/net/tcp: `sl local_address rem_address st ... uid timeout inode`.
fn parse_line(line: &str, v6: bool) -> Option<Listener> {
    let f: Vec<&str> = line.split_whitespace().collect();
    if f.len() < 10 || f[3] != LISTEN {
        return None;
    }
    let (addr_hex, port_hex) = f[1].split_once(':')?;
    let port = u16::from_str_radix(port_hex, 16).ok()?;
    let addr = if v6 {
        IpAddr::V6(parse_v6(addr_hex)?)
    } else {
        // Four bytes in host (little-endian) order.
        let n = u32::from_str_radix(addr_hex, 16).ok()?;
        IpAddr::V4(Ipv4Addr::from(n.swap_bytes()))
    };
    Some(Listener {
        addr,
        port,
        uid: Some(f[7].parse().ok()?),
        inode: f[9].parse().ok()?,
        owner: None,
    })
}

/// Sockets as a platform lists them with their process: `(address, pid, name, path)`.
/// The same socket may be listed once per process sharing it; each is kept once.
pub fn from_native(
    sockets: impl IntoIterator<Item = (SocketAddr, u32, String, String)>,
) -> Vec<Listener> {
    let mut out: Vec<Listener> = Vec::new();
    for (addr, pid, name, path) in sockets {
        if out.iter().any(|l| {
            l.addr == addr.ip()
                && l.port == addr.port()
                && l.owner.as_ref().is_some_and(|o| o.pid == pid)
        }) {
            continue;
        }
        out.push(Listener {
            addr: addr.ip(),
            port: addr.port(),
            uid: None,
            inode: 0,
            owner: Some(Owner {
                pid,
                name,
                cmdline: path,
            }),
        });
    }
    out.sort_by_key(|l| (l.port, l.addr));
    out
}

/// Sixteen bytes as four 32-bit words, each in host (little-endian) order.
fn parse_v6(hex: &str) -> Option<Ipv6Addr> {
    if hex.len() != 32 {
        return None;
    }
    let mut bytes = [0u8; 16];
    for word in 0..4 {
        let w = u32::from_str_radix(&hex[word * 8..word * 8 + 8], 16).ok()?;
        bytes[word * 4..word * 4 + 4].copy_from_slice(&w.swap_bytes().to_be_bytes());
    }
    Some(Ipv6Addr::from(bytes))
}

/// The process holding the socket: named with it by the OS, or found by its inode when
/// the process's file descriptors can be read.
pub fn owner(host: &dyn Host, l: &Listener) -> Option<Owner> {
    if let Some(o) = &l.owner {
        return Some(o.clone());
    }
    owner_of_inode(host, l.inode)
}

fn owner_of_inode(host: &dyn Host, inode: u64) -> Option<Owner> {
    let wanted = format!("socket:[{inode}]");
    for pid in host.list_dir(Path::new("/proc")).ok()? {
        let Ok(n) = pid.parse::<u32>() else {
            continue;
        };
        let fd_dir = Path::new("/proc").join(&pid).join("fd");
        let Ok(fds) = host.list_dir(&fd_dir) else {
            continue;
        };
        let holds = fds.iter().any(|fd| {
            host.read_link(&fd_dir.join(fd))
                .is_some_and(|t| t.as_os_str() == wanted.as_str())
        });
        if holds {
            let dir = Path::new("/proc").join(&pid);
            let name = host
                .read_text(&dir.join("comm"))
                .map(|s| s.trim().to_string())
                .unwrap_or_default();
            let cmdline = host
                .read_file(&dir.join("cmdline"))
                .map(|b| {
                    String::from_utf8_lossy(&b)
                        .split('\0')
                        .filter(|s| !s.is_empty())
                        .collect::<Vec<_>>()
                        .join(" ")
                })
                .unwrap_or_default();
            return Some(Owner {
                pid: n,
                name,
                cmdline,
            });
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_v4_and_v6_listen_lines() {
        let v4 = "   1: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 123456 1 0000000000000000 100 0 0 10 0";
        let l = parse_line(v4, false).unwrap();
        assert_eq!(
            (l.addr, l.port, l.uid, l.inode),
            ("127.0.0.1".parse().unwrap(), 8080, Some(1000), 123456)
        );
        let v6 = "   0: 00000000000000000000000000000000:0050 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 777 1 0000000000000000 100 0 0 10 0";
        let l = parse_line(v6, true).unwrap();
        assert_eq!((l.addr, l.port), ("::".parse().unwrap(), 80));
        let lo6 = "   0: 00000000000000000000000001000000:0050 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 778 1 0000000000000000 100 0 0 10 0";
        assert_eq!(
            parse_line(lo6, true).unwrap().addr,
            "::1".parse::<IpAddr>().unwrap()
        );
        let established = v4.replace(" 0A ", " 01 ");
        assert!(parse_line(&established, false).is_none());
    }

    /// What the `listeners` crate gives on macOS and Windows (a socket per process that
    /// shares it, dual-stack listeners twice): one listener each, owner named.
    #[test]
    fn native_sockets_carry_their_owner() {
        let got = from_native([
            (
                "0.0.0.0:8080".parse().unwrap(),
                4242,
                "com.docker.backend.exe".to_string(),
                r"C:\Program Files\Docker\Docker\resources\com.docker.backend.exe".to_string(),
            ),
            (
                "0.0.0.0:8080".parse().unwrap(),
                4242,
                "com.docker.backend.exe".to_string(),
                String::new(),
            ),
            (
                "[::]:5432".parse().unwrap(),
                611,
                "postgres".to_string(),
                "/opt/homebrew/bin/postgres".to_string(),
            ),
        ]);
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].port, 5432);
        assert_eq!(
            got[1].owner.as_ref().unwrap().name,
            "com.docker.backend.exe"
        );
        assert_eq!(got[1].uid, None);
    }
}
