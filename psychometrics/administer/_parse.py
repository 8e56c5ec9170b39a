"""Turn what a model said into an answer on the item's original scale.

Two ways in:

* :func:`parse_answer` reads a generated reply ("3", "B) Agree a little", "I would choose option C because…",
  "As an AI, I don't have feelings…") and returns a :class:`ParsedAnswer` with status ``ok``, ``refused`` or
  ``invalid``.
* :func:`probs_from_top_logprobs` reads the top log-probabilities of the first answer token and returns the
  probability of every option, keyed by the original value.

Both map the shown label back through ``cell.label_values``, so the value is on the item's original scale
whatever option order the cell used.

How a reply is read, strongest evidence first
---------------------------------------------
1. The whole reply is a label once markdown, brackets, punctuation and a leading ``Answer:`` / ``Option`` are
   removed (``"(B)"``, ``"**4**"``, ``"Answer: 2"``, ``"Three."``).
2. The first line starts with a label (``"B) Agree a little"``, ``"4 - Agree a little"``, ``"3\\nStatement: …"``
   from a base model running on). Text after the label on that line must not name a *different* option.
3. A phrase of choosing names a label (``"I would choose option C because…"``, ``"my answer is 4"``,
   ``"I'd rate it 2 out of 5"``). Option texts quoted elsewhere must not all point at a different option.
4. The reply contains the text of exactly one option (case-insensitive, whole words, longest match first, so
   ``"Disagree a little"`` is not also read as ``"Agree a little"``).
5. Exactly one label stands alone somewhere in the reply.

Two different options named at the same level (``"2 or 3"``) make the reply ``invalid`` with a reason. A reply
with a refusal phrase (``"As an AI…"``, ``"I'm sorry, but I can't…"``) is ``refused`` unless it still gives a
clear answer by rules 1–4, e.g. ``"As an AI I have no feelings, but I would choose 3."`` counts as ``ok``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import Literal

from pydantic import BaseModel, ConfigDict

from psychometrics.plan import Cell

ParseStatus = Literal["ok", "refused", "invalid"]


class ParsedAnswer(BaseModel):
    """What a reply means for one cell."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    status: ParseStatus
    """``ok``: an answer; ``refused``: the model declined; ``invalid``: neither, see ``reason``."""
    value: int | None = None
    """The chosen option's original value (scenario: original option number 1–4); None unless ``ok``."""
    label: str | None = None
    """The label the reply chose, as shown in the prompt; None unless ``ok``."""
    reason: str | None = None
    """Why the reply is refused or invalid, in words; None when ``ok``."""


_NUMBER_WORDS = {
    "one": "1", "two": "2", "three": "3", "four": "4", "five": "5", "six": "6", "seven": "7", "eight": "8",
    "nine": "9", "ten": "10", "eleven": "11",
}

_REFUSALS = [
    r"\bas an? (?:ai|artificial intelligence)\b",
    r"\bas an? (?:large )?language model\b",
    r"\bas an? (?:ai )?(?:assistant|chatbot|llm)\b",
    r"\bi(?:'m| am) (?:just |only |merely )?(?:an? )?(?:ai|artificial intelligence|language model|large language model|chatbot|llm)\b",
    r"\bi (?:do not|don't|dont|cannot|can't|can not) (?:have|possess|hold|experience) (?:any )?(?:personal |real |human )?"
    r"(?:feelings|opinions|preferences|emotions|beliefs|experiences|personality|traits|views|a personality|a body)",
    r"\bi (?:do not|don't|dont) have personal\b",
    r"\bi(?:'m| am) (?:not able|unable|not comfortable|not in a position) to\b",
    r"\bi (?:cannot|can't|can not|won't|will not|must decline to|decline to|refuse to) "
    r"(?:answer|respond|provide|choose|pick|select|rate|complete|participate|give|share|express|say|comply|"
    r"help|assist|do (?:that|this)|take|fill|answer that|make)",
    r"\bi must (?:decline|refrain)\b",
    r"\b(?:i'm|i am) sorry,? but\b",
    r"\b(?:does not|doesn't) apply to (?:me|an ai)\b",
    r"\bnot (?:capable of|able to) (?:having|have|feel|feeling|hold)\b",
]
_REFUSAL_RE = re.compile("|".join(f"(?:{p})" for p in _REFUSALS), re.IGNORECASE)

_CHOICE_VERBS = (
    r"(?:choose|chose|choosing|pick|picked|picking|select|selected|selecting|go with|going with|went with|opt for|"
    r"answer is|answer would be|answer will be|answer:|response is|response would be|response:|choice is|"
    r"choice would be|choice:|i'd say|i would say|i'll say|i will say|i say|rate (?:it|myself|this|that)?\s*(?:as|at|a)?|"
    r"rating is|rating:|would be|i'd go for|go for|answer with|respond with|reply with)"
)


class _Labels:
    """The labels of one cell, as regular expressions."""

    def __init__(self, cell: Cell):
        self.labels = list(cell.labels)
        self.values = list(cell.label_values)
        self.texts = list(cell.option_texts)
        self.digits = all(lab.isdigit() for lab in self.labels)
        alternation = "|".join(re.escape(lab) for lab in sorted(self.labels, key=len, reverse=True))
        if self.digits:
            # a label digit that is not part of a longer number, a decimal or a range like 1-5 / 1 to 5
            self.token = rf"(?<![\d.,])({alternation})(?!\d|[.,]\d)"
        else:
            self.token = rf"(?<![A-Za-z0-9])({alternation})(?![A-Za-z0-9])"
        self.index = {lab.lower(): i for i, lab in enumerate(self.labels)}

    def find(self, label: str) -> int | None:
        return self.index.get(label.lower())


def _clean(text: str) -> str:
    text = text.replace("\u2019", "'").replace("\u2018", "'").replace("\u201c", '"').replace("\u201d", '"')
    text = text.replace("\u2013", "-").replace("\u2014", "-").replace("\u2581", " ")
    text = re.sub(r"^#+\s*", "", text, flags=re.MULTILINE)  # markdown headings
    text = text.replace("*", "").replace("__", "").replace("`", "")  # bold, italics, code
    text = re.sub(r"[ \t]+", " ", text)
    return text.strip()


def _words_to_digits(text: str) -> str:
    return re.sub(r"\b(" + "|".join(_NUMBER_WORDS) + r")\b", lambda m: _NUMBER_WORDS[m.group(1).lower()], text,
                  flags=re.IGNORECASE)


def _fractions(text: str) -> str:
    """``4/5``, ``4 out of 5`` → ``4``."""
    return re.sub(r"(?<![\d.])(\d+)\s*(?:/|out of)\s*\d+", r"\1", text, flags=re.IGNORECASE)


def _option_matches(text: str, texts: Sequence[str]) -> list[int]:
    """Indices of the options whose text occurs in ``text``: whole words, case-insensitive, longest first."""
    low = re.sub(r"\s+", " ", text.lower())
    found: list[tuple[int, int, int]] = []  # (start, end, option index)
    for i, t in enumerate(texts):
        needle = re.sub(r"\s+", " ", t.lower()).strip().rstrip(".!?")
        if not needle:
            continue
        for m in re.finditer(rf"(?<![a-z0-9]){re.escape(needle)}(?![a-z0-9])", low):
            found.append((m.start(), m.end(), i))
    kept: list[tuple[int, int, int]] = []
    for start, end, i in sorted(found, key=lambda f: f[0] - f[1]):  # longest first
        if all(end <= s or start >= e for s, e, _ in kept):
            kept.append((start, end, i))
    return list(dict.fromkeys(i for _, _, i in sorted(kept)))


def _result(lab: _Labels, index: int) -> ParsedAnswer:
    return ParsedAnswer(status="ok", value=lab.values[index], label=lab.labels[index])


def _invalid(reason: str) -> ParsedAnswer:
    return ParsedAnswer(status="invalid", reason=reason)


def _describe(lab: _Labels, indices: Sequence[int]) -> str:
    return ", ".join(lab.labels[i] for i in indices)


_PREFIX = r"^\W*(?:(?:my |the |final )?(?:answer|option|choice|response|rating)(?: is)?\s*[:\-=]?\s*)?"


def _whole(lab: _Labels, text: str) -> int | None:
    """Rule 1: the whole reply is one label."""
    core = re.sub(_PREFIX, "", text, flags=re.IGNORECASE)
    core = core.strip().strip("()[]{}<>\"'.,:;!-= ").strip()
    return lab.find(core)


def _leading(lab: _Labels, first_line: str) -> tuple[int | None, str]:
    """Rule 2: the first line starts with a label; return it and the rest of the line."""
    m = re.match(_PREFIX + r"[(\[]?" + lab.token + r"(.*)$", first_line, flags=re.IGNORECASE)
    if not m:
        return None, ""
    label, rest = m.group(1), m.group(2)
    if lab.digits:
        return lab.find(label), rest
    sep = rest[:1]
    if sep in ("", ")", "]", ".", ":", ",", "-", "="):
        return lab.find(label), rest
    if sep == " " and label.isupper():
        nxt = rest.lstrip()[:1]
        # "A good friend…" is an article, not a label; "B because…" names option B.
        if label == "A" and nxt.islower():
            return None, ""
        return lab.find(label), rest
    return None, ""


def _chosen(lab: _Labels, text: str) -> tuple[list[int], bool]:
    """Rule 3: labels named by a phrase of choosing; the flag says a second label followed with "or"/"and".

    A lower-case letter counts only after a word that names it (``option c``): ``it would be a good idea`` does
    not choose A.
    """
    pattern = (r"\b" + _CHOICE_VERBS + r"\s*(option|number|answer|choice|letter|point)?\s*[:#]?\s*[(\[\"']?"
               + lab.token + r"(?:[)\]\"']?\s*(?:or|and|/|-)\s*(?:option\s*)?[(\[]?" + lab.token + r")?")
    picks: list[int] = []
    two = False
    for m in re.finditer(pattern, text, flags=re.IGNORECASE):
        keyword, first, second = m.group(1), m.group(2), m.group(3)
        if not lab.digits and not first.isupper() and keyword is None:
            continue
        i = lab.find(first)
        if i is not None and i not in picks:
            picks.append(i)
        if second is not None and (lab.digits or second.isupper()):
            j = lab.find(second)
            if j is not None and j != i:
                two = True
                if j not in picks:
                    picks.append(j)
    return picks, two


def _loose(lab: _Labels, text: str) -> list[int]:
    """Rule 5: labels standing alone anywhere (letters must be capitals; "A" followed by a word is an article)."""
    found: list[int] = []
    for m in re.finditer(lab.token, text):
        label = m.group(1)
        if not lab.digits:
            after = text[m.end():m.end() + 2]
            if label == "A" and re.match(r" [a-z]", after):
                continue
        i = lab.find(label)
        if i is not None and i not in found:
            found.append(i)
    return found


def parse_answer(text: str | None, cell: Cell) -> ParsedAnswer:
    """Read a generated reply as an answer to ``cell``.

    Parameters
    ----------
    text
        The model's reply, verbatim.
    cell
        The cell asked: its ``labels``, ``label_values`` and ``option_texts`` (all in shown order).

    Returns
    -------
    ParsedAnswer
        ``ok`` with the original value and the label chosen; ``refused`` when the model declined; ``invalid`` with
        the reason otherwise (empty, no option found, two options named, label and text disagreeing).

    Examples
    --------
    A likert cell shown in reversed order: label ``2`` stands for the original value 4.

    >>> from psychometrics.plan import Cell
    >>> texts = ["Agree strongly", "Agree a little", "Neutral", "Disagree a little", "Disagree strongly"]
    >>> cell = Cell(cell_id="x", inventory="i", item="e1", scale="s", template="t", order="reversed", sample=0,
    ...             prompt="…", labels=["1", "2", "3", "4", "5"], label_values=[5, 4, 3, 2, 1], option_texts=texts)
    >>> parse_answer("**2**", cell).value
    4
    >>> parse_answer("I disagree a little.", cell).value
    2
    >>> parse_answer("2 or 3", cell).status
    'invalid'
    """
    if text is None or not text.strip():
        return _invalid("empty reply")
    lab = _Labels(cell)
    clean = _clean(text)
    if not clean:
        return _invalid("empty reply")
    numeric = _fractions(_words_to_digits(clean)) if lab.digits else clean
    first_line = numeric.split("\n", 1)[0].strip()
    refusal = _REFUSAL_RE.search(clean)
    texts_all = _option_matches(clean, lab.texts)

    # Rule 0: a reply that opens by naming two labels ("2 or 3", "B/C").
    pair = re.match(_PREFIX + r"[(\[]?" + lab.token + r"[)\]]?\s*(?:or|and|/|,|-|to|&)\s*[(\[]?" + lab.token
                    + r"(?![A-Za-z0-9])", first_line, flags=re.IGNORECASE)
    if pair and lab.find(pair.group(1)) != lab.find(pair.group(2)) and (lab.digits or pair.group(2).isupper()):
        return _invalid(f"names more than one option: {pair.group(1)}, {pair.group(2)}")

    # Rule 1: the whole reply is a label.
    i = _whole(lab, numeric)
    if i is not None:
        return _result(lab, i)

    # Rule 2: the first line starts with a label.
    i, rest = _leading(lab, first_line)
    if i is not None:
        named = _option_matches(rest, lab.texts)
        if named and i not in named:
            return _invalid(f"label {lab.labels[i]} is {lab.texts[i]!r} but the reply says "
                            f"{lab.texts[named[0]]!r}")
        return _result(lab, i)

    # Rule 3: a phrase of choosing names a label.
    picks, two = _chosen(lab, numeric)
    if two or len(picks) > 1:
        return _invalid(f"names more than one option: {_describe(lab, picks)}")
    if picks:
        i = picks[0]
        if texts_all and i not in texts_all:
            return _invalid(f"label {lab.labels[i]} is {lab.texts[i]!r} but the reply says "
                            f"{lab.texts[texts_all[0]]!r}")
        return _result(lab, i)

    # Rule 4: the text of exactly one option.
    if len(texts_all) == 1:
        return _result(lab, texts_all[0])
    if refusal:
        return ParsedAnswer(status="refused", reason=f"refusal: {refusal.group(0)!r}")
    if len(texts_all) > 1:
        return _invalid(f"names more than one option: {_describe(lab, texts_all)}")

    # Rule 5: exactly one label standing alone.
    loose = _loose(lab, _fractions(clean) if lab.digits else clean)
    if len(loose) == 1:
        return _result(lab, loose[0])
    if len(loose) > 1:
        return _invalid(f"names more than one option: {_describe(lab, loose)}")
    snippet = clean if len(clean) <= 60 else clean[:57] + "…"
    return _invalid(f"no option label or option text found in {snippet!r}")


# Log-probabilities -----------------------------------------------------------------------------------------


def normalise_token(token: str) -> str:
    """A token as a label candidate: whitespace, a leading ``(`` / ``[`` / ``**`` and a trailing ``)`` / ``]`` /
    ``.`` / ``:`` / ``**`` removed (``" 3"``, ``"(B"``, ``"**4"`` and ``"3."`` give ``3``, ``B``, ``4``, ``3``).
    Case is kept: a lower-case ``a`` is more often the article than the label ``A``."""
    t = token.replace("\u2581", " ").strip()
    while True:
        before = t
        t = t.removeprefix("**").removeprefix("(").removeprefix("[").strip()
        t = t.removesuffix("**").removesuffix(")").removesuffix("]").removesuffix(".").removesuffix(":").strip()
        if t == before:
            return t


def probs_from_top_logprobs(
    top: Sequence[tuple[str, float]], cell: Cell
) -> tuple[dict[int, float] | None, float | None, float]:
    """Probabilities of the options from the top log-probabilities of the first answer token.

    Parameters
    ----------
    top
        ``(token, log-probability)`` pairs (natural log), as a provider returns for the first generated token.
    cell
        The cell asked.

    Returns
    -------
    option_probs : dict[int, float] or None
        The probability of every option keyed by its ORIGINAL value (scenario: original option number),
        renormalised over the labels; options whose label is absent get 0.0. None when no label appears.
    expected_value : float or None
        :math:`\\sum_v v \\, p(v)` for likert and bipolar items. None for scenario items — their values are option
        numbers, not points on a continuum — and when no label appears.
    mass_outside : float
        :math:`1 - \\sum p(\\text{label tokens})` before renormalising: the probability the model put on anything
        else (1.0 when no label appears). Tokens beyond the top list count as outside.

    Notes
    -----
    Tokens are normalised with :func:`normalise_token`; the probabilities of tokens that normalise to the same
    label (``" 3"`` and ``"3"``) are summed. A scenario cell is recognised by its letter labels.
    """
    lab = _Labels(cell)
    mass = [0.0] * len(lab.labels)
    exact = {label: i for i, label in enumerate(lab.labels)}
    for token, logprob in top:
        if logprob is None or math.isnan(logprob):
            continue
        i = exact.get(normalise_token(token))
        if i is not None:
            mass[i] += math.exp(min(float(logprob), 0.0))
    total = sum(mass)
    if total <= 0.0:
        return None, None, 1.0
    outside = min(1.0, max(0.0, 1.0 - total))
    probs: dict[int, float] = {}
    for i, m in enumerate(mass):
        probs[lab.values[i]] = probs.get(lab.values[i], 0.0) + m / total
    probs = dict(sorted(probs.items()))
    expected = None if not lab.digits else sum(v * p for v, p in probs.items())
    return probs, expected, outside
