"""Ctrl-C during a long simulation raises KeyboardInterrupt within a second."""

import _thread
import threading
import time

import pytest

import tierwise as tw


def test_keyboard_interrupt_stops_a_long_simulation(tmp_path):
    tw.generate(tmp_path, sites=2000, seed=1)
    kg = tw.KnowledgeGraph()
    kg.load_tables(tmp_path)
    net = kg.network(as_of="2026-07-01T00:00:00Z")
    timer = threading.Timer(0.5, _thread.interrupt_main)
    timer.start()
    t0 = time.perf_counter()
    with pytest.raises(KeyboardInterrupt):
        net.simulate(n=50_000_000, seed=1, progress=None)
    assert time.perf_counter() - t0 < 0.5 + 1.0


def test_keyboard_interrupt_stops_a_load_and_stores_nothing(tmp_path):
    data = tmp_path / "data"
    tw.generate(data, sites=20_000, seed=1)
    kg = tw.KnowledgeGraph.open(tmp_path / "kg.db")
    ontology = len(kg)  # a new store holds the tw: ontology only
    timer = threading.Timer(0.3, _thread.interrupt_main)
    timer.start()
    with pytest.raises(KeyboardInterrupt):
        kg.load_tables(data)
    # Stopped between its checks or its million-quad chunks: nothing of it is stored.
    assert len(kg) == ontology
    assert kg.loads().height == 0


def test_solver_errors_are_tierwise_errors():
    assert issubclass(tw.SolverError, tw.TierwiseError)
