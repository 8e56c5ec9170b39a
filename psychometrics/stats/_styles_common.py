"""What the response-style functions share: the answer columns they read and the verdict rule."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Literal

import pandas as pd

from psychometrics.stats._result import StyleIndex, StyleVerdict

Unit = Literal["answers", "answer pairs", "respondents"]

BEYOND_RULE = ("flagged when the whole interval lies above the threshold, clear when it lies at or below it, "
               "inconclusive otherwise")
"""The one verdict rule of every response-style index, symmetric: the interval must settle the question either way.

A flag is the claim "the style is at least this strong", clear the claim "it is weaker": each needs the whole
interval on its side of the threshold, as the two one-sided tests of an equivalence test need theirs (Schuirmann,
1987). An earlier rule flagged on the point estimate alone (interval excluding the no-style value, estimate past the
threshold) while clear needed the whole interval: with few answers a style barely past its threshold was flagged
and one barely below it was inconclusive. Now both are inconclusive, and the interpretability of a scale says so."""
TWO_SIDED_RULE = ("flagged when the whole interval lies beyond ±threshold (above it or below its negative), clear "
                  "when it lies within ±threshold, inconclusive otherwise")
""":data:`BEYOND_RULE` for an index whose style may go either way (position-following: primacy or recency)."""


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


def beyond_verdict(low: float, high: float, threshold: float) -> StyleVerdict:
    """:data:`BEYOND_RULE`: the whole interval above the threshold, at or below it, or across it."""
    if not (math.isfinite(low) and math.isfinite(high)):
        return "not assessed"
    if low > threshold:
        return "flagged"
    if high <= threshold:
        return "clear"
    return "inconclusive"


def two_sided_verdict(low: float, high: float, threshold: float) -> StyleVerdict:
    """:data:`TWO_SIDED_RULE`: the whole interval beyond ±threshold, within it, or across a bound."""
    if not (math.isfinite(low) and math.isfinite(high)):
        return "not assessed"
    if low > threshold or high < -threshold:
        return "flagged"
    if -threshold <= low and high <= threshold:
        return "clear"
    return "inconclusive"


def not_assessed(name: str, unit: Unit, threshold: float, source: str, reason: str, method: str,
                 ci: float = 0.95, n: int = 0) -> StyleIndex:
    return StyleIndex(name=name, value=math.nan, n=n, unit=unit, threshold=threshold, threshold_source=source,
                      verdict="not assessed", reason=reason, method=method, ci_level=ci)


def few_units_warning(n: int, unit: str, minimum: int = 30) -> str | None:
    return f"only {n} {unit}: a wide interval" if 0 < n < minimum else None
