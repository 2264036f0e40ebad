//! [`H5CsrRows`]: row blocks of an anndata CSR group, read on demand through `ooc-hdf5`'s
//! parallel read path, as [`ReadSparseRows`] for the block scheduler.

use std::marker::PhantomData;
use std::path::Path;

use ooc_core::{CsrBlock, Element, Par, ReadSparseRows, Region};
use ooc_hdf5::{File, Group, ParallelReader};
use ooc_sparse::{CsrMatrix, Format, SparseError, check_row_range, validate_indptr};

use crate::error::{AnnDataError, Result};
use crate::sparse::SparseGroup;

/// Row blocks of a CSR group in an HDF5 file, read on demand: the row pointer is read
/// (and checked) once at open; each [`ReadSparseRows::read_rows`] reads one run of
/// `data` and of `indices` straight into the block's buffers, so streaming allocates
/// nothing once the buffers have grown to the largest block. Reads go through
/// `ooc-hdf5`'s parallel read path (positional reads and its own deflate decoding,
/// without the library's global lock), so a block scheduler reads blocks on all its
/// workers at once.
///
/// ```
/// use ooc_anndata::{H5CsrRows, H5SparseOptions, save_anndata};
/// use ooc_core::{CsrBlock, Par, ReadSparseRows};
/// let dir = tempfile::tempdir()?;
/// let path = dir.path().join("a.h5ad");
/// let a = ooc_sparse::random_csr::<f64>(100, 50, 0.1, 7, Par::Seq)?;
/// save_anndata(&path, "X", &a, H5SparseOptions::default())?;
/// let rows = H5CsrRows::<f64>::open_path(&path, "X")?;
/// let mut block = CsrBlock::default();
/// rows.read_rows(10, 5, &mut block)?;
/// assert_eq!(block.nrows(), 5);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct H5CsrRows<T> {
    shape: [usize; 2],
    indptr: Vec<usize>,
    data: ParallelReader,
    indices: ParallelReader,
    _element: PhantomData<fn() -> T>,
}

impl<T: Element> H5CsrRows<T> {
    /// Opens CSR group `name` under `parent` (a group or a [`File`]) for streaming.
    ///
    /// # Errors
    /// As [`anndata_info`](crate::anndata_info); [`AnnDataError::Unsupported`] for a CSC
    /// group; [`AnnDataError::DTypeMismatch`] when `data` is not `T`; a row pointer of
    /// the wrong length, not starting at 0, decreasing, or not ending at the length of
    /// `data` and `indices` is a structural error ([`AnnDataError::Sparse`]). Column
    /// indices are checked block by block as they are read.
    pub fn open(parent: &Group, name: &str) -> Result<Self> {
        let g = SparseGroup::open(parent, name)?;
        if g.format != Format::Csr {
            return Err(AnnDataError::Unsupported {
                file: g.ctx,
                reason: "row blocks need a csr_matrix group, this one is csc_matrix".into(),
            });
        }
        let (data, nnz) = g.data::<T>()?;
        let (indices, n_idx) = g.dataset("indices")?;
        let indptr = g.indices("indptr")?;
        // The pointer and the lengths now; column indices per block as they are read.
        validate_indptr(g.shape[0], &indptr, n_idx)?;
        if n_idx != nnz {
            return Err(SparseError::LengthMismatch {
                what: "data",
                expected: n_idx,
                found: nnz,
            }
            .into());
        }
        // One block is one read: the scheduler's workers are the parallelism.
        let reader = |ds: ooc_hdf5::Dataset| ds.parallel_reader()?.with_par(Par::Seq);
        Ok(H5CsrRows {
            shape: g.shape,
            indptr,
            data: reader(data)?,
            indices: reader(indices)?,
            _element: PhantomData,
        })
    }

    /// Opens CSR group `name` of the HDF5 file at `path` for streaming.
    ///
    /// # Errors
    /// As [`H5CsrRows::open`], and [`AnnDataError::Hdf5`] when the file cannot be opened.
    pub fn open_path(path: impl AsRef<Path>, name: &str) -> Result<Self> {
        let file = File::open(path)?;
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
        Ok(CsrMatrix::new(
            self.shape,
            block.indptr,
            block.indices,
            block.data,
        )?)
    }

    fn read_block(&self, row0: usize, nrows: usize, out: &mut CsrBlock<T>) -> Result<()> {
        check_row_range(self.shape, row0, nrows)?;
        let (s, e) = (self.indptr[row0], self.indptr[row0 + nrows]);
        out.row0 = row0;
        out.indptr.clear();
        out.indptr
            .extend(self.indptr[row0..=row0 + nrows].iter().map(|&p| p - s));
        let n = e - s;
        out.indices.clear();
        out.indices.resize(n, 0);
        out.data.clear();
        out.data.resize(n, T::default());
        if n == 0 {
            return Ok(());
        }
        let region = Region::new(vec![s], vec![n]);
        self.indices
            .read_indices_region(&region, &mut out.indices)?;
        if let Some(pos) = out.indices.iter().position(|&j| j >= self.shape[1]) {
            return Err(SparseError::IndexOutOfRange {
                what: "column",
                pos: s + pos,
                index: out.indices[pos],
                bound: self.shape[1],
            }
            .into());
        }
        self.data.read_region(&region, &mut out.data)?;
        Ok(())
    }
}

impl<T: Element> ooc_core::ArrayMeta for H5CsrRows<T> {
    fn shape(&self) -> &[usize] {
        &self.shape
    }
    fn dtype(&self) -> ooc_core::DType {
        T::DTYPE
    }
    /// True unless a dataset's storage makes the parallel read path fall back to the
    /// HDF5 library, which serialises all calls.
    fn concurrent_reads(&self) -> bool {
        ooc_core::ArrayMeta::concurrent_reads(&self.data)
            && ooc_core::ArrayMeta::concurrent_reads(&self.indices)
    }
}

impl<T: Element> ReadSparseRows<T> for H5CsrRows<T> {
    fn nnz(&self) -> usize {
        self.indptr[self.shape[0]]
    }

    fn row_offsets(&self) -> ooc_core::Result<Vec<usize>> {
        Ok(self.indptr.clone())
    }

    fn read_rows(&self, row0: usize, nrows: usize, out: &mut CsrBlock<T>) -> ooc_core::Result<()> {
        Ok(self.read_block(row0, nrows, out)?)
    }
}
