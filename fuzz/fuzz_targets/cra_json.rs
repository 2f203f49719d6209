//! La Coop's activity reports (CRA), JSON: any text gives activities or an error, never a panic.
#![no_main]
libfuzzer_sys::fuzz_target!(|text: &str| {
    let _ = aiguillage_interop::cra::read_cra_json(text);
});
