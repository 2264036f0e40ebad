//! Reductions and blockwise maps against ndarray references, on every backend path,
//! odd and empty shapes, several budgets and thread counts.

mod common;

use common::{TestElem, backends, make_all, wide};
use ndarray::Axis;
use ooc_core::{Complex, MemArray, MemoryBudget, Par, Region};
use ooc_linalg::{Along, LinalgError, Norm, Options, map_blocks, max, min, norm, sum};
use proptest::prelude::*;

#[derive(Debug, Clone)]
struct Case {
    shape: [usize; 2],
    a: Vec<(i8, i8)>,
    chunk: Option<[usize; 2]>,
    par: Par,
    budget: usize,
}

fn case() -> impl Strategy<Value = Case> {
    (
        (0_usize..9, 0_usize..9),
        prop::option::of((1_usize..4, 1_usize..4)),
        prop::sample::select(vec![Par::Seq, Par::threads(2)]),
        prop::sample::select(vec![2_000_usize, 20_000, 1 << 20]),
    )
        .prop_flat_map(|((m, n), chunk, par, budget)| {
            prop::collection::vec((-9_i8..=9, -9_i8..=9), m * n).prop_map(move |a| Case {
                shape: [m, n],
                a,
                chunk: chunk.map(|(r, c)| [r, c]),
                par,
                budget,
            })
        })
}

fn opts(c: &Case) -> Options {
    Options::new()
        .with_par(c.par)
        .with_budget(MemoryBudget::new(c.budget))
}

fn check_sums_and_norms<T: TestElem>(c: &Case) {
    let (a, aw) = make_all::<T>(&c.a);
    let aw = wide(c.shape, aw);
    let all = vec![T::narrow(aw.sum())];
    let rows: Vec<T> = aw.sum_axis(Axis(1)).into_iter().map(T::narrow).collect();
    let cols: Vec<T> = aw.sum_axis(Axis(0)).into_iter().map(T::narrow).collect();
    let mags = ndarray::Array2::from_shape_vec(
        (c.shape[0], c.shape[1]),
        a.iter().map(|v| v.magnitude()).collect(),
    )
    .unwrap();
    for (name, backend) in backends(c.shape, &a, c.chunk) {
        let b = &*backend;
        let o = opts(c);
        assert_eq!(sum(&b, Along::All, &o).unwrap(), all, "{name} {c:?}");
        assert_eq!(sum(&b, Along::Rows, &o).unwrap(), rows, "{name} {c:?}");
        assert_eq!(sum(&b, Along::Cols, &o).unwrap(), cols, "{name} {c:?}");
        for (along, axis) in [
            (Along::All, None),
            (Along::Rows, Some(1)),
            (Along::Cols, Some(0)),
        ] {
            let lanes = |f: &dyn Fn(ndarray::ArrayView1<f64>) -> f64| -> Vec<f64> {
                match axis {
                    None => vec![f(ndarray::ArrayView1::from(mags.as_slice().unwrap()))],
                    Some(ax) => mags.lanes(Axis(ax)).into_iter().map(f).collect(),
                }
            };
            let l1 = lanes(&|l| l.sum());
            let l2 = lanes(&|l| l.mapv(|v| v * v).sum().sqrt());
            let inf = lanes(&|l| l.fold(0.0, |m: f64, &v| m.max(v)));
            for (kind, expected) in [(Norm::L1, l1), (Norm::L2, l2), (Norm::Inf, inf)] {
                let got = norm(&b, kind, along, &o).unwrap();
                assert_eq!(got.len(), expected.len(), "{name} {kind:?} {along:?}");
                for (g, e) in got.iter().zip(&expected) {
                    assert!(
                        (g - e).abs() <= 1e-12 * e.max(1.0),
                        "{name} {kind:?} {along:?} {g} {e}"
                    );
                }
            }
        }
    }
}

fn check_extremes<T: TestElem + PartialOrd>(c: &Case)
where
    T::Wide: Ord + Copy,
{
    let (a, aw) = make_all::<T>(&c.a);
    let aw = wide(c.shape, aw);
    let [m, n] = c.shape;
    for (name, backend) in backends(c.shape, &a, c.chunk) {
        let b = &*backend;
        let o = opts(c);
        for (along, axis) in [
            (Along::All, None),
            (Along::Rows, Some(1)),
            (Along::Cols, Some(0)),
        ] {
            let empty = match along {
                Along::All => m * n == 0,
                Along::Rows => n == 0 && m > 0,
                Along::Cols => m == 0 && n > 0,
            };
            for smallest in [true, false] {
                let got = if smallest {
                    min(&b, along, &o)
                } else {
                    max(&b, along, &o)
                };
                if empty {
                    assert!(
                        matches!(got, Err(LinalgError::EmptyReduction { .. })),
                        "{name} {along:?} {got:?}"
                    );
                    continue;
                }
                let pick = |l: ndarray::ArrayView1<T::Wide>| {
                    let it = l.iter().copied();
                    T::narrow(if smallest { it.min() } else { it.max() }.unwrap())
                };
                let expected: Vec<T> = match axis {
                    None => vec![pick(ndarray::ArrayView1::from(aw.as_slice().unwrap()))],
                    Some(ax) => aw.lanes(Axis(ax)).into_iter().map(pick).collect(),
                };
                assert_eq!(got.unwrap(), expected, "{name} {along:?} min={smallest}");
            }
        }
    }
}

fn check_map<T: TestElem>(c: &Case) {
    let (a, aw) = make_all::<T>(&c.a);
    let expected: Vec<T> = aw.into_iter().map(|w| T::narrow(w * w + w)).collect();
    for (name, backend) in backends(c.shape, &a, c.chunk) {
        let mut sink = MemArray::<T>::zeros(&c.shape).unwrap();
        map_blocks(
            &&*backend,
            &mut sink,
            |region: &Region, input: &[T], out: &mut [T]| {
                assert_eq!(region.len(), input.len());
                for (o, &v) in out.iter_mut().zip(input) {
                    *o = v.times(v).plus(v);
                }
            },
            &opts(c),
        )
        .unwrap();
        assert_eq!(sink.as_slice(), &expected[..], "{name} {c:?}");
    }
}

proptest! {
    #[test]
    fn sums_and_norms_match_ndarray(c in case()) {
        check_sums_and_norms::<i32>(&c);
        check_sums_and_norms::<u8>(&c);
        check_sums_and_norms::<i8>(&c);
        check_sums_and_norms::<f32>(&c);
        check_sums_and_norms::<f64>(&c);
        check_sums_and_norms::<Complex<f64>>(&c);
    }

    #[test]
    fn min_and_max_match_ndarray(c in case()) {
        check_extremes::<i64>(&c);
        check_extremes::<u16>(&c);
        check_extremes::<f32>(&c);
        check_extremes::<f64>(&c);
    }

    #[test]
    fn map_blocks_matches_elementwise_reference(c in case()) {
        check_map::<i16>(&c);
        check_map::<u32>(&c);
        check_map::<f64>(&c);
        check_map::<Complex<f32>>(&c);
    }
}

#[test]
fn nan_wins_min_and_max() {
    let a = MemArray::from_vec(vec![2, 2], vec![1.0_f64, f64::NAN, 3.0, -2.0]).unwrap();
    let o = Options::new();
    assert!(min(&a, Along::All, &o).unwrap()[0].is_nan());
    let rows = max(&a, Along::Rows, &o).unwrap();
    assert!(rows[0].is_nan());
    assert!((rows[1] - 3.0).abs() < f64::EPSILON);
    assert!(norm(&a, Norm::Inf, Along::All, &o).unwrap()[0].is_nan());
}

#[test]
fn map_blocks_converts_types_and_reports_wrong_sinks() {
    let src = MemArray::from_vec(vec![3, 2], vec![1_u8, 2, 3, 4, 5, 6]).unwrap();
    let to_f32 = |_: &Region, a: &[u8], out: &mut [f32]| {
        for (o, &v) in out.iter_mut().zip(a) {
            *o = f32::from(v) / 2.0;
        }
    };
    let mut sink = MemArray::<f32>::zeros(&[3, 2]).unwrap();
    map_blocks(&src, &mut sink, to_f32, &Options::new()).unwrap();
    assert_eq!(sink.as_slice(), &[0.5, 1.0, 1.5, 2.0, 2.5, 3.0]);

    let mut wrong_shape = MemArray::<f32>::zeros(&[2, 3]).unwrap();
    let err = map_blocks(&src, &mut wrong_shape, to_f32, &Options::new()).unwrap_err();
    assert!(matches!(err, LinalgError::WrongSink { .. }), "{err:?}");
    let text = err.to_string();
    assert!(text.contains("[3, 2]") && text.contains("[2, 3]"), "{text}");

    // A sink that claims another element type than it is written as.
    let mut lying = common::Plain::new(MemArray::<f32>::zeros(&[3, 2]).unwrap(), true);
    let err = map_blocks(&src, &mut WrongType(&mut lying), to_f32, &Options::new()).unwrap_err();
    assert!(err.to_string().contains("f64"), "{err}");
}

/// A sink whose reported element type is wrong.
struct WrongType<'a>(&'a mut common::Plain<f32>);

impl ooc_core::ArrayMeta for WrongType<'_> {
    fn shape(&self) -> &[usize] {
        self.0.inner.shape()
    }
    fn dtype(&self) -> ooc_core::DType {
        ooc_core::DType::F64
    }
}

impl ooc_core::WriteBlock<f32> for WrongType<'_> {
    fn write_region(&mut self, region: &Region, data: &[f32]) -> ooc_core::Result<()> {
        ooc_core::WriteBlock::write_region(&mut self.0.inner, region, data)
    }
}

#[test]
fn a_failing_sink_or_source_stops_the_map() {
    let src = MemArray::from_vec(vec![40, 3], (0..120).collect::<Vec<i32>>()).unwrap();
    let opts = Options::new()
        .with_par(Par::threads(2))
        .with_budget(MemoryBudget::new(3 * 4 * 2 * 8 * 2));
    let failing = common::Plain::new(src.clone(), false).failing_at(2);
    let mut sink = MemArray::<i32>::zeros(&[40, 3]).unwrap();
    let copy = |_: &Region, a: &[i32], out: &mut [i32]| out.copy_from_slice(a);
    let err = map_blocks(&failing, &mut sink, copy, &opts).unwrap_err();
    assert!(err.to_string().contains("injected failure"), "{err}");
}
