#!/usr/bin/env python3
"""tierwise on Ray against tierwise alone, in one run: the Monte Carlo (100k scenarios on a
10k-site generated network, seed 1) and the peer-shaped stress test (three tiers, N1 plants,
N2 and 2 * N2 suppliers, every site's TTR and TTS LPs), each run

- locally: `net.simulate(...)` / `net.stress_test("lp")` on 2 threads (rayon);
- on a local Ray given 1 and 2 CPUs (`ray.init(num_cpus=W)`): the same call through
  `tierwise.distributed` with its default chunking (tasks of a whole node, W threads each,
  two per node for the Monte Carlo, one for the stress test), and on 2 CPUs also with tasks
  of one thread (`cpus_per_task=1`, two at a time), the way tierwise.distributed worked
  before 2026-12-02.

The Ray times are warm (a first small call has started the workers and put the network in
their cache); the first, cold call is printed too. Every Ray result is checked identical to
the local one before its time counts. It also measures what docs/ray.md's plan rests on:
the network's pickled size, one chunk's time per scenario and per unit on one thread, and
the bytes a scenario batch takes.

Build the wheel optimised first (a debug wheel is 10-30x slower):
    python3 -m maturin build --profile perf -o target/wheels-perf
    pip install --force-reinstall --no-deps target/wheels-perf/tierwise-*.whl
Usage: python benches/ray_scale.py [--sites 10000] [--scenarios 100000] [--n1 200 --n2 500]
"""

import argparse
import os
import pickle
import resource
import tempfile
import time

import numpy as np
import polars as pl
from polars.testing import assert_frame_equal

import tierwise as tw

AS_OF = "2026-07-01T00:00:00Z"


def load(folder):
    kg = tw.KnowledgeGraph()
    kg.load_tables(folder)
    return kg.network(as_of=AS_OF)


def timed(f):
    t0 = time.perf_counter()
    out = f()
    return out, time.perf_counter() - t0


def best(f, repeat):
    times, out = [], None
    for _ in range(repeat):
        out, dt = timed(f)
        times.append(dt)
    return out, min(times)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sites", type=int, default=10_000)
    ap.add_argument("--scenarios", type=int, default=100_000)
    ap.add_argument("--n1", type=int, default=200)
    ap.add_argument("--n2", type=int, default=500)
    ap.add_argument("--repeat", type=int, default=2)
    a = ap.parse_args()

    work = tempfile.mkdtemp(prefix="tw-ray-")
    tw.generate(os.path.join(work, "mc"), sites=a.sites, seed=1)
    tw.generate(os.path.join(work, "peer"), preset="peer", n1=a.n1, n2=a.n2, seed=1)
    mc, peer = load(os.path.join(work, "mc")), load(os.path.join(work, "peer"))
    blob = pickle.dumps(mc)
    print(f"network of {a.sites} sites: {mc.sizes}; pickled {len(blob) / 1e6:.2f} MB")
    _, t_unpickle = timed(lambda: pickle.loads(blob))
    print(f"unpickle (decode + score again): {t_unpickle:.3f} s")

    n = a.scenarios
    local_sim, t_mc_local = best(lambda: mc.simulate(n=n, seed=1, progress=None), a.repeat)
    local_lp, t_lp_local = best(lambda: peer.stress_test("lp", progress=None), a.repeat)
    print(f"local (2 threads): simulate {n}: {t_mc_local:.2f} s; peer stress LP "
          f"({peer.sizes['sites']} sites): {t_lp_local:.2f} s")

    # What a chunk ships back; its cost on one thread comes from the one-worker run below.
    chunk = 4096
    batch, t_chunk = timed(lambda: mc._simulate_scenarios(1, 0, chunk, progress=None))
    print(f"one chunk of {chunk} scenarios (2 threads here): {t_chunk:.3f} s, "
          f"{len(batch) / chunk:.0f} bytes per scenario")
    units = peer.units("site")[:100]
    horizon = peer._stress_horizon("site", None)
    _, t_units = timed(lambda: peer._stress_part("lp", "site", [units], horizon, progress=None))
    print(f"100 sites' LPs (2 threads here): {t_units:.3f} s")

    import ray

    import tierwise.distributed as twd

    # (CPUs given to Ray, CPUs per task): the default (tasks of a whole node, here 1 and 2
    # threads), and on 2 CPUs the old way too, two tasks of one thread at a time.
    rows = []
    for workers, per_task in ((1, None), (2, None), (2, 1)):
        ray.init(num_cpus=workers, include_dashboard=False, log_to_driver=False)
        kw = dict(progress=None, cpus_per_task=per_task)
        _, t_cold = timed(lambda: twd.simulate(mc, n=2048, seed=3, **kw))
        twd.stress_test(peer, "lp", only=peer.units("site")[:4], **kw)
        sim, t_mc = best(lambda: twd.simulate(mc, n=n, seed=1, **kw), a.repeat)
        assert np.array_equal(sim.row_losses, local_sim.row_losses)
        lp, t_lp = best(lambda: twd.stress_test(peer, "lp", **kw), a.repeat)
        assert_frame_equal(lp, local_lp, check_exact=True)
        threads = per_task or workers
        tasks = (twd._chunks(n, None, threads), twd._chunks(n, None, threads, per_slot=1))
        rows.append((workers, threads, tasks, t_cold, t_mc, t_lp))
        ray.shutdown()

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024
    print()
    print(f"| run | MC {n // 1000}k scenarios, {a.sites // 1000}k sites | vs local | "
          f"stress LP, peer {peer.sizes['sites']} sites | vs local |")
    print("|---|---|---|---|---|")
    print(f"| local, 2 threads | {t_mc_local:.2f} s | 1.00x | {t_lp_local:.2f} s | 1.00x |")
    for w, threads, tasks, cold, t_mc, t_lp in rows:
        print(f"| Ray, {w} CPU{'s' if w > 1 else ''}, tasks of {threads} thread{'s' if threads > 1 else ''} "
              f"(MC {tasks[0]}, stress {tasks[1]}) | {t_mc:.2f} s (first call {cold:.2f} s) | {t_mc / t_mc_local:.2f}x | {t_lp:.2f} s | "
              f"{t_lp / t_lp_local:.2f}x |")
    w1, w2 = rows[0], rows[1]
    print(f"\none thread (Ray, 1 CPU): {1e6 * w1[4] / n:.1f} us per scenario; "
          f"{1e3 * w1[5] / peer.sizes['sites']:.2f} ms per site's LPs")
    print(f"\nRay overhead at 2 CPUs (default tasks): Monte Carlo {100 * (w2[4] / t_mc_local - 1):+.1f} %, "
          f"stress test {100 * (w2[5] / t_lp_local - 1):+.1f} % of the local time; "
          f"driver peak RSS {peak:.2f} GB")


if __name__ == "__main__":
    main()
