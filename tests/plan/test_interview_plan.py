"""The plan of an interview: answer cells from the question template, rating cells whose id holds the rater, the
repeat and the answer they read; user templates checked before anything is asked."""

from __future__ import annotations

import pytest

from psychometrics._yamlfile import DataFileError
from psychometrics.inventory import load_inventory
from psychometrics.plan import (
    Design,
    InterviewDesign,
    build_interview_plan,
    load_interview_template,
    rating_cells,
)

DESIGN = InterviewDesign(raters=["sim/default"])


def _plan(**kwargs):
    return build_interview_plan(model="sim/default", inventories=["bfi44"], design=DESIGN, limit_items=5, **kwargs)


def test_each_item_is_an_open_question_quoting_the_statement_in_the_respondents_voice():
    plan = _plan(samples=2)
    assert len(plan.cells) == 10 and {c.role for c in plan.cells} == {"question"}
    first = plan.cells[0]
    assert first.labels == [] and first.label_values == [] and first.template == "question"
    assert '"I see myself as someone who is talkative."' in first.prompt
    assert "in your own words" in first.prompt and "speaking as yourself" in first.prompt
    assert plan.design.interview == DESIGN
    assert len({c.cell_id for c in plan.cells}) == 10


def test_a_rating_shows_question_answer_and_scale_and_its_id_holds_rater_repeat_and_answer():
    inv = load_inventory("bfi44")
    answer = _plan().cells[0]
    template = load_interview_template("rater")
    kwargs = dict(inventory=inv, template=template, template_name="rater", settings=DESIGN.rater_settings)
    cells = rating_cells(answer, "I love a good chat.", rater="sim/default", repeats=2, **kwargs)
    assert [c.sample for c in cells] == [0, 1] and len({c.cell_id for c in cells}) == 2
    cell = cells[0]
    assert cell.role == "rating" and cell.rates == answer.cell_id
    assert answer.prompt in cell.prompt and "I love a good chat." in cell.prompt
    assert "1. Disagree strongly" in cell.prompt and "5. Agree strongly" in cell.prompt
    assert cell.label_values == [1, 2, 3, 4, 5] and cell.option_texts[0] == "Disagree strongly"
    other_rater = rating_cells(answer, "I love a good chat.", rater="sim/steady", repeats=1, **kwargs)[0]
    other_answer = rating_cells(answer, "I keep to myself.", rater="sim/default", repeats=1, **kwargs)[0]
    moved = answer.model_copy(update={"cell_id": "0" * 20})  # the same text as the answer of another cell
    other_cell = rating_cells(moved, "I love a good chat.", rater="sim/default", repeats=1, **kwargs)[0]
    assert len({cell.cell_id, other_rater.cell_id, other_answer.cell_id, other_cell.cell_id}) == 4


def test_a_design_without_interview_is_stored_as_before():
    design = Design(inventories=["bfi44"], templates=["instruct"], orders=["original"], samples=1)
    assert "interview" not in design.model_dump_json()


def test_a_scenario_inventory_is_not_interviewed():
    with pytest.raises(ValueError, match="scenario items: an interview asks likert or bipolar items"):
        build_interview_plan(model="sim/default", inventories=["trait-scenarios"], design=DESIGN)


@pytest.mark.parametrize(("role", "text", "lacks"), [
    ("question", "Tell me about yourself.", "lacks the item text"),
    ("rater", "{{ question }}\n{{ answer }}\nRate it 1-5.", "lacks option 1"),
    ("rater", "{% for o in options %}{{ o.label }}. {{ o.text }}\n{% endfor %}", "lacks the question, the answer"),
])
def test_a_user_template_that_leaves_out_what_its_role_needs_is_refused(tmp_path, role, text, lacks):
    path = tmp_path / "mine.j2"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DataFileError, match=lacks):
        load_interview_template(role, path)


def test_a_user_template_with_a_syntax_error_names_its_line(tmp_path):
    path = tmp_path / "mine.j2"
    path.write_text("Does this describe you?\n{{ statement \n", encoding="utf-8")
    with pytest.raises(DataFileError) as raised:
        load_interview_template("question", path)
    assert f"{path}:" in str(raised.value) and "syntax" in str(raised.value)


def test_the_shipped_templates_pass_their_own_checks():
    from psychometrics.plan import interview_dir

    for role in ("question", "rater"):
        load_interview_template(role, interview_dir() / f"{role}.j2")
