//! The France Services list: any bytes give a report, never a panic.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = aiguillage_interop::france_services::read_france_services(data);
});
