"""The real-asset book: data centers by owner, GW, cost, age, power status.

One row per data center (columnar numpy arrays that double when full). A data center's
accelerators (GPUs) and its shell (building, power, cooling) are valued separately:

* book value (what the owner reports): straight-line over ``gpu_accounting_life_years``
  for GPUs and ``SHELL_LIFE_MONTHS`` for the shell;
* market value (what a buyer pays): GPUs straight-line over ``gpu_economic_life_years``
  times the used-GPU price index; the shell at book value.

The gap between the two GPU values is the hidden loss that appears when collateral is
sold. Money in $B, power in GW of IT load, time in months.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["AssetBook", "SHELL_LIFE_MONTHS"]

SHELL_LIFE_MONTHS = 240
"""Accounting and economic life of a data-center shell (20 years)."""

_COLUMNS = {
    "owner": np.int32,
    "gw": np.float64,
    "gpu_cost": np.float64,
    "shell_cost": np.float64,
    "ordered": np.int32,
    "completed": np.int32,
    "powered": np.bool_,
    "queued": np.bool_,
    "active": np.bool_,
}


def _life_left(age: np.ndarray, life_months: float) -> np.ndarray:
    """Share of a straight-line life of ``life_months`` left at ``age`` months, from 1 down
    to 0 (a clip to [0, 1], spelled as two ufuncs: ``np.clip`` costs more on these arrays)."""
    return np.minimum(np.maximum(1 - age / life_months, 0.0), 1.0)


class AssetBook:
    """Data centers: built (``completed`` <= tick), queued for power, or powered."""

    def __init__(self, capacity: int = 64) -> None:
        capacity = max(int(capacity), 1)
        self._cols = {k: np.zeros(capacity, dtype=t) for k, t in _COLUMNS.items()}
        self._n = 0
        self.version = 0
        """Incremented by every change, so derived views can be cached safely."""

    def __len__(self) -> int:
        return self._n

    def __getitem__(self, name: str) -> np.ndarray:
        return self._cols[name][: self._n]

    def add(
        self,
        *,
        owner: int,
        gw: float,
        gpu_cost: float,
        shell_cost: float,
        ordered: int,
        completed: int,
    ) -> int:
        """Add a data center ordered at ``ordered`` that is finished at ``completed``."""
        for field, value in (("gw", gw), ("gpu_cost", gpu_cost), ("shell_cost", shell_cost)):
            if not math.isfinite(value) or value < 0:  # scalars: no numpy call needed
                raise ValueError(f"{field}: {value!r} must be a finite amount >= 0")
        if completed < ordered:
            raise ValueError(f"completed: {completed!r} is before ordered {ordered!r}")
        if self._n == self._cols["owner"].size:
            for k, arr in self._cols.items():
                self._cols[k] = np.concatenate([arr, np.zeros_like(arr)])
        i = self._n
        row = dict(
            owner=owner,
            gw=gw,
            gpu_cost=gpu_cost,
            shell_cost=shell_cost,
            ordered=ordered,
            completed=completed,
            powered=False,
            queued=False,
            active=True,
        )
        for k, v in row.items():
            self._cols[k][i] = v
        self._n += 1
        self.version += 1
        return i

    def set(self, name: str, ids, value) -> None:
        self._cols[name][np.asarray(ids, dtype=np.int64)] = value
        self.version += 1

    @staticmethod
    def _check(field: str, value: float, *, positive: bool = True) -> None:
        if not math.isfinite(value) or value < 0 or (positive and value == 0):
            rule = "> 0" if positive else ">= 0"
            raise ValueError(f"{field}: {value!r} must be finite and {rule}")

    def gpu_age(self, tick: int) -> np.ndarray:
        """Months since completion (0 while under construction)."""
        return np.maximum(tick - self["completed"], 0)

    def book_value(self, tick: int, accounting_life_months: float) -> np.ndarray:
        """Reported value of each data center, $B."""
        self._check("accounting_life_months", accounting_life_months)
        age = self.gpu_age(tick)
        gpu = self["gpu_cost"] * _life_left(age, accounting_life_months)
        shell = self["shell_cost"] * _life_left(age, SHELL_LIFE_MONTHS)
        return np.where(self["active"], gpu + shell, 0.0)

    def market_value(
        self, tick: int, economic_life_months: float, used_gpu_index: float
    ) -> np.ndarray:
        """What a buyer would pay for each data center today, $B."""
        self._check("economic_life_months", economic_life_months)
        self._check("used_gpu_index", used_gpu_index, positive=False)
        age = self.gpu_age(tick)
        gpu = self["gpu_cost"] * _life_left(age, economic_life_months) * used_gpu_index
        shell = self["shell_cost"] * _life_left(age, SHELL_LIFE_MONTHS)
        return np.where(self["active"], gpu + shell, 0.0)

    def gpus_alive(self, tick: int, economic_life_months: float) -> np.ndarray:
        """Whether each data center's GPUs are within their economic life (they earn rent
        if powered; past it they are spent, worth nothing and switched off)."""
        self._check("economic_life_months", economic_life_months)
        return self.gpu_age(tick) < economic_life_months

    def earning_gw(self, tick: int, economic_life_months: float) -> np.ndarray:
        """GW that earn rent: powered, and GPUs within their economic life."""
        alive = self.gpus_alive(tick, economic_life_months)
        return np.where(self["active"] & self["powered"] & alive, self["gw"], 0.0)

    def by_owner(self, values: np.ndarray, n_accounts: int) -> np.ndarray:
        """Sum a per-data-center quantity by owner account."""
        return np.bincount(self["owner"], weights=values, minlength=n_accounts)
