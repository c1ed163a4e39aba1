//! The probe catalogue. One file per probe; each owns its finding kinds and its fixes and
//! knows nothing of the others' internals (a finding may name another probe as its cause).

mod auth;
mod baseline;
mod ca;
mod cli;
mod daemon;
mod daemon_forwarding;
mod daemon_remote;
mod daemon_start;
mod endpoint;
mod ports;
mod proxy;
mod registry;
mod smoke;
mod socket;
mod storage;
mod wsl;

use crate::context::Context;
use crate::model::{Finding, FindingKind};
use async_trait::async_trait;

#[async_trait]
pub trait Probe: Send + Sync {
    /// Stable short id (`socket`); also the prefix of its finding ids.
    fn id(&self) -> &'static str;
    fn title(&self) -> &'static str;
    /// Every kind of finding this probe can emit.
    fn emits(&self) -> &'static [FindingKind];
    /// Contacts another machine: skipped by `--offline`.
    fn network(&self) -> bool {
        false
    }
    /// Whether the probe has anything to check on this machine (WSL probes only in WSL).
    fn applicable(&self, _ctx: &Context) -> bool {
        true
    }
    /// Why the probe is skipped on this machine, or `None` to run it.
    fn not_applicable_because(&self, ctx: &Context) -> Option<String> {
        (!self.applicable(ctx)).then(|| "not applicable on this machine".to_string())
    }
    async fn run(&self, ctx: &Context) -> Vec<Finding>;
}

/// Why a probe that reads the registry connections cannot run: a captured machine on which
/// none were recorded.
fn needs_traces(ctx: &Context) -> Option<String> {
    (!ctx.host().can_trace())
        .then(|| "no registry connections were recorded for this captured machine".into())
}

/// Every probe, in the order the report lists them.
pub fn all() -> Vec<Box<dyn Probe>> {
    vec![
        Box::new(cli::Cli),
        Box::new(endpoint::EndpointProbe),
        Box::new(daemon::Daemon),
        Box::new(socket::Socket),
        Box::new(wsl::Wsl),
        Box::new(proxy::ProxyProbe),
        Box::new(registry::Registry),
        Box::new(ca::Ca),
        Box::new(auth::Auth),
        Box::new(ports::Ports),
        Box::new(storage::Storage),
        Box::new(smoke::Smoke),
        Box::new(baseline::BaselineProbe),
    ]
}
