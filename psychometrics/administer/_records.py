"""Typed records for what a model answered. Errors are data on the response they belong to."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Status = Literal["ok", "refused", "invalid", "error"]
"""``ok``: an answer mapped to a response value; ``refused``: the model declined; ``invalid``: a reply that is
neither an answer nor a refusal; ``error``: no reply (transport, provider or timeout error after retries)."""

AnswerMode = Literal["logprobs", "generate"]


class Response(BaseModel):
    """One stored answer: one row per cell."""

    model_config = ConfigDict(extra="forbid")
    cell_id: str
    run_id: str
    model: str
    inventory: str
    item: str
    scale: str
    template: str
    order: str
    sample: int
    persona: str | None = None
    prompt: str
    mode: AnswerMode
    status: Status
    raw_text: str | None = None
    """What the model returned (generate mode), or the top token (log-prob mode)."""
    value: int | None = None
    """The chosen answer mapped back to the item's original response value (scenario: original option number)."""
    option_probs: dict[int, float] | None = None
    """Log-prob mode: probability of each original response value, renormalised over the option labels."""
    expected_value: float | None = None
    """Log-prob mode: Σ value × probability over the original response values."""
    mass_outside: float | None = None
    """Log-prob mode: probability the model put on tokens that are not option labels (before renormalising)."""
    error: str | None = None
    latency_s: float | None = None
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    cost_usd: float | None = None
    attempts: int = 1
    created_at: float = Field(default=0.0)
