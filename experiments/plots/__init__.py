"""Figures of a run folder, drawn from its stored results alone.

``draw(run_dir)`` reads ``manifest.json`` and the Parquet tables and writes each figure
the experiment's definition asks for to ``figures/`` as PNG and SVG. Nothing here imports
the simulation (``model``): results can be plotted on a machine without it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from matplotlib.figure import Figure

from experiments.plots.crash import (
    cost_vs_crash,
    crash_probability,
    knob_response,
    paired_differences,
    phase_diagram,
)
from experiments.plots.data import Results
from experiments.plots.losses import cascade_map, losses_by_holder, potato_flow
from experiments.plots.origins import crash_origins
from experiments.plots.series import fan_charts, time_to_crash
from experiments.plots.style import save

__all__ = ["draw", "FIGURE_FUNCTIONS"]

FIGURE_FUNCTIONS: dict[str, Callable[[Results], list[tuple[str, Figure]]]] = {
    "fan_charts": fan_charts,
    "crash_probability": crash_probability,
    "time_to_crash": time_to_crash,
    "crash_origins": crash_origins,
    "phase_diagram": phase_diagram,
    "knob_response": knob_response,
    "losses_by_holder": losses_by_holder,
    "cascade_map": cascade_map,
    "potato_flow": potato_flow,
    "paired_differences": paired_differences,
    "cost_vs_crash": cost_vs_crash,
}
"""Figure name (as in a definition's ``figures``) -> function drawing it."""


def draw(run_dir: Path) -> list[Path]:
    """Draw every figure of the run folder ``run_dir`` into ``run_dir/figures``.

    Returns
    -------
    list of Path
        The files written (a PNG and an SVG per figure).
    """
    run_dir = Path(run_dir)
    results = Results(run_dir)
    folder = run_dir / "figures"
    written: list[Path] = []
    for name in results.config["figures"]:
        if name == "gai_kapadia":
            from experiments.gai_kapadia import plot

            written += plot(run_dir)
            continue
        for stem, fig in FIGURE_FUNCTIONS[name](results):
            written += save(fig, folder, stem)
    return written
