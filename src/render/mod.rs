//! Renderers: the same report as text for a person, JSON for a ticket, Markdown to paste
//! into an issue, Prometheus metrics for a fleet's monitoring, or a JUnit report for CI.

pub mod human;
pub mod json;
pub mod junit;
pub mod markdown;
pub mod prometheus;
