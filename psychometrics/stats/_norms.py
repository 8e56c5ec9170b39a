"""Norms: where a model's scale scores fall in a human reference distribution."""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np
import pandas as pd
from scipy import stats

from psychometrics.stats._result import NormComparison


def norm_comparison(scores: Iterable[float] | pd.Series | np.ndarray, *, mean: float, sd: float) -> NormComparison:
    r"""Compare a model's scale scores with a human norm: z, percentile, one-sample t-test and Cohen's d.

    Parameters
    ----------
    scores : array-like of float
        The model's scale scores, one per respondent (persona, sample, …), on the scale's own metric. Missing
        values (NaN) are dropped.
    mean, sd : float
        Mean and standard deviation of the human norm (``Inventory`` scale ``norms``); ``sd`` must be > 0.
        Finding the norm, and what to do without one, is the caller's business.

    Returns
    -------
    NormComparison
        ``z`` and ``percentile`` (defined for any n ≥ 1), and the t-test's ``t``, ``df``, ``p`` and
        ``cohen_d``, which are NaN with a ``reason`` when n < 2 or every score is the same.

    Notes
    -----
    With the model's mean :math:`\bar x`, SD :math:`s` over :math:`n` scores, and the norm :math:`\mu, \sigma`:

    .. math::

        z = \frac{\bar x - \mu}{\sigma}, \qquad \text{percentile} = 100\,\Phi(z), \qquad
        t = \frac{\bar x - \mu}{s / \sqrt{n}}\ (n - 1\ \text{df}), \qquad d = \frac{\bar x - \mu}{s}

    ``z`` is the distance in *human* standard deviations and the percentile assumes normally distributed human
    scores. The t-test treats the norm mean as known (normative samples are large) and asks whether the model's
    answers vary around a different mean; with many samples of one model it is significant for trivial
    differences, so read it with ``z``. ``d`` scales the difference by the model's own spread, which is often
    tiny for LLMs and then makes ``d`` huge; ``z`` is the comparable effect size. R:
    ``t.test(scores, mu = mean)``.

    References
    ----------
    Cohen, J. (1988). *Statistical power analysis for the behavioral sciences* (2nd ed.). Erlbaum.

    Examples
    --------
    >>> from psychometrics.stats import norm_comparison
    >>> res = norm_comparison([3.8, 4.0, 4.2, 3.9, 4.1], mean=3.5, sd=0.5)
    >>> round(res.z, 3), round(res.percentile, 1), round(res.t, 3), res.df, round(res.cohen_d, 3)
    (1.0, 84.1, 7.071, 4.0, 3.162)
    """
    if not (isinstance(sd, (int, float)) and math.isfinite(sd) and sd > 0):
        raise ValueError(f"sd must be a positive number, got {sd!r}")
    if not math.isfinite(mean):
        raise ValueError(f"mean must be a finite number, got {mean!r}")
    x = np.asarray(list(scores) if not isinstance(scores, (np.ndarray, pd.Series)) else scores, dtype=float)
    x = x[~np.isnan(x)]
    n = int(x.size)
    if n == 0:
        return NormComparison(
            n=0, model_mean=math.nan, model_sd=math.nan, norm_mean=float(mean), norm_sd=float(sd), z=math.nan,
            percentile=math.nan, reason="no scores",
        )
    m = float(x.mean())
    z = (m - mean) / sd
    base = {
        "n": n, "model_mean": m, "norm_mean": float(mean), "norm_sd": float(sd), "z": float(z),
        "percentile": float(100 * stats.norm.cdf(z)),
    }
    warning = f"n = {n} < 30: unstable comparison" if n < 30 else None
    if n < 2:
        return NormComparison(
            **base, model_sd=math.nan, reason="1 score: the t-test and Cohen's d need at least 2", warning=warning
        )
    s = float(x.std(ddof=1))
    if s <= 1e-12 * max(1.0, abs(m)):
        return NormComparison(
            **base, model_sd=0.0, df=float(n - 1),
            reason="every score is the same (SD 0): the t-test and Cohen's d are undefined", warning=warning,
        )
    t = (m - mean) / (s / math.sqrt(n))
    p = float(2 * stats.t.sf(abs(t), n - 1))
    return NormComparison(
        **base, model_sd=s, t=float(t), df=float(n - 1), p=p, cohen_d=float((m - mean) / s), warning=warning
    )
