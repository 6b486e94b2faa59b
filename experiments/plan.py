"""From a definition and command-line options to the exact list of simulations to run.

Parameters of a point are layered, later layers winning: the base scenario file (or
``--config``), the definition's ``[overrides]``, the grid values of the point, the arm's
overrides, then ``--set KEY=VALUE`` (a ``--set`` on a grid knob replaces that axis instead).
Points are arms (outer) × grid (inner, cartesian, in file order); every point runs the same
seeds, and simulation ``run_index = point * seeds + seed_number``.

Everything is validated here, before any folder is created.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from experiments.definitions import ExperimentDefinition, load_scenario_file
from experiments.errors import InputError
from experiments.kinds import knob_names, validate_params
from experiments.seeds import SEED_SCHEME, spawn_seeds

__all__ = ["Point", "Task", "Plan", "build_plan", "MAX_SEEDS"]

MAX_SEEDS = 100_000
"""Largest ``--seeds`` accepted."""


@dataclass(frozen=True)
class Point:
    """One arm and grid point: its knob values.

    Attributes
    ----------
    index : int
        Position of the point (arms outer, grid inner).
    arm : str or None
        Arm name, ``None`` when the experiment has no arms.
    values : dict
        Values of the varying knobs at this point (the columns of ``runs.parquet``).
    params : dict
        Parameters of the simulation as layered (validated; knobs left out take their
        defaults in the model).
    """

    index: int
    arm: str | None
    values: dict[str, Any]
    params: dict[str, Any]


@dataclass(frozen=True)
class Task:
    """One simulation: what the runner maps over.

    ``labels`` are the leading columns of its row in ``runs.parquet``: ``run_index``, ``arm``
    (when the experiment has arms), ``seed`` and the varying knobs.
    """

    run_index: int
    seed: int
    params: dict[str, Any]
    labels: dict[str, Any]


@dataclass(frozen=True)
class Plan:
    """A fully resolved experiment: points × seeds, ready to run and to store."""

    experiment: str
    version: int
    kind: str
    description: str
    definition_file: str
    scenario_file: str | None
    base: dict[str, Any]
    overrides: dict[str, Any]
    grid: dict[str, list[Any]]
    arms: list[dict[str, Any]]
    sets: dict[str, Any]
    root_seed: int
    seeds: list[int]
    varying: list[str]
    points: list[Point]
    figures: list[str]

    @property
    def n_runs(self) -> int:
        """Number of simulations (points × seeds)."""
        return len(self.points) * len(self.seeds)

    def tasks(self) -> list[Task]:
        """Every simulation in ``run_index`` order."""
        out = []
        n = len(self.seeds)
        for point in self.points:
            for s, seed in enumerate(self.seeds):
                labels: dict[str, Any] = {"run_index": point.index * n + s}
                if self.arms:
                    labels["arm"] = point.arm
                labels["seed"] = seed
                labels.update(point.values)
                out.append(Task(labels["run_index"], seed, point.params, labels))
        return out

    def config(self) -> dict[str, Any]:
        """The JSON-ready ``config`` of ``manifest.json`` (enough to rebuild the plan)."""
        return {
            "experiment": self.experiment,
            "version": self.version,
            "kind": self.kind,
            "description": self.description,
            "definition_file": self.definition_file,
            "scenario_file": self.scenario_file,
            "base": self.base,
            "overrides": self.overrides,
            "grid": self.grid,
            "arms": self.arms,
            "reference_arm": self.arms[0]["name"] if self.arms else None,
            "set": self.sets,
            "seeds": len(self.seeds),
            "root_seed": self.root_seed,
            "varying": self.varying,
            "figures": self.figures,
            "points": [
                {"point": p.index, "arm": p.arm, "values": p.values, "params": self._delta(p)}
                for p in self.points
            ],
        }

    def _delta(self, point: Point) -> dict[str, Any]:
        """Parameters of ``point`` that differ from the base scenario and overrides."""
        common = {**self.base, **self.overrides}
        return {k: v for k, v in point.params.items() if k not in common or common[k] != v}

    def seeds_record(self) -> dict[str, Any]:
        """The JSON-ready ``seeds`` of ``manifest.json``."""
        return {
            "root_seed": self.root_seed,
            "count": len(self.seeds),
            "scheme": SEED_SCHEME,
            "values": self.seeds,
        }

    @classmethod
    def from_manifest(cls, config: dict[str, Any], seeds: dict[str, Any]) -> Plan:
        """Rebuild the plan stored in a run folder's manifest (for ``--resume``)."""
        common = {**config["base"], **config["overrides"]}
        points = [
            Point(p["point"], p["arm"], p["values"], {**common, **p["params"]})
            for p in config["points"]
        ]
        return cls(
            experiment=config["experiment"],
            version=config["version"],
            kind=config["kind"],
            description=config["description"],
            definition_file=config["definition_file"],
            scenario_file=config["scenario_file"],
            base=config["base"],
            overrides=config["overrides"],
            grid=config["grid"],
            arms=config["arms"],
            sets=config["set"],
            root_seed=seeds["root_seed"],
            seeds=list(seeds["values"]),
            varying=config["varying"],
            points=points,
            figures=config["figures"],
        )


def _point_label(arm: str | None, values: dict[str, Any]) -> str:
    parts = [f"arm {arm!r}"] if arm is not None else []
    parts += [f"{k}={v}" for k, v in values.items()]
    return ", ".join(parts) or "the scenario"


def _check_not_an_arm_knob(definition: ExperimentDefinition, key: str) -> None:
    """Raise ``InputError`` if an arm of ``definition`` sets ``key``: a ``--set`` for every
    run would override the arms, leaving arms that differ only in name."""
    arms = [arm.name for arm in definition.arms if key in arm.overrides]
    if arms:
        raise InputError(
            f"--set {key}: set by the arms of {definition.name!r} ({', '.join(arms)}), which "
            f"compare its values; a --set for every run would override them (write a "
            f"definition with other arms instead)"
        )


def build_plan(
    definition: ExperimentDefinition,
    definition_file: Path,
    config_file: Path | None = None,
    sets: list[tuple[str, Any]] | None = None,
    seeds: int | None = None,
) -> Plan:
    """Resolve a definition and the command-line options into a validated plan.

    Parameters
    ----------
    definition : ExperimentDefinition
        The experiment.
    definition_file : Path
        Its file (scenario paths are relative to its folder).
    config_file : Path, optional
        A scenario file used instead of the definition's base scenario.
    sets : list of (key, value), optional
        ``--set`` assignments, in command-line order.
    seeds : int, optional
        Simulations per point, instead of the definition's ``seeds``.

    Raises
    ------
    InputError
        Any invalid input, as one line naming the field and the allowed range.
    """
    kind = definition.kind
    n_seeds = definition.seeds if seeds is None else seeds
    if not 1 <= n_seeds <= MAX_SEEDS:
        raise InputError(f"--seeds: {n_seeds} is out of range; allowed range [1, {MAX_SEEDS}]")

    scenario_path: Path | None = None
    what = "--config"  # names the scenario file in an error: the option or the field
    if config_file is not None:
        if kind != "economy":
            raise InputError(f"--config: a {kind} experiment takes no scenario file")
        scenario_path = config_file
    elif definition.scenario is not None:
        scenario_path = (definition_file.parent / definition.scenario).resolve()
        what = f"{definition.name} scenario"
    base: dict[str, Any] = {}
    if scenario_path is not None:
        base = load_scenario_file(scenario_path, what)
        validate_params(kind, base, f"{what} {scenario_path}: ", partial=True)

    known = knob_names(kind)
    grid = {k: list(v) for k, v in definition.grid.items()}
    fixed: dict[str, Any] = {}
    for key, value in sets or []:
        if key in grid:
            grid[key] = value if isinstance(value, list) and value else [value]
        elif key in known:
            fixed[key] = value
        else:
            raise InputError(f"--set: unknown key {key!r} (known: {', '.join(known)})")

    shared = sorted(set(definition.overrides) & set(definition.grid))
    if shared:
        raise InputError(
            f"{definition_file}: overrides: {', '.join(shared)} on the grid, which replaces "
            f"it; set it in the grid alone"
        )
    common = {**base, **definition.overrides}
    validate_params(kind, common, f"{definition.name} overrides: ", partial=True)
    if fixed:
        validate_params(kind, {**common, **fixed}, "--set ", partial=True)
    for key in fixed:
        _check_not_an_arm_knob(definition, key)

    arms = definition.arms or [None]
    combos = list(itertools.product(*grid.values())) if grid else [()]
    raw_points = []
    for arm in arms:
        for combo in combos:
            values = dict(zip(grid, combo, strict=True))
            arm_overrides = arm.overrides if arm is not None else {}
            params = {**common, **values, **arm_overrides, **fixed}
            label = _point_label(arm.name if arm else None, values)
            checked = validate_params(kind, params, f"{label}: ")
            raw_points.append((arm.name if arm else None, params, checked))

    varying = list(grid)
    for key in known:
        if key not in varying and len({repr(c[key]) for _, _, c in raw_points}) > 1:
            varying.append(key)
    points = [
        Point(i, arm, {k: checked[k] for k in varying}, params)
        for i, (arm, params, checked) in enumerate(raw_points)
    ]
    return Plan(
        experiment=definition.name,
        version=definition.version,
        kind=kind,
        description=definition.description,
        definition_file=str(definition_file),
        scenario_file=str(scenario_path.resolve()) if scenario_path else None,
        base=base,
        overrides=dict(definition.overrides),
        grid=grid,
        arms=[arm.model_dump() for arm in definition.arms],
        sets=dict(sets or []),
        root_seed=definition.root_seed,
        seeds=spawn_seeds(definition.root_seed, n_seeds),
        varying=varying,
        points=points,
        figures=list(definition.figures),
    )
