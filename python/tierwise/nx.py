"""Export to networkx."""

from __future__ import annotations

from typing import Any


def to_networkx(net: Any) -> Any:
    """The node graph as a networkx.DiGraph: nodes are (site, part) with tier, level and
    pass_through; an edge seller -> consumer carries share, cap and inventory_days."""
    import networkx as nx

    g = nx.DiGraph()
    nodes = net.nodes()
    keys = list(zip(nodes["site"].to_list(), nodes["part"].to_list()))
    for key, row in zip(keys, nodes.iter_rows(named=True)):
        g.add_node(key, tier=row["tier"], level=row["level"], pass_through=row["pass_through"])
    for row in net.edges().iter_rows(named=True):
        if row["target"] is None:  # a supply row no node consumes carries no flow
            continue
        g.add_edge(
            keys[row["source"]],
            keys[row["target"]],
            share=row["share"],
            cap=row["cap"],
            inventory_days=row["inventory_days"],
        )
    return g
