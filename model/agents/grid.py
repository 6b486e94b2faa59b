"""Grid: the utilities and the interconnection queue.

Capacity for data-center load starts at ``grid_connected_gw`` and grows by
``grid_growth_gw_per_month``. Finished data centers join the queue; each month (tick
step 5) the grid connects them in the order they finished while spare capacity lasts.
A data center waiting in the queue is stranded: it earns nothing while its debt
accrues. A data center whose GPUs reach the end of their economic life earns nothing
either: it is switched off, draws no power and gives up its connection (or its place in
the queue). Power is billed monthly (``model.markets.power``) and passed through to the
generators (the rest of the economy).
"""

from __future__ import annotations

import numpy as np

from model.agents.base import Institution
from model.ledger import Sector

__all__ = ["Grid"]


class Grid(Institution):
    """The power grid."""

    sector = Sector.GRID

    def __init__(self, model) -> None:
        super().__init__(model, "Grid")

    def capacity_gw(self) -> float:
        """Grid capacity available to data centers this month, GW."""
        m = self.m
        return m.econ.grid_connected_gw + m.params.grid_growth_gw_per_month * m.tick

    def connect(self) -> None:
        """Switch off the spent data centers (``_switch_off``), queue the finished ones
        not yet powered, and connect them in order of completion while spare capacity
        (capacity − powered load, GW) lasts, stopping at the first that does not fit."""
        m = self.m
        a = m.assets
        spent = self._spent()
        self._switch_off(spent)
        finished = a["active"] & ~spent & (a["completed"] <= m.tick)
        joining = np.flatnonzero(finished & ~a["powered"] & ~a["queued"])
        if joining.size:  # else the asset book, and the views kept on it, stay as they are
            a.set("queued", joining, True)
        load = float(a["gw"][a["active"] & a["powered"]].sum())
        spare = self.capacity_gw() - load
        waiting = np.flatnonzero(a["queued"] & ~a["powered"] & a["active"])
        waiting = waiting[np.argsort(a["completed"][waiting], kind="stable")]
        connected: list[int] = []
        for i, gw in zip(waiting.tolist(), a["gw"][waiting].tolist(), strict=True):
            if gw > spare:
                break
            spare -= gw
            connected.append(i)
        if connected:
            a.set("powered", connected, True)
            a.set("queued", connected, False)

    def _spent(self) -> np.ndarray:
        """Which data centers have GPUs at or past their economic life
        (``gpu_economic_life_years``): they earn no rent from this month on."""
        m = self.m
        return ~m.assets.gpus_alive(m.tick, 12 * m.params.gpu_economic_life_years)

    def _switch_off(self, spent: np.ndarray) -> None:
        """Switch off the ``spent`` data centers (a mask over the asset book): they draw no
        power and free their grid connection for the queue, or leave the queue if still
        waiting. The owner keeps the shell at its value; it puts no new GPUs in it (new
        GPUs come in new data centers)."""
        a = self.m.assets
        spent = np.flatnonzero(a["active"] & (a["powered"] | a["queued"]) & spent)
        if spent.size:
            a.set("powered", spent, False)
            a.set("queued", spent, False)

    def stranded_gw(self) -> float:
        """Finished data centers waiting for power, GW."""
        a = self.m.assets
        return float(a["gw"][a["active"] & a["queued"] & ~a["powered"]].sum())
