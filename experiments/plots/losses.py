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
from experiments.plots.style import COLORS, agent_type, caption, holder_label, new_figure, note

__all__ = ["losses_by_holder", "cascade_map", "potato_flow", "MAX_FACETS"]

MAX_FACETS = 6
"""Most panels in one figure; with more grid points they are pooled."""


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
            stats = np.array([mean_ci(rows[c]) for c in holders])
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
    caption(fig, "Error bars: 95% t interval over seeds.")
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


def _flow(ax, flows: pd.Series, runs: int) -> None:
    """Draw a two-column flow diagram of ``flows`` indexed by (source, target) ($B total)."""
    per_run = flows / max(runs, 1)
    total = float(per_run.sum())
    gap = 0.02 * total
    sources = per_run.groupby(level=0).sum().sort_values(ascending=False)
    targets = per_run.groupby(level=1).sum().sort_values(ascending=False)

    def stack(sizes: pd.Series) -> dict[str, float]:
        tops, y = {}, 0.0
        for name, size in sizes.items():
            tops[name] = y
            y += size + gap
        return tops

    s_next, t_next = stack(sources), stack(targets)
    colors = {name: COLORS[i % len(COLORS)] for i, name in enumerate(sources.index)}
    for (src, dst), amount in per_run.sort_values(ascending=False).items():
        y0 = (s_next[src], s_next[src] + amount)
        y1 = (t_next[dst], t_next[dst] + amount)
        s_next[src] += amount
        t_next[dst] += amount
        _band(ax, y0, y1, colors[src])
    for x, sizes, align in ((0, sources, "right"), (1, targets, "left")):
        y = 0.0
        for name, size in sizes.items():
            ax.add_patch(Rectangle((x - 0.015, y), 0.03, size, color="0.2"))
            if size >= 0.04 * total:  # smaller nodes stay unlabelled rather than overlap
                dx = -0.03 if align == "right" else 0.03
                text = f"{name}\n${size:,.1f}B"
                ax.text(x + dx, y + size / 2, text, ha=align, va="center", fontsize=8)
            y += size + gap
    ax.set_xlim(-0.45, 1.45)
    ax.set_ylim(max(sources.sum(), targets.sum()) + gap * (max(len(sources), len(targets))), 0)
    ax.set_xticks([0, 1], ["Defaulting debtor", "Creditor taking the loss"])
    ax.set_yticks([])
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)


def _type_flows(rows: pd.DataFrame, min_share: float = 0.03) -> pd.Series:
    """Losses summed by (debtor type, creditor type); types with less than ``min_share``
    of the total on their side are merged into "other"."""
    source = rows["from"].map(agent_type)
    target = rows["to"].map(agent_type)
    total = rows["amount"].sum()
    for side in (source, target):
        share = rows["amount"].groupby(side).sum() / total
        small = set(share[share < min_share].index)
        side[side.isin(small)] = "other"
    flows = rows["amount"].groupby([source, target]).sum()
    return flows[flows > 0]


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
        left.set_title("Who passed losses to whom" + (f" ({arm})" if arm else ""))
        right.set_title("Losses by cascade round" + (f" ({arm})" if arm else ""))
        if rows.empty or not {"from", "to", "amount"} <= set(rows.columns):
            note(left, "no losses booked")
            note(right, "no losses booked")
            continue
        _flow(left, _type_flows(rows), n)
        if "round" in rows:
            table = rows.pivot_table(
                index="round",
                columns="holder" if "holder" in rows else "to",
                values="amount",
                aggfunc="sum",
                fill_value=0.0,
            ) / max(n, 1)
            bottom = np.zeros(len(table))
            for i, col in enumerate(table.columns):
                right.bar(
                    table.index,
                    table[col],
                    bottom=bottom,
                    color=COLORS[i % 10],
                    label=holder_label(str(col)),
                )
                bottom += table[col].to_numpy()
            right.set_xticks(table.index)
            right.set_xlabel("Cascade round within the month")
            right.set_ylabel("Mean loss per simulation ($B)")
            right.legend(fontsize=7)
        else:
            note(right, "cascade rounds not recorded")
    return [("cascade_map", fig)]


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
    channels = sorted(losses["channel"].astype(str).unique())
    colors = {c: COLORS[i % len(COLORS)] for i, c in enumerate(channels)}
    holders = list(losses.groupby("holder")["amount"].sum().sort_values(ascending=False).index)
    widest = 0.0
    for r, arm in enumerate(arms):
        rows = losses if arm is None else losses[losses["arm"] == arm]
        n = len(runs) if arm is None else int((runs["arm"] == arm).sum())
        for c, off in enumerate((False, True)):
            ax = axes[r, c]
            where = "off balance sheet (SPVs)" if off else "on balance sheet"
            ax.set_title(f"Losses {where}" + (f" ({arm})" if arm else ""))
            part = rows[rows["off_balance"].astype(bool) == off]
            if part.empty:
                note(ax, "no losses booked")
                continue
            table = part.pivot_table(
                index="holder", columns="channel", values="amount", aggfunc="sum", fill_value=0.0
            ).reindex(holders, fill_value=0.0) / max(n, 1)
            left = np.zeros(len(table))
            ys = np.arange(len(table))
            for channel in table.columns:
                ax.barh(
                    ys, table[channel], left=left, color=colors[str(channel)], label=str(channel)
                )
                left += table[channel].to_numpy()
            widest = max(widest, float(left.max()))
            ax.set_yticks(ys, [holder_label(str(h)) for h in table.index], fontsize=8)
            ax.invert_yaxis()
            ax.set_xlabel("Mean loss per simulation ($B)")
            ax.legend(title="channel", fontsize=7)
    for ax in axes.ravel():
        if ax.get_xticks().size and widest > 0:
            ax.set_xlim(0, widest * 1.05)
    caption(
        fig, "Same scale in every panel. Channel: the contract through which the loss was booked."
    )
    return [("potato_flow", fig)]
