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
