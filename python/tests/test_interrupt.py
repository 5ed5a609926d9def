"""Ctrl-C during a long call raises KeyboardInterrupt and leaves the store whole."""

import _thread
import threading
import time

import pytest

import tierwise as tw

# Sizes whose work lasts well past the interrupt in the debug build the tests use.
SITES_PROJECTED = 5_000  # its projection: ~4 s
SITES_GENERATED = 100_000  # ~3 s before the tables are written
EVENTS = 300


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


def _interrupt_after(seconds):
    timer = threading.Timer(seconds, _thread.interrupt_main)
    timer.start()
    return timer


def test_keyboard_interrupt_stops_a_projection_and_the_generator(tmp_path):
    data = tmp_path / "data"
    tw.generate(data, sites=SITES_PROJECTED, seed=1)
    kg = tw.KnowledgeGraph()  # in memory: no kept network, so network() reads the store
    kg.load_tables(data)
    _interrupt_after(0.2)
    with pytest.raises(KeyboardInterrupt):
        kg.network(as_of="2026-07-01T00:00:00Z")
    _interrupt_after(0.2)
    with pytest.raises(KeyboardInterrupt):
        tw.generate(tmp_path / "big", sites=SITES_GENERATED, seed=1)
    # Stopped before anything was written.
    assert not (tmp_path / "big").exists()


@pytest.mark.filterwarnings("ignore:.*events rejected")  # the generated stream has bad ones
def test_keyboard_interrupt_stops_an_event_batch_between_whole_events(tmp_path):
    data = tmp_path / "data"
    tw.generate(data, sites=2000, seed=1, events=EVENTS)
    events = data / "events.jsonl"
    kg = tw.KnowledgeGraph.open(tmp_path / "kg.db")
    kg.load_tables(data)
    count = "SELECT (COUNT(?e) AS ?n) WHERE { ?e a <https://w3id.org/tierwise/ns#Event> }"
    _interrupt_after(1.0)
    with pytest.raises(KeyboardInterrupt):
        kg.apply_events(events)
    reached = kg.query(count)["n"][0]
    assert reached < EVENTS
    # Applying the file again finishes it (the stored events are duplicates now): the same
    # state as one uninterrupted pass in another store.
    kg.apply_events(events)
    assert kg.query(count)["n"][0] > reached
    fresh = tw.KnowledgeGraph.open(tmp_path / "fresh.db")
    fresh.load_tables(data)
    fresh.apply_events(events)
    assert kg.state_hash() == fresh.state_hash()
    assert kg.query(count)["n"][0] == fresh.query(count)["n"][0]
