"""Grid: the utilities and the interconnection queue.

Capacity for data-center load starts at ``grid_connected_gw`` and grows by
``grid_growth_gw_per_month``. Finished data centers join the queue; each month (tick
step 5) the grid connects them in the order they finished while spare capacity lasts.
A data center waiting in the queue is stranded: it earns nothing while its debt
accrues. Power is billed monthly (``model.markets.power``) and passed through to the
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
        m = self.m
        a = m.assets
        finished = a["active"] & (a["completed"] <= m.tick)
        a.set("queued", np.flatnonzero(finished & ~a["powered"]), True)
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

    def stranded_gw(self) -> float:
        """Finished data centers waiting for power, GW."""
        a = self.m.assets
        return float(a["gw"][a["active"] & a["queued"] & ~a["powered"]].sum())
