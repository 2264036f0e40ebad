//! The skeleton of an `.h5ad` file: what `anndata.read_h5ad` (0.12) needs besides the
//! matrices — the root's encoding attributes, `obs` and `var` dataframes whose `_index`
//! string arrays give the number of observations and variables, and the empty
//! dictionaries `obsm`, `varm`, `obsp`, `varp`, `layers` and `uns`. Without it anndata
//! refuses a file that holds only `/X` (`KeyError: obs`).

use std::path::Path;

use ooc_core::Element;
use ooc_hdf5::{AttrValue, File, Group};
use ooc_sparse::SparseMatrix;

use crate::error::Result;
use crate::sparse::{AnnDataMatrix, H5SparseOptions, write_anndata};

/// The `encoding-version` of the root of an `.h5ad` file (`encoding-type` `anndata`).
pub const H5AD_ENCODING_VERSION: &str = "0.1.0";

/// Encoding of the `obs` and `var` dataframes and of their index.
const DATAFRAME_VERSION: &str = "0.2.0";
/// Encoding of the dictionaries.
const DICT_VERSION: &str = "0.1.0";
/// The groups anndata reads as dictionaries, empty in a new file.
const DICTS: [&str; 6] = ["obsm", "varm", "obsp", "varp", "layers", "uns"];

/// Sets the `encoding-type` and `encoding-version` attributes of the object at `path`
/// unless it already has an encoding.
fn encode(root: &Group, path: &str, kind: &str, version: &str) -> Result<()> {
    if matches!(
        root.attr_at(path, "encoding-type"),
        Err(ooc_hdf5::Error::NotFound { .. })
    ) {
        root.set_attr_at(path, "encoding-type", kind)?;
        root.set_attr_at(path, "encoding-version", version)?;
    }
    Ok(())
}

/// Writes the `obs` or `var` dataframe `name` with `len` rows named `0`, `1`, ... (as
/// anndata names them), unless it exists.
fn dataframe(root: &Group, name: &str, len: usize) -> Result<()> {
    if root.contains(name) {
        return Ok(());
    }
    let g = root.create_group(name)?;
    let names: Vec<String> = (0..len).map(|i| i.to_string()).collect();
    let index = format!("{name}/_index");
    root.create_strings(&index, &names)?;
    root.set_attr_at(&index, "encoding-type", "string-array")?;
    root.set_attr_at(&index, "encoding-version", DATAFRAME_VERSION)?;
    g.set_attr("_index", "_index")?;
    // anndata writes an empty column order as an empty float array.
    g.set_attr("column-order", AttrValue::FloatArray(Vec::new()))?;
    g.set_attr("encoding-type", "dataframe")?;
    g.set_attr("encoding-version", DATAFRAME_VERSION)?;
    Ok(())
}

/// Makes `root` (a file's root group, or a group to hold a nested `AnnData`) an `AnnData`
/// element of `shape` = `[observations, variables]` that `anndata.read_h5ad` opens:
/// writes the root's encoding, `obs` and `var` with indices `0`, `1`, ... of those
/// lengths, and empty `obsm`, `varm`, `obsp`, `varp`, `layers` and `uns`. What exists is
/// kept: an existing `obs` or `var` is left as it is, an existing dictionary (such as a
/// `layers` group made by [`write_anndata`]) only gains its encoding attributes if it has
/// none. Matrices go in with [`write_anndata`] as `X` or `layers/NAME`, of that shape;
/// anndata refuses a file with other top-level names.
///
/// The two indices are held in memory while written (a few bytes per row and column).
///
/// ```
/// use ooc_anndata::{H5SparseOptions, write_anndata, write_h5ad_skeleton};
/// use ooc_core::Par;
/// let dir = tempfile::tempdir()?;
/// let file = ooc_hdf5::File::create(dir.path().join("s.h5ad"))?;
/// let x = ooc_sparse::random_csr::<f32>(30, 8, 0.2, 1, Par::Seq)?;
/// write_anndata(&file, "X", &x, H5SparseOptions::default())?;
/// write_h5ad_skeleton(&file, [30, 8])?;
/// assert_eq!(file.read_strings("var/_index")?.len(), 8);
/// assert_eq!(file.attr_string("encoding-type")?, "anndata");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
/// [`AnnDataError::Hdf5`](crate::AnnDataError::Hdf5) when a group, dataset or attribute
/// cannot be written (a read-only file, a dataset where a group belongs).
pub fn write_h5ad_skeleton(root: &Group, shape: [usize; 2]) -> Result<()> {
    encode(root, root.path(), "anndata", H5AD_ENCODING_VERSION)?;
    dataframe(root, "obs", shape[0])?;
    dataframe(root, "var", shape[1])?;
    for name in DICTS {
        if !root.contains(name) {
            root.create_group(name)?;
        }
        encode(root, name, "dict", DICT_VERSION)?;
    }
    Ok(())
}

/// Writes a new `.h5ad` file at `path` (replacing one that exists, as anndata's
/// `write_h5ad` does) holding `matrix` as `X` and the skeleton of
/// [`write_h5ad_skeleton`], so `anndata.read_h5ad(path)` opens it.
///
/// ```
/// use ooc_anndata::{H5SparseOptions, load_anndata, save_h5ad};
/// use ooc_core::Par;
/// let dir = tempfile::tempdir()?;
/// let path = dir.path().join("m.h5ad");
/// let x = ooc_sparse::random_csr::<f64>(5, 4, 0.5, 3, Par::Seq)?;
/// save_h5ad(&path, &x, H5SparseOptions::default())?;
/// assert_eq!(load_anndata::<f64>(&path, "X")?.into_csr(), x);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
/// As [`write_anndata`] and [`write_h5ad_skeleton`], and
/// [`AnnDataError::Hdf5`](crate::AnnDataError::Hdf5) when the file cannot be created or
/// closed.
pub fn save_h5ad<'a, T: Element>(
    path: impl AsRef<Path>,
    matrix: impl Into<AnnDataMatrix<'a, T>>,
    opts: H5SparseOptions,
) -> Result<()> {
    let matrix = matrix.into();
    let shape = match matrix {
        AnnDataMatrix::Csr(m) => m.shape(),
        AnnDataMatrix::Csc(m) => m.shape(),
    };
    let file = File::create(path)?;
    write_anndata(&file, "X", matrix, opts)?;
    write_h5ad_skeleton(&file, shape)?;
    Ok(file.close()?)
}
