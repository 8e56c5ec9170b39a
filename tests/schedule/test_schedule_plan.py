"""Schedule plan files: the documented form loads; every malformed file gives one ``file:line`` line per problem."""

from __future__ import annotations

import textwrap

import pytest
from typer.testing import CliRunner

from psychometrics._yamlfile import DataFileError
from psychometrics.cli import app
from psychometrics.schedule import ModelEntry, SchedulePlan, Thresholds, load_schedule_plan

DOCUMENTED = """\
name: assistant-personality
db: sqlite:///audits.db            # optional
inventories: [bfi44, sd3, oejts]
design: {templates: all, orders: [original, reversed], samples: 3, mode: auto}
api_base: null                      # optional default for OpenAI-compatible models
models:                             # explicit versions, oldest first: a name, or {model, api_base}
  - openai/gpt-4o-2024-08-06
  - {model: openai/gpt-4o-2024-11-20, api_base: null}
discover:                           # … and/or versions found on an OpenAI-compatible /v1/models endpoint
  api_base: http://127.0.0.1:8000/v1
  match: "assistant-*"
baseline: previous                  # or a model name
thresholds: {scale_shift: 0.3, reliability_drop: 0.10, order_sensitivity_rise: 0.2}
"""


def _write(tmp_path, text: str, name: str = "plan.yaml"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_the_documented_plan_loads(tmp_path):
    plan = load_schedule_plan(_write(tmp_path, DOCUMENTED))
    assert plan.version == 1 and plan.name == "assistant-personality"
    assert plan.inventories == ["bfi44", "sd3", "oejts"]
    assert plan.design.templates == "all" and plan.design.samples == 3
    assert plan.models == [ModelEntry(model="openai/gpt-4o-2024-08-06"),
                           ModelEntry(model="openai/gpt-4o-2024-11-20", api_base=None)]
    assert plan.discover is not None and plan.discover.match == "assistant-*"
    assert plan.thresholds == Thresholds(scale_shift=0.3, reliability_drop=0.10, order_sensitivity_rise=0.2)
    # a relative sqlite path is relative to the plan file's folder
    assert plan.db == f"sqlite:///{tmp_path.resolve() / 'audits.db'}"


def test_default_api_base_applies_only_where_an_entry_gives_none(tmp_path):
    plan = load_schedule_plan(_write(tmp_path, """\
        name: p
        inventories: [bfi44]
        api_base: http://127.0.0.1:8000/v1
        models:
          - openai/a
          - {model: openai/b, api_base: null}
          - {model: openai/c, api_base: "http://127.0.0.1:9000/v1"}
          - sim/default
        """))
    assert [(m.model, m.api_base) for m in plan.listed()] == [
        ("openai/a", "http://127.0.0.1:8000/v1"), ("openai/b", None), ("openai/c", "http://127.0.0.1:9000/v1"),
        ("sim/default", None),
    ]


def test_plans_are_frozen_and_strict():
    plan = SchedulePlan(name="p", inventories=["bfi44"], models=[ModelEntry(model="sim/default")])
    with pytest.raises(Exception):
        plan.name = "q"  # type: ignore[misc]
    with pytest.raises(ValueError, match="versions to audit"):
        SchedulePlan(name="p", inventories=["bfi44"])


BAD = [
    # (file text, expected "line: message" fragments)
    ("name: p\ninventories: [bfi44]\nmodels: [sim/default]\nschedule: daily\n", [":4: unknown field 'schedule'"]),
    ("name: p\ninventories: [bfi44]\nmodels: [sim/default]\ndesign:\n  samples: three\n",
     [":5: samples: Input should be a valid integer"]),
    ("name: p\ninventories:\n  - bfi44\n  - nosuch\nmodels: [sim/default]\n", [":4: unknown inventory 'nosuch'"]),
    ("name: p\ninventories: [bfi44]\nmodels: [sim/default]\ndesign:\n  orders: [original, sideways]\n",
     [":5: unknown option order: 'sideways'"]),
    ("name: p\ninventories: [bfi44]\n", [":1: give the versions to audit"]),
    ("name: p\ninventories: [bfi44]\nmodels: [sim/default]\nbaseline: sim/other\n",
     [":4: baseline 'sim/other' is neither 'previous' nor a listed model"]),
    ("name: p\ninventories: [bfi44]\ndiscover:\n  api_base: ftp://example.org\n",
     [":4: api_base: must be an http(s) URL such as http://127.0.0.1:8000/v1 (got 'ftp://example.org')"]),
    ("name: p\ninventories: [bfi44]\nmodels: [sim/default, sim/default]\n", [":3: model 'sim/default' is listed twice"]),
    ("name: p\nname: q\ninventories: [bfi44]\nmodels: [sim/default]\n", [":2: duplicate key 'name'"]),
    ("name: p\ninventories: [bfi44\n", [": YAML syntax error"]),
    ("name: p\ninventories: [bfi44]\nmodels: [sim/default]\ndesign:\n  personas: nosuchset\n",
     [":5: unknown persona set 'nosuchset'"]),
    ("name: p\ninventories: [bfi44]\nmodels: [sim/default]\nlimits:\n  rpm: .inf\n",
     [":5: rpm: Input should be a finite number"]),
    ('name: p\ndb: "host=127.0.0.1 password=s3cret dbname=psy"\ninventories: [bfi44]\nmodels: [sim/default]\n',
     [":2: db: the database is given as a URL: a libpq 'key=value' connection string is not read"]),
    ("name: bad name!\ninventories: [bfi44]\nmodels: [sim/default]\nthresholds: {scale_shift: -1}\n",
     [":1: name: String should match pattern", ":4: scale_shift: Input should be greater than 0"]),
]


@pytest.mark.parametrize(("text", "expected"), BAD)
def test_malformed_plans_name_file_and_line(tmp_path, text, expected):
    path = _write(tmp_path, text)
    with pytest.raises(DataFileError) as info:
        load_schedule_plan(path)
    lines = str(info.value).splitlines()
    assert len(lines) == len(expected), lines
    for line, fragment in zip(lines, expected):
        assert line.startswith(str(path) + ":"), line
        assert fragment in line, line


def test_cli_reports_a_malformed_plan_in_one_line_per_problem(tmp_path):
    path = _write(tmp_path, "name: p\ninventories: [bfi44]\nmodels: [sim/default]\nextra: 1\n")
    result = CliRunner().invoke(app, ["schedule", str(path), "--out", str(tmp_path / "out")])
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines() == [f"{path}:4: unknown field 'extra'"]
    assert "Traceback" not in result.output and "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists()
    # problems found after the fields are read come one per line too
    path = _write(tmp_path, "name: p\ninventories:\n  - nosuch\nmodels: [sim/default, sim/default]\n")
    result = CliRunner().invoke(app, ["schedule", str(path), "--out", str(tmp_path / "out")])
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines() == [
        f"{path}:4: model 'sim/default' is listed twice",
        f"{path}:3: unknown inventory 'nosuch' (shipped: bfi44, ipip50, ipip50-de, ipip50-paraphrase, oejts, sapa25, sd3, "
        "trait-scenarios, trait-scenarios-paraphrase; or give a path to a YAML file)",
    ]


def test_cli_reports_a_missing_plan_file(tmp_path):
    result = CliRunner().invoke(app, ["schedule", str(tmp_path / "nope.yaml")])
    assert result.exit_code == 1
    assert result.stderr.strip() == f"{tmp_path / 'nope.yaml'}: cannot read: No such file or directory"
