//! Renderers: the same report as text for a person, JSON for a ticket, or Markdown to
//! paste into an issue.

pub mod human;
pub mod json;
pub mod markdown;
