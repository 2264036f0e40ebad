//! GEMV with the 1000 × 100,000 f32 matrix on every backend: in memory, memory-mapped,
//! HDF5 contiguous (the classic row loop, fixed 100-row blocks, and the scheduler),
//! HDF5 chunked (100, 100) and advisor-chunked, deflate + shuffle chunks through the
//! library versus the parallel read path on 1 and 2 threads, and Blosc (lz4) chunks on
//! the parallel read path.

use ooc_core::{MemArray, MemoryBudget, ReadBlock};
use ooc_hdf5::File as H5File;
use ooc_linalg::{Options, gemv};
use ooc_mmap::{MmapArray, Mode};

use crate::cases::{Case, Ceiling};
use crate::data::{Dataset, Result, gemv_reference, vector_x};
use crate::measure::{Ctx, Outcome, sum_f32, timed};

fn options(ctx: &Ctx) -> Options {
    Options::new()
        .with_par(ctx.par)
        .with_budget(MemoryBudget::new(ctx.sizes.budget))
}

fn reference(ctx: &Ctx) -> Result<f64> {
    let [rows, cols] = ctx.sizes.gemv;
    Ok(gemv_reference(rows, cols))
}

/// f32 sums of 100,000 products: a relative error of 1e-4 on the total is generous.
const TOLERANCE: f64 = 1e-4;

/// A GEMV case reading `input`.
#[allow(clippy::too_many_arguments)]
fn case(
    name: &'static str,
    about: &'static str,
    ceiling: Ceiling,
    input: &'static [Dataset],
    coldable: bool,
    threads: Option<usize>,
    python: &'static [&'static str],
    run: fn(&Ctx) -> Result<Outcome>,
) -> Case {
    Case {
        name,
        group: "gemv",
        about,
        ceiling,
        inputs: input,
        coldable,
        threads,
        python,
        same_checksum: true,
        run,
        reference,
        tolerance: TOLERANCE,
    }
}

/// The GEMV cases.
pub(crate) fn cases() -> Vec<Case> {
    use Ceiling::{FileRead, Memory};
    vec![
        case(
            "gemv-huge-mmap",
            "a memory-mapped matrix larger than RAM, cold, under the scale's budget",
            Ceiling::ColdRead,
            &[Dataset::Dense],
            false,
            None,
            &[],
            gemv_huge,
        ),
        case(
            "gemv-inmemory",
            "y = A·x with A loaded in memory (ooc-linalg on a MemArray)",
            Memory,
            &[Dataset::Dense],
            false,
            None,
            &["numpy-inmemory-dot"],
            gemv_inmemory,
        ),
        case(
            "gemv-mmap",
            "open the .npy as a memory map and multiply (zero-copy blocks)",
            Memory,
            &[Dataset::Dense],
            true,
            None,
            &["numpy-memmap-dot"],
            gemv_mmap,
        ),
        case(
            "gemv-h5-contig-rows",
            "HDF5 contiguous, the classic loop: read one row, dot, repeat",
            FileRead,
            &[Dataset::DenseContig],
            false,
            None,
            &["h5py-rows"],
            gemv_h5_rows,
        ),
        case(
            "gemv-h5-contig-blocks",
            "HDF5 contiguous, fixed blocks of 100 rows through the library",
            FileRead,
            &[Dataset::DenseContig],
            false,
            None,
            &["h5py-blocked"],
            gemv_h5_blocks,
        ),
        case(
            "gemv-h5-contig-scheduler",
            "HDF5 contiguous, ooc-linalg scheduler over the parallel read path",
            FileRead,
            &[Dataset::DenseContig],
            true,
            None,
            &["h5py-rows", "dask"],
            gemv_h5_contig,
        ),
        case(
            "gemv-h5-chunked-100",
            "HDF5 chunks (100, 100), scheduler over the parallel read path",
            FileRead,
            &[Dataset::DenseSmallChunks],
            true,
            None,
            &["h5py-blocked-chunked"],
            gemv_h5_small_chunks,
        ),
        case(
            "gemv-h5-advisor",
            "HDF5 chunks from ChunkAdvice (row streaming), scheduler, parallel reads",
            FileRead,
            &[Dataset::DenseAdvised],
            true,
            None,
            &["h5py-blocked-advisor"],
            gemv_h5_advised,
        ),
        case(
            "gemv-h5-gzip-library",
            "HDF5 deflate+shuffle chunks, scheduler over the library path (global lock)",
            FileRead,
            &[Dataset::DenseGzip],
            true,
            None,
            &["h5py-blocked-gzip", "dask-gzip"],
            gemv_h5_gzip_library,
        ),
        case(
            "gemv-h5-gzip-parallel",
            "HDF5 deflate+shuffle chunks, parallel read path (decode on all threads)",
            FileRead,
            &[Dataset::DenseGzip],
            true,
            None,
            &["h5py-blocked-gzip", "dask-gzip"],
            gemv_h5_gzip_parallel,
        ),
        case(
            "gemv-h5-blosc-parallel",
            "HDF5 Blosc (lz4, shuffle) chunks, parallel read path (decode on all threads)",
            FileRead,
            &[Dataset::DenseBlosc],
            true,
            None,
            &["h5py-blocked-blosc", "dask-blosc"],
            gemv_h5_blosc_parallel,
        ),
        case(
            "gemv-h5-gzip-parallel-1t",
            "as gemv-h5-gzip-parallel on 1 thread",
            FileRead,
            &[Dataset::DenseGzip],
            false,
            Some(1),
            &[],
            gemv_h5_gzip_parallel,
        ),
        case(
            "gemv-h5-gzip-parallel-2t",
            "as gemv-h5-gzip-parallel on 2 threads",
            FileRead,
            &[Dataset::DenseGzip],
            false,
            Some(2),
            &[],
            gemv_h5_gzip_parallel,
        ),
        case(
            "gemv-open-npy",
            "ooc::open on the .npy, then gemv, 64 MiB budget (the front door, no reader chosen by hand)",
            Memory,
            &[Dataset::Dense],
            true,
            None,
            &[],
            gemv_open_npy,
        ),
        case(
            "gemv-open-h5-contig",
            "ooc::open on the contiguous HDF5 dataset, then gemv, 64 MiB budget",
            FileRead,
            &[Dataset::DenseContig],
            true,
            None,
            &[],
            gemv_open_h5_contig,
        ),
        case(
            "gemv-open-h5-gzip",
            "ooc::open on the (100, 10,000) deflate + shuffle dataset, then gemv, 64 MiB budget",
            FileRead,
            &[Dataset::DenseGzip],
            false,
            None,
            &[],
            gemv_open_h5_gzip,
        ),
    ]
}

/// Runs ooc-linalg's GEMV over `a` and returns the checksum.
fn multiply<A: ReadBlock<f32>>(ctx: &Ctx, a: &A, x: &[f32]) -> Result<f64> {
    let mut y = vec![0.0_f32; ctx.sizes.gemv[0]];
    gemv(a, x, &mut y, &options(ctx))?;
    Ok(sum_f32(&y))
}

fn gemv_inmemory(ctx: &Ctx) -> Result<Outcome> {
    let map = MmapArray::<f32>::open_npy(ctx.input(Dataset::Dense), Mode::ReadOnly)?;
    let a = MemArray::from_vec(map.shape().to_vec(), map.as_slice().to_vec())?;
    drop(map);
    let x = vector_x(ctx.sizes.gemv[1]);
    timed(ctx.sizes.gemv_bytes(), || multiply(ctx, &a, &x))
}

fn gemv_mmap(ctx: &Ctx) -> Result<Outcome> {
    let path = ctx.input(Dataset::Dense);
    ctx.settle(&path)?;
    let x = vector_x(ctx.sizes.gemv[1]);
    timed(ctx.sizes.gemv_bytes(), || {
        let a = MmapArray::<f32>::open_npy(&path, Mode::ReadOnly)?;
        multiply(ctx, &a, &x)
    })
}

fn gemv_huge(ctx: &Ctx) -> Result<Outcome> {
    let path = ctx.input(Dataset::Dense);
    crate::measure::evict(&path)?;
    let x = vector_x(ctx.sizes.gemv[1]);
    timed(ctx.sizes.gemv_bytes(), || {
        let a = MmapArray::<f32>::open_npy(&path, Mode::ReadOnly)?;
        a.advise(ooc_mmap::Access::Sequential)?;
        multiply(ctx, &a, &x)
    })
}

/// `y = A·x` for a block of whole rows, with ooc-linalg's kernel: the Python loops use
/// numpy's `dot` (vectorised), so a scalar loop here would measure the dot, not the read.
fn dot_rows(block: &[f32], x: &[f32], y: &mut [f32]) {
    ooc_linalg::kernels::gemv_block(block, x, y);
}

/// `y = A·x` from the contiguous HDF5 matrix read through the library `step` rows at a
/// time (1: the classic row loop), each block multiplied as it arrives.
fn gemv_h5_in_blocks(ctx: &Ctx, step: usize) -> Result<Outcome> {
    let [rows, cols] = ctx.sizes.gemv;
    let x = vector_x(cols);
    let path = ctx.input(Dataset::DenseContig);
    ctx.settle(&path)?;
    timed(ctx.sizes.gemv_bytes(), || {
        let file = H5File::open(&path)?;
        let ds = file.dataset("/A")?;
        let step = step.min(rows.max(1));
        let mut block = vec![0.0_f32; step * cols];
        let mut y = vec![0.0_f32; rows];
        for (k, ys) in y.chunks_mut(step).enumerate() {
            let buf = &mut block[..ys.len() * cols];
            ds.read_rows(k * step, buf)?;
            dot_rows(buf, &x, ys);
        }
        Ok(sum_f32(&y))
    })
}

fn gemv_h5_rows(ctx: &Ctx) -> Result<Outcome> {
    gemv_h5_in_blocks(ctx, 1)
}

fn gemv_h5_blocks(ctx: &Ctx) -> Result<Outcome> {
    gemv_h5_in_blocks(ctx, 100)
}

/// The scheduler over the parallel read path of `input`, timed from opening the file.
fn scheduled(ctx: &Ctx, input: Dataset) -> Result<Outcome> {
    let x = vector_x(ctx.sizes.gemv[1]);
    let path = ctx.input(input);
    ctx.settle(&path)?;
    timed(ctx.sizes.gemv_bytes(), || {
        let file = H5File::open(&path)?;
        let reader = file.dataset("/A")?.parallel_reader()?.with_par(ctx.par)?;
        multiply(ctx, &reader, &x)
    })
}

fn gemv_h5_contig(ctx: &Ctx) -> Result<Outcome> {
    scheduled(ctx, Dataset::DenseContig)
}

fn gemv_h5_small_chunks(ctx: &Ctx) -> Result<Outcome> {
    scheduled(ctx, Dataset::DenseSmallChunks)
}

fn gemv_h5_advised(ctx: &Ctx) -> Result<Outcome> {
    scheduled(ctx, Dataset::DenseAdvised)
}

fn gemv_h5_gzip_parallel(ctx: &Ctx) -> Result<Outcome> {
    scheduled(ctx, Dataset::DenseGzip)
}

fn gemv_h5_blosc_parallel(ctx: &Ctx) -> Result<Outcome> {
    scheduled(ctx, Dataset::DenseBlosc)
}

fn gemv_h5_gzip_library(ctx: &Ctx) -> Result<Outcome> {
    let x = vector_x(ctx.sizes.gemv[1]);
    let path = ctx.input(Dataset::DenseGzip);
    ctx.settle(&path)?;
    timed(ctx.sizes.gemv_bytes(), || {
        let file = H5File::open(&path)?;
        let ds = file.dataset("/A")?;
        multiply(ctx, &ds, &x)
    })
}

/// The budget of the front-door cases: the 64 MiB (less at the quick scale).
pub(crate) fn open_options(ctx: &Ctx) -> Options {
    Options::new()
        .with_par(ctx.par)
        .with_budget(MemoryBudget::new(ctx.sizes.budget.min(64 << 20)))
}

/// `gemv(&ooc::open(spec)?, …)` as a user writes it, timed from opening.
fn through_open(ctx: &Ctx, input: Dataset, inner: &str) -> Result<Outcome> {
    let x = vector_x(ctx.sizes.gemv[1]);
    let path = ctx.input(input);
    ctx.settle(&path)?;
    let spec = format!("{}{inner}", path.display());
    timed(ctx.sizes.gemv_bytes(), || {
        let a = ooc::open::<f32>(&spec)?;
        let mut y = vec![0.0_f32; ctx.sizes.gemv[0]];
        gemv(&a, &x, &mut y, &open_options(ctx))?;
        Ok(sum_f32(&y))
    })
}

fn gemv_open_npy(ctx: &Ctx) -> Result<Outcome> {
    through_open(ctx, Dataset::Dense, "")
}

fn gemv_open_h5_contig(ctx: &Ctx) -> Result<Outcome> {
    through_open(ctx, Dataset::DenseContig, ":/A")
}

fn gemv_open_h5_gzip(ctx: &Ctx) -> Result<Outcome> {
    through_open(ctx, Dataset::DenseGzip, ":/A")
}
