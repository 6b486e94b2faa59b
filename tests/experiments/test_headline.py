"""The headline lines printed after a run, from its stored tables."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from experiments.headline import headline
from experiments.plots.data import Results


def _stored(folder: Path, arms: list[str], runs: list[dict]) -> Results:
    config = {"experiment": "toy", "version": 1, "grid": {}, "seeds": len(runs)}
    config.update(arms=[{"name": a} for a in arms], set={}, figures=[], points=[{}])
    (folder / "manifest.json").write_text(json.dumps({"config": config}))
    rows = [{"run_index": i, "seed": i, "error": "", **run} for i, run in enumerate(runs)]
    pd.DataFrame(rows).to_parquet(folder / "runs.parquet")
    ticks = pd.DataFrame(
        {"run_index": 0, "seed": 0, "tick": [0, 1], "month": ["2025-01", "2025-02"]}
    )
    ticks.to_parquet(folder / "ticks.parquet")
    return Results(folder)


def _run(crash: int, credit: int = -1, bank: int = -1, loss: float = 10.0, **more) -> dict:
    return {
        "crashed": crash >= 0,
        "crash_month": crash,
        "credit_losses_month": credit,
        "bank_failure_month": bank,
        "loss_total": loss,
        **more,
    }


def test_the_headline_gives_counts_median_calendar_months_and_mean_loss(tmp_path: Path):
    runs = [_run(48), _run(49, credit=81), _run(60, credit=90, bank=85), _run(-1, loss=40.0)]
    [line] = headline(_stored(tmp_path, [], runs))
    # crash months 48, 49, 60: median 49 (2029-02); debt crashes in 81 and 85: median 83
    assert line == (
        "all runs: crash in 3 of 4 (median 2029-02); debt crash in 2 of 4 (median 2031-12); "
        "mean losses $18B a run"
    )


def test_each_arm_has_its_line_and_failed_runs_do_not_count(tmp_path: Path):
    runs = [_run(12, arm="plain"), _run(-1, arm="backstop")]
    runs.append({**_run(20, arm="backstop"), "error": "RuntimeError: boom"})
    assert headline(_stored(tmp_path, ["plain", "backstop"], runs)) == [
        "plain: crash in 1 of 1 (median 2026-01); debt crash in 0 of 1; mean losses $10B a run",
        "backstop: crash in 0 of 1; debt crash in 0 of 1; mean losses $10B a run",
    ]
