"""Unit and property tests of model.clearing.clearing_vector (Eisenberg–Noe, Rogers–Veraart).

Hand-computed cases first (every number is worked out in the comments), then hypothesis
properties on random networks against an independent plain Picard iteration, then input
validation. Notation: ``L[i, j]`` is what i owes j ($B), ``e`` outside assets,
``pbar = L.sum(1)``, ``Pi = L / pbar``, ``Phi(p) = min(pbar, e + Pi.T p)``.
"""

# ruff: noqa: N802, N803, N806  (matrix names L, Pi follow the papers' notation)
from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy.linalg import block_diag

from model.clearing import clearing_vector

FORMATS = [
    np.asarray,
    sp.csr_array,
    sp.csr_matrix,
    sp.csc_array,
    sp.coo_array,
    sp.lil_matrix,
    sp.dok_array,
]


def relative_liabilities(L):
    L = np.asarray(L, dtype=float)
    pbar = L.sum(1)
    Pi = np.divide(L, pbar[:, None], out=np.zeros_like(L), where=pbar[:, None] > 0)
    return pbar, Pi


def picard(L, e, alpha=1.0, beta=1.0, tol=1e-15, max_iter=2_000_000):
    """Reference: plain Picard iteration of the (Rogers–Veraart) clearing map from pbar.

    The map is monotone and the iterates fall, so they converge to the greatest fixed
    point (Eisenberg & Noe 2001, Rogers & Veraart 2013)."""
    pbar, Pi = relative_liabilities(L)
    PiT = Pi.T.copy()
    p = pbar.copy()
    scale = max(pbar.max(initial=0.0), 1.0)
    for _ in range(max_iter):
        inflow = PiT @ p
        solvent = e + inflow >= pbar * (1.0 - 1e-12)
        nxt = np.where(solvent, pbar, alpha * e + beta * inflow)
        if np.abs(nxt - p).max(initial=0.0) <= tol * scale:
            return nxt
        p = nxt
    raise AssertionError("reference Picard iteration did not converge")


# -------------------------------------------------------------------- hand-computed cases


def test_fictitious_default_two_rounds_with_a_cycle_among_defaulters():
    # A owes B 6 and C 4 (pbar_A = 10); B owes A 3 and C 3 (pbar_B = 6); C owes B 2.
    # e = (2, 0.5, 1).
    # Round 1, everyone pays in full: A has 2 + 3 = 5 < 10 -> defaults;
    #   B has 0.5 + 6 + 2 = 8.5 >= 6; C has 1 + 4 + 3 = 8 >= 2.
    #   Solve p_A = 2 + (3/6) p_B with p_B = 6: p_A = 5.
    # Round 2: B has 0.5 + (6/10)·5 + 2 = 5.5 < 6 -> defaults. Solve
    #   p_A = 2 + 0.5 p_B,  p_B = 0.5 + 0.6 p_A + 2
    #   => p_B = 2.5 + 0.6 (2 + 0.5 p_B) = 3.7 + 0.3 p_B => p_B = 37/7, p_A = 65/14.
    # Round 3: C has 1 + 0.4·65/14 + 0.5·37/7 = 1 + 26/14 + 37/14 = 5.5 >= 2: no new
    #   default, stop. Two rounds with new defaults.
    L = np.array([[0, 6, 4], [3, 0, 3], [0, 2, 0]], dtype=float)
    e = np.array([2.0, 0.5, 1.0])
    p, rounds, defaulted = clearing_vector(L, e, return_defaults=True)
    np.testing.assert_allclose(p, [65 / 14, 37 / 7, 2.0], rtol=1e-14)
    assert rounds == 2
    assert defaulted.tolist() == [True, True, False]


def test_cashless_cycle_greatest_vector_is_full_payment():
    # Clearing vectors need not be unique (Eisenberg & Noe 2001 rule this out with
    # their regularity condition): a cycle A -> B -> C -> A, each owing 1, no outside
    # assets. Any p = (t, t, t), 0 <= t <= 1, clears; the greatest clearing vector is
    # full payment and nobody defaults.
    L = np.array([[0, 1, 0], [0, 0, 1], [1, 0, 0]], dtype=float)
    e = np.zeros(3)
    p, rounds, defaulted = clearing_vector(L, e, return_defaults=True)
    np.testing.assert_array_equal(p, [1.0, 1.0, 1.0])
    assert rounds == 0 and not defaulted.any()
    pbar, Pi = relative_liabilities(L)
    for t in (0.0, 0.3):  # the smaller clearing vectors exist, and are not returned
        q = np.full(3, t)
        np.testing.assert_allclose(np.minimum(pbar, e + Pi.T @ q), q)


def test_three_cycle_with_a_shortfall():
    # A owes B 2, B owes C 1, C owes A 1; e = (0.5, 0, 0).
    # Round 1: A has 0.5 + 1 = 1.5 < 2 -> defaults, pays p_A = 0.5 + p_C = 1.5
    #   (C pays its 1 in full). B has 1.5 >= 1, C has 1 >= 1: stop.
    L = np.array([[0, 2, 0], [0, 0, 1], [1, 0, 0]], dtype=float)
    e = np.array([0.5, 0.0, 0.0])
    p, rounds, defaulted = clearing_vector(L, e, return_defaults=True)
    np.testing.assert_allclose(p, [1.5, 1.0, 1.0], rtol=1e-14)
    assert rounds == 1 and defaulted.tolist() == [True, False, False]


def test_leaky_cycle_defaults_one_per_round():
    # A owes B 4, B owes C 4, C owes A 4 and D 4 (D owes nothing); e = (1, 0, 0, 0).
    # Round 1: C has 4 < 8 -> defaults; p_C = 0 + p_B = 4. (A: 1+4=5 >= 4, B: 4 >= 4.)
    # Round 2: A has 1 + 4/2 = 3 < 4 -> defaults; p_A = 1 + p_C/2 = 3, p_C = 4.
    # Round 3: B has 3 < 4 -> defaults. All three in default:
    #   p_A = 1 + p_C/2, p_B = p_A, p_C = p_B => p_C = 1 + p_C/2 => p = (2, 2, 2, 0).
    # Check Phi: A: min(4, 1 + 1) = 2; B: min(4, 2) = 2; C: min(8, 2) = 2. D receives 1.
    L = np.zeros((4, 4))
    L[0, 1] = L[1, 2] = L[2, 0] = L[2, 3] = 4.0
    e = np.array([1.0, 0, 0, 0])
    p, rounds, defaulted = clearing_vector(L, e, return_defaults=True)
    np.testing.assert_allclose(p, [2.0, 2.0, 2.0, 0.0], rtol=1e-14)
    assert rounds == 3
    assert defaulted.tolist() == [True, True, True, False]


def test_chain_default_spreads_two_rounds():
    # A owes B 10, B owes C 10; e = (5, 2, 0).
    # Round 1: A has 5 < 10 -> defaults, p_A = 5. B has 2 + 10 = 12 >= 10.
    # Round 2: B has 2 + 5 = 7 < 10 -> defaults, p_B = 7. C owes nothing: stop.
    L = np.array([[0, 10, 0], [0, 0, 10], [0, 0, 0]], dtype=float)
    e = np.array([5.0, 2.0, 0.0])
    p, rounds, defaulted = clearing_vector(L, e, return_defaults=True)
    np.testing.assert_allclose(p, [5.0, 7.0, 0.0], rtol=1e-14)
    assert rounds == 2
    assert defaulted.tolist() == [True, True, False]


def test_rogers_veraart_chain_by_hand():
    # Same chain with alpha = beta = 1/2: a defaulter pays e/2 + inflow/2.
    # A defaults (5 < 10): p_A = 2.5. B has 2 + 2.5 = 4.5 < 10: p_B = 1 + 1.25 = 2.25.
    L = np.array([[0, 10, 0], [0, 0, 10], [0, 0, 0]], dtype=float)
    e = np.array([5.0, 2.0, 0.0])
    p, rounds, _ = clearing_vector(L, e, alpha=0.5, beta=0.5, return_defaults=True)
    np.testing.assert_allclose(p, [2.5, 2.25, 0.0], rtol=1e-14)
    assert rounds == 2
    # Zero recovery (Gai–Kapadia): both defaulters pay nothing.
    np.testing.assert_array_equal(clearing_vector(L, e, alpha=0.0, beta=0.0), [0, 0, 0])


def test_default_costs_cause_a_default_eisenberg_noe_does_not():
    # A owes B 10 with e_A = 9; B owes C 5 with e_B = 0.
    # EN: p_A = 9, B has 9 >= 5 and pays 5.
    # RV alpha = 1/2, beta = 1: p_A = 4.5, B has 4.5 < 5 -> defaults, pays 0 + 4.5.
    L = np.array([[0, 10, 0], [0, 0, 5], [0, 0, 0]], dtype=float)
    e = np.array([9.0, 0.0, 0.0])
    np.testing.assert_allclose(clearing_vector(L, e), [9.0, 5.0, 0.0])
    p, rounds, defaulted = clearing_vector(L, e, alpha=0.5, return_defaults=True)
    np.testing.assert_allclose(p, [4.5, 4.5, 0.0])
    assert rounds == 2 and defaulted.tolist() == [True, True, False]


def test_a_tiny_shortfall_is_a_default_and_tol_sets_the_threshold():
    # A owes B 1 and has 1 - 1e-9 outside: it pays everything it has, 1 - 1e-9.
    # With tol = 1e-6 a shortfall of 1e-9 (relative) is treated as round-off: pays 1.
    L = np.array([[0.0, 1.0], [0.0, 0.0]])
    e = np.array([1.0 - 1e-9, 0.0])
    p, rounds, defaulted = clearing_vector(L, e, return_defaults=True)
    assert p[0] == e[0] and rounds == 1 and defaulted[0]
    p, rounds, defaulted = clearing_vector(L, e, tol=1e-6, return_defaults=True)
    assert p[0] == 1.0 and rounds == 0 and not defaulted.any()


def test_disconnected_components_clear_independently():
    L1 = np.array([[0, 10, 0], [0, 0, 10], [0, 0, 0]], dtype=float)
    e1 = np.array([5.0, 2.0, 0.0])
    L2 = np.array([[0, 2, 0], [0, 0, 1], [1, 0, 0]], dtype=float)
    e2 = np.array([0.5, 0.0, 0.0])
    L = block_diag(L1, L2)
    e = np.concatenate([e1, e2])
    p, rounds, defaulted = clearing_vector(L, e, return_defaults=True)
    np.testing.assert_allclose(p, [5.0, 7.0, 0.0, 1.5, 1.0, 1.0], rtol=1e-14)
    assert rounds == 2  # the deeper of the two cascades
    assert defaulted.tolist() == [True, True, False, True, False, False]


def test_zero_rows_and_columns_and_agents_without_liabilities():
    # Agent 0 owes 4 to agent 1 with only 1 of outside assets: pays 1.
    # Agent 1 owes nothing (zero row): pays 0 and cannot default however poor.
    # Agent 2 is isolated (zero row and column) with outside assets.
    # Agent 3 has neither liabilities nor outside assets.
    L = np.zeros((4, 4))
    L[0, 1] = 4.0
    e = np.array([1.0, 0.0, 7.0, 0.0])
    p, rounds, defaulted = clearing_vector(L, e, return_defaults=True)
    np.testing.assert_array_equal(p, [1.0, 0.0, 0.0, 0.0])
    assert rounds == 1 and defaulted.tolist() == [True, False, False, False]
    # All-zero liabilities: nobody owes, nobody pays.
    np.testing.assert_array_equal(clearing_vector(np.zeros((3, 3)), np.zeros(3)), 0.0)


def test_empty_and_single_agent():
    for fmt in (np.asarray, sp.csr_array):
        p, rounds, defaulted = clearing_vector(
            fmt(np.zeros((0, 0))), np.zeros(0), return_defaults=True
        )
        assert p.shape == (0,) and rounds == 0 and defaulted.shape == (0,)
        np.testing.assert_array_equal(clearing_vector(fmt(np.zeros((1, 1))), [3.0]), [0.0])
    # A single agent owing itself 3 (a self-loop) with 1 outside: p = min(3, 1 + p) -> 3.
    np.testing.assert_array_equal(clearing_vector([[3.0]], [1.0]), [3.0])


@pytest.mark.parametrize("fmt", FORMATS, ids=lambda f: f.__name__)
def test_dense_and_sparse_inputs_agree(fmt):
    rng = np.random.default_rng(7)
    n = 40
    L = rng.lognormal(0, 1, (n, n)) * (rng.random((n, n)) < 0.15)
    np.fill_diagonal(L, 0.0)
    e = rng.uniform(0, 2, n)
    p_dense, r_dense, d_dense = clearing_vector(L, e, return_defaults=True)
    assert d_dense.sum() >= 5  # the case is not trivial
    p, r, d = clearing_vector(fmt(L), e, return_defaults=True)
    np.testing.assert_allclose(p, p_dense, rtol=1e-12, atol=1e-14)
    assert r == r_dense and (d == d_dense).all()


def test_integer_input_is_accepted():
    L = np.array([[0, 10, 0], [0, 0, 10], [0, 0, 0]])
    np.testing.assert_allclose(clearing_vector(L, [5, 2, 0]), [5.0, 7.0, 0.0])
    np.testing.assert_allclose(clearing_vector(sp.csr_array(L), [5, 2, 0]), [5.0, 7.0, 0.0])


def test_large_default_set_uses_the_iterative_solver_exactly():
    # A sparse network with a default set of several hundred agents (solved iteratively)
    # against the same network as dense input (solved by LU) and the reference Picard.
    rng = np.random.default_rng(11)
    n = 1500
    L = sp.random_array((n, n), density=0.004, rng=rng, format="csr") * 10
    L.setdiag(0.0)
    L.eliminate_zeros()
    pbar = np.asarray(L.sum(1)).ravel()
    e = 0.3 * np.maximum(pbar - np.asarray(L.sum(0)).ravel(), 0.0) + 0.05 * pbar
    p, rounds, defaulted = clearing_vector(L, e, return_defaults=True)
    assert defaulted.sum() > 400 and rounds >= 2
    p_dense = clearing_vector(L.toarray(), e)
    scale = pbar.max()
    np.testing.assert_allclose(p, p_dense, rtol=0, atol=1e-10 * scale)
    np.testing.assert_allclose(p, picard(L.toarray(), e, tol=1e-14), rtol=0, atol=1e-9 * scale)


def test_large_default_set_on_a_dense_network():
    # Every agent owes every other: the dense path, hundreds of defaulters.
    rng = np.random.default_rng(12)
    n = 600
    L = rng.uniform(0.0, 1.0, (n, n))
    np.fill_diagonal(L, 0.0)
    e = rng.uniform(0.0, 5.0, n) * (rng.random(n) < 0.5)
    e[: n // 2] = 0.0
    p, _, defaulted = clearing_vector(L, e, return_defaults=True)
    assert defaulted.sum() > 350
    scale = L.sum(1).max()
    np.testing.assert_allclose(p, picard(L, e, tol=1e-14), rtol=0, atol=1e-9 * scale)
    np.testing.assert_allclose(p, clearing_vector(sp.csr_array(L), e), rtol=0, atol=1e-10 * scale)


# -------------------------------------------------------------------- hypothesis properties


@st.composite
def networks(draw, max_n=30):
    """Random liabilities on a 0.5 grid (so Picard converges in reasonable time), any
    density, self-loops optional, and a random overall scale ($B)."""
    n = draw(st.integers(1, max_n))
    values = draw(arrays(np.int64, (n, n), elements=st.integers(0, 20)))
    mask = draw(arrays(np.bool_, (n, n), elements=st.booleans()))
    sparsity = draw(st.sampled_from([0.0, 0.5, 0.8, 0.95]))
    keep = draw(arrays(np.float64, (n, n), elements=st.floats(0, 1))) >= sparsity
    L = np.where(mask & keep, values, 0) / 2.0
    if draw(st.booleans()):
        np.fill_diagonal(L, 0.0)
    e = draw(arrays(np.int64, n, elements=st.integers(0, 40))) / 2.0
    scale = draw(st.sampled_from([1e-3, 1.0, 7.5, 1e4]))
    fmt = draw(st.sampled_from(FORMATS))
    return L * scale, e * scale, fmt


PROPS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _scale(L, e):
    return max(L.sum(1).max(initial=0.0), e.max(initial=0.0), 1e-300)


@PROPS
@given(networks())
def test_limited_liability_and_absolute_priority(net):
    L, e, fmt = net
    p, rounds, defaulted = clearing_vector(fmt(L), e, return_defaults=True)
    pbar, Pi = relative_liabilities(L)
    s = _scale(L, e)
    assert p.shape == e.shape and p.dtype == np.float64
    assert (p >= 0).all() and (p <= pbar * (1 + 1e-14)).all()  # limited liability
    assets = e + Pi.T @ p
    pays_in_full = np.abs(p - pbar) <= 1e-10 * s
    pays_everything = np.abs(p - assets) <= 1e-10 * s
    assert (pays_in_full | pays_everything).all()  # absolute priority
    assert (assets[pays_in_full] >= pbar[pays_in_full] - 1e-10 * s).all()
    assert (defaulted == (p < pbar * (1 - 1e-13))).all()  # defaulters pay less than pbar
    assert 0 <= rounds <= len(e) and (rounds > 0) == defaulted.any()


@PROPS
@given(networks())
def test_greatest_fixed_point_of_the_clearing_map(net):
    L, e, fmt = net
    p = clearing_vector(fmt(L), e)
    pbar, Pi = relative_liabilities(L)
    s = _scale(L, e)
    np.testing.assert_allclose(np.minimum(pbar, e + Pi.T @ p), p, rtol=0, atol=1e-10 * s)
    np.testing.assert_allclose(p, picard(L, e), rtol=0, atol=1e-9 * s)


@PROPS
@given(networks(), st.sampled_from([0.0, 0.25, 0.5, 0.9]), st.sampled_from([0.0, 0.5, 0.8]))
def test_rogers_veraart_is_the_greatest_fixed_point_of_its_map(net, alpha, beta):
    L, e, fmt = net
    p, _, defaulted = clearing_vector(fmt(L), e, alpha=alpha, beta=beta, return_defaults=True)
    pbar, Pi = relative_liabilities(L)
    s = _scale(L, e)
    inflow = Pi.T @ p
    expect = np.where(defaulted, alpha * e + beta * inflow, pbar)
    np.testing.assert_allclose(p, expect, rtol=0, atol=1e-10 * s)
    assert (e + inflow < pbar + 1e-10 * s)[defaulted].all()  # defaulters really fall short
    assert (e + inflow >= pbar - 1e-10 * s)[~defaulted].all()
    np.testing.assert_allclose(p, picard(L, e, alpha, beta), rtol=0, atol=1e-9 * s)
    assert (p <= clearing_vector(L, e) + 1e-10 * s).all()  # default costs only lower p


@PROPS
@given(networks())
def test_rogers_veraart_limits(net):
    L, e, fmt = net
    p_en = clearing_vector(fmt(L), e)
    np.testing.assert_array_equal(clearing_vector(fmt(L), e, alpha=1.0, beta=1.0), p_en)
    p0, _, defaulted = clearing_vector(fmt(L), e, alpha=0.0, beta=0.0, return_defaults=True)
    pbar = L.sum(1)
    assert (p0[defaulted] == 0).all()  # zero recovery: a defaulter pays nothing
    np.testing.assert_allclose(p0[~defaulted], pbar[~defaulted], rtol=1e-14)


@PROPS
@given(networks(max_n=12))
def test_dense_and_sparse_agree_on_random_networks(net):
    L, e, fmt = net
    p, r, d = clearing_vector(L, e, return_defaults=True)
    q, rq, dq = clearing_vector(fmt(L), e, return_defaults=True)
    np.testing.assert_allclose(q, p, rtol=1e-12, atol=1e-12 * _scale(L, e))
    assert r == rq and (d == dq).all()


# ----------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("liabilities", "outside", "kwargs", "match"),
    [
        (np.zeros((2, 3)), np.zeros(2), {}, r"liabilities.*square.*\(2, 3\)"),
        (sp.csr_array((2, 3)), np.zeros(2), {}, r"liabilities.*square"),
        (np.zeros(4), np.zeros(2), {}, r"liabilities.*square"),
        (np.zeros((2, 2)), np.zeros(3), {}, r"outside_assets.*length 2"),
        (np.zeros((2, 2)), np.zeros((2, 1)), {}, r"outside_assets.*length 2"),
        ([[0, -1.0], [0, 0]], np.zeros(2), {}, r"liabilities.*negative.*-1\.0.*\(0, 1\)"),
        (sp.csr_array([[0, 0], [-2.0, 0]]), [0, 0], {}, r"liabilities.*-2\.0.*\(1, 0\)"),
        ([[0, np.nan], [0, 0]], np.zeros(2), {}, r"liabilities.*non-finite.*nan.*\(0, 1\)"),
        (sp.coo_array([[0, 0], [0, np.inf]]), [0, 0], {}, r"liabilities.*inf.*\(1, 1\)"),
        (np.zeros((2, 2)), [1.0, -0.5], {}, r"outside_assets\[1\] = -0\.5"),
        (np.zeros((2, 2)), [np.nan, 0.0], {}, r"outside_assets\[0\] = nan"),
        (np.zeros((2, 2)), [0.0, np.inf], {}, r"outside_assets\[1\] = inf"),
        ([["a", "b"], ["c", "d"]], [0, 0], {}, r"liabilities"),
        (np.zeros((2, 2)), np.zeros(2), {"alpha": 1.5}, r"alpha.*1\.5"),
        (np.zeros((2, 2)), np.zeros(2), {"beta": -0.1}, r"beta.*-0\.1"),
        (np.zeros((2, 2)), np.zeros(2), {"tol": 1.0}, r"tol"),
    ],
)
def test_bad_input_raises_value_error_naming_the_argument(liabilities, outside, kwargs, match):
    with pytest.raises(ValueError, match=match):
        clearing_vector(liabilities, outside, **kwargs)
