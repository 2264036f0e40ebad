//! libFuzzer harness for `hdf5_chunk_index`; the body lives in `common/targets.rs`.
#![no_main]

#[allow(dead_code)]
#[path = "../common/targets.rs"]
mod targets;

libfuzzer_sys::fuzz_target!(|data: &[u8]| targets::hdf5_chunk_index(data));
