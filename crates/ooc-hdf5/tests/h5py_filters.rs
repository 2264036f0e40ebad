//! Files h5py writes with `libver='latest'` (every chunk index type: fixed and extensible
//! arrays, version 2 B-trees, single chunks) through the filters users meet: gzip with
//! shuffle, Fletcher-32, scale-offset, LZF, and hdf5plugin's Blosc (blosclz, lz4, zstd and
//! zlib inside, byte and bit shuffle) and Zstandard. Each is read by the library path and
//! by the parallel reader and compared with what Python wrote; a filter nobody decodes
//! (hdf5plugin's bitshuffle) is a typed error naming it. Needs `OOC_PYTHON` (a Python
//! with h5py and hdf5plugin; `cargo xtask test` sets it).

mod common;

use common::{no_child_while_open, python, read_all, run_python, tmp};
use ooc_core::Region;
use ooc_hdf5::{Error, File, Filter, ReadPath};

const WRITE: &str = r#"
import sys, h5py, hdf5plugin, numpy as np
k = lambda n: np.arange(n, dtype=np.int64) % 97
f8 = (k(41 * 29) * 0.5 - 10).reshape(41, 29)
i4 = (k(41 * 29) - 40).astype("i4").reshape(41, 29)
B = hdf5plugin.Blosc
with h5py.File(sys.argv[1], "w", libver="latest") as f:
    c = dict(chunks=(7, 6))
    f.create_dataset("gzip", data=f8, compression="gzip", compression_opts=4, shuffle=True, **c)
    f.create_dataset("fletcher", data=f8.astype("f4"), fletcher32=True, **c)
    f.create_dataset("scaleoffset", data=i4, scaleoffset=0, **c)
    f.create_dataset("lzf", data=f8, compression="lzf", **c)
    f.create_dataset("lzf_shuffle", data=i4, compression="lzf", shuffle=True, **c)
    for name, codec, shuffle in [("blosclz", "blosclz", B.SHUFFLE), ("lz4", "lz4", B.SHUFFLE),
                                 ("lz4_bit", "lz4", B.BITSHUFFLE), ("zstd", "zstd", B.BITSHUFFLE),
                                 ("zlib", "zlib", B.NOSHUFFLE), ("lz4hc", "lz4hc", B.SHUFFLE)]:
        f.create_dataset("blosc/" + name, data=f8, **c, **B(cname=codec, clevel=5, shuffle=shuffle))
    f.create_dataset("blosc/i4", data=i4, **c, **B(cname="lz4", clevel=9, shuffle=B.SHUFFLE))
    f.create_dataset("zstd", data=f8, **c, **hdf5plugin.Zstd(clevel=3))
    # Chunk index types: extensible array, version 2 B-tree, single chunk.
    f.create_dataset("index/ea", data=f8, maxshape=(None, 29), compression="lzf", **c)
    f.create_dataset("index/bt2", data=f8, maxshape=(None, None), **c, **hdf5plugin.Zstd())
    f.create_dataset("index/single", data=f8, chunks=(41, 29), compression="gzip")
    # Chunks never written read as the fill value.
    sparse = f.create_dataset("sparse", shape=(20, 20), dtype="f8", chunks=(5, 5), fillvalue=-1.5,
                              **B(cname="lz4", clevel=5, shuffle=B.SHUFFLE))
    sparse[5:10, 5:10] = 7.0
    f.create_dataset("bitshuffle", data=f8, **c, **hdf5plugin.Bitshuffle())
print("ok")
"#;

fn rule_f8() -> Vec<f64> {
    (0..41 * 29)
        .map(|i| f64::from(i % 97) * 0.5 - 10.0)
        .collect()
}

fn rule_i4() -> Vec<i32> {
    (0..41 * 29).map(|i| i % 97 - 40).collect()
}

#[test]
fn h5py_and_hdf5plugin_filters_read_on_both_paths() {
    let Some(python) = python("h5py filter interop test") else {
        return;
    };
    let _serial = no_child_while_open();
    let dir = tmp();
    let path = dir.path().join("filters.h5");
    assert_eq!(run_python(&python, WRITE, &[path.as_os_str()]).trim(), "ok");
    let f = File::open(&path).unwrap();
    let f8 = rule_f8();
    let in_parallel = [
        ("gzip", vec![Filter::Shuffle, Filter::Deflate(4)]),
        ("lzf", vec![Filter::Other(32000)]),
        ("blosc/blosclz", vec![Filter::Other(32001)]),
        ("blosc/lz4", vec![Filter::Other(32001)]),
        ("blosc/lz4_bit", vec![Filter::Other(32001)]),
        ("blosc/zstd", vec![Filter::Other(32001)]),
        ("blosc/zlib", vec![Filter::Other(32001)]),
        ("blosc/lz4hc", vec![Filter::Other(32001)]),
        ("zstd", vec![Filter::Other(32015)]),
        ("index/ea", vec![Filter::Other(32000)]),
        ("index/bt2", vec![Filter::Other(32015)]),
        ("index/single", vec![Filter::Deflate(4)]),
    ];
    for (name, filters) in in_parallel {
        let ds = f.dataset(name).unwrap();
        assert_eq!(ds.describe().unwrap().filters, filters, "{name}");
        assert!(filters.iter().all(Filter::decodes_in_parallel), "{name}");
        assert!(filters.iter().all(Filter::is_decodable), "{name}");
        let reader = ds.parallel_reader().unwrap();
        assert_eq!(reader.path(), &ReadPath::Chunked, "{name}");
        assert_eq!(read_all::<f64>(&reader), f8, "{name}: parallel reader");
        let mut block = vec![0.0; 10 * 7];
        reader
            .read_region(&Region::block(13, 5, 10, 7), &mut block)
            .unwrap();
        let want: Vec<f64> = (13..23)
            .flat_map(|r| (5..12).map(move |c| f64::from((r * 29 + c) % 97) * 0.5 - 10.0))
            .collect();
        assert_eq!(block, want, "{name}: block");
        assert_eq!(ds.read_vec::<f64>().unwrap(), f8, "{name}: library");
        let raw = ds.parallel_reader_with_index_budget(0).unwrap();
        assert_eq!(raw.path(), &ReadPath::ChunkedViaLibrary, "{name}");
        assert_eq!(
            read_all::<f64>(&raw),
            f8,
            "{name}: raw chunks via the library"
        );
    }
    let i4 = rule_i4();
    for name in ["lzf_shuffle", "blosc/i4"] {
        let ds = f.dataset(name).unwrap();
        assert_eq!(ds.read_vec::<i32>().unwrap(), i4, "{name}: library");
        let reader = ds.parallel_reader().unwrap();
        assert_eq!(reader.path(), &ReadPath::Chunked, "{name}");
        assert_eq!(read_all::<i32>(&reader), i4, "{name}: parallel reader");
    }
    // Filters only the library decodes: the reader falls back to it.
    for (name, id) in [("fletcher", 3), ("scaleoffset", 6)] {
        let ds = f.dataset(name).unwrap();
        let reader = ds.parallel_reader().unwrap();
        match reader.path() {
            ReadPath::Library(why) => assert!(why.contains(&format!("filter {id}")), "{why}"),
            other => panic!("{name}: expected the library, got {other:?}"),
        }
        let filter = &ds.describe().unwrap().filters[0];
        assert!(filter.is_decodable() && !filter.decodes_in_parallel());
        if name == "fletcher" {
            let want: Vec<f32> = f8.iter().map(|&v| v as f32).collect();
            assert_eq!(read_all::<f32>(&reader), want);
            assert_eq!(ds.read_vec::<f32>().unwrap(), want);
        } else {
            assert_eq!(read_all::<i32>(&reader), i4);
            assert_eq!(ds.read_vec::<i32>().unwrap(), i4);
        }
    }
    // Unwritten chunks are the fill value on both paths.
    let sparse = f.dataset("sparse").unwrap();
    let mut want = vec![-1.5; 400];
    for r in 5..10 {
        want[r * 20 + 5..r * 20 + 10].fill(7.0);
    }
    let reader = sparse.parallel_reader().unwrap();
    assert_eq!(reader.path(), &ReadPath::Chunked);
    assert_eq!(
        reader
            .chunk_entries()
            .unwrap()
            .iter()
            .filter(|e| e.addr != u64::MAX)
            .count(),
        1
    );
    assert_eq!(read_all::<f64>(&reader), want);
    assert_eq!(sparse.read_vec::<f64>().unwrap(), want);
    // A filter nobody decodes: named in a typed error, never a panic.
    let bits = f.dataset("bitshuffle").unwrap();
    let filter = bits.describe().unwrap().filters[0].clone();
    assert_eq!((filter.id(), filter.name()), (32008, "bitshuffle"));
    assert!(!filter.is_decodable());
    let reader = bits.parallel_reader().unwrap();
    assert!(matches!(reader.path(), ReadPath::Library(why) if why.contains("32008 (bitshuffle)")));
    let mut out = vec![0.0; 41 * 29];
    let err = reader
        .read_region(&Region::full(&[41, 29]), &mut out)
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::UnsupportedFilter {
                id: 32008,
                name: "bitshuffle",
                ..
            }
        ),
        "{err}"
    );
    assert!(
        err.to_string().contains("filter 32008 (bitshuffle)"),
        "{err}"
    );
    assert!(bits.read_vec::<f64>().is_err());
}
