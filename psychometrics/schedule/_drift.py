"""Drift between two audits of the same design: scale shifts, reliability drops and order-sensitivity rises.

Each check compares one scale of a version with the same scale of its baseline and is *drift* when

1. the 95% confidence interval of the change excludes 0,
2. the change is at least the plan's threshold, in the direction the check looks for, and
3. where the check has a test, its p-value stays below .05 after Holm's adjustment across the scales of that
   check in the comparison (``Check.p_holm``): with many scales, one of them crossing its interval by chance is
   likely, and the comparison report uses the same adjustment. A check without a p-value (the ω version of
   the reliability check) decides by its interval alone.

The statistics are :mod:`psychometrics.stats`'; this module decides what counts as drift and says it in words.

``scale_shift``
    Difference of the mean scale scores across respondents (version − baseline). When the two versions have the
    same respondents (each template × order × sample × persona scored in both, one to one), a paired t interval
    and test on the respondents' differences (:func:`~psychometrics.stats.mean_shift`; R ``t.test(b, a,
    paired = TRUE)``): the respondent-to-respondent spread, which is the same in both versions, cancels. Otherwise
    Welch's t interval and test from each run's mean, SD and number of respondents
    (:func:`~psychometrics.stats.welch_ttest_from_stats`). ``Check.test`` says which. Either direction counts. The threshold is ``Thresholds.scale_shift`` on a 1–5 scale and the same share of
    the score range elsewhere (see :func:`scale_threshold`).
``reliability_drop``
    Baseline minus version of Cronbach's α (or McDonald's ω); interval by MOVER (Zou, 2007,
    :func:`~psychometrics.stats.mover_difference`) from the two runs' own intervals (Feldt for α, bootstrap for ω).
    For α the p-value is Feldt's (1969) test of two independent coefficients
    (:func:`~psychometrics.stats.feldt_two_alpha`).
``order_sensitivity_rise``
    Version minus baseline of the share of answer pairs (one item × template × sample answered in the original
    and in the reversed option order) whose two answers lie on opposite sides of the scale midpoint; Newcombe's
    hybrid score interval (MOVER with Wilson intervals) and the pooled two-proportion z-test
    (:func:`~psychometrics.stats.newcombe_difference`).

Apart from the paired scale shift, the two runs are treated as independent samples of respondents. Answer
pairs within a run share items, so the
pair-level interval of the order check is narrower than a cluster-aware one would be; the size threshold
guards against calling a trivial change drift.

References
----------
Welch, B. L. (1947). The generalization of "Student's" problem when several different population variances are
involved. *Biometrika*, 34, 28–35.
Feldt, L. S. (1969). A test of the hypothesis that Cronbach's alpha or Kuder-Richardson coefficient twenty is the
same for two tests. *Psychometrika*, 34, 363–373.
Zou, G. Y. (2007). Toward using confidence intervals to compare correlations. *Psychological Methods*, 12,
399–413.
Hanley, J. A., & Lippman-Hand, A. (1983). If nothing goes wrong, is everything all right? Interpreting zero
numerators. *JAMA*, 249, 1743–1745.
Newcombe, R. G. (1998). Interval estimation for the difference between independent proportions: comparison of
eleven methods. *Statistics in Medicine*, 17, 873–890.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd

from psychometrics._format import general, interval, num, p_is
from psychometrics.schedule._plan import Thresholds
from psychometrics.schedule._records import Check, CheckKind
from psychometrics.score import EXACT_MIN_MATCHED as EXACT_MIN_RESPONDENTS
from psychometrics.score import matched_scores as matched
from psychometrics.score import readability_note
from psychometrics.stats import (
    equivalence_decision,
    feldt_two_alpha,
    holm,
    mean_shift,
    minimum_detectable_effect,
    minimum_detectable_effect_from_se,
    mover_difference,
    newcombe_difference,
    welch_ttest_from_stats,
)

if TYPE_CHECKING:
    from psychometrics.score import AuditScores, ScaleReliability, ScaleScore, ScaleSensitivity

CI_LEVEL = 0.95
"""Coverage of every interval the checks use."""
DRIFT_SIGNIFICANCE = 1 - CI_LEVEL
"""Significance level of the Holm gate: a check with a test stays drift only when its Holm-adjusted p is below it."""
REFERENCE_RANGE = 4.0
"""``Thresholds.scale_shift`` is given in points of a 1–5 scale, whose range is 4."""

nan = math.nan
_Z95, _Z975 = 1.6448536269514722, 1.959963984540054
"""Standard normal quantiles at .95 and .975."""


# -- intervals ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Interval:
    """A check's change with its interval and test (NaN with a reason when undefined); for a scale shift also the
    90% interval of the TOST and the smallest shift the design could detect."""

    size: float
    ci_low: float
    ci_high: float
    p: float = nan
    reason: str | None = None
    tost_low: float = nan
    tost_high: float = nan
    detectable: float = nan
    degenerate: bool = False
    """The interval has zero width and too little behind it to certify anything (see
    :data:`EXACT_MIN_RESPONDENTS`): the check may find drift but never "no drift"."""


def _finite(*xs: float) -> bool:
    return all(x is not None and math.isfinite(x) for x in xs)


def _welch_interval(mean_a: float, sd_a: float, n_a: int, mean_b: float, sd_b: float, n_b: int) -> Interval:
    """``mean_b − mean_a`` with Welch's interval and p (:func:`psychometrics.stats.welch_ttest_from_stats`).

    When neither version varies the difference is exact for these respondents: the interval is the point and
    ``p`` is NaN with a reason.
    """
    res = welch_ttest_from_stats(mean_a, sd_a, n_a, mean_b, sd_b, n_b, ci=CI_LEVEL)
    if not _finite(res.diff):
        return Interval(nan, nan, nan, reason="a mean score is undefined in one of the versions")
    if not _finite(res.ci_low, res.ci_high):
        return Interval(res.diff, nan, nan,
                        reason=f"too few respondents for an interval (n = {n_a} and {n_b}; need 2 each)")
    narrow = welch_ttest_from_stats(mean_a, sd_a, n_a, mean_b, sd_b, n_b, ci=1 - 2 * DRIFT_SIGNIFICANCE)
    pooled = math.sqrt(((n_a - 1) * sd_a**2 + (n_b - 1) * sd_b**2) / (n_a + n_b - 2))
    mde = minimum_detectable_effect(n_a, n_b, sd=pooled, alpha=DRIFT_SIGNIFICANCE).value if pooled > 0 else 0.0
    if res.se == 0:
        return Interval(res.diff, res.ci_low, res.ci_high,
                        reason="no respondent-to-respondent spread in either version: the difference is exact for "
                               "these respondents, no test applies and a zero-width interval certifies nothing",
                        tost_low=res.diff, tost_high=res.diff, detectable=mde, degenerate=True)
    return Interval(res.diff, res.ci_low, res.ci_high, res.p, tost_low=narrow.ci_low, tost_high=narrow.ci_high,
                    detectable=mde)


def _paired_interval(a: pd.Series, b: pd.Series) -> Interval:
    """``b − a`` over respondents scored in both versions: the paired t interval and test
    (:func:`psychometrics.stats.mean_shift`), the 90% interval of the TOST and the paired detectable shift.

    When every difference is 0 the interval is the point 0: it certifies "no drift" only from
    :data:`EXACT_MIN_RESPONDENTS` matched respondents on (otherwise ``degenerate``)."""
    res = mean_shift(a, b, ci=CI_LEVEL)
    n = res.n
    if not _finite(res.diff):
        return Interval(nan, nan, nan, reason="no respondent has a score in both versions")
    if not _finite(res.ci_low, res.ci_high):
        return Interval(res.diff, nan, nan, reason=f"too few matched respondents for an interval (n = {n}; need 2)")
    if res.sd_diff == 0:
        exact = f"every one of the {n} matched respondents changes by exactly {num(res.diff, signed=True)}"
        if res.diff == 0 and n >= EXACT_MIN_RESPONDENTS:
            return Interval(0.0, 0.0, 0.0, reason=f"{exact}: no test applies; with {n} respondents the share that "
                            f"would change is at most {3 / n:.2f} (rule of three)", tost_low=0.0, tost_high=0.0,
                            detectable=0.0)
        if res.diff == 0:
            why = (f"a zero-width interval from only {n} matched respondents (at least {EXACT_MIN_RESPONDENTS} "
                   "needed before an exact 0 certifies anything)")
        else:
            why = (f"no spread in the differences, so the t test does not apply; the exact sign test gives "
                   f"p = {res.p:.3g} (drift only below {DRIFT_SIGNIFICANCE:g})")
        return Interval(res.diff, res.ci_low, res.ci_high, res.p, reason=f"{exact}: {why}",
                        tost_low=res.diff, tost_high=res.diff, detectable=nan, degenerate=True)
    narrow = mean_shift(a, b, ci=1 - 2 * DRIFT_SIGNIFICANCE)
    mde = minimum_detectable_effect(n, sd=res.sd_diff, alpha=DRIFT_SIGNIFICANCE, paired=True).value
    return Interval(res.diff, res.ci_low, res.ci_high, res.p, tost_low=narrow.ci_low, tost_high=narrow.ci_high,
                    detectable=mde)


def _newcombe_interval(p_a: float, n_a: int, p_b: float, n_b: int) -> Interval:
    """``p_b − p_a`` of the shares of flipped pairs among ``n_a`` and ``n_b`` answer pairs, with Newcombe's interval
    and the two-proportion test (:func:`psychometrics.stats.newcombe_difference`)."""
    if not _finite(p_a, p_b):
        return Interval(nan, nan, nan, reason="the share is undefined in one of the versions")
    if n_a < 1 or n_b < 1:
        return Interval(nan, nan, nan, reason="no answer pairs in one of the versions")
    res = newcombe_difference(round(p_a * n_a), n_a, round(p_b * n_b), n_b, ci=CI_LEVEL)
    if _finite(res.p):
        return Interval(res.estimate, res.ci_low, res.ci_high, res.p)
    why = "no answer pair flips in either version" if p_a + p_b == 0 else "every answer pair flips in both versions"
    return Interval(res.estimate, res.ci_low, res.ci_high, nan, f"{why}: no test (the interval still applies)")


# -- thresholds ------------------------------------------------------------------------------------------------


def scale_threshold(scale: ScaleScore, thresholds: Thresholds) -> tuple[float, str]:
    """The scale-shift threshold for ``scale`` in its own score points, and the units in words.

    ``scale_shift`` is in points of a 1–5 scale (range 4); a scale with another range gets the same share of
    its range, ``scale_shift / 4 × (score_max − score_min)``. ``scale_shift_percent`` (percentage-scored
    scenario scales) and ``scale_shift_sum`` (signed sums such as the OEJTS) replace that when given.

    Examples
    --------
    0.3 on a 1–5 scale is 0.3 points; on a 0–100 percent scale 7.5 points; on the OEJTS IE sum (14–46) 2.4.
    """
    span = scale.score_max - scale.score_min
    if scale.scoring == "high_choice_percent":
        if thresholds.scale_shift_percent is not None:
            return thresholds.scale_shift_percent, "percentage points"
        return thresholds.scale_shift / REFERENCE_RANGE * span, "percentage points"
    if scale.scoring == "signed_sum":
        if thresholds.scale_shift_sum is not None:
            return thresholds.scale_shift_sum, "score points"
        return thresholds.scale_shift / REFERENCE_RANGE * span, "score points"
    return thresholds.scale_shift / REFERENCE_RANGE * span, f"points on the {general(scale.score_min)}–{general(scale.score_max)} scale"


# -- the checks ------------------------------------------------------------------------------------------------


def _decide(kind: CheckKind, iv: Interval, threshold: float) -> bool:
    if not _finite(iv.size, iv.ci_low, iv.ci_high):
        return False
    if iv.degenerate and _finite(iv.p):
        # a zero-width interval always "excludes" 0: only the exact test (the sign test) can show drift
        return iv.p < DRIFT_SIGNIFICANCE and (abs(iv.size) if kind == "scale_shift" else iv.size) >= threshold
    if kind == "scale_shift":
        excludes = iv.ci_low > 0 or iv.ci_high < 0
        return excludes and abs(iv.size) >= threshold
    return iv.ci_low > 0 and iv.size >= threshold


def three_way(kind: CheckKind, iv: Interval, threshold: float, drift: bool) -> tuple[str, float]:
    """The check's verdict (``drift``, ``no drift``, ``inconclusive``, ``not assessed``) and detectable change.

    ``drift`` is the Holm-gated decision. ``no drift`` needs the change shown to be small: for a scale shift the
    90% Welch interval (the TOST at α = .05, Schuirmann 1987) inside ±threshold; for a reliability drop or an
    order-sensitivity rise (one-sided) the one-sided 95% upper bound below the threshold — the 95% MOVER or
    Newcombe interval's upper half-width scaled by z(.95)/z(.975), both being built from normal-theory
    half-widths (Zou, 2007). Otherwise inconclusive.
    The detectable change: Welch power for a shift (statsmodels), z power from the interval's standard error
    otherwise (:func:`psychometrics.stats.minimum_detectable_effect_from_se`).
    """
    if not _finite(iv.size):
        return "not assessed", nan
    if kind == "scale_shift":
        detectable = iv.detectable
    elif _finite(iv.ci_low, iv.ci_high):
        se = (iv.ci_high - iv.ci_low) / (2 * _Z975)
        detectable = minimum_detectable_effect_from_se(se, sides="one-sided").value if se > 0 else 0.0
    else:
        detectable = nan
    if drift:
        return "drift", detectable
    if iv.degenerate:
        return "inconclusive", detectable
    if kind == "scale_shift":
        low, high = (iv.tost_low, iv.tost_high) if _finite(iv.tost_low) else (iv.ci_low, iv.ci_high)
        decision = equivalence_decision(iv.size, iv.ci_low, iv.ci_high, bound=threshold, ci_level=CI_LEVEL,
                                        equivalence_ci=(low, high), equivalence_level=1 - 2 * DRIFT_SIGNIFICANCE)
    else:
        # the one-sided 95% upper bound (the TOST at α = .05): the 95% interval's upper half-width scaled by
        # z(.95) / z(.975), as MOVER and Newcombe intervals are built from normal-theory half-widths
        upper = iv.size + (iv.ci_high - iv.size) * _Z95 / _Z975 if _finite(iv.ci_high) else nan
        low = iv.size - (iv.size - iv.ci_low) * _Z95 / _Z975 if _finite(iv.ci_low) else nan
        decision = equivalence_decision(iv.size, iv.ci_low, iv.ci_high, bound=threshold, sides="one-sided",
                                        ci_level=CI_LEVEL, equivalence_ci=(low, upper),
                                        equivalence_level=1 - 2 * DRIFT_SIGNIFICANCE)
    return ("no drift" if decision.verdict == "equivalent" else "inconclusive"), detectable


def compare_scores(baseline: AuditScores, version: AuditScores, thresholds: Thresholds, *,
                   respondents: tuple[pd.DataFrame, pd.DataFrame] | None = None) -> list[Check]:
    """Every check of every scale the two audits share, in the order of the baseline's scales.

    Parameters
    ----------
    baseline, version : AuditScores
        Scores of the two runs (see :func:`psychometrics.score.score`); the same design is assumed.
    thresholds : Thresholds
        The plan's thresholds.
    respondents : (DataFrame, DataFrame), optional
        Each run's scale score per respondent (``respondent``, ``inventory``, ``scale``, ``score``: see
        :func:`psychometrics.score.respondent_frame`). When a scale's respondents match one to one the scale shift
        is paired; without them, or when they do not match, it is Welch's on the summaries.

    Returns
    -------
    list of Check
        Per scale: ``scale_shift``, ``reliability_drop``, ``order_sensitivity_rise``. A check that cannot be
        made has NaN numbers, ``drift = False`` and a ``reason``.
    """
    new_scales = {(s.inventory, s.scale): s for s in version.scales}
    rel_a = {(r.inventory, r.scale): r for r in baseline.reliability}
    rel_b = {(r.inventory, r.scale): r for r in version.reliability}
    sens_a = {(s.inventory, s.scale): s for s in baseline.sensitivity}
    sens_b = {(s.inventory, s.scale): s for s in version.sensitivity}
    ids = {
        "baseline_model": baseline.run.model or baseline.run.run_id or "baseline",
        "model": version.run.model or version.run.run_id or "version",
        "baseline_run_id": baseline.run.run_id or "",
        "run_id": version.run.run_id or "",
    }
    checks: list[Check] = []
    for a in baseline.scales:
        key = (a.inventory, a.scale)
        b = new_scales.get(key)
        if b is None:
            continue
        pair = _scores_of(respondents, key) if respondents is not None else None
        checks.append(readable_gate(_shift(a, b, thresholds, ids, pair), a, b))
        checks.append(readable_gate(_reliability(a, rel_a.get(key), rel_b.get(key), thresholds, ids), a, b))
        checks.append(_order(a, sens_a.get(key), sens_b.get(key), thresholds, ids))
    return _holm_gate(checks)


def _unreadable(scale: ScaleScore, state: bool | None, model: str) -> str | None:
    return readability_note(scale, f"version {model}") if scale.interpretable is state else None


def readable_gate(check: Check, baseline: ScaleScore, version: ScaleScore) -> Check:
    """A scale shift or reliability drop of a scale that cannot be read as a trait in either version is *not
    assessable*: no "no drift" (nor "inconclusive") is certified about a score made by option position,
    acquiescence or straight-lining. A scale whose reading is only uncertain in a version (an index
    inconclusive, none flagged) is never certified either: its "no drift" becomes *inconclusive* (whether the
    scores measure the trait is itself undecided). Drift stays drift (the answers did change). Either way the
    reason is noted, and either way the plan cannot exit 0 on it."""
    if check.kind == "order_sensitivity_rise":  # answering behaviour itself: meaningful whatever the scores mean
        return check
    ids = ((baseline, check.baseline_model), (version, check.model))
    hard = [w for s, m in ids if (w := _unreadable(s, False, m))]
    soft = [w for s, m in ids if (w := _unreadable(s, None, m))]
    if not hard and not soft:
        return check
    note = "; ".join(hard + soft)
    reason = f"{check.reason}; {note}" if check.reason else note
    verdict = check.verdict
    if hard and verdict != "not assessed":
        verdict = "not assessable"
    elif soft and verdict == "no drift":
        verdict = "inconclusive"
    return check.model_copy(update={"verdict": verdict, "reason": reason})


def _holm_gate(checks: list[Check], significance: float = DRIFT_SIGNIFICANCE) -> list[Check]:
    """Holm-adjust the p-values of each kind of check across scales; a check stays drift only if its adjusted
    p-value is below ``significance`` (checks without a p-value keep their interval decision)."""
    out = list(checks)
    for kind in ("scale_shift", "reliability_drop", "order_sensitivity_rise"):
        idx = [i for i, c in enumerate(out) if c.kind == kind]
        adjusted = holm([out[i].p for i in idx])
        for i, p_holm in zip(idx, adjusted):
            c = out[i]
            drift = c.drift and not (_finite(p_holm) and p_holm >= significance)
            verdict = c.verdict  # before the gate a check holds its verdict as if it were not drift
            if verdict == "not assessed" and _finite(c.size):  # a check built elsewhere: judge its own interval
                verdict = three_way(c.kind, Interval(c.size, c.ci_low, c.ci_high, c.p), c.threshold, False)[0]
            verdict = "drift" if drift else verdict
            c = c.model_copy(update={"p_holm": p_holm, "drift": drift, "verdict": verdict})
            out[i] = c.model_copy(update={"summary": _summary(c, p_holm, drift, len(idx))})
    return out


_LABELS = {"scale_shift": "shift", "reliability_drop": "drop", "order_sensitivity_rise": "rise"}


def _p(p: float) -> str:
    return f", p {p_is(p)}" if _finite(p) else ""


def _make(kind: CheckKind, scale: ScaleScore, ids: dict[str, str], *, statistic: str, baseline_value: float,
          value: float, iv: Interval, threshold: float, units: str, test: str) -> Check:
    """The check before the Holm adjustment, with its verdict as if it were not drift (:func:`_holm_gate`
    completes ``p_holm``, ``drift``, the verdict ``drift`` and ``summary``)."""
    verdict, detectable = three_way(kind, iv, threshold, drift=False)
    return Check(
        kind=kind, inventory=scale.inventory, scale=scale.scale, scale_name=scale.name, statistic=statistic,
        baseline_value=baseline_value, value=value, size=iv.size, ci_low=iv.ci_low, ci_high=iv.ci_high,
        ci_level=CI_LEVEL, threshold=threshold, units=units, test=test, p=iv.p, drift=_decide(kind, iv, threshold),
        verdict=verdict, detectable=detectable, reason=iv.reason, summary="", **ids,
    )


def _short_name(c: Check) -> str:
    if c.kind == "reliability_drop":
        return "α" if c.statistic == "Cronbach's alpha" else "ω"
    return "mean score" if c.kind == "scale_shift" else "flipped pairs"


def _summary(c: Check, p_holm: float, drift: bool, m: int) -> str:
    where = f"{c.inventory}/{c.scale}"
    values = f"{_short_name(c)} {num(c.baseline_value)} → {num(c.value)}"
    if not _finite(c.size):
        return f"{where}: {values}: not compared ({c.reason or 'undefined'})"
    sign = "±" if c.kind == "scale_shift" else ""
    unit = f" {c.units}" if c.kind == "scale_shift" else ""
    holm_text = f", Holm p across {m} scales {p_is(p_holm)}" if _finite(p_holm) and m > 1 else ""
    word = {"drift": "DRIFT", "no drift": "no drift", "inconclusive": "INCONCLUSIVE",
            "not assessable": "NOT ASSESSABLE"}.get(c.verdict, c.verdict)
    if c.verdict == "inconclusive":
        word += (f" (the interval reaches past the threshold; the design could only detect changes of "
                 f"{num(c.detectable)} or more)" if _finite(c.detectable) else " (the interval reaches past the "
                 "threshold)")
    if c.verdict == "not assessable" or (c.reason and "readable in version" in c.reason):
        word += f" ({c.reason})"
    return (f"{where}: {values} ({_LABELS[c.kind]} {num(c.size, signed=True)}{unit}, {_ci(c.ci_low, c.ci_high)}"
            f"{_p(c.p)}{holm_text}; threshold {sign}{num(c.threshold)}): {word}")


def _ci(low: float, high: float) -> str:
    return f"95% CI {interval(low, high, signed=True)}" if _finite(low, high) else "no interval"


def _scores_of(respondents: tuple[pd.DataFrame, pd.DataFrame], key: tuple[str, str]) -> tuple[pd.Series, pd.Series]:
    def one(frame: pd.DataFrame) -> pd.Series:
        if "respondent" not in frame.columns:
            return pd.Series(dtype=float)
        part = frame[(frame["inventory"] == key[0]) & (frame["scale"] == key[1])]
        return pd.Series(part["score"].to_numpy(dtype=float), index=part["respondent"].astype(str).to_numpy())
    return one(respondents[0]), one(respondents[1])


def _shift(a: ScaleScore, b: ScaleScore, thresholds: Thresholds, ids: dict[str, str],
           pair: tuple[pd.Series, pd.Series] | None = None) -> Check:
    threshold, units = scale_threshold(a, thresholds)
    if pair is not None and matched(*pair):
        iv = _paired_interval(*pair)
        test = (f"paired t over {len(pair[0].dropna())} matched respondents (the same template × order × sample × "
                "persona in both versions)")
    else:
        iv = _welch_interval(a.mean, a.sd, a.n, b.mean, b.sd, b.n)
        test = ("Welch's t (difference of means across respondents; independent: "
                + ("the versions' respondents do not match one to one)" if pair is not None
                   else "respondent scores not given)"))
    return _make("scale_shift", a, ids, statistic="mean score", baseline_value=a.mean, value=b.mean, iv=iv,
                 threshold=threshold, units=units, test=test)


def _reliability(scale: ScaleScore, ra: ScaleReliability | None, rb: ScaleReliability | None,
                 thresholds: Thresholds, ids: dict[str, str]) -> Check:
    coefficient = thresholds.reliability_coefficient
    name = "Cronbach's alpha" if coefficient == "alpha" else "McDonald's omega"
    symbol = "α" if coefficient == "alpha" else "ω"
    ea = getattr(ra, coefficient, None) if ra else None
    eb = getattr(rb, coefficient, None) if rb else None
    if ea is None or eb is None:
        iv = Interval(nan, nan, nan, reason="no reliability for this scale in one of the versions")
        va = vb = nan
    else:
        va, vb = ea.value, eb.value
        mover = mover_difference(va, ea.ci_low, ea.ci_high, vb, eb.ci_low, eb.ci_high)
        no_interval = None if _finite(mover.ci_low) else "a version's coefficient has no interval"
        if not _finite(va) or not _finite(vb):
            why = ea.reason if not _finite(va) else eb.reason
            iv = Interval(nan, nan, nan, reason=f"{name} is undefined in one of the versions"
                          + (f" ({why})" if why else ""))
        elif coefficient == "alpha":
            iv = Interval(mover.estimate, mover.ci_low, mover.ci_high, feldt_two_alpha(va, ea.n, vb, eb.n).p,
                          no_interval)
        else:
            iv = Interval(mover.estimate, mover.ci_low, mover.ci_high, nan,
                          no_interval or "no closed-form test for two ω: the decision uses the interval")
    test = ("MOVER interval (Zou 2007) from the Feldt intervals; Feldt (1969) test" if coefficient == "alpha"
            else "MOVER interval (Zou 2007) from the bootstrap intervals")
    return _make("reliability_drop", scale, ids, statistic=name, baseline_value=va, value=vb, iv=iv,
                 threshold=thresholds.reliability_drop, units=f"{symbol} (coefficient points)", test=test)


def _order(scale: ScaleScore, sa: ScaleSensitivity | None, sb: ScaleSensitivity | None, thresholds: Thresholds,
           ids: dict[str, str]) -> Check:
    if sa is None or sb is None:
        iv = Interval(nan, nan, nan, reason="no order-sensitivity analysis in one of the versions")
        va = vb = nan
    else:
        oa, ob = sa.order, sb.order
        va, vb = oa.pair_flip_share, ob.pair_flip_share
        if oa.n_pairs < 1 or ob.n_pairs < 1:
            why = oa.reason or ob.reason or "the design needs the original and the reversed order"
            iv = Interval(nan, nan, nan, reason=f"no original/reversed answer pairs ({why})")
        else:
            iv = _newcombe_interval(va, oa.n_pairs, vb, ob.n_pairs)
    return _make("order_sensitivity_rise", scale, ids, statistic="share of answer pairs that flip when the "
                 "options are reversed", baseline_value=va, value=vb, iv=iv,
                 threshold=thresholds.order_sensitivity_rise, units="share of pairs",
                 test="Newcombe hybrid score interval; two-proportion z-test")
