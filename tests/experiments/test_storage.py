"""Batching, part files, resume bookkeeping and consolidation, without the model."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest

from experiments.errors import InputError
from experiments.plan import Task
from experiments.runner import BatchResult
from experiments.storage import (
    completed_runs,
    consolidate,
    finalize,
    new_run_folder,
    resume_run_folder,
    write_batch,
    write_json,
)
from experiments.sweep import batch_size, batches


def _task(i: int) -> Task:
    return Task(i, 100 + i, {}, {"run_index": i, "seed": 100 + i})


def test_batches_hold_consecutive_run_indices():
    tasks = [_task(i) for i in [0, 1, 2, 3, 7, 8, 9, 12]]
    groups = batches(tasks, 3)
    assert [[t.run_index for t in g] for g in groups] == [[0, 1, 2], [3], [7, 8, 9], [12]]
    assert batch_size(1000, 2) == 16
    assert batch_size(10, 2) == 1
    assert batch_size(0, 1) == 1


def _result(indices: list[int], failed: set[int]) -> BatchResult:
    rows = []
    for i in indices:
        row = {"run_index": i, "seed": 100 + i}
        if i in failed:
            row["error"] = "RuntimeError: boom"
        else:
            row.update(crashed=i % 2 == 0, crash_month=i, loss_total=float(i), error="")
        rows.append(row)
    ok = [i for i in indices if i not in failed]
    ticks = pa.table(
        {
            "seed": [100 + i for i in ok for _ in range(2)],
            "run_index": [i for i in ok for _ in range(2)],
            "tick": [t for _ in ok for t in range(2)],
            "month": [m for _ in ok for m in ("2025-01", "2025-02")],
            "ai_index": pa.array([1.0, 0.5] * len(ok), pa.float32()),
        }
    )
    columns = {k: [r.get(k) for r in rows] for k in dict.fromkeys(k for r in rows for k in r)}
    return BatchResult(runs=pa.table(columns), ticks=ticks if ok else None, losses=None)


def test_consolidation_sorts_rows_and_unifies_failed_parts(tmp_path: Path):
    folder = new_run_folder(tmp_path, "exp")
    write_json(folder.partial / "manifest.json", {"config": {}})
    write_batch(folder, _result([4, 5], failed=set()))
    write_batch(folder, _result([2, 3], failed={2, 3}))  # a part of failures only
    write_batch(folder, _result([0, 1], failed={1}))
    assert completed_runs(folder) == {0, 1, 2, 3, 4, 5}
    counts = consolidate(folder)
    assert counts == {"runs": 6, "ticks": 6, "losses": 0}
    runs = pd.read_parquet(folder.partial / "runs.parquet")
    assert list(runs["run_index"]) == list(range(6))
    assert list(runs.columns) == [
        "run_index",
        "seed",
        "crashed",
        "crash_month",
        "loss_total",
        "error",
    ]
    assert list(runs["error"] != "") == [False, True, True, True, False, False]
    ticks = pd.read_parquet(folder.partial / "ticks.parquet")
    assert list(ticks["run_index"].unique()) == [0, 4, 5]
    assert ticks["ai_index"].dtype == "float32"
    assert not folder.parts.exists()
    final = finalize(folder)
    assert final == tmp_path / "exp" / final.name and not folder.partial.exists()


def test_unfinished_batches_are_discarded_on_resume(tmp_path: Path):
    folder = new_run_folder(tmp_path, "exp")
    write_json(folder.partial / "manifest.json", {"config": {}})
    write_batch(folder, _result([0, 1], failed=set()))
    (folder.parts / "000000002.ticks.parquet").write_bytes(b"half a batch")
    (folder.parts / "000000004.runs.parquet.tmp").write_bytes(b"half a file")
    assert completed_runs(folder) == {0, 1}
    assert sorted(p.name for p in folder.parts.iterdir()) == [
        "000000000.runs.parquet",
        "000000000.ticks.parquet",
    ]


def test_resume_accepts_partial_or_final_path(tmp_path: Path):
    folder = new_run_folder(tmp_path, "exp")
    write_json(folder.partial / "manifest.json", {"config": {}})
    assert resume_run_folder(folder.partial) == (folder, False)
    assert resume_run_folder(folder.final) == (folder, False)
    with pytest.raises(InputError, match="--resume"):
        resume_run_folder(tmp_path / "exp" / "nothing")


def test_resume_keeps_a_relative_path_relative(tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    folder = new_run_folder(Path("results"), "exp")
    write_json(folder.partial / "manifest.json", {"config": {}})
    assert resume_run_folder(Path("results/./exp") / folder.partial.name) == (folder, False)
    monkeypatch.chdir(folder.partial)
    assert resume_run_folder(Path("."))[0].partial == tmp_path / folder.partial


def test_parts_with_different_column_types_are_promoted(tmp_path: Path):
    folder = new_run_folder(tmp_path, "exp")
    for i, value in enumerate([1, 1.5]):
        runs = pa.table({"run_index": [i], "seed": [9], "value": [value], "error": [""]})
        write_batch(folder, BatchResult(runs=runs, ticks=None, losses=None))
    consolidate(folder)
    runs = pd.read_parquet(folder.partial / "runs.parquet")
    assert runs["value"].tolist() == [1.0, 1.5] and runs["value"].dtype == "float64"
