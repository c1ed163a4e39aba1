//! A `.go.buildinfo` section of whatever binary is on PATH.
#![no_main]
use libfuzzer_sys::fuzz_target;
use probes::facts::go_buildinfo;

fuzz_target!(|data: &[u8]| {
    let _ = go_buildinfo::value_in_section(data, "github.com/docker/cli/cli/version.Version");
});
