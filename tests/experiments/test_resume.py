"""A sweep killed with SIGKILL leaves no worker behind, and resumed ends with the tables of
an uninterrupted one."""

from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path

import pandas as pd
import pytest

TABLES = ("runs", "ticks", "losses")


def _descendants(pid: int) -> set[int]:
    """Processes below ``pid`` (children, their children...), read from /proc."""
    parents = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():  # self, sys, ...: not processes
            continue
        try:
            # the command name, in parentheses, may hold spaces: the fields follow its end
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        parents[int(entry.name)] = int(fields[1])
    below, found = {pid}, True
    while found:
        new = {child for child, parent in parents.items() if parent in below} - below
        below |= new
        found = bool(new)
    return below - {pid}


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _tables(run_dir: Path) -> dict[str, pd.DataFrame]:
    return {name: pd.read_parquet(run_dir / f"{name}.parquet") for name in TABLES}


def _started(cli_process, args: list, out: Path):
    """``hotpotato ARGS --out OUT`` running, once it has stored its first batch."""
    proc = cli_process(*args, "--out", out, wait=False)
    deadline = time.monotonic() + 120
    parts: list[Path] = []
    while time.monotonic() < deadline and proc.poll() is None:
        parts = list(out.glob("small/.*.partial/parts/*.runs.parquet"))
        if parts:
            break
        time.sleep(0.02)
    assert parts and proc.poll() is None, "the sweep ended before it could be stopped"
    return proc


@pytest.mark.slow
def test_killed_sweep_resumes_to_identical_tables(cli, cli_process, small: Path, tmp_path: Path):
    args = ["run", small, "--seeds", "12", "--set", "horizon_months=12"]
    code, stdout, stderr = cli(*args, "--out", tmp_path / "whole")
    assert code == 0, stderr
    whole = _tables(Path(stdout.strip().splitlines()[-1]))

    out = tmp_path / "killed"
    proc = _started(cli_process, args, out)
    workers = _descendants(proc.pid) if Path("/proc/self/stat").exists() else set()
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and any(_alive(p) for p in workers):
        time.sleep(0.1)
    assert not [p for p in workers if _alive(p)], "workers outlived the killed sweep"
    (partial,) = out.glob("small/.*.partial")
    assert not list(out.glob("small/[!.]*"))  # nothing renamed into place

    code, stdout, stderr = cli("run", small, "--resume", partial)
    assert code == 0, stderr
    final = Path(stdout.strip().splitlines()[-1])
    assert final == partial.with_name(partial.name[1:].removesuffix(".partial"))
    assert not partial.exists()
    resumed = _tables(final)
    for name in TABLES:
        pd.testing.assert_frame_equal(resumed[name], whole[name])
    killed, finished = json.loads((final / "manifest.json").read_text())["timings"]["segments"]
    assert killed["interrupted"] and killed["runs"] >= 1 and killed["sweep_seconds"] >= 0
    assert not finished["interrupted"] and killed["runs"] + finished["runs"] == 48

    code, stdout, stderr = cli("run", small, "--resume", final)  # already complete
    assert code == 0 and Path(stdout.strip().splitlines()[-1]) == final
    assert "already complete" in stderr


@pytest.mark.slow
def test_sigterm_stops_a_sweep_as_ctrl_c_does(cli, cli_process, small: Path, tmp_path: Path):
    # a batch scheduler's time limit: the run stops, says how to finish, leaves no worker
    proc = _started(
        cli_process, ["run", small, "--seeds", "12", "--set", "horizon_months=12"], tmp_path
    )
    workers = _descendants(proc.pid) if Path("/proc/self/stat").exists() else set()
    proc.send_signal(signal.SIGTERM)
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130, stderr
    (partial,) = tmp_path.glob("small/.*.partial")
    assert f"interrupted; finish with: hotpotato run {small} --resume {partial}" in stderr
    assert "Traceback" not in stderr and "leaked" not in stderr
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and any(_alive(p) for p in workers):
        time.sleep(0.1)
    assert not [p for p in workers if _alive(p)], "workers outlived the stopped sweep"
    segment = json.loads((partial / "manifest.json").read_text())["timings"]["segments"][-1]
    assert segment["interrupted"] and segment["runs"] >= 1
