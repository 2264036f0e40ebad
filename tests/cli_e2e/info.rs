//! `ooc info`: the JSON checked field by field against what the test wrote.

use ooc::mmap::MmapArray;

use crate::support::{arg, json, ok, python, run_python};

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
    let Some(py) = python("info::npy_written_by_numpy") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    run_python(
        &py,
        dir.path(),
        "import numpy as np\n\
         np.save('big_endian.npy', np.arange(6, dtype='>i4').reshape(2, 3))\n\
         np.save('scalar.npy', np.float64(3.5))\n\
         np.lib.format.write_array(open('v2.npy', 'wb'), np.zeros((7,), np.uint8), version=(2, 0))\n",
    );
    let j = json(&ok(&[
        "info",
        "--json",
        &arg(&dir.path().join("big_endian.npy")),
    ]));
    assert_eq!(j["descr"], ">i4");
    assert_eq!(j["dtype"], "i32");
    assert_eq!(j["shape"], serde_json::json!([2, 3]));
    assert_eq!(j["data_bytes"], 24);
    let j = json(&ok(&[
        "info",
        "--json",
        &arg(&dir.path().join("scalar.npy")),
    ]));
    assert_eq!(j["shape"], serde_json::json!([]));
    assert_eq!(j["elements"], 1);
    assert_eq!(j["data_bytes"], 8);
    let j = json(&ok(&["info", "--json", &arg(&dir.path().join("v2.npy"))]));
    assert_eq!(j["version"], "2.0");
    assert_eq!(j["dtype"], "u8");
    assert_eq!(j["elements"], 7);
}
