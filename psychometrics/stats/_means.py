"""A mean across respondents with its t interval."""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np
import pandas as pd
from scipy import stats

from psychometrics.stats._result import MeanInterval


def mean_ci(scores: Iterable[float] | pd.Series | np.ndarray, *, ci: float = 0.95) -> MeanInterval:
    r"""Mean of respondents' scores with its t-based confidence interval; missing values (NaN) are dropped.

    Parameters
    ----------
    scores : array-like of float
        One score per respondent.
    ci : float
        Coverage of the interval, between 0 and 1.

    Returns
    -------
    MeanInterval
        NaN with a ``reason`` when there is no score (everything) or a single one (SD and interval). When every
        score is the same the SD is 0 and the interval has zero width, with a ``warning``.

    Raises
    ------
    ValueError
        ``ci`` outside (0, 1).

    Notes
    -----
    With :math:`n` scores of mean :math:`\bar x` and SD :math:`s` (n − 1 in the denominator),

    .. math::

        \bar x \pm t_{(1 + \text{ci})/2,\ n-1}\ s / \sqrt{n}

    An SD below :math:`10^{-12}\max(1, |\bar x|)` is rounding error and counts as 0. R:
    ``t.test(scores, conf.level = ci)$conf.int``.

    References
    ----------
    Student (1908). The probable error of a mean. *Biometrika*, 6, 1–25.

    Examples
    --------
    >>> from psychometrics.stats import mean_ci
    >>> r = mean_ci([3.0, 3.5, 4.0, 4.5])
    >>> round(r.mean, 2), round(r.ci_low, 4), round(r.ci_high, 4)
    (3.75, 2.7229, 4.7771)
    """
    x = np.asarray(list(scores) if not isinstance(scores, (np.ndarray, pd.Series)) else scores, dtype=float)
    x = x[~np.isnan(x)]
    n = int(x.size)
    _check_ci(ci)
    if n == 0:
        return MeanInterval(mean=math.nan, sd=math.nan, ci_low=math.nan, ci_high=math.nan, ci_level=ci, n=0,
                            reason="no respondent has a score")
    m = float(x.mean())
    if n == 1:
        return MeanInterval(mean=m, sd=math.nan, ci_low=math.nan, ci_high=math.nan, ci_level=ci, n=1,
                            reason="1 respondent: the SD and the interval need at least 2")
    sd = float(x.std(ddof=1))
    if sd <= 1e-12 * max(1.0, abs(m)):
        return MeanInterval(mean=m, sd=0.0, ci_low=m, ci_high=m, ci_level=ci, n=n,
                            warning="every respondent has the same score (SD 0): the interval has zero width")
    return mean_ci_from_stats(m, sd, n, ci=ci)


def mean_ci_from_stats(mean: float, sd: float, n: int, *, ci: float = 0.95) -> MeanInterval:
    r"""The t interval of a mean from its summary: mean, SD (n − 1) and number of scores.

    Parameters
    ----------
    mean, sd : float
        Mean and standard deviation (n − 1 in the denominator) of the scores.
    n : int
        Number of scores.
    ci : float
        Coverage of the interval, between 0 and 1.

    Returns
    -------
    MeanInterval
        The bounds are NaN with a ``reason`` when n < 2 or the mean or SD is not a number.

    Raises
    ------
    ValueError
        ``ci`` outside (0, 1).

    Notes
    -----
    :math:`\bar x \pm t_{(1 + \text{ci})/2,\ n-1}\ s / \sqrt{n}`, as :func:`mean_ci`.

    References
    ----------
    Student (1908). The probable error of a mean. *Biometrika*, 6, 1–25.

    Examples
    --------
    >>> from psychometrics.stats import mean_ci_from_stats
    >>> r = mean_ci_from_stats(3.75, 0.6454972243679028, 4)
    >>> round(r.ci_low, 4), round(r.ci_high, 4)
    (2.7229, 4.7771)
    """
    _check_ci(ci)
    if n < 2 or not (math.isfinite(mean) and math.isfinite(sd)):
        return MeanInterval(mean=mean, sd=sd, ci_low=math.nan, ci_high=math.nan, ci_level=ci, n=n,
                            reason=f"{n} score(s) with a mean and SD: the interval needs at least 2")
    half = float(stats.t.ppf(0.5 + ci / 2, n - 1)) * sd / math.sqrt(n)
    return MeanInterval(mean=mean, sd=sd, ci_low=mean - half, ci_high=mean + half, ci_level=ci, n=n)


def _check_ci(ci: float) -> None:
    if not 0 < ci < 1:
        raise ValueError(f"ci must lie between 0 and 1 (got {ci!r})")
