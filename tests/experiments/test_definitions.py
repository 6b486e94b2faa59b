"""Shipped definitions, plan resolution and common random numbers."""

from __future__ import annotations

from pathlib import Path

import pytest

from experiments.definitions import FIGURES, available, load_definition
from experiments.errors import InputError
from experiments.plan import build_plan
from experiments.plots import FIGURE_FUNCTIONS

SHIPPED = [
    "baseline",
    "obs_threshold",
    "lehman",
    "depreciation",
    "power_crunch",
    "backstop",
    "gai_kapadia",
]


def test_all_experiments_are_shipped():
    assert set(SHIPPED) <= set(available())


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_definitions_resolve_and_validate(name):
    definition, path = load_definition(name)
    assert definition.name == name == path.stem
    plan = build_plan(definition, path)
    assert plan.n_runs == len(plan.points) * definition.seeds
    assert len({repr(p.params) for p in plan.points}) == len(plan.points)


def test_default_sweeps_are_laptop_sized():
    """At ~0.3 s per 120-month run, every default finishes in a few minutes on 2 cores."""
    for name in SHIPPED[:-1]:
        definition, path = load_definition(name)
        assert build_plan(definition, path).n_runs * 0.3 / 2 < 120


def test_gai_kapadia_definition_has_the_published_grid():
    definition, path = load_definition("gai_kapadia")
    plan = build_plan(definition, path, sets=[("draws", 10)])
    assert [p.values["z"] for p in plan.points] == [0.5, *range(1, 11), 12]
    assert {p.params["banks"] for p in plan.points} == {1000}
    assert {p.params["draws"] for p in plan.points} == {10}


def test_every_figure_name_has_a_function():
    assert set(FIGURES) - {"gai_kapadia"} == set(FIGURE_FUNCTIONS)


def test_arms_share_seeds_and_runs_are_indexed_point_major(small: Path):
    definition, path = load_definition(str(small))
    plan = build_plan(definition, path, seeds=4)
    tasks = plan.tasks()
    assert [t.run_index for t in tasks] == list(range(16))
    by_point = {}
    for t in tasks:
        by_point.setdefault((t.labels["arm"], t.labels["obs_share"]), []).append(t.seed)
    assert len(by_point) == 4
    assert len({tuple(seeds) for seeds in by_point.values()}) == 1  # common random numbers
    assert plan.varying == ["obs_share", "guarantees"]
    assert list(tasks[0].labels) == ["run_index", "arm", "seed", "obs_share", "guarantees"]


def test_set_replaces_a_grid_axis_or_fixes_a_knob(small: Path):
    definition, path = load_definition(str(small))
    plan = build_plan(definition, path, sets=[("obs_share", [0.1, 0.2, 0.3]), ("ai_payoff", 900)])
    assert [p.values["obs_share"] for p in plan.points[:3]] == [0.1, 0.2, 0.3]
    assert {p.params["ai_payoff"] for p in plan.points} == {900}
    assert "ai_payoff" not in plan.varying


def test_overrides_on_a_grid_knob_are_refused_when_a_run_is_planned(small: Path):
    # refused by the plan, not by loading: a run planned before the rule still resumes
    small.write_text(
        small.read_text().replace("root_seed = 7", "root_seed = 7\noverrides = { obs_share = 0.9 }")
    )
    definition, path = load_definition(str(small))
    with pytest.raises(InputError) as err:
        build_plan(definition, path)
    assert str(err.value) == (
        f"{path}: overrides: obs_share on the grid, which replaces it; set it in the grid alone"
    )


def test_set_refuses_a_knob_the_arms_compare(small: Path):
    definition, path = load_definition(str(small))
    with pytest.raises(InputError) as err:
        build_plan(definition, path, sets=[("guarantees", True)])
    assert str(err.value).startswith(
        "--set guarantees: set by the arms of 'small' (plain, guaranteed)"
    )


@pytest.mark.parametrize(
    ("sets", "message"),
    [
        ([("nosuch", 1)], "nosuch"),
        ([("obs_share", 1.5)], "obs_share"),
        ([("ai_payoff", "abc")], "ai_payoff"),
        ([("horizon_months", 0)], "horizon_months"),
    ],
)
def test_bad_settings_name_the_field(small: Path, sets, message):
    definition, path = load_definition(str(small))
    with pytest.raises(InputError, match=message) as err:
        build_plan(definition, path, sets=sets)
    assert "\n" not in str(err.value)


@pytest.mark.parametrize(
    ("patch", "message"),
    [
        ("seeds = 3", "seeds = 0"),
        ("root_seed = 7", 'root_seed = 7\ncolour = "red"'),
        ("overrides = { guarantees = true }", "overrides = { obs_share = 0.1 }"),
        ("obs_share = [0.2, 0.6]", "obs_share = []"),
        ('figures = ["crash_probability"]', 'figures = ["pie_chart"]'),
    ],
)
def test_invalid_definitions_are_refused(small: Path, patch, message):
    small.write_text(small.read_text().replace(patch, message))
    with pytest.raises(InputError) as err:
        load_definition(str(small))
    assert str(small) in str(err.value)
    assert "\n" not in str(err.value)
