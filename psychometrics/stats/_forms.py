"""Consistency across parallel forms: item by item, and per scale (correlation and mean shift of matched scores).

The forms are two renderings of the same items (a paraphrase, a translation); answers are compared on the
original response scale, respondents matched by their key (template × order × persona × sample).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from psychometrics.stats._means import _check_ci
from psychometrics.stats._proportions import wilson_ci
from psychometrics._record import ResultRecord

NAN = math.nan
Scores = pd.Series | Sequence[float] | np.ndarray

ITEM_CONSISTENCY_COLUMNS = ["item", "form_a", "form_b", "n", "identical", "identical_ci_low", "identical_ci_high",
                            "mad", "reason"]
"""The columns of :func:`item_consistency`, in order."""


class Correlation(ResultRecord):
    """A Pearson correlation between matched scores with a Fisher-z confidence interval."""

    value: float
    """Pearson r; NaN when undefined (see ``reason``)."""
    ci_low: float = NAN
    """Lower bound of the interval; NaN when it cannot be computed (n < 4 or r undefined)."""
    ci_high: float = NAN
    """Upper bound of the interval."""
    ci_level: float = 0.95
    """Coverage of the interval."""
    p: float = NAN
    """Two-sided p-value of r = 0 (t test with n − 2 degrees of freedom)."""
    n: int
    """Matched pairs used (respondents with a score on both forms)."""
    n_unmatched: int = 0
    """Respondents with a score on one form only (left out)."""
    reason: str | None = None
    """Why ``value`` is NaN; None when it is defined."""
    method: str = "Pearson r; CI by Fisher z, atanh(r) ± z/√(n − 3)"
    """How r and its interval were obtained."""


class PairedDifference(ResultRecord):
    """The mean shift between matched scores (``mean_b − mean_a``) with a paired t interval and test."""

    mean_a: float
    """Mean of the first scores (matched pairs only); NaN without pairs."""
    mean_b: float
    """Mean of the second scores."""
    diff: float
    """Mean of the pairwise differences ``b − a`` (= ``mean_b − mean_a``); NaN without pairs."""
    sd_diff: float = NAN
    """SD (n − 1) of the differences; NaN with fewer than 2 pairs, 0 when every difference is the same."""
    se: float = NAN
    """Standard error of ``diff``: ``sd_diff / √n``."""
    ci_low: float = NAN
    """Lower bound of the t interval of ``diff`` (the point itself when every difference is the same)."""
    ci_high: float = NAN
    """Upper bound of the t interval of ``diff``."""
    ci_level: float = 0.95
    """Coverage of the interval."""
    t: float = NAN
    """Paired t (±inf when every difference is the same non-zero number)."""
    df: float = NAN
    """Degrees of freedom, n − 1."""
    p: float = NAN
    """Two-sided p-value of a zero shift (0 when every difference is the same non-zero number)."""
    d_z: float = NAN
    """Standardised shift ``diff / sd_diff`` (Cohen's d_z); NaN when the differences do not vary."""
    n: int
    """Matched pairs used."""
    n_unmatched: int = 0
    """Respondents with a score on one side only (left out)."""
    reason: str | None = None
    """Why the test is undefined (fewer than 2 pairs, or no shift and no spread)."""


def _pairs(a: Scores, b: Scores) -> tuple[np.ndarray, np.ndarray, int]:
    """Matched, complete pairs: Series are aligned on their index, anything else by position."""
    if isinstance(a, pd.Series) and isinstance(b, pd.Series):
        for name, s in (("a", a), ("b", b)):
            if not s.index.is_unique:
                raise ValueError(f"the scores of {name} have a repeated respondent ({s.index[s.index.duplicated()][0]!r}); "
                                 "aggregate first")
        a, b = a.dropna(), b.dropna()
        both = a.index.intersection(b.index)
        unmatched = len(a.index.symmetric_difference(b.index))
        return a.loc[both].to_numpy(dtype=float), b.loc[both].to_numpy(dtype=float), unmatched
    xa, xb = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if xa.shape != xb.shape or xa.ndim != 1:
        raise ValueError(f"paired scores must be two 1-d sequences of the same length (got {xa.shape} and {xb.shape})")
    keep = ~(np.isnan(xa) | np.isnan(xb))
    return xa[keep], xb[keep], int((~keep & ~(np.isnan(xa) & np.isnan(xb))).sum())


def parallel_forms_reliability(a: Scores, b: Scores, *, ci: float = 0.95) -> Correlation:
    r"""Parallel-forms reliability: the Pearson correlation of scale scores on two forms across respondents.

    Parameters
    ----------
    a, b : pandas.Series or array-like of float
        One scale's scores on form A and on form B. Two Series are matched on their index (the respondent
        key); respondents on one side only are counted in ``n_unmatched`` and left out. Array-likes are paired by
        position. Pairs with a NaN are dropped.
    ci : float
        Coverage of the interval.

    Returns
    -------
    Correlation
        r with its interval and p-value; NaN with a ``reason`` when fewer than 3 pairs remain or a form's
        scores do not vary. With 3 pairs the interval is NaN (it needs :math:`n \ge 4`).

    Raises
    ------
    ValueError
        Array-likes of different lengths, a Series with a repeated index, or ``ci`` outside (0, 1).

    Notes
    -----
    Equivalent forms reliability is the correlation of the two forms' scores (Lord & Novick, 1968, ch. 2):
    :math:`r = \frac{\sum (a_i - \bar a)(b_i - \bar b)}{\sqrt{\sum (a_i - \bar a)^2 \sum (b_i - \bar b)^2}}`.
    The interval is Fisher's: :math:`\tanh\big(\operatorname{atanh} r \pm z_{1-\alpha/2} / \sqrt{n - 3}\big)`,
    collapsing to :math:`[r, r]` when :math:`|r| = 1`; the p-value is that of
    :math:`t = r\sqrt{(n-2)/(1-r^2)}` on :math:`n - 2` degrees of freedom. R: ``cor.test(a, b)`` gives the same
    r, interval and p-value (checked in the tests on the bfi data).

    References
    ----------
    Lord, F. M., & Novick, M. R. (1968). *Statistical theories of mental test scores*. Addison-Wesley.

    Fisher, R. A. (1921). On the "probable error" of a coefficient of correlation deduced from a small sample.
    *Metron, 1*, 3–32.

    Examples
    --------
    >>> from psychometrics.stats._forms import parallel_forms_reliability
    >>> r = parallel_forms_reliability([3.0, 4.0, 2.5, 5.0, 3.5], [3.5, 4.0, 2.0, 4.5, 3.5])
    >>> round(r.value, 4), round(r.ci_low, 4), round(r.ci_high, 4), r.n  # R cor.test: 0.9031 [0.1027, 0.9937]
    (0.9031, 0.1027, 0.9937, 5)
    """
    _check_ci(ci)
    xa, xb, unmatched = _pairs(a, b)
    n = len(xa)
    base = dict(n=n, n_unmatched=unmatched, ci_level=ci)
    if n < 3:
        return Correlation(value=NAN, reason=f"{n} matched respondent(s): r needs at least 3", **base)
    for name, x in (("A", xa), ("B", xb)):
        if np.ptp(x) == 0:
            return Correlation(value=NAN, reason=f"every respondent has the same score on form {name} ({x[0]:g}): "
                                                 "r is undefined", **base)
    res = stats.pearsonr(xa, xb)
    r, p = float(res.statistic), float(res.pvalue)
    if n < 4:
        return Correlation(value=r, p=p, **base)
    if abs(r) >= 1.0 - 1e-12:
        return Correlation(value=r, ci_low=r, ci_high=r, p=p, **base)
    z, half = math.atanh(r), float(stats.norm.ppf(0.5 + ci / 2.0)) / math.sqrt(n - 3)
    return Correlation(value=r, ci_low=math.tanh(z - half), ci_high=math.tanh(z + half), p=p, **base)


def mean_shift(a: Scores, b: Scores, *, ci: float = 0.95) -> PairedDifference:
    r"""The mean shift between two forms (or two occasions) for matched respondents, with a paired t test.

    Parameters
    ----------
    a, b : pandas.Series or array-like of float
        Scores on form A and form B, matched as in :func:`parallel_forms_reliability`.
    ci : float
        Coverage of the interval.

    Returns
    -------
    PairedDifference
        ``diff = mean(b − a)`` with its t interval, t, df, p and d_z. NaN with a ``reason`` when fewer than 2
        pairs remain, or when every difference is 0 (no shift and no spread). When every difference is the same
        non-zero number the interval is that number, t is ±inf and p is the exact two-sided sign test,
        :math:`2 \cdot 0.5^n` (``scipy.stats.binomtest(n, n)``; R ``binom.test(n, n)``), with a ``reason``.

    Raises
    ------
    ValueError
        As :func:`parallel_forms_reliability`.

    Notes
    -----
    With differences :math:`d_i = b_i - a_i`, their mean :math:`\bar d` and SD :math:`s_d`:
    :math:`t = \bar d / (s_d/\sqrt n)` on :math:`n - 1` degrees of freedom, interval
    :math:`\bar d \pm t_{1-\alpha/2,\,n-1}\, s_d/\sqrt n`, and :math:`d_z = \bar d / s_d` (Cohen, 1988, ch. 2.3).
    R: ``t.test(b, a, paired = TRUE)`` (note the order: R reports the mean of ``b − a``).

    References
    ----------
    Student (1908). The probable error of a mean. *Biometrika, 6*, 1–25.

    Cohen, J. (1988). *Statistical power analysis for the behavioral sciences* (2nd ed.). Erlbaum.

    Dixon, W. J., & Mood, A. M. (1946). The statistical sign test. *Journal of the American Statistical
    Association, 41*, 557–566.

    Examples
    --------
    >>> from psychometrics.stats._forms import mean_shift
    >>> s = mean_shift([3.0, 4.0, 2.5, 5.0, 3.5], [3.5, 4.0, 2.0, 4.5, 3.5])
    >>> round(s.diff, 2), round(s.t, 4), round(s.p, 4), s.df  # R t.test(b, a, paired = TRUE): t = -0.5345
    (-0.1, -0.5345, 0.6213, 4.0)
    >>> mean_shift([3.0, 2.0, 4.0], [4.0, 3.0, 5.0]).p  # 3 identical shifts: R binom.test(3, 3)$p.value
    0.25
    """
    _check_ci(ci)
    xa, xb, unmatched = _pairs(a, b)
    n = len(xa)
    base = dict(n=n, n_unmatched=unmatched, ci_level=ci)
    if n == 0:
        return PairedDifference(mean_a=NAN, mean_b=NAN, diff=NAN, reason="no matched respondent", **base)
    d = xb - xa
    means = dict(mean_a=float(xa.mean()), mean_b=float(xb.mean()), diff=float(d.mean()))
    if n < 2:
        return PairedDifference(**means, reason="1 matched respondent: the shift needs at least 2", **base)
    sd = float(d.std(ddof=1))
    df = float(n - 1)
    if sd == 0:
        if means["diff"] == 0:
            return PairedDifference(**means, sd_diff=0.0, se=0.0, ci_low=0.0, ci_high=0.0, df=df,
                                    reason="every difference is 0: no shift and no spread, t is undefined", **base)
        # t is infinite but says nothing about so few pairs (3 identical differences would give p = 0): the exact
        # sign test is the test that holds here — n differences of one sign, p = 2 · 0.5^n (3 pairs: .25)
        sign_p = float(stats.binomtest(n, n, 0.5).pvalue)
        return PairedDifference(**means, sd_diff=0.0, se=0.0, ci_low=means["diff"], ci_high=means["diff"],
                                t=math.copysign(math.inf, means["diff"]), df=df, p=sign_p, **base,
                                reason=f"every difference is {means['diff']:+.4g}: no spread, so the t test does not "
                                       f"apply; p is the exact sign test ({n} differences of one sign)")
    se = sd / math.sqrt(n)
    t = means["diff"] / se
    half = float(stats.t.ppf(0.5 + ci / 2.0, df)) * se
    return PairedDifference(**means, sd_diff=sd, se=se, ci_low=means["diff"] - half, ci_high=means["diff"] + half,
                            t=t, df=df, p=float(2 * stats.t.sf(abs(t), df)), d_z=means["diff"] / sd, **base)


def item_consistency(data: pd.DataFrame, *, respondent: str, item: str, form: str, value: str,
                     forms: tuple[str, str] | None = None, nominal: bool = False, ci: float = 0.95) -> pd.DataFrame:
    r"""Per-item consistency of answers across two forms: the share of identical answers and the mean absolute
    difference, over respondents who answered the item on both forms.

    Parameters
    ----------
    data : pandas.DataFrame
        Long answers, one row per respondent × item × form. ``item`` must name the *original* item (a form's
        item mapped through its ``parallel_item``), ``value`` the answer on the original response scale (raw,
        not reverse-keyed: both forms share the keying). Rows with a missing value are left out.
    respondent, item, form, value : str
        Column names.
    forms : (str, str), optional
        The two forms, in the order reported (``form_a``, ``form_b``); by default the two labels of ``form``,
        sorted.
    nominal : bool
        The answers are categories (scenario options): the mean absolute difference is then NaN with a reason.
    ci : float
        Coverage of the Wilson interval of the identical share.

    Returns
    -------
    pandas.DataFrame
        One row per item (in order of first appearance) with columns ``item``, ``form_a``, ``form_b``, ``n``
        (respondents with an answer on both forms), ``identical`` (share of them answering the same),
        ``identical_ci_low``, ``identical_ci_high`` (Wilson), ``mad`` (mean of :math:`|b - a|`, in response-scale
        points), ``reason`` (why a number is NaN).

    Raises
    ------
    ValueError
        A column is missing, ``data`` holds other than two forms (or ``forms`` names one it lacks), a respondent
        answered an item twice on one form, or ``ci`` is outside (0, 1).

    Notes
    -----
    For item :math:`i` with :math:`n_i` matched respondents and answers :math:`a_{ri}, b_{ri}`:
    :math:`\text{identical}_i = \frac{1}{n_i}\sum_r [a_{ri} = b_{ri}]` with Wilson's (1927) interval, and
    :math:`\text{MAD}_i = \frac{1}{n_i}\sum_r |a_{ri} - b_{ri}|`, the per-item agreement measures of
    consistency-across-paraphrase studies of language models. R: ``mean(a == b)``, ``mean(abs(a - b))``,
    ``prop.test(sum(a == b), n, correct = FALSE)$conf.int``.

    References
    ----------
    Wilson, E. B. (1927). Probable inference, the law of succession, and statistical inference. *Journal of the
    American Statistical Association, 22*, 209–212.

    Examples
    --------
    >>> import pandas as pd
    >>> from psychometrics.stats._forms import item_consistency
    >>> df = pd.DataFrame({"respondent": [1, 2, 3, 1, 2, 3] * 2, "item": ["1"] * 6 + ["2"] * 6,
    ...                    "form": ["en", "en", "en", "de", "de", "de"] * 2,
    ...                    "value": [4, 2, 5, 4, 3, 5, 1, 1, 2, 3, 1, 2]})
    >>> item_consistency(df, respondent="respondent", item="item", form="form", value="value")[
    ...     ["item", "form_a", "n", "identical", "mad"]].round(3)
      item form_a  n  identical    mad
    0    1     de  3      0.667  0.333
    1    2     de  3      0.667  0.667
    """
    _check_ci(ci)
    for col in (respondent, item, form, value):
        if col not in data.columns:
            raise ValueError(f"column {col!r} not in data; columns are {list(map(str, data.columns))}")
    labels = sorted(data[form].dropna().unique().tolist(), key=str)
    if forms is None:
        if len(labels) != 2:
            raise ValueError(f"item consistency compares two forms; column {form!r} has {len(labels)}: {labels}")
        forms = (labels[0], labels[1])
    missing = [f for f in forms if f not in labels]
    if missing or forms[0] == forms[1]:
        raise ValueError(f"forms must be two different labels of column {form!r} ({labels}); got {forms}")
    df = data.loc[data[form].isin(forms), [respondent, item, form, value]].dropna(subset=[value])
    twice = df.duplicated([respondent, item, form])
    if twice.any():
        row = df[twice].iloc[0]
        raise ValueError(f"respondent {row[respondent]!r} answered item {row[item]!r} more than once on form "
                         f"{row[form]!r}; aggregate first")
    wide = df.pivot_table(index=[item, respondent], columns=form, values=value, aggfunc="first")
    rows = []
    for name in pd.unique(data[item].dropna()):
        pair = wide.loc[name] if name in wide.index.get_level_values(0) else pd.DataFrame()
        both = pair.dropna() if set(forms) <= set(pair.columns) else pd.DataFrame()
        n = len(both)
        row = {"item": name, "form_a": forms[0], "form_b": forms[1], "n": n}
        if n == 0:
            rows.append({**row, "identical": NAN, "identical_ci_low": NAN, "identical_ci_high": NAN, "mad": NAN,
                         "reason": "no respondent answered the item on both forms"})
            continue
        a, b = both[forms[0]].to_numpy(dtype=float), both[forms[1]].to_numpy(dtype=float)
        share = wilson_ci(int((a == b).sum()), n, ci=ci)
        rows.append({**row, "identical": float((a == b).mean()), "identical_ci_low": share.ci_low,
                     "identical_ci_high": share.ci_high, "mad": NAN if nominal else float(np.abs(b - a).mean()),
                     "reason": "the answers are categories: no distance between them" if nominal else None})
    out = pd.DataFrame(rows, columns=ITEM_CONSISTENCY_COLUMNS)
    out["reason"] = out["reason"].astype(object).where(out["reason"].notna(), None)
    return out
