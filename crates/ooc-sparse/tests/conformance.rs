//! The shared sparse reader suite (`ooc_core::testing::run_sparse_conformance`) against
//! the in-memory CSR matrix, with both index widths it stores (`u32` for narrow matrices
//! and `usize`).

use ndarray::ArrayView2;
use ooc_core::testing::{SparseConformanceFactory, run_sparse_conformance};
use ooc_core::{Element, Result};
use ooc_sparse::CsrMatrix;

struct InMemoryCsr;

impl SparseConformanceFactory for InMemoryCsr {
    type Rows<T: Element> = CsrMatrix<T>;

    fn create<T: Element>(&mut self, shape: [usize; 2], dense: &[T]) -> Result<CsrMatrix<T>> {
        let view = ArrayView2::from_shape(shape, dense)
            .map_err(|e| ooc_core::Error::Unsupported(e.to_string()))?;
        Ok(CsrMatrix::from_dense(&view))
    }
}

#[test]
fn csr_matrices_conform() {
    run_sparse_conformance(&mut InMemoryCsr);
}
