//! [`CscMatrix`]: compressed sparse columns. Stored as the CSR form of the transpose, so
//! CSR ↔ CSC is one counting-sort transposition and `Aᵀ` of either is free
//! ([`CscMatrix::from_transposed_csr`], [`CscMatrix::into_transposed_csr`]).

use ndarray::Array2;
use ooc_core::{Element, Footprint, Par};

use crate::csr::{CsrMatrix, check_spmv, dense_zeros};
use crate::error::Result;
use crate::format::SparseMatrix;
use crate::index::{Idx, IndexSlice, with_indices};
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
        Ok(CscMatrix {
            t: CsrMatrix::checked([shape[1], shape[0]], indptr, indices, data, "row")?,
        })
    }

    /// Converts from CSR (one transposition; the result is sorted).
    ///
    /// # Panics
    /// When [`CscMatrix::try_from_csr`] fails.
    #[must_use]
    pub fn from_csr(csr: &CsrMatrix<T>) -> Self {
        Self::try_from_csr(csr).unwrap_or_else(|e| panic!("{e}"))
    }

    /// Converts from CSR (one transposition; the result is sorted).
    ///
    /// # Errors
    /// [`crate::SparseError::Allocation`] when the `cols + 1` column pointer cannot be
    /// allocated.
    pub fn try_from_csr(csr: &CsrMatrix<T>) -> Result<Self> {
        Ok(CscMatrix {
            t: csr.try_transpose()?,
        })
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

    /// Row of each stored entry (32-bit unless the matrix has more than 2³² rows).
    #[must_use]
    pub fn indices(&self) -> IndexSlice<'_> {
        self.t.indices.as_slice()
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
    ///
    /// # Panics
    /// When [`CscMatrix::try_transpose`] fails.
    #[must_use]
    pub fn transpose(&self) -> Self {
        self.try_transpose().unwrap_or_else(|e| panic!("{e}"))
    }

    /// The transpose, in CSC form.
    ///
    /// # Errors
    /// As [`SparseMatrix::try_to_csr`].
    pub fn try_transpose(&self) -> Result<Self> {
        Ok(CscMatrix {
            t: self.try_to_csr()?,
        })
    }
}

impl<T: Element> SparseMatrix<T> for CscMatrix<T> {
    fn shape(&self) -> [usize; 2] {
        [self.t.shape[1], self.t.shape[0]]
    }

    fn nnz(&self) -> usize {
        self.t.data.len()
    }

    fn try_to_csr(&self) -> Result<CsrMatrix<T>> {
        self.t.try_transpose()
    }

    fn to_dense(&self) -> Result<Array2<T>> {
        let mut out = dense_zeros(self.shape())?;
        for j in 0..self.t.shape[0] {
            let (idx, vals) = self.t.row(j);
            for (i, &v) in idx.iter().zip(vals) {
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
                let r = parallel::chunk_range(cols, chunks, c);
                with_indices!(&t.indices, idx => {
                    scatter_columns(&t.indptr[r.start..=r.end], idx, &t.data, &x[r], buf);
                });
            });
        })
    }
}

/// `buf += Σ_j x[j] · column j` for the columns whose pointer slice is `ptr` (one more
/// entry than `xs`), with several columns' entries in flight at once.
fn scatter_columns<T: Element, I: Idx>(
    ptr: &[usize],
    indices: &[I],
    data: &[T],
    xs: &[T],
    buf: &mut [T],
) {
    for (w, &xj) in ptr.windows(2).zip(xs) {
        let (idx, vals) = (&indices[w[0]..w[1]], &data[w[0]..w[1]]);
        let mut i4 = idx.chunks_exact(4);
        let mut v4 = vals.chunks_exact(4);
        for (i, v) in (&mut i4).zip(&mut v4) {
            // SAFETY: row indices were checked to be below the row count at construction
            // and `buf` has exactly that many elements.
            unsafe {
                *buf.get_unchecked_mut(i[0].ix()) += v[0] * xj;
                *buf.get_unchecked_mut(i[1].ix()) += v[1] * xj;
                *buf.get_unchecked_mut(i[2].ix()) += v[2] * xj;
                *buf.get_unchecked_mut(i[3].ix()) += v[3] * xj;
            }
        }
        for (&i, &v) in i4.remainder().iter().zip(v4.remainder()) {
            // SAFETY: as above.
            unsafe { *buf.get_unchecked_mut(i.ix()) += v * xj };
        }
    }
}

impl<T: Element> Footprint for CscMatrix<T> {
    fn heap_bytes(&self) -> usize {
        self.t.heap_bytes()
    }
}

impl<T: Element> CsrMatrix<T> {
    /// Converts to CSC (shorthand for [`CscMatrix::from_csr`]).
    ///
    /// # Panics
    /// When [`CsrMatrix::try_to_csc`] fails.
    #[must_use]
    pub fn to_csc(&self) -> CscMatrix<T> {
        CscMatrix::from_csr(self)
    }

    /// Converts to CSC (shorthand for [`CscMatrix::try_from_csr`]).
    ///
    /// # Errors
    /// As [`CscMatrix::try_from_csr`].
    pub fn try_to_csc(&self) -> Result<CscMatrix<T>> {
        CscMatrix::try_from_csr(self)
    }
}
