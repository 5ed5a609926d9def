import pytest

import tierwise as tw


def test_stress_test_on_the_published_case():
    kg = tw.KnowledgeGraph()
    kg.load_tables("data/acedesci/prob1")
    net = kg.network(as_of="2026-07-01T00:00:00Z")
    s = net.stress_test("lp", unit="site", progress=None)
    pi = dict(zip(s["unit"], s["pi"]))
    lost = dict(zip(s["unit"], s["lost_units"]))
    # 14 days (the default TTR). Demand 75 + 50 = 125 a day, stock 20 + 25 = 45 units.
    # PLANT down: P1 loses 75*14 - 20 = 1,030 units at 5,000, P2 50*14 - 25 = 675 at 6,500:
    # 5,150,000 + 4,387,500 = 9,537,500.
    assert pi["PLANT"] == pytest.approx(9_537_500.0)
    assert lost["PLANT"] == pytest.approx(1_705.0)
    # One supplier down: the others make (capacity sum) * 14; the 1,705 units needed beyond
    # stock fall short by the difference, lost on the cheaper product P1 (5,000 a unit).
    for site, others in (("S1", 45 + 60), ("S2", 30 + 60), ("S3", 30 + 45)):
        short = 1_705 - others * 14
        assert lost[site] == pytest.approx(short)
        assert pi[site] == pytest.approx(short * 5_000.0)
    # The closed form ignores capacity: it sees no loss for a supplier.
    cf = dict(zip(s["unit"], s["closed_form_pi"]))
    assert cf["S1"] == 0.0 and s["exact"].all()
    with pytest.raises(ValueError):
        net.stress_test("exactish")
