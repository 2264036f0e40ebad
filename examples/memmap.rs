//! The `numpy.memmap` workflow with ooc: create a 100 × 1,000,000 `f32` array on disk
//! (400 MB) in write mode, fill it row by row, flush, drop it, reopen it read-only and
//! compare the last row with what was written, printing time and memory increment of each
//! step — once as a `.npy` file (shape and type come back from the header) and once as a
//! raw file (the caller restates them, as with `np.memmap`).
//!
//! ```text
//! cargo run --release --example memmap            # full size, 400 MB per file
//! cargo run --release --example memmap -- 10000   # 100 × 10,000 for a quick look
//! ```
//!
//! Files go to a temporary directory that is removed at the end.

use std::time::Instant;

use ooc::core::{Footprint, MemoryReport, measure};
use ooc::mmap::{Access, MmapArray, Mode, RawLayout, inspect_npy};

const ROWS: usize = 100;

/// The value written at `(row, col)`.
#[allow(clippy::cast_precision_loss)]
fn value(row: usize, col: usize) -> f32 {
    row as f32 + (col % 1000) as f32 * 1e-3
}

fn fill_rows(a: &mut MmapArray<f32>) -> Result<(), Box<dyn std::error::Error>> {
    for r in 0..ROWS {
        for (c, x) in a.row_mut(r)?.iter_mut().enumerate() {
            *x = value(r, c);
        }
    }
    Ok(())
}

fn last_row_matches(a: &MmapArray<f32>) -> Result<bool, Box<dyn std::error::Error>> {
    let last = a.row(ROWS - 1)?;
    Ok(last
        .iter()
        .enumerate()
        .all(|(c, &x)| x == value(ROWS - 1, c)))
}

fn show(step: &str, seconds: f64, report: &MemoryReport) {
    #[allow(clippy::cast_precision_loss)]
    let anon = report.anon_growth_bytes() as f64 / f64::from(1 << 20);
    println!("  {step:<38} {seconds:>8.3} s   {report}, anonymous growth: {anon:.2} MiB");
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let cols: usize = match std::env::args().nth(1) {
        Some(arg) => arg.parse().map_err(|e| format!("columns {arg:?}: {e}"))?,
        None => 1_000_000,
    };
    let dir = tempfile::tempdir()?;
    #[allow(clippy::cast_precision_loss)]
    let mb = (ROWS * cols * 4) as f64 / 1e6;
    println!(
        "memory-mapped {ROWS} x {cols} f32 ({mb:.1} MB per file) in {}",
        dir.path().display()
    );

    // .npy: the header remembers type and shape.
    println!(".npy file:");
    let npy = dir.path().join("data.npy");
    let t = Instant::now();
    let (phases, report) = measure(|| -> Result<[f64; 3], Box<dyn std::error::Error>> {
        let t = Instant::now();
        let mut a = MmapArray::<f32>::create_npy(&npy, &[ROWS, cols], false)?;
        let created = t.elapsed().as_secs_f64();
        a.advise(Access::Sequential)?;
        fill_rows(&mut a)?;
        let filled = t.elapsed().as_secs_f64();
        a.flush()?;
        Ok([
            created,
            filled - created,
            t.elapsed().as_secs_f64() - filled,
        ])
    })?;
    let [created, filled, flushed] = phases?;
    show(
        "create (w+), fill row by row, flush",
        t.elapsed().as_secs_f64(),
        &report,
    );

    println!("    of which: create {created:.3} s, fill {filled:.3} s, flush {flushed:.3} s");
    let header = inspect_npy(&npy)?;
    println!(
        "  header: dtype {} shape {:?} fortran_order {}",
        header.dtype, header.shape, header.fortran_order
    );
    let t = Instant::now();
    let (checked, report) = measure(
        || -> Result<(bool, usize, usize), Box<dyn std::error::Error>> {
            let a = MmapArray::<f32>::open_npy(&npy, Mode::ReadOnly)?;
            Ok((last_row_matches(&a)?, a.mapped_bytes(), a.resident_bytes()?))
        },
    )?;
    let (same, mapped, resident) = checked?;
    show(
        "reopen (r), compare the last row",
        t.elapsed().as_secs_f64(),
        &report,
    );
    println!(
        "  last row as written: {same}; mapped {mapped} bytes, resident {resident} bytes (page cache)"
    );
    if !same {
        return Err("the last row read back differs from what was written".into());
    }

    // Raw: the caller restates type (f32), shape and offset on reopen.
    println!("raw file:");
    let raw = dir.path().join("data.bin");
    let layout = RawLayout::c_order(vec![ROWS, cols]);
    let t = Instant::now();
    let (filled, report) = measure(|| -> Result<(), Box<dyn std::error::Error>> {
        let mut a = MmapArray::<f32>::open_raw(&raw, &layout, Mode::Create)?;
        fill_rows(&mut a)?;
        Ok(()) // dropping a writable map flushes it, like numpy's `del`
    })?;
    filled?;
    show(
        "create (w+), fill row by row, drop",
        t.elapsed().as_secs_f64(),
        &report,
    );
    let t = Instant::now();
    let (same, report) = measure(|| -> Result<bool, Box<dyn std::error::Error>> {
        let a = MmapArray::<f32>::open_raw(&raw, &layout, Mode::ReadOnly)?;
        last_row_matches(&a)
    })?;
    let same = same?;
    show(
        "reopen (r), compare the last row",
        t.elapsed().as_secs_f64(),
        &report,
    );
    println!("  last row as written: {same}");
    if !same {
        return Err("the last row read back differs from what was written".into());
    }
    dir.close()?;
    Ok(())
}
