"""Test–retest reliability (psychometrics/stats/_retest.py): R psych::ICC on the bfi data, pingouin's
intraclass_corr on the same matched frame, the ANOVA closed form worked in numpy, and the undefined cases."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

import psychometrics.stats._retest as retest_module
from psychometrics.stats._retest import retest_reliability
from tests.reference import load_reference
from tests.stats.conftest import BFI_KEYS, run_doctests
from tests.stats.test_forms import _halves


def test_doctests():
    run_doctests(retest_module)


@pytest.mark.parametrize("scale", list(BFI_KEYS))
def test_equals_r_psych_icc(bfi_scales, scale):
    want = load_reference("forms")["scales"][scale]["icc"]
    odd, even = _halves(bfi_scales, scale)
    res = retest_reliability(odd, even)
    assert res.n == 300 and res.n_unmatched == 0
    for est, ref in ((res.agreement, want["ICC2"]), (res.consistency, want["ICC3"])):
        assert est.value == pytest.approx(ref["icc"], rel=1e-9)
        assert (est.ci_low, est.ci_high) == pytest.approx((ref["lower"], ref["upper"]), rel=1e-6)
        assert est.n == 300 and est.n_items == 2 and est.reason is None


def _matched_frame(first: pd.Series, second: pd.Series) -> pd.DataFrame:
    keys = first.index.intersection(second.index)
    return pd.DataFrame({"respondent": [*keys, *keys], "occasion": ["t1"] * len(keys) + ["t2"] * len(keys),
                         "score": [*first.loc[keys], *second.loc[keys]]})


def test_equals_pingouin_intraclass_corr_on_the_matched_frame():
    import pingouin

    rng = np.random.default_rng(3)
    keys = [f"instruct|original|{s}|none" for s in range(25)]
    true = rng.normal(3, 0.8, 25)
    first = pd.Series(true + rng.normal(0, 0.3, 25), index=keys)
    second = pd.Series(true + 0.2 + rng.normal(0, 0.3, 25), index=keys).iloc[::-1]  # another order
    second["only-in-run-2"] = 4.0
    res = retest_reliability(first, second)
    table = pingouin.intraclass_corr(_matched_frame(first, second), targets="respondent", raters="occasion",
                                     ratings="score").set_index("Type")
    # pingouin 0.7 names the forms McGraw-Wong style: ICC(A,1) = Shrout-Fleiss ICC(2,1), ICC(C,1) = ICC(3,1)
    assert res.agreement.value == pytest.approx(table.loc["ICC(A,1)", "ICC"], rel=1e-12)
    assert res.consistency.value == pytest.approx(table.loc["ICC(C,1)", "ICC"], rel=1e-12)
    assert (res.n, res.n_unmatched) == (25, 1)


def test_equals_the_anova_closed_form():
    # Shrout & Fleiss (1979) from the two-way ANOVA mean squares, worked out here without pingouin or psych.
    rng = np.random.default_rng(11)
    x = rng.normal(0, 1, 30)
    wide = np.column_stack([x + rng.normal(0, 0.5, 30), x + 0.4 + rng.normal(0, 0.5, 30)])
    n, k = wide.shape
    grand = wide.mean()
    ms_r = k * ((wide.mean(axis=1) - grand) ** 2).sum() / (n - 1)
    ms_c = n * ((wide.mean(axis=0) - grand) ** 2).sum() / (k - 1)
    resid = wide - wide.mean(axis=1, keepdims=True) - wide.mean(axis=0, keepdims=True) + grand
    ms_e = (resid ** 2).sum() / ((n - 1) * (k - 1))
    icc21 = (ms_r - ms_e) / (ms_r + (k - 1) * ms_e + k * (ms_c - ms_e) / n)
    icc31 = (ms_r - ms_e) / (ms_r + (k - 1) * ms_e)
    res = retest_reliability(wide[:, 0], wide[:, 1])
    assert res.agreement.value == pytest.approx(icc21, rel=1e-10)
    assert res.consistency.value == pytest.approx(icc31, rel=1e-10)


def test_a_shift_between_occasions_lowers_agreement_but_not_consistency():
    first = np.array([1.0, 2.0, 3.5, 4.0, 5.0, 2.5])
    res = retest_reliability(first, first + 1.0)
    assert res.consistency.value == pytest.approx(1.0)
    assert res.agreement.value < 0.9


@pytest.mark.parametrize(("first", "second", "words"), [
    ([3.0], [3.5], "1 matched respondent(s): the ICC needs at least 3"),
    ([3.0, 4.0], [3.5, 4.0], "2 matched respondent(s): the ICC needs at least 3"),
    ([], [], "0 matched respondent(s)"),
    ([2.0, 2.0, 2.0], [2.0, 2.0, 2.0], "zero variance"),
])
def test_an_undefined_stability_is_nan_with_its_reason(first, second, words):
    res = retest_reliability(first, second)
    for est in (res.agreement, res.consistency):
        assert math.isnan(est.value) and words in est.reason


def test_respondents_in_one_run_only_are_counted_not_used():
    first = pd.Series([1.0, 2.0, 3.0, 4.0, 5.0], index=["a", "b", "c", "d", "e"])
    second = pd.Series([1.5, 2.0, 3.5, 4.5], index=["c", "a", "x", "e"])
    res = retest_reliability(first, second)
    assert (res.n, res.n_unmatched) == (3, 3)  # a, c and e matched; b, d, x on one side only
    assert res.agreement.value == pytest.approx(retest_reliability([1.0, 3.0, 5.0], [2.0, 1.5, 4.5]).agreement.value)


def test_unequal_arrays_raise():
    with pytest.raises(ValueError, match="same length"):
        retest_reliability([1.0, 2.0, 3.0], [1.0, 2.0])
