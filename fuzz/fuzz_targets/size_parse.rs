//! libFuzzer harness for `size_parse`; the body lives in `common/targets.rs`.
#![no_main]

#[allow(dead_code)]
#[path = "../common/targets.rs"]
mod targets;

libfuzzer_sys::fuzz_target!(|data: &[u8]| targets::size_parse(data));
