"""The living graph from Python: events applied to a store return the delta as a DataFrame,
follow the diamond's hand-worked numbers, and survive a reopen."""

import json
import warnings

import polars as pl
import pytest

import tierwise as tw

DIAMOND = {
    "sites.csv": "site_id,company,country,ttr_days\nP1,FOCAL,DE,10\nT1a,Alpha,DE,20\nT1b,Beta,PL,30\nT2,Gamma,CN,60\n",
    "parts.csv": "part_id,kind,name,unit_cost\nX,product,Gearbox,500\nA,assembly,Housing,80\nC,component,Casting,20\n",
    "products.csv": "part_id,site_id,demand_per_day,revenue_per_unit,margin_per_unit,fg_inventory_days\nX,P1,100,50,10,2\n",
    "bom.csv": "parent_part,child_part,qty\nX,A,2\nA,C,3\n",
    "supply.csv": "buyer_site,part_id,seller_site,share,max_share,lead_time_days,lead_time_sd_days,inventory_days\n"
    "P1,A,T1a,0.6,0.8,10,2,5\nP1,A,T1b,0.4,0.5,12,3,5\nT1a,C,T2,1,,30,5,3\nT1b,C,T2,1,,30,5,3\n",
}


def event(id, type, subject, data, time="2026-02-01T08:00:00Z"):
    return {"specversion": "1.0", "id": id, "source": "urn:test", "type": type,
            "time": time, "subject": subject, "data": data}


@pytest.fixture
def diamond(tmp_path):
    d = tmp_path / "diamond"
    d.mkdir()
    for name, text in DIAMOND.items():
        (d / name).write_text(text)
    kg = tw.KnowledgeGraph.open(tmp_path / "kg.db")
    kg.load_tables(d)
    return kg, tmp_path


def test_a_shipment_moves_the_hand_worked_units(diamond):
    kg, _ = diamond
    # P1's stock of A 5 -> 9 days: T1a loses 1000 * 0.5 * (20 - 11) = 4,500 (was 6,500),
    # T2 1000 * (60 - 14) = 46,000 (was 50,000); P1, its own plant, does not move.
    delta = kg.apply_events([event("s1", "shipment.received", "P1|A", {"inventory_days": 9})],
                            as_of="2026-03-01T00:00:00Z")
    assert delta.columns == ["kind", "id", "metric", "before", "after", "event_ids"]
    pi = delta.filter((pl.col("kind") == "site") & (pl.col("metric") == "pi"))
    got = {r["id"]: (r["before"], r["after"]) for r in pi.iter_rows(named=True)}
    assert got.keys() == {"T1a", "T1b", "T2"}
    assert got["T1a"] == pytest.approx((6500.0, 4500.0))
    assert got["T2"] == pytest.approx((50000.0, 46000.0))
    assert set(delta["event_ids"]) == {"s1"}


def test_events_from_a_file_a_frame_and_a_reopen(diamond):
    kg, tmp = diamond
    path = tmp / "events.jsonl"
    path.write_text(json.dumps(event("d1", "site.down", "T2", {"ttr_days": 45})) + "\n")
    delta = kg.apply_events(path)
    # T2 down: both Tier-1 sites lose C, X@P1 has availability 0.
    row = delta.filter(pl.col("kind") == "row").row(0, named=True)
    assert (row["before"], row["after"]) == (1.0, 0.0)
    frame = pl.DataFrame([event("q1", "quality.alert", "T1a", {"quality_ppm": 5000})])
    delta = kg.apply_events(frame)
    assert delta.filter(pl.col("metric") == "p_fail")["id"].to_list() == ["T1a"]
    state = kg.state_hash()
    net = kg.network(as_of="2026-02-03T00:00:00Z")
    sit = net.situation(now="2026-02-03T08:00:00Z")
    assert sit.columns == ["row", "availability", "tts_days", "days_left", "stops_on", "projected_loss"]
    x = sit.row(0, named=True)
    # TTS of X@P1 with T2 down: 3 + 5 + 2 = 10 days, two days gone.
    assert x["availability"] == 0.0 and x["tts_days"] == 10.0 and x["days_left"] == pytest.approx(8.0)
    assert x["stops_on"] == "2026-02-11"
    # Applying again: duplicates, nothing moves, same state.
    assert kg.apply_events(path).height == 0
    assert kg.state_hash() == state


def test_bad_events_warn_or_raise_with_line_and_field(diamond):
    kg, _ = diamond
    good = event("s1", "shipment.received", "P1|A", {"inventory_days": 9})
    bad = event("s2", "supply.share", "P1|A|T1b", {"share": 0.5})
    with pytest.warns(UserWarning, match=r"line 2, field data.share, value \"1.1\""):
        kg.apply_events([good, bad])
    with pytest.raises(tw.EventError, match="line 1, field subject, value \"T9\": unknown site"):
        kg.apply_events([event("x", "quality.alert", "T9", {"quality_ppm": 1}), good], atomic=True)
    assert issubclass(tw.EventError, tw.TierwiseError)


def test_generated_events_follow_the_json_schema(tmp_path):
    jsonschema = pytest.importorskip("jsonschema")
    import pathlib

    schema = json.loads((pathlib.Path(__file__).parents[2] / "data/schema/events.schema.json").read_text())
    tw.generate(tmp_path, sites=150, seed=2, events=300)
    lines = (tmp_path / "events.jsonl").read_text().splitlines()
    types = set()
    for line in lines:
        e = json.loads(line)
        jsonschema.validate(e, schema)
        types.add(e["type"])
    assert len(types) == 14
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(event("x", "supply.share", "A|B|C", {"share": 1.5}), schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(event("x", "supply.teleport", "A", {}), schema)
