//! The parallel read path. The HDF5 library runs one call at a time behind a global lock,
//! so threads reading through it queue up. A [`ParallelReader`] asks the library once
//! where the data lie — the file offset of a contiguous dataset, or the address, stored
//! size and filter mask of every chunk — and then reads with positional reads (`pread`)
//! from any number of threads, undoing the filters itself (deflate, shuffle, LZF, Blosc,
//! Zstandard: [`Filter::decodes_in_parallel`]). Whatever it does not understand (other
//! filters the library decodes, compact, external or virtual storage, non-native byte
//! order, a file with a user block, unallocated contiguous storage) it reads through the
//! library instead, with the same results; data behind a filter nobody decodes reads as
//! [`Error::UnsupportedFilter`].
//!
//! The chunk index comes from one walk of the library's own index (`H5Dchunk_iter`,
//! HDF5 ≥ 1.14: every index type, B-trees, extensible and fixed arrays, single chunk), at
//! the cost of one entry per chunk of the grid. Grids above the index budget
//! ([`MAX_INDEXED_CHUNKS`] by default) are read by asking the library for each chunk's
//! raw bytes (`H5Dread_chunk`, one short locked call per chunk) and still decoded in
//! parallel ([`ReadPath::ChunkedViaLibrary`]).

use std::os::unix::fs::FileExt;
use std::sync::Arc;

use hdf5_sys::h5::HADDR_UNDEF;
use hdf5_sys::h5d::{
    H5D_CHUNK_DONT_FILTER_PARTIAL_CHUNKS, H5D_layout_t, H5Dchunk_iter, H5Dget_create_plist,
    H5Dget_offset, H5Dget_type, H5Dread_chunk2,
};
use hdf5_sys::h5f::{H5F_scope_t, H5Fclose, H5Fflush, H5Fget_create_plist};
use hdf5_sys::h5i::H5Iget_file_id;
use hdf5_sys::h5p::{
    H5Pclose, H5Pget_chunk_opts, H5Pget_external_count, H5Pget_fill_value, H5Pget_filter2,
    H5Pget_layout, H5Pget_nfilters, H5Pget_userblock,
};
use hdf5_sys::h5t::{H5Tclose, H5Tequal};
use ooc_core::{ArrayMeta, DType, Element, Par, ReadBlock, Region, ViewBlock};
use rayon::prelude::*;

use crate::dataset::{Dataset, Filter};
use crate::decode::{Scratch, undecodable, unshuffle_run};
use crate::error::{Context, Error, Result};
use crate::raw::{self, Id, MAX_RANK};

/// Chunk grids larger than this are never indexed (the index takes 24 bytes per chunk).
pub const MAX_INDEXED_CHUNKS: usize = 1 << 22;

/// How many chunk index entries (chunks of the grid) [`Dataset::parallel_reader`] makes
/// at most. Above this, chunks are read raw through the library instead
/// ([`ReadPath::ChunkedViaLibrary`]).
pub const DEFAULT_INDEX_BUDGET: u64 = MAX_INDEXED_CHUNKS as u64;

/// How a [`ParallelReader`] reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadPath {
    /// Positional reads of one contiguous block of the file.
    Contiguous,
    /// Positional reads of chunks, decoded in parallel outside the library.
    Chunked,
    /// Chunks read raw (undecoded) through the library one at a time, decoded in
    /// parallel outside it: for datasets with too many chunks to index.
    ChunkedViaLibrary,
    /// Through the library, for the reason given.
    Library(String),
}

/// Where one chunk of a chunked dataset lies in its file: one entry of the chunk index
/// a [`ParallelReader`] reads from ([`ParallelReader::chunk_entries`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChunkEntry {
    /// File address of the stored chunk, or `u64::MAX` (HDF5's undefined address) when
    /// the chunk was never written: it then reads as the fill value.
    pub addr: u64,
    /// Stored (filtered) size in bytes.
    pub size: u64,
    /// Bit `i` set: filter `i` of the pipeline was skipped for this chunk.
    pub mask: u32,
}

/// Reads one whole chunk from `file` exactly as a [`ParallelReader`] reads chunks (the
/// same code): a positional read at `entry.addr` of the stored size (or, when every filter
/// is masked off, of one chunk's bytes), then the filters undone in reverse order; a chunk
/// never written (`entry.addr == u64::MAX`) reads as `fill`. For tests and fuzzing of the
/// chunk index entries.
///
/// `pipeline` is the dataset's filter list in write order (the filters of
/// [`Filter::decodes_in_parallel`] decode), `chunk` the chunk shape, `fill` one element's bytes (its
/// length is the element size), and `out` must hold one chunk's bytes.
///
/// ```
/// use ooc_hdf5::{File, Filter, read_chunk};
/// let dir = tempfile::tempdir()?;
/// let path = dir.path().join("c.h5");
/// let file = File::create(&path)?;
/// let mut ds = file.new_dataset::<u16>("x").shape([4, 6]).chunk([2, 3]).shuffle().deflate(5).create()?;
/// ds.write_all(&(0..24).collect::<Vec<u16>>())?;
/// let reader = ds.parallel_reader()?;
/// let entries = reader.chunk_entries().expect("an indexed chunked dataset");
/// let mut out = [0_u8; 2 * 3 * 2];
/// let raw = std::fs::File::open(&path)?;
/// // The chunk at (2, 3) in the grid of 2 x 2 chunks: rows 2..4, columns 3..6.
/// read_chunk(&raw, entries[3], &[Filter::Shuffle, Filter::Deflate(5)], &[2, 3], &[0, 0], &mut out)?;
/// let values: Vec<u16> = out.chunks_exact(2).map(|b| u16::from_ne_bytes([b[0], b[1]])).collect();
/// assert_eq!(values, [15, 16, 17, 21, 22, 23]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
/// [`Error::CorruptChunk`] when the entry or the stored bytes are wrong (a stored size
/// that is implausible for the chunk, an address past the file's end, data that does not
/// decode to exactly one chunk); [`Error::UnsupportedFilter`] for a filter not decoded
/// here; as [`Error::Core`]:
/// [`ooc_core::Error::InvalidChunkShape`] for a chunk shape of rank 0, above 32 or with
/// an empty extent, [`ooc_core::Error::InvalidSize`] for an empty `fill`,
/// [`ooc_core::Error::ShapeOverflow`] when a chunk's bytes do not fit in `usize`, and
/// [`ooc_core::Error::BufferLength`] when `out` is not one chunk long.
#[cfg(feature = "fuzzing")]
pub fn read_chunk(
    file: &std::fs::File,
    entry: ChunkEntry,
    pipeline: &[Filter],
    chunk: &[usize],
    fill: &[u8],
    out: &mut [u8],
) -> Result<()> {
    let bad_chunk = |reason| {
        Error::Core(ooc_core::Error::InvalidChunkShape {
            chunk: chunk.to_vec(),
            array: chunk.to_vec(),
            reason,
        })
    };
    if chunk.is_empty() || chunk.len() > MAX_RANK {
        return Err(bad_chunk("a chunk has 1 to 32 dimensions"));
    }
    if chunk.contains(&0) {
        return Err(bad_chunk("a chunk extent is 0"));
    }
    if fill.is_empty() {
        return Err(Error::Core(ooc_core::Error::InvalidSize(
            "fill value of 0 bytes: one element of at least one byte expected".to_owned(),
        )));
    }
    let es = fill.len();
    let chunk_bytes = chunk
        .iter()
        .try_fold(es, |acc, &c| acc.checked_mul(c))
        .ok_or_else(|| {
            Error::Core(ooc_core::Error::ShapeOverflow {
                shape: chunk.to_vec(),
                elem_size: es,
            })
        })?;
    if out.len() != chunk_bytes {
        return Err(Error::Core(ooc_core::Error::BufferLength {
            expected: chunk_bytes,
            found: out.len(),
        }));
    }
    let index = ChunkIndex {
        chunk: chunk.to_vec(),
        grid: vec![1; chunk.len()],
        entries: Some(vec![entry]),
        pipeline: pipeline.to_vec(),
        fill: fill.to_vec(),
        chunk_bytes,
    };
    read_chunks(
        None,
        (file, None),
        &index,
        es,
        "",
        &Region::full(chunk),
        out,
    )
}

#[derive(Debug)]
struct ChunkIndex {
    chunk: Vec<usize>,
    grid: Vec<usize>,
    /// Where each chunk lies; `None` when chunks are read raw through the library.
    entries: Option<Vec<ChunkEntry>>,
    pipeline: Vec<Filter>,
    fill: Vec<u8>,
    chunk_bytes: usize,
}

#[derive(Debug)]
enum Source {
    Library,
    /// Stored through a filter that neither ooc nor the library decodes: reads fail.
    Undecodable(Filter),
    Contiguous {
        file: std::fs::File,
        offset: u64,
        /// The dataset's bytes mapped read-only, lent as views; `None` when they cannot
        /// be (empty, past the end of the file, or the map failed).
        map: Option<memmap2::Mmap>,
    },
    Chunked {
        file: std::fs::File,
        index: ChunkIndex,
        /// The whole file mapped read-only when the chunks are indexed: stored chunks are
        /// decoded straight from it (no copy into a buffer first) and, when chunks span
        /// whole rows, runs of unfiltered chunks stored back to back are lent as views.
        map: Option<memmap2::Mmap>,
        /// Whether chunks span whole rows (every dimension but the first).
        whole_rows: bool,
    },
}

/// A reader of one dataset that many threads can use at once without the library lock.
///
/// Made by [`Dataset::parallel_reader`], which flushes the file and records where the
/// data lie: it is a snapshot of the dataset's storage, so make it after writing (writes
/// through the library afterwards are not guaranteed to be seen). Reads return exactly
/// what the library would.
///
/// A contiguous dataset's bytes (and the file of a chunked dataset whose chunks span
/// whole rows) are also mapped read-only and lent as zero-copy views
/// ([`ParallelReader::view_region`], [`ReadBlock::as_view`]). As with any memory map, if
/// another process truncates the file while the reader lives, touching the lost pages
/// raises `SIGBUS`; do not shrink files being read (or turn views off with
/// [`ParallelReader::with_views`]: reads then return an I/O error instead).
///
/// ```
/// use ooc_hdf5::{File, ReadPath};
/// use ooc_core::{Par, Region};
/// let dir = tempfile::tempdir()?;
/// let file = File::create(dir.path().join("p.h5"))?;
/// let mut ds = file.new_dataset::<f64>("x").shape([50, 40]).chunk([16, 16]).deflate(4).create()?;
/// let data: Vec<f64> = (0..2000).map(f64::from).collect();
/// ds.write_all(&data)?;
/// let reader = ds.parallel_reader()?.with_par(Par::threads(2))?;
/// assert_eq!(reader.path(), &ReadPath::Chunked);
/// let mut block = vec![0.0; 10 * 40];
/// reader.read_region(&Region::rows(20, 10, 40), &mut block)?;
/// assert_eq!(block, data[800..1200]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct ParallelReader {
    dataset: Dataset,
    source: Source,
    path: ReadPath,
    pool: Option<Arc<rayon::ThreadPool>>,
    par: Par,
    views: bool,
}

impl Dataset {
    /// A reader for this dataset that reads from many threads without the library lock,
    /// falling back to the library for storage it does not understand (see
    /// [`ParallelReader::path`]). Flushes the file first so the file holds what the
    /// library holds.
    ///
    /// # Errors
    /// [`Error::Library`] when the file cannot be flushed or the chunk index cannot be
    /// read; [`Error::Io`] when the file cannot be opened for reading.
    pub fn parallel_reader(&self) -> Result<ParallelReader> {
        self.parallel_reader_with_index_budget(DEFAULT_INDEX_BUDGET)
    }

    /// As [`Dataset::parallel_reader`], making a chunk index of at most `budget` entries
    /// (chunks of the grid); `0` always reads chunks through the library
    /// ([`ReadPath::ChunkedViaLibrary`]), `u64::MAX` always indexes (up to
    /// [`MAX_INDEXED_CHUNKS`]).
    ///
    /// # Errors
    /// As [`Dataset::parallel_reader`].
    pub fn parallel_reader_with_index_budget(&self, budget: u64) -> Result<ParallelReader> {
        let (source, path) = inspect(self, budget)?;
        Ok(ParallelReader {
            dataset: self.clone(),
            source,
            path,
            pool: None,
            par: Par::All,
            views: true,
        })
    }
}

fn library(reason: impl Into<String>) -> Result<(Source, ReadPath)> {
    Ok((Source::Library, ReadPath::Library(reason.into())))
}

/// Decides how to read `ds` and gathers what the fast path needs.
fn inspect(ds: &Dataset, index_budget: u64) -> Result<(Source, ReadPath)> {
    let name = ds.file_name();
    let ctx = || format!("{name}: index {}", ds.path());
    let id = ds.h5_id();
    let writable = ds.is_writable();
    let mem_type = ds.mem_type_id();
    let info = raw::locked(|| -> hdf5::Result<LayoutFacts> {
        // SAFETY: the ids are open (closed by their guards); out-pointers point at live locals.
        let file_id = Id::new(unsafe { H5Iget_file_id(id) }, H5Fclose)?;
        if writable {
            // SAFETY: the ids are open (closed by their guards); out-pointers point at live locals.
            raw::check(unsafe { H5Fflush(file_id.id(), H5F_scope_t::H5F_SCOPE_LOCAL) })?;
        }
        // SAFETY: the ids are open (closed by their guards); out-pointers point at live locals.
        let fcpl = Id::new(unsafe { H5Fget_create_plist(file_id.id()) }, H5Pclose)?;
        let mut userblock = 0_u64;
        // SAFETY: the ids are open (closed by their guards); out-pointers point at live locals.
        raw::check(unsafe { H5Pget_userblock(fcpl.id(), &raw mut userblock) })?;
        // SAFETY: the ids are open (closed by their guards); out-pointers point at live locals.
        let ftype = Id::new(unsafe { H5Dget_type(id) }, H5Tclose)?;
        // SAFETY: the ids are open (closed by their guards); out-pointers point at live locals.
        let same_type = raw::check(unsafe { H5Tequal(ftype.id(), mem_type) })? > 0;
        // SAFETY: the ids are open (closed by their guards); out-pointers point at live locals.
        let dcpl = Id::new(unsafe { H5Dget_create_plist(id) }, H5Pclose)?;
        // SAFETY: the ids are open (closed by their guards); out-pointers point at live locals.
        let layout = unsafe { H5Pget_layout(dcpl.id()) };
        // SAFETY: the ids are open (closed by their guards); out-pointers point at live locals.
        let external = raw::check(unsafe { H5Pget_external_count(dcpl.id()) })?;
        let mut facts = LayoutFacts {
            userblock,
            same_type,
            layout,
            external,
            offset: HADDR_UNDEF,
            pipeline: Vec::new(),
            partial_unfiltered: false,
            fill: Vec::new(),
        };
        if layout == H5D_layout_t::H5D_CONTIGUOUS {
            // SAFETY: the ids are open (closed by their guards); out-pointers point at live locals.
            facts.offset = unsafe { H5Dget_offset(id) };
        }
        if layout == H5D_layout_t::H5D_CHUNKED {
            facts.pipeline = pipeline(dcpl.id())?;
            let mut opts = 0_u32;
            // SAFETY: the ids are open (closed by their guards); out-pointers point at live locals.
            raw::check(unsafe { H5Pget_chunk_opts(dcpl.id(), &raw mut opts) })?;
            facts.partial_unfiltered = opts & H5D_CHUNK_DONT_FILTER_PARTIAL_CHUNKS != 0;
            facts.fill = vec![0_u8; ds.dtype().size()];
            // SAFETY: the ids are open (closed by their guards); out-pointers point at live locals.
            raw::check(unsafe {
                H5Pget_fill_value(dcpl.id(), mem_type, facts.fill.as_mut_ptr().cast())
            })?;
        }
        Ok(facts)
    })
    .context(ctx)?;

    if !info.same_type {
        return library("stored element type differs from the native one (byte order)");
    }
    if info.userblock != 0 {
        return library(format!("file has a {}-byte user block", info.userblock));
    }
    let open = || {
        std::fs::File::open(ds.file_path())
            .map_err(|e| Error::io(format!("open {name} for positional reads"), e))
    };
    match info.layout {
        H5D_layout_t::H5D_CONTIGUOUS if info.external > 0 => library("external storage"),
        H5D_layout_t::H5D_CONTIGUOUS if info.offset == HADDR_UNDEF => {
            library("contiguous storage not allocated yet")
        }
        H5D_layout_t::H5D_CONTIGUOUS => {
            let file = open()?;
            let map = map_contiguous(&file, info.offset, ds.len() * ds.dtype().size());
            Ok((
                Source::Contiguous {
                    file,
                    offset: info.offset,
                    map,
                },
                ReadPath::Contiguous,
            ))
        }
        H5D_layout_t::H5D_CHUNKED => {
            let pipeline = info.pipeline;
            if let Some(f) = undecodable(&pipeline) {
                return Ok((
                    Source::Undecodable(f.clone()),
                    ReadPath::Library(format!(
                        "filter {} ({}) cannot be decoded",
                        f.id(),
                        f.name()
                    )),
                ));
            }
            if let Some(f) = pipeline.iter().find(|f| !f.decodes_in_parallel()) {
                return library(format!(
                    "filter {} ({}) is decoded by the library",
                    f.id(),
                    f.name()
                ));
            }
            if info.partial_unfiltered {
                return library("partial edge chunks are stored unfiltered");
            }
            let chunk = ds.chunk().unwrap_or_default();
            let grid = ds
                .shape()
                .iter()
                .zip(chunk)
                .try_fold(1_usize, |acc, (&d, &c)| {
                    acc.checked_mul(d.div_ceil(c.max(1)))
                });
            let indexed =
                grid.is_some_and(|n| n <= MAX_INDEXED_CHUNKS && (n as u64) <= index_budget);
            let index = chunk_index(ds, pipeline, info.fill, indexed).context(ctx)?;
            let file = open()?;
            let whole_rows = (1..index.chunk.len()).all(|d| index.chunk[d] == ds.shape()[d]);
            let map = if indexed && !ds.is_empty() {
                file.metadata()
                    .ok()
                    .and_then(|m| usize::try_from(m.len()).ok())
                    .and_then(|len| map_contiguous(&file, 0, len))
            } else {
                None
            };
            Ok((
                Source::Chunked {
                    file,
                    index,
                    map,
                    whole_rows,
                },
                if indexed {
                    ReadPath::Chunked
                } else {
                    ReadPath::ChunkedViaLibrary
                },
            ))
        }
        H5D_layout_t::H5D_COMPACT => library("compact storage"),
        _ => library("virtual storage"),
    }
}

/// Maps `bytes` bytes of `file` from `offset` read-only, when they lie inside the file.
fn map_contiguous(file: &std::fs::File, offset: u64, bytes: usize) -> Option<memmap2::Mmap> {
    let len = file.metadata().ok()?.len();
    let end = offset.checked_add(u64::try_from(bytes).ok()?)?;
    if bytes == 0 || end > len {
        return None;
    }
    // SAFETY: `offset + bytes` lies inside the file (checked just above), so no page past
    // its end is mapped. That no one truncates the file while it is mapped cannot be
    // checked; it is the contract documented on `ParallelReader`.
    unsafe {
        memmap2::MmapOptions::new()
            .offset(offset)
            .len(bytes)
            .map(file)
    }
    .ok()
}

struct LayoutFacts {
    userblock: u64,
    same_type: bool,
    layout: H5D_layout_t,
    external: i32,
    offset: u64,
    /// The filters in write order.
    pipeline: Vec<Filter>,
    partial_unfiltered: bool,
    fill: Vec<u8>,
}

/// The filter pipeline of a dataset creation property list (lock held).
fn pipeline(dcpl: i64) -> hdf5::Result<Vec<Filter>> {
    // SAFETY: `dcpl` is an open property list.
    let n = raw::check(unsafe { H5Pget_nfilters(dcpl) })?;
    let mut out = Vec::new();
    for i in 0..n.unsigned_abs() {
        let mut flags = 0_u32;
        let mut nelmts: usize = 8;
        let mut cd = [0_u32; 8];
        let mut name = [0_i8; 64];
        let mut config = 0_u32;
        // SAFETY: out-pointers point at locals of the sizes passed.
        let id = raw::check(unsafe {
            H5Pget_filter2(
                dcpl,
                i,
                &raw mut flags,
                &raw mut nelmts,
                cd.as_mut_ptr(),
                name.len(),
                name.as_mut_ptr().cast(),
                &raw mut config,
            )
        })?;
        out.push(match id {
            1 => Filter::Deflate(u8::try_from(cd[0]).unwrap_or(0)),
            2 => Filter::Shuffle,
            3 => Filter::Fletcher32,
            other => Filter::Other(other),
        });
    }
    Ok(out)
}

/// Where every chunk lies, one entry per chunk of `grid` in C order, from one walk of the
/// library's chunk index (lock held); chunks without storage keep `HADDR_UNDEF`.
fn walk_chunks(
    id: hdf5_sys::h5i::hid_t,
    chunk: &[usize],
    grid: &[usize],
) -> hdf5::Result<Vec<ChunkEntry>> {
    /// What the callback fills, and the first chunk it could not place.
    struct Walk<'a> {
        chunk: &'a [usize],
        grid: &'a [usize],
        entries: Vec<ChunkEntry>,
        stray: Option<Vec<u64>>,
    }
    /// Called by the library for each chunk with storage; must not unwind.
    unsafe extern "C" fn visit(
        offset: *const u64,
        mask: u32,
        addr: u64,
        size: u64,
        data: *mut std::ffi::c_void,
    ) -> std::ffi::c_int {
        // SAFETY: `data` is the `Walk` passed to `H5Dchunk_iter` below, alive and not
        // otherwise borrowed during the walk.
        let walk = unsafe { &mut *data.cast::<Walk<'_>>() };
        let rank = walk.chunk.len();
        // SAFETY: the library passes the chunk's logical offset, one value per dimension.
        let offset = unsafe { std::slice::from_raw_parts(offset, rank) };
        let mut lin = 0_usize;
        for d in 0..rank {
            let g = usize::try_from(offset[d]).map_or(usize::MAX, |o| o / walk.chunk[d]);
            if g >= walk.grid[d] {
                walk.stray = Some(offset.to_vec());
                return -1;
            }
            lin = lin * walk.grid[d] + g;
        }
        match walk.entries.get_mut(lin) {
            Some(e) => {
                *e = ChunkEntry { addr, size, mask };
                0
            }
            None => {
                walk.stray = Some(offset.to_vec());
                -1
            }
        }
    }
    let total: usize = grid.iter().product();
    let empty = ChunkEntry {
        addr: HADDR_UNDEF,
        size: 0,
        mask: 0,
    };
    let mut walk = Walk {
        chunk,
        grid,
        entries: vec![empty; total],
        stray: None,
    };
    let status = raw::locked(|| {
        // SAFETY: `id` is an open dataset; `visit` matches the callback type and `walk`
        // outlives the call.
        unsafe {
            H5Dchunk_iter(
                id,
                hdf5_sys::h5p::H5P_DEFAULT,
                Some(visit),
                (&raw mut walk).cast(),
            )
        }
    });
    if let Some(offset) = walk.stray {
        return Err(hdf5::Error::from(format!(
            "the chunk index lists a chunk at {offset:?}, outside the chunk grid {grid:?}"
        )));
    }
    raw::locked(|| raw::check(status))?;
    Ok(walk.entries)
}

fn chunk_index(
    ds: &Dataset,
    pipeline: Vec<Filter>,
    fill: Vec<u8>,
    indexed: bool,
) -> hdf5::Result<ChunkIndex> {
    let shape = ds.shape();
    let chunk: Vec<usize> = ds.chunk().map(<[usize]>::to_vec).unwrap_or_default();
    let grid: Vec<usize> = shape
        .iter()
        .zip(&chunk)
        .map(|(&d, &c)| d.div_ceil(c))
        .collect();
    let chunk_bytes = chunk.iter().product::<usize>() * ds.dtype().size();
    let entries = if indexed {
        Some(walk_chunks(ds.h5_id(), &chunk, &grid)?)
    } else {
        None
    };
    Ok(ChunkIndex {
        chunk,
        grid,
        entries,
        pipeline,
        fill,
        chunk_bytes,
    })
}

unsafe extern "C" {
    /// Stored size of the chunk at `offset` (0 when it has no storage).
    fn H5Dget_chunk_storage_size(
        dset_id: hdf5_sys::h5i::hid_t,
        offset: *const u64,
        chunk_bytes: *mut u64,
    ) -> hdf5_sys::h5::herr_t;
}

/// A pointer to the output buffer shared by the workers, each writing a disjoint part.
#[derive(Clone, Copy)]
struct SharedOut(*mut u8, usize);
// SAFETY: workers write disjoint byte ranges (each output element lies in exactly one
// chunk), and the buffer outlives the parallel loop that uses the pointer.
unsafe impl Send for SharedOut {}
// SAFETY: as above.
unsafe impl Sync for SharedOut {}

impl SharedOut {
    fn len(&self) -> usize {
        self.1
    }

    /// Bytes `lo..lo + len` of the buffer.
    ///
    /// # Safety
    /// The range must be inside the buffer, the buffer alive, and no other reference to
    /// that range may exist while the slice is used.
    #[allow(clippy::mut_from_ref)]
    unsafe fn part(&self, lo: usize, len: usize) -> &mut [u8] {
        debug_assert!(lo + len <= self.1);
        // SAFETY: guaranteed by the caller.
        unsafe { std::slice::from_raw_parts_mut(self.0.add(lo), len) }
    }
}

thread_local! {
    /// Per-thread decode buffers, reused across chunks and calls.
    static SCRATCH: std::cell::RefCell<Scratch> = std::cell::RefCell::new(Scratch::default());
}

/// Calls `f(array_offset, buffer_offset, run_len)` for each contiguous run (along the
/// last dimension) of a box of `extent` that starts at `a_start` in an array with strides
/// `a_strides` and at `b_start` in a buffer with strides `b_strides` (all in elements).
fn for_each_run(
    rank: usize,
    extent: &[usize; MAX_RANK],
    (a_start, a_strides): (&[usize; MAX_RANK], &[usize; MAX_RANK]),
    (b_start, b_strides): (&[usize; MAX_RANK], &[usize; MAX_RANK]),
    mut f: impl FnMut(usize, usize, usize) -> Result<()>,
) -> Result<()> {
    if rank == 0 {
        return f(0, 0, 1);
    }
    if extent[..rank].contains(&0) {
        return Ok(());
    }
    let last = rank - 1;
    let mut idx = [0_usize; MAX_RANK];
    loop {
        let mut a = a_start[last];
        let mut b = b_start[last];
        for d in 0..last {
            a += (a_start[d] + idx[d]) * a_strides[d];
            b += (b_start[d] + idx[d]) * b_strides[d];
        }
        f(a, b, extent[last])?;
        let mut d = last;
        loop {
            if d == 0 {
                return Ok(());
            }
            d -= 1;
            idx[d] += 1;
            if idx[d] < extent[d] {
                break;
            }
            idx[d] = 0;
        }
    }
}

/// Bytes `lo..hi` of the dataset in C order, straight from the mapped file: when chunks
/// span whole rows, chunk `k` holds bytes `k * chunk_bytes..(k + 1) * chunk_bytes` of the
/// dataset in the same order, so a run of chunks stored unfiltered and back to back is
/// one run of the file. `None` when the chunks of the range are not.
fn stored_run<'m>(index: &ChunkIndex, map: &'m [u8], lo: usize, hi: usize) -> Option<&'m [u8]> {
    let entries = index.entries.as_ref()?;
    let cb = index.chunk_bytes;
    let (k0, k1) = (lo / cb, (hi - 1) / cb);
    let unfiltered = |e: &ChunkEntry| {
        e.addr != HADDR_UNDEF
            && e.size == cb as u64
            && (0..index.pipeline.len()).all(|i| i < 32 && e.mask & (1 << i) != 0)
    };
    let run = entries.get(k0..=k1)?;
    let back_to_back = run
        .windows(2)
        .all(|w| w[0].addr.checked_add(cb as u64) == Some(w[1].addr));
    if !run.iter().all(unfiltered) || !back_to_back {
        return None;
    }
    let start = usize::try_from(run[0].addr)
        .ok()?
        .checked_add(lo - k0 * cb)?;
    map.get(start..start.checked_add(hi - lo)?)
}

/// Whether a box of extents `ext` (the first `rank`) inside an array of extents `full`
/// is one run in C order: whole in every dimension after its first partial one, and one
/// wide in every dimension before it.
fn one_run(rank: usize, ext: &[usize; MAX_RANK], full: &[usize]) -> bool {
    let mut d = rank;
    while d > 0 && ext[d - 1] == full[d - 1] {
        d -= 1;
    }
    d <= 1 || ext[..d - 1].iter().all(|&e| e == 1)
}

fn strides(shape: &[usize]) -> [usize; MAX_RANK] {
    let mut s = [0_usize; MAX_RANK];
    let mut acc = 1;
    for d in (0..shape.len()).rev() {
        s[d] = acc;
        acc *= shape[d];
    }
    s
}

fn to_array(v: &[usize]) -> [usize; MAX_RANK] {
    let mut a = [0_usize; MAX_RANK];
    a[..v.len()].copy_from_slice(v);
    a
}

impl ParallelReader {
    /// Uses `par` for reads: [`Par::Seq`] on the calling thread, [`Par::Rayon`] on the
    /// cached pool of that size ([`Par::pool`]), [`Par::All`] (the default) on rayon's
    /// global pool.
    ///
    /// # Errors
    /// [`Error::Core`] with [`ooc_core::Error::Unsupported`] when threads cannot start.
    pub fn with_par(mut self, par: Par) -> Result<Self> {
        self.pool = par.pool()?;
        self.par = par;
        Ok(self)
    }

    /// Whether to lend zero-copy views of the file's bytes (on by default).
    ///
    /// With views on, [`ReadBlock::as_view`] offers the bytes of a contiguous dataset, or
    /// of a chunked one whose chunks span whole rows, mapped read-only
    /// ([`ParallelReader::view_region`]), so block schedulers compute on the page cache
    /// without copying; off, every read copies with positional reads.
    #[must_use]
    pub fn with_views(mut self, on: bool) -> Self {
        self.views = on;
        self
    }

    /// The elements of `region` without copying, when `region` is one run in C order
    /// (whole trailing dimensions), views are on ([`ParallelReader::with_views`]) and the
    /// run is one run of the file: a contiguous dataset, or an indexed chunked one whose
    /// chunks span whole rows and are stored unfiltered, back to back. `None` otherwise.
    ///
    /// ```
    /// use ooc_hdf5::{File, Region};
    /// let dir = tempfile::tempdir()?;
    /// let file = File::create(dir.path().join("v.h5"))?;
    /// let mut ds = file.new_dataset::<i32>("m").shape([3, 4]).create()?;
    /// ds.write_all(&(0..12).collect::<Vec<i32>>())?;
    /// let reader = ds.parallel_reader()?;
    /// let rows = reader.view_region::<i32>(&Region::rows(1, 2, 4))?;
    /// assert_eq!(rows, Some(&[4, 5, 6, 7, 8, 9, 10, 11][..]));
    /// assert_eq!(reader.view_region::<i32>(&Region::block(0, 1, 2, 2))?, None);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// [`ooc_core::Error::DTypeMismatch`] when `T` is not the stored type;
    /// [`ooc_core::Error::OutOfBounds`] or [`ooc_core::Error::RankMismatch`] for a region
    /// outside the dataset (all as [`Error::Core`]).
    pub fn view_region<T: Element>(&self, region: &Region) -> Result<Option<&[T]>> {
        let ds = &self.dataset;
        if T::DTYPE != ds.dtype() {
            return Err(Error::Core(ooc_core::Error::DTypeMismatch {
                stored: ds.dtype(),
                requested: T::DTYPE,
            }));
        }
        region.check(ds.shape())?;
        let (Some(map), true) = (self.view_map(), self.views) else {
            return Ok(None);
        };
        if region.is_empty() {
            return Ok(Some(&[]));
        }
        let Some(first) = region.contiguous_offset(ds.shape()) else {
            return Ok(None);
        };
        let es = ds.dtype().size();
        let (lo, hi) = (first * es, (first + region.len()) * es);
        let bytes = match &self.source {
            Source::Chunked { index, .. } => stored_run(index, map, lo, hi),
            _ => map.get(lo..hi),
        };
        Ok(bytes.and_then(|b| bytemuck::try_cast_slice(b).ok()))
    }

    /// The map that views are lent from: a contiguous dataset's bytes, or the file of a
    /// chunked dataset whose chunks span whole rows.
    fn view_map(&self) -> Option<&memmap2::Mmap> {
        match &self.source {
            Source::Contiguous { map, .. }
            | Source::Chunked {
                map,
                whole_rows: true,
                ..
            } => map.as_ref(),
            Source::Chunked { .. } | Source::Library | Source::Undecodable(_) => None,
        }
    }

    /// The chunk index this reader reads from, one entry per chunk of the chunk grid in
    /// C order; `None` unless [`ParallelReader::path`] is [`ReadPath::Chunked`].
    #[must_use]
    pub fn chunk_entries(&self) -> Option<&[ChunkEntry]> {
        match &self.source {
            Source::Chunked { index, .. } => index.entries.as_deref(),
            _ => None,
        }
    }

    /// How this reader reads, and why it fell back to the library if it did.
    #[must_use]
    pub fn path(&self) -> &ReadPath {
        &self.path
    }

    /// The dataset this reader reads.
    #[must_use]
    pub fn dataset(&self) -> &Dataset {
        &self.dataset
    }

    /// Reads `region` into `out`, in parallel when the path allows.
    ///
    /// # Errors
    /// As [`Dataset::read_region`], plus [`Error::CorruptChunk`] for chunk data that does
    /// not decode and [`Error::Io`] for failed reads (a file shorter than its index says).
    pub fn read_region<T: Element>(&self, region: &Region, out: &mut [T]) -> Result<()> {
        let ds = &self.dataset;
        if T::DTYPE != ds.dtype() {
            return Err(Error::Core(ooc_core::Error::DTypeMismatch {
                stored: ds.dtype(),
                requested: T::DTYPE,
            }));
        }
        region.check_with_buffer(ds.shape(), out.len())?;
        if region.is_empty() {
            return Ok(());
        }
        match &self.source {
            Source::Library => ds.read_region(region, out),
            Source::Undecodable(f) => Err(Error::UnsupportedFilter {
                path: format!("{}: {}", ds.file_name(), ds.path()),
                id: f.id(),
                name: f.name(),
                reason: "neither ooc nor the HDF5 library it is built with decodes it".to_owned(),
            }),
            Source::Contiguous { file, offset, .. } => {
                let bytes: &mut [u8] = bytemuck::cast_slice_mut(out);
                self.read_contiguous(file, *offset, region, bytes)
            }
            Source::Chunked {
                file, index, map, ..
            } => {
                let bytes: &mut [u8] = bytemuck::cast_slice_mut(out);
                // With views off, the file is not touched through the map either, so a
                // truncated file reads as an I/O error rather than `SIGBUS`.
                let map = map.as_deref().filter(|_| self.views);
                self.read_chunked(file, map, index, region, bytes)
            }
        }
    }

    /// Runs `n` work items, in parallel unless the reader is sequential.
    fn run_items(&self, n: usize, work: impl Fn(usize) -> Result<()> + Sync + Send) -> Result<()> {
        match (self.par, &self.pool) {
            (Par::Seq, _) => (0..n).try_for_each(work),
            (_, Some(pool)) => pool.install(|| (0..n).into_par_iter().try_for_each(work)),
            (_, None) => (0..n).into_par_iter().try_for_each(work),
        }
    }

    fn pread(&self, file: &std::fs::File, buf: &mut [u8], at: u64) -> Result<()> {
        file.read_exact_at(buf, at).map_err(|e| {
            Error::io(
                format!(
                    "{}: read {} bytes of {} at file offset {at}",
                    self.dataset.file_name(),
                    buf.len(),
                    self.dataset.path()
                ),
                e,
            )
        })
    }

    fn read_contiguous(
        &self,
        file: &std::fs::File,
        offset: u64,
        region: &Region,
        out: &mut [u8],
    ) -> Result<()> {
        let es = self.dataset.dtype().size();
        let shape = self.dataset.shape();
        if let Some(first) = region.contiguous_offset(shape) {
            let pieces = self.par.degree().max(1) * 4;
            let piece = out.len().div_ceil(pieces).max(1 << 20);
            let base = offset + (first * es) as u64;
            let out = SharedOut(out.as_mut_ptr(), out.len());
            return self.run_items(out.len().div_ceil(piece), |i| {
                let lo = i * piece;
                let len = piece.min(out.len() - lo);
                // SAFETY: pieces `lo..lo + len` are disjoint and inside the buffer, which
                // outlives this loop.
                let buf = unsafe { out.part(lo, len) };
                self.pread(file, buf, base + lo as u64)
            });
        }
        // Not one run: each index along the first dimension is a separate slab of `out`.
        let rank = shape.len();
        let a_strides = strides(shape);
        let r_strides = strides(&region.shape);
        let start = to_array(&region.start);
        let zero = [0_usize; MAX_RANK];
        let slab = out.len() / region.shape[0];
        let out = SharedOut(out.as_mut_ptr(), out.len());
        self.run_items(region.shape[0], |i| {
            let mut s = start;
            s[0] += i;
            let mut e = to_array(&region.shape);
            e[0] = 1;
            // SAFETY: slab `i` covers bytes `i * slab..(i + 1) * slab` of the buffer,
            // disjoint from every other slab; the buffer outlives this loop.
            let buf = unsafe { out.part(i * slab, slab) };
            for_each_run(
                rank,
                &e,
                (&s, &a_strides),
                (&zero, &r_strides),
                |a, r, n| {
                    self.pread(
                        file,
                        &mut buf[r * es..(r + n) * es],
                        offset + (a * es) as u64,
                    )
                },
            )
        })
    }

    fn read_chunked(
        &self,
        file: &std::fs::File,
        map: Option<&[u8]>,
        index: &ChunkIndex,
        region: &Region,
        out: &mut [u8],
    ) -> Result<()> {
        let es = self.dataset.dtype().size();
        read_chunks(
            Some(self),
            (file, map),
            index,
            es,
            self.dataset.path(),
            region,
            out,
        )
    }
}

/// Reads the chunks of `index` that `region` touches from `file` (straight from `map`, the
/// whole file mapped, when there is one, else positional reads; decoded here; through
/// `reader`'s library handle when the index holds no entries) into `out`, in parallel on
/// `reader`'s threads (sequentially without a reader). `name` names the dataset in errors.
fn read_chunks(
    reader: Option<&ParallelReader>,
    (file, map): (&std::fs::File, Option<&[u8]>),
    index: &ChunkIndex,
    es: usize,
    name: &str,
    region: &Region,
    out: &mut [u8],
) -> Result<()> {
    {
        let rank = region.shape.len();
        let chunk = &index.chunk;
        let mut first = [0_usize; MAX_RANK];
        let mut count = [0_usize; MAX_RANK];
        for d in 0..rank {
            first[d] = region.start[d] / chunk[d];
            count[d] = (region.start[d] + region.shape[d] - 1) / chunk[d] - first[d] + 1;
        }
        let total: usize = count[..rank].iter().product();
        let grid_strides = strides(&index.grid);
        let chunk_strides = strides(chunk);
        let r_strides = strides(&region.shape);
        let r_start = to_array(&region.start);
        let r_end: [usize; MAX_RANK] = std::array::from_fn(|d| {
            if d < rank {
                region.start[d] + region.shape[d]
            } else {
                0
            }
        });
        let out = SharedOut(out.as_mut_ptr(), out.len());
        run_items(reader, total, |k| {
            // Which chunk, and the part of it inside the region.
            let mut g = [0_usize; MAX_RANK];
            let mut rem = k;
            for d in (0..rank).rev() {
                g[d] = first[d] + rem % count[d];
                rem /= count[d];
            }
            let lin: usize = (0..rank).map(|d| g[d] * grid_strides[d]).sum();
            let entry = match &index.entries {
                Some(entries) => entries[lin],
                None => ChunkEntry {
                    addr: 0,
                    size: 0,
                    mask: 0,
                },
            };
            let mut lo = [0_usize; MAX_RANK];
            let mut ext = [0_usize; MAX_RANK];
            let mut origin = [0_usize; MAX_RANK];
            for d in 0..rank {
                origin[d] = g[d] * chunk[d];
                lo[d] = r_start[d].max(origin[d]);
                ext[d] = r_end[d].min(origin[d] + chunk[d]) - lo[d];
            }
            // Where the part starts inside the chunk and inside the region.
            let mut local = [0_usize; MAX_RANK];
            let mut in_region = [0_usize; MAX_RANK];
            for d in 0..rank {
                local[d] = lo[d] - origin[d];
                in_region[d] = lo[d] - r_start[d];
            }
            // `src` holds the chunk's bytes from byte `shift` on (`None`: the fill value),
            // byte-shuffled when `shuffled` (then `shift` is 0 and `src` the whole chunk).
            let copy_shuffled = |src: Option<&[u8]>, shift: usize, shuffled: bool| {
                let runs = (&local, &chunk_strides);
                for_each_run(rank, &ext, runs, (&in_region, &r_strides), |c, r, n| {
                    let (dst, len) = (r * es, n * es);
                    if dst + len > out.len()
                        || src.is_some_and(|b| c * es < shift || c * es - shift + len > b.len())
                    {
                        return Err(internal("run outside a buffer"));
                    }
                    // SAFETY: `dst..dst + len` is inside the buffer (checked) and belongs
                    // to this chunk's part of the region only, so no other worker writes it.
                    let target = unsafe { out.part(dst, len) };
                    match src {
                        Some(bytes) if shuffled => unshuffle_run(bytes, es, c, target),
                        Some(bytes) => {
                            target.copy_from_slice(&bytes[c * es - shift..c * es - shift + len]);
                        }
                        None => fill_with(target, &index.fill),
                    }
                    Ok(())
                })
            };
            let copy_runs = |src: Option<&[u8]>, shift: usize| copy_shuffled(src, shift, false);
            if index.entries.is_none() {
                return SCRATCH.with(|cell| {
                    let mut scratch = cell.borrow_mut();
                    let corrupt = |reason: String| Error::CorruptChunk {
                        path: name.to_owned(),
                        offset: origin[..rank].to_vec(),
                        reason,
                    };
                    let Some(mask) = reader
                        .ok_or_else(|| internal("unindexed chunks need the library"))?
                        .read_raw_chunk(&origin[..rank], index, &mut scratch.raw)
                        .map_err(|e| corrupt(e.to_string()))?
                    else {
                        return copy_runs(None, 0);
                    };
                    let Scratch { raw, decoder } = &mut *scratch;
                    let decoded = decoder
                        .decode_planes(raw, &index.pipeline, mask, es, index.chunk_bytes)
                        .map_err(|e| e.at(name, &origin[..rank]))?;
                    copy_shuffled(Some(decoded.bytes), 0, decoded.shuffled)
                });
            }
            if entry.addr == HADDR_UNDEF {
                return copy_runs(None, 0);
            }
            let corrupt = |reason: String| Error::CorruptChunk {
                path: name.to_owned(),
                offset: origin[..rank].to_vec(),
                reason,
            };
            let unfiltered =
                (0..index.pipeline.len()).all(|i| i < 32 && entry.mask & (1 << i) != 0);
            SCRATCH.with(|cell| {
                let mut scratch = cell.borrow_mut();
                if unfiltered {
                    // Stored as is: read only the span of the chunk the region touches.
                    if entry.size != index.chunk_bytes as u64 {
                        return Err(corrupt(format!(
                            "unfiltered chunk stores {} bytes but a chunk holds {}",
                            entry.size, index.chunk_bytes
                        )));
                    }
                    let (mut lo_el, mut hi_el) = (0, 0);
                    for d in 0..rank {
                        lo_el += local[d] * chunk_strides[d];
                        hi_el += (local[d] + ext[d] - 1) * chunk_strides[d];
                    }
                    let (lo_b, hi_b) = (lo_el * es, (hi_el + 1) * es);
                    let at = entry.addr.checked_add(lo_b as u64).ok_or_else(|| {
                        corrupt(format!("chunk address {} is past any file", entry.addr))
                    })?;
                    if one_run(rank, &ext, chunk) && one_run(rank, &ext, &region.shape) {
                        // The part is one run in the chunk and in the region: read it
                        // straight into place.
                        let dst: usize = (0..rank).map(|d| in_region[d] * r_strides[d]).sum();
                        let (dst, len) = (dst * es, hi_b - lo_b);
                        if dst + len > out.len() {
                            return Err(internal("run outside a buffer"));
                        }
                        // SAFETY: `dst..dst + len` is inside the buffer (checked) and holds
                        // this chunk's part of the region only, so no other worker writes it.
                        let target = unsafe { out.part(dst, len) };
                        return file.read_exact_at(target, at).map_err(|e| {
                            corrupt(format!("reading {len} bytes at file offset {at}: {e}"))
                        });
                    }
                    let stored = Stored::get(map, file, &mut scratch.raw, at, hi_b - lo_b)
                        .map_err(|e| corrupt(e.to_string()))?;
                    return stored.use_then_release(|bytes| copy_runs(Some(bytes), lo_b));
                }
                let size = usize::try_from(entry.size)
                    .ok()
                    .filter(|&s| s <= index.chunk_bytes.saturating_add(1 << 20))
                    .ok_or_else(|| corrupt(format!("stored size {} is implausible", entry.size)))?;
                let Scratch { raw, decoder } = &mut *scratch;
                let stored = Stored::get(map, file, raw, entry.addr, size)
                    .map_err(|e| corrupt(e.to_string()))?;
                stored.use_then_release(|bytes| {
                    let decoded = decoder
                        .decode_planes(bytes, &index.pipeline, entry.mask, es, index.chunk_bytes)
                        .map_err(|e| e.at(name, &origin[..rank]))?;
                    copy_shuffled(Some(decoded.bytes), 0, decoded.shuffled)
                })
            })
        })
    }
}

impl ParallelReader {
    /// Reads the stored bytes of the chunk starting at `origin` through the library into
    /// `raw`; its filter mask, or `None` when the chunk has no storage.
    fn read_raw_chunk(
        &self,
        origin: &[usize],
        index: &ChunkIndex,
        raw: &mut Vec<u8>,
    ) -> hdf5::Result<Option<u32>> {
        let id = self.dataset.h5_id();
        let mut offset = [0_u64; MAX_RANK];
        for (o, &x) in offset.iter_mut().zip(origin) {
            *o = x as u64;
        }
        raw::locked(|| {
            // The library refuses to read a chunk without storage (and may refuse to size
            // one); when it does, confirm that is the reason (a lookup in the chunk index,
            // only for such chunks) before using the fill value.
            let unallocated = || {
                let (mut mask, mut addr, mut stored) = (0_u32, 0_u64, 0_u64);
                // SAFETY: `id` is open; `offset` holds the dataset's rank; out-pointers
                // point at live locals.
                let info = unsafe {
                    hdf5_sys::h5d::H5Dget_chunk_info_by_coord(
                        id,
                        offset.as_ptr(),
                        &raw mut mask,
                        &raw mut addr,
                        &raw mut stored,
                    )
                };
                info >= 0 && addr == HADDR_UNDEF
            };
            let mut size = 0_u64;
            // SAFETY: `id` is open; `offset` holds the dataset's rank; `size` is live.
            let status = unsafe { H5Dget_chunk_storage_size(id, offset.as_ptr(), &raw mut size) };
            if let Err(e) = raw::check(status) {
                return if unallocated() { Ok(None) } else { Err(e) };
            }
            if size == 0 {
                return Ok(None);
            }
            let size = usize::try_from(size)
                .ok()
                .filter(|&s| s <= index.chunk_bytes + (1 << 20))
                .ok_or_else(|| hdf5::Error::from(format!("stored size {size} is implausible")))?;
            raw.resize(size, 0);
            let (mut mask, mut len) = (0_u32, size);
            // SAFETY: `raw` holds `len` bytes, the size passed; the library writes no more.
            let status = unsafe {
                H5Dread_chunk2(
                    id,
                    hdf5_sys::h5p::H5P_DEFAULT,
                    offset.as_ptr(),
                    &raw mut mask,
                    raw.as_mut_ptr().cast(),
                    &raw mut len,
                )
            };
            if let Err(e) = raw::check(status) {
                return if unallocated() { Ok(None) } else { Err(e) };
            }
            if len != size {
                return Err(hdf5::Error::from(format!(
                    "chunk stores {len} bytes but the library sized it at {size}"
                )));
            }
            Ok(Some(mask))
        })
    }
}

/// The stored bytes of (part of) one chunk, borrowed from the file's map or read into a
/// thread's buffer.
enum Stored<'a> {
    Mapped(&'a [u8]),
    Read(&'a [u8]),
}

impl<'a> Stored<'a> {
    /// The `len` bytes at file offset `at`: straight from `map` when it covers them (the
    /// common case: no copy), else read with `pread` into `raw`.
    fn get(
        map: Option<&'a [u8]>,
        file: &std::fs::File,
        raw: &'a mut Vec<u8>,
        at: u64,
        len: usize,
    ) -> std::io::Result<Self> {
        let mapped = usize::try_from(at).ok().and_then(|lo| {
            let hi = lo.checked_add(len)?;
            map?.get(lo..hi)
        });
        if let Some(bytes) = mapped {
            return Ok(Stored::Mapped(bytes));
        }
        raw.resize(len, 0);
        file.read_exact_at(raw, at).map_err(|e| {
            std::io::Error::new(
                e.kind(),
                format!("reading {len} bytes at file offset {at}: {e}"),
            )
        })?;
        Ok(Stored::Read(raw))
    }

    /// Runs `f` on the bytes; then unmaps mapped ones from the process (they stay in the
    /// page cache), so decoding a pass of chunks keeps no compressed pages resident.
    fn use_then_release<R>(self, f: impl FnOnce(&[u8]) -> R) -> R {
        match self {
            Stored::Read(bytes) => f(bytes),
            Stored::Mapped(bytes) => {
                let out = f(bytes);
                // SAFETY: `bytes` lie in the reader's read-only shared map of the file,
                // never written through.
                unsafe { ooc_core::pages::release(bytes, ooc_core::pages::Release::FromProcess) };
                out
            }
        }
    }
}

/// Runs `n` work items on `reader`'s threads, or one after another without a reader.
fn run_items(
    reader: Option<&ParallelReader>,
    n: usize,
    work: impl Fn(usize) -> Result<()> + Sync + Send,
) -> Result<()> {
    match reader {
        Some(r) => r.run_items(n, work),
        None => (0..n).try_for_each(work),
    }
}

fn internal(what: &str) -> Error {
    Error::Core(ooc_core::Error::Unsupported(format!(
        "internal error: {what}"
    )))
}

/// Fills `target` with copies of one element's bytes.
fn fill_with(target: &mut [u8], fill: &[u8]) {
    if fill.iter().all(|&b| b == 0) {
        target.fill(0);
    } else {
        for el in target.chunks_exact_mut(fill.len()) {
            el.copy_from_slice(fill);
        }
    }
}

impl ArrayMeta for ParallelReader {
    fn shape(&self) -> &[usize] {
        self.dataset.shape()
    }

    fn dtype(&self) -> DType {
        self.dataset.dtype()
    }

    fn chunk_shape(&self) -> Option<Vec<usize>> {
        self.dataset.chunk().map(<[usize]>::to_vec)
    }

    fn concurrent_reads(&self) -> bool {
        !matches!(self.path, ReadPath::Library(_))
    }
}

impl<T: Element> ReadBlock<T> for ParallelReader {
    fn read_region(&self, region: &Region, out: &mut [T]) -> ooc_core::Result<()> {
        ParallelReader::read_region(self, region, out).map_err(Into::into)
    }

    /// `Some` for a mapped dataset (contiguous, or chunked in whole rows) of element type
    /// `T` with views on.
    fn as_view(&self) -> Option<&dyn ViewBlock<T>> {
        (self.views && T::DTYPE == self.dataset.dtype() && self.view_map().is_some())
            .then_some(self as &dyn ViewBlock<T>)
    }
}

impl<T: Element> ViewBlock<T> for ParallelReader {
    fn view_region(&self, region: &Region) -> ooc_core::Result<Option<&[T]>> {
        ParallelReader::view_region(self, region).map_err(Into::into)
    }

    /// Unmaps the region's pages from the process after a pass used them (they stay in
    /// the page cache), so a pass's resident set stays within its budget.
    fn release_region(&self, region: &Region) {
        if let Ok(Some(elements)) = ParallelReader::view_region::<T>(self, region) {
            // SAFETY: views come from the reader's read-only shared map of the file.
            unsafe {
                ooc_core::pages::release(
                    bytemuck::cast_slice(elements),
                    ooc_core::pages::Release::FromProcess,
                );
            }
        }
    }
}
