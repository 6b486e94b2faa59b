"""Equity prices and the cap-weighted AI equity index.

Each listed firm (the chip vendor and the hyperscalers) is worth its expected annual
earnings times a multiple that rises with expected growth, times sentiment:

    value = max(E, 0.05 E0) * PE(g) * s,    PE(g) = 15 + 60 * min(max(12 g, 0), 1)

The multiple is calibrated per firm at 2025-01 (``scale`` = cap0 / (E0 PE(g0)), g0 the
calibrated demand growth) so that at that growth and neutral sentiment (s = 1) the firm is
worth its market cap of CALIBRATION.md; the index therefore starts near 1, at the first
month's sentiment and expected growth. The AI index is the sum of caps over the sum at
2025-01. Defaulted firms are worth zero.
"""

from __future__ import annotations

__all__ = ["price_earnings", "firm_value"]


def price_earnings(expected_growth: float) -> float:
    """Price/earnings multiple for expected monthly growth ``expected_growth``."""
    annual = min(max(12.0 * expected_growth, 0.0), 1.0)
    return 15.0 + 60.0 * annual


def firm_value(
    earnings: float, initial_earnings: float, expected_growth: float, sentiment: float, scale: float
) -> float:
    """Market value of a firm with annual ``earnings`` ($B/year), $B."""
    floor = 0.05 * max(initial_earnings, 1e-9)
    return max(earnings, floor) * price_earnings(expected_growth) * sentiment * scale
