//! Decoding raw HDF5 chunks outside the library: undoing the filters in reverse pipeline
//! order (deflate, shuffle, and the registered filters h5py and hdf5plugin write: LZF,
//! Blosc with its inner codecs and shuffles, Zstandard), skipping the filters a chunk's mask
//! says were not applied, and refusing (with a reason, never a panic) data that does not
//! decode to exactly one chunk's bytes. Also what ooc knows about filters by id: their
//! names, and whether it can decode them ([`Filter::is_decodable`]).

use libdeflater::{DecompressionError, Decompressor};

use crate::dataset::Filter;
use crate::error::Error;

/// HDF5 filter id of LZF (h5py's `lzf`).
pub(crate) const LZF: i32 = 32000;
/// HDF5 filter id of Blosc 1 (`PyTables`, hdf5plugin `Blosc`).
pub(crate) const BLOSC: i32 = 32001;
/// HDF5 filter id of Zstandard (hdf5plugin `Zstd`).
pub(crate) const ZSTD: i32 = 32015;

impl Filter {
    /// The filter's HDF5 id: 1 to 6 for the library's own, 32000 and up for registered
    /// ones ([`Filter::Other`]).
    #[must_use]
    pub fn id(&self) -> i32 {
        match self {
            Filter::Deflate(_) => 1,
            Filter::Shuffle => 2,
            Filter::Fletcher32 => 3,
            Filter::Other(id) => *id,
        }
    }

    /// The filter's usual name: the library's for its own filters, the registered one
    /// (h5py, hdf5plugin) for well-known ids, `"unknown"` otherwise.
    ///
    /// ```
    /// use ooc_hdf5::Filter;
    /// assert_eq!(Filter::Other(32001).name(), "blosc");
    /// assert_eq!(Filter::Deflate(4).name(), "deflate");
    /// ```
    #[must_use]
    pub fn name(&self) -> &'static str {
        match self.id() {
            1 => "deflate",
            2 => "shuffle",
            3 => "fletcher32",
            4 => "szip",
            5 => "nbit",
            6 => "scaleoffset",
            LZF => "lzf",
            BLOSC => "blosc",
            32004 => "lz4",
            32008 => "bitshuffle",
            32013 => "zfp",
            ZSTD => "zstd",
            32017 => "sz",
            32018 => "fcidecomp",
            32024 => "sz3",
            32026 => "blosc2",
            _ => "unknown",
        }
    }

    /// Whether the parallel read path ([`crate::ParallelReader`]) decodes this filter
    /// itself, on its own threads without the library lock: deflate, shuffle, LZF, Blosc
    /// (blosclz, lz4, lz4hc, zlib and zstd inside; byte and bit shuffle) and Zstandard.
    #[must_use]
    pub fn decodes_in_parallel(&self) -> bool {
        matches!(
            self,
            Filter::Deflate(_) | Filter::Shuffle | Filter::Other(LZF | BLOSC | ZSTD)
        )
    }

    /// Whether ooc can read data stored through this filter: decoded by ooc itself
    /// ([`Filter::decodes_in_parallel`]) or by the HDF5 library ooc is built with (its
    /// own filters but szip, and the LZF, Blosc and Zstandard decoders ooc registers).
    /// Data behind a filter for which this is `false` reads as
    /// [`Error::UnsupportedFilter`] through [`crate::ParallelReader`].
    ///
    /// ```
    /// use ooc_hdf5::Filter;
    /// assert!(Filter::Other(32000).is_decodable()); // LZF
    /// assert!(Filter::Other(6).is_decodable()); // scale-offset, by the library
    /// assert!(!Filter::Other(32008).is_decodable()); // bitshuffle
    /// ```
    #[must_use]
    pub fn is_decodable(&self) -> bool {
        self.decodes_in_parallel() || library_decodes(self.id())
    }
}

/// Whether the HDF5 library can decode filter `id` (registered, with a decoder).
pub(crate) fn library_decodes(id: i32) -> bool {
    use hdf5_sys::h5z::{H5Z_FILTER_CONFIG_DECODE_ENABLED, H5Zfilter_avail, H5Zget_filter_info};
    crate::raw::locked(|| {
        // SAFETY: plain queries of the library's filter table by id.
        if unsafe { H5Zfilter_avail(id) } <= 0 {
            return false;
        }
        let mut config = 0_u32;
        // SAFETY: as above; `config` is a live out-pointer.
        let status = unsafe { H5Zget_filter_info(id, &raw mut config) };
        status >= 0 && config & H5Z_FILTER_CONFIG_DECODE_ENABLED != 0
    })
}

/// Registers a Zstandard decoder (filter 32015, as hdf5plugin writes it) with the library,
/// once, so the library path reads those datasets too; the `hdf5` crate registers LZF
/// and Blosc itself. Decoding only: ooc does not write Zstandard chunks. Call with the
/// library lock held.
pub(crate) fn register_zstd() {
    use hdf5_sys::h5z::{H5Z_CLASS_T_VERS, H5Z_class2_t, H5Zregister};
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let class = H5Z_class2_t {
            version: H5Z_CLASS_T_VERS.cast_signed(),
            id: ZSTD,
            encoder_present: 0,
            decoder_present: 1,
            name: c"zstd".as_ptr(),
            can_apply: None,
            set_local: None,
            filter: Some(zstd_library_filter),
        };
        // SAFETY: `class` is a valid filter class, which the library copies; its name
        // is a static string. A failure leaves the filter unregistered, which
        // `library_decodes` then reports.
        unsafe {
            H5Zregister((&raw const class).cast());
        }
    });
}

/// The library's filter callback for Zstandard: replaces the frame in `*buf` by its
/// content. Returns the content's length, or 0 (the library's failure) for anything it
/// cannot decode. Never unwinds.
unsafe extern "C" fn zstd_library_filter(
    flags: std::ffi::c_uint,
    _cd_nelmts: usize,
    _cd_values: *const std::ffi::c_uint,
    nbytes: usize,
    buf_size: *mut usize,
    buf: *mut *mut std::ffi::c_void,
) -> usize {
    use hdf5_sys::h5::{H5allocate_memory, H5free_memory};
    if flags & hdf5_sys::h5z::H5Z_FLAG_REVERSE == 0 || buf.is_null() || buf_size.is_null() {
        return 0;
    }
    // SAFETY: the library passes its buffer of at least `nbytes` valid bytes.
    let src = unsafe { std::slice::from_raw_parts((*buf).cast::<u8>(), nbytes) };
    let Ok(Some(size)) = zstd::zstd_safe::get_frame_content_size(src) else {
        return 0;
    };
    let Ok(size) = usize::try_from(size) else {
        return 0;
    };
    if size == 0 {
        return 0;
    }
    // SAFETY: a plain allocation by the library's allocator, which frees filter buffers.
    let out = unsafe { H5allocate_memory(size, 0) }.cast::<u8>();
    if out.is_null() {
        return 0;
    }
    // SAFETY: `out` holds `size` bytes just allocated, not aliased.
    let dst = unsafe { std::slice::from_raw_parts_mut(out, size) };
    match zstd::bulk::decompress_to_buffer(src, dst) {
        Ok(n) if n == size => {
            // SAFETY: the old buffer is the library's and replaced by `out`, which it
            // will free; the out-pointers were checked non-null.
            unsafe {
                H5free_memory(*buf);
                *buf = out.cast();
                *buf_size = size;
            }
            size
        }
        _ => {
            // SAFETY: `out` was allocated above and is not used again.
            unsafe { H5free_memory(out.cast()) };
            0
        }
    }
}

/// The filter of a pipeline that ooc cannot read, if any.
pub(crate) fn undecodable(pipeline: &[Filter]) -> Option<&Filter> {
    pipeline.iter().find(|f| !f.is_decodable())
}

/// Reusable buffers for reading and decoding chunks one after another on one thread:
/// `raw` holds stored bytes read with `pread` (when they cannot be decoded straight from a
/// map of the file), `decoder` undoes the filters.
#[derive(Debug, Default)]
pub(crate) struct Scratch {
    pub(crate) raw: Vec<u8>,
    pub(crate) decoder: Decoder,
}

/// Undoes chunk filters into buffers it keeps at their high-water size, so decoding chunk
/// after chunk faults no fresh pages in.
///
/// Inflating uses libdeflate (whole-buffer decompression, measured about 1.2 to 1.5 times
/// faster than flate2 with zlib-rs on the benchmark's deflate chunks).
pub(crate) struct Decoder {
    a: Vec<u8>,
    b: Vec<u8>,
    inflate: Decompressor,
    /// A Zstandard context, made on the first Zstandard chunk.
    zstd: Option<zstd::bulk::Decompressor<'static>>,
}

impl std::fmt::Debug for Decoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Decoder")
            .field("a", &self.a.len())
            .field("b", &self.b.len())
            .finish_non_exhaustive()
    }
}

impl Default for Decoder {
    fn default() -> Self {
        Decoder {
            a: Vec::new(),
            b: Vec::new(),
            inflate: Decompressor::new(),
            zstd: None,
        }
    }
}

/// Why a chunk could not be decoded.
#[derive(Debug)]
pub(crate) enum DecodeError {
    /// The bytes are wrong for the filters (or for one chunk).
    Corrupt(String),
    /// A filter, or a codec inside one, that ooc does not decode.
    Unsupported(Filter, String),
}

impl DecodeError {
    /// The crate's error for this failure in chunk `offset` of dataset `path`.
    pub(crate) fn at(self, path: &str, offset: &[usize]) -> Error {
        match self {
            DecodeError::Corrupt(reason) => Error::CorruptChunk {
                path: path.to_owned(),
                offset: offset.to_vec(),
                reason,
            },
            DecodeError::Unsupported(filter, reason) => Error::UnsupportedFilter {
                path: path.to_owned(),
                id: filter.id(),
                name: filter.name(),
                reason,
            },
        }
    }
}

impl From<String> for DecodeError {
    fn from(reason: String) -> Self {
        DecodeError::Corrupt(reason)
    }
}

/// A decoded chunk: its bytes, and whether they are still byte-shuffled (the first filter
/// of the pipeline, left for the caller to undo while copying, see [`unshuffle_run`]).
pub(crate) struct Decoded<'a> {
    pub(crate) bytes: &'a [u8],
    pub(crate) shuffled: bool,
}

impl Decoder {
    /// Decodes `stored` (a chunk as stored) into `chunk_bytes` bytes and returns them.
    ///
    /// `pipeline` is the dataset's filter list in write order; bit `i` of `mask` set means
    /// filter `i` was skipped for this chunk.
    #[cfg(any(test, feature = "fuzzing"))]
    pub(crate) fn decode<'a>(
        &'a mut self,
        stored: &'a [u8],
        pipeline: &[Filter],
        mask: u32,
        elem_size: usize,
        chunk_bytes: usize,
    ) -> Result<&'a [u8], DecodeError> {
        let decoded = self.undo(stored, pipeline, mask, elem_size, chunk_bytes, false)?;
        debug_assert!(!decoded.shuffled);
        Ok(decoded.bytes)
    }

    /// As [`Decoder::decode`], but when the last filter to undo is a shuffle, leaves it
    /// undone (`shuffled`), so the caller can unshuffle straight into place.
    pub(crate) fn decode_planes<'a>(
        &'a mut self,
        stored: &'a [u8],
        pipeline: &[Filter],
        mask: u32,
        elem_size: usize,
        chunk_bytes: usize,
    ) -> Result<Decoded<'a>, DecodeError> {
        self.undo(stored, pipeline, mask, elem_size, chunk_bytes, true)
    }

    /// Undoes the active filters of `stored` in reverse order, ping-ponging between the
    /// two buffers; a final shuffle is left undone (`shuffled`) only with `keep_shuffle`.
    fn undo<'a>(
        &'a mut self,
        stored: &'a [u8],
        pipeline: &[Filter],
        mask: u32,
        elem_size: usize,
        chunk_bytes: usize,
        keep_shuffle: bool,
    ) -> Result<Decoded<'a>, DecodeError> {
        let active = |i: usize| i >= 32 || mask & (1 << i) == 0;
        let last = (0..pipeline.len()).find(|&i| active(i));
        // Which buffer holds the bytes so far: 0 `stored`, 1 `a`, 2 `b`.
        let mut cur = 0_u8;
        let mut shuffled = false;
        for (i, filter) in pipeline.iter().enumerate().rev() {
            if !active(i) {
                continue;
            }
            let (src, dst) = match cur {
                0 => (stored, &mut self.a),
                1 => (&self.a[..], &mut self.b),
                _ => (&self.b[..], &mut self.a),
            };
            match filter {
                Filter::Deflate(_) => inflate_exact(&mut self.inflate, src, dst, chunk_bytes)?,
                Filter::Shuffle if keep_shuffle && Some(i) == last && elem_size > 1 => {
                    shuffled = true;
                    break;
                }
                Filter::Shuffle => unshuffle(src, dst, elem_size),
                Filter::Other(LZF) => lzf_exact(src, dst, chunk_bytes)?,
                Filter::Other(BLOSC) => blosc_exact(src, dst, chunk_bytes)?,
                Filter::Other(ZSTD) => {
                    let z = match &mut self.zstd {
                        Some(z) => z,
                        slot => slot.insert(zstd::bulk::Decompressor::new().map_err(|e| {
                            DecodeError::Corrupt(format!("zstd: no decompression context: {e}"))
                        })?),
                    };
                    zstd_exact(z, src, dst, chunk_bytes)?;
                }
                other => {
                    return Err(DecodeError::Unsupported(
                        other.clone(),
                        "not decoded by the parallel reader".to_owned(),
                    ));
                }
            }
            cur = if cur == 1 { 2 } else { 1 };
        }
        let bytes = match cur {
            0 => stored,
            1 => &self.a[..],
            _ => &self.b[..],
        };
        if bytes.len() != chunk_bytes {
            return Err(DecodeError::Corrupt(format!(
                "decoded to {} bytes but a chunk holds {chunk_bytes}",
                bytes.len()
            )));
        }
        Ok(Decoded { bytes, shuffled })
    }
}

/// Sets `buf` to `len` bytes, keeping (not zeroing) what it already holds.
fn set_len(buf: &mut Vec<u8>, len: usize) {
    if buf.len() > len {
        buf.truncate(len);
    } else {
        buf.resize(len, 0);
    }
}

/// Inflates a zlib stream that must hold exactly `expected` bytes.
fn inflate_exact(
    z: &mut Decompressor,
    src: &[u8],
    dst: &mut Vec<u8>,
    expected: usize,
) -> Result<(), DecodeError> {
    set_len(dst, expected);
    match z.zlib_decompress(src, dst) {
        Ok(produced) if produced == expected => Ok(()),
        Ok(produced) => Err(DecodeError::Corrupt(format!(
            "deflate stream holds {produced} bytes but a chunk holds {expected}"
        ))),
        Err(DecompressionError::InsufficientSpace) => Err(DecodeError::Corrupt(format!(
            "deflate stream is longer than a chunk ({expected} bytes)"
        ))),
        Err(DecompressionError::BadData) => Err(DecodeError::Corrupt(
            "deflate stream is invalid or truncated".to_owned(),
        )),
    }
}

/// Decompresses LZF data (h5py's filter: the raw LZF stream of the whole chunk) that must
/// hold exactly `expected` bytes.
fn lzf_exact(src: &[u8], dst: &mut Vec<u8>, expected: usize) -> Result<(), DecodeError> {
    set_len(dst, expected);
    let (Ok(in_len), Ok(out_len)) = (u32::try_from(src.len()), u32::try_from(expected)) else {
        return Err(DecodeError::Corrupt(format!(
            "lzf: {} stored bytes or a chunk of {expected} bytes exceed 4 GiB",
            src.len()
        )));
    };
    if expected == 0 {
        return if src.is_empty() {
            Ok(())
        } else {
            Err(DecodeError::Corrupt(
                "lzf stream is longer than a chunk (0 bytes)".to_owned(),
            ))
        };
    }
    // SAFETY: liblzf reads at most `in_len` bytes of `src` and writes at most `out_len`
    // bytes of `dst` (it checks both bounds and returns 0 when the data would cross one);
    // both buffers are live and that long.
    let produced = unsafe {
        lzf_sys::lzf_decompress(
            src.as_ptr().cast(),
            in_len,
            dst.as_mut_ptr().cast(),
            out_len,
        )
    };
    if produced as usize == expected {
        Ok(())
    } else if produced == 0 {
        Err(DecodeError::Corrupt(format!(
            "lzf stream is invalid, truncated or longer than a chunk ({expected} bytes)"
        )))
    } else {
        Err(DecodeError::Corrupt(format!(
            "lzf stream holds {produced} bytes but a chunk holds {expected}"
        )))
    }
}

/// The inner codecs of Blosc 1, by the code in bits 5 to 7 of its header's flags byte.
const BLOSC_CODECS: [&str; 5] = ["blosclz", "lz4", "snappy", "zlib", "zstd"];

/// Decompresses one Blosc 1 buffer (hdf5plugin's and `PyTables`' filter store the buffer as
/// is; its header says the inner codec and shuffle) that must hold exactly `expected`
/// bytes.
fn blosc_exact(src: &[u8], dst: &mut Vec<u8>, expected: usize) -> Result<(), DecodeError> {
    const HEADER: usize = blosc_src::BLOSC_MIN_HEADER_LENGTH as usize;
    let corrupt = |what: String| Err(DecodeError::Corrupt(format!("blosc: {what}")));
    if src.len() < HEADER {
        return corrupt(format!("{} bytes are shorter than a header", src.len()));
    }
    let word = |at: usize| u32::from_le_bytes([src[at], src[at + 1], src[at + 2], src[at + 3]]);
    let (nbytes, cbytes) = (word(4) as usize, word(12) as usize);
    if nbytes != expected {
        return corrupt(format!(
            "buffer holds {nbytes} bytes but a chunk holds {expected}"
        ));
    }
    if cbytes > src.len() {
        return corrupt(format!(
            "header says {cbytes} compressed bytes but {} are stored",
            src.len()
        ));
    }
    let src = &src[..cbytes];
    let mut checked = 0_usize;
    // SAFETY: `src` holds `cbytes` bytes; the call reads the header only.
    let valid =
        unsafe { blosc_src::blosc_cbuffer_validate(src.as_ptr().cast(), cbytes, &raw mut checked) };
    if valid < 0 || checked != expected {
        return corrupt("invalid header".to_owned());
    }
    let codec = usize::from(src[2] >> 5);
    if !blosc_has_codec(codec) {
        let name = BLOSC_CODECS.get(codec).copied().unwrap_or("unknown");
        return Err(DecodeError::Unsupported(
            Filter::Other(BLOSC),
            format!("inner codec {name} (code {codec}) is not built in"),
        ));
    }
    set_len(dst, expected);
    if expected == 0 {
        return Ok(());
    }
    // SAFETY: the header's compressed size equals `src.len()` (validated), and c-blosc
    // checks every block offset and length against it; `dst` holds `expected` bytes, the
    // size passed, which c-blosc never writes past. The `_ctx` form keeps no global state,
    // so threads may call it at once.
    let produced = unsafe {
        blosc_src::blosc_decompress_ctx(src.as_ptr().cast(), dst.as_mut_ptr().cast(), expected, 1)
    };
    if usize::try_from(produced).is_ok_and(|p| p == expected) {
        Ok(())
    } else {
        corrupt(format!("decompression failed (code {produced})"))
    }
}

/// Whether this build of c-blosc holds the inner codec with header code `code`.
fn blosc_has_codec(code: usize) -> bool {
    static BUILT_IN: std::sync::OnceLock<Vec<bool>> = std::sync::OnceLock::new();
    BUILT_IN
        .get_or_init(|| {
            // SAFETY: returns a pointer to a static NUL-terminated list of names.
            let list = unsafe { std::ffi::CStr::from_ptr(blosc_src::blosc_list_compressors()) };
            let list = list.to_string_lossy();
            BLOSC_CODECS
                .iter()
                .map(|name| list.split(',').any(|n| n.trim() == *name))
                .collect()
        })
        .get(code)
        .copied()
        .unwrap_or(false)
}

/// Decompresses Zstandard data (hdf5plugin's filter: one frame of the whole chunk) that
/// must hold exactly `expected` bytes.
fn zstd_exact(
    z: &mut zstd::bulk::Decompressor<'static>,
    src: &[u8],
    dst: &mut Vec<u8>,
    expected: usize,
) -> Result<(), DecodeError> {
    set_len(dst, expected);
    match z.decompress_to_buffer(src, dst.as_mut_slice()) {
        Ok(produced) if produced == expected => Ok(()),
        Ok(produced) => Err(DecodeError::Corrupt(format!(
            "zstd frame holds {produced} bytes but a chunk holds {expected}"
        ))),
        Err(e) => Err(DecodeError::Corrupt(format!(
            "zstd frame is invalid, truncated or longer than a chunk ({expected} bytes): {e}"
        ))),
    }
}

/// The part HDF5's byte shuffle and its inverse share: sizes `dst` as `src` and copies
/// the tail shorter than one element as is (the whole of `src` when elements are single
/// bytes or none fits). Returns the number `n` of whole elements, whose `n * elem_size`
/// leading bytes are left for the caller to (un)shuffle.
pub(crate) fn shuffle_frame(src: &[u8], dst: &mut Vec<u8>, elem_size: usize) -> usize {
    set_len(dst, src.len());
    let n = if elem_size > 1 {
        src.len() / elem_size
    } else {
        0
    };
    let body = n * elem_size;
    dst[body..].copy_from_slice(&src[body..]);
    n
}

/// Undoes HDF5's byte shuffle: byte `j` of element `i` was stored at `j * n + i`; a tail
/// shorter than one element is stored as is.
fn unshuffle(src: &[u8], dst: &mut Vec<u8>, elem_size: usize) {
    let n = shuffle_frame(src, dst, elem_size);
    if n > 0 {
        let body = n * elem_size;
        unshuffle_run(&src[..body], elem_size, 0, &mut dst[..body]);
    }
}

/// Unshuffles elements `first..first + out.len() / elem_size` of a shuffled chunk whose
/// byte planes fill `planes` (`planes.len() / elem_size` elements each) into `out`.
///
/// # Panics
/// When the elements are not all inside the chunk (callers check).
pub(crate) fn unshuffle_run(planes: &[u8], elem_size: usize, first: usize, out: &mut [u8]) {
    let stride = planes.len() / elem_size;
    let count = out.len() / elem_size;
    if count == 0 {
        return;
    }
    let plane = |j: usize| &planes[j * stride + first..j * stride + first + count];
    match elem_size {
        2 => unshuffle2([plane(0), plane(1)], out),
        4 => unshuffle4([plane(0), plane(1), plane(2), plane(3)], out),
        8 => unshuffle8(std::array::from_fn(plane), out),
        1 => out.copy_from_slice(plane(0)),
        _ => {
            for j in 0..elem_size {
                // Byte `j` of every element: a strided walk, without index checks.
                for (o, &byte) in out[j..].iter_mut().step_by(elem_size).zip(plane(j)) {
                    *o = byte;
                }
            }
        }
    }
}

/// Elements of 2 bytes from their 2 byte planes.
fn unshuffle2([p0, p1]: [&[u8]; 2], out: &mut [u8]) {
    for ((o, &b0), &b1) in out.chunks_exact_mut(2).zip(p0).zip(p1) {
        o.copy_from_slice(&[b0, b1]);
    }
}

/// Elements of 4 bytes from their 4 byte planes (one pass, element by element).
fn unshuffle4([p0, p1, p2, p3]: [&[u8]; 4], out: &mut [u8]) {
    for ((((o, &b0), &b1), &b2), &b3) in out.chunks_exact_mut(4).zip(p0).zip(p1).zip(p2).zip(p3) {
        o.copy_from_slice(&[b0, b1, b2, b3]);
    }
}

/// Elements of 8 bytes from their 8 byte planes.
fn unshuffle8(p: [&[u8]; 8], out: &mut [u8]) {
    let low = p[0].iter().zip(p[1]).zip(p[2]).zip(p[3]);
    let high = p[4].iter().zip(p[5]).zip(p[6]).zip(p[7]);
    for ((o, (((&b0, &b1), &b2), &b3)), (((&b4, &b5), &b6), &b7)) in
        out.chunks_exact_mut(8).zip(low).zip(high)
    {
        o.copy_from_slice(&[b0, b1, b2, b3, b4, b5, b6, b7]);
    }
}

/// Decodes one stored chunk as the parallel read path does; for tests and fuzzing.
///
/// `pipeline` is the filter list in write order (the filters of
/// [`Filter::decodes_in_parallel`] are understood), bit `i` of `filter_mask` marks filter
/// `i` as skipped, and `out` must be exactly one chunk's bytes long.
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
/// bytes; [`crate::Error::UnsupportedFilter`] for a filter (or a codec inside Blosc)
/// that is not decoded here.
#[cfg(any(test, feature = "fuzzing"))]
pub fn decode_chunk(
    stored: &[u8],
    pipeline: &[Filter],
    filter_mask: u32,
    elem_size: usize,
    out: &mut [u8],
) -> crate::Result<()> {
    let mut decoder = Decoder::default();
    let decoded = decoder
        .decode(stored, pipeline, filter_mask, elem_size, out.len())
        .map_err(|e| e.at("", &[]))?;
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
            elem_size in prop::sample::select(vec![1_usize, 2, 3, 4, 8, 16]),
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
        fn shuffled_runs_unshuffle_in_place(
            elems in 1_usize..80,
            elem_size in prop::sample::select(vec![1_usize, 2, 3, 4, 8, 16]),
            deflated in any::<bool>(),
            first in 0_usize..80,
            count in 0_usize..80,
        ) {
            let data: Vec<u8> = (0..elems * elem_size).map(|i| (i * 7 + 3) as u8).collect();
            let mut stored = shuffle(&data, elem_size);
            let pipeline: &[Filter] = if deflated {
                stored = deflate(&stored);
                &[Filter::Shuffle, Filter::Deflate(4)]
            } else {
                &[Filter::Shuffle]
            };
            let mut decoder = Decoder::default();
            let decoded = decoder.decode_planes(&stored, pipeline, 0, elem_size, data.len()).unwrap();
            prop_assert_eq!(decoded.shuffled, elem_size > 1);
            let first = first % elems;
            let count = count.min(elems - first);
            let mut out = vec![0_u8; count * elem_size];
            if decoded.shuffled {
                unshuffle_run(decoded.bytes, elem_size, first, &mut out);
            } else {
                out.copy_from_slice(&decoded.bytes[first * elem_size..(first + count) * elem_size]);
            }
            prop_assert_eq!(&out[..], &data[first * elem_size..(first + count) * elem_size]);
            // Skipping the shuffle (mask bit 0) leaves nothing to unshuffle.
            let mut plain = Decoder::default();
            let kept = plain.decode_planes(&stored, pipeline, 1, elem_size, data.len()).unwrap();
            prop_assert!(!kept.shuffled);
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
