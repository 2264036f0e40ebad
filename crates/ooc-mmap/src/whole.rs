//! One-call `.npy` files for arrays that fit in memory, as numpy's `np.save` and
//! `np.load`: [`save_npy`] writes any ndarray (any layout, any dimension), [`load_npy`]
//! reads one back with its dimension checked.

use std::path::Path;

use ndarray::{ArrayBase, Data, Dimension};
use ooc_core::Element;

use crate::array::MmapArray;
use crate::error::{MmapError, Result};

/// Writes `array` to a new `.npy` file at `path` (replacing one that is there), in C
/// order whatever the array's layout, as `np.save` does.
///
/// ```
/// # let dir = tempfile::tempdir()?;
/// let path = dir.path().join("a.npy");
/// let a = ndarray::array![[1_i16, 2, 3], [4, 5, 6]];
/// ooc_mmap::save_npy(&path, &a.t())?;
/// let back: ndarray::Array2<i16> = ooc_mmap::load_npy(&path)?;
/// assert_eq!(back, a.t());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
/// As [`MmapArray::create_npy`]: the disk cannot hold the file, or it cannot be created.
pub fn save_npy<T, S, D>(path: impl AsRef<Path>, array: &ArrayBase<S, D>) -> Result<()>
where
    T: Element,
    S: Data<Elem = T>,
    D: Dimension,
{
    let mut out = MmapArray::<T>::create_npy(path, array.shape(), false)?;
    if !array.is_empty() {
        let dst = out.as_slice_mut()?;
        match array.as_slice() {
            Some(src) => dst.copy_from_slice(src),
            None => {
                for (d, &s) in dst.iter_mut().zip(array.iter()) {
                    *d = s;
                }
            }
        }
    }
    out.flush()
}

/// Reads the whole `.npy` file at `path` as an array of dimension `D` (any byte order;
/// Fortran-order files give Fortran-layout arrays), as `np.load` does.
///
/// # Errors
/// As [`crate::read_npy_converted`]; [`MmapError::Core`] with
/// [`ooc_core::Error::RankMismatch`] when the file's rank is not `D`'s.
pub fn load_npy<T: Element, D: Dimension>(path: impl AsRef<Path>) -> Result<ndarray::Array<T, D>> {
    let a = crate::read_npy_converted::<T>(path)?;
    let rank = a.ndim();
    a.into_dimensionality::<D>().map_err(|_| {
        MmapError::Core(ooc_core::Error::RankMismatch {
            expected: D::NDIM.unwrap_or(rank),
            found: rank,
        })
    })
}
