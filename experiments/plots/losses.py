"""Figures of who loses: losses by holder, the cascade map (who passed losses to whom),
and the hot potato (losses by holder and channel, on and off balance sheet)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import PathPatch, Rectangle
from matplotlib.path import Path as MplPath

from experiments.plots.data import Results
from experiments.plots.stats import error_bars, mean_ci
from experiments.plots.style import (
    CHANNEL_COLORS,
    COLORS,
    agent_type,
    caption,
    channel_color,
    holder_color,
    holder_label,
    new_figure,
    note,
)

__all__ = [
    "losses_by_holder",
    "cascade_map",
    "potato_flow",
    "kept",
    "cascade_flows",
    "round_table",
    "potato_table",
    "MAX_FACETS",
]

MAX_FACETS = 6
"""Most panels in one figure; with more grid points they are pooled."""


def kept(losses: pd.DataFrame) -> pd.Series:
    """What each row's holder ends with ($B): ``amount − passed_on`` (the part it passed on
    to its own creditors when it failed is booked again on their rows). Tables stored
    before ``passed_on`` existed count ``amount``."""
    amount = losses["amount"].astype(float)
    if "passed_on" not in losses:
        return amount
    return amount - losses["passed_on"].astype(float).fillna(0.0)


def _facets(results: Results) -> tuple[list[str], list]:
    grid = results.grid_keys
    runs = results.runs
    if not grid:
        return [], [((), runs)]
    parts = list(runs.groupby(grid, sort=False, dropna=False))
    if len(parts) > MAX_FACETS:
        return [], [((), runs)]
    return grid, parts


def losses_by_holder(results: Results) -> list[tuple[str, Figure]]:
    """Mean losses per simulation by holder ($B, 95% t interval), one bar per arm,
    one panel per grid point."""
    keys, facets = _facets(results)
    holders = results.holder_columns
    fig = new_figure(6 * min(3, len(facets)) + 1, 4.8 * int(np.ceil(len(facets) / 3)))
    axes = np.atleast_1d(fig.subplots(int(np.ceil(len(facets) / 3)), min(3, len(facets))))
    axes = axes.ravel()
    fig.suptitle(f"Who bears the losses?\n{results.subtitle()}")
    arms = results.arm_names or [None]
    for ax, (point, part) in zip(axes, facets, strict=False):
        point = point if isinstance(point, tuple) else (point,)
        ax.set_title(results.group_label(dict(zip(keys, point, strict=True)), keys))
        if part.empty or not holders:
            note(ax, "no completed simulations")
            continue
        width = 0.8 / len(arms)
        xs = np.arange(len(holders))
        for a, arm in enumerate(arms):
            rows = part if arm is None else part[part["arm"] == arm]
            stats = np.array([mean_ci(rows[c], bounds=(0.0, np.inf)) for c in holders])
            offset = (a - (len(arms) - 1) / 2) * width
            ax.bar(xs + offset, stats[:, 0], width, color=COLORS[a % 10], label=arm)
            ax.errorbar(
                xs + offset,
                stats[:, 0],
                yerr=error_bars(stats[:, 0], stats[:, 1], stats[:, 2]),
                fmt="none",
                ecolor="black",
                capsize=2,
                linewidth=0.8,
            )
        ax.set_xticks(xs, [holder_label(c) for c in holders], rotation=30, ha="right", fontsize=8)
        ax.set_ylabel("Mean loss per simulation ($B)")
        if arm is not None:
            ax.legend(fontsize=7)
    for ax in axes[len(facets) :]:
        ax.set_visible(False)
    caption(
        fig,
        "Error bars: 95% t interval over seeds, cut at zero (a loss is never negative). "
        "Labs' investors: every holder of equity in an "
        "AI lab, the chip vendor's and hyperscalers' stakes included (cascade_map names them).",
    )
    return [("losses_by_holder", fig)]


def _band(ax, y0: tuple[float, float], y1: tuple[float, float], color: str) -> None:
    """A band from the left column (x=0, y0 = bottom/top) to the right column (x=1)."""
    c = 0.5
    verts = [
        (0, y0[0]),
        (c, y0[0]),
        (1 - c, y1[0]),
        (1, y1[0]),
        (1, y1[1]),
        (1 - c, y1[1]),
        (c, y0[1]),
        (0, y0[1]),
        (0, y0[0]),
    ]
    codes = [
        MplPath.MOVETO,
        MplPath.CURVE4,
        MplPath.CURVE4,
        MplPath.CURVE4,
        MplPath.LINETO,
        MplPath.CURVE4,
        MplPath.CURVE4,
        MplPath.CURVE4,
        MplPath.CLOSEPOLY,
    ]
    ax.add_patch(PathPatch(MplPath(verts, codes), facecolor=color, alpha=0.45, lw=0))


def _flow(ax, flows: pd.Series, min_label: float = 0.04) -> None:
    """Draw a two-column flow diagram of ``flows`` indexed by (source, target) ($B); nodes
    smaller than ``min_label`` of the total, or too close to the label above, are left
    unlabelled."""
    total = float(flows.sum())
    gap = 0.02 * total
    sources = flows.groupby(level=0).sum().sort_values(ascending=False)
    targets = flows.groupby(level=1).sum().sort_values(ascending=False)

    def stack(sizes: pd.Series) -> dict[str, float]:
        tops, y = {}, 0.0
        for name, size in sizes.items():
            tops[name] = y
            y += size + gap
        return tops

    s_next, t_next = stack(sources), stack(targets)
    colors = {name: COLORS[i % len(COLORS)] for i, name in enumerate(sources.index)}
    for (src, dst), amount in flows.sort_values(ascending=False).items():
        y0 = (s_next[src], s_next[src] + amount)
        y1 = (t_next[dst], t_next[dst] + amount)
        s_next[src] += amount
        t_next[dst] += amount
        _band(ax, y0, y1, colors[src])
    bottom = max(sources.sum(), targets.sum()) + gap * (max(len(sources), len(targets)))
    ax.set_xlim(-0.45, 1.45)
    ax.set_ylim(bottom, 0)
    # a two-line label needs about 24 points (the axis height before the final layout)
    height = ax.get_window_extent().height * 72 / ax.figure.dpi
    spacing = bottom * 24 / max(height, 1.0)
    for x, sizes, align in ((0, sources, "right"), (1, targets, "left")):
        y, below = 0.0, -np.inf
        for name, size in sizes.items():
            ax.add_patch(Rectangle((x - 0.015, y), 0.03, size, color="0.2"))
            middle = y + size / 2
            # a node too small for its label, or whose label would overlap the one above,
            # stays unlabelled
            if size >= min_label * total and middle - below >= spacing:
                dx = -0.03 if align == "right" else 0.03
                text = f"{name}\n${size:,.1f}B"
                ax.text(x + dx, middle, text, ha=align, va="center", fontsize=8)
                below = middle
            y += size + gap
    ax.set_xticks([0, 1], ["Where the loss arose", "Who took the loss"])
    ax.set_yticks([])
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)


def cascade_flows(rows: pd.DataFrame, runs: int, min_share: float = 0.03) -> pd.Series:
    """Losses kept by creditors (``amount − passed_on``), mean $B per simulation over
    ``runs`` simulations, by (debtor type, creditor type); types with less than
    ``min_share`` of the total on their side are merged into "other". Each dollar is
    counted once: what a failed creditor passed on appears as its own flows to its
    creditors, so the flows add up to the mean ``loss_total``."""
    value = kept(rows)
    source = rows["from"].map(agent_type)
    target = rows["to"].map(agent_type)
    total = value.sum()
    for side in (source, target):
        share = value.groupby(side).sum() / total if total > 0 else value.groupby(side).sum()
        small = set(share[share < min_share].index)
        side[side.isin(small)] = "other"
    flows = value.groupby([source, target]).sum() / max(runs, 1)
    return flows[flows > 0]


def round_table(rows: pd.DataFrame, runs: int) -> pd.DataFrame:
    """Losses kept by each holder (columns) by cascade round (index), mean $B per
    simulation over ``runs`` simulations; summed over rounds, a holder's column is its
    mean ``loss_*`` in ``runs.parquet``."""
    column = "holder" if "holder" in rows else "to"
    table = rows.assign(_kept=kept(rows)).pivot_table(
        index="round", columns=column, values="_kept", aggfunc="sum", fill_value=0.0
    )
    return table / max(runs, 1)


def cascade_map(results: Results) -> list[tuple[str, Figure]]:
    """The cascade: losses passed from each type of debtor to each type of creditor
    (band width: mean $B per simulation), and losses by cascade round, per arm."""
    losses = results.losses
    arms = results.arm_names or [None]
    fig = new_figure(15, 5.2 * len(arms))
    axes = np.atleast_2d(fig.subplots(len(arms), 2, squeeze=False, width_ratios=[2, 1]))
    fig.suptitle(f"How the losses cascade\n{results.subtitle()}")
    runs = results.runs
    for r, arm in enumerate(arms):
        rows = losses if arm is None else losses[losses["arm"] == arm]
        n = len(runs) if arm is None else int((runs["arm"] == arm).sum())
        left, right = axes[r]
        left.set_title("Who passed losses to whom, and who kept them" + (f"\n{arm}" if arm else ""))
        right.set_title("Losses kept, by cascade round" + (f"\n{arm}" if arm else ""))
        if rows.empty or not {"from", "to", "amount"} <= set(rows.columns):
            note(left, "no losses booked")
            note(right, "no losses booked")
            continue
        _flow(left, cascade_flows(rows, n))
        if "round" in rows:
            table = round_table(rows, n)
            bottom = np.zeros(len(table))
            for col in table.columns:
                right.bar(
                    table.index,
                    table[col],
                    bottom=bottom,
                    color=holder_color(str(col)),
                    label=holder_label(str(col)),
                )
                bottom += table[col].to_numpy()
            if bottom.max() > 0:  # an empty bar on top would stop the margin at the top bar
                right.set_ylim(0, 1.05 * bottom.max())
            right.set_xticks(table.index)
            right.set_xlabel("Cascade round within the month")
            right.set_ylabel("Mean loss per simulation ($B)")
            right.legend(fontsize=7)
        else:
            note(right, "cascade rounds not recorded")
    caption(
        fig,
        "Band width and totals: losses kept by the creditor (amount booked less what it passed "
        "on to its own creditors when it failed), mean $B per simulation. What a failed "
        "creditor passed on leaves it as its own bands, so each dollar is counted once and the "
        "holders' totals are those of losses_by_holder. Nodes too small for a label are left "
        "unlabelled.",
    )
    return [("cascade_map", fig)]


def potato_table(rows: pd.DataFrame, runs: int, off_balance: bool) -> pd.DataFrame:
    """Losses kept (``amount − passed_on``) on (``off_balance=False``) or off balance sheet,
    by holder (index) and channel (columns, in ``CHANNEL_COLORS`` order), mean $B per
    simulation over ``runs`` simulations. The two tables summed over channels give each
    holder's mean ``loss_*`` in ``runs.parquet``."""
    part = rows[rows["off_balance"].astype(bool) == off_balance]
    table = (
        kept(part)
        .groupby([part["holder"].astype(str), part["channel"].astype(str)])
        .sum()
        .unstack(fill_value=0.0)
    ) / max(runs, 1)
    order = {c: i for i, c in enumerate(CHANNEL_COLORS)}
    columns = sorted(table.columns, key=lambda c: (order.get(c, len(order)), c))
    return table[columns]


def potato_flow(results: Results) -> list[tuple[str, Figure]]:
    """Who holds the hot potato: losses by holder and channel, on and off balance sheet
    (mean $B per simulation; one row per arm)."""
    losses = results.losses
    arms = results.arm_names or [None]
    fig = new_figure(14, 3.5 * len(arms) + 1.0)
    axes = np.atleast_2d(fig.subplots(len(arms), 2, squeeze=False))
    fig.suptitle(f"Who is left holding the hot potato?\n{results.subtitle()}")
    runs = results.runs
    needed = {"holder", "channel", "off_balance", "amount"}
    if not needed <= set(losses.columns):
        for ax in axes.ravel():
            note(ax, "no losses booked")
        return [("potato_flow", fig)]
    holders = list(kept(losses).groupby(losses["holder"]).sum().sort_values(ascending=False).index)
    widest = 0.0
    for r, arm in enumerate(arms):
        rows = losses if arm is None else losses[losses["arm"] == arm]
        n = len(runs) if arm is None else int((runs["arm"] == arm).sum())
        for c, off in enumerate((False, True)):
            ax = axes[r, c]
            where = "Off balance sheet (SPVs)" if off else "On balance sheet"
            ax.set_title(where + (f"\n{arm}" if arm else ""))
            table = potato_table(rows, n, off).reindex(holders, fill_value=0.0)
            table = table.loc[:, table.sum() > 0]  # a channel without losses here: no key
            if table.empty or not (table.to_numpy() > 0).any():
                note(ax, "no losses kept")
                continue
            left = np.zeros(len(table))
            ys = np.arange(len(table))
            for channel in table.columns:
                ax.barh(ys, table[channel], left=left, color=channel_color(channel), label=channel)
                left += table[channel].to_numpy()
            widest = max(widest, float(left.max()))
            ax.set_yticks(ys, [holder_label(str(h)) for h in table.index], fontsize=8)
            ax.invert_yaxis()
            ax.set_xlabel("Mean loss kept per simulation ($B)")
            ax.legend(title="channel", fontsize=7)
    for ax in axes.ravel():
        if ax.get_xticks().size and widest > 0:
            ax.set_xlim(0, widest * 1.05)
    caption(
        fig,
        "Losses kept: amount booked less what the holder passed on to its own creditors when "
        "it failed (as in losses_by_holder). Same scale in every panel. Channel: the contract "
        "through which the loss was booked.",
    )
    return [("potato_flow", fig)]
