"""Typed records for a plan: the explicit cross-product of what will be asked."""

from __future__ import annotations

from typing import Any, Literal, get_args

from pydantic import Field, SerializerFunctionWrapHandler, model_serializer

from psychometrics._record import Record

Mode = Literal["auto", "logprobs", "generate"]

ReasoningEffort = Literal["none", "minimal", "low", "medium", "high", "xhigh", "max"]
"""litellm's ``reasoning_effort`` values; each provider accepts its own subset."""

PromptFormat = Literal["auto", "chat", "completion"]
"""How the prompt is sent: as the user message of a chat (``chat``), as raw text to complete (``completion``),
or chosen by provider (``auto``); see :func:`psychometrics.administer.resolve_prompt_format`."""
PROMPT_FORMATS: tuple[str, ...] = get_args(PromptFormat)


class GenerationSettings(Record):
    """Settings that change what a model answers; part of every cell id (see :func:`~psychometrics.plan.cell_id`).

    The fields after ``mode`` were added later. They are written (to the stored design and into the cell id) only
    when they differ from their default, so that runs stored before they existed keep their run id and cell ids.
    """

    temperature: float = 0.0
    """Sampling temperature (generate mode)."""
    max_tokens: int = 32
    """Token budget of a generated answer, reasoning included: a reasoning model needs hundreds to thousands."""
    mode: Mode = "auto"
    """``logprobs``: one token, probabilities over the option labels; ``generate``: text parsed for an answer."""
    reasoning_effort: ReasoningEffort | None = None
    """Passed to the provider as litellm's ``reasoning_effort`` (None: not sent, the provider's default)."""
    prompt_format: PromptFormat = "auto"
    """``chat``: the prompt is sent as the user message of a chat; ``completion``: the rendered prompt is sent as
    raw text to a text-completion endpoint (a base model continues it); ``auto``: by provider (see
    :func:`psychometrics.administer.resolve_prompt_format`)."""
    top_logprobs: int = Field(20, ge=1, le=20)
    """Log-prob mode: how many most likely first tokens the provider is asked for."""

    @model_serializer(mode="wrap")
    def _omit_later_defaults(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        data = handler(self)
        for name in LATER_SETTINGS:
            if getattr(self, name) == type(self).model_fields[name].default:
                data.pop(name, None)
        return data


LATER_SETTINGS = ("reasoning_effort", "prompt_format", "top_logprobs")
"""Settings added after runs were first stored: left out of the record and the cell id while at their default."""


CellRole = Literal["item", "question", "rating"]
"""What a cell asks: a self-report item, an interview question (free text) or a rating of an interview answer."""


class Cell(Record):
    """One prompt of the plan: an item rendered through one template, option order, sample and persona."""

    cell_id: str
    """Stable hash of the content (model, endpoint, inventory, item, template, order, sample, persona, settings,
    prompt, label values): the cache key of the cell's answer (see :func:`~psychometrics.plan.cell_id`)."""
    inventory: str
    item: str
    scale: str
    template: str
    order: str
    """``original``, ``reversed``, ``rotated-K`` (options shifted by K), or ``swapped`` (scenario pairs exchanged)."""
    sample: int
    persona: str | None = None
    prompt: str
    """The exact text sent (a base model sees it verbatim; a chat model receives it as the user message)."""
    labels: list[str]
    """The option labels in the order shown (``1``, ``2``… or ``A``, ``B``…)."""
    label_values: list[int]
    """The item's original response value behind each shown label (scenario: the original option number)."""
    option_texts: list[str] = Field(default_factory=list)
    """The option text behind each shown label, in shown order (used by the answer parser)."""
    role: CellRole = "item"
    """``item``: a self-report prompt whose reply is read for a label; ``question``: an interview question whose
    reply is free text, stored as it is (a generation cell); ``rating``: a rater's prompt, read like an item."""
    rates: str | None = None
    """A rating cell: the id of the interview answer cell it reads (None otherwise)."""


class InterviewDesign(Record):
    """What an interview adds to a design: the question and rater templates, the raters and their settings."""

    question_template: str = "question"
    """``question`` (the shipped ``templates/interview/question.j2``) or the path of a user's template."""
    rater_template: str = "rater"
    """``rater`` (the shipped ``templates/interview/rater.j2``) or the path of a user's template."""
    raters: list[str]
    """The rater models (litellm model strings, ``sim/…``, ``local/…``), each reading every answer."""
    repeats: int = Field(1, ge=1)
    """Ratings per rater per answer (sample 0…repeats−1 of the rating cell); ≥ 2 gives intra-rater reliability
    (at temperature > 0, or with a rater that varies)."""
    rater_settings: GenerationSettings = Field(
        default_factory=lambda: GenerationSettings(mode="auto", max_tokens=48))
    """How raters are asked: ``mode`` ``auto`` (the default) reads the rating from the probabilities of the
    scale's labels where the provider gives log-probs and generates a reply for the parser otherwise, as for
    self-report items; ``logprobs`` or ``generate`` force one way. ``max_tokens`` is the budget of a generated
    rating."""


class Design(Record):
    """What an audit crosses: inventories × templates × option orders × samples × personas, and the settings.

    A run stores its design as it was asked for (``all``, ``rotated``, inventory files by path), which rebuilds
    the same plan when the run resumes; a :class:`Plan` holds the design its cells cross, resolved by
    :func:`~psychometrics.plan.build_plan` (inventory ids, template names, concrete orders, persona names).
    """

    inventories: list[str]
    templates: list[str]
    orders: list[str]
    samples: int
    personas: list[str | None] = Field(default_factory=lambda: [None])
    settings: GenerationSettings = Field(default_factory=GenerationSettings)
    limit_items: int | None = None
    template_files: list[str] = Field(default_factory=list)
    interview: InterviewDesign | None = Field(default=None, exclude_if=lambda v: v is None)
    """An interview (open questions rated by rater models) instead of a self-report; None for an audit. Left out
    of the stored record when None, so that the run ids of audits stay as they were."""


class Plan(Record):
    """The cross-product item × template × order × sample (× persona) for one model."""

    model: str
    design: Design
    """The design the cells cross, resolved: inventory ids, template names, concrete orders
    (``rotated`` → ``rotated-1``…), persona names."""
    cells: list[Cell] = Field(default_factory=list)
