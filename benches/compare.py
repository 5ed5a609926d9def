#!/usr/bin/env python3
"""tierwise against the peer a data scientist would otherwise write (networkx), in one run.

For each size: generate the tables (seed 1), run `tierwise exposure --unit site` (release
build) and the plain networkx version of the same semantics (benches/peers/exposure_networkx.py)
on the same tables, assert identical numbers, and print the times and their ratio as a
markdown table for the README.

The networkx sweep costs one full availability pass per unit (quadratic): above
`--full-limit` units it runs on an evenly spaced sample of units and its time is scaled to
all units (per-unit cost x units); the numbers of the sampled units are still compared.

Usage: python benches/compare.py [--sizes 1000,10000,100000] [--bin PATH] [--work DIR]
"""

import argparse
import csv
import math
import os
import re
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def run(cmd, **kw):
    t0 = time.perf_counter()
    p = subprocess.run(cmd, capture_output=True, text=True, **kw)
    dt = time.perf_counter() - t0
    if p.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{p.stdout}\n{p.stderr}")
    return p, dt


def read(path):
    with open(path, newline="") as f:
        return {r["unit"]: r for r in csv.DictReader(f)}


def num(x):
    return math.inf if x in ("inf", "Infinity") else float(x)


def same(a, b, rel=1e-9):
    if math.isinf(a) or math.isinf(b):
        return a == b
    return abs(a - b) <= rel * max(1.0, abs(a), abs(b))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="1000,10000,100000")
    ap.add_argument("--bin", default=os.path.join("/work/target-perf", "perf", "tierwise"))
    ap.add_argument("--work", default="/tmp/tierwise-bench")
    ap.add_argument("--full-limit", type=int, default=3000)
    ap.add_argument("--sample", type=int, default=40)
    args = ap.parse_args()
    os.makedirs(args.work, exist_ok=True)
    rows = []
    for n in [int(s) for s in args.sizes.split(",")]:
        data = os.path.join(args.work, f"sites{n}")
        if not os.path.exists(os.path.join(data, "supply.csv")):
            run([args.bin, "generate", "--sites", str(n), "--seed", "1", "--out", data])
        rust_csv = os.path.join(args.work, f"rust{n}.csv")
        p, wall = run([args.bin, "exposure", "--data", data, "--unit", "site", "--as-of",
                       "2026-07-01T00:00:00Z", "--format", "csv", "-o", rust_csv])
        m = re.search(r"exposure of (\d+) site units in ([0-9.]+) s", p.stderr)
        rust_s = float(m.group(2))
        units = int(m.group(1))
        peer_csv = os.path.join(args.work, f"networkx{n}.csv")
        cmd = [sys.executable, os.path.join(HERE, "peers", "exposure_networkx.py"), data,
               "--unit", "site", "--out", peer_csv]
        full = units <= args.full_limit
        if not full:
            cmd += ["--sample", str(args.sample)]
        p, _ = run(cmd)
        peer_all = float(re.search(r"elapsed_all_units_s=([0-9.]+)", p.stdout).group(1))
        rust, peer = read(rust_csv), read(peer_csv)
        for u, r in peer.items():
            q = rust[u]
            for col_p, col_r in (("pi", "pi"), ("ttr_days", "ttr_days"), ("min_tts", "min_tts_days")):
                if not same(num(r[col_p]), num(q[col_r])):
                    sys.exit(f"size {n} unit {u}: {col_p} networkx {r[col_p]} vs tierwise {q[col_r]}")
            if r["exposed"] != q["exposed"]:
                sys.exit(f"size {n} unit {u}: exposed differs")
            if full and not same(num(r["rei"]), num(q["rei"])):
                sys.exit(f"size {n} unit {u}: rei differs")
        rows.append((n, units, len(peer), rust_s, wall, peer_all, full))
        print(f"sites={n} units={units} compared={len(peer)} tierwise_s={rust_s:.4f} "
              f"(wall {wall:.2f}) networkx_s={peer_all:.2f}{'' if full else ' (scaled from sample)'} "
              f"ratio={peer_all / rust_s:,.0f}x", flush=True)
    print()
    print("| sites | units | tierwise exposure (s) | networkx (s) | ratio | numbers compared |")
    print("|---:|---:|---:|---:|---:|---|")
    for n, units, cmp, rs, wall, ps, full in rows:
        note = "all units" if full else f"{cmp} sampled units; networkx time = per-unit x {units}"
        print(f"| {n:,} | {units:,} | {rs:.3f} | {ps:,.1f} | {ps / rs:,.0f}x | identical ({note}) |")


if __name__ == "__main__":
    main()
