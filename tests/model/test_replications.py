"""Replications of published contagion results with the model's own contagion code.

* Gai & Kapadia (2010), *Proc. R. Soc. A* 466:2401–2423: the contagion window over the
  average degree of an Erdős–Rényi interbank network of 1,000 banks, cleared with
  :func:`model.clearing.clearing_vector` at zero recovery (engine:
  ``experiments/gai_kapadia.py``), and the analytic edge of the window.
* Eisenberg & Noe (2001), *Management Science* 47:236–249; Rogers & Veraart (2013),
  *Management Science* 59:882–898: the published characterisations of the clearing
  vector (the greatest clearing vector solves a linear programme; with positive outside
  assets it is unique; the fictitious-default sequence stops within n rounds; default
  costs only lower payments), checked on random networks against an independent solver.
* Battiston et al. (2012), *Sci. Rep.* 2:541, and Bardoscia et al. (2015), *PLoS ONE*
  10:e0130406: in the linear regime differential DebtRank sums the walks of the impact
  matrix, ``h = sum_t W^t h(0)``.
* Caccioli, Shrestha, Moore & Farmer (2014), *J. Banking & Finance* 46:233–245: fire-sale
  contagion through overlapping portfolios occurs in a window of diversification that
  widens with leverage, and not at all below a critical leverage (engine:
  ``experiments/caccioli.py``, price impact :func:`model.markets.gpu.fire_sale_impact`).

Hand-computed unit cases of the clearing vector and DebtRank live in their own test
files; this file checks published results and theorems only. Tolerances are loose but
each can fail: they sit well inside what the engines produce and well outside what a
broken contagion rule produces.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import brentq, linprog
from scipy.stats import poisson

from experiments.caccioli import contagion_point
from experiments.gai_kapadia import cascade, simulate_point
from model.clearing import clearing_vector, debtrank

# ------------------------------------------------------------------- Gai & Kapadia 2010

GK_DRAWS = 40
GK_SEED = 2010


@pytest.fixture(scope="module")
def gk():
    """Frequency and extent of contagion, 1,000 banks, 40 draws per average degree."""
    return {
        z: simulate_point({"z": z, "banks": 1000, "draws": GK_DRAWS}, seed=GK_SEED + i)
        for i, z in enumerate([0.5, 1.0, 3.0, 4.0, 5.0, 9.0, 12.0])
    }


def test_gk_no_contagion_below_the_window(gk):
    assert gk[0.5]["frequency"] <= 0.05
    assert gk[1.0]["frequency"] <= 0.3  # the window opens near z = 1: contagion rare


def test_gk_contagion_in_most_draws_inside_the_window(gk):
    assert gk[3.0]["frequency"] > 0.6
    assert gk[4.0]["frequency"] > 0.4
    assert gk[5.0]["frequency"] > 0.2  # near the analytic upper edge (z ≈ 5.8)


def test_gk_contagion_vanishes_above_the_window(gk):
    assert gk[9.0]["frequency"] < 0.2
    assert gk[12.0]["frequency"] < 0.2


def test_gk_extent_is_almost_the_whole_system_inside_the_window(gk):
    for z in (3.0, 4.0, 5.0):
        assert gk[z]["extent"] > 0.8


@pytest.mark.parametrize("j", range(1, 9))
def test_gk_one_loss_fails_a_bank_with_fewer_than_five_debtors(j):
    """A bank with j debtors fails on one loss iff 0.2 / j > 0.04, i.e. j < 5."""
    creditor = np.zeros(j, dtype=np.int64)  # bank 0 lends to banks 1..j
    debtor = np.arange(1, j + 1)
    failed = cascade([(creditor, debtor)], j + 1, np.array([1]))[0]
    assert failed[0] == (j < 5)
    assert failed.sum() == 1 + (j < 5)


def test_gk_analytic_window_brackets_the_simulated_one(gk):
    """Gai & Kapadia's first-order condition for an ER network with vulnerable banks
    j < 5 reads z · P(Poisson(z) ≤ 3) > 1; it holds for 1.02 < z < 5.76."""

    def branching(z):
        return z * poisson.cdf(3, z) - 1.0

    lo, hi = brentq(branching, 0.5, 2.0), brentq(branching, 3.0, 9.0)
    assert 1.0 < lo < 1.05 and 5.7 < hi < 5.8
    for z, row in gk.items():
        inside = lo + 1.0 < z < hi - 1.0
        outside = z < lo - 0.3 or z > hi + 2.0
        if inside:
            assert row["frequency"] > 0.5, z
        if outside:
            assert row["frequency"] < 0.2, z


# ----------------------------------------------------- Eisenberg & Noe, Rogers & Veraart


def _random_system(rng, n, density=0.3, short=0.4):
    L = rng.lognormal(0.0, 1.0, (n, n)) * (rng.random((n, n)) < density)
    np.fill_diagonal(L, 0.0)
    pbar = L.sum(1)
    inflow = L.sum(0)
    e = np.maximum(pbar - inflow, 0.0) + rng.uniform(0.0, 1.0, n)
    weak = rng.random(n) < short
    e[weak] *= rng.uniform(0.0, 0.3, weak.sum())
    return L, e


@pytest.mark.parametrize("seed", range(6))
def test_en_greatest_clearing_vector_solves_the_linear_programme(seed):
    """Eisenberg & Noe (2001): the greatest clearing vector maximises sum(p) subject to
    0 <= p <= pbar and p <= e + Pi.T p."""
    rng = np.random.default_rng(seed)
    n = 25
    L, e = _random_system(rng, n)
    pbar = L.sum(1)
    Pi = np.divide(L, pbar[:, None], out=np.zeros_like(L), where=pbar[:, None] > 0)
    res = linprog(
        -np.ones(n),
        A_ub=np.eye(n) - Pi.T,
        b_ub=e,
        bounds=list(zip(np.zeros(n), pbar, strict=True)),
        method="highs",
    )
    assert res.status == 0
    p = clearing_vector(L, e)
    np.testing.assert_allclose(p, res.x, rtol=1e-7, atol=1e-7 * pbar.max())


@pytest.mark.parametrize("seed", range(4))
def test_en_clearing_vector_is_unique_with_positive_outside_assets(seed):
    """Eisenberg & Noe (2001), Theorem 2: with e > 0 for every node the clearing vector is
    unique, so the iteration from p = 0 (least fixed point) reaches the same vector."""
    rng = np.random.default_rng(100 + seed)
    n = 30
    L, e = _random_system(rng, n)
    e = e + 0.01
    pbar = L.sum(1)
    Pi = np.divide(L, pbar[:, None], out=np.zeros_like(L), where=pbar[:, None] > 0)
    p = np.zeros(n)
    for _ in range(100_000):
        nxt = np.minimum(pbar, e + Pi.T @ p)
        if np.abs(nxt - p).max() < 1e-13:
            break
        p = nxt
    np.testing.assert_allclose(clearing_vector(L, e), p, rtol=1e-9, atol=1e-9)


def test_en_fictitious_default_stops_within_n_rounds_on_a_chain():
    """Eisenberg & Noe (2001): the fictitious-default sequence ends in at most n rounds;
    a chain where each default causes exactly the next needs every one of them."""
    n = 12
    L = np.zeros((n, n))
    L[np.arange(n - 1), np.arange(1, n)] = 1.0  # i owes i + 1
    e = np.full(n, 0.05)  # each node adds 0.05 to what its debtor pays it
    e[0] = 0.0  # the first node defaults fundamentally
    p, rounds, defaulted = clearing_vector(L, e, return_defaults=True)
    assert rounds == n - 1 <= n  # one new defaulter per round
    assert defaulted[: n - 1].all() and not defaulted[n - 1]
    np.testing.assert_allclose(p[: n - 1], 0.05 * np.arange(n - 1), atol=1e-12)


@pytest.mark.parametrize("seed", range(4))
def test_rogers_veraart_default_costs_lower_payments_and_satisfy_the_fixed_point(seed):
    """Rogers & Veraart (2013): alpha = beta = 1 is Eisenberg–Noe; lower realisation
    rates give a greatest clearing vector that is no larger, with more defaults, and it
    satisfies p_i = pbar_i if i is solvent, else alpha e_i + beta (Pi.T p)_i."""
    rng = np.random.default_rng(200 + seed)
    n = 40
    L, e = _random_system(rng, n)
    pbar = L.sum(1)
    Pi = np.divide(L, pbar[:, None], out=np.zeros_like(L), where=pbar[:, None] > 0)
    p_en, _, d_en = clearing_vector(L, e, return_defaults=True)
    np.testing.assert_allclose(clearing_vector(L, e, alpha=1.0, beta=1.0), p_en)
    alpha, beta = 0.6, 0.8
    p_rv, _, d_rv = clearing_vector(L, e, alpha=alpha, beta=beta, return_defaults=True)
    assert (p_rv <= p_en + 1e-9).all()
    assert (d_rv >= d_en).all()
    inflow = Pi.T @ p_rv
    solvent = e + inflow >= pbar * (1 - 1e-9)
    expect = np.where(solvent, pbar, alpha * e + beta * inflow)
    np.testing.assert_allclose(p_rv, expect, rtol=1e-8, atol=1e-8)


# -------------------------------------------------------------------------- DebtRank


@pytest.mark.parametrize("seed", range(4))
def test_debtrank_linear_regime_sums_the_walks_of_the_impact_matrix(seed):
    """Bardoscia et al. (2015): below saturation, differential DebtRank gives
    h = sum_t W^t h(0) with W[i, j] = exposures[i, j] / capital[i] (Battiston et al.
    2012); on an acyclic network that is (I − W)^-1 h(0) exactly."""
    rng = np.random.default_rng(300 + seed)
    n = 20
    A = np.triu(rng.uniform(0.0, 1.0, (n, n)) * (rng.random((n, n)) < 0.3), k=1)
    capital = A.sum(1) * 4.0 + 1.0  # W entries well below 1
    W = A / capital[:, None]
    shock = np.zeros(n)
    shock[rng.choice(n, 3, replace=False)] = 0.05
    expect = np.linalg.solve(np.eye(n) - W, shock)
    assert expect.max() < 1.0  # no saturation: the linear regime
    np.testing.assert_allclose(debtrank(A, capital, shock), expect, rtol=1e-10, atol=1e-12)


# --------------------------------------------------------- Caccioli et al. 2014 fire sales

FS = {"banks": 1000, "assets": 1000, "draws": 40}


@pytest.fixture(scope="module")
def fire_sales():
    """Contagion frequency over diversification mu at leverage 10, 20 and 33."""
    grid = {20.0: [1, 2, 3, 4, 8, 16], 33.0: [8, 16], 10.0: [4, 6]}
    out = {}
    for lev, mus in grid.items():
        for mu in mus:
            out[lev, mu] = contagion_point(mu, lev, seed=int(lev * 100 + mu), **FS)
    for mu in (2, 3, 4, 6):
        out[5.0, mu] = contagion_point(mu, 5.0, seed=500 + mu, **FS)
    return out


def test_caccioli_window_over_diversification(fire_sales):
    f = {mu: fire_sales[20.0, mu]["frequency"] for mu in (1, 2, 3, 4, 8, 16)}
    assert f[1] < 0.1  # too little overlap: failures stay in small clusters
    assert min(f[2], f[3], f[4]) > 0.6  # intermediate diversification: contagion
    assert f[8] < 0.2 and f[16] < 0.1  # much diversification: one sale hurts nobody enough


def test_caccioli_extent_is_large_when_contagion_occurs(fire_sales):
    for mu in (2, 3, 4):
        assert fire_sales[20.0, mu]["extent"] > 0.8


def test_caccioli_window_widens_with_leverage(fire_sales):
    assert fire_sales[33.0, 8]["frequency"] > fire_sales[20.0, 8]["frequency"] + 0.15
    assert fire_sales[10.0, 6]["frequency"] < 0.2  # at leverage 20 the window reaches mu ~ 5
    assert fire_sales[33.0, 16]["frequency"] < 0.2  # but it still closes


def test_caccioli_no_contagion_below_a_critical_leverage(fire_sales):
    for mu in (2, 3, 4, 6):
        assert fire_sales[5.0, mu]["frequency"] < 0.05
