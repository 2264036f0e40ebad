//! The vocabulary every ooc crate speaks.
//!
//! `ooc-core` sits at the bottom of the workspace and depends on no sibling. It holds:
//!
//! - [`Element`] and [`DType`]: the element types an array may hold, at compile time and at
//!   run time, with their numpy descriptors and explicit [`ByteOrder`];
//! - [`shape`]: checked element-count and byte-size arithmetic and [`Region`]s of arrays;
//! - [`Error`]: the one error enum of this layer;
//! - the block I/O capability traits ([`ArrayMeta`], [`ReadBlock`], [`WriteBlock`],
//!   [`ViewBlock`], and [`ReadSparseRows`] for sparse matrices) that every backend
//!   implements and the scheduler in `ooc-linalg` consumes;
//! - [`MemoryBudget`] and [`BlockPlan`]: how big the blocks of an out-of-core pass may be;
//! - [`Par`]: explicit parallelism;
//! - [`mem`]: peak and increment of resident memory while a closure runs (`%memit`);
//! - [`Footprint`]: the true size of a value, heap and mappings included;
//! - [`MemArray`]: an in-memory backend, the reference the others are checked against;
//! - `testing` (feature `testing`): the conformance suite every backend runs against itself.
//!
//! ```
//! use ooc_core::{MemArray, ReadBlock, Region};
//!
//! let a = MemArray::from_vec(vec![2, 3], vec![1.0_f32, 2.0, 3.0, 4.0, 5.0, 6.0])?;
//! let mut row = [0.0_f32; 3];
//! a.read_region(&Region::rows(1, 1, 3), &mut row)?;
//! assert_eq!(row, [4.0, 5.0, 6.0]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod block;
mod budget;
mod dtype;
mod error;
mod footprint;
pub mod kernels;
mod matrix;
pub mod mem;
mod memory_backend;
pub mod npy;
pub mod pages;
mod par;
mod plan;
pub mod shape;
#[cfg(feature = "testing")]
pub mod testing;

pub use block::{ArrayMeta, CsrBlock, ReadBlock, ReadSparseRows, ViewBlock, WriteBlock};
pub use budget::MemoryBudget;
pub use dtype::{ByteOrder, DType, Element};
pub use error::{Error, Result};
pub use footprint::Footprint;
pub use matrix::AsMatrix;
pub use mem::{MemoryReport, measure};
pub use memory_backend::MemArray;
pub use num_complex::Complex;
pub use par::Par;
pub use plan::{BlockPlan, BlockRequest, RowBlock, SparseRequest};
pub use shape::Region;

/// The names most programs using ooc need, for `use ooc_core::prelude::*`.
pub mod prelude {
    pub use crate::{
        ArrayMeta, DType, Element, Footprint, MemoryBudget, Par, ReadBlock, Region, ViewBlock,
        WriteBlock,
    };
}
