"""A tiny shaping run on the embedded Gemma 3 270M: the pipeline completes and every number is a number or NaN
with a reason. The measurement itself (more levels, items and traits) is ``benchmarks/shape_embedded.py``."""

from __future__ import annotations

import math

import pytest

from psychometrics.shape import shape

pytestmark = pytest.mark.embedded


def test_embedded_shaping_run_completes(db: str) -> None:
    res = shape("local/gemma-3-270m", "bfi44", traits="extraversion", levels=2, personas=None, limit_items=5,
                templates=["instruct"], orders=["original"], db=db, concurrency=1)
    assert res.n_cells == 2 * 5 and res.levels == [1, 9]
    (t,) = res.traits
    assert t.trait == "extraversion" and t.rho.n <= 2
    # two respondents cannot give a rank correlation: NaN with the reason, never a made-up number
    assert math.isnan(t.rho.value) and t.rho.reason
    assert not math.isnan(t.median_low) or t.diff_reason
    assert sum(lv.n_cells for lv in t.levels) == 10
