//! Every bad input of the library path returns a typed error naming what was wrong, and a
//! failed write leaves the other datasets of the file intact.

mod common;

use common::tmp;
use ooc_core::Region;
use ooc_hdf5::{Error, File};

#[test]
fn missing_file_is_an_io_error_naming_it() {
    let dir = tmp();
    let p = dir.path().join("nope.h5");
    let err = File::open(&p).unwrap_err();
    assert!(matches!(err, Error::Io { .. }), "{err:?}");
    assert!(err.to_string().contains("nope.h5"), "{err}");
    assert!(File::open_rw(&p).is_err());
}

#[test]
fn empty_and_foreign_files_are_not_hdf5() {
    let dir = tmp();
    let empty = dir.path().join("empty.h5");
    std::fs::write(&empty, b"").unwrap();
    let err = File::open(&empty).unwrap_err();
    assert!(matches!(err, Error::NotHdf5 { .. }), "{err:?}");
    assert!(err.to_string().contains("empty"), "{err}");
    let text = dir.path().join("text.h5");
    std::fs::write(&text, vec![b'x'; 4096]).unwrap();
    let err = File::open(&text).unwrap_err();
    assert!(matches!(err, Error::NotHdf5 { .. }), "{err:?}");
    // Append mode must not overwrite a foreign file either.
    assert!(matches!(File::append(&text), Err(Error::NotHdf5 { .. })));
    assert_eq!(std::fs::read(&text).unwrap(), vec![b'x'; 4096]);
    let err = File::open(dir.path()).unwrap_err();
    assert!(matches!(err, Error::NotHdf5 { .. }), "{err:?}");
}

#[test]
fn truncated_file_keeps_the_library_message() {
    let dir = tmp();
    let p = dir.path().join("t.h5");
    {
        let f = File::create(&p).unwrap();
        let mut ds = f.new_dataset::<f64>("x").shape([1000]).create().unwrap();
        ds.write_all(&vec![1.0; 1000]).unwrap();
    }
    let bytes = std::fs::read(&p).unwrap();
    std::fs::write(&p, &bytes[..bytes.len() / 2]).unwrap();
    let err = File::open(&p).unwrap_err();
    match &err {
        Error::Library { context, message } => {
            assert!(context.contains("t.h5"), "{err}");
            assert!(message.to_lowercase().contains("truncated"), "{err}");
        }
        other => panic!("expected a library error, got {other:?}"),
    }
}

#[test]
fn missing_paths_and_wrong_kinds() {
    let dir = tmp();
    let f = File::create(dir.path().join("k.h5")).unwrap();
    f.create_group_all("/g/sub").unwrap();
    f.new_dataset::<i32>("/g/d").shape([3]).create().unwrap();
    for missing in ["/nope", "/g/nope", "/nope/deeper/still", "g/sub/x"] {
        let err = f.dataset(missing).unwrap_err();
        assert!(matches!(err, Error::NotFound { .. }), "{missing}: {err:?}");
        assert!(
            err.to_string().contains(missing.trim_start_matches('/')),
            "{err}"
        );
    }
    let err = f.dataset("/g/sub").unwrap_err();
    assert!(
        matches!(
            &err,
            Error::WrongKind {
                expected: "dataset",
                found: "group",
                ..
            }
        ),
        "{err:?}"
    );
    let err = f.group("/g/d").unwrap_err();
    assert!(
        matches!(
            err,
            Error::WrongKind {
                expected: "group",
                ..
            }
        ),
        "{err:?}"
    );
    for bad in ["", "a//b", "/a/../b", "./a"] {
        assert!(
            matches!(f.dataset(bad), Err(Error::InvalidPath(_))),
            "{bad:?}"
        );
    }
    assert!(matches!(
        f.new_dataset::<i32>("/missing/parent").shape([1]).create(),
        Err(Error::MissingParent { parent, .. }) if parent == "/missing"
    ));
    assert!(matches!(
        f.new_dataset::<i32>("/g/d").shape([1]).create(),
        Err(Error::Library { .. })
    ));
}

#[test]
fn wrong_element_type_names_both() {
    let dir = tmp();
    let f = File::create(dir.path().join("w.h5")).unwrap();
    let mut ds = f.new_dataset::<f32>("x").shape([4]).create().unwrap();
    let mut out = [0_i64; 4];
    let err = ds.read_all(&mut out).unwrap_err();
    let text = err.to_string();
    assert!(text.contains("f32") && text.contains("i64"), "{text}");
    assert!(ds.write_all(&[1_u8; 4]).is_err());
    let core: ooc_core::Error = err.into();
    assert!(matches!(core, ooc_core::Error::DTypeMismatch { .. }));
}

#[test]
fn hyperslabs_out_of_bounds() {
    let dir = tmp();
    let f = File::create(dir.path().join("o.h5")).unwrap();
    let ds = f.new_dataset::<u16>("x").shape([5, 6]).create().unwrap();
    let mut buf = [0_u16; 4];
    for region in [
        Region::block(4, 0, 2, 2),
        Region::block(0, 5, 2, 2),
        Region::block(usize::MAX, 0, 2, 2),
    ] {
        let err = ds.read_region(&region, &mut buf).unwrap_err();
        assert!(
            matches!(err, Error::Core(ooc_core::Error::OutOfBounds { .. })),
            "{err:?}"
        );
        assert!(err.to_string().contains("[5, 6]"), "{err}");
    }
    let err = ds
        .read_region(&Region::new(vec![0], vec![4]), &mut buf)
        .unwrap_err();
    assert!(
        matches!(err, Error::Core(ooc_core::Error::RankMismatch { .. })),
        "{err:?}"
    );
    let mut short = [0_u16; 3];
    let err = ds
        .read_region(&Region::block(0, 0, 2, 2), &mut short)
        .unwrap_err();
    assert!(
        matches!(err, Error::Core(ooc_core::Error::BufferLength { .. })),
        "{err:?}"
    );
}

#[test]
fn writes_through_a_read_only_file_are_refused() {
    let dir = tmp();
    let p = dir.path().join("ro.h5");
    {
        let f = File::create(&p).unwrap();
        let mut ds = f.new_dataset::<i8>("x").shape([3]).create().unwrap();
        ds.write_all(&[1_i8, 2, 3]).unwrap();
    }
    let f = File::open(&p).unwrap();
    let mut ds = f.dataset("x").unwrap();
    let err = ds.write_all(&[9_i8; 3]).unwrap_err();
    assert!(matches!(err, Error::ReadOnly(_)), "{err:?}");
    assert!(err.to_string().contains("ro.h5"), "{err}");
    assert!(matches!(ds.resize(&[4]), Err(Error::ReadOnly(_))));
    assert!(matches!(f.create_group("g"), Err(Error::ReadOnly(_))));
    assert!(matches!(
        f.new_dataset::<i8>("y").shape([1]).create(),
        Err(Error::ReadOnly(_))
    ));
    assert_eq!(ds.read_vec::<i8>().unwrap(), vec![1, 2, 3]);
}

#[test]
fn zero_and_oversized_chunks_are_refused() {
    let dir = tmp();
    let f = File::create(dir.path().join("c.h5")).unwrap();
    let cases: [(&[usize], &[usize]); 3] = [
        (&[10, 10], &[0, 5]),
        (&[10, 10], &[11, 5]),
        (&[10, 10], &[5]),
    ];
    for (shape, chunk) in cases {
        let err = f
            .new_dataset::<f32>("x")
            .shape(shape)
            .chunk(chunk)
            .create()
            .unwrap_err();
        assert!(
            matches!(err, Error::Core(ooc_core::Error::InvalidChunkShape { .. })),
            "{chunk:?}: {err:?}"
        );
        assert!(err.to_string().contains(&format!("{chunk:?}")), "{err}");
    }
    // Larger than the current shape is fine when the dimension may grow.
    f.new_dataset::<f32>("grow")
        .shape([10, 10])
        .chunk([64, 5])
        .max_shape([None, Some(10)])
        .create()
        .unwrap();
    assert!(matches!(
        f.new_dataset::<f32>("lvl").shape([4]).deflate(10).create(),
        Err(Error::InvalidDataset { .. })
    ));
    assert!(matches!(
        f.new_dataset::<f32>("scalar").chunk([1]).create(),
        Err(Error::InvalidDataset { .. })
    ));
    assert!(matches!(
        f.new_dataset::<f32>("small")
            .shape([4])
            .max_shape([Some(3)])
            .create(),
        Err(Error::InvalidDataset { .. })
    ));
}

#[test]
fn failed_writes_leave_other_datasets_intact() {
    let dir = tmp();
    let p = dir.path().join("safe.h5");
    let f = File::create(&p).unwrap();
    let mut a = f
        .new_dataset::<f64>("a")
        .shape([4, 4])
        .chunk([2, 2])
        .create()
        .unwrap();
    let mut b = f.new_dataset::<f64>("b").shape([4, 4]).create().unwrap();
    let a_data: Vec<f64> = (0..16).map(f64::from).collect();
    let b_data: Vec<f64> = (0..16).map(|i| -f64::from(i)).collect();
    a.write_all(&a_data).unwrap();
    b.write_all(&b_data).unwrap();
    assert!(
        b.write_region(&Region::block(3, 3, 2, 2), &[0.0; 4])
            .is_err()
    );
    assert!(
        b.write_region(&Region::block(0, 0, 2, 2), &[0.0; 3])
            .is_err()
    );
    assert!(b.write_all(&[0_i32; 16]).is_err());
    assert!(a.resize(&[8, 8]).is_err(), "fixed max shape");
    drop((a, b));
    f.close().unwrap();
    let f = File::open(&p).unwrap();
    assert_eq!(f.dataset("a").unwrap().read_vec::<f64>().unwrap(), a_data);
    assert_eq!(f.dataset("b").unwrap().read_vec::<f64>().unwrap(), b_data);
}

#[test]
fn unsupported_element_types_are_named() {
    let dir = tmp();
    let p = dir.path().join("s.h5");
    {
        let f = hdf5::File::create(&p).unwrap();
        f.new_dataset::<hdf5::types::VarLenUnicode>()
            .shape([2])
            .create("strings")
            .unwrap();
    }
    let f = File::open(&p).unwrap();
    let err = f.dataset("strings").unwrap_err();
    assert!(matches!(err, Error::UnsupportedType { .. }), "{err:?}");
    assert!(err.to_string().contains("varlenunicode"), "{err}");
}

/// The library's automatic error printing is silenced: a child process (this test binary
/// again) provokes library errors and its stderr must not carry an HDF5 error stack.
#[test]
fn library_errors_are_not_printed_to_stderr() {
    if std::env::var_os("OOC_HDF5_PROVOKE_ERRORS").is_some() {
        let dir = tmp();
        let p = dir.path().join("t.h5");
        std::fs::write(&p, b"\x89HDF\r\n\x1a\n truncated").unwrap();
        assert!(File::open(&p).is_err());
        let f = File::create(dir.path().join("ok.h5")).unwrap();
        assert!(f.new_dataset::<i32>("x").shape([1]).create().is_ok());
        assert!(f.new_dataset::<i32>("x").shape([1]).create().is_err());
        let mut ds = f.dataset("x").unwrap();
        assert!(ds.resize(&[5]).is_err());
        return;
    }
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "library_errors_are_not_printed_to_stderr",
            "--nocapture",
        ])
        .env("OOC_HDF5_PROVOKE_ERRORS", "1")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(!stderr.contains("HDF5-DIAG"), "{stderr}");
    assert!(!stderr.contains("#000"), "{stderr}");
}

/// A dataset whose elements live in an external file named by an absolute path or
/// through `..` is refused when opened (it would read whatever file it names), with a
/// typed error naming the dataset and the external file.
#[test]
fn external_storage_outside_the_file_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let secret = dir.path().join("secret.bin");
    std::fs::write(&secret, [7_u8; 64]).unwrap();
    let sub = dir.path().join("sub");
    std::fs::create_dir(&sub).unwrap();
    let path = sub.join("ext.h5");
    {
        let f = hdf5::File::create(&path).unwrap();
        let abs = secret.to_str().unwrap();
        f.new_dataset::<u8>()
            .shape([64])
            .external(abs, 0, 64)
            .create("abs")
            .unwrap();
        f.new_dataset::<u8>()
            .shape([64])
            .external("../secret.bin", 0, 64)
            .create("up")
            .unwrap();
    }
    let file = ooc_hdf5::File::open(&path).unwrap();
    for name in ["abs", "up"] {
        match file.dataset(name) {
            Err(ooc_hdf5::Error::ExternalStorage { path, external, .. }) => {
                assert_eq!(path, format!("/{name}"));
                assert!(external.ends_with("secret.bin"), "{external}");
            }
            other => panic!("{name}: expected ExternalStorage, got {other:?}"),
        }
    }
}
