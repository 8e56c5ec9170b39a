"""Effective n: deterministic repeats collapse to one respondent, within their template × order × persona group."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import psychometrics.stats._distinct as distinct_module
from psychometrics.stats import DistinctRespondents, distinct_respondents
from tests.stats.conftest import run_doctests


def test_doctests():
    run_doctests(distinct_module)


def long(vectors: dict[tuple[str, str, int], list[float]]) -> pd.DataFrame:
    """(template, order, sample) → answer vector, as tidy answers with a respondent id."""
    rows = []
    for (template, order, sample), values in vectors.items():
        for i, v in enumerate(values):
            rows.append({"respondent": f"{template}|{order}|{sample}|-", "template": template, "order": order,
                         "sample": sample, "persona": None, "item": f"q{i}", "value": v})
    return pd.DataFrame(rows)


def test_temperature_zero_samples_collapse_within_their_group():
    same = [4.0, 2.0, 5.0]
    answers = long({("t1", "original", s): same for s in range(3)}
                   | {("t1", "reversed", s): same for s in range(3)}      # same answers, other order: kept apart
                   | {("t2", "original", 0): same, ("t2", "original", 1): [4.0, 2.0, 4.0]})
    r = distinct_respondents(answers)
    assert (r.n_respondents, r.n_distinct) == (8, 4)
    assert r.representative["t1|original|2|-"] == "t1|original|0|-"
    assert r.representative["t1|reversed|1|-"] == "t1|reversed|0|-"
    assert r.kept == ["t1|original|0|-", "t1|reversed|0|-", "t2|original|0|-", "t2|original|1|-"]
    assert [(g.group, g.n_respondents, g.n_distinct) for g in r.groups] == [
        ({"template": "t1", "order": "original", "persona": "<NA>"}, 3, 1),
        ({"template": "t1", "order": "reversed", "persona": "<NA>"}, 3, 1),
        ({"template": "t2", "order": "original", "persona": "<NA>"}, 2, 2),
    ]
    assert r.warning == ("4 of 8 respondents repeat another respondent's answers exactly (same template × order × "
                         "persona): effective n = 4")
    back = DistinctRespondents.model_validate_json(r.model_dump_json())
    assert back == r


def test_missing_answers_count_and_nothing_is_merged_without_reason():
    answers = long({("t", "o", 0): [3.0, np.nan], ("t", "o", 1): [3.0, np.nan], ("t", "o", 2): [3.0, 2.0]})
    r = distinct_respondents(answers)
    assert r.n_distinct == 2 and r.representative["t|o|1|-"] == "t|o|0|-"
    # a respondent that lacks an item's row is the same as one whose answer to it is missing
    dropped = answers[~((answers["sample"] == 1) & (answers["item"] == "q1"))]
    assert distinct_respondents(dropped).n_distinct == 2
    varied = long({("t", "o", s): list(np.random.default_rng(s).integers(1, 6, 10).astype(float)) for s in range(5)})
    assert distinct_respondents(varied).n_distinct == 5 and distinct_respondents(varied).warning is None


def test_bad_input():
    answers = long({("t", "o", 0): [1.0, 2.0]})
    with pytest.raises(ValueError, match="more than once"):
        distinct_respondents(pd.concat([answers, answers]))
    with pytest.raises(ValueError, match=r"needs the column\(s\) \['value'\]"):
        distinct_respondents(answers.drop(columns="value"))
    two_groups = answers.assign(template=["t", "u"])
    with pytest.raises(ValueError, match="belongs to more than one template × order × persona group"):
        distinct_respondents(two_groups)
