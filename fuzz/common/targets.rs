//! The bodies of ooc's fuzz targets, shared by the libFuzzer harnesses in
//! `fuzz/fuzz_targets/` (nightly, `cargo xtask fuzz`) and the corpus replay in
//! `tests/fuzz_corpus.rs` (stable, `cargo xtask test`), so every input a campaign kept or
//! a crash produced is re-run as an ordinary test.
//!
//! Each body takes arbitrary bytes. Bad input must come back as a typed error; a panic,
//! an abort, a sanitizer report or a huge allocation is a bug. When a parse succeeds the
//! body also checks what success promises (round trips, lengths inside the input), so the
//! fuzzer hunts wrong answers as well as crashes.

use std::path::PathBuf;

use ooc_core::npy::NpyHeader;
use ooc_core::{DType, Element, MemoryBudget};
use ooc_mmap::{MmapArray, Mode, RawLayout};

/// A target's body: it gets the fuzzer's bytes and panics only on a bug.
pub(crate) type Body = fn(&[u8]);

/// Every target: its name (the file name under `fuzz_targets/`, `corpus/` and
/// `regressions/`) and its body.
pub(crate) const TARGETS: &[(&str, Body)] = &[
    ("npy_header", npy_header),
    ("size_parse", size_parse),
    ("raw_open", raw_open),
    ("npy_open", npy_open),
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
