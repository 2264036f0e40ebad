//! `ooc gemv MATRIX VECTOR [-o OUT]`: `y = A·x` streamed under the memory budget by
//! `ooc-linalg`, with the time, throughput and peak memory it took. The vector and the
//! result are `.npy` files; the result is written through a temporary name.

use std::path::{Path, PathBuf};

use clap::Args;
use ooc_core::ReadBlock;
use ooc_mmap::{MmapArray, Mode};
use serde_json::json;

use crate::dest::Destination;
use crate::failure::{AtPath, CliResult, Failure};
use crate::open::{DenseVisit, with_dense};
use crate::output::print_json;
use crate::source::{Format, SourceSpec, detect};
use crate::stats::{Summarize, measured};
use crate::{CommonArgs, RawArgs};

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
    /// Replace OUT if it exists.
    #[arg(long)]
    force: bool,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    raw: RawArgs,
}

struct DenseGemv<'c> {
    args: &'c GemvArgs,
    common: &'c CommonArgs,
}

impl DenseVisit for DenseGemv<'_> {
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
            .map(|o| Destination::new(o, args.force))
            .transpose()?;
        let mut y = vec![T::default(); m];
        let bytes = (m * n * a.dtype().size()) as u64;
        let (result, facts) = measured(self.common, bytes, "gemv", |opts| {
            ooc_linalg::gemv(a, x.as_slice(), &mut y, opts)
        });
        result.at(matrix)?;
        let facts = crate::stats::RunFacts {
            bytes_read: bytes,
            ..facts
        };
        if let Some(d) = dest {
            let real = d.real_path().to_path_buf();
            let mut out = MmapArray::<T>::create_npy(d.temp_path(), &[m], false).at(&real)?;
            out.as_slice_mut().at(&real)?.copy_from_slice(&y);
            out.flush().at(&real)?;
            drop(out);
            d.commit()?;
        }
        let head = &y[..m.min(8)];
        if args.json {
            let mut j = json!({
                "matrix": args.matrix,
                "vector": vector.display().to_string(),
                "output": args.output.as_ref().map(|o| o.display().to_string()),
                "dtype": a.dtype().name(),
                "rows": m,
                "cols": n,
                "budget_bytes": self.common.budget.bytes(),
                "threads": self.common.par().degree(),
                "y_head": head.iter().map(|v| format!("{v:?}")).collect::<Vec<_>>(),
            });
            if let (Some(map), serde_json::Value::Object(run)) = (j.as_object_mut(), facts.json()) {
                map.extend(run);
            }
            print_json(&j);
        } else {
            let target = args
                .output
                .as_ref()
                .map_or_else(|| "y".to_string(), |o| o.display().to_string());
            println!(
                "{target} = {} ({} {m} × {n}) · {} ({n})\n  {}",
                args.matrix,
                a.dtype(),
                vector.display(),
                facts.text(self.common)
            );
            let more = if m > head.len() { ", ..." } else { "" };
            println!(
                "  y = [{}{more}]",
                head.iter()
                    .map(|v| format!("{v:?}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
        Ok(())
    }
}

/// Runs `ooc gemv`.
pub(crate) fn run(args: &GemvArgs, common: &CommonArgs) -> CliResult {
    let spec = SourceSpec::parse(&args.matrix);
    with_dense(&spec, &args.raw, DenseGemv { args, common })
}
