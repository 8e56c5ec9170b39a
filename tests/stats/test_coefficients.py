"""Two coefficients compared: MOVER by hand, and Feldt's test against the published example and R."""

from __future__ import annotations

import math

import pytest

import psychometrics.stats._coefficients as coefficients_module
from psychometrics.stats import feldt_two_alpha, mover_difference
from tests.stats.conftest import run_doctests


def test_doctests():
    run_doctests(coefficients_module)


def test_mover_by_hand():
    r = mover_difference(0.8, 0.7, 0.87, 0.6, 0.45, 0.72)
    assert r.estimate == pytest.approx(0.2)
    assert r.ci_low == pytest.approx(0.2 - math.sqrt(0.1**2 + 0.12**2))
    assert r.ci_high == pytest.approx(0.2 + math.sqrt(0.07**2 + 0.15**2))
    assert math.isnan(mover_difference(0.8, math.nan, math.nan, 0.6, 0.5, 0.7).ci_low)
    assert math.isnan(mover_difference(math.nan, 0.7, 0.9, 0.6, 0.5, 0.7).estimate)


def test_feldt_matches_the_published_example():
    # Charter & Feldt (1996), Perceptual and Motor Skills 82, 763-768, as cocron's own tests reproduce it
    # (cocron.two.coefficients(alpha = c(.78, .71), n = c(41, 151), indep = TRUE)): W = 1.318 on (40, 150) df,
    # one-sided p = .121 (the paper prints the two-sided p as .242, doubled after rounding).
    r = feldt_two_alpha(0.78, 41, 0.71, 151)
    assert round(r.statistic, 3) == 1.318 and (r.df_num, r.df_den) == (40, 150)
    assert round(r.p / 2, 3) == 0.121
    # R (run for this test): 2 * pf((1 - 0.71) / (1 - 0.78), 40, 150, lower.tail = FALSE) = 0.241391842878065
    assert r.p == pytest.approx(0.241391842878065, abs=1e-12)
    # the order of the two samples does not matter
    swapped = feldt_two_alpha(0.71, 151, 0.78, 41)
    assert swapped.p == pytest.approx(r.p, abs=1e-15) and swapped.statistic == r.statistic


def test_feldt_undefined():
    assert math.isnan(feldt_two_alpha(1.0, 10, 0.7, 10).p)
    assert "1 or more" in feldt_two_alpha(1.0, 10, 0.7, 10).reason
    assert "fewer than 2" in feldt_two_alpha(0.8, 1, 0.7, 10).reason
    assert math.isnan(feldt_two_alpha(math.nan, 10, 0.7, 10).statistic)
