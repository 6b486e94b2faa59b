"""Experiment definitions: named, versioned TOML files validated by pydantic.

A definition says what to simulate, not how to run it::

    name = "backstop"                         # identifier, also the results folder
    version = 1                               # bump when the design of the experiment changes
    description = "Guarantees and bailouts: crash probability against taxpayer cost."
    kind = "economy"                          # which engine: "economy" or "gai_kapadia"
    scenario = "../scenarios/baseline_2025.toml"   # base knobs, relative to this file
    seeds = 50                                # simulations per arm and grid point
    root_seed = 2025                          # entropy of the seeds (common to all arms)
    figures = ["cost_vs_crash", "paired_differences"]

    [overrides]                               # fixed knobs on top of the scenario
    horizon_months = 120

    [grid]                                    # cartesian product of knob values
    lehman_month = [12, 24]

    [[arms]]                                  # named arms; the first is the reference
    name = "no_backstop"
    overrides = { guarantees = false, bailouts = false }

The string ``"none"`` stands for "no value" (e.g. ``lehman_month = "none"``).
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from experiments.errors import InputError
from experiments.values import none_to_null

__all__ = [
    "Arm",
    "ExperimentDefinition",
    "FIGURES",
    "DEFINITIONS_DIR",
    "SCENARIOS_DIR",
    "available",
    "is_experiment",
    "load_definition",
    "load_definition_file",
    "load_scenario_file",
    "read_toml",
    "one_line",
]

DEFINITIONS_DIR = Path(__file__).resolve().parent / "definitions"
"""Folder of the experiments shipped with hotpotato (``hotpotato list``)."""

SCENARIOS_DIR = Path(__file__).resolve().parent / "scenarios"
"""Folder of the shipped scenario files."""

FigureName = Literal[
    "fan_charts",
    "crash_probability",
    "time_to_crash",
    "crash_origins",
    "phase_diagram",
    "knob_response",
    "losses_by_holder",
    "cascade_map",
    "potato_flow",
    "paired_differences",
    "cost_vs_crash",
    "gai_kapadia",
]
FIGURES: tuple[str, ...] = FigureName.__args__
"""Names of the figures a definition may ask for (see ``experiments.plots``)."""

_NAME = r"^[A-Za-z0-9][A-Za-z0-9_.-]*$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Arm(_Strict):
    """One named arm of an experiment: knob values applied on top of the base scenario."""

    name: str = Field(pattern=_NAME, max_length=60)
    description: str = ""
    overrides: dict[str, Any] = Field(default_factory=dict)


class ExperimentDefinition(_Strict):
    """A named, versioned experiment (see the module docstring for the TOML layout)."""

    name: str = Field(pattern=_NAME, max_length=60)
    version: int = Field(ge=1)
    description: str = Field(min_length=1)
    kind: Literal["economy", "gai_kapadia"] = "economy"
    scenario: str | None = None
    seeds: int = Field(ge=1, le=100_000)
    root_seed: int = Field(ge=0)
    overrides: dict[str, Any] = Field(default_factory=dict)
    grid: dict[str, list[Any]] = Field(default_factory=dict)
    arms: list[Arm] = Field(default_factory=list)
    figures: list[FigureName] = Field(default_factory=list)

    @field_validator("grid")
    @classmethod
    def _non_empty_axes(cls, grid: dict[str, list[Any]]) -> dict[str, list[Any]]:
        for key, values in grid.items():
            if not values:
                raise ValueError(f"grid axis {key!r} has no values")
        return grid

    @model_validator(mode="after")
    def _consistent(self) -> ExperimentDefinition:
        names = [arm.name for arm in self.arms]
        if len(set(names)) != len(names):
            raise ValueError(f"arm names must be unique, got {names}")
        for arm in self.arms:
            shared = sorted(set(arm.overrides) & set(self.grid))
            if shared:
                raise ValueError(f"arm {arm.name!r} sets grid knob(s) {shared}")
        if self.kind == "economy" and self.scenario is None:
            raise ValueError("an economy experiment needs a base 'scenario' file")
        if self.kind != "economy" and self.scenario is not None:
            raise ValueError(f"a {self.kind} experiment takes no 'scenario' file")
        return self


def one_line(err: ValidationError, where: str) -> str:
    """Turn the first pydantic error into one readable line prefixed by ``where``; missing
    keys are named all at once."""
    missing = [".".join(map(str, e["loc"])) for e in err.errors() if e["type"] == "missing"]
    if missing:
        return f"{where}: missing key{'s' if len(missing) > 1 else ''}: {', '.join(missing)}"
    first = err.errors()[0]
    field = ".".join(str(x) for x in first["loc"]) or "definition"
    if first["type"] == "extra_forbidden":
        return f"{where}: {field}: unknown key"
    value = first.get("input")
    shown = "" if isinstance(value, dict) else f"{value!r} "
    return f"{where}: {field}: {shown}is invalid ({first['msg']})"


def read_toml(path: Path, what: str) -> dict[str, Any]:
    """Read a TOML file into a dict, with ``none`` strings turned into ``None``.

    Raises
    ------
    InputError
        When the file is missing, unreadable or not valid TOML.
    """
    if not path.is_file():
        raise InputError(f"{what}: no such file: {path}")
    try:
        with path.open("rb") as fh:
            return none_to_null(tomllib.load(fh))
    except OSError as err:
        raise InputError(f"{what}: cannot read {path}: {err.strerror}") from None
    except tomllib.TOMLDecodeError as err:
        raise InputError(f"{what}: {path} is not valid TOML ({err})") from None
    except UnicodeDecodeError as err:
        raise InputError(
            f"{what}: {path} is not valid TOML (not UTF-8 text: byte {err.start})"
        ) from None


def available() -> dict[str, Path]:
    """Shipped experiment names and their definition files, sorted by name."""
    return {p.stem: p for p in sorted(DEFINITIONS_DIR.glob("*.toml"))}


def load_definition(name_or_path: str) -> tuple[ExperimentDefinition, Path]:
    """Load a shipped experiment by name, or a definition file by path.

    Returns
    -------
    (ExperimentDefinition, Path)
        The validated definition and the file it came from.

    Raises
    ------
    InputError
        Unknown experiment, unreadable file or invalid definition.
    """
    shipped = available()
    if name_or_path in shipped:
        return load_definition_file(shipped[name_or_path])
    if name_or_path.endswith(".toml") or "/" in name_or_path:
        return load_definition_file(Path(name_or_path))
    raise InputError(
        f"experiment: unknown experiment {name_or_path!r} (known: {', '.join(shipped)})"
    )


def is_experiment(raw: dict[str, Any]) -> bool:
    """Whether a TOML file's contents are an experiment definition rather than a scenario
    (knob values): it has a key only definitions have."""
    return bool({"kind", "seeds", "grid", "arms", "version"} & set(raw))


def load_definition_file(path: Path) -> tuple[ExperimentDefinition, Path]:
    """Load and validate the definition in ``path`` (see ``load_definition``)."""
    raw = read_toml(path, "experiment")
    if not is_experiment(raw):
        raise InputError(
            f"{path}: a scenario file (knob values), not an experiment; give it to one with "
            f"--config, e.g. hotpotato run baseline --config {path}"
        )
    try:
        definition = ExperimentDefinition.model_validate(raw)
    except ValidationError as err:
        raise InputError(one_line(err, str(path))) from None
    return definition, path.resolve()


def load_scenario_file(path: Path, what: str = "scenario") -> dict[str, Any]:
    """Read a scenario file: a TOML table of knob values (validated by the caller);
    ``what`` names the file in an error (the option or field that gave it).

    A file may keep its knobs at top level or under a ``[scenario]`` table; any other
    top-level table is an error.
    """
    raw = read_toml(path, what)
    if set(raw) == {"scenario"} and isinstance(raw["scenario"], dict):
        raw = raw["scenario"]
    return raw
