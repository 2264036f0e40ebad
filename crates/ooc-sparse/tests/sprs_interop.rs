//! CSR and CSC matrices survive a trip through sprs, and sprs computes the same products.

use ndarray::Array1;
use ooc_core::Par;
use ooc_sparse::{CscMatrix, CsrMatrix, SparseMatrix, random_csr};
use proptest::prelude::*;

fn matrix() -> impl Strategy<Value = CsrMatrix<f64>> {
    (0_usize..12, 0_usize..12, 0.0_f64..=1.0, any::<u64>())
        .prop_map(|(r, c, d, seed)| random_csr::<f64>(r, c, d, seed, Par::Seq).unwrap())
}

trait AbsBound {
    fn abs_spmv_bound(&self, x: &[f64], out: &mut [f64]);
}

impl AbsBound for CsrMatrix<f64> {
    /// `Σ|a_ij · x_j|` per row, times 16: the scale of rounding differences between summation orders.
    fn abs_spmv_bound(&self, x: &[f64], out: &mut [f64]) {
        for (i, o) in out.iter_mut().enumerate() {
            let (cols, vals) = self.row(i);
            *o = cols
                .iter()
                .zip(vals)
                .map(|(j, v)| (v * x[j]).abs())
                .sum::<f64>()
                * 16.0;
        }
    }
}

proptest! {
    #[test]
    fn csr_round_trips_and_multiplies_like_sprs(a in matrix()) {
        let s = a.to_sprs();
        prop_assert_eq!(s.shape(), (a.shape()[0], a.shape()[1]));
        prop_assert_eq!(s.nnz(), a.nnz());
        let back = CsrMatrix::from_sprs(s.clone()).unwrap();
        prop_assert_eq!(back.to_dense().unwrap(), a.to_dense().unwrap());
        #[allow(clippy::cast_precision_loss)]
        let x: Vec<f64> = (0..a.shape()[1]).map(|i| i as f64 - 3.0).collect();
        let mut y = vec![0.0; a.shape()[0]];
        a.spmv(&x, &mut y, Par::Seq).unwrap();
        // Same sums in another order: equal to within rounding.
        let ys = &s * &Array1::from(x.clone());
        let row_abs = {
            let mut v = vec![0.0; a.shape()[0]];
            a.abs_spmv_bound(&x, &mut v);
            v
        };
        for ((got, want), bound) in y.iter().zip(ys.iter()).zip(&row_abs) {
            prop_assert!((got - want).abs() <= 1e-14 * bound.max(1.0), "{got} vs {want}");
        }
    }

    #[test]
    fn csc_round_trips_both_ways(a in matrix()) {
        let csc = CscMatrix::from_csr(&a);
        let s = csc.to_sprs();
        prop_assert!(s.is_csc());
        prop_assert_eq!(CscMatrix::from_sprs(s.clone()).unwrap().to_dense().unwrap(), a.to_dense().unwrap());
        // Storage of the other kind is converted.
        prop_assert_eq!(CsrMatrix::from_sprs(s).unwrap().to_dense().unwrap(), a.to_dense().unwrap());
        prop_assert_eq!(CscMatrix::from_sprs(a.to_sprs()).unwrap().to_dense().unwrap(), a.to_dense().unwrap());
    }
}

#[test]
fn duplicates_and_unsorted_rows_become_canonical_for_sprs() {
    let a = CsrMatrix::new([1, 3], vec![0, 3], vec![2, 0, 2], vec![1.0, 2.0, 4.0]).unwrap();
    let s = a.to_sprs();
    assert_eq!(s.indices(), &[0, 2]);
    assert_eq!(s.data(), &[2.0, 5.0]);
}
