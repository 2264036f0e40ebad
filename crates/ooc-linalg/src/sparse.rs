//! [`spmv`]: `y = A·x` for a sparse matrix read in CSR row blocks from any
//! [`ReadSparseRows`] backend, in memory or streamed from disk.
//!
//! Row blocks are cut from the matrix's row pointer so that each block's entries fit its
//! share of the budget and a few MiB (rows with many entries get short blocks), and there
//! are at least as many blocks as slots in flight when the matrix allows.

use ooc_core::{BlockPlan, CsrBlock, Element, ReadSparseRows, RowBlock, SparseRequest};

use crate::engine::{Source, run};
use crate::error::{LinalgError, Result};
use crate::kernels::Scalar;
use crate::operation::BALANCE_BLOCK_BYTES;
use crate::options::Options;
use crate::vector::{Vector, VectorMut, slices};
use ooc_core::kernels::sparse_dot;

/// Plans row blocks of a matrix with CSR row pointer `offsets` under `opts`, through
/// `ooc-core`'s planner: each block's CSR buffer (values, `usize` column indices, row
/// pointer) and its slice of the output fit a buffer's share of the budget, after the
/// row pointer itself, which the plan keeps and charges.
///
/// ```
/// use ooc_core::MemoryBudget;
/// use ooc_linalg::{Options, plan_sparse};
///
/// // 4 rows with 1, 0, 5, 2 entries.
/// let p = plan_sparse::<f64>(vec![0, 1, 1, 6, 8], &Options::new().with_budget(MemoryBudget::mib(1)))?;
/// assert_eq!((0..p.len()).map(|i| p.row_block(i).rows).sum::<usize>(), 4);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
/// [`LinalgError::InvalidSparseBlock`] when `offsets` is empty, does not start at 0 or
/// decreases; [`LinalgError::BudgetTooSmall`] with the minimum when the row with most
/// entries does not fit.
pub fn plan_sparse<T: Scalar>(offsets: Vec<usize>, opts: &Options) -> Result<BlockPlan> {
    plan_rows(
        offsets,
        0,
        std::mem::size_of::<T>(),
        std::mem::size_of::<T>(),
        opts,
    )
}

/// [`plan_sparse`] for a matrix of `cols` columns whose values take `elem` bytes and
/// whose blocks produce `out_per_row` bytes per row.
fn plan_rows(
    offsets: Vec<usize>,
    cols: usize,
    elem: usize,
    out_per_row: usize,
    opts: &Options,
) -> Result<BlockPlan> {
    let rows = offsets.len().saturating_sub(1);
    let req = SparseRequest {
        cols,
        elem_size: elem,
        index_size: std::mem::size_of::<usize>(),
        out_per_row,
        in_flight: opts.in_flight(),
        scratch_bytes: 0,
        max_block_bytes: BALANCE_BLOCK_BYTES,
    };
    BlockPlan::sparse(offsets, &req, opts.budget()).map_err(|e| match e {
        ooc_core::Error::InvalidSparse(reason) => LinalgError::InvalidSparseBlock {
            row0: 0,
            row_end: rows,
            reason,
        },
        other => other.into(),
    })
}

/// A sparse matrix's row blocks, as the scheduler streams them.
struct Rows<'a, T: Scalar, S: ?Sized> {
    a: &'a S,
    plan: &'a BlockPlan,
    marker: std::marker::PhantomData<T>,
}

impl<T: Scalar, S: ReadSparseRows<T> + ?Sized> Source for Rows<'_, T, S> {
    type Buf = CsrBlock<T>;
    type Data = CsrBlock<T>;

    fn len(&self) -> usize {
        self.plan.len()
    }
    fn bytes(&self, i: usize) -> u64 {
        let b = self.plan.row_block(i);
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
            indptr: Vec::with_capacity(self.plan.block_shape()[0] + 1),
            indices: Vec::with_capacity(self.plan.max_block_nnz()),
            data: Vec::with_capacity(self.plan.max_block_nnz()),
        }
    }
    fn view(&self, _i: usize) -> Result<Option<&CsrBlock<T>>> {
        Ok(None)
    }
    fn read(&self, i: usize, buf: &mut CsrBlock<T>) -> Result<()> {
        let b = self.plan.row_block(i);
        Ok(self.a.read_rows(b.row0, b.rows, buf)?)
    }
    fn data<'b>(&self, _i: usize, buf: &'b CsrBlock<T>) -> &'b CsrBlock<T> {
        buf
    }
}

/// The row pointer of `a`, checked to have `rows + 1` entries ending at `nnz`.
fn checked_offsets<T: Element, S: ReadSparseRows<T> + ?Sized>(a: &S) -> Result<Vec<usize>> {
    let [m, _] = a.sparse_shape();
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
    Ok(offsets)
}

/// Streams `a` in planned CSR row blocks through the scheduler: `compute` turns each
/// block (checked to hold the planned rows, with column indices below the column count)
/// into a partial of `part_len(rows of the tallest block)` values, `combine` takes the
/// partials in block order. The plan charges `out_per_row` bytes per block row.
#[allow(clippy::too_many_arguments)]
pub(crate) fn stream_rows<T, S, P>(
    op: &'static str,
    a: &S,
    opts: &Options,
    out_per_row: usize,
    init: P,
    part_len: impl FnOnce(usize) -> usize,
    compute: impl Fn(RowBlock, &CsrBlock<T>, &mut [P]) + Sync,
    mut combine: impl FnMut(RowBlock, &[P]) + Send,
) -> Result<()>
where
    T: Scalar,
    S: ReadSparseRows<T> + ?Sized,
    P: Clone + Send,
{
    let [m, n] = a.sparse_shape();
    if m == 0 {
        return Ok(());
    }
    let offsets = checked_offsets(a)?;
    let plan = plan_rows(offsets, n, std::mem::size_of::<T>(), out_per_row, opts)?;
    let src = Rows {
        a,
        plan: &plan,
        marker: std::marker::PhantomData,
    };
    let len = part_len(plan.block_shape()[0]);
    let parts: Vec<Vec<P>> = (0..opts.in_flight().max(1))
        .map(|_| vec![init.clone(); len])
        .collect();
    run(
        &src,
        opts,
        parts,
        |i, block: &CsrBlock<T>, part: &mut Vec<P>| {
            let b = plan.row_block(i);
            let valid = block.nrows() == b.rows
                && block.indptr.first() == Some(&0)
                && block.indptr.last() == Some(&block.data.len())
                && block.indices.len() == block.data.len()
                && block.indptr.windows(2).all(|w| w[0] <= w[1])
                && block.indices.iter().all(|&c| c < n);
            if !valid {
                return Err(LinalgError::InvalidSparseBlock {
                    row0: b.row0,
                    row_end: b.row0 + b.rows,
                    reason: format!(
                        "{op}: backend returned {} rows with {} entries that are not valid CSR for {n} columns",
                        block.nrows(),
                        block.nnz()
                    ),
                });
            }
            compute(b, block, part);
            Ok(())
        },
        |i, part| {
            combine(plan.row_block(i), part);
            Ok(())
        },
    )
}

/// `y = A·x` for a sparse `rows × cols` matrix read in CSR row blocks.
///
/// Each `y[i]` is row `i`'s entries summed by `ooc_core::kernels::sparse_dot`, the
/// kernel the in-memory products of `ooc-sparse` run too, whatever the blocks and
/// threads: results are bit-identical across thread counts, budgets and storage.
///
/// # Errors
/// [`LinalgError::DimensionMismatch`] when `x` does not have `cols` or `y` `rows`
/// elements; [`LinalgError::BudgetTooSmall`] when the row with most entries does not fit;
/// [`LinalgError::InvalidSparseBlock`] when the backend hands over rows that are not valid
/// CSR for this matrix (column index out of range, wrong row count); the backend's
/// errors; [`LinalgError::NotContiguous`] for a `y` that is not one slice. After an error
/// `y` holds no meaningful result.
pub fn spmv<T, S, X, Y>(a: &S, x: &X, y: &mut Y, opts: &Options) -> Result<()>
where
    T: Scalar,
    S: ReadSparseRows<T> + ?Sized,
    X: Vector<T> + ?Sized,
    Y: VectorMut<T> + ?Sized,
{
    let (x, y) = slices("spmv", x, y)?;
    spmv_slices(a, &x, y, opts)
}

pub(crate) fn spmv_slices<T: Scalar, S: ReadSparseRows<T> + ?Sized>(
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
    stream_rows(
        "spmv",
        a,
        opts,
        std::mem::size_of::<T>(),
        T::default(),
        |rows| rows,
        |b, block, part| {
            for (o, w) in part[..b.rows].iter_mut().zip(block.indptr.windows(2)) {
                // SAFETY: `stream_rows` checked every column index against the column
                // count, which is `x.len()`.
                *o = unsafe { sparse_dot(&block.data[w[0]..w[1]], &block.indices[w[0]..w[1]], x) };
            }
        },
        |b, part| y[b.row0..b.row0 + b.rows].copy_from_slice(&part[..b.rows]),
    )
}
