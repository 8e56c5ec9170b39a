"""The fast path to OpenAI-compatible endpoints stores exactly what the litellm path stores."""

from __future__ import annotations

import math
from collections import Counter

import pytest

from psychometrics.administer import audit
from psychometrics.administer._call import response_from_reply
from psychometrics.administer._fastpath import ENV_SWITCH, FastPath, LightReply
from psychometrics.administer._retry import RetryPolicy
from psychometrics.store import Store
from tests.support.openai_server import OpenAIServer, ServerConfig

FAST = RetryPolicy(retries=1, base_delay=0.01, max_delay=0.05)
IGNORED = {"latency_s", "created_at"}


class _Behaviour:
    """Every kind of outcome, by item: answers, a refusal, a reply that is no answer, a 500, a 429 then an answer."""

    def __init__(self) -> None:
        self.seen: Counter[str] = Counter()

    def __call__(self, n: int, prompt: str) -> str:
        self.seen[prompt] += 1
        if "is talkative" in prompt:
            return "refuse"
        if "is reserved" in prompt:
            return "500"
        if "tends to find fault" in prompt:
            return "garbage"
        if "Does a thorough job" in prompt and self.seen[prompt] == 1:
            return "429"
        return "answer"


def _records(db: str, run_id: str) -> dict[str, dict]:
    with Store(db, create=False) as store:
        return {r.cell_id: r.model_dump() for r in store.iter_responses(run_id)}


@pytest.mark.parametrize("model", ["openai/test-model", "openai/gpt-4o-mini", "hosted_vllm/test-model"])
@pytest.mark.parametrize("mode", ["logprobs", "generate"])
def test_fast_path_stores_the_same_records_as_litellm(tmp_path, monkeypatch, model, mode):
    """Same server, same plan: every stored field is equal except the timings (gpt-4o-mini: litellm's price)."""
    records: dict[str, dict[str, dict]] = {}
    requests: dict[str, int] = {}
    behaviour = _Behaviour()
    with OpenAIServer(ServerConfig(behaviour=behaviour, retry_after=0.01)) as server:
        for path, switch in (("litellm", "0"), ("fast", "1")):
            monkeypatch.setenv(ENV_SWITCH, switch)
            behaviour.seen.clear()
            db = f"sqlite:///{tmp_path / (path + '.db')}"
            before = server.requests
            result = audit(model, ["bfi44"], templates=["instruct", "qa"], orders=["original", "reversed"],
                           samples=2, temperature=0.7, mode=mode, api_base=server.api_base, db=db, limit_items=6,
                           run_id="same", retry_policy=FAST)
            assert result.tally.fast_path is (path == "fast")
            records[path] = _records(db, "same")
            requests[path] = server.requests - before
    slow, fast = records["litellm"], records["fast"]
    assert len(slow) == 6 * 2 * 2 * 2 and slow.keys() == fast.keys()
    statuses = {r["status"] for r in slow.values()}
    assert statuses >= {"ok", "refused" if mode == "generate" else "error", "error"}
    assert max(r["attempts"] for r in slow.values()) == 2  # the 429 was retried on both paths
    for cell_id, expected in slow.items():
        got = fast[cell_id]
        for field in expected.keys() - IGNORED:
            assert got[field] == expected[field], (cell_id, field, expected[field], got[field])
    assert requests["fast"] == requests["litellm"]
    if model == "openai/gpt-4o-mini":  # priced by litellm on both paths
        assert all(r["cost_usd"] and r["cost_usd"] > 0 for r in fast.values() if r["status"] == "ok")


def test_fast_path_applies_only_to_openai_compatible_endpoints(monkeypatch):
    monkeypatch.delenv(ENV_SWITCH, raising=False)
    base = "http://127.0.0.1:9/v1"
    assert FastPath.for_model("openai/test-model", "openai", base, "not-needed", concurrency=4) is not None
    assert FastPath.for_model("hosted_vllm/m", "hosted_vllm", base, None, concurrency=4) is not None
    assert FastPath.for_model("openai/gpt-4o-mini", "openai", None, "k", concurrency=4) is None  # real OpenAI
    assert FastPath.for_model("anthropic/claude-3-5-haiku-20241022", "anthropic", base, "k", concurrency=4) is None
    assert FastPath.for_model("sim/default", "sim", None, None, concurrency=4) is None
    monkeypatch.setenv(ENV_SWITCH, "0")
    assert FastPath.for_model("openai/test-model", "openai", base, "not-needed", concurrency=4) is None


def test_request_is_what_litellm_would_send(monkeypatch):
    """The rendered body is litellm's, with the prompt and the seed substituted; unsupported params: no template."""
    monkeypatch.delenv(ENV_SWITCH, raising=False)
    fast = FastPath.for_model("openai/test-model", "openai", "http://127.0.0.1:9/v1", "x", concurrency=1)
    assert fast is not None
    tpl = fast.template({"max_tokens": 32, "temperature": 0.7, "seed": 0})
    assert tpl is not None and tpl.url == "http://127.0.0.1:9/v1/chat/completions"
    assert tpl.json('say "hi"\n', 3) == {"model": "test-model", "max_tokens": 32, "temperature": 0.7, "seed": 3,
                                        "messages": [{"role": "user", "content": 'say "hi"\n'}]}
    lp = fast.template({"max_tokens": 1, "temperature": 0, "logprobs": True, "top_logprobs": 20})
    assert lp is not None and "seed" not in lp.json("p", 5) and lp.json("p", 5)["top_logprobs"] == 20
    o3 = FastPath.for_model("openai/o3-mini", "openai", "http://127.0.0.1:9/v1", "x", concurrency=1)
    assert o3 is not None
    assert o3.template({"max_tokens": 1, "temperature": 0, "logprobs": True, "top_logprobs": 20}) is None


def _reply_dict(content, *, logprobs=True, usage=True, **message_extra):
    top = [{"token": lab, "logprob": math.log(p), "bytes": None} for lab, p in [("3", 0.6), ("4", 0.3), ("x", 0.1)]]
    d = {"id": "c1", "object": "chat.completion", "created": 1, "model": "test-model",
         "choices": [{"index": 0, "finish_reason": "stop",
                      "message": {"role": "assistant", "content": content, **message_extra},
                      "logprobs": {"content": [{"token": "3", "logprob": math.log(0.6), "top_logprobs": top}]}
                      if logprobs else None}]}
    if usage:
        d["usage"] = {"prompt_tokens": 40, "completion_tokens": 1, "total_tokens": 41}
    return d


@pytest.mark.parametrize("data", [
    _reply_dict("3"),
    _reply_dict("3", logprobs=False),
    _reply_dict("<think>It depends.</think>4"),
    _reply_dict("3", reasoning_content="because"),
    _reply_dict("3", tool_calls=[]),
    _reply_dict(""),
    _reply_dict("3", usage=False),
    _reply_dict(None, tool_calls=[{"id": "t", "type": "function", "function": {"name": "f", "arguments": "{}"}}]),
    _reply_dict("3", extra_field="kept by litellm"),
], ids=["plain", "no-logprobs", "think-tags", "reasoning-field", "empty-tool-calls", "empty", "no-usage",
        "tool-call", "unknown-field"])
@pytest.mark.parametrize("mode", ["logprobs", "generate"])
def test_light_reply_reads_like_litellms_model_response(monkeypatch, data, mode):
    """Whatever shape the reply has, the stored record equals the one built from litellm's ModelResponse."""
    import copy

    from psychometrics.plan import build_plan

    monkeypatch.delenv(ENV_SWITCH, raising=False)
    cell = build_plan(model="openai/test-model", inventories=["bfi44"], limit_items=1).cells[0]
    fast = FastPath.for_model("openai/test-model", "openai", "http://127.0.0.1:9/v1", "x", concurrency=1)
    assert fast is not None
    tpl = fast.template({"max_tokens": 1, "temperature": 0, "logprobs": True, "top_logprobs": 20})
    ours = fast.reply(copy.deepcopy(data), {}, tpl)
    theirs = fast._full(copy.deepcopy(data), {}, tpl)
    plain = data["choices"][0]["message"].keys() <= {"role", "content", "reasoning_content", "tool_calls"}
    assert isinstance(ours, LightReply) == (plain and "usage" in data and data["choices"][0]["message"]["content"]
                                            is not None and data["choices"][0]["message"].get("tool_calls") in (None, []))

    def stored(reply):
        try:
            r = response_from_reply(cell, "run", "openai/test-model", mode, reply, 0.1, 1)
        except Exception as exc:  # noqa: BLE001 - e.g. NoLogprobs: must be the same on both
            return type(exc).__name__
        return r.model_dump(exclude={"created_at"})

    assert stored(ours) == stored(theirs)
