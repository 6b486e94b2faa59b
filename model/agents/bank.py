"""Bank: lends to hyperscalers, neoclouds and SPVs, makes NAV loans to funds, and holds
the rest of its book in loans to the rest of the economy, funded by insured deposits.

Capital ratio = derived equity / risk-weighted assets (every loan weighted 100%, cash 0).
It lends while the ratio after the loan stays above its target, which tightens as
sentiment falls (risk appetite): ``target * (1 + max(0, 1 - sentiment))``. A loan is
funded by new deposits of the borrower's payees (deposit creation). It pays dividends
above target + 2 points, margin-calls NAV loans above ``nav_loan_ltv`` of the fund's
assets, and fails below ``bank_min_ratio`` (then the government bails it out if
``bailouts`` is on; else it is resolved and deposit insurance pays its depositors).
"""

from __future__ import annotations

from model.agents.base import Institution
from model.financing import borrow_from_world
from model.ledger import WORLD, ContractKind, Sector

__all__ = ["Bank"]

DEPOSIT_MONTHS = 10_000


class Bank(Institution):
    """A bank (the slice of a large bank's balance sheet the model represents)."""

    sector = Sector.BANK

    @property
    def equity(self) -> float:
        """Derived equity: cash and loans less deposits and other debt, $B. A bank owns no
        data centers (only hyperscalers and their SPVs order them), so its real assets are
        not looked up."""
        return self.m.ledger.equity_of(self.account)

    def risk_weighted_assets(self) -> float:
        """Loans held, $B (100% risk weight)."""
        return float(self.m.ledger.financial_assets()[self.account])

    def capital_ratio(self) -> float:
        rwa = self.risk_weighted_assets()
        return self.equity / rwa if rwa > 0 else 1.0

    def failing(self) -> bool:
        return self.capital_ratio() < self.m.econ.bank_min_ratio - 1e-9

    def lending_capacity(self) -> float:
        """Largest new loan that keeps the capital ratio at its target, $B."""
        m = self.m
        target = m.econ.bank_target_ratio * (1 + max(0.0, 1 - m.market.sentiment))
        return max(0.0, self.equity / target - self.risk_weighted_assets())

    def fund_loan(self, amount: float) -> None:
        """Take in ``amount`` of new insured deposits (deposit creation; nothing if <= 0)."""
        m = self.m
        borrow_from_world(
            m,
            self.account,
            amount,
            kind=ContractKind.LOAN,
            rate=m.econ.deposit_rate,
            months=DEPOSIT_MONTHS,
            guarantor=m.government.account,
        )

    def make_cash_available(self, amount: float) -> None:
        """A loan is funded by new deposits (deposit creation) where cash falls short."""
        short = amount - self.cash
        if short > 0:  # else no deposits are taken in: nothing to book
            self.fund_loan(short)

    # ----------------------------------------------------------------- step 6
    def operate(self) -> None:
        m = self.m
        if m.is_defaulted(self):
            return
        ledger = m.ledger
        # its NAV loans, picked from all banks' few: a query of its own claims would be
        # brought up to date every month over all the loans it makes and is repaid
        loans = ledger.active_ids(ContractKind.NAV_LOAN)
        borrowers = ledger.column("debtor")[loans[ledger.column("creditor")[loans] == self.account]]
        for account in sorted(set(borrowers.tolist())):  # margin-call the funds it lends to
            fund = m.agent_of(account)
            if not m.is_defaulted(fund):
                fund.answer_margin_call(self)
        self.make_cash_available(m.monthly_obligations(self.account))
        rwa = self.risk_weighted_assets()
        surplus = self.equity - (m.econ.bank_target_ratio + 0.02) * rwa
        if surplus > 0:
            m.ledger.transfer(self.account, WORLD, min(0.1 * surplus, max(self.cash, 0.0)))
