"""Two coefficients from independent samples compared: the MOVER interval of their difference, Feldt's test of
two α."""

from __future__ import annotations

import math

from scipy import stats

from psychometrics.stats._result import Difference, TwoAlphaTest


def mover_difference(a: float, a_low: float, a_high: float, b: float, b_low: float, b_high: float) -> Difference:
    r"""Difference ``a − b`` of two independent estimates, each with its own confidence interval (MOVER).

    Parameters
    ----------
    a, a_low, a_high : float
        The first estimate and its interval (e.g. the baseline's Cronbach's α with Feldt's interval).
    b, b_low, b_high : float
        The second estimate and its interval, of the same coverage.

    Returns
    -------
    Difference
        ``estimate`` is ``a − b`` with the MOVER interval (its coverage is that of the two intervals, so
        ``ci_level`` is ``None``) and no test. NaN with a ``reason`` when an estimate or a bound is not a number.

    Notes
    -----
    The method of variance estimates recovery (Zou, 2007) needs no distribution of the difference, only the two
    intervals:

    .. math::

        L = (a-b) - \sqrt{(a-l_a)^2 + (u_b-b)^2},\qquad U = (a-b) + \sqrt{(u_a-a)^2 + (b-l_b)^2}

    References
    ----------
    Zou, G. Y. (2007). Toward using confidence intervals to compare correlations. *Psychological Methods*, 12,
    399–413.

    Examples
    --------
    >>> from psychometrics.stats import mover_difference
    >>> r = mover_difference(0.8, 0.7, 0.87, 0.6, 0.45, 0.72)
    >>> round(r.estimate, 3), round(r.ci_low, 4), round(r.ci_high, 4)
    (0.2, 0.0438, 0.3655)
    """
    method = "MOVER (Zou 2007)"
    if not (math.isfinite(a) and math.isfinite(b)):
        return Difference(estimate=math.nan, method=method, reason="an estimate is not a number")
    if not all(math.isfinite(x) for x in (a_low, a_high, b_low, b_high)):
        return Difference(estimate=a - b, method=method, reason="an estimate has no interval")
    d = a - b
    low = d - math.sqrt((a - a_low) ** 2 + (b_high - b) ** 2)
    high = d + math.sqrt((a_high - a) ** 2 + (b - b_low) ** 2)
    return Difference(estimate=d, ci_low=low, ci_high=high, method=method)


def feldt_two_alpha(alpha_a: float, n_a: int, alpha_b: float, n_b: int) -> TwoAlphaTest:
    r"""Feldt's (1969) test that two Cronbach's α from independent samples are equal.

    Parameters
    ----------
    alpha_a, alpha_b : float
        The two coefficients (below 1).
    n_a, n_b : int
        Respondents behind each.

    Returns
    -------
    TwoAlphaTest
        W, its F degrees of freedom and the two-sided p-value; NaN with a ``reason`` when an α is not a number or
        at least 1, or a sample has fewer than 2 respondents.

    Notes
    -----
    With the larger coefficient :math:`\hat\alpha_L` from :math:`n_L` respondents and the smaller
    :math:`\hat\alpha_S` from :math:`n_S`,

    .. math::

        W = \frac{1 - \hat\alpha_S}{1 - \hat\alpha_L} \sim F(n_L - 1,\ n_S - 1)

    under the null hypothesis (the large-k form of Feldt's result), and :math:`p = 2\min(F(W), 1 - F(W))`. R:
    ``cocron::cocron.two.coefficients(alpha = c(alpha_a, alpha_b), n = c(n_a, n_b), dep = FALSE)``.

    References
    ----------
    Feldt, L. S. (1969). A test of the hypothesis that Cronbach's alpha or Kuder-Richardson coefficient twenty is
    the same for two tests. *Psychometrika*, 34, 363–373.
    Charter, R. A., & Feldt, L. S. (1996). Testing the equality of two alpha coefficients. *Perceptual and Motor
    Skills*, 82, 763–768.

    Examples
    --------
    The example of Charter & Feldt (1996), as cocron's tests reproduce it: W = 1.318 on (40, 150) df, p = .242
    in the paper (its one-sided .121 doubled after rounding); R's ``2 * pf(0.29 / 0.22, 40, 150, lower.tail =
    FALSE)`` is 0.2414.

    >>> from psychometrics.stats import feldt_two_alpha
    >>> r = feldt_two_alpha(0.78, 41, 0.71, 151)
    >>> round(r.statistic, 3), r.df_num, r.df_den, round(r.p, 4)
    (1.318, 40.0, 150.0, 0.2414)
    """
    base = {"alpha_a": float(alpha_a), "alpha_b": float(alpha_b), "n_a": int(n_a), "n_b": int(n_b)}
    if not (math.isfinite(alpha_a) and math.isfinite(alpha_b)) or alpha_a >= 1 or alpha_b >= 1:
        return TwoAlphaTest(**base, reason="an α is not a number or is 1 or more")
    if n_a < 2 or n_b < 2:
        return TwoAlphaTest(**base, reason=f"fewer than 2 respondents behind an α (n = {n_a} and {n_b})")
    (large, n_large), (small, n_small) = sorted(((alpha_a, n_a), (alpha_b, n_b)), key=lambda x: -x[0])
    w = (1 - alpha_a) / (1 - alpha_b)
    cdf = float(stats.f.cdf(w, n_b - 1, n_a - 1))
    return TwoAlphaTest(**base, statistic=(1 - small) / (1 - large), df_num=float(n_large - 1),
                        df_den=float(n_small - 1), p=min(1.0, 2 * min(cdf, 1 - cdf)))
