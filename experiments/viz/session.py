"""The model as the page runs it: one per browser session, kept when new input is bad.

SolaraViz's Reset builds a new model as ``type(model)(**params)``. ``VizModel``'s metaclass
catches a ``ScenarioError`` there (a knob out of range, unreadable text), stores the
message in ``input_error`` for the page to show, and hands back the session's current
model, so the page keeps the last valid model and the server carries on.
"""

from __future__ import annotations

from typing import Any

import solara
from solara.toestand import KernelStoreFactory

from experiments.viz.controls import DEFAULT_SEED, parse_inputs
from experiments.viz.layout import NodeLayout
from model.hotpotato import HotPotatoModel
from model.scenario import ScenarioError

__all__ = ["VizModel", "current_model", "input_error"]

input_error: solara.Reactive[str | None] = solara.reactive(None)
"""Message about the last rejected input of this session (None when the input was valid)."""


class _KeepLastValid(type):
    """Metaclass: building a model from bad input returns the session's current model."""

    def __call__(cls, **params: Any) -> VizModel:
        try:
            model = super().__call__(**parse_inputs(params))
        except ScenarioError as err:
            input_error.set(f"Input not applied — {err}. The page keeps the last valid model.")
            return current_model.value
        input_error.set(None)
        return model


class VizModel(HotPotatoModel, metaclass=_KeepLastValid):
    """``HotPotatoModel`` with the network layout the page draws (placed once per node)."""

    def __init__(self, *, seed: int | None = DEFAULT_SEED, **kwargs: Any) -> None:
        # ``**kwargs`` (the scenario knobs), so named because SolaraViz's parameter check
        # accepts any keyword only under that name.
        super().__init__(seed=seed, **kwargs)
        self.layout = NodeLayout(self)


current_model: solara.Reactive[VizModel] = solara.Reactive(KernelStoreFactory(VizModel))
"""This session's model: built with the defaults when a session first reads it."""
