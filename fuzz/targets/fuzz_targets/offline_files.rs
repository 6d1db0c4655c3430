#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| kentongan_fuzz::offline_files(data));
