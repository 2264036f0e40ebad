//! Encoding chunks outside the library, the inverse of `decode`: applying the shuffle and
//! deflate filters in pipeline order to a chunk's bytes, so that direct chunk writes can
//! store chunks of compressed datasets that the library (and h5py) decode as usual.

use flate2::{Compress, Compression, FlushCompress, Status};

use crate::dataset::Filter;
use crate::decode::shuffle_frame;

/// Reusable state for encoding chunks one after another on one thread. Only
/// [`Filter::Deflate`] and [`Filter::Shuffle`] are understood ([`Encoder::supports`]).
#[derive(Debug)]
pub(crate) struct Encoder {
    pipeline: Vec<Filter>,
    elem_size: usize,
    a: Vec<u8>,
    b: Vec<u8>,
    deflate: Option<Compress>,
}

impl Encoder {
    /// Whether every filter of `pipeline` can be applied here.
    pub(crate) fn supports(pipeline: &[Filter]) -> bool {
        pipeline
            .iter()
            .all(|f| matches!(f, Filter::Deflate(l) if *l <= 9) || *f == Filter::Shuffle)
    }

    /// An encoder for `pipeline` (write order) and elements of `elem_size` bytes; `None`
    /// when a filter is not understood.
    pub(crate) fn new(pipeline: &[Filter], elem_size: usize) -> Option<Encoder> {
        if !Encoder::supports(pipeline) {
            return None;
        }
        let deflate = pipeline.iter().find_map(|f| match f {
            Filter::Deflate(level) => {
                Some(Compress::new(Compression::new(u32::from(*level)), true))
            }
            _ => None,
        });
        Some(Encoder {
            pipeline: pipeline.to_vec(),
            elem_size,
            a: Vec::new(),
            b: Vec::new(),
            deflate,
        })
    }

    /// Applies the pipeline to one chunk's bytes and returns the bytes to store (all
    /// filters applied: filter mask 0).
    pub(crate) fn encode<'a>(&'a mut self, chunk: &'a [u8]) -> &'a [u8] {
        // `cur` says which buffer holds the data: 0 the input, 1 a, 2 b.
        let mut cur = 0_u8;
        for filter in &self.pipeline {
            let (src, dst): (&[u8], &mut Vec<u8>) = match cur {
                0 => (chunk, &mut self.a),
                1 => (&self.a, &mut self.b),
                _ => (&self.b, &mut self.a),
            };
            match filter {
                Filter::Shuffle => shuffle(src, dst, self.elem_size),
                Filter::Deflate(_) => {
                    if let Some(z) = self.deflate.as_mut() {
                        deflate(z, src, dst);
                    }
                }
                // `new` refuses other filters.
                Filter::Fletcher32 | Filter::Other(_) => continue,
            }
            cur = if cur == 1 { 2 } else { 1 };
        }
        match cur {
            0 => chunk,
            1 => &self.a,
            _ => &self.b,
        }
    }
}

/// HDF5's byte shuffle: byte `j` of element `i` goes to `j * n + i` (`n` whole elements);
/// a tail shorter than one element is kept as is. `decode` undoes it.
pub(crate) fn shuffle(src: &[u8], dst: &mut Vec<u8>, elem_size: usize) {
    let n = shuffle_frame(src, dst, elem_size);
    if n == 0 {
        return;
    }
    let body = n * elem_size;
    for (j, plane) in dst[..body].chunks_exact_mut(n).enumerate() {
        // Byte `j` of every element: a strided walk, without index checks.
        for (out, &byte) in plane.iter_mut().zip(src[j..body].iter().step_by(elem_size)) {
            *out = byte;
        }
    }
}

/// Compresses `src` into one zlib stream in `dst` (as the library's deflate filter does).
fn deflate(z: &mut Compress, src: &[u8], dst: &mut Vec<u8>) {
    z.reset();
    dst.clear();
    // zlib's worst case for incompressible data is a few bytes per 16 KiB block.
    dst.reserve(src.len() + src.len() / 1000 + 64);
    let mut input = src;
    loop {
        if dst.len() == dst.capacity() {
            dst.reserve(dst.capacity() / 2 + 64);
        }
        let before_in = z.total_in();
        // Compressing into a `Vec` with spare capacity cannot fail for a valid stream.
        let status = z
            .compress_vec(input, dst, FlushCompress::Finish)
            .unwrap_or(Status::StreamEnd);
        let used = usize::try_from(z.total_in() - before_in).unwrap_or(input.len());
        input = &input[used.min(input.len())..];
        if status == Status::StreamEnd {
            break;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode_chunk;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn decoding_inverts_encoding(
            data in prop::collection::vec(any::<u8>(), 0..2000),
            elem_size in prop::sample::select(vec![1_usize, 2, 4, 8, 16]),
            level in 0_u8..=9,
            with_shuffle in any::<bool>(),
            with_deflate in any::<bool>(),
        ) {
            let mut pipeline = Vec::new();
            if with_shuffle { pipeline.push(Filter::Shuffle); }
            if with_deflate { pipeline.push(Filter::Deflate(level)); }
            let mut enc = Encoder::new(&pipeline, elem_size).unwrap();
            // Twice: the encoder's buffers and stream are reused.
            for _ in 0..2 {
                let stored = enc.encode(&data).to_vec();
                let mut out = vec![0; data.len()];
                decode_chunk(&stored, &pipeline, 0, elem_size, &mut out).unwrap();
                prop_assert_eq!(&out, &data);
            }
        }
    }

    #[test]
    fn shuffle_groups_bytes_by_position() {
        let mut out = Vec::new();
        shuffle(&[1, 0, 2, 0, 9], &mut out, 2);
        assert_eq!(out, [1, 2, 0, 0, 9]);
    }

    #[test]
    fn other_filters_are_refused() {
        assert!(Encoder::new(&[Filter::Fletcher32], 4).is_none());
        assert!(Encoder::new(&[Filter::Shuffle, Filter::Other(32001)], 4).is_none());
        assert!(Encoder::new(&[Filter::Deflate(10)], 4).is_none());
        assert!(Encoder::new(&[], 4).is_some());
    }
}
