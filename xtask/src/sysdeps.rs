//! System dependencies: pkg-config and the HDF5 development files (libhdf5 ≥ 1.10), which
//! the `hdf5` crate links against. Installed with apt-get when missing and we are root on
//! Debian or Ubuntu; otherwise we stop with the exact command to run.

use std::process::Command;

use crate::{Result, run};

const PACKAGES: [&str; 2] = ["pkg-config", "libhdf5-dev"];

/// Makes sure the system libraries are there.
pub(crate) fn ensure() -> Result {
    if let Some(version) = hdf5_version() {
        println!("xtask: found libhdf5 {version}");
        return check_version(&version);
    }
    let install = format!(
        "apt-get update && apt-get install -y --no-install-recommends {}",
        PACKAGES.join(" ")
    );
    let is_root = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0");
    let has_apt = Command::new("apt-get").arg("--version").output().is_ok();
    if !(is_root && has_apt) {
        return Err(format!(
            "libhdf5 development files (>= 1.10) and pkg-config are missing; install them with:\n    sudo {install}"
        ));
    }
    println!("xtask: installing {}", PACKAGES.join(" "));
    run(Command::new("apt-get").arg("update").arg("-qq"))?;
    run(Command::new("apt-get")
        .args(["install", "-y", "-qq", "--no-install-recommends"])
        .args(PACKAGES)
        .env("DEBIAN_FRONTEND", "noninteractive"))?;
    let version = hdf5_version().ok_or("libhdf5 still not found by pkg-config after install")?;
    check_version(&version)
}

fn hdf5_version() -> Option<String> {
    let out = Command::new("pkg-config")
        .args(["--modversion", "hdf5"])
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

fn check_version(version: &str) -> Result {
    let mut parts = version.split('.').map(|p| p.parse::<u32>().unwrap_or(0));
    let (major, minor) = (parts.next().unwrap_or(0), parts.next().unwrap_or(0));
    if (major, minor) >= (1, 10) {
        Ok(())
    } else {
        Err(format!(
            "libhdf5 {version} is too old: ooc needs 1.10 or newer"
        ))
    }
}
