//! [`Error`]: the one error type of the facade, which every crate's error converts into
//! with its message intact, so a program using several crates needs one `?`.

use std::fmt;
use std::path::{Path, PathBuf};

/// Everything ooc can report.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Opening or describing a source failed; the message names the file.
    #[error("{message}")]
    Source {
        /// The file.
        path: PathBuf,
        /// What went wrong, naming the file.
        message: String,
        /// Whether the caller must say more (an inner path for an HDF5 file, a layout
        /// for a raw file) rather than the file being wrong.
        incomplete: bool,
    },
    /// From `ooc-core` (shapes, regions, budgets, element types).
    #[error(transparent)]
    Core(#[from] ooc_core::Error),
    /// From `ooc-mmap`.
    #[cfg(feature = "mmap")]
    #[error(transparent)]
    Mmap(#[from] ooc_mmap::MmapError),
    /// From `ooc-hdf5`.
    #[cfg(feature = "hdf5")]
    #[error(transparent)]
    Hdf5(#[from] ooc_hdf5::Error),
    /// From `ooc-sparse`.
    #[cfg(feature = "sparse")]
    #[error(transparent)]
    Sparse(#[from] ooc_sparse::SparseError),
    /// From `ooc-anndata`.
    #[cfg(feature = "sparse")]
    #[error(transparent)]
    AnnData(#[from] ooc_anndata::AnnDataError),
    /// From `ooc-linalg`.
    #[cfg(feature = "linalg")]
    #[error(transparent)]
    Linalg(#[from] ooc_linalg::LinalgError),
    /// An operating-system I/O error outside the crates (a directory, a temporary file).
    #[error(transparent)]
    Io(#[from] std::io::Error),
    /// Bad text for a SOURCE, DEST, element type, shape or chunk shape.
    #[error(transparent)]
    Arg(#[from] crate::source::ArgError),
}

impl Error {
    /// An error about the file at `path`: `"PATH: what"` (the path is not repeated when
    /// `what` already names it).
    pub fn at(path: &Path, what: impl fmt::Display) -> Self {
        Error::Source {
            path: path.to_path_buf(),
            message: name_once(path, &what.to_string()),
            incomplete: false,
        }
    }

    /// An error saying the caller must tell more about the file at `path`.
    pub fn incomplete(path: &Path, what: impl fmt::Display) -> Self {
        Error::Source {
            path: path.to_path_buf(),
            message: name_once(path, &what.to_string()),
            incomplete: true,
        }
    }

    /// Whether the caller must say more (an inner path, a raw layout) for the source to
    /// open, rather than the file being wrong: a command line reports these as usage
    /// errors.
    #[must_use]
    pub fn is_incomplete(&self) -> bool {
        matches!(
            self,
            Error::Source {
                incomplete: true,
                ..
            }
        )
    }
}

fn name_once(path: &Path, what: &str) -> String {
    let name = path.display().to_string();
    if what.contains(&name) {
        what.to_string()
    } else {
        format!("{name}: {what}")
    }
}

/// Shorthand for results whose error is [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
