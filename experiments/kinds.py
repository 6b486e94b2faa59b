"""The engines an experiment can run, by ``kind``, and how their parameters are validated.

* ``economy``: the hotpotato model, ``model.run.simulate(params, seed)``; parameters are
  scenario knobs checked by ``model.scenario.validate_scenario``.
* ``gai_kapadia``: the contagion engine on a Gai & Kapadia (2010) interbank network,
  ``experiments.gai_kapadia.simulate_point(params, seed)``; parameters ``z`` (average
  degree), ``banks`` and ``draws`` (networks drawn per point).

Engines are imported when first used, so that plotting stored results never imports the
simulation.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from experiments.errors import InputError

__all__ = ["GaiKapadiaPoint", "validate_params", "knob_names", "engine"]


class GaiKapadiaPoint(BaseModel):
    """One point of the Gai & Kapadia validation."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    z: float = Field(gt=0.0, le=1000.0, description="Average degree of the network (links).")
    banks: int = Field(1000, ge=2, le=100_000, description="Number of banks.")
    draws: int = Field(100, ge=1, le=100_000, description="Networks drawn per point.")


def knob_names(kind: str) -> list[str]:
    """Names of the parameters of ``kind`` a user sets one by one (``--set``, grid axes,
    ``hotpotato knobs``). ``economy``, the calibrated balance sheets, is left out: it is a
    scenario file's nested tables, not a value that fits on a command line."""
    if kind == "economy":
        from model.scenario import Scenario

        return [name for name in Scenario.model_fields if name != "economy"]
    return list(GaiKapadiaPoint.model_fields)


def validate_params(
    kind: str, params: dict[str, Any], where: str, partial: bool = False
) -> dict[str, Any]:
    """Validate one parameter set; return every parameter with its (coerced) value.

    Parameters
    ----------
    kind : str
        ``"economy"`` or ``"gai_kapadia"``.
    params : dict
        Parameter values to check (missing ones take their defaults).
    where : str
        Prefix of the error message (e.g. the arm and grid point).
    partial : bool
        Accept missing required parameters (a layer checked before the grid is added);
        the result is then empty.

    Raises
    ------
    InputError
        One line naming the field, the value and the allowed range.
    """
    if kind == "economy":
        from model.scenario import ScenarioError, validate_scenario

        try:
            return validate_scenario(params).model_dump()
        except ScenarioError as err:
            raise InputError(f"{where}{err}") from None
    try:
        return GaiKapadiaPoint.model_validate(params).model_dump()
    except ValidationError as err:
        errors = [e for e in err.errors() if not (partial and e["type"] == "missing")]
        if not errors:
            return {}
        first = errors[0]
        field = ".".join(str(x) for x in first["loc"])
        if first["type"] == "extra_forbidden":
            known = ", ".join(GaiKapadiaPoint.model_fields)
            raise InputError(f"{where}{field}: unknown key (known: {known})") from None
        raise InputError(
            f"{where}{field}: {first.get('input')!r} is invalid ({first['msg']})"
        ) from None


def engine(kind: str):
    """The function ``(params, seed) -> result`` that simulates one run of ``kind``."""
    if kind == "economy":
        from model.run import simulate

        return simulate
    from experiments.gai_kapadia import simulate_point

    return simulate_point
