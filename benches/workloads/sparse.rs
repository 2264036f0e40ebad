//! The sparse workloads of the notebook, f64 like scipy's default: a random 1000 × 100,000
//! matrix of density 0.1 (10 million non-zeros), to dense, conversions from CSR to the
//! other formats, and SpMV in CSR and CSC against a dense GEMV of the same matrix.

use ooc_core::{MemArray, MemoryBudget, Par};
use ooc_linalg::{Options, gemv, spmv};
use ooc_sparse::{CooMatrix, CscMatrix, CsrMatrix, DokMatrix, LilMatrix, SparseMatrix, random_csr};

use crate::cases::{Case, Ceiling};
use crate::data::{Dataset, Result};
use crate::measure::{Ctx, Outcome, timed};
use crate::scale::Sizes;

/// Seed of the random matrix (scipy draws its own matrix from the same seed, so only
/// sizes, not checksums, agree with the Python side).
const SEED: u64 = 42;

fn matrix(ctx: &Ctx) -> Result<CsrMatrix<f64>> {
    matrix_of(&ctx.sizes, ctx.par)
}

/// The random sparse matrix of `sizes` (also what `workloads prepare sparse-csr` stores).
pub(crate) fn matrix_of(sizes: &Sizes, par: Par) -> Result<CsrMatrix<f64>> {
    let [rows, cols] = sizes.sparse;
    Ok(random_csr(rows, cols, sizes.density, SEED, par)?)
}

#[allow(clippy::cast_precision_loss)]
fn vector(cols: usize) -> Vec<f64> {
    (0..cols).map(|j| ((j % 7) as f64 - 3.0) * 0.5).collect()
}

/// Bytes of the matrix as scipy stores it (f64 values, 32-bit indices).
fn payload(nnz: usize) -> usize {
    nnz * 12
}

#[allow(clippy::cast_precision_loss, clippy::cast_possible_truncation)]
fn expected_nnz(ctx: &Ctx) -> Result<f64> {
    let [rows, cols] = ctx.sizes.sparse;
    Ok((ctx.sizes.density * (rows * cols) as f64).round_ties_even())
}

fn data_sum(ctx: &Ctx) -> Result<f64> {
    Ok(matrix(ctx)?.data().iter().sum())
}

/// Sum of `A·x` computed row by row from the CSR arrays.
fn spmv_reference(ctx: &Ctx) -> Result<f64> {
    let a = matrix(ctx)?;
    let x = vector(ctx.sizes.sparse[1]);
    let mut total = 0.0;
    for i in 0..a.shape()[0] {
        let (idx, vals) = a.row(i);
        total += idx.iter().zip(vals).map(|(j, v)| v * x[j]).sum::<f64>();
    }
    Ok(total)
}

fn case(
    name: &'static str,
    about: &'static str,
    python: &'static [&'static str],
    run: fn(&Ctx) -> Result<Outcome>,
    reference: fn(&Ctx) -> Result<f64>,
) -> Case {
    Case {
        name,
        group: "sparse",
        about,
        ceiling: Ceiling::Memory,
        inputs: &[],
        coldable: false,
        threads: None,
        python,
        same_checksum: false,
        run,
        reference,
        tolerance: 1e-9,
    }
}

/// The sparse cases.
pub(crate) fn cases() -> Vec<Case> {
    vec![
        case(
            "sparse-random",
            "random CSR matrix of the given density (scipy.sparse.random)",
            &["scipy-random"],
            sparse_random,
            expected_nnz,
        ),
        case(
            "sparse-todense",
            "CSR to a dense ndarray",
            &["scipy-todense"],
            to_dense,
            data_sum,
        ),
        case(
            "convert-csr-csc",
            "CSR to CSC",
            &["scipy-csr-tocsc"],
            |ctx| convert(ctx, |a| CscMatrix::from_csr(a).nnz()),
            expected_nnz,
        ),
        case(
            "convert-csr-coo",
            "CSR to COO",
            &["scipy-csr-tocoo"],
            |ctx| convert(ctx, |a| CooMatrix::from_csr(a).nnz()),
            expected_nnz,
        ),
        case(
            "convert-csr-dok",
            "CSR to DOK (dictionary of keys)",
            &["scipy-csr-todok"],
            |ctx| convert(ctx, |a| DokMatrix::from_csr(a).nnz()),
            expected_nnz,
        ),
        case(
            "convert-csr-lil",
            "CSR to LIL (list of lists)",
            &["scipy-csr-tolil"],
            |ctx| convert(ctx, |a| LilMatrix::from_csr(a).nnz()),
            expected_nnz,
        ),
        case(
            "spmv-csr",
            "y = A·x with A in CSR",
            &["scipy-spmv-csr"],
            spmv_csr,
            spmv_reference,
        ),
        case(
            "spmv-csc",
            "y = A·x with A in CSC",
            &["scipy-spmv-csc"],
            spmv_csc,
            spmv_reference,
        ),
        case(
            "spmv-dense-gemv",
            "the same product with A stored dense, in memory (ooc-linalg GEMV, f64)",
            &["numpy-dense-dot"],
            dense_gemv,
            spmv_reference,
        ),
        Case {
            name: "spmv-h5-csr-streamed",
            group: "sparse",
            about: "y = A·x streamed under the budget from an anndata CSR group in HDF5",
            ceiling: Ceiling::FileRead,
            inputs: &[Dataset::SparseCsr],
            coldable: true,
            threads: None,
            python: &["scipy-h5-csr-spmv"],
            same_checksum: true,
            run: spmv_h5_streamed,
            reference: spmv_reference,
            tolerance: 1e-9,
        },
        Case {
            name: "spmv-open-anndata",
            group: "sparse",
            about: "ooc::open on the anndata CSR group, then gemv (runs the streamed SpMV), 64 MiB budget",
            ceiling: Ceiling::FileRead,
            inputs: &[Dataset::SparseCsr],
            coldable: true,
            threads: None,
            python: &[],
            same_checksum: true,
            run: spmv_open_anndata,
            reference: spmv_reference,
            tolerance: 1e-9,
        },
    ]
}

fn spmv_h5_streamed(ctx: &Ctx) -> Result<Outcome> {
    let path = ctx.input(Dataset::SparseCsr);
    ctx.settle(&path)?;
    let bytes = usize::try_from(std::fs::metadata(&path)?.len())?;
    let [rows, cols] = ctx.sizes.sparse;
    let x = vector(cols);
    let opts = Options::new()
        .with_par(ctx.par)
        .with_budget(MemoryBudget::new(ctx.sizes.budget));
    timed(bytes, || {
        let a = ooc_anndata::H5CsrRows::<f64>::open_path(&path, "X")?;
        let mut y = vec![0.0; rows];
        spmv(&a, &x, &mut y, &opts)?;
        Ok(y.iter().sum())
    })
}

fn sparse_random(ctx: &Ctx) -> Result<Outcome> {
    let [rows, cols] = ctx.sizes.sparse;
    let density = ctx.sizes.density;
    #[allow(
        clippy::cast_precision_loss,
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss
    )]
    let nnz = (density * (rows * cols) as f64) as usize;
    timed(payload(nnz), || {
        let a = random_csr::<f64>(rows, cols, density, SEED, ctx.par)?;
        #[allow(clippy::cast_precision_loss)]
        Ok(a.nnz() as f64)
    })
}

fn to_dense(ctx: &Ctx) -> Result<Outcome> {
    let a = matrix(ctx)?;
    let [rows, cols] = a.shape();
    timed(rows * cols * 8, || Ok(a.to_dense()?.sum()))
}

fn convert(ctx: &Ctx, f: impl FnOnce(&CsrMatrix<f64>) -> usize) -> Result<Outcome> {
    let a = matrix(ctx)?;
    timed(payload(a.nnz()), || {
        #[allow(clippy::cast_precision_loss)]
        Ok(f(&a) as f64)
    })
}

fn spmv_of(ctx: &Ctx, a: &impl SparseMatrix<f64>) -> Result<Outcome> {
    let [rows, cols] = a.shape();
    let x = vector(cols);
    let mut y = vec![0.0; rows];
    timed(payload(a.nnz()), || {
        a.spmv(&x, &mut y, ctx.par)?;
        Ok(y.iter().sum())
    })
}

fn spmv_csr(ctx: &Ctx) -> Result<Outcome> {
    spmv_of(ctx, &matrix(ctx)?)
}

fn spmv_csc(ctx: &Ctx) -> Result<Outcome> {
    spmv_of(ctx, &CscMatrix::from_csr(&matrix(ctx)?))
}

fn dense_gemv(ctx: &Ctx) -> Result<Outcome> {
    let a = matrix(ctx)?.to_dense()?;
    let [rows, cols] = ctx.sizes.sparse;
    let a = MemArray::from_array(a);
    let x = vector(cols);
    let opts = Options::new()
        .with_par(ctx.par)
        .with_budget(MemoryBudget::new(ctx.sizes.budget));
    let mut y = vec![0.0; rows];
    timed(rows * cols * 8, || {
        gemv(&a, &x, &mut y, &opts)?;
        Ok(y.iter().sum())
    })
}

/// `gemv(&ooc::open("S.h5ad:/X")?, …)` as a user writes it, timed from opening.
fn spmv_open_anndata(ctx: &Ctx) -> Result<Outcome> {
    let path = ctx.input(Dataset::SparseCsr);
    ctx.settle(&path)?;
    let bytes = usize::try_from(std::fs::metadata(&path)?.len())?;
    let [rows, cols] = ctx.sizes.sparse;
    let x = vector(cols);
    let spec = format!("{}:/X", path.display());
    timed(bytes, || {
        let a = ooc::open::<f64>(&spec)?;
        let mut y = vec![0.0; rows];
        ooc_linalg::gemv(&a, &x, &mut y, &crate::dense::open_options(ctx))?;
        Ok(y.iter().sum())
    })
}
