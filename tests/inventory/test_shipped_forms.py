"""The shipped parallel forms map one to one onto their originals, and each says its items in other words.

The mapping is checked here item by item, independently of the validator, so that a regression in the validator
cannot let a broken shipped form through. Word overlap between a paraphrase and its original is measured as the
Jaccard overlap of content words per item (function words removed, a plural ``s`` stripped); the figures are in
the assertion messages.
"""

from __future__ import annotations

import re
import statistics

import pytest

from psychometrics.inventory import ScenarioItem, list_inventories, load_inventory

FORMS = {
    # form id: (original id, relation, language)
    "ipip50-paraphrase": ("ipip50", "paraphrase", "en"),
    "trait-scenarios-paraphrase": ("trait-scenarios", "paraphrase", "en"),
    "ipip50-de": ("ipip50", "translation", "de"),
}

FUNCTION_WORDS = set("""
a an the and or but if of to in on at by for with from as into onto over under about after before than then so
that this these those it its i me my myself you your we our us they them their he him his she her is am are was
were be been being do does did doing have has had having will would can could should shall may might must not no
nor just only very too also what which who whom whose where when why how there here all any each every some one
more most other another such own same up down out off again once
""".split())


def content_words(text: str) -> set[str]:
    """Lower-cased words of ``text`` without function words and contractions, a plural ``s`` stripped."""
    out = set()
    for word in re.findall(r"[a-z]+(?:'[a-z]+)?", text.lower()):
        if word in FUNCTION_WORDS or "'" in word or len(word) < 2:
            continue
        out.add(word[:-1] if word.endswith("s") and not word.endswith("ss") and len(word) > 3 else word)
    return out


def jaccard(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a | b else 1.0


def texts(item) -> list[str]:
    """Every text of an item a respondent reads."""
    if isinstance(item, ScenarioItem):
        return [item.situation, item.question, *(o.text for o in item.options)]
    return [item.text]


def overlaps(form_id: str) -> dict[str, float]:
    """Item id → Jaccard overlap of the content words of the form's item and of its original item."""
    form = load_inventory(form_id)
    original = form.original()
    return {
        it.id: jaccard(content_words(" ".join(texts(it))), content_words(" ".join(texts(original.item(target)))))
        for it, target in ((it, form.parallel_items()[it.id]) for it in form.items)
    }


@pytest.mark.parametrize("form_id", FORMS)
def test_form_declares_its_original(form_id):
    form = load_inventory(form_id)
    original_id, relation, language = FORMS[form_id]
    assert (form.parallel_to, form.original_id, form.relation, form.language) == (
        original_id, original_id, relation, language)
    assert form.original().id == original_id


@pytest.mark.parametrize("form_id", FORMS)
def test_form_maps_one_to_one_onto_the_same_scales_and_keys(form_id):
    form = load_inventory(form_id)
    original = load_inventory(FORMS[form_id][0])
    mapping = form.parallel_items()
    assert sorted(mapping.values()) == sorted(it.id for it in original.items)  # onto, and no item twice
    assert len(mapping) == len(form.items) == len(original.items)
    # the shipped forms keep the original's item numbers and order (matching must still go through the mapping)
    assert list(mapping.items()) == [(it.id, it.id) for it in original.items]
    assert [(s.id, s.trait) for s in form.scales] == [(s.id, s.trait) for s in original.scales]
    assert (form.kind, form.scoring, form.values) == (original.kind, original.scoring, original.values)
    for item in form.items:
        match = original.item(mapping[item.id])
        assert item.scale == match.scale, item.id
        if isinstance(item, ScenarioItem):
            assert [o.high for o in item.options] == [o.high for o in match.options], item.id
            assert len(item.options) == len(match.options) == 4
        else:
            assert item.reverse == match.reverse, item.id


@pytest.mark.parametrize("form_id", FORMS)
def test_no_text_is_left_as_in_the_original(form_id):
    form = load_inventory(form_id)
    original = form.original()
    for item in form.items:
        mine, theirs = texts(item), texts(original.item(form.parallel_items()[item.id]))
        same = [a for a, b in zip(mine, theirs) if a.strip().lower() == b.strip().lower()]
        assert not same, (item.id, same)


@pytest.mark.parametrize(("form_id", "median_ceiling", "max_ceiling"), [
    # IPIP items are 2-8 words: one shared content word already gives an overlap of .2-.5
    ("ipip50-paraphrase", 0.05, 0.25),
    # a scenario names the things it is about (a laptop, cheese at customs): some nouns must stay
    ("trait-scenarios-paraphrase", 0.20, 0.35),
])
def test_a_paraphrase_shares_few_content_words_with_its_original(form_id, median_ceiling, max_ceiling):
    values = overlaps(form_id)
    median, worst = statistics.median(values.values()), max(values.values())
    worst_item = max(values, key=values.__getitem__)
    summary = f"{form_id}: median Jaccard {median:.3f}, mean {statistics.mean(values.values()):.3f}, " \
              f"max {worst:.3f} (item {worst_item})"
    assert median <= median_ceiling, summary
    assert worst <= max_ceiling, summary


def test_the_overlap_measure_sees_copied_and_reworded_text():
    # so that the ceilings above can fail: a copy scores 1, a rewording of one IPIP item scores 0
    assert jaccard(content_words("Am the life of the party."), content_words("Am the life of the party.")) == 1.0
    assert jaccard(content_words("Am the life of the party."),
                   content_words("Bring energy and fun to every get-together.")) == 0.0
    assert content_words("Often forget to put things back in their proper place.") == {
        "often", "forget", "put", "thing", "back", "proper", "place"}


def test_the_translation_is_german_throughout():
    form, original = load_inventory("ipip50-de"), load_inventory("ipip50")
    first_person = re.compile(r"\b(ich|mich|mir|mein|meine|meinen|meiner)\b", re.IGNORECASE)
    for item in form.items:
        assert first_person.search(item.text), item.id  # every item speaks in the first person, in German
        assert not content_words(item.text) & content_words(original.item(item.id).text) - {"party", "detail"}, item.id
    assert [o.label for o in form.response_options] != [o.label for o in original.response_options]
    assert not {o.label for o in form.response_options} & {o.label for o in original.response_options}
    assert form.instructions.startswith("Im Folgenden") and "Sie" in form.instructions
    assert "not validated" in form.name and "not validated" in form.citation


def test_the_forms_say_how_they_were_made():
    for form_id in FORMS:
        form = load_inventory(form_id)
        assert "psychometrics project" in form.citation and form.license
    assert "MIT" in load_inventory("trait-scenarios-paraphrase").license
    assert "Public domain" in load_inventory("ipip50-paraphrase").license
    assert "Public domain" in load_inventory("ipip50-de").license


def test_only_the_forms_are_forms():
    shipped = {inv.id: inv for inv in list_inventories()}
    assert FORMS.keys() <= shipped.keys()
    assert {i for i, inv in shipped.items() if inv.parallel_to is not None} == set(FORMS)
    for inv in shipped.values():
        assert inv.language is not None  # every shipped inventory says its language


def test_readme_lists_every_shipped_inventory():
    from pathlib import Path

    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    table = readme[readme.index("## Instruments"):].split("\n\n")[1]
    listed = re.findall(r"^\| `([a-z0-9_-]+)` \|", table, flags=re.MULTILINE)
    assert sorted(listed) == sorted(inv.id for inv in list_inventories())
