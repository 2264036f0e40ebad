//! What each operation needs from the planner, stated up front (in the spirit of faer's
//! `LinOp` scratch requirements), and the planning that turns it into a [`Schedule`]:
//! a [`BlockPlan`] whose buffers in flight plus the operation's scratch fit the budget.

use ooc_core::{ArrayMeta, BlockPlan, BlockRequest};

use crate::error::{LinalgError, Result};
use crate::options::Options;

/// Which part of a matrix a reduction reduces over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Along {
    /// Over every element: one value.
    All,
    /// Over each row: one value per row.
    Rows,
    /// Over each column: one value per column.
    Cols,
}

/// An out-of-core operation on a dense `rows × cols` matrix, as the planner sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Operation {
    /// `y = A·x`.
    Gemv,
    /// `y = Aᵀ·x`.
    GemvT,
    /// `C = A·B` with `B` of `k` columns held in memory.
    Gemm {
        /// Columns of `B` and `C`.
        k: usize,
    },
    /// A blockwise map writing elements of `out_elem_size` bytes to a sink.
    Map {
        /// Bytes per output element.
        out_elem_size: usize,
    },
    /// A reduction (sum, min, max, norm) with per-block partials of `acc_size` bytes per
    /// value.
    Reduce {
        /// What is reduced over.
        along: Along,
        /// Bytes of one partial value.
        acc_size: usize,
    },
}

/// The scratch memory an operation needs besides its block buffers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ScratchNeed {
    /// Bytes needed whatever the block shape (e.g. GEMVᵀ's per-slot partial vectors of
    /// `cols` elements, GEMM's copy of `B`).
    pub fixed: usize,
    /// Bytes needed per row of a block, for each of the in-flight partial results (e.g.
    /// GEMV's slice of `y`).
    pub per_block_row: usize,
    /// Whether blocks must span whole rows.
    pub full_rows: bool,
}

impl Operation {
    /// The scratch this operation needs on a `shape` matrix of `elem_size`-byte elements,
    /// with `slots` partial results in flight.
    #[must_use]
    pub fn scratch(&self, shape: [usize; 2], elem_size: usize, slots: usize) -> ScratchNeed {
        let [_, cols] = shape;
        let (fixed, per_row, full_rows) = match *self {
            Operation::Gemv => (0, elem_size, false),
            Operation::GemvT => (
                slots.saturating_mul(cols).saturating_mul(elem_size),
                0,
                false,
            ),
            Operation::Gemm { k } => (
                cols.saturating_mul(k).saturating_mul(elem_size),
                k.saturating_mul(elem_size),
                false,
            ),
            Operation::Map { out_elem_size } => (0, cols.saturating_mul(out_elem_size), false),
            Operation::Reduce { along, acc_size } => match along {
                Along::All => (slots.saturating_mul(acc_size), 0, false),
                Along::Rows => (0, acc_size, false),
                Along::Cols => (
                    slots.saturating_mul(cols).saturating_mul(acc_size),
                    0,
                    false,
                ),
            },
        };
        ScratchNeed {
            fixed,
            per_block_row: per_row.saturating_mul(slots),
            full_rows,
        }
    }
}

/// A planned run: the block plan (with the operation's scratch charged in it) and the
/// number of partial results in flight.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schedule {
    /// The blocks, in the order they are combined.
    pub plan: BlockPlan,
    /// Partial results in flight (the ordered window).
    pub slots: usize,
}

impl Schedule {
    /// Bytes the run may hold at once: block buffers in flight plus scratch.
    #[must_use]
    pub fn total_bytes(&self) -> usize {
        self.plan.total_bytes()
    }
}

/// The 2-D shape of `a`, or [`LinalgError::NotMatrix`].
pub(crate) fn matrix_shape(op: &'static str, shape: &[usize]) -> Result<[usize; 2]> {
    match *shape {
        [r, c] => Ok([r, c]),
        _ => Err(LinalgError::NotMatrix {
            op,
            shape: shape.to_vec(),
        }),
    }
}

/// Plans `op` on `a` under `opts` through `ooc-core`'s planner: blocks aligned to `a`'s
/// chunks, whose buffers in flight (workers × (1 + read-ahead)) plus the operation's
/// scratch fit the budget.
///
/// Blocks span whole rows when the budget allows; otherwise they are cut into whole
/// chunks along the columns too (which changes the summation order of row results).
///
/// ```
/// use ooc_core::{MemArray, MemoryBudget, Par};
/// use ooc_linalg::{Operation, Options, plan};
///
/// let a = MemArray::<f32>::zeros(&[1000, 500])?.with_chunk_shape(vec![100, 500])?;
/// let opts = Options::new().with_par(Par::threads(2)).with_budget(MemoryBudget::mib(2));
/// let s = plan(&Operation::Gemv, &a, &opts)?;
/// assert!(s.total_bytes() <= 2 << 20);
/// assert_eq!(s.plan.block_shape()[0] % 100, 0);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
/// [`LinalgError::NotMatrix`] when `a` is not 2-D; [`LinalgError::BudgetTooSmall`] with
/// the smallest budget that works when not even one chunk fits.
pub fn plan(op: &Operation, a: &dyn ArrayMeta, opts: &Options) -> Result<Schedule> {
    let shape = matrix_shape("plan", a.shape())?;
    let chunk = a.chunk_shape().and_then(|c| match *c {
        [r, c] => Some([r, c]),
        _ => None,
    });
    let elem = a.dtype().size();
    let slots = opts.in_flight();
    let need = op.scratch(shape, elem, slots);
    let mut req = BlockRequest::new(shape, elem);
    req.chunk = chunk;
    req.in_flight = slots;
    req.min_blocks = slots;
    req.scratch_bytes = need.fixed;
    req.scratch_per_row = need.per_block_row;
    req.max_block_bytes = BALANCE_BLOCK_BYTES;
    req.full_rows = need.full_rows;
    let plan = BlockPlan::new(&req, opts.budget())?;
    Ok(Schedule { plan, slots })
}

/// Blocks are cut no larger than this when the budget allows bigger ones.
///
/// Small blocks let workers share the work evenly when one of them is slowed down (by
/// other processes, page faults or a slow read), and keep the workers' reads close
/// together in the file: two threads faulting in a cold memory map 4 MiB apart still look
/// like one sequential stream to the kernel's readahead, where blocks of a quarter of the
/// file each made two streams that defeated it (cold GEMV on a 400 MB map: 282 ms with
/// blocks of 25 MB, 246 ms with 4 MiB). Claiming a block costs a few microseconds. Sparse
/// row blocks use the same cap, so each slot's buffers stay in cache.
pub(crate) const BALANCE_BLOCK_BYTES: usize = 4 << 20;
