//! Conversions between this crate's CSR and CSC matrices and sprs' `CsMat`, for Rust code
//! that already holds its sparse matrices in sprs.
//!
//! Going to sprs gives a canonical matrix (indices sorted within each row or column,
//! duplicates summed), which sprs requires; coming from sprs validates the structure again,
//! like every constructor here.

use ooc_core::Element;
use sprs::CsMat;

use crate::csc::CscMatrix;
use crate::csr::CsrMatrix;
use crate::error::Result;
use crate::format::SparseMatrix;

impl<T: Element> CsrMatrix<T> {
    /// A canonical copy of this matrix as an sprs CSR matrix.
    ///
    /// ```
    /// use ooc_sparse::CsrMatrix;
    /// let a = CsrMatrix::new([2, 3], vec![0, 2, 3], vec![2, 0, 1], vec![1.0, 2.0, 3.0])?;
    /// let s = a.to_sprs();
    /// assert_eq!(s.get(0, 2), Some(&1.0));
    /// assert_eq!(CsrMatrix::from_sprs(s)?.get(1, 1), Some(3.0));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Panics
    /// Never: a canonical matrix that passed this crate's validation satisfies every
    /// structural rule sprs checks.
    #[must_use]
    pub fn to_sprs(&self) -> CsMat<T> {
        let ([rows, cols], indptr, indices, data) = self.to_canonical().into_parts();
        CsMat::try_new((rows, cols), indptr, indices, data)
            .map_err(|(_, _, _, e)| e)
            .expect("a validated canonical CSR matrix is valid for sprs")
    }

    /// Takes an sprs matrix (CSR storage is moved, CSC storage is converted).
    ///
    /// # Errors
    /// The structural errors of [`CsrMatrix::new`]; sprs matrices normally pass.
    pub fn from_sprs(matrix: CsMat<T>) -> Result<Self> {
        if matrix.is_csr() {
            let (rows, cols) = matrix.shape();
            let (indptr, indices, data) = matrix.into_raw_storage();
            CsrMatrix::new([rows, cols], indptr, indices, data)
        } else {
            Ok(CscMatrix::from_sprs(matrix)?.to_csr())
        }
    }
}

impl<T: Element> CscMatrix<T> {
    /// A canonical copy of this matrix as an sprs CSC matrix.
    ///
    /// # Panics
    /// Never: a validated CSC matrix's arrays are a valid CSR transpose, and its canonical
    /// form satisfies every rule sprs checks.
    #[must_use]
    pub fn to_sprs(&self) -> CsMat<T> {
        // Aᵀ in CSR has exactly A's CSC arrays.
        let [rows, cols] = self.shape();
        let transposed = CsrMatrix::new(
            [cols, rows],
            self.indptr().to_vec(),
            self.indices().to_vec(),
            self.data().to_vec(),
        )
        .expect("a validated CSC matrix's arrays form a valid CSR transpose");
        let (_, indptr, indices, data) = transposed.to_canonical().into_parts();
        CsMat::try_new_csc((rows, cols), indptr, indices, data)
            .map_err(|(_, _, _, e)| e)
            .expect("a validated canonical CSC matrix is valid for sprs")
    }

    /// Takes an sprs matrix (CSC storage is moved, CSR storage is converted).
    ///
    /// # Errors
    /// The structural errors of [`CscMatrix::new`]; sprs matrices normally pass.
    pub fn from_sprs(matrix: CsMat<T>) -> Result<Self> {
        if matrix.is_csr() {
            Ok(CscMatrix::from_csr(&CsrMatrix::from_sprs(matrix)?))
        } else {
            let (rows, cols) = matrix.shape();
            let (indptr, indices, data) = matrix.into_raw_storage();
            CscMatrix::new([rows, cols], indptr, indices, data)
        }
    }
}
