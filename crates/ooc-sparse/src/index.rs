//! Stored minor indices (CSR columns, CSC rows) and their width: 32 bits whenever the
//! dimension allows, as scipy stores them, so an `f64` matrix moves 12 bytes per entry
//! instead of 16 in SpMV and conversions; `usize` beyond 2³² columns.
//!
//! The width is a function of the minor dimension alone (never of how a matrix was
//! built), so two equal matrices always store their indices the same way.
//! [`IndexSlice`] is the borrowed, width-independent view the public API hands out.

use std::ops::Range;

pub(crate) use ooc_core::kernels::SparseIndex;

/// An integer type indices are stored as: `u32` or `usize`.
pub(crate) trait Idx: SparseIndex + Ord + Default + std::fmt::Debug {
    /// `i` in this type; callers guarantee it fits (it is below the dimension).
    fn from_ix(i: usize) -> Self;
    /// Stores `v` (every value below `bound`) at the width `bound` calls for, without a
    /// copy when it already has that width.
    fn store(v: Vec<Self>, bound: usize) -> IndexVec;
}

impl Idx for u32 {
    #[inline(always)]
    #[allow(clippy::cast_possible_truncation)]
    fn from_ix(i: usize) -> Self {
        debug_assert!(u32::try_from(i).is_ok());
        i as u32
    }
    fn store(v: Vec<Self>, bound: usize) -> IndexVec {
        if narrow_fits(bound) {
            IndexVec::Narrow(v)
        } else {
            IndexVec::Wide(v.iter().map(|&j| j.ix()).collect())
        }
    }
}

impl Idx for usize {
    #[inline(always)]
    fn from_ix(i: usize) -> Self {
        i
    }
    fn store(v: Vec<Self>, bound: usize) -> IndexVec {
        if narrow_fits(bound) {
            let mut narrow = crate::alloc::advised(v.len());
            narrow.extend(v.iter().map(|&j| u32::from_ix(j)));
            IndexVec::Narrow(narrow)
        } else {
            IndexVec::Wide(v)
        }
    }
}

/// Whether every index below `bound` fits in 32 bits.
pub(crate) fn narrow_fits(bound: usize) -> bool {
    u32::try_from(bound.saturating_sub(1)).is_ok()
}

/// Owned indices of a dimension of extent `bound`, 32-bit exactly when
/// [`narrow_fits`]`(bound)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum IndexVec {
    /// 32-bit indices.
    Narrow(Vec<u32>),
    /// Indices of a dimension above 2³².
    Wide(Vec<usize>),
}

/// Runs `$body` with `$s` bound to the inner vector (or slice) of an [`IndexVec`] or
/// [`IndexSlice`], whatever its width; the body is compiled once per width.
macro_rules! with_indices {
    ($v:expr, $s:ident => $body:expr) => {
        match $v {
            $crate::index::IndexVec::Narrow($s) => $body,
            $crate::index::IndexVec::Wide($s) => $body,
        }
    };
}

/// As [`with_indices!`], for an [`IndexSlice`].
macro_rules! with_slice {
    ($v:expr, $s:ident => $body:expr) => {
        match $v {
            $crate::index::IndexSlice::U32($s) => $body,
            $crate::index::IndexSlice::Usize($s) => $body,
        }
    };
}

pub(crate) use {with_indices, with_slice};

impl IndexVec {
    /// Stores `v` (every value below `bound`) at the width `bound` calls for.
    pub(crate) fn from_vec<I: Idx>(v: Vec<I>, bound: usize) -> Self {
        I::store(v, bound)
    }

    /// `len` zeros at the width `bound` calls for, or an error when they cannot be
    /// allocated.
    pub(crate) fn try_zeros(len: usize, bound: usize) -> crate::error::Result<Self> {
        Ok(if narrow_fits(bound) {
            IndexVec::Narrow(crate::alloc::zeroed(len, "index array")?)
        } else {
            IndexVec::Wide(crate::alloc::zeroed(len, "index array")?)
        })
    }

    /// An empty vector with room for `cap` indices, at the width `bound` calls for.
    pub(crate) fn with_capacity(cap: usize, bound: usize) -> Self {
        if narrow_fits(bound) {
            IndexVec::Narrow(Vec::with_capacity(cap))
        } else {
            IndexVec::Wide(Vec::with_capacity(cap))
        }
    }

    /// Appends `j` (below the bound this vector was made for).
    pub(crate) fn push(&mut self, j: usize) {
        with_indices!(self, v => v.push(Idx::from_ix(j)));
    }

    /// Number of indices.
    pub(crate) fn len(&self) -> usize {
        with_indices!(self, v => v.len())
    }

    /// The whole vector, borrowed.
    pub(crate) fn as_slice(&self) -> IndexSlice<'_> {
        match self {
            IndexVec::Narrow(v) => IndexSlice::U32(v),
            IndexVec::Wide(v) => IndexSlice::Usize(v),
        }
    }

    /// Positions `r`, borrowed.
    ///
    /// # Panics
    /// When `r` is not within the vector.
    pub(crate) fn slice(&self, r: Range<usize>) -> IndexSlice<'_> {
        match self {
            IndexVec::Narrow(v) => IndexSlice::U32(&v[r]),
            IndexVec::Wide(v) => IndexSlice::Usize(&v[r]),
        }
    }

    /// Heap bytes held (capacity, not length).
    pub(crate) fn heap_bytes(&self) -> usize {
        match self {
            IndexVec::Narrow(v) => v.capacity() * std::mem::size_of::<u32>(),
            IndexVec::Wide(v) => v.capacity() * std::mem::size_of::<usize>(),
        }
    }

    /// Drops spare capacity.
    pub(crate) fn shrink_to_fit(&mut self) {
        with_indices!(self, v => v.shrink_to_fit());
    }

    /// The indices as `usize` (moved when already so, widened otherwise).
    pub(crate) fn into_usize(self) -> Vec<usize> {
        match self {
            IndexVec::Narrow(v) => v.iter().map(|&j| j.ix()).collect(),
            IndexVec::Wide(v) => v,
        }
    }
}

/// Stored indices, borrowed: 32-bit when the dimension allows (below 2³²), `usize`
/// otherwise. Iterating yields `usize` either way.
///
/// ```
/// use ooc_sparse::{CsrMatrix, IndexSlice};
/// let a = CsrMatrix::new([2, 3], vec![0, 2, 3], vec![0, 2, 2], vec![1.0, 2.0, 3.0])?;
/// let idx: IndexSlice<'_> = a.indices();
/// assert!(matches!(idx, IndexSlice::U32(_)));
/// assert_eq!(idx.to_vec(), vec![0, 2, 2]);
/// assert_eq!(a.row(0).0.iter().sum::<usize>(), 2);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy)]
pub enum IndexSlice<'a> {
    /// 32-bit indices (every dimension below 2³²).
    U32(&'a [u32]),
    /// Indices of a dimension of 2³² or more.
    Usize(&'a [usize]),
}

impl<'a> IndexSlice<'a> {
    /// Number of indices.
    #[must_use]
    pub fn len(&self) -> usize {
        with_slice!(self, s => s.len())
    }

    /// Whether there are none.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Index number `k`, or `None` past the end.
    #[must_use]
    pub fn get(&self, k: usize) -> Option<usize> {
        with_slice!(self, s => s.get(k).map(|&j| j.ix()))
    }

    /// The indices in order, as `usize`.
    #[must_use]
    pub fn iter(&self) -> IndexIter<'a> {
        IndexIter(match *self {
            IndexSlice::U32(s) => IterInner::U32(s.iter()),
            IndexSlice::Usize(s) => IterInner::Usize(s.iter()),
        })
    }

    /// The indices copied into a `Vec<usize>`.
    #[must_use]
    pub fn to_vec(&self) -> Vec<usize> {
        with_slice!(self, s => s.iter().map(|&j| j.ix()).collect())
    }

    /// The 32-bit indices, when stored so.
    #[must_use]
    pub fn as_u32(&self) -> Option<&'a [u32]> {
        match *self {
            IndexSlice::U32(s) => Some(s),
            IndexSlice::Usize(_) => None,
        }
    }
}

impl PartialEq for IndexSlice<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}

impl Eq for IndexSlice<'_> {}

impl PartialEq<[usize]> for IndexSlice<'_> {
    fn eq(&self, other: &[usize]) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter().copied())
    }
}

impl<'a> IntoIterator for IndexSlice<'a> {
    type Item = usize;
    type IntoIter = IndexIter<'a>;
    fn into_iter(self) -> IndexIter<'a> {
        self.iter()
    }
}

/// Iterator over an [`IndexSlice`], yielding `usize`.
#[derive(Debug, Clone)]
pub struct IndexIter<'a>(IterInner<'a>);

#[derive(Debug, Clone)]
enum IterInner<'a> {
    U32(std::slice::Iter<'a, u32>),
    Usize(std::slice::Iter<'a, usize>),
}

impl Iterator for IndexIter<'_> {
    type Item = usize;
    #[inline]
    fn next(&mut self) -> Option<usize> {
        match &mut self.0 {
            IterInner::U32(it) => it.next().map(|&j| j.ix()),
            IterInner::Usize(it) => it.next().copied(),
        }
    }
    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = match &self.0 {
            IterInner::U32(it) => it.len(),
            IterInner::Usize(it) => it.len(),
        };
        (n, Some(n))
    }
}

impl DoubleEndedIterator for IndexIter<'_> {
    #[inline]
    fn next_back(&mut self) -> Option<usize> {
        match &mut self.0 {
            IterInner::U32(it) => it.next_back().map(|&j| j.ix()),
            IterInner::Usize(it) => it.next_back().copied(),
        }
    }
}

impl ExactSizeIterator for IndexIter<'_> {}

/// Whether every major slice of `indices` (cut by `indptr`) strictly increases.
pub(crate) fn rows_strictly_increasing<I: Idx>(indptr: &[usize], indices: &[I]) -> bool {
    indptr
        .windows(2)
        .all(|w| indices[w[0]..w[1]].windows(2).all(|p| p[0] < p[1]))
}
