"""Result records: typed, frozen, documented, NaN as null in JSON, float() of an Estimate."""

from __future__ import annotations

import json
import math

import pydantic
import pytest

import psychometrics.stats as stats_pkg
from psychometrics.stats import (
    Acquiescence,
    AnovaResult,
    DetectableEffect,
    DistinctRespondents,
    EquivalenceDecision,
    ItemRest,
    ItemRestRow,
    PositionFollowing,
    PositionRates,
    RespondentGroup,
    RespondentPattern,
    ResponseStyles,
    StraightLining,
    StyleIndex,
    Difference,
    EFAResult,
    Estimate,
    GroupDifference,
    MeanInterval,
    MTMMResult,
    NormComparison,
    OrderSensitivity,
    PromptSensitivity,
    Proportion,
    RankCorrelation,
    TrendTest,
    TwoAlphaTest,
)

RECORDS = (Estimate, MTMMResult, EFAResult, PromptSensitivity, OrderSensitivity, NormComparison, MeanInterval,
           GroupDifference, AnovaResult, Proportion, Difference, TwoAlphaTest, RankCorrelation, TrendTest,
           StyleIndex, PositionRates, PositionFollowing, Acquiescence, RespondentPattern, StraightLining,
           ResponseStyles, EquivalenceDecision, DetectableEffect, RespondentGroup, DistinctRespondents, ItemRestRow,
           ItemRest)


def test_public_api_is_exported():
    for name in stats_pkg.__all__:
        assert hasattr(stats_pkg, name), name
    assert {"cronbach_alpha", "guttman_lambda6", "mcdonald_omega", "split_half", "icc", "mtmm", "efa",
            "tucker_congruence", "prompt_sensitivity", "order_sensitivity", "response_rates",
            "norm_comparison", "Estimate"} <= set(stats_pkg.__all__)


@pytest.mark.parametrize("record", RECORDS)
def test_every_field_is_documented(record):
    undocumented = [name for name, field in record.model_fields.items() if not field.description]
    assert undocumented == []


def test_estimate_behaviour():
    est = Estimate(value=0.8, ci_low=0.7, ci_high=0.9, ci_level=0.95, n=100, n_items=5, method="Feldt")
    assert float(est) == 0.8 and est.defined
    with pytest.raises(pydantic.ValidationError):
        est.value = 0.5
    with pytest.raises(pydantic.ValidationError):
        Estimate(value=0.8, n=1, n_items=1, method="x", colour="red")
    nan = Estimate(value=math.nan, n=2, n_items=3, reason="2 respondents", method="Feldt")
    data = json.loads(nan.model_dump_json())
    assert data["value"] is None and data["ci_low"] is None and data["reason"] == "2 respondents"
    assert math.isnan(float(nan)) and not nan.defined


def test_schema_carries_field_docs():
    schema = Estimate.model_json_schema()
    assert "NaN" in schema["properties"]["value"]["description"]


def test_json_null_reads_back_as_nan():
    from psychometrics.stats import spearman_ci

    r = spearman_ci([1, 2, 3], [1, 3, 2])  # n = 3: ρ defined, no interval
    back = RankCorrelation.model_validate_json(r.model_dump_json())
    assert back.value == r.value and math.isnan(back.ci_low) and math.isnan(back.ci_high)
