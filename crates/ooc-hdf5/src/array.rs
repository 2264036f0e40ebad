//! ndarray in and out of datasets: whole datasets read as [`Array`]s of any dimension,
//! selections written with ndarray's `s![]` read as arrays (strided hyperslabs, indices
//! that drop an axis, new axes, negative steps), arrays written into datasets (any memory
//! layout; non-standard ones are copied to C order first), and datasets created from an
//! array in one call.

use ndarray::{Array, ArrayD, ArrayView, AsArray, Axis, Dimension, IxDyn, SliceArg, SliceInfoElem};
use ooc_core::{Element, Region};

use crate::dataset::{Dataset, DatasetBuilder};
use crate::error::{Error, Result};

impl Dataset {
    /// Reads the whole dataset as an array of dimension `D` (`Ix2`, `IxDyn`, ...).
    ///
    /// ```
    /// use ndarray::{Array2, ArrayD, array};
    /// use ooc_hdf5::File;
    /// let dir = tempfile::tempdir()?;
    /// let file = File::create(dir.path().join("r.h5"))?;
    /// let ds = file.create_dataset("m", &array![[1_i32, 2], [3, 4]])?;
    /// let a: Array2<i32> = ds.read_array()?;
    /// assert_eq!(a, array![[1, 2], [3, 4]]);
    /// let d: ArrayD<i32> = ds.read_array()?;
    /// assert_eq!(d.shape(), &[2, 2]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::DimensionMismatch`] when `D` has another number of dimensions than the
    /// dataset; as [`Dataset::read_region`].
    pub fn read_array<T: Element, D: Dimension>(&self) -> Result<Array<T, D>> {
        if let Some(n) = D::NDIM
            && n != self.shape().len()
        {
            return Err(self.dimension_mismatch(n));
        }
        let data = self.read_vec::<T>()?;
        let array = ArrayD::from_shape_vec(IxDyn(self.shape()), data)
            .map_err(|e| self.invalid_selection(format!("array of the dataset's shape: {e}")))?;
        array
            .into_dimensionality::<D>()
            .map_err(|_| self.dimension_mismatch(D::NDIM.unwrap_or(0)))
    }

    /// Reads a selection made with ndarray's [`s!`](ndarray::s) macro (or any
    /// [`SliceArg`], such as a `Vec<SliceInfoElem>` built at run time), as
    /// `array.slice(info)` would select it from the whole dataset: ranges with steps
    /// (read as one strided hyperslab, so only the selected elements are transferred),
    /// indices (the axis is dropped), [`NewAxis`](ndarray::NewAxis), negative bounds
    /// counted from the end, and negative steps (elements in reverse order). Unlike
    /// ndarray, a bound or index out of range is an error rather than a panic.
    ///
    /// ```
    /// use ndarray::{Array1, Array2, array, s};
    /// use ooc_hdf5::File;
    /// let dir = tempfile::tempdir()?;
    /// let file = File::create(dir.path().join("s.h5"))?;
    /// let a = Array2::from_shape_fn((4, 5), |(i, j)| (10 * i + j) as f32);
    /// let ds = file.create_dataset("a", &a)?;
    /// let block: Array2<f32> = ds.read_slice(s![1..3, ..;2])?;
    /// assert_eq!(block, a.slice(s![1..3, ..;2]));
    /// let row: Array1<f32> = ds.read_slice(s![-1, ..])?;
    /// assert_eq!(row, array![30.0, 31.0, 32.0, 33.0, 34.0]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidSelection`] for a selection of another number of dimensions than
    /// the dataset, a bound or index out of range, or a zero step; as
    /// [`Dataset::read_region`].
    pub fn read_slice<T, I>(&self, info: I) -> Result<Array<T, I::OutDim>>
    where
        T: Element,
        I: SliceArg<IxDyn>,
    {
        let shape = self.shape().to_vec();
        if info.in_ndim() != shape.len() {
            return Err(
                self.invalid_selection(format!("it selects from {} dimensions", info.in_ndim()))
            );
        }
        let mut region = Region::new(Vec::new(), Vec::new());
        let mut stride = Vec::new();
        let mut out_shape = Vec::new();
        let mut reversed = Vec::new();
        let mut axis = 0;
        for elem in info.as_ref() {
            match *elem {
                SliceInfoElem::Slice { start, end, step } => {
                    let len = shape[axis];
                    let from = self.bound(start, len, axis)?;
                    let to = end.map_or(Ok(len), |e| self.bound(e, len, axis))?.max(from);
                    if step == 0 {
                        return Err(self.invalid_selection(format!("axis {axis} has step 0")));
                    }
                    let step_len = step.unsigned_abs();
                    let count = (to - from).div_ceil(step_len);
                    // A negative step takes the elements from `to - 1` down: read them
                    // forwards from the lowest one, then reverse the axis.
                    let first = if step < 0 && count > 0 {
                        to - 1 - (count - 1) * step_len
                    } else {
                        from
                    };
                    if step < 0 {
                        reversed.push(out_shape.len());
                    }
                    region.start.push(first);
                    region.shape.push(count);
                    stride.push(step_len);
                    out_shape.push(count);
                    axis += 1;
                }
                SliceInfoElem::Index(i) => {
                    let len = shape[axis];
                    let at = self.bound(i, len, axis)?;
                    if at >= len {
                        return Err(self.invalid_selection(format!(
                            "index {i} is out of range for axis {axis} of length {len}"
                        )));
                    }
                    region.start.push(at);
                    region.shape.push(1);
                    stride.push(1);
                    axis += 1;
                }
                SliceInfoElem::NewAxis => out_shape.push(1),
            }
        }
        self.check_type::<T>()?;
        let mut data = vec![T::default(); region.len()];
        if !data.is_empty() {
            self.transfer_strided(&region, Some(&stride), data.as_mut_ptr().cast(), false)?;
        }
        // Dropping and inserting axes of length 1 leaves C order unchanged.
        let mut array = ArrayD::from_shape_vec(IxDyn(&out_shape), data)
            .map_err(|e| self.invalid_selection(e.to_string()))?;
        for ax in reversed {
            array.invert_axis(Axis(ax));
        }
        array
            .into_dimensionality::<I::OutDim>()
            .map_err(|e| self.invalid_selection(e.to_string()))
    }

    /// Writes `data` (a slice, an ndarray array or a view in any memory layout) over the
    /// whole dataset; views that are not in C order are copied to C order first.
    ///
    /// ```
    /// use ndarray::{Array2, array};
    /// use ooc_hdf5::File;
    /// let dir = tempfile::tempdir()?;
    /// let file = File::create(dir.path().join("w.h5"))?;
    /// let mut ds = file.new_dataset::<f64>("t").shape([3, 2]).create()?;
    /// let a = array![[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]];
    /// ds.write_array(a.t())?;
    /// assert_eq!(ds.read_array::<f64, ndarray::Ix2>()?, a.t());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::ShapeMismatch`] when the array's shape is not the dataset's; as
    /// [`Dataset::write_region`]. Nothing is written when a check fails.
    pub fn write_array<'a, T, D>(&mut self, data: impl AsArray<'a, T, D>) -> Result<()>
    where
        T: Element + 'a,
        D: Dimension,
    {
        let view: ArrayView<'a, T, D> = data.into();
        if view.shape() != self.shape() {
            return Err(Error::ShapeMismatch {
                path: self.path().to_owned(),
                dataset: self.shape().to_vec(),
                array: view.shape().to_vec(),
            });
        }
        match view.as_slice() {
            Some(c_order) => self.write_all(c_order),
            None => self.write_all(&view.iter().copied().collect::<Vec<T>>()),
        }
    }

    /// An index or bound `i` of an axis of length `len` as a position (negative ones
    /// count from the end), at most `len`.
    fn bound(&self, i: isize, len: usize, axis: usize) -> Result<usize> {
        let at = if i < 0 {
            len.checked_sub(i.unsigned_abs())
        } else {
            Some(i.unsigned_abs()).filter(|&p| p <= len)
        };
        at.ok_or_else(|| {
            self.invalid_selection(format!(
                "{i} is out of range for axis {axis} of length {len}"
            ))
        })
    }

    fn invalid_selection(&self, reason: String) -> Error {
        Error::InvalidSelection {
            path: self.path().to_owned(),
            shape: self.shape().to_vec(),
            reason,
        }
    }

    fn dimension_mismatch(&self, requested: usize) -> Error {
        Error::DimensionMismatch {
            path: self.path().to_owned(),
            shape: self.shape().to_vec(),
            requested,
        }
    }
}

impl<T: Element> DatasetBuilder<T> {
    /// Creates the dataset with the shape of `data` (a slice, an ndarray array or a view;
    /// a shape given before is replaced) and writes `data` into it, with the chunks,
    /// filters and other settings of this builder.
    ///
    /// ```
    /// use ndarray::Array2;
    /// use ooc_hdf5::{File, Layout};
    /// let dir = tempfile::tempdir()?;
    /// let file = File::create(dir.path().join("c.h5"))?;
    /// let a = Array2::from_shape_fn((100, 30), |(i, j)| (i * j) as u16);
    /// let ds = file.new_dataset::<u16>("a").chunk([10, 30]).deflate(4).create_with_data(&a)?;
    /// assert_eq!(ds.describe()?.layout, Layout::Chunked);
    /// assert_eq!(ds.read_array::<u16, ndarray::Ix2>()?, a);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// As [`DatasetBuilder::create`] and [`Dataset::write_array`]. When the write fails,
    /// the dataset stays in the file.
    pub fn create_with_data<'a, D>(self, data: impl AsArray<'a, T, D>) -> Result<Dataset>
    where
        T: 'a,
        D: Dimension,
    {
        let view: ArrayView<'a, T, D> = data.into();
        let mut ds = self.shape(view.shape()).create()?;
        ds.write_array(view)?;
        Ok(ds)
    }
}

#[cfg(test)]
mod tests {
    use ndarray::{Array, Array1, Array2, Array3, ArrayD, Ix0, NewAxis, s};
    use proptest::prelude::*;

    use super::*;
    use crate::File;

    fn file() -> (tempfile::TempDir, File) {
        let dir = tempfile::tempdir().unwrap();
        let file = File::create(dir.path().join("a.h5")).unwrap();
        (dir, file)
    }

    #[test]
    fn whole_arrays_round_trip_in_every_shape_and_layout() {
        let (_dir, f) = file();
        for (k, (r, c)) in [(1, 1), (1, 7), (7, 1), (3, 5), (0, 4), (4, 0)]
            .into_iter()
            .enumerate()
        {
            let a = Array2::from_shape_fn((r, c), |(i, j)| (i * 100 + j) as f64);
            let ds = f.create_dataset(&format!("a{k}"), &a).unwrap();
            assert_eq!(ds.shape(), &[r, c]);
            assert_eq!(ds.read_array::<f64, ndarray::Ix2>().unwrap(), a);
            // A transposed (Fortran-order) view is written in its logical order.
            let mut t = f
                .new_dataset::<f64>(&format!("t{k}"))
                .shape([c, r])
                .create()
                .unwrap();
            t.write_array(a.t()).unwrap();
            assert_eq!(t.read_array::<f64, ndarray::Ix2>().unwrap(), a.t());
        }
        let mut s = f.new_dataset::<i32>("scalar").create().unwrap();
        s.write_array(&ndarray::arr0(7)).unwrap();
        assert_eq!(s.read_array::<i32, Ix0>().unwrap(), ndarray::arr0(7));
        // Every other row of a matrix: a view with strides in both dimensions.
        let big = Array2::from_shape_fn((6, 4), |(i, j)| (i * 4 + j) as i64);
        let mut ds = f
            .new_dataset::<i64>("strided")
            .shape([3, 2])
            .chunk([2, 2])
            .create()
            .unwrap();
        ds.write_array(big.slice(s![..;2, 1..;2])).unwrap();
        assert_eq!(
            ds.read_array::<i64, ndarray::Ix2>().unwrap(),
            big.slice(s![..;2, 1..;2])
        );
    }

    #[test]
    fn shape_and_dimension_mismatches_are_typed_errors() {
        let (_dir, f) = file();
        let mut ds = f.new_dataset::<f32>("m").shape([2, 3]).create().unwrap();
        let err = ds.write_array(&Array2::<f32>::zeros((3, 2))).unwrap_err();
        assert!(
            matches!(&err, Error::ShapeMismatch { dataset, array, .. } if dataset == &[2, 3] && array == &[3, 2]),
            "{err}"
        );
        let err = ds.write_array(&[1.0_f32; 6][..]).unwrap_err();
        assert!(matches!(err, Error::ShapeMismatch { .. }), "{err}");
        let err = ds.read_array::<f32, ndarray::Ix1>().unwrap_err();
        assert!(
            matches!(err, Error::DimensionMismatch { requested: 1, .. }),
            "{err}"
        );
        assert!(err.to_string().contains("[2, 3]"), "{err}");
        let err = ds.read_array::<f64, ndarray::Ix2>().unwrap_err();
        assert!(matches!(
            err,
            Error::Core(ooc_core::Error::DTypeMismatch { .. })
        ));
        for (bad, what) in [
            (
                ds.read_slice::<f32, _>(s![0..3, ..]).map(drop),
                "3 is out of range",
            ),
            (ds.read_slice::<f32, _>(s![.., 3]).map(drop), "index 3"),
            (ds.read_slice::<f32, _>(s![-3, ..]).map(drop), "-3"),
            (ds.read_slice::<f32, _>(s![..]).map(drop), "1 dimensions"),
        ] {
            let err = bad.unwrap_err();
            assert!(
                matches!(err, Error::InvalidSelection { .. }) && err.to_string().contains(what),
                "{err}"
            );
        }
        let zero = [SliceInfoElem::Slice {
            start: 0,
            end: None,
            step: 0,
        }; 2];
        let err = ds.read_slice::<f32, _>(&zero[..]).unwrap_err();
        assert!(err.to_string().contains("step 0"), "{err}");
        let err = f
            .new_dataset::<f32>("missing/x")
            .create_with_data(&[1.0_f32][..])
            .unwrap_err();
        assert!(matches!(err, Error::MissingParent { .. }), "{err}");
    }

    #[test]
    // Ends counted from the back (`1..-1`) and empty ranges (`4..2`) are cases under test.
    #[allow(clippy::reversed_empty_ranges)]
    fn slices_select_as_ndarray_does() {
        let (_dir, f) = file();
        let a = Array3::from_shape_fn((4, 5, 3), |(i, j, k)| (i * 100 + j * 10 + k) as u32);
        let ds = f
            .new_dataset::<u32>("a")
            .chunk([3, 2, 3])
            .create_with_data(&a)
            .unwrap();
        let got: Array3<u32> = ds.read_slice(s![1..3, ..;2, ..]).unwrap();
        assert_eq!(got, a.slice(s![1..3, ..;2, ..]));
        let got: Array2<u32> = ds.read_slice(s![.., -2, ..]).unwrap();
        assert_eq!(got, a.slice(s![.., -2, ..]));
        let got: Array1<u32> = ds.read_slice(s![2, 1, ..;-1]).unwrap();
        assert_eq!(got, a.slice(s![2, 1, ..;-1]));
        let got: Array3<u32> = ds
            .read_slice(s![..;-3, 1..-1;-2, 0])
            .unwrap()
            .insert_axis(Axis(2));
        assert_eq!(got, a.slice(s![..;-3, 1..-1;-2, 0..1]));
        let got: Array<u32, ndarray::Ix4> = ds.read_slice(s![NewAxis, 3.., 4..2, ..]).unwrap();
        assert_eq!(got.shape(), &[1, 1, 0, 3]);
        let all: ArrayD<u32> = ds
            .read_slice(vec![SliceInfoElem::from(..); 3].as_slice())
            .unwrap();
        assert_eq!(all, a.into_dyn());
    }

    /// One axis's slice: start, end and step as ndarray takes them, possibly negative.
    fn axis_slice(len: usize) -> impl Strategy<Value = SliceInfoElem> {
        let len = len as isize;
        prop_oneof![
            (
                -len..=len,
                -len..=len,
                prop_oneof![-3_isize..=-1, 1_isize..=3]
            )
                .prop_map(|(start, end, step)| SliceInfoElem::Slice {
                    start,
                    end: Some(end),
                    step
                }),
            (0..len.max(1)).prop_map(SliceInfoElem::Index),
            Just(SliceInfoElem::from(..)),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn any_slice_reads_what_ndarray_selects(
            (rows, cols, sel) in (0_usize..6, 0_usize..6).prop_flat_map(|(r, c)| {
                (Just(r), Just(c), (axis_slice(r), axis_slice(c)))
            }),
            new_axis in proptest::option::of(0_usize..=2),
            chunked in any::<bool>(),
        ) {
            let (_dir, f) = file();
            let a = Array2::from_shape_fn((rows, cols), |(i, j)| (i * 10 + j) as i16 - 20);
            let mut b = f.new_dataset::<i16>("a");
            if chunked && rows > 0 && cols > 0 {
                b = b.chunk([2.min(rows), 3.min(cols)]);
            }
            let ds = b.create_with_data(&a).unwrap();
            prop_assert_eq!(&ds.read_array::<i16, ndarray::Ix2>().unwrap(), &a);
            let valid = [(&sel.0, rows), (&sel.1, cols)].iter().all(|&(e, len)| match *e {
                SliceInfoElem::Index(i) => i.unsigned_abs() < len,
                _ => true,
            });
            let mut elems = vec![sel.0, sel.1];
            if let Some(at) = new_axis {
                elems.insert(at, SliceInfoElem::NewAxis);
            }
            let got = ds.read_slice::<i16, _>(elems.as_slice());
            if valid {
                let want = a.view().into_dyn().slice(elems.as_slice()).to_owned();
                prop_assert_eq!(got.unwrap(), want);
            } else {
                let invalid = matches!(got, Err(Error::InvalidSelection { .. }));
                prop_assert!(invalid);
            }
        }
    }
}
