//! Sparse matrices in `.npz` archives and anndata groups: `info`, `stats` (implicit zeros included, as scipy
//! counts them) and `gemv` (SpMV), checked against values computed here from the entries
//! the test stored.

use ooc::anndata::{H5SparseOptions, load_anndata, save_anndata};
use ooc::mmap::{MmapArray, Mode};
use ooc::sparse::{CooMatrix, CsrMatrix, SparseMatrix, load_npz, save_npz};

use crate::common::write_npy;
use crate::support::{Python, arg, fails, file_names, json, ok, value};

/// Entries of a `rows × cols` test matrix: about one in five positions, as triplets.
fn entries(rows: usize, cols: usize) -> Vec<(usize, usize, f64)> {
    (0..rows * cols)
        .filter(|k| value(*k + 7) > 0.6)
        .map(|k| (k / cols, k % cols, value(k)))
        .collect()
}

fn csr(rows: usize, cols: usize, e: &[(usize, usize, f64)]) -> CsrMatrix<f64> {
    let mut indptr = vec![0; rows + 1];
    for &(r, _, _) in e {
        indptr[r + 1] += 1;
    }
    for r in 0..rows {
        indptr[r + 1] += indptr[r];
    }
    let indices = e.iter().map(|t| t.1).collect();
    let data = e.iter().map(|t| t.2).collect();
    CsrMatrix::new([rows, cols], indptr, indices, data).unwrap()
}

#[test]
fn csr_and_coo_archives_written_by_the_crate() {
    let dir = tempfile::tempdir().unwrap();
    let (rows, cols) = (41, 29);
    let e = entries(rows, cols);
    let csr_path = dir.path().join("m.npz");
    save_npz(&csr_path, &csr(rows, cols, &e), true).unwrap();
    let coo = CooMatrix::new(
        [rows, cols],
        e.iter().map(|t| t.0).collect(),
        e.iter().map(|t| t.1).collect(),
        e.iter().map(|t| t.2).collect(),
    )
    .unwrap();
    let coo_path = dir.path().join("coo.npz");
    save_npz(&coo_path, &coo, false).unwrap();

    let sum: f64 = e.iter().map(|t| t.2).sum();
    let min = e.iter().map(|t| t.2).fold(0.0_f64, f64::min); // implicit zeros count
    let max = e.iter().map(|t| t.2).fold(0.0_f64, f64::max);
    let x: Vec<f64> = (0..cols).map(|j| value(j + 999)).collect();
    let mut expected = vec![0.0; rows];
    for &(r, c, v) in &e {
        expected[r] += v * x[c];
    }
    let x_path = dir.path().join("x.npy");
    write_npy(&x_path, &[cols], &x);

    for (path, format) in [(&csr_path, "csr"), (&coo_path, "coo")] {
        let j = json(&ok(&["info", "--json", &arg(path)]));
        assert_eq!(j["format"], "npz");
        assert_eq!(j["sparse_format"], format);
        assert_eq!(j["shape"], serde_json::json!([rows, cols]));
        assert_eq!(j["dtype"], "f64");
        assert_eq!(j["stored"], e.len());

        // The archive is read into memory, and its CSR form (4 KB) counts against the
        // budget too.
        let j = json(&ok(&["stats", "--json", &arg(path), "--budget", "16KiB"]));
        assert_eq!(j["nnz"], e.len());
        assert_eq!(j["elements"], rows * cols);
        let s = j["sum"].as_f64().unwrap();
        assert!(
            (s - sum).abs() <= 1e-12 * sum.abs().max(1.0),
            "{s} vs {sum}"
        );
        assert!((j["min"].as_f64().unwrap() - min).abs() <= 2.0 * f64::EPSILON);
        assert!((j["max"].as_f64().unwrap() - max).abs() <= 2.0 * f64::EPSILON);
        assert_eq!(j["sparse_format"], format);

        let y = dir.path().join(format!("y_{format}.npy"));
        let j = json(&ok(&[
            "gemv",
            &arg(path),
            &arg(&x_path),
            "-o",
            &arg(&y),
            "--json",
            "--threads",
            "2",
        ]));
        assert_eq!(j["kind"], format!("sparse {format}"));
        let found = MmapArray::<f64>::open_npy(&y, Mode::ReadOnly).unwrap();
        for (f, e) in found.as_slice().iter().zip(&expected) {
            assert!((f - e).abs() <= 1e-12 * e.abs().max(1.0), "{f} vs {e}");
        }
    }
}

#[test]
fn integer_matrices_count_implicit_zeros_in_min_and_max() {
    let dir = tempfile::tempdir().unwrap();
    let m = CsrMatrix::new(
        [3, 4],
        vec![0, 2, 2, 3],
        vec![0, 3, 1],
        vec![-5_i32, -2, -9],
    )
    .unwrap();
    let path = dir.path().join("neg.npz");
    save_npz(&path, &m, true).unwrap();
    let j = json(&ok(&["stats", "--json", &arg(&path)]));
    assert_eq!(j["sum"], -16);
    assert_eq!(j["min"], -9);
    assert_eq!(j["max"], 0);
    assert_eq!(j["nnz"], 3);
    assert_eq!(j["elements"], 12);
}

#[test]
fn bad_archives_and_operands() {
    let dir = tempfile::tempdir().unwrap();
    let m = CsrMatrix::new([2, 2], vec![0, 1, 2], vec![0, 1], vec![1.0_f32, 2.0]).unwrap();
    let path = dir.path().join("m.npz");
    save_npz(&path, &m, true).unwrap();
    let x3 = dir.path().join("x3.npy");
    drop(MmapArray::<f32>::create_npy(&x3, &[3], false).unwrap());
    fails(
        &["gemv", &arg(&path), &arg(&x3)],
        1,
        &["m.npz", "2 × 2", "x3.npy", "[3]"],
    );
    fails(
        &["stats", &format!("{}:/data", path.display())],
        1,
        &["m.npz", "/data"],
    );
    // A zip that is not a scipy sparse archive.
    let zip = dir.path().join("plain.npz");
    let mut bytes = b"PK\x03\x04".to_vec();
    bytes.extend_from_slice(&[0; 60]);
    std::fs::write(&zip, bytes).unwrap();
    fails(&["info", &arg(&zip)], 1, &["plain.npz", "sparse"]);
}

#[test]
fn archives_written_by_scipy() {
    let Some(py) = Python::for_test("sparse::archives_written_by_scipy") else {
        return;
    };
    let out = py.run(
        "import numpy as np, scipy.sparse as sp\n\
         a = sp.random(60, 35, density=0.15, format='csc', dtype=np.float32, random_state=3)\n\
         sp.save_npz('a.npz', a)\n\
         x = np.linspace(-1, 1, 35).astype(np.float32)\n\
         np.save('x.npy', x)\n\
         np.save('y.npy', a @ x)\n\
         print(a.nnz, repr(float(a.sum(dtype=np.float64))), repr(float(a.max())))\n",
    );
    let v: Vec<&str> = out.split_whitespace().collect();
    let a = arg(&py.dir().join("a.npz"));
    let j = json(&ok(&["stats", "--json", &a]));
    assert_eq!(j["sparse_format"], "csc");
    assert_eq!(j["nnz"].to_string(), v[0]);
    let sum: f64 = v[1].parse().unwrap();
    assert!((j["sum"].as_f64().unwrap() - sum).abs() <= 1e-9 * sum.abs().max(1.0));
    assert!((j["max"].as_f64().unwrap() - v[2].parse::<f64>().unwrap()).abs() < 1e-12);
    let y = py.dir().join("ours.npy");
    ok(&["gemv", &a, &arg(&py.dir().join("x.npy")), "-o", &arg(&y)]);
    let ours = MmapArray::<f32>::open_npy(&y, Mode::ReadOnly).unwrap();
    let theirs = MmapArray::<f32>::open_npy(py.dir().join("y.npy"), Mode::ReadOnly).unwrap();
    for (o, t) in ours.as_slice().iter().zip(theirs.as_slice()) {
        assert!((o - t).abs() <= 1e-5 * t.abs().max(1.0), "{o} vs {t}");
    }
}

#[test]
fn spy_plots_as_png_and_svg() {
    let dir = tempfile::tempdir().unwrap();
    let (rows, cols) = (60, 90);
    let path = dir.path().join("m.npz");
    save_npz(&path, &csr(rows, cols, &entries(rows, cols)), true).unwrap();
    let png = dir.path().join("m.png");
    let j = json(&ok(&["spy", &arg(&path), &arg(&png), "--json"]));
    // Default size: the matrix's aspect ratio, longest side 800.
    assert_eq!(
        (j["width"].as_u64(), j["height"].as_u64()),
        (Some(800), Some(533))
    );
    let bytes = std::fs::read(&png).unwrap();
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
    assert_eq!(&bytes[12..16], b"IHDR");
    assert_eq!(u32::from_be_bytes(bytes[16..20].try_into().unwrap()), 800);
    assert_eq!(u32::from_be_bytes(bytes[20..24].try_into().unwrap()), 533);

    let svg = dir.path().join("m.svg");
    ok(&[
        "spy",
        &arg(&path),
        &arg(&svg),
        "--width",
        "90",
        "--height",
        "60",
    ]);
    let text = std::fs::read_to_string(&svg).unwrap();
    assert!(
        text.contains("<svg") && text.contains("width=\"90\""),
        "{text}"
    );
    assert!(text.contains("<rect"), "{text}");

    fails(&["spy", &arg(&path), &arg(&svg)], 1, &["m.svg", "--force"]);
    fails(&["spy", &arg(&path), "m.jpg"], 2, &["m.jpg", ".png"]);
    assert_eq!(file_names(dir.path()), ["m.npz", "m.png", "m.svg"]);
}

#[test]
fn spy_of_a_dense_array_draws_its_non_zeros_like_the_sparse_form() {
    let dir = tempfile::tempdir().unwrap();
    let (rows, cols) = (45, 70);
    let values = csr(rows, cols, &entries(rows, cols)).to_dense().unwrap();
    let dense = dir.path().join("d.npy");
    write_npy(&dense, &[rows, cols], values.as_slice().unwrap());
    let sparse = dir.path().join("s.npz");
    let from_dense = CsrMatrix::from_dense(&values.view());
    save_npz(&sparse, &from_dense, false).unwrap();
    let (d_png, s_png) = (dir.path().join("d.png"), dir.path().join("s.png"));
    let size = ["--width", "35", "--height", "15"];
    // A budget of a few rows makes the dense side stream in blocks.
    let j = json(&ok(&[
        &[
            "spy",
            &arg(&dense),
            &arg(&d_png),
            "--json",
            "--budget",
            "2000",
        ][..],
        &size[..],
    ]
    .concat()));
    assert_eq!(j["nnz"].as_u64(), Some(from_dense.nnz() as u64));
    assert_eq!(j["sparse_format"], "dense");
    ok(&[&["spy", &arg(&sparse), &arg(&s_png)][..], &size[..]].concat());
    assert_eq!(
        std::fs::read(&d_png).unwrap(),
        std::fs::read(&s_png).unwrap()
    );
}

#[test]
fn anndata_groups_stream_and_convert_both_ways() {
    let dir = tempfile::tempdir().unwrap();
    let (rows, cols) = (53, 31);
    let e = entries(rows, cols);
    let m = csr(rows, cols, &e);
    let h5 = dir.path().join("a.h5ad");
    save_anndata(&h5, "X", &m, H5SparseOptions::default()).unwrap();
    save_anndata(&h5, "layers/t", &m.to_csc(), H5SparseOptions::default()).unwrap();
    let x_src = format!("{}:/X", h5.display());

    let info = json(&ok(&["info", "--json", &arg(&h5)]));
    let objects = info["objects"].as_array().unwrap();
    for (path, format) in [("/X", "csr"), ("/layers/t", "csc")] {
        let o = objects.iter().find(|o| o["path"] == path).unwrap();
        assert_eq!(o["kind"], "sparse");
        assert_eq!(o["sparse_format"], format);
        assert_eq!(o["shape"], serde_json::json!([rows, cols]));
        assert_eq!(o["nnz"], e.len());
        assert_eq!(o["dtype"], "f64");
    }

    let sum: f64 = e.iter().map(|t| t.2).sum();
    for source in [x_src.clone(), format!("{}:/layers/t", h5.display())] {
        // The CSC layer is read into memory (5 KB of CSR counted against the budget); the
        // CSR matrix streams.
        let j = json(&ok(&["stats", "--json", &source, "--budget", "16KiB"]));
        assert_eq!(j["storage"], "anndata");
        assert_eq!(j["nnz"], e.len());
        let s = j["sum"].as_f64().unwrap();
        assert!(
            (s - sum).abs() <= 1e-12 * sum.abs().max(1.0),
            "{s} vs {sum}"
        );
    }

    // SpMV streamed from the CSR group, under a budget of a few rows.
    let x: Vec<f64> = (0..cols).map(|j| value(j + 77)).collect();
    let x_path = dir.path().join("x.npy");
    write_npy(&x_path, &[cols], &x);
    let y = dir.path().join("y.npy");
    ok(&[
        "gemv",
        &x_src,
        &arg(&x_path),
        "-o",
        &arg(&y),
        "--budget",
        "4KiB",
    ]);
    let mut expected = vec![0.0; rows];
    for &(r, c, v) in &e {
        expected[r] += v * x[c];
    }
    let found = MmapArray::<f64>::open_npy(&y, Mode::ReadOnly).unwrap();
    for (f, e) in found.as_slice().iter().zip(&expected) {
        assert!((f - e).abs() <= 1e-12 * e.abs().max(1.0), "{f} vs {e}");
    }

    // anndata → npz → anndata in another file, entries unchanged.
    let npz = dir.path().join("x.npz");
    ok(&["convert", &x_src, &arg(&npz)]);
    assert_eq!(load_npz::<f64>(&npz).unwrap().into_csr(), m);
    let out = dir.path().join("out.h5");
    ok(&[
        "convert",
        &arg(&npz),
        &format!("{}:/g/X", out.display()),
        "--deflate",
        "4",
    ]);
    assert_eq!(load_anndata::<f64>(&out, "g/X").unwrap().into_csr(), m);
    // Adding a second group keeps the first; an existing name is refused.
    ok(&[
        "convert",
        &format!("{}:/layers/t", h5.display()),
        &format!("{}:/t", out.display()),
    ]);
    assert_eq!(load_anndata::<f64>(&out, "g/X").unwrap().into_csr(), m);
    assert_eq!(load_anndata::<f64>(&out, "t").unwrap().into_csr(), m);
    fails(
        &["convert", &arg(&npz), &format!("{}:/t", out.display())],
        1,
        &["out.h5", "t"],
    );
    assert_eq!(load_anndata::<f64>(&out, "t").unwrap().into_csr(), m);

    let png = dir.path().join("x.png");
    ok(&["spy", &x_src, &arg(&png), "--width", "31", "--height", "53"]);
    assert_eq!(&std::fs::read(&png).unwrap()[..4], b"\x89PNG");

    // A plain group is not a sparse matrix; sparse sources do not densify.
    let plain = dir.path().join("plain.h5");
    {
        let f = ooc::hdf5::File::create(&plain).unwrap();
        f.create_group("g").unwrap();
    }
    fails(
        &["stats", &format!("{}:/g", plain.display())],
        1,
        &["plain.h5", "/g", "anndata"],
    );
    fails(
        &["convert", &x_src, &arg(&dir.path().join("d.npy"))],
        1,
        &["d.npy", "sparse"],
    );
    fails(
        &[
            "convert",
            &x_src,
            &format!("{}:/z", out.display()),
            "--shuffle",
        ],
        2,
        &["--shuffle"],
    );
    assert_eq!(
        file_names(dir.path()),
        [
            "a.h5ad", "out.h5", "plain.h5", "x.npy", "x.npz", "x.png", "y.npy"
        ]
    );
}

#[test]
fn anndata_reads_what_ooc_wrote() {
    let Some(py) = Python::for_test("sparse::anndata_reads_what_ooc_wrote") else {
        return;
    };
    py.run("import numpy as np, scipy.sparse as sp\n\
         sp.save_npz('m.npz', sp.random(40, 25, density=0.2, format='csr', dtype=np.float32, random_state=5))\n",
    );
    let npz = arg(&py.dir().join("m.npz"));
    ok(&[
        "convert",
        &npz,
        &format!("{}:/X", py.dir().join("a.h5ad").display()),
    ]);
    let out = py.run(
        "import h5py, numpy as np, scipy.sparse as sp\n\
         from anndata.io import read_elem\n\
         x = read_elem(h5py.File('a.h5ad')['X'])\n\
         m = sp.load_npz('m.npz')\n\
         print(type(x).__name__, x.dtype, x.shape == m.shape, abs(x - m).sum() == 0)\n",
    );
    assert_eq!(out.trim(), "csr_matrix float32 True True");
    // The new .h5ad file opens as an AnnData (issue #21), and a layer added to it later
    // shows up with the skeleton kept.
    py.run("import numpy as np, scipy.sparse as sp\n\
         sp.save_npz('l.npz', sp.random(40, 25, density=0.1, format='csc', dtype=np.float32, random_state=6))\n",
    );
    ok(&[
        "convert",
        &arg(&py.dir().join("l.npz")),
        &format!("{}:/layers/counts", py.dir().join("a.h5ad").display()),
    ]);
    let out = py.run(
        "import anndata, numpy as np, scipy.sparse as sp\n\
         a = anndata.read_h5ad('a.h5ad')\n\
         m = sp.load_npz('m.npz')\n\
         l = sp.load_npz('l.npz')\n\
         print(a.shape, list(a.obs_names[:3]), abs(a.X - m).sum() == 0, abs(a.layers['counts'] - l).sum() == 0)\n",
    );
    assert_eq!(out.trim(), "(40, 25) ['0', '1', '2'] True True");
}

/// A tiny `.npz` declaring a 2³¹ × 2³¹ COO matrix with one entry: its CSR form (a 16 GiB
/// row pointer) is refused against the budget before anything is read, with the bytes
/// it would need; `info` reads member headers only.
#[test]
fn a_hostile_sparse_shape_is_refused_by_the_budget() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("huge.npz");
    let n = 1_usize << 31;
    let coo = CooMatrix::new([n, n], vec![7], vec![9], vec![1.5_f64]).unwrap();
    save_npz(&path, &coo, true).unwrap();
    assert!(std::fs::metadata(&path).unwrap().len() < 4096);
    let j = json(&ok(&["info", "--json", &arg(&path)]));
    assert_eq!(j["shape"], serde_json::json!([n, n]));
    fails(
        &["stats", &arg(&path), "--budget", "64MiB"],
        1,
        &[
            "huge.npz",
            "CSR",
            &format!("{} bytes", (n + 1) * 8 + 16),
            "budget of 67108864 bytes",
        ],
    );
}

/// `--chunks 0` for a sparse destination is refused, as for a dense one, instead of
/// silently becoming chunks of one entry; nothing is written.
#[test]
fn zero_chunks_for_a_sparse_destination_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let npz = dir.path().join("m.npz");
    let e = entries(20, 30);
    save_npz(&npz, &csr(20, 30, &e), true).unwrap();
    let out = dir.path().join("o.h5");
    fails(
        &[
            "convert",
            &arg(&npz),
            &format!("{}:/X", out.display()),
            "--chunks",
            "0",
        ],
        1,
        &["o.h5", "at least 1"],
    );
    assert!(!out.exists());
}

/// SIGTERM while a `.npz` archive is being written (its `.partial` staging file exists)
/// leaves neither the destination nor any temporary: the signal handler knows the
/// archive writer's staging name too. Retried with a larger matrix until the signal
/// lands mid-write.
#[test]
fn a_signal_during_npz_output_leaves_no_temporaries() {
    use std::os::unix::process::ExitStatusExt;
    let mut landed = false;
    for attempt in 0..5 {
        let dir = tempfile::tempdir().unwrap();
        let src = dir.path().join("s.npz");
        let rows = 20_000 << attempt;
        let m = ooc::sparse::random_csr::<f64>(rows, 1000, 0.05, 7, ooc::core::Par::Seq).unwrap();
        save_npz(&src, &m, false).unwrap();
        let out = dir.path().join("out.npz");
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_ooc"))
            .args(["convert", &arg(&src), &arg(&out)])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let pid = i32::try_from(child.id()).unwrap();
        let status = loop {
            if let Some(s) = child.try_wait().unwrap() {
                break s;
            }
            let staging = file_names(dir.path())
                .iter()
                .any(|n| n.ends_with(".partial"));
            if staging {
                // SAFETY: signalling our own child, which has not been reaped.
                unsafe { libc::kill(pid, libc::SIGTERM) };
                break child.wait().unwrap();
            }
            std::thread::sleep(std::time::Duration::from_millis(1));
        };
        let left = file_names(dir.path());
        if status.signal() == Some(libc::SIGTERM) {
            assert_eq!(left, ["s.npz"], "attempt {attempt}: {left:?}");
            landed = true;
            break;
        }
        assert!(status.success(), "attempt {attempt}: {status:?}");
        assert_eq!(left, ["out.npz", "s.npz"], "attempt {attempt}: {left:?}");
    }
    assert!(landed, "SIGTERM never landed while the archive was written");
}

/// A small archive whose `data.npy` declares a billion values: `info` reads member
/// headers only (it says what is declared without inflating it), and `stats` refuses the
/// declared CSR form against the budget before inflating anything.
#[test]
fn declared_sizes_are_read_from_headers_and_budgeted_before_inflating() {
    let Some(py) = Python::for_test(
        "sparse::declared_sizes_are_read_from_headers_and_budgeted_before_inflating",
    ) else {
        return;
    };
    py.run(
        "import io, zipfile, numpy as np\n\
         def member(z, name, a, declared=None):\n\
         \x20   b = io.BytesIO()\n\
         \x20   h = np.lib.format.header_data_from_array_1_0(a)\n\
         \x20   if declared is not None: h['shape'] = declared\n\
         \x20   np.lib.format.write_array_header_1_0(b, h)\n\
         \x20   b.write(a.tobytes())\n\
         \x20   z.writestr(name, b.getvalue())\n\
         with zipfile.ZipFile('bomb.npz', 'w', zipfile.ZIP_DEFLATED) as z:\n\
         \x20   b = io.BytesIO(); np.save(b, np.array('csr')); z.writestr('format.npy', b.getvalue())\n\
         \x20   member(z, 'shape.npy', np.array([4, 5], dtype=np.int64))\n\
         \x20   member(z, 'indptr.npy', np.array([0, 1, 1, 1, 1], dtype=np.int32))\n\
         \x20   member(z, 'indices.npy', np.array([2], dtype=np.int32))\n\
         \x20   member(z, 'data.npy', np.array([1.5]), declared=(1 << 30,))\n",
    );
    let bomb = py.dir().join("bomb.npz");
    let j = json(&ok(&["info", "--json", &arg(&bomb)]));
    assert_eq!(j["stored"], 1_u64 << 30);
    fails(
        &["stats", &arg(&bomb), "--budget", "64MiB"],
        1,
        &["bomb.npz", "CSR", "budget of 67108864 bytes"],
    );
}
