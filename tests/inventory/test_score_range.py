"""What an inventory knows about its scales and items: the possible score range, and what an item says."""

from __future__ import annotations

from psychometrics.inventory import load_inventory


def test_scale_ranges() -> None:
    bfi44 = load_inventory("bfi44")
    assert bfi44.score_range("extraversion") == (1.0, 5.0)
    assert load_inventory("trait-scenarios").score_range("openness") == (0.0, 100.0)
    oejts = load_inventory("oejts")
    lo, hi = oejts.score_range(oejts.scales[0].id)
    assert lo < hi
    # OEJTS IE by hand: constant 30, 3 forward and 5 reverse items on a 1–5 scale → 30 + 3 − 25 … 30 + 15 − 5
    assert oejts.score_range("IE") == (8.0, 40.0)


def test_item_text() -> None:
    bfi44 = load_inventory("bfi44")
    first = bfi44.items[0]
    assert bfi44.item_text(first.id) == (first.text, first.reverse)
    assert bfi44.item_text("nope") == ("(item nope is not in the inventory file)", False)
    scenarios = load_inventory("trait-scenarios")
    item = scenarios.items[0]
    assert scenarios.item_text(item.id) == (f"{item.situation} {item.question}", False)
