//! `ooc::open` end to end: every format opens with one call into the reader the file
//! allows (maps for `.npy`, the HDF5 parallel path for datasets, streamed rows for
//! anndata CSR groups), `gemv` over it matches an in-memory reference, and the sparse
//! products — `CsrMatrix::spmv` in memory, `ooc_linalg::spmv` streamed, and `gemv` on an
//! opened sparse source — give the same bits.

mod common;

use ndarray::{Array1, Array2};
use ooc::Array;
use ooc::hdf5::{File, ReadPath};
use ooc_anndata::{H5SparseOptions, save_anndata};
use ooc_core::{ArrayMeta, MemoryBudget, Par, ReadBlock, ReadSparseRows};
use ooc_linalg::{Options, gemv, spmv};
use ooc_sparse::{CsrMatrix, SparseMatrix, random_csr, save_npz};
use proptest::prelude::*;

#[allow(clippy::cast_precision_loss)]
fn matrix(rows: usize, cols: usize) -> Array2<f64> {
    Array2::from_shape_fn((rows, cols), |(i, j)| ((i * 7 + j * 3) % 11) as f64 - 5.0)
}

#[allow(clippy::cast_precision_loss)]
fn vector(n: usize) -> Array1<f64> {
    Array1::from_shape_fn(n, |j| (j % 5) as f64 - 2.0)
}

/// `gemv` over `a` equals `reference · x` exactly (the values are small integers).
fn check_gemv(a: &Array<f64>, reference: &Array2<f64>) {
    let x = vector(reference.ncols());
    let expected = reference.dot(&x);
    for opts in common::options(&[64 << 10, 8 << 20]) {
        let mut y = Array1::zeros(reference.nrows());
        gemv(a, &x, &mut y, &opts).unwrap();
        assert_eq!(y, expected, "{opts:?}");
    }
}

#[test]
fn every_format_opens_with_its_fastest_reader_and_multiplies() {
    let dir = tempfile::tempdir().unwrap();
    let (rows, cols) = (301, 47);
    let a = matrix(rows, cols);
    let data = a.as_slice().unwrap();

    let npy = dir.path().join("A.npy");
    ooc::save_npy(&npy, &a).unwrap();
    let opened = ooc::open::<f64>(&npy).unwrap();
    assert!(matches!(opened, Array::Map(_)), "{opened:?}");
    assert!(opened.as_view().is_some());
    check_gemv(&opened, &a);

    let h5 = dir.path().join("A.h5");
    let file = File::create(&h5).unwrap();
    common::write_dataset(file.root(), "plain", &[rows, cols], data, |b| b);
    common::write_dataset(file.root(), "g/zipped", &[rows, cols], data, |b| {
        b.chunk([10, 20]).deflate(4).shuffle().create_parents()
    });
    drop(file);
    for (inner, path) in [
        ("/plain", ReadPath::Contiguous),
        ("/g/zipped", ReadPath::Chunked),
    ] {
        let spec = format!("{}:{inner}", h5.display());
        let opened = ooc::open::<f64>(&spec).unwrap();
        match &opened {
            Array::Hdf5(reader) => assert_eq!(reader.path(), &path, "{spec}"),
            other => panic!("{spec} opened as {other:?}"),
        }
        check_gemv(&opened, &a);
        let desc = ooc::describe(&spec).unwrap();
        assert_eq!(
            (desc.dtype, desc.shape.as_slice()),
            (ooc_core::DType::F64, &[rows, cols][..])
        );
    }

    let csr = CsrMatrix::from_dense(&a.view());
    let npz = dir.path().join("A.npz");
    save_npz(&npz, &csr, true).unwrap();
    let opened = ooc::open::<f64>(&npz).unwrap();
    assert!(opened.as_sparse().is_some());
    check_gemv(&opened, &a);

    let h5ad = dir.path().join("A.h5ad");
    save_anndata(&h5ad, "X", &csr, H5SparseOptions::default()).unwrap();
    let spec = format!("{}:/X", h5ad.display());
    let opened = ooc::open::<f64>(&spec).unwrap();
    assert!(matches!(
        opened.as_sparse_rows(),
        Some(ooc::SparseRows::Stream(_))
    ));
    check_gemv(&opened, &a);
    // Read as dense blocks, a sparse source gives the dense matrix.
    let mut block = vec![0.0; 5 * 7];
    opened
        .read_region(&ooc_core::Region::block(100, 13, 5, 7), &mut block)
        .unwrap();
    assert_eq!(
        block,
        a.slice(ndarray::s![100..105, 13..20])
            .iter()
            .copied()
            .collect::<Vec<_>>()
    );
}

#[test]
fn wrong_requests_are_typed_errors_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let npy = dir.path().join("A.npy");
    ooc::save_npy(&npy, &matrix(3, 4)).unwrap();
    let err = ooc::open::<f32>(&npy).unwrap_err().to_string();
    assert!(
        err.contains("A.npy") && err.contains("f64") && err.contains("f32"),
        "{err}"
    );

    let h5 = dir.path().join("A.h5");
    drop(File::create(&h5).unwrap());
    let err = ooc::open::<f64>(&h5).unwrap_err();
    assert!(err.is_incomplete(), "{err}");
    assert!(err.to_string().contains("name a dataset"), "{err}");

    let raw = dir.path().join("A.bin");
    std::fs::write(&raw, [0_u8; 24]).unwrap();
    assert!(ooc::open::<f64>(&raw).unwrap_err().is_incomplete());
    let opts = ooc::OpenOptions {
        raw: Some(ooc::RawSpec {
            dtype: ooc_core::DType::F64,
            order: ooc_core::ByteOrder::NATIVE,
            shape: vec![3, 1],
            offset: 0,
        }),
        ..ooc::OpenOptions::default()
    };
    assert_eq!(ooc::open_with::<f64>(&raw, &opts).unwrap().shape(), &[3, 1]);

    // A sparse source read into memory must fit the budget as CSR; streamed ones need not.
    let csr = CsrMatrix::from_dense(&matrix(40, 30).view());
    let npz = dir.path().join("m.npz");
    save_npz(&npz, &csr, false).unwrap();
    let small = ooc::OpenOptions {
        budget: MemoryBudget::new(1024),
        ..ooc::OpenOptions::default()
    };
    let err = ooc::open_with::<f64>(&npz, &small).unwrap_err().to_string();
    assert!(
        err.contains("m.npz") && err.contains("budget of 1024 bytes"),
        "{err}"
    );
    let h5ad = dir.path().join("m.h5ad");
    save_anndata(&h5ad, "X", &csr, H5SparseOptions::default()).unwrap();
    let spec = format!("{}:/X", h5ad.display());
    assert!(ooc::open_with::<f64>(&spec, &small).is_ok());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(16))]

    /// The in-memory product, the streamed one (any budget, any thread count) and `gemv`
    /// on the opened `.npz` give the same bits, `f32` and `f64`.
    #[test]
    fn in_memory_and_streamed_spmv_are_bit_identical(
        rows in 1_usize..300,
        cols in 1_usize..300,
        density in 0.0_f64..0.3,
        seed in any::<u64>(),
        budget in prop::sample::select(vec![32_usize << 10, 1 << 20, 64 << 20]),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let m = random_csr::<f32>(rows, cols, density, seed, Par::Seq).unwrap();
        let x: Vec<f32> = (0..cols).map(|j| 1.0 / (1.0 + j as f32)).collect();
        let mut want = vec![0.0_f32; rows];
        m.spmv(&x, &mut want, Par::All).unwrap();
        let npz = dir.path().join("m.npz");
        save_npz(&npz, &m, false).unwrap();
        let opened = ooc::open::<f32>(&npz).unwrap();
        for threads in [1, 2] {
            let opts = Options::new().with_par(Par::threads(threads)).with_budget(MemoryBudget::new(budget));
            let mut streamed = vec![0.0_f32; rows];
            spmv(&m, &x, &mut streamed, &opts).unwrap();
            prop_assert_eq!(bits(&streamed), bits(&want));
            let mut through_open = vec![0.0_f32; rows];
            gemv(&opened, &x, &mut through_open, &opts).unwrap();
            prop_assert_eq!(bits(&through_open), bits(&want));
        }
        prop_assert_eq!(ReadSparseRows::nnz(&m), opened.as_sparse().unwrap().nnz());
    }
}

fn bits(v: &[f32]) -> Vec<u32> {
    v.iter().map(|f| f.to_bits()).collect()
}

/// The facade's sparse rows, from `.npz` archives (in memory) and anndata CSR groups
/// (streamed), pass the shared sparse reader suite.
struct Opened {
    dir: tempfile::TempDir,
    n: usize,
    anndata: bool,
}

impl ooc_core::testing::SparseConformanceFactory for Opened {
    type Rows<T: ooc_core::Element> = ooc::SparseRows<T>;

    fn create<T: ooc_core::Element>(
        &mut self,
        shape: [usize; 2],
        dense: &[T],
    ) -> ooc_core::Result<ooc::SparseRows<T>> {
        let view = ndarray::ArrayView2::from_shape(shape, dense)
            .map_err(|e| ooc_core::Error::Unsupported(e.to_string()))?;
        let csr = CsrMatrix::from_dense(&view);
        self.n += 1;
        let spec = if self.anndata {
            let path = self.dir.path().join(format!("m{}.h5ad", self.n));
            save_anndata(&path, "X", &csr, H5SparseOptions::default())?;
            format!("{}:/X", path.display())
        } else {
            let path = self.dir.path().join(format!("m{}.npz", self.n));
            save_npz(&path, &csr, false)?;
            path.display().to_string()
        };
        match ooc::open::<T>(&spec) {
            Ok(Array::Sparse(rows)) => Ok(rows),
            Ok(other) => Err(ooc_core::Error::Unsupported(format!(
                "{spec} opened as {other:?}"
            ))),
            Err(e) => Err(ooc_core::Error::Unsupported(e.to_string())),
        }
    }
}

#[test]
fn opened_sparse_sources_conform() {
    for anndata in [false, true] {
        let mut f = Opened {
            dir: tempfile::tempdir().unwrap(),
            n: 0,
            anndata,
        };
        ooc_core::testing::run_sparse_conformance(&mut f);
    }
}
