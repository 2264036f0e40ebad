//! [`BsrMatrix`]: block sparse rows — CSR over dense `r × c` blocks, for matrices whose
//! non-zeros come in small dense tiles. Stored entries (`nnz`) are whole blocks, explicit
//! zeros inside them included, as in scipy.

use ndarray::Array2;
use ooc_core::{Element, Footprint, Par};
use rayon::prelude::*;

use crate::alloc;
use crate::csr::{CsrMatrix, check_spmv, dense_zeros, validate_compressed};
use crate::error::{Result, SparseError};
use crate::format::SparseMatrix;
use crate::parallel;

/// A sparse matrix of dense `r × c` blocks in compressed block-row form.
///
/// ```
/// use ooc_sparse::{BsrMatrix, CsrMatrix, SparseMatrix};
/// let csr = CsrMatrix::new([2, 4], vec![0, 1, 2], vec![2, 3], vec![1.0, 2.0])?;
/// let bsr = BsrMatrix::from_csr(&csr, [2, 2])?;
/// assert_eq!(bsr.nnz(), 4); // one 2×2 block
/// assert_eq!(bsr.get(1, 3), Some(2.0));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct BsrMatrix<T> {
    shape: [usize; 2],
    block: [usize; 2],
    indptr: Vec<usize>,
    indices: Vec<usize>,
    data: Vec<T>,
}

fn check_block(shape: [usize; 2], block: [usize; 2]) -> Result<()> {
    let [r, c] = block;
    if r == 0 || c == 0 || !shape[0].is_multiple_of(r) || !shape[1].is_multiple_of(c) {
        return Err(SparseError::BlockShape {
            r,
            c,
            rows: shape[0],
            cols: shape[1],
        });
    }
    Ok(())
}

impl<T: Element> BsrMatrix<T> {
    /// Builds a matrix from block-row pointer, block-column indices and block values
    /// (`r × c` values per block, row-major inside the block) after checking them.
    ///
    /// # Errors
    /// [`SparseError::BlockShape`] when `block` is zero or does not divide `shape`;
    /// [`SparseError::LengthMismatch`] when `data` does not hold `r·c` values per block;
    /// otherwise as [`CsrMatrix::new`] over block rows and block columns.
    pub fn new(
        shape: [usize; 2],
        block: [usize; 2],
        indptr: Vec<usize>,
        indices: Vec<usize>,
        data: Vec<T>,
    ) -> Result<Self> {
        check_block(shape, block)?;
        let per = block[0] * block[1];
        let expected = indices
            .len()
            .checked_mul(per)
            .ok_or(SparseError::LengthMismatch {
                what: "data",
                expected: usize::MAX,
                found: data.len(),
            })?;
        if data.len() != expected {
            return Err(SparseError::LengthMismatch {
                what: "data",
                expected,
                found: data.len(),
            });
        }
        validate_compressed(
            shape[0] / block[0],
            shape[1] / block[1],
            &indptr,
            &indices,
            indices.len(),
            "block column",
        )?;
        Ok(BsrMatrix {
            shape,
            block,
            indptr,
            indices,
            data,
        })
    }

    /// Converts from CSR, grouping entries into `block`-sized tiles (block columns sorted
    /// within each block row).
    ///
    /// # Errors
    /// [`SparseError::BlockShape`] when `block` is zero or does not divide the shape.
    pub fn from_csr(csr: &CsrMatrix<T>, block: [usize; 2]) -> Result<Self> {
        check_block(csr.shape, block)?;
        Self::tile(csr, block)
    }

    /// Groups `csr` into `block` tiles; the caller has checked that they tile the shape.
    fn tile(csr: &CsrMatrix<T>, block: [usize; 2]) -> Result<Self> {
        let [r, c] = block;
        let per = r * c;
        let (brows, bcols) = (csr.shape[0] / r, csr.shape[1] / c);
        // slot[bc] = position of block column bc in the current block row, or usize::MAX.
        let mut slot = alloc::filled(bcols, usize::MAX, "block column slots")?;
        let mut indptr = alloc::with_capacity(brows.saturating_add(1), "block row pointer")?;
        let mut indices: Vec<usize> = Vec::new();
        let mut data: Vec<T> = Vec::new();
        indptr.push(0);
        let mut found = Vec::new();
        for br in 0..brows {
            found.clear();
            let rows = br * r..(br + 1) * r;
            for i in rows.clone() {
                for j in csr.row(i).0 {
                    let bc = j / c;
                    if slot[bc] == usize::MAX {
                        slot[bc] = 0;
                        found.push(bc);
                    }
                }
            }
            found.sort_unstable();
            let first = indices.len();
            for (k, &bc) in found.iter().enumerate() {
                slot[bc] = first + k;
                indices.push(bc);
            }
            data.resize(indices.len() * per, T::default());
            for (rr, i) in rows.enumerate() {
                let (idx, vals) = csr.row(i);
                for (j, &v) in idx.iter().zip(vals) {
                    data[slot[j / c] * per + rr * c + j % c] += v;
                }
            }
            for &bc in &found {
                slot[bc] = usize::MAX;
            }
            indptr.push(indices.len());
        }
        Ok(BsrMatrix {
            shape: csr.shape,
            block,
            indptr,
            indices,
            data,
        })
    }

    /// `[r, c]`, the shape of each block.
    #[must_use]
    pub fn block_shape(&self) -> [usize; 2] {
        self.block
    }

    /// Block-row pointer.
    #[must_use]
    pub fn indptr(&self) -> &[usize] {
        &self.indptr
    }

    /// Block column of each stored block.
    #[must_use]
    pub fn indices(&self) -> &[usize] {
        &self.indices
    }

    /// Values of the stored blocks, `r·c` per block, row-major inside a block.
    #[must_use]
    pub fn data(&self) -> &[T] {
        &self.data
    }

    /// The element at `(i, j)`, or `None` outside the matrix.
    #[must_use]
    pub fn get(&self, i: usize, j: usize) -> Option<T> {
        if i >= self.shape[0] || j >= self.shape[1] {
            return None;
        }
        let [r, c] = self.block;
        let br = i / r;
        let mut sum = T::default();
        for k in self.indptr[br]..self.indptr[br + 1] {
            if self.indices[k] == j / c {
                sum += self.data[k * r * c + (i % r) * c + j % c];
            }
        }
        Some(sum)
    }

    /// Stores the non-zero elements of a dense array in `block`-sized tiles.
    ///
    /// # Errors
    /// As [`BsrMatrix::from_csr`].
    pub fn from_dense(a: &ndarray::ArrayView2<'_, T>, block: [usize; 2]) -> Result<Self> {
        Self::from_csr(&CsrMatrix::from_dense(a), block)
    }

    /// The transpose, with `c × r` blocks.
    ///
    /// # Panics
    /// When [`BsrMatrix::try_transpose`] fails.
    #[must_use]
    pub fn transpose(&self) -> Self {
        self.try_transpose().unwrap_or_else(|e| panic!("{e}"))
    }

    /// The transpose, with `c × r` blocks.
    ///
    /// # Errors
    /// [`crate::SparseError::Allocation`] when the transpose's pointers cannot be
    /// allocated.
    pub fn try_transpose(&self) -> Result<Self> {
        let t = self.try_to_csr()?.try_transpose()?;
        let [r, c] = self.block;
        // c × r blocks tile the transposed shape because r × c tiled this one.
        Self::tile(&t, [c, r])
    }
}

impl<T: Element> SparseMatrix<T> for BsrMatrix<T> {
    fn shape(&self) -> [usize; 2] {
        self.shape
    }

    fn nnz(&self) -> usize {
        self.data.len()
    }

    /// Every stored value becomes a CSR entry, explicit zeros inside blocks included.
    fn try_to_csr(&self) -> Result<CsrMatrix<T>> {
        let [r, c] = self.block;
        let per = r * c;
        let mut indptr = alloc::with_capacity(self.shape[0].saturating_add(1), "row pointer")?;
        let mut indices = Vec::with_capacity(self.data.len());
        let mut data = Vec::with_capacity(self.data.len());
        indptr.push(0);
        for br in 0..self.indptr.len().saturating_sub(1) {
            for rr in 0..r {
                for k in self.indptr[br]..self.indptr[br + 1] {
                    let bc = self.indices[k];
                    let vals = &self.data[k * per + rr * c..k * per + rr * c + c];
                    for (cc, &v) in vals.iter().enumerate() {
                        indices.push(bc * c + cc);
                        data.push(v);
                    }
                }
                indptr.push(indices.len());
            }
        }
        let csr = CsrMatrix::from_valid_parts(self.shape, indptr, indices, data);
        if csr.canonical {
            Ok(csr)
        } else {
            csr.try_to_canonical()
        }
    }

    fn to_dense(&self) -> Result<Array2<T>> {
        let mut out = dense_zeros(self.shape)?;
        let [r, c] = self.block;
        for br in 0..self.indptr.len().saturating_sub(1) {
            for k in self.indptr[br]..self.indptr[br + 1] {
                let bc = self.indices[k];
                for rr in 0..r {
                    for cc in 0..c {
                        out[[br * r + rr, bc * c + cc]] += self.data[k * r * c + rr * c + cc];
                    }
                }
            }
        }
        Ok(out)
    }

    /// Block rows are independent and spread over the pool.
    fn spmv(&self, x: &[T], y: &mut [T], par: Par) -> Result<()> {
        check_spmv(self.shape, x, y)?;
        let [r, c] = self.block;
        let per = r * c;
        let block_row = |(br, yb): (usize, &mut [T])| {
            yb.fill(T::default());
            for k in self.indptr[br]..self.indptr[br + 1] {
                let xs = &x[self.indices[k] * c..(self.indices[k] + 1) * c];
                let blk = &self.data[k * per..(k + 1) * per];
                for (yi, brow) in yb.iter_mut().zip(blk.chunks_exact(c)) {
                    let mut acc = T::default();
                    for (&a, &b) in brow.iter().zip(xs) {
                        acc += a * b;
                    }
                    *yi += acc;
                }
            }
        };
        if y.is_empty() {
            return Ok(());
        }
        parallel::run(par, |parallel| {
            if parallel {
                y.par_chunks_mut(r).enumerate().for_each(block_row);
            } else {
                y.chunks_mut(r).enumerate().for_each(block_row);
            }
        })
    }
}

impl<T: Element> Footprint for BsrMatrix<T> {
    fn heap_bytes(&self) -> usize {
        self.indptr.heap_bytes()
            + self.indices.heap_bytes()
            + self.data.capacity() * std::mem::size_of::<T>()
    }
}
