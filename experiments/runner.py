"""The pure function every backend maps over: a batch of simulations to three tables.

``run_batch(kind, tasks)`` runs each task with the engine of ``kind`` and returns its rows
of ``runs.parquet``, ``ticks.parquet`` and ``losses.parquet`` as Arrow tables. It touches
no file, so the same tasks give the same tables in any process. A simulation that raises
becomes a row with its ``error`` message and no ticks or losses; the batch goes on.
"""

from __future__ import annotations

import os
import resource
import sys
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa

from experiments.kinds import engine
from experiments.plan import Task

__all__ = ["BatchResult", "run_batch", "record_tables"]


@dataclass
class BatchResult:
    """What one batch returns to the process that stores it.

    Attributes
    ----------
    runs : pyarrow.Table
        One row per task: its labels, the engine's summary, ``error`` ("" when it ran).
    ticks, losses : pyarrow.Table or None
        Per-month series and the loss trace of the runs that succeeded (``None`` if none).
    seconds : list of float
        Wall time of each simulation, s.
    failures : list of (int, str)
        ``(run_index, error)`` of each simulation that raised.
    pid : int
        Id of the process that ran the batch.
    peak_rss_mb : float
        Peak resident memory of that process, MB.
    """

    runs: pa.Table
    ticks: pa.Table | None
    losses: pa.Table | None
    seconds: list[float] = field(default_factory=list)
    failures: list[tuple[int, str]] = field(default_factory=list)
    pid: int = 0
    peak_rss_mb: float = 0.0


def _scalar(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


def _column(values: Any, float32: bool) -> pa.Array:
    arr = np.asarray(values)
    if arr.dtype.kind in "iuf" and float32:
        return pa.array(arr.astype(np.float32))
    if arr.dtype.kind in "US":
        return pa.array(arr.astype(str).tolist(), type=pa.string())
    if arr.dtype.kind == "O":
        return pa.array(arr.tolist())
    return pa.array(arr)


def record_tables(
    labels: dict[str, Any], ticks: dict[str, Any], losses: dict[str, Any]
) -> tuple[pa.Table, pa.Table]:
    """Arrow tables of one run's series and loss trace, keyed by ``seed`` and ``run_index``.

    Series (every ticks column but ``tick`` and ``month``) are stored as float32, or as they
    are when boolean or text; ``tick`` is int32. Loss amounts keep float64 ($B).
    """
    n = len(ticks["tick"])
    tick_cols: dict[str, pa.Array] = {
        "seed": pa.array(np.full(n, labels["seed"], dtype=np.int64)),
        "run_index": pa.array(np.full(n, labels["run_index"], dtype=np.int64)),
        "tick": pa.array(np.asarray(ticks["tick"]).astype(np.int32)),
        "month": _column(ticks["month"], float32=False),
    }
    for name, values in ticks.items():
        if name not in tick_cols:
            tick_cols[name] = _column(values, float32=np.asarray(values).dtype.kind != "b")
    m = len(next(iter(losses.values()))) if losses else 0
    loss_cols: dict[str, pa.Array] = {
        "run_index": pa.array(np.full(m, labels["run_index"], dtype=np.int64)),
        "seed": pa.array(np.full(m, labels["seed"], dtype=np.int64)),
    }
    for name, values in losses.items():
        loss_cols[name] = _column(values, float32=False)
    return pa.table(tick_cols), pa.table(loss_cols)


def _rows_table(rows: list[dict[str, Any]]) -> pa.Table:
    columns: dict[str, list[Any]] = {}
    for row in rows:
        for key in row:
            columns.setdefault(key, [])
    for row in rows:
        for key, values in columns.items():
            values.append(row.get(key))
    return pa.table({k: pa.array(v) for k, v in columns.items()})


def _peak_rss_mb() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 2**10


def run_batch(kind: str, tasks: list[Task]) -> BatchResult:
    """Run ``tasks`` in order with the engine of ``kind``.

    Parameters
    ----------
    kind : str
        ``"economy"`` (a ``RunRecord`` per simulation) or ``"gai_kapadia"`` (a dict row).
    tasks : list of Task
        Simulations to run.

    Returns
    -------
    BatchResult
        Tables of the batch; a simulation that raised has its message in ``error``.
    """
    simulate = engine(kind)
    rows, tick_tables, loss_tables, seconds, failures = [], [], [], [], []
    for task in tasks:
        start = time.perf_counter()
        row = dict(task.labels)
        try:
            result = simulate(dict(task.params), task.seed)
            if kind == "economy":
                row.update({k: _scalar(v) for k, v in result.summary.items()})
                ticks, losses = record_tables(task.labels, result.ticks, result.losses)
                tick_tables.append(ticks)
                loss_tables.append(losses)
            else:
                row.update({k: _scalar(v) for k, v in result.items()})
            row["error"] = ""
        except Exception as exc:  # a failed simulation is data, not the end of the sweep
            message = " ".join(f"{type(exc).__name__}: {exc}".split())
            row["error"] = message
            failures.append((task.run_index, message))
        seconds.append(time.perf_counter() - start)
        rows.append(row)

    def concat(tables: list[pa.Table]) -> pa.Table | None:
        return pa.concat_tables(tables, promote_options="permissive") if tables else None

    return BatchResult(
        runs=_rows_table(rows),
        ticks=concat(tick_tables),
        losses=concat(loss_tables),
        seconds=seconds,
        failures=failures,
        pid=os.getpid(),
        peak_rss_mb=_peak_rss_mb(),
    )
