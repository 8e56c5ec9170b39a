"""Test–retest reliability (issue 17 §3): between two runs of one design in `compare` and on the schedule page, and
across repeated samples within a run; checked against pingouin's own intraclass_corr on the matched frame."""

from __future__ import annotations

import json
import math
import textwrap
import warnings

import pandas as pd
import pingouin
import pytest
from typer.testing import CliRunner

from psychometrics.administer import audit
from psychometrics.cli import app
from psychometrics.report import COMPARE_SECTION_IDS, render_audit_report, render_comparison_report
from psychometrics.schedule import ScheduleSummary
from psychometrics.score import compare_runs, respondent_scores, score
from tests.score.conftest import frame, run

DESIGN = dict(templates=["instruct", "qa"], orders=["original", "reversed"], samples=4)
FIRST = "sim/steady"
# The same simulated people (same seed) answering with more jitter, one trait planted 1 SD higher.
SECOND = "sim/steady?noise=0.3&extraversion=1"


@pytest.fixture(scope="module")
def two_runs(score_db):
    return run(score_db, FIRST, ["bfi44"], **DESIGN), run(score_db, SECOND, ["bfi44"], **DESIGN)


def _pingouin(long: pd.DataFrame, targets: str, raters: str) -> pd.DataFrame:
    """pingouin's ICC table (unrounded), indexed by McGraw–Wong type: ICC(A,1) = ICC(2,1), ICC(C,1) = ICC(3,1)."""
    saved = dict(pingouin.options)
    pingouin.options.update({key: None for key in saved if key == "round" or key.startswith("round.")})
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # pingouin's own deprecated pandas calls
            res = pingouin.intraclass_corr(data=long, targets=targets, raters=raters, ratings="score")
    finally:
        pingouin.options.clear()
        pingouin.options.update(saved)
    return res.set_index("Type")


def test_retest_icc_of_two_sim_runs_equals_pingouin_on_the_matched_frame(score_db, two_runs):
    cmp = compare_runs(*two_runs, db=score_db, n_boot=0)
    assert cmp.retest_reason is None and len(cmp.retest) == 5
    scores = [respondent_scores(frame(score_db, r)) for r in two_runs]
    for row in cmp.retest:
        sides = [s[s["scale"] == row.scale].set_index("respondent")["score"] for s in scores]
        matched = pd.concat(sides, axis=1, keys=["a", "b"], join="inner").reset_index(names="respondent")
        long = matched.melt(id_vars="respondent", var_name="run", value_name="score")
        ref = _pingouin(long, "respondent", "run")
        assert row.n == len(matched) == 16 and row.n_unmatched == 0
        assert row.agreement.value == pytest.approx(ref.loc["ICC(A,1)", "ICC"], abs=1e-12)
        assert row.consistency.value == pytest.approx(ref.loc["ICC(C,1)", "ICC"], abs=1e-12)
        assert [row.agreement.ci_low, row.agreement.ci_high] == pytest.approx(list(ref.loc["ICC(A,1)", "CI95"]))
        assert [row.consistency.ci_low, row.consistency.ci_high] == pytest.approx(list(ref.loc["ICC(C,1)", "CI95"]))
    by_scale = {r.scale: r for r in cmp.retest}
    # the same people: high consistency on every scale; the planted shift costs agreement, not consistency
    assert all(r.consistency.value > 0.8 for r in cmp.retest)
    ext = by_scale["extraversion"]
    assert ext.agreement.value < ext.consistency.value - 0.2
    assert by_scale["openness"].agreement.value > 0.8


def test_compare_json_terminal_and_page_show_test_retest(score_db, two_runs, tmp_path):
    result = CliRunner().invoke(app, ["compare", *two_runs, "--db", score_db, "--json", "--n-boot", "0"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert {r["scale"] for r in data["retest"]} == {"extraversion", "agreeableness", "conscientiousness",
                                                    "neuroticism", "openness"}
    result = CliRunner().invoke(app, ["compare", *two_runs, "--db", score_db, "--n-boot", "0", "--out",
                                      str(tmp_path / "cmp.html")], terminal_width=200)
    assert result.exit_code == 0, result.output
    assert "test–retest ICC(2,1) / ICC(3,1), bfi44: extraversion" in result.stdout
    assert "retest" in COMPARE_SECTION_IDS
    html = render_comparison_report(compare_runs(*two_runs, db=score_db, n_boot=0))
    section = html[html.index('<section id="retest">'):]
    section = section[:section.index("</section>")]
    assert "Test–retest reliability" in section and section.count("<tr><td>bfi44</td>") == 5


def test_runs_of_different_designs_have_no_retest_and_say_why(score_db, two_runs):
    other = run(score_db, FIRST, ["bfi44"], templates=["short"], orders=["original"], samples=2)
    cmp = compare_runs(two_runs[0], other, db=score_db, n_boot=0)
    assert cmp.retest == [] and "no respondent" in cmp.retest_reason


def test_a_run_that_reuses_the_other_runs_answers_has_no_retest_and_says_why(score_db, two_runs):
    # The same model and design under another run id asks nothing: every answer is the first run's, reused.
    again = audit(FIRST, ["bfi44"], db=score_db, run_id="retest-again", **DESIGN)
    assert again.tally.requests == 0
    for a, b in ((two_runs[0], again.run.run_id), (two_runs[0], two_runs[0])):
        cmp = compare_runs(a, b, db=score_db, n_boot=0)
        assert cmp.retest == [] and "reuses the first run's stored answers" in cmp.retest_reason


def test_stability_across_repeated_samples_within_a_run_equals_pingouin(score_db):
    run_id = run(score_db, FIRST, ["bfi44"], templates=["instruct", "qa"], orders=["original", "reversed"],
                 samples=3, temperature=0.7)
    scored = score(run_id, db=score_db, n_boot=0)
    assert scored.sample_retest_reason is None and len(scored.sample_retest) == 5
    scores = respondent_scores(frame(score_db, run_id))
    scores["target"] = scores["template"] + "|" + scores["order"]
    for row in scored.sample_retest:
        assert row.n_samples == 3 and row.temperature == 0.7
        part = scores[scores["scale"] == row.scale][["target", "sample", "score"]]
        ref = _pingouin(part, "target", "sample")
        assert row.agreement.value == pytest.approx(ref.loc["ICC(A,1)", "ICC"], abs=1e-12)
        assert row.consistency.value == pytest.approx(ref.loc["ICC(C,1)", "ICC"], abs=1e-12)
        assert row.agreement.n == 4 and row.agreement.n_items == 3


def test_samples_at_temperature_zero_are_missing_with_the_reason(score_db, two_runs):
    scored = score(two_runs[0], db=score_db, n_boot=0)
    assert scored.sample_retest == [] and "temperature 0" in scored.sample_retest_reason


def test_too_few_matched_respondents_is_missing_with_its_reason(score_db):
    a = run(score_db, FIRST, ["bfi44"], templates=["instruct"], orders=["original"], samples=2)
    b = run(score_db, SECOND, ["bfi44"], templates=["instruct"], orders=["original"], samples=2)
    cmp = compare_runs(a, b, db=score_db, n_boot=0)
    for row in cmp.retest:
        assert row.n == 2 and math.isnan(row.agreement.value)
        assert row.agreement.reason == "2 matched respondent(s): the ICC needs at least 3"


def test_the_schedule_page_reports_test_retest_between_versions(tmp_path):
    plan = tmp_path / "plan.yaml"
    plan.write_text(textwrap.dedent("""\
        name: retest-plan
        db: sqlite:///audits.db
        inventories: [bfi44]
        design: {templates: [instruct, qa], orders: [original, reversed], samples: 2, limit_items: 10}
        models:
          - "sim/steady"
          - "sim/steady?noise=0.3"
        """), encoding="utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["schedule", str(plan), "--out", str(out)])
    summary = ScheduleSummary.from_json((out / "summary.json").read_text(encoding="utf-8"))
    assert not summary.errors, result.output
    [comparison] = summary.comparisons
    assert comparison.retest_reason is None and {r.n for r in comparison.retest} == {8}
    assert all(r.consistency.value > 0.5 for r in comparison.retest if not math.isnan(r.consistency.value))
    page = (out / "index.html").read_text(encoding="utf-8")
    assert "test–retest reliability of sim/steady?noise=0.3 against sim/steady" in page


def test_the_audit_report_shows_stability_across_samples_or_why_there_is_none(score_db, two_runs):
    warm = run(score_db, FIRST, ["bfi44"], templates=["instruct", "qa"], orders=["original", "reversed"],
               samples=3, temperature=0.7)
    html = render_audit_report(warm, db=score_db, n_boot=0)
    section = html[html.index('<h3 id="sample-stability">'):]
    section = section[:section.index("</section>")]
    assert section.count("<tr><td>bfi44</td>") == 5 and "ICC(2,1)" in section
    cold = render_audit_report(two_runs[0], db=score_db, n_boot=0)
    section = cold[cold.index('<h3 id="sample-stability">'):]
    assert "sampled at temperature 0" in section[:section.index("</section>")]


def test_the_schedule_page_reports_each_versions_stability_across_samples(tmp_path):
    plan = tmp_path / "plan.yaml"
    plan.write_text(textwrap.dedent("""\
        name: stability-plan
        db: sqlite:///audits.db
        inventories: [bfi44]
        design: {templates: [instruct, qa], orders: [original, reversed], samples: 3, limit_items: 10,
                 temperature: 0.7}
        models:
          - "sim/steady"
          - "sim/steady?noise=0.3"
        """), encoding="utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["schedule", str(plan), "--out", str(out)])
    summary = ScheduleSummary.from_json((out / "summary.json").read_text(encoding="utf-8"))
    assert not summary.errors, result.output
    for version in summary.versions:
        assert version.sample_retest_reason is None and len(version.sample_retest) == 5
        assert {r.temperature for r in version.sample_retest} == {0.7}
    page = (out / "index.html").read_text(encoding="utf-8")
    section = page[page.index('<h3 id="stability">'):]
    section = section[:section.index("</section>")]
    assert section.count("<td>bfi44 / ") == 10 and "#2" in section


def test_runs_that_asked_different_items_are_compared_over_the_items_asked_in_both(score_db):
    design = dict(templates=["instruct", "qa"], orders=["original", "reversed"], samples=4)
    a = run(score_db, FIRST, ["bfi44"], limit_items=20, **design)
    b = run(score_db, SECOND, ["bfi44"], limit_items=30, **design)
    cmp = compare_runs(a, b, db=score_db, n_boot=0)
    assert cmp.retest_note == ("the runs asked different items (0 only in the first, 10 only in the second): both "
                               "runs' scale scores use only the 20 item(s) asked in both")
    fa, fb = frame(score_db, a), frame(score_db, b)
    fb = fb[fb["item"].isin(set(fa["item"]))]
    scores = [respondent_scores(f) for f in (fa, fb)]
    for row in cmp.retest:
        sides = [s[s["scale"] == row.scale].set_index("respondent")["score"] for s in scores]
        matched = pd.concat(sides, axis=1, keys=["a", "b"], join="inner").dropna().reset_index(names="respondent")
        ref = _pingouin(matched.melt(id_vars="respondent", var_name="run", value_name="score"), "respondent", "run")
        assert row.agreement.value == pytest.approx(ref.loc["ICC(A,1)", "ICC"], abs=1e-12), row.scale
    result = CliRunner().invoke(app, ["compare", a, b, "--db", score_db, "--n-boot", "0"], terminal_width=200)
    assert result.exit_code == 0, result.output
    assert "test–retest: the runs asked different items" in result.stdout


def test_retest_of_a_scale_that_cannot_be_read_is_not_assessable_however_high_the_icc(score_db, tmp_path):
    # A model that always picks the first option repeats itself exactly: its ICC is 1 on every scale, which is the
    # response style's stability, not the trait's (a newcomer's finding, issue 14 F5).
    a = run(score_db, "sim/biased", ["bfi44"], **DESIGN)
    b = run(score_db, "sim/biased?seed=0", ["bfi44"], **DESIGN)
    cmp = compare_runs(a, b, db=score_db, n_boot=0)
    assert len(cmp.retest) == 5
    for row in cmp.retest:
        assert row.assessable is False
        assert row.reason.startswith("not readable in run A (") and "not readable in run B (" in row.reason
    result = CliRunner().invoke(app, ["compare", a, b, "--db", score_db, "--n-boot", "0", "--out",
                                      str(tmp_path / "cmp.html")], terminal_width=200)
    assert result.exit_code == 0, result.output
    line = next(x for x in result.stdout.splitlines() if x.startswith("test–retest ICC(2,1) / ICC(3,1), bfi44:"))
    assert line.count("not assessable") == 5
    assert result.stdout.count("test–retest not assessable, bfi44:") == 5
    section = (tmp_path / "cmp.html").read_text(encoding="utf-8")
    section = section[section.index('<section id="retest">'):]
    section = section[:section.index("</section>")]
    assert section.count('<tr class="not-a-trait">') == 5 and section.count("not assessable</span>") == 5


def test_retest_of_readable_scales_is_assessable(score_db, two_runs):
    cmp = compare_runs(*two_runs, db=score_db, n_boot=0)
    readable = {s.scale for s in score(two_runs[0], db=score_db, n_boot=0).scales if s.interpretable} & {
        s.scale for s in score(two_runs[1], db=score_db, n_boot=0).scales if s.interpretable}
    assert readable
    assert {r.scale for r in cmp.retest if r.assessable and r.reason is None} == readable
