//! `ooc info`: the JSON checked field by field against what the test wrote.

use ooc::hdf5::{File, Filter, Layout};
use ooc::mmap::MmapArray;

use crate::support::{Python, arg, fails, json, ok};

#[test]
fn npy_written_by_the_crate() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("matrix.data"); // the extension says nothing
    let mut a = MmapArray::<f32>::create_npy(&path, &[3, 5], false).unwrap();
    a.as_slice_mut().unwrap().fill(2.5);
    let offset = a.data_offset();
    drop(a);
    let file_bytes = std::fs::metadata(&path).unwrap().len();

    let j = json(&ok(&["info", "--json", &arg(&path)]));
    assert_eq!(j["format"], "npy");
    assert_eq!(j["version"], "1.0");
    assert_eq!(j["dtype"], "f32");
    assert_eq!(j["descr"], "<f4");
    assert_eq!(j["fortran_order"], false);
    assert_eq!(j["shape"], serde_json::json!([3, 5]));
    assert_eq!(j["elements"], 15);
    assert_eq!(j["data_bytes"], 60);
    assert_eq!(j["data_offset"], offset);
    assert_eq!(j["file_bytes"], file_bytes);
    assert_eq!(offset + 60, file_bytes);

    let text = ok(&["info", &arg(&path)]);
    assert!(
        text.contains("npy 1.0, f32 (<f4), shape 3 × 5, C order"),
        "{text}"
    );
}

#[test]
fn fortran_order_npy() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("f.npy");
    drop(MmapArray::<i16>::create_npy(&path, &[4, 2, 3], true).unwrap());
    let j = json(&ok(&["info", "--json", &arg(&path)]));
    assert_eq!(j["fortran_order"], true);
    assert_eq!(j["dtype"], "i16");
    assert_eq!(j["shape"], serde_json::json!([4, 2, 3]));
    assert_eq!(j["data_bytes"], 48);
}

#[test]
fn raw_file_described_on_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("plain.bin");
    let data: Vec<u8> = (0..16 + 6 * 8).map(|i| u8::try_from(i).unwrap()).collect();
    std::fs::write(&path, &data).unwrap();
    let j = json(&ok(&[
        "info",
        "--json",
        &arg(&path),
        "--dtype",
        "float64",
        "--shape",
        "2x3",
        "--offset",
        "16",
    ]));
    assert_eq!(j["format"], "raw");
    assert_eq!(j["dtype"], "f64");
    assert_eq!(j["shape"], serde_json::json!([2, 3]));
    assert_eq!(j["elements"], 6);
    assert_eq!(j["data_offset"], 16);
    assert_eq!(j["data_bytes"], 48);
    assert_eq!(j["file_bytes"], data.len());
}

#[test]
fn npy_written_by_numpy() {
    let Some(py) = Python::for_test("info::npy_written_by_numpy") else {
        return;
    };
    py.run("import numpy as np\n\
         np.save('big_endian.npy', np.arange(6, dtype='>i4').reshape(2, 3))\n\
         np.save('scalar.npy', np.float64(3.5))\n\
         np.lib.format.write_array(open('v2.npy', 'wb'), np.zeros((7,), np.uint8), version=(2, 0))\n",
    );
    let j = json(&ok(&[
        "info",
        "--json",
        &arg(&py.dir().join("big_endian.npy")),
    ]));
    assert_eq!(j["descr"], ">i4");
    assert_eq!(j["dtype"], "i32");
    assert_eq!(j["shape"], serde_json::json!([2, 3]));
    assert_eq!(j["data_bytes"], 24);
    let j = json(&ok(&["info", "--json", &arg(&py.dir().join("scalar.npy"))]));
    assert_eq!(j["shape"], serde_json::json!([]));
    assert_eq!(j["elements"], 1);
    assert_eq!(j["data_bytes"], 8);
    let j = json(&ok(&["info", "--json", &arg(&py.dir().join("v2.npy"))]));
    assert_eq!(j["version"], "2.0");
    assert_eq!(j["dtype"], "u8");
    assert_eq!(j["elements"], 7);
}

#[test]
fn hdf5_tree_matches_what_the_crate_describes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tree.h5");
    let (chunked, contiguous) = {
        let f = File::create(&path).unwrap();
        f.root().set_attr("title", "a tree").unwrap();
        let g = f.create_group("g").unwrap();
        g.set_attr("answer", 42_i64).unwrap();
        let mut a = f
            .new_dataset::<f32>("/g/sub/a")
            .shape([40, 30])
            .chunk([8, 30])
            .deflate(6)
            .shuffle()
            .max_shape([None, Some(30)])
            .create_parents()
            .create()
            .unwrap();
        let data: Vec<f32> = (0..1200_u16).map(f32::from).collect();
        a.write_all(&data).unwrap();
        a.set_attr("units", "m/s").unwrap();
        let mut b = f.new_dataset::<u16>("b").shape([5]).create().unwrap();
        b.write_all(&[1_u16, 2, 3, 4, 5]).unwrap();
        (a.describe().unwrap(), b.describe().unwrap())
    };
    assert_eq!(chunked.layout, Layout::Chunked);
    assert_eq!(chunked.filters, [Filter::Shuffle, Filter::Deflate(6)]);
    let j = json(&ok(&["info", "--json", &arg(&path)]));
    assert_eq!(j["format"], "hdf5");
    assert_eq!(j["file_bytes"], std::fs::metadata(&path).unwrap().len());
    let objects = j["objects"].as_array().unwrap();
    let paths: Vec<&str> = objects
        .iter()
        .map(|o| o["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths, ["/", "/b", "/g", "/g/sub", "/g/sub/a"]);
    assert_eq!(objects[0]["attrs"]["title"], "a tree");
    assert_eq!(objects[2]["attrs"]["answer"], 42);
    let a = &objects[4];
    assert_eq!(a["kind"], "dataset");
    assert_eq!(a["dtype"], "f32");
    assert_eq!(a["shape"], serde_json::json!([40, 30]));
    assert_eq!(a["max_shape"], serde_json::json!([null, 30]));
    assert_eq!(a["layout"], "chunked");
    assert_eq!(a["chunk_shape"], serde_json::json!([8, 30]));
    assert_eq!(a["filters"], serde_json::json!(["shuffle", "deflate(6)"]));
    assert_eq!(a["stored_bytes"], chunked.stored_bytes);
    assert_eq!(a["logical_bytes"], 4800);
    assert_eq!(a["attrs"]["units"], "m/s");
    let b = &objects[1];
    assert_eq!(b["layout"], "contiguous");
    assert_eq!(b["chunk_shape"], serde_json::Value::Null);
    assert_eq!(b["stored_bytes"], contiguous.stored_bytes);
    assert_eq!(b["logical_bytes"], 10);
    let text = ok(&["info", &arg(&path)]);
    assert!(
        text.contains("/g/sub/a  dataset f32 40 × 30, chunked 8 × 30 [shuffle, deflate(6)]"),
        "{text}"
    );
}

#[test]
fn hdf5_written_by_h5py() {
    let Some(py) = Python::for_test("info::hdf5_written_by_h5py") else {
        return;
    };
    let out = py.run("import h5py, numpy as np\n\
         with h5py.File('h.h5', 'w') as f:\n\
         \x20   d = f.create_dataset('grp/d', data=np.arange(600, dtype='>i2').reshape(20, 30), chunks=(4, 10), compression='gzip', compression_opts=2, maxshape=(None, 30))\n\
         \x20   d.attrs['scale'] = 0.5\n\
         \x20   f['grp'].attrs['names'] = ['x', 'y']\n\
         with h5py.File('h.h5') as f:\n\
         \x20   print(f['grp/d'].id.get_storage_size())\n",
    );
    let j = json(&ok(&["info", "--json", &arg(&py.dir().join("h.h5"))]));
    let objects = j["objects"].as_array().unwrap();
    let g = objects.iter().find(|o| o["path"] == "/grp").unwrap();
    assert_eq!(g["attrs"]["names"], serde_json::json!(["x", "y"]));
    let d = objects.iter().find(|o| o["path"] == "/grp/d").unwrap();
    assert_eq!(d["dtype"], "i16");
    assert_eq!(d["byte_order"], "big");
    assert_eq!(d["shape"], serde_json::json!([20, 30]));
    assert_eq!(d["max_shape"], serde_json::json!([null, 30]));
    assert_eq!(d["chunk_shape"], serde_json::json!([4, 10]));
    assert_eq!(d["filters"], serde_json::json!(["deflate(2)"]));
    assert_eq!(d["stored_bytes"].to_string(), out.trim());
    assert_eq!(d["attrs"]["scale"], 0.5);
}

/// `info` names every filter h5py and hdf5plugin write and marks the one ooc cannot
/// decode; `stats` streams the decodable ones (LZF, Blosc) with h5py's values and refuses
/// the other with a typed error naming the filter.
#[test]
fn filters_are_named_and_undecodable_ones_marked() {
    let Some(py) = Python::for_test("info::filters_are_named_and_undecodable_ones_marked") else {
        return;
    };
    py.run(
        "import numpy as np, h5py, hdf5plugin\n\
         a = np.arange(600, dtype=np.float32).reshape(20, 30)\n\
         with h5py.File('f.h5', 'w', libver='latest') as f:\n\
         \x20   f.create_dataset('lzf', data=a, chunks=(5, 30), compression='lzf')\n\
         \x20   f.create_dataset('blosc', data=a, chunks=(5, 30), **hdf5plugin.Blosc(cname='lz4'))\n\
         \x20   f.create_dataset('bits', data=a, chunks=(5, 30), **hdf5plugin.Bitshuffle(cname='none'))\n",
    );
    let file = py.dir().join("f.h5");
    let text = ok(&["info", &arg(&file)]);
    let line = |name: &str| {
        text.lines()
            .find(|l| l.contains(&format!("/{name} ")))
            .unwrap_or_else(|| panic!("no line for /{name} in {text}"))
            .to_string()
    };
    assert!(line("lzf").contains("[lzf]"), "{text}");
    assert!(line("blosc").contains("[blosc]"), "{text}");
    assert!(
        line("bits").contains("bitshuffle: ooc cannot decode it"),
        "{text}"
    );
    let sum: f64 = (0..600).map(f64::from).sum();
    for name in ["lzf", "blosc"] {
        let s = json(&ok(&[
            "stats",
            "--json",
            &format!("{}:/{name}", file.display()),
        ]));
        assert_eq!(s["sum"].as_f64(), Some(sum), "{name}: {s}");
    }
    fails(
        &["stats", &format!("{}:/bits", file.display())],
        1,
        &["f.h5", "bitshuffle"],
    );
}
