//! `--compare python`: the same workloads in numpy, h5py, scipy and dask, on the same
//! files, each run in a fresh interpreter, from a virtual environment under
//! `target/bench/pyenv`.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::bench::runner::Run;
use crate::{Result, python, root};

/// What the Python side needs installed.
pub(crate) const PACKAGES: [&str; 5] = ["numpy", "h5py", "scipy", "dask", "hdf5plugin"];

/// The environment's interpreter, or why there is none.
pub(crate) fn interpreter() -> std::result::Result<PathBuf, String> {
    python::venv("bench/pyenv", &PACKAGES).map_err(|e| {
        format!("Python with numpy, h5py, scipy and dask is unavailable ({e}); Python comparisons SKIPPED")
    })
}

/// The script that implements every Python workload.
pub(crate) fn script() -> PathBuf {
    root().join("benches").join("python").join("workloads.py")
}

/// Runs Python workload `variant` once in a fresh interpreter.
pub(crate) fn run(
    python: &Path,
    variant: &str,
    dir: &Path,
    params: &serde_json::Value,
    threads: Option<usize>,
    cold: bool,
) -> Result<Run> {
    let mut cmd = Command::new(python);
    cmd.arg(script())
        .arg(variant)
        .arg("--dir")
        .arg(dir)
        .arg("--params")
        .arg(params.to_string());
    if cold {
        cmd.arg("--cold");
    }
    if let Some(n) = threads {
        cmd.arg("--threads").arg(n.to_string());
        for var in ["OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"] {
            cmd.env(var, n.to_string());
        }
    }
    // These two slow current numpy's OpenBLAS down; drop them for this process only.
    cmd.env_remove("OPENBLAS_CORETYPE")
        .env_remove("OPENBLAS_L2_SIZE");
    let out = cmd
        .output()
        .map_err(|e| format!("cannot start {}: {e}", python.display()))?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        let last = err
            .lines()
            .rev()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("");
        return Err(format!("python {variant} failed ({}): {last}", out.status));
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text
        .lines()
        .rev()
        .find(|l| l.starts_with('{'))
        .ok_or_else(|| format!("python {variant} printed no result"))?;
    Run::parse(line)
}
