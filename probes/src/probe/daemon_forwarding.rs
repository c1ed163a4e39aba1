//! The daemon probe's reading of IPv4 forwarding. With it off in the daemon's network
//! namespace, containers on a bridge network reach nothing beyond the host ("IPv4
//! forwarding is disabled. Networking will not work."), whatever DNS or proxy they are
//! given: every download in a build or a container fails, in the tool's own words.
//! dockerd turns it on when it starts; something turned it off since (a network service
//! restarted, systemd-networkd managing an interface without `IPForward=yes`, a
//! hardening sysctl applied after boot).

use crate::context::{Context, DaemonState};
use crate::facts::engine::Engine;
use crate::model::{Finding, FindingKind, Fix, ServiceAction, Severity};
use bollard::models::SystemInfo;

pub(super) const IP_FORWARD_OFF: FindingKind = FindingKind::new(
    "daemon.ip-forward-disabled",
    Severity::Warn,
    "IPv4 forwarding is off where the daemon runs: containers on a bridge network reach nothing beyond the host",
);

/// dockerd's own warning for it in `info`: this finding says it, so the generic list of
/// warnings leaves it out.
pub(super) fn is_its_warning(text: &str) -> bool {
    text.to_ascii_lowercase()
        .contains("ipv4 forwarding is disabled")
}

/// Where the setting lives so that it survives a reboot (a late name: sysctl.d files are
/// applied in their names' order, and the last one wins).
const SYSCTL_FILE: &str = "/etc/sysctl.d/99-docker-ip-forward.conf";

/// The finding, when the daemon says forwarding is off. Podman's answer is not read:
/// netavark sets the sysctl itself for each network it creates.
pub(super) fn finding(
    ctx: &Context,
    state: &DaemonState,
    engine: Engine,
    info: &SystemInfo,
) -> Option<Finding> {
    if info.ipv4_forwarding != Some(false) || engine == Engine::Podman {
        return None;
    }
    let f = IP_FORWARD_OFF
        .finding(format!(
            "the daemon at {} reports IPv4 forwarding disabled: containers on a bridge network cannot reach the registry, package mirrors or anything beyond this host",
            state.endpoint.url
        ))
        .evidence("endpoint", &state.endpoint.url)
        .evidence("ipv4_forwarding", false)
        .evidence("sysctl", "net.ipv4.ip_forward = 0");
    let fix = if state.endpoint.is_remote() {
        Fix::new("Turn IPv4 forwarding back on, on the daemon's host").manual(format!(
            "On the host of {}: sudo sysctl -w net.ipv4.ip_forward=1, and `net.ipv4.ip_forward = 1` in {SYSCTL_FILE} so that it stays on",
            state.endpoint.url
        ))
    } else if engine != Engine::DockerEngine {
        Fix::new(format!(
            "Restart {}: the dockerd in its VM turns forwarding on when it starts",
            engine.name()
        ))
        .manual(format!("Quit {} and start it again", engine.name()))
    } else if ctx.is_rootless(info) {
        Fix::new("Restart the rootless daemon: it turns forwarding on in its own network namespace when it starts")
            .service(ServiceAction::Restart)
    } else {
        Fix::new("Turn IPv4 forwarding on, and keep it on after a reboot")
            .run_root(["sysctl", "-w", "net.ipv4.ip_forward=1"])
            .why("containers reach beyond the host again, at once")
            .write_file(SYSCTL_FILE, "net.ipv4.ip_forward = 1\n")
            .run("grep -rs ip_forward /etc/sysctl.conf /etc/sysctl.d/ || true")
            .why("a `= 0` here, or in a network service's settings (systemd-networkd's IPForward=), turns it off again")
            .note("dockerd turned forwarding on when it started; something turned it off since: a network service restarted, systemd-networkd managing an interface without IPForward=yes, or a hardening setting.")
    };
    Some(f.fix(fix.docs("https://docs.docker.com/engine/network/packet-filtering-firewalls/")))
}
