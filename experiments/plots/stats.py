"""Interval estimates used by the figures: Wilson for proportions, t for (paired) means."""

from __future__ import annotations

import numpy as np
from scipy import stats

__all__ = ["wilson", "mean_ci", "error_bars", "Z95"]

Z95 = float(stats.norm.ppf(0.975))
"""Two-sided 95% normal quantile (≈ 1.96)."""


def wilson(successes: int, trials: int, z: float = Z95) -> tuple[float, float, float]:
    """Proportion and its Wilson score interval.

    Parameters
    ----------
    successes, trials : int
        E.g. crashed runs and runs.
    z : float
        Normal quantile of the interval (1.96 for 95%).

    Returns
    -------
    (p, low, high) : tuple of float
        ``nan`` for all three when ``trials`` is 0.
    """
    if trials <= 0:
        return float("nan"), float("nan"), float("nan")
    p = successes / trials
    denom = 1.0 + z * z / trials
    centre = (p + z * z / (2 * trials)) / denom
    half = z * np.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / denom
    return p, min(p, max(0.0, centre - half)), max(p, min(1.0, centre + half))


def mean_ci(
    values, level: float = 0.95, bounds: tuple[float, float] = (-np.inf, np.inf)
) -> tuple[float, float, float]:
    """Mean and its t interval; for paired differences pass the per-seed differences.

    Parameters
    ----------
    values : array-like
        One value per seed; non-finite values are left out.
    level : float
        Coverage of the interval (0.95 for 95%).
    bounds : (float, float)
        The values the quantity can take (e.g. ``(0, inf)`` for a loss in $B): the
        interval is cut at them. With few seeds the t interval is wide (with two, 12.7
        standard errors on either side) and would otherwise reach values that cannot occur.

    Returns
    -------
    (mean, low, high) : tuple of float
        ``low == high == mean`` for a single value; ``nan`` for none.
    """
    x = np.asarray(values, dtype=float)
    x = x[np.isfinite(x)]
    if x.size == 0:
        return float("nan"), float("nan"), float("nan")
    mean = float(x.mean())
    if x.size == 1:
        return mean, mean, mean
    half = float(stats.t.ppf(0.5 + level / 2, x.size - 1) * x.std(ddof=1) / np.sqrt(x.size))
    low, high = bounds
    return mean, max(low, mean - half), min(high, mean + half)


def error_bars(centre, low, high) -> np.ndarray:
    """Matplotlib ``xerr``/``yerr`` (2 x n distances) of intervals around ``centre``;
    missing or rounding-negative distances become 0."""
    centre, low, high = (np.atleast_1d(np.asarray(v, dtype=float)) for v in (centre, low, high))
    bars = np.vstack([centre - low, high - centre])
    return np.clip(np.nan_to_num(bars, nan=0.0), 0.0, None)
