//! `cargo xtask test`: everything a contributor must pass, in order, on a fresh machine.

use crate::{Result, cargo, python, sysdeps};

/// Runs the full check.
pub(crate) fn run_all(python: Option<&std::path::Path>) -> Result {
    crate::run(cargo().args(["fmt", "--all", "--", "--check"]))?;
    crate::run(cargo().args([
        "clippy",
        "--workspace",
        "--all-targets",
        "--",
        "-D",
        "warnings",
    ]))?;
    let mut test = cargo();
    test.args(["test", "--workspace", "--all-targets", "--no-fail-fast"]);
    // Modest property-test case counts keep the whole run within minutes.
    test.env(
        "PROPTEST_CASES",
        std::env::var("PROPTEST_CASES").unwrap_or_else(|_| "64".into()),
    );
    if let Some(py) = python {
        test.env("OOC_PYTHON", py);
    }
    crate::run(&mut test)?;
    let mut doc = cargo();
    doc.args(["test", "--workspace", "--doc"]);
    crate::run(&mut doc)
}

/// `cargo xtask test [--no-python]`.
pub(crate) fn run(args: &[String]) -> Result {
    let mut use_python = true;
    for a in args {
        match a.as_str() {
            "--no-python" => use_python = false,
            other => return Err(format!("unknown option {other:?} for `test`")),
        }
    }
    sysdeps::ensure()?;
    let py = if use_python {
        python::venv("pyenv", &python::TEST_PACKAGES)
    } else {
        println!("xtask: WARNING: --no-python: numpy/h5py/scipy interop checks will be SKIPPED");
        None
    };
    run_all(py.as_deref())?;
    println!("xtask: all checks passed");
    Ok(())
}
