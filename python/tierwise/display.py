"""Rich display in Jupyter: `_repr_html_` of the knowledge graph, the network and results."""

from __future__ import annotations

import html
from typing import Any


def _table(rows: list[tuple[str, Any]]) -> str:
    body = "".join(
        f"<tr><th style='text-align:left'>{html.escape(str(k))}</th><td>{html.escape(str(v))}</td></tr>"
        for k, v in rows
    )
    return f"<table>{body}</table>"


def knowledge_graph_html(kg: Any) -> str:
    loads = kg.loads()
    graphs = loads["graph"].n_unique() if loads.height else 0
    rows = [
        ("store", kg.path or "in memory"),
        ("quads", len(kg)),
        ("loads", graphs),
        ("files", loads.height),
    ]
    return "<div><strong>tierwise KnowledgeGraph</strong>" + _table(rows) + "</div>"


def network_html(net: Any) -> str:
    s = net.sizes
    p = net.provenance
    rows = [
        ("sites", s["sites"]),
        ("nodes (site, part)", s["nodes"]),
        ("supply edges", s["edges"]),
        ("products rows", s["products"]),
        ("deepest tier", s["max_tier"]),
        ("unmapped depth", s["unmapped"]),
        ("policy", f"{p['policy_version']} ({p['policy_sha256'][:12]})"),
    ]
    tiers = net.tiers()["tier"].value_counts().sort("tier")
    tier_rows = ", ".join(f"tier {t}: {c}" for t, c in tiers.iter_rows())
    risk = net.risk().sort("p_fail", descending=True).head(5)
    top = "".join(
        f"<tr><td>{html.escape(r['site_id'])}</td><td>{html.escape(r['country'])}</td><td>{r['p_fail']:.4f}</td></tr>"
        for r in risk.iter_rows(named=True)
    )
    return (
        "<div><strong>tierwise Network</strong>"
        + _table(rows)
        + f"<p>{html.escape(tier_rows)}</p>"
        + "<p>Top intrinsic risks</p><table><tr><th>site</th><th>country</th><th>p_fail</th></tr>"
        + top
        + "</table></div>"
    )


def simulation_html(sim: Any) -> str:
    s = sim.summary()
    port = s.filter(s["product"] == "portfolio").row(0, named=True)
    rows = [
        ("scenarios", sim.scenarios),
        ("seed", sim.seed),
        ("expected loss", f"{port['expected_loss']:,.0f}"),
        ("VaR 95 / CVaR 95", f"{port['var95']:,.0f} / {port['cvar95']:,.0f}"),
        ("VaR 99 / CVaR 99", f"{port['var99']:,.0f} / {port['cvar99']:,.0f}"),
        ("P(some product short)", f"{port['p_short']:.3f}"),
    ]
    return "<div><strong>tierwise Simulation</strong>" + _table(rows) + "</div>"
