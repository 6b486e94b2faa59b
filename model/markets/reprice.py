"""Tick step 8: markets reprice, in this order: expectations from this month's revenue,
sentiment, equity values and the AI index, credit spreads, compute rent, used GPUs,
power. Equations are in the modules named in each line."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from model.markets import compute, credit, equity, expectations, gpu, power

if TYPE_CHECKING:
    from model.hotpotato import HotPotatoModel

__all__ = ["reprice"]


def reprice(m: HotPotatoModel) -> None:
    mk = m.market
    econ = m.econ
    # expectations (expectations.py): growth of AI demand seen (revenue booked or turned
    # away for lack of compute), month on month
    history = mk.revenue_history
    observed = (
        math.log(mk.demand_seen / history[-1])
        if history and history[-1] > 0 and mk.demand_seen > 0
        else 0.0
    )
    surprise = observed - mk.expected_growth if history else 0.0
    history.append(mk.demand_seen)
    if len(history) > 1:  # the first month has no growth to observe
        mk.expected_growth = expectations.update_expected_growth(
            mk.expected_growth, observed, m.params.expectation_weight
        )
    # sentiment (expectations.py)
    idx = mk.index_history
    r3 = idx[-1] / idx[-4] - 1.0 if len(idx) >= 4 and idx[-4] > 0 else 0.0
    mk.sentiment = expectations.update_sentiment(
        mk.sentiment,
        index_return_3m=r3,
        surprise=surprise,
        defaults=m.failures_in(m.tick - 1),
        fire_sale_gw=mk.last_fire_sale_gw,
        momentum=m.params.sentiment_momentum,
        rng=m.rng,
    )
    # equity (equity.py): listed firms and the cap-weighted AI index
    values = reprice_listed_firms(m)
    mk.ai_index = sum(values.values()) / m.recorder.index_base
    mk.ai_index_peak = max(mk.ai_index_peak, mk.ai_index)
    idx.append(mk.ai_index)
    # credit (credit.py)
    mk.default_rate = m.crash.default_rate()
    mk.spread_ig, mk.spread_hy = credit.spreads(
        econ.spread_ig, econ.spread_hy, mk.default_rate, mk.sentiment
    )
    # compute rent (compute.py)
    wanted = sum(m.contracted_gw(lab.account, m.tick) for lab in m.labs if not m.is_defaulted(lab))
    supply = sum(m.earning_gw(h.account) for h in m.compute_providers())
    mk.compute_rent = compute.spot_rent(
        econ.compute_rent, mk.revenue_per_gw / econ.revenue_per_gw, wanted, supply
    )
    # used GPUs (gpu.py): recovery toward fair value; fire sales hit it in settlement
    mk.used_gpu_index = gpu.recover(mk.used_gpu_index, econ.fire_sale_recovery)
    # power (power.py)
    mk.power_price = power.power_price(econ.power_price, m.grid.stranded_gw(), m.grid.capacity_gw())


def reprice_listed_firms(m: HotPotatoModel) -> dict[int, float]:
    """Market value of each listed firm (chip vendor, hyperscalers) this month by account,
    $B; 0 if defaulted. Moves their smoothed earnings on a month: call once a month."""
    rec = m.recorder
    g = m.expected_growth_used()
    s = m.market.sentiment
    out = {}
    for firm in [m.chip_vendor, *m.hyperscalers]:
        if m.is_defaulted(firm):
            out[firm.account] = 0.0
            continue
        e0, scale = rec.anchor(firm)
        out[firm.account] = equity.firm_value(rec.advance_earnings(firm), e0, g, s, scale)
    return out
