//! Criterion micro benchmarks of the ooc-linalg kernels: the multi-row GEMV kernel (f32,
//! f64) against a naive row loop, the transposed kernel, and the CSR SpMV kernel, at
//! small sizes that stay in cache.
//!
//! `cargo bench --bench kernels`

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use ooc_linalg::kernels;

const ROWS: usize = 64;
const COLS: usize = 4096;

#[allow(clippy::cast_precision_loss)]
fn matrix<T: From<f32>>(len: usize) -> Vec<T> {
    (0..len)
        .map(|i| T::from((i % 101) as f32 * 0.01 - 0.5))
        .collect()
}

fn gemv(c: &mut Criterion) {
    let mut g = c.benchmark_group("gemv");
    g.throughput(Throughput::Bytes((ROWS * COLS * 4) as u64));
    let a32: Vec<f32> = matrix(ROWS * COLS);
    let x32: Vec<f32> = matrix(COLS);
    let mut y32 = vec![0.0_f32; ROWS];
    g.bench_function("f32 multi-row kernel", |b| {
        b.iter(|| kernels::gemv_block(black_box(&a32), black_box(&x32), &mut y32));
    });
    g.bench_function("f32 naive row loop", |b| {
        b.iter(|| {
            for (yi, row) in y32.iter_mut().zip(black_box(&a32).chunks_exact(COLS)) {
                *yi = row.iter().zip(black_box(&x32)).map(|(p, q)| p * q).sum();
            }
        });
    });
    g.bench_function("f32 transposed kernel", |b| {
        let xt: Vec<f32> = matrix(ROWS);
        let mut yt = vec![0.0_f32; COLS];
        b.iter(|| kernels::gemv_t_block(black_box(&a32), black_box(&xt), &mut yt));
    });
    g.throughput(Throughput::Bytes((ROWS * COLS * 8) as u64));
    let a64: Vec<f64> = matrix(ROWS * COLS);
    let x64: Vec<f64> = matrix(COLS);
    let mut y64 = vec![0.0_f64; ROWS];
    g.bench_function("f64 multi-row kernel", |b| {
        b.iter(|| kernels::gemv_block(black_box(&a64), black_box(&x64), &mut y64));
    });
    g.finish();
}

fn spmv(c: &mut Criterion) {
    // A 2000 × 2000 CSR matrix with 20 entries per row at scattered columns.
    let (rows, cols, per_row) = (2000, 2000, 20);
    let indptr: Vec<usize> = (0..=rows).map(|i| i * per_row).collect();
    let indices: Vec<usize> = (0..rows * per_row)
        .map(|k| (k * 7919 + k / per_row * 104_729) % cols)
        .collect();
    let data: Vec<f64> = matrix(rows * per_row);
    let x: Vec<f64> = matrix(cols);
    let mut y = vec![0.0_f64; rows];
    let mut g = c.benchmark_group("spmv");
    g.throughput(Throughput::Elements((rows * per_row) as u64));
    g.bench_function("f64 csr kernel", |b| {
        b.iter(|| {
            assert!(kernels::spmv_block(
                black_box(&indptr),
                black_box(&indices),
                black_box(&data),
                black_box(&x),
                &mut y
            ));
        });
    });
    g.finish();
}

criterion_group!(benches, gemv, spmv);
criterion_main!(benches);
