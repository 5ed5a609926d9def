"""tierwise: knowledge-graph risk analytics for multi-tier supply chains.

>>> import tierwise as tw
>>> kg = tw.KnowledgeGraph()                       # or tw.KnowledgeGraph.open("tierwise.db")
>>> _ = kg.load_tables("data/demo")                # CSV/Parquet folder or dict of DataFrames
>>> net = kg.network(as_of="2026-07-01T00:00:00Z")
>>> exposure = net.exposure(unit="site", progress=None)
>>> float(exposure["rei"].max())
1.0
"""

import os
import pathlib

from tierwise._core import (
    DataQualityError,
    EventError,
    GovernanceError,
    KnowledgeGraph,
    Network,
    PolicyError,
    QueryError,
    Simulation,
    SolverError,
    StoreError,
    TierwiseError,
    UnknownUnitError,
    __version__,
    generate,
    verify_log,
    willems,
)



def report(
    network: Network, out_dir: "str | os.PathLike[str]", *, scenarios: "int | None" = None, seed: int = 7
) -> pathlib.Path:
    """Writes the batch risk report of `network` to `out_dir` (index.html, a Parquet and a
    CSV file per result table, summary.json) and returns the path of index.html.

    >>> import tempfile
    >>> kg = KnowledgeGraph(); _ = kg.load_tables("data/demo")
    >>> net = kg.network(as_of="2026-07-01T00:00:00Z")
    >>> report(net, tempfile.mkdtemp(), scenarios=500).name
    'index.html'
    """
    return pathlib.Path(network.report(out_dir, scenarios=scenarios, seed=seed))


__all__ = [
    "DataQualityError",
    "EventError",
    "GovernanceError",
    "KnowledgeGraph",
    "Network",
    "PolicyError",
    "QueryError",
    "Simulation",
    "SolverError",
    "StoreError",
    "TierwiseError",
    "UnknownUnitError",
    "__version__",
    "generate",
    "verify_log",
    "report",
    "willems",
]
