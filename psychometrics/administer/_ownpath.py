"""A direct path to the project's own providers (``sim/…``, ``local/…``), without ``litellm.acompletion`` around them.

``litellm.acompletion`` spends 4–6 ms of CPU per call on its logging object, callbacks and message redaction
(``benchmarks/bench_local_batch.py``): for the embedded model that CPU is taken from llama.cpp's threads on the
same cores, and for ``sim/`` it is nearly all the time an audit takes. Both providers are litellm custom
handlers (:mod:`psychometrics.administer.providers`), so the audit calls the registered handler's
``acompletion`` itself, with the arguments litellm would hand it:

* ``model`` without the provider prefix, ``messages`` as sent;
* ``optional_params``: the OpenAI parameters of :func:`~psychometrics.administer._call.generation_params`
  (``temperature``, ``max_tokens``, ``seed``, ``logprobs``, ``top_logprobs``) and ``max_retries`` 0, as litellm
  maps them for a custom provider;
* ``litellm_params["metadata"]``: the cell the handler reads (labels, item…);
* ``model_response``: a fresh ``litellm.ModelResponse`` the handler fills.

An exception the handler raises goes through ``litellm.exception_type``, the function ``litellm.acompletion``
maps it with, so the error class, status and message are the same (a handler's ``CustomLLMError(400)`` is
litellm's ``BadRequestError``). A request with any other parameter (``reasoning_effort``, ``--extra``…) goes
through litellm, whose parameter checks refuse what a custom provider does not support.
``PSYCHOMETRICS_FAST_PATH=0`` turns this path off as well as the HTTP one (:mod:`._fastpath`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from psychometrics.administer._litellm import litellm

OWN_PROVIDERS = ("sim", "local")
_OPTIONAL = ("temperature", "max_tokens", "seed", "logprobs", "top_logprobs")
_PLAIN = {"model", "messages", "timeout", "num_retries", "metadata", *_OPTIONAL}
"""The request keys this path sends as litellm would; a request with any other key goes through litellm."""


def takes(kwargs: Mapping[str, Any]) -> bool:
    """Whether the ``litellm.acompletion`` arguments ``kwargs`` can go straight to the provider's handler."""
    return kwargs["model"].split("/", 1)[0] in OWN_PROVIDERS and set(kwargs) <= _PLAIN


def _handler(provider: str) -> Any:
    for entry in litellm().custom_provider_map:
        if entry.get("provider") == provider:
            return entry["custom_handler"]
    raise LookupError(f"no litellm custom provider {provider!r} is registered")


async def complete(kwargs: Mapping[str, Any]) -> Any:
    """Call the registered handler of ``kwargs["model"]`` as ``litellm.acompletion(**kwargs)`` would.

    Returns the handler's ``litellm.ModelResponse``; raises what ``litellm.acompletion`` raises for the same
    handler error (mapped by ``litellm.exception_type``).
    """
    lib = litellm()
    provider, _, name = kwargs["model"].partition("/")
    optional = {key: kwargs[key] for key in _OPTIONAL if key in kwargs}
    optional["max_retries"] = 0
    try:
        return await _handler(provider).acompletion(
            model=name, messages=kwargs["messages"], api_base=None, custom_prompt_dict={},
            model_response=lib.ModelResponse(), print_verbose=None, encoding=None, api_key=None, logging_obj=None,
            optional_params=optional, litellm_params={"metadata": kwargs.get("metadata")},
            timeout=kwargs.get("timeout"))
    except Exception as exc:  # noqa: BLE001 - re-raised as litellm would raise it
        raise lib.exception_type(model=name, custom_llm_provider=provider, original_exception=exc,
                                 completion_kwargs=dict(kwargs), extra_kwargs={}) from exc
