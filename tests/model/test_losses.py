"""The loss trace (``model.losses``): each dollar counted once, at the holder that ends
with it."""

from __future__ import annotations

import math

import pytest

from model.ledger import Sector
from model.losses import Channel, LossTrace

WORLD, PROVIDER, LAB, FUND, VENDOR, SPONSOR, SPV = range(7)
SECTORS = [
    Sector.WORLD,
    Sector.HYPERSCALER,
    Sector.LAB,
    Sector.FUND,
    Sector.CHIP_VENDOR,
    Sector.HYPERSCALER,
    Sector.SPV,
]


def loss(trace: LossTrace, debtor: int, holder: int, channel: Channel, amount: float) -> None:
    trace.book(
        tick=0,
        round_=1,
        debtor=debtor,
        holder=holder,
        channel=channel,
        off_balance=False,
        amount=amount,
    )


@pytest.mark.parametrize(
    ("owner", "issuer", "holder"),
    [
        (FUND, LAB, "lab_investors"),
        (VENDOR, LAB, "lab_investors"),
        (SPONSOR, SPV, "hyperscalers"),
    ],
)
@pytest.mark.parametrize("stakes", [3.0, 8.0])
def test_a_stake_written_off_takes_over_what_its_issuer_kept(owner, issuer, holder, stakes):
    # the issuer lost 5 on a claim on a failed provider, absorbed by its equity; then it
    # fails and its owner on the ledger loses a stake of ``stakes`` in it
    trace = LossTrace(SECTORS)
    loss(trace, PROVIDER, issuer, Channel.COMPUTE_CONTRACT, 5.0)
    loss(trace, issuer, owner, Channel.EQUITY, stakes)
    # the stake is the owner's share of the issuer's equity: the 5 the issuer absorbed
    # are counted once; what the stake does not cover stays with its outside shareholders
    assert math.isclose(trace.total(), max(5.0, stakes))
    kept = trace.rows["amount"][0] - trace.rows["passed_on"][0]
    assert math.isclose(kept, max(0.0, 5.0 - stakes))
    assert math.isclose(trace.by_holder()[holder], max(5.0, stakes))


def test_a_hole_and_then_the_stakes_pass_on_at_most_what_the_issuer_kept():
    trace = LossTrace(SECTORS)
    loss(trace, PROVIDER, LAB, Channel.COMPUTE_CONTRACT, 10.0)
    assert math.isclose(trace.pass_on(LAB, 4.0), 4.0)  # its hole, to its creditors
    loss(trace, LAB, FUND, Channel.EQUITY, 7.0)  # 6 kept: 6 taken over by the stake
    assert math.isclose(trace.rows["passed_on"][0], 10.0)
    assert math.isclose(trace.total(), 7.0)  # the creditors book the 4 as resolved
