//! La Coop's activity reports (CRA), CSV: any text gives activities or an error, never a panic.
#![no_main]
libfuzzer_sys::fuzz_target!(|text: &str| {
    let _ = aiguillage_interop::cra::read_cra_csv(text);
});
