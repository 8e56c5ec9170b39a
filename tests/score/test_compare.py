"""Comparing two runs: the statistics and the typed record (the page: tests/report/test_compare_page.py)."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from scipy import stats

from psychometrics.score import Comparison, compare_runs, scale_difference


def test_welch_matches_scipy():
    rng = np.random.default_rng(1)
    a, b = rng.normal(3, 0.5, 12), rng.normal(3.6, 0.9, 9)
    d = scale_difference(a, b, test="welch")
    ref = stats.ttest_ind(b, a, equal_var=False)
    assert d["diff"] == pytest.approx(b.mean() - a.mean(), abs=1e-12)
    assert d["statistic"] == pytest.approx(ref.statistic, abs=1e-10)
    assert d["p"] == pytest.approx(ref.pvalue, abs=1e-12)
    ci = ref.confidence_interval(0.95)
    assert (d["ci_low"], d["ci_high"]) == pytest.approx((ci.low, ci.high), abs=1e-10)
    # Hedges' g by hand
    sp = math.sqrt(((12 - 1) * a.var(ddof=1) + (9 - 1) * b.var(ddof=1)) / 19)
    assert d["effect_size"] == pytest.approx((b.mean() - a.mean()) / sp * (1 - 3 / (4 * 21 - 9)), abs=1e-12)
    assert (d["n_a"], d["n_b"]) == (12, 9)


def test_mann_whitney_and_rank_biserial():
    a, b = [1, 2, 3, 4], [3, 5, 6, 7, 8]
    d = scale_difference(a, b, test="mann-whitney")
    ref = stats.mannwhitneyu(b, a, alternative="two-sided")
    assert d["p"] == pytest.approx(ref.pvalue) and d["statistic"] == ref.statistic
    # pairs (a, b) with b > a: 2 for b = 3 plus the tie (3, 3) as ½, and 4 each for b = 5…8 → U = 18.5;
    # r = 2 · 18.5 / 20 − 1 = 0.85
    assert d["statistic"] == 18.5 and d["effect_size"] == pytest.approx(0.85)
    assert d["test"] == "Mann-Whitney U" and d["effect_size_name"] == "rank-biserial r"


@pytest.mark.parametrize("a, b, reason", [
    ([], [1, 2], "no respondent has a score in run A"),
    ([1], [1, 2], "fewer than 2 respondents"),
    ([2, 2, 2], [2, 2], "same score in both runs"),
    ([2, 2, 2], [3, 3], "no spread within either run"),
])
def test_undefined_differences_say_why(a, b, reason):
    d = scale_difference(a, b)
    assert math.isnan(d["p"]) and reason in d["reason"]


@pytest.fixture(scope="module")
def comparison(runs) -> Comparison:
    return compare_runs(runs.full, runs.changed, db=runs.db, n_boot=0)


def test_planted_change_is_found(comparison):
    by = {(s.inventory, s.scale): s for s in comparison.scales}
    e = by[("bfi44", "extraversion")]
    assert e.diff < -1.0 and e.ci_high < 0 and e.changed is True and e.p_holm < 0.001
    # both runs scored the same respondents (template × order × sample): the shift is paired (issue 14)
    assert e.test == "paired t" and e.effect_size < -1
    assert e.n_a == e.n_b == 12
    assert by[("trait-scenarios", "extraversion")].changed is True
    assert any("bfi44 Extraversion" in line for line in comparison.changes)
    assert comparison.changes[0].startswith("Model: sim/default?extraversion=1 → sim/default?extraversion=-1")


def test_record_has_every_part(comparison):
    assert {(r.inventory, r.scale) for r in comparison.reliability} >= {("bfi44", "extraversion")}
    assert all(r.alpha_a is not None and r.alpha_b is not None for r in comparison.reliability)
    assert all(o.a is not None and o.b is not None and o.verdict_a for o in comparison.order_sensitivity)
    assert 0 < len(comparison.items) <= 15
    shifts = [i.shift for i in comparison.items]
    assert shifts == sorted(shifts, reverse=True)
    assert {i.measure for i in comparison.items} <= {"mean answer", "% high choices"}
    assert not comparison.only_in_a and not comparison.only_in_b
    assert comparison.prompts_shared == (44 + 96 + 32) * 3 * 2 and comparison.prompts_reworded == 0
    assert not any("worded differently" in line for line in comparison.changes + comparison.notes)


def test_json_round_trip_has_no_nan(comparison):
    text = comparison.model_dump_json()
    assert "NaN" not in text
    data = json.loads(text)
    assert set(data["scales"][0]) >= {"inventory", "scale", "mean_a", "mean_b", "diff", "ci_low", "ci_high", "test",
                                      "statistic", "p", "effect_size", "n_a", "n_b"}
    assert data["run_a"]["model"] == "sim/default?extraversion=1"


def test_same_run_twice_changes_nothing(runs):
    c = compare_runs(runs.one_template, runs.one_template, db=runs.db, n_boot=0, test="mann-whitney")
    assert all(s.changed is not True for s in c.scales)
    assert any(line.startswith("No scale score changed significantly") for line in c.changes)
    assert all(s.diff == 0 for s in c.scales)
    assert not c.items


def test_runs_without_common_scales(runs):
    c = compare_runs(runs.one_template, runs.refusals, db=runs.db, n_boot=0)
    assert not c.scales
    assert c.only_in_a and c.only_in_b
    assert "The two runs share no scored scale, so no difference can be computed." in c.notes


def test_reworded_prompts_are_named(runs, tmp_path):
    """Same template name, other wording (a template edited between two audits): the comparison says so."""
    from psychometrics.administer import audit

    wordings = ("Rate: {{ item.text }}\n", "How true is this of you? {{ item.text }}\n")
    run_ids = []
    for i, (model, wording) in enumerate(zip(("sim/steady", "sim/steady?extraversion=1"), wordings)):
        folder = tmp_path / str(i)
        folder.mkdir()
        (folder / "mine.j2").write_text(
            "{% if persona %}{{ persona }}\n{% endif %}" + wording
            + "{% for o in options %}{{ o.label }}. {{ o.text }}\n{% endfor %}Answer: ", encoding="utf-8")
        run_ids.append(audit(model, ["bfi44"], templates=[], template_files=[str(folder / "mine.j2")],
                             orders=["original"], limit_items=5, db=runs.db).run.run_id)
    c = compare_runs(*run_ids, db=runs.db, n_boot=0)
    assert (c.prompts_shared, c.prompts_reworded) == (5, 5)
    assert any(line.startswith("Prompt wording: 5 of the 5 question variants") for line in c.changes)
    assert any("worded differently" in note for note in c.notes)


def test_bad_options(runs):
    with pytest.raises(ValueError, match="test must be one of"):
        compare_runs(runs.full, runs.changed, db=runs.db, test="anova")  # type: ignore[arg-type]


def test_json_reads_back_and_reads_version_1(comparison):
    back = Comparison.model_validate_json(comparison.model_dump_json())
    assert back.version == 2 and back.significance == 0.05 and len(back.scales) == len(comparison.scales)
    assert back.scales[0].p == pytest.approx(comparison.scales[0].p)
    # version 1 called the significance level "alpha"
    old = json.loads(comparison.model_dump_json())
    old["version"] = 1
    old["alpha"] = old.pop("significance")
    assert Comparison.model_validate(old).significance == 0.05
    with pytest.raises(ValueError):
        Comparison.model_validate({**json.loads(comparison.model_dump_json()), "alpha": 0.05})
