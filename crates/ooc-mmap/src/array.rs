//! [`MmapArray`]: a typed N-D array whose elements live in a file mapped into memory, with
//! ndarray views in C or Fortran order, row access, flushing, access advice and residency.
//! The constructors for `.npy` and raw files are in their own modules; all of them end in
//! [`MmapArray::map_file`], the one place a map is created.

use std::fs::File;
use std::marker::PhantomData;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use memmap2::{Advice, Mmap, MmapMut, MmapOptions, UncheckedAdvice};
use ndarray::{ArrayViewD, ArrayViewMutD, IxDyn, ShapeBuilder};
use ooc_core::Element;
use ooc_core::shape::checked_bytes;

use crate::error::{MmapError, Result};
use crate::mode::{Access, Mode};
use crate::residency;

/// A typed N-D array of `T` mapped from a file (`numpy.memmap`).
///
/// Made by [`MmapArray::open_npy`], [`MmapArray::create_npy`], [`MmapArray::open_raw`] or
/// [`MmapArray::create_raw`]. Elements are read and written in place through
/// [`MmapArray::view`], [`MmapArray::view_mut`], [`MmapArray::row`] and the slices, or
/// through the `ooc-core` block traits. Only the file's native-byte-order data is mapped.
///
/// Dropping a map opened with [`Mode::ReadWrite`] or [`Mode::Create`] flushes it, like
/// numpy on `del`; an error during that flush cannot be reported and is ignored — call
/// [`MmapArray::flush`] first to see it.
///
/// # The contract a map cannot check
/// Lengths are validated before mapping and nothing past the end of the file is ever
/// mapped. But if another process (or this one, through another handle) truncates the
/// file while it is mapped, touching the lost pages raises `SIGBUS` and kills the process;
/// if it rewrites the file, the elements change under the views. Do not shrink or rewrite
/// files while they are mapped.
///
/// ```
/// use ooc_mmap::{MmapArray, Mode};
/// let dir = tempfile::tempdir()?;
/// let path = dir.path().join("a.npy");
/// let mut a = MmapArray::<f32>::create_npy(&path, &[3, 4], false)?;
/// a.row_mut(2)?.copy_from_slice(&[1.0, 2.0, 3.0, 4.0]);
/// a.flush()?;
/// drop(a);
/// let b = MmapArray::<f32>::open_npy(&path, Mode::ReadOnly)?;
/// assert_eq!(b.row(2)?, &[1.0, 2.0, 3.0, 4.0]);
/// assert_eq!(b.view()[[2, 3]], 4.0);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct MmapArray<T: Element> {
    storage: Storage,
    shape: Vec<usize>,
    fortran_order: bool,
    mode: Mode,
    path: PathBuf,
    data_offset: u64,
    /// Set by [`Access::Sequential`]: views released by a scheduler are dropped.
    drop_behind: AtomicBool,
    elem: PhantomData<T>,
}

/// The mapping itself; zero-length arrays have none (memmap2 cannot map zero bytes).
enum Storage {
    Empty,
    ReadOnly(Mmap),
    Writable(MmapMut),
}

/// Refuses shapes ndarray cannot view: those whose non-zero extents multiply past
/// `isize::MAX` bytes even though a zero extent leaves them empty (`[usize::MAX, 0]`).
/// `checked_bytes` counts such a shape as 0 bytes; without this check `view` panicked.
fn check_viewable(shape: &[usize], elem_size: usize) -> Result<()> {
    let nonzero: Vec<usize> = shape.iter().copied().filter(|&d| d != 0).collect();
    if checked_bytes(&nonzero, elem_size).is_err() {
        return Err(ooc_core::Error::ShapeOverflow {
            shape: shape.to_vec(),
            elem_size,
        }
        .into());
    }
    Ok(())
}

/// Bytes of `shape` elements of `T`, for a shape that can be mapped and viewed.
pub(crate) fn data_bytes<T: Element>(shape: &[usize]) -> Result<usize> {
    let bytes = checked_bytes(shape, T::DTYPE.size())?;
    check_viewable(shape, T::DTYPE.size())?;
    Ok(bytes)
}

/// The file offset one past `bytes` bytes of `T` stored `offset` bytes into a file, for
/// an offset that suits `T`'s alignment.
pub(crate) fn data_end<T: Element>(offset: u64, bytes: usize) -> Result<u64> {
    let align = std::mem::align_of::<T>();
    if !offset.is_multiple_of(align as u64) {
        return Err(MmapError::Misaligned {
            offset,
            dtype: T::DTYPE,
            align,
        });
    }
    u64::try_from(bytes)
        .ok()
        .and_then(|b| offset.checked_add(b))
        .ok_or(MmapError::OffsetOverflow { offset, bytes })
}

impl<T: Element> MmapArray<T> {
    /// Maps `shape` elements of `T` starting `offset` bytes into `file` (which has
    /// `file_len` bytes and was opened with the access `mode` needs).
    pub(crate) fn map_file(
        file: &File,
        path: &Path,
        file_len: u64,
        shape: Vec<usize>,
        fortran_order: bool,
        offset: u64,
        mode: Mode,
    ) -> Result<Self> {
        let bytes = data_bytes::<T>(&shape)?;
        let end = data_end::<T>(offset, bytes)?;
        if end > file_len {
            return Err(MmapError::FileTooShort {
                path: path.to_path_buf(),
                needed: end,
                actual: file_len,
            });
        }
        let storage = if bytes == 0 {
            Storage::Empty
        } else {
            let mut options = MmapOptions::new();
            options.offset(offset).len(bytes);
            let mapped = match mode {
                // SAFETY: `offset + bytes <= file_len` was checked just above, so the map
                // lies inside the file and no page past its end is mapped. The remaining
                // contract, that no one truncates the file while it is mapped, cannot be
                // checked by a map; it is documented on `MmapArray`.
                Mode::ReadOnly => unsafe { options.map(file) }.map(Storage::ReadOnly),
                Mode::ReadWrite | Mode::Create => {
                    // SAFETY: as above; `file` was opened for writing by the caller.
                    unsafe { options.map_mut(file) }.map(Storage::Writable)
                }
                // SAFETY: as above; a private map never writes to the file.
                Mode::CopyOnWrite => unsafe { options.map_copy(file) }.map(Storage::Writable),
            };
            mapped.map_err(|e| MmapError::io("map", path, e))?
        };
        Ok(MmapArray {
            storage,
            shape,
            fortran_order,
            mode,
            path: path.to_path_buf(),
            data_offset: offset,
            drop_behind: AtomicBool::new(false),
            elem: PhantomData,
        })
    }

    /// Extent in each dimension.
    #[must_use]
    pub fn shape(&self) -> &[usize] {
        &self.shape
    }

    /// Number of elements.
    #[must_use]
    pub fn len(&self) -> usize {
        self.shape.iter().product()
    }

    /// Whether the array has no element (a 0-d array has one).
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether the elements are stored in Fortran (column-major) order.
    #[must_use]
    pub fn fortran_order(&self) -> bool {
        self.fortran_order
    }

    /// Whether storage order is C order: not Fortran, or a shape (0-d, 1-D) where both
    /// orders coincide.
    #[must_use]
    pub fn is_c_order(&self) -> bool {
        !self.fortran_order || self.shape.len() <= 1
    }

    /// The mode the map was opened in.
    #[must_use]
    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// The mapped file.
    #[must_use]
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Byte offset of the first element in the file.
    #[must_use]
    pub fn data_offset(&self) -> u64 {
        self.data_offset
    }

    /// Bytes of elements (and of the mapping; 0 when nothing is mapped).
    #[must_use]
    pub fn byte_len(&self) -> usize {
        self.len() * std::mem::size_of::<T>()
    }

    /// The elements in storage order (C or Fortran, see [`MmapArray::fortran_order`]).
    ///
    /// # Panics
    /// Never: length and alignment are checked when the map is made.
    #[must_use]
    pub fn as_slice(&self) -> &[T] {
        match &self.storage {
            Storage::Empty => &[],
            Storage::ReadOnly(m) => bytemuck::cast_slice(&m[..]),
            Storage::Writable(m) => bytemuck::cast_slice(&m[..]),
        }
    }

    /// The elements in storage order, for writing.
    ///
    /// # Errors
    /// [`MmapError::ReadOnly`] when the map was opened with [`Mode::ReadOnly`].
    ///
    /// # Panics
    /// Never: length and alignment are checked when the map is made.
    pub fn as_slice_mut(&mut self) -> Result<&mut [T]> {
        match &mut self.storage {
            Storage::Empty if self.mode.is_writable() => Ok(&mut []),
            Storage::Writable(m) => Ok(bytemuck::cast_slice_mut(&mut m[..])),
            Storage::Empty | Storage::ReadOnly(_) => Err(MmapError::ReadOnly {
                path: self.path.clone(),
                what: "writing elements",
            }),
        }
    }

    fn ndarray_shape(&self) -> ndarray::Shape<IxDyn> {
        IxDyn(&self.shape).set_f(self.fortran_order)
    }

    /// The array as an ndarray view, indexed logically whatever the storage order.
    ///
    /// # Panics
    /// Never: the shape matches the mapped length by construction.
    #[must_use]
    pub fn view(&self) -> ArrayViewD<'_, T> {
        ArrayViewD::from_shape(self.ndarray_shape(), self.as_slice())
            .expect("mapped length matches the shape")
    }

    /// The array as a mutable ndarray view.
    ///
    /// # Errors
    /// [`MmapError::ReadOnly`] when the map was opened with [`Mode::ReadOnly`].
    ///
    /// # Panics
    /// Never: the shape matches the mapped length by construction.
    pub fn view_mut(&mut self) -> Result<ArrayViewMutD<'_, T>> {
        let shape = self.ndarray_shape();
        let data = self.as_slice_mut()?;
        Ok(ArrayViewMutD::from_shape(shape, data).expect("mapped length matches the shape"))
    }

    fn row_range(&self, row: usize) -> Result<std::ops::Range<usize>> {
        match self.shape[..] {
            [rows, cols] if !self.fortran_order || rows <= 1 || cols <= 1 => {
                if row < rows {
                    Ok(row * cols..(row + 1) * cols)
                } else {
                    Err(MmapError::RowOutOfRange { row, rows })
                }
            }
            _ => Err(MmapError::NotRowMajor2D {
                shape: self.shape.clone(),
                fortran_order: self.fortran_order,
            }),
        }
    }

    /// Row `row` of a 2-D C-order array, in place.
    ///
    /// # Errors
    /// [`MmapError::NotRowMajor2D`] when the array is not 2-D in C order,
    /// [`MmapError::RowOutOfRange`] when `row` is past the last row.
    pub fn row(&self, row: usize) -> Result<&[T]> {
        let range = self.row_range(row)?;
        Ok(&self.as_slice()[range])
    }

    /// Row `row` of a 2-D C-order array, for writing in place.
    ///
    /// # Errors
    /// As [`MmapArray::row`], and [`MmapError::ReadOnly`] for a read-only map.
    pub fn row_mut(&mut self, row: usize) -> Result<&mut [T]> {
        let range = self.row_range(row)?;
        Ok(&mut self.as_slice_mut()?[range])
    }

    /// Writes changed pages to the file and waits until they are on disk (`msync`).
    ///
    /// Does nothing for read-only and copy-on-write maps (whose writes never reach the
    /// file) and for empty arrays.
    ///
    /// # Errors
    /// [`MmapError::Io`] when the kernel reports a write error.
    pub fn flush(&self) -> Result<()> {
        match &self.storage {
            Storage::Writable(m) if self.mode.writes_to_file() => {
                m.flush().map_err(|e| MmapError::io("flush", &self.path, e))
            }
            _ => Ok(()),
        }
    }

    /// Starts writing changed pages to the file without waiting for them.
    ///
    /// # Errors
    /// [`MmapError::Io`] when the kernel refuses the request.
    pub fn flush_async(&self) -> Result<()> {
        match &self.storage {
            Storage::Writable(m) if self.mode.writes_to_file() => m
                .flush_async()
                .map_err(|e| MmapError::io("flush", &self.path, e)),
            _ => Ok(()),
        }
    }

    /// Tells the kernel how the pages will be used (`madvise`). After
    /// [`Access::Sequential`], regions a scheduler releases once it has used them
    /// ([`ooc_core::ViewBlock::release_region`]) are dropped from memory, so one pass over a
    /// map larger than RAM does not fill the page cache; any other advice stops that.
    ///
    /// # Errors
    /// [`MmapError::AdviceRefused`] for [`Access::DontNeed`] on a copy-on-write map (it
    /// would silently discard the map's private writes); [`MmapError::Io`] when the kernel
    /// refuses the advice.
    pub fn advise(&self, access: Access) -> Result<()> {
        let checked = match access {
            Access::Sequential => Some(Advice::Sequential),
            Access::Random => Some(Advice::Random),
            Access::WillNeed => Some(Advice::WillNeed),
            Access::DontNeed => None,
        };
        if access == Access::DontNeed && self.mode == Mode::CopyOnWrite {
            return Err(MmapError::AdviceRefused {
                advice: access.name(),
            });
        }
        self.drop_behind
            .store(access == Access::Sequential, Ordering::Relaxed);
        let done = match (&self.storage, checked) {
            (Storage::Empty, _) => Ok(()),
            (Storage::ReadOnly(m), Some(a)) => m.advise(a),
            (Storage::Writable(m), Some(a)) => m.advise(a),
            // SAFETY: this is a shared file mapping (copy-on-write maps were refused
            // above): dropped pages keep their contents in the page cache or the file and
            // are faulted back unchanged on the next access, so no reference observes a
            // change.
            (Storage::ReadOnly(m), None) => unsafe {
                m.unchecked_advise(UncheckedAdvice::DontNeed)
            },
            // SAFETY: as above; dirty shared pages stay in the page cache and reach the file.
            (Storage::Writable(m), None) => unsafe {
                m.unchecked_advise(UncheckedAdvice::DontNeed)
            },
        };
        done.map_err(|e| MmapError::io("advise", &self.path, e))
    }

    /// Gives back the pages lying wholly inside `elements` (a view of this map) after a
    /// pass used them, so the resident set stays within the pass's budget: from the
    /// process only (they stay in the page cache, so the next pass is warm), or out of
    /// memory altogether when the map was last advised [`Access::Sequential`] (a pass
    /// that reads once in order then leaves the page cache as it found it). Pages are read
    /// back from the file if touched again. Copy-on-write maps keep their pages, which may
    /// hold changes the file does not. A hint: refusals are ignored.
    pub(crate) fn drop_behind(&self, elements: &[T]) {
        if self.mode == Mode::CopyOnWrite {
            return;
        }
        let how = if self.drop_behind.load(Ordering::Relaxed) {
            ooc_core::pages::Release::FromCache
        } else {
            ooc_core::pages::Release::FromProcess
        };
        // SAFETY: `elements` lies in this map, which is read-only or shared (copy-on-write
        // maps returned above), so released pages come back unchanged from the file.
        unsafe { ooc_core::pages::release(bytemuck::cast_slice(elements), how) };
    }

    /// Bytes of the map resident in memory right now (`mincore`), counted in whole pages
    /// and capped at [`MmapArray::byte_len`].
    ///
    /// # Errors
    /// [`MmapError::Io`] when `mincore` fails.
    pub fn resident_bytes(&self) -> Result<usize> {
        let bytes: &[u8] = match &self.storage {
            Storage::Empty => return Ok(0),
            Storage::ReadOnly(m) => m,
            Storage::Writable(m) => m,
        };
        residency::resident_bytes(bytes).map_err(|e| MmapError::io("mincore", &self.path, e))
    }
}

impl<T: Element> Drop for MmapArray<T> {
    fn drop(&mut self) {
        // numpy flushes on `del`; a failure here has nowhere to go (documented on the type).
        let _ = self.flush();
    }
}

impl<T: Element> std::fmt::Debug for MmapArray<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MmapArray")
            .field("dtype", &T::DTYPE)
            .field("shape", &self.shape)
            .field("fortran_order", &self.fortran_order)
            .field("mode", &self.mode)
            .field("path", &self.path)
            .field("data_offset", &self.data_offset)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use crate::{MmapArray, MmapError, Mode, RawLayout};

    // Found by the `raw_open` fuzz target: a raw layout of shape `[huge, 0]` opened (it
    // holds no bytes), then `view` panicked inside ndarray with an overflow.
    #[test]
    fn empty_shapes_with_unaddressable_extents_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.raw");
        std::fs::write(&path, [0_u8; 16]).unwrap();
        for shape in [vec![usize::MAX, 0], vec![0, 1 << 62, 4]] {
            let layout = RawLayout::c_order(shape.clone());
            let err = MmapArray::<f32>::open_raw(&path, &layout, Mode::ReadOnly)
                .err()
                .unwrap();
            assert!(
                matches!(err, MmapError::Core(ooc_core::Error::ShapeOverflow { .. })),
                "{shape:?}: {err}"
            );
            let new = dir.path().join("y.raw");
            assert!(MmapArray::<f32>::create_raw(&new, &layout).is_err());
            assert!(!new.exists(), "a refused layout left a file");
            assert!(MmapArray::<f32>::create_npy(dir.path().join("z.npy"), &shape, false).is_err());
        }
        // Empty shapes ndarray can hold still open and view.
        let layout = RawLayout::c_order(vec![1 << 20, 0]);
        let a = MmapArray::<f32>::open_raw(&path, &layout, Mode::ReadOnly).unwrap();
        assert_eq!(a.view().len(), 0);
    }
}
