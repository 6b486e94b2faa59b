"""Government: treasury and regulator. It applies the policy switches and pays for them
by borrowing from the rest of the economy (Treasury bonds), so every dollar of the state
backstop moves through the ledger and the taxpayer cost is the sum of its outlays.

* ``guarantees``: new data-center bank loans and SPV bonds carry a state guarantee; when
  one defaults the government pays the holder's shortfall (``settlement.resolve``).
* ``bailouts``: a bank below its minimum capital ratio is recapitalised to that ratio
  with new equity bought by the government: a taxpayer cost at once, and a taxpayer loss
  (channel ``bailout``) if the bank later fails and the stake is written off.
* ``energy_subsidy``: the government pays that share of data centers' power bills.
* Deposit insurance always applies: insured deposits of a failed bank are paid in full.
"""

from __future__ import annotations

from model.agents.base import Institution
from model.financing import borrow_from_world, buy_equity
from model.ledger import ContractKind, Sector

__all__ = ["Government"]

TREASURY_MONTHS = 120


class Government(Institution):
    """The state: guarantees, bailouts, energy subsidies, deposit insurance."""

    sector = Sector.GOVERNMENT

    def __init__(self, model) -> None:
        super().__init__(model, "Government")
        self.outlays = {
            "guarantees": 0.0,
            "bailouts": 0.0,
            "energy_subsidy": 0.0,
            "deposit_insurance": 0.0,
        }

    @property
    def taxpayer_cost(self) -> float:
        """All outlays so far, $B."""
        return sum(self.outlays.values())

    def borrow(self, amount: float) -> None:
        """Issue Treasury bonds to the rest of the economy for ``amount`` $B."""
        m = self.m
        borrow_from_world(
            m,
            self.account,
            amount,
            kind=ContractKind.BOND,
            rate=m.market.risk_free,
            months=TREASURY_MONTHS,
        )

    def pay(self, target: int, amount: float, purpose: str) -> None:
        """Pay ``amount`` to ``target`` for ``purpose`` (an outlay key)."""
        if amount <= 0:
            return
        self.borrow(max(0.0, amount - self.cash))
        self.m.ledger.transfer(self.account, target, amount)
        self.outlays[purpose] += amount

    def bail_out(self, bank) -> None:
        """Recapitalise ``bank`` to the minimum capital ratio."""
        m = self.m
        rwa = bank.risk_weighted_assets()
        need = m.econ.bank_min_ratio * rwa - bank.equity + 1e-6
        if need <= 0:
            return
        self.borrow(max(0.0, need - self.cash))
        buy_equity(m, self.account, bank.account, need)
        self.outlays["bailouts"] += need
        m.bailed_out(bank)
