//! The masking layer on any text and any learned secret: never a panic, and never a
//! control character left but newline and tab.
#![no_main]
use libfuzzer_sys::fuzz_target;

#[allow(dead_code, unused_macros)]
#[path = "../../src/mask.rs"]
mod mask;

fuzz_target!(|input: (&str, &str)| {
    let (secret_value, text) = input;
    let mut m = mask::Masker::default();
    m.learn_variable("HTTPS_PROXY", secret_value);
    m.learn_variable("REGISTRY_TOKEN", secret_value);
    m.learn_docker_config(secret_value);
    let out = m.mask(text, false);
    assert!(
        !out.chars()
            .any(|c| c.is_control() && c != '\n' && c != '\t')
    );
    let _ = m.mask(text, true);
});
