"""Adjusting p-values for testing many scales at once."""

from __future__ import annotations

import math
from collections.abc import Sequence


def holm(pvalues: Sequence[float | None]) -> list[float]:
    r"""Holm's step-down adjusted p-values; a missing p-value (None, NaN, ±inf) stays NaN and is not counted.

    With the m defined p-values sorted, :math:`p_{(1)} \le \dots \le p_{(m)}`, the adjusted values are
    :math:`\tilde p_{(i)} = \min\left(1, \max_{j \le i} (m - j + 1)\, p_{(j)}\right)`, returned in the input order.
    Rejecting where :math:`\tilde p < \alpha` controls the family-wise error rate at α. Computed by
    ``statsmodels.stats.multitest.multipletests(p, method="holm")`` over the defined p-values; R:
    ``p.adjust(p, "holm")``.

    References
    ----------
    Holm, S. (1979). A simple sequentially rejective multiple test procedure. *Scandinavian Journal of
    Statistics*, 6, 65–70.

    Examples
    --------
    >>> holm([0.01, 0.04, 0.03, float("nan")])
    [0.03, 0.06, 0.06, nan]
    """
    from statsmodels.stats.multitest import multipletests

    defined = [i for i, p in enumerate(pvalues) if p is not None and math.isfinite(p)]
    adjusted = [math.nan] * len(pvalues)
    if defined:
        corrected = multipletests([float(pvalues[i]) for i in defined], method="holm")[1]  # type: ignore[arg-type]
        for i, p in zip(defined, corrected):
            adjusted[i] = float(p)
    return adjusted
