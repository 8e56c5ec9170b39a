"""One cell → one model call → one Response. Errors become data on the Response."""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Awaitable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from psychometrics.administer._litellm import litellm, scrub
from psychometrics.administer._parse import parse_answer, probs_from_top_logprobs
from psychometrics.plan import Cell, GenerationSettings
from psychometrics.store import AnswerMode, Response

if TYPE_CHECKING:
    from psychometrics.administer._fastpath import FastPath

MAX_MASS_OUTSIDE = 0.5
"""Log-prob mode: when more probability than this falls on tokens that are not option labels (a refusal or
chatter starting), the argmax over the labels is not an answer: the cell is stored ``invalid`` with its
probabilities kept."""
CUSTOM_PROVIDERS = ("sim", "local")
"""The project's own litellm providers: they read the cell (labels…) from the request's metadata."""
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


def generation_params(mode: AnswerMode, settings: GenerationSettings, sample: int) -> dict[str, Any]:
    """The OpenAI parameters of one request, the same on the litellm path and the fast path."""
    params: dict[str, Any]
    if mode == "logprobs":
        params = {"max_tokens": 1, "temperature": 0, "logprobs": True, "top_logprobs": settings.top_logprobs}
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
        kwargs["metadata"] = {"psychometrics_cell": cell.model_dump(mode="json", exclude={"prompt"})}
    if opts.api_base:
        kwargs["api_base"] = opts.api_base
    if opts.api_key:
        kwargs["api_key"] = opts.api_key
    kwargs.update(generation_params(mode, opts.settings, cell.sample))
    kwargs.update(opts.extra)
    return kwargs


def _top_logprobs(response: Any) -> list[tuple[str, float]] | None:
    choice = response.choices[0]
    lp = getattr(choice, "logprobs", None)
    if lp is None:
        return None
    content = lp.get("content") if isinstance(lp, dict) else getattr(lp, "content", None)
    if not content:
        return None
    first = content[0]
    top = first.get("top_logprobs") if isinstance(first, dict) else getattr(first, "top_logprobs", None)
    if not top:
        return None
    out = []
    for t in top:
        token = t.get("token") if isinstance(t, dict) else t.token
        logprob = t.get("logprob") if isinstance(t, dict) else t.logprob
        out.append((token, float(logprob)))
    return out


def _usage(response: Any) -> tuple[int | None, int | None, float | None]:
    usage = getattr(response, "usage", None)
    prompt = getattr(usage, "prompt_tokens", None) if usage else None
    completion = getattr(usage, "completion_tokens", None) if usage else None
    hidden = getattr(response, "_hidden_params", None) or {}
    cost = hidden.get("response_cost") if isinstance(hidden, dict) else None
    return prompt, completion, (float(cost) if cost is not None else None)


def budget_reason(max_tokens: int | None) -> str:
    """The stored reason of a reply the token budget cut before it held an answer."""
    budget = f" (max_tokens {max_tokens})" if max_tokens else ""
    return f"stopped at the token budget{budget} before an answer: raise it with --max-tokens"


def _joined(*texts: str | None) -> str | None:
    parts = [t.strip() for t in texts if t and t.strip()]
    return "\n\n".join(parts) if parts else None


def response_from_reply(
    cell: Cell, run_id: str, model: str, mode: AnswerMode, reply: Any, latency: float, attempts: int,
    *, max_tokens: int | None = None,
) -> Response:
    """Build the stored Response from a provider reply (log-prob or generated).

    The provider's reasoning field (litellm's ``reasoning_content``) is kept in ``reasoning``, apart from the
    reply; a generated reply that is no answer and stopped because the token budget (``max_tokens``) ran out
    (``finish_reason`` ``length``) is ``invalid`` with the reason :func:`budget_reason`.
    """
    choice = reply.choices[0]
    text = choice.message.content
    finish = getattr(choice, "finish_reason", None)
    prompt_tokens, completion_tokens, cost = _usage(reply)
    base = dict(
        cell_id=cell.cell_id, run_id=run_id, model=model, inventory=cell.inventory, item=cell.item,
        scale=cell.scale, template=cell.template, order=cell.order, sample=cell.sample, persona=cell.persona,
        prompt=cell.prompt, mode=mode, raw_text=text, latency_s=latency, prompt_tokens=prompt_tokens,
        completion_tokens=completion_tokens, cost_usd=cost, attempts=attempts, created_at=time.time(),
        finish_reason=finish if isinstance(finish, str) else None,
        reasoning=_joined(getattr(choice.message, "reasoning_content", None)),
    )
    if mode == "logprobs":
        top = _top_logprobs(reply)
        if top is None:
            raise NoLogprobs()
        probs, expected, outside = probs_from_top_logprobs(top, cell)
        if not probs:
            return Response(**base, status="invalid", error="no option label among the top log-probabilities",
                            mass_outside=outside if outside is not None else 1.0)
        value = max(probs, key=lambda v: probs[v])
        if outside is not None and outside > MAX_MASS_OUTSIDE:
            return Response(**base, status="invalid", value=value, option_probs=probs, expected_value=expected,
                            mass_outside=outside,
                            error=f"{outside:.0%} of the probability fell outside the option labels "
                                  f"(more than {MAX_MASS_OUTSIDE:.0%}): not counted as an answer")
        return Response(**base, status="ok", value=value, option_probs=probs, expected_value=expected,
                        mass_outside=outside)
    parsed = parse_answer(text or "", cell)
    error = None if parsed.status == "ok" else parsed.reason
    if parsed.status == "invalid" and finish == "length":
        error = budget_reason(max_tokens)
    base["reasoning"] = _joined(base["reasoning"], parsed.reasoning)
    return Response(**base, status=parsed.status, value=parsed.value, error=error, parse_rule=parsed.rule,
                    set_aside=list(parsed.set_aside))


def error_response(cell: Cell, run_id: str, model: str, mode: AnswerMode, message: str, attempts: int,
                   latency: float | None = None) -> Response:
    return Response(
        cell_id=cell.cell_id, run_id=run_id, model=model, inventory=cell.inventory, item=cell.item,
        scale=cell.scale, template=cell.template, order=cell.order, sample=cell.sample, persona=cell.persona,
        prompt=cell.prompt, mode=mode, status="error", error=scrub(message), attempts=attempts, latency_s=latency,
        created_at=time.time(),
    )


def fast_template(mode: AnswerMode, opts: CallOptions) -> Any:
    """The fast path's request template for ``mode`` (rendered once per mode), or None: use litellm."""
    if opts.fast is None or opts.extra:
        return None
    try:
        return opts.fast_templates[mode]
    except KeyError:
        template = opts.fast_templates[mode] = opts.fast.template(generation_params(mode, opts.settings, 0))
        return template


async def call_model(cell: Cell, mode: AnswerMode, opts: CallOptions) -> Any:
    """One request: through the fast path where it applies, else ``litellm.acompletion``; raises what litellm raises."""
    template = fast_template(mode, opts)
    if template is not None:
        assert opts.fast is not None
        return await with_timeout(opts.fast.complete(template, cell.prompt, cell.sample), opts.timeout)
    lib = litellm()
    return await with_timeout(lib.acompletion(**_request(cell, mode, opts)), opts.timeout)


if sys.version_info >= (3, 11):
    async def with_timeout(awaitable: Awaitable[T], seconds: float) -> T:
        """``await`` with a deadline; raises TimeoutError (no extra task, unlike ``asyncio.wait_for`` before 3.12)."""
        async with asyncio.timeout(seconds):
            return await awaitable
else:  # pragma: no cover - Python 3.10
    async def with_timeout(awaitable: Awaitable[T], seconds: float) -> T:
        return await asyncio.wait_for(awaitable, timeout=seconds)
