"""The crash detector: its memory of credit losses, which the credit market prices, and
the three crash rules (equity drawdown, credit losses against peak AI debt, a bank
failing or bailed out)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from model.crash import LOSS_MEMORY_MONTHS
from model.hotpotato import HotPotatoModel
from model.ledger import WORLD
from model.settlement import resolve


def _loss_rates(losses_by_month: list[float], debt: float) -> list[float]:
    """The loss rate the market prices after each month in which ``losses_by_month``
    credit losses ($B) are booked, with ``debt`` $B of AI-related debt outstanding."""
    m = HotPotatoModel(seed=0)
    crash = m.crash
    crash.ai_debt = lambda: debt
    booked = 0.0
    rates = []
    for loss in losses_by_month:
        booked += loss
        m.trace.credit_losses = lambda total=booked: total
        crash.observe(0)
        rates.append(crash.default_rate())
    return rates


def test_a_wave_of_credit_losses_is_priced_at_once_and_fades_without_a_cliff():
    months = 600
    rates = _loss_rates([10.0] + [0.0] * (months - 1), debt=100.0)
    assert rates[0] == pytest.approx(0.1)  # 10 of 100 a year: a trailing year's rate
    fade = 1.0 - 1.0 / LOSS_MEMORY_MONTHS
    for before, after in zip(rates[:24], rates[1:25], strict=False):
        assert after == pytest.approx(before * fade)
    assert rates[12] > 0.3 * rates[0]  # a year on it is still remembered
    # summed over the months, the wave weighs as much as in a trailing 12-month rate
    assert math.fsum(rates) == pytest.approx(12 * 0.1, rel=1e-9)


def test_steady_losses_are_priced_at_their_annual_rate():
    rates = _loss_rates([1.0] * 240, debt=100.0)
    assert rates[-1] == pytest.approx(12 * 1.0 / 100.0, rel=1e-6)


def test_each_rule_keeps_the_first_month_it_held_after_the_crash_is_called():
    """A drawdown calls the crash in month 2; credit losses reach their rule in month 4,
    which the record keeps apart from the crash's own month and trigger. The cascade depth
    and the off-balance path stay those of the crash month."""
    m = HotPotatoModel(seed=0, crash_drawdown=0.5, crash_credit_loss_share=0.1)
    crash = m.crash
    crash.ai_debt = lambda: 100.0
    index = [1.0, 1.2, 0.5, 0.6, 0.7, 0.8]  # a 58% drawdown from month 2
    losses = [0.0, 0.0, 0.0, 5.0, 12.0, 12.0]  # 10% of the debt from month 4
    depths = [0, 1, 2, 5, 7, 7]
    for tick, (level, booked, depth) in enumerate(zip(index, losses, depths, strict=True)):
        m.tick = tick
        m.market.ai_index = level
        m.market.ai_index_peak = max(m.market.ai_index_peak, level)
        m.trace.credit_losses = lambda total=booked: total
        if tick == 3:  # an SPV defaults after the crash
            m.defaulted.add(m.spvs[0].account)
        crash.observe(depth)
    summary = crash.summary()
    assert (summary["crash_month"], summary["trigger"]) == (2, "equity_drawdown")
    assert (summary["cascade_depth"], summary["obs_path"]) == (2, False)
    assert summary["equity_drawdown_month"] == 2
    assert summary["credit_losses_month"] == 4
    assert summary["bank_failure_month"] == -1


def _small(**knobs) -> HotPotatoModel:
    """One lab, one hyperscaler, one bank, one fund, at 2025-01."""
    return HotPotatoModel(
        seed=1, check_invariants=True, n_labs=1, n_hyperscalers=1, n_banks=1, n_funds=1, **knobs
    )


def _write_down_the_banks_loans(m: HotPotatoModel, ratio: float) -> None:
    """Write down the bank's first loan to the rest of the economy until its capital ratio
    is ``ratio``: with equity E and risk-weighted assets R (1 per $B of loans), a loss L
    leaves (E − L) / (R − L)."""
    bank = m.banks[0]
    book = m.ledger.active_ids(debtor=WORLD, creditor=bank.account)
    loss = (bank.equity - ratio * bank.risk_weighted_assets()) / (1.0 - ratio)
    m.ledger.reduce(book[:1], [loss])
    assert math.isclose(bank.capital_ratio(), ratio, rel_tol=1e-9)


@pytest.mark.parametrize("bailouts", [False, True])
def test_a_bank_that_fails_or_is_bailed_out_calls_a_crash_in_that_month(bailouts):
    """Month 4 passes quietly; in month 5 the bank falls to a 2% capital ratio (minimum
    4.5%). Without bailouts it defaults, with them the government recapitalises it: either
    way a bank failure calls the crash in month 5."""
    m = _small(bailouts=bailouts)
    bank = m.banks[0]
    m.tick = 4
    m.crash.observe(0)
    assert m.crash.summary()["bank_failure_month"] == -1
    assert not m.crash.summary()["crashed"]

    m.tick = 5
    _write_down_the_banks_loans(m, 0.02)
    failed = m.act_on_distress()
    if bailouts:
        assert failed == set() and m.bailouts_log == [(5, bank.name)]
        depth = 0
    else:
        assert failed == {bank.account}
        resolve(m, failed, 1)
        depth = 1
    m.crash.observe(depth)
    summary = m.crash.summary()
    assert "bank_failure" in summary["trigger"].split("+")
    assert summary["bank_failure_month"] == 5
    assert summary["crash_month"] == 5


def test_a_firm_that_is_not_a_bank_failing_is_no_bank_failure():
    """A hyperscaler left with no cash, claims or data centers defaults in month 3 on its
    bonds (43 $B): its bondholders lose them, but no bank failed."""
    m = _small()
    hs = m.hyperscalers[0]
    m.tick = 3
    ledger = m.ledger
    ledger.transfer(hs.account, WORLD, float(ledger.cash[hs.account]))
    held = ledger.active_ids(creditor=hs.account)
    ledger.reduce(held, ledger.column("principal")[held])
    ledger.close(held)
    m.assets.set("active", np.flatnonzero(m.assets["owner"] == hs.account), False)
    resolve(m, hs.account, 1)
    assert m.is_defaulted(hs) and math.isclose(m.trace.total(), 43.0, rel_tol=1e-9)
    m.crash.observe(1)
    assert m.crash.summary()["bank_failure_month"] == -1
    assert "bank_failure" not in m.crash.summary()["trigger"]


def test_credit_losses_are_measured_against_the_peak_of_ai_debt_not_what_is_left():
    """AI-related debt peaks at 100 $B in month 0 and is half repaid by month 1. Losses of
    6 $B are 12% of the 50 left but 6% of the peak: below the 10% rule. Losses of 10 $B in
    month 2 reach 10% of the peak and call the crash."""
    m = HotPotatoModel(seed=0, crash_drawdown=0.5, crash_credit_loss_share=0.1)
    crash = m.crash
    for tick, (debt, booked) in enumerate([(100.0, 0.0), (50.0, 6.0), (50.0, 10.0)]):
        m.tick = tick
        crash.ai_debt = lambda debt=debt: debt
        m.trace.credit_losses = lambda total=booked: total
        crash.observe(0)
        if tick == 1:
            assert crash.summary()["credit_losses_month"] == -1
            assert not crash.summary()["crashed"]
    summary = crash.summary()
    assert crash.ai_debt_peak == 100.0
    assert summary["credit_losses_month"] == 2
    assert (summary["crash_month"], summary["trigger"]) == (2, "credit_losses")
