"""Interviews of simulated respondents rated by simulated raters: the statistics against known truth.

The sim respondent answers each open question with a sentence for the value its planted trait level gives
(``providers/_sim.py``, "Interviews"); the sim rater reads the sentence back and adds Gaussian error of SD
``rater_noise`` before rounding to the scale. So the scale scores must follow the planted levels, and two raters
must agree as their noise implies (closed form below, computed here with scipy, not with the project's ICC).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

from psychometrics.administer import audit, interview
from psychometrics.administer.providers._sim import interview_value, parse_model, planted_level
from psychometrics.inventory import load_inventory
from psychometrics.score import score
from psychometrics.store import Store

MODEL = "sim/steady"
NOISE = 0.7
RATERS = [f"sim/default?rater_noise={NOISE}", f"sim/default?rater_noise={NOISE}&seed=1"]
SAMPLES = 24
ITEMS = 44  # every item: eight to ten per Big Five scale


@pytest.fixture(scope="module")
def rated(tmp_path_factory):
    db = f"sqlite:///{tmp_path_factory.mktemp('interview') / 'runs.db'}"
    result = interview(MODEL, ["bfi44"], RATERS, samples=SAMPLES, db=db)
    return result, db


def test_every_answer_is_stored_as_text_and_rated_by_every_rater(rated):
    result, db = rated
    with Store(db, create=False) as store:
        rows = list(store.iter_responses(result.run.run_id))
    answers = [r for r in rows if r.rates is None]
    ratings = [r for r in rows if r.rates is not None]
    assert len(answers) == SAMPLES * ITEMS and all(r.status == "ok" and r.value is None and r.raw_text for r in answers)
    assert len(ratings) == len(RATERS) * len(answers)
    assert {r.model for r in ratings} == set(RATERS)
    assert {r.rates for r in ratings} == {r.cell_id for r in answers}
    assert all(r.raw_text.startswith("Rating: ") and r.value in (1, 2, 3, 4, 5) for r in ratings)
    assert result.run.status == "finished" and result.run.n_cells == 3 * len(answers)


def test_rating_scores_recover_the_planted_levels(rated):
    result, db = rated
    scores = score(result.run, db=db, n_boot=0)
    inv = load_inventory("bfi44")
    frame = _respondent_scores(result, db)
    params = parse_model(MODEL.split("/", 1)[1])
    for sc in inv.scales:
        item = next(it.id for it in inv.items if it.scale == sc.id)
        mine = frame[frame["scale"] == sc.id]
        truth = [planted_level(params, {"inventory": "bfi44", "item": item, "template": "question",
                                        "order": "original", "sample": s, "persona": None}) for s in mine["sample"]]
        r = np.corrcoef(mine["score"], truth)[0, 1]
        assert r >= 0.9, (sc.id, r)
    assert {s.scale for s in scores.scales} == {sc.id for sc in inv.scales}


def test_two_noisy_raters_agree_as_their_noise_implies(rated):
    """ICC(2,1) of two unbiased raters with independent errors is Var(E[R|j]) / (Var(E[R|j]) + E[Var(R|j)]),
    where j is the answer's true point and R = clip(round(j + σε), 0, 4); without rounding and ends that is
    Var(j) / (Var(j) + σ²). ICC(2,k) is its Spearman–Brown step-up 2ρ/(1 + ρ). Tolerance: the intraclass r of
    two raters has Fisher z with SE ≈ 1/√(n − 3/2) (Fisher 1925, §39), so estimate and closed form must be within
    3 SE in z, and the closed form within pingouin's 95% interval."""
    result, db = rated
    scores = score(result.run, db=db, n_boot=0)
    truth = _true_points(result, db)
    points = np.arange(5)
    # P(R = r | j) for the rounded, clipped rating
    edges = np.concatenate([[-np.inf], points[:-1] + 0.5, [np.inf]])
    between = [r for r in scores.interview.reliability if r.kind == "between"]
    assert len(between) == 5
    for row in between:
        j = truth[truth["scale"] == row.scale]["point"].to_numpy()
        cdf = sps.norm.cdf((edges[None, :] - j[:, None]) / NOISE)
        p = np.diff(cdf, axis=1)
        m = p @ points
        v = p @ points**2 - m**2
        rho = m.var() / (m.var() + v.mean())
        est = row.single
        n = est.n
        assert n == len(j)
        z_tol = 3 / math.sqrt(n - 1.5)
        assert abs(math.atanh(est.value) - math.atanh(rho)) <= z_tol, (row.scale, est.value, rho)
        assert est.ci_low <= rho <= est.ci_high, (row.scale, est, rho)
        stepped = 2 * rho / (1 + rho)
        assert abs(math.atanh(row.average.value) - math.atanh(stepped)) <= z_tol * 1.5, (row.scale, row.average, stepped)
        assert rho < 0.95  # the noise is large enough to matter: a test that ignores it would fail


def test_noiseless_rater_reads_back_exactly_what_the_respondent_said(tmp_path):
    db = f"sqlite:///{tmp_path / 'runs.db'}"
    result = interview(MODEL, ["bfi44"], ["sim/default"], samples=3, limit_items=10, db=db)
    truth = _true_points(result, db)
    with Store(db, create=False) as store:
        ratings = {r.rates: r.value for r in store.iter_responses(result.run.run_id) if r.rates is not None}
    assert [ratings[c] for c in truth["cell_id"]] == list(truth["point"] + 1)
    scores = score(result.run, db=db, n_boot=0)
    assert scores.interview.reliability == [] and "one rater" in scores.interview.reliability_reason


def test_interview_agrees_with_a_self_report_of_the_same_planted_personas(tmp_path):
    db = f"sqlite:///{tmp_path / 'runs.db'}"
    model = "sim/steady?spread=0"
    traits = ["extraversion", "agreeableness", "conscientiousness", "neuroticism", "openness"]
    personas = [f"shape/{t}/{level}" for t in traits for level in (1, 3, 7, 9)]
    audit(model, ["bfi44"], templates=["instruct"], orders=["original"], personas=personas, limit_items=20, db=db)
    result = interview(model, ["bfi44"], ["sim/default"], personas=personas, limit_items=20, db=db)
    scores = score(result.run, db=db, n_boot=0)
    iv = scores.interview
    assert iv.self_report_run is not None and iv.self_report_reason is None
    assert len(iv.self_report) == 5
    for row in iv.self_report:
        assert row.correlation.n == len(personas)
        assert row.correlation.value >= 0.8, row
        assert row.correlation.ci_low < row.correlation.value < row.correlation.ci_high
        assert row.difference.ci_low <= 0 <= row.difference.ci_high, row  # same model, same people: no shift
    # the same comparison, named explicitly
    named = score(result.run, db=db, n_boot=0, self_report=iv.self_report_run)
    assert named.interview.self_report == iv.self_report


def test_without_a_self_report_the_agreement_is_missing_with_its_reason(rated):
    result, db = rated
    iv = score(result.run, db=db, n_boot=0).interview
    assert iv.self_report == [] and "no finished self-report run of sim/steady" in iv.self_report_reason


def test_rerunning_asks_nothing_and_a_lost_rating_is_asked_alone(tmp_path):
    db = f"sqlite:///{tmp_path / 'runs.db'}"
    first = interview(MODEL, ["bfi44"], RATERS, samples=2, limit_items=5, db=db)
    again = interview(MODEL, ["bfi44"], RATERS, samples=2, limit_items=5, db=db)
    assert first.asked == {MODEL: 10, RATERS[0]: 10, RATERS[1]: 10} and again.asked == {}
    assert again.run.run_id == first.run.run_id
    # what a kill leaves: some ratings and answers not stored yet
    with Store(db) as store:
        lost = [c for c in again.ratings if c.model_dump()["rates"]][:3]
        store._conn.execute("DELETE FROM responses WHERE cell_id IN (?, ?, ?)", [c.cell_id for c in lost])
    resumed = interview(MODEL, ["bfi44"], RATERS, samples=2, limit_items=5, db=db)
    assert sum(resumed.asked.values()) == 3
    assert resumed.run.counts == first.run.counts


def _respondent_scores(result, db) -> pd.DataFrame:
    from psychometrics.score import rated_answers, respondent_scores

    with Store(db, create=False) as store:
        frame = store.responses_frame(result.run.run_id)
    answers, _ = rated_answers(frame)
    return respondent_scores(answers)


def _true_points(result, db) -> pd.DataFrame:
    """Each answer's true point on the scale (0–4): the value the sim respondent expressed, from the sim."""
    params = parse_model(MODEL.split("/", 1)[1])
    values = load_inventory("bfi44").values
    with Store(db, create=False) as store:
        answers = [r for r in store.iter_responses(result.run.run_id) if r.rates is None]
    rows = [{"cell_id": r.cell_id, "scale": r.scale,
             "point": sorted(values).index(interview_value(params, {
                 "cell_id": r.cell_id, "inventory": r.inventory, "item": r.item, "template": r.template,
                 "order": r.order, "sample": r.sample, "persona": r.persona}))} for r in answers]
    return pd.DataFrame(rows)


def test_an_interview_run_is_not_resumed_as_an_audit(tmp_path):
    from psychometrics.administer import AuditError

    db = f"sqlite:///{tmp_path / 'runs.db'}"
    run = interview(MODEL, ["bfi44"], ["sim/default"], limit_items=2, db=db).run
    with pytest.raises(AuditError, match="is an interview"):
        audit(resume=run.run_id, db=db)
    with pytest.raises(AuditError, match="is an interview, not an audit"):
        audit(MODEL, ["bfi44"], run_id=run.run_id, db=db)


def test_a_changed_rater_template_asks_the_ratings_again_and_counts_only_the_new_ones(tmp_path):
    from psychometrics.plan import interview_dir

    db = f"sqlite:///{tmp_path / 'runs.db'}"
    mine = tmp_path / "rater.j2"
    shipped = (interview_dir() / "rater.j2").read_text(encoding="utf-8")
    mine.write_text(shipped, encoding="utf-8")
    first = interview(MODEL, ["bfi44"], ["sim/default"], rater_template=mine, limit_items=4, db=db)
    mine.write_text(shipped.replace("You are rating an interview.", "You rate interviews."), encoding="utf-8")
    second = interview(MODEL, ["bfi44"], ["sim/default"], rater_template=mine, limit_items=4, db=db)
    assert second.run.run_id == first.run.run_id and second.asked == {"sim/default": 4}
    iv = score(second.run, db=db, n_boot=0).interview
    assert [c.n for c in iv.rater_counts] == [4]
    with Store(db, create=False) as store:
        assert len(store.run_cell_ids(second.run.run_id)) == 8


def test_samples_without_personas_are_not_paired_with_the_self_report(tmp_path):
    """Sample k of the interview and sample k of the self-report are exchangeable draws, not one respondent: no
    r, and the means are compared unpaired (Welch over respondents)."""
    from psychometrics.stats import GroupDifference

    db = f"sqlite:///{tmp_path / 'runs.db'}"
    model = "sim/steady?extraversion=1.5"
    audit(model, ["bfi44"], templates=["instruct"], orders=["original"], samples=6, limit_items=10, db=db)
    result = interview(model, ["bfi44"], ["sim/default"], samples=6, limit_items=10, db=db)
    iv = score(result.run, db=db, n_boot=0).interview
    assert iv.self_report and iv.respondent.startswith("none")
    for row in iv.self_report:
        assert math.isnan(row.correlation.value) and "exchangeable draws" in row.correlation.reason
        assert isinstance(row.difference, GroupDifference) and row.difference.test == "Welch t"
        assert row.difference.n_a == 6 and row.difference.n_b == 6
        assert row.difference.diff == pytest.approx(row.interview_mean - row.self_report_mean)


def test_a_refused_interview_answer_is_stored_refused_and_not_rated(tmp_path):
    db = f"sqlite:///{tmp_path / 'runs.db'}"
    result = interview("sim/refuser", ["bfi44"], ["sim/default"], samples=4, limit_items=5, db=db)
    with Store(db, create=False) as store:
        rows = list(store.iter_responses(result.run.run_id))
    answers = [r for r in rows if r.rates is None]
    refused = [r for r in answers if r.status == "refused"]
    assert refused and len(refused) < len(answers)  # the sim refuses half its items
    assert all(r.error.startswith("refusal: ") for r in refused)
    assert all(r.status == "ok" for r in answers if r not in refused)
    assert {r.rates for r in rows if r.rates is not None} == {r.cell_id for r in answers if r.status == "ok"}
    iv = score(result.run, db=db, n_boot=0).interview
    assert iv.n_refused == len(refused) and iv.n_answers == len(answers) - len(refused)


def test_a_rating_cell_error_names_the_rater_options(tmp_path):
    from psychometrics.administer import AuditError
    from psychometrics.administer._call import budget_reason

    db = f"sqlite:///{tmp_path / 'runs.db'}"
    with pytest.raises(AuditError, match=r"use --rater-mode generate or auto"):
        interview(MODEL, ["bfi44"], ["sim/default"], rater_mode="logprobs", limit_items=2, db=db)
    rating = interview(MODEL, ["bfi44"], ["sim/default"], limit_items=1, db=db, run_id="ok").ratings[0]
    assert budget_reason(16, rating).endswith("raise it with --rater-max-tokens")
    assert budget_reason(16, rating.model_copy(update={"rates": None})).endswith("raise it with --max-tokens")


def test_the_summary_names_the_rater_budget_for_a_cut_rating(tmp_path, capsys):
    """An interview's answers are free text and never cut before an answer; a rating is, and its stored reason
    names ``--rater-max-tokens``: the summary's hint must name the same option and the rater's budget (it named
    ``--max-tokens`` and the answers' budget). One rating is marked as cut, as the rater path stores it."""
    import sqlite3

    from psychometrics.administer._call import budget_reason
    from psychometrics.cli._summary import print_run_summary

    path = tmp_path / "runs.db"
    result = interview(MODEL, ["bfi44"], ["sim/default"], limit_items=3, rater_max_tokens=16, db=f"sqlite:///{path}",
                       run_id="cut")
    rating = result.ratings[0]
    with sqlite3.connect(path) as con:
        con.execute("UPDATE responses SET status = 'invalid', value = NULL, finish_reason = 'length', error = ? "
                    "WHERE cell_id = ?", (budget_reason(16, rating), rating.cell_id))
    capsys.readouterr()
    print_run_summary("cut", db=f"sqlite:///{path}", json_=False)
    text = " ".join(capsys.readouterr().out.split())
    assert ("1 generated reply stopped at the token budget (max_tokens 16) before an answer: raise it with "
            "--rater-max-tokens") in text
