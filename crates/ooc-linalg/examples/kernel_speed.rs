//! Quick speed check of the multi-row GEMV kernel against a naive row loop, and of the
//! whole scheduler on 1 and 2 threads, on an in-memory f32 matrix.
//!
//! `cargo run --release -p ooc-linalg --example kernel_speed [rows] [cols]`
//! (default 1000 × 25,000 = 100 MB). Prints GB/s of matrix bytes read.

use std::time::Instant;

use ooc_core::{MemArray, Par};
use ooc_linalg::{Options, gemv, kernels};

fn best_of(reps: usize, mut f: impl FnMut()) -> f64 {
    (0..reps)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed().as_secs_f64()
        })
        .fold(f64::INFINITY, f64::min)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let rows: usize = args.next().map_or(Ok(1000), |s| s.parse())?;
    let cols: usize = args.next().map_or(Ok(25_000), |s| s.parse())?;
    #[allow(clippy::cast_precision_loss)]
    let data: Vec<f32> = (0..rows * cols).map(|i| (i % 1013) as f32 * 1e-3).collect();
    #[allow(clippy::cast_precision_loss)]
    let x: Vec<f32> = (0..cols).map(|i| (i % 7) as f32 - 3.0).collect();
    #[allow(clippy::cast_precision_loss)]
    let gb = (rows * cols * 4) as f64 / 1e9;
    let mut y = vec![0.0_f32; rows];

    let naive = best_of(5, || {
        for (yi, row) in y.iter_mut().zip(data.chunks_exact(cols)) {
            *yi = row.iter().zip(&x).map(|(a, b)| a * b).sum();
        }
    });
    let naive_y = y.clone();
    let naive_f64 = best_of(5, || {
        for (yi, row) in y.iter_mut().zip(data.chunks_exact(cols)) {
            let mut acc = [0.0_f64; 8];
            for (r, xc) in row.chunks_exact(8).zip(x.chunks_exact(8)) {
                for l in 0..8 {
                    acc[l] += f64::from(r[l]) * f64::from(xc[l]);
                }
            }
            #[allow(clippy::cast_possible_truncation)]
            {
                *yi = acc.iter().sum::<f64>() as f32;
            }
        }
    });
    let kernel = best_of(5, || kernels::gemv_block(&data, &x, &mut y));
    let max_diff = y
        .iter()
        .zip(&naive_y)
        .map(|(a, b)| (a - b).abs() / b.abs().max(1.0))
        .fold(0.0_f32, f32::max);
    let a = MemArray::from_vec(vec![rows, cols], data)?;
    let mut sched = Vec::new();
    for threads in [1, 2] {
        let opts = Options::new().with_par(Par::threads(threads));
        sched.push(best_of(5, || gemv(&a, &x, &mut y, &opts).unwrap()));
    }
    println!("f32 GEMV {rows} x {cols} ({gb:.2} GB), best of 5:");
    println!(
        "  naive row loop (f32 sum)        {:8.2} ms  {:6.2} GB/s",
        naive * 1e3,
        gb / naive
    );
    println!(
        "  8 lanes, f64 accumulators       {:8.2} ms  {:6.2} GB/s",
        naive_f64 * 1e3,
        gb / naive_f64
    );
    println!(
        "  multi-row kernel, 1 thread      {:8.2} ms  {:6.2} GB/s",
        kernel * 1e3,
        gb / kernel
    );
    println!(
        "  scheduler gemv, 1 thread        {:8.2} ms  {:6.2} GB/s",
        sched[0] * 1e3,
        gb / sched[0]
    );
    println!(
        "  scheduler gemv, 2 threads       {:8.2} ms  {:6.2} GB/s",
        sched[1] * 1e3,
        gb / sched[1]
    );
    println!("  largest relative difference kernel vs naive: {max_diff:.2e}");
    Ok(())
}
