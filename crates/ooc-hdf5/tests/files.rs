//! Files, groups, attributes and datasets through the library path: open modes, paths,
//! member listings, attribute kinds, builder settings, resizing and hyperslab I/O
//! checked against an in-memory reference.

mod common;

use common::tmp;
use ooc_core::{MemArray, ReadBlock as _, Region, WriteBlock as _};
use ooc_hdf5::{AttrValue, ChunkCache, Error, File, Filter, Layout, MemberKind, Mode};
use proptest::prelude::*;

#[test]
fn open_modes_follow_h5py() {
    let dir = tmp();
    let p = dir.path().join("m.h5");
    // a: creates when missing, keeps contents when present.
    let f = File::append(&p).unwrap();
    f.create_group("g").unwrap();
    f.close().unwrap();
    let f = File::append(&p).unwrap();
    assert!(f.contains("g"));
    drop(f);
    // w-: refuses an existing file; x is the same mode.
    assert!(matches!(File::create_new(&p), Err(Error::Library { .. })));
    // r: read-only.
    let f = File::open(&p).unwrap();
    assert!(!f.is_writable());
    assert!(f.contains("/g"));
    drop(f);
    // r+: read-write.
    let f = File::open_rw(&p).unwrap();
    assert!(f.is_writable());
    f.create_group("h").unwrap();
    drop(f);
    // w: truncates.
    let f = File::create(&p).unwrap();
    assert!(!f.contains("g"));
    drop(f);
    let q = dir.path().join("new.h5");
    let f = File::open_with(&q, Mode::CreateNew).unwrap();
    assert_eq!(f.path(), q.as_path());
    drop(f);
    let cache = ChunkCache {
        bytes: 64 << 20,
        slots: 10_007,
        preemption: 0.5,
    };
    let f = File::open_with_cache(&q, Mode::ReadWrite, cache).unwrap();
    assert!(f.is_writable());
}

#[test]
fn groups_by_path_and_members_with_kinds() {
    let dir = tmp();
    let f = File::create(dir.path().join("g.h5")).unwrap();
    assert!(matches!(
        f.create_group("/a/b"),
        Err(Error::MissingParent { hint, .. }) if hint.contains("create_group_all")
    ));
    let b = f.create_group_all("/a/b").unwrap();
    assert_eq!(b.path(), "/a/b");
    let c = b.create_group("c").unwrap();
    assert_eq!(c.path(), "/a/b/c");
    f.create_group_all("a/b").unwrap(); // existing groups are kept
    b.new_dataset::<i32>("d").shape([2]).create().unwrap();
    f.new_dataset::<f64>("/x/y/z")
        .shape([1])
        .create_parents()
        .create()
        .unwrap();
    let mut members = f.group("/a/b").unwrap().members().unwrap();
    members.sort_by(|x, y| x.name.cmp(&y.name));
    let listed: Vec<(&str, MemberKind)> =
        members.iter().map(|m| (m.name.as_str(), m.kind)).collect();
    assert_eq!(
        listed,
        vec![("c", MemberKind::Group), ("d", MemberKind::Dataset)]
    );
    assert_eq!(f.kind_of("/x/y").unwrap(), MemberKind::Group);
    assert_eq!(f.kind_of("/x/y/z").unwrap(), MemberKind::Dataset);
    assert_eq!(f.dataset("/a/b/d").unwrap().path(), "/a/b/d");
    assert_eq!(b.dataset("d").unwrap().shape(), &[2]);
    assert_eq!(f.group("/").unwrap().path(), "/");
    assert!(matches!(
        f.create_group_all("/a/b/d/e"),
        Err(Error::WrongKind { .. })
    ));
}

#[test]
fn attributes_of_every_kind_round_trip() {
    let dir = tmp();
    let p = dir.path().join("attr.h5");
    let values = vec![
        ("int", AttrValue::Int(-7)),
        ("uint", AttrValue::UInt(u64::MAX)),
        ("float", AttrValue::Float(2.5)),
        ("text", AttrValue::String("csr_matrix ünïcode".into())),
        ("ints", AttrValue::IntArray(vec![1000, -100_000])),
        ("uints", AttrValue::UIntArray(vec![1, 2, 3])),
        ("floats", AttrValue::FloatArray(vec![0.5, -1.0])),
        (
            "texts",
            AttrValue::StringArray(vec!["a".into(), "bc".into()]),
        ),
    ];
    {
        let f = File::create(&p).unwrap();
        let g = f.create_group("g").unwrap();
        let ds = f.new_dataset::<u8>("d").shape([1]).create().unwrap();
        for (name, v) in &values {
            g.set_attr(name, v.clone()).unwrap();
            ds.set_attr(name, v.clone()).unwrap();
        }
        // Replacing an attribute changes its kind too.
        g.set_attr("int", "now a string").unwrap();
        g.set_attr("int", -7_i64).unwrap();
    }
    let f = File::open(&p).unwrap();
    let g = f.group("g").unwrap();
    let ds = f.dataset("d").unwrap();
    for (name, v) in &values {
        assert_eq!(&g.attr(name).unwrap(), v, "{name}");
        assert_eq!(&ds.attr(name).unwrap(), v, "{name}");
    }
    let mut names = g.attr_names().unwrap();
    names.sort();
    let mut want: Vec<&str> = values.iter().map(|(n, _)| *n).collect();
    want.sort_unstable();
    assert_eq!(names, want);
    assert_eq!(g.attr_string("text").unwrap(), "csr_matrix ünïcode");
    assert!(matches!(
        g.attr_string("int"),
        Err(Error::AttributeType { .. })
    ));
    assert!(matches!(g.attr("missing"), Err(Error::NotFound { .. })));
    assert!(matches!(g.set_attr("x", 1_i64), Err(Error::ReadOnly(_))));
    assert_eq!(
        g.attr("ints").unwrap().to_i64_vec(),
        Some(vec![1000, -100_000])
    );
}

#[test]
fn builder_settings_show_in_describe() {
    let dir = tmp();
    let f = File::create(dir.path().join("d.h5")).unwrap();
    let contiguous = f.new_dataset::<f32>("c").shape([10, 20]).create().unwrap();
    let info = contiguous.describe().unwrap();
    assert_eq!(info.layout, Layout::Contiguous);
    assert_eq!(info.chunk_shape, None);
    assert_eq!(info.logical_bytes, 800);
    assert_eq!(info.max_shape, vec![Some(10), Some(20)]);
    let mut chunked = f
        .new_dataset::<i16>("k")
        .shape([7, 9])
        .chunk([4, 4])
        .max_shape([None, Some(12)])
        .shuffle()
        .deflate(6)
        .fill_value(-3)
        .create()
        .unwrap();
    let info = chunked.describe().unwrap();
    assert_eq!(info.layout, Layout::Chunked);
    assert_eq!(info.chunk_shape, Some(vec![4, 4]));
    assert_eq!(info.filters, vec![Filter::Shuffle, Filter::Deflate(6)]);
    assert_eq!(info.max_shape, vec![None, Some(12)]);
    assert_eq!(info.stored_bytes, 0, "nothing written yet");
    assert!(info.to_string().contains("Chunked"));
    assert_eq!(chunked.read_vec::<i16>().unwrap(), vec![-3; 63]);
    chunked.write_all(&[5_i16; 63]).unwrap();
    let info = chunked.describe().unwrap();
    assert!(info.stored_bytes > 0 && info.stored_bytes < info.logical_bytes);
    chunked.resize(&[20, 12]).unwrap();
    assert_eq!(chunked.shape(), &[20, 12]);
    let all = chunked.read_vec::<i16>().unwrap();
    for (i, &v) in all.iter().enumerate() {
        let (r, c) = (i / 12, i % 12);
        assert_eq!(v, if r < 7 && c < 9 { 5 } else { -3 }, "({r}, {c})");
    }
    assert!(matches!(
        chunked.resize(&[20, 13]),
        Err(Error::Library { .. })
    ));
    // Filters or an unlimited dimension without a chunk shape get advised chunks.
    let auto = f
        .new_dataset::<f64>("auto")
        .shape([5, 1000])
        .resizable()
        .create()
        .unwrap();
    assert_eq!(auto.describe().unwrap().layout, Layout::Chunked);
    assert_eq!(auto.chunk(), Some(&[5, 1000][..]));
}

#[test]
fn rows_and_scalars() {
    let dir = tmp();
    let f = File::create(dir.path().join("r.h5")).unwrap();
    let mut ds = f.new_dataset::<u32>("m").shape([4, 3]).create().unwrap();
    ds.write_rows(1, &[1_u32, 2, 3, 4, 5, 6]).unwrap();
    let mut two = [0_u32; 6];
    ds.read_rows(1, &mut two).unwrap();
    assert_eq!(two, [1, 2, 3, 4, 5, 6]);
    let mut bad = [0_u32; 4];
    assert!(matches!(ds.read_rows(0, &mut bad), Err(Error::Core(_))));
    let mut s = f.new_dataset::<f64>("s").create().unwrap();
    s.write_all(&[4.5]).unwrap();
    assert_eq!(s.read_vec::<f64>().unwrap(), vec![4.5]);
}

fn region_in(shape: Vec<usize>) -> impl Strategy<Value = (Vec<usize>, Region)> {
    let dims: Vec<_> = shape
        .iter()
        .map(|&d| (0..=d).prop_flat_map(move |s| (Just(s), 0..=d - s)))
        .collect();
    (Just(shape), dims).prop_map(|(shape, se)| {
        let (start, extent) = se.into_iter().unzip();
        (shape, Region::new(start, extent))
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]
    /// Random writes then random reads of N-D hyperslabs agree with an in-memory array.
    #[test]
    fn hyperslabs_match_a_reference(
        (shape, w) in prop::collection::vec(1_usize..7, 1..4).prop_flat_map(region_in),
        r_seed in any::<u64>(),
        chunked in any::<bool>(),
    ) {
        let dir = tmp();
        let f = File::create(dir.path().join("p.h5")).unwrap();
        let mut b = f.new_dataset::<i64>("x").shape(&shape);
        if chunked {
            b = b.chunk(shape.iter().map(|&d| d.div_ceil(2)).collect::<Vec<_>>());
        }
        let mut ds = b.create().unwrap();
        let n: usize = shape.iter().product();
        let init: Vec<i64> = (0..n as i64).collect();
        ds.write_all(&init).unwrap();
        let mut reference = MemArray::from_vec(shape.clone(), init).unwrap();
        let data: Vec<i64> = (0..w.len() as i64).map(|i| -i - 1).collect();
        ds.write_region(&w, &data).unwrap();
        reference.write_region(&w, &data).unwrap();
        // A read region derived from the seed.
        let start: Vec<usize> = shape.iter().enumerate()
            .map(|(i, &d)| (r_seed as usize >> (i * 8)) % d).collect();
        let extent: Vec<usize> = shape.iter().zip(&start).enumerate()
            .map(|(i, (&d, &s))| 1 + (r_seed as usize >> (i * 8 + 4)) % (d - s)).collect();
        let r = Region::new(start, extent);
        let mut got = vec![0_i64; r.len()];
        ds.read_region(&r, &mut got).unwrap();
        let mut want = vec![0_i64; r.len()];
        reference.read_region(&r, &mut want).unwrap();
        prop_assert_eq!(got, want);
    }
}

/// The library's descriptor is close-on-exec, so child processes do not inherit the file
/// (and its lock).
#[test]
fn library_descriptors_are_close_on_exec() {
    let dir = tmp();
    let p = dir.path().join("cloexec-check.h5");
    let f = File::create(&p).unwrap();
    let mut seen = 0;
    for entry in std::fs::read_dir("/proc/self/fd").unwrap().flatten() {
        let Ok(target) = std::fs::read_link(entry.path()) else {
            continue;
        };
        if target.to_string_lossy().ends_with("cloexec-check.h5") {
            let fd: i32 = entry.file_name().to_string_lossy().parse().unwrap();
            // SAFETY: F_GETFD only reads the descriptor's flags.
            let flags = unsafe { libc::fcntl(fd, libc::F_GETFD) };
            assert!(
                flags >= 0 && flags & libc::FD_CLOEXEC != 0,
                "fd {fd}: {flags}"
            );
            seen += 1;
        }
    }
    assert!(seen >= 1, "no descriptor of the file found");
    drop(f);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]
    /// Rows pushed through a `RowWriter` (finished or dropped) land exactly where
    /// `write_rows` would put them, whatever the chunking and start row.
    #[test]
    fn row_writer_matches_row_writes(
        rows in 1_usize..20,
        inner in prop::collection::vec(1_usize..6, 0..3),
        chunk_rows in prop::option::of(1_usize..25),
        start in 0_usize..20,
        count in 0_usize..20,
        finish in any::<bool>(),
    ) {
        let start = start.min(rows);
        let count = count.min(rows - start);
        let mut shape = vec![rows];
        shape.extend(&inner);
        let row_len: usize = inner.iter().product();
        let dir = tmp();
        let f = File::create(dir.path().join("w.h5")).unwrap();
        let mut b = f.new_dataset::<i32>("a").shape(&shape).fill_value(-1);
        let mut c = f.new_dataset::<i32>("b").shape(&shape).fill_value(-1);
        if let Some(cr) = chunk_rows {
            let mut chunk = vec![cr];
            chunk.extend(inner.iter().map(|&d| d.div_ceil(2)));
            b = b.chunk(&chunk).max_shape(vec![None; shape.len()]);
            c = c.chunk(&chunk).max_shape(vec![None; shape.len()]);
        }
        let mut a = b.create().unwrap();
        let mut reference = c.create().unwrap();
        {
            let mut w = a.row_writer::<i32>(start).unwrap();
            for r in start..start + count {
                let row: Vec<i32> = (0..row_len).map(|i| (r * 100 + i) as i32).collect();
                w.push(&row).unwrap();
                reference.write_rows(r, &row).unwrap();
            }
            if start + count == rows {
                prop_assert!(w.push(&vec![0; row_len]).is_err(), "push past the end");
            }
            prop_assert!(w.push(&vec![0; row_len + 1]).is_err(), "wrong row length");
            if finish { w.finish().unwrap(); }
        }
        prop_assert_eq!(a.read_vec::<i32>().unwrap(), reference.read_vec::<i32>().unwrap());
    }
}

#[test]
fn row_writer_refuses_bad_setups() {
    let dir = tmp();
    let p = dir.path().join("rw.h5");
    let f = File::create(&p).unwrap();
    let mut ds = f.new_dataset::<f32>("x").shape([3, 2]).create().unwrap();
    assert!(matches!(ds.row_writer::<f64>(0), Err(Error::Core(_))));
    assert!(matches!(ds.row_writer::<f32>(4), Err(Error::Core(_))));
    let mut scalar = f.new_dataset::<f32>("s").create().unwrap();
    assert!(scalar.row_writer::<f32>(0).is_err());
    drop((ds, scalar, f));
    let f = File::open(&p).unwrap();
    let mut ds = f.dataset("x").unwrap();
    assert!(matches!(ds.row_writer::<f32>(0), Err(Error::ReadOnly(_))));
}
