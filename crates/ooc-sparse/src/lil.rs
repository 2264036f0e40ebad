//! [`LilMatrix`]: list of lists — one sorted vector of columns and one of values per row,
//! cheap to edit row by row. Converting from CSR copies each row into a vector of exactly
//! its length (no growth slack).

use ndarray::Array2;
use ooc_core::{Element, Footprint, Par};
use rayon::prelude::*;

use crate::csr::{CsrMatrix, check_spmv, dense_zeros};
use crate::error::{Result, SparseError};
use crate::format::SparseMatrix;
use crate::parallel;
use ooc_core::kernels::sparse_dot;

/// A sparse matrix as per-row sorted lists of columns and values (no duplicates).
///
/// ```
/// use ooc_sparse::{LilMatrix, SparseMatrix};
/// let mut a = LilMatrix::<f64>::zeros([2, 3]);
/// a.set(1, 2, 4.0)?;
/// a.set(1, 0, 1.0)?;
/// assert_eq!(a.row(1).0, &[0, 2]);
/// assert_eq!(a.nnz(), 2);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct LilMatrix<T> {
    shape: [usize; 2],
    rows: Vec<Vec<usize>>,
    data: Vec<Vec<T>>,
}

impl<T: Element> LilMatrix<T> {
    /// A matrix of `shape` with no stored entries.
    #[must_use]
    pub fn zeros(shape: [usize; 2]) -> Self {
        LilMatrix {
            shape,
            rows: vec![Vec::new(); shape[0]],
            data: vec![Vec::new(); shape[0]],
        }
    }

    /// Sets `(i, j)` to `v`; storing zero removes the entry, as scipy does.
    ///
    /// # Errors
    /// [`SparseError::IndexOutOfRange`] when `(i, j)` is outside the matrix.
    pub fn set(&mut self, i: usize, j: usize, v: T) -> Result<()> {
        check_position(self.shape, i, j)?;
        let (cols, vals) = (&mut self.rows[i], &mut self.data[i]);
        match cols.binary_search(&j) {
            Ok(k) if v == T::default() => {
                cols.remove(k);
                vals.remove(k);
            }
            Ok(k) => vals[k] = v,
            Err(_) if v == T::default() => {}
            Err(k) => {
                cols.insert(k, j);
                vals.insert(k, v);
            }
        }
        Ok(())
    }

    /// The element at `(i, j)`, or `None` outside the matrix.
    #[must_use]
    pub fn get(&self, i: usize, j: usize) -> Option<T> {
        if i >= self.shape[0] || j >= self.shape[1] {
            return None;
        }
        let cols = &self.rows[i];
        Some(
            cols.binary_search(&j)
                .map_or(T::default(), |k| self.data[i][k]),
        )
    }

    /// Columns and values of row `i`.
    ///
    /// # Panics
    /// When `i` is not below the row count.
    #[must_use]
    pub fn row(&self, i: usize) -> (&[usize], &[T]) {
        (&self.rows[i], &self.data[i])
    }

    /// Converts from CSR: each row copied into exactly-sized vectors (rows spread over
    /// rayon's pool when there are many entries).
    #[must_use]
    pub fn from_csr(csr: &CsrMatrix<T>) -> Self {
        let canon;
        let csr = if csr.canonical {
            csr
        } else {
            canon = csr.to_canonical();
            &canon
        };
        // Collecting an exact-size iterator allocates exactly: no growth slack anywhere.
        let n = csr.shape[0];
        let (rows, data): (Vec<Vec<usize>>, Vec<Vec<T>>) = if csr.data.len() > 1 << 16 {
            (
                (0..n)
                    .into_par_iter()
                    .map(|i| csr.row(i).0.to_vec())
                    .collect(),
                (0..n)
                    .into_par_iter()
                    .map(|i| csr.row(i).1.to_vec())
                    .collect(),
            )
        } else {
            (
                (0..n).map(|i| csr.row(i).0.to_vec()).collect(),
                (0..n).map(|i| csr.row(i).1.to_vec()).collect(),
            )
        };
        LilMatrix {
            shape: csr.shape,
            rows,
            data,
        }
    }

    /// Stores the non-zero elements of a dense array.
    #[must_use]
    pub fn from_dense(a: &ndarray::ArrayView2<'_, T>) -> Self {
        Self::from_csr(&CsrMatrix::from_dense(a))
    }

    /// The transpose.
    ///
    /// # Panics
    /// When the transpose's `cols + 1` pointer cannot be allocated.
    #[must_use]
    pub fn transpose(&self) -> Self {
        Self::from_csr(&self.to_csr().transpose())
    }
}

/// `IndexOutOfRange` unless `(i, j)` is inside `shape`.
pub(crate) fn check_position(shape: [usize; 2], i: usize, j: usize) -> Result<()> {
    if i >= shape[0] {
        return Err(SparseError::IndexOutOfRange {
            what: "row",
            pos: 0,
            index: i,
            bound: shape[0],
        });
    }
    if j >= shape[1] {
        return Err(SparseError::IndexOutOfRange {
            what: "column",
            pos: 0,
            index: j,
            bound: shape[1],
        });
    }
    Ok(())
}

impl<T: Element> SparseMatrix<T> for LilMatrix<T> {
    fn shape(&self) -> [usize; 2] {
        self.shape
    }

    fn nnz(&self) -> usize {
        self.rows.iter().map(Vec::len).sum()
    }

    fn try_to_csr(&self) -> Result<CsrMatrix<T>> {
        let nnz = self.nnz();
        let mut indptr = Vec::with_capacity(self.shape[0] + 1);
        let mut indices = Vec::with_capacity(nnz);
        let mut data = Vec::with_capacity(nnz);
        indptr.push(0);
        for (c, v) in self.rows.iter().zip(&self.data) {
            indices.extend_from_slice(c);
            data.extend_from_slice(v);
            indptr.push(indices.len());
        }
        Ok(CsrMatrix::from_canonical_parts(
            self.shape, indptr, indices, data,
        ))
    }

    fn to_dense(&self) -> Result<Array2<T>> {
        let mut out = dense_zeros(self.shape)?;
        for (i, (c, v)) in self.rows.iter().zip(&self.data).enumerate() {
            for (&j, &x) in c.iter().zip(v) {
                out[[i, j]] = x;
            }
        }
        Ok(out)
    }

    /// Rows are independent and spread over the pool.
    fn spmv(&self, x: &[T], y: &mut [T], par: Par) -> Result<()> {
        check_spmv(self.shape, x, y)?;
        let row = |(i, yi): (usize, &mut T)| {
            // SAFETY: a LIL matrix's column indices are below its column count, which
            // `check_spmv` compared with `x.len()`.
            *yi = unsafe { sparse_dot(&self.data[i], &self.rows[i], x) };
        };
        parallel::run(par, |parallel| {
            if parallel {
                y.par_iter_mut().enumerate().with_min_len(64).for_each(row);
            } else {
                y.iter_mut().enumerate().for_each(row);
            }
        })
    }
}

impl<T: Element> Footprint for LilMatrix<T> {
    fn heap_bytes(&self) -> usize {
        self.rows.heap_bytes()
            + self.data.capacity() * std::mem::size_of::<Vec<T>>()
            + self
                .data
                .iter()
                .map(|v| v.capacity() * std::mem::size_of::<T>())
                .sum::<usize>()
    }
}
