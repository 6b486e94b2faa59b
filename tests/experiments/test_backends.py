"""The same tables whichever backend and worker count: serial, process pool, Dask."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

TABLES = ("runs", "ticks", "losses")


def _tables(run_dir: Path) -> dict[str, pd.DataFrame]:
    return {name: pd.read_parquet(run_dir / f"{name}.parquet") for name in TABLES}


@pytest.mark.slow
def test_serial_processes_and_dask_give_identical_tables(cli, small: Path, tmp_path: Path):
    results = {}
    for backend, extra in [
        ("serial", []),
        ("processes", ["--workers", "2"]),
        ("dask", ["--workers", "2"]),
    ]:
        code, stdout, stderr = cli(
            "run",
            small,
            "--seeds",
            "2",
            "--set",
            "horizon_months=12",
            "--backend",
            backend,
            *extra,
            "--out",
            tmp_path / backend,
        )
        assert code == 0, stderr
        run_dir = Path(stdout.strip().splitlines()[-1])
        assert f"on {backend}" in stderr
        results[backend] = _tables(run_dir)
    from dask.distributed import LocalCluster

    with LocalCluster(
        n_workers=1, processes=True, host="127.0.0.1", dashboard_address=None
    ) as cluster:
        code, stdout, stderr = cli(
            "run",
            small,
            "--seeds",
            "2",
            "--set",
            "horizon_months=12",
            "--scheduler",
            cluster.scheduler_address,
            "--out",
            tmp_path / "scheduler",
        )
    assert code == 0, stderr
    assert "on dask" in stderr
    results["scheduler"] = _tables(Path(stdout.strip().splitlines()[-1]))
    for backend in ("processes", "dask", "scheduler"):
        for name in TABLES:
            pd.testing.assert_frame_equal(results[backend][name], results["serial"][name])
    assert len(results["serial"]["runs"]) == 8
    assert len(results["serial"]["ticks"]) == 8 * 12
