"""One cell → one model call → one Response. Errors become data on the Response."""

from __future__ import annotations

import asyncio
import functools
import os
import sys
import time
from collections.abc import Awaitable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from psychometrics.administer import _ownpath as ownpath
from psychometrics.administer._connection import as_connection_error
from psychometrics.administer._fastpath import enabled_by_env
from psychometrics.administer._litellm import litellm, scrub
from psychometrics.administer._parse import parse_answer, read_label_probs, token_positions
from psychometrics.plan import Cell, GenerationSettings, PromptFormat
from psychometrics._format import count
from psychometrics.store import BUDGET_STOP, AnswerMode, Response

if TYPE_CHECKING:
    from psychometrics.administer._fastpath import FastPath

LOGPROB_TOKENS = 3
"""Log-prob mode asks for this many tokens: a chat model often opens its reply with ``(``, ``**`` or ``Option``
before the label, and the label's distribution is read where the label comes (see
:func:`~psychometrics.administer._parse.read_label_probs`; a reading that is not an answer is stored ``invalid``
with its probabilities kept)."""
CUSTOM_PROVIDERS = ("sim", "local")
"""The project's own litellm providers: they read the cell (labels…) from the request's metadata."""
QUEUEING_PROVIDERS = ("local",)
"""Providers that apply the request's ``timeout`` themselves, to evaluation time: the embedded model evaluates
one request (or batch) at a time, and the time a request waits for it must not count (see
:class:`~psychometrics.administer.providers._local.Waiting`)."""
T = TypeVar("T")


class NoLogprobs(Exception):
    """The provider answered but gave no log-probabilities."""


@dataclass
class CallOptions:
    model: str
    settings: GenerationSettings
    api_base: str | None = None
    api_key: str | None = None
    timeout: float = 60.0
    extra: dict[str, Any] = field(default_factory=dict)
    fast: "FastPath | None" = None
    """Direct path to an OpenAI-compatible endpoint (:mod:`psychometrics.administer._fastpath`), or None."""
    fast_templates: dict[str, Any] = field(default_factory=dict, repr=False)
    """The fast path's request template per answer mode (None: that mode goes through litellm)."""
    completion_client: Any = field(default=None, repr=False)
    """The OpenAI client of every text completion to ``api_base`` (see :func:`_completion_client`)."""
    prompt_format: PromptFormat = "chat"
    """``chat``: the prompt is the user message; ``completion``: the rendered prompt is sent as raw text to the
    text-completion endpoint (``litellm.atext_completion``). Resolved from ``auto`` before the calls."""


def generation_params(mode: AnswerMode, settings: GenerationSettings, sample: int) -> dict[str, Any]:
    """The OpenAI parameters of one request, the same on the litellm path and the fast path."""
    params: dict[str, Any]
    if mode == "logprobs":
        params = {"max_tokens": LOGPROB_TOKENS, "temperature": 0, "logprobs": True, "top_logprobs": settings.top_logprobs}
    else:
        params = {"max_tokens": settings.max_tokens, "temperature": settings.temperature, "seed": sample}
    if settings.reasoning_effort is not None:
        params["reasoning_effort"] = settings.reasoning_effort
    return params


def _request(cell: Cell, mode: AnswerMode, opts: CallOptions) -> dict[str, Any]:
    kwargs: dict[str, Any] = {
        "model": opts.model,
        "messages": [{"role": "user", "content": cell.prompt}],
        "timeout": opts.timeout,
        "num_retries": 0,
    }
    if opts.model.split("/", 1)[0] in CUSTOM_PROVIDERS:  # other providers never send it: skip the dump
        kwargs["metadata"] = {"psychometrics_cell": cell.model_dump(mode="json", exclude={"prompt"}),
                              "psychometrics_prompt_format": opts.prompt_format}
    if opts.api_base:
        kwargs["api_base"] = opts.api_base
    if opts.api_key:
        kwargs["api_key"] = opts.api_key
    kwargs.update(generation_params(mode, opts.settings, cell.sample))
    if "seed" in kwargs and not takes_seed(opts.model):
        del kwargs["seed"]
    kwargs.update(opts.extra)
    return kwargs


@functools.lru_cache(maxsize=64)
def takes_seed(model: str) -> bool:
    """Whether litellm sends ``seed`` to ``model``'s provider (``litellm.get_supported_openai_params``).

    Generated cells carry their sample number as the seed where the provider takes one; Anthropic, Perplexity
    and others have none, and litellm refuses the request (``UnsupportedParamsError``) rather than drop it, so
    their samples differ by the provider's own randomness. The project's own providers (``sim/``, ``local/``)
    always take it. A provider litellm cannot describe keeps the seed (litellm decides when it is sent).
    """
    provider, _, name = model.partition("/")
    if provider in CUSTOM_PROVIDERS:
        return True
    try:
        supported = litellm().get_supported_openai_params(model=name, custom_llm_provider=provider)
    except Exception:  # noqa: BLE001 - an unknown provider: let litellm judge the request as before
        return True
    return supported is None or "seed" in supported


def completion_model(model: str) -> str:
    """The litellm model string that sends a raw text completion: ``openai/M`` → ``text-completion-openai/M``
    (litellm would keep a name it knows as an OpenAI chat model on the chat endpoint); others unchanged."""
    provider, _, name = model.partition("/")
    return f"text-completion-openai/{name}" if provider == "openai" else model


def _completion_request(cell: Cell, mode: AnswerMode, opts: CallOptions) -> dict[str, Any]:
    """``litellm.atext_completion`` arguments: the rendered prompt as raw text, log-probs as the legacy integer."""
    kwargs = _request(cell, mode, opts)
    del kwargs["messages"]
    kwargs.update(model=completion_model(opts.model), prompt=cell.prompt)
    if kwargs.pop("top_logprobs", None) is not None:
        kwargs["logprobs"] = opts.settings.top_logprobs  # /v1/completions takes the number of top tokens in ``logprobs``
    client = _completion_client(opts) if kwargs["model"].startswith("text-completion-openai/") else None
    if client is not None:
        kwargs["client"] = client
    return kwargs


def _completion_client(opts: CallOptions) -> Any:
    """One OpenAI client, built by litellm's own builder, for every text completion sent to ``--api-base``.

    Without one litellm builds a client (and an aiohttp session) per text completion and never closes it;
    this one is closed by :func:`close_clients` while the event loop still runs. None (litellm's own per-call
    client) without ``api_base`` or where litellm lacks the builder.
    """
    if opts.completion_client is None and opts.api_base:
        try:
            from litellm.llms.openai.common_utils import BaseOpenAILLM
            from litellm.llms.openai.workload_identity import build_async_openai_client
        except ImportError:  # another litellm: its own client per call
            return None
        opts.completion_client = build_async_openai_client(
            api_key=opts.api_key or os.environ.get("OPENAI_API_KEY"), api_base=opts.api_base, max_retries=0,
            static_key_http_client_factory=BaseOpenAILLM.get_async_http_client)
    return opts.completion_client


async def close_clients(opts: CallOptions) -> None:
    """Close the HTTP clients an administration opened (the fast path's session, the completions client)."""
    if opts.fast is not None:
        await opts.fast.close()
    if opts.completion_client is not None:
        await opts.completion_client.close()
        opts.completion_client = None


def _usage(response: Any) -> tuple[int | None, int | None, float | None]:
    usage = getattr(response, "usage", None)
    prompt = getattr(usage, "prompt_tokens", None) if usage else None
    completion = getattr(usage, "completion_tokens", None) if usage else None
    hidden = getattr(response, "_hidden_params", None) or {}
    cost = hidden.get("response_cost") if isinstance(hidden, dict) else getattr(hidden, "response_cost", None)
    return prompt, completion, (float(cost) if cost is not None else None)


def reply_text(reply: Any) -> str | None:
    """The text of the first choice: a chat message's content, or a text completion's ``text``."""
    choice = reply.choices[0]
    message = getattr(choice, "message", None)
    return message.content if message is not None else getattr(choice, "text", None)


def option_for(cell: Cell, name: str) -> str:
    """The command-line option that sets ``name`` for this cell: ``--rater-<name>`` for an interview rating."""
    return f"--rater-{name}" if cell.rates is not None else f"--{name}"


def no_logprobs_reason(cell: Cell) -> str:
    """The stored reason of a cell whose provider returned no log-probabilities."""
    return f"the provider returned no log-probabilities (use {option_for(cell, 'mode')} generate or auto)"


def budget_reason(max_tokens: int | None, cell: Cell | None = None) -> str:
    """The stored reason of a reply the token budget cut before it held an answer."""
    budget = f" (max_tokens {max_tokens})" if max_tokens else ""
    flag = option_for(cell, "max-tokens") if cell is not None else "--max-tokens"
    return f"{BUDGET_STOP}{budget} before an answer: raise it with {flag}"


def timeout_hint(n: int, seconds: float | None, option: str = "--timeout") -> str:
    """What to say of ``n`` cells that ended in a timeout: the option and the value used (when known)."""
    used = f" ({option} {seconds:g} s)" if seconds else ""
    return f"{count(n, 'cell')} ended in a timeout{used}: raise it with {option}"


_NOTHING_READ = ("empty", "reasoning-only", "no-answer", "cut-list-start")
"""Parser rules that mean the reply held nothing to read as an answer."""


def _joined(*texts: str | None) -> str | None:
    parts = [t.strip() for t in texts if t and t.strip()]
    return "\n\n".join(parts) if parts else None


def response_from_reply(
    cell: Cell, run_id: str, model: str, mode: AnswerMode, reply: Any, latency: float | None, attempts: int,
    *, max_tokens: int | None = None,
) -> Response:
    """Build the stored Response from a provider reply (log-prob or generated).

    A log-prob reading that is no answer is ``invalid`` with ``value`` and ``expected_value`` None; its
    ``option_probs``, ``mass_outside``, position and reason are kept.

    The provider's reasoning field (litellm's ``reasoning_content``) is kept in ``reasoning``, apart from the
    reply; a generated reply that stopped because the token budget (``max_tokens``) ran out (``finish_reason``
    ``length``) before it named any option is ``invalid`` with the reason :func:`budget_reason`; one the parser
    found invalid for a reason of its own (a conflict, a recital) keeps that reason, with the cut added. ``latency`` is None for
    a reply read from a provider batch (no request of its own).
    """
    choice = reply.choices[0]
    text = reply_text(reply)
    finish = getattr(choice, "finish_reason", None)
    prompt_tokens, completion_tokens, cost = _usage(reply)
    base = dict(
        cell_id=cell.cell_id, run_id=run_id, model=model, inventory=cell.inventory, item=cell.item,
        scale=cell.scale, template=cell.template, order=cell.order, sample=cell.sample, persona=cell.persona,
        prompt=cell.prompt, mode=mode, raw_text=text, latency_s=latency, prompt_tokens=prompt_tokens,
        completion_tokens=completion_tokens, cost_usd=cost, attempts=attempts, created_at=time.time(),
        finish_reason=finish if isinstance(finish, str) else None,
        reasoning=_joined(getattr(getattr(choice, "message", None), "reasoning_content", None)),
        rates=cell.rates,
    )
    if cell.role == "question":
        return _free_answer(base, text)
    if mode == "logprobs":
        positions = token_positions(getattr(reply.choices[0], "logprobs", None))
        if not positions or not any(p.top for p in positions):
            raise NoLogprobs()
        read = read_label_probs(positions, cell)
        probs = read.option_probs
        if not read.answered:  # the most likely label and the mean of a reading that is no answer are no answer
            return Response(**base, status="invalid", option_probs=probs, mass_outside=read.mass_outside,
                            logprob_position=read.position, error=read.reason)
        return Response(**base, status="ok", value=max(probs, key=lambda v: probs[v]) if probs else None,
                        option_probs=probs, expected_value=read.expected_value, mass_outside=read.mass_outside,
                        logprob_position=read.position)
    parsed = parse_answer(text or "", cell, finish_reason=finish if isinstance(finish, str) else None)
    error = None if parsed.status == "ok" else parsed.reason
    if parsed.status == "invalid" and finish == "length":
        # the budget is the reason only when the reply was cut before it said anything to read; a conflict or a
        # recital the parser found keeps its own reason
        error = budget_reason(max_tokens, cell) if parsed.rule in _NOTHING_READ else \
            f"{parsed.reason}; the reply was cut at the token budget"
    base["reasoning"] = _joined(base["reasoning"], parsed.reasoning)
    return Response(**base, status=parsed.status, value=parsed.value, error=error, parse_rule=parsed.rule,
                    set_aside=list(parsed.set_aside))


def _free_answer(base: dict[str, Any], text: str | None) -> Response:
    """An interview answer: the reply is the answer, stored as text (no label to read); an empty reply, or one
    that is all reasoning, is ``invalid``; a refusal (the parser's refusal phrases) is ``refused`` and not rated."""
    from psychometrics.administer._parse import refusal, split_reasoning

    answer, reasoning = split_reasoning(text or "")
    base["reasoning"] = _joined(base["reasoning"], reasoning)
    if not answer.strip():
        return Response(**base, status="invalid", error="the reply holds no answer (empty)")
    if (why := refusal(answer)) is not None:
        return Response(**base, status="refused", error=why)
    return Response(**base, status="ok")


def error_response(cell: Cell, run_id: str, model: str, mode: AnswerMode, message: str, attempts: int,
                   latency: float | None = None) -> Response:
    return Response(
        cell_id=cell.cell_id, run_id=run_id, model=model, inventory=cell.inventory, item=cell.item,
        scale=cell.scale, template=cell.template, order=cell.order, sample=cell.sample, persona=cell.persona,
        prompt=cell.prompt, mode=mode, status="error", error=scrub(message), attempts=attempts, latency_s=latency,
        created_at=time.time(), rates=cell.rates,
    )


def fast_template(mode: AnswerMode, opts: CallOptions) -> Any:
    """The fast path's request template for ``mode`` (rendered once per mode), or None: use litellm."""
    if opts.fast is None or opts.extra or opts.prompt_format != "chat":
        return None
    try:
        return opts.fast_templates[mode]
    except KeyError:
        template = opts.fast_templates[mode] = opts.fast.template(generation_params(mode, opts.settings, 0))
        return template


async def call_model(cell: Cell, mode: AnswerMode, opts: CallOptions) -> Any:
    """One request: through the fast path where it applies, else ``litellm.acompletion``; raises what litellm raises,
    except that a request that got no HTTP reply raises litellm's ``APIConnectionError`` naming why
    (:mod:`psychometrics.administer._connection`)."""
    try:
        template = fast_template(mode, opts)
        if template is not None:
            assert opts.fast is not None
            return await with_timeout(opts.fast.complete(template, cell.prompt, cell.sample), opts.timeout)
        lib = litellm()
        provider = opts.model.split("/", 1)[0]
        if opts.prompt_format == "completion" and provider not in CUSTOM_PROVIDERS:
            return await with_timeout(lib.atext_completion(**_completion_request(cell, mode, opts)), opts.timeout)
        request = _request(cell, mode, opts)
        call = ownpath.complete(request) if ownpath.takes(request) and enabled_by_env() else lib.acompletion(**request)
        if provider in QUEUEING_PROVIDERS:
            return await call  # it applies ``timeout`` itself
        return await with_timeout(call, opts.timeout)
    except Exception as exc:
        named = as_connection_error(exc, model=opts.model, api_base=opts.api_base)
        if named is None:
            raise
        raise named from exc  # litellm reports a refused connection as HTTP 500 "Connection error."


if sys.version_info >= (3, 11):
    async def with_timeout(awaitable: Awaitable[T], seconds: float) -> T:
        """``await`` with a deadline; raises TimeoutError (no extra task, unlike ``asyncio.wait_for`` before 3.12)."""
        async with asyncio.timeout(seconds):
            return await awaitable
else:  # pragma: no cover - Python 3.10
    async def with_timeout(awaitable: Awaitable[T], seconds: float) -> T:
        return await asyncio.wait_for(awaitable, timeout=seconds)
