"""Hyperscaler (and levered builder, and neocloud): core cash flow, AI services, renting
compute to labs, building data centers and financing them.

Each month (tick step 3):

* books its core operating cash flow (growing 0.6% a month) and its own AI revenue
  min(share * R(t)/12 * exp(noise), own serving GW * v(t)); pays its power bill;
* builds: the GW it will need in ``build_months`` (compute contracted to labs then, plus
  the GW its own expected AI revenue in 24 months needs) minus the GW that will still be
  within economic life then; it closes one sixth of that gap a month;
* finances the build: ``obs_share`` through an SPV it sponsors (off balance sheet); the
  rest from cash above a buffer (three months of core cash flow and of its monthly
  obligations), then bonds if rated BBB or better, then bank loans (unsecured for
  investment grade; for others secured on the new GPUs, ``loan_to_value``, with a
  collateral covenant), then high-yield bonds; with ``equity_financed`` only cash and new shares;
* orders the chips (filled by the chip vendor, step 4) and queues for power on completion;
* at each SPV lease's end renews it if it still needs the capacity, else walks away and
  pays the residual-value guarantee: the shortfall of the SPV's data centers' market
  value below its debt, up to the guaranteed amount;
* pays out cash above twice its buffer to shareholders.
"""

from __future__ import annotations

import math

from model.agents.base import Institution
from model.calibration import HyperscalerProfile
from model.financing import bank_loan, sell_bonds, sell_equity
from model.ledger import WORLD, ContractKind, Sector
from model.markets.credit import rating_spread

__all__ = ["Hyperscaler"]

PLANNING_MONTHS = 24
GAP_CLOSED_PER_MONTH = 1 / 6
BUFFER_MONTHS = 3


class Hyperscaler(Institution):
    """A hyperscaler, a levered builder (BBB) or a neocloud (B)."""

    sector = Sector.HYPERSCALER

    def __init__(self, model, profile: HyperscalerProfile, share: float) -> None:
        super().__init__(model, profile.name)
        self.profile = profile
        self.share = share
        self.profile_lab_weight = profile.lab_weight
        self.ai_revenue = 0.0
        """Own AI revenue booked this month, $B."""

    @property
    def core_cash_flow(self) -> float:
        """Core operating cash flow this month, $B/month."""
        return self.profile.core_cash_flow / 12.0 * 1.006**self.m.tick

    def buffer(self) -> float:
        """Cash it keeps: three months of core cash flow and of everything it owes monthly
        (interest, scheduled principal, lease fees)."""
        return BUFFER_MONTHS * (self.core_cash_flow + self.m.monthly_obligations(self.account))

    def spare_cash(self) -> float:
        """Cash above the buffer, $B."""
        return max(0.0, self.cash - self.buffer())

    # ----------------------------------------------------------------- step 3
    def operate(self) -> None:
        m = self.m
        if m.is_defaulted(self):
            return
        m.ledger.transfer(WORLD, self.account, self.core_cash_flow)
        own_gw = max(0.0, m.earning_gw(self.account) - m.rented_out_gw(self.account))
        demand = self.share * m.market.industry_revenue / 12.0
        demand *= math.exp(m.params.demand_noise * m.rng.standard_normal())
        self.ai_revenue = min(
            demand, own_gw * (1 - m.econ.training_share) * m.market.revenue_per_gw
        )
        m.ledger.transfer(WORLD, self.account, self.ai_revenue)
        m.market.realised_revenue += self.ai_revenue
        m.market.demand_seen += demand
        m.pay_power(self.account)
        self.renew_or_exit_leases()
        self.build()
        excess = self.cash - 2 * self.buffer()
        if excess > 0:
            m.ledger.transfer(self.account, WORLD, 0.5 * excess)

    def wanted_gw(self, at: int) -> float:
        """GW this firm expects to need in month ``at``."""
        m = self.m
        g = m.expected_growth_used()
        expected = max(self.ai_revenue, 0.5 * self.share * m.market.industry_revenue / 12.0)
        expected *= (1 + g) ** PLANNING_MONTHS
        own = expected / m.revenue_per_gw_at(m.tick + PLANNING_MONTHS) / (1 - m.econ.training_share)
        return m.rented_out_gw(self.account, at=at) + own

    def build(self) -> None:
        m = self.m
        at = m.tick + m.econ.build_months
        gap = self.wanted_gw(at) - m.capacity_gw(self.account, at=at)
        if gap <= 0.01:
            return
        gw = gap * GAP_CLOSED_PER_MONTH
        cost_per_gw = m.chip_vendor.price_per_gw + m.econ.shell_cost_per_gw
        cost = gw * cost_per_gw
        spv_part = 0.0 if m.params.equity_financed else m.params.obs_share * cost
        if spv_part > 0:
            spv = m.spv_for(self)
            raised = spv.raise_funds(spv_part)
            if raised > 0:
                m.chip_vendor.order(spv.account, raised / cost_per_gw)
        own_cost = cost - spv_part
        funded, loans = self.finance(own_cost)
        if funded > 0:
            m.chip_vendor.order(self.account, funded / cost_per_gw, secured_loans=loans)

    def finance(self, amount: float) -> tuple[float, list[int]]:
        """Raise ``amount`` on balance sheet; returns what was raised and any GPU loans."""
        m = self.m
        econ = m.econ
        raised = min(amount, self.spare_cash())
        if m.params.equity_financed:
            if raised < amount:
                raised += sell_equity(m, self.account, amount - raised, security="listed_equity")
            return raised, []
        rating = self.profile.rating
        spread = rating_spread(rating, m.market.spread_ig, m.market.spread_hy)
        rate = m.market.risk_free + spread
        guaranteed = m.params.guarantees
        loans: list[int] = []
        if raised < amount and rating in ("AA", "A", "BBB"):
            raised += sell_bonds(
                m,
                self.account,
                amount - raised,
                security="bond_ig",
                rate=rate,
                months=12 * econ.bond_years,
            )
        if raised < amount:
            # investment-grade firms borrow unsecured; others pledge the new GPUs
            secured = rating not in ("AA", "A", "BBB")
            before = len(m.ledger)
            raised += bank_loan(
                m,
                self.account,
                (amount - raised) * econ.loan_to_value,
                rate=rate,
                months=12 * econ.loan_years,
                guaranteed=guaranteed,
            )
            loans = list(range(before, len(m.ledger))) if secured else []
        if raised < amount and rating not in ("AA", "A", "BBB"):
            raised += sell_bonds(
                m,
                self.account,
                amount - raised,
                security="bond_hy",
                rate=rate,
                months=12 * econ.bond_years,
            )
        return raised, loans

    def renew_or_exit_leases(self) -> None:
        m = self.m
        ledger = m.ledger
        ids = ledger.active_ids(ContractKind.SPV_LEASE)
        ids = ids[
            (ledger.column("debtor")[ids] == self.account)
            & (ledger.column("maturity")[ids] <= m.tick)
        ]
        for i in ids:
            spv = m.agent_of(int(ledger.column("creditor")[i]))
            if self.needs_capacity():
                ledger.set_terms(
                    int(i),
                    payment=float(ledger.column("payment")[i]),
                    maturity=m.tick + m.econ.spv_lease_months,
                    tick=m.tick,
                )
                continue
            shortfall = max(0.0, spv.debt() - spv.market_value())
            guarantee = min(float(ledger.column("residual_guarantee")[i]), shortfall)
            if guarantee > 0:
                self.pay_bill(spv.account, guarantee)
            ledger.close([int(i)])

    def needs_capacity(self) -> bool:
        """Whether the capacity it has is all wanted over the planning horizon."""
        m = self.m
        return self.wanted_gw(m.tick) >= 0.9 * m.capacity_gw(self.account, at=m.tick)

    def reported_and_true_debt(self) -> tuple[float, float]:
        """Debt as reported (own) and true (own plus sponsored SPVs' debt), $B."""
        m = self.m
        own = float(m.ledger.liabilities()[self.account])
        spv = sum(s.debt() for s in m.spvs if s.sponsor is self and not m.is_defaulted(s))
        return own, own + spv

    def leverage(self) -> tuple[float, float]:
        """Reported and true leverage: debt / (debt + equity), 0-1."""
        reported, true = self.reported_and_true_debt()
        equity = max(self.equity, 1e-9)
        return reported / (reported + equity), true / (true + equity)

    def annual_earnings(self) -> float:
        """Reported earnings run-rate, $B/year: core + AI + rent − depreciation − interest."""
        m = self.m
        rent = m.compute_income(self.account)
        dep = m.depreciation(self.account)
        interest = m.interest_due(self.account)
        return 12.0 * (self.core_cash_flow * 0.6 + self.ai_revenue + rent - dep - interest)
