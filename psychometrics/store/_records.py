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
    """Seconds the processes that worked on the run spent on it, summed over every session (resumes, polls, and a
    killed session up to its last few seconds); two processes at once both count. The time from the run's
    start to its result is ``finished_at - created_at``."""
    n_cells: int = 0
    counts: dict[str, int] = Field(default_factory=dict)
    """Responses by status (ok, refused, invalid, error)."""
    mode_used: str | None = None
    """``logprobs`` or ``generate``: what the provider actually gave."""
    cost_usd: float = 0.0
    versions: dict[str, str] = Field(default_factory=dict)
    """Versions of psychometrics, Python and the libraries that produced the run."""
    # Who runs it: left out of the stored record when unset, so that a record written before they existed is
    # written back byte for byte.
    host: str | None = Field(default=None, exclude_if=lambda v: v is None)
    """The machine whose process last ran the run (``socket.gethostname()``)."""
    pid: int | None = Field(default=None, exclude_if=lambda v: v is None)
    """That process's id: while the status is ``running`` and no such process is alive on ``host``, the run was
    killed or crashed, and reads as ``interrupted``."""
    heartbeat_at: float | None = Field(default=None, exclude_if=lambda v: v is None)
    """When that process last started or resumed the run (epoch seconds); with the newest stored answer, how a
    run on another machine is judged stale."""


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
    """What the model returned: the reply (generate mode), or its first few tokens (log-prob mode); a reasoning
    field the provider returned apart is in ``reasoning``, not here."""
    value: int | None = None
    """The chosen answer mapped back to the item's original response value (scenario: original option number); None
    unless ``ok`` (a log-prob reading that is no answer keeps its ``option_probs``, not a value)."""
    option_probs: dict[int, float] | None = None
    """Log-prob mode: probability of each original response value, renormalised over the option labels."""
    expected_value: float | None = None
    """Log-prob mode: Σ value × probability over the original response values; None unless ``ok``."""
    mass_outside: float | None = None
    """Log-prob mode: probability the model put on tokens that are not option labels (before renormalising), along
    the token positions read."""
    logprob_position: int | None = None
    """Log-prob mode: the token position where the labels were read (0: the first token; 1: after an opening
    token such as ``(`` or ``**``); None when the reply named no label there."""
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
    rates: str | None = None
    """An interview rating: the cell id of the answer it reads (its rater is ``model``, its repeat ``sample``);
    None for any other response. An interview answer is a generated reply stored as text (``value`` None)."""


TIMED_OUT = "timed out"
"""What the stored reason (``error``) of a request that ran out of ``--timeout`` holds; the summary counts those
cells (:meth:`~psychometrics.store.Store.timed_out`) and suggests ``--timeout``."""

BUDGET_STOP = "stopped at the token budget"
"""How the stored reason (``error``) of a reply the token budget cut before it named anything begins; the summary
counts those replies (:meth:`~psychometrics.store.Store.cut_by_token_budget`) and suggests ``--max-tokens``."""


BatchState = Literal["claimed", "uploaded", "validating", "in_progress", "finalizing", "completed", "failed", "expired",
                     "cancelling", "cancelled"]
"""Where a provider batch is: ``claimed`` (its cells are reserved for it in the store, nothing uploaded yet),
``uploaded`` (its input file is uploaded, the batch not created yet), then the provider's own states (OpenAI's batch
object ``status``)."""

BATCH_DONE: tuple[str, ...] = ("completed", "failed", "expired", "cancelled")
"""States after which a provider batch changes no more: its output and error files can be read."""


class Batch(Record):
    """One provider batch of a run: which cells went into it and where it is.

    Stored before the batch is created (``uploaded``, with its input file) and again as soon as the provider
    gives its id, so a process killed at any point never submits the same cells twice: the next one finds the
    batch (or, for ``uploaded``, the provider batch made from the same input file) and waits for it.
    """

    key: str
    """This project's id of the batch (``<run_id>/<hex>``); the provider's id is :attr:`batch_id`."""
    run_id: str
    provider: str
    """litellm's provider name (``openai``, ``azure``, ``vertex_ai``…)."""
    mode: AnswerMode
    """How every line of the batch asks: log-probabilities or a generated reply."""
    input_file_id: str | None = None
    """The uploaded input file (None while the batch is only ``claimed``)."""
    batch_id: str | None = None
    status: BatchState = "uploaded"
    n_cells: int
    output_file_id: str | None = None
    error_file_id: str | None = None
    request_counts: dict[str, int] = Field(default_factory=dict)
    """The provider's counts of lines (``total``, ``completed``, ``failed``)."""
    reason: str | None = None
    """Why the provider failed the whole batch (its ``errors``), when it says."""
    submitted_at: float
    ingested_at: float | None = None
    """When its output and error lines were stored as responses: the batch is closed."""
    host: str | None = Field(default=None, exclude_if=lambda v: v is None)
    """The machine of the process that claimed its cells and submits it."""
    pid: int | None = Field(default=None, exclude_if=lambda v: v is None)
    """That process: while the batch is ``claimed`` or ``uploaded`` only that process may upload or create it;
    once the process is gone (:func:`~psychometrics.store.holder_alive`) another one takes over."""

    @property
    def shown_state(self) -> str:
        """Where the batch is, as progress and ``runs poll`` count it: the provider's state while it is open; once
        collected, ``cancelled`` (by the provider, never submitted, or forgotten) or ``completed``."""
        if self.ingested_at is None:
            return self.status
        return "cancelled" if self.status == "cancelled" else "completed"
