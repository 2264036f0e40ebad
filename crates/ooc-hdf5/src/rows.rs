//! Row-by-row writing that combines rows into whole chunks. Writing one row at a time into
//! chunks several rows tall makes the library read, update and rewrite every chunk the row
//! touches, once per row (or keep them all in its cache); a [`RowWriter`] collects a
//! band of rows (one chunk row of the dataset) and writes each chunk once, whole.
//!
//! Where it can ([`crate::direct`]: native element type, shuffle and deflate filters
//! only), the writer gathers each chunk itself and stores it with a direct chunk write;
//! otherwise it hands row blocks to the library. A band larger than the writer's buffer
//! is spilled to an unnamed temporary file beside the HDF5 file and gathered from there
//! tile by tile, so memory stays bounded whatever the chunk shape.

use std::fs::File as StdFile;
use std::os::unix::fs::FileExt;
use std::path::Path;

use ndarray::{ArrayView1, AsArray};
use ooc_core::{Element, Region};

use crate::dataset::Dataset;
use crate::direct::DirectWriter;
use crate::error::{Error, Result};

/// Bytes of rows a [`RowWriter`] made by [`Dataset::row_writer`] keeps in memory, 64 MiB.
pub const DEFAULT_ROW_BUFFER_BYTES: usize = 64 << 20;

/// Bytes of a band read back from the spill file at a time (at least one chunk column).
const TILE_BYTES: usize = 8 << 20;

/// Buffers rows (along the first dimension) and writes whole chunks. Made by
/// [`Dataset::row_writer`]; call [`RowWriter::finish`] to write the last partial band
/// and see its errors (dropping also writes it, silently).
///
/// Memory: at most the buffer size given at creation (rows of the band being filled),
/// plus one chunk and up to two filtered copies of it, plus, when a band does not fit the
/// buffer and is spilled to an unnamed temporary file next to the HDF5 file (which then
/// needs a band's worth of free space), a read-back tile of 8 MiB (or one chunk if that
/// is larger).
///
/// Rows of a band that the writer starts in the middle of, or leaves before its end, are
/// written through the library, so rows outside the ones pushed keep their contents.
///
/// ```
/// use ooc_hdf5::File;
/// let dir = tempfile::tempdir()?;
/// let file = File::create(dir.path().join("rows.h5"))?;
/// let mut ds = file.new_dataset::<f32>("x").shape([10, 1000]).chunk([4, 100]).create()?;
/// let mut rows = ds.row_writer::<f32>(0)?;
/// for r in 0..10 {
///     rows.push(&vec![r as f32; 1000])?;
/// }
/// rows.finish()?;
/// let mut last = vec![0.0_f32; 1000];
/// ds.read_rows(9, &mut last)?;
/// assert!(last.iter().all(|&v| v == 9.0));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct RowWriter<'a, T: Element> {
    dataset: &'a mut Dataset,
    /// Rows buffered in memory (C order).
    buf: Vec<T>,
    row_len: usize,
    /// Rows of a band (chunk rows; 1 for contiguous datasets).
    band_rows: usize,
    /// Most rows kept in memory at once.
    max_buffered: usize,
    /// First row not yet written (nor buffered).
    block_start: usize,
    /// Rows buffered (in `buf` or the spill file) from `block_start` on.
    buffered: usize,
    direct: Option<DirectWriter>,
    /// Where a band too large for the buffer goes, once the first one is started.
    spill: Option<StdFile>,
    /// Read-back tile of a spilled band.
    tile: Vec<u8>,
    /// A row pushed as a strided view, gathered.
    gathered: Vec<T>,
}

impl Dataset {
    /// A writer of consecutive rows starting at `start_row` that writes whole chunks,
    /// keeping at most [`DEFAULT_ROW_BUFFER_BYTES`] of rows in memory.
    ///
    /// # Errors
    /// As [`Dataset::row_writer_with_buffer`].
    pub fn row_writer<T: Element>(&mut self, start_row: usize) -> Result<RowWriter<'_, T>> {
        self.row_writer_with_buffer(start_row, DEFAULT_ROW_BUFFER_BYTES)
    }

    /// A writer of consecutive rows starting at `start_row` that keeps at most
    /// `buffer_bytes` of rows in memory (at least one row). Bands of chunks larger than
    /// that are spilled to a temporary file next to the dataset's file.
    ///
    /// ```
    /// use ooc_hdf5::File;
    /// let dir = tempfile::tempdir()?;
    /// let file = File::create(dir.path().join("small.h5"))?;
    /// let mut ds = file.new_dataset::<u16>("x").shape([50, 300]).chunk([50, 7]).create()?;
    /// // A band is 50 × 300 × 2 bytes; keep only 4 KB of it in memory.
    /// let mut rows = ds.row_writer_with_buffer::<u16>(0, 4096)?;
    /// for r in 0..50 {
    ///     rows.push(&vec![r; 300])?;
    /// }
    /// rows.finish()?;
    /// assert_eq!(ds.read_vec::<u16>()?[49 * 300], 49);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::ReadOnly`]; [`ooc_core::Error::DTypeMismatch`] when `T` is not the stored
    /// type; [`ooc_core::Error::RankMismatch`] for a scalar dataset;
    /// [`ooc_core::Error::OutOfBounds`] when `start_row` is past the end;
    /// [`Error::Library`] when the dataset's storage cannot be described.
    pub fn row_writer_with_buffer<T: Element>(
        &mut self,
        start_row: usize,
        buffer_bytes: usize,
    ) -> Result<RowWriter<'_, T>> {
        if !self.is_writable() {
            return Err(Error::ReadOnly(format!(
                "{} (dataset {})",
                self.file_name(),
                self.path()
            )));
        }
        if T::DTYPE != self.dtype() {
            return Err(Error::Core(ooc_core::Error::DTypeMismatch {
                stored: self.dtype(),
                requested: T::DTYPE,
            }));
        }
        let shape = self.shape().to_vec();
        let Some((&rows, rest)) = shape.split_first() else {
            return Err(Error::Core(ooc_core::Error::RankMismatch {
                expected: 0,
                found: 1,
            }));
        };
        if start_row > rows {
            return Err(Error::Core(ooc_core::Error::OutOfBounds {
                start: vec![start_row],
                shape: vec![0],
                array: shape.clone(),
            }));
        }
        let row_len: usize = rest.iter().product();
        let band_rows = self.chunk().map_or(1, |c| c[0].max(1));
        let row_bytes = (row_len * T::DTYPE.size()).max(1);
        let max_buffered = (buffer_bytes / row_bytes).max(1);
        let direct = DirectWriter::for_dataset(self)?;
        Ok(RowWriter {
            dataset: self,
            buf: Vec::new(),
            row_len,
            band_rows,
            max_buffered,
            block_start: start_row,
            buffered: 0,
            direct,
            spill: None,
            tile: Vec::new(),
            gathered: Vec::new(),
        })
    }
}

impl<T: Element> RowWriter<'_, T> {
    /// Rows from `block_start` to the end of its band (or of the dataset).
    fn band_left(&self) -> usize {
        let rows = self.dataset.shape()[0];
        let to_band_end = self.band_rows - self.block_start % self.band_rows;
        to_band_end.min(rows - self.block_start)
    }

    /// Whether the rows from `block_start` are a whole band written chunk by chunk.
    fn is_direct_band(&self) -> bool {
        self.direct.is_some() && self.block_start.is_multiple_of(self.band_rows)
    }

    fn row_bytes(&self) -> usize {
        self.row_len * T::DTYPE.size()
    }

    /// Appends one row: a slice, or any one-dimensional ndarray array or view (a view
    /// with strides, such as a matrix column, is gathered into a buffer the writer keeps).
    ///
    /// ```
    /// use ndarray::Array2;
    /// use ooc_hdf5::File;
    /// let dir = tempfile::tempdir()?;
    /// let file = File::create(dir.path().join("cols.h5"))?;
    /// let a = Array2::from_shape_fn((3, 4), |(i, j)| (i * 4 + j) as f64);
    /// let mut ds = file.new_dataset::<f64>("t").shape([4, 3]).create()?;
    /// let mut rows = ds.row_writer::<f64>(0)?;
    /// for column in a.columns() {
    ///     rows.push(column)?;
    /// }
    /// rows.finish()?;
    /// assert_eq!(ds.read_array::<f64, ndarray::Ix2>()?, a.t());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// [`ooc_core::Error::BufferLength`] when `row` is not one row long;
    /// [`ooc_core::Error::OutOfBounds`] past the last row; [`Error::Io`] when the spill
    /// file cannot be written; library errors when a band is written.
    pub fn push<'r>(&mut self, row: impl AsArray<'r, T>) -> Result<()>
    where
        T: 'r,
    {
        let row: ArrayView1<'r, T> = row.into();
        if let Some(contiguous) = row.as_slice() {
            return self.push_slice(contiguous);
        }
        let mut gathered = std::mem::take(&mut self.gathered);
        gathered.clear();
        gathered.extend(row.iter().copied());
        let result = self.push_slice(&gathered);
        self.gathered = gathered;
        result
    }

    fn push_slice(&mut self, row: &[T]) -> Result<()> {
        if row.len() != self.row_len {
            return Err(Error::Core(ooc_core::Error::BufferLength {
                expected: self.row_len,
                found: row.len(),
            }));
        }
        let next = self.block_start + self.buffered;
        let rows = self.dataset.shape()[0];
        if next >= rows {
            return Err(Error::Core(ooc_core::Error::OutOfBounds {
                start: vec![next],
                shape: vec![1],
                array: self.dataset.shape().to_vec(),
            }));
        }
        let band_left = self.band_left();
        if self.is_direct_band() {
            if band_left == 1 {
                // A band of one row: its chunks come straight from `row`.
                return self.write_direct_row(next, row);
            }
            if self.spills() {
                self.spill_row(row)?;
            } else {
                self.buffer_row(row, band_left);
            }
            self.buffered += 1;
            if self.buffered == band_left {
                self.write_band()?;
            }
        } else {
            if self.buffered == 0 && (band_left == 1 || self.max_buffered == 1) {
                // A block of one row: no need to copy it.
                self.dataset.write_rows(next, row)?;
                self.block_start += 1;
                return Ok(());
            }
            self.buffer_row(row, band_left);
            self.buffered += 1;
            if self.buffered == band_left || self.buffered == self.max_buffered {
                self.write_block()?;
            }
        }
        Ok(())
    }

    /// Whether the band being filled is written chunk by chunk but too large for the
    /// buffer, so its rows go to the spill file.
    fn spills(&self) -> bool {
        self.is_direct_band() && self.band_left() > self.max_buffered
    }

    fn buffer_row(&mut self, row: &[T], band_left: usize) {
        if self.buffered == 0 {
            self.buf
                .reserve_exact(band_left.min(self.max_buffered) * self.row_len);
        }
        self.buf.extend_from_slice(row);
    }

    /// Writes the chunks of a one-row band from `row` itself.
    fn write_direct_row(&mut self, at: usize, row: &[T]) -> Result<()> {
        let stride = self.row_bytes();
        let ncols = self.row_len;
        let result = match self.direct.as_mut() {
            Some(direct) => direct.write_tile(
                self.dataset,
                at,
                0,
                ncols,
                bytemuck::cast_slice(row),
                stride,
            ),
            None => Ok(()),
        };
        self.block_start += 1;
        result
    }

    /// Stores row `buffered` of a spilled band in the spill file.
    fn spill_row(&mut self, row: &[T]) -> Result<()> {
        if self.spill.is_none() {
            self.spill = Some(spill_file(self.dataset.file_path())?);
        }
        let at = (self.buffered * self.row_bytes()) as u64;
        if let Some(file) = &self.spill {
            file.write_all_at(bytemuck::cast_slice(row), at)
                .map_err(|e| self.spill_error("write", e))?;
        }
        Ok(())
    }

    fn spill_error(&self, what: &str, e: std::io::Error) -> Error {
        Error::io(
            format!(
                "{}: {what} rows of {} in a temporary file",
                self.dataset.file_name(),
                self.dataset.path()
            ),
            e,
        )
    }

    /// Writes the buffered rows, which reach the end of their band.
    fn write_band(&mut self) -> Result<()> {
        if !self.is_direct_band() {
            return self.write_block();
        }
        let row0 = self.block_start;
        let result = if self.spills() {
            self.write_spilled_band(row0)
        } else {
            let stride = self.row_bytes();
            let ncols = self.row_len;
            let dataset = &*self.dataset;
            match self.direct.as_mut() {
                Some(direct) => direct.write_tile(
                    dataset,
                    row0,
                    0,
                    ncols,
                    bytemuck::cast_slice(&self.buf),
                    stride,
                ),
                None => Ok(()),
            }
        };
        self.block_start += self.buffered;
        self.buffered = 0;
        self.buf.clear();
        result
    }

    /// Gathers a spilled band back tile by tile and writes its chunks.
    fn write_spilled_band(&mut self, row0: usize) -> Result<()> {
        let es = T::DTYPE.size();
        let row_bytes = self.row_bytes();
        let nrows = self.buffered;
        let Some(direct) = self.direct.as_mut() else {
            return Ok(());
        };
        let chunk_cols = direct.chunk_cols().max(1);
        let column_bytes = (nrows * chunk_cols * es).max(1);
        let tile_cols = (TILE_BYTES / column_bytes).max(1) * chunk_cols;
        for cols0 in (0..self.row_len).step_by(tile_cols) {
            let ncols = tile_cols.min(self.row_len - cols0);
            let stride = ncols * es;
            // Every byte is read over below: grow the tile, never clear it.
            if self.tile.len() < nrows * stride {
                self.tile.resize(nrows * stride, 0);
            }
            let tile = &mut self.tile[..nrows * stride];
            if let Some(file) = &self.spill {
                for (r, dst) in tile.chunks_exact_mut(stride).enumerate() {
                    let at = (r * row_bytes + cols0 * es) as u64;
                    if let Err(e) = file.read_exact_at(dst, at) {
                        return Err(Error::io(
                            format!(
                                "{}: read back rows of {} from a temporary file",
                                self.dataset.file_name(),
                                self.dataset.path()
                            ),
                            e,
                        ));
                    }
                }
            }
            direct.write_tile(self.dataset, row0, cols0, ncols, tile, stride)?;
        }
        Ok(())
    }

    /// Writes the rows buffered in memory through the library.
    fn write_block(&mut self) -> Result<()> {
        if self.buffered == 0 {
            return Ok(());
        }
        let mut region = Region::full(self.dataset.shape());
        region.start[0] = self.block_start;
        region.shape[0] = self.buffered;
        let result = self.dataset.write_region(&region, &self.buf);
        self.block_start += self.buffered;
        self.buffered = 0;
        self.buf.clear();
        result
    }

    /// Writes the rows of an unfinished spilled band through the library, as many at a
    /// time as the buffer holds.
    fn write_spilled_rows(&mut self) -> Result<()> {
        let row_bytes = self.row_bytes();
        let total = self.buffered;
        let first = self.block_start;
        let mut result = Ok(());
        let mut done = 0;
        while done < total && result.is_ok() {
            let n = self.max_buffered.min(total - done);
            self.buf.clear();
            self.buf.resize(n * self.row_len, T::default());
            if let Some(file) = &self.spill {
                let at = (done * row_bytes) as u64;
                if let Err(e) = file.read_exact_at(bytemuck::cast_slice_mut(&mut self.buf), at) {
                    result = Err(self.spill_error("read back", e));
                    break;
                }
            }
            result = self.dataset.write_rows(first + done, &self.buf);
            done += n;
        }
        self.block_start += total;
        self.buffered = 0;
        self.buf.clear();
        result
    }

    /// Writes what is buffered: a band cut short goes through the library.
    fn flush_rest(&mut self) -> Result<()> {
        if self.buffered == 0 {
            Ok(())
        } else if self.spills() {
            self.write_spilled_rows()
        } else {
            self.write_block()
        }
    }

    /// Writes the rows still buffered.
    ///
    /// # Errors
    /// [`Error::Io`] when a spilled band cannot be read back; library errors of that
    /// last write.
    pub fn finish(mut self) -> Result<()> {
        self.flush_rest()
    }
}

impl<T: Element> Drop for RowWriter<'_, T> {
    fn drop(&mut self) {
        // Errors here cannot be reported; `finish` is the way to see them.
        let _ = self.flush_rest();
    }
}

/// An unnamed temporary file in the directory of `beside` (removed when closed).
fn spill_file(beside: &Path) -> Result<StdFile> {
    use std::os::unix::fs::OpenOptionsExt;
    let dir = match beside.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    };
    let unnamed = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .mode(0o600)
        .custom_flags(libc::O_TMPFILE)
        .open(&dir);
    if let Ok(file) = unnamed {
        return Ok(file);
    }
    // Filesystems without O_TMPFILE: a hidden name, removed at once.
    let name = dir.join(format!(
        ".ooc-rows-{}-{:x}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos())
    ));
    let file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&name)
        .map_err(|e| Error::io(format!("create a temporary file in {}", dir.display()), e))?;
    std::fs::remove_file(&name)
        .map_err(|e| Error::io(format!("remove temporary file {}", name.display()), e))?;
    Ok(file)
}
