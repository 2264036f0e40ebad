//! Bad input: one line on stderr naming the file and the problem, exit status 1 (2 for a
//! command line that cannot work), never a panic.

use ooc::mmap::MmapArray;

use crate::support::{arg, fails, ooc};

#[test]
fn unknown_format_without_a_raw_description_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("mystery.bin");
    std::fs::write(&path, b"just some text, not an array").unwrap();
    fails(
        &["info", &arg(&path)],
        2,
        &["mystery.bin", "--dtype", "--shape"],
    );
}

/// A file whose name promises a format it does not have is a bad file (exit 1, naming
/// the missing signature), not a raw file waiting for a layout.
#[test]
fn a_name_that_promises_a_format_without_its_signature_is_a_bad_file() {
    let dir = tempfile::tempdir().unwrap();
    for (name, signature) in [
        ("not_numpy.npy", "\\x93NUMPY"),
        ("not_hdf5.h5", "HDF5"),
        ("not_zip.npz", "zip"),
    ] {
        let path = dir.path().join(name);
        std::fs::write(&path, b"just some text, not an array").unwrap();
        fails(&["info", &arg(&path)], 1, &[name, signature]);
        fails(&["stats", &arg(&path)], 1, &[name, signature]);
    }
}

#[test]
fn raw_size_mismatch_names_both_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("r.bin");
    std::fs::write(&path, vec![0_u8; 80]).unwrap();
    for (shape, described) in [("3,4", "96"), ("3", "24")] {
        fails(
            &["info", &arg(&path), "--dtype", "f64", "--shape", shape],
            1,
            &["r.bin", described, "80"],
        );
    }
}

#[test]
fn truncated_npy_names_both_lengths() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.npy");
    drop(MmapArray::<f64>::create_npy(&path, &[4, 4], false).unwrap());
    let full = std::fs::metadata(&path).unwrap().len();
    let f = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
    f.set_len(full - 8).unwrap();
    fails(
        &["info", &arg(&path)],
        1,
        &["t.npy", &full.to_string(), &(full - 8).to_string()],
    );
}

#[test]
fn missing_files_and_directories() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("absent.npy");
    fails(&["info", &arg(&missing)], 1, &["absent.npy"]);
    fails(&["info", &arg(dir.path())], 1, &["is a directory"]);
}

#[test]
fn usage_errors_exit_with_status_2() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.npy");
    drop(MmapArray::<u8>::create_npy(&path, &[2], false).unwrap());
    fails(
        &["info", &arg(&path), "--budget", "12 parsecs"],
        2,
        &["12 parsecs"],
    );
    fails(&["info", &arg(&path), "--threads", "0"], 2, &["--threads"]);
    fails(
        &["info", &arg(&path), "--dtype", "float16"],
        2,
        &["float16"],
    );
    fails(&["frobnicate"], 2, &["frobnicate"]);
    assert_eq!(ooc(&["info"]).code, Some(2));
}

/// What the README's command section says about errors, command by command: a failure of
/// the files or the system is exactly one line starting `ooc: ` with exit status 1 (the
/// check is in `fails`; `tests/reliability_disk.rs` holds libhdf5's multi-line error stack
/// on a full disk to it too); a command line clap cannot parse exits with status 2 after
/// clap's own message, which starts `error:` and goes on for several lines.
#[test]
fn failures_are_one_line_and_clap_usage_errors_are_clap_s_own() {
    let dir = tempfile::tempdir().unwrap();
    let missing = arg(&dir.path().join("absent.npy"));
    let out = |name: &str| arg(&dir.path().join(name));
    for args in [
        vec!["info", &missing],
        vec!["stats", &missing],
        vec!["gemv", &missing, &missing],
        vec!["convert", &missing, &out("o.npy")],
        vec!["spy", &missing, &out("o.png")],
    ] {
        fails(&args, 1, &["absent.npy"]);
    }
    for args in [
        vec!["frobnicate"],
        vec!["convert", "a.npy"],
        vec!["info", "a.npy", "--bogus"],
        vec!["info", "a.npy", "--threads", "0"],
    ] {
        let run = ooc(&args);
        assert_eq!(run.code, Some(2), "{args:?}: {}", run.stderr);
        assert!(
            run.stderr.starts_with("error: "),
            "{args:?}: {}",
            run.stderr
        );
        assert!(
            run.stderr.trim_end().lines().count() >= 3,
            "{args:?}: {}",
            run.stderr
        );
        assert!(
            run.stderr.contains("For more information, try '--help'."),
            "{args:?}: {}",
            run.stderr
        );
    }
}

#[test]
fn big_endian_npy_is_described_and_streamed_swapped() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("be.npy");
    let header = ooc::core::npy::NpyHeader {
        dtype: ooc::core::DType::F64,
        order: ooc::core::ByteOrder::Big,
        fortran_order: false,
        shape: vec![2],
    };
    let mut bytes = header.to_bytes().unwrap();
    bytes.extend_from_slice(&1.5_f64.to_be_bytes());
    bytes.extend_from_slice(&(-2.0_f64).to_be_bytes());
    std::fs::write(&path, bytes).unwrap();
    let j = crate::support::json(&crate::support::ok(&["info", "--json", &arg(&path)]));
    assert_eq!(j["descr"], ">f8");
    assert_eq!(j["data_bytes"], 16);
    let s = crate::support::json(&crate::support::ok(&["stats", "--json", &arg(&path)]));
    assert_eq!(
        (s["sum"].as_f64(), s["min"].as_f64()),
        (Some(-0.5), Some(-2.0))
    );
    assert_eq!(s["max"].as_f64(), Some(1.5));
}

#[test]
fn missing_hdf5_objects_and_paths() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("f.h5");
    {
        let f = ooc::hdf5::File::create(&path).unwrap();
        crate::common::write_dataset(&f, "/g/d", &[2, 2], &[1.0, 2.0, 3.0, 4.0], |b| {
            b.create_parents()
        });
    }
    let p = path.display().to_string();
    fails(&["stats", &format!("{p}:/g/nope")], 1, &["f.h5", "/g/nope"]);
    fails(
        &["stats", &format!("{p}:/absent/d")],
        1,
        &["f.h5", "/absent/d"],
    );
    // A file is named without the object inside it: the command line cannot work.
    fails(&["stats", &p], 2, &["f.h5", ":/"]);
    // An inner path on a file that has none.
    let npy = dir.path().join("a.npy");
    drop(MmapArray::<f64>::create_npy(&npy, &[2], false).unwrap());
    fails(
        &["stats", &format!("{}:/x", npy.display())],
        1,
        &["a.npy", "/x"],
    );
    // A truncated HDF5 file.
    let bytes = std::fs::read(&path).unwrap();
    let cut = dir.path().join("cut.h5");
    std::fs::write(&cut, &bytes[..bytes.len() / 3]).unwrap();
    let run = ooc(&["info", &arg(&cut)]);
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert!(
        run.stderr.starts_with("ooc: ") && run.stderr.contains("cut.h5"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
}

/// A 128-byte `.npy` that declares 2⁴⁰ rows of nothing: buffers sized by the rows (`y`,
/// the spy plot's row pointer) are checked against the budget and refused with a typed
/// error naming their size, never an allocator abort; `stats` has nothing to read.
#[test]
fn hostile_row_counts_are_refused_by_the_budget_not_the_allocator() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("rows.npy");
    let header = ooc::core::npy::NpyHeader {
        dtype: ooc::core::DType::F64,
        order: ooc::core::ByteOrder::NATIVE,
        fortran_order: false,
        shape: vec![1 << 40, 0],
    };
    std::fs::write(&path, header.to_bytes().unwrap()).unwrap();
    let x = dir.path().join("x.npy");
    ooc::save_npy(&x, &ndarray::Array1::<f64>::zeros(0)).unwrap();
    fails(
        &["gemv", &arg(&path), &arg(&x), "--budget", "64MiB"],
        1,
        &[
            "rows.npy",
            "y needs 8796093022208 bytes (1099511627776 elements)",
            "8796093022208 bytes",
            "budget",
        ],
    );
    fails(
        &["spy", &arg(&path), &arg(&dir.path().join("s.png"))],
        1,
        &["rows.npy", "row pointer", "budget"],
    );
    let s = crate::support::json(&crate::support::ok(&["stats", "--json", &arg(&path)]));
    assert_eq!(s["elements"], 0);
}

/// A FIFO as the array or as gemv's vector is refused at once with one line, never
/// waited on (a writer that never comes would hang the command); the library's own
/// openers refuse it too.
#[test]
fn fifos_are_refused_not_waited_on() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("pipe.npy");
    let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    // SAFETY: mkfifo with a NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    let x = dir.path().join("x.npy");
    ooc::save_npy(&x, &ndarray::Array1::<f64>::zeros(3)).unwrap();
    let a = dir.path().join("a.npy");
    ooc::save_npy(&a, &ndarray::Array2::<f64>::zeros((2, 3))).unwrap();
    for args in [
        vec!["info".to_string(), arg(&fifo)],
        vec!["stats".to_string(), arg(&fifo)],
        vec!["gemv".to_string(), arg(&a), arg(&fifo)],
    ] {
        // A guard against a regression that hangs, not a timing check: the child is
        // killed after a minute and the test fails.
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_ooc"))
            .args(&args)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut waited = 0;
        let status = loop {
            if let Some(s) = child.try_wait().unwrap() {
                break s;
            }
            assert!(waited < 600, "ooc {args:?} is waiting on the FIFO");
            std::thread::sleep(std::time::Duration::from_millis(100));
            waited += 1;
        };
        let mut err = String::new();
        std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut err).unwrap();
        assert_eq!(status.code(), Some(1), "{args:?}: {err}");
        assert!(
            err.contains("pipe.npy") && err.contains("not a regular file"),
            "{err}"
        );
        assert_eq!(err.lines().count(), 1, "{err}");
    }
    assert!(ooc::mmap::MmapArray::<f64>::open_npy(&fifo, ooc::mmap::Mode::ReadOnly).is_err());
    assert!(ooc::mmap::inspect_npy(&fifo).is_err());
    assert!(ooc::sparse::npz_info(&fifo).is_err());
}

/// Standard output that cannot be written (`/dev/full`) is a one-line error naming it,
/// exit 1, not a panic.
#[test]
fn an_unwritable_standard_output_is_a_one_line_error() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a.npy");
    ooc::save_npy(&a, &ndarray::Array2::<f64>::zeros((2, 3))).unwrap();
    for cmd in ["info", "stats"] {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_ooc"))
            .args([cmd, &arg(&a)])
            .stdout(std::fs::File::create("/dev/full").unwrap())
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{cmd}: {err}");
        assert!(
            err.starts_with("ooc: writing to standard output"),
            "{cmd}: {err}"
        );
        assert_eq!(err.lines().count(), 1, "{cmd}: {err}");
    }
}
