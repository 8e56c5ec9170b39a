"""Adjusting p-values for testing many scales at once."""

from __future__ import annotations

import math
from collections.abc import Sequence


def holm(pvalues: Sequence[float | None]) -> list[float]:
    r"""Holm's step-down adjusted p-values; a missing p-value (None, NaN, ±inf) stays NaN and is not counted.

    With the m defined p-values sorted, :math:`p_{(1)} \le \dots \le p_{(m)}`, the adjusted values are
    :math:`\tilde p_{(i)} = \min\left(1, \max_{j \le i} (m - j + 1)\, p_{(j)}\right)`, returned in the input order.
    Rejecting where :math:`\tilde p < \alpha` controls the family-wise error rate at α.

    References
    ----------
    Holm, S. (1979). A simple sequentially rejective multiple test procedure. *Scandinavian Journal of
    Statistics*, 6, 65–70.

    Examples
    --------
    >>> holm([0.01, 0.04, 0.03, float("nan")])
    [0.03, 0.06, 0.06, nan]
    """
    defined = [i for i, p in enumerate(pvalues) if p is not None and math.isfinite(p)]
    order = sorted(defined, key=lambda i: pvalues[i])  # type: ignore[arg-type, return-value]
    m = len(order)
    adjusted = [math.nan] * len(pvalues)
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * float(pvalues[i])))  # type: ignore[arg-type]
        adjusted[i] = running
    return adjusted
