"""tierwise.distributed on a real Ray: a local cluster (ray.init(num_cpus=2)), a worker killed
mid-job, Ctrl-C, and at the end a two-node cluster on loopback started with `ray start`. Every
distributed result is compared with the local call on the same network: the Monte Carlo bit
for bit, exposure and the stress test frame for frame.

Pickling (the network's versioned binary form) is tested first; it needs no Ray."""

import _thread
import os
import pathlib
import pickle
import signal
import socket
import subprocess
import sys
import threading
import time

import numpy as np
import polars as pl
import pytest
from polars.testing import assert_frame_equal

import tierwise as tw

# The tasks' progress is tested through a callback; tqdm bars would only fill the log.
os.environ["TQDM_DISABLE"] = "1"

AS_OF = "2026-07-01T00:00:00Z"


def _network(tmp_path_factory, sites, seed):
    out = tmp_path_factory.mktemp(f"gen{sites}")
    tw.generate(out, sites=sites, seed=seed)
    kg = tw.KnowledgeGraph()
    kg.load_tables(out)
    return kg.network(as_of=AS_OF)


@pytest.fixture(scope="module")
def net(tmp_path_factory):
    return _network(tmp_path_factory, 1500, 11)


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    return _network(tmp_path_factory, 120, 4)


# -- a network that travels ---------------------------------------------------------------------


def test_a_pickled_network_gives_identical_results(net):
    back = pickle.loads(pickle.dumps(net))
    assert back.sizes == net.sizes
    assert back.provenance == net.provenance
    assert_frame_equal(back.exposure(progress=None), net.exposure(progress=None), check_exact=True)
    a, b = back.simulate(n=600, seed=3, progress=None), net.simulate(n=600, seed=3, progress=None)
    assert np.array_equal(a.row_losses, b.row_losses)
    assert_frame_equal(a.summary(), b.summary(), check_exact=True)


def test_a_network_with_disruptions_keeps_them_through_pickle(tmp_path):
    tw.generate(tmp_path / "t", sites=300, seed=2, events=40)
    kg = tw.KnowledgeGraph()
    kg.load_tables(tmp_path / "t")
    kg.apply_events(tmp_path / "t" / "events.jsonl")
    net = kg.network(as_of=AS_OF)
    back = pickle.loads(pickle.dumps(net))
    now = "2026-07-03T00:00:00Z"
    assert_frame_equal(back.situation(now), net.situation(now), check_exact=True)


def test_damaged_or_foreign_blobs_are_refused_with_a_reason(net):
    rebuild, (blob, source, inputs, down) = net.__reduce__()
    with pytest.raises(ValueError, match="truncated"):
        rebuild(blob[:-7], source, inputs, down)
    foreign = bytearray(blob)
    foreign[20] = ord("9")  # the first byte of the tierwise version that wrote it
    with pytest.raises(ValueError, match="written by tierwise 9"):
        rebuild(bytes(foreign), source, inputs, down)
    newer = bytearray(blob)
    newer[12] = 2  # format version 2
    with pytest.raises(ValueError, match="format version 2"):
        rebuild(bytes(newer), source, inputs, down)
    with pytest.raises(ValueError, match="not a tierwise"):
        rebuild(b"\x80\x04 a pickle, not a network", source, inputs, down)


# -- bad input ------------------------------------------------------------------------------------


def _python(code, timeout=120):
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=timeout
    )


def test_without_ray_the_import_names_the_extra():
    r = _python("import sys; sys.modules['ray'] = None; import tierwise.distributed")
    assert r.returncode != 0
    assert "ImportError" in r.stderr
    assert "pip install 'tierwise[ray]'" in r.stderr


def test_an_unreachable_cluster_is_a_clear_error_within_the_timeout():
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    code = (
        "import tierwise.distributed as twd\n"
        "try:\n"
        f"    twd.connect('127.0.0.1:{port}', timeout=3)\n"
        "except twd.ClusterUnreachableError as e:\n"
        "    assert isinstance(e, ConnectionError)\n"
        "    print('refused:', e)\n"
    )
    r = _python(code, timeout=60)  # a bound on the test, far above the 3 s asked for
    assert r.returncode == 0, r.stderr
    assert f"the Ray cluster at '127.0.0.1:{port}' cannot be reached within 3 s" in r.stdout


# -- a local Ray ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def ray_local():
    import ray

    import tierwise.distributed as twd

    twd.connect(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield twd
    ray.shutdown()


def test_distributed_monte_carlo_is_bit_identical(net, ray_local):
    local = net.simulate(n=2500, seed=5, progress=None)
    for chunks in (1, 3, 7):
        far = ray_local.simulate(net, n=2500, seed=5, progress=None, chunks=chunks)
        assert isinstance(far, tw.Simulation)
        assert np.array_equal(far.losses, local.losses)
        assert np.array_equal(far.row_losses, local.row_losses)
        assert_frame_equal(far.summary(), local.summary(), check_exact=True)
        assert_frame_equal(far.sites(), local.sites(), check_exact=True)


def test_tasks_take_a_whole_node_and_its_threads_by_default(net, ray_local):
    import ray

    # One node of 2 CPUs: tasks of 2 CPUs, two of them; with 1-CPU tasks, four.
    assert ray_local._task_cpus(None) == 2
    assert (ray_local._chunks(1000, None, 2), ray_local._chunks(1000, None, 1)) == (2, 4)
    # The stress test's tasks are one per slot (its chains end each task with a tail).
    assert ray_local._chunks(1000, None, 2, per_slot=1) == 1

    @ray.remote
    def rayon_threads():
        return os.environ.get("RAYON_NUM_THREADS")

    assert ray.get(ray_local._sized(rayon_threads, 2).remote()) == "2"
    assert ray.get(ray_local._sized(rayon_threads, 1).remote()) == "1"
    # Tasks of one thread (two at a time) give the same numbers.
    far = ray_local.simulate(net, n=1500, seed=5, progress=None, chunks=3, cpus_per_task=1)
    assert np.array_equal(far.row_losses, net.simulate(n=1500, seed=5, progress=None).row_losses)
    with pytest.raises(ValueError, match="cpus_per_task=0"):
        ray_local.simulate(net, n=10, progress=None, cpus_per_task=0)


def test_distributed_exposure_is_identical(net, ray_local):
    for unit in ("site", "company", "country"):
        local = net.exposure(unit, progress=None)
        assert_frame_equal(ray_local.exposure(net, unit, progress=None, chunks=5), local, check_exact=True)
    some = net.units("site")[::37]
    assert_frame_equal(
        ray_local.exposure(net, "site", only=some, progress=None, chunks=3),
        net.exposure("site", only=some, progress=None),
        check_exact=True,
    )
    assert_frame_equal(
        ray_local.exposure(net, "site", rows=True, progress=None, chunks=4),
        net.exposure("site", rows=True, progress=None),
        check_exact=True,
    )
    with pytest.raises(tw.UnknownUnitError):
        ray_local.exposure(net, "site", only=["no such site"], progress=None)


def test_distributed_stress_test_is_identical(small, ray_local):
    for method in ("closed_form", "hybrid", "lp"):
        local = small.stress_test(method, unit="site", progress=None)
        far = ray_local.stress_test(small, method, unit="site", progress=None, chunks=4)
        assert_frame_equal(far, local, check_exact=True)
    some = small.units("company")[:5]
    assert_frame_equal(
        ray_local.stress_test(small, "lp", unit="company", only=some, progress=None, chunks=2),
        small.stress_test("lp", unit="company", only=some, progress=None),
        check_exact=True,
    )


@pytest.mark.parametrize(
    "kw", [{}, {"exact": True, "check_top": 3, "scenarios": 300}, {"curve": True}], ids=["plain", "checked", "curve"]
)
def test_distributed_mitigate_is_identical(small, ray_local, kw):
    local = small.mitigate(50_000.0, top=4, progress=None, **kw)
    assert small.mitigate(top=4, progress=None).height > 3  # more candidates than tasks
    got = ray_local.mitigate(small, 50_000.0, top=4, progress=None, chunks=3, **kw)
    assert_frame_equal(got, local, check_exact=True)


def test_mitigation_parts_must_cover_the_call(small):
    args = dict(budget=None, unit="site", only=None, top=4, exact=False, check_top=10, scenarios=0, seed=7, curve=False)
    parts = [small._mitigate_part(args, i, 3) for i in range(3)]
    assert_frame_equal(small._mitigation_from(args, parts[::-1]), small.mitigate(top=4, progress=None), check_exact=True)
    with pytest.raises(ValueError, match="are in no part"):
        small._mitigation_from(args, parts[:2])
    with pytest.raises(ValueError, match="of another call"):
        small._mitigation_from({**args, "top": 2}, parts)
    with pytest.raises(ValueError, match="mitigation part 0: not a tierwise"):
        small._mitigation_from(args, [b"junk"])


def test_progress_from_the_tasks_reaches_the_caller(net, ray_local):
    calls = []
    ray_local.simulate(net, n=6000, seed=2, progress=lambda d, t: calls.append((d, t)), chunks=3)
    done = [d for d, _ in calls]
    assert all(t == 6000 for _, t in calls)
    assert done == sorted(done)
    assert done[-1] == 6000
    # Reports came from the running tasks, not only the end: some partial counts were seen
    # (each task reports per 512-scenario block).
    assert any(0 < d < 6000 for d in done), calls


def test_ctrl_c_cancels_the_ray_tasks(net, ray_local):
    timer = threading.Timer(2.0, _thread.interrupt_main)
    timer.start()
    with pytest.raises(KeyboardInterrupt):
        ray_local.simulate(net, n=20_000_000, seed=1, progress=None, chunks=4)
    # The cancelled tasks gave their workers back: the cluster still answers, correctly.
    again = ray_local.simulate(net, n=700, seed=9, progress=None, chunks=2)
    assert np.array_equal(again.losses, net.simulate(n=700, seed=9, progress=None).losses)


def _task_pids(name):
    pids = []
    for p in pathlib.Path("/proc").iterdir():
        if not p.name.isdigit():
            continue
        try:
            cmd = (p / "cmdline").read_bytes()
        except OSError:
            continue
        if cmd.startswith(f"ray::{name}".encode()):
            pids.append(int(p.name))
    return pids


def test_a_worker_killed_mid_job_is_retried_to_the_same_result(net, ray_local):
    local = net.simulate(n=24_000, seed=13, progress=None)
    result = {}

    def run():
        result["sim"] = ray_local.simulate(net, n=24_000, seed=13, progress=None, chunks=4)

    job = threading.Thread(target=run)
    job.start()
    killed = None
    deadline = time.monotonic() + 120
    while killed is None and job.is_alive() and time.monotonic() < deadline:
        pids = _task_pids("_simulate_task")
        if pids:
            killed = pids[0]
            os.kill(killed, signal.SIGKILL)
        time.sleep(0.05)
    job.join()
    assert killed is not None, "no task was caught running"
    assert np.array_equal(result["sim"].losses, local.losses)
    assert np.array_equal(result["sim"].row_losses, local.row_losses)


def test_the_module_docstring_runs(ray_local):
    import doctest

    failed, attempted = doctest.testmod(ray_local, optionflags=doctest.ELLIPSIS)
    assert attempted > 0 and failed == 0


# -- a two-node cluster on loopback (last: it stops every Ray process of the machine) ----------


def _ray_cli(*args):
    ray_bin = pathlib.Path(sys.executable).with_name("ray")
    cmd = [str(ray_bin) if ray_bin.exists() else "ray", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=180)


def test_a_two_node_cluster_gives_the_local_results(net, ray_local):
    import ray

    ray.shutdown()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    common = ["--num-cpus=1", "--disable-usage-stats"]
    try:
        head = _ray_cli("start", "--head", "--node-ip-address=127.0.0.1", f"--port={port}",
                        "--include-dashboard=false", *common)
        assert head.returncode == 0, head.stderr
        node = _ray_cli("start", f"--address=127.0.0.1:{port}", "--node-ip-address=127.0.0.1", *common)
        assert node.returncode == 0, node.stderr
        ray_local.connect(f"127.0.0.1:{port}", log_to_driver=False)
        alive = [n for n in ray.nodes() if n["Alive"]]
        assert len(alive) == 2
        sim = ray_local.simulate(net, n=3000, seed=21, progress=None, chunks=4)
        assert np.array_equal(sim.row_losses, net.simulate(n=3000, seed=21, progress=None).row_losses)
        assert_frame_equal(
            ray_local.exposure(net, "company", progress=None, chunks=4),
            net.exposure("company", progress=None),
            check_exact=True,
        )
    finally:
        ray.shutdown()
        _ray_cli("stop", "--force")

