//! data·inclusion's structures and services files: the input is split at the first NUL byte into the
//! two files (no NUL: structures only); any bytes give a report, never a panic.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let (structures, services) = match data.iter().position(|byte| *byte == 0) {
        Some(at) => (&data[..at], Some(&data[at + 1..])),
        None => (data, None),
    };
    let _ = aiguillage_interop::data_inclusion::read_data_inclusion(structures, services);
});
