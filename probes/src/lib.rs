//! docker-doctor's probes: the host model, the finding/fix model, and one module per probe.
//!
//! Flow: a [`host::Host`] (the machine, or a captured fixture) feeds a [`context::Context`]
//! of memoised facts; every [`probe::Probe`] reads the context and returns
//! [`model::Finding`]s. How findings are printed is not this crate's business.

pub mod bounded;
pub mod context;
pub mod facts;
pub mod host;
pub mod model;
pub mod probe;
pub mod recipes;
pub mod safe_write;
pub mod secret;
pub mod shared;
pub mod shell;

/// Whether the tests run as Windows programs under Wine (`CROSS_RUNNER=wine`, set by
/// ../shared/cross): a test that needs what Wine lacks says so and returns.
#[cfg(test)]
pub(crate) fn under_wine(why: &str) -> bool {
    let wine = std::env::var("CROSS_RUNNER").as_deref() == Ok("wine");
    if wine {
        eprintln!("skipped under Wine (a real Windows runs it): {why}");
    }
    wine
}

pub use context::{Context, Options};
pub use model::{Argv, Evidence, Finding, FindingKind, Fix, ServiceAction, Severity, Step};
pub use probe::{Probe, all};
