//! The daemon probe's reading of a failed start: when the local daemon is down or left its
//! socket behind, "start it" again is no fix if the last start failed. The daemon's own log
//! (the init script's file, a hand-started dockerd's output) says why, and the init
//! script's `ulimit` lines say what no log can (the script stops before dockerd runs).

use crate::argv;
use crate::context::Context;
use crate::facts::profile::ServiceManager;
use crate::facts::start_failure::{self, StartFailure};
use crate::model::{Finding, FindingKind, Fix, ServiceAction, Severity};
use std::path::Path;

pub(super) const START_FAILED: FindingKind = FindingKind::new(
    "daemon.start-failed",
    Severity::Error,
    "the daemon's last start failed, and its log or start script says why",
);

/// How much of the end of the daemon's log is read for its last start attempt.
const LOG_TAIL: u64 = 256 << 10;

/// How long journalctl may take to print this boot's dockerd lines.
const JOURNAL_SECS: u64 = 3;

/// dockerd's own lines of this boot in the journal (systemd hosts, the user's journal for
/// a rootless daemon), as `-o cat` prints them: the same text the init script's log file
/// holds. `-t dockerd` keeps systemd's own "Failed to start ..." lines out, which say
/// nothing of why. None when journalctl is absent, fails, or may not read the journal.
async fn journal_of_this_boot(ctx: &Context, manager: &ServiceManager) -> Option<(String, String)> {
    let user = match manager {
        ServiceManager::Systemd => false,
        ServiceManager::SystemdUser => true,
        _ => return None,
    };
    let journalctl = ctx.host().which("journalctl")?;
    let mut args = vec![
        "-b",
        "--no-pager",
        "-o",
        "cat",
        "-n",
        "400",
        "-t",
        "dockerd",
    ];
    if user {
        args.insert(0, "--user");
        args.extend(["-t", "dockerd-rootless.sh"]);
    }
    let out = ctx
        .host()
        .run(
            &journalctl,
            &args,
            std::time::Duration::from_secs(JOURNAL_SECS),
        )
        .await
        .ok()?;
    if out.status != Some(0) || out.stdout.trim().is_empty() {
        return None;
    }
    Some((format!("journalctl {}", args.join(" ")), out.stdout))
}

/// The finding for the last failed start of this host's daemon, if it failed and why is
/// known.
pub(super) async fn finding(ctx: &Context) -> Option<Finding> {
    let host = ctx.host();
    let profile = ctx.profile().await;
    let mut cause = None;
    if let ServiceManager::InitScript { script, .. } = &profile.service_manager
        && let Ok(text) = host.read_text(Path::new(script))
    {
        let limits = host
            .read_text(Path::new("/proc/self/limits"))
            .unwrap_or_default();
        let status = host
            .read_text(Path::new("/proc/self/status"))
            .unwrap_or_default();
        cause = start_failure::ulimit_blocks(script, &text, &limits, &status);
    }
    let log = profile.log_path();
    if cause.is_none()
        && let Some(path) = &log
        && let Ok(bytes) = host.read_tail(Path::new(path), LOG_TAIL)
    {
        cause = start_failure::from_log(&String::from_utf8_lossy(&bytes));
    }
    let mut journal = None;
    if cause.is_none()
        && let Some((argv, text)) = journal_of_this_boot(ctx, &profile.service_manager).await
    {
        cause = start_failure::from_log(&text);
        journal = Some(argv);
    }
    let cause = cause?;
    let from = match &cause {
        StartFailure::Ulimit {
            script, line_no, ..
        } => format!("{script}:{line_no}"),
        _ => journal
            .or_else(|| log.clone())
            .unwrap_or_else(|| "the daemon's log".into()),
    };
    let base = START_FAILED
        .finding(match &cause {
            StartFailure::Ulimit {
                line, wanted, hard, ..
            } => format!(
                "the init script stops at `{line}`: this machine's hard limit is {hard}, and without CAP_SYS_RESOURCE (a container, LXC) root cannot raise it to {wanted}, so dockerd never starts"
            ),
            StartFailure::PidFile { path, .. } => {
                format!("dockerd refused to start: its pid file {path} is left over")
            }
            StartFailure::StorageDriver { driver, .. } if !driver.is_empty() => format!(
                "dockerd could not start its storage driver {driver} on this filesystem"
            ),
            StartFailure::StorageDriver { .. } => {
                "dockerd could not start a storage driver on this filesystem".to_string()
            }
            StartFailure::ListenerInUse { address, .. } => format!(
                "dockerd could not listen on {address}: another process holds that port"
            ),
            StartFailure::Other { line } => {
                // dockerd's own words, without its log prefix, as the reason.
                let said = line
                    .rsplit_once("msg=")
                    .map_or(line.as_str(), |(_, m)| m)
                    .trim_matches('"');
                let said = said.strip_prefix("failed to start daemon: ").unwrap_or(said);
                let short: String = said.chars().take(200).collect();
                format!("dockerd's last start failed: {short}")
            }
        })
        .evidence("says", cause.line())
        .evidence("from", &from)
        .detail("Starting it again fails the same way until this is fixed.");
    let f = match &cause {
        StartFailure::Ulimit { script, .. } => base.fix(
            Fix::new("Let the script's ulimit lines fail without stopping it, then start it")
                .run_root(argv![
                    "sed",
                    "-i",
                    "-E",
                    r"/^[[:space:]]*ulimit /{/\|\|/!s/[[:space:]]*$/ 2>\/dev\/null || true/}",
                    script
                ])
                .service(ServiceAction::Start)
                .note("A package upgrade may put the line back (the script is a configuration file: dpkg asks)."),
        ),
        StartFailure::PidFile { path, .. } => {
            let pid = ctx
                .host()
                .read_text(Path::new(path))
                .ok()
                .and_then(|t| t.trim().parse::<u32>().ok());
            let name = pid.and_then(|p| {
                ctx.host()
                    .read_text(Path::new(&format!("/proc/{p}/comm")))
                    .ok()
                    .map(|n| n.trim().to_string())
            });
            let mut f = base;
            if let Some(p) = pid {
                f = f.evidence("pid in the file", p).evidence(
                    "that process",
                    name.clone().unwrap_or_else(|| "not running".into()),
                );
            }
            if name.as_deref() == Some("dockerd") {
                f.fix(
                    Fix::new("A dockerd still runs with that pid: stop it the way it was started")
                        .service(ServiceAction::Status),
                )
            } else {
                f.fix(
                    Fix::new("Remove the stale pid file, then start the daemon")
                        .run_root(argv!["rm", "-f", path])
                        .why("the pid in it is not a running dockerd")
                        .service(ServiceAction::Start),
                )
            }
        }
        StartFailure::StorageDriver { .. } => base.fix(
            Fix::new("Use a storage driver this filesystem supports")
                .run(argv!["df", "-T", "/var/lib/docker"])
                .manual("Remove \"storage-driver\" from /etc/docker/daemon.json (and --storage-driver from the daemon's options) to let dockerd choose, or set one that works here (vfs always does, slowly); then start the daemon.")
                .docs("https://docs.docker.com/engine/storage/drivers/select-storage-driver/"),
        ),
        StartFailure::ListenerInUse { address, .. } => {
            let port = address.rsplit(':').next().unwrap_or_default().to_string();
            base.fix(
                Fix::new("Name the process that holds the port, then move one of them")
                    .run_root(argv!["ss", "-ltnp", format!("sport = :{port}")])
                    .manual(format!(
                        "Stop that process, or give the daemon another tcp address in \"hosts\" (/etc/docker/daemon.json) or -H (the daemon's options) than {address}; then start the daemon."
                    )),
            )
        }
        StartFailure::Other { .. } => {
            base.fix(Fix::new("Read the whole start attempt").service(ServiceAction::Logs))
        }
    };
    Some(f)
}
