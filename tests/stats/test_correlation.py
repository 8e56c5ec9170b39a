"""Spearman ρ with a Fisher-z interval: against scipy and R, and the undefined cases."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

import psychometrics.stats._correlation as correlation_module
from psychometrics.stats import spearman_ci
from tests.stats.conftest import run_doctests


def test_doctests():
    run_doctests(correlation_module)


def test_spearman_ci_matches_scipy_and_fisher_z() -> None:
    rng = np.random.default_rng(1)
    x = np.repeat(np.arange(1, 10), 6).astype(float)
    y = x + rng.normal(0, 2, len(x))
    r = spearman_ci(x, y)
    ref = stats.spearmanr(x, y)
    assert r.value == pytest.approx(ref.statistic, abs=1e-12)
    assert r.p == pytest.approx(ref.pvalue, rel=1e-9)
    se = math.sqrt((1 + ref.statistic**2 / 2) / (len(x) - 3))
    assert r.ci_low == pytest.approx(math.tanh(math.atanh(ref.statistic) - 1.959963984540054 * se), abs=1e-9)
    assert r.ci_high == pytest.approx(math.tanh(math.atanh(ref.statistic) + 1.959963984540054 * se), abs=1e-9)
    assert r.n == 54 and r.reason is None


def test_spearman_matches_r():
    # R: cor.test(c(1, 2, 3, 4, 5), c(2, 2.5, 2.4, 4, 4.5), method = "spearman", exact = FALSE)
    #    rho 0.9, p-value = 0.0373860734685
    r = spearman_ci([1, 2, 3, 4, 5], [2.0, 2.5, 2.4, 4.0, 4.5])
    assert r.value == pytest.approx(0.9, abs=1e-12) and r.p == pytest.approx(0.0373860734685, abs=1e-12)


def test_spearman_ci_undefined_cases() -> None:
    assert "at least 3" in (spearman_ci([1, 2], [3, 4]).reason or "")
    flat = spearman_ci([1, 2, 3, 4], [2, 2, 2, 2])
    assert math.isnan(flat.value) and "same score" in (flat.reason or "")
    one = spearman_ci([5, 5, 5, 5], [1, 2, 3, 4])
    assert math.isnan(one.value) and "one level" in (one.reason or "")
    nan_pairs = spearman_ci([1, 2, 3, 4, float("nan")], [1, 2, 3, 4, 9])
    assert nan_pairs.n == 4 and nan_pairs.value == pytest.approx(1.0)
    assert nan_pairs.ci_low == nan_pairs.ci_high == pytest.approx(1.0)
    three = spearman_ci([1, 2, 3], [1, 3, 2])
    assert three.value == pytest.approx(0.5) and math.isnan(three.ci_low)
    with pytest.raises(ValueError, match="same length"):
        spearman_ci([1, 2, 3], [1, 2])
