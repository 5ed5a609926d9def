#!/usr/bin/env python3
"""Mitigation on Ray against tierwise alone, in one run: `net.mitigate(budget, top=...)` on a
generated network (seed 1), locally on 2 threads and through `tierwise.distributed.mitigate`
on a local Ray of 2 CPUs (its default chunking: tasks of a whole node, two per node, then one
join task). The Ray time is warm (a first call started the workers and cached the network);
the Ray result is checked identical to the local one before its time counts.

It also times the phases docs/ray.md's split rests on, locally on 2 threads: one part
(`_mitigate_part(args, 0, K)`), all K parts one after the other, and the join
(`_mitigation_from`), against the whole call.

Build the wheel optimised first (see benches/ray_scale.py).
Usage: python benches/ray_mitigate.py [--sites 10000] [--top 10] [--budget 250000] [--parts 4]
"""

import argparse
import os
import tempfile
import time

from polars.testing import assert_frame_equal

import tierwise as tw

AS_OF = "2026-07-01T00:00:00Z"


def timed(f):
    t0 = time.perf_counter()
    out = f()
    return out, time.perf_counter() - t0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sites", type=int, default=10_000)
    ap.add_argument("--top", type=int, default=10)
    ap.add_argument("--budget", type=float, default=250_000.0)
    ap.add_argument("--parts", type=int, default=4)
    o = ap.parse_args()
    os.environ["TQDM_DISABLE"] = "1"
    with tempfile.TemporaryDirectory() as d:
        tw.generate(d, sites=o.sites, seed=1)
        kg = tw.KnowledgeGraph()
        kg.load_tables(d)
        net = kg.network(as_of=AS_OF)
    args = dict(budget=o.budget, unit="site", only=None, top=o.top, exact=False,
                check_top=10, scenarios=0, seed=7, curve=False)

    local, t_local = timed(lambda: net.mitigate(o.budget, top=o.top, progress=None))
    print(f"{o.sites} sites, top {o.top}, budget {o.budget:g}: {local.height} proposals")
    print(f"local, 2 threads: {t_local:.2f} s")
    parts, t_part0 = timed(lambda: [net._mitigate_part(args, 0, o.parts)])
    rest, t_rest = timed(lambda: [net._mitigate_part(args, i, o.parts) for i in range(1, o.parts)])
    parts += rest
    joined, t_join = timed(lambda: net._mitigation_from(args, parts))
    assert_frame_equal(joined, local, check_exact=True)
    print(f"one part of {o.parts}: {t_part0:.2f} s; all {o.parts} parts in turn: {t_part0 + t_rest:.2f} s; "
          f"join: {t_join:.2f} s; part blob sizes: {[len(p) for p in parts]} bytes")

    import ray
    import tierwise.distributed as twd

    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        _, t_cold = timed(lambda: twd.mitigate(net, o.budget, top=o.top, progress=None))
        got, t_ray = timed(lambda: twd.mitigate(net, o.budget, top=o.top, progress=None))
        assert_frame_equal(got, local, check_exact=True)
        print(f"Ray, 2 CPUs (2 parts of 2 threads, 1 join): {t_ray:.2f} s (first call {t_cold:.2f} s), "
              f"{t_ray / t_local:.2f}x the local time")
    finally:
        ray.shutdown()


if __name__ == "__main__":
    main()
