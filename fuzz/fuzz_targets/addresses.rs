//! Everything that is an address or a version in a variable or an answer: DOCKER_HOST,
//! registry names, proxy URLs and NO_PROXY, API refusals, version lines, os-release.
#![no_main]
use libfuzzer_sys::fuzz_target;
use probes::facts::{api_version, endpoint, platform, profile, proxy, registries};

fuzz_target!(|text: &str| {
    let _ = endpoint::Endpoint::parse(text, false);
    let _ = endpoint::Endpoint::parse(text, true);
    let _ = registries::parse_name(text);
    let _ = proxy::ProxyUrl::parse(text);
    let _ = proxy::percent_decode(text);
    let (host, _) = proxy::split_host_port(text);
    let _ = proxy::no_proxy_matches(text, host, 443);
    let _ = api_version::parse_refusal(text);
    let _ = api_version::ApiVersion::parse(text);
    let _ = profile::parse_version(text);
    let _ = platform::os_release_field(text, "ID");
});
