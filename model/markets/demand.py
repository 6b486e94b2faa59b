"""AI demand: a logistic curve for industry revenue whose ceiling is ``ai_payoff``.

    R(t) = K / (1 + (K / R0 - 1) exp(-g t))          [$B/year]

R0 is the 2025 run-rate, g the early growth per month and K = ``ai_payoff``. Early on
every ceiling looks alike (R grows at g); the ceiling shows only as growth slows. Each
lab and hyperscaler earns its share of R with log-normal noise, but no more than its
compute can serve: one GW of serving compute earns ``revenue_per_gw(t)`` a month, which
falls as token prices fall.
"""

from __future__ import annotations

import math

__all__ = ["industry_revenue", "revenue_per_gw"]


def industry_revenue(tick: int, ceiling: float, start: float, growth: float) -> float:
    """Industry AI revenue potential in month ``tick``, $B/year."""
    if ceiling <= start:
        return ceiling
    return ceiling / (1.0 + (ceiling / start - 1.0) * math.exp(-growth * tick))


def revenue_per_gw(tick: float, start: float, decline: float) -> float:
    """Monthly revenue one GW of serving compute can earn in month ``tick``, $B/month."""
    return start * (1.0 - decline) ** tick
