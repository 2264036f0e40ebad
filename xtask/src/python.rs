//! The Python side of interoperability tests and comparisons: a virtual environment under
//! `target/` with numpy, h5py and scipy from the package registry. Tests find its
//! interpreter through the `OOC_PYTHON` environment variable; `cargo xtask test` also sets
//! `OOC_REQUIRE_PYTHON=1`, so a test that finds no Python fails instead of passing
//! unchecked (`tests/interop_common`).

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::{Result, root, run};

/// Packages the interop tests need (anndata checks the sparse groups ooc writes).
pub(crate) const TEST_PACKAGES: [&str; 5] = ["numpy", "h5py", "scipy", "anndata", "hdf5plugin"];

/// The Debian packages that give a system Python able to make virtual environments.
const SYSTEM_PACKAGES: [&str; 2] = ["python3", "python3-venv"];

/// Creates (or repairs) `target/<name>` as a venv in which every one of `packages` imports;
/// returns its python. A venv is reused only after its interpreter imported them all (a
/// package deleted since the last run is installed again), never on the word of a marker
/// file; an error says why the environment cannot be had.
pub(crate) fn venv(name: &str, packages: &[&str]) -> Result<PathBuf> {
    let dir = root().join("target").join(name);
    let python = dir.join("bin").join("python");
    if imports(&python, packages).is_ok() {
        return Ok(python);
    }
    if !python.exists() {
        let system = system_python()?;
        run(Command::new(&system).args(["-m", "venv"]).arg(&dir)).map_err(|e| {
            format!(
                "cannot create the Python environment {}: {e}",
                dir.display()
            )
        })?;
    }
    run(Command::new(&python)
        .args([
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
        ])
        .args(packages))
    .map_err(|e| {
        format!(
            "cannot install {} into {}: {e}",
            packages.join(", "),
            dir.display()
        )
    })?;
    imports(&python, packages).map_err(|e| {
        format!(
            "the Python environment {} is broken after installing into it: {e}",
            dir.display()
        )
    })?;
    Ok(python)
}

/// Checks that `python` runs and imports every one of `packages` (import names are the
/// package names with `-` as `_`).
fn imports(python: &Path, packages: &[&str]) -> Result {
    let modules: Vec<String> = packages.iter().map(|p| p.replace('-', "_")).collect();
    let out = Command::new(python)
        .arg("-c")
        .arg(format!("import {}", modules.join(", ")))
        .output()
        .map_err(|e| format!("cannot run {}: {e}", python.display()))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{} cannot import {}: {}",
            python.display(),
            modules.join(", "),
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

/// A system Python whose `venv` module works (it needs `ensurepip`, which Debian ships
/// separately as `python3-venv`): installed with apt-get when missing and we are root on
/// Debian or Ubuntu; otherwise an error with the command to run.
fn system_python() -> Result<String> {
    let works = |p: &str| {
        Command::new(p)
            .args(["-c", "import venv, ensurepip"])
            .output()
            .is_ok_and(|o| o.status.success())
    };
    if let Some(p) = ["python3", "python"].into_iter().find(|p| works(p)) {
        return Ok(p.to_owned());
    }
    let is_root = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0");
    let has_apt = Command::new("apt-get").arg("--version").output().is_ok();
    if !(is_root && has_apt) {
        return Err(format!(
            "no Python able to create a virtual environment; install one with:\n    \
             sudo apt-get install -y {}\nor run `cargo xtask test --no-python` to skip the \
             interop tests (they are then counted as skipped)",
            SYSTEM_PACKAGES.join(" ")
        ));
    }
    println!("xtask: installing {}", SYSTEM_PACKAGES.join(" "));
    run(Command::new("apt-get").arg("update").arg("-qq"))?;
    run(Command::new("apt-get")
        .args(["install", "-y", "-qq", "--no-install-recommends"])
        .args(SYSTEM_PACKAGES)
        .env("DEBIAN_FRONTEND", "noninteractive"))?;
    if works("python3") {
        Ok("python3".to_owned())
    } else {
        Err(format!(
            "python3 still cannot create a virtual environment after installing {}",
            SYSTEM_PACKAGES.join(" ")
        ))
    }
}
