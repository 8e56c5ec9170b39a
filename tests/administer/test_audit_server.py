"""Audits end to end through litellm against a real OpenAI-compatible HTTP server on 127.0.0.1."""

from __future__ import annotations

import pytest

from psychometrics.administer import AuditError, audit
from psychometrics.administer._retry import RetryPolicy
from psychometrics.store import Store
from tests.support.openai_server import OpenAIServer, ServerConfig, default_choice

FAST = RetryPolicy(retries=3, base_delay=0.01, max_delay=0.05)


def _stored(db: str, run_id: str):
    with Store(db, create=False) as store:
        return {r.cell_id: r for r in store.iter_responses(run_id)}


@pytest.mark.parametrize("mode", ["logprobs", "generate"])
def test_every_cell_stored_once_and_mapped_back(db, mode):
    with OpenAIServer() as server:
        result = audit("openai/test-model", ["bfi44"], orders=["original", "reversed", "rotated"], mode=mode,
                       api_base=server.api_base, db=db, limit_items=4, concurrency=8, retry_policy=FAST)
        assert server.requests == len(result.plan.cells)
    stored = _stored(db, result.run.run_id)
    assert set(stored) == {c.cell_id for c in result.plan.cells}
    for cell in result.plan.cells:
        r = stored[cell.cell_id]
        assert r.status == "ok" and r.mode == mode
        label = default_choice(cell.prompt, cell.labels)  # what the server answered, by construction
        assert r.value == cell.label_values[cell.labels.index(label)]
        if mode == "logprobs":
            assert r.option_probs[r.value] == pytest.approx(0.7)
            assert r.mass_outside == pytest.approx(0.0, abs=1e-9)


def test_rerun_asks_nothing(db):
    with OpenAIServer() as server:
        first = audit("openai/test-model", ["sd3"], api_base=server.api_base, db=db, limit_items=3)
        n = server.requests
        second = audit("openai/test-model", ["sd3"], api_base=server.api_base, db=db, limit_items=3)
        assert server.requests == n == len(first.plan.cells)
    assert second.run.run_id == first.run.run_id and second.tally.requests == 0
    assert second.run.counts == {"ok": n}


def test_refusals_errors_and_retries_are_data(db):
    first_asked: set[str] = set()

    def behaviour(n, prompt):
        if "is talkative" in prompt:
            return "refuse"
        if "is reserved" in prompt:
            return "500"
        if "tends to find fault" in prompt:
            return "garbage"
        if prompt not in first_asked:  # each other prompt's first request, whatever order they arrive in
            first_asked.add(prompt)
            return "429"
        return "answer"

    with OpenAIServer(ServerConfig(behaviour=behaviour, retry_after=0.01)) as server:
        result = audit("openai/test-model", ["bfi44"], mode="generate", templates=["instruct"],
                       orders=["original"], api_base=server.api_base, db=db, limit_items=6, retry_policy=FAST)
        assert server.statuses[429] > 0
    stored = _stored(db, result.run.run_id)
    by_item = {r.item: r for r in stored.values()}
    assert by_item["1"].status == "refused" and "As an AI" in by_item["1"].raw_text
    assert by_item["6"].status == "error" and "500" in by_item["6"].error and by_item["6"].attempts == 4
    assert by_item["2"].status == "invalid" and by_item["2"].raw_text == "The weather is nice today."
    assert all(r.status == "ok" for i, r in by_item.items() if i in {"3", "4", "5"})
    assert max(r.attempts for r in stored.values()) >= 2  # a 429 was retried, then answered
    assert result.run.counts == {"ok": 3, "refused": 1, "invalid": 1, "error": 1}


def test_hang_becomes_a_timeout_error_and_the_run_goes_on(db):
    def behaviour(n, prompt):
        return "hang" if "is talkative" in prompt else "answer"

    with OpenAIServer(ServerConfig(behaviour=behaviour, hang_seconds=30)) as server:
        result = audit("openai/test-model", ["bfi44"], templates=["instruct"], orders=["original"],
                       api_base=server.api_base, db=db, limit_items=3, timeout=0.5,
                       retry_policy=RetryPolicy(retries=1, base_delay=0.01))
    stored = _stored(db, result.run.run_id)
    hung = [r for r in stored.values() if r.item == "1"][0]
    assert hung.status == "error"
    assert "timed out" in hung.error.lower() or "timeout" in hung.error.lower()
    assert sum(r.status == "ok" for r in stored.values()) == 2


def test_errors_are_asked_again_on_resume(db):
    broken = {"on": True}

    def behaviour(n, prompt):
        return "500" if broken["on"] and "is talkative" in prompt else "answer"

    with OpenAIServer(ServerConfig(behaviour=behaviour)) as server:
        first = audit("openai/test-model", ["bfi44"], templates=["instruct"], orders=["original"],
                      api_base=server.api_base, db=db, limit_items=3, retry_policy=RetryPolicy(retries=0))
        assert first.run.counts == {"ok": 2, "error": 1}
        broken["on"] = False
        before = server.requests
        second = audit(resume=first.run.run_id, db=db, api_base=server.api_base)
        assert server.requests - before == 1
    assert second.run.counts == {"ok": 3}


def test_logprobs_fall_back_to_generation_in_auto_mode(db):
    with OpenAIServer(ServerConfig(behaviour=lambda n, p: "nologprobs")) as server:
        result = audit("openai/test-model", ["bfi44"], templates=["instruct"], orders=["original"],
                       api_base=server.api_base, db=db, limit_items=3, mode="auto")
    assert result.run.mode_used == "generate" and result.run.counts == {"ok": 3}


def test_refused_connection_fails_before_any_call(db):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(AuditError, match="connection refused at"):
        audit("openai/test-model", ["bfi44"], api_base=f"http://127.0.0.1:{port}/v1", db=db)


def test_bad_options_fail_before_any_call(db):
    with OpenAIServer() as server:
        for kwargs, words in [
            ({"samples": 0}, "--samples"),
            ({"concurrency": -1}, "--concurrency"),
            ({"orders": ["sideways"]}, "sideways"),
            ({"templates": ["nope"]}, "nope"),
            ({"inventories": ["bfi45"]}, "bfi45"),
        ]:
            args = {"inventories": ["bfi44"], **kwargs}
            with pytest.raises((AuditError, ValueError, LookupError), match=words):
                audit("openai/test-model", api_base=server.api_base, db=db, **args)
        assert server.requests == 0


def test_api_key_is_sent_but_never_stored(db, monkeypatch, tmp_path):
    key = "sk-test-PLANTEDKEY-0123456789abcdef"
    monkeypatch.setenv("OPENAI_API_KEY", key)
    with OpenAIServer(ServerConfig(api_key=key)) as server:
        result = audit("openai/test-model", ["bfi44"], api_base=server.api_base, db=db, limit_items=2)
        assert server.auth_headers and all(h == f"Bearer {key}" for h in server.auth_headers)
    assert result.run.counts == {"ok": len(result.plan.cells)}
    for path in tmp_path.iterdir():  # the database and its WAL journal
        if path.is_file():
            assert key.encode() not in path.read_bytes(), path
