import json

import polars as pl

import tierwise as tw


def test_report_from_python(tmp_path, demo_kg):
    net = demo_kg.network(as_of="2026-07-01T00:00:00Z")
    index = tw.report(net, tmp_path, scenarios=2000, seed=3)
    assert index == tmp_path / "index.html"
    html = index.read_text()
    assert html.startswith("<!DOCTYPE html>") and "<svg" in html
    summary = json.loads((tmp_path / "summary.json").read_text())
    text = json.dumps(summary)
    # The input hashes are the store's provenance; the policy's hash is the network's.
    for sha in demo_kg.loads()["sha256"].to_list():
        assert sha in text
    assert net.provenance["policy_sha256"] in text
    # The site exposure table equals a direct call.
    parquet = [p for p in tmp_path.glob("*.parquet") if "exposure" in p.name and "site" in p.name]
    assert parquet, sorted(p.name for p in tmp_path.iterdir())
    got = pl.read_parquet(parquet[0])
    direct = net.exposure(unit="site", progress=None)
    assert got.select("unit", "pi").sort("unit").equals(direct.select("unit", "pi").sort("unit"))
