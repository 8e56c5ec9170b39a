"""`psychometrics interview`: a sim interview end to end, its JSON, and bad input (one line, exit 2 or 1)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from psychometrics.cli import app
from psychometrics.store import Store

MODEL = "sim/steady?extraversion=1"


def _invoke(*args: str):
    return CliRunner().invoke(app, list(args), env={"COLUMNS": "80"})


@pytest.fixture(scope="module")
def done(tmp_path_factory):
    folder = tmp_path_factory.mktemp("interview-cli")
    db = f"sqlite:///{folder / 'runs.db'}"
    audit = _invoke("audit", "--model", MODEL, "--templates", "instruct", "--orders", "original", "--samples", "3",
                    "--limit-items", "10", "--db", db, "--no-report", "--n-boot", "0", "--json")
    assert audit.exit_code == 0, audit.output
    result = _invoke("interview", "--model", MODEL, "--rater", "sim/default?rater_noise=0.5", "--rater",
                     "sim/default?rater_noise=0.5&seed=2", "--samples", "3", "--limit-items", "10", "--db", db,
                     "--out", str(folder), "--n-boot", "0", "--json")
    return folder, db, result


def test_the_interview_prints_its_run_with_rater_reliability_and_self_report_agreement(done):
    folder, db, result = done
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    iv = out["scores"]["interview"]
    assert iv["raters"] == ["sim/default?rater_noise=0.5", "sim/default?rater_noise=0.5&seed=2"]
    assert iv["n_answers"] == 30 and iv["n_rated"] == 30
    assert {r["kind"] for r in iv["reliability"]} == {"between"} and len(iv["reliability"]) == 5
    assert iv["self_report_run"] and len(iv["self_report"]) == 5
    # three samples, no personas: no respondent is the same in both runs, so no r; the means compared unpaired
    assert all(row["correlation"]["n"] == 0 and "exchangeable draws" in row["correlation"]["reason"]
               and row["difference"]["n_a"] == row["difference"]["n_b"] == 3 for row in iv["self_report"])
    assert (folder / f"{out['run']['run_id']}.html").is_file()
    score = _invoke("score", out["run"]["run_id"], "--db", db, "--json", "--n-boot", "0")
    assert score.exit_code == 0, score.output
    assert json.loads(score.stdout)["interview"]["self_report_run"] == iv["self_report_run"]


def test_the_score_tables_fit_80_columns(done):
    folder, db, result = done
    run_id = json.loads(result.stdout)["run"]["run_id"]
    text = _invoke("score", run_id, "--db", db, "--n-boot", "0").stdout
    assert "Inter-rater reliability" in text and "Interview vs self-report" in text
    assert not [line for line in text.splitlines() if len(line) > 80]


def test_no_rater_is_a_usage_error_in_one_line(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "psychometrics", "interview", "--model", "sim/default"],
                          capture_output=True, text=True, cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "--rater" in proc.stderr and "Traceback" not in proc.stderr


@pytest.mark.parametrize(("raters", "message"), [
    (["sim/nosuch"], "--rater: sim/nosuch: unknown sim preset 'nosuch'"),
    (["sim/default", "sim/default"], "rater 'sim/default' is given twice"),
    (["nosuchprovider/x"], "--rater: unknown model or provider 'nosuchprovider/x'"),
])
def test_a_bad_rater_is_one_line_exit_1_and_nothing_is_asked(tmp_path, raters, message):
    db = tmp_path / "runs.db"
    args = ["interview", "--model", "sim/default", "--db", f"sqlite:///{db}", "--no-report"]
    for r in raters:
        args += ["--rater", r]
    result = _invoke(*args)
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], result.stderr
    assert not db.exists()


@pytest.mark.parametrize(("options", "message"), [
    (["--rater", "sim/default", "--rater-mode", "logprobs", "--repeats", "2"],
     "--rater-mode logprobs reads the same rating on every repeat"),
    pytest.param(["--rater", "local/gemma-3-270m", "--rater-prompt-format", "chat"],
                 "--rater-prompt-format: local/gemma-3-270m is a base model without a chat template",
                 marks=pytest.mark.embedded),
])
def test_a_bad_rater_mode_or_prompt_format_is_one_line_exit_1_and_nothing_is_asked(tmp_path, options, message):
    db = tmp_path / "runs.db"
    result = _invoke("interview", "--model", "sim/default", *options, "--db", f"sqlite:///{db}", "--no-report")
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], result.stderr
    assert not db.exists()


def test_a_scenario_inventory_is_refused(tmp_path):
    result = _invoke("interview", "--model", "sim/default", "--rater", "sim/default", "--inventory",
                     "trait-scenarios", "--db", f"sqlite:///{tmp_path / 'runs.db'}", "--no-report")
    assert result.exit_code == 1 and "scenario items: an interview asks likert or bipolar items" in result.stderr


def test_a_run_in_which_no_rating_could_be_read_exits_1_and_keeps_the_replies(tmp_path):
    db = f"sqlite:///{tmp_path / 'runs.db'}"
    result = _invoke("interview", "--model", "sim/default", "--rater", "sim/refuser?refusal=1", "--limit-items", "5",
                     "--db", db, "--no-report")
    assert result.exit_code == 1
    assert "has no rating that could be read" in result.stderr and "5 were refused" in result.stderr
    with Store(db, create=False) as store:
        (run,) = store.list_runs()
        rows = list(store.iter_responses(run.run_id))
    assert run.status == "failed"
    assert sum(r.rates is None and r.status == "ok" for r in rows) == 5
    assert sum(r.rates is not None and r.status == "refused" and bool(r.raw_text) for r in rows) == 5


def test_a_question_template_without_the_item_is_refused_naming_the_file(tmp_path):
    bad = tmp_path / "mine.j2"
    bad.write_text("Tell me about yourself.\n", encoding="utf-8")
    result = _invoke("interview", "--model", "sim/default", "--rater", "sim/default", "--question-template",
                     str(bad), "--db", f"sqlite:///{tmp_path / 'runs.db'}", "--no-report")
    assert result.exit_code == 1
    assert str(bad) in result.stderr and "lacks the item text" in result.stderr


def test_a_finished_interview_is_complete_and_listed_as_an_interview(done):
    from psychometrics.score import incomplete_note

    folder, db, result = done
    run_id = json.loads(result.stdout)["run"]["run_id"]
    shown = _invoke("runs", "show", run_id, "--db", db)
    assert shown.exit_code == 0, shown.output
    assert "incomplete" not in shown.stdout and "--resume" not in shown.stdout
    warnings = json.loads(_invoke("score", run_id, "--db", db, "--json", "--n-boot", "0").stdout)["warnings"]
    assert not [w for w in warnings if "incomplete" in w]
    listed = _invoke("runs", "list", "--db", db).stdout
    assert "interview" in next(line for line in listed.splitlines() if line.startswith(run_id))
    with Store(db, create=False) as store:
        run = store.get_run(run_id)
    note = incomplete_note(run, run.n_cells - 1)
    assert "re-run the same psychometrics interview command" in note and "audit --resume" not in note


@pytest.mark.parametrize(("options", "message"), [
    (["--repeats", "2"], "--repeats 2 at --rater-temperature 0 repeats the same rating: give --rater-temperature > 0"),
    (["--repeats", "3", "--rater-temperature", "0"], "--repeats 3 at --rater-temperature 0 repeats the same rating"),
])
def test_repeats_at_rater_temperature_0_is_a_usage_error(tmp_path, options, message):
    """The same rating repeated would give a perfect intra-rater reliability that measures nothing."""
    db = tmp_path / "runs.db"
    result = _invoke("interview", "--model", "sim/default", "--rater", "sim/default", *options,
                     "--db", f"sqlite:///{db}", "--no-report")
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], result.stderr
    assert not db.exists()


def test_an_unknown_rater_prompt_format_is_a_usage_error_listing_the_choices(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "psychometrics", "interview", "--model", "sim/default", "--rater",
                           "sim/default", "--rater-prompt-format", "bogus", "--db", f"sqlite:///{tmp_path / 'r.db'}"],
                          capture_output=True, text=True, cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr
    assert "--rater-prompt-format" in proc.stderr and all(c in proc.stderr for c in ("auto", "chat", "completion"))
    assert "Traceback" not in proc.stderr and not (tmp_path / "r.db").exists()
