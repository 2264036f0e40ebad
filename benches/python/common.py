"""Shared pieces of the Python workloads: the data formulas (mirroring
benches/workloads/data.rs), page-cache control, and the %memit-style measurement that
prints the same JSON line as the Rust workloads."""

import json
import os
import time

import numpy as np


def vector_x(cols):
    """GEMV vector: x[j] = ((j mod 7) - 3) / 2, f32."""
    return ((np.arange(cols) % 7).astype(np.float32) - np.float32(3)) * np.float32(0.5)


def fill_base(cols):
    """Base row of the fill workload; row i is base + i, f32."""
    return (np.arange(cols) % 1000).astype(np.float32) * np.float32(0.001)


def input_path(params, name):
    """The prepared input file `name` in the data directory, its pages settled (dropped,
    then read through unless the run is cold) as the run asks."""
    path = os.path.join(params["dir"], name)
    settle(path, params["cold"])
    return path


def settle(path, cold):
    """Drop the file's cached pages, then (warm) read it through once in order."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    finally:
        os.close(fd)
    if not cold:
        with open(path, "rb", buffering=0) as f:
            while f.read(8 << 20):
                pass


def _status():
    fields = {}
    with open("/proc/self/status") as f:
        for line in f:
            key, _, rest = line.partition(":")
            if key in ("VmRSS", "VmHWM", "RssAnon"):
                fields[key] = int(rest.split()[0]) * 1024
    return fields


def measure(case, nbytes, fn):
    """Run fn() once, timed, with the peak resident memory reset before it; print the
    result line. fn returns the checksum."""
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")
    before = _status()
    start = time.perf_counter()
    checksum = fn()
    seconds = time.perf_counter() - start
    after = _status()
    peak = max(after["VmHWM"], before["VmRSS"])
    print(json.dumps({
        "case": case,
        "seconds": seconds,
        "bytes": int(nbytes),
        "peak_bytes": peak,
        "increment_bytes": max(peak - before["VmRSS"], 0),
        "anon_growth_bytes": after["RssAnon"] - before["RssAnon"],
        "checksum": float(checksum),
    }))
