"""Independent groups of respondents compared: Welch's t with its interval, Mann–Whitney U, Hedges' g, one-way ANOVA.

Each function wraps scipy and keeps the cases scipy leaves undefined or noisy explicit: a group without values,
a single value, and groups that do not vary (a difference that is exact for these respondents) give NaN with a
``reason``, or an infinite statistic with p = 0 when the groups differ but nothing varies within them.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from psychometrics.stats._means import _check_ci
from psychometrics.stats._result import AnovaResult, GroupDifference

Values = Iterable[float] | pd.Series | np.ndarray


def welch_ttest(a: Values, b: Values, *, ci: float = 0.95) -> GroupDifference:
    r"""Welch's t-test of ``mean(b) − mean(a)`` for two independent groups, with its confidence interval.

    Parameters
    ----------
    a, b : array-like of float
        The two groups (e.g. respondents' scale scores in run A and run B); NaN values are dropped.
    ci : float
        Coverage of the interval of the difference, between 0 and 1.

    Returns
    -------
    GroupDifference
        ``diff``, its interval, Welch's ``statistic`` (t), ``df`` and ``p``, and Hedges' g as ``effect_size``.
        With no value in a group everything is NaN; with a single value only ``diff`` is defined. When neither
        group varies the difference is exact for these respondents: the interval is the point, and t is ±inf with
        p = 0 (``df = n_a + n_b − 2``) when the means differ, NaN with a ``reason`` when they are equal.

    Raises
    ------
    ValueError
        ``ci`` outside (0, 1).

    Notes
    -----
    ``scipy.stats.ttest_ind(b, a, equal_var=False)`` and its ``confidence_interval``:

    .. math::

        d = \bar x_b - \bar x_a,\quad se = \sqrt{s_a^2/n_a + s_b^2/n_b},\quad
        \nu = \frac{se^4}{(s_a^2/n_a)^2/(n_a-1) + (s_b^2/n_b)^2/(n_b-1)},\quad
        t = d/se,\quad d \pm t_{(1+\text{ci})/2,\,\nu}\, se

    Hedges' g is :func:`hedges_g`. R: ``t.test(b, a)``.

    References
    ----------
    Welch, B. L. (1947). The generalization of "Student's" problem when several different population variances
    are involved. *Biometrika*, 34, 28–35.

    Examples
    --------
    >>> from psychometrics.stats import welch_ttest
    >>> r = welch_ttest([1.0, 2.0, 3.0, 4.0], [2.0, 3.0, 5.0, 7.0, 9.0])
    >>> round(r.diff, 2), round(r.statistic, 4), round(r.df, 3), round(r.p, 4)
    (2.7, 1.8827, 5.792, 0.1105)
    >>> round(r.ci_low, 4), round(r.ci_high, 4)
    (-0.8399, 6.2399)
    """
    _check_ci(ci)
    xa, xb = _values(a), _values(b)
    base = _describe(xa, xb, test="Welch t", ci=ci)
    undefined = _too_few(base)
    if undefined is not None:
        return undefined
    if base["sd_a"] == 0 and base["sd_b"] == 0:
        return _no_spread(base)
    with warnings.catch_warnings():
        # A group whose values are all equal has variance 0, which is valid input for Welch's test; scipy warns
        # because it cannot tell that from catastrophic cancellation in nearly equal data.
        warnings.filterwarnings("ignore", message="Precision loss occurred", category=RuntimeWarning)
        res = stats.ttest_ind(xb, xa, equal_var=False)
    interval = res.confidence_interval(ci)
    return GroupDifference(
        **base, se=_se(base), ci_low=float(interval.low), ci_high=float(interval.high),
        statistic=float(res.statistic), df=float(res.df), p=float(res.pvalue), effect_size=_hedges(base),
    )


def welch_ttest_from_stats(mean_a: float, sd_a: float, n_a: int, mean_b: float, sd_b: float, n_b: int, *,
                           ci: float = 0.95) -> GroupDifference:
    r"""Welch's t-test of ``mean_b − mean_a`` from each group's mean, SD (n − 1) and size.

    Parameters
    ----------
    mean_a, sd_a, n_a, mean_b, sd_b, n_b
        The summaries of the two independent groups (e.g. a scale's score in two audits).
    ci : float
        Coverage of the interval of the difference, between 0 and 1.

    Returns
    -------
    GroupDifference
        As :func:`welch_ttest`; everything is NaN with a ``reason`` when a mean is not a number, and only
        ``diff`` is defined when a group has fewer than 2 values or no SD.

    Raises
    ------
    ValueError
        ``ci`` outside (0, 1).

    Notes
    -----
    t and p from ``scipy.stats.ttest_ind_from_stats(mean_b, sd_b, n_b, mean_a, sd_a, n_a, equal_var=False)``;
    the Welch–Satterthwaite :math:`\nu` and the interval :math:`d \pm t_{(1+\text{ci})/2,\,\nu}\, se` as in
    :func:`welch_ttest`, which scipy does not return for summaries.

    References
    ----------
    Welch, B. L. (1947). The generalization of "Student's" problem when several different population variances
    are involved. *Biometrika*, 34, 28–35.

    Examples
    --------
    >>> from psychometrics.stats import welch_ttest_from_stats
    >>> r = welch_ttest_from_stats(3.0, 0.5, 20, 3.6, 0.4, 20)
    >>> round(r.diff, 3), round(r.ci_low, 4), round(r.ci_high, 4), round(r.p, 5)
    (0.6, 0.3097, 0.8903, 0.00017)

    (R's ``t.test(b, a)`` gives the same interval for data with these means and SDs.)
    """
    _check_ci(ci)
    base: dict[str, Any] = {
        "test": "Welch t", "effect_size_name": "Hedges' g", "mean_a": float(mean_a), "mean_b": float(mean_b),
        "sd_a": float(sd_a), "sd_b": float(sd_b), "n_a": int(n_a), "n_b": int(n_b), "ci_level": ci,
        "diff": float(mean_b - mean_a),
    }
    if not (math.isfinite(mean_a) and math.isfinite(mean_b)):
        return GroupDifference(**{**base, "diff": math.nan}, reason="a group's mean is not a number")
    if n_a < 2 or n_b < 2 or not (math.isfinite(sd_a) and math.isfinite(sd_b)):
        return GroupDifference(**base, reason=f"a group has fewer than 2 values or no SD (n = {n_a} and {n_b})")
    if sd_a == 0 and sd_b == 0:
        return _no_spread(base)
    res = stats.ttest_ind_from_stats(mean_b, sd_b, n_b, mean_a, sd_a, n_a, equal_var=False)
    va, vb = sd_a**2 / n_a, sd_b**2 / n_b
    se = math.sqrt(va + vb)
    df = (va + vb) ** 2 / (va**2 / (n_a - 1) + vb**2 / (n_b - 1))
    half = float(stats.t.ppf(0.5 + ci / 2, df)) * se
    return GroupDifference(**base, se=se, ci_low=base["diff"] - half, ci_high=base["diff"] + half,
                           statistic=float(res.statistic), df=df, p=float(res.pvalue), effect_size=_hedges(base))


def hedges_g(a: Values, b: Values) -> float:
    r"""Hedges' g of ``b`` against ``a``: the standardised mean difference with the small-sample correction.

    Parameters
    ----------
    a, b : array-like of float
        Two independent groups; NaN values are dropped.

    Returns
    -------
    float
        Positive when ``b`` is higher; NaN when a group has fewer than 2 values or neither group varies.

    Notes
    -----
    .. math::

        g = \frac{\bar x_b - \bar x_a}{s_p}\left(1 - \frac{3}{4(n_a + n_b) - 9}\right),\qquad
        s_p = \sqrt{\frac{(n_a-1)s_a^2 + (n_b-1)s_b^2}{n_a + n_b - 2}}

    Same as ``pingouin.compute_effsize(b, a, eftype="hedges")``; R: ``effsize::cohen.d(b, a, hedges.correction =
    TRUE)``.

    References
    ----------
    Hedges, L. V. (1981). Distribution theory for Glass's estimator of effect size and related estimators.
    *Journal of Educational Statistics*, 6, 107–128.

    Examples
    --------
    >>> from psychometrics.stats import hedges_g
    >>> round(hedges_g([1.0, 2.0, 3.0, 4.0], [2.0, 3.0, 5.0, 7.0, 9.0]), 4)
    1.0328
    """
    base = _describe(_values(a), _values(b), test="Welch t", ci=0.95)
    return _hedges(base) if base["n_a"] > 1 and base["n_b"] > 1 else math.nan


def mann_whitney_u(a: Values, b: Values) -> GroupDifference:
    r"""The Mann–Whitney U test of two independent groups, with the rank-biserial correlation.

    Parameters
    ----------
    a, b : array-like of float
        The two groups; NaN values are dropped.

    Returns
    -------
    GroupDifference
        ``statistic`` is U of group B (pairs in which B is higher, ties counted half), ``p`` two-sided and
        ``effect_size`` the rank-biserial r (positive when B is higher); the means, SDs and ``diff`` describe the
        groups, the interval is NaN. Everything is NaN with a ``reason`` when a group has no value.

    Notes
    -----
    ``scipy.stats.mannwhitneyu(b, a, alternative="two-sided")`` (exact or asymptotic with tie and continuity
    correction, as scipy chooses), and :math:`r = 2U_b/(n_a n_b) - 1`. It assumes nothing about the shape of
    the distributions. R: ``wilcox.test(b, a)``.

    References
    ----------
    Mann, H. B., & Whitney, D. R. (1947). On a test of whether one of two random variables is stochastically
    larger than the other. *Annals of Mathematical Statistics*, 18, 50–60.
    Kerby, D. S. (2014). The simple difference formula: an approach to teaching nonparametric correlation.
    *Comprehensive Psychology*, 3, 11.IT.3.1.

    Examples
    --------
    >>> from psychometrics.stats import mann_whitney_u
    >>> r = mann_whitney_u([1, 2, 3, 4], [3, 5, 6, 7, 8])
    >>> r.statistic, round(r.p, 4), round(r.effect_size, 2)
    (18.5, 0.0491, 0.85)
    """
    xa, xb = _values(a), _values(b)
    base = _describe(xa, xb, test="Mann-Whitney U", ci=0.95)
    undefined = _too_few(base, minimum=1)
    if undefined is not None:
        return undefined
    res = stats.mannwhitneyu(xb, xa, alternative="two-sided")
    u = float(res.statistic)
    return GroupDifference(**base, statistic=u, p=float(res.pvalue),
                           effect_size=2 * u / (base["n_a"] * base["n_b"]) - 1)


def one_way_anova(groups: Sequence[Values]) -> AnovaResult:
    r"""One-way analysis of variance across independent groups (e.g. respondents' mean answers per template).

    Parameters
    ----------
    groups : sequence of array-like of float
        One array per group; NaN values are dropped and groups left empty are ignored.

    Returns
    -------
    AnovaResult
        F, its degrees of freedom and p. NaN with a ``reason`` with fewer than 2 groups, one value per group, or
        every value the same; F = +inf with p = 0 when no group varies within itself but the groups differ.

    Notes
    -----
    ``scipy.stats.f_oneway``: with :math:`k` groups and :math:`N` values,

    .. math::

        F = \frac{\sum_j n_j(\bar x_j - \bar x)^2 / (k - 1)}{\sum_j \sum_i (x_{ij} - \bar x_j)^2 / (N - k)}

    on :math:`k - 1` and :math:`N - k` degrees of freedom. R: ``oneway.test(value ~ group, var.equal = TRUE)``.

    References
    ----------
    Fisher, R. A. (1925). *Statistical methods for research workers*. Oliver and Boyd.

    Examples
    --------
    >>> from psychometrics.stats import one_way_anova
    >>> r = one_way_anova([[1.0, 2.0, 3.0], [2.0, 3.0, 4.0], [5.0, 6.0, 7.0]])
    >>> r.statistic, r.df_between, r.df_within, round(r.p, 5)
    (13.0, 2.0, 6.0, 0.00659)
    """
    values = [g for g in (_values(x) for x in groups) if g.size]
    n, k = int(sum(g.size for g in values)), len(values)
    if k < 2:
        return AnovaResult(n=n, n_groups=k, reason=f"{k} group(s) with values; at least 2 are needed")
    df_between, df_within = float(k - 1), float(n - k)
    if df_within < 1:
        return AnovaResult(n=n, n_groups=k, df_between=df_between, df_within=df_within,
                           reason="one value per group: variation within groups cannot be told from the group effect")
    if all(np.ptp(g) == 0 for g in values):
        if len({float(g[0]) for g in values}) == 1:
            return AnovaResult(n=n, n_groups=k, df_between=df_between, df_within=df_within,
                               reason="every value is the same in every group")
        return AnovaResult(statistic=math.inf, df_between=df_between, df_within=df_within, p=0.0, n=n, n_groups=k)
    res = stats.f_oneway(*values)
    return AnovaResult(statistic=float(res.statistic), df_between=df_between, df_within=df_within,
                       p=float(res.pvalue), n=n, n_groups=k)


# -- shared ----------------------------------------------------------------------------------------------------


def _values(x: Values) -> np.ndarray:
    arr = np.asarray(list(x) if not isinstance(x, (np.ndarray, pd.Series)) else x, dtype=float)
    return arr[~np.isnan(arr)]


def _describe(xa: np.ndarray, xb: np.ndarray, *, test: str, ci: float) -> dict[str, Any]:
    """Means, SDs, sizes and ``diff`` of the two groups (a group whose values are all equal has SD 0 exactly)."""
    out: dict[str, Any] = {"test": test, "ci_level": ci,
                           "effect_size_name": "Hedges' g" if test == "Welch t" else "rank-biserial r"}
    for side, x in (("a", xa), ("b", xb)):
        constant = x.size > 0 and np.ptp(x) == 0
        out[f"mean_{side}"] = float(x[0]) if constant else (float(x.mean()) if x.size else math.nan)
        out[f"sd_{side}"] = (0.0 if constant else float(x.std(ddof=1))) if x.size > 1 else math.nan
        out[f"n_{side}"] = int(x.size)
    out["diff"] = out["mean_b"] - out["mean_a"]
    return out


def _too_few(base: dict[str, Any], minimum: int = 2) -> GroupDifference | None:
    """The undefined result when a group has no value or fewer than ``minimum``; ``None`` when both have enough."""
    na, nb = base["n_a"], base["n_b"]
    if na == 0 or nb == 0:
        return GroupDifference(**base, reason=f"group {'A' if na == 0 else 'B'} has no value")
    if na < minimum or nb < minimum:
        return GroupDifference(**base, reason=f"fewer than 2 values in a group (A: {na}, B: {nb}): no spread "
                                              "to test against")
    return None


def _no_spread(base: dict[str, Any]) -> GroupDifference:
    """Neither group varies: the difference is exact for these respondents."""
    d = base["diff"]
    if d == 0:
        return GroupDifference(**base, se=0.0, ci_low=d, ci_high=d,
                               reason="neither group varies and their means are equal: the test is undefined")
    return GroupDifference(**base, se=0.0, ci_low=d, ci_high=d, statistic=math.copysign(math.inf, d),
                           df=float(base["n_a"] + base["n_b"] - 2), p=0.0)


def _se(base: dict[str, Any]) -> float:
    return math.sqrt(base["sd_a"] ** 2 / base["n_a"] + base["sd_b"] ** 2 / base["n_b"])


def _hedges(base: dict[str, Any]) -> float:
    na, nb = base["n_a"], base["n_b"]
    va, vb = base["sd_a"] ** 2, base["sd_b"] ** 2
    pooled = math.sqrt(((na - 1) * va + (nb - 1) * vb) / (na + nb - 2))
    if not pooled > 0:
        return math.nan
    correction = 1 - 3 / (4 * (na + nb) - 9) if na + nb > 3 else 1.0
    return base["diff"] / pooled * correction
