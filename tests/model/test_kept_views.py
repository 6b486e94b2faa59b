"""The views of the contract book that are kept between changes (the ledger's dues and
obligations, active ids, carried amounts and balance sheets; the model's views of compute
contracts and SPV leases, cached on the version of their kinds) equal, bit for bit, a
fresh computation from the columns after every change of the book in random runs."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from model import HotPotatoModel
from model.agents import Fund
from model.ledger import IS_DEBT, ContractKind, Ledger, Sector

MUTATORS = (
    "add",
    "reduce",
    "increase",
    "reassign",
    "close",
    "set_terms",
    "set_collateral",
    "open_account",
)
"""The ledger's methods that change the book (cash transfers leave every view alone)."""

KNOB_SETS = (
    {},
    {"obs_share": 0.6, "lehman_month": 20},
    {"bailouts": True, "guarantees": True, "ai_payoff": 150},
    {"equity_financed": True, "vendor_financing": False},
    {"gpu_economic_life_years": 2.0, "grid_growth_gw_per_month": 0.05},
)


def same(kept: np.ndarray, fresh: np.ndarray) -> bool:
    """Whether two arrays hold the same values of the same type (exactly: no tolerance)."""
    return kept.dtype == fresh.dtype and np.array_equal(kept, fresh)


def fresh_active(ledger: Ledger, kind=None, debtor=None, creditor=None) -> np.ndarray:
    """Ids of the active contracts matching a query, from the columns."""
    keep = ledger.column("active").copy()
    if kind is not None:
        keep &= ledger.column("kind") == int(kind)
    if debtor is not None:
        keep &= ledger.column("debtor") == debtor
    if creditor is not None:
        keep &= ledger.column("creditor") == creditor
    return np.flatnonzero(keep)


def check_ledger(ledger: Ledger, tick: int) -> None:
    """Every kept view of the ledger equals its fresh computation, exactly (sums of money
    by account are floats, even over no contracts)."""
    kept = ledger.dues(tick)
    fresh = ledger._dues_of(fresh_active(ledger), tick)
    for name, value in vars(fresh).items():
        assert same(getattr(kept, name), value), f"dues.{name}"
    owed = np.bincount(fresh.debtor, weights=fresh.cash, minlength=ledger.n_accounts).astype(float)
    assert same(ledger.obligations(tick), owed), "obligations"
    for query in [*ledger._active, *((k, None, None) for k in ContractKind)]:
        kind, debtor, creditor = query
        kept = ledger.active_ids(kind, debtor=debtor, creditor=creditor)
        assert same(kept, fresh_active(ledger, kind, debtor, creditor)), f"active_ids{query}"
    kind = ledger.column("kind")
    principal = ledger.column("principal")
    carries = ledger.column("active") & (IS_DEBT[kind] | (kind == ContractKind.EQUITY))
    carried = np.where(carries, principal, 0.0)
    assert same(ledger.carried(), carried), "carried"
    n = ledger.n_accounts
    assets = np.bincount(ledger.column("creditor"), weights=carried, minlength=n).astype(float)
    debt = np.where(IS_DEBT[kind], carried, 0.0)
    liabilities = np.bincount(ledger.column("debtor"), weights=debt, minlength=n).astype(float)
    assert same(ledger.financial_assets(), assets), "financial assets"
    assert same(ledger.liabilities(), liabilities), "liabilities"


class KindVersions:
    """Checks that the version of a kind changes whenever a contract of that kind does, and
    its terms version whenever one changes in more than its principal."""

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger
        self.seen: dict[tuple[int, bool], tuple[int, bytes]] = {}

    def snapshot(self, kind: ContractKind, principal: bool) -> bytes:
        """Every column of the contracts of ``kind`` (the principal too if ``principal``),
        as bytes."""
        rows = np.flatnonzero(self.ledger.column("kind") == kind)
        names = sorted(n for n in self.ledger._cols if principal or n != "principal")
        return b"".join(self.ledger.column(name)[rows].tobytes() for name in names)

    def check(self) -> None:
        ledger = self.ledger
        for kind in ContractKind:
            for principal, version_of in (
                (True, ledger.version_of),
                (False, ledger.terms_version_of),
            ):
                version, contracts = version_of((kind,)), self.snapshot(kind, principal)
                before = self.seen.get((kind, principal))
                if before is not None and before[1] != contracts:
                    assert before[0] != version, (
                        f"{kind.name} changed, {version_of.__name__} did not"
                    )
                self.seen[kind, principal] = (version, contracts)


def model_views(m: HotPotatoModel) -> list:
    """The model's cached views (of contracts of some kinds, of the asset book, ratings,
    spreads, bond prices, marks and face held, AI debt, the SPVs' stakes by owner), for
    every account, and the funds' claims split into liquid securities and AI assets."""
    secured = m._secured_loans()
    bonds = m.ledger.active_ids(ContractKind.BOND)
    out = [
        *m._compute_contracts(),
        m._spreads(),
        m.bond_prices(bonds),
        m.crash.ai_debt(),
        *(h.rating for h in m.hyperscalers),
        np.array(sorted(secured)),
        *(secured[d] for d in sorted(secured)),
        *(spv._stakes_by_owner() for spv in m.spvs),
    ]
    for account in range(m.ledger.n_accounts):
        out += [
            m._leased_spvs(account),
            m.spv_leases_ended(account),
            m.compute_income(account),
            m.rented_out_gw(account),
            m.rented_out_gw(account, m.tick + 6),
            m.monthly_obligations(account),
            m.spv_debt_of(account),
            m.earning_gw(account),
            m.capacity_gw(account, m.tick + 6),
            m.depreciation(account),
            m.bond_marks(account),
            m.bonds_held(account),
        ]
    for lab in m.labs:
        out += [
            m.compute_fees(lab.account),
            m.compute_fees(lab.account, 1),
            m.serving_gw(lab.account),
        ]
    for fund in m.funds:
        out += [*fund._holdings(), fund.capacity_for_ai()]
    out += Fund.capacities_for_ai(m.funds)  # with their bonds marked once for all
    return out


def check_model(m: HotPotatoModel) -> None:
    """The model's cached views equal those computed with none of its caches."""
    kept = model_views(m)
    crash = m.crash
    saved = (m._cache, crash._ai_debt, crash._ai_debtors, crash._ai_contracts)
    ratings = [h._rating for h in m.hyperscalers]
    claims = [f._claims for f in m.funds]
    owners = [spv._owners for spv in m.spvs]
    m._cache, crash._ai_debt = {}, None
    crash._ai_debtors, crash._ai_contracts = np.zeros(0, np.intp), np.zeros(0, bool)
    for h in m.hyperscalers:
        h._rating = None
    for f in m.funds:
        f._claims = None
    for spv in m.spvs:
        spv._owners = None
    try:
        new = model_views(m)
    finally:
        m._cache, crash._ai_debt, crash._ai_debtors, crash._ai_contracts = saved
        for h, rating in zip(m.hyperscalers, ratings, strict=True):
            h._rating = rating
        for f, split in zip(m.funds, claims, strict=True):
            f._claims = split
        for spv, stakes in zip(m.spvs, owners, strict=True):
            spv._owners = stakes
    for k, (a, b) in enumerate(zip(kept, new, strict=True)):
        assert same(a, b) if isinstance(a, np.ndarray) else a == b, f"model view {k}"


def watch(m: HotPotatoModel, monkeypatch, every: int) -> None:
    """Check the kept views after every ``every``-th change of ``m``'s book (changes
    between checks build up in the kept views)."""
    ledger = m.ledger
    versions = KindVersions(ledger)
    changes = iter(range(1, 10**9))

    def checked(method):
        def run(*args, **kwargs):
            out = method(*args, **kwargs)
            if next(changes) % every == 0:
                check_ledger(ledger, m.tick)
                versions.check()
                check_model(m)
            return out

        return run

    for name in MUTATORS:
        monkeypatch.setattr(ledger, name, checked(getattr(ledger, name)))


@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 2**31 - 1),
    knobs=st.sampled_from(KNOB_SETS),
    every=st.sampled_from([1, 3, 7]),
)
def test_kept_views_equal_a_fresh_computation_after_changes(seed, knobs, every):
    with pytest.MonkeyPatch.context() as monkeypatch:
        m = HotPotatoModel(seed=seed, horizon_months=40, **knobs)
        watch(m, monkeypatch, every)
        while m.running:
            m.step()
            check_model(m)


@pytest.mark.parametrize("loans", [1, 9])  # one by one, and more rows than that path takes
def test_views_kept_from_an_empty_book_keep_the_cents(loans):
    ledger = Ledger()
    a, b = (ledger.open_account(name, Sector.BANK) for name in ("a", "b"))
    check_ledger(ledger, 0)  # the views are kept over an empty book first
    ledger.add(creditor=a, debtor=b, kind=ContractKind.PAYABLE, principal=1.75, maturity=0)
    for _ in range(loans):
        ledger.add(creditor=a, debtor=b, kind=ContractKind.LOAN, principal=2.5, maturity=12)
    check_ledger(ledger, 0)
    assert ledger.liabilities()[b] == 1.75 + 2.5 * loans
    assert ledger.obligations(0)[b] == 1.75


@settings(max_examples=50, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), batch=st.integers(9, 40))
def test_many_contracts_booked_between_reads_add_up_as_a_fresh_sum(seed, batch):
    """More contracts than are added to the balance sheets one by one, of any kinds,
    between any accounts, booked between two reads: the kept sums equal those over the
    whole book to the bit."""
    rng = np.random.default_rng(seed)
    ledger = Ledger()
    for k in range(4):
        ledger.open_account(f"a{k}", Sector.BANK)
    for _ in range(3):
        for _ in range(batch):
            creditor, debtor = rng.choice(ledger.n_accounts, 2, replace=False).tolist()
            kind = ContractKind(int(rng.integers(len(ContractKind))))
            principal = float(rng.uniform(0, 10))
            ledger.add(creditor=creditor, debtor=debtor, kind=kind, principal=principal)
        check_ledger(ledger, 0)


@pytest.mark.parametrize(("economy", "kind"), [({}, "skipped"), ({"nav_loan_ltv": 0.06}, "due")])
def test_a_margin_call_is_skipped_only_when_none_is_due(economy, kind):
    """A fund skips marking its bonds for a margin call when its NAV loans are within
    their limit at the lowest marks (``Fund._within_limit_at_any_marks``): the call the
    marks would give is then nothing. In the baseline every month's check is skipped; with
    a tight limit calls fall due."""
    m = HotPotatoModel(seed=2, horizon_months=60, economy=economy)
    seen = {"skipped": 0, "due": 0}
    while m.running:
        m.step()
        for fund in m.funds:
            ids = m.ledger.active_ids(ContractKind.NAV_LOAN, debtor=fund.account)
            if m.is_defaulted(fund) or ids.size == 0:
                continue
            loan = float(m.ledger.column("principal")[ids].sum())
            ltv = m.econ.nav_loan_ltv
            call = fund.margin_call(loan, ltv)
            if fund._within_limit_at_any_marks(loan, ltv):
                seen["skipped"] += 1
                assert call <= 0.0
            elif call > 1e-9:
                seen["due"] += 1
    assert seen[kind] > 0
