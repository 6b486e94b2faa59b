"""Unit and property tests of model.clearing.debtrank / debtrank_impact (Bardoscia et al. 2015).

Notation: ``exposures[i, j]`` is what i has lent to j ($B), ``W[i, j] = min(1,
exposures[i, j] / capital[i])``, and differential DebtRank iterates
``h(t+1) = min(1, h(t) + W (h(t) - h(t-1)))`` from ``h(0) = shock``, ``h(-1) = 0``.
"""

# ruff: noqa: N802, N803, N806  (matrix names W, A follow the papers' notation)
from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from model.clearing import debtrank, debtrank_impact

FORMATS = [np.asarray, sp.csr_array, sp.csc_matrix, sp.coo_array]


def chain():
    # B (1) has lent 5 to A (0); C (2) has lent 4 to B. Capital A 10, B 10, C 8.
    # W[B, A] = 5/10 = 0.5, W[C, B] = 4/8 = 0.5, all else 0.
    A = np.zeros((3, 3))
    A[1, 0] = 5.0
    A[2, 1] = 4.0
    return A, np.array([10.0, 10.0, 8.0])


@pytest.mark.parametrize("fmt", FORMATS, ids=lambda f: f.__name__)
def test_chain_loss_passes_each_edge_once(fmt):
    # h(0) = (1, 0, 0).
    # t=1: h_B = 0 + 0.5·(1 - 0) = 0.5; h_C = 0.5·(h_B(0) - h_B(-1)) = 0.
    # t=2: only B's increment 0.5 moves: h_C = 0.5·0.5 = 0.25; h_B gets nothing new
    #      (A's increment is now 0) -- a non-differential rule h += W h would add 0.5
    #      to h_B again, and again, until h_B = 1.
    # t=3: nothing moves. h = (1, 0.5, 0.25).
    A, capital = chain()
    h = debtrank(fmt(A), capital, [1.0, 0.0, 0.0])
    np.testing.assert_allclose(h, [1.0, 0.5, 0.25], rtol=1e-15)


def test_partial_shock_and_impacts():
    # h(0) = (0.4, 0, 0): h_B = 0.5·0.4 = 0.2, h_C = 0.5·0.2 = 0.1.
    # Default values v = capital / 28 = (10, 10, 8)/28; impacts v·(h - h(0)) =
    # (0, 10·0.2, 8·0.1)/28 = (0, 2, 0.8)/28.
    A, capital = chain()
    h, impacts = debtrank(A, capital, [0.4, 0.0, 0.0], return_impacts=True)
    np.testing.assert_allclose(h, [0.4, 0.2, 0.1], rtol=1e-14)
    np.testing.assert_allclose(impacts, np.array([0.0, 2.0, 0.8]) / 28, rtol=1e-14)
    _, impacts = debtrank(A, capital, [0.4, 0.0, 0.0], values=[1, 1, 1], return_impacts=True)
    np.testing.assert_allclose(impacts, [0.0, 0.2, 0.1], rtol=1e-14)


def test_losses_are_capped_at_one():
    # B has lent 30 to A with capital 10: W[B, A] = min(1, 3) = 1, so h_B = 1, not 3.
    A = np.array([[0.0, 0.0], [30.0, 0.0]])
    np.testing.assert_array_equal(debtrank(A, [10.0, 10.0], [1.0, 0.0]), [1.0, 1.0])
    # C (2) has lent 8 to each of A (0) and B (1), capital 10: W = 0.8 each.
    # Shocking A and B fully: h_C = min(1, 0.8 + 0.8) = 1.
    A = np.zeros((3, 3))
    A[2, 0] = A[2, 1] = 8.0
    np.testing.assert_array_equal(debtrank(A, [1.0, 1.0, 10.0], [1.0, 1.0, 0.0]), [1, 1, 1])
    # Shocking only A halfway: h_C = 0.8·0.5 = 0.4.
    np.testing.assert_allclose(debtrank(A, [1.0, 1.0, 10.0], [0.5, 0.0, 0.0]), [0.5, 0, 0.4])


def test_two_paths_add_without_double_counting():
    # D (3) lent 2 to B (1) and 2 to C (2); B and C each lent 5 to A (0).
    # Capitals A 1, B 10, C 10, D 10: W[B, A] = W[C, A] = 0.5, W[D, B] = W[D, C] = 0.2.
    # Shock A: t=1 h_B = h_C = 0.5; t=2 h_D = 0.2·0.5 + 0.2·0.5 = 0.2; then nothing.
    A = np.zeros((4, 4))
    A[1, 0] = A[2, 0] = 5.0
    A[3, 1] = A[3, 2] = 2.0
    h = debtrank(A, [1.0, 10.0, 10.0, 10.0], [1.0, 0.0, 0.0, 0.0])
    np.testing.assert_allclose(h, [1.0, 0.5, 0.5, 0.2], rtol=1e-15)


def test_nonpositive_capital_takes_the_full_relative_loss():
    # B (1) has capital 0 and has lent 1 to A (0): its W row is 1 where it has exposure.
    # C (2) has negative capital and has lent nothing: W row 0, never distressed.
    A = np.array([[0.0, 0, 0], [1.0, 0, 0], [0, 0, 0]])
    capital = [5.0, 0.0, -3.0]
    np.testing.assert_array_equal(debtrank(A, capital, [1.0, 0, 0]), [1.0, 1.0, 0.0])
    np.testing.assert_allclose(debtrank(A, capital, [0.3, 0, 0]), [0.3, 0.3, 0.0])
    np.testing.assert_allclose(debtrank(sp.csr_array(A), capital, [0.3, 0, 0]), [0.3, 0.3, 0])


def test_cycle_converges_or_is_truncated_below_the_limit():
    # A and B have lent 2 to each other, capital 10 each: W = 0.2 both ways.
    # Shock A by 0.5: increments alternate 0.1 (B), 0.02 (A), 0.004 (B), ...
    # The converged limit is h_B = 0.1 / (1 - 0.04), h_A = 0.5 + 0.02 / (1 - 0.04).
    # After the first step h = (0.5, 0.1); the result lies between the two.
    A = np.array([[0.0, 2.0], [2.0, 0.0]])
    h = debtrank(A, [10.0, 10.0], [0.5, 0.0])
    limit = np.array([0.5 + 0.02 / 0.96, 0.1 / 0.96])
    assert (h >= [0.5, 0.1]).all() and (h <= limit + 1e-15).all()
    assert h[0] >= 0.52 and h[1] >= 0.104  # at least the n + 1 = 3 steps are taken


def test_debtrank_impact_on_a_star():
    # Hub H (0) has borrowed 5 from each of three leaves (1, 2, 3); each leaf has
    # capital 10 (W[leaf, H] = 0.5), the hub 20. Values v = capital / 50 = (0.4, 0.2 ×3).
    # R_H: h = (1, 0.5, 0.5, 0.5): sum h v - v_H = 0.4 + 3·0.5·0.2 - 0.4 = 0.3.
    # R_leaf: nobody is exposed to a leaf: 0.
    A = np.zeros((4, 4))
    A[1:, 0] = 5.0
    capital = np.array([20.0, 10.0, 10.0, 10.0])
    for fmt in FORMATS:
        np.testing.assert_allclose(debtrank_impact(fmt(A), capital), [0.3, 0, 0, 0], atol=1e-15)
    np.testing.assert_allclose(debtrank_impact(A, capital, values=np.ones(4)), [1.5, 0, 0, 0])


def test_empty_network():
    assert debtrank(np.zeros((0, 0)), [], []).shape == (0,)
    assert debtrank_impact(np.zeros((0, 0)), []).shape == (0,)
    np.testing.assert_array_equal(debtrank([[0.0]], [1.0], [0.7]), [0.7])
    np.testing.assert_array_equal(debtrank_impact([[0.0]], [1.0]), [0.0])


@st.composite
def exposure_networks(draw, max_n=12):
    n = draw(st.integers(1, max_n))
    A = draw(arrays(np.float64, (n, n), elements=st.sampled_from([0.0, 0.0, 0.5, 1.0, 3.0])))
    capital = draw(arrays(np.float64, n, elements=st.sampled_from([-1.0, 0.0, 1.0, 2.0, 10.0])))
    return A, capital


@settings(max_examples=100, deadline=None)
@given(exposure_networks())
def test_impact_matches_one_shock_at_a_time(net):
    A, capital = net
    n = len(capital)
    pos = np.maximum(capital, 0.0)
    v = pos / pos.sum() if pos.sum() > 0 else np.zeros(n)
    expect = np.array([v @ debtrank(A, capital, np.eye(n)[k]) - v[k] for k in range(n)])
    np.testing.assert_allclose(debtrank_impact(A, capital), expect, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(
        debtrank_impact(sp.csr_array(A), capital), expect, rtol=1e-12, atol=1e-15
    )


@settings(max_examples=100, deadline=None)
@given(exposure_networks(), st.data())
def test_losses_grow_from_the_shock_and_stay_in_the_unit_interval(net, data):
    A, capital = net
    n = len(capital)
    shock = data.draw(arrays(np.float64, n, elements=st.floats(0.0, 1.0)))
    h = debtrank(A, capital, shock)
    assert (h >= shock).all() and (h <= 1.0).all()
    np.testing.assert_allclose(debtrank(sp.coo_array(A), capital, shock), h, rtol=1e-13)


def test_impact_in_column_batches_for_large_n():
    # n > 2000: the n single-agent shocks run in batches; spot-check against single runs.
    rng = np.random.default_rng(3)
    n = 2100
    A = sp.random_array((n, n), density=0.002, rng=rng, format="csr")
    capital = np.asarray(A.sum(1)).ravel() * 3.0 + 0.1
    R = debtrank_impact(A, capital)
    v = capital / capital.sum()
    for k in (0, 511, 512, 1500, n - 1):
        shock = np.zeros(n)
        shock[k] = 1.0
        assert R[k] == pytest.approx(v @ debtrank(A, capital, shock) - v[k], rel=1e-12, abs=1e-15)


@pytest.mark.parametrize(
    ("args", "kwargs", "match"),
    [
        ((np.zeros((2, 3)), [1, 1], [0, 0]), {}, r"exposures.*square"),
        ((np.array([[0, -1.0], [0, 0]]), [1, 1], [0, 0]), {}, r"exposures.*negative"),
        ((np.array([[0, np.nan], [0, 0]]), [1, 1], [0, 0]), {}, r"exposures.*non-finite"),
        ((np.zeros((2, 2)), [1, 1, 1], [0, 0]), {}, r"capital.*length 2"),
        ((np.zeros((2, 2)), [1, np.inf], [0, 0]), {}, r"capital\[1\]"),
        ((np.zeros((2, 2)), [1, 1], [0, 1.5]), {}, r"shock\[1\] = 1\.5"),
        ((np.zeros((2, 2)), [1, 1], [-0.1, 0]), {}, r"shock\[0\]"),
        ((np.zeros((2, 2)), [1, 1], [0, 0]), {"values": [1, -1]}, r"values\[1\]"),
    ],
)
def test_bad_input_raises_value_error_naming_the_argument(args, kwargs, match):
    with pytest.raises(ValueError, match=match):
        debtrank(*args, return_impacts=True, **kwargs)


def test_debtrank_impact_validates_values():
    with pytest.raises(ValueError, match=r"values.*length 2"):
        debtrank_impact(np.zeros((2, 2)), [1, 1], values=[1, 1, 1])
