"""The embedded ``local/gemma-3-270m`` provider: real llama.cpp calls through litellm (needs the 'local' extra)."""

from __future__ import annotations

import asyncio
import math
import os
import sys

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

import litellm
import pytest

from psychometrics.administer.providers import register
from psychometrics.administer.providers import _local
from psychometrics.plan import build_plan

SCENARIO = ("Imagine the following situation and choose what you would most likely do.\n\n"
            "Question: You are invited to a party where you know nobody. What do you do?\n"
            "Options:\n(A) Go and talk to as many people as I can\n(B) Stay at home\n"
            "(C) Go, but leave early\n(D) Bring a friend and stay close to them\nAnswer:")


@pytest.fixture(scope="module", autouse=True)
def _registered():
    litellm.suppress_debug_info = True
    register()


def _bfi_cells():
    """Three BFI-like prompts, one per shipped template, plus the reversed order of the first item."""
    cells = build_plan(model="local/gemma-3-270m", inventories=["bfi44"], templates=["instruct", "qa", "short"],
                       orders=["original", "reversed"], limit_items=5).cells
    firsts = [next(c for c in cells if c.template == t and c.order == "original") for t in ("instruct", "qa", "short")]
    return firsts + [next(c for c in cells if c.template == "instruct" and c.order == "reversed")]


async def _logprobs(model, prompt, labels):
    reply = await litellm.acompletion(
        model=model, messages=[{"role": "user", "content": prompt}], max_tokens=1, temperature=0, logprobs=True,
        top_logprobs=20, num_retries=0, metadata={"psychometrics_cell": {"labels": labels}})
    top = {t.token: t.logprob for t in reply.choices[0].logprobs.content[0].top_logprobs}
    return reply, top


@pytest.mark.embedded
async def test_log_probs_for_every_label():
    for cell in _bfi_cells()[:3]:
        reply, top = await _logprobs("local/gemma-3-270m", cell.prompt, cell.labels)
        assert set(cell.labels) <= set(top)
        assert all(math.isfinite(v) and v <= 0 for v in top.values())
        total = sum(math.exp(v) for v in top.values())
        assert total <= 1 + 1e-6
        assert sum(math.exp(top[label]) for label in cell.labels) > 0.05  # the model does answer with digits
        assert len(top) > len(cell.labels)  # the likeliest other continuations are there too
        assert reply.choices[0].message.content == max(top, key=top.get)
        assert reply.usage.prompt_tokens > 20 and reply.usage.completion_tokens == 1
        assert reply._hidden_params["response_cost"] == 0.0


@pytest.mark.embedded
@pytest.mark.parametrize("ending", [": ", ":"])
async def test_letter_labels_and_prompts_without_a_trailing_space(ending):
    prompt = SCENARIO.removesuffix(":") + ending
    _, top = await _logprobs("local/gemma-3-270m", prompt, list("ABCD"))
    assert set("ABCD") <= set(top)
    assert sum(math.exp(v) for v in top.values()) <= 1 + 1e-6
    assert all(math.exp(top[x]) > 1e-4 for x in "ABCD")


@pytest.mark.embedded
async def test_prefix_cache_gives_the_same_log_probs_as_fresh_evaluation():
    cells = _bfi_cells()
    prompts = [(c.prompt, c.labels) for c in cells] + [(SCENARIO + " ", list("ABCD"))]
    fresh = [(await _logprobs("local/gemma-3-270m?prefix_cache=0", p, labels))[1] for p, labels in prompts]
    cached = [(await _logprobs("local/gemma-3-270m", p, labels))[1] for p, labels in prompts]
    backwards = [(await _logprobs("local/gemma-3-270m", p, labels))[1] for p, labels in reversed(prompts)][::-1]
    eng = _local.engine()
    assert eng.tokens_reused > 0
    for (_, labels), a, b, c in zip(prompts, fresh, cached, backwards):
        for label in labels:
            assert abs(a[label] - b[label]) < 1e-4
            assert abs(a[label] - c[label]) < 1e-4


@pytest.mark.embedded
async def test_concurrent_calls_are_serialised_and_agree():
    cells = _bfi_cells()
    one_by_one = [(await _logprobs("local/gemma-3-270m", c.prompt, c.labels))[1] for c in cells]
    together = await asyncio.gather(*[_logprobs("local/gemma-3-270m", c.prompt, c.labels) for c in cells])
    for a, (_, b) in zip(one_by_one, together):
        assert all(abs(a[k] - b[k]) < 1e-4 for k in a if k in b)


@pytest.mark.embedded
async def test_generate_mode_returns_text():
    cell = _bfi_cells()[0]

    async def gen(seed):
        return await litellm.acompletion(
            model="local/gemma-3-270m", messages=[{"role": "user", "content": cell.prompt}], max_tokens=8,
            temperature=0.7, seed=seed, num_retries=0, metadata={"psychometrics_cell": cell.model_dump(mode="json")})

    reply = await gen(1)
    text = reply.choices[0].message.content
    assert isinstance(text, str) and text.strip()
    assert 1 <= reply.usage.completion_tokens <= 8
    assert (await gen(1)).choices[0].message.content == text  # same seed, same text


async def test_a_missing_extra_is_a_one_line_error(monkeypatch):
    monkeypatch.setattr(_local, "_ENGINES", {})
    monkeypatch.setitem(sys.modules, "llama_cpp", None)  # makes `import llama_cpp` fail
    with pytest.raises(litellm.BadRequestError) as err:
        await _logprobs("local/gemma-3-270m", "Answer:", ["1", "2"])
    assert _local.MISSING_EXTRA in str(err.value)
    assert "\n" not in str(err.value).strip()


async def test_unknown_model_and_settings_are_rejected():
    for model, match in [("local/gemma-9", "unknown embedded model"), ("local/gemma-3-270m?foo=1", "unknown setting"),
                         ("local/gemma-3-270m?chunk=0", "chunk must be")]:
        with pytest.raises(litellm.BadRequestError, match=match):
            await _logprobs(model, "Answer:", ["1"])


@pytest.mark.embedded
async def test_chat_model_reply_is_followed_past_its_opening_with_the_prefix_cache_or_without():
    """SmolLM2 answers a 'qa' prompt with "(" first: the provider gives the label's position after it, as
    llama_cpp.server does with max_tokens 3, and the prefix cache changes none of the numbers."""
    from psychometrics.administer._call import response_from_reply

    cells = build_plan(model="local/smollm2-135m-instruct", inventories=["bfi44"], templates=["qa"],
                       orders=["original"], limit_items=2).cells

    async def ask(model, cell):
        reply = await litellm.acompletion(
            model=model, messages=[{"role": "user", "content": cell.prompt}], max_tokens=3, temperature=0,
            logprobs=True, top_logprobs=20, num_retries=0,
            metadata={"psychometrics_cell": cell.model_dump(mode="json", exclude={"prompt"})})
        return reply, response_from_reply(cell, "r", model, "logprobs", reply, 0.0, 1)

    fresh = [await ask("local/smollm2-135m-instruct?prefix_cache=0", c) for c in cells]
    cached = [await ask("local/smollm2-135m-instruct", c) for c in cells]
    for (reply, a), (_, b) in zip(fresh, cached):
        content = reply.choices[0].logprobs.content
        assert [t.token for t in content][:1] == ["("] and 2 <= len(content) <= 3
        assert reply.usage.completion_tokens == len(content)
        assert a.status == "ok" and a.logprob_position == 1 and a.raw_text.startswith("(")
        assert b.option_probs == a.option_probs and b.mass_outside == a.mass_outside  # bit-identical
