//! `.npy` files: mapping them in place ([`MmapArray::open_npy`]), creating them for
//! mapping ([`MmapArray::create_npy`]), reading just the header to learn the element type
//! at run time ([`inspect_npy`]), and a converting read for files in the other byte order
//! ([`read_npy_converted`]). The header format itself is `ooc_core::npy`.
//!
//! A `.npy` file must be exactly header plus data: a shorter file is
//! [`MmapError::FileTooShort`] (numpy refuses it too) and a longer one
//! [`MmapError::FileTooLong`] (numpy ignores trailing bytes; we treat them as a sign of a
//! damaged or misnamed file).

use std::fs::File;
use std::os::unix::fs::FileExt;
use std::path::Path;

use ndarray::{ArrayD, IxDyn, ShapeBuilder};
use ooc_core::npy::{NpyError, NpyHeader};
use ooc_core::{ByteOrder, Element};

use crate::array::{MmapArray, data_bytes, data_end};
use crate::error::{MmapError, Result};
use crate::file::{create_sized, open_existing};
use crate::mode::Mode;

/// Bytes read first when looking for the header; most headers are 128 bytes or less.
const FIRST_READ: u64 = 4096;

/// Reads and parses the header of an open `.npy` file of `file_len` bytes; returns it and
/// the data offset. Reads no more than the header's own length (bounded by
/// `ooc_core::npy::MAX_HEADER_LEN`) and the file's length.
fn read_header(file: &File, path: &Path, file_len: u64) -> Result<(NpyHeader, u64)> {
    let npy_err = |source| MmapError::Npy {
        path: path.to_path_buf(),
        source,
    };
    let mut want = file_len.min(FIRST_READ);
    loop {
        let mut buf = vec![0_u8; usize::try_from(want).unwrap_or(usize::MAX)];
        file.read_exact_at(&mut buf, 0)
            .map_err(|e| MmapError::io("read header of", path, e))?;
        match NpyHeader::parse(&buf) {
            Ok((header, offset)) => return Ok((header, offset as u64)),
            Err(NpyError::Truncated { needed, .. })
                if (needed as u64) <= file_len && needed as u64 > want =>
            {
                want = needed as u64;
            }
            Err(NpyError::Truncated { needed, .. }) => {
                return Err(npy_err(NpyError::Truncated {
                    needed,
                    available: usize::try_from(file_len).unwrap_or(usize::MAX),
                }));
            }
            Err(e) => return Err(npy_err(e)),
        }
    }
}

/// Reads the header of the `.npy` file at `path`: element type, byte order, order and
/// shape, so a caller can choose `T` at run time (see `ooc_core::dispatch_dtype!`).
///
/// ```
/// use ooc_mmap::{MmapArray, inspect_npy};
/// let dir = tempfile::tempdir()?;
/// let path = dir.path().join("a.npy");
/// MmapArray::<u16>::create_npy(&path, &[2, 5], true)?;
/// let header = inspect_npy(&path)?;
/// assert_eq!((header.dtype, header.shape, header.fortran_order), (ooc_core::DType::U16, vec![2, 5], true));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
/// [`MmapError::Io`] or [`MmapError::NotAFile`] when the file cannot be read,
/// [`MmapError::Npy`] when the header is malformed, hostile or unsupported.
pub fn inspect_npy(path: impl AsRef<Path>) -> Result<NpyHeader> {
    let path = path.as_ref();
    let (file, len) = open_existing(path, false)?;
    read_header(&file, path, len).map(|(h, _)| h)
}

/// Checks a header against `T` and the file length; returns the data offset.
fn check_header<T: Element>(
    path: &Path,
    header: &NpyHeader,
    offset: u64,
    file_len: u64,
) -> Result<()> {
    if header.dtype != T::DTYPE {
        return Err(MmapError::DTypeMismatch {
            path: path.to_path_buf(),
            stored: header.dtype,
            requested: T::DTYPE,
        });
    }
    let bytes = header.data_bytes().map_err(|source| MmapError::Npy {
        path: path.to_path_buf(),
        source,
    })?;
    let expected = u64::try_from(bytes)
        .ok()
        .and_then(|b| offset.checked_add(b))
        .ok_or(MmapError::OffsetOverflow { offset, bytes })?;
    if file_len < expected {
        return Err(MmapError::FileTooShort {
            path: path.to_path_buf(),
            needed: expected,
            actual: file_len,
        });
    }
    if file_len > expected {
        return Err(MmapError::FileTooLong {
            path: path.to_path_buf(),
            expected,
            actual: file_len,
        });
    }
    Ok(())
}

impl<T: Element> MmapArray<T> {
    /// Maps the `.npy` file at `path` (`np.load(path, mmap_mode=...)`).
    ///
    /// `mode` is [`Mode::ReadOnly`], [`Mode::ReadWrite`] or [`Mode::CopyOnWrite`]; to make
    /// a new file use [`MmapArray::create_npy`], which knows the shape.
    ///
    /// # Errors
    /// [`MmapError::InvalidMode`] for [`Mode::Create`]; [`MmapError::Io`] (missing file,
    /// no permission) or [`MmapError::NotAFile`] (a directory); [`MmapError::Npy`] for a
    /// malformed, hostile or unsupported header; [`MmapError::DTypeMismatch`] when the
    /// file holds another element type than `T`; [`MmapError::NonNativeByteOrder`] for data
    /// in the other byte order (see [`crate::SwappedArray`] and [`read_npy_converted`]);
    /// [`MmapError::FileTooShort`] or
    /// [`MmapError::FileTooLong`] when the file's length is not header plus data;
    /// [`MmapError::Misaligned`] when the data offset does not suit `T`.
    pub fn open_npy(path: impl AsRef<Path>, mode: Mode) -> Result<Self> {
        let path = path.as_ref();
        let (array, order) = Self::open_npy_any_order(path, mode)?;
        // Single bytes have no byte order, whatever prefix the descriptor carries.
        if !order.is_native() && T::DTYPE.size() > 1 {
            return Err(MmapError::NonNativeByteOrder {
                path: path.to_path_buf(),
                descr: T::DTYPE.numpy_descr(order),
            });
        }
        Ok(array)
    }

    /// As [`MmapArray::open_npy`] for a file in either byte order: the map holds the
    /// elements as stored, and the order they are stored in.
    pub(crate) fn open_npy_any_order(path: &Path, mode: Mode) -> Result<(Self, ByteOrder)> {
        if mode == Mode::Create {
            return Err(MmapError::InvalidMode {
                mode: mode.numpy_letter(),
                what: "open an existing .npy file (use create_npy)",
            });
        }
        let (file, file_len) = open_existing(path, mode == Mode::ReadWrite)?;
        let (header, offset) = read_header(&file, path, file_len)?;
        check_header::<T>(path, &header, offset, file_len)?;
        let array = Self::map_file(
            &file,
            path,
            file_len,
            header.shape,
            header.fortran_order,
            offset,
            mode,
        )?;
        Ok((array, header.order))
    }

    /// Creates (or overwrites) the `.npy` file at `path` for an array of `shape`, zero
    /// filled, and maps it read-write ([`Mode::Create`], numpy's
    /// `np.lib.format.open_memmap(path, mode='w+')`). The header is one numpy reads, with
    /// the data at a multiple of 64 bytes; the disk space is reserved now.
    ///
    /// # Errors
    /// [`MmapError::Core`] when the shape's size overflows; [`MmapError::NoSpace`] when the
    /// disk cannot hold the file; [`MmapError::Io`] or [`MmapError::NotAFile`] when the
    /// file cannot be created.
    pub fn create_npy(
        path: impl AsRef<Path>,
        shape: &[usize],
        fortran_order: bool,
    ) -> Result<Self> {
        let path = path.as_ref();
        let header = NpyHeader {
            dtype: T::DTYPE,
            order: ByteOrder::NATIVE,
            fortran_order,
            shape: shape.to_vec(),
        };
        let bytes = data_bytes::<T>(shape)?;
        let head = header.to_bytes().map_err(|source| MmapError::Npy {
            path: path.to_path_buf(),
            source,
        })?;
        // The header is padded to a multiple of 64 bytes, which suits every `T`.
        let offset = head.len() as u64;
        let total = data_end::<T>(offset, bytes)?;
        let file = create_sized(path, total, &head)?;
        Self::map_file(
            &file,
            path,
            total,
            header.shape,
            fortran_order,
            offset,
            Mode::Create,
        )
    }
}

/// Reads the whole `.npy` file at `path` into memory, converting its elements to this
/// machine's byte order: the way to load files that [`MmapArray::open_npy`] cannot map
/// because they were written on a machine of the other byte order. Fortran-order files
/// give Fortran-layout arrays.
///
/// The file's length is checked against its header before anything is allocated.
///
/// # Errors
/// As [`MmapArray::open_npy`], except that any byte order is accepted.
pub fn read_npy_converted<T: Element>(path: impl AsRef<Path>) -> Result<ArrayD<T>> {
    let path = path.as_ref();
    let (file, file_len) = open_existing(path, false)?;
    let (header, offset) = read_header(&file, path, file_len)?;
    check_header::<T>(path, &header, offset, file_len)?;
    let n = ooc_core::shape::checked_len(&header.shape)?;
    let mut data = vec![T::default(); n];
    file.read_exact_at(bytemuck::cast_slice_mut(&mut data), offset)
        .map_err(|e| MmapError::io("read data of", path, e))?;
    if !header.order.is_native() {
        for x in &mut data {
            *x = x.byte_swapped();
        }
    }
    let shape = IxDyn(&header.shape).set_f(header.fortran_order);
    Ok(
        ArrayD::from_shape_vec(shape, data).map_err(|_| ooc_core::Error::DataLength {
            shape: header.shape.clone(),
            expected: n,
            found: n,
        })?,
    )
}
