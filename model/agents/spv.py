"""SPV: a special-purpose vehicle that owns data centers, funded by bonds (bought by funds,
priced on its sponsor's rating) and equity (private credit and the sponsor), and leased
to its sponsor. It decides nothing strategic: the sponsor's lease pays its debt service
and an equity yield, which it pays its owners; when the lease stops (the sponsor walked
away or defaulted) it sells its data centers, collects any residual-value guarantee,
repays what it can, and defaults if it cannot repay all.

One SPV per sponsor and calendar year collects that year's off-balance-sheet builds
(as Meta–Blue Owl "Hyperion" or a Stargate project company). It pays for new data
centers from its cash above a buffer before it raises more. Its debt amortises over
``SPV_DEBT_MONTHS``; the lease payment is the debt service of all its debt, each contract
at its own rate, plus a 9% yield on equity.
"""

from __future__ import annotations

import numpy as np

from model.agents.base import Institution
from model.financing import Decision, Request, buy_equity
from model.ledger import IS_DEBT, WORLD, Amortisation, ContractKind, KindCode, Sector
from model.losses import Channel
from model.markets.credit import rating_spread

__all__ = ["SPV"]

_EQUITY = (KindCode.EQUITY,)
SPV_DEBT_MONTHS = 240
EQUITY_YIELD = 0.09
BUFFER_MONTHS = 3
"""Months of its dues it keeps in cash before it spends cash on new data centers."""


class SPV(Institution):
    """An off-balance-sheet vehicle of one sponsor."""

    sector = Sector.SPV

    def __init__(self, model, sponsor, year: int) -> None:
        super().__init__(model, f"SPV {sponsor.name} {year}")
        self.sponsor = sponsor
        self.lease: int | None = None
        self.winding_up = False
        self.wound_up = False
        """Its data centers sold, its debt repaid and what was left paid to its owners
        (``repay_all``): it has nothing left to do."""
        self._owners: tuple | None = None
        """``_stakes_by_owner``, kept with the stakes it is of (the ledger's answer), the
        version of the stakes and their amounts when it was read."""

    def debt(self) -> float:
        """Debt outstanding, $B."""
        return float(self.m.ledger.liabilities()[self.account])

    def market_value(self) -> float:
        """Market value of its data centers, $B."""
        m = self.m
        owned = m.assets["active"] & (m.assets["owner"] == self.account)
        return float(m.market_values()[owned].sum())

    def buffer(self) -> float:
        """Cash it keeps: three months of what it owes monthly (interest and scheduled
        principal), $B."""
        return BUFFER_MONTHS * self.m.monthly_obligations(self.account)

    def spare_cash(self) -> float:
        """Cash above the buffer, $B: money raised before and not yet spent (an order the
        chip vendor filled only in part) and what its lease brought beyond its dues and
        its owners' dividends."""
        return max(0.0, self.cash - self.buffer())

    def guarantee_shortfall(self) -> float:
        """What its sponsor's residual-value guarantee covers now, $B: its lenders'
        shortfall, what its cash and its data centers at market value do not cover of its
        debt and of this month's interest on it (paid from the same cash at settlement), at
        most the guaranteed amount of its lease (nothing without a lease). The same amount
        is owed when the sponsor walks away at the lease's end and claimed when the sponsor
        defaults."""
        if self.lease is None:
            return 0.0
        m = self.m
        guaranteed = float(m.ledger.column("residual_guarantee")[self.lease])
        dues = m.ledger.dues(m.tick)
        mine = dues.debtor == self.account
        interest = float((dues.cash[mine] - dues.reduction[mine]).sum())
        owed = self.debt() + interest
        return min(guaranteed, max(0.0, owed - self.cash - self.market_value()))

    def raise_funds(self, amount: float) -> Decision:
        """Fund ``amount`` of new data centers, $B: from its spare cash first, the rest
        raised (``_raise``); returns what is available for the order, $B (a
        ``model.financing`` decision)."""
        from_cash = min(amount, self.spare_cash())
        raised = 0.0
        if amount - from_cash > 1e-9:
            raised = yield from self._raise(amount - from_cash)
        return from_cash + raised

    def _raise(self, amount: float) -> Decision:
        """Raise ``amount``, $B: the sponsor's equity from its spare cash, outside equity,
        then bonds and bank loans with the same equity cushion; then reset the lease
        (``_set_lease``). Returns what was raised, $B."""
        m = self.m
        econ = m.econ
        equity = amount * econ.spv_equity_share
        sponsor_part = min(equity * econ.spv_sponsor_equity, self.sponsor.spare_cash())
        if sponsor_part > 0:
            buy_equity(m, self.sponsor.account, self.account, sponsor_part)
        outside = yield Request(self.account, equity - sponsor_part, "spv_equity")
        raised_equity = sponsor_part + outside.amount
        # lenders insist on the same equity cushion
        debt_target = raised_equity * (1 - econ.spv_equity_share) / max(econ.spv_equity_share, 1e-9)
        spread = (
            rating_spread(self.sponsor.rating, m.market.spread_ig, m.market.spread_hy)
            + econ.spv_premium
        )
        terms = {
            "rate": m.market.risk_free + spread,
            "months": SPV_DEBT_MONTHS,
            "amortisation": Amortisation.LINEAR,
            "off_balance": True,
            "guaranteed": m.params.guarantees,
        }
        debt = (yield Request(self.account, debt_target, "spv_bond", **terms)).amount
        if debt < debt_target:
            debt += (yield Request(self.account, debt_target - debt, "bank_loan", **terms)).amount
        self._set_lease()
        return raised_equity + debt

    def debt_service(self) -> float:
        """Scheduled service of its debt from next month on, $B/month: over its debt
        contracts (all amortise linearly), Σ principal × (rate/12 + 1/months left after
        this month), each at its own rate. Linear dues only fall, so no later month asks
        more; a contract still owing this month's dues counts at its principal before
        them, a little more than next month asks."""
        m = self.m
        ledger = m.ledger
        mine = ledger.active_ids(debtor=self.account)
        debt = mine[IS_DEBT[ledger.column("kind")[mine]]]
        principal = ledger.column("principal")[debt]
        rate = ledger.column("rate")[debt]
        months_left = np.maximum(ledger.column("maturity")[debt] - m.tick, 1)
        return float((principal * (rate / 12 + 1 / months_left)).sum())

    def _set_lease(self) -> None:
        """Book or reset the lease to its sponsor: a monthly payment of its scheduled debt
        service (``debt_service``) plus ``EQUITY_YIELD`` a year on its equity at cost, $B,
        and a residual-value guarantee of ``econ.spv_residual_guarantee`` × its debt. A
        reset keeps the lease's maturity."""
        m = self.m
        econ = m.econ
        _, equity = self._stakes_by_owner()
        payment = self.debt_service() + equity * EQUITY_YIELD / 12
        rvg = econ.spv_residual_guarantee * self.debt()
        if self.lease is None:
            self.lease = m.ledger.add(
                creditor=self.account,
                debtor=self.sponsor.account,
                kind=ContractKind.SPV_LEASE,
                principal=payment * econ.spv_lease_months,
                payment=payment,
                start=m.tick,
                maturity=m.tick + econ.spv_lease_months,
                amortisation=Amortisation.LEVEL,
                residual_guarantee=rvg,
                off_balance=True,
            )
        else:
            maturity = int(m.ledger.column("maturity")[self.lease])
            m.ledger.set_terms(
                self.lease, payment=payment, maturity=maturity, tick=m.tick, residual_guarantee=rvg
            )

    def end_lease(self) -> None:
        """Its sponsor walks away at the lease's end: it owes the SPV what the
        residual-value guarantee covers (``guarantee_shortfall``, $B) as a bill, booked as
        the sponsor's loss, off balance sheet (channel ``RESIDUAL_VALUE``); the lease
        closes and the SPV winds up (``operate``). Should the sponsor fail before paying,
        its creditors take over that loss (``LossTrace.pass_on``)."""
        m = self.m
        guarantee = self.guarantee_shortfall()
        if guarantee > 0:
            self.sponsor.pay_bill(self.account, guarantee)
            m.trace.book(
                tick=m.tick,
                round_=m.current_round,
                debtor=self.account,
                holder=self.sponsor.account,
                channel=Channel.RESIDUAL_VALUE,
                off_balance=True,
                amount=guarantee,
            )
        m.ledger.close([self.lease])

    def lease_active(self) -> bool:
        return self.lease is not None and bool(self.m.ledger.column("active")[self.lease])

    def operate(self) -> None:
        """While its lease runs: pay its owners the lease's equity yield (``pay_dividend``).
        When the lease has stopped: wind up (sell the data centers and repay what it can,
        in settlement). A vehicle already winding up or without a lease does nothing."""
        if self.winding_up or self.lease is None:
            return
        if self.lease_active():
            self.pay_dividend()
        elif not self.m.is_defaulted(self):
            self.winding_up = True

    def pay_dividend(self) -> None:
        """Pay the owners ``EQUITY_YIELD`` a year on their stakes at cost, the part of the
        lease payment meant for them, pro rata to their stakes, $B a month: as far as its
        cash above the buffer allows (money raised for data centers not yet delivered is
        spent on them first, in tick step 3, before this)."""
        spare = self.spare_cash()
        if spare <= 1e-12:  # nothing to pay, whatever the stakes
            return
        by_owner, total = self._stakes_by_owner()
        paid = min(total * EQUITY_YIELD / 12, spare)
        if paid <= 1e-12:
            return
        ledger = self.m.ledger
        for owner, stake in by_owner:
            ledger.transfer(self.account, owner, paid * stake / total)

    def _stakes_by_owner(self) -> tuple[list[tuple[int, float]], float]:
        """Its owners, each with its stakes at cost summed in the order booked, in the order
        of their first stake, and the total of all its stakes, $B. Kept while the ledger
        answers with the same stakes (``Ledger.active_ids`` gives the same array until one
        is booked or closed, or contracts are sold, the only way an owner changes) at the
        same amounts: those are read again only when some stake, its or another issuer's,
        changed since (``Ledger.version_of``). Once the vehicle stops raising, its stakes
        stay as they are from one month to the next."""
        ledger = self.m.ledger
        stakes = ledger.active_ids(ContractKind.EQUITY, debtor=self.account)
        version = ledger.version_of(_EQUITY)
        kept = self._owners
        if kept is not None and kept[0] is stakes and kept[1] == version:
            return kept[3]
        held = ledger.column("principal")[stakes].tolist()
        if kept is None or kept[0] is not stakes or kept[2] != held:
            owners = ledger.column("creditor")[stakes].tolist()
            by_owner: dict[int, float] = {}  # a few owners, each with a stake from every raise
            for owner, stake in zip(owners, held, strict=True):
                by_owner[owner] = by_owner.get(owner, 0.0) + stake
            total = float(ledger.column("principal")[stakes].sum())
            kept = (stakes, version, held, (list(by_owner.items()), total))
        self._owners = (stakes, version, held, kept[3])
        return kept[3]

    def insolvent(self) -> bool:
        """A vehicle without a lease cannot service its debt: it defaults unless its cash
        and data centers at market value cover all of it (then it repays and closes,
        ``repay_all``)."""
        return self.winding_up and self.cash + self.market_value() < self.debt() - 1e-9

    def repay_all(self) -> float:
        """Sell the data centers to the rest of the economy, repay all debt (if any is
        left), and pay what is left to the equity holders; their shortfall on what they
        paid for their stakes (at cost, or the price paid to a failed owner) is their
        loss. The vehicle is then wound up. Returns the GW sold whose
        GPUs are within their economic life (``HotPotatoModel.sell_data_centers``): their
        price impact is the caller's, once for all sellers."""
        m = self.m
        ledger = m.ledger
        owned = np.flatnonzero(m.assets["active"] & (m.assets["owner"] == self.account))
        sold = m.sell_data_centers(self.account, owned)
        mine = ledger.active_ids(debtor=self.account)
        kind = ledger.column("kind")[mine]
        debt = mine[IS_DEBT[kind]]
        ledger.prepay(debt, ledger.column("principal")[debt].copy())
        stakes = mine[kind == KindCode.EQUITY]
        held = ledger.column("principal")[stakes].copy()
        holders = ledger.column("creditor")[stakes]
        # what each holder paid for its stake: its cost, or less for one bought from a
        # failed owner (``basis``)
        cost = held * ledger.column("basis")[stakes]
        left = max(self.cash, 0.0)
        if held.sum() > 0:
            paid = held / held.sum() * left
            ledger.transfer_many(np.full(stakes.size, self.account), holders, paid)
            for holder, lost in zip(holders, np.maximum(cost - paid, 0.0), strict=True):
                m.trace.book(
                    tick=m.tick,
                    round_=m.current_round,
                    debtor=self.account,
                    holder=int(holder),
                    channel=Channel.EQUITY,
                    off_balance=True,
                    amount=float(lost),
                )
            ledger.reduce(stakes, held)
        elif left > 0:
            ledger.transfer(self.account, WORLD, left)
        ledger.close(mine[~IS_DEBT[kind] & (kind != KindCode.EQUITY)])
        ledger.close(stakes)
        self.wound_up = True
        return sold
