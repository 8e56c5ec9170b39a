"""What the response-style functions share: the answer columns they read and the two verdict rules."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Literal

import pandas as pd

from psychometrics.stats._equivalence import equivalence_decision
from psychometrics.stats._result import StyleIndex, StyleVerdict

Unit = Literal["answers", "answer pairs", "respondents"]

BEYOND_RULE = ("flagged when the whole interval lies above the threshold, clear when it lies at or below it, "
               "inconclusive otherwise")
"""Rule A, for thresholds that no content-driven answer pattern can pass (or a share that must be exceeded)."""
SIZE_RULE = ("flagged when the interval excludes the no-style value and the estimate reaches the threshold, clear "
             "when the interval lies inside the threshold, inconclusive otherwise (equivalence_decision)")
"""Rule B, for published point cutoffs: the estimate must pass the cutoff and differ from the no-style value."""


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
    """Rule A: the whole interval above the threshold, at or below it, or across it."""
    if not (math.isfinite(low) and math.isfinite(high)):
        return "not assessed"
    if low > threshold:
        return "flagged"
    if high <= threshold:
        return "clear"
    return "inconclusive"


def size_verdict(value: float, low: float, high: float, *, null: float, threshold: float,
                 two_sided: bool = False) -> StyleVerdict:
    """Rule B: :func:`equivalence_decision` of ``value − null`` against the bound ``threshold − null`` (one-sided:
    only values above matter; two-sided: ±)."""
    decision = equivalence_decision(value - null, low - null, high - null, bound=threshold - null,
                                    sides="two-sided" if two_sided else "one-sided")
    return {"equivalent": "clear", "different": "flagged"}.get(decision.verdict, decision.verdict)  # type: ignore


def not_assessed(name: str, unit: Unit, threshold: float, source: str, reason: str, method: str,
                 ci: float = 0.95, n: int = 0) -> StyleIndex:
    return StyleIndex(name=name, value=math.nan, n=n, unit=unit, threshold=threshold, threshold_source=source,
                      verdict="not assessed", reason=reason, method=method, ci_level=ci)


def few_units_warning(n: int, unit: str, minimum: int = 30) -> str | None:
    return f"only {n} {unit}: a wide interval" if 0 < n < minimum else None
