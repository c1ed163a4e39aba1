//! An init script's options file (/etc/default/docker, /etc/conf.d/docker), read as sh
//! reads it: any text gives assignments and at most an open quote, never a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;
use probes::facts::options_file;

fuzz_target!(|text: &str| {
    let f = options_file::parse(text);
    if let Some(line) = f.unterminated_quote {
        assert!(line >= 1 && line <= text.lines().count().max(1) + 1);
    }
    for a in &f.assignments {
        assert!(a.line >= 1);
        let _ = f.get(&a.name);
    }
});
