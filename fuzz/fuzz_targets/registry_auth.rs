//! What registries and credential helpers answer: WWW-Authenticate challenges, Docker Hub's
//! pull-limit headers, token answers, a helper's `get` output, and config.json logins.
#![no_main]
use libfuzzer_sys::fuzz_target;
use probes::facts::{credentials, registry_auth};
use probes::host::HttpAnswer;

fuzz_target!(|text: &str| {
    let _ = registry_auth::parse_challenge(text);
    let _ = registry_auth::token_of(text);
    let _ = credentials::parse_helper_output(text);
    let _ = credentials::hostname(text);
    // The two halves as the two limit headers.
    let mid = (0..=text.len() / 2)
        .rev()
        .find(|&i| text.is_char_boundary(i))
        .unwrap_or(0);
    let (a, b) = text.split_at(mid);
    let answer = HttpAnswer {
        status: 200,
        headers: vec![
            ("ratelimit-limit".into(), a.to_string()),
            ("ratelimit-remaining".into(), b.to_string()),
        ],
        body: String::new(),
    };
    if let Some(l) = registry_auth::pull_limit(&answer) {
        // The probe's "few left" test must not overflow.
        let _ = l.remaining.checked_mul(10).map(|r| r < l.limit);
    }
    if let Ok(v) = serde_json::from_str::<serde_json::Value>(text) {
        for key in credentials::configured(&v) {
            let _ = credentials::from_auths(&v, &key);
            let _ = credentials::store_for(&v, &key);
        }
    }
});
