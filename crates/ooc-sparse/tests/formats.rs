//! Property tests of every format against a dense ndarray reference: conversions (all
//! pairs through CSR and the direct paths), element access, transpose, SpMV, footprint,
//! for all twelve element types, with odd and empty shapes and non-canonical input.

use ndarray::{Array2, ArrayView2};
use ooc_core::{Complex, Element, Footprint, Par};
use ooc_sparse::{
    AnySparse, BsrMatrix, CooMatrix, CscMatrix, CsrMatrix, DiaMatrix, DokMatrix, Format, LilMatrix,
    SparseError, SparseMatrix,
};
use proptest::prelude::*;

/// A dense matrix of small integers (mostly zero) as `T`, shapes 0..=7 on each side.
fn dense_small() -> impl Strategy<Value = (usize, usize, Vec<i8>)> {
    (0_usize..=7, 0_usize..=7).prop_flat_map(|(r, c)| {
        (
            Just(r),
            Just(c),
            prop::collection::vec(prop_oneof![3 => Just(0_i8), 2 => -3_i8..=3], r * c),
        )
    })
}

fn to_t<T: Element>(v: i8) -> T {
    T::from_f64(f64::from(v))
}

fn dense_of<T: Element>(r: usize, c: usize, v: &[i8]) -> Array2<T> {
    Array2::from_shape_vec((r, c), v.iter().map(|&x| to_t::<T>(x)).collect()).unwrap()
}

/// `y = A·x` the obvious way.
fn dense_mv<T: Element>(a: &ArrayView2<'_, T>, x: &[T]) -> Vec<T> {
    a.rows()
        .into_iter()
        .map(|row| {
            let mut acc = T::default();
            for (&a, &b) in row.iter().zip(x) {
                acc += a * b;
            }
            acc
        })
        .collect()
}

/// Every format built from `csr`, with BSR also in a non-trivial block shape.
fn all_formats<T: Element>(csr: &CsrMatrix<T>) -> Vec<(String, AnySparse<T>)> {
    let mut out: Vec<(String, AnySparse<T>)> = Format::ALL
        .iter()
        .map(|&f| {
            (
                f.name().to_string(),
                AnySparse::from_csr(csr.clone(), f).unwrap(),
            )
        })
        .collect();
    let [rows, cols] = csr.shape();
    let pick = |n: usize| (2..=n).find(|&d| n.is_multiple_of(d)).unwrap_or(1);
    let block = [pick(rows), pick(cols)];
    out.push((
        format!("bsr{block:?}"),
        AnySparse::Bsr(BsrMatrix::from_csr(csr, block).unwrap()),
    ));
    out
}

fn check_formats<T: Element>(r: usize, c: usize, v: &[i8]) -> Result<(), TestCaseError> {
    let dense = dense_of::<T>(r, c, v);
    let csr = CsrMatrix::from_dense(&dense.view());
    prop_assert!(csr.is_canonical());
    prop_assert_eq!(csr.to_dense().unwrap(), dense.clone());
    let nonzeros = v.iter().filter(|&&x| to_t::<T>(x) != T::default()).count();
    prop_assert_eq!(csr.nnz(), nonzeros);
    let x: Vec<T> = (0..c).map(|j| to_t::<T>((j % 5) as i8 - 2)).collect();
    let expected_y = dense_mv(&dense.view(), &x);
    let formats = all_formats(&csr);
    for (name, m) in &formats {
        prop_assert_eq!(m.shape(), [r, c], "{}", name);
        prop_assert_eq!(&m.to_dense().unwrap(), &dense, "{} to_dense", name);
        // to_csr is canonical and, for 1×1-block and element formats, identical.
        let back = m.to_csr();
        prop_assert!(back.is_canonical(), "{}", name);
        prop_assert_eq!(&back.to_dense().unwrap(), &dense, "{} to_csr", name);
        if !name.starts_with("bsr[") {
            prop_assert_eq!(&back, &csr, "{} round trip", name);
        }
        if name == "dia" {
            // DIA counts every in-bounds position of its stored diagonals.
            prop_assert!(m.nnz() >= nonzeros);
        } else if !name.starts_with("bsr[") {
            prop_assert_eq!(m.nnz(), nonzeros, "{}", name);
        }
        prop_assert!(
            m.heap_bytes() >= nonzeros * std::mem::size_of::<T>(),
            "{}",
            name
        );
        // every pair: this format → CSR → every other format
        for (other, m2) in all_formats(&back) {
            prop_assert_eq!(&m2.to_dense().unwrap(), &dense, "{} -> {}", name, other);
        }
        let mut y = vec![T::default(); r];
        m.spmv(&x, &mut y, Par::Seq).unwrap();
        prop_assert_eq!(&y, &expected_y, "{} spmv", name);
    }
    // element access, inside and outside, for every format with `get`
    let csc = CscMatrix::from_csr(&csr);
    let coo = CooMatrix::from_csr(&csr);
    let lil = LilMatrix::from_csr(&csr);
    let dok = DokMatrix::from_csr(&csr);
    let dia = DiaMatrix::from_csr(&csr).unwrap();
    let bsr = BsrMatrix::from_csr(&csr, [1, 1]).unwrap();
    for i in 0..=r {
        for j in 0..=c {
            let want = dense.get((i, j)).copied();
            prop_assert_eq!(csr.get(i, j), want);
            prop_assert_eq!(csc.get(i, j), want);
            prop_assert_eq!(coo.get(i, j), want);
            prop_assert_eq!(lil.get(i, j), want);
            prop_assert_eq!(dok.get(i, j), want);
            prop_assert_eq!(dia.get(i, j), want);
            prop_assert_eq!(bsr.get(i, j), want);
        }
    }
    // transposes
    let t = dense.t().to_owned();
    prop_assert_eq!(csr.transpose().to_dense().unwrap(), t.clone());
    prop_assert_eq!(csc.transpose().to_dense().unwrap(), t.clone());
    prop_assert_eq!(coo.transpose().to_dense().unwrap(), t.clone());
    prop_assert_eq!(lil.transpose().to_dense().unwrap(), t.clone());
    prop_assert_eq!(dok.transpose().to_dense().unwrap(), t.clone());
    prop_assert_eq!(dia.transpose().unwrap().to_dense().unwrap(), t.clone());
    prop_assert_eq!(bsr.transpose().to_dense().unwrap(), t.clone());
    prop_assert_eq!(
        CscMatrix::from_transposed_csr(csr.clone())
            .to_dense()
            .unwrap(),
        t
    );
    // from_dense of every format
    let view = dense.view();
    prop_assert_eq!(CscMatrix::from_dense(&view).to_csr(), csr.clone());
    prop_assert_eq!(CooMatrix::from_dense(&view).to_csr(), csr.clone());
    prop_assert_eq!(LilMatrix::from_dense(&view).to_csr(), csr.clone());
    prop_assert_eq!(DokMatrix::from_dense(&view).to_csr(), csr.clone());
    prop_assert_eq!(DiaMatrix::from_dense(&view).unwrap().to_csr(), csr.clone());
    prop_assert_eq!(
        BsrMatrix::from_dense(&view, [1, 1]).unwrap().to_csr(),
        csr.clone()
    );
    prop_assert_eq!(csr.to_csc().to_csr(), csr);
    Ok(())
}

/// Triplets with repeats in any order: every path must treat repeats as their sum.
fn check_duplicates<T: Element>(
    r: usize,
    c: usize,
    trip: &[(usize, usize, i8)],
) -> Result<(), TestCaseError> {
    let mut dense = Array2::from_elem((r, c), T::default());
    let (mut rows, mut cols, mut data) = (vec![], vec![], vec![]);
    for &(i, j, v) in trip {
        let (i, j) = (i % r, j % c);
        dense[[i, j]] += to_t::<T>(v);
        rows.push(i);
        cols.push(j);
        data.push(to_t::<T>(v));
    }
    let coo = CooMatrix::new([r, c], rows.clone(), cols.clone(), data.clone()).unwrap();
    prop_assert_eq!(&coo.to_dense().unwrap(), &dense);
    // A non-canonical CSR with the triplets grouped by row in their original order.
    let mut order: Vec<usize> = (0..rows.len()).collect();
    order.sort_by_key(|&k| rows[k]);
    let mut indptr = vec![0; r + 1];
    for &i in &rows {
        indptr[i + 1] += 1;
    }
    for i in 0..r {
        indptr[i + 1] += indptr[i];
    }
    let indices: Vec<usize> = order.iter().map(|&k| cols[k]).collect();
    let vals: Vec<T> = order.iter().map(|&k| data[k]).collect();
    let csr = CsrMatrix::new([r, c], indptr.clone(), indices.clone(), vals.clone()).unwrap();
    prop_assert_eq!(&csr.to_dense().unwrap(), &dense);
    let canon = csr.to_canonical();
    prop_assert!(canon.is_canonical());
    prop_assert_eq!(&canon.to_dense().unwrap(), &dense);
    prop_assert_eq!(&coo.to_csr(), &canon);
    let csc = CscMatrix::new([c, r], indptr, indices, vals).unwrap();
    prop_assert_eq!(csc.to_dense().unwrap(), dense.t().to_owned());
    for i in 0..r {
        for j in 0..c {
            prop_assert_eq!(csr.get(i, j), Some(dense[[i, j]]));
            prop_assert_eq!(coo.get(i, j), Some(dense[[i, j]]));
        }
    }
    let x: Vec<T> = (0..c).map(|j| to_t::<T>((j % 3) as i8 - 1)).collect();
    let want = dense_mv(&dense.view(), &x);
    for (name, m) in all_formats(&csr) {
        prop_assert_eq!(&m.to_dense().unwrap(), &dense, "{}", name);
        let mut y = vec![T::default(); r];
        m.spmv(&x, &mut y, Par::Seq).unwrap();
        prop_assert_eq!(&y, &want, "{}", name);
    }
    for m in [&csr as &dyn SparseMatrix<T>, &coo, &csc.transpose()] {
        let mut y = vec![T::default(); m.shape()[0]];
        let x2: Vec<T> = (0..m.shape()[1])
            .map(|j| to_t::<T>((j % 3) as i8 - 1))
            .collect();
        m.spmv(&x2, &mut y, Par::Seq).unwrap();
        prop_assert_eq!(y, dense_mv(&m.to_dense().unwrap().view(), &x2));
    }
    Ok(())
}

macro_rules! per_type {
    ($($name:ident: $t:ty),* $(,)?) => {$(
        mod $name {
            use super::*;
            proptest! {
                #[test]
                fn conversions_access_transpose_spmv((r, c, v) in dense_small()) {
                    check_formats::<$t>(r, c, &v)?;
                }

                #[test]
                fn duplicates_and_unsorted_rows(
                    r in 1_usize..6,
                    c in 1_usize..6,
                    trip in prop::collection::vec((0_usize..6, 0_usize..6, -3_i8..=3), 0..20),
                ) {
                    check_duplicates::<$t>(r, c, &trip)?;
                }
            }
        }
    )*};
}

per_type!(
    t_i8: i8, t_i16: i16, t_i32: i32, t_i64: i64,
    t_u8: u8, t_u16: u16, t_u32: u32, t_u64: u64,
    t_f32: f32, t_f64: f64, t_c64: Complex<f32>, t_c128: Complex<f64>,
);

/// SpMV on a pool gives bit-identical results to the sequential run, for every format,
/// on matrices big enough that CSC and COO split into several partial vectors.
fn check_parallel_spmv<T: Element>() {
    let r = ooc_sparse::random_csr::<T>(40, 9000, 0.5, 3, Par::Seq).unwrap();
    let (shape, indptr, indices, data) = r.into_parts();
    // Small values so integer products cannot overflow.
    let data = (0..data.len())
        .map(|k| T::from_f64((k % 5) as f64))
        .collect();
    let a = CsrMatrix::new(shape, indptr, indices, data).unwrap();
    let x: Vec<T> = (0..9000)
        .map(|j: u32| T::from_f64(f64::from(j % 7) * 0.25))
        .collect();
    let dense = a.to_dense().unwrap();
    let reference = dense_mv(&dense.view(), &x);
    // DIA would store 9,000 + 40 mostly empty diagonals: left out.
    let formats = Format::ALL
        .into_iter()
        .filter(|&f| f != Format::Dia)
        .map(|f| {
            (
                f.name().to_string(),
                AnySparse::from_csr(a.clone(), f).unwrap(),
            )
        });
    let bsr = AnySparse::Bsr(BsrMatrix::from_csr(&a, [4, 3]).unwrap());
    for (name, m) in formats.chain([("bsr[4, 3]".to_string(), bsr)]) {
        let mut seq = vec![T::default(); 40];
        m.spmv(&x, &mut seq, Par::Seq).unwrap();
        for threads in [2, 3] {
            let mut par = vec![T::default(); 40];
            m.spmv(&x, &mut par, Par::threads(threads)).unwrap();
            assert_eq!(par, seq, "{name} on {threads} threads");
        }
        for (got, want) in seq.iter().zip(&reference) {
            let (g, w) = (got.to_f64(), want.to_f64());
            assert!(
                (g - w).abs() <= 1e-3 * w.abs().max(1.0),
                "{name}: {g} vs {w}"
            );
        }
    }
}

#[test]
fn parallel_spmv_is_deterministic_f32() {
    check_parallel_spmv::<f32>();
}

#[test]
fn parallel_spmv_is_deterministic_f64() {
    check_parallel_spmv::<f64>();
}

#[test]
fn parallel_spmv_is_deterministic_c128() {
    check_parallel_spmv::<Complex<f64>>();
}

#[test]
fn parallel_spmv_is_deterministic_i64() {
    check_parallel_spmv::<i64>();
}

#[test]
fn footprint_counts_data_indices_and_pointer() {
    let csr = CsrMatrix::new(
        [3, 4],
        vec![0, 1, 1, 3],
        vec![2, 0, 3],
        vec![1.0_f64, 2.0, 3.0],
    )
    .unwrap();
    // Column indices take 32 bits when the column count allows, as in scipy.
    assert_eq!(csr.heap_bytes(), 4 * 8 + 3 * 4 + 3 * 8);
    let coo = CooMatrix::new([3, 4], vec![0, 2], vec![1, 1], vec![1.0_f32, 2.0]).unwrap();
    assert_eq!(coo.heap_bytes(), 2 * 8 + 2 * 8 + 2 * 4);
    let lil = LilMatrix::from_csr(&csr);
    let vec_size = std::mem::size_of::<Vec<usize>>();
    assert_eq!(lil.heap_bytes(), 2 * 3 * vec_size + 3 * 8 + 3 * 8);
    let dok = DokMatrix::from_csr(&csr);
    assert!(dok.heap_bytes() >= 3 * std::mem::size_of::<((usize, usize), f64)>());
    let dia = DiaMatrix::from_csr(&csr).unwrap();
    assert_eq!(
        dia.heap_bytes(),
        dia.offsets().len() * 8 + dia.offsets().len() * dia.width() * 8
    );
    // The dense form of a 1000 × 100,000 f64 matrix is 800 MB; a 1% sparse one is
    // 12 bytes per entry (f64 value, 32-bit column), under a sixtieth of that.
    let big = ooc_sparse::random_csr::<f64>(100, 10_000, 0.01, 1, Par::Seq).unwrap();
    assert_eq!(big.heap_bytes(), 101 * 8 + 10_000 * 12);
}

#[test]
fn invalid_structure_is_a_typed_error() {
    let e = |r: Result<CsrMatrix<f64>, SparseError>| r.unwrap_err();
    let err = e(CsrMatrix::new([2, 2], vec![0, 1], vec![0], vec![1.0]));
    assert!(
        matches!(
            err,
            SparseError::IndptrLength {
                expected: 3,
                found: 2
            }
        ),
        "{err}"
    );
    let err = e(CsrMatrix::new([2, 2], vec![1, 1, 1], vec![0], vec![1.0]));
    assert!(matches!(err, SparseError::IndptrStart(1)), "{err}");
    let err = e(CsrMatrix::new(
        [2, 2],
        vec![0, 2, 1],
        vec![0, 1],
        vec![1.0, 1.0],
    ));
    assert!(
        matches!(
            err,
            SparseError::IndptrNotMonotone {
                pos: 2,
                prev: 2,
                next: 1
            }
        ),
        "{err}"
    );
    let err = e(CsrMatrix::new(
        [2, 2],
        vec![0, 1, 3],
        vec![0, 1],
        vec![1.0, 1.0],
    ));
    assert!(
        matches!(err, SparseError::IndptrEnd { end: 3, nnz: 2 }),
        "{err}"
    );
    let err = e(CsrMatrix::new(
        [2, 2],
        vec![0, 1, 2],
        vec![0, 2],
        vec![1.0, 1.0],
    ));
    assert!(
        matches!(
            err,
            SparseError::IndexOutOfRange {
                pos: 1,
                index: 2,
                bound: 2,
                ..
            }
        ),
        "{err}"
    );
    assert!(err.to_string().contains("index 2"), "{err}");
    let err = e(CsrMatrix::new([2, 2], vec![0, 1, 2], vec![0, 1], vec![1.0]));
    assert!(
        matches!(
            err,
            SparseError::LengthMismatch {
                expected: 2,
                found: 1,
                ..
            }
        ),
        "{err}"
    );
    let err = CscMatrix::<f64>::new([2, 3], vec![0, 1, 1], vec![0], vec![1.0]).unwrap_err();
    assert!(
        matches!(err, SparseError::IndptrLength { expected: 4, .. }),
        "{err}"
    );
    let err = CscMatrix::<f64>::new([2, 1], vec![0, 1], vec![5], vec![1.0]).unwrap_err();
    assert!(
        matches!(err, SparseError::IndexOutOfRange { what: "row", .. }),
        "{err}"
    );
    let err = CooMatrix::<f64>::new([2, 2], vec![0, 1], vec![0], vec![1.0, 2.0]).unwrap_err();
    assert!(
        matches!(err, SparseError::LengthMismatch { what: "col", .. }),
        "{err}"
    );
    let err = CooMatrix::<f64>::new([2, 2], vec![0, 1], vec![0, 1], vec![1.0]).unwrap_err();
    assert!(
        matches!(err, SparseError::LengthMismatch { what: "data", .. }),
        "{err}"
    );
    let err = CooMatrix::<f64>::new([2, 2], vec![0, 2], vec![0, 1], vec![1.0, 2.0]).unwrap_err();
    assert!(
        matches!(
            err,
            SparseError::IndexOutOfRange {
                what: "row",
                index: 2,
                ..
            }
        ),
        "{err}"
    );
    let err = CooMatrix::<f64>::new([2, 2], vec![0, 1], vec![0, 7], vec![1.0, 2.0]).unwrap_err();
    assert!(matches!(
        err,
        SparseError::IndexOutOfRange {
            what: "column",
            index: 7,
            ..
        }
    ));
    let err = BsrMatrix::<f64>::new([4, 4], [3, 2], vec![0], vec![], vec![]).unwrap_err();
    assert!(
        matches!(err, SparseError::BlockShape { r: 3, c: 2, .. }),
        "{err}"
    );
    let err = BsrMatrix::<f64>::new([4, 4], [0, 2], vec![0], vec![], vec![]).unwrap_err();
    assert!(matches!(err, SparseError::BlockShape { r: 0, .. }), "{err}");
    let err =
        BsrMatrix::<f64>::new([4, 4], [2, 2], vec![0, 1, 1], vec![0], vec![1.0; 3]).unwrap_err();
    assert!(matches!(
        err,
        SparseError::LengthMismatch {
            expected: 4,
            found: 3,
            ..
        }
    ));
    let err =
        BsrMatrix::<f64>::new([4, 4], [2, 2], vec![0, 1, 1], vec![2], vec![1.0; 4]).unwrap_err();
    assert!(matches!(
        err,
        SparseError::IndexOutOfRange {
            what: "block column",
            ..
        }
    ));
    let err = BsrMatrix::<f64>::from_csr(&CsrMatrix::zeros([3, 3]), [2, 1]).unwrap_err();
    assert!(matches!(err, SparseError::BlockShape { .. }), "{err}");
    let err = DiaMatrix::<f64>::new([3, 3], vec![0, 1], 3, vec![1.0; 5]).unwrap_err();
    assert!(matches!(
        err,
        SparseError::LengthMismatch {
            expected: 6,
            found: 5,
            ..
        }
    ));
    let err = DiaMatrix::<f64>::new([3, 3], vec![1, 1], 3, vec![1.0; 6]).unwrap_err();
    assert!(
        matches!(err, SparseError::BadInteger { value: 1, .. }),
        "{err}"
    );
    let mut lil = LilMatrix::<f64>::zeros([2, 2]);
    assert!(matches!(
        lil.set(2, 0, 1.0).unwrap_err(),
        SparseError::IndexOutOfRange {
            what: "row",
            index: 2,
            bound: 2,
            ..
        }
    ));
    let mut dok = DokMatrix::<f64>::zeros([2, 2]);
    assert!(matches!(
        dok.set(0, 5, 1.0).unwrap_err(),
        SparseError::IndexOutOfRange {
            what: "column",
            index: 5,
            ..
        }
    ));
    // to_dense of a shape whose element count overflows
    let huge = CscMatrix::<f64>::new([usize::MAX / 2, 2], vec![0, 0, 0], vec![], vec![]).unwrap();
    let err = huge.to_dense().unwrap_err();
    assert!(
        matches!(err, SparseError::ShapeOverflow { cols: 2, .. }),
        "{err}"
    );
    let core: ooc_core::Error = err.into();
    assert!(core.to_string().contains("sparse"), "{core}");
}

#[test]
fn spmv_dimension_mismatch_names_both() {
    let a = ooc_sparse::random_csr::<f64>(3, 4, 0.5, 1, Par::Seq).unwrap();
    for f in Format::ALL {
        let m = AnySparse::from_csr(a.clone(), f).unwrap();
        let mut y = vec![0.0; 3];
        let err = m.spmv(&[1.0; 3], &mut y, Par::Seq).unwrap_err();
        assert!(
            matches!(
                err,
                SparseError::DimensionMismatch {
                    what: "x",
                    expected: 4,
                    found: 3,
                    ..
                }
            ),
            "{f:?}: {err}"
        );
        let mut y = vec![0.0; 5];
        let err = m.spmv(&[1.0; 4], &mut y, Par::Seq).unwrap_err();
        assert!(
            matches!(
                err,
                SparseError::DimensionMismatch {
                    what: "y",
                    expected: 3,
                    found: 5,
                    ..
                }
            ),
            "{f:?}: {err}"
        );
        assert!(err.to_string().contains("[3, 4]"), "{err}");
    }
}

#[test]
fn dia_refuses_to_explode_and_says_how_big() {
    // An anti-diagonal 300 × 300 matrix has 300 diagonals of width 300.
    let n = 300;
    let a = CsrMatrix::new(
        [n, n],
        (0..=n).collect(),
        (0..n).rev().collect(),
        vec![1.0_f64; n],
    )
    .unwrap();
    let err = DiaMatrix::from_csr_with_limit(&a, 100_000).unwrap_err();
    match &err {
        SparseError::DiaTooLarge {
            bytes,
            diagonals,
            width,
            limit,
        } => {
            assert_eq!(
                (*bytes, *diagonals, *width, *limit),
                (720_000, 300, 300, 100_000)
            );
        }
        other => panic!("{other}"),
    }
    assert!(err.to_string().contains("720000 bytes"), "{err}");
    let ok = DiaMatrix::from_csr_with_limit(&a, 720_000).unwrap();
    assert_eq!(ok.to_csr(), a);
    assert!(matches!(
        AnySparse::from_csr(
            ooc_sparse::random_csr::<f64>(20_000, 20_000, 1e-4, 1, Par::Seq).unwrap(),
            Format::Dia
        ),
        Err(SparseError::DiaTooLarge { .. })
    ));
}

#[test]
fn lil_and_dok_edits_match_a_dense_reference() {
    let mut dense = Array2::<i32>::zeros((4, 5));
    let mut lil = LilMatrix::<i32>::zeros([4, 5]);
    let mut dok = DokMatrix::<i32>::zeros([4, 5]);
    for (k, (i, j, v)) in [
        (1, 2, 5),
        (1, 0, 3),
        (3, 4, 1),
        (1, 2, 0),
        (0, 0, -2),
        (3, 4, 9),
    ]
    .into_iter()
    .enumerate()
    {
        dense[[i, j]] = v;
        lil.set(i, j, v).unwrap();
        dok.set(i, j, v).unwrap();
        assert_eq!(lil.to_dense().unwrap(), dense, "step {k}");
        assert_eq!(dok.to_dense().unwrap(), dense, "step {k}");
    }
    assert_eq!(lil.nnz(), 3);
    assert_eq!(dok.nnz(), 3);
    assert_eq!(lil.to_csr(), dok.to_csr());
}

#[test]
fn read_sparse_rows_serves_blocks() {
    use ooc_core::{CsrBlock, ReadSparseRows};
    let a = ooc_sparse::random_csr::<f32>(17, 9, 0.3, 5, Par::Seq).unwrap();
    assert_eq!(ReadSparseRows::nnz(&a), a.nnz());
    assert_eq!(a.sparse_shape(), [17, 9]);
    assert_eq!(a.row_offsets().unwrap(), a.indptr());
    let mut block = CsrBlock::default();
    let dense = a.to_dense().unwrap();
    for (row0, n) in [(0, 17), (3, 5), (16, 1), (17, 0)] {
        a.read_rows(row0, n, &mut block).unwrap();
        assert_eq!(block.nrows(), n);
        let mut got = Array2::<f32>::zeros((n, 9));
        for r in 0..n {
            for k in block.indptr[r]..block.indptr[r + 1] {
                got[[r, block.indices[k]]] = block.data[k];
            }
        }
        assert_eq!(got, dense.slice(ndarray::s![row0..row0 + n, ..]));
    }
    let err = a.read_rows(10, 8, &mut block).unwrap_err();
    assert!(matches!(err, ooc_core::Error::OutOfBounds { .. }), "{err}");
}

#[test]
fn large_dok_conversion_sums_duplicates_and_matches() {
    // Above the size where DOK inserts in bucket order, canonical and not.
    let a = ooc_sparse::random_csr::<f64>(300, 400, 0.6, 8, Par::Seq).unwrap();
    assert!(a.nnz() > 1 << 16);
    let dok = DokMatrix::from_csr(&a);
    assert_eq!(dok.nnz(), a.nnz());
    assert_eq!(dok.to_csr(), a);
    // Every row twice over, unsorted: a non-canonical matrix of doubled values.
    let (mut indptr, mut indices, mut data) = (vec![0], vec![], Vec::<f64>::new());
    for i in 0..300 {
        let (idx, vals) = a.row(i);
        for _ in 0..2 {
            indices.extend(idx.iter().rev());
            data.extend(vals.iter().rev());
        }
        indptr.push(indices.len());
    }
    let doubled = CsrMatrix::new([300, 400], indptr, indices, data).unwrap();
    assert!(!doubled.is_canonical());
    let dok = DokMatrix::from_csr(&doubled);
    assert_eq!(dok.nnz(), a.nnz());
    assert_eq!(dok.to_dense().unwrap(), a.to_dense().unwrap() * 2.0);
    assert_eq!(
        LilMatrix::from_csr(&doubled).to_dense().unwrap(),
        a.to_dense().unwrap() * 2.0
    );
}

/// Valid matrices whose conversions need memory in proportion to an absurd shape (a DIA
/// of 2⁵⁹ rows, a CSR of 2⁵⁹ columns) give a typed error naming the size, never an
/// abort; the infallible shorthands panic with that message instead.
#[test]
fn absurd_shapes_are_allocation_errors() {
    let huge = 1_usize << 59;
    let pointer_bytes = (huge as u128 + 1) * 8;
    let dia = DiaMatrix::<f64>::new([huge, 4], vec![0, 2], 4, vec![1.0; 8]).unwrap();
    assert_eq!(dia.nnz(), 6);
    let err = dia.try_to_csr().unwrap_err();
    assert!(
        matches!(err, SparseError::Allocation { what: "row pointer", bytes } if bytes == pointer_bytes),
        "{err}"
    );
    assert!(
        err.to_string().contains(&pointer_bytes.to_string()),
        "{err}"
    );
    assert!(dia.to_dense().is_err());
    assert!(dia.transpose().is_err());
    assert!(AnySparse::Dia(dia.clone()).try_into_csr().is_err());
    let panicked = std::panic::catch_unwind(|| dia.to_csr()).unwrap_err();
    let message = panicked.downcast_ref::<String>().unwrap();
    assert!(message.contains(&pointer_bytes.to_string()), "{message}");

    // 2⁵⁹ columns: indices stored as usize; the row form works, the column form cannot.
    let csr = CsrMatrix::new([2, huge], vec![0, 1, 2], vec![3, huge - 1], vec![1.0, 2.0]).unwrap();
    assert!(matches!(csr.indices(), ooc_sparse::IndexSlice::Usize(_)));
    assert_eq!(csr.get(1, huge - 1), Some(2.0));
    assert_eq!(csr.try_to_csr().unwrap(), csr);
    for err in [
        csr.try_transpose().unwrap_err(),
        CscMatrix::try_from_csr(&csr).unwrap_err(),
        AnySparse::from_csr(csr.clone(), Format::Csc).unwrap_err(),
    ] {
        assert!(
            matches!(err, SparseError::Allocation { what: "transposed pointer", bytes } if bytes == pointer_bytes),
            "{err}"
        );
    }
    assert!(csr.to_dense().is_err());

    // Duplicates in a matrix of 2⁵⁹ columns are summed without column-sized scratch.
    let coo = CooMatrix::new(
        [2, huge],
        vec![1, 1, 0],
        vec![huge - 1, huge - 1, 3],
        vec![1.0, 2.0, 4.0],
    )
    .unwrap();
    let summed = coo.try_to_csr().unwrap();
    assert_eq!((summed.nnz(), summed.is_canonical()), (2, true));
    assert_eq!(summed.get(1, huge - 1), Some(3.0));

    let coo = CooMatrix::new([huge, huge], vec![5], vec![7], vec![1.0_f32]).unwrap();
    assert!(matches!(
        coo.try_to_csr(),
        Err(SparseError::Allocation { .. })
    ));
    assert!(CsrMatrix::<f32>::try_zeros([huge, 3]).is_err());
    let mut dok = DokMatrix::<f32>::zeros([huge, 2]);
    dok.set(huge - 1, 1, 3.0).unwrap();
    assert!(matches!(
        dok.try_to_csr(),
        Err(SparseError::Allocation { .. })
    ));
}
