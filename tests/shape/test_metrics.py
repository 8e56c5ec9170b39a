"""Shaping statistics on hand-made data: ρ with CI, level change, drift, refusal trend, NaN with reasons.

The statistics themselves (Spearman ρ with its interval, the Cochran–Armitage test) are tested in tests/stats."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from scipy import stats

from psychometrics.inventory import load_inventory
from psychometrics.shape import refusal_trend, shaping_metrics


def test_refusal_trend_says_why_it_is_undefined() -> None:
    assert "no refusals" in refusal_trend([0, 0], [5, 5], [1, 9]).reason  # type: ignore[operator]
    assert "every answer" in refusal_trend([5, 5], [5, 5], [1, 9]).reason  # type: ignore[operator]
    assert "nothing was asked" in refusal_trend([0, 0], [0, 0], [1, 9]).reason  # type: ignore[operator]
    assert math.isnan(refusal_trend([1, 2], [5, 5], [3, 3]).z)


def _frame(target_scores, other_scores=None, *, statuses=None) -> pd.DataFrame:
    """Responses for bfi44 with two items per scale; ``target_scores[level]`` = the extraversion value given
    (keyed) by each respondent at that level; every other scale answers ``other_scores[level]`` or 3."""
    inv = load_inventory("bfi44")
    rows = []
    for level, values in target_scores.items():
        for r, v in enumerate(values):
            persona = f"shape/extraversion/{level}"
            for item in inv.items:
                if item.scale == "extraversion":
                    val = v
                else:
                    val = (other_scores or {}).get(level, 3)
                raw = inv.min_value + inv.max_value - val if item.reverse else val
                status = (statuses or {}).get((level, r), "ok")
                rows.append({"inventory": "bfi44", "item": item.id, "scale": item.scale, "template": "instruct",
                             "order": "original", "sample": r, "persona": persona, "status": status,
                             "value": raw if status == "ok" else None, "expected_value": None})
    return pd.DataFrame(rows)


def test_perfect_steering_and_no_drift() -> None:
    levels = {1: [1, 1], 3: [2, 2], 5: [3, 3], 7: [4, 4], 9: [5, 5]}
    (t,) = shaping_metrics(_frame(levels), load_inventory("bfi44"))
    assert t.trait == "extraversion" and t.scale == "extraversion"
    assert t.rho.value == pytest.approx(1.0) and t.rho.n == 10
    assert (t.low_level, t.high_level) == (1, 9)
    assert (t.median_low, t.median_high, t.median_diff, t.diff_share) == (1.0, 5.0, 4.0, 1.0)
    assert [lv.level for lv in t.levels] == [1, 3, 5, 7, 9]
    assert [lv.ideal for lv in t.levels] == [1.0, 2.0, 3.0, 4.0, 5.0]
    assert all(lv.n_respondents == 2 for lv in t.levels)
    # within each respondent (sample 0 and sample 1 at every level): a perfect line
    assert t.rho_within.median == pytest.approx(1.0) and t.rho_within.n_respondents == 2
    # the other traits did not move: ρ undefined (constant), change 0
    assert len(t.drift) == 4
    for d in t.drift:
        assert math.isnan(d.rho.value) and "same score" in (d.rho.reason or "")
        assert d.median_change == 0.0 and d.share_of_range == 0.0 and d.medians == [3.0] * 5
    assert math.isnan(t.drift_mean_abs_rho) and t.drift_reason and t.drift_max_abs_share == 0.0
    # no refusals: no trend to test, and the rate does not rise
    assert math.isnan(t.refusal.z) and "no refusals" in (t.refusal.reason or "") and t.refusal.rises is False
    assert all(lv.refusal_rate == 0.0 for lv in t.levels)


def test_drift_is_measured_on_other_traits() -> None:
    levels = {1: [1, 2], 5: [3, 3], 9: [5, 4]}
    others = {1: 2, 5: 3, 9: 4}
    (t,) = shaping_metrics(_frame(levels, others), load_inventory("bfi44"))
    for d in t.drift:
        assert d.rho.value == pytest.approx(1.0)
        assert d.median_change == pytest.approx(2.0) and d.share_of_range == pytest.approx(0.5)
    assert t.drift_mean_abs_rho == pytest.approx(1.0) and t.drift_max_abs_share == pytest.approx(0.5)


def test_rising_refusals_and_all_refused() -> None:
    levels = {lv: [3] * 10 for lv in (1, 3, 5, 7, 9)}
    statuses = {(9, r): "refused" for r in range(6)} | {(7, r): "refused" for r in range(3)} | {(5, 0): "refused"}
    (t,) = shaping_metrics(_frame(levels, statuses=statuses), load_inventory("bfi44"))
    rates = {lv.level: lv.refusal_rate for lv in t.levels}
    assert rates == {1: 0.0, 3: 0.0, 5: pytest.approx(0.1), 7: pytest.approx(0.3), 9: pytest.approx(0.6)}
    assert t.refusal.z > 3 and t.refusal.p < 0.001 and t.refusal.rises is True
    assert t.refusal.rho == pytest.approx(stats.spearmanr([1, 3, 5, 7, 9], [0, 0, 0.1, 0.3, 0.6]).statistic)
    assert t.levels[-1].n_respondents == 4
    # every answer at every level refused: NaN with reasons, nothing made up
    everything = {(lv, r): "refused" for lv in levels for r in range(10)}
    (u,) = shaping_metrics(_frame(levels, statuses=everything), load_inventory("bfi44"))
    assert math.isnan(u.rho.value) and "0 scored" in (u.rho.reason or "")
    assert math.isnan(u.median_diff) and "no scored respondent" in (u.diff_reason or "")
    assert math.isnan(u.refusal.z) and "every answer" in (u.refusal.reason or "") and u.refusal.rises is False
    assert math.isnan(u.rho_within.median) and u.rho_within.reason


def test_result_frames_and_json() -> None:
    from psychometrics.shape import ShapingResult

    levels = {1: [1, 2], 5: [3, 3], 9: [5, 4]}
    traits = shaping_metrics(_frame(levels), load_inventory("bfi44"))
    res = ShapingResult(run_id="r", model="m", inventory="bfi44", levels=[1, 5, 9], traits=traits,
                        n_respondents=6, respondents_per_level=2)
    frame = res.to_frame()
    assert list(frame["trait"]) == ["extraversion"] and frame.loc[0, "rho"] == pytest.approx(traits[0].rho.value)
    assert len(res.levels_frame()) == 3 and len(res.drift_frame()) == 4
    text = res.to_json()
    assert "NaN" not in text and '"version": 2' in text  # 2: p-values are spelled ``p`` (was p_value)
    back = ShapingResult.model_validate_json(text)
    assert back.trait("extraversion").rho.value == pytest.approx(traits[0].rho.value)
    with pytest.raises(KeyError):
        res.trait("openness")


def test_version_1_json_with_p_value_reads_back() -> None:
    import json

    from psychometrics.shape import ShapingResult

    traits = shaping_metrics(_frame({1: [1, 2], 5: [3, 3], 9: [5, 4]}), load_inventory("bfi44"))
    res = ShapingResult(run_id="r", model="m", inventory="bfi44", levels=[1, 5, 9], traits=traits,
                        n_respondents=6, respondents_per_level=2)
    old = json.loads(res.to_json())
    old["version"] = 1
    for t in old["traits"]:
        for part in [t["rho"], t["refusal"], *(d["rho"] for d in t["drift"])]:
            part["p_value"] = part.pop("p")
    back = ShapingResult.model_validate(old)
    assert back.version == 2 and back.traits[0].rho.p == pytest.approx(traits[0].rho.p)
    assert math.isnan(back.traits[0].refusal.p) == math.isnan(traits[0].refusal.p)


def test_no_shaping_personas_is_an_error() -> None:
    frame = _frame({1: [1], 9: [5]}).assign(persona="default/001")
    with pytest.raises(ValueError, match="no shaping personas"):
        shaping_metrics(frame, load_inventory("bfi44"))
