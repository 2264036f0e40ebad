//! [`CooMatrix`]: coordinate (triplet) form — the way matrices are usually assembled.
//! Entries may come in any order and repeat; repeats mean their sum, as in scipy.

use ndarray::Array2;
use ooc_core::{Element, Footprint, Par};

use crate::alloc;
use crate::csr::{CsrMatrix, check_spmv, dense_zeros};
use crate::error::{Result, SparseError};
use crate::format::SparseMatrix;
use crate::index::{SparseIndex, with_indices};
use crate::parallel;

/// A sparse matrix as three parallel arrays: row, column, value.
///
/// ```
/// use ooc_sparse::{CooMatrix, SparseMatrix};
/// let a = CooMatrix::new([2, 2], vec![1, 0, 1], vec![1, 0, 1], vec![2_i64, 5, 3])?;
/// assert_eq!(a.get(1, 1), Some(5));
/// assert_eq!(a.to_csr().data(), &[5, 5]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct CooMatrix<T> {
    shape: [usize; 2],
    row: Vec<usize>,
    col: Vec<usize>,
    data: Vec<T>,
}

fn check_indices(what: &'static str, idx: &[usize], bound: usize) -> Result<()> {
    match idx.iter().position(|&i| i >= bound) {
        Some(pos) => Err(SparseError::IndexOutOfRange {
            what,
            pos,
            index: idx[pos],
            bound,
        }),
        None => Ok(()),
    }
}

impl<T: Element> CooMatrix<T> {
    /// Builds a matrix from triplets after checking lengths and ranges.
    ///
    /// # Errors
    /// [`SparseError::LengthMismatch`] when the three arrays differ in length,
    /// [`SparseError::IndexOutOfRange`] for a row or column outside `shape`.
    pub fn new(shape: [usize; 2], row: Vec<usize>, col: Vec<usize>, data: Vec<T>) -> Result<Self> {
        for (what, len) in [("col", col.len()), ("data", data.len())] {
            if len != row.len() {
                return Err(SparseError::LengthMismatch {
                    what,
                    expected: row.len(),
                    found: len,
                });
            }
        }
        check_indices("row", &row, shape[0])?;
        check_indices("column", &col, shape[1])?;
        Ok(CooMatrix {
            shape,
            row,
            col,
            data,
        })
    }

    /// Row of each entry.
    #[must_use]
    pub fn row(&self) -> &[usize] {
        &self.row
    }

    /// Column of each entry.
    #[must_use]
    pub fn col(&self) -> &[usize] {
        &self.col
    }

    /// Value of each entry.
    #[must_use]
    pub fn data(&self) -> &[T] {
        &self.data
    }

    /// The element at `(i, j)` (a linear scan summing repeats), or `None` outside.
    #[must_use]
    pub fn get(&self, i: usize, j: usize) -> Option<T> {
        if i >= self.shape[0] || j >= self.shape[1] {
            return None;
        }
        let mut sum = T::default();
        for ((&r, &c), &v) in self.row.iter().zip(&self.col).zip(&self.data) {
            if r == i && c == j {
                sum += v;
            }
        }
        Some(sum)
    }

    /// Converts from CSR (entries in row order; no copy of structure beyond the arrays).
    #[must_use]
    pub fn from_csr(csr: &CsrMatrix<T>) -> Self {
        let nnz = csr.data.len();
        let mut row = alloc::advised(nnz);
        for (i, w) in csr.indptr.windows(2).enumerate() {
            row.resize(row.len() + (w[1] - w[0]), i);
        }
        let mut col = alloc::advised(nnz);
        with_indices!(&csr.indices, idx => col.extend(idx.iter().map(|&j| j.ix())));
        let mut data = alloc::advised(nnz);
        data.extend_from_slice(&csr.data);
        CooMatrix {
            shape: csr.shape,
            row,
            col,
            data,
        }
    }

    /// Stores the non-zero elements of a dense array.
    #[must_use]
    pub fn from_dense(a: &ndarray::ArrayView2<'_, T>) -> Self {
        Self::from_csr(&CsrMatrix::from_dense(a))
    }

    /// The transpose (rows and columns swapped, no reordering).
    #[must_use]
    pub fn transpose(&self) -> Self {
        CooMatrix {
            shape: [self.shape[1], self.shape[0]],
            row: self.col.clone(),
            col: self.row.clone(),
            data: self.data.clone(),
        }
    }
}

impl<T: Element> SparseMatrix<T> for CooMatrix<T> {
    fn shape(&self) -> [usize; 2] {
        self.shape
    }

    fn nnz(&self) -> usize {
        self.data.len()
    }

    /// A counting sort by row; rows are then sorted and repeats summed if needed.
    fn try_to_csr(&self) -> Result<CsrMatrix<T>> {
        let rows = self.shape[0];
        let mut indptr: Vec<usize> = alloc::zeroed(rows.saturating_add(1), "row pointer")?;
        for &r in &self.row {
            indptr[r + 1] += 1;
        }
        for i in 0..rows {
            indptr[i + 1] += indptr[i];
        }
        let mut next = indptr.clone();
        let nnz = self.data.len();
        let mut indices = vec![0_usize; nnz];
        let mut data = vec![T::default(); nnz];
        for ((&r, &c), &v) in self.row.iter().zip(&self.col).zip(&self.data) {
            let dst = next[r];
            indices[dst] = c;
            data[dst] = v;
            next[r] += 1;
        }
        let csr = CsrMatrix::from_valid_parts(self.shape, indptr, indices, data);
        if csr.canonical {
            Ok(csr)
        } else {
            csr.try_to_canonical()
        }
    }

    fn to_dense(&self) -> Result<Array2<T>> {
        let mut out = dense_zeros(self.shape)?;
        for ((&r, &c), &v) in self.row.iter().zip(&self.col).zip(&self.data) {
            out[[r, c]] += v;
        }
        Ok(out)
    }

    /// Entries are cut into a fixed number of ranges (set by the matrix, not the pool);
    /// each adds into its own partial `y`, and partials are summed in order.
    fn spmv(&self, x: &[T], y: &mut [T], par: Par) -> Result<()> {
        check_spmv(self.shape, x, y)?;
        let nnz = self.data.len();
        let chunks = parallel::scatter_chunks(nnz, self.shape[0]);
        parallel::run(par, |parallel| {
            parallel::scatter_sum(chunks, y, parallel, |c, buf| {
                let r = parallel::chunk_range(nnz, chunks, c);
                let entries = self.row[r.clone()]
                    .iter()
                    .zip(&self.col[r.clone()])
                    .zip(&self.data[r]);
                for ((&i, &j), &v) in entries {
                    // SAFETY: rows and columns were checked against the shape at
                    // construction; `buf` has `rows` elements and `x` has `cols`.
                    unsafe { *buf.get_unchecked_mut(i) += v * *x.get_unchecked(j) };
                }
            });
        })
    }
}

impl<T: Element> Footprint for CooMatrix<T> {
    fn heap_bytes(&self) -> usize {
        self.row.heap_bytes()
            + self.col.heap_bytes()
            + self.data.capacity() * std::mem::size_of::<T>()
    }
}
