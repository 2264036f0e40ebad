//! `cargo xtask test`: everything a contributor must pass, in order, on a fresh machine.
//!
//! Tests that compare with Python, or that can only run part of their checks on some
//! machines, write one line per run to the file named by `OOC_CHECK_LOG`
//! (`tests/interop_common`): `ran TEST` or `skipped TEST: why`. The run ends with those
//! counts, and says "all checks passed" only when nothing was skipped.

use std::path::{Path, PathBuf};

use crate::{Result, cargo, python, root, sysdeps};

/// Internal hooks the tests exercise: the chunk-level entry points of the fuzz targets.
const FEATURES: &str = "ooc-hdf5/fuzzing";

/// Runs the full check; `python` is the interpreter of the interop tests (`None`: they
/// are skipped and counted), `check_log` the file the tests report to.
fn run_all(python: Option<&Path>, check_log: &Path) -> Result {
    crate::run(cargo().args(["fmt", "--all", "--", "--check"]))?;
    crate::run(cargo().args([
        "clippy",
        "--workspace",
        "--all-targets",
        "--features",
        FEATURES,
        "--",
        "-D",
        "warnings",
    ]))?;
    // `--all-targets` builds the examples as test harnesses only; `tests/walkthroughs.rs`
    // runs them as the programs they are.
    crate::run(cargo().args(["build", "--workspace", "--examples"]))?;
    let mut test = cargo();
    test.args([
        "test",
        "--workspace",
        "--all-targets",
        "--no-fail-fast",
        "--features",
        FEATURES,
    ]);
    // Modest property-test case counts keep the whole run within minutes.
    test.env(
        "PROPTEST_CASES",
        std::env::var("PROPTEST_CASES").unwrap_or_else(|_| "64".into()),
    );
    test.env("OOC_CHECK_LOG", check_log);
    match python {
        Some(py) => test.env("OOC_PYTHON", py).env("OOC_REQUIRE_PYTHON", "1"),
        // An explicit --no-python: the interop tests skip (and are counted), even on CI.
        None => test.env_remove("OOC_PYTHON").env("OOC_REQUIRE_PYTHON", "0"),
    };
    crate::run(&mut test)?;
    let mut doc = cargo();
    doc.args(["test", "--workspace", "--doc", "--features", FEATURES]);
    crate::run(&mut doc)
}

/// What the tests reported through `OOC_CHECK_LOG`.
#[derive(Debug, Default, PartialEq, Eq)]
struct CheckLog {
    /// Interop tests that ran against Python.
    ran: Vec<String>,
    /// Checks that did not run, each with why.
    skipped: Vec<String>,
}

impl CheckLog {
    fn parse(text: &str) -> CheckLog {
        let mut log = CheckLog::default();
        for line in text.lines() {
            if let Some(test) = line.strip_prefix("ran ") {
                log.ran.push(test.to_owned());
            } else if let Some(test) = line.strip_prefix("skipped ") {
                log.skipped.push(test.to_owned());
            }
        }
        log
    }

    /// Prints the counts; "all checks passed" only when nothing was skipped.
    fn report(&self, passed: bool) {
        println!(
            "xtask: {} Python interop test(s) ran against numpy/h5py/scipy/anndata",
            self.ran.len()
        );
        if !self.skipped.is_empty() {
            println!("xtask: {} checks skipped:", self.skipped.len());
            for s in &self.skipped {
                println!("  skipped {s}");
            }
        }
        if passed {
            if self.skipped.is_empty() {
                println!("xtask: all checks passed");
            } else {
                println!(
                    "xtask: tests passed, but {} checks skipped (see above)",
                    self.skipped.len()
                );
            }
        }
    }
}

/// `cargo xtask test [--no-python]`.
pub(crate) fn run(args: &[String]) -> Result {
    let mut use_python = true;
    for a in args {
        match a.as_str() {
            "--no-python" => use_python = false,
            other => return Err(format!("unknown option {other:?} for `test`")),
        }
    }
    sysdeps::ensure()?;
    let py = if use_python {
        Some(python::venv("pyenv", &python::TEST_PACKAGES).map_err(|e| {
            format!(
                "{e}\n(the Python interop tests need it; `cargo xtask test --no-python` \
                     skips them, counted as skipped)"
            )
        })?)
    } else {
        println!("xtask: WARNING: --no-python: numpy/h5py/scipy interop checks will be SKIPPED");
        None
    };
    let check_log = check_log_path();
    match std::fs::remove_file(&check_log) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(format!("cannot remove {}: {e}", check_log.display())),
    }
    let result = run_all(py.as_deref(), &check_log);
    let text = std::fs::read_to_string(&check_log).unwrap_or_default();
    CheckLog::parse(&text).report(result.is_ok());
    result
}

/// Where the tests of one `cargo xtask test` run report what ran and what was skipped.
fn check_log_path() -> PathBuf {
    root().join("target").join("ooc-checks.log")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_check_log_counts_runs_and_skips() {
        let log = CheckLog::parse(
            "ran cli_e2e::info::npy_written_by_numpy\n\
             skipped reliability_disk::x: tmpfs cannot be mounted\n\
             ran ooc-mmap::numpy_interop\n\
             garbage line\n",
        );
        assert_eq!(
            log.ran,
            [
                "cli_e2e::info::npy_written_by_numpy",
                "ooc-mmap::numpy_interop"
            ]
        );
        assert_eq!(
            log.skipped,
            ["reliability_disk::x: tmpfs cannot be mounted"]
        );
    }
}
