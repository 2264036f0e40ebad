//! [`CsrMatrix`]: compressed sparse rows, the hub format every other format converts
//! through, with structural validation shared by CSC and BSR, parallel SpMV and in-memory
//! [`ReadSparseRows`].
//!
//! Column indices are stored in 32 bits whenever the column count allows (see
//! [`crate::index`]), as scipy stores them: an `f64` matrix takes 12 bytes per entry, not
//! 16, and SpMV, which only streams the arrays, runs that much faster. Row pointers stay
//! `usize` (one per row, they cost nothing in the inner loops).
//!
//! Accepted structure: indices within a row may be unsorted and may repeat, as scipy
//! allows; repeated entries mean their sum everywhere (`get`, `to_dense`, SpMV).
//! [`CsrMatrix::is_canonical`] tells whether rows are strictly increasing, and
//! conversions produce canonical output.

use ndarray::{Array2, ArrayView2};
use ooc_core::kernels::sparse_dot;
use ooc_core::{CsrBlock, Element, Footprint, Par, ReadSparseRows};
use rayon::prelude::*;

use crate::alloc;
use crate::error::{Result, SparseError};
use crate::format::SparseMatrix;
use crate::index::{
    Idx, IndexSlice, IndexVec, SparseIndex, rows_strictly_increasing, with_indices, with_slice,
};
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
    pub(crate) indices: IndexVec,
    pub(crate) data: Vec<T>,
    pub(crate) canonical: bool,
}

/// Checks a compressed structure (CSR rows, CSC columns, BSR block rows): `indptr` has
/// `major + 1` entries, starts at 0, never decreases and ends at `indices.len()`, every
/// index is below `minor`, and `data_len` matches. Returns whether every major slice is
/// strictly increasing (sorted, no duplicates).
pub(crate) fn validate_compressed<I: Idx>(
    major: usize,
    minor: usize,
    indptr: &[usize],
    indices: &[I],
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
    if let Some(pos) = indices.iter().position(|&j| j.ix() >= minor) {
        return Err(SparseError::IndexOutOfRange {
            what,
            pos,
            index: indices[pos].ix(),
            bound: minor,
        });
    }
    Ok(rows_strictly_increasing(indptr, indices))
}

/// Checks a row (or column) pointer: `major + 1` entries, starting at 0, never
/// decreasing, ending at `nnz`. Readers of stored matrices call it before trusting a
/// pointer they read.
///
/// ```
/// use ooc_sparse::{SparseError, validate_indptr};
/// validate_indptr(2, &[0, 1, 3], 3)?;
/// assert!(matches!(validate_indptr(2, &[0, 2, 1], 1), Err(SparseError::IndptrNotMonotone { pos: 2, .. })));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
/// [`SparseError::IndptrLength`], [`SparseError::IndptrStart`],
/// [`SparseError::IndptrNotMonotone`] or [`SparseError::IndptrEnd`] naming the values;
/// [`SparseError::ShapeOverflow`] when `major + 1` overflows.
pub fn validate_indptr(major: usize, indptr: &[usize], nnz: usize) -> Result<()> {
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
/// canonical when the input has no duplicates, and sorted (duplicates adjacent) always;
/// its indices (old major positions) are stored at the width `major` calls for.
pub(crate) fn transpose_compressed<T: Element>(
    major: usize,
    minor: usize,
    indptr: &[usize],
    indices: &IndexVec,
    data: &[T],
) -> Result<(Vec<usize>, IndexVec, Vec<T>)> {
    let nnz = indices.len();
    let counts = alloc::filled(minor.saturating_add(1), 0, "transposed pointer")?;
    let mut out_idx = IndexVec::try_zeros(nnz, major)?;
    let mut out_data = alloc::zeroed(nnz, "transposed values")?;
    let out_ptr = with_indices!(indices, src => with_indices!(&mut out_idx, dst => {
        transpose_into(indptr, src, data, counts, dst, &mut out_data)
    }));
    Ok((out_ptr, out_idx, out_data))
}

/// [`transpose_compressed`] for one pair of index widths; returns the new pointer.
/// `counts` is zeroed, one longer than the minor extent.
fn transpose_into<T: Element, I: Idx, J: Idx>(
    indptr: &[usize],
    indices: &[I],
    data: &[T],
    mut counts: Vec<usize>,
    out_idx: &mut [J],
    out_data: &mut [T],
) -> Vec<usize> {
    let minor = counts.len() - 1;
    let major = indptr.len().saturating_sub(1);
    for &j in indices {
        counts[j.ix() + 1] += 1;
    }
    for k in 0..minor {
        counts[k + 1] += counts[k];
    }
    let out_ptr = counts.clone();
    let mut next = counts;
    for i in 0..major {
        let (s, e) = (indptr[i], indptr[i + 1]);
        let entry = J::from_ix(i);
        for (&j, &v) in indices[s..e].iter().zip(&data[s..e]) {
            let dst = next[j.ix()];
            out_idx[dst] = entry;
            out_data[dst] = v;
            next[j.ix()] += 1;
        }
    }
    out_ptr
}

/// Sorts each major slice and sums duplicates, in place of a copy. Two counting-sort
/// transpositions when the minor extent is within the entry count; otherwise a sort per
/// slice, so that no scratch in proportion to a huge minor extent is needed. Both keep
/// duplicates in stored order, so sums are the same either way.
fn canonical_parts<T: Element>(
    major: usize,
    minor: usize,
    indptr: &[usize],
    indices: &IndexVec,
    data: &[T],
) -> Result<(Vec<usize>, IndexVec, Vec<T>)> {
    let mut out_ptr = Vec::with_capacity(major + 1);
    let mut out_idx = IndexVec::with_capacity(indices.len(), minor);
    let mut out_data = Vec::with_capacity(data.len());
    if minor > indices.len() {
        with_indices!(indices, src => with_indices!(&mut out_idx, dst => {
            sort_and_sum(indptr, src, data, &mut out_ptr, dst, &mut out_data);
        }));
    } else {
        let (tp, ti, td) = transpose_compressed(major, minor, indptr, indices, data)?;
        let (p, i, d) = transpose_compressed(minor, major, &tp, &ti, &td)?;
        drop((tp, ti, td));
        with_indices!(&i, src => with_indices!(&mut out_idx, dst => {
            sum_duplicates(&p, src, &d, &mut out_ptr, dst, &mut out_data);
        }));
    }
    out_idx.shrink_to_fit();
    out_data.shrink_to_fit();
    Ok((out_ptr, out_idx, out_data))
}

/// Sorts each major slice (stably, so duplicates stay in stored order) and sums runs of
/// equal indices.
fn sort_and_sum<T: Element, I: Idx, J: Idx>(
    indptr: &[usize],
    indices: &[I],
    data: &[T],
    out_ptr: &mut Vec<usize>,
    out_idx: &mut Vec<J>,
    out_data: &mut Vec<T>,
) {
    let mut row: Vec<(I, T)> = Vec::new();
    out_ptr.push(0);
    for w in indptr.windows(2) {
        row.clear();
        row.extend(
            indices[w[0]..w[1]]
                .iter()
                .copied()
                .zip(data[w[0]..w[1]].iter().copied()),
        );
        row.sort_by_key(|e| e.0);
        append_summed(row.iter().copied(), out_idx, out_data);
        out_ptr.push(out_idx.len());
    }
}

/// Copies sorted major slices, summing runs of equal indices.
fn sum_duplicates<T: Element, I: Idx, J: Idx>(
    indptr: &[usize],
    indices: &[I],
    data: &[T],
    out_ptr: &mut Vec<usize>,
    out_idx: &mut Vec<J>,
    out_data: &mut Vec<T>,
) {
    out_ptr.push(0);
    for w in indptr.windows(2) {
        let entries = indices[w[0]..w[1]].iter().copied();
        append_summed(
            entries.zip(data[w[0]..w[1]].iter().copied()),
            out_idx,
            out_data,
        );
        out_ptr.push(out_idx.len());
    }
}

/// Appends one major slice's entries, sorted by index, summing runs of equal indices.
fn append_summed<T: Element, I: Idx, J: Idx>(
    entries: impl Iterator<Item = (I, T)>,
    out_idx: &mut Vec<J>,
    out_data: &mut Vec<T>,
) {
    let slice_start = out_idx.len();
    for (j, v) in entries {
        let j = J::from_ix(j.ix());
        if out_idx.len() > slice_start && out_idx.last() == Some(&j) {
            if let Some(last) = out_data.last_mut() {
                *last += v;
            }
        } else {
            out_idx.push(j);
            out_data.push(v);
        }
    }
}

/// Row ranges of about equal stored entries (`parts` of them at most, never empty), so
/// a parallel row product gives each task the same work whatever the row lengths.
pub(crate) fn balanced_rows(indptr: &[usize], parts: usize) -> Vec<std::ops::Range<usize>> {
    let rows = indptr.len().saturating_sub(1);
    let nnz = indptr.last().copied().unwrap_or(0);
    let parts = parts.clamp(1, rows.max(1));
    let mut out = Vec::with_capacity(parts);
    let mut start = 0;
    for p in 1..=parts {
        // The row boundary nearest the p-th share of the entries; rows weigh one entry
        // more than they hold so that empty rows also spread.
        let goal = (u128::from(p as u64) * (nnz + rows) as u128 / parts as u128) as usize;
        let end = if p == parts {
            rows
        } else {
            let weight = |r: usize| indptr[r] + r;
            let mut lo = start;
            let mut hi = rows;
            while lo < hi {
                let mid = lo + (hi - lo) / 2;
                if weight(mid) < goal {
                    lo = mid + 1;
                } else {
                    hi = mid;
                }
            }
            // The boundary nearest the goal, before or after it.
            if lo > start && goal - weight(lo - 1) < weight(lo) - goal {
                lo - 1
            } else {
                lo
            }
        };
        if end > start {
            out.push(start..end);
            start = end;
        }
    }
    out
}

/// `y[i] = row i · x` for every row of a CSR structure, on the pool when `parallel`:
/// rows are cut into ranges of equal entries, each computed by one task, row by row with
/// [`sparse_dot`] (so each `y[i]` is the same on any number of threads).
pub(crate) fn csr_rows_product<T: Element, I: Idx>(
    indptr: &[usize],
    indices: &[I],
    data: &[T],
    x: &[T],
    y: &mut [T],
    parallel: bool,
) {
    let run = |row0: usize, ys: &mut [T]| {
        let ptr = &indptr[row0..=row0 + ys.len()];
        for (w, yi) in ptr.windows(2).zip(ys.iter_mut()) {
            // SAFETY: the matrix's indices are below its column count, which the caller
            // checked against `x.len()`.
            *yi = unsafe { sparse_dot(&data[w[0]..w[1]], &indices[w[0]..w[1]], x) };
        }
    };
    let nnz = data.len();
    if !parallel || nnz < MIN_PARALLEL_NNZ {
        run(0, y);
        return;
    }
    let ranges = balanced_rows(indptr, rayon::current_num_threads() * TASKS_PER_THREAD);
    let mut tasks = Vec::with_capacity(ranges.len());
    let mut rest = y;
    for r in ranges {
        let (head, tail) = std::mem::take(&mut rest).split_at_mut(r.len());
        tasks.push((r.start, head));
        rest = tail;
    }
    tasks.into_par_iter().for_each(|(row0, ys)| run(row0, ys));
}

/// Fewest stored entries worth spreading over a pool.
const MIN_PARALLEL_NNZ: usize = 1 << 15;
/// Row ranges per pool thread (a few, so an unlucky slow thread does not hold up the rest).
const TASKS_PER_THREAD: usize = 4;

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

/// Checks that rows `row0..row0 + nrows` lie inside a matrix of `shape`, as
/// [`ooc_core::ReadSparseRows::read_rows`] implementations must.
///
/// ```
/// use ooc_sparse::check_row_range;
/// check_row_range([3, 4], 1, 2)?;
/// assert!(check_row_range([3, 4], 2, 2).is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
/// [`ooc_core::Error::OutOfBounds`] naming the requested rows and the shape.
pub fn check_row_range(shape: [usize; 2], row0: usize, nrows: usize) -> ooc_core::Result<()> {
    if row0.checked_add(nrows).is_none_or(|end| end > shape[0]) {
        return Err(ooc_core::Error::OutOfBounds {
            start: vec![row0, 0],
            shape: vec![nrows, shape[1]],
            array: shape.to_vec(),
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
    // Zeroed pages from the allocator: no fill pass (every element type is zero bits).
    let zeros = alloc::zeroed(rows * cols, "dense form")?;
    Array2::from_shape_vec((rows, cols), zeros)
        .map_err(|_| SparseError::ShapeOverflow { rows, cols })
}

impl<T: Element> CsrMatrix<T> {
    /// Builds a matrix from its three arrays after checking their structure. Column
    /// indices are kept in 32 bits when the column count allows.
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
        Self::checked(shape, indptr, indices, data, "column")
    }

    /// As [`CsrMatrix::new`] with 32-bit column indices (scipy's `int32`), kept without a
    /// copy.
    ///
    /// # Errors
    /// As [`CsrMatrix::new`].
    pub fn new_u32(
        shape: [usize; 2],
        indptr: Vec<usize>,
        indices: Vec<u32>,
        data: Vec<T>,
    ) -> Result<Self> {
        Self::checked(shape, indptr, indices, data, "column")
    }

    /// Checks the structure of three CSR arrays and assembles the matrix; `what` names
    /// the minor axis in errors (`"row"` when the result is a CSC matrix's transpose).
    pub(crate) fn checked<I: Idx>(
        shape: [usize; 2],
        indptr: Vec<usize>,
        indices: Vec<I>,
        data: Vec<T>,
        what: &'static str,
    ) -> Result<Self> {
        let canonical =
            validate_compressed(shape[0], shape[1], &indptr, &indices, data.len(), what)?;
        Ok(Self::assemble(shape, indptr, indices, data, canonical))
    }

    /// The matrix of parts already checked, storing the indices at their width.
    fn assemble<I: Idx>(
        shape: [usize; 2],
        indptr: Vec<usize>,
        indices: Vec<I>,
        data: Vec<T>,
        canonical: bool,
    ) -> Self {
        CsrMatrix {
            shape,
            indptr,
            indices: IndexVec::from_vec(indices, shape[1]),
            data,
            canonical,
        }
    }

    /// Assembles a matrix from parts already known to be valid CSR (the crate's own
    /// conversions), working out whether it is canonical.
    pub(crate) fn from_valid_parts(
        shape: [usize; 2],
        indptr: Vec<usize>,
        indices: Vec<usize>,
        data: Vec<T>,
    ) -> Self {
        Self::trusted(shape, indptr, indices, data, false)
    }

    /// As [`CsrMatrix::from_valid_parts`] for parts whose rows are already strictly
    /// increasing (conversions from row-sorted formats), without checking them again.
    pub(crate) fn from_canonical_parts(
        shape: [usize; 2],
        indptr: Vec<usize>,
        indices: Vec<usize>,
        data: Vec<T>,
    ) -> Self {
        Self::trusted(shape, indptr, indices, data, true)
    }

    /// Valid parts (checked in debug builds only); canonical when `sorted` says so or
    /// the rows turn out strictly increasing.
    fn trusted(
        shape: [usize; 2],
        indptr: Vec<usize>,
        indices: Vec<usize>,
        data: Vec<T>,
        sorted: bool,
    ) -> Self {
        debug_assert!(
            validate_compressed(shape[0], shape[1], &indptr, &indices, data.len(), "column")
                .is_ok_and(|canonical| canonical || !sorted)
        );
        let canonical = sorted || rows_strictly_increasing(&indptr, &indices);
        Self::assemble(shape, indptr, indices, data, canonical)
    }

    /// A matrix of `shape` with no stored entries.
    ///
    /// # Panics
    /// When the `rows + 1` pointer cannot be allocated (see [`CsrMatrix::try_zeros`]).
    #[must_use]
    pub fn zeros(shape: [usize; 2]) -> Self {
        Self::try_zeros(shape).unwrap_or_else(|e| panic!("{e}"))
    }

    /// A matrix of `shape` with no stored entries.
    ///
    /// # Errors
    /// [`SparseError::Allocation`] when the `rows + 1` pointer cannot be allocated.
    pub fn try_zeros(shape: [usize; 2]) -> Result<Self> {
        Ok(CsrMatrix {
            shape,
            indptr: alloc::zeroed(shape[0].saturating_add(1), "row pointer")?,
            indices: IndexVec::with_capacity(0, shape[1]),
            data: Vec::new(),
            canonical: true,
        })
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

    /// Column of each stored entry (32-bit unless the matrix has more than 2³² columns).
    #[must_use]
    pub fn indices(&self) -> IndexSlice<'_> {
        self.indices.as_slice()
    }

    /// Value of each stored entry.
    #[must_use]
    pub fn data(&self) -> &[T] {
        &self.data
    }

    /// Takes the matrix apart into `(shape, indptr, indices, data)`; 32-bit column
    /// indices are widened (one copy of the index array).
    #[must_use]
    pub fn into_parts(self) -> ([usize; 2], Vec<usize>, Vec<usize>, Vec<T>) {
        (
            self.shape,
            self.indptr,
            self.indices.into_usize(),
            self.data,
        )
    }

    /// Whether every row's indices are strictly increasing (sorted, no duplicates).
    #[must_use]
    pub fn is_canonical(&self) -> bool {
        self.canonical
    }

    /// The same matrix with sorted rows and duplicates summed (a clone when already so).
    ///
    /// # Panics
    /// When the sort's pointers cannot be allocated (see [`CsrMatrix::try_to_canonical`]).
    #[must_use]
    pub fn to_canonical(&self) -> Self {
        self.try_to_canonical().unwrap_or_else(|e| panic!("{e}"))
    }

    /// The same matrix with sorted rows and duplicates summed (a clone when already so).
    ///
    /// # Errors
    /// [`SparseError::Allocation`] when the sort's pointers (`rows + 1` and `cols + 1`)
    /// cannot be allocated.
    pub fn try_to_canonical(&self) -> Result<Self> {
        if self.canonical {
            return Ok(self.clone());
        }
        let (indptr, indices, data) = canonical_parts(
            self.shape[0],
            self.shape[1],
            &self.indptr,
            &self.indices,
            &self.data,
        )?;
        Ok(CsrMatrix {
            shape: self.shape,
            indptr,
            indices,
            data,
            canonical: true,
        })
    }

    /// Columns and values stored in row `i`.
    ///
    /// # Panics
    /// When `i` is not below the row count.
    #[must_use]
    pub fn row(&self, i: usize) -> (IndexSlice<'_>, &[T]) {
        let (s, e) = (self.indptr[i], self.indptr[i + 1]);
        (self.indices.slice(s..e), &self.data[s..e])
    }

    /// The element at `(i, j)` (0 when not stored; duplicates summed), or `None` when the
    /// position is outside the matrix.
    #[must_use]
    pub fn get(&self, i: usize, j: usize) -> Option<T> {
        if i >= self.shape[0] || j >= self.shape[1] {
            return None;
        }
        let (idx, vals) = self.row(i);
        Some(with_slice!(idx, idx => get_in_row(idx, vals, j, self.canonical)))
    }

    /// Stores the non-zero elements of a dense array.
    #[must_use]
    pub fn from_dense(a: &ArrayView2<'_, T>) -> Self {
        let (rows, cols) = a.dim();
        let zero = T::default();
        let mut indptr = Vec::with_capacity(rows + 1);
        let mut indices = IndexVec::with_capacity(0, cols);
        let mut data = Vec::new();
        indptr.push(0);
        for row in a.rows() {
            for (j, &v) in row.iter().enumerate() {
                if v != zero {
                    indices.push(j);
                    data.push(v);
                }
            }
            indptr.push(data.len());
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
    ///
    /// # Panics
    /// When its `cols + 1` pointer cannot be allocated (see [`CsrMatrix::try_transpose`]).
    #[must_use]
    pub fn transpose(&self) -> Self {
        self.try_transpose().unwrap_or_else(|e| panic!("{e}"))
    }

    /// The transpose, as a CSR matrix (rows sorted).
    ///
    /// # Errors
    /// [`SparseError::Allocation`] when its `cols + 1` pointer cannot be allocated.
    pub fn try_transpose(&self) -> Result<Self> {
        let (indptr, indices, data) = transpose_compressed(
            self.shape[0],
            self.shape[1],
            &self.indptr,
            &self.indices,
            &self.data,
        )?;
        // Sorted after transposition; only duplicates can break canonical form.
        let canonical = self.canonical
            || with_indices!(&indices, idx => rows_strictly_increasing(&indptr, idx));
        Ok(CsrMatrix {
            shape: [self.shape[1], self.shape[0]],
            indptr,
            indices,
            data,
            canonical,
        })
    }
}

/// The value at column `j` of one row (duplicates summed).
fn get_in_row<T: Element, I: Idx>(idx: &[I], vals: &[T], j: usize, canonical: bool) -> T {
    if canonical {
        return idx
            .binary_search_by(|c| c.ix().cmp(&j))
            .map_or(T::default(), |k| vals[k]);
    }
    let mut sum = T::default();
    for (&c, &v) in idx.iter().zip(vals) {
        if c.ix() == j {
            sum += v;
        }
    }
    sum
}

/// Adds every stored entry into a zeroed dense `rows × cols` row-major buffer.
fn scatter_rows<T: Element, I: Idx>(
    indptr: &[usize],
    indices: &[I],
    data: &[T],
    out: &mut [T],
    cols: usize,
) {
    for (w, row) in indptr.windows(2).zip(out.chunks_exact_mut(cols.max(1))) {
        for (&j, &v) in indices[w[0]..w[1]].iter().zip(&data[w[0]..w[1]]) {
            // SAFETY: indices are below `cols` (checked at construction) and `row` has
            // `cols` elements.
            unsafe { *row.get_unchecked_mut(j.ix()) += v };
        }
    }
}

impl<T: Element> SparseMatrix<T> for CsrMatrix<T> {
    fn shape(&self) -> [usize; 2] {
        self.shape
    }

    fn nnz(&self) -> usize {
        self.data.len()
    }

    fn try_to_csr(&self) -> Result<CsrMatrix<T>> {
        Ok(self.clone())
    }

    fn to_dense(&self) -> Result<Array2<T>> {
        let mut out = dense_zeros(self.shape)?;
        if let Some(buf) = out.as_slice_mut() {
            with_indices!(&self.indices, idx => {
                scatter_rows(&self.indptr, idx, &self.data, buf, self.shape[1]);
            });
        }
        Ok(out)
    }

    /// Rows are cut into ranges of equal stored entries spread over the pool; each row's
    /// sum is computed the same way on any number of threads.
    fn spmv(&self, x: &[T], y: &mut [T], par: Par) -> Result<()> {
        check_spmv(self.shape, x, y)?;
        parallel::run(par, |parallel| {
            with_indices!(&self.indices, idx => {
                csr_rows_product(&self.indptr, idx, &self.data, x, y, parallel);
            });
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

impl<T: Element> ooc_core::ArrayMeta for CsrMatrix<T> {
    fn shape(&self) -> &[usize] {
        &self.shape
    }
    fn dtype(&self) -> ooc_core::DType {
        T::DTYPE
    }
}

impl<T: Element> ReadSparseRows<T> for CsrMatrix<T> {
    fn nnz(&self) -> usize {
        self.data.len()
    }

    fn row_offsets(&self) -> ooc_core::Result<Vec<usize>> {
        Ok(self.indptr.clone())
    }

    fn read_rows(&self, row0: usize, nrows: usize, out: &mut CsrBlock<T>) -> ooc_core::Result<()> {
        check_row_range(self.shape, row0, nrows)?;
        out.clear();
        out.row0 = row0;
        let base = self.indptr[row0];
        let end = self.indptr[row0 + nrows];
        out.indptr
            .extend(self.indptr[row0..=row0 + nrows].iter().map(|&p| p - base));
        with_indices!(&self.indices, idx => {
            out.indices.extend(idx[base..end].iter().map(|&j| j.ix()));
        });
        out.data.extend_from_slice(&self.data[base..end]);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    //! The `usize` index path (only reachable with more than 2³² columns, too big to
    //! build here) checked against the 32-bit path, and the row balancing of the
    //! parallel product.

    use super::*;
    use proptest::prelude::*;

    /// The same matrix with its indices stored as `usize`.
    fn widened<T: Element>(a: &CsrMatrix<T>) -> CsrMatrix<T> {
        CsrMatrix {
            indices: IndexVec::Wide(a.indices.as_slice().to_vec()),
            ..a.clone()
        }
    }

    /// A matrix of `r × c` from unsorted triplets with repeats (non-canonical).
    fn from_triplets<T: Element>(r: usize, c: usize, trip: &[(usize, usize, i8)]) -> CsrMatrix<T> {
        let mut rows = vec![Vec::new(); r];
        for &(i, j, v) in trip {
            rows[i % r].push((j % c, T::from_f64(f64::from(v))));
        }
        let mut indptr = vec![0];
        let (mut indices, mut data) = (Vec::new(), Vec::new());
        for row in rows {
            for (j, v) in row {
                indices.push(j);
                data.push(v);
            }
            indptr.push(indices.len());
        }
        CsrMatrix::new([r, c], indptr, indices, data).unwrap()
    }

    fn dense_mv<T: Element>(a: &Array2<T>, x: &[T]) -> Vec<T> {
        a.rows()
            .into_iter()
            .map(|row| {
                row.iter()
                    .zip(x)
                    .fold(T::default(), |s, (&a, &b)| s + a * b)
            })
            .collect()
    }

    fn check_wide<T: Element>(r: usize, c: usize, trip: &[(usize, usize, i8)]) {
        let a = from_triplets::<T>(r, c, trip);
        assert!(matches!(a.indices, IndexVec::Narrow(_)));
        let w = widened(&a);
        let dense = a.to_dense().unwrap();
        assert_eq!(w.to_dense().unwrap(), dense);
        let x: Vec<T> = (0..c).map(|j| T::from_f64((j % 5) as f64 - 2.0)).collect();
        let want = dense_mv(&dense, &x);
        for m in [&a, &w] {
            for par in [Par::Seq, Par::threads(2)] {
                let mut y = vec![T::default(); r];
                m.spmv(&x, &mut y, par).unwrap();
                for (g, e) in y.iter().zip(&want) {
                    assert!((g.to_f64() - e.to_f64()).abs() < 1e-3);
                }
            }
            for i in 0..r {
                for j in 0..c {
                    assert_eq!(m.get(i, j), Some(dense[[i, j]]));
                }
            }
            assert_eq!(m.to_canonical().to_dense().unwrap(), dense);
            assert_eq!(m.transpose().to_dense().unwrap(), dense.t());
            let mut block = CsrBlock::default();
            m.read_rows(0, r, &mut block).unwrap();
            assert_eq!(block.indices, a.indices().to_vec());
        }
        assert_eq!(w.indices(), a.indices());
        assert_eq!(w.clone().into_parts(), a.clone().into_parts());
    }

    macro_rules! wide_per_type {
        ($($name:ident: $t:ty),* $(,)?) => {$(
            proptest! {
                #[test]
                fn $name(
                    r in 1_usize..9,
                    c in 1_usize..9,
                    trip in prop::collection::vec((0_usize..9, 0_usize..9, -3_i8..=3), 0..30),
                ) {
                    check_wide::<$t>(r, c, &trip);
                }
            }
        )*};
    }

    wide_per_type!(
        wide_i8: i8, wide_i16: i16, wide_i32: i32, wide_i64: i64,
        wide_u8: u8, wide_u16: u16, wide_u32: u32, wide_u64: u64,
        wide_f32: f32, wide_f64: f64,
        wide_c64: ooc_core::Complex<f32>, wide_c128: ooc_core::Complex<f64>,
    );

    proptest! {
        /// Ranges cover every row once, in order, none empty, and none holds much more
        /// than its share of entries (one row's worth at most).
        #[test]
        fn balanced_rows_cover_in_order(
            lens in prop::collection::vec(0_usize..50, 0..40),
            parts in 1_usize..12,
        ) {
            let mut indptr = vec![0];
            for l in &lens {
                indptr.push(indptr.last().unwrap() + l);
            }
            let ranges = balanced_rows(&indptr, parts);
            let rows = lens.len();
            let parts = parts.min(rows.max(1));
            prop_assert!(ranges.len() <= parts);
            let mut next = 0;
            for r in &ranges {
                prop_assert_eq!(r.start, next);
                prop_assert!(r.end > r.start);
                next = r.end;
            }
            prop_assert_eq!(next, rows);
            let total = indptr[rows] + rows;
            let widest = lens.iter().max().map_or(0, |l| l + 1);
            for r in &ranges {
                let weight = indptr[r.end] - indptr[r.start] + r.len();
                prop_assert!(weight <= total / parts + 1 + widest, "{ranges:?}");
            }
        }
    }
}
