//! The error type of `ooc-core`, which every backend error converts into when it crosses
//! the block I/O traits.

use crate::dtype::DType;

/// Shorthand for results whose error is [`enum@Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in `ooc-core` and at the block I/O boundary.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The number of elements or bytes of a shape does not fit in `usize`.
    #[error("shape {shape:?} with {elem_size}-byte elements overflows usize")]
    ShapeOverflow {
        /// The offending shape.
        shape: Vec<usize>,
        /// Bytes per element.
        elem_size: usize,
    },
    /// A region has a different number of dimensions than the array.
    #[error("region has {found} dimensions but the array has {expected}")]
    RankMismatch {
        /// Dimensions of the array.
        expected: usize,
        /// Dimensions of the region.
        found: usize,
    },
    /// A region reaches outside the array.
    #[error(
        "region starting at {start:?} with shape {shape:?} is outside array of shape {array:?}"
    )]
    OutOfBounds {
        /// First index of the region.
        start: Vec<usize>,
        /// Extent of the region.
        shape: Vec<usize>,
        /// Shape of the array.
        array: Vec<usize>,
    },
    /// A caller's buffer has the wrong number of elements for a region.
    #[error("buffer holds {found} elements but the region needs {expected}")]
    BufferLength {
        /// Elements the region has.
        expected: usize,
        /// Elements the buffer has.
        found: usize,
    },
    /// Data of a shape were given with the wrong number of elements.
    #[error("shape {shape:?} needs {expected} elements but {found} were given")]
    DataLength {
        /// The shape.
        shape: Vec<usize>,
        /// Elements the shape needs.
        expected: usize,
        /// Elements given.
        found: usize,
    },
    /// An array holds one element type and another was asked for.
    #[error("element type mismatch: array holds {stored} but {requested} was requested")]
    DTypeMismatch {
        /// The type in storage.
        stored: DType,
        /// The type the caller asked for.
        requested: DType,
    },
    /// An element type descriptor or name that ooc does not support.
    #[error("unsupported element type {0:?}")]
    UnsupportedDType(String),
    /// A chunk or block shape that cannot be used.
    #[error("invalid chunk shape {chunk:?} for array of shape {array:?}: {reason}")]
    InvalidChunkShape {
        /// The chunk shape given.
        chunk: Vec<usize>,
        /// The array shape.
        array: Vec<usize>,
        /// Why it cannot be used.
        reason: &'static str,
    },
    /// The memory budget cannot hold even the smallest block a plan allows.
    #[error(
        "memory budget of {budget} bytes is too small: the smallest block plan needs {needed} bytes"
    )]
    BudgetTooSmall {
        /// Bytes the smallest plan needs.
        needed: usize,
        /// Bytes the budget allows.
        budget: usize,
    },
    /// A buffer sized by the data (an output vector, a row pointer) that the memory
    /// budget cannot hold, or that the allocator refused.
    #[error(
        "{what} needs {needed} bytes ({len} elements), more than the memory budget of {budget} bytes allows"
    )]
    OverBudget {
        /// What the buffer is for.
        what: String,
        /// Its elements.
        len: usize,
        /// Its bytes.
        needed: usize,
        /// The budget, in bytes.
        budget: usize,
    },
    /// A size given as text (`512MiB`) could not be parsed.
    #[error(
        "cannot parse size {0:?}: expected a number with an optional unit such as 512MiB or 2GB"
    )]
    InvalidSize(String),
    /// A sparse matrix's structure (row pointer, column indices) is not valid.
    #[error("invalid sparse structure: {0}")]
    InvalidSparse(String),
    /// An operation that needs write access on a read-only array.
    #[error("array is read-only: {0}")]
    ReadOnly(String),
    /// Something this platform or backend cannot do.
    #[error("unsupported: {0}")]
    Unsupported(String),
    /// An operating-system I/O error, with what was being done.
    #[error("{context}: {source}")]
    Io {
        /// What was being done, naming the file.
        context: String,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// An error from a backend crate, passed through a block I/O trait with its message.
    #[error("{backend}: {source}")]
    Backend {
        /// The backend's name (`mmap`, `hdf5`, `sparse`).
        backend: &'static str,
        /// The backend's own error.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync + 'static>,
    },
}

impl Error {
    /// Wraps an I/O error with the context of what was being done.
    pub fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        Error::Io {
            context: context.into(),
            source,
        }
    }

    /// Wraps a backend crate's error, keeping its message.
    pub fn backend(
        backend: &'static str,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        Error::Backend {
            backend,
            source: Box::new(source),
        }
    }
}
