//! Filling a 100 × 1,000,000 f32 array row by row and reading it back, the first steps of
//! the notebook: into a memory-mapped `.npy` (with the flush numpy does on `del`), and
//! reopening a written file read-only to look at its last row.

use ooc_mmap::{MmapArray, Mode};

use crate::cases::{Case, Ceiling};
use crate::data::{Dataset, Result, fill_base, fill_reference, fill_row};
use crate::measure::{Ctx, Outcome, sum_f32, timed};

/// The fill cases.
pub(crate) fn cases() -> Vec<Case> {
    vec![
        Case {
            name: "fill-mmap",
            group: "fill",
            about: "create a .npy memory map, fill it row by row, flush",
            ceiling: Ceiling::FileWrite,
            inputs: &[],
            coldable: false,
            threads: None,
            python: &["numpy-memmap-fill"],
            same_checksum: true,
            run: fill_mmap,
            reference: last_row_reference,
            tolerance: 1e-12,
        },
        Case {
            name: "reopen-mmap-last-row",
            group: "fill",
            about: "reopen the filled .npy read-only and sum its last row",
            ceiling: Ceiling::FileRead,
            inputs: &[Dataset::Rows],
            coldable: true,
            threads: None,
            python: &["numpy-memmap-reopen"],
            same_checksum: true,
            run: reopen_mmap,
            reference: last_row_reference,
            tolerance: 1e-12,
        },
    ]
}

fn last_row_reference(ctx: &Ctx) -> Result<f64> {
    let [rows, cols] = ctx.sizes.fill;
    Ok(fill_reference(rows, cols))
}

fn fill_mmap(ctx: &Ctx) -> Result<Outcome> {
    let [rows, cols] = ctx.sizes.fill;
    let path = ctx.scratch("fill.npy")?;
    let base = fill_base(cols);
    let outcome = timed(ctx.sizes.fill_bytes(), || {
        let mut a = MmapArray::<f32>::create_npy(&path, &[rows, cols], false)?;
        for i in 0..rows {
            fill_row(&base, i, a.row_mut(i)?);
        }
        a.flush()?;
        Ok(sum_f32(a.row(rows - 1)?))
    });
    std::fs::remove_file(&path)?;
    outcome
}

fn reopen_mmap(ctx: &Ctx) -> Result<Outcome> {
    let [rows, cols] = ctx.sizes.fill;
    let path = ctx.input(Dataset::Rows);
    ctx.settle(&path)?;
    timed(cols * 4, || {
        let a = MmapArray::<f32>::open_npy(&path, Mode::ReadOnly)?;
        Ok(sum_f32(a.row(rows - 1)?))
    })
}
