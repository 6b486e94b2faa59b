"""The Mesa model: construction, invariants every tick, determinism, the contract with
``mesa.batch_run``, the crash record and the loss trace."""

from __future__ import annotations

import gc
import inspect
import math

import hypothesis
import mesa
import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from model import HotPotatoModel, financing
from model.agents import Fund
from model.calibration import Economy
from model.ledger import WORLD, Amortisation, ContractKind
from model.losses import HOLDERS
from model.markets.credit import RATINGS
from model.markets.power import monthly_bill
from model.run import LOSS_COLUMNS, SUMMARY_COLUMNS, simulate
from model.scenario import ScenarioError


def run(months: int = 36, **knobs) -> HotPotatoModel:
    m = HotPotatoModel(horizon_months=months, **knobs)
    while m.running:
        m.step()
    return m


SEED = 20250117
"""Hypothesis seed of the property test: the same scenarios on every run."""


@hypothesis.seed(SEED)
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 2**31 - 1),
    horizon=st.integers(36, 120),
    lehman=st.none() | st.integers(0, 119),
    ai_payoff=st.floats(20, 200) | st.floats(200, 5000),
    obs_share=st.floats(0, 1),
    vendor_financing=st.booleans(),
    guarantees=st.booleans(),
    bailouts=st.booleans(),
    energy_subsidy=st.floats(0, 1),
    grid=st.floats(0, 3),
    econ_life=st.floats(1.5, 6),
)
# a neocloud defaults in month 49 and the lab that held a claim on it in month 80: the
# lab passes its loss on to its own holders
@example(
    seed=1311202427,
    horizon=81,
    lehman=41,
    ai_payoff=3443.833282202098,
    obs_share=0.6220759289904583,
    vendor_financing=False,
    guarantees=True,
    bailouts=False,
    energy_subsidy=0.4748940112202503,
    grid=1.7139330165672353,
    econ_life=1.5266363385264472,
)
def test_invariants_hold_every_tick_on_random_scenarios(
    seed,
    horizon,
    lehman,
    ai_payoff,
    obs_share,
    vendor_financing,
    guarantees,
    bailouts,
    energy_subsidy,
    grid,
    econ_life,
):
    """Boom and bust over 3 to 10 years ($B, months), many with defaults: the largest lab
    may be cut off from funding (``lehman_month``) and the AI payoff may be small. The
    accounting identities are checked after every month (``check_invariants``); the loss
    trace and the summary agree at the end."""
    m = run(
        horizon,
        seed=seed,
        check_invariants=True,
        lehman_month=None if lehman is None else min(lehman, horizon - 1),
        ai_payoff=ai_payoff,
        obs_share=obs_share,
        vendor_financing=vendor_financing,
        guarantees=guarantees,
        bailouts=bailouts,
        energy_subsidy=energy_subsidy,
        grid_growth_gw_per_month=grid,
        gpu_economic_life_years=econ_life,
    )
    record = m.record()
    losses = record.losses
    # each holder ends with what it booked less what it passed on to its own holders
    final = losses["amount"] - losses["passed_on"]
    assert np.all(final >= -1e-12) and np.all(losses["passed_on"] >= 0)
    by_holder = {h: float(final[losses["holder"] == h].sum()) for h in HOLDERS}
    for h in HOLDERS:
        assert math.isclose(record.summary[f"loss_{h}"], by_holder[h], abs_tol=1e-9)
    assert math.isclose(
        record.summary["loss_total"], float(final.sum()), rel_tol=1e-12, abs_tol=1e-9
    )
    for k, v in record.ticks.items():
        if v.dtype.kind == "f":
            assert np.all(np.isfinite(v[~np.isnan(v)])), k


@pytest.mark.parametrize("knobs", [{}, {"obs_share": 0.8, "lehman_month": 20, "bailouts": True}])
def test_only_hyperscalers_and_their_spvs_own_data_centers(knobs):
    # so a fund's and a bank's equity is read from the ledger alone (Fund.equity, Bank.equity)
    m = run(36, seed=1, **knobs)
    builders = {a.account for a in (*m.hyperscalers, *m.spvs)}
    assert set(m.assets["owner"].tolist()) <= builders
    for agent in (*m.funds, *m.banks):
        assert agent.equity == m.equity_of(agent.account), agent.name


def test_same_seed_same_numbers_and_different_seed_different_numbers():
    a, b = simulate({"horizon_months": 36}, 7), simulate({"horizon_months": 36}, 7)
    assert a.summary == b.summary
    for k in a.ticks:
        np.testing.assert_array_equal(a.ticks[k], b.ticks[k])
    for k in a.losses:
        np.testing.assert_array_equal(a.losses[k], b.losses[k])
    c = simulate({"horizon_months": 36}, 8)
    assert not np.array_equal(a.ticks["sentiment"], c.ticks["sentiment"])


def _models_alive() -> int:
    gc.collect()
    return sum(isinstance(o, HotPotatoModel) for o in gc.get_objects())


def test_finished_runs_are_freed():
    # a worker runs simulations back to back: none may keep an earlier model alive
    before = _models_alive()
    for seed in range(3):
        simulate({"horizon_months": 2}, seed)
    assert _models_alive() == before


def test_record_has_the_contract_columns():
    r = simulate({"horizon_months": 12}, 1)
    assert list(r.summary) == SUMMARY_COLUMNS
    assert list(r.losses) == LOSS_COLUMNS
    assert list(r.ticks)[:2] == ["tick", "month"]
    assert r.ticks["month"][0] == "2025-01" and r.ticks["month"][11] == "2025-12"
    assert len(r.ticks["tick"]) == 12


def test_batch_run_works_as_is():
    # Mesa 3.3 takes seeds as a parameter; Mesa 3.5 passes its own ``rng`` values to the
    # model's ``seed`` keyword (and overrides a ``seed`` parameter with them)
    seeds = {"rng": [1, 2]} if "rng" in inspect.signature(mesa.batch_run).parameters else {}
    parameters = {"horizon_months": 6, "ai_payoff": [300.0]}
    if not seeds:
        parameters["seed"] = [1, 2]
    results = mesa.batch_run(
        HotPotatoModel,
        parameters=parameters,
        max_steps=120,
        number_processes=1,
        display_progress=False,
        **seeds,
    )
    assert len(results) >= 2
    assert {r["seed"] for r in results} == {1, 2}
    assert all(r["Step"] >= 5 for r in results)


@pytest.mark.parametrize(
    ("knobs", "field"),
    [
        ({"ai_payoff": -1}, "ai_payoff"),
        ({"obs_share": 1.5}, "obs_share"),
        ({"grid_growth_gw_per_month": "lots"}, "grid_growth_gw_per_month"),
        ({"n_banks": 0}, "n_banks"),
        ({"no_such_knob": 1}, "no_such_knob"),
    ],
)
def test_bad_parameters_name_the_field(knobs, field):
    with pytest.raises(ScenarioError, match=field):
        HotPotatoModel(seed=1, **knobs)


@pytest.mark.parametrize(
    "knobs, message",
    [
        ({"obs_share": 2.0}, r"allowed range \[0\.0, 1\.0\]"),
        # a bound the knob may not take itself is shown open
        ({"crash_drawdown": 0.0}, r"greater than 0\); allowed range \(0\.0, 1\.0\]"),
        ({"ai_payoff": float("nan")}, r"ai_payoff: nan is invalid \(Input should be a finite"),
        ({"grid_growth_gw_per_month": float("inf")}, r"should be a finite number"),
        # an unknown key lists the keys of its own table
        ({"no_such_knob": 1}, r"no_such_knob: unknown key \(known: ai_payoff, "),
        (
            {"economy": {"nosuch": 5}},
            r"economy\.nosuch: unknown key \(known: start_year, start_month, ",
        ),
        (
            {"economy": {"funds": [{**Economy().funds[0].model_dump(), "navv_loan": 60.0}]}},
            r"economy\.funds\.0\.navv_loan: unknown key \(known: name, mandate, nav, nav_loan\)$",
        ),
        (
            {"economy": {"labs": [Economy().labs[0].model_dump()] * 2}},
            r"^economy: profile names must differ; given more than once: \['OpenAI-like'\]$",
        ),
    ],
)
def test_out_of_range_message_gives_the_allowed_range(knobs, message):
    with pytest.raises(ScenarioError, match=message):
        HotPotatoModel(seed=1, **knobs)


def test_a_copy_takes_the_next_name_no_profile_has():
    first = Economy().hyperscalers[0].model_dump()
    named_2 = {**first, "name": "Microsoft-like 2"}
    m = HotPotatoModel(seed=1, n_hyperscalers=3, economy={"hyperscalers": [first, named_2]})
    assert [h.name for h in m.hyperscalers] == [
        "Microsoft-like",
        "Microsoft-like 2",
        "Microsoft-like 3",
    ]


@pytest.mark.parametrize("n", [8, 20])
def test_more_firms_than_profiles_are_named_apart_and_start_the_index_near_one(n):
    # a profile repeated splits its calibrated firm: the caps add up to the same index base
    m = HotPotatoModel(seed=2, n_hyperscalers=n, n_labs=n, n_funds=n)
    m.step()
    names = [a.name for a in [*m.hyperscalers, *m.labs, *m.funds]]
    assert len(set(names)) == 3 * n and "Meta-like 2" in names
    assert 0.8 < m.market.ai_index < 1.2
    columns = m.recorder.series()
    assert sum(key.startswith("leverage_true:") for key in columns) == n


def test_off_balance_sheet_debt_separates_true_from_reported_leverage():
    m = run(24, seed=3, obs_share=0.8, ai_payoff=3000)
    reported, true = m.hyperscalers[0].reported_and_true_debt()
    assert true > reported
    m0 = run(24, seed=3, obs_share=0.0, ai_payoff=3000)
    spv_debt = sum(s.debt() for s in m0.spvs if s.sponsor in m0.hyperscalers)
    assert spv_debt == 0.0


def test_a_sponsor_reports_its_spvs_lease_fees_not_their_depreciation():
    m = run(24, seed=3, obs_share=0.8, ai_payoff=3000)
    sponsor = m.hyperscalers[0]
    spv = next(s for s in m.spvs if s.sponsor is sponsor and s.lease_active())
    before = m.depreciation(sponsor.account), m.depreciation(spv.account)
    m.assets.add(
        owner=spv.account,
        gw=1.0,
        gpu_cost=35.0,
        shell_cost=15.0,
        ordered=m.tick - 12,
        completed=m.tick,
    )
    # the new data center depreciates on the SPV's books; its sponsor pays the lease fees
    assert m.depreciation(spv.account) > before[1]
    assert m.depreciation(sponsor.account) == before[0]


def economy_of_every_rating() -> Economy:
    """The first calibrated hyperscaler once with each rating, and once with more bonds
    than its calibrated rating allows (so rated lower on its leverage)."""
    first = Economy().hyperscalers[0]
    rated = [
        first.model_copy(update={"name": rating, "rating": rating, "bank_loans": 5.0})
        for rating in RATINGS
    ]
    levered = first.model_copy(update={"name": "levered", "bonds": 4 * first.core_cash_flow})
    return Economy(hyperscalers=(*rated, levered))


@pytest.mark.parametrize(
    "knobs",
    [{}, {"economy": economy_of_every_rating(), "n_hyperscalers": len(RATINGS) + 1}],
    ids=["calibrated", "every rating"],
)
def test_every_bond_of_the_initial_book_is_marked_at_par(knobs):
    # each was issued at the spread the market asks of its issuer's rating at 2025-01 (an
    # SPV's: its sponsor's plus the SPV premium), so no fund starts with a mark-to-market
    # loss, whatever the ratings
    m = HotPotatoModel(seed=0, **knobs)
    if knobs:
        ratings = [h.rating for h in m.hyperscalers]
        assert ratings == [*RATINGS, "BBB"]  # the levered one is rated on its leverage
    bonds = m.ledger.active_ids(ContractKind.BOND)
    assert bonds.size > 0
    np.testing.assert_allclose(m.bond_prices(bonds), 1.0, rtol=1e-12)


def test_a_sub_investment_grade_firms_initial_bank_loans_are_secured_on_its_data_centers():
    """The neocloud's loans (as CoreWeave's GPU-backed term loans) are secured on the data
    centers it has at 2025-01, each securing a share in proportion to its market value, so
    all its facilities start at one loan-to-value; the investment-grade levered builder's
    are unsecured."""
    m = HotPotatoModel(seed=0)
    ledger = m.ledger
    builder, neocloud = m.hyperscalers[3:5]
    assert (builder.rating, neocloud.rating) == ("BBB", "B")
    loans = ledger.active_ids(ContractKind.LOAN, debtor=neocloud.account)
    collateral = ledger.column("collateral")[loans]
    principal = ledger.column("principal")[loans]
    owned = np.flatnonzero(m.assets["owner"] == neocloud.account)
    assert owned.size == 2 and set(collateral.tolist()) == set(owned.tolist())
    assert principal.sum() == pytest.approx(neocloud.profile.bank_loans, rel=1e-12)
    value = m.market_values()[owned]
    facility = np.bincount(collateral, weights=principal, minlength=len(m.assets))[owned]
    np.testing.assert_allclose(facility / value, principal.sum() / value.sum(), rtol=1e-12)
    assert principal.sum() <= m.econ.loan_to_value * value.sum()  # within the covenant
    unsecured = ledger.active_ids(ContractKind.LOAN, debtor=builder.account)
    assert unsecured.size > 0 and (ledger.column("collateral")[unsecured] == -1).all()


@pytest.mark.parametrize("why", ["vendor in default", "supply rationed to nothing"])
def test_the_loans_raised_for_an_order_that_brings_no_gpus_are_repaid(why):
    """No data center comes to secure them: the buyer repays them from the money they lent
    (as a delayed-draw loan not drawn), instead of owing them unsecured."""
    m = HotPotatoModel(seed=0, check_invariants=True)
    ledger, vendor = m.ledger, m.chip_vendor
    neocloud = m.hyperscalers[4]
    cost = vendor.price_per_gw + m.econ.shell_cost_per_gw
    funded, loans = financing.alone(m, neocloud.finance(10.0))
    assert loans and funded > 0
    lent = {b.account: 0.0 for b in m.banks}
    for i in loans:
        lent[int(ledger.column("creditor")[i])] += float(ledger.column("principal")[i])
    bank_cash = {b.account: b.cash for b in m.banks}
    data_centers = len(m.assets)
    if why == "vendor in default":
        m.defaulted.add(vendor.account)
    else:  # an order so large that the neocloud's share of the supply rounds to nothing
        vendor.order(m.hyperscalers[0].account, 1e6)
    vendor.order(neocloud.account, funded / cost, secured_loans=loans)
    vendor.fill_orders()
    assert not (m.assets["owner"][data_centers:] == neocloud.account).any()
    assert not ledger.column("active")[loans].any()
    assert (ledger.column("principal")[loans] == 0).all()
    for b in m.banks:
        assert b.cash == pytest.approx(bank_cash[b.account] + lent[b.account], rel=1e-12)
    m.check_invariants()


def facilities_within_covenant(m: HotPotatoModel, owner: int) -> np.ndarray:
    """For each data center ``owner`` has: what the covenant still lets it secure, $B
    (``loan_to_value`` × market value less the loans secured on it; below 0: breached)."""
    ledger = m.ledger
    loans = ledger.active_ids(ContractKind.LOAN, debtor=owner)
    collateral = ledger.column("collateral")[loans]
    secured = collateral >= 0
    facility = np.bincount(
        collateral[secured],
        weights=ledger.column("principal")[loans][secured],
        minlength=len(m.assets),
    )
    owned = np.flatnonzero(m.assets["active"] & (m.assets["owner"] == owner))
    return m.econ.loan_to_value * m.market_values()[owned] - facility[owned]


def test_a_sub_investment_grade_firm_borrows_for_its_dues_against_its_data_centers():
    m = HotPotatoModel(seed=0, check_invariants=True)
    ledger = m.ledger
    neocloud = m.hyperscalers[4]
    m.tick = 1  # its first dues fall due
    ledger.transfer(neocloud.account, WORLD, neocloud.cash)  # nothing to pay them with
    dues = m.monthly_obligations(neocloud.account)
    before = ledger.active_ids(ContractKind.LOAN, debtor=neocloud.account).copy()
    financing.alone(m, neocloud.meet_obligations())
    new = np.setdiff1d(ledger.active_ids(ContractKind.LOAN, debtor=neocloud.account), before)
    assert new.size > 0
    assert neocloud.cash == pytest.approx(dues, rel=1e-12)
    owned = np.flatnonzero(m.assets["active"] & (m.assets["owner"] == neocloud.account))
    assert np.isin(ledger.column("collateral")[new], owned).all()
    assert (facilities_within_covenant(m, neocloud.account) >= -1e-9).all()
    m.check_invariants()


def test_banks_lend_a_sub_investment_grade_firm_for_its_dues_no_more_than_its_data_centers_secure():
    """The levered builder, with a loan on each of its data centers up to the covenant's
    limit (and so below investment grade), gets nothing from its banks for its dues: it
    sells high-yield bonds instead."""
    m = HotPotatoModel(seed=0, check_invariants=True, n_banks=1)
    ledger = m.ledger
    builder, bank = m.hyperscalers[3], m.banks[0]
    m.tick = 1
    ledger.transfer(builder.account, WORLD, builder.cash)
    owned = np.flatnonzero(m.assets["active"] & (m.assets["owner"] == builder.account))
    for dc, room in zip(owned, facilities_within_covenant(m, builder.account), strict=True):
        ledger.add(
            creditor=bank.account,
            debtor=builder.account,
            kind=ContractKind.LOAN,
            principal=float(room),
            collateral=int(dc),
            maturity=60,
        )
    assert builder.rating == "BB" and builder.debt_capacity() > 0
    loans = ledger.active_ids(ContractKind.LOAN, debtor=builder.account).copy()
    bonds = ledger.active_ids(ContractKind.BOND, debtor=builder.account).copy()
    financing.alone(m, builder.meet_obligations())
    np.testing.assert_array_equal(
        ledger.active_ids(ContractKind.LOAN, debtor=builder.account), loans
    )
    assert ledger.active_ids(ContractKind.BOND, debtor=builder.account).size > bonds.size
    assert builder.cash == pytest.approx(m.monthly_obligations(builder.account), rel=1e-12)
    m.check_invariants()


def test_a_hyperscalers_power_bill_and_compute_credits_lower_its_earnings_and_cash_flow():
    m = HotPotatoModel(seed=0, energy_subsidy=0.25)
    m.step()
    firm = m.hyperscalers[0]
    powered = m.assets["active"] & m.assets["powered"]
    leased = [firm.account, *(s.account for s in m.spvs if s.sponsor is firm)]
    gw = float(m.assets["gw"][powered & np.isin(m.assets["owner"], leased)].sum())
    assert firm.power_cost > 0
    assert math.isclose(firm.power_cost, 0.75 * monthly_bill(gw, m.market.power_price))
    earnings, cash_flow = firm.annual_earnings(), firm.annual_cash_flow()
    firm.power_cost += 1.0
    firm.compute_credits += 0.5
    assert math.isclose(firm.annual_earnings(), earnings - 18.0, rel_tol=1e-12)
    assert math.isclose(firm.annual_cash_flow(), cash_flow - 18.0, rel_tol=1e-12)


def test_compute_income_is_what_the_ledger_says_labs_pay_this_month():
    m = HotPotatoModel(seed=0)
    lab, provider = m.labs[0], m.hyperscalers[0]
    for start, maturity in ((-12, 0), (-12, 1)):  # one in its last month, one ending now
        m.ledger.add(
            creditor=provider.account,
            debtor=lab.account,
            kind=ContractKind.COMPUTE,
            principal=12.0,
            gw=0.1,
            payment=1.0,
            start=start,
            maturity=maturity,
            amortisation=Amortisation.LEVEL,
        )
    for month in range(3):
        dues = m.ledger.dues(m.tick)
        compute = m.ledger.column("kind")[dues.ids] == ContractKind.COMPUTE
        for firm in m.hyperscalers:
            paid = dues.cash[compute & (dues.creditor == firm.account)].sum()
            assert math.isclose(m.compute_income(firm.account), paid, rel_tol=1e-12), month
        m.step()


def test_each_fund_starts_at_its_calibrated_net_asset_value():
    # a NAV loan's proceeds are invested in the fund's book once: they add as much to its
    # assets as the loan adds to its debts
    m = HotPotatoModel(seed=0)
    for fund in m.funds:
        assert fund.nav() == pytest.approx(fund.size, rel=1e-12), fund.name
    assert any(fund.loan_size > 0 for fund in m.funds)


@pytest.mark.parametrize("age", [10, 71, 72, 100, 239])
def test_reported_depreciation_is_the_months_fall_in_book_value(age):
    # a shell is written down over 20 years whether or not its GPUs have been written off
    m = HotPotatoModel(seed=0)
    owner = m.hyperscalers[0].account
    before = m.depreciation(owner)
    row = len(m.assets)
    m.assets.add(
        owner=owner,
        gw=1.0,
        gpu_cost=35.0,
        shell_cost=15.0,
        ordered=m.tick - age - 12,
        completed=m.tick - age,
    )
    life = 12 * m.params.gpu_accounting_life_years
    fall = m.assets.book_value(m.tick, life)[row] - m.assets.book_value(m.tick + 1, life)[row]
    assert m.depreciation(owner) - before == pytest.approx(fall, rel=1e-9)


def test_a_data_center_with_spent_gpus_draws_no_power_and_its_connection_goes_to_the_queue():
    m = HotPotatoModel(seed=0, check_invariants=True, grid_growth_gw_per_month=0.0)
    firm, a = m.hyperscalers[0], m.assets
    a.set("active", np.arange(len(a)), False)  # an empty asset book
    capacity = m.grid.capacity_gw()
    life = 12 * m.params.gpu_economic_life_years
    econ = m.econ

    def data_center(gw: float, completed: int) -> int:
        return a.add(
            owner=firm.account,
            gw=gw,
            gpu_cost=gw * econ.gpu_cost_per_gw,
            shell_cost=gw * econ.shell_cost_per_gw,
            ordered=completed - 12,
            completed=completed,
        )

    spent = data_center(0.75 * capacity, completed=m.tick - life)  # its GPUs' last month ended
    a.set("powered", [spent], True)
    live = data_center(0.25 * capacity, completed=m.tick - 1)
    a.set("powered", [live], True)
    new = data_center(0.5 * capacity, completed=m.tick)  # fits only in the spent one's place
    price = m.market.power_price
    # power is billed on the live GPUs alone
    assert math.isclose(m.pay_power(firm.account), monthly_bill(0.25 * capacity, price))
    m.grid.connect()
    assert not a["powered"][spent] and not a["queued"][spent]
    assert a["powered"][live] and a["powered"][new] and m.grid.stranded_gw() == 0.0
    assert math.isclose(m.pay_power(firm.account), monthly_bill(0.75 * capacity, price))


def test_a_secured_build_loan_is_no_more_than_loan_to_value_of_what_it_buys(monkeypatch):
    """With no spare cash and no high-yield buyer, a firm below investment grade has none
    of the rest of the price: it orders only what the loan's share of the price covers."""
    m = HotPotatoModel(seed=0, check_invariants=True)
    neocloud = m.hyperscalers[4]
    m.ledger.transfer(neocloud.account, WORLD, neocloud.spare_cash())
    no_capacity = staticmethod(lambda funds: [0.0] * len(funds))
    monkeypatch.setattr(Fund, "capacities_for_ai", no_capacity)  # no fund buys its bonds
    funded, loans = financing.alone(m, neocloud.finance(10.0))
    lent = float(m.ledger.column("principal")[loans].sum())
    assert lent <= m.econ.loan_to_value * funded * (1 + 1e-12)


def test_under_rationing_the_loans_of_an_order_are_drawn_only_on_the_gw_filled():
    """The part of an order the vendor cannot fill brings no collateral: the loans raised
    for it are repaid at once, so what is filled stays within the covenant and nothing is
    left for a covenant cure to repay."""
    m = HotPotatoModel(seed=0, check_invariants=True)
    vendor = m.chip_vendor
    neocloud = m.hyperscalers[4]
    cost = vendor.price_per_gw + m.econ.shell_cost_per_gw
    funded, loans = financing.alone(m, neocloud.finance(10.0))
    lent = float(m.ledger.column("principal")[loans].sum())
    assert lent > 0
    ordered = funded / cost
    vendor.order(m.hyperscalers[0].account, 2 * vendor.capacity_gw - ordered)  # fills half
    vendor.order(neocloud.account, ordered, secured_loans=loans)
    vendor.fill_orders()
    owed = float(m.ledger.column("principal")[loans].sum())
    assert owed == pytest.approx(lent / 2, rel=1e-9)
    assert (facilities_within_covenant(m, neocloud.account) >= -1e-9).all()
    m.check_invariants()


def test_a_repeated_hyperscaler_profile_splits_its_cash_flow_weight_and_value():
    """Ten hyperscalers repeat each of the five calibrated profiles twice: each copy is
    half the firm, so the economy's totals are those of the five."""
    five, ten = HotPotatoModel(seed=0), HotPotatoModel(seed=0, n_hyperscalers=10)
    for name in {h.name for h in five.hyperscalers}:
        one = [h for h in five.hyperscalers if h.name == name]
        two = [h for h in ten.hyperscalers if h.name in (name, f"{name} 2")]
        assert len(one) == 1 and len(two) == 2
        for what in ("core_cash_flow", "lab_weight", "share"):
            total = sum(getattr(h, what) for h in two)
            assert total == pytest.approx(getattr(one[0], what), rel=1e-12), (name, what)
    assert ten.recorder.index_base == pytest.approx(five.recorder.index_base, rel=1e-12)


def test_a_repeated_lab_profile_splits_its_share_and_fixed_costs():
    three, six = HotPotatoModel(seed=0), HotPotatoModel(seed=0, n_labs=6)
    for name in {lab.name for lab in three.labs}:
        one = [lab for lab in three.labs if lab.name == name]
        two = [lab for lab in six.labs if lab.name in (name, f"{name} 2")]
        assert len(one) == 1 and len(two) == 2
        for what in ("share", "fixed_costs"):
            value = [getattr(lab, what) for lab in (*one, *two)]
            value = [v() if callable(v) else v for v in value]
            assert value[1] + value[2] == pytest.approx(value[0], rel=1e-12), (name, what)


def test_an_spv_failing_with_or_after_its_sponsor_is_not_news_to_the_market():
    m = run(24, seed=0)
    by_sponsor: dict[int, list[int]] = {}
    for spv in m.spvs:
        by_sponsor.setdefault(spv.sponsor.account, []).append(spv.account)
    sponsor, (first, *later) = max(by_sponsor.items(), key=lambda kv: len(kv[1]))
    assert later
    lone = next(s for a, ss in by_sponsor.items() if a != sponsor for s in ss)
    m.mark_defaulted(sponsor, round_=0)
    m.mark_defaulted(first, round_=1)
    assert m.failures_in(m.tick) == 1  # the sponsor, with its vehicle
    m.mark_defaulted(lone, round_=2)
    assert m.failures_in(m.tick) == 2  # and an SPV whose sponsor stands
    m.tick += 1  # the sponsor's other vehicles fail the month after, their lease gone
    for account in later:
        m.mark_defaulted(account, round_=0)
    assert m.failures_in(m.tick) == 0
    assert m.failures_in(m.tick - 2) == 0
