"""Three-way decisions: hand-checked intervals, the TOST against pingouin and statsmodels, and the minimum
detectable effect against R's ``power.t.test``."""

from __future__ import annotations

import math

import numpy as np
import pytest

import psychometrics.stats._equivalence as equivalence_module
from psychometrics.stats import (
    EquivalenceDecision,
    equivalence_decision,
    equivalence_test,
    minimum_detectable_effect,
    minimum_detectable_effect_from_se,
    welch_ttest,
)
from tests.stats.conftest import run_doctests


def test_doctests():
    run_doctests(equivalence_module)


# ------------------------------------------------------------------------------------------------------------
# from an estimate and its interval (hand-checked)


@pytest.mark.parametrize(
    ("estimate", "low", "high", "verdict"),
    [
        (0.05, -0.12, 0.20, "equivalent"),   # inside ±0.5
        (0.70, 0.30, 1.10, "different"),     # excludes 0 and 0.70 ≥ 0.5
        (-0.70, -1.10, -0.30, "different"),  # the other direction counts too
        (0.67, -0.77, 2.10, "inconclusive"),  # the 3-vs-3 drift: includes 0 and reaches past 0.5
        (0.30, 0.10, 0.55, "inconclusive"),  # excludes 0 but 0.30 < 0.5, and 0.55 is past the bound
        (0.50, 0.10, 0.90, "different"),     # at the bound counts as reaching it
        (0.45, -0.05, 0.50, "inconclusive"),  # an interval ending exactly at the bound is not inside it
    ],
)
def test_two_sided_decisions(estimate, low, high, verdict):
    d = equivalence_decision(estimate, low, high, bound=0.5)
    assert d.verdict == verdict
    assert (d.lower_bound, d.upper_bound) == (-0.5, 0.5)


@pytest.mark.parametrize(
    ("estimate", "low", "high", "verdict"),
    [
        (0.02, -0.01, 0.04, "equivalent"),   # α drop: the upper end is below 0.05
        (-0.20, -0.40, 0.03, "equivalent"),  # a rise in α is fine however large
        (0.08, 0.02, 0.14, "different"),     # a drop of 0.08 > 0.05 that excludes 0
        (0.03, 0.01, 0.06, "inconclusive"),  # a real but small drop whose interval passes the bound
        (0.06, -0.01, 0.13, "inconclusive"),
    ],
)
def test_one_sided_decisions(estimate, low, high, verdict):
    d = equivalence_decision(estimate, low, high, bound=0.05, sides="one-sided")
    assert d.verdict == verdict
    assert d.lower_bound == -math.inf and d.upper_bound == 0.05


def test_asymmetric_bounds_and_words():
    d = equivalence_decision(0.1, 0.02, 0.18, bound=(-0.3, 0.2), ci_level=0.95)
    assert d.verdict == "equivalent"
    assert d.reason == "the 95% interval [0.02, 0.18] lies inside (−0.3, 0.2): the effect is smaller than the bound"
    d = equivalence_decision(0.67, -0.77, 2.10, bound=0.5, ci_level=0.95, detectable=2.9)
    assert d.reason == ("the 95% interval [−0.77, 2.1] neither lies inside ±0.5 nor excludes 0; the design could only "
                        "detect effects of 2.9 or more")


def test_a_separate_tost_interval_decides_equivalence():
    # Welch from summaries, as the schedule has them: the 90% interval for the TOST, the 95% one for a difference
    w95 = welch_ttest([3.0, 3.1, 2.9, 3.2, 2.8] * 4, [3.1, 3.2, 3.0, 3.3, 2.9] * 4, ci=0.95)
    w90 = welch_ttest([3.0, 3.1, 2.9, 3.2, 2.8] * 4, [3.1, 3.2, 3.0, 3.3, 2.9] * 4, ci=0.90)
    d = equivalence_decision(w95.diff, w95.ci_low, w95.ci_high, ci_level=0.95, bound=0.18,
                             equivalence_ci=(w90.ci_low, w90.ci_high), equivalence_level=0.90)
    assert w90.ci_high < 0.18 < w95.ci_high  # equivalent by the TOST at .05, not by the 95% interval
    assert d.verdict == "equivalent" and d.reason.startswith("the 90% interval")
    assert equivalence_decision(w95.diff, w95.ci_low, w95.ci_high, bound=0.18).verdict == "inconclusive"
    with pytest.raises(ValueError, match="pair"):
        equivalence_decision(0.1, 0.0, 0.2, bound=0.5, equivalence_ci=(0.0,))


def test_missing_numbers_are_not_made_up():
    assert equivalence_decision(math.nan, math.nan, math.nan, bound=0.5).verdict == "not assessed"
    d = equivalence_decision(0.2, math.nan, math.nan, bound=0.5)
    assert d.verdict == "inconclusive" and "no confidence interval" in d.reason
    back = EquivalenceDecision.model_validate_json(d.model_dump_json())
    assert math.isnan(back.ci_low) and back.verdict == "inconclusive"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"bound": 0}, "positive"),
        ({"bound": -1}, "positive"),
        ({"bound": (0.1, 0.5)}, "lower < 0 < upper"),
        ({"bound": (-0.1, 0.5), "sides": "one-sided"}, "one bound"),
        ({"bound": 0.5, "sides": "greater"}, "sides must be one of"),
    ],
)
def test_bad_bounds(kwargs, message):
    with pytest.raises(ValueError, match=message):
        equivalence_decision(0.1, 0.0, 0.2, **kwargs)


# ------------------------------------------------------------------------------------------------------------
# from data: TOST against pingouin and statsmodels


def groups(shift: float, n: int, seed: int, sd_b: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.normal(3.0, 1.0, n), rng.normal(3.0 + shift, sd_b, n + 3)


@pytest.mark.parametrize(("shift", "n", "seed"), [(0.0, 40, 1), (0.2, 25, 2), (1.0, 30, 3), (0.0, 6, 4)])
def test_tost_p_matches_pingouin_and_the_intervals_match_welch(shift, n, seed):
    import pingouin

    a, b = groups(shift, n, seed, sd_b=1.4)
    r = equivalence_test(a, b, bound=0.5)
    # pingouin.tost(x, y) tests mean(x) − mean(y); correction=True is Welch's
    theirs = pingouin.tost(b, a, bound=0.5, correction=True)
    assert r.p_equivalence == pytest.approx(float(theirs["pval"].iloc[0]), rel=1e-9)
    assert r.estimate == pytest.approx(b.mean() - a.mean(), abs=1e-12)
    w90, w95 = welch_ttest(a, b, ci=0.90), welch_ttest(a, b, ci=0.95)
    assert (r.equivalence_ci_low, r.equivalence_ci_high) == pytest.approx((w90.ci_low, w90.ci_high), abs=1e-12)
    assert (r.ci_low, r.ci_high) == pytest.approx((w95.ci_low, w95.ci_high), abs=1e-12)
    assert r.p_difference == pytest.approx(w95.p, abs=1e-12)
    # the TOST at α rejects exactly when the 1 − 2α interval lies inside the bounds
    assert (r.p_equivalence < 0.05) == (-0.5 < r.equivalence_ci_low and r.equivalence_ci_high < 0.5)
    assert (r.verdict == "equivalent") == (r.p_equivalence < 0.05)


def test_verdicts_on_simulated_designs():
    same = equivalence_test(*groups(0.0, 200, 10), bound=0.5)
    assert same.verdict == "equivalent"
    shifted = equivalence_test(*groups(1.0, 60, 11), bound=0.5)
    assert shifted.verdict == "different"
    tiny = equivalence_test(*groups(0.67, 3, 12), bound=0.5)  # 3 vs 6: cannot tell
    assert tiny.verdict == "inconclusive"
    assert tiny.detectable > 1.5 and "could only detect" in tiny.reason


def test_one_sided_tost_matches_statsmodels_and_scipy():
    from scipy import stats

    a, b = groups(0.1, 50, 5)
    r = equivalence_test(a, b, bound=0.6, sides="one-sided")
    # H0: mean(b) − mean(a) ≥ 0.6, Welch: scipy's one-sided test of the shifted difference
    expected = stats.ttest_ind(b - 0.6, a, equal_var=False, alternative="less").pvalue
    assert r.p_equivalence == pytest.approx(expected, rel=1e-9)
    assert r.verdict == "equivalent" and r.equivalence_ci_high < 0.6
    assert r.p_difference == pytest.approx(stats.ttest_ind(b, a, equal_var=False, alternative="greater").pvalue,
                                           rel=1e-9)


def test_paired_tost_matches_pingouin():
    import pingouin

    rng = np.random.default_rng(7)
    a = rng.normal(3, 1, 40)
    b = a + rng.normal(0.1, 0.3, 40)
    r = equivalence_test(a, b, bound=0.3, paired=True)
    theirs = pingouin.tost(b, a, bound=0.3, paired=True)
    assert r.p_equivalence == pytest.approx(float(theirs["pval"].iloc[0]), rel=1e-9)
    assert r.n == 40 and r.estimate == pytest.approx((b - a).mean(), abs=1e-12)
    with pytest.raises(ValueError, match="same length"):
        equivalence_test(a, b[:-1], bound=0.3, paired=True)


def test_data_edge_cases():
    assert equivalence_test([], [1.0, 2.0], bound=0.5).verdict == "not assessed"
    one = equivalence_test([3.0], [3.2, 3.4], bound=0.5)
    assert one.verdict == "inconclusive" and math.isnan(one.detectable)
    exact = equivalence_test([3.0, 3.0, 3.0], [3.1, 3.1], bound=0.5)  # nothing varies: the difference is exact
    assert exact.verdict == "equivalent" and exact.ci_low == exact.ci_high == pytest.approx(0.1)


# ------------------------------------------------------------------------------------------------------------
# minimum detectable effect against R

# R 4.x, stats::power.t.test(sig.level = .05, power = .8, strict = TRUE, tol = 1e-12)$delta — strict counts both
# tails of a two-sided test, as statsmodels does; R's default tolerance (1.2e-4) would leave the 4th decimal loose:
#   n = 30 → 0.73562107; n = 3 → 3.07089227; n = 10, type = "paired" → 0.99600137;
#   n = 20, alternative = "one.sided" → 0.80068034


@pytest.mark.parametrize(
    ("kwargs", "r_delta"),
    [
        ({"n_a": 30, "n_b": 30}, 0.73562107),
        ({"n_a": 3, "n_b": 3}, 3.07089227),
        ({"n_a": 10, "paired": True}, 0.99600137),
        ({"n_a": 20, "n_b": 20, "sides": "one-sided"}, 0.80068034),
    ],
)
def test_minimum_detectable_effect_matches_r(kwargs, r_delta):
    m = minimum_detectable_effect(**kwargs, sd=0.5)
    assert m.d == pytest.approx(r_delta, abs=1e-5)
    assert m.value == pytest.approx(0.5 * r_delta, abs=1e-5)


def test_minimum_detectable_effect_shrinks_with_n_and_needs_two():
    ds = [minimum_detectable_effect(n, n).d for n in (3, 10, 30, 100)]
    assert ds == sorted(ds, reverse=True)
    assert math.isnan(minimum_detectable_effect(1, 5).d)
    assert "at least 2" in minimum_detectable_effect(1, 5).reason
    assert math.isnan(minimum_detectable_effect(10).value)  # no SD: only the standardised effect
    with pytest.raises(ValueError, match="alpha"):
        minimum_detectable_effect(10, 10, alpha=0.7)


def test_minimum_detectable_effect_from_se_is_bloom():
    from scipy import stats

    m = minimum_detectable_effect_from_se(0.1)
    assert m.d == pytest.approx(stats.norm.ppf(0.975) + stats.norm.ppf(0.8), abs=1e-4)
    one = minimum_detectable_effect_from_se(0.1, sides="one-sided")
    assert one.d == pytest.approx(stats.norm.ppf(0.95) + stats.norm.ppf(0.8), abs=1e-4)
    assert math.isnan(minimum_detectable_effect_from_se(0.0).d)
