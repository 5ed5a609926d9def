import matplotlib

matplotlib.use("Agg")

import tierwise.plots as plots  # noqa: E402


def test_plots_draw(demo_kg):
    net = demo_kg.network(as_of="2026-07-01T00:00:00Z")
    e = net.exposure(progress=None)
    ax = plots.exposure_pareto(e)
    assert len(ax.patches) == 30
    ax = plots.tts_vs_ttr(e)
    assert ax.get_xlabel() == "min TTS (days)"
    sim = net.simulate(n=1000, seed=2, progress=None)
    ax = plots.loss_histogram(sim)
    assert len(ax.get_lines()) == 4
