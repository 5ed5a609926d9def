#!/usr/bin/env python3
"""Converts the acedesci "Case 3.1 Disruption Risk Analytics" inputs into tierwise tables.

Usage: python3 data/acedesci/convert.py [SOURCE_DIR]   (default ../shared/data/acedesci-case3)

For each problem (prob1; prob2 configurations A, B, C) it writes a folder of tierwise tables
plus scenarios.csv (the link-level disruptions with their TTR) and expected.csv (the published
results for prob1, the computed ones for prob2). The mapping (docs/design.md section 7, "LP
stress test"):
  - one focal plant PLANT makes every product j from one bought part B-j (BOM qty 1);
  - d_j -> demand_per_day, f_j -> margin_per_unit (and revenue_per_unit),
    s_j (finished stock) -> fg_inventory_days = s_j / d_j;
  - each supplier i is a site with a site-level capacity row c_i (no part_id); it makes B-j
    for every product j it is linked to in the configuration;
  - each link (i, j) of the configuration (1 in Scenario_0) is a supply row PLANT buys B-j
    from i, share 1/(number of links of j), max_share 1 (so need_max(PLANT, B-j) = d_j and the
    shipment bound y <= d_j T never binds below the demand);
  - a scenario disrupts the links that are 0 in its column; its TTR is the horizon T;
  - one time unit (period) = one day.
"""
import csv
import os
import shutil
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def read_params(path):
    cap, dem, inv, loss, ttr = {}, {}, {}, {}, {}
    with open(path, newline="") as f:
        for r in csv.DictReader(f):
            key = (r["Type"], r["Parameter"])
            v = float(r["Value"])
            {("Supplier", "Capacity"): cap, ("Product", "Demand"): dem,
             ("Product", "Inventory"): inv, ("Product", "Loss"): loss,
             ("Disruption", "TTR"): ttr}[key][r["Index"]] = v
    return cap, dem, inv, loss, ttr


def num(v):
    return repr(int(v)) if float(v).is_integer() else repr(float(v))


def write(path, header, rows):
    with open(path, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)


def convert(params, scenarios, expected, out, published):
    cap, dem, inv, loss, ttr = read_params(params)
    with open(scenarios, newline="") as f:
        rd = csv.reader(f)
        head = next(rd)
        names = head[2:]
        alpha = [(r[0], r[1], [int(x) for x in r[2:]]) for r in rd]
    links = [(i, j) for i, j, a in alpha if a[0] == 1]
    for i, j, a in alpha:
        assert a[0] == 1 or not any(a), f"link {i}-{j} active in a scenario but not in Scenario_0"
    os.makedirs(out, exist_ok=True)
    products = list(dem)
    suppliers = [s for s in cap if any(i == s for i, _ in links)]
    for j in products:
        assert any(p == j for _, p in links), f"product {j} has no supplier"
    write(os.path.join(out, "sites.csv"), ["site_id", "company", "country"],
          [["PLANT", "FOCAL", "ZZ"]] + [[s, s, "ZZ"] for s in suppliers])
    write(os.path.join(out, "parts.csv"), ["part_id", "kind"],
          [[j, "product"] for j in products] + [[f"B-{j}", "component"] for j in products])
    write(os.path.join(out, "products.csv"),
          ["part_id", "site_id", "demand_per_day", "revenue_per_unit", "margin_per_unit",
           "fg_inventory_days"],
          [[j, "PLANT", num(dem[j]), num(loss[j]), num(loss[j]), repr(inv[j] / dem[j])]
           for j in products])
    write(os.path.join(out, "bom.csv"), ["parent_part", "child_part", "qty"],
          [[j, f"B-{j}", 1] for j in products])
    n_links = {j: sum(1 for _, p in links if p == j) for j in products}
    write(os.path.join(out, "supply.csv"),
          ["buyer_site", "part_id", "seller_site", "share", "max_share"],
          [["PLANT", f"B-{j}", i, repr(1.0 / n_links[j]), 1] for i, j in links])
    write(os.path.join(out, "capacity.csv"),
          ["site_id", "part_id", "capacity_per_day", "inventory_units"],
          [[s, "", num(cap[s]), ""] for s in suppliers])
    rows = []
    for n, name in enumerate(names):
        down = [(i, j) for i, j, a in alpha if a[0] == 1 and a[n] == 0]
        if not down:
            rows.append([name, num(ttr[name]), "", "", ""])
        rows += [[name, num(ttr[name]), "PLANT", f"B-{j}", i] for i, j in down]
    write(os.path.join(out, "scenarios.csv"),
          ["scenario", "ttr_days", "buyer_site", "part_id", "seller_site"], rows)
    with open(expected, newline="") as f:
        exp = list(csv.DictReader(f))
    write(os.path.join(out, "expected.csv"),
          ["scenario", "ttr", "pi", "rei", "lost_units", "tts"],
          [[r["scenario"], r["ttr"], r["disruption_cost"], r["risk_exposure_index"],
            r["lost_units"], r["tts"]] for r in exp])
    with open(os.path.join(out, "SOURCE.txt"), "w") as f:
        f.write(f"Converted by data/acedesci/convert.py from source/{os.path.basename(params)}, "
                f"source/{os.path.basename(scenarios)};\nexpected.csv from "
                f"source/{os.path.basename(expected)} ({published}).\n"
                "See ../SOURCE.txt for the provenance of the source files.\n")


def main():
    src = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "../../../shared/data/acedesci-case3")
    srcdir = os.path.join(HERE, "source")
    os.makedirs(srcdir, exist_ok=True)
    for name in sorted(os.listdir(src)):
        if name.endswith(".csv"):
            shutil.copyfile(os.path.join(src, name), os.path.join(srcdir, name))
    shutil.copyfile(os.path.join(src, "README.txt"), os.path.join(srcdir, "README.txt"))
    convert(os.path.join(srcdir, "prob1_parameters.csv"), os.path.join(srcdir, "prob1_scenarios.csv"),
            os.path.join(srcdir, "prob1_published_results.csv"), os.path.join(HERE, "prob1"),
            "published in the notebook, 3-decimal display rounding")
    for c in "ABC":
        convert(os.path.join(srcdir, "prob2_parameters.csv"),
                os.path.join(srcdir, f"prob2_scenarios_config_{c}.csv"),
                os.path.join(srcdir, f"prob2_config_{c}_computed_results.csv"),
                os.path.join(HERE, f"prob2_{c}"),
                "computed with Pyomo + HiGHS and scipy linprog, not published")


if __name__ == "__main__":
    main()
