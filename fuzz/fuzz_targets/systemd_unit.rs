//! Unit files and drop-ins, their ExecStart command lines, and dockerd's flags.
#![no_main]
use libfuzzer_sys::fuzz_target;
use probes::facts::{daemon_config, systemd};

fuzz_target!(|text: &str| {
    for (key, value) in systemd::directives(text, "Service") {
        if key == "ExecStart" || key == "Environment" {
            let words = systemd::split_command(&value);
            let _ = daemon_config::parse_flags(&words);
            let _ = systemd::split_words(&value);
        }
    }
    let _ = daemon_config::parse_flags(&systemd::split_command(text));
});
