//! Files written by h5py (`tests/fixtures`, made by `make_fixtures.py`) open and read
//! correctly: every element type, big-endian storage, chunked + gzip + shuffle datasets in
//! both the earliest and the 1.10 file format (all chunk index kinds), partially written chunks, attributes of
//! every kind, nested groups, and a file with a user block. Values are recomputed from the
//! script's rule; the parallel read path must agree with the library on every dataset.

mod common;

use std::path::PathBuf;

use common::read_all;
use ooc_core::{Complex, DType, Element, Region, dispatch_dtype};
use ooc_hdf5::{AttrValue, Dataset, File, Filter, Layout, MemberKind, ReadPath};

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// The fixture script's rule, element `i` (C order) for each element type.
trait Rule: Element {
    fn rule(k: i64) -> Self;
}
macro_rules! int_rule {
    ($($t:ty => $off:expr),*) => {$(
        impl Rule for $t {
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            fn rule(k: i64) -> Self { (k - $off) as $t }
        }
    )*};
}
int_rule!(i8 => 40, i16 => 40, i32 => 40, i64 => 40, u8 => 0, u16 => 0, u32 => 0, u64 => 0);
impl Rule for f32 {
    #[allow(clippy::cast_precision_loss, clippy::cast_possible_truncation)]
    fn rule(k: i64) -> Self {
        (k as f64 * 0.5 - 10.0) as f32
    }
}
impl Rule for f64 {
    #[allow(clippy::cast_precision_loss)]
    fn rule(k: i64) -> Self {
        k as f64 * 0.5 - 10.0
    }
}
impl Rule for Complex<f32> {
    #[allow(clippy::cast_precision_loss)]
    fn rule(k: i64) -> Self {
        Complex::new(f32::rule(k), -(k as f32))
    }
}
impl Rule for Complex<f64> {
    #[allow(clippy::cast_precision_loss)]
    fn rule(k: i64) -> Self {
        Complex::new(f64::rule(k), -(k as f64))
    }
}

fn expected<T: Rule>(n: usize) -> Vec<T> {
    (0..n)
        .map(|i| T::rule(i64::try_from(i % 97).unwrap()))
        .collect()
}

/// Reads `ds` whole through the library and the parallel reader (and a sub-block through
/// both), checks they agree, and returns the values.
fn read_both<T: Element>(ds: &Dataset) -> Vec<T> {
    let lib = ds.read_vec::<T>().unwrap();
    let reader = ds.parallel_reader().unwrap();
    assert!(
        read_all::<T>(&reader) == lib,
        "{}: parallel reader differs",
        ds.path()
    );
    if ds.shape().len() == 2 && ds.shape()[0] > 2 && ds.shape()[1] > 2 {
        let r = Region::block(1, 1, ds.shape()[0] - 2, ds.shape()[1] - 1);
        let mut a = vec![T::default(); r.len()];
        let mut b = vec![T::default(); r.len()];
        ds.read_region(&r, &mut a).unwrap();
        reader.read_region(&r, &mut b).unwrap();
        assert!(a == b, "{}: parallel reader differs on {r:?}", ds.path());
    }
    lib
}

fn check_rule<T: Rule>(ds: &Dataset) {
    assert_eq!(ds.dtype(), T::DTYPE, "{}", ds.path());
    let got = read_both::<T>(ds);
    assert!(got == expected::<T>(ds.len()), "{}: values", ds.path());
}

macro_rules! check_dtype {
    ($t:ty, $ds:expr) => {
        check_rule::<$t>($ds)
    };
}

#[test]
fn every_element_type_and_byte_order() {
    let f = File::open(fixture("h5py_types.h5")).unwrap();
    let mut seen = 0;
    for d in DType::ALL {
        for group in ["types", "types_be"] {
            let ds = f.dataset(&format!("/{group}/{}", d.name())).unwrap();
            assert_eq!(ds.shape(), &[5, 7]);
            dispatch_dtype!(d, check_dtype, &ds);
            let info = ds.describe().unwrap();
            assert_eq!(info.layout, Layout::Contiguous);
            let reader = ds.parallel_reader().unwrap();
            if group == "types_be" && d.size() > 1 {
                assert_eq!(info.byte_order, ooc_core::ByteOrder::Big);
                assert!(matches!(reader.path(), ReadPath::Library(_)), "{d}");
            } else {
                assert_eq!(reader.path(), &ReadPath::Contiguous, "{group} {d}");
            }
            seen += 1;
        }
    }
    assert_eq!(seen, 24);
}

#[test]
fn attributes_written_by_h5py() {
    let f = File::open(fixture("h5py_types.h5")).unwrap();
    assert_eq!(
        f.attr("title").unwrap(),
        AttrValue::String("ooc fixtures".into())
    );
    assert_eq!(f.attr("version").unwrap(), AttrValue::Int(3));
    assert_eq!(f.attr("small_int").unwrap(), AttrValue::Int(-3));
    assert_eq!(f.attr("count").unwrap(), AttrValue::UInt(7));
    assert_eq!(f.attr("scale").unwrap(), AttrValue::Float(0.25));
    assert_eq!(f.attr("f32val").unwrap(), AttrValue::Float(1.5));
    assert_eq!(f.attr("shape").unwrap(), AttrValue::IntArray(vec![50, 70]));
    assert_eq!(
        f.attr("weights").unwrap(),
        AttrValue::FloatArray(vec![0.5, -2.0, 8.0])
    );
    assert_eq!(
        f.attr("names").unwrap(),
        AttrValue::StringArray(vec!["a".into(), "bc".into()])
    );
    assert_eq!(
        f.attr("fixed").unwrap(),
        AttrValue::String("fixed-ascii".into())
    );
    let g = File::open(fixture("h5py_chunked.h5")).unwrap();
    assert_eq!(
        g.group("nested")
            .unwrap()
            .attr_string("encoding-type")
            .unwrap(),
        "csr_matrix"
    );
    assert_eq!(
        g.dataset("matrix").unwrap().attr("units").unwrap(),
        AttrValue::String("m".into())
    );
}

fn check_chunked_file(name: &str) {
    let f = File::open(fixture(name)).unwrap();
    let mut members = f.members().unwrap();
    members.sort_by(|a, b| a.name.cmp(&b.name));
    let kinds: Vec<(&str, MemberKind)> =
        members.iter().map(|m| (m.name.as_str(), m.kind)).collect();
    assert_eq!(
        kinds,
        vec![
            ("grow_both", MemberKind::Dataset),
            ("matrix", MemberKind::Dataset),
            ("nested", MemberKind::Group),
            ("partial", MemberKind::Dataset),
            ("resizable", MemberKind::Dataset),
        ],
        "{name}"
    );

    let m = f.dataset("/matrix").unwrap();
    let info = m.describe().unwrap();
    assert_eq!(info.layout, Layout::Chunked);
    assert_eq!(info.chunk_shape, Some(vec![16, 15]));
    assert_eq!(info.filters, vec![Filter::Shuffle, Filter::Deflate(4)]);
    assert!(info.stored_bytes < info.logical_bytes, "{info}");
    assert_eq!(m.parallel_reader().unwrap().path(), &ReadPath::Chunked);
    check_rule::<f32>(&m);

    let v = f.dataset("/nested/deeper/values").unwrap();
    assert_eq!(v.describe().unwrap().filters, vec![Filter::Deflate(9)]);
    check_rule::<f64>(&v);

    let r = f.dataset("resizable").unwrap();
    assert_eq!(r.describe().unwrap().max_shape, vec![None, Some(6)]);
    check_rule::<f32>(&r);
    check_rule::<i16>(&f.dataset("grow_both").unwrap());

    // Rows 0..10 hold the rule, the rest the fill value -5 (chunks never written).
    let p = f.dataset("partial").unwrap();
    let got = read_both::<i32>(&p);
    let written = expected::<i32>(300);
    for (i, &v) in got.iter().enumerate() {
        assert_eq!(
            v,
            if i < 300 { written[i] } else { -5 },
            "{name} partial[{i}]"
        );
    }
}

#[test]
fn chunked_gzip_shuffle_in_the_earliest_format() {
    check_chunked_file("h5py_chunked.h5");
}

#[test]
fn chunked_gzip_shuffle_in_the_1_10_format() {
    check_chunked_file("h5py_v110.h5");
}

#[test]
fn a_user_block_sends_reads_through_the_library() {
    let f = File::open(fixture("h5py_userblock.h5")).unwrap();
    for name in ["contiguous", "chunked"] {
        let ds = f.dataset(name).unwrap();
        match ds.parallel_reader().unwrap().path() {
            ReadPath::Library(why) => assert!(why.contains("user block"), "{why}"),
            other => panic!("{name}: {other:?}"),
        }
        check_rule::<f32>(&ds);
    }
}
