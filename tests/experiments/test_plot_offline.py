"""Figures are drawn from stored results alone, in a process that cannot import the model."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from experiments.definitions import FIGURES

BLOCK_MODEL = """
import sys

class _NoModel:
    def find_spec(self, name, path=None, target=None):
        if name == "model" or name.startswith("model."):
            raise ImportError("the model is not available here")
        return None

sys.meta_path.insert(0, _NoModel())
"""

EVERYTHING = """\
name = "everything"
version = 1
description = "Two arms over a two-by-two grid, drawing every figure."
kind = "economy"
scenario = "scenario.toml"
seeds = 2
root_seed = 11
figures = {figures}

[grid]
obs_share = [0.2, 0.8]
ai_payoff = [200.0, 1200.0]

[[arms]]
name = "no_backstop"
overrides = {{ guarantees = false, bailouts = false }}

[[arms]]
name = "backstop"
overrides = {{ guarantees = true, bailouts = true }}
"""


@pytest.mark.slow
def test_plot_needs_only_the_stored_results(cli, cli_process, small: Path, tmp_path: Path):
    figures = [name for name in FIGURES if name != "gai_kapadia"]
    definition = small.parent / "everything.toml"
    definition.write_text(EVERYTHING.format(figures=figures).replace("'", '"'))
    code, stdout, stderr = cli("run", definition, "--out", tmp_path)
    assert code == 0, stderr
    run_dir = Path(stdout.strip().splitlines()[-1])
    shutil.rmtree(run_dir / "figures")

    blocked = cli_process("validate", small, prelude=BLOCK_MODEL)
    assert blocked.returncode != 0  # the blocker works: validating needs the model

    done = cli_process("plot", run_dir, prelude=BLOCK_MODEL)
    assert done.returncode == 0, done.stderr
    assert Path(done.stdout.strip().splitlines()[-1]) == run_dir / "figures"
    for name in figures:
        for suffix in ("png", "svg"):
            path = run_dir / "figures" / f"{name}.{suffix}"
            assert path.stat().st_size > 1000, path
