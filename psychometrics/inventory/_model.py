"""Typed records for instruments: the schema every file in ``inventories/`` follows."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal, Union

from pydantic import (
    BaseModel, ConfigDict, Discriminator, Field, PrivateAttr, Tag, ValidationInfo, model_validator,
)

from psychometrics._record import Record
from psychometrics._yamlfile import report_problems
from psychometrics.inventory._parallel import Original, Relation, parallel_problems

Kind = Literal["likert", "bipolar", "scenario"]
"""``likert``: a statement rated on agree/accuracy points; ``bipolar``: two poles rated between;
``scenario``: a situation with four options, two typical of a high and two of a low trait level."""

Scoring = Literal["mean", "signed_sum", "high_choice_percent"]
"""``mean``: mean of keyed items (reverse = min + max − value); ``signed_sum``: ``constant`` plus the sum of the
items, reverse items subtracted (the OEJTS formulas); ``high_choice_percent``: share of high-trait choices, 0–100."""


class _Record(Record):
    model_config = ConfigDict(coerce_numbers_to_str=True)  # an inventory file may write a label as a number


class ResponseOption(_Record):
    value: int
    """The number stored and scored for this point."""
    label: str
    """What the respondent reads, e.g. ``Agree a little``."""


class Norms(_Record):
    mean: float
    """Human mean of the scale score, on the scale's own metric."""
    sd: float = Field(gt=0)
    """Human standard deviation of the scale score."""
    n: int | None = Field(default=None, gt=0)
    """Sample size behind the norms, when the source gives one."""
    source: str
    """Citation of where the figures come from, with the sample described."""


class Letters(_Record):
    low: str
    """Letter given when the score is at or below ``cutoff`` (e.g. ``I``)."""
    high: str
    """Letter given when the score is above ``cutoff`` (e.g. ``E``)."""
    cutoff: float
    """Scores strictly above this give the ``high`` letter."""


class Scale(_Record):
    id: str
    name: str
    description: str | None = None
    constant: float = 0.0
    """Added to the signed item sum (``signed_sum`` scoring only)."""
    letters: Letters | None = None
    """Type letters for a dichotomised scale (OEJTS)."""
    trait: str | None = None
    """The construct, shared across instruments so validity checks can pair scales (e.g. ``extraversion``)."""
    norms: Norms | None = None


class LikertItem(_Record):
    id: str
    text: str
    scale: str
    reverse: bool = False
    parallel_item: str | None = None
    """In a parallel form: the id of the original's item this one renders (see ``Inventory.parallel_to``)."""


class BipolarItem(_Record):
    id: str
    left: str
    """The pole rated at the lowest response value."""
    right: str
    """The pole rated at the highest response value."""
    scale: str
    reverse: bool = False
    parallel_item: str | None = None
    """In a parallel form: the id of the original's item this one renders (see ``Inventory.parallel_to``)."""


class ScenarioOption(_Record):
    text: str
    high: bool
    """True when choosing this option expresses a high level of the item's trait."""


class ScenarioItem(_Record):
    id: str
    situation: str
    question: str
    scale: str
    options: list[ScenarioOption]
    """Four options in their original order; option ``n`` (1-based) is stored as value ``n``."""
    parallel_item: str | None = None
    """In a parallel form: the id of the original's item this one renders (see ``Inventory.parallel_to``)."""


def _item_tag(value: object) -> str:
    # The shape of an item says its kind; the inventory's own ``kind`` is checked against it afterwards.
    keys = value.keys() if isinstance(value, dict) else vars(value).keys() if hasattr(value, "__dict__") else ()
    if "situation" in keys or "options" in keys or "question" in keys:
        return "scenario"
    if "left" in keys or "right" in keys:
        return "bipolar"
    return "likert"


Item = Annotated[
    Union[
        Annotated[LikertItem, Tag("likert")],
        Annotated[BipolarItem, Tag("bipolar")],
        Annotated[ScenarioItem, Tag("scenario")],
    ],
    Discriminator(_item_tag),
]
_ITEM_TYPE: dict[str, type[BaseModel]] = {"likert": LikertItem, "bipolar": BipolarItem, "scenario": ScenarioItem}


class Inventory(_Record):
    version: Literal[1] = 1
    """Version of this file format."""
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")
    name: str
    kind: Kind
    citation: str
    license: str
    """The terms, said plainly: who may copy and use the items, and how."""
    instructions: str
    """What the respondent is told before the items."""
    stem: str | None = None
    """Text that precedes every item, e.g. ``I see myself as someone who…``."""
    scoring: Scoring = "mean"
    response_options: list[ResponseOption] = Field(default_factory=list)
    """The answer points for likert and bipolar items; scenario items carry their own options."""
    scales: list[Scale]
    items: list[Item]
    source_url: str | None = None
    language: str | None = None
    """BCP 47 tag of the language the items are written in (``en``, ``de``, ``pt-BR``)."""
    parallel_to: str | None = None
    """Makes this file a parallel form of another inventory: the original's shipped id, or its path relative to
    this file. Every item then names its original item in ``parallel_item``; the form keeps the original's
    scales, keying and response scale, so answers to both compare item by item."""
    relation: Relation | None = None
    """How a parallel form was made from its original: ``paraphrase`` or ``translation``."""

    _original: Original | None = PrivateAttr(default=None)

    @model_validator(mode="after")
    def _consistent(self, info: ValidationInfo) -> "Inventory":
        problems = consistency_problems(self)
        path = (info.context or {}).get("path") if info else None
        parallel, self._original = parallel_problems(self, Path(path).parent if path else None)
        report_problems(problems + parallel, info)
        return self

    # Parallel forms ------------------------------------------------------------------------------------
    @property
    def original_id(self) -> str | None:
        """The id of the inventory this one is a parallel form of (None for an original)."""
        return self._original.id if self._original else None

    def parallel_items(self) -> dict[str, str]:
        """Form item id → the original's item id it renders (empty for an original)."""
        if self.parallel_to is None:
            return {}
        return {it.id: str(it.parallel_item) for it in self.items}

    def original(self) -> "Inventory":
        """Load the original this form renders.

        Raises
        ------
        ValueError
            This inventory is not a parallel form.
        """
        if self._original is None:
            raise ValueError(f"{self.id} is not a parallel form of another inventory")
        from psychometrics.inventory._load import load_inventory

        return load_inventory(self._original.ref)

    # Convenience views ---------------------------------------------------------------------------------
    @property
    def values(self) -> list[int]:
        return [o.value for o in self.response_options]

    @property
    def min_value(self) -> int:
        return min(self.values)

    @property
    def max_value(self) -> int:
        return max(self.values)

    def scale(self, scale_id: str) -> Scale:
        for s in self.scales:
            if s.id == scale_id:
                return s
        raise KeyError(f"{self.id} has no scale {scale_id!r}")

    def item(self, item_id: str) -> Item:
        for it in self.items:
            if it.id == item_id:
                return it
        raise KeyError(f"{self.id} has no item {item_id!r}")

    def items_of(self, scale_id: str) -> list[Item]:
        return [it for it in self.items if it.scale == scale_id]

    def score_range(self, scale_id: str) -> tuple[float, float]:
        """Lowest and highest possible score of a scale, by the inventory's scoring rule.

        ``mean``: the response range; ``high_choice_percent``: 0–100; ``signed_sum``: the scale's constant plus
        the forward items at one end of the response range and minus the reverse items at the other.
        """
        if self.scoring == "high_choice_percent":
            return 0.0, 100.0
        lo, hi = float(self.min_value), float(self.max_value)
        if self.scoring == "signed_sum":
            items = self.items_of(scale_id)
            n_rev = sum(bool(getattr(i, "reverse", False)) for i in items)
            n_fwd = len(items) - n_rev
            c = self.scale(scale_id).constant
            return c + n_fwd * lo - n_rev * hi, c + n_fwd * hi - n_rev * lo
        return lo, hi

    def item_text(self, item_id: str) -> tuple[str, bool]:
        """What an item says (a bipolar item as ``left ↔ right``, a scenario as situation and question), and
        whether it is reverse-keyed; an id the inventory lacks reads ``(item … is not in the inventory file)``."""
        try:
            item = self.item(item_id)
        except KeyError:
            return f"(item {item_id} is not in the inventory file)", False
        if isinstance(item, ScenarioItem):
            return f"{item.situation} {item.question}", False
        if isinstance(item, BipolarItem):
            return f"{item.left} ↔ {item.right}", bool(item.reverse)
        return item.text, bool(getattr(item, "reverse", False))


Problem = tuple[tuple[str | int, ...], str]
"""A location in the file (field path) and what is wrong there."""


def consistency_problems(inv: Inventory) -> list[Problem]:
    """Everything wrong with ``inv`` that field types alone cannot catch."""
    problems: list[Problem] = []
    expected = _ITEM_TYPE[inv.kind]
    scale_ids = [s.id for s in inv.scales]
    for i, s in enumerate(inv.scales):
        if s.id in scale_ids[:i]:
            problems.append((("scales", i, "id"), f"duplicate scale id {s.id!r}"))
    seen: set[str] = set()
    for i, it in enumerate(inv.items):
        if not isinstance(it, expected):
            problems.append((("items", i), f"item is not a {inv.kind} item"))
            continue
        if it.id in seen:
            problems.append((("items", i, "id"), f"duplicate item id {it.id!r}"))
        seen.add(it.id)
        if it.scale not in scale_ids:
            problems.append((("items", i, "scale"), f"item {it.id!r} names scale {it.scale!r}, which is not declared"))
        if isinstance(it, ScenarioItem):
            highs = sum(o.high for o in it.options)
            if len(it.options) != 4 or highs != 2:
                problems.append(
                    (("items", i, "options"),
                     f"scenario item {it.id!r} needs exactly 4 options, 2 high and 2 low "
                     f"(has {len(it.options)}, {highs} high)")
                )
    for i, s in enumerate(inv.scales):
        if not any(it.scale == s.id for it in inv.items):
            problems.append((("scales", i, "id"), f"scale {s.id!r} has no items"))
    if inv.kind == "scenario":
        if inv.response_options:
            problems.append((("response_options",), "scenario inventories take their options from each item"))
        if inv.scoring != "high_choice_percent":
            problems.append((("scoring",), "scenario inventories are scored as high_choice_percent"))
    else:
        if len(inv.response_options) < 2:
            problems.append((("response_options",), "needs at least two response options"))
        values = [o.value for o in inv.response_options]
        if len(set(values)) != len(values):
            problems.append((("response_options",), "response option values must be distinct"))
        if values and values != list(range(min(values), max(values) + 1)):
            for j, v in enumerate(values):
                if v != min(values) + j:
                    problems.append(
                        (("response_options", j, "value"),
                         f"response value {v} out of range: values must run {min(values)}, {min(values) + 1}, … in order")
                    )
                    break
        if inv.scoring == "high_choice_percent":
            problems.append((("scoring",), "high_choice_percent scoring is for scenario inventories"))
    return problems
