//! GEMV, GEMVᵀ and GEMM on every element type and every kind of backend, against ndarray
//! references computed exactly in a wide type, on odd and empty shapes, several budgets,
//! thread counts and read-ahead depths.

mod common;

use common::{TestElem, backends, make_all, wide};
use ndarray::Array2;
use ooc_core::{MemoryBudget, Par, ReadBlock};
use ooc_linalg::{LinalgError, Operation, Options, gemm, gemv, gemv_t, plan};
use proptest::prelude::*;

/// Options whose budget is `factor` times the smallest that works for `op` on `a`.
fn opts_for<T: TestElem>(
    op: Operation,
    a: &dyn ReadBlock<T>,
    par: Par,
    read_ahead: usize,
    factor: usize,
) -> Options {
    let base = Options::new()
        .with_par(par)
        .with_read_ahead(read_ahead)
        .with_budget(MemoryBudget::new(0));
    let needed = match plan(&op, &a, &base) {
        Ok(_) => 0,
        Err(LinalgError::BudgetTooSmall { needed, .. }) => needed,
        Err(e) => panic!("{e}"),
    };
    base.with_budget(MemoryBudget::new(needed * factor))
}

#[derive(Debug, Clone)]
struct Case {
    shape: [usize; 2],
    a: Vec<(i8, i8)>,
    x: Vec<(i8, i8)>,
    xt: Vec<(i8, i8)>,
    b: Vec<(i8, i8)>,
    k: usize,
    chunk: Option<[usize; 2]>,
    par: Par,
    read_ahead: usize,
    factor: usize,
}

fn small() -> impl Strategy<Value = (i8, i8)> {
    (-9_i8..=9, -9_i8..=9)
}

fn case() -> impl Strategy<Value = Case> {
    (
        (0_usize..10, 0_usize..10, 0_usize..4),
        prop::option::of((1_usize..5, 1_usize..5)),
        prop::sample::select(vec![Par::Seq, Par::threads(2), Par::threads(3)]),
        0_usize..3,
        1_usize..5,
    )
        .prop_flat_map(|((m, n, k), chunk, par, read_ahead, factor)| {
            (
                prop::collection::vec(small(), m * n),
                prop::collection::vec(small(), n),
                prop::collection::vec(small(), m),
                prop::collection::vec(small(), n * k),
            )
                .prop_map(move |(a, x, xt, b)| Case {
                    shape: [m, n],
                    a,
                    x,
                    xt,
                    b,
                    k,
                    chunk: chunk.map(|(r, c)| [r, c]),
                    par,
                    read_ahead,
                    factor,
                })
        })
}

fn check_products<T: TestElem>(c: &Case) {
    let [m, n] = c.shape;
    let (a, aw) = make_all::<T>(&c.a);
    let (x, xw) = make_all::<T>(&c.x);
    let (xt, xtw) = make_all::<T>(&c.xt);
    let (b, bw) = make_all::<T>(&c.b);
    let aw = wide(c.shape, aw);
    let y_ref: Vec<T> = aw
        .dot(&ndarray::Array1::from(xw))
        .into_iter()
        .map(T::narrow)
        .collect();
    let yt_ref: Vec<T> = aw
        .t()
        .dot(&ndarray::Array1::from(xtw))
        .into_iter()
        .map(T::narrow)
        .collect();
    let c_ref = aw.dot(&wide([n, c.k], bw)).mapv(T::narrow);
    let b = Array2::from_shape_vec((n, c.k), b).unwrap();
    for (name, backend) in backends(c.shape, &a, c.chunk) {
        let a = &*backend;
        let ctx = format!("{name} {:?} {:?}", T::DTYPE, c);

        let opts = opts_for(Operation::Gemv, a, c.par, c.read_ahead, c.factor);
        let mut y = vec![T::default(); m];
        gemv(&a, &x, &mut y, &opts).unwrap_or_else(|e| panic!("{ctx}: {e}"));
        assert_eq!(y, y_ref, "gemv {ctx}");

        let opts = opts_for(Operation::GemvT, a, c.par, c.read_ahead, c.factor);
        let mut yt = vec![T::default(); n];
        gemv_t(&a, &xt, &mut yt, &opts).unwrap_or_else(|e| panic!("{ctx}: {e}"));
        assert_eq!(yt, yt_ref, "gemv_t {ctx}");

        let opts = opts_for(Operation::Gemm { k: c.k }, a, c.par, c.read_ahead, c.factor);
        let mut out = Array2::from_elem((m, c.k), T::default());
        gemm(&a, b.view(), out.view_mut(), &opts).unwrap_or_else(|e| panic!("{ctx}: {e}"));
        assert_eq!(out, c_ref, "gemm {ctx}");
    }
}

macro_rules! product_tests {
    ($($name:ident: $t:ty),* $(,)?) => {
        proptest! {
            $(
                #[test]
                fn $name(c in case()) {
                    check_products::<$t>(&c);
                }
            )*
        }
    };
}

product_tests!(
    products_i8: i8,
    products_i16: i16,
    products_i32: i32,
    products_i64: i64,
    products_u8: u8,
    products_u16: u16,
    products_u32: u32,
    products_u64: u64,
    products_f32: f32,
    products_f64: f64,
    products_c64: ooc_core::Complex<f32>,
    products_c128: ooc_core::Complex<f64>,
);

#[test]
fn fixed_odd_shapes_on_every_backend() {
    // The edge shapes named in the issue, checked on every path whatever proptest draws.
    for (m, n) in [(1, 1), (1, 7), (7, 1), (0, 5), (5, 0), (0, 0), (13, 11)] {
        for chunk in [None, Some([2, 3]), Some([4, 4])] {
            for par in [Par::Seq, Par::threads(2)] {
                let c = Case {
                    shape: [m, n],
                    a: (0..m * n)
                        .map(|i| ((i % 7) as i8 - 3, (i % 5) as i8))
                        .collect(),
                    x: (0..n).map(|i| ((i % 3) as i8, 1)).collect(),
                    xt: (0..m).map(|i| (1 - (i % 4) as i8, 2)).collect(),
                    b: (0..n * 2).map(|i| ((i % 6) as i8, -1)).collect(),
                    k: 2,
                    chunk,
                    par,
                    read_ahead: 1,
                    factor: 1,
                };
                check_products::<f64>(&c);
                check_products::<i16>(&c);
                check_products::<ooc_core::Complex<f32>>(&c);
            }
        }
    }
}
