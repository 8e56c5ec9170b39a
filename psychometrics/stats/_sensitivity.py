"""Sensitivity of answers to the prompt: templates, option order, and refusals (TRAIT-style checks).

The answer-level functions take a tidy DataFrame with one row per answer and the columns

``item``
    Item id.
``template``
    Prompt template id.
``order``
    Option order the model saw (e.g. ``"original"``, ``"reversed"``).
``sample``
    Repetition id (sampling seed / draw number); pairs answers across orders.
``value``
    The answer, numeric; NaN for no usable answer (refused, invalid). Pass values keyed for the scale to ask
    "does the scale score move?", or values on the original response scale to look for position bias.

Pass the answers of **one model, one scale (and one persona)** at a time; other columns are ignored.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Literal

import numpy as np
import pandas as pd
from scipy import stats

from psychometrics.stats._proportions import wilson_ci
from psychometrics.stats._result import OrderSensitivity, PromptSensitivity

ANSWER_COLUMNS: tuple[str, ...] = ("item", "template", "order", "sample", "value")
STATUSES: tuple[str, ...] = ("ok", "refused", "invalid", "error")
"""Response statuses (as in ``psychometrics.administer.Status``)."""


def _check_columns(df: pd.DataFrame, needed: Iterable[str]) -> None:
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"answers must be a pandas DataFrame, got {type(df).__name__}")
    missing = [c for c in needed if c not in df.columns]
    if missing:
        raise ValueError(f"answers lack the column(s) {missing}; expected {list(ANSWER_COLUMNS)}")
    if df["value"].dtype.kind not in "biuf":
        raise TypeError("the value column must be numeric (NaN for missing answers)")


# --------------------------------------------------------------------------------------------------------------
# templates


def _friedman(table: np.ndarray) -> tuple[float, float, float, float]:
    """Tie-corrected Friedman χ² for blocks (rows) × treatments (columns): (Q, df, p, Kendall's W)."""
    n, k = table.shape
    ranks = stats.rankdata(table, axis=1)
    rank_sums = ranks.sum(axis=0)
    ties = 0.0
    for row in table:
        _, counts = np.unique(row, return_counts=True)
        ties += float((counts**3 - counts).sum())
    denom = 1 - ties / (n * k * (k**2 - 1))
    if denom <= 1e-12:
        return math.nan, float(k - 1), math.nan, math.nan
    q = (12 / (n * k * (k + 1)) * float((rank_sums**2).sum()) - 3 * n * (k + 1)) / denom
    p = float(stats.chi2.sf(q, k - 1))
    w = q / (n * (k - 1))
    return float(q), float(k - 1), p, float(w)


def prompt_sensitivity(answers: pd.DataFrame) -> PromptSensitivity:
    r"""Spread of a scale score across prompt templates, with a Friedman test paired by item.

    Parameters
    ----------
    answers : pandas.DataFrame
        One row per answer with columns ``item``, ``template`` and ``value`` (``order`` and ``sample`` may be
        present and are pooled). One model and one scale at a time; NaN values are ignored.

    Returns
    -------
    PromptSensitivity
        ``template_means``, ``score_range``, ``score_sd``; the ``test`` used with ``statistic``, ``df``, ``p``,
        and ``effect_size`` (Kendall's W or ε²). NaN with a ``reason`` for fewer than 2 templates, fewer
        than 2 items, or constant data.

    Notes
    -----
    Each item's answers under a template (all orders and samples) are averaged to :math:`m_{it}`; a template's
    score is :math:`\bar m_t = \frac{1}{|I_t|}\sum_i m_{it}` over the items answered under it, so items weigh
    equally whatever the number of samples. ``score_range`` = max − min and ``score_sd`` the SD (n − 1) of
    the :math:`\bar m_t`.

    When every item has an answer under every template the templates are compared with a Friedman test on the
    items × templates table of :math:`m_{it}` (items are blocks), with the usual tie correction, and
    Kendall's :math:`W = \chi^2_F / (n(k-1))` (:math:`n` items, :math:`k` templates; 0 = templates do not
    shift the item ranks, 1 = every item ranks the templates the same way). Otherwise the pairing is
    incomplete and the function falls back to a Kruskal–Wallis test on the :math:`m_{it}` grouped by template
    (saying so in ``warning``), with :math:`\varepsilon^2 = H / (N - 1)` over the :math:`N` item means.
    Both use the χ² reference distribution with :math:`k - 1` df. Items rather than single answers are the
    units, so repeated samples do not inflate significance.

    References
    ----------
    Gupta, A., Song, X., & Anumanchipalli, G. (2024). Self-assessment tests are unreliable measures of LLM
    personality. *BlackboxNLP 2024*.

    Friedman, M. (1937). The use of ranks to avoid the assumption of normality implicit in the analysis of
    variance. *JASA*, 32, 675–701.

    Tomczak, M., & Tomczak, E. (2014). The need to report effect size estimates revisited. *Trends in Sport
    Sciences*, 21, 19–25.

    Examples
    --------
    >>> import pandas as pd
    >>> from psychometrics.stats import prompt_sensitivity
    >>> answers = pd.DataFrame({"item": ["q1", "q2", "q3"] * 3,
    ...                         "template": ["t1"] * 3 + ["t2"] * 3 + ["t3"] * 3,
    ...                         "value": [4, 4, 5, 3, 3, 4, 2, 2, 2]})
    >>> res = prompt_sensitivity(answers)
    >>> res.test, round(res.statistic, 3), round(res.effect_size, 3), round(res.score_range, 3)
    ('Friedman', 6.0, 1.0, 2.333)
    """
    _check_columns(answers, ("item", "template", "value"))
    df = answers.dropna(subset=["value"])
    df = df.assign(item=df["item"].astype(str), template=df["template"].astype(str))
    item_means = df.groupby(["item", "template"], sort=False)["value"].mean().unstack("template")
    templates = [str(t) for t in item_means.columns]
    template_means = {t: float(item_means[t].mean()) for t in templates}
    scores = np.array(list(template_means.values()), dtype=float)
    n_templates, n_items = len(templates), int(item_means.shape[0])
    base = {
        "n_templates": n_templates,
        "n_items": n_items,
        "n_answers": int(len(df)),
        "template_means": template_means,
        "score_range": float(scores.max() - scores.min()) if n_templates >= 2 else math.nan,
        "score_sd": float(scores.std(ddof=1)) if n_templates >= 2 else math.nan,
    }
    if n_templates < 2:
        plural = "s" if n_templates != 1 else ""
        return PromptSensitivity(**base, reason=f"{n_templates} template{plural} with answers; at least 2 are needed")
    if n_items < 2:
        return PromptSensitivity(**base, reason=f"{n_items} item with answers; at least 2 are needed to test templates")
    values = item_means.to_numpy(dtype=float)
    finite = values[np.isfinite(values)]
    if np.all(finite == finite[0]):
        return PromptSensitivity(**base, reason="every item mean is the same under every template (constant data)")
    notes = []
    if n_items < 5:
        notes.append(f"only {n_items} items: the test has little power")
    if np.isfinite(values).all():
        q, dof, p, w = _friedman(values)
        if math.isnan(q):
            return PromptSensitivity(
                **base, test="Friedman", df=dof,
                reason="every item gives the same mean under every template (all ranks tied)",
                warning="; ".join(notes) or None,
            )
        return PromptSensitivity(
            **base, test="Friedman", statistic=q, df=dof, p=p, effect_size=w, effect_size_name="Kendall's W",
            warning="; ".join(notes) or None,
        )
    groups = [item_means[t].dropna().to_numpy(dtype=float) for t in templates]
    n_total = int(sum(g.size for g in groups))
    notes.insert(
        0,
        "pairing incomplete (not every item was answered under every template): Kruskal-Wallis on item means "
        "instead of Friedman; template means cover different items",
    )
    h, p = stats.kruskal(*groups)
    return PromptSensitivity(
        **base, test="Kruskal-Wallis", statistic=float(h), df=float(n_templates - 1), p=float(p),
        effect_size=float(h) / (n_total - 1), effect_size_name="epsilon-squared", warning="; ".join(notes),
    )


# --------------------------------------------------------------------------------------------------------------
# option order


def _side(v: np.ndarray, mid: float) -> np.ndarray:
    return np.sign(v - mid)


def order_sensitivity(
    answers: pd.DataFrame,
    *,
    a: str = "original",
    b: str = "reversed",
    scale_min: float,
    scale_max: float,
    unit: Literal["item", "pair"] = "item",
) -> OrderSensitivity:
    r"""How much answers change between two option orders, with a Wilcoxon signed-rank test.

    Parameters
    ----------
    answers : pandas.DataFrame
        One row per answer with columns ``item``, ``template``, ``order``, ``sample``, ``value`` (see the module
        documentation). Each item × template × sample must appear at most once per order.
    a, b : str
        The two orders compared; differences are ``b − a``.
    scale_min, scale_max : float
        Lowest and highest response value; their mean is the scale midpoint used for flips.
    unit : {"item", "pair"}
        Unit of the signed-rank test: ``"item"`` (default) tests the per-item mean differences, treating items
        as independent and the template × sample pairs of an item as repeated measures; ``"pair"`` tests every
        pair as independent, which overstates significance when pairs of one item are correlated.

    Returns
    -------
    OrderSensitivity
        ``mean_difference``, ``mad`` (mean absolute difference, scale points), ``flip_share`` (items),
        ``pair_flip_share``, and the test's ``statistic``, ``p``, ``rank_biserial``. ``p`` and
        ``rank_biserial`` are NaN with a ``reason`` when every difference is zero or there are fewer than 2
        units; everything is NaN when no pair exists.

    Notes
    -----
    Answers are paired on item × template × sample. With :math:`d = v_b - v_a` per pair:
    ``mad`` = mean :math:`|d|`, ``mean_difference`` = mean :math:`d`.

    A *flip* is a change of answer meaning across the scale midpoint :math:`c = (\min + \max)/2`: one answer
    strictly below :math:`c` and the other strictly above (an answer exactly at :math:`c` is neutral and never
    flips). ``pair_flip_share`` counts flipped pairs; ``flip_share`` counts items whose mean answer over their
    pairs lies on opposite sides of :math:`c` in the two orders.

    The signed-rank test (:func:`scipy.stats.wilcoxon`, two-sided, zero differences dropped) runs on the unit
    differences. The matched-pairs rank-biserial correlation over the same non-zero differences, ranked by
    :math:`|d|`, is

    .. math::

        r_{rb} = \frac{T_+ - T_-}{T_+ + T_-}

    (Kerby, 2014), positive when answers are higher in order ``b``.

    Keying flips the sign of a position bias for reverse-keyed items: with keyed values a first-option bias
    can cancel in ``mean_difference`` and the signed test while ``mad`` and the flips still show it. Pass
    values on the original response scale to test for a directional position bias.

    References
    ----------
    Gupta, A., Song, X., & Anumanchipalli, G. (2024). Self-assessment tests are unreliable measures of LLM
    personality. *BlackboxNLP 2024*.

    Kerby, D. S. (2014). The simple difference formula: An approach to teaching nonparametric correlation.
    *Comprehensive Psychology*, 3, 11.IT.3.1.

    Examples
    --------
    >>> import pandas as pd
    >>> from psychometrics.stats import order_sensitivity
    >>> rows = [(i, "t1", o, 0, v) for i, (x, y) in enumerate([(2, 4), (1, 5), (4, 4), (2, 3), (3, 5), (1, 2)])
    ...         for o, v in (("original", x), ("reversed", y))]
    >>> answers = pd.DataFrame(rows, columns=["item", "template", "order", "sample", "value"])
    >>> res = order_sensitivity(answers, scale_min=1, scale_max=5)
    >>> round(res.mad, 4), round(res.flip_share, 4), round(res.rank_biserial, 4), res.n_test
    (1.6667, 0.3333, 1.0, 5)
    """
    _check_columns(answers, ANSWER_COLUMNS)
    if unit not in ("item", "pair"):
        raise ValueError(f"unit must be 'item' or 'pair', got {unit!r}")
    if not scale_max > scale_min:
        raise ValueError(f"scale_max ({scale_max}) must be greater than scale_min ({scale_min})")
    keys = ["item", "template", "sample"]
    df = answers.dropna(subset=["value"])
    sides = {}
    for label in (a, b):
        part = df.loc[df["order"] == label, [*keys, "value"]]
        dup = part.duplicated(keys)
        if dup.any():
            first = part[dup].iloc[0]
            raise ValueError(
                f"order {label!r}: item {first['item']!r}, template {first['template']!r}, sample "
                f"{first['sample']!r} answered more than once (filter to one model, scale and persona)"
            )
        sides[label] = part
    pairs = sides[a].merge(sides[b], on=keys, suffixes=("_a", "_b"), how="inner")
    n_pairs = int(len(pairs))
    n_items = int(pairs["item"].nunique())
    base = {"order_a": str(a), "order_b": str(b), "unit": unit, "n_pairs": n_pairs, "n_items": n_items}
    if n_pairs == 0:
        missing = [lab for lab in (a, b) if sides[lab].empty]
        why = (
            f"no answers in order {missing[0]!r}" if missing
            else "no item × template × sample was answered in both orders"
        )
        return OrderSensitivity(
            **base, mean_difference=math.nan, mad=math.nan, flip_share=math.nan, pair_flip_share=math.nan,
            reason=why,
        )
    mid = (scale_min + scale_max) / 2
    va = pairs["value_a"].to_numpy(dtype=float)
    vb = pairs["value_b"].to_numpy(dtype=float)
    d = vb - va
    pair_flip = float(np.mean(_side(va, mid) * _side(vb, mid) < 0))
    per_item = pairs.assign(d=d).groupby("item", sort=False)[["value_a", "value_b", "d"]].mean()
    flips = _side(per_item["value_a"].to_numpy(), mid) * _side(per_item["value_b"].to_numpy(), mid) < 0
    unit_d = per_item["d"].to_numpy(dtype=float) if unit == "item" else d
    nonzero = unit_d[np.abs(unit_d) > 1e-12]
    notes = []
    for label in (a, b):
        lost = len(sides[label]) - n_pairs
        if lost > 0:
            notes.append(f"{lost} answer(s) in order {label!r} had no partner in the other order")
    common = {
        **base,
        "mean_difference": float(d.mean()),
        "mad": float(np.abs(d).mean()),
        "flip_share": float(flips.mean()),
        "pair_flip_share": pair_flip,
        "n_test": int(nonzero.size),
    }
    if unit_d.size < 2:
        return OrderSensitivity(
            **common, reason=f"{unit_d.size} {unit}; the signed-rank test needs at least 2",
            warning="; ".join(notes) or None,
        )
    if nonzero.size == 0:
        return OrderSensitivity(
            **common,
            reason="every paired difference is zero: the answers do not depend on the order (test undefined)",
            warning="; ".join(notes) or None,
        )
    if unit_d.size < 10:
        notes.append(f"only {unit_d.size} {unit}s: the signed-rank test has little power")
    ranks = stats.rankdata(np.abs(nonzero))
    t_plus = float(ranks[nonzero > 0].sum())
    t_minus = float(ranks[nonzero < 0].sum())
    rbc = (t_plus - t_minus) / (t_plus + t_minus)
    res = stats.wilcoxon(nonzero, zero_method="wilcox", alternative="two-sided", method=_wilcoxon_method(nonzero))
    p = float(res.pvalue)
    if nonzero.size <= _EXACT_MAX_N and _has_ties(ranks):
        p = _signed_rank_exact_p(ranks, t_plus)
    return OrderSensitivity(
        **common, statistic=float(res.statistic), p=p, rank_biserial=rbc,
        warning="; ".join(notes) or None,
    )


_EXACT_MAX_N = 13


def _has_ties(ranks: np.ndarray) -> bool:
    return np.unique(ranks).size < ranks.size


def _wilcoxon_method(d: np.ndarray) -> str:
    # With ties and n <= 13 scipy runs a generic permutation test (~0.4 s a call); we enumerate the same
    # null distribution ourselves (_signed_rank_exact_p) and only take the statistic from scipy.
    if d.size <= _EXACT_MAX_N and _has_ties(stats.rankdata(np.abs(d))):
        return "approx"
    return "auto"


def _signed_rank_exact_p(ranks: np.ndarray, t_plus: float) -> float:
    """Two-sided exact p of the signed-rank statistic T+ with mid-ranks, by enumerating all 2ⁿ sign patterns.

    Same null distribution as scipy's permutation version: p = min(1, 2·min(P(T ≤ t), P(T ≥ t))).
    """
    n = ranks.size
    signs = (np.arange(2**n)[:, None] >> np.arange(n)) & 1
    null = signs @ ranks
    tol = 1e-12 * max(1.0, abs(t_plus))
    less = float(np.mean(null <= t_plus + tol))
    greater = float(np.mean(null >= t_plus - tol))
    return min(1.0, 2 * min(less, greater))


# --------------------------------------------------------------------------------------------------------------
# response rates


def response_rates(statuses: Iterable[str] | pd.Series, *, ci: float = 0.95) -> pd.DataFrame:
    r"""Answer, refusal, invalid-reply and error rates with Wilson confidence intervals.

    Parameters
    ----------
    statuses : iterable of str
        One status per prompt (cell): ``"ok"``, ``"refused"``, ``"invalid"`` or ``"error"``
        (``psychometrics.administer.Status``).
    ci : float
        Coverage of the Wilson intervals (default 95%).

    Returns
    -------
    pandas.DataFrame
        One row per status with columns ``status``, ``count``, ``n`` (denominator), ``rate``, ``ci_low``,
        ``ci_high``, ``reason`` (why NaN).

    Notes
    -----
    ``ok``, ``refused`` and ``invalid`` are shares of the replies the model gave (every status but
    ``error``): transport or provider errors say nothing about the model and are left out of their
    denominator. ``error`` is the share of all prompts. Each interval is Wilson's score interval
    (:func:`wilson_ci`), which stays inside [0, 1] and behaves well at 0 and 100%, unlike the Wald interval.
    With no replies the rates are NaN with a ``reason``.

    References
    ----------
    Wilson, E. B. (1927). Probable inference, the law of succession, and statistical inference. *JASA*, 22,
    209–212.

    Examples
    --------
    >>> from psychometrics.stats import response_rates
    >>> tab = response_rates(["ok"] * 8 + ["refused", "invalid", "error"])
    >>> tab[["status", "count", "n", "rate"]].round(3)
        status  count   n   rate
    0       ok      8  10  0.800
    1  refused      1  10  0.100
    2  invalid      1  10  0.100
    3    error      1  11  0.091
    """
    if not (0 < ci < 1):
        raise ValueError(f"ci must be between 0 and 1, got {ci!r}")
    values = [str(s) for s in (statuses.tolist() if isinstance(statuses, pd.Series) else list(statuses))]
    unknown = sorted(set(values) - set(STATUSES))
    if unknown:
        raise ValueError(f"unknown status(es) {unknown}; expected one of {list(STATUSES)}")
    counts = {s: values.count(s) for s in STATUSES}
    total = len(values)
    replies = total - counts["error"]
    rows = []
    for s in STATUSES:
        n = total if s == "error" else replies
        interval = wilson_ci(counts[s], n, ci=ci)
        low, high = interval.ci_low, interval.ci_high
        reason = None
        if n == 0:
            reason = "no prompts" if total == 0 else "no replies (every prompt ended in an error)"
        rows.append(
            {
                "status": s, "count": counts[s], "n": n, "rate": counts[s] / n if n else math.nan,
                "ci_low": low, "ci_high": high, "reason": reason,
            }
        )
    out = pd.DataFrame(rows, columns=["status", "count", "n", "rate", "ci_low", "ci_high", "reason"])
    out["reason"] = out["reason"].astype(object)
    return out
