"""Benchmark contagion cascades: the Gai–Kapadia draw set and a month of clearing rounds.

Prints median-of-``--repeat`` wall-clock timings for

* one full Gai & Kapadia (2010) draw set: 100 draws (network, ledger, shock, clearing
  with zero recovery) of 1,000 banks at average degree z = 3, through
  :func:`experiments.gai_kapadia.simulate_point`;
* a month-like cascade: 10 rounds of :func:`model.clearing.clearing_vector` among 1,000
  institutions (sparse, ~10 exposures each, ~5% fundamental defaulters), each round
  writing down the defaulters' unpaid debt and clearing again with default costs
  (Rogers–Veraart ``alpha = 0.5``, ``beta = 0.9``). Target: at most 50 ms for the 10
  rounds together.

Usage: ``python benchmarks/bench_cascade.py [--seed 0] [--repeat 7]``.

References
----------
Gai, P. & Kapadia, S. (2010). Contagion in financial networks. *Proc. R. Soc. A*
466:2401–2423. Eisenberg, L. & Noe, T. H. (2001). Systemic risk in financial systems.
*Management Science* 47:236–249. Rogers, L. C. G. & Veraart, L. A. M. (2013). Failure
and rescue in an interbank network. *Management Science* 59:882–898.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from timing import median_time

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from experiments.gai_kapadia import simulate_point  # noqa: E402
from model.clearing import clearing_vector  # noqa: E402

TARGET_MONTH_MS = 50.0
"""Budget for the 10 clearing rounds of one month ($B network of 1,000 institutions)."""


def network(rng: np.random.Generator, n: int, degree: float, default_share: float):
    """Sparse liabilities ($B, CSR) and outside assets with ~default_share short of cash."""
    nnz = int(n * degree)
    rows = rng.integers(0, n, nnz)
    cols = rng.integers(0, n - 1, nnz)
    cols += cols >= rows
    L = sp.csr_array((rng.lognormal(0.0, 1.0, nnz), (rows, cols)), shape=(n, n))
    L.sum_duplicates()
    pbar = np.asarray(L.sum(axis=1)).ravel()
    inflow = np.asarray(L.sum(axis=0)).ravel()
    need = np.maximum(pbar - inflow, 0.0)
    e = need + pbar * rng.uniform(0.02, 0.3, n)
    short = rng.random(n) < default_share
    e[short] = need[short] * rng.uniform(0.0, 0.9, short.sum())
    return L, e


def month(L, e, rounds: int = 10) -> int:
    """Clear ``rounds`` times; after each round the unpaid debt is written off and the
    survivors' outside assets take a small further hit. Returns total defaults."""
    total = 0
    for _ in range(rounds):
        p, _, defaulted = clearing_vector(L, e, alpha=0.5, beta=0.9, return_defaults=True)
        total += int(defaulted.sum())
        pbar = np.asarray(L.sum(axis=1)).ravel()
        paid = np.divide(p, pbar, out=np.ones_like(p), where=pbar > 0)
        L = sp.diags_array(paid) @ L  # defaulters' claims are written down to what was paid
        e = e * 0.99
    return total


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, default=0, help="numpy Generator seed")
    ap.add_argument("--repeat", type=int, default=7, help="timed runs per case (median)")
    args = ap.parse_args(argv)
    rng = np.random.default_rng(args.seed)

    params = {"z": 3.0, "banks": 1000, "draws": 100}
    result = simulate_point(params, args.seed)
    t_gk = median_time(lambda: simulate_point(params, args.seed), args.repeat)

    L, e = network(rng, 1000, 10.0, 0.05)
    defaults = month(L, e)
    t_month = median_time(lambda: month(L, e), args.repeat)
    t_round = median_time(lambda: clearing_vector(L, e, alpha=0.5, beta=0.9), args.repeat)

    print(f"{'case':<58}{'median ms':>12}")
    print("-" * 70)
    print(f"{'Gai-Kapadia draw set: 100 draws x 1,000 banks, z = 3':<58}{t_gk * 1e3:>12.1f}")
    print(f"{'  (frequency, extent)':<58}{result['frequency']:>6.2f} {result['extent']:>5.2f}")
    print(
        f"{'one clearing_vector, 1,000 institutions, nnz ' + f'{L.nnz:,}':<58}"
        f"{t_round * 1e3:>12.2f}"
    )
    print(f"{'month: 10 clearing rounds, 1,000 institutions':<58}{t_month * 1e3:>12.2f}")
    print(f"{'  (defaults summed over rounds)':<58}{defaults:>12}")
    verdict = "OK" if t_month * 1e3 <= TARGET_MONTH_MS else "OVER BUDGET"
    print(f"\nmonth target <= {TARGET_MONTH_MS:.0f} ms: {verdict}")


if __name__ == "__main__":
    main()
