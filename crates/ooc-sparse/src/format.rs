//! What every format shares: the [`SparseMatrix`] trait (shape, stored entries, CSR and
//! dense forms, SpMV), the [`Format`] names, and [`AnySparse`], a matrix in any of the
//! seven formats, as random generation and `.npz` loading return.

use ndarray::Array2;
use ooc_core::{Element, Footprint, Par};

use crate::{BsrMatrix, CooMatrix, CscMatrix, CsrMatrix, DiaMatrix, DokMatrix, LilMatrix, Result};

/// The operations every sparse format supports.
pub trait SparseMatrix<T: Element>: Footprint {
    /// `[rows, cols]`.
    fn shape(&self) -> [usize; 2];

    /// Stored entries (scipy's `nnz`: explicit zeros and duplicates count; BSR counts
    /// whole blocks, DIA every in-bounds position of its stored diagonals).
    fn nnz(&self) -> usize;

    /// The same matrix in CSR form (canonical unless this is a non-canonical CSR).
    ///
    /// # Errors
    /// [`crate::SparseError::Allocation`] when the `rows + 1` row pointer (or a
    /// conversion's other shape-sized scratch) cannot be allocated, as for a valid matrix
    /// of 2⁵⁹ rows.
    fn try_to_csr(&self) -> Result<CsrMatrix<T>>;

    /// The same matrix in CSR form: [`SparseMatrix::try_to_csr`] for shapes known to fit.
    ///
    /// # Panics
    /// When [`SparseMatrix::try_to_csr`] fails (the row pointer cannot be allocated).
    fn to_csr(&self) -> CsrMatrix<T> {
        self.try_to_csr().unwrap_or_else(|e| panic!("{e}"))
    }

    /// The dense form (duplicates summed).
    ///
    /// # Errors
    /// [`crate::SparseError::ShapeOverflow`] when `rows × cols` elements cannot be
    /// addressed.
    fn to_dense(&self) -> Result<Array2<T>>;

    /// `y = A·x`. Formats with a parallel kernel (CSR, CSC, COO) use the pool `par`
    /// names; the result is the same for every `par`. The others run on the calling
    /// thread.
    ///
    /// # Errors
    /// [`crate::SparseError::DimensionMismatch`] when `x` does not have `cols` elements
    /// or `y` does not have `rows`; [`crate::SparseError::Core`] when a thread pool
    /// cannot be started.
    fn spmv(&self, x: &[T], y: &mut [T], par: Par) -> Result<()>;
}

/// The seven formats, named as scipy names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// Compressed sparse rows.
    Csr,
    /// Compressed sparse columns.
    Csc,
    /// Coordinates (triplets).
    Coo,
    /// Block sparse rows with 1 × 1 blocks (use [`BsrMatrix::from_csr`] for others).
    Bsr,
    /// List of lists (a sorted vector per row).
    Lil,
    /// Dictionary of keys.
    Dok,
    /// Diagonal storage (refused above [`crate::DIA_DEFAULT_LIMIT`] bytes).
    Dia,
}

impl Format {
    /// All seven, in scipy's documentation order.
    pub const ALL: [Format; 7] = [
        Format::Csr,
        Format::Csc,
        Format::Coo,
        Format::Bsr,
        Format::Lil,
        Format::Dok,
        Format::Dia,
    ];

    /// scipy's name: `csr`, `csc`, `coo`, `bsr`, `lil`, `dok`, `dia`.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Format::Csr => "csr",
            Format::Csc => "csc",
            Format::Coo => "coo",
            Format::Bsr => "bsr",
            Format::Lil => "lil",
            Format::Dok => "dok",
            Format::Dia => "dia",
        }
    }
}

/// A matrix in any of the seven formats.
#[derive(Debug, Clone)]
#[allow(clippy::large_enum_variant)]
pub enum AnySparse<T> {
    /// CSR.
    Csr(CsrMatrix<T>),
    /// CSC.
    Csc(CscMatrix<T>),
    /// COO.
    Coo(CooMatrix<T>),
    /// BSR.
    Bsr(BsrMatrix<T>),
    /// LIL.
    Lil(LilMatrix<T>),
    /// DOK.
    Dok(DokMatrix<T>),
    /// DIA.
    Dia(DiaMatrix<T>),
}

macro_rules! each {
    ($self:expr, $m:ident => $e:expr) => {
        match $self {
            AnySparse::Csr($m) => $e,
            AnySparse::Csc($m) => $e,
            AnySparse::Coo($m) => $e,
            AnySparse::Bsr($m) => $e,
            AnySparse::Lil($m) => $e,
            AnySparse::Dok($m) => $e,
            AnySparse::Dia($m) => $e,
        }
    };
}

impl<T: Element> AnySparse<T> {
    /// Which format this is.
    #[must_use]
    pub fn format(&self) -> Format {
        match self {
            AnySparse::Csr(_) => Format::Csr,
            AnySparse::Csc(_) => Format::Csc,
            AnySparse::Coo(_) => Format::Coo,
            AnySparse::Bsr(_) => Format::Bsr,
            AnySparse::Lil(_) => Format::Lil,
            AnySparse::Dok(_) => Format::Dok,
            AnySparse::Dia(_) => Format::Dia,
        }
    }

    /// Converts a CSR matrix into `format`.
    ///
    /// # Errors
    /// [`crate::SparseError::DiaTooLarge`] for a DIA form above
    /// [`crate::DIA_DEFAULT_LIMIT`]; [`crate::SparseError::Allocation`] when a CSC
    /// pointer of `cols + 1` entries cannot be allocated.
    pub fn from_csr(csr: CsrMatrix<T>, format: Format) -> Result<Self> {
        Ok(match format {
            Format::Csr => AnySparse::Csr(csr),
            Format::Csc => AnySparse::Csc(CscMatrix::try_from_csr(&csr)?),
            Format::Coo => AnySparse::Coo(CooMatrix::from_csr(&csr)),
            Format::Bsr => AnySparse::Bsr(BsrMatrix::from_csr(&csr, [1, 1])?),
            Format::Lil => AnySparse::Lil(LilMatrix::from_csr(&csr)),
            Format::Dok => AnySparse::Dok(DokMatrix::from_csr(&csr)),
            Format::Dia => AnySparse::Dia(DiaMatrix::from_csr(&csr)?),
        })
    }

    /// The matrix in CSR form, moving it when it already is.
    ///
    /// # Panics
    /// When [`AnySparse::try_into_csr`] fails.
    #[must_use]
    pub fn into_csr(self) -> CsrMatrix<T> {
        self.try_into_csr().unwrap_or_else(|e| panic!("{e}"))
    }

    /// The matrix in CSR form, moving it when it already is.
    ///
    /// # Errors
    /// As [`SparseMatrix::try_to_csr`].
    pub fn try_into_csr(self) -> Result<CsrMatrix<T>> {
        match self {
            AnySparse::Csr(m) => Ok(m),
            other => other.try_to_csr(),
        }
    }
}

impl<T: Element> Footprint for AnySparse<T> {
    fn heap_bytes(&self) -> usize {
        each!(self, m => m.heap_bytes())
    }
}

impl<T: Element> SparseMatrix<T> for AnySparse<T> {
    fn shape(&self) -> [usize; 2] {
        each!(self, m => m.shape())
    }
    fn nnz(&self) -> usize {
        each!(self, m => m.nnz())
    }
    fn try_to_csr(&self) -> Result<CsrMatrix<T>> {
        each!(self, m => m.try_to_csr())
    }
    fn to_dense(&self) -> Result<Array2<T>> {
        each!(self, m => m.to_dense())
    }
    fn spmv(&self, x: &[T], y: &mut [T], par: Par) -> Result<()> {
        each!(self, m => m.spmv(x, y, par))
    }
}
