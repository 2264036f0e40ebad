//! [`BlockPlan`]: how to cut a 2-D array into blocks that are aligned to its storage
//! chunks and whose buffers, all in flight at once, fit a [`MemoryBudget`].

use crate::budget::MemoryBudget;
use crate::error::{Error, Result};
use crate::shape::{Region, checked_bytes};

/// What an operation tells the planner about the array it will stream and its own needs.
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
    /// Scratch memory the operation needs besides the block buffers, in bytes.
    pub scratch_bytes: usize,
    /// The plan should have at least this many blocks when the array allows, so that all
    /// workers have work (block sizes shrink, never below one chunk).
    pub min_blocks: usize,
    /// Blocks must span whole rows (needed by operations that consume rows at once).
    pub full_rows: bool,
}

impl BlockRequest {
    /// A request for `shape` with `elem_size`-byte elements: no chunk preference, one
    /// buffer in flight, no scratch, whole rows.
    #[must_use]
    pub fn new(shape: [usize; 2], elem_size: usize) -> Self {
        BlockRequest {
            shape,
            elem_size,
            chunk: None,
            in_flight: 1,
            scratch_bytes: 0,
            min_blocks: 1,
            full_rows: true,
        }
    }
}

/// A tiling of a 2-D array into equal blocks (smaller at the far edges), in row-major order.
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
    block: [usize; 2],
    buffer_bytes: usize,
    in_flight: usize,
    scratch_bytes: usize,
}

impl BlockPlan {
    /// Plans blocks for `request` inside `budget`.
    ///
    /// Prefers blocks of whole rows, as many chunk-rows tall as the budget allows (but
    /// short enough to give `min_blocks` blocks); when not even one chunk-row of whole rows
    /// fits and `full_rows` is false, cuts the columns too, in whole chunks.
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
        // Chunks larger than the array are clipped: a block never needs more than the array.
        let cr = chunk[0].min(rows).max(1);
        let cc = chunk[1].min(cols).max(1);
        checked_bytes(&request.shape, elem)?;
        let mut plan = BlockPlan {
            shape: request.shape,
            block: [0, 0],
            buffer_bytes: 0,
            in_flight,
            scratch_bytes: request.scratch_bytes,
        };
        if rows == 0 || cols == 0 {
            return Ok(plan);
        }
        let needed = |block_bytes: usize| {
            block_bytes
                .checked_mul(in_flight)
                .and_then(|b| b.checked_add(request.scratch_bytes))
                .unwrap_or(usize::MAX)
        };
        let available = budget.bytes().saturating_sub(request.scratch_bytes);
        let per_buffer = available / in_flight;
        let row_bytes = cols * elem;
        let band_bytes = cr * row_bytes;
        if band_bytes <= per_buffer && needed(band_bytes) <= budget.bytes() {
            let bands_fit = per_buffer / band_bytes;
            let bands_total = rows.div_ceil(cr);
            let bands_for_min = bands_total.div_ceil(request.min_blocks.max(1)).max(1);
            let bands = bands_fit.min(bands_for_min).min(bands_total).max(1);
            plan.block = [(bands * cr).min(rows), cols];
        } else if request.full_rows {
            return Err(Error::BudgetTooSmall {
                needed: needed(band_bytes),
                budget: budget.bytes(),
            });
        } else {
            let tile_bytes = cr * cc * elem;
            if tile_bytes > per_buffer || needed(tile_bytes) > budget.bytes() {
                return Err(Error::BudgetTooSmall {
                    needed: needed(tile_bytes),
                    budget: budget.bytes(),
                });
            }
            let tiles = (per_buffer / tile_bytes).max(1);
            plan.block = [cr, (tiles * cc).min(cols)];
        }
        plan.buffer_bytes = plan.block[0] * plan.block[1] * elem;
        Ok(plan)
    }

    /// Rows and columns of the array.
    #[must_use]
    pub fn shape(&self) -> [usize; 2] {
        self.shape
    }

    /// Rows and columns of a full block (edge blocks may be smaller); `[0, 0]` when the
    /// array is empty.
    #[must_use]
    pub fn block_shape(&self) -> [usize; 2] {
        self.block
    }

    /// Blocks along rows and columns.
    #[must_use]
    pub fn grid(&self) -> [usize; 2] {
        if self.block[0] == 0 {
            return [0, 0];
        }
        [
            self.shape[0].div_ceil(self.block[0]),
            self.shape[1].div_ceil(self.block[1]),
        ]
    }

    /// Number of blocks.
    #[must_use]
    pub fn len(&self) -> usize {
        let [r, c] = self.grid();
        r * c
    }

    /// Whether the plan has no block (the array is empty).
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Bytes of one full block buffer.
    #[must_use]
    pub fn buffer_bytes(&self) -> usize {
        self.buffer_bytes
    }

    /// How many buffers the plan allows in flight.
    #[must_use]
    pub fn in_flight(&self) -> usize {
        self.in_flight
    }

    /// Bytes the plan holds at most: every buffer in flight plus scratch.
    #[must_use]
    pub fn total_bytes(&self) -> usize {
        self.buffer_bytes * self.in_flight + self.scratch_bytes
    }

    /// The `index`-th block in row-major order, clipped at the array's edges.
    ///
    /// # Panics
    /// When `index >= self.len()`.
    #[must_use]
    pub fn block(&self, index: usize) -> Region {
        let [_, gc] = self.grid();
        assert!(
            index < self.len(),
            "block {index} of a {}-block plan",
            self.len()
        );
        let (bi, bj) = (index / gc, index % gc);
        let r0 = bi * self.block[0];
        let c0 = bj * self.block[1];
        Region::block(
            r0,
            c0,
            self.block[0].min(self.shape[0] - r0),
            self.block[1].min(self.shape[1] - c0),
        )
    }

    /// Every block in row-major order.
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
        )
            .prop_map(
                |((r, c), elem, chunk, in_flight, scratch, min_blocks, full_rows)| BlockRequest {
                    shape: [r, c],
                    elem_size: elem,
                    chunk: chunk.map(|(a, b)| [a, b]),
                    in_flight,
                    scratch_bytes: scratch,
                    min_blocks,
                    full_rows,
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
