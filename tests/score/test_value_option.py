"""`--value expected_value` wherever scoring happens (issue 15): scale scores from the log-prob expectation."""

from __future__ import annotations

import pytest

from psychometrics.administer import audit
from psychometrics.inventory import load_inventory, with_item_columns
from psychometrics.score import score
from psychometrics.store import Store


def test_expected_value_scores_are_the_mean_keyed_expectation(tmp_path):
    db = f"sqlite:///{tmp_path / 'v.db'}"
    audit("sim/default", ["bfi44"], templates=["instruct"], orders=["original"], db=db, run_id="v")
    by_choice = score("v", db=db, n_boot=0)
    by_ev = score("v", db=db, n_boot=0, value="expected_value")
    assert by_ev.settings.value == "expected_value" and by_choice.settings.value == "value"
    with Store(db) as store:
        frame = with_item_columns(load_inventory("bfi44"), store.responses_frame("v"))
    expected = frame.groupby("scale")["keyed_expected_value"].mean()  # one respondent: the scale mean of items
    for row in by_ev.scales:
        assert row.mean == pytest.approx(expected[row.scale], abs=1e-9)
    assert any(a.mean != pytest.approx(b.mean) for a, b in zip(by_choice.scales, by_ev.scales))
    with pytest.raises(ValueError, match="value must be"):
        score("v", db=db, n_boot=0, value="median")
