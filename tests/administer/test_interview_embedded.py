"""A tiny real interview on the embedded models: SmolLM2-135M-Instruct answers three open questions and rates its
own answers; Gemma 3 270M (a base model) rates them too. The run completes, every reply is stored, and the
scores say what the raters could read."""

from __future__ import annotations

import math

import pytest

from psychometrics.administer import interview
from psychometrics.score import score
from psychometrics.store import Store

pytestmark = pytest.mark.embedded

MODEL = "local/smollm2-135m-instruct"
RATERS = [MODEL, "local/gemma-3-270m"]


def test_a_tiny_interview_on_the_embedded_models_completes(tmp_path):
    db = f"sqlite:///{tmp_path / 'runs.db'}"
    result = interview(MODEL, ["bfi44"], RATERS, limit_items=3, max_tokens=80, rater_max_tokens=24, db=db,
                       concurrency=1, timeout=600)
    assert result.run.status == "finished"
    with Store(db, create=False) as store:
        rows = list(store.iter_responses(result.run.run_id))
    answers = [r for r in rows if r.rates is None]
    ratings = [r for r in rows if r.rates is not None]
    assert len(answers) == 3 and all(r.status == "ok" and r.raw_text.strip() for r in answers)
    assert len(ratings) == 6 and {r.model for r in ratings} == set(RATERS)
    assert all(r.raw_text is not None and r.status in ("ok", "refused", "invalid") for r in ratings)
    assert any(r.status == "ok" for r in ratings)  # otherwise the run would have failed
    scores = score(result.run, db=db, n_boot=0)
    iv = scores.interview
    assert [c.rater for c in iv.rater_counts] == RATERS and sum(c.n for c in iv.rater_counts) == 6
    assert iv.n_answers == 3 and iv.n_rated >= 1
    for row in iv.reliability:  # one answer per scale: the ICC is missing with its reason, never made up
        assert row.single.reason if math.isnan(row.single.value) else -1 <= row.single.value <= 1
    assert iv.self_report == [] and iv.self_report_reason
