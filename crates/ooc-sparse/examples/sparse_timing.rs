//! Times the sparse workflow of the notebook at full size: a random 1000 × 100,000 CSR
//! matrix of density 0.1 (10⁷ non-zeros), conversions to the other formats, and SpMV,
//! with the memory increment of each step. Run with
//! `cargo run --release -p ooc-sparse --example sparse_timing [rows cols density]`.

use std::time::Instant;

use ooc_core::{Footprint, Par, mem};
use ooc_sparse::{
    BsrMatrix, CooMatrix, CscMatrix, DiaMatrix, DokMatrix, LilMatrix, SparseMatrix, random_csr,
};

/// CPU seconds (user + system) this process has used: unlike wall time, it hardly moves
/// when other programs load the machine.
fn cpu_seconds() -> f64 {
    // SAFETY: getrusage only writes the struct we pass, which is zero-initialisable.
    let usage = unsafe {
        let mut u: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_SELF, &mut u);
        u
    };
    let secs = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 * 1e-6;
    secs(usage.ru_utime) + secs(usage.ru_stime)
}

fn step<R>(name: &str, f: impl FnOnce() -> R) -> R {
    let start = Instant::now();
    let cpu = cpu_seconds();
    let (value, report) = mem::measure(f).expect("memory measurement needs Linux");
    println!(
        "{name:<28} {:>9.1} ms wall {:>9.1} ms cpu   peak +{:>7.1} MB",
        start.elapsed().as_secs_f64() * 1e3,
        (cpu_seconds() - cpu) * 1e3,
        report.increment_bytes() as f64 / 1e6
    );
    value
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let rows = args.first().map_or(Ok(1000), |s| s.parse())?;
    let cols = args.get(1).map_or(Ok(100_000), |s| s.parse())?;
    let density = args.get(2).map_or(Ok(0.1), |s| s.parse())?;
    println!(
        "{rows} x {cols}, density {density}, {} threads",
        Par::All.degree()
    );
    let a = step("random (f64, all threads)", || {
        random_csr::<f64>(rows, cols, density, 42, Par::All)
    })?;
    step("random (f64, 1 thread)", || {
        random_csr::<f64>(rows, cols, density, 42, Par::Seq)
    })?;
    println!(
        "nnz {}, CSR footprint {:.1} MB",
        a.nnz(),
        a.heap_bytes() as f64 / 1e6
    );
    let x = vec![1.0; cols];
    let mut y = vec![0.0; rows];
    step("CSR SpMV (all threads)", || a.spmv(&x, &mut y, Par::All))?;
    step("CSR SpMV (1 thread)", || a.spmv(&x, &mut y, Par::Seq))?;
    let png = std::env::temp_dir().join("ooc_sparse_spy.png");
    step("spy plot 1000x1000 PNG", || {
        ooc_sparse::spy_png(&png, &a, 1000, 1000)
    })?;
    let svg = std::env::temp_dir().join("ooc_sparse_spy.svg");
    step("spy plot 1000x1000 SVG", || {
        ooc_sparse::spy_svg(&svg, &a, 1000, 1000)
    })?;
    println!("  wrote {} and {}", png.display(), svg.display());
    let dok = step("CSR -> DOK", || DokMatrix::from_csr(&a));
    println!("  DOK footprint {:.1} MB", dok.heap_bytes() as f64 / 1e6);
    drop(dok);
    let lil = step("CSR -> LIL", || LilMatrix::from_csr(&a));
    println!("  LIL footprint {:.1} MB", lil.heap_bytes() as f64 / 1e6);
    drop(lil);
    let csc = step("CSR -> CSC", || CscMatrix::from_csr(&a));
    step("CSC SpMV (all threads)", || csc.spmv(&x, &mut y, Par::All))?;
    drop(csc);
    drop(step("CSR -> COO", || CooMatrix::from_csr(&a)));
    drop(step("CSR -> BSR 1x1", || BsrMatrix::from_csr(&a, [1, 1]))?);
    match step("CSR -> DIA", || DiaMatrix::from_csr(&a)) {
        Ok(d) => println!("  DIA footprint {:.1} MB", d.heap_bytes() as f64 / 1e6),
        Err(e) => println!("  refused: {e}"),
    }
    let dense = step("CSR -> dense", || a.to_dense())?;
    println!(
        "  dense footprint {:.1} MB",
        dense.heap_bytes() as f64 / 1e6
    );
    Ok(())
}
