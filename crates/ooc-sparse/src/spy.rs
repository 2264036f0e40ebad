//! Spy plots: the picture of where a sparse matrix has entries, as PNG or SVG.
//!
//! The matrix is cut into a grid of at most `width × height` cells and the stored entries
//! of each cell are counted in one pass over its rows ([`spy_grid`]); each non-empty cell
//! is then painted grey to black by its count relative to the fullest cell. Rows come
//! through [`ReadSparseRows`] in blocks of about a million entries, so the same code
//! draws an in-memory [`crate::CsrMatrix`] or a matrix streamed from an HDF5 file. No
//! text is drawn, so no fonts are needed.

use std::path::Path;

use ooc_core::{CsrBlock, Element, ReadSparseRows};
use plotters::backend::{BitMapBackend, DrawingBackend, SVGBackend};
use plotters::style::RGBColor;

use crate::error::{Result, SparseError};

/// Stored entries per cell of a grid laid over a matrix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpyGrid {
    /// Cells across (at most the column count).
    pub width: usize,
    /// Cells down (at most the row count).
    pub height: usize,
    /// Entries in each cell, row-major (`height × width`).
    pub counts: Vec<u64>,
}

/// Entries read per block while counting.
const BLOCK_NNZ: usize = 1 << 20;

/// Counts the stored entries of `m` in a grid of `min(width, cols) × min(height, rows)`
/// cells; cell `(gy, gx)` covers rows `[gy·rows/h, (gy+1)·rows/h)` and likewise columns.
///
/// # Errors
/// The reader's errors.
pub fn spy_grid<T: Element, R: ReadSparseRows<T> + ?Sized>(
    m: &R,
    width: usize,
    height: usize,
) -> Result<SpyGrid> {
    let [rows, cols] = m.sparse_shape();
    let (gw, gh) = (width.min(cols), height.min(rows));
    let mut counts = vec![0_u64; gw * gh];
    if gw == 0 || gh == 0 {
        return Ok(SpyGrid {
            width: gw,
            height: gh,
            counts,
        });
    }
    // Column → grid column, by table when it is small enough, else by division.
    let table: Option<Vec<u32>> = (cols <= 1 << 24).then(|| {
        (0..cols)
            .map(|j| u32::try_from(cell_of(j, gw, cols)).unwrap_or(u32::MAX))
            .collect()
    });
    let offsets = m.row_offsets()?;
    let mut block = CsrBlock::default();
    let mut row0 = 0;
    while row0 < rows {
        // Take rows until about BLOCK_NNZ entries (at least one row).
        let limit = offsets[row0].saturating_add(BLOCK_NNZ);
        let end = offsets[row0 + 1..].partition_point(|&p| p <= limit).max(1) + row0;
        let end = end.min(rows);
        m.read_rows(row0, end - row0, &mut block)?;
        for r in 0..end - row0 {
            let gy = cell_of(row0 + r, gh, rows);
            let line = &mut counts[gy * gw..(gy + 1) * gw];
            let idx = &block.indices[block.indptr[r]..block.indptr[r + 1]];
            match &table {
                Some(t) => {
                    for &j in idx {
                        if let Some(&gx) = t.get(j) {
                            line[gx as usize] += 1;
                        }
                    }
                }
                None => {
                    for &j in idx {
                        line[cell_of(j, gw, cols).min(gw - 1)] += 1;
                    }
                }
            }
        }
        row0 = end;
    }
    Ok(SpyGrid {
        width: gw,
        height: gh,
        counts,
    })
}

/// The grid cell of index `i` among `n` split into `cells` cells.
fn cell_of(i: usize, cells: usize, n: usize) -> usize {
    // u128: i · cells can exceed usize for huge matrices.
    usize::try_from(i as u128 * cells as u128 / n as u128).unwrap_or(cells - 1)
}

/// Pixel span `[start, end)` of cell `c` of `cells` on an axis of `pixels`.
fn span(c: usize, cells: usize, pixels: u32) -> (i32, i32) {
    let at =
        |c: usize| i32::try_from(c as u64 * u64::from(pixels) / cells as u64).unwrap_or(i32::MAX);
    (at(c), at(c + 1))
}

/// Grey level of a cell: white when empty, from light grey to black with its count.
#[allow(
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    clippy::cast_precision_loss
)]
fn shade(count: u64, max: u64) -> u8 {
    if count == 0 {
        return 255;
    }
    let darkness = 0.35 + 0.65 * (count as f64 / max as f64);
    // Quantised to 32 levels so runs of similar cells merge in SVG.
    let level = (darkness * 31.0).round() / 31.0;
    (255.0 * (1.0 - level)).round() as u8
}

fn check_size(path: &Path, width: u32, height: u32) -> Result<()> {
    if width == 0 || height == 0 || width > 1 << 15 || height > 1 << 15 {
        return Err(SparseError::Plot {
            path: path.display().to_string(),
            reason: format!("image size {width} x {height} must be between 1 and 32768 pixels"),
        });
    }
    Ok(())
}

fn paint<DB: DrawingBackend>(
    backend: &mut DB,
    grid: &SpyGrid,
    width: u32,
    height: u32,
) -> std::result::Result<(), String> {
    let white = RGBColor(255, 255, 255);
    let w = i32::try_from(width).unwrap_or(i32::MAX);
    let h = i32::try_from(height).unwrap_or(i32::MAX);
    backend
        .draw_rect((0, 0), (w, h), &white, true)
        .map_err(|e| e.to_string())?;
    let max = grid.counts.iter().copied().max().unwrap_or(0);
    for gy in 0..grid.height {
        let (y0, y1) = span(gy, grid.height, height);
        let line = &grid.counts[gy * grid.width..(gy + 1) * grid.width];
        // One rectangle per run of equal shade.
        let mut gx = 0;
        while gx < grid.width {
            let g = shade(line[gx], max);
            let mut end = gx + 1;
            while end < grid.width && shade(line[end], max) == g {
                end += 1;
            }
            if g != 255 {
                let (x0, _) = span(gx, grid.width, width);
                let (_, x1) = span(end - 1, grid.width, width);
                backend
                    .draw_rect((x0, y0), (x1, y1), &RGBColor(g, g, g), true)
                    .map_err(|e| e.to_string())?;
            }
            gx = end;
        }
    }
    backend.present().map_err(|e| e.to_string())
}

/// Writes a `width × height` PNG spy plot of `m` to `path` (which must end in `.png`).
///
/// ```
/// use ooc_sparse::{random_csr, spy_png};
/// use ooc_core::Par;
/// let dir = tempfile::tempdir()?;
/// let a = random_csr::<f64>(300, 2000, 0.01, 1, Par::Seq)?;
/// spy_png(dir.path().join("a.png"), &a, 400, 300)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
/// [`SparseError::Plot`] for a zero or huge size, or when the image cannot be encoded or
/// written; the reader's errors.
pub fn spy_png<T: Element, R: ReadSparseRows<T> + ?Sized>(
    path: impl AsRef<Path>,
    m: &R,
    width: u32,
    height: u32,
) -> Result<()> {
    draw_file(path.as_ref(), m, width, height, BitMapBackend::new)
}

/// Renders a `width × height` spy plot of `m` into RGB bytes (3 per pixel, row-major),
/// the pixels [`spy_png`] encodes.
///
/// # Errors
/// As [`spy_png`].
pub fn spy_rgb<T: Element, R: ReadSparseRows<T> + ?Sized>(
    m: &R,
    width: u32,
    height: u32,
) -> Result<Vec<u8>> {
    let here = Path::new("<memory>");
    check_size(here, width, height)?;
    let grid = spy_grid(m, width as usize, height as usize)?;
    let mut pixels = vec![0_u8; width as usize * height as usize * 3];
    {
        let mut backend = BitMapBackend::with_buffer(&mut pixels, (width, height));
        paint(&mut backend, &grid, width, height).map_err(|reason| SparseError::Plot {
            path: here.display().to_string(),
            reason,
        })?;
    }
    Ok(pixels)
}

/// Writes a `width × height` SVG spy plot of `m` to `path` (one rectangle per run of
/// equally shaded cells in a grid row).
///
/// # Errors
/// As [`spy_png`].
pub fn spy_svg<T: Element, R: ReadSparseRows<T> + ?Sized>(
    path: impl AsRef<Path>,
    m: &R,
    width: u32,
    height: u32,
) -> Result<()> {
    draw_file(path.as_ref(), m, width, height, SVGBackend::new)
}

/// Counts `m` into a grid and paints it on the file backend `open` makes for `path`.
fn draw_file<'p, T, R, DB>(
    path: &'p Path,
    m: &R,
    width: u32,
    height: u32,
    open: impl FnOnce(&'p Path, (u32, u32)) -> DB,
) -> Result<()>
where
    T: Element,
    R: ReadSparseRows<T> + ?Sized,
    DB: DrawingBackend,
{
    check_size(path, width, height)?;
    let grid = spy_grid(m, width as usize, height as usize)?;
    let mut backend = open(path, (width, height));
    paint(&mut backend, &grid, width, height).map_err(|reason| SparseError::Plot {
        path: path.display().to_string(),
        reason,
    })
}
