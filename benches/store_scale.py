#!/usr/bin/env python3
"""The knowledge graph at scale, in one run: load, projection and one-shot analyses of the
generated networks, each timed with its peak memory, beside the peers a user would otherwise
pick for the store (pyoxigraph's bulk loader, same oxigraph, same quads) and for reading RDF
(rdflib).

For each size (sites): generate the tables (seed 1) once, then time
- `tierwise check DIR` (read + every gate, nothing stored): the yardstick of the issue;
- `tierwise load DIR --store S` into a fresh on-disk store (gates included, bulk loaded,
  atomic); quads/s from the quads it reports;
- the projection: `tierwise network --store S` with the kept network removed (reads the tables
  back through the indexes and compiles), then again with it kept (opens the binary form);
- `tierwise exposure --data DIR` (tables straight to the network, no RDF) and
  `tierwise exposure --store S` (kept network);
- the peers on the same quads (`tierwise export --store S` as N-Quads, up to
  --peer-limit sites): pyoxigraph `Store(path).bulk_load(...)` into a fresh on-disk store and
  rdflib's `Dataset().parse(...)` (rdflib only up to --rdflib-limit sites).

Every command runs as a child process; its peak RSS comes from wait4. Prints a markdown
table for the README.

Usage: python benches/store_scale.py [--sizes 10000,100000,1000000] [--bin PATH] [--work DIR]
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def timed(cmd):
    """Runs cmd; returns (stdout, stderr, seconds, peak RSS in GB) from wait4."""
    t0 = time.perf_counter()
    out_path = os.path.join(WORK, ".out")
    err_path = os.path.join(WORK, ".err")
    with open(out_path, "w") as o, open(err_path, "w") as e:
        p = subprocess.Popen(cmd, stdout=o, stderr=e)
        _, status, usage = os.wait4(p.pid, 0)
    dt = time.perf_counter() - t0
    out, err = open(out_path).read(), open(err_path).read()
    if status != 0:
        sys.exit(f"failed ({status}): {' '.join(cmd)}\n{out[-2000:]}\n{err[-2000:]}")
    return out, err, dt, usage.ru_maxrss / 1024 / 1024


PYOX = """
import sys, time, pyoxigraph as ox
store = ox.Store(sys.argv[2])
t0 = time.perf_counter()
store.bulk_load(path=sys.argv[1], format=ox.RdfFormat.N_QUADS)
store.flush()
print(time.perf_counter() - t0)
"""

RDFLIB = """
import sys, time, rdflib
t0 = time.perf_counter()
d = rdflib.Dataset()
d.parse(sys.argv[1], format="nquads")
print(time.perf_counter() - t0, len(d))
"""


def row(what, size, secs, gb, note=""):
    ROWS.append((what, size, secs, gb, note))
    print(f"  {what:<52} {secs:9.2f} s  {gb:6.2f} GB  {note}", flush=True)


def bench(n, args):
    d = os.path.join(WORK, f"gen-{n}")
    s = os.path.join(WORK, f"store-{n}")
    if not os.path.exists(os.path.join(d, "supply.csv")):
        subprocess.run([BIN, "generate", "--sites", str(n), "--seed", "1", "--out", d], check=True,
                       stdout=subprocess.DEVNULL)
    shutil.rmtree(s, ignore_errors=True)
    print(f"{n:,} sites", flush=True)
    _, _, t_check, m = timed([BIN, "check", d, "--format", "csv", "-o", os.devnull])
    row("check (read + gates)", n, t_check, m)
    out, _, t_load, m = timed([BIN, "load", d, "--store", s])
    quads = int(re.search(r"\((\d+) quads\)", out).group(1))
    row("load into an on-disk store", n, t_load, m, f"{quads:,} quads, {quads / t_load:,.0f} quads/s")
    shutil.rmtree(os.path.join(s, "tierwise-cache"), ignore_errors=True)
    _, _, t_proj, m = timed([BIN, "network", "--store", s])
    row("projection: store -> tables -> network", n, t_proj, m, f"{t_proj / t_check:.2f}x check")
    _, _, t_kept, m = timed([BIN, "network", "--store", s])
    row("network of an unchanged store (kept)", n, t_kept, m)
    _, err, t, m = timed([BIN, "exposure", "--data", d, "--format", "csv", "-o", os.devnull])
    sweep = float(re.search(r"in ([0-9.]+) s", err).group(1))
    row("exposure --data (tables, no RDF)", n, t, m, f"sweep {sweep:.2f} s; {t / (t_check + sweep):.2f}x (check + sweep)")
    _, err, t, m = timed([BIN, "exposure", "--store", s, "--format", "csv", "-o", os.devnull])
    row("exposure --store (kept network)", n, t, m)
    if n <= args.peer_limit:
        nq = os.path.join(WORK, f"quads-{n}.nq")
        if not os.path.exists(nq):
            subprocess.run([BIN, "export", "--store", s, "--out", nq], check=True, stdout=subprocess.DEVNULL)
        peer = os.path.join(WORK, f"pyox-{n}")
        shutil.rmtree(peer, ignore_errors=True)
        out, _, t, m = timed([sys.executable, "-c", PYOX, nq, peer])
        row("pyoxigraph bulk_load of the same quads (on disk)", n, t, m,
            f"{quads / t:,.0f} quads/s; tierwise load = {(quads / t_load) / (quads / t):.2f}x its throughput")
        shutil.rmtree(peer, ignore_errors=True)
        if n <= args.rdflib_limit:
            out, _, t, m = timed([sys.executable, "-c", RDFLIB, nq])
            row("rdflib parse of the same N-Quads (in memory)", n, t, m)


def main():
    global BIN, WORK, ROWS
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="10000,100000,1000000")
    ap.add_argument("--bin", default=os.path.join(ROOT, "target", "perf", "tierwise"))
    ap.add_argument("--work", default=os.path.join(ROOT, "target", "bench-store"))
    ap.add_argument("--peer-limit", type=int, default=100_000)
    ap.add_argument("--rdflib-limit", type=int, default=100_000)
    args = ap.parse_args()
    BIN, WORK, ROWS = args.bin, args.work, []
    os.makedirs(WORK, exist_ok=True)
    for n in [int(x) for x in args.sizes.split(",")]:
        bench(n, args)
    print("\n| what | sites | time (s) | peak memory (GB) | |\n|---|---:|---:|---:|---|")
    for what, n, secs, gb, note in ROWS:
        print(f"| {what} | {n:,} | {secs:.2f} | {gb:.2f} | {note} |")


if __name__ == "__main__":
    main()
