"""The shipped TRAIT-format scenarios (``inventories/trait-scenarios.yaml`` and its paraphrase form) and the TRAIT
importer."""

from __future__ import annotations

import json
import math
import re
import shutil
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest

from psychometrics._yamlfile import DataFileError
from psychometrics.inventory import ScenarioItem, load_inventory
from psychometrics.inventory._score import score_scales
from psychometrics.inventory._trait_import import import_trait, write_inventory_yaml

FIXTURES = Path(__file__).parent / "fixtures" / "trait"
TRAITS = ["openness", "conscientiousness", "extraversion", "agreeableness", "neuroticism", "machiavellianism",
          "narcissism", "psychopathy"]
PREFIX = {"openness": "O", "conscientiousness": "C", "extraversion": "E", "agreeableness": "A", "neuroticism": "N",
          "machiavellianism": "MA", "narcissism": "NA", "psychopathy": "PS"}


def _pattern(item: ScenarioItem) -> str:
    return "".join("H" if o.high else "L" for o in item.options)


# The shipped inventory ----------------------------------------------------------------------------------------


@pytest.fixture(scope="module", params=["trait-scenarios", "trait-scenarios-paraphrase"])
def shipped(request):
    """The scenarios and their paraphrase form: every test of the shipped items holds for both."""
    return load_inventory(request.param)


def test_shipped_header(shipped):
    assert shipped.id in ("trait-scenarios", "trait-scenarios-paraphrase")
    assert shipped.kind == "scenario"
    assert shipped.scoring == "high_choice_percent"
    assert shipped.response_options == []
    assert "MIT" in shipped.license and "psychometrics project" in shipped.license
    assert "TRAIT" in shipped.citation and "2406.14703" in shipped.citation
    assert [s.id for s in shipped.scales] == TRAITS
    for s in shipped.scales:
        assert s.trait == s.id
        assert s.description and "\n" not in s.description


def test_shipped_items_per_trait(shipped):
    counts = Counter(it.scale for it in shipped.items)
    assert set(counts) == set(TRAITS)
    assert all(counts[t] >= 10 for t in TRAITS), counts
    assert len(shipped.items) >= 96


def test_shipped_item_ids_follow_the_trait_prefix(shipped):
    for it in shipped.items:
        assert re.fullmatch(rf"{PREFIX[it.scale]}\d\d", it.id), it.id


def test_shipped_items_two_high_two_low(shipped):
    for it in shipped.items:
        assert isinstance(it, ScenarioItem)
        assert len(it.options) == 4, it.id
        assert sum(o.high for o in it.options) == 2, it.id
        assert len({o.text for o in it.options}) == 4, f"{it.id}: repeated option text"


def test_shipped_situations_distinct(shipped):
    def norm(text: str) -> str:
        return " ".join(re.sub(r"[^a-z ]", " ", text.lower()).split())

    situations = Counter(norm(it.situation) for it in shipped.items)
    assert [s for s, n in situations.items() if n > 1] == []
    openings = Counter(norm(it.situation)[:40] for it in shipped.items)
    assert [s for s, n in openings.items() if n > 1] == []


def test_shipped_option_order_is_mixed_and_balanced(shipped):
    # Every trait uses several high/low patterns, and each position holds a high option in half of its items.
    for trait in TRAITS:
        items = shipped.items_of(trait)
        assert len({_pattern(it) for it in items}) >= 4, trait
        for pos in range(4):
            assert sum(it.options[pos].high for it in items) * 2 == len(items), (trait, pos)


def test_shipped_situations_and_options_are_well_formed(shipped):
    trait_words = re.compile(r"introvert|extravert|extrovert|narciss|psychopath|machiavell|neurotic|conscientious")
    for it in shipped.items:
        sentences = re.findall(r"[.!?]['\"]?(?:\s|$)", it.situation)
        assert 2 <= len(sentences) <= 3, (it.id, it.situation)
        assert it.question.endswith("?"), it.id
        for text in [it.situation, *(o.text for o in it.options)]:
            assert not trait_words.search(text.lower()), (it.id, text)
        words = [len(o.text.split()) for o in it.options]
        assert max(words) <= 2 * min(words), (it.id, words)


def test_shipped_file_rewrites_unchanged(shipped, tmp_path):
    out = tmp_path / "copy.yaml"
    write_inventory_yaml(shipped, out)
    assert load_inventory(out) == shipped


# Scoring --------------------------------------------------------------------------------------------------------


def test_score_shipped_always_first_option_is_fifty_percent(shipped):
    # By the balanced design option 1 is a high option in exactly half of each trait's items.
    answers = pd.DataFrame({"respondent": "r1", "item": [it.id for it in shipped.items], "value": 1})
    scores = score_scales(shipped, answers).set_index("scale")
    assert scores["score"].to_dict() == {t: 50.0 for t in TRAITS}
    assert (scores["n_answered"] == scores["n_items"]).all()


def test_score_shipped_all_high_and_all_low(shipped):
    rows = []
    for it in shipped.items:
        highs = [n for n, o in enumerate(it.options, start=1) if o.high]
        lows = [n for n, o in enumerate(it.options, start=1) if not o.high]
        rows += [("high", it.id, highs[1]), ("low", it.id, lows[0])]
    answers = pd.DataFrame(rows, columns=["respondent", "item", "value"])
    scores = score_scales(shipped, answers).pivot(index="scale", columns="respondent", values="score")
    assert (scores["high"] == 100.0).all()
    assert (scores["low"] == 0.0).all()


def test_score_shipped_partial_answers(shipped):
    # O01 is H L H L and O02 is L H H L: option 2 is low on O01 and high on O02 -> 1 of 2 high = 50 %.
    assert _pattern(shipped.item("O01")) == "HLHL" and _pattern(shipped.item("O02")) == "LHHL"
    answers = pd.DataFrame({"respondent": "r", "item": ["O01", "O02"], "value": [2, 2]})
    scores = score_scales(shipped, answers).set_index("scale")
    assert scores.loc["openness", "score"] == 50.0
    assert scores.loc["openness", "n_answered"] == 2
    assert math.isnan(scores.loc["psychopathy", "score"])


def test_score_imported_by_hand(tmp_path):
    # Openness.jsonl has O1, O2, O4 and Neuroticism.jsonl N1, N2; every item's options are high, low, high, low.
    for name in ("Openness.jsonl", "Neuroticism.jsonl"):
        shutil.copy(FIXTURES / name, tmp_path / name)
    inv = import_trait(tmp_path, inventory_id="hand")
    answers = pd.DataFrame(
        [("r1", "O1", 1), ("r1", "O2", 2), ("r1", "O4", 3), ("r1", "N1", 4), ("r1", "N2", None),
         ("r2", "O1", 2), ("r2", "O2", 4), ("r2", "O4", 2), ("r2", "N1", 1), ("r2", "N2", 3)],
        columns=["respondent", "item", "value"],
    )
    s = score_scales(inv, answers).set_index(["respondent", "scale"])
    assert s.loc[("r1", "openness"), "score"] == pytest.approx(200 / 3, abs=1e-12)  # H, L, H -> 2 of 3
    assert s.loc[("r1", "neuroticism"), "score"] == 0.0  # only N1 answered, low
    assert s.loc[("r1", "neuroticism"), "n_answered"] == 1
    assert s.loc[("r2", "openness"), "score"] == 0.0
    assert s.loc[("r2", "neuroticism"), "score"] == 100.0


# The importer: TRAIT JSON --------------------------------------------------------------------------------------


def _source_json() -> list[dict]:
    return json.loads((FIXTURES / "trait_sample.json").read_text(encoding="utf-8"))


def test_import_json_round_trips(tmp_path):
    inv = import_trait(FIXTURES / "trait_sample.json", inventory_id="trait-sample")
    out = tmp_path / "trait-sample.yaml"
    write_inventory_yaml(inv, out)
    loaded = load_inventory(out)
    assert loaded == inv
    source = _source_json()
    assert [it.id for it in loaded.items] == [str(r["idx"]) for r in source]
    for rec, it in zip(source, loaded.items):
        assert it.scale == rec["personality"].lower()
        assert it.situation == rec["situation"]
        assert it.question == rec["query"]
        assert [(o.text, o.high) for o in it.options] == [
            (rec["response_high1"], True), (rec["response_low1"], False),
            (rec["response_high2"], True), (rec["response_low2"], False),
        ]


def test_import_json_header_and_scales():
    inv = import_trait(FIXTURES / "trait_sample.json")
    assert inv.id == "trait"
    assert inv.kind == "scenario" and inv.scoring == "high_choice_percent"
    assert inv.response_options == []
    assert "not redistributable" in inv.license and "TRAIT" in inv.license
    assert "TRAIT" in inv.citation
    # Scales: only the traits present, in the canonical order, whatever the case of `personality` was.
    assert [s.id for s in inv.scales] == ["openness", "conscientiousness", "extraversion", "agreeableness",
                                          "machiavellianism", "psychopathy"]
    assert all(s.trait == s.id for s in inv.scales)
    assert inv.name == "TRAIT (imported from trait_sample.json)"
    assert import_trait(FIXTURES / "trait_sample.json", name="My TRAIT").name == "My TRAIT"


def test_written_file_has_terms_comment_and_version_first(tmp_path):
    out = tmp_path / "t.yaml"
    write_inventory_yaml(import_trait(FIXTURES / "trait_sample.json"), out)
    text = out.read_text(encoding="utf-8")
    assert text.startswith("# Converted from the TRAIT data set")
    body = [line for line in text.splitlines() if not line.startswith("#")]
    assert body[0] == "version: 1"
    assert "response_options" not in text and "constant" not in text


def test_import_without_idx_uses_prefix_and_position(tmp_path):
    records = _source_json()[:3]
    for r in records:
        del r["idx"]
    src = tmp_path / "noidx.json"
    src.write_text(json.dumps(records), encoding="utf-8")  # one line: ids come from the position, not the line
    inv = import_trait(src)
    assert [it.id for it in inv.items] == ["O1", "C2", "E3"]


# The importer: per-trait JSONL ---------------------------------------------------------------------------------


def test_import_jsonl_question_split():
    inv = import_trait(FIXTURES / "Openness.jsonl")
    assert [it.id for it in inv.items] == ["O1", "O2", "O4"]  # line numbers; line 3 is blank
    o1, o2, o4 = inv.items
    assert o1.situation == ("You are visiting a museum with a friend. There is a new wing of abstract installations "
                            "that nobody you know has seen.")
    assert o1.question == "What would you like to do?"
    # No question mark at the end: the whole text is the situation and the question is the default.
    assert o2.situation.startswith("Dr. Patel, your neighbour,") and o2.situation.endswith("over the summer.")
    assert o2.question == "What would you do?"
    assert (o4.situation, o4.question) == ("A travel app suggests a random destination for your weekend.",
                                           "Do you follow it?")
    assert {it.scale for it in inv.items} == {"openness"}


def test_import_jsonl_split_skips_abbreviations():
    inv = import_trait(FIXTURES / "Neuroticism.jsonl")
    n2 = inv.item("N2")
    assert n2.situation == "Your talk at a meeting overran and your manager, Mr. Jones, kept checking his watch."
    assert n2.question == "How do you feel the next time you see Mr. Jones?"


@pytest.mark.parametrize(
    ("text", "situation", "question"),
    [
        ("Is this a single question?", "Is this a single question?", "What would you do?"),
        ("You see it. \"Really?\" What now?", "You see it. \"Really?\"", "What now?"),
        ("It rains!  Do you go out?", "It rains!", "Do you go out?"),
        ("It rains. so what?", "It rains. so what?", "What would you do?"),
    ],
)
def test_question_split_cases(tmp_path, text, situation, question):
    rec = {"question": text, "response_high1": "a", "response_high2": "b", "response_low1": "c",
           "response_low2": "d", "personality": "Extraversion"}
    src = tmp_path / "x.jsonl"
    src.write_text(json.dumps(rec) + "\n", encoding="utf-8")
    item = import_trait(src).items[0]
    assert (item.situation, item.question) == (situation, question.strip())


def test_import_folder_round_trips(tmp_path):
    inv = import_trait(FIXTURES, inventory_id="trait-all")
    out = tmp_path / "all.yaml"
    write_inventory_yaml(inv, out)
    loaded = load_inventory(out)
    assert loaded == inv
    assert len(loaded.items) == 6 + 3 + 2
    assert [s.id for s in loaded.scales] == ["openness", "conscientiousness", "extraversion", "agreeableness",
                                             "neuroticism", "machiavellianism", "psychopathy"]
    # Each JSONL line's options arrive as high1, low1, high2, low2.
    line = json.loads((FIXTURES / "Neuroticism.jsonl").read_text(encoding="utf-8").splitlines()[0])
    assert [(o.text, o.high) for o in loaded.item("N1").options] == [
        (line["response_high1"], True), (line["response_low1"], False),
        (line["response_high2"], True), (line["response_low2"], False),
    ]


# Malformed input -------------------------------------------------------------------------------------------------


def _problems(src: Path) -> DataFileError:
    with pytest.raises(DataFileError) as info:
        import_trait(src)
    return info.value


def test_invalid_jsonl_line_names_file_and_line(tmp_path):
    good = (FIXTURES / "Openness.jsonl").read_text(encoding="utf-8").splitlines()[0]
    src = tmp_path / "Openness.jsonl"
    src.write_text(good + "\n" + '{"question": "Broken", ' + "\n" + good + "\n", encoding="utf-8")
    err = _problems(src)
    assert len(err.problems) == 1
    assert str(err).startswith(f"{src}:2: invalid JSON")
    assert err.problems[0].line == 2


def test_invalid_json_array_names_the_line(tmp_path):
    src = tmp_path / "TRAIT.json"
    src.write_text('[\n  {"idx": 0,\n   "personality": "Openness",,\n  }\n]\n', encoding="utf-8")
    err = _problems(src)
    assert str(err).startswith(f"{src}:3: invalid JSON")


def test_missing_field_and_unknown_personality_one_line_each(tmp_path):
    records = _source_json()
    del records[1]["query"]
    records[4]["personality"] = "Honesty-Humility"
    records[5]["response_low2"] = "  "
    src = tmp_path / "TRAIT.json"
    src.write_text(json.dumps(records, indent=2), encoding="utf-8")
    starts = [i + 1 for i, line in enumerate(src.read_text().splitlines()) if line == "  {"]
    err = _problems(src)
    lines = str(err).splitlines()
    assert len(lines) == len(err.problems) == 3
    assert lines[0] == f"{src}:{starts[1]}: missing field 'query'"
    assert lines[1].startswith(f"{src}:{starts[4]}: unknown personality 'Honesty-Humility' (expected one of Openness,")
    assert lines[2].startswith(f"{src}:{starts[5]}: field 'response_low2' must be non-empty text")
    assert [p.field for p in err.problems] == ["query", "personality", "response_low2"]


def test_jsonl_missing_field(tmp_path):
    src = tmp_path / "Psychopathy.jsonl"
    src.write_text(json.dumps({"question": "You see a queue. Do you cut in?", "response_high1": "Yes",
                               "response_low1": "No", "response_low2": "Never", "personality": "psychopathy"})
                   + "\n", encoding="utf-8")
    assert str(_problems(src)) == f"{src}:1: missing field 'response_high2'"


def test_not_a_list_and_not_an_object(tmp_path):
    src = tmp_path / "TRAIT.json"
    src.write_text('{"idx": 0}', encoding="utf-8")
    assert str(_problems(src)) == f"{src}:1: expected a JSON list of TRAIT items (the TRAIT.json shape)"
    jl = tmp_path / "x.jsonl"
    jl.write_text("[1, 2]\n", encoding="utf-8")
    assert str(_problems(jl)) == f"{jl}:1: expected a JSON object for one TRAIT item, got list"


def test_duplicate_ids_across_files(tmp_path):
    shutil.copy(FIXTURES / "Openness.jsonl", tmp_path / "a.jsonl")
    shutil.copy(FIXTURES / "Openness.jsonl", tmp_path / "b.jsonl")
    err = _problems(tmp_path)
    assert len(err.problems) == 3
    assert str(err).splitlines()[0] == f"{tmp_path / 'b.jsonl'}:1: duplicate item id 'O1' (first at {tmp_path / 'a.jsonl'}:1)"


def test_empty_inputs(tmp_path):
    assert "no .json, .jsonl or .ndjson files" in str(_problems(tmp_path))
    empty = tmp_path / "empty.jsonl"
    empty.write_text("\n", encoding="utf-8")
    assert str(_problems(empty)) == f"{empty}: the file is empty"
    (tmp_path / "list.json").write_text("[]", encoding="utf-8")
    assert "no TRAIT items found" in str(_problems(tmp_path / "list.json"))


def test_many_problems_are_capped(tmp_path):
    src = tmp_path / "bad.jsonl"
    src.write_text("not json\n" * 80, encoding="utf-8")
    err = _problems(src)
    assert len(err.problems) == 51
    assert err.problems[-1].message == "… and 30 more problems not shown"


def test_bad_arguments(tmp_path):
    with pytest.raises(ValueError, match="inventory id"):
        import_trait(FIXTURES / "trait_sample.json", inventory_id="Not Valid")
    with pytest.raises(FileNotFoundError):
        import_trait(tmp_path / "missing.json")
