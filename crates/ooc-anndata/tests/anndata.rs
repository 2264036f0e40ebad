//! anndata sparse groups in HDF5: h5py-written fixtures load with the values
//! `make_fixtures.py` defines; CSR and CSC groups round-trip for every element type and
//! storage option; `H5CsrRows` streams the same rows as the in-memory matrix; h5py and
//! anndata read what we write, and `anndata.read_h5ad` opens the `.h5ad` files we make
//! (when `OOC_PYTHON` is set); malformed groups are typed errors.

#[path = "../../../tests/interop_common/mod.rs"]
mod interop_common;

use std::path::{Path, PathBuf};
use std::process::Command;

use ndarray::Array2;
use ooc_anndata::{
    AnnDataError, H5CsrRows, H5SparseOptions, anndata_info, load_anndata, read_anndata,
    save_anndata, save_h5ad, write_anndata, write_h5ad_skeleton,
};
use ooc_core::{Complex, CsrBlock, DType, Element, Par, ReadSparseRows};
use ooc_hdf5::File;
use ooc_sparse::{AnySparse, CscMatrix, CsrMatrix, Format, SparseError, SparseMatrix, random_csr};
use proptest::prelude::*;

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/anndata.h5")
}

/// The matrix of `make_fixtures.py`'s `rule`.
fn rule<T: Element>(int: bool) -> Array2<T> {
    Array2::from_shape_fn((6, 8), |(i, j)| {
        if (3 * i + 5 * j) % 7 < 2 {
            let k = (8 * i + j + 1) as f64;
            T::from_f64(if int { k } else { k / 2.0 })
        } else {
            T::default()
        }
    })
}

#[test]
fn h5py_fixtures_load_with_their_values() {
    let file = File::open(fixture()).unwrap();
    let check = |name: &str, format: Format, dtype: DType| {
        let info = anndata_info(&file, name).unwrap();
        assert_eq!(
            (info.format, info.shape, info.dtype),
            (format, [6, 8], dtype),
            "{name}"
        );
    };
    check("X_csr_f32", Format::Csr, DType::F32);
    check("X_csr_f64_chunked", Format::Csr, DType::F64);
    check("X_csc_i32", Format::Csc, DType::I32);
    check("layers/counts_u16", Format::Csr, DType::U16);
    let m = read_anndata::<f32>(&file, "X_csr_f32").unwrap();
    assert_eq!(m.format(), Format::Csr);
    assert_eq!(m.to_dense().unwrap(), rule::<f32>(false));
    let m = read_anndata::<f64>(&file, "X_csr_f64_chunked").unwrap();
    assert_eq!(m.to_dense().unwrap(), rule::<f64>(false));
    let m = read_anndata::<i32>(&file, "X_csc_i32").unwrap();
    assert_eq!(m.format(), Format::Csc);
    assert_eq!(m.to_dense().unwrap(), rule::<i32>(true));
    let m = load_anndata::<u16>(fixture(), "layers/counts_u16").unwrap();
    assert_eq!(m.to_dense().unwrap(), rule::<u16>(true));
    // Streaming the chunked, compressed group row block by row block.
    let rows = H5CsrRows::<f64>::open(&file, "X_csr_f64_chunked").unwrap();
    assert_eq!(
        rows.to_csr().unwrap().to_dense().unwrap(),
        rule::<f64>(false)
    );
    // Not sparse groups.
    let err = read_anndata::<f64>(&file, "dense").unwrap_err();
    assert!(
        matches!(&err, AnnDataError::Missing { what, .. } if what.contains("group dense")),
        "{err}"
    );
    let err = read_anndata::<f64>(&file, "wrong_encoding").unwrap_err();
    assert!(err.to_string().contains("\"dataframe\""), "{err}");
    let err = read_anndata::<f64>(&file, "X_csr_f32").unwrap_err();
    assert!(
        matches!(
            err,
            AnnDataError::DTypeMismatch {
                stored: DType::F32,
                requested: DType::F64,
                ..
            }
        ),
        "{err}"
    );
    let err = H5CsrRows::<i32>::open(&file, "X_csc_i32").unwrap_err();
    assert!(err.to_string().contains("csc_matrix"), "{err}");
}

fn options() -> [H5SparseOptions; 3] {
    [
        H5SparseOptions::default(),
        H5SparseOptions {
            chunk: Some(7),
            deflate: None,
        },
        H5SparseOptions {
            chunk: Some(5),
            deflate: Some(4),
        },
    ]
}

fn round_trip<T: Element>(rows: usize, cols: usize, density: f64, seed: u64) {
    let dir = tempfile::tempdir().unwrap();
    let file = File::create(dir.path().join("m.h5")).unwrap();
    let csr = random_csr::<T>(rows, cols, density, seed, Par::Seq).unwrap();
    let csc = CscMatrix::from_csr(&csr);
    for (k, opts) in options().into_iter().enumerate() {
        write_anndata(&file, &format!("csr{k}"), &csr, opts).unwrap();
        write_anndata(&file, &format!("csc{k}"), &csc, opts).unwrap();
        let back = read_anndata::<T>(&file, &format!("csr{k}")).unwrap();
        assert_eq!(back.into_csr(), csr);
        match read_anndata::<T>(&file, &format!("csc{k}")).unwrap() {
            AnySparse::Csc(m) => assert_eq!(m, csc),
            other => panic!("{:?}", other.format()),
        }
        let info = anndata_info(&file, &format!("csr{k}")).unwrap();
        assert_eq!(
            (info.shape, info.dtype, info.nnz),
            ([rows, cols], T::DTYPE, csr.nnz())
        );
        // Streamed blocks equal the in-memory rows.
        let h5 = H5CsrRows::<T>::open(&file, &format!("csr{k}")).unwrap();
        assert_eq!(h5.row_offsets().unwrap(), csr.indptr());
        assert_eq!(ReadSparseRows::nnz(&h5), csr.nnz());
        assert_eq!(h5.sparse_shape(), [rows, cols]);
        let (mut a, mut b) = (CsrBlock::default(), CsrBlock::default());
        let step = (rows / 3).max(1);
        let mut row0 = 0;
        while row0 < rows {
            let n = step.min(rows - row0);
            h5.read_rows(row0, n, &mut a).unwrap();
            csr.read_rows(row0, n, &mut b).unwrap();
            assert_eq!(a, b);
            row0 += n;
        }
        h5.read_rows(rows, 0, &mut a).unwrap();
        assert_eq!(a.nrows(), 0);
        assert!(h5.read_rows(0, rows + 1, &mut a).is_err());
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(8))]
    #[test]
    fn groups_round_trip(rows in 0_usize..15, cols in 0_usize..15, density in 0.0..1.0, seed in any::<u64>()) {
        round_trip::<f64>(rows, cols, density, seed);
        round_trip::<Complex<f32>>(rows, cols, density, seed);
        round_trip::<u8>(rows, cols, density, seed);
    }
}

#[test]
fn every_element_type_round_trips() {
    macro_rules! each {
        ($t:ty) => {
            round_trip::<$t>(7, 5, 0.4, 2)
        };
    }
    ooc_core::for_each_element!(each);
}

#[test]
fn streamed_spmv_matches_in_memory() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.h5");
    let a = random_csr::<f64>(500, 300, 0.05, 9, Par::Seq).unwrap();
    save_anndata(
        &path,
        "X",
        &a,
        H5SparseOptions {
            chunk: Some(1000),
            deflate: Some(1),
        },
    )
    .unwrap();
    let h5 = H5CsrRows::<f64>::open_path(&path, "X").unwrap();
    // Chunked and deflated: decoded by the parallel read path, from any thread.
    assert!(ooc_core::ArrayMeta::concurrent_reads(&h5));
    let x: Vec<f64> = (0..300).map(|j| f64::from(j % 11) - 5.0).collect();
    let mut want = vec![0.0; 500];
    a.spmv(&x, &mut want, Par::Seq).unwrap();
    let mut got = vec![0.0; 500];
    let mut block = CsrBlock::default();
    for row0 in (0..500).step_by(64) {
        let n = 64.min(500 - row0);
        h5.read_rows(row0, n, &mut block).unwrap();
        for r in 0..n {
            let (s, e) = (block.indptr[r], block.indptr[r + 1]);
            got[row0 + r] = block.indices[s..e]
                .iter()
                .zip(&block.data[s..e])
                .map(|(&j, &v)| v * x[j])
                .sum();
        }
    }
    for (g, w) in got.iter().zip(&want) {
        assert!((g - w).abs() <= 1e-12 * w.abs().max(1.0), "{g} vs {w}");
    }
    // The spy plot reads through the same trait.
    let grid = ooc_sparse::spy_grid(&h5, 10, 10).unwrap();
    assert_eq!(grid, ooc_sparse::spy_grid(&a, 10, 10).unwrap());
}

/// Writes a group by hand, field by field, to build malformed ones.
fn raw_group(
    file: &File,
    name: &str,
    encoding: Option<&str>,
    shape: &[i64],
    data: &[f64],
    indices: &[i64],
    indptr: &[i64],
) {
    let g = file.create_group(name).unwrap();
    if let Some(e) = encoding {
        g.set_attr("encoding-type", e).unwrap();
    }
    g.set_attr("shape", shape).unwrap();
    g.create_dataset("data", data).unwrap();
    g.create_dataset("indices", indices).unwrap();
    g.create_dataset("indptr", indptr).unwrap();
}

#[test]
fn malformed_groups_are_typed_errors() {
    let dir = tempfile::tempdir().unwrap();
    let file = File::create(dir.path().join("bad.h5")).unwrap();
    let csr = Some("csr_matrix");
    raw_group(&file, "ok", csr, &[2, 3], &[1.0, 2.0], &[0, 2], &[0, 1, 2]);
    assert!(read_anndata::<f64>(&file, "ok").is_ok());
    raw_group(
        &file,
        "not_monotone",
        csr,
        &[2, 3],
        &[1.0, 2.0],
        &[0, 2],
        &[0, 2, 1],
    );
    raw_group(
        &file,
        "short_indptr",
        csr,
        &[2, 3],
        &[1.0, 2.0],
        &[0, 2],
        &[0, 2],
    );
    raw_group(
        &file,
        "bad_end",
        csr,
        &[2, 3],
        &[1.0, 2.0],
        &[0, 2],
        &[0, 1, 1],
    );
    raw_group(
        &file,
        "col_range",
        csr,
        &[2, 3],
        &[1.0, 2.0],
        &[0, 3],
        &[0, 1, 2],
    );
    raw_group(
        &file,
        "negative_index",
        csr,
        &[2, 3],
        &[1.0, 2.0],
        &[0, -1],
        &[0, 1, 2],
    );
    raw_group(&file, "lengths", csr, &[2, 3], &[1.0], &[0, 2], &[0, 1, 2]);
    raw_group(
        &file,
        "negative_shape",
        csr,
        &[-2, 3],
        &[1.0, 2.0],
        &[0, 2],
        &[0, 1, 2],
    );
    raw_group(
        &file,
        "shape_3",
        csr,
        &[2, 3, 1],
        &[1.0, 2.0],
        &[0, 2],
        &[0, 1, 2],
    );
    raw_group(
        &file,
        "no_encoding",
        None,
        &[2, 3],
        &[1.0, 2.0],
        &[0, 2],
        &[0, 1, 2],
    );
    let both = |name: &str, check: &dyn Fn(&AnnDataError) -> bool| {
        let err = read_anndata::<f64>(&file, name).unwrap_err();
        assert!(check(&err), "{name}: {err}");
        let err = H5CsrRows::<f64>::open(&file, name)
            .and_then(|h| h.to_csr())
            .unwrap_err();
        assert!(check(&err), "{name} (rows): {err}");
    };
    both("not_monotone", &|e| {
        matches!(
            e,
            AnnDataError::Sparse(SparseError::IndptrNotMonotone { pos: 2, .. })
        )
    });
    both("short_indptr", &|e| {
        matches!(
            e,
            AnnDataError::Sparse(SparseError::IndptrLength {
                expected: 3,
                found: 2
            })
        )
    });
    both("bad_end", &|e| {
        matches!(
            e,
            AnnDataError::Sparse(SparseError::IndptrEnd { end: 1, nnz: 2 })
        )
    });
    both("col_range", &|e| {
        matches!(
            e,
            AnnDataError::Sparse(SparseError::IndexOutOfRange {
                index: 3,
                bound: 3,
                ..
            })
        )
    });
    both(
        "negative_index",
        &|e| matches!(e, AnnDataError::Hdf5(ooc_hdf5::Error::IndexValue { value: -1, at, .. }) if at == &[1]),
    );
    both("lengths", &|e| {
        matches!(e, AnnDataError::Sparse(SparseError::LengthMismatch { .. }))
    });
    both(
        "negative_shape",
        &|e| matches!(e, AnnDataError::BadShape { shape, .. } if shape == &[-2, 3]),
    );
    both(
        "shape_3",
        &|e| matches!(e, AnnDataError::BadShape { shape, .. } if shape.len() == 3),
    );
    both(
        "no_encoding",
        &|e| matches!(e, AnnDataError::Missing { what, .. } if what.contains("encoding-type")),
    );
    both(
        "absent",
        &|e| matches!(e, AnnDataError::Missing { what, .. } if what.contains("absent")),
    );
    // Writing over an existing name is refused; a missing file is an HDF5 error.
    let a = CsrMatrix::<f64>::zeros([1, 1]);
    let err = write_anndata(&file, "ok", &a, H5SparseOptions::default()).unwrap_err();
    assert!(matches!(err, AnnDataError::Exists { .. }), "{err}");
    assert!(err.to_string().contains("already exists"), "{err}");
    let err = load_anndata::<f64>(dir.path().join("missing.h5"), "X").unwrap_err();
    assert!(matches!(err, AnnDataError::Hdf5(_)), "{err}");
    assert!(err.to_string().contains("missing.h5"), "{err}");
}

const H5PY_CHECK: &str = r#"
import sys, os
import numpy as np
import h5py
import scipy.sparse as sp
import anndata
d = sys.argv[1]
with h5py.File(os.path.join(d, "ooc.h5"), "r") as f:
    for line in open(os.path.join(d, "manifest.txt")):
        name, enc, dtype = line.split()
        g = f[name]
        assert g.attrs["encoding-type"] == enc, (name, g.attrs["encoding-type"])
        assert g.attrs["encoding-version"] == "0.1.0"
        shape = tuple(int(x) for x in g.attrs["shape"])
        cls = sp.csr_matrix if enc == "csr_matrix" else sp.csc_matrix
        m = cls((g["data"][...], g["indices"][...], g["indptr"][...]), shape=shape)
        assert m.dtype == np.dtype(dtype), (name, m.dtype, dtype)
        m.check_format(full_check=True)
        e = anndata.io.read_elem(g)
        assert (e != m).nnz == 0, name
        np.save(os.path.join(d, name + ".npy"), np.ascontiguousarray(m.toarray()))
print("ok")
"#;

fn read_npy<T: Element>(path: &Path) -> Array2<T> {
    let bytes = std::fs::read(path).unwrap();
    let (h, off) = ooc_core::npy::NpyHeader::parse(&bytes).unwrap();
    assert_eq!(h.dtype, T::DTYPE);
    let v: Vec<T> = bytemuck::pod_collect_to_vec(&bytes[off..]);
    Array2::from_shape_vec((h.shape[0], h.shape[1]), v).unwrap()
}

#[test]
fn h5py_and_anndata_read_what_we_write() {
    let Some(py) =
        interop_common::python("ooc-sparse::anndata::h5py_and_anndata_read_what_we_write")
    else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ooc.h5");
    let a = random_csr::<f64>(40, 30, 0.1, 5, Par::Seq).unwrap();
    let c = random_csr::<Complex<f32>>(9, 4, 0.5, 6, Par::Seq).unwrap();
    let i = random_csr::<i64>(5, 12, 0.3, 7, Par::Seq).unwrap();
    let chunked = H5SparseOptions {
        chunk: Some(16),
        deflate: Some(6),
    };
    save_anndata(&path, "csr", &a, H5SparseOptions::default()).unwrap();
    save_anndata(&path, "csc", &CscMatrix::from_csr(&a), chunked).unwrap();
    save_anndata(&path, "complex", &c, chunked).unwrap();
    save_anndata(&path, "ints", &i, H5SparseOptions::default()).unwrap();
    std::fs::write(
        dir.path().join("manifest.txt"),
        "csr csr_matrix float64\ncsc csc_matrix float64\ncomplex csr_matrix complex64\nints csr_matrix int64\n",
    )
    .unwrap();
    let out = Command::new(&py)
        .args(["-c", H5PY_CHECK])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "h5py failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let dense = a.to_dense().unwrap();
    assert_eq!(read_npy::<f64>(&dir.path().join("csr.npy")), dense);
    assert_eq!(read_npy::<f64>(&dir.path().join("csc.npy")), dense);
    assert_eq!(
        read_npy::<Complex<f32>>(&dir.path().join("complex.npy")),
        c.to_dense().unwrap()
    );
    assert_eq!(
        read_npy::<i64>(&dir.path().join("ints.npy")),
        i.to_dense().unwrap()
    );
}

#[test]
fn the_h5ad_skeleton_is_complete_and_keeps_what_exists() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.h5ad");
    let x = random_csr::<f32>(6, 4, 0.5, 1, Par::Seq).unwrap();
    save_h5ad(&path, &x, H5SparseOptions::default()).unwrap();
    let file = File::open_rw(&path).unwrap();
    assert_eq!(file.attr_string("encoding-type").unwrap(), "anndata");
    assert_eq!(file.attr_string("encoding-version").unwrap(), "0.1.0");
    assert_eq!(
        file.read_strings("obs/_index").unwrap(),
        ["0", "1", "2", "3", "4", "5"]
    );
    assert_eq!(file.read_strings("var/_index").unwrap().len(), 4);
    let obs = file.group("obs").unwrap();
    assert_eq!(obs.attr_string("encoding-type").unwrap(), "dataframe");
    assert_eq!(obs.attr_string("_index").unwrap(), "_index");
    assert_eq!(
        file.attr_at("obs/_index", "encoding-type")
            .unwrap()
            .as_str(),
        Some("string-array")
    );
    for dict in ["obsm", "varm", "obsp", "varp", "layers", "uns"] {
        let g = file.group(dict).unwrap();
        assert_eq!(g.attr_string("encoding-type").unwrap(), "dict", "{dict}");
        assert!(g.members().unwrap().is_empty(), "{dict}");
    }
    // Adding to an existing AnnData file: a layer, then the skeleton again, which keeps
    // everything (and the layer) as it is.
    write_anndata(
        &file,
        "layers/counts",
        &x.to_csc(),
        H5SparseOptions::default(),
    )
    .unwrap();
    write_h5ad_skeleton(&file, [6, 4]).unwrap();
    assert_eq!(
        read_anndata::<f32>(&file, "layers/counts")
            .unwrap()
            .into_csr(),
        x
    );
    assert_eq!(file.group("layers").unwrap().members().unwrap().len(), 1);
    // A `layers` group made by `write_anndata` in a new file gains its encoding.
    let other = File::create(dir.path().join("l.h5ad")).unwrap();
    write_anndata(&other, "layers/t", &x, H5SparseOptions::default()).unwrap();
    write_h5ad_skeleton(&other, [6, 4]).unwrap();
    assert_eq!(
        other
            .group("layers")
            .unwrap()
            .attr_string("encoding-type")
            .unwrap(),
        "dict"
    );
    // A read-only file is an HDF5 error.
    drop((file, other));
    let ro = File::open(&path).unwrap();
    let err = write_h5ad_skeleton(&ro.group("uns").unwrap(), [1, 1]).unwrap_err();
    assert!(
        matches!(err, AnnDataError::Hdf5(ooc_hdf5::Error::ReadOnly(_))),
        "{err}"
    );
}

const READ_H5AD: &str = r#"
import sys, os
import numpy as np
import anndata
d = sys.argv[1]
for name, rows, cols in [("x.h5ad", 40, 30), ("layer.h5ad", 7, 3), ("empty.h5ad", 0, 5)]:
    a = anndata.read_h5ad(os.path.join(d, name))
    assert a.shape == (rows, cols), (name, a.shape)
    assert list(a.obs_names) == [str(i) for i in range(rows)], name
    assert list(a.var_names) == [str(i) for i in range(cols)], name
    m = a.X if a.X is not None else a.layers["counts"]
    np.save(os.path.join(d, name + ".npy"), np.ascontiguousarray(m.toarray()))
    a.write_h5ad(os.path.join(d, "again-" + name))
print("ok")
"#;

#[test]
fn anndata_reads_the_h5ad_files_we_make() {
    let Ok(py) = std::env::var("OOC_PYTHON") else {
        eprintln!("SKIPPED: anndata.read_h5ad test: OOC_PYTHON not set (cargo xtask test sets it)");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let x = random_csr::<f64>(40, 30, 0.1, 5, Par::Seq).unwrap();
    save_h5ad(
        dir.path().join("x.h5ad"),
        &x,
        H5SparseOptions {
            chunk: Some(16),
            deflate: Some(4),
        },
    )
    .unwrap();
    // A file holding only a layer (CSC), skeleton added after.
    let layer = random_csr::<f32>(7, 3, 0.5, 6, Par::Seq).unwrap();
    let file = File::create(dir.path().join("layer.h5ad")).unwrap();
    write_anndata(
        &file,
        "layers/counts",
        &layer.to_csc(),
        H5SparseOptions::default(),
    )
    .unwrap();
    write_h5ad_skeleton(&file, [7, 3]).unwrap();
    file.close().unwrap();
    let empty = CsrMatrix::<i32>::zeros([0, 5]);
    save_h5ad(
        dir.path().join("empty.h5ad"),
        &empty,
        H5SparseOptions::default(),
    )
    .unwrap();
    let out = Command::new(&py)
        .args(["-c", READ_H5AD])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "anndata failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        read_npy::<f64>(&dir.path().join("x.h5ad.npy")),
        x.to_dense().unwrap()
    );
    assert_eq!(
        read_npy::<f32>(&dir.path().join("layer.h5ad.npy")),
        layer.to_dense().unwrap()
    );
    // And we read what anndata wrote back.
    let back = load_anndata::<f64>(dir.path().join("again-x.h5ad"), "X").unwrap();
    assert_eq!(back.into_csr(), x);
}
