//! Spy plots: the grid counts every stored entry in the right cell (checked against a
//! per-entry reference), the pixels are dark exactly where cells are non-empty, and PNG
//! and SVG files are written with the requested size; bad sizes and paths are errors.

use ooc_core::Par;
use ooc_sparse::{CsrMatrix, SparseError, random_csr, spy_grid, spy_png, spy_rgb, spy_svg};
use proptest::prelude::*;

fn reference_grid(a: &CsrMatrix<f64>, gw: usize, gh: usize) -> Vec<u64> {
    let [rows, cols] = a.shape();
    let mut counts = vec![0; gw * gh];
    for i in 0..rows {
        for j in a.row(i).0 {
            counts[(i * gh / rows) * gw + j * gw / cols] += 1;
        }
    }
    counts
}

proptest! {
    #[test]
    fn grid_counts_each_entry_in_its_cell(
        rows in 0_usize..60, cols in 0_usize..60, density in 0.0..1.0, seed in any::<u64>(),
        w in 1_usize..40, h in 1_usize..40,
    ) {
        let a = random_csr::<f64>(rows, cols, density, seed, Par::Seq).unwrap();
        let g = spy_grid(&a, w, h).unwrap();
        prop_assert_eq!((g.width, g.height), (w.min(cols), h.min(rows)));
        prop_assert_eq!(g.counts.iter().sum::<u64>(), a.nnz() as u64);
        if g.width > 0 && g.height > 0 {
            prop_assert_eq!(g.counts, reference_grid(&a, g.width, g.height));
        }
    }

    #[test]
    fn pixels_are_dark_exactly_over_entries(
        rows in 1_usize..30, cols in 1_usize..30, density in 0.0..0.5, seed in any::<u64>(),
        w in 1_u32..50, h in 1_u32..50,
    ) {
        let a = random_csr::<f64>(rows, cols, density, seed, Par::Seq).unwrap();
        let px = spy_rgb(&a, w, h).unwrap();
        prop_assert_eq!(px.len(), (w * h * 3) as usize);
        let g = spy_grid(&a, w as usize, h as usize).unwrap();
        for y in 0..h as usize {
            for x in 0..w as usize {
                let p = &px[(y * w as usize + x) * 3..][..3];
                prop_assert!(p[0] == p[1] && p[1] == p[2]);
                // Cell c covers pixels [c·pixels/cells, (c+1)·pixels/cells).
                let cell = |p: usize, cells: usize, pixels: usize| {
                    (0..cells).rev().find(|&c| c * pixels / cells <= p).unwrap()
                };
                let gy = cell(y, g.height, h as usize);
                let gx = cell(x, g.width, w as usize);
                let count = g.counts[gy * g.width + gx];
                prop_assert_eq!(p[0] == 255, count == 0, "pixel ({}, {}) count {}", x, y, count);
            }
        }
    }
}

fn png_size(bytes: &[u8]) -> (u32, u32) {
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
    assert_eq!(&bytes[12..16], b"IHDR");
    let be = |b: &[u8]| u32::from_be_bytes([b[0], b[1], b[2], b[3]]);
    (be(&bytes[16..20]), be(&bytes[20..24]))
}

#[test]
fn png_and_svg_files_have_the_requested_size() {
    let dir = tempfile::tempdir().unwrap();
    let a = random_csr::<f64>(200, 3000, 0.01, 3, Par::Seq).unwrap();
    let png = dir.path().join("a.png");
    spy_png(&png, &a, 300, 120).unwrap();
    assert_eq!(png_size(&std::fs::read(&png).unwrap()), (300, 120));
    let svg = dir.path().join("a.svg");
    spy_svg(&svg, &a, 300, 120).unwrap();
    let text = std::fs::read_to_string(&svg).unwrap();
    assert!(
        text.contains("<svg") && text.contains("width=\"300\"") && text.contains("height=\"120\"")
    );
    assert!(text.matches("<rect").count() > 1);
    // An empty matrix draws only the white background.
    let empty = CsrMatrix::<f64>::zeros([5, 5]);
    spy_svg(&svg, &empty, 10, 10).unwrap();
    assert_eq!(
        std::fs::read_to_string(&svg)
            .unwrap()
            .matches("<rect")
            .count(),
        1
    );
    spy_png(&png, &CsrMatrix::<f32>::zeros([0, 0]), 10, 10).unwrap();
    assert_eq!(png_size(&std::fs::read(&png).unwrap()), (10, 10));
}

#[test]
fn bad_sizes_and_paths_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    let a = random_csr::<f64>(10, 10, 0.5, 3, Par::Seq).unwrap();
    for (w, h) in [(0, 10), (10, 0), (40_000, 10)] {
        let err = spy_png(dir.path().join("a.png"), &a, w, h).unwrap_err();
        assert!(matches!(err, SparseError::Plot { .. }), "{err}");
        assert!(err.to_string().contains(&format!("{w} x {h}")), "{err}");
        assert!(spy_rgb(&a, w, h).is_err());
    }
    let err = spy_png(dir.path().join("missing/a.png"), &a, 10, 10).unwrap_err();
    assert!(matches!(err, SparseError::Plot { .. }), "{err}");
    let err = spy_svg(dir.path().join("missing/a.svg"), &a, 10, 10).unwrap_err();
    assert!(matches!(err, SparseError::Plot { .. }), "{err}");
}
