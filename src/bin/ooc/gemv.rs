//! `ooc gemv MATRIX VECTOR [-o OUT]`: `y = A·x` streamed under the memory budget by
//! `ooc-linalg` (GEMV for dense matrices, SpMV for sparse ones), with the time,
//! throughput and peak memory it took. The vector and the result are `.npy` files; the
//! result is written through a temporary name.

use std::path::{Path, PathBuf};

use clap::Args;
use ooc_core::{ReadBlock, ReadSparseRows};
use ooc_mmap::{MmapArray, Mode};
use serde_json::json;

use crate::dest::Destination;
use crate::failure::{AtPath, CliResult, Failure};
use crate::open::{DenseVisit, SparseDesc, SparseVisit, with_source};
use crate::output::{emit, print_json};
use crate::source::{Format, detect};
use crate::stats::{RunFacts, measured};
use crate::{CommonArgs, RawArgs, WriteArgs};
use ooc::SparseRows;
use ooc_linalg::Summarize;

/// Arguments of `ooc gemv`.
#[allow(clippy::doc_markdown)] // doc comments are the --help text, shown verbatim
#[derive(Debug, Args)]
pub(crate) struct GemvArgs {
    /// The matrix: a file, or FILE.h5:/group/dataset.
    matrix: String,
    /// The vector x, a 1-D .npy file of the matrix's element type.
    vector: PathBuf,
    /// Where to write y as .npy (default: print its first values).
    #[arg(short, long)]
    output: Option<PathBuf>,
    #[command(flatten)]
    write: WriteArgs,
    #[command(flatten)]
    raw: RawArgs,
}

/// The product, for a dense or a sparse matrix.
struct Gemv<'c> {
    args: &'c GemvArgs,
    common: &'c CommonArgs,
}

/// Opens the vector `x` (a 1-D `.npy` of `T` with `n` elements) and prepares the output.
fn operands<T: Summarize>(
    args: &GemvArgs,
    m: usize,
    n: usize,
) -> CliResult<(MmapArray<T>, Option<Destination>)> {
    let vector = args.vector.as_path();
    if detect(vector)? != Format::Npy {
        return Err(Failure::at(vector, "the vector must be a .npy file"));
    }
    let x = MmapArray::<T>::open_npy(vector, Mode::ReadOnly).at(vector)?;
    if x.shape() != [n] {
        return Err(Failure::new(format!(
            "{}: shape mismatch: the matrix is {m} × {n} but vector {} has shape {:?} (it needs {n} elements)",
            args.matrix,
            vector.display(),
            x.shape()
        )));
    }
    // Fail on an unwritable or existing destination before the work, not after.
    let dest = args
        .output
        .as_deref()
        .map(|o| Destination::new(o, args.write.force))
        .transpose()?;
    Ok((x, dest))
}

/// Writes `y` (when asked) and reports the run.
fn finish<T: Summarize>(
    args: &GemvArgs,
    common: &CommonArgs,
    shape: [usize; 2],
    what: &str,
    y: &[T],
    facts: &RunFacts,
    dest: Option<Destination>,
) -> CliResult {
    let [m, n] = shape;
    if let Some(d) = dest {
        let real = d.real_path().to_path_buf();
        let mut out = MmapArray::<T>::create_npy(d.temp_path(), &[m], false).at(&real)?;
        out.as_slice_mut().at(&real)?.copy_from_slice(y);
        out.flush().at(&real)?;
        drop(out);
        d.commit()?;
    }
    let head = &y[..m.min(8)];
    let vector = args.vector.display().to_string();
    if args.write.json {
        let mut j = json!({
            "matrix": args.matrix,
            "vector": vector,
            "output": args.output.as_ref().map(|o| o.display().to_string()),
            "dtype": T::DTYPE.name(),
            "kind": what,
            "rows": m,
            "cols": n,
            "budget_bytes": common.budget.bytes(),
            "threads": common.par().degree(),
            "y_head": head.iter().map(|v| format!("{v:?}")).collect::<Vec<_>>(),
        });
        facts.add_to(&mut j);
        print_json(&j)?;
    } else {
        let target = args
            .output
            .as_ref()
            .map_or_else(|| "y".to_string(), |o| o.display().to_string());
        emit(&format!(
            "{target} = {} ({} {what} {m} × {n}) · {vector} ({n})\n  {}\n",
            args.matrix,
            T::DTYPE,
            facts.text(common)
        ))?;
        let more = if m > head.len() { ", ..." } else { "" };
        emit(&format!(
            "  y = [{}{more}]\n",
            head.iter()
                .map(|v| format!("{v:?}"))
                .collect::<Vec<_>>()
                .join(", ")
        ))?;
    }
    Ok(())
}

impl DenseVisit for Gemv<'_> {
    type Output = ();

    fn visit<T: Summarize, A: ReadBlock<T>>(self, a: &A) -> CliResult {
        let args = self.args;
        let matrix = Path::new(&args.matrix);
        let [m, n] = match *a.shape() {
            [m, n] => [m, n],
            ref other => {
                return Err(Failure::at(
                    matrix,
                    format!("gemv needs a 2-D matrix but this array has shape {other:?}"),
                ));
            }
        };
        let (x, dest) = operands::<T>(args, m, n)?;
        let mut y = self
            .common
            .budget
            .zeroed::<T>(m, "y")
            .at(Path::new(&args.matrix))?;
        let bytes = (m * n * a.dtype().size()) as u64;
        let (result, facts) = measured(self.common, bytes, "gemv", |opts| {
            ooc_linalg::gemv(a, x.as_slice(), &mut y, opts)
        });
        result.at(matrix)?;
        let facts = RunFacts {
            bytes_read: bytes,
            ..facts
        };
        finish(args, self.common, [m, n], "dense", &y, &facts, dest)
    }
}

impl SparseVisit for Gemv<'_> {
    type Output = ();

    fn visit<T: Summarize>(self, a: &SparseRows<T>, desc: &SparseDesc) -> CliResult {
        let args = self.args;
        let [m, n] = a.sparse_shape();
        let (x, dest) = operands::<T>(args, m, n)?;
        let mut y = self
            .common
            .budget
            .zeroed::<T>(m, "y")
            .at(Path::new(&args.matrix))?;
        // Values and column indices of every stored entry, and the row pointer.
        let word = std::mem::size_of::<usize>() as u64;
        let bytes =
            a.nnz() as u64 * (std::mem::size_of::<T>() as u64 + word) + (m as u64 + 1) * word;
        let (result, facts) = measured(self.common, bytes, "spmv", |opts| {
            ooc_linalg::spmv(a, x.as_slice(), &mut y, opts)
        });
        result.at(Path::new(&args.matrix))?;
        let facts = RunFacts {
            bytes_read: bytes,
            ..facts
        };
        let what = format!("sparse {}", desc.format);
        finish(args, self.common, [m, n], &what, &y, &facts, dest)
    }
}

/// Runs `ooc gemv`.
pub(crate) fn run(args: &GemvArgs, common: &CommonArgs) -> CliResult {
    with_source(
        &args.matrix,
        &common.open_options(&args.raw),
        Gemv { args, common },
    )
}
