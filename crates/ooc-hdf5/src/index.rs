//! Integer datasets read as `usize` indices, whatever their stored width and signedness
//! (row pointers and column indices of sparse matrices, written as int32 or int64 by
//! scipy and anndata, uint8 by hand): each value is checked to be non-negative and to fit,
//! and narrower values are widened in the caller's buffer, without a second allocation.
//! The same code serves [`Dataset`] (through the library) and [`ParallelReader`].

use ooc_core::{DType, Element, Region};

use crate::dataset::Dataset;
use crate::error::{Error, Result};
use crate::parallel::ParallelReader;

/// What index reads need from a dataset handle: its type, its path and region reads.
trait IndexSource {
    fn dataset(&self) -> &Dataset;
    fn read<T: Element>(&self, region: &Region, out: &mut [T]) -> Result<()>;
}

impl IndexSource for Dataset {
    fn dataset(&self) -> &Dataset {
        self
    }
    fn read<T: Element>(&self, region: &Region, out: &mut [T]) -> Result<()> {
        self.read_region(region, out)
    }
}

impl IndexSource for ParallelReader {
    fn dataset(&self) -> &Dataset {
        ParallelReader::dataset(self)
    }
    fn read<T: Element>(&self, region: &Region, out: &mut [T]) -> Result<()> {
        self.read_region(region, out)
    }
}

/// Reads `region` of an integer dataset into `out` as `usize`s.
fn read_indices<S: IndexSource>(src: &S, region: &Region, out: &mut [usize]) -> Result<()> {
    let n = out.len();
    macro_rules! widen {
        ($t:ty) => {{
            // The stored values go to the front of `out`, then are widened backwards so
            // each wider write lands on slots already read.
            let narrow: &mut [$t] = bytemuck::cast_slice_mut(out);
            src.read(region, &mut narrow[..n])?;
            for k in (0..n).rev() {
                let v: $t = bytemuck::cast_slice::<usize, $t>(out)[k];
                out[k] = usize::try_from(v).map_err(|_| bad_value(src, region, k, v.into()))?;
            }
        }};
    }
    match src.dataset().dtype() {
        DType::I8 => widen!(i8),
        DType::I16 => widen!(i16),
        DType::I32 => widen!(i32),
        DType::I64 => widen!(i64),
        DType::U8 => widen!(u8),
        DType::U16 => widen!(u16),
        DType::U32 => widen!(u32),
        DType::U64 => widen!(u64),
        other => {
            return Err(Error::UnsupportedType {
                path: src.dataset().path().to_owned(),
                found: format!("{other} (indices must be integers)"),
            });
        }
    }
    Ok(())
}

/// The error for the `k`-th value (C order) of `region`.
fn bad_value<S: IndexSource>(src: &S, region: &Region, k: usize, value: i128) -> Error {
    let mut at = region.start.clone();
    let mut rest = k;
    for (a, &extent) in at.iter_mut().zip(&region.shape).rev() {
        *a += rest % extent.max(1);
        rest /= extent.max(1);
    }
    Error::IndexValue {
        path: src.dataset().path().to_owned(),
        at,
        value,
    }
}

impl Dataset {
    /// Reads the whole dataset (C order), of any integer type, as `usize` indices.
    ///
    /// ```
    /// use ooc_hdf5::File;
    /// let dir = tempfile::tempdir()?;
    /// let file = File::create(dir.path().join("i.h5"))?;
    /// let ds = file.create_dataset("indptr", &[0_i32, 2, 5][..])?;
    /// assert_eq!(ds.read_indices()?, [0, 2, 5]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::UnsupportedType`] for a dataset of floating-point or complex numbers;
    /// [`Error::IndexValue`] naming the first negative value (or one too large for
    /// `usize`) and where it is; as [`Dataset::read_region`].
    pub fn read_indices(&self) -> Result<Vec<usize>> {
        let mut out = vec![0; self.len()];
        self.read_indices_region(&Region::full(self.shape()), &mut out)?;
        Ok(out)
    }

    /// Reads `region` (C order) of an integer dataset as `usize` indices into `out`.
    ///
    /// # Errors
    /// As [`Dataset::read_indices`]; [`ooc_core::Error::BufferLength`] when `out` does not
    /// hold the region.
    pub fn read_indices_region(&self, region: &Region, out: &mut [usize]) -> Result<()> {
        read_indices(self, region, out)
    }
}

impl ParallelReader {
    /// Reads `region` (C order) of an integer dataset as `usize` indices into `out`,
    /// through the parallel read path.
    ///
    /// # Errors
    /// As [`Dataset::read_indices_region`] and [`ParallelReader::read_region`].
    pub fn read_indices_region(&self, region: &Region, out: &mut [usize]) -> Result<()> {
        read_indices(self, region, out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::File;

    #[test]
    fn every_integer_width_reads_as_indices_and_bad_values_are_located() {
        let dir = tempfile::tempdir().unwrap();
        let f = File::create(dir.path().join("i.h5")).unwrap();
        macro_rules! each {
            ($($t:ty),*) => {$(
                let name = stringify!($t);
                let v: Vec<$t> = (0..20).map(|x| x as $t).collect();
                let ds = f.new_dataset::<$t>(name).chunk([6]).create_with_data(&v[..]).unwrap();
                let want: Vec<usize> = (0..20).collect();
                assert_eq!(ds.read_indices().unwrap(), want, "{name}");
                let mut part = [0_usize; 5];
                let r = Region::new(vec![7], vec![5]);
                ds.read_indices_region(&r, &mut part).unwrap();
                assert_eq!(part, [7, 8, 9, 10, 11]);
                let reader = ds.parallel_reader().unwrap();
                part = [0; 5];
                reader.read_indices_region(&r, &mut part).unwrap();
                assert_eq!(part, [7, 8, 9, 10, 11]);
            )*};
        }
        each!(i8, i16, i32, i64, u8, u16, u32, u64);
        let ds = f
            .create_dataset("neg", &ndarray::array![[0_i16, 1], [2, -3]])
            .unwrap();
        let err = ds.read_indices().unwrap_err();
        assert!(
            matches!(&err, Error::IndexValue { at, value: -3, .. } if at == &[1, 1]),
            "{err}"
        );
        let ds = f.create_dataset("floats", &[1.0_f32][..]).unwrap();
        let err = ds.read_indices().unwrap_err();
        assert!(matches!(err, Error::UnsupportedType { .. }), "{err}");
        let mut short = [0_usize; 1];
        let err = f
            .dataset("u8")
            .unwrap()
            .read_indices_region(&Region::new(vec![0], vec![2]), &mut short)
            .unwrap_err();
        assert!(
            matches!(err, Error::Core(ooc_core::Error::BufferLength { .. })),
            "{err}"
        );
    }
}
