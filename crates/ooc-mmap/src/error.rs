//! [`MmapError`]: everything that can go wrong opening, creating or using a memory-mapped
//! array, each variant naming the file and the values involved. It converts into
//! [`ooc_core::Error`] when it crosses the block I/O traits.

use std::path::PathBuf;

use ooc_core::DType;
use ooc_core::npy::NpyError;

/// Shorthand for results whose error is [`MmapError`].
pub type Result<T, E = MmapError> = std::result::Result<T, E>;

/// Why a memory-mapped array could not be opened, created or used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MmapError {
    /// The operating system refused an operation on the file.
    #[error("{op} {path:?}: {source}")]
    Io {
        /// What was being done (`open`, `map`, `flush`, ...).
        op: &'static str,
        /// The file.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// The path names a directory or another non-regular file.
    #[error("{path:?} is not a regular file")]
    NotAFile {
        /// The path.
        path: PathBuf,
    },
    /// The file ends before the data the layout or header describes.
    #[error("{path:?} is too short: the array needs {needed} bytes but the file has {actual}")]
    FileTooShort {
        /// The file.
        path: PathBuf,
        /// Bytes the array needs (offset or header plus data).
        needed: u64,
        /// Bytes the file has.
        actual: u64,
    },
    /// A `.npy` file is longer than its header and data.
    #[error("{path:?} has {actual} bytes but its .npy header and data take {expected}")]
    FileTooLong {
        /// The file.
        path: PathBuf,
        /// Bytes header and data take.
        expected: u64,
        /// Bytes the file has.
        actual: u64,
    },
    /// The data offset plus the data size does not fit in a file offset.
    #[error("offset {offset} plus {bytes} data bytes overflows a file offset")]
    OffsetOverflow {
        /// Byte offset of the data.
        offset: u64,
        /// Bytes of data.
        bytes: usize,
    },
    /// The data offset is not a multiple of the element alignment, so elements cannot be
    /// viewed in place.
    #[error("data offset {offset} is not a multiple of the {align}-byte alignment of {dtype}")]
    Misaligned {
        /// Byte offset of the data.
        offset: u64,
        /// Element type.
        dtype: DType,
        /// Alignment it needs.
        align: usize,
    },
    /// The file's `.npy` header is malformed, hostile or unsupported.
    #[error("{path:?}: {source}")]
    Npy {
        /// The file.
        path: PathBuf,
        /// What the header parser found.
        #[source]
        source: NpyError,
    },
    /// The file stores one element type and another was asked for.
    #[error("{path:?} holds {stored} elements but {requested} was requested")]
    DTypeMismatch {
        /// The file.
        path: PathBuf,
        /// The type in the file.
        stored: DType,
        /// The type the caller asked for.
        requested: DType,
    },
    /// The file's elements are not in this machine's byte order, so they cannot be viewed
    /// in place; `read_npy_converted` reads them with conversion.
    #[error(
        "{path:?} stores {descr} elements in non-native byte order; they cannot be mapped in place (use SwappedArray or read_npy_converted)"
    )]
    NonNativeByteOrder {
        /// The file.
        path: PathBuf,
        /// The numpy descriptor from the header.
        descr: String,
    },
    /// A write through a map opened read-only.
    #[error("{path:?} is mapped read-only: {what} needs mode r+, w+ or c")]
    ReadOnly {
        /// The file.
        path: PathBuf,
        /// What was attempted.
        what: &'static str,
    },
    /// A mode that the operation cannot use.
    #[error("mode {mode} cannot be used to {what}")]
    InvalidMode {
        /// The numpy letter of the mode.
        mode: &'static str,
        /// The operation.
        what: &'static str,
    },
    /// The disk has no room for the array being created.
    #[error("no space to create {path:?} with {bytes} bytes: {source}")]
    NoSpace {
        /// The file.
        path: PathBuf,
        /// Bytes requested.
        bytes: u64,
        /// The OS error (`ENOSPC`, `EFBIG`, ...).
        #[source]
        source: std::io::Error,
    },
    /// Row access on an array that is not a 2-D C-order array.
    #[error(
        "row access needs a 2-D C-order array, not shape {shape:?} (fortran_order: {fortran_order})"
    )]
    NotRowMajor2D {
        /// The array's shape.
        shape: Vec<usize>,
        /// Whether the array is in Fortran order.
        fortran_order: bool,
    },
    /// A row index past the last row.
    #[error("row {row} is out of range for an array with {rows} rows")]
    RowOutOfRange {
        /// The row asked for.
        row: usize,
        /// Rows the array has.
        rows: usize,
    },
    /// An advice the map cannot take safely.
    #[error(
        "advice {advice} is refused on a copy-on-write map: it would discard its private writes"
    )]
    AdviceRefused {
        /// The advice.
        advice: &'static str,
    },
    /// An error from `ooc-core` (shape overflow, regions, ...).
    #[error(transparent)]
    Core(#[from] ooc_core::Error),
}

impl MmapError {
    pub(crate) fn io(op: &'static str, path: &std::path::Path, source: std::io::Error) -> Self {
        MmapError::Io {
            op,
            path: path.to_path_buf(),
            source,
        }
    }
}

impl From<MmapError> for ooc_core::Error {
    fn from(e: MmapError) -> Self {
        match e {
            MmapError::Core(inner) => inner,
            // Generic code matches on these two, so they keep their core variants.
            MmapError::ReadOnly { .. } => ooc_core::Error::ReadOnly(e.to_string()),
            MmapError::DTypeMismatch {
                stored, requested, ..
            } => ooc_core::Error::DTypeMismatch { stored, requested },
            other => ooc_core::Error::backend("mmap", other),
        }
    }
}
