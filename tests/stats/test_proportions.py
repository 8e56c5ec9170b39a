"""Proportions: the Wilson interval, Newcombe's difference and the Cochran–Armitage trend, against R and by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

import psychometrics.stats._proportions as proportions_module
from psychometrics.stats import cochran_armitage, newcombe_difference, wilson_ci
from tests.stats.conftest import run_doctests


def test_doctests():
    run_doctests(proportions_module)


def test_wilson_matches_r():
    # R: prop.test(8, 10, correct = FALSE)$conf.int = 0.490162471536642 0.943317848545625
    r = wilson_ci(8, 10)
    assert r.rate == 0.8 and (r.ci_low, r.ci_high) == pytest.approx((0.490162471536642, 0.943317848545625),
                                                                     abs=1e-12)
    # by hand at the edges: 0 of 10 → [0, z²/(n + z²)]
    z2 = stats.norm.ppf(0.975) ** 2
    zero = wilson_ci(0, 10)
    assert zero.ci_low == 0.0 and zero.ci_high == pytest.approx(z2 / (10 + z2), abs=1e-12)
    assert wilson_ci(10, 10).ci_high == pytest.approx(1.0, abs=1e-15)
    none = wilson_ci(0, 0)
    assert math.isnan(none.rate) and math.isnan(none.ci_low) and none.reason == "no trials"
    with pytest.raises(ValueError, match="count must lie between 0 and n"):
        wilson_ci(11, 10)


def test_newcombe_matches_statsmodels_and_r():
    # statsmodels confint_proportions_2indep(40, 100, 20, 100, method="newcomb", compare="diff")
    r = newcombe_difference(20, 100, 40, 100)
    assert r.estimate == pytest.approx(0.2)
    assert (r.ci_low, r.ci_high) == pytest.approx((0.07311915999619883, 0.3185050993390346), rel=1e-9)
    # prop.test(c(40, 20), c(100, 100), correct = FALSE)$p.value = 0.002028231
    assert r.p == pytest.approx(0.0020282311484520745, rel=1e-9)
    none = newcombe_difference(0, 12, 0, 12)
    assert none.estimate == 0 and none.ci_low < 0 < none.ci_high and math.isnan(none.p)
    assert "no event in either group" in none.reason
    assert "every trial" in newcombe_difference(5, 5, 7, 7).reason
    assert math.isnan(newcombe_difference(0, 0, 3, 7).estimate)


def test_cochran_armitage_equals_n_times_r_squared():
    refused, totals, scores = [1, 2, 4, 8, 9], [20, 25, 20, 30, 20], [1, 3, 5, 7, 9]
    res = cochran_armitage(refused, totals, scores)
    z, p, reason = res.statistic, res.p, res.reason
    x = np.concatenate([np.full(n, s) for s, n in zip(scores, totals)])
    y = np.concatenate([np.r_[np.ones(r), np.zeros(n - r)] for r, n in zip(refused, totals)])
    r = np.corrcoef(x, y)[0, 1]
    assert reason is None
    assert z == pytest.approx(math.sqrt(len(x)) * r, rel=1e-12)
    assert p == pytest.approx(2 * stats.norm.sf(abs(z)), rel=1e-12)
    z_down = cochran_armitage(refused[::-1], totals[::-1], scores).statistic
    assert z_down < 0
    assert (res.n, res.n_events) == (115, 24)


def test_cochran_armitage_matches_r():
    # R: prop.trend.test(c(1, 2, 4, 8), c(20, 20, 20, 20), score = c(1, 2, 3, 4))
    #    X-squared = 8.681025641026, df = 1, p-value = 0.00321539984616
    res = cochran_armitage([1, 2, 4, 8], [20, 20, 20, 20], [1, 2, 3, 4])
    assert res.statistic**2 == pytest.approx(8.681025641026, abs=1e-10)
    assert res.p == pytest.approx(0.00321539984616, abs=1e-13)


def test_cochran_armitage_undefined() -> None:
    assert "no refusals" in cochran_armitage([0, 0], [5, 5], [1, 9]).reason  # type: ignore[operator]
    assert "every answer" in cochran_armitage([5, 5], [5, 5], [1, 9]).reason  # type: ignore[operator]
    assert "nothing was asked" in cochran_armitage([0, 0], [0, 0], [1, 9]).reason  # type: ignore[operator]
    assert math.isnan(cochran_armitage([1, 2], [5, 5], [3, 3]).statistic)
