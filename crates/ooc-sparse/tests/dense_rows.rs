//! A dense array read as the sparse matrix of its non-zeros gives exactly what converting
//! it to CSR in memory gives: same row pointer, same rows, same spy picture.

use ndarray::Array2;
use ooc_core::{CsrBlock, MemArray, MemoryBudget, ReadSparseRows};
use ooc_sparse::{CsrMatrix, DenseNonzeros, spy_grid};
use proptest::prelude::*;

fn dense() -> impl Strategy<Value = Array2<i32>> {
    (0_usize..9, 0_usize..9).prop_flat_map(|(r, c)| {
        prop::collection::vec(prop::sample::select(vec![0, 0, 0, 1, -2, 7]), r * c)
            .prop_map(move |v| Array2::from_shape_vec((r, c), v).unwrap())
    })
}

proptest! {
    #[test]
    fn matches_the_in_memory_conversion(a in dense(), budget in 1_usize..200, row0 in 0_usize..9, n in 0_usize..9) {
        let mem = MemArray::from_array(a.clone());
        let made = DenseNonzeros::new(&mem, MemoryBudget::new(budget));
        // The row pointer is sized by the rows and must fit the budget.
        if (a.nrows() + 1) * std::mem::size_of::<usize>() > budget {
            let err = made.err().map(|e| e.to_string()).unwrap_or_default();
            prop_assert!(err.contains("row pointer") && err.contains("budget"), "{}", err);
            return Ok(());
        }
        let s = made.unwrap();
        let csr = CsrMatrix::from_dense(&a.view());
        prop_assert_eq!(s.sparse_shape(), csr.shape());
        prop_assert_eq!(s.nnz(), csr.nnz());
        prop_assert_eq!(s.row_offsets().unwrap(), csr.indptr().to_vec());
        let mut got = CsrBlock::default();
        let mut want = CsrBlock::default();
        let result = s.read_rows(row0, n, &mut got);
        if row0 + n <= a.nrows() {
            result.unwrap();
            csr.read_rows(row0, n, &mut want).unwrap();
            prop_assert_eq!(got, want);
        } else {
            prop_assert!(result.is_err());
        }
        prop_assert_eq!(spy_grid(&s, 4, 3).unwrap(), spy_grid(&csr, 4, 3).unwrap());
    }
}

#[test]
fn arrays_that_are_not_matrices_are_refused() {
    let a = MemArray::from_vec(vec![2, 2, 2], vec![1.0_f64; 8]).unwrap();
    let err = DenseNonzeros::new(&a, MemoryBudget::mib(1)).err().unwrap();
    assert!(err.to_string().contains("3 dimensions"), "{err}");
}
