"""A pure entry point: one simulation from parameters and a seed to a run record.

This is what the experiment runner maps over (serially, in a process pool, or on Dask):
it touches no files and no global state, so the same (params, seed) gives the same record
in any process.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["RunRecord", "simulate", "SUMMARY_COLUMNS", "LOSS_COLUMNS"]

SUMMARY_COLUMNS = [
    "crashed",
    "crash_month",
    "trigger",
    "equity_drawdown_month",
    "credit_losses_month",
    "bank_failure_month",
    "first_defaulter",
    "cascade_depth",
    "obs_path",
    "loss_banks",
    "loss_funds",
    "loss_hyperscalers",
    "loss_chip_vendor",
    "loss_lab_investors",
    "loss_government",
    "loss_total",
    "taxpayer_cost",
    "credit_losses",
]
"""Columns of ``runs.parquet`` produced by one simulation (besides ``seed`` and the knobs),
in order."""

LOSS_COLUMNS = [
    "tick",
    "month",
    "round",
    "from",
    "to",
    "holder",
    "channel",
    "off_balance",
    "amount",
    "passed_on",
]
"""Columns of the hot-potato trace (``losses.parquet``), one row per loss booked.
``amount - passed_on`` is the part its holder ends with (``model.losses``)."""


@dataclass
class RunRecord:
    """What one simulation returns.

    summary: the crash record and losses by holder ($B), keys ``SUMMARY_COLUMNS``;
        ``crash_month`` is the tick of the crash or -1, ``<trigger>_month`` the first
        tick each crash rule held (``model.crash.TRIGGERS``) or -1, ``trigger`` and
        ``first_defaulter`` are "" when absent.
    ticks: per-month series, equal-length arrays keyed by column name; ``tick`` and
        ``month`` ("YYYY-MM") first.
    losses: the hot-potato trace, equal-length arrays keyed by ``LOSS_COLUMNS``.
    """

    summary: dict[str, Any]
    ticks: dict[str, np.ndarray]
    losses: dict[str, np.ndarray]


def simulate(params: dict[str, Any], seed: int) -> RunRecord:
    """Run one simulation of ``params`` (knob -> value) with ``seed`` to its horizon."""
    from model.hotpotato import HotPotatoModel

    m = HotPotatoModel(seed=seed, **params)
    while m.running:
        m.step()
    record = m.record()
    _release(m)
    return record


def _release(model) -> None:
    """Let a finished model be freed. Mesa before 3.5 numbers agents from a dict on the
    ``mesa.Agent`` class keyed by model (``Agent._ids``, mesa/mesa#3179), which keeps every
    model a process ever made alive: a worker running runs back to back grew by about
    1.2 MB a run. Later Mesa has no such dict, and then this does nothing."""
    import mesa

    ids = getattr(mesa.Agent, "_ids", None)
    if ids is not None:
        ids.pop(model, None)
