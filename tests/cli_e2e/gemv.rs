//! `ooc gemv`: results checked against a product computed here, on every backend.

use ooc::hdf5::File;
use ooc::mmap::{MmapArray, Mode};

use crate::common::{write_dataset, write_npy};
use crate::support::{arg, fails, files_in, json, ok, value};

fn reference(a: &[f64], x: &[f64]) -> Vec<f64> {
    a.chunks_exact(x.len())
        .map(|row| row.iter().zip(x).map(|(p, q)| p * q).sum())
        .collect()
}

fn read_y(path: &std::path::Path) -> Vec<f64> {
    MmapArray::<f64>::open_npy(path, Mode::ReadOnly)
        .unwrap()
        .as_slice()
        .to_vec()
}

fn assert_close(found: &[f64], expected: &[f64]) {
    assert_eq!(found.len(), expected.len());
    for (f, e) in found.iter().zip(expected) {
        assert!((f - e).abs() <= 1e-12 * e.abs().max(1.0), "{f} vs {e}");
    }
}

#[test]
fn npy_and_hdf5_matrices_give_the_reference_product() {
    let dir = tempfile::tempdir().unwrap();
    let (m, n) = (37, 23);
    let a: Vec<f64> = (0..m * n).map(value).collect();
    let x: Vec<f64> = (0..n).map(|i| value(i + 10_000)).collect();
    let expected = reference(&a, &x);
    let a_npy = dir.path().join("a.npy");
    let x_npy = dir.path().join("x.npy");
    write_npy(&a_npy, &[m, n], &a);
    write_npy(&x_npy, &[n], &x);
    let h5 = dir.path().join("a.h5");
    {
        let f = File::create(&h5).unwrap();
        write_dataset(&f, "m", &[m, n], &a, |b| b.chunk([5, 7]).deflate(2));
    }
    let sources = [arg(&a_npy), format!("{}:/m", h5.display())];
    let mut results = Vec::new();
    for (k, source) in sources.iter().enumerate() {
        for threads in ["1", "2"] {
            let y = dir.path().join(format!("y{k}_{threads}.npy"));
            let j = json(&ok(&[
                "gemv",
                source,
                &arg(&x_npy),
                "-o",
                &arg(&y),
                "--json",
                "--budget",
                "4KiB",
                "--threads",
                threads,
            ]));
            assert_eq!(j["rows"], m);
            assert_eq!(j["cols"], n);
            assert_eq!(j["dtype"], "f64");
            assert_eq!(j["bytes_read"], m * n * 8);
            let found = read_y(&y);
            assert_close(&found, &expected);
            results.push(found);
        }
    }
    // The scheduler's fixed order: every backend and thread count gives the same bits.
    assert!(results.windows(2).all(|w| w[0] == w[1]));
    let text = ok(&["gemv", &sources[0], &arg(&x_npy)]);
    assert!(text.contains("y = ["), "{text}");
}

#[test]
fn shape_and_type_mismatches() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a.npy");
    write_npy(&a, &[4, 3], &[1.0; 12]);
    let x4 = dir.path().join("x4.npy");
    write_npy(&x4, &[4], &[1.0; 4]);
    fails(
        &["gemv", &arg(&a), &arg(&x4)],
        1,
        &["a.npy", "4 × 3", "x4.npy", "[4]"],
    );
    let x32 = dir.path().join("x32.npy");
    drop(MmapArray::<f32>::create_npy(&x32, &[3], false).unwrap());
    fails(
        &["gemv", &arg(&a), &arg(&x32)],
        1,
        &["x32.npy", "f32", "f64"],
    );
    let cube = dir.path().join("cube.npy");
    write_npy(&cube, &[2, 2, 3], &[0.0; 12]);
    fails(
        &["gemv", &arg(&cube), &arg(&x4)],
        1,
        &["cube.npy", "2-D", "[2, 2, 3]"],
    );
}

#[test]
fn output_is_never_clobbered_without_force() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a.npy");
    write_npy(&a, &[2, 2], &[1.0, 2.0, 3.0, 4.0]);
    let x = dir.path().join("x.npy");
    write_npy(&x, &[2], &[1.0, 1.0]);
    let y = dir.path().join("y.npy");
    std::fs::write(&y, b"precious").unwrap();
    fails(
        &["gemv", &arg(&a), &arg(&x), "-o", &arg(&y)],
        1,
        &["y.npy", "--force"],
    );
    assert_eq!(std::fs::read(&y).unwrap(), b"precious");
    ok(&["gemv", &arg(&a), &arg(&x), "-o", &arg(&y), "--force"]);
    assert_eq!(read_y(&y), [3.0, 7.0]);
    let blocked = dir.path().join("a.npy").join("y.npy");
    fails(
        &["gemv", &arg(&a), &arg(&x), "-o", &arg(&blocked)],
        1,
        &["a.npy/y.npy"],
    );
    assert_eq!(files_in(dir.path()).len(), 3, "{:?}", files_in(dir.path()));
}
