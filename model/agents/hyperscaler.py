"""Hyperscaler (and levered builder, and neocloud): core cash flow, AI services, renting
compute to labs, building data centers and financing them.

Each month (tick step 3):

* books its core operating cash flow (growing 0.6% a month) and its own AI revenue
  min(share * R(t)/12 * exp(demand_noise * noise), own serving GW * s_v(t) * v(t)), s_v the
  serving share; pays its power bill; credits
  labs the fees of compute it promised but cannot deliver;
* builds: all the compute it has contracted to labs that will not exist when the
  contracts start (it signed for it); beyond that, one sixth a month of the gap between
  what it expects to need in ``build_months`` (the GW its own expected AI revenue
  ``hyperscaler_planning_months`` ahead needs) and the GW still within economic life
  then, if a GW pays for itself over the GPUs' accounting life (``build_pays``); all
  within its leverage limit
  (``MAX_LEVERAGE``, on reported debt; its rating follows reported leverage). It signs
  new lab contracts only up to what it can build (``acceptable_gw``);
* finances the build: ``obs_share`` through an SPV it sponsors (off balance sheet); the
  rest from cash above a buffer (three months of core cash flow and of its monthly
  obligations), then bonds if rated BBB or better, then bank loans (unsecured for
  investment grade; for others secured on the new GPUs, ``loan_to_value``, with a
  collateral covenant), then high-yield bonds; with ``equity_financed`` only cash and new shares;
* orders the chips (filled by the chip vendor, step 4) and queues for power on completion;
* at each SPV lease's end renews it if it still needs the capacity, else walks away and
  pays the residual-value guarantee: the shortfall of the SPV's cash and data centers at
  market value below its debt, up to the guaranteed amount (``SPV.guarantee_shortfall``);
* pays out half its cash above twice its buffer to shareholders, and borrows what it
  needs to meet this month's dues (refinancing): below investment grade, from banks
  only against the data centers it has, within their covenant, then high-yield bonds.
"""

from __future__ import annotations

import math

from model.agents.base import Institution
from model.calibration import HyperscalerProfile
from model.financing import MIN_AMOUNT, Decision, Request
from model.ledger import WORLD, Amortisation, KindCode, Sector
from model.markets.credit import is_investment_grade, leverage_rating, rating_spread

__all__ = ["Hyperscaler"]

GAP_CLOSED_PER_MONTH = 1 / 6
BUFFER_MONTHS = 3
_COMPUTE = (KindCode.COMPUTE,)
"""The contracts its compute rent comes from (``HotPotatoModel.compute_income``)."""
MAX_LEVERAGE = {"AA": 2.5, "A": 2.5, "BBB": 7.0, "BB": 7.0, "B": 7.0}
"""Reported debt / annual cash flow it will go to, by calibrated rating: an AA firm
protects an A rating; a levered builder or a neocloud goes to the BB bound, beyond
which no lender adds debt."""


class Hyperscaler(Institution):
    """A hyperscaler, a levered builder (BBB) or a neocloud (B)."""

    sector = Sector.HYPERSCALER

    def __init__(self, model, profile: HyperscalerProfile, portion: float = 1.0) -> None:
        super().__init__(model, profile.name)
        self.profile = profile
        self.portion = portion
        """The part of its calibrated profile this firm is: 1, or 1/k when ``n_hyperscalers``
        repeats the profile k times (its share, balance sheet and cash flows are split)."""
        self.share = profile.ai_share * portion
        self.lab_weight = profile.lab_weight * self.portion
        """Its weight among the providers a lab contracts compute from."""
        self.ai_revenue = 0.0
        """Own AI revenue booked this month, $B."""
        self.noise = 0.0
        """This month's standard normal demand shock (drawn in tick step 1)."""
        self.power_cost = 0.0
        """Its share of this month's power bill (net of the energy subsidy), $B."""
        self.compute_credits = 0.0
        """Fees of compute it could not deliver, credited to labs this month, $B."""
        self._rating: tuple[tuple[float, int, float, float, float, int], str] | None = None
        """The last rating given, with what it was rated on (``rating``)."""

    @property
    def core_cash_flow(self) -> float:
        """Core operating cash flow this month, $B/month."""
        return self.portion * self.profile.core_cash_flow / 12.0 * 1.006**self.m.tick

    def buffer(self) -> float:
        """Cash it keeps: three months of core cash flow and of everything it owes monthly
        (interest, scheduled principal, lease fees)."""
        return BUFFER_MONTHS * (self.core_cash_flow + self.m.monthly_obligations(self.account))

    def annual_cash_flow(self) -> float:
        """Operating cash flow run-rate: core, own AI revenue and compute rent, less the
        rent credited back for compute it could not deliver and its power bill, $B/year."""
        return 12.0 * (self.core_cash_flow + self._ai_cash_flow())

    def _ai_cash_flow(self) -> float:
        """This month's AI revenue and compute rent less compute credits and power, $B."""
        rent = self.m.compute_income(self.account) - self.compute_credits
        return self.ai_revenue + rent - self.power_cost

    @property
    def rating(self) -> str:
        """Credit rating from reported leverage, no better than the calibrated rating. It
        is rated again only when what its leverage is made of may have changed: its
        reported debt, the month, its own month's books (AI revenue, power bill and
        compute credits) or the compute contracts (its rent); most bookings (other firms'
        contracts, its own equity) change none of them."""
        m = self.m
        reported = self.reported_debt()
        basis = (
            reported,
            m.tick,
            self.ai_revenue,
            self.power_cost,
            self.compute_credits,
            m.ledger.version_of(_COMPUTE),
        )
        if self._rating is None or self._rating[0] != basis:
            self._rating = (basis, self._leverage_rating(reported, self.annual_cash_flow()))
        return self._rating[1]

    def _leverage_rating(self, reported: float, cash_flow: float) -> str:
        """The rating of ``reported`` debt over ``cash_flow`` a year ($B), at most the
        calibrated rating (``model.markets.credit.leverage_rating``)."""
        return leverage_rating(reported / max(cash_flow, 1e-9), floor=self.profile.rating)

    def rating_with(self, debt: float) -> str:
        """The rating it would have with ``debt`` $B more reported debt than it has, on
        this month's cash flow (the rating the debt of its initial book is priced at)."""
        return self._leverage_rating(self.reported_debt() + debt, self.annual_cash_flow())

    def debt_capacity(self) -> float:
        """New debt it will take on: up to its leverage limit (``MAX_LEVERAGE``) of reported
        debt / annual cash flow, $B. SPV debt is not reported, so it does not count."""
        limit = MAX_LEVERAGE[self.profile.rating]
        return max(0.0, limit * self.annual_cash_flow() - self.reported_debt())

    def acceptable_gw(self) -> float:
        """GW of new lab contracts it will sign: what its spare cash and debt capacity can
        build, its SPVs paying for the ``obs_share`` part."""
        m = self.m
        cost = m.chip_vendor.price_per_gw + m.econ.shell_cost_per_gw
        on_balance = 1.0 if m.params.equity_financed else 1.0 - m.params.obs_share
        funds = self.spare_cash() + (0.0 if m.params.equity_financed else self.debt_capacity())
        return funds / max(on_balance * cost, 1e-9)

    def spare_cash(self) -> float:
        """Cash above the buffer, $B."""
        return max(0.0, self.cash - self.buffer())

    # ----------------------------------------------------------------- step 3
    def operate(self) -> Decision:
        m = self.m
        if m.is_defaulted(self):
            return
        m.ledger.transfer(WORLD, self.account, self.core_cash_flow)
        earning = m.earning_gw(self.account)
        promised = m.rented_out_gw(self.account)
        own_gw = max(0.0, earning - promised)
        demand = self.share * m.market.industry_revenue / 12.0
        demand *= math.exp(m.params.demand_noise * self.noise)
        self.ai_revenue = min(demand, own_gw * m.serving_share() * m.market.revenue_per_gw)
        m.ledger.transfer(WORLD, self.account, self.ai_revenue)
        m.market.realised_revenue += self.ai_revenue
        m.market.demand_seen += demand
        # books a bill: earning and promised GW stay as they are
        self.power_cost = m.pay_power(self.account)
        self.compute_credits = self.credit_undelivered_compute(earning, promised)
        excess = self.cash - 2 * self.buffer()
        if excess > 0:  # dividends and buybacks, before it commits cash to building
            m.ledger.transfer(self.account, WORLD, 0.5 * excess)
        self.renew_or_exit_leases()
        yield from self.build()
        yield from self.meet_obligations()

    def meet_obligations(self) -> Decision:
        """Borrow what it needs to pay this month's dues (refinancing maturing debt)."""
        need = self.m.monthly_obligations(self.account) - self.cash
        if need > 0:
            yield from self.finance(need, for_build=False)

    def credit_undelivered_compute(self, earning: float, promised: float) -> float:
        """Take-or-pay binds the lab only for compute delivered: when its ``earning`` GW
        (``HotPotatoModel.earning_gw``) fall short of the ``promised`` GW of its running
        contracts (``rented_out_gw``), it owes each lab that share of this month's fee
        back (a payable cleared with the fees at settlement). Returns the fees credited, $B."""
        m = self.m
        if promised <= 0:
            return 0.0
        shortfall = 1.0 - min(1.0, earning / promised)
        if shortfall <= 0:
            return 0.0
        credited = 0.0
        for lab, fee in m.compute_fees_by_lab(self.account).items():
            self.pay_bill(lab, shortfall * fee)
            credited += shortfall * fee
        return credited

    def wanted_gw(self, at: int) -> float:
        """GW this firm expects to need in month ``at``."""
        m = self.m
        g = m.expected_growth_used()
        expected = max(self.ai_revenue, 0.5 * self.share * m.market.industry_revenue / 12.0)
        horizon = m.econ.hyperscaler_planning_months
        expected *= (1 + g) ** horizon
        future = m.tick + horizon
        own = expected / m.revenue_per_gw_at(future) / m.serving_share(future)
        return m.rented_out_gw(self.account, at=at) + own

    def build(self) -> Decision:
        m = self.m
        at = m.tick + m.econ.build_months
        capacity = m.capacity_gw(self.account, at=at)
        owed = max(0.0, m.rented_out_gw(self.account, at=at) - capacity)
        cost_per_gw = m.chip_vendor.price_per_gw + m.econ.shell_cost_per_gw
        gw = owed  # compute it has contracted to labs must exist when the contracts start
        if self.build_pays(cost_per_gw):
            wanted = self.wanted_gw(at) - capacity - owed
            gw += max(0.0, wanted) * GAP_CLOSED_PER_MONTH
        if gw <= 0.01:
            return
        cost = gw * cost_per_gw
        spv_part = 0.0 if m.params.equity_financed else m.params.obs_share * cost
        if spv_part > 0:
            spv = m.spv_for(self)
            raised = yield from spv.raise_funds(spv_part)
            if raised > 0:
                m.chip_vendor.order(spv.account, raised / cost_per_gw)
        own_cost = cost - spv_part
        funded, loans = yield from self.finance(own_cost)
        if funded > 0:
            m.chip_vendor.order(self.account, funded / cost_per_gw, secured_loans=loans)

    def build_pays(self, cost_per_gw: float) -> bool:
        """Whether a new GW pays for itself in the firm's own books: what a GW earns a
        month (the better of spot rent and own AI revenue per GW), lifted by sentiment,
        over the *accounting* life of its GPUs, against its cost plus interest on half of
        it over that life. A GPU life longer in the books than in the market makes
        marginal builds look profitable."""
        m = self.m
        monthly = max(m.market.compute_rent, m.market.revenue_per_gw * m.serving_share())
        life = 12 * m.params.gpu_accounting_life_years
        rate = m.market.risk_free + rating_spread(
            self.rating, m.market.spread_ig, m.market.spread_hy
        )
        optimism = m.market.sentiment**0.5
        return monthly * optimism * life >= cost_per_gw * (1 + rate * life / 24)

    def finance(self, amount: float, *, for_build: bool = True) -> Decision:
        """Pay for ``amount`` on balance sheet; returns what was covered and the ids of
        the bank loans to secure on the data center it orders (a ``model.financing``
        decision).

        For a build (``for_build``) it pays from spare cash first, and below investment
        grade its banks lend ``loan_to_value`` of what is still missing, secured on the
        data center it orders (``ChipVendor.fill_orders``). Otherwise (to pay dues or cure
        a covenant, where its cash is already counted) all of it is new money, and below
        investment grade its banks lend only against the data centers it has
        (``borrow_against_data_centers``). Investment-grade firms borrow unsecured."""
        m = self.m
        econ = m.econ
        raised = min(amount, self.spare_cash()) if for_build else 0.0
        if m.params.equity_financed:
            if raised < amount:
                grant = yield Request(self.account, amount - raised, "listed_equity")
                raised += grant.amount
            return raised, []
        rating = self.rating
        investment_grade = is_investment_grade(rating)
        amount = min(amount, raised + self.debt_capacity())
        spread = rating_spread(rating, m.market.spread_ig, m.market.spread_hy)
        rate = m.market.risk_free + spread
        loans: list[int] = []
        bonds = {"rate": rate, "months": 12 * econ.bond_years}
        if raised < amount and investment_grade:
            grant = yield Request(self.account, amount - raised, "bond_ig", **bonds)
            raised += grant.amount
        if raised < amount and not (for_build or investment_grade):
            raised += yield from self.borrow_against_data_centers(amount - raised, rate)
        elif raised < amount:
            missing = (amount - raised) * econ.loan_to_value
            grant = yield self._bank_loan(missing, rate, secured=not investment_grade)
            raised += grant.amount
            loans = [] if investment_grade else list(grant.contracts)
        if raised < amount and not investment_grade:
            grant = yield Request(self.account, amount - raised, "bond_hy", **bonds)
            raised += grant.amount
        if loans:
            raised -= self._within_loan_to_value(loans, raised)
        return raised, loans

    def _within_loan_to_value(self, loans: list[int], cost: float) -> float:
        """Banks lend no more than ``loan_to_value`` of the data center a secured loan
        buys: when the rest of the money (spare cash, high-yield bonds) falls short, it
        orders less and repays at once what the smaller data center cannot secure. With
        ``cost`` the money raised for it (loans included) and ``L`` the loans, it repays
        ``e = max(0, (L − ltv × cost) / (1 − ltv))``, so that ``L − e = ltv × (cost − e)``.
        Returns ``e``, $B."""
        ledger = self.m.ledger
        ltv = self.m.econ.loan_to_value
        principal = ledger.column("principal")[loans]
        excess = max(0.0, (float(principal.sum()) - ltv * cost) / (1.0 - ltv))
        if excess > 0:
            ledger.prepay(loans, principal * (excess / float(principal.sum())))
        return excess

    def _bank_loan(self, amount: float, rate: float, *, secured: bool) -> Request:
        """A request for a term loan of ``amount`` $B at ``rate``: one to an
        investment-grade firm is a bullet; a secured one amortises."""
        m = self.m
        return Request(
            self.account,
            amount,
            "bank_loan",
            rate=rate,
            months=12 * m.econ.loan_years,
            guaranteed=m.params.guarantees,
            amortisation=Amortisation.LINEAR if secured else Amortisation.BULLET,
        )

    def borrow_against_data_centers(self, amount: float, rate: float) -> Decision:
        """Borrow up to ``amount`` $B from banks against the data centers it has: a loan
        secured on each in turn, the most headroom under the loan-to-value covenant first
        (``HotPotatoModel.collateral_headroom``), of at most that headroom, until it has
        ``amount`` or the banks lend less than asked; returns what it raised, $B (a
        ``model.financing`` decision). The facilities so stay within their covenant."""
        m = self.m
        raised = 0.0
        for asset, headroom in m.collateral_headroom(self.account):
            if amount - raised <= MIN_AMOUNT:
                break
            asked = min(amount - raised, headroom)
            grant = yield self._bank_loan(asked, rate, secured=True)
            if grant.contracts:
                m.ledger.set_collateral(grant.contracts, asset)
            raised += grant.amount
            if grant.amount < asked - MIN_AMOUNT:  # the banks lend no more
                break
        return raised

    def renew_or_exit_leases(self) -> None:
        """At each of its SPV leases' end: renew it for another term at the same payment if
        it still needs the capacity; else walk away, owing the SPV what the residual-value
        guarantee covers (``SPV.guarantee_shortfall``, $B) as a bill, and close the lease
        (``SPV.end_lease``)."""
        m = self.m
        ledger = m.ledger
        for i in m.spv_leases_ended(self.account):
            spv = m.agent_of(int(ledger.column("creditor")[i]))
            if self.needs_capacity():
                ledger.set_terms(
                    int(i),
                    payment=float(ledger.column("payment")[i]),
                    maturity=m.tick + m.econ.spv_lease_months,
                    tick=m.tick,
                )
                continue
            spv.end_lease()

    def needs_capacity(self) -> bool:
        """Whether the capacity it has is all wanted over the planning horizon."""
        m = self.m
        return self.wanted_gw(m.tick) >= 0.9 * m.capacity_gw(self.account, at=m.tick)

    def reported_debt(self) -> float:
        """Debt on its own balance sheet, $B."""
        return float(self.m.ledger.liabilities()[self.account])

    def reported_and_true_debt(self) -> tuple[float, float]:
        """Debt as reported (own) and true (own plus sponsored SPVs' debt), $B."""
        m = self.m
        own = self.reported_debt()
        return own, own + m.spv_debt_of(self.account)

    def annual_earnings(self) -> float:
        """Reported earnings run-rate, $B/year: 0.6 × core + AI revenue + rent − compute
        credits − power − depreciation − interest and SPV lease fees."""
        m = self.m
        dep = m.depreciation(self.account)
        interest = m.interest_due(self.account)
        return 12.0 * (self.core_cash_flow * 0.6 + self._ai_cash_flow() - dep - interest)
