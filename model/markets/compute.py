"""The compute rental market: spot rent per GW-month from powered supply vs demand.

    rent = rent0 * (v(t) / v0) * clip(demand_gw / supply_gw, 0.25, 4) ** 0.5

v(t) is the revenue one GW can serve (it falls with token prices), demand the GW labs
want under contract, supply the GW powered and within their economic life.
"""

from __future__ import annotations

__all__ = ["spot_rent"]


def spot_rent(rent0: float, value_ratio: float, demand_gw: float, supply_gw: float) -> float:
    """Spot rent of compute, $B per GW-month."""
    tightness = demand_gw / supply_gw if supply_gw > 0 else 4.0
    return rent0 * value_ratio * min(max(tightness, 0.25), 4.0) ** 0.5
