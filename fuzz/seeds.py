"""Writes the seed inputs of ooc's fuzz targets into fuzz/corpus/<target>/seed-*.

Run with a Python that has numpy (and scipy for the .npz seeds):
    target/pyenv/bin/python fuzz/seeds.py
Campaigns (`cargo xtask fuzz`) grow the corpus from these; the minimised result is
committed and replayed by tests/fuzz_corpus.rs.
"""

import io
import pathlib
import struct

import numpy as np

CORPUS = pathlib.Path(__file__).resolve().parent / "corpus"

DTYPES = ["<f4", "<f8", "|i1", "<i2", "<i4", "<i8", "|u1", "<u2", "<u4", "<u8", ">f4", ">i8", "<c8", "<c16"]


def put(target, name, data):
    d = CORPUS / target
    d.mkdir(parents=True, exist_ok=True)
    (d / f"seed-{name}").write_bytes(data)


def npy_bytes(arr, version=None):
    buf = io.BytesIO()
    np.lib.format.write_array(buf, arr, version=version, allow_pickle=False)
    return buf.getvalue()


def npy_header_seeds():
    for i, dt in enumerate(DTYPES):
        a = np.arange(6, dtype=dt).reshape(2, 3)
        put("npy_header", f"{i:02}-c", npy_bytes(a)[:128])
        put("npy_header", f"{i:02}-f", npy_bytes(np.asfortranarray(a))[:128])
    put("npy_header", "0d", npy_bytes(np.array(3.0, dtype="<f8")))
    put("npy_header", "empty", npy_bytes(np.zeros((0, 5), dtype="<f4")))
    put("npy_header", "v2", npy_bytes(np.zeros((2, 2), dtype="<i4"), version=(2, 0)))
    put("npy_header", "v3", npy_bytes(np.zeros((3,), dtype="<u2"), version=(3, 0)))
    put("npy_header", "4d", npy_bytes(np.zeros((1, 2, 1, 2), dtype="<f4")))


def size_parse_seeds():
    for i, text in enumerate(["512MiB", "2GB", "1.5GiB", "64k", "1000", " 7 mb ", "0", "1TiB", ".5KiB"]):
        put("size_parse", f"{i:02}", text.encode())



def npy_open_seeds():
    for i, dt in enumerate(DTYPES):
        a = np.arange(6, dtype=dt).reshape(2, 3)
        put("npy_open", f"{i:02}-c", npy_bytes(a))
        put("npy_open", f"{i:02}-f", npy_bytes(np.asfortranarray(a)))
    put("npy_open", "0d", npy_bytes(np.array(3.0, dtype="<f8")))
    put("npy_open", "empty", npy_bytes(np.zeros((0, 5), dtype="<f4")))
    put("npy_open", "v2", npy_bytes(np.zeros((2, 2), dtype="<i4"), version=(2, 0)))
    put("npy_open", "short", npy_bytes(np.zeros((4, 4), dtype="<f8"))[:-3])


def raw_open_seeds():
    # Layout bytes as tests decode them: dtype index, flags (ndim | 4: u64 offset |
    # 8: Fortran | mode << 4), per dimension a "big" selector byte then the extent,
    # the offset, then the file's bytes.
    body = bytes(range(64))
    for d in range(12):
        put("raw_open", f"{d:02}-2d", bytes([d, 2, 1, 2, 1, 3, 8]) + body)
        put("raw_open", f"{d:02}-1d-f", bytes([d, 1 | 8, 1, 5, 0]) + body)
    put("raw_open", "0d", bytes([9, 0, 0]) + body)
    put("raw_open", "empty", bytes([0, 2, 1, 0, 1, 9, 0]) + body)
    put("raw_open", "huge", bytes([4, 2 | 4, 0]) + struct.pack("<Q", 2**62) + bytes([1, 4]) + struct.pack("<Q", 2**63) + body)
    put("raw_open", "rw", bytes([8, 1 | 0x30, 1, 4, 4]) + body)
    put("raw_open", "cow", bytes([8, 1 | 0x20, 1, 4, 3]) + body)


if __name__ == "__main__":
    npy_header_seeds()
    size_parse_seeds()
    npy_open_seeds()
    raw_open_seeds()
