"""Two or more groups of respondents: Welch's t, Mann–Whitney U, Hedges' g and the one-way ANOVA against R,
scipy, pingouin and statsmodels, and the cases scipy leaves undefined."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

import psychometrics.stats._groups as groups_module
from psychometrics.stats import (
    hedges_g,
    mann_whitney_u,
    one_way_anova,
    welch_ttest,
    welch_ttest_from_stats,
)
from tests.stats.conftest import run_doctests

A, B = [1.0, 2.0, 3.0, 4.0], [2.0, 3.0, 5.0, 7.0, 9.0]


def test_doctests():
    run_doctests(groups_module)


def test_welch_matches_r():
    # R: r <- t.test(c(2, 3, 5, 7, 9), c(1, 2, 3, 4)); c(r$statistic, r$parameter, r$p.value, r$conf.int)
    #    1.882702977750638 5.792207858073875 0.110495714015800 -0.839879377117542 6.239879377117543
    r = welch_ttest(A, B)
    assert r.test == "Welch t" and (r.n_a, r.n_b) == (4, 5)
    assert r.diff == pytest.approx(2.7, abs=1e-12) and (r.mean_a, r.mean_b) == (2.5, 5.2)
    assert r.statistic == pytest.approx(1.882702977750638, abs=1e-12)
    assert r.df == pytest.approx(5.792207858073875, abs=1e-10)
    assert r.p == pytest.approx(0.110495714015800, abs=1e-12)
    assert (r.ci_low, r.ci_high) == pytest.approx((-0.839879377117542, 6.239879377117543), abs=1e-10)
    assert r.se == pytest.approx(2.7 / 1.882702977750638, abs=1e-12)
    # R: sp <- sqrt((3 * var(a) + 4 * var(b)) / 7); (mean(b) - mean(a)) / sp * (1 - 3 / 27) = 1.03279555898864
    assert r.effect_size == pytest.approx(1.03279555898864, abs=1e-12) and r.effect_size_name == "Hedges' g"


def test_welch_from_summaries_matches_scipy():
    # scipy.stats.ttest_ind_from_stats(3.6, 0.4, 20, 3.0, 0.5, 20, equal_var=False).pvalue = 0.000170537...
    r = welch_ttest_from_stats(3.0, 0.5, 20, 3.6, 0.4, 20)
    assert r.diff == pytest.approx(0.6)
    assert r.p == pytest.approx(0.00017053712036705908, rel=1e-9)
    # df = 36.25...; t(.975, df) = 2.0273...
    assert (r.ci_low, r.ci_high) == pytest.approx((0.3096915112601325, 0.8903084887398677), rel=1e-9)
    # the summaries of two samples give what the samples give
    rng = np.random.default_rng(1)
    a, b = rng.normal(3, 0.5, 12), rng.normal(3.6, 0.9, 9)
    raw = welch_ttest(a, b)
    summ = welch_ttest_from_stats(a.mean(), a.std(ddof=1), 12, b.mean(), b.std(ddof=1), 9)
    for name in ("diff", "statistic", "df", "p", "ci_low", "ci_high", "effect_size"):
        assert getattr(summ, name) == pytest.approx(getattr(raw, name), abs=1e-10), name


def test_welch_without_spread_or_values():
    differ = welch_ttest([3.0, 3.0], [4.0, 4.0, 4.0])
    assert (differ.diff, differ.ci_low, differ.ci_high, differ.se) == (1.0, 1.0, 1.0, 0.0)
    assert differ.statistic == math.inf and differ.p == 0.0 and differ.df == 3.0 and differ.reason is None
    lower = welch_ttest([4.0, 4.0], [3.0, 3.0])
    assert lower.statistic == -math.inf and lower.p == 0.0
    same = welch_ttest([2.0, 2.0, 2.0], [2.0, 2.0])
    assert same.diff == 0 and (same.ci_low, same.ci_high) == (0.0, 0.0)
    assert math.isnan(same.statistic) and math.isnan(same.p) and "equal" in same.reason
    one = welch_ttest([1.0], [1.0, 2.0])
    assert one.diff == 0.5 and math.isnan(one.p) and "fewer than 2 values" in one.reason
    empty = welch_ttest([], [1.0, 2.0])
    assert math.isnan(empty.diff) and "group A has no value" in empty.reason
    # a constant group against a varying one is an ordinary Welch test (scipy's precision warning is not raised)
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        half = welch_ttest([3.0, 3.0, 3.0], [3.0, 4.0, 5.0])
    # R: t.test(c(3, 4, 5), c(3, 3, 3))$p.value = 0.225403330758517
    assert half.p == pytest.approx(0.225403330758517, abs=1e-12)
    exact = welch_ttest_from_stats(3.0, 0.0, 10, 4.0, 0.0, 10)
    assert (exact.diff, exact.ci_low, exact.ci_high) == (1.0, 1.0, 1.0) and exact.p == 0.0
    assert math.isnan(welch_ttest_from_stats(math.nan, 0.5, 10, 4.0, 0.5, 10).diff)
    few = welch_ttest_from_stats(3.0, math.nan, 1, 4.0, 0.5, 10)
    assert few.diff == 1.0 and math.isnan(few.ci_low) and few.reason


def test_mann_whitney_and_rank_biserial():
    a, b = [1, 2, 3, 4], [3, 5, 6, 7, 8]
    r = mann_whitney_u(a, b)
    ref = stats.mannwhitneyu(b, a, alternative="two-sided")
    assert r.p == pytest.approx(ref.pvalue) and r.statistic == ref.statistic
    # R: wilcox.test(c(3, 5, 6, 7, 8), c(1, 2, 3, 4), exact = FALSE): W = 18.5, p-value = 0.0490901163226076
    assert r.p == pytest.approx(0.0490901163226076, abs=1e-12)
    # pairs (a, b) with b > a: 2 for b = 3 plus the tie (3, 3) as ½, and 4 each for b = 5…8 → U = 18.5;
    # r = 2 · 18.5 / 20 − 1 = 0.85
    assert r.statistic == 18.5 and r.effect_size == pytest.approx(0.85)
    assert r.test == "Mann-Whitney U" and r.effect_size_name == "rank-biserial r"
    assert math.isnan(r.ci_low) and r.diff == pytest.approx(3.3)
    assert "no value" in mann_whitney_u([], [1.0]).reason


def test_hedges_g_matches_pingouin():
    import pingouin

    rng = np.random.default_rng(1)
    a, b = rng.normal(3, 0.5, 12), rng.normal(3.6, 0.9, 9)
    assert hedges_g(a, b) == pytest.approx(pingouin.compute_effsize(b, a, eftype="hedges"), abs=1e-12)
    assert math.isnan(hedges_g([1.0], [2.0, 3.0])) and math.isnan(hedges_g([2.0, 2.0], [3.0, 3.0]))


def test_anova_matches_r():
    # R: oneway.test(c(1, 2, 3, 2, 3, 4, 5, 6, 7) ~ factor(rep(1:3, each = 3)), var.equal = TRUE)
    #    F = 13, num df = 2, denom df = 6, p-value = 0.006591796875
    r = one_way_anova([[1.0, 2.0, 3.0], [2.0, 3.0, 4.0], [5.0, 6.0, 7.0, math.nan], []])
    assert (r.n, r.n_groups, r.df_between, r.df_within) == (9, 3, 2.0, 6.0)
    assert r.statistic == pytest.approx(13.0, abs=1e-12) and r.p == pytest.approx(0.006591796875, abs=1e-14)
    rng = np.random.default_rng(7)
    groups = [rng.normal(m, 1, n) for m, n in ((0, 5), (0.5, 8), (1, 6))]
    ref = stats.f_oneway(*groups)
    assert one_way_anova(groups).statistic == pytest.approx(ref.statistic, abs=1e-12)


def test_anova_undefined_and_infinite():
    assert "at least 2" in one_way_anova([[1.0, 2.0]]).reason
    single = one_way_anova([[1.0], [2.0]])
    assert math.isnan(single.statistic) and single.df_within == 0 and "one value per group" in single.reason
    same = one_way_anova([[2.0, 2.0], [2.0, 2.0, 2.0]])
    assert math.isnan(same.statistic) and same.df_within == 3.0 and "every value is the same" in same.reason
    apart = one_way_anova([[2.0, 2.0], [3.0, 3.0, 3.0]])
    assert apart.statistic == math.inf and apart.p == 0.0 and apart.reason is None
