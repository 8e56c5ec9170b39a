"""Drift checks: the intervals in the schedule's words, thresholds, and the decision rule.

The statistics behind them (Welch, Newcombe, MOVER, Feldt) are psychometrics.stats' and are tested in tests/stats."""

from __future__ import annotations

import math

import pytest

from psychometrics.schedule import Thresholds, scale_threshold
import pandas as pd

from psychometrics.schedule._drift import (
    Interval,
    _decide,
    _newcombe_interval,
    _paired_interval,
    _shift,
    _welch_interval,
    matched,
    three_way,
)
from psychometrics.score import ScaleScore


def test_welch_matches_scipy():
    # scipy.stats.ttest_ind_from_stats(3.6, 0.4, 20, 3.0, 0.5, 20, equal_var=False).pvalue = 0.000170537...
    r = _welch_interval(3.0, 0.5, 20, 3.6, 0.4, 20)
    assert r.size == pytest.approx(0.6)
    assert r.p == pytest.approx(0.00017053712036705908, rel=1e-9)
    # df = 36.25...; t(.975, df) = 2.0273...
    assert (r.ci_low, r.ci_high) == pytest.approx((0.3096915112601325, 0.8903084887398677), rel=1e-9)


def test_welch_without_spread_or_respondents():
    exact = _welch_interval(3.0, 0.0, 10, 4.0, 0.0, 10)
    assert (exact.size, exact.ci_low, exact.ci_high) == (1.0, 1.0, 1.0) and math.isnan(exact.p)
    assert "no respondent-to-respondent spread" in exact.reason
    few = _welch_interval(3.0, math.nan, 1, 4.0, 0.5, 10)
    assert math.isnan(few.ci_low) and "too few respondents" in few.reason
    undefined = _welch_interval(math.nan, 0.5, 10, 4.0, 0.5, 10)
    assert math.isnan(undefined.size) and undefined.reason


def test_newcombe_matches_statsmodels():
    # statsmodels confint_proportions_2indep(40, 100, 20, 100, method="newcomb", compare="diff")
    r = _newcombe_interval(0.2, 100, 0.4, 100)
    assert (r.ci_low, r.ci_high) == pytest.approx((0.07311915999619883, 0.3185050993390346), rel=1e-9)
    # prop.test(c(40, 20), c(100, 100), correct = FALSE)$p.value = 0.002028231
    assert r.p == pytest.approx(0.0020282311484520745, rel=1e-9)
    none = _newcombe_interval(0.0, 12, 0.0, 12)
    assert none.size == 0 and none.ci_low < 0 < none.ci_high and math.isnan(none.p)
    assert "no answer pair flips" in none.reason


def _scale(scoring: str, lo: float, hi: float) -> ScaleScore:
    return ScaleScore(inventory="x", scale="s", name="S", scoring=scoring, mean=0.0, sd=1.0, ci_low=0.0,
                      ci_high=0.0, n=10, n_items=2, score_min=lo, score_max=hi)


def test_scale_thresholds_scale_with_the_range():
    t = Thresholds(scale_shift=0.3)
    assert scale_threshold(_scale("mean", 1, 5), t)[0] == pytest.approx(0.3)
    assert scale_threshold(_scale("mean", 1, 7), t)[0] == pytest.approx(0.45)
    assert scale_threshold(_scale("high_choice_percent", 0, 100), t) == (pytest.approx(7.5), "percentage points")
    assert scale_threshold(_scale("signed_sum", 14, 46), t)[0] == pytest.approx(2.4)
    own = Thresholds(scale_shift=0.3, scale_shift_percent=10, scale_shift_sum=3)
    assert scale_threshold(_scale("high_choice_percent", 0, 100), own)[0] == 10
    assert scale_threshold(_scale("signed_sum", 14, 46), own)[0] == 3


@pytest.mark.parametrize(("kind", "iv", "threshold", "drift"), [
    ("scale_shift", Interval(0.5, 0.1, 0.9), 0.3, True),
    ("scale_shift", Interval(-0.5, -0.9, -0.1), 0.3, True),       # either direction
    ("scale_shift", Interval(0.5, -0.1, 1.1), 0.3, False),        # CI includes 0
    ("scale_shift", Interval(0.2, 0.1, 0.3), 0.3, False),         # too small
    ("reliability_drop", Interval(0.15, 0.05, 0.25), 0.1, True),
    ("reliability_drop", Interval(-0.15, -0.25, -0.05), 0.1, False),  # reliability rose
    ("order_sensitivity_rise", Interval(0.3, 0.1, 0.5), 0.2, True),
    ("order_sensitivity_rise", Interval(0.3, math.nan, math.nan), 0.2, False),  # no interval, no verdict
])
def test_decision_rule(kind, iv, threshold, drift):
    assert _decide(kind, iv, threshold) is drift


def _shift_check(scale: str, p: float):
    from psychometrics.schedule._records import Check

    # every one of these passes the interval and size rules on its own
    return Check(kind="scale_shift", inventory="bfi44", scale=scale, scale_name=scale, baseline_model="a",
                 model="b", baseline_run_id="ra", run_id="rb", statistic="mean score", baseline_value=3.0,
                 value=3.5, size=0.5, ci_low=0.05, ci_high=0.95, threshold=0.3, units="points", test="Welch",
                 p=p, drift=True, summary="")


def test_holm_keeps_a_lone_finding_and_drops_a_chance_one_among_many():
    from psychometrics.schedule._drift import _holm_gate

    (alone,) = _holm_gate([_shift_check("e", 0.03)])
    assert alone.drift and alone.p_holm == pytest.approx(0.03)
    assert "DRIFT" in alone.summary and "Holm" not in alone.summary  # one scale: nothing to adjust
    many = _holm_gate([_shift_check("e", 0.03)] + [_shift_check(s, 0.5) for s in "acno"])
    # Holm: 0.03 × 5 = 0.15 ≥ .05, so the lone p = .03 among five scales is no longer drift
    assert [c.p_holm for c in many] == pytest.approx([0.15, 1.0, 1.0, 1.0, 1.0])  # 4 × 0.5 capped at 1
    assert not any(c.drift for c in many)
    # no longer drift, but not "no drift" either: its interval [0.05, 0.95] reaches past ±0.3 (issue 14)
    assert "Holm p across 5 scales = .150" in many[0].summary and "INCONCLUSIVE" in many[0].summary
    assert many[0].verdict == "inconclusive"
    strong = _holm_gate([_shift_check("e", 0.001)] + [_shift_check(s, 0.5) for s in "acno"])
    assert strong[0].drift and strong[0].p_holm == pytest.approx(0.005)
    # a check without a p-value (the ω reliability check) keeps its interval decision
    (no_p,) = _holm_gate([_shift_check("e", math.nan)])
    assert no_p.drift and math.isnan(no_p.p_holm)


def test_paired_interval_matches_scipy_ttest_rel():
    a = pd.Series([3.0, 4.0, 2.5, 5.0, 3.5, 2.0], index=list("abcdef"))
    b = pd.Series([2.5, 4.0, 4.5, 2.0, 4.5, 3.5], index=list("fedcba"))  # matched by respondent, not by position
    # scipy.stats.ttest_rel(b, a) on the aligned pairs (R: t.test(b, a, paired = TRUE)):
    # t = 0.7906, p = 0.46502, 95% CI [-0.37526, 0.70859], 90% CI [-0.25814, 0.59148]
    r = _paired_interval(a, b)
    assert r.size == pytest.approx(1 / 6)
    assert (r.ci_low, r.ci_high) == pytest.approx((-0.37525956749782285, 0.7085929008311561), rel=1e-9)
    assert r.p == pytest.approx(0.46502263826075746, rel=1e-9)
    assert (r.tost_low, r.tost_high) == pytest.approx((-0.2581428303433104, 0.5914761636766435), rel=1e-9)


def test_an_exact_zero_certifies_only_from_30_matched_respondents():
    for n, verdict in ((3, "inconclusive"), (29, "inconclusive"), (30, "no drift")):
        scores = pd.Series([float(i % 5) for i in range(n)], index=[f"r{i}" for i in range(n)])
        iv = _paired_interval(scores, scores.copy())
        assert (iv.size, iv.ci_low, iv.ci_high) == (0, 0, 0)
        assert three_way("scale_shift", iv, 0.3, drift=False)[0] == verdict, n
    # no spread at all in two independent versions: the zero width certifies nothing, however many respondents
    flat = _welch_interval(3.0, 0.0, 100, 3.0, 0.0, 100)
    assert flat.degenerate and three_way("scale_shift", flat, 0.3, drift=False)[0] == "inconclusive"


def test_the_shift_is_paired_only_when_respondents_match_one_to_one():
    a = pd.Series([3.0, 4.0, 2.5], index=["t|o|0|-", "q|o|0|-", "s|o|0|-"])
    assert matched(a, a.copy()) and not matched(a, a.iloc[:2]) and not matched(a.iloc[:1], a.iloc[:1])
    scale = ScaleScore(inventory="x", scale="s", name="S", scoring="mean", mean=3.17, sd=0.76, ci_low=1.3,
                       ci_high=5.0, n=3, n_items=8, score_min=1, score_max=5)
    ids = dict(baseline_model="a", model="b", baseline_run_id="", run_id="")
    paired = _shift(scale, scale, Thresholds(), ids, (a, a + 0.1))
    assert paired.test.startswith("paired t over 3 matched respondents")
    welch = _shift(scale, scale, Thresholds(), ids, (a, a.iloc[:2]))
    assert "independent: the versions' respondents do not match one to one" in welch.test
