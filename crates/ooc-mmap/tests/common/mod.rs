//! What the fixture tests and the numpy interop test share: the value rule of
//! `tests/fixtures/make_fixtures.py`.

use ndarray::{ArrayD, IxDyn};
use ooc_core::{Complex, Element};

/// The script's rule for flat C index `i`.
pub(crate) trait Rule: Element {
    fn rule(i: usize) -> Self;
}

#[allow(clippy::cast_precision_loss)]
pub(crate) fn k(i: usize) -> f64 {
    (i % 97) as f64
}

macro_rules! signed {
    ($($t:ty),*) => {$(impl Rule for $t { fn rule(i: usize) -> Self { <$t>::from_f64(k(i) - 40.0) } })*};
}
macro_rules! unsigned {
    ($($t:ty),*) => {$(impl Rule for $t { fn rule(i: usize) -> Self { <$t>::from_f64(k(i)) } })*};
}
signed!(i8, i16, i32, i64);
unsigned!(u8, u16, u32, u64);
impl Rule for f32 {
    fn rule(i: usize) -> Self {
        f32::from_f64(k(i) * 0.5 - 10.0)
    }
}
impl Rule for f64 {
    fn rule(i: usize) -> Self {
        k(i) * 0.5 - 10.0
    }
}
impl Rule for Complex<f32> {
    fn rule(i: usize) -> Self {
        Complex::new(f32::rule(i), f32::from_f64(-k(i)))
    }
}
impl Rule for Complex<f64> {
    fn rule(i: usize) -> Self {
        Complex::new(f64::rule(i), -k(i))
    }
}

/// The logical array of `shape` whose element at flat C index `i` is `T::rule(i)`.
pub(crate) fn expected<T: Rule>(shape: &[usize]) -> ArrayD<T> {
    let n = shape.iter().product();
    ArrayD::from_shape_vec(IxDyn(shape), (0..n).map(T::rule).collect()).unwrap()
}
