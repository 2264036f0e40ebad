//! [`spmv`]: `y = A·x` for a sparse matrix read in CSR row blocks from any
//! [`ReadSparseRows`] backend, in memory or streamed from disk.
//!
//! Row blocks are cut from the matrix's row pointer so that each block's entries fit its
//! share of the budget and a few MiB (rows with many entries get short blocks), and there
//! are at least as many blocks as slots in flight when the matrix allows.

use ooc_core::{CsrBlock, ReadSparseRows};

use crate::engine::{Source, run};
use crate::error::{LinalgError, Result};
use crate::kernels::{Scalar, spmv_block};
use crate::operation::BALANCE_BLOCK_BYTES;
use crate::options::Options;

/// One block of consecutive rows of a sparse matrix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RowBlock {
    /// First row.
    pub row0: usize,
    /// Number of rows.
    pub rows: usize,
    /// Stored entries in these rows.
    pub nnz: usize,
}

/// Row blocks of a sparse matrix, and the largest block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SparsePlan {
    /// The blocks, in order.
    pub blocks: Vec<RowBlock>,
    /// Most rows in one block.
    pub max_rows: usize,
    /// Most stored entries in one block.
    pub max_nnz: usize,
    /// Bytes the run may hold at once (buffers and partial results of every slot).
    pub total_bytes: usize,
}

/// Bytes one in-flight slot needs for a block of `rows` rows and `nnz` entries: the CSR
/// buffer (values, column indices, row pointer) and the block's slice of `y`.
fn block_cost<T>(rows: usize, nnz: usize) -> usize {
    let word = std::mem::size_of::<usize>();
    let elem = std::mem::size_of::<T>();
    nnz.saturating_mul(elem + word)
        .saturating_add((rows + 1).saturating_mul(word))
        .saturating_add(rows.saturating_mul(elem))
}

/// Plans row blocks of a matrix with CSR row pointer `offsets` under `opts`.
///
/// ```
/// use ooc_core::MemoryBudget;
/// use ooc_linalg::{Options, plan_sparse};
///
/// // 4 rows with 1, 0, 5, 2 entries.
/// let s = plan_sparse::<f64>(&[0, 1, 1, 6, 8], &Options::new().with_budget(MemoryBudget::mib(1)))?;
/// assert_eq!(s.blocks.iter().map(|b| b.rows).sum::<usize>(), 4);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
/// [`LinalgError::InvalidSparseBlock`] when `offsets` is empty, does not start at 0 or
/// decreases; [`LinalgError::BudgetTooSmall`] with the minimum when the row with most
/// entries does not fit.
pub fn plan_sparse<T: Scalar>(offsets: &[usize], opts: &Options) -> Result<SparsePlan> {
    let rows = offsets.len().saturating_sub(1);
    let invalid = |reason: String| LinalgError::InvalidSparseBlock {
        row0: 0,
        row_end: rows,
        reason,
    };
    if offsets.first() != Some(&0) {
        return Err(invalid(format!(
            "row pointer must start at 0, starts with {:?}",
            offsets.first()
        )));
    }
    if let Some(w) = offsets.windows(2).position(|w| w[0] > w[1]) {
        return Err(invalid(format!(
            "row pointer decreases at row {w}: {} > {}",
            offsets[w],
            offsets[w + 1]
        )));
    }
    let in_flight = opts.in_flight();
    let budget = opts.budget().bytes();
    let widest = offsets.windows(2).map(|w| w[1] - w[0]).max().unwrap_or(0);
    let needed = block_cost::<T>(1, widest).saturating_mul(in_flight);
    if rows > 0 && needed > budget {
        return Err(LinalgError::BudgetTooSmall { needed, budget });
    }
    let nnz = offsets[rows];
    let per_slot = budget / in_flight;
    let whole = block_cost::<T>(rows, nnz);
    // Each slot's buffers are sized for the most rows and the most entries of any block,
    // so both are capped, in proportion to the matrix, within the slot's share (and
    // blocks are small enough that every slot has work when the matrix is small). As for
    // dense blocks, a few MiB at most: a slot's buffers then stay in cache and are faulted
    // in once, and workers share the work evenly.
    let target = per_slot
        .min(whole.div_ceil(in_flight))
        .min(BALANCE_BLOCK_BYTES)
        .max(block_cost::<T>(1, widest));
    let unit = std::mem::size_of::<T>() + std::mem::size_of::<usize>();
    #[allow(
        clippy::cast_precision_loss,
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss
    )]
    let mut nnz_cap = widest.max((target as f64 / whole.max(1) as f64 * nnz as f64) as usize);
    if block_cost::<T>(1, nnz_cap) > target {
        nnz_cap = widest.max(target.saturating_sub(block_cost::<T>(1, 0)) / unit);
    }
    let rows_cap = (target.saturating_sub(block_cost::<T>(0, nnz_cap)) / unit).max(1);
    let mut blocks = Vec::new();
    let (mut max_rows, mut max_nnz) = (0, 0);
    let mut start = 0;
    while start < rows {
        let mut end = start + 1;
        while end < rows && end - start < rows_cap && offsets[end + 1] - offsets[start] <= nnz_cap {
            end += 1;
        }
        blocks.push(RowBlock {
            row0: start,
            rows: end - start,
            nnz: offsets[end] - offsets[start],
        });
        max_rows = max_rows.max(end - start);
        max_nnz = max_nnz.max(offsets[end] - offsets[start]);
        start = end;
    }
    Ok(SparsePlan {
        blocks,
        max_rows,
        max_nnz,
        total_bytes: block_cost::<T>(max_rows, max_nnz).saturating_mul(in_flight),
    })
}

struct Rows<'a, T: Scalar, S: ?Sized> {
    a: &'a S,
    plan: &'a SparsePlan,
    marker: std::marker::PhantomData<T>,
}

impl<T: Scalar, S: ReadSparseRows<T> + ?Sized> Source for Rows<'_, T, S> {
    type Buf = CsrBlock<T>;
    type Data = CsrBlock<T>;

    fn len(&self) -> usize {
        self.plan.blocks.len()
    }
    fn bytes(&self, i: usize) -> u64 {
        let b = self.plan.blocks[i];
        (b.nnz * (std::mem::size_of::<T>() + std::mem::size_of::<usize>())) as u64
    }
    fn concurrent_reads(&self) -> bool {
        self.a.concurrent_reads()
    }
    fn lends_views(&self) -> bool {
        false
    }
    fn new_buf(&self) -> CsrBlock<T> {
        CsrBlock {
            row0: 0,
            indptr: Vec::with_capacity(self.plan.max_rows + 1),
            indices: Vec::with_capacity(self.plan.max_nnz),
            data: Vec::with_capacity(self.plan.max_nnz),
        }
    }
    fn view(&self, _i: usize) -> Result<Option<&CsrBlock<T>>> {
        Ok(None)
    }
    fn read(&self, i: usize, buf: &mut CsrBlock<T>) -> Result<()> {
        let b = self.plan.blocks[i];
        Ok(self.a.read_rows(b.row0, b.rows, buf)?)
    }
    fn data<'b>(&self, _i: usize, buf: &'b CsrBlock<T>) -> &'b CsrBlock<T> {
        buf
    }
}

/// `y = A·x` for a sparse `rows × cols` matrix read in CSR row blocks.
///
/// Each `y[i]` is the sum of row `i`'s entries in stored order, whatever the blocks and
/// threads, so results are bit-identical across thread counts and budgets.
///
/// # Errors
/// [`LinalgError::DimensionMismatch`] when `x` does not have `cols` or `y` `rows`
/// elements; [`LinalgError::BudgetTooSmall`] when the row with most entries does not fit;
/// [`LinalgError::InvalidSparseBlock`] when the backend hands over rows that are not valid
/// CSR for this matrix (column index out of range, wrong row count); the backend's
/// errors. After an error `y` holds no meaningful result.
pub fn spmv<T: Scalar, S: ReadSparseRows<T> + ?Sized>(
    a: &S,
    x: &[T],
    y: &mut [T],
    opts: &Options,
) -> Result<()> {
    let [m, n] = a.sparse_shape();
    let mismatch = |name, len: usize| LinalgError::DimensionMismatch {
        op: "spmv",
        left_name: "matrix",
        left: vec![m, n],
        right_name: name,
        right: vec![len],
    };
    if x.len() != n {
        return Err(mismatch("x", x.len()));
    }
    if y.len() != m {
        return Err(mismatch("y", y.len()));
    }
    y.fill(T::default());
    if m == 0 {
        return Ok(());
    }
    let offsets = a.row_offsets()?;
    if offsets.len() != m + 1 || offsets.last() != Some(&a.nnz()) {
        return Err(LinalgError::InvalidSparseBlock {
            row0: 0,
            row_end: m,
            reason: format!(
                "row pointer has {} entries ending at {:?}, expected {} ending at nnz {}",
                offsets.len(),
                offsets.last(),
                m + 1,
                a.nnz()
            ),
        });
    }
    let plan = plan_sparse::<T>(&offsets, opts)?;
    drop(offsets);
    let src = Rows {
        a,
        plan: &plan,
        marker: std::marker::PhantomData,
    };
    let parts: Vec<Vec<T>> = (0..opts.in_flight().max(1))
        .map(|_| vec![T::default(); plan.max_rows])
        .collect();
    run(
        &src,
        opts,
        parts,
        |i, block: &CsrBlock<T>, part: &mut Vec<T>| {
            let RowBlock {
                row0: r0, rows: nr, ..
            } = plan.blocks[i];
            let ok = block.nrows() == nr
                && spmv_block(
                    &block.indptr,
                    &block.indices,
                    &block.data,
                    x,
                    &mut part[..nr],
                );
            if ok {
                Ok(())
            } else {
                Err(LinalgError::InvalidSparseBlock {
                    row0: r0,
                    row_end: r0 + nr,
                    reason: format!(
                        "backend returned {} rows with {} entries that are not valid CSR for {n} columns",
                        block.nrows(),
                        block.nnz()
                    ),
                })
            }
        },
        |i, part| {
            let RowBlock {
                row0: r0, rows: nr, ..
            } = plan.blocks[i];
            y[r0..r0 + nr].copy_from_slice(&part[..nr]);
            Ok(())
        },
    )
}
