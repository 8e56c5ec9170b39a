"""What an audit would ask and cost, before anything is asked: requests, tokens and litellm's local price map."""

from __future__ import annotations

import math
from collections.abc import Sequence

from psychometrics._record import Record
from psychometrics.administer._litellm import litellm
from psychometrics.plan import Cell


class CostEstimate(Record):
    """The size and price of asking ``requests`` cells once each (retries and fallbacks not counted)."""

    requests: int
    """Cells to ask (one request each)."""
    prompt_tokens: int
    """Prompt tokens, counted with litellm's ``token_counter`` for the model (its default tokenizer where it has
    none for the model)."""
    completion_tokens: int
    """At most this many completion tokens: ``LOGPROB_TOKENS`` (3) per request in log-prob mode (the label may follow
    an opening such as ``(``), ``max_tokens`` in generate mode."""
    cost_usd: float = math.nan
    """US dollars from litellm's local price map (no network); NaN when the map has no price for the model (see
    ``reason``); 0 for the simulated and embedded models."""
    batch_price: bool = False
    """``cost_usd`` is the provider's batch price (litellm's ``batch_cost_calculator``), not the synchronous one."""
    reason: str | None = None
    """Why ``cost_usd`` is NaN."""


def estimate_cost(model: str, provider: str, cells: Sequence[Cell], *, completion_per_request: int,
                  batch: bool = False) -> CostEstimate:
    """Count the prompt tokens of ``cells`` and price them (and ``completion_per_request`` tokens per request) with
    litellm's ``cost_per_token`` from its local price map; with ``batch``, at the provider's batch price
    (litellm's ``batch_cost_calculator``: the batch price the map lists, else half the synchronous one), as a batch
    audit stores its cost."""
    lib = litellm()
    counted: dict[str, int] = {}
    prompt_tokens = 0
    for cell in cells:
        if cell.prompt not in counted:
            try:
                counted[cell.prompt] = int(lib.token_counter(model=model, text=cell.prompt))
            except Exception:  # noqa: BLE001 - a tokenizer litellm cannot load offline: about 4 characters a token
                counted[cell.prompt] = math.ceil(len(cell.prompt) / 4)
        prompt_tokens += counted[cell.prompt]
    completion = completion_per_request * len(cells)
    base = dict(requests=len(cells), prompt_tokens=prompt_tokens, completion_tokens=completion)
    if provider in ("sim", "local"):
        return CostEstimate(**base, cost_usd=0.0)
    try:
        if batch:
            from litellm.cost_calculator import batch_cost_calculator
            from litellm.types.utils import Usage

            bare = model.split("/", 1)[1] if model.startswith(provider + "/") else model
            lib.get_model_info(model=bare, custom_llm_provider=provider)  # unpriced: raises, as on the sync path
            prompt_cost, completion_cost = batch_cost_calculator(
                usage=Usage(prompt_tokens=prompt_tokens, completion_tokens=completion,
                            total_tokens=prompt_tokens + completion), model=bare, custom_llm_provider=provider)
        else:
            prompt_cost, completion_cost = lib.cost_per_token(model=model, prompt_tokens=prompt_tokens,
                                                              completion_tokens=completion)
    except Exception:  # noqa: BLE001 - litellm raises its own "not mapped" errors: no price is known
        return CostEstimate(**base, reason=f"litellm's price map has no price for {model}", batch_price=batch)
    return CostEstimate(**base, cost_usd=float(prompt_cost) + float(completion_cost), batch_price=batch)
