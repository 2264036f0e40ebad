//! [`AnnDataError`]: everything that can go wrong reading or writing anndata storage —
//! groups that are not what the anndata layout says, and the errors of the layers below
//! (`ooc-hdf5` for the file, `ooc-sparse` for the matrix's structure), kept intact.

use ooc_core::DType;

/// Shorthand for results whose error is [`AnnDataError`].
pub type Result<T, E = AnnDataError> = std::result::Result<T, E>;

/// Why anndata storage could not be read or written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AnnDataError {
    /// A group lacks an attribute or dataset the layout needs, or is not there.
    #[error("{file}: missing {what}")]
    Missing {
        /// The file and group (`file:/group`).
        file: String,
        /// What is missing (`attribute shape`, `dataset indptr`, `group X`).
        what: String,
    },
    /// A group holds something the layout does not allow (another encoding, a dataset
    /// of the wrong rank).
    #[error("{file}: {reason}")]
    Unsupported {
        /// The file and group.
        file: String,
        /// What is wrong, with the values found.
        reason: String,
    },
    /// A `shape` attribute that is not two non-negative sizes.
    #[error("{file}: shape attribute {shape:?} is not two non-negative sizes")]
    BadShape {
        /// The file and group.
        file: String,
        /// The values stored.
        shape: Vec<i64>,
    },
    /// The stored element type is not the one asked for.
    #[error("element type mismatch: {what} holds {stored} but {requested} was requested")]
    DTypeMismatch {
        /// The dataset (`file:/group/data`).
        what: String,
        /// Stored type.
        stored: DType,
        /// Requested type.
        requested: DType,
    },
    /// Something already exists where a new group was to be written.
    #[error("{file}: {name} already exists (ooc does not replace objects in HDF5 files)")]
    Exists {
        /// The file and parent group.
        file: String,
        /// The name asked for.
        name: String,
    },
    /// The HDF5 layer failed (file, group, dataset or attribute access).
    #[error("hdf5: {0}")]
    Hdf5(#[from] ooc_hdf5::Error),
    /// The stored arrays do not form a valid sparse matrix.
    #[error(transparent)]
    Sparse(#[from] ooc_sparse::SparseError),
}

impl From<AnnDataError> for ooc_core::Error {
    fn from(e: AnnDataError) -> Self {
        match e {
            AnnDataError::Hdf5(inner) => inner.into(),
            AnnDataError::Sparse(inner) => inner.into(),
            other => ooc_core::Error::backend("anndata", other),
        }
    }
}

impl From<ooc_core::Error> for AnnDataError {
    fn from(e: ooc_core::Error) -> Self {
        AnnDataError::Sparse(e.into())
    }
}
