//! Test backends and references shared by the integration tests of `ooc-linalg`.
#![allow(dead_code, unreachable_pub)]

use std::collections::HashSet;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread::ThreadId;

use ndarray::{Array2, LinalgScalar};
use ooc_core::{
    ArrayMeta, Complex, CsrBlock, DType, Element, MemArray, ReadBlock, ReadSparseRows, Region,
    Result,
};
use ooc_linalg::Scalar;

/// A backend that reads through a `MemArray` but lends no views, with a chosen
/// `concurrent_reads()`; it can fail on its `fail_at`-th read, and records which buffers
/// and threads reads used.
pub struct Plain<T: Element> {
    pub inner: MemArray<T>,
    pub concurrent: bool,
    pub fail_at: Option<usize>,
    pub reads: AtomicUsize,
    pub buffers: Mutex<HashSet<usize>>,
    pub threads: Mutex<HashSet<ThreadId>>,
}

impl<T: Element> Plain<T> {
    pub fn new(inner: MemArray<T>, concurrent: bool) -> Self {
        Plain {
            inner,
            concurrent,
            fail_at: None,
            reads: AtomicUsize::new(0),
            buffers: Mutex::new(HashSet::new()),
            threads: Mutex::new(HashSet::new()),
        }
    }

    pub fn failing_at(mut self, k: usize) -> Self {
        self.fail_at = Some(k);
        self
    }
}

impl<T: Element> ArrayMeta for Plain<T> {
    fn shape(&self) -> &[usize] {
        self.inner.shape()
    }
    fn dtype(&self) -> DType {
        T::DTYPE
    }
    fn chunk_shape(&self) -> Option<Vec<usize>> {
        self.inner.chunk_shape()
    }
    fn concurrent_reads(&self) -> bool {
        self.concurrent
    }
}

impl<T: Element> ReadBlock<T> for Plain<T> {
    fn read_region(&self, region: &Region, out: &mut [T]) -> Result<()> {
        let k = self.reads.fetch_add(1, Ordering::SeqCst);
        self.buffers.lock().unwrap().insert(out.as_ptr() as usize);
        self.threads
            .lock()
            .unwrap()
            .insert(std::thread::current().id());
        if self.fail_at == Some(k) {
            return Err(ooc_core::Error::io(
                format!("test read {k} of {region:?}"),
                std::io::Error::other("injected failure"),
            ));
        }
        self.inner.read_region(region, out)
    }
}

/// A CSR matrix in memory, read row block by row block; may fail on a chosen read.
pub struct TestCsr<T> {
    pub shape: [usize; 2],
    pub indptr: Vec<usize>,
    pub indices: Vec<usize>,
    pub data: Vec<T>,
    pub concurrent: bool,
    pub fail_at: Option<usize>,
    pub reads: AtomicUsize,
}

impl<T: Element> TestCsr<T> {
    /// The CSR form of a dense C-order matrix (zeros dropped).
    pub fn from_dense(shape: [usize; 2], dense: &[T], concurrent: bool) -> Self {
        let mut indptr = vec![0];
        let (mut indices, mut data) = (Vec::new(), Vec::new());
        for i in 0..shape[0] {
            for j in 0..shape[1] {
                let v = dense[i * shape[1] + j];
                if v != T::default() {
                    indices.push(j);
                    data.push(v);
                }
            }
            indptr.push(data.len());
        }
        TestCsr {
            shape,
            indptr,
            indices,
            data,
            concurrent,
            fail_at: None,
            reads: AtomicUsize::new(0),
        }
    }
}

impl<T: Element> ooc_core::ArrayMeta for TestCsr<T> {
    fn shape(&self) -> &[usize] {
        &self.shape
    }
    fn dtype(&self) -> ooc_core::DType {
        T::DTYPE
    }
    fn concurrent_reads(&self) -> bool {
        self.concurrent
    }
}

impl<T: Element> ReadSparseRows<T> for TestCsr<T> {
    fn nnz(&self) -> usize {
        self.data.len()
    }
    fn row_offsets(&self) -> Result<Vec<usize>> {
        Ok(self.indptr.clone())
    }
    fn read_rows(&self, row0: usize, nrows: usize, out: &mut CsrBlock<T>) -> Result<()> {
        let k = self.reads.fetch_add(1, Ordering::SeqCst);
        if self.fail_at == Some(k) {
            return Err(ooc_core::Error::io(
                format!("test sparse read {k}"),
                std::io::Error::other("injected failure"),
            ));
        }
        if row0 + nrows > self.shape[0] {
            return Err(ooc_core::Error::OutOfBounds {
                start: vec![row0],
                shape: vec![nrows],
                array: vec![self.shape[0]],
            });
        }
        out.clear();
        out.row0 = row0;
        let (a, b) = (self.indptr[row0], self.indptr[row0 + nrows]);
        out.indptr
            .extend(self.indptr[row0..=row0 + nrows].iter().map(|&p| p - a));
        out.indices.extend_from_slice(&self.indices[a..b]);
        out.data.extend_from_slice(&self.data[a..b]);
        Ok(())
    }
}

/// Element types with an exact wide reference: small integer values are exact in every
/// type, so the reference computed in `i64` (or `Complex<i64>`) and wrapped back to `T`
/// is exactly what the kernels must produce.
pub trait TestElem: Scalar {
    type Wide: LinalgScalar + std::fmt::Debug + PartialEq + Send + Sync;
    /// A value of this type from two small integers, and the same value in the wide type.
    fn make(a: i8, b: i8) -> (Self, Self::Wide);
    /// Back from the wide type, wrapping like the type's own arithmetic.
    fn narrow(w: Self::Wide) -> Self;
}

macro_rules! signed {
    ($($t:ty),*) => {$(
        impl TestElem for $t {
            type Wide = i64;
            fn make(a: i8, _b: i8) -> (Self, i64) { (a as $t, i64::from(a)) }
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss, clippy::cast_precision_loss)]
            fn narrow(w: i64) -> Self { w as $t }
        }
    )*};
}
signed!(i8, i16, i32, i64, f32, f64);

macro_rules! unsigned {
    ($($t:ty),*) => {$(
        impl TestElem for $t {
            type Wide = i64;
            fn make(a: i8, _b: i8) -> (Self, i64) { (a.unsigned_abs() as $t, i64::from(a.unsigned_abs())) }
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            fn narrow(w: i64) -> Self { w as $t }
        }
    )*};
}
unsigned!(u8, u16, u32, u64);

macro_rules! complex {
    ($($f:ty),*) => {$(
        impl TestElem for Complex<$f> {
            type Wide = Complex<i64>;
            fn make(a: i8, b: i8) -> (Self, Complex<i64>) {
                (Complex::new(<$f>::from(a), <$f>::from(b)), Complex::new(i64::from(a), i64::from(b)))
            }
            #[allow(clippy::cast_precision_loss)]
            fn narrow(w: Complex<i64>) -> Self { Complex::new(w.re as $f, w.im as $f) }
        }
    )*};
}
complex!(f32, f64);

/// Values of `T` from small integer pairs, with their wide twins.
pub fn make_all<T: TestElem>(raw: &[(i8, i8)]) -> (Vec<T>, Vec<T::Wide>) {
    raw.iter().map(|&(a, b)| T::make(a, b)).unzip()
}

/// The backends every product is checked on: views (plain and chunked), no views with
/// concurrent reads, and no views through the reader thread.
pub fn backends<T: Element>(
    shape: [usize; 2],
    data: &[T],
    chunk: Option<[usize; 2]>,
) -> Vec<(&'static str, Box<dyn ReadBlock<T>>)> {
    let mem = MemArray::from_vec(shape.to_vec(), data.to_vec()).unwrap();
    let chunked = match chunk {
        Some(c) => mem.clone().with_chunk_shape(c.to_vec()).unwrap(),
        None => mem.clone(),
    };
    vec![
        ("view", Box::new(mem)),
        ("view-chunked", Box::new(chunked.clone())),
        (
            "read-concurrent",
            Box::new(Plain::new(chunked.clone(), true)),
        ),
        ("read-thread", Box::new(Plain::new(chunked, false))),
    ]
}

/// A wide-type matrix as ndarray.
pub fn wide<W: Clone>(shape: [usize; 2], v: Vec<W>) -> Array2<W> {
    Array2::from_shape_vec((shape[0], shape[1]), v).unwrap()
}
