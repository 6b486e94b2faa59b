"""A sweep: run the simulations of a plan that are not stored yet, stream them to disk.

``start`` creates the run folder and its manifest; ``execute`` runs what is missing (all of
it, or the rest after a kill), stores each batch as it completes, shows its progress on
stderr (a bar on a terminal, a line at each tenth of the runs in a log file), and
consolidates the tables. Drawing figures and the final rename are left to the
caller, so that a folder is complete, figures included, when it gets its final name.

Each call of ``execute`` is one segment of ``timings.segments`` in the manifest, written
open when it starts. A segment cut short keeps ``"interrupted": true``, the runs it stored
and its seconds: up to the interruption (Ctrl-C), or, after a kill, up to its last stored
batch (read from the part files when the run is resumed); the time between that batch and
the kill is not known and not counted.
"""

from __future__ import annotations

import math
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from experiments.backends import map_batches
from experiments.plan import Plan, Task
from experiments.provenance import code_version, package_versions
from experiments.storage import (
    RunFolder,
    completed_runs,
    consolidate,
    new_run_folder,
    read_manifest,
    write_batch,
    write_json,
)

__all__ = ["SweepReport", "start", "execute", "batches", "batch_size", "now"]

_MAX_BATCH = 16
_BATCHES_PER_WORKER = 8


@dataclass
class SweepReport:
    """Outcome of ``execute``.

    Attributes
    ----------
    runs : int
        Simulations in the plan.
    ran : int
        Simulations run by this call (the others were stored by an earlier one).
    failures : list of (int, str)
        ``(run_index, error)`` of every failed simulation of the sweep, stored ones included.
    rows : dict
        Rows of ``runs``, ``ticks`` and ``losses``.
    """

    runs: int
    ran: int
    failures: list[tuple[int, str]] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=dict)


def now() -> str:
    """Current UTC time, ISO 8601, to the second."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def start(plan: Plan, out: Path) -> RunFolder:
    """Create the partial run folder of ``plan`` under ``out`` and write its manifest."""
    folder = new_run_folder(out, plan.experiment)
    manifest = {
        "config": plan.config(),
        "seeds": plan.seeds_record(),
        "code_version": code_version(),
        "packages": package_versions(),
        "timings": {"started": now(), "segments": []},
    }
    write_json(folder.partial / "manifest.json", manifest)
    return folder


def batch_size(remaining: int, workers: int) -> int:
    """Simulations per batch: about eight batches per worker, at most 16 per batch."""
    return max(1, min(_MAX_BATCH, math.ceil(remaining / (workers * _BATCHES_PER_WORKER))))


def batches(tasks: list[Task], size: int) -> list[list[Task]]:
    """Group tasks (sorted by run index) into batches of consecutive run indices."""
    out: list[list[Task]] = []
    for task in tasks:
        last = out[-1] if out else None
        if last and len(last) < size and last[-1].run_index + 1 == task.run_index:
            last.append(task)
        else:
            out.append([task])
    return out


def _progress(console: Console) -> Progress:
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("runs"),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
        console=console,
        transient=False,
    )


class _LogLines:
    """Progress for a stderr that is not an interactive terminal (a log file, a batch job,
    ``TERM=dumb``), where a bar would show only when it ends: a line at each tenth of the
    runs, with the time elapsed and the time left at this segment's pace so far."""

    def __init__(self, name: str, total: int, done: int) -> None:
        self.name, self.total, self.done, self.done_before = name, total, done, done
        self.step = max(1, math.ceil(total / 10))
        self.next = (done // self.step + 1) * self.step
        self.t0 = time.perf_counter()

    def advance(self, runs: int) -> None:
        self.done += runs
        if self.done < min(self.next, self.total):
            return
        while self.next <= self.done:
            self.next += self.step
        elapsed = time.perf_counter() - self.t0
        left = (self.total - self.done) * elapsed / max(self.done - self.done_before, 1)
        print(
            f"{self.name}: {self.done} of {self.total} runs, {_clock(elapsed)} elapsed, "
            f"ETA {_clock(left)}",
            file=sys.stderr,
            flush=True,
        )


def _clock(seconds: float) -> str:
    """``0:01:05`` for 65 s, as the bar writes times."""
    return str(timedelta(seconds=round(seconds)))


def _stored_failures(folder: RunFolder) -> list[tuple[int, str]]:
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    paths = sorted(folder.parts.glob("*.runs.parquet")) if folder.parts.is_dir() else []
    if not paths and (folder.partial / "runs.parquet").is_file():
        paths = [folder.partial / "runs.parquet"]
    failures = []
    for path in paths:
        table = pq.read_table(path, columns=["run_index", "error"])
        bad = table.filter(pc.not_equal(table["error"], ""))
        failures += list(zip(bad["run_index"].to_pylist(), bad["error"].to_pylist(), strict=True))
    return failures


def _stored_at(folder: RunFolder) -> float:
    """Time (seconds since the epoch) the newest batch or table of ``folder`` was stored."""
    paths = list(folder.parts.glob("*.runs.parquet")) if folder.parts.is_dir() else []
    paths += [p for p in (folder.partial / "runs.parquet",) if p.is_file()]
    return max((p.stat().st_mtime for p in paths), default=0.0)


def _close(segment: dict[str, Any], stored: int, until: float) -> None:
    """Mark an open ``segment`` interrupted at ``until`` (seconds since the epoch), having
    stored runs up to ``stored`` in all."""
    since = datetime.fromisoformat(segment["started"]).timestamp()
    until = max(until, since)
    segment.update(
        finished=datetime.fromtimestamp(until, UTC).isoformat(timespec="seconds"),
        interrupted=True,
        runs=stored - segment.pop("stored_before"),
        sweep_seconds=round(until - since, 0),  # "started" is to the second
        consolidate_seconds=0.0,
    )


def _open_segment(folder: RunFolder, segment: dict[str, Any], stored: int) -> None:
    """Close a segment a kill left open (up to its last stored batch), then write
    ``segment`` into the manifest as the open one."""
    manifest = read_manifest(folder.partial)
    segments = manifest["timings"]["segments"]
    if segments and "stored_before" in segments[-1]:
        _close(segments[-1], stored, _stored_at(folder))
    segments.append({**segment, "stored_before": stored})
    write_json(folder.partial / "manifest.json", manifest)


def _interrupted(folder: RunFolder) -> None:
    """Record the open segment as interrupted now, with the runs stored so far."""
    manifest = read_manifest(folder.partial)
    _close(manifest["timings"]["segments"][-1], len(completed_runs(folder)), time.time())
    write_json(folder.partial / "manifest.json", manifest)


def execute(
    plan: Plan,
    folder: RunFolder,
    backend: str,
    workers: int,
    scheduler: str | None = None,
    progress: bool = True,
) -> SweepReport:
    """Run the simulations of ``plan`` missing from ``folder``, then consolidate the tables.

    Parameters
    ----------
    plan : Plan
        The experiment to run.
    folder : RunFolder
        Its partial run folder (new, or one being resumed).
    backend : {"serial", "processes", "dask"}
        Where simulations run.
    workers : int
        Worker processes.
    scheduler : str, optional
        Address of a Dask scheduler to join.
    progress : bool
        Show the progress with an ETA on stderr: a bar on a terminal, else plain lines.

    Returns
    -------
    SweepReport
        Counts and failures; the manifest's ``timings`` gains one segment for this call,
        recorded as interrupted if the call is cut short.
    """
    started, t0 = now(), time.perf_counter()
    done = completed_runs(folder)
    todo = [t for t in plan.tasks() if t.run_index not in done]
    where = {"started": started, "backend": backend, "workers": workers, "scheduler": scheduler}
    _open_segment(folder, where, len(done))
    groups = batches(todo, batch_size(len(todo), workers))
    seconds: list[float] = []
    peak_rss: dict[int, float] = {}
    console = Console(stderr=True)
    bar = _progress(console) if progress and console.is_interactive else None
    lines = _LogLines(plan.experiment, plan.n_runs, len(done)) if progress and not bar else None
    if bar is not None:
        bar.start()
        bar_task = bar.add_task(plan.experiment, total=plan.n_runs, completed=len(done))
    try:
        if groups:
            for result in map_batches(plan.kind, groups, backend, workers, scheduler):
                write_batch(folder, result)
                seconds += result.seconds
                peak_rss[result.pid] = max(peak_rss.get(result.pid, 0.0), result.peak_rss_mb)
                if bar is not None:
                    bar.advance(bar_task, len(result.seconds))
                elif lines is not None:
                    lines.advance(len(result.seconds))
    except BaseException:  # Ctrl-C, or the backend broke down: the segment ends here
        _interrupted(folder)
        raise
    finally:
        if bar is not None:
            bar.stop()
    failures = _stored_failures(folder)
    t1 = time.perf_counter()
    rows = consolidate(folder)
    segment: dict[str, Any] = {
        **where,
        "finished": now(),
        "interrupted": False,
        "runs": len(todo),
        "sweep_seconds": round(t1 - t0, 3),
        "consolidate_seconds": round(time.perf_counter() - t1, 3),
        "run_seconds_mean": round(sum(seconds) / len(seconds), 4) if seconds else None,
        "run_seconds_max": round(max(seconds), 4) if seconds else None,
        "peak_rss_mb_per_worker": sorted(round(v, 1) for v in peak_rss.values()),
    }
    manifest = read_manifest(folder.partial)
    manifest["timings"]["segments"][-1] = segment
    write_json(folder.partial / "manifest.json", manifest)
    return SweepReport(runs=plan.n_runs, ran=len(todo), failures=failures, rows=rows)
