"""Norm comparison: z, percentile, t-test and Cohen's d by hand and against scipy; the undefined cases."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

import psychometrics.stats._norms as norms_module
from psychometrics.stats import norm_comparison
from tests.stats.conftest import run_doctests


def test_norm_comparison_by_hand():
    scores = [3.8, 4.0, 4.2, 3.9, 4.1]
    # mean 4.0; deviations −.2, 0, .2, −.1, .1 → SS .1, SD √(.1/4) = .158114
    res = norm_comparison(scores, mean=3.5, sd=0.5)
    sd = math.sqrt(0.1 / 4)
    assert res.n == 5 and res.model_mean == pytest.approx(4.0) and res.model_sd == pytest.approx(sd)
    assert res.z == pytest.approx(1.0)
    assert res.percentile == pytest.approx(84.13447460685429, abs=1e-9)  # 100 Φ(1)
    assert res.t == pytest.approx(0.5 / (sd / math.sqrt(5)))
    assert res.df == 4
    assert res.cohen_d == pytest.approx(0.5 / sd)
    ref = stats.ttest_1samp(scores, 3.5)
    assert res.t == pytest.approx(ref.statistic, abs=1e-10)
    assert res.p == pytest.approx(ref.pvalue, abs=1e-12)
    assert res.reason is None and res.warning == "n = 5 < 30: unstable comparison"


def test_below_the_norm_and_large_n():
    rng = np.random.default_rng(0)
    scores = rng.normal(2.0, 0.4, size=200)
    res = norm_comparison(scores, mean=3.0, sd=0.8)
    assert res.z == pytest.approx((scores.mean() - 3.0) / 0.8)
    assert res.percentile == pytest.approx(100 * stats.norm.cdf(res.z))
    assert res.percentile < 16 and res.t < 0 and res.p < 1e-50
    assert res.warning is None


def test_undefined_cases():
    single = norm_comparison([4.2], mean=3.5, sd=0.7)
    assert single.z == pytest.approx(1.0) and single.percentile == pytest.approx(84.13447460685429, abs=1e-9)
    assert math.isnan(single.t) and math.isnan(single.p) and math.isnan(single.cohen_d)
    assert single.reason == "1 score: the t-test and Cohen's d need at least 2"
    same = norm_comparison([4.0, 4.0, 4.0, np.nan], mean=3.0, sd=1.0)
    assert same.n == 3 and same.model_sd == 0.0 and same.z == pytest.approx(1.0)
    assert math.isnan(same.t) and math.isnan(same.cohen_d)
    assert same.reason == "every score is the same (SD 0): the t-test and Cohen's d are undefined"
    empty = norm_comparison([], mean=3.0, sd=1.0)
    assert empty.n == 0 and math.isnan(empty.z) and empty.reason == "no scores"
    with pytest.raises(ValueError, match="sd must be a positive number"):
        norm_comparison([1.0, 2.0], mean=3.0, sd=0.0)


def test_doctests():
    run_doctests(norms_module)
