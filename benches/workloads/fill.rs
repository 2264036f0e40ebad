//! Filling a 100 × 1,000,000 f32 array row by row and reading it back, the first steps of
//! the notebook: into a memory-mapped `.npy` (with the flush numpy does on `del`), and
//! reopening a written file read-only to look at its last row.

use ooc_hdf5::File as H5File;
use ooc_mmap::{MmapArray, Mode};

use crate::cases::{Case, Ceiling};
use crate::data::{Dataset, Result, advised_chunk, fill_base, fill_reference, fill_row};
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
            name: "fill-h5-contig",
            group: "fill",
            about: "create a contiguous HDF5 dataset, write it row by row (RowWriter), flush",
            ceiling: Ceiling::FileWrite,
            inputs: &[],
            coldable: false,
            threads: None,
            python: &["h5py-fill-contig"],
            same_checksum: true,
            run: fill_h5_contig,
            reference: last_row_reference,
            tolerance: 1e-12,
        },
        Case {
            name: "fill-h5-chunked",
            group: "fill",
            about: "row by row through a RowWriter into (100, 100) chunks",
            ceiling: Ceiling::FileWrite,
            inputs: &[],
            coldable: false,
            threads: None,
            python: &["h5py-fill-chunked"],
            same_checksum: true,
            run: fill_h5_chunked,
            reference: last_row_reference,
            tolerance: 1e-12,
        },
        Case {
            name: "fill-h5-advisor",
            group: "fill",
            about: "row by row through a RowWriter into the chunks ChunkAdvice proposes for rows",
            ceiling: Ceiling::FileWrite,
            inputs: &[],
            coldable: false,
            threads: None,
            python: &["h5py-fill-advisor"],
            same_checksum: true,
            run: fill_h5_advised,
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

/// Fills `/A` of a new HDF5 file row by row through a `RowWriter`, as a user would (the
/// Python side assigns `d[i, :]`); contiguous when `chunk` is `None`.
fn fill_h5(ctx: &Ctx, name: &str, chunk: Option<[usize; 2]>) -> Result<Outcome> {
    let [rows, cols] = ctx.sizes.fill;
    let path = ctx.scratch(name)?;
    let base = fill_base(cols);
    let outcome = timed(ctx.sizes.fill_bytes(), || {
        let file = H5File::create(&path)?;
        let mut builder = file.new_dataset::<f32>("/A").shape([rows, cols]);
        if let Some(c) = chunk {
            builder = builder.chunk(c);
        }
        let mut ds = builder.create()?;
        let mut row = vec![0.0_f32; cols];
        let mut writer = ds.row_writer::<f32>(0)?;
        for i in 0..rows {
            fill_row(&base, i, &mut row);
            writer.push(&row)?;
        }
        writer.finish()?;
        file.flush()?;
        ds.read_rows(rows - 1, &mut row)?;
        Ok(sum_f32(&row))
    });
    std::fs::remove_file(&path)?;
    outcome
}

fn fill_h5_contig(ctx: &Ctx) -> Result<Outcome> {
    fill_h5(ctx, "fill-contig.h5", None)
}

/// Row writes into (100, 100) chunks touch every chunk of a band of chunk rows; the
/// `RowWriter` collects the band (spilling it to a temporary file when it exceeds its
/// 64 MiB buffer, as here: 400 MB) and writes each chunk once, whole.
fn fill_h5_chunked(ctx: &Ctx) -> Result<Outcome> {
    fill_h5(ctx, "fill-chunked.h5", Some(ctx.sizes.fill_chunk))
}

fn fill_h5_advised(ctx: &Ctx) -> Result<Outcome> {
    fill_h5(ctx, "fill-advised.h5", Some(advised_chunk(ctx.sizes.fill)))
}
