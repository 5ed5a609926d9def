"""Plotting helpers on matplotlib: the exposure Pareto, TTS vs TTR, the Monte Carlo loss
histogram. Each returns the matplotlib Axes it drew on."""

from __future__ import annotations

from typing import Any, Optional

import numpy as np


def _axes(ax: Optional[Any]) -> Any:
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    return plt.subplots(figsize=(8, 4))[1]


def exposure_pareto(exposure: Any, top: int = 30, ax: Optional[Any] = None) -> Any:
    """Bars of REI for the `top` units and the cumulative share of PI."""
    ax = _axes(ax)
    df = exposure.sort("pi", descending=True).head(top)
    pi = df["pi"].to_numpy()
    total = float(exposure["pi"].sum()) or 1.0
    ax.bar(range(len(pi)), df["rei"].to_numpy(), color="#2b6cb0")
    ax.set_xticks(range(len(pi)), df["unit"].to_list(), rotation=90, fontsize=7)
    ax.set_ylabel("REI")
    twin = ax.twinx()
    twin.plot(range(len(pi)), np.cumsum(pi) / total, color="#c05621", marker=".")
    twin.set_ylabel("cumulative share of PI")
    twin.set_ylim(0, 1.05)
    ax.set_title("Exposure Pareto")
    return ax


def tts_vs_ttr(exposure: Any, ax: Optional[Any] = None) -> Any:
    """Each unit's minimum TTS against its TTR; units above the diagonal are exposed."""
    ax = _axes(ax)
    df = exposure.filter(exposure["min_tts_days"].is_finite())
    ttr = df["ttr_days"].to_numpy()
    tts = df["min_tts_days"].to_numpy()
    exposed = df["exposed"].to_numpy()
    ax.scatter(tts[~exposed], ttr[~exposed], s=12, color="#718096", label="covered")
    ax.scatter(tts[exposed], ttr[exposed], s=12, color="#c53030", label="exposed")
    hi = float(max(ttr.max(initial=1), tts.max(initial=1)))
    ax.plot([0, hi], [0, hi], color="black", linewidth=0.8)
    ax.set_xlabel("min TTS (days)")
    ax.set_ylabel("TTR (days)")
    ax.legend()
    ax.set_title("Time to survive vs time to recover")
    return ax


def loss_histogram(sim: Any, bins: int = 50, ax: Optional[Any] = None) -> Any:
    """The portfolio loss distribution with VaR and CVaR at 95 % and 99 %."""
    ax = _axes(ax)
    losses = sim.losses
    ax.hist(losses, bins=bins, color="#4a5568")
    s = sim.summary()
    port = s.filter(s["product"] == "portfolio").row(0, named=True)
    for key, color in (("var95", "#dd6b20"), ("cvar95", "#c05621"), ("var99", "#c53030"), ("cvar99", "#9b2c2c")):
        ax.axvline(port[key], color=color, linestyle="--", label=f"{key} {port[key]:,.0f}")
    ax.set_yscale("log")
    ax.set_xlabel("portfolio loss")
    ax.set_ylabel("scenarios")
    ax.legend()
    ax.set_title("Monte Carlo loss distribution")
    return ax
