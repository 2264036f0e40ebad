//! Every kind of bad input returns a typed error naming the values: wrong file lengths,
//! hostile headers, overflowing shapes, misaligned offsets, unsupported descriptors,
//! directories and missing files, writes through read-only maps, wrong element types,
//! the other byte order, and a full disk at creation.

use std::path::{Path, PathBuf};

use ooc_core::npy::NpyHeader;
use ooc_core::{ByteOrder, DType, Region, WriteBlock};
use ooc_mmap::{Access, MmapArray, MmapError, Mode, RawLayout, inspect_npy, read_npy_converted};
use proptest::prelude::*;

/// A `.npy` preamble and header dict (version 1.0 or 2.0), padded so the data starts at
/// `data_at` (which must leave room for the dict and a newline).
fn npy_prefix(dict: &str, version: u8, data_at: usize) -> Vec<u8> {
    let len_size = if version == 1 { 2 } else { 4 };
    let header_len = data_at - 8 - len_size;
    let mut out = b"\x93NUMPY".to_vec();
    out.extend_from_slice(&[version, 0]);
    if version == 1 {
        out.extend_from_slice(&u16::try_from(header_len).unwrap().to_le_bytes());
    } else {
        out.extend_from_slice(&u32::try_from(header_len).unwrap().to_le_bytes());
    }
    out.extend_from_slice(dict.as_bytes());
    out.resize(data_at - 1, b' ');
    out.push(b'\n');
    out
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

fn valid_npy(h: &NpyHeader, fill: u8) -> Vec<u8> {
    let mut bytes = h.to_bytes().unwrap();
    let data = h.data_bytes().unwrap();
    bytes.resize(bytes.len() + data, fill);
    bytes
}

fn f32_header(shape: Vec<usize>) -> NpyHeader {
    NpyHeader {
        dtype: DType::F32,
        order: ByteOrder::NATIVE,
        fortran_order: false,
        shape,
    }
}

#[test]
fn npy_shorter_than_its_header_says() {
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = valid_npy(&f32_header(vec![3, 4]), 0);
    let full = bytes.len();
    bytes.truncate(full - 5);
    let path = write(dir.path(), "short.npy", &bytes);
    for mode in [Mode::ReadOnly, Mode::ReadWrite, Mode::CopyOnWrite] {
        let err = MmapArray::<f32>::open_npy(&path, mode).unwrap_err();
        assert!(
            matches!(err, MmapError::FileTooShort { needed, actual, .. }
                if needed == full as u64 && actual == (full - 5) as u64),
            "{err}"
        );
        let msg = err.to_string();
        assert!(
            msg.contains(&full.to_string()) && msg.contains(&(full - 5).to_string()),
            "{msg}"
        );
    }
    let err = read_npy_converted::<f32>(&path).unwrap_err();
    assert!(matches!(err, MmapError::FileTooShort { .. }), "{err}");
}

#[test]
fn npy_longer_than_its_header_says() {
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = valid_npy(&f32_header(vec![2, 2]), 0);
    let full = bytes.len();
    bytes.extend_from_slice(&[1, 2, 3]);
    let path = write(dir.path(), "long.npy", &bytes);
    let err = MmapArray::<f32>::open_npy(&path, Mode::ReadOnly).unwrap_err();
    assert!(
        matches!(err, MmapError::FileTooLong { expected, actual, .. }
            if expected == full as u64 && actual == full as u64 + 3),
        "{err}"
    );
    assert!(read_npy_converted::<f32>(&path).is_err());
}

#[test]
fn raw_file_too_short_names_both_sizes_but_longer_is_fine() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "raw.bin", &[0_u8; 100]);
    let layout = RawLayout::c_order(vec![5, 5]).with_offset(4);
    let err = MmapArray::<f32>::open_raw(&path, &layout, Mode::ReadOnly).unwrap_err();
    assert!(
        matches!(
            err,
            MmapError::FileTooShort {
                needed: 104,
                actual: 100,
                ..
            }
        ),
        "{err}"
    );
    assert!(err.to_string().contains("104") && err.to_string().contains("100"));
    let shorter = RawLayout::c_order(vec![4, 5]).with_offset(8);
    let a = MmapArray::<f32>::open_raw(&path, &shorter, Mode::ReadOnly).unwrap();
    assert_eq!(a.shape(), &[4, 5]);
}

#[test]
fn a_huge_shape_in_a_tiny_file_allocates_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let dict = "{'descr': '<f8', 'fortran_order': False, 'shape': (1000000000000,), }";
    let path = write(dir.path(), "huge.npy", &npy_prefix(dict, 1, 128));
    let err = read_npy_converted::<f64>(&path).unwrap_err();
    assert!(
        matches!(err, MmapError::FileTooShort { needed, .. } if needed == 128 + 8_000_000_000_000),
        "{err}"
    );
    assert!(MmapArray::<f64>::open_npy(&path, Mode::ReadOnly).is_err());
}

#[test]
fn header_length_field_beyond_the_limit() {
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = b"\x93NUMPY\x02\x00".to_vec();
    bytes.extend_from_slice(&u32::MAX.to_le_bytes());
    bytes.extend_from_slice(&[b' '; 64]);
    let path = write(dir.path(), "long_header.npy", &bytes);
    let err = inspect_npy(&path).unwrap_err();
    assert!(err.to_string().contains(&u32::MAX.to_string()), "{err}");
    // A length within the limit but past the end of the file.
    let mut bytes = b"\x93NUMPY\x01\x00".to_vec();
    bytes.extend_from_slice(&5000_u16.to_le_bytes());
    bytes.extend_from_slice(b"{'descr': '<f4'");
    let path = write(dir.path(), "cut_header.npy", &bytes);
    let err = MmapArray::<f32>::open_npy(&path, Mode::ReadOnly).unwrap_err();
    assert!(
        err.to_string().contains("5010") && err.to_string().contains(&bytes.len().to_string()),
        "{err}"
    );
    let path = write(dir.path(), "empty.npy", &[]);
    assert!(matches!(inspect_npy(&path), Err(MmapError::Npy { .. })));
    let path = write(dir.path(), "not.npy", b"PK\x03\x04 this is a zip");
    let err = inspect_npy(&path).unwrap_err();
    assert!(err.to_string().contains("magic"), "{err}");
}

#[test]
fn shape_products_that_overflow() {
    let dir = tempfile::tempdir().unwrap();
    let dict = "{'descr': '<f8', 'fortran_order': False, 'shape': (4294967296, 4294967296, 16), }";
    let path = write(dir.path(), "overflow.npy", &npy_prefix(dict, 1, 128));
    let err = MmapArray::<f64>::open_npy(&path, Mode::ReadOnly).unwrap_err();
    assert!(err.to_string().contains("4294967296"), "{err}");

    let path = write(dir.path(), "raw.bin", &[0; 64]);
    let layout = RawLayout::c_order(vec![usize::MAX / 2, 3]);
    let err = MmapArray::<u8>::open_raw(&path, &layout, Mode::ReadOnly).unwrap_err();
    assert!(
        matches!(err, MmapError::Core(ooc_core::Error::ShapeOverflow { .. })),
        "{err}"
    );
    let near = RawLayout::c_order(vec![8]).with_offset(u64::MAX - 4);
    let err = MmapArray::<u8>::open_raw(&path, &near, Mode::ReadOnly).unwrap_err();
    assert!(matches!(err, MmapError::OffsetOverflow { .. }), "{err}");

    let created = dir.path().join("never.npy");
    let err = MmapArray::<f32>::create_npy(&created, &[usize::MAX, 2], false).unwrap_err();
    assert!(err.to_string().contains(&usize::MAX.to_string()), "{err}");
    assert!(!created.exists(), "no file is left for a failed create");
    let err = MmapArray::<f32>::create_raw(&created, &RawLayout::c_order(vec![usize::MAX, 2]))
        .unwrap_err();
    assert!(matches!(err, MmapError::Core(_)), "{err}");
    assert!(!created.exists());
}

#[test]
fn misaligned_offsets_for_the_element_type() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "raw.bin", &[0; 256]);
    for (offset, ok) in [(4_u64, false), (8, true), (1, false), (0, true)] {
        let layout = RawLayout::c_order(vec![4]).with_offset(offset);
        let got = MmapArray::<f64>::open_raw(&path, &layout, Mode::ReadOnly);
        if ok {
            assert!(got.is_ok(), "offset {offset}");
        } else {
            let err = got.unwrap_err();
            assert!(
                matches!(err, MmapError::Misaligned { offset: o, align: 8, dtype: DType::F64 } if o == offset),
                "{err}"
            );
            assert!(err.to_string().contains(&offset.to_string()));
        }
    }
    // u8 has no alignment requirement.
    let layout = RawLayout::c_order(vec![4]).with_offset(3);
    assert!(MmapArray::<u8>::open_raw(&path, &layout, Mode::ReadOnly).is_ok());
    let created = dir.path().join("c.bin");
    let err = MmapArray::<i32>::create_raw(&created, &RawLayout::c_order(vec![2]).with_offset(6))
        .unwrap_err();
    assert!(
        matches!(err, MmapError::Misaligned { offset: 6, .. }),
        "{err}"
    );
    assert!(!created.exists());

    // A .npy whose (hand-made) header puts the data at byte 70.
    let dict = "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }";
    let mut bytes = npy_prefix(dict, 1, 70);
    bytes.extend_from_slice(&[0; 16]);
    let path = write(dir.path(), "odd.npy", &bytes);
    let err = MmapArray::<f64>::open_npy(&path, Mode::ReadOnly).unwrap_err();
    assert!(
        matches!(err, MmapError::Misaligned { offset: 70, .. }),
        "{err}"
    );
    // The converting read does not need alignment.
    assert_eq!(read_npy_converted::<f64>(&path).unwrap().len(), 2);
}

#[test]
fn unsupported_descriptors_are_named() {
    let dir = tempfile::tempdir().unwrap();
    for descr in ["|O", "<U4", "|S5", "|b1", "<f2", "<V8", "<M8[ns]"] {
        let dict = format!("{{'descr': '{descr}', 'fortran_order': False, 'shape': (1,), }}");
        let path = write(dir.path(), "u.npy", &npy_prefix(&dict, 1, 128));
        let err = MmapArray::<f32>::open_npy(&path, Mode::ReadOnly).unwrap_err();
        assert!(matches!(err, MmapError::Npy { .. }), "{descr}: {err}");
        assert!(err.to_string().contains(descr), "{descr}: {err}");
    }
    let dict = "{'descr': [('a', '<f4'), ('b', '<i4')], 'fortran_order': False, 'shape': (1,), }";
    let path = write(dir.path(), "s.npy", &npy_prefix(dict, 1, 128));
    let err = inspect_npy(&path).unwrap_err();
    assert!(err.to_string().contains("structured"), "{err}");
}

#[test]
fn directories_and_missing_files() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    for mode in [Mode::ReadOnly, Mode::ReadWrite, Mode::CopyOnWrite] {
        let err = MmapArray::<f32>::open_npy(d, mode).unwrap_err();
        assert!(
            matches!(&err, MmapError::NotAFile { path } if path == d),
            "{err}"
        );
        let err = MmapArray::<f32>::open_raw(d, &RawLayout::c_order(vec![1]), mode).unwrap_err();
        assert!(matches!(err, MmapError::NotAFile { .. }), "{err}");
    }
    assert!(matches!(inspect_npy(d), Err(MmapError::NotAFile { .. })));
    assert!(matches!(
        read_npy_converted::<f32>(d),
        Err(MmapError::NotAFile { .. })
    ));
    let err = MmapArray::<f32>::create_npy(d, &[2], false).unwrap_err();
    assert!(matches!(err, MmapError::NotAFile { .. }), "{err}");
    assert!(d.is_dir());

    let missing = d.join("missing.npy");
    let err = MmapArray::<f32>::open_npy(&missing, Mode::ReadOnly).unwrap_err();
    match &err {
        MmapError::Io { path, source, .. } => {
            assert_eq!(path, &missing);
            assert_eq!(source.kind(), std::io::ErrorKind::NotFound);
        }
        other => panic!("expected an I/O error, got {other}"),
    }
    assert!(err.to_string().contains("missing.npy"));
    let err = MmapArray::<f32>::create_npy(d.join("no/such/dir.npy"), &[2], false).unwrap_err();
    assert!(matches!(err, MmapError::Io { .. }), "{err}");
}

#[test]
fn writing_through_a_read_only_map() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.npy");
    let mut a = MmapArray::<i32>::create_npy(&path, &[2, 3], false).unwrap();
    a.as_slice_mut()
        .unwrap()
        .copy_from_slice(&[1, 2, 3, 4, 5, 6]);
    drop(a);
    let before = std::fs::read(&path).unwrap();
    let mut r = MmapArray::<i32>::open_npy(&path, Mode::ReadOnly).unwrap();
    assert!(matches!(r.view_mut(), Err(MmapError::ReadOnly { .. })));
    assert!(matches!(r.as_slice_mut(), Err(MmapError::ReadOnly { .. })));
    let err = r.row_mut(0).unwrap_err();
    assert!(err.to_string().contains("a.npy"), "{err}");
    let err = r
        .write_region(&Region::rows(0, 1, 3), &[9, 9, 9])
        .unwrap_err();
    assert!(matches!(err, ooc_core::Error::ReadOnly(_)), "{err}");
    drop(r);
    assert_eq!(
        std::fs::read(&path).unwrap(),
        before,
        "the file is unchanged"
    );

    // Zero-length read-only maps refuse writes too.
    let empty = dir.path().join("e.npy");
    MmapArray::<i32>::create_npy(&empty, &[0, 4], false).unwrap();
    let mut e = MmapArray::<i32>::open_npy(&empty, Mode::ReadOnly).unwrap();
    assert!(e.as_slice_mut().is_err());
    assert!(e.write_region(&Region::rows(0, 0, 4), &[]).is_err());
}

#[test]
fn opening_as_the_wrong_element_type_names_both() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.npy");
    MmapArray::<f64>::create_npy(&path, &[4], false).unwrap();
    let err = MmapArray::<f32>::open_npy(&path, Mode::ReadOnly).unwrap_err();
    assert!(
        matches!(
            err,
            MmapError::DTypeMismatch {
                stored: DType::F64,
                requested: DType::F32,
                ..
            }
        ),
        "{err}"
    );
    let msg = err.to_string();
    assert!(msg.contains("f64") && msg.contains("f32"), "{msg}");
    let core: ooc_core::Error = err.into();
    assert!(matches!(
        core,
        ooc_core::Error::DTypeMismatch {
            stored: DType::F64,
            requested: DType::F32
        }
    ));
    let err = read_npy_converted::<i64>(&path).unwrap_err();
    assert!(
        matches!(
            err,
            MmapError::DTypeMismatch {
                requested: DType::I64,
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn the_other_byte_order_is_refused_for_mapping() {
    let dir = tempfile::tempdir().unwrap();
    let other = match ByteOrder::NATIVE {
        ByteOrder::Little => ByteOrder::Big,
        ByteOrder::Big => ByteOrder::Little,
    };
    let h = NpyHeader {
        dtype: DType::U32,
        order: other,
        fortran_order: false,
        shape: vec![3],
    };
    let mut bytes = h.to_bytes().unwrap();
    for v in [1_u32, 2, 0x0102_0304] {
        bytes.extend_from_slice(&v.swap_bytes().to_ne_bytes());
    }
    let path = write(dir.path(), "swapped.npy", &bytes);
    let err = MmapArray::<u32>::open_npy(&path, Mode::ReadOnly).unwrap_err();
    let descr = DType::U32.numpy_descr(other);
    assert!(
        matches!(&err, MmapError::NonNativeByteOrder { descr: d, .. } if *d == descr),
        "{err}"
    );
    assert!(err.to_string().contains(&descr));
    let converted = read_npy_converted::<u32>(&path).unwrap();
    assert_eq!(converted.as_slice().unwrap(), &[1, 2, 0x0102_0304]);

    // Single bytes have no byte order: '>u1' and '<i1' map fine.
    for descr in [">u1", "<i1"] {
        let dict = format!("{{'descr': '{descr}', 'fortran_order': False, 'shape': (3,), }}");
        let mut bytes = npy_prefix(&dict, 1, 128);
        bytes.extend_from_slice(&[1, 2, 3]);
        let path = write(dir.path(), "bytes.npy", &bytes);
        if descr.ends_with("u1") {
            let a = MmapArray::<u8>::open_npy(&path, Mode::ReadOnly).unwrap();
            assert_eq!(a.as_slice(), &[1, 2, 3]);
        } else {
            let a = MmapArray::<i8>::open_npy(&path, Mode::ReadOnly).unwrap();
            assert_eq!(a.as_slice(), &[1, 2, 3]);
        }
    }
}

#[test]
fn misused_modes_rows_and_advice() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.npy");
    MmapArray::<u8>::create_npy(&path, &[2, 3, 4], false).unwrap();
    let err = MmapArray::<u8>::open_npy(&path, Mode::Create).unwrap_err();
    assert!(
        matches!(err, MmapError::InvalidMode { mode: "w+", .. }),
        "{err}"
    );
    let a = MmapArray::<u8>::open_npy(&path, Mode::CopyOnWrite).unwrap();
    let err = a.row(0).unwrap_err();
    assert!(
        matches!(&err, MmapError::NotRowMajor2D { shape, .. } if shape == &[2, 3, 4]),
        "{err}"
    );
    let err = a.advise(Access::DontNeed).unwrap_err();
    assert!(matches!(err, MmapError::AdviceRefused { .. }), "{err}");
    let path = dir.path().join("f.npy");
    let f = MmapArray::<u8>::create_npy(&path, &[3, 2], true).unwrap();
    assert!(matches!(
        f.row(0),
        Err(MmapError::NotRowMajor2D {
            fortran_order: true,
            ..
        })
    ));
    let path = dir.path().join("c.npy");
    let c = MmapArray::<u8>::create_npy(&path, &[3, 2], false).unwrap();
    assert!(matches!(
        c.row(3),
        Err(MmapError::RowOutOfRange { row: 3, rows: 3 })
    ));
}

/// A file-size limit stands in for a full disk: creating a file larger than the limit
/// must be an error at creation, leaving no file. Runs in a child process, since the
/// limit and the ignored `SIGXFSZ` apply to the whole process.
#[test]
fn creating_beyond_the_available_space_fails_at_creation() {
    const CHILD: &str = "OOC_MMAP_FSIZE_CHILD";
    if let Some(dir) = std::env::var_os(CHILD) {
        let dir = PathBuf::from(dir);
        // SAFETY: plain system calls on this child process's own limits and signal table.
        unsafe {
            libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
            let lim = libc::rlimit {
                rlim_cur: 1 << 20,
                rlim_max: 1 << 20,
            };
            assert_eq!(libc::setrlimit(libc::RLIMIT_FSIZE, &lim), 0);
        }
        let path = dir.join("big.npy");
        let err = MmapArray::<f32>::create_npy(&path, &[1024, 1024], false).unwrap_err();
        assert!(
            matches!(err, MmapError::NoSpace { bytes, .. } if bytes > 4 << 20),
            "{err}"
        );
        assert!(!path.exists(), "no partial file under the real name");
        let small = MmapArray::<f32>::create_npy(dir.join("small.npy"), &[16, 16], false);
        assert!(small.is_ok());
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "creating_beyond_the_available_space_fails_at_creation",
            "--nocapture",
        ])
        .env(CHILD, dir.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.contains("1 passed"),
        "child failed: {stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn check_hostile(path: &Path) -> Result<(), TestCaseError> {
    let len = std::fs::metadata(path).unwrap().len();
    if let Ok(h) = inspect_npy(path) {
        prop_assert!(h.data_bytes().is_ok());
    }
    if let Ok(a) = MmapArray::<f32>::open_npy(path, Mode::ReadOnly) {
        prop_assert!(a.data_offset() + a.byte_len() as u64 == len);
        let _ = a.view().sum();
    }
    if let Ok(a) = read_npy_converted::<u8>(path) {
        prop_assert!(a.len() as u64 <= len);
    }
    Ok(())
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
        let dir = tempfile::tempdir().unwrap();
        check_hostile(&write(dir.path(), "x.npy", &bytes))?;
        let mut magic = b"\x93NUMPY\x01\x00".to_vec();
        magic.extend_from_slice(&bytes);
        check_hostile(&write(dir.path(), "y.npy", &magic))?;
    }

    #[test]
    fn mutated_valid_files_never_panic(
        shape in prop::collection::vec(0_usize..6, 0..3),
        pos in 0_usize..200,
        byte in any::<u8>(),
        cut in 0_usize..40,
    ) {
        let dir = tempfile::tempdir().unwrap();
        let mut bytes = valid_npy(&f32_header(shape), 7);
        let i = pos % bytes.len();
        bytes[i] = byte;
        check_hostile(&write(dir.path(), "m.npy", &bytes))?;
        bytes.truncate(bytes.len().saturating_sub(cut));
        check_hostile(&write(dir.path(), "t.npy", &bytes))?;
    }
}
