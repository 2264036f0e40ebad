//! `ooc convert`: round trips between .npy, raw and HDF5 that preserve every element, and
//! destinations that are either complete or absent.

use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use ooc::hdf5::File;
use ooc::mmap::{MmapArray, Mode, RawLayout};

use crate::common::{write_dataset, write_npy};
use crate::support::{Python, arg, fails, file_names, files_in, json, ok, value};

fn npy_f32(path: &Path, shape: &[usize]) -> Vec<f32> {
    #[allow(clippy::cast_possible_truncation)]
    let data: Vec<f32> = (0..shape.iter().product())
        .map(|i| value(i) as f32)
        .collect();
    write_npy(path, shape, &data);
    data
}

#[test]
fn npy_to_hdf5_to_raw_to_npy_keeps_every_element() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("a.npy");
    let shape = [123, 45];
    let data = npy_f32(&src, &shape);
    let h5 = dir.path().join("out.h5");
    let ds = format!("{}:/grp/a", h5.display());
    ok(&[
        "convert",
        &arg(&src),
        &ds,
        "--chunks",
        "16,16",
        "--deflate",
        "3",
        "--shuffle",
        "--budget",
        "16KiB",
    ]);
    let info = json(&ok(&["info", "--json", &arg(&h5)]));
    let obj = info["objects"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["path"] == "/grp/a")
        .unwrap()
        .clone();
    assert_eq!(obj["chunk_shape"], serde_json::json!([16, 16]));
    assert_eq!(obj["filters"], serde_json::json!(["shuffle", "deflate(3)"]));
    assert_eq!(obj["shape"], serde_json::json!(shape));
    assert_eq!(obj["logical_bytes"], 123 * 45 * 4);
    {
        let f = File::open(&h5).unwrap();
        assert_eq!(
            f.dataset("/grp/a").unwrap().read_vec::<f32>().unwrap(),
            data
        );
    }
    let raw = dir.path().join("a.raw");
    ok(&[
        "convert",
        &ds,
        &arg(&raw),
        "--budget",
        "64KiB",
        "--threads",
        "2",
    ]);
    let back =
        MmapArray::<f32>::open_raw(&raw, &RawLayout::c_order(shape.to_vec()), Mode::ReadOnly)
            .unwrap();
    assert_eq!(back.as_slice(), data.as_slice());
    let npy = dir.path().join("b.npy");
    ok(&[
        "convert",
        &arg(&raw),
        &arg(&npy),
        "--dtype",
        "f32",
        "--shape",
        "123,45",
    ]);
    let b = MmapArray::<f32>::open_npy(&npy, Mode::ReadOnly).unwrap();
    assert_eq!(b.shape(), shape);
    assert_eq!(b.as_slice(), data.as_slice());
    assert_eq!(files_in(dir.path()).len(), 4, "{:?}", files_in(dir.path()));
}

#[test]
fn adding_to_an_existing_hdf5_file_keeps_what_was_there() {
    let dir = tempfile::tempdir().unwrap();
    let h5 = dir.path().join("f.h5");
    {
        let f = File::create(&h5).unwrap();
        write_dataset(&f, "old", &[3], &[7, 8, 9], |b| b);
    }
    let src = dir.path().join("a.npy");
    let data = npy_f32(&src, &[4, 6]);
    ok(&[
        "convert",
        &arg(&src),
        &format!("{}:/new/x", h5.display()),
        "--chunks",
        "auto",
    ]);
    let f = File::open(&h5).unwrap();
    assert_eq!(
        f.dataset("old").unwrap().read_vec::<i32>().unwrap(),
        [7, 8, 9]
    );
    assert_eq!(
        f.dataset("/new/x").unwrap().read_vec::<f32>().unwrap(),
        data
    );
    assert!(f.dataset("/new/x").unwrap().chunk().is_some());
    drop(f);
    // An object already there is never replaced.
    fails(
        &["convert", &arg(&src), &format!("{}:/old", h5.display())],
        1,
        &["f.h5", "/old", "already exists"],
    );
    assert_eq!(files_in(dir.path()).len(), 2);
}

#[test]
fn existing_and_unwritable_destinations() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("a.npy");
    npy_f32(&src, &[2, 3]);
    let dest = dir.path().join("d.npy");
    std::fs::write(&dest, b"keep me").unwrap();
    fails(
        &["convert", &arg(&src), &arg(&dest)],
        1,
        &["d.npy", "already exists", "--force"],
    );
    assert_eq!(std::fs::read(&dest).unwrap(), b"keep me");
    ok(&["convert", &arg(&src), &arg(&dest), "--force"]);
    assert_eq!(
        MmapArray::<f32>::open_npy(&dest, Mode::ReadOnly)
            .unwrap()
            .shape(),
        [2, 3]
    );
    // A destination whose directory is a file, or does not exist.
    let under_file = src.join("x.npy");
    fails(
        &["convert", &arg(&src), &arg(&under_file)],
        1,
        &["a.npy/x.npy", "not a directory"],
    );
    let nowhere = dir.path().join("missing").join("x.h5:/d");
    fails(&["convert", &arg(&src), &arg(&nowhere)], 1, &["missing"]);
    // Formats it cannot tell, and options that do not apply: usage errors.
    fails(&["convert", &arg(&src), "out.txt"], 2, &["out.txt"]);
    fails(&["convert", &arg(&src), "out.h5"], 2, &["out.h5:/"]);
    fails(
        &["convert", &arg(&src), "o.npy", "--deflate", "4"],
        2,
        &["HDF5"],
    );
    fails(
        &["convert", &arg(&src), "o.h5:/x", "--deflate", "10"],
        2,
        &["10"],
    );
    fails(
        &["convert", &arg(&src), "o.h5:/x", "--chunks", "0,3"],
        1,
        &["[0, 3]"],
    );
    assert_eq!(files_in(dir.path()).len(), 2, "{:?}", files_in(dir.path()));
}

#[test]
fn a_conversion_that_fails_midway_leaves_no_destination() {
    let dir = tempfile::tempdir().unwrap();
    let h5 = dir.path().join("src.h5");
    let (rows, cols) = (400, 100);
    let data: Vec<f64> = (0..rows * cols).map(value).collect();
    {
        let f = File::create(&h5).unwrap();
        write_dataset(&f, "x", &[rows, cols], &data, |b| {
            b.chunk([20, 100]).deflate(1)
        });
    }
    // Damage the compressed chunks in the second half of the file.
    let mut bytes = std::fs::read(&h5).unwrap();
    let n = bytes.len();
    for b in &mut bytes[n * 6 / 10..n * 7 / 10] {
        *b = 0xA5;
    }
    std::fs::write(&h5, bytes).unwrap();
    let dest = dir.path().join("out.npy");
    // The budget lets the first blocks through, so the damage is met midway.
    fails(
        &[
            "convert",
            &format!("{}:/x", h5.display()),
            &arg(&dest),
            "--budget",
            "160KiB",
        ],
        1,
        &["/x", "corrupt chunk"],
    );
    assert!(!dest.exists());
    assert_eq!(files_in(dir.path()), std::slice::from_ref(&h5));
}

/// Where an interrupted conversion writes.
#[derive(Debug, Clone, Copy)]
enum Interrupted {
    /// A new `.npy` file.
    NewNpy,
    /// An existing file replaced by a `.npy` file (`--force`).
    ReplacedNpy,
    /// A chunked, compressed dataset in a new HDF5 file.
    NewHdf5,
    /// A dataset added to an existing HDF5 file.
    ExistingHdf5,
}

/// The hidden files in `dir`: the binary's `.ooc-*` temporaries and `ooc-mmap`'s staging
/// names (`.NAME.ooc-*.tmp`).
fn temporaries(dir: &Path) -> Vec<PathBuf> {
    files_in(dir)
        .into_iter()
        .filter(|p| p.file_name().unwrap().to_string_lossy().starts_with('.'))
        .collect()
}

/// Converts a `rows` x 1024 `.npy` file into `kind` in `dir`, and sends `signal` as soon as
/// the conversion has put bytes into a temporary file. Returns `true` when the signal
/// landed mid-write: the run died of it, its temporaries are gone (the handler removed
/// them: death alone would leave them) and the destination is absent or as it was.
/// Returns `false` when the conversion had finished first: the destination is then
/// complete. Anything else fails the test.
fn interrupt_conversion(dir: &Path, signal: libc::c_int, kind: Interrupted, rows: usize) -> bool {
    let src = dir.join("src.npy");
    let data = npy_f32(&src, &[rows, 1024]);
    let npy = dir.join("out.npy");
    let h5 = dir.join("out.h5");
    let (file, dest, options): (&Path, String, &[&str]) = match kind {
        Interrupted::NewNpy => (&npy, arg(&npy), &[]),
        Interrupted::ReplacedNpy => (&npy, arg(&npy), &["--force"]),
        Interrupted::NewHdf5 | Interrupted::ExistingHdf5 => (
            &h5,
            format!("{}:/x", h5.display()),
            &["--chunks", "64,1024", "--deflate", "6"],
        ),
    };
    match kind {
        Interrupted::ReplacedNpy => std::fs::write(file, b"keep me").unwrap(),
        Interrupted::ExistingHdf5 => {
            let f = File::create(file).unwrap();
            write_dataset(&f, "kept", &[2, 2], &[7.0_f32; 4], |b| b);
        }
        Interrupted::NewNpy | Interrupted::NewHdf5 => {}
    }
    let before = std::fs::read(file).ok();
    let mut child = Command::new(env!("CARGO_BIN_EXE_ooc"))
        .arg("convert")
        .arg(&src)
        .arg(&dest)
        .args(["--budget", "64KiB", "--threads", "1"])
        .args(options)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut sent = false;
    while child.try_wait().unwrap().is_none() {
        let writing = temporaries(dir)
            .iter()
            .any(|p| p.metadata().is_ok_and(|m| m.len() > 0));
        if writing {
            let pid = i32::try_from(child.id()).unwrap();
            // SAFETY: kill with a valid signal number on our own child's pid, not yet
            // reaped (`try_wait` saw it running), so the pid is still its own.
            assert_eq!(unsafe { libc::kill(pid, signal) }, 0);
            sent = true;
            break;
        }
        std::thread::yield_now();
    }
    let status = child.wait().unwrap();
    let what = format!("{kind:?} conversion, signal {signal}, {rows} rows, {status:?}");
    assert_eq!(
        temporaries(dir),
        Vec::<PathBuf>::new(),
        "{what}: temporaries left"
    );
    if sent && status.signal() == Some(signal) && std::fs::read(file).ok() == before {
        return true;
    }
    // Finished before the signal landed (or before it could be sent): complete.
    assert!(
        status.success() || status.signal() == Some(signal),
        "{what}: neither finished nor killed by the signal"
    );
    if file == npy {
        let out = MmapArray::<f32>::open_npy(file, Mode::ReadOnly).unwrap();
        assert_eq!(out.as_slice(), data.as_slice(), "{what}");
    } else {
        let f = File::open(file).unwrap();
        assert_eq!(
            f.dataset("/x").unwrap().read_vec::<f32>().unwrap(),
            data,
            "{what}"
        );
        if matches!(kind, Interrupted::ExistingHdf5) {
            let kept = f.dataset("/kept").unwrap().read_vec::<f32>().unwrap();
            assert_eq!(kept, [7.0_f32; 4], "{what}");
        }
    }
    false
}

/// SIGINT, SIGTERM, SIGHUP and SIGPIPE, each landing while a conversion writes its
/// temporary file, leave no temporary, no partial destination, and an existing
/// destination as it was. A conversion that finished before the signal proves nothing,
/// so it is retried with a larger input until a signal lands mid-write.
#[test]
fn signals_mid_write_leave_no_partial_destination_or_temporary() {
    let signals = [
        ("SIGINT", libc::SIGINT),
        ("SIGTERM", libc::SIGTERM),
        ("SIGHUP", libc::SIGHUP),
        ("SIGPIPE", libc::SIGPIPE),
    ];
    let kinds = [
        Interrupted::NewNpy,
        Interrupted::ReplacedNpy,
        Interrupted::NewHdf5,
        Interrupted::ExistingHdf5,
    ];
    for (name, signal) in signals {
        for kind in kinds {
            let landed = (0..5).position(|attempt| {
                let dir = tempfile::tempdir().unwrap();
                interrupt_conversion(dir.path(), signal, kind, 512 << attempt)
            });
            println!("{name} landed mid-write of a {kind:?} conversion on try {landed:?}");
            assert!(
                landed.is_some(),
                "{name} never landed while a {kind:?} conversion was writing (5 tries, up \
                 to 8192 rows)"
            );
        }
    }
}

#[test]
fn numpy_and_h5py_read_what_ooc_wrote() {
    let Some(py) = Python::for_test("convert::numpy_and_h5py_read_what_ooc_wrote") else {
        return;
    };
    py.run(
        "import numpy as np\n\
         np.save('a.npy', (np.arange(600, dtype=np.int64) * 7919 % 1000).reshape(20, 30))\n",
    );
    ok(
        &["convert", "a.npy", "b.h5:/g/b", "--deflate", "5"].map(|s| {
            if s.ends_with(".npy") || s.starts_with("b.h5") {
                py.dir().join(s).display().to_string()
            } else {
                s.to_string()
            }
        }),
    );
    ok(&[
        "convert",
        &format!("{}:/g/b", py.dir().join("b.h5").display()),
        &arg(&py.dir().join("c.npy")),
    ]);
    let out = py.run(
        "import numpy as np, h5py\n\
         a = np.load('a.npy')\n\
         b = h5py.File('b.h5')['g/b']\n\
         c = np.load('c.npy')\n\
         print(b.compression, b.compression_opts, (b[...] == a).all(), (c == a).all(), c.dtype)\n",
    );
    assert_eq!(out.trim(), "gzip 5 True True int64");
}

/// Two conversions into the same existing HDF5 file at once both land: the second waits
/// for the first (the directory is locked while the file is copied, changed and renamed
/// back) and then changes the file the first left, so no dataset is silently lost.
#[test]
fn concurrent_conversions_into_one_hdf5_file_both_land() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a.npy"), dir.path().join("b.npy"));
    let data: Vec<f64> = (0..200_000).map(value).collect();
    write_npy(&a, &[400, 500], &data);
    write_npy(&b, &[500, 400], &data);
    let h5 = dir.path().join("f.h5");
    for round in 0..3 {
        drop(std::fs::remove_file(&h5));
        drop(File::create(&h5).unwrap());
        let spawn = |src: &Path, name: &str| {
            Command::new(env!("CARGO_BIN_EXE_ooc"))
                .args(["convert", &arg(src), &format!("{}:/{name}", h5.display())])
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        };
        let (first, second) = (spawn(&a, "a"), spawn(&b, "b"));
        for child in [first, second] {
            let out = child.wait_with_output().unwrap();
            assert!(
                out.status.success(),
                "round {round}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        let f = File::open(&h5).unwrap();
        assert_eq!(
            f.dataset("/a").unwrap().shape(),
            &[400, 500],
            "round {round}"
        );
        assert_eq!(
            f.dataset("/b").unwrap().shape(),
            &[500, 400],
            "round {round}"
        );
        assert_eq!(
            files_in(dir.path()).len(),
            3,
            "round {round}: no temporaries left"
        );
    }
}

/// A destination that is a symbolic link updates the file it points to (the link stays a
/// link, the file keeps its mode); a file with several hard links is refused, since
/// replacing it would leave the other names with the old contents.
#[test]
fn links_as_destinations_update_their_target_or_are_refused() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("a.npy");
    write_npy(&src, &[3, 4], &(0..12).map(f64::from).collect::<Vec<_>>());
    let target = dir.path().join("target.h5");
    drop(File::create(&target).unwrap());
    std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o640)).unwrap();
    let link = dir.path().join("link.h5");
    std::os::unix::fs::symlink("target.h5", &link).unwrap();
    ok(&["convert", &arg(&src), &format!("{}:/x", link.display())]);
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert_eq!(
        File::open(&target).unwrap().dataset("/x").unwrap().shape(),
        &[3, 4]
    );
    let mode = std::fs::metadata(&target).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o640);

    let hard = dir.path().join("hard.h5");
    std::fs::hard_link(&target, &hard).unwrap();
    fails(
        &["convert", &arg(&src), &format!("{}:/y", hard.display())],
        1,
        &["hard.h5", "2 hard links"],
    );
    assert!(!File::open(&target).unwrap().contains("/y"));
}

/// A legal destination name of 244 characters is written (the temporary name beside it
/// is shortened to stay legal), and nothing else is left.
#[test]
fn long_destination_names_are_written() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("a.npy");
    write_npy(&src, &[2, 3], &[1.0_f64, 2.0, 3.0, 4.0, 5.0, 6.0]);
    for ext in ["npy", "raw"] {
        let name = format!("{}.{ext}", "n".repeat(244 - 1 - ext.len()));
        assert_eq!(name.len(), 244);
        let dest = dir.path().join(&name);
        ok(&["convert", &arg(&src), &arg(&dest)]);
        if ext == "npy" {
            let back: ndarray::Array2<f64> = ooc::load_npy(&dest).unwrap();
            assert_eq!(back.as_slice().unwrap(), &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
        } else {
            assert_eq!(std::fs::metadata(&dest).unwrap().len(), 48);
        }
        std::fs::remove_file(&dest).unwrap();
    }
    assert_eq!(files_in(dir.path()).len(), 1);
}

/// A temporary left by an `ooc` process that was killed (`SIGKILL` leaves them; no
/// handler runs) is reported when the next command writes into that directory.
#[test]
fn stale_temporaries_of_dead_processes_are_reported() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("a.npy");
    write_npy(&src, &[2, 2], &[1.0_f64, 2.0, 3.0, 4.0]);
    // A process id that is no longer running: a child that has exited and been reaped.
    let mut done = Command::new("true").spawn().unwrap();
    let pid = done.id();
    done.wait().unwrap();
    let stale = dir.path().join(format!(".ooc-{pid}-0-old.npy"));
    std::fs::write(&stale, b"partial").unwrap();
    let run = crate::support::ooc(&["convert", &arg(&src), &arg(&dir.path().join("b.npy"))]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(
        run.stderr.contains(&format!(".ooc-{pid}-0-old.npy"))
            && run.stderr.contains("no longer running"),
        "{}",
        run.stderr
    );
    assert!(stale.exists(), "reported, not removed");
}

/// An input `.npy` truncated by another process while `convert` maps it ends the command
/// with one line and exit 1 (not death by SIGBUS), and no temporary or destination is
/// left. Retried with larger inputs until the truncation lands mid-read.
#[test]
fn an_input_truncated_while_mapped_is_a_one_line_error() {
    let mut landed = false;
    for attempt in 0..5 {
        let dir = tempfile::tempdir().unwrap();
        let src = dir.path().join("a.npy");
        let rows = 4096 << attempt;
        write_npy(&src, &[rows, 2048], &vec![1.0_f32; rows * 2048]);
        let out = dir.path().join("b.npy");
        let child = Command::new(env!("CARGO_BIN_EXE_ooc"))
            .args([
                "convert",
                &arg(&src),
                &arg(&out),
                "--budget",
                "1MiB",
                "--threads",
                "1",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // Truncate as soon as the conversion has started writing its temporary file.
        while child.stderr.is_some()
            && !file_names(dir.path())
                .iter()
                .any(|n| n.starts_with(".ooc-"))
            && std::fs::metadata(&out).is_err()
        {
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
        std::fs::OpenOptions::new()
            .write(true)
            .open(&src)
            .unwrap()
            .set_len(0)
            .unwrap();
        let res = child.wait_with_output().unwrap();
        let err = String::from_utf8_lossy(&res.stderr);
        if res.status.success() {
            continue; // finished before the truncation
        }
        assert_eq!(res.status.code(), Some(1), "{err}");
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.contains("truncated") || err.contains("a.npy"), "{err}");
        assert_eq!(file_names(dir.path()), ["a.npy"], "{err}");
        landed = true;
        break;
    }
    assert!(
        landed,
        "the truncation never landed while the input was read"
    );
}
