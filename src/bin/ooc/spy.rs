//! `ooc spy MATRIX OUT.png|OUT.svg`: the picture of where a matrix has entries — the
//! stored entries of a sparse matrix (`.npz`, or an anndata group in HDF5), or the
//! non-zeros of a dense array (`.npy`, raw, HDF5 dataset, seen through
//! `ooc_sparse::DenseNonzeros`) — drawn by `ooc-sparse` from rows read in blocks, written
//! through a temporary name.

use std::path::PathBuf;

use clap::Args;
use ooc_core::{AsMatrix, ReadBlock, ReadSparseRows};
use serde_json::json;

use crate::dest::Destination;
use crate::failure::{AtPath, CliResult, Failure};
use crate::open::{DenseVisit, SparseDesc, SparseVisit, with_source};
use crate::output::{emit, print_json};
use crate::stats::measured;
use crate::{CommonArgs, RawArgs, WriteArgs};
use ooc::SparseRows;
use ooc_linalg::Summarize;

/// Arguments of `ooc spy`.
#[allow(clippy::doc_markdown)] // doc comments are the --help text, shown verbatim
#[derive(Debug, Args)]
pub(crate) struct SpyArgs {
    /// The matrix: a scipy .npz archive, FILE.h5:/group for an anndata group, or a dense
    /// array (.npy, raw, FILE.h5:/dataset) whose non-zeros are drawn.
    matrix: String,
    /// The picture: OUT.png or OUT.svg.
    out: PathBuf,
    /// Width in pixels (default: the matrix's aspect ratio, longest side 800).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=16384))]
    width: Option<u32>,
    /// Height in pixels (default: the matrix's aspect ratio, longest side 800).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=16384))]
    height: Option<u32>,
    #[command(flatten)]
    write: WriteArgs,
    #[command(flatten)]
    raw: RawArgs,
}

#[derive(Clone, Copy)]
enum Picture {
    Png,
    Svg,
}

struct Spy<'c> {
    args: &'c SpyArgs,
    common: &'c CommonArgs,
    picture: Picture,
}

impl SparseVisit for Spy<'_> {
    type Output = ();

    fn visit<T: Summarize>(self, a: &SparseRows<T>, desc: &SparseDesc) -> CliResult {
        self.draw(a, &desc.format)
    }
}

impl DenseVisit for Spy<'_> {
    type Output = ();

    fn visit<T: Summarize, A: ReadBlock<T>>(self, a: &A) -> CliResult {
        let m = AsMatrix::new(a);
        let nonzeros = ooc_sparse::DenseNonzeros::new(&m, self.common.budget)
            .at(std::path::Path::new(&self.args.matrix))?;
        self.draw(&nonzeros, "dense")
    }
}

impl Spy<'_> {
    /// Draws the entries `a` reads and reports the run.
    fn draw<T: Summarize, R: ReadSparseRows<T>>(self, a: &R, format: &str) -> CliResult {
        let args = self.args;
        let [rows, cols] = a.sparse_shape();
        let (width, height) = picture_size(args.width, args.height, rows, cols);
        let dest = Destination::new(&args.out, args.write.force)?;
        let bytes = (a.nnz() * std::mem::size_of::<usize>()) as u64;
        let (result, facts) = measured(self.common, bytes, "spy", |_| match self.picture {
            Picture::Png => ooc_sparse::spy_png(dest.temp_path(), a, width, height),
            Picture::Svg => ooc_sparse::spy_svg(dest.temp_path(), a, width, height),
        });
        result.at(&args.out)?;
        dest.commit()?;
        let facts = crate::stats::RunFacts {
            bytes_read: bytes,
            ..facts
        };
        if args.write.json {
            let mut j = json!({
                "matrix": args.matrix,
                "out": args.out.display().to_string(),
                "sparse_format": format,
                "shape": [rows, cols],
                "nnz": a.nnz(),
                "width": width,
                "height": height,
            });
            facts.add_to(&mut j);
            print_json(&j)?;
        } else {
            emit(&format!(
                "{}: {width} × {height} spy plot of {} ({format} {rows} × {cols}, {} stored entries)\n  {}\n",
                args.out.display(),
                args.matrix,
                a.nnz(),
                facts.text(self.common)
            ))?;
        }
        Ok(())
    }
}

/// The picture's size: as given, or following the matrix's aspect ratio.
#[allow(
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    clippy::cast_precision_loss
)]
fn picture_size(width: Option<u32>, height: Option<u32>, rows: usize, cols: usize) -> (u32, u32) {
    let aspect = rows.max(1) as f64 / cols.max(1) as f64; // height / width
    let side = |v: f64| (v.round() as u32).clamp(1, 16384);
    match (width, height) {
        (Some(w), Some(h)) => (w, h),
        (Some(w), None) => (w, side(f64::from(w) * aspect)),
        (None, Some(h)) => (side(f64::from(h) / aspect), h),
        (None, None) if aspect >= 1.0 => (side(800.0 / aspect), 800),
        (None, None) => (800, side(800.0 * aspect)),
    }
}

/// Runs `ooc spy`.
pub(crate) fn run(args: &SpyArgs, common: &CommonArgs) -> CliResult {
    let ext = args
        .out
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase());
    let picture = match ext.as_deref() {
        Some("png") => Picture::Png,
        Some("svg") => Picture::Svg,
        _ => {
            return Err(Failure::usage(format!(
                "{}: the picture must be a .png or .svg file",
                args.out.display()
            )));
        }
    };
    let spy = Spy {
        args,
        common,
        picture,
    };
    with_source(&args.matrix, &common.open_options(&args.raw), spy)
}

#[cfg(test)]
mod tests {
    use super::picture_size;

    #[test]
    fn sizes_follow_the_matrix_unless_given() {
        assert_eq!(picture_size(None, None, 1000, 100_000), (800, 8));
        assert_eq!(picture_size(None, None, 50, 30), (480, 800));
        assert_eq!(picture_size(Some(300), None, 50, 30), (300, 500));
        assert_eq!(picture_size(None, Some(100), 10, 20), (200, 100));
        assert_eq!(picture_size(Some(7), Some(9), 1, 1), (7, 9));
        assert_eq!(picture_size(None, None, 1, 1_000_000), (800, 1));
    }
}
