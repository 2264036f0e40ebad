//! Shared machinery of the reliability tests (`tests/reliability_*.rs`): running this test
//! binary again as a child process in a given role, giving that child a small filesystem
//! (a size-limited tmpfs in a private mount namespace when it can be mounted, else a file
//! size limit with `SIGXFSZ` ignored), killing writers with `SIGKILL`, and a small seeded
//! random source so a failing run can be repeated.

#![allow(dead_code)] // each test file uses part of this

use std::io::{BufRead, BufReader};
use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Output, Stdio};

/// The environment variable that tells a child which role to play.
pub(crate) const ROLE: &str = "OOC_RELIABILITY_ROLE";
/// The directory a child works in.
pub(crate) const DIR: &str = "OOC_RELIABILITY_DIR";
/// The line a writer prints once it has started writing.
pub(crate) const STARTED: &str = "ooc-reliability: writer started";

/// The role this process was started in, if it is a child.
pub(crate) fn role() -> Option<String> {
    std::env::var(ROLE).ok()
}

/// The working directory a child was given.
pub(crate) fn child_dir() -> std::path::PathBuf {
    std::env::var_os(DIR)
        .expect("a child process is given its directory")
        .into()
}

/// This test binary, running only the test `test` (which must check [`role`] first thing),
/// in `role`, working in `dir`.
pub(crate) fn self_command(test: &str, role: &str, dir: &Path) -> Command {
    let exe = std::env::current_exe().expect("the test binary knows its path");
    let mut cmd = Command::new(exe);
    cmd.args(["--exact", test, "--nocapture", "--test-threads=1"])
        .env(ROLE, role)
        .env(DIR, dir)
        .env("RUST_BACKTRACE", "0");
    cmd
}

/// How a child's filesystem was made small.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SmallFs {
    /// A tmpfs of the given size mounted on the child's directory, in a mount namespace of
    /// its own (the mount disappears with the child). Writes fail with `ENOSPC`.
    Tmpfs,
    /// `RLIMIT_FSIZE` set for the child, `SIGXFSZ` ignored, on the real filesystem (the
    /// child's directory is a temporary directory). Writes fail with `EFBIG`.
    FileSizeLimit,
}

/// Whether this process may mount a tmpfs in a private mount namespace (root on Linux
/// with `unshare` and `mount`). Probed once by mounting a tiny one.
pub(crate) fn tmpfs_available() -> bool {
    static PROBE: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *PROBE.get_or_init(|| {
        let Ok(dir) = tempfile::tempdir() else {
            return false;
        };
        Command::new("unshare")
            .args(["--mount", "--propagation", "private", "sh", "-c"])
            .arg(r#"mount -t tmpfs -o size=64k ooc-probe "$0""#)
            .arg(dir.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    })
}

/// Wraps `cmd` so it runs with a small filesystem of `bytes` at `dir`.
pub(crate) fn on_small_fs(cmd: &Command, kind: SmallFs, dir: &Path, bytes: u64) -> Command {
    let program = cmd.get_program().to_owned();
    let args: Vec<_> = cmd.get_args().map(ToOwned::to_owned).collect();
    let mut wrapped = match kind {
        SmallFs::Tmpfs => {
            let mut c = Command::new("unshare");
            c.args(["--mount", "--propagation", "private", "sh", "-c"])
                .arg(format!(
                    r#"mount -t tmpfs -o size={bytes} ooc-small "$0" && exec "$@""#
                ))
                .arg(dir);
            c
        }
        SmallFs::FileSizeLimit => {
            // The ignored disposition survives exec, so the limit yields EFBIG, not death.
            let mut c = Command::new("sh");
            c.arg("-c")
                .arg(format!(
                    r#"trap '' XFSZ; exec prlimit --fsize={bytes}:{bytes} -- "$@""#
                ))
                .arg("sh");
            c
        }
    };
    wrapped.arg(program).args(args);
    for (key, value) in cmd.get_envs() {
        match value {
            Some(v) => wrapped.env(key, v),
            None => wrapped.env_remove(key),
        };
    }
    wrapped
}

/// Sets `RLIMIT_FSIZE` to `bytes` for `cmd`'s process and puts `SIGXFSZ` back to its
/// default action (death), as a shell with `ulimit -f` leaves it: unlike
/// [`SmallFs::FileSizeLimit`], nothing ignores the signal on the program's behalf.
pub(crate) fn file_size_limit_at_default_action(cmd: &mut Command, bytes: u64) {
    use std::os::unix::process::CommandExt;
    let limit = libc::rlimit {
        rlim_cur: bytes,
        rlim_max: bytes,
    };
    // SAFETY: between fork and exec the closure makes only async-signal-safe calls
    // (`setrlimit`, `signal`) and allocates nothing.
    unsafe {
        cmd.pre_exec(move || {
            if libc::setrlimit(libc::RLIMIT_FSIZE, &raw const limit) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            libc::signal(libc::SIGXFSZ, libc::SIG_DFL);
            Ok(())
        });
    }
}

/// The names of the entries of `dir`, sorted (hidden temporaries included).
pub(crate) fn names_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("the directory can be listed")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// Describes how a child ended, for assertion messages.
pub(crate) fn describe(output: &Output) -> String {
    format!(
        "{}\n--- stdout ---\n{}\n--- stderr ---\n{}",
        status_text(output.status),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// "exit status 1", or "killed by signal 7 (SIGBUS)".
pub(crate) fn status_text(status: ExitStatus) -> String {
    match (status.code(), status.signal()) {
        (Some(code), _) => format!("exit status {code}"),
        (None, Some(sig)) => {
            let name = match sig {
                6 => " (SIGABRT)",
                7 => " (SIGBUS)",
                9 => " (SIGKILL)",
                11 => " (SIGSEGV)",
                25 => " (SIGXFSZ)",
                _ => "",
            };
            format!("killed by signal {sig}{name}")
        }
        (None, None) => format!("{status:?}"),
    }
}

/// Runs a child to completion and asserts it succeeded, showing its output otherwise.
pub(crate) fn run_child(mut cmd: Command) -> Output {
    let output = cmd
        .stdin(Stdio::null())
        .output()
        .expect("the child process starts");
    assert!(
        output.status.success(),
        "child failed: {}",
        describe(&output)
    );
    output
}

/// Starts a writer child and waits until it prints [`STARTED`]; returns it still running.
/// Its stdout is drained in the background so the writer never blocks on a full pipe; its
/// stderr goes to `log`.
pub(crate) fn start_writer(mut cmd: Command, log: &Path) -> Child {
    let log = std::fs::File::create(log).expect("the writer's log can be created");
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(log)
        .spawn()
        .expect("the writer starts");
    let stdout = child.stdout.take().expect("piped stdout");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut sent = false;
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if !sent && line.contains(STARTED) {
                let _ = tx.send(());
                sent = true;
            }
        }
    });
    // A writer that dies before starting closes the channel; the caller then sees its
    // exit status when it kills and waits for it.
    let _ = rx.recv_timeout(std::time::Duration::from_secs(60));
    child
}

/// Sends `SIGKILL` and reaps the child; returns how it ended (a writer that finished or
/// failed before the kill is reported as such, not as killed).
pub(crate) fn kill(mut child: Child) -> ExitStatus {
    let _ = child.kill();
    child.wait().expect("the killed child can be reaped")
}

/// A small xorshift generator: enough randomness for kill times and sizes, seeded from
/// `OOC_RELIABILITY_SEED` or the clock (the seed is printed so a run can be repeated).
pub(crate) struct Rng(u64);

impl Rng {
    pub(crate) fn from_env(what: &str) -> Rng {
        let seed = std::env::var("OOC_RELIABILITY_SEED")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| {
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(1, |d| d.as_nanos() as u64)
                    ^ u64::from(std::process::id())
            });
        println!("{what}: OOC_RELIABILITY_SEED={seed}");
        Rng(seed | 1)
    }

    pub(crate) fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    /// A value in `lo..hi`.
    pub(crate) fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next() % (hi - lo).max(1)
    }
}

/// How many kills each crash test makes: small in `cargo xtask test`, more through
/// `cargo xtask crash --iterations N` (which sets `OOC_CRASH_ITERATIONS`).
pub(crate) fn crash_iterations() -> usize {
    std::env::var("OOC_CRASH_ITERATIONS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(12)
}
