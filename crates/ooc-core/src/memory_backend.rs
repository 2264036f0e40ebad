//! [`MemArray`]: an array held in memory, implementing every block trait. It is the
//! reference other backends are checked against, and the backend for data that fits.

use ndarray::{ArrayD, IxDyn};

use crate::block::{ArrayMeta, ReadBlock, ViewBlock, WriteBlock};
use crate::dtype::{DType, Element};
use crate::error::{Error, Result};
use crate::footprint::Footprint;
use crate::shape::{Region, checked_len};

/// An N-D array in memory (an ndarray array in standard C layout).
#[derive(Debug, Clone, PartialEq)]
pub struct MemArray<T: Element> {
    data: ArrayD<T>,
    chunk: Option<Vec<usize>>,
}

impl<T: Element> MemArray<T> {
    /// An array of `shape` filled with zeros.
    ///
    /// # Errors
    /// [`Error::ShapeOverflow`] when the shape's element count overflows.
    pub fn zeros(shape: &[usize]) -> Result<Self> {
        let n = checked_len(shape)?;
        Self::from_vec(shape.to_vec(), vec![T::default(); n])
    }

    /// An array of `shape` holding `data` in C order.
    ///
    /// # Errors
    /// [`Error::DataLength`] when `data` does not have exactly as many elements as `shape`.
    pub fn from_vec(shape: Vec<usize>, data: Vec<T>) -> Result<Self> {
        let expected = checked_len(&shape)?;
        if expected != data.len() {
            return Err(Error::DataLength {
                shape,
                expected,
                found: data.len(),
            });
        }
        let data = ArrayD::from_shape_vec(IxDyn(&shape), data).map_err(|_| Error::DataLength {
            shape: shape.clone(),
            expected,
            found: expected,
        })?;
        Ok(MemArray { data, chunk: None })
    }

    /// Wraps an ndarray array (copied into C layout if it is not already).
    #[must_use]
    pub fn from_array<D: ndarray::Dimension>(array: ndarray::Array<T, D>) -> Self {
        let data = array.into_dyn();
        let data = if data.is_standard_layout() {
            data
        } else {
            data.as_standard_layout().into_owned()
        };
        MemArray { data, chunk: None }
    }

    /// Pretends storage is chunked in `chunk`, so plans align to it (for testing planners).
    ///
    /// # Errors
    /// [`Error::InvalidChunkShape`] when the chunk rank differs or a side is zero.
    pub fn with_chunk_shape(mut self, chunk: Vec<usize>) -> Result<Self> {
        if chunk.len() != self.data.ndim() || chunk.contains(&0) {
            return Err(Error::InvalidChunkShape {
                chunk,
                array: self.data.shape().to_vec(),
                reason: "chunk must have the array's rank and no zero side",
            });
        }
        self.chunk = Some(chunk);
        Ok(self)
    }

    /// The elements as an ndarray view.
    #[must_use]
    pub fn as_array(&self) -> ndarray::ArrayViewD<'_, T> {
        self.data.view()
    }

    /// The elements in C order.
    ///
    /// # Panics
    /// Never: the array is kept in standard layout by every constructor.
    #[must_use]
    pub fn as_slice(&self) -> &[T] {
        self.data
            .as_slice()
            .expect("MemArray keeps its data in standard layout")
    }

    fn as_mut_slice(&mut self) -> &mut [T] {
        self.data
            .as_slice_mut()
            .expect("MemArray keeps its data in standard layout")
    }

    /// The array itself.
    #[must_use]
    pub fn into_array(self) -> ArrayD<T> {
        self.data
    }
}

impl<T: Element> ArrayMeta for MemArray<T> {
    fn shape(&self) -> &[usize] {
        self.data.shape()
    }
    fn dtype(&self) -> DType {
        T::DTYPE
    }
    fn chunk_shape(&self) -> Option<Vec<usize>> {
        self.chunk.clone()
    }
}

impl<T: Element> ReadBlock<T> for MemArray<T> {
    fn read_region(&self, region: &Region, out: &mut [T]) -> Result<()> {
        region.check_with_buffer(self.shape(), out.len())?;
        let src = self.as_slice();
        region.for_each_run(self.shape(), |a, r, n| {
            out[r..r + n].copy_from_slice(&src[a..a + n]);
        });
        Ok(())
    }

    fn as_view(&self) -> Option<&dyn ViewBlock<T>> {
        Some(self)
    }
}

impl<T: Element> WriteBlock<T> for MemArray<T> {
    fn write_region(&mut self, region: &Region, data: &[T]) -> Result<()> {
        let shape = self.shape().to_vec();
        region.check_with_buffer(&shape, data.len())?;
        let dst = self.as_mut_slice();
        region.for_each_run(&shape, |a, r, n| {
            dst[a..a + n].copy_from_slice(&data[r..r + n]);
        });
        Ok(())
    }
}

impl<T: Element> ViewBlock<T> for MemArray<T> {
    fn view_region(&self, region: &Region) -> Result<Option<&[T]>> {
        region.check(self.shape())?;
        Ok(region
            .contiguous_offset(self.shape())
            .map(|off| &self.as_slice()[off..off + region.len()]))
    }
}

impl<T: Element> Footprint for MemArray<T> {
    fn heap_bytes(&self) -> usize {
        self.data.len() * std::mem::size_of::<T>()
            + self.data.ndim() * 2 * std::mem::size_of::<usize>()
            + self.chunk.heap_bytes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrong_length_is_an_error() {
        let err = MemArray::<f32>::from_vec(vec![2, 3], vec![0.0; 5]).unwrap_err();
        assert!(err.to_string().contains("needs 6 elements but 5"), "{err}");
    }

    #[test]
    fn fortran_arrays_are_copied_to_c_order() {
        let a = ndarray::Array2::from_shape_vec((2, 2).f(), vec![1, 2, 3, 4]).unwrap();
        let m = MemArray::from_array(a);
        assert_eq!(m.as_slice(), &[1, 3, 2, 4]);
    }

    use ndarray::ShapeBuilder;
}
