//! Commune-to-commune travel-time matrices: any text gives a matrix with its refused rows, or an error.
#![no_main]
libfuzzer_sys::fuzz_target!(|text: &str| {
    let _ = aiguillage_interop::travel_times::read_travel_times(text);
});
