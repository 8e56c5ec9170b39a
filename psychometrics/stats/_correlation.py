"""Rank correlation with a confidence interval."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from scipy import stats

from psychometrics.stats._result import RankCorrelation

NAN = math.nan


def spearman_ci(x: Sequence[float] | np.ndarray, y: Sequence[float] | np.ndarray, *,
                ci: float = 0.95) -> RankCorrelation:
    """Spearman ρ between ``x`` and ``y`` with a Fisher-z confidence interval; pairs with a NaN are dropped.

    Parameters
    ----------
    x, y : array-like of float
        Paired values, one pair per respondent (in a shaping run: the target level and the measured score).
    ci : float
        Coverage of the interval.

    Returns
    -------
    RankCorrelation
        NaN with a ``reason`` when fewer than 3 pairs remain or either variable does not vary.

    Raises
    ------
    ValueError
        ``x`` and ``y`` of different lengths.

    Notes
    -----
    With :math:`z = \\operatorname{atanh}\\rho` and :math:`SE = \\sqrt{(1 + \\rho^2/2)/(n - 3)}` (Bonett &
    Wright, 2000), the interval is :math:`\\tanh(z \\pm z_{1-\\alpha/2} SE)`; it needs :math:`n \\ge 4`. When
    :math:`|\\rho| = 1` the interval collapses to :math:`[\\rho, \\rho]`. R: ``cor.test(x, y, method =
    "spearman")`` gives the same ρ and p-value (its exact p for small n differs).

    References
    ----------
    Bonett, D. G., & Wright, T. A. (2000). Sample size requirements for estimating Pearson, Kendall and Spearman
    correlations. *Psychometrika, 65*(1), 23–28.

    Examples
    --------
    >>> from psychometrics.stats import spearman_ci
    >>> r = spearman_ci([1, 2, 3, 4, 5], [2.0, 2.5, 2.4, 4.0, 4.5])
    >>> round(r.value, 2), round(r.ci_low, 2), round(r.ci_high, 3)
    (0.9, -0.17, 0.996)
    """
    xa = np.asarray(x, dtype=float)
    ya = np.asarray(y, dtype=float)
    if xa.shape != ya.shape:
        raise ValueError(f"x and y must have the same length (got {xa.size} and {ya.size})")
    keep = ~(np.isnan(xa) | np.isnan(ya))
    xa, ya = xa[keep], ya[keep]
    n = len(xa)
    if n < 3:
        return RankCorrelation(value=NAN, n=n, ci_level=ci, reason=f"{n} scored respondent(s): ρ needs at least 3")
    if np.ptp(xa) == 0:
        return RankCorrelation(value=NAN, n=n, ci_level=ci, reason="only one level has scored respondents")
    if np.ptp(ya) == 0:
        return RankCorrelation(value=NAN, n=n, ci_level=ci,
                               reason=f"every respondent has the same score ({ya[0]:g}): ρ is undefined")
    res = stats.spearmanr(xa, ya)
    rho, p = float(res.statistic), float(res.pvalue)
    if n < 4:
        return RankCorrelation(value=rho, p=p, n=n, ci_level=ci)
    if abs(rho) >= 1.0 - 1e-12:
        return RankCorrelation(value=rho, ci_low=rho, ci_high=rho, p=p, n=n, ci_level=ci)
    se = math.sqrt((1.0 + rho * rho / 2.0) / (n - 3))
    zc = float(stats.norm.ppf(0.5 + ci / 2.0))
    z = math.atanh(rho)
    return RankCorrelation(value=rho, ci_low=math.tanh(z - zc * se), ci_high=math.tanh(z + zc * se), p=p,
                           n=n, ci_level=ci)
