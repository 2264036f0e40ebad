//! Datasets: creating them ([`DatasetBuilder`]: element type, shape, chunks, maximum
//! shape, deflate, shuffle, fill value), resizing, reading and writing any hyperslab into
//! or from a caller's buffer through the library, and describing their storage.

use std::fmt;
use std::marker::PhantomData;
use std::mem::ManuallyDrop;
use std::sync::Arc;

use hdf5_sys::h5d::{H5Dcreate2, H5Dget_space, H5Dread, H5Dwrite};
use hdf5_sys::h5p::{H5P_DEFAULT, H5Pset_fill_value};
use hdf5_sys::h5s::{
    H5S_SELECT_SET, H5S_class_t, H5Sclose, H5Screate, H5Screate_simple, H5Sselect_hyperslab,
};
use ooc_core::{ByteOrder, DType, Element, Region};

use crate::advice::{AccessPattern, ChunkAdvice, check_chunk};
use crate::attr::{self, AttrValue};
use crate::error::{Context, Error, Result};
use crate::file::FileInfo;
use crate::group::{Group, parent_of};
use crate::raw::{self, Id, MAX_RANK};
use crate::types;

/// How a dataset's elements are stored in the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Layout {
    /// Inside the object header (small datasets).
    Compact,
    /// One block of the file, in C order.
    Contiguous,
    /// Fixed-shape chunks, each stored (and compressed) separately.
    Chunked,
    /// In other files, listed in the dataset.
    External,
    /// Assembled from other datasets.
    Virtual,
}

/// A filter of a chunked dataset's pipeline, in the order they are applied when writing.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Filter {
    /// zlib deflate (h5py's `gzip`) with its level, 0 to 9.
    Deflate(u8),
    /// Byte shuffle: bytes regrouped by their position within each element.
    Shuffle,
    /// A Fletcher-32 checksum appended to each chunk.
    Fletcher32,
    /// Any other filter, by HDF5 filter id.
    Other(i32),
}

/// What [`Dataset::describe`] reports: the shape and type, and how and where it is stored.
#[derive(Debug, Clone, PartialEq)]
pub struct DatasetInfo {
    /// Absolute path in the file.
    pub path: String,
    /// Element type.
    pub dtype: DType,
    /// Byte order of the stored elements.
    pub byte_order: ByteOrder,
    /// Current extent.
    pub shape: Vec<usize>,
    /// Maximum extent per dimension; `None` means unlimited.
    pub max_shape: Vec<Option<usize>>,
    /// Storage layout.
    pub layout: Layout,
    /// Chunk shape of a chunked dataset.
    pub chunk_shape: Option<Vec<usize>>,
    /// Filter pipeline (empty unless chunked).
    pub filters: Vec<Filter>,
    /// Bytes the dataset's elements take in the file (after compression).
    pub stored_bytes: u64,
    /// Bytes the elements take in memory (`len × element size`).
    pub logical_bytes: u64,
}

impl fmt::Display for DatasetInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {} {:?}, {:?}",
            self.path, self.dtype, self.shape, self.layout
        )?;
        if let Some(c) = &self.chunk_shape {
            write!(f, " chunks {c:?}")?;
        }
        if !self.filters.is_empty() {
            write!(f, " filters {:?}", self.filters)?;
        }
        write!(
            f,
            ", {} bytes stored for {} logical",
            self.stored_bytes, self.logical_bytes
        )
    }
}

/// Describes a new dataset of `T`; [`DatasetBuilder::create`] makes it. Obtained from
/// [`Group::new_dataset`].
///
/// ```
/// use ooc_hdf5::{File, Filter, Layout};
/// let dir = tempfile::tempdir()?;
/// let file = File::create(dir.path().join("b.h5"))?;
/// let ds = file
///     .new_dataset::<f32>("x")
///     .shape([100, 1000])
///     .chunk([10, 1000])
///     .max_shape([None, Some(1000)])
///     .shuffle()
///     .deflate(4)
///     .fill_value(-1.0)
///     .create()?;
/// let info = ds.describe()?;
/// assert_eq!(info.layout, Layout::Chunked);
/// assert_eq!(info.filters, vec![Filter::Shuffle, Filter::Deflate(4)]);
/// let mut first = [0.0_f32; 1000];
/// ds.read_rows(0, &mut first)?;
/// assert!(first.iter().all(|&v| v == -1.0));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
#[must_use]
pub struct DatasetBuilder<T: Element> {
    group: Group,
    path: String,
    shape: Vec<usize>,
    chunk: Option<Vec<usize>>,
    max_shape: Option<Vec<Option<usize>>>,
    deflate: Option<u8>,
    shuffle: bool,
    fill: Option<T>,
    parents: bool,
    _t: PhantomData<T>,
}

impl<T: Element> DatasetBuilder<T> {
    pub(crate) fn new(group: Group, path: &str) -> Self {
        DatasetBuilder {
            group,
            path: path.to_owned(),
            shape: Vec::new(),
            chunk: None,
            max_shape: None,
            deflate: None,
            shuffle: false,
            fill: None,
            parents: false,
            _t: PhantomData,
        }
    }

    /// The dataset's extent (empty for a scalar, the default).
    pub fn shape(mut self, shape: impl AsRef<[usize]>) -> Self {
        self.shape = shape.as_ref().to_vec();
        self
    }

    /// Stores the dataset in chunks of this shape.
    pub fn chunk(mut self, chunk: impl AsRef<[usize]>) -> Self {
        self.chunk = Some(chunk.as_ref().to_vec());
        self
    }

    /// The maximum extent per dimension, `None` for unlimited; resizable datasets are
    /// chunked (with advised chunks when none are given).
    pub fn max_shape(mut self, max: impl AsRef<[Option<usize>]>) -> Self {
        self.max_shape = Some(max.as_ref().to_vec());
        self
    }

    /// Makes every dimension unlimited.
    pub fn resizable(mut self) -> Self {
        self.max_shape = Some(vec![None; self.shape.len()]);
        self
    }

    /// Compresses chunks with zlib deflate at `level` (0 to 9; h5py's `gzip`).
    pub fn deflate(mut self, level: u8) -> Self {
        self.deflate = Some(level);
        self
    }

    /// Shuffles bytes before compression (applied before deflate).
    pub fn shuffle(mut self) -> Self {
        self.shuffle = true;
        self
    }

    /// The value unwritten elements read as (0 by default).
    pub fn fill_value(mut self, value: T) -> Self {
        self.fill = Some(value);
        self
    }

    /// Creates missing parent groups too.
    pub fn create_parents(mut self) -> Self {
        self.parents = true;
        self
    }

    fn invalid(&self, abs: &str, reason: String) -> Error {
        Error::InvalidDataset {
            path: abs.to_owned(),
            reason,
        }
    }

    /// Checks the request and settles the chunk shape (advised when chunking is needed
    /// but none was given).
    fn plan(&self, abs: &str) -> Result<Plan> {
        let rank = self.shape.len();
        if rank > MAX_RANK {
            return Err(self.invalid(abs, format!("rank {rank} exceeds HDF5's {MAX_RANK}")));
        }
        let max = self
            .max_shape
            .clone()
            .unwrap_or_else(|| self.shape.iter().map(|&d| Some(d)).collect());
        if max.len() != rank {
            return Err(self.invalid(
                abs,
                format!(
                    "max shape {max:?} has another rank than shape {:?}",
                    self.shape
                ),
            ));
        }
        if let Some((&d, &m)) = self
            .shape
            .iter()
            .zip(&max)
            .find(|&(&d, m)| m.is_some_and(|m| m < d))
        {
            return Err(self.invalid(
                abs,
                format!(
                    "max shape {max:?} is smaller than shape {:?} ({m:?} < {d})",
                    self.shape
                ),
            ));
        }
        if let Some(level) = self.deflate.filter(|&l| l > 9) {
            return Err(self.invalid(abs, format!("deflate level {level} is not in 0..=9")));
        }
        let resizable = max.iter().zip(&self.shape).any(|(m, &d)| *m != Some(d));
        let needs_chunks = resizable || self.deflate.is_some() || self.shuffle;
        let chunk = match &self.chunk {
            Some(c) => {
                if rank == 0 {
                    return Err(self.invalid(abs, "a scalar dataset cannot be chunked".into()));
                }
                check_chunk(c, &self.shape, &max)?;
                Some(c.clone())
            }
            None if needs_chunks => {
                if rank == 0 {
                    return Err(self.invalid(
                        abs,
                        "a scalar dataset cannot be resizable or filtered".into(),
                    ));
                }
                Some(
                    ChunkAdvice::for_shape(&self.shape, T::DTYPE.size(), AccessPattern::RowStream)
                        .chunk,
                )
            }
            None => None,
        };
        Ok((max, chunk))
    }

    /// Creates the dataset.
    ///
    /// # Errors
    /// [`Error::ReadOnly`]; [`Error::InvalidPath`]; [`Error::MissingParent`] for a missing
    /// parent group (unless [`DatasetBuilder::create_parents`]); [`Error::WrongKind`]
    /// when the parent is a dataset; [`Error::Core`] with
    /// [`ooc_core::Error::InvalidChunkShape`] for a chunk shape of the wrong rank, with a
    /// zero, or larger than a fixed-size dimension (as h5py refuses);
    /// [`Error::InvalidDataset`] for other inconsistent settings; [`Error::Library`] when
    /// something exists at the path or the library refuses.
    pub fn create(self) -> Result<Dataset> {
        self.group.writable_check()?;
        let abs = self.group.resolve(&self.path)?;
        if abs == "/" {
            return Err(Error::InvalidPath(self.path.clone()));
        }
        let (max, chunk) = self.plan(&abs)?;
        let parent = parent_of(&abs);
        if self.parents {
            self.group.create_group_all(parent)?;
        } else {
            self.group.expect_parent(
                &abs,
                "DatasetBuilder::create_parents creates missing parents",
            )?;
        }
        let file_name = self.group.file_info().name();
        let ctx = || format!("{file_name}: create dataset {abs}");
        let dtype = types::native_type(T::DTYPE).context(ctx)?;
        let mut dcpl = hdf5::plist::DatasetCreate::build();
        if let Some(c) = &chunk {
            dcpl.chunk(c.as_slice());
        }
        if self.shuffle {
            dcpl.shuffle();
        }
        if let Some(level) = self.deflate {
            dcpl.deflate(level);
        }
        let dcpl = dcpl.finish().context(ctx)?;
        let extents: Vec<hdf5::Extent> = self
            .shape
            .iter()
            .zip(&max)
            .map(|(&d, &m)| hdf5::Extent::new(d, m))
            .collect();
        let space = if self.shape.is_empty() {
            hdf5::Dataspace::try_new(())
        } else {
            hdf5::Dataspace::try_new(hdf5::SimpleExtents::from_vec(extents))
        }
        .context(ctx)?;
        let c_name =
            std::ffi::CString::new(abs.as_bytes()).map_err(|_| Error::InvalidPath(abs.clone()))?;
        let loc = self.group.inner().id();
        let fill = self.fill;
        let created = raw::locked(|| -> hdf5::Result<hdf5::Dataset> {
            if let Some(value) = fill {
                // SAFETY: `dcpl` and `dtype` are valid ids; `value` is one element of the
                // type `dtype` describes, read during the call only.
                raw::check(unsafe {
                    H5Pset_fill_value(dcpl.id(), dtype.id(), std::ptr::from_ref(&value).cast())
                })?;
            }
            // SAFETY: all ids are valid for the call; `c_name` is NUL-terminated.
            let id = raw::check(unsafe {
                H5Dcreate2(
                    loc,
                    c_name.as_ptr(),
                    dtype.id(),
                    space.id(),
                    H5P_DEFAULT,
                    dcpl.id(),
                    H5P_DEFAULT,
                )
            })?;
            // SAFETY: `id` is a new dataset identifier whose reference we now own.
            unsafe { hdf5::from_id::<hdf5::Dataset>(id) }
        })
        .context(ctx)?;
        Dataset::from_parts(created, Arc::clone(self.group.file_info()), abs)
    }
}

/// Maximum shape and chunk shape of a dataset about to be created.
type Plan = (Vec<Option<usize>>, Option<Vec<usize>>);

/// A dataset of an open file: its shape and element type, reads and writes of any
/// hyperslab through the library, resizing, attributes, and [`Dataset::parallel_reader`].
///
/// Shape and chunking are read when the dataset is opened; if another handle resizes the
/// same dataset, call [`Dataset::refresh`].
#[derive(Debug, Clone)]
pub struct Dataset {
    /// Released by [`Drop`], which keeps it open when closing it would fail.
    inner: ManuallyDrop<hdf5::Dataset>,
    file: Arc<FileInfo>,
    path: String,
    shape: Vec<usize>,
    dtype: DType,
    mem_type: hdf5::Datatype,
    chunk: Option<Vec<usize>>,
}

impl Dataset {
    pub(crate) fn from_parts(
        inner: hdf5::Dataset,
        file: Arc<FileInfo>,
        path: String,
    ) -> Result<Dataset> {
        let ctx = || format!("{}: dataset {path}", file.name());
        let desc = inner.dtype().and_then(|t| t.to_descriptor()).context(ctx)?;
        let dtype = types::dtype_of(&desc).ok_or_else(|| Error::UnsupportedType {
            path: path.clone(),
            found: types::describe(&desc),
        })?;
        let mem_type = types::native_type(dtype).context(ctx)?;
        let mut ds = Dataset {
            shape: Vec::new(),
            chunk: None,
            inner: ManuallyDrop::new(inner),
            file,
            path,
            dtype,
            mem_type,
        };
        ds.refresh()?;
        Ok(ds)
    }

    /// Re-reads shape and chunking from the file (after another handle resized it).
    ///
    /// # Errors
    /// [`Error::Library`] when the library cannot report them.
    pub fn refresh(&mut self) -> Result<()> {
        self.shape = self
            .inner
            .get_shape()
            .context(|| format!("{}: shape of {}", self.file.name(), self.path))?;
        self.chunk = self.inner.chunk();
        Ok(())
    }

    /// Absolute path of the dataset in its file.
    #[must_use]
    pub fn path(&self) -> &str {
        &self.path
    }

    /// Path of the file holding the dataset.
    #[must_use]
    pub fn file_path(&self) -> &std::path::Path {
        &self.file.path
    }

    /// Current extent.
    #[must_use]
    pub fn shape(&self) -> &[usize] {
        &self.shape
    }

    /// Element type.
    #[must_use]
    pub fn dtype(&self) -> DType {
        self.dtype
    }

    /// Number of elements.
    #[must_use]
    pub fn len(&self) -> usize {
        self.shape.iter().product()
    }

    /// Whether the dataset holds no element.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Chunk shape, if the dataset is chunked.
    #[must_use]
    pub fn chunk(&self) -> Option<&[usize]> {
        self.chunk.as_deref()
    }

    /// Whether the file was opened for writing.
    #[must_use]
    pub fn is_writable(&self) -> bool {
        self.file.writable
    }

    pub(crate) fn h5_id(&self) -> hdf5_sys::h5i::hid_t {
        self.inner.id()
    }

    pub(crate) fn mem_type_id(&self) -> hdf5_sys::h5i::hid_t {
        self.mem_type.id()
    }

    pub(crate) fn file_name(&self) -> String {
        self.file.name()
    }

    pub(crate) fn check_type<T: Element>(&self) -> Result<()> {
        if T::DTYPE == self.dtype {
            Ok(())
        } else {
            Err(Error::Core(ooc_core::Error::DTypeMismatch {
                stored: self.dtype,
                requested: T::DTYPE,
            }))
        }
    }

    fn check_writable(&self) -> Result<()> {
        if self.file.writable {
            Ok(())
        } else {
            Err(Error::ReadOnly(format!(
                "{} (dataset {})",
                self.file.name(),
                self.path
            )))
        }
    }

    /// Reads `region` (C order over its shape) into `out` through the library.
    ///
    /// # Errors
    /// [`ooc_core::Error::DTypeMismatch`] naming both types when `T` is not the stored
    /// type; [`ooc_core::Error::OutOfBounds`], [`ooc_core::Error::RankMismatch`],
    /// [`ooc_core::Error::BufferLength`] (all as [`Error::Core`]); [`Error::Library`].
    pub fn read_region<T: Element>(&self, region: &Region, out: &mut [T]) -> Result<()> {
        self.check_type::<T>()?;
        region.check_with_buffer(&self.shape, out.len())?;
        if region.is_empty() {
            return Ok(());
        }
        self.transfer(region, out.as_mut_ptr().cast(), false)
    }

    /// Writes `data` (C order over `region.shape`) into `region` through the library.
    ///
    /// # Errors
    /// [`Error::ReadOnly`], and as [`Dataset::read_region`]. Nothing is written when a
    /// check fails.
    pub fn write_region<T: Element>(&mut self, region: &Region, data: &[T]) -> Result<()> {
        self.check_writable()?;
        self.check_type::<T>()?;
        region.check_with_buffer(&self.shape, data.len())?;
        if region.is_empty() {
            return Ok(());
        }
        self.transfer(region, data.as_ptr().cast_mut().cast(), true)
    }

    fn transfer(&self, region: &Region, buf: *mut std::ffi::c_void, write: bool) -> Result<()> {
        self.transfer_strided(region, None, buf, write)
    }

    /// Reads (or writes) the hyperslab whose first element is `region.start`, with
    /// `region.shape` elements per dimension taken every `stride` elements (1 if `None`).
    pub(crate) fn transfer_strided(
        &self,
        region: &Region,
        stride: Option<&[usize]>,
        buf: *mut std::ffi::c_void,
        write: bool,
    ) -> Result<()> {
        let id = self.inner.id();
        let mem_type = self.mem_type.id();
        let rank = self.shape.len();
        let (start, count) = raw::hyperslab(region);
        let mut steps = [1_u64; MAX_RANK];
        for (d, &s) in stride.unwrap_or(&[]).iter().enumerate().take(MAX_RANK) {
            steps[d] = s as u64;
        }
        // Safety of the calls below: the ids are valid while this function runs;
        // `start`/`count` hold `rank` entries; `buf` holds `region.len()` elements of the
        // memory type (checked by the callers) and is only read when `write` is set; the
        // strided selection stays inside the dataset (checked by the callers).
        raw::locked(|| -> hdf5::Result<()> {
            // SAFETY: `id` is an open dataset.
            let fs = Id::new(unsafe { H5Dget_space(id) }, H5Sclose)?;
            let ms = if rank == 0 {
                // SAFETY: plain constructor.
                Id::new(unsafe { H5Screate(H5S_class_t::H5S_SCALAR) }, H5Sclose)?
            } else {
                // SAFETY: `fs` is a dataspace of rank `rank`; the arrays hold that many.
                raw::check(unsafe {
                    H5Sselect_hyperslab(
                        fs.id(),
                        H5S_SELECT_SET,
                        start.as_ptr(),
                        steps.as_ptr(),
                        count.as_ptr(),
                        std::ptr::null(),
                    )
                })?;
                #[allow(clippy::cast_possible_truncation, clippy::cast_possible_wrap)]
                let r = rank as i32;
                // SAFETY: `count` holds `rank` extents.
                let space = unsafe { H5Screate_simple(r, count.as_ptr(), std::ptr::null()) };
                Id::new(space, H5Sclose)?
            };
            let status = if write {
                // SAFETY: see above; the library only reads `buf`.
                unsafe { H5Dwrite(id, mem_type, ms.id(), fs.id(), H5P_DEFAULT, buf) }
            } else {
                // SAFETY: see above; `buf` is writable for the whole selection.
                unsafe { H5Dread(id, mem_type, ms.id(), fs.id(), H5P_DEFAULT, buf) }
            };
            raw::check(status).map(drop)
        })
        .context(|| {
            format!(
                "{}: {} {} at {:?} shape {:?}",
                self.file.name(),
                if write { "write" } else { "read" },
                self.path,
                region.start,
                region.shape
            )
        })
    }

    /// Reads the whole dataset into `out`.
    ///
    /// # Errors
    /// As [`Dataset::read_region`].
    pub fn read_all<T: Element>(&self, out: &mut [T]) -> Result<()> {
        self.read_region(&Region::full(&self.shape), out)
    }

    /// Reads the whole dataset into a new vector.
    ///
    /// # Errors
    /// As [`Dataset::read_region`].
    pub fn read_vec<T: Element>(&self) -> Result<Vec<T>> {
        self.check_type::<T>()?;
        let mut out = vec![T::default(); self.len()];
        self.read_all(&mut out)?;
        Ok(out)
    }

    /// Writes the whole dataset from `data`.
    ///
    /// # Errors
    /// As [`Dataset::write_region`].
    pub fn write_all<T: Element>(&mut self, data: &[T]) -> Result<()> {
        self.write_region(&Region::full(&self.shape.clone()), data)
    }

    fn rows_region(&self, row0: usize, len: usize) -> Result<Region> {
        if self.shape.is_empty() {
            return Err(Error::Core(ooc_core::Error::RankMismatch {
                expected: 0,
                found: 1,
            }));
        }
        let row_len: usize = self.shape[1..].iter().product();
        let nrows = len.checked_div(row_len).unwrap_or(0);
        if nrows * row_len != len {
            return Err(Error::Core(ooc_core::Error::BufferLength {
                expected: (nrows + 1) * row_len,
                found: len,
            }));
        }
        let mut region = Region::full(&self.shape);
        region.start[0] = row0;
        region.shape[0] = nrows;
        Ok(region)
    }

    /// Reads whole rows (along the first dimension) starting at `row0`; as many as `out`
    /// holds.
    ///
    /// # Errors
    /// [`ooc_core::Error::BufferLength`] when `out` is not a whole number of rows, and as
    /// [`Dataset::read_region`].
    pub fn read_rows<T: Element>(&self, row0: usize, out: &mut [T]) -> Result<()> {
        let region = self.rows_region(row0, out.len())?;
        self.read_region(&region, out)
    }

    /// Writes whole rows starting at `row0`; as many as `data` holds.
    ///
    /// # Errors
    /// As [`Dataset::read_rows`] and [`Dataset::write_region`].
    pub fn write_rows<T: Element>(&mut self, row0: usize, data: &[T]) -> Result<()> {
        let region = self.rows_region(row0, data.len())?;
        self.write_region(&region, data)
    }

    /// Changes the extent (within the maximum shape of a chunked dataset).
    ///
    /// # Errors
    /// [`Error::ReadOnly`]; [`ooc_core::Error::RankMismatch`]; [`Error::Library`] when the
    /// dataset is not resizable or `shape` exceeds its maximum.
    pub fn resize(&mut self, shape: &[usize]) -> Result<()> {
        self.check_writable()?;
        if shape.len() != self.shape.len() {
            return Err(Error::Core(ooc_core::Error::RankMismatch {
                expected: self.shape.len(),
                found: shape.len(),
            }));
        }
        self.inner
            .resize(shape)
            .context(|| format!("{}: resize {} to {shape:?}", self.file.name(), self.path))?;
        self.refresh()
    }

    /// Flushes this dataset's cached data and metadata to the file.
    ///
    /// # Errors
    /// [`Error::Library`].
    pub fn flush(&self) -> Result<()> {
        self.inner
            .flush()
            .context(|| format!("{}: flush {}", self.file.name(), self.path))
    }

    /// Layout, chunks, filters, and stored versus logical size.
    ///
    /// # Errors
    /// [`Error::Library`] when the library cannot report them.
    pub fn describe(&self) -> Result<DatasetInfo> {
        let ctx = || format!("{}: describe {}", self.file.name(), self.path);
        let dcpl = self.inner.dcpl().context(ctx)?;
        let layout = match self.inner.layout() {
            hdf5::dataset::Layout::Compact => Layout::Compact,
            hdf5::dataset::Layout::Chunked => Layout::Chunked,
            hdf5::dataset::Layout::Virtual => Layout::Virtual,
            hdf5::dataset::Layout::Contiguous if !dcpl.external().is_empty() => Layout::External,
            hdf5::dataset::Layout::Contiguous => Layout::Contiguous,
        };
        let filters = self
            .inner
            .filters()
            .into_iter()
            .map(|f| match f {
                hdf5::filters::Filter::Deflate(l) => Filter::Deflate(l),
                hdf5::filters::Filter::Shuffle => Filter::Shuffle,
                hdf5::filters::Filter::Fletcher32 => Filter::Fletcher32,
                other => Filter::Other(other.id()),
            })
            .collect();
        let max_shape = self.inner.space().context(ctx)?.maxdims();
        let byte_order = match self.inner.dtype().context(ctx)?.byte_order() {
            hdf5::datatype::ByteOrder::BigEndian => ByteOrder::Big,
            hdf5::datatype::ByteOrder::LittleEndian => ByteOrder::Little,
            _ => ByteOrder::NATIVE,
        };
        Ok(DatasetInfo {
            path: self.path.clone(),
            dtype: self.dtype,
            byte_order,
            shape: self.shape.clone(),
            max_shape,
            layout,
            chunk_shape: self.chunk.clone(),
            filters,
            stored_bytes: self.inner.storage_size(),
            logical_bytes: (self.len() as u64) * (self.dtype.size() as u64),
        })
    }

    /// Writes (or replaces) attribute `name` of this dataset.
    ///
    /// # Errors
    /// [`Error::ReadOnly`]; [`Error::Library`].
    pub fn set_attr(&self, name: &str, value: impl Into<AttrValue>) -> Result<()> {
        self.check_writable()?;
        attr::write(&self.inner, &self.path, name, &value.into())
    }

    /// Reads attribute `name` of this dataset.
    ///
    /// # Errors
    /// [`Error::NotFound`]; [`Error::UnsupportedType`]; [`Error::Library`].
    pub fn attr(&self, name: &str) -> Result<AttrValue> {
        attr::read(&self.inner, &self.path, name)
    }

    /// The names of this dataset's attributes.
    ///
    /// # Errors
    /// [`Error::Library`].
    pub fn attr_names(&self) -> Result<Vec<String>> {
        self.inner
            .attr_names()
            .context(|| format!("{}: list attributes of {}", self.file.name(), self.path))
    }
}

/// Closing a dataset flushes its chunk cache. When that flush cannot write (a full disk,
/// a file size limit), HDF5 2.x fails the close but frees the dataset behind the
/// identifier all the same, and the next flush of the file then follows a dangling
/// pointer and aborts the process. So a writable chunked dataset is flushed first, and a
/// handle whose flush fails is left open (its memory and identifier are given up until
/// the process ends): the write errors were reported when they happened, and
/// [`crate::File::close`] then reports the file as still open instead of crashing.
impl Drop for Dataset {
    fn drop(&mut self) {
        if self.file.writable && self.chunk.is_some() {
            let id = self.inner.id();
            // SAFETY: `id` is this handle's open dataset identifier.
            let flushed = raw::locked(|| unsafe { hdf5_sys::h5d::H5Dflush(id) }) >= 0;
            if !flushed {
                return;
            }
        }
        // SAFETY: `inner` is dropped once, here, and never used again.
        unsafe { ManuallyDrop::drop(&mut self.inner) };
    }
}
