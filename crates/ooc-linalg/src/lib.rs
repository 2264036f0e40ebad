//! The block scheduler of ooc: out-of-core GEMV, GEMVᵀ, GEMM, SpMV, blockwise maps and
//! reductions over any backend that implements the `ooc-core` block traits, under a
//! memory budget.
//!
//! Every operation takes [`Options`] (budget, [`ooc_core::Par`], read-ahead depth,
//! progress callback), states its scratch need ([`Operation::scratch`]), and is planned by
//! [`plan`] into blocks aligned to the backend's chunks whose buffers in flight plus that
//! scratch fit the budget. Blocks are lent as zero-copy views when the backend can (memory
//! maps, in-memory arrays), read in parallel when the backend allows concurrent reads, or
//! read by one reader thread that runs ahead of the workers otherwise. Partial results are
//! combined in block order, so results do not depend on the number of threads.
//!
//! ```
//! use ooc_core::{MemArray, MemoryBudget, Par};
//! use ooc_linalg::{Options, gemv};
//!
//! let a = MemArray::from_vec(vec![3, 2], vec![1.0_f32, 2.0, 3.0, 4.0, 5.0, 6.0])?;
//! let opts = Options::new().with_par(Par::threads(2)).with_budget(MemoryBudget::mib(1));
//! let mut y = [0.0_f32; 3];
//! gemv(&a, &[1.0, 1.0], &mut y, &opts)?;
//! assert_eq!(y, [3.0, 7.0, 11.0]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod dense;
mod engine;
mod error;
pub mod kernels;
mod map;
mod operation;
mod options;
mod reduce;
#[cfg(target_arch = "x86_64")]
mod simd;
mod sparse;
mod summary;
mod vector;

pub use dense::{gemm, gemv, gemv_t};
pub use error::{LinalgError, Result};
pub use kernels::Scalar;
pub use map::map_blocks;
pub use operation::{Along, Operation, Schedule, ScratchNeed, plan};
pub use options::{Options, Progress, ProgressFn};
pub use reduce::{Norm, max, min, norm, sum};
pub use sparse::{plan_sparse, spmv};
pub use summary::{Summarize, Summary, Value, summarize, summarize_sparse};
pub use vector::{Vector, VectorMut};
