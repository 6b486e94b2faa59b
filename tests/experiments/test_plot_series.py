"""Fan charts stay readable with several groups: up to three share a panel, with more each
group gets its own column, so that no band hides another."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import PolyCollection

from experiments.plots.data import Results
from experiments.plots.series import FAN_PANELS, fan_charts

SERIES = [s for _, names in FAN_PANELS for s in names]


def _stored(folder: Path, n_groups: int, seeds: int = 3, months: int = 6) -> Results:
    grid = [round(0.1 * (g + 1), 1) for g in range(n_groups)]
    config = {
        "experiment": "toy",
        "version": 1,
        "grid": {"obs_share": grid},
        "arms": [],
        "seeds": seeds,
        "set": {},
        "figures": [],
        "points": [
            {"point": g, "arm": None, "values": {"obs_share": v}, "params": {}}
            for g, v in enumerate(grid)
        ],
    }
    (folder / "manifest.json").write_text(json.dumps({"config": config}))
    runs, ticks = [], []
    for g, value in enumerate(grid):
        for s in range(seeds):
            run_index = g * seeds + s
            runs.append({"run_index": run_index, "seed": s, "obs_share": value, "error": ""})
            for t in range(months):
                row = {"seed": s, "run_index": run_index, "tick": t, "month": f"2025-{t + 1:02d}"}
                ticks.append(row | {name: float(g + s + t) for name in SERIES})
    pd.DataFrame(runs).to_parquet(folder / "runs.parquet")
    pd.DataFrame(ticks).to_parquet(folder / "ticks.parquet")
    return Results(folder)


def _bands(ax) -> list[PolyCollection]:
    return [c for c in ax.collections if isinstance(c, PolyCollection)]


@pytest.mark.parametrize("n_groups", [1, 3, 4, 5])
def test_no_more_than_three_groups_share_a_panel(tmp_path: Path, n_groups: int):
    ((_, fig),) = fan_charts(_stored(tmp_path, n_groups))
    axes = fig.axes
    overlaid = n_groups <= 3
    assert len(axes) == len(FAN_PANELS) * (1 if overlaid else n_groups)
    per_panel = n_groups if overlaid else 1
    for ax, (_, names) in zip(axes[:: 1 if overlaid else n_groups], FAN_PANELS, strict=True):
        assert len(_bands(ax)) == per_panel * len(names)
    colours = {tuple(np.round(b.get_facecolor()[0][:3], 3)) for ax in axes for b in _bands(ax)}
    assert len(colours) == n_groups  # one colour per group, whichever the layout
