"""A sweep killed with SIGKILL and resumed ends with the tables of an uninterrupted one."""

from __future__ import annotations

import signal
import time
from pathlib import Path

import pandas as pd
import pytest

TABLES = ("runs", "ticks", "losses")


def _tables(run_dir: Path) -> dict[str, pd.DataFrame]:
    return {name: pd.read_parquet(run_dir / f"{name}.parquet") for name in TABLES}


@pytest.mark.slow
def test_killed_sweep_resumes_to_identical_tables(cli, cli_process, small: Path, tmp_path: Path):
    args = ["run", small, "--seeds", "12", "--set", "horizon_months=12"]
    code, stdout, stderr = cli(*args, "--out", tmp_path / "whole")
    assert code == 0, stderr
    whole = _tables(Path(stdout.strip().splitlines()[-1]))

    out = tmp_path / "killed"
    proc = cli_process(*args, "--out", out, wait=False)
    deadline = time.monotonic() + 120
    parts: list[Path] = []
    while time.monotonic() < deadline and proc.poll() is None:
        parts = list(out.glob("small/.*.partial/parts/*.runs.parquet"))
        if parts:
            break
        time.sleep(0.02)
    assert parts and proc.poll() is None, "the sweep ended before it could be killed"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
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

    code, stdout, stderr = cli("run", small, "--resume", final)  # already complete
    assert code == 0 and Path(stdout.strip().splitlines()[-1]) == final
    assert "already complete" in stderr
