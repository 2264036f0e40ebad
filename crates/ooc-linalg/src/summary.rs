//! [`summarize`] and [`summarize_sparse`]: element count, sum, min, max and mean of a
//! dense or sparse matrix in one streamed pass under the budget (what `ooc stats` prints).
//!
//! Elements are widened before they are added, as numpy does: integers to 64 bits and
//! `f32` to `f64` (complex `f32` to complex `f64`), so sums of small types neither wrap
//! nor lose precision early. Sums of 64-bit integers wrap past 2⁶³ as numpy's `sum`
//! does; the mean is accumulated in `f64` as numpy's `mean` is, and never lies outside
//! [min, max]. A sparse matrix's entries that are not stored count as zeros,
//! as scipy's `min` and `max` count them. Each block reduces to a partial, and partials
//! are merged in block order, so results do not depend on the thread count. NaN wins min
//! and max, as in numpy. Complex numbers have no order, so no min or max.

use std::fmt;

use ooc_core::{Complex, CsrBlock, Element, ReadBlock, ReadSparseRows};

use crate::dense::{check_dtype, stream};
use crate::error::Result;
use crate::kernels::Scalar;
use crate::operation::{Along, Operation, matrix_shape};
use crate::options::Options;
use crate::sparse::stream_rows;

/// One value of a [`Summary`], in the widened type it was computed in.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum Value {
    /// A signed integer (sums of `i8`..`i64`).
    Int(i64),
    /// An unsigned integer (sums of `u8`..`u64`).
    UInt(u64),
    /// A real number (`f32` and `f64` data); may be infinite or NaN.
    Float(f64),
    /// A complex number.
    Complex(Complex<f64>),
}

impl fmt::Display for Value {
    /// Integers as they are; floats as Rust prints them but with numpy's `inf`, `-inf`
    /// and `nan`; complex numbers as `(re+imj)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fn float(v: f64) -> String {
            if v.is_nan() {
                "nan".into()
            } else if v.is_infinite() {
                if v > 0.0 { "inf".into() } else { "-inf".into() }
            } else {
                v.to_string()
            }
        }
        match *self {
            Value::Int(v) => write!(f, "{v}"),
            Value::UInt(v) => write!(f, "{v}"),
            Value::Float(v) => f.write_str(&float(v)),
            Value::Complex(c) => {
                let sign = if c.im.is_sign_negative() { "-" } else { "+" };
                write!(f, "({}{sign}{}j)", float(c.re), float(c.im.abs()))
            }
        }
    }
}

/// What [`summarize`] found.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    /// Elements counted (`rows × cols`, implicit zeros of a sparse matrix included).
    pub count: u64,
    /// Their sum.
    pub sum: Value,
    /// Smallest element (`None` for complex types and for no elements).
    pub min: Option<Value>,
    /// Largest element.
    pub max: Option<Value>,
    /// `sum / count` (`None` when there is no element).
    pub mean: Option<Value>,
    /// Stored entries of a sparse matrix (`None` for dense data).
    pub nnz: Option<u64>,
}

/// Running sum and extremes of one block, or of every block so far.
#[derive(Debug, Clone, Copy)]
struct Acc<W> {
    sum: W,
    /// The sum in `f64`, for the mean: integer sums may wrap (as numpy's `sum` does), the
    /// mean never does (as numpy's `mean`, which accumulates in `f64`).
    fsum: f64,
    lo: Option<W>,
    hi: Option<W>,
}

mod sealed {
    pub trait Sealed {}
}

/// Element types [`summarize`] can summarise: every element type, each through the type
/// it widens to. Sealed.
pub trait Summarize: Scalar + sealed::Sealed {
    /// The type sums are computed in.
    #[doc(hidden)]
    type Wide: Scalar;

    /// Whether the type has an order (min and max).
    #[doc(hidden)]
    const ORDERED: bool;

    /// The element in the wide type.
    #[doc(hidden)]
    fn widen(self) -> Self::Wide;

    /// `a < b` in the wide type (never called for unordered types).
    #[doc(hidden)]
    fn less(a: Self::Wide, b: Self::Wide) -> bool;

    /// Whether `w` is NaN.
    #[doc(hidden)]
    fn is_nan(w: Self::Wide) -> bool;

    /// The wide value as a [`Value`].
    #[doc(hidden)]
    fn value(w: Self::Wide) -> Value;

    /// `sum / count` as a [`Value`], for unordered (complex) types.
    #[doc(hidden)]
    fn mean(sum: Self::Wide, count: u64) -> Value;

    /// The wide value as `f64` (the real part of a complex number).
    #[doc(hidden)]
    fn real(w: Self::Wide) -> f64;
}

macro_rules! real_summarize {
    ($($t:ty => $w:ty, $v:ident);* $(;)?) => {$(
        impl sealed::Sealed for $t {}
        impl Summarize for $t {
            type Wide = $w;
            const ORDERED: bool = true;
            fn widen(self) -> $w {
                <$w>::from(self)
            }
            fn less(a: $w, b: $w) -> bool {
                a < b
            }
            #[allow(clippy::eq_op)]
            fn is_nan(w: $w) -> bool {
                w != w
            }
            fn value(w: $w) -> Value {
                Value::$v(w)
            }
            #[allow(clippy::cast_precision_loss)]
            fn mean(sum: $w, count: u64) -> Value {
                Value::Float(sum as f64 / count as f64)
            }
            #[allow(clippy::cast_precision_loss)]
            fn real(w: $w) -> f64 {
                w as f64
            }
        }
    )*};
}
real_summarize!(i8 => i64, Int; i16 => i64, Int; i32 => i64, Int; i64 => i64, Int;
    u8 => u64, UInt; u16 => u64, UInt; u32 => u64, UInt; u64 => u64, UInt;
    f32 => f64, Float; f64 => f64, Float);

macro_rules! complex_summarize {
    ($($f:ty),*) => {$(
        impl sealed::Sealed for Complex<$f> {}
        impl Summarize for Complex<$f> {
            type Wide = Complex<f64>;
            const ORDERED: bool = false;
            fn widen(self) -> Complex<f64> {
                Complex::new(f64::from(self.re), f64::from(self.im))
            }
            fn less(_: Complex<f64>, _: Complex<f64>) -> bool {
                false
            }
            fn is_nan(w: Complex<f64>) -> bool {
                w.re.is_nan() || w.im.is_nan()
            }
            fn value(w: Complex<f64>) -> Value {
                Value::Complex(w)
            }
            #[allow(clippy::cast_precision_loss)]
            fn mean(sum: Complex<f64>, count: u64) -> Value {
                Value::Complex(sum / count as f64)
            }
            fn real(w: Complex<f64>) -> f64 {
                w.re
            }
        }
    )*};
}
complex_summarize!(f32, f64);

impl<W: Copy + Default> Acc<W> {
    fn new() -> Self {
        Acc {
            sum: W::default(),
            fsum: 0.0,
            lo: None,
            hi: None,
        }
    }
}

/// `keep` or `new`, whichever is smaller (`smaller`) or larger; NaN wins.
fn pick<T: Summarize>(keep: Option<T::Wide>, new: T::Wide, smaller: bool) -> T::Wide {
    match keep {
        Some(k) if T::is_nan(k) => k,
        Some(k)
            if !T::is_nan(new)
                && !(if smaller {
                    T::less(new, k)
                } else {
                    T::less(k, new)
                }) =>
        {
            k
        }
        _ => new,
    }
}

/// Folds `values` into `acc`.
fn fold<T: Summarize>(acc: &mut Acc<T::Wide>, values: &[T]) {
    for &v in values {
        let w = v.widen();
        acc.sum = acc.sum.plus(w);
        acc.fsum += T::real(w);
        if T::ORDERED {
            acc.lo = Some(pick::<T>(acc.lo, w, true));
            acc.hi = Some(pick::<T>(acc.hi, w, false));
        }
    }
}

/// Merges a later block's partial into the running one.
fn merge<T: Summarize>(acc: &mut Acc<T::Wide>, part: &Acc<T::Wide>) {
    acc.sum = acc.sum.plus(part.sum);
    acc.fsum += part.fsum;
    if let Some(l) = part.lo {
        acc.lo = Some(pick::<T>(acc.lo, l, true));
    }
    if let Some(h) = part.hi {
        acc.hi = Some(pick::<T>(acc.hi, h, false));
    }
}

fn finish<T: Summarize>(acc: Acc<T::Wide>, count: u64, nnz: Option<u64>) -> Summary {
    Summary {
        count,
        sum: T::value(acc.sum),
        min: acc.lo.map(T::value),
        max: acc.hi.map(T::value),
        mean: (count > 0).then(|| {
            if !T::ORDERED {
                return T::mean(acc.sum, count);
            }
            #[allow(clippy::cast_precision_loss)]
            let m = acc.fsum / count as f64;
            // Rounding may not take the mean past the extremes.
            let (lo, hi) = (acc.lo.map(T::real), acc.hi.map(T::real));
            Value::Float(match (lo, hi) {
                (Some(l), _) if m < l => l,
                (_, Some(h)) if m > h => h,
                _ => m,
            })
        }),
        nnz,
    }
}

/// Count, sum, min, max and mean of the 2-D array `a`, in one pass.
///
/// ```
/// use ooc_core::MemArray;
/// use ooc_linalg::{Options, Value, summarize};
///
/// let a = MemArray::from_vec(vec![2, 2], vec![1_u8, 200, 255, 3])?;
/// let s = summarize(&a, &Options::new())?;
/// assert_eq!(s.sum, Value::UInt(459));
/// assert_eq!((s.min, s.max), (Some(Value::UInt(1)), Some(Value::UInt(255))));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
/// [`crate::LinalgError::NotMatrix`] for an array that is not 2-D (wrap N-D arrays in
/// `ooc_core::AsMatrix`), a budget too small for one block, and the backend's errors.
pub fn summarize<T: Summarize, A: ReadBlock<T> + ?Sized>(a: &A, opts: &Options) -> Result<Summary> {
    let [m, n] = matrix_shape("summarize", a.shape())?;
    check_dtype::<T>(&a)?;
    let mut total = Acc::new();
    stream(
        &Operation::Reduce {
            along: Along::All,
            acc_size: std::mem::size_of::<Acc<T::Wide>>(),
        },
        &a,
        opts,
        Acc::new(),
        |_| 1,
        |_, data, part| {
            part[0] = Acc::new();
            fold(&mut part[0], data);
            Ok(())
        },
        |_, _, part| {
            merge::<T>(&mut total, &part[0]);
            Ok(())
        },
    )?;
    Ok(finish::<T>(total, (m as u64) * (n as u64), None))
}

/// Count, sum, min, max and mean of the sparse matrix `a`, entries not stored counted
/// as zeros, in one pass over its stored rows.
///
/// # Errors
/// A budget too small for the widest row, invalid CSR from the backend, and the
/// backend's errors.
pub fn summarize_sparse<T: Summarize, S: ReadSparseRows<T> + ?Sized>(
    a: &S,
    opts: &Options,
) -> Result<Summary> {
    let [m, n] = a.sparse_shape();
    let count = (m as u64) * (n as u64);
    let nnz = a.nnz() as u64;
    let mut total = Acc::new();
    stream_rows(
        "summarize",
        a,
        opts,
        0,
        Acc::new(),
        |_| 1,
        |_, block: &CsrBlock<T>, part| {
            part[0] = Acc::new();
            fold(&mut part[0], &block.data);
        },
        |_, part| merge::<T>(&mut total, &part[0]),
    )?;
    if T::ORDERED && nnz < count {
        let zero = Acc {
            sum: T::Wide::default(),
            fsum: 0.0,
            lo: Some(T::Wide::default()),
            hi: Some(T::Wide::default()),
        };
        merge::<T>(&mut total, &zero);
    }
    Ok(finish::<T>(total, count, Some(nnz)))
}
