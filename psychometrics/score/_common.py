"""What every scoring module shares: the interval coverage, the compared orders, and NaN-with-a-reason helpers."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from psychometrics.score._model import RateRow
from psychometrics.stats import Estimate, response_rates

CI_LEVEL = 0.95
"""Coverage of every interval in :class:`~psychometrics.score.AuditScores`."""
ORDER_A, ORDER_B = "original", "reversed"
"""The two option orders compared for order sensitivity."""


def nan_estimate(reason: str, method: str, n: int = 0, k: int = 0) -> Estimate:
    """An undefined coefficient of ``n`` respondents and ``k`` items, with why."""
    return Estimate(value=math.nan, n=n, n_items=k, reason=reason, method=method)


def safe(call: Any, fallback: Any) -> Any:
    """Run a statistic; an unexpected failure on odd data becomes a NaN result with the error as reason."""
    try:
        return call()
    except Exception as exc:  # noqa: BLE001 - the score stage must not crash on odd data
        return fallback(f"could not be computed ({type(exc).__name__}: {' '.join(str(exc).split())})")


def rate_rows(statuses: pd.Series) -> list[RateRow]:
    """Rates of every status with Wilson intervals (:func:`psychometrics.stats.response_rates`)."""
    table = response_rates(statuses.astype(str), ci=CI_LEVEL)
    return [
        RateRow(
            status=r["status"], count=int(r["count"]), n=int(r["n"]), rate=float(r["rate"]),
            ci_low=float(r["ci_low"]), ci_high=float(r["ci_high"]),
            reason=None if pd.isna(r["reason"]) else str(r["reason"]),
        )
        for r in table.to_dict(orient="records")
    ]


def rate(rows: list[RateRow], status: str) -> float:
    """The rate of ``status`` among ``rows``; NaN when absent."""
    return next((r.rate for r in rows if r.status == status), math.nan)


def join(*parts: str | None) -> str | None:
    """``"; "``-joined non-empty parts, or ``None``."""
    kept = [p for p in parts if p]
    return "; ".join(kept) if kept else None
