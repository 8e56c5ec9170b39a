"""Item analysis of one scale: corrected item–total (item–rest) correlations and the keying check of R psych."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from psychometrics.stats._reliability import MIN_RESPONDENTS, NanPolicy, _prepare, _small_n_warning
from psychometrics.stats._result import ItemRest, ItemRestRow

def _corr(a: np.ndarray, b: np.ndarray) -> float:
    a, b = a - a.mean(), b - b.mean()
    ss = float((a**2).sum() * (b**2).sum())
    return float((a * b).sum() / math.sqrt(ss)) if ss > 1e-24 else math.nan


def item_rest_correlations(items: pd.DataFrame, *, nan_policy: NanPolicy = "listwise") -> ItemRest:
    r"""Corrected item–total (item–rest) correlations of a scale, naming the items that correlate negatively.

    Parameters
    ----------
    items : pandas.DataFrame
        Respondents × items of one scale, numeric, **already reverse-keyed** as the scale is scored.
    nan_policy : {"listwise", "raise"}
        ``"listwise"`` drops every respondent with a missing item; ``"raise"`` raises on any missing item.

    Returns
    -------
    ItemRest
        ``items``: per item (an :class:`ItemRestRow`; ``frame()`` gives a table) ``r_rest`` (psych ``r.drop``),
        ``r_total`` (psych ``raw.r``), ``mean``, ``sd`` (n − 1) and ``reason`` (why a correlation is NaN: the
        item or the rest of the scale does not vary);
        ``negative``: the items with ``r_rest < 0``; ``warning``: R psych's message naming them. With fewer
        than 3 respondents or 2 items every correlation is NaN and ``reason`` says why.

    Raises
    ------
    TypeError
        ``items`` not a numeric DataFrame.
    ValueError
        Missing values with ``nan_policy="raise"``, or an unknown ``nan_policy``.

    Notes
    -----
    With :math:`T = \sum_j x_j`, the item–rest correlation of item :math:`i` is the Pearson correlation of
    :math:`x_i` with :math:`T - x_i`:

    .. math::

        r_{i,\text{rest}} = \frac{\operatorname{cov}(x_i, T) - \operatorname{var}(x_i)}
        {\sqrt{\operatorname{var}(x_i)\,\operatorname{var}(T - x_i)}}

    This is ``psych::alpha(items)$item.stats$r.drop`` (and :math:`r(x_i, T)` is ``raw.r``) on complete data.
    An item that correlates negatively with the rest of its scale contradicts the keying: in data from people it
    probably needs reversing (psych: "Some items ( … ) were negatively correlated with the total scale and
    probably should be reversed"); in a model's answers it means the model answered that item against the
    direction its scale is keyed. It also lowers α, which turns negative when such items dominate. psych decides
    its warning by the sign of the item's loading on the first principal component, which agrees with the sign of
    ``r_rest`` except in borderline cases; this function uses ``r_rest`` and says so.

    References
    ----------
    Revelle, W. psych: Procedures for Psychological, Psychometric, and Personality Research (``alpha``,
    ``item.stats``).

    Nunnally, J. C., & Bernstein, I. H. (1994). *Psychometric theory* (3rd ed.). McGraw-Hill.

    Examples
    --------
    >>> import pandas as pd
    >>> from psychometrics.stats import item_rest_correlations
    >>> items = pd.DataFrame({"q1": [1, 2, 3, 4, 5, 3, 2, 4], "q2": [2, 2, 3, 5, 4, 3, 1, 4],
    ...                       "q3": [1, 3, 3, 4, 5, 2, 2, 5], "q4": [5, 4, 2, 2, 1, 3, 4, 2]})
    >>> r = item_rest_correlations(items)  # R: psych::alpha(items)$item.stats$r.drop
    >>> r.frame()[["item", "r_rest", "r_total"]].round(4)
      item  r_rest  r_total
    0   q1  0.7217   0.9167
    1   q2  0.7217   0.9167
    2   q3  0.7316   0.9356
    3   q4 -0.9308  -0.8447
    >>> r.negative  # q4 was left unreversed
    ['q4']
    """
    x, names = _prepare(items, nan_policy)
    n, k = x.shape
    reason = None
    if n < MIN_RESPONDENTS:
        reason = f"{n} respondent{'s' if n != 1 else ''} after listwise deletion; at least {MIN_RESPONDENTS} are needed"
    elif k < 2:
        reason = f"{k} item{'s' if k != 1 else ''}; item–rest correlations need at least 2"
    total = x.sum(axis=1)
    rows: list[ItemRestRow] = []
    for i, name in enumerate(names):
        xi = x[:, i]
        rest, tot, why = math.nan, math.nan, reason
        if reason is None:
            rest, tot = _corr(xi, total - xi), _corr(xi, total)
            if math.isnan(rest):
                why = ("the item does not vary" if np.all(xi == xi[0])
                       else "the rest of the scale does not vary")
        rows.append(ItemRestRow(item=name, r_rest=rest, r_total=tot, mean=float(xi.mean()) if n else math.nan,
                                sd=float(xi.std(ddof=1)) if n >= 2 else math.nan, reason=why))
    negative = [r.item for r in rows if r.r_rest < 0]
    notes = []
    if negative:
        notes.append(f"Some items ({', '.join(repr(i) for i in negative)}) were negatively correlated with the total "
                     "scale and probably should be reversed (item–rest r < 0)")
    if reason is None and (small := _small_n_warning(n)):
        notes.append(small)
    return ItemRest(n=n, n_items=k, items=rows, negative=negative, reason=reason,
                    warning="; ".join(notes) if notes else None)
