//! The front door: [`open`] takes a path, or `FILE.h5:/path/inside`, tells the format from
//! the file's first bytes and returns an [`Array`] that already reads the fastest way the
//! file allows — views of the file's pages for `.npy` and raw maps, the HDF5 parallel
//! read path (positional reads, chunks decoded on every worker), byte swapping for `.npy`
//! files of the other byte order, streamed CSR row blocks
//! for anndata groups, and whole `.npz` matrices in memory. Every operation of
//! [`crate::linalg`] takes it as it is:
//!
//! ```
//! # let dir = tempfile::tempdir()?;
//! # let path = dir.path().join("A.npy");
//! # ooc::save_npy(&path, &ndarray::array![[1.0_f64, 2.0], [3.0, 4.0]])?;
//! use ooc::linalg::{Options, gemv};
//!
//! let a = ooc::open(&path)?;
//! let mut y = [0.0; 2];
//! gemv(&a, &[1.0, 1.0], &mut y, &Options::new())?;
//! assert_eq!(y, [3.0, 7.0]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! [`describe`] says what a source holds (format, element type, shape, dense or sparse)
//! without reading its data, so programs that learn the element type at run time (the
//! `ooc` command) can pick `T` before opening.

use std::fmt;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

use ooc_core::{
    ArrayMeta, ByteOrder, CsrBlock, DType, Element, MemoryBudget, ReadBlock, ReadSparseRows,
    Region, ViewBlock,
};
use ooc_mmap::{MmapArray, Mode, RawLayout, SwappedArray, inspect_npy};

use crate::error::{Error, Result};
use crate::source::SourceSpec;

/// A file format, as told by its signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// numpy `.npy`.
    Npy,
    /// numpy `.npz` (a zip archive of `.npy` members: scipy's sparse matrices).
    Npz,
    /// HDF5 (also `.h5ad`).
    Hdf5,
    /// No known signature: raw elements, described by a [`RawSpec`].
    Raw,
}

impl Format {
    /// The name used in messages and reports.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Format::Npy => "npy",
            Format::Npz => "npz",
            Format::Hdf5 => "hdf5",
            Format::Raw => "raw",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

const NPY_MAGIC: &[u8] = b"\x93NUMPY";
const ZIP_MAGICS: [&[u8]; 2] = [b"PK\x03\x04", b"PK\x05\x06"];
const HDF5_MAGIC: &[u8] = b"\x89HDF\r\n\x1a\n";

/// Reads the signature of `path` and says which format it is: `.npy` (`\x93NUMPY`), a zip
/// archive (`.npz`), HDF5 (its signature at offset 0 or, after a user block, at 512, 1024,
/// 2048, ...); anything else is raw. Never the extension.
///
/// # Errors
/// [`Error::Source`] naming the path when it cannot be read or is a directory.
pub fn detect(path: &Path) -> Result<Format> {
    let meta = std::fs::metadata(path).map_err(|e| Error::at(path, e))?;
    if meta.is_dir() {
        return Err(Error::at(path, "is a directory, not an array file"));
    }
    {
        use std::os::unix::fs::FileTypeExt;
        let kind = meta.file_type();
        if !(kind.is_file() || kind.is_block_device()) {
            return Err(Error::at(
                path,
                "is not a regular file (a FIFO, socket or character device): ooc reads files it can map or read at any offset",
            ));
        }
    }
    let mut file = File::open(path).map_err(|e| Error::at(path, e))?;
    let mut head = [0_u8; 8];
    let n = read_up_to(&mut file, &mut head).map_err(|e| Error::at(path, e))?;
    let head = &head[..n];
    if head.starts_with(NPY_MAGIC) {
        return Ok(Format::Npy);
    }
    if ZIP_MAGICS.iter().any(|m| head.starts_with(m)) {
        return Ok(Format::Npz);
    }
    let mut offset = 0_u64;
    while offset + 8 <= meta.len() {
        file.seek(SeekFrom::Start(offset))
            .map_err(|e| Error::at(path, e))?;
        let mut sig = [0_u8; 8];
        if read_up_to(&mut file, &mut sig).map_err(|e| Error::at(path, e))? == 8
            && sig == HDF5_MAGIC
        {
            return Ok(Format::Hdf5);
        }
        offset = if offset == 0 { 512 } else { offset * 2 };
    }
    Ok(Format::Raw)
}

fn read_up_to(file: &mut File, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match file.read(&mut buf[filled..])? {
            0 => break,
            n => filled += n,
        }
    }
    Ok(filled)
}

/// How to read a raw file: element type, byte order, shape (C order) and offset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawSpec {
    /// Element type.
    pub dtype: DType,
    /// Byte order of the stored elements (only the native order can be mapped).
    pub order: ByteOrder,
    /// Extent of each dimension.
    pub shape: Vec<usize>,
    /// Bytes before the first element.
    pub offset: u64,
}

/// What [`open_with`] and [`describe_with`] need besides the source.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OpenOptions {
    /// The layout of a raw file (ignored for files with a signature).
    pub raw: Option<RawSpec>,
    /// What a sparse source read into memory (a `.npz` archive, an anndata CSC group)
    /// may take as CSR: its row pointer, column indices and values must fit, or opening
    /// is refused with [`ooc_core::Error::OverBudget`] before anything is read.
    pub budget: MemoryBudget,
}

/// Whether a source holds a dense array or a sparse matrix, and how it is stored.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Kind {
    /// A dense N-D array.
    Dense,
    /// A sparse matrix.
    Sparse {
        /// Its format as stored (`csr`, `csc`, `coo`, ...).
        format: String,
        /// Its storage (`npz` or `anndata`).
        storage: &'static str,
        /// Stored entries.
        nnz: usize,
    },
}

/// What a source holds, learnt without reading its data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Description {
    /// The file and the path inside it.
    pub spec: SourceSpec,
    /// The file's format.
    pub format: Format,
    /// Element type as stored.
    pub dtype: DType,
    /// Extent of each dimension (rows and columns for a sparse matrix).
    pub shape: Vec<usize>,
    /// Dense or sparse.
    pub kind: Kind,
}

impl Description {
    /// Whether the source is a sparse matrix.
    #[must_use]
    pub fn is_sparse(&self) -> bool {
        matches!(self.kind, Kind::Sparse { .. })
    }
}

/// What `spec` names, with no layout for raw files: see [`describe_with`].
///
/// # Errors
/// As [`describe_with`].
pub fn describe(spec: impl AsRef<Path>) -> Result<Description> {
    describe_with(spec, &OpenOptions::default())
}

/// What `spec` (a path, or `FILE.h5:/path/inside`) names: format, element type, shape,
/// dense or sparse, read from headers and metadata only.
///
/// # Errors
/// [`Error::Source`] naming the file when it cannot be read, is not an array of a format
/// ooc reads, or (with [`Error::is_incomplete`]) needs more from the caller: an inner path
/// for an HDF5 file, a [`RawSpec`] for a raw file.
pub fn describe_with(spec: impl AsRef<Path>, opts: &OpenOptions) -> Result<Description> {
    let spec = SourceSpec::parse(&spec.as_ref().to_string_lossy());
    let path = spec.file.clone();
    let format = detect(&path)?;
    let at = |e: &dyn fmt::Display| Error::at(&path, e);
    let (dtype, shape, kind) = match (format, spec.inner.as_deref()) {
        (Format::Hdf5, None) => {
            return Err(Error::incomplete(
                &path,
                format!(
                    "is an HDF5 file: name a dataset inside it, as {}:/path/to/dataset (see `ooc info`)",
                    path.display()
                ),
            ));
        }
        (Format::Hdf5, Some(inner)) => {
            let file = ooc_hdf5::File::open(&path).map_err(|e| at(&e))?;
            match file.root().kind_of(inner).map_err(|e| at(&e))? {
                ooc_hdf5::MemberKind::Group => {
                    let info = ooc_anndata::anndata_info(file.root(), inner).map_err(|e| {
                        at(&format!(
                            "{inner} is a group but not an anndata sparse matrix ({e})"
                        ))
                    })?;
                    (
                        info.dtype,
                        info.shape.to_vec(),
                        Kind::Sparse {
                            format: info.format.name().to_string(),
                            storage: "anndata",
                            nnz: info.nnz,
                        },
                    )
                }
                _ => {
                    let ds = file.root().dataset(inner).map_err(|e| at(&e))?;
                    (ds.dtype(), ds.shape().to_vec(), Kind::Dense)
                }
            }
        }
        (other, Some(inner)) => {
            return Err(at(&format!(
                "is a {} file, so it has no inner path {inner:?}",
                other.name()
            )));
        }
        (Format::Npz, None) => {
            let info = ooc_sparse::npz_info(&path).map_err(|e| {
                at(&format!(
                    "{e} (ooc reads .npz archives of sparse matrices, as scipy.sparse.save_npz writes them)"
                ))
            })?;
            (
                info.dtype,
                info.shape.to_vec(),
                Kind::Sparse {
                    format: info.format.name().to_string(),
                    storage: "npz",
                    nnz: info.stored,
                },
            )
        }
        (Format::Npy, None) => {
            let header = inspect_npy(&path).map_err(|e| at(&e))?;
            (header.dtype, header.shape.clone(), Kind::Dense)
        }
        (Format::Raw, None) => {
            if opts.raw.is_none()
                && let Some(expected) = signature_the_name_promises(&path)
            {
                return Err(at(&format!(
                    "has no {expected} signature, so it is not the file its name says (give --dtype and --shape to read it as raw elements)"
                )));
            }
            let raw = raw_layout(&path, opts)?;
            (raw.dtype, raw.shape.clone(), Kind::Dense)
        }
    };
    Ok(Description {
        spec,
        format,
        dtype,
        shape,
        kind,
    })
}

/// The signature a file named like `path` should start with, for names that promise a
/// format (`.npy`, `.npz`, `.h5`, `.hdf5`, `.h5ad`): a file so named without it is an
/// error of the file, not a raw file waiting for a layout.
fn signature_the_name_promises(path: &Path) -> Option<&'static str> {
    let ext = path.extension()?.to_str()?.to_ascii_lowercase();
    match ext.as_str() {
        "npy" => Some("\\x93NUMPY"),
        "npz" => Some("zip (.npz)"),
        "h5" | "hdf5" | "h5ad" | "he5" => Some("HDF5"),
        _ => None,
    }
}

/// The raw layout `opts` gives for `path`, checked against the file's length.
fn raw_layout<'o>(path: &Path, opts: &'o OpenOptions) -> Result<&'o RawSpec> {
    let Some(raw) = &opts.raw else {
        return Err(Error::incomplete(
            path,
            "not a .npy, .npz or HDF5 file; to read it as raw elements give its element type and shape (--dtype and --shape)",
        ));
    };
    if !raw.order.is_native() {
        return Err(Error::at(
            path,
            format!(
                "raw {} elements in non-native byte order cannot be mapped",
                raw.dtype.numpy_descr(raw.order)
            ),
        ));
    }
    let data = ooc_core::shape::checked_bytes(&raw.shape, raw.dtype.size())
        .map_err(|e| Error::at(path, e))?;
    let file_len = std::fs::metadata(path)
        .map_err(|e| Error::at(path, e))?
        .len();
    let needed = u64::try_from(data)
        .ok()
        .and_then(|d| d.checked_add(raw.offset));
    if needed != Some(file_len) {
        let needed = needed.map_or_else(|| "more than 2^64".to_string(), |n| n.to_string());
        return Err(Error::at(
            path,
            format!(
                "--dtype {} --shape {:?} --offset {} describe {needed} bytes but the file has {file_len} bytes",
                raw.dtype, raw.shape, raw.offset
            ),
        ));
    }
    Ok(raw)
}

/// A sparse matrix as ooc streams it: in memory (`.npz` archives and anndata CSC groups,
/// which are read whole and converted to CSR), or read from the file in row blocks as
/// they are asked for (anndata CSR groups, through the HDF5 parallel read path).
#[non_exhaustive]
pub enum SparseRows<T> {
    /// Held in memory, in CSR form.
    Memory(ooc_sparse::CsrMatrix<T>),
    /// Streamed from an anndata CSR group.
    Stream(Box<ooc_anndata::H5CsrRows<T>>),
}

impl<T: Element> ArrayMeta for SparseRows<T> {
    fn shape(&self) -> &[usize] {
        match self {
            SparseRows::Memory(m) => ArrayMeta::shape(m),
            SparseRows::Stream(m) => ArrayMeta::shape(&**m),
        }
    }
    fn dtype(&self) -> DType {
        T::DTYPE
    }
    fn concurrent_reads(&self) -> bool {
        match self {
            SparseRows::Memory(m) => ArrayMeta::concurrent_reads(m),
            SparseRows::Stream(m) => ArrayMeta::concurrent_reads(&**m),
        }
    }
}

impl<T: Element> ReadSparseRows<T> for SparseRows<T> {
    fn nnz(&self) -> usize {
        match self {
            SparseRows::Memory(m) => ReadSparseRows::nnz(m),
            SparseRows::Stream(m) => ReadSparseRows::nnz(&**m),
        }
    }
    fn row_offsets(&self) -> ooc_core::Result<Vec<usize>> {
        match self {
            SparseRows::Memory(m) => m.row_offsets(),
            SparseRows::Stream(m) => m.row_offsets(),
        }
    }
    fn read_rows(&self, row0: usize, nrows: usize, out: &mut CsrBlock<T>) -> ooc_core::Result<()> {
        match self {
            SparseRows::Memory(m) => m.read_rows(row0, nrows, out),
            SparseRows::Stream(m) => m.read_rows(row0, nrows, out),
        }
    }
}

/// An opened source: a dense array or a sparse matrix, read the fastest way its file
/// allows. It implements the block traits of `ooc-core`, so every operation of
/// [`crate::linalg`] takes it; a sparse matrix also lends itself as CSR rows
/// ([`ReadBlock::as_sparse`]), so dense products such as `gemv` run their sparse form.
#[non_exhaustive]
pub enum Array<T: Element> {
    /// A memory map of a `.npy` or raw file: blocks are lent as views of its pages.
    Map(MmapArray<T>),
    /// A `.npy` file in the other byte order (`>f8` on this machine): mapped, and
    /// byte-swapped as blocks are read, as numpy reads it.
    Swapped(SwappedArray<T>),
    /// An HDF5 dataset through the parallel read path.
    Hdf5(Box<ooc_hdf5::ParallelReader>),
    /// A sparse matrix.
    Sparse(SparseRows<T>),
}

impl<T: Element> fmt::Debug for Array<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self {
            Array::Map(_) => "map",
            Array::Swapped(_) => "swapped",
            Array::Hdf5(_) => "hdf5",
            Array::Sparse(_) => "sparse",
        };
        f.debug_struct("Array")
            .field("kind", &kind)
            .field("dtype", &T::DTYPE)
            .field("shape", &self.shape())
            .finish()
    }
}

/// Opens `spec` (a path, or `FILE.h5:/path/inside`) as an array of `T`.
///
/// # Errors
/// As [`open_with`].
pub fn open<T: Element>(spec: impl AsRef<Path>) -> Result<Array<T>> {
    open_with(spec, &OpenOptions::default())
}

/// Opens `spec` as an array of `T` with the fastest reader its file allows: `.npy` and
/// raw files are mapped; HDF5 datasets get the parallel read path (reads bypass the
/// library's lock where the storage allows, and each read decodes on the scheduler's
/// worker that asked for it); anndata CSR groups are streamed in row blocks; `.npz`
/// archives and other sparse groups are read into memory as CSR.
///
/// # Errors
/// As [`describe_with`]; [`ooc_core::Error::DTypeMismatch`] (inside [`Error::Source`])
/// when the stored element type is not `T`; the backends' errors, naming the file.
pub fn open_with<T: Element>(spec: impl AsRef<Path>, opts: &OpenOptions) -> Result<Array<T>> {
    let desc = describe_with(spec, opts)?;
    let path = desc.spec.file.as_path();
    let at = |e: &dyn fmt::Display| Error::at(path, e);
    if desc.dtype != T::DTYPE {
        return Err(at(&ooc_core::Error::DTypeMismatch {
            stored: desc.dtype,
            requested: T::DTYPE,
        }));
    }
    let inner = desc.spec.inner.as_deref();
    Ok(match (desc.format, &desc.kind) {
        (Format::Npy, _) => {
            let header = inspect_npy(path).map_err(|e| at(&e))?;
            if header.order.is_native() || header.dtype.size() == 1 {
                Array::Map(MmapArray::open_npy(path, Mode::ReadOnly).map_err(|e| at(&e))?)
            } else {
                Array::Swapped(SwappedArray::open_npy(path).map_err(|e| at(&e))?)
            }
        }
        (Format::Raw, _) => {
            let raw = raw_layout(path, opts)?;
            let layout = RawLayout::c_order(raw.shape.clone()).with_offset(raw.offset);
            Array::Map(MmapArray::open_raw(path, &layout, Mode::ReadOnly).map_err(|e| at(&e))?)
        }
        (Format::Hdf5, Kind::Dense) => {
            let file = ooc_hdf5::File::open(path).map_err(|e| at(&e))?;
            let ds = file
                .root()
                .dataset(inner.unwrap_or_default())
                .map_err(|e| at(&e))?;
            // The scheduler's workers supply the parallelism, so each read decodes on the
            // thread that asked for it.
            let reader = ds
                .parallel_reader()
                .and_then(|r| r.with_par(ooc_core::Par::Seq))
                .map_err(|e| at(&e))?;
            Array::Hdf5(Box::new(reader))
        }
        (_, Kind::Sparse { format, nnz, .. }) => {
            let streamed = inner.is_some() && format == "csr";
            if !streamed {
                check_in_memory::<T>(&desc.shape, *nnz, opts.budget).map_err(|e| at(&e))?;
            }
            let rows = match inner {
                Some(inner) => {
                    let file = ooc_hdf5::File::open(path).map_err(|e| at(&e))?;
                    if format == "csr" {
                        SparseRows::Stream(Box::new(
                            ooc_anndata::H5CsrRows::<T>::open(file.root(), inner)
                                .map_err(|e| at(&e))?,
                        ))
                    } else {
                        SparseRows::Memory(
                            ooc_anndata::read_anndata::<T>(file.root(), inner)
                                .map_err(|e| at(&e))?
                                .try_into_csr()
                                .map_err(|e| at(&e))?,
                        )
                    }
                }
                None => SparseRows::Memory(
                    ooc_sparse::load_npz::<T>(path)
                        .and_then(ooc_sparse::AnySparse::try_into_csr)
                        .map_err(|e| at(&e))?,
                ),
            };
            Array::Sparse(rows)
        }
        (Format::Npz, Kind::Dense) => {
            return Err(at(&"is a .npz archive but holds no sparse matrix"));
        }
    })
}

/// Refuses a sparse matrix of `shape` with `nnz` entries whose CSR form (row pointer,
/// `usize` column indices, values) is more than `budget`.
fn check_in_memory<T: Element>(
    shape: &[usize],
    nnz: usize,
    budget: MemoryBudget,
) -> ooc_core::Result<()> {
    let word = std::mem::size_of::<usize>() as u128;
    let rows = shape.first().copied().unwrap_or(0) as u128;
    let needed = (rows + 1) * word + nnz as u128 * (word + std::mem::size_of::<T>() as u128);
    if needed > budget.bytes() as u128 {
        return Err(ooc_core::Error::OverBudget {
            what: format!(
                "the CSR form in memory of this {}x{} matrix with {nnz} stored entries",
                rows,
                shape.get(1).copied().unwrap_or(0)
            ),
            len: usize::try_from(rows + 1 + 2 * nnz as u128).unwrap_or(usize::MAX),
            needed: usize::try_from(needed).unwrap_or(usize::MAX),
            budget: budget.bytes(),
        });
    }
    Ok(())
}

impl<T: Element> Array<T> {
    /// The sparse matrix this array holds, if it is one.
    #[must_use]
    pub fn as_sparse_rows(&self) -> Option<&SparseRows<T>> {
        match self {
            Array::Sparse(rows) => Some(rows),
            _ => None,
        }
    }
}

impl<T: Element> ArrayMeta for Array<T> {
    fn shape(&self) -> &[usize] {
        match self {
            Array::Map(a) => ArrayMeta::shape(a),
            Array::Swapped(a) => a.shape(),
            Array::Hdf5(r) => r.shape(),
            Array::Sparse(rows) => ArrayMeta::shape(rows),
        }
    }
    fn dtype(&self) -> DType {
        T::DTYPE
    }
    fn chunk_shape(&self) -> Option<Vec<usize>> {
        match self {
            Array::Map(a) => a.chunk_shape(),
            Array::Swapped(a) => a.chunk_shape(),
            Array::Hdf5(r) => r.chunk_shape(),
            Array::Sparse(_) => None,
        }
    }
    fn concurrent_reads(&self) -> bool {
        match self {
            Array::Map(a) => ArrayMeta::concurrent_reads(a),
            Array::Swapped(a) => a.concurrent_reads(),
            Array::Hdf5(r) => ArrayMeta::concurrent_reads(&**r),
            Array::Sparse(rows) => ArrayMeta::concurrent_reads(rows),
        }
    }
}

impl<T: Element> ReadBlock<T> for Array<T> {
    /// Dense arrays read as their backend does; a sparse matrix reads the region's rows
    /// and scatters their entries into the zeroed buffer.
    fn read_region(&self, region: &Region, out: &mut [T]) -> ooc_core::Result<()> {
        match self {
            Array::Map(a) => a.read_region(region, out),
            Array::Swapped(a) => a.read_region(region, out),
            Array::Hdf5(r) => ReadBlock::read_region(&**r, region, out),
            Array::Sparse(rows) => {
                region.check(ArrayMeta::shape(rows))?;
                if out.len() != region.len() {
                    return Err(ooc_core::Error::BufferLength {
                        expected: region.len(),
                        found: out.len(),
                    });
                }
                let (c0, nc) = (region.start[1], region.shape[1]);
                out.fill(T::default());
                let mut block = CsrBlock::default();
                rows.read_rows(region.start[0], region.shape[0], &mut block)?;
                for (r, w) in block.indptr.windows(2).enumerate() {
                    for k in w[0]..w[1] {
                        let j = block.indices[k];
                        if (c0..c0 + nc).contains(&j) {
                            out[r * nc + j - c0] = block.data[k];
                        }
                    }
                }
                Ok(())
            }
        }
    }

    fn as_view(&self) -> Option<&dyn ViewBlock<T>> {
        match self {
            Array::Map(a) => a.as_view(),
            Array::Hdf5(r) => ReadBlock::<T>::as_view(&**r),
            Array::Swapped(_) | Array::Sparse(_) => None,
        }
    }

    fn as_sparse(&self) -> Option<&dyn ReadSparseRows<T>> {
        match self {
            Array::Sparse(rows) => Some(rows),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_formats_by_signature_not_extension() {
        let dir = tempfile::tempdir().unwrap();
        let cases: [(&str, Vec<u8>, Format); 5] = [
            ("a.h5", b"\x93NUMPY\x01\x00rest".to_vec(), Format::Npy),
            ("b.npy", b"PK\x03\x04rest....".to_vec(), Format::Npz),
            ("c.bin", HDF5_MAGIC.to_vec(), Format::Hdf5),
            ("d.npz", vec![7; 100], Format::Raw),
            ("e", Vec::new(), Format::Raw),
        ];
        for (name, bytes, format) in cases {
            let p = dir.path().join(name);
            std::fs::write(&p, bytes).unwrap();
            assert_eq!(detect(&p).unwrap(), format, "{name}");
        }
        let mut user_block = vec![0_u8; 1024];
        user_block.extend_from_slice(HDF5_MAGIC);
        let p = dir.path().join("ub");
        std::fs::write(&p, user_block).unwrap();
        assert_eq!(detect(&p).unwrap(), Format::Hdf5);
        let err = detect(dir.path()).unwrap_err().to_string();
        assert!(err.contains("is a directory"), "{err}");
        let err = detect(&dir.path().join("nope")).unwrap_err().to_string();
        assert!(err.contains("nope"), "{err}");
    }
}
