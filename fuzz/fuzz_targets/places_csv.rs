//! The national places standard, CSV: any bytes give a report (rows kept, rows refused), never a panic.
#![no_main]
use aiguillage_interop::places_standard::{read_places, PlacesFormat};
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = read_places(data, PlacesFormat::Csv);
});
