"""Per-month indicators (tick step 10): the series of ``ticks.parquet``.

Besides market prices it records, each month, the DebtRank of every agent (Bardoscia et
al. 2015, on the exposure network of carried claims, ``model.clearing.debtrank_impact``),
reported and true leverage of every hyperscaler, the used-GPU price and stranded GW.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from model.clearing import _debtrank_impact_unchecked
from model.ledger import WORLD, Sector
from model.markets.equity import price_earnings

if TYPE_CHECKING:
    from model.hotpotato import HotPotatoModel

__all__ = ["Recorder"]

EARNINGS_SMOOTHING = 0.05
"""Weight of this month's earnings in the earnings the market values (EWMA)."""


class Recorder:
    """Collects one row per month and the valuation anchors of listed firms."""

    def __init__(self, m: HotPotatoModel) -> None:
        self.m = m
        self.rows: list[dict[str, float]] = []
        self.valuation_anchor: dict[int, tuple[float, float]] = {}
        self._earnings: dict[int, float] = {}
        self.caps0 = {m.chip_vendor.account: m.econ.vendor_shares_value}
        for h in m.hyperscalers:
            self.caps0[h.account] = h.profile.shares_value * h.portion
        self.index_base = sum(self.caps0.values())
        self._named_accounts: tuple[int, tuple[str, ...], np.ndarray] = (0, (), np.zeros(0, int))

    def anchor(self, firm) -> tuple[float, float]:
        """(initial earnings, multiple scale) of a listed firm, fixed at its first pricing
        so that its value then equals its 2025-01 market cap (CALIBRATION.md)."""
        if firm.account not in self.valuation_anchor:
            cap = self.caps0[firm.account]
            e0 = max(firm.annual_earnings(), cap / 200.0)  # a P/E above 200 is not credible
            g0 = self.m.econ.demand_growth
            self.valuation_anchor[firm.account] = (e0, cap / (e0 * price_earnings(g0)))
            self._earnings[firm.account] = e0
        return self.valuation_anchor[firm.account]

    def advance_earnings(self, firm) -> float:
        """Move the earnings run-rate the market values one month on and return it, $B/year
        (EWMA of the monthly run-rate; call once a month per firm)."""
        e = firm.annual_earnings()
        prev = self._earnings[firm.account]
        now = (1 - EARNINGS_SMOOTHING) * prev + EARNINGS_SMOOTHING * e
        self._earnings[firm.account] = now
        return now

    def debtrank(self, equity: np.ndarray) -> np.ndarray:
        """DebtRank of every account this month (0 for World and defaulted agents), from
        the ``equity`` of every account (``m.equity()``, $B)."""
        m = self.m
        ledger = m.ledger
        n = ledger.n_accounts
        # the carried claims of the active contracts summed by (creditor, debtor) in the
        # order of the book; those that carry nothing add zeros, which change no sum
        ids = ledger.active_ids()
        cell = ledger.column("creditor")[ids].astype(np.int64) * n + ledger.column("debtor")[ids]
        amount = ledger.carried()[ids]
        exposures = np.bincount(cell, weights=amount, minlength=n * n).reshape(n, n)
        capital = np.maximum(equity, 0.0)
        dead = np.array(sorted(m.defaulted | {WORLD}), dtype=np.int64)
        exposures[dead, :] = 0.0
        exposures[:, dead] = 0.0
        capital[dead] = 0.0
        return _debtrank_impact_unchecked(exposures, capital)  # finite, non-negative

    def _debtrank_columns(self) -> tuple[tuple[str, ...], np.ndarray]:
        """Series names and accounts of the DebtRank series: every agent but the SPVs, in
        the model's order of agents. Agents are only ever added (none leaves the model), so
        they are listed again only when their number changes."""
        m = self.m
        count = len(m.agents)
        if self._named_accounts[0] != count:
            named = [a for a in m.agents if m.sector_of(a.account) != Sector.SPV]
            names = tuple(f"debtrank:{a.name}" for a in named)
            self._named_accounts = (count, names, np.array([a.account for a in named], int))
        return self._named_accounts[1], self._named_accounts[2]

    def collect(self, depth: int) -> None:
        m = self.m
        mk = m.market
        hs = m.hyperscalers
        equities = m.equity()
        reported = true = equity = 0.0
        row: dict[str, float] = {}
        for h in hs:
            if m.is_defaulted(h):
                continue
            r, t = h.reported_and_true_debt()
            e = max(float(equities[h.account]), 1e-9)
            reported, true, equity = reported + r, true + t, equity + e
            row[f"leverage_reported:{h.name}"] = r / (r + e)
            row[f"leverage_true:{h.name}"] = t / (t + e)
        dr = self.debtrank(equities)
        names, accounts = self._debtrank_columns()
        row.update(zip(names, dr[accounts].tolist(), strict=True))
        a = m.assets
        spv_debt = sum(m.spv_debt_of(h.account) for h in [*m.hyperscalers, *m.labs])
        banks = [b.capital_ratio() for b in m.banks if not m.is_defaulted(b)]
        base = {
            "tick": m.tick,
            "ai_index": mk.ai_index,
            "ai_index_drawdown": mk.drawdown,
            "sentiment": mk.sentiment,
            "industry_revenue": mk.industry_revenue,
            "realised_revenue": 12.0 * mk.realised_revenue,
            "expected_growth": mk.expected_growth,
            "spread_ig": mk.spread_ig,
            "spread_hy": mk.spread_hy,
            "defaults": float(len(m.default_log)),
            "credit_losses": m.crash.credit_losses(),
            "losses_total": m.trace.total(),
            "compute_rent": mk.compute_rent,
            "used_gpu_price": mk.used_gpu_index,
            "power_price": mk.power_price,
            "stranded_gw": m.grid.stranded_gw(),
            "powered_gw": float(a["gw"][a["active"] & a["powered"]].sum()),
            "built_gw": float(a["gw"][a["active"] & (a["completed"] <= m.tick)].sum()),
            "chip_sales": 12.0 * m.chip_vendor.sales,
            "vendor_stakes": m.chip_vendor.stakes_in_labs(),
            "leverage_reported": reported / (reported + equity) if equity else 0.0,
            "leverage_true": true / (true + equity) if equity else 0.0,
            "spv_debt": spv_debt,
            "ai_debt": m.crash.ai_debt(),
            "bank_capital_ratio_min": min(banks) if banks else 0.0,
            "taxpayer_cost": m.government.taxpayer_cost,
            "debtrank_max": float(dr.max()) if dr.size else 0.0,
            "debtrank_total": float(dr.sum()),
            "cascade_depth": float(depth),
        }
        base.update(row)
        self.rows.append(base)

    def series(self) -> dict[str, np.ndarray]:
        """Per-month columns: ``tick``, ``month`` ('YYYY-MM'), then every series."""
        m = self.m
        keys: dict[str, None] = {}  # every series, in order of first appearance
        for r in self.rows:
            keys.update(dict.fromkeys(r))
        out: dict[str, np.ndarray] = {
            "tick": np.array([r["tick"] for r in self.rows], dtype=np.int32),
            "month": np.array([m.calendar_month(int(r["tick"])) for r in self.rows]),
        }
        for k in keys:
            if k != "tick":
                out[k] = np.array([r.get(k, np.nan) for r in self.rows], dtype=np.float64)
        return out

    def loss_table(self) -> dict[str, np.ndarray]:
        """The hot-potato trace with agent names and channel labels."""
        from model.losses import Channel

        m = self.m
        r = m.trace.rows
        names = m.ledger.names
        return {
            "tick": np.array(r["tick"], dtype=np.int32),
            "month": np.array([m.calendar_month(t) for t in r["tick"]], dtype=object),
            "round": np.array(r["round"], dtype=np.int32),
            "from": np.array([names[i] for i in r["from"]], dtype=object),
            "to": np.array([names[i] for i in r["to"]], dtype=object),
            "holder": np.array(r["holder"], dtype=object),
            "channel": np.array([Channel(c).label for c in r["channel"]], dtype=object),
            "off_balance": np.array(r["off_balance"], dtype=bool),
            "amount": np.array(r["amount"], dtype=np.float64),
            "passed_on": np.array(r["passed_on"], dtype=np.float64),
        }
