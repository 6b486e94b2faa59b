"""Bad input: one line on stderr naming the field, exit code 2, nothing written."""

from __future__ import annotations

import shutil
import socket
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest


def _bad_cases(small: Path, tmp: Path) -> dict[str, tuple[list[str], str]]:
    broken = tmp / "broken.toml"
    broken.write_text("ai_payoff = = 3\n")
    binary = tmp / "binary.toml"
    binary.write_bytes(b"\xff\xfe ai_payoff = 3\n")
    switch = tmp / "switch.toml"
    switch.write_text('vendor_financing = "on"\n')
    unfinished = tmp / "unfinished.toml"  # a definition missing three required keys
    unfinished.write_text('name = "x"\nversion = 1\nkind = "economy"\n')
    lost = tmp / "lost.toml"  # a definition whose scenario file is not there
    lost.write_text(small.read_text().replace("scenario.toml", "gone.toml"))
    unconfigured = tmp / "unconfigured"  # a run folder whose manifest lost its configuration
    unconfigured.mkdir()
    (unconfigured / "manifest.json").write_text("{}")
    damaged = tmp / "damaged"  # a run folder with a table cut short
    damaged.mkdir()
    (damaged / "manifest.json").write_text('{"config": {"experiment": "small"}}')
    for name in ("runs", "ticks", "losses"):
        pq.write_table(pa.table({"run_index": [0]}), damaged / f"{name}.parquet")
    lacking = tmp / "lacking"  # readable tables, a configuration cut short
    shutil.copytree(damaged, lacking)
    cut = damaged / "ticks.parquet"
    cut.write_bytes(cut.read_bytes()[:20])
    grid_config = tmp / "grid.toml"  # a value of the small experiment's grid knob
    grid_config.write_text("obs_share = 0.9\n")
    other = tmp / "other" / "exp" / ".20250101T000000Z-abcdef.partial"
    other.mkdir(parents=True)
    (other / "manifest.json").write_text('{"config": {"experiment": "baseline"}}')
    return {
        "unknown experiment": (["run", "no_such_experiment"], "no_such_experiment"),
        "unknown key": (["run", small, "--set", "colour=1"], "colour"),
        "wrong type": (["run", small, "--set", "ai_payoff=abc"], "ai_payoff"),
        "wrong type bool": (["run", small, "--set", "guarantees=7"], "guarantees"),
        "switch spelled yes": (
            ["run", small, "--set", "guarantees=yes"],
            "guarantees: 'yes' is invalid (Input should be a valid boolean); "
            "allowed: true or false",
        ),
        "switch as a number": (["run", small, "--set", "guarantees=1"], "guarantees: 1 is"),
        "switch as a string in a file": (["validate", switch], "vendor_financing: 'on' is"),
        "lehman month past the horizon": (
            ["run", small, "--set", "lehman_month=24"],
            "lehman_month: 24 is past the horizon; allowed range [0, 23] or none",
        ),
        "lehman month past a shorter horizon": (
            ["run", small, "--set", "lehman_month=12", "--set", "horizon_months=6"],
            "allowed range [0, 5] or none (horizon_months = 6)",
        ),
        "out of range": (["run", small, "--set", "obs_share=1.5"], "obs_share"),
        "grid out of range": (["run", small, "--set", "obs_share=[0.5, 2.0]"], "obs_share"),
        "not an assignment": (["run", small, "--set", "obs_share"], "KEY=VALUE"),
        "missing config": (
            ["run", small, "--config", tmp / "nope.toml"],
            "--config: no such file: " + str(tmp / "nope.toml"),
        ),
        "bad value in config": (
            ["run", small, "--config", switch],
            f"--config {switch}: vendor_financing: 'on' is",
        ),
        "unreadable config": (["run", small, "--config", broken], "broken.toml"),
        "config not text": (["run", small, "--config", binary], "not UTF-8"),
        "missing definition": (["run", tmp / "nope" / "def.toml"], "def.toml"),
        "definition's scenario missing": (["run", lost], "small scenario: no such file: "),
        "definition missing keys": (
            ["run", unfinished],
            f"{unfinished}: missing keys: description, seeds, root_seed",
        ),
        "scenario run as an experiment": (
            ["run", switch],
            f"{switch}: a scenario file (knob values), not an experiment; give it to one with "
            "--config",
        ),
        "zero seeds": (["run", small, "--seeds", "0"], "--seeds"),
        "zero workers": (["run", small, "--workers", "0"], "--workers"),
        "seeds not a number": (
            ["run", small, "--seeds", "many"],
            "--seeds': 'many' is not a whole number; allowed range [1, 100000]",
        ),
        "workers not a number": (["run", small, "--workers", "2.5"], "'2.5' is not a whole"),
        "unknown backend": (["run", small, "--backend", "gpu"], "--backend"),
        "serial with workers": (
            ["run", small, "--backend", "serial", "--workers", "2"],
            "--workers",
        ),
        "resume of another experiment": (["run", small, "--resume", other], "baseline"),
        "resume of nothing": (["run", small, "--resume", tmp / "nothing"], "--resume"),
        "resume with settings": (["run", small, "--resume", other, "--seeds", "2"], "--resume"),
        "unknown option": (["run", small, "--colour", "red"], "--colour"),
        "validate missing": (["validate", tmp / "nope.toml"], "nope.toml"),
        "validate broken": (["validate", broken], "broken.toml"),
        "validate not text": (["validate", binary], "binary.toml"),
        "plot missing": (["plot", tmp / "nothing"], "manifest.json"),
        "plot unfinished": (["plot", other], "runs.parquet"),
        "plot without configuration": (["plot", unconfigured], "has no run configuration"),
        "plot of a damaged table": (["plot", damaged], "cannot read " + str(cut)),
        "plot of a configuration cut short": (
            ["plot", lacking],
            "the run configuration lacks version, grid, arms, seeds, points, figures",
        ),
        "config on the grid, scheduler unreachable": (
            ["run", small, "--config", grid_config, "--scheduler", "tcp://127.0.0.1:9"],
            "--scheduler",
        ),
        "set a knob the arms compare": (
            ["run", small, "--set", "guarantees=true"],
            "--set guarantees: set by the arms of 'small' (plain, guaranteed)",
        ),
        "viz bad port": (["viz", "--port", "0"], "--port"),
        "unreachable scheduler": (
            ["run", small, "--scheduler", "tcp://127.0.0.1:9"],
            "--scheduler",
        ),
    }


@pytest.mark.parametrize(
    "case",
    [
        "unknown experiment",
        "unknown key",
        "wrong type",
        "wrong type bool",
        "switch spelled yes",
        "switch as a number",
        "switch as a string in a file",
        "lehman month past the horizon",
        "lehman month past a shorter horizon",
        "out of range",
        "grid out of range",
        "not an assignment",
        "missing config",
        "bad value in config",
        "unreadable config",
        "config not text",
        "missing definition",
        "definition's scenario missing",
        "definition missing keys",
        "scenario run as an experiment",
        "zero seeds",
        "zero workers",
        "seeds not a number",
        "workers not a number",
        "unknown backend",
        "serial with workers",
        "resume of another experiment",
        "resume of nothing",
        "resume with settings",
        "unknown option",
        "validate missing",
        "validate broken",
        "validate not text",
        "plot missing",
        "plot unfinished",
        "plot without configuration",
        "plot of a damaged table",
        "plot of a configuration cut short",
        "config on the grid, scheduler unreachable",
        "set a knob the arms compare",
        "unreachable scheduler",
        "viz bad port",
    ],
)
def test_bad_input_is_refused_with_one_line(cli, small: Path, tmp_path: Path, case: str):
    args, names = _bad_cases(small, tmp_path)[case]
    out = tmp_path / "out"
    code, stdout, stderr = cli(*args, *(["--out", out] if args[0] == "run" else []))
    assert code == 2, stderr
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    assert lines[0].startswith("error: ") and names in lines[0]
    assert "Traceback" not in stderr and stdout == ""
    assert not out.exists()


def test_an_out_folder_that_cannot_be_made_is_refused(cli, small: Path, tmp_path: Path):
    blocker = tmp_path / "a_file"
    blocker.write_text("")
    code, stdout, stderr = cli("run", small, "--out", blocker / "results")
    assert code == 2 and stdout == "" and "Traceback" not in stderr
    assert stderr.strip().startswith("error: --out: cannot write a run folder in")
    assert blocker.read_text() == ""


def test_viz_refuses_a_port_in_use_before_it_starts(cli):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        code, stdout, stderr = cli("viz", "--port", port)
    assert code == 2 and stdout == ""
    assert (
        stderr.strip()
        == f"error: --port: cannot listen on 127.0.0.1:{port} (Address already in use)"
    )


def test_validate_prints_ok(cli, small: Path, tmp_path: Path):
    code, stdout, _ = cli("validate", small)
    assert code == 0 and stdout.startswith("OK: experiment small v1, 4 points x 3 seeds = 12 runs")
    code, stdout, _ = cli("validate", small.parent / "scenario.toml")
    assert code == 0 and stdout.startswith("OK: scenario")
    bad = tmp_path / "bad.toml"
    bad.write_text("obs_share = 2.0\n")
    code, _, stderr = cli("validate", bad)
    assert code == 2 and "obs_share" in stderr and "allowed range [0.0, 1.0]" in stderr


def test_help_explains_every_option(cli):
    code, stdout, _ = cli("run", "--help")
    assert code == 0
    for option in [
        "--config",
        "--set",
        "--seeds",
        "--workers",
        "--backend",
        "--scheduler",
        "--out",
        "--resume",
    ]:
        assert option in stdout
    assert "$B" in stdout and "GW" in stdout
    for command in ["list", "validate", "plot", "viz"]:
        code, stdout, _ = cli(command, "--help")
        assert code == 0 and "Usage" in stdout
    code, stdout, _ = cli("-h")
    assert code == 0 and "Run an experiment; store and plot its results." in stdout
    commands = stdout.split("Commands:")[1].splitlines()
    assert not any(line.endswith("...") for line in commands)  # no summary cut short


def test_list_shows_every_experiment(cli):
    code, stdout, _ = cli("list")
    assert code == 0
    for name in [
        "baseline",
        "obs_threshold",
        "lehman",
        "depreciation",
        "power_crunch",
        "backstop",
        "gai_kapadia",
    ]:
        assert name in stdout


def test_no_more_workers_start_than_there_are_runs(cli, small: Path, tmp_path: Path):
    args = ["--seeds", "1", "--set", "horizon_months=1", "--workers", "64"]
    code, _, stderr = cli("run", small, *args, "--out", tmp_path)
    assert code == 0, stderr
    assert "4 points x 1 seed = 4 runs on processes (4 workers)" in stderr


def test_unknown_key_lists_only_the_knobs_a_user_sets(cli, small: Path, tmp_path: Path):
    from experiments.kinds import knob_names

    for key in ("colour", "economy"):  # economy: a scenario file's tables, not a --set knob
        code, _, stderr = cli("run", small, "--set", f"{key}=1", "--out", tmp_path)
        assert code == 2
        known = stderr.strip().split("(known: ")[1].rstrip(")").split(", ")
        assert known == knob_names("economy") and "economy" not in known
        assert f"unknown key {key!r}" in stderr


def test_knobs_lists_every_knob_with_its_default_and_allowed_values(cli):
    from model.scenario import KNOBS

    code, stdout, _ = cli("knobs")
    assert code == 0
    economy, tables, validation = stdout.split("\n\n")
    rows = {line.split()[0]: line for line in economy.splitlines()}
    assert set(rows) == set(KNOBS) - {"economy"}
    assert rows["obs_share"].split()[1:4] == ["0.3", "[0.0,", "1.0]"]
    assert "(0.0, 1.0]" in rows["crash_drawdown"]  # a crash needs some drawdown
    assert "none  [0, 600] or none" in rows["lehman_month"]
    assert "true  true or false" in rows["vendor_financing"]
    assert "[economy]" in tables and "baseline_2025.toml" in tables
    rows = {line.split()[0]: line for line in validation.splitlines()[1:]}
    assert set(rows) == {"z", "banks", "draws"}
    assert "required  (0.0, 1000.0]" in rows["z"] and "1000  [2, 100000]" in rows["banks"]
