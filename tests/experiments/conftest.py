"""Shared helpers: a small self-contained experiment and ways to call the CLI."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from experiments.cli import main

SCENARIO = """\
horizon_months = 24
ai_payoff = 600.0
obs_share = 0.3
"""

SMALL = """\
name = "small"
version = 1
description = "Two arms over a two-point grid, for tests."
kind = "economy"
scenario = "scenario.toml"
seeds = 3
root_seed = 7
figures = ["crash_probability"]

[grid]
obs_share = [0.2, 0.6]

[[arms]]
name = "plain"
overrides = { guarantees = false }

[[arms]]
name = "guaranteed"
overrides = { guarantees = true }
"""


@pytest.fixture
def small(tmp_path: Path) -> Path:
    """Definition file of a 2 arms x 2 grid points x 3 seeds experiment (24 months)."""
    folder = tmp_path / "definition"
    folder.mkdir()
    (folder / "scenario.toml").write_text(SCENARIO)
    path = folder / "small.toml"
    path.write_text(SMALL)
    return path


@pytest.fixture
def cli(capsys):
    """Call ``hotpotato ARGS`` in this process; returns (exit code, stdout, stderr)."""

    def call(*args) -> tuple[int, str, str]:
        with pytest.raises(SystemExit) as stop:
            main([str(a) for a in args])
        captured = capsys.readouterr()
        return stop.value.code, captured.out, captured.err

    return call


@pytest.fixture
def cli_process():
    """Run ``hotpotato ARGS`` in a fresh interpreter after ``prelude`` (Python code);
    returns the ``subprocess.Popen`` (``wait=False``) or ``CompletedProcess``."""

    def call(*args, prelude: str = "", wait: bool = True, **kwargs):
        code = f"{prelude}\nfrom experiments.cli import main\nmain()"
        argv = [sys.executable, "-c", code, *[str(a) for a in args]]
        if not wait:
            return subprocess.Popen(
                argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kwargs
            )
        return subprocess.run(argv, capture_output=True, text=True, **kwargs)

    return call
