//! Presenting any array to `ooc-linalg`, which works on 2-D matrices: a 0-D array is
//! 1 × 1, a 1-D array of `n` one row of `n`, and an N-D array `d0` rows of the remaining
//! extents flattened (blocks of whole rows only). 2-D arrays pass through untouched.
//!
//! This reshaping view is glue the binary needs because no crate offers one yet (it would
//! belong in `ooc-core`, beside [`Region`]).

use std::cell::RefCell;

use ooc_core::{ArrayMeta, DType, Element, ReadBlock, Region, WriteBlock};

/// `inner` seen as a 2-D matrix.
pub(crate) struct AsMatrix<A> {
    inner: A,
    shape: [usize; 2],
    rank: usize,
}

impl<A: ArrayMeta> AsMatrix<A> {
    /// Wraps `inner`.
    pub(crate) fn new(inner: A) -> Self {
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
    pub(crate) fn into_inner(self) -> A {
        self.inner
    }

    /// The region of the wrapped array that a 2-D region of the matrix covers.
    fn inner_region(&self, region: &Region) -> ooc_core::Result<Region> {
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
            _ => Err(ooc_core::Error::Unsupported(format!(
                "a block of part of a row of a {}-D array (shape {inner:?}); raise --budget so whole rows fit",
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
    fn read_region(&self, region: &Region, out: &mut [T]) -> ooc_core::Result<()> {
        self.inner.read_region(&self.inner_region(region)?, out)
    }

    fn as_view(&self) -> Option<&dyn ooc_core::ViewBlock<T>> {
        // Regions of a 2-D array are its own, so its views can be lent as they are.
        if self.rank == 2 {
            self.inner.as_view()
        } else {
            None
        }
    }
}

impl<T: Element, A: WriteBlock<T>> WriteBlock<T> for AsMatrix<A> {
    fn write_region(&mut self, region: &Region, data: &[T]) -> ooc_core::Result<()> {
        let inner = self.inner_region(region)?;
        self.inner.write_region(&inner, data)
    }
}

thread_local! {
    /// Each worker's buffer for narrow elements before they are widened (8-byte words, so
    /// any element type can be viewed in it).
    static NARROW: RefCell<Vec<u64>> = const { RefCell::new(Vec::new()) };
}

/// `inner`, an array of `T`, read as elements of the wider type `W` (integers as 64-bit,
/// `f32` as `f64`), so sums do not wrap or lose precision the way numpy's do not.
pub(crate) struct Widened<A, T> {
    inner: A,
    wide: DType,
    elem: std::marker::PhantomData<fn() -> T>,
}

impl<A, T: Element> Widened<A, T> {
    /// Wraps `inner`, whose elements widen to `wide`.
    pub(crate) fn new(inner: A, wide: DType) -> Self {
        Widened {
            inner,
            wide,
            elem: std::marker::PhantomData,
        }
    }
}

impl<A: ArrayMeta, T: Element> ArrayMeta for Widened<A, T> {
    fn shape(&self) -> &[usize] {
        self.inner.shape()
    }
    fn dtype(&self) -> DType {
        self.wide
    }
    fn chunk_shape(&self) -> Option<Vec<usize>> {
        self.inner.chunk_shape()
    }
    fn concurrent_reads(&self) -> bool {
        self.inner.concurrent_reads()
    }
}

/// Element types that widen to `W` without loss.
pub(crate) trait WidenTo<W>: Element {
    /// The value as `W`.
    fn widen(self) -> W;
}

macro_rules! widen {
    ($w:ty: $($t:ty),*) => {$(
        impl WidenTo<$w> for $t {
            fn widen(self) -> $w {
                <$w>::from(self)
            }
        }
    )*};
}
widen!(i64: i8, i16, i32);
widen!(u64: u8, u16, u32);
widen!(f64: f32);

impl WidenTo<ooc_core::Complex<f64>> for ooc_core::Complex<f32> {
    fn widen(self) -> ooc_core::Complex<f64> {
        ooc_core::Complex::new(f64::from(self.re), f64::from(self.im))
    }
}

impl<W: Element, T: WidenTo<W>, A: ReadBlock<T>> ReadBlock<W> for Widened<A, T> {
    fn read_region(&self, region: &Region, out: &mut [W]) -> ooc_core::Result<()> {
        NARROW.with(|cell| {
            let mut words = cell.borrow_mut();
            let needed = (out.len() * std::mem::size_of::<T>()).div_ceil(8);
            if words.len() < needed {
                words.resize(needed, 0);
            }
            let bytes: &mut [u8] = bytemuck::cast_slice_mut(&mut words[..needed]);
            let narrow: &mut [T] =
                bytemuck::cast_slice_mut(&mut bytes[..out.len() * std::mem::size_of::<T>()]);
            self.inner.read_region(region, narrow)?;
            for (o, &v) in out.iter_mut().zip(narrow.iter()) {
                *o = v.widen();
            }
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ooc_core::MemArray;

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
        assert!(err.to_string().contains("--budget"), "{err}");
        assert!(m.read_region(&Region::rows(2, 1, 12), &mut row).is_err());
    }

    #[test]
    fn widens_without_wrapping() {
        let a = MemArray::from_vec(vec![1, 3], vec![-128_i8, 127, -1]).unwrap();
        let w = Widened::<_, i8>::new(&a, DType::I64);
        let mut out = [0_i64; 3];
        w.read_region(&Region::rows(0, 1, 3), &mut out).unwrap();
        assert_eq!(out, [-128, 127, -1]);
        assert_eq!(w.dtype(), DType::I64);
    }
}
