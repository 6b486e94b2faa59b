"""ChipVendor: sells accelerators per GW, up to its shipment capacity, and finances the
labs that buy them (vendor financing, decided in ``AILab.raise_money``).

Price per GW rises with the order book against capacity (``price = p0 * clip(orders /
capacity, 0.8, 1.3) ** 0.3``). Orders are filled in proportion when they exceed capacity
(tick step 4): the buyer pays the GPUs to the vendor and the shell to the rest of the
economy, and a data center is added to the asset book, finished ``build_months`` later,
on which the bank loans raised for the order are secured; an order that brings no GPUs
has them repaid (``repay_loans_of``). The vendor pays its cost of goods (1 − gross
margin) to the rest of the economy (the foundry) and buys back shares with cash above a
buffer.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from model.agents.base import Institution
from model.ledger import WORLD, ContractKind, Sector

__all__ = ["ChipVendor"]

BUFFER = 20.0


@dataclass
class _Order:
    owner: int
    gw: float
    secured_loans: list[int] = field(default_factory=list)


class ChipVendor(Institution):
    """The chip vendor (Nvidia-like)."""

    sector = Sector.CHIP_VENDOR

    def __init__(self, model) -> None:
        super().__init__(model, "Chip vendor")
        self.orders: list[_Order] = []
        self.price_per_gw = model.econ.gpu_cost_per_gw
        self.sales = 0.0
        """GPU revenue booked this month, $B."""

    @property
    def capacity_gw(self) -> float:
        """Shipments capacity this month, GW."""
        econ = self.m.econ
        return econ.chip_capacity_gw * (1 + econ.chip_capacity_growth) ** self.m.tick

    def spare_cash(self) -> float:
        return max(0.0, self.cash - BUFFER)

    def order(self, owner: int, gw: float, secured_loans: list[int] | None = None) -> None:
        """Queue an order of ``gw`` GW for ``owner`` (filled this month, step 4)."""
        if gw > 1e-6:
            self.orders.append(_Order(owner, gw, secured_loans or []))

    def fill_orders(self) -> None:
        m = self.m
        econ = m.econ
        self.sales = 0.0
        orders = sorted(self.orders, key=lambda o: o.owner)  # account order, not arrival
        total = sum(o.gw for o in orders)
        if m.is_defaulted(self) or total <= 0:
            for o in orders:
                self.repay_loans_of(o)
            self.orders.clear()
            return
        fill = min(1.0, self.capacity_gw / total)
        for o in orders:
            gw = o.gw * fill
            gpu = gw * self.price_per_gw
            shell = gw * econ.shell_cost_per_gw
            affordable = min(1.0, m.ledger.cash_of(o.owner) / (gpu + shell))
            gw, gpu, shell = gw * affordable, gpu * affordable, shell * affordable
            if gw <= 1e-6:
                self.repay_loans_of(o)
                continue
            m.ledger.transfer(o.owner, self.account, gpu)
            m.ledger.transfer(o.owner, WORLD, shell)
            self.repay_loans_of(o, unfilled=1.0 - gw / o.gw)
            asset = m.assets.add(
                owner=o.owner,
                gw=gw,
                gpu_cost=gpu,
                shell_cost=shell,
                ordered=m.tick,
                completed=m.tick + econ.build_months,
            )
            live = [i for i in o.secured_loans if m.ledger.column("active")[i]]
            if live:
                m.ledger.set_collateral(live, asset)
            self.sales += gpu
        self.pay_bill(WORLD, self.sales * (1 - econ.chip_gross_margin))
        tightness = total / self.capacity_gw
        self.price_per_gw = econ.gpu_cost_per_gw * min(max(tightness, 0.8), 1.3) ** 0.3
        self.orders.clear()
        excess = self.cash - 3 * BUFFER
        if excess > 0:
            m.ledger.transfer(self.account, WORLD, 0.5 * excess)

    def repay_loans_of(self, order: _Order, unfilled: float = 1.0) -> None:
        """The bank loans raised for an order are drawn only on the GPUs it brings, as a
        delayed-draw loan is: its buyer repays the ``unfilled`` share of each (all of them
        for an order that brings nothing), principal only, from the money they lent, which
        it still holds (it paid for nothing else since it borrowed this month), as far as
        its cash goes. What the GW filled secure then stays within the covenant."""
        if not order.secured_loans or unfilled <= 1e-12:
            return
        ledger = self.m.ledger
        ids = np.asarray(order.secured_loans, dtype=np.int64)
        ids = ids[ledger.column("active")[ids]]  # those repaid in full when raised are closed
        owed = ledger.column("principal")[ids] * min(unfilled, 1.0)
        cash = ledger.cash_of(order.owner)
        if owed.sum() > cash:
            owed *= cash / owed.sum()
        ledger.prepay(ids, owed)

    def annual_earnings(self) -> float:
        """Earnings run-rate from GPU sales, $B/year."""
        return 12.0 * self.sales * self.m.econ.chip_gross_margin

    def stakes_in_labs(self) -> float:
        """Vendor financing outstanding: equity stakes in labs, $B."""
        m = self.m
        ids = m.ledger.active_ids(ContractKind.EQUITY, creditor=self.account)
        return float(m.ledger.column("principal")[ids].sum())
