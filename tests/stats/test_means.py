"""A mean with its t interval: against R's t.test, and the undefined cases."""

from __future__ import annotations

import math

import numpy as np
import pytest

import psychometrics.stats._means as means_module
from psychometrics.stats import mean_ci, mean_ci_from_stats
from tests.stats.conftest import run_doctests


def test_doctests():
    run_doctests(means_module)


def test_mean_ci_matches_r():
    # R: t.test(c(3.0, 3.5, 4.0, 4.5))$conf.int = 2.72286987161974 4.77713012838026
    r = mean_ci([3.0, 3.5, 4.0, 4.5, math.nan])
    assert (r.mean, r.n) == (3.75, 4) and r.sd == pytest.approx(math.sqrt(5 / 12), abs=1e-15)
    assert (r.ci_low, r.ci_high) == pytest.approx((2.72286987161974, 4.77713012838026), abs=1e-12)
    assert r.reason is None and r.warning is None
    # R: t.test(c(3.0, 3.5, 4.0, 4.5), conf.level = 0.9)$conf.int = 2.99045521745325 4.50954478254675
    r90 = mean_ci([3.0, 3.5, 4.0, 4.5], ci=0.9)
    assert (r90.ci_low, r90.ci_high) == pytest.approx((2.99045521745325, 4.50954478254675), abs=1e-12)
    assert r90.ci_level == 0.9


def test_mean_ci_from_stats_equals_the_raw_version():
    x = np.random.default_rng(4).normal(3, 0.7, 25)
    raw = mean_ci(x)
    summary = mean_ci_from_stats(float(x.mean()), float(x.std(ddof=1)), 25)
    assert (summary.ci_low, summary.ci_high) == (raw.ci_low, raw.ci_high)
    few = mean_ci_from_stats(3.0, math.nan, 1)
    assert math.isnan(few.ci_low) and math.isnan(few.ci_high) and "at least 2" in few.reason


def test_undefined_cases_say_why():
    none = mean_ci([])
    assert math.isnan(none.mean) and none.n == 0 and none.reason == "no respondent has a score"
    one = mean_ci([4.0])
    assert one.mean == 4.0 and math.isnan(one.sd) and math.isnan(one.ci_low) and "at least 2" in one.reason
    flat = mean_ci([2.0, 2.0, 2.0])
    assert (flat.sd, flat.ci_low, flat.ci_high) == (0.0, 2.0, 2.0) and "zero width" in flat.warning


def test_bad_coverage_is_an_error():
    with pytest.raises(ValueError, match="ci must lie between 0 and 1"):
        mean_ci([1.0, 2.0], ci=95)
