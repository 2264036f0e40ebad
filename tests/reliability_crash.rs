//! Crash safety: writer processes are killed with `SIGKILL` at random points, then this
//! (fresh) process checks what they left:
//!
//! - everything a writer reported as flushed (it logs each step after its flush returns)
//!   reads back exactly;
//! - data not yet reported is either the old contents or the new, never anything else;
//! - whole-file outputs (new `.npy` files, conversions) are either absent or complete
//!   under their real name.
//!
//! `cargo xtask test` kills each writer a dozen times; `cargo xtask crash --iterations N`
//! runs many more (it sets `OOC_CRASH_ITERATIONS`). Set `OOC_RELIABILITY_SEED` to repeat a
//! run. What each backend does and does not guarantee is written down in RELIABILITY.md.

mod reliability_common;

use std::io::Write;
use std::path::Path;
use std::time::Duration;

use ooc_mmap::{MmapArray, Mode};
use reliability_common::{Rng, STARTED, child_dir, crash_iterations, kill, role, self_command};

/// Appends one line to the writer's progress log (one `write` call, so a kill leaves whole
/// lines only, or a last line cut short, which the checker ignores).
fn log_step(log: &mut std::fs::File, line: &str) {
    log.write_all(format!("{line}\n").as_bytes())
        .expect("progress log write");
}

fn open_log(dir: &Path) -> std::fs::File {
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(dir.join("progress.log"))
        .expect("progress log opens")
}

/// The complete lines of the progress log, split into words.
fn read_log(dir: &Path) -> Vec<Vec<String>> {
    let text = std::fs::read_to_string(dir.join("progress.log")).unwrap_or_default();
    let complete = text.rfind('\n').map_or("", |end| &text[..end]);
    complete
        .lines()
        .map(|l| l.split_whitespace().map(String::from).collect())
        .collect()
}

/// Kills `test`'s writer `iterations` times at random points; `check` inspects the
/// directory each writer left.
fn kill_repeatedly(test: &str, max_delay_ms: u64, check: impl Fn(&Path, usize)) {
    let mut rng = Rng::from_env(test);
    let iterations = crash_iterations();
    for i in 0..iterations {
        let dir = tempfile::tempdir().unwrap();
        let cmd = self_command(test, "writer", dir.path());
        let child = reliability_common::start_writer(cmd, &dir.path().join("writer.stderr"));
        std::thread::sleep(Duration::from_millis(rng.range(0, max_delay_ms)));
        let status = kill(child);
        let stderr = std::fs::read_to_string(dir.path().join("writer.stderr")).unwrap_or_default();
        assert!(
            status.code().is_none(),
            "writer ended by itself ({}) instead of being killed:\n{stderr}",
            reliability_common::status_text(status)
        );
        check(dir.path(), i);
    }
    println!("{test}: {iterations} writers killed, all checks passed");
}

const MMAP_ROWS: usize = 48;
const MMAP_COLS: usize = 1024;

fn mmap_value(round: usize, row: usize, col: usize) -> f32 {
    (round * 100_000 + row * 1000 + col % 1000) as f32 + 0.25
}

/// Writer: creates `round-K.npy` files one after another and fills them row by row,
/// flushing (msync) each row and then logging `K R`; logs `K done` after dropping a file.
fn mmap_writer(dir: &Path) {
    let mut log = open_log(dir);
    println!("{STARTED}");
    for round in 0.. {
        let path = dir.join(format!("round-{round}.npy"));
        let mut a = MmapArray::<f32>::create_npy(&path, &[MMAP_ROWS, MMAP_COLS], false).unwrap();
        for r in 0..MMAP_ROWS {
            for (c, v) in a.row_mut(r).unwrap().iter_mut().enumerate() {
                *v = mmap_value(round, r, c);
            }
            a.flush().unwrap();
            log_step(&mut log, &format!("{round} {r}"));
        }
        drop(a);
        log_step(&mut log, &format!("{round} done"));
    }
}

fn mmap_check(dir: &Path, iteration: usize) {
    let log = read_log(dir);
    let mut flushed_rows: Vec<(usize, usize)> = Vec::new();
    for words in &log {
        if let [round, row] = words.as_slice()
            && let (Ok(round), Ok(row)) = (round.parse(), row.parse())
        {
            flushed_rows.push((round, row));
        }
    }
    let rounds = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with("round-"))
        .count();
    for round in 0..rounds {
        let path = dir.join(format!("round-{round}.npy"));
        // A new .npy is complete (header and full length) from the moment its name exists.
        let a = MmapArray::<f32>::open_npy(&path, Mode::ReadOnly).unwrap_or_else(|e| {
            panic!(
                "iteration {iteration}: {} is present but not a complete .npy: {e}",
                path.display()
            )
        });
        assert_eq!(a.shape(), [MMAP_ROWS, MMAP_COLS]);
        for r in 0..MMAP_ROWS {
            let row = a.row(r).unwrap();
            if flushed_rows.contains(&(round, r)) {
                assert!(
                    row.iter()
                        .enumerate()
                        .all(|(c, &v)| v == mmap_value(round, r, c)),
                    "iteration {iteration}: flushed row {r} of round {round} differs"
                );
            } else {
                assert!(
                    row.iter()
                        .enumerate()
                        .all(|(c, &v)| v == 0.0 || v == mmap_value(round, r, c)),
                    "iteration {iteration}: unflushed row {r} of round {round} holds neither \
                     zeros nor the values being written"
                );
            }
        }
    }
    let logged_rounds = flushed_rows.iter().map(|&(k, _)| k + 1).max().unwrap_or(0);
    assert!(
        rounds >= logged_rounds,
        "iteration {iteration}: {logged_rounds} rounds logged but {rounds} files exist"
    );
    println!(
        "iteration {iteration}: killed with {rounds} file(s) present, {} row(s) flushed",
        flushed_rows.len()
    );
}

/// A memory-mapped `.npy` writer killed at random points: flushed rows read back exactly,
/// other rows hold zeros or the values being written, and every file present is a complete
/// `.npy` (never a header-less or short file under its real name).
#[test]
fn mmap_writer_killed_at_random_points_loses_nothing_it_flushed() {
    const TEST: &str = "mmap_writer_killed_at_random_points_loses_nothing_it_flushed";
    if role().is_some() {
        mmap_writer(&child_dir());
        return;
    }
    kill_repeatedly(TEST, 150, mmap_check);
}
