//! Opening a SOURCE as the crates' array objects, whatever its format and element type.
//!
//! Commands are written once, generically over the element type and the backend, as a
//! [`DenseVisit`]; [`with_dense`] detects the format, learns the element type from the
//! file and calls the visitor with the opened array (an `ooc-mmap` map or an `ooc-hdf5`
//! dataset), so the block traits of `ooc-core` are all a command sees.

use std::path::Path;

use ooc_core::{DType, Par, ReadBlock, ReadSparseRows, dispatch_dtype};
use ooc_mmap::{MmapArray, Mode, RawLayout, inspect_npy};

use crate::RawArgs;
use crate::failure::{AtPath, CliResult, Failure};
use crate::source::{Format, SourceSpec, detect};
use crate::stats::Summarize;

/// A command's work on one dense array, generic over element type and backend.
pub(crate) trait DenseVisit {
    /// What the work produces.
    type Output;

    /// Does the work on `array`, whose elements are `T`.
    fn visit<T: Summarize, A: ReadBlock<T>>(self, array: &A) -> CliResult<Self::Output>;
}

/// A command's work on one sparse matrix, generic over element type.
pub(crate) trait SparseVisit {
    /// What the work produces.
    type Output;

    /// Does the work on `matrix`, whose elements are `T`, described by `desc`.
    fn visit<T: Summarize>(
        self,
        matrix: &SparseSource<T>,
        desc: &SparseDesc,
    ) -> CliResult<Self::Output>;
}

/// Where a sparse matrix comes from.
#[derive(Debug, Clone)]
pub(crate) struct SparseDesc {
    /// Its format as stored (`csr`, `csc`, `coo`, ...).
    pub(crate) format: String,
    /// Its storage (`npz`, `anndata`).
    pub(crate) storage: &'static str,
    /// Its element type.
    pub(crate) dtype: DType,
}

/// A sparse matrix as the commands read it: in memory (`.npz` archives and CSC groups,
/// which `ooc-sparse` reads whole) or streamed row block by row block from an anndata
/// CSR group.
pub(crate) enum SparseSource<T> {
    /// Held in memory, in CSR form.
    Memory(ooc_sparse::CsrMatrix<T>),
    /// Read from the file as rows are asked for (boxed: its two readers are large).
    Stream(Box<ooc_anndata::H5CsrRows<T>>),
}

impl<T: ooc_core::Element> ReadSparseRows<T> for SparseSource<T> {
    fn sparse_shape(&self) -> [usize; 2] {
        match self {
            SparseSource::Memory(m) => m.sparse_shape(),
            SparseSource::Stream(m) => m.sparse_shape(),
        }
    }
    fn nnz(&self) -> usize {
        match self {
            SparseSource::Memory(m) => ReadSparseRows::nnz(m),
            SparseSource::Stream(m) => ReadSparseRows::nnz(&**m),
        }
    }
    fn row_offsets(&self) -> ooc_core::Result<Vec<usize>> {
        match self {
            SparseSource::Memory(m) => m.row_offsets(),
            SparseSource::Stream(m) => m.row_offsets(),
        }
    }
    fn read_rows(
        &self,
        row0: usize,
        nrows: usize,
        out: &mut ooc_core::CsrBlock<T>,
    ) -> ooc_core::Result<()> {
        match self {
            SparseSource::Memory(m) => m.read_rows(row0, nrows, out),
            SparseSource::Stream(m) => m.read_rows(row0, nrows, out),
        }
    }
    fn concurrent_reads(&self) -> bool {
        match self {
            SparseSource::Memory(m) => m.concurrent_reads(),
            SparseSource::Stream(m) => m.concurrent_reads(),
        }
    }
}

/// Whether a SOURCE holds a sparse matrix: a `.npz` archive, or a group (an anndata
/// sparse group) inside an HDF5 file.
pub(crate) fn is_sparse(spec: &SourceSpec) -> CliResult<bool> {
    Ok(match (detect(&spec.file)?, &spec.inner) {
        (Format::Npz, _) => true,
        (Format::Hdf5, Some(inner)) => ooc_hdf5::File::open(&spec.file)
            .and_then(|f| f.root().kind_of(inner))
            .is_ok_and(|k| k == ooc_hdf5::MemberKind::Group),
        _ => false,
    })
}

/// Format, storage and element type of the sparse matrix `spec` names.
pub(crate) fn sparse_desc(spec: &SourceSpec) -> CliResult<SparseDesc> {
    let path = spec.file.as_path();
    match (detect(path)?, spec.inner.as_deref()) {
        (Format::Npz, None) => {
            let info = npz_info(path)?;
            Ok(SparseDesc {
                format: info.format.name().to_string(),
                storage: "npz",
                dtype: info.dtype,
            })
        }
        (Format::Npz, Some(inner)) => Err(Failure::at(
            path,
            format!("is a .npz archive, so it has no inner path {inner:?}"),
        )),
        (_, Some(inner)) => {
            let file = ooc_hdf5::File::open(path).at(path)?;
            let info = ooc_anndata::anndata_info(&file, inner).map_err(|e| {
                Failure::at(
                    path,
                    format!("{inner} is a group but not an anndata sparse matrix ({e})"),
                )
            })?;
            Ok(SparseDesc {
                format: info.format.name().to_string(),
                storage: "anndata",
                dtype: info.dtype,
            })
        }
        (format, None) => Err(Failure::at(
            path,
            format!("is a {} file, not a sparse matrix", format.name()),
        )),
    }
}

/// The sparse matrix `spec` names, in its stored format, in memory.
pub(crate) fn load_sparse<T: ooc_core::Element>(
    spec: &SourceSpec,
) -> CliResult<ooc_sparse::AnySparse<T>> {
    let path = spec.file.as_path();
    match spec.inner.as_deref() {
        None => ooc_sparse::load_npz::<T>(path).at(path),
        Some(inner) => ooc_anndata::load_anndata::<T>(path, inner).at(path),
    }
}

/// Opens the sparse matrix `spec` names and runs `visit` on it.
///
/// `.npz` archives and CSC groups are loaded into memory (`ooc-sparse` reads them whole)
/// and converted to CSR; anndata CSR groups are streamed in row blocks.
pub(crate) fn with_sparse<V: SparseVisit>(spec: &SourceSpec, visit: V) -> CliResult<V::Output> {
    let path = spec.file.as_path();
    let desc = sparse_desc(spec)?;
    macro_rules! open {
        ($t:ty) => {{
            let m = match (desc.storage, spec.inner.as_deref()) {
                ("anndata", Some(inner)) if desc.format == "csr" => SparseSource::Stream(Box::new(
                    ooc_anndata::H5CsrRows::<$t>::open_path(path, inner).at(path)?,
                )),
                _ => SparseSource::Memory(load_sparse::<$t>(spec)?.try_into_csr().at(path)?),
            };
            visit.visit::<$t>(&m, &desc)
        }};
    }
    dispatch_dtype!(desc.dtype, open)
}

/// What a scipy sparse `.npz` archive holds, or why it is not one.
pub(crate) fn npz_info(path: &Path) -> CliResult<ooc_sparse::NpzInfo> {
    ooc_sparse::npz_info(path).map_err(|e| {
        Failure::at(
            path,
            format!("{e} (ooc reads .npz archives of sparse matrices, as scipy.sparse.save_npz writes them)"),
        )
    })
}

/// Checks that a raw file's length is exactly what `--dtype`, `--shape` and `--offset`
/// describe, naming both numbers when it is not, and returns the layout.
pub(crate) fn raw_layout(path: &Path, raw: &RawArgs) -> CliResult<(DType, RawLayout)> {
    let (Some((dtype, order)), Some(shape)) = (raw.dtype, raw.shape.clone().map(|s| s.0)) else {
        return Err(Failure::usage(format!(
            "{}: not a .npy, .npz or HDF5 file; to read it as raw elements give --dtype and --shape",
            path.display()
        )));
    };
    if !order.is_native() {
        return Err(Failure::at(
            path,
            format!(
                "raw {} elements in non-native byte order cannot be mapped",
                dtype.numpy_descr(order)
            ),
        ));
    }
    let data = ooc_core::shape::checked_bytes(&shape, dtype.size()).at(path)?;
    let file_len = std::fs::metadata(path).at(path)?.len();
    let needed = u64::try_from(data)
        .ok()
        .and_then(|d| d.checked_add(raw.offset));
    if needed != Some(file_len) {
        let needed = needed.map_or_else(|| "more than 2^64".to_string(), |n| n.to_string());
        return Err(Failure::at(
            path,
            format!(
                "--dtype {dtype} --shape {shape:?} --offset {} describe {needed} bytes but the file has {file_len} bytes",
                raw.offset
            ),
        ));
    }
    Ok((dtype, RawLayout::c_order(shape).with_offset(raw.offset)))
}

/// Opens the SOURCE `source` names, a sparse matrix or a dense array, and runs `visit` on
/// it.
pub(crate) fn with_source<V, O>(source: &str, raw: &RawArgs, visit: V) -> CliResult<O>
where
    V: DenseVisit<Output = O> + SparseVisit<Output = O>,
{
    let spec = SourceSpec::parse(source);
    if is_sparse(&spec)? {
        with_sparse(&spec, visit)
    } else {
        with_dense(&spec, raw, visit)
    }
}

/// Opens the dense array `spec` names and runs `visit` on it.
pub(crate) fn with_dense<V: DenseVisit>(
    spec: &SourceSpec,
    raw: &RawArgs,
    visit: V,
) -> CliResult<V::Output> {
    let path = spec.file.as_path();
    let format = detect(path)?;
    if spec.inner.is_some() && format != Format::Hdf5 {
        return Err(Failure::at(
            path,
            format!(
                "is a {} file, so it has no inner path {:?}",
                format.name(),
                spec.inner.as_deref().unwrap_or_default()
            ),
        ));
    }
    match format {
        Format::Npy => {
            let header = inspect_npy(path).at(path)?;
            if !header.order.is_native() {
                return Err(Failure::at(
                    path,
                    format!(
                        "stores {} elements in non-native byte order, which cannot be mapped and streamed; convert it first (numpy: a.astype(a.dtype.newbyteorder('=')))",
                        header.dtype.numpy_descr(header.order)
                    ),
                ));
            }
            macro_rules! npy {
                ($t:ty) => {{
                    let a = MmapArray::<$t>::open_npy(path, Mode::ReadOnly).at(path)?;
                    visit.visit::<$t, _>(&a)
                }};
            }
            dispatch_dtype!(header.dtype, npy)
        }
        Format::Raw => {
            let (dtype, layout) = raw_layout(path, raw)?;
            macro_rules! raw {
                ($t:ty) => {{
                    let a = MmapArray::<$t>::open_raw(path, &layout, Mode::ReadOnly).at(path)?;
                    visit.visit::<$t, _>(&a)
                }};
            }
            dispatch_dtype!(dtype, raw)
        }
        Format::Npz => Err(Failure::at(
            path,
            "is a sparse .npz archive, which this command does not take",
        )),
        Format::Hdf5 => {
            let Some(inner) = spec.inner.as_deref() else {
                return Err(Failure::usage(format!(
                    "{}: is an HDF5 file: name a dataset inside it, as {}:/path/to/dataset (see `ooc info`)",
                    path.display(),
                    path.display()
                )));
            };
            let file = ooc_hdf5::File::open(path).at(path)?;
            let ds = file.root().dataset(inner).at(path)?;
            // Reads bypass the library lock where the storage allows; the scheduler's
            // workers supply the parallelism, so each read decodes on its own thread.
            let reader = ds
                .parallel_reader()
                .and_then(|r| r.with_par(Par::Seq))
                .at(path)?;
            macro_rules! h5 {
                ($t:ty) => {
                    visit.visit::<$t, _>(&reader)
                };
            }
            dispatch_dtype!(ds.dtype(), h5)
        }
    }
}
