"""Credit spreads by rating, rising with realised defaults and falling sentiment.

    spread_IG = s_IG0 + 0.5 * default_rate + 0.01 * max(0, 1 - sentiment)
    spread_HY = s_HY0 + 2.0 * default_rate + 0.04 * max(0, 1 - sentiment)

``default_rate`` is the annual rate of credit losses on AI-related debt the market still
prices: an exponentially weighted average of monthly credit losses whose weight fades by
1/12 a month (``model.crash.CrashDetector.default_rate``).
Ratings AA and A pay the IG spread (A a little more), BBB half-way, BB and B the HY
spread. New debt is priced at the current spread of its issuer's rating; an SPV's debt
is priced on its sponsor's rating plus a premium, although its true risk is its
tenant's. A hyperscaler's rating follows its *reported* leverage (``leverage_rating``),
so debt moved into SPVs keeps its rating, and its cost of debt, higher than its true
leverage would. Bonds are marked to market with a duration approximation:
``price = 1 - duration * (spread_now - spread_at_issue)``.
"""

from __future__ import annotations

__all__ = [
    "spreads",
    "rating_spread",
    "leverage_rating",
    "is_investment_grade",
    "BOND_DURATION",
    "BOND_PRICE_FLOOR",
    "RATINGS",
]

RATINGS = ("AA", "A", "BBB", "BB", "B")
"""From best to worst."""
RATING_LEVERAGE = (1.0, 2.5, 5.0, 7.0)
"""Upper bounds of reported debt / annual operating cash flow for AA, A, BBB and BB."""

BOND_DURATION = 7.0
"""Modified duration of a new 10-year bond, years."""
BOND_PRICE_FLOOR = 0.05
"""Lowest price a bond is marked at, per unit of face (what is left of a deeply distressed
issuer's bonds)."""
TIE = 1e-9
"""Leverage within this of a rating bound counts as at the bound."""


def spreads(
    base_ig: float, base_hy: float, default_rate: float, sentiment: float
) -> tuple[float, float]:
    """Investment-grade and high-yield spreads (annual decimals)."""
    gloom = max(0.0, 1.0 - sentiment)
    return (
        base_ig + 0.5 * default_rate + 0.01 * gloom,
        base_hy + 2.0 * default_rate + 0.04 * gloom,
    )


def leverage_rating(debt_to_cash_flow: float, floor: str = "AA") -> str:
    """Rating implied by reported leverage (debt over annual operating cash flow), never
    better than ``floor`` (the firm's rating for reasons the model does not represent)."""
    implied = len(RATING_LEVERAGE)
    for i, bound in enumerate(RATING_LEVERAGE):
        # a firm that borrowed up to a bound is at it, whatever the rounding: the worse grade
        if debt_to_cash_flow < bound - TIE:
            implied = i
            break
    return RATINGS[max(implied, RATINGS.index(floor))]


def rating_spread(rating: str, ig: float, hy: float) -> float:
    """Spread paid by an issuer of ``rating``."""
    return {"AA": ig, "A": ig * 1.3, "BBB": 0.5 * (ig + hy), "BB": hy * 0.8, "B": hy}[rating]


def is_investment_grade(rating: str) -> bool:
    """Whether ``rating`` is investment grade (BBB or better)."""
    return RATINGS.index(rating) <= RATINGS.index("BBB")
