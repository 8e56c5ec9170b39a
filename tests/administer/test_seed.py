"""The sample's seed goes only to providers that take one: litellm refuses a request with a parameter its provider
does not support (``drop_params`` stays off), so before this every generated ``anthropic/…`` cell failed with
``UnsupportedParamsError: anthropic does not support parameters: ['seed']``."""

from __future__ import annotations

import os

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

import litellm
import pytest

from psychometrics.administer._call import CallOptions, _request, takes_seed
from psychometrics.plan import GenerationSettings, build_plan
from tests.support.llama_server import free_port


def _cell():
    return build_plan(model="sim/test", inventories=["bfi44"], limit_items=1, samples=3).cells[2]


@pytest.mark.parametrize(("model", "seeded"), [
    ("anthropic/claude-3-5-haiku-20241022", False), ("perplexity/sonar", False),
    ("openai/gpt-4o-mini", True), ("ollama/llama3", True), ("hosted_vllm/m", True),
    ("sim/default", True), ("local/gemma-3-270m", True),
])
def test_the_seed_is_sent_where_the_provider_takes_one(model, seeded):
    request = _request(_cell(), "generate", CallOptions(model=model, settings=GenerationSettings(temperature=0.7)))
    assert takes_seed(model) is seeded
    assert ("seed" in request) is seeded and (request.get("seed") == 2 if seeded else True)


async def test_a_generated_anthropic_request_reaches_the_network_instead_of_being_refused():
    request = _request(_cell(), "generate", CallOptions(model="anthropic/claude-3-5-haiku-20241022",
                                                        settings=GenerationSettings(temperature=0.7)))
    request.update(api_base=f"http://127.0.0.1:{free_port()}", api_key="not-a-key")
    with pytest.raises(Exception) as caught:  # was UnsupportedParamsError, raised before any request
        await litellm.acompletion(**request)
    assert not isinstance(caught.value, litellm.UnsupportedParamsError), caught.value
    # litellm reports the refused connection to Anthropic's route as a connection error or an HTTP 500
    assert isinstance(caught.value, (litellm.APIConnectionError, litellm.InternalServerError)), caught.value
