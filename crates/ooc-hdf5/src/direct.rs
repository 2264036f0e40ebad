//! Direct chunk writes: whole chunks gathered from rows the caller holds, encoded here
//! when the dataset is compressed (shuffle, deflate), and handed to the library with
//! `H5Dwrite_chunk`, which stores them as they are. This skips the library's per-chunk
//! selection, conversion and cache work that makes writing many small chunks slow.
//!
//! Only datasets whose chunks this module can produce exactly are written this way: a
//! stored type equal to the native one, a pipeline of shuffle and deflate only, and chunks
//! that span every dimension after the second (so a chunk is a rectangle of rows and
//! flattened columns). Everything else goes through the library (`RowWriter` decides).
//! Edge chunks are written whole, padded with the fill value as the library does.

use hdf5_sys::h5d::{H5D_CHUNK_DONT_FILTER_PARTIAL_CHUNKS, H5Dget_create_plist, H5Dwrite_chunk};
use hdf5_sys::h5p::{H5P_DEFAULT, H5Pclose, H5Pget_chunk_opts, H5Pget_fill_value};
use ooc_core::ByteOrder;

use crate::dataset::{Dataset, Layout};
use crate::encode::Encoder;
use crate::error::{Context, Result};
use crate::raw::{self, Id, MAX_RANK};

/// Writes whole chunks of one chunked dataset directly, band by band (a band is one chunk
/// row: the rows `k * chunk_rows ..` of every chunk column).
#[derive(Debug)]
pub(crate) struct DirectWriter {
    /// Rows of the dataset.
    rows: usize,
    /// Elements of one row (all dimensions after the first, flattened).
    cols: usize,
    /// Rows of a chunk.
    chunk_rows: usize,
    /// Flattened elements of one chunk row (the chunk's extent in the second dimension
    /// times the dimensions after it).
    chunk_cols: usize,
    /// Flattened elements per unit of the second dimension.
    inner: usize,
    rank: usize,
    elem: usize,
    /// One chunk row of fill values, as bytes.
    fill_row: Vec<u8>,
    /// The chunk being gathered.
    chunk: Vec<u8>,
    encoder: Encoder,
}

impl DirectWriter {
    /// A direct writer for `ds`, or `None` when its chunks must go through the library.
    ///
    /// # Errors
    /// [`crate::Error::Library`] when the library cannot describe the dataset.
    pub(crate) fn for_dataset(ds: &Dataset) -> Result<Option<DirectWriter>> {
        let Some(chunk) = ds.chunk() else {
            return Ok(None);
        };
        let shape = ds.shape();
        let rank = shape.len();
        if rank == 0 || rank > MAX_RANK || chunk.len() != rank || chunk.contains(&0) {
            return Ok(None);
        }
        // Chunks must span every dimension after the second.
        if rank > 2 && chunk[2..] != shape[2..] {
            return Ok(None);
        }
        let info = ds.describe()?;
        if info.layout != Layout::Chunked || info.byte_order != ByteOrder::NATIVE {
            return Ok(None);
        }
        let elem = ds.dtype().size();
        let Some(encoder) = Encoder::new(&info.filters, elem) else {
            return Ok(None);
        };
        let id = ds.h5_id();
        let mem_type = ds.mem_type_id();
        let mut fill = vec![0_u8; elem];
        let opts = raw::locked(|| -> hdf5::Result<u32> {
            // SAFETY: `id` is an open dataset; the property list is closed by its guard.
            let dcpl = Id::new(unsafe { H5Dget_create_plist(id) }, H5Pclose)?;
            let mut opts = 0_u32;
            // SAFETY: `dcpl` is open; `opts` is a live local.
            raw::check(unsafe { H5Pget_chunk_opts(dcpl.id(), &raw mut opts) })?;
            // An undefined fill value (the call fails) leaves padding unspecified: zeros.
            // SAFETY: `fill` holds one element of `mem_type`, the dataset's native type.
            let status =
                unsafe { H5Pget_fill_value(dcpl.id(), mem_type, fill.as_mut_ptr().cast()) };
            if status < 0 {
                fill.fill(0);
            }
            Ok(opts)
        })
        .context(|| format!("{}: creation properties of {}", ds.file_name(), ds.path()))?;
        if opts & H5D_CHUNK_DONT_FILTER_PARTIAL_CHUNKS != 0 && !info.filters.is_empty() {
            return Ok(None);
        }
        let inner: usize = shape.get(2..).map_or(1, |s| s.iter().product());
        let cols = shape.get(1).map_or(1, |&d| d * inner);
        let chunk_cols = chunk.get(1).map_or(1, |&c| c * inner);
        let Some(chunk_bytes) = chunk[0]
            .checked_mul(chunk_cols)
            .and_then(|n| n.checked_mul(elem))
        else {
            return Ok(None);
        };
        // HDF5 chunks are limited to 4 GiB.
        if chunk_bytes > u32::MAX as usize {
            return Ok(None);
        }
        let fill_row = fill.repeat(chunk_cols);
        Ok(Some(DirectWriter {
            rows: shape[0],
            cols,
            chunk_rows: chunk[0],
            chunk_cols,
            inner,
            rank,
            elem,
            fill_row,
            chunk: vec![0; chunk_bytes],
            encoder,
        }))
    }

    /// Flattened elements of one chunk row.
    pub(crate) fn chunk_cols(&self) -> usize {
        self.chunk_cols
    }

    /// Writes the chunks of the band starting at `row0` (a multiple of the chunk rows)
    /// whose columns start in `cols0 .. cols0 + ncols` (`cols0` a multiple of the chunk
    /// columns; `ncols` too unless the tile reaches the last column). `tile` holds the
    /// band's rows restricted to those columns: row `r` at byte `r * stride`; every row of
    /// the band that exists in the dataset is present, rows past its end are padding.
    ///
    /// # Errors
    /// [`crate::Error::Library`] when the library refuses a chunk (a full disk, ...).
    ///
    /// # Panics
    /// When `tile` is shorter than the rows and columns it should hold (a caller's bug).
    pub(crate) fn write_tile(
        &mut self,
        ds: &Dataset,
        row0: usize,
        cols0: usize,
        ncols: usize,
        tile: &[u8],
        stride: usize,
    ) -> Result<()> {
        let nrows = self.chunk_rows.min(self.rows - row0);
        let es = self.elem;
        let row_bytes = self.chunk_cols * es;
        let id = ds.h5_id();
        let mut offset = [0_u64; MAX_RANK];
        offset[0] = row0 as u64;
        let end = (cols0 + ncols).min(self.cols);
        for c in (cols0..end).step_by(self.chunk_cols.max(1)) {
            let w = (self.chunk_cols.min(self.cols - c)) * es;
            let at = (c - cols0) * es;
            // A whole chunk whose rows follow each other in `tile` is stored from there.
            let in_place =
                nrows == self.chunk_rows && w == row_bytes && (nrows == 1 || stride == row_bytes);
            if !in_place {
                for (r, dst) in self.chunk.chunks_exact_mut(row_bytes).enumerate() {
                    if r < nrows {
                        let src = &tile[r * stride + at..r * stride + at + w];
                        dst[..w].copy_from_slice(src);
                        dst[w..].copy_from_slice(&self.fill_row[w..]);
                    } else {
                        dst.copy_from_slice(&self.fill_row);
                    }
                }
            }
            if self.rank > 1 {
                offset[1] = (c / self.inner) as u64;
            }
            let chunk = if in_place {
                &tile[at..at + nrows * row_bytes]
            } else {
                &self.chunk
            };
            let stored = self.encoder.encode(chunk);
            raw::locked(|| {
                // SAFETY: `id` is an open dataset of rank `rank`; `offset` holds that many
                // coordinates of a chunk's first element; `stored` is one encoded chunk,
                // only read during the call.
                raw::check(unsafe {
                    H5Dwrite_chunk(
                        id,
                        H5P_DEFAULT,
                        0,
                        offset.as_ptr(),
                        stored.len(),
                        stored.as_ptr().cast(),
                    )
                })
            })
            .context(|| {
                format!(
                    "{}: write chunk of {} at {:?}",
                    ds.file_name(),
                    ds.path(),
                    &offset[..self.rank]
                )
            })?;
        }
        Ok(())
    }
}
