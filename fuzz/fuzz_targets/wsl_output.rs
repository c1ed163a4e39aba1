//! What wsl.exe and netsh print (UTF-16LE or not, any language), and INI files.
#![no_main]
use libfuzzer_sys::fuzz_target;
use probes::facts::wsl;

fuzz_target!(|data: &[u8]| {
    let text = wsl::decode_output(data);
    let _ = wsl::parse_list(&text);
    let _ = wsl::parse_excluded_ranges(&text);
    let _ = wsl::ini_value(&text, "boot", "systemd");
    let _ = wsl::version_from_kernel(&text);
});
