//! [`DokMatrix`]: dictionary of keys — a hash map from `(row, column)` to value, cheap for
//! random single-element updates.
//!
//! The map uses [`PositionHasher`], an add-multiply-rotate hash (rustc-hash 2's scheme) instead of
//! std's `SipHash`: keys are trusted integers, not attacker-chosen strings, and this makes
//! building a 10⁷-entry map from CSR several times faster. Building from CSR reserves the
//! exact capacity up front, so the table never rehashes.

use std::collections::HashMap;
use std::hash::{BuildHasher, BuildHasherDefault, Hasher};

use ndarray::Array2;
use ooc_core::{Element, Footprint, Par};

use crate::coo::CooMatrix;
use crate::csr::{CsrMatrix, check_spmv, dense_zeros};
use crate::error::Result;
use crate::format::SparseMatrix;
use crate::lil::check_position;

/// A fast, non-cryptographic hasher for integer keys (rustc-hash 2's add-multiply, with
/// a final rotation).
#[derive(Debug, Clone, Copy, Default)]
pub struct PositionHasher(u64);

/// The multiplier of rustc-hash 2 (an odd constant with well-spread bits).
const K: u64 = 0xf135_7aea_2e62_a9c5;

impl Hasher for PositionHasher {
    /// The product's best-mixed bits are its high ones; rotating them down matters
    /// because std's table picks buckets with the low bits.
    fn finish(&self) -> u64 {
        self.0.rotate_left(26)
    }

    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0_u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.write_u64(u64::from_le_bytes(word));
        }
    }

    fn write_u64(&mut self, i: u64) {
        self.0 = self.0.wrapping_add(i).wrapping_mul(K);
    }

    fn write_usize(&mut self, i: usize) {
        self.write_u64(i as u64);
    }
}

/// The map type a [`DokMatrix`] holds.
pub type PositionMap<T> = HashMap<(usize, usize), T, BuildHasherDefault<PositionHasher>>;

/// A sparse matrix as a hash map from `(row, column)` to value.
///
/// ```
/// use ooc_sparse::{DokMatrix, SparseMatrix};
/// let mut a = DokMatrix::<i32>::zeros([3, 3]);
/// a.set(2, 1, 7)?;
/// assert_eq!(a.get(2, 1), Some(7));
/// assert_eq!(a.to_csr().indptr(), &[0, 0, 0, 1]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct DokMatrix<T> {
    shape: [usize; 2],
    map: PositionMap<T>,
}

impl<T: Element> DokMatrix<T> {
    /// A matrix of `shape` with no stored entries.
    #[must_use]
    pub fn zeros(shape: [usize; 2]) -> Self {
        DokMatrix {
            shape,
            map: PositionMap::default(),
        }
    }

    /// Sets `(i, j)` to `v`; storing zero removes the entry, as scipy does.
    ///
    /// # Errors
    /// [`crate::SparseError::IndexOutOfRange`] when `(i, j)` is outside the matrix.
    pub fn set(&mut self, i: usize, j: usize, v: T) -> Result<()> {
        check_position(self.shape, i, j)?;
        if v == T::default() {
            self.map.remove(&(i, j));
        } else {
            self.map.insert((i, j), v);
        }
        Ok(())
    }

    /// The element at `(i, j)`, or `None` outside the matrix.
    #[must_use]
    pub fn get(&self, i: usize, j: usize) -> Option<T> {
        if i >= self.shape[0] || j >= self.shape[1] {
            return None;
        }
        Some(self.map.get(&(i, j)).copied().unwrap_or_default())
    }

    /// The underlying map.
    #[must_use]
    pub fn map(&self) -> &PositionMap<T> {
        &self.map
    }

    /// Converts from CSR, reserving the exact capacity first (duplicates summed).
    ///
    /// Large matrices are inserted in the order of their hash-table buckets (a counting
    /// sort on the bucket's high bits), so the table fills front to back instead of at
    /// random: several times faster once the table outgrows the caches, for a temporary
    /// copy of the entries. The order relies on how std's table picks buckets (the low
    /// bits of the hash); were that to change, only the speed would suffer.
    #[must_use]
    pub fn from_csr(csr: &CsrMatrix<T>) -> Self {
        let nnz = csr.data.len();
        let mut map = PositionMap::with_capacity_and_hasher(nnz, BuildHasherDefault::default());
        let entries = (0..csr.shape[0]).flat_map(|i| {
            let (idx, vals) = csr.row(i);
            idx.iter().zip(vals).map(move |(j, &v)| ((i, j), v))
        });
        let buckets = bucket_count(map.capacity());
        if nnz < SORTED_INSERT_MIN || !buckets.is_power_of_two() {
            insert_all(&mut map, entries, csr.canonical);
            return DokMatrix {
                shape: csr.shape,
                map,
            };
        }
        let hasher = BuildHasherDefault::<PositionHasher>::default();
        let bits = buckets.trailing_zeros();
        let shift = bits.saturating_sub(BIN_BITS);
        let bins = 1_usize << (bits - shift);
        let bin_of = |key: &(usize, usize)| {
            // Only the low `bits` bits pick the bucket; keep their top BIN_BITS.
            #[allow(clippy::cast_possible_truncation)]
            let h = hasher.hash_one(key) as usize;
            (h & (buckets - 1)) >> shift
        };
        let mut start = vec![0_usize; bins + 1];
        for (key, _) in entries.clone() {
            start[bin_of(&key) + 1] += 1;
        }
        for b in 0..bins {
            start[b + 1] += start[b];
        }
        let mut sorted = vec![((0_usize, 0_usize), T::default()); nnz];
        for (key, v) in entries {
            let b = bin_of(&key);
            sorted[start[b]] = (key, v);
            start[b] += 1;
        }
        insert_all(&mut map, sorted.into_iter(), csr.canonical);
        DokMatrix {
            shape: csr.shape,
            map,
        }
    }

    /// Stores the non-zero elements of a dense array.
    #[must_use]
    pub fn from_dense(a: &ndarray::ArrayView2<'_, T>) -> Self {
        Self::from_csr(&CsrMatrix::from_dense(a))
    }

    /// The transpose.
    #[must_use]
    pub fn transpose(&self) -> Self {
        let mut map = PositionMap::with_capacity_and_hasher(self.map.len(), Default::default());
        map.extend(self.map.iter().map(|(&(i, j), &v)| ((j, i), v)));
        DokMatrix {
            shape: [self.shape[1], self.shape[0]],
            map,
        }
    }
}

impl<T: Element> SparseMatrix<T> for DokMatrix<T> {
    fn shape(&self) -> [usize; 2] {
        self.shape
    }

    fn nnz(&self) -> usize {
        self.map.len()
    }

    fn try_to_csr(&self) -> Result<CsrMatrix<T>> {
        let n = self.map.len();
        let (mut row, mut col, mut data) = (
            Vec::with_capacity(n),
            Vec::with_capacity(n),
            Vec::with_capacity(n),
        );
        for (&(i, j), &v) in &self.map {
            row.push(i);
            col.push(j);
            data.push(v);
        }
        // Keys were range-checked when inserted.
        CooMatrix::new(self.shape, row, col, data)?.try_to_csr()
    }

    fn to_dense(&self) -> Result<Array2<T>> {
        let mut out = dense_zeros(self.shape)?;
        for (&(i, j), &v) in &self.map {
            out[[i, j]] = v;
        }
        Ok(out)
    }

    /// Runs on the calling thread (hash order is fixed for a given map).
    fn spmv(&self, x: &[T], y: &mut [T], _par: Par) -> Result<()> {
        check_spmv(self.shape, x, y)?;
        y.fill(T::default());
        for (&(i, j), &v) in &self.map {
            y[i] += v * x[j];
        }
        Ok(())
    }
}

/// Entries from which [`DokMatrix::from_csr`] sorts by bucket before inserting.
const SORTED_INSERT_MIN: usize = 1 << 16;
/// Bins of that sort: few enough that scattering into them stays in cache, each
/// spanning 1/256 of the table (measured best of 8, 9, 10, 12 and 16 bits).
const BIN_BITS: u32 = 8;

fn insert_all<T: Element>(
    map: &mut PositionMap<T>,
    entries: impl Iterator<Item = ((usize, usize), T)>,
    unique: bool,
) {
    if unique {
        for (key, v) in entries {
            map.insert(key, v);
        }
    } else {
        for (key, v) in entries {
            *map.entry(key).or_default() += v;
        }
    }
}

/// Buckets behind a table of `capacity` usable slots (see [`hash_table_bytes`]).
fn bucket_count(capacity: usize) -> usize {
    match capacity {
        0 => 0,
        c if c < 8 => c + 1,
        c => c / 7 * 8,
    }
}

/// Bytes hashbrown (std's map) allocates for `capacity` usable slots of `entry` bytes:
/// a power-of-two bucket count (8/7 of the capacity from 8 up), one control byte per
/// bucket plus a 16-byte group, and the entries.
fn hash_table_bytes(capacity: usize, entry: usize) -> usize {
    if capacity == 0 {
        return 0;
    }
    let buckets = bucket_count(capacity);
    (buckets * entry).next_multiple_of(16) + buckets + 16
}

impl<T: Element> Footprint for DokMatrix<T> {
    fn heap_bytes(&self) -> usize {
        hash_table_bytes(
            self.map.capacity(),
            std::mem::size_of::<((usize, usize), T)>(),
        )
    }
}
