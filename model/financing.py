"""Raising money: bond issues bought by funds, bank loans, equity rounds and stakes.

Labs (tick step 2), then hyperscalers with their SPVs (step 3), decide from the state at
the start of their step (before asking, each changes only its own accounts) and ask for
money at the same time. A decision that raises money is a generator: it yields
a ``Request`` and is sent back a ``Grant``. ``together`` advances all decisions of a step
one request at a time; each round it clears the requests security by security (in the
order of ``SECURITIES``), each request getting its pro-rata share of what that security's
investors will put in:

    grant_r = min(a_r, k_r × C × a_r / Σ_s a_s)          $B

where ``a_r`` is the amount asked, ``k_r`` the investors' confidence in the issuer (1
unless stated) and ``C = Σ_i c_i`` the investors' capacity. Investor ``i`` provides
``c_i / C`` of every grant. Who asks first therefore does not matter: scarce credit is
rationed in proportion, not to the first in line. Every purchase is one contract in the
ledger and one cash transfer, added in the issuers' account order. Money in $B, rates annual.

Who buys what:

* ``insurer`` funds: investment-grade bonds (AA, A, BBB) and SPV bonds (rated on the
  sponsor);
* ``asset_manager`` funds: the same, plus high-yield bonds and listed equity;
* ``private_credit`` funds: any bond and SPV bond, SPV equity and lab equity;
* ``venture`` funds: lab equity and listed equity;
* banks: loans, up to their lending capacity (``Bank.lending_capacity``);
* the chip vendor: stakes in labs (vendor financing), from its spare cash;
* the labs' cloud partner (the first hyperscaler): stakes in labs, from its spare cash.

A fund's capacity is its cash above a liquidity buffer plus the liquid securities it can
sell, limited by how far its AI holdings are below its target allocation; that target
rises with sentiment (return chasing).
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterable
from dataclasses import dataclass
from functools import reduce
from operator import add, methodcaller
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from model.ledger import WORLD, Amortisation, ContractKind

if TYPE_CHECKING:
    from model.agents.base import Institution
    from model.agents.fund import Fund
    from model.hotpotato import HotPotatoModel

__all__ = [
    "Request",
    "Grant",
    "Decision",
    "SECURITIES",
    "together",
    "alone",
    "clear",
    "buy_equity",
    "borrow_from_world",
    "world_security",
]


MIN_AMOUNT = 1e-9
"""Requests and investors' shares at or below this ($B) are not worth a contract."""


class Request(NamedTuple):
    """``issuer`` asks for ``amount`` $B of ``security`` on these terms (a named tuple:
    thousands are made a run, each made faster than a frozen dataclass)."""

    issuer: int
    amount: float
    security: str
    rate: float = 0.0
    months: int = 0
    amortisation: Amortisation = Amortisation.BULLET
    off_balance: bool = False
    guaranteed: bool = False
    confidence: float = 1.0
    """Share (0-1) of their capacity investors are willing to put into this issuer."""


class Grant(NamedTuple):
    """What a request raised, $B, and the ids of the contracts it created."""

    amount: float
    contracts: tuple[int, ...] = ()


Decision = Generator[Request, Grant, Any]
"""A decision that raises money: yields requests, is sent their grants, returns a result."""


@dataclass(frozen=True)
class Security:
    """Who invests in a security, how much each will put in, and the contract it makes."""

    investors: Callable[[HotPotatoModel], list[Institution]]
    capacity: Callable[[list[Institution]], list[float]]
    """What each investor will put in, $B, asked of all together (asking changes nothing)."""
    kind: ContractKind


def _funds(*mandates: str) -> Callable[[HotPotatoModel], list[Institution]]:
    def investors(m: HotPotatoModel) -> list[Institution]:
        return [f for f in m.funds if f.mandate in mandates and not m.is_defaulted(f)]

    return investors


def _banks(m: HotPotatoModel) -> list[Institution]:
    return [b for b in m.banks if not m.is_defaulted(b)]


def _chip_vendor(m: HotPotatoModel) -> list[Institution]:
    vendor = m.chip_vendor
    return [] if m.is_defaulted(vendor) or not m.params.vendor_financing else [vendor]


def _cloud_partner(m: HotPotatoModel) -> list[Institution]:
    partner = m.hyperscalers[0]
    return [] if m.is_defaulted(partner) else [partner]


def _each(method: str) -> Callable[[list[Institution]], list[float]]:
    """What each investor will put in by its own ``method``, $B."""
    ask = methodcaller(method)

    def capacity(investors: list[Institution]) -> list[float]:
        return [ask(i) for i in investors]

    return capacity


def _fund_capacity(funds: list[Fund]) -> list[float]:
    """Each fund's ``capacity_for_ai``, $B, their bonds marked once for all
    (``Fund.capacities_for_ai``)."""
    from model.agents.fund import Fund  # not at the top: the agents import this module

    return Fund.capacities_for_ai(funds)


_bank_capacity = _each("lending_capacity")
_spare_cash = _each("spare_cash")


SECURITIES: dict[str, Security] = {
    "vendor_stake": Security(_chip_vendor, _spare_cash, ContractKind.EQUITY),
    "partner_stake": Security(_cloud_partner, _spare_cash, ContractKind.EQUITY),
    "lab_equity": Security(
        _funds("venture", "private_credit"), _fund_capacity, ContractKind.EQUITY
    ),
    "spv_equity": Security(_funds("private_credit"), _fund_capacity, ContractKind.EQUITY),
    "listed_equity": Security(
        _funds("asset_manager", "venture"), _fund_capacity, ContractKind.EQUITY
    ),
    "bond_ig": Security(
        _funds("insurer", "asset_manager", "private_credit"), _fund_capacity, ContractKind.BOND
    ),
    "spv_bond": Security(
        _funds("insurer", "asset_manager", "private_credit"), _fund_capacity, ContractKind.BOND
    ),
    "bond_hy": Security(
        _funds("asset_manager", "private_credit"), _fund_capacity, ContractKind.BOND
    ),
    "bank_loan": Security(_banks, _bank_capacity, ContractKind.LOAN),
}
"""Every security, in the order requests for them are cleared within a round."""


def together(m: HotPotatoModel, decisions: Iterable[Decision]) -> list[Any]:
    """Run ``decisions`` side by side, clearing their requests together round by round;
    returns what each decision returned, in the order given."""
    running = list(enumerate(decisions))
    results: list[Any] = [None] * len(running)
    replies: list[Grant | None] = [None] * len(running)
    while running:
        asking: list[tuple[int, Decision]] = []
        requests: list[Request] = []
        for (k, decision), reply in zip(running, replies, strict=True):
            try:
                requests.append(_next_request(decision, reply))
            except StopIteration as done:
                results[k] = done.value
                continue
            asking.append((k, decision))
        running = asking
        replies = clear(m, requests) if requests else []  # else every decision has ended
    return results


def _next_request(decision: Decision, reply: Grant | None) -> Request:
    """Advance ``decision`` to its next request for money; a request for (next to)
    nothing is answered at once, so that it does not make its issuer a round late."""
    request = decision.send(reply)
    while request.amount <= MIN_AMOUNT:
        request = decision.send(Grant(0.0))
    return request


def alone(m: HotPotatoModel, decision: Decision) -> Any:
    """Run one decision to its end, each request cleared on its own; returns its result."""
    return together(m, [decision])[0]


def clear(m: HotPotatoModel, requests: list[Request]) -> list[Grant]:
    """Grant ``requests`` pro rata to each security's investors' capacity (see the module
    docstring); returns one grant per request, in the order given."""
    grants = [Grant(0.0)] * len(requests)
    asking = _by_security(requests)
    for name, security in SECURITIES.items():
        mine = asking.get(name)
        if mine is None:  # nobody asks: its investors' capacity is not looked up
            continue
        investors = security.investors(m)
        capacity = security.capacity(investors)
        total = _sum(capacity)
        if total <= 0:
            continue
        asked = _sum([requests[k].amount for k in mine])
        for k in sorted(mine, key=lambda k: requests[k].issuer):
            request = requests[k]
            confidence = min(1.0, max(0.0, request.confidence))
            granted = min(request.amount, confidence * total * request.amount / asked)
            paid: list[float] = []
            ids: list[int] = []
            for investor, c in zip(investors, capacity, strict=True):
                share = granted * c / total
                if share > MIN_AMOUNT:
                    paid.append(share)
                    ids.append(_deliver(m, investor, request, share, security.kind))
            grants[k] = Grant(_sum(paid), tuple(ids))
    return grants


def _sum(amounts: list[float]) -> float:
    """``np.sum(amounts)`` to the bit, without numpy's cost on the few amounts of a clearing:
    numpy adds fewer than 8 numbers one after another from 0.0, and more pairwise. (Python's
    ``sum`` of floats compensates for round-off from Python 3.12 on.)"""
    if len(amounts) >= 8:
        return float(np.sum(amounts))
    return reduce(add, amounts, 0.0)


def _by_security(requests: list[Request]) -> dict[str, list[int]]:
    """Positions of the requests for more than ``MIN_AMOUNT``, by security, in the order
    given."""
    asking: dict[str, list[int]] = {}
    for k, request in enumerate(requests):
        if request.amount > MIN_AMOUNT:
            asking.setdefault(request.security, []).append(k)
    return asking


def _deliver(
    m: HotPotatoModel, investor: Institution, request: Request, amount: float, kind: ContractKind
) -> int:
    """``investor`` pays ``amount`` to the issuer for a new claim; returns its id."""
    investor.make_cash_available(amount)
    contract = m.ledger.add(
        creditor=investor.account,
        debtor=request.issuer,
        kind=kind,
        principal=amount,
        rate=request.rate,
        start=m.tick,
        maturity=m.tick + request.months,
        amortisation=request.amortisation,
        off_balance=request.off_balance,
        guarantor=m.government.account if request.guaranteed else -1,
    )
    m.ledger.transfer(investor.account, request.issuer, amount)
    return contract


def buy_equity(m: HotPotatoModel, investor: int, issuer: int, amount: float) -> None:
    """``investor`` pays ``amount`` for new shares of ``issuer`` (an equity stake)."""
    m.ledger.add(
        creditor=investor,
        debtor=issuer,
        kind=ContractKind.EQUITY,
        principal=amount,
        start=m.tick,
        maturity=m.tick,
    )
    m.ledger.transfer(investor, issuer, amount)


def borrow_from_world(
    m: HotPotatoModel,
    borrower: int,
    amount: float,
    *,
    kind: ContractKind,
    rate: float,
    months: int,
    guarantor: int = -1,
) -> None:
    """``borrower`` takes ``amount`` $B from the rest of the economy (deposits, Treasury
    bonds): one bullet contract owed to ``World`` and the cash. Nothing for ``amount <= 0``."""
    if amount <= 0:
        return
    m.ledger.add(
        creditor=WORLD,
        debtor=borrower,
        kind=kind,
        principal=amount,
        rate=rate,
        start=m.tick,
        maturity=m.tick + months,
        guarantor=guarantor,
    )
    m.ledger.transfer(WORLD, borrower, amount)


def world_security(m: HotPotatoModel, holder: int, amount: float, rate: float) -> int:
    """A liquid security of the rest of the economy (Treasuries, other loans) held by
    ``holder``: a bullet loan to ``World`` that pays ``rate``; returns the contract id."""
    return m.ledger.add(
        creditor=holder,
        debtor=WORLD,
        kind=ContractKind.LOAN,
        principal=amount,
        rate=rate,
        start=0,
        maturity=10_000,
    )
