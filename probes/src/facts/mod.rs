//! Shared facts about the machine: parsers and resolvers that several probes need.
//! Pure functions of what the [`Host`](crate::host::Host) shows; the
//! [`Context`](crate::context::Context) memoises them.

pub mod api_version;
pub mod baseline;
pub mod certs;
pub mod cli_plugins;
pub mod client_config;
pub mod compose;
pub mod context_meta;
pub mod credentials;
pub mod daemon_config;
pub mod daemon_keys;
pub mod docker_tls;
pub mod endpoint;
pub mod engine;
pub mod go_buildinfo;
pub mod json_file;
pub mod json_shape;
pub mod listeners;
pub mod options_file;
pub mod platform;
pub mod processes;
pub mod profile;
pub mod proxy;
pub mod registries;
pub mod registry_auth;
pub mod shell_profiles;
pub mod ssh;
pub mod start_failure;
pub mod systemd;
pub mod trust;
pub mod wsl;
