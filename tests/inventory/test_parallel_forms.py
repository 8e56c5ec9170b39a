"""Parallel forms: a file that declares itself a form of another is checked item by item against its original,
and every problem is reported in one pass as ``file:line: message``."""

from __future__ import annotations

from pathlib import Path

import pytest

from psychometrics.inventory import DataFileError, load_inventory
from psychometrics.inventory._parallel import language_problem
from tests.inventory.test_validation import _line_of

ORIGINAL = """\
id: tiny
name: Tiny original
kind: likert
language: en
citation: Written for the tests.
license: Public domain.
instructions: Rate each statement.
response_options:
  - {value: 1, label: Disagree}
  - {value: 2, label: Neither}
  - {value: 3, label: Agree}
scales:
  - {id: x, name: X, trait: extraversion}
  - {id: y, name: Y, trait: openness}
items:
  - {id: "1", text: likes parties, scale: x}
  - {id: "2", text: avoids crowds, scale: x, reverse: true}
  - {id: "3", text: reads poems, scale: y}
"""

# Its own ids and its own order: matching must go through parallel_item, never through the id or position.
FORM = """\
id: tiny-de
name: Tiny translation
kind: likert
language: de
parallel_to: orig.yaml
relation: translation
citation: Written for the tests.
license: Public domain.
instructions: Bewerten Sie jede Aussage.
response_options:
  - {value: 1, label: Stimme nicht zu}
  - {value: 2, label: Weder noch}
  - {value: 3, label: Stimme zu}
scales:
  - {id: x, name: X, trait: extraversion}
  - {id: y, name: Y, trait: openness}
items:
  - {id: c, text: liest Gedichte, scale: y, parallel_item: "3"}
  - {id: a, text: mag Feste, scale: x, parallel_item: "1"}
  - {id: b, text: meidet Menschenmengen, scale: x, reverse: true, parallel_item: "2"}
"""

SCENARIO_ORIGINAL = """\
id: scen
name: Tiny scenarios
kind: scenario
language: en
scoring: high_choice_percent
citation: Written for the tests.
license: Public domain.
instructions: Choose one.
scales:
  - {id: openness, name: Openness, trait: openness}
items:
  - id: s1
    situation: A new museum opens.
    question: What do you do?
    scale: openness
    options:
      - {text: Go on day one, high: true}
      - {text: Wait for reviews, high: false}
      - {text: Read about its collection, high: true}
      - {text: Skip it, high: false}
"""

SCENARIO_FORM = """\
id: scen-paraphrase
name: Tiny scenarios, reworded
kind: scenario
language: en-GB
parallel_to: orig.yaml
relation: paraphrase
scoring: high_choice_percent
citation: Written for the tests.
license: Public domain.
instructions: Pick one.
scales:
  - {id: openness, name: Openness, trait: openness}
items:
  - id: p1
    parallel_item: s1
    situation: A gallery has just opened in town.
    question: What would you do?
    scale: openness
    options:
      - {text: Visit on the first morning, high: true}
      - {text: See what critics say first, high: false}
      - {text: Look up what it exhibits, high: true}
      - {text: Give it a miss, high: false}
"""


def _write(tmp_path: Path, form: str, original: str = ORIGINAL) -> Path:
    (tmp_path / "orig.yaml").write_text(original)
    path = tmp_path / "inv.yaml"
    path.write_text(form)
    return path


def test_a_good_form_loads_and_knows_its_original(tmp_path):
    form = load_inventory(_write(tmp_path, FORM))
    assert form.original_id == "tiny"
    assert form.parallel_items() == {"c": "3", "a": "1", "b": "2"}
    assert form.original() == load_inventory(tmp_path / "orig.yaml")
    original = load_inventory(tmp_path / "orig.yaml")
    assert original.original_id is None and original.parallel_items() == {}
    with pytest.raises(ValueError, match="tiny is not a parallel form"):
        original.original()


def test_a_scenario_form_loads(tmp_path):
    form = load_inventory(_write(tmp_path, SCENARIO_FORM, SCENARIO_ORIGINAL))
    assert form.original_id == "scen" and form.parallel_items() == {"p1": "s1"}


def test_a_form_of_a_shipped_inventory_names_it_by_id(tmp_path):
    text = (FORM.replace("parallel_to: orig.yaml", "parallel_to: sd3")
            .replace("language: de", "language: en"))
    with pytest.raises(DataFileError) as info:
        load_inventory(_write(tmp_path, text))
    # resolved to the shipped sd3 (not to a file): its scales and items are what the form is held against
    assert "scale 'x' is not a scale of sd3" in str(info.value)


# (description, form text, original text, the text on the line the error must name, words the message must contain)
CASES = [
    ("original missing", FORM.replace("parallel_to: orig.yaml", "parallel_to: nosuch.yaml"), ORIGINAL,
     "parallel_to:", "is neither a shipped inventory"),
    ("original is itself a form", FORM, FORM.replace("id: tiny-de", "id: tiny"),
     "parallel_to:", "is itself a parallel form"),
    ("original does not load", FORM, ORIGINAL.replace("scale: y}", "scale: z}"),
     "parallel_to:", "the original 'orig.yaml' does not load"),
    ("no relation", FORM.replace("relation: translation\n", ""), ORIGINAL, "parallel_to:", "needs relation"),
    ("no language", FORM.replace("language: de\n", ""), ORIGINAL, "parallel_to:", "needs language"),
    ("unknown relation", FORM.replace("relation: translation", "relation: summary"), ORIGINAL,
     "relation: summary", "relation"),
    ("language not a BCP 47 tag", FORM.replace("language: de", "language: German"), ORIGINAL,
     "language: German", "not a BCP 47 language tag"),
    ("translation in the original's language", FORM.replace("language: de", "language: en"), ORIGINAL,
     "language: en", "must differ in language"),
    ("paraphrase in another language", FORM.replace("relation: translation", "relation: paraphrase"), ORIGINAL,
     "language: de", "keeps the language of tiny"),
    ("item without parallel_item", FORM.replace(', parallel_item: "1"', ""), ORIGINAL,
     "mag Feste", "needs parallel_item"),
    ("item maps to an unknown item", FORM.replace('parallel_item: "1"', 'parallel_item: "9"'), ORIGINAL,
     "mag Feste", "maps to '9', which is not an item of tiny"),
    ("two items map to one original", FORM.replace('parallel_item: "1"', 'parallel_item: "3"'), ORIGINAL,
     "mag Feste", "items 'c' and 'a' both map to tiny item '3'"),
    ("an original item is not rendered", FORM.replace('  - {id: c, text: liest Gedichte, scale: y, parallel_item: "3"}\n',
                                                        ""), ORIGINAL, "items:", "tiny item 3 has no counterpart"),
    ("scale differs", FORM.replace("mag Feste, scale: x", "mag Feste, scale: y"), ORIGINAL,
     "mag Feste", "is on scale 'y' but tiny item '1' is on 'x'"),
    ("keying differs", FORM.replace("scale: x, reverse: true,", "scale: x,"), ORIGINAL,
     "meidet", "item 'b' is not reverse-keyed but tiny item '2' is"),
    ("keying differs the other way", FORM.replace("mag Feste, scale: x,", "mag Feste, scale: x, reverse: true,"),
     ORIGINAL, "mag Feste", "item 'a' is reverse-keyed but tiny item '1' is not"),
    ("fewer response options", FORM.replace("  - {value: 2, label: Weder noch}\n", "")
     .replace("{value: 3, label: Stimme zu}", "{value: 2, label: Stimme zu}"), ORIGINAL,
     "response_options:", "2 response options where tiny has 3"),
    ("other response values", FORM.replace("value: 1,", "value: 0,").replace("value: 2,", "value: 1,")
     .replace("value: 3,", "value: 2,"), ORIGINAL, "response_options:", "response values [0, 1, 2] differ"),
    ("scale the original lacks", FORM.replace("{id: y, name: Y, trait: openness}", "{id: z, name: Z, trait: openness}")
     .replace("scale: y,", "scale: z,"), ORIGINAL, "{id: z, name: Z", "scale 'z' is not a scale of tiny"),
    ("scale of another trait", FORM.replace("{id: y, name: Y, trait: openness}", "{id: y, name: Y, trait: intellect}"),
     ORIGINAL, "trait: intellect", "scale 'y': trait 'intellect' differs from tiny's 'openness'"),
    ("another kind", FORM.replace("kind: likert", "kind: bipolar"), ORIGINAL, "kind: bipolar",
     "kind 'bipolar' differs from tiny's 'likert'"),
    ("parallel_item without parallel_to", ORIGINAL.replace('likes parties, scale: x}',
                                                           'likes parties, scale: x, parallel_item: "1"}'),
     ORIGINAL, "likes parties", "has parallel_item but the file has no parallel_to"),
    ("relation without parallel_to", ORIGINAL.replace("language: en\n", "language: en\nrelation: paraphrase\n"),
     ORIGINAL, "relation: paraphrase", "relation needs parallel_to"),
    ("scenario options moved", SCENARIO_FORM.replace("Look up what it exhibits, high: true",
                                                     "Look up what it exhibits, high: false")
     .replace("Give it a miss, high: false", "Give it a miss, high: true"), SCENARIO_ORIGINAL,
     "    options:", "high/low options HLLH but scen item 's1' has HLHL"),
]


@pytest.mark.parametrize("name,form,original,line_text,words", CASES, ids=[c[0] for c in CASES])
def test_a_bad_form_names_file_and_line(tmp_path, name, form, original, line_text, words):
    path = _write(tmp_path, form, original)
    with pytest.raises(DataFileError) as info:
        load_inventory(path)
    message = str(info.value)
    assert words in message, message
    first = next(line for line in message.splitlines() if words in line)
    assert first.startswith(f"{path}:{_line_of(form, line_text)}:"), first


def test_every_problem_of_a_form_is_reported_in_one_pass(tmp_path):
    form = (FORM.replace("language: de", "language: deutsch")  # bad tag
            .replace('parallel_item: "1"', 'parallel_item: "9"')  # unknown target, so original item 1 is unrendered
            .replace("scale: x, reverse: true,", "scale: x,")  # keying
            .replace("{id: c, text", "{id: a, text"))  # a duplicate id: the form's own consistency check
    path = _write(tmp_path, form)
    with pytest.raises(DataFileError) as info:
        load_inventory(path)
    lines = str(info.value).splitlines()
    assert len(lines) == len(info.value.problems) == 5, lines
    expected = [
        (_line_of(form, "mag Feste"), "duplicate item id 'a'"),  # named at its second use
        (_line_of(form, "language: deutsch"), "not a BCP 47 language tag"),
        (_line_of(form, "mag Feste"), "maps to '9'"),
        (_line_of(form, "meidet"), "is not reverse-keyed"),
        (_line_of(form, "items:"), "tiny item 1 has no counterpart"),
    ]
    for line_no, words in expected:
        assert any(line.startswith(f"{path}:{line_no}:") and words in line for line in lines), (line_no, lines)


def test_a_form_that_names_itself_is_rejected(tmp_path):
    path = _write(tmp_path, FORM.replace("parallel_to: orig.yaml", "parallel_to: inv.yaml"))
    with pytest.raises(DataFileError, match="is itself a parallel form"):
        load_inventory(path)


def test_the_original_is_found_relative_to_the_form_not_the_working_directory(tmp_path, monkeypatch):
    sub = tmp_path / "forms"
    sub.mkdir()
    (tmp_path / "orig.yaml").write_text(ORIGINAL)
    (sub / "inv.yaml").write_text(FORM.replace("parallel_to: orig.yaml", "parallel_to: ../orig.yaml"))
    monkeypatch.chdir(sub)  # orig.yaml is not in the working directory
    assert load_inventory(sub / "inv.yaml").original_id == "tiny"


@pytest.mark.parametrize("tag", ["en", "de", "pt-BR", "zh-Hant-TW", "sr-Latn-RS", "es-419", "de-CH-1996",
                                 "en-US-x-twain", "x-klingon", "zh-yue-HK", "en-u-nu-latn", "DE-de", "gsw"])
def test_language_tags_of_the_right_shape(tag):
    assert language_problem(tag) is None


@pytest.mark.parametrize("tag", ["English", "german", "en_US", "e", "en-", "-en", "en--US", "de-DE-", "123",
                                 "pt-BR-1", "en US", "x", "en-x"])
def test_language_tags_of_the_wrong_shape(tag):
    assert "not a BCP 47 language tag" in str(language_problem(tag))
