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
}

impl<T: Element, A: ViewBlock<T> + ?Sized> ViewBlock<T> for &A {
    fn view_region(&self, region: &Region) -> Result<Option<&[T]>> {
        (**self).view_region(region)
    }
}
