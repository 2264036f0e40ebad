//! [`CsrMatrix`]: compressed sparse rows, the hub format every other format converts
//! through, with structural validation shared by CSC and BSR, parallel SpMV and in-memory
//! [`ReadSparseRows`].
//!
//! Indices are stored as `usize`: the same type `ooc_core::CsrBlock` streams, so blocks
//! are filled by plain copies. (`u32` would save a third of the memory of an `f64` matrix
//! but caps a dimension at 4·10⁹ and costs a conversion at every block boundary.)
//!
//! Accepted structure: indices within a row may be unsorted and may repeat, as scipy
//! allows; repeated entries mean their sum everywhere (`get`, `to_dense`, SpMV).
//! [`CsrMatrix::is_canonical`] tells whether rows are strictly increasing, and
//! conversions produce canonical output.

use ndarray::{Array2, ArrayView2};
use ooc_core::{CsrBlock, Element, Footprint, Par, ReadSparseRows};
use rayon::prelude::*;

use crate::error::{Result, SparseError};
use crate::format::SparseMatrix;
use crate::parallel;

/// A sparse matrix in compressed sparse row form.
///
/// ```
/// use ooc_sparse::{CsrMatrix, SparseMatrix};
/// use ooc_core::Par;
/// // [[1, 0, 2],
/// //  [0, 0, 3]]
/// let a = CsrMatrix::new([2, 3], vec![0, 2, 3], vec![0, 2, 2], vec![1.0, 2.0, 3.0])?;
/// assert_eq!(a.get(0, 2), Some(2.0));
/// let mut y = [0.0; 2];
/// a.spmv(&[1.0, 1.0, 1.0], &mut y, Par::Seq)?;
/// assert_eq!(y, [3.0, 3.0]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct CsrMatrix<T> {
    pub(crate) shape: [usize; 2],
    pub(crate) indptr: Vec<usize>,
    pub(crate) indices: Vec<usize>,
    pub(crate) data: Vec<T>,
    pub(crate) canonical: bool,
}

/// Checks a compressed structure (CSR rows, CSC columns, BSR block rows): `indptr` has
/// `major + 1` entries, starts at 0, never decreases and ends at `indices.len()`, every
/// index is below `minor`, and `data_len` matches. Returns whether every major slice is
/// strictly increasing (sorted, no duplicates).
pub(crate) fn validate_compressed(
    major: usize,
    minor: usize,
    indptr: &[usize],
    indices: &[usize],
    data_len: usize,
    what: &'static str,
) -> Result<bool> {
    validate_indptr(major, indptr, indices.len())?;
    if data_len != indices.len() {
        return Err(SparseError::LengthMismatch {
            what: "data",
            expected: indices.len(),
            found: data_len,
        });
    }
    if let Some(pos) = indices.iter().position(|&j| j >= minor) {
        return Err(SparseError::IndexOutOfRange {
            what,
            pos,
            index: indices[pos],
            bound: minor,
        });
    }
    Ok(indptr
        .windows(2)
        .all(|w| indices[w[0]..w[1]].windows(2).all(|p| p[0] < p[1])))
}

/// Checks a row (or column) pointer: `major + 1` entries, starting at 0, never
/// decreasing, ending at `nnz`.
pub(crate) fn validate_indptr(major: usize, indptr: &[usize], nnz: usize) -> Result<()> {
    let expected = major.checked_add(1).ok_or(SparseError::ShapeOverflow {
        rows: major,
        cols: 0,
    })?;
    if indptr.len() != expected {
        return Err(SparseError::IndptrLength {
            expected,
            found: indptr.len(),
        });
    }
    if indptr[0] != 0 {
        return Err(SparseError::IndptrStart(indptr[0]));
    }
    for (pos, w) in indptr.windows(2).enumerate() {
        if w[1] < w[0] {
            return Err(SparseError::IndptrNotMonotone {
                pos: pos + 1,
                prev: w[0],
                next: w[1],
            });
        }
    }
    let end = indptr[major];
    if end != nnz {
        return Err(SparseError::IndptrEnd { end, nnz });
    }
    Ok(())
}

/// Transposes a compressed structure (counting sort on the minor index). The output is
/// canonical when the input has no duplicates, and sorted (duplicates adjacent) always.
pub(crate) fn transpose_compressed<T: Element>(
    major: usize,
    minor: usize,
    indptr: &[usize],
    indices: &[usize],
    data: &[T],
) -> (Vec<usize>, Vec<usize>, Vec<T>) {
    let nnz = indices.len();
    let mut counts = vec![0_usize; minor + 1];
    for &j in indices {
        counts[j + 1] += 1;
    }
    for k in 0..minor {
        counts[k + 1] += counts[k];
    }
    let out_ptr = counts.clone();
    let mut next = counts;
    let mut out_idx = vec![0_usize; nnz];
    let mut out_data = vec![T::default(); nnz];
    for i in 0..major {
        let (s, e) = (indptr[i], indptr[i + 1]);
        for (&j, &v) in indices[s..e].iter().zip(&data[s..e]) {
            let dst = next[j];
            out_idx[dst] = i;
            out_data[dst] = v;
            next[j] += 1;
        }
    }
    (out_ptr, out_idx, out_data)
}

/// Sorts each major slice and sums duplicates, in place of a copy.
fn canonical_parts<T: Element>(
    major: usize,
    minor: usize,
    indptr: &[usize],
    indices: &[usize],
    data: &[T],
) -> (Vec<usize>, Vec<usize>, Vec<T>) {
    let (tp, ti, td) = transpose_compressed(major, minor, indptr, indices, data);
    let (p, i, d) = transpose_compressed(minor, major, &tp, &ti, &td);
    let mut out_ptr = Vec::with_capacity(major + 1);
    let mut out_idx = Vec::with_capacity(i.len());
    let mut out_data = Vec::with_capacity(d.len());
    out_ptr.push(0);
    for r in 0..major {
        let (s, e) = (p[r], p[r + 1]);
        for (&j, &v) in i[s..e].iter().zip(&d[s..e]) {
            if out_idx.len() > out_ptr[r] && out_idx.last() == Some(&j) {
                if let Some(last) = out_data.last_mut() {
                    *last += v;
                }
            } else {
                out_idx.push(j);
                out_data.push(v);
            }
        }
        out_ptr.push(out_idx.len());
    }
    out_idx.shrink_to_fit();
    out_data.shrink_to_fit();
    (out_ptr, out_idx, out_data)
}

/// `Σ data[k] · x[indices[k]]` with four accumulators.
#[inline]
pub(crate) fn sparse_dot<T: Element>(data: &[T], indices: &[usize], x: &[T]) -> T {
    debug_assert!(indices.iter().all(|&j| j < x.len()));
    let mut acc = [T::default(); 4];
    let mut d4 = data.chunks_exact(4);
    let mut i4 = indices.chunks_exact(4);
    for (d, i) in (&mut d4).zip(&mut i4) {
        for k in 0..4 {
            // SAFETY: every stored index was checked to be below the column count when the
            // matrix was built, and callers check `x.len()` equals the column count.
            acc[k] += d[k] * unsafe { *x.get_unchecked(i[k]) };
        }
    }
    for (&d, &i) in d4.remainder().iter().zip(i4.remainder()) {
        // SAFETY: as above.
        acc[0] += d * unsafe { *x.get_unchecked(i) };
    }
    (acc[0] + acc[1]) + (acc[2] + acc[3])
}

/// Checks `x` and `y` lengths for `y = A·x` with `A` of `shape`.
pub(crate) fn check_spmv<T>(shape: [usize; 2], x: &[T], y: &[T]) -> Result<()> {
    let [rows, cols] = shape;
    if x.len() != cols {
        return Err(SparseError::DimensionMismatch {
            what: "x",
            expected: cols,
            found: x.len(),
            rows,
            cols,
        });
    }
    if y.len() != rows {
        return Err(SparseError::DimensionMismatch {
            what: "y",
            expected: rows,
            found: y.len(),
            rows,
            cols,
        });
    }
    Ok(())
}

/// A zeroed dense array of `shape`, or an error when its size overflows.
pub(crate) fn dense_zeros<T: Element>(shape: [usize; 2]) -> Result<Array2<T>> {
    let [rows, cols] = shape;
    let fits = rows
        .checked_mul(cols)
        .and_then(|n| n.checked_mul(std::mem::size_of::<T>()))
        .is_some_and(|bytes| isize::try_from(bytes).is_ok());
    if !fits {
        return Err(SparseError::ShapeOverflow { rows, cols });
    }
    // `vec!` of a zero number asks the allocator for zeroed pages (no explicit fill).
    let zeros = vec![T::default(); rows * cols];
    Array2::from_shape_vec((rows, cols), zeros)
        .map_err(|_| SparseError::ShapeOverflow { rows, cols })
}

impl<T: Element> CsrMatrix<T> {
    /// Builds a matrix from its three arrays after checking their structure.
    ///
    /// # Errors
    /// [`SparseError::IndptrLength`], [`SparseError::IndptrStart`],
    /// [`SparseError::IndptrNotMonotone`], [`SparseError::IndptrEnd`],
    /// [`SparseError::LengthMismatch`] or [`SparseError::IndexOutOfRange`], naming the
    /// offending values.
    pub fn new(
        shape: [usize; 2],
        indptr: Vec<usize>,
        indices: Vec<usize>,
        data: Vec<T>,
    ) -> Result<Self> {
        let canonical =
            validate_compressed(shape[0], shape[1], &indptr, &indices, data.len(), "column")?;
        Ok(CsrMatrix {
            shape,
            indptr,
            indices,
            data,
            canonical,
        })
    }

    /// A matrix of `shape` with no stored entries.
    ///
    /// # Panics
    /// When `rows + 1` pointer entries cannot be allocated.
    #[must_use]
    pub fn zeros(shape: [usize; 2]) -> Self {
        CsrMatrix {
            shape,
            indptr: vec![0; shape[0] + 1],
            indices: Vec::new(),
            data: Vec::new(),
            canonical: true,
        }
    }

    /// `[rows, cols]` (also [`SparseMatrix::shape`]).
    #[must_use]
    pub fn shape(&self) -> [usize; 2] {
        self.shape
    }

    /// Stored entries (also [`SparseMatrix::nnz`] and [`ReadSparseRows::nnz`]; this
    /// inherent method spares callers that import both traits an ambiguity).
    #[must_use]
    pub fn nnz(&self) -> usize {
        self.data.len()
    }

    /// Row pointer: `rows + 1` offsets into [`CsrMatrix::indices`] and [`CsrMatrix::data`].
    #[must_use]
    pub fn indptr(&self) -> &[usize] {
        &self.indptr
    }

    /// Column of each stored entry.
    #[must_use]
    pub fn indices(&self) -> &[usize] {
        &self.indices
    }

    /// Value of each stored entry.
    #[must_use]
    pub fn data(&self) -> &[T] {
        &self.data
    }

    /// Takes the matrix apart into `(shape, indptr, indices, data)`.
    #[must_use]
    pub fn into_parts(self) -> ([usize; 2], Vec<usize>, Vec<usize>, Vec<T>) {
        (self.shape, self.indptr, self.indices, self.data)
    }

    /// Whether every row's indices are strictly increasing (sorted, no duplicates).
    #[must_use]
    pub fn is_canonical(&self) -> bool {
        self.canonical
    }

    /// The same matrix with sorted rows and duplicates summed (a clone when already so).
    #[must_use]
    pub fn to_canonical(&self) -> Self {
        if self.canonical {
            return self.clone();
        }
        let (indptr, indices, data) = canonical_parts(
            self.shape[0],
            self.shape[1],
            &self.indptr,
            &self.indices,
            &self.data,
        );
        CsrMatrix {
            shape: self.shape,
            indptr,
            indices,
            data,
            canonical: true,
        }
    }

    /// Columns and values stored in row `i`.
    ///
    /// # Panics
    /// When `i` is not below the row count.
    #[must_use]
    pub fn row(&self, i: usize) -> (&[usize], &[T]) {
        let (s, e) = (self.indptr[i], self.indptr[i + 1]);
        (&self.indices[s..e], &self.data[s..e])
    }

    /// The element at `(i, j)` (0 when not stored; duplicates summed), or `None` when the
    /// position is outside the matrix.
    #[must_use]
    pub fn get(&self, i: usize, j: usize) -> Option<T> {
        if i >= self.shape[0] || j >= self.shape[1] {
            return None;
        }
        let (idx, vals) = self.row(i);
        if self.canonical {
            return Some(idx.binary_search(&j).map_or(T::default(), |k| vals[k]));
        }
        let mut sum = T::default();
        for (&c, &v) in idx.iter().zip(vals) {
            if c == j {
                sum += v;
            }
        }
        Some(sum)
    }

    /// Stores the non-zero elements of a dense array.
    #[must_use]
    pub fn from_dense(a: &ArrayView2<'_, T>) -> Self {
        let (rows, cols) = a.dim();
        let zero = T::default();
        let mut indptr = Vec::with_capacity(rows + 1);
        let mut indices = Vec::new();
        let mut data = Vec::new();
        indptr.push(0);
        for row in a.rows() {
            for (j, &v) in row.iter().enumerate() {
                if v != zero {
                    indices.push(j);
                    data.push(v);
                }
            }
            indptr.push(indices.len());
        }
        CsrMatrix {
            shape: [rows, cols],
            indptr,
            indices,
            data,
            canonical: true,
        }
    }

    /// The transpose, as a CSR matrix (rows sorted).
    #[must_use]
    pub fn transpose(&self) -> Self {
        let (indptr, indices, data) = transpose_compressed(
            self.shape[0],
            self.shape[1],
            &self.indptr,
            &self.indices,
            &self.data,
        );
        let canonical = self.canonical;
        let mut t = CsrMatrix {
            shape: [self.shape[1], self.shape[0]],
            indptr,
            indices,
            data,
            canonical,
        };
        if !canonical {
            // Sorted after transposition; only duplicates can break canonical form.
            t.canonical = t
                .indptr
                .windows(2)
                .all(|w| t.indices[w[0]..w[1]].windows(2).all(|p| p[0] < p[1]));
        }
        t
    }
}

impl<T: Element> SparseMatrix<T> for CsrMatrix<T> {
    fn shape(&self) -> [usize; 2] {
        self.shape
    }

    fn nnz(&self) -> usize {
        self.data.len()
    }

    fn to_csr(&self) -> CsrMatrix<T> {
        self.clone()
    }

    fn to_dense(&self) -> Result<Array2<T>> {
        let mut out = dense_zeros(self.shape)?;
        for (i, mut row) in out.rows_mut().into_iter().enumerate() {
            let (idx, vals) = self.row(i);
            for (&j, &v) in idx.iter().zip(vals) {
                row[j] += v;
            }
        }
        Ok(out)
    }

    /// Rows are independent, so they are spread over the pool; each row's sum is computed
    /// the same way on any number of threads.
    fn spmv(&self, x: &[T], y: &mut [T], par: Par) -> Result<()> {
        check_spmv(self.shape, x, y)?;
        let row = |(i, yi): (usize, &mut T)| {
            let (s, e) = (self.indptr[i], self.indptr[i + 1]);
            *yi = sparse_dot(&self.data[s..e], &self.indices[s..e], x);
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

impl<T: Element> Footprint for CsrMatrix<T> {
    fn heap_bytes(&self) -> usize {
        self.indptr.heap_bytes()
            + self.indices.heap_bytes()
            + self.data.capacity() * std::mem::size_of::<T>()
    }
}

impl<T: Element> ReadSparseRows<T> for CsrMatrix<T> {
    fn sparse_shape(&self) -> [usize; 2] {
        self.shape
    }

    fn nnz(&self) -> usize {
        self.data.len()
    }

    fn row_offsets(&self) -> ooc_core::Result<Vec<usize>> {
        Ok(self.indptr.clone())
    }

    fn read_rows(&self, row0: usize, nrows: usize, out: &mut CsrBlock<T>) -> ooc_core::Result<()> {
        let rows = self.shape[0];
        if row0.checked_add(nrows).is_none_or(|end| end > rows) {
            return Err(ooc_core::Error::OutOfBounds {
                start: vec![row0, 0],
                shape: vec![nrows, self.shape[1]],
                array: self.shape.to_vec(),
            });
        }
        out.clear();
        out.row0 = row0;
        let base = self.indptr[row0];
        let end = self.indptr[row0 + nrows];
        out.indptr
            .extend(self.indptr[row0..=row0 + nrows].iter().map(|&p| p - base));
        out.indices.extend_from_slice(&self.indices[base..end]);
        out.data.extend_from_slice(&self.data[base..end]);
        Ok(())
    }
}
