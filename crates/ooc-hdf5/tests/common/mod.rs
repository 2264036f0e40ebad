//! Helpers shared by the integration tests of `ooc-hdf5`: temporary folders, whole-array
//! reads through any block reader, and running h5py (found through `OOC_PYTHON`, see
//! `tests/interop_common` at the workspace root) without a child process inheriting an
//! open file's lock.
#![allow(dead_code)]

use std::ffi::{OsStr, OsString};
use std::process::Command;
use std::sync::{Mutex, MutexGuard, PoisonError};

use ooc_core::{Element, ReadBlock, Region};

/// A fresh temporary folder, removed when dropped.
pub(crate) fn tmp() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

/// Every element of `array` (C order), read with one `read_region` over the whole of it.
pub(crate) fn read_all<T: Element>(array: &impl ReadBlock<T>) -> Vec<T> {
    let shape = array.shape();
    let mut out = vec![T::default(); shape.iter().product()];
    array.read_region(&Region::full(shape), &mut out).unwrap();
    out
}

/// Held while a file is open through a library handle and while a child process runs:
/// libhdf5 opens files without `O_CLOEXEC` (ooc sets the flag right after, the `hdf5`
/// crate never), so a child started at that moment would inherit the descriptor and the
/// file's lock.
static NO_CHILD_WHILE_OPEN: Mutex<()> = Mutex::new(());

/// Takes the lock that keeps child processes and open library handles apart.
pub(crate) fn no_child_while_open() -> MutexGuard<'static, ()> {
    NO_CHILD_WHILE_OPEN
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
}

#[path = "../../../../tests/interop_common/mod.rs"]
mod interop_common;

/// The Python named by `OOC_PYTHON` for the interop test `test`, or `None` when it may
/// skip (the rule, and the panic when Python is required, are in `tests/interop_common`).
pub(crate) fn python(test: &str) -> Option<OsString> {
    interop_common::python(test).map(Into::into)
}

/// Runs `python -c script args...`, checks that it succeeded and returns what it printed.
pub(crate) fn run_python(python: &OsStr, script: &str, args: &[&OsStr]) -> String {
    let out = Command::new(python)
        .arg("-c")
        .arg(script)
        .args(args)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "python failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}
