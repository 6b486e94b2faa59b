"""Benchmark model.clearing: Eisenberg–Noe clearing on large sparse networks, and DebtRank.

Prints median-of-``--repeat`` wall-clock timings for

* ``clearing_vector`` on random sparse networks, n = 10,000 (~100k exposures) and
  n = 100,000 (~1M exposures), with outside assets drawn so that ~5% of agents default
  fundamentally (the cascade adds a few more);
* a reference: plain dense Picard iteration ``p <- min(pbar, e + Pi.T p)`` at n = 3,000
  (same construction), against ``clearing_vector`` on the same network, and the ratio;
* ``debtrank`` (one shock) and ``debtrank_impact`` (all n single-agent shocks) on a dense
  n = 1,000 network.

Usage: ``python benchmarks/bench_clearing.py [--seed 0] [--repeat 7] [--quick]``.
"""

# ruff: noqa: N803, N806  (matrix names L, W, Pi, D follow the papers' notation)
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from timing import median_time

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from model.clearing import clearing_vector, debtrank, debtrank_impact  # noqa: E402

TARGETS = {10_000: 0.010, 100_000: 0.100}
"""Median wall-clock targets of clearing_vector (seconds) by network size."""


def random_network(rng: np.random.Generator, n: int, degree: float, default_share: float):
    """Random sparse liabilities (CSR, $B) and outside assets with ~default_share defaulting."""
    nnz = int(n * degree)
    rows = rng.integers(0, n, nnz)
    cols = rng.integers(0, n - 1, nnz)
    cols += cols >= rows  # no self-loops
    vals = rng.lognormal(0.0, 1.0, nnz)
    L = sp.csr_array((vals, (rows, cols)), shape=(n, n))
    pbar = np.asarray(L.sum(axis=1)).ravel()
    inflow = np.asarray(L.sum(axis=0)).ravel()
    need = np.maximum(pbar - inflow, 0.0)  # outside assets needed to pay in full
    e = need + pbar * rng.uniform(0.05, 0.5, n)  # a buffer for most agents
    # net debtors (need > 0) get too little: pick them so ~default_share of all agents fall short
    debtor = need > 0
    short = debtor & (rng.random(n) < default_share / max(debtor.mean(), 1e-12))
    e[short] = need[short] * rng.uniform(0.0, 0.9, short.sum())
    return L, e


def picard_dense(L: np.ndarray, e: np.ndarray, tol: float = 1e-12, max_iter: int = 100_000):
    """Reference: Picard iteration from pbar, dense, to convergence."""
    pbar = L.sum(axis=1)
    Pi = np.divide(L, pbar[:, None], out=np.zeros_like(L), where=pbar[:, None] > 0)
    PiT = np.ascontiguousarray(Pi.T)
    p = pbar.copy()
    scale = max(pbar.max(), 1.0)
    for it in range(1, max_iter + 1):
        nxt = np.minimum(pbar, e + PiT @ p)
        if np.abs(nxt - p).max() <= tol * scale:
            return nxt, it
        p = nxt
    return p, max_iter


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, default=0, help="numpy Generator seed")
    ap.add_argument("--repeat", type=int, default=7, help="timed runs per case (median)")
    ap.add_argument("--degree", type=float, default=10.0, help="mean exposures per agent")
    ap.add_argument("--default-share", type=float, default=0.05)
    ap.add_argument("--quick", action="store_true", help="skip the n = 100,000 case")
    args = ap.parse_args(argv)
    rng = np.random.default_rng(args.seed)

    rows = []  # (case, n, nnz, defaults, rounds, median seconds)
    verdicts = []
    sizes = [10_000] if args.quick else [10_000, 100_000]
    for n in sizes:
        L, e = random_network(rng, n, args.degree, args.default_share)
        _, rounds, d = clearing_vector(L, e, return_defaults=True)
        t = median_time(lambda L=L, e=e: clearing_vector(L, e), args.repeat)
        rows.append(("clearing_vector (sparse)", n, L.nnz, int(d.sum()), rounds, t))
        ok = "ok" if t <= TARGETS[n] else "MISSED"
        verdicts.append(f"n = {n:,}: {t * 1e3:.2f} ms, target <= {TARGETS[n] * 1e3:.0f} ms: {ok}")

    n_ref = 3_000
    L, e = random_network(rng, n_ref, args.degree, args.default_share)
    Ld = L.toarray()
    p_ours, rounds, d = clearing_vector(L, e, return_defaults=True)
    t_ours = median_time(lambda: clearing_vector(L, e), args.repeat)
    t_ours_dense = median_time(lambda: clearing_vector(Ld, e), args.repeat)
    p_ref, iters = picard_dense(Ld, e)
    t_ref = median_time(lambda: picard_dense(Ld, e), max(1, args.repeat // 2))
    rel = np.abs(p_ours - p_ref).max() / max(p_ref.max(), 1.0)
    rows.append(("clearing_vector (sparse)", n_ref, L.nnz, int(d.sum()), rounds, t_ours))
    rows.append(("clearing_vector (dense input)", n_ref, L.nnz, int(d.sum()), rounds, t_ours_dense))
    rows.append((f"reference dense Picard ({iters} it)", n_ref, L.nnz, int(d.sum()), "-", t_ref))

    n_dr = 1_000
    A = rng.lognormal(0.0, 1.0, (n_dr, n_dr)) * (rng.random((n_dr, n_dr)) < 0.01)
    np.fill_diagonal(A, 0.0)
    cap = 0.5 * A.sum(axis=1) + rng.uniform(0.1, 1.0, n_dr)
    shock = np.where(rng.random(n_dr) < 0.05, 1.0, 0.0)
    t_dr = median_time(lambda: debtrank(A, cap, shock), args.repeat)
    t_dri = median_time(lambda: debtrank_impact(A, cap), max(1, args.repeat // 2))
    nnz_dr = int(np.count_nonzero(A))
    rows.append(("debtrank (dense, one shock)", n_dr, nnz_dr, "-", "-", t_dr))
    rows.append(("debtrank_impact (dense, n shocks)", n_dr, nnz_dr, "-", "-", t_dri))

    head = f"{'case':<36}{'n':>9}{'nnz':>10}{'defaults':>10}{'rounds':>8}{'median ms':>12}"
    print(head)
    print("-" * len(head))
    for case, n, nnz, nd, r, t in rows:
        print(f"{case:<36}{n:>9,}{nnz:>10,}{nd!s:>10}{r!s:>8}{t * 1e3:>12.2f}")
    print()
    print(
        f"n = {n_ref:,}: ours / dense Picard reference = {t_ours / t_ref:.4f} "
        f"({t_ref / t_ours:.0f}x faster); max |p - p_ref| / max p = {rel:.1e}"
    )
    if t_ours >= t_ref:
        print("WARNING: clearing_vector is not faster than the dense reference")
    for line in verdicts:
        print(line)


if __name__ == "__main__":
    main()
