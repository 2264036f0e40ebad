//! [`DenseNonzeros`]: a dense 2-D array, from any block backend, seen as the sparse matrix
//! of its non-zero entries. It lets everything that takes [`ReadSparseRows`] (spy plots,
//! SpMV in `ooc-linalg`, conversions) work on dense data too, streamed in row blocks
//! under a memory budget.
//!
//! Building it counts the non-zeros of every row in one pass over the array (the row
//! pointer a sparse reader must report); reading rows later reads those rows again.

use std::marker::PhantomData;
use std::sync::Mutex;

use ooc_core::{CsrBlock, Element, MemoryBudget, ReadBlock, ReadSparseRows, Region};

use crate::csr::check_row_range;
use crate::error::{Result, SparseError};

/// The non-zero entries of a dense 2-D array, read through [`ReadSparseRows`].
///
/// ```
/// use ooc_core::{MemArray, MemoryBudget, ReadSparseRows};
/// use ooc_sparse::DenseNonzeros;
/// let a = MemArray::from_vec(vec![2, 3], vec![0.0, 1.5, 0.0, 2.0, 0.0, 3.0])?;
/// let s = DenseNonzeros::new(&a, MemoryBudget::mib(1))?;
/// assert_eq!(s.nnz(), 3);
/// assert_eq!(s.row_offsets()?, vec![0, 1, 3]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct DenseNonzeros<'a, T: Element, A: ReadBlock<T> + ?Sized> {
    array: &'a A,
    shape: [usize; 2],
    offsets: Vec<usize>,
    block_rows: usize,
    /// Dense row buffers, reused across calls (one per concurrent reader at most).
    buffers: Mutex<Vec<Vec<T>>>,
    _element: PhantomData<T>,
}

impl<'a, T: Element, A: ReadBlock<T> + ?Sized> DenseNonzeros<'a, T, A> {
    /// Wraps a 2-D `array`, counting its non-zeros per row with dense reads of at most
    /// `budget` bytes (at least one row).
    ///
    /// # Errors
    /// [`SparseError::Core`] with [`ooc_core::Error::RankMismatch`] when the array is not
    /// 2-D, and the backend's read errors.
    pub fn new(array: &'a A, budget: MemoryBudget) -> Result<Self> {
        let [rows, cols] = match *array.shape() {
            [r, c] => [r, c],
            ref other => {
                return Err(ooc_core::Error::RankMismatch {
                    expected: 2,
                    found: other.len(),
                }
                .into());
            }
        };
        let row_bytes = cols.saturating_mul(std::mem::size_of::<T>()).max(1);
        let block_rows = (budget.bytes() / row_bytes).clamp(1, rows.max(1));
        // The row pointer is sized by the data: checked against the budget, then asked
        // of the allocator fallibly, so a hostile row count is an error, not an abort.
        let pointer = rows.saturating_add(1);
        let pointer_bytes = pointer.saturating_mul(std::mem::size_of::<usize>());
        if pointer_bytes > budget.bytes() {
            return Err(ooc_core::Error::OverBudget {
                what: "row pointer".into(),
                len: pointer,
                needed: pointer_bytes,
                budget: budget.bytes(),
            }
            .into());
        }
        let mut reader = DenseNonzeros {
            array,
            shape: [rows, cols],
            offsets: crate::alloc::with_capacity(pointer, "row pointer")?,
            block_rows,
            buffers: Mutex::new(Vec::new()),
            _element: PhantomData,
        };
        reader.offsets.push(0);
        let mut total = 0_usize;
        let ends = reader.for_each_block(0, rows, |_, row| {
            total += row.iter().filter(|v| **v != T::default()).count();
            Some(total)
        })?;
        reader.offsets.extend(ends);
        Ok(reader)
    }

    /// Reads rows `row0..row0 + nrows` block by block and calls `f(row, values)` for each,
    /// collecting what it returns.
    fn for_each_block<R>(
        &self,
        row0: usize,
        nrows: usize,
        mut f: impl FnMut(usize, &[T]) -> Option<R>,
    ) -> Result<Vec<R>> {
        let cols = self.shape[1];
        let mut out = Vec::with_capacity(nrows);
        let mut buf = self
            .buffers
            .lock()
            .map_or_else(|_| Vec::new(), |mut pool| pool.pop().unwrap_or_default());
        let mut r = row0;
        while r < row0 + nrows {
            let n = self.block_rows.min(row0 + nrows - r);
            buf.resize(n * cols, T::default());
            let block = &mut buf[..n * cols];
            self.array
                .read_region(&Region::rows(r, n, cols), block)
                .map_err(SparseError::Core)?;
            for k in 0..n {
                out.extend(f(r + k, &block[k * cols..(k + 1) * cols]));
            }
            r += n;
        }
        if let Ok(mut pool) = self.buffers.lock() {
            pool.push(buf);
        }
        Ok(out)
    }
}

impl<T: Element, A: ReadBlock<T> + ?Sized> ooc_core::ArrayMeta for DenseNonzeros<'_, T, A> {
    fn shape(&self) -> &[usize] {
        &self.shape
    }
    fn dtype(&self) -> ooc_core::DType {
        T::DTYPE
    }
    fn concurrent_reads(&self) -> bool {
        self.array.concurrent_reads()
    }
}

impl<T: Element, A: ReadBlock<T> + ?Sized> ReadSparseRows<T> for DenseNonzeros<'_, T, A> {
    fn nnz(&self) -> usize {
        self.offsets.last().copied().unwrap_or(0)
    }

    fn row_offsets(&self) -> ooc_core::Result<Vec<usize>> {
        Ok(self.offsets.clone())
    }

    fn read_rows(&self, row0: usize, nrows: usize, out: &mut CsrBlock<T>) -> ooc_core::Result<()> {
        check_row_range(self.shape, row0, nrows)?;
        out.clear();
        out.row0 = row0;
        out.indptr.push(0);
        let expected = self.offsets[row0 + nrows] - self.offsets[row0];
        out.indices.reserve(expected);
        out.data.reserve(expected);
        let (indices, data, indptr) = (&mut out.indices, &mut out.data, &mut out.indptr);
        self.for_each_block(row0, nrows, |_, row| {
            for (j, v) in row.iter().enumerate() {
                if *v != T::default() {
                    indices.push(j);
                    data.push(*v);
                }
            }
            indptr.push(data.len());
            None::<()>
        })
        .map_err(|e| ooc_core::Error::backend("sparse", e))?;
        if data.len() != expected {
            return Err(ooc_core::Error::Unsupported(format!(
                "rows {row0}..{} changed since they were counted: {} non-zeros, {expected} counted",
                row0 + nrows,
                data.len()
            )));
        }
        Ok(())
    }
}
