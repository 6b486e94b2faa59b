"""Controls of the page: the knobs of ``model.scenario.Scenario`` as SolaraViz ``model_params``.

Labels, defaults and ranges come from the scenario's field metadata, so the page shows the
same units and bounds that validation enforces. Sliders cannot leave their range; the
typed inputs (``lehman_month``, ``seed``) arrive as text and are parsed by ``parse_inputs``.
"""

from __future__ import annotations

from typing import Any

from model.scenario import KNOBS, ScenarioError

__all__ = ["DEFAULT_SEED", "MODEL_PARAMS", "bounds", "parse_inputs"]

DEFAULT_SEED = 1

_SLIDER_STEPS = {
    "ai_payoff": 1.0,
    "obs_share": 0.05,
    "gpu_economic_life_years": 0.5,
    "gpu_accounting_life_years": 0.5,
    "grid_growth_gw_per_month": 0.25,
    "energy_subsidy": 0.05,
}
_UNITS = {
    "ai_payoff": "$B/year",
    "obs_share": "share of new DC debt",
    "gpu_economic_life_years": "years",
    "gpu_accounting_life_years": "years",
    "grid_growth_gw_per_month": "GW/month",
    "energy_subsidy": "share of power bill",
    "lehman_month": "month",
}
"""Short units for slider labels (the scenario's descriptions say the same at length)."""
_CHECKBOXES = ("vendor_financing", "guarantees", "bailouts")
_NONE_WORDS = ("", "none", "never")


def bounds(name: str) -> tuple[float | None, float | None]:
    """(lower, upper) bound of a scenario knob from its pydantic metadata."""
    lo = hi = None
    for meta in KNOBS[name].metadata:
        lo = getattr(meta, "ge", None) if getattr(meta, "ge", None) is not None else lo
        hi = getattr(meta, "le", None) if getattr(meta, "le", None) is not None else hi
    return lo, hi


def _fmt(x: float | None) -> str:
    return "" if x is None else f"{x:g}"


def _label(name: str, extra: str = "") -> str:
    """``name (unit) [lo–hi]`` for sliders and typed inputs, the description for switches."""
    lo, hi = bounds(name)
    if lo is None and hi is None:
        return f"{name}: {KNOBS[name].description}"
    return f"{name} ({_UNITS[name]}) [{_fmt(lo)}–{_fmt(hi)}{extra}]"


def _model_params() -> dict[str, Any]:
    params: dict[str, Any] = {}
    for name, step in _SLIDER_STEPS.items():
        lo, hi = bounds(name)
        params[name] = {
            "type": "SliderFloat",
            "label": _label(name),
            "value": float(KNOBS[name].default),
            "min": lo,
            "max": hi,
            "step": step,
        }
    for name in _CHECKBOXES:
        params[name] = {"type": "Checkbox", "label": _label(name), "value": KNOBS[name].default}
    params["lehman_month"] = {
        "type": "InputText",
        "label": _label("lehman_month", ", or none"),
        "value": "none",
    }
    params["seed"] = {
        "type": "InputText",
        "label": "seed (of the model's random generator, a whole number)",
        "value": str(DEFAULT_SEED),
    }
    return params


MODEL_PARAMS: dict[str, Any] = _model_params()
"""SolaraViz ``model_params``: sliders, checkboxes and typed inputs with the scenario's bounds."""


def _integer(name: str, text: str) -> int:
    try:
        return int(text.strip())
    except ValueError:
        raise ScenarioError(f"{name}: {text!r} is not a whole number") from None


def parse_inputs(params: dict[str, Any]) -> dict[str, Any]:
    """Turn the typed inputs into model keywords; ``ScenarioError`` for unreadable text.

    ``lehman_month``: a month number, or ``none`` / ``never`` / empty for never.
    ``seed``: a whole number. Other values pass through (the scenario validates them).
    """
    out = dict(params)
    month = out.get("lehman_month")
    if isinstance(month, str):
        word = month.strip().lower()
        out["lehman_month"] = None if word in _NONE_WORDS else _integer("lehman_month", month)
    seed = out.get("seed")
    if isinstance(seed, str):
        out["seed"] = _integer("seed", seed)
    return out
