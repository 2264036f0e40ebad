//! End-to-end tests of the `ooc` binary: each test writes small files with the crates (or,
//! when `OOC_PYTHON` is set, with numpy, h5py and scipy), runs the built binary and checks
//! its output, exit status and the files it leaves behind.

#[path = "../common/mod.rs"]
mod common;
mod convert;
mod errors;
mod gemv;
mod info;
#[path = "../interop_common/mod.rs"]
mod interop_common;
mod sparse;
mod stats;
mod support;
