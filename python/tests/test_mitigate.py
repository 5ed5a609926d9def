"""What-if and mitigation on the diamond (numbers worked by hand in the Rust tests,
crates/tierwise/tests/it/mitigate.rs): T2's loss zeroes X for 60 - 10 days, PI 50,000."""

import json

import polars as pl
import pytest

import tierwise as tw
from test_network import net  # noqa: F401  (the fixture: the diamond's network)


def pi(net, site):
    e = net.exposure(unit="site", progress=None)
    return dict(zip(e["unit"], e["pi"]))[site]


def test_what_if_buffer_days_close_ttr_minus_tts(net):
    # 50 days more at both Tier-1s: TTS = 53 + 5 + 2 = 60 = TTR, PI 0; 49 days: 1,000.
    changes = [{"action": "add_inventory_days", "buyer": b, "part": "C", "days": 50.0} for b in ("T1a", "T1b")]
    assert pi(net.what_if(changes), "T2") == 0.0
    short = [dict(c, days=49.0) for c in changes]
    assert pi(net.what_if(short), "T2") == pytest.approx(1000.0)
    # The original is untouched; an empty list is the base.
    assert pi(net, "T2") == pytest.approx(50000.0)
    assert net.what_if([]).exposure(progress=None).equals(net.exposure(progress=None))


def test_what_if_raise_max_share_and_compare(net):
    # T1b may cover all of P1's A: T1a's loss leaves A = 1, PI 6,500 -> 0.
    changed = net.what_if([{"action": "raise_max_share", "link": "P1|A|T1b", "max_share": 1.0}])
    c = net.compare(changed, scenarios=2000, seed=3)
    u = c["units"].filter(pl.col("unit") == "T1a")
    assert u["pi_before"][0] == pytest.approx(6500.0) and u["pi_after"][0] == 0.0
    p = c["products"].filter(pl.col("product") == "portfolio")
    # Same seed, same failures: raising a cap can only lower the loss of every scenario.
    assert p["expected_loss_after"][0] <= p["expected_loss_before"][0]


def test_what_if_bad_changes_are_named_all_at_once(net):
    with pytest.raises(ValueError) as e:
        net.what_if(
            [
                {"action": "raise_max_share", "link": "P1|A|NOPE", "max_share": 0.9},
                {"action": "add_inventory_days", "buyer": "T1a", "part": "C", "days": -1.0},
            ]
        )
    m = str(e.value)
    assert '"NOPE"' in m and "days -1" in m and "change 1" in m and "change 2" in m
    with pytest.raises(ValueError, match="unknown change action"):
        net.what_if([{"action": "teleport"}])
    with pytest.raises(KeyError, match="maxshare"):
        net.what_if([{"action": "raise_max_share", "link": "P1|A|T1b", "maxshare": 1.0}])


def test_mitigate_ranks_and_selects_within_the_budget(net):
    m = net.mitigate(top=4)
    assert set(m["action"]) >= {"raise_max_share", "buffer_days"}
    assert m["benefit_per_cost"].to_list() == sorted(m["benefit_per_cost"].to_list(), reverse=True)
    # T1a's loss: T1b raised 0.5 -> 1 (0.5 x 200 A/day x 80 x 0.02 x 365 = 58,400) removes 6,500.
    r = m.filter((pl.col("unit") == "T1a") & (pl.col("action") == "raise_max_share"))
    assert r["cost"][0] == pytest.approx(58400.0) and r["benefit"][0] == pytest.approx(6500.0)
    # Every proposal's changes, as dicts, give its what-if: the unit's PI is pi_after.
    for row in m.iter_rows(named=True):
        assert pi(net.what_if(json.loads(row["changes"])), row["unit"]) == pytest.approx(row["pi_after"], abs=1e-6)
    p = net.mitigate(budget=100_000.0, top=4)
    chosen = p.filter(pl.col("selected"))
    assert chosen["cumulative_cost"].max() <= 100_000.0
    curve = net.mitigate(budget=100_000.0, top=4, curve=True)
    assert curve["cumulative_benefit"].to_list() == chosen.sort("pick")["cumulative_benefit"].to_list()
    with pytest.raises(ValueError, match="budget -1"):
        net.mitigate(budget=-1.0)
    with pytest.raises(tw.UnknownUnitError):
        net.mitigate(only=["nope"])
