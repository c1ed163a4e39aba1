//! The daemon's answers, decoded into bollard's models as the probes receive them.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = serde_json::from_slice::<bollard::models::SystemVersion>(data);
    let _ = serde_json::from_slice::<bollard::models::SystemInfo>(data);
    let _ = serde_json::from_slice::<Vec<bollard::models::ContainerSummary>>(data);
});
