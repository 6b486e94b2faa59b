"""Validation: the contagion engine on the Gai & Kapadia (2010) interbank network.

Gai & Kapadia (2010) draw an Erdős–Rényi directed interbank network of ``banks`` banks
with average degree ``z``, fail one bank at random and count how many others fail. Each
bank holds interbank assets of 20% of its total assets, spread evenly over the banks it
has lent to, and a capital buffer of 4% of its total assets; a failed bank repays
nothing (zero recovery). Contagion is a draw in which at least 5% of the banks fail. The
paper finds contagion only inside a window of average degree, roughly 1 < z < 8, and
there it reaches almost the whole system.

This module reproduces that experiment with the model's own contagion code:

* every network is written into a :class:`model.ledger.Ledger` as contracts — banks are
  accounts of sector ``BANK``; an interbank loan is a ``LOAN`` contract from creditor
  bank to debtor bank; deposits are ``LOAN`` contracts from the ``World`` account 0 to
  each bank; external assets are ``LOAN`` contracts from each bank to ``World``;
* the initial failure is booked in the ledger: the failing bank's external-asset
  contract is written off (principal reduced to zero);
* the liabilities matrix and outside assets are read back from the ledger's contracts
  (:meth:`model.ledger.Ledger.exposures`) and cleared with
  :func:`model.clearing.clearing_vector` with zero recovery (``alpha = beta = 0``); a
  bank's obligations are its whole debt (interbank borrowing plus deposits).

Mapping of Eisenberg–Noe with zero recovery to the Gai–Kapadia failure rule
---------------------------------------------------------------------------
Bank ``i`` has total assets ``A_i`` (1 unit), interbank assets ``A_i^IB = 0.2 A_i`` if
it has ``j_i ≥ 1`` debtors (each loan ``0.2 A_i / j_i``) and 0 otherwise, external
assets ``A_i^M = A_i − A_i^IB``, capital ``K_i = 0.04 A_i``, interbank liabilities
``L_i^IB`` (set by its creditors' loans) and deposits ``D_i = A_i − K_i − L_i^IB``. In
the clearing, ``i``'s obligations are ``pbar_i = L_i^IB + D_i = A_i − K_i`` and its
outside assets ``e_i = A_i^M`` (the ``World`` always pays, so its debts to the banks
are outside assets of the banks, not a row of the matrix). With zero recovery a
defaulter pays nothing, every other bank pays in full, so bank ``i`` defaults in the
greatest clearing vector iff

    A_i^M + A_i^IB (1 − f_i / j_i) < A_i − K_i   ⇔   A_i^IB f_i / j_i > K_i,

``f_i`` being the number of its debtors that default: exactly Gai & Kapadia's rule
``(1 − φ) A_i^IB f_i / j_i > K_i`` with ``φ = 0`` recovery on interbank claims. The
fictitious-default algorithm adds defaulters round by round from the initial failure
(whose assets, ``A_k^IB (1 − f_k/j_k) ≤ 0.2 < 0.96``, fall short once its external
assets are gone), which is Gai & Kapadia's cascade; the greatest clearing vector is the
smallest default set closed under the rule, i.e. the cascade's fixed point. For the
benchmark ratios the rule reads ``5 f_i > j_i``: a bank with ``j < 5`` debtors fails on
a single loss (the upper edge of the window). Equality (``5 f = j``) is not a failure in
either definition; the clearing's relative tolerance (1e-12) keeps round-off from
creating one. :func:`gk_fixed_point` computes the rule directly, in integers, and the
tests check that both give the same failed set on every draw.

Negative deposits. A bank with many creditors but few debtors can have
``L_i^IB > A_i − K_i``, i.e. ``D_i < 0``, which no contract can carry. Such a bank gets
``−D_i`` more external assets and zero deposits: its capital stays ``0.04 A_i`` and its
interbank assets ``0.2 A_i``, so the failure rule — which involves only ``A^IB`` and
``K`` — is unchanged (its capital is then less than 4% of its enlarged balance sheet).
This is rare: about one bank in ten networks of 1,000 banks at ``z`` of 1–2, fewer above,
none from ``z ≈ 8``.

Units: balance sheets are in units of one bank's nominal total assets (the experiment
is scale-free); frequencies and extents are shares in [0, 1].

References
----------
Gai, P. & Kapadia, S. (2010). Contagion in financial networks. *Proceedings of the Royal
Society A* 466(2120):2401–2423.

Eisenberg, L. & Noe, T. H. (2001). Systemic risk in financial systems. *Management
Science* 47(2):236–249.

Rogers, L. C. G. & Veraart, L. A. M. (2013). Failure and rescue in an interbank network.
*Management Science* 59(4):882–898.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np

__all__ = [
    "CAPITAL_RATIO",
    "INTERBANK_SHARE",
    "CONTAGION_SHARE",
    "PUBLISHED_WINDOW",
    "draw_network",
    "build_ledger",
    "clearing_inputs",
    "cascade",
    "gk_fixed_point",
    "simulate_draws",
    "simulate_point",
    "plot",
]

CAPITAL_RATIO = 0.04
"""Capital buffer as a share of a bank's total assets."""

INTERBANK_SHARE = 0.20
"""Interbank assets as a share of a bank's total assets (banks with at least one debtor)."""

CONTAGION_SHARE = 0.05
"""A draw is a contagion when at least this share of banks fails (initial failure included)."""

PUBLISHED_WINDOW = (1.0, 8.0)
"""Range of average degree z in which Gai & Kapadia (2010) find contagion (approximate)."""

_MAX_CONTRACTS = 300_000
"""Contracts per ledger: draws are cleared together, as disjoint networks, in batches."""

_RULE_TOL = 1e-9
"""Relative slack of the direct failure rule, so ``5 f = j`` never counts as a failure."""


# --------------------------------------------------------------------------- network


def _distinct(rng: np.random.Generator, population: int, m: int) -> np.ndarray:
    """``m`` distinct integers drawn uniformly from ``range(population)``.

    Sequential rejection: draw with replacement and keep first occurrences, in order,
    until ``m`` distinct values are found; the result is a uniform random m-subset.
    """
    out = np.empty(0, dtype=np.int64)
    while out.size < m:
        need = m - out.size
        cand = rng.integers(0, population, size=need + need // 8 + 16)
        pool = np.concatenate([out, cand])
        _, first = np.unique(pool, return_index=True)
        first.sort()
        out = pool[first][:m]
    return out


def draw_network(rng: np.random.Generator, banks: int, z: float) -> tuple[np.ndarray, np.ndarray]:
    """One Erdős–Rényi directed interbank network.

    Every ordered pair of distinct banks ``(c, d)`` is a loan from ``c`` to ``d``
    independently with probability ``p = z / (banks − 1)``, so each bank has on average
    ``z`` debtors and ``z`` creditors.

    Parameters
    ----------
    rng : numpy.random.Generator
        Source of randomness.
    banks : int
        Number of banks, ≥ 2.
    z : float
        Average degree (loans per bank), ``0 < z ≤ banks − 1``.

    Returns
    -------
    creditor, debtor : ndarray of int64
        Bank indices (0-based) of each loan, sorted by creditor then debtor.
    """
    pairs = banks * (banks - 1)
    p = min(1.0, z / (banks - 1))
    m = int(rng.binomial(pairs, p))
    q = np.sort(_distinct(rng, pairs, m))
    creditor = q // (banks - 1)
    r = q % (banks - 1)
    debtor = r + (r >= creditor)  # skip the diagonal
    return creditor, debtor


def _balance_sheets(creditor: np.ndarray, debtor: np.ndarray, banks: int):
    """Per-loan amount and each bank's external assets and deposits (units of A_i = 1)."""
    j = np.bincount(creditor, minlength=banks)  # debtors of each bank
    ib_assets = np.where(j > 0, INTERBANK_SHARE, 0.0)
    loan = INTERBANK_SHARE / j[creditor]
    ib_liabilities = np.bincount(debtor, weights=loan, minlength=banks)
    deposits = 1.0 - CAPITAL_RATIO - ib_liabilities
    external = 1.0 - ib_assets + np.maximum(-deposits, 0.0)  # see "Negative deposits"
    return loan, external, np.maximum(deposits, 0.0)


# ---------------------------------------------------------------------------- ledger


def _contract_book():
    """A :class:`model.ledger.Ledger` that can also book many plain loans at once."""
    from model.ledger import _COLUMNS, ContractKind, Ledger

    class ContractBook(Ledger):
        """Ledger with a vectorised ``add_loans`` (same validation and columns as ``add``)."""

        def add_loans(self, creditor, debtor, principal) -> np.ndarray:
            """Book ``LOAN`` contracts ``creditor[k] -> debtor[k]`` of ``principal[k]`` $B
            (bullet, zero rate, start and maturity 0); returns their ids."""
            creditor = np.asarray(creditor, dtype=np.int64)
            debtor = np.asarray(debtor, dtype=np.int64)
            principal = np.asarray(principal, dtype=np.float64)
            if not creditor.shape == debtor.shape == principal.shape:
                raise ValueError("add_loans: creditor, debtor and principal differ in length")
            bad = ~np.isfinite(principal) | (principal < 0)
            if bad.any():
                k = int(np.flatnonzero(bad)[0])
                raise ValueError(f"principal: {principal[k]!r} must be a finite amount >= 0")
            self._check_account("creditor", creditor)
            self._check_account("debtor", debtor)
            k = principal.size
            while self._n + k > self._cols["creditor"].size:
                self._grow()
            ids = np.arange(self._n, self._n + k)
            for name, (_, default) in _COLUMNS.items():  # the terms ``add`` defaults to
                self._cols[name][ids] = default
            self._cols["creditor"][ids] = creditor
            self._cols["debtor"][ids] = debtor
            self._cols["principal"][ids] = principal
            self._cols["kind"][ids] = ContractKind.LOAN
            self._booked(k)
            return ids

    return ContractBook


def build_ledger(networks: list[tuple[np.ndarray, np.ndarray]], banks: int, *, bulk: bool = True):
    """Write one or more Gai–Kapadia networks into one ledger, as disjoint bank systems.

    Parameters
    ----------
    networks : list of (creditor, debtor)
        Loans of each network, as from :func:`draw_network`.
    banks : int
        Banks per network.
    bulk : bool, optional
        Book contracts with the vectorised ``add_loans`` (default) or one by one with
        :meth:`model.ledger.Ledger.add` (slow; the tests check that both agree).

    Returns
    -------
    ledger : model.ledger.Ledger
        Account 0 is ``World``; bank ``i`` of network ``d`` is account ``1 + d·banks + i``.
    external_ids : ndarray of int64
        Contract id of each bank's external assets, shape ``(len(networks), banks)``.
    """
    from model.ledger import WORLD, ContractKind, Ledger, Sector

    n_loans = sum(c.size for c, _ in networks)
    capacity = n_loans + 2 * banks * len(networks) + 1
    ledger = _contract_book()(capacity=capacity) if bulk else Ledger(capacity=capacity)
    external_ids = np.empty((len(networks), banks), dtype=np.int64)
    for d, (creditor, debtor) in enumerate(networks):
        first = ledger.n_accounts
        for i in range(banks):
            ledger.open_account(f"bank {d}.{i}", Sector.BANK)
        acct = first + np.arange(banks)
        loan, external, deposits = _balance_sheets(creditor, debtor, banks)
        world = np.full(banks, WORLD)
        book = [
            (acct[creditor], acct[debtor], loan),  # interbank loans
            (world, acct, deposits),  # deposits: the World lends to the bank
            (acct, world, external),  # external assets: the bank lends to the World
        ]
        for part, (cr, de, amount) in enumerate(book):
            if bulk:
                ids = ledger.add_loans(cr, de, amount)
            else:
                ids = np.array(
                    [
                        ledger.add(
                            creditor=int(a),
                            debtor=int(b),
                            kind=ContractKind.LOAN,
                            principal=float(x),
                        )
                        for a, b, x in zip(cr, de, amount, strict=True)
                    ]
                )
            if part == 2:
                external_ids[d] = ids
    return ledger, external_ids


def clearing_inputs(ledger):
    """Liabilities matrix and outside assets for clearing, from the ledger's contracts.

    ``L[d, c]`` is what account ``d`` owes account ``c`` over all carried debt
    (interbank loans and deposits; the ``World`` row is empty); what the ``World`` owes
    an account (its external assets) is that account's outside asset ``e[c]``, because
    the rest of the economy always pays.

    Returns
    -------
    L : scipy.sparse.csr_array
        ``(n_accounts, n_accounts)`` liabilities, units of one bank's total assets.
    e : ndarray
        Outside assets of each account.
    """
    import scipy.sparse as sp

    from model.ledger import WORLD

    creditor, debtor, amount = ledger.exposures()
    n = ledger.n_accounts
    owed_by_world = debtor == WORLD
    e = np.bincount(creditor[owed_by_world], weights=amount[owed_by_world], minlength=n)
    keep = ~owed_by_world
    L = sp.csr_array((amount[keep], (debtor[keep], creditor[keep])), shape=(n, n))
    L.sum_duplicates()
    return L, e


def cascade(networks, banks: int, shocked: np.ndarray, *, bulk: bool = True) -> np.ndarray:
    """Failed banks after one initial failure in each network, by the clearing vector.

    Parameters
    ----------
    networks : list of (creditor, debtor)
        Networks, as from :func:`draw_network`.
    banks : int
        Banks per network.
    shocked : (len(networks),) array of int
        The bank (0-based) that loses all its external assets in each network.
    bulk : bool, optional
        Passed to :func:`build_ledger`.

    Returns
    -------
    failed : (len(networks), banks) ndarray of bool
        Banks that do not pay their obligations in full (the initial failure included).
    """
    from model.clearing import clearing_vector

    ledger, external_ids = build_ledger(networks, banks, bulk=bulk)
    ids = external_ids[np.arange(len(networks)), np.asarray(shocked)]
    ledger.reduce(ids, ledger.column("principal")[ids])  # the shock: written off
    L, e = clearing_inputs(ledger)
    _, _, defaulted = clearing_vector(L, e, alpha=0.0, beta=0.0, return_defaults=True)
    return defaulted[1:].reshape(len(networks), banks)


def gk_fixed_point(creditor: np.ndarray, debtor: np.ndarray, banks: int, shocked: int):
    """Failed banks by Gai & Kapadia's rule, computed directly (the reference).

    Starting from ``shocked``, bank ``i`` with ``j_i`` debtors of which ``f_i`` have
    failed fails when ``INTERBANK_SHARE · f_i / j_i > CAPITAL_RATIO`` (zero recovery),
    repeated until no bank is added.

    Returns
    -------
    failed : (banks,) ndarray of bool
    """
    j = np.bincount(creditor, minlength=banks)
    failed = np.zeros(banks, dtype=bool)
    failed[shocked] = True
    new = failed.copy()
    f = np.zeros(banks, dtype=np.int64)
    while new.any():
        hit = new[debtor]  # loans whose debtor failed in the last round
        f += np.bincount(creditor[hit], minlength=banks)
        loss = INTERBANK_SHARE * f
        new = ~failed & (j > 0) & (loss > CAPITAL_RATIO * j * (1.0 + _RULE_TOL))
        failed |= new
    return failed


# ------------------------------------------------------------------------ experiment


def simulate_draws(z: float, banks: int, draws: int, rng: np.random.Generator) -> np.ndarray:
    """Share of banks failed in each of ``draws`` independent draws (network and shock).

    Each draw is a fresh network from :func:`draw_network` and one bank chosen uniformly
    to lose its external assets. Draws are written into ledgers and cleared together, as
    disjoint systems, in batches of about 300,000 contracts.
    """
    per_draw = banks * (z + 2.0)
    batch = max(1, min(draws, int(_MAX_CONTRACTS // per_draw)))
    shares = np.empty(draws)
    for start in range(0, draws, batch):
        k = min(batch, draws - start)
        networks = [draw_network(rng, banks, z) for _ in range(k)]
        shocked = rng.integers(0, banks, size=k)
        failed = cascade(networks, banks, shocked)
        shares[start : start + k] = failed.sum(axis=1) / banks
    return shares


def simulate_point(params: dict[str, Any], seed: int) -> dict[str, Any]:
    """All draws of the Gai–Kapadia experiment at one average degree.

    Parameters
    ----------
    params : dict
        ``z`` (average degree, loans per bank, > 0), ``banks`` (default 1,000) and
        ``draws`` (networks drawn, default 100).
    seed : int
        Seed of the one ``numpy.random.default_rng`` generator used for every draw.

    Returns
    -------
    dict
        ``z``; ``frequency``, the share of draws in which at least 5% of the banks fail;
        ``extent``, the mean share of banks failed in those draws (NaN if none);
        ``draws``; ``banks``.
    """
    z = float(params["z"])
    banks = int(params.get("banks", 1000))
    draws = int(params.get("draws", 100))
    if not 0.0 < z <= banks - 1:
        raise ValueError(f"z: {z!r} must lie in (0, banks - 1 = {banks - 1}]")
    if banks < 2 or draws < 1:
        raise ValueError(f"banks: {banks!r} must be >= 2 and draws: {draws!r} >= 1")
    rng = np.random.default_rng(seed)
    shares = simulate_draws(z, banks, draws, rng)
    contagion = shares >= CONTAGION_SHARE - 1e-12
    return {
        "z": z,
        "frequency": float(contagion.mean()),
        "extent": float(shares[contagion].mean()) if contagion.any() else math.nan,
        "draws": draws,
        "banks": banks,
    }


# ---------------------------------------------------------------------------- figure


def plot(run_dir) -> list[Path]:
    """Draw contagion frequency and extent over average degree from stored results.

    Reads ``run_dir/runs.parquet`` (columns ``z``, ``frequency``, ``extent``; rows of
    the same ``z`` are pooled, weighted by ``draws`` when present) and writes
    ``run_dir/figures/gai_kapadia.png`` and ``.svg``. Imports nothing from the model.

    Returns
    -------
    list of Path
        The PNG and the SVG.
    """
    import pandas as pd
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    run_dir = Path(run_dir)
    df = pd.read_parquet(run_dir / "runs.parquet")
    if "error" in df.columns:
        df = df[df["error"].fillna("").astype(str) == ""]
    df = df.dropna(subset=["z", "frequency"])
    w = df["draws"].astype(float) if "draws" in df.columns else pd.Series(1.0, index=df.index)
    hits = w * df["frequency"]  # draws with contagion
    df = df.assign(_w=w, _hits=hits, _failed=hits * df["extent"].fillna(0.0))
    g = df.groupby("z", sort=True)[["_w", "_hits", "_failed"]].sum()
    z = g.index.to_numpy(dtype=float)
    freq = (g["_hits"] / g["_w"]).to_numpy()
    hits_z = g["_hits"].to_numpy()
    extent = np.full(z.size, np.nan)
    np.divide(g["_failed"].to_numpy(), hits_z, out=extent, where=hits_z > 0)
    banks = int(df["banks"].iloc[0]) if "banks" in df.columns and len(df) else None
    draws = int(round(g["_w"].median())) if len(g) else 0

    fig = Figure(figsize=(8.0, 5.0), layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    lo, hi = PUBLISHED_WINDOW
    ax.axvspan(lo, hi, color="#f2c14e", alpha=0.25, lw=0)
    ax.text(
        (lo + hi) / 2,
        0.04,
        "published contagion window\n(Gai & Kapadia 2010: z ≈ 1–8)",
        ha="center",
        va="bottom",
        fontsize=9,
        color="#7a5c00",
    )
    ax.plot(
        z,
        freq,
        "o-",
        color="#d62728",
        lw=2,
        label="How often: share of draws where ≥ 5% of banks fail",
    )
    ax.plot(
        z,
        extent,
        "s--",
        color="#1f77b4",
        lw=2,
        label="How far: share of banks failed, when it spreads",
    )
    ax.set_xlim(0.0, max(12.5, float(z.max()) + 0.5) if z.size else 12.5)
    ax.set_ylim(-0.02, 1.05)
    ax.set_xlabel("Average degree z (interbank loans per bank)")
    ax.set_ylabel("Share (0 = none, 1 = all)")
    who = f"{banks:,} banks" if banks else "banks"
    ax.set_title(
        f"One bank fails: how often and how far the failure spreads\n"
        f"({who}, {draws} random networks per point; capital 4%, interbank loans 20% of assets)",
        fontsize=11,
    )
    ax.grid(alpha=0.3)
    ax.legend(loc="center right", bbox_to_anchor=(1.0, 0.62), fontsize=9, framealpha=0.95)
    out = run_dir / "figures"
    out.mkdir(parents=True, exist_ok=True)
    paths = [out / "gai_kapadia.png", out / "gai_kapadia.svg"]
    fig.savefig(paths[0], dpi=150)
    fig.savefig(paths[1])
    return paths
