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

pub use context::{Context, Options};
pub use model::{Argv, Evidence, Finding, FindingKind, Fix, ServiceAction, Severity, Step};
pub use probe::{Probe, all};
