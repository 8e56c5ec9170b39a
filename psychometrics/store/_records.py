"""Typed records for what the store keeps: runs, and what a model answered (one response per cell).

The response record lives here, below the administer stage that writes it, so that the store, the scorer and
the report read it without depending on administer. Errors are data on the response they belong to.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from psychometrics.plan import Design

RunStatus = Literal["running", "finished", "interrupted", "failed"]

Status = Literal["ok", "refused", "invalid", "error"]
"""``ok``: an answer mapped to a response value; ``refused``: the model declined; ``invalid``: a reply that is
neither an answer nor a refusal; ``error``: no reply (transport, provider or timeout error after retries)."""

AnswerMode = Literal["logprobs", "generate"]


class Run(BaseModel):
    """One audit of one model."""

    model_config = ConfigDict(extra="forbid")
    version: int = 1
    run_id: str
    model: str
    api_base: str | None = None
    """The endpoint, with any user:password part removed."""
    design: Design
    status: RunStatus = "running"
    created_at: float
    finished_at: float | None = None
    wall_s: float = 0.0
    """Seconds spent administering, summed over every session of the run (resumes included)."""
    n_cells: int = 0
    counts: dict[str, int] = Field(default_factory=dict)
    """Responses by status (ok, refused, invalid, error)."""
    mode_used: str | None = None
    """``logprobs`` or ``generate``: what the provider actually gave."""
    cost_usd: float = 0.0
    versions: dict[str, str] = Field(default_factory=dict)
    """Versions of psychometrics, Python and the libraries that produced the run."""


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
    """What the model returned: the reply (generate mode), or its first few tokens (log-prob mode)."""
    value: int | None = None
    """The chosen answer mapped back to the item's original response value (scenario: original option number)."""
    option_probs: dict[int, float] | None = None
    """Log-prob mode: probability of each original response value, renormalised over the option labels."""
    expected_value: float | None = None
    """Log-prob mode: Σ value × probability over the original response values."""
    mass_outside: float | None = None
    """Log-prob mode: probability the model put on tokens that are not option labels (before renormalising), along
    the token positions read."""
    logprob_position: int | None = None
    """Log-prob mode: the token position where the labels were read (0: the first token; 1: after an opening
    token such as ``(`` or ``**``); None when the reply named no label there."""
    error: str | None = None
    latency_s: float | None = None
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    cost_usd: float | None = None
    attempts: int = 1
    created_at: float = Field(default=0.0)
