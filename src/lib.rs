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
//! and one module of its own, [`source`]: the command line's SOURCE, DEST, `--dtype`,
//! `--shape` and `--chunks` syntax, parsed purely (the `ooc` binary uses it; so can tools
//! taking the same arguments, and the `cli_source` fuzz target does).
//!
//! ```
//! use ooc::core::{MemArray, ReadBlock, Region};
//! let a = MemArray::from_vec(vec![2, 2], vec![1_i32, 2, 3, 4])?;
//! let mut col = [0; 2];
//! a.read_region(&Region::block(0, 1, 2, 1), &mut col)?;
//! assert_eq!(col, [2, 4]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;

pub mod source;

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
