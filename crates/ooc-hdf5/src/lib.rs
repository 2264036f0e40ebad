//! HDF5 files, groups, attributes and datasets (contiguous, chunked, compressed,
//! resizable), hyperslab I/O into caller buffers, chunk advice, and a parallel read path
//! that bypasses the library's global lock. Implements the `ooc-core` block traits.
//!
//! Built on the `hdf5` crate (hdf5-metno) with HDF5 2.x built from source and linked
//! statically (zlib, LZF and Blosc filters registered). The library's automatic
//! printing of error stacks to stderr is silenced; its messages are kept in [`Error`].
//!
//! - [`File`] (h5py's `w`, `w-`/`x`, `r`, `r+`, `a`; [`ChunkCache`] settings) dereferences
//!   to its root [`Group`]: groups by path, [`Member`] listings, attributes ([`AttrValue`]).
//! - [`DatasetBuilder`] and [`Dataset`]: element type, shape, chunks, maximum shape,
//!   deflate, shuffle, fill value; hyperslab reads and writes; [`Dataset::describe`];
//!   ndarray in and out ([`Dataset::read_array`], [`Dataset::read_slice`] with `s![]`,
//!   [`Dataset::write_array`], [`Group::create_dataset`] from an array); integer datasets
//!   as checked `usize` indices ([`Dataset::read_indices`]); string datasets
//!   ([`Group::create_strings`]);
//!   [`RowWriter`] for row-by-row filling of chunked datasets (whole chunks, written
//!   directly when the library need not convert or filter them).
//! - [`ChunkAdvice`]: chunk shapes for an [`AccessPattern`], [`ChunkWarning`]s.
//! - [`ParallelReader`]: reads without the library lock ([`ReadPath`] says how), decodes
//!   deflate, shuffle, LZF, Blosc and Zstandard chunks on its own threads, lends zero-copy
//!   views of contiguous datasets (with the `fuzzing` feature, `read_chunk` reads one
//!   [`ChunkEntry`] as it does, for the fuzz targets and chunk-level tests);
//!   [`Filter::is_decodable`] says whether ooc reads a filter at all.
//! - `Dataset` and `ParallelReader` implement the `ooc-core` block traits.
//!
//! ```
//! use ooc_hdf5::{File, ReadBlock, Region};
//! let dir = tempfile::tempdir()?;
//! let file = File::create(dir.path().join("data.h5"))?;
//! let mut ds = file.new_dataset::<f32>("/matrix").shape([3, 4]).chunk([2, 2]).create()?;
//! ds.write_all(&(0..12).map(|i| i as f32).collect::<Vec<_>>())?;
//! let mut block = [0.0_f32; 4];
//! ReadBlock::read_region(&ds, &Region::block(1, 1, 2, 2), &mut block)?;
//! assert_eq!(block, [5.0, 6.0, 9.0, 10.0]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod advice;
mod array;
mod attr;
mod blocks;
mod dataset;
mod decode;
mod direct;
mod encode;
mod error;
mod file;
mod group;
mod index;
mod parallel;
mod raw;
mod rows;
mod types;

pub use advice::{
    AccessPattern, ChunkAdvice, ChunkWarning, DEFAULT_TARGET_BYTES, HUGE_CHUNK_BYTES,
    TINY_CHUNK_BYTES,
};
pub use attr::AttrValue;
pub use dataset::{Dataset, DatasetBuilder, DatasetInfo, Filter, Layout};
#[cfg(feature = "fuzzing")]
pub use decode::decode_chunk;
pub use error::{Error, Result};
pub use file::{ChunkCache, File, Mode};
pub use group::{Group, Member, MemberKind};
pub use ndarray;
pub use ooc_core::{ArrayMeta, ReadBlock, Region, WriteBlock};
#[cfg(feature = "fuzzing")]
pub use parallel::read_chunk;
pub use parallel::{
    ChunkEntry, DEFAULT_INDEX_BUDGET, MAX_INDEXED_CHUNKS, ParallelReader, ReadPath,
};
pub use rows::{DEFAULT_ROW_BUFFER_BYTES, RowWriter};

/// The names most programs using HDF5 through ooc need, for `use ooc_hdf5::prelude::*`.
pub mod prelude {
    pub use crate::{
        AccessPattern, ArrayMeta, ChunkAdvice, Dataset, File, Group, Mode, ParallelReader,
        ReadBlock, Region, WriteBlock,
    };
}
