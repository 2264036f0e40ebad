//! The one planner of ooc: [`BlockPlan`] cuts a 2-D array into blocks aligned to its
//! storage chunks, or a sparse matrix into row ranges by its row offsets, so that the
//! buffers of every block in flight, plus the operation's scratch (fixed and per block
//! row), fit a [`MemoryBudget`]. Every operation in `ooc-linalg` states its cost as a
//! [`BlockRequest`] or [`SparseRequest`] and plans here; blocks are produced on demand
//! ([`BlockPlan::block`]), so a plan's size does not grow with the row count of a dense
//! array.

use crate::budget::MemoryBudget;
use crate::error::{Error, Result};
use crate::shape::{Region, checked_bytes};

/// What an operation tells the planner about the dense array it will stream and its own
/// needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlockRequest {
    /// Rows and columns of the array (N-D arrays are planned as rows × the rest).
    pub shape: [usize; 2],
    /// Bytes per element.
    pub elem_size: usize,
    /// Storage chunk shape to align blocks to; `None` for no preference.
    pub chunk: Option<[usize; 2]>,
    /// How many block buffers are alive at once (workers × (1 + read-ahead)).
    pub in_flight: usize,
    /// Scratch memory the operation needs besides the block buffers, whatever the block
    /// shape, in bytes.
    pub scratch_bytes: usize,
    /// Scratch memory per row of the tallest block, for all partial results in flight
    /// together (e.g. GEMV's slices of `y`), in bytes.
    pub scratch_per_row: usize,
    /// The plan should have at least this many blocks when the array allows, so that all
    /// workers have work (block sizes shrink, never below one chunk).
    pub min_blocks: usize,
    /// Whole-row blocks are cut no larger than this many bytes when the array allows
    /// (never below one chunk-row); `usize::MAX` for no cap.
    pub max_block_bytes: usize,
    /// Blocks must span whole rows (needed by operations that consume rows at once).
    pub full_rows: bool,
}

impl BlockRequest {
    /// A request for `shape` with `elem_size`-byte elements: no chunk preference, one
    /// buffer in flight, no scratch, no size cap, whole rows.
    #[must_use]
    pub fn new(shape: [usize; 2], elem_size: usize) -> Self {
        BlockRequest {
            shape,
            elem_size,
            chunk: None,
            in_flight: 1,
            scratch_bytes: 0,
            scratch_per_row: 0,
            min_blocks: 1,
            max_block_bytes: usize::MAX,
            full_rows: true,
        }
    }
}

/// What an operation tells the planner about a sparse matrix it will stream in CSR row
/// blocks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SparseRequest {
    /// Columns of the matrix.
    pub cols: usize,
    /// Bytes per stored value.
    pub elem_size: usize,
    /// Bytes per stored column index and per row offset in a block buffer.
    pub index_size: usize,
    /// Bytes of output per block row (e.g. SpMV's slice of `y`), per buffer in flight.
    pub out_per_row: usize,
    /// How many block buffers are alive at once.
    pub in_flight: usize,
    /// Scratch besides the block buffers and the row offsets, in bytes.
    pub scratch_bytes: usize,
    /// Blocks are cut no larger than this many bytes when rows allow; `usize::MAX` for
    /// no cap.
    pub max_block_bytes: usize,
}

/// One block of consecutive rows of a sparse matrix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RowBlock {
    /// First row.
    pub row0: usize,
    /// Number of rows (at least one).
    pub rows: usize,
    /// Stored entries in those rows.
    pub nnz: usize,
}

/// How a plan's blocks are laid out.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Layout {
    /// Equal blocks of this shape (smaller at the far edges), in row-major order.
    Grid([usize; 2]),
    /// Row ranges of a sparse matrix, cut by their stored entries: block `i` is rows
    /// `starts[i]..starts[i + 1]`.
    Rows {
        offsets: Vec<usize>,
        starts: Vec<usize>,
        max_rows: usize,
        max_nnz: usize,
    },
}

/// A cutting of a 2-D array into blocks whose buffers, all in flight at once, fit a
/// budget: equal chunk-aligned tiles of a dense array ([`BlockPlan::new`]), or row ranges
/// of a sparse matrix balanced by stored entries ([`BlockPlan::sparse`]).
///
/// ```
/// use ooc_core::{BlockPlan, BlockRequest, MemoryBudget};
/// // 1000 × 100,000 f32, chunks of 100 rows, 4 buffers in flight, 256 MiB budget.
/// let mut req = BlockRequest::new([1000, 100_000], 4);
/// req.chunk = Some([100, 100_000]);
/// req.in_flight = 4;
/// let plan = BlockPlan::new(&req, MemoryBudget::mib(256))?;
/// assert_eq!(plan.block_shape()[1], 100_000);
/// assert_eq!(plan.block_shape()[0] % 100, 0);
/// assert!(plan.total_bytes() <= 256 << 20);
/// assert_eq!(plan.blocks().map(|r| r.shape[0]).sum::<usize>(), 1000);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlockPlan {
    shape: [usize; 2],
    layout: Layout,
    buffer_bytes: usize,
    in_flight: usize,
    scratch_bytes: usize,
}

impl BlockPlan {
    /// Plans blocks of a dense array for `request` inside `budget`.
    ///
    /// Prefers blocks of whole rows, as many chunk-rows tall as the budget allows (but
    /// short enough to give `min_blocks` blocks and to stay under `max_block_bytes`); when
    /// not even one chunk-row of whole rows fits and `full_rows` is false, cuts the
    /// columns too, in whole chunks. The per-row scratch is charged for the rows of the
    /// tallest block.
    ///
    /// # Errors
    /// [`Error::BudgetTooSmall`] with the smallest budget that would work when even the
    /// smallest block (one chunk-row, or one chunk) cannot fit; [`Error::InvalidChunkShape`]
    /// for a chunk with a zero side; [`Error::ShapeOverflow`] for impossible sizes.
    pub fn new(request: &BlockRequest, budget: MemoryBudget) -> Result<Self> {
        let [rows, cols] = request.shape;
        let elem = request.elem_size.max(1);
        let in_flight = request.in_flight.max(1);
        let chunk = request.chunk.unwrap_or([1, cols.max(1)]);
        if chunk.contains(&0) {
            return Err(Error::InvalidChunkShape {
                chunk: chunk.to_vec(),
                array: request.shape.to_vec(),
                reason: "chunk sides must be at least 1",
            });
        }
        checked_bytes(&request.shape, elem)?;
        let mut plan = BlockPlan {
            shape: request.shape,
            layout: Layout::Grid([0, 0]),
            buffer_bytes: 0,
            in_flight,
            scratch_bytes: request.scratch_bytes,
        };
        if rows == 0 || cols == 0 {
            return Ok(plan);
        }
        // Chunks larger than the array are clipped: a block never needs more than the array.
        let cr = chunk[0].min(rows);
        let cc = chunk[1].min(cols);
        let fixed = request.scratch_bytes;
        let per_row = request.scratch_per_row;
        let bytes = budget.bytes();
        // What a block of `r` rows and `c` columns costs with everything that comes with it.
        let cost = |r: usize, c: usize| {
            in_flight
                .saturating_mul(r)
                .saturating_mul(c)
                .saturating_mul(elem)
                .saturating_add(fixed)
                .saturating_add(per_row.saturating_mul(r))
        };
        let row_cost = cost(1, cols).saturating_sub(fixed).max(1);
        let tallest = bytes.saturating_sub(fixed) / row_cost;
        let block = if tallest >= cr {
            let bands_fit = tallest / cr;
            let bands_total = rows.div_ceil(cr);
            let bands_for_min = bands_total.div_ceil(request.min_blocks.max(1)).max(1);
            let band_bytes = cr.saturating_mul(cols).saturating_mul(elem);
            let bands_for_cap = (request.max_block_bytes / band_bytes).max(1);
            let bands = bands_fit
                .min(bands_for_min)
                .min(bands_for_cap)
                .min(bands_total)
                .max(1);
            [(bands * cr).min(rows), cols]
        } else if request.full_rows {
            return Err(Error::BudgetTooSmall {
                needed: cost(cr, cols),
                budget: bytes,
            });
        } else {
            let needed = cost(cr, cc);
            if needed > bytes {
                return Err(Error::BudgetTooSmall {
                    needed,
                    budget: bytes,
                });
            }
            let per_buffer = (bytes - fixed - per_row * cr) / in_flight;
            let tiles = (per_buffer / (cr * cc * elem)).max(1);
            [cr, (tiles * cc).min(cols)]
        };
        plan.layout = Layout::Grid(block);
        plan.buffer_bytes = block[0] * block[1] * elem;
        plan.scratch_bytes = fixed + per_row * block[0];
        Ok(plan)
    }

    /// Plans row blocks of a sparse matrix whose CSR row pointer is `offsets` (`rows + 1`
    /// entries from 0 to `nnz`), for `request` inside `budget`.
    ///
    /// The plan keeps the row pointer, and it is charged to the budget together with the
    /// block boundaries (at most one per row). Each buffer is sized for the most rows and
    /// the most entries of any block, so both are capped in proportion to the matrix
    /// within a buffer's share (and blocks are small enough that every buffer has work
    /// when the matrix is small); a row too wide for that is a block of its own.
    ///
    /// # Errors
    /// [`Error::InvalidSparse`] for a row pointer that does not start at 0 or decreases;
    /// [`Error::BudgetTooSmall`] with the smallest budget that would work when the widest
    /// row does not fit.
    pub fn sparse(
        offsets: Vec<usize>,
        request: &SparseRequest,
        budget: MemoryBudget,
    ) -> Result<Self> {
        let rows = offsets.len().saturating_sub(1);
        if offsets.first() != Some(&0) {
            return Err(Error::InvalidSparse(format!(
                "row pointer must start at 0, starts with {:?}",
                offsets.first()
            )));
        }
        if let Some(w) = offsets.windows(2).position(|w| w[0] > w[1]) {
            return Err(Error::InvalidSparse(format!(
                "row pointer decreases at row {w}: {} > {}",
                offsets[w],
                offsets[w + 1]
            )));
        }
        let in_flight = request.in_flight.max(1);
        let word = request.index_size.max(1);
        let unit = request.elem_size + word;
        let block_cost = |r: usize, nnz: usize| {
            nnz.saturating_mul(unit)
                .saturating_add((r + 1).saturating_mul(word))
                .saturating_add(r.saturating_mul(request.out_per_row))
        };
        // The row pointer, and block boundaries: at most one per row.
        let index_bytes = offsets
            .len()
            .saturating_mul(2 * std::mem::size_of::<usize>());
        let fixed = request.scratch_bytes.saturating_add(index_bytes);
        let widest = offsets.windows(2).map(|w| w[1] - w[0]).max().unwrap_or(0);
        let needed = block_cost(1, widest)
            .saturating_mul(in_flight)
            .saturating_add(fixed);
        if needed > budget.bytes() {
            return Err(Error::BudgetTooSmall {
                needed,
                budget: budget.bytes(),
            });
        }
        let nnz = offsets[rows];
        let per_slot = (budget.bytes() - fixed) / in_flight;
        let whole = block_cost(rows, nnz);
        let target = per_slot
            .min(whole.div_ceil(in_flight))
            .min(request.max_block_bytes)
            .max(block_cost(1, widest));
        #[allow(
            clippy::cast_precision_loss,
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss
        )]
        let mut nnz_cap = widest.max((target as f64 / whole.max(1) as f64 * nnz as f64) as usize);
        if block_cost(1, nnz_cap) > target {
            nnz_cap = widest.max(target.saturating_sub(block_cost(1, 0)) / unit);
        }
        let row_unit = word + request.out_per_row;
        let rows_cap = (target.saturating_sub(block_cost(0, nnz_cap)) / row_unit.max(1)).max(1);
        let mut starts = Vec::new();
        let (mut max_rows, mut max_nnz) = (0, 0);
        let mut start = 0;
        while start < rows {
            let mut end = start + 1;
            while end < rows
                && end - start < rows_cap
                && offsets[end + 1] - offsets[start] <= nnz_cap
            {
                end += 1;
            }
            starts.push(start);
            max_rows = max_rows.max(end - start);
            max_nnz = max_nnz.max(offsets[end] - offsets[start]);
            start = end;
        }
        starts.push(rows);
        starts.shrink_to_fit();
        Ok(BlockPlan {
            shape: [rows, request.cols],
            layout: Layout::Rows {
                offsets,
                starts,
                max_rows,
                max_nnz,
            },
            buffer_bytes: block_cost(max_rows, max_nnz),
            in_flight,
            scratch_bytes: fixed,
        })
    }

    /// The array's rows and columns.
    #[must_use]
    pub fn shape(&self) -> [usize; 2] {
        self.shape
    }

    /// The shape of a full (non-edge) block of a dense plan; for a sparse plan, the most
    /// rows of any block by all columns.
    #[must_use]
    pub fn block_shape(&self) -> [usize; 2] {
        match &self.layout {
            Layout::Grid(block) => *block,
            Layout::Rows { max_rows, .. } => [*max_rows, self.shape[1]],
        }
    }

    /// The most stored entries of any block (0 for a dense plan).
    #[must_use]
    pub fn max_block_nnz(&self) -> usize {
        match &self.layout {
            Layout::Grid(_) => 0,
            Layout::Rows { max_nnz, .. } => *max_nnz,
        }
    }

    /// Number of blocks along rows and columns.
    #[must_use]
    pub fn grid(&self) -> [usize; 2] {
        match &self.layout {
            Layout::Grid([0, _]) => [0, 0],
            Layout::Grid(block) => [
                self.shape[0].div_ceil(block[0]),
                self.shape[1].div_ceil(block[1]),
            ],
            Layout::Rows { starts, .. } => {
                let n = starts.len() - 1;
                [n, usize::from(n > 0)]
            }
        }
    }

    /// Total number of blocks.
    #[must_use]
    pub fn len(&self) -> usize {
        let [r, c] = self.grid();
        r * c
    }

    /// Whether there are no blocks (an empty array).
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Bytes of one block buffer.
    #[must_use]
    pub fn buffer_bytes(&self) -> usize {
        self.buffer_bytes
    }

    /// Buffers in flight the plan was made for.
    #[must_use]
    pub fn in_flight(&self) -> usize {
        self.in_flight
    }

    /// Scratch bytes besides the block buffers (fixed, per-row for the tallest block,
    /// and for a sparse plan its row pointer and block list).
    #[must_use]
    pub fn scratch_bytes(&self) -> usize {
        self.scratch_bytes
    }

    /// Bytes the plan may hold at once: buffers in flight plus scratch.
    #[must_use]
    pub fn total_bytes(&self) -> usize {
        self.buffer_bytes
            .saturating_mul(self.in_flight)
            .saturating_add(self.scratch_bytes)
    }

    /// Block `index`, in row-major order, as a region of the array (a sparse plan's
    /// blocks span all columns).
    ///
    /// # Panics
    /// When `index >= self.len()`.
    #[must_use]
    pub fn block(&self, index: usize) -> Region {
        assert!(
            index < self.len(),
            "block {index} of a {}-block plan",
            self.len()
        );
        match &self.layout {
            Layout::Grid(block) => {
                let [_, gc] = self.grid();
                let (bi, bj) = (index / gc, index % gc);
                let r0 = bi * block[0];
                let c0 = bj * block[1];
                Region::block(
                    r0,
                    c0,
                    block[0].min(self.shape[0] - r0),
                    block[1].min(self.shape[1] - c0),
                )
            }
            Layout::Rows { starts, .. } => Region::rows(
                starts[index],
                starts[index + 1] - starts[index],
                self.shape[1],
            ),
        }
    }

    /// Row block `index` of a sparse plan with its stored entries; for a dense plan, the
    /// rows of block `index` with `nnz` 0.
    ///
    /// # Panics
    /// When `index >= self.len()`.
    #[must_use]
    pub fn row_block(&self, index: usize) -> RowBlock {
        match &self.layout {
            Layout::Rows {
                offsets, starts, ..
            } => {
                let (r0, r1) = (starts[index], starts[index + 1]);
                RowBlock {
                    row0: r0,
                    rows: r1 - r0,
                    nnz: offsets[r1] - offsets[r0],
                }
            }
            Layout::Grid(_) => {
                let r = self.block(index);
                RowBlock {
                    row0: r.start[0],
                    rows: r.shape[0],
                    nnz: 0,
                }
            }
        }
    }

    /// Every block, in row-major order, made as it is asked for.
    pub fn blocks(&self) -> impl ExactSizeIterator<Item = Region> + '_ {
        (0..self.len()).map(|i| self.block(i))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn request() -> impl Strategy<Value = BlockRequest> {
        (
            (0_usize..60, 0_usize..60),
            prop::sample::select(vec![1_usize, 2, 4, 8, 16]),
            prop::option::of((1_usize..80, 1_usize..80)),
            1_usize..6,
            0_usize..500,
            1_usize..10,
            any::<bool>(),
            (
                0_usize..40,
                prop::sample::select(vec![usize::MAX, 64, 1000]),
            ),
        )
            .prop_map(
                |(
                    (r, c),
                    elem,
                    chunk,
                    in_flight,
                    scratch,
                    min_blocks,
                    full_rows,
                    (per_row, cap),
                )| {
                    BlockRequest {
                        shape: [r, c],
                        elem_size: elem,
                        chunk: chunk.map(|(a, b)| [a, b]),
                        in_flight,
                        scratch_bytes: scratch,
                        scratch_per_row: per_row,
                        min_blocks,
                        max_block_bytes: cap,
                        full_rows,
                    }
                },
            )
    }

    proptest! {
        #[test]
        fn plan_covers_every_element_once_and_fits(req in request(), budget in 0_usize..40_000) {
            match BlockPlan::new(&req, MemoryBudget::new(budget)) {
                Ok(plan) => {
                    prop_assert!(plan.total_bytes() <= budget);
                    let [rows, cols] = req.shape;
                    let mut seen = vec![0_u8; rows * cols];
                    for region in plan.blocks() {
                        prop_assert!(region.check(&req.shape).is_ok());
                        prop_assert!(region.len() * req.elem_size <= plan.buffer_bytes());
                        for i in region.start[0]..region.start[0] + region.shape[0] {
                            for j in region.start[1]..region.start[1] + region.shape[1] {
                                seen[i * cols + j] += 1;
                            }
                        }
                        if let Some([cr, cc]) = req.chunk {
                            prop_assert_eq!(region.start[0] % cr.min(rows), 0);
                            prop_assert_eq!(region.start[1] % cc.min(cols), 0);
                        }
                        if req.full_rows {
                            prop_assert_eq!(region.shape[1], cols);
                        }
                    }
                    prop_assert!(seen.iter().all(|&n| n == 1));
                }
                Err(Error::BudgetTooSmall { needed, budget: b }) => {
                    prop_assert_eq!(b, budget);
                    prop_assert!(needed > budget);
                    // The reported minimum really is enough.
                    let plan = BlockPlan::new(&req, MemoryBudget::new(needed)).unwrap();
                    prop_assert!(plan.total_bytes() <= needed);
                }
                Err(other) => prop_assert!(false, "unexpected error {other}"),
            }
        }
    }

    proptest! {
        /// Sparse plans cover every row once, in order, with the right entry counts, and
        /// fit the budget with the row pointer charged; a refusal names a budget that works.
        #[test]
        fn sparse_plans_cover_rows_once_and_fit(
            counts in prop::collection::vec(0_usize..50, 0..40),
            budget in 0_usize..20_000,
            in_flight in 1_usize..5,
        ) {
            let mut offsets = vec![0];
            for c in &counts {
                offsets.push(offsets.last().unwrap() + c);
            }
            let req = SparseRequest {
                cols: 50,
                elem_size: 8,
                index_size: 8,
                out_per_row: 8,
                in_flight,
                scratch_bytes: 0,
                max_block_bytes: usize::MAX,
            };
            match BlockPlan::sparse(offsets.clone(), &req, MemoryBudget::new(budget)) {
                Ok(p) => {
                    prop_assert!(p.total_bytes() <= budget);
                    let mut next = 0;
                    for i in 0..p.len() {
                        let b = p.row_block(i);
                        prop_assert_eq!(b.row0, next);
                        prop_assert!(b.rows > 0);
                        prop_assert_eq!(b.nnz, offsets[b.row0 + b.rows] - offsets[b.row0]);
                        prop_assert_eq!(p.block(i), Region::rows(b.row0, b.rows, 50));
                        next += b.rows;
                    }
                    prop_assert_eq!(next, counts.len());
                }
                Err(Error::BudgetTooSmall { needed, budget: b }) => {
                    prop_assert_eq!(b, budget);
                    prop_assert!(needed > budget);
                    let p = BlockPlan::sparse(offsets.clone(), &req, MemoryBudget::new(needed)).unwrap();
                    prop_assert!(p.total_bytes() <= needed);
                }
                Err(e) => prop_assert!(false, "{}", e),
            }
        }
    }

    #[test]
    fn min_blocks_spreads_work() {
        let mut req = BlockRequest::new([1000, 10], 4);
        req.min_blocks = 8;
        let plan = BlockPlan::new(&req, MemoryBudget::mib(100)).unwrap();
        assert!(plan.len() >= 8, "{plan:?}");
    }

    #[test]
    fn too_small_budget_names_the_minimum() {
        let mut req = BlockRequest::new([1000, 100_000], 4);
        req.chunk = Some([100, 100]);
        req.in_flight = 2;
        let err = BlockPlan::new(&req, MemoryBudget::new(1 << 20)).unwrap_err();
        assert!(err.to_string().contains("needs 80000000 bytes"), "{err}");
        req.full_rows = false;
        let plan = BlockPlan::new(&req, MemoryBudget::new(1 << 20)).unwrap();
        assert_eq!(plan.block_shape()[0], 100);
        assert_eq!(plan.block_shape()[1] % 100, 0);
    }

    #[test]
    fn empty_arrays_have_no_blocks() {
        let plan = BlockPlan::new(&BlockRequest::new([0, 7], 8), MemoryBudget::new(0)).unwrap();
        assert!(plan.is_empty());
        assert_eq!(plan.blocks().count(), 0);
    }
}
