"""The SolaraViz page of hotpotato: ``solara run experiments/viz/app.py`` (or ``hotpotato viz``).

The sidebar holds the knobs of ``model.scenario.Scenario`` (labels, units and ranges from
the scenario) and SolaraViz's Step, ▶/❚❚ and Reset; Reset builds a new model from the
knobs. The main area shows the month and a crash banner, the exposure network, the time
series and the losses by holder. Importing this module builds no model: each browser
session gets its own, on first display.
"""

from __future__ import annotations

from mesa.visualization import SolaraViz

from experiments.viz.controls import MODEL_PARAMS
from experiments.viz.network import ExposureNetwork
from experiments.viz.panels import LossesByHolder, StatusBanner
from experiments.viz.series import TimeSeries
from experiments.viz.session import current_model

__all__ = ["page"]

COMPONENTS = [StatusBanner, ExposureNetwork, TimeSeries, LossesByHolder]
"""The panels of the main area, top to bottom."""

page = SolaraViz(
    current_model,
    components=[(c, 0) for c in COMPONENTS],
    model_params=MODEL_PARAMS,
    name="hotpotato: who holds the hot potato of the AI-infrastructure boom",
    play_interval=150,
)
