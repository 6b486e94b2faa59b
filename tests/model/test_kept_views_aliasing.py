"""Random sequences of ledger operations on a book that starts with room for one contract
(so it grows often): after each, every kept view equals a fresh computation, and no array
the ledger handed out before (carried amounts, balance sheets, obligations, dues, active
ids) has changed since: kept views may share a buffer, never with a view given out."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from model.ledger import Amortisation, ContractKind, Ledger, Sector
from tests.model.test_kept_views import MUTATORS, check_ledger, same

OPS = (*MUTATORS, "add", "add", "transfer", "transfer_many", "read", "tick")
"""What a step does: a change of the book (adds weighted thrice), a cash transfer, only a
read of the views, or the next month."""


def handed_out(ledger: Ledger, tick: int, rng: np.random.Generator) -> list[np.ndarray]:
    """Arrays the ledger gives out that must not change afterwards."""
    dues = ledger.dues(tick)
    out = [
        ledger.carried(),
        ledger.liabilities(),
        ledger.financial_assets(),
        ledger.obligations(tick),
        ledger.active_ids(),
        dues.ids,
        dues.cash,
        dues.reduction,
    ]
    for _ in range(3):
        kind = ContractKind(int(rng.integers(len(ContractKind))))
        account = int(rng.integers(ledger.n_accounts))
        out += [
            ledger.active_ids(kind),
            ledger.active_ids(kind, debtor=account),
            ledger.active_ids(kind, creditor=account),
            ledger.active_ids(debtor=account),
        ]
    return out


def change(ledger: Ledger, op: str, tick: int, rng: np.random.Generator) -> None:
    """One random change of the book (or of cash) named by ``op``."""
    n = ledger.n_accounts
    active = ledger.active_ids()
    if op == "add":
        creditor, debtor = rng.choice(n, 2, replace=False).tolist()
        start = tick + int(rng.integers(-2, 3))
        ledger.add(
            creditor=creditor,
            debtor=debtor,
            kind=ContractKind(int(rng.integers(len(ContractKind)))),
            principal=float(rng.uniform(0, 10)),
            rate=float(rng.uniform(0, 0.2)),
            start=start,
            maturity=start + int(rng.integers(0, 24)),
            amortisation=Amortisation(int(rng.integers(len(Amortisation)))),
            payment=float(rng.uniform(0, 2)),
            gw=float(rng.uniform(0, 1)),
        )
    elif op == "open_account":
        ledger.open_account(f"x{n}", Sector(int(rng.integers(len(Sector)))))
    elif op == "transfer":
        ledger.transfer(int(rng.integers(n)), int(rng.integers(n)), float(rng.uniform(0, 1)))
    elif op == "transfer_many":
        k = int(rng.integers(0, 4))
        ledger.transfer_many(rng.integers(n, size=k), rng.integers(n, size=k), rng.uniform(0, 1, k))
    elif active.size and op not in ("read", "tick"):
        ids = rng.choice(active, int(rng.integers(1, min(4, active.size) + 1)), replace=False)
        if op == "reduce":
            ledger.reduce(ids, ledger.column("principal")[ids] * rng.uniform(0, 1, ids.size))
        elif op == "increase":
            ledger.increase(ids, rng.uniform(0, 3, ids.size))
        elif op == "close":
            ledger.close(ids)
        elif op == "set_collateral":
            ledger.set_collateral(ids, int(rng.integers(-1, 3)))
        elif op == "set_terms":
            maturity = tick + int(rng.integers(0, 12))
            payment = float(rng.uniform(0, 2))
            ledger.set_terms(int(ids[0]), payment=payment, maturity=maturity, tick=tick)
        elif op == "reassign":
            i = int(ids[0])
            debtor = int(ledger.column("debtor")[i])
            buyer = int(rng.choice([a for a in range(n) if a != debtor]))
            ledger.reassign([i], buyer, basis=float(rng.uniform(0.5, 1)))


@settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    seed=st.integers(0, 2**32 - 1),
    steps=st.integers(5, 100),
    capacity=st.sampled_from([1, 2, 3, 8]),
    read_every=st.sampled_from([1, 2, 5]),
)
def test_views_given_out_never_change(seed, steps, capacity, read_every):
    rng = np.random.default_rng(seed)
    ledger = Ledger(capacity=capacity)
    for k in range(3):
        ledger.open_account(f"a{k}", Sector.BANK)
    tick = 0
    held: list[tuple[np.ndarray, np.ndarray]] = []
    for step in range(steps):
        op = OPS[int(rng.integers(len(OPS)))]
        change(ledger, op, tick, rng)
        tick += op == "tick"
        if step % read_every == 0:
            held += [(view, view.copy()) for view in handed_out(ledger, tick, rng)]
        check_ledger(ledger, tick)
        for view, copy in held:
            assert same(view, copy), f"a view given out changed (step {step}, {op})"
