//! Properties of `random`: exact count (Python rounding), distinct sorted positions, values
//! in range, the same matrix for every thread count, uniform positions, and bad input.

use ooc_core::{Complex, Element, Par};
use ooc_sparse::{Format, SparseError, SparseMatrix, random, random_csr};
use proptest::prelude::*;

fn expected_nnz(rows: usize, cols: usize, density: f64) -> usize {
    (density * (rows * cols) as f64).round_ties_even() as usize
}

fn check_structure<T: Element>(rows: usize, cols: usize, density: f64, seed: u64) -> Vec<T> {
    let a = random_csr::<T>(rows, cols, density, seed, Par::Seq).unwrap();
    assert_eq!(a.shape(), [rows, cols]);
    assert_eq!(a.nnz(), expected_nnz(rows, cols, density));
    // canonical = strictly increasing columns in each row = distinct positions
    assert!(a.is_canonical());
    let b = random_csr::<T>(rows, cols, density, seed, Par::threads(2)).unwrap();
    let c = random_csr::<T>(rows, cols, density, seed, Par::threads(3)).unwrap();
    assert_eq!(a, b);
    assert_eq!(a, c);
    a.data().to_vec()
}

proptest! {
    #[test]
    fn exact_count_distinct_positions_unit_values(
        rows in 0_usize..300,
        cols in 0_usize..300,
        density in 0.0_f64..=1.0,
        seed in any::<u64>(),
    ) {
        for v in check_structure::<f64>(rows, cols, density, seed) {
            prop_assert!((0.0..1.0).contains(&v));
        }
        for v in check_structure::<f32>(rows, cols, density, seed) {
            prop_assert!((0.0..1.0).contains(&v));
        }
        for v in check_structure::<Complex<f64>>(rows, cols, density, seed) {
            prop_assert!((0.0..1.0).contains(&v.re) && (0.0..1.0).contains(&v.im));
        }
        check_structure::<i16>(rows, cols, density, seed);
        check_structure::<u64>(rows, cols, density, seed);
    }
}

#[test]
fn every_type_and_format() {
    macro_rules! each {
        ($t:ty) => {
            for f in Format::ALL {
                let m = random::<$t>(20, 30, 0.2, 9, f, Par::threads(2)).unwrap();
                assert_eq!(m.format(), f);
                assert_eq!(m.shape(), [20, 30]);
                let csr = random_csr::<$t>(20, 30, 0.2, 9, Par::Seq).unwrap();
                // DIA drops explicit zeros (an integer draw can be 0), so compare densely.
                assert_eq!(m.to_dense().unwrap(), csr.to_dense().unwrap());
                if f != Format::Dia {
                    assert_eq!(m.to_csr(), csr);
                }
            }
        };
    }
    ooc_core::for_each_element!(each);
}

#[test]
fn rounding_is_pythons() {
    // 0.5 · 5 = 2.5 rounds to 2, 0.5 · 3 = 1.5 rounds to 2, as Python's round does.
    assert_eq!(random_csr::<f64>(1, 5, 0.5, 1, Par::Seq).unwrap().nnz(), 2);
    assert_eq!(random_csr::<f64>(1, 3, 0.5, 1, Par::Seq).unwrap().nnz(), 2);
    assert_eq!(random_csr::<f64>(7, 7, 1.0, 1, Par::Seq).unwrap().nnz(), 49);
    assert_eq!(random_csr::<f64>(7, 7, 0.0, 1, Par::Seq).unwrap().nnz(), 0);
    assert_eq!(
        random_csr::<f64>(0, 7, 0.5, 1, Par::Seq).unwrap().indptr(),
        &[0]
    );
    assert_eq!(
        random_csr::<f64>(3, 0, 0.5, 1, Par::Seq).unwrap().indptr(),
        &[0, 0, 0, 0]
    );
}

#[test]
fn large_ranges_split_and_stay_reproducible() {
    // 1 × 300,000 with 40,000 picks: split by the hypergeometric draws into pieces.
    let a = check_structure::<f64>(1, 300_000, 40_000.0 / 300_000.0, 11);
    assert_eq!(a.len(), 40_000);
    // 10¹⁰ positions, 1000 picks: one sparse piece, draw–sort–deduplicate.
    let b = random_csr::<f32>(100_000, 100_000, 1e-7, 5, Par::threads(2)).unwrap();
    assert_eq!(b.nnz(), 1000);
    assert!(b.is_canonical());
    let other_seed = random_csr::<f32>(100_000, 100_000, 1e-7, 6, Par::Seq).unwrap();
    assert_ne!(b.indices(), other_seed.indices());
}

/// Positions are uniform: over many seeds every cell of a small matrix is picked about
/// equally often, and over a long range split into pieces every tenth gets its share.
#[test]
fn positions_are_uniform() {
    let mut hits = vec![0_u32; 100];
    let seeds = 2000;
    for seed in 0..seeds {
        let a = random_csr::<f64>(10, 10, 0.3, seed, Par::Seq).unwrap();
        for i in 0..10 {
            for j in a.row(i).0 {
                hits[i * 10 + j] += 1;
            }
        }
    }
    // Each cell: binomial(2000, 0.3), mean 600, sd ≈ 20.5; allow 7 sd.
    for (cell, &h) in hits.iter().enumerate() {
        assert!((456..=744).contains(&h), "cell {cell} picked {h} times");
    }
    let n = 300_000;
    let k = 40_000_u32;
    let mut bins = [0_u64; 10];
    let runs = 40;
    for seed in 0..runs {
        let a = random_csr::<f32>(1, n, f64::from(k) / n as f64, seed, Par::Seq).unwrap();
        for j in a.indices() {
            bins[j * 10 / n] += 1;
        }
    }
    // Per run a bin holds a hypergeometric count with mean 4000 and sd ≈ 56; over 40 runs
    // the sd is ≈ 355. Allow 7 sd.
    for (b, &count) in bins.iter().enumerate() {
        let mean = (runs * 4000) as f64;
        assert!(
            (count as f64 - mean).abs() < 7.0 * 355.0,
            "bin {b}: {count} vs {mean}"
        );
    }
}

#[test]
fn bad_density_and_shape_are_errors() {
    for d in [-0.1, 1.000_001, f64::NAN, f64::INFINITY] {
        let err = random_csr::<f64>(3, 3, d, 1, Par::Seq).unwrap_err();
        assert!(matches!(err, SparseError::InvalidDensity(_)), "{err}");
        assert!(err.to_string().contains("outside [0, 1]"), "{err}");
        assert!(random::<f64>(3, 3, d, 1, Format::Coo, Par::Seq).is_err());
    }
    let err = random_csr::<f64>(usize::MAX, 2, 0.5, 1, Par::Seq).unwrap_err();
    assert!(
        matches!(err, SparseError::ShapeOverflow { cols: 2, .. }),
        "{err}"
    );
}
