"""The baseline scenario file and the model's defaults are the same economy."""

import tomllib
from pathlib import Path

from model.scenario import Scenario, validate_scenario

BASELINE = Path(__file__).parents[2] / "experiments" / "scenarios" / "baseline_2025.toml"


def test_baseline_file_equals_the_model_defaults():
    data = tomllib.loads(BASELINE.read_text())
    assert validate_scenario(data) == Scenario()


def test_every_number_in_the_baseline_cites_a_source():
    lines = BASELINE.read_text().splitlines()
    for i, line in enumerate(lines):
        if "=" in line and not line.startswith("#") and lines[i - 1].startswith("[["):
            continue  # fields of a profile table: the table's comment cites the row
        if "=" in line and not line.startswith(("#", "[")):
            previous = lines[i - 1]
            in_table = any(lines[j].startswith("[[") for j in range(max(0, i - 20), i))
            assert previous.startswith("#") or in_table, f"line {i + 1} cites nothing: {line}"
