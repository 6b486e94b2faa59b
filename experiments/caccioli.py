"""Validation: fire-sale contagion through overlapping portfolios (Caccioli et al. 2014).

Caccioli, Shrestha, Moore & Farmer (2014) study banks linked only by the assets they hold
in common. A failed bank liquidates its whole portfolio; selling pushes prices down,
every other holder of those assets loses on its marked-to-market portfolio, and a bank
whose losses exceed its equity fails and sells in turn. Their central finding: contagion
needs enough overlap to spread (too little diversification keeps portfolios apart), but
with much diversification each bank holds only a small slice of each asset, so one sale
hurts nobody enough — unless leverage is high. Contagion therefore occurs in a window of
diversification whose width grows with leverage, and below a critical leverage there is
none at all.

This module is the small, pure engine of that experiment, using the model's own
fire-sale price impact :func:`model.markets.gpu.fire_sale_impact`
(``price = exp(−sold / depth)``):

* ``banks`` banks and ``assets`` assets; each bank holds exactly ``mu`` distinct assets
  chosen uniformly at random, with equal amounts in each (total assets 1 per bank, all
  prices 1 at the start);
* each bank's equity is ``1 / leverage`` (leverage = assets / equity);
* when ``x`` is the fraction of all holdings of an asset sold so far, its price is
  ``exp(−alpha x)``: ``fire_sale_impact(sold, depth)`` with
  ``depth = total holdings / alpha``;
* one bank, chosen at random, fails at the start; a bank fails when its mark-to-market
  loss exceeds its equity; failed banks sell everything; repeat until no bank fails;
* a draw is a contagion when at least 5% of the banks fail (the initial one included).

Units: money in units of one bank's total assets; shares and probabilities in [0, 1].

References
----------
Caccioli, F., Shrestha, M., Moore, C. & Farmer, J. D. (2014). Stability analysis of
financial contagion due to overlapping portfolios. *Journal of Banking & Finance*
46:233–245.

Cifuentes, R., Ferrucci, G. & Shin, H. S. (2005). Liquidity risk and contagion. *Journal
of the European Economic Association* 3(2–3):556–566.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["ALPHA", "CONTAGION_SHARE", "portfolios", "fire_sale_cascade", "contagion_point"]

ALPHA = -math.log(0.9) / 0.1
"""Price-impact constant (≈ 1.0536): selling 10% of an asset lowers its price by 10%."""

CONTAGION_SHARE = 0.05
"""A draw is a contagion when at least this share of banks fails."""


def portfolios(rng: np.random.Generator, banks: int, assets: int, mu: int) -> np.ndarray:
    """Each bank's ``mu`` distinct assets, uniformly at random.

    Rows with a repeated asset are redrawn whole (rejection), so each row is a uniform
    random ``mu``-subset of ``range(assets)``.

    Returns
    -------
    (banks, mu) ndarray of int64
        Asset indices held by each bank.
    """
    if not 1 <= mu <= assets:
        raise ValueError(f"mu: {mu!r} must lie in [1, assets = {assets}]")
    if 2 * mu > assets:  # dense case: a random permutation per row
        return np.argsort(rng.random((banks, assets)), axis=1)[:, :mu]
    held = rng.integers(0, assets, size=(banks, mu))
    while True:
        s = np.sort(held, axis=1)
        dup = (np.diff(s, axis=1) == 0).any(axis=1)
        if not dup.any():
            return held
        held[dup] = rng.integers(0, assets, size=(int(dup.sum()), mu))


def fire_sale_cascade(
    held: np.ndarray, assets: int, leverage: float, first: int, *, alpha: float = ALPHA
) -> np.ndarray:
    """Failed banks after ``first`` fails and every failure is followed by a fire sale.

    Parameters
    ----------
    held : (banks, mu) array of int
        Assets of each bank (equal amounts ``1 / mu`` in each).
    assets : int
        Number of assets.
    leverage : float
        Total assets / equity of every bank (> 1).
    first : int
        The bank that fails at the start.
    alpha : float, optional
        Price impact: a price falls by the factor ``exp(−alpha x)`` when a fraction ``x``
        of all holdings of the asset has been sold.

    Returns
    -------
    failed : (banks,) ndarray of bool
    """
    import scipy.sparse as sp

    from model.markets.gpu import fire_sale_impact

    banks, mu = held.shape
    H = sp.csr_array(
        (np.full(held.size, 1.0 / mu), (np.repeat(np.arange(banks), mu), held.ravel())),
        shape=(banks, assets),
    )
    total = np.bincount(held.ravel(), minlength=assets) / mu  # holdings of each asset
    depth = np.where(total > 0, total / alpha, 1.0)
    equity = 1.0 / leverage
    price = np.ones(assets)
    sold = np.zeros(assets)
    failed = np.zeros(banks, dtype=bool)
    new = np.zeros(banks, dtype=bool)
    new[first] = True
    while new.any():
        failed |= new
        sale = np.bincount(held[new].ravel(), minlength=assets) / mu
        sold += sale
        for m in np.flatnonzero(sale):
            price[m] = fire_sale_impact(float(sold[m]), float(depth[m]))
        loss = H @ (1.0 - price)
        new = ~failed & (loss > equity)
    return failed


def contagion_point(
    mu: int,
    leverage: float,
    *,
    banks: int = 1000,
    assets: int = 1000,
    draws: int = 100,
    seed: int = 0,
    alpha: float = ALPHA,
) -> dict:
    """Probability and extent of fire-sale contagion at one diversification and leverage.

    Each draw is a fresh set of portfolios and one random initial failure, from one
    ``numpy.random.default_rng(seed)`` generator.

    Returns
    -------
    dict
        ``mu``, ``leverage``, ``frequency`` (share of draws in which at least 5% of the
        banks fail), ``extent`` (mean share of banks failed in those draws; NaN if
        none), ``draws``, ``banks``, ``assets``, ``alpha``.
    """
    rng = np.random.default_rng(seed)
    shares = np.empty(draws)
    for k in range(draws):
        held = portfolios(rng, banks, assets, mu)
        first = int(rng.integers(0, banks))
        shares[k] = fire_sale_cascade(held, assets, leverage, first, alpha=alpha).mean()
    contagion = shares >= CONTAGION_SHARE - 1e-12
    return {
        "mu": int(mu),
        "leverage": float(leverage),
        "frequency": float(contagion.mean()),
        "extent": float(shares[contagion].mean()) if contagion.any() else math.nan,
        "draws": int(draws),
        "banks": int(banks),
        "assets": int(assets),
        "alpha": float(alpha),
    }
