"""Prompt templates: the shipped ones render every option and end where the label begins; user files are checked."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from psychometrics._yamlfile import DataFileError
from psychometrics.plan import (
    bipolar_option_texts,
    build_plan,
    labels_for,
    list_templates,
    load_template,
    prompts_dir,
    validate_template_file,
)

KINDS = ["likert", "bipolar", "scenario"]


@pytest.mark.parametrize("kind", KINDS)
def test_three_styles_per_kind(kind: str) -> None:
    assert {"instruct", "qa", "short"} <= set(list_templates(kind))


@pytest.mark.parametrize("kind", KINDS)
def test_shipped_templates_pass_the_user_check(kind: str) -> None:
    for name in list_templates(kind):
        validate_template_file(prompts_dir() / kind / f"{name}.j2", kind)


def test_templates_render_every_option_and_label(fixtures) -> None:
    plan = build_plan(model="m", inventories=fixtures, templates="all", orders="all")
    for cell in plan.cells:
        for label, text in zip(cell.labels, cell.option_texts):
            assert text in cell.prompt
            assert re.search(rf"(?<![A-Za-z0-9]){label}(?![A-Za-z0-9])", cell.prompt)
        # labels stay in place: the first label shown comes before the second
        positions = [cell.prompt.index(t) for t in cell.option_texts]
        assert positions == sorted(positions), (cell.template, cell.order)


def test_prompts_end_where_the_label_begins(fixtures) -> None:
    plan = build_plan(model="m", inventories=fixtures, templates="all")
    for cell in plan.cells:
        if cell.labels[0].isdigit():
            assert cell.prompt.endswith("Answer: "), cell.template  # Gemma: " 3" is " " + "3"
        else:
            assert cell.prompt.endswith(("Answer:", "Answer: (")), cell.template  # " B" is one token
        assert not cell.prompt.endswith("\n")


def test_styles_differ(likert) -> None:
    plan = build_plan(model="m", inventories=[likert], templates="all", limit_items=1)
    by = {c.template: c.prompt for c in plan.cells}
    assert "1. Disagree strongly\n2. Disagree a little" in by["instruct"]
    assert by["qa"].count("Question:") == 1 and "Options:\n(1) Disagree strongly" in by["qa"]
    assert "(1) Disagree strongly (2) Disagree a little" in by["short"] and "number only" in by["short"]
    assert "Statement: I see myself as someone who is talkative." in by["instruct"]


def test_scenario_and_bipolar_content(bipolar, scenario) -> None:
    cell = build_plan(model="m", inventories=[scenario], templates=["instruct"], limit_items=1).cells[0]
    item = scenario.items[0]
    assert item.situation in cell.prompt and item.question in cell.prompt
    assert "A. " + item.options[0].text in cell.prompt
    cell = build_plan(model="m", inventories=[bipolar], templates=["short"], limit_items=1).cells[0]
    assert "(3) In between" in cell.prompt and "Exactly like: makes lists" in cell.prompt


def test_bipolar_option_texts() -> None:
    assert bipolar_option_texts("L", "R", 5) == ["Exactly like: L", "Somewhat like: L", "In between",
                                                 "Somewhat like: R", "Exactly like: R"]
    assert bipolar_option_texts("L", "R", 2) == ["More like: L", "More like: R"]
    seven = bipolar_option_texts("L", "R", 7)
    assert seven[0] == "Exactly like: L" and seven[3] == "In between" and seven[-1] == "Exactly like: R"
    assert len(set(bipolar_option_texts("L", "R", 11))) == 11
    with pytest.raises(ValueError):
        bipolar_option_texts("L", "R", 1)


def test_labels() -> None:
    assert labels_for("likert", 5) == ["1", "2", "3", "4", "5"]
    assert labels_for("scenario", 4) == ["A", "B", "C", "D"]


def test_unknown_template_or_kind() -> None:
    with pytest.raises(ValueError) as err:
        load_template("likert", "fancy")
    assert "\n" not in str(err.value) and "'fancy'" in str(err.value) and "instruct" in str(err.value)
    with pytest.raises(ValueError):
        list_templates("matrix")  # type: ignore[arg-type]


# User template files -----------------------------------------------------------------------------------------

GOOD_LIKERT = """{% if persona %}{{ persona }}
{% endif %}
Rate: {{ item.text }}
{% for o in options %}
[{{ o.label }}] {{ o.text }}
{% endfor %}
Answer:
"""


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_user_template_accepted_and_used(tmp_path: Path, likert) -> None:
    path = _write(tmp_path, "brackets.j2", GOOD_LIKERT)
    assert validate_template_file(path, "likert") is not None
    plan = build_plan(model="m", inventories=[likert], templates=["qa"], template_files=[path], limit_items=1)
    assert [c.template for c in plan.cells] == ["qa", "brackets"]
    assert "[1] Disagree strongly" in plan.cells[1].prompt
    only = build_plan(model="m", inventories=[likert], templates=[], template_files=[path], limit_items=1)
    assert [c.template for c in only.cells] == ["brackets"]


def test_user_template_missing_options_rejected(tmp_path: Path) -> None:
    path = _write(tmp_path, "no_options.j2", "Rate: {{ item.text }}\nAnswer:")
    with pytest.raises(DataFileError) as err:
        validate_template_file(path, "likert")
    message = str(err.value)
    assert "no_options.j2" in message and "option 1" in message and "label" in message


def test_user_template_missing_labels_rejected(tmp_path: Path) -> None:
    path = _write(tmp_path, "no_labels.j2",
                  "{{ item.situation }} {{ item.question }}\n{% for o in options %}- {{ o.text }}\n{% endfor %}Answer:")
    with pytest.raises(DataFileError) as err:
        validate_template_file(path, "scenario")
    assert "no_labels.j2" in str(err.value) and "label 'B'" in str(err.value)


def test_user_template_missing_pole_rejected(tmp_path: Path) -> None:
    path = _write(tmp_path, "one_pole.j2",
                  "{{ item.left }}\n{% for o in options %}{{ o.label }}: {{ o.text }}\n{% endfor %}Answer:")
    # the option texts carry both poles, so this passes; leaving out the options too does not
    validate_template_file(path, "bipolar")
    path = _write(tmp_path, "bare.j2", "{{ item.left }}\n{% for l in labels %}{{ l }} {% endfor %}\nAnswer:")
    with pytest.raises(DataFileError, match="the right pole"):
        validate_template_file(path, "bipolar")


def test_user_template_syntax_error_names_the_line(tmp_path: Path) -> None:
    path = _write(tmp_path, "broken.j2", "line one\n{{ item.text }}\n{% for o in options %}\n{{ o.text }\n")
    with pytest.raises(DataFileError) as err:
        validate_template_file(path, "likert")
    problem = err.value.problems[0]
    assert problem.file == str(path) and problem.line == 4
    assert str(err.value).startswith(f"{path}:4:")


def test_user_template_undefined_variable_names_the_line(tmp_path: Path) -> None:
    path = _write(tmp_path, "undefined.j2", "Intro\n\n{{ item.text }} {{ item.mood }}\n")
    with pytest.raises(DataFileError) as err:
        validate_template_file(path, "likert")
    assert err.value.problems[0].line == 3 and "mood" in str(err.value)
    # a likert-only variable in a scenario template fails the same way
    path = _write(tmp_path, "wrong_kind.j2", "{{ statement }}")
    with pytest.raises(DataFileError, match="statement"):
        validate_template_file(path, "scenario")


def test_missing_user_template_file(tmp_path: Path) -> None:
    with pytest.raises(DataFileError, match="no such template file"):
        validate_template_file(tmp_path / "absent.j2", "likert")


def test_user_template_name_clash(tmp_path: Path, likert) -> None:
    path = _write(tmp_path, "qa.j2", GOOD_LIKERT)
    with pytest.raises(ValueError, match="rename"):
        build_plan(model="m", inventories=[likert], template_files=[path])


def test_template_ignoring_the_persona_is_refused(tmp_path: Path, likert) -> None:
    path = _write(tmp_path, "no_persona.j2",
                  "{{ item.text }}\n{% for o in options %}{{ o.label }}. {{ o.text }}\n{% endfor %}Answer:")
    build_plan(model="m", inventories=[likert], templates=[], template_files=[path])
    with pytest.raises(ValueError, match="persona"):
        build_plan(model="m", inventories=[likert], templates=[], template_files=[path], personas=["Be calm."])
