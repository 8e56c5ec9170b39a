"""Holm's adjustment against statsmodels' implementation."""

from __future__ import annotations

import math

import numpy as np
import pytest
from statsmodels.stats.multitest import multipletests

import psychometrics.stats._multiple as multiple_module
from psychometrics.stats import holm
from tests.stats.conftest import run_doctests


def test_doctests():
    run_doctests(multiple_module)


def test_matches_statsmodels_and_skips_missing():
    rng = np.random.default_rng(3)
    p = list(rng.uniform(0, 0.2, size=12))
    expected = multipletests(p, method="holm")[1]
    assert holm(p) == pytest.approx(list(expected), abs=1e-12)
    with_missing = holm([p[0], None, math.nan, p[1]])
    assert math.isnan(with_missing[1]) and math.isnan(with_missing[2])
    assert [with_missing[0], with_missing[3]] == pytest.approx(list(multipletests(p[:2], method="holm")[1]))
    assert holm([]) == []


def test_holm_by_hand():
    # hand-worked: sorted 0.01, 0.02, 0.04 → 0.03, 0.04, 0.04
    assert holm([0.04, 0.01, math.nan, 0.02]) == pytest.approx([0.04, 0.03, math.nan, 0.04], nan_ok=True)
