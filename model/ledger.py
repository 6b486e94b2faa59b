"""The ledger: accounts, cash, and the columnar contract book.

Every financial relation in hotpotato is one row of the contract book: a creditor (who
holds the asset), a debtor (who owes it), a kind, an outstanding amount and its terms.
Every payment is one transfer of cash between two accounts, so the cash of all accounts
together (the ``World`` account included) never changes. Equity is never stored: it is
derived as assets minus liabilities whenever it is asked for.

Units: money in billions of US dollars ($B), time in months (ticks), compute in GW.
Annual rates are decimals (0.05 = 5% a year); interest accrues monthly at ``rate / 12``.

Carrying amounts (what a contract adds to a balance sheet):

* debt kinds (loan, bond, NAV loan, vendor financing): ``principal`` is an asset of the
  creditor and a liability of the debtor, the same number on both sides;
* equity stakes: ``principal`` (cost less write-downs) is an asset of the holder; for the
  issuer it is contributed capital, part of its derived equity, not a liability;
* compute contracts and SPV leases are executory take-or-pay commitments: they carry no
  amount (the right to use and the obligation to pay cancel out, as for an operating
  lease), but their monthly ``payment`` falls due and is cleared like any debt service,
  and ``principal`` records the remaining commitment;
* guarantees are contingent: they carry nothing until the guaranteed contract
  (``reference``) defaults, when the guarantor pays the creditor.

The book grows by doubling its arrays, so adding a contract is amortised O(1).
"""

from __future__ import annotations

import bisect
import math
import sys
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from enum import IntEnum

import numpy as np

__all__ = [
    "Amortisation",
    "ContractKind",
    "DEBT_KINDS",
    "InvariantError",
    "KindCode",
    "Ledger",
    "Sector",
    "WORLD",
]

WORLD = 0
"""Account id of the rest of the economy: customers, suppliers, wages, taxes, households."""

MAX_RATE = 1.0
"""Largest annual rate a contract may carry (100% a year); anything above is an input error."""
_LARGEST = sys.float_info.max
"""Largest amount a float column holds: an integer amount beyond it is refused, as is inf."""
_LARGEST_ID = int(np.iinfo(np.int32).max)
"""The largest data center id the collateral column holds."""


class Sector(IntEnum):
    """Who an account belongs to; losses by holder are summed by sector."""

    WORLD = 0
    CHIP_VENDOR = 1
    LAB = 2
    HYPERSCALER = 3
    SPV = 4
    BANK = 5
    FUND = 6
    GOVERNMENT = 7
    GRID = 8


class ContractKind(IntEnum):
    """The kinds of contract the book holds."""

    LOAN = 0
    BOND = 1
    COMPUTE = 2
    """Take-or-pay lease of GW of compute for a term; debtor is the tenant."""
    SPV_LEASE = 3
    """Lease of an SPV's data center to its sponsor, with a residual-value guarantee."""
    EQUITY = 4
    VENDOR_FINANCING = 5
    GUARANTEE = 6
    NAV_LOAN = 7
    """A bank's loan to a fund secured on the fund's net asset value."""
    PAYABLE = 8
    """A bill due this month (opex, power, taxes): short-term debt cleared at settlement."""


DEBT_KINDS = np.array(
    [
        ContractKind.LOAN,
        ContractKind.BOND,
        ContractKind.VENDOR_FINANCING,
        ContractKind.NAV_LOAN,
        ContractKind.PAYABLE,
    ]
)
"""Kinds whose principal is a liability of the debtor."""

LEASE_KINDS = np.array([ContractKind.COMPUTE, ContractKind.SPV_LEASE])

IS_DEBT = np.zeros(len(ContractKind), dtype=bool)
IS_DEBT[DEBT_KINDS] = True
"""Lookup by kind: whether a contract's principal is debt (faster than ``np.isin``)."""
IS_LEASE = np.zeros(len(ContractKind), dtype=bool)
IS_LEASE[LEASE_KINDS] = True
CARRIES = IS_DEBT.copy()
CARRIES[ContractKind.EQUITY] = True
"""Lookup by kind: whether a contract carries its principal (debt and equity stakes)."""
_IS_DEBT, _IS_LEASE, _CARRIES = IS_DEBT.tolist(), IS_LEASE.tolist(), CARRIES.tolist()
"""The same look-ups as lists of Python bools, for one contract at a time."""


class Amortisation(IntEnum):
    """How principal is repaid."""

    BULLET = 0
    """All principal at maturity."""
    LINEAR = 1
    """Equal principal instalments each month until maturity."""
    LEVEL = 2
    """A fixed monthly ``payment`` (leases, compute contracts) until maturity."""


class KindCode:
    """Each ``ContractKind`` as a plain int, for comparisons with numpy arrays (numpy takes
    a slow path with an enum member): ``kind == KindCode.BOND``."""

    LOAN = int(ContractKind.LOAN)
    BOND = int(ContractKind.BOND)
    COMPUTE = int(ContractKind.COMPUTE)
    SPV_LEASE = int(ContractKind.SPV_LEASE)
    EQUITY = int(ContractKind.EQUITY)
    VENDOR_FINANCING = int(ContractKind.VENDOR_FINANCING)
    GUARANTEE = int(ContractKind.GUARANTEE)
    NAV_LOAN = int(ContractKind.NAV_LOAN)
    PAYABLE = int(ContractKind.PAYABLE)


# plain ints, as ``KindCode``
_LINEAR = int(Amortisation.LINEAR)
_LEVEL = int(Amortisation.LEVEL)

_FEW_ROWS = 8
"""Up to this many contracts booked since a view was computed are checked one by one."""
_FEW_DUES = 32
"""Up to this many contracts booked or changed since the dues were kept have their dues
redone one by one (some 1 µs each, against some 50 µs for the whole book)."""


def _sums(accounts: np.ndarray, amounts: np.ndarray, n: int) -> np.ndarray:
    """``amounts`` summed by account over ``n`` accounts, $B, always as floats: on no
    rows ``np.bincount`` gives integer zeros, and amounts added to them later would be
    truncated."""
    return np.bincount(accounts, weights=amounts, minlength=n).astype(np.float64, copy=False)


def _totals(ids: np.ndarray, amounts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The contracts among ``ids`` (ascending, each once) and the ``amounts`` for each
    summed in the order given from 0.0, as ``np.bincount`` sums them by id: only the
    contracts named are touched, not the whole book."""
    if ids.size > 1 and not (ids[1:] > ids[:-1]).all():  # an id repeats, or out of order
        rows, at = np.unique(ids, return_inverse=True)
        return rows, np.bincount(at, weights=amounts)
    return ids, 0.0 + amounts


def _distinct(values: np.ndarray) -> list[int]:
    """The distinct ``values`` (kinds or accounts: small ints >= 0), ascending: counted by
    ``np.bincount``, which costs less than a set of as many Python ints."""
    return np.bincount(values).nonzero()[0].tolist()


def _and_zero(sums: np.ndarray) -> np.ndarray:
    """``sums`` by account followed by a zero for one account more (read-only)."""
    sums = np.append(sums, 0.0)
    sums.flags.writeable = False
    return sums


def _finite(value) -> bool:
    """Whether ``value`` is a finite number a float can hold (an integer beyond the largest
    float is not): ``np.isfinite``, with fast paths for floats and integers."""
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, int):
        return -_LARGEST <= value <= _LARGEST
    return bool(np.isfinite(value))


def _check_terms(principal, payment, gw, residual_guarantee, basis, rate) -> None:
    """Raise a ValueError naming the first of a contract's terms that is not a finite
    amount (or price) >= 0, or a ``rate`` outside [0, ``MAX_RATE``]."""
    if not _finite(basis) or basis < 0:
        raise ValueError(f"basis: {basis!r} must be a finite price >= 0")
    for field, value in (
        ("principal", principal),
        ("payment", payment),
        ("gw", gw),
        ("residual_guarantee", residual_guarantee),
    ):
        if not _finite(value) or value < 0:
            raise ValueError(f"{field}: {value!r} must be a finite amount >= 0")
    if not _finite(rate) or not 0.0 <= rate <= MAX_RATE:
        raise ValueError(f"rate: {rate!r} outside the allowed range [0, {MAX_RATE}] a year")


def _member(enum: type[IntEnum], value, field: str, what: str) -> IntEnum:
    """``enum(value)``, the member itself without a lookup; a ValueError naming ``field``
    if ``value`` is none of its members."""
    if type(value) is enum:
        return value
    try:
        return enum(value)
    except ValueError:
        raise ValueError(f"{field}: {value!r} is not {what}") from None


def _read_only(dues: Dues) -> Dues:
    """``dues`` with its arrays made read-only (they are shared)."""
    for arr in vars(dues).values():
        arr.flags.writeable = False
    return dues


class _Booked(list):
    """Ids of contracts in the order they were booked (all, or those of one kind or one
    account), and how many times some of them were closed."""

    __slots__ = ("closes",)

    def __init__(self) -> None:
        super().__init__()
        self.closes = 0


class InvariantError(AssertionError):
    """An accounting identity failed; the message names the account or contract."""


_COLUMNS: dict[str, tuple[type, float]] = {
    "creditor": (np.int32, 0),
    "debtor": (np.int32, 0),
    "kind": (np.int8, 0),
    "principal": (np.float64, 0.0),
    "rate": (np.float64, 0.0),
    "start": (np.int32, 0),
    "maturity": (np.int32, 0),
    "amortisation": (np.int8, int(Amortisation.BULLET)),
    "payment": (np.float64, 0.0),
    "gw": (np.float64, 0.0),
    "collateral": (np.int32, -1),
    "guarantor": (np.int32, -1),
    "reference": (np.int32, -1),
    "residual_guarantee": (np.float64, 0.0),
    "basis": (np.float64, 1.0),
    "off_balance": (np.bool_, False),
    "active": (np.bool_, True),
}
"""The columns of the contract book: their type and the value rows not yet booked hold,
the default of ``add`` (so it writes only the terms that differ from it)."""


def _spare_rows(size: int) -> dict[str, np.ndarray]:
    """``size`` rows of the contract book not yet booked, each column at its default."""
    return {k: np.full(size, default, dtype=t) for k, (t, default) in _COLUMNS.items()}


@dataclass(frozen=True)
class Dues:
    """What falls due in one month, one entry per contract that owes something.

    ``cash`` is the $B the ``debtor`` owes the ``creditor`` this month (interest plus
    scheduled principal for debt; the monthly fee for leases and compute contracts).
    ``reduction`` is how much the contract's ``principal`` (carried amount for debt,
    remaining commitment for leases) falls when ``cash`` is paid in full.
    """

    ids: np.ndarray
    debtor: np.ndarray
    creditor: np.ndarray
    cash: np.ndarray
    reduction: np.ndarray


class Ledger:
    """Accounts with cash, and the contract book between them.

    Parameters
    ----------
    capacity:
        Initial number of contract rows; the book doubles when full.

    Notes
    -----
    Account 0 is ``World``. Cash may be negative only for ``World`` (it stands for the
    rest of the economy, which can always pay); the clearing step decides who else
    cannot pay.
    """

    def __init__(self, capacity: int = 256) -> None:
        capacity = max(int(capacity), 1)
        self.names: list[str] = ["World"]
        self.sectors: list[Sector] = [Sector.WORLD]
        self._cash: list[float] = [0.0]
        """Cash of each account, $B, as Python floats: a transfer moves two of them without
        numpy's scalars (the same IEEE sums)."""
        self._cols = _spare_rows(capacity)
        self._n = 0
        self.transfers_recorded = 0
        self.check_transfers = False
        self.version = 0
        """Incremented by every change, so derived views can be cached safely."""
        self.contracts_version = 0
        """Incremented by every change to the contract book (not by cash transfers)."""
        self._kind_versions = [0] * len(ContractKind)
        """By kind: incremented by every change to a contract of that kind (see
        ``version_of``)."""
        self._kind_terms_versions = [0] * len(ContractKind)
        """By kind: incremented by every change to a contract of that kind but a change of
        its principal alone (see ``terms_version_of``)."""
        self._sheets_rows: int | None = None
        """How many contracts the kept carried amounts and balance sheets cover (None: none
        kept, as after any change to a contract already booked or a new account)."""
        self._carried_buffer = np.zeros(0)
        """The kept carried amounts of the contracts, in front, over the book's capacity: a
        contract booked since is written after them, where no view given out reaches."""
        self._carried = self._assets = self._liabilities = np.zeros(0)
        """The kept ``carried``, ``financial_assets`` and ``liabilities`` (read-only)."""
        self._redo: list[int] | None = []
        """Booked contracts changed since the dues were kept, whose dues must be redone
        (None: more than ``_FEW_DUES``, too many to redo alone)."""
        self._active: dict[tuple, tuple[_Booked, int, int, np.ndarray]] = {}
        """``active_ids`` by query: the contracts it is drawn from, their closes and number
        when answered, and the answer."""
        self._all = _Booked()
        self._of_kind: defaultdict[int, _Booked] = defaultdict(_Booked)
        self._of_debtor: defaultdict[int, _Booked] = defaultdict(_Booked)
        self._of_creditor: defaultdict[int, _Booked] = defaultdict(_Booked)
        """The contracts, all and by kind, debtor and creditor (``active_ids``)."""
        self._column_views: dict[str, np.ndarray] = {}
        self._dues_tick: int | None = None
        self._dues_version = -1
        """The ``contracts_version`` the kept dues were brought up to."""
        self._dues: Dues | None = None
        self._dues_rows = 0
        self._by_row: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
        """The kept dues by contract row (whether due, cash, reduction), over the book's
        capacity when they were computed: a few rows are redone in place."""
        self._owed: np.ndarray | None = None
        """``obligations`` of the kept dues (None: to be summed anew)."""

    # ----------------------------------------------------------------- accounts
    @property
    def cash(self) -> np.ndarray:
        """Cash of each account, $B (a read-only array of it now; move cash with
        ``transfer``)."""
        cash = np.array(self._cash)
        cash.flags.writeable = False
        return cash

    def cash_of(self, account: int) -> float:
        """Cash of one account, $B (``cash[account]`` without the array)."""
        return self._cash[account]

    def open_account(self, name: str, sector: Sector) -> int:
        """Open an account with zero cash; returns its id. The kept sums by account (balance
        sheets, obligations) take a zero for it, their sum over no contract."""
        self.version += 1
        self.contracts_version += 1
        self._assets, self._liabilities = _and_zero(self._assets), _and_zero(self._liabilities)
        if self._owed is not None:
            self._owed = _and_zero(self._owed)
        self._cash.append(0.0)
        self.names.append(name)
        self.sectors.append(Sector(sector))
        return len(self._cash) - 1

    @property
    def n_accounts(self) -> int:
        """How many accounts there are, ``World`` included (opened by ``open_account``)."""
        return len(self._cash)

    def sector_array(self) -> np.ndarray:
        """Sector of each account as an int array."""
        return np.asarray(self.sectors, dtype=np.int8)

    def _check_account(self, field: str, value) -> None:
        if isinstance(value, (int, np.integer)):  # the common case, checked without arrays
            if not 0 <= value < self.n_accounts:
                raise ValueError(
                    f"{field}: unknown account {value!r} (accounts are 0..{self.n_accounts - 1})"
                )
            return
        arr = np.atleast_1d(np.asarray(value))
        if arr.size and (
            arr.dtype.kind not in "iu"  # integers, signed or not
            or arr.min() < 0
            or arr.max() >= self.n_accounts
        ):
            bad = arr[(arr < 0) | (arr >= self.n_accounts)] if arr.dtype.kind in "iu" else arr
            raise ValueError(
                f"{field}: unknown account {bad[0]!r} (accounts are 0..{self.n_accounts - 1})"
            )

    # ---------------------------------------------------------------- transfers
    def transfer(self, source: int, target: int, amount: float) -> None:
        """Move ``amount`` $B of cash from ``source`` to ``target`` (one ledger transfer)."""
        if (
            self.check_transfers
            or not isinstance(source, (int, np.integer))
            or not isinstance(target, (int, np.integer))
        ):
            self.transfer_many(np.array([source]), np.array([target]), np.array([amount]))
            return
        n = len(self._cash)
        if not (0 <= source < n and 0 <= target < n):
            self._check_account("source", source)
            self._check_account("target", target)
        amount = float(amount)
        if not math.isfinite(amount) or amount < 0:
            raise ValueError(f"amount: {amount!r} must be a finite amount >= 0 (transfer 0)")
        cash = self._cash
        cash[source] -= amount
        cash[target] += amount
        self.transfers_recorded += 1
        self.version += 1

    def transfer_many(self, source, target, amount) -> None:
        """Move ``amount[k]`` from ``source[k]`` to ``target[k]`` for every k at once."""
        source = np.asarray(source, dtype=np.int64)
        target = np.asarray(target, dtype=np.int64)
        amount = np.asarray(amount, dtype=np.float64)
        if not (source.shape == target.shape == amount.shape):
            raise ValueError("transfer: source, target and amount must have the same length")
        if amount.size == 0:
            return
        self._check_account("source", source)
        self._check_account("target", target)
        if not np.isfinite(amount).all():
            k = int(np.flatnonzero(~np.isfinite(amount))[0])
            raise ValueError(f"amount: {amount[k]!r} is not finite (transfer {k})")
        if (amount < 0).any():
            k = int(np.flatnonzero(amount < 0)[0])
            raise ValueError(f"amount: {amount[k]!r} is negative (transfer {k}); must be >= 0")
        n = self.n_accounts
        cash = np.array(self._cash)
        before = cash.sum() if self.check_transfers else 0.0
        cash -= np.bincount(source, weights=amount, minlength=n)
        cash += np.bincount(target, weights=amount, minlength=n)
        self._cash = cash.tolist()
        self.transfers_recorded += amount.size
        self.version += 1
        if self.check_transfers:
            after = cash.sum()
            scale = max(1.0, float(np.abs(cash).sum()))
            if not np.isfinite(after) or abs(after - before) > 1e-9 * scale:
                raise InvariantError(
                    f"cash not conserved by a transfer: total {before!r} -> {after!r}"
                )

    # --------------------------------------------------------------- contracts
    def __len__(self) -> int:
        return self._n

    def column(self, name: str) -> np.ndarray:
        """A read-only view of one column over all contracts (active or not). It is shared
        and sees later changes of existing contracts, but not contracts added after it."""
        view = self._column_views.get(name)
        if view is None:  # a view stays valid until a contract is added
            view = self._cols[name][: self._n]
            view.flags.writeable = False
            self._column_views[name] = view
        return view

    def add(
        self,
        *,
        creditor: int,
        debtor: int,
        kind: ContractKind,
        principal: float,
        rate: float = 0.0,
        start: int = 0,
        maturity: int | None = None,
        amortisation: Amortisation = Amortisation.BULLET,
        payment: float = 0.0,
        gw: float = 0.0,
        collateral: int = -1,
        guarantor: int = -1,
        reference: int = -1,
        residual_guarantee: float = 0.0,
        off_balance: bool = False,
        basis: float = 1.0,
    ) -> int:
        """Add one contract and return its id. Validates every field first (nothing is
        half-added): amounts finite and >= 0, accounts known, ``maturity >= start``,
        ``0 <= rate <= 1`` a year. ``basis`` is what the creditor paid per unit of
        principal (1 unless the claim was bought at a discount or premium)."""
        maturity = start if maturity is None else maturity
        if not (  # the usual case, valid numbers, in one pass (NaN fails every comparison)
            0.0 <= principal <= _LARGEST
            and 0.0 <= payment <= _LARGEST
            and 0.0 <= gw <= _LARGEST
            and 0.0 <= residual_guarantee <= _LARGEST
            and 0.0 <= basis <= _LARGEST
            and 0.0 <= rate <= MAX_RATE
        ):
            _check_terms(principal, payment, gw, residual_guarantee, basis, rate)
        if maturity < start:
            raise ValueError(f"maturity: {maturity!r} is before start {start!r}")
        n = len(self._cash)  # accounts
        if not (0 <= creditor < n and 0 <= debtor < n):
            self._check_account("creditor", int(creditor))
            self._check_account("debtor", int(debtor))
        if int(creditor) == int(debtor):
            raise ValueError(f"debtor: {debtor!r} is also the creditor; a contract needs two")
        if guarantor != -1:
            self._check_account("guarantor", int(guarantor))
        if reference != -1 and not 0 <= reference < self._n:
            raise ValueError(f"reference: unknown contract {reference!r}")
        if collateral != -1 and not 0 <= collateral <= _LARGEST_ID:
            raise ValueError(
                f"collateral: {collateral!r} is not a data center id "
                f"(0..{_LARGEST_ID}, -1 for none)"
            )
        kind = int(_member(ContractKind, kind, "kind", "a contract kind"))
        amortisation = int(_member(Amortisation, amortisation, "amortisation", "an amortisation"))
        if self._n == self._cols["creditor"].size:
            self._grow()
        i = self._n
        c = self._cols
        c["creditor"][i] = creditor
        c["debtor"][i] = debtor
        c["kind"][i] = kind
        c["principal"][i] = principal
        c["start"][i] = start
        c["maturity"][i] = maturity
        # the row holds the defaults already (``_COLUMNS``): only other terms are written
        if rate:
            c["rate"][i] = rate
        if amortisation:
            c["amortisation"][i] = amortisation
        if payment:
            c["payment"][i] = payment
        if gw:
            c["gw"][i] = gw
        if collateral != -1:
            c["collateral"][i] = collateral
        if guarantor != -1:
            c["guarantor"][i] = guarantor
        if reference != -1:
            c["reference"][i] = reference
        if residual_guarantee:
            c["residual_guarantee"][i] = residual_guarantee
        if off_balance:
            c["off_balance"][i] = off_balance
        if basis != 1.0:
            c["basis"][i] = basis
        self._book(kind, debtor, creditor)
        return i

    def _booked(self, count: int) -> None:
        """Take ``count`` rows just written after the last contract into the book (as
        ``add`` takes one: for a writer of many rows at once)."""
        rows = slice(self._n, self._n + count)
        c = self._cols
        for kind, debtor, creditor in zip(
            c["kind"][rows].tolist(),
            c["debtor"][rows].tolist(),
            c["creditor"][rows].tolist(),
            strict=True,
        ):
            self._book(kind, debtor, creditor)

    def _book(self, kind: int, debtor: int, creditor: int) -> None:
        """Take the row just written after the last contract, of ``kind`` between
        ``debtor`` and ``creditor``, into the book and into its lists."""
        i = self._n
        self._all.append(i)
        self._of_kind[kind].append(i)
        self._of_debtor[debtor].append(i)
        self._of_creditor[creditor].append(i)
        self._n += 1
        self._column_views.clear()  # they end before the new contract
        self.version += 1
        self.contracts_version += 1
        self._kind_versions[kind] += 1
        self._kind_terms_versions[kind] += 1

    def _edited(self, ids, *, terms: bool = True) -> None:
        """Record a change to the contracts ``ids`` already booked (``terms``: to more than
        their principal). The kept balance sheets are summed anew when next asked for."""
        self._changed(ids, terms=terms)
        self._dues_changed(ids)
        self._sheets_rows = None

    def _changed(self, ids, *, terms: bool = True) -> None:
        """Record a change to the contracts ``ids`` (a list or an array of ids); ``terms``:
        to more than their principal (whether active, creditor, terms)."""
        self.version += 1
        self.contracts_version += 1
        for kind in _distinct(self._cols["kind"][ids]):
            self._kind_versions[kind] += 1
            if terms:
                self._kind_terms_versions[kind] += 1

    def _dues_changed(self, ids) -> None:
        """Record that the dues of booked contracts ``ids`` may have changed."""
        if self._redo is not None and len(self._redo) + len(ids) <= _FEW_DUES:
            self._redo.extend(ids)
        else:
            self._redo = None

    def version_of(self, kinds: tuple[int, ...]) -> int:
        """A version of the contracts of ``kinds`` alone: it changes whenever one of them
        is booked or changed (and only then), so a view that reads no other contract can
        be cached on it and survive the bills, loans and bonds booked meanwhile."""
        versions = self._kind_versions
        if len(kinds) == 1:  # most views read one kind: its version, without a sum
            return versions[kinds[0]]
        return sum(map(versions.__getitem__, kinds))

    def terms_version_of(self, kinds: tuple[int, ...]) -> int:
        """A version of which contracts of ``kinds`` there are and of all their columns but
        the principal: it changes whenever one of them is booked, closed, sold or has its
        collateral or lease terms reset, but not when a principal alone is repaid, written
        off or drawn (``reduce``, ``increase``), so a view that reads no principal can be
        kept on it over the payments of the months."""
        versions = self._kind_terms_versions
        if len(kinds) == 1:
            return versions[kinds[0]]
        return sum(map(versions.__getitem__, kinds))

    def _grow(self) -> None:
        """Double the book's capacity."""
        spare = _spare_rows(self._cols["creditor"].size)
        for name, arr in self._cols.items():
            self._cols[name] = np.concatenate([arr, spare[name]])
        self._column_views.clear()

    def active_ids(
        self,
        kind: ContractKind | None = None,
        *,
        debtor: int | None = None,
        creditor: int | None = None,
    ) -> np.ndarray:
        """Ids of active contracts (ascending, read-only), optionally of one kind, owed by
        one ``debtor`` and held by one ``creditor``. Each query's answer is kept and
        brought up to date from the contracts it is drawn from (``_booked_for``): when
        some of those were closed since, they are dropped from it, and those booked since
        are checked and added to it (all of them, unchecked, when none was closed since
        and the query asks no more than the list they are drawn from); a sale of contracts
        starts all answers anew."""
        query = (kind, debtor, creditor)
        hit = self._active.get(query)
        if hit is None:
            booked = self._booked_for(query)
            ids = self._matching(booked, query)
        else:
            booked, closes, seen, ids = hit
            if closes == booked.closes and seen == len(booked):
                return ids
            if closes != booked.closes:
                ids = ids[self._cols["active"][ids]]
            if seen < len(booked) and closes == booked.closes and query.count(None) >= 2:
                ids = np.concatenate((ids, booked[seen:]))  # all active and matching
            elif seen < len(booked):
                new = self._matching(booked[seen:], query)
                if new.size:
                    ids = np.concatenate((ids, new))
        if hit is None or ids is not hit[3]:  # else unchanged, and read-only already
            ids.flags.writeable = False
        self._active[query] = (booked, booked.closes, len(booked), ids)
        return ids

    def _booked_for(self, query: tuple) -> _Booked:
        """The contracts a query's answer is drawn from: those of its debtor, else of its
        creditor, else of its kind, else all."""
        kind, debtor, creditor = query
        if debtor is not None:
            return self._of_debtor[debtor]
        if creditor is not None:
            return self._of_creditor[creditor]
        if kind is not None:
            return self._of_kind[kind]
        return self._all

    def _matching(self, rows: Sequence[int], query: tuple) -> np.ndarray:
        """Those of contracts ``rows`` (ascending ids) that are active and match ``query``,
        a (kind, debtor, creditor) whose ``None`` fields match any contract. A few rows
        (the usual case: those booked since an answer) are checked one by one, which
        costs less than a numpy pass."""
        kind, debtor, creditor = query
        c = self._cols
        if len(rows) <= _FEW_ROWS:
            kind = None if kind is None else int(kind)  # numpy compares an enum member slowly
            new = [
                i
                for i in rows
                if c["active"].item(i)
                and (kind is None or c["kind"].item(i) == kind)
                and (debtor is None or c["debtor"].item(i) == debtor)
                and (creditor is None or c["creditor"].item(i) == creditor)
            ]
            return np.array(new, dtype=np.int64)
        rows = np.array(rows, dtype=np.int64)
        mask = c["active"][rows]
        if kind is not None:
            mask &= c["kind"][rows] == int(kind)
        if debtor is not None:
            mask &= c["debtor"][rows] == debtor
        if creditor is not None:
            mask &= c["creditor"][rows] == creditor
        return rows[mask]

    def _contract_ids(self, ids) -> np.ndarray:
        ids = np.atleast_1d(np.asarray(ids, dtype=np.int64))
        bad = (ids < 0) | (ids >= self._n)
        if bad.any():
            raise ValueError(
                f"ids: unknown contract {int(ids[bad][0])!r} (contracts are 0..{self._n - 1})"
            )
        return ids

    @staticmethod
    def _amounts(amount, size: int) -> np.ndarray:
        amount = np.asarray(amount, dtype=np.float64)
        if amount.shape != (size,):
            amount = np.broadcast_to(amount, (size,))
        bad = ~np.isfinite(amount) | (amount < 0)
        if bad.any():
            raise ValueError(f"amount: {amount[bad][0]!r} must be a finite amount >= 0")
        return amount

    def reduce(self, ids, amount) -> None:
        """Lower the principal of contracts ``ids`` by ``amount`` (repaid or written off).
        An id may repeat; the amounts for one contract together may not exceed its
        principal (beyond rounding, which is clipped to zero)."""
        ids = self._contract_ids(ids)
        amount = self._amounts(amount, ids.size)
        rows, total = _totals(ids, amount)
        principal = self._cols["principal"]
        before = principal[rows]
        over = total > before * (1 + 1e-12) + 1e-12
        if over.any():
            k = int(np.flatnonzero(over)[0])
            raise ValueError(
                f"amount: {total[k]!r} exceeds the principal {before[k]!r} of contract {rows[k]}"
            )
        principal[rows] = np.maximum(before - total, 0.0)
        self._edited(ids, terms=False)

    def prepay(self, ids, amount) -> None:
        """Each contract's debtor repays ``amount`` $B of its principal to its creditor
        ahead of schedule; contracts repaid in full are closed. Distinct ids."""
        ids = self._contract_ids(ids)
        amount = self._amounts(amount, ids.size)
        c = self._cols
        self.transfer_many(c["debtor"][ids], c["creditor"][ids], amount)
        self.reduce(ids, amount)
        repaid = ids[c["principal"][ids] <= 0.0]
        if repaid.size:
            self.close(repaid)

    def increase(self, ids, amount) -> None:
        """Raise the principal of contracts ``ids`` (a draw on a facility, capitalised
        interest)."""
        ids = self._contract_ids(ids)
        amount = self._amounts(amount, ids.size)
        np.add.at(self._cols["principal"], ids, amount)
        self._edited(ids, terms=False)

    def reassign(self, ids, creditor: int, basis: float | None = None) -> None:
        """Sell contracts ``ids`` to a new ``creditor`` (the claims change hands) at
        ``basis`` per unit of principal (recorded: a later write-off costs the buyer only
        what it paid)."""
        self._check_account("creditor", int(creditor))
        ids = self._contract_ids(ids)
        if np.any(self._cols["debtor"][ids] == creditor):
            raise ValueError(f"creditor: {creditor!r} is the debtor of a contract sold to it")
        if basis is not None:
            if not np.isfinite(basis) or basis < 0:
                raise ValueError(f"basis: {basis!r} must be a finite price >= 0")
            self._cols["basis"][ids] = basis
        for i in sorted(set(ids.tolist())):
            self._of_creditor[int(self._cols["creditor"][i])].remove(i)
            bisect.insort(self._of_creditor[creditor], i)
        self._cols["creditor"][ids] = creditor
        self._edited(ids)
        self._dues = None  # the creditors of the dues kept changed, not what is due
        self._active.clear()  # the answers by creditor are out of date

    def close(self, ids) -> None:
        """Mark contracts inactive (repaid, defaulted and resolved, or expired)."""
        ids = self._contract_ids(ids)
        self._cols["active"][ids] = False
        self._edited(ids)
        # the answers drawn from the lists of the contracts closed drop them when next asked
        self._all.closes += 1
        c = self._cols
        for of, column in (
            (self._of_kind, "kind"),
            (self._of_debtor, "debtor"),
            (self._of_creditor, "creditor"),
        ):
            for key in _distinct(c[column][ids]):
                of[key].closes += 1

    def set_terms(
        self,
        i: int,
        *,
        payment: float,
        maturity: int,
        tick: int,
        residual_guarantee: float | None = None,
    ) -> None:
        """Reset a lease's monthly ``payment`` and ``maturity`` (an enlargement or a
        renewal); its remaining commitment becomes ``payment * (maturity - tick)``."""
        if not _finite(payment) or payment < 0:
            raise ValueError(f"payment: {payment!r} must be a finite amount >= 0")
        if maturity < tick:
            raise ValueError(f"maturity: {maturity!r} is before month {tick!r}")
        c = self._cols
        c["payment"][i] = payment
        c["maturity"][i] = maturity
        c["principal"][i] = payment * (maturity - tick)
        if residual_guarantee is not None:
            c["residual_guarantee"][i] = residual_guarantee
        if IS_LEASE[c["kind"][i]]:  # a lease carries nothing: only its dues change
            self._changed([i])
            self._dues_changed([i])
        else:
            self._edited([i])

    def set_collateral(self, ids, asset: int) -> None:
        """Secure contracts ``ids`` on real asset ``asset``."""
        ids = self._contract_ids(ids)
        self._cols["collateral"][ids] = asset
        self._changed(ids)  # not an edit for the kept views: none of them reads the collateral

    # ------------------------------------------------------------------- dues
    def dues(self, tick: int) -> Dues:
        """Everything falling due in month ``tick`` (kept until the book changes; the dues
        of a few contracts booked or changed since are redone alone, row by row)."""
        if tick != self._dues_tick or self.contracts_version != self._dues_version:
            self._update_dues(tick)
        if self._dues is None:
            self._dues = _read_only(self._dues_by_row())
        return self._dues

    def obligations(self, tick: int) -> np.ndarray:
        """What each account owes in month ``tick`` under its contracts, $B (read-only):
        the ``cash`` of ``dues(tick)`` summed by debtor, one contract after another in id
        order as ``np.bincount`` sums it. Kept with the dues: while the dues of no contract
        summed change, those of the contracts booked since are added to the sums (most
        bonds and loans booked fall due only from the next month: they add nothing)."""
        if tick != self._dues_tick or self.contracts_version != self._dues_version:
            self._update_dues(tick)
        if self._owed is None:
            due, cash, _ = self._by_row
            ids = due[: self._n].nonzero()[0]
            self._owed = _sums(self._cols["debtor"][ids], cash[ids], self.n_accounts)
            self._owed.flags.writeable = False
        return self._owed

    def _update_dues(self, tick: int) -> None:
        """Bring the dues kept by row to month ``tick`` and the contracts changed or booked
        since: a few rows are redone alone, else all. The kept obligations take the dues
        of the contracts booked since, unless the dues of a contract they summed changed;
        the kept dues are gathered anew only if some changed."""
        redo, first = self._redo, self._dues_rows
        if (
            self._dues_tick != tick
            or redo is None
            or len(redo) + self._n - first > _FEW_DUES
            or self._n > self._by_row[0].size
        ):
            dues = self._dues_of(self.active_ids(), tick)
            self._keep_by_row(dues)
            self._dues = _read_only(dues)
            self._owed = None
        else:
            redone = sorted({*redo, *range(first, self._n)})
            changed = [i for i in redone if self._redo_row(i, tick)]
            if changed:
                self._dues = None
                if changed[0] < first:
                    self._owed = None
                elif self._owed is not None:
                    self._owed = self._owed_plus(changed)
        self._dues_tick, self._dues_rows, self._redo = tick, self._n, []
        self._dues_version = self.contracts_version

    def _owed_plus(self, rows: list[int]) -> np.ndarray:
        """The kept obligations plus the kept dues of contracts ``rows``, due and booked
        since the sums (ascending), added one after another as ``np.bincount`` adds them
        (read-only)."""
        owed = self._owed.copy()
        cash = self._by_row[1]
        debtor = self._cols["debtor"]
        for i in rows:
            owed[debtor[i]] += cash[i]
        owed.flags.writeable = False
        return owed

    def _keep_by_row(self, dues: Dues) -> None:
        """Keep ``dues`` by contract row, over the book's capacity, in the arrays kept
        before if the book has not grown since (they are never given out): which rows are
        due is written anew, and cash and reduction only where due (elsewhere they are
        never read)."""
        capacity = self._cols["creditor"].size
        if self._by_row is None or self._by_row[0].size != capacity:
            self._by_row = (np.zeros(capacity, bool), np.zeros(capacity), np.zeros(capacity))
        due, cash, reduction = self._by_row
        due.fill(False)
        due[dues.ids] = True
        cash[dues.ids] = dues.cash
        reduction[dues.ids] = dues.reduction

    def _redo_row(self, i: int, tick: int) -> bool:
        """Recompute the kept dues of contract ``i`` in month ``tick``; whether they
        changed (a contract booked since the dues were kept owed nothing before)."""
        due, cash, reduction = self._by_row
        falls_due = self._due_of(i, tick)
        if falls_due is None:
            changed = due.item(i)
            due[i] = False
            return changed
        changed = not due.item(i) or (cash.item(i), reduction.item(i)) != falls_due
        due[i] = True
        cash[i], reduction[i] = falls_due
        return changed

    def _dues_by_row(self) -> Dues:
        """The dues kept by row, gathered in the order of contract ids."""
        due, cash, reduction = self._by_row
        ids = due[: self._n].nonzero()[0]
        c = self._cols
        return Dues(ids, c["debtor"][ids], c["creditor"][ids], cash[ids], reduction[ids])

    def _due_of(self, i: int, tick: int) -> tuple[float, float] | None:
        """``(cash, reduction)`` contract ``i`` owes in month ``tick``, None if nothing:
        ``_dues_of`` for one row, the same operations in the same order on Python floats
        (IEEE doubles, as numpy's), so the same numbers to the bit."""
        c = self._cols
        kind, start, maturity = c["kind"].item(i), c["start"].item(i), c["maturity"].item(i)
        principal = c["principal"].item(i)
        debt = _IS_DEBT[kind]
        pays = (
            (start < tick or kind == KindCode.PAYABLE)
            if debt
            else _IS_LEASE[kind] and tick < maturity
        )
        if not (c["active"].item(i) and pays and start <= tick and principal > 0):
            return None
        amortisation = c["amortisation"].item(i)
        if amortisation == _LEVEL:
            fee = c["payment"].item(i)
            fee = principal if principal - fee <= 1e-9 * fee else min(fee, principal)
            return fee, fee
        if amortisation == _LINEAR:
            due_principal = principal / max(maturity - (tick - 1), 1)
        else:
            due_principal = principal * (maturity <= tick)
        interest = principal * c["rate"].item(i) * (debt / 12.0)
        return interest + due_principal, due_principal

    def _dues_of(self, rows: np.ndarray, tick: int) -> Dues:
        """What active contracts ``rows`` (ascending ids) owe in month ``tick``.

        * debt is serviced from the month after ``start`` (a payable in its own month);
        * bullet debt: interest ``principal * rate / 12``, and all principal at maturity;
        * linear debt: interest plus ``principal / months_left`` each month;
        * level (leases, compute contracts): the fixed ``payment`` while
          ``start <= tick < maturity``, capped at the remaining commitment;
        * equity stakes and guarantees fall due never.

        ``_due_of`` repeats this arithmetic for one row: a change here is a change there.
        """
        c = self._cols
        kind = c["kind"][rows]
        start = c["start"][rows]
        maturity = c["maturity"][rows]
        principal = c["principal"][rows]
        debt = IS_DEBT.take(kind)
        # debt pays from the month after it is issued (a payable in its month); a lease
        # while start <= tick < maturity
        pays = np.where(
            debt,
            (start < tick) | (kind == KindCode.PAYABLE),
            IS_LEASE.take(kind) & (tick < maturity),
        )
        due = (pays & (start <= tick) & (principal > 0)).nonzero()[0]
        ids = rows[due]
        principal = principal[due]
        maturity = maturity[due]
        amort = c["amortisation"][ids]
        months_left = np.maximum(maturity - (tick - 1), 1)  # payments due tick..maturity
        due_principal = np.where(
            amort == _LINEAR, principal / months_left, principal * (maturity <= tick)
        )
        fee = c["payment"][ids]
        fee = np.where(principal - fee <= 1e-9 * fee, principal, np.minimum(fee, principal))
        level = amort == _LEVEL
        interest = principal * c["rate"][ids] * (debt[due] / 12.0)
        cash = np.where(level, fee, interest + due_principal)
        reduction = np.where(level, fee, due_principal)
        return Dues(ids, c["debtor"][ids], c["creditor"][ids], cash, reduction)

    # ------------------------------------------------------------ balance sheet
    def carried(self) -> np.ndarray:
        """Carrying amount of each contract ($B): principal for debt and equity stakes,
        zero for executory leases and contingent guarantees (kept until the next change)."""
        if self._sheets_rows != self._n:  # else kept up to date
            self._update_sheets()
        return self._carried

    def financial_assets(self) -> np.ndarray:
        """Sum of contracts carried as assets, by account ($B; kept until a change)."""
        if self._sheets_rows != self._n:  # else kept up to date
            self._update_sheets()
        return self._assets

    def liabilities(self) -> np.ndarray:
        """Debt owed by each account ($B; kept until a change). Equity stakes are not
        liabilities; an SPV's debt is the SPV's (its sponsor's true leverage adds it)."""
        if self._sheets_rows != self._n:  # else kept up to date
            self._update_sheets()
        return self._liabilities

    def _update_sheets(self) -> None:
        """Bring the kept carried amounts and balance sheets, not up to date, up to the whole
        book: the contracts booked since are added to them, else all are summed anew (as
        after a change to a contract already booked, which a sum in id order cannot take
        back)."""
        first = self._sheets_rows
        if first is None or self._n > self._carried_buffer.size:
            self._sheets_anew()
        else:
            self._sheets_plus(first)
        self._sheets_rows = self._n
        for view in (self._carried, self._assets, self._liabilities):
            view.flags.writeable = False

    def _sheets_anew(self) -> None:
        """Carried amounts and balance sheets of all contracts, the carried amounts in a new
        buffer over the book's capacity (those given out before keep theirs)."""
        n, c = self._n, self._cols
        kind = c["kind"][:n]
        carried = np.where(c["active"][:n] & CARRIES.take(kind), c["principal"][:n], 0.0)
        self._carried_buffer = np.empty(c["kind"].size)
        self._carried = self._carried_buffer[:n]
        self._carried[:] = carried
        self._assets = self._by_account("creditor", carried)
        # of the kinds that carry an amount, all but equity stakes are debt
        debt = np.where(kind != KindCode.EQUITY, carried, 0.0)
        self._liabilities = self._by_account("debtor", debt)

    def _sheets_plus(self, first: int) -> None:
        """The kept balance sheets plus the contracts from row ``first`` on, added one after
        another as ``np.bincount`` adds them, so the sums are those over all rows to the bit
        (a contract that carries nothing adds 0.0, which leaves a sum of amounts >= 0 as it
        is); their carried amounts are written after the kept ones. A few contracts are
        added one by one, more by ``np.add.at``, which adds them in the same order."""
        c = self._cols
        assets, liabilities = self._assets.copy(), self._liabilities.copy()
        if self._n - first > _FEW_ROWS:
            rows = slice(first, self._n)
            kind = c["kind"][rows]
            carried = np.where(c["active"][rows] & CARRIES.take(kind), c["principal"][rows], 0.0)
            self._carried_buffer[rows] = carried
            np.add.at(assets, c["creditor"][rows], carried)
            debt = np.where(kind != KindCode.EQUITY, carried, 0.0)
            np.add.at(liabilities, c["debtor"][rows], debt)
        else:
            for i in range(first, self._n):
                kind = c["kind"].item(i)
                carries = c["active"].item(i) and _CARRIES[kind]
                amount = c["principal"].item(i) if carries else 0.0
                self._carried_buffer[i] = amount
                if amount:
                    assets[c["creditor"].item(i)] += amount
                    if _IS_DEBT[kind]:
                        liabilities[c["debtor"].item(i)] += amount
        self._carried = self._carried_buffer[: self._n]
        self._assets, self._liabilities = assets, liabilities

    def _by_account(self, column: str, amounts: np.ndarray) -> np.ndarray:
        """Sum of ``amounts`` (one per contract) by the account in ``column``, $B."""
        return _sums(self._cols[column][: self._n], amounts, self.n_accounts)

    def equity(self, real_assets: np.ndarray | None = None) -> np.ndarray:
        """Derived equity of each account: cash + financial assets + real assets − debt."""
        eq = self.cash + self.financial_assets() - self.liabilities()
        if real_assets is not None:
            eq = eq + real_assets
        return eq

    def equity_of(self, account: int, real_assets: float = 0.0) -> float:
        """``equity(real)[account]`` for one account, without building the whole array."""
        if self._sheets_rows != self._n:  # else kept up to date
            self._update_sheets()
        cash, assets = self._cash[account], self._assets.item(account)
        return float(cash + assets - self._liabilities.item(account) + real_assets)

    def exposures(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Carried debt and equity claims as (creditor, debtor, amount) triplets."""
        amount = self.carried()
        keep = amount > 0
        return (
            self._cols["creditor"][: self._n][keep],
            self._cols["debtor"][: self._n][keep],
            amount[keep],
        )

    # -------------------------------------------------------------- invariants
    def check_invariants(self, money_supply: float) -> None:
        """Raise ``InvariantError`` naming the account or contract if an identity fails.

        * the cash of all accounts, ``World`` included, equals ``money_supply``;
        * no account but ``World`` has negative cash;
        * every contract's asset side equals its liability side: each contract carries one
          amount, finite and non-negative, between two known accounts, and the sum of all
          derived equity equals all cash plus equity stakes (debt nets out);
        * no NaN or inf in any column or in any cash balance.
        """
        if not np.isfinite(money_supply):
            raise InvariantError(f"money supply is {money_supply!r}")
        n = self._n
        cash = self.cash
        bad = ~np.isfinite(cash)
        if bad.any():
            k = int(np.flatnonzero(bad)[0])
            raise InvariantError(f"cash of account {k} ({self.names[k]}) is {cash[k]!r}")
        total = float(cash.sum())
        scale = max(1.0, float(np.abs(cash).sum()))
        if abs(total - money_supply) > 1e-9 * scale:
            raise InvariantError(
                f"cash not conserved: all accounts hold {total!r}, expected {money_supply!r}"
            )
        negative = np.flatnonzero(cash[1:] < -1e-9 * scale) + 1
        if negative.size:
            k = int(negative[0])
            raise InvariantError(f"account {k} ({self.names[k]}) has negative cash {cash[k]!r}")
        for name, arr in self._cols.items():
            col = arr[:n]
            if col.dtype.kind == "f" and not np.all(np.isfinite(col)):
                k = int(np.flatnonzero(~np.isfinite(col))[0])
                raise InvariantError(f"contract {k}: {name} is {col[k]!r}")
        principal = self._cols["principal"][:n]
        if np.any(principal < 0):
            k = int(np.flatnonzero(principal < 0)[0])
            raise InvariantError(f"contract {k}: principal {principal[k]!r} is negative")
        creditor = self._cols["creditor"][:n]
        debtor = self._cols["debtor"][:n]
        bad = (
            (creditor < 0)
            | (creditor >= self.n_accounts)
            | (debtor < 0)
            | (debtor >= self.n_accounts)
            | (creditor == debtor)
        )
        if np.any(bad):
            k = int(np.flatnonzero(bad)[0])
            raise InvariantError(
                f"contract {k}: creditor {int(creditor[k])} and debtor {int(debtor[k])} must be "
                "two known accounts"
            )
        # Each contract has one carried amount that is the creditor's asset and the debtor's
        # liability, so debt nets out of total equity: what is left is cash plus equity stakes.
        kind = self._cols["kind"][:n]
        stakes = float(self.carried()[kind == ContractKind.EQUITY].sum())
        equity = float((cash + self.financial_assets() - self.liabilities()).sum())
        if abs(equity - (total + stakes)) > 1e-9 * max(scale, stakes, 1.0):
            raise InvariantError(
                f"balance sheets do not add up: total equity {equity!r} != cash {total!r} "
                f"+ equity stakes {stakes!r}"
            )
