"""Settlement and the default cascade (tick step 9).

1. Everything due this month (``Ledger.dues``) is cleared at once with the Eisenberg–Noe
   clearing vector (``model.clearing.clearing_vector``): each debtor pays
   ``p_i / p̄_i`` of every obligation, so the order of agents does not matter. In a month
   where every account's cash and receipts cover its dues beyond round-off, that vector
   is everybody paying in full and is not solved.
2. A debtor that pays less than it owes has defaulted. The defaulters of a round are
   resolved together, stage by stage (``resolve``), so their order does not matter:
   their data centers are sold into the used-GPU market (a fire sale: the GW with GPUs
   within their economic life lower the price of every GPU, once for the round), their
   financial claims are sold to the rest of the economy at a haircut on what they are
   worth at that price, and the proceeds go first to loans secured on the assets sold
   (each asset's pro rata to the loans it secures), then pro rata to senior claims
   (debt, lease damages capped at 12 months of rent and, on an SPV's lease, the
   shortfall of its lenders that the residual-value guarantee covers at that price),
   then to equity.
   Each holder's shortfall on a carried claim is one row of the loss trace; where the
   government guaranteed the claim it pays the shortfall and holds the loss instead.
3. The fall in GPU prices, the losses and the margin calls are then checked: GPU-backed
   loans whose collateral no longer covers them must be paid down (covenants), banks
   below their minimum capital ratio fail or are bailed out, funds whose NAV loans exceed
   their limit must sell or default, SPVs whose lease stopped cannot pay. Any new
   defaulter starts another round. The number of rounds with a new default is the
   month's cascade depth.

Money in $B. The resolution rules follow the absolute-priority convention of Eisenberg &
Noe (2001) within a class, with a fire-sale price impact of the form used by Cifuentes,
Ferrucci & Shin (2005) and Caccioli et al. (2014): ``price *= exp(-sold / depth)``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

import numpy as np
from scipy import sparse

from model.clearing import clearing_vector
from model.ledger import IS_DEBT, IS_LEASE, WORLD, ContractKind, Dues, KindCode, Ledger, Sector
from model.losses import Channel

if TYPE_CHECKING:
    from model.hotpotato import HotPotatoModel

__all__ = ["settle", "resolve"]

CLAIM_HAIRCUT = 0.2
"""Discount on what they are worth at which a defaulter's financial claims are sold to the
rest of the economy."""
LEASE_DAMAGE_MONTHS = 12
"""Lessor's claim in a tenant's default: at most this many months of rent (US §502(b)(6))."""
MAX_ROUNDS = 100
_EPS = float(np.finfo(np.float64).eps)
"""Relative round-off of one floating-point operation."""

_CHANNEL_OF_KIND = {
    ContractKind.LOAN: Channel.LOAN,
    ContractKind.BOND: Channel.BOND,
    ContractKind.VENDOR_FINANCING: Channel.VENDOR_FINANCING,
    ContractKind.NAV_LOAN: Channel.NAV_LOAN,
    ContractKind.PAYABLE: Channel.PAYABLE,
    ContractKind.EQUITY: Channel.EQUITY,
    ContractKind.COMPUTE: Channel.COMPUTE_CONTRACT,
    ContractKind.SPV_LEASE: Channel.SPV_LEASE,
}


def settle(m: HotPotatoModel) -> int:
    """Clear this month's obligations and run the cascade; returns the cascade depth."""
    ledger = m.ledger
    dues = ledger.dues(m.tick)
    new_defaults = _pay_dues(ledger, dues) if dues.ids.size else set()
    _close_finished(m)
    depth = 0
    new_defaults |= m.act_on_distress()
    while new_defaults and depth < MAX_ROUNDS:
        depth += 1
        resolve(m, new_defaults, depth)
        new_defaults = m.act_on_distress() - m.defaulted
    return depth


def _pay_dues(ledger: Ledger, dues: Dues) -> set[int]:
    """Pay ``dues`` (not none), each debtor the fraction of them the clearing vector says;
    returns the accounts that paid less than they owed. In a month where every account
    surely pays in full the dues are paid as they stand (times a fraction of 1, which
    changes no amount)."""
    outside = np.maximum(ledger.cash, 0.0)
    if _all_pay_in_full(dues, outside):
        cash, reduction, short = dues.cash, dues.reduction, set()
    else:
        fraction = _paid_fraction(ledger, dues, outside)
        share = fraction[dues.debtor]
        cash, reduction = dues.cash * share, dues.reduction * share
        short = {int(i) for i in np.flatnonzero(fraction < 1.0 - 1e-9) if i != WORLD}
    ledger.transfer_many(dues.debtor, dues.creditor, cash)
    ledger.reduce(dues.ids, reduction)
    return short


def _paid_fraction(ledger: Ledger, dues: Dues, outside: np.ndarray) -> np.ndarray:
    """Fraction of its dues each account pays this month, by the Eisenberg–Noe clearing
    vector (1 for an account that pays in full or owes nothing), given each account's
    cash (``outside``, $B, at least 0; World's is replaced by what it owes)."""
    n = ledger.n_accounts
    liabilities = sparse.csr_array((dues.cash, (dues.debtor, dues.creditor)), shape=(n, n))
    owed = np.asarray(liabilities.sum(axis=1)).ravel()
    outside[WORLD] = owed[WORLD]  # the rest of the economy always pays
    paid_total = clearing_vector(liabilities, outside)
    fraction = np.ones(n)
    np.divide(paid_total, owed, out=fraction, where=owed > 0)
    return np.minimum(fraction, 1.0)


def _all_pay_in_full(dues: Dues, outside: np.ndarray) -> bool:
    """Whether every account but World surely pays all its dues: its cash (``outside``,
    $B) and what it is due this month cover what it owes by more than the round-off.

    Then the clearing vector is everybody paying in full and its fractions are exactly 1,
    so it need not be solved. The clearing sums the same ``k`` non-negative dues per
    account in another order, which changes each sum by at most ``k`` units of round-off
    (relative); ``slack`` is several times that, so an account this test passes never
    falls short of the clearing's default threshold."""
    n = outside.size
    owed = np.bincount(dues.debtor, weights=dues.cash, minlength=n)
    due_to = np.bincount(dues.creditor, weights=dues.cash, minlength=n)
    slack = 8.0 * (dues.cash.size + 2) * _EPS
    covered = outside + due_to * (1.0 - slack) >= owed * (1.0 + slack)
    covered[WORLD] = True  # the rest of the economy always pays
    return bool(covered.all())


def _close_finished(m: HotPotatoModel) -> None:
    """Close debt repaid in full and leases past their term. The test runs on the whole
    columns of the book (closed contracts too, masked out at the end), which costs less
    than gathering the active ones first."""
    ledger = m.ledger
    kind = ledger.column("kind")
    repaid = ledger.column("principal") <= 1e-12
    debt_done = IS_DEBT[kind] & repaid
    lease_done = (kind == KindCode.COMPUTE) & ((ledger.column("maturity") <= m.tick) | repaid)
    done = np.flatnonzero(ledger.column("active") & (debt_done | lease_done))
    if done.size:
        ledger.close(done)


def resolve(m: HotPotatoModel, accounts: int | Iterable[int], round_: int) -> float:
    """Resolve the defaults of ``accounts``, the co-defaulters of one cascade round;
    returns the GW of GPUs within their economic life they fire-sold.

    Each stage runs for all of them before the next, so the order in which they are
    taken does not matter: what each lost before and could not absorb (its negative
    equity) passes to its creditors; their data centers are sold at market value; the GW
    sold lower the used-GPU price (``HotPotatoModel.fire_sale``), once for the round;
    at that price the claims they hold, on one another too, are sold to the rest of the
    economy and the leases they provide end, but for an SPV's lease to a sponsor failing
    with it, its claim on the sponsor's estate; then each pays its own claimants by
    priority, sponsors before SPVs, so that an SPV pays its own from what its sponsor's
    estate paid it, whichever was found to default first. The residual-value guarantee
    an SPV claims is valued at the price after the round's sales, what its data centers
    would fetch now."""
    accounts = sorted({accounts} if isinstance(accounts, int) else set(accounts))
    accounts = [a for a in accounts if a not in m.defaulted]
    equity, debt, names = m.equity(), m.ledger.liabilities(), m.ledger.names
    negative = {a: -float(equity[a]) for a in accounts}
    # logged largest debt first (then by name): the first defaulter of a round that
    # fails several is the biggest, whatever their account numbers
    for account in sorted(accounts, key=lambda a: (-float(debt[a]), names[a])):
        # passed to its own creditors, who book it as they are resolved: counted once
        m.trace.pass_on(account, negative[account])
        m.mark_defaulted(account, round_)
    sales = {account: _sell_real_assets(m, account) for account in accounts}
    sold_gw = float(sum(gw for gw, _ in sales.values()))
    m.fire_sale(sold_gw)
    stake_values = _stake_values(m, accounts)
    for account in accounts:
        _sell_claims_held(m, account, accounts, stake_values)
    for account in sorted(accounts, key=lambda a: m.sector_of(a) == Sector.SPV):
        _pay_claimants(m, account, sales[account][1], round_)
    return sold_gw


def _sell_real_assets(m: HotPotatoModel, account: int) -> tuple[float, dict[int, float]]:
    """Fire-sell its data centers to the rest of the economy at market value; returns
    the GW sold with GPUs within their economic life and the proceeds of each data
    center."""
    owned = np.flatnonzero(m.assets["active"] & (m.assets["owner"] == account))
    proceeds = dict(zip(owned.tolist(), m.market_values()[owned].tolist(), strict=True))
    return m.sell_data_centers(account, owned), proceeds


def _stake_values(m: HotPotatoModel, co_defaulters: list[int]) -> np.ndarray:
    """What a stake of 1 at cost in each account is worth now, $B per $B paid in, at most
    1: its owners' share of its equity at market value (its cash and carried claims, its
    data centers at market value, less its debt), 0 if that is not positive or the
    account fails in this round (``co_defaulters``). An SPV's lease carries nothing, so
    what a failing sponsor's estate will pay its SPV is not counted: the buyer gains it
    later, and gains are not booked.

    The stakes on the ledger (``P``, at cost) own ``ΣP / max(ΣP, book equity)`` of it:
    all of it while its book equity is no more than they paid in (a lab, an SPV), else the
    part of its book equity they paid (the rest belongs to owners not on the ledger, such
    as a listed firm's shareholders). So a stake is worth
    ``min(1, max(equity at market value, 0) / max(ΣP, book equity))`` per $B of cost."""
    ledger = m.ledger
    n = ledger.n_accounts
    book = m.equity()
    at_market = book - m.real_assets() + m.assets.by_owner(m.market_values(), n)
    stakes = ledger.active_ids(ContractKind.EQUITY)
    paid_in = np.bincount(
        ledger.column("debtor")[stakes], weights=ledger.column("principal")[stakes], minlength=n
    )
    owned = np.maximum(paid_in, book)
    value = np.zeros(n)
    np.divide(np.maximum(at_market, 0.0), owned, out=value, where=owned > 0)
    value[list(co_defaulters)] = 0.0
    return np.minimum(value, 1.0)


def _sell_claims_held(
    m: HotPotatoModel, account: int, co_defaulters: list[int], stake_values: np.ndarray
) -> None:
    """Sell the claims it holds to the rest of the economy at ``1 − CLAIM_HAIRCUT`` of
    what they are worth: debt at its carrying amount, a stake at its share of its
    issuer's equity at market value (``stake_values``, per $B of cost; 0 in an issuer
    failing with it). Claims on the rest of the economy are redeemed at par. The leases
    and compute contracts it provides end (a failed lessor delivers nothing), except an
    SPV lease to a sponsor among its ``co_defaulters``: the sponsor's default ends it,
    with the lease damages and the residual-value guarantee the SPV claims on the
    sponsor's estate (``_pay_claimants``), as if the SPV had not failed with it."""
    ledger = m.ledger
    held = _claims_for_sale(ledger, account, co_defaulters)
    carried = ledger.carried()[held] if held.size else np.zeros(0)
    ledger.close(held[carried <= 0])
    held, carried = held[carried > 0], carried[carried > 0]
    on_world = ledger.column("debtor")[held] == WORLD
    if on_world.any():
        ledger.transfer(WORLD, account, float(carried[on_world].sum()))
        ledger.reduce(held[on_world], carried[on_world])
        ledger.close(held[on_world])
        held, carried = held[~on_world], carried[~on_world]
    if held.size == 0:
        return
    is_stake = ledger.column("kind")[held] == KindCode.EQUITY
    worth = np.where(is_stake, stake_values[ledger.column("debtor")[held]], 1.0)
    price = (1 - CLAIM_HAIRCUT) * worth  # per $B of principal
    for basis in np.unique(price).tolist():
        ledger.reassign(held[price == basis], WORLD, basis=basis)
    sale = float((carried * price).sum())
    if sale > 0:
        ledger.transfer(WORLD, account, sale)


def _claims_for_sale(ledger: Ledger, account: int, co_defaulters: list[int]) -> np.ndarray:
    """Ids of the contracts ``account`` holds, but for its SPV lease to a sponsor among
    its ``co_defaulters`` (its claim on the sponsor's estate)."""
    held = ledger.active_ids(creditor=account)
    on_estate = (ledger.column("kind")[held] == KindCode.SPV_LEASE) & np.isin(
        ledger.column("debtor")[held], co_defaulters
    )
    return held[~on_estate]


def _secured_recoveries(
    claim: np.ndarray, collateral: np.ndarray, proceeds_by_asset: dict[int, float], pool: float
) -> tuple[np.ndarray, float]:
    """What each claim secured on a data center sold recovers from its sale proceeds, and
    the cash ``pool`` left after them ($B).

    ``claim`` is each claim's amount and ``collateral`` the data center securing it (−1:
    unsecured). The proceeds of a data center (``proceeds_by_asset``) are split across all
    the claims it secures pro rata to their amounts, each at most its amount (a loan of
    several banks is one claim per bank, all secured on the same data center); what is
    left of them stays in the pool for the senior claims. No more than the pool is paid."""
    recovered = np.zeros(claim.size)
    secured = np.flatnonzero(collateral >= 0)
    for asset in dict.fromkeys(collateral[secured].tolist()):  # by first claim on it
        on_asset = secured[collateral[secured] == asset]
        total = float(claim[on_asset].sum())
        available = min(proceeds_by_asset.get(asset, 0.0), pool)
        if total <= 0 or available <= 0:
            continue
        recovered[on_asset] = np.minimum(claim[on_asset], available * (claim[on_asset] / total))
        pool = max(0.0, pool - float(recovered[on_asset].sum()))  # not below 0 by round-off
    return recovered, pool


def _pay_claimants(
    m: HotPotatoModel, account: int, proceeds_by_asset: dict[int, float], round_: int
) -> None:
    """Pay the claims on ``account`` from its cash by priority (secured on the assets
    sold, then senior, then equity) and book each holder's shortfall.

    An SPV's claim on its defaulting sponsor is the lease damages (as any lessor's: the
    rent lost, at most ``LEASE_DAMAGE_MONTHS`` of it) plus what the residual-value
    guarantee covers now (``SPV.guarantee_shortfall``: its lenders' shortfall)."""
    ledger = m.ledger
    tick = m.tick
    owed = ledger.active_ids(debtor=account)
    kind = ledger.column("kind")[owed]
    principal = ledger.column("principal")[owed]
    payment = ledger.column("payment")[owed]
    collateral = ledger.column("collateral")[owed]
    is_debt = IS_DEBT[kind]
    is_lease = IS_LEASE[kind]
    is_equity = kind == KindCode.EQUITY
    claim = np.where(is_debt | is_equity, principal, 0.0)
    claim = np.where(is_lease, np.minimum(principal, LEASE_DAMAGE_MONTHS * payment), claim)
    creditors = ledger.column("creditor")[owed]
    for k in np.flatnonzero(kind == KindCode.SPV_LEASE):
        claim[k] += m.agent_of(int(creditors[k])).guarantee_shortfall()

    pool = ledger.cash_of(account)
    recovered, pool = _secured_recoveries(
        claim, np.where(is_debt, collateral, -1), proceeds_by_asset, pool
    )
    senior = (is_debt | is_lease) & (recovered < claim)
    need = np.where(senior, claim - recovered, 0.0)
    if need.sum() > 0:
        recovered += need * min(1.0, pool / need.sum())
        pool -= float(min(pool, need.sum()))
    junior = is_equity
    if junior.any() and claim[junior].sum() > 0 and pool > 0:
        part = min(1.0, pool / claim[junior].sum())
        recovered[junior] += claim[junior] * part
        pool -= float(claim[junior].sum() * part)

    pay = recovered > 0
    ledger.transfer_many(np.full(int(pay.sum()), account), creditors[pay], recovered[pay])
    if pool > 1e-12:  # what is left belongs to the owners of last resort
        ledger.transfer(account, WORLD, min(pool, ledger.cash_of(account)))

    # the shortfall on every carried claim; guarantors pay theirs
    guarantor = ledger.column("guarantor")[owed]
    off_balance = ledger.column("off_balance")[owed]
    debtor_is_spv = m.sector_of(account) == Sector.SPV
    basis = ledger.column("basis")[owed]
    debtor_sector = m.sector_of(account)
    for k in np.flatnonzero((is_debt | is_equity) & (claim - recovered > 1e-12)):
        shortfall = float(claim[k] - recovered[k])
        holder = int(creditors[k])
        # lending to an SPV is lost through the off-balance-sheet path; a stake in one, as
        # any stake, is lost as equity
        channel = _CHANNEL_OF_KIND[ContractKind(kind[k])]
        if debtor_is_spv and is_debt[k]:
            channel = Channel.SPV_LEASE
        if guarantor[k] >= 0 and is_debt[k]:
            # the guarantor makes the holder whole and holds the loss instead
            m.government_pays(int(guarantor[k]), holder, shortfall, debtor=account)
            holder = int(guarantor[k])
            bank = debtor_sector == Sector.BANK
            channel = Channel.DEPOSIT_INSURANCE if bank else Channel.GUARANTEE
            loss = shortfall
        else:
            # a holder that bought the claim below par loses only what it paid
            loss = max(0.0, float(basis[k] * claim[k] - recovered[k]))
            if is_equity[k] and debtor_sector == Sector.BANK and holder == m.government.account:
                channel = Channel.BAILOUT  # the taxpayers' stake in a bank they rescued
        m.trace.book(
            tick=tick,
            round_=round_,
            debtor=account,
            holder=holder,
            channel=channel,
            off_balance=bool(off_balance[k] or debtor_is_spv),
            amount=loss,
        )
    ledger.reduce(owed, np.where(is_debt | is_equity, principal, 0.0))
    ledger.close(owed)
