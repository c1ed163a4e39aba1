//! Renderers: the same report as text for a person, or JSON for a ticket.

pub mod human;
pub mod json;
