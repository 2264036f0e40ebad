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

/// A planned run: the block plan and the scratch that comes with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schedule {
    /// The blocks, in the order they are combined.
    pub plan: BlockPlan,
    /// Scratch bytes besides the block buffers (partials, copies of small operands).
    pub scratch_bytes: usize,
    /// Partial results in flight (the ordered window).
    pub slots: usize,
}

impl Schedule {
    /// Bytes the run may hold at once: block buffers in flight plus scratch.
    #[must_use]
    pub fn total_bytes(&self) -> usize {
        self.plan.buffer_bytes() * self.plan.in_flight() + self.scratch_bytes
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

/// Plans `op` on `a` under `opts`: blocks aligned to `a`'s chunks, whose buffers in
/// flight (workers × (1 + read-ahead)) plus the operation's scratch fit the budget.
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
    plan_shape(op, shape, a.dtype().size(), chunk, opts)
}

/// Whole-row blocks are cut no larger than this when the budget allows bigger ones.
///
/// Small blocks let workers share the work evenly when one of them is slowed down (by
/// other processes, page faults or a slow read), and keep the workers' reads close
/// together in the file: two threads faulting in a cold memory map 4 MiB apart still look
/// like one sequential stream to the kernel's readahead, where blocks of a quarter of the
/// file each made two streams that defeated it (cold GEMV on a 400 MB map: 282 ms with
/// blocks of 25 MB, 246 ms with 4 MiB). Claiming a block costs a few microseconds.
pub(crate) const BALANCE_BLOCK_BYTES: usize = 4 << 20;

/// How many blocks cut `rows × cols` elements of `elem` bytes into pieces of about
/// [`BALANCE_BLOCK_BYTES`].
fn balance_blocks(rows: usize, cols: usize, elem: usize) -> usize {
    let total = rows.saturating_mul(cols).saturating_mul(elem);
    (total / BALANCE_BLOCK_BYTES).max(1)
}

pub(crate) fn plan_shape(
    op: &Operation,
    shape: [usize; 2],
    elem: usize,
    chunk: Option<[usize; 2]>,
    opts: &Options,
) -> Result<Schedule> {
    let [rows, cols] = shape;
    let in_flight = opts.in_flight();
    let slots = in_flight;
    let need = op.scratch(shape, elem, slots);
    let budget = opts.budget();
    let mut req = BlockRequest::new(shape, elem);
    req.chunk = chunk;
    req.in_flight = in_flight;
    req.min_blocks = in_flight;
    req.scratch_bytes = need.fixed;
    let schedule = |plan: BlockPlan| {
        let scratch = need
            .fixed
            .saturating_add(need.per_block_row.saturating_mul(plan.block_shape()[0]));
        Schedule {
            plan,
            scratch_bytes: scratch,
            slots,
        }
    };
    if rows == 0 || cols == 0 {
        return Ok(schedule(BlockPlan::new(&req, budget)?));
    }
    // One chunk-row is the shortest block; one chunk the smallest.
    let cr = chunk.map_or(1, |c| c[0]).min(rows).max(1);
    let cc = chunk.map_or(cols, |c| c[1]).min(cols).max(1);
    // A block row costs its buffers in flight plus its share of the partial results, so
    // the tallest block that fits is known before planning; capping the planner at that
    // height (through `min_blocks`) keeps the per-row scratch inside what was reserved.
    let row_cost = in_flight
        .saturating_mul(cols)
        .saturating_mul(elem)
        .saturating_add(need.per_block_row)
        .max(1);
    let tallest = budget.bytes().saturating_sub(need.fixed) / row_cost;
    let too_small = |block_cols: usize| LinalgError::BudgetTooSmall {
        needed: in_flight
            .saturating_mul(cr)
            .saturating_mul(block_cols)
            .saturating_mul(elem)
            .saturating_add(need.fixed)
            .saturating_add(need.per_block_row.saturating_mul(cr)),
        budget: budget.bytes(),
    };
    if tallest >= cr {
        let bands = (tallest / cr).max(1);
        req.full_rows = true;
        req.scratch_bytes = need
            .fixed
            .saturating_add(need.per_block_row.saturating_mul((bands * cr).min(rows)));
        req.min_blocks = in_flight
            .max(rows.div_ceil(cr).div_ceil(bands))
            .max(balance_blocks(rows, cols, elem));
        let plan = BlockPlan::new(&req, budget).map_err(|e| match e {
            ooc_core::Error::BudgetTooSmall { .. } => too_small(cols),
            other => other.into(),
        })?;
        return Ok(schedule(plan));
    }
    if need.full_rows {
        return Err(too_small(cols));
    }
    req.full_rows = false;
    req.scratch_bytes = need
        .fixed
        .saturating_add(need.per_block_row.saturating_mul(cr));
    let plan = BlockPlan::new(&req, budget).map_err(|e| match e {
        ooc_core::Error::BudgetTooSmall { .. } => too_small(cc),
        other => other.into(),
    })?;
    Ok(schedule(plan))
}
