//! ooc-linalg over ooc-mmap: GEMV, GEMVᵀ, GEMM, reductions and a blockwise map on `.npy`
//! memory maps (C order through zero-copy views, Fortran order through reads), against
//! ndarray references, on several budgets and thread counts.

mod common;

use ndarray::{Array1, Array2};
use ooc_core::{MemoryBudget, Par};
use ooc_linalg::{Along, Options, gemm, gemv, gemv_t, map_blocks, norm, sum};
use ooc_mmap::{MmapArray, Mode};

/// Integer-valued data, so every product is exact in `f32` and `f64` and the references
/// can be compared bit for bit.
#[allow(clippy::cast_precision_loss)]
fn values(len: usize, salt: usize) -> Vec<f32> {
    (0..len)
        .map(|i| ((i * 31 + salt * 7) % 19) as f32 - 9.0)
        .collect()
}

fn write_npy(path: &std::path::Path, shape: [usize; 2], data: &[f32], fortran: bool) {
    let mut a = MmapArray::<f32>::create_npy(path, &shape, fortran).unwrap();
    let reference = Array2::from_shape_vec((shape[0], shape[1]), data.to_vec()).unwrap();
    a.view_mut().unwrap().assign(&reference.into_dyn());
    a.flush().unwrap();
}

#[test]
fn products_on_npy_maps_match_ndarray() {
    let dir = tempfile::tempdir().unwrap();
    for (shape, fortran) in [
        ([300, 257], false),
        ([1, 1000], false),
        ([513, 1], false),
        ([120, 77], true),
    ] {
        let [m, n] = shape;
        let data = values(m * n, m);
        let path = dir.path().join(format!("a_{m}_{n}_{fortran}.npy"));
        write_npy(&path, shape, &data, fortran);
        let a = MmapArray::<f32>::open_npy(&path, Mode::ReadOnly).unwrap();
        let dense = Array2::from_shape_vec((m, n), data).unwrap();
        let x = Array1::from(values(n, 1));
        let xt = Array1::from(values(m, 2));
        let b = Array2::from_shape_vec((n, 3), values(n * 3, 3)).unwrap();
        for opts in common::options(&[64 << 10, 4 << 20]) {
            let mut y = vec![0.0; m];
            gemv(&a, x.as_slice().unwrap(), &mut y, &opts).unwrap();
            assert_eq!(
                y,
                dense.dot(&x).to_vec(),
                "gemv {shape:?} {fortran} {opts:?}"
            );

            let mut yt = vec![0.0; n];
            gemv_t(&a, xt.as_slice().unwrap(), &mut yt, &opts).unwrap();
            assert_eq!(yt, dense.t().dot(&xt).to_vec(), "gemv_t {shape:?} {opts:?}");

            let mut c = Array2::zeros((m, 3));
            gemm(&a, b.view(), c.view_mut(), &opts).unwrap();
            assert_eq!(c, dense.dot(&b), "gemm {shape:?} {opts:?}");

            let rows = sum(&a, Along::Rows, &opts).unwrap();
            assert_eq!(rows, dense.sum_axis(ndarray::Axis(1)).to_vec());
            let l1 = norm(&a, ooc_linalg::Norm::L1, Along::All, &opts).unwrap();
            let expected: f64 = dense.iter().map(|v| f64::from(v.abs())).sum();
            assert!((l1[0] - expected).abs() < 1e-9, "{} {expected}", l1[0]);
        }
    }
}

#[test]
fn map_blocks_writes_into_a_writable_map() {
    let dir = tempfile::tempdir().unwrap();
    let src_path = dir.path().join("src.npy");
    let data = values(200 * 33, 4);
    write_npy(&src_path, [200, 33], &data, false);
    let src = MmapArray::<f32>::open_npy(&src_path, Mode::ReadOnly).unwrap();
    let dst_path = dir.path().join("dst.npy");
    let mut dst = MmapArray::<f64>::create_npy(&dst_path, &[200, 33], false).unwrap();
    let opts = Options::new()
        .with_par(Par::threads(2))
        .with_budget(MemoryBudget::new(64 << 10));
    map_blocks(
        &src,
        &mut dst,
        |_: &ooc_core::Region, a: &[f32], out: &mut [f64]| {
            for (o, &v) in out.iter_mut().zip(a) {
                *o = f64::from(v) * 2.0;
            }
        },
        &opts,
    )
    .unwrap();
    drop(dst);
    let back = MmapArray::<f64>::open_npy(&dst_path, Mode::ReadOnly).unwrap();
    let expected: Vec<f64> = data.iter().map(|&v| f64::from(v) * 2.0).collect();
    assert_eq!(back.as_slice(), &expected[..]);
}
