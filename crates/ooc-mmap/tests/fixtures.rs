//! Files written by numpy (`tests/fixtures/make_fixtures.py`) read by ooc: every element
//! type in C and Fortran order, format versions 1.0, 2.0 and 3.0, a 3-D Fortran array, a
//! 0-d and an empty array, and big-endian files through the converting read. Expected
//! values are recomputed from the script's rule.

mod common;

use std::path::PathBuf;

use common::{Rule, expected};
use ooc_core::{ByteOrder, Complex, DType, ReadBlock, Region};
use ooc_mmap::{MmapArray, MmapError, Mode, inspect_npy, read_npy_converted};

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// Opens `name` in every mapping mode and checks header, view, block reads and rows.
fn check<T: Rule>(name: &str, shape: &[usize], fortran: bool) {
    let path = fixture(name);
    let header = inspect_npy(&path).unwrap_or_else(|e| panic!("{name}: {e}"));
    assert_eq!(header.dtype, T::DTYPE, "{name}");
    assert_eq!(header.shape, shape, "{name}");
    assert_eq!(header.fortran_order, fortran, "{name}");
    let want = expected::<T>(shape);
    for mode in [Mode::ReadOnly, Mode::CopyOnWrite] {
        let a = MmapArray::<T>::open_npy(&path, mode).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(a.view(), want.view(), "{name} {mode}");
        assert_eq!(a.fortran_order(), fortran);
        let mut block = vec![T::default(); a.len()];
        a.read_region(&Region::full(shape), &mut block).unwrap();
        assert_eq!(
            block,
            want.as_slice().unwrap(),
            "{name}: C-order block read"
        );
        if shape.len() == 2 && !fortran {
            for r in 0..shape[0] {
                assert_eq!(
                    a.row(r).unwrap(),
                    want.index_axis(ndarray::Axis(0), r).as_slice().unwrap(),
                    "{name} row {r}"
                );
            }
        }
    }
    assert_eq!(read_npy_converted::<T>(&path).unwrap(), want, "{name}");
}

fn both_orders<T: Rule>() {
    let name = T::DTYPE.name();
    check::<T>(&format!("{name}_c.npy"), &[3, 4], false);
    check::<T>(&format!("{name}_f.npy"), &[3, 4], true);
}

#[test]
fn every_element_type_in_both_orders() {
    both_orders::<i8>();
    both_orders::<i16>();
    both_orders::<i32>();
    both_orders::<i64>();
    both_orders::<u8>();
    both_orders::<u16>();
    both_orders::<u32>();
    both_orders::<u64>();
    both_orders::<f32>();
    both_orders::<f64>();
    both_orders::<Complex<f32>>();
    both_orders::<Complex<f64>>();
}

#[test]
fn format_versions_2_and_3() {
    check::<f64>("f64_v2.npy", &[5, 7], false);
    check::<i32>("i32_v2_f.npy", &[4, 6], true);
    check::<u16>("u16_v3.npy", &[9], false);
    for (name, major) in [("f64_v2.npy", 2), ("u16_v3.npy", 3), ("f32_c.npy", 1)] {
        let bytes = std::fs::read(fixture(name)).unwrap();
        assert_eq!(bytes[6], major, "{name} is the version it claims to test");
    }
}

#[test]
fn three_d_fortran_zero_d_and_empty() {
    check::<f32>("f32_3d_f.npy", &[2, 3, 4], true);
    check::<i32>("i32_0d.npy", &[], false);
    check::<f32>("f32_empty.npy", &[0, 5], false);
    let empty = MmapArray::<f32>::open_npy(fixture("f32_empty.npy"), Mode::ReadOnly).unwrap();
    assert_eq!((empty.byte_len(), empty.resident_bytes().unwrap()), (0, 0));
}

#[test]
fn big_endian_files_need_the_converting_read() {
    for (name, dtype) in [("f64_be.npy", DType::F64), ("i16_be_f.npy", DType::I16)] {
        let h = inspect_npy(fixture(name)).unwrap();
        assert_eq!((h.dtype, h.order), (dtype, ByteOrder::Big), "{name}");
    }
    if ByteOrder::NATIVE == ByteOrder::Little {
        let err = MmapArray::<f64>::open_npy(fixture("f64_be.npy"), Mode::ReadOnly).unwrap_err();
        assert!(matches!(err, MmapError::NonNativeByteOrder { .. }), "{err}");
    }
    assert_eq!(
        read_npy_converted::<f64>(fixture("f64_be.npy")).unwrap(),
        expected::<f64>(&[3, 4])
    );
    let f = read_npy_converted::<i16>(fixture("i16_be_f.npy")).unwrap();
    assert_eq!(f, expected::<i16>(&[3, 4]));
    assert!(
        f.t().is_standard_layout(),
        "Fortran files give Fortran-layout arrays"
    );
}
