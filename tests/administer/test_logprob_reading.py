"""Reading log-probabilities where a reply names its label: openings, weights, both shapes, real replies."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from psychometrics.administer._parse import (
    MAX_MASS_OUTSIDE,
    MIN_LABEL_MASS,
    TokenPosition,
    probs_from_top_logprobs,
    read_label_probs,
    reads_further,
    token_positions,
)
from psychometrics.plan import Cell

REAL = json.loads((Path(__file__).parent / "real_replies" / "logprobs.json").read_text(encoding="utf-8"))

# label 1 = value 5 … label 5 = value 1 (reversed order), as in test_parse.py
LIKERT = Cell(cell_id="c0", inventory="inv", item="i1", scale="s", template="qa", order="reversed", sample=0,
              prompt="…\nAnswer: ", labels=["1", "2", "3", "4", "5"], label_values=[5, 4, 3, 2, 1],
              option_texts=["Agree strongly", "Agree a little", "Neither agree nor disagree", "Disagree a little",
                            "Disagree strongly"])
SCENARIO = Cell(cell_id="c1", inventory="inv", item="s1", scale="s", template="qa", order="original", sample=0,
                prompt="…\nAnswer: ", labels=["A", "B", "C", "D"], label_values=[1, 2, 3, 4],
                option_texts=["a", "b", "c", "d"])


def pos(token: str, p: float, **top: float) -> TokenPosition:
    """A position whose reply token is ``token`` (probability ``p``) with ``top`` as {token: probability}."""
    named = {token: p, **{k.replace("_", " "): v for k, v in top.items()}}
    return TokenPosition(token, math.log(p), tuple((t, math.log(q)) for t, q in named.items()))


def test_a_label_after_an_opening_is_weighted_by_the_opening() -> None:
    # "(" 0.5, "I" 0.3, label "2" directly 0.1; after "(": "2" 0.6, "4" 0.3, "The" 0.1
    reading = read_label_probs([pos("(", 0.5, I=0.3, **{"2": 0.1}), TokenPosition("2", math.log(0.6), (
        ("2", math.log(0.6)), ("4", math.log(0.3)), ("The", math.log(0.1))))], LIKERT)
    # P(2) = 0.1 + 0.5 × 0.6 = 0.4; P(4) = 0.5 × 0.3 = 0.15; outside 1 − 0.55 = 0.45
    assert reading.answered and reading.position == 1 and reading.reason is None
    assert reading.mass_outside == pytest.approx(0.45)
    assert reading.option_probs == pytest.approx({1: 0.0, 2: 0.15 / 0.55, 3: 0.0, 4: 0.4 / 0.55, 5: 0.0})
    assert reading.expected_value == pytest.approx((4 * 0.4 + 2 * 0.15) / 0.55)


def test_two_openings_then_the_label() -> None:
    # "**" 0.8 → "Option" 0.5 → " B" 0.9, " C" 0.1
    reading = read_label_probs([pos("**", 0.8, The=0.2), pos("Option", 0.5, **{"B": 0.3}),
                                pos(" B", 0.9, **{" C": 0.1})], SCENARIO)
    assert reading.answered and reading.position == 2
    # P(B) = 0.8 × 0.3 + 0.8 × 0.5 × 0.9 = 0.6; P(C) = 0.8 × 0.5 × 0.1 = 0.04
    assert reading.mass_outside == pytest.approx(1 - 0.64)
    assert reading.option_probs == pytest.approx({1: 0.0, 2: 0.6 / 0.64, 3: 0.04 / 0.64, 4: 0.0})
    assert reading.expected_value is None


@pytest.mark.parametrize(("positions", "further"), [
    ([pos("(", 0.5, I=0.3)], True),  # the reply opens a label: the next position is read
    ([pos("**", 0.8), pos("Option", 0.5)], True),
    ([pos("**", 0.8), pos("Option", 0.5), pos("**", 0.5)], False),  # at most MAX_OPENERS openings
    ([pos("2", 0.4, The=0.3)], False),  # a label first: read there
    ([pos("The", 0.6, **{"2": 0.1})], False),  # words: not an answer, nothing later changes that
    ([pos("(", 0.5), pos("4", 0.6)], False),
])
def test_reads_further_is_what_the_reading_would_read_next(positions, further) -> None:
    """What the embedded provider asks before producing another position: the same walk as the reading."""
    assert reads_further(positions, LIKERT.labels) is further
    if further:  # with the positions given, the reading says it wants a later one
        assert not read_label_probs(positions, LIKERT).answered


def test_a_first_token_that_is_a_label_is_read_there_even_with_most_mass_outside() -> None:
    # what a greedy decoder answers: "1" is the single most likely token though labels hold only 0.35
    reading = read_label_probs([pos("1", 0.25, I=0.2, You=0.2, The=0.2, **{"(": 0.05, "4": 0.1})], LIKERT)
    assert reading.answered and reading.position == 0
    assert reading.mass_outside == pytest.approx(0.65)
    assert reading.option_probs[5] == pytest.approx(0.25 / 0.35)  # label 1 is value 5


@pytest.mark.parametrize(("positions", "held"), [
    # the top token "3" is a label, but the options hold 8% (mass_outside 0.92): not an answer
    ([pos("3", 0.05, I=0.04, You=0.04, The=0.04, As=0.04, **{"4": 0.03})], "8%"),
    # after "(" (0.3): "2" 0.2 → the options hold 0.3 × 0.2 + 0.1 = 16%
    ([pos("(", 0.3, I=0.25, The=0.2, **{"1": 0.1}), pos("2", 0.2, a=0.1, b=0.1, c=0.1, d=0.1)], "16%"),
])
def test_an_answer_resting_on_too_little_of_the_probability_is_not_an_answer(positions, held) -> None:
    reading = read_label_probs(positions, LIKERT)
    assert not reading.answered and reading.position is not None
    assert reading.reason == (f"the options hold {held} of the probability where the reply names one (at least "
                              f"{MIN_LABEL_MASS:.0%} needed for an answer)")
    assert reading.option_probs is not None and sum(reading.option_probs.values()) == pytest.approx(1.0)


def test_an_answer_at_the_mass_bar_is_an_answer() -> None:
    reading = read_label_probs([pos("3", 0.16, I=0.1, You=0.1, **{"4": 0.1})], LIKERT)  # options hold 26%
    assert reading.answered and reading.mass_outside == pytest.approx(0.74) and MIN_LABEL_MASS == 0.25


def test_labels_holding_most_of_the_mass_are_read_whatever_the_top_token() -> None:
    reading = read_label_probs([pos("The", 0.3, **{"1": 0.25, "2": 0.25, "3": 0.2})], LIKERT)
    assert reading.answered and reading.position == 0 and reading.mass_outside == pytest.approx(0.3)
    assert reading.mass_outside <= MAX_MASS_OUTSIDE


@pytest.mark.parametrize(("positions", "reason"), [
    ([pos("I", 0.6, **{"1": 0.2})], "opens with 'I'"),
    ([pos("(", 0.6, **{"1": 0.1}), pos("I", 0.5, **{"2": 0.2})], "opens with '(I'"),
    ([pos("(", 0.6, **{"1": 0.1})], "gave no later position"),
    ([pos("**", 0.9, **{"1": 0.05}), pos("(", 0.9), pos("[", 0.9), pos("1", 0.9)], "opens with '**(['"),
])
def test_a_reply_that_names_no_label_where_it_answers_is_not_an_answer(positions, reason) -> None:
    reading = read_label_probs(positions, LIKERT)
    assert not reading.answered and reading.position is None
    assert reason in reading.reason and "fell outside the option labels" in reading.reason
    assert reading.option_probs is not None  # the probabilities are kept for the record


def test_no_label_anywhere() -> None:
    reading = read_label_probs([pos("I", 0.9, The=0.1)], LIKERT)
    assert reading.option_probs is None and reading.mass_outside == 1.0 and not reading.answered


def test_the_first_position_alone_reads_as_before() -> None:
    top = [(" 3", math.log(0.2)), ("3", math.log(0.1)), ("1", math.log(0.4)), ("\n", math.log(0.2))]
    reading = read_label_probs([TokenPosition("1", math.log(0.4), tuple(top))], LIKERT)
    assert (reading.option_probs, reading.expected_value, reading.mass_outside) == probs_from_top_logprobs(top, LIKERT)


def test_both_shapes_of_log_probs_give_the_same_positions() -> None:
    chat = {"content": [
        {"token": "(", "logprob": -0.5, "top_logprobs": [{"token": "(", "logprob": -0.5},
                                                         {"token": "I", "logprob": -1.5}]},
        {"token": "2", "logprob": -0.1, "top_logprobs": [{"token": "2", "logprob": -0.1},
                                                         {"token": "4", "logprob": -2.5}]}]}
    legacy = {"tokens": ["(", "2"], "token_logprobs": [-0.5, -0.1], "text_offset": [0, 1],
              "top_logprobs": [{"(": -0.5, "I": -1.5}, {"2": -0.1, "4": -2.5}]}

    class Obj:  # litellm hands them over as objects with these attributes
        def __init__(self, **kw):
            self.__dict__.update(kw)

    as_object = Obj(content=None, tokens=legacy["tokens"], token_logprobs=legacy["token_logprobs"],
                    top_logprobs=legacy["top_logprobs"])
    expected = [TokenPosition("(", -0.5, (("(", -0.5), ("I", -1.5))), TokenPosition("2", -0.1, (("2", -0.1), ("4", -2.5)))]
    assert token_positions(chat) == token_positions(legacy) == token_positions(as_object) == expected
    assert token_positions(None) is None and token_positions({"content": []}) is None


REAL_READINGS = {
    # id: (answered, position, label read, hand-checked from the tokens in logprobs.json)
    "chat/instruct/27/reversed": (True, 0, "1"),       # "1. Agree": the label first
    "chat/qa/27/reversed": (True, 1, "1"),             # "(1)": "(" 0.33, then "1" — read after the opening
    "chat/qa/26/reversed": (False, None, None),        # "I agree strongly": no label where it answers
    "chat/short/27/reversed": (True, 0, "1"),          # "1. Agree": "1" is the single most likely first token
    "completion/instruct/27/reversed": (True, 0, "1"),  # "1\n2"
    "completion/qa/27/reversed": (False, None, None),  # "\nThe answer": a newline opens, then words
    "completion/short/27/reversed": (True, 0, "1"),    # "1. I"
    "completion/short/8/reversed": (False, None, None),  # "\nI am"
}


@pytest.mark.parametrize("reply", REAL["replies"], ids=[r["id"] for r in REAL["replies"]])
def test_real_server_replies_are_read_where_the_label_is(reply) -> None:
    cell = Cell(cell_id="real", sample=0, persona=None, **reply["cell"])
    answered, position, label = REAL_READINGS[reply["id"]]
    reading = read_label_probs(token_positions(reply["logprobs"]), cell)
    assert (reading.answered, reading.position) == (answered, position), reading.reason
    assert reply["text"].lstrip("(\n ").startswith(label or "") or not answered
    assert sum(reading.option_probs.values()) == pytest.approx(1.0)
    assert 0.0 <= reading.mass_outside < 1.0
    if answered:
        chosen = max(reading.option_probs, key=reading.option_probs.get)
        assert chosen == cell.label_values[cell.labels.index(label)]


@pytest.mark.parametrize("fast", ["1", "0"])
def test_legacy_log_probs_on_a_chat_endpoint_are_read(db, monkeypatch, fast) -> None:
    """Some OpenAI-compatible servers answer the chat endpoint with the completions shape of log-probs."""
    from psychometrics.administer import audit
    from psychometrics.administer._fastpath import ENV_SWITCH
    from psychometrics.store import Store
    from tests.support.openai_server import OpenAIServer, ServerConfig, default_choice

    monkeypatch.setenv(ENV_SWITCH, fast)
    with OpenAIServer(ServerConfig(legacy_logprobs=True)) as server:
        result = audit("openai/test-model", ["bfi44"], templates=["qa"], orders=["original", "reversed"],
                       mode="logprobs", api_base=server.api_base, db=db, limit_items=3)
    with Store(db, create=False) as store:
        stored = list(store.iter_responses(result.run.run_id))
    assert result.tally.fast_path is (fast == "1") and len(stored) == 6
    cells = {c.cell_id: c for c in result.plan.cells}
    for r in stored:
        cell = cells[r.cell_id]
        label = default_choice(cell.prompt, cell.labels)  # the server's answer, with probability 0.7
        assert r.status == "ok" and r.logprob_position == 0 and r.mass_outside == pytest.approx(0.0, abs=1e-9)
        assert r.value == cell.label_values[cell.labels.index(label)] and r.option_probs[r.value] == pytest.approx(0.7)


def test_auto_mode_asks_a_cell_again_by_generation_and_the_summary_says_so(db, tmp_path) -> None:
    # The simulated respondent puts 80% on "I" and a newline: its log-probs name no label, its text does.
    from typer.testing import CliRunner

    from psychometrics.cli import app
    from psychometrics.store import Store

    args = ["audit", "--model", "sim/steady?outside=0.8", "-i", "sd3", "--templates", "instruct", "--orders",
            "original", "--limit-items", "3", "--db", db, "--no-report"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "mode generate (answers: 3 by generate)" in result.output
    with Store(db, create=False) as store:
        (run,) = store.list_runs()
        stored = list(store.iter_responses(run.run_id))
    assert [(r.mode, r.status) for r in stored] == [("generate", "ok")] * 3
    logprobs_only = CliRunner().invoke(app, [*args, "--mode", "logprobs"])
    # log-probs only: no cell holds an answer, which is not a success (exit 1); the replies stay stored
    assert logprobs_only.exit_code == 1, logprobs_only.output
    assert "has no answer" in logprobs_only.output and "answers:" not in logprobs_only.output


def test_a_log_prob_reading_that_is_no_answer_stores_no_value_and_every_reader_still_works(db, tmp_path) -> None:
    """A newcomer found the most likely label stored as the ``value`` of an invalid log-prob cell (only the export
    blanked it). ``sim/refuser`` puts 0.97 on "As" in half its cells: those are invalid with ``value`` and
    ``expected_value`` None, their probabilities, mass outside and reason kept; scoring, the report, the export,
    a comparison (with its test-retest) and ``--mode auto`` read the run as before."""
    from psychometrics.administer import audit
    from psychometrics.report import write_audit_report
    from psychometrics.score import compare_runs, score
    from psychometrics.store import Store
    from tests.robustness.conftest import cli_env, run_cli

    design = dict(templates=["instruct", "qa"], orders=["original", "reversed"], limit_items=10, db=db)
    first = audit("sim/refuser", ["bfi44"], mode="logprobs", **design)
    second = audit("sim/refuser", ["bfi44"], mode="logprobs", run_id="again", **design)
    with Store(db, create=False) as store:
        stored = list(store.iter_responses(first.run.run_id))
    invalid = [r for r in stored if r.status == "invalid"]
    assert len(invalid) >= 10 and len(stored) - len(invalid) >= 10, first.run.counts
    for r in invalid:
        assert (r.value, r.expected_value) == (None, None), r
        assert r.option_probs and sum(r.option_probs.values()) == pytest.approx(1.0)
        assert r.mass_outside == pytest.approx(0.97) and "opens with 'As'" in r.error
    for r in stored:
        if r.status == "ok":
            assert r.value == max(r.option_probs, key=r.option_probs.get) and r.expected_value is not None
    scores = score(first.run.run_id, db=db, n_boot=50)
    assert {k: n for k, n in scores.run.counts.items() if n} == first.run.counts and scores.scales
    assert score(first.run.run_id, db=db, n_boot=50, value="expected_value").scales
    assert write_audit_report(first.run.run_id, db=db, scores=scores, out=tmp_path).exists()
    comparison = compare_runs(first.run.run_id, second.run.run_id, db=db, n_boot=50)
    assert comparison.scales and comparison.retest is not None
    out = tmp_path / "x.csv"
    done = run_cli("runs", "export", first.run.run_id, "--db", db, "--out", str(out), env=cli_env())
    assert done.returncode == 0, done.stderr
    import pandas as pd

    frame = pd.read_csv(out)
    assert frame.loc[frame["status"] == "invalid", ["value", "expected_value"]].isna().all().all()
    assert frame.loc[frame["status"] == "invalid", "option_probs"].notna().all()
    auto = audit("sim/refuser", ["bfi44"], mode="auto", run_id="auto", **design)
    assert auto.tally.fallbacks == len(invalid)  # every such cell asked again by generation, as before
