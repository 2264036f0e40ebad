//! The scheduler's promises: determinism across threads and budgets, errors that surface,
//! budgets that name their minimum, the reader-thread path, bounded buffer reuse, progress.

mod common;

use std::sync::{Arc, Mutex};

use common::Plain;
use ooc_core::{MemArray, MemoryBudget, Par};
use ooc_linalg::{LinalgError, Operation, Options, Progress, gemv, gemv_t, plan};
use proptest::prelude::*;

fn matrix(m: usize, n: usize, seed: u32) -> MemArray<f32> {
    #[allow(clippy::cast_precision_loss)]
    let data = (0..m * n)
        .map(|i| {
            ((i as u32).wrapping_mul(2_654_435_761).wrapping_add(seed) % 10_007) as f32 / 97.3
                - 50.0
        })
        .collect();
    MemArray::from_vec(vec![m, n], data).unwrap()
}

fn vector(n: usize) -> Vec<f32> {
    #[allow(clippy::cast_precision_loss)]
    (0..n)
        .map(|i| ((i * 37 % 101) as f32).sqrt() - 4.9)
        .collect()
}

fn bits(v: &[f32]) -> Vec<u32> {
    v.iter().map(|x| x.to_bits()).collect()
}

proptest! {
    #[test]
    fn gemv_bits_do_not_depend_on_threads_budget_or_backend(
        m in 1_usize..60, n in 1_usize..70, seed in any::<u32>(), chunk in 1_usize..8,
    ) {
        let a = matrix(m, n, seed).with_chunk_shape(vec![chunk, n]).unwrap();
        let x = vector(n);
        let mut reference = vec![0.0; m];
        gemv(&a, &x, &mut reference, &Options::new().with_par(Par::Seq)).unwrap();
        let widest = Options::new().with_par(Par::threads(4)).with_budget(MemoryBudget::new(0));
        let minimum = match plan(&Operation::Gemv, &a, &widest) {
            Err(LinalgError::BudgetTooSmall { needed, .. }) => needed,
            other => panic!("{other:?}"),
        };
        for par in [Par::Seq, Par::threads(2), Par::threads(4)] {
            for budget in [minimum, 3 * minimum, 1 << 20] {
                let opts = Options::new().with_par(par).with_budget(MemoryBudget::new(budget));
                for (name, backend) in common::backends([m, n], a.as_slice(), Some([chunk, n])) {
                    let mut y = vec![0.0; m];
                    gemv(&&*backend, &x, &mut y, &opts).unwrap();
                    prop_assert_eq!(bits(&y), bits(&reference), "{} {:?} {}", name, par, budget);
                }
            }
        }
    }

    #[test]
    fn gemv_t_bits_do_not_depend_on_threads_for_a_fixed_plan(
        m in 1_usize..80, n in 1_usize..40, seed in any::<u32>(),
    ) {
        let a = matrix(m, n, seed).with_chunk_shape(vec![3, n]).unwrap();
        let x = vector(m);
        // The same number of slots in flight (4) gives the same plan whatever the threads.
        let configs = [(Par::Seq, 3), (Par::threads(2), 1), (Par::threads(4), 0)];
        let budget = MemoryBudget::new(4 * n * 4 * 7 + 4 * n * 4);
        let mut results = Vec::new();
        let mut plans = Vec::new();
        for (par, ra) in configs {
            let opts = Options::new().with_par(par).with_read_ahead(ra).with_budget(budget);
            plans.push(plan(&Operation::GemvT, &a, &opts).unwrap());
            let mut y = vec![0.0; n];
            gemv_t(&a, &x, &mut y, &opts).unwrap();
            results.push(bits(&y));
        }
        prop_assert!(plans.windows(2).all(|w| w[0] == w[1]));
        prop_assert!(plans[0].plan.len() > 1 || m <= 3);
        prop_assert!(results.windows(2).all(|w| w[0] == w[1]));
    }
}

#[test]
fn a_failing_read_surfaces_on_both_read_paths() {
    let a = matrix(50, 9, 1).with_chunk_shape(vec![2, 9]).unwrap();
    let x = vector(9);
    for concurrent in [true, false] {
        for par in [Par::Seq, Par::threads(2)] {
            let opts = Options::new()
                .with_par(par)
                .with_budget(MemoryBudget::new(600));
            let blocks = plan(&Operation::Gemv, &a, &opts).unwrap().plan.len();
            assert!(blocks > 4, "{blocks}");
            for k in [0, blocks / 2, blocks - 1] {
                let backend = Plain::new(a.clone(), concurrent).failing_at(k);
                let mut y = vec![0.0; 50];
                let err = gemv(&backend, &x, &mut y, &opts).unwrap_err();
                assert!(
                    matches!(&err, LinalgError::Backend(ooc_core::Error::Io { .. })),
                    "{err:?}"
                );
                assert!(err.to_string().contains("injected failure"), "{err}");
                let mut yt = vec![0.0; 9];
                let backend = Plain::new(a.clone(), concurrent).failing_at(k);
                let err = gemv_t(&backend, &vector(50), &mut yt, &opts).unwrap_err();
                assert!(err.to_string().contains(&format!("test read {k}")), "{err}");
            }
        }
    }
}

#[test]
fn too_small_budget_names_a_minimum_that_works() {
    let a = matrix(40, 30, 2).with_chunk_shape(vec![4, 10]).unwrap();
    let x = vector(30);
    for op in [Operation::Gemv, Operation::GemvT, Operation::Gemm { k: 3 }] {
        let opts = Options::new()
            .with_par(Par::threads(2))
            .with_budget(MemoryBudget::new(100));
        let err = plan(&op, &a, &opts).unwrap_err();
        let LinalgError::BudgetTooSmall { needed, budget } = err else {
            panic!("{err:?}")
        };
        assert_eq!(budget, 100);
        assert!(
            err.to_string().contains(&format!("needs {needed} bytes")),
            "{err}"
        );
        let ok = opts.clone().with_budget(MemoryBudget::new(needed));
        let s = plan(&op, &a, &ok).unwrap();
        assert!(s.total_bytes() <= needed, "{op:?} {s:?}");
        let short = opts.clone().with_budget(MemoryBudget::new(needed - 1));
        assert!(plan(&op, &a, &short).is_err(), "{op:?}");
    }
    let mut y = vec![0.0; 40];
    let err = gemv(
        &a,
        &x,
        &mut y,
        &Options::new().with_budget(MemoryBudget::new(10)),
    )
    .unwrap_err();
    assert!(
        matches!(err, LinalgError::BudgetTooSmall { budget: 10, .. }),
        "{err:?}"
    );
}

#[test]
fn serial_backends_are_read_by_one_reader_thread() {
    let a = matrix(64, 16, 3);
    let backend = Plain::new(a.clone(), false);
    let opts = Options::new()
        .with_par(Par::threads(2))
        .with_budget(MemoryBudget::new(16 * 4 * 4 * 6));
    let mut y = vec![0.0; 64];
    gemv(&backend, &vector(16), &mut y, &opts).unwrap();
    let threads = backend.threads.lock().unwrap().clone();
    assert_eq!(threads.len(), 1, "reads came from {threads:?}");
    assert!(!threads.contains(&std::thread::current().id()));
    let mut expected = vec![0.0; 64];
    gemv(&a, &vector(16), &mut expected, &opts).unwrap();
    assert_eq!(bits(&y), bits(&expected));
}

#[test]
fn buffers_are_allocated_once_and_reused() {
    let a = matrix(200, 8, 4);
    for concurrent in [true, false] {
        for (par, ra) in [(Par::Seq, 1), (Par::threads(2), 2)] {
            let backend = Plain::new(a.clone(), concurrent);
            let opts = Options::new()
                .with_par(par)
                .with_read_ahead(ra)
                .with_budget(MemoryBudget::new(8 * 4 * 2 * 12));
            let s = plan(&Operation::Gemv, &backend, &opts).unwrap();
            let mut y = vec![0.0; 200];
            gemv(&backend, &vector(8), &mut y, &opts).unwrap();
            let reads = backend.reads.load(std::sync::atomic::Ordering::SeqCst);
            let buffers = backend.buffers.lock().unwrap().len();
            assert_eq!(reads, s.plan.len());
            assert!(s.plan.len() > 10, "{s:?}");
            assert!(
                buffers <= opts.in_flight(),
                "{buffers} buffers for {} in flight",
                opts.in_flight()
            );
        }
    }
}

#[test]
fn progress_is_reported_in_block_order_with_bytes() {
    let a = matrix(30, 5, 5).with_chunk_shape(vec![2, 5]).unwrap();
    for backend in [
        Box::new(a.clone()) as Box<dyn ooc_core::ReadBlock<f32>>,
        Box::new(Plain::new(a.clone(), false)),
    ] {
        let seen: Arc<Mutex<Vec<Progress>>> = Arc::default();
        let log = Arc::clone(&seen);
        let opts = Options::new()
            .with_par(Par::threads(2))
            .with_budget(MemoryBudget::new(5 * 4 * 2 * 4 * 2))
            .with_progress(move |p| log.lock().unwrap().push(p));
        let mut y = vec![0.0; 30];
        gemv(&&*backend, &vector(5), &mut y, &opts).unwrap();
        let seen = seen.lock().unwrap();
        let total = seen.last().unwrap().blocks_total;
        assert!(total > 1);
        assert_eq!(seen.len(), total);
        for (i, p) in seen.iter().enumerate() {
            assert_eq!(p.blocks_done, i + 1);
        }
        assert_eq!(seen.last().unwrap().bytes_read, 30 * 5 * 4);
    }
}

/// A backend that reads through a rayon pool of its own, as HDF5's parallel reader does.
struct PooledReads {
    inner: MemArray<f32>,
    pool: rayon::ThreadPool,
}

impl ooc_core::ArrayMeta for PooledReads {
    fn shape(&self) -> &[usize] {
        ooc_core::ArrayMeta::shape(&self.inner)
    }
    fn dtype(&self) -> ooc_core::DType {
        ooc_core::DType::F32
    }
}

impl ooc_core::ReadBlock<f32> for PooledReads {
    fn read_region(&self, region: &ooc_core::Region, out: &mut [f32]) -> ooc_core::Result<()> {
        self.pool.install(|| {
            let half = out.len() / 2;
            let (lo, hi) = out.split_at_mut(half);
            let mut whole = vec![0.0; region.len()];
            self.inner.read_region(region, &mut whole)?;
            rayon::join(
                || lo.copy_from_slice(&whole[..half]),
                || hi.copy_from_slice(&whole[half..]),
            );
            Ok(())
        })
    }
}

#[test]
fn backends_that_use_rayon_themselves_do_not_deadlock_the_workers() {
    // Workers wait for slots; were they rayon tasks, a worker waiting for the backend's
    // pool could run another worker on its own stack and wait forever.
    let a = matrix(300, 16, 6);
    let backend = PooledReads {
        inner: a.clone(),
        pool: rayon::ThreadPoolBuilder::new()
            .num_threads(2)
            .build()
            .unwrap(),
    };
    let x = vector(16);
    let mut expected = vec![0.0; 300];
    gemv(&a, &x, &mut expected, &Options::new()).unwrap();
    for par in [Par::threads(2), Par::threads(3), Par::All] {
        let opts = Options::new()
            .with_par(par)
            .with_budget(MemoryBudget::new(16 * 4 * 2 * 30));
        let mut y = vec![0.0; 300];
        gemv(&backend, &x, &mut y, &opts).unwrap();
        assert_eq!(bits(&y), bits(&expected), "{par:?}");
    }
}
