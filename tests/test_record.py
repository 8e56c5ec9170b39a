"""The record base: frozen, documented fields, NaN ↔ null in JSON for results, null refused in declarative files."""

from __future__ import annotations

import json
import math

import pandas as pd
import pytest
from pydantic import Field, ValidationError

from psychometrics._record import Record, ResultRecord, frame_to_json
from psychometrics.score import AuditScores, Comparison
from psychometrics.schedule import ScheduleSummary
from psychometrics.shape import ShapingResult


class _Part(ResultRecord):
    value: float
    """A number; NaN when undefined."""


class _Result(ResultRecord):
    value: float
    """A number; NaN when undefined."""
    bound: float | None = None
    """``None`` means "not asked", not "undefined"."""
    series: list[float] = Field(default_factory=list)
    """Numbers in order."""
    by_name: dict[str, float] = Field(default_factory=dict)
    """Numbers by name."""
    parts: list[_Part] = Field(default_factory=list)
    """Nested records."""


class _FileEntry(Record):
    weight: float
    """A number a person wrote in a file."""


def test_a_result_round_trips_nan_through_json_null() -> None:
    r = _Result(value=math.nan, series=[1.0, math.nan], by_name={"a": math.nan, "b": 2.0},
                parts=[_Part(value=math.nan)])
    text = r.to_json(indent=None)
    assert json.loads(text) == {"value": None, "bound": None, "series": [1.0, None], "by_name": {"a": None, "b": 2.0},
                                "parts": [{"value": None}]}
    back = _Result.from_json(text)
    assert math.isnan(back.value) and back.bound is None
    assert back.series[0] == 1.0 and math.isnan(back.series[1])
    assert math.isnan(back.by_name["a"]) and back.by_name["b"] == 2.0 and math.isnan(back.parts[0].value)


def test_records_are_frozen_strict_and_documented() -> None:
    r = _Result(value=1.0)
    with pytest.raises(ValidationError, match="frozen"):
        r.value = 2.0  # type: ignore[misc]
    with pytest.raises(ValidationError, match="extra"):
        _Result(value=1.0, other=1)  # type: ignore[call-arg]
    assert _Result.model_fields["bound"].description == '``None`` means "not asked", not "undefined".'


def test_a_declarative_record_refuses_null_for_a_number() -> None:
    with pytest.raises(ValidationError, match="weight"):
        _FileEntry.model_validate({"weight": None})


def test_every_public_format_is_a_versioned_result_record() -> None:
    for cls in (AuditScores, Comparison, ScheduleSummary, ShapingResult):
        assert issubclass(cls, ResultRecord)
        assert "version" in cls.model_fields and cls.model_fields["version"].description


def test_frame_to_json_writes_nan_as_none_and_tuples_as_lists() -> None:
    df = pd.DataFrame([[1.0, math.nan]], columns=pd.MultiIndex.from_tuples([("a", "x"), ("a", "y")]), index=["r"])
    assert frame_to_json(df) == {"columns": [["a", "x"], ["a", "y"]], "index": ["r"], "data": [[1.0, None]]}
    assert frame_to_json(None) is None
