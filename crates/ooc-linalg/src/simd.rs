//! AVX2 + FMA versions of the `f32`/`f64` GEMV row kernels, chosen at run time on x86-64
//! processors that have both (checked once per block; `std` caches the answer).
//!
//! Each row keeps two vector accumulators (16 `f32` or 8 `f64` partial sums) fed by fused
//! multiply-adds, then adds them in a fixed order, then the scalar tail (also fused).
//! The one-row and the four-row passes perform exactly the same operations per row, so
//! a row's result never depends on which rows share its block, and results stay
//! bit-identical for any thread count or budget on a given machine. Machines without
//! AVX2 + FMA use the portable kernels, whose rounding differs in the last bits (as
//! BLAS builds for different processors do).

use std::arch::x86_64::{
    __m256, __m256d, _mm256_add_pd, _mm256_add_ps, _mm256_fmadd_pd, _mm256_fmadd_ps,
    _mm256_loadu_pd, _mm256_loadu_ps, _mm256_setzero_pd, _mm256_setzero_ps, _mm256_storeu_pd,
    _mm256_storeu_ps,
};

/// Whether this processor runs the kernels of this module.
pub(crate) fn available() -> bool {
    std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma")
}

macro_rules! fma_kernels {
    ($t:ty, $v:ty, $w:expr, $zero:ident, $load:ident, $fma:ident, $add:ident, $store:ident,
     $dot1:ident, $dot4:ident, $gemv:ident) => {
        /// Sums one row's two accumulators and its scalar tail in a fixed order.
        #[target_feature(enable = "avx2,fma")]
        fn finish(acc: [$v; 2], row: &[$t], x: &[$t], from: usize) -> $t {
            let mut lanes = [0.0 as $t; $w];
            // SAFETY: `lanes` holds exactly one vector of `$w` elements.
            unsafe { $store(lanes.as_mut_ptr(), $add(acc[0], acc[1])) };
            let mut s = 0.0 as $t;
            for l in lanes {
                s += l;
            }
            let mut tail = 0.0 as $t;
            for (a, b) in row[from..].iter().zip(&x[from..]) {
                tail = a.mul_add(*b, tail);
            }
            s + tail
        }

        /// One row: the same operations, in the same order, as each row of [`$dot4`].
        #[target_feature(enable = "avx2,fma")]
        fn $dot1(row: &[$t], x: &[$t]) -> $t {
            let n = x.len();
            assert_eq!(row.len(), n, "row and vector lengths differ");
            let mut acc = [$zero(); 2];
            let mut j = 0;
            while j + 2 * $w <= n {
                // SAFETY: `j + 2·$w <= n` and both slices hold `n` elements.
                unsafe {
                    let (r, v) = (row.as_ptr().add(j), x.as_ptr().add(j));
                    acc[0] = $fma($load(r), $load(v), acc[0]);
                    acc[1] = $fma($load(r.add($w)), $load(v.add($w)), acc[1]);
                }
                j += 2 * $w;
            }
            finish(acc, row, x, j)
        }

        /// Four rows per pass, so each load of `x` serves four rows.
        #[target_feature(enable = "avx2,fma")]
        fn $dot4(rows: [&[$t]; 4], x: &[$t]) -> [$t; 4] {
            let n = x.len();
            for r in rows {
                assert_eq!(r.len(), n, "row and vector lengths differ");
            }
            let mut acc = [[$zero(); 2]; 4];
            let mut j = 0;
            while j + 2 * $w <= n {
                // SAFETY: `j + 2·$w <= n` and all five slices hold `n` elements.
                unsafe {
                    let v = x.as_ptr().add(j);
                    let (x0, x1) = ($load(v), $load(v.add($w)));
                    for (a, r) in acc.iter_mut().zip(rows) {
                        let p = r.as_ptr().add(j);
                        a[0] = $fma($load(p), x0, a[0]);
                        a[1] = $fma($load(p.add($w)), x1, a[1]);
                    }
                }
                j += 2 * $w;
            }
            let mut out = [0.0 as $t; 4];
            for ((o, a), r) in out.iter_mut().zip(acc).zip(rows) {
                *o = finish(a, r, x, j);
            }
            out
        }

        /// `out = block · x` for a C-order block of `out.len()` rows of `x.len()` columns
        /// (the caller checked the sizes and that `x` is not empty).
        #[target_feature(enable = "avx2,fma")]
        pub(crate) fn $gemv(block: &[$t], x: &[$t], out: &mut [$t]) {
            crate::kernels::by_quads(block, x, out, |r, x| $dot4(r, x), |r, x| $dot1(r, x));
        }
    };
}

mod single {
    use super::*;
    fma_kernels!(
        f32,
        __m256,
        8,
        _mm256_setzero_ps,
        _mm256_loadu_ps,
        _mm256_fmadd_ps,
        _mm256_add_ps,
        _mm256_storeu_ps,
        dot1,
        dot4,
        gemv_f32
    );
}

mod double {
    use super::*;
    fma_kernels!(
        f64,
        __m256d,
        4,
        _mm256_setzero_pd,
        _mm256_loadu_pd,
        _mm256_fmadd_pd,
        _mm256_add_pd,
        _mm256_storeu_pd,
        dot1,
        dot4,
        gemv_f64
    );
}

pub(crate) use double::gemv_f64;
pub(crate) use single::gemv_f32;
