"""Power: the price data centers pay rises with the share of load left waiting in the queue.

    price = p0 * (1 + 0.5 * queued_gw / max(connected_gw, 1))      [$/MWh]

A GW of IT load running a month uses ``HOURS_PER_MONTH`` GWh, so its bill is
``price * HOURS_PER_MONTH / 1e6`` $B (price in $/MWh, 1 GWh = 1,000 MWh).
"""

from __future__ import annotations

__all__ = ["power_price", "monthly_bill", "HOURS_PER_MONTH"]

HOURS_PER_MONTH = 730.0


def power_price(base: float, queued_gw: float, connected_gw: float) -> float:
    """Power price for data centers, $/MWh."""
    return base * (1.0 + 0.5 * queued_gw / max(connected_gw, 1.0))


def monthly_bill(gw: float, price: float) -> float:
    """Power bill of ``gw`` GW of IT load for one month at ``price`` $/MWh, $B."""
    return gw * HOURS_PER_MONTH * 1_000.0 * price / 1e9
