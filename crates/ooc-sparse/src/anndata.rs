//! The anndata on-disk layout of sparse matrices in HDF5: a group with attributes
//! `encoding-type` (`csr_matrix` or `csc_matrix`), `encoding-version` (`0.1.0`) and
//! `shape` (two integers), holding one-dimensional datasets `data`, `indices` and
//! `indptr` — what `anndata` writes for `X` and layers of an `.h5ad` file, and what
//! h5py scripts commonly produce.
//!
//! [`write_anndata`] and [`read_anndata`] move whole matrices; [`H5CsrRows`] streams row
//! blocks of a CSR group (reading `indptr` once, then hyperslabs of `data` and `indices`
//! per block) through [`ReadSparseRows`], so a matrix larger than memory can be
//! multiplied block by block. Index datasets may be any integer type; `data` must be
//! the element type asked for (no silent conversion); complex numbers use h5py's
//! compound layout (fields `r` and `i`). Written indices are int32 when they fit, int64
//! otherwise, as scipy and anndata do.

use std::marker::PhantomData;
use std::ops::Range;
use std::path::Path;

use hdf5::types::{FloatSize, IntSize, TypeDescriptor, VarLenAscii, VarLenUnicode};
use hdf5::{Dataset, Group};
use ooc_core::{Complex, CsrBlock, DType, Element, ReadSparseRows, Region};

use crate::csr::{check_row_range, validate_indptr};
use crate::error::{Result, SparseError};
use crate::format::{AnySparse, Format, SparseMatrix};
use crate::{CscMatrix, CsrMatrix};

/// The `encoding-version` written and accepted.
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

/// h5py's complex layout.
#[derive(hdf5::H5Type, Clone, Copy, Debug, Default)]
#[repr(C)]
struct Pair32 {
    r: f32,
    i: f32,
}

/// h5py's complex layout.
#[derive(hdf5::H5Type, Clone, Copy, Debug, Default)]
#[repr(C)]
struct Pair64 {
    r: f64,
    i: f64,
}

fn h5err(context: &str) -> impl FnOnce(hdf5::Error) -> SparseError + '_ {
    move |source| SparseError::Hdf5 {
        context: context.to_string(),
        source,
    }
}

/// `file:/group` for messages.
fn where_is(g: &Group) -> String {
    format!("{}:{}", g.filename(), g.name())
}

/// The element type a dataset holds, if it is one of ours.
fn dtype_of(ds: &Dataset, ctx: &str) -> Result<DType> {
    let descr = ds
        .dtype()
        .and_then(|t| t.to_descriptor())
        .map_err(h5err(ctx))?;
    let unsupported = |d: &TypeDescriptor| SparseError::Unsupported {
        file: ctx.to_string(),
        reason: format!(
            "dataset {} holds {d}, not a supported number type",
            ds.name()
        ),
    };
    Ok(match &descr {
        TypeDescriptor::Integer(s) => match s {
            IntSize::U1 => DType::I8,
            IntSize::U2 => DType::I16,
            IntSize::U4 => DType::I32,
            IntSize::U8 => DType::I64,
        },
        TypeDescriptor::Unsigned(s) => match s {
            IntSize::U1 => DType::U8,
            IntSize::U2 => DType::U16,
            IntSize::U4 => DType::U32,
            IntSize::U8 => DType::U64,
        },
        TypeDescriptor::Float(FloatSize::U4) => DType::F32,
        TypeDescriptor::Float(FloatSize::U8) => DType::F64,
        TypeDescriptor::Compound(c) if c.fields.len() == 2 => {
            let parts: Vec<&TypeDescriptor> = c.fields.iter().map(|f| &f.ty).collect();
            match parts[..] {
                [
                    TypeDescriptor::Float(FloatSize::U4),
                    TypeDescriptor::Float(FloatSize::U4),
                ] => DType::C64,
                [
                    TypeDescriptor::Float(FloatSize::U8),
                    TypeDescriptor::Float(FloatSize::U8),
                ] => DType::C128,
                _ => return Err(unsupported(&descr)),
            }
        }
        other => return Err(unsupported(other)),
    })
}

fn one_dim(ds: &Dataset, ctx: &str) -> Result<usize> {
    match ds.shape()[..] {
        [n] => Ok(n),
        ref other => Err(SparseError::Unsupported {
            file: ctx.to_string(),
            reason: format!(
                "dataset {} has shape {other:?}, expected one dimension",
                ds.name()
            ),
        }),
    }
}

/// Reads `range` (or all) of a numeric dataset as `T`, which must be its stored type.
fn read_values<T: Element>(ds: &Dataset, range: Option<Range<usize>>, ctx: &str) -> Result<Vec<T>> {
    let stored = dtype_of(ds, ctx)?;
    if stored != T::DTYPE {
        return Err(SparseError::DTypeMismatch {
            what: format!("{ctx} {}", ds.name()),
            stored,
            requested: T::DTYPE,
        });
    }
    macro_rules! read {
        ($t:ty) => {{
            let v: Vec<$t> = match range {
                None => ds.read_raw::<$t>(),
                Some(r) => ds
                    .read_slice_1d::<$t, _>(r)
                    .map(|a| a.into_raw_vec_and_offset().0),
            }
            .map_err(h5err(ctx))?;
            v
        }};
    }
    macro_rules! cast {
        ($t:ty) => {{
            let v = read!($t);
            bytemuck::try_cast_vec::<$t, T>(v)
                .unwrap_or_else(|(_, v)| bytemuck::pod_collect_to_vec(&v))
        }};
    }
    Ok(match T::DTYPE {
        DType::I8 => cast!(i8),
        DType::I16 => cast!(i16),
        DType::I32 => cast!(i32),
        DType::I64 => cast!(i64),
        DType::U8 => cast!(u8),
        DType::U16 => cast!(u16),
        DType::U32 => cast!(u32),
        DType::U64 => cast!(u64),
        DType::F32 => cast!(f32),
        DType::F64 => cast!(f64),
        DType::C64 => {
            let v: Vec<Complex<f32>> = read!(Pair32)
                .into_iter()
                .map(|p| Complex::new(p.r, p.i))
                .collect();
            bytemuck::try_cast_vec(v).unwrap_or_else(|(_, v)| bytemuck::pod_collect_to_vec(&v))
        }
        DType::C128 => {
            let v: Vec<Complex<f64>> = read!(Pair64)
                .into_iter()
                .map(|p| Complex::new(p.r, p.i))
                .collect();
            bytemuck::try_cast_vec(v).unwrap_or_else(|(_, v)| bytemuck::pod_collect_to_vec(&v))
        }
    })
}

/// Reads the integer dataset `name` of `g` as non-negative `usize`s.
fn read_indices(g: &Group, name: &'static str, ctx: &str) -> Result<Vec<usize>> {
    let ds = dataset(g, name, ctx)?;
    let stored = dtype_of(&ds, ctx)?;
    let bad = |value: i128| SparseError::BadInteger { what: name, value };
    match stored.kind() {
        'i' => read_nonnegative::<i64>(&ds, ctx, bad),
        'u' => read_nonnegative::<u64>(&ds, ctx, bad),
        _ => Err(SparseError::Unsupported {
            file: ctx.to_string(),
            reason: format!("dataset {} holds {stored}, expected integers", ds.name()),
        }),
    }
}

/// Reads an integer dataset as `I` and converts the values to `usize`s, or
/// `bad(value)` for the first one that is negative or too large.
fn read_nonnegative<I>(
    ds: &Dataset,
    ctx: &str,
    bad: impl Fn(i128) -> SparseError,
) -> Result<Vec<usize>>
where
    I: hdf5::H5Type + Copy + Into<i128> + TryInto<usize>,
{
    let v: Vec<I> = ds.read_raw::<I>().map_err(h5err(ctx))?;
    v.into_iter()
        .map(|x| x.try_into().map_err(|_| bad(x.into())))
        .collect()
}

fn read_string_attr(g: &Group, name: &str, ctx: &str) -> Result<String> {
    let attr = g.attr(name).map_err(|_| SparseError::Missing {
        file: ctx.to_string(),
        what: format!("attribute {name}"),
    })?;
    if let Ok(s) = attr.read_scalar::<VarLenUnicode>() {
        return Ok(s.as_str().to_string());
    }
    if let Ok(s) = attr.read_scalar::<VarLenAscii>() {
        return Ok(s.as_str().to_string());
    }
    if let Ok(s) = attr.read_scalar::<hdf5::types::FixedAscii<256>>() {
        return Ok(s.as_str().to_string());
    }
    attr.read_scalar::<hdf5::types::FixedUnicode<256>>()
        .map(|s| s.as_str().to_string())
        .map_err(h5err(ctx))
}

/// Opens a sparse group and checks its attributes; returns the group, its format and
/// shape.
fn open_group(parent: &Group, name: &str) -> Result<(Group, Format, [usize; 2], String)> {
    let ctx_parent = where_is(parent);
    let g = parent.group(name).map_err(|_| SparseError::Missing {
        file: ctx_parent.clone(),
        what: format!("group {name}"),
    })?;
    let ctx = where_is(&g);
    let encoding = read_string_attr(&g, "encoding-type", &ctx)?;
    let format = match encoding.as_str() {
        "csr_matrix" => Format::Csr,
        "csc_matrix" => Format::Csc,
        other => {
            return Err(SparseError::Unsupported {
                file: ctx,
                reason: format!("encoding-type {other:?} is not csr_matrix or csc_matrix"),
            });
        }
    };
    let attr = g.attr("shape").map_err(|_| SparseError::Missing {
        file: ctx.clone(),
        what: "attribute shape".into(),
    })?;
    let raw: Vec<i64> = attr.read_raw::<i64>().map_err(h5err(&ctx))?;
    let [rows, cols] = raw[..] else {
        return Err(SparseError::Unsupported {
            file: ctx,
            reason: format!("shape attribute holds {} values, expected 2", raw.len()),
        });
    };
    let dim = |x: i64| {
        usize::try_from(x)
            .ok()
            .filter(|&x| isize::try_from(x).is_ok())
            .ok_or(SparseError::BadInteger {
                what: "shape",
                value: i128::from(x),
            })
    };
    let shape = [dim(rows)?, dim(cols)?];
    Ok((g, format, shape, ctx))
}

fn dataset(g: &Group, name: &str, ctx: &str) -> Result<Dataset> {
    g.dataset(name).map_err(|_| SparseError::Missing {
        file: ctx.to_string(),
        what: format!("dataset {name}"),
    })
}

/// Reads the format, shape, element type and stored entries of a sparse group without
/// reading its arrays.
///
/// # Errors
/// [`SparseError::Missing`] for a missing group, attribute or dataset;
/// [`SparseError::Unsupported`] for another encoding or a non-numeric `data`;
/// [`SparseError::BadInteger`] for a negative shape; [`SparseError::Hdf5`] from the library.
pub fn anndata_info(parent: &Group, name: &str) -> Result<AnnDataInfo> {
    let (g, format, shape, ctx) = open_group(parent, name)?;
    let data = dataset(&g, "data", &ctx)?;
    Ok(AnnDataInfo {
        format,
        shape,
        dtype: dtype_of(&data, &ctx)?,
        nnz: one_dim(&data, &ctx)?,
    })
}

/// Reads a whole CSR or CSC group, checking its structure.
///
/// # Errors
/// As [`anndata_info`]; [`SparseError::DTypeMismatch`] when `data` is not `T`; every
/// structural error of [`CsrMatrix::new`] / [`CscMatrix::new`].
pub fn read_anndata<T: Element>(parent: &Group, name: &str) -> Result<AnySparse<T>> {
    let (g, format, shape, ctx) = open_group(parent, name)?;
    let data = read_values::<T>(&dataset(&g, "data", &ctx)?, None, &ctx)?;
    let indices = read_indices(&g, "indices", &ctx)?;
    let indptr = read_indices(&g, "indptr", &ctx)?;
    Ok(match format {
        Format::Csc => AnySparse::Csc(CscMatrix::new(shape, indptr, indices, data)?),
        _ => AnySparse::Csr(CsrMatrix::new(shape, indptr, indices, data)?),
    })
}

fn write_dataset<T: Element>(
    g: &Group,
    name: &str,
    data: &[T],
    opts: H5SparseOptions,
    ctx: &str,
) -> Result<()> {
    macro_rules! write {
        ($t:ty, $v:expr) => {{
            let v: &[$t] = $v;
            let builder = g.new_dataset_builder();
            let result = match opts.chunk {
                Some(c) if !v.is_empty() => {
                    let b = builder.with_data(v).chunk(c.clamp(1, v.len()));
                    match opts.deflate {
                        Some(level) => b.deflate(level.min(9)).create(name),
                        None => b.create(name),
                    }
                }
                _ => builder.with_data(v).create(name),
            };
            result.map(|_| ()).map_err(h5err(ctx))
        }};
    }
    match T::DTYPE {
        DType::I8 => write!(i8, bytemuck::cast_slice(data)),
        DType::I16 => write!(i16, bytemuck::cast_slice(data)),
        DType::I32 => write!(i32, bytemuck::cast_slice(data)),
        DType::I64 => write!(i64, bytemuck::cast_slice(data)),
        DType::U8 => write!(u8, bytemuck::cast_slice(data)),
        DType::U16 => write!(u16, bytemuck::cast_slice(data)),
        DType::U32 => write!(u32, bytemuck::cast_slice(data)),
        DType::U64 => write!(u64, bytemuck::cast_slice(data)),
        DType::F32 => write!(f32, bytemuck::cast_slice(data)),
        DType::F64 => write!(f64, bytemuck::cast_slice(data)),
        DType::C64 => {
            let c: &[Complex<f32>] = bytemuck::cast_slice(data);
            let v: Vec<Pair32> = c.iter().map(|z| Pair32 { r: z.re, i: z.im }).collect();
            write!(Pair32, &v)
        }
        DType::C128 => {
            let c: &[Complex<f64>] = bytemuck::cast_slice(data);
            let v: Vec<Pair64> = c.iter().map(|z| Pair64 { r: z.re, i: z.im }).collect();
            write!(Pair64, &v)
        }
    }
}

fn write_index(
    g: &Group,
    name: &str,
    values: impl Iterator<Item = usize>,
    int32: bool,
    opts: H5SparseOptions,
    ctx: &str,
) -> Result<()> {
    if int32 {
        let v: Vec<i32> = values
            .map(|x| i32::try_from(x).unwrap_or(i32::MAX))
            .collect();
        write_dataset(g, name, &v, opts, ctx)
    } else {
        let v: Vec<i64> = values
            .map(|x| i64::try_from(x).unwrap_or(i64::MAX))
            .collect();
        write_dataset(g, name, &v, opts, ctx)
    }
}

/// Writes a CSR or CSC matrix as a new anndata sparse group `name` under `parent`.
///
/// ```
/// use ooc_sparse::{H5SparseOptions, read_anndata, write_anndata, random_csr};
/// use ooc_core::Par;
/// let dir = tempfile::tempdir()?;
/// let file = hdf5::File::create(dir.path().join("a.h5ad"))?;
/// let a = random_csr::<f32>(10, 20, 0.1, 1, Par::Seq)?;
/// write_anndata(&file, "X", &a, H5SparseOptions::default())?;
/// assert_eq!(read_anndata::<f32>(&file, "X")?.into_csr(), a);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
/// [`SparseError::Unsupported`] when `name` already exists; [`SparseError::Hdf5`] when
/// the library cannot create the group, its attributes or datasets.
pub fn write_anndata<'a, T: Element>(
    parent: &Group,
    name: &str,
    matrix: impl Into<AnnDataMatrix<'a, T>>,
    opts: H5SparseOptions,
) -> Result<()> {
    let ctx = format!(
        "{}:{}/{name}",
        parent.filename(),
        parent.name().trim_end_matches('/')
    );
    if parent.link_exists(name) {
        return Err(SparseError::Unsupported {
            file: ctx,
            reason: "an object of that name already exists".into(),
        });
    }
    let (encoding, shape, indptr, indices, data) = match matrix.into() {
        AnnDataMatrix::Csr(m) => ("csr_matrix", m.shape(), m.indptr(), m.indices(), m.data()),
        AnnDataMatrix::Csc(m) => ("csc_matrix", m.shape(), m.indptr(), m.indices(), m.data()),
    };
    let g = parent.create_group(name).map_err(h5err(&ctx))?;
    let text = |s: &str| {
        s.parse::<VarLenUnicode>()
            .map_err(|e| SparseError::Unsupported {
                file: ctx.clone(),
                reason: format!("attribute text {s:?}: {e}"),
            })
    };
    for (attr, value) in [
        ("encoding-type", encoding),
        ("encoding-version", ANNDATA_ENCODING_VERSION),
    ] {
        let value = text(value)?;
        g.new_attr::<VarLenUnicode>()
            .shape(())
            .create(attr)
            .and_then(|a| a.write_scalar(&value))
            .map_err(h5err(&ctx))?;
    }
    let shape_attr: Vec<i64> = shape
        .iter()
        .map(|&x| i64::try_from(x).unwrap_or(i64::MAX))
        .collect();
    g.new_attr_builder()
        .with_data(&shape_attr[..])
        .create("shape")
        .map_err(h5err(&ctx))?;
    let max = indices
        .iter()
        .chain(indptr.iter().copied())
        .max()
        .unwrap_or(0);
    let int32 = i32::try_from(max).is_ok();
    write_dataset(&g, "data", data, opts, &ctx)?;
    write_index(&g, "indices", indices.iter(), int32, opts, &ctx)?;
    write_index(&g, "indptr", indptr.iter().copied(), int32, opts, &ctx)?;
    Ok(())
}

/// Writes `matrix` as group `name` of the HDF5 file at `path` (created if absent).
///
/// # Errors
/// As [`write_anndata`], and [`SparseError::Hdf5`] when the file cannot be opened.
pub fn save_anndata<'a, T: Element>(
    path: impl AsRef<Path>,
    name: &str,
    matrix: impl Into<AnnDataMatrix<'a, T>>,
    opts: H5SparseOptions,
) -> Result<()> {
    let path = path.as_ref();
    let file = hdf5::File::append(path).map_err(h5err(&path.display().to_string()))?;
    write_anndata(&file, name, matrix, opts)?;
    file.flush().map_err(h5err(&path.display().to_string()))
}

/// Reads group `name` of the HDF5 file at `path`.
///
/// # Errors
/// As [`read_anndata`], and [`SparseError::Hdf5`] when the file cannot be opened.
pub fn load_anndata<T: Element>(path: impl AsRef<Path>, name: &str) -> Result<AnySparse<T>> {
    let path = path.as_ref();
    let file = hdf5::File::open(path).map_err(h5err(&path.display().to_string()))?;
    read_anndata(&file, name)
}

/// Row blocks of a CSR group in an HDF5 file, read on demand: the row pointer is read
/// (and checked) once at open; each [`ReadSparseRows::read_rows`] reads one run of
/// `data` and of `indices` straight into the block's buffers, so streaming allocates
/// nothing once the buffers have grown to the largest block. Reads go through
/// `ooc-hdf5`'s parallel read path (positional reads and its own deflate decoding,
/// without the library's global lock), so a block scheduler reads blocks on all its
/// workers at once.
#[derive(Debug)]
pub struct H5CsrRows<T> {
    ctx: String,
    shape: [usize; 2],
    indptr: Vec<usize>,
    data: ooc_hdf5::ParallelReader,
    indices: ooc_hdf5::ParallelReader,
    _element: PhantomData<fn() -> T>,
}

impl<T: Element> H5CsrRows<T> {
    /// Opens CSR group `name` under `parent` for streaming.
    ///
    /// # Errors
    /// As [`anndata_info`]; [`SparseError::Unsupported`] for a CSC group;
    /// [`SparseError::DTypeMismatch`] when `data` is not `T`; a row pointer of the wrong
    /// length, not starting at 0, decreasing, or not ending at the length of `data` and
    /// `indices` is a structural error. Column indices are checked block by block as they
    /// are read.
    pub fn open(parent: &Group, name: &str) -> Result<Self> {
        let (g, format, shape, ctx) = open_group(parent, name)?;
        if format != Format::Csr {
            return Err(SparseError::Unsupported {
                file: ctx,
                reason: "row blocks need a csr_matrix group, this one is csc_matrix".into(),
            });
        }
        let data = dataset(&g, "data", &ctx)?;
        let indices = dataset(&g, "indices", &ctx)?;
        let stored = dtype_of(&data, &ctx)?;
        if stored != T::DTYPE {
            return Err(SparseError::DTypeMismatch {
                what: format!("{ctx} data"),
                stored,
                requested: T::DTYPE,
            });
        }
        let nnz = one_dim(&data, &ctx)?;
        let n_idx = one_dim(&indices, &ctx)?;
        let indptr = read_indices(&g, "indptr", &ctx)?;
        // The pointer and the lengths now; column indices per block as they are read.
        validate_indptr(shape[0], &indptr, n_idx)?;
        if n_idx != nnz {
            return Err(SparseError::LengthMismatch {
                what: "data",
                expected: n_idx,
                found: nnz,
            });
        }
        let core = |e: ooc_hdf5::Error| SparseError::Core(e.into());
        let file = ooc_hdf5::File::open(parent.filename()).map_err(core)?;
        let path = g.name();
        // One block is one read: the scheduler's workers are the parallelism.
        let reader = |name: &str| {
            file.root()
                .dataset(&format!("{path}/{name}"))
                .and_then(|ds| ds.parallel_reader())
                .and_then(|r| r.with_par(ooc_core::Par::Seq))
                .map_err(core)
        };
        let data = reader("data")?;
        let indices = reader("indices")?;
        Ok(H5CsrRows {
            ctx,
            shape,
            indptr,
            data,
            indices,
            _element: PhantomData,
        })
    }

    /// Opens CSR group `name` of the HDF5 file at `path` for streaming.
    ///
    /// # Errors
    /// As [`H5CsrRows::open`], and [`SparseError::Hdf5`] when the file cannot be opened.
    pub fn open_path(path: impl AsRef<Path>, name: &str) -> Result<Self> {
        let path = path.as_ref();
        let file = hdf5::File::open(path).map_err(h5err(&path.display().to_string()))?;
        Self::open(&file, name)
    }

    /// `[rows, cols]`.
    #[must_use]
    pub fn shape(&self) -> [usize; 2] {
        self.shape
    }

    /// Reads every row into an in-memory CSR matrix.
    ///
    /// # Errors
    /// As [`ReadSparseRows::read_rows`].
    pub fn to_csr(&self) -> Result<CsrMatrix<T>> {
        let mut block = CsrBlock::default();
        self.read_block(0, self.shape[0], &mut block)?;
        CsrMatrix::new(self.shape, block.indptr, block.indices, block.data)
    }

    fn read_block(&self, row0: usize, nrows: usize, out: &mut CsrBlock<T>) -> Result<()> {
        check_row_range(self.shape, row0, nrows).map_err(SparseError::Core)?;
        let (s, e) = (self.indptr[row0], self.indptr[row0 + nrows]);
        out.row0 = row0;
        out.indptr.clear();
        out.indptr
            .extend(self.indptr[row0..=row0 + nrows].iter().map(|&p| p - s));
        if s == e {
            out.indices.clear();
            out.data.clear();
            return Ok(());
        }
        let n = e - s;
        let region = Region::new(vec![s], vec![n]);
        let core = |e: ooc_hdf5::Error| SparseError::Core(e.into());
        out.indices.clear();
        out.indices.resize(n, 0);
        // Indices are read into the block's own buffer (narrower types into its front)
        // and widened in place.
        macro_rules! widen {
            ($t:ty) => {{
                let buf: &mut [$t] = bytemuck::cast_slice_mut(&mut out.indices[..]);
                self.indices
                    .read_region(&region, &mut buf[..n])
                    .map_err(core)?;
                // Backwards, so each wider write lands on slots already read.
                for k in (0..n).rev() {
                    let v: $t = bytemuck::cast_slice::<usize, $t>(&out.indices)[k];
                    out.indices[k] = usize::try_from(v).map_err(|_| SparseError::BadInteger {
                        what: "indices",
                        value: i128::from(v),
                    })?;
                }
            }};
        }
        match self.indices.dataset().dtype() {
            DType::I8 => widen!(i8),
            DType::I16 => widen!(i16),
            DType::I32 => widen!(i32),
            DType::I64 => widen!(i64),
            DType::U8 => widen!(u8),
            DType::U16 => widen!(u16),
            DType::U32 => widen!(u32),
            DType::U64 => widen!(u64),
            other => {
                return Err(SparseError::Unsupported {
                    file: self.ctx.clone(),
                    reason: format!("dataset indices holds {other}, expected integers"),
                });
            }
        }
        if let Some(pos) = out.indices.iter().position(|&j| j >= self.shape[1]) {
            return Err(SparseError::IndexOutOfRange {
                what: "column",
                pos: s + pos,
                index: out.indices[pos],
                bound: self.shape[1],
            });
        }
        out.data.clear();
        out.data.resize(n, T::default());
        self.data
            .read_region(&region, &mut out.data)
            .map_err(core)?;
        Ok(())
    }
}

impl<T: Element> ReadSparseRows<T> for H5CsrRows<T> {
    fn sparse_shape(&self) -> [usize; 2] {
        self.shape
    }

    fn nnz(&self) -> usize {
        self.indptr[self.shape[0]]
    }

    fn row_offsets(&self) -> ooc_core::Result<Vec<usize>> {
        Ok(self.indptr.clone())
    }

    fn read_rows(&self, row0: usize, nrows: usize, out: &mut CsrBlock<T>) -> ooc_core::Result<()> {
        Ok(self.read_block(row0, nrows, out)?)
    }

    /// True unless a dataset's storage makes the parallel read path fall back to the
    /// HDF5 library, which serialises all calls.
    fn concurrent_reads(&self) -> bool {
        ooc_core::ArrayMeta::concurrent_reads(&self.data)
            && ooc_core::ArrayMeta::concurrent_reads(&self.indices)
    }
}
