"""Consistency across parallel forms (issue 17 §2): `audit` with several forms, `score` over runs of several forms,
in `score --json` and the report section "Consistency across forms"."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from psychometrics.cli import app
from psychometrics.report import SECTION_IDS, render_audit_report
from psychometrics.score import AuditScores, score
from tests.score.conftest import frame, run

runner = CliRunner()
DESIGN = dict(templates=["instruct"], orders=["original"], samples=16, limit_items=20)
ALIKE = "sim/steady?spread=1"
SHIFTED = "sim/steady?spread=1&form_shift=1"


@pytest.fixture(scope="module")
def alike_run(score_db):
    """A respondent that answers the paraphrase as it answers the original (up to the answer-level jitter)."""
    return run(score_db, ALIKE, ["ipip50", "ipip50-paraphrase"], **DESIGN)


@pytest.fixture(scope="module")
def shifted_run(score_db):
    """A respondent planted to answer the paraphrase as someone 1 SD higher on every trait."""
    return run(score_db, SHIFTED, ["ipip50", "ipip50-paraphrase"], **DESIGN)


def _scores(db: str, run_id: str | list[str]) -> AuditScores:
    return score(run_id, db=db, n_boot=0)


def test_a_respondent_answering_both_forms_alike_gives_reliability_near_one(score_db, alike_run):
    [pair] = _scores(score_db, alike_run).forms
    assert (pair.original, pair.form, pair.relation) == ("ipip50", "ipip50-paraphrase", "paraphrase")
    assert pair.n_respondents == 16
    assert {sc.scale for sc in pair.scales} == {"extraversion", "agreeableness", "conscientiousness", "neuroticism",
                                                "openness"}
    scored = [sc for sc in pair.scales if sc.reliability.n]  # the first 20 items cover every scale
    assert len(scored) == 5
    for sc in scored:
        assert sc.reliability.value > 0.95 and sc.reliability.n == 16, sc
        assert sc.verdict == "consistent" and not sc.verdict_reasons, sc
        assert abs(sc.shift.diff) < 0.2, sc
    items = pair.items.to_frame()
    assert len(items) == 20 and (items["n"] == 16).all()
    assert items["identical"].mean() > 0.8 and items["mad"].mean() < 0.25


def test_a_respondent_planted_to_answer_the_paraphrase_differently_is_flagged(score_db, shifted_run):
    [pair] = _scores(score_db, shifted_run).forms
    for sc in pair.scales:
        assert sc.verdict == "inconsistent", sc
        assert sc.shift.p < 0.01 and sc.shift.diff > 0.5, sc  # form − original: the paraphrase scores higher
        assert "shift" in sc.verdict_reasons[0]
    assert pair.items.to_frame()["identical"].mean() < 0.5


def test_score_over_runs_of_several_forms_matches_one_audit_of_both(score_db, alike_run):
    first = run(score_db, ALIKE, ["ipip50"], **DESIGN)
    second = run(score_db, ALIKE, ["ipip50-paraphrase"], **DESIGN)
    together = _scores(score_db, [first, second]).forms
    at_once = _scores(score_db, alike_run).forms
    assert len(together) == 1
    for a, b in zip(together[0].scales, at_once[0].scales):
        assert a.reliability.value == pytest.approx(b.reliability.value, abs=1e-12)
        assert a.shift.diff == pytest.approx(b.shift.diff, abs=1e-12)
    result = runner.invoke(app, ["score", first, second, "--db", score_db, "--n-boot", "0", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["forms"][0]["form"] == "ipip50-paraphrase"
    assert data["forms"][0]["scales"][0]["reliability"]["value"] > 0.95
    assert AuditScores.model_validate(data).forms[0].scales[0].verdict == "consistent"


def test_runs_sharing_an_inventory_are_refused_in_one_line(score_db, alike_run):
    other = run(score_db, ALIKE, ["ipip50"], **DESIGN)
    result = runner.invoke(app, ["score", alike_run, other, "--db", score_db, "--n-boot", "0"])
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "inventory ipip50 is in runs" in lines[0], result.stderr


def test_score_prints_and_the_report_shows_consistency_across_forms(score_db, shifted_run):
    result = runner.invoke(app, ["score", shifted_run, "--db", score_db, "--n-boot", "0"], terminal_width=200)
    assert result.exit_code == 0, result.output
    assert "Consistency across forms" in result.stdout and "inconsistent" in result.stdout
    html = render_audit_report(shifted_run, db=score_db, n_boot=0)
    assert "forms" in SECTION_IDS
    section = html[html.index('<section id="forms">'):]
    section = section[:section.index("</section>")]
    assert "Consistency across forms" in section and "ipip50 × ipip50-paraphrase" in section
    assert section.count('class="badge inconsistent"') == 5


def test_scenario_forms_compare_answers_as_categories(score_db):
    run_id = run(score_db, ALIKE, ["trait-scenarios", "trait-scenarios-paraphrase"], templates=["instruct"],
                 orders=["original"], samples=8, limit_items=16)
    [pair] = _scores(score_db, run_id).forms
    assert pair.nominal
    items = pair.items.to_frame()
    assert items["mad"].isna().all()
    assert (items["reason"] == "the answers are categories: no distance between them").all()
    assert items["identical"].notna().all()


def test_one_form_alone_has_no_forms_entry(score_db):
    run_id = run(score_db, ALIKE, ["ipip50-paraphrase"], **DESIGN)
    assert _scores(score_db, run_id).forms == []
    html = render_audit_report(run_id, db=score_db, n_boot=0)
    assert "no two parallel forms of one inventory were scored together" in html


def test_the_verdict_is_inconclusive_when_the_intervals_cannot_rule_a_difference_out():
    from psychometrics.score._forms import _scale_verdict
    from psychometrics.stats import mean_shift, parallel_forms_reliability

    a = [3.0, 3.4, 2.2, 4.0, 3.6, 2.8, 3.2, 2.5, 3.9, 2.1]
    close = [3.1, 3.3, 2.3, 4.1, 3.5, 2.8, 3.2, 2.6, 3.8, 2.1]  # r ≈ .99, shift ≈ 0 with a narrow interval
    noisy = [3.9, 3.0, 2.2, 4.6, 3.4, 3.8]  # r ≈ .6, shift +0.4 with a wide interval
    verdict, _ = _scale_verdict(parallel_forms_reliability(a, close), mean_shift(a, close), 4.0)
    assert verdict == "consistent"
    verdict, reasons = _scale_verdict(parallel_forms_reliability(a[:6], noisy), mean_shift(a[:6], noisy), 4.0)
    assert verdict == "inconclusive" and len(reasons) == 2
    verdict, reasons = _scale_verdict(parallel_forms_reliability(a[:2], close[:2]), mean_shift(a[:1], close[:1]), 4.0)
    assert verdict == "inconclusive"  # r needs 3 pairs; one pair has a shift but no interval
    verdict, _ = _scale_verdict(parallel_forms_reliability([], []), mean_shift([], []), 4.0)
    assert verdict == "not enough data"


def test_a_perfect_correlation_from_a_handful_of_respondents_does_not_certify_consistency():
    # r = 1 collapses Fisher's interval to [1, 1] at any n; four respondents cannot show that forms agree
    from psychometrics.score._forms import _scale_verdict
    from psychometrics.stats import mean_shift, parallel_forms_reliability

    a, b = [2.0, 3.0, 4.0, 5.0], [2.0, 3.0, 4.0, 5.0]
    rel = parallel_forms_reliability(a, b)
    assert (rel.value, rel.ci_low, rel.n) == (1.0, 1.0, 4)
    verdict, reasons = _scale_verdict(rel, mean_shift(a, [x + 0.01 for x in b]), 4.0)
    assert verdict == "inconclusive"
    assert reasons == ["only 4 matched respondent(s): calling the forms consistent needs at least 10"]


def test_forms_cut_to_different_items_are_compared_over_the_items_asked_on_both(score_db, tmp_path):
    # A user's form that lists the paraphrases in another order: --limit-items then asks other items of it.
    import yaml

    from psychometrics.inventory import inventory_dir, load_inventory, score_scales

    doc = yaml.safe_load((inventory_dir() / "ipip50-paraphrase.yaml").read_text())
    doc["id"], doc["items"] = "ipip50-paraphrase-rev", doc["items"][::-1]
    path = tmp_path / "ipip50-paraphrase-rev.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True))
    run_id = run(score_db, ALIKE, ["ipip50", str(path)], templates=["instruct"], orders=["original"], samples=12,
                 limit_items=30)
    [pair] = _scores(score_db, run_id).forms
    # the first 30 of ipip50 are items 1–30; the first 30 of the reversed form render items 50…21
    assert pair.note is not None and "the 10 original item(s) asked on both" in pair.note
    assert "20 only on ipip50 (" in pair.note and "20 only on ipip50-paraphrase-rev (" in pair.note
    answers = frame(score_db, run_id)
    answers = answers[answers["status"] == "ok"].assign(respondent=lambda d: d["template"] + "|" + d["order"] + "|"
                                                        + d["sample"].astype(str) + "|-")
    original = load_inventory("ipip50")
    shared = {str(i) for i in range(21, 31)}
    ref = score_scales(original, answers[(answers["inventory"] == "ipip50") & answers["item"].isin(shared)]
                       [["respondent", "item", "value"]])
    for sc in pair.scales:
        expected = ref[ref["scale"] == sc.scale]["score"].mean()
        assert sc.shift.mean_a == pytest.approx(expected, abs=1e-12), sc.scale
        assert sc.reliability.value > 0.8 and abs(sc.shift.diff) < 0.2, sc  # two shared items per scale


def test_score_over_two_runs_uses_each_runs_temperature_for_sample_stability(score_db):
    design = dict(templates=["instruct", "qa"], orders=["original"], samples=3, limit_items=20)
    cold = [run(score_db, ALIKE, [inv], **design) for inv in ("ipip50", "ipip50-paraphrase")]
    scored = _scores(score_db, cold)
    assert scored.sample_retest == [] and "temperature 0" in scored.sample_retest_reason
    warm = [run(score_db, ALIKE, [inv], temperature=0.7, **design) for inv in ("ipip50", "ipip50-paraphrase")]
    scored = _scores(score_db, warm)
    assert scored.sample_retest_reason is None
    assert {r.temperature for r in scored.sample_retest} == {0.7}
    assert {r.inventory for r in scored.sample_retest} == {"ipip50", "ipip50-paraphrase"}
