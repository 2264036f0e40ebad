//! [`LinalgError`]: everything an out-of-core operation can report, with the backend's own
//! error kept intact underneath.

use ooc_core::DType;

/// Everything that can go wrong in `ooc-linalg`.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LinalgError {
    /// Operand shapes do not fit together; both shapes are named.
    #[error("{op}: shape mismatch between {left_name} {left:?} and {right_name} {right:?}")]
    DimensionMismatch {
        /// The operation (`gemv`, `spmv`, ...).
        op: &'static str,
        /// What the first shape belongs to (`matrix`, ...).
        left_name: &'static str,
        /// The first shape.
        left: Vec<usize>,
        /// What the second shape belongs to (`x`, `y`, `b`, ...).
        right_name: &'static str,
        /// The second shape.
        right: Vec<usize>,
    },
    /// An output vector that is not one contiguous slice (a strided ndarray view).
    #[error("{op}: {name} must be contiguous (a slice, a Vec or a standard-layout ndarray)")]
    NotContiguous {
        /// The operation.
        op: &'static str,
        /// Which operand.
        name: &'static str,
    },
    /// The input is not a 2-D matrix.
    #[error("{op}: expected a 2-D array but the input has shape {shape:?}")]
    NotMatrix {
        /// The operation.
        op: &'static str,
        /// The input's shape.
        shape: Vec<usize>,
    },
    /// The memory budget cannot hold even the smallest block plus the operation's scratch.
    #[error(
        "memory budget of {budget} bytes is too small: the smallest block plan needs {needed} bytes"
    )]
    BudgetTooSmall {
        /// Bytes the smallest plan needs (block buffers in flight plus scratch).
        needed: usize,
        /// Bytes the budget allows.
        budget: usize,
    },
    /// The sink of a blockwise map has the wrong shape or element type.
    #[error(
        "wrong sink: expected shape {expected_shape:?} of {expected_dtype} but the sink has shape {found_shape:?} of {found_dtype}"
    )]
    WrongSink {
        /// The source's shape, which the sink must have.
        expected_shape: Vec<usize>,
        /// The element type the map produces.
        expected_dtype: DType,
        /// The sink's shape.
        found_shape: Vec<usize>,
        /// The sink's element type.
        found_dtype: DType,
    },
    /// A reduction that has no value over zero elements (min, max).
    #[error("{op} of an empty selection of array shape {shape:?}")]
    EmptyReduction {
        /// The reduction.
        op: &'static str,
        /// The array's shape.
        shape: Vec<usize>,
    },
    /// Sparse rows handed over by a backend that do not form valid CSR.
    #[error("sparse rows {row0}..{row_end}: {reason}")]
    InvalidSparseBlock {
        /// First row of the block.
        row0: usize,
        /// One past the last row.
        row_end: usize,
        /// What is wrong.
        reason: String,
    },
    /// An error from `ooc-core` or a backend, kept intact.
    #[error(transparent)]
    Backend(ooc_core::Error),
}

/// The planner's refusals become this crate's own variants, so callers match one
/// `BudgetTooSmall` whichever layer found it; everything else is kept intact.
impl From<ooc_core::Error> for LinalgError {
    fn from(e: ooc_core::Error) -> Self {
        match e {
            ooc_core::Error::BudgetTooSmall { needed, budget } => {
                LinalgError::BudgetTooSmall { needed, budget }
            }
            other => LinalgError::Backend(other),
        }
    }
}

impl From<LinalgError> for ooc_core::Error {
    fn from(e: LinalgError) -> Self {
        match e {
            LinalgError::Backend(inner) => inner,
            other => ooc_core::Error::backend("linalg", other),
        }
    }
}

/// Shorthand for results whose error is [`LinalgError`].
pub type Result<T, E = LinalgError> = std::result::Result<T, E>;
