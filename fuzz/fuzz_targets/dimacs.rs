//! DIMACS minimum-cost flow instances: any text gives a network or an error, never a panic.
#![no_main]
libfuzzer_sys::fuzz_target!(|text: &str| {
    let _ = aiguillage_interop::dimacs::read_dimacs(text);
});
