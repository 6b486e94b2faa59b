"""Run folders on disk: streamed part files, resume, consolidation and atomic completion.

While a sweep runs, results go to ``<out>/<experiment>/.<run-id>.partial/``::

    manifest.json                      config and seeds (timings added at the end)
    parts/<first run_index>.ticks.parquet
    parts/<first run_index>.losses.parquet
    parts/<first run_index>.runs.parquet    written last: marks the batch as done

Every file is written under a temporary name and renamed, so a killed sweep leaves only
whole files. When all runs are done the parts are consolidated into ``runs.parquet``,
``ticks.parquet`` and ``losses.parquet`` (rows sorted by ``run_index``), figures are drawn,
and the folder is renamed to ``<out>/<experiment>/<run-id>/``.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from experiments.errors import InputError
from experiments.runner import BatchResult

__all__ = [
    "RunFolder",
    "TABLES",
    "new_run_folder",
    "resume_run_folder",
    "read_manifest",
    "check_finished",
    "write_json",
    "write_batch",
    "completed_runs",
    "consolidate",
    "finalize",
]

TABLES = ("runs", "ticks", "losses")
"""The tables of a run folder, each ``<name>.parquet``."""
_CONFIG_KEYS = ("experiment", "version", "grid", "arms", "seeds", "points", "figures")
"""Keys of a manifest's run configuration that the figures and the headline read."""

_PARTIAL = re.compile(r"^\.(?P<run_id>.+)\.partial$")
_KEYS = {"ticks": ["seed", "run_index"], "losses": ["run_index", "seed"]}


@dataclass(frozen=True)
class RunFolder:
    """A run folder in progress and where it goes when complete.

    Attributes
    ----------
    partial : Path
        ``<out>/<experiment>/.<run-id>.partial``, where results are written.
    final : Path
        ``<out>/<experiment>/<run-id>``, the folder once complete.
    """

    partial: Path
    final: Path

    @property
    def parts(self) -> Path:
        """Folder of the per-batch part files."""
        return self.partial / "parts"


def new_run_folder(out: Path, experiment: str) -> RunFolder:
    """Create an empty partial folder for a new run of ``experiment`` under ``out``.

    The run id is the UTC start time and a random suffix, e.g. ``20250101T120000Z-1a2b3c``.
    """
    run_id = f"{datetime.now(UTC):%Y%m%dT%H%M%SZ}-{secrets.token_hex(3)}"
    folder = RunFolder(out / experiment / f".{run_id}.partial", out / experiment / run_id)
    folder.parts.mkdir(parents=True)
    return folder


def resume_run_folder(path: Path) -> tuple[RunFolder, bool]:
    """Find the run folder named by ``--resume`` (the partial or the final path).

    Returns
    -------
    (RunFolder, bool)
        The folder and whether it is already complete; its paths stay relative when
        ``path`` is, as the paths ``run`` prints.

    Raises
    ------
    InputError
        When neither a partial nor a complete run folder exists at ``path``.
    """
    path = Path(os.path.normpath(path))
    if path.name in ("", ".."):  # "." or "..": the folder's own name is needed
        path = Path(os.path.normpath(path.absolute()))
    match = _PARTIAL.match(path.name)
    if match:
        folder = RunFolder(path, path.with_name(match["run_id"]))
    else:
        folder = RunFolder(path.with_name(f".{path.name}.partial"), path)
    if folder.partial.is_dir() and (folder.partial / "manifest.json").is_file():
        return folder, False
    if (folder.final / "manifest.json").is_file() and (folder.final / "runs.parquet").is_file():
        return folder, True
    raise InputError(f"--resume: no run folder at {path} (give a run directory printed by 'run')")


def write_json(path: Path, data: dict[str, Any]) -> None:
    """Write JSON atomically (temporary file, then rename)."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, indent=2, default=str) + "\n")
    os.replace(tmp, path)


def read_manifest(run_dir: Path) -> dict[str, Any]:
    """Read ``manifest.json`` of a run folder.

    Raises
    ------
    InputError
        When the folder or its manifest is missing or unreadable.
    """
    path = run_dir / "manifest.json"
    if not path.is_file():
        raise InputError(f"RUN_DIR: no manifest.json in {run_dir} (not a run folder)")
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError) as err:
        raise InputError(f"RUN_DIR: cannot read {path} ({err})") from None


def check_finished(run_dir: Path) -> None:
    """Check that ``run_dir`` is a finished run folder: a manifest holding the run's
    configuration and a readable Parquet file of each of ``TABLES``.

    Raises
    ------
    InputError
        Naming the first file that is missing, unreadable or incomplete.
    """
    manifest = read_manifest(run_dir)
    config = manifest.get("config")
    if not isinstance(config, dict):
        raise InputError(f"RUN_DIR: {run_dir / 'manifest.json'} has no run configuration")
    for name in TABLES:
        path = run_dir / f"{name}.parquet"
        if not path.is_file():
            raise InputError(
                f"RUN_DIR: no {path.name} in {run_dir} (unfinished? complete it with run --resume)"
            )
        try:
            pq.read_metadata(path)
        except (OSError, pa.ArrowException) as err:
            raise InputError(f"RUN_DIR: cannot read {path} ({err})") from None
    lost = [key for key in _CONFIG_KEYS if key not in config]
    if lost:
        raise InputError(
            f"RUN_DIR: {run_dir / 'manifest.json'}: the run configuration lacks {', '.join(lost)}"
        )


def _write_table(table: pa.Table, path: Path) -> None:
    tmp = path.with_name(path.name + ".tmp")
    pq.write_table(table, tmp)
    os.replace(tmp, path)


def write_batch(folder: RunFolder, result: BatchResult) -> None:
    """Store one batch as part files; the runs part is written last."""
    stem = f"{min(result.runs['run_index'].to_pylist()):09d}"
    for name in ("ticks", "losses"):
        table = getattr(result, name)
        if table is not None:
            _write_table(table, folder.parts / f"{stem}.{name}.parquet")
    _write_table(result.runs, folder.parts / f"{stem}.runs.parquet")


def completed_runs(folder: RunFolder) -> set[int]:
    """Run indices already stored; removes files of batches that did not finish.

    A batch counts as stored once its runs part exists; a consolidated folder (no parts
    left, ``runs.parquet`` present) has all its runs stored.
    """
    if not folder.parts.is_dir():
        if (folder.partial / "runs.parquet").is_file():
            table = pq.read_table(folder.partial / "runs.parquet", columns=["run_index"])
            return set(table["run_index"].to_pylist())
        folder.parts.mkdir()
        return set()
    stems = {p.name.split(".")[0] for p in folder.parts.glob("*.runs.parquet")}
    done: set[int] = set()
    for path in folder.parts.iterdir():
        if path.name.split(".")[0] not in stems or path.name.endswith(".tmp"):
            path.unlink()
        elif path.name.endswith(".runs.parquet"):
            done.update(pq.read_table(path, columns=["run_index"])["run_index"].to_pylist())
    return done


def _parts(folder: RunFolder, name: str) -> list[Path]:
    return sorted(folder.parts.glob(f"*.{name}.parquet"))


def _conform(table: pa.Table, schema: pa.Schema) -> pa.Table:
    columns = [
        table[f.name].cast(f.type)
        if f.name in table.column_names
        else pa.nulls(table.num_rows, f.type)
        for f in schema
    ]
    return pa.Table.from_arrays(columns, schema=schema)


def _unified(paths: list[Path]) -> pa.Schema:
    return pa.unify_schemas([pq.read_schema(p) for p in paths], promote_options="permissive")


def _consolidate_runs(folder: RunFolder) -> int:
    paths = _parts(folder, "runs")
    schema = _unified(paths)
    names = [n for n in schema.names if n != "error"] + ["error"]
    schema = pa.schema([schema.field(n) for n in names])
    table = pa.concat_tables([_conform(pq.read_table(p), schema) for p in paths])
    table = table.sort_by("run_index").combine_chunks()
    _write_table(table, folder.partial / "runs.parquet")
    return table.num_rows


def _consolidate_stream(folder: RunFolder, name: str) -> int:
    paths = _parts(folder, name)
    target = folder.partial / f"{name}.parquet"
    if not paths:
        schema = pa.schema([(k, pa.int64()) for k in _KEYS[name]])
        _write_table(schema.empty_table(), target)
        return 0
    schema = _unified(paths)
    tmp = target.with_name(target.name + ".tmp")
    rows = 0
    with pq.ParquetWriter(tmp, schema) as writer:
        for path in paths:  # batches hold consecutive run indices, so file order is row order
            table = _conform(pq.read_table(path), schema)
            writer.write_table(table)
            rows += table.num_rows
    os.replace(tmp, target)
    return rows


def consolidate(folder: RunFolder) -> dict[str, int]:
    """Merge the part files into the three tables and remove the parts.

    Returns
    -------
    dict
        Number of rows of each table.
    """
    trash = folder.partial / ".parts.trash"
    if not folder.parts.is_dir():
        shutil.rmtree(trash, ignore_errors=True)
        return {n: pq.read_metadata(folder.partial / f"{n}.parquet").num_rows for n in TABLES}
    counts = {
        "ticks": _consolidate_stream(folder, "ticks"),
        "losses": _consolidate_stream(folder, "losses"),
        "runs": _consolidate_runs(folder),
    }
    os.replace(folder.parts, trash)
    shutil.rmtree(trash)
    return counts


def finalize(folder: RunFolder) -> Path:
    """Rename the complete partial folder to its final name; return the final path."""
    os.replace(folder.partial, folder.final)
    return folder.final
