"""Face validity over many seeds: each expectation follows from decisions and balance
sheets, none is coded as a rule. Slow (whole runs over seeds); CI runs them all."""

from __future__ import annotations

import numpy as np
import pytest

from model import HotPotatoModel
from model.ledger import ContractKind
from model.run import simulate

pytestmark = pytest.mark.slow
SEEDS = range(6)


def crashes(months: int, **knobs) -> list[bool]:
    return [simulate({"horizon_months": months, **knobs}, s).summary["crashed"] for s in SEEDS]


def test_a_tiny_payoff_crashes_more_often_than_a_huge_one():
    tiny = np.mean(crashes(48, ai_payoff=100.0))
    huge = np.mean(crashes(48, ai_payoff=5000.0))
    assert tiny > huge
    assert tiny >= 0.8


def test_building_with_equity_only_leaves_no_credit_losses():
    equity_only = [simulate({"equity_financed": True}, s).summary for s in SEEDS]
    levered = [simulate({}, s).summary for s in SEEDS]
    assert all(r["credit_losses"] == 0.0 for r in equity_only)
    assert any(r["credit_losses"] > 0.0 for r in levered)


def test_a_stalled_grid_strands_data_centers():
    def stranded(growth):
        return np.mean(
            [
                simulate({"horizon_months": 36, "grid_growth_gw_per_month": growth}, s)
                .ticks["stranded_gw"]
                .max()
                for s in SEEDS
            ]
        )

    assert stranded(0.0) > stranded(3.0) + 1.0


def test_without_vendor_financing_the_largest_lab_raises_more_from_others_or_contracts_less():
    def lab_state(vendor_financing):
        raised_from_others, contracted = [], []
        for s in SEEDS:
            m = HotPotatoModel(seed=s, horizon_months=36, vendor_financing=vendor_financing)
            while m.running:
                m.step()
            lab = m.labs[0]
            ids = m.ledger.active_ids()
            equity = ids[
                (m.ledger.column("debtor")[ids] == lab.account)
                & (m.ledger.column("kind")[ids] == ContractKind.EQUITY)
            ]
            holders = m.ledger.column("creditor")[equity]
            amounts = m.ledger.column("principal")[equity]
            raised_from_others.append(float(amounts[holders != m.chip_vendor.account].sum()))
            contracted.append(m.contracted_gw(lab.account, m.tick))
        return np.mean(raised_from_others), np.mean(contracted)

    others_on, gw_on = lab_state(True)
    others_off, gw_off = lab_state(False)
    assert others_off > others_on or gw_off < gw_on
