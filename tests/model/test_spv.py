"""The SPV's funding and its lease: it spends the money it raised before raising more,
and its lease pays the debt service of every contract it owes, each at its own rate."""

from __future__ import annotations

import math

import numpy as np

from model import HotPotatoModel, financing
from model.agents.spv import EQUITY_YIELD
from model.ledger import WORLD, ContractKind
from model.losses import Channel


def small(**knobs) -> HotPotatoModel:
    """One lab, one hyperscaler (Microsoft-like) financing all its builds through SPVs,
    one bank, one fund, at 2025-01."""
    return HotPotatoModel(
        seed=1,
        check_invariants=True,
        n_labs=1,
        n_hyperscalers=1,
        n_banks=1,
        n_funds=1,
        obs_share=1.0,
        **knobs,
    )


def funding(m: HotPotatoModel, account: int) -> tuple[float, float]:
    """Debt and equity at cost an SPV has raised and still owes, $B."""
    ledger = m.ledger
    stakes = ledger.active_ids(ContractKind.EQUITY, debtor=account)
    return float(ledger.liabilities()[account]), float(ledger.column("principal")[stakes].sum())


def test_an_spv_spends_the_cash_left_by_a_partly_filled_order_before_it_raises_more():
    m = small(economy={"chip_capacity_gw": 0.1})  # 5 $B of data centers a month
    spv = m.spv_for(m.hyperscalers[0])
    cost_per_gw = m.chip_vendor.price_per_gw + m.econ.shell_cost_per_gw
    raised = financing.alone(m, spv.raise_funds(20.0))
    assert math.isclose(raised, 20.0)
    m.chip_vendor.order(spv.account, raised / cost_per_gw)
    m.chip_vendor.fill_orders()  # supply is rationed: most of the money is not spent
    # nothing falls due in the month its debt is issued: all the cash left is spare
    assert m.monthly_obligations(spv.account) == 0
    spare = spv.cash
    assert 0 < spare < raised
    before = sum(funding(m, spv.account))
    available = financing.alone(m, spv.raise_funds(20.0))
    # the order is funded in full, and only what its spare cash does not cover is raised
    assert math.isclose(available, 20.0)
    assert math.isclose(sum(funding(m, spv.account)) - before, 20.0 - spare, rel_tol=1e-9)
    m.check_invariants()


def test_after_a_raise_at_a_lower_rate_the_lease_still_pays_the_spvs_debt_service():
    m = small()
    spv = m.spv_for(m.hyperscalers[0])
    ledger = m.ledger
    m.market.risk_free = 0.12
    financing.alone(m, spv.raise_funds(20.0))
    ledger.transfer(spv.account, WORLD, spv.cash)  # spent on data centers
    m.market.risk_free = 0.02  # rates fall before the next raise
    financing.alone(m, spv.raise_funds(20.0))
    rates = set(ledger.column("rate")[ledger.active_ids(ContractKind.BOND, debtor=spv.account)])
    assert len(rates) == 2
    dues = ledger.dues(m.tick + 1)
    service = float(dues.cash[dues.debtor == spv.account].sum())
    _, equity = funding(m, spv.account)
    payment = float(ledger.column("payment")[spv.lease])
    # the lease pays next month's dues of each contract at its own rate, plus the yield
    assert math.isclose(payment, service + equity * EQUITY_YIELD / 12, rel_tol=1e-9)
    m.check_invariants()


def test_an_spv_pays_its_owners_the_leases_equity_yield_from_its_spare_cash():
    m = small()
    spv = m.spv_for(m.hyperscalers[0])
    ledger = m.ledger
    financing.alone(m, spv.raise_funds(20.0))
    stakes = ledger.active_ids(ContractKind.EQUITY, debtor=spv.account)
    owners = ledger.column("creditor")[stakes]
    held = ledger.column("principal")[stakes]
    assert stakes.size >= 2 and spv.lease_active()
    dividend = float(held.sum()) * EQUITY_YIELD / 12
    before = ledger.cash.copy()
    spv.operate()
    assert math.isclose(before[spv.account] - spv.cash, dividend, rel_tol=1e-12)
    # each owner in proportion to its stakes
    share = np.bincount(owners, weights=held / held.sum(), minlength=before.size)
    mine = np.unique(owners)
    np.testing.assert_allclose((ledger.cash - before)[mine], dividend * share[mine], rtol=1e-9)
    # without cash above its buffer it pays nothing
    ledger.transfer(spv.account, WORLD, spv.spare_cash())
    cash = spv.cash
    spv.operate()
    assert spv.cash == cash
    m.check_invariants()


def test_a_labs_gpu_spv_winds_up_at_its_leases_end_and_pays_its_owners_what_is_left():
    m = HotPotatoModel(seed=1, check_invariants=True, n_labs=3, n_hyperscalers=1, n_banks=1)
    spv = next(s for s in m.spvs if s.sponsor in m.labs)
    ledger = m.ledger
    # the end of the lease's term: its debt repaid (here at once), the lease at maturity
    bonds = ledger.active_ids(ContractKind.BOND, debtor=spv.account)
    principal = ledger.column("principal")[bonds].copy()
    ledger.transfer(WORLD, spv.account, float(principal.sum()) + 3.0)
    ledger.transfer_many(
        np.full(bonds.size, spv.account), ledger.column("creditor")[bonds], principal
    )
    ledger.reduce(bonds, principal)
    ledger.close(bonds)
    payment = float(ledger.column("payment")[spv.lease])
    ledger.set_terms(spv.lease, payment=payment, maturity=m.tick, tick=m.tick)
    assert spv.debt() == 0.0
    m.market.used_gpu_index = 0.1  # GPUs worth little by then
    stakes = ledger.active_ids(ContractKind.EQUITY, debtor=spv.account)
    owners = ledger.column("creditor")[stakes].tolist()
    held = ledger.column("principal")[stakes].tolist()

    financing.alone(m, spv.sponsor.operate())  # the lab lets the lease end
    assert not spv.lease_active()
    spv.operate()
    assert spv.winding_up
    left = spv.cash + spv.market_value()  # all it has once its data centers are sold
    assert 0 < left < sum(held)
    assert spv.account not in m.act_on_distress()  # with no debt left, it winds up

    assert spv.wound_up and spv.cash == 0.0 and spv.market_value() == 0.0
    assert ledger.active_ids(debtor=spv.account).size == 0  # the stakes are settled
    booked = {
        (to, amount)
        for origin, to, amount in zip(
            m.trace.rows["from"], m.trace.rows["to"], m.trace.rows["amount"], strict=True
        )
        if origin == spv.account
    }
    # each owner loses its stake at cost less its share of what was left
    expected = {(o, h - left * h / sum(held)) for o, h in zip(owners, held, strict=True)}
    assert len(booked) == len(expected) == 2
    for (to, amount), (owner, loss) in zip(sorted(booked), sorted(expected), strict=True):
        assert to == owner and math.isclose(amount, loss, rel_tol=1e-9)
    m.act_on_distress()  # a vehicle wound up does nothing more
    assert len(m.trace.rows["from"]) == len(booked)
    m.check_invariants()


def test_a_sponsor_walking_away_books_the_residual_value_guarantee_it_owes_as_its_loss():
    m = small(ai_payoff=3000.0)
    while not any(s.lease_active() and s.debt() > 0 for s in m.spvs):
        m.step()
    spv = next(s for s in m.spvs if s.lease_active() and s.debt() > 0)
    m.market.used_gpu_index = 0.1  # its data centers now cover little of its debt
    owed = spv.guarantee_shortfall()
    assert owed > 0
    credit_before = m.trace.credit_losses()
    rows = len(m.trace.rows["amount"])

    spv.end_lease()

    new = {k: v[rows:] for k, v in m.trace.rows.items()}
    assert new["to"] == [spv.sponsor.account] and new["from"] == [spv.account]
    assert new["channel"] == [Channel.RESIDUAL_VALUE] and new["off_balance"] == [True]
    assert math.isclose(new["amount"][0], owed, rel_tol=1e-12)
    assert m.trace.credit_losses() == credit_before  # no debtor defaulted
    bills = m.ledger.active_ids(ContractKind.PAYABLE, debtor=spv.sponsor.account)
    assert math.isclose(float(m.ledger.column("principal")[bills].sum()), owed, rel_tol=1e-12)
