"""`psychometrics score` and the summary `audit` / `runs show` print."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from psychometrics.cli import app
from psychometrics.score import AuditScores

runner = CliRunner()


def test_score_prints_the_tables(score_db, biased_run):
    result = runner.invoke(app, ["score", biased_run, "--db", score_db, "--n-boot", "20"], terminal_width=200)
    assert result.exit_code == 0, result.output
    out = result.stdout
    for title in ("Scale scores", "Reliability", "Option order", "Templates", "norms", "MTMM", "exploratory factor analysis",
                  "warnings"):
        assert title in out, title
    assert "order-sensitive" in out and "extraversion" in out


def test_score_json_is_audit_scores(score_db, biased_run):
    result = runner.invoke(app, ["score", biased_run, "--db", score_db, "--n-boot", "20", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["run"]["run_id"] == biased_run
    scores = AuditScores.model_validate(data)
    assert {s.verdict for s in scores.sensitivity} == {"order-sensitive"}


def test_bad_run_id_is_one_line_and_exit_1(score_db, biased_run):
    result = runner.invoke(app, ["score", "no-such-run", "--db", score_db])
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: no run 'no-such-run'"), result.stderr
    assert "Traceback" not in result.output


def test_runs_show_prints_the_same_summary(score_db, biased_run):
    result = runner.invoke(app, ["runs", "show", biased_run, "--db", score_db], terminal_width=200)
    assert result.exit_code == 0, result.output
    assert "Option order" in result.stdout and "order-sensitive" in result.stdout
    result = runner.invoke(app, ["runs", "show", biased_run, "--db", score_db, "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["run"]["run_id"] == biased_run
    assert {"inventory", "scale", "mean", "sd", "n", "verdict"} <= data["scales"][0].keys()
    assert AuditScores.model_validate(data["scores"]).run.run_id == biased_run


def test_audit_ends_with_the_summary(tmp_path):
    db = f"sqlite:///{tmp_path / 'a.db'}"
    result = runner.invoke(app, ["audit", "--model", "sim/steady", "--inventory", "sd3", "--templates", "instruct",
                                 "--orders", "original", "--db", db, "--no-report"], terminal_width=200)
    assert result.exit_code == 0, result.output
    assert "Scale scores" in result.stdout and "Reliability" in result.stdout and "sd3" in result.stdout
