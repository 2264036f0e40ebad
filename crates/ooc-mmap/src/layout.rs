//! [`RawLayout`]: where an array lives in a raw file that has no header — the shape, byte
//! offset and order a caller must restate on every open, as with `np.memmap`. The element
//! type is the `T` of [`crate::MmapArray`].

/// Shape, byte offset and order of an array in a headerless file.
///
/// ```
/// use ooc_mmap::RawLayout;
/// let layout = RawLayout::c_order(vec![100, 1_000]).with_offset(64);
/// assert_eq!((layout.offset, layout.fortran_order), (64, false));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RawLayout {
    /// Extent in each dimension; empty for a single (0-d) element.
    pub shape: Vec<usize>,
    /// Byte offset of the first element in the file (numpy's `offset`).
    pub offset: u64,
    /// Whether elements are stored in Fortran (column-major) order.
    pub fortran_order: bool,
}

impl RawLayout {
    /// A C-order (row-major) array of `shape` at the start of the file.
    #[must_use]
    pub fn c_order(shape: Vec<usize>) -> Self {
        RawLayout {
            shape,
            offset: 0,
            fortran_order: false,
        }
    }

    /// A Fortran-order (column-major) array of `shape` at the start of the file.
    #[must_use]
    pub fn fortran_order(shape: Vec<usize>) -> Self {
        RawLayout {
            shape,
            offset: 0,
            fortran_order: true,
        }
    }

    /// The same layout starting `offset` bytes into the file.
    #[must_use]
    pub fn with_offset(mut self, offset: u64) -> Self {
        self.offset = offset;
        self
    }
}
