//! ooc-linalg over ooc-sparse: SpMV on in-memory CSR matrices (random, and from dense
//! data with empty rows) and on CSR groups streamed from HDF5 files (contiguous and
//! chunked + deflate), against a dense ndarray reference, on several budgets and thread
//! counts.

mod common;

use ndarray::{Array1, Array2};
use ooc_anndata::{H5CsrRows, H5SparseOptions, save_anndata};
use ooc_core::{Par, ReadSparseRows};
use ooc_linalg::spmv;
use ooc_sparse::{CsrMatrix, random_csr};

#[allow(clippy::cast_precision_loss)]
fn vector(n: usize) -> Vec<f64> {
    (0..n).map(|i| (i % 17) as f64 - 8.0).collect()
}

/// SpMV of `a` (any row reader) against the dense form of `csr`.
fn check_rows(a: &dyn ReadSparseRows<f64>, csr: &CsrMatrix<f64>) {
    let [m, n] = csr.shape();
    let mut dense = Array2::<f64>::zeros((m, n));
    for i in 0..m {
        let (cols, vals) = csr.row(i);
        for (j, &v) in cols.iter().zip(vals) {
            dense[[i, j]] += v;
        }
    }
    let x = Array1::from(vector(n));
    let expected = dense.dot(&x);
    for opts in common::options(&[16 << 10, 1 << 20]) {
        let mut y = vec![0.0; m];
        spmv(a, x.as_slice().unwrap(), &mut y, &opts).unwrap();
        for (i, (got, want)) in y.iter().zip(&expected).enumerate() {
            assert!(
                (got - want).abs() <= 1e-9 * want.abs().max(1.0),
                "row {i}: {got} vs {want} ({opts:?})"
            );
        }
    }
}

#[test]
fn spmv_on_random_csr_matches_dense_reference() {
    for (m, n, density, seed) in [(500, 300, 0.05, 1), (1, 50, 0.5, 2), (40, 1, 0.3, 3)] {
        let csr = random_csr::<f64>(m, n, density, seed, Par::Seq).unwrap();
        check(&csr);
    }
}

#[test]
fn spmv_on_csr_with_empty_rows_matches_dense_reference() {
    #[allow(clippy::cast_precision_loss)]
    let dense = Array2::from_shape_fn((60, 45), |(i, j)| {
        if i % 3 == 0 || (i * 7 + j * 3) % 5 != 0 {
            0.0
        } else {
            (i + j) as f64 - 40.0
        }
    });
    check(&CsrMatrix::from_dense(&dense.view()));
}

fn check(csr: &CsrMatrix<f64>) {
    check_rows(csr, csr);
}

#[test]
fn spmv_streamed_from_hdf5_csr_groups_matches_dense_reference() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sparse.h5");
    let csr = random_csr::<f64>(700, 400, 0.03, 7, Par::Seq).unwrap();
    let layouts = [
        ("contiguous", H5SparseOptions::default()),
        (
            "chunked",
            H5SparseOptions {
                chunk: Some(1000),
                deflate: Some(4),
            },
        ),
    ];
    for (name, opts) in layouts {
        save_anndata(&path, name, &csr, opts).unwrap();
        let rows = H5CsrRows::<f64>::open_path(&path, name).unwrap();
        assert_eq!(rows.nnz(), csr.nnz());
        check_rows(&rows, &csr);
    }
}
