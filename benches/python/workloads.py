"""The Python side of `cargo xtask bench --compare python`: the notebook's numpy, h5py,
scipy and dask code for each workload, run on the files `workloads prepare` wrote.

    python workloads.py VARIANT --dir DATA --params JSON [--cold] [--threads N]

prints one JSON line like the Rust workloads do. Sizes and file names come from --params
(the Rust side's table), so both sides always measure the same thing."""

import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import common  # noqa: E402
import dense  # noqa: E402
import fill  # noqa: E402
import sparse_cases  # noqa: E402

VARIANTS = {}
for module in (fill, dense, sparse_cases):
    VARIANTS.update(module.VARIANTS)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("variant", choices=sorted(VARIANTS))
    parser.add_argument("--dir", required=True)
    parser.add_argument("--params", required=True)
    parser.add_argument("--cold", action="store_true")
    parser.add_argument("--threads", type=int)
    args = parser.parse_args()
    params = json.loads(args.params)
    params["dir"] = args.dir
    params["cold"] = args.cold
    params["threads"] = args.threads
    nbytes, fn = VARIANTS[args.variant](params)
    common.measure(args.variant, nbytes, fn)


if __name__ == "__main__":
    main()
