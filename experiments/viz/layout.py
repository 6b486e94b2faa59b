"""A stable layout of the exposure network: each account gets its position once.

Columns by role, lenders on the left and the chip vendor on the right::

    banks | funds | hyperscalers | SPV band (k-th SPV of a sponsor in slot k) | labs | vendor

Hyperscalers and labs (the sponsors of SPVs) each own one row, so a sponsor's SPVs line
up beside it in the order they were created. A position depends only on an account's
sector, its rank within the sector and, for an SPV, its sponsor: positions of existing
nodes never move as SPVs appear, and nothing is recomputed from scratch.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from model.ledger import WORLD, Sector

if TYPE_CHECKING:
    from model.hotpotato import HotPotatoModel

__all__ = ["NodeLayout"]

_COLUMN_X = {
    Sector.BANK: 0.0,
    Sector.FUND: 0.13,
    Sector.HYPERSCALER: 0.3,
    Sector.LAB: 0.86,
    Sector.CHIP_VENDOR: 1.0,
    Sector.GOVERNMENT: 1.0,
    Sector.GRID: 1.0,
}
_FIXED_Y = {Sector.CHIP_VENDOR: 0.5, Sector.GOVERNMENT: 0.95, Sector.GRID: 0.05}
_SPV_BAND = (0.38, 0.78)
_SPONSORS = (Sector.HYPERSCALER, Sector.LAB)


class NodeLayout:
    """Positions (x, y in [0, 1]) of every account but World, placed once each."""

    def __init__(self, m: HotPotatoModel) -> None:
        self.m = m
        sectors = m.ledger.sectors
        self._count = {s: sum(1 for x in sectors if x == s) for s in Sector}
        sponsors = [a for a, s in enumerate(sectors) if s in _SPONSORS]
        rows = max(len(sponsors), 1)
        self._row_y = {a: 1.0 - (i + 0.5) / rows for i, a in enumerate(sponsors)}
        years = max(1, -(-m.params.horizon_months // 12))
        self._spv_dx = (_SPV_BAND[1] - _SPV_BAND[0]) / max(years, 10)
        self._placed: dict[Sector, int] = dict.fromkeys(Sector, 0)
        self._spvs_of: dict[int, int] = {}
        self._xy = np.full((0, 2), np.nan)

    def _place(self, account: int) -> tuple[float, float]:
        sector = self.m.sector_of(account)
        rank = self._placed[sector]
        self._placed[sector] += 1
        if account in self._row_y:
            return _COLUMN_X[sector], self._row_y[account]
        if sector == Sector.SPV:
            sponsor = self.m.agent_of(account).sponsor.account
            k = self._spvs_of.get(sponsor, 0)
            self._spvs_of[sponsor] = k + 1
            y = self._row_y.get(sponsor, 0.5)
            return _SPV_BAND[0] + (k + 0.5) * self._spv_dx, y
        if sector in _FIXED_Y:
            return _COLUMN_X[sector], _FIXED_Y[sector] - 0.04 * rank
        n = max(self._count[sector], rank + 1)
        return _COLUMN_X.get(sector, 0.5), 1.0 - (rank + 0.5) / n

    def positions(self) -> np.ndarray:
        """(n_accounts, 2) array of positions; World's row is NaN (it is not drawn)."""
        n = self.m.ledger.n_accounts
        done = self._xy.shape[0]
        if n > done:
            new = np.full((n - done, 2), np.nan)
            for i, account in enumerate(range(done, n)):
                if account != WORLD:
                    new[i] = self._place(account)
            self._xy = np.vstack([self._xy, new])
        return self._xy
