//! The seven sparse formats (CSR, CSC, COO, BSR, LIL, DOK, DIA), random generation,
//! conversions, SpMV, and `.npz` storage compatible with scipy (anndata storage in HDF5 is
//! the `ooc-anndata` crate).
//!
//! Every format implements [`SparseMatrix`] (shape, stored entries, CSR and dense forms,
//! SpMV) and [`ooc_core::Footprint`] (its true size); CSR is the hub every format converts
//! through, with direct paths where they are cheap (CSR ↔ CSC, CSR ↔ COO).
//!
//! ```
//! use ooc_sparse::{Format, SparseMatrix, random};
//! use ooc_core::{Footprint, Par};
//! let a = random::<f64>(100, 1000, 0.01, 42, Format::Csr, Par::Seq)?;
//! assert_eq!(a.nnz(), 1000);
//! let mut y = vec![0.0; 100];
//! a.spmv(&vec![1.0; 1000], &mut y, Par::Seq)?;
//! assert!(a.heap_bytes() >= 1000 * (8 + 4));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod alloc;
mod bsr;
mod coo;
mod csc;
mod csr;
mod dense_rows;
mod dia;
mod dok;
mod error;
mod format;
mod index;
mod lil;
mod npz;
mod parallel;
mod random;
mod sprs_interop;

/// The `sprs` crate, whose `CsMat` converts to and from this crate's matrices.
pub use sprs;
mod spy;

pub use bsr::BsrMatrix;
pub use coo::CooMatrix;
pub use csc::CscMatrix;
pub use csr::{CsrMatrix, check_row_range, validate_indptr};
pub use dense_rows::DenseNonzeros;
pub use dia::{DIA_DEFAULT_LIMIT, DiaMatrix};
pub use dok::{DokMatrix, PositionHasher, PositionMap};
pub use error::{Result, SparseError};
pub use format::{AnySparse, Format, SparseMatrix};
pub use index::{IndexIter, IndexSlice};
pub use lil::LilMatrix;
pub use npz::{NpzInfo, NpzMatrix, load_npz, npz_info, npz_staging_path, save_npz};
pub use random::{random, random_csr};
pub use spy::{SpyGrid, spy_grid, spy_png, spy_rgb, spy_svg};
