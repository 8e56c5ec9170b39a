"""The examples in docs/scheduling.md stay valid."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from psychometrics.schedule import load_schedule_plan

DOC = Path(__file__).resolve().parents[2] / "docs" / "scheduling.md"


def _block(marker: str) -> str:
    text = DOC.read_text(encoding="utf-8")
    match = re.search(rf"<!-- {marker} -->\s*```yaml\n(.*?)```", text, re.S)
    assert match, marker
    return match.group(1)


def test_the_documented_plan_is_valid(tmp_path):
    path = tmp_path / "plan.yaml"
    path.write_text(_block("plan-example"), encoding="utf-8")
    plan = load_schedule_plan(path)
    assert plan.name == "assistant-personality" and plan.discover is not None


def test_the_ci_workflow_parses_and_runs_the_command():
    workflow = yaml.safe_load(_block("ci-example"))
    steps = workflow["jobs"]["schedule"]["steps"]
    assert any("psychometrics schedule plan.yaml" in step.get("run", "") for step in steps)
    saves = [s for s in steps if s.get("uses", "").startswith("actions/cache/save")]
    assert saves and saves[0]["if"] == "always()"
