"""Sensitivity: planted order and template effects are detected, their absence is not; hand-worked tests and
effect sizes; Wilson intervals by hand."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import psychometrics.stats._sensitivity as sens_module
from psychometrics.stats import order_sensitivity, prompt_sensitivity, response_rates
from tests.stats.conftest import run_doctests

SEEDS = range(5)
SCALE = (1, 5)


def simulate_answers(
    seed: int,
    *,
    first_option_bias: float = 0.0,
    template_shift: tuple[float, ...] = (0.0, 0.0, 0.0),
    n_items: int = 20,
    n_samples: int = 10,
    noise: float = 0.3,
) -> pd.DataFrame:
    """A simulated respondent: each item has a true level; answers are that level plus noise, rounded to 1–5.

    In the reversed order the options are listed 5 … 1, so with probability ``first_option_bias`` the model
    takes the first listed option, 5 (values are stored on the original scale; all items forward-keyed).
    ``template_shift`` adds a constant per template.
    """
    rng = np.random.default_rng(seed)
    level = rng.uniform(1.5, 4.5, size=n_items)
    rows = []
    for t, shift in enumerate(template_shift):
        for order in ("original", "reversed"):
            for s in range(n_samples):
                raw = level + shift + rng.normal(0, noise, size=n_items)
                value = np.clip(np.rint(raw), *SCALE)
                if order == "reversed" and first_option_bias:
                    value = np.where(rng.random(n_items) < first_option_bias, SCALE[1], value)
                rows += [(f"i{i}", f"t{t}", order, s, float(v)) for i, v in enumerate(value)]
    return pd.DataFrame(rows, columns=["item", "template", "order", "sample", "value"])


# ------------------------------------------------------------------------------------------------------------
# order sensitivity


@pytest.mark.parametrize("seed", SEEDS)
def test_planted_first_option_bias_is_detected(seed):
    biased = order_sensitivity(simulate_answers(seed, first_option_bias=0.5), scale_min=1, scale_max=5)
    clean = order_sensitivity(simulate_answers(seed), scale_min=1, scale_max=5)
    assert biased.n_pairs == clean.n_pairs == 20 * 3 * 10 and biased.n_items == 20
    assert biased.mad > 0.6
    assert biased.mean_difference > 0.6
    assert biased.p < 1e-3
    assert biased.rank_biserial > 0.9
    assert biased.flip_share > 0.1
    # no bias: small differences (rounding noise only) that are not significant
    assert clean.mad < 0.5
    assert clean.mad * 2 < biased.mad
    assert abs(clean.mean_difference) < 0.1
    assert clean.p > 1e-3
    assert abs(clean.rank_biserial) < 0.7
    assert clean.flip_share < biased.flip_share
    assert biased.reason is None and clean.reason is None


def test_order_sensitivity_by_hand():
    # one template, one sample, five items; differences reversed − original = 2, −1, 3, −4, 5
    pairs = [(2, 4), (3, 2), (1, 4), (5, 1), (0, 5)]
    rows = [
        (f"q{i}", "t", o, 0, float(v))
        for i, (x, y) in enumerate(pairs)
        for o, v in (("original", x), ("reversed", y))
    ]
    res = order_sensitivity(pd.DataFrame(rows, columns=list(sens_module.ANSWER_COLUMNS)), scale_min=0, scale_max=6)
    assert res.mad == pytest.approx(15 / 5)
    assert res.mean_difference == pytest.approx(5 / 5)
    # ranks of |d| = 2, 1, 3, 4, 5: T+ = 2 + 3 + 5 = 10, T− = 1 + 4 = 5
    assert res.rank_biserial == pytest.approx((10 - 5) / 15)
    assert res.statistic == 5
    # exact null distribution of T− for n = 5: 10 of the 32 sign patterns give a rank sum ≤ 5; two-sided 20/32
    assert res.p == pytest.approx(20 / 32, abs=1e-12)
    # midpoint 3: (2 → 4) and (5 → 1) and (0 → 5) flip, (3 → 2) starts at the midpoint, (1 → 4) flips
    assert res.pair_flip_share == pytest.approx(4 / 5)
    assert res.flip_share == pytest.approx(4 / 5)
    assert res.n_test == 5
    assert res.warning == "only 5 items: the signed-rank test has little power"


def test_item_unit_averages_repeated_pairs():
    answers = simulate_answers(3, first_option_bias=0.3, n_items=8, n_samples=6)
    by_item = order_sensitivity(answers, scale_min=1, scale_max=5)
    by_pair = order_sensitivity(answers, scale_min=1, scale_max=5, unit="pair")
    assert by_item.n_test <= 8 < by_pair.n_test
    assert by_item.mad == by_pair.mad  # descriptive statistics do not depend on the unit
    assert by_pair.p < by_item.p  # pseudo-replication: 144 pairs look more significant than 8 items


def test_all_zero_differences_and_missing_orders():
    answers = simulate_answers(0, noise=0.0)
    res = order_sensitivity(answers, scale_min=1, scale_max=5)
    assert res.mad == 0.0 and res.flip_share == 0.0
    assert math.isnan(res.p) and math.isnan(res.rank_biserial)
    assert res.reason == "every paired difference is zero: the answers do not depend on the order (test undefined)"
    one_order = answers[answers["order"] == "original"]
    res = order_sensitivity(one_order, scale_min=1, scale_max=5)
    assert res.n_pairs == 0 and math.isnan(res.mad)
    assert res.reason == "no answers in order 'reversed'"
    single = answers[answers["item"] == "i0"]
    res = order_sensitivity(single.assign(value=single["value"] + (single["order"] == "reversed")),
                            scale_min=1, scale_max=6)
    assert res.reason == "1 item; the signed-rank test needs at least 2"
    assert res.mad == 1.0


def test_order_sensitivity_bad_input():
    answers = simulate_answers(0)
    with pytest.raises(ValueError, match="more than once"):
        order_sensitivity(pd.concat([answers, answers.iloc[[0]]]), scale_min=1, scale_max=5)
    with pytest.raises(ValueError, match="lack the column"):
        order_sensitivity(answers.drop(columns="sample"), scale_min=1, scale_max=5)
    with pytest.raises(ValueError, match="scale_max"):
        order_sensitivity(answers, scale_min=5, scale_max=1)
    lost = answers.drop(index=answers.index[(answers["order"] == "reversed")][:3])
    assert "3 answer(s) in order 'original' had no partner" in order_sensitivity(lost, scale_min=1, scale_max=5).warning


# ------------------------------------------------------------------------------------------------------------
# prompt (template) sensitivity


@pytest.mark.parametrize("seed", SEEDS)
def test_planted_template_shift_is_detected(seed):
    shifted = prompt_sensitivity(simulate_answers(seed, template_shift=(0.0, 0.5, 1.0), noise=0.5))
    flat = prompt_sensitivity(simulate_answers(seed, noise=0.5))
    assert shifted.test == flat.test == "Friedman"
    assert shifted.effect_size_name == "Kendall's W"
    assert shifted.p < 1e-6 and shifted.effect_size > 0.7
    assert 0.7 < shifted.score_range < 1.3
    assert flat.p > 1e-3 and flat.effect_size < 0.35
    assert flat.score_range < 0.2
    assert shifted.df == 2 and shifted.n_items == 20 and shifted.n_templates == 3


def test_friedman_matches_scipy_with_ties():
    rng = np.random.default_rng(11)
    for k in (3, 4, 6):
        table = rng.integers(1, 5, size=(12, k)).astype(float)
        q, df, p, w = sens_module._friedman(table)
        ref = stats.friedmanchisquare(*table.T)
        assert q == pytest.approx(ref.statistic, abs=1e-10)
        assert p == pytest.approx(ref.pvalue, abs=1e-12)
        assert df == k - 1 and w == pytest.approx(q / (12 * (k - 1)), abs=1e-12)


def test_prompt_sensitivity_by_hand():
    # every item ranks the templates t1 > t2 > t3: rank sums 9, 6, 3 over 3 items
    # Q = 12 / (3·3·4) · (81 + 36 + 9) − 3·3·4 = 42 − 36 = 6, W = 6 / (3·2) = 1
    answers = pd.DataFrame(
        {"item": ["q1", "q2", "q3"] * 3, "template": ["t1"] * 3 + ["t2"] * 3 + ["t3"] * 3,
         "value": [4, 4, 5, 3, 3, 4, 2, 2, 2]}
    )
    res = prompt_sensitivity(answers)
    assert res.statistic == pytest.approx(6.0) and res.effect_size == pytest.approx(1.0)
    assert res.p == pytest.approx(math.exp(-3.0), abs=1e-12)  # χ²(2) survival = e^(−Q/2)
    assert res.template_means == pytest.approx({"t1": 13 / 3, "t2": 10 / 3, "t3": 2.0})
    assert res.score_range == pytest.approx(7 / 3)
    assert res.score_sd == pytest.approx(np.std([13 / 3, 10 / 3, 2.0], ddof=1))
    assert res.warning == "only 3 items: the test has little power"


def test_prompt_sensitivity_falls_back_to_kruskal_wallis():
    answers = simulate_answers(2, template_shift=(0.0, 0.5, 1.0), noise=0.5)
    answers = answers[~((answers["template"] == "t2") & answers["item"].isin(["i0", "i1"]))]
    res = prompt_sensitivity(answers)
    assert res.test == "Kruskal-Wallis" and res.effect_size_name == "epsilon-squared"
    assert res.warning.startswith("pairing incomplete")
    means = answers.groupby(["template", "item"])["value"].mean()
    groups = [means[t].to_numpy() for t in ("t0", "t1", "t2")]
    ref = stats.kruskal(*groups)
    assert res.statistic == pytest.approx(ref.statistic, abs=1e-10)
    assert res.p == pytest.approx(ref.pvalue, abs=1e-12)
    assert res.effect_size == pytest.approx(ref.statistic / (58 - 1), abs=1e-12)


def test_prompt_sensitivity_undefined_cases():
    answers = simulate_answers(0)
    one = prompt_sensitivity(answers[answers["template"] == "t0"])
    assert one.reason == "1 template with answers; at least 2 are needed"
    assert math.isnan(one.p) and math.isnan(one.score_range) and one.test is None
    constant = prompt_sensitivity(answers.assign(value=3.0))
    assert constant.reason == "every item mean is the same under every template (constant data)"
    assert constant.score_range == 0.0 and math.isnan(constant.p)
    tied = answers.assign(value=answers["item"].str[1:].astype(float) % 5 + 1)  # varies by item only
    res = prompt_sensitivity(tied)
    assert res.reason == "every item gives the same mean under every template (all ranks tied)"
    assert res.score_range == 0.0


# ------------------------------------------------------------------------------------------------------------
# response rates


def test_wilson_interval_by_hand():
    tab = response_rates(["ok"] * 9 + ["refused"]).set_index("status")
    # 1 of 10, z = 1.959964: centre (0.1 + z²/20) / (1 + z²/10), half-width z·√(0.009 + z²/400) / (1 + z²/10)
    z = 1.959963984540054
    centre = (0.1 + z**2 / 20) / (1 + z**2 / 10)
    half = z * math.sqrt(0.009 + z**2 / 400) / (1 + z**2 / 10)
    assert tab.loc["refused", "ci_low"] == pytest.approx(centre - half, abs=1e-12)
    assert tab.loc["refused", "ci_high"] == pytest.approx(centre + half, abs=1e-12)
    assert (round(tab.loc["refused", "ci_low"], 4), round(tab.loc["refused", "ci_high"], 4)) == (0.0179, 0.4042)
    assert tab.loc["invalid", "rate"] == 0.0 and tab.loc["invalid", "ci_low"] == 0.0
    assert tab.loc["invalid", "ci_high"] == pytest.approx(z**2 / (10 + z**2), abs=1e-12)


def test_response_rates_denominators_and_edge_cases():
    tab = response_rates(pd.Series(["ok", "ok", "refused", "invalid", "error", "error"])).set_index("status")
    assert tab.loc["ok", "n"] == 4 and tab.loc["error", "n"] == 6
    assert tab.loc["refused", "rate"] == 0.25 and tab.loc["error", "rate"] == pytest.approx(1 / 3)
    assert tab["reason"].isna().all()
    errors = response_rates(["error"] * 3).set_index("status")
    assert math.isnan(errors.loc["refused", "rate"])
    assert errors.loc["refused", "reason"] == "no replies (every prompt ended in an error)"
    assert errors.loc["error", "rate"] == 1.0
    empty = response_rates([])
    assert empty["rate"].isna().all() and (empty["reason"] == "no prompts").all()
    with pytest.raises(ValueError, match="unknown status"):
        response_rates(["ok", "timeout"])


def test_doctests():
    run_doctests(sens_module)


def test_exact_signed_rank_with_ties_matches_scipy_permutation():
    """The fast enumeration used for small tied samples gives scipy's permutation p exactly."""
    from scipy import stats as sps

    from psychometrics.stats._sensitivity import _signed_rank_exact_p

    rng = np.random.default_rng(7)
    checked = 0
    for _ in range(60):
        d = rng.integers(-3, 4, size=int(rng.integers(4, 14))).astype(float)
        d = d[d != 0]
        ranks = sps.rankdata(np.abs(d))
        if d.size < 2 or np.unique(ranks).size == ranks.size:
            continue
        expected = sps.wilcoxon(d, method="auto").pvalue
        assert _signed_rank_exact_p(ranks, ranks[d > 0].sum()) == pytest.approx(expected, abs=1e-12)
        checked += 1
    assert checked > 20
