"""Malformed inventory files are rejected with one line per problem naming the file and line."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from psychometrics.inventory import DataFileError, load_inventory

GOOD = """\
id: tiny
name: Tiny test inventory
kind: likert
citation: Written for the tests.
license: Public domain.
instructions: Rate each statement.
response_options:
  - {value: 1, label: Disagree}
  - {value: 2, label: Neither}
  - {value: 3, label: Agree}
scales:
  - {id: x, name: X}
  - {id: y, name: Y}
items:
  - {id: "1", text: likes tests, scale: x}
  - {id: "2", text: dislikes tests, scale: x, reverse: true}
  - {id: "3", text: writes tests, scale: y}
"""

SCENARIO = """\
id: tinyscen
name: Tiny scenarios
kind: scenario
scoring: high_choice_percent
citation: Written for the tests.
license: Public domain.
instructions: Choose one.
scales:
  - {id: openness, name: Openness}
items:
  - id: s1
    situation: A new museum opens.
    question: What do you do?
    scale: openness
    options:
      - {text: Go on day one, high: true}
      - {text: Wait for reviews, high: false}
      - {text: Read about its collection, high: true}
      - {text: Skip it, high: true}
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "inv.yaml"
    path.write_text(text)
    return path


def _line_of(text: str, needle: str) -> int:
    for i, line in enumerate(text.splitlines(), 1):
        if needle in line:
            return i
    raise AssertionError(f"{needle!r} not in text")


def test_good_file_loads(tmp_path):
    inv = load_inventory(_write(tmp_path, GOOD))
    assert inv.id == "tiny" and len(inv.items) == 3 and inv.items[1].reverse


# (description, edited text, the text on the line the error must name, words the message must contain)
CASES = [
    ("yaml syntax", GOOD.replace("name: X}", "name: X"), None, "YAML syntax error"),
    ("unknown field", GOOD.replace("reverse: true}", "reverse: true, keyed: minus}"), '"2"', "unknown field 'keyed'"),
    ("missing field", GOOD.replace("citation: Written for the tests.\n", ""), None, "missing field 'citation'"),
    ("wrong type", GOOD.replace("reverse: true", "reverse: sometimes"), '"2"', "reverse"),
    ("duplicate item id", GOOD.replace('id: "3"', 'id: "2"'), "writes tests", "duplicate item id '2'"),
    ("item on unknown scale", GOOD.replace("scale: y}", "scale: z}"), "writes tests", "scale 'z', which is not declared"),
    ("empty scale", GOOD.replace("writes tests, scale: y", "writes tests, scale: x"), "{id: y, name: Y}", "scale 'y' has no items"),
    ("response value out of range", GOOD.replace("{value: 3, label: Agree}", "{value: 7, label: Agree}"), "value: 7", "out of range"),
    ("duplicate key", GOOD.replace("kind: likert\n", "kind: likert\nkind: likert\n"), None, "duplicate key 'kind'"),
    ("unknown kind", GOOD.replace("kind: likert", "kind: slider"), "kind: slider", "kind"),
]


@pytest.mark.parametrize("name,text,line_text,words", CASES, ids=[c[0] for c in CASES])
def test_malformed_file_names_file_and_line(tmp_path, name, text, line_text, words):
    path = _write(tmp_path, text)
    with pytest.raises(DataFileError) as info:
        load_inventory(path)
    message = str(info.value)
    assert words in message
    first = next(line for line in message.splitlines() if words in line)
    assert first.startswith(f"{path}:")
    if line_text is not None:
        assert first.startswith(f"{path}:{_line_of(text, line_text)}:"), first
    elif name == "yaml syntax":
        assert first.split(":")[1].isdigit()


def test_scenario_needs_two_high_and_two_low(tmp_path):
    path = _write(tmp_path, SCENARIO)
    with pytest.raises(DataFileError) as info:
        load_inventory(path)
    message = str(info.value)
    assert f"{path}:{_line_of(SCENARIO, 'options:')}:" in message
    assert "exactly 4 options, 2 high and 2 low (has 4, 3 high)" in message


def test_scenario_with_three_options(tmp_path):
    text = SCENARIO.replace("      - {text: Skip it, high: true}\n", "")
    with pytest.raises(DataFileError, match=r"has 3, 2 high"):
        load_inventory(_write(tmp_path, text))


def test_every_problem_is_reported_once_per_line(tmp_path):
    text = GOOD.replace('id: "3"', 'id: "2"').replace("scale: y}", "scale: z}")
    with pytest.raises(DataFileError) as info:
        load_inventory(_write(tmp_path, text))
    lines = str(info.value).splitlines()
    assert len(info.value.problems) == len(lines) == 3  # duplicate id, unknown scale, scale y now empty


def test_unknown_inventory_id():
    with pytest.raises(LookupError, match="unknown inventory 'bfi45'"):
        load_inventory("bfi45")


def test_empty_file(tmp_path):
    with pytest.raises(DataFileError, match="empty"):
        load_inventory(_write(tmp_path, ""))


def test_top_level_list_is_rejected(tmp_path):
    with pytest.raises(DataFileError, match="mapping"):
        load_inventory(_write(tmp_path, textwrap.dedent("- a\n- b\n")))
