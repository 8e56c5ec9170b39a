"""A reply prepared for the rules: cleaned, cut where a base model runs on, and what is not an answer set aside.

Each step below finds spans of the reply that look like options but are not the reply's choice; the rules read the
reply with those spans blanked out. They run in this order, and each is named in
:attr:`~psychometrics.administer._parse.ParsedAnswer.set_aside` when it set something aside.

``recital``
    A list, found first, in the whole reply:

    * numbered lines: two or more lines in a row (blank lines between allowed) that open with consecutive labels,
      whatever follows on the line: the option list recited (``1. Agree strongly\\n2. Agree a little\\n3.
      Neither…``, garbled or not), a base model numbering copies of the statement (``1. I see myself as…\\n2. I
      see myself as…``) or counting (``1.\\nAnswer: 2.\\nAnswer: 3.``);
    * on one line: consecutive labels with nothing but option texts and punctuation between, two or more with an
      option text (``1. Very Accurate (2) Moderately Accurate (3) …``, ``1. Disagree strongly (2)``) or three or
      more without (``1. 2. 3. 4. 5. 6.``).

    A list names label after label, so none of them is a choice; a commitment after it still counts.
``run-on``
    A base model that opened with a label and went on writing the questionnaire (``3\\nStatement: I see myself
    as…\\nAnswer: 2``, ``B)\\n— Reply with the letter only.\\nAnswer: (C)``): everything from the first later
    line that opens with ``Statement:``, ``Question:``, ``Q.``/``Q1:``, ``Situation:``, ``Options:``, ``Item:``,
    ``Answer:`` or ``— Reply`` is cut; the imagined next item's ``Answer: 2`` is not this item's answer. Only a
    reply that opens with a label is cut, so a chat reply that reasons first and ends ``Answer: 4`` keeps it; and
    an ``Answer:`` line after lines that each open with a label followed by words (the option list recited, its
    two anchors ``1: Disagree strongly\n5: Agree strongly``, numbered steps ``1. Consider the statement.``, one
    option line ``1. Disagree strongly``) is no run-on but the committed answer after a list (``…\n\nAnswer: 4``
    → 4) when it is the reply's last line and holds only a label and a bracketed gloss (``Answer: 4 (Agree a
    little)``); a base model going on item after item (``B) Block.\nAnswer: (B) Block.\nAnswer: (C) Cut.``,
    ``D) Go, and…\nAnswer: (C) Join them for…``) and a bare first label (``4\n\nQuestion: …\nAnswer: 2``, ``B)\nAnswer: (C)``) is still cut.
``anchors``
    The scale's two ends restated with their own text (``where 1 = Disagree strongly and 5 = Agree strongly``,
    ``Agree strongly (5)``): set aside only when both ends are restated, each with the text its label has in this
    cell. One label with its own text is the answer's gloss (``4 (Disagree a little)``) and stays.
``negation``
    An option text with a negation in the same clause within four words before it (``I do not agree strongly``,
    ``I wouldn't say I strongly agree``, ``rather than Agree a little``); a label after ``not``, ``never``,
    ``n't``, ``rather than``, ``instead of``, ``other than`` or ``except``, a few words of choosing allowed between
    (``B, not C``, ``I would not choose 5``, ``Definitely not a 5``, ``I don't think 5 applies``), with every label
    of a list after it (``Not 1 or 2``, ``I'd never pick A or B``, ``not 1, 2 or 3``: none is chosen); and a label
    followed by its rejection (``5 doesn't describe me``, ``5? No.``) or, in a checklist, by ``: no``, ``: maybe``
    or a cross (``1: no, 2: no, 3: no, 4: yes, 5: no``, ``A ❌ B ❌ C ❌ D ✅ E ❌``: the one label left is read).
``elimination``
    Labels ruled out: after ``ruled out``, ``ruling out``, ``eliminate``, ``excluding``, ``discard`` (``Ruled out:
    (A), (C), (D)``, ``After ruling out A, C and D``), or before ``is/are ruled out``, ``eliminated``, ``wrong``,
    ``incorrect``, ``out``, ``don't fit`` (``Options 1, 2 and 3 don't fit``); and two or more labels left after an
    elimination (``That leaves B and E``, ``leaves B, C, D``), which narrow the choice but make none. ``By
    elimination: D`` eliminates nothing (it is a committed marker).
``attribution``
    An answer given as someone else's, from who gives it to the end of the clause: a choosing verb (say, choose,
    pick, answer, rate, select, argue for, suggest, go with) or ``X's answer is`` whose subject is anyone but the
    model — not ``I``/``me``/``my``/``mine`` (``You might choose 2``, ``My friends would say 5``, ``He would say
    5``, ``Humans usually choose 3``, ``Your answer is probably 4``, ``Users often say I'm a 5``, ``Experts suggest
    3``; ``my gut says 4``, ``my best guess is 4`` are the model's own), and as before ``Many people would choose 3``,
    ``A typical person would say 4``, ``Others might say 5``, ``One might say 4``, ``Someone who loves parties would
    pick A``, ``The most common answer is 3``, ``3 is what most people would say``. The clause ends at the end of
    the sentence or at a colon, at a turn (``but``, ``while``, ``whereas``, ``though``, ``however``), at ``, and``
    / ``, so`` or at a comma before the model speaks for itself (``, I'd say 4``), so ``Many people would choose 3,
    but I choose 4`` still chooses 4. Kept when the model joins in (``…, and so would I``, ``…, me too``); ``Like
    most people, I'd choose 3`` is no attribution (the model is the one who chooses).
``not-a-choice``
    Digit labels only: numbers that measure or count rather than choose (``a perfect 3-point scale``, ``3
    times``, ``2 of them``, ``5%``, ``3rd``, ``statement 3``), a number followed by a counted noun, an adjective
    allowed between (``I see 2 sides``, ``I have 3 kids``, ``There are 5 possible answers``, ``Here are 3
    thoughts``, ``5 reasons why``; not ``4 answers this best``), and the scale's range (``1-5``, ``1 to 5``). A rating in stars is a choice
    (``4 stars``, ``4 stars out of 5`` and ``4 out of 5 stars`` → 4). A number after a verb of having or being
    there, followed by a word, counts whatever that word is (``I have 4 cousins``, ``There are 3 of us``, ``I've
    got 2 dogs``; not ``I have 4.``).
``question``
    A label inside a question that asks about it (``Is it 4?``, ``Could it be B?``, ``Should I say 3?``, ``What
    about 5?``, to the question mark): asking is not answering, so ``Is it 4?`` alone is ``invalid``, while ``Is it
    4? Yes, 4.`` is 4. A hedge is not a question (``Maybe 4?`` → 4, as ``Maybe 4.``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from psychometrics.administer._parse._phrases import ATTRIBUTED_LABEL, ATTRIBUTION, ENDORSED
from psychometrics.administer._parse._record import SetAside
from psychometrics.administer._parse._text import Labels, TextMatch, clean, fractions, mask, negated, option_matches

_RUN_ON = re.compile(r"\n\s*(?:(?:Statement|Question|Q|Situation|Options|Item|Answer)\s*\d*\s*[:.]|[-—]+\s*Reply\b)",
                     re.IGNORECASE)
_LINE_ITEM = r"^[ \t]*(?:(?:answer|option)\s*:?\s*)?(?:[-*•]\s*)?[(\[]?{tok}(?:[.)\]:]|[ \t]*[-=][ \t]|[ \t]*$)"
_GAP = re.compile(r"^[\s.,;:()\[\]\-\"'/|…]*$")
_UNITS = (r"(?:(?:possible|different|main|key|good|other|more|distinct|separate|small|young|little|big|great|"
          r"important|major|minor|close|best|quick|short|simple|clear)\s+)?"
          r"(?:points?|times?|years?|months?|weeks?|days?|nights?|hours?|minutes?|people|persons?|friends?|ways?|"
          r"things?|items?|questions?|statements?|options?|choices?|steps?|words?|sentences?|percent|dimensions?|"
          r"traits?|factors?|categories|category|levels?|scales?|kinds?|types?|sides?|kids?|children|child|sons?|"
          r"daughters?|siblings?|brothers?|sisters?|pets?|cats?|dogs?|thoughts?|"
          r"(?:answers?|replies|reply|responses?)(?!\s+(?:this|that|it|me|best|well|the statement)\b)|"
          r"reasons?|ideas?|examples?|aspects?|parts?|possibilit(?:y|ies)|cases?|paragraphs?|lines?|pages?|"
          r"sections?|groups?|members?|colleagues?|hobbies|hobby|languages?|books?|cups?|alternatives?|facets?|"
          r"angles?|perspectives?|views?|considerations?|tips?|of|out|am|pm)")
"""Nouns that a number before them counts or measures (``2 sides``, ``3 kids``, ``5 possible answers``, ``3
thoughts``); ``stars`` is not among them, since ``4 stars`` is a rating on the scale."""
_HAVING_COUNT = (r"(?i:\b(?:(?:i|we|you|they|he|she)(?:\s+(?:also|still|only|now))?\s+(?:have|has|had|own|owned|raised)"
                 r"|(?:i|we|you|they)'ve(?:\s+got)?|(?:i|we|you|they)\s+have\s+got|there\s+(?:are|were|is|was)"
                 r"|there're)\s+(?:about\s+|around\s+|only\s+|just\s+|nearly\s+|almost\s+|over\s+|like\s+)?)"
                 r"(?<![\d.])\d+(?=\s+(?!(?i:as|for|in|on|here|now|because|since|so|and|or|but|to)\b)[A-Za-z])")
"""A number counted after a verb of having or being there and before a word, whatever the word (``I have 4
cousins``, ``There are 3 of us``), where :data:`_UNITS` would need the noun listed."""
_QUESTION = re.compile(r"(?:^|(?<=[.!?\n]))[ \t\"'*]*(?:or\s+)?(?:is it|isn't it|could it be|would it be|might it be|"
                       r"can it be|should it be|should i (?:say|choose|pick|answer|go with)|shall i (?:say|choose|pick|"
                       r"answer|go with)|do i (?:say|choose|pick)|what about|how about)\b[^.!?\n]*\?", re.IGNORECASE)
"""A question about a label, from its opening words to the question mark (see ``question`` above)."""
_ELIMINATE_BEFORE = (r"(?:ruled? out|ruling out|rules out|eliminat\w*|excluding|exclude[sd]?|discard\w*|"
                     r"cross(?:ed|ing)? out)")
_NEGATED_FILLER = (r"a|an|the|really|even|quite|exactly|definitely|choose|pick|select|say|think|believe|go with|go for|"
                   r"opt for|rate(?: it| myself)?|give(?: it)?|be|want|would|will|with|for")
"""Words that may stand between a negation and the label it rejects (``I would not choose 5``, ``Definitely not a
5``, ``I don't think 5 applies``)."""
_NEGATED_AFTER = (r"(?:does not|doesn't|do not|don't|is not|isn't|would not|wouldn't|cannot|can't)\s+(?:really\s+)?"
                  r"(?:describe|apply|fit|suit|reflect|match|be|sound)\w*|\?\s*(?:no|nope)\b"
                  r"|\s*[:=]\s*(?:no|maybe|false)(?=[\s.,;]|$)|\s*(?:[:=-]\s*)?[\u274c\u2717\u2718\u2610]")
"""What may follow a label to reject it (``5 doesn't describe me``, ``5? No.``), or mark it not chosen in a checklist
(``1: no, 2: no, 3: no, 4: yes``, ``C: maybe``, ``A ❌ B ❌ C ❌ D ✅``)."""
_ELIMINATE_AFTER = (r"(?:(?:is|are) (?:ruled out|eliminated|excluded|wrong|incorrect|out)|(?:can|could) be ruled out|"
                    r"(?:do not|don't|does not|doesn't|did not|didn't)\s+(?:really\s+)?"
                    r"(?:fit|apply|suit|describe|match)\w*)")
_NARROWED = r"(?:leaves|leaving|left with|remaining|remain|that leaves(?: me| us)?(?: with)?)\s*:?\s*(?:only\s+)?"
"""Before two or more labels: what is left after elimination, not yet chosen (``That leaves B and E``)."""


@dataclass
class Reading:
    """One reply as the rules see it. ``text`` is the cleaned reply (fractions ``4/5`` → ``4`` for digit labels);
    ``listed`` is ``text`` without the recital; ``free`` is ``listed`` without anything else set aside."""

    lab: Labels
    text: str
    answer: str = ""
    """The reply without its reasoning, before cleaning (the JSON rule parses it as written)."""
    listed: str = ""
    free: str = ""
    set_aside: list[SetAside] = field(default_factory=list)
    spans: dict[str, list[tuple[int, int]]] = field(default_factory=dict)
    """The spans set aside by each step, positions in ``listed`` (the same as in ``text``)."""
    negated_options: list[int] = field(default_factory=list)
    """Options whose text was negated, in order of appearance."""
    attributed: list[str] = field(default_factory=list)
    """The attributions set aside that named an option (``Many people would choose 3``), as written."""

    @property
    def recited(self) -> bool:
        return bool(self.spans.get("recital"))

    @property
    def first_line(self) -> str:
        return self.listed.strip().split("\n", 1)[0].strip()

    def inside(self, pos: int, *steps: str) -> bool:
        """Whether position ``pos`` lies in a span set aside by one of ``steps``."""
        return any(start <= pos < end for step in steps for start, end in self.spans.get(step, []))


def read(answer_text: str, lab: Labels) -> Reading:
    """Prepare ``answer_text`` (the reply without its reasoning) for the rules."""
    text = clean(answer_text)
    if lab.digits:
        text = fractions(text, max(lab.labels, key=int))
    recital = _recital_spans(text, lab)
    set_aside: list[SetAside] = []
    cut = _run_on(text, lab)
    if cut is not None:
        text = text[:cut].rstrip()
        recital = [(a, min(b, len(text))) for a, b in recital if a < len(text)]
        set_aside.append("run-on")
    r = Reading(lab=lab, text=text, answer=answer_text, set_aside=set_aside)
    r.listed = mask(text, recital)
    found = {"recital": recital, "anchors": _anchor_spans(r.listed, lab), "negation": _negated_spans(r, lab),
             "elimination": _eliminated_spans(r.listed, lab), "not-a-choice": _not_a_choice_spans(r.listed, lab),
             "attribution": _attributed_spans(r, lab), "question": [m.span() for m in _QUESTION.finditer(r.listed)]}
    for step, spans in found.items():
        if spans:
            r.set_aside.append(step)  # type: ignore[arg-type]
            r.spans[step] = spans
    r.free = mask(r.listed, [s for step, spans in found.items() if step != "recital" for s in spans])
    return r


def _run_on(text: str, lab: Labels) -> int | None:
    """Where a reply that opened with a label went on into a new item of the questionnaire, or None."""
    first = text.split("\n", 1)[0]
    opens = re.match(r"^\W*(?:answer\s*:\s*)?[(\[]?" + lab.token + r"(?:[.)\]:,\-]|\s*$|\s+[A-Z(\"'])", first,
                     0 if not lab.digits else re.IGNORECASE)
    cut = _RUN_ON.search(text)
    if not opens or not cut:
        return None
    committed = re.match(r"\n\s*(?i:answer)\s*[:.]\s*[(\[]?" + lab.token + r"[)\]]?\.?[ \t]*(?:\([^\n]*\))?\s*$",
                         text[cut.start():], 0 if not lab.digits else re.IGNORECASE)
    if committed and _listed_lines(text[:cut.start()], lab):
        return None  # "1. Disagree strongly\n2. …\n\nAnswer: 4": a list, then the committed answer
    return cut.start()


def _listed_lines(head: str, lab: Labels) -> bool:
    """Every line of ``head`` is a label followed by words (an option list recited, its anchors, numbered steps):
    a list the reply wrote before its answer, not a base model's bare first answer."""
    item = re.compile(r"^[ \t]*(?:[-*•][ \t]*)?[(\[]?" + lab.token + r"[.)\]:]?[ \t]*[-=]?[ \t]*[A-Za-z(]",
                      0 if not lab.digits else re.IGNORECASE)
    lines = [line for line in head.split("\n") if line.strip()]
    return bool(lines) and all(item.match(line) for line in lines)


def _list_items(text: str, lab: Labels) -> list[tuple[int, int, int]]:
    pattern = r"(?<![^\s(\[])\(?" + lab.token + r"(?:[.)\]:]|\s*[-=]\s|(?=\s*$))"
    flags = 0 if not lab.digits else re.IGNORECASE
    return [(m.start(), m.end(), lab.find(m.group(1))) for m in re.finditer(pattern, text, flags)  # type: ignore[misc]
            if lab.find(m.group(1)) is not None]


def _only_options_between(gap: str, lab: Labels) -> tuple[bool, bool]:
    """(the gap holds nothing but option texts and punctuation on one line, it holds at least one option text)."""
    if "\n" in gap:
        return False, False
    found = option_matches(gap, lab.texts)
    rest = mask(gap, [(f.start, f.end) for f in found])
    return bool(_GAP.match(rest)), bool(found)


def _line_end(text: str, start: int) -> int:
    end = text.find("\n", start)
    return len(text) if end < 0 else end


def _is_option_prefix(fragment: str, lab: Labels) -> bool:
    frag = fragment.strip().rstrip(".…").strip().lower()
    return not frag or any(t.lower().startswith(frag) for t in lab.texts) or bool(option_matches(frag, lab.texts))


def _recital_spans(text: str, lab: Labels) -> list[tuple[int, int]]:
    """Numbered lists (each item on its own line) and option lists recited on one line."""
    return _line_lists(text, lab) + _inline_lists(text, lab)


def _line_lists(text: str, lab: Labels) -> list[tuple[int, int]]:
    """Two or more lines in a row (blank lines between allowed) that open with consecutive labels, whatever follows
    them on the line (``1. I see myself as…\\n2. I see myself as…``, ``1.\\nAnswer: 2.\\nAnswer: 3.``)."""
    item = re.compile(_LINE_ITEM.format(tok=lab.token), 0 if not lab.digits else re.IGNORECASE)
    spans: list[tuple[int, int]] = []
    run: list[tuple[int, int, int]] = []  # (line start, line end, label index)
    pos = 0
    for line in text.split("\n"):
        start, end = pos, pos + len(line)
        pos = end + 1
        m = item.match(line)
        i = lab.find(m.group(1)) if m else None
        if i is not None and run and i == run[-1][2] + 1:
            run.append((start, end, i))
            continue
        if not line.strip() and run:
            continue  # a blank line inside a list
        if len(run) >= 2:
            spans.append((run[0][0], run[-1][1]))
        run = [(start, end, i)] if i is not None else []
    if len(run) >= 2:
        spans.append((run[0][0], run[-1][1]))
    return spans


def _inline_lists(text: str, lab: Labels) -> list[tuple[int, int]]:
    """Consecutive labels with nothing but option texts and punctuation between: two or more with an option text
    (``1. Very Accurate (2) Moderately Accurate (3) …``), or three or more without (``1. 2. 3. 4. 5.``)."""
    items = _list_items(text, lab)
    spans: list[tuple[int, int]] = []
    k = 0
    while k < len(items):
        run, with_text = [items[k]], False
        while k + 1 < len(items) and items[k + 1][2] == run[-1][2] + 1:
            only, has_text = _only_options_between(text[run[-1][1]:items[k + 1][0]], lab)
            if not only:
                break
            with_text = with_text or has_text
            run.append(items[k + 1])
            k += 1
        k += 1
        if len(run) < 2:
            continue
        end = run[-1][1]
        line_end = _line_end(text, end)
        rest = text[end:line_end]
        if _is_option_prefix(rest, lab):  # the last item's text, or its start where the reply was cut
            with_text = with_text or bool(rest.strip())
            end = line_end
        elif not with_text and re.match(r"^[\s\d.,;:()\-]*$", rest):  # a count going on past the labels: 6. 7. 8.
            end = line_end
        if with_text or len(run) >= 3:
            spans.append((run[0][0], end))
    return spans


def _anchor_spans(text: str, lab: Labels) -> list[tuple[int, int]]:
    """Both ends of the scale restated with their own texts; nothing when only one end is."""
    ends = {0: [], len(lab.labels) - 1: []}  # type: dict[int, list[tuple[int, int]]]
    for m in option_matches(text, lab.texts, reordered=False):
        if m.option not in ends:
            continue
        label = re.escape(lab.labels[m.option])
        before = re.search(r"(?<![\w])\(?" + label + r"\)?\s*(?:=|:|-|\.|means|is|for|stands for|corresponds to|"
                           r"being)?\s*[\"'(]?$", text[max(0, m.start - 30):m.start])
        after = re.match(r"[\"')]?\s*(?:\(|=|:|-|is)\s*\(?" + label + r"(?![\w])\)?", text[m.end:])
        if before:
            ends[m.option].append((m.start - len(before.group(0)), m.end))
        elif after:
            ends[m.option].append((m.start, m.end + after.end()))
    if not all(ends.values()):
        return []
    return [s for spans in ends.values() for s in spans]


def _negated_spans(r: Reading, lab: Labels) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    for m in option_matches(r.listed, lab.texts):
        if negated(r.listed, m.start):
            spans.append((m.start, m.end))
            r.negated_options.append(m.option)
    flags = re.IGNORECASE if lab.digits else 0
    one = r"(?i:(?:option|answer|number)\s*)?[(\[]?" + lab.bare + r"[)\]]?"
    more = r"(?:(?:\s*,\s*" + one + r")*\s*,?\s+(?i:or|nor|and)\s+" + one + r")?"
    label_pattern = (r"(?i:\b(?:not|rather than|instead of|other than|except|never)|n't)\s+"
                     r"(?i:(?:" + _NEGATED_FILLER + r")\s+){0,3}?(?i:(?:option|answer|number)\s*)?[(\[]?" + lab.token
                     + r"[)\]]?" + more)
    after_pattern = r"[(\[]?" + lab.token + r"[)\]]?\s*(?i:" + _NEGATED_AFTER + r")"
    for pattern in (label_pattern, after_pattern):
        for m in re.finditer(pattern, r.listed, flags):
            i = lab.find(m.group(1))
            listed = [lab.find(x.group(1)) for x in re.finditer(lab.token, m.group(0)[m.end(1) - m.start():], flags)]
            if i is not None and (listed or not _article_a(lab, r.listed, m)):
                spans.append(m.span())
                r.negated_options.extend(k for k in [i, *listed] if k is not None)
    return spans


def _article_a(lab: Labels, text: str, m: re.Match) -> bool:
    """``not a good idea``: the letter label ``a``/``A`` as an article before a word."""
    return not lab.digits and m.group(1) in ("A", "a") and bool(re.match(r" [a-z]", text[m.end(1):m.end(1) + 2]))


def _label_list(lab: Labels, at_least: int = 1) -> str:
    one = r"(?:(?:option|answer|choice)s?\s*)?[(\[]?" + lab.bare + r"[)\]]?"
    more = r"(?:\s*(?:,|and|&|/|or|,\s*and)\s*" + one + r")"
    return one + (more + "*" if at_least < 2 else more + "+")


def _eliminated_spans(text: str, lab: Labels) -> list[tuple[int, int]]:
    labels = _label_list(lab)
    flags = re.IGNORECASE if lab.digits else 0
    before = r"(?<![Bb]y )(?<![Oo]f )(?i:" + _ELIMINATE_BEFORE + r")\s*:?\s*"  # not "by elimination: D"
    spans = [m.span() for m in re.finditer(before + labels, text, flags)]
    several = _label_list(lab, at_least=2)
    spans += [m.span() for m in re.finditer(r"(?i:" + _NARROWED + r")" + several, text, flags)]
    spans += [m.span() for m in re.finditer(labels + r"\s+(?i:" + _ELIMINATE_AFTER + r")", text, flags)]
    return spans


def _not_a_choice_spans(text: str, lab: Labels) -> list[tuple[int, int]]:
    if not lab.digits:
        return []
    first, last = re.escape(lab.labels[0]), re.escape(lab.labels[-1])
    patterns = [
        r"(?<![\d.])\d+-[a-z]+",  # 3-point, 5-star, 1-on-1 (not "2 - agree a little")
        rf"(?<![\d.])\d+\s*(?:%|(?:st|nd|rd|th)\b|\s(?:{_UNITS})\b)",
        r"\b(?:statements?|questions?|items?|q|#)[.:]?\s*\d+",
        r"(?<![\d.])\d+(?=[A-Za-z])",  # 3B, 7A
        r"(?<![\d.])\d+:\d\d",  # a time of day, 2:45
        rf"(?<![\d.]){first}\s*(?:-|to)\s*{last}(?![\d])",
        _HAVING_COUNT,
        r"(?<=[A-Za-z])\d+",
    ]
    return [m.span() for p in patterns for m in re.finditer(p, text, re.IGNORECASE if "statements" in p else 0)]


_CLAUSE_END = re.compile(r"[;:!?\n]|\.(?!\d)|,?\s+(?:but|while|whereas|although|though|however|yet)\b|,\s*(?:and|so)\b"
                         r"|,\s*(?:and\s+)?(?:i|i'd|i'm|i'll|my|me|personally|for me|myself)\b", re.IGNORECASE)
_SELF_BEFORE = re.compile(r"(?:\bi(?:'m| am)(?: not)?\s+(?:just\s+)?|\bi\s+|\bthe\s+|\bas\s+)$", re.IGNORECASE)
"""Words before a match that make it no attribution: ``I'm someone who…``, ``I most agree``, ``the most…``."""


def _attributed_spans(r: Reading, lab: Labels) -> list[tuple[int, int]]:
    """Answers given as someone else's, each to the end of its clause, unless the model joins in."""
    text = r.listed
    starts = [m.start() for m in ATTRIBUTION.finditer(text) if not _SELF_BEFORE.search(text[:m.start()])]
    flags = re.IGNORECASE if lab.digits else 0
    starts += [m.start() for m in re.finditer(ATTRIBUTED_LABEL.format(tok=lab.token), text, flags)]
    spans: list[tuple[int, int]] = []
    for start in sorted(set(starts)):
        if spans and start < spans[-1][1]:
            continue
        end_m = _CLAUSE_END.search(text, start + 1)
        end = end_m.start() if end_m else len(text)
        if ENDORSED.match(text[end:]) or ENDORSED.match(text[end:].lstrip(".")):
            continue  # "…, and so would I": the model's own answer too
        spans.append((start, end))
        clause = text[start:end]
        if re.search(lab.token, clause, flags) or option_matches(clause, lab.texts):
            r.attributed.append(clause.strip())
    return spans
