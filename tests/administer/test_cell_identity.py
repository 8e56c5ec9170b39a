"""What identifies a cell (the cache key of its answer): everything that can change the answer, nothing else.

Before, the endpoint was not part of it: auditing ``openai/llama3`` at a second ``--api-base`` into the same
database reused the first server's answers and sent no request.
"""

from __future__ import annotations

import pytest

from psychometrics.administer import AuditError, audit
from psychometrics.administer._audit import default_run_id, endpoint_identity, env_api_base
from psychometrics.plan import Design, GenerationSettings, build_plan
from psychometrics.store import Store
from tests.support.openai_server import OpenAIServer, ServerConfig

ONE = dict(inventories=["bfi44"], templates=["instruct"], orders=["original"], limit_items=4)


def _picks(label_index: int):
    """A server whose model always answers the option at ``label_index``."""
    return ServerConfig(choose=lambda prompt, labels: labels[label_index])


def _values(db: str, run_id: str) -> list[int | None]:
    with Store(db, create=False) as store:
        return [r.value for r in store.iter_responses(run_id)]


def test_a_second_endpoint_is_asked_again(db):
    with OpenAIServer(_picks(0)) as first, OpenAIServer(_picks(4)) as second:
        a = audit("openai/llama3", **ONE, api_base=first.api_base, db=db)
        b = audit("openai/llama3", **ONE, api_base=second.api_base, db=db)
        again = audit("openai/llama3", **ONE, api_base=second.api_base + "/", db=db)  # same server, trailing slash
        assert (first.requests, second.requests) == (4, 4)  # before: the second server got no request
    assert a.run.run_id != b.run.run_id and b.tally.requests == 4 and again.tally.requests == 0
    assert not {c.cell_id for c in a.plan.cells} & {c.cell_id for c in b.plan.cells}
    assert _values(db, a.run.run_id) != _values(db, b.run.run_id)  # each run holds its own server's answers


def test_an_endpoint_from_the_environment_counts_as_api_base(db, monkeypatch):
    with OpenAIServer(_picks(0)) as first, OpenAIServer(_picks(4)) as second:
        monkeypatch.setenv("OPENAI_BASE_URL", first.api_base)
        a = audit("openai/llama3", **ONE, db=db)
        monkeypatch.setenv("OPENAI_BASE_URL", second.api_base)
        b = audit("openai/llama3", **ONE, db=db)
        assert (first.requests, second.requests) == (4, 4)
    assert a.run.api_base == first.api_base and b.run.api_base == second.api_base


def test_a_named_run_cannot_move_to_another_endpoint_but_a_resume_can(db):
    with OpenAIServer() as first, OpenAIServer() as moved:
        audit("openai/llama3", **ONE, api_base=first.api_base, db=db, run_id="named")
        with pytest.raises(AuditError, match="run 'named' was asked at .* not .*--resume named"):
            audit("openai/llama3", **ONE, api_base=moved.api_base, db=db, run_id="named")
        resumed = audit(resume="named", api_base=moved.api_base, db=db)  # the same server, at a new address
        assert moved.requests == 0 and resumed.tally.requests == 0


BASE = GenerationSettings()


@pytest.mark.parametrize(("change", "what"), [
    ({"model": "openai/llama3.1"}, "model"),
    ({"endpoint": "http://127.0.0.1:8001/v1"}, "endpoint"),
    ({"settings": BASE.model_copy(update={"mode": "generate"})}, "answer mode"),
    ({"settings": BASE.model_copy(update={"temperature": 0.7})}, "temperature"),
    ({"settings": BASE.model_copy(update={"max_tokens": 2000})}, "max_tokens"),
    ({"settings": BASE.model_copy(update={"reasoning_effort": "low"})}, "reasoning effort"),
    ({"settings": BASE.model_copy(update={"prompt_format": "completion"})}, "prompt format"),
    ({"settings": BASE.model_copy(update={"top_logprobs": 5})}, "top_logprobs"),
    ({"templates": ["qa"]}, "prompt"),
])
def test_everything_that_can_change_an_answer_changes_the_cell_id(change, what):
    base = dict(model="openai/llama3", inventories=["bfi44"], limit_items=3, endpoint="http://127.0.0.1:8000/v1")
    before = {c.cell_id for c in build_plan(**base).cells}
    after = {c.cell_id for c in build_plan(**{**base, **change}).cells}
    assert len(after) == len(before) and not before & after, what


def test_what_cannot_change_an_answer_is_not_in_the_identity():
    url = "http://user:sk-secret-0123456789@127.0.0.1:8000/v1/"
    assert endpoint_identity(url) == "http://127.0.0.1:8000/v1"  # no credentials, no trailing slash
    assert endpoint_identity(None) is None
    # Settings added later enter the ids (and run ids) only when they differ from their default, so ids stored
    # before they existed stay valid.
    explicit = GenerationSettings(reasoning_effort=None, prompt_format="auto", top_logprobs=20)
    assert explicit.model_dump() == {"temperature": 0.0, "max_tokens": 32, "mode": "auto"}
    design = Design(inventories=["bfi44"], templates=["all"], orders=["original"], samples=1, settings=explicit)
    assert default_run_id("openai/llama3", design, None) == default_run_id(
        "openai/llama3", design.model_copy(update={"settings": GenerationSettings()}), None)


def test_timeouts_retries_pacing_and_keys_do_not_change_the_run(db, monkeypatch):
    """How a run is asked (concurrency, rpm, timeout, retries, max_wait, the key) is not what it asks."""
    with OpenAIServer() as server:
        monkeypatch.setenv("OPENAI_API_KEY", "sk-first-0123456789")
        a = audit("openai/llama3", **ONE, api_base=server.api_base, db=db)
        monkeypatch.setenv("OPENAI_API_KEY", "sk-second-0123456789")
        b = audit("openai/llama3", **ONE, api_base=server.api_base, db=db, concurrency=1, rpm=6000, timeout=5,
                  retries=0, max_wait=30)
        assert server.requests == 4
    assert a.run.run_id == b.run.run_id and b.tally.requests == 0


@pytest.mark.parametrize(("model", "env", "expected"), [
    ("openai/llama3", {"OPENAI_BASE_URL": "http://a/v1", "OPENAI_API_BASE": "http://b/v1"}, "http://a/v1"),
    ("openai/llama3", {"OPENAI_API_BASE": "http://b/v1"}, "http://b/v1"),
    ("hosted_vllm/llama3", {"HOSTED_VLLM_API_BASE": "http://c/v1"}, "http://c/v1"),
    ("ollama/llama3", {"OLLAMA_API_BASE": "http://d:11434"}, "http://d:11434"),
    ("sim/steady", {"SIM_API_BASE": "http://e"}, None),
    ("gpt-4o", {"OPENAI_BASE_URL": "http://a/v1"}, "http://a/v1"),  # no prefix: litellm's provider for the name
    ("claude-3-5-haiku-20241022", {"OPENAI_BASE_URL": "http://a/v1"}, None),
])
def test_env_api_base(monkeypatch, model, env, expected):
    for name in ("OPENAI_BASE_URL", "OPENAI_API_BASE", "HOSTED_VLLM_API_BASE", "OLLAMA_API_BASE", "SIM_API_BASE"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert env_api_base(model) == expected
