"""Figures over calendar time: fan charts of the main series, cumulative crash probability."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from experiments.plots.data import Results, debt_crash_month
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

__all__ = ["fan_charts", "time_to_crash", "FAN_PANELS", "MAX_GROUPS", "OVERLAID_GROUPS"]

FAN_PANELS = [
    ("AI equity index", ["ai_index"]),
    ("Credit spreads", ["spread_ig", "spread_hy"]),
    ("Defaulted firms", ["defaults"]),
    ("Credit losses", ["credit_losses"]),
]
"""Panels of the fan chart: title and the series drawn in it."""

MAX_GROUPS = 6
"""Most groups drawn apart (arm and grid point); with more, they are pooled (``_grouped``)."""

OVERLAID_GROUPS = 3
"""Most groups whose fans share a panel in ``fan_charts``; with more, the bands hid each
other, so each group gets its own column."""


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


_STYLES = ["-", "--"]
"""Line styles of the first and second series of a panel (spreads: investment grade, high
yield)."""


def _fan(
    ax, rows: pd.DataFrame, present: list[str], color: str, prefix: str | None, outline: bool
) -> None:
    """Median line and 5-95% band over seeds of each series in ``present`` (solid, then
    dashed), in plotted units; with ``outline`` the band's edges are drawn as thin lines
    of its colour, so that overlapping bands stay apart. Legend labels are ``prefix`` and
    the series name."""
    for s, series in enumerate(present):
        values = rows[series] * SERIES_SCALE.get(series, 1.0)
        q = values.groupby(rows["month"]).quantile([0.05, 0.5, 0.95]).unstack()
        x = _dates(pd.Series(q.index))
        name = series_label(series) if len(present) > 1 else None
        label = ", ".join(p for p in (prefix, name) if p) or None
        ax.fill_between(x, q[0.05], q[0.95], color=color, alpha=0.15, linewidth=0)
        for edge in (0.05, 0.95) if outline else ():
            ax.plot(x, q[edge], color=color, linewidth=0.6, alpha=0.7)
        ax.plot(x, q[0.5], color=color, linestyle=_STYLES[s % 2], label=label)


def _medians(ax, ticks: pd.DataFrame, groups: list[str], present: list[str]) -> None:
    """Thin grey median line of each of ``groups`` (the other groups, for comparison)."""
    for group in groups:
        rows = ticks[ticks["group"] == group]
        for s, series in enumerate(present):
            values = rows[series] * SERIES_SCALE.get(series, 1.0)
            median = values.groupby(rows["month"]).median()
            x = _dates(pd.Series(median.index))
            ax.plot(x, median, color="0.75", linestyle=_STYLES[s % 2], linewidth=0.8, zorder=1)


def _y_label(present: list[str]) -> str:
    """Label of a panel's y axis: its series' label, or the unit shared by the spreads."""
    return series_label(present[0]) if len(present) == 1 else "Spread (bp)"


def fan_charts(results: Results) -> list[tuple[str, Figure]]:
    """Median and 5-95% band over seeds of the AI index, spreads, defaults and credit losses.

    One colour per arm and grid point; with more than six, per arm, else all runs pooled.
    Up to ``OVERLAID_GROUPS`` groups share each panel; with more, one row per series and
    one column per group, the other groups' medians in grey behind each.
    """
    wanted = [s for _, names in FAN_PANELS for s in names]
    ticks, groups = _grouped(results, results.ticks(wanted))
    apart = len(groups) > OVERLAID_GROUPS
    if apart:
        fig = new_figure(2.7 * len(groups) + 1.5, 10)
        grid = fig.subplots(len(FAN_PANELS), len(groups), sharex=True, sharey="row")
    else:
        fig = new_figure(12, 8)
        grid = fig.subplots(2, 2, sharex=True).reshape(len(FAN_PANELS), 1)
    fig.suptitle(f"What the economy looked like, month by month\n{results.subtitle()}")
    for r, (title, names) in enumerate(FAN_PANELS):
        present = [s for s in names if s in ticks.columns]
        row = grid[r]
        for g, ax in enumerate(row):
            date_axis(ax)
            if not present or ticks.empty:
                note(ax, "series not recorded")
                ax.set_title(title)
            elif apart:  # this group's fan over the others' medians
                group = groups[g]
                _medians(ax, ticks, [o for o in groups if o != group], present)
                rows = ticks[ticks["group"] == group]
                _fan(ax, rows, present, COLORS[g % len(COLORS)], None, outline=False)
                if r == 0:
                    ax.set_title(group, fontsize=9)
            else:
                for k, group in enumerate(groups):
                    prefix = group if len(groups) > 1 else None
                    rows = ticks[ticks["group"] == group]
                    _fan(ax, rows, present, COLORS[k % len(COLORS)], prefix, len(groups) > 1)
                ax.set_title(title)
        if present and not ticks.empty:
            label = _y_label(present)  # rows are low when groups are apart: two lines
            row[0].set_ylabel(label.replace(" (", "\n(", 1) if apart else label)
            if len(present) > 1 or (len(groups) > 1 and not apart):
                row[0].legend(fontsize=7, loc="best")
    for ax in grid[-1] if apart else grid[2:, 0]:
        ax.set_xlabel("Month")
    text = "Line: median over seeds; band: 5th-95th percentile."
    if apart:
        text += " One column per group; grey: the other groups' medians, for comparison."
    caption(fig, text)
    return [("fan_charts", fig)]


def time_to_crash(results: Results) -> list[tuple[str, Figure]]:
    """Share of simulations that have crashed by each month, with a 95% Wilson band, and
    dashed, where the results hold it, the share that have had a debt crash."""
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
    debt = debt_crash_month(runs)
    for g, group in enumerate(groups):
        rows = runs["group"] == group
        n = int(rows.sum())
        crashed = runs.loc[rows, "crashed"].astype(bool)
        curves = [(np.where(crashed, runs.loc[rows, "crash_month"], np.inf), "-", group)]
        if debt is not None:  # the same colour, dashed, its band fainter
            curves.append((debt[rows].fillna(np.inf).to_numpy(), "--", None))
        color = COLORS[g % len(COLORS)]
        for month, style, label in curves:
            k = (month[None, :] <= months[:, None]).sum(axis=1)
            bands = np.array([wilson(int(ki), n) for ki in k])
            alpha = 0.15 if label is not None else 0.07
            ax.fill_between(x, bands[:, 1], bands[:, 2], color=color, alpha=alpha, linewidth=0)
            ax.step(x, bands[:, 0], where="post", color=color, linestyle=style, label=label)
    ax.set_ylim(0, 1)
    date_axis(ax)
    ax.set_xlabel("Month")
    ax.set_ylabel("Share of simulations crashed by then")
    handles, labels = ax.get_legend_handles_labels()
    if debt is not None:  # one legend entry for every group's dashed line
        handles.append(Line2D([], [], color="grey", linestyle="--"))
        labels.append("dashed: debt crash")
    ax.legend(handles, labels, fontsize=8, loc="upper left")
    text = "Band: 95% Wilson interval over seeds."
    if debt is not None:
        text += (
            " Solid: a crash (any crash rule); dashed, the same colour: a debt crash (credit"
            " losses or a bank failure met their crash rule)."
        )
    caption(fig, text)
    return [("time_to_crash", fig)]
