"""The base of every agent: a Mesa agent with one ledger account."""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa

from model.ledger import Sector

if TYPE_CHECKING:
    from model.hotpotato import HotPotatoModel

__all__ = ["Institution"]


class Institution(mesa.Agent):
    """An agent that owns one account in the ledger."""

    sector: Sector

    def __init__(self, model: HotPotatoModel, name: str) -> None:
        super().__init__(model)
        self.m: HotPotatoModel = model
        """The model it belongs to (``model``, typed; read at every query, so a plain
        attribute rather than a property)."""
        self.name = name
        self.account = model.ledger.open_account(name, self.sector)
        model.register(self)

    @property
    def cash(self) -> float:
        """Cash in the ledger, $B."""
        return self.m.ledger.cash_of(self.account)

    @property
    def equity(self) -> float:
        """Derived equity (assets − liabilities at book value), $B."""
        return self.m.equity_of(self.account)

    def make_cash_available(self, amount: float) -> None:
        """Have ``amount`` $B in cash to pay for an investment it was granted (an investor
        that invests only spare cash already has it)."""

    def pay_bill(self, creditor: int, amount: float) -> None:
        """Owe ``amount`` to ``creditor`` this month (a payable cleared at settlement)."""
        self.m.payable(self.account, creditor, amount)
