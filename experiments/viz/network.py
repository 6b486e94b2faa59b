"""The exposure network: who carries a claim on whom, drawn on the stable layout.

Nodes are agents, coloured by type; their area grows with |equity| (book value, $B), a
red rim marks negative equity and an X a default. Lines join creditor and debtor of the
claims carried in the ledger (debt and equity stakes, summed per pair), wider for larger
claims; off-balance-sheet claims (on an SPV, or flagged off balance) are dashed orange.
World, the rest of the economy, is left out.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import solara
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from mesa.visualization.utils import update_counter

from experiments.viz.figures import PNG
from model.ledger import WORLD, Sector

if TYPE_CHECKING:
    from experiments.viz.session import VizModel

__all__ = ["ExposureNetwork", "SECTOR_STYLE", "draw_network", "edges", "network_caption"]

SECTOR_STYLE = {
    Sector.BANK: ("Bank", "#0072B2"),
    Sector.FUND: ("Fund", "#56B4E9"),
    Sector.HYPERSCALER: ("Hyperscaler", "#009E73"),
    Sector.SPV: ("SPV (off balance sheet)", "#E69F00"),
    Sector.LAB: ("AI lab", "#CC79A7"),
    Sector.CHIP_VENDOR: ("Chip vendor", "#D55E00"),
    Sector.GOVERNMENT: ("Government", "#999999"),
    Sector.GRID: ("Grid", "#F0E442"),
}
"""Legend label and colour of each agent type (Okabe–Ito palette)."""

_OFF_COLOR = "#E69F00"


def edges(m: VizModel) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Claims summed per (creditor, debtor, off balance sheet): four arrays, World left out.

    Returns creditor, debtor, amount ($B) and a bool array that is True for claims on an
    SPV or flagged off balance sheet.
    """
    ledger = m.ledger
    creditor, debtor, amount = ledger.exposures()
    flagged = ledger.column("off_balance")[ledger.carried() > 0]
    sectors = ledger.sector_array()
    off = flagged | (sectors[debtor] == Sector.SPV)
    keep = (creditor != WORLD) & (debtor != WORLD)
    n = ledger.n_accounts
    key = (creditor[keep].astype(np.int64) * n + debtor[keep]) * 2 + off[keep]
    uniq, inverse = np.unique(key, return_inverse=True)
    total = np.bincount(inverse, weights=amount[keep])
    pair, is_off = np.divmod(uniq, 2)
    return pair // n, pair % n, total, is_off.astype(bool)


def _legend_handles() -> list:
    handles = [
        Line2D([], [], ls="", marker="o", ms=8, mfc=color, mec="k", label=label)
        for label, color in SECTOR_STYLE.values()
    ]
    handles += [
        Line2D(
            [], [], ls="", marker="o", ms=8, mfc="w", mec="#C00000", mew=2, label="Negative equity"
        ),
        Line2D([], [], ls="", marker="x", ms=8, color="#C00000", mew=2, label="Defaulted"),
        Line2D([], [], color="0.45", lw=2, label="Claim on balance sheet"),
        Line2D([], [], color=_OFF_COLOR, lw=2, ls="--", label="Claim off balance sheet"),
    ]
    return handles


def draw_network(m: VizModel) -> Figure:
    """The exposure network of ``m`` this month as a matplotlib figure."""
    xy = m.layout.positions()
    fig = Figure(figsize=(7.2, 4.6))
    ax = fig.add_axes((0.0, 0.0, 0.77, 0.9))
    creditor, debtor, amount, off = edges(m)
    if amount.size:
        width = 0.3 + 4.0 * np.sqrt(amount / amount.max())
        segments = np.stack([xy[creditor], xy[debtor]], axis=1)
        for mask, color, style, alpha in (
            (~off, "0.45", "solid", 0.35),
            (off, _OFF_COLOR, "--", 0.7),
        ):
            ax.add_collection(
                LineCollection(
                    segments[mask],
                    linewidths=width[mask],
                    colors=color,
                    linestyles=style,
                    alpha=alpha,
                    zorder=1,
                )
            )
    accounts = np.arange(1, m.ledger.n_accounts)
    sectors = m.ledger.sector_array()[accounts]
    equity = m.equity()[accounts]
    size = 25.0 + 500.0 * np.sqrt(np.abs(equity) / max(np.abs(equity).max(), 1e-9))
    face = [SECTOR_STYLE[Sector(s)][1] for s in sectors]
    rim = np.where(equity < -1e-6, "#C00000", "k")
    ax.scatter(
        xy[accounts, 0],
        xy[accounts, 1],
        s=size,
        c=face,
        edgecolors=rim,
        linewidths=np.where(equity < -1e-6, 2.0, 0.6),
        zorder=2,
    )
    dead = np.array([a in m.defaulted for a in accounts])
    if dead.any():
        ax.scatter(
            xy[accounts[dead], 0],
            xy[accounts[dead], 1],
            marker="x",
            s=120,
            c="#C00000",
            linewidths=2.5,
            zorder=3,
        )
    # a name sits just above its node: a marker's area is in points², its radius √area / 2
    lift = np.sqrt(size) / 2 + 1.5
    for k in np.flatnonzero(sectors != Sector.SPV):
        a = accounts[k]
        ax.annotate(
            m.ledger.names[a],
            xy[a],
            xytext=(0, lift[k]),
            textcoords="offset points",
            ha="center",
            fontsize=7.5,
            zorder=4,
        )
    ax.set_xlim(-0.07, 1.07)
    ax.set_ylim(-0.04, 1.04)
    ax.set_axis_off()
    month = m.calendar_month(max(m.tick - 1, 0))
    ax.set_title(
        f"Exposure network, {month}\nLines: claims between creditor and debtor, width ∝ "
        "√claim (\\$B). Node area ∝ √|equity|.",
        fontsize=8,
        y=1.0,
    )
    fig.legend(
        handles=_legend_handles(),
        loc="upper right",
        fontsize=7,
        frameon=False,
        title="Agent type / state",
        title_fontsize=8,
    )
    return fig


def network_caption(m: VizModel) -> str:
    """One line under the figure: what the network holds this month."""
    _, _, amount, off = edges(m)
    return (
        f"Exposure network: {m.ledger.n_accounts - 1} agents ({len(m.spvs)} SPVs, "
        f"{len(m.defaulted)} defaulted), {amount.size} claims of ${amount.sum():,.0f}B, "
        f"of which off balance sheet ${amount[off].sum():,.0f}B"
    )


@solara.component
def ExposureNetwork(model: VizModel):  # noqa: N802 (Solara components are CamelCase)
    """SolaraViz component: the exposure network, redrawn once per month."""
    update_counter.get()
    deps = [model, model.tick]
    fig = solara.use_memo(lambda: draw_network(model), deps)
    solara.FigureMatplotlib(fig, dependencies=deps, **PNG)
    solara.Text(network_caption(model), classes=["hp-caption"])
