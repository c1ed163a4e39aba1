//! CA files (certs.d, the system bundle) and what a server presents.
#![no_main]
use libfuzzer_sys::fuzz_target;
use probes::facts::{certs, trust};

fuzz_target!(|data: &[u8]| {
    for der in trust::parse_pem(data) {
        let _ = certs::describe(&der);
    }
    let _ = certs::describe(data);
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = certs::parse_http_date(text);
    }
});
