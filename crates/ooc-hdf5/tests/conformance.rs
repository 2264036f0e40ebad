//! The ooc-core conformance suite against HDF5 datasets: contiguous and chunked (with
//! chunks that do not divide the shapes), written and read through the library, and the
//! parallel reader over contiguous and compressed chunked datasets.

use ooc_core::testing::{ConformanceFactory, run_conformance};
use ooc_core::{Element, Par, Result, WriteBlock};
use ooc_hdf5::{Dataset, File, ParallelReader};

struct Hdf5Factory {
    dir: tempfile::TempDir,
    n: usize,
    chunked: bool,
}

impl Hdf5Factory {
    fn new(chunked: bool) -> Self {
        Hdf5Factory {
            dir: tempfile::tempdir().unwrap(),
            n: 0,
            chunked,
        }
    }
}

impl ConformanceFactory for Hdf5Factory {
    type Array<T: Element> = Dataset;

    fn create<T: Element>(&mut self, shape: &[usize], data: &[T]) -> Result<Dataset> {
        self.n += 1;
        // One file per array, so each dataset's handle keeps its own file open.
        let file = File::create(self.dir.path().join(format!("a{}.h5", self.n)))?;
        let mut builder = file.new_dataset::<T>("/x").shape(shape);
        if self.chunked {
            // Odd chunks that do not divide the shape; at least 1 per dimension.
            let chunk: Vec<usize> = shape.iter().map(|&d| (d / 2 + 1).min(d.max(1))).collect();
            builder = builder.chunk(chunk).max_shape(vec![None; shape.len()]);
        }
        let mut ds = builder.create()?;
        ds.write_all(data)?;
        Ok(ds)
    }

    fn writable<T: Element>(array: &mut Dataset) -> Option<&mut dyn WriteBlock<T>> {
        Some(array)
    }

    /// A chunked dataset cannot be 0-dimensional (HDF5 chunks need a rank of at least 1).
    fn skip_shape(&self, shape: &[usize]) -> bool {
        self.chunked && shape.is_empty()
    }
}

#[test]
fn contiguous_datasets_conform() {
    run_conformance(&mut Hdf5Factory::new(false));
}

#[test]
fn chunked_datasets_conform() {
    run_conformance(&mut Hdf5Factory::new(true));
}

/// The parallel reader over datasets made by the same factory (read-only in the suite).
struct ParallelFactory(Hdf5Factory, bool);

impl ConformanceFactory for ParallelFactory {
    type Array<T: Element> = ParallelReader;

    fn create<T: Element>(&mut self, shape: &[usize], data: &[T]) -> Result<ParallelReader> {
        self.0.n += 1;
        let file = File::create(self.0.dir.path().join(format!("p{}.h5", self.0.n)))?;
        let mut builder = file.new_dataset::<T>("/x").shape(shape);
        if self.0.chunked {
            let chunk: Vec<usize> = shape.iter().map(|&d| (d / 2 + 1).min(d.max(1))).collect();
            builder = builder.chunk(chunk).max_shape(vec![None; shape.len()]);
            if self.1 {
                builder = builder.shuffle().deflate(3);
            }
        }
        let mut ds = builder.create()?;
        ds.write_all(data)?;
        // Compressed datasets read chunks through the library (no index), the others index.
        let budget = if self.1 { 0 } else { u64::MAX };
        Ok(ds
            .parallel_reader_with_index_budget(budget)?
            .with_par(Par::threads(2))?)
    }

    fn skip_shape(&self, shape: &[usize]) -> bool {
        self.0.skip_shape(shape)
    }
}

#[test]
fn parallel_reader_conforms_on_contiguous_datasets() {
    run_conformance(&mut ParallelFactory(Hdf5Factory::new(false), false));
}

#[test]
fn parallel_reader_conforms_on_compressed_chunked_datasets() {
    run_conformance(&mut ParallelFactory(Hdf5Factory::new(true), true));
}
