"""scipy.sparse for the sparse workloads (not named sparse.py: that would shadow the
`sparse` package dask imports): random generation (Generator API), to dense,
conversions from CSR, SpMV in CSR and CSC, and the dense product, f64. The matrix is
drawn untimed except by scipy-random. Each variant returns (bytes moved, timed function)."""

import numpy as np
import scipy.sparse as sp

SEED = 42


def _shape(params):
    rows, cols = params["sparse"]
    return rows, cols, params["density"]


def _matrix(params):
    rows, cols, density = _shape(params)
    return sp.random(rows, cols, density=density, format="csr", dtype=np.float64,
                     rng=np.random.default_rng(SEED))


def _vector(cols):
    return ((np.arange(cols) % 7).astype(np.float64) - 3.0) * 0.5


def scipy_random(params):
    rows, cols, density = _shape(params)
    nnz = int(round(density * rows * cols))

    def run():
        a = sp.random(rows, cols, density=density, format="csr", dtype=np.float64,
                      rng=np.random.default_rng(SEED))
        return a.nnz

    return nnz * 12, run


def scipy_todense(params):
    a = _matrix(params)
    rows, cols, _ = _shape(params)
    return rows * cols * 8, lambda: float(a.toarray().sum())


def convert(params, method):
    a = _matrix(params)
    return a.nnz * 12, lambda: getattr(a, method)().nnz


def spmv(params, fmt):
    a = _matrix(params).asformat(fmt)
    x = _vector(a.shape[1])
    return a.nnz * 12, lambda: float((a @ x).sum())


def dense_dot(params):
    a = _matrix(params).toarray()
    x = _vector(a.shape[1])
    return a.size * 8, lambda: float(a.dot(x).sum())


def h5_csr_spmv(params):
    import os

    import h5py

    import common

    path = os.path.join(params["dir"], "sparse_csr.h5")
    common.settle(path, params["cold"])
    rows, cols, _ = _shape(params)
    x = _vector(cols)

    def run():
        with h5py.File(path, "r") as f:
            g = f["X"]
            a = sp.csr_matrix((g["data"][:], g["indices"][:], g["indptr"][:]), shape=(rows, cols))
        return float((a @ x).sum())

    return os.path.getsize(path), run


VARIANTS = {
    "scipy-random": scipy_random,
    "scipy-todense": scipy_todense,
    "scipy-csr-tocsc": lambda p: convert(p, "tocsc"),
    "scipy-csr-tocoo": lambda p: convert(p, "tocoo"),
    "scipy-csr-todok": lambda p: convert(p, "todok"),
    "scipy-csr-tolil": lambda p: convert(p, "tolil"),
    "scipy-spmv-csr": lambda p: spmv(p, "csr"),
    "scipy-spmv-csc": lambda p: spmv(p, "csc"),
    "numpy-dense-dot": dense_dot,
    "scipy-h5-csr-spmv": h5_csr_spmv,
}
