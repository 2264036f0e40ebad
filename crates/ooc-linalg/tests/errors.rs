//! Bad input to the dense operations: each returns a typed error naming the values.

use ndarray::Array2;
use ooc_core::{ArrayMeta, DType, MemArray, ReadBlock, Region};
use ooc_linalg::{Along, LinalgError, Options, gemm, gemv, gemv_t, sum};

fn a34() -> MemArray<f64> {
    MemArray::from_vec(vec![3, 4], (0..12).map(f64::from).collect()).unwrap()
}

#[test]
fn dimension_mismatches_name_both_shapes() {
    let a = a34();
    let o = Options::new();
    let cases: Vec<(LinalgError, &str)> = vec![
        (gemv(&a, &[0.0; 5], &mut [0.0; 3], &o).unwrap_err(), "[5]"),
        (gemv(&a, &[0.0; 4], &mut [0.0; 2], &o).unwrap_err(), "[2]"),
        (gemv_t(&a, &[0.0; 4], &mut [0.0; 4], &o).unwrap_err(), "[4]"),
        (gemv_t(&a, &[0.0; 3], &mut [0.0; 3], &o).unwrap_err(), "[3]"),
        (
            gemm(
                &a,
                Array2::zeros((3, 2)).view(),
                Array2::zeros((3, 2)).view_mut(),
                &o,
            )
            .unwrap_err(),
            "[3, 2]",
        ),
        (
            gemm(
                &a,
                Array2::zeros((4, 2)).view(),
                Array2::zeros((3, 3)).view_mut(),
                &o,
            )
            .unwrap_err(),
            "[3, 3]",
        ),
    ];
    for (err, other) in cases {
        assert!(
            matches!(err, LinalgError::DimensionMismatch { .. }),
            "{err:?}"
        );
        let text = err.to_string();
        assert!(text.contains("[3, 4]") && text.contains(other), "{text}");
    }
}

#[test]
fn arrays_that_are_not_matrices_are_rejected() {
    let cube = MemArray::<f64>::zeros(&[2, 2, 2]).unwrap();
    let err = gemv(&cube, &[0.0; 2], &mut [0.0; 2], &Options::new()).unwrap_err();
    assert!(matches!(err, LinalgError::NotMatrix { .. }), "{err:?}");
    assert!(err.to_string().contains("[2, 2, 2]"), "{err}");
    let line = MemArray::<f64>::zeros(&[4]).unwrap();
    let err = sum(&line, Along::All, &Options::new()).unwrap_err();
    assert!(err.to_string().contains("[4]"), "{err}");
}

/// A backend that stores `i32` but is asked for `f64` (as run-time typed files can be).
struct Mistyped(MemArray<f64>);

impl ArrayMeta for Mistyped {
    fn shape(&self) -> &[usize] {
        self.0.shape()
    }
    fn dtype(&self) -> DType {
        DType::I32
    }
}

impl ReadBlock<f64> for Mistyped {
    fn read_region(&self, region: &Region, out: &mut [f64]) -> ooc_core::Result<()> {
        self.0.read_region(region, out)
    }
}

#[test]
fn element_type_mismatch_names_both_types() {
    let err = gemv(&Mistyped(a34()), &[0.0; 4], &mut [0.0; 3], &Options::new()).unwrap_err();
    let text = err.to_string();
    assert!(text.contains("i32") && text.contains("f64"), "{text}");
    let core: ooc_core::Error = err.into();
    assert!(matches!(core, ooc_core::Error::DTypeMismatch { .. }));
}

#[test]
fn linalg_errors_convert_into_core_errors_with_their_message() {
    let err = gemv(&a34(), &[0.0; 5], &mut [0.0; 3], &Options::new()).unwrap_err();
    let text = err.to_string();
    let core: ooc_core::Error = err.into();
    assert!(core.to_string().contains(&text), "{core}");
}

/// Vectors may be slices, arrays, `Vec`s or ndarray arrays (strided `x` views are copied);
/// a strided `y` is refused with a typed error rather than written element by element.
#[test]
fn ndarray_vectors_are_operands_and_strided_outputs_are_refused() {
    use ndarray::{Array1, s};
    let a =
        ooc_core::MemArray::from_vec(vec![2, 3], vec![1.0_f64, 2.0, 3.0, 4.0, 5.0, 6.0]).unwrap();
    let wide = Array1::from(vec![1.0, 9.0, 0.0, 9.0, -1.0, 9.0]);
    let x = wide.slice(s![..;2]);
    let mut y = Array1::<f64>::zeros(2);
    ooc_linalg::gemv(&a, &x, &mut y, &ooc_linalg::Options::new()).unwrap();
    assert_eq!(y.to_vec(), vec![-2.0, -2.0]);
    let mut out = Array1::<f64>::zeros(4);
    let mut strided = out.slice_mut(s![..;2]);
    let err = ooc_linalg::gemv(&a, &x, &mut strided, &ooc_linalg::Options::new()).unwrap_err();
    assert!(
        matches!(
            err,
            ooc_linalg::LinalgError::NotContiguous {
                op: "gemv",
                name: "y"
            }
        ),
        "{err}"
    );
}
