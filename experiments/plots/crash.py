"""Figures of crash probability: by arm and grid point, phase diagram, response to a knob,
against taxpayer cost, and paired differences between arms (common random numbers)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

from experiments.plots.data import Results, debt_crashed, format_value
from experiments.plots.stats import error_bars, mean_ci, wilson
from experiments.plots.style import (
    COLORS,
    caption,
    holder_color,
    holder_label,
    knob_label,
    new_figure,
    note,
)

__all__ = [
    "crash_table",
    "crash_probability",
    "phase_diagram",
    "knob_response",
    "cost_vs_crash",
    "paired_differences",
]


def crash_table(results: Results, keys: list[str]) -> pd.DataFrame:
    """Per group of ``keys``: runs, crash probability with its 95% Wilson interval,
    median crash month (months from the start, crashed runs only), mean losses ($B) and,
    where the results hold it, the debt-crash probability (``p_debt``, ``debt_crashed``)
    with its interval."""
    runs = results.runs
    rows = []
    grouped = runs.groupby(keys, sort=False, dropna=False) if keys else [((), runs)]
    for values, part in grouped:
        values = values if isinstance(values, tuple) else (values,)
        crashed = part["crashed"].astype(bool)
        p, lo, hi = wilson(int(crashed.sum()), len(part))
        row = dict(zip(keys, values, strict=True))
        row.update(runs=len(part), p=p, lo=lo, hi=hi)
        row["crash_month_median"] = float(part.loc[crashed, "crash_month"].median())
        row["crash_month_q25"] = float(part.loc[crashed, "crash_month"].quantile(0.25))
        row["crash_month_q75"] = float(part.loc[crashed, "crash_month"].quantile(0.75))
        debt = debt_crashed(part)
        if debt is not None:
            p, lo, hi = wilson(int(debt.sum()), len(part))
            row.update(p_debt=p, lo_debt=lo, hi_debt=hi)
        for col in [*results.holder_columns, "loss_total"]:
            if col in part:
                row[col] = float(part[col].mean())
        rows.append(row)
    return pd.DataFrame(rows)


def _missing(value) -> bool:
    """A grid value of ``none`` (``None`` in the manifest, null or NaN in the tables)."""
    return value is None or (isinstance(value, (float, np.floating)) and np.isnan(value))


def _numeric(values) -> bool:
    return all(
        isinstance(v, (int, float, np.integer, np.floating))
        and not isinstance(v, bool)
        and not _missing(v)
        for v in values
    )


def _key(value):
    """``value`` as a key comparable between the manifest and the tables (``none`` -> None,
    numbers -> float)."""
    if _missing(value):
        return None
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
        return float(value)
    return value


def _x_positions(values: list, grid: list | None = None) -> tuple[np.ndarray, list[str] | None]:
    """Positions of ``values`` on the x axis and, for categories, the tick labels of
    ``grid`` (the knob's values in definition order). Numbers are placed by value; a knob
    with a value that is not a number (``none``, ``true``, a name) is drawn as categories
    in the order of ``grid``, one tick per grid value."""
    grid = list(values) if grid is None else list(grid)
    if _numeric(values) and _numeric(grid):
        return np.asarray(values, dtype=float), None
    order: dict = {}
    for v in grid:
        order.setdefault(_key(v), len(order))
    for v in values:
        order.setdefault(_key(v), len(order))
    xs = np.array([order[_key(v)] for v in values], dtype=float)
    labels = [format_value(v) for v in dict.fromkeys(order)]
    return xs, labels


def _lines(results: Results) -> tuple[str | None, list[str]]:
    """The x-axis knob (first grid axis) and the keys that split lines."""
    grid = results.grid_keys
    x = grid[0] if grid else None
    series = (["arm"] if results.arm_names else []) + grid[1:]
    return x, series


def _draw_lines(
    ax,
    table: pd.DataFrame,
    x: str,
    series: list[str],
    results: Results,
    y,
    band,
    *,
    what: str | None = None,
    dashed: bool = False,
):
    """One line of ``y`` against ``x`` per group of ``series`` (error bars from the
    columns ``band``); ``what`` names the quantity in the legend, ``dashed`` draws a
    second quantity on the same axes."""
    parts = list(table.groupby(series, sort=False, dropna=False)) if series else [((), table)]
    grid = results.config["grid"][x]
    order = {_key(v): i for i, v in enumerate(grid)}
    for i, (key, part) in enumerate(parts):
        part = part.assign(_o=part[x].map(lambda v: order.get(_key(v), 0))).sort_values("_o")
        xs, labels = _x_positions(list(part[x]), grid)
        span = float(np.ptp(xs)) or 1.0
        dodge = (i - (len(parts) - 1) / 2) * 0.012 * span  # keeps equal values apart
        dodge += 0.004 * span if dashed else 0.0  # and the second quantity off the first
        color = COLORS[i % len(COLORS)]
        key = key if isinstance(key, tuple) else (key,)
        label = results.group_label(dict(zip(series, key, strict=True)), series) if series else None
        if what is not None:
            label = what if label is None else f"{label}: {what}"
        yerr = None
        if band:
            yerr = error_bars(part[y], part[band[0]], part[band[1]])
        ax.errorbar(
            xs + dodge,
            part[y],
            yerr=yerr,
            marker="s" if dashed else "o",
            linestyle="--" if dashed else "-",
            color=color,
            capsize=3,
            label=label,
        )
        if labels:
            ax.set_xticks(np.arange(len(labels)), labels)
            ax.set_xlim(-0.5, len(labels) - 0.5)
    ax.set_xlabel(knob_label(x))
    if series or what is not None:
        ax.legend(fontsize=8)


def crash_probability(results: Results) -> list[tuple[str, Figure]]:
    """Crash probability by arm and grid point, with 95% Wilson intervals, and beside it
    the debt-crash probability (credit losses or a bank failure met their crash rule)
    where the results hold it."""
    x, series = _lines(results)
    fig = new_figure(9, 5.5)
    ax = fig.subplots()
    ax.set_title(f"How likely is a crash within the horizon?\n{results.subtitle()}")
    if results.runs.empty:
        note(ax, "no completed simulations")
        return [("crash_probability", fig)]
    table = crash_table(results, results.group_keys)
    debt = "p_debt" in table
    if x is not None:
        _probability_lines(ax, table, x, series, results)
    else:
        _crash_bars(ax, table, debt)
    ax.set_ylim(0, 1.1)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_ylabel("Probability" if debt else "Crash probability")
    text = "Error bars: 95% Wilson interval over seeds."
    if debt:
        text += (
            " Crash: any crash rule. Debt crash: credit losses or a bank failure met their"
            " rule, before or after a drawdown."
        )
    caption(fig, text)
    return [("crash_probability", fig)]


def _probability_lines(ax, table: pd.DataFrame, x: str, series: list[str], results: Results):
    """Crash probability against ``x``, one line per group of ``series``, and the
    debt-crash probability dashed where the results hold it."""
    debt = "p_debt" in table
    _draw_lines(ax, table, x, series, results, "p", ("lo", "hi"), what="crash" if debt else None)
    if debt:
        bands = ("lo_debt", "hi_debt")
        _draw_lines(ax, table, x, series, results, "p_debt", bands, what="debt crash", dashed=True)


def _crash_bars(ax, table: pd.DataFrame, debt: bool) -> None:
    """One bar of crash probability per arm (or for all runs), and beside it the
    debt-crash probability if ``debt``; each annotated with its interval."""
    labels = list(table["arm"]) if "arm" in table else ["all runs"]
    xs = np.arange(len(table), dtype=float)
    kinds = [("p", "lo", "hi", "crash")]
    if debt:
        kinds.append(("p_debt", "lo_debt", "hi_debt", "debt crash"))
    width = 0.8 / len(kinds)
    for k, (p, lo, hi, name) in enumerate(kinds):
        at = xs + (k - (len(kinds) - 1) / 2) * width
        colors = COLORS[k] if debt else [COLORS[i % 10] for i in range(len(xs))]
        ax.bar(at, table[p], width=width * 0.95, color=colors, alpha=0.8, label=name)
        err = error_bars(table[p], table[lo], table[hi])
        ax.errorbar(at, table[p], yerr=err, fmt="none", ecolor="black", capsize=6)
        for xi, v, top, bottom in zip(at, table[p], table[hi], table[lo], strict=True):
            ax.annotate(
                f"{v:.0%}\n[{bottom:.0%}, {top:.0%}]",
                (xi, top),
                textcoords="offset points",
                xytext=(0, 4),
                ha="center",
                fontsize=8,
            )
    ax.set_xticks(xs, labels)
    if debt:
        ax.legend(fontsize=8, loc="lower right")


def phase_diagram(results: Results) -> list[tuple[str, Figure]]:
    """Crash probability, debt-crash probability (where the results hold it) and median
    time to crash over the first two grid axes (one row of panels per arm), each
    probability with its 50% contour. A drawdown that ends a boom is a crash by the
    default rules; the debt-crash panel shows where the losses on the debt, or a bank
    failure, followed within the horizon."""
    grid = results.grid_keys
    if len(grid) < 2 or results.runs.empty:
        fig = new_figure(13, 5.5)
        note(fig.subplots(), "a phase diagram needs two grid knobs and completed simulations")
        return [("phase_diagram", fig)]
    debt = debt_crashed(results.runs) is not None
    fig = new_figure(19 if debt else 13, 5.5 * max(1, len(results.arm_names)))
    gx, gy = grid[0], grid[1]
    xs, ys = results.config["grid"][gx], results.config["grid"][gy]
    arms = results.arm_names or [None]
    fig.suptitle(f"Where is the threshold?\n{results.subtitle()}")
    table = crash_table(results, results.group_keys)
    columns = ["p", "p_debt", "crash_month_median"] if debt else ["p", "crash_month_median"]
    axes = np.atleast_2d(fig.subplots(len(arms), len(columns), squeeze=False))
    for r, arm in enumerate(arms):
        part = table if arm is None else table[table["arm"] == arm]
        cells = {c: np.full((len(ys), len(xs)), np.nan) for c in columns}
        for row in part.itertuples(index=False):
            i = [_key(v) for v in ys].index(_key(getattr(row, gy)))
            j = [_key(v) for v in xs].index(_key(getattr(row, gx)))
            for c in columns:
                cells[c][i, j] = getattr(row, c)
        for ax, column in zip(axes[r], columns, strict=True):
            title, cmap, unit, vmax = _PHASE_PANELS[column]
            image = ax.imshow(
                np.ma.masked_invalid(cells[column]),
                origin="lower",
                aspect="auto",
                cmap=cmap,
                vmin=0.0,
                vmax=vmax,
            )
            fig.colorbar(image, ax=ax, label=unit)
            p = cells["p_debt" if column == "p_debt" else "p"]
            if np.isfinite(p).all() and p.min() < 0.5 < p.max() and min(p.shape) > 1:
                contour = ax.contour(p, levels=[0.5], colors="black", linewidths=2)
                ax.clabel(contour, fmt={0.5: "50%"}, fontsize=8)
            ax.set_xticks(range(len(xs)), [format_value(v) for v in xs])
            ax.set_yticks(range(len(ys)), [format_value(v) for v in ys])
            ax.set_xlabel(knob_label(gx))
            ax.set_ylabel(knob_label(gy))
            ax.set_title(title + (f" ({arm})" if arm else ""))
    caption(
        fig,
        "Black line: 50% of runs. Crash: any crash rule, the first month one holds. Debt "
        "crash: credit losses or a bank failure met their rule, before or after a drawdown. "
        "Blank cells in the time panel: no crash.",
    )
    return [("phase_diagram", fig)]


_PHASE_PANELS = {
    "p": ("Crash probability", "Reds", "probability", 1.0),
    "p_debt": ("Debt-crash probability", "Purples", "probability", 1.0),
    "crash_month_median": ("Median time to crash", "viridis_r", "months from 2025-01", None),
}
"""Title, colour map, colour-bar label and top of the scale of each phase-diagram panel."""


def knob_response(results: Results) -> list[tuple[str, Figure]]:
    """Crash probability (and debt-crash probability, dashed, where the results hold it),
    time to crash and losses against the first grid knob."""
    x, series = _lines(results)
    fig = new_figure(15, 5)
    axes = fig.subplots(1, 3)
    fig.suptitle(f"Response to {knob_label(x) if x else 'the knob'}\n{results.subtitle()}")
    if x is None or results.runs.empty:
        for ax in axes:
            note(ax, "needs a grid knob and completed simulations")
        return [("knob_response", fig)]
    table = crash_table(results, results.group_keys)
    _probability_lines(axes[0], table, x, series, results)
    axes[0].set_ylim(0, 1.05)  # room for the markers at 100%
    axes[0].yaxis.set_major_formatter(PercentFormatter(1.0))
    what = "Crash and debt-crash probability" if "p_debt" in table else "Crash probability"
    axes[0].set_ylabel("Probability" if "p_debt" in table else "Crash probability")
    axes[0].set_title(f"{what} (95% Wilson interval)")
    if table["crash_month_median"].notna().any():
        _draw_lines(
            axes[1],
            table,
            x,
            series,
            results,
            "crash_month_median",
            ("crash_month_q25", "crash_month_q75"),
        )
    else:
        note(axes[1], "no simulation crashed")
    axes[1].set_ylabel("Months from 2025-01 to the crash")
    axes[1].set_title("Time to crash (median; bars: quartiles)")
    ax = axes[2]
    if series:
        _draw_lines(ax, table, x, series, results, "loss_total", None)
        ax.set_title("Mean total losses per simulation")
    else:
        grid = results.config["grid"][x]
        order = {_key(v): i for i, v in enumerate(grid)}
        table = table.assign(_o=table[x].map(lambda v: order.get(_key(v), 0))).sort_values("_o")
        xs, labels = _x_positions(list(table[x]), grid)
        width = 0.8 * (np.min(np.diff(xs)) if len(xs) > 1 else 1.0)
        bottom = np.zeros(len(table))
        for col in results.holder_columns:
            color = holder_color(col)
            ax.bar(xs, table[col], width, bottom=bottom, color=color, label=holder_label(col))
            bottom += table[col].to_numpy()
        if bottom.max() > 0:  # an empty bar on top would stop the margin at the top bar
            ax.set_ylim(0, 1.05 * bottom.max())
        if labels:
            ax.set_xticks(np.arange(len(labels)), labels)
        ax.set_xlabel(knob_label(x))
        ax.legend(fontsize=7)
        ax.set_title("Mean losses per simulation, by holder")
    ax.set_ylabel("$B")
    return [("knob_response", fig)]


def cost_vs_crash(results: Results) -> list[tuple[str, Figure]]:
    """Crash probability against the taxpayers' cost, per arm and grid point."""
    fig = new_figure(9, 6)
    ax = fig.subplots()
    ax.set_title(f"What does a backstop buy, and what does it cost?\n{results.subtitle()}")
    runs = results.runs
    if runs.empty or "taxpayer_cost" not in runs:
        note(ax, "no completed simulations with a taxpayer cost")
        return [("cost_vs_crash", fig)]
    for i, (group, part) in enumerate(runs.groupby("group", sort=False)):
        p, lo, hi = wilson(int(part["crashed"].astype(bool).sum()), len(part))
        cost, clo, chi = mean_ci(part["taxpayer_cost"], bounds=(0.0, np.inf))
        color = COLORS[i % len(COLORS)]
        ax.errorbar(
            cost,
            p,
            xerr=error_bars(cost, clo, chi),
            yerr=error_bars(p, lo, hi),
            fmt="o",
            color=color,
            capsize=5,
            markersize=8,
            label=group,
        )
    ax.set_xlabel("Taxpayers' cost: mean government outlays per simulation ($B)")
    ax.set_ylabel("Crash probability")
    ax.set_ylim(-0.05, 1.05)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.legend(fontsize=8)
    caption(
        fig,
        "Outlays: guarantees paid, bailouts, deposit insurance, energy subsidy.\n"
        "Error bars: 95% intervals (Wilson for probability, t for cost, cut at zero: "
        "outlays are never negative).",
    )
    return [("cost_vs_crash", fig)]


_PAIRED = [
    ("crashed", "Crash probability", "percentage points", 100.0, (-100.0, 100.0)),
    ("loss_total", "Total losses", "$B per simulation", 1.0, (-np.inf, np.inf)),
    ("taxpayer_cost", "Taxpayers' cost (outlays)", "$B per simulation", 1.0, (-np.inf, np.inf)),
]
"""Panels of ``paired_differences``: column, title, unit, scale to the unit and the values
a difference can take (a difference of probabilities lies within ±100 points)."""


def paired_differences(results: Results) -> list[tuple[str, Figure]]:
    """Each arm minus the reference arm, seed by seed (common random numbers), with 95%
    t intervals of the mean paired difference."""
    arms = results.arm_names
    fig = new_figure(14, 5)
    axes = fig.subplots(1, len(_PAIRED), sharey=True)
    ref = arms[0] if arms else None
    fig.suptitle(
        f"Difference from the reference arm '{ref}', same seeds\n{results.subtitle()}"
        if ref
        else "Paired differences need arms"
    )
    runs = results.runs
    if len(arms) < 2 or runs.empty:
        for ax in axes:
            note(ax, "needs two arms and completed simulations")
        return [("paired_differences", fig)]
    keys = ["seed", *results.grid_keys]
    base = runs[runs["arm"] == ref]
    comparisons = []
    for arm in arms[1:]:
        merged = runs[runs["arm"] == arm].merge(base, on=keys, suffixes=("", "_ref"))
        for point, part in (
            merged.groupby(results.grid_keys, sort=False, dropna=False)
            if results.grid_keys
            else [((), merged)]
        ):
            point = point if isinstance(point, tuple) else (point,)
            label = results.group_label(
                {"arm": arm, **dict(zip(results.grid_keys, point, strict=True))}
            )
            comparisons.append((label, part))
    for ax, (col, title, unit, scale, bounds) in zip(axes, _PAIRED, strict=True):
        ys = np.arange(len(comparisons))
        for y, (_, part) in zip(ys, comparisons, strict=True):
            if col not in part:
                continue
            diff = (part[col].astype(float) - part[f"{col}_ref"].astype(float)) * scale
            mean, lo, hi = mean_ci(diff, bounds=bounds)
            color = COLORS[0] if hi < 0 else COLORS[1] if lo > 0 else "0.4"
            ax.errorbar(mean, y, xerr=error_bars(mean, lo, hi), fmt="o", color=color, capsize=4)
        ax.axvline(0.0, color="black", linewidth=0.8)
        if ax is axes[0]:
            ax.set_yticks(ys, [label for label, _ in comparisons], fontsize=8)
            ax.invert_yaxis()
        ax.set_title(f"{title}: difference")
        ax.set_xlabel(unit)
    caption(
        fig,
        "Point: mean paired difference over seeds; bar: 95% t interval (for crash "
        "probability cut at ±100 points). Blue: significantly lower, red: significantly higher.",
    )
    return [("paired_differences", fig)]
