"""Building plans: size, cell ids, cell ordering, personas, item limits and loud failures on bad names."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import psychometrics.plan._build as build_module
from psychometrics.plan import GenerationSettings, build_plan, cell_id, list_templates, plan_size_summary

REPO = Path(__file__).resolve().parents[2]


def test_plan_size_is_the_cross_product(likert) -> None:
    plan = build_plan(model="m", inventories=[likert], templates=["instruct", "qa"], orders=["original", "rotated"],
                      samples=3)
    # 5 items × 2 templates × (1 + 4 rotations) × 3 samples
    assert len(plan.cells) == 5 * 2 * 5 * 3
    assert plan_size_summary(plan) == {"inventories": 1, "items": 5, "templates": 2, "orders": 5, "samples": 3,
                                       "personas": 1, "cells": 150}
    assert plan.design.orders == ["original", "rotated-1", "rotated-2", "rotated-3", "rotated-4"]
    assert plan.design.templates == ["instruct", "qa"] and plan.design.samples == 3 and plan.design.personas == [None]


def test_plan_size_with_personas_and_all(fixtures) -> None:
    plan = build_plan(model="m", inventories=fixtures, templates="all", orders="all",
                      personas=[None, ("calm", "You are a calm person.")])
    per_inventory = {"mini-likert": 5 * 6, "mini-bipolar": 3 * 6, "mini-scenario": 2 * 6}  # items × orders
    assert len(plan.cells) == sum(per_inventory.values()) * len(list_templates("likert")) * 2
    summary = plan_size_summary(plan)
    assert summary["personas"] == 2 and summary["items"] == 10 and summary["cells"] == len(plan.cells)


def test_cell_ids_are_unique_and_stable(fixtures) -> None:
    kwargs = dict(model="m", inventories=fixtures, templates="all", orders="all", samples=2,
                  personas=[None, "You are a pirate."])
    first, second = build_plan(**kwargs), build_plan(**kwargs)
    ids = [c.cell_id for c in first.cells]
    assert len(set(ids)) == len(ids)
    assert ids == [c.cell_id for c in second.cells]
    assert all(len(i) == 20 and int(i, 16) >= 0 for i in ids)


def test_every_cell_is_what_its_fields_say_with_the_id_of_its_content(fixtures) -> None:
    # the samples of a prompt are built from the first one without validating again, their ids from one hash
    # state: each must still equal a cell validated from scratch, with the SHA-256 of its canonical JSON
    import hashlib

    from psychometrics.plan import Cell

    settings = GenerationSettings(temperature=0.7, mode="generate", top_logprobs=5)
    plan = build_plan(model="m", inventories=fixtures, templates="all", orders="all", samples=3,
                      personas=[None, "You are a pirate."], settings=settings, endpoint="http://127.0.0.1:1/v1")
    assert {c.sample for c in plan.cells} == {0, 1, 2}
    for c in plan.cells:
        assert Cell.model_validate(c.model_dump()) == c
        payload = {"model": "m", "inventory": c.inventory, "item": c.item, "template": c.template, "order": c.order,
                   "sample": c.sample, "persona": c.persona, "settings": settings.model_dump(mode="json"),
                   "prompt": c.prompt, "label_values": c.label_values, "endpoint": "http://127.0.0.1:1/v1"}
        text = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        assert c.cell_id == hashlib.sha256(text.encode()).hexdigest()[:20]
        assert c.cell_id == cell_id(model="m", inventory=c.inventory, item=c.item, template=c.template, order=c.order,
                                    sample=c.sample, persona=c.persona, settings=settings, prompt=c.prompt,
                                    label_values=c.label_values, endpoint="http://127.0.0.1:1/v1")


def test_cell_ids_are_the_same_in_another_process(likert) -> None:
    plan = build_plan(model="m", inventories=[likert], templates=["qa"], orders=["reversed"], samples=2)
    code = (
        "import json\n"
        "from psychometrics.inventory import load_inventory\n"
        "from psychometrics.plan import build_plan\n"
        f"inv = load_inventory({str(REPO / 'tests/fixtures/inventories/mini-likert.yaml')!r})\n"
        "plan = build_plan(model='m', inventories=[inv], templates=['qa'], orders=['reversed'], samples=2)\n"
        "print(json.dumps([c.cell_id for c in plan.cells]))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={"PYTHONHASHSEED": "123", "PATH": ""}, cwd=REPO)
    assert json.loads(out.stdout) == [c.cell_id for c in plan.cells]


def test_cell_id_changes_with_every_component() -> None:
    base = dict(model="m", inventory="inv", item="i1", template="qa", order="original", sample=0, persona=None,
                settings=GenerationSettings(), prompt="Answer:", label_values=[1, 2, 3])
    variants = [
        {"model": "other"}, {"inventory": "inv2"}, {"item": "i2"}, {"template": "short"}, {"order": "reversed"},
        {"sample": 1}, {"persona": "calm"}, {"settings": GenerationSettings(temperature=0.7)},
        {"settings": GenerationSettings(mode="generate")}, {"settings": GenerationSettings(max_tokens=8)},
        {"prompt": "Answer: "}, {"label_values": [3, 2, 1]},
    ]
    ids = {cell_id(**base)} | {cell_id(**{**base, **v}) for v in variants}
    assert len(ids) == 1 + len(variants)
    assert cell_id(**base) == cell_id(**dict(base))


def test_settings_and_model_change_the_plan_ids(likert) -> None:
    a = build_plan(model="m", inventories=[likert], templates=["qa"], limit_items=1)
    b = build_plan(model="m", inventories=[likert], templates=["qa"], limit_items=1,
                   settings=GenerationSettings(temperature=1.0))
    c = build_plan(model="m2", inventories=[likert], templates=["qa"], limit_items=1)
    assert len({a.cells[0].cell_id, b.cells[0].cell_id, c.cells[0].cell_id}) == 3


def _blocks(keys: list) -> list:
    """Run-length groups of consecutive equal keys."""
    out: list = []
    for k in keys:
        if not out or out[-1] != k:
            out.append(k)
    return out


def test_cells_sharing_a_prefix_are_adjacent(fixtures) -> None:
    plan = build_plan(model="m", inventories=fixtures, templates="all", orders="all", samples=2,
                      personas=[None, ("calm", "You are a calm person.")])
    # each (persona, inventory, template) forms one contiguous block, sorted by prompt text within
    head = [(c.persona, c.inventory, c.template) for c in plan.cells]
    assert len(_blocks(head)) == len(set(head))
    for block in _blocks(head):
        prompts = [c.prompt for c in plan.cells if (c.persona, c.inventory, c.template) == block]
        assert prompts == sorted(prompts)
    # the samples of one prompt come one after another, in order
    prompts = [(c.persona, c.prompt) for c in plan.cells]
    assert len(_blocks(prompts)) == len(set(prompts)) == len(plan.cells) // 2
    assert [c.sample for c in plan.cells] == [0, 1] * (len(plan.cells) // 2)


def test_shipped_likert_prompts_of_one_order_share_all_but_the_statement() -> None:
    # the options come before the statement, so an embedded model re-evaluates only the statement's tokens
    plan = build_plan(model="m", inventories=["bfi44"], templates="all", orders=["original", "reversed"])
    for template in ("instruct", "qa", "short"):
        cells = [c for c in plan.cells if c.template == template]
        assert len(_blocks([c.order for c in cells])) == 2
        for a, b in zip(cells, cells[1:]):
            if a.order == b.order:
                shared = len(os.path.commonprefix([a.prompt, b.prompt]))
                assert a.prompt[shared:].count("\n") <= 2  # statement line and "Answer: "


def test_persona_preamble_comes_first(likert) -> None:
    plan = build_plan(model="m", inventories=[likert], templates="all", limit_items=1,
                      personas=[("calm", "You are a calm person."), "Answer as a pirate."])
    assert {c.persona for c in plan.cells} == {"calm", "Answer as a pirate."}
    for c in plan.cells:
        preamble = "You are a calm person." if c.persona == "calm" else "Answer as a pirate."
        assert c.prompt.startswith(preamble)


def test_limit_items_covers_every_scale(likert) -> None:
    plan = build_plan(model="m", inventories=[likert], limit_items=2)
    assert sorted(c.item for c in plan.cells) == ["a1", "e1"]
    plan = build_plan(model="m", inventories=[likert], limit_items=3)
    assert sorted(c.item for c in plan.cells) == ["a1", "e1", "e2"]
    assert len(build_plan(model="m", inventories=[likert], limit_items=99).cells) == 5


def test_inventories_by_id_or_path(likert) -> None:
    path = Path(__file__).resolve().parents[1] / "fixtures" / "inventories" / "mini-likert.yaml"
    assert [c.prompt for c in build_plan(model="m", inventories=[path]).cells] == [
        c.prompt for c in build_plan(model="m", inventories=[likert]).cells]


def _one_line(err: pytest.ExceptionInfo, *needles: str) -> None:
    message = str(err.value)
    assert "\n" not in message, message
    for needle in needles:
        assert needle in message, message


def test_unknown_template_fails_with_one_line(fixtures) -> None:
    with pytest.raises(ValueError) as err:
        build_plan(model="m", inventories=fixtures, templates=["instruct", "fancy"])
    _one_line(err, "'fancy'", "instruct", "qa", "short")


def test_unknown_order_fails_with_one_line(fixtures) -> None:
    with pytest.raises(ValueError) as err:
        build_plan(model="m", inventories=fixtures, orders=["original", "shuffled"])
    _one_line(err, "'shuffled'", "original", "reversed", "rotated")
    with pytest.raises(ValueError) as err:
        build_plan(model="m", inventories=fixtures, orders=["swapped"])  # likert items cannot be swapped
    _one_line(err, "'swapped'", "scenario")


def test_unknown_inventory_fails_with_one_line() -> None:
    with pytest.raises(ValueError) as err:
        build_plan(model="m", inventories=["no-such-inventory"])
    _one_line(err, "'no-such-inventory'")


@pytest.mark.parametrize("bad", [
    dict(samples=0), dict(samples=1.5), dict(limit_items=0), dict(personas=[]), dict(templates=[]),
    dict(personas=["x", "x"]), dict(orders=[]),
])
def test_bad_counts_fail(likert, bad) -> None:
    with pytest.raises(ValueError):
        build_plan(model="m", inventories=[likert], **bad)


def test_bad_names_fail_before_any_rendering(fixtures, monkeypatch) -> None:
    def explode(*args, **kwargs):
        raise AssertionError("rendered before checking the names")

    monkeypatch.setattr(build_module, "render_prompt", explode)
    for bad in (dict(orders=["original", "nope"]), dict(templates=["nope"]), dict(orders=["swapped"])):
        with pytest.raises(ValueError):
            build_plan(model="m", inventories=fixtures, **bad)


def test_duplicate_inventory_fails(likert) -> None:
    with pytest.raises(ValueError, match="twice"):
        build_plan(model="m", inventories=[likert, likert])
