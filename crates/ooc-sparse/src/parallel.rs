//! Small helpers that run work sequentially or on a rayon pool according to a [`Par`]
//! value, and the fixed chunking that keeps scatter-style products (CSC, COO) free of
//! races and deterministic whatever the thread count.

use ooc_core::{Element, Par};
use rayon::prelude::*;

use crate::error::Result;

/// Runs `f` on the pool `par` names; `f` receives whether it may fork rayon work.
pub(crate) fn run<R: Send>(par: Par, f: impl FnOnce(bool) -> R + Send) -> Result<R> {
    match par {
        Par::Seq => Ok(f(false)),
        other => Ok(other.install(|| f(true))?),
    }
}

/// Most partial output vectors a scatter product allocates.
const MAX_CHUNKS: usize = 16;
/// Fewest stored entries worth a chunk of their own.
const MIN_CHUNK_NNZ: usize = 1 << 16;

/// How many chunks a scatter product over `nnz` entries into an output of `out_len`
/// splits into. Depends only on the matrix, never on the thread count, so the summation
/// order (and hence the result) is the same sequentially and on any pool; a chunk is only
/// worth its own partial output when it holds at least as many entries as the output.
pub(crate) fn scatter_chunks(nnz: usize, out_len: usize) -> usize {
    let by_nnz = nnz / MIN_CHUNK_NNZ;
    let by_out = nnz / out_len.max(1);
    by_nnz.min(by_out).clamp(1, MAX_CHUNKS)
}

/// Computes `y = Σ_chunks partial(chunk)` where `partial(c, buf)` adds chunk `c`'s
/// contribution into a zeroed buffer. Partials are summed in chunk order.
pub(crate) fn scatter_sum<T: Element>(
    chunks: usize,
    y: &mut [T],
    parallel: bool,
    partial: impl Fn(usize, &mut [T]) + Sync,
) {
    y.fill(T::default());
    if chunks <= 1 {
        partial(0, y);
        return;
    }
    let mut bufs = vec![vec![T::default(); y.len()]; chunks];
    if parallel {
        bufs.par_iter_mut()
            .enumerate()
            .for_each(|(c, buf)| partial(c, buf));
    } else {
        for (c, buf) in bufs.iter_mut().enumerate() {
            partial(c, buf);
        }
    }
    for buf in &bufs {
        for (out, &v) in y.iter_mut().zip(buf) {
            *out += v;
        }
    }
}

/// Splits `0..n` into `chunks` nearly equal ranges; range `c`.
pub(crate) fn chunk_range(n: usize, chunks: usize, c: usize) -> std::ops::Range<usize> {
    let base = n / chunks;
    let extra = n % chunks;
    let start = c * base + c.min(extra);
    let len = base + usize::from(c < extra);
    start..start + len
}
