//! [`DiaMatrix`]: diagonal storage — one dense row of values per stored diagonal, as in
//! scipy: `data[k][j]` holds `A[j − offsets[k], j]`. Compact for banded matrices and
//! disastrous for scattered ones (a random 1000 × 100,000 matrix has ~10⁵ diagonals of
//! width 10⁵), so conversion refuses to build a data array above a byte limit
//! ([`DIA_DEFAULT_LIMIT`], or the one given to [`DiaMatrix::from_csr_with_limit`]).

use ndarray::Array2;
use ooc_core::{Element, Footprint, Par};

use crate::alloc;
use crate::csr::{CsrMatrix, check_spmv, dense_zeros};
use crate::error::{Result, SparseError};
use crate::format::SparseMatrix;

/// Largest DIA data array [`DiaMatrix::from_csr`] builds: 1 GiB.
pub const DIA_DEFAULT_LIMIT: usize = 1 << 30;

/// A sparse matrix stored by diagonals.
///
/// ```
/// use ooc_sparse::{CsrMatrix, DiaMatrix, SparseMatrix};
/// // [[1, 2], [0, 3]]: main diagonal and the first superdiagonal.
/// let a = CsrMatrix::new([2, 2], vec![0, 2, 3], vec![0, 1, 1], vec![1, 2, 3])?;
/// let d = DiaMatrix::from_csr(&a)?;
/// assert_eq!(d.offsets(), &[0, 1]);
/// assert_eq!(d.to_csr(), a);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct DiaMatrix<T> {
    shape: [usize; 2],
    offsets: Vec<isize>,
    width: usize,
    data: Vec<T>,
}

/// The columns `j` where diagonal `off` is inside a `rows × min(cols, width)` matrix.
fn diagonal_columns(shape: [usize; 2], width: usize, off: isize) -> std::ops::Range<usize> {
    let cols = shape[1].min(width);
    let start = usize::try_from(off).unwrap_or(0);
    // i = j − off < rows  ⇔  j < rows + off
    let end = if off >= 0 {
        shape[0].saturating_add(off.unsigned_abs())
    } else {
        shape[0].saturating_sub(off.unsigned_abs())
    };
    start.min(cols)..end.min(cols).max(start.min(cols))
}

impl<T: Element> DiaMatrix<T> {
    /// Builds a matrix from distinct diagonal offsets and their values (`width` values per
    /// diagonal, row-major: `data[k * width + j]` is `A[j − offsets[k], j]`). Positions
    /// outside the matrix are ignored, as scipy ignores them.
    ///
    /// # Errors
    /// [`SparseError::LengthMismatch`] when `data` does not hold `offsets.len() × width`
    /// values; [`SparseError::BadInteger`] for a repeated offset.
    pub fn new(shape: [usize; 2], offsets: Vec<isize>, width: usize, data: Vec<T>) -> Result<Self> {
        let expected = offsets.len().checked_mul(width);
        if expected != Some(data.len()) {
            return Err(SparseError::LengthMismatch {
                what: "dia data",
                expected: expected.unwrap_or(usize::MAX),
                found: data.len(),
            });
        }
        let mut sorted = offsets.clone();
        sorted.sort_unstable();
        if let Some(w) = sorted.windows(2).find(|w| w[0] == w[1]) {
            return Err(SparseError::BadInteger {
                what: "repeated dia offset",
                value: i128::from(w[0] as i64),
            });
        }
        Ok(DiaMatrix {
            shape,
            offsets,
            width,
            data,
        })
    }

    /// Converts from CSR, refusing above [`DIA_DEFAULT_LIMIT`] bytes.
    ///
    /// # Errors
    /// [`SparseError::DiaTooLarge`], saying how many bytes it would take.
    pub fn from_csr(csr: &CsrMatrix<T>) -> Result<Self> {
        Self::from_csr_with_limit(csr, DIA_DEFAULT_LIMIT)
    }

    /// Converts from CSR, refusing when the data array would exceed `limit` bytes. The
    /// width is the largest stored column + 1, as scipy makes it.
    ///
    /// # Errors
    /// [`SparseError::DiaTooLarge`], saying how many bytes it would take.
    pub fn from_csr_with_limit(csr: &CsrMatrix<T>, limit: usize) -> Result<Self> {
        let [rows, cols] = csr.shape;
        // Diagonal d = j − i + rows − 1 ∈ [0, rows + cols − 1).
        let mut seen = alloc::filled(
            rows.saturating_add(cols).saturating_sub(1),
            false,
            "diagonal flags",
        )?;
        let mut width = 0;
        for i in 0..rows {
            for j in csr.row(i).0 {
                seen[j + rows - 1 - i] = true;
                width = width.max(j + 1);
            }
        }
        let diagonals = seen.iter().filter(|&&s| s).count();
        let bytes = diagonals as u128 * width as u128 * std::mem::size_of::<T>() as u128;
        if bytes > limit as u128 {
            return Err(SparseError::DiaTooLarge {
                bytes,
                diagonals,
                width,
                limit,
            });
        }
        let mut slot = alloc::filled(seen.len(), usize::MAX, "diagonal slots")?;
        let mut offsets = Vec::with_capacity(diagonals);
        for (d, _) in seen.iter().enumerate().filter(|(_, s)| **s) {
            slot[d] = offsets.len();
            offsets.push(d as isize - (rows as isize - 1));
        }
        let mut data = vec![T::default(); diagonals * width];
        for i in 0..rows {
            let (idx, vals) = csr.row(i);
            for (j, &v) in idx.iter().zip(vals) {
                data[slot[j + rows - 1 - i] * width + j] += v;
            }
        }
        Ok(DiaMatrix {
            shape: csr.shape,
            offsets,
            width,
            data,
        })
    }

    /// Offsets of the stored diagonals (0 main, positive above, negative below).
    #[must_use]
    pub fn offsets(&self) -> &[isize] {
        &self.offsets
    }

    /// Values per stored diagonal.
    #[must_use]
    pub fn width(&self) -> usize {
        self.width
    }

    /// The data array, `offsets.len() × width`, row-major.
    #[must_use]
    pub fn data(&self) -> &[T] {
        &self.data
    }

    /// The element at `(i, j)`, or `None` outside the matrix.
    #[must_use]
    pub fn get(&self, i: usize, j: usize) -> Option<T> {
        if i >= self.shape[0] || j >= self.shape[1] {
            return None;
        }
        let off = j as isize - i as isize;
        Some(match self.offsets.iter().position(|&o| o == off) {
            Some(k) if j < self.width => self.data[k * self.width + j],
            _ => T::default(),
        })
    }

    /// Stores the non-zero elements of a dense array.
    ///
    /// # Errors
    /// As [`DiaMatrix::from_csr`].
    pub fn from_dense(a: &ndarray::ArrayView2<'_, T>) -> Result<Self> {
        Self::from_csr(&CsrMatrix::from_dense(a))
    }

    /// The transpose.
    ///
    /// # Errors
    /// As [`DiaMatrix::from_csr`] (the transpose's data array is as wide as its largest
    /// column).
    pub fn transpose(&self) -> Result<Self> {
        Self::from_csr(&self.try_to_csr()?.try_transpose()?)
    }
}

impl<T: Element> SparseMatrix<T> for DiaMatrix<T> {
    fn shape(&self) -> [usize; 2] {
        self.shape
    }

    /// Every in-bounds position of the stored diagonals, as scipy counts.
    fn nnz(&self) -> usize {
        self.offsets
            .iter()
            .map(|&o| diagonal_columns(self.shape, self.width, o).len())
            .sum()
    }

    /// Zeros on the stored diagonals are dropped, as scipy drops them.
    fn try_to_csr(&self) -> Result<CsrMatrix<T>> {
        let mut order: Vec<usize> = (0..self.offsets.len()).collect();
        order.sort_unstable_by_key(|&k| self.offsets[k]);
        let rows = self.shape[0];
        let cols = self.shape[1].min(self.width);
        let zero = T::default();
        let mut indptr = alloc::with_capacity(rows.saturating_add(1), "row pointer")?;
        let mut indices = Vec::new();
        let mut data = Vec::new();
        indptr.push(0);
        for i in 0..rows {
            for &k in &order {
                let Some(j) = i.checked_add_signed(self.offsets[k]) else {
                    continue;
                };
                if j < cols {
                    let v = self.data[k * self.width + j];
                    if v != zero {
                        indices.push(j);
                        data.push(v);
                    }
                }
            }
            indptr.push(indices.len());
        }
        Ok(CsrMatrix::from_canonical_parts(
            self.shape, indptr, indices, data,
        ))
    }

    fn to_dense(&self) -> Result<Array2<T>> {
        let mut out = dense_zeros(self.shape)?;
        for (k, &o) in self.offsets.iter().enumerate() {
            for j in diagonal_columns(self.shape, self.width, o) {
                out[[j.wrapping_sub(o as usize), j]] += self.data[k * self.width + j];
            }
        }
        Ok(out)
    }

    /// One contiguous pass per diagonal, on the calling thread.
    fn spmv(&self, x: &[T], y: &mut [T], _par: Par) -> Result<()> {
        check_spmv(self.shape, x, y)?;
        y.fill(T::default());
        for (k, &o) in self.offsets.iter().enumerate() {
            let cols = diagonal_columns(self.shape, self.width, o);
            if cols.is_empty() {
                continue;
            }
            let i0 = cols.start.wrapping_sub(o as usize);
            let n = cols.len();
            let vals = &self.data[k * self.width + cols.start..k * self.width + cols.end];
            for ((yi, &a), &b) in y[i0..i0 + n].iter_mut().zip(vals).zip(&x[cols]) {
                *yi += a * b;
            }
        }
        Ok(())
    }
}

impl<T: Element> Footprint for DiaMatrix<T> {
    fn heap_bytes(&self) -> usize {
        self.offsets.capacity() * std::mem::size_of::<isize>()
            + self.data.capacity() * std::mem::size_of::<T>()
    }
}
