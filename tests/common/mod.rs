//! Helpers shared by the root integration tests (`tests/*.rs` and `tests/cli_e2e`):
//! writing the small `.npy` files and HDF5 datasets a test then reads back, and the
//! budgets and thread counts the linear-algebra tests sweep.

#![allow(dead_code)] // each test binary uses part of this

use std::path::Path;

use ooc_core::{Element, MemoryBudget, Par};
use ooc_hdf5::{DatasetBuilder, Group};
use ooc_linalg::Options;
use ooc_mmap::MmapArray;

/// Writes `data` as a new C-order `.npy` file of `shape` at `path`.
pub(crate) fn write_npy<T: Element>(path: &Path, shape: &[usize], data: &[T]) {
    let mut a = MmapArray::<T>::create_npy(path, shape, false).unwrap();
    a.as_slice_mut().unwrap().copy_from_slice(data);
}

/// Creates the dataset `name` of `shape` in `group` (a `File` too), laid out as `layout`
/// says (chunks, filters, parent groups; `|b| b` for a plain contiguous one), and writes
/// `data` into it.
pub(crate) fn write_dataset<T: Element>(
    group: &Group,
    name: &str,
    shape: &[usize],
    data: &[T],
    layout: impl FnOnce(DatasetBuilder<T>) -> DatasetBuilder<T>,
) {
    let mut ds = layout(group.new_dataset::<T>(name).shape(shape))
        .create()
        .unwrap();
    ds.write_all(data).unwrap();
}

/// Options for every combination of sequential and two-thread runs with each of
/// `budgets` (in bytes), sequential first.
pub(crate) fn options(budgets: &[usize]) -> Vec<Options> {
    let mut all = Vec::new();
    for par in [Par::Seq, Par::threads(2)] {
        for &budget in budgets {
            all.push(
                Options::new()
                    .with_par(par)
                    .with_budget(MemoryBudget::new(budget)),
            );
        }
    }
    all
}
