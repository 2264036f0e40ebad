//! The benchmark workloads of `cargo xtask bench`, one process per measured run.
//!
//! ```text
//! workloads list --scale S                      # the cases, one JSON object per line
//! workloads prepare DATASET --scale S --dir D   # write input files (never timed)
//! workloads run CASE --scale S --dir D [--threads N] [--cold]
//!                                               # run once, print one JSON line
//! ```
//!
//! Run with no command (as `cargo test --all-targets` and `cargo bench` do), it is a test:
//! every case runs once at a tiny size in a temporary directory and its result is checked
//! against a reference computed the simple way.

mod cases;
mod ceilings;
mod data;
mod dense;
mod fill;
mod measure;
mod scale;
mod smoke;
mod sparse;

use std::path::PathBuf;
use std::process::ExitCode;

use ooc_core::Par;

use crate::data::{Dataset, Result};
use crate::measure::Ctx;
use crate::scale::{Scale, Sizes};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("list") => list(&args[1..]),
        Some("prepare") => prepare(&args[1..]),
        Some("run") => run(&args[1..]),
        // No command: `cargo test` (no arguments, or test-harness flags) or `cargo bench`
        // (`--bench`). Either way, check every case at a tiny size.
        _ => smoke::run_all(),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("workloads: error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Options shared by the commands.
struct Options {
    positional: Option<String>,
    scale: Scale,
    dir: Option<PathBuf>,
    threads: Option<usize>,
    cold: bool,
}

fn options(args: &[String]) -> Result<Options> {
    let mut o = Options {
        positional: None,
        scale: Scale::Quick,
        dir: None,
        threads: None,
        cold: false,
    };
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut value = |flag: &str| {
            it.next()
                .cloned()
                .ok_or_else(|| format!("{flag} needs a value"))
        };
        match a.as_str() {
            "--scale" => o.scale = value("--scale")?.parse()?,
            "--dir" => o.dir = Some(PathBuf::from(value("--dir")?)),
            "--threads" => {
                let v = value("--threads")?;
                o.threads = Some(
                    v.parse()
                        .map_err(|_| format!("--threads expects a number, got {v:?}"))?,
                );
            }
            "--cold" => o.cold = true,
            flag if flag.starts_with("--") => return Err(format!("unknown option {flag}").into()),
            word if o.positional.is_none() => o.positional = Some(word.to_string()),
            word => return Err(format!("unexpected argument {word:?}").into()),
        }
    }
    Ok(o)
}

fn list(args: &[String]) -> Result {
    let o = options(args)?;
    let sizes = Sizes::of(o.scale);
    for case in cases::for_scale(o.scale) {
        println!("{}", case.describe(&sizes));
    }
    Ok(())
}

fn prepare(args: &[String]) -> Result {
    let o = options(args)?;
    let name = o.positional.ok_or("prepare needs a dataset name")?;
    let dataset = Dataset::from_name(&name).ok_or_else(|| format!("unknown dataset {name:?}"))?;
    let dir = o.dir.ok_or("prepare needs --dir")?;
    let wrote = dataset.prepare(&dir, o.scale)?;
    println!(
        "{}",
        serde_json::json!({"dataset": name, "written": wrote, "path": dataset.path(&dir)})
    );
    Ok(())
}

fn run(args: &[String]) -> Result {
    let o = options(args)?;
    let name = o.positional.ok_or("run needs a case name")?;
    let case = cases::find(&name).ok_or_else(|| format!("unknown case {name:?}"))?;
    let threads = case.threads.or(o.threads);
    if let Some(n) = threads {
        rayon::ThreadPoolBuilder::new()
            .num_threads(n.max(1))
            .build_global()?;
    }
    let ctx = Ctx {
        dir: o.dir.ok_or("run needs --dir")?,
        scale: o.scale,
        sizes: Sizes::of(o.scale),
        // The global pool has the requested size; `Par::All` runs on it (one pool per
        // process, as a user's program would have).
        par: Par::All,
        cold: o.cold,
    };
    for input in case.inputs {
        if !ctx.input(*input).exists() {
            return Err(format!(
                "{} is missing; run `workloads prepare {} --scale {} --dir {}` first",
                ctx.input(*input).display(),
                input.name(),
                ctx.scale,
                ctx.dir.display()
            )
            .into());
        }
    }
    let outcome = (case.run)(&ctx)?;
    println!("{}", outcome.json(case.name, &ctx));
    Ok(())
}
