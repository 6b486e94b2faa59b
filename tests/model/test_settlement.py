"""Hand-built cascades: small economies where the expected chain of losses is worked out
by hand, run through the model's own settlement (``model.settlement``)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from model import HotPotatoModel, financing, settlement
from model.ledger import WORLD, ContractKind
from model.losses import Channel
from model.settlement import resolve, settle


def small(**knobs) -> HotPotatoModel:
    """One lab, one hyperscaler (Microsoft-like), one bank, one fund, at 2025-01."""
    m = HotPotatoModel(
        seed=1, check_invariants=True, n_labs=1, n_hyperscalers=1, n_banks=1, n_funds=1, **knobs
    )
    return m


def rows(m: HotPotatoModel) -> list[dict]:
    r = m.trace.rows
    return [dict(zip(r, vals, strict=True)) for vals in zip(*r.values(), strict=True)]


def lend_30(m: HotPotatoModel, creditor: int, debtor: int, guarantor: int = -1) -> int:
    """A 30 $B five-year bullet loan from ``creditor`` to ``debtor``; returns its id."""
    return m.ledger.add(
        creditor=creditor,
        debtor=debtor,
        kind=ContractKind.LOAN,
        principal=30.0,
        maturity=60,
        guarantor=guarantor,
    )


def strip(m: HotPotatoModel, account: int, cash: float = 0.0) -> None:
    """Leave ``account`` with ``cash`` and no claims or data centers of its own (the loans
    its data centers secured are still owed, unsecured)."""
    ledger = m.ledger
    ledger.transfer(account, WORLD, float(ledger.cash[account]) - cash)
    held = ledger.active_ids(creditor=account)
    ledger.reduce(held, ledger.column("principal")[held])
    ledger.close(held)
    gone = np.flatnonzero(m.assets["owner"] == account)
    m.assets.set("active", gone, False)
    owed = ledger.active_ids(debtor=account)
    ledger.set_collateral(owed[np.isin(ledger.column("collateral")[owed], gone)], -1)


def loans_to_world(m: HotPotatoModel, account: int) -> np.ndarray:
    """Ids of the active claims ``account`` holds on the rest of the economy."""
    return m.ledger.active_ids(debtor=WORLD, creditor=account)


def data_center(m: HotPotatoModel, owner: int, gw: float) -> int:
    econ = m.econ
    dc = m.assets.add(
        owner=owner,
        gw=gw,
        gpu_cost=gw * econ.gpu_cost_per_gw,
        shell_cost=gw * econ.shell_cost_per_gw,
        ordered=-12,
        completed=0,
    )
    m.assets.set("powered", [dc], True)
    return dc


def test_a_borrower_default_books_the_lenders_shortfall_exactly():
    m = small()
    hs, bank = m.hyperscalers[0], m.banks[0]
    # a known balance sheet: 10 of cash, one new 1 GW data center, its 43 of bonds
    strip(m, hs.account, cash=10.0)
    dc = data_center(m, hs.account, 1.0)
    assert math.isclose(float(m.market_values()[dc]), 50.0)  # 35 GPUs + 15 shell, index 1
    ledger = m.ledger
    secured = ledger.add(
        creditor=bank.account,
        debtor=hs.account,
        kind=ContractKind.LOAN,
        principal=40.0,
        collateral=dc,
        maturity=60,
    )
    bonds = float(ledger.liabilities()[hs.account]) - 40.0
    assert math.isclose(bonds, 43.0)
    resolve(m, hs.account, 1)
    # the secured loan is repaid from its collateral (50 covers 40); the 10 left and the
    # 10 of cash go pro rata to the bonds: 43 - 20 = 23 lost, by the bondholders
    assert ledger.column("principal")[secured] == 0.0
    assert not any(r["to"] == bank.account for r in rows(m))
    assert math.isclose(m.trace.total(), 23.0, rel_tol=1e-9)
    assert {r["to"] for r in rows(m)} == {f.account for f in m.funds}
    assert all(r["channel"] == Channel.BOND and not r["off_balance"] for r in rows(m))
    m.check_invariants()


@pytest.mark.parametrize(
    ("cash", "lost_by_buyer"),
    [
        (7.3, 12.0),  # the loan recovers 30 * 7.3 / 73 = 3 of the 15 paid for it
        (21.9, 6.0),  # it recovers 9
        (43.8, 0.0),  # it recovers 18, more than was paid: no loss (gains are not booked)
    ],
)
def test_a_claim_bought_below_par_loses_at_most_what_was_paid_in_a_default(cash, lost_by_buyer):
    """The rest of the economy bought a bank's unsecured loan of 30 $B to the hyperscaler
    for half its face, 15. The hyperscaler, left with ``cash`` and no claims or data
    centers, defaults: its cash goes pro rata to the loan and its 43 of bonds (73 in
    all), and the buyer loses what it paid less what it recovers."""
    m = small()
    hs, bank = m.hyperscalers[0], m.banks[0]
    ledger = m.ledger
    strip(m, hs.account, cash)
    loan = lend_30(m, bank.account, hs.account)
    assert math.isclose(float(ledger.liabilities()[hs.account]), 73.0)
    ledger.reassign([loan], WORLD, basis=0.5)
    world_cash = float(ledger.cash[WORLD])
    resolve(m, hs.account, 1)
    recovered = float(ledger.cash[WORLD]) - world_cash
    assert math.isclose(recovered, 30.0 * cash / 73.0, rel_tol=1e-9)
    on_loan = [r for r in rows(m) if r["to"] == WORLD and r["channel"] == Channel.LOAN]
    assert math.isclose(sum(r["amount"] for r in on_loan), lost_by_buyer, abs_tol=1e-9)
    assert not any(r["to"] == bank.account for r in rows(m))
    m.check_invariants()


def test_a_guarantee_moves_the_loss_to_the_government():
    m = small(guarantees=True)
    hs, bank, gov = m.hyperscalers[0], m.banks[0], m.government
    ledger = m.ledger
    strip(m, hs.account)  # nothing left: lenders recover nothing
    loan = lend_30(m, bank.account, hs.account, guarantor=gov.account)
    bank_cash = bank.cash
    resolve(m, hs.account, 1)
    on_loan = [r for r in rows(m) if r["from"] == hs.account and r["channel"] == Channel.GUARANTEE]
    assert len(on_loan) == 1 and on_loan[0]["to"] == gov.account
    assert math.isclose(on_loan[0]["amount"], 30.0)
    assert not any(r["to"] == bank.account for r in rows(m))
    paid_by_state = gov.outlays["guarantees"]
    assert paid_by_state > 0
    # the bank got back exactly its 30: recovery from the estate plus the state's payment
    assert math.isclose(bank.cash - bank_cash, 30.0, rel_tol=1e-9)
    assert ledger.column("active")[loan] == 0
    m.check_invariants()


def test_a_failing_bank_is_bailed_out_to_its_minimum_ratio_and_the_stake_can_be_lost():
    m = small(bailouts=True)
    bank, gov = m.banks[0], m.government
    # a loss on its loans to the rest of the economy takes it below the minimum
    book = loans_to_world(m, bank.account)
    # lose enough to fall to a 2% capital ratio (minimum 4.5%)
    loss = (bank.equity - 0.02 * bank.risk_weighted_assets()) / 0.98
    m.ledger.reduce(book[:1], [loss])
    assert math.isclose(bank.capital_ratio(), 0.02, rel_tol=1e-9)
    assert bank.failing()
    assert m.act_on_distress() == set()  # bailed out instead of defaulting
    assert math.isclose(bank.capital_ratio(), m.econ.bank_min_ratio, rel_tol=1e-6)
    # a taxpayer cost now, paid for a stake; no loss yet (the bank booked the losses)
    assert rows(m) == []
    stake = m.ledger.active_ids(ContractKind.EQUITY, debtor=bank.account, creditor=gov.account)
    assert math.isclose(float(m.ledger.column("principal")[stake].sum()), gov.outlays["bailouts"])
    # if the rescued bank loses more than its new capital and fails, the taxpayers lose
    # their stake
    m.ledger.reduce(book[:1], [bank.equity + 10.0])
    resolve(m, bank.account, 1)
    bailout = [r for r in rows(m) if r["channel"] == Channel.BAILOUT]
    assert len(bailout) == 1 and bailout[0]["to"] == gov.account
    assert 0 < bailout[0]["amount"] <= gov.outlays["bailouts"] + 1e-9
    m.check_invariants()


def test_without_bailouts_a_failing_bank_defaults_and_deposit_insurance_pays():
    m = small(bailouts=False)
    bank, gov = m.banks[0], m.government
    book = loans_to_world(m, bank.account)
    m.ledger.reduce(book[:1], [0.5 * float(m.ledger.column("principal")[book[0]])])
    assert bank.account in m.act_on_distress()
    resolve(m, bank.account, 1)
    assert gov.outlays["deposit_insurance"] > 0
    insured = [r for r in rows(m) if r["channel"] == Channel.DEPOSIT_INSURANCE]
    assert insured and all(r["to"] == gov.account for r in insured)
    m.check_invariants()


def test_an_spv_whose_sponsor_fails_defaults_and_its_bondholders_lose_off_balance_sheet():
    m = small(obs_share=1.0)
    hs, fund = m.hyperscalers[0], m.funds[0]
    spv = m.spv_for(hs)
    raised = financing.alone(m, spv.raise_funds(20.0))
    assert raised > 0
    m.chip_vendor.order(spv.account, raised / (m.chip_vendor.price_per_gw + 15.0))
    m.chip_vendor.fill_orders()
    assert spv.debt() > 0 and spv.lease_active()
    m.market.used_gpu_index = 0.3  # a collapsed used-GPU market
    strip(m, hs.account)  # a sponsor with nothing left: no residual-value guarantee paid
    resolve(m, hs.account, 1)  # the sponsor fails: its lease stops
    assert not spv.lease_active()
    spv.operate()  # the vehicle winds up
    assert spv.account in m.act_on_distress()
    resolve(m, spv.account, 2)
    spv_rows = [r for r in rows(m) if r["from"] == spv.account]
    assert spv_rows and all(r["off_balance"] for r in spv_rows)
    # its bonds are lost through the off-balance-sheet path, the stakes in it as equity
    by_channel = {r["channel"] for r in spv_rows}
    assert by_channel == {Channel.SPV_LEASE, Channel.EQUITY}
    lent = m.ledger.column("creditor")[m.ledger.column("debtor") == spv.account]
    kinds = m.ledger.column("kind")[m.ledger.column("debtor") == spv.account]
    holders = {int(c) for c, k in zip(lent, kinds, strict=True) if k == ContractKind.EQUITY}
    assert {r["to"] for r in spv_rows if r["channel"] == Channel.EQUITY} <= holders
    assert any(r["to"] == fund.account for r in spv_rows if r["channel"] == Channel.SPV_LEASE)
    kept_off_balance = sum(r["amount"] - r["passed_on"] for r in rows(m) if r["off_balance"])
    assert kept_off_balance > 0 and math.isclose(m.trace.off_balance(), kept_off_balance)
    m.check_invariants()


def test_a_fire_sale_marks_down_a_second_lenders_collateral_and_tips_it_over():
    m = HotPotatoModel(seed=1, check_invariants=True, n_labs=1, n_banks=1, n_funds=1)
    ledger = m.ledger
    first, second = m.hyperscalers[3:5]  # the levered builder and the neocloud
    bank = m.banks[0]
    for h in (first, second):
        strip(m, h.account)
        dc = data_center(m, h.account, 2.0)  # worth 100 at an index of 1
        ledger.add(
            creditor=bank.account,
            debtor=h.account,
            kind=ContractKind.LOAN,
            principal=65.0,
            collateral=dc,
            maturity=60,
        )
    assert financing.alone(
        m, m.cure_covenants(second.account)
    )  # 65 <= 0.7 * 100: within its covenant
    # the first borrower fails; its 2 GW are dumped on a market 3 GW deep
    index = m.market.used_gpu_index
    assert resolve(m, first.account, 1) == 2.0
    assert math.isclose(m.market.used_gpu_index, index * math.exp(-2.0 / m.econ.fire_sale_depth_gw))
    # GPUs 70 * 0.51 + shell 30 = 66: 0.7 * 66 = 46 < 65, and the neocloud has no cash,
    # no cash flow and so no lender to cure it
    value = float(m.market_values()[ledger.column("collateral")[ledger.active_ids()][-1]])
    assert value < 65.0 / m.econ.loan_to_value
    assert second.account in m.act_on_distress()


def test_a_covenant_breach_larger_than_cash_is_cured_with_new_money():
    """The borrower pays down what its cash covers and borrows the rest: its cash is
    not counted twice (once as cash, once as spare cash against the new money)."""
    m = HotPotatoModel(seed=1, check_invariants=True)
    hs, bank = m.hyperscalers[0], m.banks[0]  # investment grade: it can sell bonds
    ledger = m.ledger
    dc = data_center(m, hs.account, 1.0)  # worth 50 at an index of 1
    loan = ledger.add(
        creditor=bank.account,
        debtor=hs.account,
        kind=ContractKind.LOAN,
        principal=35.0 + hs.cash + 5.0,
        collateral=dc,
        maturity=60,
    )
    need = float(ledger.column("principal")[loan]) - m.econ.loan_to_value * 50.0
    assert need == pytest.approx(hs.cash + 5.0)  # 5 more than all its cash
    assert financing.alone(m, m.cure_covenants(hs.account))
    assert float(ledger.column("principal")[loan]) == pytest.approx(35.0, abs=1e-6)
    m.check_invariants()


def facility(m: HotPotatoModel, borrower: int, principal: float, dc: int) -> np.ndarray:
    """A loan of ``principal`` secured on ``dc``, split evenly over the banks (as
    ``financing.clear`` splits a bank-loan grant); the ids of its loans."""
    share = principal / len(m.banks)
    return np.array(
        [
            m.ledger.add(
                creditor=bank.account,
                debtor=borrower,
                kind=ContractKind.LOAN,
                principal=share,
                collateral=dc,
                maturity=60,
            )
            for bank in m.banks
        ]
    )


def test_below_investment_grade_a_cure_is_borrowed_against_the_other_data_centers():
    """The levered builder, below investment grade with a new facility of 40 on a data
    center worth 50, has no cash for the 5 its covenant asks: its banks lend the 5 against
    its data center with the most room under its own covenant, not unsecured."""
    m = HotPotatoModel(seed=1, check_invariants=True)
    builder = m.hyperscalers[3]
    ledger = m.ledger
    ledger.transfer(builder.account, WORLD, builder.cash)
    others = np.flatnonzero(m.assets["active"] & (m.assets["owner"] == builder.account))
    dc = data_center(m, builder.account, 1.0)  # worth 50 at an index of 1
    breached = facility(m, builder.account, 40.0, dc)
    assert builder.rating == "BB"
    before = ledger.active_ids(ContractKind.LOAN, debtor=builder.account).copy()
    assert financing.alone(m, m.cure_covenants(builder.account))
    assert ledger.column("principal")[breached].sum() == pytest.approx(35.0)
    new = np.setdiff1d(ledger.active_ids(ContractKind.LOAN, debtor=builder.account), before)
    room = m.econ.loan_to_value * m.market_values()[others]
    roomiest = others[np.argmax(room)]
    assert new.size > 0 and (ledger.column("collateral")[new] == roomiest).all()
    assert ledger.column("principal")[new].sum() == pytest.approx(5.0)
    m.check_invariants()


@pytest.mark.parametrize("n_banks", [1, 4])
def test_the_covenant_is_on_the_facility_whatever_the_number_of_banks(n_banks):
    """80 lent on a data center worth 100 breaks a 0.7 loan-to-value covenant by 10,
    though with 4 banks no bank's 20 exceeds 70 alone: the borrower pays 10 down, each
    loan its share."""
    m = HotPotatoModel(seed=1, check_invariants=True, n_labs=1, n_banks=n_banks, n_funds=1)
    borrower = m.hyperscalers[4]  # the neocloud: sub-investment grade
    strip(m, borrower.account)
    m.ledger.transfer(WORLD, borrower.account, 20.0)
    dc = data_center(m, borrower.account, 2.0)  # worth 100 at an index of 1
    loans = facility(m, borrower.account, 80.0, dc)
    assert financing.alone(m, m.cure_covenants(borrower.account))
    principal = m.ledger.column("principal")[loans]
    assert principal.sum() == pytest.approx(0.7 * 100.0)
    assert principal == pytest.approx(np.full(n_banks, 70.0 / n_banks))
    assert m.ledger.cash_of(borrower.account) == pytest.approx(10.0)
    m.check_invariants()


def test_a_facility_breach_no_bank_sees_alone_defaults_a_borrower_who_cannot_cure():
    m = HotPotatoModel(seed=1, check_invariants=True, n_labs=1, n_banks=4, n_funds=1)
    borrower = m.hyperscalers[4]  # the neocloud: no cash, no cash flow, no new lender
    strip(m, borrower.account)
    dc = data_center(m, borrower.account, 2.0)
    facility(m, borrower.account, 80.0, dc)
    assert borrower.account in m.act_on_distress()


def test_settlement_pays_every_due_as_scheduled_or_its_debtor_defaults(monkeypatch):
    """Every month of a run with defaults (a small AI payoff, the largest lab cut off from
    funding from month 24, most building off balance sheet), each contract due is cleared
    at settlement: its principal ($B) falls by at least its scheduled reduction (a
    covenant cure or a wind-up may pay it down further), or its debtor has defaulted by
    the end of the month's cascade. Same-seed determinism is checked in test_model."""
    settle_month = settlement.settle
    counts = {"paid": 0, "of_defaulters": 0}

    def checked(m: HotPotatoModel) -> int:
        dues = m.ledger.dues(m.tick)
        ids, debtor, reduction = dues.ids.copy(), dues.debtor.copy(), dues.reduction.copy()
        before = m.ledger.column("principal")[ids].copy()
        depth = settle_month(m)
        after = m.ledger.column("principal")[ids]
        defaulted = np.isin(debtor, sorted(m.defaulted))
        paid = after <= before - reduction + 1e-9 * np.maximum(1.0, before)
        unpaid = ~(paid | defaulted)
        assert not unpaid.any(), (m.tick, [m.ledger.names[a] for a in debtor[unpaid]])
        counts["paid"] += int((paid & (reduction > 0) & ~defaulted).sum())
        counts["of_defaulters"] += int((defaulted & (reduction > 0)).sum())
        return depth

    monkeypatch.setattr(settlement, "settle", checked)
    m = HotPotatoModel(seed=0, horizon_months=120, ai_payoff=100.0, lehman_month=24, obs_share=0.8)
    while m.running:
        m.step()
    # both ways of clearing happened: many scheduled repayments, and dues left with
    # debtors that defaulted (in this run the largest lab, then the neocloud, which could
    # pay most but not all of a month's dues)
    assert len(m.default_log) >= 2
    assert counts["paid"] > 1000 and counts["of_defaulters"] > 0


def test_settle_runs_on_a_fresh_month_without_defaults():
    m = small()
    m.exogenous_draws()
    assert settle(m) == 0
    assert m.defaulted == set()


def lend_beyond_equity(m, bank, borrower) -> float:
    """``bank`` lends ``borrower`` (stripped of its assets) 100 $B more than the bank's
    equity, funded by deposits, and the borrower spends it all; returns the loan, $B."""
    ledger = m.ledger
    strip(m, borrower.account)
    lent = bank.equity + 100.0
    ledger.add(
        creditor=bank.account,
        debtor=borrower.account,
        kind=ContractKind.LOAN,
        principal=lent,
        maturity=60,
    )
    bank.fund_loan(lent)
    ledger.transfer(bank.account, borrower.account, lent)
    ledger.transfer(borrower.account, WORLD, lent)
    return lent


def test_a_loss_passed_down_a_chain_is_counted_once():
    m = small()
    hs, bank = m.hyperscalers[0], m.banks[0]
    ledger = m.ledger
    lent = lend_beyond_equity(m, bank, hs)
    bonds_of_hs = float(ledger.liabilities()[hs.account]) - lent
    resolve(m, hs.account, 1)
    bank_loss = sum(r["amount"] for r in rows(m) if r["to"] == bank.account)
    assert math.isclose(bank_loss, lent, rel_tol=1e-9)  # nothing left for any creditor
    hole = -bank.equity
    assert hole > 99.0
    ids = ledger.active_ids()
    sold_at_discount = float(
        ledger.carried()[ids][
            (ledger.column("creditor")[ids] == bank.account)
            & (ledger.column("debtor")[ids] != WORLD)
        ].sum()
    )
    resolve(m, bank.account, 2)
    # the bank's owners keep what its equity absorbed; the rest reaches depositors (and
    # deposit insurance) once, plus the discount on the claims the failed bank sold
    first_loss = lent - hole
    by_bank = sum(r["amount"] - r["passed_on"] for r in rows(m) if r["to"] == bank.account)
    assert math.isclose(by_bank, first_loss, rel_tol=1e-9)
    expected = bonds_of_hs + lent + 0.2 * sold_at_discount
    assert math.isclose(m.trace.total(), expected, rel_tol=1e-6)
    m.check_invariants()


def test_an_spv_loss_brings_redemptions_and_a_margin_call_on_the_funds_nav_loan():
    # one fund (private credit, with a NAV loan from the one bank) holds the SPV's bonds
    m = small(obs_share=1.0, economy={"nav_loan_ltv": 0.2, "fund_ai_allocation": 1.0})
    hs, fund, bank = m.hyperscalers[0], m.funds[0], m.banks[0]
    spv = m.spv_for(hs)
    raised = financing.alone(m, spv.raise_funds(400.0))
    data_center(m, spv.account, raised / 50.0)  # what it raised, spent on data centers
    m.ledger.transfer(spv.account, WORLD, raised)
    exposure = float(m.ledger.financial_assets()[fund.account])
    nav_before = fund.nav()
    fund.nav_history = [nav_before] * 13  # a year of steady NAV: no flows yet
    # the sponsor fails and the vehicle cannot repay its bonds from a collapsed GPU market
    m.market.used_gpu_index = 0.1
    strip(m, hs.account)
    resolve(m, hs.account, 1)
    spv.operate()
    resolve(m, spv.account, 2)
    lost = sum(r["amount"] for r in rows(m) if r["to"] == fund.account)
    assert lost > 0
    assert math.isclose(fund.nav(), nav_before - lost, rel_tol=1e-6)
    assert float(m.ledger.financial_assets()[fund.account]) < exposure
    # the bank margin-calls the NAV loan: the fund sells liquid securities to pay it down
    ids = m.ledger.active_ids(ContractKind.NAV_LOAN)
    loan_before = float(m.ledger.column("principal")[ids].sum())
    limit = m.econ.nav_loan_ltv * (fund.nav() + loan_before)
    assert loan_before > limit
    bank_cash = bank.cash
    bank.operate()
    loan_after = float(m.ledger.column("principal")[ids].sum())
    assert loan_after < loan_before
    # it pays what it can raise: its liquid securities first, then AI bonds sold below
    # market (a fire-sale loss) until the loan is back within its limit or it has nothing
    liquid_after = float(m.ledger.column("principal")[fund.liquid_securities()].sum())
    within = loan_after <= m.econ.nav_loan_ltv * (fund.nav() + loan_after) * (1 + 1e-9)
    assert within or liquid_after == 0.0
    assert bank.cash > bank_cash
    # households redeem after the loss: money leaves the fund for the rest of the economy
    cash_world = float(m.ledger.cash[WORLD])
    fund.operate()
    assert float(m.ledger.cash[WORLD]) > cash_world
    m.check_invariants()


def test_an_spv_wound_up_in_order_repays_its_debt_and_its_owners_lose_as_equity():
    # data centers worth its debt (16) and half its owners' stakes (4)
    m, hs, spv = sponsored_spv(0.0, 18.0)
    stakes = m.ledger.active_ids(ContractKind.EQUITY, debtor=spv.account)
    equity = float(m.ledger.column("principal")[stakes].sum())
    assert equity > 0
    strip(m, hs.account)
    resolve(m, hs.account, 1)  # the sponsor fails: its lease stops
    spv.operate()
    assert spv.account not in m.act_on_distress()  # repaid in full, not defaulted
    assert spv.debt() == 0.0
    spv_rows = [r for r in rows(m) if r["from"] == spv.account]
    assert spv_rows and all(r["channel"] == Channel.EQUITY and r["off_balance"] for r in spv_rows)
    assert 0 < sum(r["amount"] for r in spv_rows) < equity  # part of the stakes is lost
    m.check_invariants()


def test_a_data_center_securing_the_loans_of_several_banks_repays_them_pro_rata():
    m = HotPotatoModel(
        seed=1, check_invariants=True, n_labs=1, n_hyperscalers=1, n_banks=3, n_funds=1
    )
    hs, ledger = m.hyperscalers[0], m.ledger
    strip(m, hs.account)  # no cash: its data center's proceeds are all its lenders get
    dc = data_center(m, hs.account, 1.0)
    proceeds = float(m.market_values()[dc])
    assert math.isclose(proceeds, 50.0)
    # one loan granted by three banks: a contract each, all secured on the data center
    lent = dict(zip((b.account for b in m.banks), (30.0, 20.0, 10.0), strict=True))
    for bank, amount in lent.items():
        ledger.add(
            creditor=bank,
            debtor=hs.account,
            kind=ContractKind.LOAN,
            principal=amount,
            collateral=dc,
            maturity=60,
        )
    cash_before = {bank: ledger.cash_of(bank) for bank in lent}
    resolve(m, hs.account, 1)
    # the 50 of proceeds cover 50/60 of every bank's claim; the bonds (43) get nothing
    for bank, amount in lent.items():
        recovered = ledger.cash_of(bank) - cash_before[bank]
        assert math.isclose(recovered, proceeds * amount / 60.0, rel_tol=1e-9)
        lost = sum(r["amount"] for r in rows(m) if r["to"] == bank)
        assert math.isclose(lost, amount - recovered, rel_tol=1e-9)
    bonds_lost = sum(r["amount"] for r in rows(m) if r["channel"] == Channel.BOND)
    assert math.isclose(bonds_lost, 43.0, rel_tol=1e-9)
    m.check_invariants()


def sponsored_spv(cash: float, market_value: float):
    """A model whose one hyperscaler sponsors an SPV (debt 16, residual-value guarantee
    9.6) holding ``cash`` and data centers worth ``market_value``, $B."""
    m = small(obs_share=1.0)
    hs = m.hyperscalers[0]
    spv = m.spv_for(hs)
    raised = financing.alone(m, spv.raise_funds(20.0))
    m.chip_vendor.order(spv.account, raised / (m.chip_vendor.price_per_gw + 15.0))
    m.chip_vendor.fill_orders()
    values = []
    for index in (0.0, 1.0):
        m.market.used_gpu_index = index
        values.append(spv.market_value())
    m.market.used_gpu_index = (market_value - values[0]) / (values[1] - values[0])
    if spv.cash > cash:
        m.ledger.transfer(spv.account, WORLD, spv.cash - cash)
    else:
        m.ledger.transfer(WORLD, spv.account, cash - spv.cash)
    assert math.isclose(spv.market_value(), market_value, abs_tol=1e-9)
    assert math.isclose(spv.debt(), 16.0) and math.isclose(spv.cash, cash, abs_tol=1e-12)
    assert math.isclose(float(m.ledger.column("residual_guarantee")[spv.lease]), 9.6)
    return m, hs, spv


@pytest.mark.parametrize(
    ("cash", "market_value", "guarantee"),
    [
        (6.0, 12.0, 0.0),  # cash and data centers cover the debt: nothing to guarantee
        (1.0, 10.0, 5.0),  # the lenders' shortfall: 16 − 1 − 10
        (0.0, 6.0, 9.6),  # a shortfall of 10 (the shells only), capped at the guaranteed 9.6
    ],
)
def test_a_walk_away_and_a_default_owe_the_same_residual_value_guarantee(
    cash, market_value, guarantee
):
    # the sponsor walks away at the lease's end: it owes the SPV the guarantee as a bill
    m, hs, spv = sponsored_spv(cash, market_value)
    lease = spv.lease
    payment = float(m.ledger.column("payment")[lease])
    m.ledger.set_terms(lease, payment=payment, maturity=m.tick, tick=m.tick)
    hs.needs_capacity = lambda: False
    hs.renew_or_exit_leases()
    assert not spv.lease_active()
    bills = m.ledger.active_ids(ContractKind.PAYABLE, debtor=hs.account, creditor=spv.account)
    paid = float(m.ledger.column("principal")[bills].sum())
    assert math.isclose(paid, guarantee, abs_tol=1e-9)
    m.check_invariants()

    # the sponsor defaults with cash for every claim: the SPV recovers its 12 months of
    # rent lost and the same guarantee
    m, hs, spv = sponsored_spv(cash, market_value)
    strip(m, hs.account)
    m.ledger.transfer(WORLD, hs.account, 100.0)
    damages = 12 * float(m.ledger.column("payment")[spv.lease])
    before = spv.cash
    resolve(m, hs.account, 1)
    assert math.isclose(spv.cash - before, damages + guarantee, rel_tol=1e-9)
    m.check_invariants()


def test_an_spv_whose_sponsor_walks_away_can_repay_its_lenders_after_the_months_dues():
    m, hs, spv = sponsored_spv(1.0, 10.0)
    m.tick += 1  # a month on, its debt owes interest and principal this month
    lease = spv.lease
    payment = float(m.ledger.column("payment")[lease])
    m.ledger.set_terms(lease, payment=payment, maturity=m.tick, tick=m.tick)
    hs.needs_capacity = lambda: False
    hs.renew_or_exit_leases()  # the guarantee covers the debt and the month's interest
    spv.operate()  # no lease: it winds up
    assert spv.winding_up
    settle(m)
    assert not m.is_defaulted(spv) and spv.debt() == 0.0  # repaid, not defaulted
    # its lenders lose nothing; its owners, with nothing left over, lose their stakes; its
    # sponsor lost the guarantee it paid
    channels = {r["channel"] for r in rows(m) if r["from"] == spv.account}
    assert channels == {Channel.EQUITY, Channel.RESIDUAL_VALUE}
    m.check_invariants()


def test_a_rescued_bank_that_fails_counts_the_taxpayers_stake_once():
    m = small(bailouts=True)
    hs, bank, gov = m.hyperscalers[0], m.banks[0], m.government
    ledger = m.ledger
    # a write-down on its loans to the rest of the economy takes it to a 2% capital ratio:
    # the government recapitalises it to the minimum with a stake
    book = loans_to_world(m, bank.account)
    ledger.reduce(book[:1], [(bank.equity - 0.02 * bank.risk_weighted_assets()) / 0.98])
    assert m.act_on_distress() == set()
    injected = gov.outlays["bailouts"]
    assert injected > 0
    outside_equity = bank.equity - injected  # its shareholders' equity, not on the ledger
    # then it lends more than its equity to a borrower who fails, and fails in turn
    lent = lend_beyond_equity(m, bank, hs)
    bonds_of_hs = float(ledger.liabilities()[hs.account]) - lent
    resolve(m, hs.account, 1)
    ids = ledger.active_ids()
    held = (ledger.column("creditor")[ids] == bank.account) & (
        ledger.column("debtor")[ids] != WORLD
    )
    sold_at_discount = float(ledger.carried()[ids][held].sum())
    resolve(m, bank.account, 2)
    # the taxpayers lose their stake, the bank's shareholders their equity, its
    # depositors (deposit insurance) the hole: the bank's loan loss, each dollar once
    bailout = sum(r["amount"] for r in rows(m) if r["channel"] == Channel.BAILOUT)
    assert math.isclose(bailout, injected, rel_tol=1e-9)
    by_bank = sum(r["amount"] - r["passed_on"] for r in rows(m) if r["to"] == bank.account)
    assert math.isclose(by_bank, outside_equity, rel_tol=1e-9)
    expected = bonds_of_hs + lent + 0.2 * sold_at_discount
    assert math.isclose(m.trace.total(), expected, rel_tol=1e-9)
    m.check_invariants()


@pytest.mark.parametrize(("cash", "market_value", "guarantee"), [(1.0, 10.0, 5.0), (0.0, 6.0, 9.6)])
def test_an_spv_failing_with_its_sponsor_claims_the_lease_damages_and_the_guarantee(
    cash, market_value, guarantee
):
    m, hs, spv = sponsored_spv(cash, market_value)
    strip(m, hs.account)
    m.ledger.transfer(WORLD, hs.account, 100.0)  # an estate that pays every claim
    damages = 12 * float(m.ledger.column("payment")[spv.lease])
    stakes = m.ledger.active_ids(ContractKind.EQUITY, debtor=spv.account)
    equity = float(m.ledger.column("principal")[stakes].sum())
    resolve(m, {hs.account, spv.account}, 1)
    assert m.is_defaulted(spv) and m.is_defaulted(hs)
    # its lenders are repaid from its cash, its data centers and the guarantee (16 in
    # all, or more); its owners get what is left, the lease damages first of all
    assert not [r for r in rows(m) if r["from"] == spv.account and r["channel"] != Channel.EQUITY]
    left_for_owners = cash + market_value + guarantee + damages - 16.0
    owners_lost = sum(r["amount"] for r in rows(m) if r["from"] == spv.account)
    assert math.isclose(owners_lost, max(0.0, equity - left_for_owners), rel_tol=1e-9)
    m.check_invariants()


def test_the_guarantee_a_failing_sponsor_owes_is_valued_after_its_own_fire_sale():
    """The sponsor's 2 GW sold in its default lower the used-GPU price before its SPV's
    claim is valued: the guarantee covers the lenders' shortfall at what the SPV's data
    centers would fetch after that sale, not before it."""
    m, hs, spv = sponsored_spv(1.0, 10.0)  # shortfall 16 − 1 − 10 = 5 at today's price
    strip(m, hs.account)
    data_center(m, hs.account, 2.0)
    m.ledger.transfer(WORLD, hs.account, 100.0)  # an estate that pays every claim
    damages = 12 * float(m.ledger.column("payment")[spv.lease])
    index = m.market.used_gpu_index
    after = index * math.exp(-2.0 / m.econ.fire_sale_depth_gw)
    m.market.used_gpu_index = after
    guarantee = min(9.6, 16.0 - 1.0 - spv.market_value())
    m.market.used_gpu_index = index
    assert guarantee > 5.0 + 1.0
    before = spv.cash
    assert resolve(m, hs.account, 1) == 2.0
    assert math.isclose(m.market.used_gpu_index, after)
    assert math.isclose(spv.cash - before, damages + guarantee, rel_tol=1e-9)
    m.check_invariants()


@pytest.mark.parametrize(
    ("cash", "market_value", "leased", "together"),
    [
        (0.0, 6.0, False, False),  # no lease, insolvent at market value: worth 0
        (6.0, 12.0, False, False),  # no lease, equity at market value 6 + 12 − 16 = 2
        (0.0, 6.0, True, False),  # its lease to the failing sponsor: at market, worth 0
        (6.0, 12.0, True, True),  # the SPV fails with its sponsor: its stakes are worth 0
    ],
)
def test_a_failing_sponsors_stake_in_its_spv_is_sold_at_what_it_is_worth(
    cash, market_value, leased, together
):
    m, hs, spv = sponsored_spv(cash, market_value)
    strip(m, hs.account)
    ledger = m.ledger
    if not leased:
        ledger.close([spv.lease])
    stake = ledger.add(
        creditor=hs.account, debtor=spv.account, kind=ContractKind.EQUITY, principal=2.0
    )
    stakes = ledger.active_ids(ContractKind.EQUITY, debtor=spv.account)
    paid_in = float(ledger.column("principal")[stakes].sum())
    assert not [i for i in ledger.active_ids(creditor=spv.account) if ledger.carried()[i]]
    book = m.equity_of(spv.account)
    equity = spv.cash + spv.market_value() - spv.debt()
    worth = 0.0 if together else 2.0 * min(1.0, max(equity, 0.0) / max(paid_in, book))
    resolve(m, {hs.account, spv.account} if together else hs.account, 1)
    # the rest of the economy bought it at 80% of its worth, not of its cost
    assert ledger.column("creditor")[stake] == WORLD
    paid = float(ledger.column("basis")[stake]) * 2.0
    assert math.isclose(paid, 0.8 * worth, abs_tol=1e-12)
    m.check_invariants()


def test_a_stake_bought_below_cost_loses_at_most_what_was_paid_at_the_wind_up():
    """The rest of the economy buys a failed sponsor's stake in its SPV for little; when
    the SPV winds up, its loss is what it paid less what it gets, not the stake's cost."""
    m, hs, spv = sponsored_spv(6.0, 12.0)
    strip(m, hs.account)
    ledger = m.ledger
    ledger.close([spv.lease])
    stake = ledger.add(
        creditor=hs.account, debtor=spv.account, kind=ContractKind.EQUITY, principal=2.0
    )
    resolve(m, hs.account, 1)
    assert ledger.column("creditor")[stake] == WORLD
    paid = float(ledger.column("basis")[stake]) * 2.0
    rows = len(m.trace.rows["amount"])
    stakes = ledger.active_ids(ContractKind.EQUITY, debtor=spv.account)
    share = 2.0 / float(ledger.column("principal")[stakes].sum())
    got = share * max(0.0, spv.cash + spv.market_value() - spv.debt())
    assert 0.0 < paid < got < 2.0  # bought for less than it will get, and below cost
    spv.winding_up = True
    spv.repay_all()
    booked = [
        a
        for to, frm, a in zip(
            m.trace.rows["to"][rows:],
            m.trace.rows["from"][rows:],
            m.trace.rows["amount"][rows:],
            strict=True,
        )
        if to == WORLD and frm == spv.account
    ]
    assert sum(booked) == pytest.approx(max(0.0, paid - got), abs=1e-12)
    m.check_invariants()


def test_gpus_past_their_economic_life_move_no_used_gpu_price():
    """A data center whose GPUs are spent sells for its shell alone and adds no supply to
    the used-GPU market; one with GPUs in use does."""
    m = small()
    life = 12 * m.params.gpu_economic_life_years
    spent, working = m.hyperscalers[0], m.labs[0]
    for owner in (spent, working):
        strip(m, owner.account)
    old = data_center(m, spent.account, 2.0)
    m.assets.set("completed", [old], -life)
    data_center(m, working.account, 1.0)
    index = m.market.used_gpu_index
    assert resolve(m, spent.account, 1) == 0.0
    assert m.market.used_gpu_index == index and m.market.fire_sale_gw == 0.0
    assert resolve(m, working.account, 2) == 1.0
    assert math.isclose(m.market.used_gpu_index, index * math.exp(-1.0 / m.econ.fire_sale_depth_gw))
    m.check_invariants()
