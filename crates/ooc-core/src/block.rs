//! The block I/O capability traits: what a backend can do with rectangular regions of an
//! array. Backends (`ooc-mmap`, `ooc-hdf5`, `ooc-sparse`) implement them; the scheduler in
//! `ooc-linalg` uses nothing else, so a new backend needs no change there.
//!
//! Buffers are always C order (row-major) over the region's own shape.

use crate::dtype::{DType, Element};
use crate::error::Result;
use crate::shape::Region;

/// What every array knows about itself, without any I/O.
pub trait ArrayMeta: Send + Sync {
    /// Extent in each dimension.
    fn shape(&self) -> &[usize];

    /// Element type as stored.
    fn dtype(&self) -> DType;

    /// The block shape reads are cheapest in (HDF5 chunks), if storage has one.
    ///
    /// Block plans align to it. `None` means any shape is as good as any other.
    fn chunk_shape(&self) -> Option<Vec<usize>> {
        None
    }

    /// Whether reading several regions from several threads at once is safe and faster
    /// than reading them one after another.
    fn concurrent_reads(&self) -> bool {
        true
    }
}

/// Reading a rectangular region into a caller's buffer.
pub trait ReadBlock<T: Element>: ArrayMeta {
    /// Fills `out` (C order over `region.shape`) with the elements of `region`.
    ///
    /// # Errors
    /// [`crate::Error::OutOfBounds`] or [`crate::Error::RankMismatch`] when the region is
    /// not inside the array, [`crate::Error::BufferLength`] when `out` is the wrong length,
    /// [`crate::Error::DTypeMismatch`] when `T` is not the stored type (for backends whose
    /// type is known at run time), and the backend's own I/O errors.
    fn read_region(&self, region: &Region, out: &mut [T]) -> Result<()>;

    /// This array as a lender of zero-copy views, if it is one.
    ///
    /// Backends that implement [`ViewBlock`] override this to return `Some(self)`, so
    /// generic code (the scheduler) can discover the capability at run time.
    fn as_view(&self) -> Option<&dyn ViewBlock<T>> {
        None
    }

    /// This array as a reader of CSR rows, if it stores a sparse matrix.
    ///
    /// Sparse sources that also read as dense regions (the facade's opened arrays)
    /// override this, so the scheduler runs the sparse form of an operation (`gemv` runs
    /// SpMV) instead of densifying blocks.
    fn as_sparse(&self) -> Option<&dyn ReadSparseRows<T>> {
        None
    }
}

/// Writing a rectangular region from a caller's buffer.
pub trait WriteBlock<T: Element>: ArrayMeta {
    /// Stores `data` (C order over `region.shape`) into `region`.
    ///
    /// # Errors
    /// As [`ReadBlock::read_region`], plus [`crate::Error::ReadOnly`] when the array was
    /// opened without write access. A failed write leaves other regions intact.
    fn write_region(&mut self, region: &Region, data: &[T]) -> Result<()>;
}

/// Lending the elements of a region without copying them.
pub trait ViewBlock<T: Element>: ReadBlock<T> {
    /// The elements of `region` as one slice, if they are contiguous in C order in the
    /// backend's memory (whole trailing dimensions); `None` when they are not, in which
    /// case callers read into a buffer instead.
    ///
    /// # Errors
    /// As [`ReadBlock::read_region`] for a region outside the array or a wrong type.
    fn view_region(&self, region: &Region) -> Result<Option<&[T]>>;

    /// Says that a region lent by [`ViewBlock::view_region`] has been used and will not
    /// be needed again in this pass. A backend whose views are file pages, and that was
    /// told the pass reads once in order, may drop them, so a pass over a file larger than
    /// memory does not fill the page cache and make the kernel reclaim as it reads. The
    /// default does nothing; it never fails and never changes what a later view returns.
    fn release_region(&self, region: &Region) {
        let _ = region;
    }
}

impl<A: ArrayMeta + ?Sized> ArrayMeta for &A {
    fn shape(&self) -> &[usize] {
        (**self).shape()
    }
    fn dtype(&self) -> DType {
        (**self).dtype()
    }
    fn chunk_shape(&self) -> Option<Vec<usize>> {
        (**self).chunk_shape()
    }
    fn concurrent_reads(&self) -> bool {
        (**self).concurrent_reads()
    }
}

impl<T: Element, A: ReadBlock<T> + ?Sized> ReadBlock<T> for &A {
    fn read_region(&self, region: &Region, out: &mut [T]) -> Result<()> {
        (**self).read_region(region, out)
    }
    fn as_view(&self) -> Option<&dyn ViewBlock<T>> {
        (**self).as_view()
    }
    fn as_sparse(&self) -> Option<&dyn ReadSparseRows<T>> {
        (**self).as_sparse()
    }
}

impl<T: Element, A: ViewBlock<T> + ?Sized> ViewBlock<T> for &A {
    fn view_region(&self, region: &Region) -> Result<Option<&[T]>> {
        (**self).view_region(region)
    }

    fn release_region(&self, region: &Region) {
        (**self).release_region(region);
    }
}

/// A block of consecutive rows of a sparse matrix in CSR form: a reusable buffer that
/// [`ReadSparseRows::read_rows`] fills.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CsrBlock<T> {
    /// First row of the block in the whole matrix.
    pub row0: usize,
    /// Offsets into `indices`/`data` of each row's first entry, relative to the block:
    /// `nrows + 1` entries starting at 0.
    pub indptr: Vec<usize>,
    /// Column of each stored entry.
    pub indices: Vec<usize>,
    /// Value of each stored entry.
    pub data: Vec<T>,
}

impl<T> CsrBlock<T> {
    /// Number of rows in the block.
    #[must_use]
    pub fn nrows(&self) -> usize {
        self.indptr.len().saturating_sub(1)
    }

    /// Number of stored entries in the block.
    #[must_use]
    pub fn nnz(&self) -> usize {
        self.data.len()
    }

    /// Empties the block, keeping its capacity for reuse.
    pub fn clear(&mut self) {
        self.indptr.clear();
        self.indices.clear();
        self.data.clear();
    }
}

/// Reading consecutive rows of a sparse matrix (in memory or on disk) in CSR form: what
/// the scheduler streams for out-of-core SpMV. Its [`ArrayMeta`] says the shape (rows,
/// columns), the element type and whether concurrent reads help.
pub trait ReadSparseRows<T: Element>: ArrayMeta {
    /// Rows and columns of the matrix: its [`ArrayMeta::shape`], which for a sparse
    /// matrix is always 2-D.
    fn sparse_shape(&self) -> [usize; 2] {
        match *self.shape() {
            [rows, cols] => [rows, cols],
            _ => [0, 0],
        }
    }

    /// Number of stored entries.
    fn nnz(&self) -> usize;

    /// The CSR row pointer of the whole matrix: `rows + 1` offsets, starting at 0 and
    /// ending at `nnz`. Plans use it to cut blocks with a bounded number of entries.
    ///
    /// # Errors
    /// The backend's I/O errors; a pointer that is not monotone or does not end at `nnz`
    /// is an error, never a panic later.
    fn row_offsets(&self) -> Result<Vec<usize>>;

    /// Fills `out` with rows `row0..row0 + nrows` (its previous contents are discarded).
    ///
    /// # Errors
    /// [`crate::Error::OutOfBounds`] for rows outside the matrix, structural errors in the
    /// stored data (column indices out of range), and the backend's I/O errors.
    fn read_rows(&self, row0: usize, nrows: usize, out: &mut CsrBlock<T>) -> Result<()>;
}
