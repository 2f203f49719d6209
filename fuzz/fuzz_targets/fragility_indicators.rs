//! Fragility indicator files (long or wide, the local uploads): any text gives a file or an error.
#![no_main]
libfuzzer_sys::fuzz_target!(|text: &str| {
    let _ = aiguillage_interop::fragility::read_indicator_file(text);
});
