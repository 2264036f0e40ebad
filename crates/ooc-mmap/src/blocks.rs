//! The `ooc-core` capability traits for [`MmapArray`]: metadata, block reads and writes
//! (C-order buffers whatever the storage order), zero-copy views of C-order contiguous
//! regions, and [`Footprint`] telling mapped from resident bytes.

use ndarray::Slice;
use ooc_core::{ArrayMeta, DType, Element, Footprint, ReadBlock, Region, ViewBlock, WriteBlock};

use crate::array::MmapArray;
use crate::error::MmapError;

impl<T: Element> ArrayMeta for MmapArray<T> {
    fn shape(&self) -> &[usize] {
        MmapArray::shape(self)
    }

    fn dtype(&self) -> DType {
        T::DTYPE
    }

    /// Pages fault in independently, so threads reading different regions overlap their
    /// disk waits.
    fn concurrent_reads(&self) -> bool {
        true
    }
}

fn sub_region(region: &Region) -> impl Fn(ndarray::AxisDescription) -> Slice + '_ {
    |ax| {
        let i = ax.axis.index();
        let start = region.start[i];
        Slice::from(start..start + region.shape[i])
    }
}

impl<T: Element> ReadBlock<T> for MmapArray<T> {
    fn read_region(&self, region: &Region, out: &mut [T]) -> ooc_core::Result<()> {
        region.check_with_buffer(self.shape(), out.len())?;
        if self.is_c_order() {
            let data = self.as_slice();
            region.for_each_run(self.shape(), |at, to, n| {
                out[to..to + n].copy_from_slice(&data[at..at + n]);
            });
        } else {
            let view = self.view();
            let part = view.slice_each_axis(sub_region(region));
            for (o, &x) in out.iter_mut().zip(part.iter()) {
                *o = x;
            }
        }
        Ok(())
    }

    fn as_view(&self) -> Option<&dyn ViewBlock<T>> {
        if self.is_c_order() { Some(self) } else { None }
    }
}

/// Writes reach the file for [`crate::Mode::ReadWrite`] and [`crate::Mode::Create`] maps;
/// for [`crate::Mode::CopyOnWrite`] maps they change the array in memory only.
impl<T: Element> WriteBlock<T> for MmapArray<T> {
    fn write_region(&mut self, region: &Region, data: &[T]) -> ooc_core::Result<()> {
        region.check_with_buffer(self.shape(), data.len())?;
        if !self.mode().is_writable() {
            return Err(MmapError::ReadOnly {
                path: self.path().to_path_buf(),
                what: "write_region",
            }
            .into());
        }
        let shape = self.shape().to_vec();
        if self.is_c_order() {
            let dest = self.as_slice_mut()?;
            region.for_each_run(&shape, |at, from, n| {
                dest[at..at + n].copy_from_slice(&data[from..from + n]);
            });
        } else {
            let mut view = self.view_mut()?;
            let mut part = view.slice_each_axis_mut(sub_region(region));
            for (d, &x) in part.iter_mut().zip(data) {
                *d = x;
            }
        }
        Ok(())
    }
}

impl<T: Element> ViewBlock<T> for MmapArray<T> {
    /// Lends C-order contiguous regions of C-order arrays; `None` for anything else
    /// (including every multi-row region of a Fortran-order array).
    fn view_region(&self, region: &Region) -> ooc_core::Result<Option<&[T]>> {
        region.check(self.shape())?;
        if !self.is_c_order() {
            return Ok(None);
        }
        Ok(region
            .contiguous_offset(self.shape())
            .map(|at| &self.as_slice()[at..at + region.len()]))
    }

    /// Gives back the region's pages after a pass over them: from the process (they stay
    /// cached), or from memory when the map was advised [`crate::Access::Sequential`]
    /// (see [`MmapArray::advise`]).
    fn release_region(&self, region: &Region) {
        if let Ok(Some(elements)) = ViewBlock::view_region(self, region) {
            self.drop_behind(elements);
        }
    }
}

/// The heap part is the shape and path; the elements are mapped, not heap.
impl<T: Element> Footprint for MmapArray<T> {
    fn heap_bytes(&self) -> usize {
        std::mem::size_of_val(MmapArray::shape(self)) + self.path().as_os_str().len()
    }

    fn mapped_bytes(&self) -> usize {
        self.byte_len()
    }

    /// From `mincore`; 0 if the kernel refuses to say.
    fn resident_bytes(&self) -> usize {
        MmapArray::resident_bytes(self).unwrap_or(0)
    }
}
