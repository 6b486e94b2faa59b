"""Raising money: bond issues bought by funds, bank loans, equity rounds.

Each issue is split across willing investors in proportion to their capacity, so the
result does not depend on the order in which investors are visited. Every purchase is one
contract in the ledger and one cash transfer. Money in $B, rates annual.

Who buys what (fund mandates):

* ``insurer``: investment-grade bonds (AA, A, BBB) and SPV bonds (rated on the sponsor);
* ``asset_manager``: the same, plus high-yield bonds;
* ``private_credit``: any bond and SPV bond, and SPV equity;
* ``venture``: equity of AI labs.

A fund's capacity is its cash above a liquidity buffer plus the liquid securities it can
sell, limited by how far its AI holdings are below its target allocation; that target
rises with sentiment (return chasing).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from model.ledger import WORLD, Amortisation, ContractKind

if TYPE_CHECKING:
    from model.agents.fund import Fund
    from model.hotpotato import HotPotatoModel

__all__ = ["sell_bonds", "bank_loan", "sell_equity", "borrow_from_world", "BUYERS"]

BUYERS = {
    "bond_ig": ("insurer", "asset_manager", "private_credit"),
    "bond_hy": ("asset_manager", "private_credit"),
    "spv_bond": ("insurer", "asset_manager", "private_credit"),
    "spv_equity": ("private_credit",),
    "lab_equity": ("venture", "private_credit"),
    "listed_equity": ("asset_manager", "venture"),
}
"""Fund mandates that buy each kind of security."""


def _split(amount: float, capacity: np.ndarray) -> np.ndarray:
    total = float(capacity.sum())
    if total <= 0 or amount <= 0:
        return np.zeros_like(capacity)
    return capacity * min(1.0, amount / total)


def _fund_capacity(m: HotPotatoModel, security: str) -> tuple[list[Fund], np.ndarray]:
    funds = [f for f in m.funds if f.mandate in BUYERS[security] and not m.is_defaulted(f)]
    return funds, np.array([f.capacity_for_ai() for f in funds])


def sell_bonds(
    m: HotPotatoModel,
    issuer: int,
    amount: float,
    *,
    security: str,
    rate: float,
    months: int,
    amortisation: Amortisation = Amortisation.BULLET,
    off_balance: bool = False,
    guaranteed: bool = False,
) -> float:
    """Sell up to ``amount`` of bonds of ``issuer`` to funds; returns the amount sold."""
    funds, capacity = _fund_capacity(m, security)
    take = _split(amount, capacity)
    guarantor = m.government.account if guaranteed else -1
    for fund, x in zip(funds, take, strict=True):
        if x <= 1e-9:
            continue
        fund.raise_cash(x)
        m.ledger.add(
            creditor=fund.account,
            debtor=issuer,
            kind=ContractKind.BOND,
            principal=x,
            rate=rate,
            start=m.tick,
            maturity=m.tick + months,
            amortisation=amortisation,
            off_balance=off_balance,
            guarantor=guarantor,
        )
        m.ledger.transfer(fund.account, issuer, x)
    return float(take.sum())


def bank_loan(
    m: HotPotatoModel,
    borrower: int,
    amount: float,
    *,
    rate: float,
    months: int,
    collateral: int = -1,
    off_balance: bool = False,
    guaranteed: bool = False,
    kind: ContractKind = ContractKind.LOAN,
    amortisation: Amortisation = Amortisation.LINEAR,
) -> float:
    """Borrow up to ``amount`` from banks with lending capacity; returns the amount lent."""
    banks = [b for b in m.banks if not m.is_defaulted(b)]
    capacity = np.array([b.lending_capacity() for b in banks])
    take = _split(amount, capacity)
    guarantor = m.government.account if guaranteed else -1
    for bank, x in zip(banks, take, strict=True):
        if x <= 1e-9:
            continue
        bank.fund_loan(max(0.0, x - bank.cash))
        m.ledger.add(
            creditor=bank.account,
            debtor=borrower,
            kind=kind,
            principal=x,
            rate=rate,
            start=m.tick,
            maturity=m.tick + months,
            amortisation=amortisation,
            collateral=collateral,
            off_balance=off_balance,
            guarantor=guarantor,
        )
        m.ledger.transfer(bank.account, borrower, x)
    return float(take.sum())


def sell_equity(
    m: HotPotatoModel, issuer: int, amount: float, *, security: str, confidence: float = 1.0
) -> float:
    """Sell up to ``amount`` of new equity of ``issuer`` to funds; ``confidence`` (0-1)
    scales how much of their capacity they are willing to use."""
    funds, capacity = _fund_capacity(m, security)
    take = _split(amount, capacity * max(0.0, min(1.0, confidence)))
    for fund, x in zip(funds, take, strict=True):
        if x <= 1e-9:
            continue
        fund.raise_cash(x)
        buy_equity(m, fund.account, issuer, x)
    return float(take.sum())


def buy_equity(m: HotPotatoModel, investor: int, issuer: int, amount: float) -> None:
    """``investor`` pays ``amount`` for new shares of ``issuer`` (an equity stake)."""
    m.ledger.add(
        creditor=investor,
        debtor=issuer,
        kind=ContractKind.EQUITY,
        principal=amount,
        start=m.tick,
        maturity=m.tick,
    )
    m.ledger.transfer(investor, issuer, amount)


def borrow_from_world(
    m: HotPotatoModel,
    borrower: int,
    amount: float,
    *,
    kind: ContractKind,
    rate: float,
    months: int,
    guarantor: int = -1,
) -> None:
    """``borrower`` takes ``amount`` $B from the rest of the economy (deposits, Treasury
    bonds): one bullet contract owed to ``World`` and the cash. Nothing for ``amount <= 0``."""
    if amount <= 0:
        return
    m.ledger.add(
        creditor=WORLD,
        debtor=borrower,
        kind=kind,
        principal=amount,
        rate=rate,
        start=m.tick,
        maturity=m.tick + months,
        guarantor=guarantor,
    )
    m.ledger.transfer(WORLD, borrower, amount)


def world_security(m: HotPotatoModel, holder: int, amount: float, rate: float) -> int:
    """A liquid security of the rest of the economy (Treasuries, other loans) held by
    ``holder``: a bullet loan to ``World`` that pays ``rate``; returns the contract id."""
    return m.ledger.add(
        creditor=holder,
        debtor=WORLD,
        kind=ContractKind.LOAN,
        principal=amount,
        rate=rate,
        start=0,
        maturity=10_000,
    )
