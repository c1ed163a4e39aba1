//! `storage`: room where the daemon keeps its data (free space and inodes of the filesystem
//! under `DockerRootDir`), how much `docker system prune` would give back, and the cgroup v2
//! controllers that `--memory`, `--cpus` and `--pids-limit` need.

use super::Probe;
use crate::argv;
use crate::context::Context;
use crate::model::{Finding, FindingKind, Fix, Severity};
use async_trait::async_trait;
use std::path::{Path, PathBuf};
use std::time::Duration;

const OK: FindingKind = FindingKind::new(
    "storage.ok",
    Severity::Ok,
    "enough free space and inodes for the daemon's data",
);
const LOW_SPACE: FindingKind = FindingKind::new(
    "storage.low-space",
    Severity::Warn,
    "little free space where the daemon keeps images and containers",
);
const LOW_INODES: FindingKind = FindingKind::new(
    "storage.low-inodes",
    Severity::Warn,
    "few free inodes where the daemon keeps images and containers",
);
const UNKNOWN: FindingKind = FindingKind::new(
    "storage.unknown",
    Severity::Info,
    "the daemon's data directory could not be measured",
);
const RECLAIMABLE: FindingKind = FindingKind::new(
    "storage.reclaimable",
    Severity::Info,
    "space that `docker system prune` would give back",
);
const CGROUP_CONTROLLERS: FindingKind = FindingKind::new(
    "storage.cgroup-controllers-missing",
    Severity::Warn,
    "cgroup v2 controllers missing: resource limits will fail",
);

const KINDS: &[FindingKind] = &[
    OK,
    LOW_SPACE,
    LOW_INODES,
    UNKNOWN,
    RECLAIMABLE,
    CGROUP_CONTROLLERS,
];

const GIB: u64 = 1 << 30;

pub struct Storage;

#[async_trait]
impl Probe for Storage {
    fn id(&self) -> &'static str {
        "storage"
    }

    fn title(&self) -> &'static str {
        "Disk space, inodes and cgroup controllers for the daemon"
    }

    fn emits(&self) -> &'static [FindingKind] {
        KINDS
    }

    async fn run(&self, ctx: &Context) -> Vec<Finding> {
        let Some(info) = ctx.daemon_info().await.cloned() else {
            // Without the daemon we do not know where it keeps its data.
            return Vec::new();
        };
        let desktop = info
            .operating_system
            .as_deref()
            .is_some_and(|o| o.contains("Docker Desktop"));
        let mut out = Vec::new();
        let root = PathBuf::from(
            info.docker_root_dir
                .clone()
                .unwrap_or_else(|| "/var/lib/docker".into()),
        );
        if desktop {
            out.push(
                UNKNOWN
                    .finding(format!(
                        "{} is inside Docker Desktop's VM: its disk is set in Desktop's settings (Resources > Advanced > Disk image size)",
                        root.display()
                    ))
                    .evidence("data root", root.display()),
            );
        } else {
            let found = space(ctx, &root);
            // `docker system df` costs a CLI run: asked only when space is short.
            let short = found.iter().any(|f| f.id == LOW_SPACE.id);
            out.extend(found);
            if short {
                out.extend(reclaimable(ctx).await);
            }
        }
        if info.cgroup_version.is_some_and(|v| v.to_string() == "2") && ctx.platform().os == "linux"
        {
            out.extend(controllers(ctx, ctx.daemon_is_rootless().await));
        }
        out
    }
}

fn human(bytes: u64) -> String {
    if bytes >= GIB {
        format!("{:.1} GiB", bytes as f64 / GIB as f64)
    } else {
        format!("{} MiB", bytes >> 20)
    }
}

fn space(ctx: &Context, root: &Path) -> Vec<Finding> {
    // The data root itself may be unreadable to this user; its filesystem is what counts,
    // so measure the nearest ancestor that can be.
    let mut measured = None;
    for p in root.ancestors() {
        match ctx.host().fs_stats(p) {
            Ok(s) => {
                measured = Some((p.to_path_buf(), s));
                break;
            }
            // This host cannot measure at all (a captured machine without sizes).
            Err(e) if e.kind() == std::io::ErrorKind::Unsupported => return Vec::new(),
            Err(_) => {}
        }
    }
    let Some((at, s)) = measured else {
        return vec![
            UNKNOWN
                .finding(format!(
                    "could not measure the filesystem of {}",
                    root.display()
                ))
                .evidence("data root", root.display()),
        ];
    };
    let mut out = Vec::new();
    let pct = |a: u64, t: u64| {
        if t == 0 {
            100.0
        } else {
            a as f64 * 100.0 / t as f64
        }
    };
    let free_pct = pct(s.avail_bytes, s.total_bytes);
    let inode_pct = pct(s.avail_inodes, s.total_inodes);
    let prune = Fix::new("See what takes the space, then prune what you do not need")
        .run("docker system df")
        .run("docker system prune")
        .note("`docker system prune` removes stopped containers, unused networks, dangling images and build cache; add -a for every unused image, --volumes for unused volumes (their data is lost).");
    if s.avail_bytes < GIB || free_pct < 2.0 {
        out.push(
            LOW_SPACE
                .finding(format!(
                    "only {} free ({free_pct:.0}%) on the filesystem of {}: pulls and builds will fail with \"no space left on device\"",
                    human(s.avail_bytes),
                    root.display()
                ))
                .severity(Severity::Error)
                .evidence("free", human(s.avail_bytes))
                .evidence("size", human(s.total_bytes))
                .fix(prune.clone()),
        );
    } else if s.avail_bytes < 5 * GIB || free_pct < 10.0 {
        out.push(
            LOW_SPACE
                .finding(format!(
                    "{} free ({free_pct:.0}%) on the filesystem of {}",
                    human(s.avail_bytes),
                    root.display()
                ))
                .evidence("free", human(s.avail_bytes))
                .evidence("size", human(s.total_bytes))
                .fix(prune.clone()),
        );
    }
    if s.total_inodes > 0 && inode_pct < 10.0 {
        out.push(
            LOW_INODES
                .finding(format!(
                    "{inode_pct:.1}% of inodes free on the filesystem of {}: \"no space left on device\" with space left",
                    root.display()
                ))
                .severity(if inode_pct < 2.0 { Severity::Error } else { Severity::Warn })
                .evidence("free inodes", s.avail_inodes)
                .evidence("inodes", s.total_inodes)
                .fix(prune),
        );
    }
    if out.is_empty() {
        // NTFS and APFS have no inode limit to speak of (sysinfo reports none).
        let inodes = if s.total_inodes > 0 {
            format!(", {inode_pct:.0}% of inodes free")
        } else {
            String::new()
        };
        let mut ok = OK
            .finding(format!(
                "{} free ({free_pct:.0}%){inodes}, on the filesystem of {}",
                human(s.avail_bytes),
                root.display()
            ))
            .evidence("measured at", at.display());
        if let Some(m) = ctx.host().memory() {
            ok = ok.evidence(
                "memory",
                format!(
                    "{} available of {}",
                    human(m.available_bytes),
                    human(m.total_bytes)
                ),
            );
        }
        out.push(ok);
    }
    out
}

/// `docker system df` through the CLI, which knows every engine's answer format.
async fn reclaimable(ctx: &Context) -> Vec<Finding> {
    let (Some(docker), Some(d)) = (ctx.host().which("docker"), ctx.daemon().await) else {
        return Vec::new();
    };
    let url = d.endpoint.url.clone();
    let Ok(out) = ctx
        .host()
        .run(
            &docker,
            &["-H", &url, "system", "df", "--format", "{{json .}}"],
            Duration::from_secs(5).min(ctx.api_timeout()),
        )
        .await
    else {
        return Vec::new();
    };
    if out.status != Some(0) {
        return Vec::new();
    }
    let mut total = 0u64;
    let mut parts = Vec::new();
    for line in out.stdout.lines() {
        let Ok(v) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        let kind = v["Type"].as_str().unwrap_or("?");
        let text = v["Reclaimable"].as_str().unwrap_or("");
        let bytes = parse_size(text.split_whitespace().next().unwrap_or(""));
        if let Some(b) = bytes.filter(|b| *b > 0) {
            total += b;
            parts.push(format!("{kind}: {text}"));
        }
    }
    if total == 0 {
        return Vec::new();
    }
    let mut f = RECLAIMABLE
        .finding(format!("about {} could be reclaimed", human(total)))
        .fix(
            Fix::new("Remove what is unused")
                .run("docker system df -v")
                .run("docker system prune")
                .note("Add -a to remove every image no container uses, and --volumes for unused volumes: their data is lost."),
        );
    for p in parts {
        f = f.evidence("reclaimable", p);
    }
    vec![f]
}

/// `1.982MB`, `512kB`, `2.3GB`, `0B` as the docker CLI prints them (decimal units).
fn parse_size(s: &str) -> Option<u64> {
    let idx = s.find(|c: char| c.is_ascii_alphabetic())?;
    let (num, unit) = s.split_at(idx);
    let n: f64 = num.parse().ok()?;
    let mult = match unit {
        "B" => 1.0,
        "kB" | "KB" => 1e3,
        "MB" => 1e6,
        "GB" => 1e9,
        "TB" => 1e12,
        _ => return None,
    };
    Some((n * mult) as u64)
}

/// Controllers enabled where the daemon creates its cgroups.
fn controllers(ctx: &Context, rootless: bool) -> Vec<Finding> {
    let uid = ctx.identity().uid;
    let path = if rootless {
        PathBuf::from(format!(
            "/sys/fs/cgroup/user.slice/user-{uid}.slice/user@{uid}.service/cgroup.controllers"
        ))
    } else {
        PathBuf::from("/sys/fs/cgroup/cgroup.controllers")
    };
    let Ok(text) = ctx.host().read_text(&path) else {
        return Vec::new();
    };
    let have: Vec<&str> = text.split_whitespace().collect();
    let needs = [
        ("memory", "--memory"),
        ("cpu", "--cpus"),
        ("pids", "--pids-limit"),
        ("io", "--blkio-weight"),
        ("cpuset", "--cpuset-cpus"),
    ];
    let missing: Vec<(&str, &str)> = needs
        .into_iter()
        .filter(|(c, _)| !have.contains(c))
        .collect();
    if missing.is_empty() {
        return Vec::new();
    }
    let list = missing
        .iter()
        .map(|(c, _)| *c)
        .collect::<Vec<_>>()
        .join(" ");
    let flags = missing
        .iter()
        .map(|(_, f)| *f)
        .collect::<Vec<_>>()
        .join(", ");
    let fix = if rootless {
        Fix::new("Delegate the controllers to your user's systemd")
            .write_file(
                "/etc/systemd/system/user@.service.d/delegate.conf",
                "[Service]\nDelegate=cpu cpuset io memory pids\n",
            )
            .run_root("systemctl daemon-reload")
            .manual("Log out and back in, then: systemctl --user restart docker")
            .docs("https://docs.docker.com/engine/security/rootless/tips/#limiting-resources")
    } else {
        Fix::new("Enable the controllers for the root cgroup").run(argv!["cat", path.display()])
            .manual("Check the kernel command line (cgroup_disable=...) and that systemd enables them; on WSL, update WSL.")
    };
    vec![
        CGROUP_CONTROLLERS
            .finding(format!(
                "cgroup v2 controllers missing ({list}): {flags} will fail"
            ))
            .evidence("file", path.display())
            .evidence("enabled", text.trim())
            .fix(fix),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cli_sizes() {
        assert_eq!(parse_size("1.982MB"), Some(1_982_000));
        assert_eq!(parse_size("0B"), Some(0));
        assert_eq!(parse_size("2.5GB"), Some(2_500_000_000));
        assert_eq!(parse_size("n/a"), None);
    }
}
