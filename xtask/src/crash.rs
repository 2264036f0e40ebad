//! `cargo xtask crash [--iterations N] [--seed S]`: the crash-safety campaign. Runs the
//! kill tests of `tests/reliability_crash.rs` (writers killed with `SIGKILL` at random
//! points, then checked from a fresh process) with `N` kills per backend instead of the
//! dozen `cargo xtask test` makes, and the disk-full tests of `tests/reliability_disk.rs`.

use crate::{Result, cargo};

/// `cargo xtask crash`.
pub(crate) fn run(args: &[String]) -> Result {
    let mut iterations = 200_usize;
    let mut seed = None;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--iterations" => {
                let v = it.next().ok_or("--iterations needs a value")?;
                iterations = v.parse().map_err(|_| format!("bad --iterations {v:?}"))?;
            }
            "--seed" => seed = Some(it.next().ok_or("--seed needs a value")?.clone()),
            other => {
                return Err(format!(
                    "unknown option {other:?} for `crash` (--iterations N, --seed S)"
                ));
            }
        }
    }
    let mut test = cargo();
    test.args([
        "test",
        "--test",
        "reliability_crash",
        "--test",
        "reliability_disk",
        "--",
        "--nocapture",
    ])
    .env("OOC_CRASH_ITERATIONS", iterations.to_string());
    if let Some(s) = seed {
        test.env("OOC_RELIABILITY_SEED", s);
    }
    crate::run(&mut test)?;
    println!("xtask: crash campaign passed: {iterations} kills per writer");
    Ok(())
}
