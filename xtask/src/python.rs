//! The Python side of interoperability tests and comparisons: a virtual environment under
//! `target/` with numpy, h5py and scipy from the package registry. Tests find its
//! interpreter through the `OOC_PYTHON` environment variable and say loudly when it is
//! missing.

use std::path::PathBuf;
use std::process::Command;

use crate::{root, run};

/// Packages the interop tests need (anndata checks the sparse groups ooc writes).
pub(crate) const TEST_PACKAGES: [&str; 5] = ["numpy", "h5py", "scipy", "anndata", "hdf5plugin"];

/// Creates (or reuses) `target/<name>` as a venv with `packages`; returns its python, or
/// `None` after printing why when Python is not available.
pub(crate) fn venv(name: &str, packages: &[&str]) -> Option<PathBuf> {
    let dir = root().join("target").join(name);
    let python = dir.join("bin").join("python");
    let marker = dir.join(format!("ooc-installed-{}", packages.join("-")));
    if marker.exists() {
        return Some(python);
    }
    let Some(system) = ["python3", "python"].into_iter().find(|p| {
        Command::new(p)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
    }) else {
        println!(
            "xtask: WARNING: no python3 found; numpy/h5py/scipy interop checks will be SKIPPED"
        );
        return None;
    };
    let step = || -> crate::Result {
        if !python.exists() {
            run(Command::new(system).args(["-m", "venv"]).arg(&dir))?;
        }
        run(Command::new(&python)
            .args([
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
            ])
            .args(packages))?;
        std::fs::write(&marker, b"").map_err(|e| format!("writing {}: {e}", marker.display()))
    };
    match step() {
        Ok(()) => Some(python),
        Err(e) => {
            println!(
                "xtask: WARNING: could not set up the Python environment ({e}); interop checks will be SKIPPED"
            );
            None
        }
    }
}
