r"""Option position: where on the displayed list answers fall, and whether they follow the position or the option.

Answers are stored on the item's *original* response scale; an option order (``original``, ``reversed``,
``rotated-K``, ``swapped``) decides at which displayed position each original option was shown. The functions
here read a tidy frame, one row per answer, with the columns

``item``, ``order``, ``value``
    Item id, the option order shown, and the answer on the original scale (NaN: no usable answer).
``position``
    The displayed position of the answer, 1 = shown first (:func:`displayed_positions` derives it).
``template``, ``sample``, ``persona``
    With ``item``, what pairs two answers across orders in :func:`position_following` (those present are used).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from psychometrics.stats._groups import welch_ttest
from psychometrics.stats._means import mean_ci
from psychometrics.stats._proportions import wilson_ci
from psychometrics.stats._result import PositionFollowing, PositionRates, StyleIndex
from psychometrics.stats._styles_common import (
    BEYOND_RULE,
    TWO_SIDED_RULE,
    beyond_verdict,
    check_ci,
    alike_interval,
    alike_warning,
    few_units_warning,
    not_assessed,
    require,
    two_sided_verdict,
)

ShownValues = Mapping[str, Sequence[int]] | Mapping[tuple[str, str], Sequence[int]]
"""Order name (or ``(item, order)``) → the original values in the order they were shown."""

POSITION_FOLLOWING_MAX = 0.25
"""Project choice: the position-following index S is flagged when its whole interval lies beyond ±0.25 — more than a
net quarter of the answers move with the displayed position (a score is then pulled more than a quarter of the way
toward the middle of a balanced scale); clear when the interval lies inside ±0.25; inconclusive otherwise."""
HUMAN_END_RATE = 0.34
"""The 95th percentile, over 2,800 human respondents, of the share of a person's answers that an original + reversed
design would put at the first displayed position: :math:`(n_1 + n_6) / (2 n)` with :math:`n_1, n_6` the answers at
the two ends of the 6-option scale and :math:`n` the items answered (25 IPIP items; psych ``bfi``, Revelle et al.,
2010; ``tests/data/psych_bfi.csv``, recomputed in the tests). The same share for the last position. Median 0.14,
mean 0.15, 90th percentile 0.28, 99th 0.44: humans answering content alone reach a third of their answers at one
end of an alternated list about one time in twenty."""
HUMAN_END_RATE_OPTIONS = 6
"""Options per item of the human data behind :data:`HUMAN_END_RATE`."""
PAIR_BY: tuple[str, ...] = ("item", "template", "sample", "persona")
"""Columns that identify the same question asked under two option orders (those present in the data)."""
_CEILING_SOURCE = ("the lower of the content ceiling (the most answers that follow content alone can put at this "
                   "position in this design) and the human rate for this many options (the 95th percentile of "
                   "2,800 people, psych bfi, 0.34 of answers at one end with 6 options, × 6 / k); see "
                   "position_rates")
_SHIFT_SOURCE = "project choice: a net quarter of the answers move with the position"
_ONE_ORDER = ("one option order: an answer that follows content may sit at any position, so the rate cannot tell "
              "position from content (ask in the reversed order too)")


def _lookup(shown: ShownValues, item: str, order: str) -> Sequence[int]:
    found = shown.get((item, order)) if (item, order) in shown else shown.get(order)  # type: ignore[call-overload]
    if found is None:
        raise ValueError(f"shown_values has no entry for order {order!r} (nor for item {item!r} under it)")
    return found


def displayed_positions(answers: pd.DataFrame, shown_values: ShownValues) -> pd.Series:
    """The displayed position (1 = shown first) of every answer, from its option order and its original value.

    Parameters
    ----------
    answers : pandas.DataFrame
        Columns ``item``, ``order``, ``value`` (original response value; NaN for no usable answer).
    shown_values : mapping
        Order name → the original values in the order they were shown (the plan's ``Cell.label_values``), e.g.
        ``{"original": [1, 2, 3, 4, 5], "reversed": [5, 4, 3, 2, 1]}``. Where options depend on the item (scenario
        items under ``swapped``), key by ``(item, order)``; an ``(item, order)`` key wins over an order key.

    Returns
    -------
    pandas.Series
        Nullable integers (``Int64``) aligned with ``answers``; ``<NA>`` where ``value`` is NaN.

    Raises
    ------
    ValueError
        A column is missing, an order (or item × order) has no entry, or a value is not among the values shown.

    Notes
    -----
    The position of value :math:`v` under an order is :math:`1 + \\text{index of } v` in its shown values. Build
    the mapping from the plan stage:
    ``{o: [values[j] for j in plan.order_permutation(o, len(values))] for o in orders}`` with
    ``values = plan.option_values(inventory, item)``.

    Examples
    --------
    >>> import pandas as pd
    >>> from psychometrics.stats import displayed_positions
    >>> answers = pd.DataFrame({"item": ["q1", "q1", "q2"], "order": ["original", "reversed", "reversed"],
    ...                         "value": [1, 1, float("nan")]})
    >>> displayed_positions(answers, {"original": [1, 2, 3, 4, 5], "reversed": [5, 4, 3, 2, 1]}).tolist()
    [1, 5, <NA>]
    """
    require(answers, ("item", "order", "value"), "displayed_positions")
    answered = answers.loc[answers["value"].notna(), ["item", "order", "value"]]
    keys = pd.DataFrame({"item": answered["item"].astype(str), "order": answered["order"].astype(str),
                         "value": answered["value"].astype(float)}, index=answered.index)
    table = [(item, order, float(v), p + 1) for item, order in keys[["item", "order"]].drop_duplicates().itertuples(
        index=False) for p, v in enumerate(_lookup(shown_values, item, order))]
    where = pd.DataFrame(table, columns=["item", "order", "value", "position"]).drop_duplicates(
        ["item", "order", "value"])
    merged = keys.reset_index(names="_row").merge(where, on=["item", "order", "value"], how="left")
    unknown = merged[merged["position"].isna()]
    if len(unknown):
        row = unknown.iloc[0]
        shown = list(_lookup(shown_values, row["item"], row["order"]))
        raise ValueError(f"row {row['_row']!r}: value {row['value']:g} of item {row['item']!r} is not among the values "
                         f"shown under order {row['order']!r} ({shown})")
    out = pd.Series(pd.NA, index=answers.index, dtype="Int64")
    out.loc[merged["_row"].to_numpy()] = merged["position"].astype("Int64").to_numpy()
    return out


def _ceiling(df: pd.DataFrame, shown: ShownValues | None, end: int) -> tuple[float, str | None]:
    """The largest share of answers at the first (``end=0``) or last (``end=-1``) position that answers depending
    on the option alone can reach, and a note on how it was obtained."""
    if shown is None:
        if "order" not in df.columns:
            return 1.0, None
        share = float(df["order"].value_counts(normalize=True).max())
        return share, ("content ceiling = the largest share of one order, assuming every order shows a different "
                       "option there (true for original + reversed and for rotations); pass shown_values for the "
                       "exact ceiling")
    total = 0
    for item, rows in df.groupby("item", sort=False):
        at_end = [_lookup(shown, str(item), str(o))[end] for o in rows["order"]]
        total += int(pd.Series(at_end).value_counts().max())
    return total / len(df), None


def human_end_rate(n_options: float) -> float:
    """:data:`HUMAN_END_RATE` carried to ``n_options`` options by the ratio to chance: × 6 / k (see
    :func:`position_rates`)."""
    if not n_options >= 2:
        raise ValueError(f"n_options must be at least 2, got {n_options!r}")
    return HUMAN_END_RATE * HUMAN_END_RATE_OPTIONS / n_options


def position_rates(
    answers: pd.DataFrame,
    *,
    n_options: int | None = None,
    shown_values: ShownValues | None = None,
    ci: float = 0.95,
) -> PositionRates:
    r"""Share of answers at each displayed position, and whether the first or last position draws more answers
    than content alone could.

    Parameters
    ----------
    answers : pandas.DataFrame
        One row per answer with ``position`` (1 = shown first; NaN/NA: no answer), ``order``, and ``item`` when
        ``shown_values`` is given.
    n_options : int, optional
        Number of options of every item (the last position). Needed unless ``shown_values`` gives it per item.
    shown_values : mapping, optional
        As in :func:`displayed_positions`; gives the exact content ceiling and each item's number of options.
    ci : float
        Coverage of the Wilson intervals.

    Returns
    -------
    PositionRates
        ``rates`` per position, and ``first``/``last`` as :class:`StyleIndex` whose threshold is the lower of the
        content ceiling and the human rate for the number of options shown; ``not assessed`` with one option order
        (or without answers).

    Raises
    ------
    ValueError
        A missing column, neither ``n_options`` nor ``shown_values``, a position outside 1…k, or ``ci`` outside
        (0, 1).

    Notes
    -----
    Each rate is a share of answers with Wilson's interval (:func:`wilson_ci`); answers are treated as
    independent draws, so repeated identical respondents should be collapsed first
    (:func:`distinct_respondents`).

    **Threshold (content ceiling).** A respondent whose answer to item :math:`i` depends on the option only (with
    any probabilities :math:`p_i(v)`, the same in every order) puts an expected share

    .. math::

        \frac{1}{N}\sum_{\text{answers } r} p_{i(r)}\big(v_1(r)\big)
        \;\le\; c = \frac{1}{N}\sum_i \max_v \#\{r \in i : v_1(r) = v\}

    of its answers at the first position, :math:`v_1(r)` being the option shown first to answer :math:`r`. With
    the original and the reversed order equally often, :math:`c = 1/2`; with one order, :math:`c = 1` and the
    rate is *not assessed*. The last position is the same with the option shown last.

    **Threshold (human rate).** :math:`c` is what an extreme content respondent can reach (a 1 to every
    reverse-keyed and a 5 to every keyed item), whatever the number of options :math:`k`, while chance is
    :math:`1/k`. People answering on their own reach much less: in the psych ``bfi`` data (2,800 people, 25 items,
    6 options in a fixed order; Revelle et al., 2010) the share of a person's answers that an alternated
    original/reversed design would put at the first position, :math:`(n_1 + n_6)/(2n)`, has median 0.14 and
    95th percentile :data:`HUMAN_END_RATE` = 0.34 (about twice chance, 1/6). Carried to :math:`k` options by the
    ratio to chance, :math:`h_k = 0.34 \cdot 6/k` (0.41 for 5 options, 0.29 for 7; averaged over answers when
    items differ). The threshold is :math:`\min(c, h_k)`: above it the answers pile up at one end of the list more
    than 95 in 100 people's do. Carrying the rate by the ratio to chance is an assumption: extreme responding falls
    somewhat as options are added (Weijters et al., 2010) and differs between countries and people (Baumgartner &
    Steenkamp, 2001), and per-person rates over 25 items carry sampling noise, which makes the percentile, if
    anything, lenient. Primacy itself — the first options chosen more when read, the last when heard — is Krosnick
    & Alwin (1987); in LLM answers to multiple-choice and survey items: Zheng et al. (2024), Dominguez-Olmedo et
    al. (2024).

    Verdict: flagged when the whole interval lies above the threshold, clear when it lies below it,
    inconclusive otherwise. A rate between :math:`h_k` and :math:`c` can still be an extreme content respondent;
    the position-following index, which reverses the order, tells them apart.

    References
    ----------
    Revelle, W., Wilt, J., & Rosenthal, A. (2010). Individual differences in cognition: New methods for examining
    the personality-cognition link. In A. Gruszka, G. Matthews & B. Szymura (Eds.), *Handbook of Individual
    Differences in Cognition* (pp. 27–49). Springer. (The ``bfi`` data of R psych.)

    Krosnick, J. A., & Alwin, D. F. (1987). An evaluation of a cognitive theory of response-order effects in survey
    measurement. *Public Opinion Quarterly*, 51, 201–219.

    Baumgartner, H., & Steenkamp, J.-B. E. M. (2001). Response styles in marketing research: A cross-national
    investigation. *Journal of Marketing Research*, 38, 143–156.

    Weijters, B., Cabooter, E., & Schillewaert, N. (2010). The effect of rating scale format on response styles:
    The number of response categories and response category labels. *International Journal of Research in
    Marketing*, 27, 236–247.

    Zheng, C., Zhou, H., Meng, F., Zhou, J., & Huang, M. (2024). Large language models are not robust multiple
    choice selectors. *ICLR 2024*.

    Dominguez-Olmedo, R., Hardt, M., & Mendler-Dünner, C. (2024). Questioning the survey responses of large
    language models. *NeurIPS 2024*.

    Examples
    --------
    >>> import pandas as pd
    >>> from psychometrics.stats import position_rates
    >>> answers = pd.DataFrame({"order": ["original"] * 10 + ["reversed"] * 10, "position": [1] * 19 + [3]})
    >>> r = position_rates(answers, n_options=5)
    >>> round(r.first.value, 2), round(r.first.threshold, 3), r.first.verdict
    (0.95, 0.408, 'flagged')
    """
    require(answers, ("position",), "position_rates")
    check_ci(ci)
    if n_options is None and shown_values is None:
        raise ValueError("position_rates needs n_options or shown_values (the number of options of each item)")
    if shown_values is not None:
        require(answers, ("item", "order"), "position_rates with shown_values")
    df = answers[answers["position"].notna()].copy()
    df["position"] = df["position"].astype(int)
    if shown_values is not None:
        k = np.array([len(_lookup(shown_values, str(i), str(o))) for i, o in zip(df["item"], df["order"])], dtype=int)
    else:
        k = np.full(len(df), int(n_options or 0))
    outside = np.flatnonzero((df["position"].to_numpy() < 1) | (df["position"].to_numpy() > k))
    if outside.size:
        i = outside[0]
        raise ValueError(f"row {df.index[i]!r}: position {df['position'].iloc[i]} is outside 1…{k[i]}")
    n = len(df)
    n_orders = int(df["order"].nunique()) if "order" in df.columns else 1
    rates = {p: wilson_ci(int((df["position"] == p).sum()), n, ci=ci) for p in range(1, int(k.max(initial=0)) + 1)}
    human = human_end_rate(float(len(k) / np.sum(1.0 / k))) if len(k) else math.nan  # h_k averaged over answers
    first = _end_index(df, df["position"].to_numpy() == 1, "first-position rate", shown_values, 0, n_orders, ci,
                       human)
    last = _end_index(df, df["position"].to_numpy() == k, "last-position rate", shown_values, -1, n_orders, ci,
                      human)
    return PositionRates(n_answers=n, n_orders=n_orders, rates=rates, first=first, last=last)


def _end_index(df: pd.DataFrame, hit: np.ndarray, name: str, shown: ShownValues | None, end: int, n_orders: int,
               ci: float, human: float) -> StyleIndex:
    method = f"share of answers, Wilson {ci:.0%} interval; {BEYOND_RULE}"
    n = len(df)
    if n == 0:
        return not_assessed(name, "answers", math.nan, _CEILING_SOURCE, "no answers with a displayed position",
                            method, ci)
    ceiling, note = _ceiling(df, shown, end)
    if n_orders < 2 or ceiling >= 1:
        return not_assessed(name, "answers", ceiling, _CEILING_SOURCE, _ONE_ORDER, method, ci, n)
    p = wilson_ci(int(hit.sum()), n, ci=ci)
    warning = "; ".join(w for w in (note, few_units_warning(n, "answers")) if w) or None
    threshold = min(ceiling, human)
    source = (f"{'human rate' if human < ceiling else 'content ceiling'} {threshold:.3g} (content ceiling "
              f"{ceiling:.3g}; human rate {human:.3g}, the 95th percentile of 2,800 people, psych bfi, carried to "
              f"this many options by × 6 / k); see position_rates")
    return StyleIndex(name=name, value=p.rate, ci_low=p.ci_low, ci_high=p.ci_high, ci_level=ci, n=n, unit="answers",
                      threshold=threshold, threshold_source=source,
                      verdict=beyond_verdict(p.ci_low, p.ci_high, threshold, n=n), warning=warning, method=method)


def _pairs(df: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Every pair of answers to the same question (``keys``) under two different orders (each pair once)."""
    cols = ["order", "position", "value"]
    side = df[keys].astype(object).where(df[keys].notna(), "<NA>").astype(str)
    side[cols] = df[cols].astype({"order": str}).to_numpy(dtype=object)
    side["keying"] = df["keying"].to_numpy() if "keying" in df.columns else 1
    merged = side.merge(side.drop(columns="keying"), on=keys, suffixes=("_a", "_b"))
    merged = merged[merged["order_a"] < merged["order_b"]]
    return merged[["order_a", "position_a", "value_a", "order_b", "position_b", "value_b", "keying"]].reset_index(
        drop=True)


def _directions(df: pd.DataFrame, low: float, high: float, shown: ShownValues | None = None) -> dict[str, int]:
    """+1 for an order that shows the response values ascending, −1 descending; orders that do neither (rotations)
    are left out. Read off ``shown`` (the values shown per order) when given, else off the answers: ascending puts
    value v at position v − low + 1. An order whose answers fit both (every answer at the middle option, which
    reversal leaves in place) cannot be read off the answers: 0."""
    out = {}
    for order, part in df.groupby("order", sort=False):
        if shown is not None:
            lists = [list(_lookup(shown, str(item), str(order))) for item in part["item"].unique()]
            ways = {1 if x == sorted(x) else -1 if x == sorted(x, reverse=True) else 0 for x in lists}
            if len(ways) == 1 and ways != {0}:
                out[str(order)] = ways.pop()
            continue
        v, pos = part["value"].to_numpy(dtype=float), part["position"].to_numpy(dtype=float)
        up, down = bool(np.all(pos == v - low + 1)), bool(np.all(pos == high - v + 1))
        if up or down:
            out[str(order)] = 0 if up and down else 1 if up else -1  # 0: fits both, cannot be told
    return out


def _shift_index(pairs: pd.DataFrame, directions: dict[str, int], low: float, high: float, ci: float
                 ) -> tuple[StyleIndex, int]:
    """S from the pairs of an ascending and a descending order (see :func:`position_following`)."""
    name = "position-following index"
    method = (f"S = ½·(mean over keyed + mean over reverse-keyed pairs of v_descending − v_ascending) / range, Welch "
              f"{ci:.0%} interval; {TWO_SIDED_RULE}")
    da = np.array([directions.get(o, 0) for o in pairs["order_a"]], dtype=int)
    db = np.array([directions.get(o, 0) for o in pairs["order_b"]], dtype=int)
    rev, da = pairs[da * db == -1], da[da * db == -1]
    if rev.empty:
        unread = sorted(o for o, way in directions.items() if way == 0)
        if pairs.empty:
            reason = ("no item was answered under an order and its reverse (the design needs e.g. original and "
                      "reversed)")
        elif unread:
            reason = (f"whether order(s) {', '.join(unread)} show the values ascending or descending cannot be read "
                      "off answers that are all the middle option (pass shown_values)")
        else:
            reason = "no pair of an order with its reverse among the answer pairs"
        return not_assessed(name, "answer pairs", POSITION_FOLLOWING_MAX, _SHIFT_SOURCE, reason, method, ci), 0
    ascending_first = da == 1
    va, vb = rev["value_a"].to_numpy(dtype=float), rev["value_b"].to_numpy(dtype=float)
    d = np.where(ascending_first, vb - va, va - vb) / (high - low)
    keyed, reverse = d[rev["keying"].to_numpy() == 1], d[rev["keying"].to_numpy() == -1]
    warning = few_units_warning(len(d), "answer pairs")
    alike = False
    if keyed.size and reverse.size:
        res = welch_ttest(-reverse, keyed, ci=ci)  # mean(keyed) − mean(−reverse) = the sum of the two means
        value, low_, high_ = res.diff / 2, res.ci_low / 2, res.ci_high / 2
        if low_ == high_:  # every pair of each keying alike: no spread was estimated
            (k_low, k_high), (r_low, r_high) = (alike_interval(float(x.mean()), x.size, -1, 1, ci)
                                                for x in (keyed, reverse))
            low_, high_, alike = (k_low + r_low) / 2, (k_high + r_high) / 2, True
    else:
        res_m = mean_ci(d, ci=ci)
        value, low_, high_ = res_m.mean, res_m.ci_low, res_m.ci_high
        if low_ == high_:
            (low_, high_), alike = alike_interval(float(value), d.size, -1, 1, ci), True
        warning = "; ".join(w for w in (warning, "items of one keying only: a difference between the respondents of "
                                        "the two orders looks like position-following") if w)
    verdict = two_sided_verdict(low_, high_, POSITION_FOLLOWING_MAX, n=len(d))
    warning = "; ".join(w for w in (warning, alike_warning(len(d), "answer pairs") if alike else None) if w)
    reason = None
    if verdict == "not assessed":
        reason = (f"no interval from {len(d)} answer pair(s) ({keyed.size} keyed, {reverse.size} reverse-keyed): each "
                  "keying needs 2 or more pairs")
    index = StyleIndex(name=name, value=value, ci_low=low_, ci_high=high_, ci_level=ci, n=len(d), unit="answer pairs",
                       threshold=POSITION_FOLLOWING_MAX, threshold_source=_SHIFT_SOURCE, verdict=verdict,
                       reason=reason, warning=warning or None, method=method)
    return index, len(d)


def position_following(
    answers: pd.DataFrame,
    *,
    scale_min: float | None = None,
    scale_max: float | None = None,
    pair_by: Sequence[str] = PAIR_BY,
    shown_values: ShownValues | None = None,
    ci: float = 0.95,
) -> PositionFollowing:
    r"""Position-following across option orders: does an answer move with the displayed position or stay with the
    option?

    Parameters
    ----------
    answers : pandas.DataFrame
        One row per answer with ``order``, ``position``, ``value`` (original scale), ``keying`` (1/−1; optional
        but needed for the balanced index) and the ``pair_by`` columns present (at least ``item``); NaN values
        or positions are left out.
    scale_min, scale_max : float, optional
        The response scale of ordered options (likert, bipolar); ``None`` for unordered options (scenario items),
        for which ``index`` is not assessed and only the pair counts are given.
    pair_by : sequence of str
        Columns that identify one question asked under several orders (default ``item, template, sample,
        persona``; those missing from ``answers`` are ignored).
    shown_values : mapping, optional
        As in :func:`displayed_positions`: which orders show the values ascending and which descending. Without
        it the direction is read off the answers, which cannot tell it for an order whose every answer is the
        middle option.
    ci : float
        Coverage of the intervals.

    Returns
    -------
    PositionFollowing
        Pair counts with ``position_share``/``option_share`` and the repeat index D (descriptive), and ``index``:
        the position-following index S (a :class:`StyleIndex` with threshold :data:`POSITION_FOLLOWING_MAX`),
        ``not assessed`` without pairs of an order and its reverse.

    Raises
    ------
    ValueError
        A missing column, a question answered twice under one order (``pair_by`` too coarse), or ``ci`` outside
        (0, 1).

    Notes
    -----
    Every pair of answers to one question (item × template × sample × persona) under two orders keeps the
    displayed position but changes the option (:math:`n_P`), keeps the option at another position
    (:math:`n_O`), keeps both (the option did not move, e.g. the middle one under reversal) or neither. The
    **repeat index** :math:`D = (n_P - n_O)/(n_P + n_O)` — the consistency count of order-swapped LLM judges
    (Zheng et al., 2023; Wang et al., 2024) — is +1 when every repeated choice kept its position. It assumes that
    one respondent answered both orders: two different respondents, one high and one low on the trait, also give
    mirrored answers, at the same positions, on every item (the ``sim/`` provider draws a new respondent for each
    order, so D is not a verdict here).

    The **position-following index** separates the two by keying. For a pair of an order that shows the values
    ascending and one that shows them descending (original and reversed; from ``shown_values``, else read off the
    answers), let
    :math:`d = (v_{desc} - v_{asc}) / (x_{max} - x_{min})`, the move of the raw answer, in shares of the range.
    An answer that keeps the first position moves from :math:`x_{min}` to :math:`x_{max}` (:math:`d = 1`) whatever
    the keying; one that keeps its option does not move (:math:`d = 0`); and a change of respondent between the
    orders moves keyed and reverse-keyed items in opposite directions. So

    .. math::

        S = \tfrac12\left(\bar d_{\text{keyed}} + \bar d_{\text{reverse-keyed}}\right)

    is 0 for content in expectation — for one respondent, different respondents, or random answering — +1 when
    every answer takes the first position shown and −1 the last (primacy and recency; Krosnick & Alwin, 1987). Its
    interval is Welch's for a sum of two means (:func:`welch_ttest` of :math:`-d_{rev}` and :math:`d_{keyed}`),
    answer pairs taken as independent; without items of both keyings it is the plain mean of :math:`d` with a
    warning. Verdict against :data:`POSITION_FOLLOWING_MAX` (a project choice), symmetric: flagged when the whole
    interval lies beyond ±it, clear when it lies strictly inside ±it, inconclusive otherwise (an interval touching
    ±it, or one of zero width from fewer than 30 pairs, which only shows that the spread could not be estimated).

    References
    ----------
    Krosnick, J. A., & Alwin, D. F. (1987). An evaluation of a cognitive theory of response-order effects in survey
    measurement. *Public Opinion Quarterly*, 51, 201–219.

    Zheng, L., Chiang, W.-L., Sheng, Y., et al. (2023). Judging LLM-as-a-judge with MT-Bench and Chatbot Arena.
    *NeurIPS 2023 Datasets and Benchmarks*.

    Wang, P., Li, L., Chen, L., et al. (2024). Large language models are not fair evaluators. *ACL 2024*.

    Examples
    --------
    >>> import pandas as pd
    >>> from psychometrics.stats import position_following
    >>> first = pd.DataFrame({"item": [f"q{i}" for i in range(20)] * 2, "order": ["original"] * 20 + ["reversed"] * 20,
    ...                       "position": [1] * 40, "value": [1] * 20 + [5] * 20, "keying": [1, -1] * 20})
    >>> r = position_following(first, scale_min=1, scale_max=5)  # always the first option shown
    >>> r.n_same_position, r.n_same_option, r.repeat_index, r.index.value, r.index.verdict
    (20, 0, 1.0, 1.0, 'flagged')
    """
    require(answers, ("order", "position", "value", "item"), "position_following")
    check_ci(ci)
    keys = [c for c in pair_by if c in answers.columns]
    if "item" not in keys:
        raise ValueError("pair_by must include 'item'")
    df = answers[answers["value"].notna() & answers["position"].notna()]
    twice = df.duplicated([*keys, "order"])
    if twice.any():
        row = df[twice].iloc[0]
        raise ValueError(f"item {row['item']!r} is answered more than once under order {row['order']!r} for the same "
                         f"{', '.join(keys)}: add the column that tells the answers apart to pair_by")
    pairs = _pairs(df, keys)
    same_pos = (pairs["position_a"].astype(float) == pairs["position_b"].astype(float)).to_numpy()
    same_opt = (pairs["value_a"].astype(float) == pairs["value_b"].astype(float)).to_numpy()
    n_pos, n_opt = int((same_pos & ~same_opt).sum()), int((same_opt & ~same_pos).sum())
    n_both, n_pairs = int((same_pos & same_opt).sum()), len(pairs)
    d = d_low = d_high = math.nan
    if n_pos + n_opt:
        s = wilson_ci(n_pos, n_pos + n_opt, ci=ci)
        d, d_low, d_high = 2 * s.rate - 1, 2 * s.ci_low - 1, 2 * s.ci_high - 1
    if scale_min is None or scale_max is None:
        index = not_assessed("position-following index", "answer pairs", POSITION_FOLLOWING_MAX, _SHIFT_SOURCE,
                             "the options are not ordered (scenario items): see the position rates and the repeat "
                             "index", "not computed: unordered options", ci, n_pairs)
        n_rev = 0
    else:
        index, n_rev = _shift_index(pairs, _directions(df, scale_min, scale_max, shown_values), scale_min, scale_max,
                                    ci)
    return PositionFollowing(
        n_pairs=n_pairs, n_same_position=n_pos, n_same_option=n_opt, n_both=n_both,
        n_neither=n_pairs - n_pos - n_opt - n_both, position_share=wilson_ci(n_pos, n_pairs, ci=ci),
        option_share=wilson_ci(n_opt, n_pairs, ci=ci), repeat_index=d, repeat_ci_low=d_low, repeat_ci_high=d_high,
        n_reversal_pairs=n_rev, index=index,
    )
