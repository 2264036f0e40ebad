"""Fill 100 x 1,000,000 f32 row by row and read it back, as the notebook does with
numpy memory maps and h5py. Each variant returns (bytes moved, timed function)."""

import atexit
import os

import numpy as np

import common


def scratch(params, name):
    d = os.path.join(params["dir"], "scratch")
    os.makedirs(d, exist_ok=True)
    path = os.path.join(d, name)
    if os.path.exists(path):
        os.remove(path)
    return path


def numpy_memmap_fill(params):
    rows, cols = params["fill"]
    path = scratch(params, "fill-py.npy")
    base = common.fill_base(cols)

    def run():
        a = np.lib.format.open_memmap(path, mode="w+", dtype=np.float32, shape=(rows, cols))
        for i in range(rows):
            a[i, :] = base + np.float32(i)
        a.flush()
        checksum = float(np.sum(a[rows - 1], dtype=np.float64))
        del a
        return checksum

    return rows * cols * 4, cleanup(run, path)


def numpy_memmap_reopen(params):
    rows, cols = params["fill"]
    path = common.input_path(params, "rows.npy")

    def run():
        a = np.load(path, mmap_mode="r")
        return float(np.sum(a[rows - 1], dtype=np.float64))

    return cols * 4, run


def h5py_fill(params, name, chunks):
    import h5py

    rows, cols = params["fill"]
    path = scratch(params, name)
    base = common.fill_base(cols)

    def run():
        with h5py.File(path, "w") as f:
            d = f.create_dataset("A", shape=(rows, cols), dtype="f4", chunks=chunks)
            for i in range(rows):
                d[i, :] = base + np.float32(i)
            f.flush()
            checksum = float(np.sum(d[rows - 1, :], dtype=np.float64))
        return checksum

    return rows * cols * 4, cleanup(run, path)


def cleanup(run, path):
    """The timed function, with the scratch file removed when the process ends."""
    atexit.register(lambda: os.path.exists(path) and os.remove(path))
    return run


VARIANTS = {
    "numpy-memmap-fill": numpy_memmap_fill,
    "numpy-memmap-reopen": numpy_memmap_reopen,
    "h5py-fill-contig": lambda p: h5py_fill(p, "fill-contig-py.h5", None),
    "h5py-fill-chunked": lambda p: h5py_fill(p, "fill-chunked-py.h5", tuple(p["fill_chunk"])),
}
VARIANTS["h5py-fill-advisor"] = lambda p: h5py_fill(
    p, "fill-advised-py.h5", tuple(p["fill_advised_chunk"])
)
