//! `.npz` storage: scipy-written fixtures load with the values `make_fixtures.py` defines;
//! every format, element type and compression round-trips; real scipy loads what we write
//! (when `OOC_PYTHON` is set); damaged archives are typed errors.

#[path = "../../../tests/interop_common/mod.rs"]
mod interop_common;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use ndarray::Array2;
use ooc_core::{Complex, DType, Element, Par};
use ooc_sparse::{
    AnySparse, BsrMatrix, CooMatrix, CsrMatrix, DiaMatrix, Format, SparseError, SparseMatrix,
    load_npz, npz_info, random_csr, save_npz,
};
use proptest::prelude::*;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// The matrix of `make_fixtures.py`'s `rule`.
fn rule<T: Element>(make: impl Fn(usize, usize, usize) -> T) -> Array2<T> {
    Array2::from_shape_fn((6, 8), |(i, j)| {
        if (3 * i + 5 * j) % 7 < 2 {
            make(i, j, 8 * i + j + 1)
        } else {
            T::default()
        }
    })
}

fn real<T: Element>() -> Array2<T> {
    rule(|_, _, k| T::from_f64(k as f64 / 2.0))
}

fn int<T: Element>() -> Array2<T> {
    rule(|_, _, k| T::from_f64(k as f64))
}

fn complex64() -> Array2<Complex<f32>> {
    rule(|_, j, k| Complex::new(k as f32 / 2.0, -(j as f32)))
}

fn complex128() -> Array2<Complex<f64>> {
    rule(|_, j, k| Complex::new(k as f64 / 2.0, -(j as f64)))
}

fn check<T: Element>(name: &str, format: Format, want: &Array2<T>) {
    let path = fixture(name);
    let info = npz_info(&path).unwrap();
    assert_eq!(info.format, format, "{name}");
    assert_eq!(info.shape, [want.nrows(), want.ncols()], "{name}");
    assert_eq!(info.dtype, T::DTYPE, "{name}");
    let m = load_npz::<T>(&path).unwrap();
    assert_eq!(m.format(), format, "{name}");
    assert_eq!(&m.to_dense().unwrap(), want, "{name}");
}

#[test]
fn scipy_fixtures_load_with_their_values() {
    check("csr_f64_i32.npz", Format::Csr, &real::<f64>());
    check("csr_f32_i64_z.npz", Format::Csr, &real::<f32>());
    check("csr_u8_i32_z.npz", Format::Csr, &int::<u8>());
    check("csc_i64_i32_z.npz", Format::Csc, &int::<i64>());
    check("csc_c128_i64.npz", Format::Csc, &complex128());
    check("coo_f64.npz", Format::Coo, &real::<f64>());
    check("coo_c64_z.npz", Format::Coo, &complex64());
    check("coo_i16_matrix.npz", Format::Coo, &int::<i16>());
    check("bsr_f64_2x2.npz", Format::Bsr, &real::<f64>());
    check("dia_f32.npz", Format::Dia, &real::<f32>());
    check("csr_big_endian_f64.npz", Format::Csr, &real::<f64>());
    check("csc_unicode_format.npz", Format::Csc, &real::<f64>());
    let dup = ndarray::array![[2.0, 0.0, 4.0], [0.0, 0.0, 0.0], [0.0, 4.0, 0.0]];
    check("csr_f64_duplicates.npz", Format::Csr, &dup);
    match load_npz::<f64>(fixture("bsr_f64_2x2.npz")).unwrap() {
        AnySparse::Bsr(b) => assert_eq!(b.block_shape(), [2, 2]),
        other => panic!("{:?}", other.format()),
    }
}

#[test]
fn wrong_element_type_names_both() {
    let err = load_npz::<f32>(fixture("csr_f64_i32.npz")).unwrap_err();
    assert!(
        matches!(
            err,
            SparseError::DTypeMismatch {
                stored: DType::F64,
                requested: DType::F32,
                ..
            }
        ),
        "{err}"
    );
}

fn every_format<T: Element>(csr: &CsrMatrix<T>) -> Vec<AnySparse<T>> {
    let mut v: Vec<AnySparse<T>> = [
        Format::Csr,
        Format::Csc,
        Format::Coo,
        Format::Lil,
        Format::Dok,
    ]
    .into_iter()
    .map(|f| AnySparse::from_csr(csr.clone(), f).unwrap())
    .collect();
    let [r, c] = csr.shape();
    let block = [
        if r % 2 == 0 { 2 } else { 1 },
        if c % 3 == 0 { 3 } else { 1 },
    ];
    v.push(AnySparse::Bsr(BsrMatrix::from_csr(csr, block).unwrap()));
    if let Ok(d) = DiaMatrix::from_csr(csr) {
        v.push(AnySparse::Dia(d));
    }
    v
}

fn round_trip<T: Element>(rows: usize, cols: usize, density: f64, seed: u64) {
    let dir = tempfile::tempdir().unwrap();
    let csr = random_csr::<T>(rows, cols, density, seed, Par::Seq).unwrap();
    let dense = csr.to_dense().unwrap();
    for m in every_format(&csr) {
        for compressed in [false, true] {
            let path = dir
                .path()
                .join(format!("{}_{compressed}.npz", m.format().name()));
            save_npz(&path, &m, compressed).unwrap();
            let back = load_npz::<T>(&path).unwrap();
            let stored_as = match m.format() {
                Format::Lil | Format::Dok => Format::Csr,
                f => f,
            };
            assert_eq!(back.format(), stored_as);
            assert_eq!(back.to_dense().unwrap(), dense, "{:?}", m.format());
            assert_eq!(
                back.nnz(),
                if stored_as == Format::Csr {
                    csr.nnz()
                } else {
                    m.nnz()
                }
            );
        }
    }
    assert!(!dir.path().read_dir().unwrap().any(|e| {
        e.unwrap()
            .file_name()
            .to_string_lossy()
            .ends_with(".partial")
    }));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(8))]
    #[test]
    fn round_trips_every_format(rows in 0_usize..12, cols in 0_usize..12, density in 0.0..1.0, seed in any::<u64>()) {
        round_trip::<f64>(rows, cols, density, seed);
        round_trip::<Complex<f32>>(rows, cols, density, seed);
    }
}

#[test]
fn round_trips_every_element_type() {
    macro_rules! each {
        ($t:ty) => {
            round_trip::<$t>(6, 9, 0.3, 4)
        };
    }
    ooc_core::for_each_element!(each);
}

/// Rewrites one member of an archive (`None` drops it).
fn with_member(src: &Path, dst: &Path, name: &str, bytes: Option<Vec<u8>>) {
    let mut zin = zip::ZipArchive::new(std::fs::File::open(src).unwrap()).unwrap();
    let mut zout = zip::ZipWriter::new(std::fs::File::create(dst).unwrap());
    for k in 0..zin.len() {
        let mut f = zin.by_index(k).unwrap();
        let member = f.name().to_string();
        let mut content = Vec::new();
        std::io::Read::read_to_end(&mut f, &mut content).unwrap();
        if member == name {
            match &bytes {
                Some(b) => content.clone_from(b),
                None => continue,
            }
        }
        zout.start_file(member, zip::write::SimpleFileOptions::default())
            .unwrap();
        zout.write_all(&content).unwrap();
    }
    zout.finish().unwrap();
}

fn npy(descr: &str, shape: &str, payload: &[u8]) -> Vec<u8> {
    let dict = format!("{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape}, }}");
    let mut h = b"\x93NUMPY\x01\x00".to_vec();
    let total = (10 + dict.len() + 1).next_multiple_of(64);
    h.extend_from_slice(&u16::try_from(total - 10).unwrap().to_le_bytes());
    h.extend_from_slice(dict.as_bytes());
    h.resize(total - 1, b' ');
    h.push(b'\n');
    h.extend_from_slice(payload);
    h
}

fn i64s(v: &[i64]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}

/// A predicate on the error a damaged archive must produce.
type Check = Box<dyn Fn(&SparseError) -> bool>;

#[test]
fn damaged_archives_are_typed_errors() {
    let dir = tempfile::tempdir().unwrap();
    let src = fixture("csr_f64_i32.npz");
    let bad = dir.path().join("bad.npz");
    let load = |p: &Path| load_npz::<f64>(p).unwrap_err();

    // Structural errors, checked by the constructors.
    let cases: Vec<(&str, Vec<u8>, Check)> = vec![
        (
            "indptr.npy",
            npy("<i8", "(7,)", &i64s(&[0, 3, 2, 5, 8, 10, 14])),
            Box::new(|e| matches!(e, SparseError::IndptrNotMonotone { pos: 2, .. })),
        ),
        (
            "indptr.npy",
            npy("<i8", "(6,)", &i64s(&[0, 3, 5, 8, 10, 14])),
            Box::new(|e| {
                matches!(
                    e,
                    SparseError::IndptrLength {
                        expected: 7,
                        found: 6
                    }
                )
            }),
        ),
        (
            "indptr.npy",
            npy("<i8", "(7,)", &i64s(&[0, 3, 5, 8, 10, 12, 13])),
            Box::new(|e| matches!(e, SparseError::IndptrEnd { end: 13, nnz: 14 })),
        ),
        (
            "indices.npy",
            npy("<i8", "(14,)", &i64s(&[9; 14])),
            Box::new(|e| {
                matches!(
                    e,
                    SparseError::IndexOutOfRange {
                        index: 9,
                        bound: 8,
                        ..
                    }
                )
            }),
        ),
        (
            "indices.npy",
            npy("<i8", "(14,)", &i64s(&[-1; 14])),
            Box::new(|e| matches!(e, SparseError::BadInteger { value: -1, .. })),
        ),
        (
            "indices.npy",
            npy("<i8", "(13,)", &i64s(&[0; 13])),
            Box::new(|e| matches!(e, SparseError::IndptrEnd { end: 14, nnz: 13 })),
        ),
        (
            "data.npy",
            npy("<f8", "(3,)", &[0; 24]),
            Box::new(|e| {
                matches!(
                    e,
                    SparseError::LengthMismatch {
                        expected: 14,
                        found: 3,
                        ..
                    }
                )
            }),
        ),
        (
            "shape.npy",
            npy("<i8", "(2,)", &i64s(&[-6, 8])),
            Box::new(|e| {
                matches!(
                    e,
                    SparseError::BadInteger {
                        what: "shape",
                        value: -6
                    }
                )
            }),
        ),
        (
            "shape.npy",
            npy("<i8", "(3,)", &i64s(&[6, 8, 1])),
            Box::new(|e| e.to_string().contains("3 values")),
        ),
        (
            "shape.npy",
            npy(
                "<u8",
                "(2,)",
                &[u64::MAX.to_le_bytes(), 8_u64.to_le_bytes()].concat(),
            ),
            Box::new(|e| matches!(e, SparseError::BadInteger { .. })),
        ),
        (
            "format.npy",
            npy("|S3", "()", b"xyz"),
            Box::new(|e| e.to_string().contains("unknown sparse format \"xyz\"")),
        ),
        (
            "format.npy",
            npy("<i8", "()", &i64s(&[1])),
            Box::new(|e| e.to_string().contains("expected a string")),
        ),
        (
            "indices.npy",
            npy("<f8", "(14,)", &[0; 112]),
            Box::new(|e| e.to_string().contains("expected integers")),
        ),
        (
            "indices.npy",
            npy("<i8", "(14,)", &[0; 100]),
            Box::new(|e| e.to_string().contains("needs 112")),
        ),
        (
            // More data than the header declares: read only up to one byte past it.
            "data.npy",
            npy("<f8", "(14,)", &vec![0; 1 << 20]),
            Box::new(|e| e.to_string().contains("holds 113 data bytes")),
        ),
        (
            "data.npy",
            b"\x93NUMPX garbage".to_vec(),
            Box::new(|e| matches!(e, SparseError::Npy { .. })),
        ),
    ];
    for (member, bytes, ok) in cases {
        with_member(&src, &bad, member, Some(bytes));
        let err = load(&bad);
        assert!(ok(&err), "{member}: {err}");
    }
    with_member(&src, &bad, "indptr.npy", None);
    let err = load(&bad);
    assert!(
        matches!(&err, SparseError::Missing { what, .. } if what.contains("indptr")),
        "{err}"
    );
    // Not a zip at all, and a truncated one.
    std::fs::write(&bad, b"not a zip").unwrap();
    assert!(matches!(load(&bad), SparseError::Zip { .. }));
    let bytes = std::fs::read(&src).unwrap();
    std::fs::write(&bad, &bytes[..bytes.len() / 2]).unwrap();
    assert!(matches!(
        load(&bad),
        SparseError::Zip { .. } | SparseError::Io { .. }
    ));
    let err = load(&dir.path().join("missing.npz"));
    assert!(matches!(err, SparseError::Io { .. }) && err.to_string().contains("missing.npz"));
    // Writing into a directory that does not exist leaves nothing behind.
    let a = CooMatrix::new([1, 1], vec![0], vec![0], vec![1.0_f64]).unwrap();
    let err = save_npz(dir.path().join("no/such/dir.npz"), &a, false).unwrap_err();
    assert!(matches!(err, SparseError::Io { .. }), "{err}");
}

/// Python script: loads each listed `.npz` with scipy, checks format, dtype and shape, and
/// saves its dense form next to it as `<name>.dense.npy` for the Rust side to compare.
const SCIPY_CHECK: &str = r#"
import sys, os
import numpy as np
import scipy.sparse as sp
d = sys.argv[1]
for line in open(os.path.join(d, "manifest.txt")):
    name, fmt, dtype, rows, cols = line.split()
    m = sp.load_npz(os.path.join(d, name))
    assert m.format == fmt, (name, m.format, fmt)
    assert m.dtype == np.dtype(dtype), (name, m.dtype, dtype)
    assert m.shape == (int(rows), int(cols)), (name, m.shape)
    m.check_format() if hasattr(m, "check_format") else None
    np.save(os.path.join(d, name + ".dense.npy"), m.toarray())
print("ok")
"#;

fn read_npy_dense<T: Element>(path: &Path) -> Array2<T> {
    let bytes = std::fs::read(path).unwrap();
    let (h, off) = ooc_core::npy::NpyHeader::parse(&bytes).unwrap();
    assert_eq!(h.dtype, T::DTYPE, "{}", path.display());
    let v: Vec<T> = bytemuck::pod_collect_to_vec(&bytes[off..]);
    let shape = (h.shape[0], h.shape[1]);
    if h.fortran_order {
        // scipy's CSC toarray() is column-major, and np.save keeps that order.
        Array2::from_shape_vec(ndarray::ShapeBuilder::f(shape), v).unwrap()
    } else {
        Array2::from_shape_vec(shape, v).unwrap()
    }
}

#[test]
fn scipy_loads_what_we_write() {
    let Some(py) = interop_common::python("ooc-sparse::npz::scipy_loads_what_we_write") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let mut manifest = String::new();
    let mut expected: Vec<(String, Array2<f64>)> = Vec::new();
    let mut expected_c: Vec<(String, Array2<Complex<f32>>)> = Vec::new();
    let mut expected_i: Vec<(String, Array2<i32>)> = Vec::new();
    let a = random_csr::<f64>(37, 53, 0.2, 1, Par::Seq).unwrap();
    let band = CsrMatrix::from_dense(
        &Array2::from_shape_fn((7, 9), |(i, j)| {
            if j >= i && j <= i + 2 {
                (i * 9 + j) as f64 + 1.0
            } else {
                0.0
            }
        })
        .view(),
    );
    let mut all = every_format(&a);
    all.push(AnySparse::Dia(DiaMatrix::from_csr(&band).unwrap()));
    for (k, m) in all.iter().enumerate() {
        for compressed in [false, true] {
            let name = format!("m{k}_{}_{compressed}.npz", m.format().name());
            save_npz(dir.path().join(&name), m, compressed).unwrap();
            let fmt = match m.format() {
                Format::Lil | Format::Dok => "csr",
                f => f.name(),
            };
            let [r, c] = m.shape();
            manifest.push_str(&format!("{name} {fmt} float64 {r} {c}\n"));
            expected.push((name, m.to_dense().unwrap()));
        }
    }
    let c = random_csr::<Complex<f32>>(5, 4, 0.5, 2, Par::Seq).unwrap();
    save_npz(dir.path().join("c.npz"), &c, true).unwrap();
    manifest.push_str("c.npz csr complex64 5 4\n");
    expected_c.push(("c.npz".into(), c.to_dense().unwrap()));
    let i = CooMatrix::new([3, 2], vec![2, 0, 2], vec![1, 0, 1], vec![5_i32, -7, 1]).unwrap();
    save_npz(dir.path().join("i.npz"), &i, false).unwrap();
    manifest.push_str("i.npz coo int32 3 2\n");
    expected_i.push(("i.npz".into(), i.to_dense().unwrap()));
    std::fs::write(dir.path().join("manifest.txt"), manifest).unwrap();
    let out = Command::new(&py)
        .args(["-c", SCIPY_CHECK])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "scipy failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    for (name, want) in expected {
        let got = read_npy_dense::<f64>(&dir.path().join(name.clone() + ".dense.npy"));
        assert_eq!(got, want, "{name}");
    }
    for (name, want) in expected_c {
        assert_eq!(
            read_npy_dense::<Complex<f32>>(&dir.path().join(name + ".dense.npy")),
            want
        );
    }
    for (name, want) in expected_i {
        assert_eq!(
            read_npy_dense::<i32>(&dir.path().join(name + ".dense.npy")),
            want
        );
    }
}
