"""Proportions: the Wilson interval of one, Newcombe's interval of a difference of two, and a trend across levels."""

from __future__ import annotations

import math
from collections.abc import Sequence

from scipy import stats

from psychometrics.stats._means import _check_ci
from psychometrics.stats._result import Difference, Proportion, TrendTest


def wilson_ci(count: int, n: int, *, ci: float = 0.95) -> Proportion:
    r"""A proportion ``count / n`` with its Wilson score interval.

    Parameters
    ----------
    count : int
        Events (e.g. refusals), 0 ≤ count ≤ n.
    n : int
        Trials (e.g. replies), ≥ 0.
    ci : float
        Coverage of the interval, between 0 and 1.

    Returns
    -------
    Proportion
        NaN with a ``reason`` when ``n`` is 0.

    Raises
    ------
    ValueError
        ``ci`` outside (0, 1), or ``count`` outside 0…``n``.

    Notes
    -----
    ``statsmodels.stats.proportion.proportion_confint(count, n, alpha=1 - ci, method="wilson")``: with
    :math:`\hat p = x/n` and :math:`z = \Phi^{-1}(1 - (1-\text{ci})/2)`,

    .. math::

        \frac{\hat p + \frac{z^2}{2n} \pm z\sqrt{\frac{\hat p(1-\hat p)}{n} + \frac{z^2}{4n^2}}}{1 + \frac{z^2}{n}}

    clipped to [0, 1] against rounding. It stays inside [0, 1] and behaves well at 0 and 100%, unlike the Wald
    interval. R: ``prop.test(count, n, correct = FALSE)$conf.int``.

    References
    ----------
    Wilson, E. B. (1927). Probable inference, the law of succession, and statistical inference. *JASA*, 22,
    209–212.

    Examples
    --------
    >>> from psychometrics.stats import wilson_ci
    >>> r = wilson_ci(8, 10)
    >>> r.rate, round(r.ci_low, 4), round(r.ci_high, 4)
    (0.8, 0.4902, 0.9433)
    """
    from statsmodels.stats.proportion import proportion_confint

    _check_ci(ci)
    if not 0 <= count <= n:
        raise ValueError(f"count must lie between 0 and n (got {count} of {n})")
    if n == 0:
        return Proportion(count=0, n=0, rate=math.nan, ci_low=math.nan, ci_high=math.nan, ci_level=ci,
                          reason="no trials")
    low, high = proportion_confint(count, n, alpha=1 - ci, method="wilson")
    return Proportion(count=int(count), n=int(n), rate=count / n, ci_low=max(0.0, float(low)),
                      ci_high=min(1.0, float(high)), ci_level=ci)


def newcombe_difference(count_a: int, n_a: int, count_b: int, n_b: int, *, ci: float = 0.95) -> Difference:
    r"""Difference ``p_b − p_a`` of two independent proportions: Newcombe's hybrid score interval and the pooled
    two-proportion z-test.

    Parameters
    ----------
    count_a, n_a : int
        Events and trials of group A (e.g. flipped answer pairs of the baseline run).
    count_b, n_b : int
        Events and trials of group B.
    ci : float
        Coverage of the interval, between 0 and 1.

    Returns
    -------
    Difference
        ``estimate`` is ``p_b − p_a``. NaN with a ``reason`` when a group has no trial. When the pooled
        proportion is 0 or 1 (no event in either group, or only events) the z-test is undefined: ``p`` is NaN
        with a ``reason``, the interval still applies.

    Raises
    ------
    ValueError
        ``ci`` outside (0, 1).

    Notes
    -----
    The interval is ``statsmodels.stats.proportion.confint_proportions_2indep(count_b, n_b, count_a, n_a,
    method="newcomb", compare="diff")`` (Newcombe's method 10, MOVER with Wilson intervals :math:`[l, u]`):

    .. math::

        d - \sqrt{(\hat p_b - l_b)^2 + (u_a - \hat p_a)^2},\qquad d + \sqrt{(u_b - \hat p_b)^2 + (\hat p_a - l_a)^2}

    and the test ``statsmodels.stats.proportion.proportions_ztest`` with the pooled proportion, as R's
    ``prop.test(c(count_b, count_a), c(n_b, n_a), correct = FALSE)``.

    References
    ----------
    Newcombe, R. G. (1998). Interval estimation for the difference between independent proportions: comparison of
    eleven methods. *Statistics in Medicine*, 17, 873–890.

    Examples
    --------
    >>> from psychometrics.stats import newcombe_difference
    >>> r = newcombe_difference(20, 100, 40, 100)
    >>> round(r.estimate, 3), round(r.ci_low, 4), round(r.ci_high, 4), round(r.p, 4)
    (0.2, 0.0731, 0.3185, 0.002)
    """
    from statsmodels.stats.proportion import confint_proportions_2indep, proportions_ztest

    _check_ci(ci)
    method = "Newcombe hybrid score interval; pooled two-proportion z-test"
    if n_a < 1 or n_b < 1:
        return Difference(estimate=math.nan, ci_level=ci, method=method, reason="a group has no trials")
    d = count_b / n_b - count_a / n_a
    low, high = confint_proportions_2indep(count_b, n_b, count_a, n_a, method="newcomb", compare="diff",
                                           alpha=1 - ci)
    interval = {"estimate": d, "ci_low": float(low), "ci_high": float(high), "ci_level": ci, "method": method}
    if count_a + count_b in (0, n_a + n_b):
        why = "no event in either group" if count_a + count_b == 0 else "every trial is an event in both groups"
        return Difference(**interval, reason=f"{why}: the z-test is undefined (the interval still applies)")
    z, p = proportions_ztest([count_b, count_a], [n_b, n_a])
    return Difference(**interval, statistic=float(z), p=float(p))


def cochran_armitage(refused: Sequence[int], totals: Sequence[int], scores: Sequence[float]) -> TrendTest:
    r"""Cochran–Armitage test for a linear trend in proportions ``refused / totals`` across ordered ``scores``.

    Parameters
    ----------
    refused : sequence of int
        Events per level (here: refusals at each shaping level).
    totals : sequence of int
        Trials per level (answers asked).
    scores : sequence of float
        The levels' scores (here: the levels themselves).

    Returns
    -------
    TrendTest
        z and the two-sided normal p-value; NaN with a ``reason`` when nothing was asked, the pooled proportion
        :math:`\bar p` is 0 or 1, or the scores do not vary.

    Notes
    -----
    .. math::

        z = T/\sqrt{V},\quad T = \sum_k s_k (r_k - n_k \bar p),\quad
        V = \bar p (1 - \bar p) \Big(\sum_k n_k s_k^2 - \big(\sum_k n_k s_k\big)^2 / N\Big)

    Same as R's ``prop.trend.test(refused, totals, score = scores)``, which reports :math:`\chi^2 = z^2`.

    References
    ----------
    Armitage, P. (1955). Tests for linear trends in proportions and frequencies. *Biometrics*, 11, 375–386.

    Examples
    --------
    >>> from psychometrics.stats import cochran_armitage
    >>> r = cochran_armitage([1, 2, 4, 8], [20, 20, 20, 20], [1, 2, 3, 4])
    >>> round(r.statistic, 3), round(r.p, 4)
    (2.946, 0.0032)
    """
    r = [int(v) for v in refused]
    n = [int(v) for v in totals]
    s = [float(v) for v in scores]
    big_n, events = sum(n), sum(r)

    def undefined(why: str) -> TrendTest:
        return TrendTest(statistic=math.nan, p=math.nan, n=big_n, n_events=events, reason=why)

    if big_n == 0:
        return undefined("nothing was asked")
    p_bar = events / big_n
    if p_bar == 0:
        return undefined("no refusals at any level: no trend to test")
    if p_bar == 1:
        return undefined("every answer was refused: no trend to test")
    t = sum(sk * (rk - nk * p_bar) for sk, rk, nk in zip(s, r, n))
    sxx = sum(nk * sk * sk for sk, nk in zip(s, n)) - sum(nk * sk for sk, nk in zip(s, n)) ** 2 / big_n
    if sxx <= 0:
        return undefined("only one level was asked")
    z = t / math.sqrt(p_bar * (1 - p_bar) * sxx)
    return TrendTest(statistic=z, p=float(2 * stats.norm.sf(abs(z))), n=big_n, n_events=events)
