//! `cargo xtask valgrind [--runs R] [FILTER...]`: the HDF5 parallel read path (positional
//! reads and chunk decoding on worker threads, outside the library's lock) under valgrind's
//! memcheck, R times. Valgrind sees the C library too, which Miri cannot run; any invalid
//! read or write, use of uninitialised memory in a branch, or bad free fails the run.
//!
//! By default it runs ooc-hdf5's decoder and parallel-reader unit tests and the whole
//! `tests/parallel.rs`; pass test-name filters to run those tests of every ooc-hdf5 test
//! binary instead. Known reports from inside libhdf5 itself (it writes uninitialised padding
//! bytes to files) are suppressed with the rules in [`SUPPRESSIONS`], nothing else.

use std::path::PathBuf;
use std::process::Command;

use crate::{Result, executables, root};

/// The test binaries run by default (by file-name prefix) and the test-name filters used
/// in each: the library's unit tests of the decoder and the parallel reader, and the whole
/// `tests/parallel.rs` (fast path against library path, parallel pieces, fallbacks,
/// corrupt and truncated chunks).
const DEFAULT_SELECTION: &[(&str, &[&str])] = &[
    ("ooc_hdf5-", &["decode::", "parallel::"]),
    ("parallel-", &[]),
];

/// Reports from inside libhdf5 that are not ours: the library writes buffers whose
/// padding bytes it never initialised (HDF5's own valgrind notes say so). HDF5 is linked
/// statically, so its frames are matched by function name (its file drivers, `H5FD*`).
const SUPPRESSIONS: &str = r"{
   libhdf5-writes-uninitialised-padding
   Memcheck:Param
   pwrite64(buf)
   ...
   fun:H5FD*
}
{
   libhdf5-writes-uninitialised-padding-write
   Memcheck:Param
   write(buf)
   ...
   fun:H5FD*
}
";

/// Makes sure valgrind is installed (with apt-get when running as root on Debian).
fn ensure_valgrind() -> Result {
    let works = || {
        Command::new("valgrind")
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
    };
    if works() {
        return Ok(());
    }
    let root_user = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.trim_ascii() == b"0");
    if root_user && Command::new("apt-get").arg("--version").output().is_ok() {
        println!("xtask: valgrind is missing; installing it with apt-get");
        crate::run(Command::new("apt-get").args(["update", "-q"]))?;
        crate::run(
            Command::new("apt-get")
                .args(["install", "-y", "-q", "valgrind"])
                .env("DEBIAN_FRONTEND", "noninteractive"),
        )?;
    }
    if works() {
        Ok(())
    } else {
        Err("valgrind cannot be had here; install it (Debian: `apt-get install valgrind`)".into())
    }
}

/// Builds ooc-hdf5's test binaries and returns their paths (from cargo's JSON messages).
fn test_binaries() -> Result<Vec<PathBuf>> {
    let mut bins: Vec<PathBuf> = executables::build_tests(&["-p", "ooc-hdf5"], "ooc-hdf5's tests")?
        .into_iter()
        .filter(|e| e.test)
        .map(|e| e.path)
        .collect();
    bins.sort();
    bins.dedup();
    if bins.is_empty() {
        return Err("cargo reported no test binaries for ooc-hdf5".into());
    }
    Ok(bins)
}

/// `cargo xtask valgrind`.
pub(crate) fn run(args: &[String]) -> Result {
    let mut runs = 1_u32;
    let mut filters: Vec<String> = Vec::new();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--runs" => {
                let v = it.next().ok_or("--runs needs a value")?;
                runs = v.parse().map_err(|_| format!("bad --runs {v:?}"))?;
            }
            flag if flag.starts_with('-') => {
                return Err(format!(
                    "unknown option {flag:?} for `valgrind` (--runs R, FILTER...)"
                ));
            }
            filter => filters.push(filter.to_string()),
        }
    }
    ensure_valgrind()?;
    let all = test_binaries()?;
    // (binary, filters) pairs to run.
    let bins: Vec<(PathBuf, Vec<String>)> = if filters.is_empty() {
        all.into_iter()
            .filter_map(|b| {
                let name = b.file_name()?.to_string_lossy().into_owned();
                let (_, f) = DEFAULT_SELECTION
                    .iter()
                    .find(|(p, _)| name.starts_with(p))?;
                Some((b, f.iter().map(ToString::to_string).collect()))
            })
            .collect()
    } else {
        all.into_iter().map(|b| (b, filters.clone())).collect()
    };
    if bins.is_empty() {
        return Err("none of ooc-hdf5's test binaries matched the selection".into());
    }
    let supp = root().join("target").join("ooc-valgrind.supp");
    std::fs::create_dir_all(root().join("target")).map_err(|e| e.to_string())?;
    std::fs::write(&supp, SUPPRESSIONS).map_err(|e| format!("{}: {e}", supp.display()))?;
    let mut clean = 0;
    let mut failures = Vec::new();
    for run in 1..=runs {
        let mut run_clean = true;
        for (bin, filters) in &bins {
            let mut cmd = Command::new("valgrind");
            cmd.args([
                "--tool=memcheck",
                "--error-exitcode=97",
                "--leak-check=no",
                "--track-origins=yes",
                "--quiet",
            ])
            .arg(format!("--suppressions={}", supp.display()))
            .arg(bin)
            .args(filters)
            .arg("--test-threads=2")
            .env("PROPTEST_CASES", "8")
            .current_dir(root().join("crates").join("ooc-hdf5"));
            let name = bin
                .file_name()
                .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
            println!("[valgrind run {run}] {name}");
            if let Err(e) = crate::run(&mut cmd) {
                run_clean = false;
                failures.push(format!("run {run}: {name}: {e}"));
            }
        }
        if run_clean {
            clean += 1;
        }
    }
    println!(
        "\nvalgrind: {clean} of {runs} run(s) clean over {} test binaries",
        bins.len()
    );
    if failures.is_empty() {
        Ok(())
    } else {
        Err(failures.join("\n"))
    }
}
