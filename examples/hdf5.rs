//! The h5py workflow with ooc: create an HDF5 file with a 100 × 1,000,000 `f32` dataset
//! and fill it row by row (contiguous; chunked (100, 100) as in the classic example, once
//! with a chunk cache large enough for a row's chunks and once with rows combined into
//! chunk rows by a `RowWriter`; and with advised chunks), create groups and a subgroup with an `int32` dataset, address it
//! by path, close, reopen read-write and read back; then store a 1000 × 100,000 `f32`
//! matrix and multiply it by a vector block by block without loading it: by hand through
//! the library, and with `ooc::open` + `ooc::linalg::gemv` under a 64 MiB budget. Each step prints its time and memory
//! increment (the `%memit` analogue).
//!
//! ```text
//! cargo run --release --example hdf5            # full size: 400 MB per dataset
//! cargo run --release --example hdf5 -- 10000   # 100 × 10,000 and 1000 × 1000
//! ```
//!
//! Files go to a temporary directory that is removed at the end.

use std::time::Instant;

use ooc::core::{MemoryBudget, MemoryReport, Region, measure};
use ooc::hdf5::{AccessPattern, ChunkAdvice, ChunkCache, Dataset, File, Group, Mode};
use ooc::linalg::{Options, gemv};

type Res<T> = Result<T, Box<dyn std::error::Error>>;

const ROWS: usize = 100;
const MATRIX_ROWS: usize = 1000;
/// Rows per block of the blockwise product.
const BLOCK_ROWS: usize = 100;

/// The value written at `(row, col)` of the 100-row dataset.
#[allow(clippy::cast_precision_loss)]
fn value(row: usize, col: usize) -> f32 {
    row as f32 + (col % 1000) as f32 * 1e-3
}

/// The value at `(row, col)` of the matrix (small integers, so sums are exact in `f64`).
#[allow(clippy::cast_precision_loss)]
fn matrix_value(row: usize, col: usize) -> f32 {
    ((row * 7 + col * 3) % 11) as f32 - 5.0
}

#[allow(clippy::cast_precision_loss)]
fn vector_value(col: usize) -> f32 {
    (col % 5) as f32 - 2.0
}

/// Hands memory the C allocator keeps after frees (the library's chunk cache) back to
/// the system, so later memory increments start from what is really in use.
fn release_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        unsafe extern "C" {
            fn malloc_trim(pad: usize) -> i32;
        }
        // SAFETY: glibc's malloc_trim only returns free heap pages to the system.
        unsafe {
            malloc_trim(0);
        }
    }
}

fn show(step: &str, seconds: f64, report: &MemoryReport) {
    println!("  {step:<52} {seconds:>8.3} s   {report}");
}

/// Runs `f`, printing its time and memory increment.
fn step<R>(name: &str, f: impl FnOnce() -> Res<R>) -> Res<R> {
    release_freed_memory();
    let t = Instant::now();
    let (value, report) = measure(f)?;
    show(name, t.elapsed().as_secs_f64(), &report);
    value
}

fn fill_rows(ds: &mut Dataset, cols: usize) -> Res<()> {
    let mut row = vec![0.0_f32; cols];
    for r in 0..ROWS {
        for (c, x) in row.iter_mut().enumerate() {
            *x = value(r, c);
        }
        ds.write_rows(r, &row)?;
    }
    Ok(())
}

fn describe(ds: &Dataset) -> Res<()> {
    let info = ds.describe()?;
    println!("    {info}");
    Ok(())
}

fn print_tree(group: &Group, depth: usize) -> Res<()> {
    for m in group.members()? {
        println!("    {}{} ({})", "  ".repeat(depth), m.name, m.kind.name());
        if m.kind == ooc::hdf5::MemberKind::Group {
            print_tree(&group.group(&m.name)?, depth + 1)?;
        }
    }
    Ok(())
}

/// `y = A·x`, `block_rows` rows at a time, each block read by `read` into one reused
/// buffer.
fn gemv_blocks(
    (rows, cols, block_rows): (usize, usize, usize),
    x: &[f32],
    mut read: impl FnMut(&Region, &mut [f32]) -> Res<()>,
) -> Res<Vec<f32>> {
    let mut y = vec![0.0_f32; rows];
    let mut block = vec![0.0_f32; block_rows * cols];
    for r0 in (0..rows).step_by(block_rows) {
        let n = block_rows.min(rows - r0);
        let buf = &mut block[..n * cols];
        read(&Region::rows(r0, n, cols), buf)?;
        for (yi, row) in y[r0..r0 + n].iter_mut().zip(buf.chunks_exact(cols)) {
            *yi = row.iter().zip(x).map(|(a, b)| a * b).sum();
        }
    }
    Ok(y)
}

fn row_by_row_gemv(ds: &Dataset, rows: usize, cols: usize, x: &[f32]) -> Res<Vec<f32>> {
    let mut row = vec![0.0_f32; cols];
    let mut y = vec![0.0_f32; rows];
    for (r, yr) in y.iter_mut().enumerate() {
        ds.read_rows(r, &mut row)?;
        *yr = row.iter().zip(x).map(|(a, b)| a * b).sum();
    }
    Ok(y)
}

fn reference_y(rows: usize, cols: usize, x: &[f32]) -> Vec<f64> {
    (0..rows)
        .map(|r| {
            (0..cols)
                .map(|c| f64::from(matrix_value(r, c)) * f64::from(x[c]))
                .sum()
        })
        .collect()
}

fn max_error(y: &[f32], reference: &[f64]) -> f64 {
    y.iter()
        .zip(reference)
        .map(|(&a, &b)| (f64::from(a) - b).abs())
        .fold(0.0, f64::max)
}

fn part_one(dir: &std::path::Path, cols: usize) -> Res<()> {
    #[allow(clippy::cast_precision_loss)]
    let mb = (ROWS * cols * 4) as f64 / 1e6;
    println!("\n1. {ROWS} x {cols} f32 ({mb:.1} MB), filled row by row");
    let path = dir.join("data.h5");
    let file = File::create(&path)?;

    let mut contiguous = file
        .new_dataset::<f32>("/dataset")
        .shape([ROWS, cols])
        .create()?;
    step("contiguous: fill row by row", || {
        fill_rows(&mut contiguous, cols)
    })?;
    describe(&contiguous)?;

    let classic = [ROWS.min(100), cols.min(100)];
    for w in ChunkAdvice::check(&[ROWS, cols], &classic, 4)? {
        println!("    advisor on chunks {classic:?}: {w}");
    }
    // Close the file completely (its datasets too), or reopening it below would reuse
    // the open file and its default cache.
    drop(contiguous);
    drop(file);
    // Row-by-row writes touch every chunk of a row; a cache holding them all avoids
    // writing and re-reading each chunk 100 times.
    let chunk_bytes = classic[0] * classic[1] * 4;
    let touched = cols.div_ceil(classic[1]);
    let cache = ChunkCache {
        // With headroom: a cache filled to the brim starts evicting.
        bytes: touched * chunk_bytes / 4 * 5 + (1 << 20),
        slots: touched * 10 + 1,
        preemption: 1.0,
    };
    println!(
        "    chunk cache sized to the {touched} chunks a row touches: {} MB",
        cache.bytes / 1_000_000
    );
    let file = File::open_with_cache(&path, Mode::ReadWrite, cache)?;
    let mut chunked = file
        .new_dataset::<f32>("/chunked_100x100")
        .shape([ROWS, cols])
        .chunk(classic)
        .create()?;
    step("chunks (100, 100): fill row by row, close", || {
        fill_rows(&mut chunked, cols)?;
        chunked.flush()?;
        Ok(())
    })?;
    describe(&chunked)?;
    drop(chunked);
    drop(file);

    // The same with the default cache, rows combined into whole chunk rows before each
    // library call: every chunk is written once.
    let file = File::open_rw(&path)?;
    let mut combined = file
        .new_dataset::<f32>("/chunked_100x100_combined")
        .shape([ROWS, cols])
        .chunk(classic)
        .create()?;
    step("chunks (100, 100): rows combined, default cache", || {
        let mut rows = combined.row_writer::<f32>(0)?;
        let mut row = vec![0.0_f32; cols];
        for r in 0..ROWS {
            for (c, x) in row.iter_mut().enumerate() {
                *x = value(r, c);
            }
            rows.push(&row)?;
        }
        rows.finish()?;
        combined.flush()?;
        Ok(())
    })?;
    describe(&combined)?;
    drop(combined);

    let advice = ChunkAdvice::for_shape(&[ROWS, cols], 4, AccessPattern::RowStream);
    println!(
        "    advisor for row streaming: chunks {:?} ({} bytes, {} chunks)",
        advice.chunk, advice.chunk_bytes, advice.n_chunks
    );
    let mut advised = file
        .new_dataset::<f32>("/chunked_advised")
        .shape([ROWS, cols])
        .chunk(&advice.chunk)
        .create()?;
    step(
        "advised chunks, default cache: fill row by row, flush",
        || {
            fill_rows(&mut advised, cols)?;
            advised.flush()?;
            Ok(())
        },
    )?;
    describe(&advised)?;
    drop(advised);

    println!("\n2. groups, a subgroup and an int32 dataset addressed by path");
    let n2 = 1000;
    step("create /group/subgroup/dataset2 (1000 x 1000 i32)", || {
        let sub = file.create_group_all("/group/subgroup")?;
        sub.set_attr("created by", "ooc example")?;
        let mut ds2 = file
            .new_dataset::<i32>("/group/subgroup/dataset2")
            .shape([n2, n2])
            .create()?;
        let data: Vec<i32> = (0..n2 * n2)
            .map(|i| i32::try_from(i % 10_007).unwrap_or(0))
            .collect();
        ds2.write_all(&data)?;
        Ok(())
    })?;
    file.close()?;

    println!("\n3. reopen read-write (r+) and read back");
    let file = step("open r+", || Ok(File::open_rw(&path)?))?;
    print_tree(file.root(), 0)?;
    let ds = file.dataset("/dataset")?;
    let ok = step("read the last row of /dataset and compare", || {
        let mut last = vec![0.0_f32; cols];
        ds.read_rows(ROWS - 1, &mut last)?;
        Ok(last
            .iter()
            .enumerate()
            .all(|(c, &v)| v == value(ROWS - 1, c)))
    })?;
    println!("    last row matches: {ok}");
    let chunked = file.dataset("/chunked_100x100")?;
    let reader = step(
        "parallel reader on /chunked_100x100: index the chunks",
        || Ok(chunked.parallel_reader()?),
    )?;
    let ok = step("read its last row through the parallel path", || {
        let mut last = vec![0.0_f32; cols];
        reader.read_region(&Region::rows(ROWS - 1, 1, cols), &mut last)?;
        Ok(last
            .iter()
            .enumerate()
            .all(|(c, &v)| v == value(ROWS - 1, c)))
    })?;
    println!("    {:?} path, last row matches: {ok}", reader.path());
    drop((reader, chunked));
    let mut ds2 = file.dataset("/group/subgroup/dataset2")?;
    let mut row = vec![0_i32; n2];
    ds2.read_rows(7, &mut row)?;
    let expect_ok = row
        .iter()
        .enumerate()
        .all(|(c, &v)| v == i32::try_from((7 * n2 + c) % 10_007).unwrap_or(0));
    println!(
        "    dataset2 row 7 matches: {expect_ok}; attribute: {:?}",
        file.group("/group/subgroup")?.attr_string("created by")?
    );
    ds2.write_rows(0, &vec![-1_i32; n2])?;
    ds2.read_rows(0, &mut row)?;
    println!(
        "    wrote row 0 through r+: {}",
        row.iter().all(|&v| v == -1)
    );
    Ok(())
}

fn fill_matrix(ds: &mut Dataset, cols: usize) -> Res<()> {
    let mut block = vec![0.0_f32; BLOCK_ROWS * cols];
    for r0 in (0..MATRIX_ROWS).step_by(BLOCK_ROWS) {
        let n = BLOCK_ROWS.min(MATRIX_ROWS - r0);
        for (i, row) in block[..n * cols].chunks_exact_mut(cols).enumerate() {
            for (c, v) in row.iter_mut().enumerate() {
                *v = matrix_value(r0 + i, c);
            }
        }
        ds.write_rows(r0, &block[..n * cols])?;
    }
    Ok(())
}

fn part_two(dir: &std::path::Path, cols: usize) -> Res<()> {
    #[allow(clippy::cast_precision_loss)]
    let mb = (MATRIX_ROWS * cols * 4) as f64 / 1e6;
    println!(
        "\n4. {MATRIX_ROWS} x {cols} f32 matrix ({mb:.1} MB) times a vector, in row blocks \
         (aligned to chunks; {BLOCK_ROWS} rows when contiguous)"
    );
    let path = dir.join("matrix.h5");
    let x: Vec<f32> = (0..cols).map(vector_value).collect();
    let reference = reference_y(MATRIX_ROWS, cols, &x);
    let advice = ChunkAdvice::for_shape(&[MATRIX_ROWS, cols], 4, AccessPattern::RowStream);
    let compressed_chunk = [BLOCK_ROWS, cols.min(10_000)];
    let layouts: [(&str, Option<&[usize]>, bool); 3] = [
        ("contiguous", None, false),
        ("advised chunks", Some(&advice.chunk), false),
        (
            "chunks (100, 10000) deflate 4 + shuffle",
            Some(&compressed_chunk),
            true,
        ),
    ];
    let file = File::create(&path)?;
    for (i, (name, chunk, compress)) in layouts.iter().enumerate() {
        let mut b = file
            .new_dataset::<f32>(&format!("/a{i}"))
            .shape([MATRIX_ROWS, cols]);
        if let Some(c) = chunk {
            b = b.chunk(c);
        }
        if *compress {
            b = b.shuffle().deflate(4);
        }
        let mut ds = b.create()?;
        step(&format!("{name}: write"), || fill_matrix(&mut ds, cols))?;
        describe(&ds)?;
    }
    file.close()?;

    let file = File::open(&path)?;
    for (i, (name, _, _)) in layouts.iter().enumerate() {
        println!("  {name}:");
        let ds = file.dataset(&format!("/a{i}"))?;
        let dims = (MATRIX_ROWS, cols, ds.chunk().map_or(BLOCK_ROWS, |c| c[0]));
        if i == 0 {
            let y = step("    library, one row per call (1000 calls)", || {
                row_by_row_gemv(&ds, MATRIX_ROWS, cols, &x)
            })?;
            println!(
                "      max |error| vs f64 reference: {:.3e}",
                max_error(&y, &reference)
            );
        }
        let y = step(&format!("    library, {}-row blocks", dims.2), || {
            gemv_blocks(dims, &x, |r, out| Ok(ds.read_region(r, out)?))
        })?;
        println!(
            "      max |error| vs f64 reference: {:.3e}",
            max_error(&y, &reference)
        );
        // The front door: `ooc::open` picks the parallel read path, and the scheduler
        // streams the product under the budget on every core.
        let spec = format!("{}:/a{i}", path.display());
        let a = ooc::open::<f32>(&spec)?;
        let opts = Options::new().with_budget(MemoryBudget::mib(64));
        let y = step("    ooc::open + ooc::linalg::gemv, 64 MiB budget", || {
            let mut y = vec![0.0_f32; MATRIX_ROWS];
            gemv(&a, &x, &mut y, &opts)?;
            Ok(y)
        })?;
        if let ooc::Array::Hdf5(reader) = &a {
            println!("      path {:?}", reader.path());
        }
        println!(
            "      max |error| vs f64 reference: {:.3e}",
            max_error(&y, &reference)
        );
    }
    Ok(())
}

fn main() -> Res<()> {
    let cols: usize = match std::env::args().nth(1) {
        Some(arg) => arg.parse().map_err(|e| format!("columns {arg:?}: {e}"))?,
        None => 1_000_000,
    };
    if cols < 10 {
        return Err(format!("columns {cols}: use at least 10").into());
    }
    let dir = tempfile::tempdir()?;
    println!(
        "HDF5 workflow in {} (rayon threads: {})",
        dir.path().display(),
        rayon::current_num_threads()
    );
    part_one(dir.path(), cols)?;
    part_two(dir.path(), cols / 10)?;
    dir.close()?;
    println!("\ntemporary files removed");
    Ok(())
}
