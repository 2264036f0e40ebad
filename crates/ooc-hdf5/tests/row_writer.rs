//! `RowWriter` against an in-memory reference: every element type, odd shapes (1×1, 1×n,
//! n×1, extents not divisible by the chunks, empty rows), uncompressed and compressed
//! (shuffle, deflate, both), bands kept in memory and spilled to a temporary file, writers
//! started mid-band and left before the end, over fresh and previously written data; read
//! back through the library and, with `OOC_PYTHON` set, through h5py. Datasets the direct
//! path cannot write (big-endian, Fletcher-32) go through the library and still match.

mod common;

use std::ffi::OsStr;
use std::path::Path;
use std::process::Command;

use common::{no_child_while_open, python, run_python};

use ooc_core::{DType, Element, dispatch_dtype};
use ooc_hdf5::{Dataset, File};
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;

/// Value of element `i` of row `r` (never the fill value 120 nor the old value 7).
fn value<T: Element>(r: usize, i: usize) -> T {
    let k = f64::from(u32::try_from((r * 31 + i * 7) % 100).unwrap());
    T::from_f64(k + 10.0)
}

fn fill<T: Element>() -> T {
    T::from_f64(120.0)
}

/// Filters of a test dataset.
#[derive(Debug, Clone, Copy)]
enum Filters {
    None,
    Shuffle,
    Deflate,
    Both,
}

#[derive(Debug, Clone)]
struct Case {
    rows: usize,
    /// Dimensions after the first.
    inner: Vec<usize>,
    chunk: Vec<usize>,
    filters: Filters,
    /// Rows kept in memory by the writer (`None`: the default buffer).
    buffer_rows: Option<usize>,
    start: usize,
    count: usize,
    /// Whether the dataset is written with old values before the writer starts.
    prefill: bool,
    finish: bool,
}

impl Case {
    fn row_len(&self) -> usize {
        self.inner.iter().product()
    }

    fn shape(&self) -> Vec<usize> {
        let mut s = vec![self.rows];
        s.extend(&self.inner);
        s
    }
}

fn create<T: Element>(file: &File, name: &str, case: &Case) -> Dataset {
    let mut b = file
        .new_dataset::<T>(name)
        .shape(case.shape())
        .chunk(&case.chunk)
        .max_shape(vec![None; case.chunk.len()])
        .fill_value(fill::<T>());
    b = match case.filters {
        Filters::None => b,
        Filters::Shuffle => b.shuffle(),
        Filters::Deflate => b.deflate(3),
        Filters::Both => b.shuffle().deflate(6),
    };
    b.create().unwrap()
}

/// Writes `case` into a new dataset `name` of `file` through a `RowWriter` and returns the
/// reference contents.
fn write_case<T: Element>(file: &File, name: &str, case: &Case) -> Vec<T> {
    let mut ds = create::<T>(file, name, case);
    let row_len = case.row_len();
    let mut reference = vec![fill::<T>(); case.rows * row_len];
    if case.prefill {
        reference.fill(T::from_f64(7.0));
        ds.write_all(&reference).unwrap();
    }
    let row_bytes = row_len * T::DTYPE.size();
    let mut w = match case.buffer_rows {
        Some(n) => ds
            .row_writer_with_buffer::<T>(case.start, n * row_bytes)
            .unwrap(),
        None => ds.row_writer::<T>(case.start).unwrap(),
    };
    for r in case.start..case.start + case.count {
        let row: Vec<T> = (0..row_len).map(|i| value::<T>(r, i)).collect();
        w.push(&row).unwrap();
        reference[r * row_len..(r + 1) * row_len].copy_from_slice(&row);
    }
    assert!(w.push(&vec![T::default(); row_len + 1]).is_err());
    if case.start + case.count == case.rows {
        assert!(w.push(&vec![T::default(); row_len]).is_err());
    }
    if case.finish {
        w.finish().unwrap();
    } else {
        drop(w);
    }
    reference
}

fn check<T: Element>(case: &Case) -> Result<(), TestCaseError> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("rows.h5");
    let file = File::create(&path).unwrap();
    let reference = write_case::<T>(&file, "x", case);
    let mut ds = file.dataset("x").unwrap();
    prop_assert_eq!(ds.read_vec::<T>().unwrap(), reference.clone(), "{:?}", case);
    // Growing the dataset shows the padding of edge chunks: it must read as the fill.
    let mut grown = case.shape();
    for d in &mut grown {
        *d += 2;
    }
    ds.resize(&grown).unwrap();
    let all = ds.read_vec::<T>().unwrap();
    let row_len = case.row_len();
    let grown_len: usize = grown[1..].iter().product();
    for r in 0..grown[0] {
        for j in 0..grown_len {
            // Coordinates of flat index `j` in the grown row, then in the old row.
            let mut rest = j;
            let mut old = 0;
            let mut inside = r < case.rows;
            for (d, &g) in grown[1..].iter().enumerate().rev() {
                let x = rest % g;
                rest /= g;
                let n = case.inner[d];
                inside &= x < n;
                old += x * case.inner[d + 1..].iter().product::<usize>();
            }
            let expected = if inside {
                reference[r * row_len + old]
            } else {
                fill::<T>()
            };
            prop_assert_eq!(
                all[r * grown_len + j],
                expected,
                "({}, {}) {:?}",
                r,
                j,
                case
            );
        }
    }
    Ok(())
}

macro_rules! check_dtype {
    ($t:ty, $case:expr) => {
        check::<$t>($case)
    };
}

fn filters() -> impl Strategy<Value = Filters> {
    prop::sample::select(vec![
        Filters::None,
        Filters::Shuffle,
        Filters::Deflate,
        Filters::Both,
    ])
}

prop_compose! {
    fn cases()(
        rows in 0_usize..12,
        inner in prop::collection::vec(1_usize..9, 0..3),
        chunk_rows in 1_usize..6,
        chunk_cols in 1_usize..11,
        spans in any::<bool>(),
        filters in filters(),
        buffer_rows in prop::option::of(1_usize..5),
        start in 0_usize..12,
        count in 0_usize..12,
        prefill in any::<bool>(),
        finish in any::<bool>(),
    ) -> Case {
        let start = start.min(rows);
        let count = count.min(rows - start);
        let mut chunk = vec![chunk_rows];
        for (d, &n) in inner.iter().enumerate() {
            // Chunks past the second dimension span it (the direct path) or not (the library).
            chunk.push(if d == 0 || !spans { chunk_cols.min(n + 2) } else { n });
        }
        Case { rows, inner, chunk, filters, buffer_rows, start, count, prefill, finish }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]
    /// Every element type, any shape, chunking, filters, buffer, start and count: the
    /// dataset reads back as the reference, and grown edges read as the fill value.
    #[test]
    fn row_writer_matches_reference(case in cases(), t in 0_usize..12) {
        dispatch_dtype!(DType::ALL[t], check_dtype, &case)?;
    }
}

#[test]
fn odd_shapes_of_every_type() {
    let shapes: [(&[usize], &[usize]); 6] = [
        (&[1, 1], &[1, 1]),
        (&[1, 17], &[1, 5]),
        (&[17, 1], &[4, 1]),
        (&[23, 31], &[5, 7]),
        (&[9], &[4]),
        (&[0, 5], &[2, 2]),
    ];
    for (shape, chunk) in shapes {
        for filters in [Filters::None, Filters::Both] {
            for buffer_rows in [None, Some(1), Some(2)] {
                let case = Case {
                    rows: shape[0],
                    inner: shape[1..].to_vec(),
                    chunk: chunk.to_vec(),
                    filters,
                    buffer_rows,
                    start: 0,
                    count: shape[0],
                    prefill: false,
                    finish: true,
                };
                for d in DType::ALL {
                    dispatch_dtype!(d, check_dtype, &case).unwrap();
                }
            }
        }
    }
}

/// Creates `/be` (big-endian f32) and `/sum` (f32 with a Fletcher-32 checksum), which
/// direct chunk writes cannot store, and `/nofill` (f32 with an undefined fill value,
/// so padding is unspecified), all chunked (3, 4) with shape (7, 13).
fn unusual_datasets(path: &Path) {
    use hdf5_sys::h5d::{H5Dclose, H5Dcreate2};
    use hdf5_sys::h5p::{
        H5P_CLS_DATASET_CREATE, H5P_DEFAULT, H5Pclose, H5Pcreate, H5Pset_chunk, H5Pset_fill_value,
        H5Pset_fletcher32,
    };
    use hdf5_sys::h5s::{H5Sclose, H5Screate_simple};
    use hdf5_sys::h5t::{H5T_IEEE_F32BE, H5T_NATIVE_FLOAT};
    // The `hdf5` crate never sets `O_CLOEXEC`: no child may start while this file is open.
    let _guard = no_child_while_open();
    let f = hdf5::File::create(path).unwrap();
    hdf5::sync::sync(|| {
        // SAFETY: every id is checked and closed; the arrays hold the rank (2) entries.
        unsafe {
            let dims = [7_u64, 13];
            let chunk = [3_u64, 4];
            let space = H5Screate_simple(2, dims.as_ptr(), std::ptr::null());
            assert!(space >= 0);
            for (name, ty, sum, undefined_fill) in [
                (c"be", *H5T_IEEE_F32BE, false, false),
                (c"sum", *H5T_NATIVE_FLOAT, true, false),
                (c"nofill", *H5T_NATIVE_FLOAT, false, true),
            ] {
                let dcpl = H5Pcreate(*H5P_CLS_DATASET_CREATE);
                assert!(dcpl >= 0);
                assert!(H5Pset_chunk(dcpl, 2, chunk.as_ptr()) >= 0);
                if sum {
                    assert!(H5Pset_fletcher32(dcpl) >= 0);
                }
                if undefined_fill {
                    assert!(H5Pset_fill_value(dcpl, ty, std::ptr::null()) >= 0);
                }
                let ds = H5Dcreate2(
                    f.id(),
                    name.as_ptr(),
                    ty,
                    space,
                    H5P_DEFAULT,
                    dcpl,
                    H5P_DEFAULT,
                );
                assert!(ds >= 0);
                H5Dclose(ds);
                H5Pclose(dcpl);
            }
            H5Sclose(space);
        }
    });
    f.close().unwrap();
}

#[test]
fn library_only_and_undefined_fill_datasets_still_match() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("lib.h5");
    unusual_datasets(&path);
    let file = File::open_rw(&path).unwrap();
    for name in ["sum", "be", "nofill"] {
        let mut ds = file.dataset(name).unwrap();
        let mut reference = vec![0.0_f32; 7 * 13];
        let mut w = ds.row_writer_with_buffer::<f32>(1, 13 * 4).unwrap();
        for r in 1..7 {
            let row: Vec<f32> = (0..13).map(|i| value::<f32>(r, i)).collect();
            w.push(&row).unwrap();
            reference[r * 13..(r + 1) * 13].copy_from_slice(&row);
        }
        w.finish().unwrap();
        // Row 0 was never written (and reads as an undefined fill in `/nofill`).
        assert_eq!(
            ds.read_vec::<f32>().unwrap()[13..],
            reference[13..],
            "{name}"
        );
    }
}

fn write_reference<T: Element>(file: &File, dir: &Path, name: &str, case: &Case) {
    let reference = write_case::<T>(file, name, case);
    std::fs::write(dir.join(name), bytemuck::cast_slice(&reference)).unwrap();
}

macro_rules! write_reference_dtype {
    ($t:ty, $file:expr, $dir:expr, $name:expr, $case:expr) => {
        write_reference::<$t>($file, $dir, $name, $case)
    };
}

/// Files written by `RowWriter` (every type; direct, spilled and library paths;
/// compressed and not) read back in h5py exactly as the reference.
#[test]
fn h5py_reads_what_row_writers_write() {
    let Some(py) = python("ooc-hdf5::row_writer::h5py_reads_what_row_writers_write") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("rows.h5");
    let file = File::create(&path).unwrap();
    let mut names = Vec::new();
    for (k, d) in DType::ALL.into_iter().enumerate() {
        for (j, filters) in [Filters::None, Filters::Shuffle, Filters::Both]
            .into_iter()
            .enumerate()
        {
            let case = Case {
                rows: 11 + k,
                inner: vec![29, 2],
                chunk: vec![4, 6, if j == 1 { 1 } else { 2 }],
                filters,
                buffer_rows: [None, Some(2), Some(3)][(j + k) % 3],
                start: j,
                count: 11 + k - j - (k % 2),
                prefill: k % 3 == 0,
                finish: true,
            };
            let name = format!("{}_{j}", d.name());
            dispatch_dtype!(d, write_reference_dtype, &file, dir.path(), &name, &case);
            names.push(name);
        }
    }
    file.close().unwrap();
    let script = r"
import sys, h5py, numpy as np
path, folder, names = sys.argv[1], sys.argv[2], sys.argv[3:]
bad = []
with h5py.File(path, 'r') as f:
    for name in names:
        d = f[name]
        got = np.ascontiguousarray(d[...]).tobytes()
        ref = open(folder + '/' + name, 'rb').read()
        if got != ref:
            bad.append(name)
print('checked', len(names), 'bad', bad)
sys.exit(1 if bad else 0)
";
    let mut args = vec![path.as_os_str(), dir.path().as_os_str()];
    args.extend(names.iter().map(OsStr::new));
    let guard = no_child_while_open();
    let stdout = run_python(&py, script, &args);
    drop(guard);
    assert!(
        stdout.contains(&format!("checked {}", names.len())),
        "{stdout}"
    );
}

/// Environment variable that makes `full_disk_...` run its child part in `dir`.
const CHILD_DIR: &str = "OOC_ROW_WRITER_FULL_DISK_DIR";

/// A 64 × 64 `f32` dataset written (through a `RowWriter`) and flushed before the disk
/// fills up.
fn kept() -> Vec<f32> {
    (0..64 * 64).map(|i| value::<f32>(i / 64, i % 64)).collect()
}

fn check_kept(path: &Path) {
    let file = File::open(path).unwrap();
    let ds = file.dataset("kept").unwrap();
    assert_eq!(ds.read_vec::<f32>().unwrap(), kept(), "kept data changed");
}

/// The child: on a disk with 4 MiB for each file, fills 8 MiB datasets through a
/// `RowWriter` whose bands stay in memory (the chunk writes fail) and one whose bands are
/// spilled (the temporary file fills up first).
fn full_disk_child(dir: &Path) {
    let path = dir.join("data.h5");
    let file = File::create(&path).unwrap();
    let mut ds = file
        .new_dataset::<f32>("kept")
        .shape([64, 64])
        .chunk([16, 16])
        .create()
        .unwrap();
    let mut w = ds.row_writer::<f32>(0).unwrap();
    for row in kept().chunks_exact(64) {
        w.push(row).unwrap();
    }
    w.finish().unwrap();
    file.flush().unwrap();
    let row = vec![1.5_f32; 1024];
    let mut errors = Vec::new();
    // A band of 2048 rows (8 MiB) spilled, then bands of 64 rows (256 KiB) in memory.
    for (name, chunk) in [("spilled", [2048, 16]), ("memory", [64, 64])] {
        let mut ds = file
            .new_dataset::<f32>(name)
            .shape([2048, 1024])
            .chunk(chunk)
            .create()
            .unwrap();
        let mut w = ds.row_writer_with_buffer::<f32>(0, 1 << 20).unwrap();
        let failed = (0..2048).find_map(|_| w.push(&row).err());
        let err = match failed {
            Some(e) => e,
            None => w.finish().and_then(|()| file.flush()).expect_err(name),
        };
        errors.push(format!("{name}: {err}"));
    }
    assert!(errors[0].contains("temporary file"), "{errors:?}");
    drop(file);
    check_kept(&path);
    println!("typed errors: {}", errors.join(" | "));
}

/// A full disk (here: a 4 MiB file size limit, `SIGXFSZ` ignored) makes `RowWriter`
/// return typed errors, in the chunk writes and in the spill file, and what was flushed
/// before stays readable.
#[test]
fn full_disk_is_an_error_and_flushed_data_stays_readable() {
    if let Some(dir) = std::env::var_os(CHILD_DIR) {
        full_disk_child(Path::new(&dir));
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let limit = 4 << 20;
    let guard = no_child_while_open();
    let out = Command::new("sh")
        .arg("-c")
        .arg(format!(
            r#"trap '' XFSZ; exec prlimit --fsize={limit}:{limit} -- "$@""#
        ))
        .arg("sh")
        .arg(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "full_disk_is_an_error_and_flushed_data_stays_readable",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_DIR, dir.path())
        .output()
        .unwrap();
    drop(guard);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.contains("typed errors: spilled: "),
        "{:?}\n{stdout}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    check_kept(&dir.path().join("data.h5"));
    println!(
        "{}",
        stdout
            .lines()
            .find(|l| l.contains("typed errors"))
            .unwrap_or_default()
    );
}

/// Direct chunk writes into an h5py file with a 512-byte user block (gzip chunks of
/// (3, 3)): the rows read back and the user block is untouched.
#[test]
fn files_with_a_user_block_take_direct_writes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ub.h5");
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/h5py_userblock.h5");
    std::fs::copy(&fixture, &path).unwrap();
    let user_block = std::fs::read(&path).unwrap()[..512].to_vec();
    {
        let file = File::open_rw(&path).unwrap();
        let mut ds = file.dataset("chunked").unwrap();
        let mut w = ds.row_writer::<f32>(0).unwrap();
        for r in 0..10 {
            let row: Vec<f32> = (0..10).map(|i| value::<f32>(r, i)).collect();
            w.push(&row).unwrap();
        }
        w.finish().unwrap();
    }
    let file = File::open(&path).unwrap();
    let got = file.dataset("chunked").unwrap().read_vec::<f32>().unwrap();
    let expected: Vec<f32> = (0..100).map(|k| value::<f32>(k / 10, k % 10)).collect();
    assert_eq!(got, expected);
    drop(file);
    assert_eq!(std::fs::read(&path).unwrap()[..512], user_block[..]);
}
