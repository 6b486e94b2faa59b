"""The used-GPU market: a price index hit by fire sales that recovers slowly.

Price impact follows Cifuentes, Ferrucci & Shin (2005) and Caccioli et al. (2014):
selling ``q`` GW into a market of depth ``D`` GW multiplies the price by ``exp(-q / D)``.
Between fire sales the index recovers toward 1 at a fixed monthly rate. The index
multiplies the economic-life value of every GPU, so one seller's fire sale marks down
every GPU-backed loan (the fire-sale loop).
"""

from __future__ import annotations

import math

__all__ = ["fire_sale_impact", "recover"]


def fire_sale_impact(sold: float, depth: float) -> float:
    """Factor by which the price falls when ``sold`` units are dumped on a market of
    ``depth`` units (``exp(-sold / depth)``, in (0, 1])."""
    if sold < 0 or depth <= 0:
        raise ValueError(f"sold: {sold!r} must be >= 0 and depth: {depth!r} > 0")
    return math.exp(-sold / depth)


def recover(index: float, rate: float) -> float:
    """One month of recovery of the index toward 1 at ``rate`` per month."""
    return index + rate * (1.0 - index)
