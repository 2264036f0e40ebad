//! A scheduler running two workers over a backend that decodes on its own thread pool
//! (the HDF5 parallel read path with two threads) finishes, with a budget that leaves
//! room for only a few blocks, and computes the same product as ndarray.

mod common;

use ndarray::{Array1, Array2};
use ooc_core::{MemoryBudget, Par};
use ooc_hdf5::File;
use ooc_linalg::{Options, gemv};

#[allow(clippy::cast_precision_loss)]
fn values(len: usize) -> Vec<f32> {
    (0..len).map(|i| ((i * 7) % 19) as f32 - 9.0).collect()
}

#[test]
fn two_workers_over_a_two_thread_parallel_reader_finish() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("g.h5");
    let (m, n) = (37, 1001);
    let data = values(m * n);
    {
        let file = File::create(&path).unwrap();
        common::write_dataset(&file, "/a", &[m, n], &data, |b| {
            b.chunk([10, 100]).deflate(4).shuffle()
        });
        file.flush().unwrap();
    }
    let file = File::open(&path).unwrap();
    let reader = file
        .dataset("/a")
        .unwrap()
        .parallel_reader()
        .unwrap()
        .with_par(Par::threads(2))
        .unwrap();
    let dense = Array2::from_shape_vec((m, n), data).unwrap();
    let x = Array1::from(values(n));
    let want = dense.dot(&x).to_vec();
    for budget in [64 << 10, 256 << 10, 8 << 20] {
        let opts = Options::new()
            .with_par(Par::threads(2))
            .with_budget(MemoryBudget::new(budget));
        let mut y = vec![0.0; m];
        gemv(&reader, x.as_slice().unwrap(), &mut y, &opts).unwrap();
        assert_eq!(y, want, "budget {budget}");
        // Called from inside another rayon pool, as a program that is itself parallel does.
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(2)
            .build()
            .unwrap();
        let mut y2 = vec![0.0; m];
        pool.install(|| gemv(&reader, x.as_slice().unwrap(), &mut y2, &opts))
            .unwrap();
        assert_eq!(y2, want, "inside a pool, budget {budget}");
    }
}
