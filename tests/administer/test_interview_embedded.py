"""A tiny real interview on the embedded models: SmolLM2-135M-Instruct answers two open questions; it and Gemma 3
270M (a base model) rate every answer by the probabilities of the scale's labels after the rater prompt (the
default ``rater_mode="auto"``, sent as raw text the raters continue). Every rating must be read on the scale, and
the scores carry the rater-agreement section (an ICC, or its reason when it cannot be computed)."""

from __future__ import annotations

import math

import pytest

from psychometrics.administer import interview
from psychometrics.score import score
from psychometrics.store import Store

pytestmark = pytest.mark.embedded

MODEL = "local/smollm2-135m-instruct"
RATERS = [MODEL, "local/gemma-3-270m"]


def test_a_tiny_interview_on_the_embedded_models_reads_every_rating_from_the_label_probabilities(tmp_path):
    """With the default rater settings: an embedded rater is read by log-probs of the raw rater prompt."""
    db = f"sqlite:///{tmp_path / 'runs.db'}"
    result = interview(MODEL, ["bfi44"], RATERS, limit_items=2, max_tokens=40, db=db, concurrency=1, timeout=900)
    with Store(db, create=False) as store:
        (run,) = store.list_runs()
        rows = list(store.iter_responses(run.run_id))
    answers = [r for r in rows if r.rates is None]
    ratings = [r for r in rows if r.rates is not None]
    assert len(answers) == 2 and all(r.status == "ok" and r.raw_text.strip() for r in answers)
    assert len(ratings) == 4 and {r.model for r in ratings} == set(RATERS)
    assert [(r.status, r.mode) for r in ratings] == [("ok", "logprobs")] * 4, [r.error for r in ratings]
    for r in ratings:  # a reading, not a made-up number: the probabilities are on the item's labels
        assert r.value in r.option_probs and math.isclose(sum(r.option_probs.values()), 1, abs_tol=1e-6)
        assert r.mass_outside < 0.5
    assert run.status == "finished" and result.run.mode_used == "generate+logprobs"
    iv = score(run, db=db, n_boot=0).interview
    assert [c.rater for c in iv.rater_counts] == RATERS and all(c.counts["ok"] == 2 for c in iv.rater_counts)
    assert iv.n_rated == 2 and iv.reliability_reason is None
    assert [(row.scale, row.kind) for row in iv.reliability] == [(sc, "between") for sc in (
        "extraversion", "agreeableness", "conscientiousness", "neuroticism", "openness")]
    answered = {row.scale: row.n for row in iv.reliability}
    assert answered == {"extraversion": 1, "agreeableness": 1, "conscientiousness": 0, "neuroticism": 0, "openness": 0}
    for row in iv.reliability:  # at most one answer per scale: the ICC is missing with its reason, never made up
        assert math.isnan(row.single.value) and row.single.reason and math.isnan(row.average.value)
