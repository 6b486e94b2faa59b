"""End to end through the CLI on small sweeps of the real model."""

from __future__ import annotations

import json
import sys
import types
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq

from model.run import LOSS_COLUMNS, SUMMARY_COLUMNS


def _last_line(text: str) -> str:
    return [line for line in text.splitlines() if line.strip()][-1]


def test_run_writes_a_complete_run_folder(cli, small: Path, tmp_path: Path, monkeypatch):
    for name in ("FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE"):  # stderr is no terminal
        monkeypatch.delenv(name, raising=False)
    out = tmp_path / "out"
    code, stdout, stderr = cli("run", small, "--out", out, "--seeds", "2")
    assert code == 0, stderr
    run_dir = Path(_last_line(stdout))
    assert run_dir.parent == out / "small" and run_dir.is_dir()
    assert [p.name for p in run_dir.parent.iterdir()] == [run_dir.name]  # no partial left
    # not a terminal: progress as plain lines, the last at the end of the sweep
    assert "small: 8 of 8 runs, " in stderr and "ETA 0:00:00" in stderr

    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert {"config", "seeds", "code_version", "packages", "timings"} <= set(manifest)
    assert manifest["seeds"]["count"] == 2 and len(manifest["seeds"]["values"]) == 2
    for package in ["python", "mesa", "numpy", "scipy", "pandas", "pyarrow", "pydantic", "dask"]:
        assert manifest["packages"][package]
    assert manifest["timings"]["wall_seconds"] > 0
    assert manifest["config"]["experiment"] == "small"

    runs = pd.read_parquet(run_dir / "runs.parquet")
    assert list(runs.columns[:5]) == ["run_index", "arm", "seed", "obs_share", "guarantees"]
    assert set(SUMMARY_COLUMNS) <= set(runs.columns) and runs.columns[-1] == "error"
    assert list(runs["run_index"]) == list(range(8))
    assert (runs["error"] == "").all()
    assert set(runs["seed"]) == set(manifest["seeds"]["values"])
    for arm, part in runs.groupby("arm", sort=False):  # the headline, one line an arm
        assert f"{arm}: crash in {int(part['crashed'].sum())} of {len(part)}" in stderr
    # common random numbers: every arm and grid point ran the same seeds
    assert runs.groupby(["arm", "obs_share"])["seed"].apply(tuple).nunique() == 1

    ticks = pq.read_table(run_dir / "ticks.parquet").to_pandas()
    assert list(ticks.columns[:4]) == ["seed", "run_index", "tick", "month"]
    assert len(ticks) == 8 * 24 and ticks["month"].iloc[0] == "2025-01"
    assert ticks["ai_index"].dtype == "float32"
    losses = pd.read_parquet(run_dir / "losses.parquet")
    assert list(losses.columns[:2]) == ["run_index", "seed"]
    assert set(LOSS_COLUMNS) <= set(losses.columns)

    for suffix in ("png", "svg"):
        figure = run_dir / "figures" / f"crash_probability.{suffix}"
        assert figure.stat().st_size > 1000


def test_a_failing_simulation_is_a_row_and_the_sweep_goes_on(cli, small, tmp_path, monkeypatch):
    import model.run

    real = model.run.simulate
    bad_seed = None

    def flaky(params, seed):
        if seed == bad_seed:
            raise RuntimeError("ledger out of balance\nsecond line")
        return real(params, seed)

    from experiments.seeds import spawn_seeds

    bad_seed = spawn_seeds(7, 2)[1]
    monkeypatch.setattr(model.run, "simulate", flaky)  # reaches this process only: serial
    code, stdout, stderr = cli(
        "run", small, "--out", tmp_path, "--seeds", "2", "--backend", "serial"
    )
    assert code == 1
    runs = pd.read_parquet(Path(_last_line(stdout)) / "runs.parquet")
    failed = runs[runs["error"] != ""]
    assert list(failed["seed"]) == [bad_seed] * 4
    assert set(failed["error"]) == {"RuntimeError: ledger out of balance second line"}
    assert runs.loc[runs["error"] == "", "crashed"].notna().all()
    assert "4 failed" in stderr and "ledger out of balance" in stderr


def test_gai_kapadia_kind_dispatches_to_its_engine(cli, tmp_path, monkeypatch):
    engine = types.ModuleType("experiments.gai_kapadia")

    def simulate_point(params, seed):
        return {
            "z": params["z"],
            "frequency": min(1.0, params["z"] / 10),
            "extent": 0.5,
            "draws": params["draws"],
        }

    def plot(run_dir):
        (Path(run_dir) / "figures").mkdir(exist_ok=True)
        (Path(run_dir) / "figures" / "window.png").write_bytes(b"png")
        return [Path(run_dir) / "figures" / "window.png"]

    engine.simulate_point, engine.plot = simulate_point, plot
    monkeypatch.setitem(sys.modules, "experiments.gai_kapadia", engine)
    code, stdout, stderr = cli("run", "gai_kapadia", "--out", tmp_path, "--set", "draws=3")
    assert code == 0, stderr
    run_dir = Path(_last_line(stdout))
    runs = pd.read_parquet(run_dir / "runs.parquet")
    assert list(runs["z"]) == [0.5, *range(1, 11), 12]
    assert {"frequency", "extent"} <= set(runs.columns) and set(runs["draws"]) == {3}
    assert (run_dir / "figures" / "window.png").exists()


def test_figures_span_the_stored_horizon(cli, small, tmp_path):
    # the base scenario sets horizon_months = 24 and no point overrides it
    code, stdout, _ = cli("run", small, "--out", tmp_path, "--seeds", "1", "--backend", "serial")
    assert code == 0
    from experiments.plots.data import Results

    results = Results(Path(_last_line(stdout)))
    assert results.horizon == 24


def _stop_after_one_batch(monkeypatch, record: bool = True):
    """Make the next sweep stop with Ctrl-C after storing its first batch; with ``record``
    False the segment is left open, as a kill (SIGKILL) leaves it."""
    import experiments.sweep as sweep

    real = sweep.map_batches

    def one_batch(*args, **kwargs):
        yield next(iter(real(*args, **kwargs)))
        raise KeyboardInterrupt

    monkeypatch.setattr(sweep, "map_batches", one_batch)
    if not record:
        monkeypatch.setattr(sweep, "_interrupted", lambda folder: None)
    return lambda: monkeypatch.setattr(sweep, "map_batches", real)


def test_resume_prints_the_run_folder_as_given_and_times_both_segments(
    cli, small, tmp_path, monkeypatch
):
    restore = _stop_after_one_batch(monkeypatch)
    monkeypatch.chdir(tmp_path)
    args = ["--seeds", "2", "--backend", "serial"]  # one run per batch
    code, _, stderr = cli("run", small, *args, "--out", "out")
    assert code == 130
    partial = Path(stderr.split("--resume ")[1].split()[0])
    assert partial.parent == Path("out/small")
    restore()
    code, stdout, stderr = cli("run", small, "--resume", partial, "--backend", "serial")
    assert code == 0, stderr
    assert f"-> {partial}\n" in stderr
    final = Path(_last_line(stdout))
    assert final == partial.with_name(partial.name[1:].removesuffix(".partial"))
    timings = json.loads((final / "manifest.json").read_text())["timings"]
    first, second = timings["segments"]
    assert first["interrupted"] and first["runs"] == 1 and first["sweep_seconds"] >= 0
    assert first["finished"] >= first["started"] and first["consolidate_seconds"] == 0
    assert not second["interrupted"] and second["runs"] == 7
    swept = sum(s["sweep_seconds"] + s["consolidate_seconds"] for s in (first, second))
    assert timings["wall_seconds"] == round(swept + timings["plot_seconds"], 3)


def test_a_segment_a_kill_left_open_is_closed_at_its_last_stored_batch(
    cli, small, tmp_path, monkeypatch
):
    restore = _stop_after_one_batch(monkeypatch, record=False)
    code, _, stderr = cli("run", small, "--seeds", "2", "--backend", "serial", "--out", tmp_path)
    assert code == 130
    (partial,) = (tmp_path / "small").glob(".*.partial")
    (part,) = (partial / "parts").glob("*.runs.parquet")
    stored = datetime.fromtimestamp(part.stat().st_mtime, UTC)
    open_segment = json.loads((partial / "manifest.json").read_text())["timings"]["segments"]
    assert open_segment[0]["stored_before"] == 0 and "finished" not in open_segment[0]
    restore()
    code, stdout, stderr = cli("run", small, "--resume", partial, "--backend", "serial")
    assert code == 0, stderr
    manifest = json.loads((Path(_last_line(stdout)) / "manifest.json").read_text())
    first, second = manifest["timings"]["segments"]
    assert first["interrupted"] and first["runs"] == 1 and "stored_before" not in first
    assert first["finished"] == stored.isoformat(timespec="seconds")
    assert not second["interrupted"] and second["runs"] == 7


def test_ctrl_c_while_drawing_leaves_a_folder_that_resumes(cli, small, tmp_path, monkeypatch):
    import experiments.plots as plots

    real = plots.draw

    def interrupted(folder):
        raise KeyboardInterrupt

    monkeypatch.setattr(plots, "draw", interrupted)
    code, stdout, stderr = cli(
        "run", small, "--out", tmp_path, "--seeds", "1", "--backend", "serial"
    )
    assert code == 130 and stdout == ""
    partial = Path(stderr.split("--resume ")[1].split()[0])
    assert f"interrupted; finish with: hotpotato run {small} --resume {partial}" in stderr
    assert (partial / "runs.parquet").is_file()  # the results are stored, not yet in place
    monkeypatch.setattr(plots, "draw", real)
    code, stdout, stderr = cli("run", small, "--resume", partial, "--backend", "serial")
    assert code == 0, stderr
    assert (Path(_last_line(stdout)) / "figures" / "crash_probability.png").is_file()


def test_a_config_value_on_a_grid_knob_gives_way_to_the_grid_with_a_note(cli, small, tmp_path):
    config = tmp_path / "mine.toml"
    config.write_text("horizon_months = 12\nobs_share = 0.9\n")
    args = ["--config", config, "--out", tmp_path, "--seeds", "1", "--backend", "serial"]
    code, stdout, stderr = cli("run", small, *args)
    assert code == 0, stderr
    assert f"note: obs_share in --config {config} replaced by the grid of small" in stderr
    runs = pd.read_parquet(Path(_last_line(stdout)) / "runs.parquet")
    assert sorted(set(runs["obs_share"])) == [0.2, 0.6]
    # no note when --set gives the axis itself
    code, stdout, stderr = cli("run", small, *args, "--set", "obs_share=[0.4]")
    assert code == 0 and "note:" not in stderr
    runs = pd.read_parquet(Path(_last_line(stdout)) / "runs.parquet")
    assert set(runs["obs_share"]) == {0.4}


def _params_of(manifest: dict, run_index: int) -> dict:
    """Parameters of simulation ``run_index`` as its manifest records them: the base
    scenario, the definition's overrides, then what its point changes."""
    config = manifest["config"]
    point = config["points"][run_index // manifest["seeds"]["count"]]
    return {**config["base"], **config["overrides"], **point["params"]}


def test_ticks_hold_every_series_of_the_simulation_as_it_returned_it(cli, small, tmp_path):
    from model.run import simulate

    code, stdout, stderr = cli(
        "run", small, "--out", tmp_path, "--seeds", "1", "--backend", "serial"
    )
    assert code == 0, stderr
    run_dir = Path(_last_line(stdout))
    manifest = json.loads((run_dir / "manifest.json").read_text())
    ticks = pd.read_parquet(run_dir / "ticks.parquet")
    run = ticks[ticks["run_index"] == 3].reset_index(drop=True)
    (seed,) = set(run["seed"])
    assert seed == manifest["seeds"]["values"][0]
    direct = simulate(_params_of(manifest, 3), int(seed)).ticks

    assert list(ticks.columns) == ["seed", "run_index", *direct]
    assert len(run) == len(direct["tick"]) == 24
    assert list(run["tick"]) == list(direct["tick"]) and list(run["month"]) == list(direct["month"])
    for name in ["ai_index", "stranded_gw", "spv_debt", "ai_debt", "leverage_true:Oracle-like"]:
        assert run[name].dtype == "float32", name
        assert (run[name].to_numpy() == direct[name].astype("float32")).all(), name


def test_each_stored_row_is_the_simulation_of_its_stored_seed(cli, small, tmp_path):
    from model.run import simulate

    # the largest lab cut off from funding in month 3 and noisy revenue: the losses and the crash
    # month differ from seed to seed within the 24 months
    args = ["--seeds", "2", "--backend", "serial", "--set", "lehman_month=3"]
    code, stdout, stderr = cli("run", small, "--out", tmp_path, *args, "--set", "demand_noise=0.3")
    assert code == 0, stderr
    run_dir = Path(_last_line(stdout))
    manifest = json.loads((run_dir / "manifest.json").read_text())
    runs = pd.read_parquet(run_dir / "runs.parquet")
    stored = []
    for run_index in (0, 5):  # the first seed of the first point, the second of the third
        row = runs.loc[runs["run_index"] == run_index].iloc[0]
        point = manifest["config"]["points"][run_index // 2]
        assert (row["arm"], row["obs_share"]) == (point["arm"], point["values"]["obs_share"])
        summary = simulate(_params_of(manifest, run_index), int(row["seed"])).summary
        assert {c: row[c] for c in SUMMARY_COLUMNS} == summary, run_index
        stored.append(summary)
    assert stored[0] != stored[1]  # the rows tell the seeds apart


def test_a_run_whose_figures_fail_is_stored_in_place_and_exits_1(cli, small, tmp_path, monkeypatch):
    import experiments.plots as plots

    def broken(folder):
        raise RuntimeError("no font found")

    monkeypatch.setattr(plots, "draw", broken)
    code, stdout, stderr = cli(
        "run", small, "--out", tmp_path, "--seeds", "1", "--backend", "serial"
    )
    assert code == 1
    final = Path(_last_line(stdout))
    assert (
        f"figures failed (RuntimeError: no font found); redraw with: hotpotato plot {final}"
        in stderr
    )
    assert "0 failed" in stderr  # every simulation ran: only the figures are missing
    assert [p.name for p in (tmp_path / "small").iterdir()] == [final.name]  # no .partial
    assert not final.name.endswith(".partial") and not (final / "parts").exists()
    runs = pd.read_parquet(final / "runs.parquet")
    assert len(runs) == 4 and (runs["error"] == "").all()
    assert len(pd.read_parquet(final / "ticks.parquet")) == 4 * 24
    assert (final / "losses.parquet").is_file()
    assert json.loads((final / "manifest.json").read_text())["timings"]["finished"]


def test_a_backend_that_breaks_down_midway_exits_1_and_leaves_a_resumable_folder(
    cli, small, tmp_path, monkeypatch
):
    import experiments.sweep as sweep

    real = sweep.map_batches

    def breaks_after_one_batch(*args, **kwargs):
        yield next(iter(real(*args, **kwargs)))
        raise RuntimeError("lost the workers")

    monkeypatch.setattr(sweep, "map_batches", breaks_after_one_batch)
    args = ["--seeds", "1", "--backend", "serial"]  # one run per batch
    code, stdout, stderr = cli("run", small, *args, "--out", tmp_path)
    assert code == 1 and stdout == ""
    partial = Path(stderr.split("--resume ")[1].split()[0])
    assert (
        "sweep stopped (RuntimeError: lost the workers); "
        f"finish with: hotpotato run {small} --resume {partial}"
    ) in stderr
    assert partial.is_dir() and partial.name.endswith(".partial")
    assert len(list((partial / "parts").glob("*.runs.parquet"))) == 1
    assert not (partial / "runs.parquet").exists()

    monkeypatch.setattr(sweep, "map_batches", real)
    code, stdout, stderr = cli("run", small, "--resume", partial, "--backend", "serial")
    assert code == 0, stderr
    final = Path(_last_line(stdout))
    assert final == partial.with_name(partial.name[1:].removesuffix(".partial"))
    assert not partial.exists()
    runs = pd.read_parquet(final / "runs.parquet")
    assert list(runs["run_index"]) == [0, 1, 2, 3] and (runs["error"] == "").all()
    first, second = json.loads((final / "manifest.json").read_text())["timings"]["segments"]
    assert first["interrupted"] and first["runs"] == 1
    assert not second["interrupted"] and second["runs"] == 3
