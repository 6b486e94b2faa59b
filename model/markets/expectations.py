"""Expectations and sentiment.

Expected monthly growth of AI revenue is adaptive (extrapolative), damped toward zero
(the long-run fundamental) and lifted by sentiment:

    g_e(t) = (1 - w) g_e(t-1) + w g_obs(t) - d g_e(t-1)
    g_used = g_e * sentiment

Sentiment follows momentum in the AI equity index, reverts to 1, and falls with
revenue surprises below expectation, defaults, and forced sales:

    s(t) = s + a * clip(r_3m, ±0.3) - b (s - 1) + c * surprise - k_d * defaults - k_f * fire_sale_gw
           + noise,    clipped to [0.2, 2.5]
"""

from __future__ import annotations

import numpy as np

__all__ = ["update_expected_growth", "update_sentiment", "DAMPING"]

DAMPING = 0.01
"""Monthly pull of expected growth toward zero."""
REVERSION = 0.1
SURPRISE = 0.5
DEFAULT_HIT = 0.05
FIRE_SALE_HIT = 0.01
NOISE = 0.02


def update_expected_growth(expected: float, observed: float, weight: float) -> float:
    """New expected monthly growth after observing ``observed`` growth this month."""
    return (1.0 - weight) * expected + weight * observed - DAMPING * expected


def update_sentiment(
    sentiment: float,
    *,
    index_return_3m: float,
    surprise: float,
    defaults: int,
    fire_sale_gw: float,
    momentum: float,
    rng: np.random.Generator,
) -> float:
    """Next month's sentiment (around 1)."""
    s = (
        sentiment
        + momentum * max(-0.3, min(0.3, index_return_3m))
        - REVERSION * (sentiment - 1.0)
        + SURPRISE * surprise
        - DEFAULT_HIT * defaults
        - FIRE_SALE_HIT * fire_sale_gw
        + NOISE * rng.standard_normal()
    )
    return float(min(max(s, 0.2), 2.5))
