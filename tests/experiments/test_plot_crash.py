"""Crash figures over a grid knob whose values include ``none``, and the subtitle of a run
made with ``--set``."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from experiments.plots.crash import _x_positions, crash_probability, knob_response
from experiments.plots.data import Results


def _stored(folder: Path, grid: list, *, seeds: int = 2, sets: dict | None = None) -> Results:
    arms = [{"name": "plain"}, {"name": "guaranteed"}]
    points = [
        {"point": i, "arm": arm["name"], "values": {"lehman_month": v}, "params": {}}
        for i, (arm, v) in enumerate((a, v) for a in arms for v in grid)
    ]
    config = {
        "experiment": "toy",
        "version": 1,
        "grid": {"lehman_month": grid},
        "arms": arms,
        "seeds": seeds,
        "set": sets or {},
        "figures": [],
        "points": points,
    }
    (folder / "manifest.json").write_text(json.dumps({"config": config}))
    rows = []
    for point in points:
        for s in range(seeds):
            rows.append(
                {
                    "run_index": len(rows),
                    "arm": point["arm"],
                    "seed": s,
                    "lehman_month": point["values"]["lehman_month"],
                    "crashed": s == 0,
                    "crash_month": 30.0 if s == 0 else np.nan,
                    "loss_banks": 1.0,
                    "loss_total": 1.0,
                    "error": "",
                }
            )
    pd.DataFrame(rows).to_parquet(folder / "runs.parquet")
    return Results(folder)


def _points(ax) -> np.ndarray:
    """x of every point drawn (the errorbars' round markers)."""
    xs = [line.get_xdata() for line in ax.lines if line.get_marker() == "o"]
    return np.concatenate(xs) if xs else np.array([])


@pytest.mark.parametrize("grid", [[None], [12, None, 24]])
def test_a_grid_value_none_is_drawn_as_a_category(tmp_path: Path, grid):
    results = _stored(tmp_path, grid)
    [(_, fig)] = crash_probability(results)
    ax = fig.axes[0]
    xs = _points(ax)
    assert len(xs) == 2 * len(grid) and np.isfinite(xs).all()
    assert [t.get_text() for t in ax.get_xticklabels()] == [
        "none" if v is None else str(v) for v in grid
    ]
    lo, hi = ax.get_xlim()
    assert lo < xs.min() and xs.max() < hi
    [(_, fig)] = knob_response(results)
    assert np.isfinite(_points(fig.axes[0])).all() and len(_points(fig.axes[0])) == 2 * len(grid)


def test_numbers_stay_on_a_numeric_axis_and_categories_follow_the_grid():
    xs, labels = _x_positions([24, 12], [12, 24])
    assert labels is None and xs.tolist() == [24.0, 12.0]
    xs, labels = _x_positions([float("nan"), 12.0], [12, None])
    assert labels == ["12", "none"] and xs.tolist() == [1.0, 0.0]


def test_the_subtitle_names_the_set_overrides_and_says_the_count_once(tmp_path: Path):
    one = tmp_path / "one"
    one.mkdir()
    results = _stored(one, [12], seeds=3, sets={"ai_payoff": 3000, "guarantees": True})
    results.config["arms"] = []  # a single point
    results.config["points"] = results.config["points"][:1]
    assert results.subtitle() == "toy v1 (ai_payoff = 3000, guarantees = on): 6 simulations"
    many = tmp_path / "many"
    many.mkdir()
    results = _stored(many, [12, 24])
    assert results.subtitle() == "toy v1: 8 simulations, 2 seeds per point"


def test_paired_crash_differences_stay_within_100_points(tmp_path: Path):
    from experiments.plots.crash import paired_differences

    _stored(tmp_path, [12])
    runs = pd.read_parquet(tmp_path / "runs.parquet")
    guaranteed = runs["arm"] == "guaranteed"
    runs.loc[guaranteed, "crashed"] = runs.loc[guaranteed, "seed"] == 1  # -100, then +100
    runs.to_parquet(tmp_path / "runs.parquet")
    ((_, fig),) = paired_differences(Results(tmp_path))
    ends = np.concatenate([c.get_segments()[0][:, 0] for c in fig.axes[0].collections])
    assert ends.min() == -100.0 and ends.max() == 100.0
