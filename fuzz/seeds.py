"""Writes the seed inputs of ooc's fuzz targets into fuzz/corpus/<target>/seed-*.

Run with a Python that has numpy (and scipy for the .npz seeds):
    target/pyenv/bin/python fuzz/seeds.py
Campaigns (`cargo xtask fuzz`) grow the corpus from these; the minimised result is
committed and replayed by tests/fuzz_corpus.rs.
"""

import io
import pathlib
import struct
import zlib

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


def cli_source_seeds():
    # First byte: bit k marks the k-th ":/" prefix as a file, bit 6 the whole text as a
    # file, bit 7 as a directory; the rest is the argument's text.
    texts = [
        (0, "data.h5:/group/x"), (1, "data.h5:/group/x"), (2, "a:/b.h5:/c"), (3, "a:/b:/c:/d"),
        (0, ":/x"), (0x40, "plain.npy"), (0x80, "dir:/x"), (0, "out.NPZ"), (0, "out.h5"),
        (0, "x.bin"), (0, "(1000, 100000)"), (0, "3x4"), (0, "3,,4"), (0, "auto"),
        (0, "<f4"), (0, ">i8"), (0, "|u1"), (0, "float32"), (0, "c128"), (0, ""),
        (0, "18446744073709551616"), (0, "d\u00e9j\u00e0.h5:/\u00e9"),
    ]
    for i, (mask, text) in enumerate(texts):
        put("cli_source", f"{i:02}", bytes([mask]) + text.encode())


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



def shuffle(data, size):
    n = len(data) // size
    out = bytearray(data)
    for i in range(n):
        for j in range(size):
            out[j * n + i] = data[i * size + j]
    return bytes(out)


def hdf5_chunk_seeds():
    # selector (pipeline index; 0x80: 4-byte mask follows), mask byte, element-size
    # selector, u16 chunk length, stored bytes.
    data = np.arange(64, dtype="<f4").tobytes()
    sizes = {0: 1, 1: 2, 2: 4, 4: 8, 6: 16}
    for sel, size in sizes.items():
        put("hdf5_chunk", f"shuffle-{size}", bytes([1, 0, sel]) + struct.pack("<H", len(data)) + shuffle(data, size))
        put("hdf5_chunk", f"gzip-shuffle-{size}", bytes([3, 0, sel]) + struct.pack("<H", len(data)) + zlib.compress(shuffle(data, size), 6))
    put("hdf5_chunk", "gzip", bytes([2, 0, 2]) + struct.pack("<H", len(data)) + zlib.compress(data, 4))
    put("hdf5_chunk", "gzip-skipped", bytes([3, 2, 2]) + struct.pack("<H", len(data)) + shuffle(data, 4))
    put("hdf5_chunk", "none", bytes([0, 0, 2]) + struct.pack("<H", len(data)) + data)
    put("hdf5_chunk", "odd-tail", bytes([1, 0, 2]) + struct.pack("<H", 13) + shuffle(data[:13], 4))


def hdf5_chunk_index_seeds():
    # selector (pipeline index; 0x08 unwritten, 0x20 wrong output length, 0x40 u64
    # address and size, 0x80 4-byte mask), mask byte, element-size selector, rank byte
    # (1 + b % 3), one byte per chunk extent (% 17), u16 address and size, the fill
    # value (one element), then the file's bytes: 16 bytes of junk and the stored chunk.
    def seed(name, sel, mask, size_sel, dims, stored, addr=16, size=None, fill=None, es=4):
        size = len(stored) if size is None else size
        head = bytes([sel, mask, size_sel, len(dims) - 1]) + bytes(dims)
        if sel & 0x40:
            head += struct.pack("<QQ", addr, size)
        else:
            head += struct.pack("<HH", addr, size)
        fill = bytes(range(es)) if fill is None else fill
        put("hdf5_chunk_index", name, head + fill + bytes(range(100, 116)) + stored)

    sizes = {0: 1, 1: 2, 2: 4, 4: 8, 6: 16}
    for sel, es in sizes.items():
        dims = [4, 16 // es]
        data = np.arange(64, dtype="u1").tobytes()
        seed(f"none-{es}", 0, 0, sel, dims, data, es=es)
        seed(f"shuffle-{es}", 1, 0, sel, dims, shuffle(data, es), es=es)
        seed(f"gzip-shuffle-{es}", 3, 0, sel, dims, zlib.compress(shuffle(data, es), 6), es=es)
    data = np.arange(16, dtype="<f4").tobytes()
    seed("gzip", 2, 0, 2, [4, 4], zlib.compress(data, 4))
    seed("gzip-skipped", 3, 2, 2, [4, 4], shuffle(data, 4))
    seed("all-skipped", 3, 3, 2, [4, 4], data)
    seed("3d", 3, 0, 2, [2, 2, 4], zlib.compress(shuffle(data, 4), 6))
    seed("unwritten", 3 | 0x08, 0, 2, [4, 4], b"", addr=0, size=0)
    seed("wrong-length", 0x20, 0, 2, [4, 4], data)
    seed("hostile-address", 2 | 0x40, 0, 2, [4, 4], zlib.compress(data, 4), addr=2**64 - 2)
    seed("hostile-size", 2 | 0x40, 0, 2, [4, 4], zlib.compress(data, 4), size=2**63)
    seed("past-end", 0, 0, 2, [4, 4], data[:40], size=64)
    seed("fletcher", 5, 0, 2, [4, 4], zlib.compress(shuffle(data, 4), 9))


def sparse_structure_seeds():
    # format byte (% 5: csr, csc, coo, bsr, dia; 0x80: raw pointers), two extents
    # (selector byte, then the extent), then the parts as tests/fuzz_corpus decodes them.
    rows, cols = 4, 5
    counts = [1, 2, 0, 3]
    idx = [0, 1, 4, 2, 3, 4]
    vals = [1, 2, 3, 4, 5, 6]
    body = bytes(counts[1:] + [3]) + bytes([0]) + bytes(idx) + bytes(vals)
    # CSR: ptr of rows + 1 entries, first is 0, then counts (each % 4).
    put("sparse_structure", "csr", bytes([0, 1, rows, 1, cols]) + bytes([1, 2, 0, 3]) + bytes([0]) + bytes(idx) + bytes(vals))
    put("sparse_structure", "csc", bytes([1, 1, cols, 1, rows]) + bytes([1, 2, 0, 3]) + bytes([0]) + bytes(idx[:6]) + bytes(vals))
    put("sparse_structure", "coo", bytes([2, 1, rows, 1, cols, 6]) + bytes([0, 1, 2, 3, 0, 1]) + bytes([0]) + bytes([0, 1, 2, 3, 4, 0]) + bytes(vals))
    put("sparse_structure", "bsr", bytes([3, 1, 4, 1, 6, 2, 3]) + bytes([1, 1]) + bytes([0, 1]) + bytes([0]) + bytes(range(1, 13)))
    put("sparse_structure", "dia", bytes([4, 1, 5, 1, 5, 2, 0, 1, 5, 0]) + bytes(range(1, 11)))
    put("sparse_structure", "csr-raw", bytes([0x80, 1, 2, 1, 2, 3]) + struct.pack("<HHH", 0, 1, 2) + bytes([0, 1, 0, 5, 6]))
    put("sparse_structure", "huge", bytes([0, 0]) + struct.pack("<Q", 2**64 - 1) + bytes([1, 3]) + bytes(8))



def npz_seeds():
    import scipy.sparse as sp

    dense = np.array([[1, 0, 2, 0], [0, 0, 3, 0], [4, 5, 0, 6], [0, 0, 0, 7]], dtype="<f8")
    mats = {
        "csr": sp.csr_matrix(dense),
        "csc": sp.csc_matrix(dense),
        "coo": sp.coo_matrix(dense),
        "bsr": sp.bsr_matrix(dense, blocksize=(2, 2)),
        "dia": sp.dia_matrix(dense),
        "csr-f4": sp.csr_matrix(dense.astype("<f4")),
        "csr-i8": sp.csr_matrix(dense.astype("<i8")),
        "empty": sp.csr_matrix((3, 0), dtype="<f8"),
    }
    for name, m in mats.items():
        for compressed in (False, True):
            buf = io.BytesIO()
            sp.save_npz(buf, m, compressed=compressed)
            put("npz", f"{name}-{'z' if compressed else 'u'}", buf.getvalue())


if __name__ == "__main__":
    npy_header_seeds()
    size_parse_seeds()
    cli_source_seeds()
    npy_open_seeds()
    raw_open_seeds()
    hdf5_chunk_seeds()
    hdf5_chunk_index_seeds()
    sparse_structure_seeds()
    npz_seeds()
