"""Scale-out on Ray: the Monte Carlo, the exposure sweep, the stress test and mitigation of a
network as Ray tasks, with the same arguments and results as the local calls.

>>> import ray, tierwise as tw, tierwise.distributed as twd
>>> twd.connect(num_cpus=2)                            # or twd.connect("10.0.0.5:6379")
>>> kg = tw.KnowledgeGraph(); _ = kg.load_tables("data/demo")
>>> net = kg.network(as_of="2026-07-01T00:00:00Z")
>>> sim = twd.simulate(net, n=2_000, seed=7, progress=None)
>>> bool((sim.losses == net.simulate(n=2_000, seed=7, progress=None).losses).all())
True

How it works: the network is pickled once into Ray's object store (its versioned binary
form, see docs/ray.md); every worker decodes it once and keeps it. A call is split into
chunks (scenario ranges, units, or a mitigation's candidates and then one join), one task
per chunk; a task asks for the CPUs of a whole node (the smallest node's, or
`cpus_per_task`) and runs the Rust call on that many threads
with the GIL released, so a node holds one copy of the network and works as the local call
does; it reports progress to a small actor that the caller reads into its tqdm bar.
The parts are joined as the local call would sum them, so the Monte Carlo is bit-identical
(scenario i depends only on the seed and i), and exposure and the stress test's PI and TTS
are identical unit by unit. Ray retries a task whose worker died; Ctrl-C cancels the tasks.

Ray is an optional extra: ``pip install 'tierwise[ray]'``.
"""

from __future__ import annotations

import os
import socket
import time
from typing import Any, Callable, Optional, Sequence

try:
    import ray
except ImportError as _e:  # pragma: no cover - exercised in a subprocess by the tests
    raise ImportError(
        "tierwise.distributed needs Ray, an optional extra of tierwise: "
        "pip install 'tierwise[ray]'"
    ) from _e

import numpy as np
import polars as pl

from tierwise._core import Network, Simulation, TierwiseError
from tierwise._progress import default_callback

__all__ = [
    "ClusterUnreachableError",
    "connect",
    "exposure",
    "mitigate",
    "simulate",
    "stress_test",
]

Progress = Optional[Callable[[int, int], object]]


class ClusterUnreachableError(TierwiseError, ConnectionError):
    """The Ray cluster at the given address did not answer within the timeout."""


def connect(address: Optional[str] = None, *, timeout: float = 15.0, **init: Any) -> None:
    """Connects to a Ray cluster (``"HOST:PORT"`` of its head, ``"ray://HOST:PORT"`` of a
    Ray client server, ``"auto"``), or starts a local one when `address` is None; `init` goes
    to ``ray.init`` (``num_cpus=2``, say). Nothing happens when Ray is running already. A head
    that does not accept a connection within `timeout` seconds raises
    ClusterUnreachableError, instead of Ray's own long retries."""
    if ray.is_initialized():
        return
    if address not in (None, "auto", "local"):
        _check_reachable(address, timeout)
    try:
        ray.init(address=address, **init)
    except ConnectionError as e:
        raise ClusterUnreachableError(f"the Ray cluster at {address!r} cannot be reached: {e}") from e


def _check_reachable(address: str, timeout: float) -> None:
    hostport = address.split("://", 1)[-1]
    host, _, port = hostport.rpartition(":")
    if not host or not port.isdigit():
        raise ValueError(f"Ray address {address!r}: expected HOST:PORT or ray://HOST:PORT")
    deadline = time.monotonic() + timeout
    last: Optional[OSError] = None
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((host, int(port)), timeout=min(2.0, timeout)):
                return
        except OSError as e:
            last = e
            time.sleep(0.2)
    raise ClusterUnreachableError(
        f"the Ray cluster at {address!r} cannot be reached within {timeout:g} s: {last}"
    )


# -- on the workers ---------------------------------------------------------------------------

_CACHE: dict[str, Network] = {}


def _network(box: list[Any]) -> Network:
    """The network behind the object ref in `box` (a list, so that Ray does not resolve it
    before the task runs), decoded once per worker process."""
    ref = box[0]
    key = ref.hex()
    net = _CACHE.get(key)
    if net is None:
        # The task's runtime env set RAYON_NUM_THREADS to the CPUs it asked for, before the
        # process started (a worker's thread pool is made once, on its first parallel call);
        # the same from the assigned resources when a caller runs the task without it.
        cpus = ray.get_runtime_context().get_assigned_resources().get("CPU", 1)
        os.environ.setdefault("RAYON_NUM_THREADS", str(max(1, int(cpus))))
        net = ray.get(ref)
        _CACHE.clear()
        _CACHE[key] = net
    return net


def _reporter(actor: Any, chunk: int) -> Optional[Callable[[int, int], None]]:
    if actor is None:
        return None
    last = [-1]

    def report(done: int, total: int) -> None:
        if done != last[0]:
            last[0] = done
            actor.report.remote(chunk, done)

    return report


@ray.remote(num_cpus=0)
class _Counter:
    """Progress of the chunks of one call, as their tasks report it."""

    def __init__(self) -> None:
        self.done: dict[int, int] = {}

    def report(self, chunk: int, done: int) -> None:
        self.done[chunk] = done

    def total(self) -> int:
        return sum(self.done.values())


@ray.remote(max_retries=3)
def _simulate_task(box: list[Any], seed: int, start: int, end: int, actor: Any, chunk: int) -> bytes:
    return _network(box)._simulate_scenarios(seed, start, end, progress=_reporter(actor, chunk))


@ray.remote(max_retries=3)
def _exposure_task(box: list[Any], unit: str, ids: list[str], rows: bool, actor: Any, chunk: int) -> pl.DataFrame:
    return _network(box)._exposure_part(unit, ids, rows=rows, progress=_reporter(actor, chunk))


@ray.remote(max_retries=3)
def _stress_task(
    box: list[Any], method: str, unit: str, chains: list[list[str]], horizon: float, actor: Any, chunk: int
) -> pl.DataFrame:
    return _network(box)._stress_part(method, unit, chains, horizon, progress=_reporter(actor, chunk))


@ray.remote(max_retries=3)
def _mitigate_part_task(box: list[Any], args: dict[str, Any], part: int, parts: int, actor: Any) -> bytes:
    return _network(box)._mitigate_part(args, part, parts, progress=_reporter(actor, part))


@ray.remote(max_retries=3)
def _mitigate_join_task(box: list[Any], args: dict[str, Any], parts: list[bytes], actor: Any, chunk: int) -> pl.DataFrame:
    return _network(box)._mitigation_from(args, parts, progress=_reporter(actor, chunk))


# -- on the caller ----------------------------------------------------------------------------


def _put(net: Network) -> list[Any]:
    if not ray.is_initialized():
        connect()
    return [ray.put(net)]


def _task_cpus(cpus_per_task: Optional[int]) -> int:
    """The CPUs a task asks for: `cpus_per_task`, else the CPUs of the smallest live node, so
    that a task fits on every node and uses all of it (docs/ray.md: one copy of the network
    and one thread pool per node, as the local call has)."""
    if cpus_per_task is not None:
        if cpus_per_task < 1:
            raise ValueError(f"cpus_per_task={cpus_per_task}: expected at least 1")
        return cpus_per_task
    sizes = [int(n["Resources"].get("CPU", 0)) for n in ray.nodes() if n.get("Alive")]
    sizes = [c for c in sizes if c > 0]
    return min(sizes) if sizes else 1


def _chunks(n: int, chunks: Optional[int], cpus: int = 1, per_slot: int = 2) -> int:
    """The number of tasks: `chunks`, else `per_slot` per task slot of the cluster (slots =
    its CPUs over the CPUs of a task; two, so that a slow node can be balanced); never more
    than `n`."""
    if chunks is None:
        total = int(ray.cluster_resources().get("CPU", 1))
        chunks = per_slot * max(1, total // max(1, cpus))
    if chunks < 1:
        raise ValueError(f"chunks={chunks}: expected at least 1")
    return max(1, min(chunks, n))


def _sized(task: Any, cpus: int) -> Any:
    """`task` asking for `cpus` CPUs, in workers whose Rust thread pool has that many threads
    (Ray starts a worker per runtime env, with its variables set before Python starts)."""
    return task.options(num_cpus=cpus, runtime_env={"env_vars": {"RAYON_NUM_THREADS": str(cpus)}})


def _split(items: Sequence[str], chunks: int) -> list[list[str]]:
    size = -(-len(items) // chunks)
    return [list(items[i : i + size]) for i in range(0, len(items), size)]


def _gather(submit: Callable[[Any], list[Any]], what: str, total: int, progress: Progress) -> list[Any]:
    """Submits the tasks (given the progress actor), shows their progress, and returns their
    results in submission order; Ctrl-C cancels every task still running."""
    cb = default_callback(what) if progress is None else progress
    actor = _Counter.remote() if cb is not None else None
    refs = submit(actor)
    pending = list(refs)
    try:
        while pending:
            _, pending = ray.wait(pending, num_returns=len(pending), timeout=0.2)
            if cb is not None:
                cb(ray.get(actor.total.remote()), total)
        return ray.get(refs)
    except KeyboardInterrupt:
        for r in refs:
            ray.cancel(r)
        raise
    finally:
        close = getattr(cb, "close", None)
        if close is not None:
            close()
        if actor is not None:
            ray.kill(actor)


def simulate(
    net: Network,
    n: int = 10_000,
    seed: int = 7,
    *,
    progress: Progress = None,
    chunks: Optional[int] = None,
    cpus_per_task: Optional[int] = None,
) -> Simulation:
    """`net.simulate(n, seed)` over Ray tasks of scenario ranges: the same Simulation, bit
    for bit. `chunks` is the number of tasks (default: two per node-sized task slot);
    `cpus_per_task` the CPUs (and Rust threads) of each (default: the smallest node's)."""
    box = _put(net)
    cpus = _task_cpus(cpus_per_task)
    k = _chunks(n, chunks, cpus)
    size = -(-n // k)
    ranges = [(s, min(s + size, n)) for s in range(0, n, size)]
    task = _sized(_simulate_task, cpus)

    def submit(actor: Any) -> list[Any]:
        return [task.remote(box, seed, s, e, actor, i) for i, (s, e) in enumerate(ranges)]

    batches = _gather(submit, "simulate", n, progress)
    return net._simulation_from(seed, batches)


def _sweep(
    net: Network, box: list[Any], unit: str, ids: list[str], rows: bool, progress: Progress,
    chunks: Optional[int], cpus: int,
) -> pl.DataFrame:
    parts = _split(ids, _chunks(len(ids), chunks, cpus)) if ids else []
    task = _sized(_exposure_task, cpus)

    def submit(actor: Any) -> list[Any]:
        return [task.remote(box, unit, p, rows, actor, i) for i, p in enumerate(parts)]

    frames = _gather(submit, "exposure", len(ids), progress)
    if not frames:
        return net._exposure_part(unit, [], rows=rows, progress=None)
    return pl.concat(frames, how="vertical")


def _scaled(df: pl.DataFrame, max_pi: float, where: Optional[str] = None) -> pl.DataFrame:
    """REI = PI / max_pi (0 where max_pi is 0, or where column `where` is false), as the local
    call has it. numpy divides element by element (polars may multiply by the reciprocal,
    which is not the same double)."""
    pi = df["pi"].to_numpy()
    rei = pi / max_pi if max_pi > 0 else np.zeros_like(pi)
    if where is not None:
        rei = np.where(df[where].to_numpy(), rei, 0.0)
    return df.with_columns(pl.Series("rei", rei, dtype=pl.Float64))


def exposure(
    net: Network,
    unit: str = "site",
    *,
    only: Optional[Sequence[str]] = None,
    rows: bool = False,
    progress: Progress = None,
    chunks: Optional[int] = None,
    cpus_per_task: Optional[int] = None,
) -> pl.DataFrame:
    """`net.exposure(unit, only=..., rows=...)` over Ray tasks of units: the same frame.
    With `only`, REI stays relative to the largest PI over every unit (as locally), which
    takes a sweep of every unit. `chunks` and `cpus_per_task` as for `simulate`."""
    box = _put(net)
    cpus = _task_cpus(cpus_per_task)
    if only is not None:
        net._stress_horizon(unit, list(only))  # refuses unknown ids before any task runs
    if rows:
        ids = list(only) if only is not None else net.units(unit)
        return _sweep(net, box, unit, ids, True, progress, chunks, cpus)
    # REI is relative to every unit of the kind, so one sweep of every unit serves `only` too.
    df = _sweep(net, box, unit, net.units(unit), False, progress, chunks, cpus)
    max_pi = float(df["pi"].max() or 0.0) if df.height else 0.0
    if only is not None:
        df = pl.DataFrame({"unit": list(only)}).join(df, on="unit", how="left", maintain_order="left")
    return _scaled(df, max_pi)


def stress_test(
    net: Network,
    method: str = "hybrid",
    *,
    unit: str = "site",
    only: Optional[Sequence[str]] = None,
    progress: Progress = None,
    chunks: Optional[int] = None,
    cpus_per_task: Optional[int] = None,
) -> pl.DataFrame:
    """`net.stress_test(method, unit=..., only=...)` over Ray tasks, each solving whole
    warm-start chains of the local run's LPs with HiGHS against the whole run's baseline
    (a warm start moves the last bits of an optimum, so the chains are kept whole): the
    same frame. `chunks` (default: one per node-sized task slot) and `cpus_per_task` as for
    `simulate`."""
    box = _put(net)
    cpus = _task_cpus(cpus_per_task)
    scope = list(only) if only is not None else None
    ids = scope if scope is not None else net.units(unit)
    horizon = net._stress_horizon(unit, scope)
    chains = net._stress_chains(unit, scope)
    # Chains are ordered by horizon; dealing them round-robin gives each task a like mix.
    # One task per slot: a chain is tens of LPs solved in order (seconds), so a task ends with
    # its last chain running on one thread while the others idle; the local run has one such
    # tail, and two tasks per slot had two (+27 % against +10 % on 2 CPUs, docs/ray.md).
    k = _chunks(len(chains), chunks, cpus, per_slot=1) if chains else 0
    parts = [chains[i::k] for i in range(k)]
    task = _sized(_stress_task, cpus)

    def submit(actor: Any) -> list[Any]:
        return [task.remote(box, method, unit, p, horizon, actor, i) for i, p in enumerate(parts)]

    frames = _gather(submit, "stress test", len(ids), progress)
    if not frames:
        return net._stress_part(method, unit, [], horizon, progress=None)
    # Back into the local call's unit order.
    position = pl.DataFrame({"unit": ids, "_at": np.arange(len(ids))})
    df = pl.concat(frames, how="vertical").join(position, on="unit").sort("_at").drop("_at")
    if method == "closed_form":
        # The closed form's REI is DESIGN 3.2's: relative to every unit of the kind.
        ref = df if only is None else _sweep(net, box, unit, net.units(unit), False, progress, chunks, cpus)
        return _scaled(df, float(ref["pi"].max() or 0.0) if ref.height else 0.0)
    exact = df.filter(pl.col("exact"))
    max_pi = float(exact["pi"].max() or 0.0) if exact.height else 0.0
    return _scaled(df, max_pi, "exact")


def mitigate(
    net: Network,
    budget: Optional[float] = None,
    *,
    unit: str = "site",
    only: Optional[Sequence[str]] = None,
    top: int = 10,
    exact: bool = False,
    check_top: int = 10,
    scenarios: int = 0,
    seed: int = 7,
    curve: bool = False,
    progress: Progress = None,
    chunks: Optional[int] = None,
    cpus_per_task: Optional[int] = None,
) -> pl.DataFrame:
    """`net.mitigate(...)` over Ray tasks: the same frame as the local call. The candidates
    are re-run in `chunks` tasks (default: two per node-sized task slot), each a share of
    them; one more task joins the parts: ranks them, runs the LP and Monte Carlo checks and
    the greedy portfolio (which re-evaluates after every pick, so it needs every proposal
    together). Each task makes the base sweep and the candidates again (docs/ray.md has
    what that costs). `cpus_per_task` as for `simulate`."""
    if curve and budget is None:
        raise ValueError("curve=True needs a budget (the curve is the portfolio's)")
    box = _put(net)
    cpus = _task_cpus(cpus_per_task)
    args: dict[str, Any] = dict(
        budget=budget, unit=unit, only=None if only is None else list(only), top=top,
        exact=exact, check_top=check_top, scenarios=scenarios, seed=seed, curve=curve,
    )
    # How many candidates there are is known only once they are made; a part past the last
    # candidate is empty, so the count is not capped here.
    k = _chunks(1 << 20, chunks, cpus)
    part_task = _sized(_mitigate_part_task, cpus)

    def submit_parts(actor: Any) -> list[Any]:
        return [part_task.remote(box, args, i, k, actor) for i in range(k)]

    parts: list[bytes] = _gather(submit_parts, "mitigate (candidates)", 0, progress)
    join_task = _sized(_mitigate_join_task, cpus)

    def submit_join(actor: Any) -> list[Any]:
        return [join_task.remote(box, args, parts, actor, 0)]

    frames: list[pl.DataFrame] = _gather(submit_join, "mitigate (portfolio)", 0, progress)
    return frames[0]
