//! Round trips with real h5py, both ways: a file ooc writes (every element type, chunked
//! with gzip and shuffle, resizable with a fill value, nested groups, attributes) is checked
//! by h5py against the fixture rule, and a file h5py writes now is read back by ooc. Needs
//! `OOC_PYTHON` (a Python with h5py; `cargo xtask test` sets it).

mod common;

use std::path::Path;

use common::{no_child_while_open, python, read_all, run_python, tmp};
use ooc_core::{Complex, DType, Element, dispatch_dtype};
use ooc_hdf5::{AttrValue, File, ReadPath};

/// The fixture rule (`tests/fixtures/make_fixtures.py`) for element `i`.
fn rule<T: Element>(i: usize) -> T {
    let k = f64::from(u32::try_from(i % 97).unwrap());
    match T::DTYPE {
        DType::I8 | DType::I16 | DType::I32 | DType::I64 => T::from_f64(k - 40.0),
        DType::U8 | DType::U16 | DType::U32 | DType::U64 => T::from_f64(k),
        DType::F32 | DType::F64 => T::from_f64(k * 0.5 - 10.0),
        DType::C64 => bytemuck::cast(Complex::new((k * 0.5 - 10.0) as f32, -k as f32)),
        DType::C128 => bytemuck::cast(Complex::new(k * 0.5 - 10.0, -k)),
    }
}

fn rule_vec<T: Element>(n: usize) -> Vec<T> {
    (0..n).map(rule::<T>).collect()
}

fn write_typed<T: Element>(f: &File) {
    let mut ds = f
        .new_dataset::<T>(&format!("/types/{}", T::DTYPE.name()))
        .shape([4, 6])
        .create_parents()
        .create()
        .unwrap();
    ds.write_all(&rule_vec::<T>(24)).unwrap();
}

macro_rules! write_dtype {
    ($t:ty, $f:expr) => {
        write_typed::<$t>($f)
    };
}

fn write_ooc_file(path: &Path) {
    let f = File::create(path).unwrap();
    for d in DType::ALL {
        dispatch_dtype!(d, write_dtype, &f);
    }
    let mut gz = f
        .new_dataset::<f32>("/chunked/gz")
        .shape([37, 53])
        .chunk([10, 20])
        .shuffle()
        .deflate(6)
        .create_parents()
        .create()
        .unwrap();
    gz.write_all(&rule_vec::<f32>(37 * 53)).unwrap();
    gz.set_attr("units", "m").unwrap();
    let mut grow = f
        .new_dataset::<i64>("/chunked/grow")
        .shape([5, 3])
        .max_shape([None, Some(3)])
        .chunk([2, 3])
        .fill_value(11)
        .create()
        .unwrap();
    grow.write_all(&rule_vec::<i64>(15)).unwrap();
    grow.resize(&[9, 3]).unwrap();
    let mut deep = f
        .new_dataset::<u16>("/a/b/c/deep")
        .shape([3])
        .create_parents()
        .create()
        .unwrap();
    deep.write_all(&rule_vec::<u16>(3)).unwrap();
    f.set_attr("title", "written by ooc").unwrap();
    f.set_attr("version", 3_i64).unwrap();
    f.set_attr("big", u64::MAX).unwrap();
    f.set_attr("scale", 0.25).unwrap();
    f.set_attr("shape", vec![37_i64, 53]).unwrap();
    f.set_attr("weights", vec![0.5, -2.0]).unwrap();
    f.set_attr("names", vec!["a".to_owned(), "bc".to_owned()])
        .unwrap();
    f.group("/a/b")
        .unwrap()
        .set_attr("encoding-type", "csr_matrix")
        .unwrap();
}

const CHECK_OOC_FILE: &str = r#"
import sys, h5py, numpy as np
def rule(shape, dt):
    n = int(np.prod(shape, dtype=np.int64)); k = np.arange(n, dtype=np.int64) % 97
    kind = np.dtype(dt).kind
    v = {"i": k - 40, "u": k, "f": k * 0.5 - 10}.get(kind)
    if v is None: v = (k * 0.5 - 10) + 1j * (-k)
    return v.astype(dt).reshape(shape)
names = {"i8":"i1","i16":"i2","i32":"i4","i64":"i8","u8":"u1","u16":"u2","u32":"u4",
         "u64":"u8","f32":"f4","f64":"f8","c64":"c8","c128":"c16"}
f = h5py.File(sys.argv[1], "r")
for name, dt in names.items():
    d = f["types/" + name]
    assert d.dtype == np.dtype(dt), (name, d.dtype)
    assert np.array_equal(d[()], rule((4, 6), dt)), name
gz = f["chunked/gz"]
assert gz.chunks == (10, 20) and gz.compression == "gzip" and gz.compression_opts == 6, gz
assert gz.shuffle and gz.dtype == np.float32
assert np.array_equal(gz[()], rule((37, 53), "f4"))
assert gz.attrs["units"] == "m"
grow = f["chunked/grow"]
assert grow.maxshape == (None, 3) and grow.chunks == (2, 3) and grow.fillvalue == 11
want = np.full((9, 3), 11, dtype="i8"); want[:5] = rule((5, 3), "i8")
assert np.array_equal(grow[()], want)
assert np.array_equal(f["a/b/c/deep"][()], rule((3,), "u2"))
a = f.attrs
assert a["title"] == "written by ooc" and a["version"] == 3 and a["big"] == 2**64 - 1
assert a["scale"] == 0.25 and list(a["shape"]) == [37, 53]
assert list(a["weights"]) == [0.5, -2.0] and list(a["names"]) == ["a", "bc"]
assert f["a/b"].attrs["encoding-type"] == "csr_matrix"
assert isinstance(f["a/b/c"], h5py.Group)
print("ok", len(names) + 3)
"#;

const WRITE_PY_FILE: &str = r#"
import sys, h5py, numpy as np
k = lambda n: np.arange(n, dtype=np.int64) % 97
with h5py.File(sys.argv[1], "w") as f:
    f.create_dataset("odd", data=(k(41 * 29) * 0.5 - 10).astype("f8").reshape(41, 29),
                     chunks=(7, 6), compression="gzip", compression_opts=1, shuffle=True)
    f.create_dataset("g/scalar", data=np.int32(-40))
    f["g"].attrs["note"] = "from h5py"
"#;

#[test]
fn h5py_reads_what_ooc_writes() {
    let Some(python) = python("ooc-hdf5::h5py_interop::h5py_reads_what_ooc_writes") else {
        return;
    };
    // The two tests run one at a time, so that neither starts Python while the other
    // has a file open.
    let _serial = no_child_while_open();
    let dir = tmp();
    let path = dir.path().join("ooc.h5");
    write_ooc_file(&path);
    let stdout = run_python(&python, CHECK_OOC_FILE, &[path.as_os_str()]);
    assert_eq!(stdout.trim(), "ok 15");
}

#[test]
fn ooc_reads_what_h5py_writes_now() {
    let Some(python) = python("ooc-hdf5::h5py_interop::ooc_reads_what_h5py_writes_now") else {
        return;
    };
    let _serial = no_child_while_open();
    let dir = tmp();
    let path = dir.path().join("py.h5");
    run_python(&python, WRITE_PY_FILE, &[path.as_os_str()]);
    let f = File::open(&path).unwrap();
    let odd = f.dataset("odd").unwrap();
    assert_eq!(odd.chunk(), Some(&[7, 6][..]));
    let want = rule_vec::<f64>(41 * 29);
    assert_eq!(odd.read_vec::<f64>().unwrap(), want);
    let reader = odd.parallel_reader().unwrap();
    assert_eq!(reader.path(), &ReadPath::Chunked);
    assert_eq!(read_all::<f64>(&reader), want);
    let scalar = f.dataset("/g/scalar").unwrap();
    assert_eq!(scalar.shape(), &[] as &[usize]);
    assert_eq!(scalar.read_vec::<i32>().unwrap(), vec![-40]);
    assert_eq!(
        f.group("g").unwrap().attr("note").unwrap(),
        AttrValue::String("from h5py".into())
    );
}
