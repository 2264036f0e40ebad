//! Running the binary and checking how it ended.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// How one run of `ooc` ended.
pub(crate) struct Run {
    pub(crate) code: Option<i32>,
    pub(crate) stdout: String,
    pub(crate) stderr: String,
}

/// Runs `ooc` with `args`, stderr not a terminal (so no progress bars).
pub(crate) fn ooc<S: AsRef<std::ffi::OsStr>>(args: &[S]) -> Run {
    let Output {
        status,
        stdout,
        stderr,
    } = Command::new(env!("CARGO_BIN_EXE_ooc"))
        .args(args)
        .output()
        .expect("run the ooc binary");
    Run {
        code: status.code(),
        stdout: String::from_utf8_lossy(&stdout).into_owned(),
        stderr: String::from_utf8_lossy(&stderr).into_owned(),
    }
}

/// Runs `ooc`, asserts success and returns stdout.
pub(crate) fn ok<S: AsRef<std::ffi::OsStr> + std::fmt::Debug>(args: &[S]) -> String {
    let run = ooc(args);
    assert_eq!(
        run.code,
        Some(0),
        "ooc {args:?} failed:\n{}{}",
        run.stdout,
        run.stderr
    );
    run.stdout
}

/// Runs `ooc`, asserts it exits with `code` after one line on stderr that contains every
/// string of `mentions`, and no panic; returns that line.
pub(crate) fn fails<S: AsRef<std::ffi::OsStr> + std::fmt::Debug>(
    args: &[S],
    code: i32,
    mentions: &[&str],
) -> String {
    let run = ooc(args);
    assert_eq!(
        run.code,
        Some(code),
        "ooc {args:?}: expected exit {code}:\n{}{}",
        run.stdout,
        run.stderr
    );
    assert!(
        !run.stderr.contains("panicked") && !run.stderr.contains("internal error"),
        "ooc {args:?} panicked: {}",
        run.stderr
    );
    if code == 1 {
        assert_eq!(
            run.stderr.trim_end().lines().count(),
            1,
            "ooc {args:?}: expected one line on stderr, got {:?}",
            run.stderr
        );
        assert!(run.stderr.starts_with("ooc: "), "{:?}", run.stderr);
    }
    for m in mentions {
        assert!(
            run.stderr.contains(m),
            "ooc {args:?}: stderr {:?} does not mention {m:?}",
            run.stderr
        );
    }
    run.stderr
}

/// Parses stdout as JSON.
pub(crate) fn json(stdout: &str) -> serde_json::Value {
    serde_json::from_str(stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {stdout}"))
}

/// `path` as an argument.
pub(crate) fn arg(path: &Path) -> String {
    path.display().to_string()
}

/// The files in `dir`, sorted.
pub(crate) fn files_in(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    v.sort();
    v
}

/// The names of the files in `dir`, sorted.
pub(crate) fn file_names(dir: &Path) -> Vec<String> {
    files_in(dir)
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect()
}

/// The Python interpreter with numpy, h5py and scipy, working in a temporary directory of
/// its own.
pub(crate) struct Python {
    exe: PathBuf,
    dir: tempfile::TempDir,
}

impl Python {
    /// The interpreter `OOC_PYTHON` names, in a new temporary directory, or `None` when
    /// `test` may skip (the rule, and the panic when Python is required, are in
    /// `tests/interop_common`).
    pub(crate) fn for_test(test: &str) -> Option<Python> {
        crate::interop_common::python(&format!("cli_e2e::{test}")).map(|exe| Python {
            exe,
            dir: tempfile::tempdir().unwrap(),
        })
    }

    /// The directory the scripts run in.
    pub(crate) fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// Runs `code` in [`Python::dir`], asserting success; returns stdout.
    pub(crate) fn run(&self, code: &str) -> String {
        let out = Command::new(&self.exe)
            .arg("-c")
            .arg(code)
            .current_dir(self.dir())
            .env_remove("OPENBLAS_CORETYPE")
            .env_remove("OPENBLAS_L2_SIZE")
            .output()
            .expect("run python");
        assert!(
            out.status.success(),
            "python failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }
}

/// A deterministic pseudo-random f64 in [-1, 1) for index `i` (data that is not a ramp).
#[allow(clippy::cast_precision_loss)]
pub(crate) fn value(i: usize) -> f64 {
    let mut x = (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0x5851_F42D_4C95_7F2D;
    x ^= x >> 29;
    x = x.wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x ^= x >> 32;
    (x >> 11) as f64 / (1_u64 << 52) as f64 - 1.0
}
