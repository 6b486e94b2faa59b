"""Labels with units, colours, and saving figures as PNG and SVG (Agg, no pyplot state)."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path
from typing import Any

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

__all__ = [
    "KNOB_LABELS",
    "SERIES_LABELS",
    "SERIES_SCALE",
    "HOLDER_LABELS",
    "COLORS",
    "CHANNEL_COLORS",
    "HOLDER_COLORS",
    "channel_color",
    "holder_color",
    "knob_label",
    "series_label",
    "holder_label",
    "agent_type",
    "new_figure",
    "save",
    "note",
    "caption",
    "date_axis",
]

KNOB_LABELS = {
    "ai_payoff": "AI revenue ceiling ($B/year)",
    "obs_share": "Off-balance-sheet share of data-center debt",
    "vendor_financing": "Vendor financing",
    "gpu_economic_life_years": "GPU economic life (years)",
    "gpu_accounting_life_years": "GPU accounting life (years)",
    "grid_growth_gw_per_month": "New grid capacity (GW per month)",
    "guarantees": "Government loan guarantees",
    "bailouts": "Bank bailouts",
    "energy_subsidy": "Energy subsidy (share of power bill)",
    "lehman_month": "Month the largest lab is cut off",
    "horizon_months": "Horizon (months)",
    "z": "Average degree z (links per bank)",
}
"""Axis labels of knobs, with units."""

SERIES_LABELS = {
    "ai_index": "AI equity index (start = 1)",
    "ai_index_drawdown": "AI index drawdown from peak (share)",
    "spread_ig": "Investment-grade spread (bp)",
    "spread_hy": "High-yield spread (bp)",
    "defaults": "Defaulted firms (cumulative count)",
    "credit_losses": "Cumulative credit losses ($B)",
    "compute_rent": "Compute rent ($B per GW-month)",
    "used_gpu_price": "Used-GPU price index",
    "stranded_gw": "Stranded data centers (GW)",
    "leverage_reported": "Reported leverage",
    "leverage_true": "True leverage (with SPVs)",
    "debtrank_max": "Largest DebtRank",
}
"""Axis labels of per-month series, with units."""

SERIES_SCALE = {"spread_ig": 1e4, "spread_hy": 1e4}
"""Factor from a stored series to its plotted unit (spreads: decimal -> basis points)."""

HOLDER_LABELS = {
    "banks": "Banks",
    "funds": "Funds (and their households)",
    "hyperscalers": "Hyperscalers",
    "chip_vendor": "Chip vendor",
    "lab_investors": "Labs' investors",
    "government": "Government (taxpayers)",
}
"""Names of the holders of losses."""

COLORS = [
    "#1f77b4",
    "#d62728",
    "#2ca02c",
    "#ff7f0e",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#7f7f7f",
    "#bcbd22",
    "#17becf",
]
"""Qualitative palette (matplotlib tab10)."""

CHANNEL_COLORS = {
    "loan": "#1f77b4",
    "bond": "#ff7f0e",
    "spv lease": "#9467bd",
    "equity": "#2ca02c",
    "vendor financing": "#d62728",
    "compute contract": "#17becf",
    "nav loan": "#8c564b",
    "payable": "#bcbd22",
    "fire sale": "#e377c2",
    "guarantee": "#393b79",
    "deposit insurance": "#7b4173",
    "bailout": "#637939",
    "residual value": "#8c6d31",
}
"""Colour of each loss channel (``losses.parquet``'s ``channel``), the same in every figure."""

HOLDER_COLORS = {
    "banks": "#1f77b4",
    "funds": "#ff7f0e",
    "hyperscalers": "#2ca02c",
    "chip_vendor": "#d62728",
    "lab_investors": "#9467bd",
    "government": "#8c564b",
}
"""Colour of each holder of losses, the same in every figure."""

_OTHER_COLOR = "#7f7f7f"

_SUFFIX = re.compile(r"[_\-\s]*\d+(?:[_\-\s]+\d+)*$")


def knob_label(name: str) -> str:
    """Axis label of a knob."""
    return KNOB_LABELS.get(name, name.replace("_", " "))


def series_label(name: str) -> str:
    """Axis label of a per-month series."""
    return SERIES_LABELS.get(name, name.replace("_", " "))


def holder_label(name: str) -> str:
    """Readable name of a holder of losses (``loss_`` prefix allowed)."""
    key = name.removeprefix("loss_")
    return HOLDER_LABELS.get(key, key.replace("_", " ").capitalize())


def channel_color(channel: str) -> str:
    """Fixed colour of a loss channel (grey for one not in ``CHANNEL_COLORS``)."""
    return CHANNEL_COLORS.get(str(channel), _OTHER_COLOR)


def holder_color(name: str) -> str:
    """Fixed colour of a holder of losses (``loss_`` prefix allowed)."""
    return HOLDER_COLORS.get(str(name).removeprefix("loss_"), _OTHER_COLOR)


def agent_type(agent_id: Any) -> str:
    """Type of an agent from its id: ``"lab_2"`` -> ``"lab"``, ``"SPV 13"`` -> ``"SPV"``,
    ``"SPV Meta-like 2 2026"`` -> ``"SPV Meta-like"``."""
    text = str(agent_id)
    return _SUFFIX.sub("", text) or text


def new_figure(width: float, height: float) -> Figure:
    """A figure drawn by the Agg renderer, independent of pyplot's global state."""
    fig = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def save(fig: Figure, folder: Path, name: str) -> list[Path]:
    """Write ``name.png`` (150 dpi) and ``name.svg`` into ``folder``; return both paths."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = [folder / f"{name}.png", folder / f"{name}.svg"]
    fig.savefig(paths[0], dpi=150)
    fig.savefig(paths[1])
    return paths


def note(ax, text: str) -> None:
    """Write ``text`` in the middle of an empty panel."""
    ax.text(0.5, 0.5, text, ha="center", va="center", transform=ax.transAxes, color="0.4")
    ax.set_xticks([])
    ax.set_yticks([])


def caption(fig: Figure, text: str) -> None:
    """A small note under the figure, with room kept for it by the layout; lines longer
    than the figure is wide are wrapped."""
    width = max(40, int(fig.get_figwidth() * 15))  # characters of 8-point text per line
    lines = [textwrap.fill(line, width) for line in text.split("\n")]
    fig.supxlabel("\n".join(lines), fontsize=8, x=0.01, ha="left", color="0.3")


def date_axis(ax) -> None:
    """Readable calendar months on the x axis."""
    import matplotlib.dates as mdates

    locator = mdates.AutoDateLocator(minticks=4, maxticks=10)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
