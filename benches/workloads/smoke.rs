//! The test `cargo test --all-targets` runs: every case once at the micro scale, in a
//! temporary directory, with its checksum compared to a reference computed the simple
//! way, warm and (where it applies) cold. Fails loudly on the first wrong result.

use ooc_core::Par;

use crate::cases;
use crate::data::Result;
use crate::measure::Ctx;
use crate::scale::{Scale, Sizes};

/// Runs every case at the micro scale and checks its result.
pub(crate) fn run_all() -> Result {
    let dir = tempfile::tempdir()?;
    let mut passed = 0;
    let mut failed = Vec::new();
    for case in cases::all() {
        for cold in [false, true] {
            if cold && !case.coldable {
                continue;
            }
            let ctx = Ctx {
                dir: dir.path().to_path_buf(),
                scale: Scale::Micro,
                sizes: Sizes::of(Scale::Micro),
                par: Par::All,
                cold,
            };
            let label = format!("{}{}", case.name, if cold { " (cold)" } else { "" });
            let check = || -> Result<String> {
                for input in case.inputs {
                    input.prepare(&ctx.dir, ctx.scale)?;
                }
                let outcome = (case.run)(&ctx)?;
                let expected = (case.reference)(&ctx)?;
                let error = (outcome.checksum - expected).abs();
                if error > case.tolerance * expected.abs().max(1.0) || outcome.checksum.is_nan() {
                    return Err(format!(
                        "checksum {} but the reference gives {expected} (tolerance {})",
                        outcome.checksum, case.tolerance
                    )
                    .into());
                }
                if outcome.bytes == 0 || outcome.seconds.is_nan() || outcome.seconds < 0.0 {
                    return Err(format!("implausible outcome {outcome:?}").into());
                }
                Ok(format!("checksum {} matches", outcome.checksum))
            };
            match check() {
                Ok(msg) => {
                    println!("workload {label} ... ok ({msg})");
                    passed += 1;
                }
                Err(e) => {
                    println!("workload {label} ... FAILED: {e}");
                    failed.push(label);
                }
            }
        }
    }
    println!("\nworkloads: {passed} passed, {} failed", failed.len());
    if failed.is_empty() {
        Ok(())
    } else {
        Err(format!("failed: {}", failed.join(", ")).into())
    }
}
