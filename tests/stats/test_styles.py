"""Acquiescence, extreme and midpoint responding, straight-lining: hand-worked values, Baumgartner & Steenkamp's
coding done by hand, longstring and IRV recomputed independently, and the verdict rules at their boundaries."""

from __future__ import annotations

import math
import statistics
from itertools import groupby

import numpy as np
import pandas as pd
import pytest

import psychometrics.stats._styles as styles_module
from psychometrics.stats import (
    ACQUIESCENCE_MAX,
    ResponseStyles,
    acquiescence,
    extreme_responding,
    midpoint_responding,
    mover_difference,
    response_styles,
    straight_lining,
    wilson_ci,
)
from tests.stats.conftest import run_doctests


def test_doctests():
    run_doctests(styles_module)


def test_the_acquiescence_threshold_is_the_neo_rule():
    assert ACQUIESCENCE_MAX == 150 / 240 == 0.625


# ------------------------------------------------------------------------------------------------------------
# acquiescence


def test_baumgartner_steenkamp_coding_by_hand():
    values = [1, 2, 3, 4, 5, 5, 4, 2]
    df = pd.DataFrame({"value": values, "keying": [1, -1] * 4})
    r = acquiescence(df, scale_min=1, scale_max=5)
    ars = np.mean([{4: 1, 5: 2}.get(v, 0) for v in values])  # B&S 2001: 4 → 1, 5 → 2, else 0
    dars = np.mean([{2: 1, 1: 2}.get(v, 0) for v in values])
    assert (r.ars, r.dars) == pytest.approx((ars, dars), abs=1e-15)
    assert r.nars == pytest.approx(ars - dars, abs=1e-15) == pytest.approx(np.mean(values) - 3)


def test_balanced_agreement_share_and_its_mover_interval():
    # keyed: 7 of 10 agree; reverse-keyed: 6 of 10 agree (agree = above the midpoint 3)
    keyed = [4] * 7 + [2] * 3
    rev = [5] * 6 + [3] * 2 + [1] * 2
    df = pd.DataFrame({"value": keyed + rev, "keying": [1] * 10 + [-1] * 10})
    r = acquiescence(df, scale_min=1, scale_max=5)
    assert (r.agree_keyed.count, r.agree_reversed.count, r.disagree_reversed.count) == (7, 6, 2)
    assert r.index.value == pytest.approx(0.65)
    # independent: Zou & Donner's MOVER for a sum from the two Wilson intervals, halved
    a, b = wilson_ci(7, 10), wilson_ci(6, 10)
    low = 1.3 - math.sqrt((0.7 - a.ci_low) ** 2 + (0.6 - b.ci_low) ** 2)
    high = 1.3 + math.sqrt((a.ci_high - 0.7) ** 2 + (b.ci_high - 0.6) ** 2)
    assert (r.index.ci_low, r.index.ci_high) == pytest.approx((low / 2, high / 2), abs=1e-12)
    assert mover_difference(0.7, a.ci_low, a.ci_high, -0.6, -b.ci_high, -b.ci_low).estimate == pytest.approx(1.3)
    # 0.65 ≥ 0.625 but the interval reaches below 0.5: not enough evidence either way
    assert r.index.verdict == "inconclusive"


@pytest.mark.parametrize(
    ("agree_share", "n", "verdict"),
    [(1.0, 40, "flagged"), (0.75, 400, "flagged"), (0.5, 400, "clear"), (0.6, 40, "inconclusive"),
     (0.7, 2000, "flagged"),
     (0.6, 400, "inconclusive"),  # 0.6 < 0.625, but the interval (± 0.034) passes 0.625
     (0.6, 4000, "clear"),  # the same share with ten times the answers: the interval stays below 0.625
     # symmetric rule (issue 14): 0.65 passes 0.625 and its interval excludes 0.5, but it reaches below 0.625 —
     # as inconclusive as 0.6 with an interval reaching above it; with 20 times the answers it is flagged
     (0.65, 400, "inconclusive"), (0.65, 8000, "flagged")],
)
def test_acquiescence_verdicts(agree_share, n, verdict):
    k = round(agree_share * n)
    values = [4] * k + [2] * (n - k)
    df = pd.DataFrame({"value": values * 2, "keying": [1] * n + [-1] * n})
    assert acquiescence(df, scale_min=1, scale_max=5).index.verdict == verdict


def test_content_cancels_across_keyings():
    # a high scorer agrees with keyed items and disagrees with their reversals: half the answers agree
    df = pd.DataFrame({"value": [5, 4, 5, 1, 2, 1] * 20, "keying": [1, 1, 1, -1, -1, -1] * 20})
    r = acquiescence(df, scale_min=1, scale_max=5)
    assert r.index.value == 0.5 and r.index.verdict == "clear" and r.nay_saying.verdict == "clear"
    nay = acquiescence(df.assign(value=1), scale_min=1, scale_max=5)
    assert nay.nay_saying.value == 1.0 and nay.nay_saying.verdict == "flagged" and nay.index.verdict == "clear"


def test_acquiescence_needs_both_keyings_and_a_scale():
    r = acquiescence(pd.DataFrame({"value": [5, 5, 4], "keying": 1}), scale_min=1, scale_max=5)
    assert r.index.verdict == "not assessed" and "reverse-keyed" in r.index.reason
    assert r.nars == pytest.approx(14 / 3 - 3)  # still described: mean − midpoint
    with pytest.raises(ValueError, match="keying must be 1 or -1"):
        acquiescence(pd.DataFrame({"value": [5], "keying": [0]}), scale_min=1, scale_max=5)
    with pytest.raises(ValueError, match="outside the response scale 1…5"):
        acquiescence(pd.DataFrame({"value": [6], "keying": [1]}), scale_min=1, scale_max=5)


# ------------------------------------------------------------------------------------------------------------
# extreme and midpoint responding


def test_extreme_and_midpoint_shares():
    df = pd.DataFrame({"value": [1, 5, 5, 3, 3, 3, 2, 4, np.nan]})
    ers = extreme_responding(df, scale_min=1, scale_max=5)
    mrs = midpoint_responding(df, scale_min=1, scale_max=5)
    assert (ers.value, ers.n) == (3 / 8, 8) and (mrs.value, mrs.n) == (3 / 8, 8)
    w = wilson_ci(3, 8)
    assert (ers.ci_low, ers.ci_high) == (w.ci_low, w.ci_high)
    assert extreme_responding(pd.DataFrame({"value": [1, 6] * 30}), scale_min=1, scale_max=6).verdict == "flagged"
    six = midpoint_responding(pd.DataFrame({"value": [3, 4]}), scale_min=1, scale_max=6)
    assert six.verdict == "not assessed" and "even number of options" in six.reason


# ------------------------------------------------------------------------------------------------------------
# straight-lining


def test_longstring_and_irv_per_respondent():
    rng = np.random.default_rng(5)
    rows = []
    for r in range(30):
        values = rng.integers(1, 6, size=10) if r % 3 else np.full(10, 4)
        rows += [{"respondent": f"r{r}", "item": f"q{i}", "value": float(v), "keying": 1 - 2 * (i % 2)}
                 for i, v in enumerate(values)]
    df = pd.DataFrame(rows).sample(frac=1.0, random_state=1)  # rows in any order: item_order decides
    res = straight_lining(df, item_order=[f"q{i}" for i in range(10)])
    table = res.frame().set_index("respondent")
    for r in range(30):
        values = [row["value"] for row in rows if row["respondent"] == f"r{r}"]
        assert table.loc[f"r{r}", "longstring"] == max(len(list(g)) for _, g in groupby(values))
        assert table.loc[f"r{r}", "irv"] == pytest.approx(statistics.stdev(values), abs=1e-12)
        assert table.loc[f"r{r}", "identical"] == (r % 3 == 0)
    # the index counts answers (issue 14): 100 of the 300 answers come from the 10 straight-lining respondents,
    # Wilson [0.28, 0.39], wholly below one half (counting the 30 respondents, [0.19, 0.52] reached past it)
    assert res.index.n == 300 and res.index.unit == "answers" and res.index.value == pytest.approx(10 / 30)
    assert wilson_ci(100, 300).ci_high < 0.5 and res.index.verdict == "clear"
    assert res.index.warning == "10 of 30 assessed respondents straight-line"


def test_identical_answers_to_one_keying_are_not_assessed():
    df = pd.DataFrame({"respondent": ["a"] * 4 + ["b"] * 4, "item": list("wxyz") * 2, "value": [5.0] * 8,
                       "keying": 1})
    res = straight_lining(df)
    assert res.index.verdict == "not assessed" and "keyed one way may be content" in res.index.reason
    assert all(r.identical and not r.assessed for r in res.respondents)
    mixed = straight_lining(df.assign(keying=[1, -1] * 4))
    # 2 of 2 respondents straight-line: all 8 of their answers, Wilson [0.68, 1], wholly above one half (issue 14:
    # counted by respondents, [0.34, 1], a score made of nothing but straight-lining was only inconclusive)
    assert mixed.index.value == 1.0 and mixed.index.n == 8 and mixed.index.verdict == "flagged"
    assert wilson_ci(2, 2).ci_low < 0.5 < wilson_ci(8, 8).ci_low
    eight = pd.concat([df.assign(keying=[1, -1] * 4, respondent=[f"{r}{i}" for r in df["respondent"]])
                       for i in range(4)])
    assert straight_lining(eight).index.verdict == "flagged"
    with pytest.raises(ValueError, match="min_items"):
        straight_lining(df, min_items=1)


# ------------------------------------------------------------------------------------------------------------
# all at once


def test_response_styles_says_what_it_cannot_assess():
    df = pd.DataFrame({"respondent": ["r"] * 4, "item": list("abcd"), "value": [1.0, 2.0, 4.0, 4.0]})
    res = response_styles(df, scale_min=1, scale_max=5)
    assert "no displayed position" in res.positions.first.reason
    assert "no displayed position" in res.following.index.reason
    assert res.acquiescence.index.reason == "answers carry no keying"
    assert res.straight_lining.index.reason == "answers carry no keying"
    assert res.extreme.verdict == "inconclusive" and res.flagged == []
    scenario = response_styles(df.assign(order="original", position=[1, 2, 4, 4]), n_options=4)
    assert "not ordered" in scenario.extreme.reason and "not ordered" in scenario.acquiescence.index.reason
    back = ResponseStyles.model_validate_json(res.model_dump_json())
    assert back.extreme.value == res.extreme.value and math.isnan(back.positions.first.value)


def test_position_following_verdict_is_symmetric():
    """Issue 14: the flag needs the whole interval beyond ±0.25, as clear needs it within; a small sample whose
    estimate passes 0.25 with an interval reaching below it is inconclusive, not flagged."""
    from psychometrics.stats import position_following

    rng = np.random.default_rng(11)

    def run(share_first: float, n_items: int) -> object:
        rows = []
        for i in range(n_items):
            keying = 1 if i % 2 else -1
            content = 2 if keying == 1 else 4  # a content answer, the same in both orders
            for order in ("original", "reversed"):
                first = rng.random() < share_first
                value = (1 if order == "original" else 5) if first else content
                position = value if order == "original" else 6 - value
                rows.append({"item": f"q{i}", "order": order, "value": value, "position": position,
                             "keying": keying})
        return position_following(pd.DataFrame(rows), scale_min=1, scale_max=5).index

    small = run(0.18, 30)
    assert small.ci_low < 0.25 < small.ci_high and small.verdict == "inconclusive"
    assert run(0.9, 200).verdict == "flagged" and run(0.0, 200).verdict == "clear"


def test_three_straight_liners_of_three_are_flagged_and_one_neutral_respondent_of_six_is_clear():
    """Issue 14: a score made by 3 straight-liners of 3 (one answer to 8 items of both keyings) was only
    inconclusive when respondents were counted; one respondent of 6 at the middle of the trait (eight neutral
    answers, the others following content) kept a planted-steady scale from reading as clean."""
    keying = [1, -1] * 4
    three = pd.DataFrame([{"respondent": f"r{r}", "item": f"q{i}", "value": 2.0, "keying": keying[i]}
                          for r in range(3) for i in range(8)])
    res = straight_lining(three)
    assert res.index.value == 1.0 and res.index.verdict == "flagged"
    assert res.index.ci_low == pytest.approx(wilson_ci(24, 24).ci_low) and res.index.ci_low > 0.5
    rng = np.random.default_rng(3)
    rows = []
    for r in range(6):
        theta = 0.0 if r == 0 else rng.normal(0, 1.2)
        for i in range(8):
            value = 3.0 if r == 0 else float(np.clip(np.rint(3 + keying[i] * theta + rng.normal(0, 0.5)), 1, 5))
            rows.append({"respondent": f"r{r}", "item": f"q{i}", "value": value, "keying": keying[i]})
    six = straight_lining(pd.DataFrame(rows))
    assert [p.identical for p in six.respondents].count(True) == 1
    assert six.index.value == pytest.approx(8 / 48) and six.index.verdict == "clear"


def test_balanced_mean_cancels_content_and_clusters_by_respondent():
    """Net acquiescence by hand: content moves the keyed and the reverse-keyed mean apart and cancels; a shift
    toward agreement moves both. The interval is the t interval across respondents (scipy), not across answers."""
    from scipy import stats as sps

    from psychometrics.stats import balanced_mean

    rows = []
    shifts = {"a": 0.7, "b": 0.9, "c": 0.8, "d": 0.6}
    for r, shift in shifts.items():
        for i in range(10):
            trait = 1.0 if r in "ab" else -1.0  # content: opposite for the two keyings
            keying = 1 if i % 2 == 0 else -1
            rows.append({"respondent": r, "keying": keying, "value": 3 + keying * trait + shift})
    res = balanced_mean(pd.DataFrame(rows), scale_min=1, scale_max=5)
    per = np.array(list(shifts.values()))
    ref = sps.t.interval(0.95, len(per) - 1, loc=per.mean(), scale=sps.sem(per))
    assert res.value == pytest.approx(per.mean()) and res.n == 4 and res.unit == "respondents"
    assert (res.ci_low, res.ci_high) == pytest.approx(ref, rel=1e-12)
    assert res.threshold == 0.5 and res.verdict == "flagged"
    content = pd.DataFrame(rows).assign(value=lambda d: d["value"] - d["respondent"].map(shifts))
    assert balanced_mean(content, scale_min=1, scale_max=5).value == pytest.approx(0.0, abs=1e-12)
    one = balanced_mean(pd.DataFrame(rows[:10]), scale_min=1, scale_max=5)
    assert one.verdict == "not assessed" and "2 or more respondents" in one.reason


def test_a_zero_width_interval_from_two_answer_pairs_on_the_threshold_is_not_clear():
    """Issue 14: two pairs of one keying whose answers moved by one point toward the last option give S = −0.25,
    and the t interval [−0.25, −0.25] (no spread to estimate) called that clear. From two pairs that all agree the
    share of pairs that could differ is up to 1 − 0.025^(1/2) = 0.84 (Clopper–Pearson for 0 of 2), each anywhere
    in [−1, 1]: the interval is [−0.25 − 0.84·0.75, −0.25 + 0.84·1.25], inconclusive, with a warning saying why."""
    from psychometrics.stats import position_following

    rows = [{"item": item, "order": order, "keying": 1, "value": value,
             "position": value if order == "original" else 6 - value}
            for item in ("q1", "q2") for order, value in (("original", 5), ("reversed", 4))]
    index = position_following(pd.DataFrame(rows), scale_min=1, scale_max=5).index
    q = 1 - 0.025 ** 0.5
    assert (index.value, index.n) == (-0.25, 2)
    assert index.ci_low == pytest.approx(-0.25 - q * 0.75) and index.ci_high == pytest.approx(-0.25 + q * 1.25)
    assert index.verdict == "inconclusive"
    assert "zero width" in index.warning


@pytest.mark.parametrize("low, high, n, verdict", [
    (0.1, 0.25, 200, "inconclusive"),  # the upper end on the threshold is not below it
    (0.25, 0.4, 200, "inconclusive"),  # the lower end on it is not above it
    (0.1, 0.2, 200, "clear"),
    (0.3, 0.4, 200, "flagged"),
    (0.1, 0.1, 5, "inconclusive"),  # zero width from 5 units: the spread was not estimated
    (0.9, 0.9, 5, "inconclusive"),
    (0.1, 0.1, 40, "clear"),  # 40 identical units are evidence
    (0.9, 0.9, 40, "flagged"),
])
def test_the_verdict_rules_are_strict_at_the_threshold_and_distrust_zero_width_intervals(low, high, n, verdict):
    from psychometrics.stats._styles_common import beyond_verdict, two_sided_verdict

    assert beyond_verdict(low, high, 0.25, n=n) == verdict
    assert two_sided_verdict(-high, -low, 0.25, n=n) == verdict


def test_identical_net_acquiescence_of_two_respondents_settles_nothing():
    from psychometrics.stats import balanced_mean

    answers = pd.DataFrame({"respondent": ["a"] * 2 + ["b"] * 2, "keying": [1, -1] * 2, "value": [4, 2, 4, 2]})
    index = balanced_mean(answers, scale_min=1, scale_max=5)
    q = 1 - 0.025 ** 0.5  # Clopper–Pearson upper limit for 0 of 2 respondents differing, each anywhere in ±2
    assert index.value == 0.0 and index.ci_low == pytest.approx(-2 * q) and index.ci_high == pytest.approx(2 * q)
    assert index.verdict == "inconclusive" and "zero width" in index.warning
