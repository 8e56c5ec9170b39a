"""Shaping markers: the shipped file, the nine level sentences, and loud failures."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from psychometrics._yamlfile import DataFileError
from psychometrics.shape import LEVEL_SUBSETS, LEVELS, level_description, load_markers, resolve_levels

TRAITS = ("openness", "conscientiousness", "extraversion", "agreeableness", "neuroticism", "machiavellianism",
          "narcissism", "psychopathy")


def test_markers_cover_every_shared_trait() -> None:
    m = load_markers()
    assert m.version == 1
    assert set(TRAITS) <= set(m.traits)
    for trait in TRAITS:
        assert len(m.traits[trait]) >= 5
    assert m.low_qualifiers == ["extremely", "very", "", "a bit"]
    assert m.high_qualifiers == ["a bit", "", "very", "extremely"]


def test_level_sentences_extraversion() -> None:
    pairs = load_markers().traits["extraversion"]
    assert level_description("extraversion", 1).startswith("I am extremely silent, extremely reserved,")
    assert level_description("extraversion", 2).startswith("I am very silent, very reserved,")
    assert level_description("extraversion", 3).startswith("I am silent, reserved,")
    assert level_description("extraversion", 4).startswith("I am a bit silent, a bit reserved,")
    assert level_description("extraversion", 5).startswith("I am neither silent nor talkative, neither reserved nor")
    assert level_description("extraversion", 6).startswith("I am a bit talkative, a bit outgoing,")
    assert level_description("extraversion", 7).startswith("I am talkative, outgoing,")
    assert level_description("extraversion", 8).startswith("I am very talkative, very outgoing,")
    nine = level_description("extraversion", 9)
    assert nine.startswith("I am extremely talkative, extremely outgoing,") and nine.endswith(".")
    assert f" and extremely {pairs[-1].high}." in nine
    assert "  " not in level_description("extraversion", 3)
    for level in LEVELS:  # every marker of the level's pole appears
        text = level_description("psychopathy", level)
        words = [p.low if level < 5 else p.high for p in load_markers().traits["psychopathy"]]
        if level == 5:
            words = [w for p in load_markers().traits["psychopathy"] for w in (p.low, p.high)]
        assert all(re.search(rf"\b{re.escape(w)}\b", text) for w in words), (level, text)


def test_bad_levels_and_traits() -> None:
    with pytest.raises(ValueError, match="no shaping markers for trait 'charm'"):
        level_description("charm", 3)
    for bad in (0, 10, 2.5, True):
        with pytest.raises(ValueError, match="1–9"):
            level_description("extraversion", bad)  # type: ignore[arg-type]


def test_resolve_levels() -> None:
    assert resolve_levels(9) == LEVELS
    assert resolve_levels(5) == (1, 3, 5, 7, 9) and resolve_levels(3) == (1, 5, 9) and resolve_levels(2) == (1, 9)
    assert resolve_levels([9, 1, 5, 5]) == (1, 5, 9)
    assert set(LEVEL_SUBSETS) == {2, 3, 5, 9}
    with pytest.raises(ValueError, match="--levels must be one of"):
        resolve_levels(4)
    with pytest.raises(ValueError, match="at least two"):
        resolve_levels([3])


def test_bad_markers_file_has_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "markers.yaml"
    path.write_text(
        "version: 1\n"
        "instruction: 'no placeholder here'\n"
        "low_qualifiers: [extremely, very, '', a bit]\n"
        "high_qualifiers: [a bit, '', very, extremely]\n"
        "neutral: 'neither {low} nor {high}'\n"
        "traits:\n"
        "  extraversion:\n"
        "    - {low: silent, high: talkative}\n"
        "    - {low: silent, high: loud, colour: red}\n",
        encoding="utf-8",
    )
    with pytest.raises(DataFileError) as exc:
        load_markers(path)
    lines = str(exc.value).splitlines()
    assert any(line.startswith(f"{path}:9:") and "unknown field 'colour'" in line for line in lines), lines
