//! Disk full and file-size limits: creating a memory map, writing HDF5 and converting files
//! on a small filesystem must fail with a typed error at the point of failure — never a
//! `SIGBUS` later, never a `SIGXFSZ` — and leave what was written before readable.
//!
//! Each scenario runs in a child process (this binary again, see `reliability_common`) on a
//! small filesystem: a 4 MiB tmpfs in a private mount namespace when the test may mount one
//! (root), and always also under `RLIMIT_FSIZE` with `SIGXFSZ` ignored. Nothing here ever
//! fills the real disk, and the limits never leak into other tests.

mod reliability_common;

use std::path::Path;

use ooc_mmap::{MmapArray, MmapError, Mode, RawLayout};
use reliability_common::{SmallFs, on_small_fs, role, run_child, self_command, tmpfs_available};

/// Size of the small filesystem (tmpfs) or the per-file size limit.
const SMALL: u64 = 4 << 20;

/// Runs `test` in a child on each small filesystem this machine can give it; in the
/// file-size-limit variant (real directory) `check` then re-reads the results from this
/// fresh process.
fn on_each_small_fs(test: &str, check: impl Fn(&Path)) {
    let mut kinds = vec![SmallFs::FileSizeLimit];
    if tmpfs_available() {
        kinds.push(SmallFs::Tmpfs);
    } else {
        println!("{test}: tmpfs cannot be mounted here (needs root): RLIMIT_FSIZE variant only");
    }
    for kind in kinds {
        let dir = tempfile::tempdir().unwrap();
        let role = match kind {
            SmallFs::Tmpfs => "tmpfs",
            SmallFs::FileSizeLimit => "fsize",
        };
        let cmd = on_small_fs(
            &self_command(test, role, dir.path()),
            kind,
            dir.path(),
            SMALL,
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
