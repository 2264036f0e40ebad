//! anndata storage in HDF5 for ooc, on `ooc-hdf5` and `ooc-sparse` types only: sparse
//! matrices as anndata groups (`encoding-type` `csr_matrix` / `csc_matrix`), CSR groups
//! streamed row block by row block for the block scheduler, and the skeleton of an
//! `.h5ad` file that `anndata.read_h5ad` opens.
//!
//! - [`write_anndata`] / [`read_anndata`] / [`anndata_info`] on an [`ooc_hdf5::Group`]
//!   (a [`File`](ooc_hdf5::File) is its root group), [`save_anndata`] / [`load_anndata`]
//!   by path.
//! - [`H5CsrRows`]: a CSR group as [`ooc_core::ReadSparseRows`], read through
//!   `ooc-hdf5`'s parallel read path.
//! - [`write_h5ad_skeleton`] and [`save_h5ad`]: a new `.h5ad` file anndata can open.
//!
//! ```
//! use ooc_anndata::{H5SparseOptions, read_anndata, write_anndata};
//! use ooc_core::Par;
//! let dir = tempfile::tempdir()?;
//! let file = ooc_hdf5::File::create(dir.path().join("a.h5ad"))?;
//! let a = ooc_sparse::random_csr::<f32>(10, 20, 0.1, 1, Par::Seq)?;
//! write_anndata(&file, "X", &a, H5SparseOptions::default())?;
//! assert_eq!(read_anndata::<f32>(&file, "X")?.into_csr(), a);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod error;
mod h5ad;
mod rows;
mod sparse;

pub use error::{AnnDataError, Result};
pub use h5ad::{H5AD_ENCODING_VERSION, save_h5ad, write_h5ad_skeleton};
pub use rows::H5CsrRows;
pub use sparse::{
    ANNDATA_ENCODING_VERSION, AnnDataInfo, AnnDataMatrix, H5SparseOptions, anndata_info,
    load_anndata, read_anndata, save_anndata, write_anndata,
};
