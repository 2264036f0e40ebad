//! libFuzzer harness for `cli_source`; the body lives in `common/targets.rs`.
#![no_main]

#[allow(dead_code)]
#[path = "../common/targets.rs"]
mod targets;

libfuzzer_sys::fuzz_target!(|data: &[u8]| targets::cli_source(data));
