"""Time series of the run so far, from ``model.recorder.rows`` (one row per month).

Eight panels: the AI equity index with its running peak (the gap is the drawdown), credit
spreads, defaults, credit losses, compute rent, the used-GPU price, stranded GW, and the
reported vs true leverage of hyperscalers. A red dotted line marks the crash month.
``SeriesChart`` builds the figure once per model and only updates its lines each month.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import solara
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MultipleLocator
from mesa.visualization.utils import update_counter

from experiments.plots.style import series_label
from experiments.viz.figures import PNG

if TYPE_CHECKING:
    from experiments.viz.session import VizModel

__all__ = ["PANELS", "SeriesChart", "TimeSeries", "series_caption"]

PANELS: list[tuple[str, list[tuple[str, str, float]]]] = [
    ("AI equity index (start = 1)", [("ai_index", "index", 1.0)]),
    (
        "Credit spreads (bp)",
        [("spread_ig", "investment grade", 1e4), ("spread_hy", "high yield", 1e4)],
    ),
    (series_label("defaults"), [("defaults", "defaults", 1.0)]),
    (series_label("credit_losses"), [("credit_losses", "credit losses", 1.0)]),
    (series_label("compute_rent"), [("compute_rent", "rent", 1.0)]),
    ("Used-GPU price (1 = fair value)", [("used_gpu_price", "price", 1.0)]),
    (series_label("stranded_gw"), [("stranded_gw", "stranded", 1.0)]),
    (
        "Hyperscalers' leverage, debt/(debt + equity) (%)",
        [("leverage_reported", "reported", 100.0), ("leverage_true", "true (with SPVs)", 100.0)],
    ),
]
"""(title with unit, [(series key, legend label, factor to the plotted unit)]) per panel."""

_NON_NEGATIVE = {"defaults", "credit_losses", "stranded_gw", "used_gpu_price", "compute_rent"}
_CRASH = "#C00000"


def _column(rows: list[dict[str, float]], key: str) -> np.ndarray:
    return np.array([r.get(key, np.nan) for r in rows], dtype=float)


class SeriesChart:
    """The eight panels of one model's run, built once and updated month by month."""

    def __init__(self, m: VizModel) -> None:
        self.m = m
        self.fig = Figure(figsize=(7.2, 7.0))
        self.fig.subplots_adjust(
            left=0.08, right=0.98, bottom=0.05, top=0.95, hspace=0.35, wspace=0.2
        )
        self.axes = self.fig.subplots(4, 2, sharex=True).ravel()
        year0, month0 = m.econ.start_year, m.econ.start_month
        to_year = FuncFormatter(lambda x, _: f"{year0 + int(round(x + month0 - 1)) // 12}")
        horizon = m.params.horizon_months
        self.lines: list[tuple[object, str, float]] = []
        for ax, (title, series) in zip(self.axes, PANELS, strict=True):
            ax.set_title(title, fontsize=8, y=1.0)  # a fixed y skips auto placement (fast)
            ax.tick_params(labelsize=7)
            ax.grid(alpha=0.3)
            for key, label, factor in series:
                (line,) = ax.plot([], [], lw=1.4, label=label)
                self.lines.append((line, key, factor))
            ax.set_xlim(0, max(horizon - 1, 1))
            ax.xaxis.set_major_locator(MultipleLocator(24 if horizon > 60 else 12))
            ax.xaxis.set_major_formatter(to_year)
        ax0 = self.axes[0]
        (self.peak,) = ax0.plot([], [], color="0.4", lw=1, ls="--", label="running peak")
        self.gap = ax0.fill_between([], [], [], color=_CRASH, alpha=0.2, label="drawdown")
        for ax in (ax0, self.axes[1], self.axes[7]):
            ax.legend(fontsize=7, frameon=False)
        self.crash_marked = False
        # inside the first, still empty panel: above the panels it ran into their titles
        self.hint = ax0.text(
            0.5,
            0.5,
            "No months yet: press Step or ▶",
            transform=ax0.transAxes,
            ha="center",
            va="center",
            fontsize=8,
            color="0.4",
        )

    def update(self) -> Figure:
        """Bring the lines up to the model's last month; returns the figure."""
        m = self.m
        rows = m.recorder.rows
        t = _column(rows, "tick")
        for line, key, factor in self.lines:
            line.set_data(t, factor * _column(rows, key))
        index = _column(rows, "ai_index")
        self.hint.set_visible(not rows)
        if index.size:
            peak = np.maximum.accumulate(index)
            self.peak.set_data(t, peak)
            self.gap.remove()
            self.gap = self.axes[0].fill_between(t, index, peak, color=_CRASH, alpha=0.2)
            drawdown = 100.0 * (1.0 - index[-1] / peak[-1]) if peak[-1] > 0 else 0.0
            self.axes[0].set_title(
                f"AI equity index (start = 1), drawdown now {drawdown:.0f}%", fontsize=8, y=1.0
            )
        if m.crash.month is not None and not self.crash_marked:
            for ax in self.axes:
                ax.axvline(m.crash.month, color=_CRASH, lw=1, ls=":")
            self.crash_marked = True
        for ax, (_, series) in zip(self.axes, PANELS, strict=True):
            ax.relim()
            ax.autoscale_view(scalex=False)
            if series[0][0] in _NON_NEGATIVE:  # from zero, and autoscaled again next month
                ax.set_ylim(0, max(ax.get_ylim()[1], 1e-6), auto=None)
        return self.fig


def series_caption(m: VizModel) -> str:
    """One line under the figure: how many months the series hold."""
    n = len(m.recorder.rows)
    if n == 0:
        return "Time series: 0 months recorded"
    return f"Time series: {n} months recorded, {m.calendar_month(0)} to {m.calendar_month(n - 1)}"


@solara.component
def TimeSeries(model: VizModel):  # noqa: N802 (Solara components are CamelCase)
    """SolaraViz component: the time series, updated once per month."""
    update_counter.get()
    chart = solara.use_memo(lambda: SeriesChart(model), [model])
    deps = [model, model.tick]
    fig = solara.use_memo(chart.update, deps)
    solara.FigureMatplotlib(fig, dependencies=deps, **PNG)
    solara.Text(series_caption(model), classes=["hp-caption"])
