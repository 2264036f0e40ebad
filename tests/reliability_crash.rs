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
//! runs many more (it sets `OOC_CRASH_ITERATIONS`), and also kills the writers exactly at
//! chosen system calls (strace fault injection), running the checks in the `check` role.
//! Set `OOC_RELIABILITY_SEED` to repeat a run. What each backend does and does not
//! guarantee is written down in RELIABILITY.md.

mod common;
mod reliability_common;

use std::io::Write;
use std::path::Path;
use std::time::Duration;

use ooc_hdf5::File;
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

/// The steps `K N` of the progress log (round `K`, row or block `N`), in order.
fn numbered_steps(log: &[Vec<String>]) -> Vec<(usize, usize)> {
    log.iter()
        .filter_map(|words| match words.as_slice() {
            [round, n] => Some((round.parse().ok()?, n.parse().ok()?)),
            _ => None,
        })
        .collect()
}

/// Runs a crash test: in a child, plays its role (`writer`, or `check` of the directory a
/// writer killed elsewhere left, as `cargo xtask crash` does); otherwise kills `writer`
/// at random points up to `max_delay_ms` after it started, again and again, and checks
/// what each one left.
fn writer_killed_at_random_points(
    test: &str,
    max_delay_ms: u64,
    writer: fn(&Path),
    check: fn(&Path, usize),
) {
    match role().as_deref() {
        Some("check") => check(&child_dir(), 0),
        Some(_) => writer(&child_dir()),
        None => kill_repeatedly(test, max_delay_ms, check),
    }
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
    let flushed_rows = numbered_steps(&read_log(dir));
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
    writer_killed_at_random_points(
        "mmap_writer_killed_at_random_points_loses_nothing_it_flushed",
        150,
        mmap_writer,
        mmap_check,
    );
}

const H5_BLOCK: usize = 8;
const H5_ROWS: usize = 64;
const H5_COLS: usize = 512;

fn h5_value(round: usize, row: usize, col: usize) -> f32 {
    (round * 100_000 + row * 1000 + col % 1000) as f32 - 0.5
}

fn h5_block(round: usize, block: usize) -> Vec<f32> {
    (block * H5_BLOCK..(block + 1) * H5_BLOCK)
        .flat_map(|r| (0..H5_COLS).map(move |c| h5_value(round, r, c)))
        .collect()
}

/// Writer: one HDF5 file; each round adds a dataset (contiguous on even rounds, chunked
/// with shuffle and deflate on odd ones) and fills it in blocks of rows, flushing the file
/// after each block. It logs `busy` before every library call that may write and `K B`
/// once the flush after block `B` of round `K` returned, then idles a moment.
fn hdf5_writer(dir: &Path) {
    let mut log = open_log(dir);
    log_step(&mut log, "busy");
    let file = File::create(dir.join("data.h5")).unwrap();
    file.flush().unwrap();
    log_step(&mut log, "created");
    println!("{STARTED}");
    for round in 0.. {
        log_step(&mut log, "busy");
        let builder = file
            .new_dataset::<f32>(&format!("/rounds/r{round}"))
            .create_parents()
            .shape([H5_ROWS, H5_COLS]);
        let builder = if round % 2 == 1 {
            builder.chunk([H5_BLOCK, H5_COLS / 2]).shuffle().deflate(3)
        } else {
            builder
        };
        let mut ds = builder.create().unwrap();
        for b in 0..H5_ROWS / H5_BLOCK {
            if b > 0 {
                log_step(&mut log, "busy");
            }
            ds.write_rows(b * H5_BLOCK, &h5_block(round, b)).unwrap();
            file.flush().unwrap();
            log_step(&mut log, &format!("{round} {b}"));
            std::thread::sleep(Duration::from_micros(300));
        }
    }
}

/// Opens the file and reads every flushed block back; says what is wrong, if anything.
fn hdf5_read_back(path: &Path, flushed: &[(usize, usize)]) -> Result<(), String> {
    let file = File::open(path).map_err(|e| format!("data.h5 cannot be opened: {e}"))?;
    let mut buf = vec![0.0_f32; H5_BLOCK * H5_COLS];
    for &(round, block) in flushed {
        let ds = file
            .dataset(&format!("/rounds/r{round}"))
            .map_err(|e| format!("flushed dataset r{round} is unreachable: {e}"))?;
        ds.read_rows(block * H5_BLOCK, &mut buf)
            .map_err(|e| format!("flushed block {block} of r{round} is unreadable: {e}"))?;
        if buf != h5_block(round, block) {
            return Err(format!("flushed block {block} of r{round} differs"));
        }
    }
    Ok(())
}

/// After a kill between library calls (the log ends with a completed step) the file opens
/// and every flushed block reads back exactly. After a kill inside a library call (the log
/// ends with `busy`) HDF5, which does not journal, may have left metadata half written —
/// possibly making objects flushed earlier unreachable: that must show as a typed error,
/// never a crash of the reader, and is counted.
fn hdf5_check(dir: &Path, iteration: usize) {
    let log = read_log(dir);
    let flushed = numbered_steps(&log);
    let created = log
        .iter()
        .any(|w| w.first().is_some_and(|s| s == "created"));
    if !created {
        // Killed before the first flush returned: nothing was promised.
        return;
    }
    let inside_library = log
        .last()
        .is_some_and(|w| w.first().is_some_and(|s| s == "busy"));
    match hdf5_read_back(&dir.join("data.h5"), &flushed) {
        Ok(()) => println!(
            "iteration {iteration}: killed {} after {} flushed block(s); all read back",
            if inside_library {
                "inside a write or flush"
            } else {
                "between calls"
            },
            flushed.len()
        ),
        Err(e) if inside_library => println!(
            "iteration {iteration}: DAMAGED by a kill inside a write or flush (a typed \
             error, as documented): {e}"
        ),
        Err(e) => panic!("iteration {iteration}: killed between library calls, yet {e}"),
    }
}

/// An HDF5 writer killed at random points: a kill between library calls loses nothing
/// flushed; a kill inside one may damage the file, but reading it back gives typed errors,
/// never a crash.
#[test]
fn hdf5_writer_killed_at_random_points_keeps_what_it_flushed() {
    writer_killed_at_random_points(
        "hdf5_writer_killed_at_random_points_keeps_what_it_flushed",
        300,
        hdf5_writer,
        hdf5_check,
    );
}

const CONV_ROWS: usize = 512;
const CONV_COLS: usize = 1024;

fn conv_source(dir: &Path) -> Vec<f32> {
    let data: Vec<f32> = (0..CONV_ROWS * CONV_COLS)
        .map(|i| i as f32 * 0.25)
        .collect();
    common::write_npy(&dir.join("src.npy"), &[CONV_ROWS, CONV_COLS], &data);
    data
}

/// The destinations the conversions write, in turn.
#[derive(Debug, Clone, Copy)]
enum ConvDest {
    Npy,
    Raw,
    NewHdf5,
    ExistingHdf5,
}

const CONV_DESTS: [ConvDest; 4] = [
    ConvDest::Npy,
    ConvDest::Raw,
    ConvDest::NewHdf5,
    ConvDest::ExistingHdf5,
];

/// Prepares `dir` (the source, an existing HDF5 file) and starts `ooc convert` to `dest`.
fn start_conversion(dir: &Path, dest: ConvDest) -> (std::process::Child, Vec<f32>) {
    let data = conv_source(dir);
    let f = File::create(dir.join("existing.h5")).unwrap();
    common::write_dataset(&f, "/kept", &[4, 4], &[7.0_f32; 16], |b| b);
    drop(f);
    let target = match dest {
        ConvDest::Npy => dir.join("out.npy").display().to_string(),
        ConvDest::Raw => dir.join("out.raw").display().to_string(),
        ConvDest::NewHdf5 => format!("{}:/g/x", dir.join("new.h5").display()),
        ConvDest::ExistingHdf5 => format!("{}:/g/x", dir.join("existing.h5").display()),
    };
    let hdf5 = matches!(dest, ConvDest::NewHdf5 | ConvDest::ExistingHdf5);
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_ooc"))
        .args(["convert", "--budget", "256KiB", "--threads", "1"])
        .arg(dir.join("src.npy"))
        .arg(&target)
        .args(if hdf5 {
            &["--chunks", "64,256", "--deflate", "1"][..]
        } else {
            &[][..]
        })
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    (child, data)
}

/// Checks what a conversion to `dest` left in `dir`: the destination absent or complete,
/// the existing HDF5 file's other dataset intact. Returns whether it is complete.
fn check_conversion(dir: &Path, dest: ConvDest, data: &[f32]) -> bool {
    let existing = File::open(dir.join("existing.h5")).unwrap();
    assert_eq!(
        existing
            .dataset("/kept")
            .unwrap()
            .read_vec::<f32>()
            .unwrap(),
        [7.0_f32; 16]
    );
    match dest {
        ConvDest::Npy => {
            let p = dir.join("out.npy");
            p.exists()
                .then(|| {
                    let a = MmapArray::<f32>::open_npy(&p, Mode::ReadOnly).unwrap();
                    assert_eq!(a.as_slice(), data, "out.npy is not complete");
                })
                .is_some()
        }
        ConvDest::Raw => {
            let p = dir.join("out.raw");
            p.exists()
                .then(|| {
                    let bytes = std::fs::read(&p).unwrap();
                    let want: Vec<u8> = data.iter().flat_map(|v| v.to_ne_bytes()).collect();
                    assert!(bytes == want, "out.raw is not complete");
                })
                .is_some()
        }
        ConvDest::NewHdf5 => {
            let p = dir.join("new.h5");
            p.exists()
                .then(|| {
                    let f = File::open(&p).unwrap();
                    assert_eq!(f.dataset("/g/x").unwrap().read_vec::<f32>().unwrap(), data);
                })
                .is_some()
        }
        ConvDest::ExistingHdf5 => existing
            .contains("/g/x")
            .then(|| {
                let x = existing.dataset("/g/x").unwrap().read_vec::<f32>().unwrap();
                assert_eq!(x, data);
            })
            .is_some(),
    }
}

/// The temporary files (`.ooc-*`) in `dir`.
fn conversion_temporaries(dir: &Path) -> usize {
    std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with(".ooc-"))
        .count()
}

/// `ooc convert` killed at random points: the destination is absent or complete (a
/// temporary `.ooc-*` file may remain beside it: SIGKILL leaves no chance to remove it),
/// and an existing HDF5 file being added to keeps its other datasets.
///
/// Kill times are drawn from the measured duration of an unkilled run of the same
/// conversion, and the test insists that kills landed mid-write — while the temporary file
/// existed, which `SIGKILL` leaves behind — running more conversions (up to six times as
/// many) until at least one did for every destination: a run whose kills all came too
/// early or too late checks nothing.
#[test]
fn conversions_killed_at_random_points_leave_no_partial_destination() {
    let mut rng = Rng::from_env("conversions_killed_at_random_points");
    let iterations = crash_iterations();
    // How long each conversion takes when nobody kills it (its result is checked too).
    let durations: Vec<Duration> = CONV_DESTS
        .iter()
        .map(|&dest| {
            let dir = tempfile::tempdir().unwrap();
            let (mut child, data) = start_conversion(dir.path(), dest);
            let start = std::time::Instant::now();
            let status = child.wait().unwrap();
            let took = start.elapsed();
            assert!(
                status.success(),
                "{dest:?}: unkilled conversion failed: {status:?}"
            );
            assert!(
                check_conversion(dir.path(), dest, &data),
                "{dest:?}: no output"
            );
            assert_eq!(conversion_temporaries(dir.path()), 0);
            took
        })
        .collect();
    let (mut absent, mut complete, mut leftovers) = (0, 0, 0);
    let mut mid_write = [0_usize; CONV_DESTS.len()];
    let mut runs = 0;
    while runs < iterations
        || (mid_write.contains(&0) && runs < iterations.max(CONV_DESTS.len()) * 6)
    {
        let k = runs % CONV_DESTS.len();
        let dest = CONV_DESTS[k];
        runs += 1;
        let dir = tempfile::tempdir().unwrap();
        let (child, data) = start_conversion(dir.path(), dest);
        let limit = u64::try_from(durations[k].as_micros()).unwrap_or(u64::MAX);
        std::thread::sleep(Duration::from_micros(rng.range(0, limit.max(2))));
        let status = kill(child);
        assert!(
            status.success() || status.code().is_none(),
            "{dest:?}: convert failed by itself: {status:?}"
        );
        if check_conversion(dir.path(), dest, &data) {
            complete += 1;
        } else {
            absent += 1;
        }
        let left = conversion_temporaries(dir.path());
        leftovers += left;
        if status.code().is_none() && left > 0 {
            mid_write[k] += 1;
        }
    }
    println!(
        "{runs} conversions killed at up to their unkilled durations {durations:?}: \
         {absent} destinations absent, {complete} complete, none partial; \
         {leftovers} temporary file(s) left beside them; kills mid-write per destination \
         {mid_write:?}"
    );
    for (dest, n) in CONV_DESTS.iter().zip(mid_write) {
        assert!(
            n > 0,
            "no kill landed while a conversion to {dest:?} was writing in {runs} runs"
        );
    }
}
