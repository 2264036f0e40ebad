//! `ooc stats`: the JSON checked field by field against sums computed here from the data
//! the test wrote.

use ooc::hdf5::File;
use ooc::mmap::{MmapArray, RawLayout};

use crate::common::{write_dataset, write_npy};
use crate::support::{Python, arg, json, ok, value};

/// The same float: the JSON parser may be one unit in the last place off.
fn same(found: &serde_json::Value, expected: f64) {
    let f = found
        .as_f64()
        .unwrap_or_else(|| panic!("not a number: {found}"));
    assert!(
        (f - expected).abs() <= 2.0 * f64::EPSILON * expected.abs(),
        "{f} vs {expected}"
    );
}

fn close(found: &serde_json::Value, expected: f64) {
    let f = found
        .as_f64()
        .unwrap_or_else(|| panic!("not a number: {found}"));
    let tol = 1e-9 * expected.abs().max(1.0);
    assert!((f - expected).abs() <= tol, "{f} vs {expected}");
}

#[test]
#[allow(clippy::cast_possible_truncation)]
fn f32_npy_under_a_small_budget() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.npy");
    let (rows, cols) = (301, 17);
    let data: Vec<f32> = (0..rows * cols).map(|i| value(i) as f32).collect();
    write_npy(&path, &[rows, cols], &data);
    let sum: f64 = data.iter().map(|&v| f64::from(v)).sum();
    let min = data.iter().copied().fold(f32::INFINITY, f32::min);
    let max = data.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    for threads in ["1", "2"] {
        let j = json(&ok(&[
            "stats",
            &arg(&path),
            "--json",
            "--budget",
            "8KiB",
            "--threads",
            threads,
        ]));
        assert_eq!(j["dtype"], "f32");
        assert_eq!(j["shape"], serde_json::json!([rows, cols]));
        assert_eq!(j["elements"], rows * cols);
        close(&j["sum"], sum);
        close(&j["mean"], sum / (rows * cols) as f64);
        same(&j["min"], f64::from(min));
        same(&j["max"], f64::from(max));
        assert_eq!(j["budget_bytes"], 8192);
        assert_eq!(j["threads"].to_string(), threads);
        assert!(j["seconds"].as_f64().unwrap() >= 0.0);
        assert!(j["bytes_read"].as_u64().unwrap() >= (rows * cols * 4) as u64);
    }
}

#[test]
fn small_integers_are_summed_without_wrapping() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("u8.npy");
    let mut a = MmapArray::<u8>::create_npy(&path, &[64, 33], false).unwrap();
    a.as_slice_mut().unwrap().fill(255);
    drop(a);
    let j = json(&ok(&["stats", &arg(&path), "--json"]));
    assert_eq!(j["sum"], 255 * 64 * 33);
    assert_eq!(j["min"], 255);
    assert_eq!(j["max"], 255);
    assert_eq!(j["mean"], 255.0);
}

#[test]
fn raw_3d_i16_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cube.bin");
    let data: Vec<i16> = (0..4 * 5 * 6)
        .map(|i| i16::try_from(i).unwrap() - 60)
        .collect();
    let layout = RawLayout::c_order(vec![4, 5, 6]);
    let mut a = MmapArray::<i16>::create_raw(&path, &layout).unwrap();
    a.as_slice_mut().unwrap().copy_from_slice(&data);
    drop(a);
    let j = json(&ok(&[
        "stats",
        &arg(&path),
        "--json",
        "--dtype",
        "i16",
        "--shape",
        "4,5,6",
    ]));
    let sum: i64 = data.iter().map(|&v| i64::from(v)).sum();
    assert_eq!(j["sum"], sum);
    assert_eq!(j["min"], -60);
    assert_eq!(j["max"], 59);
    assert_eq!(j["elements"], 120);
}

#[test]
fn chunked_compressed_hdf5_dataset() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("d.h5");
    let (rows, cols) = (250, 40);
    let data: Vec<f64> = (0..rows * cols).map(value).collect();
    {
        let f = File::create(&path).unwrap();
        write_dataset(&f, "/g/x", &[rows, cols], &data, |b| {
            b.chunk([32, 16]).deflate(4).shuffle().create_parents()
        });
    }
    let source = format!("{}:/g/x", path.display());
    let j = json(&ok(&["stats", &source, "--json", "--budget", "64KiB"]));
    close(&j["sum"], data.iter().sum());
    same(
        &j["min"],
        data.iter().copied().fold(f64::INFINITY, f64::min),
    );
    same(
        &j["max"],
        data.iter().copied().fold(f64::NEG_INFINITY, f64::max),
    );
    assert_eq!(j["elements"], rows * cols);
    assert_eq!(j["source"], source);
}

#[test]
fn complex_and_empty_arrays() {
    let dir = tempfile::tempdir().unwrap();
    let c = dir.path().join("c.npy");
    write_npy(
        &c,
        &[3],
        &[
            ooc::core::Complex::new(1.0_f32, 2.0),
            ooc::core::Complex::new(3.0, -1.0),
            ooc::core::Complex::new(-0.5, 0.5),
        ],
    );
    let j = json(&ok(&["stats", &arg(&c), "--json"]));
    assert_eq!(j["sum"], serde_json::json!([3.5, 1.5]));
    assert!(j["min"].is_null() && j["max"].is_null());
    let e = dir.path().join("e.npy");
    drop(MmapArray::<f64>::create_npy(&e, &[0, 4], false).unwrap());
    let j = json(&ok(&["stats", &arg(&e), "--json"]));
    assert_eq!(j["elements"], 0);
    assert_eq!(j["sum"], 0.0);
    assert!(j["min"].is_null() && j["mean"].is_null());
}

#[test]
fn files_written_by_numpy_and_h5py() {
    let Some(py) = Python::for_test("stats::files_written_by_numpy_and_h5py") else {
        return;
    };
    let expected = py.run("import numpy as np, h5py\n\
         a = (np.arange(3000, dtype=np.float64) * 0.37 % 5 - 2).reshape(60, 50)\n\
         np.save('a.npy', np.asfortranarray(a))\n\
         with h5py.File('a.h5', 'w') as f:\n\
         \x20   f.create_dataset('x/y', data=a.astype(np.int32), chunks=(7, 9), compression='gzip')\n\
         print(repr(float(a.sum())), repr(float(a.min())), repr(float(a.max())), int(a.astype(np.int32).sum()))\n",
    );
    let v: Vec<&str> = expected.split_whitespace().collect();
    let j = json(&ok(&["stats", &arg(&py.dir().join("a.npy")), "--json"]));
    close(&j["sum"], v[0].parse().unwrap());
    same(&j["min"], v[1].parse().unwrap());
    same(&j["max"], v[2].parse().unwrap());
    let h5 = format!("{}:/x/y", py.dir().join("a.h5").display());
    let j = json(&ok(&["stats", &h5, "--json"]));
    assert_eq!(j["sum"].to_string(), v[3]);
    assert_eq!(j["dtype"], "i32");
}
