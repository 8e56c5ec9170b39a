"""Verdicts that an effect is small: equivalence (TOST / interval inclusion), three-way decisions, and the smallest
effect a design could have detected.

A claim that nothing changed ("robust", "no drift") is a claim that an effect is *small*, which a non-significant
test does not show. Here an effect is ``equivalent`` only when its interval lies inside the bound, ``different``
only when its interval excludes 0 and the effect reaches the bound, and ``inconclusive`` otherwise — with the
minimum detectable effect saying how large an effect the design could have found.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable

import numpy as np
import pandas as pd
from scipy import stats

from psychometrics.stats._groups import welch_ttest
from psychometrics.stats._result import DetectableEffect, EquivalenceDecision, Sides

SIDES: tuple[str, ...] = ("two-sided", "one-sided")
DEFAULT_POWER = 0.8
"""Power of the minimum detectable effect (Cohen, 1988: the conventional 80%)."""

Values = Iterable[float] | pd.Series | np.ndarray


def _bounds(bound: float | tuple[float, float], sides: str) -> tuple[float, float]:
    if sides not in SIDES:
        raise ValueError(f"sides must be one of {list(SIDES)}, got {sides!r}")
    if isinstance(bound, tuple):
        if sides == "one-sided":
            raise ValueError("a one-sided decision takes one bound (a number), not a pair")
        lower, upper = (float(b) for b in bound)
        if not (lower < 0 < upper):
            raise ValueError(f"bound must be (lower, upper) with lower < 0 < upper, got {bound!r}")
        return lower, upper
    b = float(bound)
    if not (b > 0 and math.isfinite(b)):
        raise ValueError(f"bound must be a positive number, got {bound!r}")
    return (-math.inf if sides == "one-sided" else -b), b


def _f(x: float) -> str:
    return f"{x:.3g}".replace("-", "−")


def _interval(low: float, high: float, level: float | None) -> str:
    name = f"{level:.0%} interval" if level else "interval"
    return f"the {name} [{_f(low)}, {_f(high)}]"


def _inside(lower: float, upper: float) -> str:
    return f"below {_f(upper)}" if lower == -math.inf else (
        f"inside ±{_f(upper)}" if lower == -upper else f"inside ({_f(lower)}, {_f(upper)})")


def _decide(estimate: float, low: float, high: float, level: float | None, eq_low: float, eq_high: float,
            eq_level: float | None, lower: float, upper: float, sides: str, detectable: float) -> tuple[str, str]:
    """(verdict, reason in words)."""
    if not math.isfinite(estimate):
        return "not assessed", "the effect could not be estimated"
    if not all(math.isfinite(x) for x in (low, high, eq_low, eq_high)):
        return "inconclusive", f"the effect {_f(estimate)} has no confidence interval: its size cannot be judged"
    if lower < eq_low and eq_high < upper:
        return "equivalent", (f"{_interval(eq_low, eq_high, eq_level)} lies {_inside(lower, upper)}: "
                              "the effect is smaller than the bound")
    excludes_zero = low > 0 or (sides == "two-sided" and high < 0)
    reaches = estimate >= upper or estimate <= lower
    if excludes_zero and reaches:
        return "different", (f"{_interval(low, high, level)} excludes 0 and the effect {_f(estimate)} reaches the "
                             f"bound {_f(upper if estimate >= upper else lower)}")
    if excludes_zero:
        why = (f"{_interval(low, high, level)} excludes 0, but the effect {_f(estimate)} is below the bound "
               f"{_f(upper)} and its interval does not lie {_inside(lower, upper)}")
    else:
        why = (f"{_interval(eq_low, eq_high, eq_level)} neither lies {_inside(lower, upper)} nor excludes 0")
    if math.isfinite(detectable):
        why += f"; the design could only detect effects of {_f(detectable)} or more"
    return "inconclusive", why


def equivalence_decision(
    estimate: float,
    ci_low: float,
    ci_high: float,
    *,
    bound: float | tuple[float, float],
    sides: Sides = "two-sided",
    ci_level: float | None = None,
    equivalence_ci: tuple[float, float] | None = None,
    equivalence_level: float | None = None,
    detectable: float = math.nan,
    n: int | None = None,
) -> EquivalenceDecision:
    r"""Three-way decision on an effect from its estimate and confidence interval: equivalent, different or
    inconclusive.

    Parameters
    ----------
    estimate : float
        The effect (e.g. a change in mean score, version − baseline; a drop in α, baseline − version). NaN gives
        ``not assessed``.
    ci_low, ci_high : float
        Its confidence interval (NaN when there is none: the verdict is then ``inconclusive``).
    bound : float or (float, float)
        The smallest effect that matters, in the effect's units. Two-sided: a positive number :math:`b` means
        :math:`(-b, b)`; a pair ``(lower, upper)`` with ``lower < 0 < upper`` gives asymmetric bounds. One-sided:
        a positive number, the upper bound.
    sides : {"two-sided", "one-sided"}
        ``two-sided`` when a change in either direction matters (scale shifts); ``one-sided`` when the effect is
        oriented so that larger is worse and only an increase matters (a reliability drop, a rise in order
        sensitivity).
    ci_level : float, optional
        Coverage of the interval, for the words of ``reason``.
    equivalence_ci : (float, float), optional
        A separate interval for the equivalence criterion — the :math:`1 - 2\alpha` interval of a TOST at level
        :math:`\alpha` (e.g. 90% beside a 95% ``ci_low, ci_high``). Default: the same interval for both.
    equivalence_level : float, optional
        Coverage of ``equivalence_ci``, for the words of ``reason``.
    detectable : float
        The smallest effect the design could have detected (e.g. :func:`minimum_detectable_effect`), quoted when
        the verdict is inconclusive.
    n : int, optional
        Units behind the estimate, recorded on the result.

    Returns
    -------
    EquivalenceDecision
        ``verdict`` with its ``reason`` in words, and the intervals used for each criterion.

    Raises
    ------
    ValueError
        ``sides`` unknown; ``bound`` not positive, or a pair that does not straddle 0, or a pair with
        ``one-sided``; an ``equivalence_ci`` that is not a (low, high) pair.

    Notes
    -----
    With bounds :math:`(\Delta_L, \Delta_U)` (:math:`\Delta_L = -\infty` one-sided) and interval :math:`[l, u]`:

    - **equivalent** when :math:`\Delta_L < l` and :math:`u < \Delta_U` — interval inclusion, the decision of two
      one-sided tests (Schuirmann, 1987): with a :math:`1 - 2\alpha` interval it is the TOST at level
      :math:`\alpha`, so a 95% interval makes it a TOST at α = .025 (conservative; Lakens, 2017);
    - **different** when the interval excludes 0 (:math:`l > 0`, or :math:`u < 0` two-sided) and the estimate
      reaches a bound (:math:`\hat\theta \ge \Delta_U` or :math:`\hat\theta \le \Delta_L`) — significant *and*
      as large as the bound, which guards against calling a trivial but precise effect a change;
    - **inconclusive** otherwise: the data allow both a negligible and a relevant effect.

    The first two cannot both hold, since the estimate lies inside its interval. :func:`equivalence_test` runs the
    tests from the data (TOST at α with the :math:`1 - 2\alpha` interval, the difference with :math:`1 - \alpha`).

    References
    ----------
    Schuirmann, D. J. (1987). A comparison of the two one-sided tests procedure and the power approach for
    assessing the equivalence of average bioavailability. *Journal of Pharmacokinetics and Biopharmaceutics*, 15,
    657–680.

    Lakens, D. (2017). Equivalence tests: A practical primer for t tests, correlations, and meta-analyses.
    *Social Psychological and Personality Science*, 8, 355–362.

    Examples
    --------
    >>> from psychometrics.stats import equivalence_decision
    >>> equivalence_decision(0.67, -0.77, 2.10, bound=0.5, ci_level=0.95).verdict
    'inconclusive'
    >>> equivalence_decision(0.05, -0.12, 0.20, bound=0.5).verdict
    'equivalent'
    >>> d = equivalence_decision(0.7, 0.3, 1.1, bound=0.5, ci_level=0.95)
    >>> d.verdict, d.reason
    ('different', 'the 95% interval [0.3, 1.1] excludes 0 and the effect 0.7 reaches the bound 0.5')
    >>> equivalence_decision(0.02, -0.01, 0.04, bound=0.05, sides="one-sided").verdict  # a drop of α
    'equivalent'
    """
    lower, upper = _bounds(bound, sides)
    estimate, ci_low, ci_high = float(estimate), float(ci_low), float(ci_high)
    if equivalence_ci is None:
        eq_low, eq_high, eq_level = ci_low, ci_high, ci_level
    else:
        if len(equivalence_ci) != 2:
            raise ValueError(f"equivalence_ci must be a (low, high) pair, got {equivalence_ci!r}")
        (eq_low, eq_high), eq_level = (float(x) for x in equivalence_ci), equivalence_level
    verdict, reason = _decide(estimate, ci_low, ci_high, ci_level, eq_low, eq_high, eq_level, lower, upper, sides,
                              detectable)
    which = "the given interval" if equivalence_ci is None else "the equivalence interval"
    return EquivalenceDecision(
        verdict=verdict, estimate=estimate, ci_low=ci_low, ci_high=ci_high, ci_level=ci_level,
        equivalence_ci_low=eq_low, equivalence_ci_high=eq_high, equivalence_ci_level=eq_level, lower_bound=lower,
        upper_bound=upper, sides=sides, detectable=float(detectable), n=n, reason=reason,
        method=f"interval inclusion (Schuirmann 1987) with {which}; different when the interval excludes 0 and "
               "the estimate reaches the bound",
    )


def _clean(x: Values) -> np.ndarray:
    v = np.asarray(list(x) if not isinstance(x, (np.ndarray, pd.Series)) else x, dtype=float)
    return v[~np.isnan(v)]


def _check_level(alpha: float, power: float) -> None:
    if not 0 < alpha < 0.5:
        raise ValueError(f"alpha must lie between 0 and 0.5, got {alpha!r}")
    if not 0 < power < 1:
        raise ValueError(f"power must lie between 0 and 1, got {power!r}")


def equivalence_test(
    a: Values,
    b: Values,
    *,
    bound: float | tuple[float, float],
    sides: Sides = "two-sided",
    paired: bool = False,
    alpha: float = 0.05,
    power: float = DEFAULT_POWER,
) -> EquivalenceDecision:
    r"""Three-way decision on ``mean(b) − mean(a)`` from the data: two one-sided tests for equivalence, a t-test for a
    difference, and the minimum detectable effect.

    Parameters
    ----------
    a, b : array-like of float
        The two groups (independent: e.g. respondents' scale scores of a baseline and a new version), or the two
        members of each pair (``paired=True``: the same respondents or items under two conditions). NaN values
        are dropped (paired: the pair).
    bound : float or (float, float)
        The smallest difference that matters, as in :func:`equivalence_decision`.
    sides : {"two-sided", "one-sided"}
        As in :func:`equivalence_decision`; one-sided looks only at an increase of ``b`` over ``a``.
    paired : bool
        Paired data (``a`` and ``b`` of equal length, element by element).
    alpha : float
        Level of each test.
    power : float
        Power at which the minimum detectable effect is computed.

    Returns
    -------
    EquivalenceDecision
        ``estimate`` with the :math:`1 - \alpha` interval (``ci_low``, ``ci_high``) and the :math:`1 - 2\alpha`
        interval of the TOST (``equivalence_ci_*``), ``p_equivalence`` and ``p_difference``, ``detectable`` (the
        minimum detectable effect in the data's units) and ``n`` (values, or pairs when paired). ``not assessed``
        when a group is empty; ``inconclusive`` without an interval (fewer than 2 values in a group).

    Raises
    ------
    ValueError
        Bad ``bound``, ``sides``, ``alpha`` or ``power``; paired groups of unequal length.

    Notes
    -----
    Independent groups use Welch's t (:func:`welch_ttest`): the TOST is
    ``statsmodels.stats.weightstats.ttost_ind(b, a, low, upp, usevar="unequal")`` (one-sided:
    ``ttest_ind(b, a, alternative="smaller", usevar="unequal", value=upp)``); paired data the one-sample t on the
    differences (``ttost_paired``; ``scipy.stats.ttest_rel``). The TOST rejects at α exactly when the
    :math:`1 - 2\alpha` interval lies inside the bounds, so the verdict follows :func:`equivalence_decision` with
    that interval for equivalence and the :math:`1 - \alpha` interval for the difference (Lakens, 2017).
    ``detectable`` is :func:`minimum_detectable_effect` with the groups' sizes and pooled SD (paired: the SD of
    the differences). R: ``TOSTER::t_TOST(b, a, eqb = bound)``; pingouin: ``pingouin.tost(b, a, bound,
    correction=True)``.

    References
    ----------
    Schuirmann, D. J. (1987). A comparison of the two one-sided tests procedure and the power approach for
    assessing the equivalence of average bioavailability. *Journal of Pharmacokinetics and Biopharmaceutics*, 15,
    657–680.

    Lakens, D. (2017). Equivalence tests: A practical primer for t tests, correlations, and meta-analyses.
    *Social Psychological and Personality Science*, 8, 355–362.

    Examples
    --------
    >>> from psychometrics.stats import equivalence_test
    >>> base = [3.1, 2.9, 3.0, 3.2, 2.8, 3.0, 3.1, 2.9]
    >>> new = [3.0, 3.1, 2.9, 3.0, 3.1, 2.8, 3.0, 3.2]
    >>> r = equivalence_test(base, new, bound=0.5)
    >>> r.verdict, round(r.estimate, 4), round(r.equivalence_ci_low, 4), round(r.equivalence_ci_high, 4)
    ('equivalent', 0.0125, -0.1001, 0.1251)
    >>> equivalence_test([3.0, 3.5, 2.5], [3.5, 4.5, 3.0], bound=0.5).verdict  # 3 vs 3: cannot tell
    'inconclusive'
    """
    lower, upper = _bounds(bound, sides)
    _check_level(alpha, power)
    if paired:
        xa = np.asarray(list(a) if not isinstance(a, (np.ndarray, pd.Series)) else a, dtype=float)
        xb = np.asarray(list(b) if not isinstance(b, (np.ndarray, pd.Series)) else b, dtype=float)
        if xa.shape != xb.shape:
            raise ValueError(f"paired groups need the same length, got {xa.size} and {xb.size}")
        keep = ~(np.isnan(xa) | np.isnan(xb))
        return _paired(xb[keep] - xa[keep], lower, upper, sides, alpha, power)
    return _independent(_clean(a), _clean(b), lower, upper, sides, alpha, power)


def _independent(xa: np.ndarray, xb: np.ndarray, lower: float, upper: float, sides: str, alpha: float,
                 power: float) -> EquivalenceDecision:
    from statsmodels.stats.weightstats import ttest_ind, ttost_ind

    wide, narrow = welch_ttest(xa, xb, ci=1 - alpha), welch_ttest(xa, xb, ci=1 - 2 * alpha)
    p_eq = math.nan
    if math.isfinite(wide.se) and wide.se > 0:
        with np.errstate(divide="ignore", invalid="ignore"):
            if sides == "two-sided":
                p_eq = float(ttost_ind(xb, xa, lower, upper, usevar="unequal")[0])
            else:
                p_eq = float(ttest_ind(xb, xa, alternative="smaller", usevar="unequal", value=upper)[1])
    pooled = math.sqrt(((xa.size - 1) * wide.sd_a**2 + (xb.size - 1) * wide.sd_b**2) / (xa.size + xb.size - 2)) \
        if xa.size >= 2 and xb.size >= 2 else math.nan
    mde = minimum_detectable_effect(xa.size, xb.size, sd=pooled, alpha=alpha, power=power, sides=sides)
    p_diff = wide.p if sides == "two-sided" or not math.isfinite(wide.p) else (
        wide.p / 2 if wide.diff > 0 else 1 - wide.p / 2)
    method = (f"Welch t: TOST at α = {alpha:g} with the {1 - 2 * alpha:.0%} interval (statsmodels "
              f"{'ttost_ind' if sides == 'two-sided' else 'ttest_ind, value = bound'}), difference with the "
              f"{1 - alpha:.0%} interval; detectable: {mde.method}")
    return _record(wide.diff, (wide.ci_low, wide.ci_high), (narrow.ci_low, narrow.ci_high), alpha, lower, upper,
                   sides, p_eq, p_diff, mde.value, xa.size + xb.size, method, wide.reason)


def _paired(d: np.ndarray, lower: float, upper: float, sides: str, alpha: float, power: float
            ) -> EquivalenceDecision:
    from statsmodels.stats.weightstats import DescrStatsW, ttost_paired

    n = int(d.size)
    est = float(d.mean()) if n else math.nan
    sd = float(d.std(ddof=1)) if n >= 2 else math.nan
    wide = narrow = (math.nan, math.nan)
    p_eq = p_diff = math.nan
    reason = None if n else "no pairs with both values"
    if n >= 2 and sd > 1e-12 * max(1.0, abs(est)):
        res = stats.ttest_1samp(d, 0.0)
        ci_w, ci_n = res.confidence_interval(1 - alpha), res.confidence_interval(1 - 2 * alpha)
        wide, narrow = (float(ci_w.low), float(ci_w.high)), (float(ci_n.low), float(ci_n.high))
        p_diff = float(res.pvalue) if sides == "two-sided" else float(stats.ttest_1samp(d, 0.0,
                                                                                          alternative="greater").pvalue)
        if sides == "two-sided":
            p_eq = float(ttost_paired(d, np.zeros(n), lower, upper)[0])
        else:
            p_eq = float(DescrStatsW(d).ttest_mean(value=upper, alternative="smaller")[1])
    elif n >= 2:
        wide = narrow = (est, est)  # every pair differs by the same amount: the difference is exact
        reason = "every pair differs by the same amount: the interval is the point"
    mde = minimum_detectable_effect(n, sd=sd, alpha=alpha, power=power, sides=sides, paired=True)
    method = (f"paired t on the differences: TOST at α = {alpha:g} with the {1 - 2 * alpha:.0%} interval "
              f"(statsmodels {'ttost_paired' if sides == 'two-sided' else 'ttest_mean, value = bound'}), difference "
              f"with the {1 - alpha:.0%} interval; detectable: {mde.method}")
    return _record(est, wide, narrow, alpha, lower, upper, sides, p_eq, p_diff, mde.value, n, method, reason)


def _record(est: float, wide: tuple[float, float], narrow: tuple[float, float], alpha: float, lower: float,
            upper: float, sides: str, p_eq: float, p_diff: float, detectable: float, n: int, method: str,
            note: str | None) -> EquivalenceDecision:
    verdict, reason = _decide(est, wide[0], wide[1], 1 - alpha, narrow[0], narrow[1], 1 - 2 * alpha, lower, upper,
                              sides, detectable)
    if note and verdict in ("not assessed", "inconclusive") and note not in reason:
        reason = f"{reason} ({note})"
    return EquivalenceDecision(
        verdict=verdict, estimate=est, ci_low=wide[0], ci_high=wide[1], ci_level=1 - alpha,
        equivalence_ci_low=narrow[0], equivalence_ci_high=narrow[1], equivalence_ci_level=1 - 2 * alpha,
        lower_bound=lower, upper_bound=upper, sides=sides, p_equivalence=p_eq, p_difference=p_diff,
        detectable=detectable, n=n, reason=reason, method=method,
    )


def _solve(power_class: object, **kwargs: float | str) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # statsmodels warns while it brackets the root; failure is checked below
        try:
            d = float(np.squeeze(power_class.solve_power(effect_size=None, **kwargs)))  # type: ignore[attr-defined]
        except (ValueError, RuntimeError, ZeroDivisionError, FloatingPointError):
            return math.nan
    return d if math.isfinite(d) and d > 0 else math.nan


def minimum_detectable_effect(
    n_a: int,
    n_b: int | None = None,
    *,
    sd: float = math.nan,
    alpha: float = 0.05,
    power: float = DEFAULT_POWER,
    sides: Sides = "two-sided",
    paired: bool = False,
) -> DetectableEffect:
    r"""The smallest difference of means a t-test of this design detects with the given power.

    Parameters
    ----------
    n_a : int
        Size of group A; with ``n_b=None`` or ``paired=True`` the size of the single sample (or the number of
        pairs).
    n_b : int, optional
        Size of group B (independent groups).
    sd : float
        Standard deviation in the effect's units (pooled SD of the groups; of the differences when paired);
        NaN gives only the standardised ``d``.
    alpha : float
        Significance level.
    power : float
        Probability of detecting the effect (default 0.8).
    sides : {"two-sided", "one-sided"}
        Two-sided test, or one-sided for an increase.
    paired : bool
        Paired (or one-sample) design: the t-test of the mean difference.

    Returns
    -------
    DetectableEffect
        ``d`` (Cohen's d, or d_z when paired) and ``value = d × sd``; NaN with a ``reason`` for fewer than 2
        values in a group (or pairs).

    Raises
    ------
    ValueError
        ``alpha`` outside (0, 0.5), ``power`` outside (0, 1), ``sides`` unknown, or a negative size.

    Notes
    -----
    Solves the power equation of the t-test for the effect size with statsmodels:
    ``TTestIndPower().solve_power(effect_size=None, nobs1=n_a, ratio=n_b/n_a, alpha=alpha, power=power,
    alternative=...)`` for two groups, ``TTestPower().solve_power(effect_size=None, nobs=n_a, ...)`` for paired or
    one-sample data, ``alternative`` being ``"two-sided"`` or ``"larger"``. Power is that of the noncentral t
    with noncentrality :math:`d\sqrt{n_a n_b/(n_a + n_b)}` (two groups) or :math:`d\sqrt{n}` (paired). R:
    ``power.t.test(n, power = .8, sig.level = .05)$delta`` (equal groups); G*Power's sensitivity analysis.

    References
    ----------
    Cohen, J. (1988). *Statistical power analysis for the behavioral sciences* (2nd ed.). Erlbaum.

    Bloom, H. S. (1995). Minimum detectable effects: A simple way to report the statistical power of
    experimental designs. *Evaluation Review*, 19, 547–556.

    Examples
    --------
    >>> from psychometrics.stats import minimum_detectable_effect
    >>> m = minimum_detectable_effect(30, 30, sd=0.8)  # R: power.t.test(n = 30, power = .8)$delta → 0.7356
    >>> round(m.d, 4), round(m.value, 4)
    (0.7356, 0.5885)
    >>> round(minimum_detectable_effect(3, 3).d, 2)  # three respondents per version
    3.07
    """
    from statsmodels.stats.power import TTestIndPower, TTestPower

    _check_level(alpha, power)
    if sides not in SIDES:
        raise ValueError(f"sides must be one of {list(SIDES)}, got {sides!r}")
    if n_a < 0 or (n_b is not None and n_b < 0):
        raise ValueError(f"group sizes must not be negative, got {n_a} and {n_b}")
    alternative = "two-sided" if sides == "two-sided" else "larger"
    one_sample = paired or n_b is None
    args = f"alpha={alpha:g}, power={power:g}, alternative={alternative!r}"
    if one_sample:
        method = f"statsmodels TTestPower().solve_power(nobs={n_a}, {args})"
        d = _solve(TTestPower(), nobs=n_a, alpha=alpha, power=power, alternative=alternative) if n_a >= 2 \
            else math.nan
        reason = f"{n_a} {'pairs' if paired else 'values'}: at least 2 are needed" if n_a < 2 else None
    else:
        nb = int(n_b or 0)
        method = f"statsmodels TTestIndPower().solve_power(nobs1={n_a}, ratio={nb}/{n_a}, {args})"
        d = _solve(TTestIndPower(), nobs1=n_a, ratio=nb / n_a, alpha=alpha, power=power,
                   alternative=alternative) if min(n_a, nb) >= 2 else math.nan
        reason = f"groups of {n_a} and {nb}: each needs at least 2 values" if min(n_a, nb) < 2 else None
    if reason is None and math.isnan(d):
        reason = "statsmodels found no effect size with this power (the design cannot reach it)"
    return DetectableEffect(d=d, value=d * float(sd), n_a=int(n_a), n_b=None if one_sample else n_b, alpha=alpha,
                            power=power, sides=sides, reason=reason, method=method)


def minimum_detectable_effect_from_se(
    se: float, *, alpha: float = 0.05, power: float = DEFAULT_POWER, sides: Sides = "two-sided"
) -> DetectableEffect:
    r"""The smallest effect a z-test detects with the given power when its estimate has standard error ``se``.

    For effects without a t-test power class — a difference of proportions (Newcombe), of two reliability
    coefficients (MOVER) — read the standard error off the interval: :math:`se = (u - l) / (2 z_{1-\alpha/2})`.

    Parameters
    ----------
    se : float
        Standard error of the effect's estimate, in its units.
    alpha : float
        Significance level.
    power : float
        Probability of detecting the effect.
    sides : {"two-sided", "one-sided"}
        Two-sided test, or one-sided for an increase.

    Returns
    -------
    DetectableEffect
        ``d`` in standard errors and ``value = d × se``; NaN with a ``reason`` when ``se`` is not a positive
        number.

    Raises
    ------
    ValueError
        ``alpha`` or ``power`` out of range, ``sides`` unknown.

    Notes
    -----
    ``statsmodels.stats.power.NormalIndPower().solve_power(effect_size=None, nobs1=1, ratio=0, alpha=alpha,
    power=power, alternative=...)`` — the one-sample normal power equation — gives
    :math:`d \approx z_{1-\alpha/2} + z_{\text{power}}` (2.80 for a two-sided 5% test at 80% power; Bloom, 1995),
    and the minimum detectable effect is :math:`d \cdot se`.

    References
    ----------
    Bloom, H. S. (1995). Minimum detectable effects: A simple way to report the statistical power of
    experimental designs. *Evaluation Review*, 19, 547–556.

    Examples
    --------
    >>> from psychometrics.stats import minimum_detectable_effect_from_se
    >>> m = minimum_detectable_effect_from_se(0.05)
    >>> round(m.d, 3), round(m.value, 4)
    (2.802, 0.1401)
    """
    from statsmodels.stats.power import NormalIndPower

    _check_level(alpha, power)
    if sides not in SIDES:
        raise ValueError(f"sides must be one of {list(SIDES)}, got {sides!r}")
    alternative = "two-sided" if sides == "two-sided" else "larger"
    method = (f"statsmodels NormalIndPower().solve_power(nobs1=1, ratio=0, alpha={alpha:g}, power={power:g}, "
              f"alternative={alternative!r}) × se")
    se = float(se)
    if not (math.isfinite(se) and se > 0):
        return DetectableEffect(d=math.nan, value=math.nan, alpha=alpha, power=power, sides=sides, method=method,
                                reason=f"the standard error {se!r} is not a positive number")
    d = _solve(NormalIndPower(), nobs1=1, ratio=0, alpha=alpha, power=power, alternative=alternative)
    return DetectableEffect(d=d, value=d * se, alpha=alpha, power=power, sides=sides, method=method,
                            reason=None if math.isfinite(d) else "statsmodels found no effect size")
