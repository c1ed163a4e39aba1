//! Fix recipes that more than one probe prescribes: each builds a [`Fix`](crate::model::Fix)
//! for this host from the host profile and the values given, and knows nothing of the
//! findings that use it.

pub mod ca_trust;
pub mod daemon_json;
pub mod daemon_proxy;
pub mod name_lookup;
pub mod shell_env;
