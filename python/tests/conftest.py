import os
import pathlib
import signal

import polars as pl
import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]

# A shell that starts the test run in the background without job control makes it ignore
# SIGINT; Python then installs no handler, `_thread.interrupt_main` does nothing, and the
# Ctrl-C tests (here and in the Ray workers this process starts, which inherit it) wait for
# a long run to finish. Give Ctrl-C its usual meaning whatever started the run.
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)


@pytest.fixture(autouse=True)
def _repo_root(monkeypatch):
    # Docstrings and notebooks use paths relative to the repository.
    monkeypatch.chdir(ROOT)


@pytest.fixture
def diamond():
    """The diamond of the Rust tests: X@P1 worth 100/day * margin 10; (P1, A) from T1a (share
    0.6, cap 0.8) and T1b (0.4, 0.5) with 5 days of stock; both buy C from T2 (3 days)."""
    return {
        "sites": pl.DataFrame(
            {
                "site_id": ["P1", "T1a", "T1b", "T2"],
                "company": ["FOCAL", "Alpha", "Beta", "Gamma"],
                "country": ["DE", "DE", "PL", "CN"],
                "ttr_days": [10.0, 20.0, 30.0, 60.0],
            }
        ),
        "parts": pl.DataFrame(
            {"part_id": ["X", "A", "C"], "kind": ["product", "assembly", "component"], "unit_cost": [500.0, 80.0, 20.0]}
        ),
        "products": pl.DataFrame(
            {
                "part_id": ["X"],
                "site_id": ["P1"],
                "demand_per_day": [100.0],
                "revenue_per_unit": [50.0],
                "margin_per_unit": [10.0],
                "fg_inventory_days": [2.0],
            }
        ),
        "bom": pl.DataFrame({"parent_part": ["X", "A"], "child_part": ["A", "C"], "qty": [2.0, 3.0]}),
        "supply": pl.DataFrame(
            {
                "buyer_site": ["P1", "P1", "T1a", "T1b"],
                "part_id": ["A", "A", "C", "C"],
                "seller_site": ["T1a", "T1b", "T2", "T2"],
                "share": [0.6, 0.4, 1.0, 1.0],
                "max_share": [0.8, 0.5, None, None],
                "inventory_days": [5.0, 5.0, 3.0, 3.0],
            }
        ),
    }


@pytest.fixture
def demo_kg():
    import tierwise as tw

    kg = tw.KnowledgeGraph()
    kg.load_tables(ROOT / "data" / "demo")
    return kg
