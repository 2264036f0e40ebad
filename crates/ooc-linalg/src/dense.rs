//! Dense products over any [`ReadBlock`] backend: [`gemv`] (`y = A·x`), [`gemv_t`]
//! (`y = Aᵀ·x`) and [`gemm`] (`C = A·B` with a small in-memory `B`), plus the block
//! source the scheduler streams dense arrays through.

use ndarray::{ArrayView2, ArrayViewMut2};
use ooc_core::{BlockPlan, Element, ReadBlock, Region, ViewBlock};

use crate::engine::{Source, run};
use crate::error::{LinalgError, Result};
use crate::kernels::Scalar;
use crate::operation::{Operation, matrix_shape, plan};
use crate::options::Options;
use crate::vector::{Vector, VectorMut, slices};

/// The blocks of a dense 2-D array under a plan, lent as views when the backend can.
struct Dense<'a, T: Element, A: ?Sized> {
    a: &'a A,
    view: Option<&'a dyn ViewBlock<T>>,
    plan: &'a BlockPlan,
}

impl<'a, T: Element, A: ReadBlock<T> + ?Sized> Dense<'a, T, A> {
    fn new(a: &'a A, plan: &'a BlockPlan) -> Self {
        Dense {
            a,
            view: a.as_view(),
            plan,
        }
    }
}

impl<T: Element, A: ReadBlock<T> + ?Sized> Source for Dense<'_, T, A> {
    type Buf = Vec<T>;
    type Data = [T];

    fn len(&self) -> usize {
        self.plan.len()
    }
    fn bytes(&self, i: usize) -> u64 {
        (self.plan.block(i).len() * std::mem::size_of::<T>()) as u64
    }
    fn concurrent_reads(&self) -> bool {
        self.a.concurrent_reads()
    }
    fn lends_views(&self) -> bool {
        self.view.is_some()
    }
    /// A block buffer on huge pages (as numpy's arrays are): readers fill it from
    /// several threads, and faulting tens of megabytes in 4 KiB pages costs about a tenth
    /// of a fast decode.
    fn new_buf(&self) -> Vec<T> {
        let [br, bc] = self.plan.block_shape();
        let mut buf = vec![T::default(); br * bc];
        // Zero elements come as untouched zero pages (calloc), so the advice applies
        // before the first write.
        ooc_core::pages::advise_huge_pages(&mut buf);
        buf
    }
    fn view(&self, i: usize) -> Result<Option<&[T]>> {
        match self.view {
            Some(v) => Ok(v.view_region(&self.plan.block(i))?),
            None => Ok(None),
        }
    }
    fn release(&self, i: usize) {
        if let Some(v) = self.view {
            v.release_region(&self.plan.block(i));
        }
    }
    fn read(&self, i: usize, buf: &mut Vec<T>) -> Result<()> {
        let r = self.plan.block(i);
        Ok(self.a.read_region(&r, &mut buf[..r.len()])?)
    }
    fn data<'b>(&self, i: usize, buf: &'b Vec<T>) -> &'b [T] {
        &buf[..self.plan.block(i).len()]
    }
}

/// Start row, start column, rows and columns of a 2-D block.
pub(crate) fn rect(r: &Region) -> [usize; 4] {
    [r.start[0], r.start[1], r.shape[0], r.shape[1]]
}

/// Plans `op` on the dense matrix `a` and streams its blocks through the scheduler.
///
/// `compute` turns a block (its region and elements) into a partial result: one per
/// slot in flight, each `part_len(block_shape)` values starting at `init`. `combine`
/// takes block `i`'s partial, in block order. The caller checks `a`'s shape and element
/// type first.
pub(crate) fn stream<T, A, S>(
    op: &Operation,
    a: &A,
    opts: &Options,
    init: S,
    part_len: impl FnOnce([usize; 2]) -> usize,
    compute: impl Fn(&Region, &[T], &mut [S]) -> Result<()> + Sync,
    mut combine: impl FnMut(usize, &Region, &[S]) -> Result<()> + Send,
) -> Result<()>
where
    T: Element,
    A: ReadBlock<T> + ?Sized,
    S: Clone + Send,
{
    let s = plan(op, &a, opts)?;
    let src = Dense::new(a, &s.plan);
    let len = part_len(s.plan.block_shape());
    let parts: Vec<Vec<S>> = (0..s.slots.max(1))
        .map(|_| vec![init.clone(); len])
        .collect();
    run(
        &src,
        opts,
        parts,
        |i, data, part: &mut Vec<S>| compute(&s.plan.block(i), data, part),
        |i, part| combine(i, &s.plan.block(i), part),
    )
}

/// Checks that `a` holds `T`, so a mismatch is reported before any work.
pub(crate) fn check_dtype<T: Element>(a: &dyn ooc_core::ArrayMeta) -> Result<()> {
    if a.dtype() == T::DTYPE {
        Ok(())
    } else {
        Err(ooc_core::Error::DTypeMismatch {
            stored: a.dtype(),
            requested: T::DTYPE,
        }
        .into())
    }
}

fn mismatch(
    op: &'static str,
    left: &[usize],
    right_name: &'static str,
    right: &[usize],
) -> LinalgError {
    LinalgError::DimensionMismatch {
        op,
        left_name: "matrix",
        left: left.to_vec(),
        right_name,
        right: right.to_vec(),
    }
}

/// `y = A·x` ([`gemv`]), or `y = Aᵀ·x` ([`gemv_t`]) when `transposed`: checks the
/// operands, zeroes `y` and streams `A`'s blocks. `compute` multiplies a block (given by
/// its [`rect`]) into a partial of the block's rows (columns for `Aᵀ`) and `combine`
/// adds that partial into `y`, in block order.
fn vector_product<T: Scalar, A: ReadBlock<T> + ?Sized>(
    transposed: bool,
    a: &A,
    x: &[T],
    y: &mut [T],
    opts: &Options,
    compute: impl Fn([usize; 4], &[T], &mut [T]) + Sync,
    mut combine: impl FnMut([usize; 4], &[T], &mut [T]) + Send,
) -> Result<()> {
    let (op, operation) = if transposed {
        ("gemv_t", Operation::GemvT)
    } else {
        ("gemv", Operation::Gemv)
    };
    let [m, n] = matrix_shape(op, a.shape())?;
    let (x_len, y_len) = if transposed { (m, n) } else { (n, m) };
    if x.len() != x_len {
        return Err(mismatch(op, a.shape(), "x", &[x.len()]));
    }
    if y.len() != y_len {
        return Err(mismatch(op, a.shape(), "y", &[y.len()]));
    }
    check_dtype::<T>(&a)?;
    y.fill(T::default());
    stream(
        &operation,
        a,
        opts,
        T::default(),
        |[br, bc]| if transposed { bc } else { br },
        |r, data, part| {
            compute(rect(r), data, part);
            Ok(())
        },
        move |_, r, part| {
            combine(rect(r), part, y);
            Ok(())
        },
    )
}

/// `y = A·x` for a `rows × cols` matrix `A` streamed block by block from any backend.
///
/// Blocks of whole rows (aligned to the backend's chunks) are multiplied by the
/// multi-row kernel on `opts`' workers, each into its own slice of `y`. With whole-row
/// blocks each `y[i]` depends only on row `i` and `x`, so the result is bit-identical
/// for any thread count and any budget; when the budget forces blocks narrower than a
/// row, the pieces of a row are added in column order.
///
/// ```
/// use ooc_core::MemArray;
/// use ooc_linalg::{Options, gemv};
///
/// let a = MemArray::from_vec(vec![2, 3], vec![1.0_f64, 2.0, 3.0, 4.0, 5.0, 6.0])?;
/// let mut y = [0.0; 2];
/// gemv(&a, &[1.0, 0.0, -1.0], &mut y, &Options::new())?;
/// assert_eq!(y, [-2.0, -2.0]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// `x` and `y` may be slices, arrays, `Vec`s or ndarray 1-D arrays. A sparse matrix that
/// also reads as dense blocks (an opened `.npz` or anndata group, which lends itself
/// through [`ReadBlock::as_sparse`]) is multiplied by [`crate::spmv`] instead.
///
/// # Errors
/// [`LinalgError::NotMatrix`] for an input that is not 2-D;
/// [`LinalgError::DimensionMismatch`] when `x` does not have `cols` or `y` `rows`
/// elements; [`LinalgError::NotContiguous`] for a `y` that is not one slice;
/// [`LinalgError::BudgetTooSmall`] with the minimum; the backend's read errors
/// (as [`LinalgError::Backend`]), after which `y` holds no meaningful result.
pub fn gemv<T, A, X, Y>(a: &A, x: &X, y: &mut Y, opts: &Options) -> Result<()>
where
    T: Scalar,
    A: ReadBlock<T> + ?Sized,
    X: Vector<T> + ?Sized,
    Y: VectorMut<T> + ?Sized,
{
    let (x, y) = slices("gemv", x, y)?;
    if let Some(sparse) = a.as_sparse() {
        return crate::sparse::spmv_slices(sparse, &x, y, opts);
    }
    gemv_slices(a, &x, y, opts)
}

fn gemv_slices<T: Scalar, A: ReadBlock<T> + ?Sized>(
    a: &A,
    x: &[T],
    y: &mut [T],
    opts: &Options,
) -> Result<()> {
    vector_product(
        false,
        a,
        x,
        y,
        opts,
        |[_, c0, nr, nc], data, part| T::gemv_block(data, &x[c0..c0 + nc], &mut part[..nr]),
        |[r0, c0, nr, _], part, y| {
            let out = &mut y[r0..r0 + nr];
            if c0 == 0 {
                out.copy_from_slice(&part[..nr]);
            } else {
                for (o, &p) in out.iter_mut().zip(part.iter()) {
                    *o = o.plus(p);
                }
            }
        },
    )
}

/// `y = Aᵀ·x` for a `rows × cols` matrix `A` streamed block by block.
///
/// Each block adds its rows, weighted by `x`, into a partial vector of `cols` elements
/// (one per slot in flight: the scratch this operation states up front); partials are
/// added into `y` in block order, so for a given plan the result is bit-identical for
/// any thread count.
///
/// ```
/// use ooc_core::MemArray;
/// use ooc_linalg::{Options, gemv_t};
///
/// let a = MemArray::from_vec(vec![2, 3], vec![1_i32, 2, 3, 4, 5, 6])?;
/// let mut y = [0; 3];
/// gemv_t(&a, &[1, -1], &mut y, &Options::new())?;
/// assert_eq!(y, [-3, -3, -3]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
/// As [`gemv`], with `x` of `rows` and `y` of `cols` elements.
pub fn gemv_t<T, A, X, Y>(a: &A, x: &X, y: &mut Y, opts: &Options) -> Result<()>
where
    T: Scalar,
    A: ReadBlock<T> + ?Sized,
    X: Vector<T> + ?Sized,
    Y: VectorMut<T> + ?Sized,
{
    let (x, y) = slices("gemv_t", x, y)?;
    let x: &[T] = &x;
    vector_product(
        true,
        a,
        x,
        y,
        opts,
        |[r0, _, nr, nc], data, part| {
            let part = &mut part[..nc];
            part.fill(T::default());
            T::gemv_t_block(data, &x[r0..r0 + nr], part);
        },
        |[_, c0, _, nc], part, y| {
            for (o, &p) in y[c0..c0 + nc].iter_mut().zip(part.iter()) {
                *o = o.plus(p);
            }
        },
    )
}

/// `C = A·B` for a `rows × cols` matrix `A` streamed block by block and a small
/// `cols × k` matrix `B` in memory; `C` is `rows × k` (any memory layout).
///
/// `B` is copied once, transposed, so each of its columns is contiguous (scratch of
/// `cols × k` elements); every column of `C` is then bit-identical to [`gemv`] of `A`
/// with that column of `B`.
///
/// ```
/// use ndarray::array;
/// use ooc_core::MemArray;
/// use ooc_linalg::{Options, gemm};
///
/// let a = MemArray::from_array(array![[1.0_f32, 2.0], [3.0, 4.0], [5.0, 6.0]]);
/// let b = array![[1.0_f32, 0.0], [0.0, 2.0]];
/// let mut c = ndarray::Array2::zeros((3, 2));
/// gemm(&a, b.view(), c.view_mut(), &Options::new())?;
/// assert_eq!(c, array![[1.0, 4.0], [3.0, 8.0], [5.0, 12.0]]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
/// As [`gemv`], with `B` of `cols` rows and `C` of `rows × k`.
pub fn gemm<T: Scalar, A: ReadBlock<T>>(
    a: &A,
    b: ArrayView2<'_, T>,
    mut c: ArrayViewMut2<'_, T>,
    opts: &Options,
) -> Result<()> {
    let [m, n] = matrix_shape("gemm", a.shape())?;
    let k = b.ncols();
    if b.nrows() != n {
        return Err(mismatch("gemm", a.shape(), "b", b.shape()));
    }
    if c.nrows() != m || c.ncols() != k {
        return Err(mismatch("gemm", a.shape(), "c", c.shape()));
    }
    check_dtype::<T>(a)?;
    c.fill(T::default());
    if k == 0 {
        return Ok(());
    }
    let bt: Vec<T> = b.t().iter().copied().collect();
    // Each partial holds `k` columns of a block's rows, one after another.
    stream(
        &Operation::Gemm { k },
        a,
        opts,
        T::default(),
        |[br, _]| br * k,
        |r, data, part| {
            let [_, c0, nr, nc] = rect(r);
            for (j, col) in part.chunks_exact_mut(part.len() / k).enumerate() {
                let bj = &bt[j * n + c0..j * n + c0 + nc];
                T::gemv_block(data, bj, &mut col[..nr]);
            }
            Ok(())
        },
        |_, r, part| {
            let [r0, c0, nr, _] = rect(r);
            for (j, col) in part.chunks_exact(part.len() / k).enumerate() {
                let mut cj = c.column_mut(j);
                for (o, &p) in cj.iter_mut().skip(r0).take(nr).zip(col) {
                    *o = if c0 == 0 { p } else { o.plus(p) };
                }
            }
            Ok(())
        },
    )
}
