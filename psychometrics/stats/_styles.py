r"""Response styles that do not depend on the option order: acquiescence and nay-saying, extreme and midpoint
responding, straight-lining; and :func:`response_styles`, every index of one set of answers at once.

The functions read a tidy frame, one row per answer, with the columns

``respondent``
    Respondent id (a template × order × sample × persona combination).
``item``
    Item id.
``value``
    The answer on the item's *original* response scale, before reverse keying (NaN: no usable answer).
``keying``
    ``1`` for an item keyed in the direction of its scale, ``-1`` for a reverse-keyed item.

Thresholds are module constants, each with its source: a published rule where one exists, otherwise a stated
project choice. Every verdict follows one symmetric rule, named in each index's ``method``
(:data:`~psychometrics.stats._styles_common.BEYOND_RULE`): flagged when the whole interval lies above the threshold,
clear when it lies below it, inconclusive otherwise (the position-following index, which may go either way,
against ±threshold). A flag and a clear verdict are claims of the same strength; what the interval cannot settle is
inconclusive, and a scale whose reading hangs on an inconclusive index says so.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from psychometrics.stats._coefficients import mover_difference
from psychometrics.stats._means import mean_ci
from psychometrics.stats._positions import (
    PAIR_BY,
    POSITION_FOLLOWING_MAX,
    ShownValues,
    displayed_positions,
    position_following,
    position_rates,
)
from psychometrics.stats._proportions import wilson_ci
from psychometrics.stats._result import (
    Acquiescence,
    PositionFollowing,
    PositionRates,
    Proportion,
    RespondentPattern,
    ResponseStyles,
    StraightLining,
    StyleIndex,
)
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

ACQUIESCENCE_MAX = 150 / 240
"""NEO PI-R validity rule (Costa & McCrae, 1992): a protocol with more than 150 of its 240 answers "agree" or
"strongly agree" is suspect of acquiescence — a share of 0.625 of a (nearly) keying-balanced inventory."""
ACQUIESCENCE_MEAN_MAX = 0.125
"""Project choice modelled on the NEO PI-R rule: net acquiescence (the balanced mean, see :func:`acquiescence`)
dominates when it lies more than 0.125 of the response range from the midpoint, 0.5 points on a 1–5 scale. The
NEO rule flags an agreement share of 150/240 = 0.625 on a balanced inventory, an excess of 0.125 of the answers
over the 0.5 that content allows; the balanced mean measures the excess on the scale itself, in range units. It
has no published cutoff of its own (Soto et al., 2008 report the index without one). Checked on simulated
truth: ``tests/stats/test_styles.py::test_balanced_mean_flags_the_acquiescent_sim_and_not_the_steady_one``."""
NAY_SAYING_MAX = 150 / 240
"""Project choice: the acquiescence rule mirrored, a balanced share of disagreeing answers above 0.625. (The NEO PI-R
nay-saying rule, fewer than 50 of 240 agreeing answers, also counts neutral answers, which midpoint responding
covers here.)"""
EXTREME_MAX = 0.5
"""Project choice: extreme responding is flagged when more than half the answers are at an end of the scale. ERS is
a continuous index without a published cutoff (Greenleaf, 1992; Baumgartner & Steenkamp, 2001)."""
MIDPOINT_MAX = 0.5
"""Project choice: midpoint responding is flagged when more than half the answers are at the middle option; MRS has
no published cutoff (Baumgartner & Steenkamp, 2001)."""
STRAIGHT_LINING_MAX = 0.5
"""Project choice: straight-lining dominates when more than half of the assessed answers come from respondents who
give one identical answer to every item. Longstring and IRV have no universal cutoff (Curran, 2016; Dunn et al.,
2018)."""
STRAIGHT_LINING_MIN_ITEMS = 3
"""Project choice: a respondent is assessed for straight-lining with at least this many answered items, keyed and
reverse-keyed among them, so that one answer to all of them contradicts the keying."""

_NEO = "Costa & McCrae (1992), NEO PI-R validity rule: more than 150 of 240 answers agree"
_NOT_COMPUTED = "not computed: the answers lack what the index needs"


def _values(answers: pd.DataFrame, scale_min: float, scale_max: float) -> pd.DataFrame:
    if not scale_min < scale_max:
        raise ValueError(f"scale_min must be below scale_max, got {scale_min} and {scale_max}")
    df = answers[answers["value"].notna()]
    outside = df[(df["value"] < scale_min) | (df["value"] > scale_max)]
    if len(outside):
        raise ValueError(f"row {outside.index[0]!r}: value {outside['value'].iloc[0]:g} is outside the response scale "
                         f"{scale_min:g}…{scale_max:g}")
    return df


def _keying(df: pd.DataFrame) -> pd.Series:
    bad = df[~df["keying"].isin([1, -1])]
    if len(bad):
        raise ValueError(f"row {bad.index[0]!r}: keying must be 1 or -1, got {bad['keying'].iloc[0]!r}")
    return df["keying"].astype(int)


def _balanced(name: str, keyed: Proportion, reversed_: Proportion, threshold: float, source: str, ci: float,
              no_pair: str | None) -> StyleIndex:
    """½·(keyed + reversed) with its MOVER interval against the threshold (content alone stays at or below 0.5)."""
    method = (f"½·(share among keyed + share among reverse-keyed items), Wilson {ci:.0%} intervals combined by "
              f"MOVER (Zou & Donner, 2008); {BEYOND_RULE}")
    if no_pair:
        return not_assessed(name, "answers", threshold, source, no_pair, method, ci, keyed.n + reversed_.n)
    total = mover_difference(keyed.rate, keyed.ci_low, keyed.ci_high, -reversed_.rate, -reversed_.ci_high,
                             -reversed_.ci_low)
    value, low, high = total.estimate / 2, total.ci_low / 2, total.ci_high / 2
    n = keyed.n + reversed_.n
    return StyleIndex(name=name, value=value, ci_low=low, ci_high=high, ci_level=ci, n=n, unit="answers",
                      threshold=threshold, threshold_source=source,
                      verdict=beyond_verdict(low, high, threshold, n=n),
                      warning=few_units_warning(n, "answers"), method=method)


def balanced_mean(answers: pd.DataFrame, *, scale_min: float, scale_max: float, ci: float = 0.95) -> StyleIndex:
    r"""Net acquiescence of respondents: the balanced mean answer minus the midpoint, with a t interval across
    respondents.

    Parameters
    ----------
    answers : pandas.DataFrame
        One row per answer with ``respondent``, ``value`` (original scale, before reverse keying) and ``keying``
        (1 or −1).
    scale_min, scale_max : float
        The lowest and highest response values.
    ci : float
        Coverage of the interval.

    Returns
    -------
    StyleIndex
        ``value`` in scale points (positive: acquiescence, negative: nay-saying), its interval, ``n`` the
        respondents with answers of both keyings, verdict against ±:data:`ACQUIESCENCE_MEAN_MAX` × range;
        ``not assessed`` with fewer than 2 such respondents.

    Raises
    ------
    ValueError
        A missing column, a keying other than 1/−1, a value outside the response scale, or ``ci`` outside (0, 1).

    Notes
    -----
    Per respondent :math:`r`, :math:`B_r = \tfrac12(\bar x_{r,\text{keyed}} + \bar x_{r,\text{reversed}}) - m`
    with :math:`m` the midpoint: the trait moves the two means in opposite directions and cancels, agreement with
    statements whatever their keying moves both up (the acquiescence index of balanced scales: Paulhus, 1991; Soto
    et al., 2008, from pairs of opposite BFI items). The estimate is :math:`\bar B` with the t interval over
    respondents, so the answers of one respondent count as one cluster (their shared style is not mistaken for
    independent evidence), and it uses every answer's distance from the midpoint, not only its side (the
    agreement share, :func:`acquiescence`'s ``index``, dichotomises). Verdict two-sided against
    :math:`\pm 0.125\,(x_{max} - x_{min})` (:data:`ACQUIESCENCE_MEAN_MAX`): flagged when the whole interval lies
    beyond a bound, clear when strictly inside both, inconclusive otherwise (also a zero-width interval from fewer
    than 30 respondents, as identical per-respondent values give). Item locations do not cancel: a scale whose
    keyed items are easier to agree with than its reversed ones has a small non-zero :math:`B` without any style.

    References
    ----------
    Paulhus, D. L. (1991). Measurement and control of response bias. In J. P. Robinson, P. R. Shaver, &
    L. S. Wrightsman (Eds.), *Measures of personality and social psychological attitudes* (pp. 17–59). Academic
    Press.

    Soto, C. J., John, O. P., Gosling, S. D., & Potter, J. (2008). The developmental psychometrics of big five
    self-reports. *Journal of Personality and Social Psychology*, 94, 718–737.

    Examples
    --------
    >>> import pandas as pd
    >>> from psychometrics.stats import balanced_mean
    >>> answers = pd.DataFrame({"respondent": ["a"] * 4 + ["b"] * 4 + ["c"] * 4, "keying": [1, 1, -1, -1] * 3,
    ...                         "value": [5, 4, 4, 4, 4, 4, 5, 4, 5, 5, 4, 4]})  # agree whatever the keying
    >>> r = balanced_mean(answers, scale_min=1, scale_max=5)
    >>> round(r.value, 3), r.verdict
    (1.333, 'flagged')
    """
    require(answers, ("respondent", "value", "keying"), "balanced_mean")
    check_ci(ci)
    df = _values(answers, scale_min, scale_max)
    df = df.assign(keying=_keying(df))
    threshold = ACQUIESCENCE_MEAN_MAX * (scale_max - scale_min)
    name, source = "net acquiescence (balanced mean)", (
        "project choice after the NEO PI-R rule (Costa & McCrae, 1992): 0.125 of the response range from the "
        "midpoint")
    method = (f"per respondent ½·(mean keyed + mean reverse-keyed answer) − midpoint, in scale points; t {ci:.0%} "
              f"interval across respondents; {TWO_SIDED_RULE}")
    means = df.groupby(["respondent", "keying"])["value"].mean().unstack()
    if 1 not in means or -1 not in means:
        means = means.iloc[0:0]
    per = ((means.get(1) + means.get(-1)) / 2 - (scale_min + scale_max) / 2).dropna() if len(means) else \
        pd.Series(dtype=float)
    if len(per) < 2:
        return not_assessed(name, "respondents", threshold, source,
                            f"needs 2 or more respondents with answers to keyed and reverse-keyed items (has "
                            f"{len(per)})", method, ci, len(per))
    res = mean_ci(per.to_numpy(dtype=float), ci=ci)
    low, high = res.ci_low, res.ci_high
    alike = not high > low  # every respondent alike: the t interval has zero width
    if alike:
        half = (scale_max - scale_min) / 2
        low, high = alike_interval(float(res.mean), len(per), -half, half, ci)
    return StyleIndex(name=name, value=res.mean, ci_low=low, ci_high=high, ci_level=ci, n=len(per),
                      unit="respondents", threshold=threshold, threshold_source=source,
                      verdict=two_sided_verdict(low, high, threshold, n=len(per)),
                      warning="; ".join(w for w in (few_units_warning(len(per), "respondents"),
                                                    alike_warning(len(per), "respondents") if alike else None) if w)
                      or None, method=method)


def acquiescence(answers: pd.DataFrame, *, scale_min: float, scale_max: float, ci: float = 0.95) -> Acquiescence:
    r"""Acquiescence (agreeing with keyed and reverse-keyed items alike) and nay-saying, with Baumgartner and
    Steenkamp's ARS, DARS and NARS.

    Parameters
    ----------
    answers : pandas.DataFrame
        One row per answer with ``value`` (original scale, before reverse keying) and ``keying`` (1 or −1).
    scale_min, scale_max : float
        The lowest and highest response values (e.g. 1 and 5); the midpoint is their mean.
    ci : float
        Coverage of the intervals.

    Returns
    -------
    Acquiescence
        Agreement and disagreement shares per keying, ``ars``/``dars``/``nars`` (scale points), ``index``
        (acquiescence) and ``nay_saying``; both ``not assessed`` without answers of both keyings.

    Raises
    ------
    ValueError
        A missing column, a keying other than 1/−1, a value outside the response scale, or ``ci`` outside (0, 1).

    Notes
    -----
    With midpoint :math:`m`, an answer *agrees* when :math:`x > m` and *disagrees* when :math:`x < m`. Content
    cancels across keyings: someone high on the trait agrees with keyed items and disagrees with reverse-keyed
    ones, so the balanced agreement share

    .. math::

        A = \tfrac12\left(\Pr[x > m \mid \text{keyed}] + \Pr[x > m \mid \text{reverse-keyed}]\right)

    is at most 1/2 for answers that follow content, and above it only when a respondent agrees with statements
    and with their reversals (Paulhus, 1991; Soto et al., 2008). The interval combines the two Wilson intervals
    by MOVER. Verdict against :data:`ACQUIESCENCE_MAX` = 150/240, the NEO PI-R manual's rule (Costa & McCrae,
    1992): flagged when the whole interval lies above it, clear when it lies below it, inconclusive
    otherwise. Nay-saying is the same with disagreement (:data:`NAY_SAYING_MAX`).

    Baumgartner & Steenkamp (2001) code agreement on a 1–5 scale as 4 → 1, 5 → 2 (ARS) and disagreement as
    2 → 1, 1 → 2 (DARS), averaged over items; generalised to any scale, :math:`ARS = \overline{\max(x - m, 0)}`,
    :math:`DARS = \overline{\max(m - x, 0)}` and :math:`NARS = ARS - DARS = \bar x - m`, in scale points, over
    every answer whatever its keying. They are descriptive: content does not cancel in them.

    References
    ----------
    Costa, P. T., Jr., & McCrae, R. R. (1992). *Revised NEO Personality Inventory (NEO PI-R) and NEO Five-Factor
    Inventory (NEO-FFI) professional manual*. Psychological Assessment Resources.

    Paulhus, D. L. (1991). Measurement and control of response bias. In J. P. Robinson, P. R. Shaver, &
    L. S. Wrightsman (Eds.), *Measures of personality and social psychological attitudes* (pp. 17–59). Academic
    Press.

    Baumgartner, H., & Steenkamp, J.-B. E. M. (2001). Response styles in marketing research: A cross-national
    investigation. *Journal of Marketing Research*, 38, 143–156.

    Soto, C. J., John, O. P., Gosling, S. D., & Potter, J. (2008). The developmental psychometrics of big five
    self-reports: Acquiescence, factor structure, coherence, and differentiation from ages 10 to 20. *Journal of
    Personality and Social Psychology*, 94, 718–737.

    Zou, G. Y., & Donner, A. (2008). Construction of confidence limits about effect measures: A general approach.
    *Statistics in Medicine*, 27, 1693–1702.

    Examples
    --------
    >>> import pandas as pd
    >>> from psychometrics.stats import acquiescence
    >>> answers = pd.DataFrame({"value": [5, 4, 5, 4] * 10, "keying": [1, 1, -1, -1] * 10})
    >>> r = acquiescence(answers, scale_min=1, scale_max=5)  # agrees with every statement and its reversal
    >>> r.index.value, r.index.verdict, r.nars
    (1.0, 'flagged', 1.5)
    """
    require(answers, ("value", "keying"), "acquiescence")
    check_ci(ci)
    df = _values(answers, scale_min, scale_max)
    keying = _keying(df)
    m = (scale_min + scale_max) / 2
    x = df["value"].to_numpy(dtype=float)
    keyed, rev = (keying == 1).to_numpy(), (keying == -1).to_numpy()
    agree, disagree = x > m, x < m
    ak, ar = wilson_ci(int((agree & keyed).sum()), int(keyed.sum()), ci=ci), wilson_ci(
        int((agree & rev).sum()), int(rev.sum()), ci=ci)
    dk, dr = wilson_ci(int((disagree & keyed).sum()), int(keyed.sum()), ci=ci), wilson_ci(
        int((disagree & rev).sum()), int(rev.sum()), ci=ci)
    no_pair = None if keyed.any() and rev.any() else (
        "needs answers to keyed and to reverse-keyed items (agreeing with both is what shows acquiescence); "
        f"there are {int(keyed.sum())} keyed and {int(rev.sum())} reverse-keyed")
    mean = (lambda v: float(v.mean()) if v.size else math.nan)
    net = balanced_mean(df, scale_min=scale_min, scale_max=scale_max, ci=ci) if "respondent" in df.columns else None
    return Acquiescence(
        n_keyed=int(keyed.sum()), n_reversed=int(rev.sum()), agree_keyed=ak, agree_reversed=ar, disagree_keyed=dk,
        disagree_reversed=dr, ars=mean(np.maximum(x - m, 0)), dars=mean(np.maximum(m - x, 0)), nars=mean(x - m),
        index=_balanced("acquiescence (balanced agreement share)", ak, ar, ACQUIESCENCE_MAX, _NEO, ci, no_pair),
        nay_saying=_balanced("nay-saying (balanced disagreement share)", dk, dr, NAY_SAYING_MAX,
                             "project choice: the NEO PI-R acquiescence rule mirrored", ci, no_pair),
        balanced_mean=net,
    )


def _share_index(name: str, hits: int, n: int, threshold: float, source: str, ci: float) -> StyleIndex:
    method = f"share of answers, Wilson {ci:.0%} interval; {BEYOND_RULE}"
    if n == 0:
        return not_assessed(name, "answers", threshold, source, "no answers", method, ci)
    p = wilson_ci(hits, n, ci=ci)
    return StyleIndex(name=name, value=p.rate, ci_low=p.ci_low, ci_high=p.ci_high, ci_level=ci, n=n, unit="answers",
                      threshold=threshold, threshold_source=source, verdict=beyond_verdict(p.ci_low, p.ci_high,
                                                                                           threshold, n=n),
                      warning=few_units_warning(n, "answers"), method=method)


def extreme_responding(answers: pd.DataFrame, *, scale_min: float, scale_max: float, ci: float = 0.95) -> StyleIndex:
    r"""Extreme response style (ERS): the share of answers at the lowest or the highest response value.

    Parameters
    ----------
    answers : pandas.DataFrame
        One row per answer with ``value`` on the original response scale (NaN values are left out).
    scale_min, scale_max : float
        The lowest and highest response values.
    ci : float
        Coverage of the Wilson interval.

    Returns
    -------
    StyleIndex
        The share with its Wilson interval against :data:`EXTREME_MAX`; ``not assessed`` without answers.

    Raises
    ------
    ValueError
        A missing ``value`` column, a value outside the scale, or ``ci`` outside (0, 1).

    Notes
    -----
    :math:`ERS = \#\{x \in \{x_{min}, x_{max}\}\} / N` (Greenleaf, 1992; Baumgartner & Steenkamp, 2001). A
    respondent with an extreme trait level also answers at the ends; ERS is reported, not a reason to distrust a
    score on its own. Verdict against :data:`EXTREME_MAX` (a project choice).

    References
    ----------
    Greenleaf, E. A. (1992). Measuring extreme response style. *Public Opinion Quarterly*, 56, 328–351.

    Baumgartner, H., & Steenkamp, J.-B. E. M. (2001). Response styles in marketing research: A cross-national
    investigation. *Journal of Marketing Research*, 38, 143–156.

    Examples
    --------
    >>> import pandas as pd
    >>> from psychometrics.stats import extreme_responding
    >>> r = extreme_responding(pd.DataFrame({"value": [1, 5, 5, 3, 4, 5, 1, 2]}), scale_min=1, scale_max=5)
    >>> r.value, r.verdict
    (0.625, 'inconclusive')
    """
    require(answers, ("value",), "extreme_responding")
    check_ci(ci)
    x = _values(answers, scale_min, scale_max)["value"].to_numpy(dtype=float)
    return _share_index("extreme responding", int(((x == scale_min) | (x == scale_max)).sum()), x.size, EXTREME_MAX,
                        "project choice: more than half the answers at an end of the scale", ci)


def midpoint_responding(answers: pd.DataFrame, *, scale_min: float, scale_max: float, ci: float = 0.95) -> StyleIndex:
    r"""Midpoint response style (MRS): the share of answers at the middle response value.

    Parameters
    ----------
    answers : pandas.DataFrame
        One row per answer with ``value`` on the original response scale (NaN values are left out).
    scale_min, scale_max : float
        The lowest and highest response values (consecutive integers in between).
    ci : float
        Coverage of the Wilson interval.

    Returns
    -------
    StyleIndex
        The share with its Wilson interval against :data:`MIDPOINT_MAX`; ``not assessed`` for an even number of
        options (no middle one) or without answers.

    Raises
    ------
    ValueError
        A missing ``value`` column, a value outside the scale, or ``ci`` outside (0, 1).

    Notes
    -----
    :math:`MRS = \#\{x = (x_{min} + x_{max})/2\} / N` (Baumgartner & Steenkamp, 2001). Verdict against
    :data:`MIDPOINT_MAX` (a project choice).

    References
    ----------
    Baumgartner, H., & Steenkamp, J.-B. E. M. (2001). Response styles in marketing research: A cross-national
    investigation. *Journal of Marketing Research*, 38, 143–156.

    Examples
    --------
    >>> import pandas as pd
    >>> from psychometrics.stats import midpoint_responding
    >>> midpoint_responding(pd.DataFrame({"value": [3] * 40}), scale_min=1, scale_max=5).verdict
    'flagged'
    """
    require(answers, ("value",), "midpoint_responding")
    check_ci(ci)
    x = _values(answers, scale_min, scale_max)["value"].to_numpy(dtype=float)
    source = "project choice: more than half the answers at the middle option"
    m = (scale_min + scale_max) / 2
    if m != int(m):
        return not_assessed("midpoint responding", "answers", MIDPOINT_MAX, source,
                            f"the scale {scale_min:g}…{scale_max:g} has an even number of options and no middle one",
                            f"share of answers, Wilson {ci:.0%} interval; {BEYOND_RULE}", ci, x.size)
    return _share_index("midpoint responding", int((x == m).sum()), x.size, MIDPOINT_MAX, source, ci)


def _longstring(x: np.ndarray) -> int:
    if x.size == 0:
        return 0
    breaks = np.flatnonzero(np.diff(x) != 0)
    runs = np.diff(np.concatenate(([-1], breaks, [x.size - 1])))
    return int(runs.max())


def straight_lining(
    answers: pd.DataFrame,
    *,
    item_order: Sequence[str] | None = None,
    min_items: int = STRAIGHT_LINING_MIN_ITEMS,
    ci: float = 0.95,
) -> StraightLining:
    r"""Straight-lining: respondents who give one identical answer to items keyed in opposite directions.

    Parameters
    ----------
    answers : pandas.DataFrame
        One row per answer with ``respondent``, ``item``, ``value`` (original scale) and ``keying`` (1 or −1).
    item_order : sequence of str, optional
        The order in which items are read for the longstring (default: first appearance in ``answers``).
    min_items : int
        Answered items a respondent needs, keyed and reverse-keyed among them, to be assessed.
    ci : float
        Coverage of the Wilson interval.

    Returns
    -------
    StraightLining
        ``respondents`` (one :class:`RespondentPattern` each: ``n_items``, ``n_keyed``, ``n_reversed``,
        ``longstring``, ``irv``, ``identical``, ``assessed``; ``frame()`` gives them as a table) and ``index``:
        the share of the assessed answers that come from respondents whose answers are all identical, against
        :data:`STRAIGHT_LINING_MAX`; ``not assessed`` when no respondent can be assessed.

    Raises
    ------
    ValueError
        A missing column, a keying other than 1/−1, ``min_items`` below 2, or ``ci`` outside (0, 1).

    Notes
    -----
    Per respondent, over its non-missing answers in item order: the **longstring**, the longest run of identical
    consecutive answers (Johnson, 2005; Curran, 2016), and the **IRV**, the standard deviation (n − 1) of the
    answers (Dunn et al., 2018; R: ``careless::irv``). A respondent *straight-lines* when every answer is the same
    (IRV = 0, longstring = number of items). Identical answers to items keyed one way can be content (a high
    scorer agrees with all of them), so only respondents with at least ``min_items`` answers, keyed and
    reverse-keyed among them, are assessed: for them one answer to all items contradicts the keying (or, at the
    midpoint, takes no position on any item). The index counts *answers*, as every other response-style index
    does: the share of the assessed answers given by straight-lining respondents, i.e. how much of the score they
    make, with Wilson's interval over those answers. Verdict against :data:`STRAIGHT_LINING_MAX` (a project
    choice): flagged when the whole interval lies above it, clear when it lies below it, inconclusive
    otherwise. Counting respondents instead gave no verdict at all in the designs runs have (a respondent is a
    template × order × sample, often 2–6 of them): 3 of 3 straight-liners, a score made of nothing else, had the
    Wilson interval [0.44, 1] and was only "uncertain", while one neutral respondent of 6 (a content answer of a
    respondent at the middle of the trait) left [0.03, 0.56] and kept a planted-steady scale from reading as clean.
    Over answers, 3 of 3 straight-liners with 8 items each give [0.86, 1] (flagged) and 1 of 6 gives [0.09, 0.30]
    (clear).

    References
    ----------
    Curran, P. G. (2016). Methods for the detection of carelessly invalid responses in survey data. *Journal of
    Experimental Social Psychology*, 66, 4–19.

    Dunn, A. M., Heggestad, E. D., Shanock, L. R., & Theilgard, N. (2018). Intra-individual response variability
    as an indicator of insufficient effort responding. *Journal of Business and Psychology*, 33, 105–121.

    Johnson, J. A. (2005). Ascertaining the validity of individual protocols from Web-based personality
    inventories. *Journal of Research in Personality*, 39, 103–129.

    Examples
    --------
    >>> import pandas as pd
    >>> from psychometrics.stats import straight_lining
    >>> answers = pd.DataFrame({"respondent": ["r1"] * 4 + ["r2"] * 4, "item": ["a", "b", "c", "d"] * 2,
    ...                         "value": [1, 1, 1, 1, 4, 2, 5, 1], "keying": [1, -1, 1, -1] * 2})
    >>> r = straight_lining(answers)
    >>> r.frame()[["respondent", "longstring", "identical"]]
      respondent  longstring  identical
    0         r1           4       True
    1         r2           1      False
    """
    require(answers, ("respondent", "item", "value", "keying"), "straight_lining")
    check_ci(ci)
    if min_items < 2:
        raise ValueError(f"min_items must be at least 2, got {min_items}")
    df = answers[answers["value"].notna()].copy()
    df["keying"] = _keying(df)
    order = list(item_order) if item_order is not None else list(pd.unique(answers["item"]))
    rank = {item: i for i, item in enumerate(order)}
    unknown = sorted(set(df["item"]) - set(rank), key=str)
    if unknown:
        raise ValueError(f"item {unknown[0]!r} is not in item_order")
    df["_rank"] = df["item"].map(rank)
    patterns = []
    for respondent, part in df.sort_values("_rank", kind="stable").groupby("respondent", sort=False):
        x = part["value"].to_numpy(dtype=float)
        n_keyed, n_rev = int((part["keying"] == 1).sum()), int((part["keying"] == -1).sum())
        patterns.append(RespondentPattern(
            respondent=str(respondent), n_items=int(x.size), n_keyed=n_keyed, n_reversed=n_rev,
            longstring=_longstring(x), irv=float(x.std(ddof=1)) if x.size >= 2 else math.nan,
            identical=bool(x.size and np.all(x == x[0])), assessed=bool(x.size >= min_items and n_keyed and n_rev)))
    assessed = [p for p in patterns if p.assessed]
    name, source = "straight-lining", "project choice: more than half the answers"
    method = (f"share of the answers of assessed respondents (≥ {min_items} items, both keyings) that come from a "
              f"respondent with one identical answer to all, Wilson {ci:.0%} interval; {BEYOND_RULE}")
    if not assessed:
        index = not_assessed(name, "answers", STRAIGHT_LINING_MAX, source,
                             f"no respondent answered at least {min_items} items with keyed and reverse-keyed ones "
                             "among them (identical answers to items keyed one way may be content)", method, ci)
    else:
        n = sum(a.n_items for a in assessed)
        p = wilson_ci(sum(a.n_items for a in assessed if a.identical), n, ci=ci)
        lining = sum(a.identical for a in assessed)
        index = StyleIndex(name=name, value=p.rate, ci_low=p.ci_low, ci_high=p.ci_high, ci_level=ci, n=n,
                           unit="answers", threshold=STRAIGHT_LINING_MAX, threshold_source=source,
                           verdict=beyond_verdict(p.ci_low, p.ci_high, STRAIGHT_LINING_MAX, n=n),
                           warning=f"{lining} of {len(assessed)} assessed respondents straight-line" if lining
                           else None, method=method)
    return StraightLining(n_respondents=len(patterns), respondents=patterns, index=index)


def response_styles(
    answers: pd.DataFrame,
    *,
    scale_min: float | None = None,
    scale_max: float | None = None,
    shown_values: ShownValues | None = None,
    n_options: int | None = None,
    item_order: Sequence[str] | None = None,
    pair_by: Sequence[str] = PAIR_BY,
    ci: float = 0.95,
) -> ResponseStyles:
    r"""Every response-style index of one set of answers (a run, an inventory or a scale).

    Parameters
    ----------
    answers : pandas.DataFrame
        One row per answer with ``respondent``, ``item``, ``value`` (original scale), and as available ``order``,
        ``position`` (else derived from ``shown_values``), ``keying`` (1/−1), ``template``, ``sample``,
        ``persona``. An index whose columns are absent is ``not assessed`` with the reason.
    scale_min, scale_max : float, optional
        The response scale; ``None`` for items whose options are not ordered (scenario items): acquiescence,
        extreme and midpoint responding are then not assessed.
    shown_values : mapping, optional
        As in :func:`displayed_positions`.
    n_options : int, optional
        Options per item, when ``shown_values`` is not given (default ``scale_max − scale_min + 1``).
    item_order : sequence of str, optional
        Item order for the longstring.
    pair_by : sequence of str
        As in :func:`position_following`.
    ci : float
        Coverage of every interval.

    Returns
    -------
    ResponseStyles
        :func:`position_rates`, :func:`position_following`, :func:`acquiescence`, :func:`extreme_responding`,
        :func:`midpoint_responding` and :func:`straight_lining` of the same answers; ``flagged`` lists the indices
        that show a style.

    Raises
    ------
    ValueError
        As the functions it calls.

    Notes
    -----
    Intervals treat answers (or respondents) as independent; collapse repeated respondents first
    (:func:`distinct_respondents`). Pass one inventory (or one scale) at a time when response scales differ.

    Examples
    --------
    >>> import pandas as pd
    >>> from psychometrics.stats import response_styles
    >>> rows = [{"respondent": f"{o}{t}", "item": f"q{i}", "template": t, "order": o, "keying": 1 - 2 * (i % 2),
    ...          "value": 1 if o == "original" else 5} for o in ("original", "reversed") for t in range(4)
    ...         for i in range(8)]
    >>> shown = {"original": [1, 2, 3, 4, 5], "reversed": [5, 4, 3, 2, 1]}
    >>> styles = response_styles(pd.DataFrame(rows), scale_min=1, scale_max=5, shown_values=shown)
    >>> [index.name for index in styles.flagged]  # a respondent that always picks the first option shown
    ['first-position rate', 'position-following index', 'extreme responding', 'straight-lining']
    """
    require(answers, ("respondent", "item", "value"), "response_styles")
    check_ci(ci)
    df = answers
    if "position" not in df.columns and shown_values is not None and "order" in df.columns:
        df = df.assign(position=displayed_positions(df, shown_values))
    ordered = scale_min is not None and scale_max is not None
    if n_options is None and shown_values is None and ordered:
        n_options = int(round(float(scale_max) - float(scale_min))) + 1  # type: ignore[arg-type]
    has_positions = "position" in df.columns and (n_options is not None or shown_values is not None)
    no_position = "answers carry no displayed position (pass shown_values, or a position column)"
    positions = position_rates(df, n_options=n_options, shown_values=shown_values, ci=ci) if has_positions \
        else _no_positions(no_position, ci)
    following = position_following(df, scale_min=scale_min, scale_max=scale_max, pair_by=pair_by,
                                   shown_values=shown_values, ci=ci) \
        if has_positions and "order" in df.columns \
        else _no_following(no_position if not has_positions else "answers carry no option order", ci)
    unordered = "the options are not ordered (scenario items): no agreement, ends or middle"
    if ordered and "keying" in df.columns:
        acq = acquiescence(df, scale_min=scale_min, scale_max=scale_max, ci=ci)  # type: ignore[arg-type]
    else:
        acq = _no_acquiescence(unordered if not ordered else "answers carry no keying", ci)
    if ordered:
        extreme = extreme_responding(df, scale_min=scale_min, scale_max=scale_max, ci=ci)  # type: ignore[arg-type]
        midpoint = midpoint_responding(df, scale_min=scale_min, scale_max=scale_max, ci=ci)  # type: ignore[arg-type]
    else:
        extreme = not_assessed("extreme responding", "answers", EXTREME_MAX, "project choice", unordered,
                               _NOT_COMPUTED, ci)
        midpoint = not_assessed("midpoint responding", "answers", MIDPOINT_MAX, "project choice", unordered,
                                _NOT_COMPUTED, ci)
    lines = straight_lining(df, item_order=item_order, ci=ci) if "keying" in df.columns else StraightLining(
        n_respondents=int(df["respondent"].nunique()),
        index=not_assessed("straight-lining", "answers", STRAIGHT_LINING_MAX, "project choice",
                           "answers carry no keying", _NOT_COMPUTED, ci))
    return ResponseStyles(n_answers=int(df["value"].notna().sum()), positions=positions, following=following,
                          acquiescence=acq, extreme=extreme, midpoint=midpoint, straight_lining=lines)


def _no_positions(reason: str, ci: float) -> PositionRates:
    index = (lambda name: not_assessed(name, "answers", math.nan, "content ceiling", reason, _NOT_COMPUTED, ci))
    return PositionRates(n_answers=0, n_orders=0, first=index("first-position rate"), last=index("last-position rate"))


def _no_following(reason: str, ci: float) -> PositionFollowing:
    empty = wilson_ci(0, 0, ci=ci)
    return PositionFollowing(n_pairs=0, n_same_position=0, n_same_option=0, n_both=0, n_neither=0,
                             position_share=empty, option_share=empty, repeat_index=math.nan,
                             index=not_assessed("position-following index", "answer pairs", POSITION_FOLLOWING_MAX,
                                                "project choice", reason, _NOT_COMPUTED, ci))


def _no_acquiescence(reason: str, ci: float) -> Acquiescence:
    empty = wilson_ci(0, 0, ci=ci)
    return Acquiescence(n_keyed=0, n_reversed=0, agree_keyed=empty, agree_reversed=empty, disagree_keyed=empty,
                        disagree_reversed=empty, ars=math.nan, dars=math.nan, nars=math.nan,
                        index=not_assessed("acquiescence (balanced agreement share)", "answers", ACQUIESCENCE_MAX,
                                           _NEO, reason, _NOT_COMPUTED, ci),
                        nay_saying=not_assessed("nay-saying (balanced disagreement share)", "answers",
                                                NAY_SAYING_MAX, "project choice", reason, _NOT_COMPUTED, ci))
