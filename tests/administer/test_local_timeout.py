"""``--timeout`` on the embedded model counts evaluation time, not the time a request waits for the model.

The embedded model evaluates one request (or one shared-prefix batch) at a time; with ``--concurrency`` 8 the
eighth request waits for seven evaluations. A deterministic slow engine (every evaluation takes a fixed time)
stands in for llama.cpp on a loaded machine: before the change, the timeout counted from when a cell was sent, so
the cells at the back of the queue timed out, and each retry queued behind the evaluation it had given up on.
"""

from __future__ import annotations

import threading
import time

import pytest

from psychometrics.administer import AuditError, audit
from psychometrics.administer._retry import RetryPolicy
from psychometrics.administer.providers import _local
from psychometrics.administer.providers._sim import prompt_text
from psychometrics.store import Store

DESIGN = dict(inventories=["bfi44"], templates=["instruct"], orders=["original"], mode="generate", limit_items=16)


class SlowEngine:
    """Every evaluation takes ``seconds`` and answers "3"; counts evaluations per prompt."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.evaluations: dict[str, int] = {}
        self._lock = threading.Lock()

    def read_request(self, model, messages, optional_params, litellm_params):
        opts = _local.parse_model(model)
        return _local.Request(opts, None, prompt_text(messages), optional_params, [])  # type: ignore[arg-type]

    def answer(self, req):
        with self._lock:
            self.evaluations[req.prompt] = self.evaluations.get(req.prompt, 0) + 1
        time.sleep(self.seconds)
        return dict(content="3", top=None, prompt_tokens=10, completion_tokens=1, finish_reason="stop")


@pytest.fixture
def slow(monkeypatch):
    def install(seconds: float) -> SlowEngine:
        engine = SlowEngine(seconds)
        monkeypatch.setattr(_local, "read_request", engine.read_request)
        monkeypatch.setattr(_local, "answer", engine.answer)
        return engine
    return install


def _stored(db: str, run_id: str):
    with Store(db, create=False) as store:
        return list(store.iter_responses(run_id))


def test_time_waiting_for_the_model_does_not_count_toward_the_timeout(db, slow):
    """16 cells, 8 in flight, 0.25 s per evaluation: the last of each eight waits ~1.75 s for the model, longer
    than the 1 s timeout, but none of them takes 1 s to evaluate: every cell is answered, each evaluated once."""
    engine = slow(0.25)
    result = audit("local/gemma-3-270m", **DESIGN, db=db, run_id="queued", concurrency=8, timeout=1.0,
                   retry_policy=RetryPolicy(retries=4, base_delay=0.01, max_delay=0.02))
    responses = _stored(db, "queued")
    assert result.run.counts == {"ok": 16}, {r.error for r in responses}
    assert all(r.attempts == 1 for r in responses)
    assert sorted(engine.evaluations.values()) == [1] * 16


def test_a_retry_after_a_timed_out_evaluation_takes_its_result_instead_of_queueing_behind_it(db, slow):
    """An evaluation takes 1.2 s, the timeout is 0.5 s: the first attempt times out while the model is still
    busy with it; the retry waits for that same evaluation instead of asking the model again behind it."""
    engine = slow(1.2)
    result = audit("local/gemma-3-270m", **{**DESIGN, "limit_items": 1}, db=db, run_id="slow", concurrency=1,
                   timeout=0.5, retry_policy=RetryPolicy(retries=4, base_delay=0.01, max_delay=0.02))
    (response,) = _stored(db, "slow")
    assert result.run.counts == {"ok": 1}, response.error
    assert response.attempts >= 2  # it did time out, and was asked again
    assert list(engine.evaluations.values()) == [1]  # evaluated once: the retry took the running evaluation's result


def test_an_evaluation_that_never_ends_in_time_is_an_error_after_the_retries(db, slow):
    """The timeout still bounds an evaluation: 1.5 s per evaluation, 0.2 s timeout, one retry: an error
    ("timed out"), after one evaluation, not two."""
    engine = slow(1.5)
    with pytest.raises(AuditError, match="none was answered"):
        audit("local/gemma-3-270m", **{**DESIGN, "limit_items": 1}, db=db, run_id="never", concurrency=1,
              timeout=0.2, retry_policy=RetryPolicy(retries=1, base_delay=0.01, max_delay=0.02))
    (response,) = _stored(db, "never")
    assert response.status == "error" and "timed out" in response.error and response.attempts == 2
    assert list(engine.evaluations.values()) == [1]


def test_a_run_that_ends_in_timeouts_suggests_raising_the_timeout(db, slow):
    """Like the token-budget hint names ``--max-tokens``, a run whose cells end in timeouts names ``--timeout`` and
    the value used, in the error line when no cell was answered."""
    slow(1.5)
    with pytest.raises(AuditError) as raised:
        audit("local/gemma-3-270m", **{**DESIGN, "limit_items": 1}, db=db, run_id="never", concurrency=1,
              timeout=0.2, retry_policy=RetryPolicy(retries=0, base_delay=0.01, max_delay=0.02))
    assert "1 cell ended in a timeout (--timeout 0.2 s): raise it with --timeout" in str(raised.value)


def test_the_summary_counts_the_cells_that_timed_out_and_names_the_option(db_url, slow, monkeypatch):
    """One of three cells takes longer than ``--timeout`` to evaluate: the audit's summary says so, with the value
    used and the option that raises it (the JSON summary counts it)."""
    import json

    from typer.testing import CliRunner

    from psychometrics.cli import app

    engine = slow(0.0)
    first = {}

    def answer(req):
        first.setdefault("prompt", req.prompt)
        if req.prompt == first["prompt"]:
            time.sleep(1.5)
        return dict(content="3", top=None, prompt_tokens=10, completion_tokens=1, finish_reason="stop")

    monkeypatch.setattr(_local, "answer", answer)
    args = ["audit", "--model", "local/gemma-3-270m", "-i", "bfi44", "--templates", "instruct", "--orders",
            "original", "--mode", "generate", "--limit-items", "3", "--db", db_url, "--no-report", "--concurrency", "1",
            "--timeout", "0.5", "--retries", "0"]
    done = CliRunner().invoke(app, args)
    assert done.exit_code == 0, done.output
    text = " ".join(done.output.split())
    assert "2 ok, 0 refused, 0 invalid, 1 error" in text
    assert "1 cell ended in a timeout (--timeout 0.5 s): raise it with --timeout" in text
    shown = CliRunner().invoke(app, ["runs", "show", _only_run(db_url), "--db", db_url, "--json"])
    assert json.loads(shown.output)["timed_out"] == 1
    assert engine.evaluations == {}  # the monkeypatched answer ran instead


def _only_run(db: str) -> str:
    with Store(db, create=False) as store:
        (run,) = store.list_runs()
    return run.run_id


def test_waiting_log_prob_requests_are_evaluated_in_groups_each_with_its_own_clock(db, slow, monkeypatch):
    """Log-prob mode keeps at least ``IN_FLIGHT`` (64) requests in flight to the embedded model, and those waiting
    are evaluated in groups of at most ``GROUP_MAX`` (32). 30 ms per request, a 2.5 s timeout: groups of 32
    (0.96 s) are made, each caller's clock starting with its own group, and every cell is answered on its first
    attempt."""
    slow(0.0)
    groups: list[int] = []

    def answer_together(requests):
        groups.append(len(requests))
        time.sleep(0.03 * len(requests))
        top = [("3", -0.1), ("2", -2.5)]
        return [dict(content="3", top=top, prompt_tokens=10, completion_tokens=1, finish_reason="length")
                for _ in requests]

    monkeypatch.setattr(_local, "answer_together", answer_together)
    monkeypatch.setattr(_local, "_WAITING", _local.Waiting())  # no rate measured by an earlier test
    result = audit("local/gemma-3-270m", inventories=["bfi44"], templates=["instruct", "qa", "short"],
                   orders=["original"], mode="logprobs", db=db, run_id="groups", timeout=2.5,
                   retry_policy=RetryPolicy(retries=0))
    responses = _stored(db, "groups")
    assert len(responses) == 132 and all(r.attempts == 1 for r in responses), {r.error for r in responses}
    assert result.run.counts == {"ok": 132}, {r.error for r in responses}
    assert sum(groups) == 132 and max(groups) == _local.GROUP_MAX  # 64 in flight: full groups were made


def test_a_small_timeout_makes_small_groups(db, slow, monkeypatch):
    """The same 30 ms per request, a 0.3 s timeout: a group of 32 (0.96 s) would time out, so groups are made to
    take at most half the timeout at the measured rate (5 requests); every cell is answered on its first attempt
    even with no retries."""
    slow(0.0)
    groups: list[int] = []

    def answer_together(requests):
        groups.append(len(requests))
        time.sleep(0.03 * len(requests))
        return [dict(content="3", top=[("3", -0.1), ("2", -2.5)], prompt_tokens=10, completion_tokens=1,
                     finish_reason="length") for _ in requests]

    monkeypatch.setattr(_local, "answer_together", answer_together)
    monkeypatch.setattr(_local, "_WAITING", _local.Waiting())  # no rate measured by an earlier test
    result = audit("local/gemma-3-270m", inventories=["bfi44"], templates=["instruct"], orders=["original"],
                   mode="logprobs", db=db, run_id="small", timeout=0.3, retry_policy=RetryPolicy(retries=0))
    assert result.run.counts == {"ok": 44}, {r.error for r in _stored(db, "small")}
    assert groups[0] <= _local.FIRST_GROUP and max(groups) <= 5 and sum(groups) == 44
