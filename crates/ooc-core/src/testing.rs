//! The conformance suite: the checks every backend runs against itself (feature `testing`).
//!
//! A backend crate implements [`ConformanceFactory`] (how to make an array of given shape
//! and contents in that backend) in its tests and calls [`run_conformance`]:
//!
//! ```
//! use ooc_core::testing::{ConformanceFactory, run_conformance};
//! use ooc_core::{Element, MemArray, WriteBlock, Result};
//!
//! struct InMemory;
//! impl ConformanceFactory for InMemory {
//!     type Array<T: Element> = MemArray<T>;
//!     fn create<T: Element>(&mut self, shape: &[usize], data: &[T]) -> Result<MemArray<T>> {
//!         MemArray::from_vec(shape.to_vec(), data.to_vec())
//!     }
//!     fn writable<T: Element>(a: &mut MemArray<T>) -> Option<&mut dyn WriteBlock<T>> { Some(a) }
//! }
//! run_conformance(&mut InMemory);
//! ```
//!
//! For every element type and a set of shapes (empty, 0-d, 1 × 1, 1 × n, n × 1, odd sizes,
//! 3-D), it checks metadata, whole and partial reads against an in-memory reference,
//! errors for regions outside the array, wrong ranks and wrong buffer lengths, and — where
//! the backend offers them — writes (read back, failures leave data intact) and zero-copy
//! views (found through [`ReadBlock::as_view`]). Failures panic with the shape, type and region, as tests do.

use crate::block::{ArrayMeta, ReadBlock, ViewBlock, WriteBlock};
use crate::dtype::Element;
use crate::error::{Error, Result};
use crate::memory_backend::MemArray;
use crate::shape::Region;

/// How the suite makes arrays in the backend under test.
pub trait ConformanceFactory {
    /// The backend's array type for elements `T`.
    type Array<T: Element>: ReadBlock<T>;

    /// Makes an array of `shape` holding `data` (C order).
    ///
    /// # Errors
    /// Whatever the backend returns; the suite fails on any error.
    fn create<T: Element>(&mut self, shape: &[usize], data: &[T]) -> Result<Self::Array<T>>;

    /// The array as writable, if the backend writes.
    fn writable<T: Element>(_array: &mut Self::Array<T>) -> Option<&mut dyn WriteBlock<T>> {
        None
    }

    /// Shapes to skip (a backend that cannot store 0-d arrays, say); none by default.
    fn skip_shape(&self, _shape: &[usize]) -> bool {
        false
    }
}

/// The shapes every backend is checked on.
pub const SHAPES: &[&[usize]] = &[
    &[],
    &[0],
    &[6],
    &[0, 3],
    &[3, 0],
    &[1, 1],
    &[1, 9],
    &[9, 1],
    &[7, 13],
    &[4, 3, 5],
    &[2, 0, 2],
];

/// Runs the whole suite for every element type.
///
/// # Panics
/// On the first check that fails, naming type, shape and region.
pub fn run_conformance<F: ConformanceFactory>(factory: &mut F) {
    check_type::<i8, F>(factory);
    check_type::<i16, F>(factory);
    check_type::<i32, F>(factory);
    check_type::<i64, F>(factory);
    check_type::<u8, F>(factory);
    check_type::<u16, F>(factory);
    check_type::<u32, F>(factory);
    check_type::<u64, F>(factory);
    check_type::<f32, F>(factory);
    check_type::<f64, F>(factory);
    check_type::<crate::Complex<f32>, F>(factory);
    check_type::<crate::Complex<f64>, F>(factory);
}

/// Values `0, 1, ..., 96, 0, 1, ...` plus `offset`, which every element type can hold.
#[must_use]
pub fn sample_data<T: Element>(len: usize, offset: usize) -> Vec<T> {
    #[allow(clippy::cast_precision_loss)]
    (0..len)
        .map(|i| T::from_f64(((i + offset) % 97) as f64))
        .collect()
}

/// A small deterministic generator, so failures reproduce without a seed file.
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        if n == 0 {
            0
        } else {
            usize::try_from((self.0 >> 33) % (n as u64)).unwrap_or(0)
        }
    }

    fn region(&mut self, shape: &[usize]) -> Region {
        let mut start = Vec::with_capacity(shape.len());
        let mut extent = Vec::with_capacity(shape.len());
        for &d in shape {
            let s = self.below(d + 1);
            start.push(s);
            extent.push(self.below(d - s + 1));
        }
        Region::new(start, extent)
    }
}

/// Runs the suite for one element type.
///
/// # Panics
/// On the first check that fails.
pub fn check_type<T: Element, F: ConformanceFactory>(factory: &mut F) {
    for &shape in SHAPES {
        if factory.skip_shape(shape) {
            continue;
        }
        let ctx = format!("{} shape {shape:?}", T::DTYPE);
        let len: usize = shape.iter().product();
        let data = sample_data::<T>(len, 0);
        let mut reference = MemArray::from_vec(shape.to_vec(), data.clone()).unwrap();
        let mut array = factory
            .create(shape, &data)
            .unwrap_or_else(|e| panic!("{ctx}: create failed: {e}"));
        assert_eq!(array.shape(), shape, "{ctx}: shape");
        assert_eq!(array.dtype(), T::DTYPE, "{ctx}: dtype");

        let mut rng = Lcg(len as u64 + 17);
        let mut regions = vec![Region::full(shape)];
        regions.extend((0..12).map(|_| rng.region(shape)));
        for region in &regions {
            check_read(&array, &reference, region, &ctx);
        }
        check_bad_regions(&array, shape, &ctx);

        if let Some(view) = array.as_view() {
            for region in &regions {
                check_view(view, &reference, region, &ctx);
            }
        }

        if let Some(writer) = F::writable(&mut array) {
            for (k, region) in regions.iter().enumerate().skip(1) {
                let new = sample_data::<T>(region.len(), 31 + k);
                writer
                    .write_region(region, &new)
                    .unwrap_or_else(|e| panic!("{ctx}: write {region:?} failed: {e}"));
                reference.write_region(region, &new).unwrap();
            }
            // Bad writes fail and change nothing.
            let outside = Region::new(shape.to_vec(), vec![1; shape.len()]);
            if !shape.is_empty() {
                assert!(
                    writer
                        .write_region(&outside, &sample_data::<T>(1, 5))
                        .is_err(),
                    "{ctx}: write outside the array must fail"
                );
            }
            let full = Region::full(shape);
            assert!(
                writer
                    .write_region(&full, &sample_data::<T>(len + 1, 0))
                    .is_err(),
                "{ctx}: write with a buffer of the wrong length must fail"
            );
        }
        check_read(&array, &reference, &Region::full(shape), &ctx);
    }
}

fn check_read<T: Element, A: ReadBlock<T> + ?Sized>(
    array: &A,
    reference: &MemArray<T>,
    region: &Region,
    ctx: &str,
) {
    let mut got = vec![T::from_f64(-1.0); region.len()];
    array
        .read_region(region, &mut got)
        .unwrap_or_else(|e| panic!("{ctx}: read {region:?} failed: {e}"));
    let mut want = vec![T::default(); region.len()];
    reference.read_region(region, &mut want).unwrap();
    assert_eq!(got, want, "{ctx}: read {region:?}");
}

fn check_view<T: Element>(
    view: &dyn ViewBlock<T>,
    reference: &MemArray<T>,
    region: &Region,
    ctx: &str,
) {
    let lent = view
        .view_region(region)
        .unwrap_or_else(|e| panic!("{ctx}: view {region:?} failed: {e}"));
    let contiguous = region.contiguous_offset(reference.shape_vec().as_slice());
    if let Some(slice) = lent {
        let mut want = vec![T::default(); region.len()];
        reference.read_region(region, &mut want).unwrap();
        assert_eq!(slice, &want[..], "{ctx}: view {region:?}");
    } else {
        assert!(
            contiguous.is_none() || region.is_empty(),
            "{ctx}: a contiguous region {region:?} must be viewable"
        );
    }
}

fn check_bad_regions<T: Element, A: ReadBlock<T> + ?Sized>(array: &A, shape: &[usize], ctx: &str) {
    let mut buf = vec![T::default(); 1];
    if !shape.is_empty() {
        let outside = Region::new(shape.to_vec(), vec![1; shape.len()]);
        let err = array.read_region(&outside, &mut buf);
        assert!(
            matches!(err, Err(Error::OutOfBounds { .. } | Error::Backend { .. })),
            "{ctx}: read outside must be an out-of-bounds error, got {err:?}"
        );
        let mut far = Region::full(shape);
        far.start[0] = usize::MAX;
        assert!(
            array.read_region(&far, &mut buf).is_err(),
            "{ctx}: start at usize::MAX must fail"
        );
    }
    let wrong_rank = Region::new(vec![0; shape.len() + 1], vec![1; shape.len() + 1]);
    assert!(
        array.read_region(&wrong_rank, &mut buf).is_err(),
        "{ctx}: region of the wrong rank must fail"
    );
    let full = Region::full(shape);
    let mut long = vec![T::default(); full.len() + 1];
    let err = array.read_region(&full, &mut long);
    assert!(
        matches!(err, Err(Error::BufferLength { .. } | Error::Backend { .. })),
        "{ctx}: wrong buffer length must fail, got {err:?}"
    );
}

impl<T: Element> MemArray<T> {
    fn shape_vec(&self) -> Vec<usize> {
        crate::ArrayMeta::shape(self).to_vec()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct InMemory;
    impl ConformanceFactory for InMemory {
        type Array<T: Element> = MemArray<T>;
        fn create<T: Element>(&mut self, shape: &[usize], data: &[T]) -> Result<MemArray<T>> {
            MemArray::from_vec(shape.to_vec(), data.to_vec())
        }
        fn writable<T: Element>(a: &mut MemArray<T>) -> Option<&mut dyn WriteBlock<T>> {
            Some(a)
        }
    }

    #[test]
    fn in_memory_backend_conforms() {
        run_conformance(&mut InMemory);
    }

    /// A backend that silently drops writes must be caught.
    struct Forgetful;
    impl ConformanceFactory for Forgetful {
        type Array<T: Element> = MemArray<T>;
        fn create<T: Element>(&mut self, shape: &[usize], data: &[T]) -> Result<MemArray<T>> {
            MemArray::from_vec(shape.to_vec(), data.to_vec())
        }
        fn writable<T: Element>(_: &mut MemArray<T>) -> Option<&mut dyn WriteBlock<T>> {
            None
        }
    }

    #[test]
    fn read_only_backends_run_the_read_checks() {
        run_conformance(&mut Forgetful);
    }

    struct Lossy;
    impl ConformanceFactory for Lossy {
        type Array<T: Element> = MemArray<T>;
        fn create<T: Element>(&mut self, shape: &[usize], data: &[T]) -> Result<MemArray<T>> {
            let mut d = data.to_vec();
            if let Some(last) = d.last_mut() {
                *last = T::from_f64(99.0);
            }
            MemArray::from_vec(shape.to_vec(), d)
        }
    }

    #[test]
    #[should_panic(expected = "read")]
    fn a_backend_that_corrupts_data_fails_the_suite() {
        check_type::<f32, _>(&mut Lossy);
    }
}
