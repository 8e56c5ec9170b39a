"""Typed records for what the store keeps: runs, and what a model answered (one response per cell).

The response record lives here, below the administer stage that writes it, so that the store, the scorer and
the report read it without depending on administer. Errors are data on the response they belong to.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from psychometrics._record import Record
from psychometrics.plan import Design

RunStatus = Literal["running", "finished", "interrupted", "failed"]

Status = Literal["ok", "refused", "invalid", "error"]
"""``ok``: an answer mapped to a response value; ``refused``: the model declined; ``invalid``: a reply that is
neither an answer nor a refusal; ``error``: no reply (transport, provider or timeout error after retries)."""

AnswerMode = Literal["logprobs", "generate"]


RUN_VERSION = 1
"""Version of the stored :class:`Run` format."""


class Run(Record):
    """One audit of one model."""

    version: int = RUN_VERSION
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


class Response(Record):
    """One stored answer: one row per cell."""

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
    """What the model returned (generate mode), or the top token (log-prob mode); a reasoning field the provider
    returned apart is in ``reasoning``, not here."""
    value: int | None = None
    """The chosen answer mapped back to the item's original response value (scenario: original option number)."""
    option_probs: dict[int, float] | None = None
    """Log-prob mode: probability of each original response value, renormalised over the option labels."""
    expected_value: float | None = None
    """Log-prob mode: Σ value × probability over the original response values."""
    mass_outside: float | None = None
    """Log-prob mode: probability the model put on tokens that are not option labels (before renormalising)."""
    error: str | None = None
    """Why the reply is not an answer (refused, invalid) or why there is no reply (error), in words; a reply cut
    by the token budget says "stopped at the token budget"."""
    latency_s: float | None = None
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    cost_usd: float | None = None
    attempts: int = 1
    created_at: float = Field(default=0.0)
    # Fields added later come last: the store appends their columns to older databases in this order.
    finish_reason: str | None = None
    """Why the model stopped, as the provider says: ``stop`` (a complete reply), ``length`` (the token budget,
    ``max_tokens``, ran out), ``content_filter``…; None for an error or a provider that does not say."""
    reasoning: str | None = None
    """Reasoning the model wrote before its answer, kept apart from the answer: the provider's reasoning field
    (litellm's ``reasoning_content``) and any ``<think>…</think>``-style block in the reply. Not read for the
    answer."""
    parse_rule: str | None = None
    """Generate mode: the rule of the answer parser that decided the reading (``conclusion``, ``label-only``,
    ``recital``…; see ``psychometrics.administer._parse``); None in log-prob mode and for errors."""
    set_aside: list[str] | None = None
    """Generate mode: what the parser set aside before reading (``recital``, ``negation``, ``elimination``…)."""
