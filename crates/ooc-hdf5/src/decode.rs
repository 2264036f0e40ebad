//! Decoding raw HDF5 chunks outside the library: undoing the deflate and shuffle filters
//! in reverse pipeline order, skipping the filters a chunk's mask says were not applied,
//! and refusing (with a reason, never a panic) data that does not decode to exactly one
//! chunk's bytes.

use flate2::{Decompress, FlushDecompress, Status};

use crate::dataset::Filter;

/// Reusable buffers for decoding chunks one after another on one thread.
#[derive(Debug)]
pub(crate) struct Scratch {
    pub(crate) raw: Vec<u8>,
    a: Vec<u8>,
    b: Vec<u8>,
    inflate: Decompress,
}

impl Default for Scratch {
    fn default() -> Self {
        Scratch {
            raw: Vec::new(),
            a: Vec::new(),
            b: Vec::new(),
            inflate: Decompress::new(true),
        }
    }
}

/// Why a chunk could not be decoded.
pub(crate) type DecodeError = String;

impl Scratch {
    /// Decodes `self.raw` (a chunk as stored) into `chunk_bytes` bytes and returns them.
    ///
    /// `pipeline` is the dataset's filter list in write order; bit `i` of `mask` set means
    /// filter `i` was skipped for this chunk.
    pub(crate) fn decode(
        &mut self,
        pipeline: &[Filter],
        mask: u32,
        elem_size: usize,
        chunk_bytes: usize,
    ) -> Result<&[u8], DecodeError> {
        // `cur` says which buffer holds the data: 0 raw, 1 a, 2 b.
        let mut cur = 0_u8;
        for (i, filter) in pipeline.iter().enumerate().rev() {
            if i < 32 && mask & (1 << i) != 0 {
                continue;
            }
            let (src, dst) = match cur {
                0 => (&self.raw, &mut self.a),
                1 => (&self.a, &mut self.b),
                _ => (&self.b, &mut self.a),
            };
            match filter {
                Filter::Deflate(_) => inflate_exact(&mut self.inflate, src, dst, chunk_bytes)?,
                Filter::Shuffle => unshuffle(src, dst, elem_size),
                other => return Err(format!("filter {other:?} is not supported here")),
            }
            cur = if cur == 1 { 2 } else { 1 };
        }
        let out = match cur {
            0 => &self.raw,
            1 => &self.a,
            _ => &self.b,
        };
        if out.len() != chunk_bytes {
            return Err(format!(
                "decoded to {} bytes but a chunk holds {chunk_bytes}",
                out.len()
            ));
        }
        Ok(out)
    }
}

/// Inflates a zlib stream that must hold exactly `expected` bytes.
fn inflate_exact(
    z: &mut Decompress,
    src: &[u8],
    dst: &mut Vec<u8>,
    expected: usize,
) -> Result<(), DecodeError> {
    z.reset(true);
    dst.clear();
    dst.resize(expected, 0);
    let status = z
        .decompress(src, dst, FlushDecompress::Finish)
        .map_err(|e| format!("deflate stream is invalid: {e}"))?;
    let produced = usize::try_from(z.total_out()).unwrap_or(usize::MAX);
    match status {
        Status::StreamEnd if produced == expected => Ok(()),
        Status::StreamEnd => Err(format!(
            "deflate stream holds {produced} bytes but a chunk holds {expected}"
        )),
        Status::Ok | Status::BufError => Err(format!(
            "deflate stream is truncated or longer than a chunk ({expected} bytes)"
        )),
    }
}

/// Undoes HDF5's byte shuffle: byte `j` of element `i` was stored at `j * n + i`; a tail
/// shorter than one element is stored as is.
fn unshuffle(src: &[u8], dst: &mut Vec<u8>, elem_size: usize) {
    dst.clear();
    dst.resize(src.len(), 0);
    let n = if elem_size > 1 {
        src.len() / elem_size
    } else {
        0
    };
    if n == 0 {
        dst.copy_from_slice(src);
        return;
    }
    let body = n * elem_size;
    for (j, plane) in src[..body].chunks_exact(n).enumerate() {
        // Byte `j` of every element: a strided walk, without index checks.
        for (out, &byte) in dst[j..body].iter_mut().step_by(elem_size).zip(plane) {
            *out = byte;
        }
    }
    dst[body..].copy_from_slice(&src[body..]);
}

/// Decodes one stored chunk as the parallel read path does; for tests and fuzzing.
///
/// `pipeline` is the filter list in write order (only [`Filter::Deflate`] and
/// [`Filter::Shuffle`] are understood), bit `i` of `filter_mask` marks filter `i` as
/// skipped, and `out` must be exactly one chunk's bytes long.
///
/// ```
/// use ooc_hdf5::{Filter, decode_chunk};
/// // Shuffled bytes of the u16 values [1, 2]: low bytes first, then high bytes.
/// let stored = [1_u8, 2, 0, 0];
/// let mut out = [0_u8; 4];
/// decode_chunk(&stored, &[Filter::Shuffle], 0, 2, &mut out)?;
/// assert_eq!(out, [1, 0, 2, 0]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
/// [`crate::Error::CorruptChunk`] when the bytes do not decode to exactly `out.len()`
/// bytes or a filter is not understood.
pub fn decode_chunk(
    stored: &[u8],
    pipeline: &[Filter],
    filter_mask: u32,
    elem_size: usize,
    out: &mut [u8],
) -> crate::Result<()> {
    let mut scratch = Scratch::default();
    scratch.raw.extend_from_slice(stored);
    let decoded = scratch
        .decode(pipeline, filter_mask, elem_size, out.len())
        .map_err(|reason| crate::Error::CorruptChunk {
            path: String::new(),
            offset: Vec::new(),
            reason,
        })?;
    out.copy_from_slice(decoded);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::{Compression, write::ZlibEncoder};
    use proptest::prelude::*;
    use std::io::Write;

    fn shuffle(src: &[u8], elem_size: usize) -> Vec<u8> {
        let n = src.len() / elem_size;
        let mut out = vec![0; src.len()];
        for i in 0..n {
            for j in 0..elem_size {
                out[j * n + i] = src[i * elem_size + j];
            }
        }
        out[n * elem_size..].copy_from_slice(&src[n * elem_size..]);
        out
    }

    fn deflate(src: &[u8]) -> Vec<u8> {
        let mut e = ZlibEncoder::new(Vec::new(), Compression::new(4));
        e.write_all(src).unwrap();
        e.finish().unwrap()
    }

    proptest! {
        #[test]
        fn decoding_inverts_shuffle_then_deflate(
            data in prop::collection::vec(any::<u8>(), 0..600),
            elem_size in prop::sample::select(vec![1_usize, 2, 4, 8, 16]),
            skip_shuffle in any::<bool>(),
            skip_deflate in any::<bool>(),
        ) {
            let mut stored = data.clone();
            if !skip_shuffle { stored = shuffle(&stored, elem_size); }
            if !skip_deflate { stored = deflate(&stored); }
            let mask = u32::from(skip_shuffle) | (u32::from(skip_deflate) << 1);
            let mut out = vec![0; data.len()];
            decode_chunk(&stored, &[Filter::Shuffle, Filter::Deflate(4)], mask, elem_size, &mut out)
                .unwrap();
            prop_assert_eq!(out, data);
        }

        #[test]
        fn arbitrary_bytes_never_panic(
            stored in prop::collection::vec(any::<u8>(), 0..300),
            len in 0_usize..300,
            mask in 0_u32..4,
        ) {
            let mut out = vec![0; len];
            let _ = decode_chunk(&stored, &[Filter::Shuffle, Filter::Deflate(1)], mask, 4, &mut out);
        }
    }

    #[test]
    fn wrong_lengths_and_garbage_are_errors() {
        let data = vec![7_u8; 64];
        let stored = deflate(&data);
        let mut short = vec![0; 63];
        let mut long = vec![0; 65];
        for out in [&mut short, &mut long] {
            let err = decode_chunk(&stored, &[Filter::Deflate(4)], 0, 1, out).unwrap_err();
            assert!(err.to_string().contains("chunk"), "{err}");
        }
        let mut out = vec![0; 64];
        assert!(
            decode_chunk(
                &stored[..stored.len() / 2],
                &[Filter::Deflate(4)],
                0,
                1,
                &mut out
            )
            .is_err()
        );
        assert!(decode_chunk(b"not zlib at all", &[Filter::Deflate(4)], 0, 1, &mut out).is_err());
        assert!(decode_chunk(&data, &[Filter::Fletcher32], 0, 1, &mut out).is_err());
    }
}
