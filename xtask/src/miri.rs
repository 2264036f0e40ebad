//! `cargo xtask miri [--cases N] [--runs R] [SUITE...]`: the unsafe code Miri can execute,
//! under Miri (nightly), R times. Without SUITE, every suite but the slow ones (hours under
//! Miri), which run when named.
//!
//! Miri interprets Rust and checks every memory access, but it cannot call C (libhdf5) or
//! map files, so it runs the suites below and not the whole workspace: ooc-core, the
//! sparse kernels with unchecked indexing (SpMV over validated structure), the linalg
//! kernels (alone and through the scheduler's SpMV), and the linalg scheduler's reader
//! thread and buffer pool. Property tests run with `--cases` cases (default 4) because
//! Miri is ~1000× slower than native code. Which unsafe code is covered elsewhere (valgrind,
//! fuzzing under `AddressSanitizer`) is written down in RELIABILITY.md.

use std::io::{BufRead, BufReader};
use std::process::Stdio;

use crate::{Result, root, toolchain};

/// One `cargo miri test` invocation.
pub(crate) struct Suite {
    /// Short name for the command line and the summary.
    pub(crate) name: &'static str,
    /// The package.
    pub(crate) package: &'static str,
    /// Arguments selecting test targets (`--lib`, `--test NAME`).
    pub(crate) targets: &'static [&'static str],
    /// libtest filters: test-name substrings to run (all when empty).
    pub(crate) filters: &'static [&'static str],
    /// Test-name substrings to skip (tests that need FFI, file maps or /proc).
    pub(crate) skips: &'static [&'static str],
    /// Hours under Miri: run only when named on the command line.
    pub(crate) slow: bool,
    /// Extra `RUSTFLAGS` (e.g. target features that select other kernels); such a suite
    /// builds in its own target directory so the others are not rebuilt.
    pub(crate) rustflags: &'static str,
}

/// The suites Miri runs.
pub(crate) const SUITES: &[Suite] = &[
    Suite {
        name: "core",
        package: "ooc-core",
        targets: &["--lib"],
        filters: &[],
        // `mem` reads /proc/self and resets page counters: no meaning under Miri.
        skips: &["mem::"],
        slow: false,
        rustflags: "",
    },
    Suite {
        name: "sparse-kernels",
        package: "ooc-sparse",
        // SpMV with unchecked indexing over validated structure, in every format (one
        // float, one integer and one complex type), with odd, empty and non-canonical
        // shapes; structure validation itself.
        targets: &["--test", "formats"],
        filters: &[
            "t_f64::",
            "t_i32::",
            "t_c64::",
            "invalid_structure",
            "spmv_dimension_mismatch",
        ],
        skips: &[],
        slow: false,
        rustflags: "",
    },
    Suite {
        name: "sparse-wide",
        package: "ooc-sparse",
        // CSR with 64-bit column indices (shapes too wide for 32 bits, forced here on
        // small matrices) against the 32-bit form: the unrolled unchecked `sparse_dot`,
        // the unchecked dense scatter, transposes and row reads, for one float, one
        // integer and one complex type.
        targets: &["--lib"],
        filters: &[
            "csr::tests::wide_f64",
            "csr::tests::wide_i32",
            "csr::tests::wide_c64",
        ],
        skips: &[],
        slow: false,
        rustflags: "",
    },
    Suite {
        name: "sparse-parallel",
        package: "ooc-sparse",
        // The parallel SpMVs split work only above 32,768 entries (CSR row ranges) and
        // 2 × 65,536 (CSC, COO, BSR partial vectors summed in order), so their test
        // multiplies a 40 × 9000 matrix in seven formats: hours under Miri.
        targets: &["--test", "formats"],
        filters: &["parallel_spmv_is_deterministic_f64"],
        skips: &[],
        slow: true,
        rustflags: "",
    },
    Suite {
        name: "linalg-kernels",
        package: "ooc-linalg",
        // The sparse-row kernel with unchecked indexing and the dense kernels.
        targets: &["--lib"],
        filters: &["kernels::"],
        skips: &[],
        slow: false,
        rustflags: "",
    },
    Suite {
        name: "linalg-simd",
        package: "ooc-linalg",
        // The AVX2 + FMA GEMV kernels (raw-pointer vector loads): compiled in by enabling
        // the features at build time, which makes the run-time check true under Miri
        // (Miri reports no CPU features otherwise, so `linalg-kernels` runs the portable
        // ones). Miri interprets the intrinsics whatever the host processor.
        targets: &["--lib"],
        filters: &["kernels::"],
        skips: &[],
        slow: false,
        rustflags: "-C target-feature=+avx2,+fma",
    },
    Suite {
        name: "linalg-sparse",
        package: "ooc-linalg",
        // SpMV through the scheduler into the unchecked sparse-row kernel: concurrent and
        // reader-thread row readers, serial and on two threads, f64, f32, i32, u8, c128,
        // shapes 0..12, budgets from too small to ample; bad structure rejected.
        targets: &["--test", "sparse"],
        filters: &["spmv_matches_dense_reference", "bad_structure_and_shapes"],
        skips: &[],
        slow: false,
        rustflags: "",
    },
    Suite {
        name: "linalg-scheduler",
        package: "ooc-linalg",
        // The reader thread, the buffer pool and the workers over in-memory backends.
        targets: &["--test", "scheduler"],
        filters: &[
            "buffers_are_allocated_once_and_reused",
            "a_failing_read_surfaces",
            "progress_is_reported",
            "serial_backends_are_read",
        ],
        skips: &[],
        slow: false,
        rustflags: "",
    },
];

/// Isolation off: tests use temporary directories and the clock. Tree Borrows instead of
/// Stacked Borrows: rayon's crossbeam-epoch is incompatible with Stacked Borrows (a known
/// upstream limitation, crossbeam issues 545 and 878) but sound under Tree Borrows, which
/// crossbeam's own Miri runs use; without it every test that starts a rayon pool stops in
/// crossbeam before reaching ooc's code. Leaks are not checked: rayon's global pool and
/// crossbeam's collector live until the process exits by design, and a leak is not
/// undefined behaviour.
const MIRIFLAGS: &str = "-Zmiri-disable-isolation -Zmiri-tree-borrows -Zmiri-ignore-leaks";

struct Options {
    cases: u32,
    runs: u32,
    suites: Vec<String>,
}

fn parse(args: &[String]) -> Result<Options> {
    let mut o = Options {
        cases: 4,
        runs: 1,
        suites: Vec::new(),
    };
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--cases" => {
                let v = it.next().ok_or("--cases needs a value")?;
                o.cases = v.parse().map_err(|_| format!("bad --cases {v:?}"))?;
            }
            "--runs" => {
                let v = it.next().ok_or("--runs needs a value")?;
                o.runs = v.parse().map_err(|_| format!("bad --runs {v:?}"))?;
            }
            flag if flag.starts_with('-') => {
                return Err(format!(
                    "unknown option {flag:?} for `miri` (--cases N, --runs R, SUITE...)"
                ));
            }
            suite => {
                if !SUITES.iter().any(|s| s.name == suite) {
                    let names: Vec<&str> = SUITES.iter().map(|s| s.name).collect();
                    return Err(format!(
                        "no Miri suite {suite:?}; suites: {}",
                        names.join(", ")
                    ));
                }
                o.suites.push(suite.to_string());
            }
        }
    }
    Ok(o)
}

/// Runs one suite under Miri; returns the number of tests that passed.
fn run_suite(suite: &Suite, cases: u32) -> Result<usize> {
    let mut cmd = toolchain::nightly_cargo();
    cmd.current_dir(root())
        .args(["miri", "test", "-p", suite.package])
        .args(suite.targets)
        .arg("--");
    cmd.args(suite.filters);
    for skip in suite.skips {
        cmd.args(["--skip", skip]);
    }
    if !suite.rustflags.is_empty() {
        let base = std::env::var_os("CARGO_TARGET_DIR")
            .map_or_else(|| root().join("target"), std::path::PathBuf::from);
        cmd.env("RUSTFLAGS", suite.rustflags).env(
            "CARGO_TARGET_DIR",
            base.join(format!("miri-{}", suite.name)),
        );
    }
    cmd.env("MIRIFLAGS", MIRIFLAGS)
        .env("PROPTEST_CASES", cases.to_string())
        // proptest's failure persistence and fork features are of no use under Miri.
        .env("PROPTEST_DISABLE_FAILURE_PERSISTENCE", "1")
        .stdout(Stdio::piped());
    println!("[miri {}] {cmd:?}", suite.name);
    let mut child = cmd
        .spawn()
        .map_err(|e| format!("cannot start cargo miri: {e}"))?;
    let mut passed = 0;
    if let Some(out) = child.stdout.take() {
        for line in BufReader::new(out)
            .lines()
            .map_while(std::result::Result::ok)
        {
            println!("[miri {}] {line}", suite.name);
            if let Some(rest) = line.strip_prefix("test result: ")
                && let Some(n) = rest
                    .split(';')
                    .find_map(|p| p.trim().strip_suffix(" passed"))
                    .and_then(|p| p.rsplit(' ').next())
            {
                passed += n.parse::<usize>().unwrap_or(0);
            }
        }
    }
    let status = child.wait().map_err(|e| format!("cargo miri: {e}"))?;
    if status.success() {
        Ok(passed)
    } else {
        Err(format!("Miri suite {} failed ({status})", suite.name))
    }
}

/// `cargo xtask miri`.
pub(crate) fn run(args: &[String]) -> Result {
    let o = parse(args)?;
    toolchain::ensure_nightly(&["miri", "rust-src"])?;
    crate::run(
        toolchain::nightly_cargo()
            .current_dir(root())
            .args(["miri", "setup"]),
    )?;
    let chosen: Vec<&Suite> = SUITES
        .iter()
        .filter(|s| {
            if o.suites.is_empty() {
                !s.slow
            } else {
                o.suites.iter().any(|n| n == s.name)
            }
        })
        .collect();
    let mut summary = Vec::new();
    let mut failed = Vec::new();
    for run in 1..=o.runs {
        for suite in &chosen {
            match run_suite(suite, o.cases) {
                Ok(passed) => summary.push(format!(
                    "run {run}: {}: clean, {passed} tests passed under Miri",
                    suite.name
                )),
                Err(e) => {
                    summary.push(format!("run {run}: {}: FAILED", suite.name));
                    failed.push(e);
                }
            }
        }
    }
    println!();
    for line in &summary {
        println!("{line}");
    }
    if failed.is_empty() {
        println!("xtask: Miri found no undefined behaviour");
        Ok(())
    } else {
        Err(failed.join("\n"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_and_suite_names() {
        let o = parse(&["--cases".into(), "2".into(), "core".into()]).unwrap();
        assert_eq!((o.cases, o.runs), (2, 1));
        assert_eq!(o.suites, ["core"]);
        assert!(parse(&["nonsense".into()]).is_err());
        assert!(parse(&["--cases".into()]).is_err());
        assert!(parse(&["sparse-parallel".into()]).is_ok());
    }

    #[test]
    fn suite_names_are_unique_and_some_run_by_default() {
        let mut names: Vec<&str> = SUITES.iter().map(|s| s.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), SUITES.len());
        assert!(SUITES.iter().any(|s| !s.slow));
    }

    #[test]
    fn every_suite_names_a_workspace_crate() {
        for suite in SUITES {
            let manifest = root().join("crates").join(suite.package).join("Cargo.toml");
            assert!(manifest.is_file(), "{} names {}", suite.name, suite.package);
        }
    }
}
