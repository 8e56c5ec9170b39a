"""Consistency across parallel forms (psychometrics/stats/_forms.py): R's cor.test and paired t.test on the bfi
data (tests/reference/forms.json), scipy and pingouin on random data, hand-worked item tables, and every
undefined case."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import psychometrics.stats._forms as forms_module
from psychometrics.stats._forms import item_consistency, mean_shift, parallel_forms_reliability
from tests.reference import load_reference
from tests.stats.conftest import BFI_KEYS, run_doctests

REL = 1e-9


def _halves(bfi_scales: dict[str, pd.DataFrame], scale: str) -> tuple[pd.Series, pd.Series]:
    """As forms.R: odd (1, 3, 5) and even (2, 4) keyed-item means of the first 300 complete respondents."""
    x = bfi_scales[scale].dropna().head(300)
    return x.iloc[:, [0, 2, 4]].mean(axis=1), x.iloc[:, [1, 3]].mean(axis=1)


def test_doctests():
    run_doctests(forms_module)


# Against R ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("scale", list(BFI_KEYS))
def test_parallel_forms_reliability_equals_r_cor_test(bfi_scales, scale):
    ref = load_reference("forms")["scales"][scale]
    odd, even = _halves(bfi_scales, scale)
    assert len(odd) == ref["n"] == 300
    r = parallel_forms_reliability(odd, even)
    want = ref["correlation"]
    assert (r.n, r.n_unmatched, r.reason) == (300, 0, None)
    assert r.value == pytest.approx(want["r"], rel=REL)
    assert r.ci_low == pytest.approx(want["lower"], rel=REL)
    assert r.ci_high == pytest.approx(want["upper"], rel=REL)
    assert r.p == pytest.approx(want["p"], rel=1e-6)


@pytest.mark.parametrize("scale", list(BFI_KEYS))
def test_mean_shift_equals_r_paired_t_test(bfi_scales, scale):
    want = load_reference("forms")["scales"][scale]["shift"]
    odd, even = _halves(bfi_scales, scale)
    s = mean_shift(odd, even)
    assert s.diff == pytest.approx(want["diff"], rel=REL)
    assert s.ci_low == pytest.approx(want["lower"], rel=REL)
    assert s.ci_high == pytest.approx(want["upper"], rel=REL)
    assert s.t == pytest.approx(want["t"], rel=REL)
    assert s.df == want["df"] == 299
    assert s.p == pytest.approx(want["p"], rel=1e-6, abs=1e-300)
    assert s.mean_b - s.mean_a == pytest.approx(s.diff, abs=1e-12)


# Against scipy and pingouin -------------------------------------------------------------------------------------


def test_against_scipy_and_pingouin_on_random_data():
    import pingouin

    rng = np.random.default_rng(17)
    a = rng.normal(3, 1, 40)
    b = 0.7 * a + rng.normal(0.4, 0.6, 40)
    r = parallel_forms_reliability(a, b, ci=0.9)
    ref = stats.pearsonr(a, b)
    low, high = ref.confidence_interval(confidence_level=0.9)
    assert (r.value, r.ci_low, r.ci_high, r.p) == pytest.approx((ref.statistic, low, high, ref.pvalue), rel=1e-12)
    s = mean_shift(a, b)
    tt = stats.ttest_rel(b, a)
    pg = pingouin.ttest(b, a, paired=True)
    assert (s.t, s.p) == pytest.approx((tt.statistic, tt.pvalue), rel=1e-12)
    assert [s.ci_low, s.ci_high] == pytest.approx(list(pg["CI95"].iloc[0]), abs=0.005)  # pingouin rounds to .01
    assert s.d_z == pytest.approx(np.mean(b - a) / np.std(b - a, ddof=1), rel=1e-12)


# Matching respondents --------------------------------------------------------------------------------------------


def test_series_are_matched_on_their_index_not_their_position():
    a = pd.Series([3.0, 4.0, 2.5, 5.0, 3.5, 1.0], index=["r1", "r2", "r3", "r4", "r5", "only-a"])
    b = pd.Series([4.5, 3.5, 2.0, 4.0, 3.5, np.nan], index=["r4", "r5", "r3", "r2", "r1", "r6"])
    by_key = parallel_forms_reliability(a, b)
    aligned = parallel_forms_reliability([3.0, 4.0, 2.5, 5.0, 3.5], [3.5, 4.0, 2.0, 4.5, 3.5])
    assert (by_key.value, by_key.ci_low, by_key.n) == (aligned.value, aligned.ci_low, aligned.n)
    assert by_key.n_unmatched == 1  # only-a; r6 has no score on b at all
    shift = mean_shift(a, b)
    assert shift.diff == pytest.approx(-0.1) and shift.n == 5 and shift.n_unmatched == 1


def test_pairs_with_a_missing_score_are_dropped_and_counted():
    r = parallel_forms_reliability([1.0, 2.0, 3.0, 4.0, np.nan], [1.5, 2.0, 3.5, 3.0, 2.0])
    assert r.n == 4 and r.n_unmatched == 1


# Undefined and edge cases -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("a", "b", "words"), [
    ([1.0, 2.0], [2.0, 3.0], "2 matched respondent(s): r needs at least 3"),
    ([], [], "0 matched respondent(s)"),
    ([2.0, 2.0, 2.0, 2.0], [1.0, 2.0, 3.0, 4.0], "same score on form A (2)"),
    ([1.0, 2.0, 3.0, 4.0], [5.0, 5.0, 5.0, 5.0], "same score on form B (5)"),
])
def test_an_undefined_correlation_is_nan_with_its_reason(a, b, words):
    r = parallel_forms_reliability(a, b)
    assert math.isnan(r.value) and words in r.reason


def test_three_pairs_give_r_without_an_interval_and_a_perfect_r_a_collapsed_one():
    r = parallel_forms_reliability([1.0, 2.0, 4.0], [1.0, 3.0, 2.0])
    assert r.value == pytest.approx(stats.pearsonr([1, 2, 4], [1, 3, 2]).statistic)
    assert math.isnan(r.ci_low) and math.isnan(r.ci_high) and r.reason is None
    perfect = parallel_forms_reliability([1.0, 2.0, 3.0, 4.0], [2.0, 4.0, 6.0, 8.0])
    assert perfect.value == pytest.approx(1.0) and perfect.ci_low == perfect.ci_high == perfect.value


def test_mean_shift_edge_cases():
    same = mean_shift([1.0, 2.0, 3.0], [2.0, 3.0, 4.0])  # every difference +1
    # no spread: the exact sign test, not the degenerate t's p = 0 (R binom.test(3, 3)$p.value = 0.25)
    assert (same.diff, same.sd_diff, same.ci_low, same.ci_high, same.t, same.p) == (1.0, 0.0, 1.0, 1.0, math.inf, 0.25)
    assert math.isnan(same.d_z) and "sign test" in same.reason
    assert mean_shift(list(range(10)), [x - 0.5 for x in range(10)]).p == pytest.approx(2 * 0.5**10)
    none = mean_shift([1.0, 2.0], [1.0, 2.0])
    assert none.diff == 0 and math.isnan(none.t) and "no shift and no spread" in none.reason
    one = mean_shift([1.0], [3.0])
    assert one.diff == 2.0 and math.isnan(one.t) and "at least 2" in one.reason
    empty = mean_shift([], [])
    assert math.isnan(empty.diff) and empty.reason == "no matched respondent"


def test_bad_input_raises():
    with pytest.raises(ValueError, match="same length"):
        parallel_forms_reliability([1.0, 2.0], [1.0])
    with pytest.raises(ValueError, match=r"repeated respondent \('r1'\)"):
        mean_shift(pd.Series([1.0, 2.0], index=["r1", "r1"]), pd.Series([1.0], index=["r1"]))
    with pytest.raises(ValueError, match="ci must lie between 0 and 1"):
        parallel_forms_reliability([1.0, 2.0, 3.0], [1.0, 2.0, 3.0], ci=95)


# Per-item consistency --------------------------------------------------------------------------------------------


def _answers(rows: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["respondent", "item", "form", "value"])


ANSWERS = _answers([
    # item 1: r1 4/4, r2 2/3, r3 5/5 -> 2 of 3 identical, |d| = 0, 1, 0 -> MAD 1/3
    ("r1", "1", "orig", 4), ("r2", "1", "orig", 2), ("r3", "1", "orig", 5),
    ("r1", "1", "para", 4), ("r2", "1", "para", 3), ("r3", "1", "para", 5),
    # item 2: r1 1/5, r2 missing on para, r3 2/2 -> 1 of 2 identical, |d| = 4, 0 -> MAD 2
    ("r1", "2", "orig", 1), ("r2", "2", "orig", 1), ("r3", "2", "orig", 2),
    ("r1", "2", "para", 5), ("r2", "2", "para", np.nan), ("r3", "2", "para", 2),
    # item 3: answered on the original only
    ("r1", "3", "orig", 3),
])


def test_item_consistency_hand_worked():
    out = item_consistency(ANSWERS, respondent="respondent", item="item", form="form", value="value",
                           forms=("orig", "para"))
    assert list(out.columns) == forms_module.ITEM_CONSISTENCY_COLUMNS
    assert out["item"].tolist() == ["1", "2", "3"]
    assert out["n"].tolist() == [3, 2, 0]
    assert out["identical"].iloc[:2].tolist() == pytest.approx([2 / 3, 1 / 2])
    assert out["mad"].iloc[:2].tolist() == pytest.approx([1 / 3, 2.0])
    # R: prop.test(2, 3, correct = FALSE)$conf.int
    assert (out.loc[0, "identical_ci_low"], out.loc[0, "identical_ci_high"]) == pytest.approx(
        (0.207659600802, 0.938508055280), abs=1e-11)
    assert out.loc[2, "reason"] == "no respondent answered the item on both forms"
    assert math.isnan(out.loc[2, "identical"]) and math.isnan(out.loc[2, "mad"])
    assert out.loc[0, "reason"] is None


def test_item_consistency_of_categories_has_no_distance():
    out = item_consistency(ANSWERS, respondent="respondent", item="item", form="form", value="value", nominal=True)
    assert (out["form_a"].iloc[0], out["form_b"].iloc[0]) == ("orig", "para")  # sorted by default
    assert out["mad"].isna().all()
    assert out.loc[0, "identical"] == pytest.approx(2 / 3)
    assert out.loc[0, "reason"] == "the answers are categories: no distance between them"


def test_item_consistency_bad_input():
    kw = dict(respondent="respondent", item="item", form="form", value="value")
    three = pd.concat([ANSWERS, _answers([("r1", "1", "de", 4)])])
    with pytest.raises(ValueError, match="compares two forms; column 'form' has 3"):
        item_consistency(three, **kw)
    assert item_consistency(three, forms=("orig", "de"), **kw)["n"].tolist() == [1, 0, 0]
    with pytest.raises(ValueError, match="two different labels"):
        item_consistency(ANSWERS, forms=("orig", "fr"), **kw)
    with pytest.raises(ValueError, match="respondent 'r1' answered item '1' more than once on form 'orig'"):
        item_consistency(pd.concat([ANSWERS, _answers([("r1", "1", "orig", 2)])]), **kw)
    with pytest.raises(ValueError, match="column 'answer' not in data"):
        item_consistency(ANSWERS, respondent="respondent", item="item", form="form", value="answer")
