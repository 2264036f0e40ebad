//! Vector operands of the products: slices, arrays, `Vec`s and ndarray 1-D arrays alike,
//! so `gemv(&a, &x, &mut y, &opts)` takes whichever the caller holds.

use std::borrow::Cow;

use ndarray::{ArrayBase, Data, DataMut, Ix1};

use crate::error::{LinalgError, Result};

/// A vector a product reads: `[T]`, `[T; N]`, `Vec<T>` or an ndarray 1-D array.
pub trait Vector<T> {
    /// The elements in order, borrowed when they are contiguous and copied otherwise.
    fn elements(&self) -> std::borrow::Cow<'_, [T]>
    where
        T: Clone;
}

/// A vector a product writes: `[T]`, `[T; N]`, `Vec<T>` or an ndarray 1-D array.
pub trait VectorMut<T> {
    /// The elements in order as one slice, or `None` for a non-contiguous ndarray view.
    fn elements_mut(&mut self) -> Option<&mut [T]>;
}

impl<T> Vector<T> for [T] {
    fn elements(&self) -> std::borrow::Cow<'_, [T]>
    where
        T: Clone,
    {
        std::borrow::Cow::Borrowed(self)
    }
}

impl<T, const N: usize> Vector<T> for [T; N] {
    fn elements(&self) -> std::borrow::Cow<'_, [T]>
    where
        T: Clone,
    {
        std::borrow::Cow::Borrowed(self)
    }
}

impl<T> Vector<T> for Vec<T> {
    fn elements(&self) -> std::borrow::Cow<'_, [T]>
    where
        T: Clone,
    {
        std::borrow::Cow::Borrowed(self)
    }
}

impl<T, S: Data<Elem = T>> Vector<T> for ArrayBase<S, Ix1> {
    fn elements(&self) -> std::borrow::Cow<'_, [T]>
    where
        T: Clone,
    {
        match self.as_slice() {
            Some(s) => std::borrow::Cow::Borrowed(s),
            None => std::borrow::Cow::Owned(self.to_vec()),
        }
    }
}

impl<T> VectorMut<T> for [T] {
    fn elements_mut(&mut self) -> Option<&mut [T]> {
        Some(self)
    }
}

impl<T, const N: usize> VectorMut<T> for [T; N] {
    fn elements_mut(&mut self) -> Option<&mut [T]> {
        Some(self)
    }
}

impl<T> VectorMut<T> for Vec<T> {
    fn elements_mut(&mut self) -> Option<&mut [T]> {
        Some(self)
    }
}

impl<T, S: DataMut<Elem = T>> VectorMut<T> for ArrayBase<S, Ix1> {
    fn elements_mut(&mut self) -> Option<&mut [T]> {
        self.as_slice_mut()
    }
}

/// The operands of `op` as slices: `x` borrowed (or copied from a strided view), `y`
/// borrowed, or [`LinalgError::NotContiguous`].
pub(crate) fn slices<'x, 'y, T, X, Y>(
    op: &'static str,
    x: &'x X,
    y: &'y mut Y,
) -> Result<(Cow<'x, [T]>, &'y mut [T])>
where
    T: Clone,
    X: Vector<T> + ?Sized,
    Y: VectorMut<T> + ?Sized,
{
    let y = y
        .elements_mut()
        .ok_or(LinalgError::NotContiguous { op, name: "y" })?;
    Ok((x.elements(), y))
}
