"""The hot-potato trace: one row per loss booked, and losses by holder.

A loss is booked when a claim is written down because its debtor defaulted (credit
channels), when a holder sells an asset below its carrying value (fire sale), when the
government pays for someone else's failure (guarantee, bailout, deposit insurance), or
when a sponsor pays an SPV's shortfall under its residual-value guarantee (residual
value).
A defaulted firm books no loss on itself: its shortfall is booked to those who held
claims on it. Losses it had booked before it failed are partly passed on: the part that
exceeded its equity (its negative equity at default) reaches its own creditors and is
booked by them, so that part of its rows is marked ``passed_on``. What its equity
absorbed is its owners' loss: owners whose stakes in it are on the ledger book their
stakes written off, so as much of its rows is passed on to them; what is left is its
outside shareholders' (the equity beyond the stakes on the ledger). Losses by holder
and the total count ``amount - passed_on``: every dollar once, at the holder that ends
with it.

Holders (the ``loss_*`` columns of ``runs.parquet``):
``lab_investors`` – whoever holds equity in an AI lab (venture investors, funds, the chip
vendor and hyperscalers alike: they invested in labs); then, for every other loss, the
sector of the holder: ``banks``, ``funds``, ``hyperscalers`` (SPV sponsors included),
``chip_vendor``, ``government``. Losses on the debt of an SPV are booked with channel
``SPV_LEASE``, on stakes in one with channel ``EQUITY``; both are flagged off balance sheet:
they are the off-balance-sheet path.
"""

from __future__ import annotations

import math
from enum import IntEnum

import numpy as np

from model.ledger import Sector

__all__ = ["Channel", "HOLDERS", "LossTrace"]

HOLDERS = ("banks", "funds", "hyperscalers", "chip_vendor", "lab_investors", "government")


class Channel(IntEnum):
    """How a loss reached its holder."""

    LOAN = 0
    BOND = 1
    SPV_LEASE = 2
    GUARANTEE = 3
    EQUITY = 4
    FIRE_SALE = 5
    VENDOR_FINANCING = 6
    COMPUTE_CONTRACT = 7
    NAV_LOAN = 8
    BAILOUT = 9
    DEPOSIT_INSURANCE = 10
    PAYABLE = 11
    RESIDUAL_VALUE = 12
    """A sponsor's residual-value guarantee paid when it walks away from an SPV's lease:
    the SPV's shortfall comes back on the sponsor's books without anyone defaulting."""

    @property
    def label(self) -> str:
        return self.name.lower().replace("_", " ")


CREDIT_CHANNELS = frozenset(
    {
        Channel.LOAN,
        Channel.BOND,
        Channel.SPV_LEASE,
        Channel.VENDOR_FINANCING,
        Channel.NAV_LOAN,
        Channel.GUARANTEE,
        Channel.DEPOSIT_INSURANCE,
    }
)
"""Channels that count as credit losses for the crash rule: losses on debt (not on
equity, fire sales, bills or bailouts), as its denominator is AI-related debt."""

STAKE_CHANNELS = frozenset({Channel.EQUITY, Channel.BAILOUT})
"""Channels of a stake written off (a bailout is the government's stake in a bank): the
loss of an owner on the ledger, which takes over the losses its issuer's equity absorbed."""

_SECTOR_HOLDER = {
    Sector.BANK: "banks",
    Sector.FUND: "funds",
    Sector.HYPERSCALER: "hyperscalers",
    Sector.SPV: "hyperscalers",
    Sector.CHIP_VENDOR: "chip_vendor",
    Sector.GOVERNMENT: "government",
    Sector.WORLD: "funds",
    Sector.LAB: "lab_investors",
}
"""Holder category by sector. A lab's own losses (compute credits a failed provider
never paid) fall on its investors. The rest of the economy's claims (bonds bought in fire
sales, unpaid bills of suppliers and power generators) are held by households, directly
or through funds and markets, so ``World`` losses count with "funds (and the households
behind them)"."""


class LossTrace:
    """Append-only list of losses; columns grow as Python lists, converted on demand.
    Rows change only through ``book`` and ``pass_on`` (the sums over them are reused
    until then)."""

    def __init__(self, sectors: list[Sector]) -> None:
        self._sectors = sectors
        self.rows: dict[str, list] = {
            k: []
            for k in (
                "tick",
                "round",
                "from",
                "to",
                "holder",
                "channel",
                "off_balance",
                "amount",
                "passed_on",
            )
        }
        self._rows_to: dict[int, list[int]] = {}
        """Row numbers by the account that booked them (``to``)."""
        self._version = 0
        """Incremented by every change of the rows, so sums over them can be reused."""
        self._sums: dict[str, tuple[int, float]] = {}

    def book(
        self,
        *,
        tick: int,
        round_: int,
        debtor: int,
        holder: int,
        channel: Channel,
        off_balance: bool,
        amount: float,
    ) -> None:
        """Record that ``holder`` lost ``amount`` $B on its claim on ``debtor``.

        A stake written off (``STAKE_CHANNELS``) is the owner's share of what the
        debtor's equity absorbed: as much of the losses the debtor booked and kept is
        passed on to the owner (``pass_on``), so each dollar is counted once, at the owner.
        The losses the stakes on the ledger do not take over stay with the debtor: its
        outside shareholders' (for a lab, its investors'), whose stakes are not booked."""
        if not math.isfinite(amount) or amount < 0:
            raise ValueError(f"amount: loss {amount!r} must be finite and >= 0")
        if amount == 0:
            return
        sector = self._sectors[holder]
        if channel == Channel.EQUITY and self._sectors[debtor] == Sector.LAB:
            category = "lab_investors"
        elif sector in _SECTOR_HOLDER:
            category = _SECTOR_HOLDER[sector]
        else:
            raise ValueError(f"holder: account {holder} of sector {sector.name} holds no claims")
        r = self.rows
        r["tick"].append(tick)
        r["round"].append(round_)
        r["from"].append(debtor)
        r["to"].append(holder)
        r["holder"].append(category)
        r["channel"].append(int(channel))
        r["off_balance"].append(bool(off_balance))
        r["amount"].append(float(amount))
        r["passed_on"].append(0.0)
        self._rows_to.setdefault(holder, []).append(len(r["amount"]) - 1)
        self._version += 1
        if channel in STAKE_CHANNELS:
            self.pass_on(debtor, amount)

    def pass_on(self, account: int, amount: float) -> float:
        """Up to ``amount`` $B of the losses ``account`` booked and kept is borne by others,
        who book it themselves: its creditors, when it defaults with a hole of ``amount``
        (negative equity), as they are resolved; or its owners on the ledger, when
        ``amount`` of their stakes in it is written off (``book``). Mark it on its rows,
        pro rata, so that each dollar is counted once, at the holder that ends with it.
        Returns the amount passed on: at most what it kept."""
        r = self.rows
        mine = self._rows_to.get(account, [])
        kept = sum(r["amount"][i] - r["passed_on"][i] for i in mine)
        passed = min(kept, max(0.0, amount))
        if passed <= 0:
            return 0.0
        share = passed / kept
        for i in mine:
            r["passed_on"][i] += share * (r["amount"][i] - r["passed_on"][i])
        self._version += 1
        return passed

    def _summed(self, key: str, compute) -> float:
        """``compute()``, reused until a row is booked or passed on."""
        hit = self._sums.get(key)
        if hit is None or hit[0] != self._version:
            hit = (self._version, compute())
            self._sums[key] = hit
        return hit[1]

    def _final(self) -> list[float]:
        return [a - p for a, p in zip(self.rows["amount"], self.rows["passed_on"], strict=True)]

    def __len__(self) -> int:
        return len(self.rows["amount"])

    def by_holder(self) -> dict[str, float]:
        """Losses summed by holder category, each dollar counted once, $B."""
        out = dict.fromkeys(HOLDERS, 0.0)
        for holder, amount in zip(self.rows["holder"], self._final(), strict=True):
            out[holder] += amount
        return out

    def total(self) -> float:
        """All losses, each counted once (booked less passed on), $B."""
        return self._summed("total", lambda: float(np.sum(self._final())) if len(self) else 0.0)

    def off_balance(self) -> float:
        """Losses on or through off-balance-sheet contracts (SPVs), each counted once, $B."""
        final = zip(self.rows["off_balance"], self._final(), strict=True)
        return float(sum(a for off, a in final if off))

    def credit_losses(self) -> float:
        """Cumulative losses through credit channels, each counted once, $B."""

        def compute():
            final = zip(self.rows["channel"], self._final(), strict=True)
            return float(sum(a for c, a in final if c in CREDIT_CHANNELS))

        return self._summed("credit_losses", compute)
