//! The anndata on-disk layout of sparse matrices in HDF5: a group with attributes
//! `encoding-type` (`csr_matrix` or `csc_matrix`), `encoding-version` (`0.1.0`) and
//! `shape` (two integers), holding one-dimensional datasets `data`, `indices` and
//! `indptr` — what `anndata` writes for `X` and layers of an `.h5ad` file, and what
//! h5py scripts commonly produce.
//!
//! [`write_anndata`] and [`read_anndata`] move whole matrices. Index datasets may be any
//! integer type; `data` must be the element type asked for (no silent conversion);
//! complex numbers use h5py's compound layout (fields `r` and `i`). Written indices are
//! int32 when they fit, int64 otherwise, as scipy and anndata do.

use std::path::Path;

use ooc_core::{DType, Element};
use ooc_hdf5::{Dataset, File, Group};
use ooc_sparse::{AnySparse, CscMatrix, CsrMatrix, Format, SparseMatrix};

use crate::error::{AnnDataError, Result};

/// The `encoding-version` of sparse groups, written and accepted.
pub const ANNDATA_ENCODING_VERSION: &str = "0.1.0";

/// How the datasets of a sparse group are stored when written.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct H5SparseOptions {
    /// Chunk length (elements) of the three datasets; `None` stores them contiguously.
    pub chunk: Option<usize>,
    /// Deflate (gzip) level 0–9 for chunked datasets.
    pub deflate: Option<u8>,
}

/// A matrix anndata can store: CSR or CSC.
#[derive(Debug, Clone, Copy)]
pub enum AnnDataMatrix<'a, T> {
    /// Stored with `encoding-type` `csr_matrix`.
    Csr(&'a CsrMatrix<T>),
    /// Stored with `encoding-type` `csc_matrix`.
    Csc(&'a CscMatrix<T>),
}

impl<'a, T> From<&'a CsrMatrix<T>> for AnnDataMatrix<'a, T> {
    fn from(m: &'a CsrMatrix<T>) -> Self {
        AnnDataMatrix::Csr(m)
    }
}

impl<'a, T> From<&'a CscMatrix<T>> for AnnDataMatrix<'a, T> {
    fn from(m: &'a CscMatrix<T>) -> Self {
        AnnDataMatrix::Csc(m)
    }
}

/// What a sparse group holds, from its attributes and dataset headers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnnDataInfo {
    /// [`Format::Csr`] or [`Format::Csc`].
    pub format: Format,
    /// `[rows, cols]`.
    pub shape: [usize; 2],
    /// Element type of `data`.
    pub dtype: DType,
    /// Stored entries (length of `data`).
    pub nnz: usize,
}

/// `file:/group` for messages.
pub(crate) fn where_is(g: &Group) -> String {
    format!("{}:{}", g.file_path().display(), g.path())
}

/// A sparse group, opened and its attributes checked.
pub(crate) struct SparseGroup {
    pub(crate) group: Group,
    pub(crate) format: Format,
    pub(crate) shape: [usize; 2],
    /// `file:/group` for messages.
    pub(crate) ctx: String,
}

impl SparseGroup {
    /// Opens group `name` under `parent` and reads its encoding and shape.
    pub(crate) fn open(parent: &Group, name: &str) -> Result<Self> {
        let group = parent.group(name).map_err(|e| match e {
            ooc_hdf5::Error::NotFound { .. } | ooc_hdf5::Error::WrongKind { .. } => {
                AnnDataError::Missing {
                    file: where_is(parent),
                    what: format!("group {name}"),
                }
            }
            other => other.into(),
        })?;
        let ctx = where_is(&group);
        let attr = |name: &str| {
            group.attr(name).map_err(|e| match e {
                ooc_hdf5::Error::NotFound { .. } => AnnDataError::Missing {
                    file: ctx.clone(),
                    what: format!("attribute {name}"),
                },
                other => other.into(),
            })
        };
        let encoding = attr("encoding-type")?;
        let format = match encoding.as_str() {
            Some("csr_matrix") => Format::Csr,
            Some("csc_matrix") => Format::Csc,
            _ => {
                return Err(AnnDataError::Unsupported {
                    file: ctx,
                    reason: format!(
                        "encoding-type {encoding:?} is not \"csr_matrix\" or \"csc_matrix\""
                    ),
                });
            }
        };
        let stored = attr("shape")?;
        let Some(values) = stored.to_i64_vec() else {
            return Err(AnnDataError::Unsupported {
                file: ctx,
                reason: format!("shape attribute holds {stored:?}, not integers"),
            });
        };
        let shape = match values[..] {
            [rows, cols] => usize::try_from(rows)
                .ok()
                .zip(usize::try_from(cols).ok())
                .map(|(r, c)| [r, c]),
            _ => None,
        };
        let Some(shape) = shape else {
            return Err(AnnDataError::BadShape {
                file: ctx,
                shape: values,
            });
        };
        Ok(SparseGroup {
            group,
            format,
            shape,
            ctx,
        })
    }

    /// Opens dataset `name` of the group, which must be one-dimensional; returns it and
    /// its length.
    pub(crate) fn dataset(&self, name: &str) -> Result<(Dataset, usize)> {
        let ds = self.group.dataset(name).map_err(|e| match e {
            ooc_hdf5::Error::NotFound { .. } | ooc_hdf5::Error::WrongKind { .. } => {
                AnnDataError::Missing {
                    file: self.ctx.clone(),
                    what: format!("dataset {name}"),
                }
            }
            other => other.into(),
        })?;
        match *ds.shape() {
            [n] => Ok((ds, n)),
            ref other => Err(AnnDataError::Unsupported {
                file: self.ctx.clone(),
                reason: format!("dataset {name} has shape {other:?}, expected one dimension"),
            }),
        }
    }

    /// Opens `data` and checks that it holds `T`; returns it and its length.
    pub(crate) fn data<T: Element>(&self) -> Result<(Dataset, usize)> {
        let (ds, n) = self.dataset("data")?;
        if ds.dtype() != T::DTYPE {
            return Err(AnnDataError::DTypeMismatch {
                what: format!("{}/data", self.ctx),
                stored: ds.dtype(),
                requested: T::DTYPE,
            });
        }
        Ok((ds, n))
    }

    /// Reads the integer dataset `name` as indices.
    pub(crate) fn indices(&self, name: &str) -> Result<Vec<usize>> {
        Ok(self.dataset(name)?.0.read_indices()?)
    }
}

/// Reads the format, shape, element type and stored entries of a sparse group without
/// reading its arrays.
///
/// # Errors
/// [`AnnDataError::Missing`] for a missing group, attribute or dataset;
/// [`AnnDataError::Unsupported`] for another encoding or a `data` that is not
/// one-dimensional; [`AnnDataError::BadShape`]; [`AnnDataError::Hdf5`] for a `data` of a
/// type ooc cannot hold, and from the library.
pub fn anndata_info(parent: &Group, name: &str) -> Result<AnnDataInfo> {
    let g = SparseGroup::open(parent, name)?;
    let (data, nnz) = g.dataset("data")?;
    Ok(AnnDataInfo {
        format: g.format,
        shape: g.shape,
        dtype: data.dtype(),
        nnz,
    })
}

/// Reads a whole CSR or CSC group, checking its structure.
///
/// # Errors
/// As [`anndata_info`]; [`AnnDataError::DTypeMismatch`] when `data` is not `T`;
/// [`AnnDataError::Hdf5`] with [`ooc_hdf5::Error::IndexValue`] for a negative index;
/// [`AnnDataError::Sparse`] with every structural error of [`CsrMatrix::new`] /
/// [`CscMatrix::new`].
pub fn read_anndata<T: Element>(parent: &Group, name: &str) -> Result<AnySparse<T>> {
    let g = SparseGroup::open(parent, name)?;
    let data = g.data::<T>()?.0.read_vec::<T>()?;
    let indices = g.indices("indices")?;
    let indptr = g.indices("indptr")?;
    Ok(match g.format {
        Format::Csc => AnySparse::Csc(CscMatrix::new(g.shape, indptr, indices, data)?),
        _ => AnySparse::Csr(CsrMatrix::new(g.shape, indptr, indices, data)?),
    })
}

/// Creates dataset `name` of `g` holding `data`, chunked and compressed as `opts` says.
fn write_dataset<T: Element>(
    g: &Group,
    name: &str,
    data: &[T],
    opts: H5SparseOptions,
) -> Result<()> {
    let mut builder = g.new_dataset::<T>(name);
    if let Some(c) = opts.chunk.filter(|_| !data.is_empty()) {
        builder = builder.chunk([c.clamp(1, data.len())]);
        if let Some(level) = opts.deflate {
            builder = builder.deflate(level.min(9));
        }
    }
    builder.create_with_data(data)?;
    Ok(())
}

/// Creates index dataset `name` of `g`: int32 when `int32`, int64 otherwise.
fn write_index(
    g: &Group,
    name: &str,
    values: impl Iterator<Item = usize>,
    int32: bool,
    opts: H5SparseOptions,
) -> Result<()> {
    if int32 {
        let v: Vec<i32> = values
            .map(|x| i32::try_from(x).unwrap_or(i32::MAX))
            .collect();
        write_dataset(g, name, &v, opts)
    } else {
        let v: Vec<i64> = values
            .map(|x| i64::try_from(x).unwrap_or(i64::MAX))
            .collect();
        write_dataset(g, name, &v, opts)
    }
}

/// Writes a CSR or CSC matrix as a new anndata sparse group `name` under `parent`
/// (missing parent groups are created).
///
/// ```
/// use ooc_anndata::{H5SparseOptions, read_anndata, write_anndata};
/// use ooc_core::Par;
/// let dir = tempfile::tempdir()?;
/// let file = ooc_hdf5::File::create(dir.path().join("a.h5ad"))?;
/// let a = ooc_sparse::random_csr::<f64>(10, 20, 0.1, 1, Par::Seq)?;
/// let opts = H5SparseOptions { chunk: Some(64), deflate: Some(4) };
/// write_anndata(&file, "layers/counts", &a.to_csc(), opts)?;
/// assert_eq!(read_anndata::<f64>(&file, "layers/counts")?.into_csr(), a);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
/// [`AnnDataError::Exists`] when `name` already exists; [`AnnDataError::Hdf5`] when the
/// group, its attributes or datasets cannot be created (a read-only file, say).
pub fn write_anndata<'a, T: Element>(
    parent: &Group,
    name: &str,
    matrix: impl Into<AnnDataMatrix<'a, T>>,
    opts: H5SparseOptions,
) -> Result<()> {
    if parent.contains(name) {
        return Err(AnnDataError::Exists {
            file: where_is(parent),
            name: name.to_owned(),
        });
    }
    let (encoding, shape, indptr, indices, data) = match matrix.into() {
        AnnDataMatrix::Csr(m) => ("csr_matrix", m.shape(), m.indptr(), m.indices(), m.data()),
        AnnDataMatrix::Csc(m) => ("csc_matrix", m.shape(), m.indptr(), m.indices(), m.data()),
    };
    let g = parent.create_group_all(name)?;
    g.set_attr("encoding-type", encoding)?;
    g.set_attr("encoding-version", ANNDATA_ENCODING_VERSION)?;
    let shape: Vec<i64> = shape
        .iter()
        .map(|&x| i64::try_from(x).unwrap_or(i64::MAX))
        .collect();
    g.set_attr("shape", shape)?;
    let max = indices
        .iter()
        .chain(indptr.iter().copied())
        .max()
        .unwrap_or(0);
    let int32 = i32::try_from(max).is_ok();
    write_dataset(&g, "data", data, opts)?;
    write_index(&g, "indices", indices.iter(), int32, opts)?;
    write_index(&g, "indptr", indptr.iter().copied(), int32, opts)?;
    Ok(())
}

/// Writes `matrix` as group `name` of the HDF5 file at `path` (created if absent). To
/// make a new file that anndata opens as an `AnnData`, use [`save_h5ad`](crate::save_h5ad).
///
/// # Errors
/// As [`write_anndata`], and [`AnnDataError::Hdf5`] when the file cannot be opened or
/// closed.
pub fn save_anndata<'a, T: Element>(
    path: impl AsRef<Path>,
    name: &str,
    matrix: impl Into<AnnDataMatrix<'a, T>>,
    opts: H5SparseOptions,
) -> Result<()> {
    let file = File::append(path)?;
    write_anndata(&file, name, matrix, opts)?;
    Ok(file.close()?)
}

/// Reads group `name` of the HDF5 file at `path`.
///
/// # Errors
/// As [`read_anndata`], and [`AnnDataError::Hdf5`] when the file cannot be opened.
pub fn load_anndata<T: Element>(path: impl AsRef<Path>, name: &str) -> Result<AnySparse<T>> {
    let file = File::open(path)?;
    read_anndata(&file, name)
}
