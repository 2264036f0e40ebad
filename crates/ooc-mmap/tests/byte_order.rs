//! `.npy` files in the other byte order: [`SwappedArray`] reads them as numpy does (values
//! equal, whatever the storage order), while [`MmapArray::open_npy`] refuses to map them.
//! Files written here by hand always; files numpy writes (`>f8`, `>i4`, `>c16`, C and
//! Fortran order) when `OOC_PYTHON` names a Python with numpy (`cargo xtask test` sets it).

mod common;

use std::path::Path;
use std::process::Command;

use common::{Rule, expected};
use ooc_core::npy::NpyHeader;
use ooc_core::{ArrayMeta, ByteOrder, Complex, ReadBlock, Region};
use ooc_mmap::{MmapArray, MmapError, Mode, SwappedArray};

/// The whole array through `read_region`, and a block of it, against the rule.
fn check<T: Rule + std::fmt::Debug>(path: &Path, shape: &[usize]) {
    let a = SwappedArray::<T>::open_npy(path).unwrap();
    assert_eq!(a.shape(), shape);
    assert!(a.swaps() || T::DTYPE.size() == 1 || a.byte_order().is_native());
    assert!(ReadBlock::<T>::as_view(&a).is_none());
    let want = expected::<T>(shape);
    let mut all = vec![T::default(); want.len()];
    a.read_region(&Region::full(shape), &mut all).unwrap();
    assert_eq!(
        all,
        want.iter().copied().collect::<Vec<_>>(),
        "{}",
        path.display()
    );
    if shape.len() == 2 && shape[0] > 1 && shape[1] > 1 {
        let region = Region::block(1, 1, shape[0] - 1, shape[1] - 1);
        let mut part = vec![T::default(); region.len()];
        a.read_region(&region, &mut part).unwrap();
        let sub: Vec<T> = want.slice(ndarray::s![1.., 1..]).iter().copied().collect();
        assert_eq!(part, sub, "{}", path.display());
    }
    if !a.byte_order().is_native() && T::DTYPE.size() > 1 {
        assert!(matches!(
            MmapArray::<T>::open_npy(path, Mode::ReadOnly),
            Err(MmapError::NonNativeByteOrder { .. })
        ));
    }
}

/// Writes the rule's values for `shape` in the non-native order, as numpy would.
fn write_swapped<T: Rule>(path: &Path, shape: &[usize], fortran: bool) {
    let header = NpyHeader {
        dtype: T::DTYPE,
        order: if cfg!(target_endian = "little") {
            ByteOrder::Big
        } else {
            ByteOrder::Little
        },
        fortran_order: fortran,
        shape: shape.to_vec(),
    };
    let mut bytes = header.to_bytes().unwrap();
    let want = expected::<T>(shape);
    let stored: Vec<T> = if fortran {
        want.t().iter().map(|x| x.byte_swapped()).collect()
    } else {
        want.iter().map(|x| x.byte_swapped()).collect()
    };
    bytes.extend_from_slice(bytemuck::cast_slice(&stored));
    std::fs::write(path, bytes).unwrap();
}

fn round_trip<T: Rule + std::fmt::Debug>(dir: &Path) {
    for (shape, fortran) in [
        (&[3_usize, 4][..], false),
        (&[3, 4][..], true),
        (&[5][..], false),
        (&[][..], false),
        (&[0, 3][..], false),
    ] {
        let path = dir.join(format!("{}_{fortran}_{}.npy", T::DTYPE.name(), shape.len()));
        write_swapped::<T>(&path, shape, fortran);
        check::<T>(&path, shape);
    }
}

#[test]
fn swapped_files_read_as_their_values() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    round_trip::<i8>(d);
    round_trip::<i16>(d);
    round_trip::<i32>(d);
    round_trip::<i64>(d);
    round_trip::<u16>(d);
    round_trip::<u32>(d);
    round_trip::<u64>(d);
    round_trip::<f32>(d);
    round_trip::<f64>(d);
    round_trip::<Complex<f32>>(d);
    round_trip::<Complex<f64>>(d);
}

#[test]
fn native_files_read_too_and_wrong_types_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("native.npy");
    let mut a = MmapArray::<f64>::create_npy(&path, &[3, 4], false).unwrap();
    a.view_mut().unwrap().assign(&expected::<f64>(&[3, 4]));
    drop(a);
    check::<f64>(&path, &[3, 4]);
    assert!(!SwappedArray::<f64>::open_npy(&path).unwrap().swaps());
    assert!(matches!(
        SwappedArray::<f32>::open_npy(&path),
        Err(MmapError::DTypeMismatch { .. })
    ));
}

/// Writes numpy's big-endian files into `argv[1]`.
const WRITE: &str = r#"
import sys, os
import numpy as np

sys.dont_write_bytecode = True
sys.path.insert(0, sys.argv[2])
from make_fixtures import rule

d = sys.argv[1]
for name, descr in [("f64", ">f8"), ("i32", ">i4"), ("c128", ">c16")]:
    a = rule((4, 5), descr)
    assert a.dtype.byteorder == ">", a.dtype
    np.save(os.path.join(d, f"be_{name}_c.npy"), a)
    np.save(os.path.join(d, f"be_{name}_f.npy"), np.asfortranarray(a))
print("numpy wrote big-endian files")
"#;

#[test]
fn numpy_big_endian_files_read_as_numpy_reads_them() {
    let Some(python) = std::env::var_os("OOC_PYTHON") else {
        eprintln!(
            "SKIPPED: numpy byte-order test needs OOC_PYTHON set to a Python with numpy \
             (cargo xtask test sets it)"
        );
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let out = Command::new(&python)
        .arg("-c")
        .arg(WRITE)
        .arg(d)
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "numpy failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    for tag in ["c", "f"] {
        let path = |name: &str| d.join(format!("be_{name}_{tag}.npy"));
        assert_eq!(
            SwappedArray::<f64>::open_npy(path("f64"))
                .unwrap()
                .byte_order(),
            ByteOrder::Big
        );
        assert_eq!(
            SwappedArray::<i32>::open_npy(path("i32"))
                .unwrap()
                .fortran_order(),
            tag == "f"
        );
        check::<f64>(&path("f64"), &[4, 5]);
        check::<i32>(&path("i32"), &[4, 5]);
        check::<Complex<f64>>(&path("c128"), &[4, 5]);
    }
}
