"""Stored results of one run folder, as the figures need them (pandas, no simulation)."""

from __future__ import annotations

import json
from functools import cached_property
from pathlib import Path
from typing import Any

import pandas as pd

__all__ = [
    "Results",
    "HOLDER_COLUMNS",
    "DEBT_RULES",
    "debt_crash_month",
    "debt_crashed",
    "format_value",
]

HOLDER_COLUMNS = [
    "loss_banks",
    "loss_funds",
    "loss_hyperscalers",
    "loss_chip_vendor",
    "loss_lab_investors",
    "loss_government",
]
"""Losses by holder in ``runs.parquet``, $B per simulation."""


DEBT_RULES = ("credit_losses", "bank_failure")
"""The crash rules (``model.crash.TRIGGERS``; figures are drawn without the model) a debt
crash is made of: losses on the debt, not a fall in equity prices. ``runs.parquet`` has
the first month each held, ``<rule>_month`` (-1 if never)."""


def debt_crash_month(runs: pd.DataFrame) -> pd.Series | None:
    """The month of each run's debt crash, the first in which credit losses or a bank
    failure met their crash rule (``DEBT_RULES``), before or after an equity drawdown;
    NaN for a run without one. None when some runs lack the months of the rules: a folder
    stored before they were recorded, or finished by ``--resume`` after that, which
    cannot tell its older runs' debt crashes."""
    columns = [f"{name}_month" for name in DEBT_RULES]
    if not set(columns) <= set(runs.columns) or runs[columns].isna().to_numpy().any():
        return None
    months = runs[columns].astype(float)
    return months.where(months >= 0).min(axis=1)


def debt_crashed(runs: pd.DataFrame) -> pd.Series | None:
    """Whether each run had a debt crash within the horizon (``debt_crash_month``)."""
    months = debt_crash_month(runs)
    return None if months is None else months.notna()


def format_value(value: Any) -> str:
    """A knob value as figures show it: ``none``, ``on``/``off``, numbers without trailing
    zeros."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return "none"
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


class Results:
    """The tables and configuration of a run folder.

    Parameters
    ----------
    run_dir : Path
        A folder holding ``manifest.json`` and the Parquet tables.

    Notes
    -----
    A *group* is one arm and grid point (the runs that differ only by seed); ``group_keys``
    are the columns that identify it, ``group_label`` names it in legends.
    """

    def __init__(self, run_dir: Path) -> None:
        self.run_dir = Path(run_dir)
        self.manifest = json.loads((self.run_dir / "manifest.json").read_text())
        self.config: dict[str, Any] = self.manifest["config"]

    @property
    def name(self) -> str:
        """Experiment name."""
        return self.config["experiment"]

    @property
    def grid_keys(self) -> list[str]:
        """Grid axes, in definition order."""
        return list(self.config["grid"])

    @property
    def arm_names(self) -> list[str]:
        """Arm names, the reference first (empty without arms)."""
        return [arm["name"] for arm in self.config["arms"]]

    @property
    def group_keys(self) -> list[str]:
        """Columns identifying a group: ``arm`` (with arms), then the grid axes."""
        return (["arm"] if self.arm_names else []) + self.grid_keys

    @cached_property
    def all_runs(self) -> pd.DataFrame:
        """``runs.parquet``, failed runs included."""
        return pd.read_parquet(self.run_dir / "runs.parquet")

    @cached_property
    def runs(self) -> pd.DataFrame:
        """Runs that completed (``error == ""``), with a ``group`` label column."""
        runs = self.all_runs[self.all_runs["error"] == ""].copy()
        runs["group"] = [self.group_label(row) for row in runs.to_dict("records")]
        return runs

    def group_label(self, row: dict[str, Any], keys: list[str] | None = None) -> str:
        """Legend label of the group of ``row`` (over ``keys``, default ``group_keys``)."""
        keys = self.group_keys if keys is None else keys
        parts = []
        for key in keys:
            if key == "arm":
                parts.append(str(row["arm"]))
            else:
                parts.append(f"{key} = {format_value(row[key])}")
        return ", ".join(parts) or "all runs"

    def groups(self) -> list[str]:
        """Group labels in run order (arms, then grid points)."""
        return list(dict.fromkeys(self.runs.sort_values("run_index")["group"]))

    def ticks(self, columns: list[str]) -> pd.DataFrame:
        """Columns of ``ticks.parquet`` that exist, with ``run_index``, ``tick``, ``month``
        and the run's ``group``; rows of failed runs are absent."""
        import pyarrow.parquet as pq

        path = self.run_dir / "ticks.parquet"
        have = set(pq.read_schema(path).names)
        wanted = ["run_index", "tick", "month"] + [c for c in columns if c in have]
        if not {"tick", "month"} <= have:
            return pd.DataFrame(columns=[*wanted, "group"])
        ticks = pd.read_parquet(path, columns=wanted)
        return ticks.merge(self.runs[["run_index", "group"]], on="run_index", how="inner")

    @cached_property
    def horizon(self) -> int:
        """Months simulated: one more than the last tick stored (0 if none)."""
        import pyarrow.compute as pc
        import pyarrow.parquet as pq

        path = self.run_dir / "ticks.parquet"
        if "tick" not in pq.read_schema(path).names:
            return 0
        last = pc.max(pq.read_table(path, columns=["tick"])["tick"]).as_py()
        return 0 if last is None else int(last) + 1

    @cached_property
    def start_month(self) -> str | None:
        """Calendar month of tick 0 ("YYYY-MM"), ``None`` when no series were stored."""
        import pyarrow.compute as pc
        import pyarrow.parquet as pq

        path = self.run_dir / "ticks.parquet"
        if "month" not in pq.read_schema(path).names:
            return None
        table = pq.read_table(path, columns=["tick", "month"])
        first = table.filter(pc.equal(table["tick"], 0))["month"]
        return first[0].as_py() if len(first) else None

    @cached_property
    def losses(self) -> pd.DataFrame:
        """``losses.parquet`` with each row's ``group`` and ``arm`` (when arms exist)."""
        losses = pd.read_parquet(self.run_dir / "losses.parquet")
        keep = ["run_index", "group"] + (["arm"] if self.arm_names else [])
        return losses.merge(self.runs[keep], on="run_index", how="inner")

    @property
    def holder_columns(self) -> list[str]:
        """Loss-by-holder columns present in ``runs``."""
        return [c for c in HOLDER_COLUMNS if c in self.all_runs.columns]

    @property
    def points(self) -> int:
        """Arms times grid points."""
        points = self.config.get("points")
        if points:
            return len(points)
        n = max(1, len(self.arm_names))
        for values in self.config["grid"].values():
            n *= max(1, len(values))
        return n

    def settings(self) -> str:
        """The ``--set`` overrides the run was made with, e.g. ``"ai_payoff = 3000"``
        (empty without any)."""
        sets = self.config.get("set") or {}
        parts = []
        for key, value in sets.items():
            if isinstance(value, list):
                text = "[" + ", ".join(format_value(v) for v in value) + "]"
            else:
                text = format_value(value)
            parts.append(f"{key} = {text}")
        return ", ".join(parts)

    def subtitle(self) -> str:
        """A line giving the experiment, its version, the ``--set`` overrides and the number
        of runs."""
        n = len(self.runs)
        failed = len(self.all_runs) - n
        extra = f", {failed} failed" if failed else ""
        settings = self.settings()
        name = f"{self.name} v{self.config['version']}" + (f" ({settings})" if settings else "")
        seeds = self.config["seeds"]
        count = f"{n} simulation" + ("" if n == 1 else "s")
        if self.points > 1:
            count += f", {seeds} seed{'' if seeds == 1 else 's'} per point"
        return f"{name}: {count}{extra}"
