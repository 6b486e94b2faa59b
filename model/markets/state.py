"""The prices and indicators that all agents see, updated once a month (tick step 8)."""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["MarketState"]


@dataclass
class MarketState:
    """Market-wide state. Money in $B, rates as annual decimals, time in months."""

    industry_revenue: float
    """Industry AI revenue potential this month, $B/year (the logistic demand curve)."""
    realised_revenue: float = 0.0
    """AI revenue actually booked by labs and hyperscalers this month, $B/month."""
    demand_seen: float = 0.0
    """AI revenue customers asked for this month (booked or turned away), $B/month."""
    expected_growth: float = 0.0
    """Expected monthly growth of AI revenue (extrapolated, damped, lifted by sentiment)."""
    sentiment: float = 1.0
    """Market mood around 1 (0.2 despair .. 2.5 euphoria); multiplies valuations."""
    revenue_per_gw: float = 1.0
    """AI revenue one GW of compute can serve, $B/month; falls as token prices fall."""
    compute_rent: float = 1.0
    """Spot rent of compute, $B per GW-month."""
    used_gpu_index: float = 1.0
    """Price of used GPUs relative to their economic-life value (1 = fair)."""
    fire_sale_gw: float = 0.0
    """GW of GPUs sold in fire sales this month."""
    last_fire_sale_gw: float = 0.0
    """GW of GPUs sold in fire sales last month (what sentiment reacts to when it is
    updated, before this month's settlement)."""
    power_price: float = 60.0
    """Wholesale power price for data centers, $/MWh."""
    risk_free: float = 0.045
    spread_ig: float = 0.0078
    spread_hy: float = 0.029
    default_rate: float = 0.0
    """Annual rate of credit losses on AI-related debt the credit market prices, with a
    fading memory (``model.crash.CrashDetector.default_rate``)."""
    ai_index: float = 1.0
    ai_index_peak: float = 1.0
    index_history: list[float] = field(default_factory=list)
    revenue_history: list[float] = field(default_factory=list)

    @property
    def drawdown(self) -> float:
        """Fall of the AI equity index from its running peak, 0-1."""
        return 1.0 - self.ai_index / self.ai_index_peak if self.ai_index_peak > 0 else 0.0
