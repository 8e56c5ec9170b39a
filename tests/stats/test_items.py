"""Item–rest correlations against R psych's alpha()$item.stats$r.drop on the bfi data, and the keying check."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

import psychometrics.stats._items as items_module
from psychometrics.stats import ItemRest, cronbach_alpha, item_rest_correlations
from tests.stats.conftest import BFI_KEYS, run_doctests

# R 4.x, psych 2.2.9, on tests/data/psych_bfi.csv; per scale the complete cases of its five items, reverse-keyed as
# in BFI_KEYS (7 − x):
#   x <- na.omit(bfi[, items]); x[, reversed] <- 7 - x[, reversed]
#   alpha(x, warnings = FALSE)$item.stats$r.drop
R_DROP = {
    "A": (2709, [0.3114013006, 0.5630154755, 0.5887730787, 0.3947936801, 0.4872408676]),
    "C": (2707, [0.4553024487, 0.5066639825, 0.4675334095, 0.5570934989, 0.4780298021]),
    "E": (2713, [0.5134968865, 0.6064069364, 0.5008416774, 0.5778895757, 0.4546331309]),
    "N": (2694, [0.6662858062, 0.6509020558, 0.6729470883, 0.5421489980, 0.4867294373]),
    "O": (2726, [0.3890535649, 0.3401226001, 0.4519518794, 0.2199233393, 0.4157070991]),
}
# A with A1 left unreversed: alpha(na.omit(bfi[, c("A1", "A2", "A3", "A4", "A5")]))
#   r.drop  A1 -0.311401300580  A2 0.371852922968  A3 0.477899935243  A4 0.365085575568  A5 0.448057825020
#   raw.r   A1  0.0548498196094 A2 0.6308127836479 A3 0.7278935852122 A4 0.6886631938014 A5 0.7007218507500
#   and the message: Some items ( A1 ) were negatively correlated with the total scale and probably should be
#   reversed.
R_UNREVERSED_A = {"A1": (-0.311401300580, 0.0548498196094), "A2": (0.371852922968, 0.6308127836479),
                  "A3": (0.477899935243, 0.7278935852122), "A4": (0.365085575568, 0.6886631938014),
                  "A5": (0.448057825020, 0.7007218507500)}


def test_doctests():
    run_doctests(items_module)


@pytest.mark.parametrize("scale", list(R_DROP))
def test_bfi_r_drop_matches_r_psych(bfi_scales, scale):
    n, r_drop = R_DROP[scale]
    res = item_rest_correlations(bfi_scales[scale])
    assert res.n == n and res.n_items == 5
    assert [row.r_rest for row in res.items] == pytest.approx(r_drop, abs=1e-9)
    assert res.negative == [] and res.warning is None


def test_an_unreversed_item_is_named_like_r_psych(bfi):
    items = bfi[["A1", "A2", "A3", "A4", "A5"]]
    res = item_rest_correlations(items)
    table = res.frame().set_index("item")
    for item, (r_drop, raw_r) in R_UNREVERSED_A.items():
        assert table.loc[item, "r_rest"] == pytest.approx(r_drop, abs=1e-9)
        assert table.loc[item, "r_total"] == pytest.approx(raw_r, abs=1e-9)
    assert res.negative == ["A1"]
    assert res.warning == ("Some items ('A1') were negatively correlated with the total scale and probably should be "
                           "reversed (item–rest r < 0)")
    # reversing A1 restores the scale: the same |r| with the sign flipped, as psych's r.drop shows (0.3114)
    fixed = item_rest_correlations(items.assign(A1=7 - items["A1"]))
    assert fixed.negative == [] and fixed.items[0].r_rest == pytest.approx(0.3114013006, abs=1e-9)


def test_negative_alpha_names_its_items():
    """The issue's case: a scale whose items mostly contradict the keying has α < 0 and says which items."""
    rng = np.random.default_rng(1)
    trait = rng.normal(size=200)
    items = pd.DataFrame({f"q{i}": trait * (1 if i < 2 else -1) + rng.normal(scale=0.5, size=200) for i in range(4)})
    assert cronbach_alpha(items).value < 0
    res = item_rest_correlations(items)
    assert res.negative == ["q0", "q1", "q2", "q3"]  # with two against two, every item contradicts the rest


def test_undefined_cases_say_why():
    tiny = item_rest_correlations(pd.DataFrame({"a": [1.0, 2.0], "b": [2.0, 1.0]}))
    assert tiny.reason.startswith("2 respondents") and all(math.isnan(r.r_rest) for r in tiny.items)
    flat = item_rest_correlations(pd.DataFrame({"a": [1.0, 2.0, 3.0], "b": [2.0, 2.0, 2.0], "c": [1.0, 3.0, 2.0]}))
    assert flat.items[1].reason == "the item does not vary" and math.isnan(flat.items[1].r_rest)
    one = item_rest_correlations(pd.DataFrame({"a": [1.0, 2.0, 3.0]}))
    assert "at least 2" in one.reason
    back = ItemRest.model_validate_json(flat.model_dump_json())
    assert math.isnan(back.items[1].r_rest) and back.items[0].r_rest == flat.items[0].r_rest


def test_keys_of_the_bfi_scales_are_the_ones_r_was_given():
    assert {k: [i.lstrip("-") for i in v] for k, v in BFI_KEYS.items()}["A"] == ["A1", "A2", "A3", "A4", "A5"]
