//! `ooc convert SOURCE DEST`: copies an array between `.npy`, raw files and HDF5 datasets
//! (with `--chunks`, `--deflate`, `--shuffle`), block by block under the memory budget
//! through `ooc-linalg`'s blockwise map; and a sparse matrix between scipy `.npz` archives
//! and anndata groups in HDF5 (in memory: `ooc-sparse` reads and writes those whole). The destination is written under a temporary name
//! and renamed only on success; a dataset added to an existing HDF5 file is added to a
//! copy of it, which then replaces the original, so the file is never half-changed.

use std::path::Path;

use clap::Args;
use ooc::source::{Chunks, DestSpec};
use ooc_anndata::{AnnDataMatrix, H5SparseOptions};
use ooc_core::{AsMatrix, Element, ReadBlock, Region, WriteBlock, dispatch_dtype};
use ooc_hdf5::{AccessPattern, ChunkAdvice};
use ooc_mmap::{MmapArray, RawLayout};
use ooc_sparse::{AnySparse, NpzMatrix, SparseMatrix};
use serde_json::json;

use crate::dest::Destination;
use crate::failure::{AtPath, CliResult, Failure};
use crate::open::{DenseVisit, describe, load_sparse, with_dense};
use crate::output::{emit, human_bytes, print_json};
use crate::source::SourceSpec;
use crate::stats::{RunFacts, measured};
use crate::{CommonArgs, RawArgs, WriteArgs};
use ooc_linalg::Summarize;

/// Arguments of `ooc convert`.
#[allow(clippy::doc_markdown)] // doc comments are the --help text, shown verbatim
#[derive(Debug, Args)]
#[command(mut_arg("force", |a| a.help("Replace DEST if it exists")))]
pub(crate) struct ConvertArgs {
    /// A file, or FILE.h5:/group/dataset.
    source: String,
    /// OUT.npy, OUT.raw (.bin, .dat), or FILE.h5:/group/dataset (added to FILE.h5 if it
    /// exists, with missing groups created).
    dest: String,
    /// Chunk shape of a new HDF5 dataset: auto (about 1 MiB, row-shaped) or R,C.
    #[arg(long)]
    chunks: Option<Chunks>,
    /// Deflate (gzip) level 0-9 for a new HDF5 dataset.
    #[arg(long, value_parser = clap::value_parser!(u8).range(0..=9))]
    deflate: Option<u8>,
    /// Byte-shuffle filter for a new HDF5 dataset.
    #[arg(long)]
    shuffle: bool,
    #[command(flatten)]
    write: WriteArgs,
    #[command(flatten)]
    raw: RawArgs,
}

/// Copies `src` into `sink` block by block under the budget; returns the sink.
fn copy<T: Element, A: ReadBlock<T>, W: WriteBlock<T>>(
    src: &A,
    sink: W,
    common: &CommonArgs,
) -> (ooc_linalg::Result<W>, RunFacts) {
    let bytes = (src.shape().iter().product::<usize>() * src.dtype().size()) as u64;
    let mut sink = AsMatrix::new(sink);
    let (result, facts) = measured(common, bytes, "convert", |opts| {
        ooc_linalg::map_blocks(
            &AsMatrix::new(src),
            &mut sink,
            |_: &Region, input: &[T], output: &mut [T]| output.copy_from_slice(input),
            opts,
        )
    });
    let facts = RunFacts {
        bytes_read: bytes,
        ..facts
    };
    (result.map(|()| sink.into_inner()), facts)
}

/// The temporary file for an HDF5 destination: a copy of the file when it exists (the
/// copy, with the new object added, replaces it), else a new file. Says which.
fn hdf5_destination(file: &Path, force: bool) -> CliResult<(Destination, bool)> {
    if file.exists() {
        Ok((Destination::replacing(file)?, true))
    } else {
        Ok((Destination::new(file, force)?, false))
    }
}

struct DenseConvert<'c> {
    args: &'c ConvertArgs,
    dest: DestSpec,
    common: &'c CommonArgs,
}

impl DenseConvert<'_> {
    fn hdf5<T: Element, A: ReadBlock<T>>(
        &self,
        a: &A,
        file: &Path,
        inner: &str,
    ) -> CliResult<RunFacts> {
        let (d, existed) = hdf5_destination(file, self.args.write.force)?;
        let h5 = if existed {
            ooc_hdf5::File::open_rw(d.temp_path())
        } else {
            ooc_hdf5::File::create(d.temp_path())
        }
        .at(file)?;
        if h5.root().contains(inner) {
            return Err(Failure::at(
                file,
                format!("{inner} already exists (ooc does not replace objects inside HDF5 files)"),
            ));
        }
        let shape = a.shape().to_vec();
        let mut builder = h5
            .root()
            .new_dataset::<T>(inner)
            .shape(&shape)
            .create_parents();
        match &self.args.chunks {
            Some(Chunks::Auto) => {
                let advice =
                    ChunkAdvice::for_shape(&shape, T::DTYPE.size(), AccessPattern::RowStream);
                builder = builder.chunk(advice.chunk);
            }
            Some(Chunks::Shape(c)) => {
                for w in ChunkAdvice::check(&shape, c, T::DTYPE.size()).at(file)? {
                    eprintln!("ooc: warning: {}:{inner}: {w}", file.display());
                }
                builder = builder.chunk(c);
            }
            None => {}
        }
        if let Some(level) = self.args.deflate {
            builder = builder.deflate(level);
        }
        if self.args.shuffle {
            builder = builder.shuffle();
        }
        let ds = builder.create().at(file)?;
        let (result, facts) = copy(a, ds, self.common);
        let ds = result.at(file)?;
        ds.flush().at(file)?;
        drop(ds);
        h5.close().at(file)?;
        d.commit()?;
        Ok(facts)
    }
}

impl DenseVisit for DenseConvert<'_> {
    type Output = (String, RunFacts);

    fn visit<T: Summarize, A: ReadBlock<T>>(self, a: &A) -> CliResult<Self::Output> {
        let shape = a.shape().to_vec();
        let facts = match &self.dest {
            DestSpec::Npy(p) | DestSpec::Raw(p) => {
                let d = Destination::new(p, self.args.write.force)?;
                let sink = if matches!(self.dest, DestSpec::Npy(_)) {
                    MmapArray::<T>::create_npy(d.temp_path(), &shape, false)
                } else {
                    MmapArray::<T>::create_raw(d.temp_path(), &RawLayout::c_order(shape.clone()))
                }
                .at(p)?;
                let (result, facts) = copy(a, sink, self.common);
                let sink = result.at(p)?;
                sink.flush().at(p)?;
                drop(sink);
                d.commit()?;
                facts
            }
            DestSpec::Hdf5 { file, inner } => self.hdf5(a, file, inner)?,
            DestSpec::Npz(p) => {
                return Err(Failure::at(
                    p,
                    "a dense array cannot be written as a sparse .npz (ooc-sparse has no streaming dense-to-sparse conversion)",
                ));
            }
        };
        let described = format!("{} {shape:?}", a.dtype());
        Ok((described, facts))
    }
}

/// Whether a sparse matrix written as `inner` of a new `file` gets the skeleton that
/// `anndata.read_h5ad` needs: an `.h5ad` file, the matrix as `X` or a layer (anndata
/// refuses other top-level names).
fn is_h5ad_matrix(file: &Path, inner: &str) -> bool {
    let h5ad = file
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("h5ad"));
    let name = inner.trim_start_matches('/');
    h5ad && (name == "X"
        || name
            .strip_prefix("layers/")
            .is_some_and(|layer| !layer.is_empty() && !layer.contains('/')))
}

/// Converts the sparse matrix `spec` names to a `.npz` archive or an anndata group, in
/// memory (`ooc-sparse` reads and writes these whole).
fn sparse<T: Element>(
    args: &ConvertArgs,
    spec: &SourceSpec,
    dest: &DestSpec,
    common: &CommonArgs,
) -> CliResult<(String, RunFacts)> {
    if args.shuffle {
        return Err(Failure::usage(
            "--shuffle applies to dense HDF5 datasets; sparse groups take --chunks N and --deflate",
        ));
    }
    let m = load_sparse::<T>(spec)?;
    let [rows, cols] = SparseMatrix::shape(&m);
    let nnz = SparseMatrix::nnz(&m);
    let bytes = (nnz * (std::mem::size_of::<T>() + std::mem::size_of::<usize>())) as u64;
    let format = m.format().name();
    let (result, facts) = match dest {
        DestSpec::Npz(p) => {
            let d = Destination::new(p, args.write.force)?;
            let (result, facts) = measured(common, bytes, "convert", |_| {
                let csr;
                let matrix: NpzMatrix<'_, T> = match &m {
                    AnySparse::Csr(x) => x.into(),
                    AnySparse::Csc(x) => x.into(),
                    AnySparse::Coo(x) => x.into(),
                    AnySparse::Bsr(x) => x.into(),
                    AnySparse::Dia(x) => x.into(),
                    other => {
                        csr = other.try_to_csr()?;
                        (&csr).into()
                    }
                };
                ooc_sparse::save_npz(d.temp_path(), matrix, true)
            });
            (result.at(p).map(|()| d), facts)
        }
        DestSpec::Hdf5 { file, inner } => {
            let (d, existed) = hdf5_destination(file, args.write.force)?;
            let skeleton = !existed && is_h5ad_matrix(file, inner);
            let chunk = match (&args.chunks, args.deflate) {
                // Refused as for dense datasets: a chunk holds at least one entry.
                (Some(Chunks::Shape(c)), _) if c == &[0] => {
                    return Err(Failure::at(
                        file,
                        ooc_core::Error::InvalidChunkShape {
                            chunk: c.clone(),
                            array: vec![nnz],
                            reason: "chunk sides must be at least 1",
                        },
                    ));
                }
                (Some(Chunks::Shape(c)), _) if c.len() == 1 => Some(c[0]),
                (Some(Chunks::Shape(c)), _) => {
                    return Err(Failure::usage(format!(
                        "--chunks {c:?}: the datasets of a sparse group are 1-D: give one length"
                    )));
                }
                (Some(Chunks::Auto), _) | (None, Some(_)) => Some(SPARSE_CHUNK.min(nnz.max(1))),
                (None, None) => None,
            };
            let opts = H5SparseOptions {
                chunk,
                deflate: args.deflate,
            };
            let (result, facts) = measured(common, bytes, "convert", |_| {
                let csr;
                let matrix: AnnDataMatrix<'_, T> = match &m {
                    AnySparse::Csc(x) => x.into(),
                    other => {
                        csr = other.try_to_csr()?;
                        (&csr).into()
                    }
                };
                let h5 = if existed {
                    ooc_hdf5::File::open_rw(d.temp_path())
                } else {
                    ooc_hdf5::File::create(d.temp_path())
                }?;
                ooc_anndata::write_anndata(&h5, inner, matrix, opts)?;
                if skeleton {
                    // A new .h5ad file holding only the matrix is not one anndata opens.
                    ooc_anndata::write_h5ad_skeleton(&h5, [rows, cols])?;
                }
                h5.close().map_err(ooc_anndata::AnnDataError::from)
            });
            (result.at(file).map(|()| d), facts)
        }
        DestSpec::Npy(p) | DestSpec::Raw(p) => {
            return Err(Failure::at(
                p,
                "a sparse matrix converts to .npz or to an anndata group (FILE.h5:/group); densifying is not offered",
            ));
        }
    };
    result?.commit()?;
    let facts = RunFacts {
        bytes_read: bytes,
        ..facts
    };
    Ok((
        format!("{} sparse {format} [{rows}, {cols}], nnz {nnz}", T::DTYPE),
        facts,
    ))
}

/// Chunk length of the datasets of a sparse group when chunking is needed: 256 Ki entries.
const SPARSE_CHUNK: usize = 1 << 18;

/// Runs `ooc convert`.
pub(crate) fn run(args: &ConvertArgs, common: &CommonArgs) -> CliResult {
    let dest = DestSpec::parse(&args.dest).map_err(|e| Failure::usage(e.to_string()))?;
    let hdf5_only = args.chunks.is_some() || args.deflate.is_some() || args.shuffle;
    if hdf5_only && !matches!(dest, DestSpec::Hdf5 { .. }) {
        return Err(Failure::usage(
            "--chunks, --deflate and --shuffle apply to HDF5 destinations (FILE.h5:/dataset)",
        ));
    }
    let spec = SourceSpec::parse(&args.source);
    let dest_path = dest.path().to_path_buf();
    let opts = common.open_options(&args.raw);
    let desc = describe(&spec, &opts)?;
    let (described, facts) = if desc.is_sparse() {
        macro_rules! sparse {
            ($t:ty) => {
                sparse::<$t>(args, &spec, &dest, common)?
            };
        }
        dispatch_dtype!(desc.dtype, sparse)
    } else {
        with_dense(&spec, &opts, DenseConvert { args, dest, common })?
    };
    let written = std::fs::metadata(&dest_path).at(&dest_path)?.len();
    if args.write.json {
        let mut j = json!({
            "source": args.source,
            "dest": args.dest,
            "array": described,
            "dest_file_bytes": written,
        });
        facts.add_to(&mut j);
        print_json(&j)?;
    } else {
        emit(&format!(
            "{} -> {}: {described}, {} file\n  {}\n",
            args.source,
            args.dest,
            human_bytes(written),
            facts.text(common)
        ))?;
    }
    Ok(())
}
