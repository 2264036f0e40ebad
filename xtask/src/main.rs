//! Developer commands for the ooc workspace, run as `cargo xtask <command>`.
//!
//! - `test`: install what is missing, then format check, clippy, every test, doc tests.
//! - `bench`: the benchmark workloads with machine ceilings and ratios.
//! - `fuzz`, `crash`, `miri`, `valgrind`: the reliability campaigns (RELIABILITY.md).

mod bench;
mod crash;
mod executables;
mod fuzz;
mod miri;
mod python;
mod sanitize;
mod sysdeps;
mod test;
mod tidy;
mod toolchain;

use std::path::PathBuf;
use std::process::{Command, ExitCode};

/// Errors are plain messages: this is a command for people.
type Result<T = ()> = std::result::Result<T, String>;

fn main() -> ExitCode {
    match try_main() {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("xtask: error: {message}");
            ExitCode::FAILURE
        }
    }
}

fn try_main() -> Result {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (command, rest) = args
        .split_first()
        .map_or(("help", &[][..]), |(c, r)| (c.as_str(), r));
    match command {
        "test" => test::run(rest),
        "fuzz" => fuzz::run(rest),
        "crash" => crash::run(rest),
        "miri" => miri::run(rest),
        "valgrind" => sanitize::run(rest),
        "bench" => bench::run(rest),
        "help" | "--help" | "-h" => {
            println!("usage: cargo xtask <test|bench> [options]\n");
            println!("  test   install system dependencies, then fmt, clippy, tests, doc tests");
            println!("  fuzz   libFuzzer campaigns, nightly (--time, --runs, --jobs, TARGET)");
            println!("  crash  kill writers at random points, check what they left");
            println!("  miri   unsafe code under Miri, nightly (--cases N, --runs R, SUITE)");
            println!("  valgrind  the HDF5 parallel read path under memcheck (--runs R, FILTER)");
            println!(
                "  bench  workloads with machine ceilings and ratios (`cargo xtask bench --help`)"
            );
            Ok(())
        }
        other => Err(format!("unknown command {other:?}; try `cargo xtask help`")),
    }
}

/// The workspace root (the parent of this crate's directory).
///
/// `cargo run` sets `CARGO_MANIFEST_DIR` for the running program too; prefer that over the
/// value compiled in, so a binary reused from another checkout's target directory still
/// works on the checkout that launched it.
fn root() -> PathBuf {
    let manifest = std::env::var_os("CARGO_MANIFEST_DIR")
        .map_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")), PathBuf::from);
    manifest
        .parent()
        .map_or(manifest.clone(), std::path::Path::to_path_buf)
}

/// A `cargo` command run from the workspace root, with the cargo that launched us.
fn cargo() -> Command {
    let mut cmd = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    cmd.current_dir(root());
    cmd
}

/// Runs a command, printing it first; an error names it and its exit status.
fn run(cmd: &mut Command) -> Result {
    let shown = format!("{cmd:?}").replace('"', "");
    println!("$ {shown}");
    let status = cmd
        .status()
        .map_err(|e| format!("cannot start {shown}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{shown} failed with {status}"))
    }
}
