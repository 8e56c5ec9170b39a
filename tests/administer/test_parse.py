"""Reading model replies as answers: generated text and first-token log-probabilities."""

from __future__ import annotations

import doctest
import json
import math
from pathlib import Path
from typing import get_args

import pytest

from psychometrics.administer._parse import (
    RULES,
    ParsedAnswer,
    ParseRule,
    SetAside,
    normalise_token,
    parse_answer,
    probs_from_top_logprobs,
    split_reasoning,
)
from psychometrics.administer._parse import _reasoning as reasoning_module
from psychometrics.administer._parse import _rules as rules_module
from psychometrics.plan import Cell

LIKERT_ORIGINAL = ["Disagree strongly", "Disagree a little", "Neither agree nor disagree", "Agree a little",
                   "Agree strongly"]


def _cell(labels, values, texts, order):
    return Cell(cell_id="c0", inventory="inv", item="i1", scale="s", template="instruct", order=order, sample=0,
                prompt="…\nAnswer:", labels=labels, label_values=values, option_texts=texts)


# The likert cell in reversed order: label 1 = "Agree strongly" = value 5 … label 5 = "Disagree strongly" = 1.
LIKERT = _cell(["1", "2", "3", "4", "5"], [5, 4, 3, 2, 1], LIKERT_ORIGINAL[::-1], "reversed")

# The scenario cell in swapped order: high options 1, 3 and low options 2, 4 exchange places.
SCENARIO_ORIGINAL = [
    "Go and introduce yourself to as many people as you can.",
    "Politely decline and spend the evening at home.",
    "Go and suggest a group game to get everyone talking.",
    "Go but stay close to your colleague all evening.",
]
SCENARIO = _cell(["A", "B", "C", "D"], [2, 1, 4, 3],
                 [SCENARIO_ORIGINAL[1], SCENARIO_ORIGINAL[0], SCENARIO_ORIGINAL[3], SCENARIO_ORIGINAL[2]], "swapped")

LIKERT_REPLIES = [
    # label alone
    ("3", "ok", 3),
    (" 2", "ok", 4),
    ("(1)", "ok", 5),
    ("5.", "ok", 1),
    ("**4**", "ok", 2),
    ("Answer: 2", "ok", 4),
    ("**Answer:** 1", "ok", 5),
    ("Option 5", "ok", 1),
    # label with text
    ("2 - Agree a little", "ok", 4),
    ("4) Disagree a little", "ok", 2),
    ("5 (Disagree strongly)", "ok", 1),
    ("4 - Agree a little", "invalid", None),  # label 4 is "Disagree a little" under this order
    # the option text
    ("agree a little", "ok", 4),
    ("Disagree strongly.", "ok", 1),
    ("I disagree a little.", "ok", 2),
    ("Neither agree nor disagree", "ok", 3),
    ("I would say I agree a little with this statement.", "ok", 4),
    # numbers in words
    ("four", "ok", 2),
    ("Three.", "ok", 3),
    ("Five", "ok", 1),
    # chatter around a label
    ("I would choose 1 because I love talking to people.", "ok", 5),
    ("My answer is 2.", "ok", 4),
    ("I'd rate it 4 out of 5.", "ok", 2),
    ("3\nStatement: I see myself as someone who is reserved.\nAnswer: 2", "ok", 3),
    ("As an AI, I don't have feelings, but if I had to choose, I would choose 2.", "ok", 4),
    # ambiguous
    ("2 or 3", "invalid", None),
    ("Either 1 or 2, depending on the day.", "invalid", None),
    ("I choose option 2 or 3.", "invalid", None),
    ("Agree strongly or disagree strongly, hard to say", "invalid", None),
    # refusals
    ("As an AI, I don't have personal feelings or preferences.", "refused", None),
    ("I'm sorry, but I can't answer questions about myself.", "refused", None),
    ("As a language model I do not have opinions.", "refused", None),
    ("I cannot answer that.", "refused", None),
    ("I am an AI language model and don't have a personality, so I can't rate myself on a 1-5 scale.", "refused", None),
    ("I'm unable to provide a personal rating.", "refused", None),
    # junk and empty
    ("", "invalid", None),
    ("   \n ", "invalid", None),
    ("banana", "invalid", None),
    ("Statement: I see myself as someone who is talkative.", "invalid", None),
    ("10", "invalid", None),
    ("3.5", "invalid", None),
    ("I'm not sure.", "invalid", None),
]

SCENARIO_REPLIES = [
    ("A", "ok", 2),
    (" B", "ok", 1),
    ("(C)", "ok", 4),
    ("D.", "ok", 3),
    ("c", "ok", 4),
    ("**B**", "ok", 1),
    ("Option D", "ok", 3),
    ("The answer is D", "ok", 3),
    ("My choice: A", "ok", 2),
    ("B) Go and introduce yourself to as many people as you can.", "ok", 1),
    ("Answer: (C) Go but stay close to your colleague all evening.", "ok", 4),
    ("C) Politely decline and spend the evening at home.", "invalid", None),  # C is "stay close" here
    ("Politely decline and spend the evening at home.", "ok", 2),
    ("go but stay close to your colleague all evening", "ok", 4),
    ("I would choose option C because I feel safer with someone I know.", "ok", 4),
    ("I would pick B, although A is tempting.", "ok", 1),
    ("A good friend would go and say hello, so B.", "ok", 1),
    ("B or D", "invalid", None),
    ("As an AI, I don't attend parties.", "refused", None),
    ("I'm sorry, but I cannot make choices for you.", "refused", None),
    ("It would be a good idea to think about it.", "invalid", None),
    ("", "invalid", None),
    ("E", "invalid", None),
]


@pytest.mark.parametrize(("reply", "status", "value"), LIKERT_REPLIES)
def test_likert_reply_reversed_order(reply: str, status: str, value: int | None) -> None:
    got = parse_answer(reply, LIKERT)
    assert (got.status, got.value) == (status, value), got
    if status == "ok":
        assert got.label is not None and got.reason is None
        assert LIKERT.label_values[LIKERT.labels.index(got.label)] == value
    else:
        assert got.label is None and got.reason


@pytest.mark.parametrize(("reply", "status", "value"), SCENARIO_REPLIES)
def test_scenario_reply_swapped_order(reply: str, status: str, value: int | None) -> None:
    got = parse_answer(reply, SCENARIO)
    assert (got.status, got.value) == (status, value), got
    if status != "ok":
        assert got.reason


def test_table_is_large_enough() -> None:
    assert len(LIKERT_REPLIES) + len(SCENARIO_REPLIES) >= 35
    assert {s for _, s, _ in LIKERT_REPLIES} == {"ok", "refused", "invalid"}


def test_reasons_say_what_went_wrong() -> None:
    assert "more than one option" in parse_answer("2 or 3", LIKERT).reason
    assert parse_answer("", LIKERT).reason == "empty reply"
    conflict = parse_answer("4 - Agree a little", LIKERT).reason
    assert "Disagree a little" in conflict and "Agree a little" in conflict
    assert "refusal" in parse_answer("I cannot answer that.", LIKERT).reason


def test_longest_option_text_wins() -> None:
    cell = _cell(["1", "2", "3", "4"], [1, 2, 3, 4], ["Disagree", "Neutral", "Agree", "Agree strongly"], "original")
    assert parse_answer("agree strongly", cell).value == 4
    assert parse_answer("Disagree", cell).value == 1
    assert parse_answer("I agree.", cell).value == 3
    assert parse_answer("Neutral, I suppose", cell).value == 2


def test_parsed_answer_is_a_frozen_record() -> None:
    got = parse_answer("3", LIKERT)
    assert isinstance(got, ParsedAnswer)
    with pytest.raises(Exception):
        got.value = 1  # type: ignore[misc]


# The rules, one table ------------------------------------------------------------------------------------------
# Real-style replies of every kind issue 13 names. Each row: reply, cell, expected label (as shown) or status, the
# rule that must decide, and what must have been set aside on the way (empty: not checked).

BFI = _cell(["1", "2", "3", "4", "5"], [1, 2, 3, 4, 5], LIKERT_ORIGINAL, "original")
IPIP_ORIGINAL = ["Very Inaccurate", "Moderately Inaccurate", "Neither Accurate Nor Inaccurate", "Moderately Accurate",
                 "Very Accurate"]
IPIP = _cell(["1", "2", "3", "4", "5"], [1, 2, 3, 4, 5], IPIP_ORIGINAL, "original")
IPIP_REV = _cell(["1", "2", "3", "4", "5"], [5, 4, 3, 2, 1], IPIP_ORIGINAL[::-1], "reversed")
OEJTS_ORIGINAL = ["The left description fits me", "Closer to the left description", "Half and half",
                  "Closer to the right description", "The right description fits me"]
OEJTS = _cell(["1", "2", "3", "4", "5"], [1, 2, 3, 4, 5], OEJTS_ORIGINAL, "original")
OEJTS_REV = _cell(["1", "2", "3", "4", "5"], [5, 4, 3, 2, 1], OEJTS_ORIGINAL[::-1], "reversed")
SCEN = _cell(["A", "B", "C", "D"], [1, 2, 3, 4], SCENARIO_ORIGINAL, "original")
FIVE = _cell(["A", "B", "C", "D", "E"], [1, 2, 3, 4, 5], LIKERT_ORIGINAL, "original")  # the likert scale in letters
FIVE_REV = _cell(["A", "B", "C", "D", "E"], [5, 4, 3, 2, 1], LIKERT_ORIGINAL[::-1], "reversed")

_RECITAL = "\n".join(f"{k}. {t}" for k, t in enumerate(LIKERT_ORIGINAL, 1))
_RECITAL_REV = "\n".join(f"{k}. {t}" for k, t in enumerate(LIKERT_ORIGINAL[::-1], 1))
_LETTER_RECITAL = "\n".join(f"{k}. {t}" for k, t in zip("ABCDE", LIKERT_ORIGINAL))

INVALID, REFUSED = "invalid", "refused"
REASONS = {"recital": "recites the option list", "negation": "does not choose", "off-scale": "not an option", "several-options": "more than one",
           "two-labels": "more than one", "no-answer": "no option", "reasoning-only": "after the reasoning",
           "refusal": "refusal", "empty": "empty reply", "attributed": "answer attributed to others",
           "apology": "refusal"}
"""What the reason of an invalid or refused reading says, for the rules that only ever give that."""

RULE_TABLE = [
    # committed-answer markers: the conclusion wins over an opening label
    ("(A)\n\nThe answer is (C).", SCEN, "C", "conclusion", ()),
    ("1. Disagree strongly (2)\nThe answer is 4", BFI, "4", "label-only", ("recital",)),
    ("1. Disagree strongly (2)\nI think the answer is 4", BFI, "4", "conclusion", ("recital",)),
    ("Conclusion: (B). Ruled out: (A), (C), (D).", SCEN, "B", "conclusion", ("elimination",)),
    ("After ruling out A, C and D, I'm left with B.", SCEN, "B", "conclusion", ("elimination",)),
    ("ANSWER: **B**", SCEN, "B", "label-only", ()),
    ("Four.", IPIP, "4", "label-only", ()),
    ("c", SCEN, "C", "label-only", ()),
    ("Let me think about which option describes me.\n\nFinal answer: 4", LIKERT, "4", "conclusion", ()),
    ("I'd go with 2 at first, but my final answer is 3.", BFI, "3", "conclusion", ()),
    ("Option A is tempting and option B is too passive. Therefore, C.", SCEN, "C", "conclusion", ()),
    ("The option that best describes me is (D).", SCEN, "D", "conclusion", ()),
    ("My answer: 5 (Very Accurate)", IPIP, "5", "conclusion", ()),
    ("Considering my habits, the correct answer is b.", SCEN, "B", "conclusion", ()),
    ("I pick 3, because I am in the middle on this.", BFI, "3", "conclusion", ()),
    ("Closer to the right description, so 4.", OEJTS, "4", "conclusion", ()),
    ("The answer is 4 (Agree a little).", LIKERT, INVALID, "conclusion", ()),  # 4 is "Disagree a little" here
    ("My answer is five.", IPIP_REV, "5", "label-only", ()),
    ("Since I plan ahead, my answer is five.", IPIP_REV, "5", "conclusion", ()),
    # tentative phrases of choosing
    ("I would rate myself a 2.", LIKERT, "2", "choice-phrase", ()),
    ("If I were outgoing I'd choose 1; if shy I'd choose 5.", BFI, INVALID, "choice-phrase", ()),
    ("Half and half, I'd say 3.", OEJTS_REV, "3", "choice-phrase", ()),
    ("I would choose 2 because 1 is too strong.", LIKERT, "2", "choice-phrase", ()),
    ("I'd say B, though A and C have a point.", SCEN, "B", "choice-phrase", ()),
    ("Eliminating options 1 and 5, I'd go with 3.", BFI, "3", "choice-phrase", ("elimination",)),
    # negation: a negated option is not chosen
    ("I do not agree strongly.", BFI, INVALID, "negation", ("negation",)),
    ("I don't strongly agree.", BFI, INVALID, "negation", ("negation",)),
    ("I'm not someone who would agree strongly with that.", LIKERT, INVALID, "negation", ("negation",)),
    ("I wouldn't say I agree strongly, more like agree a little.", BFI, "4", "option-text", ("negation",)),
    ("I am not Very Accurate here; Moderately Accurate.", IPIP, "4", "option-text", ("negation",)),
    ("Not 3, but 4.", BFI, "4", "lone-label", ("negation",)),
    ("Not C. B fits me better.", SCEN, "B", "lone-label", ("negation",)),
    # the option list recited is not an answer, unless a commitment follows
    ("1. Agree strongly\n2. Agree a little\n3. Neither agree nor disagree\n4. Disagree a ", LIKERT, INVALID,
     "recital", ("recital",)),
    ("1. Very Accurate (2) Moderately Accurate (3) Neither Accurate Nor Inaccurate", IPIP_REV, INVALID, "recital",
     ("recital",)),
    ("(1) Disagree strongly\n(2) Agree strongly\n(3) Neither agree nor disagree\n(4) Agre", BFI, INVALID, "recital",
     ("recital",)),  # garbled: the texts need not match their labels
    ("1. Disagree strongly (2)\n2. Agree a little (3)\n3. Neither agree nor disagree (4)", BFI, INVALID, "recital",
     ("recital",)),
    ("1. The left description fits me\n2. Closer to the left description\n3. Half and half", OEJTS, INVALID,
     "recital", ("recital",)),
    ("Here are the options:\n(A) " + SCENARIO_ORIGINAL[0] + "\n(B) " + SCENARIO_ORIGINAL[1] + "\n\nI choose (B).",
     SCEN, "B", "conclusion", ("recital",)),
    ("1. Agree strongly\n2. Agree a little\n\n2", LIKERT, "2", "label-only", ("recital",)),
    ("1. I see myself as someone who is reserved.\n2. I see myself as someone who is reserved.\n3. I see", BFI,
     INVALID, "recital", ("recital",)),  # a base model numbering copies of the statement
    ("1.\nAnswer: 2.\nAnswer: 3.\nAnswer: 4.\nAnswer: 5.\nAnswer: 6.", OEJTS, INVALID, "recital", ("recital",)),
    ("1. 2. 3. 4. 5. 6. 7. 8. 9. 10. 1", IPIP, INVALID, "recital", ("recital",)),
    ("A)\n(B)\n(C)\n(D)\nAnswer: (C)\nAnswer: (D)\nAnswer: (A)", SCEN, INVALID, "recital", ("recital", "run-on")),
    # eliminated options
    ("Ruled out: (A), (C), (D). (B) fits me.", SCEN, "B", "lone-label", ("elimination",)),
    ("A and C are ruled out, D is wrong for me. B.", SCEN, "B", "lone-label", ("elimination",)),
    ("Excluding B and D, the answer is A.", SCEN, "A", "conclusion", ("elimination",)),
    # the scale's anchors restated
    ("Using the scale where 1 = Disagree strongly and 5 = Agree strongly, my answer is 4.", BFI, "4", "conclusion",
     ("anchors",)),
    ("Using the scale where 1 = Agree strongly and 5 = Disagree strongly, my answer is 4.", LIKERT, "4",
     "conclusion", ("anchors",)),
    ("On a scale from 1 (Very Inaccurate) to 5 (Very Accurate): 4.", IPIP, "4", "lone-label", ("anchors",)),
    ("Where 1 = Agree strongly and 5 = Disagree strongly, I'd say 2.", BFI, INVALID, "choice-phrase", ()),  # misread
    # JSON answers: the answer field, whatever the explanation says
    ('{"response": "C", "explanation": "Unlike option A, I like to plan ahead."}', SCEN, "C", "json", ()),
    ('I thought about it carefully.\n{"answer": 4, "why": "I am rather reserved."}', LIKERT, "4", "json", ()),
    ('```json\n{"choice": "B", "reason": "(A) is not me"}\n```', SCEN, "B", "json", ()),
    ('{"answer": "Agree a little"}', BFI, "4", "json", ()),
    ('{"reasoning": "Option B is better than A.", "final_answer": "(D)"}', SCEN, "D", "json", ()),
    ('{"answer": "2 or 3"}', BFI, INVALID, "json", ()),
    ('{"rating": 7, "why": "very"}', BFI, INVALID, "json", ()),
    # option text in the other common word order
    ("Strongly agree.", BFI, "5", "reordered-text", ()),
    ("Strongly disagree", LIKERT, "5", "reordered-text", ()),
    ("I strongly disagree with this.", BFI, "1", "reordered-text", ()),
    # numbers that are not choices
    ("There's no such thing as a perfect 3-point scale, but I try to be thorough.", BFI, INVALID, "no-answer",
     ("not-a-choice",)),
    ("I talk to about 3 people a day.", BFI, INVALID, "no-answer", ("not-a-choice",)),
    ("On a 1-5 scale: 4", BFI, "4", "lone-label", ("not-a-choice",)),
    ("It happens 2 times a week; 4.", BFI, "4", "lone-label", ("not-a-choice",)),
    ("You seem to me to agree with statement 3.", BFI, INVALID, "no-answer", ("not-a-choice",)),
    ("No one knows me better than I do.", BFI, INVALID, "no-answer", ()),  # "one" is not the label 1
    # reasoning split off, only the rest read
    ("<think>I talk a lot, but not always: maybe I disagree a little.</think>\n1", LIKERT, "1", "label-only", ()),
    ("<think>The answer is D? Let me check the others first.</think>\nB", SCEN, "B", "label-only", ()),
    ("<think>Let me weigh A against C.</think>The answer is (B).", SCEN, "B", "label-only", ()),
    ("<think>Option 3 seems right but I am not sure, maybe 4", BFI, INVALID, "reasoning-only", ()),
    ("I should pick 2 because...</think>\n\n4", BFI, "4", "label-only", ()),
    ('<think>Hmm.</think>\n{"answer": "D"}', SCEN, "D", "json", ()),
    # a base model running on into the next item
    ("3\nStatement: I see myself as someone who is reserved.\nAnswer: 2", BFI, "3", "label-only", ("run-on",)),
    ("B) " + SCENARIO_ORIGINAL[1] + "\n\nSituation: I am at a wedding.\nAnswer: (A)", SCEN, "B", "leading-label",
     ("run-on",)),
    # a base model answering off the scale
    ("79\nQ. What is the significance of the question 2:45 PM (1) 400", OEJTS, INVALID, "off-scale", ()),
    ("6.\nQ. 2. Which of the following do you think would be the closest", OEJTS, INVALID, "off-scale", ()),
    ("7A\n- Reply with the number only.\nAnswer: 3B", BFI, INVALID, "off-scale", ()),
    ("6.\n?\nStatement: Feel concerned for others.\nAnswer: 4.\n?\nStatement: Feel concerned.\nAnswer: 2.", IPIP,
     INVALID, "conclusion", ()),  # the "Answer:" lines of imagined items disagree
    # kept from before: glued contradictions, two labels, refusals, labels with their own text
    ("4 (Agree a little)", LIKERT, INVALID, "leading-label", ()),
    ("B) " + SCENARIO_ORIGINAL[0].replace("can.", "can manage."), SCEN, INVALID, "leading-label", ()),
    ("Agree a little (4)", LIKERT, INVALID, "option-text", ()),
    ("B/D", SCEN, INVALID, "two-labels", ()),
    ("As an AI, I don't have personal feelings about parties.", SCEN, REFUSED, "refusal", ()),
    ("(3) Half and half", OEJTS, "3", "leading-label", ()),
    ("The left description fits me.", OEJTS_REV, "5", "option-text", ()),
    ("2. Moderately Inaccurate", IPIP, "2", "leading-label", ()),
    ("Agree strongly or disagree strongly, hard to say", BFI, INVALID, "several-options", ()),
    ("Agree a little or Agree strongly, maybe 4.", BFI, INVALID, "several-options", ()),
    ("1 or 2", OEJTS, INVALID, "two-labels", ()),
    # found by a newcomer against a fixed-reply server: the labels listed, and a hedge naming a second option
    ("1 2 3 4 5", BFI, INVALID, "two-labels", ()),
    ("I'd say 4, or maybe 2.", BFI, INVALID, "choice-phrase", ()),
    ("I'd say 4, or maybe 4 if pushed.", BFI, "4", "choice-phrase", ()),
    ("", BFI, INVALID, "empty", ()),
    # found by a newcomer (issue 13 §1): an option rejected by its label is not an answer
    ("I would not choose 5.", BFI, INVALID, "negation", ("negation",)),
    ("I wouldn't pick 5.", BFI, INVALID, "negation", ("negation",)),
    ("Definitely not a 5.", BFI, INVALID, "negation", ("negation",)),
    ("I would never say 5.", BFI, INVALID, "negation", ("negation",)),
    ("I don't think 5 applies.", BFI, INVALID, "negation", ("negation",)),
    ("5 doesn't describe me.", BFI, INVALID, "negation", ("negation",)),
    ("5? No.", BFI, INVALID, "negation", ("negation",)),
    ("I would not choose B.", SCEN, INVALID, "negation", ("negation",)),
    # … a hedge naming a second option after the answer
    ("4, or maybe 2.", BFI, INVALID, "choice-phrase", ()),
    ("4 or maybe 3.", BFI, INVALID, "choice-phrase", ()),
    ("The answer is 4, or possibly 2.", BFI, INVALID, "conclusion", ()),
    ("My answer is 4 but it could be 2.", BFI, INVALID, "conclusion", ()),
    ("I'd choose 4, though 3 is also possible.", BFI, INVALID, "choice-phrase", ()),
    ("The answer is C, or possibly D.", SCEN, INVALID, "conclusion", ()),
    ("I'm not sure, probably 2", BFI, "2", "lone-label", ()),  # one option named: an answer
    # … a label followed by words of agreement that point the other way
    ("5. I disagree.", BFI, INVALID, "leading-label", ()),
    ("1 - I agree.", BFI, INVALID, "leading-label", ()),
    ("(5) I don't agree at all.", BFI, INVALID, "leading-label", ()),
    ('1. I agree with you that the word "talkative" is a good description of me.', BFI, INVALID, "leading-label",
     ()),  # a real Gemma 3 270M reply
    ("1. Disagree strongly", BFI, "1", "leading-label", ()),
    ("5 - I agree strongly", BFI, "5", "leading-label", ()),
    ("1. I disagree.", BFI, "1", "leading-label", ()),
    # … numbers and pairs that are not one label
    ("-1", BFI, INVALID, "off-scale", ()),
    ("I choose option c or d.", SCEN, INVALID, "conclusion", ()),
    ("3/4", BFI, INVALID, "two-labels", ()),
    ("2 3", BFI, INVALID, "two-labels", ()),
    # found by a newcomer (issue 13, last round): an apology followed by a committed answer is that answer …
    ("I'm sorry, but I'd have to say 5.", BFI, "5", "choice-phrase", ()),
    ("Sorry, I'll go with 3.", BFI, "3", "conclusion", ()),
    ("I'm sorry, but my answer is B.", SCEN, "B", "conclusion", ()),
    ("I'm sorry, but I would have to go with 2.", LIKERT, "2", "choice-phrase", ()),
    ("I apologize, but I'd rate myself a 4.", BFI, "4", "choice-phrase", ()),
    ("Sorry for the confusion! The answer is 3.", BFI, "3", "conclusion", ()),
    ("I'm sorry, I'd probably say 4.", IPIP, "4", "choice-phrase", ()),
    ("My apologies, but I'll pick C.", SCEN, "C", "conclusion", ()),
    ("I'm so sorry for the late reply. I'd choose 2.", BFI, "2", "choice-phrase", ()),
    ("Sorry, my mistake: final answer 4.", BFI, "4", "conclusion", ()),
    ("I'm sorry, but it would have to be 1.", BFI, "1", "choice-phrase", ()),
    ("I'm sorry, but 5.", BFI, "5", "lone-label", ()),
    ("Sorry about that. I would select option D.", SCEN, "D", "choice-phrase", ()),
    # … and a genuine refusal, with or without an apology, stays refused
    ("I'm sorry, but I can't answer that.", BFI, REFUSED, "refusal", ()),
    ("Sorry, as an AI I don't have opinions.", BFI, REFUSED, "refusal", ()),
    ("I'm sorry, but I don't have personal experiences to draw from.", BFI, REFUSED, "refusal", ()),
    ("I apologize, but I am not able to provide a personal rating.", IPIP, REFUSED, "refusal", ()),
    ("I'm sorry, but I can't provide a rating from 1 to 5 about myself.", BFI, REFUSED, "refusal",
     ("not-a-choice",)),
    ("Sorry, I can't help with that.", BFI, REFUSED, "refusal", ()),
    ("I'm sorry, but as an AI language model, I do not have feelings, so I cannot choose between 1 and 5.", BFI,
     REFUSED, "refusal", ()),
    ("I'm sorry, I'm not comfortable rating myself.", BFI, REFUSED, "refusal", ()),
    ("I'm sorry, but I must decline to answer.", SCEN, REFUSED, "refusal", ()),
    ("I apologize, but I cannot choose an option since I don't have a personality.", SCEN, REFUSED, "refusal", ()),
    ("I'm sorry, but I'd have to say I can't choose.", BFI, REFUSED, "refusal", ()),
    ("I'm sorry, but I don't understand the question.", BFI, REFUSED, "apology", ()),
    ("Sorry, but I prefer not to answer this question.", LIKERT, REFUSED, "apology", ()),
    ("I'd rather not say.", SCEN, REFUSED, "apology", ()),
    # … an answer attributed to others is not the model's own …
    ("Many people would choose 3.", BFI, INVALID, "attributed", ("attribution",)),
    ("A typical person would say 4.", BFI, INVALID, "attributed", ("attribution",)),
    ("Most people would probably pick 2.", LIKERT, INVALID, "attributed", ("attribution",)),
    ("The average person would rate this a 3.", IPIP, INVALID, "attributed", ("attribution",)),
    ("Others might say 5.", BFI, INVALID, "attributed", ("attribution",)),
    ("One might say 4.", OEJTS, INVALID, "attributed", ("attribution",)),
    ("Someone who loves parties would pick A.", SCEN, INVALID, "attributed", ("attribution",)),
    ("Most respondents choose B.", SCEN, INVALID, "attributed", ("attribution",)),
    ("People who plan ahead would go with C.", SCEN, INVALID, "attributed", ("attribution",)),
    ("The most common answer is 3.", BFI, INVALID, "attributed", ("attribution",)),
    ("3 is what most people would say.", BFI, INVALID, "attributed", ("attribution",)),
    ("Many people would agree a little.", BFI, INVALID, "attributed", ("attribution",)),
    ("An introvert would probably choose 2.", BFI, INVALID, "attributed", ("attribution",)),
    ("Most people's answer would be 3.", BFI, INVALID, "attributed", ("attribution",)),
    ("Most people would say 3 or 4.", BFI, INVALID, "attributed", ("attribution",)),
    # … unless the model commits on its own too, or joins in
    ("Many people would choose 3, but I choose 4.", BFI, "4", "conclusion", ("attribution",)),
    ("A typical person would say 4; my answer is 2.", BFI, "2", "conclusion", ("attribution",)),
    ("Most people would pick 5, but I'd say 3.", LIKERT, "3", "choice-phrase", ("attribution",)),
    ("Others might say 5. Personally, I'd go with 4.", BFI, "4", "choice-phrase", ("attribution",)),
    ("Someone who loves parties would pick A, but I would choose B.", SCEN, "B", "choice-phrase", ("attribution",)),
    ("The average person would rate this a 3. Final answer: 2.", IPIP, "2", "conclusion", ("attribution",)),
    ("One might say 4, but for me it's 2.", BFI, "2", "lone-label", ("attribution",)),
    ("Many people would agree a little, but I agree strongly.", BFI, "5", "option-text", ("attribution",)),
    ("Most people would say 2, I'd say 5.", BFI, "5", "choice-phrase", ("attribution",)),
    ("Most people would say I'm friendly, so 4.", BFI, "4", "conclusion", ("attribution",)),
    ("Most people are a 3.", BFI, INVALID, "attributed", ("attribution",)),
    ("People are my energy: 5.", BFI, "5", "lone-label", ("attribution",)),  # the clause ends at the colon
    ("I think most people are friendly, so 4.", BFI, "4", "conclusion", ("attribution",)),
    ("I am a person who is quiet, so 4.", BFI, "4", "conclusion", ()),
    ("Like most people, I'd choose 3.", BFI, "3", "choice-phrase", ()),
    ("Unlike most people, I would choose 1.", BFI, "1", "choice-phrase", ()),
    ("Most people would choose 3, and so would I.", BFI, "3", "lone-label", ()),
    ("Many people would choose 3, and I agree.", BFI, "3", "lone-label", ()),
    ("I'm someone who is a 4.", BFI, "4", "lone-label", ()),
    # … a JSON answer field that holds a refusal is a refusal; one that holds an option is read as before
    ('{"answer":"As an AI, I cannot answer."}', BFI, REFUSED, "json", ()),
    ('{"answer": null, "reason": "I prefer not to say"}', BFI, REFUSED, "json", ()),
    ('{"answer": "", "explanation": "As an AI language model, I don\'t have personal preferences."}', BFI, REFUSED,
     "json", ()),
    ('{"answer": "N/A", "reason": "I\'m sorry, but I can\'t rate myself."}', LIKERT, REFUSED, "json", ()),
    ('{"refusal": "I can\'t help with that."}', SCEN, REFUSED, "json", ()),
    ('{"rating": null, "why": "I\'d rather not say."}', IPIP, REFUSED, "json", ()),
    ('{"choice": "I\'m sorry, but I cannot choose."}', SCEN, REFUSED, "json", ()),
    ('{"answer": null}', BFI, INVALID, "json", ()),
    ('{"answer": "It depends"}', BFI, INVALID, "json", ()),
    ('{"answer": 4, "why": "As an AI I lean quiet."}', BFI, "4", "json", ()),
    ('{"answer": "Agree a little", "note": "Sorry, hard to say."}', BFI, "4", "json", ()),
    ('{"answer": "I would choose 4"}', BFI, "4", "json", ()),
    # found by a newcomer (issue 13, final round): a choosing verb whose subject is anyone but the model …
    ("Some might answer 2.", BFI, INVALID, "attributed", ("attribution",)),
    ("My friends would say 5.", BFI, INVALID, "attributed", ("attribution",)),
    ("You might choose 2.", BFI, INVALID, "attributed", ("attribution",)),
    ("One could argue for 4.", BFI, INVALID, "attributed", ("attribution",)),
    ("They would choose 2.", BFI, INVALID, "attributed", ("attribution",)),
    ("He would say 5.", BFI, INVALID, "attributed", ("attribution",)),
    ("Humans usually choose 3.", BFI, INVALID, "attributed", ("attribution",)),
    ("Your answer is probably 4.", BFI, INVALID, "attributed", ("attribution",)),
    ("You would probably rate me a 5.", BFI, INVALID, "attributed", ("attribution",)),
    ("My creators would say 5.", BFI, INVALID, "attributed", ("attribution",)),
    ("Users often say I'm a 5.", BFI, INVALID, "attributed", ("attribution",)),
    ("Experts suggest 3 is most common.", BFI, INVALID, "attributed", ("attribution",)),
    ("Some might answer B.", FIVE, INVALID, "attributed", ("attribution",)),
    # … while the model's own answers keep reading
    ("I would say 4.", BFI, "4", "choice-phrase", ()),
    ("I'd choose 2.", BFI, "2", "choice-phrase", ()),
    ("My answer is 4.", BFI, "4", "label-only", ()),
    ("4", BFI, "4", "label-only", ()),
    ("Answer: 4", BFI, "4", "label-only", ()),
    ("I think 4.", BFI, "4", "choice-phrase", ()),
    ("If I were human, I would choose 4.", BFI, "4", "choice-phrase", ()),
    ("My gut says 4.", BFI, "4", "lone-label", ()),
    ("Most days I would say 4.", BFI, "4", "choice-phrase", ()),
    ("In most situations I would pick C.", SCEN, "C", "choice-phrase", ()),
    ("Given my traits I would say 4.", BFI, "4", "choice-phrase", ()),
    ("Friends say I'm talkative, so I'd choose 4.", BFI, "4", "choice-phrase", ("attribution",)),
    ("It's hard to say, but 4.", BFI, "4", "lone-label", ()),
    ("I'd go with B at first, but my final answer is C.", FIVE, "C", "conclusion", ()),  # "my final" is the model
    # … a self-correction replaces the label before it
    ("2. Actually, 4.", BFI, "4", "conclusion", ()),
    ("2, no wait, 4.", BFI, "4", "conclusion", ()),
    ("2... actually, make that 4.", BFI, "4", "conclusion", ()),
    ("B. Actually, D.", FIVE, "D", "conclusion", ()),
    ("B, no wait, D.", FIVE, "D", "conclusion", ()),
    ("I'd pick B. Wait, no — D.", FIVE, "D", "conclusion", ()),
    ("Initially I'd pick 2, but on reflection 4.", BFI, "4", "conclusion", ()),
    ("I said 2 earlier but I meant 4.", BFI, "4", "conclusion", ()),
    ("I'd say 3. Scratch that: 2.", LIKERT, "2", "conclusion", ()),
    # … a committed answer after a hedged decline, an elimination or a narrowing is that answer
    ("I can't answer that for certain, but my best guess is 4.", BFI, "4", "conclusion", ()),
    ("I cannot say for sure, but D.", FIVE, "D", "lone-label", ()),
    ("I apologize, I cannot answer. But if forced: 3.", BFI, "3", "conclusion", ()),
    ("I can eliminate A, C, and D. That leaves B and E. I'll choose E.", FIVE, "E", "conclusion", ("elimination",)),
    ("Eliminating A and E leaves B, C, D. Of these, C fits best.", FIVE, "C", "lone-label", ("elimination",)),
    ("Options 1, 2 and 3 don't fit. 4 fits best.", BFI, "4", "lone-label", ("elimination",)),
    ("By elimination: D", FIVE, "D", "conclusion", ()),
    ("That leaves B and E.", FIVE, INVALID, "no-answer", ("elimination",)),
    # … and real refusals stay refused, the last word included
    ("I can't answer that.", BFI, REFUSED, "refusal", ()),
    ("As an AI I cannot have opinions.", BFI, REFUSED, "refusal", ()),
    ("If I were a person, I'd pick 4. As an AI, I can't.", BFI, REFUSED, "refusal", ()),
    ("I'd say 4. As an AI, I don't really have feelings, but that's my best guess.", BFI, "4", "choice-phrase", ()),
    ("4. I can't provide more detail than that.", BFI, "4", "leading-label", ()),
    ("Actually, 5 is too strong. I'd say 4.", BFI, "4", "choice-phrase", ()),
    ("Those who know me would say 4.", BFI, INVALID, "attributed", ("attribution",)),
    # … more of each kind, in other words
    ("Someone else might pick 4.", BFI, INVALID, "attributed", ("attribution",)),
    ("A psychologist might rate this a 3.", BFI, INVALID, "attributed", ("attribution",)),
    ("Their answer would be 5.", BFI, INVALID, "attributed", ("attribution",)),
    ("You'd probably pick 2.", BFI, INVALID, "attributed", ("attribution",)),
    ("They'd say 5.", BFI, INVALID, "attributed", ("attribution",)),
    ("We'd go with B.", FIVE, INVALID, "attributed", ("attribution",)),
    ("My friend would pick B.", FIVE, INVALID, "attributed", ("attribution",)),
    ("3 - no, 4.", BFI, "4", "conclusion", ()),
    ("Hmm, 2. No, actually 4.", BFI, "4", "conclusion", ()),
    ("2. On second thought, 3.", BFI, "3", "conclusion", ()),
    ("B... I mean C.", FIVE, "C", "conclusion", ()),
    ("C. Scratch that, A.", FIVE, "A", "conclusion", ()),
    ("I'd go with 2 - actually no, 4.", BFI, "4", "conclusion", ()),
    ("2. Actually no, 4.", BFI, "4", "conclusion", ()),
    ("I'll say 2. Hmm, on second thought, 4 fits better.", BFI, "4", "conclusion", ()),
    ("4. Wait, no, 2.", BFI, "2", "conclusion", ()),
    ("I'm unable to answer with certainty, but 3.", BFI, "3", "lone-label", ()),
    ("I can't know for sure, but probably 4.", BFI, "4", "lone-label", ()),
    ("A, B and D don't fit, so C.", FIVE, "C", "conclusion", ("elimination",)),
    ("After eliminating 1, 2 and 5, I'm left with 3 and 4. I'd pick 4.", BFI, "4", "choice-phrase",
     ("elimination",)),
    ("By process of elimination, B.", FIVE, "B", "conclusion", ()),
    ("I cannot say.", BFI, REFUSED, "refusal", ()),
    # … JSON: the field named exactly answer wins, several answers or none are no answer
    ('{"Answer": "B", "Answer2": "D"}', FIVE, "B", "json", ()),
    ('{"answer": ["B", "D"]}', FIVE, INVALID, "json", ()),
    ('{"selected_option": "C", "answer_explanation": "A is not me"}', FIVE, "C", "json", ()),
    ('{"answer": "B", "answer_2": "D"}', FIVE, "B", "json", ()),
    ('{"answer":"D"}{"answer":"B"}', FIVE, INVALID, "json", ()),
    ('{"answer":"D"}\n{"answer":"D"}', FIVE, "D", "json", ()),
    ('[{"item": 1, "answer": 4}, {"item": 2, "answer": 2}]', BFI, INVALID, "json", ()),
    ('{"answer": [4]}', BFI, "4", "json", ()),
    ('{"answer": [4, 2]}', BFI, INVALID, "json", ()),
    ('{"explanation": "I am outgoing so E fits"}', FIVE, INVALID, "json", ()),
    ('```json\n{"explanation": "I am outgoing so E fits"}\n```', FIVE, INVALID, "json", ()),
    ('{"result": {"answer": "C"}}', FIVE, "C", "json", ()),
    # an explicit Answer: line after a list is the committed answer, not a base model's run-on
    (_RECITAL + "\n\nAnswer: 4", BFI, "4", "label-only", ("recital",)),
    (_RECITAL + "\n\n**Answer: 4**", BFI, "4", "label-only", ("recital",)),
    (_RECITAL + "\n\nAnswer: 4 (Agree a little)", BFI, "4", "conclusion", ("recital",)),
    (_RECITAL_REV + "\n\nAnswer: 2", LIKERT, "2", "label-only", ("recital",)),
    (_LETTER_RECITAL + "\n\nAnswer: D", FIVE, "D", "label-only", ("recital",)),
    (_LETTER_RECITAL + "\n\nAnswer: (D)", FIVE, "D", "label-only", ("recital",)),
    ("1. Disagree strongly (2)\nAnswer: 4", BFI, "4", "label-only", ("recital",)),
    ("1. Consider the statement.\n2. Reflect on behaviour.\nAnswer: 4", BFI, "4", "label-only", ("recital",)),
    ("1: Disagree strongly\n5: Agree strongly\n\nAnswer: 4", BFI, "4", "conclusion", ("anchors",)),
    ("- A: Disagree strongly\n- E: Agree strongly\n\nAnswer: D", FIVE, "D", "conclusion", ("anchors",)),
    ("1. Disagree strongly\n\nAnswer: 4", BFI, "4", "conclusion", ()),
    (_RECITAL + "\n\nMy answer: 4", BFI, "4", "label-only", ("recital",)),
    ("4\n\nQuestion: I am talkative.\nAnswer: 2", BFI, "4", "label-only", ("run-on",)),
    ("1. Disagree strongly\nAnswer: 2. Disagree a little\nAnswer: 3", BFI, INVALID, "recital", ("run-on",)),
    # a negation covers every label of the list after it
    ("Not 1 or 2.", BFI, INVALID, "negation", ("negation",)),
    ("I wouldn't pick 1 or 2.", BFI, INVALID, "negation", ("negation",)),
    ("Not A or B.", FIVE, INVALID, "negation", ("negation",)),
    ("I'd never pick A or B.", FIVE, INVALID, "negation", ("negation",)),
    ("Not 1 or 2, but 4.", BFI, "4", "lone-label", ("negation",)),
    ("Not A or B, so D.", FIVE, "D", "conclusion", ("negation",)),
    ("I wouldn't pick 1, 2 or 3. I'd pick 5.", BFI, "5", "choice-phrase", ("negation",)),
    # a number followed by a counted noun is a count, not a label; a rating in stars is a label
    ("I see 2 sides to this.", BFI, INVALID, "no-answer", ("not-a-choice",)),
    ("I have 3 kids and love chatting.", BFI, INVALID, "no-answer", ("not-a-choice",)),
    ("There are 5 possible answers.", BFI, INVALID, "no-answer", ("not-a-choice",)),
    ("Here are 3 thoughts: I like people.", BFI, INVALID, "no-answer", ("not-a-choice",)),
    ("5 reasons why I'm talkative", BFI, INVALID, "no-answer", ("not-a-choice",)),
    ("My answer is 4 because I have 3 kids.", BFI, "4", "conclusion", ("not-a-choice",)),
    ("I'd pick 4 - there are 5 possible answers but 4 fits.", BFI, "4", "choice-phrase", ("not-a-choice",)),
    ("4 answers this best.", BFI, "4", "leading-label", ()),
    # after a verb of having or being there, a number before any word counts (the noun need not be listed)
    ("I have 4 cousins.", BFI, INVALID, "no-answer", ("not-a-choice",)),
    ("There are 3 of us at home.", BFI, INVALID, "no-answer", ("not-a-choice",)),
    ("We've got 2 parrots and they talk a lot.", BFI, INVALID, "no-answer", ("not-a-choice",)),
    ("I've got 2 dogs, so 4.", BFI, "4", "conclusion", ("not-a-choice",)),
    ("I'd have 4 friends over, so 5.", BFI, "5", "conclusion", ("not-a-choice",)),
    ("I have 4.", BFI, "4", "lone-label", ()),
    ("I have 4 as my answer.", BFI, "4", "lone-label", ()),
    # a label asked about is not chosen; a hedge is
    ("Is it 4?", BFI, INVALID, "no-answer", ("question",)),
    ("Could it be B?", FIVE, INVALID, "no-answer", ("question",)),
    ("What about 5?", BFI, INVALID, "no-answer", ("question",)),
    ("Is it 4? Yes, 4.", BFI, "4", "lone-label", ("question",)),
    ("Should I say 3? I'll say 3.", BFI, "3", "choice-phrase", ("question",)),
    ("What about 5? No, 3.", BFI, "3", "conclusion", ("negation", "question")),
    ("Answer: 4. Is it right? I think so.", BFI, "4", "conclusion", ("question",)),
    ("Maybe 4?", BFI, "4", "lone-label", ()),
    ("I rate it 4 stars out of 5.", BFI, "4", "choice-phrase", ()),
    ("I'd give it 4 out of 5 stars.", BFI, "4", "lone-label", ()),
    ("4 stars", BFI, "4", "leading-label", ()),
    ("4 out of 5", BFI, "4", "label-only", ()),
    # a later conclusion: an answer after a reconsideration, a correction or a revision from one label to another
    ("Answer: 3\n\nOn second thought, the answer is 4.", BFI, "4", "conclusion", ()),
    ("Answer: 5\n\nWait, let me reconsider. Answer: 4", BFI, "4", "conclusion", ()),
    ("Answer: 2\nActually, Answer: 4", BFI, "4", "conclusion", ()),
    ("(A)\n\nWait, the answer is (C).", FIVE, "C", "conclusion", ()),
    ("3... hmm, 4.", BFI, "4", "conclusion", ()),
    ("Initially 5, but after reflection: 4.", BFI, "4", "conclusion", ()),
    ("I'll revise my answer from 2 to 4.", BFI, "4", "conclusion", ()),
    ("I'd change my answer from B to D.", FIVE, "D", "conclusion", ()),
    ("I changed my mind from 4 to 2.", BFI, "2", "conclusion", ()),
    ("I actually love parties. Answer: 5", BFI, "5", "conclusion", ()),
    # two conditional answers are two answers; a checklist reads the one label it does not cross out
    ("3 on weekdays, 5 on weekends.", BFI, INVALID, "two-labels", ()),
    ("2 at work, 4 with friends.", BFI, INVALID, "two-labels", ()),
    ("3 in general, but 5 with close friends.", BFI, INVALID, "two-labels", ()),
    ("4 on most days.", BFI, "4", "leading-label", ()),
    ("1: no, 2: no, 3: no, 4: yes, 5: no", BFI, "4", "lone-label", ("negation",)),
    ("A: no. B: no. C: maybe. D: yes. E: no.", FIVE, "D", "lone-label", ("negation",)),
    ("A \u274c B \u274c C \u274c D \u2705 E \u274c", FIVE, "D", "lone-label", ("negation",)),
    ("1: no, 2: no, 3: no, 4: no, 5: no", BFI, INVALID, "negation", ("negation",)),
    ("1: no, 2: no, 3: no, 4: yes, 5: yes", BFI, INVALID, "lone-label", ("negation",)),
    # the same kinds on reversed cells (D−: LIKERT, L−: FIVE_REV): labels are read, whatever they stand for
    ("\n".join(f"{k}. {t}" for k, t in zip("ABCDE", LIKERT_ORIGINAL[::-1])) + "\n\nAnswer: B", FIVE_REV, "B",
     "label-only", ("recital",)),
    ("Not 1 or 2.", LIKERT, INVALID, "negation", ("negation",)),
    ("I'd never pick A or B.", FIVE_REV, INVALID, "negation", ("negation",)),
    ("There are 5 possible answers.", LIKERT, INVALID, "no-answer", ("not-a-choice",)),
    ("I rate it 4 stars out of 5.", LIKERT, "4", "choice-phrase", ()),
    ("Answer: 3\n\nOn second thought, the answer is 4.", LIKERT, "4", "conclusion", ()),
    ("I'd change my answer from B to D.", FIVE_REV, "D", "conclusion", ()),
    ("2 at work, 4 with friends.", LIKERT, INVALID, "two-labels", ()),
    ("A \u274c B \u274c C \u274c D \u2705 E \u274c", FIVE_REV, "D", "lone-label", ("negation",)),
]


@pytest.mark.parametrize(("reply", "cell", "expected", "rule", "set_aside"), RULE_TABLE,
                         ids=[f"{k}-{row[3]}" for k, row in enumerate(RULE_TABLE)])
def test_rule_table(reply: str, cell: Cell, expected: str, rule: str, set_aside: tuple[str, ...]) -> None:
    got = parse_answer(reply, cell)
    if expected in (INVALID, REFUSED):
        assert (got.status, got.label, got.value) == (expected, None, None), got
        assert REASONS.get(rule, "") in got.reason, got
    else:
        assert (got.status, got.label) == ("ok", expected), got
        assert got.value == cell.label_values[cell.labels.index(expected)] and got.reason is None
    assert got.rule == rule, got
    assert set(set_aside) <= set(got.set_aside), got
    assert got.raw_text == reply


# A reply cut at the token budget (finish_reason "length"): the first option's label and its text alone is where a
# recited list starts, not an answer; a committed marker is read as usual. Each row: reply, cell, expected, rule.
CUT_TABLE = [
    ("1. Agree strongly", LIKERT, INVALID, "cut-list-start"),  # a newcomer's reply at --max-tokens 4
    ("1. Disagree strongly", BFI, INVALID, "cut-list-start"),
    ("1. Agree str", LIKERT, INVALID, "cut-list-start"),
    ("(A) Go and introduce yourself", SCEN, INVALID, "cut-list-start"),
    ("A. Disagree strongly", FIVE, INVALID, "cut-list-start"),
    ("Answer: 4 because", BFI, "4", "conclusion"),
    ('{"answer": 4, "why": "I am rather', BFI, "4", "lone-label"),
    ("1", LIKERT, "1", "label-only"),  # a label alone at a budget of one token
    ("2. Agree a little", LIKERT, "2", "leading-label"),  # a list starts with the first option
    ("1. Agree strongly. I love", LIKERT, "1", "leading-label"),  # more than the option's text
]


@pytest.mark.parametrize(("reply", "cell", "expected", "rule"), CUT_TABLE)
def test_cut_table(reply: str, cell: Cell, expected: str, rule: str) -> None:
    got = parse_answer(reply, cell, finish_reason="length")
    read = got.label if got.status == "ok" else got.status
    assert (read, got.rule) == (expected, rule), got
    if rule == "cut-list-start":
        assert "stopped at the token budget" in got.reason
        uncut = parse_answer(reply, cell)  # the same reply, not cut, is the first option
        assert (uncut.status, uncut.label, uncut.rule) == ("ok", cell.labels[0], "leading-label"), uncut


def test_rule_table_covers_every_rule_and_step() -> None:
    assert len(RULE_TABLE) >= 60
    assert {row[3] for row in RULE_TABLE} | {row[3] for row in CUT_TABLE} == set(get_args(ParseRule))
    assert {s for row in RULE_TABLE for s in row[4]} == set(get_args(SetAside))
    kinds = {("letters" if row[1].labels[0] == "A" else "digits", row[1].order) for row in RULE_TABLE}
    assert kinds >= {("letters", "original"), ("digits", "original"), ("digits", "reversed")}


def test_rules_are_tried_in_the_documented_order() -> None:
    doc = rules_module.__doc__
    positions = [doc.index(f"``{name}``") for name, _ in RULES]
    assert positions == sorted(positions)


@pytest.mark.parametrize("module", [rules_module, reasoning_module], ids=lambda m: m.__name__)
def test_docstring_examples(module) -> None:
    result = doctest.testmod(module, verbose=False)
    assert result.attempted > 0 and result.failed == 0


def test_reasoning_is_returned_apart() -> None:
    got = parse_answer("<think>I plan ahead.</think>\n(B)", SCEN)
    assert (got.label, got.reasoning, got.raw_text) == ("B", "I plan ahead.", "<think>I plan ahead.</think>\n(B)")
    assert parse_answer("(B)", SCEN).reasoning is None


@pytest.mark.parametrize(("reply", "answer", "reasoning"), [
    ("<think>x</think>B", "B", "x"),
    ("<thinking>\nweigh it\n</thinking>\n\nB", "B", "weigh it"),
    ("x</think>\nB", "B", "x"),
    ("<think>cut by the budget", "", "cut by the budget"),
    ("[THINK]short[/THINK]C", "C", "short"),
    ("<|channel|>analysis<|message|>The user asks.<|end|><|start|>assistant<|channel|>final<|message|>D<|return|>",
     "D", "The user asks."),
    ("analysisThe user asks about parties.assistantfinalA", "A", "The user asks about parties."),
    ("plain B", "plain B", None),
])
def test_split_reasoning(reply: str, answer: str, reasoning: str | None) -> None:
    assert split_reasoning(reply) == (answer, reasoning)


# Real replies ---------------------------------------------------------------------------------------------------
# 144 generate-mode replies of SmolLM2-135M-Instruct (chat) and the embedded Gemma 3 270M (base, raw completion) to
# 36 prompts of this project (real_replies/collect.py), each read by hand (real_replies/readings.tsv).

REAL = Path(__file__).parent / "real_replies"


def _real_rows() -> list[tuple[dict, dict, dict]]:
    data = json.loads((REAL / "replies.json").read_text())
    prompts = {p["id"]: p for p in data["prompts"]}
    lines = [line for line in (REAL / "readings.tsv").read_text().splitlines() if not line.startswith("#")]
    header = lines[0].split("\t")
    readings = [dict(zip(header, line.split("\t"))) for line in lines[1:]]
    assert len(readings) == len(data["replies"]), "readings.tsv must read every reply in replies.json"
    return [(prompts[r["prompt_id"]], r, reading) for r, reading in zip(data["replies"], readings)]


REAL_ROWS = _real_rows()


def _real_cell(prompt: dict) -> Cell:
    return Cell(cell_id="real", inventory=prompt["inventory"], item=prompt["item"], scale="s",
                template=prompt["template"], order=prompt["order"], sample=0, prompt=prompt["prompt"],
                labels=prompt["labels"], label_values=prompt["label_values"], option_texts=prompt["option_texts"])


@pytest.mark.parametrize(("prompt", "reply", "reading"), REAL_ROWS,
                         ids=[f"{row[2]['n']}-{row[1]['model'][:6]}-{row[1]['prompt_id']}" for row in REAL_ROWS])
def test_real_reply(prompt: dict, reply: dict, reading: dict) -> None:
    assert (reading["model"], reading["prompt_id"], float(reading["temperature"])) == \
        (reply["model"], reply["prompt_id"], reply["temperature"])
    got = parse_answer(reply["reply"], _real_cell(prompt))
    read = got.label if got.status == "ok" else got.status
    assert read == (reading["read_as"] or reading["expected"]), (reply["reply"], got)
    assert got.rule == reading["rule"], (reply["reply"], got)


def test_real_replies_cover_both_models_and_every_kind() -> None:
    models = {r["model"] for _, r, _ in REAL_ROWS}
    assert models == {"smollm2-135m-instruct", "gemma-3-270m"}
    assert {p["template"] for p, _, _ in REAL_ROWS} == {"instruct", "qa", "short"}
    assert {p["inventory"] for p, _, _ in REAL_ROWS} == {"bfi44", "ipip50", "oejts", "trait-scenarios"}
    assert {r["temperature"] for _, r, _ in REAL_ROWS} == {0.0, 0.8}
    expected = [row[2]["expected"] for row in REAL_ROWS]
    assert expected.count("invalid") < len(expected) - 30  # plenty of answers among them, too
    misread = [row[2]["n"] for row in REAL_ROWS if row[2]["read_as"]]
    assert len(misread) <= 1, f"known misreads grew: {misread}"


# Log-probabilities --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("token", "norm"), [(" 3", "3"), ("3", "3"), ("(B", "B"), ("**4", "4"), ("3.", "3"),
                                            (" B)", "B"), ("2:", "2"), ("\u25812", "2"), ("\n", ""), ("b", "b")])
def test_normalise_token(token: str, norm: str) -> None:
    assert normalise_token(token) == norm


def test_logprobs_sum_duplicates_and_map_back() -> None:
    top = [(" 3", math.log(0.2)), ("3", math.log(0.1)), ("1", math.log(0.4)), ("\n", math.log(0.2)),
           ("(2", math.log(0.1))]
    probs, expected, outside = probs_from_top_logprobs(top, LIKERT)
    # label 1 → value 5, label 2 → value 4, label 3 → value 3; mass on labels 0.8
    assert probs == pytest.approx({1: 0.0, 2: 0.0, 3: 0.375, 4: 0.125, 5: 0.5})
    assert sum(probs.values()) == pytest.approx(1.0)
    assert outside == pytest.approx(0.2)
    assert expected == pytest.approx(3 * 0.375 + 4 * 0.125 + 5 * 0.5)


def test_logprobs_mass_outside_counts_tokens_beyond_the_list() -> None:
    probs, expected, outside = probs_from_top_logprobs([("4", math.log(0.3)), ("5", math.log(0.3))], LIKERT)
    assert outside == pytest.approx(0.4)
    assert probs[2] == pytest.approx(0.5) and probs[1] == pytest.approx(0.5)
    assert expected == pytest.approx(1.5)


def test_logprobs_no_label_present() -> None:
    assert probs_from_top_logprobs([("\n", -0.1), (" The", -2.0)], LIKERT) == (None, None, 1.0)
    assert probs_from_top_logprobs([], SCENARIO) == (None, None, 1.0)


def test_logprobs_scenario_has_no_expected_value() -> None:
    top = [(" B", math.log(0.5)), ("B", math.log(0.1)), (" C", math.log(0.2)), ("a", math.log(0.1))]
    probs, expected, outside = probs_from_top_logprobs(top, SCENARIO)
    assert expected is None
    # B → original option 1, C → original option 4; lower-case "a" is not the label A
    assert probs == pytest.approx({1: 0.75, 2: 0.0, 3: 0.0, 4: 0.25})
    assert outside == pytest.approx(0.2)


@pytest.mark.parametrize(("reply", "cell", "says"), [
    ("I would not choose 5.", BFI, "does not choose 'Agree strongly'"),
    ("4, or maybe 2.", BFI, "a hedge: 'or maybe 2'"),
    ("I'd choose 4, though 3 is also possible.", BFI, "4, 3"),
    ("5. I disagree.", BFI, "label 5 is 'Agree strongly' but the reply says 'I disagree'"),
    ("(5) I don't agree at all.", BFI, "but the reply says \"I don't agree\""),
    ("-1", BFI, "opens with -1"),
])
def test_newcomer_reasons_name_what_was_read(reply: str, cell: Cell, says: str) -> None:
    assert says in (parse_answer(reply, cell).reason or "")
