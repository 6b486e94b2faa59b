"""Fund: private-credit funds, asset managers, insurers and crossover funds, with the
households behind them.

* Households put money in or take it out each month in proportion to the fund's
  trailing 12-month return over 5% a year (``fund_flow_beta``): return chasing, and
  redemptions after losses.
* It buys AI assets (bonds, SPV debt and equity, lab equity: ``model.financing``) up to a
  target share of its NAV that rises with sentiment, selling liquid securities to pay.
* To meet redemptions or a margin call it sells liquid securities first, then AI bonds
  to the rest of the economy at their market price less a 10% fire-sale discount,
  booking the loss. A fund whose NAV is gone, or that cannot meet a margin call,
  defaults.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from model.agents.base import Institution
from model.calibration import FundProfile
from model.ledger import WORLD, ContractKind, KindCode, Sector
from model.losses import Channel
from model.markets.credit import BOND_PRICE_FLOOR

__all__ = ["Fund"]

LIQUIDITY_BUFFER = 0.03
FIRE_SALE_DISCOUNT = 0.10


class Fund(Institution):
    """A fund with a mandate (``private_credit``, ``asset_manager``, ``insurer``,
    ``venture``)."""

    sector = Sector.FUND

    def __init__(self, model, profile: FundProfile) -> None:
        super().__init__(model, profile.name)
        self.profile = profile
        self.mandate = profile.mandate
        self.nav_history: list[float] = []
        self._claims: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
        """Its active claims as the ledger last gave them, split by ``_holdings``."""

    def _holdings(self) -> tuple[np.ndarray, np.ndarray]:
        """Ids of its active claims on the rest of the economy (liquid securities) and of
        its other claims (AI assets), each ascending. Split again only when the ledger
        answers with another array of its claims (``Ledger.active_ids`` gives the same one
        until a claim of its is booked, closed or sold; a claim's debtor never changes)."""
        ledger = self.m.ledger
        ids = ledger.active_ids(creditor=self.account)
        if self._claims is None or self._claims[0] is not ids:
            on_world = ledger.column("debtor")[ids] == WORLD
            securities, ai_assets = ids[on_world], ids[~on_world]
            securities.flags.writeable = ai_assets.flags.writeable = False  # shared
            self._claims = (ids, securities, ai_assets)
        return self._claims[1], self._claims[2]

    @property
    def equity(self) -> float:
        """Derived equity: cash and claims less debt, $B. A fund owns no data centers (only
        hyperscalers and their SPVs order them), so its real assets are not looked up."""
        return self.m.ledger.equity_of(self.account)

    def liquid_securities(self) -> np.ndarray:
        """Ids of its claims on the rest of the economy (sold at par any time)."""
        return self._holdings()[0]

    def nav(self) -> float:
        """Net asset value with bonds marked to market, $B."""
        return self.equity + self.m.bond_marks(self.account)

    def capacity_for_ai(self) -> float:
        """How much it will invest in AI assets now, $B."""
        return self._capacity_at(self.nav())

    @staticmethod
    def capacities_for_ai(funds: Sequence[Fund]) -> list[float]:
        """``capacity_for_ai`` of each of ``funds`` (of one model), $B, their bonds marked
        once for all: asking one changes nothing, so the marks, which read every
        hyperscaler's rating, are the same for the next."""
        if not funds:
            return []
        marks = funds[0].m.bond_marks_of([f.account for f in funds])
        return [f._capacity_at(f.equity + mark) for f, mark in zip(funds, marks, strict=True)]

    def _capacity_at(self, nav: float) -> float:
        """``capacity_for_ai`` with its NAV (``nav()``) at ``nav``, $B."""
        m = self.m
        if nav <= 0:
            return 0.0
        target = m.econ.fund_ai_allocation * nav * min(m.market.sentiment, 1.5)
        securities, ai_assets = self._holdings()
        room = target - float(m.ledger.carried()[ai_assets].sum())
        if room <= 0:  # at or above its target: what it could sell does not matter
            return 0.0
        liquid = max(0.0, self.cash - LIQUIDITY_BUFFER * nav) + float(
            m.ledger.column("principal")[securities].sum()
        )
        return max(0.0, min(liquid, room))

    def raise_cash(self, amount: float) -> float:
        """Sell liquid securities until cash covers ``amount``; returns cash then, $B."""
        m = self.m
        short = amount - self.cash
        if short <= 1e-12:  # cash covers it: no need to look at its securities
            return self.cash
        for i in self.liquid_securities():
            if short <= 1e-12:
                break
            x = min(short, float(m.ledger.column("principal")[i]))
            m.ledger.transfer(WORLD, self.account, x)
            m.ledger.reduce([i], [x])
            short -= x
        if short > 1e-12:
            self.fire_sell(short)
        return self.cash

    def make_cash_available(self, amount: float) -> None:
        self.raise_cash(amount)

    def fire_sell(self, amount: float) -> None:
        """Sell AI bonds to the rest of the economy below market to raise ``amount``, the
        dearest first."""
        m = self.m
        ledger = m.ledger
        ai_assets = self._holdings()[1]
        bonds = ai_assets[ledger.column("kind")[ai_assets] == KindCode.BOND]
        # dearest first (least loss), then by issuer's name: not by contract number
        prices = m.bond_prices(bonds)
        names = [ledger.names[d] for d in ledger.column("debtor")[bonds]]
        bonds = bonds[sorted(range(bonds.size), key=lambda k: (-prices[k], names[k]))]
        for i in bonds:
            if amount <= 1e-12:
                break
            face = float(ledger.column("principal")[i])
            price = m.bond_price(int(i)) * (1 - FIRE_SALE_DISCOUNT)
            sell = min(face, amount / price)
            if sell < face - 1e-12:  # split the bond: the sold part changes hands
                ledger.add(
                    creditor=WORLD,
                    debtor=int(ledger.column("debtor")[i]),
                    kind=ContractKind.BOND,
                    principal=sell,
                    rate=float(ledger.column("rate")[i]),
                    start=int(ledger.column("start")[i]),
                    maturity=int(ledger.column("maturity")[i]),
                    amortisation=int(ledger.column("amortisation")[i]),
                    off_balance=bool(ledger.column("off_balance")[i]),
                    guarantor=int(ledger.column("guarantor")[i]),
                    basis=price,
                )
                ledger.reduce([i], [sell])
            else:
                ledger.reassign([i], WORLD, basis=price)
            ledger.transfer(WORLD, self.account, sell * price)
            m.trace.book(
                tick=m.tick,
                round_=0,
                debtor=int(ledger.column("debtor")[i]),
                holder=self.account,
                channel=Channel.FIRE_SALE,
                off_balance=bool(ledger.column("off_balance")[i]),
                amount=max(0.0, sell * (1 - price)),  # a sale above par is a gain
            )
            amount -= sell * price

    # ----------------------------------------------------------------- step 6
    def operate(self) -> None:
        m = self.m
        if m.is_defaulted(self):
            return
        self.raise_cash(m.monthly_obligations(self.account))
        nav = self.nav()
        self.nav_history.append(nav)
        if len(self.nav_history) > 13:
            self.nav_history.pop(0)
        past = self.nav_history[0]
        if len(self.nav_history) < 13 or past <= 0:
            return
        excess_return = nav / past - 1.0 - 0.05
        flow = m.econ.fund_flow_beta * excess_return * nav
        if flow > 0:
            m.ledger.transfer(WORLD, self.account, flow)
        elif flow < 0:
            self.raise_cash(-flow)
            m.ledger.transfer(self.account, WORLD, min(-flow, max(self.cash, 0.0)))

    def answer_margin_call(self, bank) -> None:
        """Repay the part of its NAV loans from ``bank`` above the allowed share."""
        m = self.m
        ledger = m.ledger
        ids = ledger.active_ids(ContractKind.NAV_LOAN, debtor=self.account, creditor=bank.account)
        if ids.size == 0:
            return
        loan = float(ledger.column("principal")[ids].sum())
        ltv = m.econ.nav_loan_ltv
        if self._within_limit_at_any_marks(loan, ltv):
            return
        call = self.margin_call(loan, ltv)
        if call <= 1e-9:
            return
        self.raise_cash(call)
        pay = min(call, max(self.cash, 0.0))
        share = ledger.column("principal")[ids] / loan
        ledger.transfer(self.account, bank.account, pay)
        ledger.reduce(ids, pay * share)

    def insolvent(self) -> bool:
        """NAV gone, or a margin call it could not meet (out of cash and liquid securities
        with its NAV loans above their limit). With cash it has met its margin calls, and
        its NAV is marked only if its bonds' marks could take it to zero."""
        if self.cash >= 1e-6:
            return not self._nav_positive_at_any_marks() and self.nav() <= 0
        m = self.m
        nav = self.nav()
        if nav <= 0:
            return True
        ids = m.ledger.active_ids(ContractKind.NAV_LOAN, debtor=self.account)
        loan = float(m.ledger.column("principal")[ids].sum())
        return (
            loan > 1.05 * m.econ.nav_loan_ltv * max(nav + loan, 0.0)
            and self.liquid_securities().size == 0
        )

    def margin_call(self, loan: float, ltv: float) -> float:
        """What it must repay of NAV loans of ``loan`` ($B) to bring them back within ``ltv``
        of its assets, with its bonds marked, $B (negative when within). Repaying x from
        assets lowers both the loan and the assets it is measured on:
        loan - x = ltv * (nav + loan - x)  =>  x = (loan - ltv * (nav + loan)) / (1 - ltv)."""
        return (loan - ltv * max(self.nav() + loan, 0.0)) / max(1.0 - ltv, 1e-9)

    def _within_limit_at_any_marks(self, loan: float, ltv: float) -> bool:
        """Whether NAV loans of ``loan`` ($B) are within ``ltv`` of its assets however its
        bonds are marked: at the lowest NAV the marks can leave (every bond it holds at
        ``BOND_PRICE_FLOOR``) the loan is below its limit by a margin (1e-9 of the amounts
        involved) far above the round-off of the marks (some 1e-16 a bond). Then no margin
        call is due and its NAV need not be marked, which takes every issuer's rating."""
        face = self.m.bonds_held(self.account)
        equity = self.equity
        lowest = equity - (1.0 - BOND_PRICE_FLOOR) * face
        return loan + 1e-9 * (loan + abs(equity) + face) <= ltv * (lowest + loan)

    def _nav_positive_at_any_marks(self) -> bool:
        """Whether its NAV is positive however its bonds are marked: its equity exceeds
        what marking every bond it holds at ``BOND_PRICE_FLOOR`` would take off, by a
        relative margin (1e-9) far above the round-off of the marks (some 1e-16 a bond).
        Then its NAV need not be marked, which takes every issuer's rating."""
        face = self.m.bonds_held(self.account)
        return self.equity > (1.0 - BOND_PRICE_FLOOR) * face * (1.0 + 1e-9)
