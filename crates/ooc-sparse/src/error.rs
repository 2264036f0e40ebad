//! [`SparseError`]: everything that can go wrong in `ooc-sparse`, from structurally invalid
//! matrices to unreadable `.npz` archives.

use ooc_core::DType;

/// Shorthand for results whose error is [`SparseError`].
pub type Result<T, E = SparseError> = std::result::Result<T, E>;

/// Why a sparse matrix could not be built, converted, multiplied, stored or loaded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SparseError {
    /// The row (or column) pointer has the wrong number of entries.
    #[error("indptr has {found} entries but {expected} were expected")]
    IndptrLength {
        /// `major + 1` entries are needed.
        expected: usize,
        /// Entries given.
        found: usize,
    },
    /// The pointer does not start at 0.
    #[error("indptr must start at 0 but starts at {0}")]
    IndptrStart(usize),
    /// The pointer decreases somewhere.
    #[error("indptr decreases at position {pos}: {prev} then {next}")]
    IndptrNotMonotone {
        /// Position of the smaller value.
        pos: usize,
        /// Value before it.
        prev: usize,
        /// The smaller value.
        next: usize,
    },
    /// The pointer's last entry is not the number of stored entries.
    #[error("indptr ends at {end} but there are {nnz} stored entries")]
    IndptrEnd {
        /// Last entry of indptr.
        end: usize,
        /// Stored entries (length of the index array).
        nnz: usize,
    },
    /// A stored index is outside its dimension.
    #[error("{what} index {index} at position {pos} is out of range for a dimension of {bound}")]
    IndexOutOfRange {
        /// Which index array (`column`, `row`, `block column`, ...).
        what: &'static str,
        /// Position in the index array.
        pos: usize,
        /// The index.
        index: usize,
        /// The dimension's extent.
        bound: usize,
    },
    /// Two arrays that must have the same length do not.
    #[error("{what} has {found} entries but {expected} were expected")]
    LengthMismatch {
        /// Which array.
        what: &'static str,
        /// Entries needed.
        expected: usize,
        /// Entries given.
        found: usize,
    },
    /// A stored index, offset or extent is negative or does not fit in `usize`.
    #[error("{what} value {value} is negative or too large")]
    BadInteger {
        /// Which array or field.
        what: &'static str,
        /// The value as stored.
        value: i128,
    },
    /// `rows × cols` (or a byte size derived from it) overflows.
    #[error("shape [{rows}, {cols}] is too large: its element count overflows")]
    ShapeOverflow {
        /// Rows.
        rows: usize,
        /// Columns.
        cols: usize,
    },
    /// A vector or dense array has the wrong length for the matrix.
    #[error("{what} has length {found} but the matrix of shape [{rows}, {cols}] needs {expected}")]
    DimensionMismatch {
        /// `x` or `y`.
        what: &'static str,
        /// Length needed.
        expected: usize,
        /// Length given.
        found: usize,
        /// Matrix rows.
        rows: usize,
        /// Matrix columns.
        cols: usize,
    },
    /// A density outside `[0, 1]` (or NaN) for random generation.
    #[error("density {0} is outside [0, 1]")]
    InvalidDensity(f64),
    /// An array sized by the matrix's shape (row pointer, dense form, transposition
    /// counts) needs more memory than can be allocated.
    #[error("cannot allocate {bytes} bytes for the {what}")]
    Allocation {
        /// Which array.
        what: &'static str,
        /// Bytes it needs.
        bytes: u128,
    },
    /// A DIA conversion would need more memory than allowed.
    #[error(
        "dia form would take {bytes} bytes ({diagonals} diagonals of width {width}), above the limit of {limit} bytes"
    )]
    DiaTooLarge {
        /// Bytes the data array would take.
        bytes: u128,
        /// Distinct diagonals.
        diagonals: usize,
        /// Width of each stored diagonal (the column count).
        width: usize,
        /// The limit in force.
        limit: usize,
    },
    /// A block shape that does not tile the matrix (or is zero).
    #[error("block shape [{r}, {c}] does not tile a matrix of shape [{rows}, {cols}]")]
    BlockShape {
        /// Block rows.
        r: usize,
        /// Block columns.
        c: usize,
        /// Matrix rows.
        rows: usize,
        /// Matrix columns.
        cols: usize,
    },
    /// The stored element type is not the one asked for.
    #[error("element type mismatch: {what} holds {stored} but {requested} was requested")]
    DTypeMismatch {
        /// Which array.
        what: String,
        /// Stored type.
        stored: DType,
        /// Requested type.
        requested: DType,
    },
    /// A file lacks a member, dataset or attribute the format needs.
    #[error("{file}: missing {what}")]
    Missing {
        /// The file (and group).
        file: String,
        /// What is missing.
        what: String,
    },
    /// A file holds something this crate cannot read (a format name, a type, a layout).
    #[error("{file}: {reason}")]
    Unsupported {
        /// The file (and group or member).
        file: String,
        /// What is wrong.
        reason: String,
    },
    /// A `.npy` member's header cannot be parsed.
    #[error("{file}: member {member}: {source}")]
    Npy {
        /// The archive.
        file: String,
        /// The member.
        member: String,
        /// The header error.
        #[source]
        source: ooc_core::npy::NpyError,
    },
    /// The zip container is damaged or cannot be written.
    #[error("{file}: zip: {source}")]
    Zip {
        /// The archive.
        file: String,
        /// The zip error.
        #[source]
        source: zip::result::ZipError,
    },
    /// An operating-system I/O error, with what was being done.
    #[error("{context}: {source}")]
    Io {
        /// What was being done, naming the file.
        context: String,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// Drawing or encoding a spy plot failed.
    #[error("spy plot {path}: {reason}")]
    Plot {
        /// The output file.
        path: String,
        /// What failed.
        reason: String,
    },
    /// An error from `ooc-core` (thread pools, shapes).
    #[error(transparent)]
    Core(#[from] ooc_core::Error),
}

impl From<SparseError> for ooc_core::Error {
    fn from(e: SparseError) -> Self {
        match e {
            SparseError::Core(inner) => inner,
            other => ooc_core::Error::backend("sparse", other),
        }
    }
}

impl SparseError {
    pub(crate) fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        SparseError::Io {
            context: context.into(),
            source,
        }
    }
}
