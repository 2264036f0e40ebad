//! [`CscMatrix`]: compressed sparse columns. Stored as the CSR form of the transpose, so
//! CSR ↔ CSC is one counting-sort transposition and `Aᵀ` of either is free
//! ([`CscMatrix::from_transposed_csr`], [`CscMatrix::into_transposed_csr`]).

use ndarray::Array2;
use ooc_core::{Element, Footprint, Par};

use crate::csr::{CsrMatrix, check_spmv, dense_zeros, validate_compressed};
use crate::error::Result;
use crate::format::SparseMatrix;
use crate::parallel;

/// A sparse matrix in compressed sparse column form.
///
/// ```
/// use ooc_sparse::{CscMatrix, CsrMatrix, SparseMatrix};
/// let csr = CsrMatrix::new([2, 3], vec![0, 2, 3], vec![0, 2, 2], vec![1.0, 2.0, 3.0])?;
/// let csc = CscMatrix::from_csr(&csr);
/// assert_eq!(csc.indptr(), &[0, 1, 1, 3]);
/// assert_eq!(csc.to_csr(), csr);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct CscMatrix<T> {
    /// The transpose in CSR form: its rows are our columns.
    pub(crate) t: CsrMatrix<T>,
}

impl<T: Element> CscMatrix<T> {
    /// Builds a matrix from column pointer, row indices and values after checking them
    /// (the same rules as [`CsrMatrix::new`], with columns as the major axis).
    ///
    /// # Errors
    /// As [`CsrMatrix::new`].
    pub fn new(
        shape: [usize; 2],
        indptr: Vec<usize>,
        indices: Vec<usize>,
        data: Vec<T>,
    ) -> Result<Self> {
        let canonical =
            validate_compressed(shape[1], shape[0], &indptr, &indices, data.len(), "row")?;
        Ok(CscMatrix {
            t: CsrMatrix {
                shape: [shape[1], shape[0]],
                indptr,
                indices,
                data,
                canonical,
            },
        })
    }

    /// Converts from CSR (one transposition; the result is sorted).
    #[must_use]
    pub fn from_csr(csr: &CsrMatrix<T>) -> Self {
        CscMatrix { t: csr.transpose() }
    }

    /// `Aᵀ` in CSC form without copying: the CSR arrays of `A` are the CSC arrays of `Aᵀ`.
    #[must_use]
    pub fn from_transposed_csr(a: CsrMatrix<T>) -> Self {
        CscMatrix { t: a }
    }

    /// `Aᵀ` in CSR form without copying.
    #[must_use]
    pub fn into_transposed_csr(self) -> CsrMatrix<T> {
        self.t
    }

    /// Column pointer: `cols + 1` offsets.
    #[must_use]
    pub fn indptr(&self) -> &[usize] {
        &self.t.indptr
    }

    /// Row of each stored entry.
    #[must_use]
    pub fn indices(&self) -> &[usize] {
        &self.t.indices
    }

    /// Value of each stored entry.
    #[must_use]
    pub fn data(&self) -> &[T] {
        &self.t.data
    }

    /// Whether every column's row indices are strictly increasing.
    #[must_use]
    pub fn is_canonical(&self) -> bool {
        self.t.canonical
    }

    /// The element at `(i, j)`, or `None` outside the matrix.
    #[must_use]
    pub fn get(&self, i: usize, j: usize) -> Option<T> {
        self.t.get(j, i)
    }

    /// Stores the non-zero elements of a dense array.
    #[must_use]
    pub fn from_dense(a: &ndarray::ArrayView2<'_, T>) -> Self {
        CscMatrix {
            t: CsrMatrix::from_dense(&a.t()),
        }
    }

    /// The transpose, in CSC form.
    #[must_use]
    pub fn transpose(&self) -> Self {
        CscMatrix { t: self.to_csr() }
    }
}

impl<T: Element> SparseMatrix<T> for CscMatrix<T> {
    fn shape(&self) -> [usize; 2] {
        [self.t.shape[1], self.t.shape[0]]
    }

    fn nnz(&self) -> usize {
        self.t.data.len()
    }

    fn to_csr(&self) -> CsrMatrix<T> {
        self.t.transpose()
    }

    fn to_dense(&self) -> Result<Array2<T>> {
        let mut out = dense_zeros(self.shape())?;
        for j in 0..self.t.shape[0] {
            let (idx, vals) = self.t.row(j);
            for (&i, &v) in idx.iter().zip(vals) {
                out[[i, j]] += v;
            }
        }
        Ok(out)
    }

    /// Columns are cut into a fixed number of ranges (set by the matrix, not the pool);
    /// each adds into its own partial `y`, and partials are summed in order.
    fn spmv(&self, x: &[T], y: &mut [T], par: Par) -> Result<()> {
        let shape = self.shape();
        check_spmv(shape, x, y)?;
        let cols = shape[1];
        let chunks = parallel::scatter_chunks(self.nnz(), shape[0]);
        let t = &self.t;
        parallel::run(par, |parallel| {
            parallel::scatter_sum(chunks, y, parallel, |c, buf| {
                for j in parallel::chunk_range(cols, chunks, c) {
                    let xj = x[j];
                    let (s, e) = (t.indptr[j], t.indptr[j + 1]);
                    for (&i, &v) in t.indices[s..e].iter().zip(&t.data[s..e]) {
                        // SAFETY: row indices were checked to be below the row count at
                        // construction and `buf` has exactly that many elements.
                        unsafe { *buf.get_unchecked_mut(i) += v * xj };
                    }
                }
            });
        })
    }
}

impl<T: Element> Footprint for CscMatrix<T> {
    fn heap_bytes(&self) -> usize {
        self.t.heap_bytes()
    }
}

impl<T: Element> CsrMatrix<T> {
    /// Converts to CSC (shorthand for [`CscMatrix::from_csr`]).
    #[must_use]
    pub fn to_csc(&self) -> CscMatrix<T> {
        CscMatrix::from_csr(self)
    }
}
