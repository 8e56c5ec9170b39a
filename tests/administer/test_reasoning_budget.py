"""Reasoning models and token budgets: --max-tokens, --reasoning-effort, finish_reason, reasoning kept apart.

The test server acts as a reasoning model that reasons for 100 tokens before its one-token answer. With the old
fixed budget of 32 tokens every reply came back empty with ``finish_reason: "length"`` and was stored as an
"empty reply"; now such a reply says it stopped at the token budget, the summary says which option raises it,
and a larger budget gets the answers, with the reasoning stored beside them.
"""

from __future__ import annotations

import json

import pytest

from psychometrics.administer import AuditError, audit
from psychometrics.administer._parse import parse_answer
from psychometrics.store import Store
from tests.robustness.conftest import cli_env, run_cli
from tests.support.no_answer import audit_without_answers
from tests.support.openai_server import OpenAIServer, ServerConfig, default_choice

ONE = dict(inventories=["bfi44"], templates=["instruct"], orders=["original"], limit_items=3, mode="generate")


def _responses(db: str, run_id: str):
    with Store(db, create=False) as store:
        return list(store.iter_responses(run_id))


@pytest.mark.parametrize("where", ["reasoning_content", "think", "hidden"])
@pytest.mark.parametrize("fast", ["1", "0"])
def test_a_reasoning_model_needs_a_larger_budget(db, monkeypatch, where, fast):
    monkeypatch.setenv("PSYCHOMETRICS_FAST_PATH", fast)
    with OpenAIServer(ServerConfig(reasoning_tokens=100, reasoning_in=where)) as server:
        cut = audit_without_answers("openai/test-model", **ONE, api_base=server.api_base, db=db)
        assert [b["max_tokens"] for b in server.bodies] == [32] * 3
        enough = audit("openai/test-model", **ONE, max_tokens=400, api_base=server.api_base, db=db)
        assert [b["max_tokens"] for b in server.bodies[3:]] == [400] * 3  # a new budget: every cell asked again
    for r in _responses(db, cut.run.run_id):
        assert r.status == "invalid" and r.finish_reason == "length"
        assert r.raw_text in ("", None) or (where == "think" and r.raw_text.startswith("<think>"))  # never closed
        assert r.error == "stopped at the token budget (max_tokens 32) before an answer: raise it with --max-tokens"
        if where != "hidden":
            assert r.reasoning and len(r.reasoning.split()) == 32  # what it reasoned before the budget ran out
    assert cut.run.counts == {"invalid": 3}
    plan = {c.cell_id: c for c in enough.plan.cells}
    for r in _responses(db, enough.run.run_id):
        cell = plan[r.cell_id]
        assert r.status == "ok" and r.finish_reason == "stop" and r.parse_rule == "label-only"
        assert r.raw_text.strip() == default_choice(cell.prompt, cell.labels)  # the answer, without the reasoning
        assert (r.reasoning is None) == (where == "hidden")
        if r.reasoning:
            assert len(r.reasoning.split()) == 100 and "<think>" not in r.reasoning


def test_finish_reason_rule_and_reasoning_are_stored_for_every_reply(db):
    with OpenAIServer() as server:
        gen = audit("openai/test-model", **ONE, api_base=server.api_base, db=db)
        lp = audit("openai/test-model", **{**ONE, "mode": "logprobs"}, api_base=server.api_base, db=db)
    for r in _responses(db, gen.run.run_id):
        assert r.finish_reason == "stop" and r.parse_rule == "label-only" and r.set_aside == [] and r.reasoning is None
    for r in _responses(db, lp.run.run_id):
        assert r.finish_reason == "stop" and r.parse_rule is None and r.set_aside is None


def test_the_parsers_rule_and_what_it_set_aside_are_stored(db):
    replies = {"is talkative": "1. Agree strongly\n2. Agree a little\nMy answer is 4.",
               "tends to find fault": "I do not agree strongly.",
               "does a thorough job": '{"answer": 2, "why": "Unlike option 5, …"}'}

    def choose(prompt, labels):
        return next((text for fragment, text in replies.items() if fragment in prompt), labels[0])

    with OpenAIServer(ServerConfig(choose=choose)) as server:
        result = audit("openai/test-model", **ONE, api_base=server.api_base, db=db)
    cells = {c.cell_id: c for c in result.plan.cells}
    stored = _responses(db, result.run.run_id)
    for r in stored:  # the stored reading is the parser's, field for field
        reading = parse_answer(r.raw_text, cells[r.cell_id])
        assert (r.status, r.value, r.parse_rule, r.set_aside) == (reading.status, reading.value, reading.rule,
                                                                  list(reading.set_aside))
    got = {r.item: (r.status, r.parse_rule, r.set_aside) for r in stored}
    assert got["1"][2] == ["recital"] and got["2"] == ("invalid", "negation", ["negation"])
    assert got["3"] == ("ok", "json", [])


def test_reasoning_effort_is_sent_and_changes_the_cells(db):
    with OpenAIServer() as server:
        plain = audit("openai/test-model", **ONE, api_base=server.api_base, db=db)
        low = audit("openai/test-model", **ONE, reasoning_effort="low", api_base=server.api_base, db=db)
        bodies = list(server.bodies)
    assert ["reasoning_effort" in b for b in bodies] == [False] * 3 + [True] * 3
    assert {b["reasoning_effort"] for b in bodies[3:]} == {"low"}
    assert low.run.design.settings.reasoning_effort == "low" and low.run.run_id != plain.run.run_id
    assert not {c.cell_id for c in plain.plan.cells} & {c.cell_id for c in low.plan.cells}


@pytest.mark.parametrize(("model", "words"), [
    ("sim/steady", "do not reason"),
    ("anthropic/claude-3-5-haiku-20241022", "passes no reasoning effort"),  # litellm's table: no reasoning_effort
])
def test_reasoning_effort_where_the_provider_takes_none_fails_before_any_call(db, model, words):
    with pytest.raises(AuditError, match=words):
        audit(model, ["bfi44"], limit_items=1, reasoning_effort="high", db=db)


@pytest.mark.parametrize(("kwargs", "words"), [({"max_tokens": 0}, "--max-tokens must be at least 1"),
                                               ({"reasoning_effort": "extreme"}, "--reasoning-effort must be one of")])
def test_bad_budget_options_fail_before_any_call(db, kwargs, words):
    with pytest.raises(AuditError, match=words):
        audit("sim/steady", ["bfi44"], limit_items=1, db=db, **kwargs)


def test_summary_suggests_raising_the_budget_and_the_cli_passes_it_on(tmp_path, capsys):
    from psychometrics.cli._summary import print_run_summary

    db = f"sqlite:///{tmp_path / 'r.db'}"
    with OpenAIServer(ServerConfig(reasoning_tokens=100)) as server:
        cut = audit_without_answers("openai/test-model", **ONE, api_base=server.api_base, db=db)
        capsys.readouterr()
        print_run_summary(cut.run.run_id, db=db, json_=False)
        text = " ".join(capsys.readouterr().out.split())
        print_run_summary(cut.run.run_id, db=db, json_=True)
        as_json = json.loads(capsys.readouterr().out)
        done = run_cli("audit", "--model", "openai/test-model", "--api-base", server.api_base, "--db", db,
                       "--inventory", "bfi44", "--templates", "instruct", "--orders", "original", "--limit-items", "3",
                       "--mode", "generate", "--no-report", "--max-tokens", "400", "--reasoning-effort", "low",
                       env=cli_env())
        sent = [(b["max_tokens"], b.get("reasoning_effort")) for b in server.bodies]
    assert ("3 generated replies stopped at the token budget (max_tokens 32) before an answer: raise it with "
            "--max-tokens") in text
    assert as_json["cut_by_token_budget"] == 3
    assert done.returncode == 0, done.stderr
    assert "stopped at the token budget" not in done.stdout and "3 ok" in done.stdout
    assert sent == [(32, None)] * 3 + [(400, "low")] * 3


def test_shape_and_schedule_plans_pass_the_budget_on(db, tmp_path):
    from psychometrics.schedule import load_schedule_plan
    from psychometrics.shape import shape

    result = shape("sim/steady", "bfi44", traits="extraversion", levels=2, templates=["instruct"],
                   orders=["original"], limit_items=2, max_tokens=64, mode="generate", db=db)
    with Store(db, create=False) as store:
        assert store.get_run(result.run_id).design.settings.max_tokens == 64
    plan_file = tmp_path / "plan.yaml"
    plan_file.write_text("version: 1\nname: budget\nmodels: [{model: sim/steady}]\ninventories: [bfi44]\n"
                         "design: {max_tokens: 2000, reasoning_effort: medium}\nlimits: {max_wait: 900}\n")
    kwargs = load_schedule_plan(plan_file).design_kwargs()
    assert (kwargs["max_tokens"], kwargs["reasoning_effort"], kwargs["max_wait"]) == (2000, "medium", 900)


@pytest.mark.parametrize("dry_run", [False, True])
def test_reasoning_effort_in_log_prob_mode_is_a_usage_error(tmp_path, dry_run):
    """A reasoning model reasons before it answers, so the first tokens' log-probabilities are not its answer:
    ``--mode logprobs`` with ``--reasoning-effort`` is refused in one line, exit 2, nothing sent (a dry run too)."""
    db = f"sqlite:///{tmp_path / 'r.db'}"
    with OpenAIServer() as server:
        args = ["audit", "--model", "openai/test-model", "--api-base", server.api_base, "--db", db, "--inventory",
                "bfi44", "--limit-items", "1", "--mode", "logprobs", "--reasoning-effort", "low", "--no-report"]
        done = run_cli(*args, *(["--dry-run"] if dry_run else []), env=cli_env())
        assert server.requests == 0
    assert done.returncode == 2, done.stdout + done.stderr
    (line,) = done.stderr.strip().splitlines()
    assert "--reasoning-effort" in line and "--mode logprobs" in line and "Traceback" not in done.stderr


def test_reasoning_effort_in_auto_mode_generates(db):
    """``--mode auto`` with a reasoning effort asks for generated replies (with the effort), never log-probs."""
    with OpenAIServer() as server:
        result = audit("openai/test-model", **{**ONE, "mode": "auto"}, reasoning_effort="low",
                       api_base=server.api_base, db=db)
        bodies = list(server.bodies)
    assert [("logprobs" in b, b.get("reasoning_effort")) for b in bodies] == [(False, "low")] * 3
    assert result.run.counts == {"ok": 3}
    assert {r.mode for r in _responses(db, result.run.run_id)} == {"generate"}


@pytest.mark.parametrize(("text", "says"), [
    ("", "stopped at the token budget (max_tokens 32) before an answer: raise it with --max-tokens"),
    ("I see myself as someone who", "stopped at the token budget (max_tokens 32) before an answer"),
    ("1. Disagree strongly", "stopped at the token budget (max_tokens 32) before an answer"),  # a list's start
    ("1. Agree strongly\n2. Agree a little\n3. Neither agree",
     "recites the option list without choosing an option; the reply was cut at the token budget"),
    ("5 (Disagree strongly) because I", "but the reply says 'Disagree strongly'; the reply was cut at the token budget"),
])
def test_a_cut_reply_keeps_the_parsers_own_reason(text, says):
    """Only a reply cut before it named anything gets the budget as its reason; a conflict or a recital the parser
    found is the reason (a newcomer saw every cut reply's reason replaced by the budget's)."""
    from types import SimpleNamespace

    from psychometrics.administer._call import response_from_reply
    from psychometrics.plan import build_plan

    cell = build_plan(model="sim/steady", inventories=["bfi44"], templates=["instruct"], orders=["original"],
                      limit_items=1).cells[0]
    choice = SimpleNamespace(message=SimpleNamespace(content=text), finish_reason="length")
    reply = SimpleNamespace(choices=[choice], usage=None)
    got = response_from_reply(cell, "run", "openai/x", "generate", reply, 0.1, 1, max_tokens=32)
    assert got.status == "invalid" and got.finish_reason == "length"
    assert says in got.error, got.error


@pytest.mark.parametrize(("text", "finish", "status", "value"), [
    ("1. Disagree strongly", "stop", "ok", 1),  # not cut: the first option, with its text
    ("1. Disagree strongly", "length", "invalid", None),  # cut: only the start of a recited list
    ("Answer: 4 because", "length", "ok", 4),  # cut after a committed marker
    ('{"answer": 4, "why": "I am', "length", "ok", 4),
])
def test_finish_reason_reaches_the_parser(text, finish, status, value):
    """The runner hands the provider's ``finish_reason`` to the parser: a reply cut at the budget that is only the
    first option's label and text (a newcomer's ``1. Agree strongly`` at ``--max-tokens 4``) is no answer, stored
    with the budget as its reason; the same reply not cut, and a cut reply with a committed marker, are answers."""
    from types import SimpleNamespace

    from psychometrics.administer._call import response_from_reply
    from psychometrics.plan import build_plan

    cell = build_plan(model="sim/steady", inventories=["bfi44"], templates=["instruct"], orders=["original"],
                      limit_items=1).cells[0]
    choice = SimpleNamespace(message=SimpleNamespace(content=text), finish_reason=finish)
    got = response_from_reply(cell, "run", "openai/x", "generate", SimpleNamespace(choices=[choice], usage=None),
                              0.1, 1, max_tokens=4)
    assert (got.status, got.value, got.finish_reason) == (status, value, finish), got
    if status == "invalid":
        assert got.error.startswith("stopped at the token budget (max_tokens 4)") and got.parse_rule == "cut-list-start"


def test_the_summary_counts_only_replies_whose_reason_is_the_budget(db_url, capsys):
    """Of three replies cut at the budget (``finish_reason`` ``length``), only the one cut before it named anything
    is stored with the budget as its reason; a recital and a contradiction keep their own reasons. The summary's
    count and its ``--max-tokens`` hint count that one (a newcomer saw every invalid reply with ``length``
    counted)."""
    from psychometrics.cli._summary import print_run_summary

    replies = {"is talkative": "I see myself as someone who talks a great deal every day",
               "tends to find fault": "1. Disagree strongly\n2. Disagree a little\n3. Neither agree nor disagree",
               "does a thorough job": "5 (Disagree strongly) because I never finish what I start"}

    def choose(prompt, labels):
        return next((text for fragment, text in replies.items() if fragment in prompt), labels[2])

    db = db_url
    with OpenAIServer(ServerConfig(choose=choose, cut_to_budget=True)) as server:
        result = audit("openai/test-model", **{**ONE, "limit_items": 4}, max_tokens=6, api_base=server.api_base,
                       db=db)
    stored = {r.item: r for r in _responses(db, result.run.run_id)}
    assert [stored[i].finish_reason for i in "1234"] == ["length", "length", "length", "stop"]
    assert stored["1"].error.startswith("stopped at the token budget (max_tokens 6)")
    assert stored["2"].error.startswith("recites the option list") and stored["3"].error.startswith("label 5")
    assert stored["4"].status == "ok"
    capsys.readouterr()
    print_run_summary(result.run.run_id, db=db, json_=False)
    text = " ".join(capsys.readouterr().out.split())
    print_run_summary(result.run.run_id, db=db, json_=True)
    assert json.loads(capsys.readouterr().out)["cut_by_token_budget"] == 1
    assert "1 generated reply stopped at the token budget (max_tokens 6) before an answer" in text


def test_a_cut_start_of_the_option_list_is_counted_by_the_budget_hint(db, capsys):
    """A real server cuts the reply at ``max_tokens``: an option list recited from its first line becomes ``1.
    Disagree strongly`` with ``finish_reason`` ``length`` (a newcomer saw it stored as the answer 1). It is stored
    invalid with the budget as its reason and counted by the summary's ``--max-tokens`` hint; a reply cut after a
    committed marker is an answer."""
    from psychometrics.cli._summary import print_run_summary

    replies = {"is talkative": "1. Disagree strongly\n2. Disagree a little\n3. Neither agree nor disagree",
               "tends to find fault": "Answer: 4 because I rarely do"}

    def choose(prompt, labels):
        return next((text for fragment, text in replies.items() if fragment in prompt), labels[2])

    with OpenAIServer(ServerConfig(choose=choose, cut_to_budget=True)) as server:
        result = audit("openai/test-model", **ONE, max_tokens=3, api_base=server.api_base, db=db)
    stored = {r.item: r for r in _responses(db, result.run.run_id)}
    assert (stored["1"].raw_text, stored["1"].finish_reason, stored["1"].status) == \
        ("1. Disagree strongly", "length", "invalid")
    assert stored["1"].error.startswith("stopped at the token budget (max_tokens 3)")
    assert (stored["2"].raw_text, stored["2"].finish_reason, stored["2"].status, stored["2"].value) == \
        ("Answer: 4 because", "length", "ok", 4)
    capsys.readouterr()
    print_run_summary(result.run.run_id, db=db, json_=True)
    assert json.loads(capsys.readouterr().out)["cut_by_token_budget"] == 1
