//! The `ooc-core` block traits on [`Dataset`]: metadata (chunk shape for block plans;
//! concurrent reads off, since the library serialises every call), reads for every
//! element type with a run-time type check, and writes.

use ooc_core::{ArrayMeta, DType, Element, ReadBlock, Region, WriteBlock};

use crate::dataset::Dataset;

impl ArrayMeta for Dataset {
    fn shape(&self) -> &[usize] {
        Dataset::shape(self)
    }

    fn dtype(&self) -> DType {
        Dataset::dtype(self)
    }

    fn chunk_shape(&self) -> Option<Vec<usize>> {
        self.chunk().map(<[usize]>::to_vec)
    }

    /// The HDF5 library runs one call at a time, so threads reading through it only wait
    /// for each other; use [`Dataset::parallel_reader`] for concurrent reads.
    fn concurrent_reads(&self) -> bool {
        false
    }
}

impl<T: Element> ReadBlock<T> for Dataset {
    fn read_region(&self, region: &Region, out: &mut [T]) -> ooc_core::Result<()> {
        Dataset::read_region(self, region, out).map_err(Into::into)
    }
}

impl<T: Element> WriteBlock<T> for Dataset {
    fn write_region(&mut self, region: &Region, data: &[T]) -> ooc_core::Result<()> {
        Dataset::write_region(self, region, data).map_err(Into::into)
    }
}
