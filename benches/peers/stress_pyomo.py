#!/usr/bin/env python3
"""The exact stress test (DESIGN 3.6) as the public peer runs it: Pyomo + HiGHS, one model per
scenario, against `tierwise stress --method lp` on the same tables, in one run.

For each size (N1, N2) of the peer preset (`tierwise generate --preset peer`, N3 = 2 * N2):
run `tierwise stress --unit site --method lp` over every tier-2 and tier-3 site (the peer's
single-node scenarios), build and solve the same TTR and TTS LPs with Pyomo (a fresh
ConcreteModel per scenario and LP, solved by HiGHS through highspy, as plain LPs), assert
equal PI and TTS (1e-6 relative) unit by unit, and print the times and their ratio as a
markdown table row for the README.

Pyomo spends most of its time building models: above `--full-limit` units it runs on an
evenly spaced sample of `--sample` units and scales its time to all units (per-unit cost x
units); the sampled units' numbers are still compared.

Requires: pip install pyomo highspy
Usage: python benches/peers/stress_pyomo.py [--sizes 5x10,50x125,200x500] [--bin PATH]
"""

import argparse
import csv
import math
import os
import re
import subprocess
import sys
import time
from collections import defaultdict

import pyomo.environ as pyo
from pyomo.opt import TerminationCondition as TC

EPS = 1e-9


def run(cmd):
    t0 = time.perf_counter()
    p = subprocess.run(cmd, capture_output=True, text=True)
    dt = time.perf_counter() - t0
    if p.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{p.stdout}\n{p.stderr}")
    return p, dt


def rows(path):
    if not os.path.exists(path):
        return []
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def fnum(x, default=None):
    return default if x in (None, "") else float(x)


class Net:
    """DESIGN 2 compiled in plain Python: nodes, groups, edges, need and need_max."""

    def __init__(self, d):
        sites = {r["site_id"]: r for r in rows(f"{d}/sites.csv")}
        self.ttr = {s: fnum(r.get("ttr_days"), 14.0) for s, r in sites.items()}
        bom = defaultdict(list)
        for r in rows(f"{d}/bom.csv"):
            bom[r["parent_part"]].append((r["child_part"], float(r["qty"])))
        supply = rows(f"{d}/supply.csv")
        self.products = rows(f"{d}/products.csv")
        groups = defaultdict(list)
        for r in supply:
            groups[(r["buyer_site"], r["part_id"])].append(r)
        nodes = set((r["seller_site"], r["part_id"]) for r in supply)
        nodes |= set((r["site_id"], r["part_id"]) for r in self.products)
        self.nodes = sorted(nodes)
        self.groups = sorted(groups)
        gi = {g: i for i, g in enumerate(self.groups)}
        self.inputs = {}
        for (s, p) in self.nodes:
            if (s, p) in groups:
                self.inputs[(s, p)] = [(gi[(s, p)], 1.0)]
            else:
                self.inputs[(s, p)] = [(gi[(s, c)], q) for c, q in bom[p] if (s, c) in groups]
        self.edges = []  # (group, seller node, share, cap, label)
        for g, key in enumerate(self.groups):
            for r in groups[key]:
                share = float(r["share"])
                cap = fnum(r.get("max_share"), share)
                self.edges.append((g, (r["seller_site"], key[1]), share, cap,
                                   f"{key[0]}|{key[1]}|{r['seller_site']}"))
        self.rem = []
        self.inv_days = []
        for key in self.groups:
            ssum = sum(float(r["share"]) for r in groups[key])
            self.rem.append(1 - ssum if 1 - ssum > EPS else 0.0)
            self.inv_days.append(fnum(groups[key][0].get("inventory_days"), 0.0))
        self.group_edges = defaultdict(list)
        self.out_edges = defaultdict(list)
        for e, (g, seller, *_rest) in enumerate(self.edges):
            self.group_edges[g].append(e)
            self.out_edges[seller].append(e)
        self.consumers = defaultdict(list)
        for n in self.nodes:
            for g, q in self.inputs[n]:
                self.consumers[g].append((n, q))
        # need / need_max: explode demand downstream-first (Kahn order on the node graph).
        indeg = {n: 0 for n in self.nodes}
        succ = defaultdict(list)
        for g, seller, *_ in self.edges:
            for c, _q in self.consumers[g]:
                succ[seller].append(c)
                indeg[c] += 1
        order = [n for n in self.nodes if indeg[n] == 0]
        i = 0
        while i < len(order):
            for c in succ[order[i]]:
                indeg[c] -= 1
                if indeg[c] == 0:
                    order.append(c)
            i += 1
        vol = defaultdict(float)
        volm = defaultdict(float)
        for p in self.products:
            vol[(p["site_id"], p["part_id"])] += float(p["demand_per_day"])
            volm[(p["site_id"], p["part_id"])] += float(p["demand_per_day"])
        self.need = [0.0] * len(self.groups)
        self.need_max = [0.0] * len(self.groups)
        for n in reversed(order):
            for g, q in self.inputs[n]:
                self.need[g] += vol[n] * q
                self.need_max[g] += volm[n] * q
                for e in self.group_edges[g]:
                    _, seller, share, cap, _ = self.edges[e]
                    vol[seller] += vol[n] * q * share
                    volm[seller] += volm[n] * q * cap
        self.node_cap, self.node_inv, self.site_cap = {}, defaultdict(float), {}
        for r in rows(f"{d}/capacity.csv"):
            if r.get("part_id"):
                n = (r["site_id"], r["part_id"])
                if n in nodes:
                    if r.get("capacity_per_day"):
                        self.node_cap[n] = float(r["capacity_per_day"])
                    self.node_inv[n] = fnum(r.get("inventory_units"), 0.0)
            elif r.get("capacity_per_day"):
                self.site_cap[r["site_id"]] = float(r["capacity_per_day"])

    def model(self, down_site, days, tts):
        """One Pyomo model of the TTR LP (T = days) or the TTS LP, site `down_site` lost."""
        m = pyo.ConcreteModel()
        N = range(len(self.nodes))
        E = range(len(self.edges))
        idx = {n: i for i, n in enumerate(self.nodes)}
        m.x = pyo.Var(N, domain=pyo.NonNegativeReals)
        m.y = pyo.Var(E, domain=pyo.NonNegativeReals)
        if tts:
            m.T = pyo.Var(domain=pyo.NonNegativeReals)
            T = m.T
        else:
            T = days
            m.l = pyo.Var(range(len(self.products)), domain=pyo.NonNegativeReals)
        m.c = pyo.ConstraintList()
        for g in range(len(self.groups)):
            if not self.consumers[g]:
                continue
            m.c.add(sum(q * m.x[idx[n]] for n, q in self.consumers[g])
                    <= sum(m.y[e] for e in self.group_edges[g])
                    + self.inv_days[g] * self.need[g] + self.rem[g] * self.need_max[g] * T)
        for n in self.nodes:
            if self.out_edges[n]:
                m.c.add(sum(m.y[e] for e in self.out_edges[n]) <= m.x[idx[n]] + self.node_inv[n])
        for e, (g, _s, _sh, cap, _l) in enumerate(self.edges):
            m.c.add(m.y[e] <= cap * self.need_max[g] * T)
        for n, c in self.node_cap.items():
            m.c.add(m.x[idx[n]] <= c * T)
        by_site = defaultdict(list)
        for n in self.nodes:
            by_site[n[0]].append(idx[n])
        for s, c in self.site_cap.items():
            if by_site[s]:
                m.c.add(sum(m.x[j] for j in by_site[s]) <= c * T)
        for j in by_site[down_site]:
            m.x[j].fix(0)
        obj = 0
        for r, p in enumerate(self.products):
            n = (p["site_id"], p["part_id"])
            d = float(p["demand_per_day"])
            fg = fnum(p.get("fg_inventory_days"), 0.0)
            out = sum(m.y[e] for e in self.out_edges[n])
            lhs = m.x[idx[n]] + self.node_inv[n] - out + fg * d
            if tts:
                m.c.add(lhs >= d * T)
            else:
                m.c.add(lhs + m.l[r] >= d * T)
                value = fnum(p.get("margin_per_unit"), float(p["revenue_per_unit"]))
                obj += value * m.l[r]
        m.obj = pyo.Objective(expr=T if tts else obj, sense=pyo.maximize if tts else pyo.minimize)
        return m


def solve(opt, m, tts):
    res = opt.solve(m, load_solutions=False)
    tc = res.solver.termination_condition
    if tc == TC.optimal:
        m.solutions.load_from(res)
        return pyo.value(m.obj)
    if tts and tc in (TC.unbounded, TC.infeasibleOrUnbounded):
        return math.inf
    sys.exit(f"Pyomo/HiGHS: {tc}")


def same(a, b, rel=1e-6):
    if math.isinf(a) or math.isinf(b):
        return a == b
    return abs(a - b) <= rel * max(1.0, abs(a), abs(b))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="5x10,50x125,200x500")
    ap.add_argument("--bin", default=os.path.join("/work/target-perf", "perf", "tierwise"))
    ap.add_argument("--work", default="/tmp/tierwise-stress-bench")
    ap.add_argument("--full-limit", type=int, default=200)
    ap.add_argument("--sample", type=int, default=60)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    opt = pyo.SolverFactory("appsi_highs")
    table = []
    for size in args.sizes.split(","):
        n1, n2 = (int(v) for v in size.split("x"))
        d = os.path.join(args.work, f"peer-{n1}-{n2}")
        run([args.bin, "generate", "--preset", "peer", "--n1", str(n1), "--n2", str(n2),
             "--seed", str(args.seed), "--out", d])
        net = Net(d)
        units = sorted(s for s in net.ttr if s.startswith("T2") or s.startswith("T3"))
        out = os.path.join(d, "stress.csv")
        cmd = [args.bin, "stress", "--data", d, "--unit", "site", "--method", "lp",
               "--format", "csv", "-o", out]
        for u in units:
            cmd += ["--only", u]
        p, tw_wall = run(cmd)
        m = re.search(r"in ([0-9.]+) s", p.stderr)
        tw_solve = float(m.group(1)) if m else tw_wall
        tw = {r["unit"]: r for r in rows(out)}
        if len(units) > args.full_limit:
            step = len(units) / args.sample
            sample = [units[int(i * step)] for i in range(args.sample)]
        else:
            sample = units
        t_ttr = t_tts = 0.0
        for u in sample:
            t0 = time.perf_counter()
            pi = solve(opt, net.model(u, net.ttr[u], False), False)
            t1 = time.perf_counter()
            tts = solve(opt, net.model(u, None, True), True)
            t2 = time.perf_counter()
            t_ttr += t1 - t0
            t_tts += t2 - t1
            r = tw[u]
            tw_pi, tw_tts = float(r["pi"]), float(r["tts"])
            if not same(tw_pi, pi) or not same(tw_tts, tts):
                sys.exit(f"{size} {u}: tierwise PI {tw_pi} TTS {tw_tts} vs Pyomo PI {pi} TTS {tts}")
        scale = len(units) / len(sample)
        peer = (t_ttr + t_tts) * scale
        sampled = "" if scale == 1 else f" (sampled {len(sample)})"
        print(f"({n1},{n2},{2 * n2}): {len(units)} units, tierwise {tw_solve:.3f} s "
              f"(wall {tw_wall:.3f} s incl. load), Pyomo TTR {t_ttr * scale:.1f} s + TTS "
              f"{t_tts * scale:.1f} s{sampled}: identical PI and TTS", flush=True)
        table.append((f"({n1}, {n2}, {2 * n2})", len(units), tw_solve, tw_wall, peer,
                      peer / tw_solve, sampled))
    print()
    print("| peer network (N1, N2, N3) | single-site scenarios (TTR + TTS LPs) | tierwise stress, LP solves | tierwise wall incl. load | Pyomo + HiGHS, one model per scenario | ratio |")
    print("|---|---|---|---|---|---|")
    for name, n, tw_s, tw_w, peer, ratio, sampled in table:
        print(f"| {name} | {n} | {tw_s:.3f} s | {tw_w:.3f} s | {peer:.1f} s{sampled} | {ratio:.0f}x |")


if __name__ == "__main__":
    main()
