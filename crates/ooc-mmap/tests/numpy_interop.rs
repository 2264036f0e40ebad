//! Real numpy reads what ooc writes and ooc reads what numpy writes, in the same run:
//! `.npy` files of every element type in both orders (plus 0-d, empty and 3-D), opened by
//! `np.load` with and without `mmap_mode`, and raw files opened by `np.memmap` with offset
//! and order. Needs `OOC_PYTHON` (a Python with numpy; `cargo xtask test` sets it).

mod common;
#[path = "../../../tests/interop_common/mod.rs"]
mod interop_common;

use std::path::Path;
use std::process::Command;

use common::{Rule, expected};
use ooc_core::{ByteOrder, Complex};
use ooc_mmap::{MmapArray, Mode, RawLayout, inspect_npy};

/// Checks the files ooc wrote (directory `argv[1]`, listed in `manifest.txt`) and writes
/// numpy's; the rule's values come from `argv[2]/make_fixtures.py`, the fixtures' script.
const CHECK_AND_WRITE: &str = r#"
import sys, os
import numpy as np

sys.dont_write_bytecode = True  # no __pycache__ beside the fixtures
sys.path.insert(0, sys.argv[2])
from make_fixtures import rule

d = sys.argv[1]
checked = 0
for line in open(os.path.join(d, "manifest.txt")):
    name, kind, descr, order, shape, offset = line.split()
    shape = tuple(int(x) for x in shape.split(",") if x) if shape != "-" else ()
    path = os.path.join(d, name)
    want = rule(shape, descr)
    if kind == "npy":
        with open(path, "rb") as f:
            version = np.lib.format.read_magic(f)
            if version == (1, 0):
                np.lib.format.read_array_header_1_0(f)
            else:
                np.lib.format.read_array_header_2_0(f)
            assert f.tell() % 64 == 0, (name, f.tell())
        for a in (np.load(path), np.load(path, mmap_mode="r"), np.load(path, mmap_mode="c")):
            assert a.dtype == np.dtype(descr), (name, a.dtype, descr)
            assert a.shape == shape, (name, a.shape, shape)
            if len(shape) >= 2 and min(shape) > 1:
                assert a.flags.f_contiguous == (order == "F"), (name, a.flags)
            assert np.array_equal(a, want), (name, a, want)
    else:
        a = np.memmap(path, dtype=descr, mode="r", offset=int(offset), shape=shape, order=order)
        assert np.array_equal(a, want), (name, a, want)
    checked += 1

for ooc, npd in [("i8", "i1"), ("i16", "<i2"), ("i32", "<i4"), ("i64", "<i8"),
                 ("u8", "u1"), ("u16", "<u2"), ("u32", "<u4"), ("u64", "<u8"),
                 ("f32", "<f4"), ("f64", "<f8"), ("c64", "<c8"), ("c128", "<c16")]:
    a = rule((4, 5), npd)
    np.save(os.path.join(d, f"py_{ooc}_c.npy"), a)
    np.save(os.path.join(d, f"py_{ooc}_f.npy"), np.asfortranarray(a))
with open(os.path.join(d, "py_f64_v3.npy"), "wb") as f:
    np.lib.format.write_array(f, rule((6, 2), "<f8"), version=(3, 0))
np.save(os.path.join(d, "py_i64_0d.npy"), rule((), "<i8"))
print(f"numpy checked {checked} files written by ooc")
"#;

/// Writes `name` with ooc: the rule's values for `shape`, as `.npy` or raw.
fn write_ooc<T: Rule>(
    dir: &Path,
    manifest: &mut String,
    shape: &[usize],
    fortran: bool,
    raw: bool,
) {
    let tag = if fortran { "F" } else { "C" };
    let dims = if shape.is_empty() {
        "-".to_string()
    } else {
        shape
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(",")
    };
    let ext = if raw { "bin" } else { "npy" };
    let name = format!(
        "ooc_{}_{tag}_{}.{ext}",
        T::DTYPE.name(),
        dims.replace(',', "x")
    );
    let path = dir.join(&name);
    let offset = 64;
    let mut a = if raw {
        let layout = RawLayout {
            shape: shape.to_vec(),
            offset,
            fortran_order: fortran,
        };
        MmapArray::<T>::create_raw(&path, &layout).unwrap()
    } else {
        MmapArray::<T>::create_npy(&path, shape, fortran).unwrap()
    };
    a.view_mut().unwrap().assign(&expected::<T>(shape));
    drop(a);
    let descr = T::DTYPE.numpy_descr(ByteOrder::NATIVE);
    let kind = if raw { "raw" } else { "npy" };
    manifest.push_str(&format!("{name} {kind} {descr} {tag} {dims} {offset}\n"));
}

fn write_all_orders<T: Rule>(dir: &Path, manifest: &mut String) {
    for fortran in [false, true] {
        write_ooc::<T>(dir, manifest, &[3, 4], fortran, false);
        write_ooc::<T>(dir, manifest, &[5, 2], fortran, true);
    }
}

fn read_numpy<T: Rule>(dir: &Path) {
    for (tag, fortran) in [("c", false), ("f", true)] {
        let path = dir.join(format!("py_{}_{tag}.npy", T::DTYPE.name()));
        let a = MmapArray::<T>::open_npy(&path, Mode::ReadOnly).unwrap();
        assert_eq!(a.fortran_order(), fortran, "{}", path.display());
        assert_eq!(a.view(), expected::<T>(&[4, 5]), "{}", path.display());
    }
}

#[test]
fn numpy_and_ooc_read_each_others_files() {
    let Some(python) =
        interop_common::python("ooc-mmap::numpy_interop::numpy_and_ooc_read_each_others_files")
    else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let mut manifest = String::new();
    write_all_orders::<i8>(d, &mut manifest);
    write_all_orders::<i16>(d, &mut manifest);
    write_all_orders::<i32>(d, &mut manifest);
    write_all_orders::<i64>(d, &mut manifest);
    write_all_orders::<u8>(d, &mut manifest);
    write_all_orders::<u16>(d, &mut manifest);
    write_all_orders::<u32>(d, &mut manifest);
    write_all_orders::<u64>(d, &mut manifest);
    write_all_orders::<f32>(d, &mut manifest);
    write_all_orders::<f64>(d, &mut manifest);
    write_all_orders::<Complex<f32>>(d, &mut manifest);
    write_all_orders::<Complex<f64>>(d, &mut manifest);
    write_ooc::<f64>(d, &mut manifest, &[], false, false);
    write_ooc::<f32>(d, &mut manifest, &[0, 3], false, false);
    write_ooc::<u16>(d, &mut manifest, &[2, 3, 4], true, false);
    write_ooc::<i32>(d, &mut manifest, &[2, 3, 4], true, true);
    let files = manifest.lines().count();
    std::fs::write(d.join("manifest.txt"), &manifest).unwrap();

    let out = Command::new(&python)
        .arg("-c")
        .arg(CHECK_AND_WRITE)
        .arg(d)
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures"))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "numpy rejected ooc's files:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains(&format!("numpy checked {files} files")),
        "{stdout}"
    );

    read_numpy::<i8>(d);
    read_numpy::<i16>(d);
    read_numpy::<i32>(d);
    read_numpy::<i64>(d);
    read_numpy::<u8>(d);
    read_numpy::<u16>(d);
    read_numpy::<u32>(d);
    read_numpy::<u64>(d);
    read_numpy::<f32>(d);
    read_numpy::<f64>(d);
    read_numpy::<Complex<f32>>(d);
    read_numpy::<Complex<f64>>(d);
    let v3 = d.join("py_f64_v3.npy");
    assert_eq!(std::fs::read(&v3).unwrap()[6], 3);
    let a = MmapArray::<f64>::open_npy(&v3, Mode::ReadOnly).unwrap();
    assert_eq!(a.view(), expected::<f64>(&[6, 2]));
    let z = MmapArray::<i64>::open_npy(d.join("py_i64_0d.npy"), Mode::ReadOnly).unwrap();
    assert_eq!(z.as_slice(), &[i64::rule(0)]);
    assert!(
        inspect_npy(d.join("py_i64_0d.npy"))
            .unwrap()
            .shape
            .is_empty()
    );
}
