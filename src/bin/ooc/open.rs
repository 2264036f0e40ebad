//! Running a command on a SOURCE, whatever its format and element type.
//!
//! Commands are written once, generically over the element type and the backend, as a
//! [`DenseVisit`] or [`SparseVisit`]; [`with_source`] asks the library what the SOURCE
//! holds ([`ooc::describe_with`]), picks the element type, opens it with
//! [`ooc::open_with`] (which chooses the fastest reader) and calls the visitor, so the
//! block traits of `ooc-core` are all a command sees.

use std::path::Path;

use ooc::{Array, Description, Kind, OpenOptions, RawSpec, SparseRows};
use ooc_core::{ReadBlock, dispatch_dtype};
use ooc_linalg::Summarize;

use crate::failure::{AtPath, CliResult, Failure};
use crate::source::SourceSpec;
use crate::{CommonArgs, RawArgs};

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
        matrix: &SparseRows<T>,
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
}

impl CommonArgs {
    /// The library's open options: the raw layout `raw` describes and this budget.
    pub(crate) fn open_options(&self, raw: &RawArgs) -> OpenOptions {
        OpenOptions {
            budget: self.budget,
            raw: match (raw.dtype, &raw.shape) {
                (Some((dtype, order)), Some(shape)) => Some(RawSpec {
                    dtype,
                    order,
                    shape: shape.0.clone(),
                    offset: raw.offset,
                }),
                _ => None,
            },
        }
    }
}

/// What `spec` holds.
pub(crate) fn describe(spec: &SourceSpec, opts: &OpenOptions) -> CliResult<Description> {
    Ok(ooc::describe_with(spec.to_string(), opts)?)
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

/// Opens the SOURCE `source` names, a sparse matrix or a dense array, and runs the
/// visitor for its kind on it.
pub(crate) fn with_source<V, O>(source: &str, opts: &OpenOptions, visit: V) -> CliResult<O>
where
    V: DenseVisit<Output = O> + SparseVisit<Output = O>,
{
    let spec = SourceSpec::parse(source);
    let desc = describe(&spec, opts)?;
    if desc.is_sparse() {
        visit_sparse(&desc, opts, visit)
    } else {
        visit_dense(&desc, opts, visit)
    }
}

/// Opens the dense array `spec` names and runs `visit` on it.
pub(crate) fn with_dense<V: DenseVisit>(
    spec: &SourceSpec,
    opts: &OpenOptions,
    visit: V,
) -> CliResult<V::Output> {
    let desc = describe(spec, opts)?;
    if desc.is_sparse() {
        return Err(Failure::at(
            &spec.file,
            "is a sparse matrix, which this command does not take",
        ));
    }
    visit_dense(&desc, opts, visit)
}

fn visit_dense<V: DenseVisit>(
    desc: &Description,
    opts: &OpenOptions,
    visit: V,
) -> CliResult<V::Output> {
    macro_rules! dense {
        ($t:ty) => {{
            let a: Array<$t> = ooc::open_with(desc.spec.to_string(), opts)?;
            visit.visit::<$t, _>(&a)
        }};
    }
    dispatch_dtype!(desc.dtype, dense)
}

fn visit_sparse<V: SparseVisit>(
    desc: &Description,
    opts: &OpenOptions,
    visit: V,
) -> CliResult<V::Output> {
    let Kind::Sparse {
        format, storage, ..
    } = &desc.kind
    else {
        return Err(Failure::at(&desc.spec.file, "is not a sparse matrix"));
    };
    let sparse = SparseDesc {
        format: format.clone(),
        storage,
    };
    let path: &Path = &desc.spec.file;
    macro_rules! sparse {
        ($t:ty) => {{
            let a: Array<$t> = ooc::open_with(desc.spec.to_string(), opts)?;
            let Some(rows) = a.as_sparse_rows() else {
                return Err(Failure::at(path, "is not a sparse matrix"));
            };
            visit.visit::<$t>(rows, &sparse)
        }};
    }
    dispatch_dtype!(desc.dtype, sparse)
}
