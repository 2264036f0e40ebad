//! System dependencies of the build. HDF5 2.x is built from source and linked statically
//! (the `static` features of the `hdf5` crates), which needs a C compiler, make, and
//! cmake ≥ 3.26 — newer than Debian 12's. cmake comes from PyPI into a tools venv,
//! `target/tools`, which `.cargo/config.toml` hands to every cargo build as `CMAKE` (a
//! `CMAKE` set in the environment wins). The compiler, make and Python's venv module are
//! installed with apt-get when missing and we are root on Debian or Ubuntu; otherwise we
//! stop with the exact command to run.

use std::path::PathBuf;
use std::process::Command;

use crate::{Result, python, root, run};

/// The oldest cmake that configures HDF5 2.x.
const MIN_CMAKE: (u32, u32) = (3, 26);

/// Makes sure the build tools are there.
pub(crate) fn ensure() -> Result {
    ensure_system_tools()?;
    let cmake = cmake_path();
    if let Some(version) = cmake_version(&cmake).filter(|v| new_enough(v)) {
        println!("xtask: found cmake {version} ({})", cmake.display());
        return Ok(());
    }
    if cmake != tools_cmake() {
        return Err(format!(
            "CMAKE={} is not CMake {}.{} or newer, which HDF5 2.x needs; unset CMAKE to use \
             the one `cargo xtask` installs under target/tools",
            cmake.display(),
            MIN_CMAKE.0,
            MIN_CMAKE.1
        ));
    }
    println!("xtask: installing cmake from PyPI into target/tools");
    python::venv("tools", &["cmake"])
        .map_err(|e| format!("cannot make the tools venv with cmake: {e}"))?;
    match cmake_version(&cmake) {
        Some(v) if new_enough(&v) => {
            println!("xtask: installed cmake {v}");
            Ok(())
        }
        Some(v) => Err(format!(
            "cmake {v} from PyPI is older than {}.{}",
            MIN_CMAKE.0, MIN_CMAKE.1
        )),
        None => Err(format!("{} does not run after install", cmake.display())),
    }
}

/// The cmake cargo builds use: `CMAKE` as cargo set it for us (from the environment or
/// `.cargo/config.toml`), else the tools venv's.
fn cmake_path() -> PathBuf {
    std::env::var_os("CMAKE").map_or_else(tools_cmake, PathBuf::from)
}

fn tools_cmake() -> PathBuf {
    root()
        .join("target")
        .join("tools")
        .join("bin")
        .join("cmake")
}

fn cmake_version(cmake: &std::path::Path) -> Option<String> {
    let out = Command::new(cmake).arg("--version").output().ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    out.status
        .success()
        .then(|| text.split_whitespace().nth(2).map(str::to_owned))
        .flatten()
}

fn new_enough(version: &str) -> bool {
    let mut parts = version.split('.').map(|p| p.parse::<u32>().unwrap_or(0));
    (parts.next().unwrap_or(0), parts.next().unwrap_or(0)) >= MIN_CMAKE
}

/// The C compiler, make and Python's venv module, installed with apt-get when missing.
fn ensure_system_tools() -> Result {
    let works = |program: &str, args: &[&str]| {
        Command::new(program)
            .args(args)
            .output()
            .is_ok_and(|o| o.status.success())
    };
    let mut missing = Vec::new();
    if !works("cc", &["--version"]) {
        missing.push("gcc");
    }
    if !works("make", &["--version"]) {
        missing.push("make");
    }
    if !works("python3", &["-m", "venv", "--help"]) {
        missing.extend(["python3", "python3-venv"]);
    }
    if missing.is_empty() {
        return Ok(());
    }
    let install = format!(
        "apt-get update && apt-get install -y --no-install-recommends {}",
        missing.join(" ")
    );
    let is_root = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0");
    if !(is_root && works("apt-get", &["--version"])) {
        return Err(format!(
            "the HDF5 build needs {}; install them with:\n    sudo {install}",
            missing.join(", ")
        ));
    }
    println!("xtask: installing {}", missing.join(" "));
    run(Command::new("apt-get").arg("update").arg("-qq"))?;
    run(Command::new("apt-get")
        .args(["install", "-y", "-qq", "--no-install-recommends"])
        .args(&missing)
        .env("DEBIAN_FRONTEND", "noninteractive"))
}
