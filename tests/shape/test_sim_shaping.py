"""The sim responds to shaping instructions as its parameters say, and the metrics recover it.

Frames come from the sim's answer distributions in-process (``conftest.sim_frame``: what a log-prob audit stores),
so these tests need neither litellm nor a database; ``test_shape_api`` runs the same through a stored audit.
"""

from __future__ import annotations

import functools

import pytest

from psychometrics.administer.providers._sim import PRESETS, SimError, parse_model, shaping_shift
from psychometrics.inventory import load_inventory
from psychometrics.shape import shaping_metrics

from .conftest import sim_frame


@functools.cache
def _one(model: str, trait: str = "extraversion", inventory: str = "bfi44", **kw):
    frame = sim_frame(model, inventory, traits=(trait,), personas=kw.pop("personas", 10), **kw)
    (t,) = shaping_metrics(frame, load_inventory(inventory))
    return t


def test_shaping_shift_reads_the_persona_id() -> None:
    steady, stubborn = parse_model("sim/steady"), parse_model("sim/stubborn")
    spill = parse_model("sim/steady?spill=0.25&steer=0.5")
    cell = {"persona": "shape/extraversion/9+default/017"}
    assert shaping_shift(cell, "extraversion", steady) == pytest.approx(2.0)
    assert shaping_shift({"persona": "shape/extraversion/1"}, "extraversion", steady) == pytest.approx(-2.0)
    assert shaping_shift({"persona": "shape/extraversion/5"}, "extraversion", steady) == 0.0
    assert shaping_shift({"persona": "shape/extraversion/7"}, "extraversion", steady) == pytest.approx(1.0)
    assert shaping_shift(cell, "neuroticism", steady) == 0.0
    assert shaping_shift(cell, "extraversion", stubborn) == 0.0
    assert shaping_shift(cell, "extraversion", spill) == pytest.approx(1.0)
    assert shaping_shift(cell, "neuroticism", spill) == pytest.approx(0.5)
    for persona in (None, "default/017", "You are calm.", "shape/extraversion/x"):
        assert shaping_shift({"persona": persona}, "extraversion", steady) == 0.0
    assert PRESETS["stubborn"]["steer"] == 0.0
    assert parse_model("sim/default").steer == 1.0 and parse_model("sim/default").spill == 0.0
    with pytest.raises(SimError):
        parse_model("sim/steady?steer=abc")


def test_steerable_sim_follows_the_levels() -> None:
    t = _one("sim/steady")
    assert t.rho.n == 9 * 10 * 2
    # pooled over respondents: each biography × order is its own person (spread 1 SD against ±2 SD of shaping)
    assert t.rho.value > 0.8 and t.rho.ci_low > 0.7
    # within each person the score follows the level almost perfectly
    assert t.rho_within.median > 0.95
    assert t.median_low < 1.5 and t.median_high > 4.5 and t.diff_share > 0.8
    medians = [lv.median for lv in t.levels]
    assert medians == sorted(medians)
    assert t.drift_mean_abs_rho < 0.1 and t.drift_max_abs_share < 0.1  # no spill: the other traits stay put


def test_little_spread_gives_rho_near_one() -> None:
    t = _one("sim/steady?spread=0.25")
    assert t.rho.value > 0.95 and t.rho.ci_low > 0.93


def test_stubborn_sim_ignores_the_levels() -> None:
    t = _one("sim/stubborn")
    assert abs(t.rho.value) < 0.15 and t.rho.ci_low < 0 < t.rho.ci_high
    assert abs(t.diff_share) < 0.15
    assert t.drift_mean_abs_rho < 0.1


def test_spill_shows_as_drift_on_the_other_traits() -> None:
    t = _one("sim/steady?spill=0.5")
    assert t.rho.value > 0.8
    assert len(t.drift) == 4
    for d in t.drift:
        assert d.rho.value > 0.3 and d.share_of_range > 0.2, d
    assert t.drift_mean_abs_rho > 0.4
    clean = _one("sim/steady")
    assert clean.drift_mean_abs_rho < t.drift_mean_abs_rho / 4


def test_dark_triad_with_sd3() -> None:
    t = _one("sim/steady", "psychopathy", "sd3", personas=5)
    assert t.scale == "psychopathy" and t.rho.value > 0.8
    assert {d.trait for d in t.drift} == {"machiavellianism", "narcissism"}


def test_expected_value_scoring() -> None:
    frame = sim_frame("sim/steady", traits=("extraversion",), personas=3, limit_items=10)
    (by_value,) = shaping_metrics(frame, load_inventory("bfi44"))
    (by_expectation,) = shaping_metrics(frame, load_inventory("bfi44"), value="expected_value")
    assert by_expectation.rho.value > 0.8 and by_expectation.median_low != by_value.median_low
