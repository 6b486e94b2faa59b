"""Where the crashes start: which crash rule fired, and which firm defaulted first."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

from experiments.plots.data import Results
from experiments.plots.style import COLORS, caption, new_figure, note

__all__ = ["crash_origins", "origin_shares"]

TRIGGER_LABELS = {
    "equity_drawdown": "AI index drawdown",
    "credit_losses": "Credit losses",
    "bank_failure": "Bank failure",
}
"""Readable names of the crash rules in ``runs.parquet``'s ``trigger`` column."""

MOST_NAMED = 6
"""First defaulters named in the legend; the rest are drawn together as "other"."""

_NONE_COLOR = "0.85"


def trigger_label(trigger: str) -> str:
    """``"equity_drawdown+credit_losses"`` -> ``"AI index drawdown + credit losses"``; ``""``
    (no crash) -> ``"No crash"``."""
    if not trigger:
        return "No crash"
    names = [TRIGGER_LABELS.get(t, t.replace("_", " ")) for t in trigger.split("+")]
    return " + ".join([names[0], *(n[0].lower() + n[1:] for n in names[1:])])


def origin_shares(runs: pd.DataFrame, column: str, groups: list[str]) -> pd.DataFrame:
    """Share of each group's runs (rows, in the order of ``groups``) by value of
    ``column`` (columns, the most frequent overall first, ``""`` last)."""
    counts = pd.crosstab(runs["group"], runs[column]).reindex(groups, fill_value=0)
    order = counts.sum().sort_values(ascending=False, kind="stable").index.tolist()
    if "" in order:
        order = [v for v in order if v != ""] + [""]
    return counts[order].div(counts.sum(axis=1), axis=0)


def _fold_rest(shares: pd.DataFrame, keep: int) -> pd.DataFrame:
    """The first ``keep`` named columns, the other named ones summed as ``"other"``, and
    ``""`` (none) last."""
    named = [c for c in shares.columns if c != ""]
    if len(named) <= keep + 1:  # folding one name into "other" would hide it for nothing
        return shares
    folded = shares[named[:keep]].copy()
    folded["other"] = shares[named[keep:]].sum(axis=1)
    if "" in shares:
        folded[""] = shares[""]
    return folded


def _stacked(ax, shares: pd.DataFrame, labels: list[str]) -> None:
    """Horizontal bars of ``shares`` stacked left to right, one bar per group; the share of
    none (column ``""``) in grey."""
    ys = np.arange(len(shares))
    left = np.zeros(len(shares))
    for k, (column, label) in enumerate(zip(shares.columns, labels, strict=True)):
        width = shares[column].to_numpy()
        color = _NONE_COLOR if column == "" else COLORS[k % len(COLORS)]
        ax.barh(ys, width, left=left, color=color, label=label)
        for y, x0, w in zip(ys, left, width, strict=True):
            if w >= 0.06:
                ax.text(x0 + w / 2, y, f"{w:.0%}", ha="center", va="center", fontsize=8)
        left += width
    ax.set_yticks(ys, list(shares.index))
    ax.set_xlim(0, 1)
    ax.xaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_xlabel("Share of simulations")
    # below the axis label, whatever the panel's height (the pad is in font sizes)
    ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, 0.0), borderaxespad=4.0, ncols=3)


def crash_origins(results: Results) -> list[tuple[str, Figure]]:
    """Per arm and grid point: the share of simulations by the crash rule that fired (or
    none), and by the first firm to default (by the crash month; without a crash, in the
    whole run)."""
    runs = results.runs
    groups = results.groups()
    fig = new_figure(13, 3.2 + 0.4 * max(len(groups), 1))
    ax_rule, ax_first = fig.subplots(1, 2, sharey=True)
    ax_rule.invert_yaxis()  # the first group on top (the panels share the axis)
    fig.suptitle(f"Where the crashes start\n{results.subtitle()}")
    ax_rule.set_title("What set the crash off")
    ax_first.set_title("Who defaulted first, by the crash month")
    if runs.empty:
        note(ax_rule, "no completed simulations")
        note(ax_first, "no completed simulations")
        return [("crash_origins", fig)]
    rules = origin_shares(runs, "trigger", groups)
    _stacked(ax_rule, rules, [trigger_label(t) for t in rules.columns])
    first = _fold_rest(origin_shares(runs, "first_defaulter", groups), MOST_NAMED)
    _stacked(ax_first, first, [name or "No default by then" for name in first.columns])
    caption(
        fig,
        "First to default: by the month of the crash, or over the whole run when there is "
        'none. The crash rules: docs/model.md, "The crash rule and the crash record".',
    )
    return [("crash_origins", fig)]
