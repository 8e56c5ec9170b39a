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


def test_response_styles_read_the_picked_option_when_scales_score_the_expected_value(tmp_path):
    # the expectation over the option probabilities is not an option anyone was shown: position, agreement and
    # straight-lining are about the option picked, so the styles (and readability) must not change with --value
    db = f"sqlite:///{tmp_path / 'v.db'}"
    audit("sim/acquiescent", ["bfi44", "sd3"], templates=["instruct"], limit_items=6, db=db, run_id="v")
    by_choice = score("v", db=db, n_boot=0)
    by_ev = score("v", db=db, n_boot=0, value="expected_value")
    assert [s.reason for s in by_ev.response_styles] == [None, None]
    assert [s.scale_reasons for s in by_ev.response_styles] == [{}, {}]
    assert [s.model_dump_json() for s in by_ev.response_styles] == [
        s.model_dump_json() for s in by_choice.response_styles]
    assert [s.readability for s in by_ev.scales] == [s.readability for s in by_choice.scales]
    assert any(a.mean != pytest.approx(b.mean) for a, b in zip(by_choice.scales, by_ev.scales))


def test_a_scale_whose_style_indices_cannot_be_computed_is_uncertain_with_the_reason(tmp_path):
    db = f"sqlite:///{tmp_path / 'v.db'}"
    audit("sim/steady", ["bfi44"], templates=["instruct"], limit_items=6, db=db, run_id="v")
    with Store(db) as store:
        frame = store.responses_frame("v")
    value = frame["value"].astype(float)
    frame["value"] = value.where(value == 5, value + 0.5)  # answers between the options shown: no position exists
    res = score(frame, ["bfi44"], n_boot=0)
    assert res.response_styles[0].reason.startswith("could not be computed (ValueError")
    for row in res.scales:
        assert row.readability == "uncertain" and row.interpretable is None
        assert any("could not be computed (ValueError" in why for why in row.interpretability_reasons)
