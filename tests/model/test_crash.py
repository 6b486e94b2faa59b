"""The crash detector's memory of credit losses, which the credit market prices."""

from __future__ import annotations

import math

import pytest

from model.crash import LOSS_MEMORY_MONTHS
from model.hotpotato import HotPotatoModel


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
