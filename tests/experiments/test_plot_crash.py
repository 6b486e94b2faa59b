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
    once = tmp_path / "once"
    once.mkdir()
    results = _stored(once, [12, 24], seeds=1)
    assert results.subtitle() == "toy v1: 4 simulations, 1 seed per point"


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


def _debt_grid(folder: Path) -> Results:
    """obs_share x ai_payoff, 2 x 2, 4 seeds: every run crashes by its drawdown; runs at
    obs_share 0.5 then have a debt crash: by credit losses in month 80 (seeds 0-2; seed 2
    has a bank failure first, in month 70) or by a bank failure in month 90 (seed 3)."""
    grid = {"obs_share": [0.0, 0.5], "ai_payoff": [300.0, 600.0]}
    points = [
        {"point": i, "arm": None, "values": {"obs_share": o, "ai_payoff": a}, "params": {}}
        for i, (o, a) in enumerate((o, a) for o in grid["obs_share"] for a in grid["ai_payoff"])
    ]
    config = {"experiment": "toy", "version": 1, "grid": grid, "arms": [], "seeds": 4}
    config.update(set={}, figures=[], points=points)
    (folder / "manifest.json").write_text(json.dumps({"config": config}))
    rows = []
    for point in points:
        debt = point["values"]["obs_share"] == 0.5
        for s in range(4):
            rows.append(
                {
                    "run_index": len(rows),
                    "seed": s,
                    **point["values"],
                    "crashed": True,
                    "crash_month": 40.0,
                    "trigger": "equity_drawdown",
                    "equity_drawdown_month": 40,
                    "credit_losses_month": 80 if debt and s < 3 else -1,
                    "bank_failure_month": {2: 70, 3: 90}.get(s, -1) if debt else -1,
                    "loss_total": 1.0,
                    "error": "",
                }
            )
    pd.DataFrame(rows).to_parquet(folder / "runs.parquet")
    return Results(folder)


def test_a_debt_crash_is_told_apart_from_the_drawdown_that_calls_the_crash(tmp_path: Path):
    from experiments.plots.crash import crash_table, phase_diagram
    from experiments.plots.series import time_to_crash

    results = _debt_grid(tmp_path)
    table = crash_table(results, results.group_keys)
    assert table["p"].tolist() == [1.0] * 4
    assert table["p_debt"].tolist() == [0.0, 0.0, 1.0, 1.0]
    [(_, fig)] = phase_diagram(results)
    panels = [ax for ax in fig.axes if ax.get_images()]
    assert [ax.get_title() for ax in panels] == [
        "Crash probability",
        "Debt-crash probability",
        "Median time to crash",
    ]
    debt = panels[1].get_images()[0].get_array()
    assert debt.tolist() == [[0.0, 1.0], [0.0, 1.0]]  # rows: ai_payoff; columns: obs_share
    [(_, fig)] = crash_probability(results)
    labels = [text.get_text() for text in fig.axes[0].get_legend().get_texts()]
    assert any(label.endswith(": debt crash") for label in labels)
    [(_, fig)] = knob_response(results)
    dashed = [line for line in fig.axes[0].lines if line.get_linestyle() == "--"]
    assert [line.get_ydata().tolist() for line in dashed] == [[0.0, 1.0], [0.0, 1.0]]
    ticks = pd.DataFrame({"run_index": 0, "seed": 0, "tick": range(100)})
    ticks.assign(month=[f"{2025 + t // 12}-{t % 12 + 1:02d}" for t in range(100)]).to_parquet(
        tmp_path / "ticks.parquet"
    )
    [(_, fig)] = time_to_crash(Results(tmp_path))
    shares = [line.get_ydata() for line in fig.axes[0].lines if line.get_linestyle() == "--"]
    # one line a grid point; at obs_share 0.5 the first of the two rules dates each run's
    # debt crash: one run in month 70, two more in month 80, the fourth in month 90
    by_month = sorted((s[69], s[70], s[80], s[90]) for s in shares)
    assert by_month == [(0, 0, 0, 0)] * 2 + [(0, 0.25, 0.75, 1)] * 2


def test_results_stored_without_each_rules_month_draw_the_crash_alone(tmp_path: Path):
    from experiments.plots.crash import crash_table

    results = _stored(tmp_path, [12, 24])
    assert "p_debt" not in crash_table(results, results.group_keys)
    [(_, fig)] = crash_probability(results)
    assert not any(line.get_linestyle() == "--" for line in fig.axes[0].lines)


def test_a_debt_crash_is_made_of_crash_rules_the_model_records():
    from experiments.plots.data import DEBT_RULES
    from model.crash import TRIGGERS
    from model.run import SUMMARY_COLUMNS

    assert set(DEBT_RULES) < set(TRIGGERS)
    assert {f"{rule}_month" for rule in TRIGGERS} <= set(SUMMARY_COLUMNS)


def test_a_single_point_draws_a_debt_crash_bar_beside_the_crash_bar(tmp_path: Path):
    _debt_grid(tmp_path)  # its 16 runs, stored as one point without a grid
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    manifest["config"].update(grid={}, points=manifest["config"]["points"][:1])
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))
    runs = pd.read_parquet(tmp_path / "runs.parquet")
    runs.drop(columns=["obs_share", "ai_payoff"]).to_parquet(tmp_path / "runs.parquet")
    [(_, fig)] = crash_probability(Results(tmp_path))
    heights = [round(bar.get_height(), 3) for bar in fig.axes[0].patches]
    assert heights == [1.0, 0.5]  # all 16 runs crash; the 8 at obs_share 0.5 debt-crash


def test_a_folder_whose_older_runs_lack_the_rules_months_draws_the_crash_alone(
    tmp_path: Path,
):
    """Finished by ``--resume`` after the months were recorded: NaN in the older runs."""
    from experiments.plots.crash import crash_table

    _debt_grid(tmp_path)
    runs = pd.read_parquet(tmp_path / "runs.parquet")
    runs.loc[runs["seed"] == 0, "credit_losses_month"] = np.nan
    runs.to_parquet(tmp_path / "runs.parquet")
    results = Results(tmp_path)
    assert "p_debt" not in crash_table(results, results.group_keys)
