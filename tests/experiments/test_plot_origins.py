"""The shares behind the crash-origins figure: which crash rule fired, who defaulted first."""

from __future__ import annotations

import pandas as pd
import pytest

from experiments.plots.origins import _fold_rest, origin_shares, trigger_label


def test_shares_are_each_groups_runs_by_value_most_frequent_first_and_none_last():
    triggers = ["credit_losses", "", "equity_drawdown", "credit_losses", "", "bank_failure"]
    runs = pd.DataFrame({"group": ["a", "a", "a", "a", "b", "b"], "trigger": triggers})
    shares = origin_shares(runs, "trigger", ["b", "a", "c"])
    assert list(shares.index) == ["b", "a", "c"]
    assert list(shares.columns) == ["credit_losses", "bank_failure", "equity_drawdown", ""]
    assert shares.loc["a"].tolist() == [0.5, 0.0, 0.25, 0.25]
    assert shares.loc["b"].tolist() == [0.0, 0.5, 0.0, 0.5]
    assert shares.loc["c"].isna().all()  # a group without completed runs has no shares


@pytest.mark.parametrize("named, folded", [(7, False), (8, True)])
def test_first_defaulters_beyond_the_most_named_are_drawn_together(named, folded):
    shares = pd.DataFrame(
        [[0.1] * named + [1.0 - 0.1 * named]], columns=[f"firm {k}" for k in range(named)] + [""]
    )
    out = _fold_rest(shares, keep=6)
    if not folded:
        assert out.equals(shares)
        return
    assert list(out.columns) == [f"firm {k}" for k in range(6)] + ["other", ""]
    assert out["other"].iloc[0] == pytest.approx(0.1 * (named - 6))
    assert out.sum(axis=1).iloc[0] == pytest.approx(1.0)


def test_crash_rules_are_named_in_words():
    assert trigger_label("equity_drawdown+credit_losses") == "AI index drawdown + credit losses"
    assert trigger_label("bank_failure") == "Bank failure"
    assert trigger_label("") == "No crash"
