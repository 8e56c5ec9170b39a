"""The direct path to the project's own providers gives what ``litellm.acompletion`` gives for the same request:
the same reply (text, log-probs, usage), the same error class, status and message, and it leaves to litellm every
request it cannot send as litellm would."""

from __future__ import annotations

import os

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

import litellm
import pytest

from psychometrics.administer import _ownpath as ownpath
from psychometrics.administer._call import CallOptions, _request, call_model
from psychometrics.administer.providers import register
from psychometrics.plan import GenerationSettings, build_plan


@pytest.fixture(scope="module", autouse=True)
def _registered():
    litellm.suppress_debug_info = True
    register()


def _cells():
    return build_plan(model="sim/test", inventories=["bfi44"], templates=["instruct", "short"],
                      orders=["original", "reversed"], limit_items=6).cells


def _seen(reply):
    choice = reply.choices[0]
    logprobs = getattr(choice, "logprobs", None)
    tops = None
    if logprobs is not None:
        tops = [[(t.token, t.logprob) for t in position.top_logprobs] for position in logprobs.content]
    return choice.message.content, choice.finish_reason, tops, reply.usage.prompt_tokens, reply.usage.completion_tokens


@pytest.mark.parametrize("mode", ["logprobs", "generate"])
@pytest.mark.parametrize("model", ["sim/default?refusal=0.2", "sim/steady?extraversion=1.5"])
async def test_the_direct_path_replies_as_litellm_does(model, mode):
    opts = CallOptions(model=model, settings=GenerationSettings(temperature=0.7))
    for cell in _cells():
        request = _request(cell, mode, opts)
        assert ownpath.takes(request)
        direct = await ownpath.complete(request)
        through = await litellm.acompletion(**request)
        assert _seen(direct) == _seen(through), cell.cell_id


async def test_a_handler_error_is_litellms_error_with_its_message():
    cell = _cells()[0]
    for model in ("sim/nope", "sim/default?refusal=1.5"):
        request = _request(cell, "logprobs", CallOptions(model=model, settings=GenerationSettings()))
        with pytest.raises(Exception) as direct:
            await ownpath.complete(request)
        with pytest.raises(Exception) as through:
            await litellm.acompletion(**request)
        assert type(direct.value) is type(through.value) is litellm.BadRequestError
        assert direct.value.status_code == through.value.status_code == 400
        assert str(direct.value) == str(through.value)


async def test_a_parameter_a_custom_provider_does_not_take_goes_through_litellm(monkeypatch):
    async def forbidden(request):
        raise AssertionError("sent by the direct path")

    monkeypatch.setattr(ownpath, "complete", forbidden)
    cell = _cells()[0]
    opts = CallOptions(model="sim/default", settings=GenerationSettings(reasoning_effort="low"))
    assert not ownpath.takes(_request(cell, "generate", opts))
    with pytest.raises(litellm.UnsupportedParamsError, match="reasoning_effort"):
        await call_model(cell, "generate", opts)
    assert not ownpath.takes({"model": "openai/x", "messages": []})


async def test_the_fast_path_switch_turns_it_off(monkeypatch):
    calls = []
    real = ownpath.complete

    async def counted(request):
        calls.append(request["model"])
        return await real(request)

    monkeypatch.setattr(ownpath, "complete", counted)
    cell = _cells()[0]
    opts = CallOptions(model="sim/default", settings=GenerationSettings())
    await call_model(cell, "logprobs", opts)
    monkeypatch.setenv("PSYCHOMETRICS_FAST_PATH", "0")
    await call_model(cell, "logprobs", opts)
    assert calls == ["sim/default"]


@pytest.mark.embedded
async def test_the_embedded_model_gives_the_same_probabilities_on_both_paths():
    opts = CallOptions(model="local/gemma-3-270m", settings=GenerationSettings())
    for cell in _cells()[:4]:
        request = _request(cell, "logprobs", opts)
        assert ownpath.takes(request)
        assert _seen(await ownpath.complete(request)) == _seen(await litellm.acompletion(**request)), cell.cell_id
