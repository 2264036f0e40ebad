//! `.npy` files in the other byte order (`>f8` on a little-endian machine), as numpy reads
//! them transparently: [`SwappedArray`] maps the file read-only like an [`MmapArray`] and
//! swaps each element's bytes as it copies it out. It lends no views (a map can only lend
//! the bytes as stored), so block schedulers read it into buffers. ooc itself always
//! writes native order.

use std::path::Path;

use ooc_core::{ArrayMeta, ByteOrder, DType, Element, Footprint, ReadBlock, Region, ViewBlock};

use crate::array::MmapArray;
use crate::error::Result;
use crate::mode::Mode;

/// A read-only `.npy` array of any byte order, read by copying with the bytes put in this
/// machine's order: the way to stream files written on a machine of the other byte order
/// without converting them first. Implements the `ooc-core` read traits; lends no views.
///
/// ```
/// use ooc_core::{ByteOrder, DType, ReadBlock, Region, npy::NpyHeader};
/// use ooc_mmap::SwappedArray;
/// let dir = tempfile::tempdir()?;
/// let path = dir.path().join("be.npy");
/// // What numpy's `np.save(path, np.arange(4, dtype='>i4').reshape(2, 2))` writes.
/// let header = NpyHeader { dtype: DType::I32, order: ByteOrder::Big, fortran_order: false, shape: vec![2, 2] };
/// let mut bytes = header.to_bytes()?;
/// for v in 0_i32..4 {
///     bytes.extend_from_slice(&v.to_be_bytes());
/// }
/// std::fs::write(&path, &bytes)?;
/// let a = SwappedArray::<i32>::open_npy(&path)?;
/// assert_eq!(a.byte_order(), ByteOrder::Big);
/// let mut out = [0_i32; 4];
/// a.read_region(&Region::full(&[2, 2]), &mut out)?;
/// assert_eq!(out, [0, 1, 2, 3]);
/// assert!(ReadBlock::<i32>::as_view(&a).is_none());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct SwappedArray<T: Element> {
    /// The stored bytes, mapped as elements of `T` in the file's order.
    stored: MmapArray<T>,
    order: ByteOrder,
}

impl<T: Element> SwappedArray<T> {
    /// Maps the `.npy` file at `path` read-only, whatever its byte order (for a file in
    /// native order, [`MmapArray::open_npy`] is the faster choice: it lends views).
    ///
    /// # Errors
    /// As [`MmapArray::open_npy`] in [`Mode::ReadOnly`], without
    /// [`crate::MmapError::NonNativeByteOrder`].
    pub fn open_npy(path: impl AsRef<Path>) -> Result<Self> {
        let (stored, order) = MmapArray::open_npy_any_order(path.as_ref(), Mode::ReadOnly)?;
        Ok(SwappedArray { stored, order })
    }

    /// The byte order of the stored elements.
    #[must_use]
    pub fn byte_order(&self) -> ByteOrder {
        self.order
    }

    /// Whether reads swap bytes (the file is not in native order and `T` is wider than
    /// one byte).
    #[must_use]
    pub fn swaps(&self) -> bool {
        !self.order.is_native() && T::DTYPE.size() > 1
    }

    /// The file's path as given.
    #[must_use]
    pub fn path(&self) -> &Path {
        self.stored.path()
    }

    /// Whether the file stores the array in Fortran order.
    #[must_use]
    pub fn fortran_order(&self) -> bool {
        self.stored.fortran_order()
    }
}

impl<T: Element> ArrayMeta for SwappedArray<T> {
    fn shape(&self) -> &[usize] {
        self.stored.shape()
    }

    fn dtype(&self) -> DType {
        T::DTYPE
    }

    fn concurrent_reads(&self) -> bool {
        true
    }
}

impl<T: Element> ReadBlock<T> for SwappedArray<T> {
    fn read_region(&self, region: &Region, out: &mut [T]) -> ooc_core::Result<()> {
        ReadBlock::read_region(&self.stored, region, out)?;
        if self.swaps() {
            for x in out.iter_mut() {
                *x = x.byte_swapped();
            }
        }
        Ok(())
    }

    /// `None`: the mapped bytes are not in this machine's order.
    fn as_view(&self) -> Option<&dyn ViewBlock<T>> {
        None
    }
}

/// As [`MmapArray`]'s: the elements are mapped, not heap.
impl<T: Element> Footprint for SwappedArray<T> {
    fn heap_bytes(&self) -> usize {
        Footprint::heap_bytes(&self.stored)
    }

    fn mapped_bytes(&self) -> usize {
        Footprint::mapped_bytes(&self.stored)
    }

    fn resident_bytes(&self) -> usize {
        Footprint::resident_bytes(&self.stored)
    }
}
