"""Regenerate the README's figure: the baseline fan charts from a 40-seed run.

    python docs/figures/make_readme_figure.py

Runs ``hotpotato run baseline --seeds 40`` into a temporary folder and copies its
``fan_charts.png`` to ``docs/figures/baseline_fan_charts.png``.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> None:
    with tempfile.TemporaryDirectory() as out:
        done = subprocess.run(
            [
                sys.executable,
                "-c",
                "from experiments.cli import main; main()",
                "run",
                "baseline",
                "--seeds",
                "40",
                "--out",
                out,
            ],
            check=True,
            capture_output=True,
            text=True,
        )
        run_dir = Path(done.stdout.strip().splitlines()[-1])
        shutil.copy(run_dir / "figures" / "fan_charts.png", HERE / "baseline_fan_charts.png")


if __name__ == "__main__":
    main()
