//! One-pass summaries (count, sum, min, max, mean) of dense and sparse matrices against a
//! plain in-memory reference, for integer and float types, under small budgets and on
//! one and two threads; the sparse summary counts entries not stored as zeros.

mod common;

use common::{Plain, TestCsr};
use ooc_core::{MemArray, MemoryBudget, Par};
use ooc_linalg::{Options, Summary, Value, summarize, summarize_sparse};
use proptest::prelude::*;

/// The summary a plain loop over `values` (all `rows × cols` of them) gives.
fn reference_i8(values: &[i8]) -> (i64, Option<i64>, Option<i64>) {
    let wide: Vec<i64> = values.iter().map(|&v| i64::from(v)).collect();
    (
        wide.iter().sum(),
        wide.iter().min().copied(),
        wide.iter().max().copied(),
    )
}

fn check(s: &Summary, values: &[i8]) {
    let (sum, lo, hi) = reference_i8(values);
    assert_eq!(s.count, values.len() as u64);
    assert_eq!(s.sum, Value::Int(sum));
    assert_eq!(s.min, lo.map(Value::Int));
    assert_eq!(s.max, hi.map(Value::Int));
    #[allow(clippy::cast_precision_loss)]
    let mean = (!values.is_empty()).then(|| Value::Float(sum as f64 / values.len() as f64));
    assert_eq!(s.mean, mean);
}

proptest! {
    #[test]
    fn dense_and_sparse_summaries_match_a_plain_loop(
        (rows, cols, values) in (0_usize..12, 0_usize..9).prop_flat_map(|(r, c)| {
            (Just(r), Just(c), prop::collection::vec(prop_oneof![Just(0_i8), any::<i8>()], r * c))
        }),
        threads in 1_usize..3,
        budget in prop::sample::select(vec![2048_usize, 4096, 1 << 20]),
    ) {
        let opts = Options::new().with_par(Par::threads(threads)).with_budget(MemoryBudget::new(budget));
        let a = MemArray::from_vec(vec![rows, cols], values.clone()).unwrap();
        for concurrent in [true, false] {
            let plain = Plain::new(a.clone(), concurrent);
            check(&summarize(&plain, &opts).unwrap(), &values);
            let csr = TestCsr::from_dense([rows, cols], &values, concurrent);
            let s = summarize_sparse(&csr, &opts).unwrap();
            check(&s, &values);
            prop_assert_eq!(s.nnz, Some(values.iter().filter(|&&v| v != 0).count() as u64));
        }
    }
}

#[test]
fn floats_keep_nan_and_infinities_apart_from_no_value() {
    let a = MemArray::from_vec(vec![1, 3], vec![1.0_f32, f32::INFINITY, -2.0]).unwrap();
    let s = summarize(&a, &Options::new()).unwrap();
    assert_eq!(s.max, Some(Value::Float(f64::INFINITY)));
    assert_eq!(s.max.unwrap().to_string(), "inf");
    assert_eq!(s.min, Some(Value::Float(-2.0)));
    let n = MemArray::from_vec(vec![2, 1], vec![f64::NAN, 1.0]).unwrap();
    let s = summarize(&n, &Options::new()).unwrap();
    assert_eq!(s.min.unwrap().to_string(), "nan");
    assert_eq!(s.max.unwrap().to_string(), "nan");
    let e = MemArray::<f64>::zeros(&[0, 4]).unwrap();
    let s = summarize(&e, &Options::new()).unwrap();
    assert_eq!((s.count, s.min, s.max, s.mean), (0, None, None, None));
}

/// 64-bit integers whose sum passes 2⁶³: the sum wraps as numpy's `sum` does, the mean
/// is accumulated in `f64` as numpy's `mean` is, and lies within [min, max].
#[test]
fn integer_means_do_not_wrap() {
    let big = i64::MAX / 2 + 7;
    let a = MemArray::from_vec(vec![1, 4], vec![big; 4]).unwrap();
    let s = summarize(&a, &Options::new()).unwrap();
    assert_eq!(s.sum, Value::Int(big.wrapping_mul(4)));
    #[allow(clippy::cast_precision_loss)]
    let want = big as f64;
    assert_eq!(s.mean, Some(Value::Float(want)));
    assert_eq!(
        (s.min, s.max),
        (Some(Value::Int(big)), Some(Value::Int(big)))
    );
}
