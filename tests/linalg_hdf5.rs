//! ooc-linalg over ooc-hdf5: GEMV, GEMVᵀ and reductions on contiguous, chunked and
//! deflate+shuffle chunked datasets, through the library path (`Dataset`) and the
//! parallel read path (`ParallelReader`), against ndarray references.

use ndarray::{Array1, Array2};
use ooc_core::{MemoryBudget, Par, ReadBlock};
use ooc_hdf5::{File, ReadPath};
use ooc_linalg::{Along, Options, gemv, gemv_t, max, sum};

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
    for par in [Par::Seq, Par::threads(2)] {
        for budget in [256 << 10, 8 << 20] {
            let opts = Options::new()
                .with_par(par)
                .with_budget(MemoryBudget::new(budget));
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
        let mut contiguous = file
            .new_dataset::<f64>("/contiguous")
            .shape([m, n])
            .create()
            .unwrap();
        contiguous.write_all(&data).unwrap();
        let mut chunked = file
            .new_dataset::<f64>("/chunked")
            .shape([m, n])
            .chunk([16, 40])
            .create()
            .unwrap();
        chunked.write_all(&data).unwrap();
        let mut deflated = file
            .new_dataset::<f64>("/group/deflate")
            .shape([m, n])
            .chunk([25, 150])
            .deflate(4)
            .shuffle()
            .create_parents()
            .create()
            .unwrap();
        deflated.write_all(&data).unwrap();
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
