"""``HotPotatoModel``: the Mesa model of the AI-infrastructure boom and its financing.

``step`` is one month, the ten steps of DESIGN.md in order and nothing else. The numbers
live in the ledger (``model.ledger``), the asset book (``model.assets``) and the market
state (``model.markets.state``); agents (``model.agents``) hold behaviour. The queries
agents share about the economy (how much compute a lab has, what a data center is worth)
are methods here so that each is computed in one place.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

import mesa
import numpy as np

from model import financing, settlement
from model.agents import SPV, AILab, Bank, Fund, Hyperscaler
from model.agents.base import Institution
from model.assets import SHELL_LIFE_MONTHS, AssetBook
from model.crash import CrashDetector
from model.financing import MIN_AMOUNT
from model.indicators import Recorder
from model.ledger import DEBT_KINDS, WORLD, ContractKind, KindCode, Ledger, Sector
from model.losses import LossTrace
from model.markets import demand
from model.markets.credit import BOND_DURATION, BOND_PRICE_FLOOR, RATINGS, rating_spread
from model.markets.gpu import fire_sale_impact
from model.markets.power import monthly_bill
from model.markets.reprice import reprice
from model.markets.state import MarketState
from model.run import RunRecord
from model.scenario import validate_scenario

__all__ = ["HotPotatoModel"]

IS_INTEREST_BEARING = np.zeros(len(ContractKind), dtype=bool)
IS_INTEREST_BEARING[[ContractKind.LOAN, ContractKind.BOND, ContractKind.NAV_LOAN]] = True
"""Lookup by kind: debt whose interest counts in reported earnings (vendor financing and
payables carry none)."""
UNRATED = len(RATINGS)
"""Rating index of an issuer without a rating (which pays the high-yield spread)."""
IS_SPV_LEASE = np.zeros(len(ContractKind), dtype=bool)
IS_SPV_LEASE[ContractKind.SPV_LEASE] = True
"""Lookup by kind: an SPV's lease to its sponsor (faster than comparing with the enum)."""
_COMPUTE = (KindCode.COMPUTE,)
_SPV_LEASES = (KindCode.SPV_LEASE,)
_LEASES = (*_COMPUTE, *_SPV_LEASES)
_LOANS = (KindCode.LOAN,)
_BONDS = (KindCode.BOND,)
_DEBTS = tuple(DEBT_KINDS.tolist())
"""The kinds the views of compute contracts, SPV leases, loans, bonds and debt read
(``_cached_on_contracts``)."""


class ComputeContracts(NamedTuple):
    """The active compute contracts, one entry each in the order they were signed (read-only
    arrays): provider, lab, first month, month it ends (exclusive), GW, monthly fee ($B)."""

    creditor: np.ndarray
    debtor: np.ndarray
    start: np.ndarray
    maturity: np.ndarray
    gw: np.ndarray
    payment: np.ndarray


class SpreadInputs(NamedTuple):
    """What the spreads of bonds are computed from (``HotPotatoModel._spreads``): the
    market's investment-grade and high-yield spreads, the numbers of accounts and of agents
    behind them (as ``HotPotatoModel._bond_issuers``), and the hyperscalers' ratings (the
    other issuers' are fixed)."""

    spread_ig: float
    spread_hy: float
    accounts: int
    agents: int
    ratings: tuple[str, ...]


REPORTERS = {
    "ai_index": lambda m: m.market.ai_index,
    "ai_index_drawdown": lambda m: m.market.drawdown,
    "defaults": lambda m: len(m.default_log),
    "credit_losses": lambda m: m.crash.credit_losses(),
    "crashed": lambda m: m.crash.month is not None,
    "loss_total": lambda m: m.trace.total(),
}
"""What Mesa's DataCollector (and so ``mesa.batch_run``) records each month; the full
series are in ``HotPotatoModel.record()``."""


class HotPotatoModel(mesa.Model):
    """The AI-infrastructure economy, one tick per month from 2025-01.

    Parameters
    ----------
    seed:
        Seed of the model's one random generator (``numpy.random.Generator``).
    check_invariants:
        Check the accounting identities after every step (slower; for tests and audits).
    **knobs:
        Scenario keys of ``model.scenario.Scenario`` (``ai_payoff``, ``obs_share``, ...).
        Unknown or out-of-range values raise ``model.scenario.ScenarioError``.
    """

    def __init__(
        self, *, seed: int | None = None, check_invariants: bool = False, **knobs: Any
    ) -> None:
        mesa_scenario = knobs.get("scenario")
        if mesa_scenario is not None and type(mesa_scenario).__module__.startswith("mesa"):
            # Mesa >= 3.5's SolaraViz passes its own (seed-only) scenario on Reset; the seed
            # comes as ``seed`` and the knobs as keywords, so it carries nothing for us
            del knobs["scenario"]
        params = validate_scenario(knobs)
        super().__init__(rng=seed)
        self.seed = seed
        self.params = params
        self.econ = params.economy
        self.check = check_invariants
        self.tick = 0
        self.current_round = 0
        self.ledger = Ledger()
        self.ledger.check_transfers = check_invariants
        self.assets = AssetBook()
        self.market = MarketState(
            industry_revenue=self.econ.ai_revenue_2025,
            revenue_per_gw=self.econ.revenue_per_gw,
            compute_rent=self.econ.compute_rent,
            power_price=self.econ.power_price,
            risk_free=self.econ.risk_free,
            spread_ig=self.econ.spread_ig,
            spread_hy=self.econ.spread_hy,
            expected_growth=self.econ.demand_growth,
        )
        self.trace = LossTrace(self.ledger.sectors)
        self.defaulted: set[int] = set()
        self.default_log: list[tuple[int, int, str]] = []
        self._defaulted_in: dict[int, int] = {}
        """The month each defaulted account defaulted in."""
        self.bailouts_log: list[tuple[int, str]] = []
        self._by_account: dict[int, Institution] = {}
        self.spvs: list[SPV] = []
        self._spv_of: dict[tuple[int, int], SPV] = {}
        self._cache: dict[str, tuple[tuple, Any]] = {}
        self._members: dict[type, tuple[Institution, ...]] = {}
        self._build_economy()
        # labs, hyperscalers, banks and funds are all created with the economy (only SPVs
        # are added later, in ``spvs``): their populations are fixed from here on
        self._members = {kind: self._of_kind(kind) for kind in (AILab, Hyperscaler, Bank, Fund)}
        self.money_supply = float(self.ledger.cash.sum())
        self.crash = CrashDetector(self)
        self.recorder = Recorder(self)
        self.datacollector = mesa.DataCollector(model_reporters=REPORTERS)
        self.running = True

    # ------------------------------------------------------------------ setup
    def _build_economy(self) -> None:
        from model.initial import build_economy

        build_economy(self)

    def register(self, agent: Institution) -> None:
        self._by_account[agent.account] = agent

    def agent_of(self, account: int) -> Institution:
        return self._by_account[account]

    def sector_of(self, account: int) -> Sector:
        return self.ledger.sectors[account]

    def _of_kind(self, kind: type) -> tuple[Institution, ...]:
        members = self._members.get(kind)
        return tuple(self.agents_by_type.get(kind, ())) if members is None else members

    @property
    def labs(self) -> tuple[AILab, ...]:
        return self._of_kind(AILab)

    @property
    def hyperscalers(self) -> tuple[Hyperscaler, ...]:
        return self._of_kind(Hyperscaler)

    @property
    def banks(self) -> tuple[Bank, ...]:
        return self._of_kind(Bank)

    @property
    def funds(self) -> tuple[Fund, ...]:
        return self._of_kind(Fund)

    # ------------------------------------------------------------------- tick
    def step(self) -> None:
        """One month: the ten steps of DESIGN.md, in order."""
        self.exogenous_draws()  # 1
        financing.together(self, [lab.operate() for lab in self.acting(AILab)])  # 2
        financing.together(self, [hs.operate() for hs in self.acting(Hyperscaler)])  # 3
        for spv in self.spvs:
            spv.operate()
        self.chip_vendor.fill_orders()  # 4
        self.grid.connect()  # 5
        for agent in (*self.banks, *self.funds):  # 6
            agent.operate()
        self.government_acts()  # 7
        reprice(self)  # 8
        depth = settlement.settle(self)  # 9
        self.crash.observe(depth)  # 10
        self.recorder.collect(depth)
        self.datacollector.collect(self)
        if self.check:
            self.check_invariants()
        self.tick += 1
        self.running = self.tick < self.params.horizon_months

    def acting(self, kind: type) -> list[Institution]:
        """Agents of ``kind`` in the order they take their turn. The order does not change
        the outcome: they decide from the same state and their requests for money are
        cleared together, pro rata (``model.financing``); tests/model/test_order.py runs
        the model with other orders."""
        return list(self._of_kind(kind))

    def exogenous_draws(self) -> None:
        """Step 1: this month's demand curve, token prices, and reset of monthly flows."""
        econ = self.econ
        mk = self.market
        mk.industry_revenue = demand.industry_revenue(
            self.tick, self.params.ai_payoff, econ.ai_revenue_2025, econ.demand_growth
        )
        mk.revenue_per_gw = self.revenue_per_gw_at(self.tick)
        # demand shocks, one per lab then one per hyperscaler
        buyers = [*self.labs, *self.hyperscalers]
        for agent, shock in zip(buyers, self.rng.standard_normal(len(buyers)), strict=True):
            agent.noise = float(shock)
        self.current_round = 0
        mk.realised_revenue = 0.0
        mk.demand_seen = 0.0
        mk.last_fire_sale_gw = mk.fire_sale_gw
        mk.fire_sale_gw = 0.0

    def government_acts(self) -> None:
        """Step 7: the treasury borrows for this month's debt service, and bails out failing
        banks if the policy is on (subsidies and guarantees are paid where they arise)."""
        gov = self.government
        gov.borrow(max(0.0, self.monthly_obligations(gov.account) - gov.cash))
        if not self.params.bailouts:
            return
        for bank in self.banks:
            if not self.is_defaulted(bank) and bank.failing():
                self.government.bail_out(bank)

    # ----------------------------------------------------------- defaults
    def is_defaulted(self, agent: Institution | int) -> bool:
        account = agent if isinstance(agent, int) else agent.account
        return account in self.defaulted

    def mark_defaulted(self, account: int, round_: int) -> None:
        self.current_round = round_
        self.defaulted.add(account)
        self._defaulted_in[account] = self.tick
        self.default_log.append((self.tick, round_, self.ledger.names[account]))

    def failures_in(self, tick: int) -> int:
        """Firms that defaulted in month ``tick``, as the market counts them: an SPV whose
        sponsor had defaulted by then (that month or before, its lease lost with it) is
        part of its sponsor's failure, not news of its own; one whose sponsor stands is."""
        defaulted_in = self._defaulted_in

        def news(account: int) -> bool:
            if self.sector_of(account) != Sector.SPV:
                return True
            sponsor = self.agent_of(account).sponsor.account
            return defaulted_in.get(sponsor, tick + 1) > tick

        return sum(1 for a, t in defaulted_in.items() if t == tick and news(a))

    def bailed_out(self, bank: Bank) -> None:
        self.bailouts_log.append((self.tick, bank.name))

    def act_on_distress(self) -> set[int]:
        """Rescue, wind up and cure what can be, and return the accounts that must
        default now: banks below their minimum ratio (bailed out instead if
        ``bailouts``), funds whose NAV is gone or margin call unmet, SPVs without a lease
        that cannot repay (those that can repay, or have no debt left, wind up now,
        selling together), and hyperscalers that cannot cure a broken loan covenant (cures
        financed together)."""
        out: set[int] = set()
        for bank in self.banks:
            if not self.is_defaulted(bank) and bank.failing():
                if self.params.bailouts:
                    self.government.bail_out(bank)
                else:
                    out.add(bank.account)
        for fund in self.funds:
            if not self.is_defaulted(fund) and fund.insolvent():
                out.add(fund.account)
        sold_gw = 0.0
        for spv in self.spvs:
            if not spv.winding_up or spv.wound_up or self.is_defaulted(spv):
                continue
            if spv.insolvent():
                out.add(spv.account)
            else:
                sold_gw += spv.repay_all()
        self.fire_sale(sold_gw)  # wind-ups sell together: one price impact for all
        # only a hyperscaler with GPU-secured loans has a covenant to cure; a cure books
        # secured loans only for a firm that has some, so which have one does not change
        secured = self._secured_loans()
        if self._covenants_hold(secured):
            return out
        live = [
            hs for hs in self.hyperscalers if hs.account in secured and not self.is_defaulted(hs)
        ]
        cured = financing.together(self, [self.cure_covenants(hs.account) for hs in live])
        out.update(hs.account for hs, ok in zip(live, cured, strict=True) if not ok)
        return out

    def _covenants_hold(self, secured: dict[int, np.ndarray]) -> bool:
        """Whether no facility can be in breach of its covenant: the principal of all the
        ``secured`` loans (``_secured_loans``) on each data center, whoever owes them, is
        within ``loan_to_value`` × its market value. Then ``cure_covenants`` has nothing
        to pay down for anyone and is not run. The sum over all debtors is at least each
        debtor's own (a sum of principals >= 0, in the same order, with more terms, is no
        smaller in floating point either), so the test is never wrong the other way."""
        if not secured:
            return True
        held = self._facilities(np.concatenate(tuple(secured.values())))
        cover = self.econ.loan_to_value * self.market_values()
        return not (held > cover).any()

    def cure_covenants(self, account: int) -> financing.Decision:
        """Pay down the GPU-secured loans of ``account`` on each data center whose market
        value no longer covers them at ``loan_to_value``, from cash or new financing; False
        if the breach cannot be cured (a ``model.financing`` decision)."""
        ledger = self.ledger
        ids = self._secured_loans().get(account)
        if ids is None:
            return True
        excess = self._covenant_excess(ids)
        need = float(excess.sum())
        if need <= 1e-9:
            return True
        finance = getattr(self._by_account[account], "finance", None)
        if ledger.cash_of(account) < need and finance is not None:
            yield from finance(need - ledger.cash_of(account), for_build=False)
        if ledger.cash_of(account) < need - 1e-9:
            return False
        excess *= min(1.0, ledger.cash_of(account) / need)
        ledger.prepay(ids, excess)
        return True

    def _covenant_excess(self, ids: np.ndarray) -> np.ndarray:
        """What each secured loan in ``ids`` must be paid down by, $B. The covenant is on
        the facility, all the loans secured on one data center (one per bank that lent
        towards it): their principal together must stay below ``loan_to_value`` × the
        data center's market value, and each loan takes the excess pro rata to its
        principal, so the cure does not depend on how many banks share the facility."""
        principal = self.ledger.column("principal")[ids]
        collateral = self.ledger.column("collateral")[ids]
        held = self._facilities(ids)[collateral]
        cover = self.econ.loan_to_value * self.market_values()[collateral]
        share = np.divide(principal, held, out=np.zeros_like(principal), where=held > 0)
        return np.maximum(held - cover, 0.0) * share

    def _facilities(self, ids: np.ndarray) -> np.ndarray:
        """Principal of the secured loans ``ids`` summed by the data center each is secured
        on (a facility), $B, indexed by the asset book's rows."""
        ledger = self.ledger
        return np.bincount(
            ledger.column("collateral")[ids],
            weights=ledger.column("principal")[ids],
            minlength=len(self.assets),
        )

    def collateral_headroom(self, owner: int) -> list[tuple[int, float]]:
        """The data centers of ``owner`` that can secure more bank loans, each with how
        much more, $B: ``loan_to_value`` × its market value less the principal of the
        loans already secured on it (what its facility can grow by within the covenant);
        the most headroom first, those with none left out."""
        assets = self.assets
        mine = np.flatnonzero(assets["active"] & (assets["owner"] == owner))
        headroom = self.econ.loan_to_value * self.market_values()[mine]
        ids = self._secured_loans().get(owner)
        if ids is not None:
            headroom -= self._facilities(ids)[mine]
        order = np.argsort(-headroom, kind="stable")
        return [(int(mine[k]), float(headroom[k])) for k in order if headroom[k] > MIN_AMOUNT]

    def _secured_loans(self) -> dict[int, np.ndarray]:
        """Ids of the active loans secured on a data center, by debtor (those with none
        are left out), reused until a loan is booked, closed, sold or secured: it reads
        no principal and no other contract, so the repayments of loans and the bonds,
        bills and leases booked meanwhile keep it, across months."""

        def compute():
            ledger = self.ledger
            ids = ledger.active_ids(ContractKind.LOAN)
            ids = ids[ledger.column("collateral")[ids] >= 0]
            debtors = ledger.column("debtor")[ids]
            return {int(d): ids[debtors == d] for d in np.unique(debtors)}

        return self._cached_on_terms("secured_loans", compute, _LOANS)

    def government_pays(self, guarantor: int, holder: int, amount: float, debtor: int) -> None:
        """A guarantor (the government) pays ``holder`` the shortfall on a guaranteed claim
        on ``debtor`` (deposit insurance when the debtor is a bank)."""
        bank = self.sector_of(debtor) == Sector.BANK
        self.government.pay(holder, amount, "deposit_insurance" if bank else "guarantees")

    # ------------------------------------------------------------- shared views
    def _kept(self, key: str, stamp: tuple, compute):
        """``compute()``, reused while ``stamp``, everything its value depends on, is the
        same (a view that does not read the month, as the spreads and the bonds' marks, is
        kept across months this way)."""
        hit = self._cache.get(key)
        if hit is not None and hit[0] == stamp:
            return hit[1]
        value = compute()
        self._cache[key] = (stamp, value)
        return value

    def _cached_on_assets(self, key: str, compute, inputs=()):
        """``compute()`` of the asset book alone (summed by owner over the ledger's accounts
        at most, with the month and ``inputs``): reused until the month, ``inputs``, the
        asset book or the number of accounts change. Contracts and cash do not enter it, so
        the many changes of the ledger within a month keep it; nor does the GPU price but
        in market values, so the views at book value and of GW survive its moves."""
        stamp = (self.tick, self.assets.version, self.ledger.n_accounts, *inputs)
        return self._kept(key, stamp, compute)

    def _cached_on_contracts(self, key: str, compute, kinds: tuple[int, ...], inputs=()):
        """``compute()`` of the contracts of ``kinds`` alone (with the month and ``inputs``):
        reused until the month, ``inputs`` or a contract of those kinds change, so the
        bills, loans and bonds booked within a month keep it. A view sized by the ledger's
        accounts must pass their number in ``inputs``."""
        stamp = (self.tick, self.ledger.version_of(kinds), inputs)
        return self._kept(key, stamp, compute)

    def _cached_on_terms(self, key: str, compute, kinds: tuple[int, ...], inputs=()):
        """``compute()`` of which contracts of ``kinds`` there are and of their terms but
        the principal (with ``inputs``): reused until one of them is booked, closed, sold
        or has its terms reset (``Ledger.terms_version_of``) or ``inputs`` change, so the
        payments that lower principals keep it. The month does not enter: a view that reads
        it passes it in ``inputs``, as one sized by the ledger's accounts passes their
        number."""
        stamp = (self.ledger.terms_version_of(kinds), inputs)
        return self._kept(key, stamp, compute)

    def market_values(self) -> np.ndarray:
        """Market value of every data center, $B (with the GPU price)."""
        index = self.market.used_gpu_index
        return self._cached_on_assets(
            "market_values",
            lambda: self.assets.market_value(
                self.tick, 12 * self.params.gpu_economic_life_years, index
            ),
            inputs=(index,),
        )

    def book_values(self) -> np.ndarray:
        """Book value of every data center, $B."""
        return self._cached_on_assets(
            "book_values",
            lambda: self.assets.book_value(self.tick, 12 * self.params.gpu_accounting_life_years),
        )

    def real_assets(self) -> np.ndarray:
        """Book value of the data centers each account owns, $B."""
        return self._cached_on_assets(
            "real_assets",
            lambda: self.assets.by_owner(self.book_values(), self.ledger.n_accounts),
        )

    def equity(self) -> np.ndarray:
        """Derived equity of every account at book value, $B (real assets summed by owner
        only when the books change; cash, which changes far more often, added fresh)."""
        return self.ledger.equity(self.real_assets())

    def equity_of(self, account: int) -> float:
        """``equity()[account]``, $B."""
        return self.ledger.equity_of(account, float(self.real_assets()[account]))

    def revenue_per_gw_at(self, tick: float) -> float:
        return demand.revenue_per_gw(tick, self.econ.revenue_per_gw, self.econ.token_price_decline)

    def serving_share(self, tick: float | None = None) -> float:
        """Share of compute that serves customers (the rest trains models) in month
        ``tick`` (default now): ``1 - s0 * 0.5 ** (tick / halving)``."""
        tick = self.tick if tick is None else tick
        econ = self.econ
        return 1.0 - econ.training_share * 0.5 ** (tick / econ.training_halving_months)

    def expected_growth_used(self) -> float:
        """Expected monthly growth of AI revenue as agents use it (lifted by sentiment)."""
        return self.market.expected_growth * self.market.sentiment

    def _earning_by_owner(self, at: int | None = None) -> np.ndarray:
        def compute():
            a = self.assets
            life = 12 * self.params.gpu_economic_life_years
            if at is None:
                gw = a.earning_gw(self.tick, life)
            else:  # everything built or being built that is still within economic life
                alive = (a["completed"] + life > at) & a["active"]
                gw = np.where(alive, a["gw"], 0.0)
            return a.by_owner(gw, self.ledger.n_accounts)

        return self._cached_on_assets(f"earning:{at}", compute)

    def _leased_spvs(self, sponsor: int) -> tuple[int, ...]:
        """The SPVs whose data centers ``sponsor`` leases now, in order of creation. Kept
        while the ledger answers with the same active SPV leases (``Ledger.active_ids``
        gives the same array until one is booked or closed, or contracts are sold, the
        only way a creditor changes; a debtor never does): the resets of their payments
        with each raise of an SPV leave it as it was."""
        ledger = self.ledger
        ids = ledger.active_ids(ContractKind.SPV_LEASE)
        hit = self._cache.get("leased_spvs")
        if hit is not None and hit[0] is ids:
            return hit[1].get(sponsor, ())
        # each SPV's one lease is a contract from it (creditor) to its sponsor (debtor)
        spvs = ledger.column("creditor")[ids].tolist()
        sponsors = ledger.column("debtor")[ids].tolist()
        leased: dict[int, tuple[int, ...]] = {}
        for spv, by in sorted(zip(spvs, sponsors, strict=True)):  # accounts: creation order
            leased[by] = (*leased.get(by, ()), spv)
        self._cache["leased_spvs"] = (ids, leased)
        return leased.get(sponsor, ())

    def spv_leases_ended(self, sponsor: int) -> np.ndarray:
        """Ids of the active SPV leases of ``sponsor`` whose term has ended by this month
        (ascending). Those of all sponsors are gathered once per change of the SPV leases:
        the sponsors of a month ask before any of them renews or walks away."""

        def compute():
            ledger = self.ledger
            ids = ledger.active_ids(ContractKind.SPV_LEASE)
            ended = ids[ledger.column("maturity")[ids] <= self.tick]
            ended.flags.writeable = False
            return ended

        ended = self._cached_on_terms("spv_leases_ended", compute, _SPV_LEASES, (self.tick,))
        return ended[self.ledger.column("debtor")[ended] == sponsor] if ended.size else ended

    def _sponsored(self, by_owner: np.ndarray, account: int) -> float:
        """``by_owner`` (a quantity summed by owner) of ``account`` and of the SPVs whose
        data centers it leases now, added in that order."""
        total = by_owner[account]
        for spv in self._leased_spvs(account):
            total += by_owner[spv]
        return float(total)

    def earning_gw(self, account: int) -> float:
        """GW powered and within economic life, owned or leased from its SPVs."""
        by_owner = self._earning_by_owner()
        return self._sponsored(by_owner, account)

    def capacity_gw(self, account: int, at: int) -> float:
        """GW it will have within economic life in month ``at`` (incl. under construction)."""
        by_owner = self._earning_by_owner(at)
        return self._sponsored(by_owner, account)

    def _compute_contracts(self) -> ComputeContracts:
        """The active compute contracts' terms, gathered from the book once per change of
        its contracts and shared by the compute queries below."""

        def compute():
            ids = self.ledger.active_ids(ContractKind.COMPUTE)
            return ComputeContracts(*self._terms(ids, ComputeContracts._fields))

        return self._cached_on_terms("compute_contracts", compute, _COMPUTE)

    def rented_out_gw(self, account: int, at: int | None = None) -> float:
        """GW of compute it has contracted to labs, running in month ``at`` (default now)."""
        return self._rented_out(self.tick if at is None else at).get(account, 0.0)

    def _rented_out(self, at: int) -> dict[int, float]:
        """GW of compute each provider has contracted to labs, running in month ``at``
        (providers with none are left out): each provider's GW summed over its running
        contracts in the order they were signed. Kept until the compute contracts or the
        month change: the builders of a month ask for the same months (now, and when what
        they build now is finished) more than once each."""

        def compute():
            c = self._compute_contracts()
            live = (c.start <= at) & (c.maturity > at)
            creditor, gw = c.creditor[live], c.gw[live]
            return {p: float(gw[creditor == p].sum()) for p in set(creditor.tolist())}

        return self._cached_on_terms(f"rented_out:{at - self.tick}", compute, _COMPUTE, (at,))

    def contracted_gw(self, lab: int, at: int) -> float:
        """GW a lab has under contract in month ``at`` (from providers and GPU SPVs)."""
        c = self._compute_contracts()
        live = (c.debtor == lab) & (c.maturity > at)
        return float(c.gw[live].sum()) + float(self._gpu_spvs_gw(lab, at))

    def serving_gw(self, lab: int) -> float:
        """GW of compute a lab actually has this month: its started contracts, scaled by
        each provider's powered capacity, plus GPU SPVs it leases directly."""
        served = self._served_by_contracts().get(lab, 0.0)
        return served + self._gpu_spvs_gw(lab)

    def _gpu_spvs_gw(self, lab: int, at: int | None = None) -> float:
        """GW of the GPU SPVs ``lab`` leases directly, earning now (``at`` None) or within
        economic life in month ``at`` (``_earning_by_owner``), added in order of creation.
        Most labs lease none: the asset book is then not looked at."""
        spvs = self._leased_spvs(lab)
        if not spvs:
            return 0.0
        by_owner = self._earning_by_owner(at)
        return sum(by_owner[a] for a in spvs)

    def _served_by_contracts(self) -> dict[int, float]:
        """GW each lab is served this month under its started compute contracts (labs with
        none are left out): the GW of its contracts with each provider, in account order of
        the providers, times that provider's utilisation (the GW it earns over the GW it
        has started under contract, at most 1). Kept until the compute contracts, the SPV
        leases (a provider earns on its SPVs' data centers), the asset book, the number of
        accounts or the month change, so the labs of a month share one computation."""

        def compute():
            c = self._compute_contracts()
            started = c.start <= self.tick
            creditor, debtor, gw = c.creditor[started], c.debtor[started], c.gw[started]
            earning = self._earning_by_owner()
            served: dict[int, float] = {}
            for provider in sorted(set(creditor.tolist())):
                # the provider's contracts, in the order they were signed
                of_provider = creditor == provider
                labs, signed = debtor[of_provider], gw[of_provider]
                contracted = float(signed.sum())
                available = self._sponsored(earning, provider)  # its ``earning_gw``
                util = min(1.0, available / contracted) if contracted > 0 else 0.0
                for lab in sorted(set(labs.tolist())):
                    mine = float(signed[labs == lab].sum())
                    served[lab] = served.get(lab, 0.0) + util * mine
            return served

        inputs = (self.tick, self.assets.version, self.ledger.n_accounts)
        return self._cached_on_terms("served_by_contracts", compute, _LEASES, inputs=inputs)

    def compute_fees(self, lab: int, ahead: int = 0) -> float:
        """Compute fees a lab owes in month ``tick + ahead``, $B/month."""
        at = self.tick + ahead
        debtor, start, maturity, payment = self._lease_terms()
        live = (debtor == lab) & (start <= at) & (maturity > at)
        return float(payment[live].sum())

    def _lease_terms(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Debtor, first month, month it ends (exclusive) and monthly fee ($B) of the active
        compute contracts and SPV leases, in the order they were booked (read-only arrays),
        gathered once per change of those contracts for ``compute_fees``."""

        def compute():
            ids = np.sort(np.concatenate([self.ledger.active_ids(kind) for kind in _LEASES]))
            return self._terms(ids, ("debtor", "start", "maturity", "payment"))

        return self._cached_on_terms("lease_terms", compute, _LEASES)

    def _terms(self, ids: np.ndarray, names: tuple[str, ...]) -> tuple[np.ndarray, ...]:
        """Columns ``names`` of contracts ``ids``, gathered as read-only arrays (shared by
        the views that keep them)."""
        columns = tuple(self.ledger.column(name)[ids] for name in names)
        for column in columns:
            column.flags.writeable = False
        return columns

    def compute_income(self, account: int) -> float:
        """Compute rent it receives this month, $B/month: the fees of its compute
        contracts running this month (``start <= tick < maturity``, as the ledger's dues)."""

        def compute():
            c = self._compute_contracts()
            live = (c.start <= self.tick) & (c.maturity > self.tick)
            return np.bincount(c.creditor[live], weights=c.payment[live], minlength=n)

        n = self.ledger.n_accounts
        income = self._cached_on_terms("compute_income", compute, _COMPUTE, (self.tick, n))
        return float(income[account])

    def spv_debt_of(self, sponsor: int) -> float:
        """Debt of the live SPVs ``sponsor`` sponsors (off its balance sheet), $B."""

        def compute():
            debt = self.ledger.liabilities()
            defaulted = self.defaulted
            out: dict[int, float] = {}
            for s in self.spvs:
                if s.account not in defaulted:
                    out[s.sponsor.account] = out.get(s.sponsor.account, 0.0) + float(
                        debt[s.account]
                    )
            return out

        # SPVs are only ever added, and accounts only ever join the defaulted set: their
        # numbers say whether either changed
        inputs = (len(self.spvs), len(self.defaulted))
        by_sponsor = self._cached_on_contracts("spv_debt", compute, _DEBTS, inputs=inputs)
        return by_sponsor.get(sponsor, 0.0)

    def compute_fees_by_lab(self, provider: int) -> dict[int, float]:
        """This month's fees on the running compute contracts of ``provider``, by lab."""
        c = self._compute_contracts()
        live = (c.creditor == provider) & (c.start <= self.tick) & (c.maturity > self.tick)
        out: dict[int, float] = {}
        for lab, fee in zip(c.debtor[live], c.payment[live], strict=True):
            out[int(lab)] = out.get(int(lab), 0.0) + float(fee)
        return out

    def compute_providers(self) -> list[Hyperscaler]:
        return [h for h in self.hyperscalers if not self.is_defaulted(h) and h.lab_weight > 0]

    def vendor_stakes(self, lab: int) -> float:
        """Chip vendor's equity stakes in ``lab``, $B."""
        ledger = self.ledger
        ids = ledger.active_ids(ContractKind.EQUITY, debtor=lab, creditor=self.chip_vendor.account)
        return float(ledger.column("principal")[ids].sum())

    def spv_for(self, sponsor: Institution) -> SPV:
        """The SPV collecting this year's off-balance-sheet builds of ``sponsor``."""
        year = self.econ.start_year + (self.econ.start_month - 1 + self.tick) // 12
        key = (sponsor.account, year)
        if key not in self._spv_of:
            spv = SPV(self, sponsor, year)
            self.spvs.append(spv)
            self._spv_of[key] = spv
        return self._spv_of[key]

    def depreciation(self, account: int) -> float:
        """Reported depreciation of the data centers it owns this month, $B: their GPUs over
        their accounting life and their shells over ``SHELL_LIFE_MONTHS``, each until
        written off. Those of the SPVs it leases from are on the SPVs' books: it reports
        their lease fees instead."""

        def compute():
            a = self.assets
            life = 12 * self.params.gpu_accounting_life_years
            age = a.gpu_age(self.tick)
            standing = a["active"] & (a["completed"] <= self.tick)
            gpus = np.where(standing & (age < life), a["gpu_cost"] / life, 0.0)
            shell_life = SHELL_LIFE_MONTHS
            shells = np.where(standing & (age < shell_life), a["shell_cost"] / shell_life, 0.0)
            dep = gpus + shells
            return a.by_owner(dep, self.ledger.n_accounts)

        return float(self._cached_on_assets("depreciation", compute)[account])

    def interest_due(self, account: int) -> float:
        """Interest and lease fees it owes this month, $B/month."""
        ledger = self.ledger
        mine = ledger.active_ids(debtor=account)
        kind = ledger.column("kind")[mine]
        debt = mine[IS_INTEREST_BEARING[kind]]
        lease = mine[IS_SPV_LEASE[kind]]
        interest = ledger.column("principal")[debt] * ledger.column("rate")[debt] / 12
        return float(interest.sum() + ledger.column("payment")[lease].sum())

    def monthly_obligations(self, account: int) -> float:
        """Everything ``account`` owes this month under its contracts, $B."""

        by_account = self.ledger.obligations(self.tick)
        return float(by_account[account]) if account < by_account.size else 0.0

    def _spread_inputs(self) -> SpreadInputs:
        """What ``_spreads`` are computed from, now."""
        mk = self.market
        ratings = tuple([h.rating for h in self.hyperscalers])
        return SpreadInputs(
            mk.spread_ig, mk.spread_hy, self.ledger.n_accounts, len(self._by_account), ratings
        )

    def _spreads(self, inputs: SpreadInputs | None = None) -> np.ndarray:
        """Spread the market asks of each account's bonds: its rating's (an SPV's: its
        sponsor's, plus a premium), the high-yield spread without a rating; from
        ``inputs`` (default: now), reused until they change (the month does not enter)."""
        inputs = self._spread_inputs() if inputs is None else inputs
        spread_ig, spread_hy, ratings = inputs.spread_ig, inputs.spread_hy, inputs.ratings

        def compute():
            issuer, spv, fixed = self._bond_issuers()
            code = fixed.copy()
            code[[h.account for h in self.hyperscalers]] = [RATINGS.index(r) for r in ratings]
            code = code[issuer]
            code[spv & (code == UNRATED)] = RATINGS.index("B")  # an unrated sponsor's SPV
            by_code = [rating_spread(r, spread_ig, spread_hy) for r in RATINGS]
            spreads = np.array([*by_code, spread_hy])[code]
            return np.where(spv, spreads + self.econ.spv_premium, spreads)

        return self._kept("spreads", inputs, compute)

    def _bond_issuers(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """For each account: the account whose rating prices its bonds (an SPV's sponsor,
        else its own), whether it is an SPV (which pays a premium over that rating), and
        its own fixed rating as an index of ``RATINGS`` (``UNRATED`` without one, and for a
        hyperscaler, whose rating moves: ``_spreads`` puts in its current one). Accounts
        are only ever opened, each for one agent, and agents never leave, so they are kept
        until the number of accounts or of agents changes."""
        n = self.ledger.n_accounts

        def compute():
            issuer = np.arange(n)
            spv = np.zeros(n, dtype=bool)
            fixed = np.full(n, UNRATED)
            for account, agent in self._by_account.items():
                if isinstance(agent, SPV):
                    issuer[account] = agent.sponsor.account
                    spv[account] = True
                rating = None if isinstance(agent, Hyperscaler) else getattr(agent, "rating", None)
                if rating is not None:
                    fixed[account] = RATINGS.index(rating)
            return issuer, spv, fixed

        return self._kept("bond_issuers", (n, len(self._by_account)), compute)

    def bond_prices(self, ids: np.ndarray) -> np.ndarray:
        """Market price per unit of face of bonds ``ids``: ``1 - duration * Δspread``,
        at least ``BOND_PRICE_FLOOR``."""
        return self._prices(ids, self._spreads())

    def _prices(self, ids: np.ndarray, spreads: np.ndarray) -> np.ndarray:
        """``bond_prices`` of bonds ``ids`` at ``spreads`` (by account)."""
        ledger = self.ledger
        now = spreads[ledger.column("debtor")[ids]]
        issue = ledger.column("rate")[ids] - self.econ.risk_free
        return np.maximum(BOND_PRICE_FLOOR, 1.0 - BOND_DURATION * (now - issue))

    def bond_price(self, contract: int) -> float:
        """Market price per unit of face of one bond."""
        return float(self.bond_prices(np.array([contract]))[0])

    def bond_marks(self, account: int) -> float:
        """Mark-to-market gain (+) or loss (−) on the bonds it holds, $B."""
        return self.bond_marks_of((account,))[0]

    def bond_marks_of(self, accounts: Sequence[int]) -> list[float]:
        """``bond_marks`` of each of ``accounts``, the bonds marked once for all, $B."""
        marks = self._marks_by_holder()
        return [float(marks[a]) if a < marks.size else 0.0 for a in accounts]

    def bonds_held(self, account: int) -> float:
        """Face of the bonds ``account`` holds, $B."""

        def compute():
            ledger = self.ledger
            ids = ledger.active_ids(ContractKind.BOND)
            creditor, principal = ledger.column("creditor")[ids], ledger.column("principal")[ids]
            return np.bincount(creditor, weights=principal, minlength=ledger.n_accounts)

        n = self.ledger.n_accounts
        return float(self._cached_on_contracts("bonds_held", compute, _BONDS, inputs=(n,))[account])

    def _marks_by_holder(self) -> np.ndarray:
        """Mark-to-market gain or loss on the bonds each account holds, $B. The prices read
        the bonds (debtor, rate, face, holder, whether active) and the spreads alone, not
        the month: the marks are kept until a bond is booked or changed or the spreads'
        inputs change, so the bills, loans and stakes that leave the ratings as they were
        keep them."""
        inputs = self._spread_inputs()

        def compute():
            ledger = self.ledger
            ids = ledger.active_ids(ContractKind.BOND)
            ids = ids[ledger.column("debtor")[ids] != WORLD]
            prices = self._prices(ids, self._spreads(inputs))
            gain = (prices - 1.0) * ledger.column("principal")[ids]
            return np.bincount(
                ledger.column("creditor")[ids], weights=gain, minlength=ledger.n_accounts
            )

        # the accounts' number, which sizes the marks, is among the spreads' inputs
        stamp = (self.ledger.version_of(_BONDS), inputs)
        return self._kept("marks_by_holder", stamp, compute)

    def payable(self, debtor: int, creditor: int, amount: float) -> None:
        """Book a bill of ``amount`` due this month (cleared at settlement)."""
        if amount > 1e-12:
            self.ledger.add(
                creditor=creditor,
                debtor=debtor,
                kind=ContractKind.PAYABLE,
                principal=amount,
                start=self.tick,
                maturity=self.tick,
            )

    def pay_power(self, account: int) -> float:
        """Bill the power its data centers draw (owned or leased from its SPVs) at the
        grid's price: those powered with GPUs within their economic life, its earning GW
        (a data center whose GPUs are spent is switched off, ``Grid.connect``). The
        generators are the rest of the economy. The government pays the
        ``energy_subsidy`` share. Returns the part ``account`` owes, $B/month."""
        bill = monthly_bill(self.earning_gw(account), self.market.power_price)
        subsidy = bill * self.params.energy_subsidy
        self.government.pay(WORLD, subsidy, "energy_subsidy")
        self.payable(account, WORLD, bill - subsidy)
        return bill - subsidy

    def sell_data_centers(self, owner: int, ids: np.ndarray) -> float:
        """Sell data centers to the rest of the economy at market value (the gap below book
        value reaches the seller's claimants as lower recoveries). Returns the GW sold
        with GPUs within their economic life, those that move the used-GPU price (spent
        GPUs are worth nothing and add no supply)."""
        if ids.size == 0:
            return 0.0
        value = float(self.market_values()[ids].sum())
        life = 12 * self.params.gpu_economic_life_years
        alive = self.assets.gpus_alive(self.tick, life)[ids]
        gw = float(self.assets["gw"][ids][alive].sum())
        self.ledger.transfer(WORLD, owner, value)
        self.assets.set("active", ids, False)
        return gw

    def fire_sale(self, gw: float) -> None:
        """``gw`` of GPUs within their economic life sold at once lower the used-GPU
        price by one impact (``model.markets.gpu.fire_sale_impact``) and count in this
        month's fire sales."""
        if gw > 0:
            self.market.used_gpu_index *= fire_sale_impact(gw, self.econ.fire_sale_depth_gw)
            self.market.fire_sale_gw += gw

    # ---------------------------------------------------------------- output
    def check_invariants(self) -> None:
        """Raise ``model.ledger.InvariantError`` if an accounting identity fails."""
        self.ledger.check_invariants(self.money_supply)

    def calendar_month(self, tick: int) -> str:
        """'YYYY-MM' of month ``tick``."""
        months = self.econ.start_month - 1 + tick
        return f"{self.econ.start_year + months // 12:04d}-{months % 12 + 1:02d}"

    def record(self) -> RunRecord:
        """The run so far: crash record, per-month series and the loss trace."""
        return RunRecord(
            summary=self.crash.summary(),
            ticks=self.recorder.series(),
            losses=self.recorder.loss_table(),
        )
