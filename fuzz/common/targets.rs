//! The bodies of ooc's fuzz targets, shared by the libFuzzer harnesses in
//! `fuzz/fuzz_targets/` (nightly, `cargo xtask fuzz`) and the corpus replay in
//! `tests/fuzz_corpus.rs` (stable, `cargo xtask test`), so every input a campaign kept or
//! a crash produced is re-run as an ordinary test.
//!
//! Each body takes arbitrary bytes. Bad input must come back as a typed error; a panic,
//! an abort, a sanitizer report or a huge allocation is a bug. When a parse succeeds the
//! body also checks what success promises (round trips, lengths inside the input), so the
//! fuzzer hunts wrong answers as well as crashes.

use std::path::{Path, PathBuf};

use ooc_core::npy::NpyHeader;
use ooc_core::{DType, Element, MemoryBudget, Par};
use ooc_hdf5::Filter;
use ooc_mmap::{MmapArray, Mode, RawLayout};
use ooc_sparse::{AnySparse, BsrMatrix, CooMatrix, CscMatrix, CsrMatrix, DiaMatrix, SparseMatrix};

/// A target's body: it gets the fuzzer's bytes and panics only on a bug.
pub(crate) type Body = fn(&[u8]);

/// Every target: its name (the file name under `fuzz_targets/`, `corpus/` and
/// `regressions/`) and its body.
pub(crate) const TARGETS: &[(&str, Body)] = &[
    ("npy_header", npy_header),
    ("size_parse", size_parse),
    ("raw_open", raw_open),
    ("npy_open", npy_open),
    ("sparse_structure", sparse_structure),
    ("hdf5_chunk", hdf5_chunk),
    ("hdf5_chunk_index", hdf5_chunk_index),
    ("npz", npz),
    ("cli_source", cli_source),
];

/// Reads fixed-size values off the front of the fuzzer's bytes; past the end it yields
/// zeros, so every input decodes to something.
pub(crate) struct Input<'a> {
    bytes: &'a [u8],
}

#[allow(dead_code)] // each harness uses only some of these
impl<'a> Input<'a> {
    pub(crate) fn new(bytes: &'a [u8]) -> Self {
        Input { bytes }
    }

    pub(crate) fn take(&mut self, n: usize) -> &'a [u8] {
        let n = n.min(self.bytes.len());
        let (head, tail) = self.bytes.split_at(n);
        self.bytes = tail;
        head
    }

    fn array<const N: usize>(&mut self) -> [u8; N] {
        let mut out = [0; N];
        let head = self.take(N);
        out[..head.len()].copy_from_slice(head);
        out
    }

    pub(crate) fn u8(&mut self) -> u8 {
        self.array::<1>()[0]
    }

    pub(crate) fn u16(&mut self) -> u16 {
        u16::from_le_bytes(self.array())
    }

    pub(crate) fn u32(&mut self) -> u32 {
        u32::from_le_bytes(self.array())
    }

    pub(crate) fn u64(&mut self) -> u64 {
        u64::from_le_bytes(self.array())
    }

    pub(crate) fn rest(&mut self) -> &'a [u8] {
        self.take(self.bytes.len())
    }
}

/// `.npy` header parsing: arbitrary bytes, then (on success) the data offset lies inside
/// the input and the header written back parses to the same header.
pub(crate) fn npy_header(data: &[u8]) {
    match NpyHeader::parse(data) {
        Ok((header, offset)) => {
            assert!(
                offset <= data.len(),
                "data offset {offset} past {}",
                data.len()
            );
            header.data_bytes().expect("parse already checked the size");
            let bytes = header.to_bytes().expect("a parsed header can be written");
            assert_eq!(bytes.len() % 64, 0, "written header is not 64-byte aligned");
            let (again, again_offset) = NpyHeader::parse(&bytes).expect("a written header parses");
            assert_eq!(again, header);
            assert_eq!(again_offset, bytes.len());
        }
        Err(e) => assert!(!e.to_string().is_empty()),
    }
}

/// Size parsing (`--budget 512MiB`, `MemoryBudget::from_str`): arbitrary text; a parsed size
/// prints and parses back to itself, and `FromStr` agrees with `parse_size`.
pub(crate) fn size_parse(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    match MemoryBudget::parse_size(&text) {
        Ok(bytes) => {
            assert_eq!(
                MemoryBudget::parse_size(&bytes.to_string()).ok(),
                Some(bytes)
            );
            let budget: MemoryBudget = text.parse().expect("FromStr agrees with parse_size");
            assert_eq!(budget.bytes(), bytes);
            let shown = budget.to_string();
            assert_eq!(
                MemoryBudget::parse_size(&shown).ok(),
                Some(bytes),
                "{shown}"
            );
        }
        Err(e) => {
            assert!(text.parse::<MemoryBudget>().is_err());
            assert!(!e.to_string().is_empty());
        }
    }
}

/// A scratch file for targets that need a path, one per process and target (in `/dev/shm`
/// when there is one, so campaigns do not wear the disk). Each input overwrites it.
fn scratch_file(target: &str, bytes: &[u8]) -> PathBuf {
    let shm = PathBuf::from("/dev/shm");
    let dir = if shm.is_dir() {
        shm
    } else {
        std::env::temp_dir()
    };
    let path = dir.join(format!("ooc-fuzz-{}-{target}", std::process::id()));
    std::fs::write(&path, bytes).expect("scratch file can be written");
    path
}

/// The bytes of a slice of elements.
fn element_bytes<T: Element>(values: &[T]) -> &[u8] {
    // SAFETY: `Element` types are `bytemuck::Pod`: no padding, every byte initialised, and
    // `u8` has alignment 1; the length is the slice's size in bytes.
    unsafe { std::slice::from_raw_parts(values.as_ptr().cast::<u8>(), size_of_val(values)) }
}

/// Checks a successfully mapped array against the file bytes it claims to map.
fn check_mapped<T: Element>(a: &MmapArray<T>, shape: &[usize], file: &[u8], offset: u64) {
    assert_eq!(a.shape(), shape);
    let count = if shape.contains(&0) {
        0
    } else {
        shape
            .iter()
            .try_fold(1_usize, |n, &d| n.checked_mul(d))
            .expect("a mapped shape's element count fits in usize")
    };
    assert_eq!(a.len(), count);
    let bytes = count * T::DTYPE.size();
    let start = usize::try_from(offset).expect("an opened map's offset lies in the file");
    assert!(
        start + bytes <= file.len(),
        "map of {bytes} at {start} past {}",
        file.len()
    );
    assert_eq!(element_bytes(a.as_slice()), &file[start..start + bytes]);
    assert_eq!(a.view().len(), count);
}

macro_rules! open_raw_as {
    ($t:ty, $path:expr, $layout:expr, $mode:expr, $file:expr) => {
        match MmapArray::<$t>::open_raw($path, $layout, $mode) {
            Ok(a) => check_mapped(&a, &$layout.shape, $file, $layout.offset),
            Err(e) => assert!(!e.to_string().is_empty()),
        }
    };
}

/// Raw-file open (`np.memmap` semantics) with an arbitrary element type, shape, offset,
/// order and mode over arbitrary file bytes: either a typed error or a map whose elements
/// are exactly the file's bytes at the offset (nothing mapped past the end).
pub(crate) fn raw_open(data: &[u8]) {
    let mut input = Input::new(data);
    let dtype = DType::ALL[usize::from(input.u8()) % DType::ALL.len()];
    let flags = input.u8();
    let ndim = usize::from(flags & 3);
    // Mostly small extents and offsets, sometimes anything (overflow hunting).
    let mut shape = Vec::with_capacity(ndim);
    for _ in 0..ndim {
        let big = input.u8() & 7 == 0;
        shape.push(if big {
            usize::try_from(input.u64()).unwrap_or(usize::MAX)
        } else {
            usize::from(input.u8())
        });
    }
    let offset = if flags & 4 != 0 {
        input.u64()
    } else {
        u64::from(input.u8())
    };
    let mut layout = RawLayout::c_order(shape).with_offset(offset);
    layout.fortran_order = flags & 8 != 0;
    let mode = match (flags >> 4) & 3 {
        0 | 1 => Mode::ReadOnly,
        2 => Mode::CopyOnWrite,
        _ => Mode::ReadWrite,
    };
    let file = input.rest();
    let path = scratch_file("raw_open", file);
    macro_rules! go {
        ($t:ty) => {
            open_raw_as!($t, &path, &layout, mode, file)
        };
    }
    ooc_core::dispatch_dtype!(dtype, go);
    let _ = std::fs::remove_file(&path);
}

/// `.npy` open over arbitrary file bytes: [`ooc_mmap::inspect_npy`], then a map of the
/// type the header names (and of one other type, which must be refused), then the
/// converting read; a map holds exactly the bytes after the header.
pub(crate) fn npy_open(data: &[u8]) {
    let path = scratch_file("npy_open", data);
    match ooc_mmap::inspect_npy(&path) {
        Ok(header) => {
            let offset = NpyHeader::parse(data).map(|(_, o)| o as u64).ok();
            macro_rules! go {
                ($t:ty) => {{
                    match MmapArray::<$t>::open_npy(&path, Mode::ReadOnly) {
                        Ok(a) => {
                            let off = offset.expect("a mapped file has a header");
                            check_mapped(&a, &header.shape, data, off);
                            assert_eq!(a.fortran_order(), header.fortran_order);
                        }
                        Err(e) => assert!(!e.to_string().is_empty()),
                    }
                    match ooc_mmap::read_npy_converted::<$t>(&path) {
                        Ok(a) => assert_eq!(a.shape(), header.shape.as_slice()),
                        Err(e) => assert!(!e.to_string().is_empty()),
                    }
                }};
            }
            ooc_core::dispatch_dtype!(header.dtype, go);
            let other = if header.dtype == DType::F32 {
                DType::I32
            } else {
                DType::F32
            };
            macro_rules! wrong {
                ($t:ty) => {
                    assert!(MmapArray::<$t>::open_npy(&path, Mode::ReadOnly).is_err())
                };
            }
            ooc_core::dispatch_dtype!(other, wrong);
        }
        Err(e) => {
            assert!(!e.to_string().is_empty());
            assert!(MmapArray::<f64>::open_npy(&path, Mode::ReadOnly).is_err());
        }
    }
    let _ = std::fs::remove_file(&path);
}

/// An extent: mostly small, sometimes anything (to hunt overflows in `rows + 1` and
/// `rows × cols`).
fn extent(input: &mut Input<'_>) -> usize {
    if input.u8() & 15 == 0 {
        usize::try_from(input.u64()).unwrap_or(usize::MAX)
    } else {
        usize::from(input.u8() % 40)
    }
}

/// A compressed-row pointer: valid-looking (cumulative counts) or raw values.
fn pointer(input: &mut Input<'_>, len: usize, raw: bool) -> Vec<usize> {
    let len = len.min(64);
    let mut out = Vec::with_capacity(len);
    let mut total = 0_usize;
    for k in 0..len {
        if raw {
            out.push(usize::from(input.u16()));
        } else {
            if k > 0 {
                total += usize::from(input.u8() % 4);
            }
            out.push(total);
        }
    }
    out
}

fn indices(input: &mut Input<'_>, n: usize) -> Vec<usize> {
    (0..n.min(256)).map(|_| usize::from(input.u8())).collect()
}

fn values(input: &mut Input<'_>, n: usize) -> Vec<f64> {
    (0..n.min(1024))
        .map(|_| f64::from(input.u8()) - 100.0)
        .collect()
}

/// Checks a matrix that passed validation against a dense reference built from its parts
/// (`None` when the reference cannot be built, i.e. the shape is too large to expand):
/// dense form, entries, CSR conversion, transpose and SpMV (serial and parallel) must all
/// agree. Values are small integers, so every sum is exact.
fn check_sparse<M: SparseMatrix<f64>>(m: &M, shape: [usize; 2], reference: Option<Vec<f64>>) {
    assert_eq!(m.shape(), shape);
    let [rows, cols] = shape;
    let _ = m.nnz();
    // Conversions to CSR need a `rows + 1` pointer (transposes `cols + 1`, dense forms
    // `rows × cols`). Beyond what any machine holds they must be typed allocation errors,
    // refused before the allocator is asked (so no abort, and nothing for the fuzzer's
    // malloc limit to catch); in between, memory in proportion to the shape is the
    // formats' documented cost, so those sizes are not attempted here.
    if rows.max(cols) > 1 << 16 {
        const ABSURD: usize = 1 << 40;
        let refused = |r: ooc_sparse::Result<ooc_sparse::CsrMatrix<f64>>, what: &str| match r {
            Err(ooc_sparse::SparseError::Allocation { .. }) => {}
            other => panic!("{what} of a {rows} x {cols} matrix: {other:?}"),
        };
        if rows >= ABSURD {
            refused(m.try_to_csr(), "to_csr");
        } else if rows <= 1 << 16 {
            let csr = m
                .try_to_csr()
                .expect("a pointer of at most 2^16 + 1 entries");
            assert_eq!(csr.shape(), shape);
            if cols >= ABSURD {
                refused(csr.try_transpose(), "transpose");
            }
        }
        if rows.checked_mul(cols).is_none_or(|n| n >= ABSURD) {
            assert!(m.to_dense().is_err(), "dense form of {rows} x {cols}");
        }
        return;
    }
    let csr = m.to_csr();
    assert_eq!(csr.shape(), shape);
    let Some(reference) = reference else {
        return;
    };
    let dense = m.to_dense().expect("a small matrix has a dense form");
    assert_eq!(dense.shape(), [rows, cols]);
    for i in 0..rows {
        for j in 0..cols {
            assert_eq!(dense[[i, j]], reference[i * cols + j], "entry ({i}, {j})");
        }
    }
    assert_eq!(
        csr.to_dense().expect("small"),
        dense,
        "to_csr changed the matrix"
    );
    assert_eq!(
        csr.transpose().to_dense().expect("small"),
        dense.t(),
        "transpose"
    );
    let x: Vec<f64> = (0..cols).map(|j| (j % 7) as f64 - 3.0).collect();
    let expected: Vec<f64> = (0..rows)
        .map(|i| (0..cols).map(|j| reference[i * cols + j] * x[j]).sum())
        .collect();
    for par in [Par::Seq, Par::All] {
        let mut y = vec![f64::NAN; rows];
        m.spmv(&x, &mut y, par).expect("spmv with matching lengths");
        assert_eq!(y, expected, "spmv ({par:?})");
    }
    let mut short = vec![0.0; rows + 1];
    assert!(
        m.spmv(&x, &mut short, Par::Seq).is_err(),
        "spmv accepted a wrong y length"
    );
}

/// A dense reference of `rows × cols` (small shapes only) with `entries` added up.
fn dense_reference(
    rows: usize,
    cols: usize,
    entries: impl Iterator<Item = (usize, usize, f64)>,
) -> Option<Vec<f64>> {
    let n = rows.checked_mul(cols).filter(|&n| n <= 4096)?;
    let mut out = vec![0.0; n];
    for (i, j, v) in entries {
        assert!(
            i < rows && j < cols,
            "validated entry ({i}, {j}) outside {rows} x {cols}"
        );
        out[i * cols + j] += v;
    }
    Some(out)
}

/// Sparse structure validation: arbitrary `indptr`/`indices`/`data`/shape (and block
/// shape, diagonal offsets) through the validating constructors of CSR, CSC, COO, BSR and
/// DIA. Invalid parts must be a typed error; valid ones must give a matrix whose every
/// operation agrees with a dense reference (the SpMV kernels index without bounds checks,
/// trusting this validation, so a hole here is memory unsafety).
pub(crate) fn sparse_structure(data: &[u8]) {
    let mut input = Input::new(data);
    let format = input.u8();
    let raw = format & 0x80 != 0;
    let shape = [extent(&mut input), extent(&mut input)];
    let [rows, cols] = shape;
    match format % 5 {
        0 | 1 => {
            let csc = format % 5 == 1;
            let major = if csc { cols } else { rows };
            let ptr_len = if raw {
                usize::from(input.u8())
            } else {
                major.saturating_add(1)
            };
            let indptr = pointer(&mut input, ptr_len, raw);
            let nnz = indptr.last().copied().unwrap_or(0);
            let extra = usize::from(input.u8() % 2);
            let idx = indices(&mut input, nnz + extra);
            let vals = values(&mut input, idx.len());
            let parts = (indptr.clone(), idx.clone(), vals.clone());
            // Entries (major, minor, value) of parts that passed validation.
            let entries = || {
                let (p, i, v) = &parts;
                let mut out = Vec::new();
                for a in 0..p.len() - 1 {
                    for k in p[a]..p[a + 1] {
                        out.push((a, i[k], v[k]));
                    }
                }
                out
            };
            if csc {
                if let Ok(m) = CscMatrix::new(shape, indptr, idx, vals) {
                    let e = entries().into_iter().map(|(j, i, v)| (i, j, v));
                    check_sparse(&m, shape, dense_reference(rows, cols, e));
                }
            } else if let Ok(m) = CsrMatrix::new(shape, indptr, idx, vals) {
                check_sparse(
                    &m,
                    shape,
                    dense_reference(rows, cols, entries().into_iter()),
                );
            }
        }
        2 => {
            let n = usize::from(input.u8() % 64);
            let r = indices(&mut input, n);
            let extra = usize::from(input.u8() % 2);
            let c = indices(&mut input, n + extra);
            let v = values(&mut input, n);
            let entries: Vec<(usize, usize, f64)> = r
                .iter()
                .zip(&c)
                .zip(&v)
                .map(|((&i, &j), &x)| (i, j, x))
                .collect();
            if let Ok(m) = CooMatrix::new(shape, r, c, v) {
                check_sparse(&m, shape, dense_reference(rows, cols, entries.into_iter()));
            }
        }
        3 => {
            let block = [usize::from(input.u8() % 5), usize::from(input.u8() % 5)];
            let brows = rows.checked_div(block[0]).unwrap_or(0);
            let ptr_len = if raw {
                usize::from(input.u8())
            } else {
                brows.saturating_add(1)
            };
            let indptr = pointer(&mut input, ptr_len, raw);
            let nnz = indptr.last().copied().unwrap_or(0);
            let idx = indices(&mut input, nnz);
            let per = block[0] * block[1];
            let extra = usize::from(input.u8() % 2);
            let vals = values(&mut input, idx.len() * per + extra);
            let (p, i, v) = (indptr.clone(), idx.clone(), vals.clone());
            if let Ok(m) = BsrMatrix::new(shape, block, indptr, idx, vals) {
                let [r, c] = block;
                let mut entries = Vec::new();
                for b in 0..p.len() - 1 {
                    for k in p[b]..p[b + 1] {
                        for e in 0..per {
                            entries.push((b * r + e / c, i[k] * c + e % c, v[k * per + e]));
                        }
                    }
                }
                check_sparse(&m, shape, dense_reference(rows, cols, entries.into_iter()));
            }
        }
        _ => {
            let ndiag = usize::from(input.u8() % 8);
            let offsets: Vec<isize> = (0..ndiag)
                .map(|_| isize::from(input.u8() as i8) % 48)
                .collect();
            let width = usize::from(input.u8() % 48);
            let extra = usize::from(input.u8() % 2);
            let vals = values(&mut input, ndiag * width + extra);
            let mut entries = Vec::new();
            for (k, &off) in offsets.iter().enumerate() {
                for j in 0..width.min(cols) {
                    let i = j as isize - off;
                    if i >= 0
                        && (i as usize) < rows
                        && let Some(&v) = vals.get(k * width + j)
                    {
                        entries.push((i as usize, j, v));
                    }
                }
            }
            if let Ok(m) = DiaMatrix::new(shape, offsets, width, vals) {
                check_sparse(&m, shape, dense_reference(rows, cols, entries.into_iter()));
            }
        }
    }
}

/// The shuffle filter undone, as the HDF5 filter defines it: byte `j` of element `i` is
/// stored at `j * n + i`; a tail shorter than one element is stored as is.
fn unshuffle_reference(stored: &[u8], elem_size: usize) -> Vec<u8> {
    if elem_size <= 1 {
        return stored.to_vec();
    }
    let n = stored.len() / elem_size;
    let mut out = stored.to_vec();
    for i in 0..n {
        for j in 0..elem_size {
            out[i * elem_size + j] = stored[j * n + i];
        }
    }
    out
}

/// One of eight filter pipelines, chosen by the low bits of `selector`: none, each filter
/// alone, both orders, Fletcher-32 (unsupported), an unknown filter, a repeated shuffle.
fn pipeline_of(selector: u8) -> &'static [Filter] {
    match selector % 8 {
        0 => &[],
        1 => &[Filter::Shuffle],
        2 => &[Filter::Deflate(4)],
        3 => &[Filter::Shuffle, Filter::Deflate(6)],
        4 => &[Filter::Deflate(1), Filter::Shuffle],
        5 => &[Filter::Shuffle, Filter::Fletcher32, Filter::Deflate(9)],
        6 => &[Filter::Other(32_001)],
        _ => &[Filter::Shuffle, Filter::Shuffle, Filter::Deflate(4)],
    }
}

/// A per-chunk filter mask (any 32 bits when the selector's top bit is set, else one of
/// the low three) and an element size (mostly 1 to 16 bytes, sometimes any byte value),
/// drawn from `input` in that order.
fn mask_and_element_size(selector: u8, input: &mut Input<'_>) -> (u32, usize) {
    let mask = if selector & 0x80 != 0 {
        input.u32()
    } else {
        u32::from(input.u8() & 7)
    };
    let elem_size = match input.u8() % 8 {
        0 => 1,
        1 => 2,
        2 | 3 => 4,
        4 | 5 => 8,
        6 => 16,
        _ => usize::from(input.u8()),
    };
    (mask, elem_size)
}

/// HDF5 chunk decoding as the parallel read path does it (`ooc_hdf5::decode_chunk`):
/// arbitrary stored bytes, filter pipeline, per-chunk filter mask, element size and chunk
/// size. A typed error or exactly one chunk's bytes; when no deflate is in effect the
/// result must equal the reference unshuffle (or the stored bytes).
pub(crate) fn hdf5_chunk(data: &[u8]) {
    let mut input = Input::new(data);
    let selector = input.u8();
    let pipeline = pipeline_of(selector);
    let (mask, elem_size) = mask_and_element_size(selector, &mut input);
    let chunk_len = usize::from(input.u16());
    let stored = input.rest();
    let mut out = vec![0xa5_u8; chunk_len];
    let result = ooc_hdf5::decode_chunk(stored, pipeline, mask, elem_size, &mut out);
    let active: Vec<&Filter> = pipeline
        .iter()
        .enumerate()
        .filter(|&(i, _)| i >= 32 || mask & (1 << i) == 0)
        .map(|(_, f)| f)
        .collect();
    match result {
        Ok(()) => {
            if active.iter().all(|f| **f == Filter::Shuffle) {
                let mut expected = stored.to_vec();
                for _ in &active {
                    expected = unshuffle_reference(&expected, elem_size);
                }
                assert_eq!(
                    out, expected,
                    "shuffle-only decode differs from the reference"
                );
            }
        }
        Err(e) => {
            assert!(!e.to_string().is_empty());
            if active.is_empty() && stored.len() == chunk_len {
                panic!("stored bytes of the chunk's size were refused with no filter: {e}");
            }
        }
    }
}

/// One chunk index entry (file address, stored size, filter mask) read and decoded by the
/// parallel read path's own code (`ooc_hdf5::read_chunk`) from a file of arbitrary bytes,
/// with an arbitrary pipeline, element size, chunk shape and fill value. Addresses and
/// sizes are hostile half the time. A typed error or exactly one chunk: the fill value for
/// an unwritten chunk, the file's bytes when every filter is masked off, their reference
/// unshuffle when only shuffles are active; an entry that is plainly readable must read.
pub(crate) fn hdf5_chunk_index(data: &[u8]) {
    let mut input = Input::new(data);
    let selector = input.u8();
    let pipeline = pipeline_of(selector);
    let unwritten = selector & 0x08 != 0;
    let wrong_len = selector & 0x20 != 0;
    let hostile = selector & 0x40 != 0;
    let (mask, elem_size) = mask_and_element_size(selector, &mut input);
    let rank = 1 + usize::from(input.u8() % 3);
    let chunk: Vec<usize> = (0..rank).map(|_| usize::from(input.u8() % 17)).collect();
    let (addr, size) = if hostile {
        (input.u64(), input.u64())
    } else {
        (u64::from(input.u16()), u64::from(input.u16()))
    };
    let entry = ooc_hdf5::ChunkEntry {
        addr: if unwritten { u64::MAX } else { addr },
        size,
        mask,
    };
    // A hostile address may be the undefined one too.
    let unwritten = entry.addr == u64::MAX;
    // Short input may leave fewer bytes: the fill value's length is the element size.
    let fill = input.take(elem_size).to_vec();
    let elem_size = fill.len();
    let contents = input.rest();
    let path = scratch_file("hdf5_chunk_index", contents);
    let file = std::fs::File::open(&path).expect("scratch file opens");
    let valid = elem_size > 0 && !chunk.contains(&0);
    let chunk_bytes = elem_size * chunk.iter().product::<usize>();
    let mut out = vec![
        0xa5_u8;
        if wrong_len {
            chunk_bytes ^ 1
        } else {
            chunk_bytes
        }
    ];
    let result = ooc_hdf5::read_chunk(&file, entry, pipeline, &chunk, &fill, &mut out);
    let active: Vec<&Filter> = pipeline
        .iter()
        .enumerate()
        .filter(|&(i, _)| i >= 32 || mask & (1 << i) == 0)
        .map(|(_, f)| f)
        .collect();
    let shuffles_only = active.iter().all(|f| **f == Filter::Shuffle);
    // The stored bytes, when the entry lies inside the file.
    let stored = usize::try_from(entry.addr)
        .ok()
        .zip(usize::try_from(entry.size).ok())
        .and_then(|(a, n)| contents.get(a..a.checked_add(n)?));
    match result {
        Ok(()) => {
            assert!(valid && !wrong_len, "bad arguments accepted");
            assert_eq!(out.len(), chunk_bytes);
            if unwritten {
                assert!(
                    out.chunks_exact(elem_size).all(|el| el == fill),
                    "an unwritten chunk is not the fill value"
                );
            } else if shuffles_only {
                let stored = stored.expect("a chunk read from outside the file");
                assert_eq!(stored.len(), chunk_bytes, "stored size is not one chunk");
                let mut expected = stored.to_vec();
                for _ in &active {
                    expected = unshuffle_reference(&expected, elem_size);
                }
                assert_eq!(out, expected, "decoded chunk differs from the reference");
            } else {
                assert!(
                    active
                        .iter()
                        .all(|f| matches!(f, Filter::Shuffle | Filter::Deflate(_))),
                    "a filter that is not decoded here was accepted"
                );
            }
        }
        Err(e) => {
            assert!(!e.to_string().is_empty());
            let readable = stored.is_some_and(|s| s.len() == chunk_bytes);
            assert!(
                !(valid && !wrong_len && shuffles_only && (unwritten || readable)),
                "a plainly readable chunk was refused: {e}"
            );
        }
    }
}

/// Checks a loaded matrix against itself: shape and element type as `npz_info` said, and
/// (for float data and shapes small enough to expand) dense form, CSR form and SpMV agree.
fn check_loaded<T: Element>(m: &AnySparse<T>, info: &ooc_sparse::NpzInfo) {
    assert_eq!(m.shape(), info.shape);
    assert_eq!(T::DTYPE, info.dtype);
    let [rows, cols] = info.shape;
    if rows.max(cols) > 1 << 16 {
        return;
    }
    let csr = m.to_csr();
    assert_eq!(csr.shape(), info.shape);
    if rows.saturating_mul(cols) > 4096 || !matches!(T::DTYPE, DType::F32 | DType::F64) {
        return;
    }
    let dense = m.to_dense().expect("a small matrix has a dense form");
    assert_eq!(
        csr.to_dense().expect("small"),
        dense,
        "to_csr changed the matrix"
    );
    let x: Vec<T> = (0..cols).map(|j| T::from_f64((j % 5) as f64)).collect();
    let mut y = vec![T::default(); rows];
    m.spmv(&x, &mut y, Par::Seq)
        .expect("spmv with matching lengths");
    for (i, &yi) in y.iter().enumerate() {
        let want: f64 = (0..cols)
            .map(|j| dense[[i, j]].to_f64() * x[j].to_f64())
            .sum();
        let got = yi.to_f64();
        // Sums of the same terms in another order: equal up to rounding, or both not finite.
        let scale: f64 = (0..cols)
            .map(|j| (dense[[i, j]].to_f64() * x[j].to_f64()).abs())
            .sum();
        assert!(
            !want.is_finite() || (got - want).abs() <= 1e-3 * scale.max(1e-30),
            "spmv row {i}: {got} vs {want}"
        );
    }
}

/// The scipy `.npz` sparse reader (`ooc_sparse::npz_info`, `ooc_sparse::load_npz`) over
/// arbitrary archive bytes: a typed error, or a matrix whose structure validated and whose
/// forms agree. Loading as the wrong element type must be refused.
pub(crate) fn npz(data: &[u8]) {
    let path = scratch_file("npz", data);
    match ooc_sparse::npz_info(&path) {
        Ok(info) => {
            macro_rules! go {
                ($t:ty) => {
                    match ooc_sparse::load_npz::<$t>(&path) {
                        Ok(m) => check_loaded(&m, &info),
                        Err(e) => assert!(!e.to_string().is_empty()),
                    }
                };
            }
            ooc_core::dispatch_dtype!(info.dtype, go);
            // Loading an archive costs a file open and a zip parse: the wrong-type check
            // runs for one input in eight, chosen by the input itself.
            if !data.len().is_multiple_of(8) {
                let _ = std::fs::remove_file(&path);
                return;
            }
            let other = if info.dtype == DType::F64 {
                DType::I64
            } else {
                DType::F64
            };
            macro_rules! wrong {
                ($t:ty) => {
                    assert!(ooc_sparse::load_npz::<$t>(&path).is_err())
                };
            }
            ooc_core::dispatch_dtype!(other, wrong);
        }
        Err(e) => {
            assert!(!e.to_string().is_empty());
            assert!(ooc_sparse::load_npz::<f64>(&path).is_err());
        }
    }
    let _ = std::fs::remove_file(&path);
}

/// The command line's SOURCE, DEST, `--shape`, `--chunks` and `--dtype` syntax
/// (`ooc::source`): the first byte says which of the text's `FILE:/` prefixes are files
/// (bit k: the k-th `:/` from the left, k < 6) and whether the whole text exists (bit 6: a
/// file, bit 7: a directory); the rest is the text. A SOURCE splits where a reference
/// reading of the rule says and prints back to the text; every other argument parses to a
/// value that prints and parses back to itself, or to the error naming the text.
pub(crate) fn cli_source(data: &[u8]) {
    use ooc::source::{
        ArgError, Chunks, DestSpec, PathKind, SourceSpec, dtype_text, parse_dtype, parse_shape,
    };

    let mut input = Input::new(data);
    let mask = input.u8();
    let text = String::from_utf8_lossy(input.rest()).into_owned();
    let splits: Vec<usize> = text.match_indices(":/").map(|(i, _)| i).collect();
    let files: Vec<&str> = splits
        .iter()
        .take(6)
        .enumerate()
        .filter(|&(k, _)| mask & (1 << k) != 0)
        .map(|(_, &i)| &text[..i])
        .collect();
    let whole = match mask >> 6 {
        0 => PathKind::Missing,
        1 => PathKind::File,
        _ => PathKind::Other,
    };
    let probe = |p: &Path| {
        let p = p
            .to_str()
            .expect("the parser only asks about parts of the text");
        if p == text {
            whole
        } else if files.contains(&p) {
            PathKind::File
        } else {
            PathKind::Missing
        }
    };

    // SOURCE: the whole text when it exists; else the longest file prefix; else the first
    // `:/` after the first character; else the whole text.
    let spec = SourceSpec::parse_with(&text, probe);
    let want = if whole != PathKind::Missing {
        None
    } else {
        splits
            .iter()
            .copied()
            .filter(|&i| i > 0 && files.contains(&&text[..i]))
            .max()
            .or_else(|| splits.first().copied().filter(|&i| i > 0))
    };
    match want {
        Some(i) => {
            assert_eq!(spec.file, Path::new(&text[..i]), "{text:?}");
            assert_eq!(spec.inner.as_deref(), Some(&text[i + 1..]), "{text:?}");
        }
        None => {
            assert_eq!(spec.file, Path::new(&text), "{text:?}");
            assert_eq!(spec.inner, None, "{text:?}");
        }
    }
    assert_eq!(spec.to_string(), text);
    assert_eq!(SourceSpec::parse_with(&spec.to_string(), probe), spec);

    // DEST.
    match DestSpec::parse(&text) {
        Ok(dest) => {
            assert_eq!(dest.to_string(), text);
            assert_eq!(DestSpec::parse(&dest.to_string()).as_ref(), Ok(&dest));
            if let DestSpec::Hdf5 { file, inner } = &dest {
                assert!(!file.as_os_str().is_empty() && inner.starts_with('/'));
            }
        }
        Err(e) => {
            assert!(matches!(
                e,
                ArgError::DestWithoutDataset(_) | ArgError::UnknownDestFormat(_)
            ));
            assert!(e.to_string().starts_with(&format!("{text}: ")), "{e}");
        }
    }

    // --shape and --chunks.
    let shape = parse_shape(&text);
    match &shape {
        Ok(s) => {
            assert!(!s.0.is_empty());
            assert_eq!(parse_shape(&s.to_string()).as_ref(), Ok(s));
        }
        Err(e) => {
            assert_eq!(e, &ArgError::InvalidShape(text.clone()));
            assert!(e.to_string().contains(&format!("{text:?}")), "{e}");
        }
    }
    match text.parse::<Chunks>() {
        Ok(c) => {
            assert_eq!(c.to_string().parse::<Chunks>().as_ref(), Ok(&c));
            match &c {
                Chunks::Auto => assert_eq!(text, "auto"),
                Chunks::Shape(s) => assert_eq!(shape.as_ref().map(|x| &x.0), Ok(s)),
            }
        }
        Err(e) => {
            assert!(shape.is_err() && text != "auto");
            assert_eq!(e, ArgError::InvalidChunks(text.clone()));
        }
    }

    // --dtype.
    match parse_dtype(&text) {
        Ok((dtype, order)) => {
            assert_eq!(parse_dtype(&dtype_text(dtype, order)), Ok((dtype, order)));
        }
        Err(e) => {
            assert_eq!(e, ArgError::UnknownDType(text.clone()));
            assert!(e.to_string().contains(&format!("{text:?}")), "{e}");
        }
    }
}
