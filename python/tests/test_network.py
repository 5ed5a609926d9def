import numpy as np
import polars as pl
import pytest

import tierwise as tw

AS_OF = "2026-07-01T00:00:00Z"


@pytest.fixture
def net(diamond):
    kg = tw.KnowledgeGraph()
    kg.load_tables(diamond)
    return kg.network(as_of=AS_OF)


def test_exposure_hand_worked(net):
    e = net.exposure(unit="site", progress=None)
    pi = dict(zip(e["unit"].to_list(), e["pi"].to_list()))
    # T2 zeroes X: 1000 * (60 - (3 + 5 + 2)) = 50,000; T1a halves it: 1000 * 0.5 * (20 - 7).
    assert pi == pytest.approx({"P1": 8000.0, "T1a": 6500.0, "T1b": 4600.0, "T2": 50000.0})
    assert e["rei"].max() == 1.0
    countries = net.exposure(unit="country", progress=None)
    assert dict(zip(countries["unit"], countries["pi"])) == pytest.approx({"CN": 4000.0, "DE": 12000.0, "PL": 1400.0})


def test_impact_and_explain(net):
    i = net.impact(["T2"], days=30)
    assert i["availability"][0] == 0.0 and i["tts_days"][0] == 10.0 and i["loss"][0] == pytest.approx(20000.0)
    j = net.impact({"countries": ["PL"], "companies": "Alpha"}, days=30)
    assert j["availability"][0] == 0.0
    x = net.explain("X@P1", ["T2"])
    tts = x.filter(pl.col("path") == "tts")
    assert tts["site"].to_list() == ["T2", "T1a", "P1"]
    with pytest.raises(tw.UnknownUnitError):
        net.impact(["nope"])


def test_simulate_numpy_and_determinism(net):
    a = net.simulate(n=2000, seed=3, progress=None)
    b = net.simulate(n=2000, seed=3, progress=None)
    assert isinstance(a.losses, np.ndarray) and a.losses.shape == (2000,)
    assert a.row_losses.shape == (2000, 1)
    assert np.array_equal(a.losses, b.losses)
    s = a.summary()
    assert s["product"].to_list() == ["X@P1", "portfolio"]
    assert s["expected_loss"][1] == pytest.approx(float(a.losses.mean()))


def test_progress_callback_is_called(net):
    seen = []
    net.simulate(n=5000, seed=1, progress=lambda done, total: seen.append((done, total)))
    assert seen and seen[-1][1] == 5000


def test_criticality_tiers_and_networkx(net):
    c = net.criticality()
    cp = c["chokepoints"]
    assert cp.filter(pl.col("unit") == "T2")["hidden"][0] is True
    assert net.tiers()["tier"].to_list() == [0, 1, 1, 2]
    g = net.to_networkx()
    assert g.number_of_nodes() == 4 and g.number_of_edges() == 4
    assert g.edges[("T2", "C"), ("T1a", "A")]["inventory_days"] == 3.0
    assert "Network" in net._repr_html_()
    q = net.analytic_q()
    assert q.shape == (4,) and ((0 <= q) & (q <= 1)).all()
