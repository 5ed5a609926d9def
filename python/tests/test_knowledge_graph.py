import pathlib

import polars as pl
import pytest

import tierwise as tw

ROOT = pathlib.Path(__file__).resolve().parents[2]


def test_load_dict_of_frames_and_query(diamond):
    kg = tw.KnowledgeGraph()
    r = kg.load_tables(diamond)
    assert r["graph"].startswith("https://w3id.org/tierwise/id/load/")
    assert isinstance(r["warnings"], pl.DataFrame)
    # Single-source warnings for T1a <- T2 and T1b <- T2.
    assert r["warnings"].filter(pl.col("message").str.contains("single source")).height == 2
    df = kg.query(
        "PREFIX tw: <https://w3id.org/tierwise/ns#> "
        "SELECT ?seller ?share WHERE { ?s a tw:Supply ; tw:buyer/tw:id 'P1' ; "
        "tw:seller/tw:id ?seller ; tw:share ?share } ORDER BY ?seller"
    )
    assert df["seller"].to_list() == ["T1a", "T1b"]
    assert df["share"].to_list() == [0.6, 0.4]


def test_on_disk_store_reopens(tmp_path):
    path = tmp_path / "kg.db"
    kg = tw.KnowledgeGraph.open(path)
    kg.load_tables(ROOT / "data" / "demo")
    n = len(kg)
    del kg
    kg2 = tw.KnowledgeGraph.open(path)
    assert len(kg2) == n
    assert kg2.path is not None
    loads = kg2.loads()
    assert loads.height == 9  # nine demo tables, each file with its sha256
    assert all(len(h) == 64 for h in loads["sha256"].to_list())


def test_rdf_round_trip(tmp_path, demo_kg):
    ttl = tmp_path / "demo.ttl"
    demo_kg.export(ttl)
    fresh = tw.KnowledgeGraph()
    fresh.load_rdf(ttl)
    a = demo_kg.network(as_of="2026-07-01T00:00:00Z").exposure(progress=None)
    b = fresh.network(as_of="2026-07-01T00:00:00Z").exposure(progress=None)
    assert a.equals(b)


def test_data_quality_error_carries_every_violation(diamond):
    diamond["bom"] = pl.DataFrame({"parent_part": ["X", "A"], "child_part": ["A", "Q"], "qty": [-2.0, 3.0]})
    kg = tw.KnowledgeGraph()
    with pytest.raises(tw.DataQualityError) as e:
        kg.load_tables(diamond)
    v = e.value.violations
    assert isinstance(v, pl.DataFrame)
    assert set(v.columns) >= {"table", "row", "column", "value", "message"}
    rows = v.filter(pl.col("severity") == "error").select("table", "row", "column", "value").rows()
    assert ("bom", 2, "qty", "-2.0") in rows or ("bom", 2, "qty", "-2") in rows
    assert ("bom", 3, "child_part", "Q") in rows
    assert "expected a value > 0" in str(e.value)
    assert isinstance(e.value, tw.TierwiseError)
    assert len(kg) > 0 and kg.loads().height == 0  # nothing stored


def test_query_error():
    with pytest.raises(tw.QueryError):
        tw.KnowledgeGraph().query("SELECT ?x WHERE {")


def test_policy_error(tmp_path, demo_kg):
    p = tmp_path / "p.toml"
    p.write_text((ROOT / "policies" / "default.toml").read_text().replace("[quality]", "[quality]\nbogus = 1"))
    with pytest.raises(tw.PolicyError, match="bogus"):
        demo_kg.network(policy=p)


def test_repr_html(demo_kg):
    assert "KnowledgeGraph" in demo_kg._repr_html_()


def test_a_named_source_loaded_again_replaces_its_snapshot(diamond):
    kg = tw.KnowledgeGraph()
    first = kg.load_tables(diamond, name="erp-nightly")
    assert first["replaced"] == []
    # The next extract: T1b recovers in 45 days instead of 30; everything else is the same.
    night2 = dict(diamond)
    night2["sites"] = diamond["sites"].with_columns(
        pl.when(pl.col("site_id") == "T1b").then(45.0).otherwise(pl.col("ttr_days")).alias("ttr_days")
    )
    # Unnamed DataFrames are no source: restating T1b with another value is refused.
    with pytest.raises(tw.DataQualityError):
        kg.load_tables(night2)
    second = kg.load_tables(night2, name="erp-nightly")
    assert second["replaced"] == [first["graph"]]
    exposure = kg.network().exposure(unit="site", progress=None)
    assert exposure.filter(pl.col("unit") == "T1b")["ttr_days"].to_list() == [45.0]
    # Both snapshots are kept (as_of still opens the first), the second names the first.
    tw_ns = "PREFIX tw: <https://w3id.org/tierwise/ns#> "
    loads = kg.query(tw_ns + "SELECT (COUNT(DISTINCT ?g) AS ?n) WHERE { GRAPH ?g { ?g a tw:Load } }")
    assert loads["n"].to_list() == [2]
    links = kg.query(
        tw_ns + "SELECT ?new ?old WHERE { { ?new tw:supersedes ?old } UNION "
        "{ GRAPH ?any { ?new tw:supersedes ?old } } }"
    )
    assert links.unique().rows() == [(second["graph"], first["graph"])]
