//! `f32` accuracy: products accumulated in `f32` stay within the stated bound
//! `|y − y₆₄| ≤ n·ε·Σ|aᵢⱼ||xⱼ|` of an `f64` reference, on every path.

use ooc_core::{MemArray, MemoryBudget, Par};
use ooc_linalg::{Options, gemv, gemv_t};
use proptest::prelude::*;

proptest! {
    #[test]
    fn f32_products_stay_within_the_stated_bound(
        (m, n, a, x, xt) in (1_usize..40, 1_usize..400).prop_flat_map(|(m, n)| (
            Just(m), Just(n),
            prop::collection::vec(-1e3_f32..1e3, m * n),
            prop::collection::vec(-1e3_f32..1e3, n),
            prop::collection::vec(-1e3_f32..1e3, m),
        )),
        par in prop::sample::select(vec![Par::Seq, Par::threads(2)]),
    ) {
        let eps = f64::from(f32::EPSILON);
        let arr = MemArray::from_vec(vec![m, n], a.clone()).unwrap();
        let opts = Options::new().with_par(par).with_budget(MemoryBudget::new(64 << 10));
        let mut y = vec![0.0_f32; m];
        gemv(&arr, &x, &mut y, &opts).unwrap();
        for i in 0..m {
            let row = &a[i * n..(i + 1) * n];
            let exact: f64 = row.iter().zip(&x).map(|(&p, &q)| f64::from(p) * f64::from(q)).sum();
            let scale: f64 = row.iter().zip(&x).map(|(&p, &q)| f64::from(p.abs()) * f64::from(q.abs())).sum();
            #[allow(clippy::cast_precision_loss)]
            let bound = n as f64 * eps * scale;
            prop_assert!((f64::from(y[i]) - exact).abs() <= bound, "row {} err {} bound {}", i, (f64::from(y[i]) - exact).abs(), bound);
        }
        let mut yt = vec![0.0_f32; n];
        gemv_t(&arr, &xt, &mut yt, &opts).unwrap();
        for j in 0..n {
            let exact: f64 = (0..m).map(|i| f64::from(a[i * n + j]) * f64::from(xt[i])).sum();
            let scale: f64 = (0..m).map(|i| f64::from(a[i * n + j].abs()) * f64::from(xt[i].abs())).sum();
            #[allow(clippy::cast_precision_loss)]
            let bound = m as f64 * eps * scale;
            prop_assert!((f64::from(yt[j]) - exact).abs() <= bound, "col {} err {} bound {}", j, (f64::from(yt[j]) - exact).abs(), bound);
        }
    }
}
