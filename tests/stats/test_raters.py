"""Inter-rater reliability against R psych (``psych::ICC``)."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from psychometrics.stats import inter_rater_reliability


def _long(*raters: list[float]) -> pd.DataFrame:
    return pd.DataFrame([{"answer": i, "rater": f"r{k}", "rating": v}
                         for k, ratings in enumerate(raters) for i, v in enumerate(ratings)])


def test_two_raters_match_r_psych():
    # R: psych::ICC(cbind(c(1,2,3,4,5,3), c(2,2,3,5,4,3)), lmer=FALSE)$results, rows ICC2 and ICC2k
    res = inter_rater_reliability(_long([1, 2, 3, 4, 5, 3], [2, 2, 3, 5, 4, 3]), targets="answer", raters="rater",
                                  ratings="rating")
    assert res.n == 6 and res.k == 2
    assert res.single.value == pytest.approx(0.848485, abs=1e-6)
    assert (res.single.ci_low, res.single.ci_high) == pytest.approx((0.274660, 0.977259), abs=1e-6)
    assert res.average.value == pytest.approx(0.918033, abs=1e-6)
    assert (res.average.ci_low, res.average.ci_high) == pytest.approx((0.430954, 0.988499), abs=1e-6)


def test_three_raters_match_r_psych():
    # R: psych::ICC(cbind(a, b, c), lmer=FALSE) with the three vectors below: ICC2 0.7534247, ICC2k 0.9016393
    a, b, c = [4, 3, 5, 2, 4, 1, 3], [5, 3, 4, 2, 3, 2, 3], [4, 2, 5, 3, 5, 1, 2]
    res = inter_rater_reliability(_long(a, b, c), targets="answer", raters="rater", ratings="rating")
    assert res.k == 3 and res.n == 7
    assert res.single.value == pytest.approx(R3["ICC2"], abs=1e-4)
    assert res.average.value == pytest.approx(R3["ICC2k"], abs=1e-4)


R3 = {"ICC2": 0.7534247, "ICC2k": 0.9016393}


def test_a_lower_bound_without_a_step_up_is_missing_not_above_the_upper_bound():
    # raters who disagree: the ICC(2,1) lower bound is below −1/(k − 1) = −1. R psych (and pingouin) step it up
    # anyway: psych::ICC gives ICC2 −0.4557 [−1.2563, 0.5882] and ICC2k −1.6744 with "lower bound" 9.8034 > the
    # upper bound 0.7407; that bound is undefined and reported as missing here
    res = inter_rater_reliability(_long([1, 2, 3, 4, 5, 3], [3, 4, 1, 3, 2, 4]), targets="answer", raters="rater",
                                  ratings="rating")
    assert res.single.value == pytest.approx(-0.4556962, abs=1e-6)
    assert res.single.ci_low == pytest.approx(-1.256298, abs=1e-6)
    assert res.average.value == pytest.approx(-1.6744186, abs=1e-6)
    assert res.average.ci_high == pytest.approx(0.7407421, abs=1e-6)
    assert math.isnan(res.average.ci_low) and "no lower bound" in res.average.warning


def test_one_rater_is_missing_with_its_reason():
    res = inter_rater_reliability(_long([1, 2, 3]), targets="answer", raters="rater", ratings="rating")
    assert math.isnan(res.single.value) and "rater" in res.single.reason
