"""Test–retest reliability of a scale between two occasions (two runs, or two samples within a run)."""

from __future__ import annotations

import math

import pandas as pd

from psychometrics.stats._forms import Scores, _pairs
from psychometrics.stats._reliability import icc
from psychometrics._record import ResultRecord
from psychometrics.stats._result import Estimate


_KINDS = ("ICC(2,1)", "ICC(3,1)")


class RetestReliability(ResultRecord):
    """Test–retest reliability of one scale: absolute agreement and consistency between two occasions."""

    agreement: Estimate
    """ICC(2,1), McGraw–Wong ICC(A,1): a shift between occasions lowers it."""
    consistency: Estimate
    """ICC(3,1), McGraw–Wong ICC(C,1): a shift between occasions does not lower it."""
    n: int
    """Matched respondents used."""
    n_unmatched: int = 0
    """Respondents with a score on one occasion only (left out)."""


def retest_reliability(first: Scores, second: Scores) -> RetestReliability:
    r"""Test–retest reliability of one scale: ICC(2,1) and ICC(3,1) of matched respondents' scores on two occasions.

    Parameters
    ----------
    first, second : pandas.Series or array-like of float
        The scale's scores on the first and on the second occasion. Two Series are matched on their index (the
        respondent key, e.g. template × order × persona × sample); respondents on one occasion only are counted
        in ``n_unmatched`` and left out. Array-likes are paired by position. Pairs with a NaN are dropped.

    Returns
    -------
    RetestReliability
        ``agreement`` (ICC(2,1)) and ``consistency`` (ICC(3,1)), each an :class:`Estimate` with pingouin's
        F-based 95% interval (``n`` = respondents, ``n_items`` = 2 occasions); NaN with a ``reason`` when fewer
        than 3 respondents are matched (pingouin's ANOVA needs 5 ratings) or every score is the same.

    Raises
    ------
    ValueError
        Array-likes of different lengths, or a Series with a repeated index.

    Notes
    -----
    Computed by :func:`psychometrics.stats.icc` (:func:`pingouin.intraclass_corr`) on the long frame of the
    matched scores, with the two occasions as raters. From the two-way ANOVA mean squares for respondents
    :math:`MS_R`, occasions :math:`MS_C` and error :math:`MS_E`, with :math:`n` respondents and :math:`k = 2`:

    .. math::

        \mathrm{ICC}(2,1) = \frac{MS_R - MS_E}{MS_R + (k-1)MS_E + k(MS_C - MS_E)/n},
        \qquad
        \mathrm{ICC}(3,1) = \frac{MS_R - MS_E}{MS_R + (k-1)MS_E}

    ICC(2,1) treats the occasions as a random sample and counts a mean shift between them as disagreement;
    ICC(3,1) is the consistency of the respondents' order. R: ``psych::ICC(cbind(first, second))`` rows
    ``ICC2`` and ``ICC3``.

    References
    ----------
    Shrout, P. E., & Fleiss, J. L. (1979). Intraclass correlations: Uses in assessing rater reliability.
    *Psychological Bulletin, 86*, 420–428.

    Koo, T. K., & Li, M. Y. (2016). A guideline of selecting and reporting intraclass correlation coefficients
    for reliability research. *Journal of Chiropractic Medicine, 15*, 155–163.

    Examples
    --------
    >>> import pandas as pd
    >>> from psychometrics.stats._retest import retest_reliability
    >>> first = pd.Series([3.0, 4.0, 2.5, 5.0, 3.5], index=list("abcde"))
    >>> second = pd.Series([3.5, 4.0, 2.0, 4.5, 3.5, 1.0], index=list("abcdef"))
    >>> res = retest_reliability(first, second)
    >>> round(res.agreement.value, 4), round(res.consistency.value, 4), res.n, res.n_unmatched  # R psych::ICC
    (0.9155, 0.9028, 5, 1)
    """
    a, b, unmatched = _pairs(first, second)
    n = len(a)
    if n < 3:  # pingouin's two-way ANOVA refuses fewer than 5 ratings
        undefined = {kind: Estimate(value=math.nan, n=n, n_items=2, method=f"{kind}, two-way ANOVA (pingouin)",
                                    reason=f"{n} matched respondent(s): the ICC needs at least 3")
                     for kind in _KINDS}
        return RetestReliability(agreement=undefined["ICC(2,1)"], consistency=undefined["ICC(3,1)"], n=n,
                                 n_unmatched=unmatched)
    long = pd.DataFrame({"respondent": [*range(n), *range(n)], "occasion": [1] * n + [2] * n, "score": [*a, *b]})
    agreement, consistency = (icc(long, targets="respondent", raters="occasion", ratings="score", icc_type=kind)
                              for kind in _KINDS)
    return RetestReliability(agreement=agreement, consistency=consistency, n=n, n_unmatched=unmatched)
