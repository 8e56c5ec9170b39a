"""Build a plan: the explicit cross-product item × template × order × sample × persona, one :class:`Cell` each."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Literal, Union

import jinja2

from psychometrics.inventory import BipolarItem, Inventory, Item, ScenarioItem
from psychometrics.plan._model import Cell, Design, GenerationSettings, Plan
from psychometrics.plan._orders import expand_orders, order_permutation
from psychometrics.plan._render import (
    labels_for,
    list_templates,
    load_template,
    option_texts,
    option_values,
    render_prompt,
    validate_template_file,
)

PersonaSpec = Union[str, tuple[str, str], None]
"""A persona: None (no preamble), a persona id (``default/017``, ``shape/extraversion/7``; see
:func:`psychometrics.plan.resolve_persona`), a preamble string (which is also its name), or a
``(name, preamble)`` pair (a two-item list from JSON is read as a pair)."""


def cell_id(
    *,
    model: str,
    inventory: str,
    item: str,
    template: str,
    order: str,
    sample: int,
    persona: str | None,
    settings: GenerationSettings,
    prompt: str,
    label_values: Sequence[int],
    endpoint: str | None = None,
    rates: str | None = None,
) -> str:
    """A stable 20-hex-digit id: the start of the SHA-256 of the canonical JSON of the cell's content.

    The same content gives the same id in any process, on any machine; any change to a component changes it.
    The id is the cache key of an answer: a stored answer is reused by every run whose plan has the same id.
    ``endpoint`` is the server the model is reached at (an ``--api-base`` without credentials), None for a
    provider's own endpoint; it enters the id only when given, and the settings added later only when they
    differ from their default (:data:`~psychometrics.plan._model.LATER_SETTINGS`), so ids computed before
    either existed are unchanged. ``rates`` (a rating cell of an interview: the id of the answer cell
    it reads) enters only when given. docs/architecture.md ("What identifies a cell") lists what is and is not
    part of the id.
    """
    canonical = _canonical_text(model=model, inventory=inventory, item=item, template=template, order=order,
                                sample=sample, persona=persona, settings=settings, prompt=prompt,
                                label_values=label_values, endpoint=endpoint, rates=rates)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:20]


def sample_cell_ids(*, samples: int, **content: object) -> list[str]:
    """:func:`cell_id` of samples ``0 … samples−1`` of one prompt (``content``: every other argument of
    :func:`cell_id`), the same ids at a fraction of the cost.

    The canonical JSON of the samples differs only in ``"sample":N``, which sorts between ``prompt`` and
    ``settings``: the text before it (the prompt: most of the bytes) is encoded and hashed once, and each sample
    hashes a copy of that state with its own number and the short rest.
    """
    canonical = _canonical_text(sample=0, **content)
    head, tail = canonical.split(_SAMPLE_SPLIT)  # keys are sorted and a string's quotes are escaped: one match
    state = hashlib.sha256((head + ',"sample":').encode("utf-8"))
    ids = []
    for sample in range(samples):
        h = state.copy()
        h.update(f'{sample},"settings":{tail}'.encode("utf-8"))
        ids.append(h.hexdigest()[:20])
    return ids


_SAMPLE_SPLIT = ',"sample":0,"settings":'


def _canonical_text(**content: object) -> str:
    """The canonical JSON :func:`cell_id` hashes (``settings`` may be given already dumped)."""
    settings = content["settings"]
    payload = {**content, "settings": settings.model_dump(mode="json") if isinstance(settings, GenerationSettings)
               else settings, "label_values": list(content["label_values"])}  # type: ignore[call-overload]
    for optional in ("endpoint", "rates"):  # absent unless set: the ids of cells without them stay unchanged
        if payload.get(optional) is None:
            payload.pop(optional, None)
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _item_count(inv: Inventory, item: Item) -> int:
    return len(item.options) if isinstance(item, ScenarioItem) else len(inv.response_options)


def _limited(inv: Inventory, limit: int | None) -> list[Item]:
    """The first ``limit`` items taken in turn from each scale (so every scale is covered), in inventory order."""
    if limit is None or limit >= len(inv.items):
        return list(inv.items)
    queues = [[it for it in inv.items if it.scale == s.id] for s in inv.scales]
    chosen: set[str] = set()
    while len(chosen) < limit:
        for q in queues:
            if q and len(chosen) < limit:
                chosen.add(q.pop(0).id)
    return [it for it in inv.items if it.id in chosen]


def _shown_item(item: Item, order: str) -> Item:
    """The item as the template shows it: a bipolar item in ``reversed`` order has its poles swapped.

    Reversing the points of a bipolar item is the same as swapping its poles; showing the swapped poles in the
    question too keeps the prompt coherent with instructions such as "choose 1 if you are like the first".
    """
    if isinstance(item, BipolarItem) and order == "reversed":
        return item.model_copy(update={"left": item.right, "right": item.left})
    return item


def _personas(personas: Sequence[PersonaSpec]) -> list[tuple[str | None, str | None]]:
    out: list[tuple[str | None, str | None]] = []
    for p in personas:
        if p is None:
            pair: tuple[str | None, str | None] = (None, None)
        elif isinstance(p, str):
            from psychometrics.plan._personas import resolve_persona  # persona ids: default/017, shape/…

            preamble = resolve_persona(p)
            pair = (p, p if preamble is None else preamble)
        elif isinstance(p, (tuple, list)) and len(p) == 2 and all(isinstance(x, str) for x in p):
            pair = (p[0], p[1])
        else:
            raise ValueError(f"a persona is None, a preamble string or a (name, preamble) pair (got {p!r})")
        if pair[0] in [name for name, _ in out]:
            raise ValueError(f"persona {pair[0]!r} is given twice")
        out.append(pair)
    if not out:
        raise ValueError("no persona given (use [None] for none)")
    return out


def _inventories(inventories: Sequence[Inventory | str | Path]) -> list[Inventory]:
    from psychometrics.inventory import UnknownInventoryError, inventory_dir, load_inventory

    out: list[Inventory] = []
    for inv in inventories:
        if not isinstance(inv, Inventory):
            try:
                inv = load_inventory(inv)
            except UnknownInventoryError:
                known = ", ".join(sorted(p.stem for p in inventory_dir().glob("*.yaml"))) or "none"
                raise ValueError(f"unknown inventory {str(inv)!r} (valid: {known}; or a path to a YAML file)") from None
        if inv.id in [i.id for i in out]:
            raise ValueError(f"inventory {inv.id!r} is given twice")
        out.append(inv)
    if not out:
        raise ValueError("no inventory given")
    return out


def _templates(
    requested: Sequence[str] | str, files: Sequence[str | Path], kinds: list[str]
) -> dict[str, dict[str, jinja2.Template]]:
    """For each kind: template name → compiled template, in the order they will run."""
    all_shipped = {kind: list_templates(kind) for kind in kinds}  # type: ignore[arg-type]
    file_names = [Path(f).name.removesuffix(".j2") for f in files]
    for name, f in zip(file_names, files):
        if file_names.count(name) > 1:
            raise ValueError(f"two template files are named {name!r}; rename one")
        clash = [k for k in kinds if name in all_shipped[k]]
        if clash:
            raise ValueError(f"template file {str(f)!r} has the name of the shipped {clash[0]} template {name!r}; rename it")
    if isinstance(requested, str):
        if requested != "all":
            requested = [requested]
    out: dict[str, dict[str, jinja2.Template]] = {}
    for kind in kinds:
        names = all_shipped[kind] if requested == "all" else list(requested)
        if not names and not files:
            raise ValueError("no template given")
        chosen: dict[str, jinja2.Template] = {}
        for name in names:
            if name in file_names:
                continue
            if name not in all_shipped[kind]:
                valid = ", ".join(all_shipped[kind] + file_names)
                raise ValueError(f"unknown template {name!r} for {kind} items (valid: {valid or 'none'})")
            chosen[name] = load_template(kind, name)  # type: ignore[arg-type]
        for name, f in zip(file_names, files):
            chosen[name] = validate_template_file(f, kind)  # type: ignore[arg-type]
        out[kind] = chosen
    return out


def build_plan(
    *,
    model: str,
    inventories: Sequence[Inventory | str | Path],
    templates: Sequence[str] | Literal["all"] = ("instruct",),
    orders: Sequence[str] | str = ("original",),
    samples: int = 1,
    personas: Sequence[PersonaSpec] = (None,),
    settings: GenerationSettings | None = None,
    limit_items: int | None = None,
    template_files: Sequence[str | Path] = (),
    endpoint: str | None = None,
) -> Plan:
    """The explicit cross-product item × template × order × sample × persona for one model.

    Parameters
    ----------
    model
        The model name, as the administer stage will call it (part of every cell id).
    inventories
        Loaded inventories, or shipped ids / paths to load.
    templates
        Shipped template names (``instruct``, ``qa``, ``short``…), or ``"all"`` for every shipped template of
        each inventory's kind. Names must exist for every kind in the plan.
    orders
        Option orders: ``original``, ``reversed``, ``rotated`` (every cyclic shift), ``rotated-K``, ``swapped``
        (scenario only) or ``all`` (every order valid for the kind). ``rotated`` and ``all`` expand per item; a
        name not valid for an inventory's kind (``swapped`` with a likert inventory) is an error. See
        :mod:`psychometrics.plan._orders`.
    samples
        Repetitions of every prompt (``sample`` 0…samples−1; they differ only when sampling at temperature > 0).
    personas
        None for no preamble, a preamble string (also its name), or a ``(name, preamble)`` pair.
    settings
        Generation settings, part of every cell id.
    limit_items
        Use only this many items per inventory, taken in turn from each scale so every scale is covered.
    template_files
        User templates (``.j2`` files), checked with :func:`validate_template_file` against the kind of every
        inventory in the plan and named by their file name without ``.j2``; they run in addition to
        ``templates`` (give ``templates=[]`` to run only the files).
    endpoint
        The server the model is reached at (an ``--api-base`` without credentials), part of every cell id when
        given; None for a provider's own endpoint.

    Returns
    -------
    Plan
        Cells grouped by persona, then inventory, then template; within a group sorted by prompt text, so
        prompts sharing a long prefix are adjacent (the shipped likert templates show the options before the
        statement: all the prompts of one option order share everything up to the statement). An embedded
        model reuses its KV cache across a shared prefix. The repeated samples of one prompt come one after
        another.

    Raises
    ------
    ValueError
        An unknown inventory, template or order (one line naming the bad value and the valid ones), or a bad
        count — raised before any prompt is rendered.
    DataFileError
        A template file that does not parse or does not render an item with all its options and labels.
    """
    settings = settings if settings is not None else GenerationSettings()
    if isinstance(samples, bool) or not isinstance(samples, int) or samples < 1:
        raise ValueError(f"samples must be a whole number ≥ 1 (got {samples!r})")
    if limit_items is not None and (isinstance(limit_items, bool) or not isinstance(limit_items, int) or limit_items < 1):
        raise ValueError(f"limit_items must be a whole number ≥ 1 (got {limit_items!r})")
    if isinstance(orders, str):
        orders = [orders]
    invs = _inventories(inventories)
    persona_list = _personas(personas)
    kinds = list(dict.fromkeys(inv.kind for inv in invs))
    chosen = _templates(templates, list(template_files), kinds)

    # Resolve every order for every item before rendering anything: an invalid name fails at once.
    items_of: dict[str, list[Item]] = {}
    orders_of: dict[tuple[str, str], list[str]] = {}
    for inv in invs:
        items_of[inv.id] = _limited(inv, limit_items)
        for it in items_of[inv.id]:
            orders_of[(inv.id, it.id)] = expand_orders(orders, inv.kind, _item_count(inv, it))

    settings_json = settings.model_dump(mode="json")
    cells: list[Cell] = []
    for persona_name, preamble in persona_list:
        for inv in invs:
            for template_name, template in chosen[inv.kind].items():
                group: list[Cell] = []
                for it in items_of[inv.id]:
                    texts = option_texts(inv, it)
                    values = option_values(inv, it)
                    labels = labels_for(inv.kind, len(texts))
                    high = [o.high for o in it.options] if isinstance(it, ScenarioItem) else None
                    for order in orders_of[(inv.id, it.id)]:
                        perm = order_permutation(order, len(texts), high=high)
                        shown = [texts[j] for j in perm]
                        shown_values = [values[j] for j in perm]
                        prompt = render_prompt(template, inventory=inv, item=_shown_item(it, order),
                                               options=list(zip(labels, shown)), persona=preamble)
                        if preamble is not None and preamble.strip() not in prompt:
                            raise ValueError(f"template {template_name!r} ({inv.kind}) does not show the persona "
                                             f"preamble; a template must render {{{{ persona }}}} when it is given")
                        ids = sample_cell_ids(samples=samples, model=model, inventory=inv.id, item=it.id,
                                              template=template_name, order=order, persona=persona_name,
                                              settings=settings_json, prompt=prompt, label_values=shown_values,
                                              endpoint=endpoint)
                        first = Cell(cell_id=ids[0], inventory=inv.id, item=it.id, scale=it.scale,
                                     template=template_name, order=order, sample=0, persona=persona_name,
                                     prompt=prompt, labels=labels, label_values=shown_values, option_texts=shown)
                        group.append(first)
                        # The other samples differ only in id and number: built without validating again, they
                        # share the first one's validated lists (records are frozen; nothing edits them in place).
                        fields = first.__dict__
                        fields_set = first.model_fields_set
                        group.extend(Cell.model_construct(fields_set, **{**fields, "cell_id": ids[k], "sample": k})
                                     for k in range(1, samples))
                # Sorted by prompt text, prompts that share a long prefix are adjacent whatever the template shows
                # first (stable: the samples of one prompt stay together, in order).
                cells += sorted(group, key=lambda c: c.prompt)

    all_templates = list(dict.fromkeys(name for kind in kinds for name in chosen[kind]))
    all_orders = list(dict.fromkeys(o for names in orders_of.values() for o in names))
    design = Design(inventories=[inv.id for inv in invs], templates=all_templates, orders=all_orders,
                    samples=samples, personas=[name for name, _ in persona_list], settings=settings,
                    limit_items=limit_items, template_files=[str(f) for f in template_files])
    return Plan(model=model, design=design, cells=cells)


def plan_size_summary(plan: Plan) -> dict[str, int]:
    """Counts of what the plan crosses: ``inventories``, ``items``, ``templates``, ``orders``, ``samples``,
    ``personas`` and ``cells``.

    ``items`` counts distinct (inventory, item) pairs and ``orders`` distinct concrete orders in the cells, so
    for one inventory ``cells == items × templates × orders × samples × personas``.
    """
    cells = plan.cells
    return {
        "inventories": len({c.inventory for c in cells}),
        "items": len({(c.inventory, c.item) for c in cells}),
        "templates": len({c.template for c in cells}),
        "orders": len({c.order for c in cells}),
        "samples": len({c.sample for c in cells}),
        "personas": len({c.persona for c in cells}),
        "cells": len(cells),
    }

