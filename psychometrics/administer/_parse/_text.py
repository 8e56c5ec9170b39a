"""The words of a reply and of a cell's options: cleaning, labels as patterns, option texts found in a reply."""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass

from psychometrics.plan import Cell

NUMBER_WORDS = {
    "one": "1", "two": "2", "three": "3", "four": "4", "five": "5", "six": "6", "seven": "7", "eight": "8",
    "nine": "9", "ten": "10", "eleven": "11",
}

NEGATION = re.compile(
    r"\b(?:not|never|no longer|hardly|rather than|instead of|other than|unlike|except|n't|cannot|nor)\b|n't\b",
    re.IGNORECASE)
"""Words that, in the same clause just before an option, say the reply does not choose it."""

CLAUSE_BREAK = re.compile(r"[,.;:!?()\n]|\b(?:but|so|and|therefore|because|although|though|yet)\b", re.IGNORECASE)


class Labels:
    """The labels of one cell as regular expressions, with their values and option texts (all in shown order)."""

    def __init__(self, cell: Cell):
        self.labels = list(cell.labels)
        self.values = list(cell.label_values)
        self.texts = list(cell.option_texts)
        self.digits = all(lab.isdigit() for lab in self.labels)
        alternation = "|".join(re.escape(lab) for lab in sorted(self.labels, key=len, reverse=True))
        if self.digits:
            # a label digit that is not part of a longer number or a decimal
            self.bare = rf"(?<![\d.,])(?:{alternation})(?!\d|[.,]\d)"
        else:
            self.bare = rf"(?<![A-Za-z0-9])(?:{alternation})(?![A-Za-z0-9])"
        self.token = self.bare.replace("(?:", "(", 1)
        """A label as one capturing group; ``bare`` is the same without the group."""
        self.index = {lab.lower(): i for i, lab in enumerate(self.labels)}

    def find(self, label: str) -> int | None:
        return self.index.get(label.lower())

    def describe(self, indices: Sequence[int]) -> str:
        return ", ".join(self.labels[i] for i in indices)


def clean(text: str) -> str:
    """Typographic quotes and dashes made plain; zero-width characters, simple HTML tags, markdown headings, bold,
    italics and code marks removed."""
    text = text.replace("\u2019", "'").replace("\u2018", "'").replace("\u201c", '"').replace("\u201d", '"')
    text = text.replace("\u2013", "-").replace("\u2014", "-").replace("\u2581", " ").replace("\u2026", "...")
    text = re.sub(r"[\u200b\u200c\u200d\u2060\ufeff]", "", text)  # zero-width characters
    text = re.sub(r"</?(?:b|i|em|strong|u|p|br|span|div)\s*/?>", "", text, flags=re.IGNORECASE)  # simple HTML
    text = re.sub(r"^#+\s*", "", text, flags=re.MULTILINE)
    text = text.replace("*", "").replace("__", "").replace("`", "")
    text = re.sub(r"[ \t]+", " ", text)
    return text.strip()


def words_to_digits(text: str) -> str:
    return re.sub(r"\b(" + "|".join(NUMBER_WORDS) + r")\b", lambda m: NUMBER_WORDS[m.group(1).lower()], text,
                  flags=re.IGNORECASE)


def fractions(text: str, top: str) -> str:
    """``4/5``, ``4 out of 5``, ``4 stars out of 5``, ``4 out of 5 stars`` → ``4`` when the denominator is ``top``,
    the scale's highest label; ``3/4`` on a 1–5 scale names two options and is left as it is."""
    return re.sub(r"(?<![\d.])(\d+)\s*(?:stars?\s*)?(?:/|out of)\s*" + re.escape(top) + r"(?!\d)(?:\s*stars?\b)?",
                  r"\1", text, flags=re.IGNORECASE)


def mask(text: str, spans: Sequence[tuple[int, int]]) -> str:
    """``text`` with every span blanked out (same length, so positions still hold)."""
    chars = list(text)
    for start, end in spans:
        for k in range(start, end):
            if chars[k] != "\n":
                chars[k] = " "
    return "".join(chars)


def _needle(text: str) -> str:
    return re.sub(r"\s+", " ", text.lower()).strip().rstrip(".!?")


@dataclass(frozen=True)
class TextMatch:
    """An option's text found in a reply."""

    start: int
    end: int
    option: int
    reordered: bool = False
    """The option's words in another order (``Strongly agree`` for ``Agree strongly``)."""


def _reorderings(texts: Sequence[str]) -> list[tuple[str, int]]:
    """Every other order of the words of each option of 2–4 words, when no other option has the same words."""
    words = [tuple(_needle(t).split()) for t in texts]
    out: list[tuple[str, int]] = []
    for i, w in enumerate(words):
        if not 2 <= len(w) <= 4 or any(sorted(w) == sorted(v) for j, v in enumerate(words) if j != i):
            continue
        for perm in dict.fromkeys(itertools.permutations(w)):
            if perm != w:
                out.append((" ".join(perm), i))
    return out


def option_matches(text: str, texts: Sequence[str], *, reordered: bool = True) -> list[TextMatch]:
    """The option texts in ``text`` (whole words, case-insensitive), longest first so that ``Disagree a little`` is
    not also read as ``Agree a little``; with ``reordered``, also each option's words in another order."""
    low = text.lower()
    found: list[TextMatch] = []
    needles = [(_needle(t), i, False) for i, t in enumerate(texts)]
    if reordered:
        needles += [(n, i, True) for n, i in _reorderings(texts)]
    for needle, i, moved in needles:
        if not needle:
            continue
        pattern = r"\s+".join(re.escape(w) for w in needle.split(" "))
        for m in re.finditer(rf"(?<![a-z0-9]){pattern}(?![a-z0-9])", low):
            found.append(TextMatch(m.start(), m.end(), i, moved))
    kept: list[TextMatch] = []
    for f in sorted(found, key=lambda f: (f.start - f.end, f.reordered)):  # longest first, plain order first
        if all(f.end <= k.start or f.start >= k.end for k in kept):
            kept.append(f)
    return sorted(kept, key=lambda f: f.start)


def negated(text: str, start: int) -> bool:
    """Whether a negation stands in the same clause, within four words, before position ``start``."""
    before = text[max(0, start - 60):start]
    breaks = list(CLAUSE_BREAK.finditer(before))
    if breaks:
        before = before[breaks[-1].end():]
    window = " ".join(before.split()[-4:])
    return bool(NEGATION.search(window))
