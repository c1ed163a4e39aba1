//! Compose files: ports and bind mounts of any YAML, bounded in time by the nesting cap.
#![no_main]
use libfuzzer_sys::fuzz_target;
use probes::facts::compose;

fuzz_target!(|text: &str| {
    let _ = compose::parse(text, &|name| (name == "PORT").then(|| "8080".to_string()));
    let _ = compose::bind_sources(text, std::path::Path::new("/project"));
    let _ = compose::interpolate(text, &|_| None);
});
