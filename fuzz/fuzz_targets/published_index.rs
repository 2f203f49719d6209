//! The published fragility indexes (2019 per IRIS, 2023 per commune/EPCI): any text, no panic.
#![no_main]
libfuzzer_sys::fuzz_target!(|text: &str| {
    let _ = aiguillage_interop::published_index::read_published_index(text);
});
