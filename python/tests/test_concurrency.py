"""Every conversion to Python is safe from any thread at any time: each case starts a fresh
interpreter whose first tierwise call is made by eight threads at once (the pyo3-polars
once-cells are filled at import, so none can deadlock against the GIL). Loads from many
threads are serialised; a store opened read-only reads while another process writes; a
SPARQL query stops at its timeout and on Ctrl-C."""

import _thread
import signal
import subprocess
import sys
import threading
import time

from concurrent.futures import ThreadPoolExecutor

import polars as pl
import pytest

import tierwise as tw

ROOT_CASE = """
import sys
from concurrent.futures import ThreadPoolExecutor
import polars as pl
import tierwise as tw

kg = tw.KnowledgeGraph()
net = None
if {needs_data}:
    kg.load_tables("data/demo")
    net = kg.network(as_of="2026-07-01T00:00:00Z")

def call(i):
    {call}

with ThreadPoolExecutor(max_workers=8) as pool:
    out = list(pool.map(call, range(8)))
assert all(type(o).__name__ in ("DataFrame", "dict") for o in out), [type(o) for o in out]
print("ok")
"""

Q = "SELECT ?s ?p WHERE { ?s ?p ?o } LIMIT 5"
REFUSED = """try:
        tw.KnowledgeGraph().load_tables({"sites": pl.DataFrame({"x": [1]})})
    except tw.DataQualityError as e:
        return e.violations"""
# Every method that hands a DataFrame (or a dict of them) to Python, as the first call.
CASES = {
    "load_tables": ("return tw.KnowledgeGraph().load_tables('data/demo')", False),
    "load_tables_refused": (REFUSED, False),
    "query": (f"return kg.query({Q!r})", True),
    "query_timeout": (f"return kg.query({Q!r}, timeout=60)", True),
    "loads": ("return kg.loads()", True),
    "risk": ("return net.risk(factors=True)", True),
    "frame": ("return net.frame('edges')", True),
    "tiers": ("return net.tiers()", True),
    "nodes": ("return net.nodes()", True),
    "impact": ("return net.impact(['S000042'], days=30)", True),
    "exposure": ("return net.exposure(unit='site', progress=None)", True),
    "explain": ("return net.explain(net.products[0], ['S000042'])", True),
    "criticality": ("return net.criticality()", True),
    "simulate": ("return net.simulate(n=200, seed=i, progress=None).summary()", True),
    "stress_test": ("return net.stress_test('closed_form', unit='site', progress=None)", True),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_first_call_from_eight_threads_in_a_fresh_interpreter(name):
    call, needs_data = CASES[name]
    run = subprocess.run(
        [sys.executable, "-c", ROOT_CASE.format(needs_data=needs_data, call=call)],
        capture_output=True,
        text=True,
        timeout=300,  # a deadlock hangs forever; this case takes seconds
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "ok"


def test_threads_loading_conflicting_data_one_wins(tmp_path, diamond):
    moved = dict(diamond)
    moved["sites"] = diamond["sites"].with_columns(
        country=pl.Series(["DE", "DE", "PL", "VN"])
    )
    for round_ in range(3):
        kg = tw.KnowledgeGraph.open(tmp_path / f"kg{round_}.db")
        start = threading.Barrier(2)

        def load(tables):
            start.wait()
            try:
                return kg.load_tables(tables)
            except tw.DataQualityError as e:
                return e

        with ThreadPoolExecutor(2) as pool:
            results = list(pool.map(load, [diamond, moved]))
        won = [r for r in results if isinstance(r, dict)]
        lost = [r for r in results if isinstance(r, tw.DataQualityError)]
        assert len(won) == 1 and len(lost) == 1
        assert "conflicting values" in str(lost[0])
        countries = kg.query(
            "PREFIX tw: <https://w3id.org/tierwise/ns#> "
            'SELECT ?c WHERE { ?s tw:id "T2" ; tw:country/tw:id ?c }'
        )["c"].to_list()
        assert countries == (["CN"] if results[0] is won[0] else ["VN"])
        loads = kg.query(
            "PREFIX tw: <https://w3id.org/tierwise/ns#> "
            "SELECT (COUNT(DISTINCT ?g) AS ?n) WHERE { GRAPH ?g { ?g a tw:Load } }"
        )
        assert loads["n"][0] == 1


def test_a_reader_opens_while_another_process_writes(tmp_path, diamond):
    path = tmp_path / "kg.db"
    writer = tw.KnowledgeGraph.open(path)
    writer.load_tables(diamond)
    # Another process wants to write: refused in tierwise's words.
    other = subprocess.run(
        [sys.executable, "-c", f"import tierwise as tw; tw.KnowledgeGraph.open({str(path)!r})"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert other.returncode != 0
    assert "in use by another process" in other.stderr, other.stderr
    # Another process reads: it sees the four sites.
    reader = subprocess.run(
        [
            sys.executable,
            "-c",
            f"import tierwise as tw; kg = tw.KnowledgeGraph.open({str(path)!r}, read_only=True); "
            "assert kg.read_only; print(kg.network().sizes['sites'])",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert reader.returncode == 0, reader.stderr
    assert reader.stdout.strip() == "4"
    del writer
    ro = tw.KnowledgeGraph.open(path, read_only=True)
    with pytest.raises(tw.StoreError, match="read-only"):
        ro.load_tables(diamond)


ENDLESS = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


def test_a_query_stops_at_its_timeout_and_on_ctrl_c(demo_kg):
    t0 = time.perf_counter()
    with pytest.raises(TimeoutError, match="timeout of 0.5 s"):
        demo_kg.query(ENDLESS, timeout=0.5)
    assert time.perf_counter() - t0 < 30
    with pytest.raises(ValueError):
        demo_kg.query(ENDLESS, timeout=0)
    # A shell that starts a command in the background without job control makes it ignore
    # SIGINT, and then Python installs no handler and interrupt_main does nothing: give
    # Ctrl-C its usual meaning for this test whatever started it.
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        timer = threading.Timer(0.5, _thread.interrupt_main)
        timer.start()
        t0 = time.perf_counter()
        with pytest.raises(KeyboardInterrupt):
            demo_kg.query(ENDLESS)
        assert time.perf_counter() - t0 < 30
    finally:
        signal.signal(signal.SIGINT, previous)
    assert demo_kg.query("SELECT (COUNT(*) AS ?n) WHERE { ?s a <https://w3id.org/tierwise/ns#Site> }")["n"][0] == 120
