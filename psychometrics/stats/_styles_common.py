"""What the response-style functions share: the answer columns they read and the verdict rule."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Literal

import pandas as pd

from psychometrics.stats._result import StyleIndex, StyleVerdict

Unit = Literal["answers", "answer pairs", "respondents"]

BEYOND_RULE = ("flagged when the whole interval lies above the threshold, clear when it lies below it, inconclusive "
               "otherwise (an interval touching the threshold, or of zero width from fewer than 30 units)")
"""The one verdict rule of every response-style index, symmetric: the interval must settle the question either way.

A flag is the claim "the style is at least this strong", clear the claim "it is weaker": each needs the whole
interval strictly on its side of the threshold, as the two one-sided tests of an equivalence test need theirs
(Schuirmann, 1987). An earlier rule flagged on the point estimate alone (interval excluding the no-style value,
estimate past the threshold) while clear needed the whole interval: with few answers a style barely past its
threshold was flagged and one barely below it was inconclusive. Now both are inconclusive, and the interpretability
of a scale says so.

An interval of zero width from few units (two identical answer pairs give the t interval [m, m]) does not measure
the uncertainty, it only shows that the spread could not be estimated: it settles nothing, whichever side it is on,
below :data:`MIN_UNITS` units. An interval that touches the threshold (an estimate exactly on it) is on neither
side."""
TWO_SIDED_RULE = ("flagged when the whole interval lies beyond ±threshold (above it or below its negative), clear "
                  "when it lies strictly within ±threshold, inconclusive otherwise (an interval touching ±threshold, "
                  "or of zero width from fewer than 30 units)")
""":data:`BEYOND_RULE` for an index whose style may go either way (position-following: primacy or recency)."""
MIN_UNITS = 30
"""Units (answers, answer pairs, respondents) below which an interval is called wide, and below which a zero-width
interval settles no verdict."""


def require(answers: pd.DataFrame, needed: Iterable[str], what: str) -> None:
    """Raise a one-line error when ``answers`` is not a frame or lacks a column ``what`` needs."""
    if not isinstance(answers, pd.DataFrame):
        raise TypeError(f"answers must be a pandas DataFrame, got {type(answers).__name__}")
    missing = [c for c in needed if c not in answers.columns]
    if missing:
        raise ValueError(f"{what} needs the column(s) {missing}; answers has {list(map(str, answers.columns))}")
    if "value" in answers.columns and answers["value"].dtype.kind not in "biuf":
        raise TypeError("the value column must be numeric (NaN for no usable answer)")


def check_ci(ci: float) -> None:
    if not 0 < ci < 1:
        raise ValueError(f"ci must lie between 0 and 1, got {ci!r}")


def _degenerate(low: float, high: float, n: int | None) -> bool:
    """A zero-width interval from fewer than :data:`MIN_UNITS` units: the spread was not estimated."""
    return n is not None and n < MIN_UNITS and not high > low


def beyond_verdict(low: float, high: float, threshold: float, *, n: int | None = None) -> StyleVerdict:
    """:data:`BEYOND_RULE`: the whole interval above the threshold, below it, or touching or across it.

    ``n`` is the number of units behind the interval; a zero-width interval from fewer than :data:`MIN_UNITS` is
    inconclusive."""
    if not (math.isfinite(low) and math.isfinite(high)):
        return "not assessed"
    if _degenerate(low, high, n):
        return "inconclusive"
    if low > threshold:
        return "flagged"
    if high < threshold:
        return "clear"
    return "inconclusive"


def two_sided_verdict(low: float, high: float, threshold: float, *, n: int | None = None) -> StyleVerdict:
    """:data:`TWO_SIDED_RULE`: the whole interval beyond ±threshold, strictly within it, or touching or across a
    bound; a zero-width interval from fewer than :data:`MIN_UNITS` units is inconclusive."""
    if not (math.isfinite(low) and math.isfinite(high)):
        return "not assessed"
    if _degenerate(low, high, n):
        return "inconclusive"
    if low > threshold or high < -threshold:
        return "flagged"
    if -threshold < low and high < threshold:
        return "clear"
    return "inconclusive"


def alike_interval(value: float, n: int, lowest: float, highest: float, ci: float = 0.95) -> tuple[float, float]:
    r"""An interval for a mean when all ``n`` units have the same ``value``, where the t interval has zero width.

    Parameters
    ----------
    value : float
        The common value of the ``n`` units.
    n : int
        Number of units (at least 1).
    lowest, highest : float
        The range a unit's value can take (e.g. −1 and 1 for a position move in shares of the range).
    ci : float
        Coverage.

    Returns
    -------
    tuple of float
        ``(low, high)``.

    Notes
    -----
    A t interval from units that all agree has zero width: the spread was not estimated, not shown to be nil. No
    unit of ``n`` differs from the others, so the share of units in the population that could differ is at most
    the Clopper–Pearson upper limit for 0 of :math:`n`, :math:`q = 1 - (\alpha/2)^{1/n}` (scipy
    ``binomtest(0, n).proportion_ci``), and each such unit could lie anywhere in ``[lowest, highest]``. The mean
    then lies in :math:`[v - q(v - \text{lowest}),\; v + q(\text{highest} - v)]`: wide from 2 units
    (:math:`q = 0.84`), narrow from many (:math:`q = 0.21` from 16, 0.12 from 30). Distribution-free and
    conservative, as the worst case of where the unseen units lie.

    References
    ----------
    Clopper, C. J., & Pearson, E. S. (1934). The use of confidence or fiducial limits illustrated in the case of
    the binomial. *Biometrika*, 26, 404–413.

    Examples
    --------
    >>> from psychometrics.stats._styles_common import alike_interval
    >>> [round(x, 3) for x in alike_interval(-0.25, 2, -1, 1)]
    [-0.881, 0.802]
    """
    from scipy.stats import binomtest

    check_ci(ci)
    if n < 1:
        raise ValueError(f"n must be at least 1, got {n}")
    q = float(binomtest(0, n).proportion_ci(confidence_level=ci, method="exact").high)
    return value - q * (value - lowest), value + q * (highest - value)


def alike_warning(n: int, unit: str) -> str:
    return (f"all {n} {unit} alike: the t interval would have zero width, so the interval is the distribution-free "
            "bound for units that all agree (see alike_interval)")


def not_assessed(name: str, unit: Unit, threshold: float, source: str, reason: str, method: str,
                 ci: float = 0.95, n: int = 0) -> StyleIndex:
    return StyleIndex(name=name, value=math.nan, n=n, unit=unit, threshold=threshold, threshold_source=source,
                      verdict="not assessed", reason=reason, method=method, ci_level=ci)


def few_units_warning(n: int, unit: str, minimum: int = MIN_UNITS) -> str | None:
    return f"only {n} {unit}: a wide interval" if 0 < n < minimum else None
