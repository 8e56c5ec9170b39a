"""Typed records for a plan: the explicit cross-product of what will be asked."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SerializerFunctionWrapHandler, model_serializer

Mode = Literal["auto", "logprobs", "generate"]
PromptFormat = Literal["auto", "chat", "completion"]
PROMPT_FORMATS: tuple[str, ...] = ("auto", "chat", "completion")


class GenerationSettings(BaseModel):
    """Settings that change what a model answers; part of every cell id."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    temperature: float = 0.0
    """Sampling temperature (generate mode)."""
    max_tokens: int = 32
    """Token budget for a generated answer."""
    mode: Mode = "auto"
    """``logprobs``: one token, probabilities over the option labels; ``generate``: text parsed for an answer."""
    prompt_format: PromptFormat = "auto"
    """``chat``: the prompt is sent as the user message of a chat; ``completion``: the rendered prompt is sent as
    raw text to a text-completion endpoint (a base model continues it); ``auto``: by provider (see
    :func:`psychometrics.administer.resolve_prompt_format`)."""

    @model_serializer(mode="wrap")
    def _omit_new_defaults(self, handler: SerializerFunctionWrapHandler) -> dict:
        """Settings added after runs were stored are left out while they hold their default, so that an earlier
        run's record, run id and cell ids stay what they were; any other value is stored and keyed."""
        data = handler(self)
        if data.get("prompt_format") == "auto":
            del data["prompt_format"]
        return data


class Cell(BaseModel):
    """One prompt of the plan: an item rendered through one template, option order, sample and persona."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    cell_id: str
    """Stable hash of the content (model, inventory, item, template, order, sample, persona, settings, prompt)."""
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


class Design(BaseModel):
    """What an audit crosses: inventories × templates × option orders × samples × personas, and the settings.

    A run stores its design as it was asked for (``all``, ``rotated``, inventory files by path), which rebuilds
    the same plan when the run resumes; a :class:`Plan` holds the design its cells cross, resolved by
    :func:`~psychometrics.plan.build_plan` (inventory ids, template names, concrete orders, persona names).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)
    inventories: list[str]
    templates: list[str]
    orders: list[str]
    samples: int
    personas: list[str | None] = Field(default_factory=lambda: [None])
    settings: GenerationSettings = Field(default_factory=GenerationSettings)
    limit_items: int | None = None
    template_files: list[str] = Field(default_factory=list)


class Plan(BaseModel):
    """The cross-product item × template × order × sample (× persona) for one model."""

    model_config = ConfigDict(extra="forbid")
    model: str
    design: Design
    """The design the cells cross, resolved: inventory ids, template names, concrete orders
    (``rotated`` → ``rotated-1``…), persona names."""
    cells: list[Cell] = Field(default_factory=list)
