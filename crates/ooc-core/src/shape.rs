//! Shapes and regions: checked element-count and byte-size arithmetic, and the
//! rectangular [`Region`]s that block I/O reads and writes.

use crate::error::{Error, Result};

/// Number of elements of `shape`, or [`Error::ShapeOverflow`] if it does not fit in `usize`.
///
/// # Errors
/// [`Error::ShapeOverflow`] when the product overflows.
pub fn checked_len(shape: &[usize]) -> Result<usize> {
    shape
        .iter()
        .try_fold(1_usize, |acc, &d| acc.checked_mul(d))
        .ok_or_else(|| Error::ShapeOverflow {
            shape: shape.to_vec(),
            elem_size: 1,
        })
}

/// Bytes taken by `shape` with `elem_size`-byte elements, checked for overflow.
///
/// Also refuses sizes above `isize::MAX`, which no allocation or mapping can hold.
///
/// # Errors
/// [`Error::ShapeOverflow`] when the size does not fit.
pub fn checked_bytes(shape: &[usize], elem_size: usize) -> Result<usize> {
    checked_len(shape)
        .ok()
        .and_then(|n| n.checked_mul(elem_size))
        .filter(|&b| isize::try_from(b).is_ok())
        .ok_or_else(|| Error::ShapeOverflow {
            shape: shape.to_vec(),
            elem_size,
        })
}

/// C-order (row-major) strides, in elements, of `shape`.
#[must_use]
pub fn c_strides(shape: &[usize]) -> Vec<usize> {
    let mut strides = vec![1; shape.len()];
    for i in (0..shape.len().saturating_sub(1)).rev() {
        strides[i] = strides[i + 1] * shape[i + 1];
    }
    strides
}

/// A rectangular part of an N-D array: where it starts and how far it extends.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Region {
    /// Index of the first element in each dimension.
    pub start: Vec<usize>,
    /// Extent in each dimension.
    pub shape: Vec<usize>,
}

impl Region {
    /// A region from its start and shape (which must have equal lengths to be valid).
    #[must_use]
    pub fn new(start: Vec<usize>, shape: Vec<usize>) -> Self {
        Region { start, shape }
    }

    /// The whole of an array of `shape`.
    #[must_use]
    pub fn full(shape: &[usize]) -> Self {
        Region {
            start: vec![0; shape.len()],
            shape: shape.to_vec(),
        }
    }

    /// `nrows` whole rows of a 2-D array with `ncols` columns, starting at row `row0`.
    #[must_use]
    pub fn rows(row0: usize, nrows: usize, ncols: usize) -> Self {
        Region {
            start: vec![row0, 0],
            shape: vec![nrows, ncols],
        }
    }

    /// A 2-D block: rows `row0..row0 + nrows`, columns `col0..col0 + ncols`.
    #[must_use]
    pub fn block(row0: usize, col0: usize, nrows: usize, ncols: usize) -> Self {
        Region {
            start: vec![row0, col0],
            shape: vec![nrows, ncols],
        }
    }

    /// Number of elements in the region (it fits in `usize` once [`Region::check`] passed).
    #[must_use]
    pub fn len(&self) -> usize {
        self.shape.iter().product()
    }

    /// Whether the region holds no element.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Checks that the region lies inside an array of shape `array`.
    ///
    /// # Errors
    /// [`Error::RankMismatch`] or [`Error::OutOfBounds`].
    pub fn check(&self, array: &[usize]) -> Result<()> {
        if self.start.len() != array.len() || self.shape.len() != array.len() {
            return Err(Error::RankMismatch {
                expected: array.len(),
                found: self.start.len().max(self.shape.len()),
            });
        }
        let inside = self
            .start
            .iter()
            .zip(&self.shape)
            .zip(array)
            .all(|((&s, &n), &d)| s.checked_add(n).is_some_and(|end| end <= d));
        if inside {
            Ok(())
        } else {
            Err(Error::OutOfBounds {
                start: self.start.clone(),
                shape: self.shape.clone(),
                array: array.to_vec(),
            })
        }
    }

    /// Checks the region against `array` and a buffer of `buffer_len` elements.
    ///
    /// # Errors
    /// As [`Region::check`], and [`Error::BufferLength`] when the buffer is the wrong size.
    pub fn check_with_buffer(&self, array: &[usize], buffer_len: usize) -> Result<()> {
        self.check(array)?;
        if self.len() == buffer_len {
            Ok(())
        } else {
            Err(Error::BufferLength {
                expected: self.len(),
                found: buffer_len,
            })
        }
    }

    /// If the region occupies one contiguous range of a C-order array of shape `array`,
    /// that range's first element offset. The region must already be checked.
    #[must_use]
    pub fn contiguous_offset(&self, array: &[usize]) -> Option<usize> {
        if self.is_empty() {
            return Some(0);
        }
        // Contiguous when, after the first dimension with extent > 1, every later
        // dimension is taken whole.
        let first_wide = self
            .shape
            .iter()
            .position(|&n| n > 1)
            .unwrap_or(self.shape.len());
        let rest_whole =
            (first_wide + 1..array.len()).all(|i| self.start[i] == 0 && self.shape[i] == array[i]);
        rest_whole.then(|| self.offset_of_start(array))
    }

    fn offset_of_start(&self, array: &[usize]) -> usize {
        self.start
            .iter()
            .zip(c_strides(array))
            .map(|(s, st)| s * st)
            .sum()
    }

    /// Visits the region as contiguous runs of a C-order array of shape `array`:
    /// `f(array_offset, region_offset, run_len)` for each run, in C order.
    ///
    /// The region must already be checked against `array`.
    pub fn for_each_run(&self, array: &[usize], mut f: impl FnMut(usize, usize, usize)) {
        if self.is_empty() {
            return;
        }
        if array.is_empty() {
            f(0, 0, 1);
            return;
        }
        let strides = c_strides(array);
        let last = array.len() - 1;
        let run = self.shape[last];
        let outer: Vec<usize> = self.shape[..last].to_vec();
        let mut idx = vec![0_usize; last];
        let mut region_offset = 0;
        loop {
            let array_offset: usize = (0..last)
                .map(|i| (self.start[i] + idx[i]) * strides[i])
                .sum::<usize>()
                + self.start[last];
            f(array_offset, region_offset, run);
            region_offset += run;
            // Advance the odometer over the outer dimensions.
            let mut d = last;
            loop {
                if d == 0 {
                    return;
                }
                d -= 1;
                idx[d] += 1;
                if idx[d] < outer[d] {
                    break;
                }
                idx[d] = 0;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn overflow_is_an_error() {
        assert!(checked_len(&[usize::MAX, 2]).is_err());
        assert!(checked_bytes(&[usize::MAX / 4, 1], 8).is_err());
        assert!(checked_bytes(&[usize::MAX / 2 + 1], 1).is_err());
        assert_eq!(checked_bytes(&[3, 4], 4).unwrap(), 48);
        assert_eq!(checked_len(&[]).unwrap(), 1);
        assert_eq!(checked_len(&[0, usize::MAX]).unwrap(), 0);
    }

    #[test]
    fn check_rejects_outside_and_wrong_rank() {
        let a = [4, 5];
        assert!(Region::block(3, 4, 1, 1).check(&a).is_ok());
        assert!(matches!(
            Region::block(3, 4, 2, 1).check(&a),
            Err(Error::OutOfBounds { .. })
        ));
        assert!(matches!(
            Region::new(vec![0], vec![1]).check(&a),
            Err(Error::RankMismatch { .. })
        ));
        assert!(Region::block(usize::MAX, 0, 2, 1).check(&a).is_err());
    }

    fn reference_offsets(region: &Region, array: &[usize]) -> Vec<usize> {
        let strides = c_strides(array);
        let mut out = Vec::new();
        let n = region.len();
        for flat in 0..n {
            let mut rem = flat;
            let mut off = 0;
            for d in (0..array.len()).rev() {
                let i = rem % region.shape[d];
                rem /= region.shape[d];
                off += (region.start[d] + i) * strides[d];
            }
            out.push(off);
        }
        out
    }

    fn region_in() -> impl Strategy<Value = (Vec<usize>, Region)> {
        prop::collection::vec(0_usize..5, 0..4).prop_flat_map(|array| {
            let dims: Vec<_> = array
                .iter()
                .map(|&d| (0..=d).prop_flat_map(move |s| (Just(s), 0..=d - s)))
                .collect();
            (Just(array), dims).prop_map(|(array, se)| {
                let (start, shape) = se.into_iter().unzip();
                (array, Region::new(start, shape))
            })
        })
    }

    proptest! {
        #[test]
        fn runs_visit_exactly_the_region((array, region) in region_in()) {
            region.check(&array).unwrap();
            let mut seen = Vec::new();
            let mut next_region_offset = 0;
            region.for_each_run(&array, |a, r, n| {
                assert_eq!(r, next_region_offset);
                next_region_offset += n;
                seen.extend(a..a + n);
            });
            prop_assert_eq!(seen.clone(), reference_offsets(&region, &array));
            if let Some(off) = region.contiguous_offset(&array) {
                let expect: Vec<usize> = (off..off + region.len()).collect();
                prop_assert_eq!(seen, expect);
            }
        }
    }
}
