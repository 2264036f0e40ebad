//! Row-by-row writing that combines rows into chunk-aligned blocks. Writing one row at a
//! time into chunks several rows tall makes the library read, update and rewrite every
//! chunk the row touches, once per row (or keep them all in its cache); a [`RowWriter`]
//! buffers whole chunk rows and hands each to the library in one call, so every chunk is
//! written once.

use ooc_core::{Element, Region};

use crate::dataset::Dataset;
use crate::error::{Error, Result};

/// Buffers rows (along the first dimension) and writes them in blocks aligned to the
/// dataset's chunk rows. Made by [`Dataset::row_writer`]; call [`RowWriter::finish`] to
/// write the last partial block and see its errors (dropping also writes it, silently).
///
/// The buffer holds one block: `chunk rows × row length` elements (one row for contiguous
/// datasets, which need no combining).
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
    buf: Vec<T>,
    row_len: usize,
    block_rows: usize,
    /// First row of the buffered block.
    block_start: usize,
    /// Rows buffered.
    buffered: usize,
}

impl Dataset {
    /// A writer of consecutive rows starting at `start_row`, combining them into blocks
    /// aligned to chunk rows.
    ///
    /// # Errors
    /// [`Error::ReadOnly`]; [`ooc_core::Error::DTypeMismatch`] when `T` is not the stored
    /// type; [`ooc_core::Error::RankMismatch`] for a scalar dataset;
    /// [`ooc_core::Error::OutOfBounds`] when `start_row` is past the end.
    pub fn row_writer<T: Element>(&mut self, start_row: usize) -> Result<RowWriter<'_, T>> {
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
        let row_len = rest.iter().product();
        let block_rows = self.chunk().map_or(1, |c| c[0].max(1));
        Ok(RowWriter {
            dataset: self,
            buf: Vec::new(),
            row_len,
            block_rows,
            block_start: start_row,
            buffered: 0,
        })
    }
}

impl<T: Element> RowWriter<'_, T> {
    /// Rows in the block being filled: up to the next chunk-row boundary.
    fn block_len(&self) -> usize {
        self.block_rows - self.block_start % self.block_rows
    }

    /// Appends one row.
    ///
    /// # Errors
    /// [`ooc_core::Error::BufferLength`] when `row` is not one row long;
    /// [`ooc_core::Error::OutOfBounds`] past the last row; library errors when a full
    /// block is written.
    pub fn push(&mut self, row: &[T]) -> Result<()> {
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
        if self.block_len() == 1 && self.buffered == 0 {
            // A block of one row: no need to copy it.
            self.dataset.write_rows(next, row)?;
            self.block_start += 1;
            return Ok(());
        }
        if self.buffered == 0 {
            self.buf.reserve_exact(self.block_len() * self.row_len);
        }
        self.buf.extend_from_slice(row);
        self.buffered += 1;
        if self.buffered == self.block_len() || next + 1 == rows {
            self.write_block()?;
        }
        Ok(())
    }

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

    /// Writes the rows still buffered.
    ///
    /// # Errors
    /// Library errors of that last write.
    pub fn finish(mut self) -> Result<()> {
        self.write_block()
    }
}

impl<T: Element> Drop for RowWriter<'_, T> {
    fn drop(&mut self) {
        // Errors here cannot be reported; `finish` is the way to see them.
        let _ = self.write_block();
    }
}
