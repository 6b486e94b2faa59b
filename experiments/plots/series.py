"""Figures over calendar time: fan charts of the main series, cumulative crash probability."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from experiments.plots.data import Results
from experiments.plots.stats import wilson
from experiments.plots.style import (
    COLORS,
    SERIES_SCALE,
    caption,
    date_axis,
    new_figure,
    note,
    series_label,
)

__all__ = ["fan_charts", "time_to_crash", "FAN_PANELS", "MAX_GROUPS"]

FAN_PANELS = [
    ("AI equity index", ["ai_index"]),
    ("Credit spreads", ["spread_ig", "spread_hy"]),
    ("Defaulted firms", ["defaults"]),
    ("Credit losses", ["credit_losses"]),
]
"""Panels of the fan chart: title and the series drawn in it."""

MAX_GROUPS = 6
"""Most groups overlaid in one panel; with more, all runs are pooled."""


def _dates(months: pd.Series) -> pd.Series:
    return pd.to_datetime(months.astype(str), format="%Y-%m")


def _grouped(results: Results, frame: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """``frame`` with its ``group`` column coarsened to at most ``MAX_GROUPS`` groups:
    arm and grid point, else arm alone (grid pooled), else all runs pooled."""
    groups = results.groups()
    if len(groups) <= MAX_GROUPS:
        return frame, groups
    arms = results.arm_names
    if arms and len(arms) <= MAX_GROUPS:
        arm_of = results.runs.set_index("run_index")["arm"]
        return frame.assign(group=frame["run_index"].map(arm_of)), arms
    return frame.assign(group="all runs"), ["all runs"]


def fan_charts(results: Results) -> list[tuple[str, Figure]]:
    """Median and 5-95% band over seeds of the AI index, spreads, defaults and credit losses.

    One colour per arm and grid point; with more than six, per arm, else all runs pooled.
    """
    wanted = [s for _, names in FAN_PANELS for s in names]
    ticks, groups = _grouped(results, results.ticks(wanted))
    fig = new_figure(12, 8)
    axes = fig.subplots(2, 2, sharex=True).ravel()
    fig.suptitle(f"What the economy looked like, month by month\n{results.subtitle()}")
    for ax, (title, names) in zip(axes, FAN_PANELS, strict=True):
        present = [s for s in names if s in ticks.columns]
        ax.set_title(title)
        if not present or ticks.empty:
            note(ax, "series not recorded")
            continue
        styles = ["-", "--"]
        for g, group in enumerate(groups):
            rows = ticks[ticks["group"] == group]
            for s, series in enumerate(present):
                values = rows[series] * SERIES_SCALE.get(series, 1.0)
                q = values.groupby(rows["month"]).quantile([0.05, 0.5, 0.95]).unstack()
                x = _dates(pd.Series(q.index))
                color = COLORS[g % len(COLORS)]
                name = series_label(series) if len(present) > 1 else None
                label = ", ".join(p for p in (group if len(groups) > 1 else None, name) if p)
                ax.fill_between(x, q[0.05], q[0.95], color=color, alpha=0.15, linewidth=0)
                ax.plot(x, q[0.5], color=color, linestyle=styles[s % 2], label=label or None)
        ax.set_ylabel(series_label(present[0]) if len(present) == 1 else "Spread (bp)")
        date_axis(ax)
        if len(groups) > 1 or len(present) > 1:
            ax.legend(fontsize=7, loc="best")
    for ax in axes[2:]:
        ax.set_xlabel("Month")
    caption(fig, "Line: median over seeds; band: 5th-95th percentile.")
    return [("fan_charts", fig)]


def time_to_crash(results: Results) -> list[tuple[str, Figure]]:
    """Share of simulations that have crashed by each month, with a 95% Wilson band."""
    runs, groups = _grouped(results, results.runs)
    horizon = results.horizon
    months = np.arange(horizon)
    fig = new_figure(9, 5.5)
    ax = fig.subplots()
    ax.set_title(f"When does it crash?\n{results.subtitle()}")
    if runs.empty or results.start_month is None or horizon == 0:
        note(ax, "no completed simulations")
        return [("time_to_crash", fig)]
    x = pd.date_range(results.start_month + "-01", periods=horizon, freq="MS")
    for g, group in enumerate(groups):
        rows = runs[runs["group"] == group]
        crash_month = np.where(rows["crashed"].astype(bool), rows["crash_month"], np.inf)
        k = (crash_month[None, :] <= months[:, None]).sum(axis=1)
        bands = np.array([wilson(int(ki), len(rows)) for ki in k])
        color = COLORS[g % len(COLORS)]
        ax.fill_between(x, bands[:, 1], bands[:, 2], color=color, alpha=0.15, linewidth=0)
        ax.step(x, bands[:, 0], where="post", color=color, label=group)
    ax.set_ylim(0, 1)
    date_axis(ax)
    ax.set_xlabel("Month")
    ax.set_ylabel("Share of simulations crashed by then")
    ax.legend(fontsize=8, loc="upper left")
    caption(fig, "Band: 95% Wilson interval over seeds.")
    return [("time_to_crash", fig)]
