//! The nightly toolchain that fuzzing and Miri need (stable stays the default and is all
//! `cargo xtask test` uses): found through rustup, installed when missing, with a clear
//! message when it cannot be had.

use std::process::{Command, Stdio};

use crate::Result;

/// `cargo +nightly` through the rustup proxy on `PATH`, without the variables that would
/// pin the stable toolchain the xtask itself runs under.
pub(crate) fn nightly_cargo() -> Command {
    let mut cmd = Command::new("cargo");
    cmd.arg("+nightly")
        .env_remove("RUSTUP_TOOLCHAIN")
        .env_remove("RUSTC")
        .env_remove("RUSTDOC")
        .env_remove("CARGO");
    cmd
}

fn succeeds(cmd: &mut Command) -> bool {
    cmd.stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Makes sure the nightly toolchain and `components` (e.g. `miri`, `rust-src`) are
/// installed, installing them with rustup when they are not.
pub(crate) fn ensure_nightly(components: &[&str]) -> Result {
    if !succeeds(Command::new("rustup").arg("--version")) {
        return Err(
            "rustup is not on PATH: this command needs the nightly toolchain, which \
                    only rustup can install here (the stable checks in `cargo xtask test` \
                    do not)"
                .into(),
        );
    }
    let nightly_works =
        || succeeds(Command::new("rustup").args(["run", "nightly", "rustc", "--version"]));
    if !nightly_works() {
        println!("xtask: the nightly toolchain is missing; installing it with rustup");
        crate::run(Command::new("rustup").args([
            "toolchain",
            "install",
            "nightly",
            "--profile",
            "minimal",
        ]))
        .map_err(|e| format!("the nightly toolchain cannot be had here: {e}"))?;
    }
    if !components.is_empty() {
        crate::run(
            Command::new("rustup")
                .args(["component", "add", "--toolchain", "nightly"])
                .args(components),
        )
        .map_err(|e| {
            format!(
                "nightly component(s) {} cannot be had here: {e}",
                components.join(", ")
            )
        })?;
    }
    Ok(())
}
