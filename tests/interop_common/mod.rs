//! How a test finds the Python it compares with, and how checks that cannot run say so.
//! One file for every test tree: the root `tests/` and the crates' `tests/` include it
//! with `#[path]`, so the rule below exists once.
//!
//! - `OOC_PYTHON` names an interpreter with numpy, h5py, scipy and anndata (`cargo xtask
//!   test` builds one and sets it).
//! - Without it, a test fails when Python is required — `OOC_REQUIRE_PYTHON=1` (set by
//!   `cargo xtask test`) or `CI` set, unless `OOC_REQUIRE_PYTHON=0` (set by `cargo xtask
//!   test --no-python`) — and otherwise skips, saying so on stderr.
//! - Every interop test that ran and every skipped check appends one line to the file
//!   named by `OOC_CHECK_LOG` (`ran TEST` / `skipped TEST: why`), which `cargo xtask test`
//!   counts and prints, whatever libtest does with the tests' output.

#![allow(dead_code)] // each test binary uses part of this

use std::io::Write;
use std::path::PathBuf;

/// The interpreter for the interop test `test` (named `crate::module::function`), or `None`
/// after recording the skip.
///
/// # Panics
/// When `OOC_PYTHON` is not set and Python is required (see the module documentation).
pub(crate) fn python(test: &str) -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("OOC_PYTHON").filter(|p| !p.is_empty()) {
        record(&format!("ran {test}"));
        return Some(PathBuf::from(p));
    }
    assert!(
        !python_required(),
        "{test}: Python is required (OOC_REQUIRE_PYTHON=1, or CI is set) but OOC_PYTHON is \
         not set; `cargo xtask test` builds the environment and sets it \
         (`--no-python` skips these tests, counted as skipped)"
    );
    skipped(test, "OOC_PYTHON not set (cargo xtask test sets it)");
    None
}

/// Records that a check of `test` did not run, and why; says so on stderr too.
pub(crate) fn skipped(test: &str, why: &str) {
    eprintln!("SKIPPED: {test}: {why}");
    record(&format!("skipped {test}: {why}"));
}

/// Whether an interop test must fail rather than skip when it finds no Python.
fn python_required() -> bool {
    match std::env::var("OOC_REQUIRE_PYTHON").as_deref() {
        Ok("1") => true,
        Ok("0") => false,
        _ => std::env::var_os("CI").is_some_and(|v| !v.is_empty() && v != "false"),
    }
}

/// Appends `line` to the file `OOC_CHECK_LOG` names, if any: one `write` of a short line
/// to a file opened for appending, so lines from tests running at once never interleave.
fn record(line: &str) {
    let Some(path) = std::env::var_os("OOC_CHECK_LOG") else {
        return;
    };
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .unwrap_or_else(|e| panic!("OOC_CHECK_LOG {}: {e}", PathBuf::from(&path).display()));
    file.write_all(format!("{line}\n").as_bytes())
        .unwrap_or_else(|e| panic!("OOC_CHECK_LOG {}: {e}", PathBuf::from(&path).display()));
}
