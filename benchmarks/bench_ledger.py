"""Benchmark model.ledger: dues, bulk transfers, and building the contract book.

Prints median-of-``--repeat`` wall-clock timings for

* ``Ledger.dues(tick)`` on a book of 1,000,000 active contracts of mixed kinds (loans,
  bonds, vendor financing, NAV loans and payables, bullet or linear; compute contracts
  and SPV leases, level; equity stakes and guarantees, which never fall due); target
  <= 50 ms median;
* ``Ledger.transfer_many`` of 1,000,000 payments between the book's accounts;
* building a book with ``Ledger.add`` one contract at a time, 100,000 contracts (amortised
  cost per add, in µs);
* a reference in the same process: a plain Python loop computing the same dues over
  100,000 contracts, against ``dues`` on the same 100,000-contract book, and the ratio
  (the two results are checked to agree).

The 1,000,000-contract book is built through ``add`` in a loop (about 20 µs a contract,
so roughly 20 s), which is also how the model builds it; ``--contracts`` makes it smaller.

Usage: ``python benchmarks/bench_ledger.py [--seed 0] [--repeat 7] [--quick]``.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
from timing import median_time

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from model.ledger import (  # noqa: E402
    DEBT_KINDS,
    Amortisation,
    ContractKind,
    Ledger,
    Sector,
)

TICK = 24
"""The month at which dues are computed; every contract has started by then."""

DUES_TARGET_MS = 50.0

_DEBT = [int(k) for k in DEBT_KINDS]
_LEASE = [int(ContractKind.COMPUTE), int(ContractKind.SPV_LEASE)]
_OTHER = [int(ContractKind.EQUITY), int(ContractKind.GUARANTEE)]


def random_book(rng: np.random.Generator, n: int, n_accounts: int) -> dict[str, list]:
    """Columns (as Python lists, ready for ``add``) of ``n`` mixed contracts, all started by
    ``TICK``: 70% debt, 20% leases, 10% equity stakes and guarantees."""
    group = rng.choice(3, size=n, p=[0.7, 0.2, 0.1])
    kind = np.where(
        group == 0,
        rng.choice(_DEBT, size=n),
        np.where(group == 1, rng.choice(_LEASE, size=n), rng.choice(_OTHER, size=n)),
    )
    amort = np.where(
        group == 0,
        rng.choice([int(Amortisation.BULLET), int(Amortisation.LINEAR)], size=n),
        np.where(group == 1, int(Amortisation.LEVEL), int(Amortisation.BULLET)),
    )
    creditor = rng.integers(0, n_accounts, size=n)
    debtor = (creditor + rng.integers(1, n_accounts, size=n)) % n_accounts
    start = rng.integers(0, TICK + 1, size=n)
    # a few mature exactly at TICK or before (bullet principal due, leases over)
    maturity = start + rng.integers(0, 121, size=n)
    payment = rng.lognormal(-2.0, 1.0, size=n)
    principal = np.where(
        group == 1, payment * np.maximum(maturity - start, 1), rng.lognormal(0.0, 1.5, size=n)
    )
    rate = rng.uniform(0.0, 0.15, size=n)
    return {
        "creditor": creditor.tolist(),
        "debtor": debtor.tolist(),
        "kind": kind.tolist(),
        "principal": principal.tolist(),
        "rate": rate.tolist(),
        "start": start.tolist(),
        "maturity": maturity.tolist(),
        "amortisation": amort.tolist(),
        "payment": payment.tolist(),
    }


def build(cols: dict[str, list], n: int, n_accounts: int) -> Ledger:
    """A ledger with ``n_accounts`` accounts and the first ``n`` contracts, added one by one."""
    ledger = Ledger()
    for k in range(1, n_accounts):
        ledger.open_account(f"a{k}", Sector(1 + k % 8))
    add = ledger.add
    c = cols
    for i in range(n):
        add(
            creditor=c["creditor"][i],
            debtor=c["debtor"][i],
            kind=c["kind"][i],
            principal=c["principal"][i],
            rate=c["rate"][i],
            start=c["start"][i],
            maturity=c["maturity"][i],
            amortisation=c["amortisation"][i],
            payment=c["payment"][i],
        )
    return ledger


def reference_dues(cols: dict[str, list], n: int, tick: int):
    """Plain Python: (ids, cash, reduction) due at ``tick`` from the first ``n`` contracts.

    Debt is serviced from the month after ``start`` (a payable in its own month); leases
    are paid while ``start <= tick < maturity``; all contracts are active.
    """
    debt = set(_DEBT)
    payable = int(ContractKind.PAYABLE)
    lease = set(_LEASE)
    linear = int(Amortisation.LINEAR)
    level = int(Amortisation.LEVEL)
    ids, cash, reduction = [], [], []
    rows = zip(
        cols["kind"][:n],
        cols["principal"][:n],
        cols["rate"][:n],
        cols["start"][:n],
        cols["maturity"][:n],
        cols["amortisation"][:n],
        cols["payment"][:n],
        strict=True,
    )
    for i, (kind, p, rate, start, maturity, amort, payment) in enumerate(rows):
        if start > tick or p <= 0:
            continue
        if kind in debt:
            if start == tick and kind != payable:
                continue
            if amort == level:
                fee = min(payment, p)
                ids.append(i)
                cash.append(fee)
                reduction.append(fee)
                continue
            if amort == linear:
                due = p / max(maturity - tick + 1, 1)  # instalments tick..maturity
            else:
                due = p if maturity <= tick else 0.0
            ids.append(i)
            cash.append(p * rate / 12.0 + due)
            reduction.append(due)
        elif kind in lease and tick < maturity:
            fee = min(payment, p) if amort == level else 0.0
            ids.append(i)
            cash.append(fee)
            reduction.append(fee)
    return ids, cash, reduction


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, default=0, help="numpy Generator seed")
    ap.add_argument("--repeat", type=int, default=7, help="timed runs per case (median)")
    ap.add_argument("--contracts", type=int, default=1_000_000, help="size of the big book")
    ap.add_argument("--payments", type=int, default=1_000_000, help="transfers per call")
    ap.add_argument("--add-n", type=int, default=100_000, help="contracts added one by one")
    ap.add_argument("--accounts", type=int, default=1_000, help="accounts, World included")
    ap.add_argument("--quick", action="store_true", help="a 200,000-contract big book")
    args = ap.parse_args(argv)
    if args.quick:
        args.contracts = min(args.contracts, 200_000)
    rng = np.random.default_rng(args.seed)
    n_big = args.contracts
    n_add = min(args.add_n, n_big)
    cols = random_book(rng, n_big, args.accounts)

    rows = []  # (case, n, median seconds, per-item µs or "-")

    t0 = time.perf_counter()
    big = build(cols, n_big, args.accounts)
    t_build_big = time.perf_counter() - t0
    assert len(big) == n_big and big.active_ids().size == n_big

    d = big.dues(TICK)
    # time the computation itself over the whole book: dues(tick) is kept until the book changes
    t_dues = median_time(lambda: big._dues_of(big.active_ids(), TICK), args.repeat)
    rows.append((f"dues(tick) [{d.ids.size:,} due]", n_big, t_dues, "-"))

    src = rng.integers(0, args.accounts, size=args.payments)
    dst = rng.integers(0, args.accounts, size=args.payments)
    amt = rng.lognormal(-3.0, 1.0, size=args.payments)
    money = float(big.cash.sum())
    t_tr = median_time(lambda: big.transfer_many(src, dst, amt), args.repeat)
    assert abs(float(big.cash.sum()) - money) <= 1e-9 * max(1.0, float(np.abs(big.cash).sum()))
    rows.append(("transfer_many", args.payments, t_tr, t_tr / args.payments * 1e6))

    holder: list[Ledger] = []

    def build_small() -> None:
        holder[:] = [build(cols, n_add, args.accounts)]

    add_repeat = max(1, min(args.repeat, 5))
    t_add = median_time(build_small, add_repeat, warmup=False)
    small = holder[0]
    rows.append(("add one by one (whole book)", n_add, t_add, t_add / n_add * 1e6))
    rows.append(("add one by one (1M book, once)", n_big, t_build_big, t_build_big / n_big * 1e6))

    ref_ids, ref_cash, ref_red = reference_dues(cols, n_add, TICK)
    ds = small.dues(TICK)
    err = np.inf
    if ds.ids.tolist() == ref_ids:
        err = max(
            float(np.max(np.abs(ds.cash - ref_cash), initial=0.0)),
            float(np.max(np.abs(ds.reduction - ref_red), initial=0.0)),
        )
    if err <= 1e-9:
        agree = f"results agree (max abs difference {err:.1e})"
    elif np.isfinite(err):
        agree = f"MISMATCH: amounts differ by up to {err:.1e}"
    else:
        diff = len(set(ds.ids.tolist()) ^ set(ref_ids))
        agree = f"MISMATCH: {diff} contracts differ between dues and the reference"
    t_small = median_time(lambda: small._dues_of(small.active_ids(), TICK), args.repeat)
    t_ref = median_time(lambda: reference_dues(cols, n_add, TICK), max(1, args.repeat // 2))
    rows.append(("dues(tick), same book as reference", n_add, t_small, "-"))
    rows.append(("reference: plain Python loop", n_add, t_ref, "-"))

    head = f"{'case':<40}{'n':>11}{'median ms':>12}{'µs/item':>10}"
    print(f"seed {args.seed}, {args.accounts:,} accounts, median of {args.repeat} runs")
    print(head)
    print("-" * len(head))
    for case, n, t, per in rows:
        per_s = f"{per:.3f}" if isinstance(per, float) else per
        print(f"{case:<40}{n:>11,}{t * 1e3:>12.2f}{per_s:>10}")
    print()
    print(
        f"n = {n_add:,}: dues / plain-Python reference = {t_small / t_ref:.4f} "
        f"({t_ref / t_small:.0f}x faster); {agree}"
    )
    verdict = "OK" if t_dues * 1e3 <= DUES_TARGET_MS else "ABOVE TARGET"
    print(
        f"dues on {n_big:,} contracts: {t_dues * 1e3:.1f} ms median "
        f"(target <= {DUES_TARGET_MS:.0f} ms): {verdict}"
    )


if __name__ == "__main__":
    main()
