//! `cargo xtask crash [--iterations N] [--seed S] [--no-syscalls]`: the crash-safety
//! campaign.
//!
//! 1. The kill tests of `tests/reliability_crash.rs` (writers killed with `SIGKILL` at
//!    random times, then checked from a fresh process) with `N` kills per writer instead of
//!    the dozen `cargo xtask test` makes, and the disk-full tests of
//!    `tests/reliability_disk.rs`.
//! 2. Kills at exact system calls: each writer runs under `strace` with fault injection
//!    (`-e inject=SYSCALL:signal=KILL:when=K`), so it dies at the K-th `openat`,
//!    `fallocate`, `pwrite64`, `msync`, `rename`, ... it makes — points a random timer
//!    rarely hits, such as between creating a file and writing its header. A fresh
//!    process then runs the writer's checks (the test's `check` role).

use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::{Result, cargo, executables};

/// The writers and the test that holds each one's checks.
const WRITERS: &[(&str, &str)] = &[
    (
        "mmap",
        "mmap_writer_killed_at_random_points_loses_nothing_it_flushed",
    ),
    (
        "hdf5",
        "hdf5_writer_killed_at_random_points_keeps_what_it_flushed",
    ),
];

/// System calls a writer is killed at, and at which of their occurrences.
const SYSCALLS: &[&str] = &[
    "openat",
    "ftruncate",
    "fallocate",
    "pwrite64",
    "write",
    "mmap",
    "msync",
    "fsync",
    "fdatasync",
    "rename",
    "renameat",
    "close",
];
const OCCURRENCES: &[u32] = &[1, 2, 3, 5, 8, 13, 40];

/// `cargo xtask crash`.
pub(crate) fn run(args: &[String]) -> Result {
    let mut iterations = 200_usize;
    let mut seed = None;
    let mut syscalls = true;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--iterations" => {
                let v = it.next().ok_or("--iterations needs a value")?;
                iterations = v.parse().map_err(|_| format!("bad --iterations {v:?}"))?;
            }
            "--seed" => seed = Some(it.next().ok_or("--seed needs a value")?.clone()),
            "--no-syscalls" => syscalls = false,
            other => {
                return Err(format!(
                    "unknown option {other:?} for `crash` (--iterations N, --seed S, \
                     --no-syscalls)"
                ));
            }
        }
    }
    let mut test = cargo();
    test.args([
        "test",
        "--test",
        "reliability_crash",
        "--test",
        "reliability_disk",
        "--",
        "--nocapture",
    ])
    .env("OOC_CRASH_ITERATIONS", iterations.to_string());
    if let Some(s) = seed {
        test.env("OOC_RELIABILITY_SEED", s);
    }
    crate::run(&mut test)?;
    println!("xtask: random-time kills passed: {iterations} kills per writer");
    if syscalls {
        syscall_kills()?;
    }
    Ok(())
}

/// Makes sure strace is installed (with apt-get when running as root on Debian).
fn ensure_strace() -> Result {
    let works = || {
        Command::new("strace")
            .arg("-V")
            .output()
            .is_ok_and(|o| o.status.success())
    };
    if !works() && Command::new("apt-get").arg("--version").output().is_ok() {
        println!("xtask: strace is missing; installing it with apt-get");
        let _ = crate::run(Command::new("apt-get").args(["update", "-q"]));
        let _ = crate::run(
            Command::new("apt-get")
                .args(["install", "-y", "-q", "strace"])
                .env("DEBIAN_FRONTEND", "noninteractive"),
        );
    }
    if works() {
        Ok(())
    } else {
        Err(
            "strace cannot be had here (Debian: `apt-get install strace`); run \
             `cargo xtask crash --no-syscalls` for the random-time kills only"
                .into(),
        )
    }
}

/// The `reliability_crash` test binary (built by cargo, path from its JSON messages).
fn crash_test_binary() -> Result<PathBuf> {
    executables::build_tests(&["--test", "reliability_crash"], "reliability_crash")?
        .into_iter()
        .find(|e| e.target == "reliability_crash")
        .map(|e| e.path)
        .ok_or_else(|| "cargo reported no reliability_crash binary".to_string())
}

fn role(bin: &Path, test: &str, role: &str, dir: &Path) -> Command {
    let mut cmd = Command::new(bin);
    cmd.args(["--exact", test, "--nocapture", "--test-threads=1"])
        .env("OOC_RELIABILITY_ROLE", role)
        .env("OOC_RELIABILITY_DIR", dir)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    cmd
}

/// Sends `SIGKILL` to the process group `pgid` (strace and the writer it traces) and waits
/// until none of it is left, so the check never races a dying writer.
fn kill_group(pgid: u32) {
    let signal = |sig: &str| {
        Command::new("kill")
            .args(["-s", sig, "--", &format!("-{pgid}")])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    };
    signal("KILL");
    let start = Instant::now();
    while signal("0") && start.elapsed() < Duration::from_secs(5) {
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Kills each writer at each listed occurrence of each listed system call, then checks.
fn syscall_kills() -> Result {
    ensure_strace()?;
    let bin = crash_test_binary()?;
    let scratch = crate::root().join("target").join("ooc-crash-syscalls");
    let (mut killed, mut never_reached, mut failures) = (0, 0, Vec::new());
    for (writer, test) in WRITERS {
        for syscall in SYSCALLS {
            for &when in OCCURRENCES {
                let dir = scratch.join(format!("{writer}-{syscall}-{when}"));
                let _ = std::fs::remove_dir_all(&dir);
                std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
                let traced = role(&bin, test, "writer", &dir);
                let mut cmd = Command::new("strace");
                cmd.args(["-f", "-qq", "-o", "/dev/null", "-e"])
                    .arg(format!("trace={syscall}"))
                    .arg("-e")
                    .arg(format!("inject={syscall}:signal=KILL:when={when}"))
                    .arg(traced.get_program())
                    .args(traced.get_args());
                for (k, v) in traced.get_envs() {
                    if let Some(v) = v {
                        cmd.env(k, v);
                    }
                }
                // strace and the writer in a process group of their own, so the writer
                // can be stopped with strace (killing strace alone would detach it).
                let mut child = cmd
                    .process_group(0)
                    .stdin(Stdio::null())
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .spawn()
                    .map_err(|e| format!("cannot start strace: {e}"))?;
                // A writer that never makes that call (often enough) runs on: stop it.
                let start = Instant::now();
                let mut reached = true;
                while child.try_wait().map_err(|e| e.to_string())?.is_none() {
                    if start.elapsed() > Duration::from_millis(1500) {
                        // strace first (it is our child and must be reaped); the writer it
                        // traced stays in the group and is killed just below.
                        let _ = child.kill();
                        let _ = child.wait();
                        reached = false;
                        break;
                    }
                    std::thread::sleep(Duration::from_millis(20));
                }
                // The writer may outlive strace's exit by a moment: make sure it is gone.
                kill_group(child.id());
                if reached {
                    killed += 1;
                } else {
                    never_reached += 1;
                }
                let ok = role(&bin, test, "check", &dir)
                    .status()
                    .is_ok_and(|s| s.success());
                if !ok {
                    failures.push(format!(
                        "{writer} killed at {syscall} #{when}: check failed (files kept in {})",
                        dir.display()
                    ));
                } else {
                    let _ = std::fs::remove_dir_all(&dir);
                }
            }
        }
    }
    println!(
        "xtask: syscall kills: {killed} writers killed at a chosen system call, \
         {never_reached} runs stopped by timer (call not reached), {} check failure(s)",
        failures.len()
    );
    if failures.is_empty() {
        Ok(())
    } else {
        Err(failures.join("\n"))
    }
}
