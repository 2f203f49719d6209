//! A resource bank session's archive (ZIP): any bytes are read within the limits or refused.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = aiguillage_interop::resource_archive::read_archive(data);
});
