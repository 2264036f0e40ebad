//! [`random`]: random sparse matrices with scipy's meaning — exactly
//! `round(density · rows · cols)` distinct positions (Python's round, ties to even), values
//! uniform in `[0, 1)` — generated in parallel and reproducibly.
//!
//! How: positions are linear indices `i · cols + j` in `0..rows·cols`. The range is halved
//! recursively; at each split the number of chosen positions that fall in the left half
//! is drawn from the hypergeometric distribution (exactly what a uniform choice of `k`
//! positions out of the whole range implies), until a piece is small (≤ 2¹⁶ positions) or
//! holds few picks (≤ 2¹²). Each small piece then picks its positions on its own (Floyd's
//! algorithm over a bitmap, or draw–sort–deduplicate when picks are sparse), already in
//! order, and draws its values. Every split and every piece has its own PCG stream
//! derived from the seed and its place in the tree, so the result depends on the seed
//! alone — never on the thread count — and no global hash set is needed.
//!
//! Values: `[0, 1)` for floats; real and imaginary parts each in `[0, 1)` for complex
//! numbers; integers uniform over the type's whole range (as scipy does for integer
//! dtypes; `[0, 1)` would make every integer value zero).

use ooc_core::{Complex, DType, Element, Par};
use rand::Rng;
use rand_pcg::Pcg64;
use rayon::prelude::*;

use crate::alloc;
use crate::csr::CsrMatrix;
use crate::error::{Result, SparseError};
use crate::format::{AnySparse, Format};
use crate::parallel;

/// Pieces of the position range at most this long choose positions with a bitmap.
const LEAF_SPAN: u64 = 1 << 16;
/// Pieces with at most this many picks choose them by draw–sort–deduplicate.
const SPARSE_LEAF: u64 = 1 << 12;
/// Splits with more picks than this run their halves on two rayon tasks.
const PARALLEL_SPLIT: u64 = 1 << 18;
/// Positions turned into columns per parallel task.
const COL_CHUNK: usize = 1 << 16;

/// A piece of the position range with its number of picks.
#[derive(Debug, Clone, Copy)]
struct Piece {
    start: u64,
    len: u64,
    count: u64,
    id: u128,
}

/// A random `rows × cols` matrix with `round(density · rows · cols)` stored entries at
/// distinct uniformly chosen positions, in `format`. The same `seed` gives the same
/// matrix for every `par`.
///
/// ```
/// use ooc_sparse::{Format, SparseMatrix, random};
/// use ooc_core::Par;
/// let a = random::<f32>(30, 40, 0.25, 7, Format::Csc, Par::threads(2))?;
/// assert_eq!(a.nnz(), 300);
/// let b = random::<f32>(30, 40, 0.25, 7, Format::Csc, Par::Seq)?;
/// assert_eq!(a.to_csr(), b.to_csr());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
/// [`SparseError::InvalidDensity`] for a density outside `[0, 1]` or NaN;
/// [`SparseError::ShapeOverflow`] when `rows · cols` overflows; [`SparseError::DiaTooLarge`]
/// for a DIA result above [`crate::DIA_DEFAULT_LIMIT`]; [`SparseError::Allocation`] when
/// the entries do not fit in memory; [`SparseError::Core`] when a thread pool cannot be
/// started.
pub fn random<T: Element>(
    rows: usize,
    cols: usize,
    density: f64,
    seed: u64,
    format: Format,
    par: Par,
) -> Result<AnySparse<T>> {
    AnySparse::from_csr(random_csr(rows, cols, density, seed, par)?, format)
}

/// [`random`] in CSR form (canonical: sorted rows, no duplicates).
///
/// # Errors
/// As [`random`], except the DIA limit.
pub fn random_csr<T: Element>(
    rows: usize,
    cols: usize,
    density: f64,
    seed: u64,
    par: Par,
) -> Result<CsrMatrix<T>> {
    if !(0.0..=1.0).contains(&density) {
        return Err(SparseError::InvalidDensity(density));
    }
    let total = rows
        .checked_mul(cols)
        .and_then(|n| u64::try_from(n).ok())
        .ok_or(SparseError::ShapeOverflow { rows, cols })?;
    #[allow(clippy::cast_precision_loss, clippy::cast_possible_truncation)]
    let k = ((density * total as f64).round_ties_even() as u64).min(total);
    let k = usize::try_from(k).map_err(|_| SparseError::ShapeOverflow { rows, cols })?;

    let root = Piece {
        start: 0,
        len: total,
        count: k as u64,
        id: 1,
    };
    let pieces = parallel::run(par, |parallel| split(root, seed, parallel))?;

    let mut positions: Vec<usize> = alloc::zeroed(k, "positions")?;
    let mut values: Vec<T> = alloc::zeroed(k, "values")?;
    let mut tasks = Vec::with_capacity(pieces.len());
    let (mut pos_rest, mut val_rest) = (&mut positions[..], &mut values[..]);
    for piece in &pieces {
        // Counts sum to k, which fits in usize.
        let n = usize::try_from(piece.count).unwrap_or(usize::MAX);
        let (p, pr) = std::mem::take(&mut pos_rest).split_at_mut(n);
        let (v, vr) = std::mem::take(&mut val_rest).split_at_mut(n);
        (pos_rest, val_rest) = (pr, vr);
        tasks.push((*piece, p, v));
    }
    parallel::run(par, |parallel| {
        if parallel {
            tasks
                .into_par_iter()
                .for_each_init(Vec::new, |scratch, (piece, p, v)| {
                    fill_piece(piece, seed, p, v, scratch);
                });
        } else {
            let mut scratch = Vec::new();
            for (piece, p, v) in tasks {
                fill_piece(piece, seed, p, v, &mut scratch);
            }
        }
    })?;

    // Positions are sorted: the row pointer is a search per row, the columns a remainder.
    let mut indptr = vec![0_usize; rows + 1];
    let positions_ref = &positions;
    let fill_ptr = |(r, slot): (usize, &mut usize)| {
        *slot = positions_ref.partition_point(|&p| p < r * cols);
    };
    parallel::run(par, |parallel| {
        if parallel {
            indptr
                .par_iter_mut()
                .enumerate()
                .with_min_len(1024)
                .for_each(fill_ptr);
        } else {
            indptr.iter_mut().enumerate().for_each(fill_ptr);
        }
    })?;
    // Column = position − row·cols: walk each chunk's rows from one search, no division.
    let indptr_ref = &indptr;
    let to_col = |(c, chunk): (usize, &mut [usize])| {
        let base = c * COL_CHUNK;
        let mut r = indptr_ref.partition_point(|&p| p <= base).saturating_sub(1);
        for (k, p) in chunk.iter_mut().enumerate() {
            while indptr_ref[r + 1] <= base + k {
                r += 1;
            }
            *p -= r * cols;
        }
    };
    parallel::run(par, |parallel| {
        if parallel {
            positions
                .par_chunks_mut(COL_CHUNK)
                .enumerate()
                .for_each(to_col);
        } else {
            positions.chunks_mut(COL_CHUNK).enumerate().for_each(to_col);
        }
    })?;
    Ok(CsrMatrix::from_canonical_parts(
        [rows, cols],
        indptr,
        positions,
        values,
    ))
}

/// A PCG stream for tree node `id`; `salt` separates split streams from piece streams.
fn stream(seed: u64, id: u128, salt: u64) -> Pcg64 {
    let state = (u128::from(seed) << 64) | u128::from(salt.wrapping_mul(0x9e37_79b9_7f4a_7c15));
    let mut rng = Pcg64::new(state, id);
    // One step mixes the seed into the whole state before use.
    let _: u64 = rng.random();
    rng
}

/// Splits `piece` until every part is small, in order; the two halves of a split with
/// many picks are split on two rayon tasks (each split draws from its own stream, so the
/// result does not depend on that).
fn split(piece: Piece, seed: u64, parallel: bool) -> Vec<Piece> {
    if piece.count == 0 {
        return Vec::new();
    }
    if piece.count == piece.len || piece.len <= LEAF_SPAN || piece.count <= SPARSE_LEAF {
        return vec![piece];
    }
    let left_len = piece.len / 2;
    let mut rng = stream(seed, piece.id, 1);
    let in_left = hypergeometric(&mut rng, piece.len, left_len, piece.count);
    let left = Piece {
        start: piece.start,
        len: left_len,
        count: in_left,
        id: piece.id * 2,
    };
    let right = Piece {
        start: piece.start + left_len,
        len: piece.len - left_len,
        count: piece.count - in_left,
        id: piece.id * 2 + 1,
    };
    let (mut a, b) = if parallel && piece.count > PARALLEL_SPLIT {
        rayon::join(|| split(left, seed, true), || split(right, seed, true))
    } else {
        (split(left, seed, parallel), split(right, seed, parallel))
    };
    a.extend(b);
    a
}

/// How many of `draws` positions chosen without replacement from `total` fall among the
/// first `good`: inversion over the probabilities within 10 standard deviations of the
/// mode (the mass outside is below 10⁻²⁰, far under `f64` resolution of the sum),
/// computed by the ratio recurrence.
#[allow(
    clippy::cast_precision_loss,
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss
)]
fn hypergeometric(rng: &mut Pcg64, total: u64, good: u64, draws: u64) -> u64 {
    let lo = draws.saturating_sub(total - good);
    let hi = draws.min(good);
    if lo == hi {
        return lo;
    }
    let (n, g, d) = (total as f64, good as f64, draws as f64);
    let mode = ((((d + 1.0) * (g + 1.0)) / (n + 2.0)).floor() as u64).clamp(lo, hi);
    let var = d * (g / n) * ((n - g) / n) * ((n - d) / (n - 1.0));
    let half = (10.0 * var.sqrt()).ceil() as u64 + 8;
    let a = mode.saturating_sub(half).max(lo);
    let b = mode.saturating_add(half).min(hi);
    // P(x + 1) / P(x)
    let ratio = |x: u64| {
        let x = x as f64;
        ((g - x) * (d - x)) / ((x + 1.0) * (n - g - d + x + 1.0))
    };
    let mut w = vec![0.0; (b - a + 1) as usize];
    let m = (mode - a) as usize;
    w[m] = 1.0;
    for x in mode..b {
        let k = (x - a) as usize;
        w[k + 1] = w[k] * ratio(x);
    }
    for x in (a + 1..=mode).rev() {
        let k = (x - a) as usize;
        w[k - 1] = w[k] / ratio(x - 1);
    }
    let sum: f64 = w.iter().sum();
    let mut u = rng.random::<f64>() * sum;
    for (k, &p) in w.iter().enumerate() {
        if u < p {
            return a + k as u64;
        }
        u -= p;
    }
    b
}

/// Chooses `piece.count` sorted distinct positions of the piece and their values.
fn fill_piece<T: Element>(
    piece: Piece,
    seed: u64,
    positions: &mut [usize],
    values: &mut [T],
    scratch: &mut Vec<u64>,
) {
    let mut rng = stream(seed, piece.id, 2);
    // Positions are below rows·cols, which fits in usize.
    let start = usize::try_from(piece.start).unwrap_or(usize::MAX);
    if piece.count == piece.len {
        for (k, p) in positions.iter_mut().enumerate() {
            *p = start + k;
        }
    } else if piece.len <= LEAF_SPAN {
        bitmap_pick(&mut rng, piece, start, positions, scratch);
    } else {
        sparse_pick(&mut rng, piece, start, positions, scratch);
    }
    for v in values.iter_mut() {
        *v = random_value(&mut rng);
    }
}

/// Floyd's algorithm marking a bitmap (the complement when more than half is picked),
/// then one ordered scan of the bitmap.
fn bitmap_pick(
    rng: &mut Pcg64,
    piece: Piece,
    start: usize,
    positions: &mut [usize],
    bits: &mut Vec<u64>,
) {
    let len = piece.len as usize;
    let complement = piece.count * 2 > piece.len;
    let picks = if complement {
        piece.len - piece.count
    } else {
        piece.count
    };
    bits.clear();
    bits.resize(len.div_ceil(64), 0);
    for j in piece.len - picks..piece.len {
        let t = rng.random_range(0..=j) as usize;
        let (word, bit) = (t / 64, 1_u64 << (t % 64));
        if bits[word] & bit == 0 {
            bits[word] |= bit;
        } else {
            let j = j as usize;
            bits[j / 64] |= 1_u64 << (j % 64);
        }
    }
    let mut out = positions.iter_mut();
    for (w, &word) in bits.iter().enumerate() {
        let mut word = if complement { !word } else { word };
        if w == bits.len() - 1 && !len.is_multiple_of(64) {
            word &= (1_u64 << (len % 64)) - 1;
        }
        while word != 0 {
            let b = word.trailing_zeros() as usize;
            if let Some(slot) = out.next() {
                *slot = start + w * 64 + b;
            }
            word &= word - 1;
        }
    }
}

/// Draws offsets, sorts, removes repeats and draws again for the missing ones; with at
/// most 2¹² picks in more than 2¹⁶ positions, repeats are rare.
fn sparse_pick(
    rng: &mut Pcg64,
    piece: Piece,
    start: usize,
    positions: &mut [usize],
    drawn: &mut Vec<u64>,
) {
    let count = positions.len();
    drawn.clear();
    while drawn.len() < count {
        let missing = count - drawn.len();
        drawn.extend((0..missing).map(|_| rng.random_range(0..piece.len)));
        drawn.sort_unstable();
        drawn.dedup();
    }
    for (p, &o) in positions.iter_mut().zip(drawn.iter()) {
        *p = start + o as usize;
    }
}

/// A value as scipy draws it for the type (see the module documentation).
#[allow(clippy::cast_possible_truncation, clippy::cast_possible_wrap)]
fn random_value<T: Element>(rng: &mut Pcg64) -> T {
    let bits: u64 = match T::DTYPE {
        DType::F32 | DType::F64 | DType::C64 | DType::C128 => 0,
        _ => rng.random(),
    };
    let value = match T::DTYPE {
        DType::I8 => bytemuck::try_cast(bits as i8),
        DType::I16 => bytemuck::try_cast(bits as i16),
        DType::I32 => bytemuck::try_cast(bits as i32),
        DType::I64 => bytemuck::try_cast(bits as i64),
        DType::U8 => bytemuck::try_cast(bits as u8),
        DType::U16 => bytemuck::try_cast(bits as u16),
        DType::U32 => bytemuck::try_cast(bits as u32),
        DType::U64 => bytemuck::try_cast(bits),
        DType::F32 => bytemuck::try_cast(rng.random::<f32>()),
        DType::F64 => bytemuck::try_cast(rng.random::<f64>()),
        DType::C64 => bytemuck::try_cast(Complex::new(rng.random::<f32>(), rng.random::<f32>())),
        DType::C128 => bytemuck::try_cast(Complex::new(rng.random::<f64>(), rng.random::<f64>())),
    };
    // The arm matches T's own type, so the cast cannot fail.
    value.unwrap_or_default()
}
