"""Option orders: permutations, expansion of names, and mapping every shown label back to its original value."""

from __future__ import annotations

import itertools

import pytest

from psychometrics.inventory import ScenarioItem, list_inventories
from psychometrics.plan import (
    build_plan,
    concrete_orders,
    expand_orders,
    option_texts,
    option_values,
    order_permutation,
)


@pytest.mark.parametrize(("kind", "k"), [("likert", 5), ("likert", 7), ("bipolar", 5), ("scenario", 4)])
def test_every_order_is_a_permutation(kind: str, k: int) -> None:
    high = [True, False, True, False] if kind == "scenario" else None
    for name in concrete_orders(kind, k):
        perm = order_permutation(name, k, high=high)
        assert sorted(perm) == list(range(k)), name


def test_original_and_reversed() -> None:
    assert order_permutation("original", 5) == [0, 1, 2, 3, 4]
    assert order_permutation("reversed", 5) == [4, 3, 2, 1, 0]


def test_rotated_expands_to_every_cyclic_shift() -> None:
    assert expand_orders(["rotated"], "likert", 5) == ["rotated-1", "rotated-2", "rotated-3", "rotated-4"]
    assert expand_orders(["rotated"], "scenario", 4) == ["rotated-1", "rotated-2", "rotated-3"]
    assert order_permutation("rotated-1", 5) == [1, 2, 3, 4, 0]
    assert order_permutation("rotated-3", 4) == [3, 0, 1, 2]
    shifts = {tuple(order_permutation(f"rotated-{s}", 5)) for s in range(1, 5)}
    assert len(shifts) == 4 and tuple(range(5)) not in shifts


def test_all_is_every_order_valid_for_the_kind() -> None:
    assert expand_orders("all", "likert", 5) == ["original", "reversed", "rotated-1", "rotated-2", "rotated-3",
                                                 "rotated-4"]
    assert expand_orders(["all"], "scenario", 4) == ["original", "reversed", "rotated-1", "rotated-2",
                                                     "rotated-3", "swapped"]
    assert expand_orders(["reversed", "original", "reversed", "rotated-2"], "bipolar", 5) == [
        "reversed", "original", "rotated-2"]


@pytest.mark.parametrize("high", [[True, False, True, False], [True, True, False, False],
                                  [False, True, True, False], [False, False, True, True]])
def test_swapped_exchanges_high_and_low_positions(high: list[bool]) -> None:
    perm = order_permutation("swapped", 4, high=high)
    assert sorted(perm) == [0, 1, 2, 3]
    highs = [i for i, h in enumerate(high) if h]
    lows = [i for i, h in enumerate(high) if not h]
    for h, lo in zip(highs, lows):
        assert perm[lo] == h and perm[h] == lo
    # every position now shows an option of the other trait level
    assert [high[j] for j in perm] == [not h for h in high]


def test_swapped_matches_trait_example() -> None:
    # TRAIT lists two high then two low options; swapping gives low, low, high, high in the same pairing.
    assert order_permutation("swapped", 4, high=[True, True, False, False]) == [2, 3, 0, 1]


@pytest.mark.parametrize(("names", "kind", "k", "bad"), [
    (["sideways"], "likert", 5, "sideways"),
    (["swapped"], "likert", 5, "swapped"),
    (["swapped"], "bipolar", 5, "swapped"),
    (["rotated-5"], "likert", 5, "rotated-5"),
    (["rotated-0"], "scenario", 4, "rotated-0"),
])
def test_bad_order_names_fail_with_one_line(names: list[str], kind: str, k: int, bad: str) -> None:
    with pytest.raises(ValueError) as err:
        expand_orders(names, kind, k)
    message = str(err.value)
    assert "\n" not in message and repr(bad) in message and "original" in message and "reversed" in message


def test_swapped_needs_flags() -> None:
    with pytest.raises(ValueError):
        order_permutation("swapped", 4)
    with pytest.raises(ValueError):
        order_permutation("upside-down", 4)


def _check_map_back(plan, inventories) -> int:
    by_id = {inv.id: inv for inv in inventories}
    checked = 0
    for cell in plan.cells:
        inv = by_id[cell.inventory]
        item = inv.item(cell.item)
        texts, values = option_texts(inv, item), option_values(inv, item)
        assert sorted(cell.label_values) == sorted(values)
        assert sorted(cell.option_texts) == sorted(texts)
        for label, shown_text, value in zip(cell.labels, cell.option_texts, cell.label_values):
            assert values[texts.index(shown_text)] == value, (cell.order, label)
            assert shown_text in cell.prompt and label in cell.prompt
        checked += 1
    return checked


def test_every_cell_maps_back_for_every_order_and_kind(fixtures) -> None:
    plan = build_plan(model="m", inventories=fixtures, templates="all", orders="all")
    assert _check_map_back(plan, fixtures) == len(plan.cells) > 0
    assert {c.order for c in plan.cells if c.inventory == "mini-scenario"} >= {"swapped", "rotated-3"}


def test_reversed_likert_label_one_is_the_highest_value(likert) -> None:
    plan = build_plan(model="m", inventories=[likert], templates=["instruct"], orders=["reversed"], limit_items=1)
    cell = plan.cells[0]
    assert cell.label_values == [5, 4, 3, 2, 1]
    assert cell.option_texts[0] == "Agree strongly"
    assert "1. Agree strongly" in cell.prompt and "5. Disagree strongly" in cell.prompt


def test_reversed_bipolar_swaps_the_poles(bipolar) -> None:
    plan = build_plan(model="m", inventories=[bipolar], templates=["instruct"], orders=["original", "reversed"],
                      limit_items=1)
    original, reversed_ = plan.cells
    item = bipolar.items[0]
    assert original.label_values == [1, 2, 3, 4, 5] and reversed_.label_values == [5, 4, 3, 2, 1]
    assert reversed_.option_texts[0] == f"Exactly like: {item.right}"
    assert reversed_.option_texts[2] == "In between"
    # the question names the right-hand pole first, like the options
    assert reversed_.prompt.index(item.right) < reversed_.prompt.index(item.left)
    assert original.prompt.index(item.left) < original.prompt.index(item.right)


def test_swapped_scenario_cell(scenario) -> None:
    plan = build_plan(model="m", inventories=[scenario], templates=["qa"], orders=["swapped"])
    for cell in plan.cells:
        item = scenario.item(cell.item)
        assert isinstance(item, ScenarioItem)
        shown_high = [item.options[v - 1].high for v in cell.label_values]
        assert shown_high == [not o.high for o in item.options]


def test_shipped_inventories_map_back() -> None:
    shipped = list_inventories()
    assert shipped, "list_inventories() found no shipped inventories"
    plan = build_plan(model="m", inventories=shipped, templates=["short"], orders="all", limit_items=6)
    assert _check_map_back(plan, shipped) == len(plan.cells)


def test_orders_compose_to_distinct_permutations() -> None:
    perms = [tuple(order_permutation(n, 4, high=[True, False, True, False])) for n in concrete_orders("scenario", 4)]
    for a, b in itertools.combinations(perms, 2):
        assert a != b
