"""The numbers behind the loss figures, from a stored result with a loss passed on: what a
holder keeps is ``amount − passed_on``, as in runs.parquet's losses by holder."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from experiments.plots.data import HOLDER_COLUMNS, Results
from experiments.plots.losses import cascade_flows, potato_table, round_table
from experiments.plots.style import CHANNEL_COLORS, agent_type, channel_color

# Run 0: lab_0 defaults; bank_0 loses 10 on its loan and fund_0 4 on its bond. bank_0 then
# fails with equity -6: it passes 6 of its 10 on to its depositor, fund_1, who books 6 +
# what bank_0's own shortfall adds (here 1). SPV_3 defaults on fund_0's lease (off balance
# sheet). Run 1: no losses.
LOSSES = pd.DataFrame(
    {
        "run_index": [0, 0, 0, 0],
        "seed": [11, 11, 11, 11],
        "tick": [3, 3, 4, 5],
        "month": ["2025-04", "2025-04", "2025-05", "2025-06"],
        "round": [1, 1, 2, 1],
        "from": ["lab_0", "lab_0", "bank_0", "SPV_3"],
        "to": ["bank_0", "fund_0", "fund_1", "fund_0"],
        "holder": ["banks", "funds", "funds", "funds"],
        "channel": ["loan", "bond", "loan", "spv lease"],
        "off_balance": [False, False, False, True],
        "amount": [10.0, 4.0, 7.0, 2.0],
        "passed_on": [6.0, 0.0, 0.0, 0.0],
    }
)
KEPT = {"banks": 4.0, "funds": 4.0 + 7.0 + 2.0}  # over both runs


@pytest.fixture
def stored(tmp_path: Path) -> Results:
    config = {
        "experiment": "toy",
        "version": 1,
        "grid": {},
        "arms": [],
        "seeds": 2,
        "set": {},
        "figures": [],
        "points": [{"point": 0, "arm": None, "values": {}, "params": {}}],
    }
    (tmp_path / "manifest.json").write_text(json.dumps({"config": config}))
    runs = pd.DataFrame({"run_index": [0, 1], "seed": [11, 12], "crashed": [True, False]})
    for column in HOLDER_COLUMNS:
        holder = column.removeprefix("loss_")
        runs[column] = [KEPT.get(holder, 0.0), 0.0]
    runs["loss_total"] = runs[HOLDER_COLUMNS].sum(axis=1)
    runs["error"] = ""
    runs.to_parquet(tmp_path / "runs.parquet")
    LOSSES.to_parquet(tmp_path / "losses.parquet")
    return Results(tmp_path)


def _by_holder(results: Results) -> pd.Series:
    means = results.runs[results.holder_columns].mean()
    means.index = [c.removeprefix("loss_") for c in means.index]
    return means[means > 0]


def test_potato_flow_shows_what_each_holder_keeps(stored: Results):
    n = len(stored.runs)
    on, off = potato_table(stored.losses, n, False), potato_table(stored.losses, n, True)
    shown = on.sum(axis=1).add(off.sum(axis=1), fill_value=0.0)
    pd.testing.assert_series_equal(
        shown.sort_index(), _by_holder(stored).sort_index(), check_names=False
    )
    assert on.loc["banks", "loan"] == pytest.approx((10.0 - 6.0) / 2)
    assert off.loc["funds", "spv lease"] == pytest.approx(2.0 / 2)


def test_cascade_map_counts_each_dollar_once(stored: Results):
    n = len(stored.runs)
    rounds = round_table(stored.losses, n).sum()
    pd.testing.assert_series_equal(
        rounds.sort_index(), _by_holder(stored).sort_index(), check_names=False
    )
    flows = cascade_flows(stored.losses, n, min_share=0.0)
    assert flows.sum() == pytest.approx(stored.runs["loss_total"].mean())
    # the bank keeps 4 of the 10 the lab's default cost it; the other 6 flow on to fund_1
    assert flows[("lab", "bank")] == pytest.approx(4.0 / 2)
    assert flows[("bank", "fund")] == pytest.approx(7.0 / 2)


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("Bank 3", "Bank"),
        ("lab_2", "lab"),
        ("Meta-like 2", "Meta-like"),  # a copy of a repeated profile
        ("SPV Meta-like 2026", "SPV Meta-like"),
        ("SPV Meta-like 2 2026", "SPV Meta-like"),  # an SPV of that copy: the same group
        ("Chip vendor", "Chip vendor"),
    ],
)
def test_the_cascade_map_groups_agents_by_name_without_their_numbers(name, kind):
    assert agent_type(name) == kind


def test_each_channel_has_one_colour_in_every_figure():
    assert len(set(CHANNEL_COLORS.values())) == len(CHANNEL_COLORS)
    assert channel_color("loan") == CHANNEL_COLORS["loan"]
    assert channel_color("a channel yet to come") not in CHANNEL_COLORS.values()


def test_loss_intervals_stop_at_zero_with_two_seeds(stored: Results):
    from matplotlib.collections import LineCollection

    from experiments.plots.losses import losses_by_holder

    ((_, fig),) = losses_by_holder(stored)  # a loss of 4 and of 0: the t interval is ±25
    ax = fig.axes[0]
    bars = [s for c in ax.collections if isinstance(c, LineCollection) for s in c.get_segments()]
    assert bars and min(segment[:, 1].min() for segment in bars) == 0.0
    assert "cut at zero" in fig.get_supxlabel()
