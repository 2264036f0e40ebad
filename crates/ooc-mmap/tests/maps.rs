//! Behaviour of maps against in-memory references: round trips through `.npy` and raw
//! files for every element type, order and odd shape (property tests); what each mode does
//! with writes; flushing; access advice; residency and footprint; zero-length arrays.

use ndarray::{ArrayD, IxDyn, ShapeBuilder};
use ooc_core::{
    ArrayMeta, DType, Element, Footprint, ReadBlock, Region, ViewBlock, WriteBlock, dispatch_dtype,
};
use ooc_mmap::{Access, MmapArray, Mode, RawLayout, read_npy_converted};
use proptest::prelude::*;

fn values<T: Element>(n: usize, seed: u64) -> Vec<T> {
    let mut x = seed | 1;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            #[allow(clippy::cast_precision_loss)]
            T::from_f64((x % 200) as f64)
        })
        .collect()
}

/// Writes `reference` through a new map (`.npy` or raw), reopens it in every mode and
/// compares views, block reads and the converting read with the reference.
fn round_trip<T: Element>(shape: &[usize], fortran: bool, raw: bool, seed: u64) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a");
    let n = shape.iter().product();
    let reference = ArrayD::from_shape_vec(IxDyn(shape), values::<T>(n, seed)).unwrap();
    let layout = RawLayout {
        shape: shape.to_vec(),
        offset: 16,
        fortran_order: fortran,
    };
    let mut a = if raw {
        MmapArray::<T>::create_raw(&path, &layout).unwrap()
    } else {
        MmapArray::<T>::create_npy(&path, shape, fortran).unwrap()
    };
    assert!(
        a.view().iter().all(|x| *x == T::default()),
        "created zero-filled"
    );
    a.view_mut().unwrap().assign(&reference);
    drop(a);
    for mode in [Mode::ReadOnly, Mode::ReadWrite, Mode::CopyOnWrite] {
        let b = if raw {
            MmapArray::<T>::open_raw(&path, &layout, mode).unwrap()
        } else {
            MmapArray::<T>::open_npy(&path, mode).unwrap()
        };
        assert_eq!(b.view(), reference.view(), "{mode}");
        assert_eq!(b.shape(), shape);
        assert_eq!(b.fortran_order(), fortran);
        let mut out = vec![T::default(); n];
        b.read_region(&Region::full(shape), &mut out).unwrap();
        assert_eq!(out, reference.as_slice().unwrap());
        // Storage order is what the file says.
        let storage: Vec<T> = if fortran {
            reference.t().iter().copied().collect()
        } else {
            reference.iter().copied().collect()
        };
        assert_eq!(b.as_slice(), &storage[..]);
    }
    if !raw {
        assert_eq!(read_npy_converted::<T>(&path).unwrap(), reference);
    }
}

macro_rules! rt {
    ($t:ty, $shape:expr, $fortran:expr, $raw:expr, $seed:expr) => {
        round_trip::<$t>($shape, $fortran, $raw, $seed)
    };
}

proptest! {
    #[test]
    fn round_trips_match_the_reference(
        dtype in prop::sample::select(DType::ALL.to_vec()),
        shape in prop::collection::vec(0_usize..6, 0..4),
        fortran in any::<bool>(),
        raw in any::<bool>(),
        seed in any::<u64>(),
    ) {
        dispatch_dtype!(dtype, rt, &shape, fortran, raw, seed);
    }

    #[test]
    fn block_writes_match_the_reference(
        shape in prop::collection::vec(1_usize..7, 1..4),
        fortran in any::<bool>(),
        picks in prop::collection::vec((any::<u64>(), any::<u64>()), 1..5),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("b.npy");
        let mut a = MmapArray::<i32>::create_npy(&path, &shape, fortran).unwrap();
        let mut reference = ooc_core::MemArray::<i32>::zeros(&shape).unwrap();
        for (k, (s, e)) in picks.iter().enumerate() {
            let start: Vec<usize> = shape.iter().map(|&d| usize::try_from(s % d as u64).unwrap()).collect();
            let ext: Vec<usize> = shape.iter().zip(&start).map(|(&d, &st)| usize::try_from(e % (d - st) as u64).unwrap() + 1).collect();
            let region = Region::new(start, ext);
            let data = values::<i32>(region.len(), k as u64 + 1);
            a.write_region(&region, &data).unwrap();
            reference.write_region(&region, &data).unwrap();
        }
        drop(a);
        let b = MmapArray::<i32>::open_npy(&path, Mode::ReadOnly).unwrap();
        prop_assert_eq!(b.view(), reference.as_array());
    }
}

#[test]
fn fortran_raw_files_are_the_transpose_of_c_files() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("f.bin");
    let mut f = MmapArray::<u16>::create_raw(&path, &RawLayout::fortran_order(vec![3, 5])).unwrap();
    let reference = ArrayD::from_shape_vec(IxDyn(&[3, 5]), values::<u16>(15, 9)).unwrap();
    f.view_mut().unwrap().assign(&reference);
    drop(f);
    let c =
        MmapArray::<u16>::open_raw(&path, &RawLayout::c_order(vec![5, 3]), Mode::ReadOnly).unwrap();
    assert_eq!(c.view(), reference.t());
}

#[test]
fn modes_decide_where_writes_go() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.npy");
    let mut a = MmapArray::<f64>::create_npy(&path, &[2, 2], false).unwrap();
    assert_eq!(a.mode(), Mode::Create);
    a.as_slice_mut()
        .unwrap()
        .copy_from_slice(&[1.0, 2.0, 3.0, 4.0]);
    drop(a);

    let mut rw = MmapArray::<f64>::open_npy(&path, Mode::ReadWrite).unwrap();
    rw.row_mut(1).unwrap()[0] = 30.0;
    drop(rw);
    let mut cow = MmapArray::<f64>::open_npy(&path, Mode::CopyOnWrite).unwrap();
    assert_eq!(
        cow.as_slice(),
        &[1.0, 2.0, 30.0, 4.0],
        "read-write reached the file"
    );
    cow.write_region(&Region::full(&[2, 2]), &[7.0; 4]).unwrap();
    assert_eq!(
        cow.as_slice(),
        &[7.0; 4],
        "copy-on-write sees its own writes"
    );
    cow.flush().unwrap();
    let other = MmapArray::<f64>::open_npy(&path, Mode::ReadOnly).unwrap();
    assert_eq!(
        other.as_slice(),
        &[1.0, 2.0, 30.0, 4.0],
        "copy-on-write never reaches the file"
    );
    drop(cow);
    let again = MmapArray::<f64>::open_npy(&path, Mode::ReadOnly).unwrap();
    assert_eq!(again.as_slice(), other.as_slice());
}

#[test]
fn create_overwrites_and_zero_fills() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("o.npy");
    std::fs::write(&path, vec![0xAB_u8; 10_000]).unwrap();
    let a = MmapArray::<u32>::create_npy(&path, &[10], false).unwrap();
    assert!(a.as_slice().iter().all(|&x| x == 0));
    let header_len = a.data_offset();
    assert_eq!(header_len % 64, 0);
    drop(a);
    assert_eq!(std::fs::metadata(&path).unwrap().len(), header_len + 40);
    let raw = dir.path().join("o.bin");
    std::fs::write(&raw, vec![0xAB_u8; 10_000]).unwrap();
    let layout = RawLayout::c_order(vec![4]).with_offset(8);
    let r = MmapArray::<u32>::open_raw(&raw, &layout, Mode::Create).unwrap();
    drop(r);
    assert_eq!(std::fs::read(&raw).unwrap(), vec![0_u8; 24]);
}

#[test]
fn flush_puts_the_data_in_the_file_before_drop() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("fl.bin");
    let mut a = MmapArray::<u8>::create_raw(&path, &RawLayout::c_order(vec![3, 4])).unwrap();
    a.as_slice_mut().unwrap().copy_from_slice(&[5; 12]);
    a.flush().unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), vec![5; 12]);
    a.row_mut(0).unwrap().copy_from_slice(&[6; 4]);
    a.flush_async().unwrap();
    a.flush().unwrap();
    assert_eq!(&std::fs::read(&path).unwrap()[..4], &[6; 4]);
}

#[test]
fn every_advice_keeps_the_data() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("adv.npy");
    let n = 3 * 4096;
    let want: Vec<i64> = values(n, 3);
    let mut a = MmapArray::<i64>::create_npy(&path, &[n], false).unwrap();
    a.as_slice_mut().unwrap().copy_from_slice(&want);
    for access in [
        Access::Sequential,
        Access::Random,
        Access::WillNeed,
        Access::DontNeed,
    ] {
        // Dirty pages of a shared map survive dont-need: they live on in the page cache.
        a.advise(access).unwrap();
        assert_eq!(a.as_slice(), &want[..], "{access:?}");
    }
    drop(a);
    for mode in [Mode::ReadOnly, Mode::ReadWrite, Mode::CopyOnWrite] {
        let b = MmapArray::<i64>::open_npy(&path, mode).unwrap();
        for access in [Access::Sequential, Access::Random, Access::WillNeed] {
            b.advise(access).unwrap();
        }
        if mode != Mode::CopyOnWrite {
            b.advise(Access::DontNeed).unwrap();
        }
        assert_eq!(b.as_slice(), &want[..], "{mode}");
    }
}

/// Releasing regions after sequential advice drops their pages (a hint) and never
/// changes what is read: on read-only, read-write and copy-on-write maps, C and Fortran
/// order, for whole, partial, unaligned, empty and out-of-range regions.
#[test]
fn released_regions_read_back_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let (rows, cols) = (64, 1000);
    let want: Vec<f64> = values(rows * cols, 6);
    for fortran in [false, true] {
        let path = dir.path().join(format!("rel-{fortran}.npy"));
        let mut a = MmapArray::<f64>::create_npy(&path, &[rows, cols], fortran).unwrap();
        a.as_slice_mut().unwrap().copy_from_slice(&want);
        a.flush().unwrap();
        drop(a);
        for mode in [Mode::ReadOnly, Mode::ReadWrite, Mode::CopyOnWrite] {
            let b = MmapArray::<f64>::open_npy(&path, mode).unwrap();
            for access in [Access::Random, Access::Sequential] {
                b.advise(access).unwrap();
                for region in [
                    Region::rows(0, rows, cols),
                    Region::rows(7, 9, cols),
                    Region::rows(rows, 0, cols),
                    Region::block(3, 5, 10, 20),
                    Region::rows(rows - 1, 2, cols),
                ] {
                    b.release_region(&region);
                }
                assert_eq!(
                    b.as_slice(),
                    &want[..],
                    "fortran {fortran}, {mode}, {access:?}"
                );
            }
        }
    }
}

#[test]
fn footprint_tells_mapped_from_resident() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("fp.npy");
    let mut a = MmapArray::<f32>::create_npy(&path, &[256, 1024], false).unwrap();
    assert_eq!(a.mapped_bytes(), 1 << 20);
    assert!(a.heap_bytes() < 1024, "the elements are not heap");
    assert!(Footprint::resident_bytes(&a) <= a.mapped_bytes());
    a.as_slice_mut().unwrap().fill(1.0);
    // Every page was just written, so every page is in memory.
    assert_eq!(a.resident_bytes().unwrap(), 1 << 20);
    assert_eq!(Footprint::resident_bytes(&a), 1 << 20);
}

#[test]
fn views_are_lent_for_c_order_only() {
    let dir = tempfile::tempdir().unwrap();
    let c = MmapArray::<f32>::create_npy(dir.path().join("c.npy"), &[4, 3], false).unwrap();
    let f = MmapArray::<f32>::create_npy(dir.path().join("f.npy"), &[4, 3], true).unwrap();
    let f1 = MmapArray::<f32>::create_npy(dir.path().join("f1.npy"), &[5], true).unwrap();
    assert!(c.as_view().is_some());
    assert!(f.as_view().is_none());
    assert!(f1.as_view().is_some(), "1-D Fortran order is C order");
    let rows = c.view_region(&Region::rows(1, 2, 3)).unwrap().unwrap();
    assert!(std::ptr::eq(rows.as_ptr(), &c.as_slice()[3]), "zero-copy");
    assert!(f.view_region(&Region::rows(1, 2, 3)).unwrap().is_none());
    assert!(c.concurrent_reads() && c.dtype() == DType::F32);
    assert_eq!(
        f.view().strides(),
        ndarray::ArrayD::<f32>::zeros(IxDyn(&[4, 3]).f()).strides()
    );
}

#[test]
fn concurrent_reads_from_threads() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.npy");
    let mut a = MmapArray::<u32>::create_npy(&path, &[64, 100], false).unwrap();
    let want: Vec<u32> = values(6400, 5);
    a.as_slice_mut().unwrap().copy_from_slice(&want);
    let a = &a;
    std::thread::scope(|s| {
        for t in 0..4 {
            let want = &want;
            s.spawn(move || {
                let mut buf = vec![0_u32; 1600];
                a.read_region(&Region::rows(t * 16, 16, 100), &mut buf)
                    .unwrap();
                assert_eq!(buf, want[t * 1600..(t + 1) * 1600]);
            });
        }
    });
}

#[test]
fn zero_length_arrays_work_everywhere() {
    let dir = tempfile::tempdir().unwrap();
    for (i, shape) in [vec![0], vec![3, 0], vec![0, 2, 5]].into_iter().enumerate() {
        let path = dir.path().join(format!("z{i}.npy"));
        let mut a = MmapArray::<f64>::create_npy(&path, &shape, i == 1).unwrap();
        assert!(a.is_empty() && a.as_slice().is_empty());
        assert_eq!(a.view().shape(), &shape[..]);
        assert_eq!(a.view_mut().unwrap().len(), 0);
        a.flush().unwrap();
        a.flush_async().unwrap();
        a.advise(Access::WillNeed).unwrap();
        assert_eq!(a.resident_bytes().unwrap(), 0);
        assert_eq!(a.mapped_bytes(), 0);
        a.write_region(&Region::full(&shape), &[]).unwrap();
        drop(a);
        for mode in [Mode::ReadOnly, Mode::ReadWrite, Mode::CopyOnWrite] {
            let b = MmapArray::<f64>::open_npy(&path, mode).unwrap();
            assert_eq!(b.shape(), &shape[..]);
            let mut none: [f64; 0] = [];
            b.read_region(&Region::full(&shape), &mut none).unwrap();
            assert_eq!(
                b.view_region(&Region::full(&shape))
                    .unwrap()
                    .map(<[f64]>::len),
                if i == 1 { None } else { Some(0) }
            );
        }
        assert_eq!(
            read_npy_converted::<f64>(&path).unwrap().shape(),
            &shape[..]
        );
    }
    let raw = dir.path().join("z.bin");
    let layout = RawLayout::c_order(vec![0]).with_offset(24);
    drop(MmapArray::<u8>::create_raw(&raw, &layout).unwrap());
    assert_eq!(std::fs::metadata(&raw).unwrap().len(), 24);
    assert!(
        MmapArray::<u8>::open_raw(&raw, &layout, Mode::ReadOnly)
            .unwrap()
            .is_empty()
    );
}

#[test]
fn headers_longer_than_the_first_read_are_read_in_full() {
    // A version 2.0 header padded to 10,048 bytes (numpy accepts any padding).
    let dict = "{'descr': '<u2', 'fortran_order': True, 'shape': (2, 3), }";
    let data_at = 10_048;
    let mut bytes = b"\x93NUMPY\x02\x00".to_vec();
    bytes.extend_from_slice(&u32::try_from(data_at - 12).unwrap().to_le_bytes());
    bytes.extend_from_slice(dict.as_bytes());
    bytes.resize(data_at - 1, b' ');
    bytes.push(b'\n');
    let want: Vec<u16> = values(6, 4);
    for v in &want {
        bytes.extend_from_slice(&v.to_le_bytes());
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("long.npy");
    std::fs::write(&path, &bytes).unwrap();
    let header = ooc_mmap::inspect_npy(&path).unwrap();
    assert_eq!(
        (header.dtype, header.shape.as_slice()),
        (DType::U16, &[2_usize, 3][..])
    );
    let converted = read_npy_converted::<u16>(&path).unwrap();
    assert_eq!(converted.t().iter().copied().collect::<Vec<_>>(), want);
    if cfg!(target_endian = "little") {
        let a = MmapArray::<u16>::open_npy(&path, Mode::ReadOnly).unwrap();
        assert_eq!(a.data_offset(), data_at as u64);
        assert_eq!(a.as_slice(), &want[..]);
    }
}
