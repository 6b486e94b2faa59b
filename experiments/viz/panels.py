"""The status banner (month, crash, knobs of the run, rejected input) and the losses panel.

The banner also carries the page's stylesheet: SolaraViz places panels on a draggable
grid of fixed-height cells; ``PAGE_CSS`` lets them flow at their natural height instead
(banner across the top, network and losses on the left, time series on the right), puts
each slider's label above the slider, and names the page's one tab ``PAGE_NAME`` (SolaraViz
labels its tabs "Page 0", "Page 1"... and takes no name for them).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import solara
from matplotlib.figure import Figure
from mesa.visualization.utils import update_counter

from experiments.plots.style import holder_label
from experiments.viz.controls import MODEL_PARAMS
from experiments.viz.figures import PNG
from experiments.viz.session import input_error

if TYPE_CHECKING:
    from experiments.viz.session import VizModel

__all__ = [
    "LossesByHolder",
    "PAGE_CSS",
    "PAGE_NAME",
    "StatusBanner",
    "crash_text",
    "draw_losses",
    "run_knobs",
    "status_text",
]

PAGE_NAME = "The economy, month by month"
"""Label of the page's tab."""

PAGE_CSS = (
    ".v-tabs .v-tab { font-size: 0; }\n"  # SolaraViz's label, "Page 0", is hidden
    f'.v-tabs .v-tab::after {{ content: "{PAGE_NAME}"; font-size: 0.875rem; }}\n'
    """
.vue-grid-layout { display: grid !important; grid-template-columns: 1fr 1fr;
                   gap: 12px; height: auto !important; }
.vue-grid-item { position: static !important; transform: none !important;
                 width: auto !important; height: auto !important; }
.vue-grid-item:nth-child(1) { grid-column: 1 / span 2; }
.vue-grid-item:nth-child(3) { grid-column: 2; grid-row: 2 / span 2; }
.vue-grid-item img { max-width: 100%; height: auto; }
.vue-grid-item > .vue-resizable-handle { display: none; }
.hp-caption { font-size: 0.85em; color: #444; padding-left: 8px; }
.v-navigation-drawer .v-input__slider .v-input__slot { flex-wrap: wrap; }
.v-navigation-drawer .v-input__slider .v-input__slot > .v-label { flex: 1 0 100%;
    height: auto; white-space: normal; }
"""
)
"""Stylesheet of the page: the tab's name, and panels in a two-column flow instead of
fixed-height cells."""


def status_text(m: VizModel) -> str:
    """'Month 12 of 120 (2025-12)', or the start before the first step."""
    if m.tick == 0:
        return f"Month 0 of {m.params.horizon_months}: before {m.calendar_month(0)}"
    return f"Month {m.tick} of {m.params.horizon_months} ({m.calendar_month(m.tick - 1)})"


def run_knobs(m: VizModel) -> str:
    """The knobs of the run on display, ``name = value`` separated by middle dots."""
    values = {**m.params.model_dump(include=set(MODEL_PARAMS)), "seed": m.seed}
    shown = (
        f"{k} = {'none' if v is None else f'{v:g}' if isinstance(v, float) else v}"
        for k, v in values.items()
    )
    return " · ".join(shown)


def crash_text(m: VizModel) -> str:
    """The crash, its month and trigger, then each crash rule that first held after it,
    with its month (a debt crash after the drawdown that ended the boom); "" before any
    crash."""
    crash = m.crash
    if crash.month is None:
        return ""
    text = (
        f"CRASH in {m.calendar_month(crash.month)} (month {crash.month + 1}): "
        f"trigger {crash.trigger.replace('_', ' ')}"
    )
    later = [(month, rule) for rule, month in crash.first_month.items() if month > crash.month]
    for month, rule in sorted(later):
        text += f"; then {_rule_held(m, rule)} in {m.calendar_month(month)} (month {month + 1})"
    return text


def _rule_held(m: VizModel, rule: str) -> str:
    """What holding crash ``rule`` means, in words, at this run's thresholds."""
    p = m.params
    return {
        "equity_drawdown": f"the AI index fell {p.crash_drawdown:.0%} below its peak",
        "credit_losses": f"credit losses reached {p.crash_credit_loss_share:.0%} of AI debt",
        "bank_failure": "a bank failed",
    }[rule]


@solara.component
def StatusBanner(model: VizModel):  # noqa: N802 (Solara components are CamelCase)
    """SolaraViz component: the month, a crash banner once a crash happened, bad input."""
    update_counter.get()
    solara.Style(PAGE_CSS)
    with solara.Column(gap="6px"):
        solara.Markdown(f"**{status_text(model)}**")
        solara.Text(f"This run: {run_knobs(model)}", style={"font-size": "0.85em"})
        if model.crash.month is not None:
            solara.Error(crash_text(model), icon="mdi-alert")
        else:
            solara.Success("No crash so far", icon="mdi-check-circle")
        if input_error.value:
            solara.Warning(input_error.value)


def draw_losses(m: VizModel) -> Figure:
    """Losses by holder so far as horizontal bars, $B, with the off-balance-sheet part."""
    by_holder = m.trace.by_holder()
    names = list(by_holder)
    values = np.array([by_holder[h] for h in names])
    off = m.trace.off_balance()
    fig = Figure(figsize=(7.2, 2.6))
    fig.subplots_adjust(left=0.27, right=0.95, bottom=0.17, top=0.88)
    ax = fig.add_subplot()
    y = np.arange(len(names))[::-1]
    ax.barh(y, values, color="#0072B2")
    ax.set_yticks(y, [holder_label(h) for h in names], fontsize=8)
    for yi, v in zip(y, values, strict=True):
        ax.annotate(
            f"{v:,.0f}", (v, yi), xytext=(3, 0), textcoords="offset points", va="center", fontsize=7
        )
    ax.set_xlabel("Losses booked so far (\\$B)", fontsize=8)
    ax.tick_params(labelsize=7)
    ax.set_xlim(0, max(values.max() * 1.15, 1.0))
    ax.grid(axis="x", alpha=0.3)
    fig.suptitle(
        f"Who holds the hot potato? Losses by holder: \\${values.sum():,.0f}B, "
        f"of which via off-balance-sheet SPVs \\${off:,.0f}B",
        fontsize=9,
        y=0.98,
    )
    return fig


@solara.component
def LossesByHolder(model: VizModel):  # noqa: N802 (Solara components are CamelCase)
    """SolaraViz component: losses by holder, redrawn when a loss is booked."""
    update_counter.get()
    deps = [model, len(model.trace)]
    fig = solara.use_memo(lambda: draw_losses(model), deps)
    solara.FigureMatplotlib(fig, dependencies=deps, **PNG)
    total = model.trace.total()
    solara.Text(f"Losses by holder: ${total:,.0f}B booked so far", classes=["hp-caption"])
