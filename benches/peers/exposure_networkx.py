#!/usr/bin/env python3
"""Peer implementation of the tierwise closed-form exposure sweep (DESIGN 3.2).

Plain Python + networkx, written the way a data scientist would: read the CSV
tables with the csv module, build a networkx.DiGraph over (site, part) nodes,
then for every disruption unit (site, company or country)

* availability (DESIGN 3.1) by one pass over the nodes in
  networkx.topological_sort order, and
* time to survive (TTS) by networkx.multi_source_dijkstra_path_length from
  all nodes of the unit,

and the exposure numbers PI / REI / min_tts / exposed from those. Nothing is
optimised beyond that on purpose: this is the baseline the Rust sweep is timed
against, and an independent cross-check of its numbers.

Usage:
    python benches/peers/exposure_networkx.py DIR --unit site|company|country --out FILE.csv
    python benches/peers/exposure_networkx.py --selftest

DIR holds the tables written by `tierwise generate` (sites, parts, products,
bom, supply, optionally countries; signals, capacity and alternates are
ignored). The CLI writes unit,ttr_days,min_tts,pi,rei,exposed sorted by unit
(infinite values as `inf`, exposed as true/false), prints `build_s=<float>`
(graph construction) and, as the last line, `elapsed_s=<float>`: the exposure
sweep over all units of the kind, excluding CSV reading and graph building.
"""

from __future__ import annotations

import argparse
import csv
import math
import os
import sys
import tempfile
import time
from collections import defaultdict

import networkx as nx

TOL = 1e-9  # DESIGN 2.1: numeric tolerance everywhere
DEFAULT_TTR_DAYS = 14.0  # shipped default policy (DESIGN 3.2)
KINDS = ("site", "company", "country")


# --------------------------------------------------------------------------
# reading


def _read_csv(path):
    """Rows of a CSV file as dicts; empty fields become None. Missing file -> []."""
    if not os.path.exists(path):
        return []
    with open(path, newline="", encoding="utf-8-sig") as f:
        return [
            {k.strip(): (v.strip() if v is not None and v.strip() != "" else None) for k, v in row.items()}
            for row in csv.DictReader(f)
        ]


def _num(value, default=None):
    return default if value is None else float(value)


def read_tables(folder):
    """The input tables as lists of dicts (DESIGN 2.1 column names)."""
    return {
        name: _read_csv(os.path.join(folder, name + ".csv"))
        for name in ("sites", "parts", "products", "bom", "supply", "countries")
    }


# --------------------------------------------------------------------------
# graph


def build_graph(tables):
    """networkx.DiGraph over (site, part) nodes.

    Node attribute `groups`: the input groups (buyer, part) the node consumes.
    Edge (s2, C) -> (b, P) when node (b, P) consumes group (b, C) and s2 sells
    C to b; attribute `weight` = inventory_days(b, C).
    Graph attributes: `groups` {(b, C): {"r", "inv", "rows": [(seller, cap)]}},
    `topo` (node list in topological order).
    """
    supply = tables["supply"]
    products = tables["products"]

    # supply groups (b, C): rows, unmapped remainder r, inventory days
    groups = {}
    for row in supply:
        key = (row["buyer_site"], row["part_id"])
        g = groups.setdefault(key, {"rows": [], "share": 0.0, "inv": 0.0})
        share = float(row["share"])
        cap = _num(row["max_share"], share)
        g["rows"].append((row["seller_site"], cap))
        g["share"] += share
        if row["inventory_days"] is not None:  # rows of one group agree; empty = 0
            g["inv"] = float(row["inventory_days"])
    for g in groups.values():
        rem = 1.0 - g["share"]
        g["r"] = rem if rem > TOL else 0.0

    children = defaultdict(list)
    for line in tables["bom"]:
        children[line["parent_part"]].append(line["child_part"])

    # nodes: a site makes P when it sells P or is the plant of P
    nodes = set()
    for row in supply:
        nodes.add((row["seller_site"], row["part_id"]))
    for row in products:
        nodes.add((row["site_id"], row["part_id"]))

    G = nx.DiGraph()
    for s, p in sorted(nodes):
        if (s, p) in groups:  # pass-through: s buys P itself
            inputs = [(s, p)]
        else:  # BOM children with supply rows at s; the others are unmapped
            inputs = [(s, c) for c in children.get(p, []) if (s, c) in groups]
        G.add_node((s, p), site=s, part=p, groups=inputs)
    for node, data in list(G.nodes(data=True)):
        for b, c in data["groups"]:
            g = groups[(b, c)]
            for seller, _cap in g["rows"]:
                G.add_edge((seller, c), node, weight=g["inv"])

    G.graph["groups"] = groups
    G.graph["topo"] = list(nx.topological_sort(G))
    return G


def load(folder):
    """(graph, tables) for a folder of tierwise CSV tables."""
    tables = read_tables(folder)
    return build_graph(tables), tables


# --------------------------------------------------------------------------
# units


def units(tables, kind):
    """{unit name: (set of site ids, TTR days)} for every unit of the kind."""
    sites = tables["sites"]
    site_ttr = {s["site_id"]: _num(s["ttr_days"], DEFAULT_TTR_DAYS) for s in sites}
    if kind == "site":
        return {sid: ({sid}, ttr) for sid, ttr in site_ttr.items()}
    out = defaultdict(set)
    for s in sites:
        out[s[kind]].add(s["site_id"])
    if kind == "company":
        return {c: (members, max(site_ttr[m] for m in members)) for c, members in out.items()}
    if kind == "country":
        country_ttr = {c["country"]: _num(c["ttr_days"], DEFAULT_TTR_DAYS) for c in tables["countries"]}
        return {c: (members, country_ttr.get(c, DEFAULT_TTR_DAYS)) for c, members in out.items()}
    raise ValueError(f"unknown unit kind {kind!r} (expected one of {', '.join(KINDS)})")


# --------------------------------------------------------------------------
# analytics


def availability(G, disrupted_sites):
    """avail(s, P) for every node under D = the given sites (DESIGN 3.1)."""
    groups = G.graph["groups"]
    avail = {}
    for node in G.graph["topo"]:
        site, _part = node
        if site in disrupted_sites:
            avail[node] = 0.0
            continue
        a = 1.0
        for b, c in G.nodes[node]["groups"]:
            g = groups[(b, c)]
            frac = min(1.0, g["r"] + sum(cap * avail[(seller, c)] for seller, cap in g["rows"]))
            a = min(a, frac)
        avail[node] = a
    return avail


def exposure_on(G, tables, kind, only=None):
    """The exposure sweep on an already built graph (what `elapsed_s` times).

    `only`: a set of unit names to compute (a sample for networks too large for the full
    sweep); REI is then relative to the sample's largest PI and is not comparable."""
    rows = []
    for p in tables["products"]:
        value = _num(p["margin_per_unit"], None)
        if value is None:
            value = float(p["revenue_per_unit"])
        rows.append(
            {
                "node": (p["site_id"], p["part_id"]),
                "demand": float(p["demand_per_day"]),
                "value": value,
                "fg": _num(p["fg_inventory_days"], 0.0),
            }
        )

    nodes_of_site = defaultdict(list)
    for node in G.nodes:
        nodes_of_site[node[0]].append(node)

    results = []
    for name, (sites, ttr) in units(tables, kind).items():
        if only is not None and name not in only:
            continue
        avail = availability(G, sites)
        sources = [n for s in sites for n in nodes_of_site.get(s, [])]
        dist = nx.multi_source_dijkstra_path_length(G, sources, weight="weight") if sources else {}
        pi = 0.0
        min_tts = math.inf
        exposed = False
        for row in rows:
            a_row = avail[row["node"]]
            tts = dist[row["node"]] + row["fg"] if row["node"] in dist else math.inf
            pi += row["demand"] * row["value"] * (1.0 - a_row) * max(0.0, ttr - tts)
            if a_row < 1.0 - TOL:
                min_tts = min(min_tts, tts)
                if tts < ttr:
                    exposed = True
        results.append({"unit": name, "ttr_days": ttr, "min_tts": min_tts, "pi": pi, "exposed": exposed})

    top = max((r["pi"] for r in results), default=0.0)
    for r in results:
        r["rei"] = r["pi"] / top if top > 0 else 0.0
    results.sort(key=lambda r: r["unit"])
    return [{k: r[k] for k in ("unit", "ttr_days", "min_tts", "pi", "rei", "exposed")} for r in results]


def exposure(folder, kind):
    """[{unit, ttr_days, min_tts, pi, rei, exposed}] for every unit of the kind, sorted by unit."""
    G, tables = load(folder)
    return exposure_on(G, tables, kind)


# --------------------------------------------------------------------------
# output


def _fmt(x):
    if isinstance(x, bool):
        return "true" if x else "false"
    if isinstance(x, float):
        return "inf" if math.isinf(x) else repr(x)
    return str(x)


def write_csv(results, path):
    cols = ("unit", "ttr_days", "min_tts", "pi", "rei", "exposed")
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(cols)
        for r in results:
            w.writerow([_fmt(r[c]) for c in cols])


# --------------------------------------------------------------------------
# self-test

# Two disjoint chains in one network.
#
# Diamond: plant P1 makes X (BOM X <- 2 A). P1 buys A from T1a (share 0.6,
# max_share 0.8) and T1b (share 0.4, max_share 0.5), inventory_days 5.
# T1a and T1b make A (BOM A <- 3 C) and each buy C from T2 (share 1,
# inventory_days 3). Product X@P1: demand 100, revenue 50, margin 10 (value =
# margin = 10), fg_inventory_days 2.
#   nodes (P1,X) (T1a,A) (T1b,A) (T2,C); edges (T2,C)->(T1a,A), (T2,C)->(T1b,A)
#   weight 3; (T1a,A)->(P1,X), (T1b,A)->(P1,X) weight 5. Group (P1,A): r =
#   1 - (0.6 + 0.4) = 0.
#
# Distributor chain: plant P2 makes Y (BOM Y <- B, Y <- M). P2 buys B from
# distributor D (share 0.7, max_share 0.9, inventory_days 4), so group (P2,B)
# has r = 0.3; M has no supply row at P2: unmapped, ignored. D buys B from F
# (share 1, inventory_days 6) and so is a pass-through node (D,B) whose only
# input group is (D,B); D's rows for K (B's BOM child, bought from F2) are
# unused. F makes B (BOM B <- 2 K) but has no supply rows for K: unmapped, so
# (F,B) has no input groups. F2 makes K; (F2,K) has no consumer, no out-edge.
# Product Y@P2: demand 10, revenue 100, margin empty (value = revenue = 100),
# fg_inventory_days empty (= 0).
#   edges (F,B)->(D,B) weight 6, (D,B)->(P2,Y) weight 4.
#
# W1 is a site that makes nothing (no nodes).
#
# sites: id   company  country ttr
#        P1   FOCAL    DE      10
#        T1a  TIERONE  DE      20
#        T1b  TIERONE  PL      30
#        T2   DEEP     CN      60
#        P2   FOCAL    MX      (missing -> 14)
#        D    DISTCO   MX      4
#        F    DISTCO   VN      40
#        F2   KAYCO    VN      (missing -> 14)
#        W1   KAYCO    CN      90
# countries: DE 21, PL (missing -> 14), CN 45, MX 30, VN (missing -> 14),
#            US 30 (no site: not a unit).
#
# Per unit, "X: A, TTS, loss" is the X@P1 row, "Y: ..." the Y@P2 row; a row
# with A = 1 loses nothing (and has TTS = inf when no path reaches its plant).
#
# Sites (max PI = 50000 at T2):
#   P1  ttr 10: (P1,X) down, A = 0; TTS = 0 + fg 2 = 2;
#       loss = 100*10*1*(10-2) = 8000.                   min_tts 2, exposed, REI 0.16
#   T1a ttr 20: (T1a,A) = 0, (T1b,A) = 1; frac(P1,A) = min(1, 0 + 0.8*0 + 0.5*1)
#       = 0.5 = A; TTS = 5 + 2 = 7; loss = 1000*0.5*(20-7) = 6500.
#                                                        min_tts 7, exposed, REI 0.13
#   T1b ttr 30: frac = min(1, 0.8*1 + 0.5*0) = 0.8; TTS 7;
#       loss = 1000*0.2*(30-7) = 4600.                   min_tts 7, exposed, REI 0.092
#   T2  ttr 60: (T1a,A) = (T1b,A) = 0 (r = 0, cap 1 * 0), so A = 0;
#       TTS = 3 + 5 + 2 = 10; loss = 1000*1*(60-10) = 50000.
#                                                        min_tts 10, exposed, REI 1
#   P2  ttr 14 (default): (P2,Y) down, A = 0, TTS = 0 + 0;
#       loss = 10*100*1*(14-0) = 14000.                  min_tts 0, exposed, REI 0.28
#   D   ttr 4: (D,B) = 0; frac(P2,B) = 0.3 + 0.9*0 = 0.3 = A; TTS = 4 + 0 = 4;
#       loss = 1000*0.7*max(0, 4-4) = 0.                 min_tts 4, NOT exposed (4 < 4 false), REI 0
#   F   ttr 40: (F,B) = 0 -> (D,B) = 0 -> A = 0.3; TTS = 6 + 4 = 10;
#       loss = 1000*0.7*(40-10) = 21000.                 min_tts 10, exposed, REI 0.42
#   F2  ttr 14 (default): nothing downstream uses (F2,K) (D is a pass-through
#       for B), all A = 1, no path: pi 0, min_tts inf, not exposed.
#   W1  ttr 90: no nodes: pi 0, min_tts inf, not exposed.
#
# Companies (max PI = 50000 at DEEP):
#   FOCAL   {P1, P2} ttr max(10, 14 default) = 14: X: A 0, TTS 2,
#           loss 1000*(14-2) = 12000; Y: A 0, TTS 0, loss 1000*14 = 14000;
#           PI = 26000, min_tts 0, exposed, REI 0.52
#   TIERONE {T1a, T1b} ttr max(20, 30) = 30: both A nodes down, A = 0;
#           TTS 7; PI = 1000*(30-7) = 23000, min_tts 7, exposed, REI 0.46
#   DEEP    {T2} ttr 60: as site T2, PI 50000, REI 1
#   DISTCO  {D, F} ttr max(4, 40) = 40: A = 0.3; TTS = min(4 from D, 10 from F)
#           = 4; PI = 1000*0.7*(40-4) = 25200, min_tts 4, exposed, REI 0.504
#   KAYCO   {F2, W1} ttr max(14 default, 90) = 90: PI 0, min_tts inf, not exposed
#
# Countries (max PI = 35000 at CN):
#   DE {P1, T1a} ttr 21: X: A 0, TTS 0 + 2 = 2; PI = 1000*(21-2) = 19000,
#      min_tts 2, exposed, REI 19000/35000 = 0.542857...
#   PL {T1b} ttr 14 (missing): A 0.8, TTS 7; PI = 1000*0.2*(14-7) = 1400,
#      min_tts 7, exposed, REI 0.04
#   CN {T2, W1} ttr 45: A 0, TTS 10; PI = 1000*(45-10) = 35000, min_tts 10, REI 1
#   MX {P2, D} ttr 30: Y: A 0, TTS 0; PI = 1000*30 = 30000, min_tts 0,
#      exposed, REI 30000/35000 = 0.857142...
#   VN {F, F2} ttr 14 (missing): Y: A 0.3, TTS 10; PI = 1000*0.7*(14-10) = 2800,
#      min_tts 10, exposed, REI 0.08
#   US has no site: not a unit.

_SELFTEST_TABLES = {
    "sites": """site_id,company,country,ttr_days,financial_score,on_time_rate,quality_ppm,capacity_utilization,p_fail_override
P1,FOCAL,DE,10,,,,,
T1a,TIERONE,DE,20,,,,,
T1b,TIERONE,PL,30,,,,,
T2,DEEP,CN,60,,,,,
P2,FOCAL,MX,,,,,,
D,DISTCO,MX,4,,,,,
F,DISTCO,VN,40,,,,,
F2,KAYCO,VN,,,,,,
W1,KAYCO,CN,90,,,,,
""",
    "parts": """part_id,kind,name,unit_cost
X,product,X,
A,assembly,A,
C,raw_material,C,
Y,product,Y,
B,component,B,
K,raw_material,K,
M,raw_material,M,
""",
    "products": """part_id,site_id,demand_per_day,revenue_per_unit,margin_per_unit,fg_inventory_days
X,P1,100,50,10,2
Y,P2,10,100,,
""",
    "bom": """parent_part,child_part,qty
X,A,2
A,C,3
Y,B,1
Y,M,1
B,K,2
""",
    "supply": """buyer_site,part_id,seller_site,share,max_share,lead_time_days,lead_time_sd_days,inventory_days
P1,A,T1a,0.6,0.8,10,1,5
P1,A,T1b,0.4,0.5,12,2,5
T1a,C,T2,1,,20,3,3
T1b,C,T2,1,1,20,3,3
P2,B,D,0.7,0.9,5,1,4
D,B,F,1,,15,2,6
D,K,F2,1,,15,2,
""",
    "countries": """country,governance,hazard,p_event,ttr_days
DE,0.9,0.1,0.01,21
PL,0.8,0.1,0.01,
CN,0.5,0.3,0.03,45
MX,0.6,0.3,0.02,30
VN,0.6,0.4,0.02,
US,0.85,0.2,0.02,30
""",
}

INF = math.inf
# unit: (ttr_days, min_tts, pi, rei, exposed)
_SELFTEST_EXPECTED = {
    "site": {
        "P1": (10, 2, 8000, 8000 / 50000, True),
        "T1a": (20, 7, 6500, 6500 / 50000, True),
        "T1b": (30, 7, 4600, 4600 / 50000, True),
        "T2": (60, 10, 50000, 1.0, True),
        "P2": (14, 0, 14000, 14000 / 50000, True),
        "D": (4, 4, 0, 0.0, False),
        "F": (40, 10, 21000, 21000 / 50000, True),
        "F2": (14, INF, 0, 0.0, False),
        "W1": (90, INF, 0, 0.0, False),
    },
    "company": {
        "FOCAL": (14, 0, 26000, 26000 / 50000, True),
        "TIERONE": (30, 7, 23000, 23000 / 50000, True),
        "DEEP": (60, 10, 50000, 1.0, True),
        "DISTCO": (40, 4, 25200, 25200 / 50000, True),
        "KAYCO": (90, INF, 0, 0.0, False),
    },
    "country": {
        "DE": (21, 2, 19000, 19000 / 35000, True),
        "PL": (14, 7, 1400, 1400 / 35000, True),
        "CN": (45, 10, 35000, 1.0, True),
        "MX": (30, 0, 30000, 30000 / 35000, True),
        "VN": (14, 10, 2800, 2800 / 35000, True),
    },
}


def _close(a, b):
    if math.isinf(b):
        return math.isinf(a) and a > 0
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)


def selftest():
    with tempfile.TemporaryDirectory(prefix="tierwise-peer-") as folder:
        for name, text in _SELFTEST_TABLES.items():
            with open(os.path.join(folder, name + ".csv"), "w", encoding="utf-8") as f:
                f.write(text)

        G, tables = load(folder)
        assert set(G.nodes) == {
            ("P1", "X"), ("T1a", "A"), ("T1b", "A"), ("T2", "C"),
            ("P2", "Y"), ("D", "B"), ("F", "B"), ("F2", "K"),
        }, sorted(G.nodes)
        assert {(u, v): w for u, v, w in G.edges(data="weight")} == {
            (("T2", "C"), ("T1a", "A")): 3.0,
            (("T2", "C"), ("T1b", "A")): 3.0,
            (("T1a", "A"), ("P1", "X")): 5.0,
            (("T1b", "A"), ("P1", "X")): 5.0,
            (("F", "B"), ("D", "B")): 6.0,
            (("D", "B"), ("P2", "Y")): 4.0,
        }, sorted(G.edges(data="weight"))
        assert G.nodes[("D", "B")]["groups"] == [("D", "B")]  # pass-through
        assert G.nodes[("P2", "Y")]["groups"] == [("P2", "B")]  # M unmapped
        assert G.nodes[("F", "B")]["groups"] == []  # K unmapped at F

        for kind, expected in _SELFTEST_EXPECTED.items():
            got = {r["unit"]: r for r in exposure_on(G, tables, kind)}
            assert set(got) == set(expected), (kind, sorted(got))
            for unit, (ttr, min_tts, pi, rei, exposed) in expected.items():
                r = got[unit]
                ok = (
                    _close(r["ttr_days"], ttr)
                    and _close(r["min_tts"], min_tts)
                    and _close(r["pi"], pi)
                    and _close(r["rei"], rei)
                    and r["exposed"] is exposed
                )
                assert ok, (kind, unit, r, (ttr, min_tts, pi, rei, exposed))
            # the public entry point reads the folder itself and agrees
            assert [r["unit"] for r in exposure(folder, kind)] == sorted(expected)

        out = os.path.join(folder, "out.csv")
        write_csv(exposure_on(G, tables, "site"), out)
        with open(out, encoding="utf-8") as f:
            lines = f.read().splitlines()
        assert lines[0] == "unit,ttr_days,min_tts,pi,rei,exposed", lines[0]
        assert "F2,14.0,inf,0.0,0.0,false" in lines, lines
        assert "T2,60.0,10.0,50000.0,1.0,true" in lines, lines
    print("selftest ok")


# --------------------------------------------------------------------------
# CLI


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("dir", nargs="?", help="folder of tierwise CSV tables")
    ap.add_argument("--unit", choices=KINDS, default="site", help="disruption unit kind (default: site)")
    ap.add_argument("--out", help="output CSV (unit,ttr_days,min_tts,pi,rei,exposed)")
    ap.add_argument("--selftest", action="store_true", help="run the hand-worked fixture checks and exit")
    ap.add_argument("--sample", type=int, default=0,
                    help="compute only K units, evenly spaced in sorted order (prints the time scaled to all units)")
    args = ap.parse_args(argv)

    if args.selftest:
        selftest()
        return 0
    if not args.dir or not args.out:
        ap.error("DIR and --out are required (or use --selftest)")

    tables = read_tables(args.dir)
    t0 = time.perf_counter()
    G = build_graph(tables)
    t1 = time.perf_counter()
    names = sorted(units(tables, args.unit))
    only = None
    if args.sample and args.sample < len(names):
        step = len(names) / args.sample
        only = {names[int(i * step)] for i in range(args.sample)}
    results = exposure_on(G, tables, args.unit, only)
    t2 = time.perf_counter()
    write_csv(results, args.out)
    print(f"units={len(results)} nodes={G.number_of_nodes()} edges={G.number_of_edges()} rows={len(tables['products'])}")
    print(f"build_s={t1 - t0:.6f}")
    print(f"units_total={len(names)}")
    print(f"elapsed_all_units_s={(t2 - t1) * len(names) / max(1, len(results)):.6f}")
    print(f"elapsed_s={t2 - t1:.6f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
