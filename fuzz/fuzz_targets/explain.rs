//! `explain` on any pasted text: every signature's patterns over every window.
#![no_main]
use libfuzzer_sys::fuzz_target;
use std::sync::LazyLock;

#[allow(dead_code)]
#[path = "../../src/explain/matcher.rs"]
mod matcher;
#[allow(dead_code)]
#[path = "../../src/explain/structure.rs"]
mod structure;
// matcher's ASCII rewriting of its patterns lives in the masking layer.
#[allow(dead_code, unused_macros)]
#[path = "../../src/mask.rs"]
mod mask;

static REGISTRY: LazyLock<matcher::Registry> = LazyLock::new(matcher::registry);

fuzz_target!(|text: &str| {
    let _ = matcher::find(&REGISTRY, text);
});
