"""Interbank clearing and distress propagation: Eisenberg–Noe, Rogers–Veraart, DebtRank.

Two families of contagion calculations on a matrix of bilateral obligations, both working
on dense ``numpy`` arrays or on any ``scipy.sparse`` matrix/array (kept sparse, CSR
internally). Money is in billions of US dollars ($B); relative losses are fractions.

* :func:`clearing_vector` — the greatest clearing payment vector of Eisenberg & Noe
  (2001), optionally with the default costs of Rogers & Veraart (2013). Computed exactly
  (up to round-off) by the fictitious-default algorithm: guess the default set, solve the
  linear system for the defaulters' payments, add the agents that now fall short, repeat.
  Each round solves only the defaulting subset (dense LU when it is small, BiCGSTAB when
  it is large and sparse), so a large sparse network where a few percent default clears
  in a few sparse mat-vecs and one small solve per round.
* :func:`debtrank` and :func:`debtrank_impact` — the differential DebtRank of Bardoscia
  et al. (2015), the refinement of Battiston et al. (2012) in which a loss passes along
  each edge only as it grows, so nothing is counted twice.

References
----------
Eisenberg, L. & Noe, T. H. (2001). Systemic risk in financial systems. *Management
Science* 47(2):236–249.

Rogers, L. C. G. & Veraart, L. A. M. (2013). Failure and rescue in an interbank network.
*Management Science* 59(4):882–898.

Battiston, S., Puliga, M., Kaushik, R., Tasca, P. & Caldarelli, G. (2012). DebtRank: too
central to fail? Financial networks, the FED and systemic risk. *Scientific Reports*
2:541.

Bardoscia, M., Battiston, S., Caccioli, F. & Caldarelli, G. (2015). DebtRank: a
microscopic foundation for shock propagation. *PLoS ONE* 10(6):e0130406.
"""

# ruff: noqa: N803, N806  (matrix names L, W, Pi, D follow the papers' notation)
from __future__ import annotations

import warnings

import numpy as np
import scipy.sparse as sp
from scipy.sparse.linalg import bicgstab, gmres, spsolve

__all__ = ["clearing_vector", "debtrank", "debtrank_impact"]

DENSE_MAX_N = 2_000
"""Dense input up to this size is kept dense; larger dense input is converted to CSR."""

_DIRECT_MAX = 300
"""Default sets up to this size are solved directly, larger ones by BiCGSTAB."""

_BATCH = 512
"""Columns (single-agent shocks) per batch in :func:`debtrank_impact` for large n."""

_SPARSE_MIN_N = 100
"""Dense impact matrices of fewer agents stay dense however sparse: below this size
building a sparse matrix costs more than its sparse products save."""


# --------------------------------------------------------------------------- validation


def _matrix(name: str, m):
    """Validate a square, finite, non-negative matrix; return float64 ndarray or CSR."""
    if sp.issparse(m):
        if m.ndim != 2 or m.shape[0] != m.shape[1]:
            raise ValueError(f"{name} must be a square n×n matrix, got shape {m.shape}")
        M = m.tocsr()
        if M.dtype != np.float64:
            M = M.astype(np.float64)
        data = M.data
        bad = np.flatnonzero(~np.isfinite(data) | (data < 0))
        if bad.size:
            k = bad[0]
            i = int(np.searchsorted(M.indptr, k, side="right") - 1)
            _bad_entry(name, data[k], (i, int(M.indices[k])))
        return M
    try:
        M = np.asarray(m, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be a numeric matrix: {exc}") from None
    if M.ndim != 2 or M.shape[0] != M.shape[1]:
        raise ValueError(f"{name} must be a square n×n matrix, got shape {M.shape}")
    bad = ~np.isfinite(M) | (M < 0)
    if bad.any():
        i, j = np.argwhere(bad)[0]
        _bad_entry(name, M[i, j], (int(i), int(j)))
    if M.shape[0] > DENSE_MAX_N:
        return sp.csr_array(M)
    return M


def _bad_entry(name: str, value: float, index) -> None:
    kind = "a non-finite" if not np.isfinite(value) else "a negative"
    raise ValueError(f"{name} has {kind} entry {float(value)!r} at index {index}")


def _vector(name: str, v, n: int, *, lo: float | None = 0.0, hi: float | None = None):
    """Validate a finite length-n vector with entries in [lo, hi]; return float64 array."""
    try:
        x = np.asarray(v, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be a numeric vector: {exc}") from None
    if x.ndim != 1 or x.shape[0] != n:
        raise ValueError(f"{name} must have length {n} (one entry per agent), got shape {x.shape}")
    bad = ~np.isfinite(x)
    if lo is not None:
        bad |= x < lo
    if hi is not None:
        bad |= x > hi
    if bad.any():
        k = int(np.flatnonzero(bad)[0])
        rng = f"[{lo if lo is not None else '-inf'}, {hi if hi is not None else 'inf'}]"
        raise ValueError(f"{name}[{k}] = {float(x[k])!r} is not finite or outside {rng}")
    return x


def _unit_interval(name: str, x: float) -> float:
    x = float(x)
    if not 0.0 <= x <= 1.0:
        raise ValueError(f"{name} must lie in [0, 1], got {x!r}")
    return x


# ----------------------------------------------------------------------- clearing vector


def clearing_vector(
    liabilities,
    outside_assets,
    *,
    alpha: float = 1.0,
    beta: float = 1.0,
    tol: float = 1e-12,
    return_defaults: bool = False,
):
    """Greatest clearing payment vector of Eisenberg & Noe (2001) / Rogers & Veraart (2013).

    Agent ``i`` owes ``L[i, j]`` ($B) to ``j`` and holds outside (non-interbank) assets
    ``e[i]`` ($B). With total obligations ``pbar = L.sum(1)`` and relative liabilities
    ``Pi = L / pbar`` (rows with ``pbar = 0`` are zero), a clearing vector ``p`` pays
    creditors pro rata and satisfies limited liability and absolute priority:

    * Eisenberg–Noe (``alpha = beta = 1``): ``p = min(pbar, e + Pi.T @ p)``;
    * Rogers–Veraart: ``p_i = pbar_i`` if ``e_i + (Pi.T @ p)_i >= pbar_i`` and otherwise
      ``p_i = alpha * e_i + beta * (Pi.T @ p)_i`` — a defaulter realises only a fraction
      ``alpha`` of its outside assets and ``beta`` of its interbank receipts.
      ``alpha = beta = 0`` is zero recovery (a defaulter pays nothing, as in Gai–Kapadia).

    The greatest such vector is found by the fictitious-default algorithm (Eisenberg & Noe
    2001, section 3; Rogers & Veraart 2013, section 3): starting from everybody paying in
    full, agents whose assets fall short of ``pbar`` join the default set ``D``; the
    payments of ``D`` are then solved exactly from the linear system
    ``p_D = alpha e_D + beta (Pi.T p)_D`` (everyone else paying ``pbar``), and the loop
    repeats until no new agent defaults — at most ``n`` rounds. The default set only
    grows, so each round only needs the rows of ``D`` and one solve of size ``|D|``.

    Parameters
    ----------
    liabilities : (n, n) array_like or scipy.sparse matrix/array
        ``L[i, j]`` ≥ 0, what ``i`` owes ``j`` ($B). Finite. Sparse input stays sparse
        (CSR internally); dense input with more than 2,000 agents is converted to CSR.
    outside_assets : (n,) array_like
        ``e[i]`` ≥ 0, agent ``i``'s assets outside the interbank network ($B).
    alpha, beta : float in [0, 1], optional
        Rogers–Veraart realisation rates of a defaulter's outside assets and interbank
        receipts. Both 1 (default) is Eisenberg–Noe.
    tol : float in [0, 1), optional
        Relative tolerance of the default test: ``i`` defaults when its assets are below
        ``pbar_i * (1 - tol)``, so round-off never creates a spurious default.
    return_defaults : bool, optional
        If true also return the cascade depth and the default mask.

    Returns
    -------
    p : (n,) ndarray
        Total payment of each agent ($B), ``0 <= p <= pbar``.
    rounds : int
        Only if ``return_defaults``: number of fictitious-default rounds in which new
        defaults appeared (1 = only fundamental defaults, 0 = no default).
    defaulted : (n,) ndarray of bool
        Only if ``return_defaults``: the agents that do not pay in full.

    Raises
    ------
    ValueError
        If ``liabilities`` is not square or has a negative or non-finite entry, if
        ``outside_assets`` has the wrong length or a negative or non-finite entry, or if
        ``alpha``, ``beta`` or ``tol`` is out of range. The message names the argument.

    Notes
    -----
    With ``beta = 1`` the subset system ``(I - Pi_DD.T) p_D = rhs`` is singular only if
    ``D`` contains a closed group of agents with no outside assets and no inflow from
    outside the group, which the algorithm provably never puts entirely in ``D``; should
    a solve nevertheless fail, the round falls back to a monotone Picard iteration of the
    same subsystem, which converges to its greatest solution.

    Default sets of up to 300 agents are solved directly (exact to round-off); larger
    ones by BiCGSTAB to a relative residual of 1e-14, accepted only if the residual
    checks out (else the Picard fallback). Dense input whose default set outgrows 300
    agents is converted to CSR once if under 10% of its entries are nonzero.
    """
    alpha = _unit_interval("alpha", alpha)
    beta = _unit_interval("beta", beta)
    tol = float(tol)
    if not 0.0 <= tol < 1.0:
        raise ValueError(f"tol must lie in [0, 1), got {tol!r}")
    L = _matrix("liabilities", liabilities)
    n = L.shape[0]
    e = _vector("outside_assets", outside_assets, n)
    dense = isinstance(L, np.ndarray)

    if dense:
        pbar = L.sum(axis=1)
        colsum = L.sum(axis=0)
    else:
        pbar = np.asarray(L.sum(axis=1)).ravel()
        colsum = np.bincount(L.indices, weights=L.data, minlength=n)

    p = pbar.copy()
    in_default = np.zeros(n, dtype=bool)
    threshold = pbar * (1.0 - tol)
    new = (e + colsum < threshold) & (pbar > 0)
    rounds = 0
    fill_checked = not dense
    while new.any():
        rounds += 1
        in_default |= new
        D = np.flatnonzero(in_default)
        if not fill_checked and D.size > _DIRECT_MAX:
            fill_checked = True  # many defaulters on a sparse pattern: go sparse, once
            if np.count_nonzero(L) < 0.1 * L.size:
                L, dense = sp.csr_array(L), False
        rows = None if dense else L[D]  # the defaulters' liabilities, |D| × n
        PiT, block_in = _default_block(L, rows, D, pbar)
        rhs = alpha * e[D] + beta * (colsum[D] - block_in)
        p[D] = _solve_defaulters(PiT, rhs, p[D], pbar[D], beta, tol)
        shortfall = 1.0 - p[D] / pbar[D]  # fraction of each defaulter's debt not paid
        if dense:
            lost = np.zeros(n)
            lost[D] = shortfall
            lost = lost @ L
        else:
            lost = rows.T @ shortfall
        assets = e + (colsum - lost)
        new = ~in_default & (assets < threshold) & (pbar > 0)

    if return_defaults:
        return p, rounds, in_default
    return p


def _default_block(L, rows, D, pbar):
    """``Pi_DD.T`` (what the defaulters owe each other, relative) and ``L_DD``'s column sums.

    Agents outside D pay ``pbar``, so D's inflow from them is the column sum of L over D
    minus ``block_in``, what D owes itself.
    """
    m = D.size
    if rows is None:  # dense L
        block = L[np.ix_(D, D)]
        return (block / pbar[D][:, None]).T, block.sum(axis=0)
    pos = np.full(pbar.size, -1, dtype=np.int64)
    pos[D] = np.arange(m)
    col = pos[rows.indices]
    keep = col >= 0
    r = np.repeat(np.arange(m), np.diff(rows.indptr))[keep]
    c = col[keep]
    vals = rows.data[keep]
    PiT = sp.csr_array((vals / pbar[D][r], (c, r)), shape=(m, m))
    return PiT, np.bincount(c, weights=vals, minlength=m)


def _solve_defaulters(PiT, rhs, upper, pbar_D, beta, tol):
    """Payments of the default set: the solution of ``p_D = rhs + beta Pi_DD.T p_D``.

    ``upper`` holds the previous round's payments, an upper bound (payments only fall).
    """
    if beta == 0.0:
        return np.clip(rhs, 0.0, pbar_D)
    p_D = _linear_solve(PiT, rhs, beta, upper)
    if p_D is None:
        p_D = _picard(PiT, rhs, upper, beta, tol)
    return np.clip(p_D, 0.0, pbar_D)


def _linear_solve(PiT, rhs, beta, upper):
    """Solve ``(I - beta PiT) x = rhs``; None unless the answer checks out.

    A direct solve when the system is small (LAPACK if dense, SuperLU if sparse).
    Otherwise BiCGSTAB started from the previous payments: a sparse direct solve suffers
    catastrophic fill-in on the large strongly connected default sets of random networks
    (seconds for a few thousand defaulters), while the M-matrix ``I - beta PiT`` suits a
    Krylov method. Either way the answer is accepted only if its residual is at
    round-off level and it lies in [0, upper].
    """
    m = rhs.size
    scale = max(float(np.abs(rhs).max()), float(upper.max()), 1e-300)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ill-conditioning warnings: the checks decide
        if m <= _DIRECT_MAX and isinstance(PiT, np.ndarray):
            A = np.eye(m) - beta * PiT
            try:
                x = np.linalg.solve(A, rhs)
            except np.linalg.LinAlgError:
                return None
        elif m <= _DIRECT_MAX:
            A = sp.eye_array(m, format="csc") - beta * PiT.tocsc()
            x = np.atleast_1d(spsolve(A, rhs))
        else:
            if isinstance(PiT, np.ndarray):
                A = np.eye(m) - beta * PiT
            else:
                A = sp.eye_array(m, format="csr") - beta * PiT
            x, info = bicgstab(A, rhs, x0=upper, rtol=1e-14, atol=0.0, maxiter=1000)
            if info != 0:
                x, info = gmres(A, rhs, x0=upper, rtol=1e-14, atol=0.0, restart=50, maxiter=20)
    if not np.isfinite(x).all():
        return None
    residual = float(np.abs(A @ x - rhs).max())
    slack = 1e-9 * scale
    if residual > 1e-11 * scale or (x < -slack).any() or (x > upper + slack).any():
        return None
    return x


def _picard(PiT, rhs, start, beta, tol, max_iter=1_000_000):
    """Monotone iteration ``x <- rhs + beta PiT x`` from a super-solution ``start``."""
    x = start.copy()
    scale = max(float(start.max()), 1.0)
    for _ in range(max_iter):
        nxt = np.minimum(rhs + beta * (PiT @ x), x)
        if np.abs(nxt - x).max() <= max(tol, 1e-15) * scale:
            return nxt
        x = nxt
    return x


# ------------------------------------------------------------------------------ DebtRank


def _impact_matrix(exposures, capital):
    """The validated impact matrix ``W`` (see :func:`_impact_of`) and capital."""
    A = _matrix("exposures", exposures)
    c = _vector("capital", capital, A.shape[0], lo=None)
    return _impact_of(A, c), c


def _impact_of(A, c):
    """W[i, j] = min(1, A[i, j] / c[i]); rows with c <= 0 are 1 where A is positive.

    ``A`` is a finite non-negative float64 ndarray or CSR matrix, ``c`` a finite vector
    (as ``_matrix`` and ``_vector`` return them); W is dense or CSR like ``A``.
    """
    n = c.size
    if isinstance(A, np.ndarray):
        W = _impact_rows(A, c)
        if n >= _SPARSE_MIN_N and np.count_nonzero(W) < 0.1 * W.size:
            W = _csr_of_dense(W)  # sparse mat-vecs are several times faster below 10% fill
        return W
    broke = c <= 0
    row = np.repeat(np.arange(n), np.diff(A.indptr))
    data = np.minimum(1.0, A.data / np.where(broke, 1.0, c)[row])
    data = np.where(broke[row], A.data > 0, data)
    return sp.csr_array((data, A.indices.copy(), A.indptr.copy()), shape=(n, n))


def _impact_rows(A, c):
    """``min(1, A[i, j] / c[i])`` of dense rows ``A`` of exposures (any columns) and their
    lenders' capital ``c``; rows with ``c <= 0`` are 1 where ``A`` is positive."""
    broke = c <= 0
    W = np.minimum(1.0, A / np.where(broke, 1.0, c)[:, None])
    W[broke] = A[broke] > 0
    return W


def _csr_of_dense(M):
    """``scipy.sparse.csr_array(M)`` of a square ndarray (its nonzeros row by row, columns
    in order), built from the flat positions of the nonzeros without a COO detour."""
    n = M.shape[0]
    flat = np.flatnonzero(M)
    indptr = np.searchsorted(flat, np.arange(n + 1) * n)
    return sp.csr_array((M.ravel()[flat], flat % n, indptr), shape=M.shape)


def _weights(values, capital, n):
    if values is not None:
        return _vector("values", values, n)
    pos = np.where(capital > 0, capital, 0.0)
    total = pos.sum()
    return pos / total if total > 0 else np.zeros(n)


def _propagate(W, h0, max_steps):
    """Differential DebtRank: h(t+1) = min(1, h(t) + W (h(t) - h(t-1))), h(-1) = 0.

    ``h0`` may be a vector or an n×k matrix of k independent shocks (one per column);
    columns whose increment has died out are dropped from the mat-mul.
    """
    h = np.array(h0, dtype=np.float64)
    dh = h.copy()
    if h.ndim == 1:
        for _ in range(max_steps):
            nxt = np.minimum(1.0, h + W @ dh)
            dh = nxt - h
            h = nxt
            if not dh.size or dh.max() < 1e-12:
                break
        return h
    out = h  # finished columns are written back here
    idx = np.arange(h.shape[1])
    h = h.copy()
    for _ in range(max_steps):
        if not idx.size:
            break
        nxt = W @ dh
        nxt += h
        np.minimum(nxt, 1.0, out=nxt)
        dh = nxt - h
        h = nxt
        alive = dh.max(axis=0) >= 1e-12
        if not alive.all():
            out[:, idx[~alive]] = h[:, ~alive]
            idx, h, dh = idx[alive], h[:, alive], dh[:, alive]
    out[:, idx] = h
    return out


def _impacts_of_few(A, c, v, max_steps):
    """``R`` of :func:`debtrank_impact` for the dense exposures ``A`` and capital ``c`` of
    a few agents (values ``v``).

    Agent k's default, ``h(0) = e_k``, first hits its creditors, ``h(1) = min(1, e_k +
    W[:, k])``; only the losses of lenders (nonzero rows of A, and of W) ever change, and
    a loss passes on only from an intermediary, an agent that both lends and borrows. So
    the shocks of the borrowers (the others have ``R = 0``) run on the lenders' rows, each
    step's product summing over the intermediaries alone: the terms left out are zeros,
    so the result is that of the full iteration up to the order of additions. A shock
    whose increment has died out is held where it is by zeroing its increment; the
    iteration stops when the intermediaries have nothing left to pass on.
    """
    lends = A.sum(axis=1) > 0  # sums of non-negative terms: > 0 if any term is
    owes = A.sum(axis=0) > 0
    lenders, borrowers = lends.nonzero()[0], owes.nonzero()[0]
    R = np.zeros(c.size)
    if not borrowers.size:
        return R
    W = _impact_rows(A.take(lenders, 0).take(borrowers, 1), c.take(lenders))
    # the intermediaries, among the lenders (rows) and among the borrowers (columns)
    in_rows = owes.take(lenders).nonzero()[0]
    lender = lends.take(borrowers)
    in_columns = lender.nonzero()[0]
    through = W.take(in_columns, 1)
    h = np.zeros(W.shape)
    h[in_rows, in_columns] = 1.0  # e_k on the lenders' rows
    spread = W  # W e_k
    for _ in range(max_steps):
        nxt = spread + h
        np.minimum(nxt, 1.0, out=nxt)
        dh = nxt - h
        h = nxt
        passed = dh.take(in_rows, 0) * (dh.max(axis=0) >= 1e-12)
        if not passed.any():
            break
        spread = through @ passed
    # the others' losses: a lender's own loss (h = 1) is in h, a mere borrower's is not
    R[borrowers] = v.take(lenders) @ h - v.take(borrowers) * lender
    return R


def debtrank(exposures, capital, shock, *, values=None, return_impacts=False):
    """Relative equity losses after a shock, by differential DebtRank (Bardoscia et al. 2015).

    ``h_i`` is agent ``i``'s relative equity loss (0 = intact, 1 = equity wiped out).
    Starting from ``h(0) = shock`` and ``h(-1) = 0``,
    ``h(t+1) = min(1, h(t) + W (h(t) - h(t-1)))`` with the impact (interbank leverage)
    matrix ``W[i, j] = min(1, exposures[i, j] / capital[i])`` of Battiston et al. (2012):
    each new loss of ``j`` passes to its creditors once, at zero recovery. Iterates until
    the largest increment is below 1e-12, or for at most ``n + 1`` steps (enough for any
    acyclic network; on a cyclic one the loss keeps circulating and this truncates it).

    Parameters
    ----------
    exposures : (n, n) array_like or scipy.sparse matrix/array
        ``exposures[i, j]`` ≥ 0, what ``i`` has lent to ``j`` ($B).
    capital : (n,) array_like
        Each agent's equity ($B). An agent with capital ≤ 0 has no buffer: it is treated
        as fully distressed by any loss, its row of ``W`` being 1 wherever its exposure
        is positive (the limit of ``min(1, exposure / capital)`` as capital falls to 0),
        so it takes on the whole relative loss of each of its debtors.
    shock : (n,) array_like
        Initial relative equity loss of each agent, in [0, 1].
    values : (n,) array_like, optional
        Economic-value weights ``v`` (≥ 0) for the impacts; by default
        ``v_i = capital_i / sum(capital_j for capital_j > 0)`` (0 for capital ≤ 0).
    return_impacts : bool, optional
        If true also return each agent's value-weighted induced loss.

    Returns
    -------
    h : (n,) ndarray
        Final relative equity losses, in [0, 1].
    impacts : (n,) ndarray
        Only if ``return_impacts``: ``v_i * (h_i - shock_i)``, the loss the network adds on
        top of the initial shock; its sum is the DebtRank ``R`` of the shock.
    """
    W, c = _impact_matrix(exposures, capital)
    n = c.size
    h0 = _vector("shock", shock, n, lo=0.0, hi=1.0)
    v = _weights(values, c, n)
    h = _propagate(W, h0, n + 1)
    if return_impacts:
        return h, v * (h - h0)
    return h


def debtrank_impact(exposures, capital, values=None):
    """DebtRank of each agent: the loss its own default induces in the rest of the system.

    ``R_k = sum_i h_i v_i - v_k`` where ``h`` is the differential DebtRank (see
    :func:`debtrank`) after the shock ``h(0) = e_k`` (agent ``k`` alone fully distressed),
    following Battiston et al. (2012) and Bardoscia et al. (2015). The single-agent
    shocks run at once as one matrix iteration of at most ``n + 1`` steps: for fewer
    than 100 agents those of the borrowers on the lenders' rows (the rest have ``R =
    0``), else those of the ``k`` agents linked to another as a k×k iteration (in column
    batches of 512 when ``k > 2000``).

    Parameters
    ----------
    exposures, capital
        As in :func:`debtrank` ($B).
    values : (n,) array_like, optional
        Economic-value weights ``v`` (≥ 0); by default each agent's share of total positive
        capital.

    Returns
    -------
    R : (n,) ndarray
        ``R[k]``, the value-weighted relative equity loss of the system induced by agent
        ``k``'s default, excluding ``k``'s own loss (a fraction of total value when ``v``
        sums to 1).
    """
    A = _matrix("exposures", exposures)
    c = _vector("capital", capital, A.shape[0], lo=None)
    return _impacts(A, c, _weights(values, c, c.size))


def _debtrank_impact_unchecked(exposures: np.ndarray, capital: np.ndarray) -> np.ndarray:
    """:func:`debtrank_impact` with the default values, for a caller that builds its
    input as validation would return it: ``exposures`` a finite non-negative float64
    n×n ndarray, ``capital`` a finite float64 vector of length n."""
    return _impacts(exposures, capital, _weights(None, capital, capital.size))


def _impacts(A, c, v):
    """``R`` of :func:`debtrank_impact` for the exposures ``A`` (validated), capital ``c``
    and values ``v``."""
    n = c.size
    if n < _SPARSE_MIN_N:
        return _impacts_of_few(_dense(A), c, v, n + 1)
    # an agent that neither lends nor borrows in the network passes on no loss and takes
    # none (R = v_k - v_k = 0): the shocks run on the linked agents alone
    W = _impact_of(A, c)
    R = np.zeros(n)
    linked = _linked(W)
    k = linked.size
    if k < _SPARSE_MIN_N:
        few = _dense(A[linked][:, linked])
        R[linked] = _impacts_of_few(few, c[linked], v[linked], n + 1)
        return R
    W, v_linked = W[linked][:, linked], v[linked]
    batch = k if k <= DENSE_MAX_N else _BATCH
    for start in range(0, k, batch):
        stop = min(start + batch, k)
        H0 = np.eye(k, stop - start, -start)  # the shocks of agents start..stop-1
        H = _propagate(W, H0, n + 1)
        R[linked[start:stop]] = v_linked @ H - v_linked[start:stop]
    return R


def _dense(W) -> np.ndarray:
    return W.toarray() if sp.issparse(W) else W


def _linked(W) -> np.ndarray:
    """Agents with an impact on or from another (a nonzero row or column of the
    non-negative impact matrix ``W``, dense or sparse), ascending."""
    lent, owed = (np.asarray(W.sum(axis=axis)).ravel() for axis in (1, 0))
    return np.flatnonzero(lent + owed > 0)  # sums of non-negative terms: > 0 if any term is
