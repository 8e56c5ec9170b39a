"""Reading model replies as answers: generated text and first-token log-probabilities."""

from __future__ import annotations

import math

import pytest

from psychometrics.administer._parse import ParsedAnswer, normalise_token, parse_answer, probs_from_top_logprobs
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
