//! daemon.json, ~/.docker/config.json and context meta.json: any bytes parse to a finding, never a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;
use probes::facts::{client_config, context_meta, json_file, proxy};

fuzz_target!(|data: &[u8]| {
    let file = json_file::parse_json(data);
    if let json_file::JsonFile::Loaded(v) = &file {
        let _ = client_config::type_error(v);
        let _ = context_meta::type_error(v);
    }
    let _ = proxy::daemon_json(&file);
});
