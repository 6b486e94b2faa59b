"""Parsing of --set values, seed derivation and the interval estimates of the figures."""

from __future__ import annotations

import math

import numpy as np
import pytest

from experiments.errors import InputError
from experiments.plots.stats import mean_ci, wilson
from experiments.seeds import spawn_seeds
from experiments.values import none_to_null, parse_assignment, parse_literal


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("true", True),
        ("false", False),
        ("24", 24),
        ("0.4", 0.4),
        ('"text"', "text"),
        ("word", "word"),
        ("none", None),
        ("None", None),
        ("True", True),
        ("FALSE", False),
        ("yes", "yes"),
        ("[0.1, 0.5]", [0.1, 0.5]),
    ],
)
def test_values_parse_as_toml_literals(text, value):
    assert parse_literal(text) == value
    assert type(parse_literal(text)) is type(value)


def test_assignment_splits_key_and_value():
    assert parse_assignment("lehman_month=none") == ("lehman_month", None)
    assert parse_assignment("obs_share = 0.5") == ("obs_share", 0.5)
    with pytest.raises(InputError, match="KEY=VALUE"):
        parse_assignment("obs_share")
    with pytest.raises(InputError):
        parse_assignment("1bad=2")


def test_none_strings_become_null_inside_tables():
    assert none_to_null({"a": ["none", 1], "b": {"c": "NONE"}}) == {
        "a": [None, 1],
        "b": {"c": None},
    }


def test_seeds_follow_seed_sequence_and_are_prefix_stable():
    seeds = spawn_seeds(42, 5)
    expected = [int(s.generate_state(1)[0]) for s in np.random.SeedSequence(42).spawn(5)]
    assert seeds == expected
    assert spawn_seeds(42, 8)[:5] == seeds
    assert len(set(seeds)) == 5
    assert spawn_seeds(43, 5) != seeds


def test_wilson_interval_matches_closed_form():
    p, lo, hi = wilson(0, 10)
    assert p == 0.0 and lo == 0.0
    assert hi == pytest.approx(0.2775, abs=1e-4)
    p, lo, hi = wilson(5, 10)
    assert (lo, hi) == pytest.approx((0.2366, 0.7634), abs=1e-4)
    assert all(math.isnan(x) for x in wilson(0, 0))


def test_mean_ci_is_a_t_interval():
    mean, lo, hi = mean_ci([1.0, 2.0, 3.0, 4.0])
    assert mean == 2.5
    assert hi - mean == pytest.approx(3.182446 * np.std([1, 2, 3, 4], ddof=1) / 2, rel=1e-5)
    assert mean_ci([3.0]) == (3.0, 3.0, 3.0)


def test_mean_ci_is_cut_at_the_bounds_of_the_quantity():
    # two seeds: 12.7 standard errors either side, far below zero for a loss of 0 or 5 $B
    mean, lo, hi = mean_ci([0.0, 5.0])
    assert lo < -25 and hi > 30
    assert mean_ci([0.0, 5.0], bounds=(0.0, np.inf)) == (2.5, 0.0, hi)
    assert mean_ci([-100.0, 100.0], bounds=(-100.0, 100.0)) == (0.0, -100.0, 100.0)
