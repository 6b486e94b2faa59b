"""Scenario parameters: every knob of the model with its unit, default and allowed range.

Validation happens here, at the edge (pydantic v2); the model receives plain numbers.
The knob names are part of the interface contract (DESIGN.md, "Interfaces"): they are the
keys of scenario files, of ``hotpotato run --set KEY=VALUE`` and the keywords of
``model.HotPotatoModel``.
"""

from __future__ import annotations

from typing import Any, get_args

from pydantic import BaseModel, ConfigDict, Field, StrictBool, ValidationError, model_validator
from pydantic.fields import FieldInfo

from model.calibration import Economy

__all__ = [
    "Scenario",
    "ScenarioError",
    "validate_scenario",
    "allowed_values",
    "allowed_by",
    "KNOBS",
]


class ScenarioError(ValueError):
    """Bad scenario input; the message is one line naming the field, value and range."""


class Scenario(BaseModel):
    """All parameters of one simulation. Money in $B, power in GW, time in months."""

    model_config = ConfigDict(
        extra="forbid", frozen=True, validate_default=True, allow_inf_nan=False
    )

    # --- the interface-contract knobs -------------------------------------------------
    ai_payoff: float = Field(
        600.0,
        ge=1.0,
        le=20_000.0,
        description="Ceiling of industry AI revenue, $B/year (the great unknown).",
    )
    obs_share: float = Field(
        0.3,
        ge=0.0,
        le=1.0,
        description="Share of new data-center debt held in off-balance-sheet SPVs, 0-1.",
    )
    vendor_financing: StrictBool = Field(
        True,
        description="The chip vendor invests in labs that buy its chips (circular deals).",
    )
    gpu_economic_life_years: float = Field(
        3.0, ge=1.0, le=10.0, description="Years a GPU earns rent (economic life)."
    )
    gpu_accounting_life_years: float = Field(
        6.0, ge=1.0, le=10.0, description="Years over which a GPU is depreciated in the books."
    )
    grid_growth_gw_per_month: float = Field(
        1.0,
        ge=0.0,
        le=20.0,
        description="New grid capacity for data centers, GW of IT load per month.",
    )
    guarantees: StrictBool = Field(
        False, description="The government guarantees data-center loans and SPV bonds."
    )
    bailouts: StrictBool = Field(
        False, description="The government recapitalises a failing bank to its minimum ratio."
    )
    energy_subsidy: float = Field(
        0.0,
        ge=0.0,
        le=1.0,
        description="Share of data centers' power bills paid by the government, 0-1.",
    )
    lehman_month: int | None = Field(
        None,
        ge=0,
        le=600,
        description="From this month on (before horizon_months) the largest lab cannot raise "
        "money (none: never).",
    )
    horizon_months: int = Field(120, ge=1, le=600, description="Months simulated.")
    n_labs: int = Field(3, ge=1, le=100, description="Number of AI labs.")
    n_hyperscalers: int = Field(5, ge=1, le=100, description="Number of hyperscalers.")
    n_banks: int = Field(4, ge=1, le=1000, description="Number of banks.")
    n_funds: int = Field(4, ge=1, le=1000, description="Number of funds.")

    # --- further knobs (calibrated in experiments/scenarios/baseline_2025.toml) ---------
    equity_financed: StrictBool = Field(
        False,
        description="All data centers are paid for with cash and equity (no debt at all).",
    )
    crash_drawdown: float = Field(
        0.5, gt=0.0, le=1.0, description="AI index drawdown from its peak that counts as a crash."
    )
    crash_credit_loss_share: float = Field(
        0.10,
        gt=0.0,
        le=1.0,
        description="Cumulative credit losses / AI-related debt that count as a crash.",
    )
    demand_noise: float = Field(
        0.05, ge=0.0, le=1.0, description="Monthly log-noise of each lab's revenue."
    )
    expectation_weight: float = Field(
        0.15,
        gt=0.0,
        le=1.0,
        description="Weight of the latest growth observation in expected growth (per month).",
    )
    sentiment_momentum: float = Field(
        0.15, ge=0.0, le=2.0, description="How strongly sentiment follows index returns."
    )

    economy: Economy = Field(
        default_factory=Economy,
        description="Initial balance sheets and behavioural constants (calibrated 2025).",
    )

    @model_validator(mode="after")
    def _lehman_month_within_horizon(self) -> Scenario:
        """A cut-off month must be one of the months simulated, 0 to ``horizon_months - 1``
        (one later would never take effect)."""
        month, horizon = self.lehman_month, self.horizon_months
        if month is not None and month >= horizon:
            raise ValueError(
                f"lehman_month: {month} is past the horizon; allowed range "
                f"[0, {horizon - 1}] or none (horizon_months = {horizon})"
            )
        return self


KNOBS: dict[str, Any] = Scenario.model_fields
"""Field metadata of every knob (description, default, bounds) for CLIs and the viz page."""


def _bounds(metadata: list[Any]) -> tuple[str, str]:
    """The ends of a knob's allowed range as written in a message: ``[lo`` or ``(lo`` for a
    bound that is or is not allowed itself, ``hi]`` or ``hi)`` likewise."""
    lo, hi = "(-inf", "inf)"
    for m in metadata:
        if getattr(m, "ge", None) is not None:
            lo = f"[{m.ge}"
        if getattr(m, "gt", None) is not None:
            lo = f"({m.gt}"
        if getattr(m, "le", None) is not None:
            hi = f"{m.le}]"
        if getattr(m, "lt", None) is not None:
            hi = f"{m.lt})"
    return lo, hi


def allowed_values(name: str) -> str:
    """What knob ``name`` may take, as messages and ``hotpotato knobs`` write it: a range
    (``[0.0, 1.0]``; a parenthesis where the bound itself is not allowed) or ``true or
    false``, followed by ``or none`` where it may be left unset; "" for the nested
    ``economy``."""
    return allowed_by(KNOBS[name])


def allowed_by(info: FieldInfo) -> str:
    """What a pydantic field allows, written as ``allowed_values`` writes it."""
    lo, hi = _bounds(info.metadata)
    text = "true or false" if info.annotation is bool else ""
    if (lo, hi) != ("(-inf", "inf)"):
        text = f"{lo}, {hi}"
    if type(None) in get_args(info.annotation):
        text = f"{text} or none"
    return text


def _keys_beside(loc: tuple) -> list[str]:
    """The keys allowed in the table that holds the key at ``loc`` (the knobs at the top,
    the constants of ``Economy`` under ``economy``)."""
    table: type[BaseModel] = Scenario
    for key in loc[:-1]:
        if isinstance(key, int):  # a position in a list of tables (profiles)
            continue
        annotation = table.model_fields[key].annotation
        inner = [a for a in (annotation, *get_args(annotation)) if isinstance(a, type)]
        table = next(a for a in inner if issubclass(a, BaseModel))
    return list(table.model_fields)


def _one_line(err: ValidationError) -> str:
    e = err.errors()[0]
    if not e["loc"] and "error" in e.get("ctx", {}):  # a check across knobs names its own
        return str(e["ctx"]["error"])
    field = ".".join(str(x) for x in e["loc"]) or "scenario"
    value = e.get("input")
    kind = e["type"]
    if kind == "extra_forbidden":
        return f"{field}: unknown key (known: {', '.join(_keys_beside(e['loc']))})"
    if isinstance(value, dict):  # a whole table: the message names what is wrong in it
        return f"{field}: {e['msg'].removeprefix('Value error, ')}"
    allowed = allowed_values(field) if field in KNOBS else ""
    if allowed.startswith(("[", "(")):
        allowed = f"; allowed range {allowed}"
    elif allowed:
        allowed = f"; allowed: {allowed}"
    return f"{field}: {value!r} is invalid ({e['msg']}){allowed}"


def validate_scenario(params: dict[str, Any]) -> Scenario:
    """Validate a dict of knobs; raise ``ScenarioError`` with one readable line."""
    try:
        return Scenario.model_validate(params)
    except ValidationError as err:
        raise ScenarioError(_one_line(err)) from None
