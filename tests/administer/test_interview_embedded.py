"""A tiny real interview on the embedded models: SmolLM2-135M-Instruct answers three open questions and rates its
own answers; Gemma 3 270M (a base model) rates them too. Every answer and every rater's reply is stored; the run
either has ratings read on the scale and is scored, or (these small models may not rate at all) fails by the
no-rating rule, with its replies kept — it never ends quietly with nothing read."""

from __future__ import annotations

import math

import pytest

from psychometrics.administer import AuditError, interview
from psychometrics.score import score
from psychometrics.store import Store

pytestmark = pytest.mark.embedded

MODEL = "local/smollm2-135m-instruct"
RATERS = [MODEL, "local/gemma-3-270m"]


def test_a_tiny_interview_on_the_embedded_models_stores_every_reply_and_follows_the_no_rating_rule(tmp_path):
    db = f"sqlite:///{tmp_path / 'runs.db'}"
    failed = None
    try:
        interview(MODEL, ["bfi44"], RATERS, limit_items=3, max_tokens=80, rater_max_tokens=24, db=db, concurrency=1,
                  timeout=900)
    except AuditError as exc:
        failed = str(exc)
    with Store(db, create=False) as store:
        (run,) = store.list_runs()
        rows = list(store.iter_responses(run.run_id))
    answers = [r for r in rows if r.rates is None]
    ratings = [r for r in rows if r.rates is not None]
    assert len(answers) == 3 and all(r.status == "ok" and r.raw_text.strip() for r in answers)
    assert len(ratings) == 6 and {r.model for r in ratings} == set(RATERS)
    assert all(r.raw_text is not None and r.status in ("ok", "refused", "invalid") for r in ratings)
    read = [r for r in ratings if r.status == "ok"]
    if not read:
        assert failed is not None and "has no rating that could be read" in failed and run.status == "failed"
        return
    assert failed is None and run.status == "finished"
    iv = score(run, db=db, n_boot=0).interview
    assert [c.rater for c in iv.rater_counts] == RATERS and sum(c.counts["ok"] for c in iv.rater_counts) == len(read)
    for row in iv.reliability:  # one answer per scale: the ICC is missing with its reason, never made up
        assert row.single.reason if math.isnan(row.single.value) else -1 <= row.single.value <= 1
