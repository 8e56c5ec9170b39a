"""Inter-rater reliability: how far raters (or one rater's repeated ratings) agree on the same targets."""

from __future__ import annotations

import pandas as pd

from psychometrics._record import ResultRecord
from psychometrics.stats._reliability import icc
from psychometrics.stats._result import Estimate


class InterRaterReliability(ResultRecord):
    """Agreement of k raters on n targets: the reliability of one rater's rating and of the mean of k ratings."""

    single: Estimate
    """ICC(2,1) (McGraw–Wong ICC(A,1)): the reliability of one rater's rating, absolute agreement, raters random."""
    average: Estimate
    """ICC(2,k) (McGraw–Wong ICC(A,k)): the reliability of the mean of the k raters' ratings."""
    n: int
    """Targets rated by every rater (targets missing a rating are left out, listwise)."""
    k: int
    """Raters (or repeats)."""


def inter_rater_reliability(data: pd.DataFrame, *, targets: str, raters: str, ratings: str) -> InterRaterReliability:
    r"""Inter-rater reliability: ICC(2,1) and ICC(2,k) of k raters who each rated the same n targets.

    Parameters
    ----------
    data : pandas.DataFrame
        Long data, one row per target × rater: e.g. each interview answer (target) rated by each rater model, or
        by one rater on each repeat (``raters`` = the repeat).
    targets, raters, ratings : str
        The columns naming the target, the rater and the numeric rating.

    Returns
    -------
    InterRaterReliability
        ``single`` (ICC(2,1)) and ``average`` (ICC(2,k)), each an :class:`Estimate` with pingouin's F-based 95%
        interval (``n`` = targets, ``n_items`` = raters), NaN with a ``reason`` when fewer than 2 raters or 2
        complete targets (or 5 ratings) remain, or every rating is the same. Where the ICC(2,1) lower bound is
        at or below :math:`-1/(k-1)` the ICC(2,k) lower bound is NaN with a ``warning`` (pingouin's step-up of
        that bound is undefined and comes out above the upper bound).

    Raises
    ------
    ValueError
        A column that is not there, or a target rated twice by one rater.
    TypeError
        Ratings that are not numbers.

    Notes
    -----
    Two-way random effects, absolute agreement (Shrout & Fleiss 1979, case 2), from the two-way ANOVA mean
    squares for targets :math:`MS_R`, raters :math:`MS_C` and error :math:`MS_E`, by
    :func:`psychometrics.stats.icc` (:func:`pingouin.intraclass_corr`):

    .. math::

        \mathrm{ICC}(2,1) = \frac{MS_R - MS_E}{MS_R + (k-1)MS_E + k(MS_C - MS_E)/n},
        \qquad
        \mathrm{ICC}(2,k) = \frac{MS_R - MS_E}{MS_R + (MS_C - MS_E)/n}

    When the raters' errors are independent with variance :math:`\sigma^2_e` and unbiased, and the targets'
    true values vary with :math:`\sigma^2_t`, ICC(2,1) estimates :math:`\sigma^2_t / (\sigma^2_t + \sigma^2_e)`
    and ICC(2,k) its Spearman–Brown step-up :math:`k\rho / (1 + (k-1)\rho)`. R: ``psych::ICC(wide)`` rows
    ``ICC2`` and ``ICC2k``.

    References
    ----------
    Shrout, P. E., & Fleiss, J. L. (1979). Intraclass correlations: Uses in assessing rater reliability.
    *Psychological Bulletin, 86*, 420–428.

    Examples
    --------
    >>> import pandas as pd
    >>> from psychometrics.stats import inter_rater_reliability
    >>> df = pd.DataFrame({"answer": list(range(6)) * 2, "rater": ["a"] * 6 + ["b"] * 6,
    ...                    "rating": [1, 2, 3, 4, 5, 3, 2, 2, 3, 5, 4, 3]})
    >>> res = inter_rater_reliability(df, targets="answer", raters="rater", ratings="rating")
    >>> round(res.single.value, 4), round(res.average.value, 4), res.n, res.k  # R: psych::ICC, ICC2 and ICC2k
    (0.8485, 0.918, 6, 2)
    """
    single = icc(data, targets=targets, raters=raters, ratings=ratings, icc_type="ICC(2,1)")
    average = icc(data, targets=targets, raters=raters, ratings=ratings, icc_type="ICC(2,k)")
    assert isinstance(single, Estimate) and isinstance(average, Estimate)
    if average.ci_low > average.ci_high:
        # pingouin steps the ICC(2,1) bounds up by Spearman–Brown; a lower bound at or below −1/(k−1) has no
        # step-up (the formula's denominator passes zero) and comes out above the upper bound
        note = ("no lower bound: the ICC(2,1) lower bound is at or below −1/(k − 1), where the Spearman–Brown "
                "step-up to ICC(2,k) is undefined")
        average = average.model_copy(update={"ci_low": float("nan"),
                                             "warning": "; ".join(w for w in (average.warning, note) if w)})
    return InterRaterReliability(single=single, average=average, n=single.n, k=single.n_items or 0)
