//! Raw files without a header (`np.memmap` semantics): the caller states element type
//! (`T`), shape, byte offset and order on every open. A file longer than offset plus data
//! is fine, as in numpy; a shorter one is an error.

use std::path::Path;

use ooc_core::Element;

use crate::array::{MmapArray, data_bytes, data_end};
use crate::error::Result;
use crate::file::{create_sized, open_existing};
use crate::layout::RawLayout;
use crate::mode::Mode;

impl<T: Element> MmapArray<T> {
    /// Maps a raw file as an array of `T` laid out as `layout` (`np.memmap(path, dtype,
    /// mode, offset, shape, order)`). [`Mode::Create`] creates the file, as
    /// [`MmapArray::create_raw`].
    ///
    /// ```
    /// use ooc_mmap::{MmapArray, Mode, RawLayout};
    /// let dir = tempfile::tempdir()?;
    /// let path = dir.path().join("a.bin");
    /// std::fs::write(&path, [0_u8, 0, 0, 0, 1, 0, 2, 0])?;
    /// let a = MmapArray::<u16>::open_raw(&path, &RawLayout::c_order(vec![2]).with_offset(4), Mode::ReadOnly)?;
    /// assert_eq!(a.as_slice(), &[u16::from_ne_bytes([1, 0]), u16::from_ne_bytes([2, 0])]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// [`MmapError::Io`](crate::MmapError::Io) (missing file, no permission) or [`MmapError::NotAFile`](crate::MmapError::NotAFile);
    /// [`MmapError::Core`](crate::MmapError::Core) when the shape's size overflows; [`MmapError::Misaligned`](crate::MmapError::Misaligned) when
    /// the offset is not a multiple of `T`'s alignment; [`MmapError::FileTooShort`](crate::MmapError::FileTooShort) when
    /// the file ends before offset plus data.
    pub fn open_raw(path: impl AsRef<Path>, layout: &RawLayout, mode: Mode) -> Result<Self> {
        let path = path.as_ref();
        if mode == Mode::Create {
            return Self::create_raw(path, layout);
        }
        let (file, file_len) = open_existing(path, mode == Mode::ReadWrite)?;
        Self::map_file(
            &file,
            path,
            file_len,
            layout.shape.clone(),
            layout.fortran_order,
            layout.offset,
            mode,
        )
    }

    /// Creates (or overwrites) a raw file of `layout.offset` plus data bytes, all zero, and
    /// maps it read-write (`np.memmap(..., mode='w+')`). The disk space is reserved now.
    ///
    /// # Errors
    /// [`MmapError::Core`](crate::MmapError::Core) when the shape's size overflows; [`MmapError::Misaligned`](crate::MmapError::Misaligned) for
    /// an offset that does not suit `T`; [`MmapError::OffsetOverflow`](crate::MmapError::OffsetOverflow);
    /// [`MmapError::NoSpace`](crate::MmapError::NoSpace) when the disk cannot hold the file; [`MmapError::Io`](crate::MmapError::Io) or
    /// [`MmapError::NotAFile`](crate::MmapError::NotAFile) when it cannot be created.
    pub fn create_raw(path: impl AsRef<Path>, layout: &RawLayout) -> Result<Self> {
        let path = path.as_ref();
        let bytes = data_bytes::<T>(&layout.shape)?;
        let total = data_end::<T>(layout.offset, bytes)?;
        let file = create_sized(path, total, &[])?;
        Self::map_file(
            &file,
            path,
            total,
            layout.shape.clone(),
            layout.fortran_order,
            layout.offset,
            Mode::Create,
        )
    }
}
