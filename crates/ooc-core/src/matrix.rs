//! [`AsMatrix`]: any array seen as the 2-D matrix the scheduler works on. A 0-D array is
//! 1 × 1, a 1-D array of `n` one row of `n`, and an N-D array `d0` rows of the remaining
//! extents flattened (blocks of whole rows only). 2-D arrays pass through untouched, views
//! included.

use crate::block::{ArrayMeta, ReadBlock, WriteBlock};
use crate::dtype::{DType, Element};
use crate::shape::Region;

/// `inner` seen as a 2-D matrix.
///
/// ```
/// use ooc_core::{ArrayMeta, AsMatrix, MemArray};
/// let cube = MemArray::<f32>::zeros(&[4, 3, 2])?;
/// assert_eq!(AsMatrix::new(&cube).shape(), &[4, 6]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct AsMatrix<A> {
    inner: A,
    shape: [usize; 2],
    rank: usize,
}

impl<A: ArrayMeta> AsMatrix<A> {
    /// Wraps `inner`.
    #[must_use]
    pub fn new(inner: A) -> Self {
        let s = inner.shape().to_vec();
        let shape = match s.as_slice() {
            [] => [1, 1],
            [n] => [1, *n],
            [r, rest @ ..] => [*r, rest.iter().product()],
        };
        AsMatrix {
            inner,
            shape,
            rank: s.len(),
        }
    }

    /// The wrapped array.
    #[must_use]
    pub fn into_inner(self) -> A {
        self.inner
    }

    /// The region of the wrapped array that a 2-D region of the matrix covers.
    fn inner_region(&self, region: &Region) -> crate::Result<Region> {
        region.check(&self.shape)?;
        let (r0, c0, nr, nc) = (
            region.start[0],
            region.start[1],
            region.shape[0],
            region.shape[1],
        );
        let inner = self.inner.shape();
        match self.rank {
            0 => Ok(Region::new(Vec::new(), Vec::new())),
            1 => Ok(Region::new(vec![c0], vec![nc])),
            2 => Ok(region.clone()),
            _ if c0 == 0 && nc == self.shape[1] => {
                let mut start = vec![0; self.rank];
                let mut shape = inner.to_vec();
                start[0] = r0;
                shape[0] = nr;
                Ok(Region::new(start, shape))
            }
            _ => Err(crate::Error::Unsupported(format!(
                "a block of part of a row of a {}-D array (shape {inner:?}); raise the budget so whole rows fit",
                self.rank
            ))),
        }
    }
}

impl<A: ArrayMeta> ArrayMeta for AsMatrix<A> {
    fn shape(&self) -> &[usize] {
        &self.shape
    }
    fn dtype(&self) -> DType {
        self.inner.dtype()
    }
    fn chunk_shape(&self) -> Option<Vec<usize>> {
        let chunk = self.inner.chunk_shape()?;
        match chunk.as_slice() {
            [c] => Some(vec![1, *c]),
            [r, c] if self.rank == 2 => Some(vec![*r, *c]),
            [r, ..] => Some(vec![*r, self.shape[1]]),
            [] => None,
        }
    }
    fn concurrent_reads(&self) -> bool {
        self.inner.concurrent_reads()
    }
}

impl<T: Element, A: ReadBlock<T>> ReadBlock<T> for AsMatrix<A> {
    fn read_region(&self, region: &Region, out: &mut [T]) -> crate::Result<()> {
        self.inner.read_region(&self.inner_region(region)?, out)
    }

    fn as_view(&self) -> Option<&dyn crate::ViewBlock<T>> {
        // Regions of a 2-D array are its own, so its views can be lent as they are.
        if self.rank == 2 {
            self.inner.as_view()
        } else {
            None
        }
    }
}

impl<T: Element, A: WriteBlock<T>> WriteBlock<T> for AsMatrix<A> {
    fn write_region(&mut self, region: &Region, data: &[T]) -> crate::Result<()> {
        let inner = self.inner_region(region)?;
        self.inner.write_region(&inner, data)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::MemArray;

    #[test]
    fn reshapes_0d_1d_and_nd_arrays() {
        let v = MemArray::from_vec(vec![5], vec![1_i32, 2, 3, 4, 5]).unwrap();
        let m = AsMatrix::new(&v);
        assert_eq!(ArrayMeta::shape(&m), &[1, 5]);
        let mut out = [0; 2];
        m.read_region(&Region::block(0, 2, 1, 2), &mut out).unwrap();
        assert_eq!(out, [3, 4]);

        let s = MemArray::from_vec(vec![], vec![7.0_f64]).unwrap();
        let m = AsMatrix::new(&s);
        let mut one = [0.0];
        m.read_region(&Region::block(0, 0, 1, 1), &mut one).unwrap();
        assert_eq!(one, [7.0]);

        let data: Vec<u8> = (0..24).collect();
        let c = MemArray::from_vec(vec![2, 3, 4], data).unwrap();
        let m = AsMatrix::new(&c);
        assert_eq!(ArrayMeta::shape(&m), &[2, 12]);
        let mut row = [0_u8; 12];
        m.read_region(&Region::rows(1, 1, 12), &mut row).unwrap();
        assert_eq!(row.to_vec(), (12..24).collect::<Vec<u8>>());
        let err = m
            .read_region(&Region::block(0, 1, 1, 2), &mut [0; 2])
            .unwrap_err();
        assert!(err.to_string().contains("budget"), "{err}");
        assert!(m.read_region(&Region::rows(2, 1, 12), &mut row).is_err());
    }
}
