//! Reductions over a streamed matrix — [`sum`], [`min`], [`max`] and [`norm`] — over the
//! whole matrix, per row or per column ([`Along`]).
//!
//! Each block reduces to a partial result; partials are merged in block order, so for a
//! given plan the result does not depend on the thread count. Per-row results of
//! whole-row blocks depend only on the row.

use ooc_core::{Element, ReadBlock};

use crate::dense::{check_dtype, rect, stream};
use crate::error::{LinalgError, Result};
use crate::kernels::Scalar;
use crate::operation::{Along, Operation, matrix_shape};
use crate::options::Options;

/// Which vector norm [`norm`] computes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Norm {
    /// Sum of magnitudes.
    L1,
    /// Square root of the sum of squared magnitudes (accumulated in `f64`, unscaled).
    L2,
    /// Largest magnitude (NaN if any element is NaN).
    Inf,
}

/// The generic reduction: `fold` folds elements into a partial starting from `init`,
/// `merge` merges partials (the earlier one first).
fn reduce<T, S, A>(
    op: &'static str,
    a: &A,
    along: Along,
    opts: &Options,
    init: S,
    fold: impl Fn(S, T) -> S + Sync,
    merge: impl Fn(S, S) -> S + Sync + Send,
) -> Result<Vec<S>>
where
    T: Scalar,
    S: Copy + Send + Sync,
    A: ReadBlock<T>,
{
    let [m, n] = matrix_shape(op, a.shape())?;
    check_dtype::<T>(a)?;
    let len = match along {
        Along::All => 1,
        Along::Rows => m,
        Along::Cols => n,
    };
    let mut out = vec![init; len];
    stream(
        &Operation::Reduce {
            along,
            acc_size: std::mem::size_of::<S>(),
        },
        a,
        opts,
        init,
        |[br, bc]| match along {
            Along::All => 1,
            Along::Rows => br,
            Along::Cols => bc,
        },
        |r, data, part| {
            let [_, _, nr, nc] = rect(r);
            match along {
                Along::All => part[0] = data.iter().fold(init, |s, &v| fold(s, v)),
                Along::Rows => {
                    for (p, row) in part.iter_mut().zip(data.chunks_exact(nc)) {
                        *p = row.iter().fold(init, |s, &v| fold(s, v));
                    }
                }
                Along::Cols => {
                    let part = &mut part[..nc];
                    part.fill(init);
                    for row in data.chunks_exact(nc).take(nr) {
                        for (p, &v) in part.iter_mut().zip(row) {
                            *p = fold(*p, v);
                        }
                    }
                }
            }
            Ok(())
        },
        |i, r, part| {
            let [r0, c0, nr, nc] = rect(r);
            let (dst, first) = match along {
                Along::All => (&mut out[..], i == 0),
                Along::Rows => (&mut out[r0..r0 + nr], c0 == 0),
                Along::Cols => (&mut out[c0..c0 + nc], r0 == 0),
            };
            for (o, &p) in dst.iter_mut().zip(part.iter()) {
                *o = if first { p } else { merge(*o, p) };
            }
            Ok(())
        },
    )?;
    Ok(out)
}

/// Sums of the elements: one value for [`Along::All`], one per row or per column.
///
/// Integers wrap on overflow. Empty selections sum to zero.
///
/// ```
/// use ooc_core::MemArray;
/// use ooc_linalg::{Along, Options, sum};
///
/// let a = MemArray::from_vec(vec![2, 3], vec![1_i64, 2, 3, 4, 5, 6])?;
/// assert_eq!(sum(&a, Along::All, &Options::new())?, vec![21]);
/// assert_eq!(sum(&a, Along::Rows, &Options::new())?, vec![6, 15]);
/// assert_eq!(sum(&a, Along::Cols, &Options::new())?, vec![5, 7, 9]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
/// [`LinalgError::NotMatrix`], [`LinalgError::BudgetTooSmall`], backend read errors.
pub fn sum<T: Scalar, A: ReadBlock<T>>(a: &A, along: Along, opts: &Options) -> Result<Vec<T>> {
    reduce(
        "sum",
        a,
        along,
        opts,
        T::default(),
        Element::plus,
        Element::plus,
    )
}

/// Smaller of two values, keeping a NaN (a value not equal to itself) once seen.
fn pick<T: PartialOrd>(keep: T, new: T, smaller: bool) -> T {
    #[allow(clippy::eq_op)]
    let nan = |v: &T| v != v;
    if nan(&keep) {
        keep
    } else if nan(&new) || (smaller && new < keep) || (!smaller && new > keep) {
        new
    } else {
        keep
    }
}

fn extreme<T: Scalar + PartialOrd, A: ReadBlock<T>>(
    op: &'static str,
    a: &A,
    along: Along,
    opts: &Options,
    smaller: bool,
) -> Result<Vec<T>> {
    let both = move |x: Option<T>, y: Option<T>| match (x, y) {
        (Some(x), Some(y)) => Some(pick(x, y, smaller)),
        (x, None) => x,
        (None, y) => y,
    };
    let found = reduce(op, a, along, opts, None, move |s, v| both(s, Some(v)), both)?;
    found
        .into_iter()
        .map(|v| {
            v.ok_or_else(|| LinalgError::EmptyReduction {
                op,
                shape: a.shape().to_vec(),
            })
        })
        .collect()
}

/// Smallest elements (real types only): one for [`Along::All`], one per row or column.
/// A NaN anywhere in a selection makes its result NaN.
///
/// ```
/// use ooc_core::MemArray;
/// use ooc_linalg::{Along, Options, min};
///
/// let a = MemArray::from_vec(vec![2, 2], vec![3.0_f32, -1.0, 2.0, 5.0])?;
/// assert_eq!(min(&a, Along::Cols, &Options::new())?, vec![2.0, -1.0]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
/// [`LinalgError::EmptyReduction`] when a selection has no element; otherwise as [`sum`].
pub fn min<T: Scalar + PartialOrd, A: ReadBlock<T>>(
    a: &A,
    along: Along,
    opts: &Options,
) -> Result<Vec<T>> {
    extreme("min", a, along, opts, true)
}

/// Largest elements (real types only); see [`min`].
///
/// # Errors
/// As [`min`].
pub fn max<T: Scalar + PartialOrd, A: ReadBlock<T>>(
    a: &A,
    along: Along,
    opts: &Options,
) -> Result<Vec<T>> {
    extreme("max", a, along, opts, false)
}

/// Vector norms of the elements (as `f64`, of magnitudes; complex moduli for complex
/// types): one for [`Along::All`], one per row or per column. Empty selections have norm 0.
///
/// ```
/// use ooc_core::MemArray;
/// use ooc_linalg::{Along, Norm, Options, norm};
///
/// let a = MemArray::from_vec(vec![1, 2], vec![3.0_f64, -4.0])?;
/// assert_eq!(norm(&a, Norm::L2, Along::All, &Options::new())?, vec![5.0]);
/// assert_eq!(norm(&a, Norm::L1, Along::Rows, &Options::new())?, vec![7.0]);
/// assert_eq!(norm(&a, Norm::Inf, Along::Cols, &Options::new())?, vec![3.0, 4.0]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
/// As [`sum`].
pub fn norm<T: Scalar, A: ReadBlock<T>>(
    a: &A,
    kind: Norm,
    along: Along,
    opts: &Options,
) -> Result<Vec<f64>> {
    let add = |s: f64, t: f64| s + t;
    match kind {
        Norm::L1 => reduce(
            "norm",
            a,
            along,
            opts,
            0.0,
            |s, v: T| s + v.magnitude(),
            add,
        ),
        Norm::L2 => {
            let sq = reduce(
                "norm",
                a,
                along,
                opts,
                0.0,
                |s, v: T| {
                    let m = v.magnitude();
                    s + m * m
                },
                add,
            )?;
            Ok(sq.into_iter().map(f64::sqrt).collect())
        }
        Norm::Inf => {
            let big = |s: f64, t: f64| pick(s, t, false);
            reduce(
                "norm",
                a,
                along,
                opts,
                0.0,
                move |s, v: T| big(s, v.magnitude()),
                big,
            )
        }
    }
}
