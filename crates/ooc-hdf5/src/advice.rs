//! Chunk advice: the classic rules for HDF5 chunk shapes (chunks of about 1 MiB, shaped
//! like the access pattern) as a function, and warnings for chunkings far from them, such
//! as (100, 100) on a 100 × 1,000,000 `f32` dataset (10,000 chunks of 40 KB).

use std::fmt;

/// The default chunk size the advisor aims for, 1 MiB.
pub const DEFAULT_TARGET_BYTES: usize = 1 << 20;

/// Chunks smaller than this (in datasets of many chunks) draw a [`ChunkWarning::Tiny`].
pub const TINY_CHUNK_BYTES: usize = 64 << 10;

/// Chunks larger than this draw a [`ChunkWarning::Huge`].
pub const HUGE_CHUNK_BYTES: usize = 16 << 20;

/// The extent the advisor assumes for an empty dimension (as h5py's `chunks=True` does):
/// a dataset created empty is usually grown along it.
const EMPTY_EXTENT_GUESS: usize = 1024;

/// How a dataset will mostly be read or written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AccessPattern {
    /// Whole rows (the last dimensions) one after another: chunks wide in the last
    /// dimensions, short in the first.
    RowStream,
    /// Whole columns (the first dimension) one after another: chunks tall in the first
    /// dimensions, narrow in the last.
    ColumnStream,
    /// Blocks anywhere: chunks about equally long in every dimension.
    RandomBlocks,
}

/// An advised chunk shape with what it implies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChunkAdvice {
    /// The chunk shape.
    pub chunk: Vec<usize>,
    /// Bytes of one chunk.
    pub chunk_bytes: usize,
    /// Number of chunks covering the dataset.
    pub n_chunks: usize,
}

/// Something off about a chunk shape, from [`ChunkAdvice::check`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChunkWarning {
    /// Chunks so small that there are very many of them (each costs an index entry, a
    /// cache slot and a library call).
    Tiny {
        /// Bytes per chunk.
        chunk_bytes: usize,
        /// Number of chunks.
        n_chunks: usize,
    },
    /// Chunks larger than a cache holds: every partial access reads and decodes a whole
    /// chunk.
    Huge {
        /// Bytes per chunk.
        chunk_bytes: usize,
    },
}

impl fmt::Display for ChunkWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ChunkWarning::Tiny {
                chunk_bytes,
                n_chunks,
            } => write!(
                f,
                "{n_chunks} chunks of {chunk_bytes} bytes: chunks under {TINY_CHUNK_BYTES} bytes \
                 make every access touch many chunks"
            ),
            ChunkWarning::Huge { chunk_bytes } => write!(
                f,
                "chunks of {chunk_bytes} bytes exceed {HUGE_CHUNK_BYTES}: each partial access \
                 decodes a whole chunk"
            ),
        }
    }
}

fn count_chunks(shape: &[usize], chunk: &[usize]) -> usize {
    shape
        .iter()
        .zip(chunk)
        .map(|(&d, &c)| d.div_ceil(c.max(1)))
        .fold(1_usize, usize::saturating_mul)
}

impl ChunkAdvice {
    /// Advises a chunk shape of about [`DEFAULT_TARGET_BYTES`] for `pattern`.
    #[must_use]
    pub fn for_shape(shape: &[usize], elem_size: usize, pattern: AccessPattern) -> ChunkAdvice {
        ChunkAdvice::for_shape_with_target(shape, elem_size, pattern, DEFAULT_TARGET_BYTES)
    }

    /// Advises a chunk shape of at most `target_bytes` (and more than half of it, unless
    /// the whole dataset is smaller) shaped for `pattern`. Every extent is at least 1 and
    /// at most the dataset's; an empty dimension counts as 1024 long (as in h5py), which
    /// HDF5 accepts even when the dimension cannot grow.
    ///
    /// ```
    /// use ooc_hdf5::{AccessPattern, ChunkAdvice};
    /// let a = ChunkAdvice::for_shape(&[100, 1_000_000], 4, AccessPattern::RowStream);
    /// assert_eq!(a.chunk, vec![1, 262_144]);
    /// let c = ChunkAdvice::for_shape(&[100, 1_000_000], 4, AccessPattern::ColumnStream);
    /// assert_eq!(c.chunk, vec![100, 2621]);
    /// let empty = ChunkAdvice::for_shape(&[0, 5], 8, AccessPattern::RowStream);
    /// assert_eq!(empty.chunk, vec![1024, 5]);
    /// ```
    #[must_use]
    pub fn for_shape_with_target(
        shape: &[usize],
        elem_size: usize,
        pattern: AccessPattern,
        target_bytes: usize,
    ) -> ChunkAdvice {
        let elem_size = elem_size.max(1);
        let target = (target_bytes / elem_size).max(1);
        let dims: Vec<usize> = shape
            .iter()
            .map(|&d| if d == 0 { EMPTY_EXTENT_GUESS } else { d })
            .collect();
        let chunk = match pattern {
            AccessPattern::RowStream => fill_from(&dims, target, dims.len()..0),
            AccessPattern::ColumnStream => fill_from(&dims, target, 0..dims.len()),
            AccessPattern::RandomBlocks => {
                let mut chunk = dims.clone();
                while chunk.iter().fold(1_usize, |a, &c| a.saturating_mul(c)) > target {
                    // Halve the longest extent: shapes stay near-cubic and the size falls
                    // by at most half per step, so it ends between target/2 and target.
                    let (d, _) = chunk
                        .iter()
                        .enumerate()
                        .max_by_key(|&(i, &c)| (c, std::cmp::Reverse(i)))
                        .unwrap_or((0, &1));
                    chunk[d] = chunk[d].div_ceil(2);
                }
                chunk
            }
        };
        ChunkAdvice {
            chunk_bytes: chunk.iter().product::<usize>().saturating_mul(elem_size),
            n_chunks: count_chunks(shape, &chunk),
            chunk,
        }
    }

    /// Warnings about `chunk` for a dataset of `shape`: tiny chunks in a dataset of many
    /// chunks, huge chunks.
    ///
    /// ```
    /// use ooc_hdf5::{ChunkAdvice, ChunkWarning};
    /// let w = ChunkAdvice::check(&[100, 1_000_000], &[100, 100], 4)?;
    /// assert_eq!(w, vec![ChunkWarning::Tiny { chunk_bytes: 40_000, n_chunks: 10_000 }]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// [`ooc_core::Error::InvalidChunkShape`] for a chunk of another rank or with a zero.
    pub fn check(
        shape: &[usize],
        chunk: &[usize],
        elem_size: usize,
    ) -> ooc_core::Result<Vec<ChunkWarning>> {
        check_chunk(chunk, shape, &[])?;
        let chunk_bytes = chunk.iter().fold(elem_size, |a, &c| a.saturating_mul(c));
        let n_chunks = count_chunks(shape, chunk);
        let mut warnings = Vec::new();
        if chunk_bytes < TINY_CHUNK_BYTES && n_chunks >= 1000 {
            warnings.push(ChunkWarning::Tiny {
                chunk_bytes,
                n_chunks,
            });
        }
        if chunk_bytes > HUGE_CHUNK_BYTES {
            warnings.push(ChunkWarning::Huge { chunk_bytes });
        }
        Ok(warnings)
    }
}

/// Checks a chunk shape against a dataset's shape and maximum shape (`None` for an
/// unlimited dimension; dimensions past the end of `max` count as unlimited). As in
/// HDF5, a chunk may be longer than a fixed-size dimension that is empty.
///
/// # Errors
/// [`ooc_core::Error::InvalidChunkShape`] for another rank, a zero, or a chunk larger
/// than a fixed-size dimension that is not empty.
pub(crate) fn check_chunk(
    chunk: &[usize],
    shape: &[usize],
    max: &[Option<usize>],
) -> ooc_core::Result<()> {
    let err = |reason| ooc_core::Error::InvalidChunkShape {
        chunk: chunk.to_vec(),
        array: shape.to_vec(),
        reason,
    };
    if chunk.len() != shape.len() {
        return Err(err("chunk rank differs from the dataset's"));
    }
    if chunk.contains(&0) {
        return Err(err("chunk extents must be at least 1"));
    }
    if chunk
        .iter()
        .zip(shape)
        .zip(max)
        .any(|((&c, &d), m)| d > 0 && m.is_some_and(|m| c > m))
    {
        return Err(err(
            "chunk is larger than a fixed-size dimension of the dataset",
        ));
    }
    Ok(())
}

/// Fills extents in the order of `order` (a range, reversed when `start > end`): each
/// takes as much of the remaining element budget as it can; the rest get 1.
fn fill_from(dims: &[usize], target: usize, order: std::ops::Range<usize>) -> Vec<usize> {
    let mut chunk = vec![1; dims.len()];
    let mut left = target;
    let indices: Vec<usize> = if order.start > order.end {
        (order.end..order.start).rev().collect()
    } else {
        order.collect()
    };
    for d in indices {
        let take = dims[d].min(left).max(1);
        chunk[d] = take;
        left /= take;
        if take < dims[d] || left <= 1 {
            break;
        }
    }
    chunk
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn pattern() -> impl Strategy<Value = AccessPattern> {
        prop_oneof![
            Just(AccessPattern::RowStream),
            Just(AccessPattern::ColumnStream),
            Just(AccessPattern::RandomBlocks),
        ]
    }

    proptest! {
        #[test]
        fn advice_is_inside_nonzero_and_near_target(
            shape in prop::collection::vec(0_usize..5000, 1..4),
            elem_size in prop::sample::select(vec![1_usize, 2, 4, 8, 16]),
            pattern in pattern(),
            target in 1_usize..(4 << 20),
        ) {
            let a = ChunkAdvice::for_shape_with_target(&shape, elem_size, pattern, target);
            prop_assert_eq!(a.chunk.len(), shape.len());
            let guessed: Vec<usize> =
                shape.iter().map(|&d| if d == 0 { EMPTY_EXTENT_GUESS } else { d }).collect();
            for (&c, &d) in a.chunk.iter().zip(&guessed) {
                prop_assert!(c >= 1 && c <= d, "{:?} in {:?}", a.chunk, shape);
            }
            let elems: usize = a.chunk.iter().product();
            prop_assert_eq!(a.chunk_bytes, elems * elem_size);
            let whole: usize = guessed.iter().product();
            let target_elems = (target / elem_size).max(1);
            prop_assert!(elems <= target_elems, "{:?} over target {}", a.chunk, target_elems);
            // Near the target: more than half of it, unless the whole dataset is smaller.
            prop_assert!(elems == whole || 2 * elems > target_elems,
                "{:?} of {:?} too small for target {}", a.chunk, shape, target_elems);
            prop_assert!(ChunkAdvice::check(&shape, &a.chunk, elem_size).is_ok());
            let fixed: Vec<Option<usize>> = shape.iter().map(|&d| Some(d)).collect();
            prop_assert!(check_chunk(&a.chunk, &shape, &fixed).is_ok());
        }

        /// Every shape with an empty dimension gets chunks that create a dataset, fixed
        /// in size or resizable, advised or given (as h5py's `chunks=True`).
        #[test]
        fn empty_shapes_get_chunks_that_create(
            mut shape in prop::collection::vec(0_usize..3000, 1..4),
            zero in 0_usize..3,
            pattern in pattern(),
            resizable in any::<bool>(),
            deflate in any::<bool>(),
        ) {
            let zero = zero % shape.len();
            shape[zero] = 0;
            let advice = ChunkAdvice::for_shape(&shape, 8, pattern);
            let dir = tempfile::tempdir().unwrap();
            let file = crate::File::create(dir.path().join("e.h5")).unwrap();
            let mut builder = file.new_dataset::<f64>("given").shape(&shape).chunk(&advice.chunk);
            let mut auto = file.new_dataset::<f64>("auto").shape(&shape);
            if resizable {
                let max = vec![None; shape.len()];
                builder = builder.max_shape(&max);
                auto = auto.max_shape(&max);
            }
            if deflate {
                builder = builder.deflate(1);
                auto = auto.deflate(1);
            }
            let ds = builder.create().map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(ds.chunk(), Some(&advice.chunk[..]));
            prop_assert_eq!(ds.read_vec::<f64>().unwrap(), Vec::<f64>::new());
            if resizable || deflate {
                // Made with the row-stream advice.
                let ds = auto.create().map_err(|e| TestCaseError::fail(e.to_string()))?;
                let rows = ChunkAdvice::for_shape(&shape, 8, AccessPattern::RowStream);
                prop_assert_eq!(ds.chunk(), Some(&rows.chunk[..]));
            }
        }
    }

    #[test]
    fn row_and_column_streams_have_the_expected_shape() {
        let r = ChunkAdvice::for_shape(&[1000, 100_000], 4, AccessPattern::RowStream);
        assert_eq!(r.chunk, vec![2, 100_000]);
        let c = ChunkAdvice::for_shape(&[1000, 100_000], 4, AccessPattern::ColumnStream);
        assert_eq!(c.chunk, vec![1000, 262]);
        let b = ChunkAdvice::for_shape(&[1000, 100_000], 4, AccessPattern::RandomBlocks);
        assert!(b.chunk[0] > 100 && b.chunk[1] > 100, "{:?}", b.chunk);
    }

    #[test]
    fn check_flags_tiny_and_huge_and_refuses_zero() {
        let tiny = ChunkAdvice::check(&[100, 1_000_000], &[100, 100], 4).unwrap();
        assert_eq!(
            tiny,
            vec![ChunkWarning::Tiny {
                chunk_bytes: 100 * 100 * 4,
                n_chunks: 1_000_000 / 100
            }]
        );
        assert!(tiny[0].to_string().contains("10000 chunks"));
        let huge = ChunkAdvice::check(&[100, 1_000_000], &[100, 100_000], 4).unwrap();
        assert_eq!(
            huge,
            vec![ChunkWarning::Huge {
                chunk_bytes: 40_000_000
            }]
        );
        let advised = ChunkAdvice::for_shape(&[100, 1_000_000], 4, AccessPattern::RowStream);
        assert!(
            ChunkAdvice::check(&[100, 1_000_000], &advised.chunk, 4)
                .unwrap()
                .is_empty()
        );
        assert!(ChunkAdvice::check(&[10, 10], &[0, 5], 4).is_err());
        assert!(ChunkAdvice::check(&[10, 10], &[5], 4).is_err());
    }
}
