"""The rules that read a generated reply, tried in order; the first that decides gives the reading.

A reply is first split into its reasoning and its answer (:func:`split_reasoning`); only the answer is read.
Then the rules below are tried in this order, strongest evidence first. Before rule 3, the steps of
:mod:`psychometrics.administer._parse._reading` set aside what names an option without choosing it (a base model's
run-on into the next item, the option list recited, the scale's anchors restated, negated and eliminated options,
numbers that are not choices).

1. ``empty`` / ``reasoning-only``: nothing to read (a reply that stopped inside its reasoning says so).
2. ``json``: a JSON object with an answer field (``{"response": "C", "explanation": "Unlike option A, …"}``,
   a fenced ```` ```json ```` block, an object after a reasoning paragraph). Its value is read as a short reply by
   rules 3–8; the other fields are the model's explanation and may name any option, so JSON goes first. An answer
   field that names no option is ``refused`` when it or another field holds a refusal or an apology
   (``{"answer": "As an AI, I cannot answer."}``, ``{"answer": null, "reason": "I prefer not to say"}``, a
   "refusal" field), ``invalid`` otherwise. The field named exactly ``answer`` / ``response`` / ``choice`` wins over
   look-alike keys (``{"answer": "B", "answer_2": "D"}`` → B); several JSON answers that name different options
   (``{"answer":"D"}{"answer":"B"}``, a list of answer objects) are ``invalid``, and so is a reply that is only
   JSON with no answer field (``{"explanation": "I am outgoing so E fits"}``: an explanation is no answer).
3. ``two-labels``: the reply opens with two labels (``2 or 3``, ``B/D``, the labels listed ``1 2 3 4 5``), or
   with two conditional answers, each label under its own circumstance (``3 on weekdays, 5 on weekends``, ``2 at
   work, 4 with friends``): ``invalid``.
4. ``label-only``: the whole reply is one label once markdown, brackets, punctuation and a leading ``Answer:`` /
   ``Option`` are removed (``(B)``, ``**4**``, ``ANSWER: **B**``, ``Three.``).
5. ``conclusion``: a committed-answer marker names a label. Final markers (``Final answer: 4``, ``Conclusion:
   (B)``, ``I'm left with B``, ``…, so B.``, ``By elimination: D``, ``if forced: 3``, and the self-corrections
   ``actually``, ``no wait``, ``wait, no``, ``make that``, ``on reflection`` / ``on second thought``, ``I meant``,
   ``scratch that``, ``correction:``, ``after reflection``, ``hmm``, a revision ``from 2 to 4``; and an answer
   marker after a reconsideration such as ``on second thought``, ``wait, let me reconsider``, ``actually``
   (``Answer: 3\n\nOn second thought, the answer is 4.`` → 4)): the LAST one wins, because a reply that reasons first and concludes
   last means its conclusion, and a correction replaces the label before it (``2. Actually, 4.`` → 4, ``B, no
   wait, D.`` → D, ``I said 2 earlier but I meant 4.`` → 4). Without one, answer markers (``The answer is (C)``,
   ``my answer is 4``, ``my best guess is 4``, ``Answer: 4``, ``I choose 2``) must all name the same label
   (``Answer: 4 … Answer: 2`` is a base model writing more items). Before the leading label, because
   ``(A)\\n\\nThe answer is (C).`` means C.
6. ``choice-phrase``: a tentative phrase of choosing names a label (``I would choose 1 because…``, ``I'd rate it
   2``, ``it would be B``); every such phrase must name the same label, and a hedge naming another (``I'd say 4, or
   maybe 2``) makes the reply ``invalid``.
7. ``leading-label``: the first line starts with a label (``B) Agree a little``, ``4 - Disagree a little``).
8. ``option-text`` / ``reordered-text``: the text of exactly one option (``I disagree a little.``), or its words
   in another order when no other option has the same words (``Strongly agree.`` for ``Agree strongly``).
9. ``refusal``: a refusal phrase (``As an AI…``, ``I'm sorry, but I can't…``, ``I don't have opinions``):
   ``refused``. It comes after the rules above, so ``As an AI I have no feelings, but I would choose 3.`` is an
   answer; but the last word counts: a refusal phrase after the answer (``If I were a person, I'd pick 4. As an
   AI, I can't.``) makes the reply ``refused`` under this rule's name, unless the reply turns back after it (``…
   As an AI I have no feelings, but that's my best guess.``). A decline qualified as uncertainty (``I
   cannot say for sure, but D.``, ``I can't answer that for certain, but my best guess is 4``) is no refusal. An
   apology alone is no refusal phrase (see rule 15).
10. ``several-options``: the texts of two or more options: ``invalid``.
11. ``off-scale``: the reply opens with a number that is not a label (``79``, ``6.``, ``100%``, ``-1``): ``invalid``; the
    labels further on in such a reply (a list item ``1.``, ``Q. 2``) are not its answer.
12. ``lone-label``: exactly one label stands alone somewhere in the reply (two or more: ``invalid``).
13. ``recital`` / ``negation``: nothing chosen; the reason says whether the reply recited the option list or
    only negated an option.
14. ``attributed``: the reply names an option only as someone else's answer (``Many people would choose 3``, ``A
    typical person would say 4``, ``One might say 4``; the ``attribution`` step): ``invalid`` with the reason
    "answer attributed to others". The model's own answer beside it is read by the rules above (``Many people would
    choose 3, but I choose 4.`` → 4).
15. ``apology``: an apology or a wish not to answer (``I'm sorry, but…``, ``Sorry,``, ``I apologize``, ``I'd rather
    not say``) and no option chosen: ``refused``. An apology followed by a committed answer is that answer
    (``I'm sorry, but I'd have to say 5.`` → 5, by rule 6), so this comes last among the readings.
16. ``no-answer``: nothing names an option.
17. ``cut-list-start``: a reply cut at the token budget (``finish_reason`` ``length``) that is the first option's
    label followed by that option's text (or its start) and nothing else (``1. Agree strongly`` at ``max_tokens``
    4) is where a recited option list starts as much as an answer: ``invalid``, stored with the budget as its
    reason. The same reply not cut is read by rule 7; a cut reply with a committed marker (``Answer: 4 because…``,
    ``{"answer": 4, "why": "…``) is read as usual.

Checks inside the rules: a label with another option's text glued to it (``4 (Agree a little)`` where 4 is
"Disagree a little"; ``Agree a little (4)``) is ``invalid`` in rules 5–8 — the model contradicts itself; two labels
named by one marker (``I choose option 2 or 3``) are ``invalid``; a lower-case letter counts as a label only after
a word that names it (``option c``) or standing alone, so ``it would be a good idea`` chooses nothing.

After any rule but ``json`` reads an answer, a hedge naming a second option after it (``4, or maybe 2``, ``The
answer is 4, or possibly 2``, ``My answer is 4 but it could be 2``, ``I'd choose 4, though 3 is also possible``)
makes the reply ``invalid`` under that rule's name, unless a final marker follows the hedge. A hedge naming only
one option (``I'm not sure, probably 2``) is an answer.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass

from psychometrics.administer._parse._phrases import (
    AFTER_MARKER,
    APOLOGY,
    ANSWER_MARKERS,
    ANSWER_PREFIX,
    CHOICE_PHRASES,
    FINAL_MARKERS,
    JSON_ANSWER_KEYS,
    REFUSAL,
    RECONSIDER,
    SO_TAIL,
    TAIL,
    UNCERTAIN,
)
from psychometrics.administer._parse._reading import Reading, read
from psychometrics.administer._parse._reasoning import split_reasoning
from psychometrics.administer._parse._record import ParsedAnswer, ParseRule, ParseStatus
from psychometrics.administer._parse._text import NUMBER_WORDS, Labels, clean, mask, negated, option_matches
from psychometrics.plan import Cell

@dataclass(frozen=True)
class Verdict:
    """What a rule decided: an option (index in shown order), a refusal, or invalid with a reason."""

    status: str
    index: int | None = None
    reason: str | None = None
    rule: ParseRule | None = None
    """Set when the rule that decided is not the one that ran (``reordered-text`` inside ``option-text``)."""


Rule = Callable[[Reading], "Verdict | None"]


def _ok(index: int) -> Verdict:
    return Verdict("ok", index)


def _invalid(reason: str) -> Verdict:
    return Verdict("invalid", reason=reason)


def _word_token(lab: Labels) -> str:
    """Labels, and for digit labels also their number words (``four``), as one capturing group."""
    if not lab.digits:
        return lab.token
    words = [w for w, d in NUMBER_WORDS.items() if d in lab.labels]
    alternation = "|".join(re.escape(x) for x in sorted(lab.labels + words, key=len, reverse=True))
    return rf"(?<![\w.,])({alternation})(?!\w|[.,]\d)"


def _find(lab: Labels, label: str) -> int | None:
    return lab.find(NUMBER_WORDS.get(label.lower(), label))


def _article(lab: Labels, text: str, m: re.Match, group: int) -> bool:
    """A letter label that is the article "a"/"A" before a word, or a lower-case letter not named as a label."""
    if lab.digits:
        return False
    label = m.group(group)
    after = text[m.end(group):m.end(group) + 2]
    return (label in ("A", "a") and bool(re.match(r" [a-z]", after))) or label.islower()


def _gloss_conflict(r: Reading, index: int, pos: int) -> Verdict | None:
    """The sentence around ``pos`` names other options' texts but not the chosen one's."""
    starts = [m.end() for m in re.finditer(r"\n|[.!?](?=\s)", r.free[:pos])]
    start = starts[-1] if starts else 0
    end_m = re.search(r"\n|[.!?](?=\s|$)", r.free[pos:])
    end = pos + end_m.start() if end_m else len(r.free)
    named = list(dict.fromkeys(m.option for m in option_matches(r.free[start:end], r.lab.texts)))
    if named and index not in named:
        return _invalid(f"label {r.lab.labels[index]} is {r.lab.texts[index]!r} but the reply says "
                        f"{r.lab.texts[named[0]]!r}")
    return None


def _markers(r: Reading, patterns: list[str]) -> list[tuple[int, Verdict]]:
    """Every label named by one of ``patterns``: (position, verdict), in order of position."""
    lab, tok = r.lab, _word_token(r.lab)
    flags = re.IGNORECASE
    found: list[tuple[int, Verdict]] = []
    body = r"(?:" + "|".join(patterns) + r")" + AFTER_MARKER.format(tok=tok)
    for m in re.finditer(body, r.listed, flags):
        keyword, first, second = m.group(1), m.group(2), m.group(3)
        if not lab.digits:
            ends = re.match(r"[)\]\"']?\s*(?:[.!?]|$)", r.listed[m.end(2):], re.MULTILINE)
            if first.islower() and keyword is None and not ends:
                continue  # "it would be a good idea"; "the answer is b." still counts
            if first in ("A", "a") and re.match(r" [a-z]", r.listed[m.end(2):m.end(2) + 2]):
                continue
        if r.inside(m.start(2), "not-a-choice", "negation", "elimination", "attribution", "question"):
            continue
        i = _find(lab, first)
        named = second is not None and (lab.digits or second.isupper() or (first.islower() and second != "a"))
        j = _find(lab, second) if named else None  # "option c or d" names two, as "option C or D" does
        if i is None:
            continue
        if j is not None and j != i:
            found.append((m.start(2), _invalid(f"names more than one option: {lab.describe([i, j])}")))
        else:
            found.append((m.start(2), _gloss_conflict(r, i, m.start(2)) or _ok(i)))
    return found


_HEDGE = (r"(?:,|;|\bor|\bbut|\bthough|\balthough)\s*(?:or\s+)?(?:maybe|perhaps|possibly|probably)\s+(?:a\s+)?{tok}"
          r"|\b(?:it|that|this|the answer)\s+(?:could|might|may)\s+(?:also\s+)?(?:well\s+)?be\s+(?:a\s+)?{tok}"
          r"|{tok}\s+(?:is|would be|could be|might be|seems)\s+(?:also\s+|equally\s+)?"
          r"(?:possible|plausible|an option|valid)")  # not "5 is likely too much": that weighs 5, not hedges


def _hedged(r: Reading, v: Verdict) -> Verdict | None:
    """A hedge naming a second option after the answer (``4, or maybe 2``, ``The answer is 4, or possibly 2``, ``I'd
    choose 4, though 3 is also possible``) makes the reply ``invalid``; a final marker after the hedge
    (``…, or maybe 2. Final answer: 2``) still decides."""
    hedge = re.compile(_HEDGE.format(tok=r.lab.token), re.IGNORECASE)  # a lower-case letter counts as an article
    finals = [p for p, _ in _markers(r, FINAL_MARKERS)]
    for m in hedge.finditer(r.free):
        group = next(k for k in range(1, (m.lastindex or 0) + 1) if m.group(k) is not None)
        j = r.lab.find(m.group(group))
        if j is None or _article(r.lab, r.free, m, group) or any(p > m.start() for p in finals):
            continue
        before = [r.lab.find(x.group(1)) for x in re.finditer(r.lab.token, r.free[:m.start(group)])
                  if not _article(r.lab, r.free, x, 1)]
        other = next((i for i in [v.index, *before] if i is not None and i != j), None)
        if other is not None and (other in before or v.index != j):
            return _invalid(f"names more than one option: {r.lab.describe([other, j])} "
                            f"(a hedge: {m.group(0).strip(' ,;')!r})")
    return None


def _answer_key(obj: dict) -> tuple[str | None, dict[str, object]]:
    """The answer field of a JSON object (its key made lower-case, letters and digits only, so ``answer_2`` is no
    ``answer``) and all its fields so keyed; the first key written wins where two are keyed the same."""
    fields: dict[str, object] = {}
    for k, v in obj.items():
        fields.setdefault(re.sub(r"[^a-z0-9]", "", str(k).lower()), v)
    return next((k for k in JSON_ANSWER_KEYS if k in fields), None), fields


def _json_found(raw: str) -> tuple[list[dict], bool, bool]:
    """Every JSON object in ``raw`` (nested ones too), whether a JSON list holds several answer objects, and
    whether ``raw`` holds anything but JSON (and code fences)."""
    decoder = json.JSONDecoder()
    objects: list[dict] = []
    spans: list[tuple[int, int]] = []
    listed = False

    def walk(value: object) -> None:
        if isinstance(value, dict):
            objects.append(value)
            value = list(value.values())
        if isinstance(value, list):
            for item in value:
                walk(item)

    for m in re.finditer(r"[{\[]", raw):
        if any(a <= m.start() < b for a, b in spans):
            continue
        try:
            value, end = decoder.raw_decode(raw[m.start():])
        except ValueError:
            continue
        before = len(objects)
        walk(value)
        if len(objects) > before:
            spans.append((m.start(), m.start() + end))
        if isinstance(value, list):
            listed = listed or sum(isinstance(v, dict) and _answer_key(v)[0] is not None for v in value) > 1
    outside = mask(raw, spans)
    outside = re.sub(r"```(?:json)?", "", outside, flags=re.IGNORECASE).strip()
    return objects, listed, bool(outside)


def rule_json(r: Reading) -> Verdict | None:
    """A JSON object with an answer field; its value read as a short reply by the rules up to ``refusal``. The field
    named exactly ``answer``, ``response``, ``choice``… wins over look-alike keys (``answer_2``); a list of one value
    is that value (``{"answer": [4]}``). Several JSON answers naming different options (``{"answer":"D"}{"answer":
    "B"}``, a list of answer objects) are ``invalid``; a reply that is only JSON without an answer field (``{"
    explanation": "…so E fits"}``) is ``invalid``: an explanation is no answer. A field that holds no option but a
    refusal (``{"answer": "As an AI, I cannot answer."}``), or an empty answer beside a refusal (``{"answer": null,
    "reason": "I prefer not to say"}``, ``{"refusal": "…"}``), is ``refused``."""
    objects, listed, outside = _json_found(r.answer)
    if not objects:
        return None
    if listed:
        return _invalid("names more than one option: a JSON list of several answers")
    verdicts: list[Verdict] = []
    for obj in objects:
        key, fields = _answer_key(obj)
        if key is None:
            if isinstance(fields.get("refusal"), str) and str(fields["refusal"]).strip():
                verdicts.append(Verdict("refused", reason=f"refusal: JSON field 'refusal' holds "
                                                          f"{str(fields['refusal'])[:40]!r}"))
            continue
        if not isinstance(fields[key], dict):  # a nested object with the answer is read on its own
            verdicts.append(_json_answer(r, key, fields))
    if not verdicts:
        return None if outside else _invalid("a JSON reply without an answer field: its fields explain, they do "
                                             "not answer")
    picks = list(dict.fromkeys(v.index for v in verdicts if v.status == "ok" and v.index is not None))
    if len(picks) > 1:
        return _invalid(f"names more than one option: several JSON answers ({r.lab.describe(picks)})")
    return next((v for v in verdicts if v.status == "ok"), verdicts[-1])


def _json_answer(r: Reading, key: str, fields: dict[str, object]) -> Verdict:
    """The verdict on one JSON object's answer field."""
    value = fields[key]
    if isinstance(value, list) and len(value) == 1:
        value = value[0]
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, (str, int, float)) and not isinstance(value, bool) and str(value).strip():
        short = read(str(value), r.lab)
        for _, rule in RULES[1:RULES.index(("refusal", rule_refusal))]:
            v = rule(short)
            if v is not None:
                return v
    declined = _json_refusal(key, value, fields)
    if declined is not None:
        return declined
    shown = repr(value) if not isinstance(value, str) else repr(value[:40])
    return _invalid(f"JSON field {key!r} holds {shown}, not an option")


def _json_refusal(key: str, value: object, fields: dict[str, object]) -> Verdict | None:
    """A refusal in the answer field that names no option, or beside it in another field (``"reason"``)."""
    texts = [value] + [v for k, v in fields.items() if k != key]
    for text in texts:
        if isinstance(text, str) and (m := _decline(clean(text)) or APOLOGY.search(clean(text))):
            return Verdict("refused", reason=f"refusal in the JSON reply: {m.group(0).strip()!r}")
    return None


_CONDITION = r"\s+(?:on|at|in|with|when|around|during|for|if|among|alone)\b"
"""A circumstance after a label: two labels each under its own (``3 on weekdays, 5 on weekends``) are two answers."""


def rule_two_labels(r: Reading) -> Verdict | None:
    """The reply opens with two labels (``2 or 3``, ``B/D``), or with two labels each under its own circumstance
    (``3 on weekdays, 5 on weekends``, ``2 at work, 4 with friends``)."""
    lab = r.lab
    # a separator word or sign, or bare space between two labels (``1 2 3 4 5``: the labels listed, not chosen)
    pair = re.match(ANSWER_PREFIX + r"[(\[]?" + lab.token + r"[)\]]?(?:\s*(?:or|and|/|,|-|to|&)\s*|\s+)[(\[]?"
                    + lab.token + r"(?![A-Za-z0-9])", r.first_line, flags=re.IGNORECASE)
    if not pair:
        pair = re.match(r"^\W*" + lab.token + _CONDITION + r"[^,;\n]*[,;]\s*(?:and\s+|but\s+|or\s+)?" + lab.token
                        + _CONDITION, r.first_line, flags=re.IGNORECASE)  # "3 on weekdays, 5 on weekends"
    if not pair or r.inside(r.listed.find(r.first_line) + pair.start(1), "elimination", "negation"):
        return None
    if lab.find(pair.group(1)) != lab.find(pair.group(2)) and (lab.digits or pair.group(2).isupper()):
        return _invalid(f"names more than one option: {pair.group(1)}, {pair.group(2)}")
    return None


def _negative(r: Reading) -> bool:
    """The reply opens with a negative number (``-1``): not the label 1 (rule ``off-scale`` says so)."""
    return r.lab.digits and bool(re.match(r"^[^\w-]*-\d", r.listed))


def rule_label_only(r: Reading) -> Verdict | None:
    """The whole reply is one label (``(B)``, ``**4**``, ``Answer: 2``, ``Three.``)."""
    if _negative(r):
        return None
    core = re.sub(ANSWER_PREFIX, "", r.listed.strip(), flags=re.IGNORECASE)
    core = core.strip().strip("()[]{}<>\"'.,:;!-= ").strip()
    i = _find(r.lab, core) if r.lab.digits else r.lab.find(core)
    return None if i is None else _ok(i)


def rule_conclusion(r: Reading) -> Verdict | None:
    """Committed-answer markers. A final one (``Final answer:``, ``Conclusion:``, ``I'm left with``, ``…, so B.``):
    the last wins. Otherwise answer markers (``The answer is``, ``my answer is``, ``Answer:``, ``I choose``): they
    must agree — a base model that writes ``Answer: 4 … Answer: 2`` is writing more items, not concluding."""
    final = _markers(r, FINAL_MARKERS)
    tail = re.compile(SO_TAIL + TAIL.format(tok=_word_token(r.lab)), re.IGNORECASE | re.MULTILINE)
    for m in tail.finditer(r.listed):
        i = _find(r.lab, m.group(1))
        if i is not None and not _article(r.lab, r.listed, m, 1) and not r.inside(m.start(1), "not-a-choice",
                                                                                     "attribution", "question"):
            final.append((m.start(1), _gloss_conflict(r, i, m.start(1)) or _ok(i)))
    answers = _markers(r, ANSWER_MARKERS)
    turns = [m.end() for m in RECONSIDER.finditer(r.listed)]
    if turns:  # "Answer: 3 … On second thought, the answer is 4": an answer after a reconsideration is final
        final += [(p, v) for p, v in answers if p > turns[0]]
    if final:
        return max(final, key=lambda f: f[0])[1]
    return _agreeing([v for _, v in answers], r.lab)


def _agreeing(found: list[Verdict], lab: Labels) -> Verdict | None:
    """The one option every marker names; invalid when they name several or one of them is invalid."""
    if not found:
        return None
    invalid = [v for v in found if v.status != "ok"]
    if invalid:
        return invalid[0]
    picks = list(dict.fromkeys(v.index for v in found if v.index is not None))
    if len(picks) > 1:
        return _invalid(f"names more than one option: {lab.describe(picks)}")
    return found[0]


def rule_choice_phrase(r: Reading) -> Verdict | None:
    """Tentative phrases of choosing; they must all name the same label."""
    return _agreeing([v for _, v in _markers(r, CHOICE_PHRASES)], r.lab)


def rule_leading_label(r: Reading) -> Verdict | None:
    """The first line starts with a label; the rest of the line must not name another option's text."""
    lab, line = r.lab, r.first_line
    if _negative(r):
        return None
    m = re.match(ANSWER_PREFIX + r"[(\[]?" + lab.token + r"(.*)$", line, flags=re.IGNORECASE)
    if not m:
        return None
    label, rest = m.group(1), m.group(2)
    if not lab.digits:
        sep = rest[:1]
        if sep == " " and label.isupper():
            if label == "A" and rest.lstrip()[:1].islower():  # "A good friend…" is an article
                return None
        elif sep not in ("", ")", "]", ".", ":", ",", "-", "="):
            return None
    i = lab.find(label)
    offset = r.listed.find(line) + m.start(1)
    if i is None or r.inside(offset, "negation", "elimination", "not-a-choice", "attribution", "question"):
        return None
    if r.inside(offset, "anchors") and re.search(lab.token, r.free):
        return None  # "1 = Disagree strongly … 5 = Agree strongly: 4" restates the scale before answering
    named = [t.option for t in option_matches(rest, lab.texts) if not negated(rest, t.start)]
    if not named:
        named = _opening_words(rest, lab)
    if named and i not in named:
        return _invalid(f"label {lab.labels[i]} is {lab.texts[i]!r} but the reply says {lab.texts[named[0]]!r}")
    said = _stance(rest)
    if said is not None and said[0] * _polarity(lab.texts[i]) < 0:
        return _invalid(f"label {lab.labels[i]} is {lab.texts[i]!r} but the reply says {said[1]!r}")
    return _ok(i)


_STANCE = re.compile(r"^[\s.:;,)\]\-=]*(?:i\s+)?(?:(?:really|strongly|totally|completely|somewhat|fully|do)\s+)?"
                     r"(?:(do not|don't|dont|do n't)\s+(?:really\s+)?)?(dis)?agree\b", re.IGNORECASE)


def _stance(rest: str) -> tuple[int, str] | None:
    """The agreement the words right after a label state (``I agree`` +1, ``I disagree``/``I don't agree`` −1)."""
    m = _STANCE.match(rest)
    if not m:
        return None
    sign = (-1 if m.group(2) else 1) * (-1 if m.group(1) else 1)
    return sign, m.group(0).strip(" .:;,)]-=")


def _polarity(text: str) -> int:
    """+1 for an option that agrees, −1 for one that disagrees, 0 for the middle or a scale without agreement."""
    low = text.lower()
    if "neither" in low or "agree" not in low:
        return 0
    return -1 if re.search(r"\bdisagree", low) else 1


def _opening_words(rest: str, lab: Labels) -> list[int]:
    """The option whose text ``rest`` begins with, word for word for at least four words, when no other option's
    text starts the same way: a long option quoted with a spelling or an ending of its own (``…something I
    recognize`` for ``…something I recognise.``)."""
    words = re.findall(r"[a-z0-9']+", rest.lower())
    shared = []
    for text in lab.texts:
        option = re.findall(r"[a-z0-9']+", text.lower())
        n = next((k for k, (a, b) in enumerate(zip(words, option)) if a != b), min(len(words), len(option)))
        shared.append(n)
    best = max(shared, default=0)
    if best < 4 or shared.count(best) > 1:
        return []
    return [shared.index(best)]


def _texts(r: Reading) -> list[int]:
    return list(dict.fromkeys(m.option for m in option_matches(r.free, r.lab.texts)))


def rule_option_text(r: Reading) -> Verdict | None:
    """The text of exactly one option, in its own or another word order; a different label glued to it is a
    contradiction."""
    lab = r.lab
    matches = option_matches(r.free, lab.texts)
    options = list(dict.fromkeys(m.option for m in matches))
    if len(options) != 1:
        return None
    i = options[0]
    for m in matches:
        after = re.match(r"\s*(?:[(\[]\s*|[-=:]\s*)" + lab.token + r"\s*[)\]]?", r.free[m.end:])
        before = re.search(r"(?<![\w])[(\[]?" + lab.token + r"\s*[.)\]:=-]\s*[\"']?$",
                           r.free[max(0, m.start - 8):m.start])
        for glued in (after, before):
            j = lab.find(glued.group(1)) if glued else None
            if j is not None and j != i:
                return _invalid(f"label {lab.labels[j]} is {lab.texts[j]!r} but the reply says {lab.texts[i]!r}")
    if all(m.reordered for m in matches):
        return Verdict("ok", i, rule="reordered-text")
    return _ok(i)


def refusal(text: str) -> str | None:
    """Why a free reply (an interview answer) is a refusal (``refusal: 'As an AI'``), or None when it is not: it
    holds a refusal phrase or an apology (it has no options to name)."""
    m = _decline(clean(text)) or APOLOGY.search(clean(text))
    return f"refusal: {m.group(0)!r}" if m else None


def _decline(text: str, pos: int = 0) -> re.Match | None:
    """The first refusal phrase in ``text`` from ``pos`` that is not a hedge (``I can't say for sure``)."""
    return next((m for m in REFUSAL.finditer(text, pos) if not UNCERTAIN.match(text, m.end())), None)


def rule_refusal(r: Reading) -> Verdict | None:
    """A refusal phrase, unless its clause says only that the answer is uncertain."""
    m = _decline(r.text)
    return Verdict("refused", reason=f"refusal: {m.group(0)!r}") if m else None


def rule_several_options(r: Reading) -> Verdict | None:
    """The texts of two or more options."""
    options = _texts(r)
    return _invalid(f"names more than one option: {r.lab.describe(options)}") if len(options) > 1 else None


def rule_off_scale(r: Reading) -> Verdict | None:
    """The reply opens with a number that is not a label (``79``, ``6.``, ``100%``): it answered off the scale, and
    labels further on (``Q. 2``, a list item ``1.``) are not its answer."""
    if not r.lab.digits:
        return None
    m = re.match(r"^[^\w-]*(-?\d+)(?![\d/])", r.text)
    if m and r.lab.find(m.group(1)) is None:
        return _invalid(f"opens with {m.group(1)}, which is not an option")
    return None


def rule_lone_label(r: Reading) -> Verdict | None:
    """Labels standing alone anywhere: exactly one is the answer, two or more are ``invalid``."""
    found: list[int] = []
    for m in re.finditer(r.lab.token, r.free):
        if _article(r.lab, r.free, m, 1):
            continue
        i = r.lab.find(m.group(1))
        if i is not None and i not in found:
            found.append(i)
    if len(found) == 1:
        return _ok(found[0])
    if found:
        return _invalid(f"names more than one option: {r.lab.describe(found)}")
    return None


def rule_recital(r: Reading) -> Verdict | None:
    """The reply recites the option list and chooses none."""
    return _invalid("recites the option list without choosing an option") if r.recited else None


def rule_negation(r: Reading) -> Verdict | None:
    """The reply only negates options."""
    if not r.negated_options:
        return None
    named = ", ".join(repr(r.lab.texts[i]) for i in dict.fromkeys(r.negated_options))
    return _invalid(f"says it does not choose {named} and names no option it does choose")


def rule_attributed(r: Reading) -> Verdict | None:
    """The reply names an option only as someone else's answer (``Many people would choose 3``)."""
    if not r.attributed:
        return None
    return _invalid(f"answer attributed to others, not the model's own: {r.attributed[0][:60]!r}")


def rule_apology(r: Reading) -> Verdict | None:
    """An apology or a wish not to answer, and no option chosen (``I'm sorry, but I don't understand``)."""
    m = APOLOGY.search(r.text)
    return Verdict("refused", reason=f"refusal: an apology without an answer ({m.group(0).strip()!r})") if m else None


def rule_no_answer(r: Reading) -> Verdict:
    """Nothing in the reply names an option."""
    snippet = r.text if len(r.text) <= 60 else r.text[:57] + "…"
    return _invalid(f"no option label or option text found in {snippet!r}")


RULES: list[tuple[ParseRule, Rule]] = [
    ("json", rule_json), ("two-labels", rule_two_labels), ("label-only", rule_label_only),
    ("conclusion", rule_conclusion), ("choice-phrase", rule_choice_phrase), ("leading-label", rule_leading_label),
    ("option-text", rule_option_text), ("refusal", rule_refusal), ("several-options", rule_several_options),
    ("off-scale", rule_off_scale), ("lone-label", rule_lone_label), ("recital", rule_recital),
    ("negation", rule_negation), ("attributed", rule_attributed), ("apology", rule_apology),
    ("no-answer", rule_no_answer),
]
"""The rules in the order they are tried (``empty`` and ``reasoning-only`` are decided before any of them)."""


_TURN = re.compile(r"\b(?:but|however|though|although|still|that said|anyway|nonetheless|nevertheless|so)\b",
                   re.IGNORECASE)


_MORE = re.compile(r"\s*(?:\w+\s+){0,2}?(?:more|further|additional|details?|explanations?|context|reasons?|"
                   r"elaborate)\b", re.IGNORECASE)


def _refused_after(r: Reading, v: Verdict) -> Verdict | None:
    """A refusal phrase after the last place the reply names its answer: the last word refuses (``If I were a
    person, I'd pick 4. As an AI, I can't.``)."""
    if v.index is None:
        return None
    ends = [m.end(1) for m in re.finditer(_word_token(r.lab), r.free, re.IGNORECASE if r.lab.digits else 0)
            if _find(r.lab, m.group(1)) == v.index]
    ends += [m.end for m in option_matches(r.free, r.lab.texts) if m.option == v.index]
    if not ends:
        return None
    m = _decline(r.text, max(ends))
    if m is None or _TURN.search(r.text, m.end()):
        return None  # "… As an AI I have no feelings, but that's my best guess": the disclaimer turns back
    if _MORE.match(r.text, m.end()):
        return None  # "4. I can't provide more detail": it declines to explain, not to answer
    return Verdict("refused", reason=f"refusal after the answer: {m.group(0)!r}", rule="refusal")


def _list_start(r: Reading, v: Verdict) -> bool:
    """The reply is the first option's label and that option's text (or its start) and nothing else: the start of a
    recited option list as much as an answer (``1. Agree strongly`` cut at ``max_tokens`` 4)."""
    if v.index != 0 or v.status != "ok":
        return False
    m = re.match(r"^[(\[]?" + r.lab.token + r"[.):\]]?\s*[-=:]?\s*(.*)$", r.listed.strip(),
                 re.DOTALL | (re.IGNORECASE if r.lab.digits else 0))
    if not m or r.lab.find(m.group(1)) != 0:
        return False
    rest = m.group(2).strip().strip("()[]").rstrip(".…").strip().lower()
    own = r.lab.texts[0].lower().rstrip(".")
    return bool(rest) and own.startswith(rest)


def parse_answer(text: str | None, cell: Cell, *, finish_reason: str | None = None) -> ParsedAnswer:
    """Read a generated reply as an answer to ``cell``, by the rules of this module in their order.

    Parameters
    ----------
    text
        The model's reply, verbatim (reasoning blocks included; they are split off and returned apart).
    cell
        The cell asked: its ``labels``, ``label_values`` and ``option_texts`` (all in shown order).
    finish_reason
        Why the reply ended, as the provider says (``"length"``: the token budget cut it). A cut reply that is only
        the first option's label and text is no answer (rule ``cut-list-start``).

    Returns
    -------
    ParsedAnswer
        ``ok`` with the original value and the label chosen; ``refused`` when the model declined; ``invalid`` with
        the reason otherwise. Always with the rule that decided, what was set aside, the raw text and the reasoning.

    Examples
    --------
    A likert cell shown in reversed order: label ``2`` stands for the original value 4.

    >>> from psychometrics.plan import Cell
    >>> texts = ["Agree strongly", "Agree a little", "Neutral", "Disagree a little", "Disagree strongly"]
    >>> cell = Cell(cell_id="x", inventory="i", item="e1", scale="s", template="t", order="reversed", sample=0,
    ...             prompt="…", labels=["1", "2", "3", "4", "5"], label_values=[5, 4, 3, 2, 1], option_texts=texts)
    >>> parse_answer("**2**", cell).value
    4
    >>> got = parse_answer("I disagree a little.", cell)
    >>> got.value, got.rule
    (2, 'option-text')
    >>> reply = "<think>Not a talker.</think>\\n1. Agree strongly\\n2. Agree a little\\nMy answer is 4, I am quiet."
    >>> got = parse_answer(reply, cell)
    >>> got.value, got.rule, got.set_aside, got.reasoning
    (2, 'conclusion', ('recital',), 'Not a talker.')
    >>> parse_answer("I do not agree strongly.", cell).rule
    'negation'
    """
    raw = text or ""
    answer, reasoning = split_reasoning(raw)
    lab = Labels(cell)
    r = read(answer, lab)
    if not r.text:  # nothing, or nothing but markdown and invisible characters
        rule: ParseRule = "empty" if reasoning is None else "reasoning-only"
        reason = "empty reply" if reasoning is None else "no answer after the reasoning"
        return ParsedAnswer(status="invalid", rule=rule, reason=reason, raw_text=raw, reasoning=reasoning)
    for name, try_rule in RULES:
        v = try_rule(r)
        if v is None:
            continue
        if v.status == "ok" and name != "json":
            v = _hedged(r, v) or _refused_after(r, v) or v
        if finish_reason == "length" and name in ("leading-label", "option-text") and _list_start(r, v):
            v = Verdict("invalid", reason="stopped at the token budget after the first option's label and text, "
                        "where a recited option list starts", rule="cut-list-start")
        aside = tuple(r.set_aside) if name != "json" else ()
        if v.status == "ok" and v.index is not None:
            return ParsedAnswer(status="ok", value=lab.values[v.index], label=lab.labels[v.index],
                                rule=v.rule or name, set_aside=aside, raw_text=raw, reasoning=reasoning)
        status: ParseStatus = "refused" if v.status == "refused" else "invalid"
        return ParsedAnswer(status=status, reason=v.reason, rule=v.rule or name, set_aside=aside, raw_text=raw,
                            reasoning=reasoning)
    raise AssertionError("rule_no_answer always decides")  # pragma: no cover
