//! SpMV over sparse row readers (concurrent and through the reader thread) against a
//! dense ndarray reference; row-block planning by entry count; errors that surface.

mod common;

use common::{TestCsr, TestElem, make_all, wide};
use ooc_core::{Complex, MemoryBudget, Par};
use ooc_linalg::{LinalgError, Options, plan_sparse, spmv};
use proptest::prelude::*;

fn check_spmv<T: TestElem>(
    shape: [usize; 2],
    raw: &[(i8, i8)],
    xraw: &[(i8, i8)],
    par: Par,
    budget: usize,
) {
    let (a, aw) = make_all::<T>(raw);
    let (x, xw) = make_all::<T>(xraw);
    let expected: Vec<T> = wide(shape, aw)
        .dot(&ndarray::Array1::from(xw))
        .into_iter()
        .map(T::narrow)
        .collect();
    for concurrent in [true, false] {
        let csr = TestCsr::from_dense(shape, &a, concurrent);
        let opts = Options::new()
            .with_par(par)
            .with_budget(MemoryBudget::new(budget));
        let mut y = vec![T::default(); shape[0]];
        match spmv(&csr, &x, &mut y, &opts) {
            Ok(()) => assert_eq!(y, expected, "{shape:?} {par:?} {budget}"),
            Err(LinalgError::BudgetTooSmall { needed, .. }) => {
                let opts = opts.with_budget(MemoryBudget::new(needed));
                spmv(&csr, &x, &mut y, &opts).unwrap();
                assert_eq!(y, expected, "{shape:?} {par:?} minimum {needed}");
            }
            Err(e) => panic!("{e}"),
        }
    }
}

proptest! {
    #[test]
    fn spmv_matches_dense_reference(
        (m, n, raw, xraw) in (0_usize..12, 0_usize..12).prop_flat_map(|(m, n)| (
            Just(m), Just(n),
            // Mostly zeros, so rows have very different entry counts.
            prop::collection::vec(prop_oneof![3 => Just((0_i8, 0_i8)), 1 => (-9_i8..=9, -9_i8..=9)], m * n),
            prop::collection::vec((-9_i8..=9, -9_i8..=9), n),
        )),
        par in prop::sample::select(vec![Par::Seq, Par::threads(2)]),
        budget in prop::sample::select(vec![0_usize, 600, 4_000, 1 << 20]),
    ) {
        check_spmv::<f64>([m, n], &raw, &xraw, par, budget);
        check_spmv::<f32>([m, n], &raw, &xraw, par, budget);
        check_spmv::<i32>([m, n], &raw, &xraw, par, budget);
        check_spmv::<u8>([m, n], &raw, &xraw, par, budget);
        check_spmv::<Complex<f64>>([m, n], &raw, &xraw, par, budget);
    }

    #[test]
    fn sparse_plans_cover_rows_once_and_fit(
        counts in prop::collection::vec(0_usize..50, 0..40),
        budget in 0_usize..20_000,
        par in prop::sample::select(vec![Par::Seq, Par::threads(2)]),
    ) {
        let mut offsets = vec![0];
        for c in &counts {
            offsets.push(offsets.last().unwrap() + c);
        }
        let opts = Options::new().with_par(par).with_budget(MemoryBudget::new(budget));
        match plan_sparse::<f64>(offsets.clone(), &opts) {
            Ok(p) => {
                prop_assert!(p.total_bytes() <= budget);
                let mut next = 0;
                for b in (0..p.len()).map(|i| p.row_block(i)) {
                    prop_assert_eq!(b.row0, next);
                    prop_assert!(b.rows > 0);
                    prop_assert_eq!(b.nnz, offsets[b.row0 + b.rows] - offsets[b.row0]);
                    next += b.rows;
                }
                prop_assert_eq!(next, counts.len());
            }
            Err(LinalgError::BudgetTooSmall { needed, budget: b }) => {
                prop_assert_eq!(b, budget);
                prop_assert!(needed > budget);
                let ok = opts.with_budget(MemoryBudget::new(needed));
                let p = plan_sparse::<f64>(offsets.clone(), &ok).unwrap();
                prop_assert!(p.total_bytes() <= needed);
            }
            Err(e) => prop_assert!(false, "{}", e),
        }
    }
}

/// With a budget far above the matrix, blocks stay a few MiB (so a slot's buffers are
/// reused from cache), except that a single row too wide for that is a block of its own.
#[test]
fn sparse_blocks_stay_small_under_a_large_budget() {
    // 2,000 rows of 1,000 entries (16 bytes each per slot: 32 MB in all), then one row of
    // a million entries.
    let mut offsets: Vec<usize> = (0..=2000).map(|r| r * 1000).collect();
    offsets.push(offsets[2000] + 1_000_000);
    let opts = Options::new()
        .with_par(Par::threads(2))
        .with_budget(MemoryBudget::mib(4096));
    let p = plan_sparse::<f64>(offsets.clone(), &opts).unwrap();
    let four_mib = 4 << 20;
    for b in (0..p.len()).map(|i| p.row_block(i)) {
        let bytes = b.nnz * 16;
        assert!(bytes <= four_mib || b.rows == 1, "{b:?}");
    }
    assert!(p.len() >= 32_000_000 / four_mib, "{} blocks", p.len());
    assert_eq!(
        Some(p.row_block(p.len() - 1)).map(|b| (b.rows, b.nnz)),
        Some((1, 1_000_000))
    );
}

#[test]
fn failing_sparse_reads_surface() {
    let dense: Vec<f64> = (0..30 * 6).map(|i| f64::from(i % 4)).collect();
    for concurrent in [true, false] {
        for k in [0, 2] {
            let mut csr = TestCsr::from_dense([30, 6], &dense, concurrent);
            csr.fail_at = Some(k);
            let opts = Options::new()
                .with_par(Par::threads(2))
                .with_budget(MemoryBudget::new(3_000));
            let mut y = vec![0.0; 30];
            let err = spmv(&csr, &[1.0; 6], &mut y, &opts).unwrap_err();
            assert!(err.to_string().contains("injected failure"), "{err}");
        }
    }
}

#[test]
fn bad_structure_and_shapes_are_errors() {
    let dense = vec![1.0_f32, 0.0, 2.0, 3.0];
    let mut csr = TestCsr::from_dense([2, 2], &dense, true);
    let mut y = vec![0.0; 2];
    let err = spmv(&csr, &[1.0; 3], &mut y, &Options::new()).unwrap_err();
    assert!(
        err.to_string().contains("[2, 2]") && err.to_string().contains("[3]"),
        "{err}"
    );
    let err = spmv(&csr, &[1.0; 2], &mut [0.0; 5], &Options::new()).unwrap_err();
    assert!(err.to_string().contains("[5]"), "{err}");
    // A column index outside the matrix, handed over by a faulty backend.
    csr.indices[1] = 7;
    let err = spmv(&csr, &[1.0; 2], &mut y, &Options::new()).unwrap_err();
    assert!(
        matches!(err, LinalgError::InvalidSparseBlock { .. }),
        "{err:?}"
    );
    // A row pointer that does not end at nnz.
    csr.indices[1] = 0;
    csr.indptr[2] = 2;
    let err = spmv(&csr, &[1.0; 2], &mut y, &Options::new()).unwrap_err();
    assert!(err.to_string().contains("nnz 3"), "{err}");
    let err = plan_sparse::<f32>(vec![0, 3, 1], &Options::new()).unwrap_err();
    assert!(err.to_string().contains("3 > 1"), "{err}");
}
