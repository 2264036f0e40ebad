//! The data every workload reads: deterministic values (so Rust, Python and the smoke
//! test's reference agree without sharing anything but these formulas) and the files
//! `workloads prepare` writes before any timing starts.
//!
//! Formulas, mirrored in `benches/python/common.py`:
//! - matrix element at flat index `k`: the top 24 bits of `splitmix64(k)` over 2²⁴, in [0, 1);
//! - GEMV vector `x[j] = ((j mod 7) - 3) / 2`;
//! - fill row `i`: `base[j] + i` with `base[j] = (j mod 1000) · 0.001` (all in f32).

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use ooc_core::npy::NpyHeader;
use ooc_core::{ByteOrder, DType};
use ooc_hdf5::{AccessPattern, ChunkAdvice};
use rayon::prelude::*;

use crate::scale::{Scale, Sizes};

/// Boxed errors: this is a benchmark driver, every failure is reported and ends the run.
pub(crate) type Result<T = ()> = std::result::Result<T, Box<dyn std::error::Error + Send + Sync>>;

/// `SplitMix64`: a stateless hash of an index, cheap enough to generate 32 GiB.
pub(crate) fn splitmix64(index: u64) -> u64 {
    let mut z = index.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The dense matrix element at flat (row-major) index `k`.
#[allow(clippy::cast_precision_loss)]
pub(crate) fn matrix_value(k: u64) -> f32 {
    (splitmix64(k) >> 40) as f32 * (1.0 / 16_777_216.0)
}

/// Fills `out` with the matrix row `row` of a matrix with `out.len()` columns.
pub(crate) fn matrix_row(row: usize, out: &mut [f32]) {
    let start = (row * out.len()) as u64;
    for (k, v) in (start..).zip(out.iter_mut()) {
        *v = matrix_value(k);
    }
}

/// The GEMV input vector of length `cols`.
#[allow(clippy::cast_precision_loss)]
pub(crate) fn vector_x(cols: usize) -> Vec<f32> {
    (0..cols).map(|j| ((j % 7) as f32 - 3.0) * 0.5).collect()
}

/// The base row of the fill workload; row `i` is `base + i`.
#[allow(clippy::cast_precision_loss)]
pub(crate) fn fill_base(cols: usize) -> Vec<f32> {
    (0..cols).map(|j| (j % 1000) as f32 * 0.001_f32).collect()
}

/// Row `i` of the fill workload, written into `out`.
#[allow(clippy::cast_precision_loss)]
pub(crate) fn fill_row(base: &[f32], i: usize, out: &mut [f32]) {
    let add = i as f32;
    for (o, b) in out.iter_mut().zip(base) {
        *o = b + add;
    }
}

/// Reference checksum of a GEMV: the sum of `A·x`, in f64 from the formulas.
pub(crate) fn gemv_reference(rows: usize, cols: usize) -> f64 {
    let x = vector_x(cols);
    let mut row = vec![0.0_f32; cols];
    let mut total = 0.0;
    for i in 0..rows {
        matrix_row(i, &mut row);
        total += row
            .iter()
            .zip(&x)
            .map(|(a, b)| f64::from(*a) * f64::from(*b))
            .sum::<f64>();
    }
    total
}

/// Reference checksum of a fill: the sum of its last row, in f64.
pub(crate) fn fill_reference(rows: usize, cols: usize) -> f64 {
    let base = fill_base(cols);
    let mut row = vec![0.0_f32; cols];
    fill_row(&base, rows - 1, &mut row);
    row.iter().map(|v| f64::from(*v)).sum()
}

/// A file that workloads read, written by `workloads prepare`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Dataset {
    /// The GEMV matrix as a C-order f32 `.npy` file.
    Dense,
    /// The GEMV matrix as a contiguous HDF5 dataset `/A`.
    DenseContig,
    /// The GEMV matrix in HDF5 chunks of (100, 100).
    DenseSmallChunks,
    /// The GEMV matrix in the chunks `ChunkAdvice` proposes for row streaming.
    DenseAdvised,
    /// The GEMV matrix in chunks of (100, 10,000), deflate level 4 after shuffle.
    DenseGzip,
    /// The GEMV matrix in the same chunks, Blosc (lz4, level 5, byte shuffle) as
    /// hdf5plugin writes it.
    DenseBlosc,
    /// The fill matrix (rows `base + i`) as a `.npy`, for the reopen workload.
    Rows,
    /// The random sparse matrix (f64) as an anndata CSR group `/X` in HDF5.
    SparseCsr,
}

impl Dataset {
    /// Every dataset, in preparation order.
    pub(crate) const ALL: [Dataset; 8] = [
        Dataset::Dense,
        Dataset::DenseContig,
        Dataset::DenseSmallChunks,
        Dataset::DenseAdvised,
        Dataset::DenseGzip,
        Dataset::DenseBlosc,
        Dataset::Rows,
        Dataset::SparseCsr,
    ];

    /// The name used on the command line.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Dataset::Dense => "dense",
            Dataset::DenseContig => "dense-contig",
            Dataset::DenseSmallChunks => "dense-small-chunks",
            Dataset::DenseAdvised => "dense-advised",
            Dataset::DenseGzip => "dense-gzip",
            Dataset::DenseBlosc => "dense-blosc",
            Dataset::Rows => "rows",
            Dataset::SparseCsr => "sparse-csr",
        }
    }

    /// Parses a command-line name.
    pub(crate) fn from_name(name: &str) -> Option<Dataset> {
        Dataset::ALL.into_iter().find(|d| d.name() == name)
    }

    /// The file this dataset lives in, inside the data directory (HDF5 ones hold `/A`).
    pub(crate) fn file_name(self) -> &'static str {
        match self {
            Dataset::Dense => "dense.npy",
            Dataset::DenseContig => "dense_contig.h5",
            Dataset::DenseSmallChunks => "dense_c100.h5",
            Dataset::DenseAdvised => "dense_adv.h5",
            Dataset::DenseGzip => "dense_gzip.h5",
            Dataset::DenseBlosc => "dense_blosc.h5",
            Dataset::Rows => "rows.npy",
            Dataset::SparseCsr => "sparse_csr.h5",
        }
    }

    /// The path of this dataset's file under `dir`.
    pub(crate) fn path(self, dir: &Path) -> PathBuf {
        dir.join(self.file_name())
    }

    /// Writes the dataset under `dir` unless an earlier run already did at this scale.
    pub(crate) fn prepare(self, dir: &Path, scale: Scale) -> Result<bool> {
        let sizes = Sizes::of(scale);
        let path = self.path(dir);
        let marker = dir.join(format!("{}.ok", self.file_name()));
        let stamp = format!("{} {sizes:?}", self.name());
        if path.exists() && std::fs::read_to_string(&marker).is_ok_and(|m| m == stamp) {
            return Ok(false);
        }
        std::fs::create_dir_all(dir)?;
        let _ = std::fs::remove_file(&marker);
        let tmp = dir.join(format!("{}.partial", self.file_name()));
        match self {
            Dataset::Dense => write_npy(&tmp, sizes.gemv, matrix_row)?,
            Dataset::DenseContig => write_h5(&tmp, sizes.gemv, None, Codec::None)?,
            Dataset::DenseSmallChunks => {
                write_h5(&tmp, sizes.gemv, Some(sizes.gemv_small_chunk), Codec::None)?;
            }
            Dataset::DenseAdvised => {
                write_h5(
                    &tmp,
                    sizes.gemv,
                    Some(advised_chunk(sizes.gemv)),
                    Codec::None,
                )?;
            }
            Dataset::DenseGzip => {
                write_h5(&tmp, sizes.gemv, Some(sizes.gemv_gzip_chunk), Codec::Gzip)?;
            }
            Dataset::DenseBlosc => {
                write_h5(&tmp, sizes.gemv, Some(sizes.gemv_gzip_chunk), Codec::Blosc)?;
            }
            Dataset::Rows => {
                let base = fill_base(sizes.fill[1]);
                write_npy(&tmp, sizes.fill, |i, out| fill_row(&base, i, out))?;
            }
            Dataset::SparseCsr => {
                let _ = std::fs::remove_file(&tmp);
                let csr = crate::sparse::matrix_of(&sizes, ooc_core::Par::All)?;
                ooc_anndata::save_anndata(
                    &tmp,
                    "X",
                    &csr,
                    ooc_anndata::H5SparseOptions::default(),
                )?;
                std::fs::File::open(&tmp)?.sync_all()?;
            }
        }
        std::fs::rename(&tmp, &path)?;
        std::fs::write(&marker, stamp)?;
        Ok(true)
    }
}

/// The chunk shape ooc's advisor proposes for streaming rows of a `shape` f32 matrix.
pub(crate) fn advised_chunk(shape: [usize; 2]) -> [usize; 2] {
    let advice = ChunkAdvice::for_shape(&shape, 4, AccessPattern::RowStream);
    [advice.chunk[0], advice.chunk[1]]
}

/// How the chunks of an HDF5 input are compressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Codec {
    None,
    /// Deflate level 4 after shuffle.
    Gzip,
    /// Blosc with lz4 inside, level 5, byte shuffle (hdf5plugin's `Blosc()` defaults).
    Blosc,
}

/// Writes the GEMV matrix as HDF5 dataset `/A` of `shape`, contiguous or in `chunk`s
/// compressed with `codec`, in chunk-aligned blocks of rows.
fn write_h5(path: &Path, shape: [usize; 2], chunk: Option<[usize; 2]>, codec: Codec) -> Result {
    let [rows, cols] = shape;
    if codec == Codec::Blosc {
        // ooc's builder has no Blosc option: the `hdf5` crate creates the dataset (its
        // Blosc filter then compresses what ooc writes).
        let file = hdf5::File::create(path)?;
        let mut builder = file.new_dataset::<f32>().shape(shape);
        if let Some(c) = chunk {
            builder = builder.chunk(c);
        }
        builder
            .blosc_lz4(5, hdf5::filters::BloscShuffle::Byte)
            .create("A")?;
        file.close()?;
    }
    let file = if codec == Codec::Blosc {
        ooc_hdf5::File::open_rw(path)?
    } else {
        ooc_hdf5::File::create(path)?
    };
    let mut ds = if codec == Codec::Blosc {
        file.dataset("/A")?
    } else {
        let mut builder = file.new_dataset::<f32>("/A").shape(shape);
        if let Some(c) = chunk {
            builder = builder.chunk(c);
        }
        if codec == Codec::Gzip {
            builder = builder.shuffle().deflate(4);
        }
        builder.create()?
    };
    let step = chunk
        .map_or(100, |c| c[0])
        .max((4 << 20) / (cols * 4).max(1))
        .min(rows.max(1));
    let step = chunk.map_or(step, |c| step / c[0] * c[0]).max(1);
    let mut block = vec![0.0_f32; step * cols];
    let mut r0 = 0;
    while r0 < rows {
        let n = step.min(rows - r0);
        block[..n * cols]
            .par_chunks_exact_mut(cols.max(1))
            .enumerate()
            .for_each(|(k, out)| matrix_row(r0 + k, out));
        ds.write_rows(r0, &block[..n * cols])?;
        r0 += n;
    }
    drop(ds);
    file.close()?;
    std::fs::File::open(path)?.sync_all()?;
    Ok(())
}

/// Streams a C-order f32 `.npy` of `shape` to `path`, rows from `row`, a block of rows at
/// a time generated in parallel, and syncs it so a later cold read really reads the disk.
pub(crate) fn write_npy(
    path: &Path,
    shape: [usize; 2],
    row: impl Fn(usize, &mut [f32]) + Sync,
) -> Result {
    let header = NpyHeader {
        dtype: DType::F32,
        order: ByteOrder::Little,
        fortran_order: false,
        shape: shape.to_vec(),
    };
    let file = File::create(path)?;
    let mut out = BufWriter::with_capacity(8 << 20, file);
    out.write_all(&header.to_bytes()?)?;
    let [rows, cols] = shape;
    let block_rows = ((16 << 20) / (cols * 4).max(1)).clamp(1, rows.max(1));
    let mut values = vec![0.0_f32; block_rows * cols];
    let mut bytes = vec![0_u8; block_rows * cols * 4];
    let mut r0 = 0;
    while r0 < rows {
        let n = block_rows.min(rows - r0);
        if cols > 0 {
            values[..n * cols]
                .par_chunks_exact_mut(cols)
                .enumerate()
                .for_each(|(k, out)| row(r0 + k, out));
        }
        for (b, v) in bytes.chunks_exact_mut(4).zip(&values[..n * cols]) {
            b.copy_from_slice(&v.to_le_bytes());
        }
        out.write_all(&bytes[..n * cols * 4])?;
        r0 += n;
    }
    let file = out.into_inner().map_err(|e| e.into_error())?;
    file.sync_all()?;
    Ok(())
}
