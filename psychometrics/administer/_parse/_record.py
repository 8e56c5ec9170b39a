"""What the parser hands on: the reading of one reply, with the evidence it rests on."""

from __future__ import annotations

from typing import Literal

from psychometrics._record import Record

ParseStatus = Literal["ok", "refused", "invalid"]

ParseRule = Literal[
    "empty", "reasoning-only", "json", "two-labels", "label-only", "conclusion", "choice-phrase", "leading-label",
    "option-text", "reordered-text", "refusal", "several-options", "off-scale", "lone-label", "recital", "negation",
    "attributed", "apology", "no-answer", "cut-list-start",
]
"""The rule that decided a reading, in the order the rules are tried (see :mod:`psychometrics.administer._parse`)."""

SetAside = Literal["run-on", "recital", "anchors", "negation", "elimination", "not-a-choice", "attribution",
                   "question"]
"""What can be set aside before the rules read a reply: a base model running on into the next item, the option list
recited, the scale's anchors restated, negated options, eliminated options, numbers that are not choices, answers
given as someone else's, labels asked about."""


class ParsedAnswer(Record):
    """What a reply means for one cell, and why."""

    status: ParseStatus
    """``ok``: an answer; ``refused``: the model declined; ``invalid``: neither, see ``reason``."""
    value: int | None = None
    """The chosen option's original value (scenario: original option number 1–4); None unless ``ok``."""
    label: str | None = None
    """The label the reply chose, as shown in the prompt; None unless ``ok``."""
    reason: str | None = None
    """Why the reply is refused or invalid, in words; None when ``ok``."""
    rule: ParseRule = "no-answer"
    """The name of the rule that decided this reading."""
    set_aside: tuple[SetAside, ...] = ()
    """What was set aside before that rule read the reply (each name once, in the order of the steps)."""
    raw_text: str = ""
    """The reply verbatim, reasoning included ("" for no reply)."""
    reasoning: str | None = None
    """The reasoning split off the reply (the inside of ``<think>…</think>`` or a similar block), or None."""
