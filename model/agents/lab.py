"""AILab: sells AI services, rents compute under take-or-pay contracts, burns cash,
raises equity, and defaults when it cannot pay.

Each month (tick step 2):

* revenue = min(share * R(t)/12 * exp(demand_noise * noise), serving_GW * s_v(t) * v(t)) —
  demand or capacity, s_v the serving share (``HotPotatoModel.serving_share``);
* costs: fixed opex (growing 2% a month, up to 8 times its 2025 level) + 15% of revenue,
  booked as payables; compute fees fall due on its contracts at settlement;
* compute: it wants the GW its *expected* revenue ``lab_planning_months`` ahead needs, serving plus
  training (``training_share``, halving every ``training_halving_months``); if
  contracted compute falls short by >10% it signs new
  take-or-pay contracts with the hyperscalers that rent to labs (in proportion to their
  ``lab_weight``, each up to what it will build), starting when their data centers can
  be built (``build_months``), at the spot rent, for ``compute_term_months``;
* GPU SPVs: at the end of the lease of a GPU SPV it leases directly (as xAI's) it lets
  the lease end (``end_leases``); the compute it still needs it contracts as above;
* money: if cash covers less than 12 months of net burn it raises a round of 18 months
  of burn from the chip vendor (vendor financing: ``vendor_stake_per_gw`` per GW it
  contracted, up to ``vendor_stake_cap``), its cloud partner and funds, whose appetite
  rises with sentiment and expected growth; each request is cleared with the other
  labs', pro rata (``model.financing``). From ``lehman_month`` the largest lab finds
  no investor at all.
"""

from __future__ import annotations

import math

from model.agents.base import Institution
from model.calibration import LabProfile
from model.financing import Decision, Request
from model.ledger import WORLD, Amortisation, ContractKind, Sector

__all__ = ["AILab"]

RUNWAY_MONTHS = 12
ROUND_MONTHS = 18
VARIABLE_COST = 0.15


class AILab(Institution):
    """An AI lab (OpenAI-, Anthropic-, xAI-like)."""

    sector = Sector.LAB
    rating = "B"
    """Loss-making and private: priced as high yield."""

    def __init__(self, model, profile: LabProfile, portion: float, largest: bool) -> None:
        super().__init__(model, profile.name)
        self.profile = profile
        self.portion = portion
        """The part of its calibrated profile this lab is: 1, or 1/k when ``n_labs`` repeats
        the profile k times (its share, balance sheet and costs are split)."""
        self.share = profile.share * portion
        self.largest = largest
        self.vendor_financed_gw = 0.0
        self.revenue = 0.0
        """Revenue booked this month, $B (kept for the lab's own planning)."""
        self.noise = 0.0
        """This month's standard normal demand shock (drawn in tick step 1)."""

    def fixed_costs(self) -> float:
        """Fixed operating costs this month (staff, research, overheads), $B: growing 2%
        a month, to at most 8 times their 2025 level."""
        return self.portion * self.profile.opex_fixed * min(1.02**self.m.tick, 8.0)

    # ----------------------------------------------------------------- step 2
    def operate(self) -> Decision:
        m = self.m
        if m.is_defaulted(self):
            return
        self.end_leases()
        demand = self.share * m.market.industry_revenue / 12.0
        demand *= math.exp(m.params.demand_noise * self.noise)
        capacity = m.serving_gw(self.account) * m.serving_share() * m.market.revenue_per_gw
        have = m.contracted_gw(self.account, at=m.tick + m.econ.build_months)
        self.revenue = min(demand, capacity)
        m.ledger.transfer(WORLD, self.account, self.revenue)
        m.market.realised_revenue += self.revenue
        m.market.demand_seen += demand
        opex = self.fixed_costs() + VARIABLE_COST * self.revenue
        self.pay_bill(WORLD, opex)  # a bill: leaves the GW it has under contract as they are
        self.contract_compute(have)
        yield from self.raise_money(opex)

    def end_leases(self) -> None:
        """Let the leases of the GPU SPVs it leases directly end at their term
        (``SPV.end_lease``): it does not renew them. A lease's payment was sized to repay
        the SPV's debt over the lease's term; renewing at it would pay debt service on
        repaid debt, for GPUs near or past their economic life. The compute it still
        needs it contracts from the providers (``contract_compute``: the SPV's GW no
        longer count in ``contracted_gw``). The SPV then winds up (``SPV.operate``)."""
        m = self.m
        creditor = m.ledger.column("creditor")
        for i in m.spv_leases_ended(self.account):
            m.agent_of(int(creditor[i])).end_lease()

    def contract_compute(self, have: float) -> None:
        """Sign new compute contracts if ``have``, the GW it has under contract when they
        would start (``HotPotatoModel.contracted_gw`` at ``tick + build_months``), falls
        short of what its expected revenue will need."""
        m = self.m
        econ = m.econ
        g = m.expected_growth_used()
        horizon = econ.lab_planning_months
        expected = max(self.revenue, self.share * m.market.industry_revenue / 12.0 * 0.5)
        expected *= (1 + g) ** horizon
        v_future = m.revenue_per_gw_at(m.tick + horizon)
        wanted = expected / v_future / m.serving_share(m.tick + horizon)
        if wanted <= 1.1 * have:
            return
        gap = min(wanted - have, 2.0 + 0.5 * have)  # a lab signs at most this much a month
        providers = m.compute_providers()
        if not providers:
            return
        weights = [p.lab_weight for p in providers]
        total = sum(weights)
        # what a provider will build does not depend on the contracts signed with the others
        # (they are owed by this lab and paid to them), so all are asked before signing
        acceptable = [p.acceptable_gw() for p in providers]
        rent = m.market.compute_rent
        start = m.tick + econ.build_months
        signed = 0.0
        for p, w, most in zip(providers, weights, acceptable, strict=True):
            gw = min(gap * w / total, most)
            if gw < 1e-3:
                continue
            signed += gw
            m.ledger.add(
                creditor=p.account,
                debtor=self.account,
                kind=ContractKind.COMPUTE,
                principal=gw * rent * econ.compute_term_months,
                gw=gw,
                payment=gw * rent,
                start=start,
                maturity=start + econ.compute_term_months,
                amortisation=Amortisation.LEVEL,
            )
        self.vendor_financed_gw += signed

    def raise_money(self, opex: float) -> Decision:
        """Raise a round when runway is short: vendor financing, then the cloud partner,
        then funds (each request cleared with the other labs', ``model.financing``). Its
        burn is cash out minus cash in this month, $B (positive when burning); it plans on
        that burn with the compute fees it will owe in ``RUNWAY_MONTHS`` instead of this
        month's."""
        m = self.m
        fees = m.compute_fees(self.account)
        burn = opex + fees - self.revenue
        future_burn = burn + m.compute_fees(self.account, ahead=RUNWAY_MONTHS) - fees
        need = RUNWAY_MONTHS * max(future_burn, 0.0) - self.cash
        if need <= 0:
            return
        if self.largest and m.params.lehman_month is not None and m.tick >= m.params.lehman_month:
            return
        target = need + (ROUND_MONTHS - RUNWAY_MONTHS) * max(future_burn, 0.0)
        raised = 0.0
        econ = m.econ
        if m.params.vendor_financing:
            room = econ.vendor_stake_cap - m.vendor_stakes(self.account)
            offer = min(econ.vendor_stake_per_gw * self.vendor_financed_gw, room, target)
            if offer > 0:
                grant = yield Request(self.account, offer, "vendor_stake")
                self.vendor_financed_gw = max(
                    0.0, self.vendor_financed_gw - grant.amount / econ.vendor_stake_per_gw
                )
                raised += grant.amount
        if raised < target:
            grant = yield Request(self.account, 0.1 * (target - raised), "partner_stake")
            raised += grant.amount
        if raised < target:
            g = m.expected_growth_used()
            confidence = min(1.0, m.market.sentiment * (0.3 + 10.0 * max(g, 0.0)))
            yield Request(self.account, target - raised, "lab_equity", confidence=confidence)
