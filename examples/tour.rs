//! The notebook workflow, step by step: fill a memory map and an HDF5 dataset row by row,
//! reopen them, multiply a matrix stored on disk by a vector without loading it, and play
//! with a random sparse matrix — printing what each step does, how long it took, how much
//! memory it added (the `%memit` analogue) and how big the objects really are (`Footprint`).
//! It ends by writing the spy plot of the sparse matrix.
//!
//! ```text
//! cargo run --release --example tour                    # quick sizes, seconds
//! cargo run --release --example tour -- --scale notebook  # the notebook's sizes (≈ 2 GB disk)
//! cargo run --example tour -- --scale tiny                # a second, as the tests run it
//! ```
//!
//! Lines ending in `: true` are checks (`tests/walkthroughs.rs` holds the tiny run to them).

use std::time::Instant;

use ooc::core::{Footprint, MemoryBudget, MemoryReport, Par};
use ooc::hdf5::{AccessPattern, ChunkAdvice, File};
use ooc::linalg::{Options, gemv};
use ooc::mmap::{MmapArray, Mode};
use ooc::sparse::{CscMatrix, DokMatrix, LilMatrix, SparseMatrix, random_csr, spy_png};

type Result<T = ()> = std::result::Result<T, Box<dyn std::error::Error>>;

fn mib(bytes: usize) -> f64 {
    #[allow(clippy::cast_precision_loss)]
    let b = bytes as f64;
    b / f64::from(1 << 20)
}

/// Runs one step: prints what it does, then its time and memory figures.
fn step<R>(what: &str, f: impl FnOnce() -> Result<R>) -> Result<R> {
    println!("\n>>> {what}");
    let start = Instant::now();
    let (value, report): (Result<R>, MemoryReport) = ooc::core::measure(f)?;
    let value = value?;
    println!(
        "    {:.3} s, peak memory {:.1} MiB, increment {:.1} MiB",
        start.elapsed().as_secs_f64(),
        mib(report.peak_bytes()),
        mib(report.increment_bytes())
    );
    Ok(value)
}

fn main() -> Result {
    let args: Vec<String> = std::env::args().collect();
    let scale = match args.iter().position(|a| a == "--scale") {
        Some(i) => match args.get(i + 1).map(String::as_str) {
            Some(s @ ("notebook" | "quick" | "tiny")) => s,
            other => {
                return Err(
                    format!("--scale expects quick, notebook or tiny, got {other:?}").into(),
                );
            }
        },
        None => "quick",
    };
    let div = match scale {
        "notebook" => 1,
        "quick" => 10,
        _ => 1000,
    };
    let (fill_rows, fill_cols) = (100, 1_000_000 / div);
    let (rows, cols) = (1000, 100_000 / div);
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("target")
        .join("tour");
    std::fs::create_dir_all(&dir)?;
    println!("ooc tour at {scale} scale; files go to {}", dir.display());
    let base: Vec<f32> = (0..fill_cols).map(|j| (j % 1000) as f32 * 0.001).collect();

    // 1. numpy.memmap: create, fill row by row, flush.
    let npy = dir.join("fill.npy");
    step(
        &format!(
            "create a {fill_rows} x {fill_cols} f32 .npy memory map, fill it row by row, flush"
        ),
        || {
            let mut a = MmapArray::<f32>::create_npy(&npy, &[fill_rows, fill_cols], false)?;
            for i in 0..fill_rows {
                for (o, b) in a.row_mut(i)?.iter_mut().zip(&base) {
                    *o = b + i as f32;
                }
            }
            a.flush()?;
            println!(
                "    the map: {:.1} MiB mapped, {:.1} MiB resident, {} bytes on the heap",
                mib(a.mapped_bytes()),
                mib(a.resident_bytes()?),
                a.heap_bytes()
            );
            Ok(())
        },
    )?;
    // 2. Reopen read-only (no dtype or shape to restate with .npy) and check the last row.
    step(
        "reopen it read-only and compare the last row with what was written",
        || {
            let a = MmapArray::<f32>::open_npy(&npy, Mode::ReadOnly)?;
            let last = a.row(fill_rows - 1)?;
            let same = last
                .iter()
                .zip(&base)
                .all(|(v, b)| *v == b + (fill_rows - 1) as f32);
            println!("    last row matches: {same}");
            Ok(())
        },
    )?;

    // 3. HDF5: the same fill into a contiguous dataset, and groups addressed by path.
    let h5 = dir.join("tour.h5");
    step(
        "HDF5: fill a contiguous dataset row by row; groups and a subgroup dataset",
        || {
            let file = File::create(&h5)?;
            let mut ds = file
                .new_dataset::<f32>("/dataset1")
                .shape([fill_rows, fill_cols])
                .create()?;
            let mut row = vec![0.0_f32; fill_cols];
            for i in 0..fill_rows {
                for (o, b) in row.iter_mut().zip(&base) {
                    *o = b + i as f32;
                }
                ds.write_rows(i, &row)?;
            }
            file.create_group_all("/group/subgroup")?;
            let mut d2 = file
                .new_dataset::<i32>("/group/subgroup/dataset2")
                .shape([10])
                .create()?;
            d2.write_all(&(0..10).collect::<Vec<i32>>())?;
            drop((ds, d2));
            file.close()?;
            let file = File::open_rw(&h5)?;
            let mut back = [0_i32; 10];
            file.dataset("/group/subgroup/dataset2")?
                .read_all(&mut back)?;
            println!("    /group/subgroup/dataset2 reads back {back:?}");
            Ok(())
        },
    )?;
    let advice = ChunkAdvice::for_shape(&[fill_rows, fill_cols], 4, AccessPattern::RowStream);
    println!(
        "\n    chunk advice for streaming rows of {fill_rows} x {fill_cols}: {:?} ({} chunks of {} bytes);",
        advice.chunk, advice.n_chunks, advice.chunk_bytes
    );
    println!(
        "    the classic (100, 100) would give warnings: {:?}",
        ChunkAdvice::check(&[fill_rows, fill_cols], &[100.min(fill_rows), 100], 4)?
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
    );

    // 4. GEMV with a matrix on disk, under a budget, without loading it.
    let mat = dir.join("matrix.h5");
    step(
        &format!("store a {rows} x {cols} f32 matrix in HDF5"),
        || {
            let file = File::create(&mat)?;
            let mut ds = file.new_dataset::<f32>("/A").shape([rows, cols]).create()?;
            let mut block = vec![0.0_f32; 100 * cols];
            for r0 in (0..rows).step_by(100) {
                for (k, v) in block.iter_mut().enumerate() {
                    *v = ((r0 * cols + k) % 997) as f32 / 997.0;
                }
                ds.write_rows(r0, &block)?;
            }
            drop(ds);
            file.close()?;
            Ok(())
        },
    )?;
    let x: Vec<f32> = (0..cols).map(|j| ((j % 7) as f32 - 3.0) * 0.5).collect();
    let y = step(
        "y = A·x streamed from the file under a 64 MiB budget (parallel reads)",
        || {
            let file = File::open(&mat)?;
            let reader = file.dataset("/A")?.parallel_reader()?;
            let mut y = vec![0.0_f32; rows];
            let opts = Options::new()
                .with_par(Par::All)
                .with_budget(MemoryBudget::mib(64));
            gemv(&reader, &x, &mut y, &opts)?;
            Ok(y)
        },
    )?;
    println!(
        "    y[0..3] = {:?}; y itself is {} bytes (Footprint)",
        &y[..3],
        y.deep_size()
    );
    // Against a recomputation in f64 from the rule that filled A, within the worst-case
    // rounding of an f32 sum of `cols` terms.
    let same = y.iter().enumerate().all(|(r, &yr)| {
        let (mut sum, mut magnitude) = (0.0_f64, 0.0_f64);
        for (j, &xj) in x.iter().enumerate() {
            let term = f64::from(((r * cols + j) % 997) as f32 / 997.0) * f64::from(xj);
            sum += term;
            magnitude += term.abs();
        }
        (f64::from(yr) - sum).abs() <= cols as f64 * f64::from(f32::EPSILON) * magnitude
    });
    println!("    y matches a recomputation from the matrix's rule: {same}");

    // 5. Sparse: random generation, conversions, true sizes, SpMV, the spy plot.
    let a = step(
        &format!("random sparse {rows} x {cols}, density 0.1, f64, CSR"),
        || Ok(random_csr::<f64>(rows, cols, 0.1, 42, Par::All)?),
    )?;
    println!(
        "    nnz {}, true size {:.1} MiB",
        a.nnz(),
        mib(a.deep_size())
    );
    let csc = step("convert to CSC", || Ok(CscMatrix::from_csr(&a)))?;
    println!("    CSC true size {:.1} MiB", mib(csc.deep_size()));
    let lil = step("convert to LIL", || Ok(LilMatrix::from_csr(&a)))?;
    println!("    LIL true size {:.1} MiB", mib(lil.deep_size()));
    let dok = step("convert to DOK", || Ok(DokMatrix::from_csr(&a)))?;
    println!("    DOK true size {:.1} MiB", mib(dok.deep_size()));
    let dense = step("to dense", || Ok(a.to_dense()?))?;
    println!("    dense true size {:.1} MiB", mib(dense.deep_size()));
    let xs: Vec<f64> = (0..cols).map(|j| ((j % 7) as f64 - 3.0) * 0.5).collect();
    step("SpMV y = A·x in CSR", || {
        let mut y = vec![0.0; rows];
        a.spmv(&xs, &mut y, Par::All)?;
        println!("    sum(y) = {:.4}", y.iter().sum::<f64>());
        let same = dense.rows().into_iter().zip(&y).all(|(row, &yr)| {
            let sum: f64 = row.iter().zip(&xs).map(|(a, x)| a * x).sum();
            let magnitude: f64 = row.iter().zip(&xs).map(|(a, x)| (a * x).abs()).sum();
            (yr - sum).abs() <= cols as f64 * f64::EPSILON * magnitude
        });
        println!("    SpMV matches the dense product: {same}");
        Ok(())
    })?;
    let spy = dir.join("spy.png");
    step("write the spy plot", || Ok(spy_png(&spy, &a, 800, 400)?))?;
    println!("\nspy plot written to {}", spy.display());
    Ok(())
}
