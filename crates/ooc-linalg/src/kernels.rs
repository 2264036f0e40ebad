//! The compute kernels: dense row-block products (several rows per pass so each load of the
//! vector is reused), transposed products, sparse row products, and the [`Scalar`] trait
//! that picks a fast path for `f32`/`f64` and a generic one for integers and complex numbers.
//!
//! # Accuracy of `f32`
//! `f32` products accumulate in `f32`, in [`LANES`] independent partial sums per row that
//! are added pairwise at the end (on x86-64 processors with AVX2 and FMA: 16 partial sums
//! for `f32`, 8 for `f64`, fed by fused multiply-adds). The rounding error of a dot product of length `n` is
//! then bounded by the textbook `γ_n · Σ|aᵢ||xᵢ|` with `γ_n ≈ n·ε` (ε = `f32::EPSILON`),
//! and in practice grows like `n / LANES`; the crate's tests check every result against an
//! `f64` reference with the bound `n·ε·Σ|aᵢ||xᵢ|`. Accumulating in `f64` halves the SIMD
//! width for no gain on a memory-bound product, so it is not done.
//!
//! Integer products wrap on overflow (as numpy's do); complex products use the usual
//! complex arithmetic.

use ooc_core::{Complex, Element};

/// Partial sums per row in the `f32`/`f64` kernels.
pub const LANES: usize = 8;

mod sealed {
    pub trait Sealed {}
}

/// An element type the kernels can compute with: every [`ooc_core::Element`] type.
///
/// Sealed. Integer arithmetic here wraps on overflow.
pub trait Scalar: Element + sealed::Sealed {
    /// The magnitude `|self|` as `f64` (the modulus for complex numbers).
    fn magnitude(self) -> f64;

    /// `out[i] = Σⱼ block[i, j] · x[j]` for a C-order block of `out.len()` rows of
    /// `x.len()` columns.
    ///
    /// The result for each row depends only on that row and `x`, never on which other
    /// rows share the block.
    ///
    /// # Panics
    /// When `block.len() != out.len() * x.len()`.
    fn gemv_block(block: &[Self], x: &[Self], out: &mut [Self]) {
        generic_gemv_block(block, x, out);
    }

    /// `y[j] += Σᵢ block[i, j] · x[i]` for a C-order block of `x.len()` rows of `y.len()`
    /// columns.
    ///
    /// # Panics
    /// When `block.len() != x.len() * y.len()`.
    fn gemv_t_block(block: &[Self], x: &[Self], y: &mut [Self]) {
        generic_gemv_t_block(block, x, y);
    }
}

fn check_block(block_len: usize, rows: usize, cols: usize) {
    assert!(
        rows.checked_mul(cols) == Some(block_len),
        "block of {block_len} elements is not {rows} × {cols}"
    );
}

fn generic_gemv_block<T: Scalar>(block: &[T], x: &[T], out: &mut [T]) {
    let n = x.len();
    check_block(block.len(), out.len(), n);
    if n == 0 {
        out.fill(T::default());
        return;
    }
    for (row, o) in block.chunks_exact(n).zip(out.iter_mut()) {
        *o = row
            .iter()
            .zip(x)
            .fold(T::default(), |acc, (&a, &b)| acc.plus(a.times(b)));
    }
}

fn generic_gemv_t_block<T: Scalar>(block: &[T], x: &[T], y: &mut [T]) {
    let n = y.len();
    check_block(block.len(), x.len(), n);
    if n == 0 {
        return;
    }
    for (row, &xi) in block.chunks_exact(n).zip(x) {
        for (yj, &a) in y.iter_mut().zip(row) {
            *yj = yj.plus(a.times(xi));
        }
    }
}

macro_rules! int_scalar {
    ($($t:ty),*) => {$(
        impl sealed::Sealed for $t {}
        impl Scalar for $t {
            #[allow(clippy::cast_precision_loss, clippy::cast_lossless)]
            fn magnitude(self) -> f64 { (self as f64).abs() }
        }
    )*};
}
int_scalar!(i8, i16, i32, i64, u8, u16, u32, u64);

macro_rules! complex_scalar {
    ($($f:ty),*) => {$(
        impl sealed::Sealed for Complex<$f> {}
        impl Scalar for Complex<$f> {
            fn magnitude(self) -> f64 { f64::from(self.norm()) }
        }
    )*};
}
complex_scalar!(f32, f64);

/// Runs a four-row kernel over each group of four rows of a C-order block and a one-row
/// kernel over the rows left, writing each row's result to `out` (the caller checked that
/// `block` holds `out.len()` rows of `x.len() > 0` columns).
#[inline(always)]
pub(crate) fn by_quads<T: Copy>(
    block: &[T],
    x: &[T],
    out: &mut [T],
    dot4: impl Fn([&[T]; 4], &[T]) -> [T; 4],
    dot1: impl Fn(&[T], &[T]) -> T,
) {
    let n = x.len();
    let mut rows = block.chunks_exact(4 * n);
    let mut outs = out.chunks_exact_mut(4);
    for (quad, o) in (&mut rows).zip(&mut outs) {
        let (r0, rest) = quad.split_at(n);
        let (r1, rest) = rest.split_at(n);
        let (r2, r3) = rest.split_at(n);
        o.copy_from_slice(&dot4([r0, r1, r2, r3], x));
    }
    for (row, o) in rows.remainder().chunks_exact(n).zip(outs.into_remainder()) {
        *o = dot1(row, x);
    }
}

macro_rules! float_scalar {
    ($t:ident, $dot1:ident, $dot4:ident, $hsum:ident, $simd:ident) => {
        /// Adds the lanes in a fixed pairwise order.
        #[inline(always)]
        fn $hsum(a: &[$t; LANES]) -> $t {
            ((a[0] + a[4]) + (a[2] + a[6])) + ((a[1] + a[5]) + (a[3] + a[7]))
        }

        /// One row: the same operations, in the same order, as each row of the 4-row pass.
        #[inline(always)]
        fn $dot1(r: &[$t], x: &[$t]) -> $t {
            let mut acc = [0.0 as $t; LANES];
            let (rc, xc) = (r.chunks_exact(LANES), x.chunks_exact(LANES));
            let (rt, xt) = (rc.remainder(), xc.remainder());
            for (r, x) in rc.zip(xc) {
                for l in 0..LANES {
                    acc[l] += r[l] * x[l];
                }
            }
            let mut tail = 0.0 as $t;
            for (a, b) in rt.iter().zip(xt) {
                tail += a * b;
            }
            $hsum(&acc) + tail
        }

        #[inline(always)]
        fn $dot4(r: [&[$t]; 4], x: &[$t]) -> [$t; 4] {
            let mut acc = [[0.0 as $t; LANES]; 4];
            let xc = x.chunks_exact(LANES);
            let xt = xc.remainder();
            let [c0, c1, c2, c3] = r.map(|row| row.chunks_exact(LANES));
            let tails = [
                c0.remainder(),
                c1.remainder(),
                c2.remainder(),
                c3.remainder(),
            ];
            for ((((x, a0), a1), a2), a3) in xc.zip(c0).zip(c1).zip(c2).zip(c3) {
                for l in 0..LANES {
                    acc[0][l] += a0[l] * x[l];
                    acc[1][l] += a1[l] * x[l];
                    acc[2][l] += a2[l] * x[l];
                    acc[3][l] += a3[l] * x[l];
                }
            }
            let mut out = [0.0 as $t; 4];
            for k in 0..4 {
                let mut tail = 0.0 as $t;
                for (a, b) in tails[k].iter().zip(xt) {
                    tail += a * b;
                }
                out[k] = $hsum(&acc[k]) + tail;
            }
            out
        }

        impl sealed::Sealed for $t {}
        impl Scalar for $t {
            fn magnitude(self) -> f64 {
                f64::from(self.abs())
            }

            fn gemv_block(block: &[Self], x: &[Self], out: &mut [Self]) {
                let n = x.len();
                check_block(block.len(), out.len(), n);
                if n == 0 {
                    out.fill(0.0);
                    return;
                }
                #[cfg(target_arch = "x86_64")]
                if crate::simd::available() {
                    // SAFETY: the processor has AVX2 and FMA (checked just above), and the
                    // sizes were checked by `check_block`.
                    unsafe { crate::simd::$simd(block, x, out) };
                    return;
                }
                by_quads(block, x, out, $dot4, $dot1);
            }

            fn gemv_t_block(block: &[Self], x: &[Self], y: &mut [Self]) {
                let n = y.len();
                check_block(block.len(), x.len(), n);
                if n == 0 {
                    return;
                }
                let mut rows = block.chunks_exact(4 * n);
                let mut xs = x.chunks_exact(4);
                for (quad, xq) in (&mut rows).zip(&mut xs) {
                    let (r0, rest) = quad.split_at(n);
                    let (r1, rest) = rest.split_at(n);
                    let (r2, r3) = rest.split_at(n);
                    let (x0, x1, x2, x3) = (xq[0], xq[1], xq[2], xq[3]);
                    for ((((yj, &a0), &a1), &a2), &a3) in
                        y.iter_mut().zip(r0).zip(r1).zip(r2).zip(r3)
                    {
                        *yj += (a0 * x0 + a1 * x1) + (a2 * x2 + a3 * x3);
                    }
                }
                for (row, &xi) in rows.remainder().chunks_exact(n).zip(xs.remainder()) {
                    for (yj, &a) in y.iter_mut().zip(row) {
                        *yj += a * xi;
                    }
                }
            }
        }
    };
}
float_scalar!(f32, dot1_f32, dot4_f32, hsum_f32, gemv_f32);
float_scalar!(f64, dot1_f64, dot4_f64, hsum_f64, gemv_f64);

/// `out = A·x` for a C-order block `A` of `out.len()` rows and `x.len()` columns: the
/// multi-row GEMV kernel (see [`Scalar::gemv_block`]).
///
/// # Panics
/// When `block.len() != out.len() * x.len()`.
pub fn gemv_block<T: Scalar>(block: &[T], x: &[T], out: &mut [T]) {
    T::gemv_block(block, x, out);
}

/// `y += Aᵀ·x` for a C-order block `A` of `x.len()` rows and `y.len()` columns.
///
/// # Panics
/// When `block.len() != x.len() * y.len()`.
pub fn gemv_t_block<T: Scalar>(block: &[T], x: &[T], y: &mut [T]) {
    T::gemv_t_block(block, x, y);
}

/// `out[i] = Σₖ data[k] · x[indices[k]]` over row `i`'s entries `indptr[i]..indptr[i + 1]`:
/// the SpMV kernel over one CSR block of `out.len()` rows.
///
/// Returns `false` (leaving `out` unspecified) when the block is not valid CSR for a
/// vector of `x.len()` elements: a row pointer that is not monotone, does not start at 0
/// or end at `data.len()`, or a column index outside `x`.
#[must_use]
pub fn spmv_block<T: Scalar>(
    indptr: &[usize],
    indices: &[usize],
    data: &[T],
    x: &[T],
    out: &mut [T],
) -> bool {
    let valid = indptr.len() == out.len() + 1
        && indptr.first() == Some(&0)
        && indptr.last() == Some(&data.len())
        && indices.len() == data.len()
        && indptr.windows(2).all(|w| w[0] <= w[1])
        && indices.iter().all(|&c| c < x.len());
    if !valid {
        return false;
    }
    for (o, w) in out.iter_mut().zip(indptr.windows(2)) {
        // SAFETY: every column index was checked above to be below `x.len()`.
        *o = unsafe { ooc_core::kernels::sparse_dot(&data[w[0]..w[1]], &indices[w[0]..w[1]], x) };
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn naive<T: Scalar>(block: &[T], x: &[T], rows: usize) -> Vec<T> {
        (0..rows)
            .map(|i| {
                (0..x.len()).fold(T::default(), |acc, j| {
                    acc.plus(block[i * x.len() + j].times(x[j]))
                })
            })
            .collect()
    }

    fn rows_alone_match_rows_in_blocks<T: Scalar + From<f32> + Into<f64>>() {
        // The 4-row pass and the 1-row tail give identical bits for the same row, for
        // lengths around every vector width (and its multiples) of every kernel; each
        // row is within the f32 error bound of an f64 reference.
        for n in [1_usize, 3, 4, 7, 8, 15, 16, 17, 31, 32, 33, 37, 64, 100] {
            #[allow(clippy::cast_precision_loss)]
            let block: Vec<T> = (0..7 * n)
                .map(|i| T::from(((i * 7919) % 101) as f32 * 0.013 - 0.6))
                .collect();
            #[allow(clippy::cast_precision_loss)]
            let x: Vec<T> = (0..n).map(|i| T::from((i as f32).sin())).collect();
            let mut all = vec![T::default(); 7];
            gemv_block(&block, &x, &mut all);
            for (i, row) in block.chunks_exact(n).enumerate() {
                let mut one = [T::default()];
                gemv_block(row, &x, &mut one);
                assert!(one[0] == all[i], "row {i} of length {n}");
                let exact: f64 = row.iter().zip(&x).map(|(&a, &b)| a.into() * b.into()).sum();
                let scale: f64 = row
                    .iter()
                    .zip(&x)
                    .map(|(&a, &b)| (a.into() * b.into()).abs())
                    .sum();
                #[allow(clippy::cast_precision_loss)]
                let bound = scale * n as f64 * f64::from(f32::EPSILON);
                let got: f64 = all[i].into();
                assert!(
                    (got - exact).abs() <= bound,
                    "row {i} of length {n}: {got} vs {exact}"
                );
            }
        }
    }

    #[test]
    fn rows_do_not_depend_on_their_neighbours() {
        rows_alone_match_rows_in_blocks::<f32>();
        rows_alone_match_rows_in_blocks::<f64>();
    }

    #[test]
    fn integers_wrap_like_numpy() {
        let block = [100_i8, 100, 100, 100];
        let x = [2_i8, 1];
        let mut out = [0_i8; 2];
        gemv_block(&block, &x, &mut out);
        assert_eq!(out.to_vec(), naive(&block, &x, 2));
        assert_eq!(out[0], 100_i8.wrapping_mul(2).wrapping_add(100));
    }

    #[test]
    fn spmv_rejects_bad_structure() {
        let x = [1.0_f64, 2.0];
        let mut out = [0.0; 1];
        assert!(!spmv_block(&[0, 1], &[2], &[1.0], &x, &mut out));
        assert!(!spmv_block(&[0, 2], &[0], &[1.0], &x, &mut out));
        assert!(!spmv_block(&[1, 1], &[], &[], &x, &mut out));
        assert!(spmv_block(&[0, 2], &[0, 1], &[1.0, 1.0], &x, &mut out));
        assert!((out[0] - 3.0).abs() < f64::EPSILON);
    }
}
