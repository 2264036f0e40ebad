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

use crate::block::{ArrayMeta, CsrBlock, ReadBlock, ReadSparseRows, ViewBlock, WriteBlock};
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

/// How the sparse suite makes matrices in the sparse reader under test.
pub trait SparseConformanceFactory {
    /// The reader's type for elements `T`.
    type Rows<T: Element>: ReadSparseRows<T>;

    /// Makes a `shape` matrix whose stored entries are the non-zeros of `dense` (C order),
    /// row by row in column order.
    ///
    /// # Errors
    /// Whatever the reader reports; the suite fails on any error here.
    fn create<T: Element>(&mut self, shape: [usize; 2], dense: &[T]) -> Result<Self::Rows<T>>;
}

/// The sparse reader suite: for every element type and the shapes of the dense suite
/// (empty, 1 × 1, 1 × n, n × 1, odd sizes, rows with no entries), it checks shape, entry
/// count and row pointer against the matrix made, every row range (whole, single rows,
/// random ranges, empty ranges) read into a reused block against the reference, and that
/// rows outside the matrix are errors, never panics.
///
/// ```
/// use ooc_core::testing::{SparseConformanceFactory, run_sparse_conformance};
/// use ooc_core::{CsrBlock, Element, ReadSparseRows, Result};
/// # struct Dense<T> { shape: [usize; 2], data: Vec<T> }
/// # impl<T: Element> ooc_core::ArrayMeta for Dense<T> {
/// #     fn shape(&self) -> &[usize] { &self.shape }
/// #     fn dtype(&self) -> ooc_core::DType { T::DTYPE }
/// # }
/// # impl<T: Element> ReadSparseRows<T> for Dense<T> {
/// #     fn nnz(&self) -> usize { self.data.iter().filter(|&&v| v != T::default()).count() }
/// #     fn row_offsets(&self) -> Result<Vec<usize>> {
/// #         let mut o = vec![0];
/// #         for r in self.data.chunks(self.shape[1].max(1)).take(self.shape[0]) {
/// #             o.push(o.last().unwrap() + r.iter().filter(|&&v| v != T::default()).count());
/// #         }
/// #         o.resize(self.shape[0] + 1, *o.last().unwrap());
/// #         Ok(o)
/// #     }
/// #     fn read_rows(&self, row0: usize, nrows: usize, out: &mut CsrBlock<T>) -> Result<()> {
/// #         if row0.checked_add(nrows).is_none_or(|end| end > self.shape[0]) {
/// #             return Err(ooc_core::Error::OutOfBounds { start: vec![row0], shape: vec![nrows], array: vec![self.shape[0]] });
/// #         }
/// #         out.clear(); out.row0 = row0; out.indptr.push(0);
/// #         for r in row0..row0 + nrows {
/// #             for c in 0..self.shape[1] {
/// #                 let v = self.data[r * self.shape[1] + c];
/// #                 if v != T::default() { out.indices.push(c); out.data.push(v); }
/// #             }
/// #             out.indptr.push(out.data.len());
/// #         }
/// #         Ok(())
/// #     }
/// # }
/// struct Factory;
/// impl SparseConformanceFactory for Factory {
///     type Rows<T: Element> = Dense<T>;
///     fn create<T: Element>(&mut self, shape: [usize; 2], dense: &[T]) -> Result<Dense<T>> {
///         Ok(Dense { shape, data: dense.to_vec() })
///     }
/// }
/// run_sparse_conformance(&mut Factory);
/// ```
///
/// # Panics
/// On the first failed check, naming the type, shape and rows.
pub fn run_sparse_conformance<F: SparseConformanceFactory>(factory: &mut F) {
    check_sparse_type::<i8, F>(factory);
    check_sparse_type::<i16, F>(factory);
    check_sparse_type::<i32, F>(factory);
    check_sparse_type::<i64, F>(factory);
    check_sparse_type::<u8, F>(factory);
    check_sparse_type::<u16, F>(factory);
    check_sparse_type::<u32, F>(factory);
    check_sparse_type::<u64, F>(factory);
    check_sparse_type::<f32, F>(factory);
    check_sparse_type::<f64, F>(factory);
    check_sparse_type::<crate::Complex<f32>, F>(factory);
    check_sparse_type::<crate::Complex<f64>, F>(factory);
}

/// The sparse checks for one element type.
///
/// # Panics
/// On the first failed check.
pub fn check_sparse_type<T: Element, F: SparseConformanceFactory>(factory: &mut F) {
    let shapes: [[usize; 2]; 9] = [
        [0, 0],
        [0, 5],
        [4, 0],
        [1, 1],
        [1, 9],
        [9, 1],
        [7, 13],
        [23, 5],
        [31, 17],
    ];
    let mut rng = Lcg(0x5eed);
    for shape in shapes {
        let [rows, cols] = shape;
        // About a third of the entries stored, and every fourth row empty.
        let dense: Vec<T> = (0..rows * cols)
            .map(|i| {
                let (r, c) = (i / cols.max(1), i % cols.max(1));
                if r % 4 == 3 || (r * 7 + c * 3) % 3 != 0 {
                    T::default()
                } else {
                    T::from_f64(((i % 96) + 1) as f64)
                }
            })
            .collect();
        let what = format!("{} sparse {shape:?}", T::DTYPE);
        let m = factory
            .create(shape, &dense)
            .unwrap_or_else(|e| panic!("{what}: create failed: {e}"));
        assert_eq!(m.sparse_shape(), shape, "{what}: shape");
        assert_eq!(m.shape(), &shape[..], "{what}: ArrayMeta shape");
        assert_eq!(m.dtype(), T::DTYPE, "{what}: element type");
        let stored: Vec<usize> = (0..rows)
            .map(|r| {
                dense[r * cols..(r + 1) * cols]
                    .iter()
                    .filter(|&&v| v != T::default())
                    .count()
            })
            .collect();
        let nnz: usize = stored.iter().sum();
        assert_eq!(m.nnz(), nnz, "{what}: nnz");
        let offsets = m
            .row_offsets()
            .unwrap_or_else(|e| panic!("{what}: row offsets: {e}"));
        let mut expected = vec![0];
        for &k in &stored {
            expected.push(expected.last().copied().unwrap_or(0) + k);
        }
        assert_eq!(offsets, expected, "{what}: row offsets");
        let mut block = CsrBlock {
            row0: 99,
            indptr: vec![7],
            indices: vec![7],
            data: vec![T::default()],
        };
        let mut ranges = vec![(0, rows), (0, 0), (rows, 0)];
        ranges.extend((0..rows).map(|r| (r, 1)));
        for _ in 0..8 {
            let a = rng.below(rows + 1);
            let b = rng.below(rows + 1);
            ranges.push((a.min(b), a.max(b) - a.min(b)));
        }
        for (row0, n) in ranges {
            m.read_rows(row0, n, &mut block)
                .unwrap_or_else(|e| panic!("{what}: rows {row0}..{}: {e}", row0 + n));
            let ctx = format!("{what}: rows {row0}..{}", row0 + n);
            assert_eq!(block.row0, row0, "{ctx}: row0");
            assert_eq!(block.nrows(), n, "{ctx}: row count");
            assert_eq!(
                block.indptr.first().copied(),
                Some(0),
                "{ctx}: indptr start"
            );
            for (k, r) in (row0..row0 + n).enumerate() {
                let (lo, hi) = (block.indptr[k], block.indptr[k + 1]);
                let got: Vec<(usize, T)> = block.indices[lo..hi]
                    .iter()
                    .copied()
                    .zip(block.data[lo..hi].iter().copied())
                    .collect();
                let want: Vec<(usize, T)> = (0..cols)
                    .map(|c| (c, dense[r * cols + c]))
                    .filter(|&(_, v)| v != T::default())
                    .collect();
                assert_eq!(got, want, "{ctx}: row {r}");
            }
        }
        for (row0, n) in [(rows, 1), (rows + 1, 0), (0, rows + 1), (usize::MAX, 2)] {
            assert!(
                m.read_rows(row0, n, &mut block).is_err(),
                "{what}: rows {row0}+{n} outside the matrix must be an error"
            );
        }
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
