"""Adjective markers for shaping: the sentence that asks a model to take on one of nine levels of a trait.

The markers live in ``inventories/shaping/markers.yaml`` (:class:`MarkerSet`): per trait, pairs of opposite
adjectives (``{low: silent, high: talkative}``), in the spirit of Goldberg's bipolar Big-Five markers and of
the shaping prompts of Serapio-García et al. (2023). They belong to the plan stage because a shaping persona
(``shape/<trait>/<level>``) is rendered into the prompt here, like any persona; :mod:`psychometrics.shape`
re-exports them.

Levels (:data:`LEVELS`) run from 1 (extremely low) to 9 (extremely high):

=====  ==========================================  ===========================================
level  qualifier                                    sentence (extraversion, first two markers)
=====  ==========================================  ===========================================
1      ``low_qualifiers[0]`` (extremely)             I am extremely silent, extremely reserved…
2      ``low_qualifiers[1]`` (very)                  I am very silent, very reserved…
3      ``low_qualifiers[2]`` (none)                  I am silent, reserved…
4      ``low_qualifiers[3]`` (a bit)                 I am a bit silent, a bit reserved…
5      ``neutral`` (neither … nor …)                 I am neither silent nor talkative, …
6–9    ``high_qualifiers`` (a bit, none, very, ext.)  I am a bit talkative, … I am extremely talkative…
=====  ==========================================  ===========================================
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationInfo, model_validator

from psychometrics._paths import data_dir
from psychometrics._record import Record
from psychometrics._yamlfile import report_problems, validate_file

LEVELS: tuple[int, ...] = (1, 2, 3, 4, 5, 6, 7, 8, 9)
"""The nine shaping levels: 1–4 low (extremely, very, plain, a bit), 5 neutral, 6–9 high (a bit … extremely)."""

LEVEL_NAMES: dict[int, str] = {
    1: "extremely low", 2: "very low", 3: "low", 4: "a bit low", 5: "neutral",
    6: "a bit high", 7: "high", 8: "very high", 9: "extremely high",
}

LEVEL_SUBSETS: dict[int, tuple[int, ...]] = {
    2: (1, 9),
    3: (1, 5, 9),
    5: (1, 3, 5, 7, 9),
    9: LEVELS,
}
"""``--levels N``: which of the nine levels a shorter run uses (evenly spaced, always with both extremes)."""


class MarkerPair(Record):
    """Two opposite adjectives of one trait."""

    low: str
    """Describes a low level of the trait (``silent``)."""
    high: str
    """Describes a high level of the trait (``talkative``)."""


class MarkerSet(Record):
    """The shaping markers file (``inventories/shaping/markers.yaml``)."""

    version: Literal[1] = 1
    """Version of this file format."""
    instruction: str
    """The wording around a shaping sentence when no biography is given; contains ``{description}`` once."""
    low_qualifiers: list[str] = Field(min_length=4, max_length=4)
    """Qualifiers of levels 1–4 (``extremely``, ``very``, ``""``, ``a bit``)."""
    high_qualifiers: list[str] = Field(min_length=4, max_length=4)
    """Qualifiers of levels 6–9 (``a bit``, ``""``, ``very``, ``extremely``)."""
    neutral: str
    """Level 5, per pair: a pattern with ``{low}`` and ``{high}`` (``neither {low} nor {high}``)."""
    traits: dict[str, list[MarkerPair]]
    """Trait name (the shared names: ``extraversion``…) → its marker pairs."""

    @model_validator(mode="after")
    def _consistent(self, info: ValidationInfo) -> MarkerSet:
        problems: list[tuple[tuple[str | int, ...], str]] = []
        if self.instruction.count("{description}") != 1:
            problems.append((("instruction",), "the instruction must contain {description} exactly once"))
        if "{low}" not in self.neutral or "{high}" not in self.neutral:
            problems.append((("neutral",), "the neutral pattern must contain {low} and {high}"))
        for trait, pairs in self.traits.items():
            if not pairs:
                problems.append((("traits", trait), f"trait {trait!r} has no marker pairs"))
            words = [w for p in pairs for w in (p.low, p.high)]
            for i, p in enumerate(pairs):
                for side in ("low", "high"):
                    word = getattr(p, side)
                    if not word.strip():
                        problems.append((("traits", trait, i, side), "empty marker"))
                    elif words.count(word) > 1:
                        problems.append((("traits", trait, i, side), f"marker {word!r} appears twice"))
        report_problems(problems, info)
        return self


def markers_path() -> Path:
    return data_dir("inventories") / "shaping" / "markers.yaml"


@cache
def _load(path: Path, mtime_ns: int) -> MarkerSet:
    return validate_file(MarkerSet, path)


def load_markers(path: str | Path | None = None) -> MarkerSet:
    """Load the shaping markers (the shipped file unless ``path`` is given).

    Raises
    ------
    DataFileError
        The file is malformed; one ``file:line: problem`` line per problem.
    """
    p = Path(path) if path is not None else markers_path()
    p = p.resolve()
    return _load(p, p.stat().st_mtime_ns)


def _join(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def level_description(trait: str, level: int, markers: MarkerSet | None = None) -> str:
    """The first-person sentence for ``level`` (1–9) of ``trait``, e.g. ``I am very talkative, very outgoing…``.

    Raises
    ------
    ValueError
        A level outside 1–9 or a trait without markers (the message lists the traits that have them).
    """
    markers = markers or load_markers()
    if trait not in markers.traits:
        raise ValueError(f"no shaping markers for trait {trait!r} (markers exist for: {', '.join(markers.traits)})")
    if isinstance(level, bool) or int(level) != level or not 1 <= level <= 9:
        raise ValueError(f"a shaping level is a whole number 1–9 (got {level!r})")
    pairs = markers.traits[trait]
    if level == 5:
        parts = [markers.neutral.replace("{low}", p.low).replace("{high}", p.high) for p in pairs]
    else:
        q = markers.low_qualifiers[level - 1] if level < 5 else markers.high_qualifiers[level - 6]
        parts = [f"{q} {p.low if level < 5 else p.high}".strip() for p in pairs]
    return f"I am {_join(parts)}."


def resolve_levels(levels: int | list[int] | tuple[int, ...]) -> tuple[int, ...]:
    """``--levels``: a count (2, 3, 5 or 9; see :data:`LEVEL_SUBSETS`) or an explicit list of levels 1–9."""
    if isinstance(levels, int) and not isinstance(levels, bool):
        if levels not in LEVEL_SUBSETS:
            raise ValueError(f"--levels must be one of {', '.join(map(str, LEVEL_SUBSETS))} (got {levels})")
        return LEVEL_SUBSETS[levels]
    out = sorted({int(x) for x in levels})
    if len(out) < 2 or not all(1 <= x <= 9 for x in out):
        raise ValueError(f"levels must be at least two distinct whole numbers in 1–9 (got {list(levels)})")
    return tuple(out)
