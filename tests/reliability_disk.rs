//! Disk full and file-size limits: creating a memory map, writing HDF5 and converting files
//! on a small filesystem must fail with a typed error at the point of failure — never a
//! `SIGBUS` later, never a `SIGXFSZ` — and leave what was written before readable.
//!
//! Each scenario runs in a child process (this binary again, see `reliability_common`) on a
//! small filesystem: a 4 MiB tmpfs in a private mount namespace when the test may mount one
//! (root; elsewhere the tmpfs variant is counted as skipped), and always also under
//! `RLIMIT_FSIZE` with `SIGXFSZ` ignored by the harness. That the `ooc` binary needs no
//! such help is checked separately, under the limit with `SIGXFSZ` at its default action.
//! Nothing here ever fills the real disk, and the limits never leak into other tests.

mod common;
mod interop_common;
mod reliability_common;

use std::path::Path;

use common::write_dataset;
use ooc_hdf5::File;
use ooc_mmap::{MmapArray, MmapError, Mode, RawLayout};
use reliability_common::{
    SmallFs, file_size_limit_at_default_action, on_small_fs, role, run_child, self_command,
    tmpfs_available,
};

/// Size of the small filesystem (tmpfs) or the per-file size limit.
const SMALL: u64 = 4 << 20;

/// The ways the OS words a write that does not fit in the child's small filesystem of
/// role `role`: the tmpfs is full (`ENOSPC`), or the file size limit is reached (`EFBIG`).
fn out_of_space_words(role: &str) -> [&'static str; 2] {
    if role == "tmpfs" {
        ["No space left on device", "ENOSPC"]
    } else {
        ["File too large", "EFBIG"]
    }
}

/// Asserts that `message` names the OS error of `role`'s small filesystem.
fn assert_names_out_of_space(message: &str, role: &str) {
    let words = out_of_space_words(role);
    assert!(
        words.iter().any(|w| message.contains(w)),
        "[{role}] {message:?} names neither of {words:?}"
    );
}

/// Runs `test` in a child on each small filesystem this machine can give it; in the
/// file-size-limit variant (real directory) `check` then re-reads the results from this
/// fresh process.
fn on_each_small_fs(test: &str, check: impl Fn(&Path)) {
    on_each_small_fs_of(test, SMALL, check);
}

/// As [`on_each_small_fs`] with a tmpfs of `tmpfs_bytes` (the file size limit stays
/// [`SMALL`]).
fn on_each_small_fs_of(test: &str, tmpfs_bytes: u64, check: impl Fn(&Path)) {
    let mut kinds = vec![SmallFs::FileSizeLimit];
    if tmpfs_available() {
        kinds.push(SmallFs::Tmpfs);
    } else {
        interop_common::skipped(
            &format!("reliability_disk::{test} [Tmpfs]"),
            "tmpfs cannot be mounted here (needs root): RLIMIT_FSIZE variant only",
        );
    }
    for kind in kinds {
        let dir = tempfile::tempdir().unwrap();
        let role = match kind {
            SmallFs::Tmpfs => "tmpfs",
            SmallFs::FileSizeLimit => "fsize",
        };
        let bytes = if kind == SmallFs::Tmpfs {
            tmpfs_bytes
        } else {
            SMALL
        };
        let cmd = on_small_fs(
            &self_command(test, role, dir.path()),
            kind,
            dir.path(),
            bytes,
        );
        let out = run_child(cmd);
        println!(
            "{test} [{kind:?}]: {}",
            String::from_utf8_lossy(&out.stdout).trim()
        );
        if kind == SmallFs::FileSizeLimit {
            check(dir.path());
        }
    }
}

fn pattern(row: usize, col: usize) -> f32 {
    (row * 1000 + col) as f32 + 0.5
}

/// Asserts `result` is the typed no-space error for a file of at least `data` bytes.
fn assert_no_space(result: Result<MmapArray<f32>, MmapError>, path: &Path, data: u64) {
    match result {
        Err(MmapError::NoSpace { bytes, .. }) => assert!(bytes >= data, "{bytes} < {data}"),
        Err(other) => panic!(
            "expected a no-space error for {}, got {other}",
            path.display()
        ),
        Ok(_) => panic!("{} was created although it cannot fit", path.display()),
    }
    assert!(
        !path.exists(),
        "a failed create left {} behind",
        path.display()
    );
    let dir = path.parent().expect("a file in a directory");
    assert_eq!(
        temp_leftovers(dir),
        Vec::<String>::new(),
        "temporary files left"
    );
}

fn check_filled(path: &Path, rows: usize, cols: usize) {
    let a = MmapArray::<f32>::open_npy(path, Mode::ReadOnly).unwrap();
    assert_eq!(a.shape(), [rows, cols]);
    for r in 0..rows {
        let row = a.row(r).unwrap();
        assert!(
            row.iter().enumerate().all(|(c, &v)| v == pattern(r, c)),
            "row {r} of {} differs",
            path.display()
        );
    }
}

/// Creating maps that do not fit fails at creation with [`MmapError::NoSpace`] and leaves
/// no file; maps that were created fit entirely, so filling every page never raises
/// `SIGBUS` (the child would die of it), and their data reads back afterwards.
#[test]
fn mmap_creation_reserves_space_so_a_full_disk_is_an_error_not_sigbus() {
    const TEST: &str = "mmap_creation_reserves_space_so_a_full_disk_is_an_error_not_sigbus";
    let (rows, cols) = (256, 1024); // 1 MiB of f32
    if let Some(role) = role() {
        let dir = reliability_common::child_dir();
        let big = dir.join("too-big.npy");
        assert_no_space(
            MmapArray::<f32>::create_npy(&big, &[2048, 1024], false),
            &big,
            8 << 20,
        );
        let raw = dir.join("too-big.raw");
        let layout = RawLayout::c_order(vec![1024, 1024]).with_offset(4096);
        assert_no_space(MmapArray::<f32>::create_raw(&raw, &layout), &raw, 4 << 20);

        let fits = dir.join("fits.npy");
        let mut a = MmapArray::<f32>::create_npy(&fits, &[rows, cols], false).unwrap();
        for r in 0..rows {
            for (c, v) in a.row_mut(r).unwrap().iter_mut().enumerate() {
                *v = pattern(r, c);
            }
        }
        a.flush().unwrap();
        drop(a);
        if role == "tmpfs" {
            // 1 MiB used: 2.5 MiB more fits and is filled completely; after it the disk
            // is full, so the next 1 MiB map must be refused at creation.
            let rest = dir.join("rest.raw");
            let mut b =
                MmapArray::<u8>::create_raw(&rest, &RawLayout::c_order(vec![5 << 19])).unwrap();
            b.as_slice_mut().unwrap().fill(7);
            b.flush().unwrap();
            drop(b);
            let late = dir.join("late.npy");
            assert_no_space(
                MmapArray::<f32>::create_npy(&late, &[256, 1024], false),
                &late,
                1 << 20,
            );
            let b = MmapArray::<u8>::open_raw(
                &rest,
                &RawLayout::c_order(vec![5 << 19]),
                Mode::ReadOnly,
            )
            .unwrap();
            assert!(b.as_slice().iter().all(|&v| v == 7));
        }
        check_filled(&fits, rows, cols);
        println!("refused maps that do not fit; filled and re-read the ones that do");
        return;
    }
    on_each_small_fs(TEST, |dir| check_filled(&dir.join("fits.npy"), rows, cols));
}

const KEPT_ROWS: usize = 64;
const KEPT_COLS: usize = 256;

fn kept_values() -> Vec<f32> {
    (0..KEPT_ROWS * KEPT_COLS).map(|i| i as f32 * 0.5).collect()
}

/// Writes the small datasets that must survive: one contiguous, one chunked and deflated.
fn write_kept(path: &Path) {
    let file = File::create(path).unwrap();
    let data = kept_values();
    let shape = [KEPT_ROWS, KEPT_COLS];
    write_dataset(&file, "/kept/contiguous", &shape, &data, |b| {
        b.create_parents()
    });
    write_dataset(&file, "/kept/chunked", &shape, &data, |b| {
        b.create_parents().chunk([16, 64]).deflate(4).shuffle()
    });
    file.flush().unwrap();
}

fn check_kept(path: &Path) {
    let file = File::open(path).unwrap_or_else(|e| {
        panic!(
            "{} cannot be opened after the failed write: {e}",
            path.display()
        )
    });
    let data = kept_values();
    for name in ["/kept/contiguous", "/kept/chunked"] {
        let ds = file.dataset(name).unwrap();
        assert_eq!(ds.read_vec::<f32>().unwrap(), data, "{name} changed");
    }
}

/// HDF5 writes that run out of space (ENOSPC on a full tmpfs, EFBIG under the file size
/// limit) return a typed error, not a crash; the file is closed and reopened by a fresh
/// open, and the datasets flushed before still read back exactly.
#[test]
fn hdf5_writes_on_a_full_disk_are_errors_and_earlier_datasets_stay_readable() {
    const TEST: &str = "hdf5_writes_on_a_full_disk_are_errors_and_earlier_datasets_stay_readable";
    if let Some(role) = role() {
        let dir = reliability_common::child_dir();
        let path = dir.join("data.h5");
        write_kept(&path);
        let file = File::open_rw(&path).unwrap();
        let big = vec![1.5_f32; 2048 * 1024]; // 8 MiB: more than the disk or the limit
        let mut failures = Vec::new();
        // Contiguous: one large write.
        match file
            .new_dataset::<f32>("/big/contiguous")
            .create_parents()
            .shape([2048, 1024])
            .create()
        {
            Ok(mut ds) => match ds.write_all(&big) {
                Ok(()) => match file.flush() {
                    Ok(()) => panic!("8 MiB were written and flushed on a 4 MiB disk"),
                    Err(e) => failures.push(format!("flush: {e}")),
                },
                Err(e) => failures.push(format!("contiguous write: {e}")),
            },
            Err(e) => failures.push(format!("create contiguous: {e}")),
        }
        // Chunked: row blocks until the disk is full.
        match file
            .new_dataset::<f32>("/big/chunked")
            .create_parents()
            .shape([2048, 1024])
            .chunk([64, 1024])
            .create()
        {
            Ok(mut ds) => {
                let mut failed = false;
                for r0 in (0..2048).step_by(64) {
                    if let Err(e) = ds
                        .write_rows(r0, &big[..64 * 1024])
                        .and_then(|()| file.flush())
                    {
                        failures.push(format!("chunked rows at {r0}: {e}"));
                        failed = true;
                        break;
                    }
                }
                assert!(
                    failed,
                    "8 MiB of chunks were written and flushed on a 4 MiB disk"
                );
            }
            Err(e) => failures.push(format!("create chunked: {e}")),
        }
        // Before close, at least one write or flush failed (the contiguous case pushes a
        // failure or panics; so does the chunked one), each with the OS's own words.
        assert!(
            !failures.is_empty(),
            "no write or flush failed on a full disk"
        );
        for f in &failures {
            assert_names_out_of_space(f, &role);
        }
        // Closing may itself fail to write metadata on a full disk: an error, not a crash.
        if let Err(e) = file.close() {
            failures.push(format!("close: {e}"));
        }
        check_kept(&path);
        println!("typed errors: {}", failures.join(" | "));
        return;
    }
    on_each_small_fs(TEST, |dir| check_kept(&dir.join("data.h5")));
}

fn temp_leftovers(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect()
}

/// `ooc convert` on a disk too small for its output: exit status 1 with one line on stderr,
/// no file under the destination's name, no temporary file left behind, and an existing
/// HDF5 file the conversion was adding to unchanged and readable.
#[test]
fn conversions_on_a_full_disk_fail_cleanly_and_leave_no_partial_output() {
    const TEST: &str = "conversions_on_a_full_disk_fail_cleanly_and_leave_no_partial_output";
    if let Some(role) = role() {
        let dir = reliability_common::child_dir();
        // A raw source of exactly 4 MiB: it fits (the limit is inclusive, the tmpfs has
        // 6 MiB), but no .npy or HDF5 copy of it does.
        let src = dir.join("src.raw");
        let layout = RawLayout::c_order(vec![1024, 1024]);
        let mut a = MmapArray::<f32>::create_raw(&src, &layout).unwrap();
        for (i, v) in a.as_slice_mut().unwrap().iter_mut().enumerate() {
            *v = i as f32;
        }
        drop(a);
        let h5 = dir.join("existing.h5");
        write_kept(&h5);
        let before = std::fs::read(&h5).unwrap();
        let ooc = env!("CARGO_BIN_EXE_ooc");
        let raw_args = ["--dtype", "f32", "--shape", "1024,1024", "--budget", "1MiB"];
        for dest in [
            dir.join("out.npy").display().to_string(),
            format!("{}:/big", h5.display()),
            format!("{}:/big", dir.join("new.h5").display()),
        ] {
            let out = std::process::Command::new(ooc)
                .arg("convert")
                .arg(&src)
                .arg(&dest)
                .args(raw_args)
                .output()
                .unwrap();
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert_eq!(
                out.status.code(),
                Some(1),
                "convert to {dest}: {}",
                reliability_common::describe(&out)
            );
            assert_eq!(stderr.trim().lines().count(), 1, "not one line: {stderr}");
            assert!(stderr.starts_with("ooc: "), "{stderr}");
            assert!(!stderr.contains("panicked"), "{stderr}");
            assert_names_out_of_space(&stderr, &role);
            println!("convert to {dest}: {}", stderr.trim());
        }
        assert!(!dir.join("out.npy").exists(), "a partial out.npy was left");
        assert!(!dir.join("new.h5").exists(), "a partial new.h5 was left");
        assert_eq!(
            temp_leftovers(&dir),
            Vec::<String>::new(),
            "temporary files left"
        );
        assert_eq!(
            std::fs::read(&h5).unwrap(),
            before,
            "existing.h5 was modified"
        );
        check_kept(&h5);
        return;
    }
    on_each_small_fs_of(TEST, 6 << 20, |dir| check_kept(&dir.join("existing.h5")));
}

/// `ooc convert` under a file size limit with `SIGXFSZ` at its default action, as a shell
/// with `ulimit -f` gives it (no `trap` in between, unlike the tests above): the binary
/// ignores the signal itself, so a write past the limit is `EFBIG`, reported as one line
/// with exit status 1, and nothing is left behind. Control: `dd` writing past the same
/// limit dies of `SIGXFSZ`, so the limit and the signal do bite.
#[test]
fn ooc_past_a_file_size_limit_exits_with_an_error_not_sigxfsz() {
    use std::os::unix::process::ExitStatusExt;

    let dir = tempfile::tempdir().unwrap();
    let control = dir.path().join("control.bin");
    let mut dd = std::process::Command::new("dd");
    dd.args(["if=/dev/zero", "bs=1048576", "count=8"])
        .arg(format!("of={}", control.display()))
        .stderr(std::process::Stdio::null());
    file_size_limit_at_default_action(&mut dd, SMALL);
    let status = dd.status().unwrap();
    assert_eq!(
        status.signal(),
        Some(libc::SIGXFSZ),
        "the control was not killed by SIGXFSZ: {}",
        reliability_common::status_text(status)
    );
    std::fs::remove_file(&control).unwrap();

    let src = dir.path().join("src.npy");
    // 4.3 MiB: no copy of it, not even a raw one, fits under the 4 MiB limit.
    let data: Vec<f32> = (0..1100 * 1024).map(|i| i as f32).collect();
    common::write_npy(&src, &[1100, 1024], &data);
    for dest in [
        dir.path().join("out.npy").display().to_string(),
        dir.path().join("out.raw").display().to_string(),
        format!("{}:/big", dir.path().join("new.h5").display()),
    ] {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_ooc"));
        cmd.arg("convert")
            .arg(&src)
            .arg(&dest)
            .args(["--budget", "1MiB"]);
        file_size_limit_at_default_action(&mut cmd, SMALL);
        let out = cmd.output().unwrap();
        let what = format!("convert to {dest}: {}", reliability_common::describe(&out));
        assert_eq!(out.status.code(), Some(1), "{what}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(stderr.trim_end().lines().count(), 1, "{what}");
        assert!(stderr.starts_with("ooc: "), "{what}");
        assert_names_out_of_space(&stderr, "fsize");
    }
    assert_eq!(
        reliability_common::names_in(dir.path()),
        ["src.npy"],
        "a destination or temporary file was left"
    );
}
