//! ooc-linalg over ooc-hdf5: GEMV, GEMVᵀ and reductions on contiguous, chunked and
//! deflate+shuffle chunked datasets, through the library path (`Dataset`) and the
//! parallel read path (`ParallelReader`), against ndarray references.

mod common;

use common::write_dataset;
use ndarray::{Array1, Array2};
use ooc_core::{Par, ReadBlock};
use ooc_hdf5::{File, ReadPath};
use ooc_linalg::{Along, gemv, gemv_t, max, sum};

#[allow(clippy::cast_precision_loss)]
fn values(len: usize, salt: usize) -> Vec<f64> {
    (0..len)
        .map(|i| ((i * 13 + salt * 5) % 23) as f64 - 11.0)
        .collect()
}

fn check(a: &dyn ReadBlock<f64>, dense: &Array2<f64>, what: &str) {
    let (m, n) = dense.dim();
    let x = Array1::from(values(n, 1));
    let xt = Array1::from(values(m, 2));
    for opts in common::options(&[256 << 10, 8 << 20]) {
        let mut y = vec![0.0; m];
        gemv(&a, x.as_slice().unwrap(), &mut y, &opts).unwrap();
        assert_eq!(y, dense.dot(&x).to_vec(), "gemv {what} {opts:?}");
        let mut yt = vec![0.0; n];
        gemv_t(&a, xt.as_slice().unwrap(), &mut yt, &opts).unwrap();
        assert_eq!(yt, dense.t().dot(&xt).to_vec(), "gemv_t {what} {opts:?}");
        let cols = sum(&a, Along::Cols, &opts).unwrap();
        assert_eq!(cols, dense.sum_axis(ndarray::Axis(0)).to_vec(), "{what}");
        let top = max(&a, Along::All, &opts).unwrap();
        assert_eq!(top[0], dense.fold(f64::MIN, |m, &v| m.max(v)), "{what}");
    }
}

#[test]
fn products_on_hdf5_layouts_and_read_paths_match_ndarray() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.h5");
    let (m, n) = (203, 150);
    let data = values(m * n, 0);
    let dense = Array2::from_shape_vec((m, n), data.clone()).unwrap();
    {
        let file = File::create(&path).unwrap();
        write_dataset(&file, "/contiguous", &[m, n], &data, |b| b);
        write_dataset(&file, "/chunked", &[m, n], &data, |b| b.chunk([16, 40]));
        write_dataset(&file, "/group/deflate", &[m, n], &data, |b| {
            b.chunk([25, 150]).deflate(4).shuffle().create_parents()
        });
        file.flush().unwrap();
    }
    let file = File::open(&path).unwrap();
    for (name, expected_path) in [
        ("/contiguous", ReadPath::Contiguous),
        ("/chunked", ReadPath::Chunked),
        ("/group/deflate", ReadPath::Chunked),
    ] {
        let ds = file.dataset(name).unwrap();
        check(&ds, &dense, &format!("{name} library"));
        let fast = ds
            .parallel_reader()
            .unwrap()
            .with_par(Par::threads(2))
            .unwrap();
        assert_eq!(fast.path(), &expected_path, "{name}");
        check(&fast, &dense, &format!("{name} parallel {:?}", fast.path()));
    }
}
