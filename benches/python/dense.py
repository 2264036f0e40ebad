"""GEMV with the 1000 x 100,000 f32 matrix, the notebook's way: np.dot on an np.memmap,
in memory, h5py row loop and blocked reads, and dask.array over the h5py dataset. Each
variant returns (bytes moved, timed function)."""

import os

import numpy as np

import common


def numpy_memmap_dot(params):
    rows, cols = params["gemv"]
    path = common.input_path(params, "dense.npy")
    x = common.vector_x(cols)

    def run():
        a = np.load(path, mmap_mode="r")
        y = a.dot(x)
        return float(np.sum(y, dtype=np.float64))

    return rows * cols * 4, run


def numpy_inmemory_dot(params):
    rows, cols = params["gemv"]
    a = np.load(os.path.join(params["dir"], "dense.npy"))
    x = common.vector_x(cols)

    def run():
        return float(np.sum(a.dot(x), dtype=np.float64))

    return rows * cols * 4, run


def _h5py_product(params, name, multiply):
    """y = A.x over the h5py dataset A of input `name`; multiply(d, x, y) fills y."""
    import h5py

    rows, cols = params["gemv"]
    path = common.input_path(params, name)
    x = common.vector_x(cols)

    def run():
        with h5py.File(path, "r") as f:
            y = np.empty(rows, dtype=np.float32)
            multiply(f["A"], x, y)
        return float(np.sum(y, dtype=np.float64))

    return rows * cols * 4, run


def h5py_rows(params, name):
    def multiply(d, x, y):
        for i in range(len(y)):
            y[i] = d[i, :].dot(x)

    return _h5py_product(params, name, multiply)


def h5py_blocked(params, name, block_rows):
    def multiply(d, x, y):
        rows = len(y)
        for r0 in range(0, rows, block_rows):
            r1 = min(r0 + block_rows, rows)
            y[r0:r1] = d[r0:r1, :].dot(x)

    return _h5py_product(params, name, multiply)


def _blosc(variant):
    """The variant with hdf5plugin imported first, so h5py decodes Blosc chunks."""

    def make(params, *args):
        import hdf5plugin  # noqa: F401  (registers the filters with h5py)

        return variant(params, *args)

    return make


def dask_dot(params, name):
    import dask
    import dask.array as da
    import h5py

    rows, cols = params["gemv"]
    path = common.input_path(params, name)
    x = common.vector_x(cols)
    if params.get("threads"):
        dask.config.set(num_workers=params["threads"])

    def run():
        with h5py.File(path, "r") as f:
            d = f["A"]
            chunks = d.chunks or (min(100, rows), cols)
            a = da.from_array(d, chunks=chunks)
            y = a.dot(x).compute(scheduler="threads")
        return float(np.sum(y, dtype=np.float64))

    return rows * cols * 4, run


VARIANTS = {
    "numpy-memmap-dot": numpy_memmap_dot,
    "numpy-inmemory-dot": numpy_inmemory_dot,
    "h5py-rows": lambda p: h5py_rows(p, "dense_contig.h5"),
    "h5py-blocked": lambda p: h5py_blocked(p, "dense_contig.h5", 100),
    "dask": lambda p: dask_dot(p, "dense_contig.h5"),
    "h5py-blocked-chunked": lambda p: h5py_blocked(p, "dense_c100.h5", p["gemv_small_chunk"][0]),
    "h5py-blocked-gzip": lambda p: h5py_blocked(p, "dense_gzip.h5", p["gemv_gzip_chunk"][0]),
    "h5py-blocked-advisor": lambda p: h5py_blocked(p, "dense_adv.h5", 100),
    "dask-gzip": lambda p: dask_dot(p, "dense_gzip.h5"),
    "h5py-blocked-blosc": lambda p: _blosc(h5py_blocked)(p, "dense_blosc.h5", p["gemv_gzip_chunk"][0]),
    "dask-blosc": lambda p: _blosc(dask_dot)(p, "dense_blosc.h5"),
}
