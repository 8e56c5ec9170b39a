"""The public Python API: what ``dir(psychometrics)`` lists, ``AuditResult.score()``, the typed
``AuditScores.to_frame()``, and the README's Python example run as written."""

from __future__ import annotations

import math
import re
from pathlib import Path

import pandas as pd
import pytest

import psychometrics
from psychometrics.administer import AuditError, audit
from psychometrics.score import FRAME_COLUMNS, FRAME_SCHEMA, AuditScores, score

README = Path(__file__).resolve().parents[1] / "README.md"


def test_dir_lists_every_public_name_and_each_resolves():
    names = dir(psychometrics)
    assert set(psychometrics.__all__) <= set(names)
    for required in ("audit", "AuditResult", "AuditScores", "load_inventory", "write_audit_report", "Store",
                     "compare_runs", "run_schedule", "score", "stats"):
        assert required in names, required
    assert not [n for n in names if n.startswith("_") and not n.startswith("__")]  # no private helper shown
    for name in psychometrics.__all__:
        assert getattr(psychometrics, name) is not None, name
    assert psychometrics.audit is audit


def test_an_unknown_name_is_an_attribute_error():
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        psychometrics.nope  # noqa: B018


@pytest.fixture(scope="module")
def audited(tmp_path_factory):
    db = f"sqlite:///{tmp_path_factory.mktemp('api') / 'runs.db'}"
    return audit("sim/default?extraversion=1.5", ["bfi44", "sd3"], templates=["instruct", "qa", "short"],
                 orders=["original", "reversed"], samples=4, db=db)


def test_audit_result_scores_its_own_run(audited):
    scores = audited.score(n_boot=50, seed=1)
    assert isinstance(scores, AuditScores) and scores.run.run_id == audited.run.run_id
    assert scores.to_json() == score(audited.run.run_id, db=audited.db, n_boot=50, seed=1).to_json()


def test_a_dry_run_has_nothing_to_score(tmp_path):
    dry = audit("sim/steady", ["bfi44"], db=f"sqlite:///{tmp_path / 'runs.db'}", dry_run=True)
    with pytest.raises(AuditError, match="dry run"):
        dry.score()


def test_frame_is_typed_with_every_interval_and_the_reason_of_each_missing_value(audited):
    df = audited.score(n_boot=50).to_frame()
    assert list(df.columns) == FRAME_COLUMNS
    assert {c: str(t) for c, t in df.dtypes.items()} == FRAME_SCHEMA
    assert len(df) == 5 + 3
    for coef in ("alpha", "lambda6", "omega", "split_half"):
        assert {f"{coef}_ci_low", f"{coef}_ci_high", f"{coef}_reason"} <= set(df.columns)
        for _, row in df.iterrows():
            # a value is missing exactly when a reason says why
            assert math.isnan(row[coef]) == (not pd.isna(row[f"{coef}_reason"])), (coef, row["scale"])
            if not math.isnan(row[f"{coef}_ci_low"]):  # a percentile bootstrap need not contain the estimate
                assert row[f"{coef}_ci_low"] <= row[f"{coef}_ci_high"]
    assert df["norm_reason"].str.contains("no human norms").all()  # bfi44 and sd3 ship none
    assert df["lambda6"].notna().any() and df["alpha_ci_low"].notna().any()


def test_the_readme_python_example_runs_as_written(tmp_path, monkeypatch, capsys):
    text = README.read_text(encoding="utf-8")
    block = re.search(r"<!-- python-example -->\n```python\n(.*?)```", text, re.S)
    assert block, "README.md has no <!-- python-example --> block"
    code = block.group(1)
    assert len([line for line in code.splitlines() if line.strip() and not line.startswith("#")]) <= 5
    monkeypatch.chdir(tmp_path)
    exec(compile(code, "README.md", "exec"), {})
    out = capsys.readouterr().out
    assert "extraversion" in out and "lambda6" in out and "omega_reason" in out
    assert (tmp_path / "runs.db").is_file()
