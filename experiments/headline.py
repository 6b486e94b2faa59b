"""The few numbers of a finished run a user reads first, for the terminal.

One line per arm (or for all runs): how many runs crashed and when, how many had a debt
crash and when (median calendar months), and the mean loss a run. The figures say the
rest.
"""

from __future__ import annotations

import pandas as pd

from experiments.plots.data import Results, debt_crash_month

__all__ = ["headline"]


def headline(results: Results) -> list[str]:
    """The lines for the runs of ``results`` that completed; none for an experiment
    without a crash record (a validation experiment) or without completed runs."""
    runs = results.runs
    if runs.empty or "crashed" not in runs:
        return []
    if results.arm_names:
        parts = [(arm, runs[runs["arm"] == arm]) for arm in results.arm_names]
    else:
        points = len(results.config["points"])
        label = "all runs" if points == 1 else f"all runs ({points} points)"
        parts = [(label, runs)]
    return [f"{label}: {_line(part, results.start_month)}" for label, part in parts if len(part)]


def _line(runs: pd.DataFrame, start: str | None) -> str:
    n = len(runs)
    crashed = runs["crashed"].astype(bool)
    text = f"crash in {int(crashed.sum())} of {n}{_median(runs.loc[crashed, 'crash_month'], start)}"
    debt = debt_crash_month(runs)
    if debt is not None:
        text += f"; debt crash in {int(debt.notna().sum())} of {n}{_median(debt, start)}"
    if "loss_total" in runs:
        text += f"; mean losses ${runs['loss_total'].mean():,.0f}B a run"
    return text


def _median(months: pd.Series, start: str | None) -> str:
    """`` (median YYYY-MM)`` of ``months`` (ticks from ``start``, "YYYY-MM"), or "" if
    there are none."""
    months = months.dropna()
    if months.empty:
        return ""
    tick = int(round(float(months.median())))
    if start is None:
        return f" (median month {tick})"
    return f" (median {pd.Period(start, freq='M') + tick})"
