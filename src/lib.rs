//! ooc: arrays too big for memory.
//!
//! This facade re-exports the workspace's crates, each behind a default feature:
//!
//! | module | crate | what it holds |
//! |---|---|---|
//! | [`core`] | `ooc-core` | element types, shapes, errors, block traits, budgets, memory measurement |
//! | `mmap` | `ooc-mmap` | memory-mapped arrays, `.npy` and raw files |
//! | `hdf5` | `ooc-hdf5` | HDF5 files and datasets, chunk advice, parallel reads |
//! | `sparse` | `ooc-sparse` | CSR, CSC, COO, BSR, LIL, DOK, DIA; scipy `.npz` storage |
//! | `anndata` | `ooc-anndata` | anndata sparse groups and `.h5ad` files (with the `sparse` feature) |
//! | `linalg` | `ooc-linalg` | the out-of-core block scheduler: GEMV, GEMM, SpMV, maps |
//!
//! and the front door of its own: [`open`] takes a path or `FILE.h5:/path/inside` and
//! returns an [`Array`] that reads the fastest way the file allows, for dense and sparse
//! data alike; [`describe`] says what a source holds without reading it; [`source`] is
//! the SOURCE / DEST / `--dtype` / `--shape` / `--chunks` syntax the `ooc` command uses,
//! parsed purely; [`Error`] is the one error every crate's error converts into; and
//! [`prelude`] holds the names most programs need.
//!
//! ```
//! use ooc::prelude::*;
//! # let dir = tempfile::tempdir()?;
//! # let path = dir.path().join("A.npy");
//! // A matrix on disk (any .npy, HDF5 dataset, .npz or anndata group opens the same way).
//! ooc::save_npy(&path, &ndarray::Array2::<f32>::ones((1000, 300)))?;
//!
//! let a = ooc::open(&path)?;
//! let x = ndarray::Array1::<f32>::ones(300);
//! let mut y = ndarray::Array1::<f32>::zeros(1000);
//! let opts = Options::new().with_budget(MemoryBudget::mib(64));
//! gemv(&a, &x, &mut y, &opts)?;
//! assert!(y.iter().all(|&v| v == 300.0));
//! # Ok::<(), ooc::Error>(())
//! ```

#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;

mod error;
#[cfg(all(feature = "mmap", feature = "hdf5", feature = "sparse"))]
pub mod open;
pub mod source;

pub use error::{Error, Result};
#[cfg(feature = "mmap")]
pub use ooc_mmap::{load_npy, save_npy};
#[cfg(all(feature = "mmap", feature = "hdf5", feature = "sparse"))]
pub use open::{
    Array, Description, Format, Kind, OpenOptions, RawSpec, SparseRows, describe, describe_with,
    detect, open, open_with,
};

pub use ndarray;
#[cfg(feature = "sparse")]
pub use ooc_anndata as anndata;
pub use ooc_core as core;
#[cfg(feature = "hdf5")]
pub use ooc_hdf5 as hdf5;
#[cfg(feature = "linalg")]
pub use ooc_linalg as linalg;
#[cfg(feature = "mmap")]
pub use ooc_mmap as mmap;
#[cfg(feature = "sparse")]
pub use ooc_sparse as sparse;
#[cfg(feature = "sparse")]
pub use ooc_sparse::sprs;

/// The names most programs using ooc need: `use ooc::prelude::*;`.
pub mod prelude {
    #[cfg(all(feature = "mmap", feature = "hdf5", feature = "sparse"))]
    pub use crate::open::{Array, open};
    pub use ooc_core::prelude::*;
    pub use ooc_core::{AsMatrix, MemArray, ReadSparseRows};
    #[cfg(feature = "linalg")]
    pub use ooc_linalg::{Along, Options, gemm, gemv, gemv_t, map_blocks, spmv, summarize};
}
